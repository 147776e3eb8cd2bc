/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpmeasure report appraise|kds: a key-management service's decision on a report (the policy's
 * rules, each with its verdict) and where AMD's KDS serves the collateral for it. The library
 * decides (<snpm/appraise.h>); this file reads the files and prints.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "opts.h"
#include "verbs.h"

/* ---- appraise ---- */

struct appraise_args {
	const char *policy, *vcek, *ask, *ark, *chain, *trust_root, *certs, *crl, *now;
	bool json;
};

static const struct opt_doc appraise_opts[] = {
	OPT_STR("policy", 0, struct appraise_args, policy, "FILE",
		"the appraisal policy (JSON; every key in snpmeasure-policy(5))"),
	CERT_OPTS(struct appraise_args),
	OPT_STR("certs", 0, struct appraise_args, certs, "FILE",
		"the certificate table of an extended report (configfs-tsm auxblob) in place of "
		"the certificate options"),
	OPT_STR("crl", 0, struct appraise_args, crl, "FILE",
		"the ARK's CRL (DER or PEM, as KDS serves it)"),
	OPT_BOOL("json", struct appraise_args, json, "the rules and the verdict as JSON"),
};

const struct verb_syntax syntax_report_appraise = {
	.usage = "report appraise FILE --policy POLICY.json (--vcek CERT [--ask CERT] [--ark "
		 "CERT] [--chain PEM] | --certs AUXBLOB) [--trust-root CERT] [--crl CRL] [--now "
		 "TIME] [--json]",
	.about = "Appraises the report as a key-management service would before releasing a key: "
		 "its signature and certificate chain first, then every rule of the policy. One "
		 "row per rule. Exit 0 when every rule passes or is skipped, 3 when one fails. "
		 "The policy's keys, defaults and rules: snpmeasure-policy(5).",
	OPTS_TABLE(appraise_opts),
	.min_pos = 1,
	.max_pos = 1,
};

/* A path in the policy, relative to the policy's folder. free() it. */
static char *beside(const char *policy_path, const char *path)
{
	const char *slash = strrchr(policy_path, '/');
	char *out = NULL;

	if (path[0] == '/' || !slash)
		return strdup(path);
	if (asprintf(&out, "%.*s/%s", (int)(slash - policy_path), policy_path, path) < 0)
		return NULL;
	return out;
}

struct adding {
	struct snpm_policy *policy;
	struct snpm_error err;
	bool failed;
};

static int add_measurement(void *arg, const uint8_t m[SNPM_LD_SIZE], const char *row)
{
	struct adding *a = arg;

	(void)row;
	a->failed = snpm_policy_add_measurement(a->policy, m, &a->err) < 0;
	return a->failed; /* stops the reading: the policy must not take part of the bundle */
}

static int add_manifest(const char *path, struct snpm_policy *policy)
{
	struct adding a = { .policy = policy };
	struct snpm_error err;
	char *manifest = beside(path, snpm_policy_manifest(policy));
	int r = 0;

	if (!manifest)
		return EXIT_FAIL;
	if (snpm_bundle_measurements(manifest, add_measurement, &a, &err) < 0)
		r = report(manifest, &err);
	else if (a.failed)
		r = report(manifest, &a.err);
	free(manifest);
	return r;
}

/* The policy's reference values (a CoRIM or an RVPS message), verified with its key. */
static int add_refvals(const char *path, struct snpm_policy *policy)
{
	struct snpm_refvals_file *f = NULL;
	struct snpm_error err;
	const char *file, *key;
	char *file_at, *key_at = NULL;
	int r;

	snpm_policy_refvals(policy, &file, NULL, &key);
	file_at = beside(path, file);
	if (key)
		key_at = beside(path, key);
	if (!file_at || (key && !key_at))
		r = EXIT_FAIL;
	else
		r = refvals_read_file(file_at, key_at, &f);
	if (r == 0 && snpm_policy_add_refvals(policy, f, &err) < 0)
		r = report_verdict(file_at, &err);
	snpm_refvals_file_free(f);
	free(file_at), free(key_at);
	return r;
}

static int load_policy(const char *path, struct snpm_policy **ret)
{
	struct snpm_error err;
	char *text = NULL;
	int r = 0;

	if (snpm_io_read_text(path, SNPM_IO_PIPES, 16u << 20, &text, &err) < 0)
		return report(path, &err);
	if (snpm_policy_parse(text, ret, &err) < 0)
		r = report(path, &err);
	free(text);
	if (r)
		return r;
	if (snpm_policy_manifest(*ret))
		r = add_manifest(path, *ret);
	else if (snpm_policy_refvals(*ret, NULL, NULL, NULL))
		r = add_refvals(path, *ret);
	if (r) {
		snpm_policy_free(*ret);
		*ret = NULL;
	}
	return r;
}

