/* SPDX-License-Identifier: Apache-2.0 */
/* Private: a first pass over CBOR before libcbor builds a tree of it (core/cbor.c). */
#ifndef SNPM_CORE_CBOR_H
#define SNPM_CORE_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Whether data is one or more complete CBOR items libcbor may safely build: every array and map
 * count fits the bytes left (libcbor allocates what a header declares, so a few hostile bytes
 * could ask for gigabytes), no indefinite lengths, nesting at most max_depth, every container
 * and tag complete at the end (libcbor 0.8 leaks what it built of an item it cannot finish),
 * and tags only when allowed. Tags 18-20 in their one-byte form, which libcbor 0.8 cannot
 * decode, are refused.
 */
bool snpm_cbor_prescan(const uint8_t *data, size_t len, size_t max_depth, bool tags);

/* The length of the first item of a CBOR sequence (RFC 8742) by the same rules, or 0. */
size_t snpm_cbor_first_item(const uint8_t *data, size_t len, size_t max_depth);

/* ---- reading a tree libcbor built (definite items only) ---- */

#include <cbor.h>

/* All of data as one item, after snpm_cbor_prescan (trailing bytes refused), or NULL. */
cbor_item_t *snpm_cbor_decode_all(const uint8_t *data, size_t len, size_t max_depth);
/* The value of unsigned-integer key k in a definite map, or NULL. */
cbor_item_t *snpm_cbor_map_at(cbor_item_t *map, uint64_t k);
/* A definite map whose keys are unsigned integers below 32, each allowed (bit k) at most once. */
bool snpm_cbor_int_map(cbor_item_t *m, uint32_t allowed);
/* A definite array of exactly n items. */
bool snpm_cbor_array_of(cbor_item_t *a, size_t n);
/* A definite text string equal to s. */
bool snpm_cbor_text_is(cbor_item_t *t, const char *s);
/* A definite byte string of exactly n bytes (any length when n is SIZE_MAX). */
bool snpm_cbor_bytes_of(cbor_item_t *b, size_t n);
/* The item tag number `tag` holds (borrowed), or NULL when t is not that tag. */
cbor_item_t *snpm_cbor_tagged(cbor_item_t *t, uint64_t tag);
/* An unsigned integer's value; false when t is none. */
bool snpm_cbor_uint(cbor_item_t *t, uint64_t *v);

/* ---- building (deterministic encoding: shortest heads, keys in the order added) ---- */

/* An unsigned integer in its shortest form, or a negative one; NULL when out of memory. */
cbor_item_t *snpm_cbor_uint_new(uint64_t v);
cbor_item_t *snpm_cbor_int_new(int64_t v);
/* map[k] = v, taking v's reference (v may be NULL: then false). */
bool snpm_cbor_put(cbor_item_t *map, uint64_t k, cbor_item_t *v);
bool snpm_cbor_push(cbor_item_t *array, cbor_item_t *v);
/* #6.tag(item), taking item's reference; NULL when out of memory or item is NULL. */
cbor_item_t *snpm_cbor_tag_new(uint64_t tag, cbor_item_t *item);
/* The encoding of item (malloc'd), or NULL; *len its size. */
uint8_t *snpm_cbor_encode(cbor_item_t *item, size_t *len);

#endif /* SNPM_CORE_CBOR_H */
