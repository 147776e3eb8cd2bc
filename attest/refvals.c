/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Golden values out and in (<snpm/refvals.h>): the CoRIM profiles through core/corim.c and
 * core/cose.c, trustee's RVPS message through json-c; and a file's values as policy rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include <snpm/refvals.h>
#include <snpm/version.h>

#include "../core/cbor.h"
#include "../core/core.h"
#include "../core/corim.h"
#include "../core/cose.h"
#include "../core/json.h"
#include "policy.h"

#define CREATOR "snpmeasure " SNPM_VERSION_STRING
#define DEFAULT_ID "snpmeasure reference values"
#define MAX_VALUES (1u << 20)
#define RVPS_VERSION "0.1.0" /* trustee rvps/src/lib.rs MESSAGE_VERSION */
#define RVPS_MEASUREMENT "snp_launch_measurement"

static const struct snpm_name format_names[] = {
	{ "corim-snp", SNPM_REFVALS_CORIM_SNP, 0 },
	{ "corim-launch", SNPM_REFVALS_CORIM_LAUNCH, 0 },
	{ "rvps", SNPM_REFVALS_RVPS, 0 },
	{ NULL, 0, 0 },
};

const struct snpm_name *snpm_refvals_format_names(void)
{
	return format_names;
}

/* The TCB parts trustee's default policy names, in the Milan and Genoa TCB_VERSION layout
 * (byte 0 boot loader, 1 TEE, 6 SNP, 7 microcode; 2-5 reserved). */
static const struct tcb_part {
	const char *rvps;
	size_t byte;
	size_t offset;
} tcb_parts[] = {
	{ "snp_bootloader", 0, offsetof(struct snpm_refvals_tcb, bootloader) },
	{ "snp_tee_svn", 1, offsetof(struct snpm_refvals_tcb, tee) },
	{ "snp_snp_svn", 6, offsetof(struct snpm_refvals_tcb, snp) },
	{ "snp_microcode", 7, offsetof(struct snpm_refvals_tcb, microcode) },
};
#define N_TCB_PARTS (sizeof(tcb_parts) / sizeof(tcb_parts[0]))

static uint8_t *tcb_at(struct snpm_refvals_tcb *t, size_t i)
{
	return (uint8_t *)t + tcb_parts[i].offset;
}

static uint64_t tcb_u64(struct snpm_refvals_tcb t)
{
	uint64_t v = 0;

	for (size_t i = 0; i < N_TCB_PARTS; i++)
		v |= (uint64_t)*tcb_at(&t, i) << (8 * tcb_parts[i].byte);
	return v;
}

static bool tcb_of_u64(uint64_t v, struct snpm_refvals_tcb *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < N_TCB_PARTS; i++)
		*tcb_at(t, i) = (uint8_t)(v >> (8 * tcb_parts[i].byte));
	return tcb_u64(*t) == v; /* nothing in the reserved bytes */
}

static int cmp_digest(const void *a, const void *b)
{
	return memcmp(a, b, SNPM_LD_SIZE);
}

/* Whether a measurement is listed twice: sorted copy, neighbours compared (n log n). */
static int check_distinct(const uint8_t (*m)[SNPM_LD_SIZE], size_t n, int code,
			  struct snpm_error *reterr)
{
	uint8_t(*copy)[SNPM_LD_SIZE] = malloc(n * SNPM_LD_SIZE);
	int r = 0;

	if (!copy)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	memcpy(copy, m, n * SNPM_LD_SIZE);
	qsort(copy, n, SNPM_LD_SIZE, cmp_digest);
	for (size_t i = 1; r == 0 && i < n; i++)
		if (memcmp(copy[i - 1], copy[i], SNPM_LD_SIZE) == 0) {
			char hex[2 * SNPM_LD_SIZE + 1];
			snpm_hex_encode(copy[i], SNPM_LD_SIZE, hex);
			r = snpm_fail(reterr, code, "measurement %s is listed twice", hex);
		}
	free(copy);
	return r;
}

/* ---- out ---- */

/* Printable ASCII only: the text goes into CBOR text strings and JSON, which must be UTF-8,
 * and is shown on terminals. */
