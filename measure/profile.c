/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VMM profiles and CPU models.
 *
 * Values follow the reference sev-snp-measure 0.0.13 (vmsa.py, guest.py, vcpu_types.py):
 * - QEMU/KVM: the x86 reset state (APM vol. 2, 14.1.3) with rdx = CPUID signature, and the FPU
 *   initialised (MXCSR 0x1f80, FCW 0x37f) as KVM does since Linux 6.x.
 * - EC2: the stack segment not accessed (0x92), the other data segments accessed (0x93, as
 *   KVM_GET_SREGS reports them), a 32-bit busy TSS type (0x83), rdx 0x600 since its
 *   2026 change (version 2; version 1 had 0), FPU state zero, and CPUID pages last.
 * - GCE: QEMU's segments, rdx 0x600, FPU state zero, its own PAT, SNP_SEC_MEM unmeasured.
 * - krun: libkrun's reset state (libkrunfw utils/vmsa.h, dumped from a running libkrun): code
 *   segment 0x9a for every vCPU, rdx 0, FPU state zero, and for the boot vCPU the stack (rsp,
 *   rbp 0x8ff0) and the boot_params page (rsi 0x7000) qboot expects. virtee/sev's KRUN profile
 *   leaves those three at zero; the dump, which the hardware measured, has them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <snpm/measure.h>

#include "../core/crypto.h"
#include "profile.h"

static const struct snpm_vmm_profile profiles[] = {
	{
		.vmm = SNPM_VMM_QEMU,
		.latest_version = 1,
		.cs_attrib_reset = 0x9b,
		.cs_attrib = 0x9b,
		.ss_attrib = 0x93,
		.data_attrib = 0x93,
		.tr_attrib = 0x8b,
		.rdx_is_sig = true,
		.mxcsr = 0x1f80,
		.fcw = 0x37f,
		.g_pat = DEFAULT_G_PAT,
		.sec_mem_page = SNPM_PAGE_ZERO,
	},
	{
		.vmm = SNPM_VMM_EC2,
		.latest_version = 2,
		.cs_attrib_reset = 0x9a,
		.cs_attrib = 0x9b,
		.ss_attrib = 0x92,
		.data_attrib = 0x93,
		.tr_attrib = 0x83,
		.rdx = 0x600,
		.rdx_v1 = 0,
		.g_pat = DEFAULT_G_PAT,
		.sec_mem_page = SNPM_PAGE_ZERO,
		.cpuid_last = true,
	},
	{
		.vmm = SNPM_VMM_GCE,
		.latest_version = 1,
		.cs_attrib_reset = 0x9b,
		.cs_attrib = 0x9b,
		.ss_attrib = 0x93,
		.data_attrib = 0x93,
		.tr_attrib = 0x8b,
		.rdx = 0x600,
		.rdx_v1 = 0x600,
		.g_pat = 0x00070106,
		.sec_mem_page = SNPM_PAGE_UNMEASURED,
	},
	{
		.vmm = SNPM_VMM_KRUN,
		.latest_version = 1,
		.cs_attrib_reset = 0x9a,
		.cs_attrib = 0x9a,
		.ss_attrib = 0x92,
		.data_attrib = 0x93,
		.tr_attrib = 0x83,
		.rdx = 0,
		.rdx_v1 = 0,
		.g_pat = DEFAULT_G_PAT,
		.sec_mem_page = SNPM_PAGE_ZERO,
		.bsp_rsp = 0x8ff0,
		.bsp_rbp = 0x8ff0,
		.bsp_rsi = 0x7000,
	},
};

const struct snpm_vmm_profile *snpm_vmm_profile(enum snpm_vmm vmm)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (profiles[i].vmm == vmm)
			return &profiles[i];
	return NULL;
}

/* The spellings the reference accepts on its command line, and krun. */
static const struct snpm_name vmm_names[] = {
	{ "QEMU", SNPM_VMM_QEMU, 0 },
	{ "ec2", SNPM_VMM_EC2, 0 },
	{ "gce", SNPM_VMM_GCE, 0 },
	{ "krun", SNPM_VMM_KRUN, 0 },
	{ NULL, 0, 0 },
};
_Static_assert(sizeof(vmm_names) / sizeof(vmm_names[0]) - 1 ==
		       sizeof(profiles) / sizeof(profiles[0]),
	       "one name per VMM profile");

const struct snpm_name *snpm_vmm_names(void)
{
	return vmm_names;
}

const char *snpm_vmm_name(enum snpm_vmm vmm)
{
	const char *name = snpm_name_of(vmm_names, (uint64_t)vmm);

	return name ? name : "unknown";
}

int snpm_vmm_parse(const char *name, enum snpm_vmm *ret_vmm)
{
	uint64_t v;

	if (snpm_name_parse(vmm_names, name, &v) < 0)
		return SNPM_EINVAL;
	*ret_vmm = (enum snpm_vmm)v;
	return 0;
}

