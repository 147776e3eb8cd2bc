/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --spec documents merged under the command line (by which options were given, never by
 * comparing with defaults; values stay typed), then the short form's defaults and the single
 * values measure, explain and report check resolve.
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "../core/core.h"
#include "../core/io.h"
#include "cli.h"
#include "space.h"

/* ---- --spec: the document fills what the command line left unset ---- */

static const char *own(struct measure_args *a, char *s)
{
	/* A value lost here would silently change the measurement: never carry on. */
	if (!s || a->n_owned == sizeof(a->owned) / sizeof(a->owned[0])) {
		fail_line("out of memory");
		exit(EXIT_FAIL);
	}
	a->owned[a->n_owned++] = s;
	return s;
}

/* A path from the spec, relative to the spec's folder. */
static const char *spec_path(struct measure_args *a, const char *p)
{
	char *s;

	if (!p || p[0] == '/' || !a->spec_dir)
		return p;
	return asprintf(&s, "%s/%s", a->spec_dir, p) < 0 ? NULL : own(a, s);
}

bool args_kernel_given(const struct measure_args *a)
{
	return arg_set(a, M_KERNEL) || arg_set(a, M_KERNEL_HASH);
}

bool args_spec_gives(const struct measure_args *a, unsigned field)
{
	return a->spec_doc && (a->spec_doc->given & field);
}

bool args_cpu_given_on_cli(const struct measure_args *a)
{
	return arg_given(a, M_VCPU_TYPE) || arg_given(a, M_VCPU_SIG) || arg_given(a, M_VCPU_FAMILY);
}

/*
 * What a spec fills, one row per option: the spec's value stands in for the option when the
 * command line gave neither it nor the option unless names (a file and its digest displace each
 * other). Judged by what was given, never by comparing a value with its default: `--vmsa-fpu
 * default` wins over a spec's legacy-kvm. vCPUs, CPU, features and VMM are taken when resolved.
 */
enum merge_kind {
	MERGE_VALUE, /* size bytes, when the spec's given has field (or the bool at has is set) */
	MERGE_TEXT, /* a string the spec owns, when given has field */
	MERGE_PATH, /* a path, relative to the spec's folder, when not NULL */
};

#define SPEC(member) offsetof(struct snpm_spec, member)
#define ARG(member) offsetof(struct measure_args, member)
#define NO_HAS SIZE_MAX
#define NONE M_COUNT

static const struct merge_row {
	enum m_opt opt;
	enum m_opt unless; /* another option that, given, keeps the spec's value out (or NONE) */
	enum merge_kind kind;
	unsigned field; /* SNPM_SPEC_*, or 0 */
	size_t has; /* a bool of the spec saying it has the value, or NO_HAS */
	size_t from, to, size;
} merge_rows[] = {
	{ M_MODE, NONE, MERGE_VALUE, SNPM_SPEC_MODE, NO_HAS, SPEC(mode), ARG(mode),
	  sizeof(enum snpm_mode) },
	{ M_VMM_VERSION, NONE, MERGE_VALUE, SNPM_SPEC_VMM_VERSION, NO_HAS, SPEC(vmm_version),
	  ARG(vmm_version), sizeof(unsigned) },
	{ M_VMSA_GPA, NONE, MERGE_VALUE, SNPM_SPEC_VMSA_GPA, NO_HAS, SPEC(vmsa_gpa), ARG(vmsa_gpa),
	  sizeof(uint64_t) },
	{ M_VMSA_FPU, NONE, MERGE_VALUE, SNPM_SPEC_VMSA_FPU, NO_HAS, SPEC(vmsa_fpu), ARG(vmsa_fpu),
	  sizeof(enum snpm_vmsa_fpu) },
	{ M_OVMF, M_OVMF_METADATA, MERGE_PATH, 0, NO_HAS, SPEC(firmware_path), ARG(ovmf), 0 },
	{ M_OVMF_METADATA, M_OVMF, MERGE_PATH, 0, NO_HAS, SPEC(firmware_metadata_path),
	  ARG(ovmf_metadata), 0 },
	{ M_SNP_OVMF_HASH, NONE, MERGE_VALUE, 0, SPEC(firmware_digests.has_snp),
	  SPEC(firmware_digests.snp), ARG(snp_ovmf_digest), SNPM_LD_SIZE },
	{ M_KERNEL, M_KERNEL_HASH, MERGE_PATH, 0, NO_HAS, SPEC(kernel_path), ARG(kernel), 0 },
	{ M_KERNEL_HASH, M_KERNEL, MERGE_VALUE, 0, SPEC(has_kernel_sha256), SPEC(kernel_sha256),
	  ARG(kernel_sha256), SNPM_SHA256_SIZE },
	{ M_INITRD, M_INITRD_HASH, MERGE_PATH, 0, NO_HAS, SPEC(initrd_path), ARG(initrd), 0 },
	{ M_INITRD_HASH, M_INITRD, MERGE_VALUE, 0, SPEC(has_initrd_sha256), SPEC(initrd_sha256),
	  ARG(initrd_sha256), SNPM_SHA256_SIZE },
	{ M_APPEND, NONE, MERGE_TEXT, SNPM_SPEC_CMDLINE, NO_HAS, SPEC(cmdline), ARG(append), 0 },
	{ M_SVSM, NONE, MERGE_PATH, 0, NO_HAS, SPEC(svsm_path), ARG(svsm), 0 },
	{ M_VARS_SIZE, M_VARS_FILE, MERGE_VALUE, SNPM_SPEC_VARS_SIZE, NO_HAS, SPEC(vars_size),
	  ARG(vars_size), sizeof(uint64_t) },
};

