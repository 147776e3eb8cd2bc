/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SNP launch digest chain (AMD SEV-SNP ABI specification, SNP_LAUNCH_UPDATE, PAGE_INFO).
 * The engine allocates nothing of its own; OpenSSL may, inside EVP_Digest.
 */
#include <string.h>

#include <snpm/measure.h>

#include "chain.h"
#include "../core/crypto.h"

/* PAGE_INFO, as hashed into the launch digest. */
enum {
	PI_DIGEST_CUR = 0x00, /* the launch digest so far (48) */
	PI_CONTENTS = 0x30, /* SHA-384 of the page, or zeros for pages that are not hashed (48) */
	PI_LENGTH = 0x60, /* u16: the size of PAGE_INFO, 0x70 */
	PI_PAGE_TYPE = 0x62, /* u8: enum snpm_page_type */
	PI_IMI_PAGE = 0x63, /* u8: bit 0 set for pages of an incoming migration image; 0 */
	PI_VMPL3_PERMS = 0x64, /* u8 each: VMPL permission masks, 0 for VMPL0-only launch */
	PI_VMPL2_PERMS = 0x65,
	PI_VMPL1_PERMS = 0x66,
	PI_RESERVED = 0x67, /* u8: 0 */
	PI_GPA = 0x68, /* u64: guest physical address of the page */
	PI_SIZE = 0x70,
};
_Static_assert(PI_GPA + 8 == PI_SIZE, "PAGE_INFO is 0x70 bytes");

void snpm_launch_init(struct snpm_launch_ctx *ctx)
{
	memset(ctx->ld, 0, sizeof(ctx->ld));
}

void snpm_launch_seed(struct snpm_launch_ctx *ctx, const uint8_t ld[SNPM_LD_SIZE])
{
	memcpy(ctx->ld, ld, SNPM_LD_SIZE);
}

static bool page_type_valid(enum snpm_page_type type)
{
	return type >= SNPM_PAGE_NORMAL && type <= SNPM_PAGE_CPUID;
}

int snpm_launch_update(struct snpm_launch_ctx *ctx, enum snpm_page_type type, uint64_t gpa,
		       const uint8_t contents[SNPM_SHA384_SIZE], struct snpm_error *reterr)
{
	uint8_t info[PI_SIZE] = { 0 };

	if (!page_type_valid(type))
		return snpm_fail(reterr, SNPM_EINVAL, "unknown page type %d", (int)type);
	if (gpa % SNPM_PAGE_SIZE || gpa >= SNPM_GPA_LIMIT)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "GPA 0x%llx is not a page-aligned address below 2^52",
				 (unsigned long long)gpa);
	memcpy(info + PI_DIGEST_CUR, ctx->ld, SNPM_LD_SIZE);
	memcpy(info + PI_CONTENTS, contents, SNPM_SHA384_SIZE);
	snpm_put_le16(info + PI_LENGTH, PI_SIZE);
	info[PI_PAGE_TYPE] = (uint8_t)type;
	snpm_put_le64(info + PI_GPA, gpa);
	return snpm_digest(SNPM_HASH_SHA384, info, sizeof(info), ctx->ld, reterr);
}

/* Checks that [gpa, gpa + len) is a non-empty run of whole pages below 2^52. */
static int check_range(uint64_t gpa, uint64_t len, struct snpm_error *reterr)
{
	uint64_t end;

	if (len == 0 || len % SNPM_PAGE_SIZE)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "length 0x%llx is not a non-zero multiple of the page size",
				 (unsigned long long)len);
	if (!snpm_add_u64(gpa, len, &end) || end > SNPM_GPA_LIMIT)
		return snpm_fail(reterr, SNPM_ERANGE, "range at GPA 0x%llx reaches past 2^52",
				 (unsigned long long)gpa);
	return 0;
}

