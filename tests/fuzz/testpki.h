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

#include "../../attest/roots.h"

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
	void *ask_key, *ark_key; /* EVP_PKEY * */
};

/* A revocation list shaped like the one AMD's KDS serves for a product (issuer the ARK,
 * RSASSA-PSS SHA-384). The test ARK's serial is 1, the ASK's 2, every VCEK's 3. */
struct testpki_crl_spec {
	const long *revoked; /* serials */
	size_t n_revoked;
	int64_t this_update, next_update; /* seconds since the epoch; next_update 0: none */
	bool signed_by_ask; /* a wrong signer, issuer still the ARK */
};

/* The Genoa VCEK the targets and the appraisal benchmark sign with: TCB bootloader 10, snp 23,
 * microcode 84, a chip ID starting 11223344. */
extern const struct testpki_vcek_spec testpki_genoa;
/* A version 3 report that VCEK certifies (ECDSA P-384, Genoa's CPUID, its TCB and chip ID),
 * the rest zero: sign it after setting what a test needs. */
void testpki_genoa_report(uint8_t report[SNPM_REPORT_SIZE]);

/* Makes the ARK and ASK (RSA-2048, fast enough for a fuzz target's start). 0 or -1. */
int testpki_init(struct testpki *pki);
/* A VCEK signed by the ASK. 0 or -1. */
int testpki_vcek(const struct testpki *pki, const struct testpki_vcek_spec *spec,
		 struct testpki_vcek *ret);
/* Signs the report's bytes 0x000-0x29F with the VCEK's key into its signature field. */
int testpki_sign_report(const struct testpki_vcek *vcek, uint8_t report[SNPM_REPORT_SIZE]);
/* The CRL as DER (*der: free() it). 0 or -1. */
int testpki_crl(const struct testpki *pki, const struct testpki_crl_spec *spec, uint8_t **der,
		size_t *len);
void testpki_vcek_free(struct testpki_vcek *v);
void testpki_free(struct testpki *pki);

#endif
