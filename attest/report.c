/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ATTESTATION_REPORT parsing (AMD SEV-SNP ABI specification, publication 56860, table
 * "ATTESTATION_REPORT Structure"). Offsets are written out once, in the table below.
 */
#include <string.h>

#include <snpm/report.h>

#include "../core/crypto.h"

#include <stddef.h>

#define F(member) offsetof(struct snpm_report, member)

/* The fields, in the order report show lists them (ABI table "ATTESTATION_REPORT Structure"). */
static const struct snpm_report_field fields[] = {
	{ "version", NULL, 0x000, 4, 4, 2, SNPM_SHOW_DECIMAL, F(version) },
	{ "guest_svn", NULL, 0x004, 4, 4, 2, SNPM_SHOW_DECIMAL, F(guest_svn) },
	{ "policy", NULL, 0x008, 8, 8, 2, SNPM_SHOW_POLICY, F(policy) },
	{ "family_id", NULL, 0x010, 16, 16, 2, SNPM_SHOW_HEX, F(family_id) },
	{ "image_id", NULL, 0x020, 16, 16, 2, SNPM_SHOW_HEX, F(image_id) },
	{ "vmpl", NULL, 0x030, 4, 4, 2, SNPM_SHOW_DECIMAL, F(vmpl) },
	{ "signature_algo", NULL, 0x034, 4, 4, 2, SNPM_SHOW_SIGNATURE_ALGO, F(signature_algo) },
	{ "platform_info", NULL, 0x040, 8, 8, 2, SNPM_SHOW_PLATFORM_INFO, F(platform_info) },
	{ "key_info", NULL, 0x048, 4, 4, 2, SNPM_SHOW_KEY_INFO, F(key_info) },
	{ "report_data", NULL, 0x050, 64, 64, 2, SNPM_SHOW_HEX, F(report_data) },
	{ "measurement", NULL, 0x090, 48, 48, 2, SNPM_SHOW_HEX, F(measurement) },
	{ "host_data", NULL, 0x0c0, 32, 32, 2, SNPM_SHOW_HEX, F(host_data) },
	{ "id_key_digest", NULL, 0x0e0, 48, 48, 2, SNPM_SHOW_HEX, F(id_key_digest) },
	{ "author_key_digest", NULL, 0x110, 48, 48, 2, SNPM_SHOW_HEX, F(author_key_digest) },
	{ "report_id", NULL, 0x140, 32, 32, 2, SNPM_SHOW_HEX, F(report_id) },
	{ "report_id_ma", NULL, 0x160, 32, 32, 2, SNPM_SHOW_HEX, F(report_id_ma) },
	{ "cpu_family", "cpu family", 0, 0, 0, 2, SNPM_SHOW_FAMILY, 0 },
	{ "current_tcb", NULL, 0x038, 8, 8, 2, SNPM_SHOW_TCB, F(current_tcb) },
	{ "reported_tcb", NULL, 0x180, 8, 8, 2, SNPM_SHOW_TCB, F(reported_tcb) },
	{ "committed_tcb", NULL, 0x1e0, 8, 8, 2, SNPM_SHOW_TCB, F(committed_tcb) },
	{ "launch_tcb", NULL, 0x1f0, 8, 8, 2, SNPM_SHOW_TCB, F(launch_tcb) },
	{ "cpuid_fam_id", "cpuid", 0x188, 1, 1, 3, SNPM_SHOW_CPUID, F(cpuid_fam_id) },
	{ "cpuid_mod_id", NULL, 0x189, 1, 1, 3, SNPM_SHOW_PART, F(cpuid_mod_id) },
	{ "cpuid_step", NULL, 0x18a, 1, 1, 3, SNPM_SHOW_PART, F(cpuid_step) },
	{ "chip_id", NULL, 0x1a0, 64, 64, 2, SNPM_SHOW_HEX, F(chip_id) },
	{ "current_build", "current firmware", 0x1e8, 1, 1, 2, SNPM_SHOW_FIRMWARE,
	  F(current_build) },
	{ "current_minor", NULL, 0x1e9, 1, 1, 2, SNPM_SHOW_PART, F(current_minor) },
	{ "current_major", NULL, 0x1ea, 1, 1, 2, SNPM_SHOW_PART, F(current_major) },
	{ "committed_build", "committed firmware", 0x1ec, 1, 1, 2, SNPM_SHOW_FIRMWARE,
	  F(committed_build) },
	{ "committed_minor", NULL, 0x1ed, 1, 1, 2, SNPM_SHOW_PART, F(committed_minor) },
	{ "committed_major", NULL, 0x1ee, 1, 1, 2, SNPM_SHOW_PART, F(committed_major) },
	{ "launch_mit_vector", NULL, 0x1f8, 8, 8, 5, SNPM_SHOW_HEX64, F(launch_mit_vector) },
	{ "current_mit_vector", NULL, 0x200, 8, 8, 5, SNPM_SHOW_HEX64, F(current_mit_vector) },
	{ "signature_r", NULL, SNPM_REPORT_SIGNED_SIZE, SNPM_ECDSA_COORD_SIZE, 48, 2, SNPM_SHOW_HEX,
	  F(signature_r) },
	{ "signature_s", NULL, SNPM_REPORT_SIGNED_SIZE + SNPM_ECDSA_COORD_SIZE,
	  SNPM_ECDSA_COORD_SIZE, 48, 2, SNPM_SHOW_HEX, F(signature_s) },
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* Where the checks that read single fields find them (held to the table by a test). */
enum { R_VERSION = 0x000, R_POLICY = 0x008, R_KEY_INFO = 0x048 };

const struct snpm_report_field *snpm_report_fields(size_t *ret_n)
{
	*ret_n = N_FIELDS;
	return fields;
}

static void read_field(const uint8_t *d, const struct snpm_report_field *f, struct snpm_report *r)
{
	uint8_t *to = (uint8_t *)r + f->member;

	switch (f->size) {
	case 0:
		break;
	case 1:
		*to = d[f->offset];
		break;
	case 4: {
		uint32_t v = snpm_le32(d + f->offset);
		memcpy(to, &v, sizeof(v));
		break;
	}
	case 8: {
		uint64_t v = snpm_le64(d + f->offset);
		memcpy(to, &v, sizeof(v));
		break;
	}
	default:
		memcpy(to, d + f->offset, f->size);
	}
}

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
	for (size_t i = 0; i < N_FIELDS; i++)
		if (fields[i].since <= r.version)
			read_field(d, &fields[i], &r);
	r.has_cpuid = r.version >= 3;
	r.has_mit_vectors = r.version >= 5;
	*ret = r;
	return 0;
}

