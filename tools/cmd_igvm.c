/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpmeasure igvm FILE: what an IGVM file holds, header by header, as text or JSON; with
 * --all-loaders, its launch digest as every loader measures it, for every platform it declares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"
#include "verbs.h"

struct igvm_args {
	bool json, all_loaders;
	uint32_t vcpus;
	const char *vcpu_type, *corim_key;
};

static const struct opt_doc igvm_opts[] = {
	OPT_JSON_FLAG(struct igvm_args, json),
	OPT_BOOL("all-loaders", struct igvm_args, all_loaders,
		 "the launch digest under every loader (qemu, igvmmeasure, igvm-crate) for every "
		 "platform the file declares, side by side"),
	OPT_NUM32("vcpus", struct igvm_args, vcpus, "N", SNPM_MAX_VCPUS,
		  "with --all-loaders: vCPUs (default: those with a VP context, at least 1)"),
	OPT_STR("vcpu-type", 0, struct igvm_args, vcpu_type, "CPUTYPE",
		"with --all-loaders: the CPU of vCPUs without a VP context (QEMU's reset state)"),
	OPT_STR("corim-key", 0, struct igvm_args, corim_key, "KEY.pem",
		"verify the file's CoRIM signature (COSE_Sign1, ES256 or ES384) with this public "
		"key"),
};

const struct verb_syntax syntax_igvm = {
	.usage = "igvm FILE [--json] [--corim-key KEY.pem] [--all-loaders [--vcpus N] "
		 "[--vcpu-type CPUTYPE]]",
	.about = "Every header of an IGVM file in order: platforms and their compatibility masks, "
		 "the guest policy, each directive with its GPA range, parameter areas, VP "
		 "contexts and an SNP ID block. The file is checked as the measurement checks it. "
		 "--all-loaders measures it as each hypervisor's loader does instead.",
	OPTS_TABLE(igvm_opts),
	.min_pos = 1,
	.max_pos = 1,
};

/* The vCPUs with a VP context for the platform (a loader that needs more refuses fewer). */
static uint32_t vp_contexts(const struct snpm_igvm *f, enum snpm_igvm_platform platform)
{
	uint32_t mask = snpm_igvm_platform_mask(f, platform), n = 0;

	for (size_t i = 0; mask && i < snpm_igvm_count(f); i++) {
		struct snpm_igvm_header h;
		snpm_igvm_header(f, i, &h);
		if (h.type == SNPM_IGVM_VP_CONTEXT && (h.compatibility_mask & mask) &&
		    h.vp_index + 1u > n)
			n = h.vp_index + 1u;
	}
	return n ? n : 1;
}

/* One platform under one loader: the digest, or why the loader refuses it. */
static void measure_one(const struct snpm_io_source *src, enum snpm_mode mode,
			enum snpm_igvm_semantics sem, uint32_t vcpus, uint32_t sig, char *out,
			size_t n, bool *ok)
{
	struct snpm_measure_config c = {
		.size = sizeof(c),
		.mode = mode,
		.vmm = SNPM_VMM_QEMU,
		.vcpus = vcpus,
		.vcpu_sig = sig,
		.loader = SNPM_LOADER_IGVM,
		.igvm = src->src,
		.igvm_semantics = sem,
	};
	uint8_t digest[SNPM_LD_SIZE];
	struct snpm_error err;
	size_t len;

	*ok = snpm_measure(&c, digest, &len, &err) == 0;
	if (*ok)
		to_hex(digest, len, out);
	else
		snprintf(out, n, "%s", err.message);
}

/* Every loader's digest (or refusal) for every platform the file declares, as rows. */
static int all_loaders(const char *path, const struct snpm_io_source *src,
		       const struct snpm_igvm *f, const struct igvm_args *a,
		       struct json_object *rows)
{
	static const enum snpm_mode modes[] = { SNPM_MODE_SNP, SNPM_MODE_SEV_ES, SNPM_MODE_SEV };
	uint32_t sig = 0;
	char out[SNPM_ERROR_MESSAGE_SIZE];
	bool ok, any = false;

