/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ATTESTATION_REPORT parsing (AMD SEV-SNP ABI specification, publication 56860, table
 * "ATTESTATION_REPORT Structure"). Offsets are written out once, in the table below.
 */
#include <string.h>

#include <snpm/report.h>

#include "../core/crypto.h"

enum {
	R_VERSION = 0x000,
	R_GUEST_SVN = 0x004,
	R_POLICY = 0x008,
	R_FAMILY_ID = 0x010,
	R_IMAGE_ID = 0x020,
	R_VMPL = 0x030,
	R_SIGNATURE_ALGO = 0x034,
	R_CURRENT_TCB = 0x038,
	R_PLATFORM_INFO = 0x040,
	R_KEY_INFO = 0x048,
	R_REPORT_DATA = 0x050,
	R_MEASUREMENT = 0x090,
	R_HOST_DATA = 0x0c0,
	R_ID_KEY_DIGEST = 0x0e0,
	R_AUTHOR_KEY_DIGEST = 0x110,
	R_REPORT_ID = 0x140,
	R_REPORT_ID_MA = 0x160,
	R_REPORTED_TCB = 0x180,
	R_CPUID_FAM_ID = 0x188, /* v3+ */
	R_CPUID_MOD_ID = 0x189,
	R_CPUID_STEP = 0x18a,
	R_CHIP_ID = 0x1a0,
	R_COMMITTED_TCB = 0x1e0,
	R_CURRENT_BUILD = 0x1e8,
	R_CURRENT_MINOR = 0x1e9,
	R_CURRENT_MAJOR = 0x1ea,
	R_COMMITTED_BUILD = 0x1ec,
	R_COMMITTED_MINOR = 0x1ed,
	R_COMMITTED_MAJOR = 0x1ee,
	R_LAUNCH_TCB = 0x1f0,
	R_LAUNCH_MIT_VECTOR = 0x1f8, /* v5+ */
	R_CURRENT_MIT_VECTOR = 0x200,
	R_SIGNATURE_R = 0x2a0,
	R_SIGNATURE_S = 0x2e8,
	R_END = 0x4a0,
};
_Static_assert(R_END == SNPM_REPORT_SIZE, "a report is 1184 bytes");
_Static_assert(R_SIGNATURE_R == SNPM_REPORT_SIGNED_SIZE, "the signature follows the signed bytes");

int snpm_report_parse(const uint8_t *d, size_t len, struct snpm_report *ret,
		      struct snpm_error *reterr)
{
	struct snpm_report r;

	if (!d || len != SNPM_REPORT_SIZE)
		return snpm_fail(reterr, SNPM_EMALFORMED, "a report is %u bytes, this is %zu",
				 SNPM_REPORT_SIZE, len);
	memset(&r, 0, sizeof(r));
	r.version = snpm_le32(d + R_VERSION);
	if (r.version != 2 && r.version != 3 && r.version != 5)
		return snpm_fail_at(reterr, SNPM_EUNSUPPORTED, R_VERSION,
				    "report version %u is not supported (2, 3 or 5)", r.version);
	r.guest_svn = snpm_le32(d + R_GUEST_SVN);
	r.policy = snpm_le64(d + R_POLICY);
	memcpy(r.family_id, d + R_FAMILY_ID, sizeof(r.family_id));
	memcpy(r.image_id, d + R_IMAGE_ID, sizeof(r.image_id));
	r.vmpl = snpm_le32(d + R_VMPL);
	r.signature_algo = snpm_le32(d + R_SIGNATURE_ALGO);
	r.current_tcb = snpm_le64(d + R_CURRENT_TCB);
	r.platform_info = snpm_le64(d + R_PLATFORM_INFO);
	r.key_info = snpm_le32(d + R_KEY_INFO);
	memcpy(r.report_data, d + R_REPORT_DATA, sizeof(r.report_data));
	memcpy(r.measurement, d + R_MEASUREMENT, sizeof(r.measurement));
	memcpy(r.host_data, d + R_HOST_DATA, sizeof(r.host_data));
	memcpy(r.id_key_digest, d + R_ID_KEY_DIGEST, sizeof(r.id_key_digest));
	memcpy(r.author_key_digest, d + R_AUTHOR_KEY_DIGEST, sizeof(r.author_key_digest));
	memcpy(r.report_id, d + R_REPORT_ID, sizeof(r.report_id));
	memcpy(r.report_id_ma, d + R_REPORT_ID_MA, sizeof(r.report_id_ma));
	r.reported_tcb = snpm_le64(d + R_REPORTED_TCB);
	if (r.version >= 3) {
		r.has_cpuid = true;
		r.cpuid_fam_id = d[R_CPUID_FAM_ID];
		r.cpuid_mod_id = d[R_CPUID_MOD_ID];
		r.cpuid_step = d[R_CPUID_STEP];
	}
	memcpy(r.chip_id, d + R_CHIP_ID, sizeof(r.chip_id));
	r.committed_tcb = snpm_le64(d + R_COMMITTED_TCB);
	r.current_build = d[R_CURRENT_BUILD];
	r.current_minor = d[R_CURRENT_MINOR];
	r.current_major = d[R_CURRENT_MAJOR];
	r.committed_build = d[R_COMMITTED_BUILD];
	r.committed_minor = d[R_COMMITTED_MINOR];
	r.committed_major = d[R_COMMITTED_MAJOR];
	r.launch_tcb = snpm_le64(d + R_LAUNCH_TCB);
	if (r.version >= 5) {
		r.has_mit_vectors = true;
		r.launch_mit_vector = snpm_le64(d + R_LAUNCH_MIT_VECTOR);
		r.current_mit_vector = snpm_le64(d + R_CURRENT_MIT_VECTOR);
	}
	memcpy(r.signature_r, d + R_SIGNATURE_R, sizeof(r.signature_r));
	memcpy(r.signature_s, d + R_SIGNATURE_S, sizeof(r.signature_s));
	*ret = r;
	return 0;
}

