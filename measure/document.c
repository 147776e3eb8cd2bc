/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON documents through json-c: firmware metadata out and back in, and measurement specs.
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

#include "crypto.h"

/* ---- small helpers ---- */

static void add_hex(struct json_object *o, const char *key, const uint8_t *d, size_t len)
{
	char buf[2 * SNPM_LD_SIZE + 1];

	snpm_hex_encode(d, len, buf);
	json_object_object_add(o, key, json_object_new_string(buf));
}

static void add_u64_hex(struct json_object *o, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	json_object_object_add(o, key, json_object_new_string(buf));
}

/*
 * A non-negative integer: a JSON integer, or a string in the grammar of snpm_parse_number()
 * (decimal, 0x, 0o or 0b; "0x0x4" and " 4" are not numbers).
 */
static int get_u64(struct json_object *v, const char *key, uint64_t max, uint64_t *ret,
		   struct snpm_error *reterr)
{
	if (json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);
		/* json-c saturates values it cannot hold at INT64_MAX. */
		if (i < 0 || i == INT64_MAX || (uint64_t)i > max)
			return snpm_fail(reterr, SNPM_ERANGE, "\"%s\" is out of range", key);
		*ret = (uint64_t)i;
		return 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		if (!snpm_parse_number(json_object_get_string(v), max, ret))
			return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" is not a number in range",
					 key);
		return 0;
	}
	return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" must be a number or a numeric string", key);
}

static int get_u32(struct json_object *v, const char *key, uint32_t *ret, struct snpm_error *reterr)
{
	uint64_t x;
	int r = get_u64(v, key, UINT32_MAX, &x, reterr);

	if (r == 0)
		*ret = (uint32_t)x;
	return r;
}

static int get_string(struct json_object *v, const char *key, const char **ret,
		      struct snpm_error *reterr)
{
	if (!json_object_is_type(v, json_type_string))
		return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" must be a string", key);
	*ret = json_object_get_string(v);
	return 0;
}

static int get_hex(struct json_object *v, const char *key, uint8_t *out, size_t len,
		   struct snpm_error *reterr)
{
	const char *s = NULL;
	int r = get_string(v, key, &s, reterr);

	if (r == 0 && !snpm_hex_decode(s, out, len))
		r = snpm_fail(reterr, SNPM_EINVAL, "\"%s\" must be %zu hex digits", key, 2 * len);
	return r;
}

static int dup_string(struct json_object *v, const char *key, char **ret, struct snpm_error *reterr)
{
	const char *s = NULL;
	int r = get_string(v, key, &s, reterr);

	if (r < 0)
		return r;
	free(*ret);
	*ret = strdup(s);
	return *ret ? 0 : snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
}

/* Members of every object in the tree. */
static size_t count_members(struct json_object *o)
{
	size_t n = 0;

	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			(void)k;
			n += 1 + count_members(v);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			n += count_members(json_object_array_get_idx(o, i));
	}
	return n;
}

/*
 * What json-c cannot be asked to refuse. It keeps the last of duplicate keys, cuts keys and
 * strings at an escaped NUL, and takes single-quoted keys, any of which could change a value. The text is known
 * to be strict JSON here, so outside strings a ':' separates exactly one member: fewer members
 * in the tree than colons in the text means a key was given twice.
 */
static int check_text(const char *json, struct json_object *o, struct snpm_error *reterr)
{
	size_t colons = 0;
	bool in_string = false;

	for (const char *p = json; *p; p++) {
		if (!in_string) {
			/* json-c takes 'single-quoted' keys even when strict; JSON has none. */
			if (*p == '\'')
				return snpm_fail(reterr, SNPM_EMALFORMED,
						 "not JSON: a single-quoted string");
			colons += *p == ':';
			in_string = *p == '"';
		} else if (*p == '\\') {
			if (p[1] == 'u' && strncmp(p + 2, "0000", 4) == 0)
				return snpm_fail(reterr, SNPM_EMALFORMED,
						 "a string holds a NUL character (\\u0000)");
			p++;
		} else {
			in_string = *p != '"';
		}
	}
	if (colons != count_members(o))
		return snpm_fail(reterr, SNPM_EMALFORMED, "a key appears twice in one object");
	return 0;
}

