/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sha256sum.txt, read and written in one place for both bundle layouts and dstack's folders
 * (bundle.h): GNU sha256sum's lines, "<64 hex>  <name>", the reader also taking its binary
 * marker and other blanks as dstack's verifier does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/core.h"
#include "bundle.h"

static bool plain_name(const char *s, size_t n)
{
	return n > 0 && n < 256 && !memchr(s, '/', n) && !(n == 1 && s[0] == '.') &&
	       !(n == 2 && s[0] == '.' && s[1] == '.');
}

/* "<64 hex>", whitespace, "<name>"; nothing else on the line. */
static int parse_line(const char *line, size_t len, struct sum_line *out, unsigned no,
		      struct snpm_error *reterr)
{
	static const char ws[] = " \t\r\v\f";
	char hex[65];
	size_t at = 0, n;

	at += strspn(line, ws);
	n = strcspn(line + at, ws);
	if (at + n > len || n != 64)
		return snpm_fail(reterr, SNPM_EMALFORMED, SUMS " line %u: no SHA-256", no);
	memcpy(hex, line + at, 64);
	hex[64] = '\0';
	if (!snpm_hex_decode(hex, out->sha256, 32))
		return snpm_fail(reterr, SNPM_EMALFORMED, SUMS " line %u: no SHA-256", no);
	at += n;
	at += strspn(line + at, ws);
	if (line[at] == '*') /* sha256sum's binary marker */
		at++;
	n = strcspn(line + at, ws);
	if (!plain_name(line + at, n) || line[at + n + strspn(line + at + n, ws)] != '\0')
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 SUMS " line %u is not '<sha256>  <file name>'", no);
	memcpy(out->name, line + at, n);
	out->name[n] = '\0';
	return 0;
}

int sums_parse(char *text, struct sum_line *lines, size_t *n, struct snpm_error *reterr)
{
	unsigned no = 0;

	*n = 0;
	for (char *line = text, *next; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? (*next = '\0', next + 1) : line + strlen(line);
		no++;
		if (line[strspn(line, " \t\r\v\f")] == '\0')
			continue;
		if (*n == SUMS_MAX_LINES)
			return snpm_fail(reterr, SNPM_EMALFORMED, SUMS " lists more than %d files",
					 SUMS_MAX_LINES);
		int r = parse_line(line, strlen(line), &lines[*n], no, reterr);
		if (r < 0)
			return r;
		for (size_t k = 0; k < *n; k++)
			if (strcmp(lines[k].name, lines[*n].name) == 0)
				return snpm_fail(reterr, SNPM_EMALFORMED, SUMS " lists %s twice",
						 lines[k].name);
		(*n)++;
	}
	return 0;
}

int sums_write(const char *dir, const char *const *names, size_t n, char *text, size_t size,
	       struct snpm_error *reterr)
{
	char hex[2 * SNPM_SHA256_SIZE + 1];
	size_t at = 0;

	text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		struct digest d;
		char *p = bundle_join(dir, names[i]);
		int r = p ? about(names[i], bundle_file_digest(p, &d, reterr), reterr) :
			    snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
		free(p);
		if (r < 0)
			return r;
		snpm_hex_encode(d.sha256, SNPM_SHA256_SIZE, hex);
		at += (size_t)snprintf(text + at, at < size ? size - at : 0, "%s  %s\n", hex,
				       names[i]);
		if (at >= size)
			return snpm_fail(reterr, SNPM_ERANGE, SUMS " does not fit %zu bytes", size);
	}
	return 0;
}
