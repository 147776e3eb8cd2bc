/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Report verification: the report's ECDSA signature, AMD's certificate chain, and the VCEK's
 * extensions against the report (AMD "Versioned Chip Endorsement Key (VCEK) Certificate and KDS
 * Interface Specification", publication 57230: OIDs 1.3.6.1.4.1.3704.1.*).
 *
 * The order matters for what a failure says: the signature is checked first, over the raw
 * bytes, so any change to the signed area is reported as a bad signature.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <snpm/report.h>

#include "../core/crypto.h"
#include "signature.h"
#include "endorse.h"
#include "kds.h"
#include "roots.h"

struct chain {
	X509 *vcek, *ask, *ark;
	X509 *builtin_ask, *builtin_ark;
};

static void chain_free(struct chain *c)
{
	X509_free(c->vcek);
	X509_free(c->ask);
	X509_free(c->ark);
	X509_free(c->builtin_ask);
	X509_free(c->builtin_ark);
	memset(c, 0, sizeof(*c));
}

/*
 * Reads PEM certificates, up to want + 1 of them: a file with one more than expected must be
 * refused, not read in part (the third certificate of a chain, a second VCEK).
 */
static size_t read_pem_certs(const void *data, size_t len, X509 **out, size_t want)
{
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	size_t n = 0;
	X509 *extra = NULL;

	while (bio && n < want && (out[n] = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		n++;
	if (bio && n == want && (extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		n++;
	X509_free(extra);
	BIO_free(bio);
	ERR_clear_error();
	return n;
}

static void free_certs(X509 **c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		X509_free(c[i]);
		c[i] = NULL;
	}
}

/* Exactly one certificate, as PEM or DER (with nothing after it). */
static int load_cert(const uint8_t *data, size_t len, const char *what, X509 **ret,
		     struct snpm_error *reterr)
{
	const unsigned char *p = data;
	X509 *c[1] = { NULL };
	size_t n;

	if (len > 1u << 20)
		return snpm_fail(reterr, SNPM_EINVAL, "%s certificate is too large", what);
	n = read_pem_certs(data, len, c, 1);
	if (n > 1) {
		free_certs(c, 1);
		return snpm_fail(reterr, SNPM_EINVAL,
				 "%s holds more than one certificate (expected exactly one)", what);
	}
	if (n == 0) {
		c[0] = d2i_X509(NULL, &p, (long)len);
		ERR_clear_error();
		if (c[0] && p != data + len) {
			free_certs(c, 1);
			return snpm_fail(reterr, SNPM_EINVAL,
					 "%s has %zu bytes after its DER certificate", what,
					 (size_t)(data + len - p));
		}
	}
	if (!c[0])
		return snpm_fail(reterr, SNPM_EINVAL, "%s is not a PEM or DER certificate", what);
	*ret = c[0];
	return 0;
}

/* Exactly two PEM certificates: the ASK (or ASVK), then the ARK. */
static int load_pair(const void *pem, size_t len, const char *what, X509 **first, X509 **second,
		     struct snpm_error *reterr)
{
	X509 *c[2] = { NULL, NULL };
	size_t n = len > 1u << 20 ? 0 : read_pem_certs(pem, len, c, 2);

	if (n != 2) {
		free_certs(c, 2);
		return snpm_fail(reterr, SNPM_EINVAL,
				 "%s is not two PEM certificates (ASK, ARK): it holds %s", what,
				 n == 0 ? "none" :
				 n == 1 ? "one" :
					  "more");
	}
	*first = c[0];
	*second = c[1];
	return 0;
}

static void common_name(X509 *c, char *out, size_t n)
{
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(c), NID_commonName, out, (int)n) < 0)
		snprintf(out, n, "?");
}

/* The DER contents of an extension, or NULL. */
static const ASN1_OCTET_STRING *ext_data(X509 *c, const char *oid)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int i = obj ? X509_get_ext_by_OBJ(c, obj, -1) : -1;

	ASN1_OBJECT_free(obj);
	return i < 0 ? NULL : X509_EXTENSION_get_data(X509_get_ext(c, i));
}

/* An SPL extension: a DER INTEGER 0-255. */
static int ext_spl(X509 *c, const char *oid, const char *name, uint8_t *ret,
		   struct snpm_error *reterr)
{
	const ASN1_OCTET_STRING *d = ext_data(c, oid);
	const unsigned char *p;
	ASN1_INTEGER *i;
	long v = -1;

	if (!d)
		return snpm_fail(reterr, SNPM_EVERIFY, "the certificate has no %s extension", name);
	p = ASN1_STRING_get0_data(d);
	i = d2i_ASN1_INTEGER(NULL, &p, ASN1_STRING_length(d));
	if (i)
		v = ASN1_INTEGER_get(i);
	ASN1_INTEGER_free(i);
	if (v < 0 || v > 255)
		return snpm_fail(reterr, SNPM_EVERIFY,
				 "the certificate's %s extension is malformed", name);
	*ret = (uint8_t)v;
	return 0;
}

static void product_name(X509 *c, char *out, size_t n)
{
	const ASN1_OCTET_STRING *d = ext_data(c, SNPM_OID_PRODUCT_NAME);
	const unsigned char *p;
	ASN1_IA5STRING *s = NULL;

	out[0] = '\0';
	if (!d)
		return;
	p = ASN1_STRING_get0_data(d);
	s = d2i_ASN1_IA5STRING(NULL, &p, ASN1_STRING_length(d));
	if (s && (size_t)ASN1_STRING_length(s) < n) {
		memcpy(out, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
		out[ASN1_STRING_length(s)] = '\0';
	}
	ASN1_IA5STRING_free(s);
}

static enum snpm_cpu_family family_of_product(const char *product)
{
	if (strncmp(product, "Milan", 5) == 0)
		return SNPM_FAMILY_MILAN;
	if (strncmp(product, "Genoa", 5) == 0)
		return SNPM_FAMILY_GENOA;
	if (strncmp(product, "Turin", 5) == 0)
		return SNPM_FAMILY_TURIN;
	if (strncmp(product, "Venice", 6) == 0)
		return SNPM_FAMILY_VENICE;
	return SNPM_FAMILY_UNKNOWN;
}

static bool is_p384(EVP_PKEY *k)
{
	char group[64];

	return k && EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	       EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					      NULL) == 1 &&
	       strcmp(group, "secp384r1") == 0;
}

/* ECDSA-SHA384 over data with r, s as the 72-byte little-endian values AMD formats use. */
int snpm_ecdsa_verify_le(EVP_PKEY *key, const uint8_t *data, size_t len,
			 const uint8_t r_le[SNPM_ECDSA_COORD_SIZE],
			 const uint8_t s_le[SNPM_ECDSA_COORD_SIZE], bool *ret_ok,
			 struct snpm_error *reterr)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_lebin2bn(r_le, SNPM_ECDSA_COORD_SIZE, NULL);
	BIGNUM *s = BN_lebin2bn(s_le, SNPM_ECDSA_COORD_SIZE, NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	int der_len, v;

	if (!sig || !r || !s || !ctx || ECDSA_SIG_set0(sig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		EVP_MD_CTX_free(ctx);
		return snpm_fail_crypto(reterr, "cannot build the signature");
	}
	der_len = i2d_ECDSA_SIG(sig, &der);
	v = der_len > 0 && EVP_DigestVerifyInit(ctx, NULL, EVP_sha384(), NULL, key) == 1 ?
		    EVP_DigestVerify(ctx, der, (size_t)der_len, data, len) :
		    -1;
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	*ret_ok = v == 1;
	return 0;
}

static int check_report_signature(const uint8_t *report, X509 *vcek, struct snpm_error *reterr)
{
	EVP_PKEY *key = X509_get0_pubkey(vcek);
	bool ok = false;
	int r;

	if (!is_p384(key))
		return snpm_fail(reterr, SNPM_EVERIFY, "the VCEK's key is not an ECDSA P-384 key");
	r = snpm_ecdsa_verify_le(key, report, SNPM_REPORT_SIGNED_SIZE,
				 report + SNPM_REPORT_SIGNED_SIZE,
				 report + SNPM_REPORT_SIGNED_SIZE + SNPM_ECDSA_COORD_SIZE, &ok,
				 reterr);
	if (r == 0 && !ok)
		r = snpm_fail(reterr, SNPM_EVERIFY,
			      "the report's signature does not verify with this VCEK: the report "
			      "was changed or another chip's key was given");
	return r;
}

/* child is signed by issuer with RSASSA-PSS (every certificate of AMD's chains is). */
static int check_signed_by(X509 *child, X509 *issuer, struct snpm_error *reterr)
{
	char c[64], i[64];

	common_name(child, c, sizeof(c));
	common_name(issuer, i, sizeof(i));
	if (X509_get_signature_nid(child) != NID_rsassaPss)
		return snpm_fail(reterr, SNPM_EVERIFY, "%s is not signed with RSASSA-PSS", c);
	if (X509_verify(child, X509_get0_pubkey(issuer)) != 1) {
		ERR_clear_error();
		return snpm_fail(reterr, SNPM_EVERIFY, "%s is not signed by %s", c, i);
	}
	return 0;
}

/* Whether ark is one of the trusted ARKs (AMD's, shipped with the library). */
static bool is_trusted_ark(X509 *ark, const struct snpm_trust *t)
{
	bool found = false;

	for (size_t i = 0; !found && i < t->n_chains; i++) {
		X509 *a = NULL;
		if (load_cert((const uint8_t *)t->chains[i].ark, strlen(t->chains[i].ark), "root",
			      &a, NULL) == 0)
			found = X509_cmp(ark, a) == 0;
		X509_free(a);
	}
	return found;
}

static int pick_chain(const struct snpm_cert_input *in, const struct snpm_trust *t,
		      enum snpm_cpu_family family, bool vlek, struct chain *c,
		      struct snpm_verify_result *res, struct snpm_error *reterr)
{
	int r = 0;

	/* Never one of two ASKs (or ARKs) silently dropped. */
	if (in->chain && (in->ask || in->ark))
		return snpm_fail(
			reterr, SNPM_EINVAL,
			"a chain gives the ASK and the ARK: not with a separate ASK or ARK");
	if (in->chain && (r = load_pair(in->chain, in->chain_len, "the --chain bundle", &c->ask,
					&c->ark, reterr)) < 0)
		return r;
	if (in->ask && !c->ask && (r = load_cert(in->ask, in->ask_len, "the ASK", &c->ask, reterr)))
		return r;
	if (in->ark && !c->ark && (r = load_cert(in->ark, in->ark_len, "the ARK", &c->ark, reterr)))
		return r;
	for (size_t i = 0; r == 0 && !c->builtin_ark && i < t->n_chains; i++) {
		const struct snpm_root_chain *rc = &t->chains[i];
		if (rc->family != family || rc->vlek != vlek)
			continue;
		if (rc->intermediate)
			r = load_cert((const uint8_t *)rc->intermediate, strlen(rc->intermediate),
				      "a built-in ASK", &c->builtin_ask, reterr);
		if (r == 0)
			r = load_cert((const uint8_t *)rc->ark, strlen(rc->ark), "a built-in ARK",
				      &c->builtin_ark, reterr);
	}
	if (r < 0)
		return r;
	res->builtin_chain = !c->ask && !c->ark && !t->custom;
	if (!c->ask && t->custom)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "with a trust root of your own, give the %s too (--%s or --chain)",
				 vlek ? "ASVK" : "ASK", vlek ? "asvk" : "ask");
	if (!c->ask)
		c->ask = X509_dup(c->builtin_ask);
	if (!c->ark)
		c->ark = X509_dup(c->builtin_ark);
	if (!c->ask || !c->ark)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "no %s chain is known for %s",
				 vlek ? "VLEK" : "VCEK", snpm_cpu_family_name(family));
	return 0;
}

