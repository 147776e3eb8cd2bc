/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The measurement arguments every verb shares: one option table (the reference's options with
 * their meaning and refusals, and this tool's additions) feeding getopt_long and --help.
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
#include "../core/io.h"
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
	OPT_IGVM,
	OPT_IGVM_LOADER,
	OPT_NATIVE_ZERO,
	OPT_IGNORE_ID_BLOCK,
	OPT_QBOOT,
	OPT_KERNEL_GPA,
	OPT_RAM_MIB,
	OPT_KRUNFW,
	OPT_MANIFEST,
	OPT_TRUST_ROOT,
	OPT_NOW,
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
	  "QEMU (default), ec2, gce, krun" },
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
	{ "igvm", required_argument, OPT_IGVM, V_ALL, "FILE",
	  "an IGVM file, the whole launch (QEMU -object igvm-cfg, COCONUT-SVSM); default mode: "
	  "the strongest platform it declares" },
	{ "igvm-loader", required_argument, OPT_IGVM_LOADER, V_ALL, "KIND",
	  "qemu (default: what QEMU/KVM measure) or igvmmeasure (COCONUT's tool)" },
	{ "native-zero", no_argument, OPT_NATIVE_ZERO, V_ALL, NULL,
	  "igvmmeasure: zero pages as ZERO pages, not NORMAL pages of zeros" },
	{ "ignore-id-block", no_argument, OPT_IGNORE_ID_BLOCK, V_ALL, NULL,
	  "measure even when the IGVM file's ID block vouches for another digest" },
	{ "krunfw", required_argument, OPT_KRUNFW, V_ALL, "LIB",
	  "libkrun: the libkrunfw-sev library to take qboot, kernel and initrd from (read, not "
	  "loaded); with --vmm-type krun" },
	{ "qboot", required_argument, OPT_QBOOT, V_ALL, "FILE",
	  "libkrun: qboot, loaded at 0xffff0000 (with --kernel, --kernel-gpa, --initrd)" },
	{ "kernel-gpa", required_argument, OPT_KERNEL_GPA, V_ALL, "ADDR",
	  "libkrun: where the kernel is loaded (libkrunfw: 0x1000000)" },
	{ "ram-mib", required_argument, OPT_RAM_MIB, V_ALL, "N",
	  "libkrun: guest RAM in MiB, in boot_params' e820 map (default 2048)" },
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
	{ "manifest", required_argument, OPT_MANIFEST, V_CHECK, "FILE",
	  "an snpimage bundle's manifest.json (or its folder): find the configuration whose "
	  "predicted measurement the report carries" },
	{ "vcek", required_argument, OPT_VCEK, V_CHECK, "CERT", "VCEK or VLEK (PEM or DER)" },
	{ "vlek", required_argument, OPT_VCEK, V_CHECK, "CERT",
	  "the VLEK, for a VLEK-signed report" },
	{ "ask", required_argument, OPT_ASK, V_CHECK, "CERT", "ASK or ASVK (default: built in)" },
	{ "asvk", required_argument, OPT_ASK, V_CHECK, "CERT", "the ASVK (default: built in)" },
	{ "ark", required_argument, OPT_ARK, V_CHECK, "CERT", "ARK (default: built in)" },
	{ "chain", required_argument, OPT_CHAIN, V_CHECK, "PEM",
	  "ASK then ARK, as AMD serves them" },
	{ "trust-root", required_argument, OPT_TRUST_ROOT, V_CHECK, "CERT",
	  "TRUST this ARK INSTEAD of AMD's (a lab's or a test suite's own PKI; give its ASK too): "
	  "never for production, named with its SHA-256 in every output" },
	{ "now", required_argument, OPT_NOW, V_CHECK, "TIME",
	  "judge the certificates' validity at TIME (seconds since the epoch, or "
	  "YYYY-MM-DD[THH:MM:SSZ]) instead of the clock" },
	{ "host-data", required_argument, OPT_HOST_DATA, V_CHECK, "HEX", "expected HOST_DATA" },
	{ "id-key-digest", required_argument, OPT_ID_KEY_DIGEST, V_CHECK, "HEX|BASE64|PEM",
	  "expected ID key digest, or the key" },
	{ "author-key-digest", required_argument, OPT_AUTHOR_KEY_DIGEST, V_CHECK, "HEX|BASE64|PEM",
	  "expected author key digest, or the key" },
	{ "guest-policy", required_argument, OPT_POLICY, V_CHECK, "VALUE",
	  "expected guest policy (a number)" },
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
	[VERB_CHECK] = "report check FILE (--measurement HEX | --manifest FILE | measurement "
		       "options) [expected fields] [--vcek CERT [--ask CERT] [--ark CERT] [--chain "
		       "PEM] [--trust-root CERT] [--now TIME]]",
};

