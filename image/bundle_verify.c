/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bundle verification: recomputes everything a bundle's manifest claims (digests, sizes,
 * sha256sum.txt, the verity tree, the cmdline, every predicted measurement, streamed) and
 * reports each difference. Only the bundle's own regular files are read.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../core/core.h"
#include <snpm/dstack.h>

#include "bundle.h"

struct checker {
	snpm_bundle_problem_fn fn;
	void *arg;
	unsigned problems;
	enum snpm_bundle_layout layout;
	const char *const *files; /* the artifacts' names in this layout */
};

__attribute__((format(printf, 3, 4))) static void problem(struct checker *c, const char *what,
							  const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	c->problems++;
	if (c->fn)
		c->fn(c->arg, what, detail);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
		       json_object_get_string(v) :
		       NULL;
}

static int64_t jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int) ?
		       json_object_get_int64(v) :
		       -1;
}

static void check_artifacts(const char *dir, struct json_object *m, struct checker *c)
{
	struct json_object *arts = json_object_object_get(m, "artifacts");
	char hex[65];

	for (int i = 0; i < N_ARTIFACTS; i++) {
		struct json_object *a = json_object_object_get(arts, bundle_artifact_keys[i]);
		const char *want = jstr(a, "sha256");
		char *path = bundle_join(dir, c->files[i]);
		struct digest d;
		struct snpm_error err;
		if (!want || !path) {
			problem(c, bundle_artifact_keys[i], "missing from the manifest");
		} else if (bundle_file_digest(path, &d, &err) < 0) {
			problem(c, c->files[i], "%s", err.message);
		} else {
			snpm_hex_encode(d.sha256, SNPM_SHA256_SIZE, hex);
			if (strcmp(hex, want) != 0)
				problem(c, c->files[i], "sha256 %s, the manifest says %s", hex,
					want);
			if ((int64_t)d.size != jint(a, "size"))
				problem(c, c->files[i], "%llu bytes, the manifest says %lld",
					(unsigned long long)d.size, (long long)jint(a, "size"));
		}
		free(path);
	}
}

/* A bundle file's text: regular, inside the folder (never through a link), no NUL bytes. */
static char *bundle_text(const char *dir, const char *name, struct snpm_error *err)
{
	char *path = bundle_join(dir, name), *text = NULL;

	if (path &&
	    snpm_io_read_text(path, SNPM_IO_REGULAR | SNPM_IO_NOFOLLOW, 64u << 20, &text, err) < 0)
		text = NULL;
	free(path);
	return text;
}

static void check_sums(const char *dir, struct checker *c)
{
	struct snpm_error err = { 0 };
	struct sum_line *lines = calloc(SUMS_MAX_LINES, sizeof(*lines));
	char *text = bundle_text(dir, SUMS, &err), hex[65], want[65];
	size_t n = 0;

	if (!text || !lines || sums_parse(text, lines, &n, &err) < 0) {
		problem(c, SUMS, "cannot be read: %s", lines ? err.message : "out of memory");
		free(text), free(lines);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct digest d;
		char *p = bundle_join(dir, lines[i].name);
		if (!p || bundle_file_digest(p, &d, &err) < 0) {
			problem(c, lines[i].name, "listed in %s but unreadable", SUMS);
		} else if (memcmp(d.sha256, lines[i].sha256, SNPM_SHA256_SIZE) != 0) {
			snpm_hex_encode(d.sha256, SNPM_SHA256_SIZE, hex);
			snpm_hex_encode(lines[i].sha256, SNPM_SHA256_SIZE, want);
			problem(c, lines[i].name, "sha256 %s, %s says %s", hex, SUMS, want);
		}
		free(p);
	}
	if (n != N_ARTIFACTS + 2)
		problem(c, SUMS, "lists %zu files, not %d", n, N_ARTIFACTS + 2);
	free(text), free(lines);
}

/* A bundle holds its files and nothing else: anything more is reported, never ignored. */
static void check_extras(const char *dir, struct checker *c)
{
	const char *known[] = {
		c->files[0], c->files[1], c->files[2],	   c->files[3],	  MANIFEST,
		ROWS,	     SUMS,	  DSTACK_METADATA, DSTACK_DIGEST, SNPM_DSTACK_SNP_CBOR
	};
	size_t n_known = c->layout == SNPM_BUNDLE_DSTACK ? 10 : 7;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		problem(c, dir, "cannot be listed: %s", strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		bool ours = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
		for (size_t i = 0; !ours && i < n_known; i++)
			ours = strcmp(e->d_name, known[i]) == 0;
		if (!ours)
			problem(c, e->d_name, "is not part of a bundle");
	}
	closedir(d);
}

