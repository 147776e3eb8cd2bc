/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attestation reports from real AMD hardware (tests/fixtures/reports): every field against
 * expected-fields.json, verification with each chain, and the refusals verification promises.
 * ID blocks against the reference snp-create-id-block (vectors/id-block.json).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "testutil.h"
#include "fuzz/testpki.h"

static const char *const report_dirs[] = { "milan-v2", "genoa-v3", "turin-v5", "vlek-v3" };

static struct json_object *expected_fields(void)
{
	char *path = tu_fixture("reports/expected-fields.json");
	struct json_object *o;

	o = json_object_from_file(path);
	assert_non_null(o);
	free(path);
	return o;
}

/*
 * Every row of the library's field table against the expectations, none skipped: a field of
 * the report's version must be there and equal, a field of a later version absent and zero. The
 * expectations cover exactly the table's fields (and the size).
 */
static void check_fields(struct json_object *f, const struct snpm_report *r)
{
	size_t n, checked = 1;
	const struct snpm_report_field *t = snpm_report_fields(&n);

	for (size_t i = 0; i < n; i++) {
		const uint8_t *at = (const uint8_t *)r + t[i].member;
		struct json_object *v;
		char got[2 * SNPM_ECDSA_COORD_SIZE + 1];
		bool there = json_object_object_get_ex(f, t[i].name, &v);
		if (!t[i].size)
			continue; /* derived, not in the bytes */
		if (t[i].since > r->version) {
			if (there)
				fail_msg("%s: a version %u report has no such field", t[i].name,
					 r->version);
			for (size_t k = 0; k < t[i].size; k++)
				assert_int_equal(at[k], 0);
			continue;
		}
		if (!there)
			fail_msg("%s: missing from expected-fields.json", t[i].name);
		checked++;
		if (t[i].size > 8) {
			tu_hex(at, t[i].size, got);
			if (strcmp(got, json_object_get_string(v)) != 0)
				fail_msg("%s: got %s, want %s", t[i].name, got,
					 json_object_get_string(v));
			continue;
		}
		uint64_t have = 0, want = json_object_is_type(v, json_type_string) ?
						  strtoull(json_object_get_string(v), NULL, 0) :
						  (uint64_t)json_object_get_int64(v);
		memcpy(&have, at, t[i].size); /* little-endian host, as the CI's x86-64 */
		if (have != want)
			fail_msg("%s: got 0x%llx, want 0x%llx", t[i].name, (unsigned long long)have,
				 (unsigned long long)want);
	}
	assert_int_equal(checked, json_object_object_length(f));
	assert_int_equal(r->has_cpuid, r->version >= 3);
	assert_int_equal(r->has_mit_vectors, r->version >= 5);
}

/*
 * The table itself: fields lie inside the report without overlapping, the signed ones before
 * the signature, each number the size of its member, and the offsets the ABI gives for the
 * fields the checks read by hand.
 */
static void test_field_table(void **state)
{
	size_t n;
	const struct snpm_report_field *t = snpm_report_fields(&n);
	uint8_t owner[SNPM_REPORT_SIZE] = { 0 };

	(void)state;
	for (size_t i = 0; i < n; i++) {
		assert_true(t[i].offset + t[i].size <= SNPM_REPORT_SIZE);
		assert_true(t[i].used <= t[i].size);
		assert_true(t[i].member + t[i].size <= sizeof(struct snpm_report));
		for (size_t k = t[i].offset; k < (size_t)t[i].offset + t[i].size; k++) {
			if (owner[k])
				fail_msg("%s overlaps %s at 0x%zx", t[i].name, t[owner[k] - 1].name,
					 k);
			owner[k] = (uint8_t)(i + 1);
		}
		if (strncmp(t[i].name, "signature_", 10) != 0)
			assert_true(t[i].offset + t[i].size <= SNPM_REPORT_SIGNED_SIZE);
	}
	static const struct {
		const char *name;
		unsigned offset, size, since;
	} abi[] = {
		{ "version", 0x000, 4, 2 },	 { "policy", 0x008, 8, 2 },
		{ "key_info", 0x048, 4, 2 },	 { "report_data", 0x050, 64, 2 },
		{ "measurement", 0x090, 48, 2 }, { "host_data", 0x0c0, 32, 2 },
		{ "chip_id", 0x1a0, 64, 2 },	 { "cpuid_fam_id", 0x188, 1, 3 },
		{ "launch_tcb", 0x1f0, 8, 2 },	 { "launch_mit_vector", 0x1f8, 8, 5 },
		{ "signature_r", 0x2a0, 72, 2 }, { "signature_s", 0x2e8, 72, 2 },
	};
	for (size_t k = 0; k < sizeof(abi) / sizeof(abi[0]); k++) {
		size_t i = 0;
		while (i < n && strcmp(t[i].name, abi[k].name) != 0)
			i++;
		assert_true(i < n);
		assert_int_equal(t[i].offset, abi[k].offset);
		assert_int_equal(t[i].size, abi[k].size);
		assert_int_equal(t[i].since, abi[k].since);
	}
}