static bool printable(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static int check_out(const struct snpm_refvals *rv, enum snpm_refvals_format f, bool sign,
		     struct snpm_error *reterr)
{
	const struct snpm_refvals_pins *p = &rv->pins;

	if (!snpm_name_of(format_names, f))
		return snpm_fail(reterr, SNPM_EINVAL, "no such reference-value format");
	if (!printable(rv->inputs) || (rv->inputs && strlen(rv->inputs) > 4096))
		return snpm_fail(reterr, SNPM_EINVAL,
				 "the inputs text is not printable ASCII of at most 4096 bytes");
	if (!rv->measurements || rv->n == 0 || rv->n > MAX_VALUES)
		return snpm_fail(reterr, SNPM_EINVAL, "no measurements to write (or over %u)",
				 MAX_VALUES);
	if (f == SNPM_REFVALS_CORIM_LAUNCH && (p->has_host_data || p->has_id_key_digest ||
					       p->has_author_key_digest || p->has_min_tcb))
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "corim-launch carries a measurement and its SVN only: HOST_DATA, "
				 "key digests and a minimum TCB need corim-snp");
	if (f == SNPM_REFVALS_RVPS &&
	    (p->has_host_data || p->has_id_key_digest || p->has_author_key_digest))
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "rvps: trustee's default SNP policy looks up no HOST_DATA or key "
				 "digest; use corim-snp for them");
	if (f == SNPM_REFVALS_RVPS && sign)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "rvps: trustee's sample provenance carries no signature");
	return check_distinct(rv->measurements, rv->n, SNPM_EINVAL, reterr);
}

/* A growing output buffer. */
struct out {
	uint8_t *p;
	size_t len;
	bool oom;
};

static void out_add(struct out *o, uint8_t *bytes, size_t len)
{
	uint8_t *grown = bytes && !o->oom ? realloc(o->p, o->len + len) : NULL;

	if (!grown) {
		o->oom = true;
	} else {
		memcpy(grown + o->len, bytes, len);
		o->p = grown;
		o->len += len;
	}
	free(bytes);
}

/* doc as it goes out: itself, or signed. Takes doc. */
static int seal(struct out *o, uint8_t *doc, size_t len, const char *key, size_t key_len,
		struct snpm_error *reterr)
{
	uint8_t *meta, *signed_doc = NULL;
	size_t meta_len = 0, signed_len = 0;
	int r;

	if (!doc)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	if (!key) {
		out_add(o, doc, len);
		return 0;
	}
	meta = snpm_corim_meta(CREATOR, &meta_len);
	r = meta ? snpm_cose_sign(doc, len, SNPM_CORIM_CONTENT_TYPE, meta, meta_len, key, key_len,
				  &signed_doc, &signed_len, reterr) :
		   snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	free(meta);
	free(doc);
	if (r == 0)
		out_add(o, signed_doc, signed_len);
	return r;
}

static int write_snp(const struct snpm_refvals *rv, const char *key, size_t key_len, struct out *o,
		     struct snpm_error *reterr)
{
	struct snpm_corim_snp_triple *t = calloc(rv->n, sizeof(*t));
	const struct snpm_refvals_pins *p = &rv->pins;
	uint8_t *doc;
	size_t len = 0;

	if (!t)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	for (size_t i = 0; i < rv->n; i++) {
		memcpy(t[i].measurement, rv->measurements[i], SNPM_LD_SIZE);
		t[i].has_host_data = p->has_host_data;
		memcpy(t[i].host_data, p->host_data, sizeof(p->host_data));
		t[i].has_id_key = p->has_id_key_digest;
		memcpy(t[i].id_key_digest, p->id_key_digest, SNPM_SHA384_SIZE);
		t[i].has_author_key = p->has_author_key_digest;
		memcpy(t[i].author_key_digest, p->author_key_digest, SNPM_SHA384_SIZE);
		t[i].has_min_tcb = p->has_min_tcb;
		t[i].min_tcb = tcb_u64(p->min_tcb);
	}
	doc = snpm_corim_snp_write(t, rv->n, rv->inputs ? rv->inputs : DEFAULT_ID, CREATOR, &len);
	free(t);
	return seal(o, doc, len, key, key_len, reterr);
}

static int write_launch(const struct snpm_refvals *rv, const char *key, size_t key_len,
			struct out *o, struct snpm_error *reterr)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < rv->n; i++) {
		size_t len = 0;
		uint8_t *doc = snpm_corim_launch_write(rv->measurements[i], rv->svn,
						       rv->inputs ? rv->inputs : DEFAULT_ID,
						       CREATOR, &len);
		r = seal(o, doc, len, key, key_len, reterr);
	}
	return r;
}