/* ---- reserved fields ---- */

/* Bytes the ABI reserves (must be zero), from the report version that reserves them to the one
 * that gives them a meaning (0: every version since). */
static const struct {
	uint16_t start, end; /* [start, end) */
	uint32_t from_version, until_version;
	const char *what;
} reserved_bytes[] = {
	{ 0x04c, 0x050, 0, 0, "reserved bytes 0x04C-0x04F" },
	{ 0x188, 0x18b, 0, 3, "the CPUID bytes 0x188-0x18A, reserved before version 3" },
	{ 0x18b, 0x1a0, 0, 0, "reserved bytes 0x18B-0x19F" },
	{ 0x1eb, 0x1ec, 0, 0, "reserved byte 0x1EB" },
	{ 0x1ef, 0x1f0, 0, 0, "reserved byte 0x1EF" },
	{ 0x1f8, 0x208, 0, 5, "the mitigation vectors 0x1F8-0x207, reserved before version 5" },
	{ 0x208, 0x2a0, 0, 0, "reserved bytes 0x208-0x29F" },
	{ R_SIGNATURE_R + 48, R_SIGNATURE_S, 0, 0, "the signature's R past 48 bytes" },
	{ R_SIGNATURE_S + 48, R_SIGNATURE_S + 72, 0, 0, "the signature's S past 48 bytes" },
	{ R_SIGNATURE_S + 72, R_END, 0, 0, "the signature's reserved bytes 0x330-0x49F" },
};

#define POLICY_MBO (1ull << 17)
#define POLICY_MBZ (~0ull << 26)
#define KEY_INFO_MBZ (~0u << 5)

int snpm_report_check_reserved(const uint8_t report_bytes[SNPM_REPORT_SIZE],
			       struct snpm_error *reterr)
{
	const uint8_t *d = report_bytes;
	uint32_t version = snpm_le32(d + R_VERSION);
	uint64_t policy = snpm_le64(d + R_POLICY);

	if (!(policy & POLICY_MBO))
		return snpm_fail_at(reterr, SNPM_EMALFORMED, R_POLICY,
				    "malformed report: guest policy 0x%llx has bit 17 clear (the "
				    "ABI reserves it as one)",
				    (unsigned long long)policy);
	if (policy & POLICY_MBZ)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, R_POLICY,
				    "malformed report: guest policy 0x%llx sets reserved bits "
				    "0x%llx (26-63 must be zero)",
				    (unsigned long long)policy,
				    (unsigned long long)(policy & POLICY_MBZ));
	if (snpm_le32(d + R_KEY_INFO) & KEY_INFO_MBZ)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, R_KEY_INFO,
				    "malformed report: key info 0x%x sets reserved bits 5-31",
				    snpm_le32(d + R_KEY_INFO));
	for (size_t i = 0; i < sizeof(reserved_bytes) / sizeof(reserved_bytes[0]); i++) {
		if (version < reserved_bytes[i].from_version ||
		    (reserved_bytes[i].until_version && version >= reserved_bytes[i].until_version))
			continue;
		for (unsigned off = reserved_bytes[i].start; off < reserved_bytes[i].end; off++)
			if (d[off])
				return snpm_fail_at(reterr, SNPM_EMALFORMED, off,
						    "malformed report: %s are not zero (byte "
						    "0x%03X is 0x%02x)",
						    reserved_bytes[i].what, off, d[off]);
	}
	return 0;
}

