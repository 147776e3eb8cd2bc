/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IGVM files: the header parser, then measurements with QEMU's and igvmmeasure's semantics for
 * each platform. The checksum is made right first, as a loader would find it, so that fuzzing
 * gets past it to the headers (a wrong checksum is refused before anything else, and tested).
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fuzz.h"

/* Linear in the pages measured: a small input can declare gigabytes of them. */
#define FUZZ_MAX_PAGES 16384

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fix_checksum(uint8_t *f, size_t size)
{
	uint32_t fixed = size >= 8 && le32(f + 4) == 2 ? 32 : 24;
	uint64_t off, len;
	uLong crc;

	if (size < fixed)
		return;
	off = le32(f + 8), len = le32(f + 12);
	if (off > size || len > size - off)
		return;
	memset(f + 20, 0, 4);
	crc = crc32(crc32(0L, Z_NULL, 0), f, fixed);
	crc = crc32(crc, f + off, (uInt)len);
	for (int i = 0; i < 4; i++)
		f[20 + i] = (uint8_t)(crc >> (8 * i));
}

static bool small_enough(const struct snpm_igvm *g)
{
	uint64_t pages = 0;

	for (size_t i = 0; i < snpm_igvm_count(g); i++) {
		struct snpm_igvm_header hv, *h = &hv;
		snpm_igvm_header(g, i, &hv);
		if (h->type == SNPM_IGVM_PAGE_DATA || h->type == SNPM_IGVM_PARAMETER_INSERT)
			pages += h->size / 4096;
	}
	return pages <= FUZZ_MAX_PAGES;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum snpm_mode modes[] = { SNPM_MODE_SNP, SNPM_MODE_SEV_ES, SNPM_MODE_SEV };
	uint8_t *f = malloc(size ? size : 1), out[SNPM_LD_SIZE];
	struct snpm_igvm *g = NULL;
	size_t len;

	if (!f)
		return 0;
	memcpy(f, data, size);
	fix_checksum(f, size);
	struct snpm_source src = { .data = f, .size = size };
	if (snpm_igvm_parse(&src, &g, NULL) == 0 && small_enough(g)) {
		for (size_t m = 0; m < 3; m++)
			for (int sem = 0; sem <= 1; sem++) {
				struct snpm_measure_config c = {
					.mode = modes[m],
					.vmm = SNPM_VMM_QEMU,
					.vcpus = 1 + (unsigned)(size % 3),
					.vcpu_sig = 0x800f12,
					.loader = SNPM_LOADER_IGVM,
					.igvm = src,
					.igvm_semantics = (enum snpm_igvm_semantics)sem,
					.igvm_native_zero = size & 1,
				};
				snpm_measure(&c, out, &len, NULL);
			}
	}
	snpm_igvm_free(g);
	free(f);
	return 0;
}
