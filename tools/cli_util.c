/* SPDX-License-Identifier: Apache-2.0 */
/* Output and number helpers for snpmeasure. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli.h"

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int report(const char *file, const struct snpm_error *err)
{
	if (file)
		fprintf(stderr, "%s: %s: %s", PROG, file, err->message);
	else
		fprintf(stderr, "%s: %s", PROG, err->message);
	if (err->has_offset)
		fprintf(stderr, " (at offset 0x%llx)", (unsigned long long)err->offset);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

/* Integers as Python's int(s, 0) reads them: 0x, 0o, 0b prefixes or decimal. */
bool parse_u64(const char *s, bool any_base, uint64_t max, uint64_t *ret)
{
	int base = 10;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	if (any_base && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (any_base && s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (any_base && s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	if (!isxdigit((unsigned char)*s))
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return false;
	*ret = v;
	return true;
}

bool parse_hex(const char *s, uint8_t *out, size_t len)
{
	if (strlen(s) != 2 * len)
		return false;
	for (size_t i = 0; i < 2 * len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	for (size_t i = 0; i < len; i++) {
		char byte[3] = { s[2 * i], s[2 * i + 1], 0 };
		out[i] = (uint8_t)strtoul(byte, NULL, 16);
	}
	return true;
}

void to_hex(const uint8_t *d, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 0xf];
	}
	out[2 * len] = '\0';
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
