/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manual pages and shell completions say what the tools do: every option of every verb's
 * table is in the verb's manual page and in both completion scripts, with every value of its
 * name table, and every CPU model and named guest feature the library knows is offered.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../attest/policy.h"
#include "../tools/verbs.h"

static char *source(const char *rel)
{
	char *path = tu_source_path(rel);
	size_t len;
	char *text = (char *)tu_read_file(path, &len);

	if (!text)
		fail_msg("%s: cannot read", rel);
	text = realloc(text, len + 1);
	text[len] = '\0';
	free(path);
	return text;
}

/* needle as a whole word in text: not a prefix of a longer option. */
static bool has_word(const char *text, const char *needle)
{
	size_t n = strlen(needle);

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++) {
		char after = p[n];
		if (!isalnum((unsigned char)after) && after != '-')
			return true;
	}
	return false;
}

struct docs {
	char *man[2], *bash, *zsh; /* man[0] snpmeasure(1), man[1] snpimage(1) */
};

/* One row of a verb's table: its name in the verb's page and both completions, and each of its
 * values (a choice's names) in the page and both completions. */
static size_t check_row(const struct docs *d, const struct cli_verb_doc *v, const struct opt_doc *o)
{
	const char *man = d->man[strcmp(v->tool, "snpimage") == 0];
	char opt[64], bold[80];
	size_t checked = 1;

	snprintf(opt, sizeof(opt), "--%s", o->name);
	snprintf(bold, sizeof(bold), "*%s*", opt);
	if (!strstr(man, bold))
		fail_msg("%s %s: %s is not in its manual page", v->tool, v->words, opt);
	if (!has_word(d->bash, opt) || !has_word(d->zsh, opt))
		fail_msg("%s %s: %s is not in the %s completion", v->tool, v->words, opt,
			 has_word(d->bash, opt) ? "zsh" : "bash");
	for (const struct snpm_name *n = o->names ? o->names() : NULL; n && n->name;
	     n++, checked++) {
		char zsh[64]; /* zsh escapes a colon in a value */
		size_t k = 0;
		if (n->flags & SNPM_NAME_ALIAS)
			continue;
		for (const char *c = n->name; *c && k < sizeof(zsh) - 2; c++) {
			if (*c == ':')
				zsh[k++] = '\\';
			zsh[k++] = *c;
		}
		zsh[k] = '\0';
		if (!has_word(man, n->name))
			fail_msg("%s %s: %s's value %s is not in its manual page", v->tool,
				 v->words, opt, n->name);
		if (!has_word(d->bash, n->name) || !has_word(d->zsh, zsh))
			fail_msg("%s %s: %s's value %s is not offered by the %s completion",
				 v->tool, v->words, opt, n->name,
				 has_word(d->bash, n->name) ? "zsh" : "bash");
	}
	return checked;
}

/*
 * The manual pages and the completions say what the tables say: every option of every verb
 * (tools/verbs.c lists each verb with the syntax it parses with), and every value of each
 * option whose values are names. And every verb --help lists is in that list.
 */
static void test_options_documented(void **state)
{
	struct docs d = { { source("docs/snpmeasure.1.scd"), source("docs/snpimage.1.scd") },
			  source("completions/snpmeasure.bash"),
			  source("completions/_snpmeasure") };
	size_t checked = 0;

	(void)state;
	for (size_t v = 0; v < cli_n_verb_docs; v++) {
		const struct verb_syntax *syn = cli_verb_docs[v].syntax;
		for (size_t i = 0; i < syn->n_opts; i++) {
			const struct opt_doc *o = &syn->opts[i];
			if (o->kind != OPT_HELP && o->kind != OPT_REFUSED &&
			    opts_row_in_verb(syn, o))
				checked += check_row(&d, &cli_verb_docs[v], o);
		}
	}
	assert_true(checked > 200);
	/* The verbs the tools list are the ones described here. */
	const char *const cli_help[] = { SNPM_CLI, "--help", NULL };
	const char *const img_help[] = { SNPM_IMAGE_CLI, "--help", NULL };
	struct tu_run r;
	tu_run((char *const *)cli_help, &r);
	for (size_t v = 0; v < cli_n_verb_docs; v++) {
		char first[32];
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(cli_verb_docs[v].words, " "),
			 cli_verb_docs[v].words);
		if (*first && strcmp(cli_verb_docs[v].tool, "snpmeasure") == 0)
			assert_true(has_word(r.out, first));
	}
	tu_run_free(&r);
	tu_run((char *const *)img_help, &r);
	for (size_t v = 0; v < cli_n_verb_docs; v++)
		if (strcmp(cli_verb_docs[v].tool, "snpimage") == 0)
			assert_true(has_word(r.out, cli_verb_docs[v].words));
	tu_run_free(&r);
	free(d.man[0]), free(d.man[1]), free(d.bash), free(d.zsh);
}

