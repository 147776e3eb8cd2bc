/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The measurement verbs' command lines: measure_opts.c's table parsed by opts.c (which records
 * what was given), the values its rows leave to a handler, then --spec merged under them
 * (measure_spec.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

static void print_measure_about(void)
{
	printf("\nCalculate the AMD SEV/SEV-ES/SEV-SNP guest launch measurement.\n"
	       "Accepts the command line of sev-snp-measure %s.\n"
	       "Verbs: %s (see '%s VERB --help').\n",
	       REFERENCE_VERSION, cli_verbs, PROG);
}

#define LISTS_FOOTER                                                                              \
	"Lists: --vcpus 1-64,128; --vcpu-type all or A,B; --vcpu-sig 0x800f12,0xa00f11 (with "    \
	"--vcpu-type and --vcpu-family: their union); --vmm-type QEMU,ec2,gce; --guest-features " \
	"0x1,0x21 (numbers: one set each; names joined by ',' or '+' make one set; repeat the "   \
	"option for more sets)."

#define MEASURE_VERB(v) \
	.opts = measure_option_rows, .n_opts = M_COUNT, .verb = 1u << (v), .reference = true

const struct verb_syntax measure_syntaxes[VERB_COUNT] = {
	[VERB_MEASURE] = { MEASURE_VERB(VERB_MEASURE),
			   .usage = "[--mode MODE] --ovmf PATH [options]",
			   .print_about = print_measure_about,
			   .footer = "Without --mode: SNP, 1 vCPU, EPYC-v4, guest features 0x1, "
				     "QEMU, with a note on stderr." },
	[VERB_EXPLAIN] = { MEASURE_VERB(VERB_EXPLAIN),
			   .usage =
				   "explain [--mode MODE] --ovmf PATH [options] [--diff OPTIONS...]" },
	[VERB_SWEEP] = { MEASURE_VERB(VERB_SWEEP),
			 .usage = "sweep --ovmf PATH [--vcpus 1-64,128] [--vcpu-type all|LIST] "
				  "[--guest-features LIST] [--vmm-type LIST] [--json|--csv]",
			 .footer = LISTS_FOOTER },
	[VERB_MATCH] = { MEASURE_VERB(VERB_MATCH),
			 .usage = "match --measurement HEX|BASE64 --ovmf PATH [options] [sweep "
				  "ranges]",
			 .footer = LISTS_FOOTER },
	[VERB_CHECK] = { MEASURE_VERB(VERB_CHECK),
			 .usage =
				 "report check FILE (--measurement HEX | --manifest FILE | "
				 "measurement options) [expected fields] [--vcek CERT [--ask CERT] "
				 "[--ark CERT] [--chain PEM] [--trust-root CERT] [--now TIME]]",
			 .max_pos = 1 },
	[VERB_DIAGNOSE] = { MEASURE_VERB(VERB_DIAGNOSE),
			    .usage = "diagnose (--report FILE | --measurement HEX|BASE64) "
				     "(--ovmf PATH [options] | --igvm FILE | --spec FILE ...) "
				     "[expected fields] [--depth N] [--json]",
			    .footer =
				    "Searches outward from the configuration given, nearest first, "
				    "for the one that gives the measurement; each match is printed "
				    "as what differs from what was given, why such a drift happens "
				    "and the command that reproduces it. Exit 0: explained; 3: no "
				    "configuration within --depth changes gives it, or an expected "
				    "report field differs." },
	[VERB_REFVALS] = { MEASURE_VERB(VERB_REFVALS),
			   .usage = "refvals (--ovmf PATH [sweep ranges] | --igvm FILE | --spec "
				    "FILE | --manifest BUNDLE) --format FORMAT [--host-data HEX] "
				    "[--id-key-digest D] [--author-key-digest D] [--min-tcb TCB] "
				    "[--svn N] [--sign KEY.pem] -o FILE",
			   .footer =
				   "Every measurement the configurations give (as sweep computes "
				   "them), written once each in a verifier's format; the file "
				   "records snpmeasure's version, the command line and the SHA-256 "
				   "of every input file. 'refvals show FILE' prints one back. " LISTS_FOOTER },
};

/* The values the handler reads: checked here, typed from here on. */
static int on_option(void *ctx, int id, const char *arg)
{
	struct measure_args *a = ctx;
	uint64_t v;

	switch (id - OPTS_AUTO_ID) {
	case M_VERSION:
		printf("%s %s (library %s; command line of sev-snp-measure %s)\n", PROG,
		       SNPM_VERSION_STRING, snpm_version(), REFERENCE_VERSION);
		exit(EXIT_OK);
	case M_MODE:
		if (snpm_name_parse(measure_mode_names(), arg, &v) < 0) {
			opts_bad_choice("mode", arg, -1, measure_mode_names());
			return -1;
		}
		a->snp_ovmf_hash_only = v == MODE_OVMF_HASH;
		a->mode = a->snp_ovmf_hash_only ? SNPM_MODE_SNP : (enum snpm_mode)v;
		a->mode_text = arg;
		return 0;
	case M_VMM_VERSION:
		if (!parse_u64(arg, false, UINT32_MAX, &v)) {
			usage_error("argument --vmm-version: invalid value '%s'", arg);
			return -1;
		}
		if (v < 1 || v > 2) {
			usage_error("argument --vmm-version: invalid choice: '%s' (1 or 2)", arg);
			return -1;
		}
		a->vmm_version = (unsigned)v;
		return 0;
	case M_GUEST_FEATURES:
		if (a->n_features_text == MAX_FEATURE_ARGS) {
			usage_error("argument --guest-features: given more than %d times",
				    MAX_FEATURE_ARGS);
			return -1;
		}
		a->features_text[a->n_features_text++] = arg;
		return 0;
	case M_VMSA_GPA:
		if (snpm_name_parse(snpm_vmsa_gpa_names(), arg, &a->vmsa_gpa) == 0 ||
		    (parse_u64(arg, true, SNPM_GPA_LIMIT - 1, &a->vmsa_gpa) &&
		     a->vmsa_gpa % SNPM_PAGE_SIZE == 0))
			return 0;
		usage_error("argument --vmsa-gpa: '%s' is not default, 52bit or a page-aligned "
			    "address below 2^52",
			    arg);
		return -1;
	case M_KERNEL_GPA:
		if (parse_u64(arg, true, SNPM_FOUR_GIB - SNPM_PAGE_SIZE, &a->kernel_gpa) &&
		    a->kernel_gpa % SNPM_PAGE_SIZE == 0)
			return 0;
		usage_error("argument --kernel-gpa: '%s' is not a page-aligned address below 4 GiB",
			    arg);
		return -1;
	default:
		return -1;
	}
}

const struct verb_syntax *measure_syntax(enum verb verb)
{
	return &measure_syntaxes[verb];
}

int args_parse(int argc, char **argv, enum verb verb, struct measure_args *a)
{
	char *pos[1];
	size_t n_pos;
	int r;

	memset(a, 0, sizeof(*a));
	a->verb = verb;
	r = opts_parse_given(measure_syntax(verb), argc, argv, on_option, a, pos, &n_pos,
			     &a->given);
	if (r == OPTS_HELP)
		exit(EXIT_OK);
	if (r)
		return EXIT_USAGE;
	a->report_file = n_pos ? pos[0] : NULL;
	return a->spec ? args_load_spec(a) : 0;
}

void args_free(struct measure_args *a)
{
	for (size_t i = 0; i < a->n_owned; i++)
		free(a->owned[i]);
	snpm_spec_free(a->spec_doc);
	free(a->spec_dir);
}
