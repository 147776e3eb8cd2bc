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
static int manifest_count(const char *dir, int64_t *ret, struct snpm_error *reterr)
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
		*ret = json_object_get_int64(v);
	json_object_put(m);
	free(text);
	free(path);
	return r < 0 ? snpm_io_name(MANIFEST, r, reterr) : 0;
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