static int check_chain(struct chain *c, const struct snpm_trust *t, struct snpm_error *reterr)
{
	char cn[64];
	int r;

	common_name(c->ark, cn, sizeof(cn));
	/* An ARK is self-signed: another certificate here is an input mistake. */
	if (X509_check_issued(c->ark, c->ark) != X509_V_OK) {
		ERR_clear_error();
		return snpm_fail(reterr, SNPM_EINVAL,
				 "the certificate given as the ARK (%s) is not self-signed: not an "
				 "ARK",
				 cn);
	}
	if (!is_trusted_ark(c->ark, t) && t->custom)
		return snpm_fail(reterr, SNPM_EVERIFY, "the ARK (%s) is not the trust root given",
				 cn);
	if (!is_trusted_ark(c->ark, t))
		return snpm_fail(reterr, SNPM_EVERIFY,
				 "the ARK (%s) is not one of AMD's ARKs for Milan, Genoa or Turin",
				 cn);
	r = check_signed_by(c->ark, c->ark, reterr);
	if (r == 0)
		r = check_signed_by(c->ask, c->ark, reterr);
	if (r == 0)
		r = check_signed_by(c->vcek, c->ask, reterr);
	return r;
}

/* The certificate's TCB extensions, laid out for the chain's family (FMC on Turin). */
static int read_cert_tcb(X509 *vcek, enum snpm_cpu_family family, struct snpm_tcb *cert,
			 struct snpm_error *reterr)
{
	int r;

