/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpmeasure: predicts SEV, SEV-ES and SEV-SNP launch measurements.
 *
 * Without a verb it is a drop-in for the reference sev-snp-measure 0.0.13: same options, same
 * refusals, same stdout. Exit codes: 0 success, 1 failure or mismatch, 2 usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct verb_entry {
	const char *name;
	int (*run)(int argc, char **argv);
} verbs[] = {
	{ "measure", cmd_measure },   { "explain", cmd_explain },
	{ "sweep", cmd_sweep },	      { "match", cmd_match },
	{ "ovmf", cmd_ovmf },	      { "report", cmd_report },
	{ "id-block", cmd_id_block }, { "key-digest", cmd_key_digest },
};

static int run_verb(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].run(argc - 1, argv + 1);
	/* Anything else is the reference's command line. */
	return cmd_measure(argc, argv);
}

int main(int argc, char **argv)
{
	int r;

	cli_install_signal_handlers();
	r = run_verb(argc, argv);

	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write to stdout: %s\n", PROG, strerror(errno));
		return EXIT_FAIL;
	}
	return r;
}
