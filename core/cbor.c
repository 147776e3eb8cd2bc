/* SPDX-License-Identifier: Apache-2.0 */
/* A first pass over CBOR with libcbor's streaming decoder (core/cbor.h). */
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "cbor.h"

#define DEPTH_LIMIT 32

struct prescan {
	size_t left; /* bytes after the current header */
	size_t depth, max_depth;
	uint64_t items[DEPTH_LIMIT]; /* items each open container still holds */
	bool tags, pending_tag, bad;
};

/* One item of the innermost open container (or a tag's item) is done. */
static void scan_item(struct prescan *s)
{
	s->pending_tag = false;
	while (s->depth && s->items[s->depth - 1] == 0)
		s->depth--;
	if (s->depth)
		s->items[s->depth - 1]--;
}

static void scan_open(struct prescan *s, uint64_t items)
{
	scan_item(s);
	if (items > s->left || s->depth == s->max_depth)
		s->bad = true;
	else if (items)
		s->items[s->depth++] = items;
}

static void scan_array(void *ctx, size_t n)
{
	scan_open(ctx, n);
}

static void scan_map(void *ctx, size_t n)
{
	scan_open(ctx, n > SIZE_MAX / 2 ? UINT64_MAX : 2 * (uint64_t)n);
}

static void scan_bad(void *ctx)
{
	((struct prescan *)ctx)->bad = true;
}

/* A tag is not an item of its container: the item after it is. */
static void scan_tag(void *ctx, uint64_t tag)
{
	struct prescan *s = ctx;

	(void)tag;
	s->bad |= !s->tags;
	s->pending_tag = true;
}

/* Every container closed, no tag waiting for its item. */
static bool complete(const struct prescan *s)
{
	for (size_t d = 0; d < s->depth; d++)
		if (s->items[d])
			return false;
	return !s->pending_tag;
}

/* Scans from the start: every item (or only the first, when first is set). Returns the bytes
 * scanned, or 0 when they are not what snpm_cbor_prescan() accepts. */
static size_t scan(const uint8_t *data, size_t len, size_t max_depth, bool tags, bool first)
{
	struct cbor_callbacks cb = cbor_empty_callbacks;
	struct prescan s = { .left = len,
			     .max_depth = max_depth < DEPTH_LIMIT ? max_depth : DEPTH_LIMIT,
			     .tags = tags };
	size_t at = 0;

	cb.array_start = scan_array;
	cb.map_start = scan_map;
	cb.indef_array_start = cb.indef_map_start = scan_bad;
	cb.string_start = cb.byte_string_start = scan_bad; /* indefinite strings */
	cb.tag = scan_tag;
	while (at < len && !s.bad) {
		uint8_t head = data[at];
		if (head >= 0xd2 && head <= 0xd4)
			return 0;
		struct cbor_decoder_result r = cbor_stream_decode(data + at, len - at, &cb, &s);
		if (r.status != CBOR_DECODER_FINISHED || r.read == 0)
			return 0;
		at += r.read;
		s.left = len - at;
		/* Containers are counted in scan_open and tags in scan_tag; every other event is
		 * one item. */
		if ((head >> 5) != 4 && (head >> 5) != 5 && (head >> 5) != 6)
			scan_item(&s);
		if (first && !s.bad && complete(&s))
			break;
	}
	return !s.bad && complete(&s) ? at : 0;
}

bool snpm_cbor_prescan(const uint8_t *data, size_t len, size_t max_depth, bool tags)
{
	return len > 0 && scan(data, len, max_depth, tags, false) == len;
}

size_t snpm_cbor_first_item(const uint8_t *data, size_t len, size_t max_depth)
{
	return scan(data, len, max_depth, true, true);
}

/* ---- reading ---- */

cbor_item_t *snpm_cbor_decode_all(const uint8_t *data, size_t len, size_t max_depth)
{
	struct cbor_load_result res;
	cbor_item_t *item;

	if (!snpm_cbor_prescan(data, len, max_depth, true))
		return NULL;
	item = cbor_load(data, len, &res);
	if (item && (res.error.code != CBOR_ERR_NONE || res.read != len)) {
		cbor_decref(&item);
		return NULL;
	}
	return item;
}