/* One JSON object per RFC 8259 and nothing else: no comments, single quotes, trailing commas,
 * invalid UTF-8, duplicate keys, escaped NULs or text after it. */
static int parse_text(const char *json, struct json_object **ret, struct snpm_error *reterr)
{
	enum json_tokener_error jerr;
	struct json_tokener *tok;
	struct json_object *o;
	size_t len, end;
	int r;

	if (!json)
		return snpm_fail(reterr, SNPM_EINVAL, "no document");
	len = strlen(json);
	if (len > INT32_MAX)
		return snpm_fail(reterr, SNPM_ERANGE, "document too large");
	tok = json_tokener_new();
	if (!tok)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || jerr != json_tokener_success) {
		json_object_put(o);
		return snpm_fail(reterr, SNPM_EMALFORMED, "not JSON: %s",
				 jerr == json_tokener_continue ? "unexpected end" :
								 json_tokener_error_desc(jerr));
	}
	end += strspn(json + end, " \t\r\n");
	r = end != len ? snpm_fail(reterr, SNPM_EMALFORMED, "text after the JSON value") : 0;
	if (r == 0 && !json_object_is_type(o, json_type_object))
		r = snpm_fail(reterr, SNPM_EMALFORMED, "the document must be a JSON object");
	if (r == 0)
		r = check_text(json, o, reterr);
	if (r < 0) {
		json_object_put(o);
		return r;
	}
	*ret = o;
	return 0;
}

/* A key for a message: at most a few dozen bytes of it, so a huge key stays one short line. */
static const char *key_excerpt(const char *key, char buf[48])
{
	size_t n = strlen(key);

	if (n < 40)
		return key;
	snprintf(buf, 48, "%.36s...", key);
	return buf;
}

static int unknown_key(struct snpm_error *reterr, const char *where, const char *key)
{
	char buf[48];

	return snpm_fail(reterr, SNPM_EINVAL, "unknown key \"%s%s%s\"", where, *where ? "." : "",
			 key_excerpt(key, buf));
}

/* Refuses any key of o not in the NULL-terminated list. */
static int only_keys(struct json_object *o, const char *where, const char *const *known,
		     struct snpm_error *reterr)
{
	json_object_object_foreach(o, k, v) {
		size_t i = 0;
		(void)v;
		while (known[i] && strcmp(known[i], k) != 0)
			i++;
		if (!known[i])
			return unknown_key(reterr, where, k);
	}
	return 0;
}

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
		add_u64_hex(o, "gpa", s->gpa);
		add_u64_hex(o, "size", s->size);
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
	add_u64_hex(o, "gpa", SNPM_FOUR_GIB - info->size);
	add_u64_hex(o, "gpa_end", SNPM_FOUR_GIB);
	if (digests && digests->has_sha256)
		add_hex(o, "sha256", digests->sha256, SNPM_SHA256_SIZE);
	if (digests && digests->has_snp)
		add_hex(o, "snp_ovmf_hash", digests->snp, SNPM_LD_SIZE);
	json_object_object_add(o, "table", entries_json(info, image));
	if (info->has_reset_eip)
		add_u64_hex(o, "sev_es_reset_eip", info->reset_eip);
	else
		json_object_object_add(o, "sev_es_reset_eip", NULL);
	if (info->has_hashes_table) {
		struct json_object *h = json_object_new_object();
		add_u64_hex(h, "gpa", info->hashes_table_gpa);
		json_object_object_add(h, "size", json_object_new_int64(info->hashes_table_size));
		json_object_object_add(o, "sev_hashes_table", h);
	} else {
		json_object_object_add(o, "sev_hashes_table", NULL);
	}
	if (info->has_svsm_info)
		add_u64_hex(o, "svsm_info_offset", info->svsm_info_offset);
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

	if (get_string(v, "type", &name, reterr) < 0)
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
		r = get_u32(id, "type_id", &by_id, reterr);
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
	r = only_keys(s, "sections[]", dstack ? dstack_section_keys : our_section_keys, reterr);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(s, "gpa", &v) ||
	    (r = get_u32(v, "gpa", &out->gpa, reterr)) < 0)
		return r ? r : snpm_fail(reterr, SNPM_EINVAL, "section %u has no gpa", i);
	if (!json_object_object_get_ex(s, "size", &v) ||
	    (r = get_u32(v, "size", &out->size, reterr)) < 0)
		return r ? r : snpm_fail(reterr, SNPM_EINVAL, "section %u has no size", i);
	if (!dstack)
		return section_type_from_json(s, i, &out->type, reterr);
	if (!json_object_object_get_ex(s, "section_type", &v))
		return snpm_fail(reterr, SNPM_EINVAL, "section %u has no section_type", i);
	return get_u32(v, "section_type", &out->type, reterr);
}

