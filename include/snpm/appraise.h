/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Appraisal: what a key-management service decides before it releases a key to a guest. A
 * policy (JSON) pins measurements and fields and sets what is allowed; snpm_appraise() verifies
 * the report (signature, chain to AMD's roots, certificate validity, revocation) and then checks
 * every rule, returning one result per rule. Fail closed: a key the policy does not give takes
 * its strict value, and anything not understood is refused.
 *
 * Collateral is offline: snpm_kds_urls() names what to fetch from AMD's Key Distribution
 * Service; the caller fetches; this library verifies (a certificate table of an extended
 * report, a CRL).
 */
#ifndef SNPM_APPRAISE_H
#define SNPM_APPRAISE_H

#include <snpm/common.h>
#include <snpm/report.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- collateral ---- */

/*
 * The certificate table of an extended report (SNP_GET_EXT_REPORT, configfs-tsm's auxblob):
 * 24-byte entries (GUID in its text byte order, u32 offset, u32 length from the table's start)
 * ended by an all-zero entry. The VCEK or VLEK, ASK or ASVK and ARK it holds are pointed to
 * (into blob, borrowed) in *ret; other GUIDs are ignored. Entries reaching outside the blob,
 * overlapping the table or each other, empty, or naming one GUID twice are refused.
 * Returns 0 or SNPM_EMALFORMED.
 */
SNPM_EXPORT int snpm_cert_table_parse(const uint8_t *blob, size_t len, struct snpm_cert_input *ret,
				      struct snpm_error *reterr);

#define SNPM_CERT_GUID_VCEK "63da758d-e664-4564-adc5-f4b93be8accd"
#define SNPM_CERT_GUID_VLEK "a8074bc2-a25a-483e-aae6-39c045a0b8a1"
#define SNPM_CERT_GUID_ASK "4ab7b379-bbac-4fe4-a02f-05aef327c782" /* ASK, or ASVK */
#define SNPM_CERT_GUID_ARK "c0b406a4-a803-4952-9743-3fb6014cd0ae"

#define SNPM_KDS_BASE "https://kdsintf.amd.com"
#define SNPM_URL_SIZE 320u

/* Where AMD's KDS serves a report's certificates. */
struct snpm_kds_urls {
	char product[16]; /* "Milan", "Genoa", "Turin" */
	bool vlek; /* VLEK URLs (the VLEK itself needs a CSP's credentials) */
	char key[SNPM_URL_SIZE]; /* the VCEK (or VLEK) at the report's reported TCB */
	char cert_chain[SNPM_URL_SIZE]; /* ASK (or ASVK), then ARK, PEM */
	char crl[SNPM_URL_SIZE]; /* the ARK's CRL, DER */
};

/*
 * The URLs for a report: /vcek/v1/{product}/{chip id}?blSPL=..&teeSPL=..&snpSPL=..&ucodeSPL=..
 * (Milan, Genoa: the 64-byte chip ID in hex; Turin: its first 8 bytes and fmcSPL first),
 * /vlek/v1/{product}/cert?..., and cert_chain and crl of each. The product is the report's
 * (from CPUID, version 3 and later), or product ("Milan", "Genoa", "Turin") for version 2; given
 * for a later version, they must agree. A VCEK URL needs the chip ID: a masked one is refused.
 * Returns 0, SNPM_EINVAL or SNPM_EUNSUPPORTED.
 */
SNPM_EXPORT int snpm_kds_urls(const struct snpm_report *report, const char *product,
			      struct snpm_kds_urls *ret, struct snpm_error *reterr);

/* ---- policy ---- */

struct snpm_policy;

/*
 * Parses a policy document (strict JSON: one object, no duplicate keys; unknown keys refused at
 * every level). The keys and their defaults are in the README ("Appraisal"). A policy naming
 * a bundle manifest for its measurements keeps the path (snpm_policy_manifest()); the caller
 * reads the manifest and adds its measurements. *ret: free with snpm_policy_free().
 * Returns 0, SNPM_EINVAL (a key, a value) or SNPM_ENOMEM.
 */
SNPM_EXPORT int snpm_policy_parse(const char *json, struct snpm_policy **ret,
				  struct snpm_error *reterr);
SNPM_EXPORT void snpm_policy_free(struct snpm_policy *policy);
/* The "manifest" the policy takes measurements from, as written, or NULL. Points into policy. */
SNPM_EXPORT const char *snpm_policy_manifest(const struct snpm_policy *policy);
/* Adds an accepted measurement. Returns 0 or SNPM_ENOMEM. */
SNPM_EXPORT int snpm_policy_add_measurement(struct snpm_policy *policy,
					    const uint8_t measurement[SNPM_LD_SIZE],
					    struct snpm_error *reterr);

/* ---- appraisal ---- */

enum snpm_rule_status {
	SNPM_RULE_PASS = 0,
	SNPM_RULE_FAIL = 1,
	SNPM_RULE_SKIP = 2, /* the policy asks nothing here, or the rule does not apply */
};

#define SNPM_RULE_TEXT 200u
#define SNPM_MAX_RULES 48u

/* One rule's verdict: what the policy expected, what the report has, and why. */
struct snpm_rule {
	const char *name; /* e.g. "measurement", "debug" (static) */
	enum snpm_rule_status status;
	char expected[SNPM_RULE_TEXT];
	char found[SNPM_RULE_TEXT];
	char why[SNPM_RULE_TEXT]; /* for failed and skipped rules */
};

struct snpm_appraisal {
	bool pass; /* every rule passed or was skipped */
	size_t n;
	struct snpm_rule rules[SNPM_MAX_RULES];
	struct snpm_verify_result verify; /* when the report verified */
};

struct snpm_collateral {
	uint32_t size; /* sizeof(struct snpm_collateral): SNPM_INIT() sets it */
	struct snpm_cert_input certs; /* the VCEK (and optionally ASK, ARK, chain) */
	const uint8_t *crl; /* the ARK's CRL, DER or PEM, as KDS serves it; may be NULL */
	size_t crl_len;
	int64_t now; /* seconds since the epoch for validity and the CRL; 0: the current time */
};

/* Remembers each VCEK it has verified up to an AMD root, so later reports signed by it cost
 * their signature and field checks only. Not thread-safe: one per thread. */
struct snpm_appraiser;

SNPM_EXPORT int snpm_appraiser_new(struct snpm_appraiser **ret, struct snpm_error *reterr);
SNPM_EXPORT void snpm_appraiser_free(struct snpm_appraiser *appraiser);

/*
 * Appraises the 1184-byte report against the policy. The signature and chain come first, as
 * snpm_report_verify() checks them; when they fail, every other rule is skipped. appraiser may
 * be NULL (nothing cached). Returns 0 when the appraisal ran (ret->pass is the verdict; each
 * rule in ret->rules), or a negative code when it could not (a report that does not parse, no
 * VCEK, an unusable policy).
 */
SNPM_EXPORT int snpm_appraise(struct snpm_appraiser *appraiser,
			      const uint8_t report[SNPM_REPORT_SIZE],
			      const struct snpm_policy *policy,
			      const struct snpm_collateral *collateral, struct snpm_appraisal *ret,
			      struct snpm_error *reterr);

/*
 * snpm_appraise(), trusting a root of the caller's own INSTEAD of AMD's ARKs when trust_root is
 * not NULL (a lab's or a conformance suite's ARK, PEM or DER; its ASK must be in the collateral).
 * Never for production. NULL: exactly snpm_appraise().
 */
SNPM_EXPORT int snpm_appraise_with_root(struct snpm_appraiser *appraiser,
					const uint8_t report[SNPM_REPORT_SIZE],
					const struct snpm_policy *policy,
					const struct snpm_collateral *collateral,
					const uint8_t *trust_root, size_t trust_root_len,
					struct snpm_appraisal *ret, struct snpm_error *reterr);

/* "pass", "fail", "skipped". */
SNPM_EXPORT const char *snpm_rule_status_name(enum snpm_rule_status status);

#ifdef __cplusplus
}
#endif

#endif /* SNPM_APPRAISE_H */
