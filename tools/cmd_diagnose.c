/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpmeasure diagnose: why a measurement read from hardware is not the one predicted. It
 * searches outward from the configuration given, nearest first (every single drift of
 * drift.c's table, then pairs, then triples), and prints each configuration that gives the
 * measurement as what differs from what was given, why such a drift happens, and the command
 * that reproduces it (checked by measuring it again). With a report, its other fields are held
 * against what was expected too.
 *
 * Cost: a sweep per combination of drifts that are not sweep dimensions; the vCPU counts, CPUs
 * and guest features are rows of it, so each further vCPU is one PAGE_INFO hash. An SNP
 * firmware's pages are hashed once and the chain started from their digest.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drift.h"

#define MAX_DEPTH 3
#define MAX_FOUND 16

struct found {
	struct point p;
	unsigned mask; /* the drifts that differ from what was given */
	size_t idx[D_COUNT]; /* each one's alternative */
};

struct search {
	struct given g;
	unsigned active; /* the drifts the launch has */
	struct alt *alts[D_COUNT];
	size_t n_alts[D_COUNT];
	char *owned[D_COUNT][4];
	const uint8_t *want;
	size_t want_len;
	uint64_t tried, refused, tried_at[MAX_DEPTH + 1];
	struct snpm_error refusal; /* the last configuration the launch refused */
	struct found found[MAX_FOUND];
	size_t n_found;
	uint64_t total_found;
	unsigned depth; /* searched up to */
	/* the sweep in flight */
	struct point cur;
	unsigned cur_mask;
	size_t cur_idx[D_COUNT];
	uint32_t vcpus[DRIFT_MAX_ALTS];
	uint32_t sigs[DRIFT_MAX_ALTS];
	uint64_t features[DRIFT_MAX_ALTS];
};

static bool has(unsigned mask, enum drift_id d)
{
	return (mask >> d) & 1;
}

/* ---- the search ---- */

static void record(struct search *s, const struct snpm_sweep_row *row)
{
	const struct given *g = &s->g;
	struct found *f;

	s->total_found++;
	if (s->n_found == MAX_FOUND)
		return;
	f = &s->found[s->n_found++];
	f->p = s->cur;
	f->mask = s->cur_mask;
	memcpy(f->idx, s->cur_idx, sizeof(f->idx));
	/* The swept drifts' values are the row's: an alternative, or one of the given set. */
	f->p.vcpus = row->vcpus;
	if (has(s->cur_mask, D_VCPUS))
		for (size_t i = 0; i < s->n_alts[D_VCPUS]; i++)
			if (s->alts[D_VCPUS][i].value == row->vcpus)
				f->idx[D_VCPUS] = i;
	if (has(s->cur_mask, D_CPU))
		drifts[D_CPU].set(&f->p, &s->alts[D_CPU][row->vcpu_sig_index]);
	else if (g->n_set[D_CPU])
		drifts[D_CPU].set(&f->p, &g->set[D_CPU][row->vcpu_sig_index]);
	f->idx[D_CPU] = row->vcpu_sig_index;
	if (has(s->cur_mask, D_FEATURES) || g->n_set[D_FEATURES])
		f->p.features = row->guest_features;
	f->idx[D_FEATURES] = row->guest_features_index;
}

static int on_row(void *arg, const struct snpm_sweep_row *row)
{
	struct search *s = arg;

	s->tried++;
	if (row->digest_len == s->want_len && memcmp(row->digest, s->want, s->want_len) == 0)
		record(s, row);
	return 0;
}

/* The values of swept drift d in this sweep: its alternatives when the mask changes it, else
 * the given set, else the point's value (v). */
static size_t sweep_values(struct search *s, enum drift_id d, uint64_t v, uint64_t *out)
{
	const struct alt *list = has(s->cur_mask, d) ? s->alts[d] : s->g.set[d];
	size_t n = has(s->cur_mask, d) ? s->n_alts[d] : s->g.n_set[d];

	if (n == 0) {
		/* SEV measures no VMSA: its vCPU count may be 0, a sweep's is at least 1 */
		out[0] = d == D_VCPUS && v == 0 ? 1 : v;
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = list[i].value;
	return n;
}

/* The space of one sweep, at the point the unswept drifts have set. */
static struct snpm_sweep_space sweep_space(struct search *s, enum snpm_vmm *vmm)
{
	struct snpm_sweep_space sp = { .size = sizeof(sp), .vmms = vmm, .n_vmms = 1 };
	uint64_t v[DRIFT_MAX_ALTS];

	sp.n_vcpus = sweep_values(s, D_VCPUS, s->cur.vcpus, v);
	for (size_t i = 0; i < sp.n_vcpus; i++)
		s->vcpus[i] = (uint32_t)v[i];
	sp.n_vcpu_sigs = sweep_values(s, D_CPU, s->cur.sig, v);
	for (size_t i = 0; i < sp.n_vcpu_sigs; i++)
		s->sigs[i] = (uint32_t)v[i];
	sp.n_guest_features = sweep_values(s, D_FEATURES, s->cur.features, s->features);
	sp.vcpus = s->vcpus, sp.vcpu_sigs = s->sigs, sp.guest_features = s->features;
	return sp;
}

/* One sweep over the swept drifts of the mask, at the point the other drifts have set. */
static int sweep_once(struct search *s)
{
	struct snpm_measure_config cfg;
	enum snpm_vmm vmm = s->cur.vmm;
	struct snpm_sweep_space sp = sweep_space(s, &vmm);
	uint64_t rows = sp.n_vcpus * sp.n_vcpu_sigs * sp.n_guest_features, before = s->tried;
	int r = point_config(&s->g, &s->cur, &cfg);

	if (r)
		return r;
	/* A configuration the launch refuses (a VMM that cannot run it, an ID block vouching for
	 * another digest) is no explanation: counted, never a match. What was given itself must
	 * launch: measured before the search, it did. */
	if (snpm_sweep(&cfg, &sp, on_row, s, &s->refusal) < 0) {
		s->refused += rows - (s->tried - before);
		if (s->cur_mask == 0) {
			fail_line("the configuration given cannot be searched: %s",
				  s->refusal.message);
			return EXIT_FAIL;
		}
	}
	return 0;
}

/* An unswept drift's values in one search: its alternatives in the mask, else a given set. */
struct choice {
	enum drift_id d;
	const struct alt *list;
	size_t n;
};

/* Every combination of the values of the unswept drifts (the mask's alternatives and the given
 * sets), a sweep each. */
static int search_mask(struct search *s, unsigned mask)
{
	struct choice c[D_COUNT];
	size_t n = 0;
	int r = 0;

	s->cur_mask = mask;
	memset(s->cur_idx, 0, sizeof(s->cur_idx));
	for (int d = 0; d < D_COUNT; d++) {
		if (drifts[d].swept)
			continue;
		if (has(mask, (enum drift_id)d))
			c[n++] = (struct choice){ (enum drift_id)d, s->alts[d], s->n_alts[d] };
		else if (s->g.n_set[d] > 1)
			c[n++] = (struct choice){ (enum drift_id)d, s->g.set[d], s->g.n_set[d] };
	}
	for (;;) {
		point_given(&s->g, &s->cur);
		for (size_t i = 0; i < n; i++)
			drifts[c[i].d].set(&s->cur, &c[i].list[s->cur_idx[c[i].d]]);
		if ((r = sweep_once(s)))
			return r;
		/* the next combination, the last drift fastest */
		size_t i = n;
		while (i > 0 && ++s->cur_idx[c[i - 1].d] == c[i - 1].n)
			s->cur_idx[c[--i].d] = 0;
		if (i == 0)
			return 0;
	}
}

/* The masks of `depth` active drifts in the table's order, from depth 0 (what was given),
 * until one depth explains the measurement. */
static int search(struct search *s, unsigned max_depth)
{
	int r = 0;

	for (unsigned depth = 0; r == 0 && depth <= max_depth && !s->n_found; depth++) {
		uint64_t before = s->tried;
		s->depth = depth;
		for (unsigned mask = 0; r == 0 && mask < (1u << D_COUNT); mask++)
			if ((mask & ~s->active) == 0 && (unsigned)__builtin_popcount(mask) == depth)
				r = search_mask(s, mask);
		s->tried_at[depth] = s->tried - before;
	}
	return r;
}

/* Whether a value is one of the given set (no change). */
static bool in_set(const struct given *g, enum drift_id d, uint64_t v)
{
	for (size_t i = 0; i < g->n_set[d]; i++)
		if (g->set[d][i].value == v)
			return true;
	return false;
}

static int prepare_alts(struct search *s)
{
	for (int d = 0; d < D_COUNT; d++) {
		if (!drifts[d].applies(&s->g))
			continue;
		s->alts[d] = calloc(DRIFT_MAX_ALTS, sizeof(struct alt));
		if (!s->alts[d]) {
			fail_line("out of memory");
			return EXIT_FAIL;
		}
		s->n_alts[d] = drifts[d].alts(&s->g, s->alts[d], DRIFT_MAX_ALTS, s->owned[d]);
		size_t kept = 0;
		for (size_t i = 0; i < s->n_alts[d]; i++)
			if (!in_set(&s->g, (enum drift_id)d, s->alts[d][i].value))
				s->alts[d][kept++] = s->alts[d][i];
		s->n_alts[d] = kept;
		if (s->n_alts[d])
			s->active |= 1u << d;
	}
	return 0;
}

static void search_free(struct search *s)
{
	for (int d = 0; d < D_COUNT; d++) {
		free(s->alts[d]);
		for (size_t i = 0; i < 4; i++)
			free(s->owned[d][i]);
	}
}

/* ---- the measurement and what was given ---- */

struct diagnosis {
	struct measure_args a;
	struct snpm_measure_config cfg;
	struct inputs in;
	uint8_t raw[SNPM_REPORT_SIZE];
	struct snpm_report rep;
	bool has_report;
	uint8_t want[SNPM_LD_SIZE], given[SNPM_LD_SIZE];
	size_t want_len, given_len;
	struct check_table fields;
	/* --manifest: the bundle's launch, its space as the given sets, and the arguments made
	 * of it (which measure_args points into) */
	struct snpm_bundle_launch *launch;
	struct alt *sets[D_COUNT];
	struct argv_list args;
};

static const char *launch_file(const struct measure_args *a)
{
	return a->igvm		? a->igvm :
	       a->krunfw	? a->krunfw :
	       a->qboot		? a->qboot :
	       a->ovmf		? a->ovmf :
	       a->ovmf_metadata ? a->ovmf_metadata :
				  a->spec;
}

/* Inputs are read again to check each command line printed: standard input cannot be. */
static int refuse_stdin(const struct measure_args *a)
{
	const char *paths[] = { a->ovmf,   a->kernel, a->initrd,	a->svsm,     a->igvm,
				a->krunfw, a->qboot,  a->ovmf_metadata, a->vars_file };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (paths[i] && strcmp(paths[i], "-") == 0) {
			usage_error("diagnose: give the inputs as files: each command line it "
				    "prints is measured again to check it");
			return EXIT_USAGE;
		}
	return 0;
}

static int read_want(struct diagnosis *d)
{
	struct measure_args *a = &d->a;
	int n, r;

	if (!a->report == !a->measurement) {
		usage_error("diagnose: give the measurement to explain: --report FILE or "
			    "--measurement HEX|BASE64");
		return EXIT_USAGE;
	}
	if (a->measurement) {
		n = parse_measurement(a->measurement, d->want);
		if (n < 0) {
			usage_error(
				"diagnose: --measurement '%s' is not a 48- or 32-byte digest in "
				"hex or base64",
				a->measurement);
			return EXIT_USAGE;
		}
		d->want_len = (size_t)n;
		return 0;
	}
	r = parse_report_file(a->report, d->raw, &d->rep);
	if (r)
		return r;
	d->has_report = true;
	memcpy(d->want, d->rep.measurement, SNPM_LD_SIZE);
	d->want_len = SNPM_LD_SIZE;
	return 0;
}

/* The configuration given, measured; an SNP firmware's digest seeds every later chain. */
static int measure_given(struct diagnosis *d)
{
	struct snpm_error err;
	int r = measure_prepare(&d->a, &d->cfg, &d->in);

	if (r == 0 && d->a.snp_ovmf_hash_only) {
		usage_error("diagnose: snp:ovmf-hash is the firmware alone; give --mode snp");
		return EXIT_USAGE;
	}
	if (r == 0 && d->cfg.mode == SNPM_MODE_SNP && d->cfg.loader == SNPM_LOADER_OVMF &&
	    !d->cfg.has_firmware_digest && d->cfg.firmware) {
		if (snpm_measure_firmware(d->cfg.firmware, d->cfg.firmware_len,
					  d->cfg.firmware_digest, &err) < 0)
			return report(d->a.ovmf, &err);
		d->cfg.has_firmware_digest = true;
	}
	if (r == 0 && snpm_measure(&d->cfg, d->given, &d->given_len, &err) < 0)
		r = report_verdict(launch_file(&d->a), &err);
	if (r == 0 && d->given_len != d->want_len) {
		usage_error("diagnose: a %zu-byte measurement cannot come from mode %s",
			    d->want_len, snpm_mode_name(d->cfg.mode));
		r = EXIT_USAGE;
	}
	return r;
}

/* Measures a command line printed as the reproduction: it must give the measurement. */
static bool reproduces(const struct argv_list *l, const uint8_t *want, size_t want_len)
{
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct measure_args a;
	struct inputs in;
	uint8_t out[SNPM_LD_SIZE];
	size_t len = 0;
	char **argv = calloc(l->n + 2, sizeof(*argv));
	bool ok = false;

	if (!argv)
		return false;
	argv[0] = l->v[0];
	argv[1] = (char *)"-q";
	memcpy(argv + 2, l->v + 1, (l->n - 1) * sizeof(*argv));
	if (args_parse((int)l->n + 1, argv, VERB_MEASURE, &a) == 0) {
		if (measure_prepare(&a, &cfg, &in) == 0 && snpm_measure(&cfg, out, &len, NULL) == 0)
			ok = len == want_len && memcmp(out, want, len) == 0;
		inputs_free(&in);
	}
	args_free(&a);
	free(argv);
	return ok;
}

/* ---- output ---- */

/* One character of a quoted word: in $'...' (ansi) or '...'. */
static void put_quoted(FILE *f, char c, bool ansi)
{
	if (ansi && (c == '\n' || c == '\'' || c == '\\'))
		fputs(c == '\n' ? "\\n" : c == '\'' ? "\\'" : "\\\\", f);
	else if (!ansi && c == '\'')
		fputs("'\\''", f);
	else
		fputc(c, f);
}

/* A shell word: as is when safe, else quoted (with a newline, as bash's $'...'). */
static void print_word(FILE *f, const char *w)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				   "-_=./:,+";
	bool ansi = strchr(w, '\n') != NULL;

	if (*w && strspn(w, safe) == strlen(w)) {
		fputs(w, f);
		return;
	}
	fputs(ansi ? "$'" : "'", f);
	for (const char *c = w; *c; c++)
		put_quoted(f, *c, ansi);
	fputc('\'', f);
}

static void print_argv(FILE *f, const struct argv_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			fputc(' ', f);
		print_word(f, l->v[i]);
	}
}

