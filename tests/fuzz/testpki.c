/* SPDX-License-Identifier: Apache-2.0 */
/* The test PKI of testpki.h, built with OpenSSL's X509 API. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "testpki.h"
#include "../../core/core.h"
#include "../../attest/kds.h"

static EVP_PKEY *rsa_key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
}

static EVP_PKEY *p384_key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
}

/* RSASSA-PSS with SHA-384, MGF1-SHA-384 and a 48-byte salt, as AMD signs its chains. */
static int sign_pss(X509 *cert, EVP_PKEY *issuer_key)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok = ctx && EVP_DigestSignInit(ctx, &pctx, EVP_sha384(), NULL, issuer_key) == 1 &&
		 EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
		 EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) == 1 &&
		 EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) == 1 &&
		 X509_sign_ctx(cert, ctx) > 0;

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

static X509 *new_cert(const char *cn, EVP_PKEY *key, long serial)
{
	X509 *c = X509_new();
	X509_NAME *name = X509_NAME_new();

	if (!c || !name)
		goto fail;
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
	X509_gmtime_adj(X509_getm_notBefore(c), 0);
	X509_gmtime_adj(X509_getm_notAfter(c), 3600L * 24 * 365 * 25);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				   (const unsigned char *)"snpmeasure test PKI", -1, -1, 0);
	X509_set_subject_name(c, name);
	X509_set_pubkey(c, key);
	X509_NAME_free(name);
	return c;
fail:
	X509_free(c);
	X509_NAME_free(name);
	return NULL;
}

static char *to_pem(X509 *c)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *out = NULL;
	long n;

	if (bio && PEM_write_bio_X509(bio, c) == 1) {
		n = BIO_get_mem_data(bio, &data);
		out = malloc((size_t)n + 1);
		if (out) {
			memcpy(out, data, (size_t)n);
			out[n] = '\0';
		}
	}
	BIO_free(bio);
	return out;
}

/* An extension whose value is the given DER (or raw bytes, for hwID). */
static int add_ext(X509 *c, const char *oid, const unsigned char *der, int len)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e = NULL;
	int ok = obj && v && ASN1_OCTET_STRING_set(v, der, len) == 1 &&
		 (e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, v)) != NULL &&
		 X509_add_ext(c, e, -1) == 1;

	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(v);
	ASN1_OBJECT_free(obj);
	return ok ? 0 : -1;
}

static int add_spl(X509 *c, const char *oid, uint8_t value)
{
	ASN1_INTEGER *i = ASN1_INTEGER_new();
	unsigned char *der = NULL;
	int len = i && ASN1_INTEGER_set(i, value) == 1 ? i2d_ASN1_INTEGER(i, &der) : -1;
	int r = len > 0 ? add_ext(c, oid, der, len) : -1;

	OPENSSL_free(der);
	ASN1_INTEGER_free(i);
	return r;
}

static int add_product(X509 *c, const char *product)
{
	ASN1_IA5STRING *s = ASN1_IA5STRING_new();
	unsigned char *der = NULL;
	int len = s && ASN1_STRING_set(s, product, -1) == 1 ? i2d_ASN1_IA5STRING(s, &der) : -1;
	int r = len > 0 ? add_ext(c, SNPM_OID_PRODUCT_NAME, der, len) : -1;

	OPENSSL_free(der);
	ASN1_IA5STRING_free(s);
	return r;
}