	memset(cert, 0, sizeof(*cert));
	r = ext_spl(vcek, SNPM_OID_BL_SPL, "blSPL", &cert->bootloader, reterr);
	if (r == 0)
		r = ext_spl(vcek, SNPM_OID_TEE_SPL, "teeSPL", &cert->tee, reterr);
	if (r == 0)
		r = ext_spl(vcek, SNPM_OID_SNP_SPL, "snpSPL", &cert->snp, reterr);
	if (r == 0)
		r = ext_spl(vcek, SNPM_OID_UCODE_SPL, "ucodeSPL", &cert->microcode, reterr);
	if (r == 0 && snpm_family_has_fmc(family)) {
		cert->has_fmc = true;
		r = ext_spl(vcek, SNPM_OID_FMC_SPL, "fmcSPL", &cert->fmc, reterr);
	}
	return r;
}

static int check_tcb(const struct snpm_endorsement *e, const struct snpm_report *rep,
		     struct snpm_error *reterr)
{
	const struct snpm_tcb *cert = &e->cert_tcb;
	struct snpm_tcb want;

	snpm_tcb_split(rep->reported_tcb, e->family, &want);
	if (cert->bootloader != want.bootloader || cert->tee != want.tee || cert->snp != want.snp ||
	    cert->microcode != want.microcode || cert->fmc != want.fmc)
		return snpm_fail(
			reterr, SNPM_EVERIFY,
			"the certificate's TCB (fmc %u bl %u tee %u snp %u ucode %u) is not "
			"the report's reported TCB (fmc %u bl %u tee %u snp %u ucode %u)",
			cert->fmc, cert->bootloader, cert->tee, cert->snp, cert->microcode,
			want.fmc, want.bootloader, want.tee, want.snp, want.microcode);
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The hwID extension: the raw chip ID (64 bytes, or 8 on Turin), when the certificate has one. */
static void read_hwid(X509 *vcek, struct snpm_endorsement *e)
{
	const ASN1_OCTET_STRING *d = ext_data(vcek, SNPM_OID_HWID);
	size_t n = d ? (size_t)ASN1_STRING_length(d) : 0;

	e->has_hwid = d != NULL;
	e->hwid_len = n <= sizeof(e->hwid) ? n : sizeof(e->hwid) + 1;
	if (d && n <= sizeof(e->hwid))
		memcpy(e->hwid, ASN1_STRING_get0_data(d), n);
}

static int check_hwid(const struct snpm_endorsement *e, const struct snpm_report *rep,
		      bool *checked, struct snpm_error *reterr)
{
	size_t n = e->hwid_len;

	*checked = false;
	/* A masked chip ID (MASK_CHIP_ID policy or key info) is all zero: nothing to compare. */
	if (all_zero(rep->chip_id, sizeof(rep->chip_id)))
		return 0;
	if (!e->has_hwid)
		return snpm_fail(reterr, SNPM_EVERIFY, "the VCEK has no hwID extension");
	/* Turin's report pads its 8-byte chip ID with zeros. */
	if (n == 0 || n > sizeof(rep->chip_id) || memcmp(e->hwid, rep->chip_id, n) != 0 ||
	    !all_zero(rep->chip_id + n, sizeof(rep->chip_id) - n))
		return snpm_fail(
			reterr, SNPM_EVERIFY,
			"the VCEK's hardware ID is not the report's chip ID: it belongs to "
			"another chip");
	*checked = true;
	return 0;
}

/* VCEK or VLEK, as the report says and as the certificate says: they must agree. */
/* A certificate that is no signing key at all was given in the wrong place: an input mistake
 * (exit 1), not a report that failed to verify. cn gets its common name. */
static int check_signing_cert(X509 *vcek, char cn[64], struct snpm_error *reterr)
{
	common_name(vcek, cn, 64);
	if (strcmp(cn, "SEV-VCEK") != 0 && strcmp(cn, "SEV-VLEK") != 0)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "the certificate given as the VCEK is %s, not a VCEK or VLEK "
				 "(an ASK or ARK in the wrong place?)",
				 cn);
	return 0;
}

