/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ID blocks and ID authentication structures (SEV-SNP ABI specification, SNP_LAUNCH_FINISH:
 * "ID Block Structure" and "ID Authentication Information Structure"), byte-compatible with
 * the reference snp-create-id-block.
 */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <snpm/report.h>

#include "../core/crypto.h"
#include "signature.h"

enum {
	/* ID block */
	IB_LD = 0x00, /* 48: the launch digest */
	IB_FAMILY_ID = 0x30, /* 16 */
	IB_IMAGE_ID = 0x40, /* 16 */
	IB_VERSION = 0x50, /* u32: 1 */
	IB_GUEST_SVN = 0x54, /* u32 */
	IB_POLICY = 0x58, /* u64 */
	IB_END = 0x60,
	/* ID authentication information */
	IA_ID_KEY_ALGO = 0x000, /* u32: 1 = ECDSA P-384 with SHA-384 */
	IA_AUTH_KEY_ALGO = 0x004, /* u32: 1 */
	IA_ID_BLOCK_SIG = 0x040, /* 512: signature of the ID block by the ID key */
	IA_ID_KEY = 0x240, /* 1028: the ID public key */
	IA_ID_KEY_SIG = 0x680, /* 512: signature of the ID key by the author key */
	IA_AUTHOR_KEY = 0x880, /* 1028: the author public key */
	IA_END = 0x1000,
	/* ECDSA public key: u32 curve (2 = P-384), qx, qy (72 bytes little-endian each) */
	PK_CURVE = 0,
	PK_QX = 4,
	PK_QY = 4 + SNPM_ECDSA_COORD_SIZE,
	/* ECDSA signature: r, s (72 bytes little-endian each), then 368 reserved bytes */
	SIG_R = 0,
	SIG_S = SNPM_ECDSA_COORD_SIZE,
	SIG_SIZE = 512,
};
_Static_assert(IB_END == SNPM_ID_BLOCK_SIZE, "ID block is 96 bytes");
_Static_assert(IA_END == SNPM_ID_AUTH_SIZE, "ID auth is 4096 bytes");
_Static_assert(IA_ID_KEY + SNPM_EC_PUBKEY_SIZE + 60 == IA_ID_KEY_SIG, "60 reserved bytes");
_Static_assert(IA_AUTHOR_KEY + SNPM_EC_PUBKEY_SIZE + 892 == IA_END, "892 reserved bytes");

#define ALGO_ECDSA_P384_SHA384 1u
#define CURVE_P384 2u

static int check_p384(EVP_PKEY *k, const char *what, struct snpm_error *reterr)
{
	char group[64];

	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC ||
	    EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					   NULL) != 1 ||
	    strcmp(group, "secp384r1") != 0) {
		ERR_clear_error();
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "%s is not an ECDSA P-384 key", what);
	}
	return 0;
}

/*
 * A key from PEM: private when private is true, else private or public. The PEM armour is
 * undone first and the label decides the one DER decoder to try, rather than letting OpenSSL
 * guess among all it knows. Encrypted keys are refused (nothing may prompt for a password).
 */
static EVP_PKEY *decode_key(const char *label, const unsigned char *der, long len, bool private)
{
	const unsigned char *p = der;

	if (strcmp(label, "PRIVATE KEY") == 0 || strcmp(label, "EC PRIVATE KEY") == 0)
		return d2i_AutoPrivateKey(NULL, &p, len);
	if (!private && strcmp(label, "PUBLIC KEY") == 0)
		return d2i_PUBKEY(NULL, &p, len);
	return NULL;
}

static int load_key(const char *pem, size_t len, bool private, const char *what, EVP_PKEY **ret,
		    struct snpm_error *reterr)
{
	BIO *bio = len <= 1u << 20 ? BIO_new_mem_buf(pem, (int)len) : NULL;
	char *label = NULL, *header = NULL;
	unsigned char *der = NULL;
	long der_len = 0;
	EVP_PKEY *k = NULL;

	if (bio && PEM_read_bio(bio, &label, &header, &der, &der_len) == 1 && (!header || !*header))
		k = decode_key(label, der, der_len, private);
	if (der)
		OPENSSL_clear_free(der, (size_t)der_len);
	OPENSSL_free(label);
	OPENSSL_free(header);
	BIO_free(bio);
	ERR_clear_error();
	if (!k)
		return snpm_fail(reterr, SNPM_EINVAL, "%s is not a PEM %s key (unencrypted)", what,
				 private ? "private" : "public or private");
	int r = check_p384(k, what, reterr);
	if (r < 0) {
		EVP_PKEY_free(k);
		return r;
	}
	*ret = k;
	return 0;
}

