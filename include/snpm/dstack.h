/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dstack's identities for SEV-SNP guests, as dstack computes and checks them (Dstack-TEE/dstack:
 * dstack-types/src/mr_config.rs, dstack-attest/src/attestation.rs, dstack-mr/src/sev.rs):
 *
 *  - HOST_DATA binds an MrConfigV3 document (the app's identity): SHA-256 of
 *    "dstack-mr-config-v3:" || 0x00 || the document's bytes exactly as given;
 *  - mr_system = SHA-256(MEASUREMENT), mr_aggregated = SHA-256(MEASUREMENT || HOST_DATA),
 *    device_id = SHA-256(CHIP_ID), which dstack's KMS pins;
 *  - an OS image is named by os_image_hash = SHA-256(sha256sum.txt) (its digest.txt), and its
 *    SNP launch inputs are measurement.snp.cbor, listed in sha256sum.txt.
 */
#ifndef SNPM_DSTACK_H
#define SNPM_DSTACK_H

#include <snpm/common.h>
#include <snpm/document.h>
#include <snpm/report.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- MrConfigV3 and HOST_DATA ---- */

#define SNPM_DSTACK_MAX_INIT_SCRIPTS 5u

struct snpm_dstack_mr_config {
	unsigned version; /* 3 */
	bool has_app_id;
	uint8_t app_id[20];
	uint8_t compose_hash[32];
	bool has_gpu_policy_hash;
	uint8_t gpu_policy_hash[32];
	char key_provider[8]; /* "none", "kms", "local", "tpm" */
	uint8_t *key_provider_id; /* malloc'd; NULL when absent */
	size_t key_provider_id_len;
	bool has_instance_id;
	uint8_t instance_id[20];
	bool has_init_script_hashes; /* present, possibly empty: init scripts are pinned */
	size_t n_init_script_hashes;
	uint8_t init_script_hashes[SNPM_DSTACK_MAX_INIT_SCRIPTS][32];
};

/*
 * Parses an MrConfigV3 document as dstack does (serde: unknown and duplicate fields refused,
 * byte fields as hex strings, version defaulting to 3) and checks it as dstack-mr's
 * validate_mr_config() does (version 3; app_id and instance_id 20 bytes; compose_hash and
 * gpu_policy_hash 32 bytes; at most five 32-byte init script hashes). Free with
 * snpm_dstack_mr_config_free(). Returns 0, SNPM_EINVAL or SNPM_ENOMEM.
 */
SNPM_EXPORT int snpm_dstack_mr_config_parse(const uint8_t *doc, size_t len,
					    struct snpm_dstack_mr_config *ret,
					    struct snpm_error *reterr);
SNPM_EXPORT void snpm_dstack_mr_config_free(struct snpm_dstack_mr_config *config);

/* HOST_DATA for a document: SHA-256("dstack-mr-config-v3:" || 0x00 || doc), bytes as given. */
SNPM_EXPORT int snpm_dstack_host_data(const uint8_t *doc, size_t len, uint8_t ret[32],
				      struct snpm_error *reterr);

/* ---- a report's identities ---- */

struct snpm_dstack_ids {
	uint8_t mr_system[32]; /* SHA-256(MEASUREMENT) */
	uint8_t mr_aggregated[32]; /* SHA-256(MEASUREMENT || HOST_DATA) */
	uint8_t device_id[32]; /* SHA-256(CHIP_ID) */
};

SNPM_EXPORT int snpm_dstack_ids(const struct snpm_report *report, struct snpm_dstack_ids *ret,
				struct snpm_error *reterr);

/* ---- OS images ---- */

#define SNPM_DSTACK_SNP_CBOR "measurement.snp.cbor"

/*
 * measurement.snp.cbor (dstack-types' SevOsImageMeasurement, version 3: cmdline, ovmf_hash,
 * kernel_hash, initrd_hash, hashes_table_gpa, reset_eip, ovmf_sections) as a spec: SNP under
 * QEMU with the firmware's launch digest, the kernel and initrd digests, the command line and
 * the firmware's sections; the vCPUs, their model and the guest features are the deployment's
 * and stay unset. Refused: another version, a key not in the schema, a duplicate key, a wrong
 * type or length, trailing bytes, and what dstack-mr's validate_measurement_input() refuses (no
 * dstack.rootfs_hash in the command line, no kernel-hashes section, an unknown section type).
 * Returns 0, SNPM_EMALFORMED, SNPM_EINVAL or SNPM_ENOMEM.
 */
SNPM_EXPORT int snpm_dstack_cbor_parse(const uint8_t *cbor, size_t len, struct snpm_spec **ret,
				       struct snpm_error *reterr);

/* The inputs of a measurement.snp.cbor. */
struct snpm_dstack_image_measurement {
	const char *cmdline; /* as measured (dstack trims it) */
	uint8_t ovmf_hash[SNPM_LD_SIZE]; /* the firmware's SNP launch digest */
	uint8_t kernel_hash[32], initrd_hash[32];
	uint64_t hashes_table_gpa;
	uint32_t reset_eip;
	const struct snpm_ovmf_section *sections;
	size_t n_sections;
};

/* Encodes measurement.snp.cbor byte for byte as dstack-mr writes it (ciborium: a definite map
 * in field order, shortest integers). *ret: free() it. */
SNPM_EXPORT int snpm_dstack_cbor_write(const struct snpm_dstack_image_measurement *m, uint8_t **ret,
				       size_t *ret_len, struct snpm_error *reterr);

/*
 * A dstack image folder: digest.txt must be SHA-256(sha256sum.txt) in hex (os_image_hash),
 * sha256sum.txt must list measurement.snp.cbor once with its SHA-256, and every other file it
 * lists that the folder holds must match too (a listed file may be absent: dstack's verifier
 * needs only these). *ret: the spec from measurement.snp.cbor (snpm_spec_free() it; NULL
 * accepted when only the checks are wanted). Returns 0, SNPM_EVERIFY, SNPM_EMALFORMED, SNPM_EIO.
 */
SNPM_EXPORT int snpm_dstack_image_read(const char *dir, uint8_t os_image_hash[32],
				       struct snpm_spec **ret, struct snpm_error *reterr);

/* ---- dstack's attestation blob ---- */

/*
 * What dstack's guest hands a verifier (dstack-attest's legacy VersionedAttestation::V0, SCALE):
 * the report, the certificates the guest found ([ASK, VCEK] or [a kernel certificate table],
 * or none), the MrConfigV3 document HOST_DATA binds, and the REPORT_DATA it asked for. The
 * pointers borrow from the input.
 */
struct snpm_dstack_attestation {
	uint8_t report[SNPM_REPORT_SIZE];
	size_t n_certs; /* 0, 1 (a certificate table) or 2 (ASK, VCEK) */
	const uint8_t *certs[2];
	size_t certs_len[2];
	const uint8_t *mr_config;
	size_t mr_config_len;
	uint8_t report_data[64];
};

/*
 * Decodes the blob strictly: variant V0 and an AMD SEV-SNP quote, canonical SCALE lengths inside
 * the input, a 1184-byte report, no byte after it (dstack refuses trailing bytes too). Returns 0,
 * or SNPM_EMALFORMED (SNPM_EUNSUPPORTED for another TEE's quote) naming the offset.
 */
SNPM_EXPORT int snpm_dstack_attestation_parse(const uint8_t *data, size_t len,
					      struct snpm_dstack_attestation *ret,
					      struct snpm_error *reterr);

#ifdef __cplusplus
}
#endif

#endif /* SNPM_DSTACK_H */
