/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpmeasure refvals: every measurement of a sweep (or of a bundle) as reference values in the
 * format a verifier reads (<snpm/refvals.h>), written whole or not at all.
 * snpmeasure refvals show: what such a file holds, its signature checked with --key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../core/core.h"
#include "cli.h"
#include "space.h"
#include "verbs.h"

/* The measurements collected, each once, in the order first given. */
struct collect {
	uint8_t (*m)[SNPM_LD_SIZE];
	size_t n, cap, seen;
	bool short_digest, oom;
};

static int cmp_digest(const void *a, const void *b)
{
	return memcmp(a, b, SNPM_LD_SIZE);
}

static int add(struct collect *c, const uint8_t *digest)
{
	if (snpm_grow(&c->m, &c->cap, c->n, SNPM_LD_SIZE, 64, NULL) < 0) {
		c->oom = true;
		return 1;
	}
	memcpy(c->m[c->n++], digest, SNPM_LD_SIZE);
	return 0;
}

/* Configurations that give one digest (QEMU's and EC2's for a kernel-less guest) are one
 * reference value: sorted, then kept once (n log n). */
static void dedupe(struct collect *c)
{
	size_t k = 0;

	qsort(c->m, c->n, SNPM_LD_SIZE, cmp_digest);
	for (size_t i = 0; i < c->n; i++)
		if (k == 0 || memcmp(c->m[k - 1], c->m[i], SNPM_LD_SIZE) != 0)
			memmove(c->m[k++], c->m[i], SNPM_LD_SIZE);
	c->n = k;
}

static int on_row(void *arg, const struct snpm_sweep_row *row)
{
	struct collect *c = arg;

	c->seen++;
	if (row->digest_len != SNPM_LD_SIZE) {
		c->short_digest = true;
		return 1;
	}
	return add(c, row->digest);
}

static int on_bundle_row(void *arg, const uint8_t m[SNPM_LD_SIZE], const char *row)
{
	(void)row;
	return add(arg, m);
}

/* --min-tcb bootloader=N,tee=N,snp=N,microcode=N (a part left out is 0). */
static int parse_min_tcb(const char *text, struct snpm_refvals_tcb *t)
{
	static const char *const parts[] = { "bootloader", "tee", "snp", "microcode" };
	uint8_t *dst[] = { &t->bootloader, &t->tee, &t->snp, &t->microcode };
	unsigned seen = 0;
	const char *p = text;

	memset(t, 0, sizeof(*t));
	while (*p) {
		size_t len = strcspn(p, ","), k;
		const char *eq = memchr(p, '=', len);
		char num[8];
		uint64_t v;
		for (k = 0; eq && k < 4; k++)
			if ((size_t)(eq - p) == strlen(parts[k]) && !strncmp(p, parts[k], eq - p))
				break;
		size_t nlen = eq ? len - (size_t)(eq - p) - 1 : 0;
		if (!eq || k == 4 || (seen >> k & 1) || nlen == 0 || nlen >= sizeof(num)) {
			usage_error("argument --min-tcb: '%s' is not bootloader=N,tee=N,snp=N,"
				    "microcode=N (each once; the profiles carry no fmc)",
				    text);
			return EXIT_USAGE;
		}
		memcpy(num, eq + 1, nlen);
		num[nlen] = 0;
		if (!parse_u64(num, false, 255, &v)) {
			usage_error("argument --min-tcb: %s=%s is not 0-255", parts[k], num);
			return EXIT_USAGE;
		}
		*dst[k] = (uint8_t)v;
		seen |= 1u << k;
		p += len + (p[len] == ',');
	}
	return 0;
}

static int read_pins(const struct measure_args *a, struct snpm_refvals_pins *p)
{
	int r = 0;

	memset(p, 0, sizeof(*p));
	if (a->host_data && !(p->has_host_data = parse_hex(a->host_data, p->host_data, 32))) {
		usage_error("--host-data: '%s' is not 64 hex digits", a->host_data);
		return EXIT_USAGE;
	}
	if (a->id_key_digest) {
		r = key_digest_arg(a->id_key_digest, p->id_key_digest);
		p->has_id_key_digest = r == 0;
	}
	if (r == 0 && a->author_key_digest) {
		r = key_digest_arg(a->author_key_digest, p->author_key_digest);
		p->has_author_key_digest = r == 0;
	}
	if (r == 0 && a->min_tcb) {
		r = parse_min_tcb(a->min_tcb, &p->min_tcb);
		p->has_min_tcb = r == 0;
	}
	return r;
}

/* ---- what produced the values, recorded in the file ---- */

struct text {
	char buf[4096];
	size_t len;
};

