/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Appraisal policies (<snpm/appraise.h>): one JSON object, unknown keys refused at every level,
 * every key left out at its strict value (README, "Appraisal"). appraise.c judges by them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../core/core.h"
#include "../core/json.h"
#include <snpm/refvals.h>

#include "policy.h"

const struct platform_key snpm_platform_keys[N_PLATFORM] = {
	{ "smt", 0 },
	{ "tsme", 1 },
	{ "ecc", 2 },
	{ "rapl_disabled", 3 },
	{ "ciphertext_hiding", 4 },
	{ "alias_check_complete", 5 },
	{ "tio", 7 },
};

static void pins_free(struct pins *p)
{
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

int snpm_pins_reserve(struct pins *p, size_t extra, struct snpm_error *reterr)
{
	size_t cap = p->cap ? p->cap : 4;
	uint8_t *grown;

	if (extra > SIZE_MAX / p->size - p->n)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	if (p->n + extra <= p->cap)
		return 0;
	while (cap < p->n + extra)
		cap = cap > SIZE_MAX / 2 / p->size ? p->n + extra : cap * 2;
	grown = realloc(p->v, cap * p->size);
	if (!grown)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	p->v = grown;
	p->cap = cap;
	return 0;
}

int snpm_pins_add(struct pins *p, const uint8_t *v, struct snpm_error *reterr)
{
	int r = snpm_pins_reserve(p, 1, reterr);

	if (r < 0)
		return r;
	memcpy(p->v + p->n * p->size, v, p->size);
	p->n++;
	return 0;
}

bool snpm_pins_has(const struct pins *p, const uint8_t *v)
{
	for (size_t i = 0; i < p->n; i++)
		if (memcmp(p->v + i * p->size, v, p->size) == 0)
			return true;
	return false;
}

void snpm_policy_free(struct snpm_policy *policy)
{
	if (!policy)
		return;
	pins_free(&policy->measurements);
	pins_free(&policy->id_keys);
	pins_free(&policy->author_keys);
	pins_free(&policy->chip_ids);
	pins_free(&policy->mr_systems);
	pins_free(&policy->mr_aggregateds);
	pins_free(&policy->device_ids);
	free(policy->manifest);
	free(policy->refvals_path);
	free(policy->refvals_key);
	free(policy);
}

const char *snpm_policy_manifest(const struct snpm_policy *policy)
{
	return policy ? policy->manifest : NULL;
}

int snpm_policy_add_measurement(struct snpm_policy *policy, const uint8_t m[SNPM_LD_SIZE],
				struct snpm_error *reterr)
{
	return policy && m ? snpm_pins_add(&policy->measurements, m, reterr) :
			     snpm_fail(reterr, SNPM_EINVAL, "no policy or measurement");
}

bool snpm_all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* A list of hex strings, each exactly size bytes, none all zero. */
static int read_pins(struct json_object *v, const char *key, struct pins *p,
		     struct snpm_error *reterr)
{
	uint8_t buf[64];
	int r = 0;

	if (!json_object_is_type(v, json_type_array))
		return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" is not a list of hex strings", key);
	p->given = true;
	for (size_t i = 0; r == 0 && i < json_object_array_length(v); i++) {
		r = snpm_json_hex(json_object_array_get_idx(v, i), key, buf, p->size, reterr);
		if (r == 0 && snpm_all_zero(buf, p->size))
			r = snpm_fail(reterr, SNPM_EINVAL,
				      "\"%s\": an all-zero value names nothing (a report without "
				      "one has zeros there)",
				      key);
	}
	for (size_t i = 0; r == 0 && i < json_object_array_length(v); i++) {
		snpm_json_hex(json_object_array_get_idx(v, i), key, buf, p->size, NULL);
		r = snpm_pins_add(p, buf, reterr);
	}
	return r;
}

static int read_bool(struct json_object *v, const char *key, bool *ret, struct snpm_error *reterr)
{
	if (!json_object_is_type(v, json_type_boolean))
		return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" is not true or false", key);
	*ret = json_object_get_boolean(v);
	return 0;
}

static int read_u8(struct json_object *v, const char *key, uint8_t *ret, struct snpm_error *reterr)
{
	uint64_t x;
	int r = snpm_json_u64(v, key, 255, &x, reterr);

	if (r == 0)
		*ret = (uint8_t)x;
	return r;
}

/* {"corim" or "rvps": PATH, and "key": PEM or "unsigned": true}: where the values are and how
 * they are trusted, said once, never guessed. */
