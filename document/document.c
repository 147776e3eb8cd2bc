/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firmware metadata as JSON: out (snpm_ovmf_to_json) and back in, every key checked.
 * Every value is type-checked; unknown keys in our own schema are refused, since a misspelt key
 * silently ignored would give a wrong measurement.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include <snpm/document.h>

#include "../core/crypto.h"
#include "../ovmf/ovmf_internal.h"
#include "../core/json.h"
#include "metadata.h"

/* ---- firmware metadata ---- */

static struct json_object *entries_json(const struct snpm_ovmf_info *info, const uint8_t *image)
{
	struct json_object *arr = json_object_new_array();
	char guid[SNPM_GUID_STRING_SIZE];

	for (uint32_t i = 0; i < info->n_entries; i++) {
		const struct snpm_ovmf_entry *e = &info->entries[i];
		struct json_object *o = json_object_new_object();
		const char *name = snpm_ovmf_guid_name(e->guid);
		snpm_guid_format(e->guid, guid);
		json_object_object_add(o, "guid", json_object_new_string(guid));
		json_object_object_add(o, "name", name ? json_object_new_string(name) : NULL);
		if (image) {
			char *hex = malloc(2 * (size_t)e->data_len + 1);
			if (hex) {
				snpm_hex_encode(image + e->data_offset, e->data_len, hex);
				json_object_object_add(o, "data", json_object_new_string(hex));
				free(hex);
			}
		}
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *sections_json(const struct snpm_ovmf_info *info)
{
	struct json_object *md = json_object_new_object(), *arr = json_object_new_array();

	json_object_object_add(md, "offset", json_object_new_int64(info->metadata_offset));
	for (uint32_t i = 0; i < info->n_sections; i++) {
		const struct snpm_ovmf_section *s = &info->sections[i];
		struct json_object *o = json_object_new_object();
		snpm_json_add_u64_hex(o, "gpa", s->gpa);
		snpm_json_add_u64_hex(o, "size", s->size);
		json_object_object_add(o, "type",
				       json_object_new_string(snpm_section_type_name(s->type)));
		json_object_object_add(o, "type_id", json_object_new_int64(s->type));
		json_object_array_add(arr, o);
	}
	json_object_object_add(md, "sections", arr);
	return md;
}

static struct json_object *supports_json(const struct snpm_ovmf_info *info)
{
	struct json_object *o = json_object_new_object();
	bool sev_hashes = info->has_hashes_table && info->hashes_table_gpa != 0;

	json_object_object_add(o, "sev_es", json_object_new_boolean(info->has_reset_eip));
	json_object_object_add(o, "snp", json_object_new_boolean(info->has_reset_eip));
	json_object_object_add(o, "kernel_hashes_sev", json_object_new_boolean(sev_hashes));
	json_object_object_add(
		o, "kernel_hashes_snp",
		json_object_new_boolean(
			sev_hashes && snpm_ovmf_has_section(info, SNPM_SECTION_SNP_KERNEL_HASHES)));
	json_object_object_add(o, "svsm", json_object_new_boolean(info->has_svsm_info));
	return o;
}

int snpm_ovmf_to_json(const struct snpm_ovmf_info *info, const uint8_t *image,
		      const struct snpm_ovmf_digests *digests, bool pretty, char **ret_json,
		      struct snpm_error *reterr)
{
	struct json_object *o;
	char *text;

	if (!info || !ret_json)
		return snpm_fail(reterr, SNPM_EINVAL, "no firmware description");
	o = json_object_new_object();
	json_object_object_add(o, "size", json_object_new_int64((int64_t)info->size));
	snpm_json_add_u64_hex(o, "gpa", SNPM_FOUR_GIB - info->size);
	snpm_json_add_u64_hex(o, "gpa_end", SNPM_FOUR_GIB);
	if (digests && digests->has_sha256)
		snpm_json_add_hex(o, "sha256", digests->sha256, SNPM_SHA256_SIZE);
	if (digests && digests->has_snp)
		snpm_json_add_hex(o, "snp_ovmf_hash", digests->snp, SNPM_LD_SIZE);
	json_object_object_add(o, "table", entries_json(info, image));
	if (info->has_reset_eip)
		snpm_json_add_u64_hex(o, "sev_es_reset_eip", info->reset_eip);
	else
		json_object_object_add(o, "sev_es_reset_eip", NULL);
	if (info->has_hashes_table) {
		struct json_object *h = json_object_new_object();
		snpm_json_add_u64_hex(h, "gpa", info->hashes_table_gpa);
		json_object_object_add(h, "size", json_object_new_int64(info->hashes_table_size));
		json_object_object_add(o, "sev_hashes_table", h);
	} else {
		json_object_object_add(o, "sev_hashes_table", NULL);
	}
	if (info->has_svsm_info)
		snpm_json_add_u64_hex(o, "svsm_info_offset", info->svsm_info_offset);
	else
		json_object_object_add(o, "svsm_info_offset", NULL);
	json_object_object_add(o, "metadata", info->has_metadata ? sections_json(info) : NULL);
	json_object_object_add(o, "supports", supports_json(info));

	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE |
								(pretty ? JSON_C_TO_STRING_PRETTY :
									  JSON_C_TO_STRING_PLAIN)));
	json_object_put(o);
	if (!text)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	*ret_json = text;
	return 0;
}