/* Sections from a JSON array: ours, or dstack's {gpa, size, section_type}. */
static int sections_from_json(struct json_object *arr, bool dstack, struct snpm_ovmf_info *info,
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
		int r = only_keys(e, "table[]", keys, reterr);
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
	return only_keys(o, "supports", keys, reterr);
}

/* gpa and gpa_end follow from size; a document that says otherwise was edited. */
static int check_derived_gpa(struct json_object *o, uint64_t size, struct snpm_error *reterr)
{
	struct json_object *v;
	uint64_t gpa;
	int r = 0;

	if (json_object_object_get_ex(o, "gpa", &v)) {
		r = get_u64(v, "gpa", SNPM_FOUR_GIB, &gpa, reterr);
		if (r == 0 && gpa != SNPM_FOUR_GIB - size)
			r = snpm_fail(reterr, SNPM_EINVAL, "\"gpa\" 0x%llx is not 4 GiB - size",
				      (unsigned long long)gpa);
	}
	if (r == 0 && json_object_object_get_ex(o, "gpa_end", &v)) {
		r = get_u64(v, "gpa_end", SNPM_FOUR_GIB, &gpa, reterr);
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
	r = only_keys(v, "sev_hashes_table", keys, reterr);
	if (r < 0)
		return r;
	info->has_hashes_table = true;
	if (!json_object_object_get_ex(v, "gpa", &w))
		return snpm_fail(reterr, SNPM_EINVAL, "sev_hashes_table has no \"gpa\"");
	r = get_u32(w, "gpa", &info->hashes_table_gpa, reterr);
	if (r == 0 && json_object_object_get_ex(v, "size", &w))
		r = get_u32(w, "size", &info->hashes_table_size, reterr);
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
	r = only_keys(v, "metadata", keys, reterr);
	if (r == 0 && json_object_object_get_ex(v, "offset", &w)) {
		r = get_u64(w, "metadata.offset", UINT32_MAX, &offset, reterr);
		info->metadata_offset = (uint32_t)offset;
	}
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(v, "sections", &w))
		return snpm_fail(reterr, SNPM_EINVAL, "metadata has no \"sections\"");
	return sections_from_json(w, false, info, reterr);
}