static struct json_object *hex_string(const uint8_t *d, size_t n)
{
	char hex[2 * SNPM_LD_SIZE + 1];

	snpm_hex_encode(d, n, hex); /* lower case, as trustee's verifier writes its claims */
	return json_object_new_string(hex);
}

/* trustee's sample provenance: { name: [values] }, as rvps/src/extractors/sample reads it. */
static struct json_object *rvps_payload(const struct snpm_refvals *rv)
{
	struct json_object *p = json_object_new_object(), *list = json_object_new_array();

	for (size_t i = 0; i < rv->n; i++)
		json_object_array_add(list, hex_string(rv->measurements[i], SNPM_LD_SIZE));
	json_object_object_add(p, RVPS_MEASUREMENT, list);
	/* A minimum as the values from it to 255: the default policy tests membership. */
	for (size_t i = 0; rv->pins.has_min_tcb && i < N_TCB_PARTS; i++) {
		struct snpm_refvals_tcb t = rv->pins.min_tcb;
		struct json_object *vals = json_object_new_array();
		for (unsigned v = *tcb_at(&t, i); v <= 255; v++)
			json_object_array_add(vals, json_object_new_int(v));
		json_object_object_add(p, tcb_parts[i].rvps, vals);
	}
	return p;
}

static uint8_t *json_bytes(struct json_object *o, size_t *len)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
	uint8_t *out = s ? (uint8_t *)strdup(s) : NULL;

	*len = out ? strlen(s) : 0;
	return out;
}

static char *base64(const uint8_t *d, size_t n)
{
	char *out = n <= (SIZE_MAX - 1) / 4 * 3 ? malloc(4 * ((n + 2) / 3) + 1) : NULL;

	if (out)
		EVP_EncodeBlock((unsigned char *)out, d, (int)n);
	return out;
}

static int write_rvps(const struct snpm_refvals *rv, struct out *o, struct snpm_error *reterr)
{
	struct json_object *payload = rvps_payload(rv), *msg = json_object_new_object();
	struct json_object *about = json_object_new_object();
	size_t plen = 0, mlen = 0;
	uint8_t *pbytes = json_bytes(payload, &plen), *mbytes = NULL;
	char *b64 = pbytes && plen <= INT32_MAX / 2 ? base64(pbytes, plen) : NULL;

	json_object_object_add(msg, "version", json_object_new_string(RVPS_VERSION));
	json_object_object_add(msg, "type", json_object_new_string("sample"));
	json_object_object_add(msg, "payload", json_object_new_string(b64 ? b64 : ""));
	/* trustee reads the three above and ignores the rest: what produced the values */
	json_object_object_add(about, "creator", json_object_new_string(CREATOR));
	json_object_object_add(about, "inputs",
			       json_object_new_string(rv->inputs ? rv->inputs : DEFAULT_ID));
	json_object_object_add(msg, "snpmeasure", about);
	if (b64)
		mbytes = json_bytes(msg, &mlen);
	json_object_put(payload), json_object_put(msg);
	free(pbytes), free(b64);
	if (!mbytes)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	out_add(o, mbytes, mlen);
	out_add(o, (uint8_t *)strdup("\n"), 1);
	return 0;
}

int snpm_refvals_write(const struct snpm_refvals *rv, enum snpm_refvals_format format,
		       const char *sign_key_pem, size_t sign_key_len, uint8_t **ret,
		       size_t *ret_len, struct snpm_error *reterr)
{
	struct snpm_refvals copy;
	struct out o = { 0 };
	int r;

	if (!ret || !ret_len)
		return snpm_fail(reterr, SNPM_EINVAL, "no result");
	r = snpm_sized_in(rv, sizeof(copy), &copy, "struct snpm_refvals", reterr);
	if (r < 0)
		return r;
	rv = &copy;
	r = check_out(rv, format, sign_key_pem != NULL, reterr);
	if (r == 0 && format == SNPM_REFVALS_CORIM_SNP)
		r = write_snp(rv, sign_key_pem, sign_key_len, &o, reterr);
	else if (r == 0 && format == SNPM_REFVALS_CORIM_LAUNCH)
		r = write_launch(rv, sign_key_pem, sign_key_len, &o, reterr);
	else if (r == 0)
		r = write_rvps(rv, &o, reterr);
	if (r == 0 && o.oom)
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	if (r < 0) {
		free(o.p);
		return r;
	}
	*ret = o.p;
	*ret_len = o.len;
	return 0;
}