struct change {
	struct shown given, found;
	const char *why;
};

static void change_of(const struct search *s, const struct found *f, enum drift_id d,
		      struct change *c)
{
	drifts[d].show(&s->g, &s->g.p, &c->given);
	drifts[d].show(&s->g, &f->p, &c->found);
	c->why = s->alts[d][f->idx[d]].why;
	/* A set given (a bundle's space): every value of it. */
	for (size_t i = 0, at = 0; s->g.n_set[d] > 1 && i < s->g.n_set[d]; i++) {
		struct point p = s->g.p;
		struct shown one;
		drifts[d].set(&p, &s->g.set[d][i]);
		drifts[d].show(&s->g, &p, &one);
		if (at < sizeof(c->given.val))
			at += (size_t)snprintf(c->given.val + at, sizeof(c->given.val) - at, "%s%s",
					       i ? ", " : "any of ", one.val);
	}
}

/* "you gave" says the option too when the two differ (--vcpu-type against --vcpu-sig). */
static void given_text(const struct change *c, char *out, size_t n)
{
	if (strcmp(c->given.opt, c->found.opt) != 0)
		snprintf(out, n, "%s %s", c->given.opt, c->given.val);
	else
		snprintf(out, n, "%s", c->given.val);
}

/* What the match is compared with: the given point, but the values of a given set (a bundle's
 * space) that the match shares. */