cbor_item_t *snpm_cbor_map_at(cbor_item_t *map, uint64_t k)
{
	struct cbor_pair *p;

	if (!map || !cbor_isa_map(map))
		return NULL;
	p = cbor_map_handle(map);
	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (cbor_isa_uint(p[i].key) && cbor_get_int(p[i].key) == k)
			return p[i].value;
	return NULL;
}

bool snpm_cbor_int_map(cbor_item_t *m, uint32_t allowed)
{
	uint32_t seen = 0;

	if (!m || !cbor_isa_map(m) || !cbor_map_is_definite(m))
		return false;
	for (size_t i = 0; i < cbor_map_size(m); i++) {
		cbor_item_t *k = cbor_map_handle(m)[i].key;
		uint64_t v = cbor_isa_uint(k) ? cbor_get_int(k) : 32;
		if (v >= 32 || !((allowed >> v) & 1) || ((seen >> v) & 1))
			return false;
		seen |= 1u << v;
	}
	return true;
}

bool snpm_cbor_array_of(cbor_item_t *a, size_t n)
{
	return a && cbor_isa_array(a) && cbor_array_is_definite(a) && cbor_array_size(a) == n;
}

bool snpm_cbor_text_is(cbor_item_t *t, const char *s)
{
	size_t n = strlen(s);

	return t && cbor_isa_string(t) && cbor_string_is_definite(t) &&
	       cbor_string_length(t) == n && memcmp(cbor_string_handle(t), s, n) == 0;
}

bool snpm_cbor_bytes_of(cbor_item_t *b, size_t n)
{
	return b && cbor_isa_bytestring(b) && cbor_bytestring_is_definite(b) &&
	       (n == SIZE_MAX || cbor_bytestring_length(b) == n);
}

/* cbor_tag_item() hands out a new reference: given back at once, as the tag holds the item. */
cbor_item_t *snpm_cbor_tagged(cbor_item_t *t, uint64_t tag)
{
	cbor_item_t *item;

	if (!t || !cbor_isa_tag(t) || cbor_tag_value(t) != tag)
		return NULL;
	item = cbor_tag_item(t);
	cbor_intermediate_decref(item);
	return item;
}

bool snpm_cbor_uint(cbor_item_t *t, uint64_t *v)
{
	if (!t || !cbor_isa_uint(t))
		return false;
	*v = cbor_get_int(t);
	return true;
}

/* ---- building ---- */

cbor_item_t *snpm_cbor_uint_new(uint64_t v)
{
	if (v <= UINT8_MAX)
		return cbor_build_uint8((uint8_t)v);
	if (v <= UINT16_MAX)
		return cbor_build_uint16((uint16_t)v);
	if (v <= UINT32_MAX)
		return cbor_build_uint32((uint32_t)v);
	return cbor_build_uint64(v);
}

cbor_item_t *snpm_cbor_int_new(int64_t v)
{
	uint64_t n;
	cbor_item_t *item;

	if (v >= 0)
		return snpm_cbor_uint_new((uint64_t)v);
	n = (uint64_t)(-(v + 1)); /* CBOR's negative integers hold -1 - v */
	item = snpm_cbor_uint_new(n);
	if (item)
		cbor_mark_negint(item);
	return item;
}

bool snpm_cbor_put(cbor_item_t *map, uint64_t k, cbor_item_t *v)
{
	cbor_item_t *key = snpm_cbor_uint_new(k);
	bool ok = key && v && cbor_map_add(map, (struct cbor_pair){ .key = key, .value = v });

	if (key)
		cbor_decref(&key);
	if (v)
		cbor_decref(&v);
	return ok;
}

bool snpm_cbor_push(cbor_item_t *array, cbor_item_t *v)
{
	bool ok = v && cbor_array_push(array, v);

	if (v)
		cbor_decref(&v);
	return ok;
}

cbor_item_t *snpm_cbor_tag_new(uint64_t tag, cbor_item_t *item)
{
	cbor_item_t *t = item ? cbor_build_tag(tag, item) : NULL;

	if (item)
		cbor_decref(&item);
	return t;
}

uint8_t *snpm_cbor_encode(cbor_item_t *item, size_t *len)
{
	unsigned char *buf = NULL;
	size_t cap = 0;

	*len = item ? cbor_serialize_alloc(item, &buf, &cap) : 0;
	if (*len == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