static int check_key_kind(X509 *vcek, const struct snpm_report *rep, bool *vlek,
			  struct snpm_error *reterr)
{
	enum snpm_signing_key key = snpm_report_signing_key(rep);
	char cn[64];
	int r = check_signing_cert(vcek, cn, reterr);

	if (r < 0)
		return r;
	if (key != SNPM_SIGNING_KEY_VCEK && key != SNPM_SIGNING_KEY_VLEK)
		return snpm_fail(reterr, SNPM_EVERIFY, "the report says no key signed it");
	*vlek = key == SNPM_SIGNING_KEY_VLEK;
	if (strcmp(cn, *vlek ? "SEV-VLEK" : "SEV-VCEK") != 0)
		return snpm_fail(reterr, SNPM_EVERIFY,
				 "the report was signed by a %s, but the certificate is %s",
				 *vlek ? "VLEK" : "VCEK", cn);
	return 0;
}

static int check_family(X509 *vcek, const struct snpm_report *rep, struct snpm_endorsement *e,
			struct snpm_error *reterr)
{
	enum snpm_cpu_family from_report = snpm_report_family(rep), from_cert;

	product_name(vcek, e->product, sizeof(e->product));
	from_cert = family_of_product(e->product);
	if (from_report && from_cert && from_report != from_cert)
		return snpm_fail(reterr, SNPM_EVERIFY,
				 "the report comes from a %s CPU but the certificate is for %s",
				 snpm_cpu_family_name(from_report), e->product);
	e->family = from_report ? from_report : from_cert;
	if (!e->family)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "neither the report nor the certificate says which CPU family");
	return 0;
}

