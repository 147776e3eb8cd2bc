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

#include "../core/io.h"
#include "cli.h"
#include "space.h"

/* ---- which launch ---- */

enum launch_kind args_launch(const struct measure_args *a)
{
	if (a->igvm)
		return LAUNCH_IGVM;
	if (a->krunfw || a->qboot || (a->vmm_text && strcmp(a->vmm_text, "krun") == 0) ||
	    (!a->vmm_text && a->has_vmm && a->vmm == SNPM_VMM_KRUN))
		return LAUNCH_KRUN;
	return LAUNCH_OVMF;
}

/*
 * Options of one kind of launch given (or filled from --spec) for another: a usage error naming
 * both, from the launches of each option's row. An IGVM-only or libkrun-only option names what
 * it needs; another names the launch it was given with.
 */
static int check_launch_options(const struct measure_args *a)
{
	static const char *const launch_option[] = {
		[LAUNCH_IGVM] = "--igvm", [LAUNCH_KRUN] = "--vmm-type krun"
	};
	enum launch_kind kind = args_launch(a);

	for (int opt = 0; opt < M_COUNT; opt++) {
		unsigned takes = option_launches((enum m_opt)opt);
		if (!takes || (takes & (1u << kind)) || !arg_set(a, (enum m_opt)opt))
			continue;
		usage_error("argument --%s: not allowed with %s", option_name((enum m_opt)opt),
			    takes == L_IGVM ? "a launch without --igvm" :
			    takes == L_KRUN ? "a launch without --vmm-type krun" :
					      launch_option[kind]);
		return EXIT_USAGE;
	}
	if (kind != LAUNCH_OVMF && (a->mode == SNPM_MODE_SNP_SVSM || a->snp_ovmf_hash_only)) {
		usage_error("mode %s is for OVMF launches, not %s", a->mode_text,
			    kind == LAUNCH_IGVM ? "IGVM files" : "libkrun");
		return EXIT_USAGE;
	}
	return 0;
}