/* ---- in ---- */

struct reading {
	struct snpm_refvals_file *f;
	size_t cap;
	EVP_PKEY *key;
	size_t documents;
};

/* The first pin two sets disagree on, or NULL. */
static const char *pins_differ(const struct snpm_refvals_pins *a, const struct snpm_refvals_pins *b)
{
	if (a->has_host_data != b->has_host_data ||
	    (a->has_host_data && memcmp(a->host_data, b->host_data, sizeof(a->host_data))))
		return "HOST_DATA";
	if (a->has_id_key_digest != b->has_id_key_digest ||
	    (a->has_id_key_digest &&
	     memcmp(a->id_key_digest, b->id_key_digest, sizeof(a->id_key_digest))))
		return "ID key digest";
	if (a->has_author_key_digest != b->has_author_key_digest ||
	    (a->has_author_key_digest &&
	     memcmp(a->author_key_digest, b->author_key_digest, sizeof(a->author_key_digest))))
		return "author key digest";
	if (a->has_min_tcb != b->has_min_tcb ||
	    (a->has_min_tcb && tcb_u64(a->min_tcb) != tcb_u64(b->min_tcb)))
		return "minimum TCB";
	return NULL;
}

static int add_value(struct reading *rd, const uint8_t m[SNPM_LD_SIZE],
		     const struct snpm_refvals_pins *pins, uint64_t svn, struct snpm_error *reterr)
{
	struct snpm_refvals_file *f = rd->f;
	const char *differs;
	size_t cap = rd->cap;
	int r;

	if (f->n == 0) {
		f->pins = *pins;
	} else if ((differs = pins_differ(&f->pins, pins)) != NULL) {
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "its measurements pin different %s values: a policy holds one "
				 "(write one file per value)",
				 differs);
	}
	if (f->n >= MAX_VALUES)
		return snpm_fail(reterr, SNPM_EMALFORMED, "more than %u measurements", MAX_VALUES);
	r = snpm_grow(&f->measurements, &cap, f->n, SNPM_LD_SIZE, 16, reterr);
	if (r == 0 && f->format == SNPM_REFVALS_CORIM_LAUNCH) {
		cap = rd->cap;
		r = snpm_grow(&f->svns, &cap, f->n, sizeof(uint64_t), 16, reterr);
	}
	if (r < 0)
		return r;
	rd->cap = cap;
	memcpy(f->measurements[f->n], m, SNPM_LD_SIZE);
	if (f->svns)
		f->svns[f->n] = svn;
	f->n++;
	return 0;
}

static int read_snp_doc(struct reading *rd, const uint8_t *doc, size_t len,
			struct snpm_error *reterr)
{
	struct snpm_corim_snp_triple *t = NULL;
	size_t n = 0;
	int r = snpm_corim_snp_read(doc, len, &t, &n, reterr);

	for (size_t i = 0; r == 0 && i < n; i++) {
		struct snpm_refvals_pins p = { .has_host_data = t[i].has_host_data,
					       .has_id_key_digest = t[i].has_id_key,
					       .has_author_key_digest = t[i].has_author_key,
					       .has_min_tcb = t[i].has_min_tcb };
		memcpy(p.host_data, t[i].host_data, sizeof(p.host_data));
		memcpy(p.id_key_digest, t[i].id_key_digest, sizeof(p.id_key_digest));
		memcpy(p.author_key_digest, t[i].author_key_digest, sizeof(p.author_key_digest));
		if (p.has_min_tcb && !tcb_of_u64(t[i].min_tcb, &p.min_tcb))
			r = snpm_fail(reterr, SNPM_EMALFORMED,
				      "CoRIM: a minimum TCB 0x%016llx sets reserved bytes (the "
				      "Milan and Genoa layout has none there)",
				      (unsigned long long)t[i].min_tcb);
		if (r == 0)
			r = add_value(rd, t[i].measurement, &p, 0, reterr);
	}
	free(t);
	return r;
}