/* When the three certificates are all valid: the latest notBefore, the earliest notAfter. */
static void validity(const struct chain *c, struct snpm_endorsement *e)
{
	X509 *certs[] = { c->vcek, c->ask, c->ark };
	struct tm tm;

	e->not_before = INT64_MIN;
	e->not_after = INT64_MAX;
	for (size_t i = 0; i < 3; i++) {
		int64_t nb = INT64_MIN, na = INT64_MAX;
		if (ASN1_TIME_to_tm(X509_get0_notBefore(certs[i]), &tm) == 1)
			nb = (int64_t)timegm(&tm);
		if (ASN1_TIME_to_tm(X509_get0_notAfter(certs[i]), &tm) == 1)
			na = (int64_t)timegm(&tm);
		e->valid_from[i] = nb;
		e->valid_to[i] = na;
		e->not_before = nb > e->not_before ? nb : e->not_before;
		e->not_after = na < e->not_after ? na : e->not_after;
	}
}

void snpm_time_text(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == INT64_MIN || t == INT64_MAX || !gmtime_r(&tt, &tm))
		snprintf(out, n, "%s", t == INT64_MIN ? "-inf" : "+inf");
	else
		strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int snpm_check_validity(const struct snpm_endorsement *e, int64_t now, char *found, size_t n,
			struct snpm_error *reterr)
{
	const char *names[] = { e->vlek ? "VLEK" : "VCEK", e->vlek ? "ASVK" : "ASK", "ARK" };
	char from[32], to[32], at[32];

