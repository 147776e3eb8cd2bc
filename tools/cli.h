/* SPDX-License-Identifier: Apache-2.0 */
/* snpmeasure's internals shared by its verbs: arguments, inputs, output helpers. */
#ifndef SNPM_TOOLS_CLI_H
#define SNPM_TOOLS_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include <json-c/json.h>

#include <snpm/snpm.h>

#include "../core/io.h"
#include "opts.h"

/* The program name in messages: snpmeasure or snpimage. */
extern const char *cli_prog;
#define PROG cli_prog
/* The verbs of the binary, from its verb table (set by main), for --help. */
extern const char *cli_verbs;
/* The reference command line matched: sev-snp-measure 0.0.13 and its head after it, commit
 * 8f2b337 ("Allow zero as value for vcpu sig & family"). */
#define REFERENCE_VERSION "0.0.13 (head 8f2b337)"

/*
 * Exit codes, the same in both tools: 0 success (and "matches", "verified"); 1 failure: an input
 * could not be read, parsed or measured; 2 usage error; 3 a verdict of "no": a report or tree
 * that does not verify, fields that do not match, a measurement no configuration gives.
 */
enum exit_code { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_MISMATCH = 3 };

/*
 * Largest kernel and initrd measured. QEMU's x86 direct boot loads both below 4 GiB; real
 * bzImages are tens of MiB. A larger input, or a stream past the limit, is refused.
 */
#define TOOL_KERNEL_MAX (512ull << 20)
#define TOOL_INITRD_MAX ((4ull << 30) - 1)

/* Which verb is parsing: decides which options exist and whether values may be lists. */
enum verb {
	VERB_MEASURE,
	VERB_EXPLAIN,
	VERB_SWEEP,
	VERB_MATCH,
	VERB_CHECK, /* report check: measurement arguments and expected report fields */
	VERB_DIAGNOSE, /* diagnose: a measurement, and the arguments believed to give it */
	VERB_REFVALS, /* refvals: a sweep's measurements as a verifier's reference values */
	VERB_COUNT
};

#define MAX_FEATURE_ARGS 16

/* The measurement options, in the order of measure_args.c's table: one bit each in
 * measure_args.given (the command line) and .from_spec (--spec filled it). */
enum m_opt {
	M_HELP,
	M_VERSION,
	M_VERBOSE,
	M_QUIET,
	M_MODE,
	M_VCPUS,
	M_VCPU_TYPE,
	M_VCPU_SIG,
	M_VCPU_FAMILY,
	M_VCPU_MODEL,
	M_VCPU_STEPPING,
	M_VMM_TYPE,
	M_VMM_VERSION,
	M_OVMF,
	M_OVMF_METADATA,
	M_KERNEL,
	M_KERNEL_HASH,
	M_INITRD,
	M_INITRD_HASH,
	M_APPEND,
	M_GUEST_FEATURES,
	M_OUTPUT_FORMAT,
	M_SNP_OVMF_HASH,
	M_DUMP_VMSA,
	M_SVSM,
	M_VARS_SIZE,
	M_VARS_FILE,
	M_IGVM,
	M_IGVM_LOADER,
	M_NATIVE_ZERO,
	M_IGNORE_ID_BLOCK,
	M_CORIM_KEY,
	M_KRUNFW,
	M_QBOOT,
	M_KERNEL_GPA,
	M_RAM_MIB,
	M_VMSA_GPA,
	M_VMSA_FPU,
	M_SPEC,
	M_MEASUREMENT,
	M_MANIFEST,
	M_VCEK,
	M_VLEK,
	M_ASK,
	M_ASVK,
	M_ARK,
	M_CHAIN,
	M_TRUST_ROOT,
	M_NOW,
	M_HOST_DATA,
	M_ID_KEY_DIGEST,
	M_AUTHOR_KEY_DIGEST,
	M_GUEST_POLICY,
	M_POLICY,
	M_REPORT_DATA,
	M_VMPL,
	M_REPORT,
	M_DEPTH,
	M_DIFF,
	M_JSON,
	M_CSV,
	M_FORMAT,
	M_SIGN,
	M_OUTPUT,
	M_SVN,
	M_MIN_TCB,
	M_COUNT
};
_Static_assert(M_COUNT <= OPT_SET_MAX, "one bit per measurement option");

/* --mode snp:ovmf-hash, the reference's digest of the firmware pages alone (not a library
 * mode: the CLI's choices add it to the library's). */
#define MODE_OVMF_HASH 0x100

