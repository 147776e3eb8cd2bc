/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --spec documents merged under the command line (by which options were given, never by
 * comparing with defaults; values stay typed), then the short form's defaults and the single
 * values measure, explain and report check resolve.
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdbool.h>
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
	return a->kernel || a->kernel_hash || a->has_kernel_sha256;
}

bool args_spec_gives(const struct measure_args *a, unsigned field)
{
	return a->spec_doc && (a->spec_doc->given & field);
}

bool args_cpu_given_on_cli(const struct measure_args *a)
{
	return a->vcpu_type_text || a->vcpu_sig_text || a->has_family;
}

/* Files, and the digests that stand in for them: a file given on the command line displaces
 * the spec's digest of it and the other way round. */
static void merge_files(struct measure_args *a, const struct snpm_spec *sp)
{
	if (!a->ovmf && !a->ovmf_metadata) {
		a->ovmf = spec_path(a, sp->firmware_path);
		a->ovmf_metadata = spec_path(a, sp->firmware_metadata_path);
	}
	if (!a->snp_ovmf_hash && sp->firmware_digests.has_snp) {
		a->has_snp_ovmf_digest = true;
		memcpy(a->snp_ovmf_digest, sp->firmware_digests.snp, SNPM_LD_SIZE);
	}
	if (!a->kernel && !a->kernel_hash) {
		a->kernel = spec_path(a, sp->kernel_path);
		a->has_kernel_sha256 = sp->has_kernel_sha256;
		memcpy(a->kernel_sha256, sp->kernel_sha256, SNPM_SHA256_SIZE);
	}
	if (!a->initrd && !a->initrd_hash) {
		a->initrd = spec_path(a, sp->initrd_path);
		a->has_initrd_sha256 = sp->has_initrd_sha256;
		memcpy(a->initrd_sha256, sp->initrd_sha256, SNPM_SHA256_SIZE);
	}
	if (!a->append && (sp->given & SNPM_SPEC_CMDLINE))
		a->append = sp->cmdline;
	if (!a->svsm)
		a->svsm = spec_path(a, sp->svsm_path);
	if (!a->has_vars_size && !a->vars_file && (sp->given & SNPM_SPEC_VARS_SIZE)) {
		a->has_vars_size = true;
		a->vars_size = sp->vars_size;
	}
}

/*
 * The spec fills what the command line did not give, judged by which options were given, never
 * by comparing a value with its default: `--vmsa-fpu default` wins over a spec's legacy-kvm.
 * Values stay typed; vCPUs, CPU, features and VMM are taken when they are resolved.
 */
static void merge_spec(struct measure_args *a, const struct snpm_spec *sp)
{
	if (!a->mode_given && (sp->given & SNPM_SPEC_MODE)) {
		a->mode_given = true;
		a->mode = sp->mode;
		a->mode_text = snpm_mode_name(sp->mode);
	}
	if (!a->vmm_version && (sp->given & SNPM_SPEC_VMM_VERSION))
		a->vmm_version = sp->vmm_version;
	if (!a->vmsa_gpa_given && (sp->given & SNPM_SPEC_VMSA_GPA)) {
		a->vmsa_gpa_given = true;
		a->vmsa_gpa = sp->vmsa_gpa;
	}
	if (!a->vmsa_fpu_given && (sp->given & SNPM_SPEC_VMSA_FPU)) {
		a->vmsa_fpu_given = true;
		a->vmsa_fpu = sp->vmsa_fpu;
	}
	merge_files(a, sp);
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
	if (a->mode_given)
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