/* libkrun's pieces: the library, or the three files and the kernel's address. */
static int check_krun_sources(const struct measure_args *a)
{
	if (a->krunfw && (a->qboot || a->kernel || a->initrd)) {
		usage_error("argument --krunfw: not allowed with --qboot, --kernel or --initrd (it "
			    "holds them)");
		return EXIT_USAGE;
	}
	if (!a->krunfw && (!a->qboot || !a->kernel || !a->initrd || !arg_given(a, M_KERNEL_GPA))) {
		usage_error(
			"--vmm-type krun needs --krunfw LIB, or --qboot, --kernel, --kernel-gpa "
			"and --initrd");
		return EXIT_USAGE;
	}
	return 0;
}

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

	if (arg_given(a, M_VCPU_FAMILY) && arg_given(a, M_VCPU_MODEL) &&
	    arg_given(a, M_VCPU_STEPPING))
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
	if (arg_given(a, M_VCPU_FAMILY)) {
		if (!arg_given(a, M_VCPU_MODEL) || !arg_given(a, M_VCPU_STEPPING)) {
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
	/* An IGVM file's VP contexts may set every vCPU: known once it is read. */
	if (vmm == SNPM_VMM_QEMU && args_launch(a) == LAUNCH_IGVM) {
		((struct measure_args *)a)->no_cpu = true;
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
	if (a->vars_file && arg_set(a, M_VARS_SIZE)) {
		usage_error("argument --vars-file: not allowed with argument --vars-size");
		return EXIT_USAGE;
	}
	if (a->vars_file) {
		if (snpm_io_file_size(a->vars_file, &a->vars_size, &err) < 0)
			return report(a->vars_file, &err);
	} else if (!arg_set(a, M_VARS_SIZE) || a->vars_size == 0) {
		usage_error("snp:svsm mode requires --vars-size or --vars-file");
		return EXIT_USAGE;
	}
	if (!a->svsm) {
		usage_error("snp:svsm mode requires --svsm");
		return EXIT_USAGE;
	}
	if (args_kernel_given(a)) {
		fail_line("snp:svsm does not measure --kernel, --initrd or --append");
		return EXIT_FAIL;
	}
	if (a->features_given && a->guest_features != 0x1 && !a->quiet)
		fail_line("note: snp:svsm ignores --guest-features, as sev-snp-measure does; the "
			  "SVSM VMSAs carry 0x1");
	return 0;
}

/* Options that cannot go together, and what needs what. */
static int check_sources(const struct measure_args *a)
{
	bool metadata = a->ovmf_metadata || (a->spec_doc && a->spec_doc->has_firmware_metadata);
	int r = check_launch_options(a);

	if (r == 0 && args_launch(a) == LAUNCH_IGVM && args_kernel_given(a) &&
	    a->igvm_semantics != SNPM_IGVM_CLOUD_HYPERVISOR) {
		usage_error("argument --kernel: with --igvm, only --igvm-loader cloud-hypervisor "
			    "measures a kernel (its fw_cfg measured boot)");
		return EXIT_USAGE;
	}
	if (r || args_launch(a) == LAUNCH_IGVM)
		return r;
	if (args_launch(a) == LAUNCH_KRUN)
		return check_krun_sources(a);

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

/* The VMM: the command line's, else the spec's (or a sweep's first), else the launch's. */
static int resolve_vmm(const struct measure_args *a, enum snpm_vmm *ret)
{
	enum launch_kind kind = args_launch(a);

	if (!a->vmm_text) {
		*ret = a->has_vmm ? a->vmm : kind == LAUNCH_KRUN ? SNPM_VMM_KRUN : SNPM_VMM_QEMU;
	} else if (snpm_vmm_parse(a->vmm_text, ret) < 0) {
		usage_error("argument --vmm-type: invalid choice: '%s' (choose from 'QEMU', 'ec2', "
			    "'gce', 'krun')",
			    a->vmm_text);
		return EXIT_USAGE;
	}
	if (kind == LAUNCH_IGVM && *ret != SNPM_VMM_QEMU) {
		usage_error("argument --vmm-type: IGVM files are QEMU's, not %s",
			    snpm_vmm_name(*ret));
		return EXIT_USAGE;
	}
	if (kind == LAUNCH_KRUN && *ret != SNPM_VMM_KRUN) {
		usage_error("argument --vmm-type: libkrun's inputs need --vmm-type krun");
		return EXIT_USAGE;
	}
	if (kind == LAUNCH_OVMF && *ret == SNPM_VMM_KRUN) {
		usage_error(
			"--vmm-type krun needs --krunfw LIB, or --qboot, --kernel, --kernel-gpa "
			"and --initrd");
		return EXIT_USAGE;
	}
	return 0;
}

/* The firmware's SNP digest: --snp-ovmf-hash, else the spec's. */
static int resolve_firmware_digest(const struct measure_args *a, struct snpm_measure_config *cfg)
{
	if (!arg_set(a, M_SNP_OVMF_HASH))
		return 0;
	if (a->mode != SNPM_MODE_SNP) {
		fail_line("--snp-ovmf-hash only works with --mode snp");
		return EXIT_FAIL;
	}
	cfg->has_firmware_digest = true;
	if (!a->snp_ovmf_hash) {
		memcpy(cfg->firmware_digest, a->snp_ovmf_digest, SNPM_LD_SIZE);
		return 0;
	}
	if (!parse_hex(a->snp_ovmf_hash, cfg->firmware_digest, SNPM_LD_SIZE)) {
		fail_line("--snp-ovmf-hash: '%s' is not a 96-digit hex SHA-384 digest",
			  a->snp_ovmf_hash);
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
	if ((arg_set(a, M_INITRD) || arg_set(a, M_INITRD_HASH)) && !kernel &&
	    args_launch(a) != LAUNCH_KRUN) {
		usage_error("--kernel required when using --initrd");
		return EXIT_USAGE;
	}
	if (a->append && *a->append && !kernel) {
		usage_error("--kernel required when using --append");
		return EXIT_USAGE;
	}
	if ((a->mode != SNPM_MODE_SEV || args_launch(a) == LAUNCH_KRUN) && !a->has_vcpus) {
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
		fail_line("note: --guest-features has no effect in mode %s: only SNP measures "
			  "SEV features",
			  a->mode_text);
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
	/* An IGVM file's VMSA carries the guest features: 0 takes them, a value must agree. */
	if (args_launch(a) == LAUNCH_IGVM && !a->features_given)
		cfg->guest_features = 0;
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
		fail_line("%s: size %zu is not a non-zero multiple of 4096 bytes", name, *ret_len);
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
		fail_line("%s: firmware metadata without the image measures SNP only", what);
		return EXIT_FAIL;
	}
	if (d.has_snp && cfg->has_firmware_digest &&
	    memcmp(d.snp, cfg->firmware_digest, SNPM_LD_SIZE) != 0) {
		fail_line("%s: its snp_ovmf_hash contradicts --snp-ovmf-hash", what);
		return EXIT_FAIL;
	}
	if (d.has_snp && !cfg->has_firmware_digest) {
		memcpy(cfg->firmware_digest, d.snp, SNPM_LD_SIZE);
		cfg->has_firmware_digest = true;
	}
	if (!cfg->has_firmware_digest) {
		fail_line("%s: firmware metadata needs --snp-ovmf-hash (or snp_ovmf_hash "
			  "in the document)",
			  what);
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
			fail_line("--%s-hash: '%s' is not a 64-digit hex SHA-256", what, hex);
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
	r = hash_input(a->kernel, a->kernel_hash,
		       opt_set_has(&a->from_spec, M_KERNEL_HASH) ? a->kernel_sha256 : NULL,
		       TOOL_KERNEL_MAX, cfg->kernel_sha256, &in->kernel_size, "kernel",
		       "--kernel -");
	if (r == 0)
		r = hash_input(a->initrd, a->initrd_hash,
			       opt_set_has(&a->from_spec, M_INITRD_HASH) ? a->initrd_sha256 : NULL,
			       TOOL_INITRD_MAX, cfg->initrd_sha256, &in->initrd_size, "initrd",
			       "--initrd -");
	if (r == 0 && snpm_cmdline_sha256(a->append, cfg->cmdline_sha256, &err) < 0)
		r = report(NULL, &err);
	return r;
}

/* ---- IGVM and libkrun inputs, read at offsets ---- */

/* With --corim-key, the CoRIM an IGVM file carries must be signed with it (the library holds
 * its digest against the igvm crate's measurement for every loader). */
static int check_corim(const struct measure_args *a, struct inputs *in)
{
	return igvm_read_corim(a->igvm, &in->igvm, in->igvm_file, a->corim_key, &in->corim);
}

static int load_igvm(struct measure_args *a, struct snpm_measure_config *cfg, struct inputs *in)
{
	struct snpm_error err;

	if (snpm_io_source_open(a->igvm, &in->igvm, &err) < 0 ||
	    snpm_igvm_parse(&in->igvm.src, &in->igvm_file, &err) < 0)
		return report(a->igvm, &err);
	cfg->loader = SNPM_LOADER_IGVM;
	cfg->igvm = in->igvm.src;
	cfg->igvm_semantics = a->igvm_semantics;
	cfg->igvm_native_zero = a->native_zero;
	cfg->igvm_ignore_id_block = a->ignore_id_block;
	return check_corim(a, in);
}

/*
 * Under QEMU a vCPU without a VP context starts at the reset state, whose rdx is the CPU's
 * signature: then the CPU must be given, as for OVMF. One pass over the headers marks the vCPUs
 * with a context (a hostile file may hold a million headers and name thousands of vCPUs).
 */
static int check_igvm_cpu(const struct measure_args *a, const struct inputs *in)
{
	int platform = snpm_igvm_platform_of_mode(a->mode);
	uint32_t mask;
	uint8_t *has;
	int r = 0;

	/* Under QEMU and OpenVMM a vCPU without a VP context starts at the x86 reset state. */
	if (!a->no_cpu || a->mode == SNPM_MODE_SEV ||
	    (a->igvm_semantics != SNPM_IGVM_QEMU && a->igvm_semantics != SNPM_IGVM_OPENVMM_KVM))
		return 0;
	mask = platform < 0 ?
		       0 :
		       snpm_igvm_platform_mask(in->igvm_file, (enum snpm_igvm_platform)platform);
	has = calloc(a->vcpus ? a->vcpus : 1, 1);
	if (!has) {
		fail_line("out of memory");
		return EXIT_FAIL;
	}
	for (size_t k = 0; mask && k < snpm_igvm_count(in->igvm_file); k++) {
		struct snpm_igvm_header h;
		snpm_igvm_header(in->igvm_file, k, &h);
		if (h.type == SNPM_IGVM_VP_CONTEXT && (h.compatibility_mask & mask) &&
		    h.vp_index < a->vcpus &&
		    (h.vp_index == 0 || a->igvm_semantics == SNPM_IGVM_QEMU))
			has[h.vp_index] = 1;
	}
	for (uint32_t i = 0; r == 0 && i < a->vcpus; i++)
		if (!has[i]) {
			usage_error(
				"missing --vcpu-type or --vcpu-sig or --vcpu-family: the IGVM file "
				"sets no VP context for vCPU %u, which starts at the reset state "
				"with the CPU's signature in rdx",
				i);
			r = EXIT_USAGE;
		}
	free(has);
	return r;
}

static int open_piece(const char *path, struct snpm_io_source *s)
{
	struct snpm_error err;

	return snpm_io_source_open(path, s, &err) < 0 ? report(path, &err) : 0;
}

static int slice_piece(const struct measure_args *a, struct inputs *in, uint64_t off, uint64_t len,
		       struct snpm_io_source *piece)
{
	struct snpm_error err;

	return snpm_io_source_slice(&in->krunfw, off, len, piece, &err) < 0 ?
		       report(a->krunfw, &err) :
		       0;
}

/* The library's pieces, and its kernel address unless --kernel-gpa says otherwise. */
static int load_krunfw(struct measure_args *a, struct inputs *in, uint64_t *gpa)
{
	const struct snpm_krunfw *k = &in->krunfw_info;
	struct snpm_error err;
	int r;

	if (snpm_krunfw_inspect(a->krunfw, &in->krunfw_info, &err) < 0)
		return report(a->krunfw, &err);
	if (!k->has_kernel_gpa && !arg_given(a, M_KERNEL_GPA)) {
		fail_line("%s: the kernel's load address could not be read from "
			  "krunfw_get_kernel: give --kernel-gpa",
			  a->krunfw);
		return EXIT_FAIL;
	}
	if (k->has_kernel_gpa && arg_given(a, M_KERNEL_GPA) && k->kernel_gpa != a->kernel_gpa) {
		fail_line("%s: loads the kernel at 0x%llx, not --kernel-gpa 0x%llx", a->krunfw,
			  (unsigned long long)k->kernel_gpa, (unsigned long long)a->kernel_gpa);
		return EXIT_FAIL;
	}
	*gpa = arg_given(a, M_KERNEL_GPA) ? a->kernel_gpa : k->kernel_gpa;
	r = open_piece(a->krunfw, &in->krunfw);
	if (r == 0)
		r = slice_piece(a, in, k->qboot_offset, k->qboot_size, &in->qboot);
	if (r == 0)
		r = slice_piece(a, in, k->kernel_offset, k->kernel_size, &in->kernel);
	if (r == 0)
		r = slice_piece(a, in, k->initrd_offset, k->initrd_size, &in->initrd);
	return r;
}

static int load_krun(struct measure_args *a, struct snpm_measure_config *cfg, struct inputs *in)
{
	uint64_t gpa = a->kernel_gpa;
	int r;

	if (a->krunfw) {
		r = load_krunfw(a, in, &gpa);
	} else {
		r = open_piece(a->qboot, &in->qboot);
		if (r == 0)
			r = open_piece(a->kernel, &in->kernel);
		if (r == 0)
			r = open_piece(a->initrd, &in->initrd);
	}
	if (r)
		return r;
	cfg->loader = SNPM_LOADER_KRUN;
	cfg->krun_qboot = in->qboot.src;
	cfg->krun_kernel = in->kernel.src;
	cfg->krun_initrd = in->initrd.src;
	cfg->krun_kernel_gpa = gpa;
	cfg->krun_ram_mib = arg_given(a, M_RAM_MIB) ? a->ram_mib : 2048;
	return 0;
}

int inputs_check(const struct measure_args *a, const struct inputs *in)
{
	const struct snpm_io_source *s[] = { &in->igvm, &in->krunfw, &in->qboot, &in->kernel,
					     &in->initrd };
	const char *names[] = { a->igvm, a->krunfw, a->qboot, a->kernel, a->initrd };
	struct snpm_error err;

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (snpm_io_source_check(s[i], &err) < 0)
			return report(names[i], &err);
	return 0;
}

int inputs_load(struct measure_args *a, struct snpm_measure_config *cfg, struct inputs *in)
{
	int r;

	memset(in, 0, sizeof(*in));
	if (args_launch(a) == LAUNCH_IGVM) {
		r = load_igvm(a, cfg, in);
		if (r == 0)
			r = check_igvm_cpu(a, in);
		return r ? r : load_kernel(a, cfg, in);
	}
	if (args_launch(a) == LAUNCH_KRUN)
		return load_krun(a, cfg, in);
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
	snpm_igvm_free(in->igvm_file);
	in->igvm_file = NULL;
	snpm_io_source_close(&in->igvm, NULL);
	snpm_io_source_close(&in->krunfw, NULL);
	snpm_io_source_close(&in->qboot, NULL);
	snpm_io_source_close(&in->kernel, NULL);
	snpm_io_source_close(&in->initrd, NULL);
}

bool igvm_strongest_mode(const char *path, enum snpm_mode *ret)
{
	static const enum snpm_mode order[] = { SNPM_MODE_SNP, SNPM_MODE_SEV_ES, SNPM_MODE_SEV };
	struct snpm_io_source s;
	struct snpm_igvm *f = NULL;
	bool found = false;

	if (snpm_io_source_open(path, &s, NULL) < 0)
		return false;
	if (snpm_igvm_parse(&s.src, &f, NULL) == 0)
		for (size_t i = 0; !found && i < sizeof(order) / sizeof(order[0]); i++)
			if (snpm_igvm_platform_mask(
				    f, (enum snpm_igvm_platform)snpm_igvm_platform_of_mode(
					       order[i]))) {
				*ret = order[i];
				found = true;
			}
	snpm_igvm_free(f);
	snpm_io_source_close(&s, NULL);
	return found;
}
