/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The launch-measurement CoRIM an IGVM file carries about itself (microsoft/igvm 0.5:
 * CORIM_DOCUMENT 0x104 holds a tagged-unsigned-corim-map, CORIM_SIGNATURE 0x105 a COSE_Sign1
 * over it with a detached payload), read as draft-ietf-rats-corim-10 lays it out and as the
 * profile tag:microsoft.com,2026:launch-measurement/v1 (igvm/src/corim/launch_measurement)
 * constrains it, for SEV-SNP:
 *
 *   #6.501({ 0: id, 1: [ #6.506(bstr .cbor comid) ], 3: #6.32("tag:microsoft.com,...") })
 *   comid = { 1: { 0: tag-id }, 4: { 0: reference-triples, 8: ces-triples } }
 *   tag-id = UUIDv5(85f3f1c2-22a8-441e-a1b9-bccfb63ed5f7, "AMD/SEV-SNP"), compared without case
 *   reference-triples = [ [ env, [ { 0: "MEASUREMENT", 1: { 2: [ [7, h'48 bytes'] ] } } ] ] ]
 *   env = { 0: { 1: "AMD", 2: "SEV-SNP" } }
 *   ces-triples = [ [ [env, []], [ [ [the same measurement], [ { 1: { 1: #6.552(svn) } } ] ] ] ] ]
 *
 * Anything else (another key, another shape, a second tag or triple, a minimum SVN) is refused:
 * a reference value read wrongly is worse than none.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <snpm/igvm.h>

#include "../core/cbor.h"
#include "../core/core.h"
#include "../core/crypto.h"

#define PROFILE_URI "tag:microsoft.com,2026:launch-measurement/v1"
#define MAX_DOCUMENT (1u << 20)
#define SHA384_ALG 7 /* COSE/IANA named-information: sha-384 */

/* ---- CBOR helpers: definite items only ---- */

static int shape(struct snpm_error *reterr, const char *what)
{
	return snpm_fail(reterr, SNPM_EMALFORMED, "CoRIM: %s", what);
}

/* The value of integer key k in a definite map, or NULL. */
static cbor_item_t *map_at(cbor_item_t *map, uint64_t k)
{
	struct cbor_pair *p = cbor_map_handle(map);

	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (cbor_isa_uint(p[i].key) && cbor_get_int(p[i].key) == k)
			return p[i].value;
	return NULL;
}

/* A definite map whose keys are unsigned integers, each allowed (bit k of allowed) once. */
static bool int_map(cbor_item_t *m, uint32_t allowed)
{
	uint32_t seen = 0;

	if (!m || !cbor_isa_map(m) || !cbor_map_is_definite(m))
		return false;
	for (size_t i = 0; i < cbor_map_size(m); i++) {
		cbor_item_t *k = cbor_map_handle(m)[i].key;
		uint64_t v = cbor_isa_uint(k) ? cbor_get_int(k) : 32;
		if (v >= 32 || !((allowed >> v) & 1) || ((seen >> v) & 1))
			return false;
		seen |= 1u << v;
	}
	return true;
}

static bool array_of(cbor_item_t *a, size_t n)
{
	return a && cbor_isa_array(a) && cbor_array_is_definite(a) && cbor_array_size(a) == n;
}

static bool text_is(cbor_item_t *t, const char *s)
{
	size_t n = strlen(s);

	return t && cbor_isa_string(t) && cbor_string_is_definite(t) &&
	       cbor_string_length(t) == n && memcmp(cbor_string_handle(t), s, n) == 0;
}

/* A tag's item when t is tag number `tag` (borrowed, as the tag holds it: cbor_tag_item()
 * hands out a new reference, given back at once). */
static cbor_item_t *tagged(cbor_item_t *t, uint64_t tag)
{
	cbor_item_t *item;

	if (!t || !cbor_isa_tag(t) || cbor_tag_value(t) != tag)
		return NULL;
	item = cbor_tag_item(t);
	cbor_intermediate_decref(item);
	return item;
}

/* The deepest a profile document nests (a digest inside the endorsement series: 12). */
#define MAX_DEPTH 16

/* Decodes all of data as one item (trailing bytes refused), after a first pass that libcbor
 * could not be hurt by (core/cbor.h). */
static cbor_item_t *decode_all(const uint8_t *data, size_t len)
{
	struct cbor_load_result res;
	cbor_item_t *item;

	if (!snpm_cbor_prescan(data, len, MAX_DEPTH, true))
		return NULL;
	item = cbor_load(data, len, &res);

	if (item && (res.error.code != CBOR_ERR_NONE || res.read != len)) {
		cbor_decref(&item);
		return NULL;
	}
	return item;
}

/* ---- the profile ---- */

/* The tag-id the profile derives for AMD/SEV-SNP: UUIDv5 (RFC 9562 5.5) over SHA-1. */
static int expected_tag_id(char out[37], struct snpm_error *reterr)
{
	static const uint8_t ns[16] = { 0x85, 0xf3, 0xf1, 0xc2, 0x22, 0xa8, 0x44, 0x1e,
					0xa1, 0xb9, 0xbc, 0xcf, 0xb6, 0x3e, 0xd5, 0xf7 };
	static const char name[] = "AMD/SEV-SNP";
	uint8_t buf[16 + sizeof(name) - 1], sha1[20];
	unsigned len = 0;

	memcpy(buf, ns, 16);
	memcpy(buf + 16, name, sizeof(name) - 1);
	if (EVP_Digest(buf, sizeof(buf), sha1, &len, EVP_sha1(), NULL) != 1)
		return snpm_fail(reterr, SNPM_ECRYPTO, "SHA-1 failed");
	sha1[6] = (uint8_t)((sha1[6] & 0x0f) | 0x50);
	sha1[8] = (uint8_t)((sha1[8] & 0x3f) | 0x80);
	snpm_uuid_format(sha1, out);
	return 0;
}

static bool env_is_snp(cbor_item_t *env)
{
	cbor_item_t *class = int_map(env, 1u << 0) ? map_at(env, 0) : NULL;

	return class && int_map(class, (1u << 1) | (1u << 2)) && text_is(map_at(class, 1), "AMD") &&
	       text_is(map_at(class, 2), "SEV-SNP");
}

/* { 0: "MEASUREMENT", 1: { 2: [ [7, h'48 bytes'] ] } }: its digest. */
static bool reference_measurement(cbor_item_t *m, uint8_t digest[SNPM_LD_SIZE])
{
	cbor_item_t *mval, *digests, *d;

	if (!int_map(m, (1u << 0) | (1u << 1)) || !text_is(map_at(m, 0), "MEASUREMENT"))
		return false;
	mval = map_at(m, 1);
	if (!int_map(mval, 1u << 2) || !array_of(digests = map_at(mval, 2), 1) ||
	    !array_of(d = cbor_array_handle(digests)[0], 2))
		return false;
	cbor_item_t *alg = cbor_array_handle(d)[0], *val = cbor_array_handle(d)[1];
	if (!cbor_isa_uint(alg) || cbor_get_int(alg) != SHA384_ALG || !cbor_isa_bytestring(val) ||
	    !cbor_bytestring_is_definite(val) || cbor_bytestring_length(val) != SNPM_LD_SIZE)
		return false;
	memcpy(digest, cbor_bytestring_handle(val), SNPM_LD_SIZE);
	return true;
}

/* [ [env, []], [ [ [measurement], [ { 1: { 1: #6.552(svn) } } ] ] ] ]: the SVN, for digest. */
static bool endorsement(cbor_item_t *r, const uint8_t digest[SNPM_LD_SIZE], uint64_t *svn)
{
	cbor_item_t *cond, *series, *rec, *sel, *add, *mval, *v;
	uint8_t d[SNPM_LD_SIZE];

	if (!array_of(r, 2) || !array_of(cond = cbor_array_handle(r)[0], 2) ||
	    !env_is_snp(cbor_array_handle(cond)[0]) || !array_of(cbor_array_handle(cond)[1], 0) ||
	    !array_of(series = cbor_array_handle(r)[1], 1) ||
	    !array_of(rec = cbor_array_handle(series)[0], 2) ||
	    !array_of(sel = cbor_array_handle(rec)[0], 1) ||
	    !array_of(add = cbor_array_handle(rec)[1], 1))
		return false;
	if (!reference_measurement(cbor_array_handle(sel)[0], d) ||
	    memcmp(d, digest, SNPM_LD_SIZE) != 0)
		return false;
	cbor_item_t *m = cbor_array_handle(add)[0];
	if (!int_map(m, 1u << 1) || !int_map(mval = map_at(m, 1), 1u << 1))
		return false;
	v = tagged(map_at(mval, 1), 552); /* an exact SVN; a minimum one (553) is refused */
	if (!v || !cbor_isa_uint(v))
		return false;
	*svn = cbor_get_int(v);
	return true;
}

static int read_triples(cbor_item_t *triples, struct snpm_igvm_corim *ret,
			struct snpm_error *reterr)
{
	cbor_item_t *refs, *rec, *ms, *ces;

	if (!int_map(triples, (1u << 0) | (1u << 8)) || !(refs = map_at(triples, 0)) ||
	    !(ces = map_at(triples, 8)))
		return shape(reterr, "the CoMID's triples are not one reference triple and one "
				     "conditional endorsement series");
	if (!array_of(refs, 1) || !array_of(rec = cbor_array_handle(refs)[0], 2) ||
	    !env_is_snp(cbor_array_handle(rec)[0]) ||
	    !array_of(ms = cbor_array_handle(rec)[1], 1) ||
	    !reference_measurement(cbor_array_handle(ms)[0], ret->digest))
		return shape(reterr, "the reference triple is not AMD SEV-SNP's one SHA-384 "
				     "MEASUREMENT");
	if (!array_of(ces, 1) || !endorsement(cbor_array_handle(ces)[0], ret->digest, &ret->svn))
		return shape(reterr, "the endorsement series does not map that MEASUREMENT to an "
				     "exact SVN");
	return 0;
}

static int read_comid(cbor_item_t *comid, struct snpm_igvm_corim *ret, struct snpm_error *reterr)
{
	cbor_item_t *ident, *id;
	char want[37];
	int r;

	if (!int_map(comid, (1u << 1) | (1u << 4)) || !int_map(ident = map_at(comid, 1), 1u << 0))
		return shape(reterr, "the CoMID is not { 1: tag-identity, 4: triples }");
	id = map_at(ident, 0);
	if ((r = expected_tag_id(want, reterr)) < 0)
		return r;
	if (!id || !cbor_isa_string(id) || !cbor_string_is_definite(id) ||
	    cbor_string_length(id) != 36 ||
	    strncasecmp((const char *)cbor_string_handle(id), want, 36) != 0)
		return shape(reterr, "the CoMID's tag-id is not the profile's for AMD/SEV-SNP");
	return read_triples(map_at(comid, 4), ret, reterr);
}

/* The unsigned CoRIM: its profile, its one CoMID. */
static int read_corim(cbor_item_t *root, struct snpm_igvm_corim *ret, struct snpm_error *reterr)
{
	cbor_item_t *map = tagged(root, 501), *tags, *profile, *bytes, *comid;
	int r;

	if (!int_map(map, 0x3f) || !map_at(map, 0) || !(tags = map_at(map, 1)))
		return shape(reterr, "not a tagged-unsigned-corim-map with an id and tags");
	profile = map_at(map, 3);
	if (!text_is(tagged(profile, 32), PROFILE_URI) && !text_is(profile, PROFILE_URI))
		return shape(reterr, "its profile is not " PROFILE_URI);
	if (!array_of(tags, 1) || !(bytes = tagged(cbor_array_handle(tags)[0], 506)) ||
	    !cbor_isa_bytestring(bytes) || !cbor_bytestring_is_definite(bytes))
		return shape(reterr, "it does not hold exactly one CoMID tag");
	comid = decode_all(cbor_bytestring_handle(bytes), cbor_bytestring_length(bytes));
	if (!comid)
		return shape(reterr, "its CoMID is not one CBOR item");
	r = read_comid(comid, ret, reterr);
	cbor_decref(&comid);
	return r;
}

/* ---- where the file keeps them ---- */

/* Headers i of type CORIM_DOCUMENT and CORIM_SIGNATURE for the platform's mask. */
static void find(const struct snpm_igvm *f, uint32_t mask, struct snpm_igvm_header *doc,
		 struct snpm_igvm_header *sig, bool *has_doc, bool *has_sig)
{
	*has_doc = *has_sig = false;
	for (size_t i = 0; mask && i < snpm_igvm_count(f); i++) {
		struct snpm_igvm_header h;
		snpm_igvm_header(f, i, &h);
		if (h.compatibility_mask != mask)
			continue;
		if (h.type == SNPM_IGVM_CORIM_DOCUMENT)
			*doc = h, *has_doc = true;
		if (h.type == SNPM_IGVM_CORIM_SIGNATURE)
			*sig = h, *has_sig = true;
	}
}

static int read_blob(const struct snpm_source *src, const struct snpm_igvm_header *h, uint8_t **ret,
		     struct snpm_error *reterr)
{
	int r;

	*ret = malloc(h->size ? h->size : 1);
	if (!*ret)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	r = snpm_source_read(src, h->file_offset, *ret, h->size, reterr);
	if (r < 0) {
		free(*ret);
		*ret = NULL;
	}
	return r;
}

int snpm_igvm_corim(const struct snpm_igvm *f, const struct snpm_source *src,
		    struct snpm_igvm_corim *ret, struct snpm_error *reterr)
{
	struct snpm_igvm_header doc, sig;
	cbor_item_t *root;
	uint8_t *data = NULL;
	bool has_doc, has_sig;
	int r;

	if (!f || !src || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no file, source or result");
	memset(ret, 0, sizeof(*ret));
	find(f, snpm_igvm_platform_mask(f, SNPM_IGVM_SEV_SNP), &doc, &sig, &has_doc, &has_sig);
	if (!has_doc)
		return 0;
	ret->present = true;
	ret->document_offset = doc.file_offset, ret->document_size = doc.size;
	ret->signed_ = has_sig;
	ret->signature_offset = has_sig ? sig.file_offset : 0;
	ret->signature_size = has_sig ? sig.size : 0;
	r = read_blob(src, &doc, &data, reterr);
	if (r < 0)
		return r;
	root = decode_all(data, doc.size);
	r = root ? read_corim(root, ret, reterr) :
		   shape(reterr, "the document is not one CBOR item");
	if (root)
		cbor_decref(&root);
	free(data);
	if (r < 0 && reterr) { /* the header named first, as every IGVM refusal names it */
		char why[SNPM_ERROR_MESSAGE_SIZE];
		snprintf(why, sizeof(why), "%s", reterr->message);
		return snpm_fail_at(reterr, r, doc.offset,
				    "IGVM header %u (CORIM_DOCUMENT) at offset 0x%llx: %s",
				    doc.index, (unsigned long long)doc.offset, why);
	}
	return r;
}

/* ---- COSE_Sign1 (RFC 9052 4.2, 4.4) over the detached document ---- */

/* ES256 (-7) and ES384 (-35), the ECDSA curves OpenSSL checks the key against. */
static int cose_alg(cbor_item_t *protected_map, int *bits, struct snpm_error *reterr)
{
	struct cbor_pair *p;
	int64_t alg = 0;

	if (!cbor_isa_map(protected_map) || !cbor_map_is_definite(protected_map))
		return shape(reterr, "the signature's protected header is not a map");
	p = cbor_map_handle(protected_map);
	for (size_t i = 0; i < cbor_map_size(protected_map); i++) {
		cbor_item_t *k = p[i].key, *v = p[i].value;
		if (cbor_isa_uint(k) && cbor_get_int(k) == 2)
			return snpm_fail(reterr, SNPM_EUNSUPPORTED,
					 "CoRIM signature: critical headers are not understood");
		if (cbor_isa_uint(k) && cbor_get_int(k) == 1 && cbor_isa_negint(v))
			alg = -1 - (int64_t)cbor_get_int(v);
	}
	if (alg == -7 || alg == -35) {
		*bits = alg == -7 ? 256 : 384;
		return 0;
	}
	return snpm_fail(reterr, SNPM_EUNSUPPORTED,
			 "CoRIM signature: algorithm %lld is not ES256 or ES384", (long long)alg);
}

/* Sig_structure = ["Signature1", protected, external_aad h'', payload]. */
static unsigned char *sig_structure(cbor_item_t *protected_bytes, const uint8_t *payload,
				    size_t payload_len, size_t *ret_len)
{
	cbor_item_t *a = cbor_new_definite_array(4);
	unsigned char *buf = NULL;
	size_t cap = 0;
	bool ok = a && cbor_array_push(a, cbor_move(cbor_build_string("Signature1"))) &&
		  cbor_array_push(a, protected_bytes) &&
		  cbor_array_push(a, cbor_move(cbor_build_bytestring(NULL, 0))) &&
		  cbor_array_push(a, cbor_move(cbor_build_bytestring(payload, payload_len)));

	*ret_len = ok ? cbor_serialize_alloc(a, &buf, &cap) : 0;
	if (a)
		cbor_decref(&a);
	if (*ret_len == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int verify_es(EVP_PKEY *key, int bits, const uint8_t *rs, size_t rs_len,
		     const unsigned char *msg, size_t msg_len, struct snpm_error *reterr)
{
	size_t half = bits == 256 ? 32 : 48;
	unsigned char *der = NULL;
	int der_len, ok = 0;

	/* r || s, each half: nothing is read before the length is known to hold them. */
	if (rs_len != 2 * half)
		return snpm_fail(reterr, SNPM_EMALFORMED, "CoRIM signature: %zu bytes, not %zu",
				 rs_len, 2 * half);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs, (int)half, NULL), *s = BN_bin2bn(rs + half, (int)half, NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
		r = s = NULL;
		der_len = i2d_ECDSA_SIG(sig, &der);
		ok = der_len > 0 && ctx &&
		     EVP_DigestVerifyInit(ctx, NULL, bits == 256 ? EVP_sha256() : EVP_sha384(),
					  NULL, key) == 1 &&
		     EVP_DigestVerify(ctx, der, (size_t)der_len, msg, msg_len) == 1;
	}
	OPENSSL_free(der);
	BN_free(r), BN_free(s), ECDSA_SIG_free(sig), EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 :
		    snpm_fail(reterr, SNPM_EVERIFY,
			      "the CoRIM's signature does not verify with this key");
}

static int check_cose(cbor_item_t *cose, const uint8_t *doc, size_t doc_len, EVP_PKEY *key,
		      struct snpm_error *reterr)
{
	cbor_item_t *s = tagged(cose, 18) ? tagged(cose, 18) : cose, *prot, *pmap, *sig;
	unsigned char *msg;
	size_t msg_len;
	int bits = 0, r;

	if (!array_of(s, 4) || !cbor_isa_bytestring(prot = cbor_array_handle(s)[0]) ||
	    !cbor_bytestring_is_definite(prot) || !cbor_isa_map(cbor_array_handle(s)[1]) ||
	    !cbor_is_null(cbor_array_handle(s)[2]) ||
	    !cbor_isa_bytestring(sig = cbor_array_handle(s)[3]) ||
	    !cbor_bytestring_is_definite(sig))
		return shape(reterr, "the signature is not a COSE_Sign1 with a detached payload");
	if (cbor_map_size(cbor_array_handle(s)[1]))
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "CoRIM signature: unprotected headers are not understood");
	pmap = decode_all(cbor_bytestring_handle(prot), cbor_bytestring_length(prot));
	if (!pmap)
		return shape(reterr, "the signature's protected header is not one CBOR item");
	r = cose_alg(pmap, &bits, reterr);
	cbor_decref(&pmap);
	if (r < 0)
		return r;
	if (!(msg = sig_structure(prot, doc, doc_len, &msg_len)))
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	r = verify_es(key, bits, cbor_bytestring_handle(sig), cbor_bytestring_length(sig), msg,
		      msg_len, reterr);
	free(msg);
	return r;
}

/* An EC public key in PEM (SubjectPublicKeyInfo), nothing after it. */
static int load_key(const char *pem, size_t len, EVP_PKEY **ret, struct snpm_error *reterr)
{
	BIO *bio = len <= INT32_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
	EVP_PKEY *key = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	if (!key || EVP_PKEY_base_id(key) != EVP_PKEY_EC) {
		EVP_PKEY_free(key);
		ERR_clear_error();
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "the CoRIM key is not an EC public key in PEM");
	}
	*ret = key;
	return 0;
}

int snpm_igvm_corim_verify(const struct snpm_igvm *f, const struct snpm_source *src,
			   const char *key_pem, size_t key_len, struct snpm_error *reterr)
{
	struct snpm_igvm_header doc, sig;
	uint8_t *d = NULL, *s = NULL;
	cbor_item_t *cose = NULL;
	EVP_PKEY *key = NULL;
	bool has_doc, has_sig;
	int r;

	if (!f || !src || !key_pem)
		return snpm_fail(reterr, SNPM_EINVAL, "no file, source or key");
	find(f, snpm_igvm_platform_mask(f, SNPM_IGVM_SEV_SNP), &doc, &sig, &has_doc, &has_sig);
	if (!has_doc || !has_sig)
		return snpm_fail(reterr, SNPM_EVERIFY,
				 "the IGVM file carries no signed CoRIM for "
				 "SEV-SNP");
	r = load_key(key_pem, key_len, &key, reterr);
	if (r == 0)
		r = read_blob(src, &doc, &d, reterr);
	if (r == 0)
		r = read_blob(src, &sig, &s, reterr);
	/* COSE_Sign1's tag 18 is one byte, 0xd2, which libcbor 0.8 (Debian 12's) refuses as
	 * malformed: the tag is taken here and the array decoded alone. */
	if (r == 0 && sig.size > 1 && s[0] == 0xd2)
		cose = decode_all(s + 1, sig.size - 1);
	else if (r == 0)
		cose = decode_all(s, sig.size);
	if (r == 0 && !cose)
		r = shape(reterr, "the signature is not one CBOR item");
	if (r == 0)
		r = check_cose(cose, d, doc.size, key, reterr);
	if (cose)
		cbor_decref(&cose);
	EVP_PKEY_free(key);
	free(d), free(s);
	return r;
}
