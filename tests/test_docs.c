/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manual pages and shell completions say what the tools do: every option each verb's --help
 * lists is in the verb's manual page and in both completion scripts, and every CPU model and
 * named guest feature the library knows is offered for completion.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "../attest/policy.h"

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

struct verb_help {
	const char *tool; /* SNPM_CLI or SNPM_IMAGE_CLI */
	const char *args[3];
};

static const struct verb_help helps[] = {
	{ SNPM_CLI, { NULL } },
	{ SNPM_CLI, { "sweep" } },
	{ SNPM_CLI, { "match" } },
	{ SNPM_CLI, { "ovmf" } },
	{ SNPM_CLI, { "igvm" } },
	{ SNPM_CLI, { "report", "show" } },
	{ SNPM_CLI, { "report", "verify" } },
	{ SNPM_CLI, { "report", "check" } },
	{ SNPM_CLI, { "report", "appraise" } },
	{ SNPM_CLI, { "report", "kds" } },
	{ SNPM_CLI, { "report", "get" } },
	{ SNPM_CLI, { "id-block" } },
	{ SNPM_CLI, { "key-digest" } },
	{ SNPM_CLI, { "dstack", "host-data" } },
	{ SNPM_CLI, { "dstack", "image" } },
	{ SNPM_IMAGE_CLI, { "verity", "format" } },
	{ SNPM_IMAGE_CLI, { "verity", "verify" } },
	{ SNPM_IMAGE_CLI, { "verity", "dump" } },
	{ SNPM_IMAGE_CLI, { "kernel-info" } },
	{ SNPM_IMAGE_CLI, { "initramfs" } },
	{ SNPM_IMAGE_CLI, { "rootfs" } },
	{ SNPM_IMAGE_CLI, { "bundle" } },
	{ SNPM_IMAGE_CLI, { "verify" } },
};

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

static void test_options_documented(void **state)
{
	char *man1 = source("docs/snpmeasure.1.scd"), *man2 = source("docs/snpimage.1.scd");
	char *bash = source("completions/snpmeasure.bash"),
	     *zsh = source("completions/_snpmeasure");
	size_t checked = 0;

	(void)state;
	for (size_t v = 0; v < sizeof(helps) / sizeof(helps[0]); v++) {
		const char *argv[6] = { helps[v].tool };
		size_t n = 1;
		for (size_t i = 0; i < 3 && helps[v].args[i]; i++)
			argv[n++] = helps[v].args[i];
		argv[n++] = "--help";
		struct tu_run r;
		tu_run((char *const *)argv, &r);
		assert_int_equal(r.status, 0);
		const char *man = strcmp(helps[v].tool, SNPM_CLI) == 0 ? man1 : man2;
		for (char *p = r.out; (p = strstr(p, "--")) != NULL;) {
			char opt[64];
			size_t k = 0;
			while (k < sizeof(opt) - 1 && (isalnum((unsigned char)p[k]) || p[k] == '-'))
				opt[k] = p[k], k++;
			opt[k] = '\0';
			p += k ? k : 2;
			if (k < 3)
				continue;
			char bold[80];
			snprintf(bold, sizeof(bold), "*%s*", opt);
			if (!strstr(man, bold))
				fail_msg("%s %s: %s is not in its manual page", argv[0],
					 argv[1] ? argv[1] : "", opt);
			if (!has_word(bash, opt) || !has_word(zsh, opt))
				fail_msg("%s %s: %s is not in the %s completion", argv[0],
					 argv[1] ? argv[1] : "", opt,
					 has_word(bash, opt) ? "zsh" : "bash");
			checked++;
		}
		tu_run_free(&r);
	}
	assert_true(checked > 150);
	free(man1), free(man2), free(bash), free(zsh);
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

/* A word set in bold in scdoc: *key*, or one of a list "*a*, *b*". */
static bool has_bold(const char *text, const char *word)
{
	char *needle = NULL;
	bool found;

	assert_true(asprintf(&needle, "*%s*", word) > 0);
	found = strstr(text, needle) != NULL;
	free(needle);
	return found;
}

/*
 * snpmeasure-policy(5) documents every key the parser takes (snpm_policy_keys) and every rule
 * an appraisal judges (snpm_rule_names): a key or rule added to the tables without a word in
 * the page fails here. The README points to the page and names no key list of its own.
 */
static void test_policy_page(void **state)
{
	char *page = source("docs/snpmeasure-policy.5.scd");
	char *readme = source("README.md");

	(void)state;
	for (size_t i = 0; i < snpm_n_policy_keys; i++)
		if (!has_bold(page, snpm_policy_keys[i].key))
			fail_msg("policy key %s is not in snpmeasure-policy(5)",
				 snpm_policy_keys[i].key);
	for (size_t i = 0; i < snpm_n_rules; i++)
		if (!has_bold(page, snpm_rule_names[i]))
			fail_msg("rule %s is not in snpmeasure-policy(5)", snpm_rule_names[i]);
	assert_non_null(strstr(readme, "snpmeasure-policy(5)"));
	free(page), free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_page),
		cmocka_unit_test(test_markup_renders),
		cmocka_unit_test(test_options_documented),
		cmocka_unit_test(test_values_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