/* The collateral files: certificates one by one, or a certificate table; the CRL. */
struct collateral_files {
	struct cert_files certs;
	uint8_t *table, *crl;
	size_t table_len, crl_len;
};

static int load_collateral(const struct appraise_args *a, const struct snpm_report_input *in,
			   struct collateral_files *f, struct snpm_collateral *coll)
{
	struct snpm_error err;
	int r = 0;

	SNPM_INIT(coll);
	coll->certs.size = sizeof(coll->certs); /* table certificates are written into it */
	if (!a->certs && !a->vcek) {
		coll->certs = in->certs; /* what dstack's attestation brought */
	} else if (a->certs) {
		if (snpm_io_read_all(a->certs, SNPM_IO_PIPES, 1u << 20, &f->table, &f->table_len,
				     &err) < 0 ||
		    snpm_cert_table_parse(f->table, f->table_len, &coll->certs, &err) < 0)
			return report(a->certs, &err);
		if (!coll->certs.vcek) {
			fail_line("%s: the certificate table holds no VCEK or VLEK", a->certs);
			return EXIT_FAIL;
		}
	} else {
		r = load_certs(a->vcek, a->ask, a->ark, a->chain, &f->certs);
		coll->certs = f->certs.in;
	}
	if (r == 0 && a->crl &&
	    snpm_io_read_all(a->crl, SNPM_IO_PIPES, 16u << 20, &f->crl, &f->crl_len, &err) < 0)
		r = report(a->crl, &err);
	coll->crl = f->crl;
	coll->crl_len = f->crl_len;
	return r;
}

static void collateral_files_free(struct collateral_files *f)
{
	cert_files_free(&f->certs);
	free(f->table);
	free(f->crl);
}

static int check_appraise_args(const struct appraise_args *a, bool brought_certs, int64_t *now)
{
	*now = 0;
	if (!a->policy) {
		usage_error("report appraise: --policy FILE is required");
		return EXIT_USAGE;
	}
	if (a->certs && (a->vcek || a->ask || a->ark || a->chain)) {
		usage_error(
			"report appraise: --certs gives the certificates; it cannot be combined "
			"with --vcek, --vlek, --ask, --asvk, --ark or --chain");
		return EXIT_USAGE;
	}
	if (!a->certs && !a->vcek && !brought_certs) {
		usage_error("report appraise: give the signing key: --vcek (or --vlek) CERT, or "
			    "--certs AUXBLOB");
		return EXIT_USAGE;
	}
	int r = a->certs || (!a->vcek && brought_certs) ?
			0 :
			cert_args_check("report appraise", a->vcek, a->ask, a->ark, a->chain);
	return r ? r : parse_now(a->now, now);
}

static void print_appraisal_json(const char *file, const struct snpm_appraisal *ap,
				 const struct trust_root *root)
{
	struct json_object *o = json_object_new_object(), *rules = json_object_new_array();
	size_t count[3] = { 0 };

	for (size_t i = 0; i < ap->n; i++) {
		const struct snpm_rule *r = &ap->rules[i];
		struct json_object *row = json_object_new_object();
		json_add_str(row, "rule", r->name);
		json_add_str(row, "result", snpm_rule_status_name(r->status));
		json_add_str(row, "expected", r->expected);
		json_add_str(row, "found", r->found);
		if (r->why[0])
			json_add_str(row, "why", r->why);
		json_object_array_add(rules, row);
		count[r->status]++;
	}
	json_add_str(o, "report", file);
	json_object_object_add(o, "pass", json_object_new_boolean(ap->pass));
	trust_root_json(o, root);
	json_object_object_add(o, "passed", json_object_new_int64((int64_t)count[SNPM_RULE_PASS]));
	json_object_object_add(o, "failed", json_object_new_int64((int64_t)count[SNPM_RULE_FAIL]));
	json_object_object_add(o, "skipped", json_object_new_int64((int64_t)count[SNPM_RULE_SKIP]));
	json_object_object_add(o, "rules", rules);
	print_json(o);
	json_object_put(o);
}

static void print_appraisal(const char *file, const struct snpm_appraisal *ap)
{
	size_t count[3] = { 0 };
	char failed[512] = "";
	size_t at = 0;

	printf("%-30s %-8s %s\n", "rule", "result", "expected / found");
	for (size_t i = 0; i < ap->n; i++) {
		const struct snpm_rule *r = &ap->rules[i];
		count[r->status]++;
		printf("%-30s %-8s %s%s%s\n", r->name,
		       r->status == SNPM_RULE_FAIL ? "FAIL" : snpm_rule_status_name(r->status),
		       r->expected[0] ? r->expected : "-", " / ", r->found);
		if (r->why[0])
			printf("%-30s %-8s (%s)\n", "", "", r->why);
		if (r->status == SNPM_RULE_FAIL && at < sizeof(failed))
			at += (size_t)snprintf(failed + at, sizeof(failed) - at, "%s%s",
					       at ? ", " : "", r->name);
	}
	printf("%s: appraisal %s (%zu passed, %zu failed, %zu skipped)%s%s\n", file,
	       ap->pass ? "pass" : "FAIL", count[SNPM_RULE_PASS], count[SNPM_RULE_FAIL],
	       count[SNPM_RULE_SKIP], ap->pass ? "" : ": ", failed);
}

