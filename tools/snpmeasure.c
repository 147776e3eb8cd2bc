/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpmeasure: predicts SEV, SEV-ES and SEV-SNP launch measurements.
 *
 * Without a verb it is a drop-in for the reference sev-snp-measure 0.0.13: same options, same
 * refusals, same stdout. Exit codes (tools/cli.h): 0 success, 1 failure, 2 usage error,
 * 3 does not match or verify.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct verb_entry verbs[] = {
	{ "measure", cmd_measure, NULL },	{ "explain", cmd_explain, NULL },
	{ "sweep", cmd_sweep, NULL },		{ "match", cmd_match, NULL },
	{ "diagnose", cmd_diagnose, NULL },	{ "ovmf", cmd_ovmf, NULL },
	{ "report", cmd_report, NULL },		{ "id-block", cmd_id_block, NULL },
	{ "key-digest", cmd_key_digest, NULL }, { "igvm", cmd_igvm, NULL },
	{ "dstack", cmd_dstack, NULL },		{ "refvals", cmd_refvals, NULL },
};

/* Options that take no value may stand before a verb (`snpmeasure -q sweep ...`). */
static bool is_flag(const char *arg)
{
	static const char *const flags[] = { "-q", "--quiet", "--json" };

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strcmp(arg, flags[i]) == 0)
			return true;
	return false;
}

static const struct verb_entry *find_verb(const char *name)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(name, verbs[i].name) == 0)
			return &verbs[i];
	return NULL;
}

static int run_verb(int argc, char **argv)
{
	int at = 1;

	while (at < argc && is_flag(argv[at]))
		at++;
	const struct verb_entry *v = at < argc ? find_verb(argv[at]) : NULL;
	if (!v) /* anything else is the reference's command line */
		return cmd_measure(argc, argv);
	/* The verb moves to the front; the flags before it follow it as its options. */
	char *verb = argv[at];
	memmove(argv + 2, argv + 1, (size_t)(at - 1) * sizeof(*argv));
	argv[1] = verb;
	return v->run(argc - 1, argv + 1);
}

/* "measure (the default), explain, ...": --help lists the table, so it cannot omit a verb. */
static void set_verb_list(void)
{
	static char list[256];
	size_t at = 0;

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]) && at < sizeof(list); i++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s%s", i ? ", " : "",
				       verbs[i].name,
				       verbs[i].run == cmd_measure ? " (the default)" : "");
	cli_verbs = list;
}

int main(int argc, char **argv)
{
	int r;

	set_verb_list();
	cli_install_signal_handlers();
	cli_progress_setup(argc, argv);
	r = run_verb(argc, argv);

	if (fflush(stdout) != 0 || ferror(stdout)) {
		fail_line("cannot write to stdout: %s", strerror(errno));
		return EXIT_FAIL;
	}
	return r;
}
