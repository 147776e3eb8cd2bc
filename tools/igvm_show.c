/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What an IGVM file holds, header by header, as text or JSON (snpmeasure igvm). Linear in the
 * headers, whatever the file: tests/fuzz/fuzz_igvm.c shows every file it parses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *section_name(unsigned s)
{
	return s == SNPM_IGVM_SECTION_PLATFORM	     ? "platform" :
	       s == SNPM_IGVM_SECTION_INITIALIZATION ? "initialization" :
						       "directive";
}

static const char *data_type_name(uint16_t t)
{
	static const char *const names[] = { "NORMAL", "SECRETS", "CPUID_DATA", "CPUID_XF" };

	return t < 4 ? names[t] : "?";
}

/*
 * The platforms a file declares, read once: a header's mask is named from this list (at most
 * 32 entries, one per mask bit), so that showing n headers costs O(n), not a walk of the file
 * per header.
 */
struct platforms {
	uint32_t mask[32];
	const char *name[32];
	size_t n;
};

static void read_platforms(const struct snpm_igvm *f, struct platforms *p)
{
	p->n = 0;
	for (size_t i = 0; i < snpm_igvm_count(f) && p->n < 32; i++) {
		struct snpm_igvm_header h;
		snpm_igvm_header(f, i, &h);
		if (h.section != SNPM_IGVM_SECTION_PLATFORM)
			break; /* platform headers come first, and only there */
		if (h.type != SNPM_IGVM_SUPPORTED_PLATFORM)
			continue;
		p->mask[p->n] = h.compatibility_mask;
		p->name[p->n++] = snpm_igvm_platform_name(h.platform_type);
	}
}

/* The masks of mask as platform names: "SEV_SNP,SEV_ES". */
static void mask_names(const struct platforms *p, uint32_t mask, char *out, size_t n)
{
	size_t at = 0;

	out[0] = '\0';
	for (size_t i = 0; i < p->n; i++)
		if ((p->mask[i] & mask) && at < n)
			at += (size_t)snprintf(out + at, n - at, "%s%s", at ? "," : "", p->name[i]);
	if (!at)
		snprintf(out, n, "none");
}

static void add_id_block(struct json_object *o, const struct snpm_igvm *f, size_t i)
{
	struct snpm_igvm_id_block id;

	if (snpm_igvm_id_block(f, i, &id) < 0)
		return;
	json_add_hex(o, "ld", id.ld, sizeof(id.ld));
	json_add_hex(o, "family_id", id.family_id, sizeof(id.family_id));
	json_add_hex(o, "image_id", id.image_id, sizeof(id.image_id));
	json_object_object_add(o, "version", json_object_new_int64(id.version));
	json_object_object_add(o, "guest_svn", json_object_new_int64(id.guest_svn));
	json_object_object_add(o, "author_key_enabled",
			       json_object_new_boolean(id.author_key_enabled));
}

/* The directives that place something at a GPA. */
static bool has_gpa(const struct snpm_igvm_header *h)
{
	switch (h->type) {
	case SNPM_IGVM_PAGE_DATA:
	case SNPM_IGVM_PARAMETER_INSERT:
	case SNPM_IGVM_VP_CONTEXT:
	case SNPM_IGVM_REQUIRED_MEMORY:
	case SNPM_IGVM_ERROR_RANGE:
		return true;
	default:
		return false;
	}
}