static void check_verity(const char *dir, struct json_object *m, struct checker *c)
{
	struct json_object *v = json_object_object_get(m, "verity");
	struct snpm_verity_params p = { .size = sizeof(p) };
	uint8_t root[SNPM_VERITY_MAX_DIGEST];
	const char *salt = jstr(v, "salt"), *rh = jstr(v, "root_hash");
	char *img = bundle_join(dir, c->files[ART_ROOTFS]);
	struct snpm_verity_mismatch miss;
	struct snpm_error err;
	size_t rlen = rh ? strlen(rh) / 2 : 0;

	snpm_verity_defaults(&p);
	p.hash_offset = (uint64_t)jint(v, "hash_offset");
	p.salt_len = salt ? strlen(salt) / 2 : 0;
	if (!img || !rh || !salt || jint(v, "hash_offset") < 0 || rlen > sizeof(root) ||
	    p.salt_len > sizeof(p.salt) || !snpm_hex_decode(rh, root, rlen) ||
	    !snpm_hex_decode(salt, p.salt, p.salt_len))
		problem(c, "verity", "the manifest's verity parameters are unreadable");
	else if (snpm_verity_verify(img, img, &p, root, rlen, &miss, &err) < 0)
		problem(c, c->files[ART_ROOTFS], "%s", err.message);
	free(img);
}

static void check_cmdline(struct json_object *m, struct checker *c)
{
	struct json_object *v = json_object_object_get(m, "verity");
	const char *tpl = jstr(m, "cmdline_template"), *cmd = jstr(m, "cmdline");
	const char *rh = jstr(v, "root_hash");
	struct snpm_error err;
	char *want = NULL;

	if (!tpl || !cmd || !rh || jint(v, "data_size") < 0)
		problem(c, "cmdline", "missing from the manifest");
	else if (bundle_fill_template(tpl, rh, (uint64_t)jint(v, "data_size"), &want, &err) < 0)
		problem(c, "cmdline", "%s", err.message);
	else if (strcmp(want, cmd) != 0)
		problem(c, "cmdline", "the template gives '%s', the manifest says '%s'", want, cmd);
	/* The manifest says whether the measurement covers the rootfs; the cmdline must agree. */
	struct json_object *measured = json_object_object_get(m, "rootfs_measured");
	if (!json_object_is_type(measured, json_type_boolean))
		problem(c, "rootfs_measured", "missing from the manifest");
	else if (tpl && json_object_get_boolean(measured) != (strstr(tpl, "{roothash}") != NULL))
		problem(c, "rootfs_measured", "says %s, but the cmdline template %s {roothash}",
			json_object_get_boolean(measured) ? "true" : "false",
			strstr(tpl, "{roothash}") ? "carries" : "lacks");
	free(want);
}

/* The space recorded in the manifest. */
struct space_buf {
	uint32_t vcpus[SNPM_MAX_VCPUS], sigs[64];
	uint64_t features[64];
	enum snpm_vmm vmms[3];
	const char *names[64];
	struct snpm_sweep_space sp;
};

static bool read_space(struct json_object *m, struct space_buf *b)
{
	struct json_object *s = json_object_object_get(m, "space"), *a;
	size_t n;

	memset(b, 0, sizeof(*b));
	SNPM_INIT(&b->sp);
	a = json_object_object_get(s, "vcpus");
	n = a ? json_object_array_length(a) : 0;
	if (!n || n > SNPM_MAX_VCPUS)
		return false;
	for (size_t i = 0; i < n; i++)
		b->vcpus[i] = (uint32_t)json_object_get_int64(json_object_array_get_idx(a, i));
	b->sp.vcpus = b->vcpus, b->sp.n_vcpus = n;
	a = json_object_object_get(s, "vcpu_sigs");
	n = a ? json_object_array_length(a) : 0;
	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		uint64_t v;
		if (!jstr(e, "sig") || !snpm_parse_number(jstr(e, "sig"), UINT32_MAX, &v))
			return false;
		b->sigs[i] = (uint32_t)v;
		b->names[i] = jstr(e, "type");
	}
	b->sp.vcpu_sigs = b->sigs, b->sp.n_vcpu_sigs = n;
	a = json_object_object_get(s, "guest_features");
	n = a ? json_object_array_length(a) : 0;
	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!snpm_parse_number(json_object_get_string(json_object_array_get_idx(a, i)),
				       UINT64_MAX, &b->features[i]))
			return false;
	b->sp.guest_features = b->features, b->sp.n_guest_features = n;
	a = json_object_object_get(s, "vmms");
	n = a ? json_object_array_length(a) : 0;
	if (!n || n > 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (snpm_vmm_parse(json_object_get_string(json_object_array_get_idx(a, i)),
				   &b->vmms[i]) < 0)
			return false;
	b->sp.vmms = b->vmms, b->sp.n_vmms = n;
	return true;
}

