/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The measurement arguments every verb shares: the reference's options (same meaning, same
 * refusals), this tool's additions, and --spec documents merged under the command line.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../image/io.h"
#include "space.h"

enum opt_id {
	OPT_HELP = 'h',
	OPT_VERBOSE = 'v',
	OPT_QUIET = 'q',
	OPT_VERSION = 256,
	OPT_MODE,
	OPT_VCPUS,
	OPT_VCPU_TYPE,
	OPT_VCPU_SIG,
	OPT_VCPU_FAMILY,
	OPT_VCPU_MODEL,
	OPT_VCPU_STEPPING,
	OPT_VMM_TYPE,
	OPT_VMM_VERSION,
	OPT_OVMF,
	OPT_OVMF_METADATA,
	OPT_KERNEL,
	OPT_KERNEL_HASH,
	OPT_INITRD,
	OPT_INITRD_HASH,
	OPT_APPEND,
	OPT_GUEST_FEATURES,
	OPT_OUTPUT_FORMAT,
	OPT_SNP_OVMF_HASH,
	OPT_DUMP_VMSA,
	OPT_SVSM,
	OPT_VARS_SIZE,
	OPT_VARS_FILE,
	OPT_VMSA_GPA,
	OPT_VMSA_FPU,
	OPT_SPEC,
	OPT_JSON,
	OPT_CSV,
	OPT_MEASUREMENT,
	OPT_VCEK,
	OPT_ASK,
	OPT_ARK,
	OPT_CHAIN,
	OPT_HOST_DATA,
	OPT_ID_KEY_DIGEST,
	OPT_AUTHOR_KEY_DIGEST,
	OPT_POLICY,
	OPT_REPORT_DATA,
};

/* Verbs an option belongs to. */
#define V_MEASURE (1u << VERB_MEASURE)
#define V_EXPLAIN (1u << VERB_EXPLAIN)
#define V_SWEEP (1u << VERB_SWEEP)
#define V_MATCH (1u << VERB_MATCH)
#define V_CHECK (1u << VERB_CHECK)
#define V_ALL (V_MEASURE | V_EXPLAIN | V_SWEEP | V_MATCH | V_CHECK)

