/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "space.h"

/* Calls fn on each comma-separated item of text (a private copy fn may modify); stops at the
 * first non-zero return. */
static int each_item(const char *text, int (*fn)(char *item, void *arg), void *arg)
{
	char *copy = strdup(text), *save = NULL;
	int r = 0;

	if (!copy) {
		fprintf(stderr, "%s: out of memory\n", cli_prog);
		return EXIT_FAIL;
	}
	for (char *tok = strtok_r(copy, ",", &save); tok && r == 0;
	     tok = strtok_r(NULL, ",", &save))
		r = fn(tok, arg);
	free(copy);
	return r;
}

struct vcpu_ranges {
	const char *text;
	bool *want;
};

static int add_vcpu_range(char *tok, void *arg)
{
	struct vcpu_ranges *v = arg;
	char *dash = strchr(tok, '-');
	uint64_t lo, hi;

	if (dash)
		*dash = '\0';
	if (!parse_u64(tok, false, SNPM_MAX_VCPUS, &lo) ||
	    !parse_u64(dash ? dash + 1 : tok, false, SNPM_MAX_VCPUS, &hi) || lo < 1 || hi < lo) {
		usage_error("argument --vcpus: '%s' is not a list of counts or ranges within 1-%u",
			    v->text, SNPM_MAX_VCPUS);
		return EXIT_USAGE;
	}
	for (uint64_t n = lo; n <= hi; n++)
		v->want[n] = true;
	return 0;
}

/* "1-64,128" into ascending unique counts. */
static int parse_vcpu_ranges(const char *text, struct space *sp)
{
	static bool want[SNPM_MAX_VCPUS + 1];
	struct vcpu_ranges v = { text, want };
	int r;

	memset(want, 0, sizeof(want));
	r = each_item(text, add_vcpu_range, &v);
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
	/* A bare signature (--vcpu-sig, --vcpu-family) already covered by a listed model adds no
	 * row; models sharing a signature keep a row each, so a match names every one of them. */
	for (size_t i = 0; i < sp->n_sigs; i++) {
		if (sp->sigs[i] != sig)
			continue;
		if (!name || (sp->sig_names[i] && strcmp(sp->sig_names[i], name) == 0))
			return 0;
	}
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
		cpu_type_invalid(p, (int)len);
		return EXIT_USAGE;
next:
		p += len;
		if (*p)
			p++;
	}
	return r;
}

static int add_sig_text(char *tok, void *arg)
{
	uint64_t v;

	if (!parse_u64(tok, true, UINT32_MAX, &v)) {
		usage_error("argument --vcpu-sig: invalid value '%s'", tok);
		return EXIT_USAGE;
	}
	return add_sig(arg, (uint32_t)v, NULL);
}

static int parse_sigs(const char *text, struct space *sp)
{
	return each_item(text, add_sig_text, sp);
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

static int add_feature_item(char *item, void *arg)
{
	return add_features(arg, item);
}

/* Numbers separated by commas are one set each; names joined by ',' or '+' make one set. */
static int parse_feature_sets(const char *const *texts, size_t n, struct space *sp)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *t = texts[i];
		if (!all_numeric(t)) {
			r = add_features(sp, t);
			continue;
		}
		r = each_item(t, add_feature_item, sp);
	}
	return r;
}

static int add_vmm(char *tok, void *arg)
{
	struct space *sp = arg;
	enum snpm_vmm v;

	if (snpm_vmm_parse(tok, &v) < 0) {
		usage_error("unknown VMM type '%s'", tok);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sp->n_vmms; i++) {
		if (sp->vmms[i] == v) {
			usage_error("VMM type '%s' given twice", tok);
			return EXIT_USAGE;
		}
	}
	if (sp->n_vmms == sizeof(sp->vmms) / sizeof(sp->vmms[0])) {
		usage_error("more than %zu VMM types", sp->n_vmms);
		return EXIT_USAGE;
	}
	sp->vmms[sp->n_vmms++] = v;
	return 0;
}

static int parse_vmms(const char *text, struct space *sp)
{
	return each_item(text, add_vmm, sp);
}

int space_parse(const struct space_text *t, struct space *sp)
{
	int r;

	memset(sp, 0, sizeof(*sp));
	r = parse_vcpu_ranges(t->vcpus, sp);
	/* Every CPU option given counts: the space is their union. */
	if (r == 0 && t->types)
		r = parse_types(t->types, sp);
	if (r == 0 && t->sigs)
		r = parse_sigs(t->sigs, sp);
	if (r == 0 && t->has_family)
		r = add_sig(sp, snpm_cpu_sig(t->family, t->model, t->stepping), NULL);
	if (r == 0)
		r = parse_feature_sets(t->features, t->n_features, sp);
	if (r == 0)
		r = parse_vmms(t->vmms, sp);
	return r;
}

size_t space_rows(const struct space *sp)
{
	return sp->n_vcpus * sp->n_sigs * sp->n_features * sp->n_vmms;
}

struct snpm_sweep_space space_for_sweep(const struct space *sp)
{
	return (struct snpm_sweep_space){
		.size = sizeof(struct snpm_sweep_space),
		.vcpus = sp->vcpus,
		.n_vcpus = sp->n_vcpus,
		.vcpu_sigs = sp->sigs,
		.n_vcpu_sigs = sp->n_sigs,
		.guest_features = sp->features,
		.n_guest_features = sp->n_features,
		.vmms = sp->vmms,
		.n_vmms = sp->n_vmms,
	};
}
