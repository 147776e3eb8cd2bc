/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dm-verity hash trees, byte-identical to cryptsetup 2.6's veritysetup.
 *
 * The shape (cryptsetup lib/verity/verity_hash.c): each hash block holds 2^k digests, k the
 * largest with 2^k * digest <= block; format 1 pads each digest to the next power of two and
 * hashes salt || block, format 0 packs digests and hashes block || salt. Level 0 hashes the data
 * blocks; each level above hashes the one below, until one block remains; the root hash is the
 * hash of that block (or of the only data block when there is one). On disk the levels are laid
 * out top first, after the superblock rounded up to a hash block.
 *
 * Format builds bottom-up; verify checks top-down, so the first difference it meets is the
 * block that changed, under parents already shown to be intact.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <snpm/image.h>

#include "../core/crypto.h"
#include "../core/io.h"

/* The on-disk superblock (cryptsetup lib/verity/verity.c, struct verity_sb). */
enum {
	SB_SIGNATURE = 0, /* "verity\0\0" */
	SB_VERSION = 8, /* u32: 1 */
	SB_HASH_TYPE = 12, /* u32: the format, 0 or 1 */
	SB_UUID = 16, /* 16 bytes */
	SB_ALGORITHM = 32, /* 32 bytes: the hash name, NUL padded */
	SB_DATA_BLOCK_SIZE = 64, /* u32 */
	SB_HASH_BLOCK_SIZE = 68, /* u32 */
	SB_DATA_BLOCKS = 72, /* u64 */
	SB_SALT_SIZE = 80, /* u16, then 6 bytes of padding */
	SB_SALT = 88, /* 256 bytes, then 168 bytes of padding */
	SB_END = 512,
};
_Static_assert(SB_SALT + SNPM_VERITY_MAX_SALT + 168 == SB_END, "superblock is 512 bytes");
_Static_assert(SB_END == SNPM_VERITY_SB_SIZE, "superblock size");

#define IO_CHUNK (1u << 20)

struct shape {
	unsigned levels;
	uint64_t level_block[SNPM_VERITY_MAX_LEVELS]; /* first block of each level, in the area */
	uint64_t level_size[SNPM_VERITY_MAX_LEVELS]; /* blocks in each level */
	uint64_t first_block; /* block index (in hash blocks, from hash_offset) where levels begin */
	uint64_t end_block; /* one past the last tree block */
	uint32_t digest; /* digest size */
	uint32_t stride; /* bytes per digest in a hash block */
	uint32_t per_block_bits; /* log2(digests per hash block) */
};

static unsigned bits_down(uint64_t v)
{
	unsigned b = 0;

	while (v >>= 1)
		b++;
	return b;
}

static bool pow2_in_range(uint32_t v)
{
	return v >= 512 && v <= (1u << 20) && (v & (v - 1)) == 0;
}

void snpm_verity_defaults(struct snpm_verity_params *p)
{
	SNPM_INIT(p);
	p->hash = SNPM_HASH_SHA256;
	p->data_block_size = 4096;
	p->hash_block_size = 4096;
	p->format = 1;
}

static int check_params(const struct snpm_verity_params *p, struct snpm_error *reterr)
{
	if (!snpm_hash_name(p->hash))
		return snpm_fail(reterr, SNPM_EINVAL, "unknown hash algorithm");
	if (!pow2_in_range(p->data_block_size) || !pow2_in_range(p->hash_block_size))
		return snpm_fail(reterr, SNPM_EINVAL,
				 "block sizes must be powers of two from 512 to 1 MiB");
	if (p->format > 1)
		return snpm_fail(reterr, SNPM_EINVAL, "hash format %u is not 0 or 1", p->format);
	if (p->salt_len > SNPM_VERITY_MAX_SALT)
		return snpm_fail(reterr, SNPM_EINVAL, "salt of %zu bytes is longer than 256",
				 p->salt_len);
	if (!p->no_superblock && p->hash_offset % 512)
		return snpm_fail(reterr, SNPM_EINVAL, "hash offset must be a multiple of 512");
	if (p->hash_offset % p->hash_block_size && p->no_superblock)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "hash offset must be a multiple of the hash block size");
	return 0;
}

/* The tree's shape for data_blocks, computed apart from any I/O. */
static int compute_shape(const struct snpm_verity_params *p, uint64_t data_blocks, struct shape *s,
			 struct snpm_error *reterr)
{
	uint64_t pos, bytes;