int testpki_init(struct testpki *pki)
{
	static const enum snpm_cpu_family families[] = { SNPM_FAMILY_MILAN, SNPM_FAMILY_GENOA,
							 SNPM_FAMILY_TURIN };
	EVP_PKEY *ark_key = rsa_key(), *ask_key = rsa_key();
	X509 *ark = ark_key ? new_cert("ARK-Test", ark_key, 1) : NULL;
	X509 *ask = ask_key ? new_cert("SEV-Test", ask_key, 2) : NULL;
	int r = -1;

	memset(pki, 0, sizeof(*pki));
	if (!ark || !ask)
		goto out;
	X509_set_issuer_name(ark, X509_get_subject_name(ark));
	X509_set_issuer_name(ask, X509_get_subject_name(ark));
	if (sign_pss(ark, ark_key) < 0 || sign_pss(ask, ark_key) < 0)
		goto out;
	pki->ark_pem = to_pem(ark);
	pki->ask_pem = to_pem(ask);
	if (!pki->ark_pem || !pki->ask_pem)
		goto out;
	pki->chain_pem = malloc(strlen(pki->ask_pem) + strlen(pki->ark_pem) + 1);
	if (!pki->chain_pem)
		goto out;
	strcpy(pki->chain_pem, pki->ask_pem);
	strcat(pki->chain_pem, pki->ark_pem);
	for (size_t i = 0; i < 6; i++)
		pki->chains[i] = (struct snpm_root_chain){ families[i % 3], i >= 3, pki->ask_pem,
							   pki->ark_pem };
	pki->trust = (struct snpm_trust){ pki->chains, 6, false };
	pki->ask_key = ask_key;
	pki->ark_key = ark_key;
	ask_key = ark_key = NULL;
	r = 0;
out:
	X509_free(ark);
	X509_free(ask);
	EVP_PKEY_free(ark_key);
	EVP_PKEY_free(ask_key);
	ERR_clear_error();
	return r;
}

static const char *product_of(enum snpm_cpu_family f)
{
	return f == SNPM_FAMILY_MILAN ? "Milan-B0" : f == SNPM_FAMILY_GENOA ? "Genoa" : "Turin";
}

static int vcek_extensions(X509 *c, const struct testpki_vcek_spec *s)
{
	int r = add_product(c, product_of(s->family));

	if (r == 0)
		r = add_spl(c, SNPM_OID_BL_SPL, s->bootloader);
	if (r == 0)
		r = add_spl(c, SNPM_OID_TEE_SPL, s->tee);
	if (r == 0)
		r = add_spl(c, SNPM_OID_SNP_SPL, s->snp);
	if (r == 0)
		r = add_spl(c, SNPM_OID_UCODE_SPL, s->microcode);
	if (r == 0 && s->family == SNPM_FAMILY_TURIN)
		r = add_spl(c, SNPM_OID_FMC_SPL, s->fmc);
	if (r == 0 && s->hwid_len)
		r = add_ext(c, SNPM_OID_HWID, s->hwid, (int)s->hwid_len);
	return r;
}

int testpki_vcek(const struct testpki *pki, const struct testpki_vcek_spec *spec,
		 struct testpki_vcek *ret)
{
	EVP_PKEY *key = p384_key();
	X509 *ask = NULL, *c = key ? new_cert(spec->vlek ? "SEV-VLEK" : "SEV-VCEK", key, 3) : NULL;
	BIO *bio = BIO_new_mem_buf(pki->ask_pem, -1);
	int r = -1;

	memset(ret, 0, sizeof(*ret));
	ask = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	if (c && ask && X509_set_issuer_name(c, X509_get_subject_name(ask)) == 1 &&
	    vcek_extensions(c, spec) == 0 && sign_pss(c, pki->ask_key) == 0 &&
	    (ret->pem = to_pem(c)) != NULL) {
		ret->key = key;
		key = NULL;
		r = 0;
	}
	X509_free(c);
	X509_free(ask);
	BIO_free(bio);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return r;
}

/* A big-endian integer as the 72-byte little-endian field AMD's formats use. */
static void put_le72(const BIGNUM *v, uint8_t out[72])
{
	memset(out, 0, 72);
	BN_bn2lebinpad(v, out, 72);
}

int testpki_sign_report(const struct testpki_vcek *vcek, uint8_t report[SNPM_REPORT_SIZE])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char der[128];
	const unsigned char *p = der;
	size_t len = sizeof(der);
	ECDSA_SIG *sig = NULL;
	int r = -1;

	if (ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, vcek->key) == 1 &&
	    EVP_DigestSign(ctx, der, &len, report, SNPM_REPORT_SIGNED_SIZE) == 1 &&
	    (sig = d2i_ECDSA_SIG(NULL, &p, (long)len)) != NULL) {
		put_le72(ECDSA_SIG_get0_r(sig), report + SNPM_REPORT_SIGNED_SIZE);
		put_le72(ECDSA_SIG_get0_s(sig), report + SNPM_REPORT_SIGNED_SIZE + 72);
		r = 0;
	}
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return r;
}

