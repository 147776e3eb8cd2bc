/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a bundle's predicted measurements for those who pin them (an appraisal policy, report
 * check --manifest): measurements.jsonl streamed a line at a time, each row's form checked and
 * the count held against the manifest's. Nothing is recomputed here; snpm_bundle_verify() does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "../core/core.h"
#include "../core/json.h"
#include "bundle.h"

const char *const bundle_artifact_keys[N_ARTIFACTS] = { "kernel", "initramfs", "rootfs", "ovmf" };
const char *const bundle_artifact_files[2][N_ARTIFACTS] = {
	[SNPM_BUNDLE_SNPIMAGE] = { "kernel", "initramfs", "rootfs.img", "OVMF.fd" },
	[SNPM_BUNDLE_DSTACK] = { "bzImage", "initramfs.cpio.gz", "rootfs.img.verity",
				 "ovmf-sev.fd" },
};

/* The layouts' names: here, beside the file names, so that reading a bundle's launch does not
 * link in what builds one. */
static const struct snpm_name layout_names[] = {
	{ "snpimage", SNPM_BUNDLE_SNPIMAGE, 0 },
	{ "dstack", SNPM_BUNDLE_DSTACK, 0 },
	{ NULL, 0, 0 },
};

const struct snpm_name *snpm_bundle_layout_names(void)
{
	return layout_names;
}

/* Here rather than in bundle.c: reading a bundle (a policy's manifest, a dstack image) must not
 * link in what builds one (libarchive and all it loads). */
char *bundle_join(const char *dir, const char *name)
{
	char *p;

	return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

/* Bundle files are regular files, never followed out of the bundle through a link. */
int bundle_file_digest(const char *path, struct digest *d, struct snpm_error *reterr)
{
	return about(path,
		     snpm_io_hash(path, SNPM_IO_REGULAR | SNPM_IO_NOFOLLOW, SNPM_HASH_SHA256,
				  UINT64_MAX, d->sha256, &d->size, reterr),
		     reterr);
}

char *bundle_next_line(struct bundle_lines *l)
{
	struct snpm_error err;

	for (;;) {
		char *nl = memchr(l->buf + l->start, '\n', l->end - l->start);
		if (nl) {
			char *line = l->buf + l->start;
			*nl = '\0';
			l->start = (size_t)(nl - l->buf) + 1;
			return line;
		}
		if (l->eof || (l->start == 0 && l->end == sizeof(l->buf))) {
			l->failed |= l->end >
				     l->start; /* a last line without newline, or too long */
			return NULL;
		}
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->start = 0;
		size_t n = 0;
		if (snpm_io_read(&l->in, l->buf + l->end, sizeof(l->buf) - l->end, &n, &err) < 0)
			l->failed = true;
		l->end += n;
		l->eof = n == 0;
	}
}

/* The bundle's folder from a path naming it or its manifest.json. *ret: free() it. */
static int bundle_dir(const char *path, char **ret, struct snpm_error *reterr)
{
	struct stat st;
	const char *slash;

	if (stat(path, &st) < 0)
		return snpm_fail(reterr, SNPM_EIO, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		*ret = strdup(path);
	} else {
		slash = strrchr(path, '/');
		*ret = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) :
			       strdup(".");
		const char *base = slash ? slash + 1 : path;
		if (*ret && strcmp(base, MANIFEST) != 0) {
			free(*ret);
			*ret = NULL;
			return snpm_fail(reterr, SNPM_EINVAL, "%s: not a bundle folder or its %s",
					 path, MANIFEST);
		}
	}
	return *ret ? 0 : snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
}

/* The manifest's row count, after its format and rows file are what this library writes. */
/* The manifest, parsed, after its format and rows file are what this library writes; *count
 * is the row count it states. json_object_put() *ret. */
static int read_manifest(const char *dir, struct json_object **ret, int64_t *count,
			 struct snpm_error *reterr)
{
	char *path = bundle_join(dir, MANIFEST), *text = NULL;
	struct json_object *m = NULL, *ms, *v;
	const char *format = NULL, *file = NULL;
	int r = path ? snpm_io_read_text(path, SNPM_IO_REGULAR | SNPM_IO_NOFOLLOW, 64u << 20, &text,
					 reterr) :
		       snpm_fail(reterr, SNPM_ENOMEM, "out of memory");

