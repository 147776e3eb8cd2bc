/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Appraisal throughput for tests/bench/appraise.sh: N distinct reports (each its own
 * REPORT_DATA) signed by one VCEK of a test PKI shaped like AMD's, appraised in one process by
 * one appraiser against a policy that sets every rule, as a key-management service would. The
 * signing happens first and is not timed. Prints the rate and the peak RSS after N/10 and after
 * N appraisals (memory flat: they agree).
 *
 * Usage: appraise_bench N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <snpm/snpm.h>

#include "../fuzz/testpki.h"
#include "../../core/core.h"
#include "../../attest/collateral.h"

static long peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	uint8_t(*reports)[SNPM_REPORT_SIZE] = calloc(n, SNPM_REPORT_SIZE);
	struct snpm_appraisal *ap = malloc(sizeof(*ap));
	struct snpm_appraiser *appraiser = NULL;
	struct snpm_policy *policy = NULL;
	struct testpki pki;
	struct testpki_vcek vcek;
	int64_t t = (int64_t)time(NULL);
	struct testpki_crl_spec crl_spec = { .this_update = t - 3600, .next_update = t + 86400 };
	struct snpm_collateral coll = { .size = sizeof(coll), .now = t + 60 };
	uint8_t *crl = NULL;
	size_t passed = 0;
	long rss_tenth = 0;

	if (!n || !reports || !ap || testpki_init(&pki) < 0 ||
	    testpki_vcek(&pki, &testpki_genoa, &vcek) < 0 ||
	    testpki_crl(&pki, &crl_spec, &crl, &coll.crl_len) < 0 ||
	    snpm_appraiser_new(&appraiser, NULL) < 0 ||
	    snpm_policy_parse("{\"allow_smt\": true, \"require_id_block\": false, \"chip_ids\": "
			      "[\"11223344000000000000000000000000000000000000000000000000000000000"
			      "000000000000000000000000000000000000000000000000000000000000000\"], "
			      "\"min_tcb\": {\"snp\": 23}, \"platform\": {\"tio\": \"forbidden\"}, "
			      "\"require_single_socket\": false}",
			      &policy, NULL) < 0) {
		fprintf(stderr, "appraise_bench: setup failed\n");
		return 1;
	}
	coll.crl = crl;
	coll.certs.vcek = (const uint8_t *)vcek.pem;
	coll.certs.vcek_len = strlen(vcek.pem);
	for (size_t i = 0; i < n; i++) {
		uint8_t *r = reports[i];
		testpki_genoa_report(r);
		snpm_put_le64(r + 0x50, (uint64_t)i); /* REPORT_DATA: each report its own */
		if (testpki_sign_report(&vcek, r) < 0)
			return 1;
	}
	double t0 = seconds();
	for (size_t i = 0; i < n; i++) {
		if (snpm_appraise_trusting(appraiser, reports[i], policy, &coll, &pki.trust, ap,
					   NULL) < 0)
			return 1;
		/* Every rule but the measurement (none pinned) passes. */
		passed += ap->rules[3].status == SNPM_RULE_PASS &&
			  ap->rules[6].status == SNPM_RULE_PASS;
		if (i + 1 == n / 10)
			rss_tenth = peak_rss_kib();
	}
	double elapsed = seconds() - t0;
	printf("appraisals %zu signatures_verified %zu seconds %.3f rate %.1f rss_kib_tenth %ld "
	       "rss_kib_end %ld\n",
	       n, passed, elapsed, (double)n / elapsed, rss_tenth, peak_rss_kib());
	snpm_policy_free(policy);
	snpm_appraiser_free(appraiser);
	testpki_vcek_free(&vcek);
	testpki_free(&pki);
	free(crl);
	free(reports);
	free(ap);
	return passed == n ? 0 : 1;
}
