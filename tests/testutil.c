/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

char *tu_fixture(const char *relpath)
{
	char *p, why[512];

	assert_true(asprintf(&p, "%s/tests/fixtures/%s", SNPM_SOURCE_DIR, relpath) > 0);
	if (access(p, R_OK) == 0)
		return p;
	snprintf(why, sizeof(why), "fixture %s: %s (the repository ships it: is the clone whole?)",
		 p, strerror(errno));
	free(p);
	fail_msg("%s", why);
	return NULL;
}

void tu_need_program(const char *path, const char *package)
{
	if (access(path, X_OK) != 0)
		fail_msg("%s: %s (apt-get install %s; .ci/install-deps does)", path,
			 strerror(errno), package);
}

char *tu_source_path(const char *relpath)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", SNPM_SOURCE_DIR, relpath) > 0);
	return p;
}

uint8_t *tu_read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	*ret_len = len;
	return buf;
}

void tu_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

char *tu_mkdtemp(void)
{
	char *p = strdup("/tmp/snpm-test-XXXXXX");

	assert_non_null(mkdtemp(p));
	return p;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void tu_rmtree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void tu_no_temporaries(const char *folder)
{
	DIR *d = opendir(folder);

	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));)
		if (strstr(e->d_name, ".tmp"))
			fail_msg("%s/%s was left behind", folder, e->d_name);
	closedir(d);
}

uint8_t *tu_stream(const char *tag, size_t n)
{
	uint8_t *buf = malloc(n + SNPM_SHA256_SIZE);
	char label[256];

	assert_non_null(buf);
	for (size_t i = 0, off = 0; off < n; i++, off += SNPM_SHA256_SIZE) {
		int len = snprintf(label, sizeof(label), "%s:%zu", tag, i);
		assert_int_equal(snpm_digest(SNPM_HASH_SHA256, label, (size_t)len, buf + off, NULL),
				 0);
	}
	return buf;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int64_t jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_int64(v);
}

/* The firmware recipe of launch-digest-kat.json, step by step. */
static uint8_t *build_firmware(struct json_object *recipe, size_t size)
{
	struct json_object *entries, *items, *md_at;
	uint8_t table[4096];
	size_t tlen = 0;
	uint8_t *fw;
	char *tag;

	tag = strdup(json_object_get_string(json_object_object_get(recipe, "tag")));
	fw = tu_stream(tag, size);
	free(tag);
	assert_true(json_object_object_get_ex(recipe, "entries", &entries));
	entries = json_object_get(entries);
	struct json_object *all = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(entries); i++)
		json_object_array_add(all, json_object_get(json_object_array_get_idx(entries, i)));
	if (json_object_object_get_ex(recipe, "metadata_items", &items)) {
		size_t n = json_object_array_length(items), at;
		assert_true(json_object_object_get_ex(recipe, "metadata_at", &md_at));
		at = (size_t)json_object_get_int64(md_at);
		memcpy(fw + at, "ASEV", 4);
		put_le(fw + at + 4, 16 + 12 * n, 4);
		put_le(fw + at + 8, 1, 4);
		put_le(fw + at + 12, n, 4);
		for (size_t i = 0; i < n; i++) {
			struct json_object *it = json_object_array_get_idx(items, i);
			put_le(fw + at + 16 + 12 * i, (uint64_t)jint(it, "gpa"), 4);
			put_le(fw + at + 20 + 12 * i, (uint64_t)jint(it, "size"), 4);
			put_le(fw + at + 24 + 12 * i, (uint64_t)jint(it, "type"), 4);
		}
		struct json_object *e = json_object_new_object();
		char data[9];
		uint8_t le[4];
		put_le(le, size - at, 4);
		tu_hex(le, 4, data);
		json_object_object_add(e, "guid", json_object_new_string(SNPM_GUID_SEV_METADATA));
		json_object_object_add(e, "data", json_object_new_string(data));
		json_object_array_add(all, e);
	}
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *e = json_object_array_get_idx(all, i);
		const char *data = json_object_get_string(json_object_object_get(e, "data"));
		int dlen = tu_unhex(data, table + tlen, sizeof(table) - tlen - 18);
		assert_true(dlen >= 0);
		tlen += (size_t)dlen;
		put_le(table + tlen, (uint64_t)dlen + 18, 2);
		assert_int_equal(
			snpm_guid_parse(json_object_get_string(json_object_object_get(e, "guid")),
					table + tlen + 2),
			0);
		tlen += 18;
	}
	put_le(table + tlen, tlen + 18, 2);
	assert_int_equal(snpm_guid_parse(SNPM_GUID_OVMF_TABLE_FOOTER, table + tlen + 2), 0);
	tlen += 18;
	memcpy(fw + size - 32 - tlen, table, tlen);
	json_object_put(all);
	json_object_put(entries);
	return fw;
}