static void from_point(const struct search *s, const struct found *f, struct point *from)
{
	*from = s->g.p;
	if (!has(f->mask, D_VCPUS))
		from->vcpus = f->p.vcpus;
	if (!has(f->mask, D_CPU))
		from->sig = f->p.sig, from->sig_name = f->p.sig_name, from->has_sig = f->p.has_sig;
	if (!has(f->mask, D_FEATURES))
		from->features = f->p.features;
	if (!has(f->mask, D_VMM))
		from->vmm = f->p.vmm, from->vmm_version = f->p.vmm_version;
}

static void print_match_human(const struct search *s, const struct found *f,
			      const struct argv_list *given, const struct argv_list *l, bool ok)
{
	char gave[320];
	struct change c;

	for (int d = 0; d < D_COUNT; d++) {
		if (!has(f->mask, (enum drift_id)d))
			continue;
		change_of(s, f, (enum drift_id)d, &c);
		given_text(&c, gave, sizeof(gave));
		printf("  %s %s (you gave %s)\n      %s\n", c.found.opt, c.found.val, gave, c.why);
	}
	printf("  reproduce: ");
	if (ok)
		print_argv(stdout, l);
	else
		printf("(not expressible as one command line: measured by the search only)");
	printf("\n  where the launches part: snpmeasure explain");
	for (size_t i = 1; i < given->n; i++)
		fputc(' ', stdout), print_word(stdout, given->v[i]);
	printf(" --diff");
	for (size_t i = 1; i < l->n; i++)
		fputc(' ', stdout), print_word(stdout, l->v[i]);
	printf("\n");
}

