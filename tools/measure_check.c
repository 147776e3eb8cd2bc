/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reference's checks on the merged arguments (what needs what, what excludes what, the vCPU
 * signature and the VMM), then the inputs read and hashed into the measurement config.
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../image/io.h"
#include "cli.h"
#include "space.h"

/* ---- the reference's checks ---- */

/*
 * The reference quietly lets --vcpu-family win over --vcpu-sig over --vcpu-type; when they name
 * different CPUs the user meant one of them and the digest may be for the other, so refuse.
 * Zero is a value like any other (sev-snp-measure 8f2b337: "Allow zero as value for vcpu sig &
 * family").
 */
static int check_vcpu_agreement(const struct measure_args *a)
{
	struct {
		const char *option;
		uint32_t sig;
	} given[3];
	size_t n = 0;

	if (a->has_family && a->has_model && a->has_stepping)
		given[n].option = "--vcpu-family/-model/-stepping",
		given[n++].sig = snpm_cpu_sig(a->family, a->model, a->stepping);
	if (a->has_vcpu_sig)
		given[n].option = a->vcpu_sig_text ? "--vcpu-sig" : "the spec's vCPU",
		given[n++].sig = a->vcpu_sig;
	if (a->vcpu_type && snpm_cpu_type_sig(a->vcpu_type, &given[n].sig) == 0)
		given[n++].option = "--vcpu-type";
	for (size_t i = 1; i < n; i++) {
		if (given[i].sig != given[0].sig) {
			usage_error("%s (0x%x) and %s (0x%x) name different CPUs", given[0].option,
				    given[0].sig, given[i].option, given[i].sig);
			return EXIT_USAGE;
		}
	}
	return 0;
}

static int resolve_vcpu_sig(const struct measure_args *a, enum snpm_vmm vmm, uint32_t *ret)
{
	uint32_t sig = 0;

	*ret = 0;
	if (a->mode == SNPM_MODE_SEV)
		return 0;
	if (check_vcpu_agreement(a))
		return EXIT_USAGE;
	/* The reference's precedence: family, then signature, then type. */
	if (a->has_family) {
		if (!a->has_model || !a->has_stepping) {
			usage_error("--vcpu-family requires --vcpu-model and --vcpu-stepping");
			return EXIT_USAGE;
		}
		*ret = snpm_cpu_sig(a->family, a->model, a->stepping);
		return 0;
	}
	if (a->has_vcpu_sig) {
		*ret = a->vcpu_sig;
		return 0;
	}
	if (a->vcpu_type) {
		snpm_cpu_type_sig(a->vcpu_type, &sig);
		*ret = sig;
		return 0;
	}
	if (vmm == SNPM_VMM_QEMU) {
		usage_error("missing --vcpu-type or --vcpu-sig or --vcpu-family in guest mode '%s'",
			    a->mode_text);
		return EXIT_USAGE;
	}
	return 0;
}

static int check_svsm_args(struct measure_args *a)
{
	struct snpm_error err;

	if (a->mode != SNPM_MODE_SNP_SVSM)
		return 0;
	if (a->vars_file && a->has_vars_size) {
		usage_error("argument --vars-file: not allowed with argument --vars-size");
		return EXIT_USAGE;
	}
	if (a->vars_file) {
		if (snpm_io_file_size(a->vars_file, &a->vars_size, &err) < 0)
			return report(a->vars_file, &err);
	} else if (!a->has_vars_size || a->vars_size == 0) {
		usage_error("snp:svsm mode requires --vars-size or --vars-file");
		return EXIT_USAGE;
	}
	if (!a->svsm) {
		usage_error("snp:svsm mode requires --svsm");
		return EXIT_USAGE;
	}
	if (args_kernel_given(a)) {
		fprintf(stderr, "%s: snp:svsm does not measure --kernel, --initrd or --append\n",
			PROG);
		return EXIT_FAIL;
	}
	if (a->features_given && a->guest_features != 0x1 && !a->quiet)
		fprintf(stderr,
			"%s: note: snp:svsm ignores --guest-features, as sev-snp-measure does; the "
			"SVSM VMSAs carry 0x1\n",
			PROG);
	return 0;
}

/* Options that cannot go together, and what needs what. */
static int check_sources(const struct measure_args *a)
{
	bool metadata = a->ovmf_metadata || (a->spec_doc && a->spec_doc->has_firmware_metadata);

	if (!a->ovmf && !metadata) {
		usage_error("the following arguments are required: --ovmf");
		return EXIT_USAGE;
	}
	if (a->ovmf && a->ovmf_metadata) {
		usage_error("argument --ovmf-metadata: not allowed with argument --ovmf");
		return EXIT_USAGE;
	}
	if (a->kernel && a->kernel_hash) {
		usage_error("argument --kernel-hash: not allowed with argument --kernel");
		return EXIT_USAGE;
	}
	if (a->initrd && a->initrd_hash) {
		usage_error("argument --initrd-hash: not allowed with argument --initrd");
		return EXIT_USAGE;
	}
	if (a->snp_ovmf_hash_only && !a->ovmf) {
		usage_error("snp:ovmf-hash needs the firmware image (--ovmf)");
		return EXIT_USAGE;
	}
	return 0;
}