/* A nullable member: absent and null both mean "not there". */
static bool get_nonnull(struct json_object *o, const char *key, struct json_object **v)
{
	return json_object_object_get_ex(o, key, v) && *v;
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

static int ovmf_fields_from_json(struct json_object *o, struct snpm_ovmf_info *info,
				 struct snpm_ovmf_digests *d, struct snpm_error *reterr)
{
	struct json_object *v;
	int r = only_keys(o, "", metadata_keys, reterr);

	if (r < 0)
		return r;
	if (!json_object_object_get_ex(o, "size", &v))
		return snpm_fail(reterr, SNPM_EINVAL, "firmware metadata has no \"size\"");
	r = get_u64(v, "size", SNPM_OVMF_MAX_SIZE, &info->size, reterr);
	if (r == 0)
		r = check_derived_gpa(o, info->size, reterr);
	if (r == 0 && get_nonnull(o, "table", &v))
		r = table_from_json(v, reterr);
	if (r == 0 && get_nonnull(o, "supports", &v))
		r = supports_from_json(v, reterr);
	if (r == 0 && get_nonnull(o, "sev_es_reset_eip", &v)) {
		info->has_reset_eip = true;
		r = get_u32(v, "sev_es_reset_eip", &info->reset_eip, reterr);
	}
	if (r == 0 && get_nonnull(o, "sev_hashes_table", &v))
		r = hashes_table_from_json(v, info, reterr);
	if (r == 0 && get_nonnull(o, "svsm_info_offset", &v)) {
		info->has_svsm_info = true;
		r = get_u32(v, "svsm_info_offset", &info->svsm_info_offset, reterr);
	}
	if (r == 0 && get_nonnull(o, "metadata", &v))
		r = metadata_from_json(v, info, reterr);
	if (r == 0 && get_nonnull(o, "snp_ovmf_hash", &v)) {
		d->has_snp = true;
		r = get_hex(v, "snp_ovmf_hash", d->snp, SNPM_LD_SIZE, reterr);
	}
	if (r == 0 && get_nonnull(o, "sha256", &v)) {
		d->has_sha256 = true;
		r = get_hex(v, "sha256", d->sha256, SNPM_SHA256_SIZE, reterr);
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
	int r = parse_text(json, &o, reterr);

	if (r < 0)
		return r;
	memset(&info, 0, sizeof(info));
	memset(&d, 0, sizeof(d));
	info.has_table = true;
	r = ovmf_fields_from_json(o, &info, &d, reterr);
	json_object_put(o);
	if (r < 0)
		return r;
	*ret_info = info;
	if (ret_digests)
		*ret_digests = d;
	return 0;
}

/* ---- specs ---- */

void snpm_spec_free(struct snpm_spec *spec)
{
	if (!spec)
		return;
	free(spec->vcpu_type);
	free(spec->firmware_path);
	free(spec->firmware_metadata_path);
	free(spec->kernel_path);
	free(spec->initrd_path);
	free(spec->cmdline);
	free(spec->svsm_path);
	free(spec);
}

/* vcpu_type, vcpu_sig and vcpu_family/model/stepping may all be given, but must name one CPU:
 * which key wins would otherwise depend on the order the document lists them in. */
static int set_vcpu_sig(struct snpm_spec *spec, uint32_t sig, const char *key,
			struct snpm_error *reterr)
{
	if ((spec->given & SNPM_SPEC_VCPU_SIG) && spec->vcpu_sig != sig)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "\"%s\" (0x%x) names a different CPU than the document's other "
				 "vCPU keys (0x%x)",
				 key, sig, spec->vcpu_sig);
	spec->vcpu_sig = sig;
	spec->given |= SNPM_SPEC_VCPU_SIG;
	return 0;
}

static int set_vcpu_type(struct snpm_spec *spec, const char *name, bool any_case,
			 struct snpm_error *reterr)
{
	uint32_t sig = 0;
	const char *canonical = NULL;

	for (size_t i = 0; snpm_cpu_type_name(i); i++)
		if (any_case ? strcasecmp(snpm_cpu_type_name(i), name) == 0 :
			       strcmp(snpm_cpu_type_name(i), name) == 0)
			canonical = snpm_cpu_type_name(i);
	if (!canonical)
		return snpm_fail(reterr, SNPM_EINVAL, "unknown vCPU type \"%s\"", name);
	snpm_cpu_type_sig(canonical, &sig);
	int r = set_vcpu_sig(spec, sig, "vcpu_type", reterr);
	if (r < 0)
		return r;
	free(spec->vcpu_type);
	spec->vcpu_type = strdup(canonical);
	return spec->vcpu_type ? 0 : snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
}

static int set_features(struct snpm_spec *spec, struct json_object *v, struct snpm_error *reterr)
{
	spec->given |= SNPM_SPEC_GUEST_FEATURES;
	if (json_object_is_type(v, json_type_string))
		return snpm_guest_features_parse(json_object_get_string(v), &spec->guest_features,
						 reterr);
	return get_u64(v, "guest_features", UINT64_MAX, &spec->guest_features, reterr);
}

/* "file" or {"path": "file"} or {"sha256": "hex"}. */
static int file_or_hash(struct json_object *v, const char *key, char **path, bool *has_hash,
			uint8_t hash[SNPM_SHA256_SIZE], struct snpm_error *reterr)
{
	struct json_object *w;

	if (json_object_is_type(v, json_type_string))
		return dup_string(v, key, path, reterr);
	if (!json_object_is_type(v, json_type_object))
		return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" must be a path or an object", key);
	json_object_object_foreach(v, k, val) {
		(void)val;
		if (strcmp(k, "path") != 0 && strcmp(k, "sha256") != 0)
			return unknown_key(reterr, key, k);
	}
	if (json_object_object_get_ex(v, "path", &w) &&
	    json_object_object_get_ex(v, "sha256", NULL))
		return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" gives both a path and a sha256", key);
	if (json_object_object_get_ex(v, "path", &w))
		return dup_string(w, key, path, reterr);
	if (!json_object_object_get_ex(v, "sha256", &w))
		return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" needs \"path\" or \"sha256\"", key);
	*has_hash = true;
	return get_hex(w, key, hash, SNPM_SHA256_SIZE, reterr);
}

