/* SPDX-License-Identifier: Apache-2.0 */
/* COSE_Sign1 with ECDSA (core/cose.h): libcbor for the structure, OpenSSL for the signature. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cbor.h"
#include "cose.h"
#include "crypto.h"

#define MAX_DEPTH 16
#define COSE_SIGN1_TAG 18
#define HDR_ALG 1
#define HDR_CRIT 2
#define HDR_CONTENT_TYPE 3
#define HDR_KID 4

static int bad(struct snpm_error *reterr, const char *what)
{
	return snpm_fail(reterr, SNPM_EMALFORMED, "COSE_Sign1: %s", what);
}

/* The protected header: alg, no crit, an optional text content type; other labels are only
 * ever informative (a kid, CoRIM's meta) and are left to the caller. */
static int read_protected(struct snpm_cose *c, struct snpm_error *reterr)
{
	cbor_item_t *map = snpm_cbor_decode_all(cbor_bytestring_handle(c->protected_bytes),
						cbor_bytestring_length(c->protected_bytes),
						MAX_DEPTH);
	int64_t alg = 0;
	int r = 0;

	if (!map || !cbor_isa_map(map) || !cbor_map_is_definite(map))
		r = bad(reterr, "the protected header is not a map");
	for (size_t i = 0; r == 0 && i < cbor_map_size(map); i++) {
		cbor_item_t *k = cbor_map_handle(map)[i].key, *v = cbor_map_handle(map)[i].value;
		uint64_t label;
		if (!snpm_cbor_uint(k, &label))
			continue;
		if (label == HDR_CRIT)
			r = snpm_fail(reterr, SNPM_EUNSUPPORTED,
				      "COSE_Sign1: critical headers are not understood");
		else if (label == HDR_ALG && cbor_isa_negint(v) && cbor_get_int(v) < 64)
			alg = -1 - (int64_t)cbor_get_int(v);
		else if (label == HDR_CONTENT_TYPE && cbor_isa_string(v) &&
			 cbor_string_is_definite(v) &&
			 cbor_string_length(v) < sizeof(c->content_type)) {
			memcpy(c->content_type, cbor_string_handle(v), cbor_string_length(v));
			c->content_type[cbor_string_length(v)] = 0;
			c->has_content_type = memchr(c->content_type, 0, cbor_string_length(v)) ==
					      NULL;
			if (!c->has_content_type)
				r = bad(reterr, "the content type holds a NUL");
		} else if (label == HDR_CONTENT_TYPE) {
			r = bad(reterr, "the content type is not a short text");
		}
	}
	if (map)
		cbor_decref(&map);
	if (r == 0 && alg != SNPM_COSE_ES256 && alg != SNPM_COSE_ES384)
		r = snpm_fail(reterr, SNPM_EUNSUPPORTED,
			      "COSE_Sign1: algorithm %lld is not ES256 (-7) or ES384 (-35)",
			      (long long)alg);
	c->bits = alg == SNPM_COSE_ES256 ? 256 : 384;
	return r;
}

/* An unprotected header empty or with a kid alone (it is not covered by the signature). */
static bool unprotected_ok(cbor_item_t *m)
{
	uint64_t label;

	if (!cbor_isa_map(m) || !cbor_map_is_definite(m) || cbor_map_size(m) > 1)
		return false;
	return cbor_map_size(m) == 0 ||
	       (snpm_cbor_uint(cbor_map_handle(m)[0].key, &label) && label == HDR_KID &&
		snpm_cbor_bytes_of(cbor_map_handle(m)[0].value, SIZE_MAX));
}

int snpm_cose_read(const uint8_t *data, size_t len, struct snpm_cose *ret,
		   struct snpm_error *reterr)
{
	cbor_item_t *root, *a, *payload, *sig;
	int r;

