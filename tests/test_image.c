/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dm-verity: the known answers of vectors/verity-kat.json (made with veritysetup 2.6.1) through
 * the snpimage CLI, verification that finds flipped bits and names the block, live
 * comparisons with veritysetup when it is installed, and the seed derivation.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "testutil.h"

#define VERITYSETUP "/usr/sbin/veritysetup"

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = tu_mkdtemp();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static char *path_in(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static void file_sha256(const char *path, char hex[65], size_t *size)
{
	uint8_t *d, md[32];
	size_t len;

	d = tu_read_file(path, &len);
	assert_non_null(d);
	assert_int_equal(snpm_digest(SNPM_HASH_SHA256, d, len, md, NULL), 0);
	tu_hex(md, 32, hex);
	*size = len;
	free(d);
}

static char *root_from(const char *out)
{
	const char *p = strstr(out, "Root hash:");
	char *root;

	assert_non_null(p);
	p += strlen("Root hash:");
	while (*p == ' ' || *p == '\t')
		p++;
	root = strndup(p, strcspn(p, "\n"));
	return root;
}

static void run_kat_case(struct json_object *c, const char *uuid)
{
	struct json_object *args = json_object_object_get(c, "args");
	size_t size = (size_t)json_object_get_int64(json_object_object_get(c, "data_size")), n;
	bool inline_tree = json_object_get_boolean(json_object_object_get(c, "inline"));
	char *data = path_in("kat.img"), *hash = inline_tree ? strdup(data) : path_in("kat.hash");
	const char *argv[32] = { SNPM_IMAGE_CLI, "verity", "format", data, hash, "--uuid", uuid };
	uint8_t *stream = tu_stream("verity-kat", size);
	char sha[65], *root;
	struct tu_run r;
	int argc = 7;

	tu_write_file(data, stream, size);
	free(stream);
	unlink(inline_tree ? "/nonexistent" : hash);
	for (size_t i = 0; i < json_object_array_length(args); i++)
		argv[argc++] = json_object_get_string(json_object_array_get_idx(args, i));
	argv[argc] = NULL;
	tu_run((char *const *)argv, &r);
	if (r.status != 0)
		fail_msg("snpimage failed: %s", r.err);
	root = root_from(r.out);
	assert_string_equal(root, json_object_get_string(json_object_object_get(c, "root_hash")));
	file_sha256(hash, sha, &n);
	assert_int_equal(n, json_object_get_int64(json_object_object_get(c, "hash_file_size")));
	assert_string_equal(sha,
			    json_object_get_string(json_object_object_get(c, "hash_file_sha256")));

	/* And it verifies, with the parameters from the superblock or the command line. */
	struct snpm_verity_params p = { .size = sizeof(p) };
	snpm_verity_defaults(&p);
	for (int i = 7; i < argc; i++) {
		if (strcmp(argv[i], "--no-superblock") == 0)
			p.no_superblock = true;
		if (strcmp(argv[i], "--hash-offset") == 0)
			p.hash_offset = strtoull(argv[i + 1], NULL, 0);
		if (strcmp(argv[i], "--salt") == 0 && strcmp(argv[i + 1], "-") != 0) {
			p.salt_len = strlen(argv[i + 1]) / 2;
			tu_unhex(argv[i + 1], p.salt, sizeof(p.salt));
		}
	}
	uint8_t rootb[64];
	int rlen = tu_unhex(root, rootb, sizeof(rootb));
	struct snpm_error err;
	if (snpm_verity_verify(data, hash, &p, rootb, (size_t)rlen, NULL, &err) != 0)
		fail_msg("verify: %s", err.message);
	tu_run_free(&r);
	free(root), free(data), free(hash);
}

static void test_verity_kat(void **state)
{
	char *path = tu_source_path("vectors/verity-kat.json");
	struct json_object *doc = json_object_from_file(path), *cases;
	const char *uuid;

	(void)state;
	free(path);
	assert_non_null(doc);
	uuid = json_object_get_string(json_object_object_get(doc, "uuid"));
	cases = json_object_object_get(doc, "cases");
	assert_true(json_object_array_length(cases) >= 18);
	for (size_t i = 0; i < json_object_array_length(cases); i++)
		run_kat_case(json_object_array_get_idx(cases, i), uuid);
	json_object_put(doc);
}

/* A 300-block image and its tree (superblock, sha256, 4096/4096, 3 levels with 512 B blocks). */
static void make_tree(const char *data, const char *hash, uint32_t hash_bs,
		      struct snpm_verity_result *res)
{
	struct snpm_verity_params p = { .size = sizeof(p) };
	uint8_t *d = tu_stream("verity-flip", 4096 * 300);

	tu_write_file(data, d, 4096 * 300);
	free(d);
	snpm_verity_defaults(&p);
	p.hash_block_size = hash_bs;
	assert_int_equal(snpm_verity_derive("flip", p.salt, p.uuid, NULL), 0);
	p.salt_len = 32;
	assert_int_equal(snpm_verity_format(data, hash, &p, res, NULL), 0);
}

static void flip_bit(const char *path, uint64_t byte, int bit)
{
	size_t len;
	uint8_t *d = tu_read_file(path, &len);

	assert_true(byte < len);
	d[byte] ^= (uint8_t)(1u << bit);
	tu_write_file(path, d, len);
	free(d);
}

static void test_verify_names_the_block(void **state)
{
	char *data = path_in("flip.img"), *hash = path_in("flip.hash");
	struct snpm_verity_result res;
	struct snpm_verity_mismatch m;
	struct snpm_verity_params p = { .size = sizeof(p) };
	struct snpm_error err;

	(void)state;
	snpm_verity_defaults(&p);
	make_tree(data, hash, 512, &res);
	assert_int_equal(res.levels, 3); /* 16 digests per 512-byte block */
	assert_int_equal(snpm_verity_verify(data, hash, &p, res.root_hash, 32, &m, &err), 0);
	assert_false(m.found);

	/* A data bit. */
	flip_bit(data, 4096 * 217 + 100, 3);
	assert_int_equal(snpm_verity_verify(data, hash, &p, res.root_hash, 32, &m, &err),
			 SNPM_EVERIFY);
	assert_true(m.found && m.data);
	assert_int_equal(m.index, 217);
	assert_non_null(strstr(err.message, "data block 217"));
	flip_bit(data, 4096 * 217 + 100, 3);

	/* A bit in each level of the tree: levels sit top first after the superblock block. */
	for (unsigned level = 0; level < 3; level++) {
		/* level sizes for 300 blocks and 16 per block: 19, 2, 1 */
		static const uint64_t first[3] = { 1 + 1 + 2, 1 + 1, 1 };
		uint64_t at = (first[level] + (level == 0 ? 5 : 0)) * 512 + 17;
		flip_bit(hash, at, 0);
		assert_int_equal(snpm_verity_verify(data, hash, &p, res.root_hash, 32, &m, &err),
				 SNPM_EVERIFY);
		assert_true(m.found);
		assert_false(m.data);
		assert_int_equal(m.level, level);
		assert_int_equal(m.index, level == 0 ? 5 : 0);
		assert_int_equal(m.root, level == 2);
		flip_bit(hash, at, 0);
	}
	/* A wrong root. */
	res.root_hash[0] ^= 1;
	assert_int_equal(snpm_verity_verify(data, hash, &p, res.root_hash, 32, &m, &err),
			 SNPM_EVERIFY);
	assert_true(m.root);
	free(data), free(hash);
}

/*
 * A superblock edited to claim 7 of the 8 data blocks hashed, and the 8th then altered: the
 * digest of block 8 still sits in the spare area of the hash block. veritysetup refuses such a
 * tree ("Spare area is not zeroed"); so must we.
 */
static void test_verify_spare_area(void **state)
{
	char *data = path_in("spare.img"), *hash = path_in("spare.hash");
	uint8_t *d = tu_stream("verity-spare", 4096 * 8), *h;
	struct snpm_verity_result res;
	struct snpm_verity_mismatch m;
	struct snpm_verity_params p = { .size = sizeof(p) };
	struct snpm_error err;
	char root[65];
	size_t len;

	(void)state;
	tu_write_file(data, d, 4096 * 8);
	snpm_verity_defaults(&p);
	assert_int_equal(snpm_verity_derive("spare", p.salt, p.uuid, NULL), 0);
	p.salt_len = 32;
	assert_int_equal(snpm_verity_format(data, hash, &p, &res, NULL), 0);
	h = tu_read_file(hash, &len);
	assert_int_equal(h[72], 8); /* the superblock's data_blocks */
	h[72] = 7;
	tu_write_file(hash, h, len);
	d[4096 * 7] ^= 0xff;
	tu_write_file(data, d, 4096 * 8);
	snpm_verity_defaults(&p);
	assert_int_equal(snpm_verity_verify(data, hash, &p, res.root_hash, 32, &m, &err),
			 SNPM_EVERIFY);
	assert_non_null(strstr(err.message, "hash block 0 of level 0: the spare area is not zeroed "
					    "(byte 224)"));
	assert_true(m.found && !m.data);
	tu_hex(res.root_hash, 32, root);
	tu_need_program(VERITYSETUP, "cryptsetup-bin");
	const char *ref[] = { VERITYSETUP, "verify", data, hash, root, NULL };
	struct tu_run r;
	tu_run((char *const *)ref, &r);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "Spare area is not zeroed"));
	tu_run_free(&r);
	free(d), free(h), free(data), free(hash);
}

