/* SPDX-License-Identifier: Apache-2.0 */
/* Option tables into getopt_long and --help, and verb dispatch (tools/opts.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

#define MAX_OPTS OPT_SET_MAX /* one bit each in the given set */

void opts_names_join(const struct snpm_name *names, const char *quote, const char *sep, char *out,
		     size_t size)
{
	size_t at = 0;

	out[0] = '\0';
	for (const struct snpm_name *n = names; n && n->name && at < size; n++)
		if (!(n->flags & SNPM_NAME_ALIAS))
			at += (size_t)snprintf(out + at, size - at, "%s%s%s%s", at ? sep : "",
					       quote, n->name, quote);
}

void opts_bad_choice(const char *option, const char *value, int len, const struct snpm_name *names)
{
	char list[1024];

	opts_names_join(names, "'", ", ", list, sizeof(list));
	usage_error("argument --%s: invalid choice: '%.*s' (choose from %s)", option,
		    len < 0 ? (int)strlen(value) : len, value, list);
}

bool opts_row_in_verb(const struct verb_syntax *syn, const struct opt_doc *o)
{
	return !syn->verb || !o->verbs || (o->verbs & syn->verb);
}

/* The help text, with {} replaced by the names of the option's table. */
static void help_text(const struct opt_doc *o, char *out, size_t size)
{
	const char *at = o->names ? strstr(o->help, "{}") : NULL;
	char list[1024];

	if (!at) {
		snprintf(out, size, "%s", o->help);
		return;
	}
	opts_names_join(o->names(), "", ", ", list, sizeof(list));
	snprintf(out, size, "%.*s%s%s", (int)(at - o->help), o->help, list, at + 2);
}

static void help_row(const struct opt_doc *o)
{
	char left[128], text[2048];

	if (o->id > 0 && o->id < 256)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->id, o->name, o->has_arg ? " " : "",
			 o->has_arg ? o->metavar : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->has_arg ? " " : "",
			 o->has_arg ? o->metavar : "");
	help_text(o, text, sizeof(text));
	printf("  %-30s %s\n", left, text);
}

void opts_help(const struct verb_syntax *syn)
{
	bool help_listed = false;

	printf("Usage: %s %s\n", PROG, syn->usage);
	if (syn->print_about)
		syn->print_about();
	else if (syn->about)
		printf("\n%s\n", syn->about);
	printf("\nOptions:\n");
	for (size_t i = 0; i < syn->n_opts; i++) {
		const struct opt_doc *o = &syn->opts[i];
		if (o->kind == OPT_REFUSED || !opts_row_in_verb(syn, o))
			continue;
		help_listed |= o->kind == OPT_HELP;
		help_row(o);
	}
	if (!help_listed)
		printf("  %-30s %s\n", "-h, --help", "show this help and exit");
	if (syn->footer)
		printf("\n%s\n", syn->footer);
}

/* Stored options without a short form get ids past every handler's own (OPTS_AUTO_ID). */
#define AUTO_ID OPTS_AUTO_ID

static int opt_id(const struct opt_doc *o, size_t i)
{
	return o->id ? o->id : AUTO_ID + (int)i;
}

/* The getopt_long tables: long options, and the short letters with their colons. Rows of
 * other verbs are left out, so getopt refuses them as unknown. */
static void build_tables(const struct verb_syntax *syn, struct option *longopts, char *shorts)
{
	size_t s = 0, n = 0;
	bool help_row = false;

	shorts[s++] = ':'; /* a missing value is reported as such, not as an unknown option */
	shorts[s++] = 'h';
	for (size_t i = 0; i < syn->n_opts; i++) {
		const struct opt_doc *o = &syn->opts[i];
		if (!opts_row_in_verb(syn, o))
			continue;
		help_row |= o->kind == OPT_HELP;
		longopts[n++] = (struct option){ o->name,
						 o->has_arg ? required_argument : no_argument, NULL,
						 o->kind == OPT_HELP ? 'h' : opt_id(o, i) };
		if (o->id > 0 && o->id < 256 && o->kind != OPT_HELP) {
			shorts[s++] = (char)o->id;
			if (o->has_arg)
				shorts[s++] = ':';
		}
	}
	if (!help_row)
		longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
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
		    &syn->opts[i] != o && opts_row_in_verb(syn, &syn->opts[i]))
			other = syn->opts[i].name;
	if (strcmp(other, o->name) == 0)
		usage_error("%s%s: given twice (give it once)",
			    syn->reference ? "argument --" : "--", o->name);
	else
		usage_error("%s%s: given twice (--%s and --%s name the same input)",
			    syn->reference ? "argument --" : "--", o->name, o->name, other);
	return EXIT_USAGE;
}