static void test_fields(void **state)
{
	struct json_object *all = expected_fields(), *reports;

	(void)state;
	reports = json_object_object_get(all, "reports");
	for (size_t i = 0; i < 4; i++) {
		char rel[64];
		size_t len;
		snprintf(rel, sizeof(rel), "reports/%s/report.bin", report_dirs[i]);
		uint8_t *data = tu_fixture_bytes(rel, &len);
		struct snpm_report r;
		assert_non_null(data);
		assert_int_equal(snpm_report_parse(data, len, &r, NULL), 0);
		check_fields(json_object_object_get(reports, report_dirs[i]), &r);
		free(data);
	}
	json_object_put(all);
}

static void test_families_and_tcb(void **state)
{
	size_t len;
	uint8_t *data = tu_fixture_bytes("reports/turin-v5/report.bin", &len);
	struct snpm_report r;
	struct snpm_tcb t;

	(void)state;
	assert_int_equal(snpm_report_parse(data, len, &r, NULL), 0);
	assert_int_equal(snpm_report_family(&r), SNPM_FAMILY_TURIN);
	/* 0x5100000004010101 on Turin: FMC 1, bootloader 1, TEE 1, SNP 4, microcode 0x51. */
	snpm_tcb_split(r.reported_tcb, SNPM_FAMILY_TURIN, &t);
	assert_true(t.has_fmc);
	assert_int_equal(t.fmc, 1);
	assert_int_equal(t.bootloader, 1);
	assert_int_equal(t.tee, 1);
	assert_int_equal(t.snp, 4);
	assert_int_equal(t.microcode, 0x51);
	/* 0x541700000000000a on Genoa: bootloader 10, TEE 0, SNP 0x17, microcode 0x54. */
	snpm_tcb_split(0x541700000000000aull, SNPM_FAMILY_GENOA, &t);
	assert_false(t.has_fmc);
	assert_int_equal(t.bootloader, 10);
	assert_int_equal(t.tee, 0);
	assert_int_equal(t.snp, 0x17);
	assert_int_equal(t.microcode, 0x54);
	free(data);
	data = tu_fixture_bytes("reports/vlek-v3/report.bin", &len);
	assert_int_equal(snpm_report_parse(data, len, &r, NULL), 0);
	assert_int_equal(snpm_report_family(&r), SNPM_FAMILY_MILAN);
	assert_int_equal(snpm_report_signing_key(&r), SNPM_SIGNING_KEY_VLEK);
	free(data);
}

/* AMD's model ranges (virtee/sev Generation::identify_cpu, commit 6afb12c), edges included: a
 * model one past a range is no known family, so no product is guessed for it. */
