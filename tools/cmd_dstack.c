/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpmeasure dstack host-data|image: dstack's identities (<snpm/dstack.h>): the HOST_DATA an
 * MrConfigV3 document binds, and an OS image folder's os_image_hash and SNP launch inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"
#include "verbs.h"

/* ---- host-data ---- */

FILE_VERB(syntax_dstack_host_data, "dstack host-data DOC [--json]",
	  "HOST_DATA and the document's fields as JSON",
	  "HOST_DATA for a dstack MrConfigV3 document: SHA-256(\"dstack-mr-config-v3:\" || "
	  "0x00 || DOC's bytes as given; nothing is re-serialised). A document dstack would "
	  "refuse is refused. DOC: a file, or - for stdin.");

static void add_opt_hex(struct json_object *o, const char *key, bool has, const uint8_t *d,
			size_t len)
{
	if (has)
		json_add_hex(o, key, d, len);
	else
		json_object_object_add(o, key, NULL);
}

static struct json_object *mr_config_json(const struct snpm_dstack_mr_config *c)
{
	struct json_object *o = json_object_new_object(), *scripts = NULL;

	json_object_object_add(o, "version", json_object_new_int((int)c->version));
	add_opt_hex(o, "app_id", c->has_app_id, c->app_id, 20);
	json_add_hex(o, "compose_hash", c->compose_hash, 32);
	add_opt_hex(o, "gpu_policy_hash", c->has_gpu_policy_hash, c->gpu_policy_hash, 32);
	json_add_str(o, "key_provider", c->key_provider);
	add_opt_hex(o, "key_provider_id", c->key_provider_id != NULL, c->key_provider_id,
		    c->key_provider_id_len);
	add_opt_hex(o, "instance_id", c->has_instance_id, c->instance_id, 20);
	if (c->has_init_script_hashes) {
		scripts = json_object_new_array();
		for (size_t i = 0; i < c->n_init_script_hashes; i++) {
			char hex[65];
			to_hex(c->init_script_hashes[i], 32, hex);
			json_object_array_add(scripts, json_object_new_string(hex));
		}
	}
	json_object_object_add(o, "init_script_hashes", scripts);
	return o;
}

static int dstack_host_data(int argc, char **argv)
{
	struct snpm_dstack_mr_config c;
	struct snpm_error err;
	uint8_t *doc = NULL, host_data[32];
	size_t len = 0;
	const char *path;
	bool json;
	char hex[65];
	int r = opts_parse_file(&syntax_dstack_host_data, argc, argv, &path, &json);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	if (snpm_io_read_all(path, SNPM_IO_PIPES, 1u << 20, &doc, &len, &err) < 0)
		return report(path, &err);
	if (snpm_dstack_mr_config_parse(doc, len, &c, &err) < 0) {
		free(doc);
		return report(path, &err);
	}
	r = snpm_dstack_host_data(doc, len, host_data, &err) < 0 ? report(path, &err) : 0;
	/* dstack hashes the exact string the VMM passed; an editor's newline is not in it. */
	if (r == 0 && len && doc[len - 1] == '\n')
		fail_line("%s: note: the document ends with a newline, which is hashed as given "
			  "(dstack hashes the document string exactly as the VMM passes it)",
			  path);
	to_hex(host_data, 32, hex);
	if (r == 0 && json) {
		struct json_object *o = json_object_new_object();
		json_add_str(o, "host_data", hex);
		json_object_object_add(o, "mr_config", mr_config_json(&c));
		print_json(o);
		json_object_put(o);
	} else if (r == 0) {
		printf("%s\n", hex);
	}
	snpm_dstack_mr_config_free(&c);
	free(doc);
	return r;
}

/* ---- image ---- */

FILE_VERB(syntax_dstack_image, "dstack image DIR [--json]",
	  "os_image_hash and the SNP launch inputs as JSON",
	  "A dstack OS image folder: os_image_hash = SHA-256(sha256sum.txt), which digest.txt "
	  "must say; measurement.snp.cbor checked against sha256sum.txt, and its launch "
	  "inputs. Measure with: snpmeasure --spec DIR --vcpus N --vcpu-type MODEL.");

static struct json_object *spec_json(const struct snpm_spec *sp)
{
	struct json_object *o = json_object_new_object(), *secs = json_object_new_array();
	const struct snpm_ovmf_info *fw = &sp->firmware_metadata;

	json_add_str(o, "cmdline", sp->cmdline);
	json_add_hex(o, "ovmf_hash", sp->firmware_digests.snp, SNPM_LD_SIZE);
	json_add_hex(o, "kernel_hash", sp->kernel_sha256, 32);
	if (sp->has_initrd_sha256)
		json_add_hex(o, "initrd_hash", sp->initrd_sha256, 32);
	else
		json_add_str(o, "initrd_hash", "");
	json_add_u64_hex(o, "hashes_table_gpa", fw->hashes_table_gpa);
	json_add_u64_hex(o, "reset_eip", fw->reset_eip);
	for (uint32_t i = 0; i < fw->n_sections; i++) {
		struct json_object *s = json_object_new_object();
		json_add_u64_hex(s, "gpa", fw->sections[i].gpa);
		json_add_u64_hex(s, "size", fw->sections[i].size);
		json_add_str(s, "type", snpm_section_type_name(fw->sections[i].type));
		json_object_array_add(secs, s);
	}
	json_object_object_add(o, "ovmf_sections", secs);
	return o;
}

static int dstack_image(int argc, char **argv)
{
	struct snpm_spec *sp = NULL;
	struct snpm_error err;
	uint8_t hash[32];
	const char *path;
	bool json;
	char hex[2 * SNPM_LD_SIZE + 1];
	int r = opts_parse_file(&syntax_dstack_image, argc, argv, &path, &json);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	if (snpm_dstack_image_read(path, hash, &sp, &err) < 0)
		return report_verdict(path, &err);
	to_hex(hash, 32, hex);
	if (json) {
		struct json_object *o = json_object_new_object();
		json_add_str(o, "os_image_hash", hex);
		json_object_object_add(o, "snp", spec_json(sp));
		print_json(o);
		json_object_put(o);
	} else {
		printf("%-18s %s\n%-18s %s\n", "os_image_hash", hex, "cmdline", sp->cmdline);
		to_hex(sp->firmware_digests.snp, SNPM_LD_SIZE, hex);
		printf("%-18s %s\n", "ovmf_hash", hex);
		printf("%-18s %u sections, hashes table 0x%x, AP reset 0x%x\n", "firmware",
		       sp->firmware_metadata.n_sections, sp->firmware_metadata.hashes_table_gpa,
		       sp->firmware_metadata.reset_eip);
	}
	snpm_spec_free(sp);
	return 0;
}

static void dstack_help(void)
{
	printf("Usage: %s dstack host-data DOC [--json]\n"
	       "       %s dstack image DIR [--json]\n",
	       PROG, PROG);
}

int cmd_dstack(int argc, char **argv)
{
	static const struct verb_entry sub[] = {
		{ "host-data", dstack_host_data, "dstack host-data DOC [--json]" },
		{ "image", dstack_image, "dstack image DIR [--json]" },
	};

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		dstack_help();
		return EXIT_OK;
	}
	return verbs_dispatch("dstack", sub, sizeof(sub) / sizeof(sub[0]), argc, argv);
}