/* A section's type by name, as snpm_ovmf_to_json() writes it beside type_id. */
static int section_type_by_name(struct json_object *v, uint32_t *ret, struct snpm_error *reterr)
{
	const char *name = NULL;

	if (snpm_json_str(v, "type", &name, reterr) < 0)
		return SNPM_EINVAL;
	for (uint32_t t = 0; t <= 0x10; t++)
		if (snpm_section_type_name(t) && strcmp(snpm_section_type_name(t), name) == 0) {
			*ret = t;
			return 0;
		}
	return snpm_fail(reterr, SNPM_EUNSUPPORTED, "unknown section type \"%s\"", name);
}

/* Ours: "type" (a name) and/or "type_id" (a number), which must agree. */
static int section_type_from_json(struct json_object *s, uint32_t index, uint32_t *ret,
				  struct snpm_error *reterr)
{
	struct json_object *name = NULL, *id = NULL;
	bool has_name = json_object_object_get_ex(s, "type", &name);
	bool has_id = json_object_object_get_ex(s, "type_id", &id);
	uint32_t by_name = 0, by_id = 0;
	int r = 0;

	if (!has_name && !has_id)
		return snpm_fail(reterr, SNPM_EINVAL, "section %u has no \"type\"", index);
	if (has_name)
		r = section_type_by_name(name, &by_name, reterr);
	if (r == 0 && has_id)
		r = snpm_json_u32(id, "type_id", &by_id, reterr);
	if (r == 0 && has_name && has_id && by_id != by_name)
		r = snpm_fail(reterr, SNPM_EINVAL, "section %u: \"type\" and \"type_id\" disagree",
			      index);
	*ret = has_id ? by_id : by_name;
	return r;
}

static const char *const our_section_keys[] = { "gpa", "size", "type", "type_id", NULL };
static const char *const dstack_section_keys[] = { "gpa", "size", "section_type", NULL };

static int section_from_json(struct json_object *s, uint32_t i, bool dstack,
			     struct snpm_ovmf_section *out, struct snpm_error *reterr)
{
	struct json_object *v;
	int r;

	if (!json_object_is_type(s, json_type_object))
		return snpm_fail(reterr, SNPM_EINVAL, "section %u is not an object", i);
	r = snpm_json_only_keys(s, "sections[]", dstack ? dstack_section_keys : our_section_keys,
				reterr);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(s, "gpa", &v) ||
	    (r = snpm_json_u32(v, "gpa", &out->gpa, reterr)) < 0)
		return r ? r : snpm_fail(reterr, SNPM_EINVAL, "section %u has no gpa", i);
	if (!json_object_object_get_ex(s, "size", &v) ||
	    (r = snpm_json_u32(v, "size", &out->size, reterr)) < 0)
		return r ? r : snpm_fail(reterr, SNPM_EINVAL, "section %u has no size", i);
	if (!dstack)
		return section_type_from_json(s, i, &out->type, reterr);
	if (!json_object_object_get_ex(s, "section_type", &v))
		return snpm_fail(reterr, SNPM_EINVAL, "section %u has no section_type", i);
	return snpm_json_u32(v, "section_type", &out->type, reterr);
}

