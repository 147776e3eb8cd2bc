/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to measure/: how each VMM launches a guest. The VMMs differ in a handful of initial
 * register values and in how two metadata section types are measured; each is one row of a
 * table rather than conditions spread through the code.
 */
#ifndef SNPM_MEASURE_PROFILE_H
#define SNPM_MEASURE_PROFILE_H

#include <snpm/measure.h>

#define DEFAULT_G_PAT 0x0007040600070406ull /* PAT reset value: APM vol. 2, A.3 */

struct snpm_vmm_profile {
	enum snpm_vmm vmm;
	unsigned latest_version; /* highest --vmm-version this VMM has */
	uint16_t cs_attrib_reset; /* CS attributes when EIP is the reset vector 0xfffffff0 */
	uint16_t cs_attrib; /* CS attributes otherwise (APs) */
	uint16_t ss_attrib;
	uint16_t data_attrib; /* ES, DS, FS, GS */
	uint16_t tr_attrib;
	bool rdx_is_sig; /* rdx holds the vCPU signature, as after a real reset */
	uint64_t rdx; /* fixed rdx otherwise (latest version) */
	uint64_t rdx_v1; /* fixed rdx of version 1 */
	uint32_t mxcsr; /* 0 where the VMM leaves the FPU state uninitialised */
	uint16_t fcw;
	uint64_t g_pat;
	enum snpm_page_type sec_mem_page; /* how SNP_SEC_MEM is populated */
	bool cpuid_last; /* CPUID pages measured after every other section */
	/* The boot vCPU's stack and boot_params pointer (libkrun sets them for qboot). */
	uint64_t bsp_rsp, bsp_rbp, bsp_rsi;
};

/* The VMSA of a vCPU at KVM's own reset state, which no VMM set registers for. */
void snpm_vmsa_kvm_reset(uint64_t sev_features, uint8_t ret_page[SNPM_PAGE_SIZE]);

/* The profile of vmm, or NULL when vmm is not one of enum snpm_vmm. */
const struct snpm_vmm_profile *snpm_vmm_profile(enum snpm_vmm vmm);

#endif /* SNPM_MEASURE_PROFILE_H */