static struct json_object *header_json(const struct snpm_igvm *f, const struct platforms *p,
				       size_t i)
{
	struct snpm_igvm_header hv, *h = &hv;
	snpm_igvm_header(f, i, &hv);
	const char *name = snpm_igvm_type_name(h->type);
	struct json_object *o = json_object_new_object();
	char masks[96];

	json_add_str(o, "type", name ? name : "unknown");
	json_add_u64_hex(o, "type_value", h->type);
	json_add_str(o, "section", section_name(h->section));
	json_object_object_add(o, "index", json_object_new_int64(h->index));
	json_add_u64_hex(o, "offset", h->offset);
	if (h->compatibility_mask) {
		json_add_u64_hex(o, "compatibility_mask", h->compatibility_mask);
		mask_names(p, h->compatibility_mask, masks, sizeof(masks));
		json_add_str(o, "platforms", masks);
	}
	switch (h->type) {
	case SNPM_IGVM_SUPPORTED_PLATFORM:
		json_add_str(o, "platform", snpm_igvm_platform_name(h->platform_type));
		json_object_object_add(o, "highest_vtl", json_object_new_int(h->highest_vtl));
		json_object_object_add(o, "platform_version",
				       json_object_new_int(h->platform_version));
		json_add_u64_hex(o, "shared_gpa_boundary", h->shared_gpa_boundary);
		break;
	case SNPM_IGVM_GUEST_POLICY:
		json_add_u64_hex(o, "policy", h->policy);
		break;
	case SNPM_IGVM_PAGE_DATA:
		json_add_str(o, "data_type", data_type_name(h->data_type));
		json_add_u64_hex(o, "flags", h->flags);
		json_object_object_add(o, "unmeasured",
				       json_object_new_boolean(h->flags &
							       SNPM_IGVM_PAGE_UNMEASURED));
		json_object_object_add(o, "has_data", json_object_new_boolean(h->file_offset != 0));
		break;
	case SNPM_IGVM_VP_CONTEXT:
		json_object_object_add(o, "vp_index", json_object_new_int(h->vp_index));
		break;
	case SNPM_IGVM_SNP_ID_BLOCK:
		add_id_block(o, f, i);
		break;
	default:
		break;
	}
	if (h->type == SNPM_IGVM_PARAMETER_AREA || h->type == SNPM_IGVM_PARAMETER_INSERT ||
	    (h->section == SNPM_IGVM_SECTION_DIRECTIVE && h->parameter_area_index))
		json_object_object_add(o, "parameter_area",
				       json_object_new_int64(h->parameter_area_index));
	if (has_gpa(h))
		json_add_u64_hex(o, "gpa", h->gpa);
	if (h->size)
		json_object_object_add(o, "size", json_object_new_int64((int64_t)h->size));
	if (h->file_offset)
		json_add_u64_hex(o, "file_offset", h->file_offset);
	return o;
}

void igvm_print(FILE *out, const char *path, const struct snpm_igvm *f, uint64_t size)
{
	struct platforms p;
	unsigned section = 0;

	read_platforms(f, &p);
	fprintf(out, "file      %s (%llu bytes, IGVM format %u, %zu headers)\n", path,
		(unsigned long long)size, snpm_igvm_version(f), snpm_igvm_count(f));
	for (size_t i = 0; i < snpm_igvm_count(f); i++) {
		struct snpm_igvm_header hv, *h = &hv;
		snpm_igvm_header(f, i, &hv);
		const char *name = snpm_igvm_type_name(h->type);
		char masks[96], range[64] = "";
		if (h->section != section) {
			section = h->section;
			fprintf(out, "\n%s headers:\n", section_name(section));
		}
		mask_names(&p, h->compatibility_mask, masks, sizeof(masks));
		if (has_gpa(h) && h->size)
			snprintf(range, sizeof(range), " 0x%llx-0x%llx", (unsigned long long)h->gpa,
				 (unsigned long long)(h->gpa + h->size - 1));
		fprintf(out, "  %4u %-20s%s", h->index, name ? name : "unknown", range);
		if (h->type == SNPM_IGVM_SUPPORTED_PLATFORM)
			fprintf(out, " %s mask 0x%x vtl %u",
				snpm_igvm_platform_name(h->platform_type), h->compatibility_mask,
				h->highest_vtl);
		else if (h->compatibility_mask)
			fprintf(out, " [%s]", masks);
		if (h->type == SNPM_IGVM_GUEST_POLICY)
			fprintf(out, " policy 0x%llx", (unsigned long long)h->policy);
		if (h->type == SNPM_IGVM_PAGE_DATA)
			fprintf(out, " %s%s%s", data_type_name(h->data_type),
				h->flags & SNPM_IGVM_PAGE_UNMEASURED ? " unmeasured" : "",
				h->file_offset ? "" : " zero");
		if (h->type == SNPM_IGVM_PARAMETER_AREA)
			fprintf(out, " area %u, %llu bytes", h->parameter_area_index,
				(unsigned long long)h->size);
		else if (h->type == SNPM_IGVM_PARAMETER_INSERT)
			fprintf(out, " area %u", h->parameter_area_index);
		else if (h->section == SNPM_IGVM_SECTION_DIRECTIVE && !has_gpa(h) &&
			 h->type != SNPM_IGVM_SNP_ID_BLOCK && h->type != SNPM_IGVM_VBS_MEASUREMENT)
			fprintf(out, " area %u offset %u", h->parameter_area_index, h->byte_offset);
		if (h->type == SNPM_IGVM_VP_CONTEXT)
			fprintf(out, " vCPU %u", h->vp_index);
		if (h->type == SNPM_IGVM_CORIM_DOCUMENT || h->type == SNPM_IGVM_CORIM_SIGNATURE)
			fprintf(out, " %llu bytes at file offset 0x%x", (unsigned long long)h->size,
				h->file_offset);
		if (h->type == SNPM_IGVM_SNP_ID_BLOCK) {
			struct snpm_igvm_id_block id;
			char ld[2 * SNPM_LD_SIZE + 1];
			snpm_igvm_id_block(f, i, &id);
			to_hex(id.ld, sizeof(id.ld), ld);
			fprintf(out, " ld %s svn %u", ld, id.guest_svn);
		}
		fputc('\n', out);
	}
}