void print_help(enum verb verb)
{
	printf("Usage: %s %s\n\n", PROG, verb_usage[verb]);
	if (verb == VERB_MEASURE)
		printf("Calculate the AMD SEV/SEV-ES/SEV-SNP guest launch measurement.\n"
		       "Accepts the command line of sev-snp-measure %s.\n"
		       "Verbs: %s (see '%s VERB --help').\n\n",
		       REFERENCE_VERSION, cli_verbs, PROG);
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
	{ OPT_MANIFEST, FIELD(manifest, const char *) },
	{ OPT_VCEK, FIELD(vcek, const char *) },
	{ OPT_ASK, FIELD(ask, const char *) },
	{ OPT_ARK, FIELD(ark, const char *) },
	{ OPT_CHAIN, FIELD(chain, const char *) },
	{ OPT_TRUST_ROOT, FIELD(trust_root, const char *) },
	{ OPT_NOW, FIELD(now, const char *) },
	{ OPT_HOST_DATA, FIELD(host_data, const char *) },
	{ OPT_ID_KEY_DIGEST, FIELD(id_key_digest, const char *) },
	{ OPT_AUTHOR_KEY_DIGEST, FIELD(author_key_digest, const char *) },
	{ OPT_POLICY, FIELD(policy, const char *) },
	{ OPT_REPORT_DATA, FIELD(report_data, const char *) },
	{ OPT_IGVM, FIELD(igvm, const char *) },
	{ OPT_QBOOT, FIELD(qboot, const char *) },
	{ OPT_KRUNFW, FIELD(krunfw, const char *) },
};

/* Options that only switch something on. */
static const struct {
	int id;
	size_t field;
} flag_options[] = {
	{ OPT_VERBOSE, FIELD(verbose, bool) },
	{ OPT_QUIET, FIELD(quiet, bool) },
	{ OPT_JSON, FIELD(json, bool) },
	{ OPT_CSV, FIELD(csv, bool) },
	{ OPT_DUMP_VMSA, FIELD(dump_vmsa, bool) },
	{ OPT_NATIVE_ZERO, FIELD(native_zero, bool) },
	{ OPT_IGNORE_ID_BLOCK, FIELD(ignore_id_block, bool) },
};

static const struct option_doc *option_of(int id)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].id == id)
			return &options[i];
	return NULL;
}

/* 1 when id is a text or flag option, which it then stores; 0 when it is not; -1 (a usage
 * error printed) when it was given already. */
static int store_simple_option(struct measure_args *a, int id, const char *arg)
{
	char *base = (char *)a;

	for (size_t i = 0; i < sizeof(text_options) / sizeof(text_options[0]); i++) {
		if (text_options[i].id == id) {
			const char **at = (const char **)(void *)(base + text_options[i].field);
			const struct option_doc *o = option_of(id);
			/* The reference's options keep its argparse rule (the last one given
			 * wins: tests/test_cli.c holds it); ours are never dropped silently. */
			if (*at && o && o->verbs == V_CHECK) {
				usage_error("argument --%s: given twice (give it once)", o->name);
				return -1;
			}
			*at = arg;
			return 1;
		}
	}
	for (size_t i = 0; i < sizeof(flag_options) / sizeof(flag_options[0]); i++) {
		if (flag_options[i].id == id) {
			*(bool *)(base + flag_options[i].field) = true;
			return 1;
		}
	}
	return 0;
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

static int parse_igvm_loader(struct measure_args *a, const char *arg)
{
	a->igvm_semantics_given = true;
	if (strcmp(arg, "qemu") == 0 || strcmp(arg, "igvmmeasure") == 0) {
		a->igvm_semantics = strcmp(arg, "qemu") == 0 ? SNPM_IGVM_QEMU :
							       SNPM_IGVM_IGVMMEASURE;
		return 0;
	}
	usage_error("argument --igvm-loader: invalid choice: '%s' (qemu, igvmmeasure)", arg);
	return -1;
}

static int parse_option(struct measure_args *a, int id, const char *arg)
{
	int stored = store_simple_option(a, id, arg);

	if (stored)
		return stored < 0 ? -1 : 0;
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
	case OPT_IGVM_LOADER:
		return parse_igvm_loader(a, arg);
	case OPT_KERNEL_GPA:
		a->has_kernel_gpa = true;
		if (parse_u64(arg, true, SNPM_FOUR_GIB - SNPM_PAGE_SIZE, &a->kernel_gpa) &&
		    a->kernel_gpa % SNPM_PAGE_SIZE == 0)
			return 0;
		usage_error("argument --kernel-gpa: '%s' is not a page-aligned address below 4 GiB",
			    arg);
		return -1;
	case OPT_RAM_MIB:
		a->has_ram_mib = true;
		return parse_u32_opt("ram-mib", arg, &a->ram_mib) ? 0 : -1;
	case OPT_VMSA_FPU:
		return parse_vmsa_fpu(a, arg);
	default:
		return -1;
	}
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
		if (id == '?' && verb == VERB_CHECK &&
		    strncmp(argv[optind - 1], "--policy", 8) == 0) {
			usage_error("report check: --policy is report appraise's policy file; the "
				    "expected guest policy is --guest-policy VALUE");
			return EXIT_USAGE;
		}
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
	return a->spec ? args_load_spec(a) : 0;
}

void args_free(struct measure_args *a)
{
	for (size_t i = 0; i < a->n_owned; i++)
		free(a->owned[i]);
	snpm_spec_free(a->spec_doc);
	free(a->spec_dir);
}
