/* SPDX-License-Identifier: Apache-2.0 */
/* Private to document/: the firmware metadata pieces (document.c) that specs read too. */
#ifndef SNPM_DOCUMENT_METADATA_H
#define SNPM_DOCUMENT_METADATA_H

#include <snpm/document.h>

#include "../core/json.h"

int snpm_json_sections(struct json_object *arr, bool dstack, struct snpm_ovmf_info *info,
		       struct snpm_error *reterr);
int snpm_json_ovmf_fields(struct json_object *o, struct snpm_ovmf_info *info,
			  struct snpm_ovmf_digests *d, struct snpm_error *reterr);

#endif /* SNPM_DOCUMENT_METADATA_H */