/* The VMM: the command line's, else the spec's (or a sweep's first), else QEMU. */
static int resolve_vmm(const struct measure_args *a, enum snpm_vmm *ret)
{
	if (!a->vmm_text) {
		*ret = a->has_vmm ? a->vmm : SNPM_VMM_QEMU;
		return 0;
	}
	if (snpm_vmm_parse(a->vmm_text, ret) < 0) {
		usage_error("argument --vmm-type: invalid choice: '%s' (choose from 'QEMU', 'ec2', "
			    "'gce')",
			    a->vmm_text);
		return EXIT_USAGE;
	}
	return 0;
}

/* The firmware's SNP digest: --snp-ovmf-hash, else the spec's. */
static int resolve_firmware_digest(const struct measure_args *a, struct snpm_measure_config *cfg)
{
	if (!a->snp_ovmf_hash && !a->has_snp_ovmf_digest)
		return 0;
	if (a->mode != SNPM_MODE_SNP) {
		fprintf(stderr, "%s: --snp-ovmf-hash only works with --mode snp\n", PROG);
		return EXIT_FAIL;
	}
	cfg->has_firmware_digest = true;
	if (!a->snp_ovmf_hash) {
		memcpy(cfg->firmware_digest, a->snp_ovmf_digest, SNPM_LD_SIZE);
		return 0;
	}
	if (!parse_hex(a->snp_ovmf_hash, cfg->firmware_digest, SNPM_LD_SIZE)) {
		fprintf(stderr, "%s: --snp-ovmf-hash: '%s' is not a 96-digit hex SHA-384 digest\n",
			PROG, a->snp_ovmf_hash);
		return EXIT_FAIL;
	}
	return 0;
}

int args_check(struct measure_args *a, struct snpm_measure_config *cfg)
{
	bool kernel = args_kernel_given(a);
	int r = check_sources(a);

	if (r || a->snp_ovmf_hash_only)
		return r;
	if ((a->initrd || a->initrd_hash || a->has_initrd_sha256) && !kernel) {
		usage_error("--kernel required when using --initrd");
		return EXIT_USAGE;
	}
	if (a->append && *a->append && !kernel) {
		usage_error("--kernel required when using --append");
		return EXIT_USAGE;
	}
	if (a->mode != SNPM_MODE_SEV && !a->has_vcpus) {
		usage_error("missing --vcpus N in guest mode '%s'", a->mode_text);
		return EXIT_USAGE;
	}
	r = resolve_vmm(a, &cfg->vmm);
	if (r == 0)
		r = resolve_vcpu_sig(a, cfg->vmm, &cfg->vcpu_sig);
	if (r == 0)
		r = check_svsm_args(a);
	if (r)
		return r;
	/* Accepted, as the reference does, but a user who set features expects them measured. */
	if ((a->mode == SNPM_MODE_SEV || a->mode == SNPM_MODE_SEV_ES) && a->features_given &&
	    !a->quiet)
		fprintf(stderr,
			"%s: note: --guest-features has no effect in mode %s: only SNP measures "
			"SEV features\n",
			PROG, a->mode_text);
	if (a->dump_vmsa && a->mode == SNPM_MODE_SEV) {
		usage_error("--dump-vmsa is not available in the selected mode");
		return EXIT_USAGE;
	}
	r = resolve_firmware_digest(a, cfg);
	if (r)
		return r;
	if (a->mode == SNPM_MODE_SNP && a->verb != VERB_SWEEP && a->verb != VERB_MATCH)
		note_unnamed_features(a->guest_features, a->quiet);
	cfg->mode = a->mode;
	cfg->vcpus = a->vcpus;
	cfg->guest_features = a->guest_features;
	cfg->vmm_version = a->vmm_version;
	cfg->vmsa_gpa = a->vmsa_gpa;
	cfg->vmsa_fpu = a->vmsa_fpu;
	return 0;
}

/* ---- inputs ---- */

/* How messages name an input: its path, or the option when it is standard input. */
static const char *input_label(const char *path, const char *option)
{
	return strcmp(path, "-") == 0 ? option : path;
}

/* Reads an image and refuses it early, naming the file, if it does not parse. */
static int load_image(const char *path, const char *option, uint8_t **ret, size_t *ret_len)
{
	const char *name = input_label(path, option);
	struct snpm_ovmf_info info;
	struct snpm_error err;

	if (snpm_io_read_all(path, SNPM_IO_PIPES, SNPM_OVMF_MAX_SIZE, ret, ret_len, &err) < 0)
		return report(name, &err);
	if (*ret_len == 0 || *ret_len % SNPM_PAGE_SIZE) {
		fprintf(stderr, "%s: %s: size %zu is not a non-zero multiple of 4096 bytes\n", PROG,
			name, *ret_len);
		return EXIT_FAIL;
	}
	if (snpm_ovmf_parse(*ret, *ret_len, &info, &err) < 0)
		return report(name, &err);
	return 0;
}

