/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Appraisal: every rule of a policy against the real reports (Milan v2, Genoa v3, Turin v5,
 * VLEK v3), each with a policy under which it passes and one under which it fails (and no other
 * rule changes); the rules real reports cannot fail (debug, migration agent, masked chip key, an
 * out-of-date TCB, a revoked or expired CRL) on a real report re-signed by a test PKI shaped like
 * AMD's; KDS URLs read off each report's bytes; certificate tables; bundle manifests; the CLI.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "testutil.h"
#include "fuzz/testpki.h"
#include "../attest/collateral.h"
#include "../attest/policy.h"

/* 2027-01-01T00:00:00Z and 2025-06-01T00:00:00Z: inside each chain's validity. */
#define NOW_2027 1798761600
#define NOW_2025 1748736000

static struct json_object *fields_of(const char *name)
{
	char *path = tu_fixture("reports/expected-fields.json");
	struct json_object *all = json_object_from_file(path), *reports, *r;

	free(path);
	assert_non_null(all);
	assert_true(json_object_object_get_ex(all, "reports", &reports));
	assert_true(json_object_object_get_ex(reports, name, &r));
	json_object_get(r);
	json_object_put(all);
	return r;
}

static const char *field(struct json_object *f, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(f, key, &v));
	return json_object_get_string(v);
}

static bool hex_zero(const char *hex)
{
	return strspn(hex, "0") == strlen(hex);
}

/* ---- the real reports ---- */

#define ZEROS16 "00000000000000000000000000000000"
#define ZEROS47 ZEROS16 ZEROS16 "000000000000000000000000000000"

struct fixture {
	const char *name;
	const char *key; /* the certificate beside the report */
	int64_t now;
	/* What the base policy says beyond the fields read from expected-fields.json: every rule
	 * passes under it, but for those listed in skipped. */
	const char *policy;
	const char *skipped[6];
	/* Overrides that fail one rule each, beyond the common ones. */
	const char *const *failing;
};

static const char *const genoa_failing[] = {
	"id_block",
	"{\"id_key_digests\": [\"" /* another key */
	"0ad79ceb0b648b0e6a90d8aa9f6ea24c33a968b6632085353145e8b19a4741a2dab9ba342e13b"
	"e4fc0d225e889cc1a59\"]}",
	"platform_tsme",
	"{\"platform\": {\"tsme\": \"forbidden\"}}",
	"platform_ecc",
	"{\"platform\": {\"ecc\": \"forbidden\"}}",
	"platform_alias_check_complete",
	"{\"platform\": {\"alias_check_complete\": \"forbidden\"}}",
	"mitigations",
	"{\"mitigations\": {\"current\": 1}}",
	/* Emptied key lists accept no ID block. */
	"id_block",
	"{\"id_key_digests\": [], \"author_key_digests\": []}",
	/* A minimum FMC cannot be judged on Genoa: it fails, never passes unjudged. */
	"min_tcb",
	"{\"min_tcb\": {\"fmc\": 0}}",
	"min_launch_tcb",
	"{\"min_launch_tcb\": {\"fmc\": 1}}",
	NULL,
};

static const char *const turin_failing[] = {
	"id_block",
	"{\"author_key_digests\": [\"" /* an author key the report does not enable */
	"4068e9ae4b315aa4b33938ce0ed01a3d5d8e80eb98eab479a0558cd7de9d4d40d6d80d328d907"
	"32688a42b13a0cd6405\"], \"id_key_digests\": [\"ff" ZEROS47 "\"]}",
	"mitigations",
	"{\"mitigations\": {\"current\": 64}}",
	"mitigations",
	"{\"mitigations\": {\"launch\": 128}}",
	"platform_ecc",
	"{\"platform\": {\"ecc\": \"forbidden\"}}",
	"id_block",
	"{\"id_key_digests\": []}",
	"min_tcb",
	"{\"min_tcb\": {\"fmc\": 255}}",
	NULL,
};

static const char *const milan_failing[] = {
	"id_block",
	"{\"require_id_block\": true}",
	"platform_tsme",
	"{\"platform\": {\"tsme\": \"required\"}}",
	"mitigations",
	"{\"mitigations\": {\"launch\": 1}}",
	"min_tcb",
	"{\"min_tcb\": {\"fmc\": 0}}",
	NULL,
};

static const char *const vlek_failing[] = {
	"id_block",
	"{\"require_id_block\": true}",
	"tcb_up_to_date",
	"{\"require_up_to_date\": true}",
	"committed_firmware",
	"{\"allow_provisional_firmware\": false}",
	"chip_id",
	"{\"chip_ids\": [\"01" ZEROS47 ZEROS16 "\"]}",
	NULL,
};

static const struct fixture fixtures[] = {
	{ "genoa-v3",
	  "vcek.pem",
	  NOW_2027,
	  "{\"signers\": [\"vcek\"], \"min_tcb\": {\"bootloader\": 10, \"tee\": 0, \"snp\": 23, "
	  "\"microcode\": 84}, \"min_launch_tcb\": {\"bootloader\": 10, \"snp\": 23, \"microcode\": "
	  "84}, \"min_abi\": \"1.55\", \"min_build\": 40, \"platform\": {\"smt\": \"required\", "
	  "\"tsme\": \"required\", \"ecc\": \"required\", \"rapl_disabled\": \"forbidden\", "
	  "\"ciphertext_hiding\": \"forbidden\", \"alias_check_complete\": \"required\", \"tio\": "
	  "\"forbidden\"}}",
	  { "revocation", "mitigations" },
	  genoa_failing },
	{ "turin-v5",
	  "vcek.pem",
	  NOW_2027,
	  "{\"signers\": [\"vcek\"], \"min_tcb\": {\"fmc\": 1, \"bootloader\": 1, \"tee\": 1, "
	  "\"snp\": 4, \"microcode\": 81}, \"min_launch_tcb\": {\"fmc\": 1, \"snp\": 4}, "
	  "\"min_abi\": \"1.55\", \"min_build\": 65, \"platform\": {\"smt\": \"required\", \"tsme\": "
	  "\"forbidden\", \"ecc\": \"required\", \"rapl_disabled\": \"forbidden\", "
	  "\"ciphertext_hiding\": \"forbidden\", \"alias_check_complete\": \"required\", \"tio\": "
	  "\"forbidden\"}, \"mitigations\": {\"current\": 63, \"launch\": 33}}",
	  { "revocation" },
	  turin_failing },
	{ "milan-v2",
	  "vcek.der",
	  NOW_2027,
	  "{\"signers\": [\"vcek\"], \"require_id_block\": false, \"min_tcb\": {\"bootloader\": 3, "
	  "\"snp\": 8, \"microcode\": 115}, \"min_launch_tcb\": {\"microcode\": 115}, \"min_abi\": "
	  "\"1.52\", \"min_build\": 4, \"platform\": {\"smt\": \"required\", \"tsme\": "
	  "\"forbidden\", \"ecc\": \"forbidden\", \"alias_check_complete\": \"forbidden\"}}",
	  { "revocation", "mitigations", "platform_rapl_disabled", "platform_ciphertext_hiding",
	    "platform_tio" },
	  milan_failing },
	{ "vlek-v3",
	  "vlek.der",
	  NOW_2025,
	  "{\"signers\": [\"vlek\"], \"require_id_block\": false, \"require_up_to_date\": false, "
	  "\"allow_provisional_firmware\": true, \"min_tcb\": {\"bootloader\": 4, \"snp\": 24, "
	  "\"microcode\": 217}, \"min_launch_tcb\": {\"microcode\": 219}, \"min_abi\": \"1.55\", "
	  "\"min_build\": 29, \"platform\": {\"smt\": \"required\", \"tsme\": \"required\", "
	  "\"ecc\": \"required\", \"rapl_disabled\": \"forbidden\", \"ciphertext_hiding\": "
	  "\"forbidden\", \"alias_check_complete\": \"required\", \"tio\": \"forbidden\"}}",
	  { "revocation", "mitigations", "chip_id", "tcb_up_to_date" },
	  vlek_failing },
};

