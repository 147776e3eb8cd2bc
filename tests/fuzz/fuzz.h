/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz targets: each file defines LLVMFuzzerTestOneInput for one parser. */
#ifndef SNPM_FUZZ_H
#define SNPM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <snpm/snpm.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a file (for parsers that read paths): a memfd, named /proc/self/fd/N. */
int fuzz_memfd(const uint8_t *data, size_t size, char path[64]);

#endif