static void test_family_ranges(void **state)
{
	static const struct {
		uint8_t family, model;
		enum snpm_cpu_family is;
	} cases[] = {
		{ 0x19, 0x00, SNPM_FAMILY_MILAN },   { 0x19, 0x0f, SNPM_FAMILY_MILAN },
		{ 0x19, 0x10, SNPM_FAMILY_GENOA },   { 0x19, 0x1f, SNPM_FAMILY_GENOA },
		{ 0x19, 0x20, SNPM_FAMILY_UNKNOWN }, { 0x19, 0xa0, SNPM_FAMILY_GENOA },
		{ 0x19, 0xaf, SNPM_FAMILY_GENOA },   { 0x19, 0xb0, SNPM_FAMILY_UNKNOWN },
		{ 0x1a, 0x00, SNPM_FAMILY_TURIN },   { 0x1a, 0x11, SNPM_FAMILY_TURIN },
		{ 0x1a, 0x12, SNPM_FAMILY_UNKNOWN }, { 0x1a, 0x4f, SNPM_FAMILY_UNKNOWN },
		{ 0x1a, 0x50, SNPM_FAMILY_VENICE },  { 0x1a, 0x57, SNPM_FAMILY_VENICE },
		{ 0x1a, 0x58, SNPM_FAMILY_UNKNOWN }, { 0x1a, 0x90, SNPM_FAMILY_VENICE },
		{ 0x1a, 0xaf, SNPM_FAMILY_VENICE },  { 0x1a, 0xb0, SNPM_FAMILY_UNKNOWN },
		{ 0x1a, 0xc0, SNPM_FAMILY_VENICE },  { 0x1a, 0xc7, SNPM_FAMILY_VENICE },
		{ 0x1a, 0xc8, SNPM_FAMILY_UNKNOWN }, { 0x1b, 0x00, SNPM_FAMILY_UNKNOWN },
	};
	size_t len;
	uint8_t *data = tu_fixture_bytes("reports/turin-v5/report.bin", &len);
	struct snpm_report r;
	struct snpm_tcb t;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		data[0x188] = cases[i].family;
		data[0x189] = cases[i].model;
		assert_int_equal(snpm_report_parse(data, len, &r, NULL), 0);
		assert_int_equal(snpm_report_family(&r), cases[i].is);
	}
	assert_string_equal(snpm_cpu_family_name(SNPM_FAMILY_VENICE), "Venice");
	assert_true(snpm_family_has_fmc(SNPM_FAMILY_VENICE));
	assert_false(snpm_family_has_fmc(SNPM_FAMILY_GENOA));
	/* Venice keeps Turin's TCB layout: FMC in byte 0. */
	snpm_tcb_split(0x5100000004010102ull, SNPM_FAMILY_VENICE, &t);
	assert_true(t.has_fmc);
	assert_int_equal(t.fmc, 2);
	assert_int_equal(t.bootloader, 1);
	assert_int_equal(t.tee, 1);
	assert_int_equal(t.snp, 4);
	assert_int_equal(t.microcode, 0x51);
	free(data);
}

static void test_parse_refusals(void **state)
{
	uint8_t buf[SNPM_REPORT_SIZE + 1] = { 0 };
	struct snpm_report r;
	struct snpm_error err;

	(void)state;
	buf[0] = 2;
	assert_int_equal(snpm_report_parse(buf, SNPM_REPORT_SIZE - 1, &r, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "1183"));
	assert_int_equal(snpm_report_parse(buf, SNPM_REPORT_SIZE + 1, &r, &err), SNPM_EMALFORMED);
	assert_int_equal(snpm_report_parse(buf, SNPM_REPORT_SIZE, &r, &err), 0);
	for (uint32_t v = 0; v < 8; v++) {
		buf[0] = (uint8_t)v;
		int want = v == 2 || v == 3 || v == 5 ? 0 : SNPM_EUNSUPPORTED;
		assert_int_equal(snpm_report_parse(buf, SNPM_REPORT_SIZE, &r, &err), want);
	}
}

struct keys {
	uint8_t *report, *vcek, *ask, *ark, *chain;
	size_t report_len, vcek_len, ask_len, ark_len, chain_len;
};