	if (a->vcpu_type && snpm_cpu_type_sig(a->vcpu_type, &sig) < 0) {
		opts_bad_choice("vcpu-type", a->vcpu_type, -1, snpm_cpu_type_names());
		return EXIT_USAGE;
	}
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		enum snpm_igvm_platform platform =
			(enum snpm_igvm_platform)snpm_igvm_platform_of_mode(modes[m]);
		if (!snpm_igvm_platform_mask(f, platform))
			continue;
		uint32_t vcpus = a->vcpus ? a->vcpus : vp_contexts(f, platform);
		for (const struct snpm_name *l = snpm_igvm_semantics_names(); l->name; l++) {
			struct json_object *o = json_object_new_object();
			measure_one(src, modes[m], (enum snpm_igvm_semantics)l->value, vcpus, sig,
				    out, sizeof(out), &ok);
			any |= ok;
			json_add_str(o, "platform", snpm_igvm_platform_name(platform));
			json_add_str(o, "loader", l->name);
			json_object_object_add(o, "vcpus", json_object_new_int64(vcpus));
			json_add_str(o, ok ? "measurement" : "error", out);
			json_object_array_add(rows, o);
		}
	}
	if (any)
		return EXIT_OK;
	fail_line("%s: no loader measures this file", path);
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *o = json_object_array_get_idx(rows, i);
		fail_line("  %s %s: %s",
			  json_object_get_string(json_object_object_get(o, "platform")),
			  json_object_get_string(json_object_object_get(o, "loader")),
			  json_object_get_string(json_object_object_get(o, "error")));
	}
	return EXIT_FAIL;
}

/* Printed only once the file is known unchanged since it was measured. */
static void print_loaders(struct json_object *rows, bool json)
{
	int width = (int)strlen("loader");

	if (json) {
		print_json(rows);
		return;
	}
	/* The loader column as wide as the longest name the library has. */
	for (const struct snpm_name *l = snpm_igvm_semantics_names(); l->name; l++)
		if ((int)strlen(l->name) > width)
			width = (int)strlen(l->name);
	printf("%-8s %-*s %s\n", "platform", width, "loader", "measurement");
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *o = json_object_array_get_idx(rows, i), *v;
		bool ok = json_object_object_get_ex(o, "measurement", &v);
		if (!ok)
			json_object_object_get_ex(o, "error", &v);
		printf("%-8s %-*s %s%s\n",
		       json_object_get_string(json_object_object_get(o, "platform")), width,
		       json_object_get_string(json_object_object_get(o, "loader")),
		       ok ? "" : "refused: ", json_object_get_string(v));
	}
}

/* The CoRIM the file carries, and with --corim-key its signature checked: 0 or an exit code. */
int igvm_read_corim(const char *path, const struct snpm_io_source *src, const struct snpm_igvm *f,
		    const char *key_path, struct snpm_igvm_corim *corim)
{
	struct snpm_error err;
	char *key = NULL;
	int r;

	if (snpm_igvm_corim(f, &src->src, corim, &err) < 0)
		return report(path, &err);
	if (!key_path)
		return 0;
	if (snpm_io_read_text(key_path, SNPM_IO_PIPES, 1u << 16, &key, &err) < 0)
		return report(key_path, &err);
	r = snpm_igvm_corim_verify(f, &src->src, key, strlen(key), &err);
	free(key);
	return r < 0 ? report_verdict(path, &err) : 0;
}

int cmd_igvm(int argc, char **argv)
{
	struct igvm_args a = { 0 };
	struct snpm_igvm_corim corim;
	struct snpm_io_source src;
	struct snpm_igvm *f = NULL;
	struct snpm_error err;
	char *pos[1];
	size_t n_pos;
	int r = opts_parse(&syntax_igvm, argc, argv, NULL, &a, pos, &n_pos);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	if (!a.all_loaders && (a.vcpus || a.vcpu_type)) {
		usage_error("igvm: --vcpus and --vcpu-type go with --all-loaders");
		return EXIT_USAGE;
	}
	if (snpm_io_source_open(pos[0], &src, &err) < 0 ||
	    snpm_igvm_parse(&src.src, &f, &err) < 0 || snpm_io_source_check(&src, &err) < 0) {
		snpm_io_source_close(&src, NULL);
		snpm_igvm_free(f);
		return report(pos[0], &err);
	}
	r = igvm_read_corim(pos[0], &src, f, a.corim_key, &corim);
	if (r == 0 && a.all_loaders) {
		struct json_object *rows = json_object_new_array();
		r = all_loaders(pos[0], &src, f, &a, rows);
		if (r == 0 && snpm_io_source_check(&src, &err) < 0)
			r = report(pos[0], &err);
		if (r == 0)
			print_loaders(rows, a.json);
		json_object_put(rows);
	} else if (r == 0 && a.json) {
		igvm_print_json(stdout, pos[0], f, src.src.size, &corim, json_flags());
	} else if (r == 0) {
		igvm_print(stdout, pos[0], f, src.src.size);
		igvm_print_corim(stdout, &corim);
	}
	if (r == 0 && snpm_io_source_check(&src, &err) < 0)
		r = report(pos[0], &err);
	snpm_igvm_free(f);
	snpm_io_source_close(&src, NULL);
	return r;
}
