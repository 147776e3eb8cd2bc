/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VMSA (SEV-ES save area) a VMM launches each vCPU with.
 *
 * Offsets are those of AMD APM vol. 2, table B-4 "VMSA Layout, State Save Area for SEV-ES"
 * (Linux: struct sev_es_save_area in arch/x86/include/asm/svm.h). Everything not set here is 0.
 */
#include <string.h>

#include <snpm/measure.h>

#include "../core/crypto.h"
#include "profile.h"
#include "vmsa_layout.h"

_Static_assert(VMSA_END_OF_FPU + 2448 == SNPM_PAGE_SIZE, "VMSA layout fills one page");

static const struct snpm_vmsa_field fields[] = {
	{ "es", VMSA_ES, 16 },
	{ "cs", VMSA_CS, 16 },
	{ "ss", VMSA_SS, 16 },
	{ "ds", VMSA_DS, 16 },
	{ "fs", VMSA_FS, 16 },
	{ "gs", VMSA_GS, 16 },
	{ "gdtr", VMSA_GDTR, 16 },
	{ "ldtr", VMSA_LDTR, 16 },
	{ "idtr", VMSA_IDTR, 16 },
	{ "tr", VMSA_TR, 16 },
	{ "cpl", VMSA_CPL, 1 },
	{ "efer", VMSA_EFER, 8 },
	{ "cr4", VMSA_CR4, 8 },
	{ "cr3", VMSA_CR3, 8 },
	{ "cr0", VMSA_CR0, 8 },
	{ "dr7", VMSA_DR7, 8 },
	{ "dr6", VMSA_DR6, 8 },
	{ "rflags", VMSA_RFLAGS, 8 },
	{ "rip", VMSA_RIP, 8 },
	{ "rsp", VMSA_RSP, 8 },
	{ "rax", VMSA_RAX, 8 },
	{ "g_pat", VMSA_G_PAT, 8 },
	{ "rcx", VMSA_RCX, 8 },
	{ "rdx", VMSA_RDX, 8 },
	{ "rbx", VMSA_RDX + 8, 8 },
	{ "rbp", VMSA_RBP, 8 },
	{ "rsi", VMSA_RSI, 8 },
	{ "rdi", VMSA_RSI + 8, 8 },
	{ "r8", VMSA_RSI + 16, 8 },
	{ "r9", VMSA_RSI + 24, 8 },
	{ "r10", VMSA_RSI + 32, 8 },
	{ "r11", VMSA_RSI + 40, 8 },
	{ "r12", VMSA_RSI + 48, 8 },
	{ "r13", VMSA_RSI + 56, 8 },
	{ "r14", VMSA_RSI + 64, 8 },
	{ "r15", VMSA_RSI + 72, 8 },
	{ "sev_features", VMSA_SEV_FEATURES, 8 },
	{ "xcr0", VMSA_XCR0, 8 },
	{ "mxcsr", VMSA_MXCSR, 4 },
	{ "x87_fcw", VMSA_X87_FCW, 2 },
	{ NULL, 0, 0 },
};
_Static_assert(VMSA_RSI + 80 == VMSA_R15_END, "r15 is the last general register");

const struct snpm_vmsa_field *snpm_vmsa_fields(void)
{
	return fields;
}

/*
 * COCONUT-SVSM entry: the PAT reset value, MXCSR initialised but the x87 control word left 0.
 * That FCW differs from the plain QEMU reset state; it is what the SVSM launch digests read from
 * real SNP hardware (vectors/launch-digest-kat.json) require, and what the reference computes.
 */
#define SVSM_G_PAT 0x0007040600070406ull
#define SVSM_MXCSR 0x1f80u
#define SVSM_FCW 0u

struct seg {
	uint16_t selector;
	uint16_t attrib; /* VMCB compressed attribute format */
	uint32_t limit;
	uint64_t base;
};

static void put_seg(uint8_t *page, size_t off, struct seg s)
{
	snpm_put_le16(page + off, s.selector);
	snpm_put_le16(page + off + 2, s.attrib);
	snpm_put_le32(page + off + 4, s.limit);
	snpm_put_le64(page + off + 8, s.base);
}