static void load_keys(const char *dir, struct keys *k)
{
	char rel[96];

	memset(k, 0, sizeof(*k));
	snprintf(rel, sizeof(rel), "reports/%s/report.bin", dir);
	k->report = tu_fixture_bytes(rel, &k->report_len);
	if (strcmp(dir, "milan-v2") == 0) {
		k->vcek = tu_fixture_bytes("reports/milan-v2/vcek.der", &k->vcek_len);
		k->chain = tu_fixture_bytes("reports/milan-v2/ask_ark.pem", &k->chain_len);
	} else {
		snprintf(rel, sizeof(rel), "reports/%s/vcek.pem", dir);
		k->vcek = tu_fixture_bytes(rel, &k->vcek_len);
		snprintf(rel, sizeof(rel), "reports/%s/ask.pem", dir);
		k->ask = tu_fixture_bytes(rel, &k->ask_len);
		snprintf(rel, sizeof(rel), "reports/%s/ark.pem", dir);
		k->ark = tu_fixture_bytes(rel, &k->ark_len);
	}
}

static void free_keys(struct keys *k)
{
	free(k->report), free(k->vcek), free(k->ask), free(k->ark), free(k->chain);
}

static struct snpm_cert_input inputs(const struct keys *k, bool given_chain)
{
	struct snpm_cert_input in = { sizeof(in), k->vcek, k->vcek_len, NULL, 0, NULL, 0, NULL, 0 };

	if (given_chain) {
		in.ask = k->ask, in.ask_len = k->ask_len;
		in.ark = k->ark, in.ark_len = k->ark_len;
		in.chain = k->chain, in.chain_len = k->chain_len;
	}
	return in;
}

static void expect_verify_fails(const uint8_t *report, const struct snpm_cert_input *in,
				const char *needle)
{
	struct snpm_error err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(snpm_report_verify(report, in, NULL, &err), SNPM_EVERIFY);
	if (!strstr(err.message, needle))
		fail_msg("'%s' lacks '%s'", err.message, needle);
}

static void test_verify_real_reports(void **state)
{
	static const enum snpm_cpu_family families[] = { SNPM_FAMILY_MILAN, SNPM_FAMILY_GENOA,
							 SNPM_FAMILY_TURIN };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct snpm_verify_result res;
		struct snpm_cert_input in = { .size = sizeof(in) };
		struct snpm_error err;
		struct keys k;

		load_keys(report_dirs[i], &k);
		for (int given = 0; given < 2; given++) {
			in = inputs(&k, given);
			if (snpm_report_verify(k.report, &in, &res, &err) != 0)
				fail_msg("%s: %s", report_dirs[i], err.message);
			assert_int_equal(res.family, families[i]);
			assert_false(res.vlek);
			assert_int_equal(res.builtin_chain, !given);
			assert_true(res.hwid_checked);
		}
		free_keys(&k);
	}
}

static void test_flipped_bytes_fail(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct snpm_cert_input in = { .size = sizeof(in) };
		struct keys k;

		load_keys(report_dirs[i], &k);
		in = inputs(&k, true);
		/* Every byte of the signed area, and the signature's r and s. */
		for (size_t at = 0; at < SNPM_REPORT_SIGNED_SIZE + 144; at++) {
			k.report[at] ^= 0x01;
			expect_verify_fails(k.report, &in, "signature does not verify");
			k.report[at] ^= 0x01;
		}
		free_keys(&k);
	}
}

/* The three chips' keys, for the cases below. */
struct chips {
	struct keys genoa, turin, milan;
};

/* One wrong set of certificates for Genoa's report, and how verification must refuse it. */
struct key_case {
	const char *what;
	void (*make)(const struct chips *c, struct snpm_cert_input *in);
	int code; /* SNPM_EVERIFY: a report that does not verify; SNPM_EINVAL: an input mistake */
	const char *message;
};

static void other_chips_vcek(const struct chips *c, struct snpm_cert_input *in)
{
	*in = inputs(&c->turin, false);
}

static void turin_ark(const struct chips *c, struct snpm_cert_input *in)
{
	*in = inputs(&c->genoa, true);
	in->ark = c->turin.ark, in->ark_len = c->turin.ark_len;
}

