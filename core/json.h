/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The library's JSON helpers (never installed): JSON read strictly through json-c (one RFC 8259 value, no duplicate keys,
 * no NULs in strings, no single quotes, nothing after it), typed getters whose messages name the
 * key, and refusal of unknown keys. Documents, policies and bundles use them.
 */
#ifndef SNPM_CORE_JSON_H
#define SNPM_CORE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <snpm/common.h>

void snpm_json_add_hex(struct json_object *o, const char *key, const uint8_t *d, size_t len);
void snpm_json_add_u64_hex(struct json_object *o, const char *key, uint64_t v);
/* A JSON integer, or a string in the grammar of snpm_parse_number(), at most max. */
int snpm_json_u64(struct json_object *v, const char *key, uint64_t max, uint64_t *ret,
		  struct snpm_error *reterr);
int snpm_json_u32(struct json_object *v, const char *key, uint32_t *ret, struct snpm_error *reterr);
int snpm_json_str(struct json_object *v, const char *key, const char **ret,
		  struct snpm_error *reterr);
/* Exactly 2 * len hex digits into out. */
int snpm_json_hex(struct json_object *v, const char *key, uint8_t *out, size_t len,
		  struct snpm_error *reterr);
/* A string copied into *ret (freeing what was there). */
int snpm_json_dup(struct json_object *v, const char *key, char **ret, struct snpm_error *reterr);
/* The document: one JSON object and nothing else. *ret: json_object_put() it. */
int snpm_json_parse(const char *json, struct json_object **ret, struct snpm_error *reterr);
/* The same from len bytes that are not a C string (a NUL among them is refused). */
int snpm_json_parse_bytes(const uint8_t *data, size_t len, struct json_object **ret,
			  struct snpm_error *reterr);
/* "unknown key WHERE.KEY", quoting at most 40 bytes of the key. */
int snpm_json_unknown_key(struct snpm_error *reterr, const char *where, const char *key);
/* Refuses any key of o not in the NULL-terminated list. */
int snpm_json_only_keys(struct json_object *o, const char *where, const char *const *known,
			struct snpm_error *reterr);
/* A member that is there and not null. */
bool snpm_json_nonnull(struct json_object *o, const char *key, struct json_object **v);

#endif /* SNPM_CORE_JSON_H */