	if (r == 0)
		r = snpm_json_parse(text, &m, reterr);
	if (r == 0 &&
	    (!json_object_object_get_ex(m, "format", &v) ||
	     snpm_json_str(v, "format", &format, NULL) < 0 || strcmp(format, MANIFEST_FORMAT) != 0))
		r = snpm_fail(reterr, SNPM_EMALFORMED, "the manifest is not format %s",
			      MANIFEST_FORMAT);
	if (r == 0 && (!json_object_object_get_ex(m, "measurements", &ms) ||
		       !json_object_object_get_ex(ms, "file", &v) ||
		       snpm_json_str(v, "file", &file, NULL) < 0 || strcmp(file, ROWS) != 0 ||
		       !json_object_object_get_ex(ms, "count", &v) ||
		       !json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0))
		r = snpm_fail(
			reterr, SNPM_EMALFORMED,
			"the manifest's \"measurements\" is not {\"file\": \"%s\", \"count\": N}",
			ROWS);
	if (r == 0)
		*count = json_object_get_int64(v);
	if (r == 0)
		*ret = m;
	else
		json_object_put(m);
	free(text);
	free(path);
	return r < 0 ? snpm_io_name(MANIFEST, r, reterr) : 0;
}

static int manifest_count(const char *dir, int64_t *ret, struct snpm_error *reterr)
{
	struct json_object *m = NULL;
	int r = read_manifest(dir, &m, ret, reterr);

	json_object_put(m);
	return r;
}

/* One row: a JSON object whose "measurement" is 48 bytes of hex. */
static int row_measurement(const char *line, uint64_t row, uint8_t out[SNPM_LD_SIZE],
			   struct snpm_error *reterr)
{
	struct json_object *o = NULL, *v;
	struct snpm_error err = { 0 };
	int r = snpm_json_parse(line, &o, &err);

	if (r == 0 && (!json_object_is_type(o, json_type_object) ||
		       !json_object_object_get_ex(o, "measurement", &v)))
		r = snpm_fail(&err, SNPM_EMALFORMED, "no \"measurement\"");
	if (r == 0)
		r = snpm_json_hex(v, "measurement", out, SNPM_LD_SIZE, &err);
	json_object_put(o);
	return r < 0 ? snpm_fail(reterr, SNPM_EMALFORMED, "%s line %llu: %s", ROWS,
				 (unsigned long long)row, err.message) :
		       0;
}

static int read_rows(const char *dir, int64_t count, snpm_bundle_measurement_fn fn, void *arg,
		     struct snpm_error *reterr)
{
	struct bundle_lines *l = calloc(1, sizeof(*l));
	char *path = bundle_join(dir, ROWS), *line;
	uint8_t m[SNPM_LD_SIZE];
	uint64_t row = 0;
	int r = l && path ? snpm_io_open(path, SNPM_IO_REGULAR | SNPM_IO_NOFOLLOW, &l->in, reterr) :
			    snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	bool opened = r == 0;

	while (r == 0 && (line = bundle_next_line(l)) != NULL) {
		r = row_measurement(line, ++row, m, reterr);
		if (r == 0 && fn(arg, m, line) != 0)
			break;
	}
	if (r == 0 && !line && l->failed)
		r = snpm_fail(reterr, SNPM_EMALFORMED,
			      "%s: a read error, a line too long or no final newline after line "
			      "%llu",
			      ROWS, (unsigned long long)row);
	if (r == 0 && !line && row != (uint64_t)count)
		r = snpm_fail(reterr, SNPM_EMALFORMED, "%s holds %llu rows, the manifest says %lld",
			      ROWS, (unsigned long long)row, (long long)count);
	if (opened)
		snpm_io_close(&l->in, NULL);
	free(path);
	free(l);
	return r;
}

int snpm_bundle_measurements(const char *path, snpm_bundle_measurement_fn fn, void *arg,
			     struct snpm_error *reterr)
{
	char *dir = NULL;
	int64_t count = 0;
	int r;