static void ask_as_ark(const struct chips *c, struct snpm_cert_input *in)
{
	*in = inputs(&c->genoa, true);
	in->ark = c->genoa.ask, in->ark_len = c->genoa.ask_len;
}

static void ask_as_vcek(const struct chips *c, struct snpm_cert_input *in)
{
	*in = inputs(&c->genoa, true);
	in->vcek = c->genoa.ask, in->vcek_len = c->genoa.ask_len;
}

static void chain_and_ask(const struct chips *c, struct snpm_cert_input *in)
{
	*in = inputs(&c->genoa, true);
	in->chain = c->milan.chain, in->chain_len = c->milan.chain_len;
}

static void milan_chain(const struct chips *c, struct snpm_cert_input *in)
{
	*in = inputs(&c->genoa, false);
	in->chain = c->milan.chain, in->chain_len = c->milan.chain_len;
}

static const struct key_case key_cases[] = {
	{ "another chip's VCEK", other_chips_vcek, SNPM_EVERIFY, "another chip's key" },
	{ "Turin's ARK for Genoa's ASK", turin_ark, SNPM_EVERIFY,
	  "SEV-Genoa is not signed by ARK-Turin" },
	{ "the ASK as the ARK: not self-signed", ask_as_ark, SNPM_EINVAL,
	  "the certificate given as the ARK (SEV-Genoa) is not self-signed" },
	{ "the ASK as the VCEK: no signing key", ask_as_vcek, SNPM_EINVAL,
	  "the certificate given as the VCEK is SEV-Genoa" },
	{ "a chain and a separate ASK: one would be dropped", chain_and_ask, SNPM_EINVAL,
	  "not with a separate ASK or ARK" },
	{ "Milan's chain for a Genoa VCEK", milan_chain, SNPM_EVERIFY,
	  "SEV-VCEK is not signed by SEV-Milan" },
};

static void test_wrong_keys_fail(void **state)
{
	struct chips c;

	(void)state;
	load_keys("genoa-v3", &c.genoa);
	load_keys("turin-v5", &c.turin);
	load_keys("milan-v2", &c.milan);
	for (size_t i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		struct snpm_cert_input in;
		struct snpm_error e = { 0 };
		key_cases[i].make(&c, &in);
		int r = snpm_report_verify(c.genoa.report, &in, NULL, &e);
		if (r != key_cases[i].code || !strstr(e.message, key_cases[i].message))
			fail_msg("%s: %d \"%s\", not %d \"%s\"", key_cases[i].what, r, e.message,
				 key_cases[i].code, key_cases[i].message);
	}
	free_keys(&c.genoa), free_keys(&c.turin), free_keys(&c.milan);
}

static void test_verify_refusals(void **state)
{
	struct snpm_cert_input in = { .size = sizeof(in) };
	struct snpm_error err;
	uint8_t report[SNPM_REPORT_SIZE] = { 0 };
	size_t len;
	uint8_t *vlek = tu_fixture_bytes("reports/vlek-v3/report.bin", &len);

	(void)state;
	assert_int_equal(snpm_report_verify(report, &in, NULL, &err), SNPM_EINVAL);
	in.vcek = (const uint8_t *)"not a certificate";
	in.vcek_len = 17;
	assert_int_equal(snpm_report_verify(report, &in, NULL, &err), SNPM_EINVAL);
	assert_non_null(strstr(err.message, "not a PEM or DER certificate"));
	free(vlek);
}

/* The roots built into the library are AMD's KDS cert_chain files, byte for byte: each ARK is
 * held once and shared by the VCEK and VLEK chains of its family. */
