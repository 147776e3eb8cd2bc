/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to measure/: OpenSSL error reporting. */
#ifndef SNPM_MEASURE_CRYPTO_H
#define SNPM_MEASURE_CRYPTO_H

#include "../ovmf/internal.h"

/* Fills reterr with what failed and OpenSSL's queued error string; returns SNPM_ECRYPTO. */
int snpm_fail_crypto(struct snpm_error *reterr, const char *what);

#endif /* SNPM_MEASURE_CRYPTO_H */