static int read_refvals(struct snpm_policy *p, struct json_object *v, struct snpm_error *reterr)
{
	struct json_object *path = NULL, *other, *key, *uns;
	bool corim = json_object_object_get_ex(v, "corim", &path);
	bool rvps = json_object_object_get_ex(v, "rvps", corim ? &other : &path);
	bool has_key = json_object_object_get_ex(v, "key", &key);
	bool has_uns = json_object_object_get_ex(v, "unsigned", &uns);
	int r;

	if (corim == rvps)
		return snpm_fail(
			reterr, SNPM_EINVAL,
			"\"measurements\" names one of \"manifest\", \"corim\" or \"rvps\"");
	p->refvals_kind = corim ? SNPM_REFVALS_CORIM_SNP : SNPM_REFVALS_RVPS;
	r = snpm_json_dup(path, corim ? "measurements.corim" : "measurements.rvps",
			  &p->refvals_path, reterr);
	if (r == 0 && has_uns)
		r = read_bool(uns, "measurements.unsigned", &p->refvals_unsigned, reterr);
	if (r == 0 && has_uns && !p->refvals_unsigned)
		r = snpm_fail(reterr, SNPM_EINVAL,
			      "\"measurements.unsigned\" is true or left out (then a \"key\" "
			      "verifies the file)");
	if (r == 0 && has_key == p->refvals_unsigned)
		r = snpm_fail(reterr, SNPM_EINVAL,
			      "\"measurements\" needs a \"key\" to verify the file, or "
			      "\"unsigned\": true (not both)");
	if (r == 0 && rvps && has_key)
		r = snpm_fail(reterr, SNPM_EINVAL,
			      "\"measurements.rvps\": trustee's sample provenance is unsigned: say "
			      "\"unsigned\": true");
	if (r == 0 && has_key)
		r = snpm_json_dup(key, "measurements.key", &p->refvals_key, reterr);
	return r;
}

static int read_measurements(struct snpm_policy *p, struct json_object *v,
			     struct snpm_error *reterr)
{
	static const char *const keys[] = { "manifest", "corim", "rvps", "key", "unsigned", NULL };
	struct json_object *m;
	int r;

	p->measurements_given = true;
	if (!json_object_is_type(v, json_type_object))
		return read_pins(v, "measurements", &p->measurements, reterr);
	r = snpm_json_only_keys(v, "measurements", keys, reterr);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(v, "manifest", &m))
		return read_refvals(p, v, reterr);
	if (json_object_object_length(v) != 1)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "\"measurements\": a \"manifest\" comes alone");
	return snpm_json_dup(m, "measurements.manifest", &p->manifest, reterr);
}

static int read_tcb(struct json_object *v, const char *where, struct min_tcb *t,
		    struct snpm_error *reterr)
{
	static const char *const keys[] = { "fmc", "bootloader", "tee", "snp", "microcode", NULL };
	uint8_t *dst[] = { &t->fmc, &t->bootloader, &t->tee, &t->snp, &t->microcode };
	struct json_object *c;
	int r = json_object_is_type(v, json_type_object) ?
			snpm_json_only_keys(v, where, keys, reterr) :
			snpm_fail(reterr, SNPM_EINVAL, "\"%s\" is not an object", where);

	t->given = true;
	t->has_fmc = r == 0 && json_object_object_get_ex(v, "fmc", &c);
	for (size_t i = 0; r == 0 && keys[i]; i++)
		if (json_object_object_get_ex(v, keys[i], &c))
			r = read_u8(c, keys[i], dst[i], reterr);
	return r;
}

static int read_versions(struct snpm_policy *p, struct json_object *v, struct snpm_error *reterr)
{
	uint64_t x;
	int r = json_object_is_type(v, json_type_array) ?
			0 :
			snpm_fail(reterr, SNPM_EINVAL, "\"report_versions\" is not a list");

	p->versions = 0;
	for (size_t i = 0; r == 0 && i < json_object_array_length(v); i++) {
		r = snpm_json_u64(json_object_array_get_idx(v, i), "report_versions", 31, &x,
				  reterr);
		if (r == 0)
			p->versions |= 1u << x;
	}
	return r;
}

static int read_signers(struct snpm_policy *p, struct json_object *v, struct snpm_error *reterr)
{
	int r = json_object_is_type(v, json_type_array) ?
			0 :
			snpm_fail(reterr, SNPM_EINVAL, "\"signers\" is not a list");

	p->allow_vcek = p->allow_vlek = false;
	for (size_t i = 0; r == 0 && i < json_object_array_length(v); i++) {
		const char *s = NULL;
		r = snpm_json_str(json_object_array_get_idx(v, i), "signers", &s, reterr);
		if (r == 0 && strcmp(s, "vcek") == 0)
			p->allow_vcek = true;
		else if (r == 0 && strcmp(s, "vlek") == 0)
			p->allow_vlek = true;
		else if (r == 0)
			r = snpm_fail(reterr, SNPM_EINVAL,
				      "\"signers\": '%.40s' is not vcek or vlek", s);
	}
	return r;
}