/* State common to every layout: what KVM sets on top of the architectural reset values. */
static void put_common(uint8_t *page, uint64_t sev_features)
{
	put_seg(page, VMSA_GDTR, (struct seg){ 0, 0, 0xffff, 0 });
	put_seg(page, VMSA_IDTR, (struct seg){ 0, 0, 0xffff, 0 });
	put_seg(page, VMSA_LDTR, (struct seg){ 0, 0x82, 0xffff, 0 });
	snpm_put_le64(page + VMSA_EFER, 0x1000); /* KVM sets EFER.SVME */
	snpm_put_le64(page + VMSA_CR4, 0x40); /* KVM sets CR4.MCE */
	snpm_put_le64(page + VMSA_DR7, 0x400);
	snpm_put_le64(page + VMSA_DR6, 0xffff0ff0);
	snpm_put_le64(page + VMSA_RFLAGS, 0x2);
	snpm_put_le64(page + VMSA_SEV_FEATURES, sev_features);
	snpm_put_le64(page + VMSA_XCR0, 0x1);
}

/* A vCPU at the x86 reset state, CS:IP pointing at eip (real mode, CS base from eip). */
static void build_reset(const struct snpm_vmm_profile *p, const struct snpm_vmsa_params *params,
			uint8_t *page)
{
	uint16_t data_attrib = p->data_attrib;
	uint16_t cs_attrib = params->eip == SNPM_BSP_EIP ? p->cs_attrib_reset : p->cs_attrib;
	uint64_t rdx = p->rdx_is_sig ? params->vcpu_sig : p->rdx;

	if (!p->rdx_is_sig && params->vmm_version == 1)
		rdx = p->rdx_v1;
	put_seg(page, VMSA_ES, (struct seg){ 0, data_attrib, 0xffff, 0 });
	put_seg(page, VMSA_CS, (struct seg){ 0xf000, cs_attrib, 0xffff, params->eip & 0xffff0000 });
	put_seg(page, VMSA_SS, (struct seg){ 0, p->ss_attrib, 0xffff, 0 });
	put_seg(page, VMSA_DS, (struct seg){ 0, data_attrib, 0xffff, 0 });
	put_seg(page, VMSA_FS, (struct seg){ 0, data_attrib, 0xffff, 0 });
	put_seg(page, VMSA_GS, (struct seg){ 0, data_attrib, 0xffff, 0 });
	put_seg(page, VMSA_TR, (struct seg){ 0, p->tr_attrib, 0xffff, 0 });
	put_common(page, params->sev_features);
	snpm_put_le64(page + VMSA_CR0, 0x10);
	snpm_put_le64(page + VMSA_RIP, params->eip & 0xffff);
	snpm_put_le64(page + VMSA_G_PAT, p->g_pat);
	snpm_put_le64(page + VMSA_RDX, rdx);
	if (params->eip == SNPM_BSP_EIP) {
		snpm_put_le64(page + VMSA_RSP, p->bsp_rsp);
		snpm_put_le64(page + VMSA_RBP, p->bsp_rbp);
		snpm_put_le64(page + VMSA_RSI, p->bsp_rsi);
	}
	if (params->fpu != SNPM_VMSA_FPU_LEGACY_KVM) {
		snpm_put_le32(page + VMSA_MXCSR, p->mxcsr);
		snpm_put_le16(page + VMSA_X87_FCW, p->fcw);
	}
}

/*
 * A vCPU entering COCONUT-SVSM: protected mode with flat 4 GiB segments (selector 8 for code,
 * 16 for data) at the SVSM entry point, as the COCONUT QEMU branch sets it up.
 */
