/* SPDX-License-Identifier: Apache-2.0 */
/* libsnpmeasure: everything in one include. */
#ifndef SNPM_SNPM_H
#define SNPM_SNPM_H

#include <snpm/common.h>
#include <snpm/hash.h>
#include <snpm/ovmf.h>
#include <snpm/measure.h>
#include <snpm/igvm.h>
#include <snpm/document.h>
#include <snpm/report.h>
#include <snpm/appraise.h>
#include <snpm/refvals.h>
#include <snpm/guest.h>
#include <snpm/dstack.h>
#include <snpm/image.h>

#endif /* SNPM_SNPM_H */