	snpm_time_text(now, at, sizeof(at));
	for (size_t i = 0; i < 3; i++) {
		if (now >= e->valid_from[i] && now <= e->valid_to[i])
			continue;
		snpm_time_text(e->valid_from[i], from, sizeof(from));
		snpm_time_text(e->valid_to[i], to, sizeof(to));
		return snpm_fail(reterr, SNPM_EVERIFY,
				 now > e->valid_to[i] ?
					 "the %s expired on %s (valid %s to %s; judged at %s)" :
					 "the %s is not valid before %s (valid %s to %s; judged at "
					 "%s)",
				 names[i], now > e->valid_to[i] ? to : from, from, to, at);
	}
	if (found) {
		snpm_time_text(e->not_after, to, sizeof(to));
		snprintf(found, n, "valid at %s (until %s)", at, to);
	}
	return 0;
}

/* ---- a root of the caller's own ---- */

int snpm_custom_trust_init(const uint8_t *root, size_t len, struct snpm_custom_trust *ret,
			   struct snpm_error *reterr)
{
	static const enum snpm_cpu_family families[] = { SNPM_FAMILY_MILAN, SNPM_FAMILY_GENOA,
							 SNPM_FAMILY_TURIN, SNPM_FAMILY_VENICE };
	X509 *ark = NULL;
	BIO *bio = NULL;
	BUF_MEM *mem = NULL;
	int r = load_cert(root, len, "the trust root", &ark, reterr);

	memset(ret, 0, sizeof(*ret));
	if (r == 0 && (X509_check_issued(ark, ark) != X509_V_OK ||
		       X509_verify(ark, X509_get0_pubkey(ark)) != 1)) {
		ERR_clear_error();
		r = snpm_fail(reterr, SNPM_EINVAL,
			      "the trust root is not a self-signed certificate (an ARK)");
	}
	if (r == 0 && (!(bio = BIO_new(BIO_s_mem())) || PEM_write_bio_X509(bio, ark) != 1))
		r = snpm_fail_crypto(reterr, "cannot encode the trust root");
	if (r == 0) {
		BIO_get_mem_ptr(bio, &mem);
		ret->pem = malloc(mem->length + 1);
		if (!ret->pem)
			r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	}
	if (r == 0) {
		memcpy(ret->pem, mem->data, mem->length);
		ret->pem[mem->length] = '\0';
		for (size_t i = 0; i < 2 * sizeof(families) / sizeof(families[0]); i++)
			ret->chains[i] = (struct snpm_root_chain){ .family = families[i / 2],
								   .vlek = i % 2,
								   .ark = ret->pem };
		ret->trust = (struct snpm_trust){ ret->chains,
						  2 * sizeof(families) / sizeof(families[0]),
						  true };
	}
	BIO_free(bio);
	X509_free(ark);
	return r;
}

void snpm_custom_trust_free(struct snpm_custom_trust *t)
{
	if (t)
		free(t->pem);
}

int snpm_cert_fingerprint(const uint8_t *cert, size_t len, uint8_t ret[SNPM_SHA256_SIZE],
			  struct snpm_error *reterr)
{
	unsigned char *der = NULL;
	X509 *c = NULL;
	int n, r = cert && ret ? load_cert(cert, len, "the certificate", &c, reterr) :
				 snpm_fail(reterr, SNPM_EINVAL, "no certificate");

	if (r == 0 && (n = i2d_X509(c, &der)) <= 0)
		r = snpm_fail_crypto(reterr, "cannot encode the certificate");
	if (r == 0)
		r = snpm_digest(SNPM_HASH_SHA256, der, (size_t)n, ret, reterr);
	OPENSSL_free(der);
	X509_free(c);
	return r;
}