/* Whether the spec gives row r's value. */
static bool spec_has(const struct snpm_spec *sp, const struct merge_row *r)
{
	const char *base = (const char *)sp;

	if (r->kind == MERGE_PATH)
		return *(char *const *)(const void *)(base + r->from) != NULL;
	if (r->has != NO_HAS)
		return *(const bool *)(const void *)(base + r->has);
	return (sp->given & r->field) != 0;
}

static void merge_spec(struct measure_args *a, const struct snpm_spec *sp)
{
	for (size_t i = 0; i < sizeof(merge_rows) / sizeof(merge_rows[0]); i++) {
		const struct merge_row *r = &merge_rows[i];
		const char *from = (const char *)sp + r->from;
		char *to = (char *)a + r->to;
		if (arg_given(a, r->opt) || (r->unless != NONE && arg_given(a, r->unless)) ||
		    !spec_has(sp, r))
			continue;
		if (r->kind == MERGE_VALUE)
			memcpy(to, from, r->size);
		else if (r->kind == MERGE_TEXT)
			*(const char **)(void *)to = *(char *const *)(const void *)from;
		else
			*(const char **)(void *)to =
				spec_path(a, *(char *const *)(const void *)from);
		opt_set_add(&a->from_spec, r->opt);
	}
	if (arg_set(a, M_MODE) && !arg_given(a, M_MODE))
		a->mode_text = snpm_mode_name(a->mode);
	if (sp->dstack && sp->cmdline_trim_differs && !a->quiet)
		fail_line("%s: note: base_cmdline has leading or trailing whitespace; dstack trims "
			  "it, QEMU does not: measured verbatim",
			  a->spec);
}

/* The spec's vCPU count, CPU, features and VMM, where the command line gave none. */
void args_take_spec_vcpu(struct measure_args *a)
{
	const struct snpm_spec *sp = a->spec_doc;

	if (!a->vcpus_text && args_spec_gives(a, SNPM_SPEC_VCPUS)) {
		a->has_vcpus = true;
		a->vcpus = sp->vcpus;
	}
	if (!args_cpu_given_on_cli(a) && args_spec_gives(a, SNPM_SPEC_VCPU_SIG)) {
		a->has_vcpu_sig = true;
		a->vcpu_sig = sp->vcpu_sig;
		a->vcpu_type = sp->vcpu_type;
	}
	if (!a->n_features_text && args_spec_gives(a, SNPM_SPEC_GUEST_FEATURES)) {
		a->features_given = true;
		a->guest_features = sp->guest_features;
	}
	if (!a->vmm_text && args_spec_gives(a, SNPM_SPEC_VMM)) {
		a->has_vmm = true;
		a->vmm = sp->vmm;
	}
}

void args_take_spec_space(struct measure_args *a, struct space *sp)
{
	if (!a->spec_doc)
		return;
	args_take_spec_vcpu(a);
	if (!a->vcpus_text && args_spec_gives(a, SNPM_SPEC_VCPUS))
		sp->vcpus[0] = a->vcpus, sp->n_vcpus = 1;
	if (!args_cpu_given_on_cli(a) && args_spec_gives(a, SNPM_SPEC_VCPU_SIG))
		sp->sigs[0] = a->vcpu_sig, sp->sig_names[0] = a->vcpu_type, sp->n_sigs = 1;
	if (!a->n_features_text && args_spec_gives(a, SNPM_SPEC_GUEST_FEATURES))
		sp->features[0] = a->guest_features, sp->n_features = 1;
	if (!a->vmm_text && args_spec_gives(a, SNPM_SPEC_VMM))
		sp->vmms[0] = a->vmm, sp->n_vmms = 1;
}

/* The document: JSON (ours, or dstack-mr's MeasurementInput), dstack's measurement.snp.cbor,
 * or a dstack image folder holding one (checked against its sha256sum.txt and digest.txt). */
static int parse_spec_file(const char *path, struct snpm_spec **ret, struct snpm_error *err)
{
	struct stat st;
	uint8_t *data = NULL, hash[32];
	size_t len = 0;
	int r;

	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return snpm_dstack_image_read(path, hash, ret, err);
	r = snpm_io_read_all(path, SNPM_IO_PIPES, 1u << 20, &data, &len, err);
	/* A CBOR map starts with major type 5; JSON text never does. */
	if (r == 0 && len && (data[0] & 0xe0) == 0xa0)
		r = snpm_dstack_cbor_parse(data, len, ret, err);
	else if (r == 0 && memchr(data, 0, len))
		r = snpm_fail(err, SNPM_EMALFORMED,
			      "neither JSON text nor dstack's measurement.snp.cbor");
	else if (r == 0) {
		char *text = realloc(data, len + 1);
		if (!text)
			r = snpm_fail(err, SNPM_ENOMEM, "out of memory");
		else
			data = (uint8_t *)text, text[len] = '\0';
		if (r == 0)
			r = snpm_spec_parse(text, ret, err);
	}
	free(data);
	return r;
}