int snpm_launch_pages(struct snpm_launch_ctx *ctx, enum snpm_page_type type, uint64_t gpa,
		      const uint8_t *data, uint64_t len, snpm_page_hook hook, void *arg,
		      struct snpm_error *reterr)
{
	/* Work on a copy so that a failure leaves the caller's chain as it was. */
	struct snpm_launch_ctx next = *ctx;
	uint8_t digest[SNPM_SHA384_SIZE];
	bool hashed = type == SNPM_PAGE_NORMAL || type == SNPM_PAGE_VMSA;
	int r = check_range(gpa, len, reterr);

	if (r == 0 && hashed != (data != NULL))
		r = snpm_fail(reterr, SNPM_EINVAL, "page type %d %s measured contents", (int)type,
			      hashed ? "needs" : "has no");
	for (uint64_t off = 0; r == 0 && off < len; off += SNPM_PAGE_SIZE) {
		if (data)
			r = snpm_digest(SNPM_HASH_SHA384, data + off, SNPM_PAGE_SIZE, digest,
					reterr);
		else
			memset(digest, 0, sizeof(digest));
		if (r == 0)
			r = snpm_launch_update(&next, type, gpa + off, digest, reterr);
		if (r == 0 && hook)
			hook(arg, type, gpa + off, digest, next.ld);
	}
	if (r == 0)
		*ctx = next;
	return r;
}

const uint8_t snpm_zero_page_sha384[SNPM_SHA384_SIZE] = {
	0xc0, 0xe5, 0x9a, 0x3e, 0x3f, 0xfb, 0xd3, 0xb5, 0xc7, 0x54, 0x28, 0xfb,
	0x36, 0x43, 0x2f, 0xac, 0xab, 0xc7, 0x45, 0x94, 0x42, 0x96, 0xff, 0x51,
	0x5f, 0x73, 0x7c, 0x4f, 0xef, 0x4e, 0xfc, 0x64, 0x58, 0x68, 0x09, 0xf7,
	0xa1, 0x6f, 0x56, 0x35, 0x4a, 0x1e, 0xae, 0xcf, 0x2a, 0xa8, 0xd7, 0x74,
};

int snpm_launch_zero_pages(struct snpm_launch_ctx *ctx, uint64_t gpa, uint64_t len,
			   snpm_page_hook hook, void *arg, struct snpm_error *reterr)
{
	struct snpm_launch_ctx next = *ctx;
	int r = check_range(gpa, len, reterr);

	for (uint64_t off = 0; r == 0 && off < len; off += SNPM_PAGE_SIZE) {
		r = snpm_launch_update(&next, SNPM_PAGE_NORMAL, gpa + off, snpm_zero_page_sha384,
				       reterr);
		if (r == 0 && hook)
			hook(arg, SNPM_PAGE_NORMAL, gpa + off, snpm_zero_page_sha384, next.ld);
	}
	if (r == 0)
		*ctx = next;
	return r;
}

int snpm_launch_update_normal(struct snpm_launch_ctx *ctx, uint64_t gpa, const uint8_t *data,
			      size_t len, struct snpm_error *reterr)
{
	if (!data)
		return snpm_fail(reterr, SNPM_EINVAL, "no page data");
	return snpm_launch_pages(ctx, SNPM_PAGE_NORMAL, gpa, data, len, NULL, NULL, reterr);
}

int snpm_launch_update_empty(struct snpm_launch_ctx *ctx, enum snpm_page_type type, uint64_t gpa,
			     uint64_t len, struct snpm_error *reterr)
{
	return snpm_launch_pages(ctx, type, gpa, NULL, len, NULL, NULL, reterr);
}

int snpm_launch_update_vmsa(struct snpm_launch_ctx *ctx, uint64_t gpa,
			    const uint8_t page[SNPM_PAGE_SIZE], struct snpm_error *reterr)
{
	if (!page)
		return snpm_fail(reterr, SNPM_EINVAL, "no VMSA page");
	return snpm_launch_pages(ctx, SNPM_PAGE_VMSA, gpa, page, SNPM_PAGE_SIZE, NULL, NULL,
				 reterr);
}
