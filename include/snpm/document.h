/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON documents: firmware metadata (what `snpmeasure ovmf --json` prints, accepted back so a
 * measurement needs no firmware binary) and measurement specs (our schema, or dstack-mr's
 * MeasurementInput). Text in, plain structs out; strings the structs hold are owned by them.
 */
#ifndef SNPM_DOCUMENT_H
#define SNPM_DOCUMENT_H

#include <snpm/common.h>
#include <snpm/measure.h>
#include <snpm/ovmf.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Digests that travel with firmware metadata. */
struct snpm_ovmf_digests {
	bool has_snp; /* the SNP digest of the firmware pages (snp:ovmf-hash) */
	uint8_t snp[SNPM_LD_SIZE];
	bool has_sha256; /* SHA-256 of the image (what SEV and SEV-ES hash first) */
	uint8_t sha256[SNPM_SHA256_SIZE];
};

/*
 * The firmware description as JSON: size, GPA range, footer-table entries (with their data when
 * image is given), SEV metadata sections, reset EIP, hashes table, SVSM entry, supported modes,
 * and the digests given. pretty: indented. *ret_json: free() it.
 */
SNPM_EXPORT int snpm_ovmf_to_json(const struct snpm_ovmf_info *info, const uint8_t *image,
				  const struct snpm_ovmf_digests *digests, bool pretty,
				  char **ret_json, struct snpm_error *reterr);

/*
 * Reads firmware metadata back from that JSON. Footer-table entries are not restored (their data
 * offsets refer to an image that is absent); everything measurement uses is.
 */
SNPM_EXPORT int snpm_ovmf_from_json(const char *json, struct snpm_ovmf_info *ret_info,
				    struct snpm_ovmf_digests *ret_digests,
				    struct snpm_error *reterr);

/* Which fields a spec gave (bits of struct snpm_spec.given). */
enum snpm_spec_field {
	SNPM_SPEC_MODE = 1u << 0,
	SNPM_SPEC_VMM = 1u << 1,
	SNPM_SPEC_VMM_VERSION = 1u << 2,
	SNPM_SPEC_VCPUS = 1u << 3,
	SNPM_SPEC_VCPU_SIG = 1u << 4,
	SNPM_SPEC_GUEST_FEATURES = 1u << 5,
	SNPM_SPEC_CMDLINE = 1u << 6,
	SNPM_SPEC_VMSA_GPA = 1u << 7,
	SNPM_SPEC_VMSA_FPU = 1u << 8,
	SNPM_SPEC_VARS_SIZE = 1u << 9,
};

/*
 * A measurement described as one document. Files are named by path (relative paths as written
 * in the document); digests stand in for files. Strings are owned by the spec.
 */
struct snpm_spec {
	unsigned given; /* enum snpm_spec_field bits */
	bool dstack; /* the document was a dstack-mr MeasurementInput */
	enum snpm_mode mode;
	enum snpm_vmm vmm;
	unsigned vmm_version;
	uint32_t vcpus;
	uint32_t vcpu_sig;
	char *vcpu_type; /* the model name, when the signature came from one */
	uint64_t guest_features;
	char *firmware_path;
	char *firmware_metadata_path;
	bool has_firmware_metadata; /* metadata given inline (dstack, or "metadata": {...}) */
	struct snpm_ovmf_info firmware_metadata;
	struct snpm_ovmf_digests firmware_digests;
	char *kernel_path;
	bool has_kernel_sha256;
	uint8_t kernel_sha256[SNPM_SHA256_SIZE];
	char *initrd_path;
	bool has_initrd_sha256;
	uint8_t initrd_sha256[SNPM_SHA256_SIZE];
	char *cmdline;
	bool cmdline_trim_differs; /* dstack: trimming would change the command line */
	char *svsm_path;
	uint64_t vars_size;
	uint64_t vmsa_gpa;
	enum snpm_vmsa_fpu vmsa_fpu;
};

/* Parses a spec document (recognising dstack's by its keys). *ret: snpm_spec_free() it. */
SNPM_EXPORT int snpm_spec_parse(const char *json, struct snpm_spec **ret,
				struct snpm_error *reterr);
/* Accepts NULL. */
SNPM_EXPORT void snpm_spec_free(struct snpm_spec *spec);

#ifdef __cplusplus
}
#endif

#endif /* SNPM_DOCUMENT_H */
