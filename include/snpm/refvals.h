/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Golden values in the formats verifiers read, out and in (attest/refvals.c):
 *
 *   corim-snp     one CoRIM, profile tag:amd.com,2024:snp-corim-profile, as Veraison's sevsnp
 *                 scheme takes it: a reference triple per measurement (class 1.3.6.1.4.1.3704.3.1,
 *                 the measurement as instance; mkeys 641 MEASUREMENT, 642 HOST_DATA,
 *                 643 ID_KEY_DIGEST, 644 AUTHOR_KEY_DIGEST, 647 REPORTED_TCB minimum);
 *   corim-launch  Microsoft's tag:microsoft.com,2026:launch-measurement/v1, one document per
 *                 measurement with its SVN, the documents one after another (a CBOR sequence,
 *                 RFC 8742); it carries no other pin;
 *   rvps          a message trustee's RVPS registers as it is (version 0.1.0, type "sample",
 *                 its payload the names trustee's default SNP policy looks up:
 *                 snp_launch_measurement, and for a minimum TCB snp_bootloader, snp_tee_svn,
 *                 snp_snp_svn and snp_microcode, each every value from the minimum to 255, as
 *                 that policy tests membership); no signature, no other pin.
 *
 * A CoRIM is signed as a COSE_Sign1 (ES384, P-384) with its payload attached; the unsigned
 * document is deterministic (same values, same bytes), and the ECDSA signature is too where
 * OpenSSL offers RFC 6979 (3.2 and later). Reading is strict: a shape, key or pin the reader
 * cannot judge is refused, never skipped.
 */
#ifndef SNPM_REFVALS_H
#define SNPM_REFVALS_H

#include <snpm/common.h>
#include <snpm/appraise.h>

#ifdef __cplusplus
extern "C" {
#endif

enum snpm_refvals_format {
	SNPM_REFVALS_CORIM_SNP = 1,
	SNPM_REFVALS_CORIM_LAUNCH = 2,
	SNPM_REFVALS_RVPS = 3,
};

/* "corim-snp", "corim-launch", "rvps". */
SNPM_EXPORT const struct snpm_name *snpm_refvals_format_names(void);

/* A minimum reported TCB in the Milan and Genoa layout (the profiles carry no FMC). */
struct snpm_refvals_tcb {
	uint8_t bootloader, tee, snp, microcode;
};

/* What every measurement of a file pins besides itself. */
struct snpm_refvals_pins {
	bool has_host_data, has_id_key_digest, has_author_key_digest, has_min_tcb;
	uint8_t host_data[32];
	uint8_t id_key_digest[SNPM_SHA384_SIZE];
	uint8_t author_key_digest[SNPM_SHA384_SIZE];
	struct snpm_refvals_tcb min_tcb;
};

/* What to write. */
struct snpm_refvals {
	uint32_t size; /* sizeof(struct snpm_refvals): SNPM_INIT() sets it */
	const uint8_t (*measurements)[SNPM_LD_SIZE];
	size_t n; /* at least one, none twice */
	uint64_t svn; /* corim-launch: the SVN every measurement maps to */
	struct snpm_refvals_pins pins;
	const char *inputs; /* recorded in the file: what produced the values (may be NULL) */
};

/*
 * Writes rv in format into *ret (malloc'd, *ret_len bytes). sign_key_pem (NULL: unsigned) is
 * a P-384 private key in PEM: each CoRIM is then a COSE_Sign1 (rvps cannot be signed). The
 * file records snpmeasure's version and rv->inputs. A pin the format cannot carry is refused.
 * Returns 0, SNPM_EINVAL, SNPM_EUNSUPPORTED, SNPM_ECRYPTO or SNPM_ENOMEM.
 */
SNPM_EXPORT int snpm_refvals_write(const struct snpm_refvals *rv, enum snpm_refvals_format format,
				   const char *sign_key_pem, size_t sign_key_len, uint8_t **ret,
				   size_t *ret_len, struct snpm_error *reterr);

/* What a file holds. */
struct snpm_refvals_file {
	enum snpm_refvals_format format;
	bool signed_; /* COSE_Sign1 */
	bool verified; /* with the key given to snpm_refvals_read() */
	size_t n;
	uint8_t (*measurements)[SNPM_LD_SIZE];
	uint64_t *svns; /* corim-launch: each measurement's SVN; NULL otherwise */
	struct snpm_refvals_pins pins;
	char creator[128]; /* who wrote it, as the file says (unchecked), or "" */
	char inputs[512]; /* what it says produced it (a CoRIM's id), or "" */
};

/*
 * Reads a file of any of the formats (told apart by its first bytes). With key_pem (an EC
 * public key or certificate in PEM) the file must be signed and verify with it (SNPM_EVERIFY
 * otherwise); without one a signed file is read unverified (verified false). Measurements
 * pinning different HOST_DATA, keys or TCBs, a measurement twice, unknown keys and trailing
 * bytes are refused. *ret: free with snpm_refvals_file_free(). Returns 0, SNPM_EMALFORMED,
 * SNPM_EUNSUPPORTED, SNPM_EVERIFY or SNPM_ENOMEM.
 */
SNPM_EXPORT int snpm_refvals_read(const uint8_t *data, size_t len, const char *key_pem,
				  size_t key_len, struct snpm_refvals_file **ret,
				  struct snpm_error *reterr);
SNPM_EXPORT void snpm_refvals_file_free(struct snpm_refvals_file *file);

/*
 * The file a policy takes its measurements from ("measurements": {"corim": PATH, "key": PEM}
 * or {"corim" or "rvps": PATH, "unsigned": true}), as written: false when it names none.
 * key is NULL for an unsigned one. Points into policy.
 */
SNPM_EXPORT bool snpm_policy_refvals(const struct snpm_policy *policy, const char **path,
				     enum snpm_refvals_format *kind, const char **key);

/*
 * Adds a file's values to the policy: its measurements are accepted, and its other pins become
 * the policy's rules for HOST_DATA, the ID and author key digests and the minimum TCB, as if
 * written there. A pin the policy also sets to another value is refused (SNPM_EINVAL, both
 * named), never one of the two chosen. A file read unverified is refused unless the policy
 * says "unsigned": true, and an unsigned file needs that too. Returns 0, SNPM_EINVAL,
 * SNPM_EVERIFY or SNPM_ENOMEM.
 */
SNPM_EXPORT int snpm_policy_add_refvals(struct snpm_policy *policy,
					const struct snpm_refvals_file *file,
					struct snpm_error *reterr);

#ifdef __cplusplus
}
#endif

#endif /* SNPM_REFVALS_H */