/* Failing overrides every report has (each fails exactly the rule named). */
static const char *const common_failing[] = {
	"report_version",
	"{\"report_versions\": [4]}",
	"signer",
	"{\"signers\": []}",
	"revocation",
	"{\"require_crl\": true}",
	"measurement",
	"{\"measurements\": [\"ff" ZEROS47 "\"]}",
	"host_data",
	"{\"host_data\": \"ff00000000000000000000000000000000000000000000000000000000000000\"}",
	"report_data",
	"{\"report_data\": \"ff\"}",
	"family_id",
	"{\"family_id\": \"ff000000000000000000000000000000\"}",
	"image_id",
	"{\"image_id\": \"ff000000000000000000000000000000\"}",
	"min_guest_svn",
	"{\"min_guest_svn\": 4294967295}",
	"vmpl",
	"{\"vmpl\": 3}",
	"smt",
	"{\"allow_smt\": false}",
	"single_socket",
	"{\"require_single_socket\": true}",
	"ciphertext_hiding", /* no fixture's guest policy sets bit 24 */
	"{\"require_ciphertext_hiding\": true}",
	/* An emptied allowlist accepts nothing (as measurements and signers do). */
	"measurement",
	"{\"measurements\": []}",
	"chip_id",
	"{\"chip_ids\": []}",
	"dstack_mr_system",
	"{\"dstack_mr_system\": []}",
	"dstack_mr_aggregated",
	"{\"dstack_mr_aggregated\": []}",
	"dstack_device_id",
	"{\"dstack_device_ids\": []}",
	"min_tcb",
	"{\"min_tcb\": {\"microcode\": 255}}",
	"min_tcb",
	"{\"min_tcb\": {\"bootloader\": 200}}",
	"min_launch_tcb",
	"{\"min_launch_tcb\": {\"snp\": 255}}",
	"min_abi",
	"{\"min_abi\": \"1.99\"}",
	"min_abi",
	"{\"min_abi\": \"2.0\"}",
	"min_build",
	"{\"min_build\": 255}",
	"platform_smt",
	"{\"platform\": {\"smt\": \"forbidden\"}}",
	"platform_rapl_disabled",
	"{\"platform\": {\"rapl_disabled\": \"required\"}}",
	"platform_ciphertext_hiding",
	"{\"platform\": {\"ciphertext_hiding\": \"required\"}}",
	"platform_tio",
	"{\"platform\": {\"tio\": \"required\"}}",
	NULL,
};

static void add_sha256_pin(struct json_object *p, const char *key, const uint8_t *a, size_t alen,
			   const uint8_t *b, size_t blen)
{
	uint8_t h[32];
	char hex[65];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	struct json_object *arr = json_object_new_array();

	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, a, alen), 1);
	if (b)
		assert_int_equal(EVP_DigestUpdate(ctx, b, blen), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, h, NULL), 1);
	EVP_MD_CTX_free(ctx);
	tu_hex(h, 32, hex);
	json_object_array_add(arr, json_object_new_string(hex));
	json_object_object_add(p, key, arr);
}

/* dstack's identities of the report, computed here from its bytes at the ABI's offsets:
 * MEASUREMENT at 0x90, HOST_DATA at 0xC0, CHIP_ID at 0x1A0. */
static void add_dstack_pins(struct json_object *p, const struct fixture *fx)
{
	char rel[128];
	size_t len;
	uint8_t *r;

	snprintf(rel, sizeof(rel), "reports/%s/report.bin", fx->name);
	r = tu_fixture_bytes(rel, &len);
	add_sha256_pin(p, "dstack_mr_system", r + 0x90, 48, NULL, 0);
	add_sha256_pin(p, "dstack_mr_aggregated", r + 0x90, 48, r + 0xc0, 32);
	add_sha256_pin(p, "dstack_device_ids", r + 0x1a0, 64, NULL, 0);
	free(r);
}

/* The base policy of a fixture: its fields pinned from expected-fields.json, then its own. */
static struct json_object *base_policy(const struct fixture *fx)
{
	struct json_object *f = fields_of(fx->name), *p = json_tokener_parse(fx->policy), *a;
	const char *id = field(f, "id_key_digest"), *chip = field(f, "chip_id");

	assert_non_null(p);
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string(field(f, "measurement")));
	json_object_object_add(p, "measurements", a);
	json_object_object_add(p, "host_data", json_object_new_string(field(f, "host_data")));
	json_object_object_add(p, "report_data", json_object_new_string(field(f, "report_data")));
	json_object_object_add(p, "family_id", json_object_new_string(field(f, "family_id")));
	json_object_object_add(p, "image_id", json_object_new_string(field(f, "image_id")));
	json_object_object_add(p, "min_guest_svn",
			       json_object_new_int(atoi(field(f, "guest_svn"))));
	json_object_object_add(p, "vmpl", json_object_new_int(atoi(field(f, "vmpl"))));
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_int(atoi(field(f, "version"))));
	json_object_object_add(p, "report_versions", a);
	json_object_object_add(p, "allow_smt", json_object_new_boolean(true));
	json_object_object_add(p, "require_single_socket", json_object_new_boolean(false));
	json_object_object_add(p, "require_crl", json_object_new_boolean(false));
	if (!hex_zero(id)) {
		a = json_object_new_array();
		json_object_array_add(a, json_object_new_string(id));
		json_object_object_add(p, "id_key_digests", a);
	}
	if (!hex_zero(chip)) {
		a = json_object_new_array();
		json_object_array_add(a, json_object_new_string(chip));
		json_object_object_add(p, "chip_ids", a);
	}
	json_object_put(f);
	add_dstack_pins(p, fx);
	return p;
}

/* base with the override's keys replacing its own (inside objects, key by key). */
static char *merged(struct json_object *base, const char *override)
{
	struct json_object *o = json_tokener_parse(override), *copy = NULL;
	char *text;

	assert_non_null(o);
	assert_int_equal(json_object_deep_copy(base, &copy, NULL), 0);
	json_object_object_foreach(o, k, v) {
		struct json_object *old = json_object_object_get(copy, k);
		if (old && json_object_is_type(old, json_type_object) &&
		    json_object_is_type(v, json_type_object)) {
			json_object_object_foreach(v, k2, v2) {
				json_object_object_add(old, k2, json_object_get(v2));
			}
		} else {
			json_object_object_add(copy, k, json_object_get(v));
		}
	}
	text = strdup(json_object_to_json_string(copy));
	json_object_put(copy);
	json_object_put(o);
	return text;
}

struct loaded {
	uint8_t *report, *key;
	size_t report_len, key_len;
};

static void load_fixture(const struct fixture *fx, struct loaded *l)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "reports/%s/report.bin", fx->name);
	l->report = tu_fixture_bytes(rel, &l->report_len);
	assert_int_equal(l->report_len, SNPM_REPORT_SIZE);
	snprintf(rel, sizeof(rel), "reports/%s/%s", fx->name, fx->key);
	l->key = tu_fixture_bytes(rel, &l->key_len);
}

static void appraise_text(const uint8_t *report, const char *policy_json,
			  const struct snpm_collateral *coll, struct snpm_appraisal *ap)
{
	struct snpm_policy *p = NULL;
	struct snpm_error err;

	if (snpm_policy_parse(policy_json, &p, &err) < 0)
		fail_msg("policy %s: %s", policy_json, err.message);
	if (snpm_appraise(NULL, report, p, coll, ap, &err) < 0)
		fail_msg("appraise: %s", err.message);
	snpm_policy_free(p);
}

static const struct snpm_rule *rule_of(const struct snpm_appraisal *ap, const char *name)
{
	for (size_t i = 0; i < ap->n; i++)
		if (strcmp(ap->rules[i].name, name) == 0)
			return &ap->rules[i];
	fail_msg("no rule %s", name);
	return NULL;
}

static bool listed(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n && names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Under the override, the named rule fails and every other rule is as under the base. */
static void expect_only_failure(const struct fixture *fx, const uint8_t *report,
				struct json_object *base, const struct snpm_appraisal *good,
				const struct snpm_collateral *coll, const char *name,
				const char *override)
{
	struct snpm_appraisal ap;
	char *text = merged(base, override);

	appraise_text(report, text, coll, &ap);
	if (rule_of(&ap, name)->status != SNPM_RULE_FAIL)
		fail_msg("%s: %s: rule %s did not fail (found %s)", fx->name, override, name,
			 rule_of(&ap, name)->found);
	assert_false(ap.pass);
	assert_int_equal(ap.n, good->n);
	for (size_t i = 0; i < ap.n; i++) {
		assert_string_equal(ap.rules[i].name, good->rules[i].name);
		if (strcmp(ap.rules[i].name, name) != 0 &&
		    ap.rules[i].status != good->rules[i].status)
			fail_msg("%s: %s also changed rule %s", fx->name, override,
				 ap.rules[i].name);
	}
	free(text);
}

static void test_every_rule_real_reports(void **state)
{
	(void)state;
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		const struct fixture *fx = &fixtures[f];
		struct snpm_collateral coll = { .size = sizeof(coll), .now = fx->now };
		struct snpm_appraisal good;
		struct json_object *base = base_policy(fx);
		struct loaded l;

		load_fixture(fx, &l);
		coll.certs.vcek = l.key, coll.certs.vcek_len = l.key_len;
		appraise_text(l.report, json_object_to_json_string(base), &coll, &good);
		/* The base: every rule passes but the listed ones, which are skipped. */
		for (size_t i = 0; i < good.n; i++) {
			const struct snpm_rule *r = &good.rules[i];
			enum snpm_rule_status want =
				listed(fx->skipped, 6, r->name) ? SNPM_RULE_SKIP : SNPM_RULE_PASS;
			if (r->status != want)
				fail_msg("%s: rule %s is %s (%s; %s)", fx->name, r->name,
					 snpm_rule_status_name(r->status), r->found, r->why);
		}
		assert_true(good.pass);
		assert_int_equal(good.n, snpm_n_rules);
		for (size_t i = 0; common_failing[i]; i += 2)
			expect_only_failure(fx, l.report, base, &good, &coll, common_failing[i],
					    common_failing[i + 1]);
		for (size_t i = 0; fx->failing[i]; i += 2)
			expect_only_failure(fx, l.report, base, &good, &coll, fx->failing[i],
					    fx->failing[i + 1]);
		json_object_put(base);
		free(l.report);
		free(l.key);
	}
}