void snpm_endorsement_free(struct snpm_endorsement *e)
{
	if (!e)
		return;
	X509_free(e->vcek);
	X509_free(e->ask);
	X509_free(e->ark);
	memset(e, 0, sizeof(*e));
}

int snpm_endorse(X509 *vcek, const struct snpm_cert_input *certs, const struct snpm_trust *trust,
		 const struct snpm_report *rep, struct snpm_endorsement *ret,
		 struct snpm_error *reterr)
{
	struct snpm_verify_result res = { 0 };
	struct snpm_endorsement e = { 0 };
	struct chain c = { .vcek = vcek };
	int r = check_key_kind(vcek, rep, &e.vlek, reterr);

	if (r == 0)
		r = check_family(vcek, rep, &e, reterr);
	if (r == 0)
		r = pick_chain(certs, trust, e.family, e.vlek, &c, &res, reterr);
	if (r == 0)
		r = check_chain(&c, trust, reterr);
	if (r == 0)
		r = read_cert_tcb(vcek, e.family, &e.cert_tcb, reterr);
	if (r < 0) {
		chain_free(&c);
		return r;
	}
	read_hwid(vcek, &e);
	validity(&c, &e);
	e.builtin_chain = res.builtin_chain;
	e.vcek = c.vcek;
	e.ask = c.ask;
	e.ark = c.ark;
	X509_free(c.builtin_ask);
	X509_free(c.builtin_ark);
	*ret = e;
	return 0;
}

int snpm_load_vcek(const struct snpm_cert_input *certs, X509 **ret, struct snpm_error *reterr)
{
	if (!certs || !certs->vcek)
		return snpm_fail(reterr, SNPM_EINVAL, "verification needs the report and a VCEK");
	return load_cert(certs->vcek, certs->vcek_len, "the VCEK", ret, reterr);
}

/* The signature with the VCEK; a failure that looks like a VCEK/VLEK mix-up says so. */
int snpm_check_signature(const uint8_t report_bytes[SNPM_REPORT_SIZE], X509 *vcek,
			 struct snpm_error *reterr)
{
	struct snpm_report rep;
	bool vlek;
	char cn[64];
	int r;

	/* No signing key at all (an ASK given as the VCEK): said as that, before any signature. */
	r = check_signing_cert(vcek, cn, reterr);
	if (r < 0)
		return r;
	r = check_report_signature(report_bytes, vcek, reterr);

	/* A VLEK-signed report checked with a VCEK (or the other way round) fails its signature:
	 * say which mix-up it most likely is, rather than only "changed". */
	if (r == SNPM_EVERIFY &&
	    snpm_report_parse(report_bytes, SNPM_REPORT_SIZE, &rep, NULL) == 0 &&
	    check_key_kind(vcek, &rep, &vlek, NULL) < 0) {
		r = check_key_kind(vcek, &rep, &vlek, reterr);
		if (reterr) {
			size_t n = strlen(reterr->message);
			snprintf(reterr->message + n, sizeof(reterr->message) - n,
				 " (the signature does not verify with it)");
		}
	}
	return r;
}

int snpm_check_endorsed(const struct snpm_endorsement *e, const struct snpm_report *rep,
			struct snpm_verify_result *ret, struct snpm_error *reterr)
{
	struct snpm_verify_result res = {
		.family = e->family,
		.vlek = e->vlek,
		.builtin_chain = e->builtin_chain,
		.cert_tcb = e->cert_tcb,
	};
	int r = rep->signature_algo != 1 ? snpm_fail(reterr, SNPM_EUNSUPPORTED,
						     "signature algorithm %u is not ECDSA P-384",
						     rep->signature_algo) :
					   check_tcb(e, rep, reterr);

	memcpy(res.product, e->product, sizeof(res.product));
	if (r == 0 && !e->vlek)
		r = check_hwid(e, rep, &res.hwid_checked, reterr);
	if (r == 0 && ret)
		*ret = res;
	return r;
}