/* Compares measurements.jsonl a line at a time, as the sweep recomputes the rows. */
struct row_checker {
	struct bundle_lines lines;
	const char *const *names;
	struct checker *c;
	uint64_t row, mismatches;
};

static int compare_row(void *arg, const struct snpm_sweep_row *row)
{
	struct row_checker *rc = arg;
	char *want = bundle_row_line(row, rc->names),
	     *got = want ? bundle_next_line(&rc->lines) : NULL;

	rc->row++;
	if (!want || !got || strcmp(want, got) != 0) {
		/* Name the first few differences; the count says the rest. */
		if (++rc->mismatches <= 10)
			problem(rc->c, ROWS, "line %llu is %s, the bundle computes %s",
				(unsigned long long)rc->row, got ? got : "missing",
				want ? want : "(out of memory)");
	}
	free(want);
	return 0;
}

static void check_measurements(const char *dir, struct json_object *m, struct checker *c)
{
	struct space_buf *sb = malloc(sizeof(*sb));
	struct row_checker *rc = calloc(1, sizeof(*rc));
	struct json_object *ms = json_object_object_get(m, "measurements");
	const char *cmd = jstr(m, "cmdline");
	char *path = bundle_join(dir, ROWS);
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct snpm_error err;
	uint8_t *fw = NULL;

	if (!sb || !rc || !path) {
		problem(c, "measurements", "out of memory");
	} else if (!cmd || !ms || !read_space(m, sb) || jint(ms, "count") < 0) {
		problem(c, "measurements", "the manifest's space or measurements are unreadable");
	} else if (snpm_io_open(path, SNPM_IO_REGULAR | SNPM_IO_NOFOLLOW, &rc->lines.in, &err) <
		   0) {
		problem(c, ROWS, "%s", err.message);
	} else {
		rc->names = sb->names;
		rc->c = c;
		if (bundle_config(dir, c->layout, cmd, &cfg, &fw, &err) < 0 ||
		    snpm_sweep(&cfg, &sb->sp, compare_row, rc, &err) < 0)
			problem(c, "measurements", "%s", err.message);
		if (bundle_next_line(&rc->lines) || rc->lines.failed)
			problem(c, ROWS, "holds more than the %llu configurations of the space",
				(unsigned long long)rc->row);
		if (rc->row != (uint64_t)jint(ms, "count"))
			problem(c, "measurements", "%llu configurations, the manifest says %lld",
				(unsigned long long)rc->row, (long long)jint(ms, "count"));
		if (rc->mismatches > 10)
			problem(c, ROWS, "%llu lines differ in all",
				(unsigned long long)rc->mismatches);
		snpm_io_close(&rc->lines.in, NULL);
	}
	free(fw);
	free(path);
	free(rc);
	free(sb);
}

/*
 * sha256sum.txt and digest.txt byte for byte as bundle wrote them, and the os_image_hash they
 * give the one the manifest recorded: a line added, dropped or reordered, with digest.txt
 * rewritten to match, is another image.
 */
