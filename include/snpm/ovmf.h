/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firmware parsing: the OVMF footer GUID table and what SEV guests read from it.
 *
 * An OVMF image (and a COCONUT-SVSM image) ends with a table of GUIDed entries that ends 32
 * bytes before the end of the file. The VMM reads from it where the SEV metadata sections are,
 * where an AP starts executing (SEV-ES reset block), and where the kernel hashes table goes.
 * This module turns the image bytes into a plain struct; it allocates nothing and keeps no
 * pointers into the caller's buffer, so the result can be copied and kept.
 */
#ifndef SNPM_OVMF_H
#define SNPM_OVMF_H

#include <snpm/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits: far above any real firmware (edk2 has 5 table entries and 7 sections). */
#define SNPM_OVMF_MAX_ENTRIES 32u
#define SNPM_OVMF_MAX_SECTIONS 64u

/* Largest firmware image accepted: it must fit below 4 GiB, and no OVMF build is near this. */
#define SNPM_OVMF_MAX_SIZE (64u * 1024u * 1024u)

/* SEV metadata section types (edk2 OvmfPkg/ResetVector/X64/OvmfSevMetadata.asm). */
enum snpm_section_type {
	SNPM_SECTION_SNP_SEC_MEM = 1,
	SNPM_SECTION_SNP_SECRETS = 2,
	SNPM_SECTION_CPUID = 3,
	SNPM_SECTION_SVSM_CAA = 4,
	SNPM_SECTION_SNP_KERNEL_HASHES = 0x10,
};

/* One footer-table entry; its data is at data_offset in the image. */
struct snpm_ovmf_entry {
	uint8_t guid[SNPM_GUID_SIZE]; /* on-disk bytes */
	uint32_t data_offset; /* offset of the entry's data from the start of the image */
	uint32_t data_len; /* length of the data, without the 18-byte entry header */
};

/* One SEV metadata section: a guest-physical range the VMM must populate at launch. */
struct snpm_ovmf_section {
	uint32_t gpa;
	uint32_t size;
	uint32_t type; /* enum snpm_section_type */
};

/* Everything measurement needs from a firmware image. Plain data, safe to copy. */
struct snpm_ovmf_info {
	uint64_t size; /* image size in bytes */
	bool has_table; /* the footer GUID was found */
	uint32_t n_entries; /* in table order, from the end of the file backwards */
	struct snpm_ovmf_entry entries[SNPM_OVMF_MAX_ENTRIES];

	bool has_metadata; /* an SEV metadata ("ASEV") entry was found */
	uint32_t metadata_offset; /* offset of the ASEV header from the start of the image */
	uint32_t n_sections; /* in firmware order */
	struct snpm_ovmf_section sections[SNPM_OVMF_MAX_SECTIONS];

	bool has_reset_eip; /* SEV-ES reset block: where APs start */
	uint32_t reset_eip;

	bool has_hashes_table; /* SEV hashes-table entry: where QEMU puts kernel hashes */
	uint32_t hashes_table_gpa; /* 0 means the firmware reserves none */
	uint32_t hashes_table_size;

	bool has_svsm_info; /* COCONUT-SVSM info entry */
	uint32_t svsm_info_offset; /* entry point, as an offset from the image's GPA */
};

/* Well-known table GUIDs, as text. */
#define SNPM_GUID_OVMF_TABLE_FOOTER "96b582de-1fb2-45f7-baea-a366c55a082d"
#define SNPM_GUID_SEV_ES_RESET_BLOCK "00f771de-1a7e-4fcb-890e-68c77e2fb44e"
#define SNPM_GUID_SEV_HASH_TABLE_RV "7255371f-3a3b-4b04-927b-1da6efa8d454"
#define SNPM_GUID_SEV_METADATA "dc886566-984a-4798-a75e-5585a7bf67cc"
#define SNPM_GUID_SEV_SECRET_BLOCK "4c2eb361-7d9b-4cc3-8081-127c90d3d294"
#define SNPM_GUID_TDX_METADATA "e47a6535-984a-4798-865e-4685a7bf8ec2"
#define SNPM_GUID_SVSM_INFO "a789a612-0597-4c4b-a49f-cbb1fe9d1ddd"

/*
 * Parses a firmware image held in memory.
 *
 * An image without the footer GUID is valid (has_table false): plain OVMF builds have none.
 * Anything malformed is refused: a table reaching past the start of the file, an entry shorter
 * than its header or longer than what is left, duplicate GUIDs, leftover bytes, known entries
 * too short for their data, metadata outside the file or with a bad signature, sections that are
 * unaligned, empty, past 4 GiB, overlapping, or of an unknown type.
 *
 * data/len: the image (borrowed, not kept). ret_info: filled on success.
 * Returns 0, SNPM_EINVAL, SNPM_EMALFORMED, SNPM_EUNSUPPORTED or SNPM_ERANGE; reterr gets the
 * reason and, where it applies, the offset into the image.
 */
SNPM_EXPORT int snpm_ovmf_parse(const uint8_t *data, size_t len, struct snpm_ovmf_info *ret_info,
				struct snpm_error *reterr);

/* The table entry with this GUID, or NULL. Points into info. */
SNPM_EXPORT const struct snpm_ovmf_entry *snpm_ovmf_find(const struct snpm_ovmf_info *info,
							 const uint8_t guid[SNPM_GUID_SIZE]);

/* Whether the image has at least one metadata section of this type. */
SNPM_EXPORT bool snpm_ovmf_has_section(const struct snpm_ovmf_info *info, uint32_t type);

/* A section type's name as edk2 spells it ("SNP_SEC_MEM"), or NULL when unknown. */
SNPM_EXPORT const char *snpm_section_type_name(uint32_t type);

/* A known table GUID's name ("SEV_ES_RESET_BLOCK"), or NULL when unknown. */
SNPM_EXPORT const char *snpm_ovmf_guid_name(const uint8_t guid[SNPM_GUID_SIZE]);

#ifdef __cplusplus
}
#endif

#endif /* SNPM_OVMF_H */
