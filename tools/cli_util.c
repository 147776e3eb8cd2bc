/* SPDX-License-Identifier: Apache-2.0 */
/* Output and number helpers for snpmeasure. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli.h"

const char *cli_prog = "snpmeasure";
const char *cli_verbs = "";

/* ---- progress: on a terminal only ---- */

static struct {
	bool shown; /* a progress line is on the terminal */
	struct timespec last;
} progress;

/* Removes the progress line, so what is printed next starts a clean line. */
void cli_progress_clear(void)
{
	if (progress.shown)
		fputs("\r\033[K", stderr);
	progress.shown = false;
}

static void progress_print(void *arg, const char *what, uint64_t done, uint64_t total)
{
	struct timespec now;
	double since;

	(void)arg;
	if (total && done >= total) {
		cli_progress_clear();
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	since = (double)(now.tv_sec - progress.last.tv_sec) +
		(double)(now.tv_nsec - progress.last.tv_nsec) / 1e9;
	if (progress.shown && since < 0.1) /* ten updates a second are plenty */
		return;
	progress.last = now;
	if (total)
		fprintf(stderr, "\r\033[K%s: %llu%%", what,
			(unsigned long long)(done * 100 / total));
	else
		fprintf(stderr, "\r\033[K%s...", what);
	progress.shown = true;
}

void cli_progress_setup(int argc, char **argv)
{
	if (!isatty(STDERR_FILENO))
		return;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-q") == 0 ||
		    strcmp(argv[i], "--quiet") == 0)
			return;
	snpm_set_progress(progress_print, NULL);
	atexit(cli_progress_clear);
}

/*
 * Text from inputs (a file name, an option's value, a key) printed on a terminal: control
 * characters are shown as \xNN, so that an input cannot move the cursor, clear the line or
 * forge a second message.
 */
static void put_escaped(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
}

/* One line on stderr, "snpmeasure: MESSAGE", what came from inputs escaped. */
__attribute__((format(printf, 1, 0))) static void say(const char *fmt, va_list ap)
{
	char msg[2048];

	cli_progress_clear();
	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "%s: ", PROG);
	put_escaped(msg);
	fputc('\n', stderr);
}

/* A usage error and a failure read the same; the exit code tells them apart. */
void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

void fail_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

int report(const char *file, const struct snpm_error *err)
{
	cli_progress_clear();
	fprintf(stderr, "%s: ", PROG);
	if (file) {
		put_escaped(file);
		fputs(": ", stderr);
	}
	put_escaped(err->message);
	if (err->has_offset)
		fprintf(stderr, " (at offset 0x%llx)", (unsigned long long)err->offset);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

int report_verdict(const char *file, const struct snpm_error *err)
{
	report(file, err);
	return err->code == SNPM_EVERIFY ? EXIT_MISMATCH : EXIT_FAIL;
}

bool parse_u64(const char *s, bool any_base, uint64_t max, uint64_t *ret)
{
	/* Options the reference reads with int(s) take decimal only; int(s, 0) ones any base. */
	if (!any_base && s && s[0] == '0' && s[1] && !isdigit((unsigned char)s[1]))
		return false;
	return snpm_parse_number(s, max, ret);
}

bool parse_hex(const char *s, uint8_t *out, size_t len)
{
	return snpm_hex_decode(s, out, len);
}

void to_hex(const uint8_t *d, size_t len, char *out)
{
	snpm_hex_encode(d, len, out);
}

void format_digest(const uint8_t *d, size_t len, bool base64, char *out)
{
	if (base64)
		EVP_EncodeBlock((unsigned char *)out, d, (int)len);
	else
		to_hex(d, len, out);
}

int parse_measurement(const char *s, uint8_t out[SNPM_LD_SIZE])
{
	unsigned char buf[SNPM_LD_SIZE + 3];
	size_t n = strlen(s);

	if (n == 2 * SNPM_LD_SIZE && parse_hex(s, out, SNPM_LD_SIZE))
		return SNPM_LD_SIZE;
	if (n == 2 * SNPM_SEV_LD_SIZE && parse_hex(s, out, SNPM_SEV_LD_SIZE))
		return SNPM_SEV_LD_SIZE;
	/* base64: 64 characters for 48 bytes, 44 (one '=') for 32. */
	if (n == 64 || n == 44) {
		int len = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
		if (len < 0)
			return -1;
		len -= n == 44 ? 1 : 0;
		if (len == SNPM_LD_SIZE || len == SNPM_SEV_LD_SIZE) {
			memcpy(out, buf, (size_t)len);
			return len;
		}
	}
	return -1;
}

void json_add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

void json_add_hex(struct json_object *o, const char *key, const uint8_t *d, size_t len)
{
	char *hex = malloc(2 * len + 1);

	if (!hex)
		return;
	to_hex(d, len, hex);
	json_object_object_add(o, key, json_object_new_string(hex));
	free(hex);
}

void json_add_u64_hex(struct json_object *o, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	json_object_object_add(o, key, json_object_new_string(buf));
}

int json_flags(void)
{
	return JSON_C_TO_STRING_NOSLASHESCAPE |
	       (isatty(STDOUT_FILENO) ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN);
}

void print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, json_flags()));
}

