/* SPDX-License-Identifier: Apache-2.0 */
/* Private to attest/: AMD's little-endian ECDSA form (reports and ID blocks sign with it). */
#ifndef SNPM_ATTEST_SIGNATURE_H
#define SNPM_ATTEST_SIGNATURE_H

#include "../core/crypto.h"

/* ECDSA-SHA384 verification with r and s as AMD's 72-byte little-endian values. Returns 0 and
 * *ret_ok, or a negative code when the check could not be run. */
int snpm_ecdsa_verify_le(EVP_PKEY *key, const uint8_t *data, size_t len, const uint8_t r_le[72],
			 const uint8_t s_le[72], bool *ret_ok, struct snpm_error *reterr);

#endif /* SNPM_ATTEST_SIGNATURE_H */