static int read_platform(struct snpm_policy *p, struct json_object *v, struct snpm_error *reterr)
{
	const char *keys[N_PLATFORM + 1];
	struct json_object *c;
	int r;

	for (size_t i = 0; i < N_PLATFORM; i++)
		keys[i] = snpm_platform_keys[i].key;
	keys[N_PLATFORM] = NULL;
	r = json_object_is_type(v, json_type_object) ?
		    snpm_json_only_keys(v, "platform", keys, reterr) :
		    snpm_fail(reterr, SNPM_EINVAL, "\"platform\" is not an object");
	for (size_t i = 0; r == 0 && i < N_PLATFORM; i++) {
		const char *s = NULL;
		if (!json_object_object_get_ex(v, keys[i], &c))
			continue;
		r = snpm_json_str(c, keys[i], &s, reterr);
		if (r == 0 && strcmp(s, "required") == 0)
			p->platform[i] = REQUIRED;
		else if (r == 0 && strcmp(s, "forbidden") == 0)
			p->platform[i] = FORBIDDEN;
		else if (r == 0 && strcmp(s, "any") == 0)
			p->platform[i] = ANY;
		else if (r == 0)
			r = snpm_fail(reterr, SNPM_EINVAL,
				      "\"platform.%s\": '%.40s' is not required, forbidden or any",
				      keys[i], s);
	}
	return r;
}

static int read_mitigations(struct snpm_policy *p, struct json_object *v, struct snpm_error *reterr)
{
	static const char *const keys[] = { "current", "launch", NULL };
	struct json_object *c;
	int r = json_object_is_type(v, json_type_object) ?
			snpm_json_only_keys(v, "mitigations", keys, reterr) :
			snpm_fail(reterr, SNPM_EINVAL, "\"mitigations\" is not an object");

	p->has_mitigations = true;
	if (r == 0 && json_object_object_get_ex(v, "current", &c))
		r = snpm_json_u64(c, "mitigations.current", UINT64_MAX, &p->mit_current, reterr);
	if (r == 0 && json_object_object_get_ex(v, "launch", &c))
		r = snpm_json_u64(c, "mitigations.launch", UINT64_MAX, &p->mit_launch, reterr);
	return r;
}

/* "1.55": the firmware ABI major and minor. */
static int read_abi(struct snpm_policy *p, struct json_object *v, struct snpm_error *reterr)
{
	const char *s = NULL;
	unsigned major, minor;
	char tail;
	int r = snpm_json_str(v, "min_abi", &s, reterr);

	if (r == 0 && (sscanf(s, "%3u.%3u%c", &major, &minor, &tail) != 2 || major > 255 ||
		       minor > 255 || s[0] < '0' || s[0] > '9'))
		r = snpm_fail(reterr, SNPM_EINVAL, "\"min_abi\" '%.40s' is not MAJOR.MINOR", s);
	if (r == 0) {
		p->has_min_abi = true;
		p->min_abi_major = (uint8_t)major;
		p->min_abi_minor = (uint8_t)minor;
	}
	return r;
}

/* A pinned field: exactly len bytes of hex (report_data: up to 64, zero-padded). */
static int read_field(struct json_object *v, const char *key, uint8_t *out, size_t len, bool pad,
		      bool *given, struct snpm_error *reterr)
{
	const char *s = NULL;
	int r = snpm_json_str(v, key, &s, reterr);
	size_t n = r == 0 ? strlen(s) : 0;

	*given = true;
	memset(out, 0, len);
	if (r == 0 && pad && n % 2 == 0 && n <= 2 * len && snpm_hex_decode(s, out, n / 2))
		return 0;
	return r < 0 ? r : snpm_json_hex(v, key, out, len, reterr);
}

/* ---- one reader per key ---- */

int snpm_key_measurements(struct snpm_policy *p, const char *k, struct json_object *v,
			  struct snpm_error *e)
{
	(void)k;
	return read_measurements(p, v, e);
}

int snpm_key_host_data(struct snpm_policy *p, const char *k, struct json_object *v,
		       struct snpm_error *e)
{
	return read_field(v, k, p->host_data, 32, false, &p->has_host_data, e);
}

int snpm_key_report_data(struct snpm_policy *p, const char *k, struct json_object *v,
			 struct snpm_error *e)
{
	return read_field(v, k, p->report_data, 64, true, &p->has_report_data, e);
}

int snpm_key_family_id(struct snpm_policy *p, const char *k, struct json_object *v,
		       struct snpm_error *e)
{
	return read_field(v, k, p->family_id, 16, false, &p->has_family_id, e);
}

int snpm_key_image_id(struct snpm_policy *p, const char *k, struct json_object *v,
		      struct snpm_error *e)
{
	return read_field(v, k, p->image_id, 16, false, &p->has_image_id, e);
}