/* Sections from a JSON array: ours, or dstack's {gpa, size, section_type}. */
int snpm_json_sections(struct json_object *arr, bool dstack, struct snpm_ovmf_info *info,
		       struct snpm_error *reterr)
{
	int r = 0;

	if (!json_object_is_type(arr, json_type_array))
		return snpm_fail(reterr, SNPM_EINVAL, "sections must be an array");
	if (json_object_array_length(arr) > SNPM_OVMF_MAX_SECTIONS)
		return snpm_fail(reterr, SNPM_EMALFORMED, "more than %u sections",
				 SNPM_OVMF_MAX_SECTIONS);
	info->has_metadata = true;
	info->n_sections = (uint32_t)json_object_array_length(arr);
	for (uint32_t i = 0; r == 0 && i < info->n_sections; i++)
		r = section_from_json(json_object_array_get_idx(arr, i), i, dstack,
				      &info->sections[i], reterr);
	return r < 0 ? r : snpm_ovmf_check_sections(info, reterr);
}

/* The footer table as snpm_ovmf_to_json() writes it: informational, but never misspelt. */
static int table_from_json(struct json_object *arr, struct snpm_error *reterr)
{
	static const char *const keys[] = { "guid", "name", "data", NULL };

	if (!json_object_is_type(arr, json_type_array))
		return snpm_fail(reterr, SNPM_EINVAL, "\"table\" must be an array");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(e, json_type_object))
			return snpm_fail(reterr, SNPM_EINVAL, "table entry %zu is not an object",
					 i);
		int r = snpm_json_only_keys(e, "table[]", keys, reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

static int supports_from_json(struct json_object *o, struct snpm_error *reterr)
{
	static const char *const keys[] = {
		"sev_es", "snp", "kernel_hashes_sev", "kernel_hashes_snp", "svsm", NULL
	};

	if (!json_object_is_type(o, json_type_object))
		return snpm_fail(reterr, SNPM_EINVAL, "\"supports\" must be an object");
	return snpm_json_only_keys(o, "supports", keys, reterr);
}

/* gpa and gpa_end follow from size; a document that says otherwise was edited. */
static int check_derived_gpa(struct json_object *o, uint64_t size, struct snpm_error *reterr)
{
	struct json_object *v;
	uint64_t gpa;
	int r = 0;

	if (json_object_object_get_ex(o, "gpa", &v)) {
		r = snpm_json_u64(v, "gpa", SNPM_FOUR_GIB, &gpa, reterr);
		if (r == 0 && gpa != SNPM_FOUR_GIB - size)
			r = snpm_fail(reterr, SNPM_EINVAL, "\"gpa\" 0x%llx is not 4 GiB - size",
				      (unsigned long long)gpa);
	}
	if (r == 0 && json_object_object_get_ex(o, "gpa_end", &v)) {
		r = snpm_json_u64(v, "gpa_end", SNPM_FOUR_GIB, &gpa, reterr);
		if (r == 0 && gpa != SNPM_FOUR_GIB)
			r = snpm_fail(reterr, SNPM_EINVAL, "\"gpa_end\" is not 4 GiB");
	}
	return r;
}

static int hashes_table_from_json(struct json_object *v, struct snpm_ovmf_info *info,
				  struct snpm_error *reterr)
{
	static const char *const keys[] = { "gpa", "size", NULL };
	struct json_object *w;
	int r;

	if (!json_object_is_type(v, json_type_object))
		return snpm_fail(reterr, SNPM_EINVAL, "\"sev_hashes_table\" must be an object");
	r = snpm_json_only_keys(v, "sev_hashes_table", keys, reterr);
	if (r < 0)
		return r;
	info->has_hashes_table = true;
	if (!json_object_object_get_ex(v, "gpa", &w))
		return snpm_fail(reterr, SNPM_EINVAL, "sev_hashes_table has no \"gpa\"");
	r = snpm_json_u32(w, "gpa", &info->hashes_table_gpa, reterr);
	if (r == 0 && json_object_object_get_ex(v, "size", &w))
		r = snpm_json_u32(w, "size", &info->hashes_table_size, reterr);
	return r;
}

static int metadata_from_json(struct json_object *v, struct snpm_ovmf_info *info,
			      struct snpm_error *reterr)
{
	static const char *const keys[] = { "offset", "sections", NULL };
	struct json_object *w;
	uint64_t offset;
	int r;

	if (!json_object_is_type(v, json_type_object))
		return snpm_fail(reterr, SNPM_EINVAL, "\"metadata\" must be an object");
	r = snpm_json_only_keys(v, "metadata", keys, reterr);
	if (r == 0 && json_object_object_get_ex(v, "offset", &w)) {
		r = snpm_json_u64(w, "metadata.offset", UINT32_MAX, &offset, reterr);
		info->metadata_offset = (uint32_t)offset;
	}
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(v, "sections", &w))
		return snpm_fail(reterr, SNPM_EINVAL, "metadata has no \"sections\"");
	return snpm_json_sections(w, false, info, reterr);
}