	memset(s, 0, sizeof(*s));
	/* veritysetup refuses data whose size in bytes does not fit 64 bits ("Device offset
	 * overflow"); the level arithmetic below would wrap on it. */
	if (!snpm_mul_u64(data_blocks, p->data_block_size, &bytes))
		return snpm_fail(reterr, SNPM_ERANGE,
				 "%llu data blocks of %u bytes overflow a 64-bit device offset "
				 "(veritysetup refuses it too)",
				 (unsigned long long)data_blocks, p->data_block_size);
	s->digest = (uint32_t)snpm_hash_size(p->hash);
	s->stride = s->digest;
	if (p->format == 1)
		while (s->stride & (s->stride - 1))
			s->stride++;
	s->per_block_bits = bits_down(p->hash_block_size / s->digest);
	if (s->per_block_bits == 0)
		return snpm_fail(reterr, SNPM_EINVAL, "hash block too small for one digest");
	/* The superblock is rounded up to a whole hash block. */
	s->first_block = p->hash_offset / p->hash_block_size;
	if (!p->no_superblock)
		s->first_block = (p->hash_offset + SNPM_VERITY_SB_SIZE + p->hash_block_size - 1) /
				 p->hash_block_size;
	while (s->per_block_bits * s->levels < 64 &&
	       (data_blocks - 1) >> (s->per_block_bits * s->levels))
		s->levels++;
	if (s->levels > SNPM_VERITY_MAX_LEVELS)
		return snpm_fail(reterr, SNPM_ERANGE, "too many tree levels");
	pos = s->first_block;
	for (int i = (int)s->levels - 1; i >= 0; i--) {
		unsigned shift = (unsigned)(i + 1) * s->per_block_bits;
		uint64_t n = shift >= 64 ? 1 : (data_blocks + (1ull << shift) - 1) >> shift;
		s->level_block[i] = pos;
		s->level_size[i] = n;
		if (!snpm_add_u64(pos, n, &pos))
			return snpm_fail(reterr, SNPM_ERANGE, "hash area overflows");
	}
	s->end_block = pos;
	if (!snpm_mul_u64(pos, p->hash_block_size, &bytes) || bytes > INT64_MAX)
		return snpm_fail(reterr, SNPM_ERANGE, "the hash area overflows a 64-bit offset");
	return 0;
}

/* ---- block hashing ---- */

struct hasher {
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
	const uint8_t *salt;
	size_t salt_len;
	uint32_t format;
};

static int hasher_init(struct hasher *h, const struct snpm_verity_params *p,
		       struct snpm_error *reterr)
{
	h->md = snpm_hash_md(p->hash);
	h->ctx = EVP_MD_CTX_new();
	h->salt = p->salt;
	h->salt_len = p->salt_len;
	h->format = p->format;
	return h->md && h->ctx ? 0 : snpm_fail_crypto(reterr, "cannot start hashing");
}

static void hasher_free(struct hasher *h)
{
	EVP_MD_CTX_free(h->ctx);
}

static int hash_block(struct hasher *h, const uint8_t *data, size_t len, uint8_t *out)
{
	int ok = EVP_DigestInit_ex(h->ctx, h->md, NULL) == 1;

	if (ok && h->format == 1 && h->salt_len)
		ok = EVP_DigestUpdate(h->ctx, h->salt, h->salt_len) == 1;
	if (ok)
		ok = EVP_DigestUpdate(h->ctx, data, len) == 1;
	if (ok && h->format == 0 && h->salt_len)
		ok = EVP_DigestUpdate(h->ctx, h->salt, h->salt_len) == 1;
	return ok && EVP_DigestFinal_ex(h->ctx, out, NULL) == 1 ? 0 : SNPM_ECRYPTO;
}

/* Positional reads and writes go through the I/O layer (io.h): whole, or an error. */
#define pread_full snpm_io_pread_all
#define pwrite_full snpm_io_pwrite_all

/* ---- building a level ---- */

/* One job: input blocks [first, last) hashed into their level's hash blocks. */
struct level_job {
	const struct snpm_verity_params *p;
	const struct shape *s;
	int in_fd;
	uint64_t in_off; /* byte offset of input block 0 */
	uint32_t in_bs;
	int out_fd;
	uint64_t out_off; /* byte offset of this level's first hash block */
	uint64_t first, last;
	int error; /* 0, or a negative code */
	int saved_errno;
	bool report; /* the main thread's share of the data level: tells the progress handler */
};

