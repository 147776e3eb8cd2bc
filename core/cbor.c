/* SPDX-License-Identifier: Apache-2.0 */
/* A first pass over CBOR with libcbor's streaming decoder (core/cbor.h). */
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

bool snpm_cbor_prescan(const uint8_t *data, size_t len, size_t max_depth, bool tags)
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
		uint8_t first = data[at];
		if (first >= 0xd2 && first <= 0xd4)
			return false;
		struct cbor_decoder_result r = cbor_stream_decode(data + at, len - at, &cb, &s);
		if (r.status != CBOR_DECODER_FINISHED || r.read == 0)
			return false;
		at += r.read;
		s.left = len - at;
		/* Containers are counted in scan_open and tags in scan_tag; every other event is
		 * one item. */
		if ((first >> 5) != 4 && (first >> 5) != 5 && (first >> 5) != 6)
			scan_item(&s);
	}
	return !s.bad && complete(&s);
}
