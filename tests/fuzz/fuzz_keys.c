/* SPDX-License-Identifier: Apache-2.0 */
/* PEM keys as the ID-block code consumes them, and ID authentication structures. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t digest[SNPM_SHA384_SIZE];

	snpm_key_digest((const char *)data, size, digest, NULL);
	/* An ID block followed by its 4096-byte authentication structure: keys and signatures
	 * read from untrusted bytes. */
	if (size == SNPM_ID_BLOCK_SIZE + SNPM_ID_AUTH_SIZE)
		snpm_id_auth_verify(data, data + SNPM_ID_BLOCK_SIZE, NULL);
	return 0;
}