static void *run_level_job(void *arg)
{
	struct level_job *j = arg;
	const uint32_t hbs = j->p->hash_block_size, per = 1u << j->s->per_block_bits;
	uint32_t chunk_blocks = IO_CHUNK / j->in_bs ? IO_CHUNK / j->in_bs : 1;
	uint8_t *in = malloc((size_t)chunk_blocks * j->in_bs), *out = malloc(hbs);
	struct hasher h = { 0 };
	uint64_t idx = j->first;

	if (!in || !out || hasher_init(&h, j->p, NULL) < 0) {
		j->error = SNPM_ENOMEM;
		goto done;
	}
	while (idx < j->last) {
		uint64_t n = j->last - idx < chunk_blocks ? j->last - idx : chunk_blocks;
		/* Every thread hashes its share at about the same pace: the first speaks for all. */
		if (j->report)
			snpm_progress("hashing the verity tree", idx - j->first,
				      j->last - j->first);
		if (pread_full(j->in_fd, in, (size_t)n * j->in_bs, j->in_off + idx * j->in_bs) <
		    0) {
			j->error = SNPM_EIO, j->saved_errno = errno ? errno : EIO;
			goto done;
		}
		for (uint64_t k = 0; k < n; k++, idx++) {
			uint32_t slot = (uint32_t)(idx & (per - 1));
			if (slot == 0)
				memset(out, 0, hbs);
			if (hash_block(&h, in + k * j->in_bs, j->in_bs,
				       out + slot * j->s->stride)) {
				j->error = SNPM_ECRYPTO;
				goto done;
			}
			/* A hash block is written when full or at the level's last entry. */
			if ((slot == per - 1 || idx + 1 == j->last) &&
			    pwrite_full(j->out_fd, out, hbs, j->out_off + (idx / per) * hbs) < 0) {
				j->error = SNPM_EIO, j->saved_errno = errno ? errno : EIO;
				goto done;
			}
		}
	}
done:
	hasher_free(&h);
	free(in);
	free(out);
	return NULL;
}

/* Hashes n input blocks into a level, with up to `threads` workers on hash-block boundaries. */
static int build_level(struct level_job base, uint64_t n, unsigned threads,
		       struct snpm_error *reterr)
{
	struct level_job jobs[8];
	pthread_t tid[8];
	uint64_t per = 1ull << base.s->per_block_bits, out_blocks = (n + per - 1) / per;
	int r = 0;

	if (threads < 1)
		threads = 1;
	if (threads > 8)
		threads = 8;
	if (out_blocks < threads)
		threads = (unsigned)out_blocks;
	for (unsigned t = 0; t < threads; t++) {
		jobs[t] = base;
		jobs[t].first = out_blocks * t / threads * per;
		jobs[t].last = t + 1 == threads ? n : out_blocks * (t + 1) / threads * per;
	}
	for (unsigned t = 1; t < threads; t++)
		if (pthread_create(&tid[t], NULL, run_level_job, &jobs[t]) != 0)
			jobs[t].error = SNPM_ENOMEM, jobs[t].first = jobs[t].last;
	run_level_job(&jobs[0]);
	if (jobs[0].report)
		snpm_progress("hashing the verity tree", 1, 1);
	for (unsigned t = 1; t < threads; t++)
		if (jobs[t].first != jobs[t].last || !jobs[t].error)
			pthread_join(tid[t], NULL);
	for (unsigned t = 0; t < threads && r == 0; t++) {
		if (jobs[t].error) {
			errno = jobs[t].saved_errno;
			r = snpm_fail(reterr, jobs[t].error, "hashing failed: %s",
				      jobs[t].error == SNPM_EIO ? strerror(errno) :
								  "out of memory");
		}
	}
	return r;
}

/* ---- superblock ---- */

static void build_superblock(const struct snpm_verity_params *p, uint64_t data_blocks,
			     uint8_t sb[SNPM_VERITY_SB_SIZE])
{
	memset(sb, 0, SNPM_VERITY_SB_SIZE);
	memcpy(sb + SB_SIGNATURE, "verity\0\0", 8);
	snpm_put_le32(sb + SB_VERSION, 1);
	snpm_put_le32(sb + SB_HASH_TYPE, p->format);
	memcpy(sb + SB_UUID, p->uuid, 16);
	memcpy(sb + SB_ALGORITHM, snpm_hash_name(p->hash), strlen(snpm_hash_name(p->hash)));
	snpm_put_le32(sb + SB_DATA_BLOCK_SIZE, p->data_block_size);
	snpm_put_le32(sb + SB_HASH_BLOCK_SIZE, p->hash_block_size);
	snpm_put_le64(sb + SB_DATA_BLOCKS, data_blocks);
	snpm_put_le16(sb + SB_SALT_SIZE, (uint16_t)p->salt_len);
	memcpy(sb + SB_SALT, p->salt, p->salt_len);
}

static int parse_superblock(const uint8_t sb[SNPM_VERITY_SB_SIZE], struct snpm_verity_params *p,
			    struct snpm_error *reterr)
{
	char alg[33];