static int read_doc(struct reading *rd, const uint8_t *doc, size_t len, struct snpm_error *reterr)
{
	enum snpm_refvals_format which;
	struct snpm_refvals_pins none = { 0 };
	uint8_t digest[SNPM_LD_SIZE];
	uint64_t svn = 0;
	int r;

	switch (snpm_corim_which(doc, len)) {
	case 1:
		which = SNPM_REFVALS_CORIM_SNP;
		break;
	case 2:
		which = SNPM_REFVALS_CORIM_LAUNCH;
		break;
	default:
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "not a CoRIM of the " SNPM_CORIM_SNP_PROFILE
				 " or " SNPM_CORIM_LAUNCH_PROFILE " profile");
	}
	if (rd->documents && which != rd->f->format)
		return snpm_fail(reterr, SNPM_EMALFORMED, "CoRIMs of two profiles in one file");
	if (rd->documents && which == SNPM_REFVALS_CORIM_SNP)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "more than one corim-snp CoRIM (one holds every triple)");
	rd->f->format = which;
	if (rd->documents++ == 0) /* what the first one says produced it */
		snpm_corim_about(doc, len, rd->f->inputs, sizeof(rd->f->inputs), rd->f->creator,
				 sizeof(rd->f->creator));
	if (which == SNPM_REFVALS_CORIM_SNP)
		return read_snp_doc(rd, doc, len, reterr);
	r = snpm_corim_launch_read(doc, len, digest, &svn, reterr);
	return r < 0 ? r : add_value(rd, digest, &none, svn, reterr);
}

/* One COSE_Sign1 around a CoRIM: verified when there is a key, read either way. */
static int read_signed(struct reading *rd, const uint8_t *data, size_t len,
		       struct snpm_error *reterr)
{
	struct snpm_cose c;
	int r = snpm_cose_read(data, len, &c, reterr);

	if (r < 0)
		return r;
	if (!c.payload)
		r = snpm_fail(
			reterr, SNPM_EMALFORMED,
			"COSE_Sign1: the payload is detached (the file must carry its CoRIM)");
	else if (c.has_content_type && strcmp(c.content_type, SNPM_CORIM_CONTENT_TYPE) != 0)
		r = snpm_fail(reterr, SNPM_EMALFORMED,
			      "COSE_Sign1: content type '%.40s' is not " SNPM_CORIM_CONTENT_TYPE,
			      c.content_type);
	if (r == 0 && rd->key)
		r = snpm_cose_verify(&c, NULL, 0, rd->key, reterr);
	if (r == 0)
		r = read_doc(rd, c.payload, c.payload_len, reterr);
	snpm_cose_free(&c);
	return r;
}

/* A CBOR sequence of CoRIMs, each signed or each not. */
static int read_cbor(struct reading *rd, const uint8_t *data, size_t len, struct snpm_error *reterr)
{
	size_t at = 0;
	int r = 0;

	while (r == 0 && at < len) {
		bool is_signed = data[at] == 0xd2; /* tag 18: COSE_Sign1 */
		size_t n = is_signed ? snpm_cbor_first_item(data + at + 1, len - at - 1, 16) :
				       snpm_cbor_first_item(data + at, len - at, 16);
		if (n == 0)
			return snpm_fail_at(reterr, SNPM_EMALFORMED, at,
					    "byte %zu does not start a complete CBOR item", at);
		n += is_signed;
		if (at && is_signed != rd->f->signed_)
			return snpm_fail(reterr, SNPM_EMALFORMED,
					 "signed and unsigned documents in one file");
		rd->f->signed_ = is_signed;
		r = is_signed ? read_signed(rd, data + at, n, reterr) :
				read_doc(rd, data + at, n, reterr);
		at += n;
	}
	return r;
}

/* Strict base64: canonical, no whitespace, padding only at the end. */
static uint8_t *unbase64(const char *s, size_t *len)
{
	size_t n = strlen(s), pad = n && s[n - 1] == '=' ? 1 + (n > 1 && s[n - 2] == '=') : 0;
	uint8_t *out = n % 4 == 0 && n <= INT32_MAX ? malloc(n / 4 * 3 + 1) : NULL;
	char *again;
	int got;

	if (!out)
		return NULL;
	got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	again = got >= 0 && (size_t)got >= pad ? base64(out, (size_t)got - pad) : NULL;
	if (!again || strcmp(again, s) != 0) {
		free(again), free(out);
		return NULL;
	}
	free(again);
	*len = (size_t)got - pad;
	return out;
}