/* What the rules say, in words a KMS operator reads. */
static void test_rule_texts(void **state)
{
	const struct fixture *fx = &fixtures[0]; /* Genoa */
	struct snpm_collateral coll = { .size = sizeof(coll), .now = fx->now };
	struct json_object *base = base_policy(fx);
	struct snpm_appraisal ap;
	struct loaded l;
	char *text;

	(void)state;
	load_fixture(fx, &l);
	coll.certs.vcek = l.key, coll.certs.vcek_len = l.key_len;
	appraise_text(l.report, json_object_to_json_string(base), &coll, &ap);
	assert_string_equal(rule_of(&ap, "certificate_chain")->found,
			    "VCEK <- ASK <- ARK-Genoa (AMD roots built in)");
	assert_string_equal(rule_of(&ap, "min_tcb")->found,
			    "bootloader 10 tee 0 snp 23 microcode 84");
	assert_string_equal(rule_of(&ap, "min_launch_tcb")->expected,
			    "bootloader 10 tee 0 snp 23 microcode 84");
	assert_string_equal(rule_of(&ap, "certificate_validity")->expected, "2027-01-01T00:00:00Z");
	assert_string_equal(
		rule_of(&ap, "measurement")->found,
		"5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f981898879"
		"20ab2fa0096903a0c23fca1");
	text = merged(base, "{\"min_tcb\": {\"snp\": 24}}");
	appraise_text(l.report, text, &coll, &ap);
	assert_string_equal(rule_of(&ap, "min_tcb")->why, "snp 23 is below the minimum 24");
	free(text);
	/* Time: a chain not yet valid, or expired, fails its rule only. */
	coll.now = 1577836800; /* 2020 */
	appraise_text(l.report, json_object_to_json_string(base), &coll, &ap);
	assert_int_equal(rule_of(&ap, "certificate_validity")->status, SNPM_RULE_FAIL);
	assert_int_equal(rule_of(&ap, "measurement")->status, SNPM_RULE_PASS);
	coll.now = 2524608000; /* 2050 */
	appraise_text(l.report, json_object_to_json_string(base), &coll, &ap);
	assert_int_equal(rule_of(&ap, "certificate_validity")->status, SNPM_RULE_FAIL);
	assert_false(ap.pass);
	json_object_put(base);
	free(l.report);
	free(l.key);
}

/* A report that does not verify fails there; nothing after it is judged. */
static void test_unverified_judges_nothing(void **state)
{
	const struct fixture *fx = &fixtures[0];
	struct snpm_collateral coll = { .size = sizeof(coll), .now = fx->now };
	struct json_object *base = base_policy(fx);
	struct snpm_appraisal ap;
	struct loaded l, other;

	(void)state;
	load_fixture(fx, &l);
	load_fixture(&fixtures[1], &other); /* Turin's VCEK */
	coll.certs.vcek = l.key, coll.certs.vcek_len = l.key_len;
	l.report[0x90] ^= 1; /* a measurement byte */
	appraise_text(l.report, json_object_to_json_string(base), &coll, &ap);
	assert_false(ap.pass);
	assert_int_equal(rule_of(&ap, "certificate_chain")->status, SNPM_RULE_PASS);
	assert_int_equal(rule_of(&ap, "signature")->status, SNPM_RULE_FAIL);
	for (size_t i = 0; i < ap.n; i++)
		if (strcmp(ap.rules[i].name, "report_version") &&
		    strcmp(ap.rules[i].name, "signer") &&
		    strcmp(ap.rules[i].name, "certificate_chain") &&
		    strcmp(ap.rules[i].name, "signature")) {
			assert_int_equal(ap.rules[i].status, SNPM_RULE_SKIP);
			assert_string_equal(ap.rules[i].why,
					    "not judged: the report did not verify");
		}
	l.report[0x90] ^= 1;
	coll.certs.vcek = other.key, coll.certs.vcek_len = other.key_len;
	appraise_text(l.report, json_object_to_json_string(base), &coll, &ap);
	assert_int_equal(rule_of(&ap, "certificate_chain")->status, SNPM_RULE_FAIL);
	assert_non_null(strstr(rule_of(&ap, "certificate_chain")->why,
			       "comes from a Genoa CPU but the certificate is for Turin"));
	assert_int_equal(rule_of(&ap, "measurement")->status, SNPM_RULE_SKIP);
	assert_false(ap.pass);
	json_object_put(base);
	free(l.report), free(l.key), free(other.report), free(other.key);
}

/* The strict defaults, on the Genoa report with only its measurement pinned. */
static void test_strict_defaults(void **state)
{
	static const struct {
		const char *rule;
		enum snpm_rule_status status;
	} want[] = {
		{ "report_version", SNPM_RULE_PASS },
		{ "signer", SNPM_RULE_PASS },
		{ "revocation", SNPM_RULE_FAIL },
		{ "measurement", SNPM_RULE_PASS },
		{ "host_data", SNPM_RULE_SKIP },
		{ "vmpl", SNPM_RULE_PASS },
		{ "debug", SNPM_RULE_PASS },
		{ "migration_agent", SNPM_RULE_PASS },
		{ "smt", SNPM_RULE_FAIL },
		{ "single_socket", SNPM_RULE_FAIL },
		{ "id_block", SNPM_RULE_FAIL },
		{ "masked_chip_key", SNPM_RULE_PASS },
		{ "committed_firmware", SNPM_RULE_PASS },
		{ "tcb_up_to_date", SNPM_RULE_PASS },
		{ "min_tcb", SNPM_RULE_SKIP },
		{ "platform_tsme", SNPM_RULE_SKIP },
	};
	struct snpm_collateral coll = { .size = sizeof(coll), .now = NOW_2027 };
	struct snpm_appraisal ap;
	struct loaded l;

	(void)state;
	load_fixture(&fixtures[0], &l);
	coll.certs.vcek = l.key, coll.certs.vcek_len = l.key_len;
	appraise_text(
		l.report,
		"{\"measurements\": [\"5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c6"
		"09388ed7f98189887920ab2fa0096903a0c23fca1\"]}",
		&coll, &ap);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (rule_of(&ap, want[i].rule)->status != want[i].status)
			fail_msg("default: %s is %s", want[i].rule,
				 snpm_rule_status_name(rule_of(&ap, want[i].rule)->status));
	assert_false(ap.pass);
	/* No measurement pinned: nothing can pass. */
	appraise_text(l.report, "{}", &coll, &ap);
	assert_int_equal(rule_of(&ap, "measurement")->status, SNPM_RULE_FAIL);
	assert_string_equal(rule_of(&ap, "measurement")->why,
			    "the policy pins no measurement: nothing can pass");
	/* A VLEK report under a VCEK-only policy, and the reverse. */
	free(l.report), free(l.key);
	load_fixture(&fixtures[3], &l);
	coll.certs.vcek = l.key, coll.certs.vcek_len = l.key_len;
	coll.now = NOW_2025;
	appraise_text(l.report, "{\"signers\": [\"vcek\"]}", &coll, &ap);
	assert_int_equal(rule_of(&ap, "signer")->status, SNPM_RULE_FAIL);
	assert_string_equal(rule_of(&ap, "signer")->found, "vlek");
	assert_int_equal(rule_of(&ap, "vmpl")->status, SNPM_RULE_FAIL); /* VMPL 1 */
	free(l.report), free(l.key);
}

/* ---- rules only a re-signed report can fail ---- */

struct pki_report {
	struct testpki pki;
	struct testpki_vcek vcek;
	struct testpki_vcek_spec spec;
	uint8_t report[SNPM_REPORT_SIZE];
	struct snpm_collateral coll;
};

/* The Genoa report, changed by the caller, then signed by a test VCEK certifying its TCB. */
static void pki_setup(struct pki_report *p)
{
	size_t len;
	uint8_t *data = tu_fixture_bytes("reports/genoa-v3/report.bin", &len);

	memset(p, 0, sizeof(*p));
	memcpy(p->report, data, SNPM_REPORT_SIZE);
	free(data);
	assert_int_equal(testpki_init(&p->pki), 0);
	p->spec = (struct testpki_vcek_spec){ .family = SNPM_FAMILY_GENOA,
					      .bootloader = 10,
					      .snp = 23,
					      .microcode = 84,
					      .hwid_len = 64 };
	memcpy(p->spec.hwid, p->report + 0x1a0, 64);
}

