/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verbs and their options for both tools, one engine: a table of options feeds getopt_long, the
 * verb's --help, its usage errors and (held by tests) the manual pages and completions; a table
 * shared by several verbs says per row which verbs have it. A choice's values come from the
 * library's table of names, so --help, the error and the docs cannot disagree. One table of verbs
 * per binary (or verb with sub-verbs) is dispatched in one place, with the same errors everywhere.
 */
#ifndef SNPM_TOOLS_OPTS_H
#define SNPM_TOOLS_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snpm/common.h>

/*
 * What parsing does with an option: hand it to the verb's handler, or store it in the verb's
 * argument struct at offset (so plain options need no handler code).
 */
enum opt_kind {
	OPT_CALL = 0, /* on_opt(ctx, id, arg) */
	OPT_STRING, /* const char *: the argument */
	OPT_FLAG, /* bool: true */
	OPT_U64, /* uint64_t: a number in snpm_parse_number's grammar, at most max */
	OPT_U32, /* uint32_t: the same */
	OPT_CHOICE, /* int (an enum): the value of one of names()'s names */
	OPT_HELP, /* -h, --help, listed where the table puts it (else last) */
	OPT_REFUSED, /* never accepted: a usage error says what to use instead (refusal) */
};

/*
 * One option. id is what the handler sees; an id below 256 is also its short form (-o).
 * Stored options may leave id 0 (one is assigned) unless they have a short form.
 */
struct opt_doc {
	const char *name;
	bool has_arg;
	int id;
	const char *metavar; /* the value's name in --help, for options that take one */
	const char *help;
	enum opt_kind kind;
	size_t offset; /* where a stored option goes in ctx */
	uint64_t max; /* OPT_U64, OPT_U32 */
	bool decimal; /* OPT_U64, OPT_U32: decimal digits only (the reference's int(s)) */
	/* OPT_CHOICE: its values. Other options whose values are names (a list of CPU models)
	 * name their table too, for the docs, the completions and the verb's own check. */
	const struct snpm_name *(*names)(void);
	unsigned verbs; /* in a table shared by verbs: the verbs that have it (0: all) */
	unsigned launches; /* measurement options: the launches that take it (0: all) */
	const char *refusal; /* OPT_REFUSED: the message */
	/* Given twice, the last one wins (the reference's argparse rule for its options); any
	 * other option given twice is refused, never one of the two dropped silently. */
	bool last_wins;
};

/* The id a handler sees for row i of a table when the row has none of its own. */
#define OPTS_AUTO_ID 0x10000

/* offsetof(type, member), refused at compile time unless the member has type t. */
#define OPT_OFFSET(type, member, t)                                                             \
	(offsetof(type, member) +                                                               \
	 0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((type *)0)->member), t) ? 1 : \
											    -1]))

/* A stored option: --name VALUE into a const char *, --name into a bool, a number. */
#define OPT_STR(lname, short_id, type, member, mv, text)                             \
	{                                                                            \
		.name = (lname), .has_arg = true, .id = (short_id), .metavar = (mv), \
		.help = (text), .kind = OPT_STRING,                                  \
		.offset = OPT_OFFSET(type, member, const char *)                     \
	}
#define OPT_BOOL(lname, type, member, text)                        \
	{                                                          \
		.name = (lname), .help = (text), .kind = OPT_FLAG, \
		.offset = OPT_OFFSET(type, member, bool)           \
	}
#define OPT_NUM64(lname, type, member, mv, limit, text)                                       \
	{                                                                                     \
		.name = (lname), .has_arg = true, .metavar = (mv), .help = (text),            \
		.kind = OPT_U64, .offset = OPT_OFFSET(type, member, uint64_t), .max = (limit) \
	}
#define OPT_NUM32(lname, type, member, mv, limit, text)                                       \
	{                                                                                     \
		.name = (lname), .has_arg = true, .metavar = (mv), .help = (text),            \
		.kind = OPT_U32, .offset = OPT_OFFSET(type, member, uint32_t), .max = (limit) \
	}
#define OPT_JSON_FLAG(type, member) OPT_BOOL("json", type, member, "JSON output")
/* A choice stored as an enum (an int-sized member). The help may say {} for the names. */
#define OPT_ENUM_OFFSET(type, member) \
	(offsetof(type, member) +     \
	 0 * sizeof(char[sizeof(((type *)0)->member) == sizeof(int) ? 1 : -1]))
#define OPT_CHOICE_OF(lname, type, member, table, mv, text)                                   \
	{                                                                                     \
		.name = (lname), .has_arg = true, .metavar = (mv), .help = (text),            \
		.kind = OPT_CHOICE, .offset = OPT_ENUM_OFFSET(type, member), .names = (table) \
	}
/* -q, --quiet, the same in every verb of both tools. */
#define OPT_QUIET(type, member, text)                                         \
	{                                                                     \
		.name = "quiet", .id = 'q', .help = (text), .kind = OPT_FLAG, \
		.offset = OPT_OFFSET(type, member, bool)                      \
	}