/* One table feeds getopt_long and --help. */
static const struct option_doc {
	const char *name;
	int has_arg;
	int id;
	unsigned verbs;
	const char *metavar;
	const char *help;
} options[] = {
	{ "help", no_argument, OPT_HELP, V_ALL, NULL, "show this help and exit" },
	{ "version", no_argument, OPT_VERSION, V_ALL, NULL, "show the version and exit" },
	{ "verbose", no_argument, OPT_VERBOSE, V_MEASURE, NULL,
	  "print 'Calculated ... guest measurement: X'" },
	{ "quiet", no_argument, OPT_QUIET, V_ALL, NULL, "no notes on stderr" },
	{ "mode", required_argument, OPT_MODE, V_ALL, "MODE",
	  "sev, seves, snp, snp:ovmf-hash, snp:svsm (default: snp, with a note)" },
	{ "vcpus", required_argument, OPT_VCPUS, V_ALL, "N", "number of guest vCPUs" },
	{ "vcpu-type", required_argument, OPT_VCPU_TYPE, V_ALL, "CPUTYPE",
	  "guest vCPU model: EPYC, EPYC-v1..v4, EPYC-IBPB, EPYC-Rome[-v1..v3], "
	  "EPYC-Milan[-v1,-v2], EPYC-Genoa[-v1], EPYC-Turin" },
	{ "vcpu-sig", required_argument, OPT_VCPU_SIG, V_ALL, "VALUE", "guest vCPU signature" },
	{ "vcpu-family", required_argument, OPT_VCPU_FAMILY, V_ALL, "FAMILY", "guest vCPU family" },
	{ "vcpu-model", required_argument, OPT_VCPU_MODEL, V_ALL, "MODEL", "guest vCPU model" },
	{ "vcpu-stepping", required_argument, OPT_VCPU_STEPPING, V_ALL, "STEPPING",
	  "guest vCPU stepping" },
	{ "vmm-type", required_argument, OPT_VMM_TYPE, V_ALL, "VMMTYPE",
	  "QEMU (default), ec2, gce" },
	{ "vmm-version", required_argument, OPT_VMM_VERSION, V_ALL, "N",
	  "VMM behaviour version (ec2: 1 = rdx 0, 2 = rdx 0x600; default latest)" },
	{ "ovmf", required_argument, OPT_OVMF, V_ALL, "PATH", "OVMF firmware image" },
	{ "ovmf-metadata", required_argument, OPT_OVMF_METADATA, V_ALL, "FILE",
	  "firmware metadata from 'snpmeasure ovmf --json', instead of the image (SNP)" },
	{ "kernel", required_argument, OPT_KERNEL, V_ALL, "PATH", "kernel (bzImage), direct boot" },
	{ "kernel-hash", required_argument, OPT_KERNEL_HASH, V_ALL, "HEX",
	  "SHA-256 of the kernel, instead of --kernel" },
	{ "initrd", required_argument, OPT_INITRD, V_ALL, "PATH", "initrd (use with --kernel)" },
	{ "initrd-hash", required_argument, OPT_INITRD_HASH, V_ALL, "HEX",
	  "SHA-256 of the initrd, instead of --initrd" },
	{ "append", required_argument, OPT_APPEND, V_ALL, "CMDLINE",
	  "kernel command line, measured verbatim (use with --kernel)" },
	{ "guest-features", required_argument, OPT_GUEST_FEATURES, V_ALL, "VALUE",
	  "SEV_FEATURES: a number or names, e.g. SNPActive,DebugSwap,SecureAVIC (default 0x1)" },
	{ "output-format", required_argument, OPT_OUTPUT_FORMAT, V_ALL, "FORMAT",
	  "hex (default) or base64" },
	{ "snp-ovmf-hash", required_argument, OPT_SNP_OVMF_HASH, V_ALL, "HASH",
	  "precomputed SNP digest of the firmware pages (hex), from snp:ovmf-hash" },
	{ "dump-vmsa", no_argument, OPT_DUMP_VMSA, V_MEASURE, NULL,
	  "write the measured VMSAs to vmsa<N>.bin (seves, snp, snp:svsm)" },
	{ "svsm", required_argument, OPT_SVSM, V_ALL, "PATH", "COCONUT-SVSM image (snp:svsm)" },
	{ "vars-size", required_argument, OPT_VARS_SIZE, V_ALL, "SIZE",
	  "size of the OVMF_VARS file in bytes (snp:svsm)" },
	{ "vars-file", required_argument, OPT_VARS_FILE, V_ALL, "PATH",
	  "OVMF_VARS file (snp:svsm)" },
	{ "vmsa-gpa", required_argument, OPT_VMSA_GPA, V_ALL, "GPA",
	  "where the VMSAs are measured: default (0xFFFFFFFFF000), 52bit (0xFFFFFFFFFF000, GCE "
	  "on Genoa) or an address" },
	{ "vmsa-fpu", required_argument, OPT_VMSA_FPU, V_ALL, "KIND",
	  "default, or legacy-kvm: MXCSR/FCW left zero as by older host kernels" },
	{ "spec", required_argument, OPT_SPEC, V_ALL, "FILE",
	  "the measurement as a JSON document (ours or dstack's MeasurementInput); options given "
	  "on the command line win" },
	{ "measurement", required_argument, OPT_MEASUREMENT, V_MATCH | V_CHECK, "HEX|BASE64",
	  "the measurement to look for (check: instead of measurement arguments)" },
	{ "vcek", required_argument, OPT_VCEK, V_CHECK, "CERT", "VCEK or VLEK (PEM or DER)" },
	{ "ask", required_argument, OPT_ASK, V_CHECK, "CERT", "ASK or ASVK (default: built in)" },
	{ "ark", required_argument, OPT_ARK, V_CHECK, "CERT", "ARK (default: built in)" },
	{ "chain", required_argument, OPT_CHAIN, V_CHECK, "PEM",
	  "ASK then ARK, as AMD serves them" },
	{ "host-data", required_argument, OPT_HOST_DATA, V_CHECK, "HEX", "expected HOST_DATA" },
	{ "id-key-digest", required_argument, OPT_ID_KEY_DIGEST, V_CHECK, "HEX|BASE64|PEM",
	  "expected ID key digest, or the key" },
	{ "author-key-digest", required_argument, OPT_AUTHOR_KEY_DIGEST, V_CHECK, "HEX|BASE64|PEM",
	  "expected author key digest, or the key" },
	{ "policy", required_argument, OPT_POLICY, V_CHECK, "VALUE", "expected guest policy" },
	{ "report-data", required_argument, OPT_REPORT_DATA, V_CHECK, "HEX",
	  "expected REPORT_DATA (64 bytes; shorter is zero-padded)" },
	{ "json", no_argument, OPT_JSON, V_ALL, NULL, "JSON output" },
	{ "csv", no_argument, OPT_CSV, V_SWEEP | V_MATCH, NULL, "CSV output" },
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

static const char *const verb_usage[] = {
	[VERB_MEASURE] = "[--mode MODE] --ovmf PATH [options]",
	[VERB_EXPLAIN] = "explain [--mode MODE] --ovmf PATH [options]",
	[VERB_SWEEP] = "sweep --ovmf PATH [--vcpus 1-64,128] [--vcpu-type all|LIST] "
		       "[--guest-features LIST] [--vmm-type LIST] [--json|--csv]",
	[VERB_MATCH] = "match --measurement HEX|BASE64 --ovmf PATH [options] [sweep ranges]",
	[VERB_CHECK] = "report check FILE (--measurement HEX | measurement options) [expected "
		       "fields] [--vcek CERT [--ask CERT] [--ark CERT] [--chain PEM]]",
};

void print_help(enum verb verb)
{
	printf("Usage: %s %s\n\n", PROG, verb_usage[verb]);
	if (verb == VERB_MEASURE)
		printf("Calculate the AMD SEV/SEV-ES/SEV-SNP guest launch measurement.\n"
		       "Accepts the command line of sev-snp-measure %s.\n"
		       "Verbs: explain, sweep, match, ovmf, report, id-block, key-digest "
		       "(see '%s VERB --help').\n\n",
		       REFERENCE_VERSION, PROG);
	printf("Options:\n");
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct option_doc *o = &options[i];
		char left[64];

		if (!(o->verbs & (1u << verb)))
			continue;
		if (o->id < 256)
			snprintf(left, sizeof(left), "-%c, --%s", o->id, o->name);
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->metavar ? " " : "",
				 o->metavar ? o->metavar : "");
		printf("  %-30s %s\n", left, o->help);
	}
	if (verb == VERB_MEASURE)
		printf("\nWithout --mode: SNP, 1 vCPU, EPYC-v4, guest features 0x1, QEMU, with a "
		       "note on stderr.\n");
	if (verb == VERB_SWEEP || verb == VERB_MATCH)
		printf("\nLists: --vcpus 1-64,128; --vcpu-type all or A,B; --vcpu-sig 0x800f12,0xa00f11 "
		       "(with --vcpu-type and --vcpu-family: their union); --vmm-type QEMU,ec2,gce; "
		       "--guest-features 0x1,0x21 (numbers: one set each; names joined by ',' or "
		       "'+' make one set; repeat the option for more sets).\n");
}