static void pki_sign(struct pki_report *p)
{
	testpki_vcek_free(&p->vcek);
	assert_int_equal(testpki_vcek(&p->pki, &p->spec, &p->vcek), 0);
	assert_int_equal(testpki_sign_report(&p->vcek, p->report), 0);
	p->coll.certs.vcek = (const uint8_t *)p->vcek.pem;
	p->coll.certs.vcek_len = strlen(p->vcek.pem);
	p->coll.certs.chain = (const uint8_t *)p->pki.chain_pem;
	p->coll.certs.chain_len = strlen(p->pki.chain_pem);
	p->coll.now = (int64_t)time(NULL) + 3600;
}

static void pki_free(struct pki_report *p)
{
	testpki_vcek_free(&p->vcek);
	testpki_free(&p->pki);
}

static void pki_appraise(struct pki_report *p, const char *policy, struct snpm_appraisal *ap)
{
	struct snpm_policy *pol = NULL;
	struct snpm_error err;

	if (snpm_policy_parse(policy, &pol, &err) < 0)
		fail_msg("policy: %s", err.message);
	if (snpm_appraise_trusting(NULL, p->report, pol, &p->coll, &p->pki.trust, ap, &err) < 0)
		fail_msg("appraise: %s", err.message);
	snpm_policy_free(pol);
}

static void expect_rule(const struct snpm_appraisal *ap, const char *name,
			enum snpm_rule_status status, const char *why_part)
{
	const struct snpm_rule *r = rule_of(ap, name);

	if (r->status != status)
		fail_msg("%s is %s (%s; %s)", name, snpm_rule_status_name(r->status), r->found,
			 r->why);
	if (why_part && !strstr(r->why, why_part))
		fail_msg("%s: '%s' lacks '%s'", name, r->why, why_part);
}

static void test_guest_policy_and_key_rules(void **state)
{
	struct pki_report p;
	struct snpm_appraisal ap;

	(void)state;
	pki_setup(&p);
	p.report[0x08 + 2] |= 1u << (19 - 16); /* POLICY.DEBUG */
	p.report[0x08 + 2] |= 1u << (18 - 16); /* POLICY.MIGRATE_MA */
	p.report[0x48] |= 1u << 1; /* KEY_INFO.MASK_CHIP_KEY */
	pki_sign(&p);
	pki_appraise(&p, "{}", &ap);
	expect_rule(&ap, "signature", SNPM_RULE_PASS, NULL);
	expect_rule(&ap, "debug", SNPM_RULE_FAIL, "permits it and this policy does not");
	expect_rule(&ap, "migration_agent", SNPM_RULE_FAIL, NULL);
	expect_rule(&ap, "masked_chip_key", SNPM_RULE_FAIL, NULL);
	pki_appraise(
		&p,
		"{\"allow_debug\": true, \"allow_migration\": true, \"allow_masked_chip_key\": "
		"true}",
		&ap);
	expect_rule(&ap, "debug", SNPM_RULE_PASS, NULL);
	expect_rule(&ap, "migration_agent", SNPM_RULE_PASS, NULL);
	expect_rule(&ap, "masked_chip_key", SNPM_RULE_PASS, NULL);
	/* CXL_ALLOW (bit 21): forbidden unless allowed, as the peers forbid it. */
	pki_free(&p);
	pki_setup(&p);
	p.report[0x08 + 2] |= 1u << (21 - 16);
	pki_sign(&p);
	pki_appraise(&p, "{}", &ap);
	expect_rule(&ap, "cxl", SNPM_RULE_FAIL, "permits it and this policy does not");
	pki_appraise(&p, "{\"allow_cxl\": true}", &ap);
	expect_rule(&ap, "cxl", SNPM_RULE_PASS, NULL);
	pki_free(&p);
}

/*
 * What the ABI reserves, broken in a report the test PKI signs: the verdict fails, whatever the
 * policy allows, and report verify calls the report malformed.
 */
static void test_reserved_fields(void **state)
{
	static const struct {
		size_t off;
		uint8_t value;
		const char *why;
	} breaks[] = {
		{ 0x08 + 2, 0x01, "bit 17 clear" }, /* POLICY bit 17 cleared (16 set instead) */
		{ 0x08 + 3, 0x04, "sets reserved bits 0x4000000" }, /* POLICY bit 26 */
		{ 0x08 + 7, 0x80, "reserved bits 0x8000000000000000" },
		{ 0x48, 0x20, "key info 0x20 sets reserved bits 5-31" },
		{ 0x4c, 0x01, "reserved bytes 0x04C-0x04F are not zero" },
		{ 0x19f, 0x01, "reserved bytes 0x18B-0x19F" },
		{ 0x1eb, 0x01, "reserved byte 0x1EB" },
		{ 0x29f, 0x01, "reserved bytes 0x208-0x29F" },
	};
	struct pki_report p;
	struct snpm_appraisal ap;

	(void)state;
	for (size_t i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
		pki_setup(&p);
		if (breaks[i].off == 0x08 + 2)
			p.report[breaks[i].off] = breaks[i].value; /* replaces 0x03: 17 clear */
		else
			p.report[breaks[i].off] |= breaks[i].value;
		pki_sign(&p);
		pki_appraise(&p, "{\"allow_smt\": true}", &ap);
		expect_rule(&ap, "signature", SNPM_RULE_PASS, NULL);
		expect_rule(&ap, "reserved_fields", SNPM_RULE_FAIL, breaks[i].why);
		assert_false(ap.pass);
		pki_free(&p);
	}
}

/* TCBs: up to date (dstack's rule) and committed firmware (go-sev-guest's). */
static void test_tcb_rules(void **state)
{
	struct pki_report p;
	struct snpm_appraisal ap;

	(void)state;
	pki_setup(&p);
	p.report[0x38 + 7] = 85; /* CURRENT_TCB microcode 85: a newer microcode is running */
	pki_sign(&p);
	pki_appraise(&p, "{}", &ap);
	expect_rule(&ap, "tcb_up_to_date", SNPM_RULE_FAIL, "not up to date");
	expect_rule(&ap, "committed_firmware", SNPM_RULE_FAIL, "not the committed one");
	pki_appraise(&p, "{\"require_up_to_date\": false, \"allow_provisional_firmware\": true}",
		     &ap);
	expect_rule(&ap, "tcb_up_to_date", SNPM_RULE_SKIP, "not required");
	expect_rule(&ap, "committed_firmware", SNPM_RULE_PASS, NULL);
	/* Committed ahead of current: never acceptable. */
	p.report[0x38 + 7] = 83;
	pki_sign(&p);
	pki_appraise(&p, "{\"allow_provisional_firmware\": true}", &ap);
	expect_rule(&ap, "committed_firmware", SNPM_RULE_FAIL, NULL);
	/* The launch TCB behind the reported one. */
	p.report[0x38 + 7] = 84;
	p.report[0x1f0 + 6] = 22; /* LAUNCH_TCB snp 22 */
	pki_sign(&p);
	pki_appraise(&p, "{\"min_launch_tcb\": {\"snp\": 23}}", &ap);
	expect_rule(&ap, "tcb_up_to_date", SNPM_RULE_FAIL, NULL);
	expect_rule(&ap, "min_launch_tcb", SNPM_RULE_FAIL, NULL);
	expect_rule(&ap, "min_tcb", SNPM_RULE_SKIP, NULL);
	/* The certificate's TCB is the report's: a VCEK for another TCB fails the fields rule. */
	p.spec.snp = 22;
	pki_sign(&p);
	pki_appraise(&p, "{}", &ap);
	expect_rule(&ap, "certificate_fields", SNPM_RULE_FAIL, "is not the report's reported TCB");
	assert_false(ap.pass);
	pki_free(&p);
}

static uint8_t *make_crl(struct pki_report *p, const struct testpki_crl_spec *spec, size_t *len)
{
	uint8_t *der = NULL;

	assert_int_equal(testpki_crl(&p->pki, spec, &der, len), 0);
	return der;
}

