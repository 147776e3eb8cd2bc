/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to attest/: an appraisal policy as policy.c reads it and appraise.c judges by it. */
#ifndef SNPM_ATTEST_POLICY_H
#define SNPM_ATTEST_POLICY_H

#include <stddef.h>

#include <json-c/json.h>
#include <snpm/appraise.h>

/* A list of byte strings of one size (measurements, digests, chip IDs). */
struct pins {
	uint8_t *v;
	size_t n, cap, size; /* n values of size bytes, room for cap */
	bool given; /* in the policy, even empty: an empty list accepts nothing */
};

enum tri { ANY = 0, REQUIRED, FORBIDDEN };

/* A minimum TCB; a component left out is 0. */
struct min_tcb {
	bool given, has_fmc; /* has_fmc: "fmc" was set, which only Turin and Venice can judge */
	uint8_t fmc, bootloader, tee, snp, microcode;
};

/* PLATFORM_INFO bits the policy can require or forbid: key and bit (policy.c). */
struct platform_key {
	const char *key;
	unsigned bit;
};
#define N_PLATFORM 7u
extern const struct platform_key snpm_platform_keys[N_PLATFORM];

struct snpm_policy {
	struct pins measurements, id_keys, author_keys, chip_ids;
	struct pins mr_systems, mr_aggregateds, device_ids; /* dstack's identities */
	bool measurements_given;
	char *manifest;
	/* "measurements": {"corim" or "rvps": path, "key": path or "unsigned": true} */
	char *refvals_path, *refvals_key;
	int refvals_kind; /* enum snpm_refvals_format: CORIM_SNP stands for either CoRIM */
	bool refvals_unsigned, refvals_added;
	bool has_host_data, has_report_data, has_family_id, has_image_id;
	uint8_t host_data[32], report_data[64], family_id[16], image_id[16];
	bool has_min_guest_svn;
	uint32_t min_guest_svn;
	uint32_t vmpl;
	uint32_t versions; /* bit v: report version v accepted */
	bool allow_vcek, allow_vlek;
	bool require_id_block, require_up_to_date, require_single_socket, require_crl;
	bool require_ciphertext_hiding;
	bool allow_debug, allow_migration, allow_smt, allow_cxl, allow_masked_chip_key;
	bool allow_provisional_firmware;
	struct min_tcb min_tcb, min_launch_tcb;
	bool has_min_abi, has_min_build;
	uint8_t min_abi_major, min_abi_minor, min_build;
	enum tri platform[N_PLATFORM];
	bool has_mitigations;
	uint64_t mit_current, mit_launch;
};

/* A key a policy may hold: a reader (policy.c), or a bool at offset when read is NULL; and its
 * value when left out, in the words of snpmeasure-policy(5). */
typedef int snpm_key_reader(struct snpm_policy *p, const char *key, struct json_object *v,
			    struct snpm_error *reterr);
struct snpm_policy_key {
	const char *key;
	snpm_key_reader *read;
	size_t offset;
	const char *left_out;
};

#define SNPM_MAX_RULE_KEYS 3

struct ctx;
/* One rule (appraise.c's table): its name, its judge, the policy keys that set it. */
struct snpm_rule_def {
	const char *name;
	void (*judge)(struct ctx *c, const char *name);
	struct snpm_policy_key keys[SNPM_MAX_RULE_KEYS];
};
extern const struct snpm_rule_def snpm_rules[];
extern const size_t snpm_n_rules;

/* The readers the table names (policy.c). */
snpm_key_reader snpm_key_measurements, snpm_key_host_data, snpm_key_report_data, snpm_key_family_id,
	snpm_key_image_id, snpm_key_min_guest_svn, snpm_key_vmpl, snpm_key_report_versions,
	snpm_key_signers, snpm_key_id_keys, snpm_key_author_keys, snpm_key_chip_ids,
	snpm_key_mr_systems, snpm_key_mr_aggregateds, snpm_key_device_ids, snpm_key_min_tcb,
	snpm_key_min_launch_tcb, snpm_key_min_abi, snpm_key_min_build, snpm_key_platform,
	snpm_key_mitigations;

/* Whether the list holds v; whether n bytes are all zero. */
bool snpm_pins_has(const struct pins *p, const uint8_t *v);
/* Room for extra more values (the list grows by doubling), so that adding them cannot fail. */
int snpm_pins_reserve(struct pins *p, size_t extra, struct snpm_error *reterr);
/* Appends v (p->size bytes). */
int snpm_pins_add(struct pins *p, const uint8_t *v, struct snpm_error *reterr);
bool snpm_all_zero(const uint8_t *p, size_t n);

#endif