int snpm_private_key_check(const char *pem, size_t len, struct snpm_error *reterr)
{
	EVP_PKEY *k = NULL;
	int r = pem ? load_key(pem, len, true, "the key", &k, reterr) :
		      snpm_fail(reterr, SNPM_EINVAL, "no key");

	EVP_PKEY_free(k);
	return r;
}

/* The 1028-byte public key structure. */
static int marshal_pubkey(EVP_PKEY *k, uint8_t out[SNPM_EC_PUBKEY_SIZE], struct snpm_error *reterr)
{
	BIGNUM *x = NULL, *y = NULL;
	int ok;

	memset(out, 0, SNPM_EC_PUBKEY_SIZE);
	snpm_put_le32(out + PK_CURVE, CURVE_P384);
	ok = EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
	     EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 &&
	     BN_bn2lebinpad(x, out + PK_QX, SNPM_ECDSA_COORD_SIZE) == SNPM_ECDSA_COORD_SIZE &&
	     BN_bn2lebinpad(y, out + PK_QY, SNPM_ECDSA_COORD_SIZE) == SNPM_ECDSA_COORD_SIZE;
	BN_free(x);
	BN_free(y);
	return ok ? 0 : snpm_fail_crypto(reterr, "cannot read the public key");
}

/* ECDSA-SHA384 signature in AMD's 512-byte layout. */
static int sign_le(EVP_PKEY *k, const uint8_t *data, size_t len, uint8_t out[SIG_SIZE],
		   struct snpm_error *reterr)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char der[256];
	const unsigned char *p = der;
	size_t der_len = sizeof(der);
	ECDSA_SIG *sig = NULL;
	const BIGNUM *r, *s;
	int ok;

	memset(out, 0, SIG_SIZE);
	ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, k) == 1 &&
	     EVP_DigestSign(ctx, der, &der_len, data, len) == 1 &&
	     (sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) != NULL;
	if (ok) {
		ECDSA_SIG_get0(sig, &r, &s);
		ok = BN_bn2lebinpad(r, out + SIG_R, SNPM_ECDSA_COORD_SIZE) > 0 &&
		     BN_bn2lebinpad(s, out + SIG_S, SNPM_ECDSA_COORD_SIZE) > 0;
	}
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : snpm_fail_crypto(reterr, "cannot sign");
}

static void build_block(const struct snpm_id_block_params *p, uint8_t b[SNPM_ID_BLOCK_SIZE])
{
	memset(b, 0, SNPM_ID_BLOCK_SIZE);
	memcpy(b + IB_LD, p->measurement, SNPM_LD_SIZE);
	memcpy(b + IB_FAMILY_ID, p->family_id, 16);
	memcpy(b + IB_IMAGE_ID, p->image_id, 16);
	snpm_put_le32(b + IB_VERSION, 1);
	snpm_put_le32(b + IB_GUEST_SVN, p->guest_svn);
	snpm_put_le64(b + IB_POLICY, p->policy);
}

int snpm_id_block_create(const struct snpm_id_block_params *params_given, const char *id_key_pem,
			 size_t id_key_len, const char *author_key_pem, size_t author_key_len,
			 uint8_t ret_block[SNPM_ID_BLOCK_SIZE], uint8_t ret_auth[SNPM_ID_AUTH_SIZE],
			 uint8_t ret_id_key_digest[SNPM_SHA384_SIZE],
			 uint8_t ret_author_key_digest[SNPM_SHA384_SIZE], struct snpm_error *reterr)
{
	struct snpm_id_block_params params_copy = { .size = sizeof(params_copy) };
	const struct snpm_id_block_params *params = &params_copy;
	int sized = snpm_sized_in(params_given, sizeof(params_copy), &params_copy,
				  "snpm_id_block_params", reterr);
	static uint8_t zero_auth[SNPM_ID_AUTH_SIZE];
	uint8_t block[SNPM_ID_BLOCK_SIZE], auth[SNPM_ID_AUTH_SIZE], id_d[48], author_d[48];
	EVP_PKEY *id = NULL, *author = NULL;
	int r;

	if (sized < 0)
		return sized;

	if (!params || !id_key_pem || !author_key_pem)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "an ID block needs a measurement and two keys");
	memcpy(auth, zero_auth, sizeof(auth));
	build_block(params, block);
	snpm_put_le32(auth + IA_ID_KEY_ALGO, ALGO_ECDSA_P384_SHA384);
	snpm_put_le32(auth + IA_AUTH_KEY_ALGO, ALGO_ECDSA_P384_SHA384);
	r = load_key(id_key_pem, id_key_len, true, "the ID key", &id, reterr);
	if (r == 0)
		r = load_key(author_key_pem, author_key_len, true, "the author key", &author,
			     reterr);
	if (r == 0)
		r = marshal_pubkey(id, auth + IA_ID_KEY, reterr);
	if (r == 0)
		r = marshal_pubkey(author, auth + IA_AUTHOR_KEY, reterr);
	if (r == 0)
		r = sign_le(id, block, sizeof(block), auth + IA_ID_BLOCK_SIG, reterr);
	if (r == 0)
		r = sign_le(author, auth + IA_ID_KEY, SNPM_EC_PUBKEY_SIZE, auth + IA_ID_KEY_SIG,
			    reterr);
	if (r == 0)
		r = snpm_digest(SNPM_HASH_SHA384, auth + IA_ID_KEY, SNPM_EC_PUBKEY_SIZE, id_d,
				reterr);
	if (r == 0)
		r = snpm_digest(SNPM_HASH_SHA384, auth + IA_AUTHOR_KEY, SNPM_EC_PUBKEY_SIZE,
				author_d, reterr);
	EVP_PKEY_free(id);
	EVP_PKEY_free(author);
	if (r < 0)
		return r;
	memcpy(ret_block, block, sizeof(block));
	memcpy(ret_auth, auth, sizeof(auth));
	if (ret_id_key_digest)
		memcpy(ret_id_key_digest, id_d, sizeof(id_d));
	if (ret_author_key_digest)
		memcpy(ret_author_key_digest, author_d, sizeof(author_d));
	return 0;
}