/* [m, m + 1, ..., 255]: the minimum m, as rvps output writes one. */
static int tcb_list(struct json_object *v, const char *key, uint8_t *min, struct snpm_error *reterr)
{
	size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
	uint64_t first = 256 - n, x;
	int r = 0;

	if (n == 0 || n > 256)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "rvps: \"%s\" is not a list of the values from a minimum to 255",
				 key);
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = snpm_json_u64(json_object_array_get_idx(v, i), key, 255, &x, reterr);
		if (r == 0 && x != first + i)
			r = snpm_fail(
				reterr, SNPM_EMALFORMED,
				"rvps: \"%s\" is not every value from a minimum to 255 (a "
				"list of another shape is not a minimum snpmeasure can judge)",
				key);
	}
	*min = (uint8_t)first;
	return r;
}

static int rvps_payload_read(struct reading *rd, struct json_object *p, struct snpm_error *reterr)
{
	static const char *const keys[] = { RVPS_MEASUREMENT, "snp_bootloader", "snp_tee_svn",
					    "snp_snp_svn",    "snp_microcode",	NULL };
	struct snpm_refvals_pins pins = { 0 };
	struct json_object *list, *v;
	size_t parts = 0;
	int r = snpm_json_only_keys(p, "rvps payload", keys, reterr);

	for (size_t i = 0; r == 0 && i < N_TCB_PARTS; i++)
		if (json_object_object_get_ex(p, tcb_parts[i].rvps, &v)) {
			r = tcb_list(v, tcb_parts[i].rvps, tcb_at(&pins.min_tcb, i), reterr);
			parts++;
		}
	if (r == 0 && parts && parts != N_TCB_PARTS)
		r = snpm_fail(reterr, SNPM_EMALFORMED,
			      "rvps: a minimum TCB names all four parts or none");
	pins.has_min_tcb = parts != 0;
	if (r == 0 &&
	    (!json_object_object_get_ex(p, RVPS_MEASUREMENT, &list) ||
	     !json_object_is_type(list, json_type_array) || json_object_array_length(list) == 0))
		r = snpm_fail(reterr, SNPM_EMALFORMED,
			      "rvps: no list of \"" RVPS_MEASUREMENT "\" values");
	for (size_t i = 0; r == 0 && i < json_object_array_length(list); i++) {
		uint8_t m[SNPM_LD_SIZE];
		r = snpm_json_hex(json_object_array_get_idx(list, i), RVPS_MEASUREMENT, m,
				  SNPM_LD_SIZE, reterr);
		if (r == 0)
			r = add_value(rd, m, &pins, 0, reterr);
	}
	return r;
}

/* A text member for display: cut to size, bytes outside printable ASCII as '?'. */
static void copy_str(struct json_object *o, const char *key, char *out, size_t size)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(out, size, "%s", json_object_get_string(v));
	for (char *c = out; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
}

