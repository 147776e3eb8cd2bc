/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A test PKI shaped like AMD's (ARK -> ASK -> VCEK, RSASSA-PSS SHA-384, P-384 VCEKs with the
 * KDS extensions), so tests and fuzz targets can sign reports the library then verifies through
 * every check: signature, key kind, family, chain, TCB and chip ID. Never trusted outside them.
 */
#ifndef SNPM_TESTPKI_H
#define SNPM_TESTPKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snpm/report.h>

#include "../../measure/roots.h"

/* The TCB and chip ID a test VCEK certifies. */
struct testpki_vcek_spec {
	enum snpm_cpu_family family; /* Genoa or Turin */
	bool vlek; /* SEV-VLEK instead of SEV-VCEK */
	uint8_t fmc, bootloader, tee, snp, microcode;
	uint8_t hwid[64];
	size_t hwid_len; /* 64 (Milan, Genoa), 8 (Turin), 0: no hwID extension */
};

struct testpki_vcek {
	char *pem; /* the certificate */
	void *key; /* EVP_PKEY *, the private key */
};

/* The test ARK and ASK; trust lists them for Milan, Genoa and Turin, VCEK and VLEK. */
struct testpki {
	char *chain_pem; /* ASK then ARK */
	char *ask_pem, *ark_pem;
	struct snpm_root_chain chains[6];
	struct snpm_trust trust;
	void *ask_key; /* EVP_PKEY * */
};

/* Makes the ARK and ASK (RSA-2048, fast enough for a fuzz target's start). 0 or -1. */
int testpki_init(struct testpki *pki);
/* A VCEK signed by the ASK. 0 or -1. */
int testpki_vcek(const struct testpki *pki, const struct testpki_vcek_spec *spec,
		 struct testpki_vcek *ret);
/* Signs the report's bytes 0x000-0x29F with the VCEK's key into its signature field. */
int testpki_sign_report(const struct testpki_vcek *vcek, uint8_t report[SNPM_REPORT_SIZE]);
void testpki_vcek_free(struct testpki_vcek *v);
void testpki_free(struct testpki *pki);

#endif