static struct json_object *file_json(const char *path, const struct snpm_igvm *f, uint64_t size,
				     const struct snpm_igvm_corim *corim)
{
	struct json_object *o = json_object_new_object();

	json_add_str(o, "path", path);
	json_object_object_add(o, "size", json_object_new_int64((int64_t)size));
	json_object_object_add(o, "format_version", json_object_new_int64(snpm_igvm_version(f)));
	if (corim && corim->present) {
		struct json_object *c = json_object_new_object();
		json_add_str(c, "platform", "SEV_SNP");
		json_add_hex(c, "launch_digest", corim->digest, SNPM_LD_SIZE);
		json_object_object_add(c, "svn", json_object_new_int64((int64_t)corim->svn));
		json_object_object_add(c, "signed", json_object_new_boolean(corim->signed_));
		json_object_object_add(o, "corim", c);
	}
	return o;
}

void igvm_print_corim(FILE *out, const struct snpm_igvm_corim *corim)
{
	char hex[2 * SNPM_LD_SIZE + 1];

	if (!corim || !corim->present)
		return;
	to_hex(corim->digest, SNPM_LD_SIZE, hex);
	fprintf(out,
		"\nCoRIM (SEV_SNP, launch-measurement profile): launch digest %s, SVN %llu, %s\n",
		hex, (unsigned long long)corim->svn,
		corim->signed_ ? "signed (COSE_Sign1)" : "unsigned");
}

struct json_object *igvm_to_json(const char *path, const struct snpm_igvm *f, uint64_t size,
				 const struct snpm_igvm_corim *corim)
{
	struct json_object *o = file_json(path, f, size, corim), *list = json_object_new_array();
	struct platforms p;

	read_platforms(f, &p);
	for (size_t i = 0; i < snpm_igvm_count(f); i++)
		json_object_array_add(list, header_json(f, &p, i));
	json_object_object_add(o, "headers", list);
	return o;
}

void igvm_print_json(FILE *out, const char *path, const struct snpm_igvm *f, uint64_t size,
		     const struct snpm_igvm_corim *corim, int flags)
{
	struct json_object *o;
	struct platforms p;
	const char *text;

	/* Indented for a reader on a terminal: the whole tree, as every --json prints. */
	if (flags & JSON_C_TO_STRING_PRETTY) {
		o = igvm_to_json(path, f, size, corim);
		fprintf(out, "%s\n", json_object_to_json_string_ext(o, flags));
		json_object_put(o);
		return;
	}
	/* Otherwise the same bytes a header at a time, so that a file of a million headers costs
	 * time and memory in proportion, not a tree of them. */
	read_platforms(f, &p);
	o = file_json(path, f, size, corim);
	text = json_object_to_json_string_ext(o, flags);
	fprintf(out, "%.*s,\"headers\":[", (int)strlen(text) - 1, text);
	json_object_put(o);
	for (size_t i = 0; i < snpm_igvm_count(f); i++) {
		o = header_json(f, &p, i);
		fprintf(out, "%s%s", i ? "," : "", json_object_to_json_string_ext(o, flags));
		json_object_put(o);
	}
	fputs("]}\n", out);
}