static void test_crl(void **state)
{
	static const long ask_serial[] = { 2 }, other_serials[] = { 7, 3 };
	int64_t now = (int64_t)time(NULL);
	struct testpki_crl_spec spec = { .this_update = now - 86400, .next_update = now + 86400 };
	struct pki_report p;
	struct snpm_appraisal ap;
	uint8_t *crl;
	size_t len;

	(void)state;
	pki_setup(&p);
	pki_sign(&p);
	p.coll.now = now;
	/* Current, signed by the ARK, listing other serials (the VCEK's too: not the ARK's to
	 * revoke). */
	spec.revoked = other_serials, spec.n_revoked = 2;
	crl = make_crl(&p, &spec, &len);
	p.coll.crl = crl, p.coll.crl_len = len;
	pki_appraise(&p, "{}", &ap);
	expect_rule(&ap, "revocation", SNPM_RULE_PASS, NULL);
	assert_non_null(strstr(rule_of(&ap, "revocation")->found, "2 revoked, next update "));
	/* The same as PEM. */
	{
		BIO *b = BIO_new(BIO_s_mem());
		const unsigned char *q = crl;
		X509_CRL *x = d2i_X509_CRL(NULL, &q, (long)len);
		char *pem;
		assert_int_equal(PEM_write_bio_X509_CRL(b, x), 1);
		long n = BIO_get_mem_data(b, &pem);
		p.coll.crl = (const uint8_t *)pem, p.coll.crl_len = (size_t)n;
		pki_appraise(&p, "{}", &ap);
		expect_rule(&ap, "revocation", SNPM_RULE_PASS, NULL);
		X509_CRL_free(x);
		BIO_free(b);
	}
	free(crl);
	/* The ASK revoked. */
	spec.revoked = ask_serial, spec.n_revoked = 1;
	crl = make_crl(&p, &spec, &len);
	p.coll.crl = crl, p.coll.crl_len = len;
	pki_appraise(&p, "{}", &ap);
	expect_rule(&ap, "revocation", SNPM_RULE_FAIL, "the CRL revokes the ASK (serial 02)");
	assert_false(ap.pass);
	free(crl);
	/* Expired, and not yet valid, at the time judged. */
	spec.n_revoked = 0;
	crl = make_crl(&p, &spec, &len);
	p.coll.crl = crl, p.coll.crl_len = len;
	p.coll.now = now + 2 * 86400;
	pki_appraise(&p, "{}", &ap);
	expect_rule(&ap, "revocation", SNPM_RULE_FAIL, "the CRL expired");
	p.coll.now = now - 2 * 86400 + 3600;
	pki_appraise(&p, "{}", &ap);
	expect_rule(&ap, "revocation", SNPM_RULE_FAIL, "not yet valid");
	p.coll.now = now;
	free(crl);
	/* No next update; signed by the ASK in the ARK's name; not a CRL at all. */
	spec.next_update = 0;
	crl = make_crl(&p, &spec, &len);
	p.coll.crl = crl, p.coll.crl_len = len;
	pki_appraise(&p, "{}", &ap);
	expect_rule(&ap, "revocation", SNPM_RULE_FAIL, "no valid update times");
	free(crl);
	spec.next_update = now + 86400;
	spec.signed_by_ask = true;
	crl = make_crl(&p, &spec, &len);
	p.coll.crl = crl, p.coll.crl_len = len;
	pki_appraise(&p, "{}", &ap);
	expect_rule(&ap, "revocation", SNPM_RULE_FAIL, "does not verify with the ARK");
	crl[len / 2] ^= 1;
	pki_appraise(&p, "{}", &ap);
	expect_rule(&ap, "revocation", SNPM_RULE_FAIL, NULL);
	free(crl);
	p.coll.crl = (const uint8_t *)"not a CRL", p.coll.crl_len = 9;
	pki_appraise(&p, "{}", &ap);
	expect_rule(&ap, "revocation", SNPM_RULE_FAIL, "not a DER or PEM revocation list");
	/* A real report's chain and a test ARK's CRL: not issued by its ARK. */
	{
		struct loaded l;
		struct snpm_collateral coll = { .size = sizeof(coll), .now = NOW_2027 };
		struct snpm_appraisal real;
		spec.signed_by_ask = false;
		crl = make_crl(&p, &spec, &len);
		load_fixture(&fixtures[0], &l);
		coll.certs.vcek = l.key, coll.certs.vcek_len = l.key_len;
		coll.crl = crl, coll.crl_len = len;
		appraise_text(l.report, "{}", &coll, &real);
		expect_rule(&real, "revocation", SNPM_RULE_FAIL, "not issued by this chain's ARK");
		free(l.report), free(l.key), free(crl);
	}
	pki_free(&p);
}

/* The appraiser keeps each chain it verified; results are the same, and another VCEK is not
 * mistaken for a cached one. */
static void test_appraiser_cache(void **state)
{
	struct snpm_appraiser *a = NULL;
	struct snpm_policy *pol = NULL;
	struct snpm_appraisal first, again;
	struct snpm_error err;
	struct loaded g, t;
	struct snpm_collateral coll = { .size = sizeof(coll), .now = NOW_2027 };

	(void)state;
	load_fixture(&fixtures[0], &g);
	load_fixture(&fixtures[1], &t);
	assert_int_equal(snpm_appraiser_new(&a, &err), 0);
	assert_int_equal(snpm_policy_parse("{\"allow_smt\": true}", &pol, &err), 0);
	coll.certs.vcek = g.key, coll.certs.vcek_len = g.key_len;
	assert_int_equal(snpm_appraise(a, g.report, pol, &coll, &first, &err), 0);
	for (int i = 0; i < 40; i++) {
		assert_int_equal(snpm_appraise(a, g.report, pol, &coll, &again, &err), 0);
		assert_memory_equal(&first, &again, offsetof(struct snpm_appraisal, verify));
	}
	assert_int_equal(rule_of(&first, "signature")->status, SNPM_RULE_PASS);
	/* The same report with Turin's VCEK: a new key, verified anew (and refused). */
	coll.certs.vcek = t.key, coll.certs.vcek_len = t.key_len;
	assert_int_equal(snpm_appraise(a, g.report, pol, &coll, &again, &err), 0);
	assert_int_equal(rule_of(&again, "certificate_chain")->status, SNPM_RULE_FAIL);
	/* A flipped report byte with the cached VCEK: its signature is still checked. */
	coll.certs.vcek = g.key, coll.certs.vcek_len = g.key_len;
	g.report[0x50] ^= 1;
	assert_int_equal(snpm_appraise(a, g.report, pol, &coll, &again, &err), 0);
	assert_int_equal(rule_of(&again, "signature")->status, SNPM_RULE_FAIL);
	snpm_policy_free(pol);
	snpm_appraiser_free(a);
	free(g.report), free(g.key), free(t.report), free(t.key);
}

/* ---- policies ---- */

static void test_policy_refusals(void **state)
{
	static const char *const bad[][2] = {
		{ "[]", "" },
		{ "{\"measurement\": []}", "measurement" },
		{ "{\"allow_debug\": 1}", "allow_debug" },
		{ "{\"allow_debug\": true, \"allow_debug\": true}", "" },
		{ "{\"measurements\": [\"00\"]}", "measurements" },
		{ "{\"measurements\": [\"" /* all zero */
		  "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
		  "0000000000000000\"]}",
		  "all-zero" },
		{ "{\"measurements\": {\"manifest\": \"m.json\", \"extra\": 1}}", "extra" },
		{ "{\"measurements\": {}}", "manifest" },
		{ "{\"host_data\": \"00\"}", "host_data" },
		{ "{\"report_data\": \"" /* 65 bytes */
		  "0000000000000000000000000000000000000000000000000000000000000000000000000000000000"
		  "000000000000000000000000000000000000000000000000\"}",
		  "report_data" },
		{ "{\"report_data\": \"abc\"}", "report_data" },
		{ "{\"vmpl\": 4}", "vmpl" },
		{ "{\"min_guest_svn\": -1}", "min_guest_svn" },
		{ "{\"report_versions\": [32]}", "report_versions" },
		{ "{\"report_versions\": 3}", "report_versions" },
		{ "{\"signers\": [\"ark\"]}", "signers" },
		{ "{\"min_tcb\": {\"snp\": 256}}", "snp" },
		{ "{\"min_tcb\": {\"spl\": 1}}", "spl" },
		{ "{\"min_tcb\": []}", "min_tcb" },
		{ "{\"min_abi\": \"1\"}", "min_abi" },
		{ "{\"min_abi\": \"1.55x\"}", "min_abi" },
		{ "{\"min_abi\": \"-1.5\"}", "min_abi" },
		{ "{\"min_abi\": \"1.256\"}", "min_abi" },
		{ "{\"min_abi\": 1.55}", "min_abi" },
		{ "{\"min_build\": 256}", "min_build" },
		{ "{\"platform\": {\"smt\": \"yes\"}}", "platform.smt" },
		{ "{\"platform\": {\"sev\": \"required\"}}", "sev" },
		{ "{\"mitigations\": {\"current\": \"1\", \"other\": 2}}", "" },
		{ "{\"id_key_digests\": [\"zz\"]}", "id_key_digests" },
		{ "{\"chip_ids\": \"ab\"}", "chip_ids" },
		{ "{} {}", "" },
	};
	struct snpm_policy *p = NULL;
	struct snpm_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (snpm_policy_parse(bad[i][0], &p, &err) == 0)
			fail_msg("accepted %s", bad[i][0]);
		if (!strstr(err.message, bad[i][1]))
			fail_msg("%s: '%s' lacks '%s'", bad[i][0], err.message, bad[i][1]);
	}
	/* Accepted forms: report_data shorter than 64 bytes (zero-padded), min_abi "1.55". */
	assert_int_equal(snpm_policy_parse("{\"report_data\": \"ab\", \"min_abi\": \"1.55\", "
					   "\"platform\": {\"tio\": \"any\"}}",
					   &p, &err),
			 0);
	assert_null(snpm_policy_manifest(p));
	snpm_policy_free(p);
	assert_int_equal(
		snpm_policy_parse("{\"measurements\": {\"manifest\": \"b/manifest.json\"}}", &p,
				  &err),
		0);
	assert_string_equal(snpm_policy_manifest(p), "b/manifest.json");
	snpm_policy_free(p);
}