/* A number's usage error, in the verb's wording. */
static int bad_number(const struct verb_syntax *syn, const struct opt_doc *o, const char *arg)
{
	if (syn->reference)
		usage_error("argument --%s: invalid value '%s'", o->name, arg);
	else
		usage_error("--%s: '%s' is not a number up to %llu", o->name, arg,
			    (unsigned long long)o->max);
	return EXIT_USAGE;
}

static int store_value(const struct verb_syntax *syn, const struct opt_doc *o, char *at,
		       const char *arg)
{
	uint64_t v;

	switch (o->kind) {
	case OPT_STRING:
		*(const char **)(void *)at = arg;
		return 0;
	case OPT_FLAG:
		*(bool *)(void *)at = true;
		return 0;
	case OPT_CHOICE:
		if (snpm_name_parse(o->names(), arg, &v) < 0) {
			opts_bad_choice(o->name, arg, -1, o->names());
			return EXIT_USAGE;
		}
		*(int *)(void *)at = (int)v;
		return 0;
	default:
		if (!parse_u64(arg, !o->decimal, o->max, &v))
			return bad_number(syn, o, arg);
		if (o->kind == OPT_U32)
			*(uint32_t *)(void *)at = (uint32_t)v;
		else
			*(uint64_t *)(void *)at = v;
		return 0;
	}
}

/* Stores a bound option into ctx; 0, or 2 with a usage error printed. A text option stored
 * already (here or through another name of its field) is refused unless its row says the last
 * one wins. */
static int store(const struct verb_syntax *syn, const struct opt_doc *o, void *ctx, const char *arg,
		 const struct opt_set *stored)
{
	for (size_t i = 0; o->kind == OPT_STRING && !o->last_wins && i < syn->n_opts; i++)
		if (opt_set_has(stored, i) && syn->opts[i].kind == OPT_STRING &&
		    syn->opts[i].offset == o->offset)
			return given_twice(syn, o);
	return store_value(syn, o, (char *)ctx + o->offset, arg);
}

/* The option getopt_long returned id for. */
static const struct opt_doc *find(const struct verb_syntax *syn, int id, size_t *index)
{
	for (size_t i = 0; i < syn->n_opts; i++)
		if (opt_id(&syn->opts[i], i) == id && opts_row_in_verb(syn, &syn->opts[i])) {
			*index = i;
			return &syn->opts[i];
		}
	return NULL;
}

/* getopt's own refusals: an unknown option, a missing value. */
static int getopt_error(const struct verb_syntax *syn, int id, char **argv)
{
	if (syn->reference)
		usage_error("%s: %s",
			    id == ':' ? "option needs an argument" : "unrecognized argument",
			    argv[optind - 1]);
	else
		usage_error("%s: %s: %s (see '%s %s --help')", argv[0],
			    id == ':' ? "option needs a value" : "unrecognized option",
			    argv[optind - 1], PROG, argv[0]);
	return EXIT_USAGE;
}

static int take_positional(const struct verb_syntax *syn, int argc, char **argv, char **pos,
			   size_t *n_pos)
{
	for (; optind < argc; optind++) {
		if (*n_pos == syn->max_pos) {
			if (syn->reference)
				usage_error("unrecognized argument: %s", argv[optind]);
			else
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

int opts_parse_given(const struct verb_syntax *syn, int argc, char **argv,
		     int (*on_opt)(void *ctx, int id, const char *arg), void *ctx, char **pos,
		     size_t *n_pos, struct opt_set *given)
{
	struct option longopts[MAX_OPTS + 2];
	char shorts[2 * MAX_OPTS + 3];
	struct opt_set seen = { { 0 } };
	size_t index;
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
		if (id == '?' || id == ':')
			return getopt_error(syn, id, argv);
		const struct opt_doc *o = find(syn, id, &index);
		if (o && o->kind == OPT_REFUSED) {
			usage_error("%s", o->refusal);
			return EXIT_USAGE;
		}
		if (o && o->kind != OPT_CALL) {
			if (store(syn, o, ctx, optarg, &seen) != 0)
				return EXIT_USAGE;
		} else if (!on_opt || on_opt(ctx, id, optarg) != 0) {
			return EXIT_USAGE;
		}
		if (o)
			opt_set_add(&seen, index);
	}
	if (given)
		*given = seen;
	return take_positional(syn, argc, argv, pos, n_pos);
}

int opts_parse(const struct verb_syntax *syn, int argc, char **argv,
	       int (*on_opt)(void *ctx, int id, const char *arg), void *ctx, char **pos,
	       size_t *n_pos)
{
	return opts_parse_given(syn, argc, argv, on_opt, ctx, pos, n_pos, NULL);
}

int opts_parse_file(const struct verb_syntax *syn, int argc, char **argv, const char **path,
		    bool *json)
{
	char *pos[1] = { NULL };
	size_t n_pos = 0;
	int r;

	*json = false;
	r = opts_parse(syn, argc, argv, NULL, json, pos, &n_pos);
	*path = pos[0];
	return r;
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