static struct json_object *argv_json(const struct argv_list *l)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(arr, json_object_new_string(l->v[i]));
	return arr;
}

static struct json_object *match_json(const struct search *s, const struct found *f,
				      const struct argv_list *l, bool ok, const char *digest)
{
	struct json_object *o = json_object_new_object(), *changes = json_object_new_array();
	char gave[320];
	struct change c;

	json_object_object_add(o, "argv", ok ? argv_json(l) : NULL);
	for (int d = 0; d < D_COUNT; d++) {
		if (!has(f->mask, (enum drift_id)d))
			continue;
		change_of(s, f, (enum drift_id)d, &c);
		given_text(&c, gave, sizeof(gave));
		struct json_object *ch = json_object_new_object();
		json_add_str(ch, "drift", drifts[d].name);
		json_add_str(ch, "option", c.found.opt);
		json_add_str(ch, "given", gave);
		json_add_str(ch, "found", c.found.val);
		json_add_str(ch, "why", c.why);
		json_object_array_add(changes, ch);
	}
	json_object_object_add(o, "changes", changes);
	json_add_str(o, "measurement", digest);
	return o;
}

/* What every configuration searched shares: the digests of the files given. */
static struct json_object *held_fixed(const struct diagnosis *d)
{
	struct json_object *o = json_object_new_object();
	const struct snpm_measure_config *c = &d->cfg;
	char hex[2 * SNPM_LD_SIZE + 1];

