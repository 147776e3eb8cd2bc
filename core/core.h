/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The library's core helpers (never installed), at the bottom of the include graph: every
 * module may use them, they use nothing of ours but the public <snpm/common.h>. Little-endian
 * access, checked arithmetic, error filling (core.c also holds the version, error strings,
 * hex, the one number grammar and GUID text).
 */
#ifndef SNPM_CORE_H
#define SNPM_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snpm/common.h>

static inline uint16_t snpm_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t snpm_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t snpm_le64(const uint8_t *p)
{
	return (uint64_t)snpm_le32(p) | ((uint64_t)snpm_le32(p + 4) << 32);
}

static inline void snpm_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void snpm_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void snpm_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Checked arithmetic: false on overflow, *ret untouched. */
static inline bool snpm_add_u64(uint64_t a, uint64_t b, uint64_t *ret)
{
	return !__builtin_add_overflow(a, b, ret);
}

static inline bool snpm_mul_u64(uint64_t a, uint64_t b, uint64_t *ret)
{
	return !__builtin_mul_overflow(a, b, ret);
}

/*
 * Room for one more item in a growing array: when n items fill *cap, the array doubles (from
 * first) through realloc, the product checked. array_ptr is the address of the array's pointer
 * (of any type); it and *cap change only on success.
 */
int snpm_grow(void *array_ptr, size_t *cap, size_t n, size_t item_size, size_t first,
	      struct snpm_error *reterr);

/*
 * A caller's sized struct (its first member uint32_t size) into ours: copy gets what the
 * caller's version has and zeros for the rest, and copy's size is ours. Nothing past ours is
 * ever read. what names the struct in errors. Returns 0, SNPM_EINVAL (NULL, size 0 or less than
 * the size member) or SNPM_EUNSUPPORTED (a size larger than ours: a newer caller).
 */
int snpm_sized_in(const void *given, size_t ours, void *copy, const char *what,
		  struct snpm_error *reterr);

/* Ours into a caller's sized struct: at most the bytes its size says its version has. */
int snpm_sized_out(void *dst, const void *ours, size_t ours_size, const char *what,
		   struct snpm_error *reterr);

/* Tells the progress handler, if one is set (snpm_set_progress()). */
void snpm_progress(const char *what, uint64_t done, uint64_t total);

/* Fills reterr (when not NULL) and returns code. */
int snpm_fail(struct snpm_error *reterr, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, with the errno that says why (kept whatever the code). */
int snpm_fail_errno(struct snpm_error *reterr, int code, int saved_errno, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same, with the offset into the input where the problem lies. */
int snpm_fail_at(struct snpm_error *reterr, int code, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* SNPM_CORE_H */
