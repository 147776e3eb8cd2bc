/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The library's private crypto header (never installed), used by every layer: OpenSSL error
 * reporting and the one table of hash algorithms.
 */
#ifndef SNPM_CORE_CRYPTO_H
#define SNPM_CORE_CRYPTO_H

#include "core.h"

/* Fills reterr with what failed and OpenSSL's queued error string; returns SNPM_ECRYPTO. */
int snpm_fail_crypto(struct snpm_error *reterr, const char *what);

#include <openssl/err.h>
#include <openssl/evp.h>

#include <snpm/hash.h>

/* OpenSSL's digest for a hash algorithm (core/hash.c holds the table), or NULL. */
const EVP_MD *snpm_hash_md(enum snpm_hash_alg alg);

#endif /* SNPM_CORE_CRYPTO_H */