static void test_builtin_roots(void **state)
{
	static const char *const files[] = { "ask_ark_milan.pem",      "ask_ark_milan_vlek.pem",
					     "ask_ark_genoa.pem",      "ask_ark_genoa_vlek.pem",
					     "ask_ark_turin_vcek.pem", "ask_ark_turin_vlek.pem" };

	(void)state;
	assert_int_equal(snpm_n_root_chains, 6);
	for (size_t i = 0; i < 6; i++) {
		const struct snpm_root_chain *c = &snpm_root_chains[i];
		char rel[96], *joined;
		size_t len;
		snprintf(rel, sizeof(rel), "reports/amd-roots/%s", files[i]);
		uint8_t *want = tu_fixture_bytes(rel, &len);
		assert_true(asprintf(&joined, "%s%s", c->intermediate, c->ark) > 0);
		/* KDS serves Turin's chains with CRLF line ends (and one a blank last line); the
		 * library keeps LF and one final newline. */
		size_t n = 0;
		for (size_t k = 0; k < len; k++)
			if (want[k] != '\r')
				want[n++] = want[k];
		while (n > 1 && want[n - 1] == '\n' && want[n - 2] == '\n')
			n--;
		if (strlen(joined) != n || memcmp(joined, want, n) != 0)
			fail_msg("built-in chain %zu differs from %s", i, files[i]);
		assert_int_equal(c->vlek, i % 2 == 1);
		free(joined), free(want);
	}
	assert_ptr_equal(snpm_root_chains[0].ark, snpm_root_chains[1].ark);
}

/* ---- every check after the signature, with a test PKI shaped like AMD's ---- */

struct pki_case {
	struct testpki pki;
	uint8_t report[SNPM_REPORT_SIZE];
	struct testpki_vcek_spec spec;
};

/* The Genoa report (reported TCB: bootloader 10, TEE 0, SNP 23, microcode 84) and a VCEK spec
 * that certifies exactly it. */
static void pki_case_init(struct pki_case *c)
{
	size_t len;
	uint8_t *data = tu_fixture_bytes("reports/genoa-v3/report.bin", &len);

	assert_int_equal(len, SNPM_REPORT_SIZE);
	memcpy(c->report, data, len);
	free(data);
	assert_int_equal(testpki_init(&c->pki), 0);
	c->spec = (struct testpki_vcek_spec){ .family = SNPM_FAMILY_GENOA,
					      .bootloader = 10,
					      .tee = 0,
					      .snp = 23,
					      .microcode = 84,
					      .hwid_len = 64 };
	memcpy(c->spec.hwid, c->report + 0x1a0, 64); /* CHIP_ID */
}

/* Signs the case's report with a VCEK made from its spec and verifies it; the message, or "". */
static int pki_verify(struct pki_case *c, bool amd_trust, struct snpm_verify_result *res,
		      char msg[SNPM_ERROR_MESSAGE_SIZE])
{
	struct testpki_vcek v;
	struct snpm_cert_input in = { .size = sizeof(in) };
	struct snpm_error err;
	int r;

	assert_int_equal(testpki_vcek(&c->pki, &c->spec, &v), 0);
	assert_int_equal(testpki_sign_report(&v, c->report), 0);
	in.vcek = (const uint8_t *)v.pem;
	in.vcek_len = strlen(v.pem);
	in.chain = (const uint8_t *)c->pki.chain_pem;
	in.chain_len = strlen(c->pki.chain_pem);
	memset(&err, 0, sizeof(err));
	r = amd_trust ? snpm_report_verify(c->report, &in, res, &err) :
			snpm_report_verify_trusting(c->report, &in, &c->pki.trust,
						    (int64_t)time(NULL), res, &err);
	snprintf(msg, SNPM_ERROR_MESSAGE_SIZE, "%s", r ? err.message : "");
	testpki_vcek_free(&v);
	return r;
}

static void expect_pki_failure(struct pki_case *c, const char *needle)
{
	struct snpm_verify_result res;
	char msg[SNPM_ERROR_MESSAGE_SIZE];

	assert_int_not_equal(pki_verify(c, false, &res, msg), 0);
	if (!strstr(msg, needle))
		fail_msg("'%s' lacks '%s'", msg, needle);
}

/* One VCEK that certifies the wrong thing, and what verification must say. */
struct pki_check {
	const char *what;
	void (*change)(struct testpki_vcek_spec *spec);
	const char *message;
};