	memset(ret, 0, sizeof(*ret));
	/* Tag 18 is one byte, 0xd2, which libcbor 0.8 (Debian 12's) cannot decode: it is taken
	 * here and the array decoded alone. */
	if (len > 1 && data[0] == 0xc0 + COSE_SIGN1_TAG)
		data++, len--;
	root = snpm_cbor_decode_all(data, len, MAX_DEPTH);
	if (!root)
		return bad(reterr, "not one CBOR item");
	a = root;
	if (!snpm_cbor_array_of(a, 4) ||
	    !snpm_cbor_bytes_of(ret->protected_bytes = cbor_array_handle(a)[0], SIZE_MAX) ||
	    !snpm_cbor_bytes_of(sig = cbor_array_handle(a)[3], SIZE_MAX)) {
		cbor_decref(&root);
		return bad(reterr, "not [protected, unprotected, payload, signature]");
	}
	ret->root = root;
	payload = cbor_array_handle(a)[2];
	if (snpm_cbor_bytes_of(payload, SIZE_MAX)) {
		ret->payload = cbor_bytestring_handle(payload);
		ret->payload_len = cbor_bytestring_length(payload);
	} else if (!cbor_is_null(payload)) {
		r = bad(reterr, "the payload is neither bytes nor nil");
		goto fail;
	}
	if (!unprotected_ok(cbor_array_handle(a)[1])) {
		r = snpm_fail(
			reterr, SNPM_EUNSUPPORTED,
			"COSE_Sign1: unprotected headers other than a kid are not understood");
		goto fail;
	}
	ret->signature = cbor_bytestring_handle(sig);
	ret->signature_len = cbor_bytestring_length(sig);
	r = read_protected(ret, reterr);
	if (r == 0)
		return 0;
fail:
	snpm_cose_free(ret);
	return r;
}

void snpm_cose_free(struct snpm_cose *c)
{
	if (c && c->root)
		cbor_decref(&c->root);
	if (c)
		memset(c, 0, sizeof(*c));
}

/* Sig_structure = ["Signature1", protected, external_aad h'', payload] (RFC 9052 4.4). */
static uint8_t *to_be_signed(cbor_item_t *protected_bytes, const uint8_t *payload, size_t len,
			     size_t *ret_len)
{
	cbor_item_t *a = cbor_new_definite_array(4);
	uint8_t *buf = NULL;

	if (a && snpm_cbor_push(a, cbor_build_string("Signature1")) &&
	    cbor_array_push(a, protected_bytes) &&
	    snpm_cbor_push(a, cbor_build_bytestring(NULL, 0)) &&
	    snpm_cbor_push(a, cbor_build_bytestring(payload, len)))
		buf = snpm_cbor_encode(a, ret_len);
	if (a)
		cbor_decref(&a);
	return buf;
}

int snpm_cose_verify(const struct snpm_cose *c, const uint8_t *payload, size_t payload_len,
		     EVP_PKEY *key, struct snpm_error *reterr)
{
	size_t half = c->bits == 256 ? 32 : 48, msg_len = 0;
	unsigned char *der = NULL;
	uint8_t *msg;
	int der_len, ok = 0;

	if (!payload)
		payload = c->payload, payload_len = c->payload_len;
	/* r || s, each half: nothing is read before the length is known to hold them. */
	if (!payload)
		return snpm_fail(reterr, SNPM_EVERIFY, "COSE_Sign1: no payload to verify");
	if (c->signature_len != 2 * half)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "COSE_Sign1: the signature is %zu bytes, not %zu (r || s)",
				 c->signature_len, 2 * half);
	if (EVP_PKEY_get_bits(key) != (int)(half == 32 ? 256 : 384))
		return snpm_fail(reterr, SNPM_EVERIFY,
				 "the signature does not verify with this key (its curve is "
				 "not the algorithm's)");
	msg = to_be_signed(c->protected_bytes, payload, payload_len, &msg_len);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(c->signature, (int)half, NULL);
	BIGNUM *s = BN_bin2bn(c->signature + half, (int)half, NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (msg && sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
		r = s = NULL;
		der_len = i2d_ECDSA_SIG(sig, &der);
		ok = der_len > 0 && ctx &&
		     EVP_DigestVerifyInit(ctx, NULL, half == 32 ? EVP_sha256() : EVP_sha384(), NULL,
					  key) == 1 &&
		     EVP_DigestVerify(ctx, der, (size_t)der_len, msg, msg_len) == 1;
	}
	OPENSSL_free(der);
	BN_free(r), BN_free(s), ECDSA_SIG_free(sig), EVP_MD_CTX_free(ctx);
	free(msg);
	ERR_clear_error();
	return ok ? 0 :
		    snpm_fail(reterr, SNPM_EVERIFY, "the signature does not verify with this key");
}

int snpm_cose_public_key(const char *pem, size_t len, EVP_PKEY **ret, struct snpm_error *reterr)
{
	BIO *bio = len <= INT32_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
	EVP_PKEY *key = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;

	if (!key && bio && BIO_reset(bio) == 1) { /* a certificate's key */
		X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		key = cert ? X509_get_pubkey(cert) : NULL;
		X509_free(cert);
	}
	BIO_free(bio);
	if (!key || EVP_PKEY_base_id(key) != EVP_PKEY_EC) {
		EVP_PKEY_free(key);
		ERR_clear_error();
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "the key is not an EC public key or certificate in PEM");
	}
	*ret = key;
	return 0;
}