/* Appends s, each byte outside printable ASCII (and the backslash) as \xNN: the record is
 * ASCII whatever the command line held. What does not fit is cut. */
static void text_add(struct text *t, const char *s)
{
	for (; *s && t->len + 5 < sizeof(t->buf); s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c <= 0x7e && c != '\\')
			t->buf[t->len++] = (char)c;
		else
			t->len += (size_t)snprintf(t->buf + t->len, 5, "\\x%02x", c);
	}
	t->buf[t->len] = 0;
}

/* The SHA-256 of each input file the options name. */
static void add_file_digests(const struct measure_args *a, struct text *t)
{
	const char *const files[] = { a->ovmf,	    a->ovmf_metadata, a->igvm,	  a->krunfw,
				      a->qboot,	    a->kernel,	      a->initrd,  a->svsm,
				      a->vars_file, a->spec,	      a->manifest };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		uint8_t d[SNPM_SHA256_SIZE];
		char hex[2 * SNPM_SHA256_SIZE + 1], line[64 + sizeof(hex)];
		struct snpm_error err;
		if (!files[i] ||
		    snpm_io_hash(files[i], 0, SNPM_HASH_SHA256, UINT64_MAX, d, NULL, &err) < 0)
			continue;
		snpm_hex_encode(d, sizeof(d), hex);
		const char *base = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
		snprintf(line, sizeof(line), "; %.40s sha256:%s", base, hex);
		text_add(t, line);
	}
}

/* "snpmeasure refvals ARGS; FILE sha256:..." without the output and the signing key. */
static void inputs_text(int argc, char **argv, const struct measure_args *a, struct text *t)
{
	text_add(t, "snpmeasure refvals");
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "-o") || !strcmp(s, "--output") || !strcmp(s, "--sign")) {
			i++;
			continue;
		}
		if (!strncmp(s, "--output=", 9) || !strncmp(s, "--sign=", 7) ||
		    (!strncmp(s, "-o", 2) && s[2]))
			continue;
		text_add(t, " ");
		text_add(t, s);
	}
	add_file_digests(a, t);
}

/* ---- refvals ---- */

static int check_args(const struct measure_args *a)
{
	bool launch = a->ovmf || a->ovmf_metadata || a->igvm || a->krunfw || a->spec;

	if (!arg_given(a, M_FORMAT) || !a->output) {
		usage_error("refvals: --format FORMAT and -o FILE are required");
		return EXIT_USAGE;
	}
	if ((a->manifest != NULL) + (a->measurement != NULL) + launch > 1) {
		usage_error("refvals: the measurements come from one of --manifest, --measurement "
			    "or measurement options");
		return EXIT_USAGE;
	}
	if (arg_given(a, M_SVN) != (a->refvals_format == SNPM_REFVALS_CORIM_LAUNCH)) {
		usage_error("refvals: --svn N is corim-launch's (the SVN each measurement maps "
			    "to), and corim-launch needs it");
		return EXIT_USAGE;
	}
	return 0;
}

static int collect_sweep(struct measure_args *a, struct collect *c)
{
	static struct space sp;
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct inputs in;
	int r;

	SNPM_INIT(&cfg);
	memset(&in, 0, sizeof(in));
	r = sweep_prepare(a, &sp, &cfg, &in);
	if (r == 0 && cfg.mode != SNPM_MODE_SNP && cfg.mode != SNPM_MODE_SNP_SVSM) {
		usage_error("refvals: reference values are SNP measurements; mode %s gives none",
			    snpm_mode_name(cfg.mode));
		r = EXIT_USAGE;
	}
	if (r == 0)
		r = sweep_run(&cfg, &sp, on_row, c, a);
	if (r == 0)
		r = inputs_check(a, &in);
	if (r == 0)
		sweep_left_out(&sp, c->seen);
	inputs_free(&in);
	return r;
}

/* --measurement A,B,...: the values as given (each a 48-byte digest, hex or base64). */
static int collect_given(const char *list, struct collect *c)
{
	char *copy = strdup(list), *save = NULL;
	int r = copy ? 0 : EXIT_FAIL;

	for (char *s = copy ? strtok_r(copy, ",", &save) : NULL; r == 0 && s;
	     s = strtok_r(NULL, ",", &save)) {
		uint8_t m[SNPM_LD_SIZE];
		if (parse_measurement(s, m) != SNPM_LD_SIZE) {
			usage_error(
				"refvals: --measurement '%.100s' is not a 48-byte digest in hex "
				"or base64",
				s);
			r = EXIT_USAGE;
		} else if (add(c, m)) {
			r = EXIT_FAIL;
		}
	}
	free(copy);
	return r;
}

