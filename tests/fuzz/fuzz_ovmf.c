/* SPDX-License-Identifier: Apache-2.0 */
/* Firmware footer table, SEV metadata and SVSM info, then a measurement over what parsed. */
#include <string.h>

#include "fuzz.h"

/*
 * The engine's cost is linear in the pages measured (about 1 us each): a 10 KB input can declare
 * sections of 8 GiB, which is legitimate but takes seconds under the sanitizers and trips the
 * fuzzer's timeout. Parse everything; measure only layouts up to 64 MiB. Large ranges are
 * covered by the unit tests.
 */
#define FUZZ_MAX_MEASURED ((uint64_t)64 << 20)

static bool small_enough(const struct snpm_ovmf_info *info)
{
	uint64_t total = info->size;

	for (uint32_t i = 0; i < info->n_sections; i++)
		total += info->sections[i].size;
	return total <= FUZZ_MAX_MEASURED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snpm_ovmf_info info;
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	uint8_t out[SNPM_LD_SIZE];
	size_t len;

	if (snpm_ovmf_parse(data, size, &info, NULL) != 0 || !small_enough(&info))
		return 0;
	SNPM_INIT(&cfg);
	cfg.mode = SNPM_MODE_SNP;
	cfg.vmm = size % 3 + 1;
	cfg.vcpus = 2;
	cfg.firmware = data;
	cfg.firmware_len = size;
	cfg.has_kernel = size & 1;
	snpm_measure(&cfg, out, &len, NULL);
	/* The same bytes as an SVSM image below a one-page firmware. */
	static uint8_t fw[4096];
	cfg.mode = SNPM_MODE_SNP_SVSM;
	cfg.vmm = SNPM_VMM_QEMU;
	cfg.has_kernel = false;
	cfg.firmware = fw;
	cfg.firmware_len = sizeof(fw);
	cfg.svsm = data;
	cfg.svsm_len = size;
	cfg.vars_size = 4096;
	snpm_measure(&cfg, out, &len, NULL);
	return 0;
}
