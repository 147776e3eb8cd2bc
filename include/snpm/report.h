/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attestation reports (AMD SEV-SNP ABI specification, publication 56860, ATTESTATION_REPORT):
 * parsing, signature and certificate-chain verification, and ID blocks for QEMU's id-block= and
 * id-auth=.
 */
#ifndef SNPM_REPORT_H
#define SNPM_REPORT_H

#include <snpm/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SNPM_REPORT_SIZE 1184u
#define SNPM_REPORT_SIGNED_SIZE 0x2a0u /* the signature covers bytes 0x000-0x29f */
#define SNPM_REPORT_DATA_SIZE 64u /* REPORT_DATA, at 0x50 */
#define SNPM_ECDSA_COORD_SIZE 72u /* r, s, qx, qy: little-endian, zero-padded to 72 bytes */

enum snpm_cpu_family {
	SNPM_FAMILY_UNKNOWN = 0,
	SNPM_FAMILY_MILAN = 1,
	SNPM_FAMILY_GENOA = 2,
	SNPM_FAMILY_TURIN = 3,
	SNPM_FAMILY_VENICE = 4, /* Zen 6: the Turin TCB layout, with FMC */
};

/* "Milan", "Genoa", "Turin" or "unknown". */
SNPM_EXPORT const char *snpm_cpu_family_name(enum snpm_cpu_family family);
/* The families as AMD's KDS names its products: "Milan", "Genoa", "Turin", "Venice" (read in
 * any case). */
SNPM_EXPORT const struct snpm_name *snpm_cpu_family_names(void);

/* Which key signed the report (bits 4:2 of the key info word). */
enum snpm_signing_key {
	SNPM_SIGNING_KEY_VCEK = 0,
	SNPM_SIGNING_KEY_VLEK = 1,
	SNPM_SIGNING_KEY_NONE = 7,
};

/* Every field of a version 2, 3 or 5 report; fields a version lacks stay zero. */
struct snpm_report {
	uint32_t version; /* 0x000 */
	uint32_t guest_svn; /* 0x004 */
	uint64_t policy; /* 0x008 */
	uint8_t family_id[16]; /* 0x010 */
	uint8_t image_id[16]; /* 0x020 */
	uint32_t vmpl; /* 0x030 */
	uint32_t signature_algo; /* 0x034: 1 = ECDSA P-384 with SHA-384 */
	uint64_t current_tcb; /* 0x038 */
	uint64_t platform_info; /* 0x040 */
	uint32_t key_info; /* 0x048: author_key_en (0), mask_chip_key (1), signing_key (4:2) */
	uint8_t report_data[64]; /* 0x050 */
	uint8_t measurement[48]; /* 0x090 */
	uint8_t host_data[32]; /* 0x0c0 */
	uint8_t id_key_digest[48]; /* 0x0e0 */
	uint8_t author_key_digest[48]; /* 0x110 */
	uint8_t report_id[32]; /* 0x140 */
	uint8_t report_id_ma[32]; /* 0x160 */
	uint64_t reported_tcb; /* 0x180 */
	bool has_cpuid; /* version 3 and later */
	uint8_t cpuid_fam_id; /* 0x188 */
	uint8_t cpuid_mod_id; /* 0x189 */
	uint8_t cpuid_step; /* 0x18a */
	uint8_t chip_id[64]; /* 0x1a0 */
	uint64_t committed_tcb; /* 0x1e0 */
	uint8_t current_build, current_minor, current_major; /* 0x1e8 */
	uint8_t committed_build, committed_minor, committed_major; /* 0x1ec */
	uint64_t launch_tcb; /* 0x1f0 */
	bool has_mit_vectors; /* version 5 and later */
	uint64_t launch_mit_vector; /* 0x1f8 */
	uint64_t current_mit_vector; /* 0x200 */
	uint8_t signature_r[SNPM_ECDSA_COORD_SIZE]; /* 0x2a0 */
	uint8_t signature_s[SNPM_ECDSA_COORD_SIZE]; /* 0x2e8 */
};