/* What kind of launch the arguments describe, and as bits for the option rows. */
enum launch_kind { LAUNCH_OVMF, LAUNCH_IGVM, LAUNCH_KRUN };
#define L_OVMF (1u << LAUNCH_OVMF)
#define L_IGVM (1u << LAUNCH_IGVM)
#define L_KRUN (1u << LAUNCH_KRUN)

/* The command line as given (values still text where a verb decides how to read them). */
struct measure_args {
	enum verb verb;
	struct opt_set given; /* bit M_x: the option was on the command line */
	struct opt_set from_spec; /* bit M_x: --spec gave its value instead */
	bool snp_ovmf_hash_only; /* --mode snp:ovmf-hash */
	enum snpm_mode mode;
	const char *mode_text;
	bool assumed; /* no --mode: the short form's defaults apply */
	bool no_cpu; /* an IGVM launch with no CPU given: fine while every vCPU has a context */
	bool verbose, quiet, json, csv, dump_vmsa;
	int base64; /* --output-format: 1 for base64 */

	const char *vcpus_text, *vcpu_type_text, *vcpu_sig_text, *vmm_text;
	const char *features_text[MAX_FEATURE_ARGS];
	size_t n_features_text;
	uint32_t family, model, stepping;
	unsigned vmm_version; /* 0: the VMM's latest */

	/* Single values resolved from the command line or the spec (measure, explain, check;
	 * a sweep's first row). */
	bool has_vcpus;
	uint32_t vcpus;
	const char *vcpu_type;
	bool has_vcpu_sig;
	uint32_t vcpu_sig;
	uint64_t guest_features;
	bool features_given; /* on the command line or in the spec */
	bool has_vmm;
	enum snpm_vmm vmm;

	const char *ovmf, *ovmf_metadata, *kernel, *initrd, *append, *svsm, *vars_file;
	const char *kernel_hash, *initrd_hash, *snp_ovmf_hash, *spec, *measurement;
	uint64_t vars_size;
	uint64_t vmsa_gpa;
	enum snpm_vmsa_fpu vmsa_fpu;
	/* Digests a spec gave in place of files (from_spec bits M_KERNEL_HASH, M_INITRD_HASH,
	 * M_SNP_OVMF_HASH); the command line's options win over them. */
	uint8_t kernel_sha256[SNPM_SHA256_SIZE], initrd_sha256[SNPM_SHA256_SIZE];
	uint8_t snp_ovmf_digest[SNPM_LD_SIZE];

	/* report check */
	const char *report_file; /* its one positional argument */
	const char *manifest; /* a bundle whose predictions to search */
	const char *vcek, *ask, *ark, *chain, *trust_root, *now;
	const char *host_data, *id_key_digest, *author_key_digest, *policy, *report_data;
	uint32_t vmpl; /* expected VMPL (given: bit M_VMPL) */

	/* refvals */
	enum snpm_refvals_format refvals_format;
	const char *sign_key, *output, *min_tcb;
	uint64_t svn;

	/* diagnose */
	const char *report; /* the report whose measurement (and fields) to explain */
	uint32_t depth; /* most changes searched together (given: bit M_DEPTH) */
	bool diff; /* explain: never set (explain splits its arguments at --diff first) */

	/* IGVM and libkrun launches */
	const char *igvm, *qboot, *krunfw;
	bool native_zero, ignore_id_block;
	const char *corim_key; /* the public key the file's CoRIM must be signed with */
	enum snpm_igvm_semantics igvm_semantics;
	uint64_t kernel_gpa;
	uint32_t ram_mib;

	struct snpm_spec *spec_doc; /* owned; paths in it are resolved against spec_dir */
	char *spec_dir;
	char *owned[8]; /* paths built while merging the spec (at most 5 are) */
	size_t n_owned;
};

/* The option was on the command line; it has a value (the command line's or the spec's). */
static inline bool arg_given(const struct measure_args *a, enum m_opt opt)
{
	return opt_set_has(&a->given, opt);
}

static inline bool arg_set(const struct measure_args *a, enum m_opt opt)
{
	return opt_set_has(&a->given, opt) || opt_set_has(&a->from_spec, opt);
}

/* The syntax of a measurement verb (its rows of measure_opts.c's table). */
const struct verb_syntax *measure_syntax(enum verb verb);
extern const struct verb_syntax measure_syntaxes[VERB_COUNT];
/* Row opt's name ("kernel-hash") and the launches that take it (L_x bits; 0: all). */
const char *option_name(enum m_opt opt);
unsigned option_launches(enum m_opt opt);
/* --output-format's names: hex, base64; --mode's: the library's and snp:ovmf-hash. */
const struct snpm_name *output_format_names(void);
const struct snpm_name *measure_mode_names(void);
/* measure_opts.c's table, M_COUNT rows in the order of enum m_opt. */
extern const struct opt_doc measure_option_rows[M_COUNT];