uint32_t snpm_cpu_sig(uint32_t family, uint32_t model, uint32_t stepping)
{
	uint32_t family_low = family > 0xf ? 0xf : family;
	uint32_t family_high = family > 0xf ? (family - 0xf) & 0xff : 0;

	return family_high << 20 | ((model >> 4) & 0xf) << 16 | family_low << 8 |
	       (model & 0xf) << 4 | (stepping & 0xf);
}

/* CPUID Fn0000_0001_EAX as a constant expression (snpm_cpu_sig for tables). */
#define CPU_SIG(family, model, stepping)                                                         \
	((((family) > 0xf ? ((family)-0xf) & 0xff : 0) << 20) | ((((model) >> 4) & 0xf) << 16) | \
	 (((family) > 0xf ? 0xf : (family)) << 8) | (((model)&0xf) << 4) | ((stepping)&0xf))

/* The CPU models of QEMU's builtin_x86_defs that the reference knows, with their signatures. */
static const struct snpm_name cpu_types[] = {
	{ "EPYC", CPU_SIG(23, 1, 2), 0 },
	{ "EPYC-v1", CPU_SIG(23, 1, 2), 0 },
	{ "EPYC-v2", CPU_SIG(23, 1, 2), 0 },
	{ "EPYC-IBPB", CPU_SIG(23, 1, 2), 0 },
	{ "EPYC-v3", CPU_SIG(23, 1, 2), 0 },
	{ "EPYC-v4", CPU_SIG(23, 1, 2), 0 },
	{ "EPYC-Rome", CPU_SIG(23, 49, 0), 0 },
	{ "EPYC-Rome-v1", CPU_SIG(23, 49, 0), 0 },
	{ "EPYC-Rome-v2", CPU_SIG(23, 49, 0), 0 },
	{ "EPYC-Rome-v3", CPU_SIG(23, 49, 0), 0 },
	{ "EPYC-Milan", CPU_SIG(25, 1, 1), 0 },
	{ "EPYC-Milan-v1", CPU_SIG(25, 1, 1), 0 },
	{ "EPYC-Milan-v2", CPU_SIG(25, 1, 1), 0 },
	{ "EPYC-Genoa", CPU_SIG(25, 17, 0), 0 },
	{ "EPYC-Genoa-v1", CPU_SIG(25, 17, 0), 0 },
	{ "EPYC-Turin", CPU_SIG(26, 0, 0), 0 },
	{ NULL, 0, 0 },
};

const struct snpm_name *snpm_cpu_type_names(void)
{
	return cpu_types;
}

int snpm_cpu_type_sig(const char *name, uint32_t *ret_sig)
{
	uint64_t v;

	if (snpm_name_parse(cpu_types, name, &v) < 0)
		return SNPM_EINVAL;
	*ret_sig = (uint32_t)v;
	return 0;
}

const char *snpm_cpu_type_name(size_t i)
{
	return i < sizeof(cpu_types) / sizeof(cpu_types[0]) - 1 ? cpu_types[i].name : NULL;
}

/*
 * SEV_FEATURES, the VMSA field the guest reads back as SEV_STATUS: VMSA bit n is SEV_STATUS bit
 * n + 2 (AMD APM vol. 2, "SEV_FEATURES" in the VMSA layout and the SEV_STATUS MSR; Linux
 * arch/x86/include/asm/msr-index.h MSR_AMD64_SNP_*_BIT and sev_status_feat_names[]). Names are
 * the APM's, as the reference's README lists them, plus SecureAVIC (SEV_STATUS 18; QEMU
 * `secure-avic=on`, KVM `secure_avic`) and IBPBOnEntry (SEV_STATUS 23). The one table of names:
 * a bit with no name here is measured as given, and the tools say so.
 */
#define N_FEATURE_NAMES 22
static const char *const feature_names[N_FEATURE_NAMES] = {
	[0] = "SNPActive",
	[1] = "vTOM",
	[2] = "ReflectVC",
	[3] = "RestrictedInjection",
	[4] = "AlternateInjection",
	[5] = "DebugSwap",
	[6] = "PreventHostIBS",
	[7] = "BTBIsolation",
	[8] = "VmplSSS",
	[9] = "SecureTSC",
	[10] = "VmgexitParameter",
	[12] = "IbsVirtualization",
	[14] = "VmsaRegProt",
	[15] = "SmtProtection",
	[16] = "SecureAVIC",
	[21] = "IBPBOnEntry",
};

_Static_assert(SNPM_GUEST_FEATURES_NAMED ==
		       ((1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) |
			(1u << 6) | (1u << 7) | (1u << 8) | (1u << 9) | (1u << 10) | (1u << 12) |
			(1u << 14) | (1u << 15) | (1u << 16) | (1u << 21)),
	       "SNPM_GUEST_FEATURES_NAMED matches the table of names");

const char *snpm_guest_feature_name(unsigned bit)
{
	return bit < N_FEATURE_NAMES ? feature_names[bit] : NULL;
}

static int feature_bit(const char *name, size_t len)
{
	for (unsigned bit = 0; bit < N_FEATURE_NAMES; bit++)
		if (feature_names[bit] && strlen(feature_names[bit]) == len &&
		    strncasecmp(feature_names[bit], name, len) == 0)
			return (int)bit;
	return -1;
}