int snpm_key_digest(const char *pem, size_t len, uint8_t ret[SNPM_SHA384_SIZE],
		    struct snpm_error *reterr)
{
	uint8_t pub[SNPM_EC_PUBKEY_SIZE];
	EVP_PKEY *k = NULL;
	int r = load_key(pem, len, false, "the key", &k, reterr);

	if (r == 0)
		r = marshal_pubkey(k, pub, reterr);
	EVP_PKEY_free(k);
	return r < 0 ? r : snpm_digest(SNPM_HASH_SHA384, pub, sizeof(pub), ret, reterr);
}

/* A P-384 public key from the 1028-byte structure. */
static int unmarshal_pubkey(const uint8_t in[SNPM_EC_PUBKEY_SIZE], EVP_PKEY **ret,
			    struct snpm_error *reterr)
{
	uint8_t point[1 + 2 * 48];
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;

	if (snpm_le32(in + PK_CURVE) != CURVE_P384)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "key curve %u is not P-384",
				 snpm_le32(in + PK_CURVE));
	/* Uncompressed SEC1 point: 04 || X || Y, big-endian. */
	point[0] = 4;
	for (int i = 0; i < 48; i++) {
		point[1 + i] = in[PK_QX + 47 - i];
		point[49 + i] = in[PK_QY + 47 - i];
	}
	bld = OSSL_PARAM_BLD_new();
	if (bld &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "secp384r1", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)))
		params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	if (!k)
		return snpm_fail_crypto(reterr, "not a P-384 public key");
	*ret = k;
	return 0;
}

static int check_sig(const uint8_t key[SNPM_EC_PUBKEY_SIZE], const uint8_t *data, size_t len,
		     const uint8_t sig[SIG_SIZE], const char *what, struct snpm_error *reterr)
{
	EVP_PKEY *k = NULL;
	bool ok = false;
	int r = unmarshal_pubkey(key, &k, reterr);

	if (r == 0)
		r = snpm_ecdsa_verify_le(k, data, len, sig + SIG_R, sig + SIG_S, &ok, reterr);
	EVP_PKEY_free(k);
	if (r == 0 && !ok)
		r = snpm_fail(reterr, SNPM_EVERIFY, "%s does not verify", what);
	return r;
}

int snpm_id_auth_verify(const uint8_t block[SNPM_ID_BLOCK_SIZE],
			const uint8_t auth[SNPM_ID_AUTH_SIZE], struct snpm_error *reterr)
{
	int r;

	if (snpm_le32(auth + IA_ID_KEY_ALGO) != ALGO_ECDSA_P384_SHA384 ||
	    snpm_le32(auth + IA_AUTH_KEY_ALGO) != ALGO_ECDSA_P384_SHA384)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "key algorithms are not ECDSA P-384");
	r = check_sig(auth + IA_ID_KEY, block, SNPM_ID_BLOCK_SIZE, auth + IA_ID_BLOCK_SIG,
		      "the ID block signature", reterr);
	if (r == 0)
		r = check_sig(auth + IA_AUTHOR_KEY, auth + IA_ID_KEY, SNPM_EC_PUBKEY_SIZE,
			      auth + IA_ID_KEY_SIG, "the ID key signature", reterr);
	return r;
}