static void on_fatal_signal(int sig)
{
	/* Nothing half-written stays behind; then die of the signal, as the caller expects. */
	snpm_remove_temporaries();
	signal(sig, SIG_DFL);
	raise(sig);
}

void cli_install_signal_handlers(void)
{
	static const int fatal[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	/* Past a file size limit, write() should fail with EFBIG (handled), not kill us. */
	signal(SIGXFSZ, SIG_IGN);
}

void note_unnamed_features(uint64_t features, bool quiet)
{
	uint64_t unnamed = features & ~SNPM_GUEST_FEATURES_NAMED;
	char names[512];

	if (!unnamed || quiet)
		return;
	snpm_guest_features_format(unnamed, names, sizeof(names));
	fprintf(stderr,
		"%s: note: guest features 0x%llx set %s, which no public source names; measured "
		"as given\n",
		PROG, (unsigned long long)features, names);
}

void json_add_feature_names(struct json_object *o, const char *key, uint64_t features)
{
	char names[512];

	snpm_guest_features_format(features, names, sizeof(names));
	json_add_str(o, key, names);
}

/* ---- time and trust roots (report verify, check and appraise) ---- */

/*
 * Seconds since the epoch, or an ISO 8601 date and UTC time. A date that does not exist
 * (2026-02-30) is refused, not moved to another day.
 */
bool parse_time(const char *s, int64_t *ret)
{
	static const char *const formats[] = { "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d" };
	uint64_t v;

	if (parse_u64(s, false, INT64_MAX, &v)) {
		*ret = (int64_t)v;
		return v != 0;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct tm tm = { 0 }, back;
		const char *end = strptime(s, formats[i], &tm);
		if (!end || *end != '\0')
			continue;
		struct tm asked = tm; /* timegm() normalises its argument in place */
		time_t t = timegm(&tm);
		if (t <= 0 || !gmtime_r(&t, &back) || back.tm_mday != asked.tm_mday ||
		    back.tm_mon != asked.tm_mon || back.tm_year != asked.tm_year ||
		    back.tm_hour != asked.tm_hour || back.tm_min != asked.tm_min ||
		    back.tm_sec != asked.tm_sec)
			return false;
		*ret = (int64_t)t;
		return true;
	}
	return false;
}

int parse_now(const char *text, int64_t *ret)
{
	*ret = 0;
	if (text && !parse_time(text, ret)) {
		usage_error("--now: '%s' is neither seconds since the epoch nor a real "
			    "YYYY-MM-DD[THH:MM:SSZ]",
			    text);
		return EXIT_USAGE;
	}
	return 0;
}

int trust_root_load(const char *path, struct trust_root *t)
{
	struct snpm_error err;

	memset(t, 0, sizeof(*t));
	if (!path)
		return 0;
	t->path = path;
	if (snpm_io_read_all(path, SNPM_IO_PIPES, 1u << 20, &t->data, &t->len, &err) < 0 ||
	    snpm_cert_fingerprint(t->data, t->len, t->sha256, &err) < 0)
		return report(path, &err);
	return 0;
}

void trust_root_print(const struct trust_root *t)
{
	char hex[2 * SNPM_SHA256_SIZE + 1];

	if (!t->data)
		return;
	to_hex(t->sha256, SNPM_SHA256_SIZE, hex);
	printf("TRUST ROOT NOT AMD'S: %s sha256 %s (a verdict under it says nothing about AMD "
	       "hardware)\n",
	       t->path, hex);
}

void trust_root_json(struct json_object *o, const struct trust_root *t)
{
	char hex[2 * SNPM_SHA256_SIZE + 1];
	struct json_object *root;

	if (!t->data) {
		json_add_str(o, "trust_root", "amd");
		return;
	}
	root = json_object_new_object();
	to_hex(t->sha256, SNPM_SHA256_SIZE, hex);
	json_add_str(root, "file", t->path);
	json_add_str(root, "sha256", hex);
	json_object_object_add(root, "amd", json_object_new_boolean(false));
	json_object_object_add(o, "trust_root", root);
}

void trust_root_free(struct trust_root *t)
{
	free(t->data);
	t->data = NULL;
}

void cpu_type_invalid(const char *arg, int len)
{
	char list[512] = "";
	size_t at = 0;

	/* As argparse says it for the reference, the choices from the library's table. */
	for (size_t i = 0; snpm_cpu_type_name(i) && at < sizeof(list); i++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s'%s'", i ? ", " : "",
				       snpm_cpu_type_name(i));
	usage_error("argument --vcpu-type: invalid choice: '%.*s' (choose from %s)", len, arg,
		    list);
}