	if (c->has_firmware_digest)
		json_add_hex(o, "firmware_snp_digest", c->firmware_digest, SNPM_LD_SIZE);
	else if (c->firmware) {
		uint8_t sha[SNPM_SHA256_SIZE];
		if (snpm_digest(SNPM_HASH_SHA256, c->firmware, c->firmware_len, sha, NULL) == 0)
			json_add_hex(o, "firmware_sha256", sha, sizeof(sha));
	}
	if (c->svsm) {
		uint8_t sha[SNPM_SHA256_SIZE];
		if (snpm_digest(SNPM_HASH_SHA256, c->svsm, c->svsm_len, sha, NULL) == 0)
			json_add_hex(o, "svsm_sha256", sha, sizeof(sha));
	}
	if (d->a.igvm)
		json_add_str(o, "igvm", d->a.igvm);
	if (d->a.krunfw || d->a.qboot)
		json_add_str(o, "krun", d->a.krunfw ? d->a.krunfw : d->a.qboot);
	if (c->has_kernel) {
		json_add_hex(o, "kernel_sha256", c->kernel_sha256, SNPM_SHA256_SIZE);
		json_add_hex(o, "initrd_sha256", c->initrd_sha256, SNPM_SHA256_SIZE);
		json_add_hex(o, "cmdline_sha256", c->cmdline_sha256, SNPM_SHA256_SIZE);
		json_add_str(o, "cmdline", d->a.append ? d->a.append : "");
	}
	(void)hex;
	return o;
}

static void print_held_fixed(const struct diagnosis *d)
{
	struct json_object *o = held_fixed(d);

	fprintf(stderr, "held fixed in every one:\n");
	json_object_object_foreach(o, k, v)
		fprintf(stderr, "  %-20s %s\n", k, json_object_get_string(v));
	json_object_put(o);
}

static void print_fields_human(const struct check_table *t)
{
	if (!t->n)
		return;
	printf("\nreport fields:\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct check_row *r = &t->rows[i];
		printf("  %-18s %s\n", r->field, r->ok ? "as expected" : "DIFFERS");
		if (!r->ok)
			printf("      expected %s\n      found    %s\n      %s\n", r->expected,
			       r->found, r->why ? r->why : "");
	}
}

struct outcome {
	struct json_object *matches; /* for --json */
	size_t shown;
};