uint8_t *tu_build_input(struct json_object *recipe, size_t *ret_len)
{
	const char *kind = json_object_get_string(json_object_object_get(recipe, "kind"));
	size_t size = (size_t)jint(recipe, "size");
	uint8_t *data;

	if (strcmp(kind, "stream") == 0)
		data = tu_stream(json_object_get_string(json_object_object_get(recipe, "tag")),
				 size);
	else
		data = build_firmware(recipe, size);
	*ret_len = size;
	return data;
}

void tu_hex(const uint8_t *d, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	out[2 * len] = '\0';
}

int tu_unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

/* Drains both pipes until the child closes them. */
static void drain(int out_fd, int err_fd, char **out, char **err)
{
	size_t olen = 0, elen = 0;
	struct pollfd p[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
	char buf[65536];

	*out = calloc(1, 1);
	*err = calloc(1, 1);
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0 && errno == EINTR)
			continue;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				continue;
			}
			char **dst = i == 0 ? out : err;
			size_t *len = i == 0 ? &olen : &elen;
			*dst = realloc(*dst, *len + (size_t)n + 1);
			memcpy(*dst + *len, buf, (size_t)n);
			*len += (size_t)n;
			(*dst)[*len] = '\0';
		}
	}
}

const char *tu_stdin;

void tu_run(char *const argv[], struct tu_run *ret)
{
	tu_run_in(NULL, argv, ret);
}