int snpm_key_min_guest_svn(struct snpm_policy *p, const char *k, struct json_object *v,
			   struct snpm_error *e)
{
	p->has_min_guest_svn = true;
	return snpm_json_u32(v, k, &p->min_guest_svn, e);
}

int snpm_key_vmpl(struct snpm_policy *p, const char *k, struct json_object *v, struct snpm_error *e)
{
	uint64_t x = 0;
	int r = snpm_json_u64(v, k, 3, &x, e);

	p->vmpl = (uint32_t)x;
	return r;
}

int snpm_key_report_versions(struct snpm_policy *p, const char *k, struct json_object *v,
			     struct snpm_error *e)
{
	(void)k;
	return read_versions(p, v, e);
}

int snpm_key_signers(struct snpm_policy *p, const char *k, struct json_object *v,
		     struct snpm_error *e)
{
	(void)k;
	return read_signers(p, v, e);
}

/* The lists of byte strings, by the field they fill. */
#define PINS_KEY(fn, member)                                                                      \
	int fn(struct snpm_policy *p, const char *k, struct json_object *v, struct snpm_error *e) \
	{                                                                                         \
		return read_pins(v, k, &p->member, e);                                            \
	}
PINS_KEY(snpm_key_id_keys, id_keys)
PINS_KEY(snpm_key_author_keys, author_keys)
PINS_KEY(snpm_key_chip_ids, chip_ids)
PINS_KEY(snpm_key_mr_systems, mr_systems)
PINS_KEY(snpm_key_mr_aggregateds, mr_aggregateds)
PINS_KEY(snpm_key_device_ids, device_ids)

int snpm_key_min_tcb(struct snpm_policy *p, const char *k, struct json_object *v,
		     struct snpm_error *e)
{
	return read_tcb(v, k, &p->min_tcb, e);
}

int snpm_key_min_launch_tcb(struct snpm_policy *p, const char *k, struct json_object *v,
			    struct snpm_error *e)
{
	return read_tcb(v, k, &p->min_launch_tcb, e);
}

int snpm_key_min_abi(struct snpm_policy *p, const char *k, struct json_object *v,
		     struct snpm_error *e)
{
	(void)k;
	return read_abi(p, v, e);
}

int snpm_key_min_build(struct snpm_policy *p, const char *k, struct json_object *v,
		       struct snpm_error *e)
{
	p->has_min_build = true;
	return read_u8(v, k, &p->min_build, e);
}

int snpm_key_platform(struct snpm_policy *p, const char *k, struct json_object *v,
		      struct snpm_error *e)
{
	(void)k;
	return read_platform(p, v, e);
}

int snpm_key_mitigations(struct snpm_policy *p, const char *k, struct json_object *v,
			 struct snpm_error *e)
{
	(void)k;
	return read_mitigations(p, v, e);
}

static int read_key(struct snpm_policy *p, const char *key, struct json_object *v,
		    struct snpm_error *reterr)
{
	/* The keys are the rule table's (appraise.c): a key is read by the rule it sets. */
	for (size_t i = 0; i < snpm_n_rules; i++) {
		for (size_t j = 0; j < SNPM_MAX_RULE_KEYS && snpm_rules[i].keys[j].key; j++) {
			const struct snpm_policy_key *k = &snpm_rules[i].keys[j];
			if (strcmp(key, k->key) != 0)
				continue;
			if (k->read)
				return k->read(p, key, v, reterr);
			return read_bool(v, key, (bool *)(void *)((char *)p + k->offset), reterr);
		}
	}
	return snpm_json_unknown_key(reterr, "policy", key);
}

int snpm_policy_parse(const char *json, struct snpm_policy **ret, struct snpm_error *reterr)
{
	struct snpm_policy *p;
	struct json_object *doc = NULL;
	int r;

	if (!json || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no policy");
	r = snpm_json_parse(json, &doc, reterr);
	if (r < 0)
		return r;
	p = calloc(1, sizeof(*p));
	if (!p) {
		json_object_put(doc);
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	}
	/* The strict defaults. */
	p->measurements.size = SNPM_LD_SIZE;
	p->id_keys.size = p->author_keys.size = SNPM_SHA384_SIZE;
	p->chip_ids.size = 64;
	p->mr_systems.size = p->mr_aggregateds.size = p->device_ids.size = 32;
	p->versions = 1u << 2 | 1u << 3 | 1u << 5;
	p->allow_vcek = p->allow_vlek = true;
	p->require_id_block = p->require_up_to_date = p->require_single_socket = true;
	p->require_crl = true;
	json_object_object_foreach(doc, key, v) {
		if (r == 0)
			r = read_key(p, key, v, reterr);
	}
	json_object_put(doc);
	if (r < 0) {
		snpm_policy_free(p);
		return r;
	}
	*ret = p;
	return 0;
}