/* Each match, with its command line measured again; an inexpressible one says so. */
static void print_matches(const struct diagnosis *d, const struct search *s, struct outcome *o)
{
	struct argv_list given, l;
	char digest[2 * SNPM_LD_SIZE + 1];
	struct point from;
	bool ok;

	format_digest(d->want, d->want_len, d->a.base64, digest);
	if (!d->a.json && s->depth == 0)
		printf("%s: nothing differs\n",
		       d->a.manifest ? "the bundle predicts it" : "the options give it");
	else if (!d->a.json)
		printf("%llu configuration%s with %u change%s give%s it:\n",
		       (unsigned long long)s->total_found, s->total_found == 1 ? "" : "s", s->depth,
		       s->depth == 1 ? "" : "s", s->total_found == 1 ? "s" : "");
	for (size_t i = 0; i < s->n_found; i++) {
		const struct found *f = &s->found[i];
		if (point_argv(&s->g, &f->p, &l) < 0) {
			fail_line("out of memory");
			break;
		}
		ok = reproduces(&l, d->want, d->want_len);
		from_point(s, f, &from);
		if (d->a.json) {
			json_object_array_add(o->matches, match_json(s, f, &l, ok, digest));
		} else if (point_argv(&s->g, &from, &given) == 0) {
			printf("\n%zu.\n", i + 1);
			print_match_human(s, f, &given, &l, ok);
			argv_list_free(&given);
		}
		argv_list_free(&l);
	}
	if (!d->a.json && s->total_found > s->n_found)
		printf("\n... and %llu more\n", (unsigned long long)(s->total_found - s->n_found));
}

static void print_summary_human(const struct diagnosis *d, const struct search *s, double secs)
{
	char want[2 * SNPM_LD_SIZE + 1], given[2 * SNPM_LD_SIZE + 1];

	format_digest(d->want, d->want_len, d->a.base64, want);
	format_digest(d->given, d->given_len, d->a.base64, given);
	printf("measurement    %s (%s)\n", want, d->has_report ? d->a.report : "given");
	if (d->a.manifest)
		printf("bundle         %s: %llu configurations predicted\n", d->a.manifest,
		       (unsigned long long)s->tried_at[0]);
	else
		printf("options give   %s\n", given);
	if (s->depth) /* what was given, and those the search measured */
		printf("searched       %llu configurations within %u change%s of %s (%.2f s)\n",
		       (unsigned long long)s->tried, s->depth, s->depth == 1 ? "" : "s",
		       d->a.manifest ? "the bundle" : "the options", secs);
	if (s->refused) /* e.g. rows an IGVM file's ID block does not vouch for */
		printf("               and %llu the launch refuses (%s)\n",
		       (unsigned long long)s->refused, s->refusal.message);
	printf("\n");
}

/* No configuration searched gives it: what that rules out (with --json, the JSON says it). */
static void print_miss(const struct diagnosis *d, const struct search *s)
{
	char names[256] = "";
	size_t at = 0;

	for (int k = 0; k < D_COUNT; k++)
		if (has(s->active, (enum drift_id)k))
			at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s",
					       at ? ", " : "", drifts[k].name);
	fail_line("no configuration within %u change%s of the options gives the measurement: "
		  "%llu tried (drifts: %s)",
		  s->depth, s->depth == 1 ? "" : "s", (unsigned long long)s->tried, names);
	if (d->a.json)
		return;
	print_held_fixed(d);
	fprintf(stderr, "so what was booted differs from these inputs%s\n",
		s->depth < MAX_DEPTH ? ", or more drifts combine (--depth 3)" : "");
}

static void print_json_result(const struct diagnosis *d, const struct search *s, struct outcome *o)
{
	struct json_object *root = json_object_new_object(), *tried = json_object_new_object();
	char digest[2 * SNPM_LD_SIZE + 1];

	format_digest(d->want, d->want_len, d->a.base64, digest);
	json_add_str(root, "measurement", digest);
	if (!d->a.manifest) {
		format_digest(d->given, d->given_len, d->a.base64, digest);
		json_add_str(root, "given_measurement", digest);
	}
	json_object_object_add(root, "tried", json_object_new_int64((int64_t)s->tried));
	for (unsigned k = 0; k <= s->depth; k++) {
		char key[16];
		snprintf(key, sizeof(key), "%u", k);
		json_object_object_add(tried, key, json_object_new_int64((int64_t)s->tried_at[k]));
	}
	json_object_object_add(root, "tried_by_changes", tried);
	json_object_object_add(root, "refused", json_object_new_int64((int64_t)s->refused));
	json_object_object_add(root, "depth", json_object_new_int64(s->depth));
	json_object_object_add(root, "matches", o->matches);
	json_object_object_add(root, "held_fixed", held_fixed(d));
	if (d->has_report)
		json_object_object_add(root, "fields", check_table_json(&d->fields));
	o->matches = NULL;
	print_json(root);
	json_object_put(root);
}

