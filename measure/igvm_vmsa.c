/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VMSA KVM measures for a vCPU that QEMU set up from an IGVM VP context.
 *
 * QEMU does not hand the file's VMSA to KVM: it copies the registers KVM keeps into the vCPU
 * (target/i386/sev.c sev_apply_cpu_context) and refuses a VMSA with any other field set
 * (check_vmsa_supported: "fields that are not synchronized with KVM"). KVM then writes the VMSA
 * it measures from its own vCPU state (arch/x86/kvm/svm/sev.c sev_es_sync_vmsa), after the
 * adjustments its register setters make. So the measured page holds:
 *  - the segments, GDTR/IDTR base and limit, EFER, CR0/3/4, XCR0, DR6/7, the general registers,
 *    RIP, RFLAGS, the PAT, the x87 control word and MXCSR, from the file;
 *  - SEV_FEATURES of the whole VM, not the context's own: QEMU reads them from vCPU 0's context
 *    in a pre-pass and gives them to KVM_SEV_INIT2, and KVM writes that one value into every
 *    vCPU's VMSA (sev_es_sync_vmsa: save->sev_features = sev->vmsa_features);
 *  - with what KVM changes: segment attributes cut to the twelve bits a kvm_segment carries
 *    (QEMU's segment cache and svm_set_segment drop bits 12-15), EFER.SVME set (svm_set_efer),
 *    CR0.CD and CR0.NW cleared
 *    (KVM_X86_QUIRK_CD_NW_CLEARED), CR4.MCE set (the host's, svm_set_cr4), RFLAGS bit 1 set
 *    (X86_EFLAGS_FIXED), CPL from SS.DPL (svm_set_segment), GDTR and IDTR without selector or
 *    attributes (KVM keeps base and limit only);
 *  - and QEMU's own quirk: the TR base is loaded from the LDTR's base (sev_apply_cpu_context).
 * Everything else is zero. A VMSA QEMU or KVM refuses is refused here too, so that no digest is
 * printed for a launch that cannot happen: another field set, SEV_FEATURES that do not fit the
 * platform (QEMU check_sev_features, for every context), an XCR0 KVM_SET_XCRS refuses (without
 * x87, AVX without SSE, half of MPX, AVX-512 or AMX) and a PAT with a reserved memory type
 * (KVM's setters), control registers KVM_SET_SREGS rejects
 * (kvm_is_valid_sregs: CR0, CR4 and EFER reserved bits, CR0.NW without CD, CR0.PG without PE,
 * long mode without PAE or LMA, LMA or a 64-bit CS outside it, CR3 past 52 address bits), debug
 * registers KVM_SET_DEBUGREGS rejects (upper halves of DR6/DR7) and a DR7 other than its reset
 * value 0x400 or 0, which sev_es_sync_vmsa refuses to encrypt.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "vmsa_layout.h"

#define EFER_SVME 0x1000ull
#define CR0_CD (1ull << 30)
#define CR0_NW (1ull << 29)
#define CR4_MCE 0x40ull
#define RFLAGS_FIXED 0x2ull
#define CR0_PE 0x1ull
#define CR0_PG (1ull << 31)
#define CR4_PAE 0x20ull
/* What KVM's CR4_RESERVED_BITS leaves, less VMXE, which an AMD guest's CPUID never offers. */
#define CR4_KNOWN 0x10f71fffull
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
/* SCE, LME, LMA, NXE, SVME, LMSLE, FFXSR, TCE, AutoIBRS: every bit KVM can enable in EFER. */
#define EFER_KNOWN 0x20fd01ull
#define DR7_FIXED_1 0x400ull
#define CS_ATTR_L (1u << 9) /* the VMSA's packed attributes: bit 9 is the descriptor's L */
#define CR3_LEGAL_BITS 52

/* The byte ranges QEMU copies into the vCPU: everything the measured page takes from the file. */
static const struct {
	uint16_t off, len;
} synced[] = {
	{ VMSA_ES, 0xa0 }, /* es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr */
	{ VMSA_EFER, 8 },
	{ VMSA_CR4, 8 },
	{ VMSA_CR3, 8 },
	{ VMSA_CR0, 8 },
	{ VMSA_DR7, 8 },
	{ VMSA_DR6, 8 },
	{ VMSA_RFLAGS, 8 },
	{ VMSA_RIP, 8 },
	{ VMSA_RSP, 8 },
	{ VMSA_RAX, 8 },
	{ VMSA_G_PAT, 8 },
	{ VMSA_RCX, 0x18 },
	{ VMSA_RBP, VMSA_R15_END - VMSA_RBP },
	{ VMSA_SEV_FEATURES, 8 },
	{ VMSA_XCR0, 8 },
	{ VMSA_MXCSR, 4 },
	{ VMSA_X87_FCW, 2 },
};

/* The first offset of in that QEMU would refuse (a field it does not copy is set), or -1. */
static int unsynced_field(const uint8_t *in)
{
	uint8_t mask[SNPM_PAGE_SIZE] = { 0 };

	for (size_t i = 0; i < sizeof(synced) / sizeof(synced[0]); i++)
		memset(mask + synced[i].off, 1, synced[i].len);
	/* QEMU checks the save area (sev_es_save_area, 0x670 bytes) and copies nothing past it. */
	for (int off = 0; off < (int)SNPM_PAGE_SIZE; off++)
		if (in[off] && !mask[off])
			return off;
	return -1;
}

/* Each PAT byte must be a memory type KVM accepts (kvm_pat_valid): 0, 1, 4, 5, 6, 7. */
static bool pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (8 * i));
		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

__attribute__((format(printf, 2, 3))) static int kvm_refuses(struct snpm_error *reterr,
							     const char *fmt, ...)
{
	char msg[SNPM_ERROR_MESSAGE_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return snpm_fail(reterr, SNPM_EMALFORMED, "%s; KVM refuses it", msg);
}

/* KVM_SET_SREGS (kvm_is_valid_sregs, kvm_is_valid_cr0/cr4, kvm_valid_efer). */
static int check_sregs(const uint8_t *in, struct snpm_error *reterr)
{
	uint64_t cr0 = snpm_le64(in + VMSA_CR0), cr4 = snpm_le64(in + VMSA_CR4);
	uint64_t efer = snpm_le64(in + VMSA_EFER), cr3 = snpm_le64(in + VMSA_CR3);
	bool cs_l = snpm_le16(in + VMSA_CS + 2) & CS_ATTR_L;

	if (cr0 >> 32)
		return kvm_refuses(reterr, "the VMSA's CR0 0x%llx sets bits above 31",
				   (unsigned long long)cr0);
	if ((cr0 & CR0_NW) && !(cr0 & CR0_CD))
		return kvm_refuses(reterr, "the VMSA's CR0 0x%llx sets NW without CD",
				   (unsigned long long)cr0);
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		return kvm_refuses(reterr, "the VMSA's CR0 0x%llx sets PG without PE",
				   (unsigned long long)cr0);
	if (cr4 & ~CR4_KNOWN)
		return kvm_refuses(reterr, "the VMSA's CR4 0x%llx sets reserved bits 0x%llx",
				   (unsigned long long)cr4, (unsigned long long)(cr4 & ~CR4_KNOWN));
	if (efer & ~EFER_KNOWN)
		return kvm_refuses(reterr, "the VMSA's EFER 0x%llx sets reserved bits 0x%llx",
				   (unsigned long long)efer,
				   (unsigned long long)(efer & ~EFER_KNOWN));
	if ((efer & EFER_LME) && (cr0 & CR0_PG)) {
		if (!(cr4 & CR4_PAE) || !(efer & EFER_LMA))
			return kvm_refuses(
				reterr, "the VMSA enters long mode (EFER.LME and CR0.PG) without "
					"CR4.PAE and EFER.LMA");
		if (cr3 >> CR3_LEGAL_BITS)
			return kvm_refuses(reterr, "the VMSA's CR3 0x%llx is past 52 address bits",
					   (unsigned long long)cr3);
	} else if ((efer & EFER_LMA) || cs_l) {
		return kvm_refuses(reterr, "the VMSA sets %s outside long mode",
				   efer & EFER_LMA ? "EFER.LMA" : "a 64-bit code segment (CS.L)");
	}
	return 0;
}

/* KVM_SET_DEBUGREGS (kvm_dr6_valid, kvm_dr7_valid) and sev_es_sync_vmsa's DR7 check. */
static int check_debugregs(const uint8_t *in, struct snpm_error *reterr)
{
	uint64_t dr6 = snpm_le64(in + VMSA_DR6), dr7 = snpm_le64(in + VMSA_DR7);

	if (dr6 >> 32)
		return kvm_refuses(reterr, "the VMSA's DR6 0x%llx sets bits above 31",
				   (unsigned long long)dr6);
	if (dr7 & ~DR7_FIXED_1)
		return kvm_refuses(reterr,
				   "the VMSA's DR7 0x%llx arms breakpoints (only 0x400 or 0 can be "
				   "encrypted)",
				   (unsigned long long)dr7);
	return 0;
}

/* XCR0 components (x86 XSAVE): x87, SSE, AVX, MPX's two, AVX-512's three, AMX's two. */
#define XCR0_SSE 0x2ull
#define XCR0_YMM 0x4ull
#define XCR0_MPX 0x18ull
#define XCR0_AVX512 0xe0ull
#define XCR0_XTILE 0x60000ull

/* __kvm_set_xcr: the combinations KVM_SET_XCRS refuses whatever the guest's CPUID. */
static const char *xcr0_invalid(uint64_t xcr0)
{
	if (!(xcr0 & 1))
		return "lacks x87 (bit 0)";
	if ((xcr0 & XCR0_YMM) && !(xcr0 & XCR0_SSE))
		return "enables AVX without SSE";
	if ((xcr0 & XCR0_MPX) && (xcr0 & XCR0_MPX) != XCR0_MPX)
		return "enables one of MPX's two components";
	if ((xcr0 & XCR0_AVX512) && ((xcr0 & XCR0_AVX512) != XCR0_AVX512 || !(xcr0 & XCR0_YMM)))
		return "enables AVX-512 partly or without AVX";
	if ((xcr0 & XCR0_XTILE) && (xcr0 & XCR0_XTILE) != XCR0_XTILE)
		return "enables one of AMX's two components";
	return NULL;
}

/* What KVM's register setters refuse: XCR0, MXCSR, the PAT, the control and debug registers. */
static int check_kvm_state(const uint8_t *in, struct snpm_error *reterr)
{
	uint64_t xcr0 = snpm_le64(in + VMSA_XCR0);
	const char *bad = xcr0_invalid(xcr0);
	int r;

	if (bad)
		return kvm_refuses(reterr, "the VMSA's XCR0 0x%llx %s", (unsigned long long)xcr0,
				   bad);
	/* KVM_SET_XSAVE: MXCSR bits above 15 are reserved on every CPU. */
	if (snpm_le32(in + VMSA_MXCSR) >> 16)
		return kvm_refuses(reterr, "the VMSA's MXCSR 0x%x sets reserved bits",
				   snpm_le32(in + VMSA_MXCSR));
	if (!pat_valid(snpm_le64(in + VMSA_G_PAT)))
		return kvm_refuses(reterr, "the VMSA's PAT 0x%llx holds a reserved memory type",
				   (unsigned long long)snpm_le64(in + VMSA_G_PAT));
	r = check_sregs(in, reterr);
	return r < 0 ? r : check_debugregs(in, reterr);
}

int snpm_igvm_kvm_check(const uint8_t in[SNPM_PAGE_SIZE], bool snp, struct snpm_error *reterr)
{
	uint64_t features = snpm_le64(in + VMSA_SEV_FEATURES);
	int off = unsynced_field(in);

	if (off >= 0)
		return snpm_fail_at(reterr, SNPM_EUNSUPPORTED, (uint64_t)off,
				    "the VMSA sets a field QEMU does not pass to KVM (byte 0x%x); "
				    "QEMU refuses it",
				    off);
	if (snp && !(features & 1))
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "the VMSA's SEV_FEATURES 0x%llx lack SNPActive for an SNP guest",
				 (unsigned long long)features);
	if (!snp && features)
		return snpm_fail(
			reterr, SNPM_EMALFORMED,
			"the VMSA sets SEV_FEATURES 0x%llx, which SEV-ES guests cannot have",
			(unsigned long long)features);
	return check_kvm_state(in, reterr);
}

/* The segments KVM_SET_SREGS passes as a kvm_segment (GDTR and IDTR are tables). */
static const uint16_t kvm_segments[] = { VMSA_ES, VMSA_CS, VMSA_SS,   VMSA_DS,
					 VMSA_FS, VMSA_GS, VMSA_LDTR, VMSA_TR };
#define SEG_ATTR_KVM 0x0fffu

static void set_bits(uint8_t *page, size_t off, uint64_t set, uint64_t clear)
{
	snpm_put_le64(page + off, (snpm_le64(page + off) | set) & ~clear);
}

void snpm_igvm_kvm_vmsa(const uint8_t in[SNPM_PAGE_SIZE], uint64_t vm_features,
			uint8_t out[SNPM_PAGE_SIZE])
{
	memset(out, 0, SNPM_PAGE_SIZE);
	for (size_t i = 0; i < sizeof(synced) / sizeof(synced[0]); i++)
		memcpy(out + synced[i].off, in + synced[i].off, synced[i].len);
	/* KVM keeps a descriptor table's base and limit only. */
	memset(out + VMSA_GDTR, 0, 4);
	memset(out + VMSA_IDTR, 0, 4);
	/* QEMU loads TR with the LDTR's base (sev_apply_cpu_context). */
	memcpy(out + VMSA_TR + 8, in + VMSA_LDTR + 8, 8);
	/* A kvm_segment carries twelve attribute bits; svm_set_segment packs those back. */
	for (size_t i = 0; i < sizeof(kvm_segments) / sizeof(kvm_segments[0]); i++)
		snpm_put_le16(out + kvm_segments[i] + 2,
			      snpm_le16(in + kvm_segments[i] + 2) & SEG_ATTR_KVM);
	set_bits(out, VMSA_EFER, EFER_SVME, 0);
	set_bits(out, VMSA_CR0, 0, CR0_CD | CR0_NW);
	set_bits(out, VMSA_CR4, CR4_MCE, 0);
	set_bits(out, VMSA_RFLAGS, RFLAGS_FIXED, 0);
	out[VMSA_CPL] = (uint8_t)((snpm_le16(in + VMSA_SS + 2) >> 5) & 3);
	/* One value for every vCPU: the VM's (sev_es_sync_vmsa). */
	snpm_put_le64(out + VMSA_SEV_FEATURES, vm_features);
}

/*
 * cloud-hypervisor on KVM (vmm/src/igvm/igvm_loader.rs, hypervisor/src/kvm setup_sev_snp_regs):
 * it sets the vCPU's segments, CR0/3/4, EFER, GDTR/IDTR and general registers from the VP
 * context, TR from TR, and nothing else: XCR0, DR6/7, the PAT and the FPU control words keep
 * KVM's values for a new vCPU; KVM's adjustments are the same as under QEMU.
 */
void snpm_igvm_ch_vmsa(const uint8_t in[SNPM_PAGE_SIZE], uint64_t vm_features,
		       uint8_t out[SNPM_PAGE_SIZE])
{
	snpm_igvm_kvm_vmsa(in, vm_features, out);
	memcpy(out + VMSA_TR + 8, in + VMSA_TR + 8, 8);
	snpm_put_le64(out + VMSA_XCR0, 0x1); /* XFEATURE_MASK_FP */
	snpm_put_le64(out + VMSA_DR6, 0xffff0ff0); /* DR6_ACTIVE_LOW */
	snpm_put_le64(out + VMSA_DR7, DR7_FIXED_1);
	snpm_put_le64(out + VMSA_G_PAT, 0x0007040600070406ull); /* MSR_IA32_CR_PAT_DEFAULT */
	snpm_put_le32(out + VMSA_MXCSR, 0x1f80); /* the FPU state KVM gives a new vCPU */
	snpm_put_le16(out + VMSA_X87_FCW, 0x37f);
}

/*
 * OpenVMM on KVM (vmm_core/virt_kvm/src/snp.rs): the file's boot VMSA is not imported but set
 * into the boot vCPU (set_snp_igvm_vmsa_state), and KVM encodes the VMSA from that state.
 * OpenVMM refuses a VMSA with a field outside its list (validate_snp_igvm_vmsa_state). Of the
 * fields it takes, these are passed as MSRs, debug or FPU state whose path into the measured page
 * depends on the host kernel (sev_es_sync_vmsa copies no DR0-3 or CR2, SPEC_CTRL goes to the
 * VMCB only with V_SPEC_CTRL, SYSENTER_ESP/EIP are cut to 32 bits): set, they are refused as not
 * modelled, so that no digest is guessed.
 */
static const struct {
	uint16_t off, len;
	const char *name;
} openvmm_unmodelled[] = {
	{ 0x140, 8, "XSS" },
	{ 0x180, 32, "DR0-DR3" },
	{ 0x200, 0x40, "STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE or SYSENTER" },
	{ 0x240, 8, "CR2" },
	{ 0x2e0, 8, "SPEC_CTRL" },
	{ 0x2ec, 4, "TSC_AUX" },
	{ 0x400, 8, "the x87 data pointer" },
	{ 0x40e, 2, "the x87 status word" },
	{ 0x412, 2, "the x87 opcode" },
	{ 0x418, 8, "the x87 instruction pointer" },
};

#define SEV_FEATURE_VTOM 0x2ull
#define CR0_PE_PG (CR0_PE | CR0_PG)
#define EFER_NXE (1ull << 11)

static int openvmm_field(int off, struct snpm_error *reterr)
{
	for (size_t i = 0; i < sizeof(openvmm_unmodelled) / sizeof(openvmm_unmodelled[0]); i++)
		if (off >= openvmm_unmodelled[i].off &&
		    off < openvmm_unmodelled[i].off + openvmm_unmodelled[i].len)
			return snpm_fail_at(
				reterr, SNPM_EUNSUPPORTED, (uint64_t)off,
				"the VMSA sets %s, which OpenVMM passes to KVM as "
				"state whose path into the measured VMSA is not modelled",
				openvmm_unmodelled[i].name);
	return snpm_fail_at(reterr, SNPM_EUNSUPPORTED, (uint64_t)off,
			    "the VMSA sets a field OpenVMM cannot pass to KVM (byte 0x%x); OpenVMM "
			    "refuses it",
			    off);
}

/* validate_snp_bsp_register_state: the boot vCPU enters 64-bit mode at a non-zero RIP. */
static int openvmm_long_mode(const uint8_t *in, struct snpm_error *reterr)
{
	uint64_t efer = snpm_le64(in + VMSA_EFER);
	uint16_t cs = snpm_le16(in + VMSA_CS + 2);
	const char *what = NULL;

	if ((snpm_le64(in + VMSA_CR0) & CR0_PE_PG) != CR0_PE_PG)
		what = "CR0 without PE and PG";
	else if (!snpm_le64(in + VMSA_CR3))
		what = "CR3 0";
	else if (!(snpm_le64(in + VMSA_CR4) & CR4_PAE))
		what = "CR4 without PAE";
	else if ((efer & (EFER_LME | EFER_LMA | EFER_NXE)) != (EFER_LME | EFER_LMA | EFER_NXE))
		what = "EFER without LME, LMA and NXE";
	else if (!(cs & 0x80) || !(cs & CS_ATTR_L))
		what = "a CS that is not a present 64-bit segment";
	else if (!snpm_le64(in + VMSA_RIP))
		what = "RIP 0";
	return what ? snpm_fail(reterr, SNPM_EUNSUPPORTED,
				"the boot VMSA has %s; OpenVMM on KVM boots a vCPU in 64-bit "
				"mode only",
				what) :
		      0;
}

int snpm_igvm_openvmm_check(const uint8_t in[SNPM_PAGE_SIZE], struct snpm_error *reterr)
{
	uint64_t features = snpm_le64(in + VMSA_SEV_FEATURES);
	int off = unsynced_field(in), r;

	if (off >= 0)
		return openvmm_field(off, reterr);
	if (features & SEV_FEATURE_VTOM)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "the VMSA's SEV_FEATURES 0x%llx enable vTOM, which OpenVMM on KVM "
				 "refuses",
				 (unsigned long long)features);
	if (snpm_le32(in + VMSA_GDTR + 4) > 0xffff || snpm_le32(in + VMSA_IDTR + 4) > 0xffff)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "the VMSA's GDTR or IDTR limit exceeds 16 bits, which OpenVMM "
				 "refuses");
	r = openvmm_long_mode(in, reterr);
	return r < 0 ? r : check_kvm_state(in, reterr);
}

/*
 * What KVM encodes from the state OpenVMM set: the registers, segments, GDTR/IDTR base and
 * limit, CR0/3/4 and EFER with KVM's adjustments, DR6/DR7, XCR0, the PAT, the x87 control word
 * and MXCSR (KVM_SET_XSAVE) and the VM's SEV_FEATURES: the file's with SNPActive, which KVM adds.
 */
void snpm_igvm_openvmm_vmsa(const uint8_t in[SNPM_PAGE_SIZE], uint8_t out[SNPM_PAGE_SIZE])
{
	snpm_igvm_kvm_vmsa(in, snpm_le64(in + VMSA_SEV_FEATURES) | 1, out);
	memcpy(out + VMSA_TR + 8, in + VMSA_TR + 8, 8); /* no QEMU quirk */
}

void snpm_igvm_vmsa_legacy_fpu(uint8_t page[SNPM_PAGE_SIZE])
{
	memset(page + VMSA_MXCSR, 0, 4);
	memset(page + VMSA_X87_FCW, 0, 2);
}
