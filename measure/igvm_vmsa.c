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
 *    RIP, RFLAGS, the PAT, the x87 control word and MXCSR, and SEV_FEATURES, from the file;
 *  - with what KVM changes: EFER.SVME set (svm_set_efer), CR0.CD and CR0.NW cleared
 *    (KVM_X86_QUIRK_CD_NW_CLEARED), CR4.MCE set (the host's, svm_set_cr4), RFLAGS bit 1 set
 *    (X86_EFLAGS_FIXED), CPL from SS.DPL (svm_set_segment), GDTR and IDTR without selector or
 *    attributes (KVM keeps base and limit only);
 *  - and QEMU's own quirk: the TR base is loaded from the LDTR's base (sev_apply_cpu_context).
 * Everything else is zero. A VMSA QEMU refuses (another field set, XCR0 without x87, a PAT KVM
 * rejects, SEV_FEATURES that do not fit the platform) is refused here too.
 */
#include <string.h>

#include "engine.h"
#include "vmsa_layout.h"

#define EFER_SVME 0x1000ull
#define CR0_CD (1ull << 30)
#define CR0_NW (1ull << 29)
#define CR4_MCE 0x40ull
#define RFLAGS_FIXED 0x2ull

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

static int check_vmsa(const uint8_t *in, bool snp, struct snpm_error *reterr)
{
	uint64_t features = snpm_le64(in + VMSA_SEV_FEATURES);
	uint64_t xcr0 = snpm_le64(in + VMSA_XCR0);
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
	if (!(xcr0 & 1))
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "the VMSA's XCR0 0x%llx lacks x87 (bit 0); KVM refuses it",
				 (unsigned long long)xcr0);
	if (!pat_valid(snpm_le64(in + VMSA_G_PAT)))
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "the VMSA's PAT 0x%llx holds a memory type KVM refuses",
				 (unsigned long long)snpm_le64(in + VMSA_G_PAT));
	return 0;
}

static void set_bits(uint8_t *page, size_t off, uint64_t set, uint64_t clear)
{
	snpm_put_le64(page + off, (snpm_le64(page + off) | set) & ~clear);
}

int snpm_igvm_kvm_vmsa(const uint8_t in[SNPM_PAGE_SIZE], bool snp, uint8_t out[SNPM_PAGE_SIZE],
		       struct snpm_error *reterr)
{
	int r = check_vmsa(in, snp, reterr);

	if (r < 0)
		return r;
	memset(out, 0, SNPM_PAGE_SIZE);
	for (size_t i = 0; i < sizeof(synced) / sizeof(synced[0]); i++)
		memcpy(out + synced[i].off, in + synced[i].off, synced[i].len);
	/* KVM keeps a descriptor table's base and limit only. */
	memset(out + VMSA_GDTR, 0, 4);
	memset(out + VMSA_IDTR, 0, 4);
	/* QEMU loads TR with the LDTR's base (sev_apply_cpu_context). */
	memcpy(out + VMSA_TR + 8, in + VMSA_LDTR + 8, 8);
	set_bits(out, VMSA_EFER, EFER_SVME, 0);
	set_bits(out, VMSA_CR0, 0, CR0_CD | CR0_NW);
	set_bits(out, VMSA_CR4, CR4_MCE, 0);
	set_bits(out, VMSA_RFLAGS, RFLAGS_FIXED, 0);
	out[VMSA_CPL] = (uint8_t)((snpm_le16(in + VMSA_SS + 2) >> 5) & 3);
	return 0;
}