	if (!path || !fn)
		return snpm_fail(reterr, SNPM_EINVAL, "no bundle or callback");
	r = bundle_dir(path, &dir, reterr);
	if (r == 0)
		r = manifest_count(dir, &count, reterr);
	if (r == 0)
		r = read_rows(dir, count, fn, arg, reterr);
	free(dir);
	return r;
}

/* ---- the launch a manifest records ---- */

#define MAX_SPACE_SIGS 64
#define MAX_SPACE_FEATURES 64

/* An array member of the space, its length within 1..max. */
static int space_array(struct json_object *space, const char *key, size_t max,
		       struct json_object **ret, size_t *n, struct snpm_error *reterr)
{
	if (!json_object_object_get_ex(space, key, ret) ||
	    !json_object_is_type(*ret, json_type_array))
		return snpm_fail(reterr, SNPM_EMALFORMED, "the manifest's space has no \"%s\" list",
				 key);
	*n = json_object_array_length(*ret);
	if (*n == 0 || *n > max)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "the manifest's space holds %zu values of \"%s\" (1 to %zu)", *n,
				 key, max);
	return 0;
}

static int read_vcpus(struct json_object *space, struct snpm_bundle_launch *l,
		      struct snpm_error *reterr)
{
	struct json_object *a;
	int r = space_array(space, "vcpus", SNPM_MAX_VCPUS, &a, &l->n_vcpus, reterr);

	if (r == 0 && !(l->vcpus = calloc(l->n_vcpus, sizeof(*l->vcpus))))
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	for (size_t i = 0; r == 0 && i < l->n_vcpus; i++) {
		r = snpm_json_u32(json_object_array_get_idx(a, i), "vcpus", &l->vcpus[i], reterr);
		if (r == 0 && (l->vcpus[i] < 1 || l->vcpus[i] > SNPM_MAX_VCPUS ||
			       (i && l->vcpus[i] <= l->vcpus[i - 1])))
			r = snpm_fail(reterr, SNPM_EMALFORMED,
				      "the manifest's vCPU counts must ascend within 1..%u",
				      SNPM_MAX_VCPUS);
	}
	return r;
}

static int read_sig(struct json_object *o, struct snpm_bundle_launch *l, size_t i,
		    struct snpm_error *reterr)
{
	static const char *const keys[] = { "sig", "type", NULL };
	struct json_object *v;
	uint64_t sig;
	int r = snpm_json_only_keys(o, "vcpu_sigs", keys, reterr);

	if (r == 0 && !json_object_object_get_ex(o, "sig", &v))
		r = snpm_fail(reterr, SNPM_EMALFORMED, "a vcpu_sigs entry has no \"sig\"");
	if (r == 0)
		r = snpm_json_u64(v, "sig", UINT32_MAX, &sig, reterr);
	if (r == 0)
		l->vcpu_sigs[i] = (uint32_t)sig;
	if (r == 0 && snpm_json_nonnull(o, "type", &v))
		r = snpm_json_dup(v, "type", &l->vcpu_types[i], reterr);
	return r;
}

static int read_sigs(struct json_object *space, struct snpm_bundle_launch *l,
		     struct snpm_error *reterr)
{
	struct json_object *a;
	int r = space_array(space, "vcpu_sigs", MAX_SPACE_SIGS, &a, &l->n_vcpu_sigs, reterr);

	if (r == 0 && (!(l->vcpu_sigs = calloc(l->n_vcpu_sigs, sizeof(*l->vcpu_sigs))) ||
		       !(l->vcpu_types = calloc(l->n_vcpu_sigs, sizeof(*l->vcpu_types)))))
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	for (size_t i = 0; r == 0 && i < l->n_vcpu_sigs; i++)
		r = read_sig(json_object_array_get_idx(a, i), l, i, reterr);
	return r;
}

static int read_features_and_vmms(struct json_object *space, struct snpm_bundle_launch *l,
				  struct snpm_error *reterr)
{
	struct json_object *a, *b;
	const char *name;
	int r = space_array(space, "guest_features", MAX_SPACE_FEATURES, &a, &l->n_guest_features,
			    reterr);

