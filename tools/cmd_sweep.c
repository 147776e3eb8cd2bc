/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpmeasure sweep: golden values for every configuration of a space, one row each.
 * snpmeasure match: the configurations of a space that give a measurement read from hardware.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "space.h"

/* The --vcpu-type list; with no CPU option at all, the verb's default. */
static const char *space_types(const struct measure_args *a, bool match)
{
	if (args_cpu_given_on_cli(a))
		return a->vcpu_type_text;
	return match ? "all" : "EPYC-v4";
}

/* Keeps the first value of a dimension the mode does not measure, saying so: SEV measures no
 * VMSA, SEV-ES and SNP with an SVSM carry fixed features. Rows would only repeat. */
static void collapse_ignored(const struct measure_args *a, struct space *sp)
{
	bool sev = a->mode == SNPM_MODE_SEV;
	bool fixed_features = sev || a->mode == SNPM_MODE_SEV_ES || a->mode == SNPM_MODE_SNP_SVSM;
	bool cut = (sev && (sp->n_vcpus > 1 || sp->n_sigs > 1)) ||
		   (fixed_features && sp->n_features > 1);

	bool krun = args_launch(a) == LAUNCH_KRUN;

	if (sev && !krun)
		sp->n_vcpus = sp->n_vcpus ? 1 : 0, sp->n_sigs = sp->n_sigs ? 1 : 0;
	if (fixed_features)
		sp->n_features = sp->n_features ? 1 : 0;
	if (cut && !a->quiet && !krun)
		fail_line("note: mode %s measures no %s: not swept", a->mode_text,
			  sev ? "vCPU count, CPU or guest features" : "guest features");
	/* libkrun's VMSAs hold no CPU signature: one row stands for every CPU. */
	if (krun && sp->n_sigs > 1) {
		sp->n_sigs = 1;
		if (!a->quiet)
			fail_line("note: libkrun measures no CPU: not swept");
	}
}

/* The space from the options; dimensions not given take the verb's defaults. */
static int resolve_space(struct measure_args *a, struct space *sp)
{
	bool match = a->verb == VERB_MATCH;
	struct space_text t = {
		.vcpus = a->vcpus_text ? a->vcpus_text :
			 match	       ? "1-512" :
					 "1",
		.types = space_types(a, match),
		.sigs = a->vcpu_sig_text,
		.has_family = arg_given(a, M_VCPU_FAMILY),
		.family = a->family,
		.model = a->model,
		.stepping = a->stepping,
		.vmms = a->vmm_text		      ? a->vmm_text :
			args_launch(a) == LAUNCH_KRUN ? "krun" :
			match && !a->igvm	      ? "QEMU,ec2,gce" :
							"QEMU",
	};
	int r;

	if (t.has_family && (!arg_given(a, M_VCPU_MODEL) || !arg_given(a, M_VCPU_STEPPING))) {
		usage_error("--vcpu-family requires --vcpu-model and --vcpu-stepping");
		return EXIT_USAGE;
	}
	static const char *const match_features = "0x1,0x21", *const sweep_features = "0x1",
				 *const file_features = "0";
	t.features = a->features_text;
	t.n_features = a->n_features_text;
	if (a->n_features_text == 0) {
		t.features = match ? &match_features : &sweep_features;
		/* An IGVM file's VMSA sets them (0: the file's). */
		if (a->igvm)
			t.features = &file_features;
		t.n_features = 1;
	}
	r = space_parse(&t, sp);
	if (r)
		return r;
	args_take_spec_space(a, sp);
	collapse_ignored(a, sp);
	for (size_t i = 0; a->mode == SNPM_MODE_SNP && i < sp->n_features; i++)
		note_unnamed_features(sp->features[i], a->quiet);
	/* The first of each dimension stands for it in the reference's checks. */
	a->has_vcpus = true;
	a->vcpus = sp->vcpus[0];
	a->vcpu_type = sp->sig_names[0];
	a->has_vcpu_sig = true;
	a->vcpu_sig = sp->sigs[0];
	opt_set_del(&a->given, M_VCPU_FAMILY); /* the space holds the CPUs now */
	a->guest_features = sp->features[0];
	a->features_given |= a->n_features_text > 0;
	a->vmm_text = NULL;
	a->has_vmm = true;
	a->vmm = sp->vmms[0];
	return 0;
}

/* ---- output ---- */

enum format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON };

struct printer {
	const struct space *sp;
	enum format format;
	bool base64;
	size_t rows; /* printed */
	size_t seen; /* given by the library: every row the launch could make */
	/* match */
	const uint8_t *want;
	size_t want_len;
	size_t matches;
};

static void print_header(const struct printer *p)
{
	if (p->format == FORMAT_CSV)
		printf("vmm,vcpu_type,vcpu_sig,guest_features,vcpus,measurement\n");
	else if (p->format == FORMAT_TABLE)
		printf("%-5s %-14s %-10s %-8s %5s  %s\n", "vmm", "vcpu-type", "vcpu-sig",
		       "features", "vcpus", "measurement");
	else
		printf("[");
}