static void test_hash_file_written_whole(void **state)
{
	char *data = path_in("whole.img"), *hash = path_in("whole.hash");
	struct snpm_verity_result res;
	struct stat st;
	uint8_t junk[1 << 16];

	(void)state;
	/* veritysetup would leave the tail of a longer existing file; we replace it. */
	memset(junk, 0xee, sizeof(junk));
	tu_write_file(hash, junk, sizeof(junk));
	make_tree(data, hash, 4096, &res);
	assert_int_equal(stat(hash, &st), 0);
	assert_int_equal((uint64_t)st.st_size, res.hash_end);
	assert_int_equal(st.st_size, 4096 + 4096 * 4); /* superblock, 3 leaf blocks, 1 top */
	free(data), free(hash);
}

static void test_seed_derivation(void **state)
{
	uint8_t s1[32], u1[16], s2[32], u2[16];
	char uuid[37];

	(void)state;
	assert_int_equal(snpm_verity_derive("my-image-v1", s1, u1, NULL), 0);
	assert_int_equal(snpm_verity_derive("my-image-v1", s2, u2, NULL), 0);
	assert_memory_equal(s1, s2, 32);
	assert_memory_equal(u1, u2, 16);
	assert_int_equal(snpm_verity_derive("my-image-v2", s2, u2, NULL), 0);
	assert_memory_not_equal(s1, s2, 32);
	snpm_uuid_format(u1, uuid);
	assert_int_equal(uuid[14], '4'); /* version 4 */
	assert_true(strchr("89ab", uuid[19]) != NULL); /* RFC 4122 variant */
	/* Pinned: HMAC-SHA256(key "my-image-v1", "snpimage verity salt"). */
	char hex[65];
	tu_hex(s1, 32, hex);
	uint8_t want[32];
	unsigned len = 0;
	assert_non_null(HMAC(EVP_sha256(), "my-image-v1", 11,
			     (const uint8_t *)"snpimage verity salt", 20, want, &len));
	assert_memory_equal(s1, want, 32);
}

static void test_param_refusals(void **state)
{
	char *data = path_in("p.img"), *hash = path_in("p.hash");
	struct snpm_verity_params p = { .size = sizeof(p) };
	struct snpm_error err;
	uint8_t d[4096] = { 0 };

	(void)state;
	tu_write_file(data, d, sizeof(d));
	snpm_verity_defaults(&p);
	p.data_block_size = 3000;
	assert_int_equal(snpm_verity_format(data, hash, &p, NULL, &err), SNPM_EINVAL);
	snpm_verity_defaults(&p);
	p.salt_len = 257;
	assert_int_equal(snpm_verity_format(data, hash, &p, NULL, &err), SNPM_EINVAL);
	snpm_verity_defaults(&p);
	p.data_blocks = 2; /* only one is there */
	assert_int_equal(snpm_verity_format(data, hash, &p, NULL, &err), SNPM_ERANGE);
	snpm_verity_defaults(&p);
	p.hash_offset = 2048; /* the tree would overlap the data */
	assert_int_equal(snpm_verity_format(data, data, &p, NULL, &err), SNPM_EINVAL);
	assert_int_equal(access(hash, F_OK), -1); /* nothing left behind */
	free(data), free(hash);
}

/* verity dump prints what veritysetup dump prints, for trees veritysetup made. */
static void test_verity_dump(void **state)
{
	static const char *const variants[][8] = {
		{ NULL },
		{ "--hash", "sha512", "--format", "0", NULL },
		{ "--salt", "-", "--data-block-size", "512", "--hash-block-size", "1024", NULL },
		{ "--data-blocks", "300", NULL },
	};
	char *data = path_in("dump.img"), *hash = path_in("dump.hash");
	uint8_t *d = tu_stream("verity-dump", 4096 * 555);

	(void)state;
	tu_need_program(VERITYSETUP, "cryptsetup-bin");
	tu_write_file(data, d, 4096 * 555);
	free(d);
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		const char *fmt[16] = { VERITYSETUP, "format", data, hash };
		size_t n = 4;
		for (size_t i = 0; variants[v][i]; i++)
			fmt[n++] = variants[v][i];
		struct tu_run r;
		tu_run((char *const *)fmt, &r);
		assert_int_equal(r.status, 0);
		tu_run_free(&r);
		const char *ref[] = { VERITYSETUP, "dump", hash, NULL };
		tu_run((char *const *)ref, &r);
		assert_int_equal(r.status, 0);
		const char *ours[] = { SNPM_IMAGE_CLI, "verity", "dump", hash, NULL };
		struct tu_run o;
		tu_run((char *const *)ours, &o);
		assert_int_equal(o.status, 0);
		assert_string_equal(o.out, r.out);
		tu_run_free(&r), tu_run_free(&o);
	}
	/* A tree inside the data file: no hash device size, as veritysetup. */
	const char *fmt[] = { VERITYSETUP, "format", data, data, "--hash-offset", "2273280", NULL };
	struct tu_run r, o;
	tu_run((char *const *)fmt, &r);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	const char *ref[] = { VERITYSETUP, "dump", data, "--hash-offset", "2273280", NULL };
	const char *ours[] = { SNPM_IMAGE_CLI,	"verity",  "dump", data,
			       "--hash-offset", "2273280", NULL };
	tu_run((char *const *)ref, &r);
	tu_run((char *const *)ours, &o);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, r.out);
	assert_null(strstr(o.out, "Hash device size"));
	tu_run_free(&r), tu_run_free(&o);
	/* JSON, and a file that holds no superblock. */
	const char *js[] = { SNPM_IMAGE_CLI,  "verity",	 "dump",   data,
			     "--hash-offset", "2273280", "--json", NULL };
	tu_run((char *const *)js, &o);
	struct json_object *j = json_tokener_parse(o.out);
	assert_int_equal(json_object_get_int64(json_object_object_get(j, "data_blocks")), 555);
	assert_string_equal(json_object_get_string(json_object_object_get(j, "hash_algorithm")),
			    "sha256");
	json_object_put(j);
	tu_run_free(&o);
	/* A superblock claiming more data than 64 bits of bytes: veritysetup's "Device offset
	 * overflow", never wrapped numbers. Just below the limit, the same text as veritysetup. */
	static const uint64_t claims[] = { UINT64_MAX, 1ull << 53, 1ull << 52, 1ull << 51 };
	for (size_t i = 0; i < sizeof(claims) / sizeof(claims[0]); i++) {
		size_t hl;
		uint8_t *h = tu_read_file(hash, &hl);
		for (int k = 0; k < 8; k++)
			h[72 + k] = (uint8_t)(claims[i] >> (8 * k));
		tu_write_file(hash, h, hl);
		free(h);
		const char *big[] = { SNPM_IMAGE_CLI, "verity", "dump", hash, "--json", NULL };
		tu_run((char *const *)big, &o);
		if (claims[i] > 1ull << 51) {
			assert_int_equal(o.status, 1);
			assert_string_equal(o.out, "");
			assert_non_null(strstr(o.err, "overflow a 64-bit device offset"));
		} else {
			assert_int_equal(o.status, 0);
			j = json_tokener_parse(o.out);
			assert_true(json_object_get_int64(
					    json_object_object_get(j, "hash_blocks")) > 0);
			assert_true(json_object_get_int64(
					    json_object_object_get(j, "hash_device_size")) > 0);
			json_object_put(j);
			const char *refd[] = { VERITYSETUP, "dump", hash, NULL };
			const char *ourd[] = { SNPM_IMAGE_CLI, "verity", "dump", hash, NULL };
			tu_run_free(&o);
			tu_run((char *const *)refd, &r);
			tu_run((char *const *)ourd, &o);
			assert_string_equal(o.out, r.out);
			tu_run_free(&r);
		}
		tu_run_free(&o);
	}
	const char *bad[] = { SNPM_IMAGE_CLI, "verity", "dump", data, NULL };
	tu_run((char *const *)bad, &o);
	assert_int_equal(o.status, 1);
	assert_string_equal(o.out, "");
	assert_non_null(strstr(o.err, "dump.img"));
	tu_run_free(&o);
	free(data), free(hash);
}