/* What snpm_ovmf_to_json() and `snpmeasure ovmf --json` write ("path": the file it was read
 * from); gpa, gpa_end, table and supports follow from the rest and are only checked. */
static const char *const metadata_keys[] = { "path",
					     "size",
					     "gpa",
					     "gpa_end",
					     "sha256",
					     "snp_ovmf_hash",
					     "table",
					     "sev_es_reset_eip",
					     "sev_hashes_table",
					     "svsm_info_offset",
					     "metadata",
					     "supports",
					     NULL };

int snpm_json_ovmf_fields(struct json_object *o, struct snpm_ovmf_info *info,
			  struct snpm_ovmf_digests *d, struct snpm_error *reterr)
{
	struct json_object *v;
	int r = snpm_json_only_keys(o, "", metadata_keys, reterr);

	if (r < 0)
		return r;
	if (!json_object_object_get_ex(o, "size", &v))
		return snpm_fail(reterr, SNPM_EINVAL, "firmware metadata has no \"size\"");
	r = snpm_json_u64(v, "size", SNPM_OVMF_MAX_SIZE, &info->size, reterr);
	if (r == 0)
		r = check_derived_gpa(o, info->size, reterr);
	if (r == 0 && snpm_json_nonnull(o, "table", &v))
		r = table_from_json(v, reterr);
	if (r == 0 && snpm_json_nonnull(o, "supports", &v))
		r = supports_from_json(v, reterr);
	if (r == 0 && snpm_json_nonnull(o, "sev_es_reset_eip", &v)) {
		info->has_reset_eip = true;
		r = snpm_json_u32(v, "sev_es_reset_eip", &info->reset_eip, reterr);
	}
	if (r == 0 && snpm_json_nonnull(o, "sev_hashes_table", &v))
		r = hashes_table_from_json(v, info, reterr);
	if (r == 0 && snpm_json_nonnull(o, "svsm_info_offset", &v)) {
		info->has_svsm_info = true;
		r = snpm_json_u32(v, "svsm_info_offset", &info->svsm_info_offset, reterr);
	}
	if (r == 0 && snpm_json_nonnull(o, "metadata", &v))
		r = metadata_from_json(v, info, reterr);
	if (r == 0 && snpm_json_nonnull(o, "snp_ovmf_hash", &v)) {
		d->has_snp = true;
		r = snpm_json_hex(v, "snp_ovmf_hash", d->snp, SNPM_LD_SIZE, reterr);
	}
	if (r == 0 && snpm_json_nonnull(o, "sha256", &v)) {
		d->has_sha256 = true;
		r = snpm_json_hex(v, "sha256", d->sha256, SNPM_SHA256_SIZE, reterr);
	}
	if (r == 0 && info->size % SNPM_PAGE_SIZE)
		r = snpm_fail(reterr, SNPM_EMALFORMED, "firmware size %llu is not page aligned",
			      (unsigned long long)info->size);
	return r;
}

int snpm_ovmf_from_json(const char *json, struct snpm_ovmf_info *ret_info,
			struct snpm_ovmf_digests *ret_digests, struct snpm_error *reterr)
{
	struct snpm_ovmf_info info;
	struct snpm_ovmf_digests d;
	struct json_object *o;
	int r = snpm_json_parse(json, &o, reterr);

	if (r < 0)
		return r;
	memset(&info, 0, sizeof(info));
	memset(&d, 0, sizeof(d));
	info.has_table = true;
	r = snpm_json_ovmf_fields(o, &info, &d, reterr);
	json_object_put(o);
	if (r < 0)
		return r;
	*ret_info = info;
	if (ret_digests)
		*ret_digests = d;
	return 0;
}