static int read_rvps(struct reading *rd, const uint8_t *data, size_t len, struct snpm_error *reterr)
{
	static const char *const keys[] = { "version", "type", "payload", "snpmeasure", NULL };
	static const char *const about_keys[] = { "creator", "inputs", NULL };
	struct json_object *msg = NULL, *payload = NULL, *v;
	const char *s = NULL;
	uint8_t *raw = NULL;
	size_t raw_len = 0;
	int r = snpm_json_parse_bytes(data, len, &msg, reterr);

	rd->f->format = SNPM_REFVALS_RVPS;
	if (r == 0)
		r = snpm_json_only_keys(msg, "rvps message", keys, reterr);
	if (r == 0 && (!json_object_object_get_ex(msg, "version", &v) ||
		       snpm_json_str(v, "version", &s, reterr) < 0 || strcmp(s, RVPS_VERSION)))
		r = snpm_fail(reterr, SNPM_EMALFORMED,
			      "rvps: \"version\" is not \"" RVPS_VERSION "\"");
	if (r == 0 && (!json_object_object_get_ex(msg, "type", &v) ||
		       snpm_json_str(v, "type", &s, reterr) < 0 || strcmp(s, "sample")))
		r = snpm_fail(reterr, SNPM_EMALFORMED,
			      "rvps: \"type\" is not \"sample\" (the only provenance read here)");
	if (r == 0 && json_object_object_get_ex(msg, "snpmeasure", &v)) {
		r = json_object_is_type(v, json_type_object) ?
			    snpm_json_only_keys(v, "rvps snpmeasure", about_keys, reterr) :
			    snpm_fail(reterr, SNPM_EMALFORMED,
				      "rvps: \"snpmeasure\" is not an object");
		copy_str(v, "creator", rd->f->creator, sizeof(rd->f->creator));
		copy_str(v, "inputs", rd->f->inputs, sizeof(rd->f->inputs));
	}
	if (r == 0 &&
	    (!json_object_object_get_ex(msg, "payload", &v) ||
	     snpm_json_str(v, "payload", &s, reterr) < 0 || !(raw = unbase64(s, &raw_len))))
		r = snpm_fail(reterr, SNPM_EMALFORMED, "rvps: \"payload\" is not base64");
	if (r == 0)
		r = snpm_json_parse_bytes(raw, raw_len, &payload, reterr);
	if (r == 0)
		r = rvps_payload_read(rd, payload, reterr);
	json_object_put(payload), json_object_put(msg);
	free(raw);
	/* the JSON helpers call a bad value invalid; in a file read it is malformed */
	if (r == SNPM_EINVAL && reterr)
		reterr->code = SNPM_EMALFORMED;
	return r == SNPM_EINVAL ? SNPM_EMALFORMED : r;
}

void snpm_refvals_file_free(struct snpm_refvals_file *file)
{
	if (!file)
		return;
	free(file->measurements);
	free(file->svns);
	free(file);
}

int snpm_refvals_read(const uint8_t *data, size_t len, const char *key_pem, size_t key_len,
		      struct snpm_refvals_file **ret, struct snpm_error *reterr)
{
	struct reading rd = { 0 };
	size_t at = 0;
	int r = 0;

	if (!data || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no file or result");
	*ret = NULL;
	if (len == 0 || len > SNPM_CORIM_MAX)
		return snpm_fail(reterr, SNPM_EMALFORMED, "%s", len ? "over 16 MiB" : "empty");
	if (key_pem)
		r = snpm_cose_public_key(key_pem, key_len, &rd.key, reterr);
	if (r == 0 && !(rd.f = calloc(1, sizeof(*rd.f))))
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	while (at < len && strchr(" \t\r\n", data[at]) && data[at])
		at++;
	if (r == 0 && at < len && data[at] == '{')
		r = read_rvps(&rd, data, len, reterr);
	else if (r == 0)
		r = read_cbor(&rd, data, len, reterr);
	if (r == 0 && rd.f->n == 0)
		r = snpm_fail(reterr, SNPM_EMALFORMED, "it holds no measurement");
	if (r == 0)
		r = check_distinct((const uint8_t(*)[SNPM_LD_SIZE])rd.f->measurements, rd.f->n,
				   SNPM_EMALFORMED, reterr);
	if (r == 0 && rd.key && !rd.f->signed_)
		r = snpm_fail(reterr, SNPM_EVERIFY, "the file is not signed, and a key was given");
	EVP_PKEY_free(rd.key);
	if (r < 0) {
		snpm_refvals_file_free(rd.f);
		return r;
	}
	rd.f->verified = rd.f->signed_ && key_pem;
	*ret = rd.f;
	return 0;
}

/* ---- as policy rules ---- */

bool snpm_policy_refvals(const struct snpm_policy *policy, const char **path,
			 enum snpm_refvals_format *kind, const char **key)
{
	if (!policy || !policy->refvals_path)
		return false;
	if (path)
		*path = policy->refvals_path;
	if (kind)
		*kind = (enum snpm_refvals_format)policy->refvals_kind;
	if (key)
		*key = policy->refvals_key;
	return true;
}

static int conflict(struct snpm_error *reterr, const char *what, const uint8_t *file,
		    const uint8_t *policy, size_t n)
{
	char a[2 * 64 + 1] = "", b[2 * 64 + 1] = "";

	if (file)
		snpm_hex_encode(file, n, a);
	if (policy)
		snpm_hex_encode(policy, n, b);
	return snpm_fail(reterr, SNPM_EINVAL,
			 "the reference values pin %s %s, the policy %s: one of them is wrong",
			 what, a, policy ? b : "other values");
}

/* A key digest list the file sets to one value: the policy's must be that one, or unset. */
static int merge_key(struct pins *p, bool has, const uint8_t *v, const char *what, bool apply,
		     struct snpm_error *reterr)
{
	if (!has)
		return 0;
	if (p->given && (p->n != 1 || memcmp(p->v, v, p->size) != 0))
		return conflict(reterr, what, v, p->n == 1 ? p->v : NULL, p->size);
	if (p->given)
		return 0;
	if (!apply)
		return snpm_pins_reserve(p, 1, reterr);
	p->given = true;
	return snpm_pins_add(p, v, reterr); /* reserved: cannot fail */
}

static int merge_tcb(struct min_tcb *t, const struct snpm_refvals_tcb *f, bool apply,
		     struct snpm_error *reterr)
{
	struct min_tcb want = { .given = true,
				.bootloader = f->bootloader,
				.tee = f->tee,
				.snp = f->snp,
				.microcode = f->microcode };

