/* SPDX-License-Identifier: Apache-2.0 */
/* Attestation reports: parsing, and verification with the bytes also as a certificate. */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t report[SNPM_REPORT_SIZE] = { 0 };
	struct snpm_cert_input certs = { 0 };
	struct snpm_report r;
	struct snpm_tcb t;

	if (snpm_report_parse(data, size, &r, NULL) == 0) {
		snpm_tcb_split(r.reported_tcb, snpm_report_family(&r), &t);
		memcpy(report, data, SNPM_REPORT_SIZE);
	}
	/* Certificates as the project consumes them: PEM or DER, then their extensions. */
	certs.vcek = data;
	certs.vcek_len = size;
	snpm_report_verify(report, &certs, NULL, NULL);
	certs.chain = data;
	certs.chain_len = size;
	snpm_report_verify(report, &certs, NULL, NULL);
	return 0;
}