/* ---- --manifest: a bundle's launch and space as what was given ---- */

static struct alt *set_of(struct diagnosis *d, enum drift_id k, size_t n)
{
	return d->sets[k] = calloc(n, sizeof(struct alt));
}

/* The bundle's space: each of its values is no change. */
static void given_sets(struct diagnosis *d, struct given *g)
{
	const struct snpm_bundle_launch *l = d->launch;
	struct alt *a;

	if (!l)
		return;
	if ((a = set_of(d, D_VCPUS, l->n_vcpus)))
		for (size_t i = 0; i < l->n_vcpus; i++)
			a[i].value = l->vcpus[i];
	if ((a = set_of(d, D_CPU, l->n_vcpu_sigs)))
		for (size_t i = 0; i < l->n_vcpu_sigs; i++)
			a[i].value = l->vcpu_sigs[i], a[i].text = l->vcpu_types[i];
	if ((a = set_of(d, D_FEATURES, l->n_guest_features)))
		for (size_t i = 0; i < l->n_guest_features; i++)
			a[i].value = l->guest_features[i];
	if ((a = set_of(d, D_VMM, l->n_vmms)))
		for (size_t i = 0; i < l->n_vmms; i++)
			a[i].value = drift_vmm_value(l->vmms[i], 0);
	g->n_set[D_VCPUS] = d->sets[D_VCPUS] ? l->n_vcpus : 0;
	g->n_set[D_CPU] = d->sets[D_CPU] ? l->n_vcpu_sigs : 0;
	g->n_set[D_FEATURES] = d->sets[D_FEATURES] ? l->n_guest_features : 0;
	g->n_set[D_VMM] = d->sets[D_VMM] ? l->n_vmms : 0;
	for (int k = 0; k < D_COUNT; k++)
		g->set[k] = d->sets[k];
}

/* The options --manifest stands for: a bundle is the whole configuration. */
static int refuse_with_manifest(const struct measure_args *a)
{
	static const enum m_opt launch[] = {
		M_MODE,		 M_VCPUS,	M_VCPU_TYPE,   M_VCPU_SIG,	M_VCPU_FAMILY,
		M_VMM_TYPE,	 M_VMM_VERSION, M_OVMF,	       M_OVMF_METADATA, M_KERNEL,
		M_KERNEL_HASH,	 M_INITRD,	M_INITRD_HASH, M_APPEND,	M_GUEST_FEATURES,
		M_SNP_OVMF_HASH, M_SVSM,	M_VARS_SIZE,   M_VARS_FILE,	M_IGVM,
		M_KRUNFW,	 M_QBOOT,	M_SPEC,
	};

	for (size_t i = 0; i < sizeof(launch) / sizeof(launch[0]); i++)
		if (arg_given(a, launch[i])) {
			usage_error("diagnose: --manifest gives the configuration; it cannot be "
				    "combined with --%s",
				    option_name(launch[i]));
			return EXIT_USAGE;
		}
	return 0;
}

static int push_arg(struct argv_list *l, const char *s)
{
	if (l->n + 2 > l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v, l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(s)))
		return -1;
	l->v[++l->n] = NULL;
	return 0;
}

/* The arguments again, with the bundle's files, command line and first configuration. */
static int manifest_args(struct diagnosis *d, int argc, char **argv)
{
	const struct snpm_bundle_launch *l = d->launch;
	char vcpus[16], sig[16], features[24];
	const char *cpu_opt = l->vcpu_types[0] ? "--vcpu-type" : "--vcpu-sig";
	const char *made[] = { "--mode",    "snp",	  "--ovmf",
			       l->firmware, "--kernel",	  l->kernel,
			       "--initrd",  l->initrd,	  "--append",
			       l->cmdline,  "--vcpus",	  vcpus,
			       cpu_opt,	    sig,	  "--guest-features",
			       features,    "--vmm-type", snpm_vmm_name(l->vmms[0]) };
	int r = push_arg(&d->args, argv[0]);

	snprintf(vcpus, sizeof(vcpus), "%u", l->vcpus[0]);
	if (l->vcpu_types[0])
		snprintf(sig, sizeof(sig), "%s", l->vcpu_types[0]);
	else
		snprintf(sig, sizeof(sig), "0x%x", l->vcpu_sigs[0]);
	snprintf(features, sizeof(features), "0x%llx", (unsigned long long)l->guest_features[0]);
	for (size_t i = 0; r == 0 && i < sizeof(made) / sizeof(made[0]); i++)
		r = push_arg(&d->args, made[i]);
	for (int i = 1; r == 0 && i < argc; i++)
		r = push_arg(&d->args, argv[i]);
	if (r) {
		fail_line("out of memory");
		return EXIT_FAIL;
	}
	args_free(&d->a);
	return args_parse((int)d->args.n, d->args.v, VERB_DIAGNOSE, &d->a);
}