static void test_values_complete(void **state)
{
	char *bash = source("completions/snpmeasure.bash"),
	     *zsh = source("completions/_snpmeasure");

	(void)state;
	for (size_t i = 0; snpm_cpu_type_name(i); i++)
		if (!has_word(bash, snpm_cpu_type_name(i)) || !has_word(zsh, snpm_cpu_type_name(i)))
			fail_msg("CPU model %s is not offered", snpm_cpu_type_name(i));
	for (unsigned b = 0; b < 64; b++)
		if (snpm_guest_feature_name(b) && (!has_word(bash, snpm_guest_feature_name(b)) ||
						   !has_word(zsh, snpm_guest_feature_name(b))))
			fail_msg("guest feature %s is not offered", snpm_guest_feature_name(b));
	for (int m = SNPM_MODE_SEV; m <= SNPM_MODE_SNP; m++)
		assert_true(has_word(bash, snpm_mode_name((enum snpm_mode)m)));
	free(bash), free(zsh);
}

/*
 * scdoc reads _x_ as underline only between word boundaries: "*vmsa*_N_*.bin*" renders as
 * "vmsa_N_.bin". No page may start an underline right where bold ends.
 */
static void test_markup_renders(void **state)
{
	static const char *const pages[] = { "docs/snpmeasure.1.scd", "docs/snpimage.1.scd",
					     "docs/snpmeasure-policy.5.scd",
					     "docs/libsnpmeasure.3.scd" };

	(void)state;
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		char *page = source(pages[i]);
		for (const char *p = page; (p = strstr(p, "*_")) != NULL; p++)
			if (isalnum((unsigned char)p[2]))
				fail_msg("%s: an underline glued to bold (\"%.12s\") renders "
					 "literally",
					 pages[i], p);
		free(page);
	}
}

/* The paragraph of KEYS that documents key, from its bold name to the next blank line. */
static char *key_paragraph(const char *page, const char *key)
{
	const char *keys = strstr(page, "# KEYS"), *end = keys ? strstr(keys, "# RULES") : NULL;
	char *needle = NULL, *out = NULL;
	const char *at;

	assert_true(asprintf(&needle, "*%s*", key) > 0);
	at = keys ? strstr(keys, needle) : NULL;
	free(needle);
	if (!at || (end && at > end))
		return NULL;
	const char *stop = strstr(at, "\n\n");
	out = strndup(at, stop ? (size_t)(stop - at) : strlen(at));
	/* One line of words: the page wraps its text anywhere. */
	char *w = out;
	for (const char *r = out; *r; r++)
		if (!isspace((unsigned char)*r) || (w > out && w[-1] != ' '))
			*w++ = isspace((unsigned char)*r) ? ' ' : *r;
	*w = '\0';
	return out;
}

/*
 * snpmeasure-policy(5) says what the rule table says (attest/appraise.c, snpm_rules): every
 * rule in its RULES in the table's order, every key in KEYS with the value it takes when left
 * out ("Left out: ..."). A rule or key added to the table without its words fails here. The
 * README points to the page and names no key list of its own.
 */
static void test_policy_page(void **state)
{
	char *page = source("docs/snpmeasure-policy.5.scd");
	char *readme = source("README.md");
	const char *rules = strstr(page, "# RULES");
	size_t keys = 0;

	(void)state;
	assert_non_null(rules);
	for (size_t i = 0; i < snpm_n_rules; i++) {
		char *bold = NULL;
		assert_true(asprintf(&bold, "*%s*", snpm_rules[i].name) > 0);
		const char *at = strstr(rules, bold);
		if (!at)
			fail_msg("rule %s is not in snpmeasure-policy(5)'s RULES, or not in the "
				 "table's order",
				 snpm_rules[i].name);
		rules = at + strlen(bold);
		free(bold);
		for (size_t k = 0; k < SNPM_MAX_RULE_KEYS && snpm_rules[i].keys[k].key; k++) {
			const struct snpm_policy_key *key = &snpm_rules[i].keys[k];
			char *para = key_paragraph(page, key->key), *left = NULL;
			if (!para)
				fail_msg("policy key %s is not in snpmeasure-policy(5)", key->key);
			assert_true(asprintf(&left, "Left out: %s", key->left_out) > 0);
			if (!strstr(para, left))
				fail_msg("policy key %s: its paragraph does not say \"%s\"",
					 key->key, left);
			free(para), free(left);
			keys++;
		}
	}
	assert_true(keys >= 30);
	assert_non_null(strstr(readme, "snpmeasure-policy(5)"));
	free(page), free(readme);
}

/* report show's fields, as the library's table lists them, in the manual page in that order
 * with the version that brings each. */
static void test_report_fields_page(void **state)
{
	char *page = source("docs/snpmeasure.1.scd");
	const char *at = strstr(page, "*report show*");
	size_t n;
	const struct snpm_report_field *f = snpm_report_fields(&n);

	(void)state;
	assert_non_null(at);
	for (size_t i = 0; i < n; i++) {
		const char *p = strstr(at, f[i].name);
		if (!p)
			fail_msg("report field %s is not in snpmeasure(1)'s report show, or not in "
				 "the table's order",
				 f[i].name);
		at = p + strlen(f[i].name);
	}
	free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_page),	cmocka_unit_test(test_report_fields_page),
		cmocka_unit_test(test_markup_renders),	cmocka_unit_test(test_options_documented),
		cmocka_unit_test(test_values_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
