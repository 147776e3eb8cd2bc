/* SPDX-License-Identifier: Apache-2.0 */
/* snpmeasure ovmf FILE [--json]: what a firmware image tells the VMM. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"
#include "verbs.h"
#include "../core/io.h"

static void print_entries(const struct snpm_ovmf_info *info, const uint8_t *image)
{
	char guid[SNPM_GUID_STRING_SIZE], data[2 * 64 + 1];

	printf("footer table: %u entries\n", info->n_entries);
	for (uint32_t i = 0; i < info->n_entries; i++) {
		const struct snpm_ovmf_entry *e = &info->entries[i];
		const char *name = snpm_ovmf_guid_name(e->guid);
		size_t n = e->data_len > 64 ? 64 : e->data_len;
		snpm_guid_format(e->guid, guid);
		to_hex(image + e->data_offset, n, data);
		printf("  %s  %-20s %s%s\n", guid, name ? name : "(unknown)", data,
		       e->data_len > 64 ? "..." : "");
	}
}

static void print_sections(const struct snpm_ovmf_info *info)
{
	if (!info->has_metadata) {
		printf("SEV metadata: none\n");
		return;
	}
	printf("SEV metadata at offset 0x%x: %u sections\n", info->metadata_offset,
	       info->n_sections);
	for (uint32_t i = 0; i < info->n_sections; i++) {
		const struct snpm_ovmf_section *s = &info->sections[i];
		printf("  %2u  gpa 0x%08x-0x%08x  size 0x%-6x %s\n", i, s->gpa,
		       s->gpa + s->size - 1, s->size, snpm_section_type_name(s->type));
	}
}

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

static void print_human(const char *path, const struct snpm_ovmf_info *info, const uint8_t *image,
			const struct snpm_ovmf_digests *d)
{
	char hex[2 * SNPM_LD_SIZE + 1];
	bool sev_hashes = info->has_hashes_table && info->hashes_table_gpa != 0;

	printf("file          %s\n", path);
	printf("size          %llu bytes (0x%llx)\n", (unsigned long long)info->size,
	       (unsigned long long)info->size);
	printf("gpa           0x%llx-0xffffffff\n",
	       (unsigned long long)(SNPM_FOUR_GIB - info->size));
	to_hex(d->sha256, SNPM_SHA256_SIZE, hex);
	printf("sha256        %s  (SEV and SEV-ES hash the image with it)\n", hex);
	to_hex(d->snp, SNPM_LD_SIZE, hex);
	printf("snp digest    %s  (--mode snp:ovmf-hash)\n", hex);
	if (!info->has_table) {
		printf("footer table: none (a plain image: SEV only)\n");
		return;
	}
	print_entries(info, image);
	print_sections(info);
	if (info->has_reset_eip)
		printf("AP reset EIP  0x%x\n", info->reset_eip);
	if (info->has_hashes_table)
		printf("hashes table  gpa 0x%x, %u bytes%s\n", info->hashes_table_gpa,
		       info->hashes_table_size, sev_hashes ? "" : " (none reserved)");
	if (info->has_svsm_info)
		printf("SVSM entry    image offset 0x%x\n", info->svsm_info_offset);
	printf("supports      SEV-ES %s, SNP %s, kernel hashes: SEV/SEV-ES %s, SNP %s; SVSM "
	       "image %s\n",
	       yes(info->has_reset_eip), yes(info->has_reset_eip), yes(sev_hashes),
	       yes(sev_hashes && snpm_ovmf_has_section(info, SNPM_SECTION_SNP_KERNEL_HASHES)),
	       yes(info->has_svsm_info));
}

static int print_json_doc(const char *path, const struct snpm_ovmf_info *info, const uint8_t *image,
			  const struct snpm_ovmf_digests *d)
{
	struct snpm_error err;
	struct json_object *o;
	char *text;

	if (snpm_ovmf_to_json(info, image, d, false, &text, &err) < 0)
		return report(path, &err);
	o = json_tokener_parse(text);
	free(text);
	if (!o)
		return EXIT_FAIL;
	json_add_str(o, "path", path);
	print_json(o);
	json_object_put(o);
	return 0;
}

FILE_VERB(syntax_ovmf, "ovmf FILE [--json]", "JSON output (accepted back by --ovmf-metadata)",
	  "Print what an OVMF (or SVSM) image tells the VMM: footer table, SEV metadata, "
	  "reset EIP, hashes table, supported modes, and its digests.");

int cmd_ovmf(int argc, char **argv)
{
	struct snpm_ovmf_digests d = { .has_snp = true, .has_sha256 = true };
	struct snpm_ovmf_info info;
	struct snpm_error err;
	const char *path;
	bool json;
	uint8_t *image;
	size_t len;
	int r = opts_parse_file(&syntax_ovmf, argc, argv, &path, &json);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	if (snpm_io_read_all(path, SNPM_IO_PIPES, SNPM_OVMF_MAX_SIZE, &image, &len, &err) < 0)
		return report(path, &err);
	r = snpm_ovmf_parse(image, len, &info, &err);
	if (r == 0)
		r = snpm_measure_firmware(image, len, d.snp, &err);
	if (r == 0)
		r = snpm_digest(SNPM_HASH_SHA256, image, len, d.sha256, &err);
	if (r < 0) {
		free(image);
		return report(path, &err);
	}
	if (json)
		r = print_json_doc(path, &info, image, &d);
	else
		print_human(path, &info, image, &d);
	free(image);
	return r;
}