static int spec_firmware(struct snpm_spec *spec, struct json_object *v, struct snpm_error *reterr)
{
	int r = 0;

	if (json_object_is_type(v, json_type_string))
		return dup_string(v, "firmware", &spec->firmware_path, reterr);
	if (!json_object_is_type(v, json_type_object))
		return snpm_fail(reterr, SNPM_EINVAL, "\"firmware\" must be a path or an object");
	json_object_object_foreach(v, k, val) {
		if (strcmp(k, "path") == 0) {
			r = dup_string(val, "firmware.path", &spec->firmware_path, reterr);
		} else if (strcmp(k, "snp_ovmf_hash") == 0) {
			spec->firmware_digests.has_snp = true;
			r = get_hex(val, "firmware.snp_ovmf_hash", spec->firmware_digests.snp,
				    SNPM_LD_SIZE, reterr);
		} else if (strcmp(k, "metadata") == 0 &&
			   json_object_is_type(val, json_type_string)) {
			r = dup_string(val, "firmware.metadata", &spec->firmware_metadata_path,
				       reterr);
		} else if (strcmp(k, "metadata") == 0) {
			struct snpm_ovmf_digests d = { 0 };
			memset(&spec->firmware_metadata, 0, sizeof(spec->firmware_metadata));
			spec->has_firmware_metadata = true;
			spec->firmware_metadata.has_table = true;
			r = ovmf_fields_from_json(val, &spec->firmware_metadata, &d, reterr);
			if (r == 0 && d.has_snp && !spec->firmware_digests.has_snp)
				spec->firmware_digests = d;
		} else {
			r = unknown_key(reterr, "firmware", k);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int spec_svsm(struct snpm_spec *spec, struct json_object *v, struct snpm_error *reterr)
{
	struct json_object *w;
	int r = 0;

	static const char *const keys[] = { "path", "vars_size", NULL };

	if (!json_object_is_type(v, json_type_object))
		return snpm_fail(reterr, SNPM_EINVAL, "\"svsm\" must be an object");
	r = only_keys(v, "svsm", keys, reterr);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(v, "path", &w))
		return snpm_fail(reterr, SNPM_EINVAL, "\"svsm\" needs \"path\"");
	r = dup_string(w, "svsm.path", &spec->svsm_path, reterr);
	if (r == 0 && json_object_object_get_ex(v, "vars_size", &w)) {
		spec->given |= SNPM_SPEC_VARS_SIZE;
		r = get_u64(w, "svsm.vars_size", SNPM_FOUR_GIB, &spec->vars_size, reterr);
	}
	return r;
}

static int spec_vmsa(struct snpm_spec *spec, struct json_object *v, struct snpm_error *reterr)
{
	int r = 0;

	if (!json_object_is_type(v, json_type_object))
		return snpm_fail(reterr, SNPM_EINVAL, "\"vmsa\" must be an object");
	json_object_object_foreach(v, k, val) {
		const char *s = NULL;
		if (strcmp(k, "gpa") == 0) {
			spec->given |= SNPM_SPEC_VMSA_GPA;
			r = get_u64(val, "vmsa.gpa", SNPM_GPA_LIMIT - 1, &spec->vmsa_gpa, reterr);
		} else if (strcmp(k, "fpu") == 0) {
			spec->given |= SNPM_SPEC_VMSA_FPU;
			r = get_string(val, "vmsa.fpu", &s, reterr);
			if (r == 0 && strcmp(s, "legacy-kvm") == 0)
				spec->vmsa_fpu = SNPM_VMSA_FPU_LEGACY_KVM;
			else if (r == 0 && strcmp(s, "default") != 0)
				r = snpm_fail(reterr, SNPM_EINVAL,
					      "\"vmsa.fpu\" is \"default\" or \"legacy-kvm\"");
		} else {
			r = unknown_key(reterr, "vmsa", k);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int spec_cpu_family(struct snpm_spec *spec, struct json_object *o, struct snpm_error *reterr)
{
	struct json_object *f, *m, *s;
	uint32_t family, model, stepping;
	int r;

	if (!json_object_object_get_ex(o, "vcpu_family", &f) ||
	    !json_object_object_get_ex(o, "vcpu_model", &m) ||
	    !json_object_object_get_ex(o, "vcpu_stepping", &s))
		return snpm_fail(
			reterr, SNPM_EINVAL,
			"\"vcpu_family\", \"vcpu_model\" and \"vcpu_stepping\" go together");
	r = get_u32(f, "vcpu_family", &family, reterr);
	if (r == 0)
		r = get_u32(m, "vcpu_model", &model, reterr);
	if (r == 0)
		r = get_u32(s, "vcpu_stepping", &stepping, reterr);
	if (r == 0)
		r = set_vcpu_sig(spec, snpm_cpu_sig(family, model, stepping), "vcpu_family",
				 reterr);
	return r;
}

/* One key of our schema. */
static int spec_key(struct snpm_spec *spec, struct json_object *o, const char *k,
		    struct json_object *v, struct snpm_error *reterr)
{
	const char *s = NULL;

	if (strcmp(k, "mode") == 0) {
		spec->given |= SNPM_SPEC_MODE;
		if (get_string(v, k, &s, reterr) < 0 || snpm_mode_parse(s, &spec->mode) < 0)
			return snpm_fail(reterr, SNPM_EINVAL, "unknown \"mode\"");
		return 0;
	}
	if (strcmp(k, "vmm") == 0) {
		spec->given |= SNPM_SPEC_VMM;
		if (get_string(v, k, &s, reterr) < 0 || snpm_vmm_parse(s, &spec->vmm) < 0)
			return snpm_fail(reterr, SNPM_EINVAL, "unknown \"vmm\"");
		return 0;
	}
	if (strcmp(k, "vmm_version") == 0) {
		spec->given |= SNPM_SPEC_VMM_VERSION;
		uint32_t ver = 0;
		int r = get_u32(v, k, &ver, reterr);
		spec->vmm_version = ver;
		return r;
	}
	if (strcmp(k, "vcpus") == 0) {
		spec->given |= SNPM_SPEC_VCPUS;
		return get_u32(v, k, &spec->vcpus, reterr);
	}
	if (strcmp(k, "vcpu_type") == 0)
		return get_string(v, k, &s, reterr) < 0 ? SNPM_EINVAL :
							  set_vcpu_type(spec, s, false, reterr);
	if (strcmp(k, "vcpu_sig") == 0) {
		uint32_t sig = 0;
		int r = get_u32(v, k, &sig, reterr);
		return r < 0 ? r : set_vcpu_sig(spec, sig, k, reterr);
	}
	if (strcmp(k, "vcpu_family") == 0)
		return spec_cpu_family(spec, o, reterr);
	if (strcmp(k, "vcpu_model") == 0 || strcmp(k, "vcpu_stepping") == 0)
		return json_object_object_get_ex(o, "vcpu_family", NULL) ?
			       0 :
			       snpm_fail(reterr, SNPM_EINVAL, "\"%s\" needs \"vcpu_family\"", k);
	if (strcmp(k, "guest_features") == 0)
		return set_features(spec, v, reterr);
	if (strcmp(k, "firmware") == 0)
		return spec_firmware(spec, v, reterr);
	if (strcmp(k, "kernel") == 0)
		return file_or_hash(v, k, &spec->kernel_path, &spec->has_kernel_sha256,
				    spec->kernel_sha256, reterr);
	if (strcmp(k, "initrd") == 0)
		return file_or_hash(v, k, &spec->initrd_path, &spec->has_initrd_sha256,
				    spec->initrd_sha256, reterr);
	if (strcmp(k, "cmdline") == 0) {
		spec->given |= SNPM_SPEC_CMDLINE;
		return dup_string(v, k, &spec->cmdline, reterr);
	}
	if (strcmp(k, "svsm") == 0)
		return spec_svsm(spec, v, reterr);
	if (strcmp(k, "vmsa") == 0)
		return spec_vmsa(spec, v, reterr);
	return unknown_key(reterr, "", k);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* dstack-mr's MeasurementInput (dstack-mr/src/sev.rs): serde with deny_unknown_fields. */
static const char *const dstack_keys[] = {
	"base_cmdline",		"ovmf_hash",	    "kernel_hash", "initrd_hash",
	"sev_hashes_table_gpa", "sev_es_reset_eip", "vcpus",	   "vcpu_type",
	"guest_features",	"ovmf_sections",    NULL
};

/* dstack's numbers are serde integers: a JSON integer, never a string. */
static int dstack_u64(struct json_object *o, const char *key, uint64_t max, uint64_t *ret,
		      struct snpm_error *reterr)
{
	struct json_object *v = json_object_object_get(o, key);

	if (!json_object_is_type(v, json_type_int))
		return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" must be a JSON integer", key);
	return get_u64(v, key, max, ret, reterr);
}

static int dstack_u32(struct json_object *o, const char *key, uint32_t *ret,
		      struct snpm_error *reterr)
{
	uint64_t v = 0;
	int r = dstack_u64(o, key, UINT32_MAX, &v, reterr);

	*ret = (uint32_t)v;
	return r;
}

/* The checks of dstack's validate_measurement_input(), so what we measure dstack accepts. */
static int dstack_validate(const struct snpm_spec *spec, struct snpm_error *reterr)
{
	const struct snpm_ovmf_info *fw = &spec->firmware_metadata;

	if (spec->guest_features == 0)
		return snpm_fail(reterr, SNPM_EINVAL, "\"guest_features\" must be non-zero");
	if (spec->vcpus == 0 || spec->vcpus > 512)
		return snpm_fail(reterr, SNPM_ERANGE, "\"vcpus\" must be within 1..512");
	if (fw->n_sections == 0)
		return snpm_fail(reterr, SNPM_EINVAL, "\"ovmf_sections\" must not be empty");
	if (!snpm_ovmf_has_section(fw, SNPM_SECTION_SNP_KERNEL_HASHES))
		return snpm_fail(reterr, SNPM_EINVAL,
				 "\"ovmf_sections\" has no SNP_KERNEL_HASHES section");
	if (fw->hashes_table_gpa == 0 || fw->reset_eip == 0)
		return snpm_fail(
			reterr, SNPM_EINVAL,
			"\"sev_hashes_table_gpa\" and \"sev_es_reset_eip\" must be non-zero");
	return 0;
}

static int dstack_hashes(struct snpm_spec *spec, struct json_object *o, struct snpm_error *reterr)
{
	const char *s = NULL;
	int r = get_hex(json_object_object_get(o, "ovmf_hash"), "ovmf_hash",
			spec->firmware_digests.snp, SNPM_LD_SIZE, reterr);

	spec->firmware_digests.has_snp = r == 0;
	if (r == 0) {
		spec->has_kernel_sha256 = true;
		r = get_hex(json_object_object_get(o, "kernel_hash"), "kernel_hash",
			    spec->kernel_sha256, SNPM_SHA256_SIZE, reterr);
	}
	/* dstack: an empty initrd_hash is the SHA-256 of an empty initrd. */
	if (r == 0)
		r = get_string(json_object_object_get(o, "initrd_hash"), "initrd_hash", &s, reterr);
	if (r == 0 && *s) {
		spec->has_initrd_sha256 = true;
		r = get_hex(json_object_object_get(o, "initrd_hash"), "initrd_hash",
			    spec->initrd_sha256, SNPM_SHA256_SIZE, reterr);
	}
	return r;
}

static int dstack_cmdline(struct snpm_spec *spec, struct json_object *o, struct snpm_error *reterr)
{
	int r;

	spec->given |= SNPM_SPEC_CMDLINE;
	r = dup_string(json_object_object_get(o, "base_cmdline"), "base_cmdline", &spec->cmdline,
		       reterr);
	if (r == 0) {
		size_t n = strlen(spec->cmdline);
		spec->cmdline_trim_differs =
			n && (is_space(spec->cmdline[0]) || is_space(spec->cmdline[n - 1]));
	}
	return r;
}

/*
 * The document as dstack reads it: every key required, no other key, numbers as JSON integers;
 * always SNP under QEMU. dstack trims base_cmdline; QEMU hashes the -append string as given, so
 * it is kept verbatim.
 */
static int spec_dstack(struct snpm_spec *spec, struct json_object *o, struct snpm_error *reterr)
{
	struct snpm_ovmf_info *fw = &spec->firmware_metadata;
	const char *s = NULL;
	int r = only_keys(o, "", dstack_keys, reterr);

	for (size_t i = 0; r == 0 && dstack_keys[i]; i++)
		if (!json_object_object_get_ex(o, dstack_keys[i], NULL))
			r = snpm_fail(reterr, SNPM_EINVAL, "MeasurementInput has no \"%s\"",
				      dstack_keys[i]);
	if (r < 0)
		return r;
	spec->dstack = true;
	spec->mode = SNPM_MODE_SNP;
	spec->vmm = SNPM_VMM_QEMU;
	spec->given |= SNPM_SPEC_MODE | SNPM_SPEC_VMM | SNPM_SPEC_VCPUS | SNPM_SPEC_GUEST_FEATURES;
	spec->has_firmware_metadata = true;
	fw->has_table = fw->has_hashes_table = fw->has_reset_eip = true;
	r = dstack_hashes(spec, o, reterr);
	if (r == 0)
		r = sections_from_json(json_object_object_get(o, "ovmf_sections"), true, fw,
				       reterr);
	if (r == 0)
		r = dstack_u32(o, "sev_hashes_table_gpa", &fw->hashes_table_gpa, reterr);
	if (r == 0)
		r = dstack_u32(o, "sev_es_reset_eip", &fw->reset_eip, reterr);
	if (r == 0)
		r = dstack_cmdline(spec, o, reterr);
	if (r == 0)
		r = dstack_u32(o, "vcpus", &spec->vcpus, reterr);
	if (r == 0)
		r = get_string(json_object_object_get(o, "vcpu_type"), "vcpu_type", &s, reterr);
	if (r == 0)
		r = set_vcpu_type(spec, s, true, reterr);
	if (r == 0)
		r = dstack_u64(o, "guest_features", UINT64_MAX, &spec->guest_features, reterr);
	return r < 0 ? r : dstack_validate(spec, reterr);
}

int snpm_spec_parse(const char *json, struct snpm_spec **ret, struct snpm_error *reterr)
{
	struct snpm_spec *spec;
	struct json_object *o;
	int r = parse_text(json, &o, reterr);

	if (r < 0)
		return r;
	spec = calloc(1, sizeof(*spec));
	if (!spec) {
		json_object_put(o);
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	}
	if (json_object_object_get_ex(o, "ovmf_sections", NULL) &&
	    json_object_object_get_ex(o, "ovmf_hash", NULL)) {
		r = spec_dstack(spec, o, reterr);
	} else {
		json_object_object_foreach(o, k, v) {
			r = spec_key(spec, o, k, v, reterr);
			if (r < 0)
				break;
		}
	}
	json_object_put(o);
	if (r < 0) {
		snpm_spec_free(spec);
		return r;
	}
	*ret = spec;
	return 0;
}
