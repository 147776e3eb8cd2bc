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

#endif /* SNPM_CORE_CBOR_H */