	if (memcmp(sb + SB_SIGNATURE, "verity\0\0", 8) != 0)
		return snpm_fail(reterr, SNPM_EMALFORMED, "no verity superblock (bad signature)");
	if (snpm_le32(sb + SB_VERSION) != 1)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "verity superblock version %u",
				 snpm_le32(sb + SB_VERSION));
	memcpy(alg, sb + SB_ALGORITHM, 32);
	alg[32] = '\0';
	if (snpm_hash_parse(alg, &p->hash) < 0)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "verity hash '%s' is not supported",
				 alg);
	p->format = snpm_le32(sb + SB_HASH_TYPE);
	memcpy(p->uuid, sb + SB_UUID, 16);
	p->data_block_size = snpm_le32(sb + SB_DATA_BLOCK_SIZE);
	p->hash_block_size = snpm_le32(sb + SB_HASH_BLOCK_SIZE);
	p->data_blocks = snpm_le64(sb + SB_DATA_BLOCKS);
	p->salt_len = snpm_le16(sb + SB_SALT_SIZE);
	if (p->salt_len > SNPM_VERITY_MAX_SALT)
		return snpm_fail(reterr, SNPM_EMALFORMED, "superblock salt size %zu", p->salt_len);
	memcpy(p->salt, sb + SB_SALT, p->salt_len);
	p->no_superblock = false;
	return check_params(p, reterr);
}

int snpm_verity_read_superblock(const char *path, uint64_t offset, struct snpm_verity_params *ret,
				struct snpm_error *reterr)
{
	uint8_t sb[SNPM_VERITY_SB_SIZE];
	struct snpm_verity_params p = { .size = sizeof(p) };
	int fd = snpm_io_open_fd(path, SNPM_IO_REGULAR | SNPM_IO_DEVICES, reterr), r;

	if (fd < 0)
		return fd;
	r = pread_full(fd, sb, sizeof(sb), offset);
	close(fd);
	if (r < 0)
		return snpm_fail(reterr, SNPM_EMALFORMED, "no superblock at offset %llu",
				 (unsigned long long)offset);
	snpm_verity_defaults(&p);
	p.hash_offset = offset;
	r = parse_superblock(sb, &p, reterr);
	return r < 0 ? r : snpm_sized_out(ret, &p, sizeof(p), "snpm_verity_params", reterr);
}

int snpm_verity_tree_blocks(const struct snpm_verity_params *p_given, uint64_t *ret,
			    struct snpm_error *reterr)
{
	struct snpm_verity_params p_copy = { .size = sizeof(p_copy) };
	const struct snpm_verity_params *p = &p_copy;
	int sized = snpm_sized_in(p_given, sizeof(p_copy), &p_copy, "snpm_verity_params", reterr);
	struct shape s;
	int r;

	if (sized < 0)
		return sized;

	if (!p || !ret || !p->data_blocks)
		return snpm_fail(reterr, SNPM_EINVAL, "no parameters or no data blocks");
	r = check_params(p, reterr);
	if (r == 0)
		r = compute_shape(p, p->data_blocks, &s, reterr);
	if (r == 0)
		*ret = s.end_block - s.first_block;
	return r;
}

int snpm_verity_derive(const char *seed, uint8_t ret_salt[32], uint8_t ret_uuid[16],
		       struct snpm_error *reterr)
{
	static const char salt_label[] = "snpimage verity salt";
	static const char uuid_label[] = "snpimage verity uuid";
	uint8_t mac[32];
	unsigned len = 0;