/* How a report field is shown (report show, its JSON, the manual page). */
enum snpm_field_show {
	SNPM_SHOW_DECIMAL, /* a number */
	SNPM_SHOW_HEX, /* bytes as hex */
	SNPM_SHOW_HEX64, /* 0x... */
	SNPM_SHOW_POLICY, /* the guest policy: its ABI version and flags too */
	SNPM_SHOW_SIGNATURE_ALGO, /* the number and what it names */
	SNPM_SHOW_PLATFORM_INFO, /* 0x... and its flags */
	SNPM_SHOW_KEY_INFO, /* 0x... and its three parts */
	SNPM_SHOW_FAMILY, /* no bytes: the CPU family, from the CPUID fields */
	SNPM_SHOW_TCB, /* a TCB and its components in the family's layout */
	SNPM_SHOW_CPUID, /* CPUID family; with the next two rows, one line of text */
	SNPM_SHOW_FIRMWARE, /* a build number; with the next two rows (minor, major) a version */
	SNPM_SHOW_PART, /* a number shown with the row before in text, on its own in JSON */
};

/*
 * One field of the report: the one table that parses (snpm_report_parse), reserves (every byte
 * no field of the report's version covers must be zero: snpm_report_check_reserved) and shows
 * (report show, --json). A field a later report version adds is one row with its version.
 */
struct snpm_report_field {
	const char *name; /* in JSON and report show */
	const char *label; /* in report show's text, when not the name */
	uint16_t offset; /* in the 1184 bytes */
	uint16_t size; /* bytes: 1, 4 or 8 (a little-endian number) or more (bytes); 0 derived */
	uint16_t used; /* of those, the bytes that carry the value (the rest are zero) */
	uint8_t since; /* the first report version that has it */
	enum snpm_field_show show;
	size_t member; /* offsetof(struct snpm_report, ...) */
};

/* The report's fields in the order they are shown; *ret_n rows. */
SNPM_EXPORT const struct snpm_report_field *snpm_report_fields(size_t *ret_n);

/*
 * Parses a 1184-byte report. Refuses other sizes and versions other than 2, 3 and 5.
 * Returns 0, SNPM_EMALFORMED or SNPM_EUNSUPPORTED.
 */
SNPM_EXPORT int snpm_report_parse(const uint8_t *data, size_t len, struct snpm_report *ret,
				  struct snpm_error *reterr);

/* The CPU family from the report's CPUID fields (v3+), or SNPM_FAMILY_UNKNOWN. */
SNPM_EXPORT enum snpm_cpu_family snpm_report_family(const struct snpm_report *report);

/* The signing key field. */
SNPM_EXPORT enum snpm_signing_key snpm_report_signing_key(const struct snpm_report *report);

/* A TCB version split into its security patch levels, as the family lays them out. */
struct snpm_tcb {
	bool has_fmc; /* Turin and Venice */
	uint8_t fmc;
	uint8_t bootloader;
	uint8_t tee;
	uint8_t snp;
	uint8_t microcode;
};

/* Milan and Genoa: bootloader (byte 0), TEE (1), SNP (6), microcode (7). Turin and Venice: FMC
 * (0), bootloader (1), TEE (2), SNP (3), microcode (7). An unknown family uses the Milan layout. */
SNPM_EXPORT void snpm_tcb_split(uint64_t tcb, enum snpm_cpu_family family, struct snpm_tcb *ret);
/* Whether the family's TCB has an FMC component (Turin, Venice). */
SNPM_EXPORT bool snpm_family_has_fmc(enum snpm_cpu_family family);

