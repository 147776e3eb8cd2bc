/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verbs and their options for both tools: one table of options per verb feeds getopt_long and
 * that verb's --help; one table of verbs per binary (or verb with sub-verbs) is dispatched in one
 * place, with the same errors everywhere. (The measurement verbs keep the larger table of
 * measure_args.c, built the same way.)
 */
#ifndef SNPM_TOOLS_OPTS_H
#define SNPM_TOOLS_OPTS_H

#include <stdbool.h>
#include <stddef.h>

/* One option. id is what the handler sees; an id below 256 is also its short form (-o). */
struct opt_doc {
	const char *name;
	bool has_arg;
	int id;
	const char *metavar; /* the value's name in --help, for options that take one */
	const char *help;
};

/* What a verb takes: its options, its positional arguments, the text of its --help. */
struct verb_syntax {
	const char *usage; /* after the program name: "rootfs DIR -o OUT [options]" */
	const char *about; /* one or two sentences for --help */
	const struct opt_doc *opts;
	size_t n_opts;
	size_t min_pos, max_pos; /* positional arguments */
};

/* The result of opts_parse() when --help was asked for (and printed): the verb exits 0. */
#define OPTS_HELP (-1)

/*
 * Parses argv (argv[0] the verb) with the syntax, calling on_opt for each option; on_opt prints
 * its own usage error and returns non-zero to stop. Positional arguments go to pos (room for
 * max_pos), their count to *n_pos. Returns 0, OPTS_HELP, or 2 (a usage error, printed).
 */
int opts_parse(const struct verb_syntax *syn, int argc, char **argv,
	       int (*on_opt)(void *ctx, int id, const char *arg), void *ctx, char **pos,
	       size_t *n_pos);

/* An on_opt for verbs whose only option is --json: ctx is a bool. */
int opts_json_flag(void *ctx, int id, const char *arg);

/* The verb's --help on stdout: usage, about, and every option of the table. */
void opts_help(const struct verb_syntax *syn);

/* One verb of a dispatch table. */
struct verb_entry {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary; /* its usage line in the parent's --help */
};

/*
 * Runs the verb argv[1] names with argv + 1, or prints one usage error: "too few arguments"
 * when there is none, "unknown verb 'x'" (with "did you mean 'y'?" when one is close) otherwise.
 * what names the level in messages ("snpimage", "report"). Returns the verb's exit code or 2.
 */
int verbs_dispatch(const char *what, const struct verb_entry *verbs, size_t n, int argc,
		   char **argv);

#endif /* SNPM_TOOLS_OPTS_H */