/* Live comparisons with veritysetup on parameters the KAT file does not pin. */
static void test_against_veritysetup(void **state)
{
	static const char *const variants[][6] = {
		{ "--hash", "sha512", "--format", "0", NULL },
		{ "--data-block-size", "512", "--hash-block-size", "512", NULL },
		{ "--hash", "sha1", "--hash-block-size", "1024", NULL },
		{ "--salt", "-", "--data-blocks", "77", NULL },
	};
	char *data = path_in("live.img"), *a = path_in("live.a"), *b = path_in("live.b");
	uint8_t *d = tu_stream("verity-live", 4096 * 555);

	(void)state;
	tu_need_program(VERITYSETUP, "cryptsetup-bin");
	tu_write_file(data, d, 4096 * 555);
	free(d);
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		const char *argv_ref[16] = { VERITYSETUP, "format",
					     data,	  a,
					     "--uuid",	  "11111111-2222-4333-8444-555555555555" };
		const char *argv_our[16] = { SNPM_IMAGE_CLI,
					     "verity",
					     "format",
					     data,
					     b,
					     "--uuid",
					     "11111111-2222-4333-8444-555555555555" };
		int na = 6, nb = 7;
		bool salted = false;
		for (int i = 0; variants[v][i]; i++) {
			argv_ref[na++] = argv_our[nb++] = variants[v][i];
			salted |= strcmp(variants[v][i], "--salt") == 0;
		}
		if (!salted) {
			argv_ref[na++] = argv_our[nb++] = "--salt";
			argv_ref[na++] = argv_our[nb++] = "0123456789abcdef";
		}
		argv_ref[na] = argv_our[nb] = NULL;
		unlink(a), unlink(b);
		struct tu_run ra, rb;
		tu_run((char *const *)argv_ref, &ra);
		tu_run((char *const *)argv_our, &rb);
		assert_int_equal(ra.status, 0);
		assert_int_equal(rb.status, 0);
		char *root_a = root_from(ra.out), *root_b = root_from(rb.out), sa[65], sb[65];
		size_t la, lb;
		assert_string_equal(root_a, root_b);
		file_sha256(a, sa, &la);
		file_sha256(b, sb, &lb);
		assert_int_equal(la, lb);
		assert_string_equal(sa, sb);
		/* veritysetup accepts our tree. */
		const char *verify[] = { VERITYSETUP, "verify", data, b, root_b, NULL };
		struct tu_run rv;
		tu_run((char *const *)verify, &rv);
		assert_int_equal(rv.status, 0);
		tu_run_free(&rv), tu_run_free(&ra), tu_run_free(&rb);
		free(root_a), free(root_b);
	}
	free(data), free(a), free(b);
}

/* ---- initramfs ---- */

static void write_text(const char *path, const char *text)
{
	tu_write_file(path, text, strlen(text));
}

/* The same content, made in two different orders, with other times and owners. */
static void make_tree_a(const char *root)
{
	char p[512];

	mkdir(root, 0755);
	snprintf(p, sizeof(p), "%s/bin", root), mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/bin/x", root), write_text(p, "hello\n");
	snprintf(p, sizeof(p), "%s/y", root), write_text(p, "world\n");
	char y[512];
	snprintf(y, sizeof(y), "%s/y", root);
	snprintf(p, sizeof(p), "%s/bin/ylink", root), assert_int_equal(link(y, p), 0);
	snprintf(p, sizeof(p), "%s/bin/s", root), assert_int_equal(symlink("../y", p), 0);
	snprintf(p, sizeof(p), "%s/empty", root), mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/fifo", root), assert_int_equal(mkfifo(p, 0644), 0);
}

static void make_tree_b(const char *root)
{
	char p[512], y[512];

	mkdir(root, 0755);
	snprintf(p, sizeof(p), "%s/fifo", root), assert_int_equal(mkfifo(p, 0644), 0);
	snprintf(p, sizeof(p), "%s/empty", root), mkdir(p, 0755);
	snprintf(y, sizeof(y), "%s/y", root), write_text(y, "world\n");
	assert_int_equal(chown(y, 1234, 5678), 0);
	struct timespec ts[2] = { { 2000000000, 0 }, { 2000000000, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, y, ts, 0), 0);
	snprintf(p, sizeof(p), "%s/bin", root), mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/bin/s", root), assert_int_equal(symlink("../y", p), 0);
	snprintf(p, sizeof(p), "%s/bin/ylink", root), assert_int_equal(link(y, p), 0);
	snprintf(p, sizeof(p), "%s/bin/x", root), write_text(p, "hello\n");
	snprintf(p, sizeof(p), "%s/bin", root), chmod(p, 0700);
}