static int collect_bundle(const char *manifest, struct collect *c)
{
	struct snpm_error err;

	if (snpm_bundle_measurements(manifest, on_bundle_row, c, &err) < 0)
		return report(manifest, &err);
	return 0;
}

/* Whole or not at all: a failed write removes the temporary (snpm_io_write_file). */
static int write_out(const struct measure_args *a, const uint8_t *data, size_t len)
{
	struct snpm_error err;

	return snpm_io_write_file(a->output, data, len, 0644, &err) < 0 ? report(a->output, &err) :
									  0;
}

static int make(const struct measure_args *a, const struct collect *c,
		const struct snpm_refvals_pins *pins, const char *inputs)
{
	struct snpm_refvals rv = { .size = sizeof(rv) };
	struct snpm_error err;
	char *key = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	int r = 0;

	rv.measurements = (const uint8_t(*)[SNPM_LD_SIZE])c->m;
	rv.n = c->n;
	rv.svn = a->svn;
	rv.pins = *pins;
	rv.inputs = inputs;
	if (a->sign_key && snpm_io_read_text(a->sign_key, 0, 1u << 20, &key, &err) < 0)
		return report(a->sign_key, &err);
	if (snpm_refvals_write(&rv, a->refvals_format, key, key ? strlen(key) : 0, &data, &len,
			       &err) < 0)
		r = report(a->sign_key && err.code == SNPM_EINVAL ? a->sign_key : a->output, &err);
	if (key)
		OPENSSL_cleanse(key, strlen(key));
	free(key);
	if (r == 0)
		r = write_out(a, data, len);
	free(data);
	if (r == 0 && !a->quiet)
		fail_line("%s: %zu reference value%s as %s, %s", a->output, c->n,
			  c->n == 1 ? "" : "s",
			  snpm_name_of(snpm_refvals_format_names(), a->refvals_format),
			  a->sign_key ? "signed (ES384)" :
					"UNSIGNED: anyone who can write the file can change "
					"them (--sign KEY.pem)");
	return r;
}

static int refvals_make(int argc, char **argv)
{
	struct measure_args a;
	struct collect c = { 0 };
	struct snpm_refvals_pins pins;
	struct text inputs = { .len = 0 };
	int r = args_parse(argc, argv, VERB_REFVALS, &a);

	if (r == 0)
		r = check_args(&a);
	if (r == 0)
		r = read_pins(&a, &pins);
	if (r == 0)
		r = a.manifest	  ? collect_bundle(a.manifest, &c) :
		    a.measurement ? collect_given(a.measurement, &c) :
				    collect_sweep(&a, &c);
	if (r == 0 && (c.oom || c.short_digest)) {
		fail_line("refvals: %s", c.oom ? "out of memory" :
						 "a configuration gave no SNP "
						 "measurement");
		r = EXIT_FAIL;
	}
	if (r == 0 && c.n == 0) {
		fail_line("refvals: no configuration gives a measurement: nothing is written");
		r = EXIT_FAIL;
	}
	if (r == 0) {
		dedupe(&c);
		inputs_text(argc, argv, &a, &inputs);
		r = make(&a, &c, &pins, inputs.buf);
	}
	free(c.m);
	args_free(&a);
	return r;
}

/* ---- refvals show ---- */

struct show_args {
	const char *key;
	bool json;
};

static const struct opt_doc show_opts[] = {
	OPT_STR("key", 0, struct show_args, key, "PEM",
		"verify the file's signature with this EC public key or certificate"),
	OPT_JSON_FLAG(struct show_args, json),
};

const struct verb_syntax syntax_refvals_show = {
	.usage = "refvals show FILE [--key PEM] [--json]",
	.about = "Prints the reference values a corim-snp, corim-launch or rvps file holds, and "
		 "whether its signature verified.",
	OPTS_TABLE(show_opts),
	.min_pos = 1,
	.max_pos = 1,
};

static void print_tcb(const struct snpm_refvals_tcb *t)
{
	printf("bootloader %u, tee %u, snp %u, microcode %u", t->bootloader, t->tee, t->snp,
	       t->microcode);
}

static const char *trust_of(const struct snpm_refvals_file *f)
{
	return f->verified ? "signed, verified with the key given" :
	       f->signed_  ? "signed, NOT verified (give --key)" :
			     "unsigned";
}

