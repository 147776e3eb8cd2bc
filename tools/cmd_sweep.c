/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpmeasure sweep: golden values for every configuration of a space, one row each.
 * snpmeasure match: the configurations of a space that give a measurement read from hardware.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_SIGS 64
#define MAX_FEATURE_SETS 64

struct space {
	uint32_t vcpus[SNPM_MAX_VCPUS];
	size_t n_vcpus;
	uint32_t sigs[MAX_SIGS];
	const char *sig_names[MAX_SIGS]; /* NULL when given as a number */
	size_t n_sigs;
	uint64_t features[MAX_FEATURE_SETS];
	size_t n_features;
	enum snpm_vmm vmms[3];
	size_t n_vmms;
};

/* "1-64,128" into ascending unique counts. */
static int parse_vcpu_ranges(const char *text, struct space *sp)
{
	static bool want[SNPM_MAX_VCPUS + 1];
	char *copy = strdup(text), *save = NULL;
	int r = 0;

	memset(want, 0, sizeof(want));
	for (char *tok = strtok_r(copy, ",", &save); tok && r == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		uint64_t lo, hi;
		if (dash)
			*dash = '\0';
		if (!parse_u64(tok, false, SNPM_MAX_VCPUS, &lo) ||
		    !parse_u64(dash ? dash + 1 : tok, false, SNPM_MAX_VCPUS, &hi) || lo < 1 ||
		    hi < lo) {
			usage_error(
				"argument --vcpus: '%s' is not a list of counts or ranges within "
				"1-%u",
				text, SNPM_MAX_VCPUS);
			r = EXIT_USAGE;
		}
		for (uint64_t n = lo; r == 0 && n <= hi; n++)
			want[n] = true;
	}
	free(copy);
	sp->n_vcpus = 0;
	for (uint32_t n = 1; r == 0 && n <= SNPM_MAX_VCPUS; n++)
		if (want[n])
			sp->vcpus[sp->n_vcpus++] = n;
	if (r == 0 && sp->n_vcpus == 0) {
		usage_error("argument --vcpus: empty list");
		r = EXIT_USAGE;
	}
	return r;
}

static int add_sig(struct space *sp, uint32_t sig, const char *name)
{
	if (sp->n_sigs == MAX_SIGS) {
		usage_error("more than %d vCPU signatures", MAX_SIGS);
		return EXIT_USAGE;
	}
	sp->sig_names[sp->n_sigs] = name;
	sp->sigs[sp->n_sigs++] = sig;
	return 0;
}

static int parse_types(const char *text, struct space *sp)
{
	uint32_t sig;
	int r = 0;

	if (strcmp(text, "all") == 0) {
		for (size_t i = 0; r == 0 && snpm_cpu_type_name(i); i++) {
			snpm_cpu_type_sig(snpm_cpu_type_name(i), &sig);
			r = add_sig(sp, sig, snpm_cpu_type_name(i));
		}
		return r;
	}
	for (const char *p = text; *p && r == 0;) {
		size_t len = strcspn(p, ",");
		for (size_t i = 0; snpm_cpu_type_name(i); i++) {
			const char *name = snpm_cpu_type_name(i);
			if (strlen(name) == len && strncmp(name, p, len) == 0) {
				snpm_cpu_type_sig(name, &sig);
				r = add_sig(sp, sig, name);
				goto next;
			}
		}
		usage_error("argument --vcpu-type: invalid choice: '%.*s'", (int)len, p);
		return EXIT_USAGE;
next:
		p += len;
		if (*p)
			p++;
	}
	return r;
}

static int parse_sigs(const char *text, struct space *sp)
{
	char *copy = strdup(text), *save = NULL;
	int r = 0;

	for (char *tok = strtok_r(copy, ",", &save); tok && r == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		if (!parse_u64(tok, true, UINT32_MAX, &v) || v == 0) {
			usage_error("argument --vcpu-sig: invalid value '%s'", tok);
			r = EXIT_USAGE;
		} else {
			r = add_sig(sp, (uint32_t)v, NULL);
		}
	}
	free(copy);
	return r;
}

static bool all_numeric(const char *text)
{
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, ",");
		if (len == 0 || p[0] < '0' || p[0] > '9')
			return false;
		p += len;
		if (*p)
			p++;
	}
	return true;
}

static int add_features(struct space *sp, const char *text)
{
	struct snpm_error err;

	if (sp->n_features == MAX_FEATURE_SETS) {
		usage_error("more than %d guest feature sets", MAX_FEATURE_SETS);
		return EXIT_USAGE;
	}
	if (snpm_guest_features_parse(text, &sp->features[sp->n_features], &err) < 0) {
		usage_error("argument --guest-features: %s", err.message);
		return EXIT_USAGE;
	}
	sp->n_features++;
	return 0;
}

/* Numbers separated by commas are one set each; names joined by ',' or '+' make one set. */
static int parse_feature_sets(const struct measure_args *a, struct space *sp)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < a->n_features_text; i++) {
		const char *t = a->features_text[i];
		if (!all_numeric(t)) {
			r = add_features(sp, t);
			continue;
		}
		char *copy = strdup(t), *save = NULL;
		for (char *tok = strtok_r(copy, ",", &save); tok && r == 0;
		     tok = strtok_r(NULL, ",", &save))
			r = add_features(sp, tok);
		free(copy);
	}
	return r;
}

