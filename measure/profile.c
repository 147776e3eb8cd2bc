/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VMM profiles and CPU models.
 *
 * Values follow the reference sev-snp-measure 0.0.13 (vmsa.py, guest.py, vcpu_types.py):
 * - QEMU/KVM: the x86 reset state (APM vol. 2, 14.1.3) with rdx = CPUID signature, and the FPU
 *   initialised (MXCSR 0x1f80, FCW 0x37f) as KVM does since Linux 6.x.
 * - EC2: data segments not accessed (0x92), a 32-bit busy TSS type (0x83), rdx 0x600 since its
 *   2026 change (version 2; version 1 had 0), FPU state zero, and CPUID pages last.
 * - GCE: QEMU's segments, rdx 0x600, FPU state zero, its own PAT, SNP_SEC_MEM unmeasured.
 */
#include <string.h>

#include <snpm/measure.h>

#include "profile.h"

#define DEFAULT_G_PAT 0x0007040600070406ull /* PAT reset value: APM vol. 2, A.3 */

static const struct snpm_vmm_profile profiles[] = {
	{
		.vmm = SNPM_VMM_QEMU,
		.name = "QEMU",
		.latest_version = 1,
		.cs_attrib_reset = 0x9b,
		.cs_attrib = 0x9b,
		.ss_attrib = 0x93,
		.tr_attrib = 0x8b,
		.rdx_is_sig = true,
		.mxcsr = 0x1f80,
		.fcw = 0x37f,
		.g_pat = DEFAULT_G_PAT,
		.sec_mem_page = SNPM_PAGE_ZERO,
	},
	{
		.vmm = SNPM_VMM_EC2,
		.name = "ec2",
		.latest_version = 2,
		.cs_attrib_reset = 0x9a,
		.cs_attrib = 0x9b,
		.ss_attrib = 0x92,
		.tr_attrib = 0x83,
		.rdx = 0x600,
		.rdx_v1 = 0,
		.g_pat = DEFAULT_G_PAT,
		.sec_mem_page = SNPM_PAGE_ZERO,
		.cpuid_last = true,
	},
	{
		.vmm = SNPM_VMM_GCE,
		.name = "gce",
		.latest_version = 1,
		.cs_attrib_reset = 0x9b,
		.cs_attrib = 0x9b,
		.ss_attrib = 0x93,
		.tr_attrib = 0x8b,
		.rdx = 0x600,
		.rdx_v1 = 0x600,
		.g_pat = 0x00070106,
		.sec_mem_page = SNPM_PAGE_UNMEASURED,
	},
};

const struct snpm_vmm_profile *snpm_vmm_profile(enum snpm_vmm vmm)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (profiles[i].vmm == vmm)
			return &profiles[i];
	return NULL;
}

const char *snpm_vmm_name(enum snpm_vmm vmm)
{
	const struct snpm_vmm_profile *p = snpm_vmm_profile(vmm);

	return p ? p->name : "unknown";
}

int snpm_vmm_parse(const char *name, enum snpm_vmm *ret_vmm)
{
	for (size_t i = 0; name && i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].name, name) == 0) {
			*ret_vmm = profiles[i].vmm;
			return 0;
		}
	return SNPM_EINVAL;
}

uint32_t snpm_cpu_sig(uint32_t family, uint32_t model, uint32_t stepping)
{
	uint32_t family_low = family > 0xf ? 0xf : family;
	uint32_t family_high = family > 0xf ? (family - 0xf) & 0xff : 0;

	return family_high << 20 | ((model >> 4) & 0xf) << 16 | family_low << 8 |
	       (model & 0xf) << 4 | (stepping & 0xf);
}

/* The CPU models of QEMU's builtin_x86_defs that the reference knows. */
static const struct {
	const char *name;
	uint32_t family, model, stepping;
} cpu_types[] = {
	{ "EPYC", 23, 1, 2 },		{ "EPYC-v1", 23, 1, 2 },
	{ "EPYC-v2", 23, 1, 2 },	{ "EPYC-IBPB", 23, 1, 2 },
	{ "EPYC-v3", 23, 1, 2 },	{ "EPYC-v4", 23, 1, 2 },
	{ "EPYC-Rome", 23, 49, 0 },	{ "EPYC-Rome-v1", 23, 49, 0 },
	{ "EPYC-Rome-v2", 23, 49, 0 },	{ "EPYC-Rome-v3", 23, 49, 0 },
	{ "EPYC-Milan", 25, 1, 1 },	{ "EPYC-Milan-v1", 25, 1, 1 },
	{ "EPYC-Milan-v2", 25, 1, 1 },	{ "EPYC-Genoa", 25, 17, 0 },
	{ "EPYC-Genoa-v1", 25, 17, 0 }, { "EPYC-Turin", 26, 0, 0 },
};

int snpm_cpu_type_sig(const char *name, uint32_t *ret_sig)
{
	for (size_t i = 0; name && i < sizeof(cpu_types) / sizeof(cpu_types[0]); i++)
		if (strcmp(cpu_types[i].name, name) == 0) {
			*ret_sig = snpm_cpu_sig(cpu_types[i].family, cpu_types[i].model,
						cpu_types[i].stepping);
			return 0;
		}
	return SNPM_EINVAL;
}

const char *snpm_cpu_type_name(size_t i)
{
	return i < sizeof(cpu_types) / sizeof(cpu_types[0]) ? cpu_types[i].name : NULL;
}
