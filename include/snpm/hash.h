/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hashing: a thin wrapper over OpenSSL, so callers need no OpenSSL headers. Used by every layer
 * of the library (launch digests, verity trees, file digests); <snpm/measure.h> includes it.
 */
#ifndef SNPM_HASH_H
#define SNPM_HASH_H

#include <snpm/common.h>

#ifdef __cplusplus
extern "C" {
#endif

enum snpm_hash_alg {
	SNPM_HASH_SHA256 = 1,
	SNPM_HASH_SHA384 = 2,
	SNPM_HASH_SHA1 = 3, /* dm-verity compatibility only */
	SNPM_HASH_SHA512 = 4,
};

/* Digest size in bytes, or 0 for an unknown algorithm. */
SNPM_EXPORT size_t snpm_hash_size(enum snpm_hash_alg alg);
/* The hash name as veritysetup spells it ("sha256"), or NULL; and back (0 or SNPM_EINVAL). */
SNPM_EXPORT const char *snpm_hash_name(enum snpm_hash_alg alg);
SNPM_EXPORT int snpm_hash_parse(const char *name, enum snpm_hash_alg *ret);
/* The table of those names. */
SNPM_EXPORT const struct snpm_name *snpm_hash_names(void);

struct snpm_hash;

/* Starts an incremental hash. *ret is owned by the caller: free with snpm_hash_free(). */
SNPM_EXPORT int snpm_hash_new(enum snpm_hash_alg alg, struct snpm_hash **ret,
			      struct snpm_error *reterr);
SNPM_EXPORT int snpm_hash_update(struct snpm_hash *h, const void *data, size_t len,
				 struct snpm_error *reterr);
/* Writes the digest (32 or 48 bytes) to out; the hash must not be updated afterwards. */
SNPM_EXPORT int snpm_hash_final(struct snpm_hash *h, uint8_t *out, struct snpm_error *reterr);
/* A copy of the hash state so far, to branch a shared prefix. Free with snpm_hash_free(). */
SNPM_EXPORT int snpm_hash_dup(const struct snpm_hash *h, struct snpm_hash **ret,
			      struct snpm_error *reterr);
/* Accepts NULL. */
SNPM_EXPORT void snpm_hash_free(struct snpm_hash *h);
/* One-shot digest. */
SNPM_EXPORT int snpm_digest(enum snpm_hash_alg alg, const void *data, size_t len, uint8_t *out,
			    struct snpm_error *reterr);

/* SHA-256 of no bytes: the initrd digest QEMU measures when there is no initrd. */
SNPM_EXPORT extern const uint8_t snpm_sha256_of_nothing[SNPM_SHA256_SIZE];

#ifdef __cplusplus
}
#endif

#endif /* SNPM_HASH_H */
