/* SPDX-License-Identifier: Apache-2.0 */
/* The tests' IGVM writer (igvm_writer.h). */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "igvm_writer.h"

#define FIXED 24u

struct fixup {
	size_t at; /* where a file offset goes in the header section */
	size_t data; /* its offset in the data section */
};

struct iw {
	uint8_t *h, *d;
	size_t nh, nd;
	struct fixup *fix;
	size_t nfix;
};

static void *grow(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q)
		abort();
	return q;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

struct iw *iw_new(void)
{
	struct iw *w = calloc(1, sizeof(*w));

	if (!w)
		abort();
	return w;
}

void iw_raw(struct iw *w, uint32_t type, const void *body, uint32_t len)
{
	size_t padded = (len + 7u) & ~7u;

	w->h = grow(w->h, w->nh + 8 + padded);
	put32(w->h + w->nh, type);
	put32(w->h + w->nh + 4, len);
	memset(w->h + w->nh + 8, 0, padded);
	memcpy(w->h + w->nh + 8, body, len);
	w->nh += 8 + padded;
}

/* File data of len bytes; the header's file offset at body offset `at` points at it. */
static void data(struct iw *w, size_t at_in_body, size_t body_len, const void *bytes, size_t len)
{
	size_t header_start = w->nh - ((body_len + 7u) & ~7u);

	w->fix = grow(w->fix, (w->nfix + 1) * sizeof(*w->fix));
	w->fix[w->nfix++] = (struct fixup){ .at = header_start + at_in_body, .data = w->nd };
	w->d = grow(w->d, w->nd + len);
	memcpy(w->d + w->nd, bytes, len);
	w->nd += len;
}

void iw_platform(struct iw *w, uint32_t mask, uint8_t type)
{
	uint8_t b[16] = { 0 };

	put32(b, mask);
	b[5] = type;
	b[6] = 1; /* platform version */
	iw_raw(w, 0x001, b, sizeof(b));
}

void iw_policy(struct iw *w, uint32_t mask, uint64_t policy)
{
	uint8_t b[16] = { 0 };

	put64(b, policy);
	put32(b + 8, mask);
	iw_raw(w, 0x101, b, sizeof(b));
}

void iw_page(struct iw *w, uint64_t gpa, uint32_t mask, uint32_t flags, uint16_t data_type,
	     const uint8_t *page)
{
	uint8_t b[24] = { 0 };

	put64(b, gpa);
	put32(b + 8, mask);
	put32(b + 16, flags);
	b[20] = (uint8_t)data_type;
	iw_raw(w, 0x302, b, sizeof(b));
	if (page)
		data(w, 12, sizeof(b), page, 4096);
}

void iw_corim(struct iw *w, uint32_t type, uint32_t mask, const void *bytes, uint32_t len)
{
	uint8_t b[16] = { 0 };

	put32(b, mask);
	put32(b + 8, len);
	iw_raw(w, type, b, sizeof(b));
	data(w, 4, sizeof(b), bytes, len);
}

void iw_area(struct iw *w, uint32_t index, uint64_t bytes)
{
	uint8_t b[16] = { 0 };

	put64(b, bytes);
	put32(b + 8, index);
	iw_raw(w, 0x301, b, sizeof(b));
}

void iw_insert(struct iw *w, uint64_t gpa, uint32_t mask, uint32_t index)
{
	uint8_t b[16] = { 0 };

	put64(b, gpa);
	put32(b + 8, mask);
	put32(b + 12, index);
	iw_raw(w, 0x303, b, sizeof(b));
}

void iw_vp(struct iw *w, uint64_t gpa, uint32_t mask, uint16_t vp, const uint8_t vmsa[4096])
{
	uint8_t b[20] = { 0 };

	put64(b, gpa);
	put32(b + 8, mask);
	b[16] = (uint8_t)vp;
	b[17] = (uint8_t)(vp >> 8);
	iw_raw(w, 0x304, b, sizeof(b));
	data(w, 12, sizeof(b), vmsa, 4096);
}

void iw_param(struct iw *w, uint32_t type, uint32_t index, uint32_t byte_offset)
{
	uint8_t b[8];

	put32(b, index);
	put32(b + 4, byte_offset);
	iw_raw(w, type, b, sizeof(b));
}

void iw_required_memory(struct iw *w, uint64_t gpa, uint32_t mask, uint32_t bytes)
{
	uint8_t b[24] = { 0 };

	put64(b, gpa);
	put32(b + 8, mask);
	put32(b + 12, bytes);
	iw_raw(w, 0x305, b, sizeof(b));
}

void iw_id_block(struct iw *w, uint32_t mask, const uint8_t ld[48], uint32_t guest_svn)
{
	uint8_t b[696] = { 0 };

	put32(b, mask);
	memcpy(b + 8, ld, 48);
	put32(b + 88, 1); /* version */
	put32(b + 92, guest_svn);
	iw_raw(w, 0x30b, b, sizeof(b));
}

uint8_t *iw_finish(struct iw *w, size_t *ret_len)
{
	size_t data_start = FIXED + w->nh, len = data_start + w->nd;
	uint8_t *f = calloc(1, len ? len : 1);
	uLong crc;

	if (!f)
		abort();
	for (size_t i = 0; i < w->nfix; i++)
		put32(w->h + w->fix[i].at, (uint32_t)(data_start + w->fix[i].data));
	put32(f, 0x4d564749); /* "IGVM" */
	put32(f + 4, 1);
	put32(f + 8, FIXED);
	put32(f + 12, (uint32_t)w->nh);
	put32(f + 16, (uint32_t)len);
	memcpy(f + FIXED, w->h, w->nh);
	memcpy(f + data_start, w->d, w->nd);
	crc = crc32(0L, Z_NULL, 0);
	crc = crc32(crc, f, FIXED + (uInt)w->nh);
	put32(f + 20, (uint32_t)crc);
	free(w->h);
	free(w->d);
	free(w->fix);
	free(w);
	*ret_len = len;
	return f;
}
