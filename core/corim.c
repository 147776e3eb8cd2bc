/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The launch-measurement and SNP CoRIM profiles (core/corim.h): libcbor builds and reads the
 * trees; every shape is checked item by item, and what a profile does not allow is refused.
 *
 *   corim = #6.501({ 0: id, 1: [ #6.506(bstr .cbor comid) ... ], 3: #6.32(profile),
 *                    ? 5: [ { 0: creator, 2: [1] } ] })
 *
 * launch: comid = { 1: { 0: tag-id }, 4: { 0: [ [env, [m]] ], 8: [ ces ] } }
 *   env = { 0: { 1: "AMD", 2: "SEV-SNP" } }, m = { 0: "MEASUREMENT", 1: { 2: [[7, h'48']] } }
 *   ces = [ [env, []], [ [ [m], [ { 1: { 1: #6.552(svn) } } ] ] ] ]
 * snp: comid = { 1: { 0: tag-id }, 4: { 0: [ triple ... ] } }
 *   triple = [ { 0: { 0: #6.111(OID 1.3.6.1.4.1.3704.3.1) }, 1: #6.560(measurement) },
 *              [ { 0: 641, 1: { 2: [[7, h'48']] } }, { 0: 642, 1: { 4: #6.560(h'32') } },
 *                { 0: 643 / 644, 1: { 4: #6.560(h'48') } }, { 0: 647, 1: { 1: #6.553(tcb) } } ] ]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/evp.h>

#include "cbor.h"
#include "corim.h"
#include "crypto.h"

#define MAX_DEPTH 16 /* the deepest either profile nests (the endorsement series: 12) */
#define SHA384_ALG 7 /* IANA named-information: sha-384 */
#define TAG_CORIM 501
#define TAG_COMID 506
#define TAG_URI 32
#define TAG_OID 111
#define TAG_BYTES 560
#define TAG_SVN 552
#define TAG_MIN_SVN 553
#define ROLE_MANIFEST_CREATOR 1

/* The DER content of 1.3.6.1.4.1.3704.3.1: AMD SEV-SNP attestation by chip. */
static const uint8_t class_by_chip[] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x9c, 0x78, 0x03, 0x01 };

static int shape(struct snpm_error *reterr, const char *what)
{
	return snpm_fail(reterr, SNPM_EMALFORMED, "CoRIM: %s", what);
}

/* ---- building: every helper takes the references it is given, even when it fails ---- */

static cbor_item_t *list(size_t n, cbor_item_t **items)
{
	cbor_item_t *a = cbor_new_definite_array(n);
	bool ok = a != NULL;

	for (size_t i = 0; i < n; i++) {
		if (ok)
			ok = snpm_cbor_push(a, items[i]);
		else if (items[i])
			cbor_decref(&items[i]);
	}
	if (!ok && a)
		cbor_decref(&a);
	return ok ? a : NULL;
}

static cbor_item_t *map_of(size_t n, const uint64_t *keys, cbor_item_t **values)
{
	cbor_item_t *m = cbor_new_definite_map(n);
	bool ok = m != NULL;

	for (size_t i = 0; i < n; i++) {
		if (ok)
			ok = snpm_cbor_put(m, keys[i], values[i]);
		else if (values[i])
			cbor_decref(&values[i]);
	}
	if (!ok && m)
		cbor_decref(&m);
	return ok ? m : NULL;
}

#define N_ITEMS(...) (sizeof((cbor_item_t *[]){ __VA_ARGS__ }) / sizeof(cbor_item_t *))
#define LIST(...) list(N_ITEMS(__VA_ARGS__), (cbor_item_t *[]){ __VA_ARGS__ })
#define EMPTY_LIST() cbor_new_definite_array(0)
#define MAP1(k, v) map_of(1, (uint64_t[]){ k }, (cbor_item_t *[]){ v })
#define MAP2(k1, v1, k2, v2) map_of(2, (uint64_t[]){ k1, k2 }, (cbor_item_t *[]){ v1, v2 })

/* ---- the envelope both profiles share ---- */

static cbor_item_t *decode(const uint8_t *doc, size_t len)
{
	return len <= SNPM_CORIM_MAX ? snpm_cbor_decode_all(doc, len, MAX_DEPTH) : NULL;
}

/* The unsigned CoRIM map with the profile named, keys within allowed; its CoMID tags. */
static int envelope(cbor_item_t *root, const char *profile, uint32_t allowed, cbor_item_t **tags,
		    struct snpm_error *reterr)
{
	cbor_item_t *map = snpm_cbor_tagged(root, TAG_CORIM), *p;

	if (!snpm_cbor_int_map(map, allowed) || !snpm_cbor_map_at(map, 0) ||
	    !(*tags = snpm_cbor_map_at(map, 1)))
		return shape(reterr, "not a tagged-unsigned-corim-map with an id and tags only");
	p = snpm_cbor_map_at(map, 3);
	if (!snpm_cbor_text_is(snpm_cbor_tagged(p, TAG_URI), profile) &&
	    !snpm_cbor_text_is(p, profile)) {
		char why[128];
		snprintf(why, sizeof(why), "its profile is not %s", profile);
		return shape(reterr, why);
	}
	if (!cbor_isa_array(*tags) || !cbor_array_is_definite(*tags) || !cbor_array_size(*tags))
		return shape(reterr, "it holds no CoMID tags");
	return 0;
}

/* The CoMID inside tag item (a #6.506 byte string), decoded; NULL when it is not one. */
static cbor_item_t *comid_of(cbor_item_t *item)
{
	cbor_item_t *bytes = snpm_cbor_tagged(item, TAG_COMID);

	return snpm_cbor_bytes_of(bytes, SIZE_MAX) ?
		       decode(cbor_bytestring_handle(bytes), cbor_bytestring_length(bytes)) :
		       NULL;
}

/* #6.501({0: id, 1: [#6.506(comid)], 3: #6.32(profile), 5: [{0: creator, 2: [1]}]}), taking
 * comid. */
static uint8_t *write_envelope(cbor_item_t *comid, const char *id, const char *profile,
			       const char *creator, size_t *len)
{
	uint8_t *enc = comid ? snpm_cbor_encode(comid, len) : NULL, *out = NULL;
	cbor_item_t *tags =
		enc ? LIST(snpm_cbor_tag_new(TAG_COMID, cbor_build_bytestring(enc, *len))) : NULL;
	cbor_item_t *uri = snpm_cbor_tag_new(TAG_URI, cbor_build_string(profile)), *map;

	if (creator)
		map = map_of(4, (uint64_t[]){ 0, 1, 3, 5 },
			     (cbor_item_t *[]){
				     cbor_build_string(id), tags, uri,
				     LIST(MAP2(0, cbor_build_string(creator), 2,
					       LIST(snpm_cbor_uint_new(ROLE_MANIFEST_CREATOR)))) });
	else
		map = map_of(3, (uint64_t[]){ 0, 1, 3 },
			     (cbor_item_t *[]){ cbor_build_string(id), tags, uri });
	cbor_item_t *root = snpm_cbor_tag_new(TAG_CORIM, map);

	if (root) {
		out = snpm_cbor_encode(root, len);
		cbor_decref(&root);
	}
	if (comid)
		cbor_decref(&comid);
	free(enc);
	return out;
}

/* { 1: { 0: tag-id }, 4: triples }, taking triples. */
static cbor_item_t *comid_new(const char *tag_id, cbor_item_t *triples)
{
	return MAP2(1, MAP1(0, cbor_build_string(tag_id)), 4, triples);
}

/* [[7, digest]] for mval key 2. */
static cbor_item_t *digests_new(const uint8_t digest[SNPM_LD_SIZE])
{
	return LIST(
		LIST(snpm_cbor_uint_new(SHA384_ALG), cbor_build_bytestring(digest, SNPM_LD_SIZE)));
}

/* [[7, h'48 bytes']]: its digest. */
static bool read_digests(cbor_item_t *list, uint8_t digest[SNPM_LD_SIZE])
{
	cbor_item_t *d;
	uint64_t alg;

	if (!snpm_cbor_array_of(list, 1) ||
	    !snpm_cbor_array_of(d = cbor_array_handle(list)[0], 2) ||
	    !snpm_cbor_uint(cbor_array_handle(d)[0], &alg) || alg != SHA384_ALG ||
	    !snpm_cbor_bytes_of(cbor_array_handle(d)[1], SNPM_LD_SIZE))
		return false;
	memcpy(digest, cbor_bytestring_handle(cbor_array_handle(d)[1]), SNPM_LD_SIZE);
	return true;
}

static int uuid5(const uint8_t ns[16], const char *name, char out[37], struct snpm_error *reterr)
{
	uint8_t sha1[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
		  EVP_DigestUpdate(ctx, ns, 16) == 1 &&
		  EVP_DigestUpdate(ctx, name, strlen(name)) == 1 &&
		  EVP_DigestFinal_ex(ctx, sha1, &len) == 1;

	EVP_MD_CTX_free(ctx);
	if (!ok)
		return snpm_fail_crypto(reterr, "SHA-1");
	sha1[6] = (uint8_t)((sha1[6] & 0x0f) | 0x50); /* RFC 9562 5.5: version 5 */
	sha1[8] = (uint8_t)((sha1[8] & 0x3f) | 0x80);
	snpm_uuid_format(sha1, out);
	for (char *p = out; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	return 0;
}

/* ---- launch ---- */

int snpm_corim_launch_tag_id(char out[37], struct snpm_error *reterr)
{
	static const uint8_t ns[16] = { 0x85, 0xf3, 0xf1, 0xc2, 0x22, 0xa8, 0x44, 0x1e,
					0xa1, 0xb9, 0xbc, 0xcf, 0xb6, 0x3e, 0xd5, 0xf7 };

	return uuid5(ns, "AMD/SEV-SNP", out, reterr);
}

static bool env_is_snp(cbor_item_t *env)
{
	cbor_item_t *class = snpm_cbor_int_map(env, 1u << 0) ? snpm_cbor_map_at(env, 0) : NULL;

	return class && snpm_cbor_int_map(class, (1u << 1) | (1u << 2)) &&
	       snpm_cbor_text_is(snpm_cbor_map_at(class, 1), "AMD") &&
	       snpm_cbor_text_is(snpm_cbor_map_at(class, 2), "SEV-SNP");
}

/* { 0: "MEASUREMENT", 1: { 2: [ [7, h'48 bytes'] ] } }: its digest. */
static bool launch_measurement(cbor_item_t *m, uint8_t digest[SNPM_LD_SIZE])
{
	cbor_item_t *mval;

	return snpm_cbor_int_map(m, (1u << 0) | (1u << 1)) &&
	       snpm_cbor_text_is(snpm_cbor_map_at(m, 0), "MEASUREMENT") &&
	       snpm_cbor_int_map(mval = snpm_cbor_map_at(m, 1), 1u << 2) &&
	       read_digests(snpm_cbor_map_at(mval, 2), digest);
}

/* [ [env, []], [ [ [measurement], [ { 1: { 1: #6.552(svn) } } ] ] ] ]: the SVN, for digest. */
static bool endorsement(cbor_item_t *r, const uint8_t digest[SNPM_LD_SIZE], uint64_t *svn)
{
	cbor_item_t *cond, *series, *rec, *sel, *add, *m, *mval;
	uint8_t d[SNPM_LD_SIZE];

	if (!snpm_cbor_array_of(r, 2) || !snpm_cbor_array_of(cond = cbor_array_handle(r)[0], 2) ||
	    !env_is_snp(cbor_array_handle(cond)[0]) ||
	    !snpm_cbor_array_of(cbor_array_handle(cond)[1], 0) ||
	    !snpm_cbor_array_of(series = cbor_array_handle(r)[1], 1) ||
	    !snpm_cbor_array_of(rec = cbor_array_handle(series)[0], 2) ||
	    !snpm_cbor_array_of(sel = cbor_array_handle(rec)[0], 1) ||
	    !snpm_cbor_array_of(add = cbor_array_handle(rec)[1], 1))
		return false;
	if (!launch_measurement(cbor_array_handle(sel)[0], d) || memcmp(d, digest, SNPM_LD_SIZE))
		return false;
	m = cbor_array_handle(add)[0];
	/* an exact SVN; a minimum one (553) is refused */
	return snpm_cbor_int_map(m, 1u << 1) &&
	       snpm_cbor_int_map(mval = snpm_cbor_map_at(m, 1), 1u << 1) &&
	       snpm_cbor_uint(snpm_cbor_tagged(snpm_cbor_map_at(mval, 1), TAG_SVN), svn);
}

static int launch_triples(cbor_item_t *triples, uint8_t digest[SNPM_LD_SIZE], uint64_t *svn,
			  struct snpm_error *reterr)
{
	cbor_item_t *refs, *rec, *ms, *ces;

	if (!snpm_cbor_int_map(triples, (1u << 0) | (1u << 8)) ||
	    !(refs = snpm_cbor_map_at(triples, 0)) || !(ces = snpm_cbor_map_at(triples, 8)))
		return shape(reterr, "the CoMID's triples are not one reference triple and one "
				     "conditional endorsement series");
	if (!snpm_cbor_array_of(refs, 1) ||
	    !snpm_cbor_array_of(rec = cbor_array_handle(refs)[0], 2) ||
	    !env_is_snp(cbor_array_handle(rec)[0]) ||
	    !snpm_cbor_array_of(ms = cbor_array_handle(rec)[1], 1) ||
	    !launch_measurement(cbor_array_handle(ms)[0], digest))
		return shape(reterr, "the reference triple is not AMD SEV-SNP's one SHA-384 "
				     "MEASUREMENT");
	if (!snpm_cbor_array_of(ces, 1) || !endorsement(cbor_array_handle(ces)[0], digest, svn))
		return shape(reterr, "the endorsement series does not map that MEASUREMENT to an "
				     "exact SVN");
	return 0;
}

static int launch_comid(cbor_item_t *comid, uint8_t digest[SNPM_LD_SIZE], uint64_t *svn,
			struct snpm_error *reterr)
{
	cbor_item_t *ident, *id;
	char want[37];
	int r;

	if (!snpm_cbor_int_map(comid, (1u << 1) | (1u << 4)) ||
	    !snpm_cbor_int_map(ident = snpm_cbor_map_at(comid, 1), 1u << 0))
		return shape(reterr, "the CoMID is not { 1: tag-identity, 4: triples }");
	id = snpm_cbor_map_at(ident, 0);
	if ((r = snpm_corim_launch_tag_id(want, reterr)) < 0)
		return r;
	/* the profile: tag-ids compare without case */
	if (!id || !cbor_isa_string(id) || !cbor_string_is_definite(id) ||
	    cbor_string_length(id) != 36 ||
	    strncasecmp((const char *)cbor_string_handle(id), want, 36) != 0)
		return shape(reterr, "the CoMID's tag-id is not the profile's for AMD/SEV-SNP");
	return launch_triples(snpm_cbor_map_at(comid, 4), digest, svn, reterr);
}

int snpm_corim_launch_read(const uint8_t *doc, size_t len, uint8_t digest[SNPM_LD_SIZE],
			   uint64_t *svn, struct snpm_error *reterr)
{
	cbor_item_t *root = decode(doc, len), *tags, *comid;
	int r;

	if (!root)
		return shape(reterr, "the document is not one CBOR item");
	r = envelope(root, SNPM_CORIM_LAUNCH_PROFILE, 0x3f, &tags, reterr);
	if (r == 0 && cbor_array_size(tags) != 1)
		r = shape(reterr, "it does not hold exactly one CoMID tag");
	if (r == 0 && !(comid = comid_of(cbor_array_handle(tags)[0])))
		r = shape(reterr, "its CoMID is not one CBOR item");
	if (r == 0) {
		r = launch_comid(comid, digest, svn, reterr);
		cbor_decref(&comid);
	}
	cbor_decref(&root);
	return r;
}

static cbor_item_t *env_snp_new(void)
{
	return MAP1(0, MAP2(1, cbor_build_string("AMD"), 2, cbor_build_string("SEV-SNP")));
}

static cbor_item_t *launch_m_new(const uint8_t digest[SNPM_LD_SIZE])
{
	return MAP2(0, cbor_build_string("MEASUREMENT"), 1, MAP1(2, digests_new(digest)));
}

uint8_t *snpm_corim_launch_write(const uint8_t digest[SNPM_LD_SIZE], uint64_t svn, const char *id,
				 const char *creator, size_t *len)
{
	char tag_id[37];

	if (snpm_corim_launch_tag_id(tag_id, NULL) < 0)
		return NULL;
	cbor_item_t *ref = LIST(LIST(env_snp_new(), LIST(launch_m_new(digest))));
	cbor_item_t *addition =
		MAP1(1, MAP1(1, snpm_cbor_tag_new(TAG_SVN, snpm_cbor_uint_new(svn))));
	cbor_item_t *ces = LIST(LIST(LIST(env_snp_new(), EMPTY_LIST()),
				     LIST(LIST(LIST(launch_m_new(digest)), LIST(addition)))));

	return write_envelope(comid_new(tag_id, MAP2(0, ref, 8, ces)), id,
			      SNPM_CORIM_LAUNCH_PROFILE, creator, len);
}

/* ---- snp ---- */

static cbor_item_t *raw_new(const uint8_t *v, size_t n)
{
	return MAP1(4, snpm_cbor_tag_new(TAG_BYTES, cbor_build_bytestring(v, n)));
}

static cbor_item_t *mkey_new(uint64_t mkey, cbor_item_t *mval)
{
	return MAP2(0, snpm_cbor_uint_new(mkey), 1, mval);
}

static cbor_item_t *snp_triple_new(const struct snpm_corim_snp_triple *t)
{
	cbor_item_t *ms = cbor_new_definite_array(5), *env;
	bool ok = ms && snpm_cbor_push(ms, mkey_new(SNPM_MKEY_MEASUREMENT,
						    MAP1(2, digests_new(t->measurement))));

	if (ok && t->has_host_data)
		ok = snpm_cbor_push(ms, mkey_new(SNPM_MKEY_HOST_DATA, raw_new(t->host_data, 32)));
	if (ok && t->has_id_key)
		ok = snpm_cbor_push(ms, mkey_new(SNPM_MKEY_ID_KEY_DIGEST,
						 raw_new(t->id_key_digest, SNPM_SHA384_SIZE)));
	if (ok && t->has_author_key)
		ok = snpm_cbor_push(ms, mkey_new(SNPM_MKEY_AUTHOR_KEY_DIGEST,
						 raw_new(t->author_key_digest, SNPM_SHA384_SIZE)));
	if (ok && t->has_min_tcb)
		ok = snpm_cbor_push(
			ms, mkey_new(SNPM_MKEY_REPORTED_TCB,
				     MAP1(1, snpm_cbor_tag_new(TAG_MIN_SVN,
							       snpm_cbor_uint_new(t->min_tcb)))));
	if (!ok) {
		if (ms)
			cbor_decref(&ms);
		return NULL;
	}
	/* cbor_new_definite_array(5) has room for five; the encoding holds those pushed */
	env = MAP2(
		0,
		MAP1(0, snpm_cbor_tag_new(TAG_OID, cbor_build_bytestring(class_by_chip,
									 sizeof(class_by_chip)))),
		1,
		snpm_cbor_tag_new(TAG_BYTES, cbor_build_bytestring(t->measurement, SNPM_LD_SIZE)));
	return LIST(env, ms);
}

/* A tag-id from the document's content, so the same values give the same tag. */
static int content_tag_id(const uint8_t *triples, size_t len, char out[37])
{
	static const uint8_t url_ns[16] = { 0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
					    0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
	uint8_t sha[SNPM_SHA256_SIZE];
	char name[40 + 2 * SNPM_SHA256_SIZE + 1];
	unsigned n = 0;

	if (EVP_Digest(triples, len, sha, &n, EVP_sha256(), NULL) != 1)
		return -1;
	int w = snprintf(name, sizeof(name), "urn:snpmeasure:refvals:");
	for (size_t i = 0; i < sizeof(sha); i++)
		w += snprintf(name + w, sizeof(name) - (size_t)w, "%02x", sha[i]);
	return uuid5(url_ns, name, out, NULL);
}

uint8_t *snpm_corim_snp_write(const struct snpm_corim_snp_triple *t, size_t n, const char *id,
			      const char *creator, size_t *len)
{
	cbor_item_t *refs = cbor_new_definite_array(n);
	uint8_t *enc;
	char tag_id[37];
	bool ok = refs != NULL;

	for (size_t i = 0; ok && i < n; i++)
		ok = snpm_cbor_push(refs, snp_triple_new(&t[i]));
	enc = ok ? snpm_cbor_encode(refs, len) : NULL;
	ok = enc && content_tag_id(enc, *len, tag_id) == 0;
	free(enc);
	if (!ok) {
		if (refs)
			cbor_decref(&refs);
		return NULL;
	}
	return write_envelope(comid_new(tag_id, MAP1(0, refs)), id, SNPM_CORIM_SNP_PROFILE, creator,
			      len);
}

/* #6.560(h'n bytes') under mval key 4. */
static bool read_raw(cbor_item_t *mval, uint8_t *out, size_t n)
{
	cbor_item_t *b;

	if (!snpm_cbor_int_map(mval, 1u << 4) ||
	    !snpm_cbor_bytes_of(b = snpm_cbor_tagged(snpm_cbor_map_at(mval, 4), TAG_BYTES), n))
		return false;
	memcpy(out, cbor_bytestring_handle(b), n);
	return true;
}

/* A reported TCB under mval key 1: exact (552) or minimum (553), compared as a minimum part
 * by part, as Veraison's sevsnp scheme compares it. */
static bool read_tcb(cbor_item_t *mval, uint64_t *tcb)
{
	cbor_item_t *v;

	if (!snpm_cbor_int_map(mval, 1u << 1))
		return false;
	v = snpm_cbor_map_at(mval, 1);
	return snpm_cbor_uint(snpm_cbor_tagged(v, TAG_MIN_SVN), tcb) ||
	       snpm_cbor_uint(snpm_cbor_tagged(v, TAG_SVN), tcb);
}

static int snp_measurement(cbor_item_t *m, struct snpm_corim_snp_triple *t, uint32_t *seen,
			   struct snpm_error *reterr)
{
	cbor_item_t *mval;
	uint64_t mkey;
	bool ok;
	char why[160];

	if (!snpm_cbor_int_map(m, (1u << 0) | (1u << 1)) ||
	    !snpm_cbor_uint(snpm_cbor_map_at(m, 0), &mkey) || !(mval = snpm_cbor_map_at(m, 1)))
		return shape(reterr, "a measurement is not { 0: mkey, 1: values } with a numeric "
				     "mkey");
	if (mkey < SNPM_MKEY_MEASUREMENT || mkey > SNPM_MKEY_REPORTED_TCB ||
	    mkey == SNPM_MKEY_REPORTED_TCB - 2 || mkey == SNPM_MKEY_REPORTED_TCB - 1) {
		snprintf(why, sizeof(why),
			 "mkey %llu is not one snpmeasure can judge (it reads 641 MEASUREMENT, "
			 "642 HOST_DATA, 643 ID_KEY_DIGEST, 644 AUTHOR_KEY_DIGEST, 647 "
			 "REPORTED_TCB)",
			 (unsigned long long)mkey);
		return shape(reterr, why);
	}
	if (*seen & (1u << (mkey - SNPM_MKEY_MEASUREMENT))) {
		snprintf(why, sizeof(why), "mkey %llu appears twice in one triple",
			 (unsigned long long)mkey);
		return shape(reterr, why);
	}
	*seen |= 1u << (mkey - SNPM_MKEY_MEASUREMENT);
	switch (mkey) {
	case SNPM_MKEY_MEASUREMENT:
		ok = snpm_cbor_int_map(mval, 1u << 2) &&
		     read_digests(snpm_cbor_map_at(mval, 2), t->measurement);
		break;
	case SNPM_MKEY_HOST_DATA:
		ok = t->has_host_data = read_raw(mval, t->host_data, 32);
		break;
	case SNPM_MKEY_ID_KEY_DIGEST:
		ok = t->has_id_key = read_raw(mval, t->id_key_digest, SNPM_SHA384_SIZE);
		break;
	case SNPM_MKEY_AUTHOR_KEY_DIGEST:
		ok = t->has_author_key = read_raw(mval, t->author_key_digest, SNPM_SHA384_SIZE);
		break;
	default:
		ok = t->has_min_tcb = read_tcb(mval, &t->min_tcb);
	}
	if (!ok) {
		snprintf(why, sizeof(why), "mkey %llu's value is not the profile's shape",
			 (unsigned long long)mkey);
		return shape(reterr, why);
	}
	return 0;
}

static int snp_triple(cbor_item_t *rec, struct snpm_corim_snp_triple *t, struct snpm_error *reterr)
{
	cbor_item_t *env, *class, *oid, *inst, *ms;
	uint32_t seen = 0;
	int r = 0;

	memset(t, 0, sizeof(*t));
	if (!snpm_cbor_array_of(rec, 2) ||
	    !snpm_cbor_int_map(env = cbor_array_handle(rec)[0], (1u << 0) | (1u << 1)) ||
	    !snpm_cbor_int_map(class = snpm_cbor_map_at(env, 0), 1u << 0))
		return shape(reterr, "a reference triple is not [ { 0: class, 1: instance }, "
				     "measurements ]");
	oid = snpm_cbor_tagged(snpm_cbor_map_at(class, 0), TAG_OID);
	if (!snpm_cbor_bytes_of(oid, sizeof(class_by_chip)) ||
	    memcmp(cbor_bytestring_handle(oid), class_by_chip, sizeof(class_by_chip)) != 0)
		return shape(reterr, "a triple's class is not 1.3.6.1.4.1.3704.3.1 (SEV-SNP "
				     "attestation by chip)");
	ms = cbor_array_handle(rec)[1];
	if (!cbor_isa_array(ms) || !cbor_array_is_definite(ms) || !cbor_array_size(ms))
		return shape(reterr, "a triple holds no measurements");
	for (size_t i = 0; r == 0 && i < cbor_array_size(ms); i++)
		r = snp_measurement(cbor_array_handle(ms)[i], t, &seen, reterr);
	if (r == 0 && !(seen & 1))
		return shape(reterr, "a triple has no MEASUREMENT (mkey 641)");
	inst = snpm_cbor_tagged(snpm_cbor_map_at(env, 1), TAG_BYTES);
	/* Veraison finds a triple by its instance: one that is not the measurement is never
	 * found for it, and would pin nothing the reader believes. */
	if (r == 0 && (!snpm_cbor_bytes_of(inst, SNPM_LD_SIZE) ||
		       memcmp(cbor_bytestring_handle(inst), t->measurement, SNPM_LD_SIZE) != 0))
		return shape(reterr, "a triple's instance is not its measurement");
	return r;
}

/* Appends the triples of one CoMID; the array doubles as it grows (*cap), so many small CoMIDs
 * cost no more than one large one. */
static int snp_comid(cbor_item_t *comid, struct snpm_corim_snp_triple **v, size_t *n, size_t *cap,
		     struct snpm_error *reterr)
{
	cbor_item_t *triples, *refs;
	int r = 0;

	/* 0: language, 1: tag-identity, 2: entities: informative */
	if (!snpm_cbor_int_map(comid, (1u << 0) | (1u << 1) | (1u << 2) | (1u << 4)) ||
	    !snpm_cbor_map_at(comid, 1) ||
	    !snpm_cbor_int_map(triples = snpm_cbor_map_at(comid, 4), 1u << 0) ||
	    !(refs = snpm_cbor_map_at(triples, 0)) || !cbor_isa_array(refs) ||
	    !cbor_array_is_definite(refs) || !cbor_array_size(refs))
		return shape(reterr, "a CoMID is not { 1: tag-identity, 4: { 0: reference "
				     "triples } } (other triples are not judged here)");
	for (size_t i = 0; r == 0 && i < cbor_array_size(refs); i++) {
		r = snpm_grow(v, cap, *n, sizeof(**v), 16, reterr);
		if (r == 0)
			r = snp_triple(cbor_array_handle(refs)[i], &(*v)[(*n)++], reterr);
	}
	return r;
}

int snpm_corim_snp_read(const uint8_t *doc, size_t len, struct snpm_corim_snp_triple **ret,
			size_t *n, struct snpm_error *reterr)
{
	cbor_item_t *root = decode(doc, len), *tags, *comid;
	size_t cap = 0;
	int r;

	*ret = NULL, *n = 0;
	if (!root)
		return shape(reterr, "the document is not one CBOR item");
	/* 0: id, 1: tags, 3: profile, 5: entities; dependent RIMs (2) and a validity (4)
	 * would ask for what is not judged here */
	r = envelope(root, SNPM_CORIM_SNP_PROFILE, (1u << 0) | (1u << 1) | (1u << 3) | (1u << 5),
		     &tags, reterr);
	for (size_t i = 0; r == 0 && i < cbor_array_size(tags); i++) {
		if (!(comid = comid_of(cbor_array_handle(tags)[i]))) {
			r = shape(reterr, "a tag is not a CoMID (#6.506) of one CBOR item");
			break;
		}
		r = snp_comid(comid, ret, n, &cap, reterr);
		cbor_decref(&comid);
	}
	cbor_decref(&root);
	if (r < 0) {
		free(*ret);
		*ret = NULL, *n = 0;
	}
	return r;
}

static void copy_text(cbor_item_t *t, char *out, size_t size)
{
	size_t n = 0;

	if (t && cbor_isa_string(t) && cbor_string_is_definite(t)) {
		n = cbor_string_length(t) < size - 1 ? cbor_string_length(t) : size - 1;
		memcpy(out, cbor_string_handle(t), n);
	}
	out[n] = 0;
	for (size_t i = 0; i < n; i++) /* shown on a terminal: printable ASCII only */
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			out[i] = '?';
}

void snpm_corim_about(const uint8_t *doc, size_t len, char *id, size_t id_size, char *creator,
		      size_t creator_size)
{
	cbor_item_t *root = decode(doc, len);
	cbor_item_t *map = snpm_cbor_tagged(root, TAG_CORIM), *ents = snpm_cbor_map_at(map, 5);

	copy_text(snpm_cbor_map_at(map, 0), id, id_size);
	copy_text(ents && cbor_isa_array(ents) && cbor_array_size(ents) ?
			  snpm_cbor_map_at(cbor_array_handle(ents)[0], 0) :
			  NULL,
		  creator, creator_size);
	if (root)
		cbor_decref(&root);
}

int snpm_corim_which(const uint8_t *doc, size_t len)
{
	cbor_item_t *root = decode(doc, len);
	cbor_item_t *p = snpm_cbor_map_at(snpm_cbor_tagged(root, TAG_CORIM), 3);
	cbor_item_t *uri = snpm_cbor_tagged(p, TAG_URI) ? snpm_cbor_tagged(p, TAG_URI) : p;
	int which = snpm_cbor_text_is(uri, SNPM_CORIM_SNP_PROFILE)    ? 1 :
		    snpm_cbor_text_is(uri, SNPM_CORIM_LAUNCH_PROFILE) ? 2 :
									0;

	if (root)
		cbor_decref(&root);
	return which;
}

uint8_t *snpm_corim_meta(const char *signer, size_t *len)
{
	cbor_item_t *meta = MAP1(0, MAP1(0, cbor_build_string(signer)));
	uint8_t *out = meta ? snpm_cbor_encode(meta, len) : NULL;

	if (meta)
		cbor_decref(&meta);
	return out;
}
