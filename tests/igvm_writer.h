/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An IGVM file writer for the tests, written from the format (microsoft/igvm igvm_defs), not from
 * the parser it tests: headers of every kind in any order, file data placed after them, the
 * fixed header and its CRC32. It writes malformed files too, on request.
 */
#ifndef SNPM_TESTS_IGVM_WRITER_H
#define SNPM_TESTS_IGVM_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct iw;

struct iw *iw_new(void);
/* The SUPPORTED_PLATFORM, GUEST_POLICY and directive headers, in call order. */
void iw_platform(struct iw *w, uint32_t mask, uint8_t type);
void iw_policy(struct iw *w, uint32_t mask, uint64_t policy);
/* data: 4096 bytes, or NULL for a page without file data. flags: 1 = 2 MiB, 2 = unmeasured. */
void iw_page(struct iw *w, uint64_t gpa, uint32_t mask, uint32_t flags, uint16_t data_type,
	     const uint8_t *data);
void iw_area(struct iw *w, uint32_t index, uint64_t bytes);
/* CORIM_DOCUMENT (0x104) or CORIM_SIGNATURE (0x105): its bytes as file data. */
void iw_corim(struct iw *w, uint32_t type, uint32_t mask, const void *bytes, uint32_t len);
void iw_insert(struct iw *w, uint64_t gpa, uint32_t mask, uint32_t index);
void iw_vp(struct iw *w, uint64_t gpa, uint32_t mask, uint16_t vp, const uint8_t vmsa[4096]);
/* A parameter directive (VP_COUNT, MEMORY_MAP, SRAT, ...): area index and byte offset. */
void iw_param(struct iw *w, uint32_t type, uint32_t index, uint32_t byte_offset);
void iw_required_memory(struct iw *w, uint64_t gpa, uint32_t mask, uint32_t bytes);
void iw_id_block(struct iw *w, uint32_t mask, const uint8_t ld[48], uint32_t guest_svn);
/* Any header: type, and its body as given (padded to 8 bytes). */
void iw_raw(struct iw *w, uint32_t type, const void *body, uint32_t len);

/* The file (malloc'd, *ret_len bytes); frees w. */
uint8_t *iw_finish(struct iw *w, size_t *ret_len);

#endif
