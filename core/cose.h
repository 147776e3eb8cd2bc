/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: COSE_Sign1 (RFC 9052 4.2, 4.4) as reference-value documents use it: ES256 or ES384
 * (RFC 9053 2.1), r || s signatures, the payload attached or detached. core/cose.c.
 */
#ifndef SNPM_CORE_COSE_H
#define SNPM_CORE_COSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cbor.h>
#include <openssl/evp.h>

#include "core.h"

#define SNPM_COSE_ES256 (-7)
#define SNPM_COSE_ES384 (-35)

/* A COSE_Sign1 as read: its parts point into the tree (root), kept until snpm_cose_free(). */
struct snpm_cose {
	cbor_item_t *root;
	cbor_item_t *protected_bytes;
	const uint8_t *payload; /* NULL when detached */
	size_t payload_len;
	int bits; /* 256 (ES256) or 384 (ES384) */
	bool has_content_type;
	char content_type[64];
	const uint8_t *signature;
	size_t signature_len;
};

/*
 * Reads data as one COSE_Sign1 (tagged 18 or not): protected header with alg ES256 or ES384 and
 * no critical headers (refused: nothing here understands them), an optional content type, an
 * unprotected header empty or holding a kid alone. Returns 0, SNPM_EMALFORMED or
 * SNPM_EUNSUPPORTED. On success free with snpm_cose_free().
 */
int snpm_cose_read(const uint8_t *data, size_t len, struct snpm_cose *ret,
		   struct snpm_error *reterr);
void snpm_cose_free(struct snpm_cose *c);

/* Verifies c over payload (the attached one when payload is NULL) with key. 0 or SNPM_EVERIFY. */
int snpm_cose_verify(const struct snpm_cose *c, const uint8_t *payload, size_t payload_len,
		     EVP_PKEY *key, struct snpm_error *reterr);

/* An EC public key in PEM (SubjectPublicKeyInfo, or a certificate's). 0 or SNPM_EMALFORMED. */
int snpm_cose_public_key(const char *pem, size_t len, EVP_PKEY **ret, struct snpm_error *reterr);

/*
 * Signs payload with a P-384 private key (PEM) as ES384 and returns the tagged COSE_Sign1
 * (malloc'd): protected {1: -35, 3: content_type, 8: meta (encoded CBOR, when given)}, the
 * payload attached. ECDSA is randomized unless OpenSSL offers RFC 6979 nonces (3.2 and later).
 * Returns 0, SNPM_EINVAL (the key), SNPM_ECRYPTO or SNPM_ENOMEM.
 */
int snpm_cose_sign(const uint8_t *payload, size_t payload_len, const char *content_type,
		   const uint8_t *meta, size_t meta_len, const char *key_pem, size_t key_len,
		   uint8_t **ret, size_t *ret_len, struct snpm_error *reterr);

#endif /* SNPM_CORE_COSE_H */