enum launch_kind args_launch(const struct measure_args *a);

/* Files read, and what the measurement was computed from. Holds sources that point into
 * themselves: never copied. */
struct inputs {
	uint8_t *firmware;
	size_t firmware_len;
	struct snpm_ovmf_info firmware_info; /* from --ovmf-metadata or a spec */
	uint8_t *svsm;
	size_t svsm_len;
	uint64_t kernel_size, initrd_size;
	/* IGVM: the file, read at offsets, and its parsed headers */
	struct snpm_io_source igvm;
	struct snpm_igvm *igvm_file;
	struct snpm_igvm_corim corim; /* the file's, checked against the igvm crate's digest */
	/* libkrun: the library (when --krunfw) and the three pieces */
	struct snpm_io_source krunfw, qboot, kernel, initrd;
	struct snpm_krunfw krunfw_info;
};

/* ---- arguments (measure_args.c) ---- */

/* getopt, then --spec; returns 0 or an exit code. */
int args_parse(int argc, char **argv, enum verb verb, struct measure_args *a);
/* Shared by measure_args.c, measure_spec.c and measure_check.c. */
bool args_kernel_given(const struct measure_args *a);
bool args_spec_gives(const struct measure_args *a, unsigned field);
bool args_cpu_given_on_cli(const struct measure_args *a);
/* Reads --spec and merges it under what the command line gave; 0 or an exit code. */
int args_load_spec(struct measure_args *a);
/* The spec's vCPU count, CPU, features and VMM, where the command line gave none. */
void args_take_spec_vcpu(struct measure_args *a);

struct space;
/* Sweep dimensions the command line left out and the spec gives: the spec's single value. */
void args_take_spec_space(struct measure_args *a, struct space *sp);
/* The short form's defaults when --mode is absent. */
void args_apply_defaults(struct measure_args *a);
/* Single values from the text options; returns 0 or EXIT_USAGE. */
int args_resolve_single(struct measure_args *a);
/* The reference's checks, the vCPU signature and the VMM into cfg; 0 or an exit code. */
int args_check(struct measure_args *a, struct snpm_measure_config *cfg);
/* Reads and hashes the inputs into cfg; 0 or an exit code. */
int inputs_load(struct measure_args *a, struct snpm_measure_config *cfg, struct inputs *in);
/* The strongest platform an IGVM file declares (SNP, then SEV-ES, then SEV), as QEMU picks it;
 * false when the file cannot be read (the measurement then says why). */
bool igvm_strongest_mode(const char *path, enum snpm_mode *ret);
/* After measuring: an input read at offsets that changed meanwhile is an error (EXIT_FAIL). */
int inputs_check(const struct measure_args *a, const struct inputs *in);

/* cmd_sweep.c, for every verb that sweeps: the space, checks and inputs after args_parse();
 * the sweep with its refusal reported; the note on rows an ID block left out. */
int sweep_prepare(struct measure_args *a, struct space *sp, struct snpm_measure_config *cfg,
		  struct inputs *in);
int sweep_run(const struct snpm_measure_config *cfg, const struct space *sp, snpm_sweep_fn fn,
	      void *arg, const struct measure_args *a);
void sweep_left_out(const struct space *sp, size_t seen);
/* A 48-byte key digest as hex or base64, or the digest of the key in the file it names
 * (cmd_report.c); 0 or an exit code, the error printed. */
int key_digest_arg(const char *arg, uint8_t out[SNPM_SHA384_SIZE]);
void inputs_free(struct inputs *in);
void args_free(struct measure_args *a);
void args_note_defaults(const struct measure_args *a);

/* ---- IGVM files shown (igvm_show.c) ---- */

/* Every header, as snpmeasure igvm prints it, or as JSON (json_object_put() it). */
void igvm_print(FILE *out, const char *path, const struct snpm_igvm *f, uint64_t size);
struct json_object *igvm_to_json(const char *path, const struct snpm_igvm *f, uint64_t size,
				 const struct snpm_igvm_corim *corim);
/* The JSON printed, with json_flags(): compact output is streamed a header at a time. A CoRIM
 * the file carries (NULL or not present: none) is its "corim" member. */