static int read_manifest(struct diagnosis *d, int argc, char **argv)
{
	struct snpm_error err;
	int r = refuse_with_manifest(&d->a);

	if (r == 0 && snpm_bundle_launch_read(d->a.manifest, &d->launch, &err) < 0)
		r = report(d->a.manifest, &err);
	return r ? r : manifest_args(d, argc, argv);
}

static int diagnose(struct diagnosis *d)
{
	static struct search s;
	struct outcome o = { .matches = json_object_new_array() };
	struct timespec t0, t1;
	int r;

	memset(&s, 0, sizeof(s));
	s.g = (struct given){
		.a = &d->a, .cfg = &d->cfg, .in = &d->in, .rep = d->has_report ? &d->rep : NULL
	};
	point_given(&s.g, &s.g.p);
	s.want = d->want;
	s.want_len = d->want_len;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	given_sets(d, &s.g);
	r = prepare_alts(&s);
	if (r == 0)
		r = search(&s, arg_given(&d->a, M_DEPTH) ? d->a.depth : 2);
	/* Files read at offsets (IGVM, libkrun) were read again by every sweep: unchanged, or
	 * nothing is printed. */
	if (r == 0)
		r = inputs_check(&d->a, &d->in);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r == 0 && !d->a.json)
		print_summary_human(d, &s,
				    (double)(t1.tv_sec - t0.tv_sec) +
					    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (r == 0 && s.n_found)
		print_matches(d, &s, &o);
	if (r == 0 && !d->a.json)
		print_fields_human(&d->fields);
	if (r == 0 && d->a.json)
		print_json_result(d, &s, &o);
	if (r == 0 && !s.n_found) {
		print_miss(d, &s);
		r = EXIT_MISMATCH;
	}
	/* An expected field that differs is a "no" too, as report check says it: explained is not
	 * matching. */
	for (size_t i = 0; r == 0 && i < d->fields.n; i++)
		if (!d->fields.rows[i].ok) {
			fail_line("%s: field %s differs from the one expected", d->a.report,
				  d->fields.rows[i].field);
			r = EXIT_MISMATCH;
		}
	json_object_put(o.matches);
	search_free(&s);
	return r;
}

int cmd_diagnose(int argc, char **argv)
{
	static struct diagnosis d;
	int r;

	memset(&d, 0, sizeof(d));
	r = args_parse(argc, argv, VERB_DIAGNOSE, &d.a);
	if (r == 0 && arg_given(&d.a, M_DEPTH) && d.a.depth == 0) {
		usage_error("argument --depth: invalid choice: '0' (1, 2 or 3)");
		r = EXIT_USAGE;
	}
	if (r == 0 && d.a.manifest)
		r = read_manifest(&d, argc, argv);
	if (r == 0)
		r = refuse_stdin(&d.a);
	if (r == 0 && !d.a.report &&
	    (d.a.host_data || d.a.id_key_digest || d.a.author_key_digest || d.a.policy ||
	     d.a.report_data || arg_given(&d.a, M_VMPL))) {
		usage_error("diagnose: expected report fields need --report FILE");
		r = EXIT_USAGE;
	}
	if (r == 0)
		r = read_want(&d);
	if (r == 0)
		r = measure_given(&d);
	if (r == 0 && d.has_report)
		r = check_fields(&d.a, &d.rep, &d.fields);
	if (r == 0)
		r = diagnose(&d);
	inputs_free(&d.in);
	args_free(&d.a);
	snpm_bundle_launch_free(d.launch);
	argv_list_free(&d.args);
	for (int k = 0; k < D_COUNT; k++)
		free(d.sets[k]);
	return r;
}
