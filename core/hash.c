/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 and SHA-384 through OpenSSL's EVP interface. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include <snpm/hash.h>

#include "crypto.h"

struct snpm_hash {
	EVP_MD_CTX *ctx;
};

int snpm_fail_crypto(struct snpm_error *reterr, const char *what)
{
	char buf[160];
	unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "no OpenSSL error queued");
	ERR_clear_error();
	return snpm_fail(reterr, SNPM_ECRYPTO, "%s: %s", what, buf);
}

/* OpenSSL's digest of each algorithm (their names: hash_names below). */
static const struct hash_alg {
	enum snpm_hash_alg alg;
	const EVP_MD *(*md)(void);
} hash_algs[] = {
	{ SNPM_HASH_SHA256, EVP_sha256 },
	{ SNPM_HASH_SHA384, EVP_sha384 },
	{ SNPM_HASH_SHA1, EVP_sha1 },
	{ SNPM_HASH_SHA512, EVP_sha512 },
};

static const struct hash_alg *hash_alg(enum snpm_hash_alg alg)
{
	for (size_t i = 0; i < sizeof(hash_algs) / sizeof(hash_algs[0]); i++)
		if (hash_algs[i].alg == alg)
			return &hash_algs[i];
	return NULL;
}

const EVP_MD *snpm_hash_md(enum snpm_hash_alg alg)
{
	const struct hash_alg *a = hash_alg(alg);

	return a ? a->md() : NULL;
}

#define hash_md snpm_hash_md

/* The names veritysetup spells, in the order its --hash documents them. */
static const struct snpm_name hash_names[] = {
	{ "sha256", SNPM_HASH_SHA256, 0 },
	{ "sha384", SNPM_HASH_SHA384, 0 },
	{ "sha1", SNPM_HASH_SHA1, 0 },
	{ "sha512", SNPM_HASH_SHA512, 0 },
	{ NULL, 0, 0 },
};

const struct snpm_name *snpm_hash_names(void)
{
	return hash_names;
}

const char *snpm_hash_name(enum snpm_hash_alg alg)
{
	return snpm_name_of(hash_names, (uint64_t)alg);
}

int snpm_hash_parse(const char *name, enum snpm_hash_alg *ret)
{
	uint64_t v;

	if (snpm_name_parse(hash_names, name, &v) < 0)
		return SNPM_EINVAL;
	*ret = (enum snpm_hash_alg)v;
	return 0;
}

size_t snpm_hash_size(enum snpm_hash_alg alg)
{
	const EVP_MD *md = hash_md(alg);

	return md ? (size_t)EVP_MD_get_size(md) : 0;
}

int snpm_hash_new(enum snpm_hash_alg alg, struct snpm_hash **ret, struct snpm_error *reterr)
{
	const EVP_MD *md = hash_md(alg);
	struct snpm_hash *h;

	if (!md || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "unknown hash algorithm %d", (int)alg);
	h = calloc(1, sizeof(*h));
	if (!h)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, md, NULL) != 1) {
		snpm_hash_free(h);
		return snpm_fail_crypto(reterr, "cannot start digest");
	}
	*ret = h;
	return 0;
}

int snpm_hash_update(struct snpm_hash *h, const void *data, size_t len, struct snpm_error *reterr)
{
	if (EVP_DigestUpdate(h->ctx, data, len) != 1)
		return snpm_fail_crypto(reterr, "digest update failed");
	return 0;
}

int snpm_hash_final(struct snpm_hash *h, uint8_t *out, struct snpm_error *reterr)
{
	if (EVP_DigestFinal_ex(h->ctx, out, NULL) != 1)
		return snpm_fail_crypto(reterr, "digest final failed");
	return 0;
}

int snpm_hash_dup(const struct snpm_hash *h, struct snpm_hash **ret, struct snpm_error *reterr)
{
	struct snpm_hash *copy = calloc(1, sizeof(*copy));

	if (!copy)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	copy->ctx = EVP_MD_CTX_new();
	if (!copy->ctx || EVP_MD_CTX_copy_ex(copy->ctx, h->ctx) != 1) {
		snpm_hash_free(copy);
		return snpm_fail_crypto(reterr, "cannot copy digest state");
	}
	*ret = copy;
	return 0;
}

void snpm_hash_free(struct snpm_hash *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

int snpm_digest(enum snpm_hash_alg alg, const void *data, size_t len, uint8_t *out,
		struct snpm_error *reterr)
{
	const EVP_MD *md = hash_md(alg);

	if (!md)
		return snpm_fail(reterr, SNPM_EINVAL, "unknown hash algorithm %d", (int)alg);
	if (EVP_Digest(data, len, out, NULL, md, NULL) != 1)
		return snpm_fail_crypto(reterr, "digest failed");
	return 0;
}

const uint8_t snpm_sha256_of_nothing[SNPM_SHA256_SIZE] = {
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
	0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
	0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};
