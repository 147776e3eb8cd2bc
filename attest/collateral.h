/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to attest/ (and tests): the CRL check behind appraisal's revocation rule
 * (collateral.c), and appraisal under other roots (appraise.c). */
#ifndef SNPM_ATTEST_COLLATERAL_H
#define SNPM_ATTEST_COLLATERAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include <snpm/appraise.h>

/*
 * The ARK's CRL (DER or PEM): issued and signed by the ARK, current at now (thisUpdate <= now <=
 * nextUpdate), and not revoking the ASK (or ASVK). It lists what the ARK signed, so a VCEK,
 * which the ASK signs, is not looked up in it (as go-sev-guest's verifyCRL). found gets a short
 * description. Returns 0, SNPM_EVERIFY (naming what did not hold) or SNPM_EINVAL (not a CRL).
 */
int snpm_crl_check(const uint8_t *data, size_t len, X509 *ark, X509 *ask, bool asvk, int64_t now,
		   char *found, size_t found_len, struct snpm_error *reterr);

struct snpm_trust;
/* snpm_appraise() with other roots than AMD's (tests: a test ARK signs their CRLs). */
int snpm_appraise_trusting(struct snpm_appraiser *appraiser, const uint8_t report[SNPM_REPORT_SIZE],
			   const struct snpm_policy *policy,
			   const struct snpm_collateral *collateral, const struct snpm_trust *trust,
			   struct snpm_appraisal *ret, struct snpm_error *reterr);

#endif
