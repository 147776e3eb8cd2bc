/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OVMF footer table and SEV metadata parser.
 *
 * Layout (edk2 OvmfPkg/ResetVector/Ia16/ResetVectorVtf0.asm): the last 32 bytes of the image
 * hold the reset vector; just before them sits the footer entry, u16 total table length then the
 * footer GUID. The table grows backwards from there: each entry is data || u16 length || GUID,
 * where length counts the 18-byte header too. QEMU (hw/i386/pc_sysfw_ovmf.c) walks it the same
 * way. The SEV metadata entry holds a u32 offset, from the end of the image, of an "ASEV" header
 * (OvmfPkg/ResetVector/X64/OvmfSevMetadata.asm): signature, u32 length, u32 version (1),
 * u32 count, then count x (u32 gpa, u32 size, u32 type).
 */
#include <string.h>

#include <snpm/ovmf.h>

#include "ovmf_internal.h"

#define ENTRY_HEADER_SIZE 18u /* u16 length + GUID */
#define RESET_VECTOR_SIZE 32u /* the table ends this far before the end of the image */
#define METADATA_HEADER_SIZE 16u
#define METADATA_ITEM_SIZE 12u

static bool guid_is(const uint8_t guid[SNPM_GUID_SIZE], const char *text)
{
	uint8_t want[SNPM_GUID_SIZE];

	return snpm_guid_parse(text, want) == 0 && memcmp(guid, want, SNPM_GUID_SIZE) == 0;
}

static const struct {
	const char *guid;
	const char *name;
} known_guids[] = {
	{ SNPM_GUID_OVMF_TABLE_FOOTER, "OVMF_TABLE_FOOTER" },
	{ SNPM_GUID_SEV_ES_RESET_BLOCK, "SEV_ES_RESET_BLOCK" },
	{ SNPM_GUID_SEV_HASH_TABLE_RV, "SEV_HASH_TABLE_RV" },
	{ SNPM_GUID_SEV_METADATA, "SEV_METADATA" },
	{ SNPM_GUID_SEV_SECRET_BLOCK, "SEV_SECRET_BLOCK" },
	{ SNPM_GUID_TDX_METADATA, "TDX_METADATA" },
	{ SNPM_GUID_SVSM_INFO, "SVSM_INFO" },
};

const char *snpm_ovmf_guid_name(const uint8_t guid[SNPM_GUID_SIZE])
{
	for (size_t i = 0; i < sizeof(known_guids) / sizeof(known_guids[0]); i++)
		if (guid_is(guid, known_guids[i].guid))
			return known_guids[i].name;
	return NULL;
}

const char *snpm_section_type_name(uint32_t type)
{
	switch (type) {
	case SNPM_SECTION_SNP_SEC_MEM:
		return "SNP_SEC_MEM";
	case SNPM_SECTION_SNP_SECRETS:
		return "SNP_SECRETS";
	case SNPM_SECTION_CPUID:
		return "CPUID";
	case SNPM_SECTION_SVSM_CAA:
		return "SVSM_CAA";
	case SNPM_SECTION_SNP_KERNEL_HASHES:
		return "SNP_KERNEL_HASHES";
	default:
		return NULL;
	}
}

const struct snpm_ovmf_entry *snpm_ovmf_find(const struct snpm_ovmf_info *info,
					     const uint8_t guid[SNPM_GUID_SIZE])
{
	for (uint32_t i = 0; i < info->n_entries; i++)
		if (memcmp(info->entries[i].guid, guid, SNPM_GUID_SIZE) == 0)
			return &info->entries[i];
	return NULL;
}

bool snpm_ovmf_has_section(const struct snpm_ovmf_info *info, uint32_t type)
{
	for (uint32_t i = 0; i < info->n_sections; i++)
		if (info->sections[i].type == type)
			return true;
	return false;
}

/* Reads the entries between table_start and table_end (exclusive), last entry first. */
static int parse_entries(const uint8_t *data, size_t table_start, size_t table_end,
			 struct snpm_ovmf_info *info, struct snpm_error *reterr)
{
	size_t pos = table_end;