static void show_text(const struct snpm_refvals_file *f)
{
	char hex[2 * SNPM_LD_SIZE + 1];

	printf("format        %s\n", snpm_name_of(snpm_refvals_format_names(), f->format));
	printf("signature     %s\n", trust_of(f));
	printf("creator       %s\n", f->creator[0] ? f->creator : "-");
	printf("inputs        %s\n", f->inputs[0] ? f->inputs : "-");
	if (f->pins.has_host_data) {
		snpm_hex_encode(f->pins.host_data, 32, hex);
		printf("host_data     %s\n", hex);
	}
	if (f->pins.has_id_key_digest) {
		snpm_hex_encode(f->pins.id_key_digest, SNPM_SHA384_SIZE, hex);
		printf("id_key        %s\n", hex);
	}
	if (f->pins.has_author_key_digest) {
		snpm_hex_encode(f->pins.author_key_digest, SNPM_SHA384_SIZE, hex);
		printf("author_key    %s\n", hex);
	}
	if (f->pins.has_min_tcb) {
		printf("min_tcb       ");
		print_tcb(&f->pins.min_tcb);
		printf("\n");
	}
	printf("measurements  %zu\n", f->n);
	for (size_t i = 0; i < f->n; i++) {
		snpm_hex_encode(f->measurements[i], SNPM_LD_SIZE, hex);
		if (f->svns)
			printf("  %s  svn %llu\n", hex, (unsigned long long)f->svns[i]);
		else
			printf("  %s\n", hex);
	}
}

static void show_json(const struct snpm_refvals_file *f)
{
	struct json_object *o = json_object_new_object(), *list = json_object_new_array();
	char hex[2 * SNPM_LD_SIZE + 1];

	json_add_str(o, "format", snpm_name_of(snpm_refvals_format_names(), f->format));
	json_object_object_add(o, "signed", json_object_new_boolean(f->signed_));
	json_object_object_add(o, "verified", json_object_new_boolean(f->verified));
	json_add_str(o, "creator", f->creator);
	json_add_str(o, "inputs", f->inputs);
	if (f->pins.has_host_data)
		json_add_hex(o, "host_data", f->pins.host_data, 32);
	if (f->pins.has_id_key_digest)
		json_add_hex(o, "id_key_digest", f->pins.id_key_digest, SNPM_SHA384_SIZE);
	if (f->pins.has_author_key_digest)
		json_add_hex(o, "author_key_digest", f->pins.author_key_digest, SNPM_SHA384_SIZE);
	if (f->pins.has_min_tcb) {
		struct json_object *t = json_object_new_object();
		json_object_object_add(t, "bootloader",
				       json_object_new_int(f->pins.min_tcb.bootloader));
		json_object_object_add(t, "tee", json_object_new_int(f->pins.min_tcb.tee));
		json_object_object_add(t, "snp", json_object_new_int(f->pins.min_tcb.snp));
		json_object_object_add(t, "microcode",
				       json_object_new_int(f->pins.min_tcb.microcode));
		json_object_object_add(o, "min_tcb", t);
	}
	for (size_t i = 0; i < f->n; i++) {
		struct json_object *m = json_object_new_object();
		snpm_hex_encode(f->measurements[i], SNPM_LD_SIZE, hex);
		json_add_str(m, "measurement", hex);
		if (f->svns)
			json_object_object_add(m, "svn", json_object_new_uint64(f->svns[i]));
		json_object_array_add(list, m);
	}
	json_object_object_add(o, "measurements", list);
	print_json(o);
	json_object_put(o);
}

int refvals_read_file(const char *path, const char *key_path, struct snpm_refvals_file **ret)
{
	struct snpm_error err;
	uint8_t *data = NULL;
	char *key = NULL;
	size_t len = 0;
	int r = 0;

	if (key_path && snpm_io_read_text(key_path, SNPM_IO_PIPES, 1u << 20, &key, &err) < 0)
		return report(key_path, &err);
	if (snpm_io_read_all(path, SNPM_IO_PIPES, 16u << 20, &data, &len, &err) < 0)
		r = report(path, &err);
	else if (snpm_refvals_read(data, len, key, key ? strlen(key) : 0, ret, &err) < 0)
		r = report_verdict(path, &err);
	free(data);
	free(key);
	return r;
}

static int refvals_show(int argc, char **argv)
{
	struct show_args a = { 0 };
	struct snpm_refvals_file *f = NULL;
	char *pos[1];
	size_t n_pos;
	int r = opts_parse(&syntax_refvals_show, argc, argv, NULL, &a, pos, &n_pos);

	if (r == OPTS_HELP)
		return EXIT_OK;
	if (r)
		return r;
	r = refvals_read_file(pos[0], a.key, &f);
	if (r == 0 && a.json)
		show_json(f);
	else if (r == 0)
		show_text(f);
	snpm_refvals_file_free(f);
	return r;
}

int cmd_refvals(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "show") == 0)
		return refvals_show(argc - 1, argv + 1);
	return refvals_make(argc, argv);
}