void igvm_print_json(FILE *out, const char *path, const struct snpm_igvm *f, uint64_t size,
		     const struct snpm_igvm_corim *corim, int flags);
/* The CoRIM an IGVM file carries, its signature checked with key_path when given; 0 or an exit
 * code (3: the signature does not verify). */
int igvm_read_corim(const char *path, const struct snpm_io_source *src, const struct snpm_igvm *f,
		    const char *key_path, struct snpm_igvm_corim *corim);
/* One paragraph on the CoRIM, when there is one. */
void igvm_print_corim(FILE *out, const struct snpm_igvm_corim *corim);

/* ---- output (cli_util.c) ---- */

void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line on stderr, "snpmeasure: ...", with what came from inputs escaped (\xNN). */
void fail_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line: "snpmeasure: FILE: reason"; returns EXIT_FAIL. */
int report(const char *file, const struct snpm_error *err);
/* The same for a verification: EXIT_MISMATCH when the answer was "no" (SNPM_EVERIFY). */
int report_verdict(const char *file, const struct snpm_error *err);
bool parse_u64(const char *s, bool any_base, uint64_t max, uint64_t *ret);
bool parse_hex(const char *s, uint8_t *out, size_t len);
/* The usage error for an unknown --vcpu-type (the first len bytes of arg), listing the models. */
void cpu_type_invalid(const char *arg, int len);
/* ---- reports and certificates (cmd_report.c) ---- */

/* A report from a file in any form snpm_report_read() takes (- for stdin), with the
 * certificates dstack's attestation brought; snpm_report_input_free() it. */
int read_report_input(const char *path, struct snpm_report_input *in);
/* The same, the report only, parsed. */
int parse_report_file(const char *path, uint8_t raw[SNPM_REPORT_SIZE], struct snpm_report *rep);

/* Certificate files as read, and the input pointing into them. */
struct cert_files {
	uint8_t *vcek, *ask, *ark, *chain;
	struct snpm_cert_input in;
};
/* The options that name a report's certificates and when to judge them (report verify, report
 * appraise), stored in a verb's struct with members vcek, ask, ark, chain, trust_root and now. */
#define CERT_OPTS(type)                                                                             \
	OPT_STR("vcek", 0, type, vcek, "CERT", "the VCEK (PEM or DER)"),                            \
		OPT_STR("vlek", 0, type, vcek, "CERT", "the VLEK, for a VLEK-signed report"),       \
		OPT_STR("ask", 0, type, ask, "CERT", "the ASK (default: AMD's, built in)"),         \
		OPT_STR("asvk", 0, type, ask, "CERT", "the ASVK, for a VLEK (default: built in)"),  \
		OPT_STR("ark", 0, type, ark, "CERT", "the ARK (must be one of AMD's)"),             \
		OPT_STR("chain", 0, type, chain, "PEM",                                             \
			"ASK (or ASVK) then ARK, as AMD's KDS serves them"),                        \
		OPT_STR("trust-root", 0, type, trust_root, "CERT",                                  \
			"TRUST this ARK INSTEAD of AMD's (a lab's or a test suite's own PKI; give " \
			"its ASK too): never for production, named with its SHA-256 in every "      \
			"output"),                                                                  \
		OPT_STR("now", 0, type, now, "TIME",                                                \
			"judge the certificates' validity at TIME (seconds since the epoch, or "    \
			"YYYY-MM-DD[THH:MM:SSZ]) instead of the clock")

/* A root of the user's own, named with --trust-root: never a default, always printed. */
struct trust_root {
	const char *path; /* NULL: AMD's roots */
	uint8_t *data;
	size_t len;
	uint8_t sha256[SNPM_SHA256_SIZE]; /* of its DER: how it is named in every output */
};
/* Reads it (path NULL: nothing, AMD's roots); 0 or an exit code. */
int trust_root_load(const char *path, struct trust_root *t);
/* The loud line for text outputs (nothing for AMD's roots), and its JSON member. */
void trust_root_print(const struct trust_root *t);
void trust_root_json(struct json_object *o, const struct trust_root *t);
void trust_root_free(struct trust_root *t);
/* Seconds since the epoch or a real YYYY-MM-DD[THH:MM:SSZ]; --now's value (NULL: 0, the clock)
 * or a usage error. */
bool parse_time(const char *s, int64_t *ret);
int parse_now(const char *text, int64_t *ret);

/* --chain against --ask/--ark, and those without --vcek: a usage error, or 0. */
int cert_args_check(const char *verb, const char *vcek, const char *ask, const char *ark,
		    const char *chain);
