/* SPDX-License-Identifier: Apache-2.0 */
/* Internal: what ovmf/ offers the rest of the library beyond <snpm/ovmf.h>. */
#ifndef SNPM_OVMF_INTERNAL_H
#define SNPM_OVMF_INTERNAL_H

#include <snpm/ovmf.h>

#include "../core/core.h"

/* The section checks of snpm_ovmf_parse(), for metadata that did not come from an image. */
int snpm_ovmf_check_sections(const struct snpm_ovmf_info *info, struct snpm_error *reterr);

#endif /* SNPM_OVMF_INTERNAL_H */