/* ---- reserved fields ---- */

/*
 * The field of this report version that covers byte off, with *ret_pad set when off lies in its
 * zero padding; NULL for a reserved byte. *ret_later: a field of a later version covers it.
 */
static const struct snpm_report_field *field_at(unsigned off, uint32_t version, bool *ret_pad,
						const struct snpm_report_field **ret_later)
{
	*ret_later = NULL;
	for (size_t i = 0; i < N_FIELDS; i++) {
		const struct snpm_report_field *f = &fields[i];
		if (!f->size || off < f->offset || off >= (unsigned)f->offset + f->size)
			continue;
		if (f->since > version) {
			*ret_later = f;
			return NULL;
		}
		*ret_pad = off >= (unsigned)f->offset + f->used;
		return f;
	}
	return NULL;
}

/* A non-zero byte where the ABI has zeros: named by the reserved run it lies in. */
static int reserved_not_zero(const uint8_t *d, unsigned off, uint32_t version,
			     struct snpm_error *reterr)
{
	const struct snpm_report_field *later, *f;
	unsigned start = off, end = off + 1;
	bool pad = false;

	f = field_at(off, version, &pad, &later);
	if (later)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, off,
				    "malformed report: the %s bytes 0x%03X-0x%03X, reserved before "
				    "version %u, are not zero (byte 0x%03X is 0x%02x)",
				    later->name, later->offset, later->offset + later->size - 1,
				    later->since, off, d[off]);
	if (f)
		return snpm_fail_at(
			reterr, SNPM_EMALFORMED, off,
			"malformed report: %s past %u bytes is not zero (byte 0x%03X is "
			"0x%02x)",
			f->name, f->used, off, d[off]);
	while (start > 0 && !field_at(start - 1, version, &pad, &later) && !later)
		start--;
	while (end < SNPM_REPORT_SIZE && !field_at(end, version, &pad, &later) && !later)
		end++;
	if (end - start == 1)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, off,
				    "malformed report: reserved byte 0x%03X is not zero (0x%02x)",
				    off, d[off]);
	return snpm_fail_at(reterr, SNPM_EMALFORMED, off,
			    "malformed report: reserved bytes 0x%03X-0x%03X are not zero (byte "
			    "0x%03X is 0x%02x)",
			    start, end - 1, off, d[off]);
}

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
	/* Every byte no field of this version carries: between fields, a later version's field,
	 * a field's zero padding. One pass over the report and the table: O(size x fields). */
	for (unsigned off = 0; off < SNPM_REPORT_SIZE; off++) {
		const struct snpm_report_field *later;
		bool pad = false;
		if (d[off] && (!field_at(off, version, &pad, &later) || pad))
			return reserved_not_zero(d, off, version, reterr);
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
