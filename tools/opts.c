/* SPDX-License-Identifier: Apache-2.0 */
/* Option tables into getopt_long and --help, and verb dispatch (tools/opts.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

#define MAX_OPTS 64

void opts_help(const struct verb_syntax *syn)
{
	printf("Usage: %s %s\n", PROG, syn->usage);
	if (syn->about)
		printf("\n%s\n", syn->about);
	printf("\nOptions:\n");
	for (size_t i = 0; i < syn->n_opts; i++) {
		const struct opt_doc *o = &syn->opts[i];
		char left[64];
		if (o->id > 0 && o->id < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->id, o->name,
				 o->has_arg ? " " : "", o->has_arg ? o->metavar : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->has_arg ? " " : "",
				 o->has_arg ? o->metavar : "");
		printf("  %-30s %s\n", left, o->help);
	}
	printf("  %-30s %s\n", "-h, --help", "show this help and exit");
}

/* Stored options without a short form get ids past every handler's own. */
#define AUTO_ID 0x10000

static int opt_id(const struct opt_doc *o, size_t i)
{
	return o->id ? o->id : AUTO_ID + (int)i;
}

/* The getopt_long tables: long options, and the short letters with their colons. */
static void build_tables(const struct verb_syntax *syn, struct option *longopts, char *shorts)
{
	size_t s = 0;

	shorts[s++] = ':'; /* a missing value is reported as such, not as an unknown option */
	shorts[s++] = 'h';
	for (size_t i = 0; i < syn->n_opts; i++) {
		const struct opt_doc *o = &syn->opts[i];
		longopts[i] = (struct option){ o->name,
					       o->has_arg ? required_argument : no_argument, NULL,
					       opt_id(o, i) };
		if (o->id > 0 && o->id < 256) {
			shorts[s++] = (char)o->id;
			if (o->has_arg)
				shorts[s++] = ':';
		}
	}
	longopts[syn->n_opts] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[syn->n_opts + 1] = (struct option){ NULL, 0, NULL, 0 };
	shorts[s] = '\0';
}

/*
 * An option stored once already: said, never one of the two silently dropped. Options that
 * share a field (--vcek and --vlek) are the same input under two names.
 */
static int given_twice(const struct verb_syntax *syn, const struct opt_doc *o)
{
	const char *other = o->name;

	for (size_t i = 0; i < syn->n_opts; i++)
		if (syn->opts[i].kind == o->kind && syn->opts[i].offset == o->offset &&
		    &syn->opts[i] != o)
			other = syn->opts[i].name;
	if (strcmp(other, o->name) == 0)
		usage_error("--%s: given twice (give it once)", o->name);
	else
		usage_error("--%s: given twice (--%s and --%s name the same input)", o->name,
			    o->name, other);
	return EXIT_USAGE;
}

/* The fields stored in this parse (a field's default is not "given"). */
struct stored {
	size_t offsets[MAX_OPTS];
	size_t n;
};

/* Stores a bound option into ctx; 0, or 2 with a usage error printed. */
static int store(const struct verb_syntax *syn, const struct opt_doc *o, void *ctx, const char *arg,
		 struct stored *done)
{
	char *at = (char *)ctx + o->offset;
	uint64_t v;

	for (size_t i = 0; o->kind == OPT_STRING && i < done->n; i++)
		if (done->offsets[i] == o->offset)
			return given_twice(syn, o);
	if (o->kind == OPT_STRING && done->n < MAX_OPTS)
		done->offsets[done->n++] = o->offset;
	switch (o->kind) {
	case OPT_STRING:
		*(const char **)(void *)at = arg;
		return 0;
	case OPT_FLAG:
		*(bool *)(void *)at = true;
		return 0;
	default:
		if (!snpm_parse_number(arg, o->max, &v)) {
			usage_error("--%s: '%s' is not a number up to %llu", o->name, arg,
				    (unsigned long long)o->max);
			return EXIT_USAGE;
		}
		if (o->kind == OPT_U32)
			*(uint32_t *)(void *)at = (uint32_t)v;
		else
			*(uint64_t *)(void *)at = v;
		return 0;
	}
}

/* The option getopt_long returned id for. */
static const struct opt_doc *find(const struct verb_syntax *syn, int id)
{
	for (size_t i = 0; i < syn->n_opts; i++)
		if (opt_id(&syn->opts[i], i) == id)
			return &syn->opts[i];
	return NULL;
}

int opts_parse(const struct verb_syntax *syn, int argc, char **argv,
	       int (*on_opt)(void *ctx, int id, const char *arg), void *ctx, char **pos,
	       size_t *n_pos)
{
	struct option longopts[MAX_OPTS + 2];
	char shorts[2 * MAX_OPTS + 3];
	struct stored done = { .n = 0 };
	int id;

	if (syn->n_opts > MAX_OPTS)
		abort(); /* a table this large is a programming error */
	build_tables(syn, longopts, shorts);
	*n_pos = 0;
	opterr = 0;
	optind = 1;
	while ((id = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		if (id == 'h') {
			opts_help(syn);
			return OPTS_HELP;
		}
		if (id == '?' || id == ':') {
			usage_error("%s: %s: %s (see '%s %s --help')", argv[0],
				    id == ':' ? "option needs a value" : "unrecognized option",
				    argv[optind - 1], PROG, argv[0]);
			return EXIT_USAGE;
		}
		const struct opt_doc *o = find(syn, id);
		if (o && o->kind != OPT_CALL) {
			if (store(syn, o, ctx, optarg, &done) != 0)
				return EXIT_USAGE;
		} else if (!on_opt || on_opt(ctx, id, optarg) != 0) {
			return EXIT_USAGE;
		}
	}
	for (; optind < argc; optind++) {
		if (*n_pos == syn->max_pos) {
			usage_error("%s: unexpected argument '%s' (usage: %s %s)", argv[0],
				    argv[optind], PROG, syn->usage);
			return EXIT_USAGE;
		}
		pos[(*n_pos)++] = argv[optind];
	}
	if (*n_pos < syn->min_pos) {
		usage_error("%s: too few arguments (usage: %s %s)", argv[0], PROG, syn->usage);
		return EXIT_USAGE;
	}
	return 0;
}

/* Edit distance of short words, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[32][32];

	if (la >= 32 || lb >= 32)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

int verbs_dispatch(const char *what, const struct verb_entry *verbs, size_t n, int argc,
		   char **argv)
{
	/* The program's own level needs no second name in front. */
	const char *level = strcmp(what, PROG) == 0 ? "" : what, *sep = *level ? ": " : "";
	const char *best = NULL;
	size_t best_d = 3;

	if (argc < 2) {
		usage_error("%s%stoo few arguments: expected a verb (see '%s%s%s --help')", level,
			    sep, PROG, *level ? " " : "", level);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].run(argc - 1, argv + 1);
		size_t d = distance(argv[1], verbs[i].name);
		if (d < best_d)
			best_d = d, best = verbs[i].name;
	}
	if (best)
		usage_error("%s%sunknown verb '%s', did you mean '%s'?", level, sep, argv[1], best);
	else
		usage_error("%s%sunknown verb '%s' (see '%s%s%s --help')", level, sep, argv[1],
			    PROG, *level ? " " : "", level);
	return EXIT_USAGE;
}