static void test_initramfs_reproducible(void **state)
{
	char *a = path_in("tree-a"), *b = path_in("tree-b"), *oa = path_in("a.cpio.gz"),
	     *ob = path_in("b.cpio.gz");
	struct snpm_initramfs_options o = { .size = sizeof(o),
					    .gzip = true,
					    .source_date_epoch = 1700000000 };
	struct snpm_initramfs_result ra, rb;
	size_t la, lb;

	(void)state;
	make_tree_a(a);
	make_tree_b(b);
	assert_int_equal(snpm_initramfs_create(a, false, oa, &o, &ra, NULL), 0);
	assert_int_equal(snpm_initramfs_create(b, false, ob, &o, &rb, NULL), 0);
	uint8_t *da = tu_read_file(oa, &la), *db = tu_read_file(ob, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(da, db, la);
	assert_int_equal(ra.entries, 7);
	/* gzip header: no name (FLG 0), MTIME 0, deflate. */
	assert_int_equal(da[0], 0x1f);
	assert_int_equal(da[1], 0x8b);
	assert_int_equal(da[2], 8);
	assert_int_equal(da[3], 0);
	assert_int_equal(da[4] | da[5] | da[6] | da[7], 0);
	uint8_t md[32];
	assert_int_equal(snpm_digest(SNPM_HASH_SHA256, da, la, md, NULL), 0);
	assert_memory_equal(md, ra.sha256, 32);
	free(da), free(db), free(a), free(b), free(oa), free(ob);
}

/* newc header fields at their offsets (8 hex digits each after the 6-byte magic). */
static unsigned long field(const uint8_t *h, int index)
{
	char buf[9];

	memcpy(buf, h + 6 + 8 * index, 8);
	buf[8] = '\0';
	return strtoul(buf, NULL, 16);
}

static void test_initramfs_list_headers(void **state)
{
	char *list = path_in("list.txt"), *src = path_in("init.src"), *out = path_in("l.cpio");
	struct snpm_initramfs_options o = { .size = sizeof(o),
					    .gzip = false,
					    .source_date_epoch = 86400 };
	char text[1024];
	uint8_t *d;
	size_t len;

	(void)state;
	write_text(src, "#!/bin/sh\n");
	snprintf(text, sizeof(text),
		 "# comment\n"
		 "dir /dev 755 0 0\n"
		 "nod /dev/console 600 0 5 c 5 1\n"
		 "file /init %s 755 0 0 /sbin/init\n"
		 "slink /bin/sh busybox 777 0 0\n"
		 "pipe /run/p 644 0 0\n"
		 "sock /run/s 644 7 8\n",
		 src);
	write_text(list, text);
	assert_int_equal(snpm_initramfs_create(list, true, out, &o, NULL, NULL), 0);
	d = tu_read_file(out, &len);
	assert_int_equal(len % 512, 0); /* padded */
	/* Sorted: bin/sh, dev, dev/console, init, run/p, run/s, sbin/init, TRAILER!!! */
	assert_memory_equal(d, "070701", 6);
	const uint8_t *h = d;
	const char *names[] = { "bin/sh", "dev",   "dev/console", "init",
				"run/p",  "run/s", "sbin/init",	  "TRAILER!!!" };
	for (int i = 0; i < 8; i++) {
		assert_memory_equal(h, "070701", 6);
		unsigned long namesize = field(h, 11), filesize = field(h, 6);
		assert_memory_equal(h + 110, names[i], namesize - 1);
		if (i < 7)
			assert_int_equal(field(h, 0), i + 1 - (i == 6 ? 3 : 0)); /* ino */
		if (i == 2) {
			assert_int_equal(field(h, 1), 020600); /* mode */
			assert_int_equal(field(h, 3), 5); /* gid from the list */
			assert_int_equal(field(h, 9), 5); /* rdev major */
			assert_int_equal(field(h, 10), 1);
		}
		if (i == 3 || i == 6) {
			assert_int_equal(field(h, 4), 2); /* nlink: init and sbin/init */
			assert_int_equal(filesize, i == 6 ? 10 : 0); /* data on the last link */
		}
		if (i < 7)
			assert_int_equal(field(h, 5),
					 i == 3 || i == 6 ? 86400 : 86400); /* clamped */
		assert_int_equal(field(h, 7) | field(h, 8), 0); /* dev 0 */
		size_t hdr = (110 + namesize + 3) & ~3ul;
		h += hdr + ((filesize + 3) & ~3ul);
	}
	free(d), free(list), free(src), free(out);
}

static void expect_list_refusal(const char *line, const char *needle)
{
	char *list = path_in("bad.txt"), *out = path_in("bad.cpio");
	struct snpm_initramfs_options o = { .size = sizeof(o) };
	struct snpm_error err;

	write_text(list, line);
	assert_true(snpm_initramfs_create(list, true, out, &o, NULL, &err) < 0);
	if (!strstr(err.message, needle))
		fail_msg("'%s' lacks '%s'", err.message, needle);
	assert_int_equal(access(out, F_OK), -1); /* nothing left behind */
	free(list), free(out);
}

static void test_initramfs_refusals(void **state)
{
	(void)state;
	expect_list_refusal("dir /../etc 755 0 0\n", "'..'");
	expect_list_refusal("dir /a//b 755 0 0\n", "empty");
	expect_list_refusal("dir / 755 0 0\n", "empty name");
	expect_list_refusal("dir /x 789 0 0\n", "bad mode");
	expect_list_refusal("dir /x 755 -1 0\n", "bad mode, uid or gid");
	expect_list_refusal("nod /c 600 0 0 x 1 1\n", "nod needs");
	expect_list_refusal("blob /x 755 0 0\n", "unknown");
	expect_list_refusal("file /x /nonexistent 644 0 0\n", "not a readable regular file");
	expect_list_refusal("dir /x 755 0 0\ndir /x 755 0 0\n", "appears twice");
}

static void test_initramfs_gnu_cpio(void **state)
{
	char *tree = path_in("tree-c"), *out = path_in("c.cpio"), *x = path_in("extract");
	struct snpm_initramfs_options o = { .size = sizeof(o), .gzip = false };
	struct stat st1, st2;
	char p1[512], p2[512], *cmd;

	(void)state;
	tu_need_program("/usr/bin/cpio", "cpio");
	make_tree_a(tree);
	assert_int_equal(snpm_initramfs_create(tree, false, out, &o, NULL, NULL), 0);
	mkdir(x, 0755);
	assert_true(asprintf(&cmd, "cd '%s' && /usr/bin/cpio -idm --quiet < '%s'", x, out) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	size_t n;
	snprintf(p1, sizeof(p1), "%s/y", x);
	char *data = (char *)tu_read_file(p1, &n);
	assert_int_equal(n, 6);
	assert_memory_equal(data, "world\n", 6);
	free(data);
	snprintf(p2, sizeof(p2), "%s/bin/ylink", x);
	assert_int_equal(stat(p1, &st1), 0);
	assert_int_equal(stat(p2, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino); /* still one file */
	snprintf(p1, sizeof(p1), "%s/fifo", x);
	assert_int_equal(lstat(p1, &st1), 0);
	assert_true(S_ISFIFO(st1.st_mode));
	snprintf(p1, sizeof(p1), "%s/bin/s", x);
	char target[16] = { 0 };
	assert_int_equal(readlink(p1, target, sizeof(target) - 1), 4);
	assert_string_equal(target, "../y");
	free(tree), free(out), free(x);
}

/* ---- kernels ---- */

static char *make_bzimage(const char *name, uint8_t setup_sects, size_t size)
{
	char *path = path_in(name);

	tu_write_bzimage(path, setup_sects, size);
	return path;
}

static void test_kernel_info(void **state)
{
	char *bz = make_bzimage("bzImage", 3, 65536), *bad = make_bzimage("bad", 255, 4096);
	struct snpm_kernel_info k;
	struct snpm_error err;

	(void)state;
	assert_int_equal(snpm_kernel_info(bz, &k, &err), 0);
	assert_true(k.bzimage);
	assert_false(k.elf);
	assert_int_equal(k.boot_protocol, 0x020f);
	assert_int_equal(k.setup_sects, 3);
	assert_int_equal(k.setup_size, 2048);
	assert_string_equal(k.version, "6.1.0-snp (builder@host) #1 SMP");
	assert_true(k.efi_stub);
	assert_true(k.efi_handover_64);
	assert_false(k.efi_handover_32);
	assert_int_equal(k.cmdline_size, 2047);
	assert_int_equal(k.init_size, 0x2000000);
	/* A setup area larger than the file. */
	assert_int_equal(snpm_kernel_info(bad, &k, &err), SNPM_EMALFORMED);
	/* Neither bzImage nor ELF. */
	char *junk = path_in("junk");
	write_text(junk, "not a kernel at all");
	assert_int_equal(snpm_kernel_info(junk, &k, &err), SNPM_EUNSUPPORTED);
	/* An ELF: any x86-64 program stands in for vmlinux here. */
	assert_int_equal(snpm_kernel_info("/bin/sh", &k, &err), 0);
	assert_true(k.elf);
	assert_int_equal(k.elf_class, 64);
	assert_false(k.pvh_entry);
	free(bz), free(bad), free(junk);
}

/* ---- rootfs and bundles ---- */

static void make_rootfs_tree(const char *root, bool reversed)
{
	char p[512];

	mkdir(root, 0755);
	for (int i = 0; i < 6; i++) {
		int n = reversed ? 5 - i : i;
		snprintf(p, sizeof(p), "%s/f%d", root, n);
		char text[32];
		snprintf(text, sizeof(text), "file %d\n", n);
		write_text(p, text);
		if (reversed) {
			assert_int_equal(chown(p, 1000, 1000), 0);
			struct timespec ts[2] = { { 1000000 * (n + 1), 0 },
						  { 1000000 * (n + 1), 0 } };
			assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
		}
	}
	snprintf(p, sizeof(p), "%s/etc", root), mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/motd", root), write_text(p, "hello\n");
}

static void test_rootfs_reproducible(void **state)
{
	static const struct {
		enum snpm_rootfs_fs fs;
		const char *tool, *package;
	} kinds[] = { { SNPM_FS_SQUASHFS, "/usr/bin/mksquashfs", "squashfs-tools" },
		      { SNPM_FS_EROFS, "/usr/bin/mkfs.erofs", "erofs-utils" } };
	char *a = path_in("rfs-a"), *b = path_in("rfs-b"), *ia = path_in("a.img"),
	     *ib = path_in("b.img");

	(void)state;
	make_rootfs_tree(a, false);
	make_rootfs_tree(b, true);
	for (size_t i = 0; i < 2; i++) {
		struct snpm_rootfs_options o = { .size = sizeof(o),
						 .fs = kinds[i].fs,
						 .source_date_epoch = 1700000000,
						 .verity = true };
		struct snpm_rootfs_result ra, rb;
		struct snpm_verity_mismatch m;
		size_t la, lb;

		tu_need_program(kinds[i].tool, kinds[i].package);
		snpm_verity_defaults(&o.verity_params);
		assert_int_equal(snpm_verity_derive("rootfs-test", o.verity_params.salt,
						    o.verity_params.uuid, NULL),
				 0);
		o.verity_params.salt_len = 32;
		assert_int_equal(snpm_rootfs_create(a, ia, &o, &ra, NULL), 0);
		/* SOURCE_DATE_EPOCH in the environment changes nothing (mksquashfs would refuse
		 * it together with its time options). */
		setenv("SOURCE_DATE_EPOCH", "1", 1);
		assert_int_equal(snpm_rootfs_create(b, ib, &o, &rb, NULL), 0);
		unsetenv("SOURCE_DATE_EPOCH");
		uint8_t *da = tu_read_file(ia, &la), *db = tu_read_file(ib, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(da, db, la);
		assert_int_equal(ra.data_size % 4096, 0);
		assert_int_equal(la, ra.size);
		/* The superblock sits right after the data. */
		assert_memory_equal(da + ra.data_size, "verity\0\0", 8);
		free(da), free(db);
		struct snpm_verity_params p = { .size = sizeof(p) };
		snpm_verity_defaults(&p);
		p.hash_offset = ra.data_size;
		assert_int_equal(snpm_verity_verify(ia, ia, &p, ra.verity.root_hash, 32, &m, NULL),
				 0);
	}
	free(a), free(b), free(ia), free(ib);
}

/* The KAT's dev_amdsev firmware, which has kernel hashes support, rebuilt at path. */
static void write_kat_firmware(const char *path)
{
	char *kat = tu_source_path("vectors/launch-digest-kat.json");
	struct json_object *doc = json_object_from_file(kat);
	size_t len;
	uint8_t *fw = tu_build_input(json_object_object_get(json_object_object_get(doc, "inputs"),
							    "dev_amdsev_256k.fd"),
				     &len);

	assert_non_null(fw);
	tu_write_file(path, fw, len);
	free(fw), free(kat);
	json_object_put(doc);
}

static void bundle_spec(struct snpm_bundle_spec *s, const char *kernel, const char *init,
			const char *root, const char *ovmf, const struct snpm_sweep_space *sp)
{
	static const char *const names[] = { "EPYC-v4", "EPYC-Genoa" };

	SNPM_INIT(s);
	s->kernel = kernel;
	s->initramfs = init;
	s->rootfs = root;
	s->ovmf = ovmf;
	s->cmdline_template = "console=ttyS0 dstack.rootfs_hash={roothash} "
			      "dstack.rootfs_size={datasize}";
	s->fs = SNPM_FS_SQUASHFS;
	s->source_date_epoch = 1700000000;
	s->space = sp;
	s->vcpu_type_names = names;
	s->tool = "test";
}

struct problems {
	unsigned n;
	char first[256];
};

static void note_problem(void *arg, const char *what, const char *detail)
{
	struct problems *p = arg;

	if (!p->n++)
		snprintf(p->first, sizeof(p->first), "%s: %s", what, detail);
}

static void test_bundle(void **state)
{
	static const uint32_t vcpus[] = { 1, 4 }, sigs[] = { 0x800f12, 0xa10f10 };
	static const uint64_t feats[] = { 0x1 };
	static const enum snpm_vmm vmms[] = { SNPM_VMM_QEMU, SNPM_VMM_EC2 };
	struct snpm_sweep_space sp = { sizeof(sp), vcpus, 2, sigs, 2, feats, 1, vmms, 2 };
	char *kernel = make_bzimage("bz-bundle", 3, 65536), *ovmf = path_in("bundle-ovmf.fd");
	char *i1 = path_in("init1"), *i2 = path_in("init2"), *r1 = path_in("root1"),
	     *r2 = path_in("root2"), *o1 = path_in("bundle1"), *o2 = path_in("bundle2");
	struct snpm_bundle_spec s = { .size = sizeof(s) };
	struct snpm_error err;
	char *path;

	(void)state;
	tu_need_program("/usr/bin/mksquashfs", "squashfs-tools");
	write_kat_firmware(ovmf);
	make_tree_a(i1);
	make_tree_b(i2);
	make_rootfs_tree(r1, false);
	make_rootfs_tree(r2, true);
	bundle_spec(&s, kernel, i1, r1, ovmf, &sp);
	if (snpm_bundle_create(&s, o1, &err) != 0)
		fail_msg("bundle: %s", err.message);
	bundle_spec(&s, kernel, i2, r2, ovmf, &sp);
	assert_int_equal(snpm_bundle_create(&s, o2, &err), 0);
	/* Built twice from differently made trees: the same bytes, file by file. */
	static const char *const files[] = { "kernel",	"initramfs",	 "rootfs.img",
					     "OVMF.fd", "manifest.json", "sha256sum.txt" };
	for (size_t i = 0; i < 6; i++) {
		char *a, *b;
		size_t la, lb;
		assert_true(asprintf(&a, "%s/%s", o1, files[i]) > 0);
		assert_true(asprintf(&b, "%s/%s", o2, files[i]) > 0);
		uint8_t *da = tu_read_file(a, &la), *db = tu_read_file(b, &lb);
		assert_non_null(da);
		assert_int_equal(la, lb);
		assert_memory_equal(da, db, la);
		free(da), free(db), free(a), free(b);
	}
	/* The manifest's measurement equals a measurement computed from the bundle. */
	assert_true(asprintf(&path, "%s/manifest.json", o1) > 0);
	struct json_object *m = json_object_from_file(path);
	free(path);
	/* The rows: one JSON line each in measurements.jsonl, counted in the manifest. */
	struct json_object *ms = json_object_object_get(m, "measurements");
	assert_int_equal(json_object_get_int64(json_object_object_get(ms, "count")), 8);
	assert_true(asprintf(&path, "%s/measurements.jsonl", o1) > 0);
	size_t rows_len;
	char *rows_text = (char *)tu_read_file(path, &rows_len);
	free(path);
	rows_text = realloc(rows_text, rows_len + 1);
	rows_text[rows_len] = '\0';
	struct json_object *rows = json_object_new_array();
	for (char *line = strtok(rows_text, "\n"); line; line = strtok(NULL, "\n"))
		json_object_array_add(rows, json_tokener_parse(line));
	free(rows_text);
	assert_int_equal(json_object_array_length(rows), 8);
	const char *cmdline = json_object_get_string(json_object_object_get(m, "cmdline"));
	assert_null(strchr(cmdline, '{'));
	char *kpath, *ipath, *opath;
	assert_true(asprintf(&kpath, "%s/kernel", o1) > 0);
	assert_true(asprintf(&ipath, "%s/initramfs", o1) > 0);
	assert_true(asprintf(&opath, "%s/OVMF.fd", o1) > 0);
	const char *argv[] = { SNPM_CLI, "-q",		"--mode",     "snp",	    "--vcpus",
			       "4",	 "--vcpu-type", "EPYC-Genoa", "--vmm-type", "ec2",
			       "--ovmf", opath,		"--kernel",   kpath,	    "--initrd",
			       ipath,	 "--append",	cmdline,      NULL };
	struct tu_run r;
	tu_run((char *const *)argv, &r);
	assert_int_equal(r.status, 0);
	bool found = false;
	for (size_t i = 0; i < 8; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		if (strcmp(json_object_get_string(json_object_object_get(row, "vmm")), "ec2") ==
			    0 &&
		    json_object_get_int(json_object_object_get(row, "vcpus")) == 4 &&
		    strcmp(json_object_get_string(json_object_object_get(row, "vcpu_sig")),
			   "0xa10f10") == 0)
			found = strncmp(json_object_get_string(
						json_object_object_get(row, "measurement")),
					r.out, 96) == 0;
	}
	assert_true(found);
	tu_run_free(&r);
	json_object_put(rows);
	json_object_put(m);
	free(kpath), free(ipath), free(opath);

	/* verify holds, then catches a flipped byte in each artifact. */
	struct problems pr = { 0 };
	assert_int_equal(snpm_bundle_verify(o1, note_problem, &pr, &err), 0);
	assert_int_equal(pr.n, 0);
	for (size_t i = 0; i < 4; i++) {
		char *f;
		assert_true(asprintf(&f, "%s/%s", o2, files[i]) > 0);
		flip_bit(f, 40, 2);
		memset(&pr, 0, sizeof(pr));
		assert_int_equal(snpm_bundle_verify(o2, note_problem, &pr, &err), SNPM_EVERIFY);
		assert_true(pr.n >= 2); /* the manifest and sha256sum.txt both disagree */
		assert_non_null(strstr(pr.first, files[i]));
		flip_bit(f, 40, 2);
		free(f);
	}
	/* An existing output folder is refused; a failed build leaves nothing. */
	assert_int_equal(snpm_bundle_create(&s, o1, &err), SNPM_EINVAL);
	char *o3 = path_in("bundle3");
	s.cmdline_template = "root={unknown} roothash={roothash}";
	assert_true(snpm_bundle_create(&s, o3, &err) < 0);
	assert_non_null(strstr(err.message, "unknown placeholder"));
	assert_int_equal(access(o3, F_OK), -1);
	free(o3);
	free(kernel), free(ovmf), free(i1), free(i2), free(r1), free(r2), free(o1), free(o2);
}

/* ---- the snpimage command line, end to end ---- */

/* Runs snpimage with the given arguments (NULL-terminated). */
static void run_img(struct tu_run *r, ...)
{
	const char *argv[40] = { SNPM_IMAGE_CLI };
	size_t n = 1;
	va_list ap;

	va_start(ap, r);
	while (n < 39 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	tu_run((char *const *)argv, r);
}

/* A refusal: the exit code, one line on stderr holding needle, nothing on stdout. */
static void expect_img_refusal(struct tu_run *r, int status, const char *needle)
{
	if (r->status != status || !strstr(r->err, needle) || r->out[0] ||
	    strchr(r->err, '\n') != r->err + strlen(r->err) - 1)
		fail_msg("status %d, stderr '%s', stdout '%s' (wanted %d, '%s')", r->status, r->err,
			 r->out, status, needle);
	tu_run_free(r);
}

static void test_snpimage_help(void **state)
{
	static const char *const verbs[] = { "verity",	    "initramfs", "rootfs",
					     "kernel-info", "bundle",	 "verify" };
	struct tu_run r;

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		run_img(&r, verbs[i], "--help", NULL);
		if (r.status != 0 || strncmp(r.out, "Usage: snpimage ", 16) != 0)
			fail_msg("%s --help: status %d, '%s'", verbs[i], r.status, r.out);
		tu_run_free(&r);
	}
	run_img(&r, "bundle", "--bogus", NULL);
	expect_img_refusal(&r, 2, "--bogus");
	run_img(&r, "bundle", "--fs", "ext4", NULL);
	expect_img_refusal(&r, 2, "--fs: invalid choice: 'ext4' (choose from 'squashfs', 'erofs')");
	run_img(&r, "kernel-info", NULL);
	expect_img_refusal(&r, 2, "kernel-info FILE");
	run_img(&r, "frobnicate", NULL);
	expect_img_refusal(&r, 2, "unknown verb");
}

static void test_snpimage_kernel_info_cli(void **state)
{
	char *bz = make_bzimage("bz-cli", 3, 65536), *junk = path_in("junk-cli");
	struct json_object *j;
	struct tu_run r;

	(void)state;
	run_img(&r, "kernel-info", bz, "--json", NULL);
	assert_int_equal(r.status, 0);
	j = json_tokener_parse(r.out);
	assert_non_null(j);
	assert_string_equal(json_object_get_string(json_object_object_get(j, "type")), "bzImage");
	assert_string_equal(json_object_get_string(json_object_object_get(j, "boot_protocol")),
			    "2.15");
	assert_string_equal(json_object_get_string(json_object_object_get(j, "version")),
			    "6.1.0-snp (builder@host) #1 SMP");
	json_object_put(j);
	tu_run_free(&r);
	write_text(junk, "not a kernel at all");
	run_img(&r, "kernel-info", junk, NULL);
	expect_img_refusal(&r, 1, junk);
	free(bz), free(junk);
}

/* bundle and verify as a user runs them: folders in, a bundle out, verify before and after
 * a flipped byte. */
static void test_snpimage_bundle_cli(void **state)
{
	char *kernel = make_bzimage("bz-cli-bundle", 3, 65536), *ovmf = path_in("cli-ovmf.fd");
	char *init = path_in("cli-init"), *root = path_in("cli-root"), *out = path_in("cli-bundle");
	char *initramfs;
	struct tu_run r;

	(void)state;
	tu_need_program("/usr/bin/mksquashfs", "squashfs-tools");
	write_kat_firmware(ovmf);
	make_tree_a(init);
	make_rootfs_tree(root, false);
	run_img(&r, "bundle", "--kernel", kernel, "--initramfs", init, "--rootfs", root, "--ovmf",
		ovmf, "--cmdline", "console=ttyS0 root=/dev/mapper/root roothash={roothash}", "-o",
		out, "--vcpus", "1,2", "--vmm-type", "QEMU,ec2", "--source-date-epoch",
		"1700000000", NULL);
	if (r.status != 0)
		fail_msg("bundle: %d %s", r.status, r.err);
	assert_non_null(strstr(r.out, "4 predicted measurements"));
	tu_run_free(&r);

	run_img(&r, "verify", out, NULL);
	if (r.status != 0)
		fail_msg("verify: %d %s %s", r.status, r.out, r.err);
	assert_non_null(strstr(r.out, "match the manifest"));
	tu_run_free(&r);

	/* The same output again is refused, and the bundle is left as it was. */
	run_img(&r, "bundle", "--kernel", kernel, "--initramfs", init, "--rootfs", root, "--ovmf",
		ovmf, "--cmdline", "roothash={roothash}", "-o", out, NULL);
	expect_img_refusal(&r, 1, out);

	/* A bad input is named in the one-line error, and no bundle is left. */
	char *junk = path_in("cli-junk-kernel"), *out2 = path_in("cli-bundle2");
	write_text(junk, "not a kernel at all");
	run_img(&r, "bundle", "--kernel", junk, "--initramfs", init, "--rootfs", root, "--ovmf",
		ovmf, "--cmdline", "roothash={roothash}", "-o", out2, NULL);
	expect_img_refusal(&r, 1, junk);
	assert_int_equal(access(out2, F_OK), -1);
	run_img(&r, "bundle", "--kernel", kernel, "--initramfs", init, "--rootfs", root, "--ovmf",
		junk, "--cmdline", "roothash={roothash}", "-o", out2, NULL);
	expect_img_refusal(&r, 1, junk);
	/* The firmware is checked before anything is built: its error comes first. */
	run_img(&r, "bundle", "--kernel", kernel, "--initramfs", init, "--rootfs",
		"/nonexistent-rootfs", "--ovmf", junk, "--cmdline", "roothash={roothash}", "-o",
		out2, NULL);
	expect_img_refusal(&r, 1, junk);
	assert_int_equal(access(out2, F_OK), -1);
	/* A cmdline without the root hash leaves the rootfs unmeasured: refused unless said, and
	 * then recorded in the manifest (verify holds the two together). */
	run_img(&r, "bundle", "--kernel", kernel, "--initramfs", init, "--rootfs", root, "--ovmf",
		ovmf, "--cmdline", "console=ttyS0", "-o", out2, NULL);
	expect_img_refusal(&r, 1, "does not carry {roothash}");
	assert_int_equal(access(out2, F_OK), -1);
	run_img(&r, "bundle", "--kernel", kernel, "--initramfs", init, "--rootfs", root, "--ovmf",
		ovmf, "--cmdline", "console=ttyS0", "--rootfs-unmeasured", "-o", out2, "--json",
		NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"rootfs_measured\":false"));
	tu_run_free(&r);
	run_img(&r, "verify", out2, NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	char *man2 = NULL, *text2;
	size_t ml;
	assert_true(asprintf(&man2, "%s/manifest.json", out2) > 0);
	text2 = (char *)tu_read_file(man2, &ml);
	text2 = realloc(text2, ml + 1);
	text2[ml] = '\0';
	char *forged = tu_replace(text2, "\"rootfs_measured\":false", "\"rootfs_measured\":true");
	tu_write_file(man2, forged, strlen(forged));
	run_img(&r, "verify", out2, "--json", NULL);
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.out, "rootfs_measured"));
	tu_run_free(&r);
	free(man2), free(text2), free(forged);
	free(junk), free(out2);

	assert_true(asprintf(&initramfs, "%s/initramfs", out) > 0);
	flip_bit(initramfs, 100, 0);
	run_img(&r, "verify", out, NULL);
	assert_int_equal(r.status, 3); /* does not match / verify */
	assert_non_null(strstr(r.out, "FAIL "));
	assert_non_null(strstr(r.out, "initramfs"));
	tu_run_free(&r);
	run_img(&r, "verify", out, "--json", NULL);
	assert_int_equal(r.status, 3); /* does not match / verify */
	struct json_object *j = json_tokener_parse(r.out);
	assert_non_null(j);
	assert_false(json_object_get_boolean(json_object_object_get(j, "pass")));
	assert_true(json_object_array_length(json_object_object_get(j, "problems")) >= 1);
	json_object_put(j);
	tu_run_free(&r);
	free(initramfs), free(kernel), free(ovmf), free(init), free(root), free(out);
}

/* initramfs and rootfs as a user runs them; the results check out with independent tools. */
static void test_snpimage_build_cli(void **state)
{
	char *tree = path_in("cli-btree"), *cpio = path_in("cli.cpio.gz"),
	     *root = path_in("cli-broot"), *img = path_in("cli-root.img"),
	     *list = path_in("cli.list"), *cpio2 = path_in("cli2.cpio");
	uint8_t md[32];
	char hex[65];
	size_t len;
	struct tu_run r;
	struct json_object *j;

	(void)state;
	make_tree_a(tree);
	run_img(&r, "initramfs", tree, "-o", cpio, "--json", NULL);
	assert_int_equal(r.status, 0);
	j = json_tokener_parse(r.out);
	assert_non_null(j);
	uint8_t *data = tu_read_file(cpio, &len);
	assert_non_null(data);
	assert_int_equal(json_object_get_int64(json_object_object_get(j, "size")), (int64_t)len);
	assert_int_equal(EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL), 1);
	tu_hex(md, 32, hex);
	assert_string_equal(json_object_get_string(json_object_object_get(j, "sha256")), hex);
	assert_string_equal(json_object_get_string(json_object_object_get(j, "compression")),
			    "gzip");
	free(data);
	json_object_put(j);
	tu_run_free(&r);
	/* A gen_init_cpio list, uncompressed: newc magic at the start. */
	write_text(list, "dir /dev 0755 0 0\nnod /dev/console 0600 0 0 c 5 1\n");
	run_img(&r, "initramfs", "--list", list, "-o", cpio2, "--compress", "none", NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	data = tu_read_file(cpio2, &len);
	assert_true(len >= 6 && len % 512 == 0);
	assert_memory_equal(data, "070701", 6);
	free(data);

	tu_need_program("/usr/bin/mksquashfs", "squashfs-tools");
	make_rootfs_tree(root, false);
	run_img(&r, "rootfs", root, "-o", img, "--verity", "--seed", "cli", "--json", NULL);
	if (r.status != 0)
		fail_msg("rootfs: %s", r.err);
	j = json_tokener_parse(r.out);
	assert_non_null(j);
	char off[24], *rh = strdup(json_object_get_string(json_object_object_get(j, "root_hash")));
	snprintf(off, sizeof(off), "%lld",
		 (long long)json_object_get_int64(json_object_object_get(j, "hash_offset")));
	json_object_put(j);
	tu_run_free(&r);
	/* The appended tree verifies, by this tool and by veritysetup when present. */
	run_img(&r, "verity", "verify", img, img, rh, "--hash-offset", off, NULL);
	if (r.status != 0)
		fail_msg("verity verify: %s", r.err);
	tu_run_free(&r);
	if (access(VERITYSETUP, X_OK) == 0) {
		const char *v[] = {
			VERITYSETUP, "verify", img, img, rh, "--hash-offset", off, NULL
		};
		tu_run((char *const *)v, &r);
		assert_int_equal(r.status, 0);
		tu_run_free(&r);
	}
	free(rh), free(tree), free(cpio), free(root), free(img), free(list), free(cpio2);
}

/* A bundle from ready-made files: the rootfs image is padded and gets its tree appended. */
static void test_snpimage_bundle_files_cli(void **state)
{
	char *kernel = make_bzimage("bz-cli-files", 3, 65536), *ovmf = path_in("cli-f-ovmf.fd");
	char *init = path_in("cli-f.cpio"), *root = path_in("cli-f-root.img"),
	     *out = path_in("cli-f-bundle"), *manifest;
	uint8_t blob[10000];
	struct tu_run r;

	(void)state;
	write_kat_firmware(ovmf);
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i * 7);
	tu_write_file(root, blob, sizeof(blob));
	tu_write_file(init, blob, 512);
	run_img(&r, "bundle", "--kernel", kernel, "--initramfs", init, "--rootfs", root, "--ovmf",
		ovmf, "--cmdline", "root=/dev/vda verity={roothash},{datasize}", "-o", out,
		"--json", NULL);
	if (r.status != 0)
		fail_msg("bundle: %s", r.err);
	struct json_object *j = json_tokener_parse(r.out);
	assert_non_null(j);
	const char *cmd = json_object_get_string(json_object_object_get(j, "cmdline"));
	assert_non_null(strstr(cmd, ",12288")); /* 10000 bytes padded to 4 KiB blocks */
	json_object_put(j);
	tu_run_free(&r);
	run_img(&r, "verify", out, "--json", NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	/* The manifest's cmdline edited: verify names it. */
	assert_true(asprintf(&manifest, "%s/manifest.json", out) > 0);
	struct json_object *m = json_object_from_file(manifest);
	json_object_object_add(m, "cmdline", json_object_new_string("root=/dev/evil"));
	json_object_to_file(manifest, m);
	json_object_put(m);
	run_img(&r, "verify", out, NULL);
	assert_int_equal(r.status, 3); /* does not match / verify */
	assert_non_null(strstr(r.out, "FAIL "));
	tu_run_free(&r);
	free(manifest), free(kernel), free(ovmf), free(init), free(root), free(out);
}

/* verity format/verify as a user runs them: --seed, --json, --root-hash-file, --threads and the
 * device names agree with each other; bad options are refused before anything is written. */
static void test_snpimage_verity_cli(void **state)
{
	char *data = path_in("cli-v.data"), *h1 = path_in("cli-v1.hash"),
	     *h2 = path_in("cli-v2.hash"), *rhf = path_in("cli-v.root"),
	     *none = path_in("cli-v.no");
	uint8_t *blob = malloc(300000), *a, *b;
	size_t la, lb;
	struct tu_run r;

	(void)state;
	for (size_t i = 0; i < 300000; i++)
		blob[i] = (uint8_t)(i * 31 + (i >> 9));
	tu_write_file(data, blob, 300000);
	free(blob);
	run_img(&r, "verity", "format", data, h1, "--seed", "s", "--root-hash-file", rhf,
		"--threads", "2", "--data-device", "/dev/sda", "--hash-device", "/dev/sdb", NULL);
	if (r.status != 0)
		fail_msg("format: %s", r.err);
	assert_non_null(strstr(r.out, " verity 1 /dev/sda /dev/sdb 4096 4096 73 1 sha256 "));
	tu_run_free(&r);
	uint8_t *rh = tu_read_file(rhf, &la);
	assert_int_equal(la, 64);
	char root[65];
	memcpy(root, rh, 64), root[64] = 0;
	free(rh);

	/* One thread, JSON: the same tree, the same root hash. */
	run_img(&r, "verity", "format", data, h2, "--seed", "s", "--threads", "1", "--json", NULL);
	assert_int_equal(r.status, 0);
	struct json_object *j = json_tokener_parse(r.out);
	assert_non_null(j);
	assert_string_equal(json_object_get_string(json_object_object_get(j, "root_hash")), root);
	assert_int_equal(json_object_get_int(json_object_object_get(j, "data_blocks")),
			 73); /* whole blocks, as veritysetup */
	json_object_put(j);
	tu_run_free(&r);
	a = tu_read_file(h1, &la), b = tu_read_file(h2, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a), free(b);

	run_img(&r, "verity", "verify", data, h1, root, NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	root[0] = root[0] == '0' ? '1' : '0';
	run_img(&r, "verity", "verify", data, h1, root, NULL);
	assert_int_equal(r.status, 3); /* does not match / verify */
	tu_run_free(&r);

	static const char *const bad[][3] = {
		{ "--hash", "md5", "md5" },	      { "--salt", "zz", "--salt" },
		{ "--uuid", "not-a-uuid", "--uuid" }, { "--format", "3", "--format" },
		{ "--threads", "9", "--threads" },    { "--data-block-size", "x", "'x'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run_img(&r, "verity", "format", data, none, bad[i][0], bad[i][1], NULL);
		expect_img_refusal(&r, 2, bad[i][2]);
		assert_int_equal(access(none, F_OK), -1);
	}
	run_img(&r, "verity", "format", data, none, "--seed", "s", "--salt", "00", NULL);
	expect_img_refusal(&r, 2, "--seed");
	run_img(&r, "verity", "format", data, NULL);
	expect_img_refusal(&r, 2, "verity format DATA HASH");
	run_img(&r, "verity", "format", data, none, "extra", NULL);
	expect_img_refusal(&r, 2, "extra");
	assert_int_equal(access(none, F_OK), -1);
	free(data), free(h1), free(h2), free(rhf), free(none);
}

static void expect_sb_refusal(const uint8_t *sb, int code, const char *needle)
{
	char *path = path_in("sb.img");
	struct snpm_verity_params p = { .size = sizeof(p) };
	struct snpm_error err;

	tu_write_file(path, sb, 512);
	assert_int_equal(snpm_verity_read_superblock(path, 0, &p, &err), code);
	if (!strstr(err.message, needle))
		fail_msg("'%s' lacks '%s'", err.message, needle);
	free(path);
}

static void test_superblock_refusals(void **state)
{
	uint8_t sb[512] = { 0 }, good[512];
	struct snpm_verity_params p = { .size = sizeof(p) };
	char *path = path_in("sb-good.img");

	(void)state;
	memcpy(sb, "verity\0\0", 8);
	sb[8] = 1; /* version */
	sb[12] = 1; /* hash type */
	memcpy(sb + 32, "sha256", 6);
	sb[65] = 0x10; /* data block size 4096 */
	sb[69] = 0x10; /* hash block size 4096 */
	sb[72] = 100; /* data blocks */
	sb[80] = 32; /* salt size */
	memcpy(good, sb, sizeof(good));
	tu_write_file(path, good, sizeof(good));
	assert_int_equal(snpm_verity_read_superblock(path, 0, &p, NULL), 0);
	assert_int_equal(p.data_blocks, 100);
	assert_int_equal(p.salt_len, 32);
	assert_int_equal(p.hash, SNPM_HASH_SHA256);

	sb[0] = 'V';
	expect_sb_refusal(sb, SNPM_EMALFORMED, "bad signature");
	memcpy(sb, good, 512), sb[8] = 2;
	expect_sb_refusal(sb, SNPM_EUNSUPPORTED, "version 2");
	memcpy(sb, good, 512), memcpy(sb + 32, "md5\0\0\0", 6);
	expect_sb_refusal(sb, SNPM_EUNSUPPORTED, "'md5'");
	memcpy(sb, good, 512), sb[80] = 0x2c, sb[81] = 0x01; /* salt size 300 */
	expect_sb_refusal(sb, SNPM_EMALFORMED, "salt size 300");
	memcpy(sb, good, 512), sb[65] = 0x0c; /* data block size 3072 */
	expect_sb_refusal(sb, SNPM_EINVAL, "powers of two");
	memcpy(sb, good, 512), sb[12] = 7;
	expect_sb_refusal(sb, SNPM_EINVAL, "format 7");
	/* Truncated: shorter than a superblock. */
	tu_write_file(path, good, 100);
	assert_int_equal(snpm_verity_read_superblock(path, 0, &p, NULL), SNPM_EMALFORMED);
	free(path);
}

/* SHA-256 of a file, as lower-case hex. */
static void file_sha256_hex(const char *path, char out[65])
{
	size_t len;
	uint8_t *data = tu_read_file(path, &len), h[32];

	assert_non_null(data);
	assert_int_equal(EVP_Digest(data, len, h, NULL, EVP_sha256(), NULL), 1);
	tu_hex(h, 32, out);
	free(data);
}

/* dstack's layout: the image folder dstack's verifier reads, with our predictions beside it. */
static void test_bundle_dstack(void **state)
{
	static const uint32_t vcpus[] = { 2 }, sigs[] = { 0x800f12, 0xa10f10 };
	static const uint64_t feats[] = { 0x1 };
	static const enum snpm_vmm vmms[] = { SNPM_VMM_QEMU };
	static const char *const listed[] = { "bzImage", "initramfs.cpio.gz", "metadata.json",
					      "measurement.snp.cbor" };
	struct snpm_sweep_space sp = { sizeof(sp), vcpus, 1, sigs, 2, feats, 1, vmms, 1 };
	char *kernel = make_bzimage("bz-dstack", 3, 65536), *ovmf = path_in("dstack-ovmf.fd");
	char *init = path_in("dstack-init"), *root = path_in("dstack-root");
	char *out = path_in("dstack-bundle"), *bad = path_in("dstack-bad"), path[1024], hex[65];
	char want_sums[1024] = "";
	struct snpm_bundle_spec s = { .size = sizeof(s) };
	struct snpm_error err;
	struct problems pr = { 0 };
	struct snpm_spec *spec = NULL;
	uint8_t os_hash[32];

	(void)state;
	tu_need_program("/usr/bin/mksquashfs", "squashfs-tools");
	write_kat_firmware(ovmf);
	make_tree_a(init);
	make_rootfs_tree(root, false);
	bundle_spec(&s, kernel, init, root, ovmf, &sp);
	s.layout = SNPM_BUNDLE_DSTACK;
	if (snpm_bundle_create(&s, out, &err) != 0)
		fail_msg("bundle: %s", err.message);
	/* sha256sum.txt lists the four files in assemble.sh's order; digest.txt is its hash. */
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", out, listed[i]);
		file_sha256_hex(path, hex);
		snprintf(want_sums + strlen(want_sums), sizeof(want_sums) - strlen(want_sums),
			 "%s  %s\n", hex, listed[i]);
	}
	snprintf(path, sizeof(path), "%s/sha256sum.txt", out);
	size_t len;
	char *sums = (char *)tu_read_file(path, &len);
	assert_int_equal(len, strlen(want_sums));
	assert_memory_equal(sums, want_sums, len);
	free(sums);
	file_sha256_hex(path, hex);
	snprintf(path, sizeof(path), "%s/digest.txt", out);
	char *digest = (char *)tu_read_file(path, &len);
	assert_int_equal(len, 65);
	assert_memory_equal(digest, hex, 64);
	assert_int_equal(digest[64], '\n');
	free(digest);
	/* Read as dstack's verifier reads it; the CBOR carries the bundle's own files. */
	assert_int_equal(snpm_dstack_image_read(out, os_hash, &spec, &err), 0);
	tu_hex(os_hash, 32, path);
	assert_memory_equal(path, hex, 64);
	snprintf(path, sizeof(path), "%s/bzImage", out);
	file_sha256_hex(path, hex);
	char got[65];
	tu_hex(spec->kernel_sha256, 32, got);
	assert_string_equal(got, hex);
	snprintf(path, sizeof(path), "%s/initramfs.cpio.gz", out);
	file_sha256_hex(path, hex);
	tu_hex(spec->initrd_sha256, 32, got);
	assert_string_equal(got, hex);
	assert_non_null(strstr(spec->cmdline, "dstack.rootfs_hash="));
	snpm_spec_free(spec);
	/* Measuring the folder as dstack would equals the prediction in measurements.jsonl. */
	snprintf(path, sizeof(path), "%s/measurements.jsonl", out);
	char *rows = (char *)tu_read_file(path, &len);
	rows = realloc(rows, len + 1);
	rows[len] = '\0';
	struct tu_run r = tu_cli_in(NULL, "-q", "--spec", out, "--vcpus", "2", "--vcpu-type",
				    "EPYC-Genoa", NULL);
	char *m = tu_capture(r);
	m[96] = '\0';
	char *row = strstr(rows, "\"vcpu_sig\":\"0xa10f10\"");
	assert_non_null(row);
	assert_non_null(strstr(row, m));
	free(m), free(rows);
	/* verify holds; it catches a changed CBOR or metadata.json. */
	assert_int_equal(snpm_bundle_verify(out, note_problem, &pr, &err), 0);
	static const char *const changed[] = { "measurement.snp.cbor", "metadata.json" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", out, changed[i]);
		flip_bit(path, 10, 1);
		memset(&pr, 0, sizeof(pr));
		assert_int_equal(snpm_bundle_verify(out, note_problem, &pr, &err), SNPM_EVERIFY);
		assert_non_null(strstr(pr.first, changed[i]));
		flip_bit(path, 10, 1);
	}
	/* sha256sum.txt with a line added, dropped or reordered, digest.txt rewritten to match
	 * (dstack's os_image_hash then changes): another image, refused. */
	snprintf(path, sizeof(path), "%s/sha256sum.txt", out);
	char *orig = (char *)tu_read_file(path, &len), forged[2048], dpath[1024];
	orig = realloc(orig, len + 1);
	orig[len] = '\0';
	char *second = strchr(orig, '\n') + 1;
	for (int edit = 0; edit < 3; edit++) {
		if (edit == 0) /* an extra line */
			snprintf(forged, sizeof(forged), "%s%064d  extra\n", orig, 0);
		else if (edit == 1) /* the first line dropped */
			snprintf(forged, sizeof(forged), "%s", second);
		else /* the first two swapped */
			snprintf(forged, sizeof(forged), "%s%.*s", second, (int)(second - orig),
				 orig);
		tu_write_file(path, forged, strlen(forged));
		uint8_t h[32];
		char dig[66];
		EVP_Digest(forged, strlen(forged), h, NULL, EVP_sha256(), NULL);
		tu_hex(h, 32, dig);
		strcat(dig, "\n");
		snprintf(dpath, sizeof(dpath), "%s/digest.txt", out);
		char *old_digest = (char *)tu_read_file(dpath, &len);
		tu_write_file(dpath, dig, 65);
		memset(&pr, 0, sizeof(pr));
		assert_int_equal(snpm_bundle_verify(out, note_problem, &pr, &err), SNPM_EVERIFY);
		assert_non_null(strstr(pr.first, "sha256sum.txt"));
		assert_true(pr.n >= 2); /* the file, and the os_image_hash it gives */
		tu_write_file(dpath, old_digest, 65);
		free(old_digest);
	}
	tu_write_file(path, orig, strlen(orig));
	free(orig);
	memset(&pr, 0, sizeof(pr));
	assert_int_equal(snpm_bundle_verify(out, note_problem, &pr, &err), 0);
	/* The manifest records the os_image_hash. */
	snprintf(path, sizeof(path), "%s/manifest.json", out);
	char *man = (char *)tu_read_file(path, &len);
	man = realloc(man, len + 1);
	man[len] = '\0';
	assert_non_null(strstr(man, "\"os_image_hash\""));
	free(man);
	/* dstack requires the rootfs hash on the command line. */
	s.cmdline_template = "console=ttyS0 root=/dev/vda";
	assert_int_equal(snpm_bundle_create(&s, bad, &err), SNPM_EINVAL);
	assert_non_null(strstr(err.message, "dstack.rootfs_hash={roothash}"));
	assert_int_equal(access(bad, F_OK), -1);
	free(kernel), free(ovmf), free(init), free(root), free(out), free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verity_kat),
		cmocka_unit_test(test_snpimage_help),
		cmocka_unit_test(test_snpimage_kernel_info_cli),
		cmocka_unit_test(test_snpimage_bundle_cli),
		cmocka_unit_test(test_snpimage_build_cli),
		cmocka_unit_test(test_snpimage_verity_cli),
		cmocka_unit_test(test_snpimage_bundle_files_cli),
		cmocka_unit_test(test_verify_names_the_block),
		cmocka_unit_test(test_hash_file_written_whole),
		cmocka_unit_test(test_seed_derivation),
		cmocka_unit_test(test_param_refusals),
		cmocka_unit_test(test_superblock_refusals),
		cmocka_unit_test(test_against_veritysetup),
		cmocka_unit_test(test_verify_spare_area),
		cmocka_unit_test(test_initramfs_reproducible),
		cmocka_unit_test(test_initramfs_list_headers),
		cmocka_unit_test(test_initramfs_refusals),
		cmocka_unit_test(test_initramfs_gnu_cpio),
		cmocka_unit_test(test_kernel_info),
		cmocka_unit_test(test_rootfs_reproducible),
		cmocka_unit_test(test_bundle),
		cmocka_unit_test(test_bundle_dstack),
		cmocka_unit_test(test_verity_dump),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