/* ---- bundles' predicted measurements ---- */

static void write_bundle(const char *dir, const char *manifest, const char *rows)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	tu_write_file(path, manifest, strlen(manifest));
	snprintf(path, sizeof(path), "%s/measurements.jsonl", dir);
	tu_write_file(path, rows, strlen(rows));
}

static int collect(void *arg, const uint8_t m[SNPM_LD_SIZE], const char *row)
{
	size_t *n = arg;

	assert_non_null(strstr(row, "\"measurement\""));
	assert_int_equal(m[0], (uint8_t)(0xa0 + *n));
	(*n)++;
	return 0;
}

#define ONES94 \
	"1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
#define ROW(b) "{\"vcpus\":1,\"measurement\":\"" b ONES94 "\"}\n"

static void test_bundle_measurements(void **state)
{
	static const char *const bad[][3] = {
		{ "{\"format\":\"snpimage-bundle/1\",\"measurements\":{\"file\":\"measurements.jsonl\","
		  "\"count\":1}}",
		  ROW("a0"), "format" },
		{ "{\"format\":\"snpimage-bundle/2\",\"measurements\":{\"file\":\"../x\",\"count\":1}}",
		  ROW("a0"), "measurements" },
		{ "{\"format\":\"snpimage-bundle/2\",\"measurements\":{\"file\":\"measurements.jsonl\","
		  "\"count\":3}}",
		  ROW("a0") ROW("a1"), "holds 2 rows, the manifest says 3" },
		{ "{\"format\":\"snpimage-bundle/2\",\"measurements\":{\"file\":\"measurements.jsonl\","
		  "\"count\":1}}",
		  "{\"measurement\":\"a0\"}\n", "line 1" },
		{ "{\"format\":\"snpimage-bundle/2\",\"measurements\":{\"file\":\"measurements.jsonl\","
		  "\"count\":1}}",
		  "{\"measurement\":\"a0" ONES94 "\"}", "final newline" },
	};
	char *dir = tu_mkdtemp(), path[512];
	struct snpm_error err;
	size_t n = 0;

	(void)state;
	write_bundle(
		dir,
		"{\"format\":\"snpimage-bundle/2\",\"measurements\":{\"file\":\"measurements.jsonl"
		"\",\"count\":2}}",
		ROW("a0") ROW("a1"));
	assert_int_equal(snpm_bundle_measurements(dir, collect, &n, &err), 0);
	assert_int_equal(n, 2);
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	n = 0;
	assert_int_equal(snpm_bundle_measurements(path, collect, &n, &err), 0);
	assert_int_equal(n, 2);
	snprintf(path, sizeof(path), "%s/measurements.jsonl", dir);
	assert_int_not_equal(snpm_bundle_measurements(path, collect, &n, &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_bundle(dir, bad[i][0], bad[i][1]);
		n = 0;
		memset(&err, 0, sizeof(err));
		assert_int_not_equal(snpm_bundle_measurements(dir, collect, &n, &err), 0);
		if (!strstr(err.message, bad[i][2]))
			fail_msg("'%s' lacks '%s'", err.message, bad[i][2]);
	}
	tu_rmtree(dir);
	free(dir);
}

/* ---- certificate tables ---- */

struct table {
	uint8_t blob[16384];
	size_t len;
};

/* A table of n entries then the zero entry, and the certificates after it. */
static void build_table(struct table *t, const char *const *guids, const uint8_t *const *certs,
			const size_t *lens, size_t n)
{
	size_t at = (n + 1) * 24;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		tu_put_cert_entry(t->blob + i * 24, guids[i], (uint32_t)at, (uint32_t)lens[i]);
		memcpy(t->blob + at, certs[i], lens[i]);
		at += lens[i];
	}
	t->len = at;
}

static void test_cert_table(void **state)
{
	const char *guids[] = { SNPM_CERT_GUID_ARK, SNPM_CERT_GUID_ASK, SNPM_CERT_GUID_VCEK };
	struct loaded l;
	size_t ask_len, ark_len;
	uint8_t *ask = tu_fixture_bytes("reports/genoa-v3/ask.pem", &ask_len);
	uint8_t *ark = tu_fixture_bytes("reports/genoa-v3/ark.pem", &ark_len);
	struct snpm_cert_input in = { .size = sizeof(in) };
	struct snpm_error err;
	struct snpm_collateral coll = { .size = sizeof(coll), .now = NOW_2027 };
	struct snpm_appraisal ap;
	struct table t;

	(void)state;
	load_fixture(&fixtures[0], &l);
	const uint8_t *certs[] = { ark, ask, l.key };
	size_t lens[] = { ark_len, ask_len, l.key_len };
	build_table(&t, guids, certs, lens, 3);
	assert_int_equal(snpm_cert_table_parse(t.blob, t.len, &in, &err), 0);
	assert_ptr_equal(in.vcek, t.blob + 4 * 24 + ark_len + ask_len);
	assert_int_equal(in.vcek_len, l.key_len);
	assert_ptr_equal(in.ark, t.blob + 4 * 24);
	assert_int_equal(in.ask_len, ask_len);
	/* The table's certificates verify the report: the ARK is checked against AMD's. */
	coll.certs = in;
	appraise_text(l.report, "{}", &coll, &ap);
	expect_rule(&ap, "certificate_chain", SNPM_RULE_PASS, NULL);
	assert_string_equal(rule_of(&ap, "certificate_chain")->found,
			    "VCEK <- ASK <- ARK-Genoa (given)");
	/* Only a VCEK: the built-in chain. Unknown GUIDs are passed over. */
	const char *one[] = { "11111111-2222-3333-4444-555555555555", SNPM_CERT_GUID_VCEK };
	const uint8_t *one_certs[] = { ask, l.key };
	size_t one_lens[] = { ask_len, l.key_len };
	build_table(&t, one, one_certs, one_lens, 2);
	assert_int_equal(snpm_cert_table_parse(t.blob, t.len, &in, &err), 0);
	assert_null(in.ask);
	assert_int_equal(in.vcek_len, l.key_len);
	/* Refusals. */
	build_table(&t, guids, certs, lens, 3);
	struct table bad = t;
	tu_put_cert_entry(bad.blob + 24, SNPM_CERT_GUID_ASK, (uint32_t)(t.len - 10),
			  11); /* past the end */
	assert_int_equal(snpm_cert_table_parse(bad.blob, bad.len, &in, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "entry 1"));
	assert_non_null(strstr(err.message, "outside"));
	bad = t;
	tu_put_cert_entry(bad.blob + 24, SNPM_CERT_GUID_ASK, 4 * 24, 10); /* overlaps the ARK */
	assert_int_equal(snpm_cert_table_parse(bad.blob, bad.len, &in, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "entries 0 and 1 overlap"));
	bad = t;
	tu_put_cert_entry(bad.blob + 24, SNPM_CERT_GUID_ASK, 24, 10); /* inside the table */
	assert_int_equal(snpm_cert_table_parse(bad.blob, bad.len, &in, &err), SNPM_EMALFORMED);
	bad = t;
	tu_put_cert_entry(bad.blob + 24, SNPM_CERT_GUID_ARK, (uint32_t)(4 * 24 + ark_len),
			  (uint32_t)ask_len);
	assert_int_equal(snpm_cert_table_parse(bad.blob, bad.len, &in, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "same GUID"));
	bad = t;
	tu_put_cert_entry(bad.blob + 24, SNPM_CERT_GUID_ASK, (uint32_t)(4 * 24 + ark_len), 0);
	assert_int_equal(snpm_cert_table_parse(bad.blob, bad.len, &in, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "empty"));
	bad = t;
	tu_put_cert_entry(bad.blob + 24, SNPM_CERT_GUID_VLEK, (uint32_t)(4 * 24 + ark_len),
			  (uint32_t)ask_len);
	assert_int_equal(snpm_cert_table_parse(bad.blob, bad.len, &in, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "a VCEK and a VLEK"));
	bad = t;
	tu_put_cert_entry(bad.blob + 24, SNPM_CERT_GUID_ASK, 0xffffffffu, 0xffffffffu); /* wraps */
	assert_int_equal(snpm_cert_table_parse(bad.blob, bad.len, &in, &err), SNPM_EMALFORMED);
	/* No terminating entry within the blob. */
	memset(bad.blob, 0x11, 72);
	assert_int_equal(snpm_cert_table_parse(bad.blob, 72, &in, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "no terminating zero entry"));
	assert_int_equal(snpm_cert_table_parse(t.blob, 10, &in, &err), SNPM_EMALFORMED);
	free(ask), free(ark), free(l.report), free(l.key);
}

/* ---- KDS URLs: read off each report's bytes ---- */