	if (t->given && (t->has_fmc || t->bootloader != want.bootloader || t->tee != want.tee ||
			 t->snp != want.snp || t->microcode != want.microcode))
		return snpm_fail(
			reterr, SNPM_EINVAL,
			"the reference values pin the minimum TCB bootloader %u, tee %u, "
			"snp %u, microcode %u; the policy's min_tcb says otherwise: one of "
			"them is wrong",
			f->bootloader, f->tee, f->snp, f->microcode);
	if (apply)
		*t = want;
	return 0;
}

static int check_trust(const struct snpm_policy *p, const struct snpm_refvals_file *f,
		       struct snpm_error *reterr)
{
	bool want_rvps = p->refvals_kind == SNPM_REFVALS_RVPS;

	if (want_rvps != (f->format == SNPM_REFVALS_RVPS))
		return snpm_fail(reterr, SNPM_EINVAL,
				 "the policy names a%s file, and this one is %s",
				 want_rvps ? "n rvps" : " CoRIM",
				 snpm_name_of(format_names, f->format));
	if (p->refvals_key && !f->verified)
		return snpm_fail(reterr, SNPM_EVERIFY,
				 "the file was not verified with the policy's key");
	if (p->refvals_unsigned && f->signed_)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "the file is signed: the policy should name its \"key\", not "
				 "\"unsigned\": true");
	return 0;
}

int snpm_policy_add_refvals(struct snpm_policy *p, const struct snpm_refvals_file *f,
			    struct snpm_error *reterr)
{
	const struct snpm_refvals_pins *pins;
	int r;

	if (!p || !f)
		return snpm_fail(reterr, SNPM_EINVAL, "no policy or file");
	if (!p->refvals_path)
		return snpm_fail(reterr, SNPM_EINVAL, "the policy names no reference-value file");
	if (p->refvals_added)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "the policy's reference values were added "
				 "already");
	r = check_trust(p, f, reterr);
	pins = &f->pins;
	if (r == 0 && pins->has_host_data && p->has_host_data &&
	    memcmp(p->host_data, pins->host_data, sizeof(p->host_data)) != 0)
		r = conflict(reterr, "HOST_DATA", pins->host_data, p->host_data, 32);
	/* Every conflict is found, and room made for every value, before anything changes: a
	 * refused file leaves the policy as it was. */
	if (r == 0)
		r = snpm_pins_reserve(&p->measurements, f->n, reterr);
	for (int apply = 0; r == 0 && apply < 2; apply++) {
		r = merge_key(&p->id_keys, pins->has_id_key_digest, pins->id_key_digest,
			      "the ID key digest", apply, reterr);
		if (r == 0)
			r = merge_key(&p->author_keys, pins->has_author_key_digest,
				      pins->author_key_digest, "the author key digest", apply,
				      reterr);
		if (r == 0 && pins->has_min_tcb)
			r = merge_tcb(&p->min_tcb, &pins->min_tcb, apply, reterr);
	}
	if (r == 0 && pins->has_host_data) {
		p->has_host_data = true;
		memcpy(p->host_data, pins->host_data, sizeof(p->host_data));
	}
	for (size_t i = 0; r == 0 && i < f->n; i++)
		r = snpm_policy_add_measurement(p, f->measurements[i], reterr);
	if (r == 0)
		p->refvals_added = true;
	return r;
}
