/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to measure/: where the fields of a VMSA page are (AMD APM vol. 2, table B-4; Linux
 * struct sev_es_save_area). vmsa.c builds pages at them, igvm_vmsa.c reads an IGVM file's VP
 * context at them.
 */
#ifndef SNPM_MEASURE_VMSA_LAYOUT_H
#define SNPM_MEASURE_VMSA_LAYOUT_H

/* Segment registers: 16 bytes each (u16 selector, u16 attrib, u32 limit, u64 base). */
enum {
	VMSA_ES = 0x000,
	VMSA_CS = 0x010,
	VMSA_SS = 0x020,
	VMSA_DS = 0x030,
	VMSA_FS = 0x040,
	VMSA_GS = 0x050,
	VMSA_GDTR = 0x060,
	VMSA_LDTR = 0x070,
	VMSA_IDTR = 0x080,
	VMSA_TR = 0x090,
	VMSA_CPL = 0x0cb, /* u8 */
	VMSA_EFER = 0x0d0,
	VMSA_CR4 = 0x148,
	VMSA_CR3 = 0x150,
	VMSA_CR0 = 0x158,
	VMSA_DR7 = 0x160,
	VMSA_DR6 = 0x168,
	VMSA_RFLAGS = 0x170,
	VMSA_RIP = 0x178,
	VMSA_RSP = 0x1d8,
	VMSA_RAX = 0x1f8,
	VMSA_G_PAT = 0x268,
	VMSA_RCX = 0x308, /* rcx, rdx, rbx; 0x320 reserved; rbp, rsi, rdi, r8..r15 to 0x37f */
	VMSA_RDX = 0x310,
	VMSA_RBP = 0x328,
	VMSA_RSI = 0x330,
	VMSA_R15_END = 0x380,
	VMSA_SEV_FEATURES = 0x3b0,
	VMSA_XCR0 = 0x3e8,
	VMSA_MXCSR = 0x408, /* u32 */
	VMSA_X87_FCW = 0x410, /* u16 */
	VMSA_END_OF_FPU = 0x670, /* x87, XMM and YMM registers end here; the rest is unused */
};

#endif