static void check_dstack_sums(const char *dir, struct json_object *m, struct checker *c)
{
	char sums[BUNDLE_DSTACK_SUMS_MAX], hex[2 * SNPM_SHA256_SIZE + 2];
	const char *recorded = jstr(m, "os_image_hash");
	struct snpm_error err = { 0 };
	uint8_t hash[SNPM_SHA256_SIZE];
	char *have;

	if (bundle_dstack_sums(dir, sums, hash, &err) < 0) {
		problem(c, SUMS, "cannot be recomputed: %s", err.message);
		return;
	}
	have = bundle_text(dir, SUMS, &err);
	if (!have || strcmp(have, sums) != 0)
		problem(c, SUMS, "is not what bundle wrote for these files");
	free(have);
	snpm_hex_encode(hash, SNPM_SHA256_SIZE, hex);
	if (!recorded || strcmp(recorded, hex) != 0)
		problem(c, "os_image_hash", "the files give %s, the manifest records %s", hex,
			recorded ? recorded : "none");
	strcat(hex, "\n");
	have = bundle_text(dir, DSTACK_DIGEST, &err);
	if (!have || strcmp(have, hex) != 0)
		problem(c, DSTACK_DIGEST, "is not the os_image_hash of sha256sum.txt");
	free(have);
}

/* dstack's layout: metadata.json and measurement.snp.cbor are what the bundle's files give, and
 * the folder reads as dstack's verifier reads it (digest.txt, sha256sum.txt). */
static void check_dstack(const char *dir, struct json_object *m, struct checker *c)
{
	const char *cmd = jstr(m, "cmdline");
	struct snpm_error err = { 0 };
	char *metadata = NULL, *have_meta = bundle_text(dir, DSTACK_METADATA, &err);
	uint8_t *cbor = NULL, *have_cbor = NULL, hash[32];
	size_t cbor_len = 0, have_len = 0;
	char *path = bundle_join(dir, SNPM_DSTACK_SNP_CBOR);

	if (!cmd || bundle_dstack_files(dir, cmd, &metadata, &cbor, &cbor_len, &err) < 0) {
		problem(c, "dstack", "cannot recompute its files: %s",
			cmd ? err.message : "no cmdline in the manifest");
	} else {
		if (!have_meta || strcmp(have_meta, metadata) != 0)
			problem(c, DSTACK_METADATA,
				"is not what the bundle's files and cmdline give");
		if (!path ||
		    snpm_io_read_all(path, SNPM_IO_REGULAR | SNPM_IO_NOFOLLOW, 1u << 20, &have_cbor,
				     &have_len, &err) < 0 ||
		    have_len != cbor_len || memcmp(have_cbor, cbor, cbor_len) != 0)
			problem(c, SNPM_DSTACK_SNP_CBOR,
				"is not what the bundle's firmware, kernel, initramfs and cmdline give");
	}
	check_dstack_sums(dir, m, c);
	if (snpm_dstack_image_read(dir, hash, NULL, &err) < 0)
		problem(c, "dstack", "%s", err.message);
	free(metadata), free(have_meta), free(cbor), free(have_cbor), free(path);
}

int snpm_bundle_verify(const char *dir, snpm_bundle_problem_fn fn, void *arg,
		       struct snpm_error *reterr)
{
	struct checker c = { .fn = fn, .arg = arg };
	struct snpm_error err = { 0 };
	char *text = dir ? bundle_text(dir, MANIFEST, &err) : NULL;
	struct json_object *m = text ? json_tokener_parse(text) : NULL;
	const char *format = m ? jstr(m, "format") : NULL;

	free(text);
	if (!m || !format || strcmp(format, MANIFEST_FORMAT) != 0) {
		json_object_put(m);
		return snpm_fail(reterr, SNPM_EMALFORMED, "no readable %s manifest (format %s)",
				 MANIFEST, MANIFEST_FORMAT);
	}
	const char *layout = jstr(m, "layout");
	if (layout && strcmp(layout, "dstack") != 0) {
		json_object_put(m);
		return snpm_fail(reterr, SNPM_EMALFORMED, "%s: unknown layout '%s'", MANIFEST,
				 layout);
	}
	c.layout = layout ? SNPM_BUNDLE_DSTACK : SNPM_BUNDLE_SNPIMAGE;
	c.files = bundle_artifact_files[c.layout];
	check_artifacts(dir, m, &c);
	if (c.layout == SNPM_BUNDLE_DSTACK)
		check_dstack(dir, m, &c);
	else
		check_sums(dir, &c);
	check_verity(dir, m, &c);
	check_cmdline(m, &c);
	check_measurements(dir, m, &c);
	check_extras(dir, &c);
	json_object_put(m);
	if (c.problems)
		return snpm_fail(reterr, SNPM_EVERIFY, "%u difference%s found", c.problems,
				 c.problems == 1 ? "" : "s");
	return 0;
}