static void print_row(struct printer *p, const struct snpm_sweep_row *row)
{
	const char *type = p->sp->sig_names[row->vcpu_sig_index];
	char digest[2 * SNPM_LD_SIZE + 1];

	/* The header comes with the first row: a match that finds nothing prints nothing. */
	if (p->rows == 0)
		print_header(p);

	format_digest(row->digest, row->digest_len, p->base64, digest);
	if (p->format == FORMAT_CSV) {
		printf("%s,%s,0x%x,0x%llx,%u,%s\n", snpm_vmm_name(row->vmm), type ? type : "",
		       row->vcpu_sig, (unsigned long long)row->guest_features, row->vcpus, digest);
	} else if (p->format == FORMAT_JSON) {
		struct json_object *o = json_object_new_object();
		json_add_str(o, "vmm", snpm_vmm_name(row->vmm));
		json_add_str(o, "vcpu_type", type);
		json_add_u64_hex(o, "vcpu_sig", row->vcpu_sig);
		json_add_u64_hex(o, "guest_features", row->guest_features);
		json_add_feature_names(o, "guest_feature_names", row->guest_features);
		json_object_object_add(o, "vcpus", json_object_new_int64(row->vcpus));
		json_add_str(o, "measurement", digest);
		printf("%s%s", p->rows ? ",\n" : "",
		       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("%-5s %-14s 0x%-8x 0x%-6llx %5u  %s\n", snpm_vmm_name(row->vmm),
		       type ? type : "-", row->vcpu_sig, (unsigned long long)row->guest_features,
		       row->vcpus, digest);
	}
	p->rows++;
}

static void print_footer(const struct printer *p)
{
	if (p->format == FORMAT_JSON)
		printf("%s]\n", p->rows ? "" : "[");
}

static int on_row(void *arg, const struct snpm_sweep_row *row)
{
	struct printer *p = arg;

	p->seen++;
	print_row(p, row);
	return 0;
}

static int on_match(void *arg, const struct snpm_sweep_row *row)
{
	struct printer *p = arg;

	p->seen++;
	if (row->digest_len == p->want_len && memcmp(row->digest, p->want, p->want_len) == 0) {
		p->matches++;
		print_row(p, row);
	}
	return 0;
}

/* Space, checks and inputs after parsing: what sweep, match and refvals share. */
int sweep_prepare(struct measure_args *a, struct space *sp, struct snpm_measure_config *cfg,
		  struct inputs *in)
{
	int r;

	if (a->snp_ovmf_hash_only) {
		usage_error("%s: snp:ovmf-hash has nothing to sweep",
			    a->verb == VERB_SWEEP ? "sweep" :
			    a->verb == VERB_MATCH ? "match" :
						    "refvals");
		return EXIT_USAGE;
	}
	/* Without --mode: SNP (an IGVM file's strongest platform), never the short form's
	 * single-row defaults. */
	if (!arg_set(a, M_MODE)) {
		a->mode = SNPM_MODE_SNP;
		if (a->igvm)
			igvm_strongest_mode(a->igvm, &a->mode);
		a->mode_text = snpm_mode_name(a->mode);
	}
	r = resolve_space(a, sp);
	if (r == 0)
		r = args_check(a, cfg);
	return r ? r : inputs_load(a, cfg, in);
}

static int setup(int argc, char **argv, enum verb verb, struct measure_args *a, struct space *sp,
		 struct snpm_measure_config *cfg, struct inputs *in)
{
	int r = args_parse(argc, argv, verb, a);

	SNPM_INIT(cfg);
	memset(in, 0, sizeof(*in));
	return r ? r : sweep_prepare(a, sp, cfg, in);
}

void sweep_left_out(const struct space *sp, size_t seen)
{
	size_t rows = space_rows(sp);

	if (seen < rows)
		fail_line("note: %zu of the %zu configurations are left out: the IGVM file's ID "
			  "block vouches for another launch digest, and the secure processor would "
			  "refuse them (--ignore-id-block measures them anyway)",
			  rows - seen, rows);
}

int sweep_run(const struct snpm_measure_config *cfg, const struct space *sp, snpm_sweep_fn fn,
	      void *arg, const struct measure_args *a)
{
	struct snpm_sweep_space space = space_for_sweep(sp);
	struct snpm_error err;

	/* Refusals come before any row is given (the library checks everything first), so a
	 * refused sweep leaves stdout empty. */
	if (snpm_sweep(cfg, &space, fn, arg, &err) < 0)
		return report_verdict(a->igvm	? a->igvm :
				      a->krunfw ? a->krunfw :
				      a->ovmf	? a->ovmf :
						  a->ovmf_metadata,
				      &err);
	return 0;
}

static int run_sweep(const struct snpm_measure_config *cfg, const struct space *sp,
		     snpm_sweep_fn fn, struct printer *p, const struct measure_args *a)
{
	int r = sweep_run(cfg, sp, fn, p, a);

	if (r)
		return r;
	print_footer(p);
	sweep_left_out(sp, p->seen);
	return 0;
}

static enum format format_of(const struct measure_args *a)
{
	return a->json ? FORMAT_JSON : a->csv ? FORMAT_CSV : FORMAT_TABLE;
}

int cmd_sweep(int argc, char **argv)
{
	static struct space sp;
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct measure_args a;
	struct inputs in;
	int r = setup(argc, argv, VERB_SWEEP, &a, &sp, &cfg, &in);

	if (r == 0 && a.json && a.csv) {
		usage_error("sweep: --json and --csv exclude each other");
		r = EXIT_USAGE;
	}
	if (r == 0) {
		struct printer p = { .sp = &sp, .format = format_of(&a), .base64 = a.base64 };
		r = run_sweep(&cfg, &sp, on_row, &p, &a);
		if (r == 0)
			r = inputs_check(&a, &in);
	}
	inputs_free(&in);
	args_free(&a);
	return r;
}

/* When nothing matched: what was held fixed, so the user knows where to look next. */
static void explain_miss(const struct measure_args *a, const struct snpm_measure_config *cfg,
			 const struct space *sp, const struct printer *p)
{
	char hex[2 * SNPM_LD_SIZE + 1];
	uint8_t fw[SNPM_LD_SIZE];
	size_t rows = space_rows(sp);

	fail_line("no configuration gives that measurement among the %zu searched (%zu vCPU "
		  "counts %u-%u, %zu vCPU signatures, %zu guest feature sets, %zu VMMs, mode %s)",
		  rows, sp->n_vcpus, sp->vcpus[0], sp->vcpus[sp->n_vcpus - 1], sp->n_sigs,
		  sp->n_features, sp->n_vmms, snpm_mode_name(cfg->mode));
	(void)p;
	fail_line("held fixed:");
	if (cfg->has_firmware_digest) {
		to_hex(cfg->firmware_digest, SNPM_LD_SIZE, hex);
		fprintf(stderr, "  firmware SNP digest  %s (given)\n", hex);
	} else if (cfg->firmware &&
		   snpm_measure_firmware(cfg->firmware, cfg->firmware_len, fw, NULL) == 0) {
		to_hex(fw, SNPM_LD_SIZE, hex);
		fprintf(stderr, "  firmware SNP digest  %s (%s)\n", hex, a->ovmf);
	}
	if (!cfg->has_kernel) {
		fprintf(stderr, "  no kernel: direct boot hashes not measured\n");
		return;
	}
	to_hex(cfg->kernel_sha256, SNPM_SHA256_SIZE, hex);
	fprintf(stderr, "  kernel sha256        %s\n", hex);
	to_hex(cfg->initrd_sha256, SNPM_SHA256_SIZE, hex);
	fprintf(stderr, "  initrd sha256        %s%s\n", hex,
		a->initrd || a->initrd_hash ? "" : " (no initrd)");
	to_hex(cfg->cmdline_sha256, SNPM_SHA256_SIZE, hex);
	fprintf(stderr, "  cmdline sha256       %s \"%s\"\n", hex, a->append ? a->append : "");
}

int cmd_match(int argc, char **argv)
{
	static struct space sp;
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct measure_args a;
	struct inputs in;
	uint8_t want[SNPM_LD_SIZE];
	int want_len = 0;
	int r = setup(argc, argv, VERB_MATCH, &a, &sp, &cfg, &in);
	if (r == 0 && !a.measurement) {
		usage_error("match: --measurement HEX|BASE64 is required");
		r = EXIT_USAGE;
	}
	if (r == 0 && (want_len = parse_measurement(a.measurement, want)) < 0) {
		usage_error("match: --measurement '%s' is not a 48- or 32-byte digest in hex or "
			    "base64",
			    a.measurement);
		r = EXIT_USAGE;
	}
	if (r == 0 &&
	    (size_t)want_len != ((cfg.mode == SNPM_MODE_SEV || cfg.mode == SNPM_MODE_SEV_ES) ?
					 SNPM_SEV_LD_SIZE :
					 SNPM_LD_SIZE)) {
		usage_error("match: a %d-byte measurement cannot come from mode %s", want_len,
			    snpm_mode_name(cfg.mode));
		r = EXIT_USAGE;
	}
	if (r == 0) {
		struct printer p = { .sp = &sp,
				     .format = format_of(&a),
				     .base64 = a.base64,
				     .want = want,
				     .want_len = (size_t)want_len };
		r = run_sweep(&cfg, &sp, on_match, &p, &a);
		if (r == 0)
			r = inputs_check(&a, &in);
		if (r == 0 && p.matches == 0) {
			explain_miss(&a, &cfg, &sp, &p);
			r = EXIT_MISMATCH;
		}
	}
	inputs_free(&in);
	args_free(&a);
	return r;
}
