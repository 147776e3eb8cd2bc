/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The library's private crypto header (never installed), used by measure/ and image/: OpenSSL
 * error reporting, the one table of hash algorithms, and AMD's little-endian ECDSA form.
 */
#ifndef SNPM_MEASURE_CRYPTO_H
#define SNPM_MEASURE_CRYPTO_H

#include "../core/core.h"

/* Fills reterr with what failed and OpenSSL's queued error string; returns SNPM_ECRYPTO. */
int snpm_fail_crypto(struct snpm_error *reterr, const char *what);

#include <openssl/err.h>
#include <openssl/evp.h>

#include <snpm/measure.h>

/* OpenSSL's digest for a hash algorithm (measure/hash.c holds the table), or NULL. */
const EVP_MD *snpm_hash_md(enum snpm_hash_alg alg);

/* ECDSA-SHA384 verification with r and s as AMD's 72-byte little-endian values. Returns 0 and
 * *ret_ok, or a negative code when the check could not be run. */
int snpm_ecdsa_verify_le(EVP_PKEY *key, const uint8_t *data, size_t len, const uint8_t r_le[72],
			 const uint8_t s_le[72], bool *ret_ok, struct snpm_error *reterr);

#endif /* SNPM_MEASURE_CRYPTO_H */