static void build_svsm(const struct snpm_vmsa_params *params, uint8_t *page)
{
	struct seg flat_data = { 16, 0xc93, 0xffffffff, 0 };

	put_seg(page, VMSA_ES, flat_data);
	put_seg(page, VMSA_CS, (struct seg){ 8, 0xc9b, 0xffffffff, 0 });
	put_seg(page, VMSA_SS, flat_data);
	put_seg(page, VMSA_DS, flat_data);
	put_seg(page, VMSA_FS, flat_data);
	put_seg(page, VMSA_GS, (struct seg){ 0, 0x93, 0xffff, 0 });
	put_seg(page, VMSA_TR, (struct seg){ 0, 0x8b, 0xffff, 0 });
	put_common(page, params->sev_features);
	snpm_put_le64(page + VMSA_CR0, 0x11); /* protected mode */
	snpm_put_le64(page + VMSA_RIP, params->eip);
	snpm_put_le64(page + VMSA_G_PAT, SVSM_G_PAT);
	snpm_put_le64(page + VMSA_RDX, params->vcpu_sig);
	if (params->fpu != SNPM_VMSA_FPU_LEGACY_KVM) {
		snpm_put_le32(page + VMSA_MXCSR, SVSM_MXCSR);
		snpm_put_le16(page + VMSA_X87_FCW, SVSM_FCW);
	}
}

/*
 * A vCPU the VMM never sets registers for: KVM's own reset state (arch/x86/kvm/svm/svm.c
 * init_vmcb: code segment 0x9a, data segments 0x92, a busy 16-bit TSS 0x83; x86.c
 * kvm_vcpu_reset: rdx 0x600, as no CPUID is set when the vCPU is created), with the FPU words a
 * new vCPU's state holds (0x37f, 0x1f80). EC2 and libkrun differ in ES, DS, FS and GS (0x93):
 * a KVM_GET_SREGS/KVM_SET_SREGS round trip sets their accessed bit (svm_get_segment).
 */
void snpm_vmsa_kvm_reset(uint64_t sev_features, uint8_t ret_page[SNPM_PAGE_SIZE])
{
	static const struct snpm_vmm_profile kvm = {
		.cs_attrib_reset = 0x9a,
		.cs_attrib = 0x9a,
		.ss_attrib = 0x92,
		.data_attrib = 0x92,
		.tr_attrib = 0x83,
		.rdx = 0x600,
		.mxcsr = 0x1f80,
		.fcw = 0x37f,
		.g_pat = DEFAULT_G_PAT,
	};
	const struct snpm_vmsa_params params = {
		.size = sizeof(params),
		.eip = SNPM_BSP_EIP,
		.sev_features = sev_features,
	};

	memset(ret_page, 0, SNPM_PAGE_SIZE);
	build_reset(&kvm, &params, ret_page);
}

int snpm_vmsa_build(const struct snpm_vmsa_params *given, uint8_t ret_page[SNPM_PAGE_SIZE],
		    struct snpm_error *reterr)
{
	struct snpm_vmsa_params copy, *params = &copy;
	int r = snpm_sized_in(given, sizeof(copy), &copy, "snpm_vmsa_params", reterr);
	const struct snpm_vmm_profile *p = r == 0 ? snpm_vmm_profile(params->vmm) : NULL;

	if (r < 0)
		return r;
	if (!p)
		return snpm_fail(reterr, SNPM_EINVAL, "unknown VMM type %d", (int)params->vmm);
	if (params->vmm_version > p->latest_version)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "%s has no VMM version %u",
				 snpm_vmm_name(p->vmm), params->vmm_version);
	if (params->fpu != SNPM_VMSA_FPU_DEFAULT && params->fpu != SNPM_VMSA_FPU_LEGACY_KVM)
		return snpm_fail(reterr, SNPM_EINVAL, "unknown VMSA FPU variant %d",
				 (int)params->fpu);
	if (params->svsm && params->vmm != SNPM_VMM_QEMU)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "SVSM launch is only known for QEMU, not %s",
				 snpm_vmm_name(p->vmm));
	memset(ret_page, 0, SNPM_PAGE_SIZE);
	if (params->svsm)
		build_svsm(params, ret_page);
	else
		build_reset(p, params, ret_page);
	return 0;
}