static void lower_snp(struct testpki_vcek_spec *s)
{
	s->snp = 22;
}

static void other_chip(struct testpki_vcek_spec *s)
{
	s->hwid[0] ^= 1;
}

static void no_hwid(struct testpki_vcek_spec *s)
{
	s->hwid_len = 0;
}

static void a_vlek(struct testpki_vcek_spec *s)
{
	s->vlek = true;
}

static void for_turin(struct testpki_vcek_spec *s)
{
	s->family = SNPM_FAMILY_TURIN;
}

static const struct pki_check pki_checks[] = {
	{ "a lower SNP SPL", lower_snp,
	  "the certificate's TCB (fmc 0 bl 10 tee 0 snp 22 ucode 84) is not the report's "
	  "reported TCB (fmc 0 bl 10 tee 0 snp 23 ucode 84)" },
	{ "another chip's hwID", other_chip, "belongs to another chip" },
	{ "no hwID", no_hwid, "the VCEK has no hwID extension" },
	{ "a VLEK for a VCEK-signed report", a_vlek,
	  "the report was signed by a VCEK, but the certificate is SEV-VLEK" },
	{ "Turin's VCEK for a Genoa report", for_turin,
	  "the report comes from a Genoa CPU but the certificate is for Turin" },
};

static void test_checks_after_signature(void **state)
{
	struct snpm_verify_result res;
	char msg[SNPM_ERROR_MESSAGE_SIZE];
	struct pki_case c;

	(void)state;
	pki_case_init(&c);
	/* Right in every field: verified through the test roots, and only through them. */
	assert_int_equal(pki_verify(&c, false, &res, msg), 0);
	assert_int_equal(res.family, SNPM_FAMILY_GENOA);
	assert_true(res.hwid_checked);
	assert_int_equal(res.cert_tcb.snp, 23);
	assert_int_not_equal(pki_verify(&c, true, &res, msg), 0);
	assert_non_null(strstr(msg, "is not one of AMD's ARKs"));
	/* Each check on its own. */
	for (size_t i = 0; i < sizeof(pki_checks) / sizeof(pki_checks[0]); i++) {
		struct testpki_vcek_spec right = c.spec;
		pki_checks[i].change(&c.spec);
		expect_pki_failure(&c, pki_checks[i].message);
		c.spec = right;
	}
	/* A masked chip ID is not compared (and says so in the result). */
	memset(c.report + 0x1a0, 0, 64);
	assert_int_equal(pki_verify(&c, false, &res, msg), 0);
	assert_false(res.hwid_checked);
	testpki_free(&c.pki);
}

/* ---- ID blocks ---- */

static int b64decode(const char *s, uint8_t *out)
{
	int n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)strlen(s));
	size_t l = strlen(s);

	return n - (l && s[l - 1] == '=') - (l > 1 && s[l - 2] == '=');
}

static char *read_fixture_text(const char *rel, size_t *len)
{
	return (char *)tu_fixture_bytes(rel, len);
}