/* Firmware metadata instead of the image: only an SNP chain seeded with its digest. */
static int load_metadata(const struct measure_args *a, struct snpm_measure_config *cfg,
			 struct inputs *in)
{
	struct snpm_ovmf_digests d = { 0 };
	const char *what = a->ovmf_metadata ? a->ovmf_metadata : a->spec;
	struct snpm_error err;

	if (a->ovmf_metadata) {
		char *text;
		if (snpm_io_read_text(a->ovmf_metadata, SNPM_IO_PIPES, 1u << 20, &text, &err) < 0)
			return report(a->ovmf_metadata, &err);
		int r = snpm_ovmf_from_json(text, &in->firmware_info, &d, &err);
		free(text);
		if (r < 0)
			return report(a->ovmf_metadata, &err);
	} else {
		in->firmware_info = a->spec_doc->firmware_metadata;
	}
	if (cfg->mode != SNPM_MODE_SNP) {
		fprintf(stderr, "%s: %s: firmware metadata without the image measures SNP only\n",
			PROG, what);
		return EXIT_FAIL;
	}
	if (d.has_snp && cfg->has_firmware_digest &&
	    memcmp(d.snp, cfg->firmware_digest, SNPM_LD_SIZE) != 0) {
		fprintf(stderr, "%s: %s: its snp_ovmf_hash contradicts --snp-ovmf-hash\n", PROG,
			what);
		return EXIT_FAIL;
	}
	if (d.has_snp && !cfg->has_firmware_digest) {
		memcpy(cfg->firmware_digest, d.snp, SNPM_LD_SIZE);
		cfg->has_firmware_digest = true;
	}
	if (!cfg->has_firmware_digest) {
		fprintf(stderr,
			"%s: %s: firmware metadata needs --snp-ovmf-hash (or snp_ovmf_hash "
			"in the document)\n",
			PROG, what);
		return EXIT_FAIL;
	}
	cfg->firmware_info = &in->firmware_info;
	return 0;
}

/* A file's SHA-256: from --X-hash, the spec's digest, the file, or of nothing. */
static int hash_input(const char *path, const char *hex, const uint8_t *given, uint64_t max,
		      uint8_t out[SNPM_SHA256_SIZE], uint64_t *size, const char *what,
		      const char *stdin_name)
{
	struct snpm_error err;

	if (given) {
		memcpy(out, given, SNPM_SHA256_SIZE);
		return 0;
	}
	if (hex) {
		if (!parse_hex(hex, out, SNPM_SHA256_SIZE)) {
			fprintf(stderr, "%s: --%s-hash: '%s' is not a 64-digit hex SHA-256\n", PROG,
				what, hex);
			return EXIT_FAIL;
		}
		return 0;
	}
	if (!path)
		return snpm_digest(SNPM_HASH_SHA256, "", 0, out, &err) < 0 ? report(NULL, &err) : 0;
	if (snpm_io_hash(path, SNPM_IO_PIPES, SNPM_HASH_SHA256, max, out, size, &err) < 0)
		return report(input_label(path, stdin_name), &err);
	return 0;
}

static int load_kernel(const struct measure_args *a, struct snpm_measure_config *cfg,
		       struct inputs *in)
{
	struct snpm_error err;
	int r;

	if (!args_kernel_given(a))
		return 0;
	cfg->has_kernel = true;
	r = hash_input(a->kernel, a->kernel_hash, a->has_kernel_sha256 ? a->kernel_sha256 : NULL,
		       TOOL_KERNEL_MAX, cfg->kernel_sha256, &in->kernel_size, "kernel",
		       "--kernel -");
	if (r == 0)
		r = hash_input(a->initrd, a->initrd_hash,
			       a->has_initrd_sha256 ? a->initrd_sha256 : NULL, TOOL_INITRD_MAX,
			       cfg->initrd_sha256, &in->initrd_size, "initrd", "--initrd -");
	if (r == 0 && snpm_cmdline_sha256(a->append, cfg->cmdline_sha256, &err) < 0)
		r = report(NULL, &err);
	return r;
}

int inputs_load(struct measure_args *a, struct snpm_measure_config *cfg, struct inputs *in)
{
	int r;

	memset(in, 0, sizeof(*in));
	if (a->ovmf) {
		r = load_image(a->ovmf, "--ovmf -", &in->firmware, &in->firmware_len);
		cfg->firmware = in->firmware;
		cfg->firmware_len = in->firmware_len;
	} else {
		r = load_metadata(a, cfg, in);
	}
	if (r == 0 && a->mode == SNPM_MODE_SNP_SVSM) {
		r = load_image(a->svsm, "--svsm -", &in->svsm, &in->svsm_len);
		cfg->svsm = in->svsm;
		cfg->svsm_len = in->svsm_len;
		cfg->vars_size = a->vars_size;
	}
	return r ? r : load_kernel(a, cfg, in);
}

void inputs_free(struct inputs *in)
{
	free(in->firmware);
	free(in->svsm);
}