	while (pos - table_start >= ENTRY_HEADER_SIZE) {
		size_t hdr = pos - ENTRY_HEADER_SIZE;
		uint16_t entry_len = snpm_le16(data + hdr);
		const uint8_t *guid = data + hdr + 2;

		if (entry_len < ENTRY_HEADER_SIZE)
			return snpm_fail_at(reterr, SNPM_EMALFORMED, hdr,
					    "footer table entry of %u bytes is shorter than its "
					    "18-byte header",
					    entry_len);
		if (entry_len > pos - table_start)
			return snpm_fail_at(reterr, SNPM_EMALFORMED, hdr,
					    "footer table entry of %u bytes reaches past the start "
					    "of the table",
					    entry_len);
		for (uint32_t i = 0; i < info->n_entries; i++)
			if (memcmp(info->entries[i].guid, guid, SNPM_GUID_SIZE) == 0)
				return snpm_fail_at(reterr, SNPM_EMALFORMED, hdr,
						    "footer table has a duplicate entry");
		if (info->n_entries == SNPM_OVMF_MAX_ENTRIES)
			return snpm_fail_at(reterr, SNPM_EMALFORMED, hdr,
					    "footer table has more than %u entries",
					    SNPM_OVMF_MAX_ENTRIES);

		struct snpm_ovmf_entry *e = &info->entries[info->n_entries++];
		memcpy(e->guid, guid, SNPM_GUID_SIZE);
		e->data_offset = (uint32_t)(pos - entry_len);
		e->data_len = entry_len - ENTRY_HEADER_SIZE;
		pos -= entry_len;
	}
	if (pos != table_start)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, table_start,
				    "footer table has %zu stray bytes before its first entry",
				    pos - table_start);
	return 0;
}

static int check_section(const struct snpm_ovmf_info *info, uint32_t index, uint64_t at,
			 struct snpm_error *reterr)
{
	const struct snpm_ovmf_section *s = &info->sections[index];

	if (!snpm_section_type_name(s->type))
		return snpm_fail_at(reterr, SNPM_EUNSUPPORTED, at,
				    "SEV metadata section %u has unknown type 0x%x", index,
				    s->type);
	if (s->size == 0)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, at, "SEV metadata section %u is empty",
				    index);
	if (s->gpa % SNPM_PAGE_SIZE || s->size % SNPM_PAGE_SIZE)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, at,
				    "SEV metadata section %u (gpa 0x%x, size 0x%x) is not page "
				    "aligned",
				    index, s->gpa, s->size);
	if ((uint64_t)s->gpa + s->size > 0x100000000ull)
		return snpm_fail_at(reterr, SNPM_ERANGE, at,
				    "SEV metadata section %u (gpa 0x%x, size 0x%x) reaches past "
				    "4 GiB",
				    index, s->gpa, s->size);
	for (uint32_t j = 0; j < index; j++) {
		const struct snpm_ovmf_section *o = &info->sections[j];
		if (s->gpa < o->gpa + o->size && o->gpa < s->gpa + s->size)
			return snpm_fail_at(reterr, SNPM_EMALFORMED, at,
					    "SEV metadata sections %u and %u overlap", j, index);
	}
	return 0;
}

int snpm_ovmf_check_sections(const struct snpm_ovmf_info *info, struct snpm_error *reterr)
{
	if (info->n_sections > SNPM_OVMF_MAX_SECTIONS)
		return snpm_fail(reterr, SNPM_EMALFORMED, "more than %u SEV metadata sections",
				 SNPM_OVMF_MAX_SECTIONS);
	for (uint32_t i = 0; i < info->n_sections; i++) {
		int r = check_section(info, i, 0, reterr);
		if (r < 0) {
			if (reterr)
				reterr->has_offset = false;
			return r;
		}
	}
	return 0;
}