static int verify_trusting(const uint8_t report_bytes[SNPM_REPORT_SIZE],
			   const struct snpm_cert_input *certs, const struct snpm_trust *trust,
			   int64_t now, struct snpm_verify_result *ret, struct snpm_error *reterr);

int snpm_report_verify(const uint8_t report_bytes[SNPM_REPORT_SIZE],
		       const struct snpm_cert_input *certs, struct snpm_verify_result *ret,
		       struct snpm_error *reterr)
{
	return snpm_report_verify_at(report_bytes, certs, 0, NULL, 0, ret, reterr);
}

int snpm_report_verify_at(const uint8_t report_bytes[SNPM_REPORT_SIZE],
			  const struct snpm_cert_input *certs_given, int64_t now,
			  const uint8_t *trust_root, size_t trust_root_len,
			  struct snpm_verify_result *ret, struct snpm_error *reterr)
{
	struct snpm_cert_input certs_copy = { .size = sizeof(certs_copy) };
	const struct snpm_cert_input *certs = &certs_copy;
	int sized = snpm_sized_in(certs_given, sizeof(certs_copy), &certs_copy, "snpm_cert_input",
				  reterr);
	struct snpm_custom_trust custom = { 0 };
	const struct snpm_trust *trust = NULL;
	int r;

	if (sized < 0)
		return sized;
	r = snpm_trust_pick(trust_root, trust_root_len, &custom, &trust, reterr);
	if (r == 0)
		r = verify_trusting(report_bytes, certs, trust, now ? now : (int64_t)time(NULL),
				    ret, reterr);
	snpm_custom_trust_free(&custom);
	return r;
}

int snpm_trust_pick(const uint8_t *root, size_t len, struct snpm_custom_trust *custom,
		    const struct snpm_trust **ret, struct snpm_error *reterr)
{
	int r = 0;

	if (root)
		r = snpm_custom_trust_init(root, len, custom, reterr);
	else
		custom->trust = (struct snpm_trust){ snpm_root_chains, snpm_n_root_chains, false };
	if (r == 0)
		*ret = &custom->trust;
	return r;
}

int snpm_report_verify_trusting(const uint8_t report_bytes[SNPM_REPORT_SIZE],
				const struct snpm_cert_input *certs, const struct snpm_trust *trust,
				int64_t now, struct snpm_verify_result *ret,
				struct snpm_error *reterr)
{
	return verify_trusting(report_bytes, certs, trust, now, ret, reterr);
}

/*
 * The signature first, over the raw bytes, so that any change to them reads as a bad
 * signature; then the reserved fields, the report's fields against the certificates, and the
 * certificates' validity at now.
 */
static int verify_trusting(const uint8_t report_bytes[SNPM_REPORT_SIZE],
			   const struct snpm_cert_input *certs, const struct snpm_trust *trust,
			   int64_t now, struct snpm_verify_result *ret, struct snpm_error *reterr)
{
	struct snpm_endorsement e = { 0 };
	struct snpm_report rep;
	X509 *vcek = NULL;
	int r;

	if (!report_bytes)
		return snpm_fail(reterr, SNPM_EINVAL, "verification needs the report and a VCEK");
	r = snpm_load_vcek(certs, &vcek, reterr);
	if (r == 0)
		r = snpm_check_signature(report_bytes, vcek, reterr);
	if (r == 0)
		r = snpm_report_parse(report_bytes, SNPM_REPORT_SIZE, &rep, reterr);
	if (r == 0 && rep.signature_algo != 1)
		r = snpm_fail(reterr, SNPM_EUNSUPPORTED,
			      "signature algorithm %u is not ECDSA P-384", rep.signature_algo);
	if (r == 0)
		r = snpm_report_check_reserved(report_bytes, reterr);
	if (r == 0) {
		r = snpm_endorse(vcek, certs, trust, &rep, &e, reterr);
		vcek = NULL; /* the endorsement owns it, or freed it */
	}
	if (r == 0)
		r = snpm_check_endorsed(&e, &rep, ret, reterr);
	if (r == 0)
		r = snpm_check_validity(&e, now, NULL, 0, reterr);
	X509_free(vcek);
	snpm_endorsement_free(&e);
	return r;
}