static void test_kds_urls(void **state)
{
	static const struct {
		const char *name, *product, *key, *chain, *crl;
	} want[] = {
		{ "genoa-v3", NULL,
		  "https://kdsintf.amd.com/vcek/v1/Genoa/"
		  "b1e24a27bbc3a4d58090d8b89851dce3b8031544be249b9ac17132bb222b027622347ee4d0fe4f689efdf"
		  "c47a68cefc686cbb448d01436506ee1e28010cab7c0?blSPL=10&teeSPL=0&snpSPL=23&ucodeSPL=84",
		  "https://kdsintf.amd.com/vcek/v1/Genoa/cert_chain",
		  "https://kdsintf.amd.com/vcek/v1/Genoa/crl" },
		{ "turin-v5", NULL,
		  "https://kdsintf.amd.com/vcek/v1/Turin/59790fb1c39f35c1?fmcSPL=1&blSPL=1&teeSPL=1&"
		  "snpSPL=4&ucodeSPL=81",
		  "https://kdsintf.amd.com/vcek/v1/Turin/cert_chain",
		  "https://kdsintf.amd.com/vcek/v1/Turin/crl" },
		{ "milan-v2", "Milan",
		  "https://kdsintf.amd.com/vcek/v1/Milan/"
		  "d49554ec717f4e5b0fe6b143bcf0405bd7ae304727edf46603f2a76aef6a3abc15d7af38db757039029f0"
		  "efacfd08e244324884738c72b082e2f87a44d541eb6?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115",
		  "https://kdsintf.amd.com/vcek/v1/Milan/cert_chain",
		  "https://kdsintf.amd.com/vcek/v1/Milan/crl" },
		{ "vlek-v3", NULL,
		  "https://kdsintf.amd.com/vlek/v1/Milan/cert?blSPL=4&teeSPL=0&snpSPL=24&ucodeSPL=217",
		  "https://kdsintf.amd.com/vlek/v1/Milan/cert_chain",
		  "https://kdsintf.amd.com/vlek/v1/Milan/crl" },
	};
	struct snpm_report rep;
	struct snpm_kds_urls u;
	struct snpm_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char rel[64];
		size_t len;
		snprintf(rel, sizeof(rel), "reports/%s/report.bin", want[i].name);
		uint8_t *raw = tu_fixture_bytes(rel, &len);
		assert_int_equal(snpm_report_parse(raw, len, &rep, &err), 0);
		assert_int_equal(snpm_kds_urls(&rep, want[i].product, &u, &err), 0);
		assert_string_equal(u.key, want[i].key);
		assert_string_equal(u.cert_chain, want[i].chain);
		assert_string_equal(u.crl, want[i].crl);
		free(raw);
	}
	/* Version 2 needs the product; a later version's must agree; a masked chip ID names no
	 * VCEK. */
	size_t len;
	uint8_t *raw = tu_fixture_bytes("reports/milan-v2/report.bin", &len);
	assert_int_equal(snpm_report_parse(raw, len, &rep, &err), 0);
	assert_int_equal(snpm_kds_urls(&rep, NULL, &u, &err), SNPM_EINVAL);
	assert_non_null(strstr(err.message, "does not say its product"));
	assert_int_equal(snpm_kds_urls(&rep, "Bergamo", &u, &err), SNPM_EINVAL);
	free(raw);
	raw = tu_fixture_bytes("reports/genoa-v3/report.bin", &len);
	assert_int_equal(snpm_report_parse(raw, len, &rep, &err), 0);
	assert_int_equal(snpm_kds_urls(&rep, "Turin", &u, &err), SNPM_EINVAL);
	assert_non_null(strstr(err.message, "comes from Genoa, not Turin"));
	assert_int_equal(snpm_kds_urls(&rep, "Genoa", &u, &err), 0);
	memset(raw + 0x1a0, 0, 64);
	assert_int_equal(snpm_report_parse(raw, len, &rep, &err), 0);
	assert_int_equal(snpm_kds_urls(&rep, NULL, &u, &err), SNPM_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "masked"));
	free(raw);
	/* Turin's report with a Venice CPUID (family 1Ah model 90h): the product from CPUID, the
	 * FMC in the query and the chip named by its first 8 bytes, as for Turin. */
	raw = tu_fixture_bytes("reports/turin-v5/report.bin", &len);
	raw[0x189] = 0x90;
	assert_int_equal(snpm_report_parse(raw, len, &rep, &err), 0);
	assert_int_equal(snpm_kds_urls(&rep, NULL, &u, &err), 0);
	assert_string_equal(u.key, "https://kdsintf.amd.com/vcek/v1/Venice/59790fb1c39f35c1?"
				   "fmcSPL=1&blSPL=1&teeSPL=1&snpSPL=4&ucodeSPL=81");
	assert_string_equal(u.cert_chain, "https://kdsintf.amd.com/vcek/v1/Venice/cert_chain");
	assert_string_equal(u.crl, "https://kdsintf.amd.com/vcek/v1/Venice/crl");
	assert_int_equal(snpm_kds_urls(&rep, "venice", &u, &err), 0);
	assert_int_equal(snpm_kds_urls(&rep, "Turin", &u, &err), SNPM_EINVAL);
	assert_non_null(strstr(err.message, "comes from Venice, not Turin"));
	free(raw);
}

/* ---- the verbs ---- */

static char *write_temp(const char *dir, const char *name, const char *text)
{
	char *path = NULL;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	tu_write_file(path, text, strlen(text));
	return path;
}

/* SHA-256 of a PEM certificate's DER: how the CLI names a trust root. */
static void cert_sha256_hex(const char *pem, char out[65])
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	unsigned char *der = NULL, md[32];
	int n = i2d_X509(x, &der);

	assert_true(n > 0);
	assert_int_equal(EVP_Digest(der, (size_t)n, md, NULL, EVP_sha256(), NULL), 1);
	tu_hex(md, 32, out);
	OPENSSL_free(der);
	X509_free(x);
	BIO_free(b);
}

/*
 * A lab's own PKI through the command line: trusted only when named with --trust-root, named
 * in every output with its fingerprint, and the policy rules judged end to end on a report it
 * signed.
 */
static void test_cli_trust_root(void **state)
{
	char *dir = tu_mkdtemp(), fp[65], meas[97], *policy_text = NULL;
	struct pki_report p;
	struct tu_run r;

	(void)state;
	pki_setup(&p);
	p.report[0x08 + 2] |= 1u << (19 - 16); /* POLICY.DEBUG */
	pki_sign(&p);
	char *ark = write_temp(dir, "ark.pem", p.pki.ark_pem);
	char *ask = write_temp(dir, "ask.pem", p.pki.ask_pem);
	char *vcek = write_temp(dir, "vcek.pem", p.vcek.pem);
	char *rep = write_temp(dir, "report.hex", "");
	char hex[2 * SNPM_REPORT_SIZE + 1];
	tu_hex(p.report, SNPM_REPORT_SIZE, hex);
	tu_write_file(rep, hex, strlen(hex));
	cert_sha256_hex(p.pki.ark_pem, fp);
	char root_line[512];
	snprintf(root_line, sizeof(root_line), "TRUST ROOT NOT AMD'S: %s sha256 %s", ark, fp);

	/* AMD's roots by default: the lab's chain does not verify. */
	r = tu_cli_in(NULL, "report", "verify", rep, "--vcek", vcek, "--ask", ask, NULL);
	assert_int_equal(r.status, 3);
	tu_run_free(&r);
	r = tu_cli_in(NULL, "report", "verify", rep, "--vcek", vcek, "--ask", ask, "--trust-root",
		      ark, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, root_line));
	assert_non_null(strstr(r.out, "NOT AMD's"));
	tu_run_free(&r);
	r = tu_cli_in(NULL, "report", "verify", rep, "--vcek", vcek, "--ask", ask, "--trust-root",
		      ark, "--json", NULL);
	assert_int_equal(r.status, 0);
	struct json_object *o = json_tokener_parse(r.out), *root, *v;
	assert_true(json_object_get_boolean(json_object_object_get(o, "pass")));
	assert_true(json_object_object_get_ex(o, "trust_root", &root));
	assert_true(json_object_object_get_ex(root, "sha256", &v));
	assert_string_equal(json_object_get_string(v), fp);
	assert_false(json_object_get_boolean(json_object_object_get(root, "amd")));
	json_object_put(o);
	tu_run_free(&r);
	/* The ASK must be given; an AMD ARK is not the root named. */
	tu_expect_refusal(tu_cli_in(NULL, "report", "verify", rep, "--vcek", vcek, "--trust-root",
				    ark, NULL),
			  1, "give the ASK too");
	char *amd_ark = tu_fixture("reports/genoa-v3/ark.pem");
	r = tu_cli_in(NULL, "report", "verify", rep, "--vcek", vcek, "--ask", ask, "--ark", amd_ark,
		      "--trust-root", ark, NULL);
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "is not the trust root given"));
	tu_run_free(&r);
	free(amd_ark);

	/* Appraisal end to end: the debug rule fails, then passes when allowed. */
	tu_hex(p.report + 0x90, 48, meas);
	assert_true(asprintf(&policy_text,
			     "{\"measurements\": [\"%s\"], \"require_crl\": false, "
			     "\"require_id_block\": false, \"require_single_socket\": false, "
			     "\"allow_smt\": true, \"vmpl\": %u}",
			     meas, p.report[0x30]) > 0);
	char *strict = write_temp(dir, "strict.json", policy_text);
	free(policy_text);
	policy_text = NULL;
	assert_true(asprintf(&policy_text,
			     "{\"measurements\": [\"%s\"], \"require_crl\": false, "
			     "\"require_id_block\": false, \"require_single_socket\": false, "
			     "\"allow_smt\": true, \"allow_debug\": true, \"vmpl\": %u}",
			     meas, p.report[0x30]) > 0);
	char *lenient = write_temp(dir, "lenient.json", policy_text);
	r = tu_cli_in(NULL, "report", "appraise", rep, "--policy", strict, "--vcek", vcek, "--ask",
		      ask, "--trust-root", ark, NULL);
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.out, root_line));
	assert_non_null(strstr(r.out, "appraisal FAIL"));
	assert_non_null(strstr(r.out, ": debug"));
	tu_run_free(&r);
	r = tu_cli_in(NULL, "report", "appraise", rep, "--policy", lenient, "--vcek", vcek, "--ask",
		      ask, "--trust-root", ark, "--json", NULL);
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "trust_root", &root));
	assert_string_equal(json_object_get_string(json_object_object_get(root, "sha256")), fp);
	struct json_object *rules = json_object_object_get(o, "rules");
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		struct json_object *row = json_object_array_get_idx(rules, i);
		if (strcmp(json_object_get_string(json_object_object_get(row, "rule")), "debug"))
			continue;
		assert_string_equal(json_object_get_string(json_object_object_get(row, "result")),
				    "pass");
	}
	json_object_put(o);
	tu_run_free(&r);
	/* report check too: the signature row says under which root. */
	r = tu_cli_in(NULL, "report", "check", rep, "--measurement", meas, "--vcek", vcek, "--ask",
		      ask, "--trust-root", ark, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, root_line));
	assert_non_null(strstr(r.out, "signed under the trust root"));
	tu_run_free(&r);
	free(policy_text), free(strict), free(lenient);
	free(ark), free(ask), free(vcek), free(rep);
	pki_free(&p);
	tu_rmtree(dir);
	free(dir);
}