static int parse_metadata(const uint8_t *data, size_t len, const struct snpm_ovmf_entry *entry,
			  struct snpm_ovmf_info *info, struct snpm_error *reterr)
{
	if (entry->data_len < 4)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, entry->data_offset,
				    "SEV metadata entry is too short");
	uint32_t from_end = snpm_le32(data + entry->data_offset);
	if (from_end > len || from_end < METADATA_HEADER_SIZE)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, entry->data_offset,
				    "SEV metadata offset 0x%x is outside the file", from_end);

	size_t start = len - from_end;
	const uint8_t *h = data + start;
	if (memcmp(h, "ASEV", 4) != 0)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, start,
				    "SEV metadata has a bad signature (expected ASEV)");
	uint32_t md_len = snpm_le32(h + 4), version = snpm_le32(h + 8), count = snpm_le32(h + 12);
	if (version != 1)
		return snpm_fail_at(reterr, SNPM_EUNSUPPORTED, start + 8,
				    "SEV metadata version %u is not supported (expected 1)",
				    version);
	if (count > SNPM_OVMF_MAX_SECTIONS)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, start + 12,
				    "SEV metadata declares %u sections, more than %u", count,
				    SNPM_OVMF_MAX_SECTIONS);
	uint64_t need = METADATA_HEADER_SIZE + (uint64_t)count * METADATA_ITEM_SIZE;
	if (md_len < need || md_len > from_end)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, start + 4,
				    "SEV metadata length %u does not fit %u sections inside the "
				    "file",
				    md_len, count);

	info->has_metadata = true;
	info->metadata_offset = (uint32_t)start;
	for (uint32_t i = 0; i < count; i++) {
		size_t at = start + METADATA_HEADER_SIZE + (size_t)i * METADATA_ITEM_SIZE;
		info->sections[i].gpa = snpm_le32(data + at);
		info->sections[i].size = snpm_le32(data + at + 4);
		info->sections[i].type = snpm_le32(data + at + 8);
		info->n_sections = i + 1;
		int r = check_section(info, i, at, reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Reads the u32 (and optional second u32) a known entry carries. */
static int entry_u32(const uint8_t *data, const struct snpm_ovmf_entry *e, size_t need,
		     const char *what, uint32_t *ret, struct snpm_error *reterr)
{
	if (e->data_len < need)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, e->data_offset,
				    "%s entry has %u bytes of data, expected %zu", what,
				    e->data_len, need);
	*ret = snpm_le32(data + e->data_offset);
	return 0;
}

static int parse_known_entries(const uint8_t *data, size_t len, struct snpm_ovmf_info *info,
			       struct snpm_error *reterr)
{
	uint8_t guid[SNPM_GUID_SIZE];
	const struct snpm_ovmf_entry *e;
	int r;

	snpm_guid_parse(SNPM_GUID_SEV_ES_RESET_BLOCK, guid);
	if ((e = snpm_ovmf_find(info, guid))) {
		r = entry_u32(data, e, 4, "SEV-ES reset block", &info->reset_eip, reterr);
		if (r < 0)
			return r;
		info->has_reset_eip = true;
	}
	snpm_guid_parse(SNPM_GUID_SEV_HASH_TABLE_RV, guid);
	if ((e = snpm_ovmf_find(info, guid))) {
		/* QEMU reads base and size; the reference reads only the base. */
		r = entry_u32(data, e, 4, "SEV hashes table", &info->hashes_table_gpa, reterr);
		if (r < 0)
			return r;
		info->hashes_table_size = e->data_len >= 8 ? snpm_le32(data + e->data_offset + 4) :
							     0;
		info->has_hashes_table = true;
	}
	snpm_guid_parse(SNPM_GUID_SVSM_INFO, guid);
	if ((e = snpm_ovmf_find(info, guid))) {
		r = entry_u32(data, e, 4, "SVSM info", &info->svsm_info_offset, reterr);
		if (r < 0)
			return r;
		info->has_svsm_info = true;
	}
	snpm_guid_parse(SNPM_GUID_SEV_METADATA, guid);
	if ((e = snpm_ovmf_find(info, guid)))
		return parse_metadata(data, len, e, info, reterr);
	return 0;
}

int snpm_ovmf_parse(const uint8_t *data, size_t len, struct snpm_ovmf_info *ret_info,
		    struct snpm_error *reterr)
{
	struct snpm_ovmf_info info;

	if (!data || !ret_info)
		return snpm_fail(reterr, SNPM_EINVAL, "no firmware data");
	if (len > SNPM_OVMF_MAX_SIZE)
		return snpm_fail(reterr, SNPM_ERANGE,
				 "firmware of %zu bytes is larger than the %u-byte limit", len,
				 SNPM_OVMF_MAX_SIZE);
	memset(&info, 0, sizeof(info));
	info.size = len;

	if (len >= RESET_VECTOR_SIZE + ENTRY_HEADER_SIZE) {
		size_t footer = len - RESET_VECTOR_SIZE - ENTRY_HEADER_SIZE;
		if (guid_is(data + footer + 2, SNPM_GUID_OVMF_TABLE_FOOTER)) {
			uint16_t total = snpm_le16(data + footer);
			if (total < ENTRY_HEADER_SIZE)
				return snpm_fail_at(reterr, SNPM_EMALFORMED, footer,
						    "footer table length %u is shorter than its "
						    "18-byte header",
						    total);
			size_t table_len = total - ENTRY_HEADER_SIZE;
			if (table_len > footer)
				return snpm_fail_at(reterr, SNPM_EMALFORMED, footer,
						    "footer table of %u bytes reaches past the "
						    "start of the file",
						    total);
			info.has_table = true;
			int r = parse_entries(data, footer - table_len, footer, &info, reterr);
			if (r < 0)
				return r;
			r = parse_known_entries(data, len, &info, reterr);
			if (r < 0)
				return r;
		}
	}
	*ret_info = info;
	return 0;
}
