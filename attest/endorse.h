/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to attest/: report verification in two steps, so a verifier that sees many reports
 * signed by one key checks the key's chain once (appraise.c caches endorsements) and then only
 * each report's signature and the fields it compares with the certificate.
 */
#ifndef SNPM_ATTEST_ENDORSE_H
#define SNPM_ATTEST_ENDORSE_H

#include <openssl/x509.h>

#include <snpm/report.h>

#include "roots.h"

/* A VCEK (or VLEK) checked up to a trusted ARK, with what reports are compared against. */
struct snpm_endorsement {
	X509 *vcek, *ask, *ark;
	bool vlek, builtin_chain;
	enum snpm_cpu_family family;
	char product[32];
	struct snpm_tcb cert_tcb;
	bool has_hwid;
	uint8_t hwid[64];
	size_t hwid_len; /* more than 64: a malformed extension */
	int64_t not_before, not_after; /* when all three certificates are valid */
	int64_t valid_from[3], valid_to[3]; /* each certificate's: VCEK (or VLEK), ASK, ARK */
};

/*
 * Whether every certificate of the chain is valid at now (seconds since the epoch). On success
 * found (may be NULL) says until when; on failure the error names the certificate that is not
 * and its dates (SNPM_EVERIFY).
 */
int snpm_check_validity(const struct snpm_endorsement *e, int64_t now, char *found, size_t n,
			struct snpm_error *reterr);
/* "2026-12-03T16:20:11Z" (or -inf/+inf). */
void snpm_time_text(int64_t t, char *out, size_t n);

/*
 * A trust of one root a caller names instead of AMD's (a lab's or a conformance suite's own
 * ARK): the ARK must be it, and the ASK (or ASVK) must be given. Never a default.
 */
struct snpm_custom_trust {
	struct snpm_root_chain chains[8];
	struct snpm_trust trust;
	char *pem;
};
int snpm_custom_trust_init(const uint8_t *root, size_t len, struct snpm_custom_trust *ret,
			   struct snpm_error *reterr);
void snpm_custom_trust_free(struct snpm_custom_trust *t);
/* The roots to trust, held in custom: AMD's when root is NULL, else that root alone. Free
 * custom with snpm_custom_trust_free whatever this returns. */
int snpm_trust_pick(const uint8_t *root, size_t len, struct snpm_custom_trust *custom,
		    const struct snpm_trust **ret, struct snpm_error *reterr);

/* Exactly one VCEK certificate from certs (PEM or DER). */
int snpm_load_vcek(const struct snpm_cert_input *certs, X509 **ret, struct snpm_error *reterr);

/*
 * The VCEK against the report's key kind and family, and its chain to a trusted ARK (taking
 * vcek, which the endorsement then owns; freed on failure). Reads the TCB and hwID extensions.
 */
int snpm_endorse(X509 *vcek, const struct snpm_cert_input *certs, const struct snpm_trust *trust,
		 const struct snpm_report *rep, struct snpm_endorsement *ret,
		 struct snpm_error *reterr);
void snpm_endorsement_free(struct snpm_endorsement *e);

/* The report's ECDSA signature over bytes 0x000-0x29F with the key (naming a VCEK/VLEK mix-up). */
int snpm_check_signature(const uint8_t report_bytes[SNPM_REPORT_SIZE], X509 *vcek,
			 struct snpm_error *reterr);
/* The signature algorithm, the reported TCB against the certificate's and the chip ID. */
int snpm_check_endorsed(const struct snpm_endorsement *e, const struct snpm_report *rep,
			struct snpm_verify_result *ret, struct snpm_error *reterr);

#endif /* SNPM_ATTEST_ENDORSE_H */
