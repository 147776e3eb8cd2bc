/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers: fixtures, KAT input recipes, running the CLI. */
#ifndef SNPM_TESTUTIL_H
#define SNPM_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <json-c/json.h>

#include <snpm/snpm.h>

/*
 * A path under tests/fixtures/ (free() it). The repository ships every fixture, so one that is
 * missing fails the current test with its name; it never returns NULL.
 */
char *tu_fixture(const char *relpath);

/* A fixture's bytes (free() them); a missing fixture fails the current test. */
uint8_t *tu_fixture_bytes(const char *relpath, size_t *ret_len);

/* One 24-byte entry of an extended report's certificate table: the GUID in its text byte order,
 * then offset and length, little-endian. */
void tu_put_cert_entry(uint8_t *at, const char *guid, uint32_t offset, uint32_t length);

/* Fails the current test, naming the Debian package, unless the program at path runs. */
void tu_need_program(const char *path, const char *package);

/* A path under the repository (e.g. "vectors/launch-digest-kat.json"); free() it. */
char *tu_source_path(const char *relpath);

/* Reads a whole file; NULL on failure. */
uint8_t *tu_read_file(const char *path, size_t *ret_len);
/* Writes a whole file; asserts on failure. */
void tu_write_file(const char *path, const void *data, size_t len);

/* A fresh temporary directory; free() the path. */
char *tu_mkdtemp(void);
/* rm -rf of a directory made by tu_mkdtemp. */
void tu_rmtree(const char *dir);
/* Fails when the folder holds a name with ".tmp" in it: a temporary left behind. */
void tu_no_temporaries(const char *folder);

/* stream(tag, n) of the KAT recipes: SHA256(tag:0) || SHA256(tag:1) || ... cut to n bytes. */
uint8_t *tu_stream(const char *tag, size_t n);
/* Builds a KAT input (kind "stream" or "firmware") from its recipe object. */
uint8_t *tu_build_input(struct json_object *recipe, size_t *ret_len);

/* s with its first `from` replaced by `to` (from must occur); free() it. */
char *tu_replace(const char *s, const char *from, const char *to);

/* A bzImage header laid out by hand at the boot protocol's offsets (2.15, EFI stub), size bytes. */
void tu_write_bzimage(const char *path, uint8_t setup_sects, size_t size);

/* Lower-case hex of d. out: 2*len+1 bytes. */
void tu_hex(const uint8_t *d, size_t len, char *out);
/* Parses hex into out; returns the byte count or -1. */
int tu_unhex(const char *hex, uint8_t *out, size_t max);

/* Runs argv (argv[0] a path) with no stdin; captures stdout and stderr (free them). */
struct tu_run {
	int status; /* exit code, or 128+signal */
	char *out;
	char *err;
};
void tu_run(char *const argv[], struct tu_run *ret);
/* The file the next runs read as standard input (NULL: /dev/null). */
extern const char *tu_stdin;
/* The same, in directory dir (NULL: here). */
void tu_run_in(const char *dir, char *const argv[], struct tu_run *ret);
void tu_run_free(struct tu_run *r);

/* Runs snpmeasure in cwd (NULL: here) with the NULL-terminated arguments that follow. */
struct tu_run tu_cli_in(const char *cwd, const char *first, ...);
/* The lines in s. */
size_t tu_lines(const char *s);
/* A refusal: the exit code, nothing on stdout, one line on stderr containing needle. */
void tu_expect_refusal(struct tu_run r, int status, const char *needle);
/* Success with exactly digest and a newline on stdout. */
void tu_expect_digest(struct tu_run r, const char *digest);
/* Success; returns stdout (free it). */
char *tu_capture(struct tu_run r);
/* Builds the KAT input name (from the recipes object) as dir/name; free() the path. */
char *tu_kat_file(struct json_object *inputs, const char *dir, const char *name);

#endif /* SNPM_TESTUTIL_H */