/* An option the verb's handler reads; it takes a value when it has a metavar. */
#define OPT_HANDLER(lname, handler_id, mv, text)                                               \
	{                                                                                      \
		.name = (lname), .has_arg = (mv) != NULL, .id = (handler_id), .metavar = (mv), \
		.help = (text)                                                                 \
	}
/* --json for a verb whose only option it is: ctx is the bool itself. */
#define OPT_JSON_ONLY(text)                                                   \
	{                                                                     \
		.name = "json", .help = (text), .kind = OPT_FLAG, .offset = 0 \
	}

/* The one option of a verb that takes a FILE and --json alone: the bool is ctx itself. */
#define FILE_VERB_OPTS(json_help)        \
	{                                \
		OPT_JSON_ONLY(json_help) \
	}

/* What a verb takes: its options, its positional arguments, the text of its --help. */
struct verb_syntax {
	const char *usage; /* after the program name: "rootfs DIR -o OUT [options]" */
	const char *about; /* one or two sentences for --help */
	void (*print_about)(void); /* instead of about, when the text is built at run time */
	const char *footer; /* a paragraph after the options in --help */
	const struct opt_doc *opts;
	size_t n_opts;
	size_t min_pos, max_pos; /* positional arguments */
	unsigned verb; /* this verb's bit in a shared table's rows (0: every row) */
	/* The reference's wording (argparse's "argument --x: ..."): the measurement verbs. */
	bool reference;
};

/* .opts and .n_opts of a verb_syntax from one table. */
#define OPTS_TABLE(table) .opts = (table), .n_opts = sizeof(table) / sizeof((table)[0])

/* A verb of one FILE and --json: its table (named var##_opts) and its syntax, var. */
#define FILE_VERB(var, usage_text, json_help, about_text)                     \
	static const struct opt_doc var##_opts[] = FILE_VERB_OPTS(json_help); \
	const struct verb_syntax var = { .usage = (usage_text),               \
					 .about = (about_text),               \
					 OPTS_TABLE(var##_opts),              \
					 .min_pos = 1,                        \
					 .max_pos = 1 }

/* One bit per row of an option table: which rows a command line used. */
#define OPT_SET_WORDS 2
struct opt_set {
	uint64_t w[OPT_SET_WORDS];
};
#define OPT_SET_MAX (64u * OPT_SET_WORDS)

static inline bool opt_set_has(const struct opt_set *s, size_t i)
{
	return i < OPT_SET_MAX && ((s->w[i / 64] >> (i % 64)) & 1);
}

static inline void opt_set_add(struct opt_set *s, size_t i)
{
	if (i < OPT_SET_MAX)
		s->w[i / 64] |= 1ull << (i % 64);
}

static inline void opt_set_del(struct opt_set *s, size_t i)
{
	if (i < OPT_SET_MAX)
		s->w[i / 64] &= ~(1ull << (i % 64));
}

/* The result of opts_parse() when --help was asked for (and printed): the verb exits 0. */
#define OPTS_HELP (-1)

/*
 * Parses argv (argv[0] the verb) with the syntax: stored options go into ctx, the others to
 * on_opt (NULL when there are none), which prints its own usage error and returns non-zero to
 * stop. Positional arguments go to pos (room for max_pos), their count to *n_pos.
 * Returns 0, OPTS_HELP, or 2 (a usage error, printed).
 */
int opts_parse(const struct verb_syntax *syn, int argc, char **argv,
	       int (*on_opt)(void *ctx, int id, const char *arg), void *ctx, char **pos,
	       size_t *n_pos);
/* The same, and *given gets bit i for every row i of the table the command line used. */
int opts_parse_given(const struct verb_syntax *syn, int argc, char **argv,
		     int (*on_opt)(void *ctx, int id, const char *arg), void *ctx, char **pos,
		     size_t *n_pos, struct opt_set *given);

/* Whether the syntax's verb has row o. */
bool opts_row_in_verb(const struct verb_syntax *syn, const struct opt_doc *o);

/*
 * The one usage error for a value that is not among a choice's names, as argparse words it:
 * "argument --NAME: invalid choice: 'VALUE' (choose from 'a', 'b')". len: how much of value to
 * quote (-1: all of it, for one item of a list).
 */
void opts_bad_choice(const char *option, const char *value, int len, const struct snpm_name *names);
/* The listed names of a table joined by sep, each between quote marks (quote may be ""). */
void opts_names_join(const struct snpm_name *names, const char *quote, const char *sep, char *out,
		     size_t size);

/* Parses a FILE_VERB: 0 with *path and *json set, or what opts_parse() returns otherwise. */
int opts_parse_file(const struct verb_syntax *syn, int argc, char **argv, const char **path,
		    bool *json);

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
