/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to measure/: the page loop behind snpm_launch_update_normal/_empty, with a hook. */
#ifndef SNPM_MEASURE_CHAIN_H
#define SNPM_MEASURE_CHAIN_H

#include <snpm/measure.h>

/* Called after each page is chained, with its contents digest and the new launch digest. */
typedef void (*snpm_page_hook)(void *arg, enum snpm_page_type type, uint64_t gpa,
			       const uint8_t contents[SNPM_SHA384_SIZE],
			       const uint8_t ld[SNPM_LD_SIZE]);

/*
 * Chains the pages of [gpa, gpa + len): hashed from data when data is not NULL, with a zero
 * contents digest otherwise. All or nothing: ctx is updated only on success.
 */
int snpm_launch_pages(struct snpm_launch_ctx *ctx, enum snpm_page_type type, uint64_t gpa,
		      const uint8_t *data, uint64_t len, snpm_page_hook hook, void *arg,
		      struct snpm_error *reterr);

/*
 * NORMAL pages of zeros over [gpa, gpa + len): what snpm_launch_pages() gives for a buffer of
 * zeros, with the contents digest taken from snpm_zero_page_sha384 rather than recomputed for
 * each page (an IGVM file's zero pages cost a PAGE_INFO hash each, not 4 KiB of SHA-384).
 */
int snpm_launch_zero_pages(struct snpm_launch_ctx *ctx, uint64_t gpa, uint64_t len,
			   snpm_page_hook hook, void *arg, struct snpm_error *reterr);
/* SHA-384 of 4096 zero bytes (tests/test_measure.c holds it to OpenSSL's). */
extern const uint8_t snpm_zero_page_sha384[SNPM_SHA384_SIZE];

#endif /* SNPM_MEASURE_CHAIN_H */