static int parse_vmms(const char *text, struct space *sp)
{
	char *copy = strdup(text), *save = NULL;
	int r = 0;

	for (char *tok = strtok_r(copy, ",", &save); tok && r == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		enum snpm_vmm v;
		if (snpm_vmm_parse(tok, &v) < 0 || sp->n_vmms == 3) {
			usage_error("unknown or repeated VMM type '%s'", tok);
			r = EXIT_USAGE;
			break;
		}
		for (size_t i = 0; i < sp->n_vmms; i++)
			if (sp->vmms[i] == v) {
				usage_error("VMM type '%s' given twice", tok);
				r = EXIT_USAGE;
			}
		sp->vmms[sp->n_vmms++] = v;
	}
	free(copy);
	return r;
}

/* The space from the options; dimensions not given take the verb's defaults. */
static int resolve_space(struct measure_args *a, struct space *sp)
{
	bool match = a->verb == VERB_MATCH;
	int r;

	memset(sp, 0, sizeof(*sp));
	r = parse_vcpu_ranges(a->vcpus_text ? a->vcpus_text : match ? "1-512" : "1", sp);
	if (r == 0 && a->has_family && a->family)
		r = add_sig(sp, snpm_cpu_sig(a->family, a->model, a->stepping), NULL);
	else if (r == 0 && a->vcpu_sig_text)
		r = parse_sigs(a->vcpu_sig_text, sp);
	else if (r == 0)
		r = parse_types(a->vcpu_type_text ? a->vcpu_type_text :
				match		  ? "all" :
						    "EPYC-v4",
				sp);
	if (r == 0 && a->n_features_text == 0) {
		a->features_text[a->n_features_text++] = match ? "0x1,0x21" : "0x1";
	}
	if (r == 0)
		r = parse_feature_sets(a, sp);
	if (r == 0)
		r = parse_vmms(a->vmm_text ? a->vmm_text : match ? "QEMU,ec2,gce" : "QEMU", sp);
	if (r)
		return r;
	/* The first of each dimension stands for it in the reference's checks. */
	a->has_vcpus = true;
	a->vcpus = sp->vcpus[0];
	a->vcpu_type = sp->sig_names[0];
	a->has_vcpu_sig = true;
	a->vcpu_sig = sp->sigs[0];
	a->guest_features = sp->features[0];
	a->vmm_text = snpm_vmm_name(sp->vmms[0]);
	return 0;
}

/* ---- output ---- */

enum format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON };

struct printer {
	const struct space *sp;
	enum format format;
	bool base64;
	size_t rows;
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
		printf("]\n");
}

static int on_row(void *arg, const struct snpm_sweep_row *row)
{
	print_row(arg, row);
	return 0;
}

static int on_match(void *arg, const struct snpm_sweep_row *row)
{
	struct printer *p = arg;

	if (row->digest_len == p->want_len && memcmp(row->digest, p->want, p->want_len) == 0) {
		p->matches++;
		print_row(p, row);
	}
	return 0;
}

/* Parsing, space, checks and inputs: what sweep and match share. */
static int setup(int argc, char **argv, enum verb verb, struct measure_args *a, struct space *sp,
		 struct snpm_measure_config *cfg, struct inputs *in)
{
	int r = args_parse(argc, argv, verb, a);

	memset(cfg, 0, sizeof(*cfg));
	memset(in, 0, sizeof(*in));
	if (r)
		return r;
	if (a->snp_ovmf_hash_only) {
		usage_error("%s: snp:ovmf-hash has nothing to sweep",
			    verb == VERB_SWEEP ? "sweep" : "match");
		return EXIT_USAGE;
	}
	if (!a->mode_given) {
		a->mode = SNPM_MODE_SNP;
		a->mode_text = "snp";
		a->mode_given = true;
	}
	r = resolve_space(a, sp);
	if (r == 0)
		r = args_check(a, cfg);
	return r ? r : inputs_load(a, cfg, in);
}

static int run_sweep(const struct snpm_measure_config *cfg, const struct space *sp,
		     snpm_sweep_fn fn, struct printer *p, const struct measure_args *a)
{
	struct snpm_sweep_space space = {
		.vcpus = sp->vcpus,
		.n_vcpus = sp->n_vcpus,
		.vcpu_sigs = sp->sigs,
		.n_vcpu_sigs = sp->n_sigs,
		.guest_features = sp->features,
		.n_guest_features = sp->n_features,
		.vmms = sp->vmms,
		.n_vmms = sp->n_vmms,
	};
	struct snpm_error err;

	/* Refusals come before any row is printed: the library checks everything first. */
	if (p->format == FORMAT_JSON)
		printf("[");
	if (snpm_sweep(cfg, &space, fn, p, &err) < 0) {
		fflush(stdout);
		return report(a->ovmf ? a->ovmf : a->ovmf_metadata, &err);
	}
	print_footer(p);
	return 0;
}

static enum format format_of(const struct measure_args *a)
{
	return a->json ? FORMAT_JSON : a->csv ? FORMAT_CSV : FORMAT_TABLE;
}

int cmd_sweep(int argc, char **argv)
{
	static struct space sp;
	struct snpm_measure_config cfg;
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
	size_t rows = sp->n_vcpus * sp->n_sigs * sp->n_features * sp->n_vmms;

	fprintf(stderr,
		"%s: no configuration gives that measurement among the %zu searched (%zu vCPU "
		"counts %u-%u, %zu vCPU signatures, %zu guest feature sets, %zu VMMs, mode %s)\n",
		PROG, rows, sp->n_vcpus, sp->vcpus[0], sp->vcpus[sp->n_vcpus - 1], sp->n_sigs,
		sp->n_features, sp->n_vmms, snpm_mode_name(cfg->mode));
	(void)p;
	fprintf(stderr, "%s: held fixed:\n", PROG);
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
	struct snpm_measure_config cfg;
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
		if (r == 0 && p.matches == 0) {
			explain_miss(&a, &cfg, &sp, &p);
			r = EXIT_FAIL;
		}
	}
	inputs_free(&in);
	args_free(&a);
	return r;
}