/* ---- signing ---- */

static int load_private(const char *pem, size_t len, EVP_PKEY **ret, struct snpm_error *reterr)
{
	BIO *bio = len <= INT32_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	ERR_clear_error();
	if (!key || EVP_PKEY_base_id(key) != EVP_PKEY_EC || EVP_PKEY_get_bits(key) != 384) {
		EVP_PKEY_free(key);
		return snpm_fail(reterr, SNPM_EINVAL,
				 "the signing key is not a P-384 private key in PEM (ES384)");
	}
	*ret = key;
	return 0;
}

/* The protected header, encoded: {1: -35, 3: content type, 8: meta}. */
static cbor_item_t *protected_header(const char *content_type, const uint8_t *meta, size_t meta_len)
{
	cbor_item_t *m = cbor_new_definite_map(meta ? 3 : 2), *bytes = NULL;
	uint8_t *enc;
	size_t len;

	if (!m || !snpm_cbor_put(m, HDR_ALG, snpm_cbor_int_new(SNPM_COSE_ES384)) ||
	    !snpm_cbor_put(m, HDR_CONTENT_TYPE, cbor_build_string(content_type)) ||
	    (meta && !snpm_cbor_put(m, 8, cbor_build_bytestring(meta, meta_len)))) {
		if (m)
			cbor_decref(&m);
		return NULL;
	}
	enc = snpm_cbor_encode(m, &len);
	cbor_decref(&m);
	if (enc)
		bytes = cbor_build_bytestring(enc, len);
	free(enc);
	return bytes;
}

/* ECDSA over msg as r || s, 48 bytes each. */
static int sign_es384(EVP_PKEY *key, const uint8_t *msg, size_t msg_len, uint8_t rs[96],
		      struct snpm_error *reterr)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char der[160];
	size_t der_len = sizeof(der);
	const unsigned char *p = der;
	ECDSA_SIG *sig = NULL;
	int ok = ctx && EVP_DigestSignInit(ctx, &pctx, EVP_sha384(), NULL, key) == 1;

#ifdef OSSL_SIGNATURE_PARAM_NONCE_TYPE
	if (ok) { /* RFC 6979: the same document signs to the same bytes */
		unsigned int deterministic = 1;
		OSSL_PARAM params[] = { OSSL_PARAM_uint(OSSL_SIGNATURE_PARAM_NONCE_TYPE,
							&deterministic),
					OSSL_PARAM_END };
		ok = EVP_PKEY_CTX_set_params(pctx, params) == 1;
	}
#endif
	ok = ok && EVP_DigestSign(ctx, der, &der_len, msg, msg_len) == 1 &&
	     (sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) != NULL &&
	     BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 48) == 48 &&
	     BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 48, 48) == 48;
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : snpm_fail_crypto(reterr, "ES384 signing");
}

int snpm_cose_sign(const uint8_t *payload, size_t payload_len, const char *content_type,
		   const uint8_t *meta, size_t meta_len, const char *key_pem, size_t key_len,
		   uint8_t **ret, size_t *ret_len, struct snpm_error *reterr)
{
	EVP_PKEY *key = NULL;
	cbor_item_t *prot = NULL, *a = NULL, *tagged = NULL;
	uint8_t rs[96], *msg = NULL;
	size_t msg_len = 0;
	int r = load_private(key_pem, key_len, &key, reterr);

	if (r == 0 && (!(prot = protected_header(content_type, meta, meta_len)) ||
		       !(msg = to_be_signed(prot, payload, payload_len, &msg_len))))
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	if (r == 0)
		r = sign_es384(key, msg, msg_len, rs, reterr);
	if (r == 0 && (!(a = cbor_new_definite_array(4)) || !cbor_array_push(a, prot) ||
		       !snpm_cbor_push(a, cbor_new_definite_map(0)) ||
		       !snpm_cbor_push(a, cbor_build_bytestring(payload, payload_len)) ||
		       !snpm_cbor_push(a, cbor_build_bytestring(rs, sizeof(rs))) ||
		       !(tagged = cbor_build_tag(COSE_SIGN1_TAG, a)) ||
		       !(*ret = snpm_cbor_encode(tagged, ret_len))))
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	if (tagged)
		cbor_decref(&tagged);
	if (a)
		cbor_decref(&a);
	if (prot)
		cbor_decref(&prot);
	free(msg);
	EVP_PKEY_free(key);
	return r;
}
