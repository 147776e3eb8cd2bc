/* SPDX-License-Identifier: Apache-2.0 */
/* JSON documents: measurement specs (ours and dstack's) and firmware metadata. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct snpm_spec *spec = NULL;
	struct snpm_ovmf_info info;
	struct snpm_ovmf_digests d;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (snpm_spec_parse(text, &spec, NULL) == 0)
		snpm_spec_free(spec);
	snpm_ovmf_from_json(text, &info, &d, NULL);
	free(text);
	return 0;
}