/*
 * The fields the ABI reserves hold what it says they must (SEV-SNP ABI, "ATTESTATION_REPORT
 * Structure" and "Guest Policy Structure"): guest policy bit 17 one, bits 26-63 zero, every
 * reserved byte zero (key info bits 5-31, 0x04C-0x04F, 0x18B-0x19F (0x188- before version 3),
 * 0x1EB, 0x1EF, 0x208-0x29F (0x1F8- before version 5), and the signature's padding: r and s
 * past 48 bytes, 0x330-0x49F). Returns 0, or SNPM_EMALFORMED naming the first that does not
 * (with its offset).
 */
SNPM_EXPORT int snpm_report_check_reserved(const uint8_t report_bytes[SNPM_REPORT_SIZE],
					   struct snpm_error *reterr);

/* Names of guest policy and platform info bits, or NULL for reserved bits. */
SNPM_EXPORT const char *snpm_policy_bit_name(unsigned bit);
SNPM_EXPORT const char *snpm_platform_info_bit_name(unsigned bit);

/* ---- verification ---- */

/* Certificates as PEM or DER bytes (borrowed); any may be NULL. */
struct snpm_cert_input {
	uint32_t size; /* sizeof(struct snpm_cert_input): SNPM_INIT() sets it */
	const uint8_t *vcek; /* VCEK or VLEK */
	size_t vcek_len;
	const uint8_t *ask; /* ASK or ASVK */
	size_t ask_len;
	const uint8_t *ark;
	size_t ark_len;
	const uint8_t *chain; /* PEM: ASK (or ASVK) then ARK, as AMD's KDS serves cert_chain */
	size_t chain_len;
};

struct snpm_verify_result {
	enum snpm_cpu_family family;
	bool vlek; /* signed by a VLEK */
	bool builtin_chain; /* ASK and ARK came from the roots shipped with the library */
	bool hwid_checked; /* false when the report's chip ID is masked (zero) or the key a VLEK */
	char product[32]; /* the certificate's product name, e.g. "Milan-B0" */
	struct snpm_tcb cert_tcb;
};

/* ---- a report as users hold one ---- */

/* A report read from what a user has, and the certificates that came with it. */
struct snpm_report_input {
	uint8_t report[SNPM_REPORT_SIZE];
	const char *form; /* "binary", "hex", "base64", "dstack attestation", "dstack JSON" */
	bool has_certs; /* dstack's attestation carried the VCEK (and ASK): certs holds them */
	struct snpm_cert_input certs; /* pointers into blob */
	uint8_t *blob; /* owned (snpm_report_input_free) */
};

/*
 * Reads a report from the bytes of a file: the 1184 bytes; their hex or base64 (whitespace
 * allowed); dstack's attestation blob (SCALE VersionedAttestation V0, as a dstack guest sends
 * it, or its hex); or dstack's verifier request JSON ({"attestation": HEX, ...}). Nothing else is
 * guessed: anything that is not exactly one of these is refused (SNPM_EMALFORMED).
 */
SNPM_EXPORT int snpm_report_read(const uint8_t *data, size_t len, struct snpm_report_input *ret,
				 struct snpm_error *reterr);
SNPM_EXPORT void snpm_report_input_free(struct snpm_report_input *input);

/*
 * Verifies a report: the ECDSA P-384/SHA-384 signature over bytes 0x000-0x29f with the VCEK (or
 * VLEK); the chain VCEK <- ASK <- ARK (RSASSA-PSS, SHA-384), where the ARK must be one of AMD's
 * ARKs shipped with the library (for Milan, Genoa, Turin) and ASK/ARK default to those; the
 * certificate's TCB extensions equal the report's reported TCB, and its hardware ID equals the
 * chip ID; the reserved fields hold what the ABI says (snpm_report_check_reserved); and every
 * certificate of the chain is valid now. report_bytes: the 1184 bytes report was parsed from.
 * Returns 0 when all hold; SNPM_EVERIFY with reterr naming what did not hold; other codes for
 * unusable input. ret (optional) is filled on success.
 */