/* Reads each path given (NULL: not given), PEM or DER, up to 1 MiB. */
int load_certs(const char *vcek, const char *ask, const char *ark, const char *chain,
	       struct cert_files *c);
void cert_files_free(struct cert_files *c);

/* A report's fields against what was expected (report check, diagnose): one row each. */
struct check_row {
	const char *field;
	char expected[SNPM_ERROR_MESSAGE_SIZE];
	char found[SNPM_ERROR_MESSAGE_SIZE];
	bool ok;
	const char *why; /* an expected field: what in the field makes it differ (else NULL) */
};
#define MAX_CHECK_ROWS 12
struct check_table {
	struct check_row rows[MAX_CHECK_ROWS];
	size_t n;
};
void check_add_row(struct check_table *t, const char *field, const char *expected,
		   const char *found, bool ok);
void check_add_bytes_row(struct check_table *t, const char *field, const uint8_t *want,
			 const uint8_t *got, size_t len);
/* A row per expected field given (--host-data, --id-key-digest, --author-key-digest,
 * --guest-policy, --report-data, --vmpl); 0 or a usage error's exit code. */
int check_fields(const struct measure_args *a, const struct snpm_report *rep,
		 struct check_table *t);
/* The rows as JSON: [{"field", "result", "expected", "found", "why" (a failed row's cause)}]. */
struct json_object *check_table_json(const struct check_table *t);

/* Every field of a report, as report show prints it (with dstack's identities). */
void report_print_human(const struct snpm_report *r);
struct json_object *report_to_json(const struct snpm_report *r);

/* report get (cmd_guest.c), report appraise and report kds (cmd_appraise.c). */
int cmd_report_get(int argc, char **argv);
int cmd_report_appraise(int argc, char **argv);
int cmd_report_kds(int argc, char **argv);

void to_hex(const uint8_t *d, size_t len, char *out);
/* hex or base64 into out (at least 97 bytes). */
void format_digest(const uint8_t *d, size_t len, bool base64, char *out);
/* A measurement given as hex or base64; returns its length (32 or 48) or -1. */
int parse_measurement(const char *s, uint8_t out[SNPM_LD_SIZE]);
void json_add_str(struct json_object *o, const char *key, const char *v);
void json_add_hex(struct json_object *o, const char *key, const uint8_t *d, size_t len);
void json_add_u64_hex(struct json_object *o, const char *key, uint64_t v);
/* One line on stderr when features set bits no public source names (they are measured). */
void note_unnamed_features(uint64_t features, bool quiet);
/* key: the names of the feature bits set ("SNPActive,DebugSwap"). */
void json_add_feature_names(struct json_object *o, const char *key, uint64_t features);
/* Pretty on a terminal, one line otherwise. */
void print_json(struct json_object *o);
int json_flags(void);

/* SIGINT, SIGTERM, SIGHUP, SIGPIPE remove temporary outputs before dying; SIGXFSZ ignored. */
void cli_install_signal_handlers(void);
/* Progress of long work on stderr when it is a terminal, unless --json, -q or --quiet is among
 * the arguments; cleared before any message and at exit. */
void cli_progress_setup(int argc, char **argv);
void cli_progress_clear(void);

/* ---- verbs ---- */

int cmd_measure(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_ovmf(int argc, char **argv);
int cmd_igvm(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_refvals(int argc, char **argv);
/* A reference-value file read (and verified with the key at key_path, when given); 0 or an
 * exit code, the error printed (cmd_refvals.c). */
int refvals_read_file(const char *path, const char *key_path, struct snpm_refvals_file **ret);
int cmd_match(int argc, char **argv);
int cmd_diagnose(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_id_block(int argc, char **argv);
int cmd_key_digest(int argc, char **argv);
int cmd_dstack(int argc, char **argv);

/* Parses, checks and loads measurement arguments for a verb (measure, explain, check). */
int measure_setup(int argc, char **argv, enum verb verb, struct measure_args *a,
		  struct snpm_measure_config *cfg, struct inputs *in);

/* The same for arguments already parsed: defaults, checks, inputs. */
int measure_prepare(struct measure_args *a, struct snpm_measure_config *cfg, struct inputs *in);

/* The JSON of what a measurement depends on (measure --json, explain --json). */
struct json_object *measure_inputs_json(const struct measure_args *a,
					const struct snpm_measure_config *cfg,
					const struct inputs *in);

#endif /* SNPM_TOOLS_CLI_H */