	if (!seed || !*seed)
		return snpm_fail(reterr, SNPM_EINVAL, "empty seed");
	if (!HMAC(EVP_sha256(), seed, (int)strlen(seed), (const uint8_t *)salt_label,
		  sizeof(salt_label) - 1, ret_salt, &len))
		return snpm_fail_crypto(reterr, "HMAC failed");
	if (!HMAC(EVP_sha256(), seed, (int)strlen(seed), (const uint8_t *)uuid_label,
		  sizeof(uuid_label) - 1, mac, &len))
		return snpm_fail_crypto(reterr, "HMAC failed");
	memcpy(ret_uuid, mac, 16);
	ret_uuid[6] = (ret_uuid[6] & 0x0f) | 0x40; /* version 4 */
	ret_uuid[8] = (ret_uuid[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	return 0;
}

/* ---- format ---- */

static int data_block_count(int fd, const struct snpm_verity_params *p, uint64_t *ret,
			    struct snpm_error *reterr)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return snpm_fail(reterr, SNPM_EIO, "cannot stat the data: %s", strerror(errno));
	uint64_t have = (uint64_t)st.st_size / p->data_block_size;
	if (p->data_blocks && p->data_blocks > have)
		return snpm_fail(reterr, SNPM_ERANGE,
				 "the data has %llu blocks, fewer than the %llu asked for",
				 (unsigned long long)have, (unsigned long long)p->data_blocks);
	*ret = p->data_blocks ? p->data_blocks : have;
	if (*ret == 0)
		return snpm_fail(reterr, SNPM_EINVAL, "the data holds no whole block");
	return 0;
}

/* Builds superblock and tree into out_fd, the hash area starting at byte area_off. */
static int build_tree(int data_fd, int out_fd, uint64_t area_off,
		      const struct snpm_verity_params *p, uint64_t data_blocks,
		      const struct shape *s, struct snpm_verity_result *res,
		      struct snpm_error *reterr)
{
	const uint32_t hbs = p->hash_block_size;
	uint64_t base = area_off - p->hash_offset; /* byte 0 of the hash file in out_fd */
	uint8_t sb[SNPM_VERITY_SB_SIZE], *top = NULL;
	struct level_job job = { .p = p, .s = s, .out_fd = out_fd };
	struct hasher h = { 0 };
	int r = 0;

	if (!p->no_superblock) {
		build_superblock(p, data_blocks, sb);
		if (pwrite_full(out_fd, sb, sizeof(sb), area_off) < 0)
			return snpm_fail(reterr, SNPM_EIO, "cannot write: %s", strerror(errno));
	}
	for (unsigned i = 0; r == 0 && i < s->levels; i++) {
		job.in_fd = i == 0 ? data_fd : out_fd;
		job.in_off = i == 0 ? 0 : base + s->level_block[i - 1] * hbs;
		job.in_bs = i == 0 ? p->data_block_size : hbs;
		job.out_off = base + s->level_block[i] * hbs;
		job.report = i == 0;
		r = build_level(job, i == 0 ? data_blocks : s->level_size[i - 1],
				i == 0 ? p->threads : 1, reterr);
	}
	/* The root: the top block, or the only data block. */
	uint32_t bs = s->levels ? hbs : p->data_block_size;
	top = malloc(bs);
	if (r == 0 && !top)
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	if (r == 0 && pread_full(s->levels ? out_fd : data_fd, top, bs,
				 s->levels ? base + s->level_block[s->levels - 1] * hbs : 0) < 0)
		r = snpm_fail(reterr, SNPM_EIO, "cannot read back: %s", strerror(errno));
	if (r == 0)
		r = hasher_init(&h, p, reterr);
	if (r == 0 && hash_block(&h, top, bs, res->root_hash) < 0)
		r = snpm_fail_crypto(reterr, "hash failed");
	hasher_free(&h);
	free(top);
	res->root_hash_len = s->digest;
	res->levels = s->levels;
	res->hash_blocks = s->end_block - s->first_block;
	res->hash_end = s->end_block * hbs;
	if (!p->no_superblock && s->levels == 0)
		res->hash_end = s->first_block * hbs;
	return r;
}

/* A separate hash file: written whole into a temporary file, then renamed over (or, for a
 * device, written in place). */
static int format_separate(int data_fd, const char *hash_path, const struct snpm_verity_params *p,
			   uint64_t data_blocks, const struct shape *s,
			   struct snpm_verity_result *res, struct snpm_error *reterr)
{
	struct snpm_io_out out;
	int old, r = snpm_io_out_open(hash_path, &out, reterr);

	if (r < 0)
		return r;
	/* Bytes before the hash area belong to the file's owner: keep them. */
	old = p->hash_offset && !out.through ? snpm_io_open_fd(hash_path, SNPM_IO_REGULAR, NULL) :
					       -1;
	if (old >= 0 && snpm_io_copy_range(old, out.fd, p->hash_offset) < 0)
		r = snpm_fail(reterr, SNPM_EIO, "cannot copy: %s", strerror(errno));
	if (old >= 0)
		close(old);
	if (r == 0)
		r = build_tree(data_fd, out.fd, p->hash_offset, p, data_blocks, s, res, reterr);
	if (r == 0 && !out.through && ftruncate(out.fd, (off_t)res->hash_end) < 0)
		r = snpm_fail(reterr, SNPM_EIO, "cannot write: %s", strerror(errno));
	if (r < 0) {
		snpm_io_out_abort(&out);
		return r;
	}
	return snpm_io_out_commit(&out, 0644, reterr);
}

/* Moves the area built at 0 of a temporary file to offset `at` of the data file. */
static int copy_area(int from, int to, uint64_t len, uint64_t at, struct snpm_error *reterr)
{
	uint8_t *buf = malloc(IO_CHUNK);
	int r = buf ? 0 : snpm_fail(reterr, SNPM_ENOMEM, "out of memory");

	for (uint64_t off = 0; r == 0 && off < len; off += IO_CHUNK) {
		size_t n = len - off < IO_CHUNK ? (size_t)(len - off) : IO_CHUNK;
		if (pread_full(from, buf, n, off) < 0 || pwrite_full(to, buf, n, at + off) < 0)
			r = snpm_fail(reterr, SNPM_EIO, "cannot write: %s", strerror(errno));
	}
	free(buf);
	return r;
}

/*
 * The tree appended to the data file itself: built aside, then copied in. A failure part-way
 * (a full disk) gives the data file back its original length, not data plus half a tree.
 */
static int format_inline(int data_fd, const char *path, const struct snpm_verity_params *p,
			 uint64_t data_blocks, const struct shape *s,
			 struct snpm_verity_result *res, struct snpm_error *reterr)
{
	struct snpm_io_out aside;
	struct stat st;
	bool have_length = false;
	int out = -1, r;