static void test_cli(void **state)
{
	char *dir = tu_mkdtemp(), *report = tu_fixture("reports/genoa-v3/report.bin");
	char *vcek = tu_fixture("reports/genoa-v3/vcek.pem");
	char *turin = tu_fixture("reports/turin-v5/report.bin");
	struct json_object *base = base_policy(&fixtures[0]), *o, *rules;
	char *good = write_temp(dir, "good.json", json_object_to_json_string(base));
	char *bad = write_temp(dir, "bad.json", "{\"allow_smt\": true, \"unknown\": 1}");
	char *empty = write_temp(dir, "empty.json", "{}");
	struct tu_run r;
	char *out;

	(void)state;
	r = tu_cli_in(NULL, "report", "appraise", report, "--policy", good, "--vcek", vcek, "--now",
		      "2027-01-01", NULL);
	out = tu_capture(r);
	char summary[64]; /* every rule of the table but the two the policy does not ask */
	snprintf(summary, sizeof(summary), "appraisal pass (%zu passed, 0 failed, 2 skipped)",
		 snpm_n_rules - 2);
	assert_non_null(strstr(out, summary));
	assert_non_null(strstr(out, "certificate_chain              pass"));
	free(out);
	r = tu_cli_in(NULL, "report", "appraise", report, "--policy", good, "--vcek", vcek, "--now",
		      "1798761600", "--json", NULL);
	out = tu_capture(r);
	o = json_tokener_parse(out);
	assert_non_null(o);
	assert_true(json_object_get_boolean(json_object_object_get(o, "pass")));
	rules = json_object_object_get(o, "rules");
	assert_int_equal(json_object_array_length(rules), snpm_n_rules);
	assert_string_equal(json_object_get_string(json_object_object_get(
				    json_object_array_get_idx(rules, 0), "rule")),
			    "report_version");
	json_object_put(o);
	free(out);
	/* A failed appraisal: exit 3, the rules still printed, the failures named. */
	r = tu_cli_in(NULL, "report", "appraise", report, "--policy", empty, "--vcek", vcek, NULL);
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.out, "appraisal FAIL"));
	assert_non_null(strstr(r.out, "revocation, measurement, smt, single_socket, id_block"));
	tu_run_free(&r);
	/* Refusals: the policy, the arguments, the time, the report. */
	tu_expect_refusal(tu_cli_in(NULL, "report", "appraise", report, "--policy", bad, "--vcek",
				    vcek, NULL),
			  1, "unknown");
	tu_expect_refusal(tu_cli_in(NULL, "report", "appraise", report, "--vcek", vcek, NULL), 2,
			  "--policy FILE is required");
	tu_expect_refusal(tu_cli_in(NULL, "report", "appraise", report, "--policy", good, NULL), 2,
			  "give the signing key");
	tu_expect_refusal(tu_cli_in(NULL, "report", "appraise", report, "--policy", good, "--certs",
				    vcek, "--vcek", vcek, NULL),
			  2, "cannot be combined");
	tu_expect_refusal(tu_cli_in(NULL, "report", "appraise", report, "--policy", good, "--vcek",
				    vcek, "--now", "yesterday", NULL),
			  2, "--now");
	tu_expect_refusal(tu_cli_in(NULL, "report", "appraise", report, "--policy", good, "--certs",
				    vcek, NULL),
			  1, "certificate table");
	tu_expect_refusal(tu_cli_in(NULL, "report", "appraise", vcek, "--policy", good, "--vcek",
				    vcek, NULL),
			  1, "not a report");
	/* kds */
	r = tu_cli_in(NULL, "report", "kds", turin, "--json", NULL);
	out = tu_capture(r);
	o = json_tokener_parse(out);
	assert_string_equal(
		json_object_get_string(json_object_object_get(o, "vcek")),
		"https://kdsintf.amd.com/vcek/v1/Turin/59790fb1c39f35c1?fmcSPL=1&blSPL=1&"
		"teeSPL=1&snpSPL=4&ucodeSPL=81");
	assert_string_equal(json_object_get_string(json_object_object_get(o, "product")), "Turin");
	json_object_put(o);
	free(out);
	tu_expect_refusal(tu_cli_in(NULL, "report", "kds", turin, "--product", "Genoa", NULL), 1,
			  "comes from Turin, not Genoa");
	json_object_put(base);
	tu_rmtree(dir);
	free(dir), free(report), free(vcek), free(turin), free(good), free(bad), free(empty);
}

/* A policy taking its measurements from a bundle's manifest, relative to the policy file. */
static void test_cli_manifest_policy(void **state)
{
	char *dir = tu_mkdtemp(), *report = tu_fixture("reports/genoa-v3/report.bin");
	char *vcek = tu_fixture("reports/genoa-v3/vcek.pem"), sub[512], *policy;
	struct tu_run r;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/bundle", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	write_bundle(
		sub,
		"{\"format\":\"snpimage-bundle/2\",\"measurements\":{\"file\":\"measurements.jsonl"
		"\",\"count\":2}}",
		ROW("a0") "{\"vcpus\":2,\"measurement\":\"5feee30d6d7e1a29f403d70a4198237ddfb1305"
			  "1a2d6976439487c609388ed7f98189887920ab2fa0096903a0c23fca1\"}\n");
	policy = write_temp(dir, "policy.json",
			    "{\"measurements\": {\"manifest\": \"bundle/manifest.json\"}}");
	r = tu_cli_in(NULL, "report", "appraise", report, "--policy", policy, "--vcek", vcek, NULL);
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.out, "measurement                    pass     one of 2 pinned"));
	tu_run_free(&r);
	free(policy);
	policy = write_temp(dir, "policy.json",
			    "{\"measurements\": {\"manifest\": \"missing/manifest.json\"}}");
	tu_expect_refusal(tu_cli_in(NULL, "report", "appraise", report, "--policy", policy,
				    "--vcek", vcek, NULL),
			  1, "missing/manifest.json");
	tu_rmtree(dir);
	free(dir), free(report), free(vcek), free(policy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rule_real_reports),
		cmocka_unit_test(test_rule_texts),
		cmocka_unit_test(test_unverified_judges_nothing),
		cmocka_unit_test(test_strict_defaults),
		cmocka_unit_test(test_guest_policy_and_key_rules),
		cmocka_unit_test(test_reserved_fields),
		cmocka_unit_test(test_tcb_rules),
		cmocka_unit_test(test_crl),
		cmocka_unit_test(test_appraiser_cache),
		cmocka_unit_test(test_policy_refusals),
		cmocka_unit_test(test_bundle_measurements),
		cmocka_unit_test(test_cert_table),
		cmocka_unit_test(test_kds_urls),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_cli_trust_root),
		cmocka_unit_test(test_cli_manifest_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
