/* SPDX-License-Identifier: Apache-2.0 */
/* PEM keys as the ID-block code consumes them. */
#include <stdlib.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t digest[SNPM_SHA384_SIZE];

	/* A usable key: sign with it too, for one input in 16 (signing is slow). */
	if (snpm_key_digest((const char *)data, size, digest, NULL) == 0 && digest[0] < 16) {
		struct snpm_id_block_params p = { .policy = 0x30000 };
		static uint8_t block[SNPM_ID_BLOCK_SIZE], auth[SNPM_ID_AUTH_SIZE];
		if (snpm_id_block_create(&p, (const char *)data, size, (const char *)data, size,
					 block, auth, NULL, NULL, NULL) == 0)
			snpm_id_auth_verify(block, auth, NULL);
	}
	return 0;
}