	if (data_blocks * p->data_block_size > p->hash_offset)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "the hash area at offset %llu overlaps the data",
				 (unsigned long long)p->hash_offset);
	r = snpm_io_out_open(path, &aside, reterr);
	if (r < 0)
		return r;
	if (aside.through)
		r = snpm_fail(reterr, SNPM_EINVAL, "a tree inside a device is not supported");
	if (r == 0)
		r = build_tree(data_fd, aside.fd, 0, p, data_blocks, s, res, reterr);
	/* The area may end past what was written (a superblock-only tree): zero-fill it. */
	if (r == 0 && ftruncate(aside.fd, (off_t)(res->hash_end - p->hash_offset)) < 0)
		r = snpm_fail(reterr, SNPM_EIO, "cannot write: %s", strerror(errno));
	out = r == 0 ? open(path, O_WRONLY | O_CLOEXEC) : -1;
	if (r == 0 && (out < 0 || fstat(out, &st) < 0))
		r = snpm_fail(reterr, SNPM_EIO, "cannot open for writing: %s", strerror(errno));
	have_length = r == 0;
	if (r == 0)
		r = copy_area(aside.fd, out, res->hash_end - p->hash_offset, p->hash_offset,
			      reterr);
	if (r == 0 && (ftruncate(out, (off_t)res->hash_end) < 0 || fsync(out) < 0))
		r = snpm_fail(reterr, SNPM_EIO, "cannot write: %s", strerror(errno));
	if (r < 0 && have_length && ftruncate(out, st.st_size) < 0)
		r = snpm_fail(reterr, SNPM_EIO, "cannot restore the data's length: %s",
			      strerror(errno));
	if (out >= 0)
		close(out);
	snpm_io_out_abort(&aside);
	return r;
}

static bool same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int snpm_verity_format(const char *data_path, const char *hash_path,
		       const struct snpm_verity_params *params_given,
		       struct snpm_verity_result *ret, struct snpm_error *reterr)
{
	struct snpm_verity_params params_copy = { .size = sizeof(params_copy) };
	const struct snpm_verity_params *params = &params_copy;
	int sized = snpm_sized_in(params_given, sizeof(params_copy), &params_copy,
				  "snpm_verity_params", reterr);
	struct snpm_verity_result res;
	struct snpm_verity_params p = { .size = sizeof(p) };
	uint64_t data_blocks;
	struct shape s;
	int fd, r;

	if (sized < 0)
		return sized;

	if (!data_path || !hash_path || !params)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "format needs data, hash file and parameters");
	r = check_params(params, reterr);
	if (r < 0)
		return r;
	p = *params;
	fd = snpm_io_open_fd(data_path, SNPM_IO_REGULAR, reterr);
	if (fd < 0)
		return snpm_io_name(data_path, fd, reterr);
	memset(&res, 0, sizeof(res));
	r = data_block_count(fd, &p, &data_blocks, reterr);
	if (r == 0)
		r = compute_shape(&p, data_blocks, &s, reterr);
	if (r == 0 && same_file(fd, hash_path)) {
		/* the file grows: treat the hash area as inline */
		r = format_inline(fd, hash_path, &p, data_blocks, &s, &res, reterr);
	} else if (r == 0) {
		r = format_separate(fd, hash_path, &p, data_blocks, &s, &res, reterr);
	}
	close(fd);
	if (r == 0 && ret)
		*ret = res;
	return r;
}

/* ---- verify ---- */

