/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to attest/: AMD's published certificate chains (attest/roots.c). */
#ifndef SNPM_ATTEST_ROOTS_H
#define SNPM_ATTEST_ROOTS_H

#include <stdbool.h>
#include <stddef.h>

#include <snpm/report.h>

struct snpm_root_chain {
	enum snpm_cpu_family family;
	bool vlek; /* ASVK + ARK (VLEK chains) rather than ASK + ARK */
	const char *intermediate; /* PEM: the ASK, or the ASVK for VLEK chains; NULL: none known */
	const char *ark; /* PEM: the ARK (one string per family, shared by both chains) */
};

extern const struct snpm_root_chain snpm_root_chains[];
extern const size_t snpm_n_root_chains;

/* The chains a verification trusts: AMD's (snpm_report_verify), or a test PKI's. */
struct snpm_trust {
	const struct snpm_root_chain *chains;
	size_t n_chains;
	bool custom; /* a root the caller named, not AMD's */
};

/*
 * snpm_report_verify() against the given roots: the ARK must be one of theirs, and the chain
 * for the report's family is taken from them. Not installed: the public call trusts AMD only;
 * tests and fuzz targets build their own PKI to reach every check.
 */
int snpm_report_verify_trusting(const uint8_t report_bytes[SNPM_REPORT_SIZE],
				const struct snpm_cert_input *certs, const struct snpm_trust *trust,
				int64_t now, struct snpm_verify_result *ret,
				struct snpm_error *reterr);

#endif /* SNPM_ATTEST_ROOTS_H */
