/* SPDX-License-Identifier: Apache-2.0 */
/* snpmeasure igvm FILE: what an IGVM file holds, header by header, as text or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

static const struct opt_doc igvm_opts[] = {
	OPT_JSON_ONLY("JSON output"),
};

static const struct verb_syntax igvm_syntax = {
	.usage = "igvm FILE [--json]",
	.about = "Every header of an IGVM file in order: platforms and their compatibility masks, "
		 "the guest policy, each directive with its GPA range, parameter areas, VP "
		 "contexts and an SNP ID block. The file is checked as the measurement checks it.",
	OPTS_TABLE(igvm_opts),
	.min_pos = 1,
	.max_pos = 1,
};

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

/* The masks of mask as platform names: "SEV_SNP,SEV_ES". */
static void mask_names(const struct snpm_igvm *f, uint32_t mask, char *out, size_t n)
{
	size_t at = 0;

	out[0] = '\0';
	for (size_t i = 0; i < snpm_igvm_count(f); i++) {
		struct snpm_igvm_header hv, *h = &hv;
		snpm_igvm_header(f, i, &hv);
		if (h->type == SNPM_IGVM_SUPPORTED_PLATFORM && (h->compatibility_mask & mask) &&
		    at < n)
			at += (size_t)snprintf(out + at, n - at, "%s%s", at ? "," : "",
					       snpm_igvm_platform_name(h->platform_type));
	}
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

static struct json_object *header_json(const struct snpm_igvm *f, size_t i)
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
		mask_names(f, h->compatibility_mask, masks, sizeof(masks));
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

static void print_human(const char *path, const struct snpm_igvm *f, uint64_t size)
{
	unsigned section = 0;

	printf("file      %s (%llu bytes, IGVM format %u, %zu headers)\n", path,
	       (unsigned long long)size, snpm_igvm_version(f), snpm_igvm_count(f));
	for (size_t i = 0; i < snpm_igvm_count(f); i++) {
		struct snpm_igvm_header hv, *h = &hv;
		snpm_igvm_header(f, i, &hv);
		const char *name = snpm_igvm_type_name(h->type);
		char masks[96], range[64] = "";
		if (h->section != section) {
			section = h->section;
			printf("\n%s headers:\n", section_name(section));
		}
		mask_names(f, h->compatibility_mask, masks, sizeof(masks));
		if (has_gpa(h) && h->size)
			snprintf(range, sizeof(range), " 0x%llx-0x%llx", (unsigned long long)h->gpa,
				 (unsigned long long)(h->gpa + h->size - 1));
		printf("  %4u %-20s%s", h->index, name ? name : "unknown", range);
		if (h->type == SNPM_IGVM_SUPPORTED_PLATFORM)
			printf(" %s mask 0x%x vtl %u", snpm_igvm_platform_name(h->platform_type),
			       h->compatibility_mask, h->highest_vtl);
		else if (h->compatibility_mask)
			printf(" [%s]", masks);
		if (h->type == SNPM_IGVM_GUEST_POLICY)
			printf(" policy 0x%llx", (unsigned long long)h->policy);
		if (h->type == SNPM_IGVM_PAGE_DATA)
			printf(" %s%s%s", data_type_name(h->data_type),
			       h->flags & SNPM_IGVM_PAGE_UNMEASURED ? " unmeasured" : "",
			       h->file_offset ? "" : " zero");
		if (h->type == SNPM_IGVM_PARAMETER_AREA)
			printf(" area %u, %llu bytes", h->parameter_area_index,
			       (unsigned long long)h->size);
		else if (h->type == SNPM_IGVM_PARAMETER_INSERT)
			printf(" area %u", h->parameter_area_index);
		else if (h->section == SNPM_IGVM_SECTION_DIRECTIVE && !has_gpa(h) &&
			 h->type != SNPM_IGVM_SNP_ID_BLOCK && h->type != SNPM_IGVM_VBS_MEASUREMENT)
			printf(" area %u offset %u", h->parameter_area_index, h->byte_offset);
		if (h->type == SNPM_IGVM_VP_CONTEXT)
			printf(" vCPU %u", h->vp_index);
		if (h->type == SNPM_IGVM_SNP_ID_BLOCK) {
			struct snpm_igvm_id_block id;
			char ld[2 * SNPM_LD_SIZE + 1];
			snpm_igvm_id_block(f, i, &id);
			to_hex(id.ld, sizeof(id.ld), ld);
			printf(" ld %s svn %u", ld, id.guest_svn);
		}
		printf("\n");
	}
}

int cmd_igvm(int argc, char **argv)
{
	struct snpm_io_source src;
	struct snpm_igvm *f = NULL;
	struct snpm_error err;
	bool json = false;
	char *pos[1];
	size_t n_pos;
	int r = opts_parse(&igvm_syntax, argc, argv, NULL, &json, pos, &n_pos);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	if (snpm_io_source_open(pos[0], &src, &err) < 0 ||
	    snpm_igvm_parse(&src.src, &f, &err) < 0 || snpm_io_source_check(&src, &err) < 0) {
		snpm_io_source_close(&src, NULL);
		snpm_igvm_free(f);
		return report(pos[0], &err);
	}
	if (json) {
		struct json_object *o = json_object_new_object(), *list = json_object_new_array();
		json_add_str(o, "path", pos[0]);
		json_object_object_add(o, "size", json_object_new_int64((int64_t)src.src.size));
		json_object_object_add(o, "format_version",
				       json_object_new_int64(snpm_igvm_version(f)));
		for (size_t i = 0; i < snpm_igvm_count(f); i++)
			json_object_array_add(list, header_json(f, i));
		json_object_object_add(o, "headers", list);
		print_json(o);
		json_object_put(o);
	} else {
		print_human(pos[0], f, src.src.size);
	}
	snpm_igvm_free(f);
	snpm_io_source_close(&src, NULL);
	return 0;
}