struct checker {
	const struct snpm_verity_params *p;
	const struct shape *s;
	struct hasher h;
	int data_fd, hash_fd;
	uint8_t *parent; /* the hash block holding the entry being checked */
	uint64_t parent_block; /* which one is loaded (UINT64_MAX: none) */
	uint8_t *buf;
	struct snpm_verity_mismatch *miss;
};

/* The stored digest for entry `index` of level `level` (level 0 entries hash data blocks). */
static int stored_entry(struct checker *c, unsigned level, uint64_t index, const uint8_t **ret)
{
	const uint32_t hbs = c->p->hash_block_size, per = 1u << c->s->per_block_bits;
	uint64_t block = c->s->level_block[level] + index / per;

	if (block != c->parent_block) {
		if (pread_full(c->hash_fd, c->parent, hbs, block * hbs) < 0)
			return SNPM_EIO;
		c->parent_block = block;
	}
	*ret = c->parent + (index % per) * c->s->stride;
	return 0;
}

static int mismatch(struct checker *c, bool data, unsigned level, uint64_t index, bool root,
		    struct snpm_error *reterr)
{
	*c->miss = (struct snpm_verity_mismatch){ true, data, level, index, root };
	if (root && data)
		return snpm_fail(reterr, SNPM_EVERIFY,
				 "data block 0, the only one, does not match the root hash");
	if (root)
		return snpm_fail(reterr, SNPM_EVERIFY,
				 "the root hash does not match the top of the tree");
	if (data)
		return snpm_fail(reterr, SNPM_EVERIFY, "data block %llu does not match its hash",
				 (unsigned long long)index);
	return snpm_fail(reterr, SNPM_EVERIFY,
			 "hash block %llu of level %u does not match its parent",
			 (unsigned long long)index, level);
}

/*
 * What the parent blocks of `count` entries hold besides them must be zero: the padding after
 * each digest (format 1) and the slots past the last entry. veritysetup refuses a tree that
 * differs ("Spare area is not zeroed", verity_hash.c verify_zero): a superblock that now claims
 * fewer data blocks than were hashed would otherwise verify.
 */
static int check_spare(struct checker *c, unsigned parent_level, uint64_t count,
		       struct snpm_error *reterr)
{
	const uint32_t hbs = c->p->hash_block_size, per = 1u << c->s->per_block_bits;
	const uint32_t stride = c->s->stride, digest = c->s->digest;
	uint64_t blocks = (count + per - 1) / per;

	for (uint64_t b = 0; b < blocks; b++) {
		uint64_t used = count - b * per < per ? count - b * per : per;
		if (pread_full(c->hash_fd, c->buf, hbs,
			       (c->s->level_block[parent_level] + b) * hbs) < 0)
			return snpm_fail(reterr, SNPM_EIO, "cannot read the tree");
		c->parent_block = UINT64_MAX; /* c->buf is not the cached parent */
		for (uint32_t at = 0; at < hbs; at++) {
			bool entry = at / stride < used && at % stride < digest;
			if (entry || !c->buf[at])
				continue;
			*c->miss = (struct snpm_verity_mismatch){ true, false, parent_level, b,
								  false };
			return snpm_fail(
				reterr, SNPM_EVERIFY,
				"hash block %llu of level %u: the spare area is not zeroed "
				"(byte %u); veritysetup refuses it too",
				(unsigned long long)b, parent_level, at);
		}
	}
	return 0;
}

/* Every block of `level` (or the data when level is -1) against the entries above it. */
static int check_level(struct checker *c, int level, uint64_t count, struct snpm_error *reterr)
{
	const uint32_t bs = level < 0 ? c->p->data_block_size : c->p->hash_block_size;
	uint8_t digest[SNPM_VERITY_MAX_DIGEST];
	const uint8_t *want;
	int fd = level < 0 ? c->data_fd : c->hash_fd;
	int r = check_spare(c, (unsigned)(level + 1), count, reterr);

	if (r < 0)
		return r;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t off = level < 0 ? i * bs : (c->s->level_block[level] + i) * bs;
		if (pread_full(fd, c->buf, bs, off) < 0)
			return snpm_fail(reterr, SNPM_EIO, "cannot read block %llu",
					 (unsigned long long)i);
		if (hash_block(&c->h, c->buf, bs, digest) < 0)
			return snpm_fail_crypto(reterr, "hash failed");
		if (stored_entry(c, (unsigned)(level + 1), i, &want) < 0)
			return snpm_fail(reterr, SNPM_EIO, "cannot read the tree");
		if (memcmp(digest, want, c->s->digest) != 0)
			return mismatch(c, level < 0, level < 0 ? 0 : (unsigned)level, i, false,
					reterr);
	}
	return 0;
}

