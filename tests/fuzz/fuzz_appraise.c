/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Appraisal: hostile policies, certificate tables, CRLs and report fields. The first byte picks
 * what the rest is; the others stay fixed and valid (a report signed by a test PKI shaped like
 * AMD's, a current CRL from its ARK, a policy that sets every rule), so each input reaches the
 * rules behind the part it replaces.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "testpki.h"
#include "../../core/core.h"
#include "../../attest/collateral.h"
#include "../../attest/policy.h"

/* Every rule judged: pins, minimums, platform and mitigation bits, keys. */
#define ZEROS_47 \
	"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
static const char every_rule[] =
	"{\"measurements\": [\"01" ZEROS_47
	"\"], \"host_data\": \"0000000000000000000000000000000000000000000000000000000000000000\", "
	"\"report_data\": \"00\", \"min_guest_svn\": 1, \"chip_ids\": [\"11223344" ZEROS_47
	"00000000000000000000000000\"], \"min_tcb\": {\"snp\": 23}, \"min_launch_tcb\": {\"fmc\": 1}, \"min_abi\": "
	"\"1.55\", \"min_build\": 3, \"platform\": {\"smt\": \"required\", \"tio\": "
	"\"forbidden\"}, \"mitigations\": {\"current\": 1}, \"author_key_digests\": [\"ff" ZEROS_47
	"\"], \"allow_smt\": true}";

static struct testpki pki;
static struct testpki_vcek vcek;
static struct snpm_appraiser *appraiser;
static struct snpm_policy *policy;
static uint8_t report[SNPM_REPORT_SIZE], *crl;
static size_t crl_len;
static int64_t now;

static void setup(void)
{
	int64_t t = (int64_t)time(NULL);
	struct testpki_crl_spec crl_spec = { .this_update = t - 3600, .next_update = t + 86400 };

	if (policy)
		return;
	testpki_genoa_report(report);
	now = t + 60;
	if (testpki_init(&pki) < 0 || testpki_vcek(&pki, &testpki_genoa, &vcek) < 0 ||
	    testpki_sign_report(&vcek, report) < 0 ||
	    testpki_crl(&pki, &crl_spec, &crl, &crl_len) < 0 ||
	    snpm_appraiser_new(&appraiser, NULL) < 0 ||
	    snpm_policy_parse(every_rule, &policy, NULL))
		abort(); /* a target that silently skipped its deep half would lie */
	/* The fixed parts are valid: the report verifies and the CRL passes. */
	struct snpm_collateral coll = {
		.size = sizeof(coll), .crl = crl, .crl_len = crl_len, .now = now
	};
	struct snpm_appraisal *ap = malloc(sizeof(*ap));
	coll.certs.vcek = (const uint8_t *)vcek.pem;
	coll.certs.vcek_len = strlen(vcek.pem);
	if (!ap || snpm_appraise_trusting(appraiser, report, policy, &coll, &pki.trust, ap, NULL) ||
	    ap->rules[4].status != SNPM_RULE_PASS || ap->rules[6].status != SNPM_RULE_PASS)
		abort();
	free(ap);
}

/*
 * The verdict's oracle: every rule of the table judged once, the verdict the conjunction of
 * the rules, and for a report signed here, what this file can judge on its own must agree: a
 * report that breaks a rule of the fixed policy never passes.
 */
static void check_verdict(const uint8_t *rep, const struct snpm_policy *p,
			  const struct snpm_appraisal *ap, bool signed_here)
{
	bool any_fail = false;
	uint64_t guest_policy = snpm_le64(rep + 0x08);

	if (ap->n != snpm_n_rules)
		abort();
	for (size_t i = 0; i < ap->n; i++) {
		if (strcmp(ap->rules[i].name, snpm_rules[i].name) != 0)
			abort();
		any_fail |= ap->rules[i].status == SNPM_RULE_FAIL;
	}
	if (ap->pass == any_fail)
		abort();
	if (!signed_here || p != policy || !ap->pass)
		return;
	/* The fixed policy pins measurement 01 00.., forbids debug and migration, wants VMPL 0,
	 * and the ABI's reserved bits. Any of these broken and the report passed: a false pass. */
	if (rep[0x90] != 0x01 || (guest_policy >> 19) & 1 || (guest_policy >> 18) & 1 ||
	    snpm_le32(rep + 0x30) != 0 || !((guest_policy >> 17) & 1) || guest_policy >> 26 ||
	    snpm_report_check_reserved(rep, NULL) < 0)
		abort();
}

static void appraise(const uint8_t *rep, const struct snpm_policy *p,
		     const struct snpm_cert_input *certs, const uint8_t *crl_data, size_t crl_size,
		     bool signed_here)
{
	struct snpm_collateral coll = {
		.size = sizeof(coll), .crl = crl_data, .crl_len = crl_size, .now = now
	};
	struct snpm_appraisal *ap = malloc(sizeof(*ap));

	if (!ap)
		return;
	coll.certs = *certs;
	if (snpm_appraise_trusting(appraiser, rep, p, &coll, &pki.trust, ap, NULL) == 0)
		check_verdict(rep, p, ap, signed_here);
	free(ap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snpm_cert_input certs = { .size = sizeof(certs) };
	struct snpm_policy *p = NULL;
	uint8_t rep[SNPM_REPORT_SIZE];
	char *text;

	if (size < 1)
		return 0;
	setup();
	certs.vcek = (const uint8_t *)vcek.pem;
	certs.vcek_len = strlen(vcek.pem);
	switch (data[0] % 4) {
	case 0: /* a policy */
		text = malloc(size);
		if (!text)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		if (snpm_policy_parse(text, &p, NULL) == 0) {
			snpm_policy_manifest(p);
			appraise(report, p, &certs, crl, crl_len, false);
			snpm_policy_free(p);
		}
		free(text);
		break;
	case 1: /* a certificate table */
		if (snpm_cert_table_parse(data + 1, size - 1, &certs, NULL) == 0 && certs.vcek)
			appraise(report, policy, &certs, crl, crl_len, false);
		break;
	case 2: /* a CRL */
		appraise(report, policy, &certs, data + 1, size - 1, false);
		break;
	default: /* report fields, signed */
		memset(rep, 0, sizeof(rep));
		memcpy(rep, data + 1, size - 1 < sizeof(rep) ? size - 1 : sizeof(rep));
		if (testpki_sign_report(&vcek, rep) < 0)
			abort();
		appraise(rep, policy, &certs, crl, crl_len, true);
		break;
	}
	return 0;
}
