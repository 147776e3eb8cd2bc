/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private: the two CoRIM profiles SEV-SNP reference values travel in (draft-ietf-rats-corim-10),
 * read strictly and written deterministically (core/corim.c):
 *
 * - launch: Microsoft's tag:microsoft.com,2026:launch-measurement/v1 (microsoft/igvm,
 *   igvm/src/corim/launch_measurement): one CoMID, class {vendor "AMD", model "SEV-SNP"},
 *   one MEASUREMENT digest and the exact SVN a conditional endorsement series maps it to;
 * - snp: the AMD SEV-SNP profile as Veraison's sevsnp scheme reads it (tag:amd.com,2024:
 *   snp-corim-profile; mkeys as jraman567/go-gen-ref's ReportToComid numbers the report's
 *   fields): one reference triple per configuration, its environment the class-id OID
 *   1.3.6.1.4.1.3704.3.1 (attestation by chip) with the measurement as its instance.
 */
#ifndef SNPM_CORE_CORIM_H
#define SNPM_CORE_CORIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"

#define SNPM_CORIM_LAUNCH_PROFILE "tag:microsoft.com,2026:launch-measurement/v1"
#define SNPM_CORIM_SNP_PROFILE "tag:amd.com,2024:snp-corim-profile"
#define SNPM_CORIM_CONTENT_TYPE "application/rim+cbor"
#define SNPM_CORIM_MAX (1u << 24) /* the largest document read */

/* The launch profile's document: its digest and SVN. 0 or SNPM_EMALFORMED (nothing guessed). */
int snpm_corim_launch_read(const uint8_t *doc, size_t len, uint8_t digest[SNPM_LD_SIZE],
			   uint64_t *svn, struct snpm_error *reterr);
/* The same document written: id as the CoRIM's id, creator (may be NULL) as its one entity,
 * the manifest creator. Returns malloc'd bytes or NULL (out of memory). */
uint8_t *snpm_corim_launch_write(const uint8_t digest[SNPM_LD_SIZE], uint64_t svn, const char *id,
				 const char *creator, size_t *len);
/* The profile's tag-id for AMD/SEV-SNP (UUIDv5), lower case. */
int snpm_corim_launch_tag_id(char out[37], struct snpm_error *reterr);

/* One reference triple of the SNP profile. The mkeys it may hold: */
#define SNPM_MKEY_MEASUREMENT 641
#define SNPM_MKEY_HOST_DATA 642
#define SNPM_MKEY_ID_KEY_DIGEST 643
#define SNPM_MKEY_AUTHOR_KEY_DIGEST 644
#define SNPM_MKEY_REPORTED_TCB 647

struct snpm_corim_snp_triple {
	uint8_t measurement[SNPM_LD_SIZE];
	bool has_host_data, has_id_key, has_author_key, has_min_tcb;
	uint8_t host_data[32], id_key_digest[SNPM_SHA384_SIZE], author_key_digest[SNPM_SHA384_SIZE];
	uint64_t min_tcb; /* TCB_VERSION as a little-endian u64, compared part by part */
};

/* The SNP profile's CoRIM: its triples (malloc'd into *ret, *n). Any mkey, shape, environment
 * or extra item it cannot judge is refused, named. 0, SNPM_EMALFORMED or SNPM_ENOMEM. */
int snpm_corim_snp_read(const uint8_t *doc, size_t len, struct snpm_corim_snp_triple **ret,
			size_t *n, struct snpm_error *reterr);
uint8_t *snpm_corim_snp_write(const struct snpm_corim_snp_triple *t, size_t n, const char *id,
			      const char *creator, size_t *len);

/* The CoRIM's id and its first entity's name (the manifest creator), when they are text:
 * copied (cut to size) for display; empty when absent. */
void snpm_corim_about(const uint8_t *doc, size_t len, char *id, size_t id_size, char *creator,
		      size_t creator_size);

/* The corim-meta a signed CoRIM's protected header carries (label 8): { 0: { 0: signer } }, as
 * Veraison requires it. Returns malloc'd bytes or NULL (out of memory). */
uint8_t *snpm_corim_meta(const char *signer, size_t *len);

/* Which profile a CoRIM names: 1 snp, 2 launch, 0 neither (or not a CoRIM). */
int snpm_corim_which(const uint8_t *doc, size_t len);

#endif /* SNPM_CORE_CORIM_H */