int cmd_report_appraise(int argc, char **argv)
{
	struct appraise_args a = { 0 };
	struct collateral_files files = { 0 };
	struct snpm_collateral coll = { .size = sizeof(coll) };
	struct snpm_policy *policy = NULL;
	struct snpm_appraisal *ap = NULL;
	struct snpm_report_input in = { 0 };
	struct snpm_report rep;
	struct snpm_error err;
	struct trust_root root = { 0 };
	char *pos[1];
	size_t n_pos;
	int64_t now = 0;
	int r = opts_parse(&syntax_report_appraise, argc, argv, NULL, &a, pos, &n_pos);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	r = read_report_input(pos[0], &in);
	if (r == 0)
		r = check_appraise_args(&a, in.has_certs, &now);
	if (r == 0 && snpm_report_parse(in.report, SNPM_REPORT_SIZE, &rep, &err) < 0)
		r = report(pos[0], &err);
	if (r == 0)
		r = load_policy(a.policy, &policy);
	if (r == 0)
		r = load_collateral(&a, &in, &files, &coll);
	if (r == 0)
		r = trust_root_load(a.trust_root, &root);
	coll.now = now;
	if (r == 0 && !(ap = malloc(sizeof(*ap))))
		r = EXIT_FAIL;
	if (r == 0 && snpm_appraise_with_root(NULL, in.report, policy, &coll, root.data, root.len,
					      ap, &err) < 0)
		r = report(pos[0], &err);
	if (r == 0) {
		if (a.json) {
			print_appraisal_json(pos[0], ap, &root);
		} else {
			trust_root_print(&root);
			print_appraisal(pos[0], ap);
		}
		r = ap->pass ? EXIT_OK : EXIT_MISMATCH;
	}
	trust_root_free(&root);
	snpm_report_input_free(&in);
	free(ap);
	snpm_policy_free(policy);
	collateral_files_free(&files);
	return r;
}

/* ---- kds ---- */

struct kds_args {
	enum snpm_cpu_family product; /* SNPM_FAMILY_UNKNOWN: as the report says */
	bool json;
};

static const struct opt_doc kds_opts[] = {
	OPT_CHOICE_OF("product", struct kds_args, product, snpm_cpu_family_names, "NAME",
		      "{} (any case): needed for a version 2 report, which does not say"),
	OPT_BOOL("json", struct kds_args, json, "the URLs as JSON"),
};

const struct verb_syntax syntax_report_kds = {
	.usage = "report kds FILE [--product Milan|Genoa|Turin|Venice] [--json]",
	.about = "Where AMD's Key Distribution Service serves the report's certificates: its VCEK "
		 "(or VLEK) at the reported TCB, the ASK and ARK chain, and the ARK's CRL. "
		 "snpmeasure fetches nothing; fetch them, then give them to report verify or "
		 "appraise.",
	OPTS_TABLE(kds_opts),
	.min_pos = 1,
	.max_pos = 1,
};

int cmd_report_kds(int argc, char **argv)
{
	struct kds_args a = { .product = SNPM_FAMILY_UNKNOWN };
	struct snpm_kds_urls u;
	struct snpm_report rep;
	struct snpm_error err;
	uint8_t raw[SNPM_REPORT_SIZE];
	char *pos[1];
	size_t n_pos;
	int r = opts_parse(&syntax_report_kds, argc, argv, NULL, &a, pos, &n_pos);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	r = parse_report_file(pos[0], raw, &rep);
	if (r == 0 &&
	    snpm_kds_urls(&rep,
			  a.product == SNPM_FAMILY_UNKNOWN ? NULL : snpm_cpu_family_name(a.product),
			  &u, &err) < 0)
		r = report(pos[0], &err);
	if (r)
		return r;
	const char *key = u.vlek ? "vlek" : "vcek";
	if (a.json) {
		struct json_object *o = json_object_new_object();
		json_add_str(o, "product", u.product);
		json_add_str(o, "signer", key);
		json_add_str(o, key, u.key);
		json_add_str(o, "cert_chain", u.cert_chain);
		json_add_str(o, "crl", u.crl);
		print_json(o);
		json_object_put(o);
	} else {
		printf("%-10s %s\n%-10s %s\n%-10s %s\n", key, u.key, "cert_chain", u.cert_chain,
		       "crl", u.crl);
		if (u.vlek)
			fail_line("note: AMD serves a VLEK only to the cloud provider that "
				  "registered it");
	}
	return 0;
}