size_t snpm_guest_features_format(uint64_t features, char *buf, size_t size)
{
	size_t n = 0;
	int w;

	if (size)
		buf[0] = '\0';
	for (unsigned bit = 0; bit < 64; bit++) {
		if (!(features & (1ull << bit)))
			continue;
		if (snpm_guest_feature_name(bit))
			w = snprintf(buf + (n < size ? n : size), n < size ? size - n : 0, "%s%s",
				     n ? "," : "", snpm_guest_feature_name(bit));
		else
			w = snprintf(buf + (n < size ? n : size), n < size ? size - n : 0,
				     "%sbit%u", n ? "," : "", bit);
		n += (size_t)w;
	}
	return n;
}

int snpm_guest_features_parse(const char *text, uint64_t *ret_features, struct snpm_error *reterr)
{
	uint64_t v = 0;

	if (!text || !*text)
		return snpm_fail(reterr, SNPM_EINVAL, "empty guest features");
	if (isdigit((unsigned char)text[0])) {
		if (!snpm_parse_number(text, UINT64_MAX, &v))
			return snpm_fail(reterr, SNPM_EINVAL, "guest features '%s' is not a number",
					 text);
	} else {
		for (const char *p = text; *p;) {
			size_t len = strcspn(p, ",+|");
			int bit = feature_bit(p, len);
			if (bit < 0)
				return snpm_fail(reterr, SNPM_EINVAL,
						 "unknown guest feature '%.*s'", (int)len, p);
			v |= 1ull << bit;
			p += len;
			if (*p)
				p++;
		}
	}
	*ret_features = v;
	return 0;
}

/* Mode names as the reference accepts them (it matches the SVSM mode whatever the case). */
static const struct snpm_name mode_names[] = {
	{ "sev", SNPM_MODE_SEV, 0 },
	{ "seves", SNPM_MODE_SEV_ES, 0 },
	{ "snp", SNPM_MODE_SNP, 0 },
	{ "snp:svsm", SNPM_MODE_SNP_SVSM, SNPM_NAME_ANY_CASE },
	{ "SEV", SNPM_MODE_SEV, SNPM_NAME_ALIAS },
	{ "sev-es", SNPM_MODE_SEV_ES, SNPM_NAME_ALIAS },
	{ "SEVES", SNPM_MODE_SEV_ES, SNPM_NAME_ALIAS },
	{ "SEV-ES", SNPM_MODE_SEV_ES, SNPM_NAME_ALIAS },
	{ "sev-snp", SNPM_MODE_SNP, SNPM_NAME_ALIAS },
	{ "SNP", SNPM_MODE_SNP, SNPM_NAME_ALIAS },
	{ "SEV-SNP", SNPM_MODE_SNP, SNPM_NAME_ALIAS },
	{ "sev-snp:svsm", SNPM_MODE_SNP_SVSM, SNPM_NAME_ALIAS | SNPM_NAME_ANY_CASE },
	{ NULL, 0, 0 },
};

const struct snpm_name *snpm_mode_names(void)
{
	return mode_names;
}

int snpm_mode_parse(const char *name, enum snpm_mode *ret_mode)
{
	uint64_t v;

	if (snpm_name_parse(mode_names, name, &v) < 0)
		return SNPM_EINVAL;
	*ret_mode = (enum snpm_mode)v;
	return 0;
}

const char *snpm_mode_name(enum snpm_mode mode)
{
	const char *name = snpm_name_of(mode_names, (uint64_t)mode);

	return name ? name : "unknown";
}

static const struct snpm_name vmsa_fpu_names[] = {
	{ "default", SNPM_VMSA_FPU_DEFAULT, 0 },
	{ "legacy-kvm", SNPM_VMSA_FPU_LEGACY_KVM, 0 },
	{ NULL, 0, 0 },
};

const struct snpm_name *snpm_vmsa_fpu_names(void)
{
	return vmsa_fpu_names;
}

static const struct snpm_name vmsa_gpa_names[] = {
	{ "default", SNPM_VMSA_GPA_DEFAULT, 0 },
	{ "52bit", SNPM_VMSA_GPA_52BIT, 0 },
	{ NULL, 0, 0 },
};

const struct snpm_name *snpm_vmsa_gpa_names(void)
{
	return vmsa_gpa_names;
}

static const struct snpm_name igvm_semantics_names[] = {
	{ "qemu", SNPM_IGVM_QEMU, 0 },
	{ "igvmmeasure", SNPM_IGVM_IGVMMEASURE, 0 },
	{ "igvm-crate", SNPM_IGVM_CRATE, 0 },
	{ "cloud-hypervisor", SNPM_IGVM_CLOUD_HYPERVISOR, 0 },
	{ "openvmm-kvm", SNPM_IGVM_OPENVMM_KVM, 0 },
	{ "cloud-hypervisor-mshv", SNPM_IGVM_CLOUD_HYPERVISOR_MSHV, 0 },
	{ NULL, 0, 0 },
};

const struct snpm_name *snpm_igvm_semantics_names(void)
{
	return igvm_semantics_names;
}
