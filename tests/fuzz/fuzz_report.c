/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attestation reports: parsing, and verification with the bytes also as a certificate; then the
 * same bytes as a report re-signed by a test PKI's VCEK, so that every check after the signature
 * (key kind, family, chain, TCB, chip ID) sees fuzzer-chosen fields.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "testpki.h"

/* Two VCEKs and a VLEK: the TCB layouts of Genoa and Turin, and both key kinds. */
static const struct testpki_vcek_spec specs[] = {
	{ .family = SNPM_FAMILY_GENOA,
	  .bootloader = 10,
	  .tee = 0,
	  .snp = 23,
	  .microcode = 84,
	  .hwid = { 0x11, 0x22, 0x33, 0x44 },
	  .hwid_len = 64 },
	{ .family = SNPM_FAMILY_TURIN,
	  .fmc = 1,
	  .bootloader = 1,
	  .tee = 1,
	  .snp = 4,
	  .microcode = 0x51,
	  .hwid = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 },
	  .hwid_len = 8 },
	{ .family = SNPM_FAMILY_GENOA, .vlek = true, .bootloader = 3, .snp = 8, .microcode = 9 },
};
#define N_SPECS (sizeof(specs) / sizeof(specs[0]))

static struct testpki pki;
static struct testpki_vcek vceks[N_SPECS];

static bool pki_ready(void)
{
	static int state; /* 0: not tried, 1: ready, -1: failed */

	if (state == 0) {
		state = testpki_init(&pki) == 0 ? 1 : -1;
		for (size_t i = 0; state == 1 && i < N_SPECS; i++)
			if (testpki_vcek(&pki, &specs[i], &vceks[i]) < 0)
				state = -1;
		if (state < 0)
			abort(); /* a fuzz target that silently skipped its deep half would lie */
	}
	return state == 1;
}

static void verify_resigned(const uint8_t *data, size_t size)
{
	uint8_t report[SNPM_REPORT_SIZE] = { 0 };
	const struct testpki_vcek *v;
	struct snpm_cert_input in = { .size = sizeof(in) };
	struct snpm_verify_result res;
	uint8_t how;

	if (size < 1 || !pki_ready())
		return;
	how = data[0];
	memcpy(report, data + 1, size - 1 < sizeof(report) ? size - 1 : sizeof(report));
	v = &vceks[how % N_SPECS];
	if (testpki_sign_report(v, report) < 0)
		abort();
	in.vcek = (const uint8_t *)v->pem;
	in.vcek_len = strlen(v->pem);
	/* The chain given, or taken from the trusted roots by the report's family. */
	if (how & 0x10) {
		in.chain = (const uint8_t *)pki.chain_pem;
		in.chain_len = strlen(pki.chain_pem);
	}
	snpm_report_verify_trusting(report, &in, &pki.trust, (int64_t)time(NULL), &res, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t report[SNPM_REPORT_SIZE] = { 0 };
	struct snpm_cert_input certs = { .size = sizeof(certs) };
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
	verify_resigned(data, size);
	return 0;
}
