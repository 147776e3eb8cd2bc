/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpmeasure: predicts SEV, SEV-ES and SEV-SNP launch measurements.
 *
 * Without a verb it is a drop-in for the reference sev-snp-measure 0.0.13: same options, same
 * refusals, same stdout. Exit codes: 0 success, 1 failure, 2 usage error.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include <snpm/snpm.h>

#include "reader.h"

#define PROG "snpmeasure"
#define REFERENCE_VERSION "0.0.13"

enum exit_code { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

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
	OPT_KERNEL,
	OPT_INITRD,
	OPT_APPEND,
	OPT_GUEST_FEATURES,
	OPT_OUTPUT_FORMAT,
	OPT_SNP_OVMF_HASH,
	OPT_DUMP_VMSA,
	OPT_SVSM,
	OPT_VARS_SIZE,
	OPT_VARS_FILE,
	OPT_JSON,
};

/* One table feeds getopt_long and --help. */
static const struct option_doc {
	const char *name;
	int has_arg;
	int id;
	const char *metavar;
	const char *help;
} options[] = {
	{ "help", no_argument, OPT_HELP, NULL, "show this help and exit" },
	{ "version", no_argument, OPT_VERSION, NULL, "show the version and exit" },
	{ "verbose", no_argument, OPT_VERBOSE, NULL,
	  "print 'Calculated ... guest measurement: X'" },
	{ "quiet", no_argument, OPT_QUIET, NULL, "do not print the note about assumed defaults" },
	{ "mode", required_argument, OPT_MODE, "MODE",
	  "guest mode: sev, seves, snp, snp:ovmf-hash, snp:svsm (default: snp, with a note)" },
	{ "vcpus", required_argument, OPT_VCPUS, "N", "number of guest vCPUs" },
	{ "vcpu-type", required_argument, OPT_VCPU_TYPE, "CPUTYPE",
	  "guest vCPU model (EPYC, EPYC-v1..v4, EPYC-IBPB, EPYC-Rome[-v1..v3], "
	  "EPYC-Milan[-v1,-v2], EPYC-Genoa[-v1], EPYC-Turin)" },
	{ "vcpu-sig", required_argument, OPT_VCPU_SIG, "VALUE", "guest vCPU signature value" },
	{ "vcpu-family", required_argument, OPT_VCPU_FAMILY, "FAMILY", "guest vCPU family" },
	{ "vcpu-model", required_argument, OPT_VCPU_MODEL, "MODEL", "guest vCPU model" },
	{ "vcpu-stepping", required_argument, OPT_VCPU_STEPPING, "STEPPING",
	  "guest vCPU stepping" },
	{ "vmm-type", required_argument, OPT_VMM_TYPE, "VMMTYPE",
	  "type of guest VMM: QEMU, ec2, gce (default QEMU)" },
	{ "vmm-version", required_argument, OPT_VMM_VERSION, "N",
	  "VMM behaviour version (ec2: 1 = rdx 0, 2 = rdx 0x600; default latest)" },
	{ "ovmf", required_argument, OPT_OVMF, "PATH", "OVMF firmware image" },
	{ "kernel", required_argument, OPT_KERNEL, "PATH", "kernel (bzImage) for direct boot" },
	{ "initrd", required_argument, OPT_INITRD, "PATH", "initrd (use with --kernel)" },
	{ "append", required_argument, OPT_APPEND, "CMDLINE",
	  "kernel command line, measured verbatim (use with --kernel)" },
	{ "guest-features", required_argument, OPT_GUEST_FEATURES, "VALUE",
	  "SEV_FEATURES of the guest (default 0x1)" },
	{ "output-format", required_argument, OPT_OUTPUT_FORMAT, "FORMAT",
	  "hex (default) or base64" },
	{ "snp-ovmf-hash", required_argument, OPT_SNP_OVMF_HASH, "HASH",
	  "precomputed SNP digest of the OVMF pages (hex), as printed by snp:ovmf-hash" },
	{ "dump-vmsa", no_argument, OPT_DUMP_VMSA, NULL,
	  "write the measured VMSAs to vmsa<N>.bin (seves, snp, snp:svsm)" },
	{ "svsm", required_argument, OPT_SVSM, "PATH", "COCONUT-SVSM image (snp:svsm)" },
	{ "vars-size", required_argument, OPT_VARS_SIZE, "SIZE",
	  "size of the OVMF_VARS file in bytes (snp:svsm)" },
	{ "vars-file", required_argument, OPT_VARS_FILE, "PATH", "OVMF_VARS file (snp:svsm)" },
	{ "json", no_argument, OPT_JSON, NULL,
	  "print the digest with everything it depends on as JSON" },
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

enum mode_arg { MODE_NONE, MODE_SEV, MODE_SEVES, MODE_SNP, MODE_OVMF_HASH, MODE_SVSM };

struct measure_args {
	enum mode_arg mode;
	const char *mode_text;
	bool verbose, quiet, json, dump_vmsa, base64;
	bool assumed; /* no --mode: the short form's defaults apply */
	bool has_vcpus, has_vcpu_sig, has_family, has_model, has_stepping;
	uint32_t vcpus, vcpu_sig, family, model, stepping;
	const char *vcpu_type;
	const char *vmm_type;
	unsigned vmm_version;
	const char *ovmf, *kernel, *initrd, *append, *svsm, *vars_file;
	bool has_vars_size;
	uint64_t vars_size;
	uint64_t guest_features;
	const char *snp_ovmf_hash;
};

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* One line: "snpmeasure: FILE: reason" (or without FILE). */
static int report(const char *file, const struct snpm_error *err)
{
	if (file)
		fprintf(stderr, "%s: %s: %s", PROG, file, err->message);
	else
		fprintf(stderr, "%s: %s", PROG, err->message);
	if (err->has_offset)
		fprintf(stderr, " (at offset 0x%llx)", (unsigned long long)err->offset);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

static void print_help(void)
{
	printf("Usage: %s [--mode MODE] --ovmf PATH [options]\n\n"
	       "Calculate the AMD SEV/SEV-ES/SEV-SNP guest launch measurement.\n"
	       "Accepts the command line of sev-snp-measure %s.\n\n"
	       "Options:\n",
	       PROG, REFERENCE_VERSION);
	for (size_t i = 0; i < N_OPTIONS; i++) {
		char left[64];
		const struct option_doc *o = &options[i];
		bool short_opt = o->id < 256;

		if (short_opt)
			snprintf(left, sizeof(left), "-%c, --%s", o->id, o->name);
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->metavar ? " " : "",
				 o->metavar ? o->metavar : "");
		printf("  %-28s %s\n", left, o->help);
	}
	printf("\nWithout --mode: SNP, 1 vCPU, EPYC-v4, guest features 0x1, QEMU, "
	       "with a note on stderr.\n");
}

/* Integers as Python's int(s, 0) reads them: 0x, 0o, 0b prefixes or decimal. */
static bool parse_u64(const char *s, bool any_base, uint64_t max, uint64_t *ret)
{
	int base = 10;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	if (any_base && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (any_base && s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (any_base && s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return false;
	*ret = v;
	return true;
}

static bool parse_u32_opt(const char *name, const char *s, bool any_base, uint32_t *ret)
{
	uint64_t v;

	if (!parse_u64(s, any_base, UINT32_MAX, &v)) {
		usage_error("argument --%s: invalid value '%s'", name, s);
		return false;
	}
	*ret = (uint32_t)v;
	return true;
}

static bool parse_mode(const char *s, enum mode_arg *ret)
{
	static const struct {
		const char *name;
		enum mode_arg mode;
	} modes[] = {
		{ "sev", MODE_SEV },
		{ "SEV", MODE_SEV },
		{ "seves", MODE_SEVES },
		{ "sev-es", MODE_SEVES },
		{ "SEVES", MODE_SEVES },
		{ "SEV-ES", MODE_SEVES },
		{ "snp", MODE_SNP },
		{ "sev-snp", MODE_SNP },
		{ "SNP", MODE_SNP },
		{ "SEV-SNP", MODE_SNP },
		{ "snp:ovmf-hash", MODE_OVMF_HASH },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(s, modes[i].name) == 0) {
			*ret = modes[i].mode;
			return true;
		}
	/* The reference matches the SVSM mode case-insensitively. */
	if (strcasecmp(s, "snp:svsm") == 0 || strcasecmp(s, "sev-snp:svsm") == 0) {
		*ret = MODE_SVSM;
		return true;
	}
	return false;
}

static int parse_option(struct measure_args *a, int id, const char *arg)
{
	uint32_t v32;

	switch (id) {
	case OPT_HELP:
		print_help();
		exit(EXIT_OK);
	case OPT_VERSION:
		printf("%s %s (sev-snp-measure %s compatible)\n", PROG, snpm_version(),
		       REFERENCE_VERSION);
		exit(EXIT_OK);
	case OPT_VERBOSE:
		a->verbose = true;
		return 0;
	case OPT_QUIET:
		a->quiet = true;
		return 0;
	case OPT_JSON:
		a->json = true;
		return 0;
	case OPT_DUMP_VMSA:
		a->dump_vmsa = true;
		return 0;
	case OPT_MODE:
		a->mode_text = arg;
		if (parse_mode(arg, &a->mode))
			return 0;
		usage_error("argument --mode: invalid choice: '%s' (choose from 'sev', 'seves', "
			    "'snp', 'snp:ovmf-hash', 'snp:svsm')",
			    arg);
		return -1;
	case OPT_VCPUS:
		a->has_vcpus = true;
		return parse_u32_opt("vcpus", arg, false, &a->vcpus) ? 0 : -1;
	case OPT_VCPU_TYPE:
		if (snpm_cpu_type_sig(arg, &v32) == 0) {
			a->vcpu_type = arg;
			return 0;
		}
		usage_error("argument --vcpu-type: invalid choice: '%s'", arg);
		return -1;
	case OPT_VCPU_SIG:
		a->has_vcpu_sig = true;
		return parse_u32_opt("vcpu-sig", arg, true, &a->vcpu_sig) ? 0 : -1;
	case OPT_VCPU_FAMILY:
		a->has_family = true;
		return parse_u32_opt("vcpu-family", arg, false, &a->family) ? 0 : -1;
	case OPT_VCPU_MODEL:
		a->has_model = true;
		return parse_u32_opt("vcpu-model", arg, false, &a->model) ? 0 : -1;
	case OPT_VCPU_STEPPING:
		a->has_stepping = true;
		return parse_u32_opt("vcpu-stepping", arg, false, &a->stepping) ? 0 : -1;
	case OPT_VMM_TYPE:
		a->vmm_type = arg;
		return 0;
	case OPT_VMM_VERSION:
		if (!parse_u32_opt("vmm-version", arg, false, &v32))
			return -1;
		if (v32 < 1 || v32 > 2) {
			usage_error("argument --vmm-version: invalid choice: '%s' (1 or 2)", arg);
			return -1;
		}
		a->vmm_version = v32;
		return 0;
	case OPT_OVMF:
		a->ovmf = arg;
		return 0;
	case OPT_KERNEL:
		a->kernel = arg;
		return 0;
	case OPT_INITRD:
		a->initrd = arg;
		return 0;
	case OPT_APPEND:
		a->append = arg;
		return 0;
	case OPT_GUEST_FEATURES:
		if (parse_u64(arg, true, UINT64_MAX, &a->guest_features))
			return 0;
		usage_error("argument --guest-features: invalid value '%s'", arg);
		return -1;
	case OPT_OUTPUT_FORMAT:
		if (strcmp(arg, "hex") == 0 || strcmp(arg, "base64") == 0) {
			a->base64 = strcmp(arg, "base64") == 0;
			return 0;
		}
		usage_error("argument --output-format: invalid choice: '%s' (choose from 'hex', "
			    "'base64')",
			    arg);
		return -1;
	case OPT_SNP_OVMF_HASH:
		a->snp_ovmf_hash = arg;
		return 0;
	case OPT_SVSM:
		a->svsm = arg;
		return 0;
	case OPT_VARS_SIZE:
		a->has_vars_size = true;
		if (parse_u64(arg, false, UINT64_MAX, &a->vars_size))
			return 0;
		usage_error("argument --vars-size: invalid value '%s'", arg);
		return -1;
	case OPT_VARS_FILE:
		a->vars_file = arg;
		return 0;
	default:
		/* getopt_long already said what was wrong. */
		return -1;
	}
}

static int parse_args(int argc, char **argv, struct measure_args *a)
{
	struct option longopts[N_OPTIONS + 1];
	int id;

	memset(longopts, 0, sizeof(longopts));
	for (size_t i = 0; i < N_OPTIONS; i++)
		longopts[i] =
			(struct option){ options[i].name, options[i].has_arg, NULL, options[i].id };
	memset(a, 0, sizeof(*a));
	a->guest_features = 0x1;
	opterr = 0;
	optind = 1;
	while ((id = getopt_long(argc, argv, ":hvq", longopts, NULL)) != -1) {
		if (id == '?' || id == ':') {
			const char *what = argv[optind - 1];
			usage_error("%s: %s",
				    id == ':' ? "option needs an argument" :
						"unrecognized argument",
				    what);
			return -1;
		}
		if (parse_option(a, id, optarg) < 0)
			return -1;
	}
	if (optind < argc) {
		usage_error("unrecognized argument: %s", argv[optind]);
		return -1;
	}
	return 0;
}

/* Inputs read from disk, and what was hashed from them. */
struct inputs {
	uint8_t *firmware;
	size_t firmware_len;
	uint8_t *svsm;
	size_t svsm_len;
	uint64_t kernel_size, initrd_size;
};

static void inputs_free(struct inputs *in)
{
	free(in->firmware);
	free(in->svsm);
}

static const char *mode_name(enum mode_arg m)
{
	switch (m) {
	case MODE_SEV:
		return "sev";
	case MODE_SEVES:
		return "seves";
	case MODE_SNP:
		return "snp";
	case MODE_OVMF_HASH:
		return "snp:ovmf-hash";
	case MODE_SVSM:
		return "snp:svsm";
	default:
		return "none";
	}
}

/* The name the reference's --verbose line uses. */
static const char *mode_verbose_name(enum snpm_mode m)
{
	switch (m) {
	case SNPM_MODE_SEV:
		return "SEV";
	case SNPM_MODE_SEV_ES:
		return "SEV_ES";
	case SNPM_MODE_SNP:
		return "SEV_SNP";
	default:
		return "SEV_SNP_SVSM";
	}
}

static bool parse_hex(const char *s, uint8_t *out, size_t len)
{
	if (strlen(s) != 2 * len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1 || !isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]))
			return false;
		out[i] = (uint8_t)v;
	}
	return true;
}

static void to_hex(const uint8_t *d, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* Applies the short form's defaults; note_defaults() says so once a digest is ready. */
static void apply_defaults(struct measure_args *a)
{
	if (a->mode != MODE_NONE)
		return;
	a->assumed = true;
	a->mode = MODE_SNP;
	a->mode_text = "snp";
	if (!a->has_vcpus) {
		a->has_vcpus = true;
		a->vcpus = 1;
	}
	if (!a->vcpu_type && !a->has_vcpu_sig && !a->has_family)
		a->vcpu_type = "EPYC-v4";
}

static void note_defaults(const struct measure_args *a)
{
	if (a->assumed && !a->quiet)
		fprintf(stderr,
			"%s: no --mode given; assuming --mode snp --vcpus %u%s%s "
			"--guest-features 0x%llx --vmm-type %s (-q silences this)\n",
			PROG, a->vcpus, a->vcpu_type ? " --vcpu-type " : "",
			a->vcpu_type ? a->vcpu_type : "", (unsigned long long)a->guest_features,
			a->vmm_type ? a->vmm_type : "QEMU");
}

static int resolve_vcpu_sig(const struct measure_args *a, enum snpm_vmm vmm, uint32_t *ret)
{
	*ret = 0;
	if (a->mode == MODE_SEV)
		return 0;
	/* The reference's precedence: family, then signature, then type; zero counts as unset. */
	if (a->has_family && a->family) {
		if (!a->has_model || !a->has_stepping) {
			usage_error("--vcpu-family requires --vcpu-model and --vcpu-stepping");
			return EXIT_USAGE;
		}
		*ret = snpm_cpu_sig(a->family, a->model, a->stepping);
		return 0;
	}
	if (a->has_vcpu_sig && a->vcpu_sig) {
		*ret = a->vcpu_sig;
		return 0;
	}
	if (a->vcpu_type)
		return snpm_cpu_type_sig(a->vcpu_type, ret) == 0 ? 0 : EXIT_USAGE;
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

	if (a->mode != MODE_SVSM)
		return 0;
	if (a->vars_file && a->has_vars_size) {
		usage_error("argument --vars-file: not allowed with argument --vars-size");
		return EXIT_USAGE;
	}
	if (a->vars_file) {
		if (tool_file_size(a->vars_file, &a->vars_size, &err) < 0)
			return report(a->vars_file, &err);
	} else if (!a->has_vars_size || a->vars_size == 0) {
		usage_error("snp:svsm mode requires --vars-size or --vars-file");
		return EXIT_USAGE;
	}
	if (!a->svsm) {
		usage_error("snp:svsm mode requires --svsm");
		return EXIT_USAGE;
	}
	if (a->kernel) {
		fprintf(stderr, "%s: snp:svsm does not measure --kernel, --initrd or --append\n",
			PROG);
		return EXIT_FAIL;
	}
	if (a->guest_features != 0x1 && !a->quiet)
		fprintf(stderr,
			"%s: note: snp:svsm ignores --guest-features, as sev-snp-measure does; "
			"the SVSM VMSAs carry 0x1\n",
			PROG);
	return 0;
}

/* The reference's argument checks, in its order. Returns 0 or an exit code. */
static int check_args(struct measure_args *a, struct snpm_measure_config *cfg)
{
	int r;

	if (!a->ovmf) {
		usage_error("the following arguments are required: --ovmf");
		return EXIT_USAGE;
	}
	if (a->mode == MODE_OVMF_HASH)
		return 0;
	if (a->initrd && !a->kernel) {
		usage_error("--kernel required when using --initrd");
		return EXIT_USAGE;
	}
	if (a->append && *a->append && !a->kernel) {
		usage_error("--kernel required when using --append");
		return EXIT_USAGE;
	}
	if (a->mode != MODE_SEV && !a->has_vcpus) {
		usage_error("missing --vcpus N in guest mode '%s'", a->mode_text);
		return EXIT_USAGE;
	}
	if (snpm_vmm_parse(a->vmm_type ? a->vmm_type : "QEMU", &cfg->vmm) < 0) {
		usage_error("unknown VMM type '%s'", a->vmm_type);
		return EXIT_USAGE;
	}
	r = resolve_vcpu_sig(a, cfg->vmm, &cfg->vcpu_sig);
	if (r == 0)
		r = check_svsm_args(a);
	if (r)
		return r;
	if (a->dump_vmsa && a->mode == MODE_SEV) {
		usage_error("--dump-vmsa is not available in the selected mode");
		return EXIT_USAGE;
	}
	if (a->snp_ovmf_hash && a->mode != MODE_SNP) {
		fprintf(stderr, "%s: --snp-ovmf-hash only works with --mode snp\n", PROG);
		return EXIT_FAIL;
	}
	if (a->snp_ovmf_hash && !parse_hex(a->snp_ovmf_hash, cfg->firmware_digest, SNPM_LD_SIZE)) {
		fprintf(stderr, "%s: --snp-ovmf-hash: '%s' is not a 96-digit hex SHA-384 digest\n",
			PROG, a->snp_ovmf_hash);
		return EXIT_FAIL;
	}
	cfg->has_firmware_digest = a->snp_ovmf_hash != NULL;
	return 0;
}

/* Reads an image and refuses it early, naming the file, if it does not parse. */
static int load_image(const char *path, uint8_t **ret, size_t *ret_len)
{
	struct snpm_ovmf_info info;
	struct snpm_error err;

	if (tool_read_file(path, SNPM_OVMF_MAX_SIZE, ret, ret_len, &err) < 0)
		return report(path, &err);
	if (*ret_len == 0 || *ret_len % SNPM_PAGE_SIZE) {
		fprintf(stderr, "%s: %s: size %zu is not a non-zero multiple of 4096 bytes\n", PROG,
			path, *ret_len);
		return EXIT_FAIL;
	}
	if (snpm_ovmf_parse(*ret, *ret_len, &info, &err) < 0)
		return report(path, &err);
	return 0;
}

static int load_inputs(const struct measure_args *a, struct snpm_measure_config *cfg,
		       struct inputs *in)
{
	struct snpm_error err;
	int r = load_image(a->ovmf, &in->firmware, &in->firmware_len);

	if (r)
		return r;
	cfg->firmware = in->firmware;
	cfg->firmware_len = in->firmware_len;
	if (a->mode == MODE_SVSM) {
		r = load_image(a->svsm, &in->svsm, &in->svsm_len);
		if (r)
			return r;
		cfg->svsm = in->svsm;
		cfg->svsm_len = in->svsm_len;
		cfg->vars_size = a->vars_size;
	}
	if (!a->kernel)
		return 0;
	if (a->initrd && strcmp(a->kernel, "-") == 0 && strcmp(a->initrd, "-") == 0) {
		fprintf(stderr, "%s: only one of --kernel and --initrd can be stdin\n", PROG);
		return EXIT_FAIL;
	}
	cfg->has_kernel = true;
	if (tool_hash_file(a->kernel, SNPM_HASH_SHA256, cfg->kernel_sha256, &in->kernel_size,
			   &err) < 0)
		return report(a->kernel, &err);
	if (a->initrd) {
		if (tool_hash_file(a->initrd, SNPM_HASH_SHA256, cfg->initrd_sha256,
				   &in->initrd_size, &err) < 0)
			return report(a->initrd, &err);
	} else if (snpm_digest(SNPM_HASH_SHA256, "", 0, cfg->initrd_sha256, &err) < 0) {
		return report(NULL, &err);
	}
	if (snpm_cmdline_sha256(a->append, cfg->cmdline_sha256, &err) < 0)
		return report(NULL, &err);
	return 0;
}

static int dump_vmsas(const struct snpm_measure_config *cfg)
{
	uint8_t page[SNPM_PAGE_SIZE];
	struct snpm_error err;
	char name[32];

	for (uint32_t i = 0; i < cfg->vcpus; i++) {
		snprintf(name, sizeof(name), "vmsa%u.bin", i);
		if (snpm_measure_vmsa(cfg, i, page, &err) < 0)
			return report(NULL, &err);
		if (tool_write_atomic(name, page, sizeof(page), 0644, &err) < 0)
			return report(name, &err);
	}
	return 0;
}

static void format_digest(const uint8_t *d, size_t len, bool base64, char *out)
{
	if (base64)
		EVP_EncodeBlock((unsigned char *)out, d, (int)len);
	else
		to_hex(d, len, out);
}

static void json_add_hex(struct json_object *o, const char *key, const uint8_t *d, size_t len)
{
	char hex[2 * SNPM_LD_SIZE + 1];

	to_hex(d, len, hex);
	json_object_object_add(o, key, json_object_new_string(hex));
}

static void json_add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

static void json_add_u64_hex(struct json_object *o, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	json_object_object_add(o, key, json_object_new_string(buf));
}

static struct json_object *json_file(const char *path, uint64_t size, const uint8_t *sha256)
{
	struct json_object *o = json_object_new_object();

	json_add_str(o, "path", path);
	json_object_object_add(o, "size", json_object_new_int64((int64_t)size));
	if (sha256)
		json_add_hex(o, "sha256", sha256, SNPM_SHA256_SIZE);
	return o;
}

static void print_json(struct json_object *o)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (isatty(STDOUT_FILENO) ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN);

	puts(json_object_to_json_string_ext(o, flags));
}

static void print_measure_json(const struct measure_args *a, const struct snpm_measure_config *cfg,
			       const struct inputs *in, const char *measurement)
{
	struct json_object *o = json_object_new_object();
	uint8_t fw_sha[SNPM_SHA256_SIZE];

	json_add_str(o, "measurement", measurement);
	json_add_str(o, "format", a->base64 ? "base64" : "hex");
	json_add_str(o, "mode", mode_name(a->mode));
	json_add_str(o, "vmm", snpm_vmm_name(cfg->vmm));
	if (a->mode != MODE_SEV) {
		json_object_object_add(o, "vcpus", json_object_new_int64(cfg->vcpus));
		json_add_str(o, "vcpu_type", a->vcpu_type);
		json_add_u64_hex(o, "vcpu_sig", cfg->vcpu_sig);
	}
	if (a->mode == MODE_SNP)
		json_add_u64_hex(o, "guest_features", cfg->guest_features);
	struct json_object *fw = json_file(a->ovmf, in->firmware_len, NULL);
	if (snpm_digest(SNPM_HASH_SHA256, in->firmware, in->firmware_len, fw_sha, NULL) == 0)
		json_add_hex(fw, "sha256", fw_sha, sizeof(fw_sha));
	json_add_u64_hex(fw, "gpa", SNPM_FOUR_GIB - in->firmware_len);
	if (cfg->has_firmware_digest)
		json_add_hex(fw, "snp_ovmf_hash", cfg->firmware_digest, SNPM_LD_SIZE);
	json_object_object_add(o, "firmware", fw);
	if (cfg->has_kernel) {
		json_object_object_add(o, "kernel",
				       json_file(a->kernel, in->kernel_size, cfg->kernel_sha256));
		if (a->initrd)
			json_object_object_add(o, "initrd",
					       json_file(a->initrd, in->initrd_size,
							 cfg->initrd_sha256));
		else
			json_object_object_add(o, "initrd", NULL);
		struct json_object *c = json_object_new_object();
		json_add_str(c, "value", a->append ? a->append : "");
		json_add_hex(c, "sha256", cfg->cmdline_sha256, SNPM_SHA256_SIZE);
		json_object_object_add(o, "cmdline", c);
	}
	if (a->mode == MODE_SVSM) {
		struct json_object *s = json_file(a->svsm, in->svsm_len, NULL);
		json_object_object_add(s, "vars_size",
				       json_object_new_int64((int64_t)cfg->vars_size));
		json_object_object_add(o, "svsm", s);
	}
	print_json(o);
	json_object_put(o);
}

static enum snpm_mode lib_mode(enum mode_arg m)
{
	switch (m) {
	case MODE_SEV:
		return SNPM_MODE_SEV;
	case MODE_SEVES:
		return SNPM_MODE_SEV_ES;
	case MODE_SVSM:
		return SNPM_MODE_SNP_SVSM;
	default:
		return SNPM_MODE_SNP;
	}
}

static int print_firmware_digest(const struct measure_args *a)
{
	uint8_t *fw = NULL, digest[SNPM_LD_SIZE];
	char hex[2 * SNPM_LD_SIZE + 1];
	struct snpm_error err;
	size_t len;
	int r = load_image(a->ovmf, &fw, &len);

	if (r)
		return r;
	r = snpm_measure_firmware(fw, len, digest, &err);
	free(fw);
	if (r < 0)
		return report(a->ovmf, &err);
	/* The reference prints this one as hex whatever --output-format says. */
	to_hex(digest, sizeof(digest), hex);
	if (a->json) {
		struct json_object *o = json_object_new_object();
		json_add_str(o, "measurement", hex);
		json_add_str(o, "mode", "snp:ovmf-hash");
		json_object_object_add(o, "firmware", json_file(a->ovmf, len, NULL));
		print_json(o);
		json_object_put(o);
	} else {
		puts(hex);
	}
	return EXIT_OK;
}

static int cmd_measure(int argc, char **argv)
{
	struct snpm_measure_config cfg;
	struct measure_args a;
	struct inputs in = { 0 };
	struct snpm_error err;
	uint8_t digest[SNPM_LD_SIZE];
	char out[2 * SNPM_LD_SIZE + 1];
	size_t len;
	int r;

	if (parse_args(argc, argv, &a) < 0)
		return EXIT_USAGE;
	apply_defaults(&a);
	memset(&cfg, 0, sizeof(cfg));
	r = check_args(&a, &cfg);
	if (r)
		return r;
	if (a.mode == MODE_OVMF_HASH)
		return print_firmware_digest(&a);
	cfg.mode = lib_mode(a.mode);
	cfg.vcpus = a.vcpus;
	cfg.guest_features = a.guest_features;
	cfg.vmm_version = a.vmm_version;
	r = load_inputs(&a, &cfg, &in);
	if (r == 0 && snpm_measure(&cfg, digest, &len, &err) < 0)
		r = report(a.mode == MODE_SVSM ? NULL : a.ovmf, &err);
	if (r == 0 && a.dump_vmsa)
		r = dump_vmsas(&cfg);
	if (r == 0) {
		note_defaults(&a);
		format_digest(digest, len, a.base64, out);
		if (a.json)
			print_measure_json(&a, &cfg, &in, out);
		else if (a.verbose)
			printf("Calculated %s guest measurement: %s\n", mode_verbose_name(cfg.mode),
			       out);
		else
			puts(out);
	}
	inputs_free(&in);
	return r;
}

/* Verbs; anything else is the reference's command line. */
static const struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
} verbs[] = {
	{ "measure", cmd_measure },
};

static int run_verb(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].run(argc - 1, argv + 1);
	return cmd_measure(argc, argv);
}

int main(int argc, char **argv)
{
	int r = run_verb(argc, argv);

	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write to stdout: %s\n", PROG, strerror(errno));
		return EXIT_FAIL;
	}
	return r;
}