static int check_tree(struct checker *c, const uint8_t *root, size_t root_len,
		      struct snpm_error *reterr)
{
	const struct shape *s = c->s;
	uint8_t digest[SNPM_VERITY_MAX_DIGEST];
	uint32_t bs = s->levels ? c->p->hash_block_size : c->p->data_block_size;
	int r;

	if (root_len != s->digest)
		return snpm_fail(reterr, SNPM_EINVAL, "the root hash should be %u bytes",
				 s->digest);
	/* The root covers the top block (or the only data block). */
	if (pread_full(s->levels ? c->hash_fd : c->data_fd, c->buf, bs,
		       s->levels ? s->level_block[s->levels - 1] * bs : 0) < 0)
		return snpm_fail(reterr, SNPM_EIO, "cannot read the top of the tree");
	if (hash_block(&c->h, c->buf, bs, digest) < 0)
		return snpm_fail_crypto(reterr, "hash failed");
	if (memcmp(digest, root, root_len) != 0)
		return s->levels ? mismatch(c, false, s->levels - 1, 0, true, reterr) :
				   mismatch(c, true, 0, 0, true, reterr);
	/* Then each level against the one above, top down, and the data last. */
	for (int level = (int)s->levels - 2; level >= 0; level--) {
		r = check_level(c, level, s->level_size[level], reterr);
		if (r < 0)
			return r;
	}
	return s->levels ? check_level(c, -1, c->p->data_blocks, reterr) : 0;
}

int snpm_verity_verify(const char *data_path, const char *hash_path,
		       const struct snpm_verity_params *params_given, const uint8_t *root_hash,
		       size_t root_hash_len, struct snpm_verity_mismatch *ret_mismatch,
		       struct snpm_error *reterr)
{
	struct snpm_verity_params params_copy = { .size = sizeof(params_copy) };
	const struct snpm_verity_params *params = &params_copy;
	int sized = snpm_sized_in(params_given, sizeof(params_copy), &params_copy,
				  "snpm_verity_params", reterr);
	struct snpm_verity_mismatch miss = { 0 };
	struct snpm_verity_params p = { .size = sizeof(p) };
	struct checker c = { 0 };
	struct shape s;
	int r;

	if (sized < 0)
		return sized;

	/* Whatever happens below, the caller never reads an unset mismatch. */
	if (ret_mismatch)
		memset(ret_mismatch, 0, sizeof(*ret_mismatch));
	if (!data_path || !hash_path || !params || !root_hash)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "verify needs data, hash, parameters and root");
	p = *params;
	if (!params->no_superblock) {
		r = snpm_verity_read_superblock(hash_path, params->hash_offset, &p, reterr);
		if (r < 0)
			return r;
		p.threads = params->threads;
	}
	r = check_params(&p, reterr);
	c.data_fd = c.hash_fd = -1;
	if (r == 0 && (c.data_fd = snpm_io_open_fd(data_path, SNPM_IO_REGULAR, reterr)) < 0)
		r = snpm_io_name(data_path, c.data_fd, reterr);
	if (r == 0 &&
	    (c.hash_fd = snpm_io_open_fd(hash_path, SNPM_IO_REGULAR | SNPM_IO_DEVICES, reterr)) < 0)
		r = snpm_io_name(hash_path, c.hash_fd, reterr);
	if (r == 0 && !p.data_blocks)
		r = data_block_count(c.data_fd, &p, &p.data_blocks, reterr);
	if (r == 0)
		r = compute_shape(&p, p.data_blocks, &s, reterr);
	c.p = &p;
	c.s = &s;
	c.miss = &miss;
	c.parent_block = UINT64_MAX;
	c.parent = malloc(p.hash_block_size);
	c.buf = malloc(p.data_block_size > p.hash_block_size ? p.data_block_size :
							       p.hash_block_size);
	if (r == 0 && (!c.parent || !c.buf))
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	if (r == 0)
		r = hasher_init(&c.h, &p, reterr);
	if (r == 0)
		r = check_tree(&c, root_hash, root_hash_len, reterr);
	hasher_free(&c.h);
	free(c.parent);
	free(c.buf);
	if (c.data_fd >= 0)
		close(c.data_fd);
	if (c.hash_fd >= 0)
		close(c.hash_fd);
	if (ret_mismatch)
		*ret_mismatch = miss;
	return r;
}

static const struct snpm_name verity_hashes[] = {
	{ "sha256", SNPM_HASH_SHA256, 0 },
	{ "sha1", SNPM_HASH_SHA1, 0 },
	{ "sha512", SNPM_HASH_SHA512, 0 },
	{ NULL, 0, 0 },
};

const struct snpm_name *snpm_verity_hash_names(void)
{
	return verity_hashes;
}