int args_load_spec(struct measure_args *a)
{
	struct snpm_error err;
	char *copy;
	struct stat st;

	if (parse_spec_file(a->spec, &a->spec_doc, &err) < 0)
		return report_verdict(a->spec, &err);
	copy = strdup(a->spec);
	if (stat(a->spec, &st) == 0 && S_ISDIR(st.st_mode))
		a->spec_dir = copy ? strdup(a->spec) : NULL;
	else
		a->spec_dir = copy ? strdup(dirname(copy)) : NULL;
	free(copy);
	merge_spec(a, a->spec_doc);
	return 0;
}

/* ---- defaults and single values ---- */

void args_apply_defaults(struct measure_args *a)
{
	if (arg_set(a, M_MODE))
		return;
	a->assumed = true;
	a->mode = SNPM_MODE_SNP;
	if (a->igvm)
		igvm_strongest_mode(a->igvm, &a->mode);
	a->mode_text = snpm_mode_name(a->mode);
	if (!a->vcpus_text && !args_spec_gives(a, SNPM_SPEC_VCPUS))
		a->vcpus_text = "1";
	/* libkrun's VMSAs hold no CPU signature. */
	if (!args_cpu_given_on_cli(a) && !args_spec_gives(a, SNPM_SPEC_VCPU_SIG) &&
	    args_launch(a) != LAUNCH_KRUN)
		a->vcpu_type_text = "EPYC-v4";
}

void args_note_defaults(const struct measure_args *a)
{
	enum launch_kind kind = args_launch(a);

	if (a->assumed && !a->quiet && kind != LAUNCH_OVMF) {
		fail_line("no --mode given; assuming --mode %s%s --vcpus %s%s%s (-q silences "
			  "this)",
			  a->mode_text,
			  kind == LAUNCH_IGVM ? " (the file's strongest platform)" : "",
			  a->vcpus_text ? a->vcpus_text : "(spec)",
			  a->vcpu_type_text ? " --vcpu-type " : "",
			  a->vcpu_type_text ? a->vcpu_type_text : "");
		return;
	}
	if (a->assumed && !a->quiet)
		fail_line("no --mode given; assuming --mode snp --vcpus %s%s%s "
			  "--guest-features %s --vmm-type %s (-q silences this)",
			  a->vcpus_text ? a->vcpus_text : "(spec)",
			  a->vcpu_type_text ? " --vcpu-type " : "",
			  a->vcpu_type_text ? a->vcpu_type_text : "",
			  a->n_features_text ? a->features_text[0] :
			  a->features_given  ? "(spec)" :
					       "0x1",
			  a->vmm_text ? a->vmm_text :
			  a->has_vmm  ? snpm_vmm_name(a->vmm) :
					"QEMU");
}

int args_resolve_single(struct measure_args *a)
{
	struct snpm_error err;
	uint64_t v;

	if (a->vcpus_text) {
		if (!parse_u64(a->vcpus_text, false, UINT32_MAX, &v)) {
			usage_error("argument --vcpus: invalid value '%s'", a->vcpus_text);
			return EXIT_USAGE;
		}
		/* A usage error naming the option, not a failure blamed on the firmware. */
		if (a->mode != SNPM_MODE_SEV && (v < 1 || v > SNPM_MAX_VCPUS)) {
			usage_error("argument --vcpus: %llu is outside 1..%u",
				    (unsigned long long)v, SNPM_MAX_VCPUS);
			return EXIT_USAGE;
		}
		a->has_vcpus = true;
		a->vcpus = (uint32_t)v;
	}
	if (a->vcpu_type_text) {
		if (snpm_cpu_type_sig(a->vcpu_type_text, &a->vcpu_sig) < 0) {
			cpu_type_invalid(a->vcpu_type_text, (int)strlen(a->vcpu_type_text));
			return EXIT_USAGE;
		}
		a->vcpu_type = a->vcpu_type_text;
	}
	if (a->vcpu_sig_text) {
		if (!parse_u64(a->vcpu_sig_text, true, UINT32_MAX, &v)) {
			usage_error("argument --vcpu-sig: invalid value '%s'", a->vcpu_sig_text);
			return EXIT_USAGE;
		}
		a->has_vcpu_sig = true;
		a->vcpu_sig = (uint32_t)v;
	}
	a->guest_features = 0x1;
	args_take_spec_vcpu(a);
	if (a->n_features_text > 1) {
		usage_error("argument --guest-features: given more than once");
		return EXIT_USAGE;
	}
	if (a->n_features_text &&
	    snpm_guest_features_parse(a->features_text[0], &a->guest_features, &err) < 0) {
		usage_error("argument --guest-features: %s", err.message);
		return EXIT_USAGE;
	}
	a->features_given |= a->n_features_text > 0;
	return 0;
}
