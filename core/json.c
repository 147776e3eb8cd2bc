/* SPDX-License-Identifier: Apache-2.0 */
/* Strict JSON through json-c, and the typed getters of json.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "crypto.h"
#include "json.h"

void snpm_json_add_hex(struct json_object *o, const char *key, const uint8_t *d, size_t len)
{
	char buf[2 * SNPM_LD_SIZE + 1];

	snpm_hex_encode(d, len, buf);
	json_object_object_add(o, key, json_object_new_string(buf));
}

void snpm_json_add_u64_hex(struct json_object *o, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	json_object_object_add(o, key, json_object_new_string(buf));
}

/*
 * A non-negative integer: a JSON integer, or a string in the grammar of snpm_parse_number()
 * (decimal, 0x, 0o or 0b; "0x0x4" and " 4" are not numbers).
 */
int snpm_json_u64(struct json_object *v, const char *key, uint64_t max, uint64_t *ret,
		  struct snpm_error *reterr)
{
	if (json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);
		/* json-c saturates values it cannot hold at INT64_MAX. */
		if (i < 0 || i == INT64_MAX || (uint64_t)i > max)
			return snpm_fail(reterr, SNPM_ERANGE, "\"%s\" is out of range", key);
		*ret = (uint64_t)i;
		return 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		if (!snpm_parse_number(json_object_get_string(v), max, ret))
			return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" is not a number in range",
					 key);
		return 0;
	}
	return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" must be a number or a numeric string", key);
}

int snpm_json_u32(struct json_object *v, const char *key, uint32_t *ret, struct snpm_error *reterr)
{
	uint64_t x;
	int r = snpm_json_u64(v, key, UINT32_MAX, &x, reterr);

	if (r == 0)
		*ret = (uint32_t)x;
	return r;
}

int snpm_json_str(struct json_object *v, const char *key, const char **ret,
		  struct snpm_error *reterr)
{
	if (!json_object_is_type(v, json_type_string))
		return snpm_fail(reterr, SNPM_EINVAL, "\"%s\" must be a string", key);
	*ret = json_object_get_string(v);
	return 0;
}

int snpm_json_hex(struct json_object *v, const char *key, uint8_t *out, size_t len,
		  struct snpm_error *reterr)
{
	const char *s = NULL;
	int r = snpm_json_str(v, key, &s, reterr);

	if (r == 0 && !snpm_hex_decode(s, out, len))
		r = snpm_fail(reterr, SNPM_EINVAL, "\"%s\" must be %zu hex digits", key, 2 * len);
	return r;
}

int snpm_json_dup(struct json_object *v, const char *key, char **ret, struct snpm_error *reterr)
{
	const char *s = NULL;
	int r = snpm_json_str(v, key, &s, reterr);

	if (r < 0)
		return r;
	free(*ret);
	*ret = strdup(s);
	return *ret ? 0 : snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
}

/* Members of every object in the tree. */
static size_t count_members(struct json_object *o)
{
	size_t n = 0;

	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			(void)k;
			n += 1 + count_members(v);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			n += count_members(json_object_array_get_idx(o, i));
	}
	return n;
}

/*
 * What json-c cannot be asked to refuse. It keeps the last of duplicate keys, cuts keys and
 * strings at an escaped NUL, and takes single-quoted keys, any of which could change a value. The text is known
 * to be strict JSON here, so outside strings a ':' separates exactly one member: fewer members
 * in the tree than colons in the text means a key was given twice.
 */
static int check_text(const char *json, struct json_object *o, struct snpm_error *reterr)
{
	size_t colons = 0;
	bool in_string = false;

	for (const char *p = json; *p; p++) {
		if (!in_string) {
			/* json-c takes 'single-quoted' keys even when strict; JSON has none. */
			if (*p == '\'')
				return snpm_fail(reterr, SNPM_EMALFORMED,
						 "not JSON: a single-quoted string");
			colons += *p == ':';
			in_string = *p == '"';
		} else if (*p == '\\') {
			if (p[1] == 'u' && strncmp(p + 2, "0000", 4) == 0)
				return snpm_fail(reterr, SNPM_EMALFORMED,
						 "a string holds a NUL character (\\u0000)");
			p++;
		} else {
			in_string = *p != '"';
		}
	}
	if (colons != count_members(o))
		return snpm_fail(reterr, SNPM_EMALFORMED, "a key appears twice in one object");
	return 0;
}

/* One JSON object per RFC 8259 and nothing else: no comments, single quotes, trailing commas,
 * invalid UTF-8, duplicate keys, escaped NULs or text after it. */
int snpm_json_parse(const char *json, struct json_object **ret, struct snpm_error *reterr)
{
	enum json_tokener_error jerr;
	struct json_tokener *tok;
	struct json_object *o;
	size_t len, end;
	int r;

	if (!json)
		return snpm_fail(reterr, SNPM_EINVAL, "no document");
	len = strlen(json);
	if (len > INT32_MAX)
		return snpm_fail(reterr, SNPM_ERANGE, "document too large");
	tok = json_tokener_new();
	if (!tok)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || jerr != json_tokener_success) {
		json_object_put(o);
		return snpm_fail(reterr, SNPM_EMALFORMED, "not JSON: %s",
				 jerr == json_tokener_continue ? "unexpected end" :
								 json_tokener_error_desc(jerr));
	}
	end += strspn(json + end, " \t\r\n");
	r = end != len ? snpm_fail(reterr, SNPM_EMALFORMED, "text after the JSON value") : 0;
	if (r == 0 && !json_object_is_type(o, json_type_object))
		r = snpm_fail(reterr, SNPM_EMALFORMED, "the document must be a JSON object");
	if (r == 0)
		r = check_text(json, o, reterr);
	if (r < 0) {
		json_object_put(o);
		return r;
	}
	*ret = o;
	return 0;
}

int snpm_json_parse_bytes(const uint8_t *data, size_t len, struct json_object **ret,
			  struct snpm_error *reterr)
{
	char *text;
	int r;

	if (!data)
		return snpm_fail(reterr, SNPM_EINVAL, "no document");
	if (memchr(data, 0, len))
		return snpm_fail(reterr, SNPM_EMALFORMED, "the JSON text holds a NUL byte");
	text = malloc(len + 1);
	if (!text)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	memcpy(text, data, len);
	text[len] = '\0';
	r = snpm_json_parse(text, ret, reterr);
	free(text);
	return r;
}

/* A key for a message: at most a few dozen bytes of it, so a huge key stays one short line. */
static const char *key_excerpt(const char *key, char buf[48])
{
	size_t n = strlen(key);

	if (n < 40)
		return key;
	snprintf(buf, 48, "%.36s...", key);
	return buf;
}

int snpm_json_unknown_key(struct snpm_error *reterr, const char *where, const char *key)
{
	char buf[48];

	return snpm_fail(reterr, SNPM_EINVAL, "unknown key \"%s%s%s\"", where, *where ? "." : "",
			 key_excerpt(key, buf));
}

/* Refuses any key of o not in the NULL-terminated list. */
int snpm_json_only_keys(struct json_object *o, const char *where, const char *const *known,
			struct snpm_error *reterr)
{
	json_object_object_foreach(o, k, v) {
		size_t i = 0;
		(void)v;
		while (known[i] && strcmp(known[i], k) != 0)
			i++;
		if (!known[i])
			return snpm_json_unknown_key(reterr, where, k);
	}
	return 0;
}

/* A nullable member: absent and null both mean "not there". */
bool snpm_json_nonnull(struct json_object *o, const char *key, struct json_object **v)
{
	return json_object_object_get_ex(o, key, v) && *v;
}