static void test_id_block_vectors(void **state)
{
	char *path = tu_source_path("vectors/id-block.json");
	struct json_object *v = json_object_from_file(path);
	size_t id_len, author_len;
	char *id = read_fixture_text("sev-snp-measure/id_key_test.pem", &id_len);
	char *author = read_fixture_text("sev-snp-measure/author_key_test.pem", &author_len);
	struct snpm_id_block_params p = { .size = sizeof(p), .policy = 0x30000 };
	uint8_t block[96], auth[4096], idd[48], ad[48], want[128];

	(void)state;
	free(path);
	assert_non_null(v);
	/* The measurement is the first 48 bytes of the reference's ID block. */
	const char *want_block =
		json_object_get_string(json_object_object_get(v, "id_block_base64"));
	assert_int_equal(b64decode(want_block, want), 96);
	memcpy(p.measurement, want, 48);
	assert_int_equal(snpm_id_block_create(&p, id, id_len, author, author_len, block, auth, idd,
					      ad, NULL),
			 0);
	assert_memory_equal(block, want, 96);
	assert_int_equal(
		b64decode(json_object_get_string(json_object_object_get(v, "id_key_digest_base64")),
			  want),
		48);
	assert_memory_equal(idd, want, 48);
	assert_int_equal(b64decode(json_object_get_string(
					   json_object_object_get(v, "author_key_digest_base64")),
				   want),
			 48);
	assert_memory_equal(ad, want, 48);
	struct json_object *fixed = json_object_object_get(v, "id_auth_fixed_bytes_hex");
	json_object_object_foreach(fixed, off, hex) {
		uint8_t b[16];
		int n = tu_unhex(json_object_get_string(hex), b, sizeof(b));
		assert_memory_equal(auth + strtoul(off, NULL, 16), b, (size_t)n);
	}
	assert_int_equal(snpm_id_auth_verify(block, auth, NULL), 0);
	/* Both signatures are checked. */
	block[95] ^= 1;
	assert_int_equal(snpm_id_auth_verify(block, auth, NULL), SNPM_EVERIFY);
	block[95] ^= 1;
	auth[0x680 + 10] ^= 1; /* the author's signature of the ID key */
	assert_int_equal(snpm_id_auth_verify(block, auth, NULL), SNPM_EVERIFY);
	auth[0x680 + 10] ^= 1;
	auth[0x240 + 10] ^= 1; /* the ID key itself: no longer a point on the curve */
	assert_true(snpm_id_auth_verify(block, auth, NULL) < 0);

	uint8_t kd[48];
	assert_int_equal(snpm_key_digest(id, id_len, kd, NULL), 0);
	assert_memory_equal(kd, idd, 48);
	free(id), free(author);
	json_object_put(v);
}

static char *pem_of(EVP_PKEY *k, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out;

	assert_int_equal(PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL), 1);
	*len = (size_t)BIO_get_mem_data(bio, &data);
	out = malloc(*len);
	memcpy(out, data, *len);
	BIO_free(bio);
	return out;
}

static void test_id_block_refuses_other_keys(void **state)
{
	EVP_PKEY *p256 = EVP_EC_gen("P-256");
	struct snpm_id_block_params p = { .size = sizeof(p), .policy = 0x30000 };
	uint8_t block[96], auth[4096];
	struct snpm_error err;
	size_t len;
	char *pem = pem_of(p256, &len);

	(void)state;
	assert_int_equal(snpm_id_block_create(&p, pem, len, pem, len, block, auth, NULL, NULL,
					      &err),
			 SNPM_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "not an ECDSA P-384 key"));
	assert_int_equal(snpm_key_digest("garbage", 7, block, &err), SNPM_EINVAL);
	/* An encrypted key is refused, never prompted for. */
	EVP_PKEY *p384 = EVP_EC_gen("P-384");
	BIO *bio = BIO_new(BIO_s_mem());
	char *enc;
	assert_int_equal(PEM_write_bio_PrivateKey(bio, p384, EVP_aes_256_cbc(),
						  (unsigned char *)"pw", 2, NULL, NULL),
			 1);
	long n = BIO_get_mem_data(bio, &enc);
	assert_int_equal(snpm_key_digest(enc, (size_t)n, block, &err), SNPM_EINVAL);
	assert_non_null(strstr(err.message, "unencrypted"));
	BIO_free(bio);
	EVP_PKEY_free(p384);
	free(pem);
	EVP_PKEY_free(p256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_field_table),
		cmocka_unit_test(test_families_and_tcb),
		cmocka_unit_test(test_family_ranges),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_verify_real_reports),
		cmocka_unit_test(test_flipped_bytes_fail),
		cmocka_unit_test(test_wrong_keys_fail),
		cmocka_unit_test(test_verify_refusals),
		cmocka_unit_test(test_checks_after_signature),
		cmocka_unit_test(test_builtin_roots),
		cmocka_unit_test(test_id_block_vectors),
		cmocka_unit_test(test_id_block_refuses_other_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