void tu_run_in(const char *dir, char *const argv[], struct tu_run *ret)
{
	int po[2], pe[2], st;
	pid_t pid;

	assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open(tu_stdin ? tu_stdin : "/dev/null", O_RDONLY);
		if (dir && chdir(dir) != 0)
			_exit(126);
		dup2(devnull, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		/* SNPM_TEST_WRAPPER (e.g. "valgrind --error-exitcode=99 -q") runs our own tools
		 * under a checker; other programs run as they are. */
		const char *wrap = getenv("SNPM_TEST_WRAPPER");
		bool ours = strcmp(argv[0], SNPM_CLI) == 0 || strcmp(argv[0], SNPM_IMAGE_CLI) == 0;
		if (wrap && *wrap && ours) {
			char *copy = strdup(wrap), *save = NULL, *full[128];
			int n = 0;
			for (char *w = strtok_r(copy, " ", &save); w && n < 64;
			     w = strtok_r(NULL, " ", &save))
				full[n++] = w;
			for (int i = 0; argv[i] && n < 127; i++)
				full[n++] = argv[i];
			full[n] = NULL;
			execvp(full[0], full);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	drain(po[0], pe[0], &ret->out, &ret->err);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	ret->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void tu_run_free(struct tu_run *r)
{
	free(r->out);
	free(r->err);
}

struct tu_run tu_cli_in(const char *cwd, const char *first, ...)
{
	const char *argv[64] = { SNPM_CLI, first };
	struct tu_run r;
	va_list ap;
	int n = 2;

	va_start(ap, first);
	while (first && (argv[n] = va_arg(ap, const char *)) != NULL) {
		n++;
		assert_true(n < 64);
	}
	va_end(ap);
	tu_run_in(cwd, (char *const *)argv, &r);
	return r;
}

size_t tu_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

void tu_expect_refusal(struct tu_run r, int status, const char *needle)
{
	if (r.status != status || *r.out || tu_lines(r.err) != 1 || !strstr(r.err, needle))
		fail_msg("status %d, stdout '%s', stderr '%s' (wanted %d and '%s')", r.status,
			 r.out, r.err, status, needle);
	if (strncmp(r.err, "snpmeasure: ", 12) != 0)
		fail_msg("stderr does not start with the program name: %s", r.err);
	tu_run_free(&r);
}

void tu_expect_digest(struct tu_run r, const char *digest)
{
	char *line;

	assert_true(asprintf(&line, "%s\n", digest) > 0);
	if (r.status != 0 || strcmp(r.out, line) != 0)
		fail_msg("status %d, stdout '%s', stderr '%s'", r.status, r.out, r.err);
	free(line);
	tu_run_free(&r);
}

char *tu_capture(struct tu_run r)
{
	if (r.status != 0)
		fail_msg("status %d, stderr '%s'", r.status, r.err);
	free(r.err);
	return r.out;
}

char *tu_kat_file(struct json_object *inputs, const char *dir, const char *name)
{
	size_t len;
	uint8_t *data = tu_build_input(json_object_object_get(inputs, name), &len);
	char *path;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	tu_write_file(path, data, len);
	free(data);
	return path;
}

char *tu_replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	char *out;

	if (!at)
		fail_msg("'%s' does not occur in '%s'", from, s);
	assert_true(asprintf(&out, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from)) > 0);
	return out;
}

void tu_write_bzimage(const char *path, uint8_t setup_sects, size_t size)
{
	uint8_t *b = calloc(1, size);
	static const char version[] = "6.1.0-snp (builder@host) #1 SMP";

	assert_non_null(b);
	b[0] = 'M', b[1] = 'Z';
	b[0x3c] = 0x80;
	memcpy(b + 0x80, "PE\0\0", 4);
	b[0x1f1] = setup_sects;
	b[0x1fe] = 0x55, b[0x1ff] = 0xaa;
	memcpy(b + 0x202, "HdrS", 4);
	b[0x206] = 0x0f, b[0x207] = 0x02; /* protocol 2.15 */
	b[0x20e] = 0x00, b[0x20f] = 0x01; /* version string at 0x100 + 0x200 */
	memcpy(b + 0x300, version, sizeof(version));
	b[0x211] = 1;
	b[0x236] = 0x09; /* XLF_KERNEL_64 | XLF_EFI_HANDOVER_64 */
	b[0x238] = 0xff, b[0x239] = 0x07; /* cmdline_size 2047 */
	b[0x260 + 3] = 0x02; /* init_size 0x2000000 */
	tu_write_file(path, b, size);
	free(b);
}

uint8_t *tu_fixture_bytes(const char *relpath, size_t *ret_len)
{
	char *path = tu_fixture(relpath);
	uint8_t *data = tu_read_file(path, ret_len);

	if (!data)
		fail_msg("%s: cannot read", relpath);
	free(path);
	return data;
}

void tu_put_cert_entry(uint8_t *at, const char *guid, uint32_t offset, uint32_t length)
{
	for (size_t i = 0, k = 0; guid[i] && k < 16; i++) {
		unsigned v;
		if (guid[i] == '-')
			continue;
		if (sscanf(guid + i, "%2x", &v) != 1)
			fail_msg("%s is not a GUID", guid);
		at[k++] = (uint8_t)v;
		i++;
	}
	for (int i = 0; i < 4; i++) {
		at[16 + i] = (uint8_t)(offset >> (8 * i));
		at[20 + i] = (uint8_t)(length >> (8 * i));
	}
}