static bool parse_u32_opt(const char *name, const char *s, uint32_t *ret)
{
	uint64_t v;

	if (!parse_u64(s, false, UINT32_MAX, &v)) {
		usage_error("argument --%s: invalid value '%s'", name, s);
		return false;
	}
	*ret = (uint32_t)v;
	return true;
}

static int parse_mode_opt(struct measure_args *a, const char *arg)
{
	a->mode_given = true;
	a->mode_text = arg;
	if (strcmp(arg, "snp:ovmf-hash") == 0) {
		a->snp_ovmf_hash_only = true;
		a->mode = SNPM_MODE_SNP;
		return 0;
	}
	if (snpm_mode_parse(arg, &a->mode) == 0)
		return 0;
	usage_error("argument --mode: invalid choice: '%s' (choose from 'sev', 'seves', 'snp', "
		    "'snp:ovmf-hash', 'snp:svsm')",
		    arg);
	return -1;
}

static int parse_vmsa_gpa(struct measure_args *a, const char *arg)
{
	a->vmsa_gpa_given = true;
	if (strcmp(arg, "default") == 0)
		a->vmsa_gpa = SNPM_VMSA_GPA_DEFAULT;
	else if (strcmp(arg, "52bit") == 0)
		a->vmsa_gpa = SNPM_VMSA_GPA_52BIT;
	else if (!parse_u64(arg, true, SNPM_GPA_LIMIT - 1, &a->vmsa_gpa) ||
		 a->vmsa_gpa % SNPM_PAGE_SIZE) {
		usage_error("argument --vmsa-gpa: '%s' is not default, 52bit or a page-aligned "
			    "address below 2^52",
			    arg);
		return -1;
	}
	return 0;
}