SNPM_EXPORT int snpm_report_verify(const uint8_t report_bytes[SNPM_REPORT_SIZE],
				   const struct snpm_cert_input *certs,
				   struct snpm_verify_result *ret, struct snpm_error *reterr);

/*
 * snpm_report_verify(), with the certificates' validity judged at now (seconds since the epoch;
 * 0: the current time), and, when trust_root is not NULL, a root of the caller's own trusted
 * INSTEAD of AMD's ARKs: a lab's or a conformance suite's ARK (PEM or DER, self-signed), whose
 * ASK must then be in certs. Never for production: a report it verifies says nothing about AMD
 * hardware. snpm_report_verify() is this with now 0 and no trust root.
 */
SNPM_EXPORT int snpm_report_verify_at(const uint8_t report_bytes[SNPM_REPORT_SIZE],
				      const struct snpm_cert_input *certs, int64_t now,
				      const uint8_t *trust_root, size_t trust_root_len,
				      struct snpm_verify_result *ret, struct snpm_error *reterr);

/* The SHA-256 of a certificate's DER encoding (given PEM or DER): how a trust root is named. */
SNPM_EXPORT int snpm_cert_fingerprint(const uint8_t *cert, size_t len,
				      uint8_t ret[SNPM_SHA256_SIZE], struct snpm_error *reterr);

/* ---- ID blocks ---- */

#define SNPM_ID_BLOCK_SIZE 96u
#define SNPM_ID_AUTH_SIZE 4096u
#define SNPM_EC_PUBKEY_SIZE 1028u

struct snpm_id_block_params {
	uint32_t size; /* sizeof(struct snpm_id_block_params): SNPM_INIT() sets it */
	uint8_t measurement[SNPM_LD_SIZE];
	uint8_t family_id[16];
	uint8_t image_id[16];
	uint32_t guest_svn;
	uint64_t policy; /* the reference's default: 0x30000 */
};

/*
 * Builds the 96-byte ID block and the 4096-byte ID authentication structure, signed with the ID
 * and author keys (PEM, P-384 private keys; borrowed, never kept). Key digests: the SHA-384 of
 * each 1028-byte public key structure, as a report's ID_KEY_DIGEST and AUTHOR_KEY_DIGEST carry.
 * Returns 0, SNPM_EUNSUPPORTED for keys that are not P-384, SNPM_EINVAL for unreadable keys.
 */
SNPM_EXPORT int
snpm_id_block_create(const struct snpm_id_block_params *params, const char *id_key_pem,
		     size_t id_key_len, const char *author_key_pem, size_t author_key_len,
		     uint8_t ret_block[SNPM_ID_BLOCK_SIZE], uint8_t ret_auth[SNPM_ID_AUTH_SIZE],
		     uint8_t ret_id_key_digest[SNPM_SHA384_SIZE],
		     uint8_t ret_author_key_digest[SNPM_SHA384_SIZE], struct snpm_error *reterr);

/*
 * Checks that pem is an unencrypted P-384 private key, as snpm_id_block_create() needs, so a
 * caller can say which of its key files is unusable. Returns 0, SNPM_EINVAL or SNPM_EUNSUPPORTED.
 */
SNPM_EXPORT int snpm_private_key_check(const char *pem, size_t len, struct snpm_error *reterr);

/* Verifies both signatures inside an ID authentication structure against its ID block. */
SNPM_EXPORT int snpm_id_auth_verify(const uint8_t block[SNPM_ID_BLOCK_SIZE],
				    const uint8_t auth[SNPM_ID_AUTH_SIZE],
				    struct snpm_error *reterr);

/* The SHA-384 digest a report carries for a P-384 key given as PEM (public or private). */
SNPM_EXPORT int snpm_key_digest(const char *pem, size_t len, uint8_t ret[SNPM_SHA384_SIZE],
				struct snpm_error *reterr);

#ifdef __cplusplus
}
#endif

#endif /* SNPM_REPORT_H */