enum snpm_cpu_family snpm_report_family(const struct snpm_report *r)
{
	/* As virtee/sev identifies them (Generation::identify_cpu, with AMD's Venice list of
	 * commit 6afb12c): family 19h models 00h-0Fh Milan, 10h-1Fh and A0h-AFh Genoa; family
	 * 1Ah models 00h-11h Turin, 50h-57h, 90h-AFh and C0h-C7h Venice. */
	static const struct {
		uint8_t family, first, last;
		enum snpm_cpu_family is;
	} models[] = {
		{ 0x19, 0x00, 0x0f, SNPM_FAMILY_MILAN },  { 0x19, 0x10, 0x1f, SNPM_FAMILY_GENOA },
		{ 0x19, 0xa0, 0xaf, SNPM_FAMILY_GENOA },  { 0x1a, 0x00, 0x11, SNPM_FAMILY_TURIN },
		{ 0x1a, 0x50, 0x57, SNPM_FAMILY_VENICE }, { 0x1a, 0x90, 0xaf, SNPM_FAMILY_VENICE },
		{ 0x1a, 0xc0, 0xc7, SNPM_FAMILY_VENICE },
	};

	if (!r->has_cpuid)
		return SNPM_FAMILY_UNKNOWN;
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (r->cpuid_fam_id == models[i].family && r->cpuid_mod_id >= models[i].first &&
		    r->cpuid_mod_id <= models[i].last)
			return models[i].is;
	return SNPM_FAMILY_UNKNOWN;
}

enum snpm_signing_key snpm_report_signing_key(const struct snpm_report *r)
{
	return (enum snpm_signing_key)((r->key_info >> 2) & 0x7);
}

/* The families by the product names AMD's KDS uses (any case on input: "milan" too). */
static const struct snpm_name family_names[] = {
	{ "Milan", SNPM_FAMILY_MILAN, SNPM_NAME_ANY_CASE },
	{ "Genoa", SNPM_FAMILY_GENOA, SNPM_NAME_ANY_CASE },
	{ "Turin", SNPM_FAMILY_TURIN, SNPM_NAME_ANY_CASE },
	{ "Venice", SNPM_FAMILY_VENICE, SNPM_NAME_ANY_CASE },
	{ NULL, 0, 0 },
};

const struct snpm_name *snpm_cpu_family_names(void)
{
	return family_names;
}

const char *snpm_cpu_family_name(enum snpm_cpu_family family)
{
	const char *name = snpm_name_of(family_names, (uint64_t)family);

	return name ? name : "unknown";
}

bool snpm_family_has_fmc(enum snpm_cpu_family family)
{
	return family == SNPM_FAMILY_TURIN || family == SNPM_FAMILY_VENICE;
}

void snpm_tcb_split(uint64_t tcb, enum snpm_cpu_family family, struct snpm_tcb *ret)
{
	uint8_t b[8];

	snpm_put_le64(b, tcb);
	memset(ret, 0, sizeof(*ret));
	ret->microcode = b[7];
	if (snpm_family_has_fmc(family)) {
		ret->has_fmc = true;
		ret->fmc = b[0];
		ret->bootloader = b[1];
		ret->tee = b[2];
		ret->snp = b[3];
	} else {
		ret->bootloader = b[0];
		ret->tee = b[1];
		ret->snp = b[6];
	}
}

/* Guest policy (ABI spec, "Guest Policy Structure"). */
const char *snpm_policy_bit_name(unsigned bit)
{
	static const char *const names[] = {
		[16] = "SMT",
		[17] = "RESERVED_MBO",
		[18] = "MIGRATE_MA",
		[19] = "DEBUG",
		[20] = "SINGLE_SOCKET",
		[21] = "CXL_ALLOW",
		[22] = "MEM_AES_256_XTS",
		[23] = "RAPL_DIS",
		[24] = "CIPHERTEXT_HIDING",
		[25] = "PAGE_SWAP_DISABLE",
	};

	return bit < sizeof(names) / sizeof(names[0]) ? names[bit] : NULL;
}

/* Platform info (ABI spec, "PLATFORM_INFO Field"). */
const char *snpm_platform_info_bit_name(unsigned bit)
{
	static const char *const names[] = {
		"SMT_EN",
		"TSME_EN",
		"ECC_EN",
		"RAPL_DIS",
		"CIPHERTEXT_HIDING_EN",
		"ALIAS_CHECK_COMPLETE",
	};

	return bit < sizeof(names) / sizeof(names[0]) ? names[bit] : NULL;
}