/* The offset of a field, which must have the given type (a mistyped entry does not compile). */
#define FIELD(name, type)                      \
	(offsetof(struct measure_args, name) + \
	 0 * sizeof(_Generic(((struct measure_args *)0)->name, type : 1)))

/* Options whose value is kept as given, to be checked once all sources are merged. */
static const struct {
	int id;
	size_t field;
} text_options[] = {
	{ OPT_VCPUS, FIELD(vcpus_text, const char *) },
	{ OPT_VCPU_TYPE, FIELD(vcpu_type_text, const char *) },
	{ OPT_VCPU_SIG, FIELD(vcpu_sig_text, const char *) },
	{ OPT_VMM_TYPE, FIELD(vmm_text, const char *) },
	{ OPT_OVMF, FIELD(ovmf, const char *) },
	{ OPT_OVMF_METADATA, FIELD(ovmf_metadata, const char *) },
	{ OPT_KERNEL, FIELD(kernel, const char *) },
	{ OPT_KERNEL_HASH, FIELD(kernel_hash, const char *) },
	{ OPT_INITRD, FIELD(initrd, const char *) },
	{ OPT_INITRD_HASH, FIELD(initrd_hash, const char *) },
	{ OPT_APPEND, FIELD(append, const char *) },
	{ OPT_SNP_OVMF_HASH, FIELD(snp_ovmf_hash, const char *) },
	{ OPT_SVSM, FIELD(svsm, const char *) },
	{ OPT_VARS_FILE, FIELD(vars_file, const char *) },
	{ OPT_SPEC, FIELD(spec, const char *) },
	{ OPT_MEASUREMENT, FIELD(measurement, const char *) },
	{ OPT_VCEK, FIELD(vcek, const char *) },
	{ OPT_ASK, FIELD(ask, const char *) },
	{ OPT_ARK, FIELD(ark, const char *) },
	{ OPT_CHAIN, FIELD(chain, const char *) },
	{ OPT_HOST_DATA, FIELD(host_data, const char *) },
	{ OPT_ID_KEY_DIGEST, FIELD(id_key_digest, const char *) },
	{ OPT_AUTHOR_KEY_DIGEST, FIELD(author_key_digest, const char *) },
	{ OPT_POLICY, FIELD(policy, const char *) },
	{ OPT_REPORT_DATA, FIELD(report_data, const char *) },
};

/* Options that only switch something on. */
static const struct {
	int id;
	size_t field;
} flag_options[] = {
	{ OPT_VERBOSE, FIELD(verbose, bool) },	   { OPT_QUIET, FIELD(quiet, bool) },
	{ OPT_JSON, FIELD(json, bool) },	   { OPT_CSV, FIELD(csv, bool) },
	{ OPT_DUMP_VMSA, FIELD(dump_vmsa, bool) },
};

/* Returns true when id is a text or flag option, which it then stores. */
static bool store_simple_option(struct measure_args *a, int id, const char *arg)
{
	char *base = (char *)a;

	for (size_t i = 0; i < sizeof(text_options) / sizeof(text_options[0]); i++) {
		if (text_options[i].id == id) {
			*(const char **)(base + text_options[i].field) = arg;
			return true;
		}
	}
	for (size_t i = 0; i < sizeof(flag_options) / sizeof(flag_options[0]); i++) {
		if (flag_options[i].id == id) {
			*(bool *)(base + flag_options[i].field) = true;
			return true;
		}
	}
	return false;
}

static int parse_vmm_version(struct measure_args *a, const char *arg)
{
	uint32_t v32;

	if (!parse_u32_opt("vmm-version", arg, &v32))
		return -1;
	if (v32 < 1 || v32 > 2) {
		usage_error("argument --vmm-version: invalid choice: '%s' (1 or 2)", arg);
		return -1;
	}
	a->vmm_version = v32;
	return 0;
}

static int add_guest_features(struct measure_args *a, const char *arg)
{
	if (a->n_features_text == MAX_FEATURE_ARGS) {
		usage_error("argument --guest-features: given more than %d times",
			    MAX_FEATURE_ARGS);
		return -1;
	}
	a->features_text[a->n_features_text++] = arg;
	return 0;
}