	if (r == 0)
		r = space_array(space, "vmms", 4, &b, &l->n_vmms, reterr);
	if (r == 0 && (!(l->guest_features = calloc(l->n_guest_features, sizeof(uint64_t))) ||
		       !(l->vmms = calloc(l->n_vmms, sizeof(*l->vmms)))))
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	for (size_t i = 0; r == 0 && i < l->n_guest_features; i++)
		r = snpm_json_u64(json_object_array_get_idx(a, i), "guest_features", UINT64_MAX,
				  &l->guest_features[i], reterr);
	for (size_t i = 0; r == 0 && i < l->n_vmms; i++) {
		r = snpm_json_str(json_object_array_get_idx(b, i), "vmms", &name, reterr);
		if (r == 0 && snpm_vmm_parse(name, &l->vmms[i]) < 0)
			r = snpm_fail(reterr, SNPM_EMALFORMED, "the manifest names VMM '%s'", name);
	}
	return r;
}

/* The layout, the files it names and the command line. */
static int read_files(const char *dir, struct json_object *m, struct snpm_bundle_launch *l,
		      struct snpm_error *reterr)
{
	struct json_object *v;
	const char *name;
	uint64_t layout = SNPM_BUNDLE_SNPIMAGE;
	int r = 0;

	if (json_object_object_get_ex(m, "layout", &v)) {
		r = snpm_json_str(v, "layout", &name, reterr);
		if (r == 0 && snpm_name_parse(snpm_bundle_layout_names(), name, &layout) < 0)
			r = snpm_fail(reterr, SNPM_EMALFORMED, "the manifest's layout '%s'", name);
	}
	l->layout = (enum snpm_bundle_layout)layout;
	if (r == 0 && !json_object_object_get_ex(m, "cmdline", &v))
		r = snpm_fail(reterr, SNPM_EMALFORMED, "the manifest has no \"cmdline\"");
	if (r == 0)
		r = snpm_json_dup(v, "cmdline", &l->cmdline, reterr);
	if (r == 0 &&
	    (!(l->firmware = bundle_join(dir, bundle_artifact_files[l->layout][ART_OVMF])) ||
	     !(l->kernel = bundle_join(dir, bundle_artifact_files[l->layout][ART_KERNEL])) ||
	     !(l->initrd = bundle_join(dir, bundle_artifact_files[l->layout][ART_INITRAMFS]))))
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	return r;
}

/* The members of a parsed manifest; errors name the manifest. */
static int read_launch(const char *dir, struct json_object *m, struct snpm_bundle_launch *l,
		       struct snpm_error *reterr)
{
	struct json_object *space;
	int r = read_files(dir, m, l, reterr);

	if (r == 0 && !json_object_object_get_ex(m, "space", &space))
		r = snpm_fail(reterr, SNPM_EMALFORMED, "the manifest has no \"space\"");
	if (r == 0)
		r = read_vcpus(space, l, reterr);
	if (r == 0)
		r = read_sigs(space, l, reterr);
	if (r == 0)
		r = read_features_and_vmms(space, l, reterr);
	return snpm_io_name(MANIFEST, r, reterr);
}

int snpm_bundle_launch_read(const char *path, struct snpm_bundle_launch **ret,
			    struct snpm_error *reterr)
{
	struct snpm_bundle_launch *l = NULL;
	struct json_object *m = NULL;
	char *dir = NULL;
	int64_t count;
	int r;

	if (!path || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no bundle or result");
	*ret = NULL;
	r = bundle_dir(path, &dir, reterr);
	if (r == 0)
		r = read_manifest(dir, &m, &count, reterr); /* its format is ours */
	if (r == 0 && !(l = calloc(1, sizeof(*l))))
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	if (r == 0)
		r = read_launch(dir, m, l, reterr);
	json_object_put(m);
	free(dir);
	if (r < 0) {
		snpm_bundle_launch_free(l);
		return r;
	}
	*ret = l;
	return 0;
}

void snpm_bundle_launch_free(struct snpm_bundle_launch *l)
{
	if (!l)
		return;
	for (size_t i = 0; l->vcpu_types && i < l->n_vcpu_sigs; i++)
		free(l->vcpu_types[i]);
	free(l->firmware), free(l->kernel), free(l->initrd), free(l->cmdline);
	free(l->vcpus), free(l->vcpu_sigs), free(l->vcpu_types), free(l->guest_features);
	free(l->vmms);
	free(l);
}
