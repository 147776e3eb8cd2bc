/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reference-value files (CoRIM and RVPS, <snpm/refvals.h>). What reads must write again and read
 * back to the same values; and the verdicts they lead to: a policy taking the file accepts a
 * report (signed by a test PKI) carrying its first measurement and its pins, fails one whose
 * measurement or HOST_DATA differs, judges its minimum TCB against the report's, and never
 * takes a signed file it was told is unsigned.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "testpki.h"
#include "../../core/core.h"

static struct testpki pki;
static struct testpki_vcek vcek;
static uint8_t base[SNPM_REPORT_SIZE];
static int64_t now;

static void setup(void)
{
	static bool done;

	if (done)
		return;
	testpki_genoa_report(base);
	base[0x0a] = 0x03; /* guest policy: SMT allowed, bit 17 set */
	now = (int64_t)time(NULL) + 60;
	if (testpki_init(&pki) < 0 || testpki_vcek(&pki, &testpki_genoa, &vcek) < 0)
		abort();
	done = true;
}

static bool same_pins(const struct snpm_refvals_pins *a, const struct snpm_refvals_pins *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Written again in its format and read back: the same measurements and pins. */
static void rewrite(const struct snpm_refvals_file *f)
{
	struct snpm_refvals rv = { .size = sizeof(rv) };
	struct snpm_refvals_file *g = NULL;
	uint8_t *out = NULL;
	size_t len = 0;

	for (size_t i = 1; f->svns && i < f->n; i++)
		if (f->svns[i] != f->svns[0])
			return; /* one SVN for all is what the writer takes */
	rv.measurements = (const uint8_t(*)[SNPM_LD_SIZE])f->measurements;
	rv.n = f->n;
	rv.svn = f->svns ? f->svns[0] : 0;
	rv.pins = f->pins;
	rv.inputs = f->inputs;
	if (snpm_refvals_write(&rv, f->format, NULL, 0, &out, &len, NULL) < 0 ||
	    snpm_refvals_read(out, len, NULL, 0, &g, NULL) < 0 || g->n != f->n ||
	    g->format != f->format ||
	    memcmp(g->measurements, f->measurements, f->n * SNPM_LD_SIZE) != 0 ||
	    !same_pins(&g->pins, &f->pins))
		abort();
	snpm_refvals_file_free(g);
	free(out);
}

static const struct snpm_rule *rule_of(const struct snpm_appraisal *ap, const char *name)
{
	for (size_t i = 0; i < ap->n; i++)
		if (strcmp(ap->rules[i].name, name) == 0)
			return &ap->rules[i];
	abort();
}

static void appraise(const struct snpm_policy *p, uint8_t report[SNPM_REPORT_SIZE],
		     struct snpm_appraisal *ap)
{
	struct snpm_collateral coll = { .size = sizeof(coll), .now = now };

	coll.certs.size = sizeof(coll.certs);
	coll.certs.vcek = (const uint8_t *)vcek.pem;
	coll.certs.vcek_len = strlen(vcek.pem);
	coll.certs.chain = (const uint8_t *)pki.chain_pem;
	coll.certs.chain_len = strlen(pki.chain_pem);
	if (testpki_sign_report(&vcek, report) < 0 ||
	    snpm_appraise_with_root(NULL, report, p, &coll, (const uint8_t *)pki.ark_pem,
				    strlen(pki.ark_pem), ap, NULL) < 0)
		abort();
}

static bool tcb_at_least(const struct snpm_refvals_tcb *min)
{
	return testpki_genoa.bootloader >= min->bootloader && min->tee == 0 &&
	       testpki_genoa.snp >= min->snp && testpki_genoa.microcode >= min->microcode;
}

static void verdicts(const struct snpm_refvals_file *f)
{
	static struct snpm_appraisal ap;
	const struct snpm_refvals_pins *pins = &f->pins;
	const char *text = f->format == SNPM_REFVALS_RVPS ?
				   "{\"measurements\": {\"rvps\": \"v\", \"unsigned\": true}, "
				   "\"allow_smt\": true, \"require_id_block\": false}" :
				   "{\"measurements\": {\"corim\": \"v\", \"unsigned\": true}, "
				   "\"allow_smt\": true, \"require_id_block\": false}";
	struct snpm_policy *p = NULL;
	uint8_t report[SNPM_REPORT_SIZE];
	int r;

	if (snpm_policy_parse(text, &p, NULL) < 0)
		abort();
	r = snpm_policy_add_refvals(p, f, NULL);
	if ((r == 0) == f->signed_) /* a signed file is never taken as unsigned */
		abort();
	if (r < 0) {
		snpm_policy_free(p);
		return;
	}
	memcpy(report, base, sizeof(report));
	memcpy(report + 0x90, f->measurements[0], SNPM_LD_SIZE);
	if (pins->has_host_data)
		memcpy(report + 0xc0, pins->host_data, 32);
	if (pins->has_id_key_digest)
		memcpy(report + 0xe0, pins->id_key_digest, SNPM_SHA384_SIZE);
	if (pins->has_author_key_digest)
		memcpy(report + 0x110, pins->author_key_digest, SNPM_SHA384_SIZE);
	appraise(p, report, &ap);
	if (rule_of(&ap, "measurement")->status != SNPM_RULE_PASS ||
	    (pins->has_host_data && rule_of(&ap, "host_data")->status != SNPM_RULE_PASS) ||
	    (pins->has_min_tcb &&
	     (rule_of(&ap, "min_tcb")->status == SNPM_RULE_PASS) != tcb_at_least(&pins->min_tcb)))
		abort();
	/* another measurement, another HOST_DATA: each fails its rule and the verdict */
	report[0x90 + SNPM_LD_SIZE - 1] ^= 0x80;
	bool listed = false;
	for (size_t i = 0; i < f->n; i++)
		listed |= memcmp(f->measurements[i], report + 0x90, SNPM_LD_SIZE) == 0;
	appraise(p, report, &ap);
	if (!listed && (ap.pass || rule_of(&ap, "measurement")->status != SNPM_RULE_FAIL))
		abort();
	report[0x90 + SNPM_LD_SIZE - 1] ^= 0x80;
	if (pins->has_host_data) {
		report[0xc0] ^= 1;
		appraise(p, report, &ap);
		if (ap.pass || rule_of(&ap, "host_data")->status != SNPM_RULE_FAIL)
			abort();
	}
	snpm_policy_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snpm_refvals_file *f = NULL;

	setup();
	if (snpm_refvals_read(data, size, NULL, 0, &f, NULL) < 0)
		return 0;
	if (f->n == 0 || f->verified)
		abort();
	rewrite(f);
	verdicts(f);
	snpm_refvals_file_free(f);
	return 0;
}