static int parse_output_format(struct measure_args *a, const char *arg)
{
	if (strcmp(arg, "hex") == 0 || strcmp(arg, "base64") == 0) {
		a->base64 = strcmp(arg, "base64") == 0;
		return 0;
	}
	usage_error("argument --output-format: invalid choice: '%s' (choose from 'hex', "
		    "'base64')",
		    arg);
	return -1;
}

static int parse_vmsa_fpu(struct measure_args *a, const char *arg)
{
	a->vmsa_fpu_given = true;
	if (strcmp(arg, "default") == 0 || strcmp(arg, "legacy-kvm") == 0) {
		a->vmsa_fpu = strcmp(arg, "default") == 0 ? SNPM_VMSA_FPU_DEFAULT :
							    SNPM_VMSA_FPU_LEGACY_KVM;
		return 0;
	}
	usage_error("argument --vmsa-fpu: invalid choice: '%s' (default, legacy-kvm)", arg);
	return -1;
}

static int parse_option(struct measure_args *a, int id, const char *arg)
{
	if (store_simple_option(a, id, arg))
		return 0;
	switch (id) {
	case OPT_HELP:
		print_help(a->verb);
		exit(EXIT_OK);
	case OPT_VERSION:
		printf("%s %s (library %s; command line of sev-snp-measure %s)\n", PROG,
		       SNPM_VERSION_STRING, snpm_version(), REFERENCE_VERSION);
		exit(EXIT_OK);
	case OPT_MODE:
		return parse_mode_opt(a, arg);
	case OPT_VCPU_FAMILY:
		a->has_family = true;
		return parse_u32_opt("vcpu-family", arg, &a->family) ? 0 : -1;
	case OPT_VCPU_MODEL:
		a->has_model = true;
		return parse_u32_opt("vcpu-model", arg, &a->model) ? 0 : -1;
	case OPT_VCPU_STEPPING:
		a->has_stepping = true;
		return parse_u32_opt("vcpu-stepping", arg, &a->stepping) ? 0 : -1;
	case OPT_VMM_VERSION:
		return parse_vmm_version(a, arg);
	case OPT_GUEST_FEATURES:
		return add_guest_features(a, arg);
	case OPT_OUTPUT_FORMAT:
		return parse_output_format(a, arg);
	case OPT_VARS_SIZE:
		a->has_vars_size = true;
		if (parse_u64(arg, false, UINT64_MAX, &a->vars_size))
			return 0;
		usage_error("argument --vars-size: invalid value '%s'", arg);
		return -1;
	case OPT_VMSA_GPA:
		return parse_vmsa_gpa(a, arg);
	case OPT_VMSA_FPU:
		return parse_vmsa_fpu(a, arg);
	default:
		return -1;
	}
}

/* ---- --spec: the document fills what the command line left unset ---- */