static int sign_crl_pss(X509_CRL *crl, EVP_PKEY *key)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok = ctx && EVP_DigestSignInit(ctx, &pctx, EVP_sha384(), NULL, key) == 1 &&
		 EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
		 EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) == 1 &&
		 EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) == 1 &&
		 X509_CRL_sign_ctx(crl, ctx) > 0;

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int add_revoked(X509_CRL *crl, long serial, time_t when)
{
	X509_REVOKED *rev = X509_REVOKED_new();
	ASN1_INTEGER *sn = ASN1_INTEGER_new();
	ASN1_TIME *t = ASN1_TIME_set(NULL, when);
	int ok = rev && sn && t && ASN1_INTEGER_set(sn, serial) == 1 &&
		 X509_REVOKED_set_serialNumber(rev, sn) == 1 &&
		 X509_REVOKED_set_revocationDate(rev, t) == 1 &&
		 X509_CRL_add0_revoked(crl, rev) == 1;

	if (!ok)
		X509_REVOKED_free(rev);
	ASN1_INTEGER_free(sn);
	ASN1_TIME_free(t);
	return ok ? 0 : -1;
}

int testpki_crl(const struct testpki *pki, const struct testpki_crl_spec *spec, uint8_t **der,
		size_t *len)
{
	X509_CRL *crl = X509_CRL_new();
	BIO *bio = BIO_new_mem_buf(pki->ark_pem, -1);
	X509 *ark = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	ASN1_TIME *this_update = ASN1_TIME_set(NULL, (time_t)spec->this_update);
	ASN1_TIME *next = spec->next_update ? ASN1_TIME_set(NULL, (time_t)spec->next_update) : NULL;
	unsigned char *out = NULL;
	int n = -1, ok = crl && ark && this_update && (next || !spec->next_update) &&
			 X509_CRL_set_version(crl, 1) == 1 &&
			 X509_CRL_set_issuer_name(crl, X509_get_subject_name(ark)) == 1 &&
			 X509_CRL_set1_lastUpdate(crl, this_update) == 1 &&
			 (!next || X509_CRL_set1_nextUpdate(crl, next) == 1);

	for (size_t i = 0; ok && i < spec->n_revoked; i++)
		ok = add_revoked(crl, spec->revoked[i], (time_t)spec->this_update) == 0;
	if (ok && X509_CRL_sort(crl) == 1 &&
	    sign_crl_pss(crl, spec->signed_by_ask ? pki->ask_key : pki->ark_key) == 0)
		n = i2d_X509_CRL(crl, &out);
	if (n > 0) {
		*der = malloc((size_t)n);
		if (*der)
			memcpy(*der, out, (size_t)n);
		*len = (size_t)n;
	}
	OPENSSL_free(out);
	ASN1_TIME_free(this_update);
	ASN1_TIME_free(next);
	X509_free(ark);
	BIO_free(bio);
	X509_CRL_free(crl);
	ERR_clear_error();
	return n > 0 && *der ? 0 : -1;
}

void testpki_vcek_free(struct testpki_vcek *v)
{
	free(v->pem);
	EVP_PKEY_free(v->key);
	memset(v, 0, sizeof(*v));
}

void testpki_free(struct testpki *pki)
{
	free(pki->chain_pem);
	free(pki->ask_pem);
	free(pki->ark_pem);
	EVP_PKEY_free(pki->ask_key);
	EVP_PKEY_free(pki->ark_key);
	memset(pki, 0, sizeof(*pki));
}

const struct testpki_vcek_spec testpki_genoa = {
	.family = SNPM_FAMILY_GENOA,
	.bootloader = 10,
	.snp = 23,
	.microcode = 84,
	.hwid = { 0x11, 0x22, 0x33, 0x44 },
	.hwid_len = 64,
};

void testpki_genoa_report(uint8_t report[SNPM_REPORT_SIZE])
{
	memset(report, 0, SNPM_REPORT_SIZE);
	report[0] = 3;
	report[0x34] = 1;
	snpm_put_le64(report + 0x180, 0x541700000000000aull);
	memcpy(report + 0x1a0, testpki_genoa.hwid, 64);
	report[0x188] = 0x19, report[0x189] = 0x11, report[0x18a] = 1;
}