static const char *own(struct measure_args *a, char *s)
{
	/* A value lost here would silently change the measurement: never carry on. */
	if (!s || a->n_owned == sizeof(a->owned) / sizeof(a->owned[0])) {
		fprintf(stderr, "%s: out of memory\n", PROG);
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

static bool kernel_given(const struct measure_args *a)
{
	return a->kernel || a->kernel_hash || a->has_kernel_sha256;
}

static bool spec_gives(const struct measure_args *a, unsigned field)
{
	return a->spec_doc && (a->spec_doc->given & field);
}

static bool cpu_given_on_cli(const struct measure_args *a)
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
		fprintf(stderr,
			"%s: %s: note: base_cmdline has leading or trailing whitespace; dstack trims "
			"it, QEMU does not: measured verbatim\n",
			PROG, a->spec);
}

/* The spec's vCPU count, CPU, features and VMM, where the command line gave none. */
static void take_spec_vcpu(struct measure_args *a)
{
	const struct snpm_spec *sp = a->spec_doc;

	if (!a->vcpus_text && spec_gives(a, SNPM_SPEC_VCPUS)) {
		a->has_vcpus = true;
		a->vcpus = sp->vcpus;
	}
	if (!cpu_given_on_cli(a) && spec_gives(a, SNPM_SPEC_VCPU_SIG)) {
		a->has_vcpu_sig = true;
		a->vcpu_sig = sp->vcpu_sig;
		a->vcpu_type = sp->vcpu_type;
	}
	if (!a->n_features_text && spec_gives(a, SNPM_SPEC_GUEST_FEATURES)) {
		a->features_given = true;
		a->guest_features = sp->guest_features;
	}
	if (!a->vmm_text && spec_gives(a, SNPM_SPEC_VMM)) {
		a->has_vmm = true;
		a->vmm = sp->vmm;
	}
}

void args_take_spec_space(struct measure_args *a, struct space *sp)
{
	if (!a->spec_doc)
		return;
	take_spec_vcpu(a);
	if (!a->vcpus_text && spec_gives(a, SNPM_SPEC_VCPUS))
		sp->vcpus[0] = a->vcpus, sp->n_vcpus = 1;
	if (!cpu_given_on_cli(a) && spec_gives(a, SNPM_SPEC_VCPU_SIG))
		sp->sigs[0] = a->vcpu_sig, sp->sig_names[0] = a->vcpu_type, sp->n_sigs = 1;
	if (!a->n_features_text && spec_gives(a, SNPM_SPEC_GUEST_FEATURES))
		sp->features[0] = a->guest_features, sp->n_features = 1;
	if (!a->vmm_text && spec_gives(a, SNPM_SPEC_VMM))
		sp->vmms[0] = a->vmm, sp->n_vmms = 1;
}

static int load_spec(struct measure_args *a)
{
	struct snpm_error err;
	char *text, *copy;
	int r;

	if (snpm_io_read_text(a->spec, SNPM_IO_PIPES, 1u << 20, &text, &err) < 0)
		return report(a->spec, &err);
	r = snpm_spec_parse(text, &a->spec_doc, &err);
	free(text);
	if (r < 0)
		return report(a->spec, &err);
	copy = strdup(a->spec);
	a->spec_dir = copy ? strdup(dirname(copy)) : NULL;
	free(copy);
	merge_spec(a, a->spec_doc);
	return 0;
}

int args_parse(int argc, char **argv, enum verb verb, struct measure_args *a)
{
	struct option longopts[N_OPTIONS + 1];
	size_t n = 0;
	int id;

	memset(a, 0, sizeof(*a));
	a->verb = verb;
	memset(longopts, 0, sizeof(longopts));
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].verbs & (1u << verb))
			longopts[n++] = (struct option){ options[i].name, options[i].has_arg, NULL,
							 options[i].id };
	opterr = 0;
	optind = 1;
	while ((id = getopt_long(argc, argv, verb == VERB_MEASURE ? ":hvq" : ":hq", longopts,
				 NULL)) != -1) {
		if (id == '?' || id == ':') {
			usage_error("%s: %s",
				    id == ':' ? "option needs an argument" :
						"unrecognized argument",
				    argv[optind - 1]);
			return EXIT_USAGE;
		}
		if (parse_option(a, id, optarg) < 0)
			return EXIT_USAGE;
	}
	/* report check takes the report as its one positional argument, anywhere. */
	if (verb == VERB_CHECK && optind < argc)
		a->report_file = argv[optind++];
	if (optind < argc) {
		usage_error("unrecognized argument: %s", argv[optind]);
		return EXIT_USAGE;
	}
	return a->spec ? load_spec(a) : 0;
}

void args_free(struct measure_args *a)
{
	for (size_t i = 0; i < a->n_owned; i++)
		free(a->owned[i]);
	snpm_spec_free(a->spec_doc);
	free(a->spec_dir);
}

/* ---- defaults and single values ---- */

void args_apply_defaults(struct measure_args *a)
{
	if (a->mode_given)
		return;
	a->assumed = true;
	a->mode = SNPM_MODE_SNP;
	a->mode_text = "snp";
	if (!a->vcpus_text && !spec_gives(a, SNPM_SPEC_VCPUS))
		a->vcpus_text = "1";
	if (!cpu_given_on_cli(a) && !spec_gives(a, SNPM_SPEC_VCPU_SIG))
		a->vcpu_type_text = "EPYC-v4";
}

void args_note_defaults(const struct measure_args *a)
{
	if (a->assumed && !a->quiet)
		fprintf(stderr,
			"%s: no --mode given; assuming --mode snp --vcpus %s%s%s "
			"--guest-features %s --vmm-type %s (-q silences this)\n",
			PROG, a->vcpus_text ? a->vcpus_text : "(spec)",
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
			usage_error("argument --vcpu-type: invalid choice: '%s'",
				    a->vcpu_type_text);
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
	take_spec_vcpu(a);
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
	if (kernel_given(a)) {
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
	bool kernel = kernel_given(a);
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

	if (!kernel_given(a))
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
