/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IGVM file headers (microsoft/igvm igvm_defs; the checks of the igvm crate's
 * IgvmFile::new_from_binary, which QEMU and igvmmeasure both parse with). See <snpm/igvm.h>.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include <snpm/igvm.h>

#include "../core/core.h"

#define IGVM_MAGIC 0x4d564749u /* "IGVM" */
#define FIXED_V1_SIZE 24u
#define FIXED_V2_SIZE 32u
#define PAGE_2MB 0x200000ull

/* The fixed header (IGVM_FIXED_HEADER, and _V2's two more fields). */
enum {
	FH_MAGIC = 0, /* u32 */
	FH_VERSION = 4, /* u32: 1 or 2 */
	FH_VH_OFFSET = 8, /* u32: variable headers, from the file start, 8-aligned */
	FH_VH_SIZE = 12, /* u32 */
	FH_TOTAL_SIZE = 16, /* u32: the file's size */
	FH_CHECKSUM = 20, /* u32: CRC32 of fixed + variable headers, this field as 0 */
	FH_ARCH = 24, /* v2, u32: 0 x64, 1 AArch64 */
	FH_PAGE_SIZE = 28, /* v2, u32: 4096 */
};

/* Body sizes of the types this parser decodes (each padded to 8 bytes in the file). */
static const struct {
	uint32_t type;
	uint32_t length;
	const char *name;
} types[] = {
	{ SNPM_IGVM_SUPPORTED_PLATFORM, 16, "SUPPORTED_PLATFORM" },
	{ SNPM_IGVM_GUEST_POLICY, 16, "GUEST_POLICY" },
	{ SNPM_IGVM_RELOCATABLE_REGION, 48, "RELOCATABLE_REGION" },
	{ SNPM_IGVM_PAGE_TABLE_RELOCATION, 32, "PAGE_TABLE_RELOCATION_REGION" },
	{ SNPM_IGVM_CORIM_DOCUMENT, 16, "CORIM_DOCUMENT" },
	{ SNPM_IGVM_CORIM_SIGNATURE, 16, "CORIM_SIGNATURE" },
	{ SNPM_IGVM_CCA_POLICY, 32, "CCA_POLICY" },
	{ SNPM_IGVM_PARAMETER_AREA, 16, "PARAMETER_AREA" },
	{ SNPM_IGVM_PAGE_DATA, 24, "PAGE_DATA" },
	{ SNPM_IGVM_PARAMETER_INSERT, 16, "PARAMETER_INSERT" },
	{ SNPM_IGVM_VP_CONTEXT, 20, "VP_CONTEXT" },
	{ SNPM_IGVM_REQUIRED_MEMORY, 24, "REQUIRED_MEMORY" },
	{ SNPM_IGVM_VP_COUNT_PARAMETER, 8, "VP_COUNT_PARAMETER" },
	{ SNPM_IGVM_SRAT, 8, "SRAT" },
	{ SNPM_IGVM_MADT, 8, "MADT" },
	{ SNPM_IGVM_MMIO_RANGES, 8, "MMIO_RANGES" },
	{ SNPM_IGVM_SNP_ID_BLOCK, 696, "SNP_ID_BLOCK" },
	{ SNPM_IGVM_MEMORY_MAP, 8, "MEMORY_MAP" },
	{ SNPM_IGVM_ERROR_RANGE, 16, "ERROR_RANGE" },
	{ SNPM_IGVM_COMMAND_LINE, 8, "COMMAND_LINE" },
	{ SNPM_IGVM_SLIT, 8, "SLIT" },
	{ SNPM_IGVM_PPTT, 8, "PPTT" },
	{ SNPM_IGVM_VBS_MEASUREMENT, 864, "VBS_MEASUREMENT" },
	{ SNPM_IGVM_DEVICE_TREE, 8, "DEVICE_TREE" },
	{ SNPM_IGVM_ENVIRONMENT_INFO, 8, "ENVIRONMENT_INFO_PARAMETER" },
};

/* SNP_ID_BLOCK body (IGVM_VHS_SNP_ID_BLOCK). */
enum {
	ID_MASK = 0, /* u32 */
	ID_AUTHOR_KEY_ENABLED = 4, /* u8, then 3 reserved */
	ID_LD = 8, /* 48 */
	ID_FAMILY_ID = 56, /* 16 */
	ID_IMAGE_ID = 72, /* 16 */
	ID_VERSION = 88, /* u32 */
	ID_GUEST_SVN = 92, /* u32 */
	ID_ID_KEY_ALGORITHM = 96, /* u32 */
	ID_AUTHOR_KEY_ALGORITHM = 100, /* u32; signatures and keys follow: 592 bytes */
	ID_SIZE = 696,
};

/*
 * The parsed file keeps the variable header section as read and where each header starts;
 * headers are decoded again when asked for, so memory is the section itself and 5 bytes a
 * header (the pages are never held).
 */
struct snpm_igvm {
	uint32_t version;
	uint64_t file_size, data_start; /* the file data section: [data_start, file_size) */
	uint64_t vh_offset;
	uint8_t *vh; /* the variable header section */
	uint32_t vh_size;
	uint32_t *at; /* each header's offset in vh */
	uint8_t *section; /* each header's section */
	size_t n, cap;
	size_t first[4]; /* the first header of each section */
	/* Platforms (few), and parameter areas with their size and state. */
	struct platform {
		uint32_t mask;
		uint8_t type;
		bool corim_document, corim_signature;
	} platforms[32];
	size_t n_platforms;
	struct area {
		uint32_t index;
		uint64_t size;
		bool inserted;
	} * areas;
	size_t n_areas, cap_areas;
	/* Areas by index: an open-addressing table of positions + 1 (0: empty), a power of two
	 * at least twice n_areas, so that a file of many areas parses in linear time. */
	uint32_t *area_slots;
	size_t n_slots;
};

const char *snpm_igvm_type_name(uint32_t type)
{
	type &= ~SNPM_IGVM_OPTIONAL_BIT;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return types[i].name;
	return NULL;
}

const char *snpm_igvm_platform_name(uint8_t platform)
{
	static const char *const names[] = { "NATIVE", "VSM_ISOLATION", "SEV_SNP", "TDX",
					     "SEV",    "SEV_ES",	"CCA" };

	return platform < sizeof(names) / sizeof(names[0]) ? names[platform] : NULL;
}

int snpm_igvm_platform_of_mode(enum snpm_mode mode)
{
	switch (mode) {
	case SNPM_MODE_SNP:
		return SNPM_IGVM_SEV_SNP;
	case SNPM_MODE_SEV_ES:
		return SNPM_IGVM_SEV_ES;
	case SNPM_MODE_SEV:
		return SNPM_IGVM_SEV;
	default:
		return -1;
	}
}

/* ---- failing with the header named ---- */

struct parse {
	struct snpm_igvm *f;
	struct snpm_igvm_header *h; /* the header being checked */
	const uint8_t *body;
	struct snpm_error *reterr;
};

static int bad(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct parse *p, const char *fmt, ...)
{
	const char *name = snpm_igvm_type_name(p->h->type);
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return snpm_fail_at(p->reterr, SNPM_EMALFORMED, p->h->offset,
			    "IGVM header %zu (%s) at offset 0x%llx: %s", p->f->n,
			    name ? name : "unknown type", (unsigned long long)p->h->offset, why);
}

/* ---- one header ---- */

/* [offset, offset + len) must lie in the file data section. 0 means no data. */
static int check_data(struct parse *p, uint32_t offset, uint64_t len)
{
	uint64_t end;

	if (offset == 0)
		return 0;
	if (offset < p->f->data_start || !snpm_add_u64(offset, len, &end) || end > p->f->file_size)
		return bad(p,
			   "%llu bytes of data at file offset 0x%x lie outside the file data "
			   "section (0x%llx-0x%llx)",
			   (unsigned long long)len, offset, (unsigned long long)p->f->data_start,
			   (unsigned long long)p->f->file_size - 1);
	return 0;
}

static int check_aligned(struct parse *p, uint64_t gpa, uint64_t align, const char *what)
{
	uint64_t end;

	if (gpa % align)
		return bad(p, "%s 0x%llx is not %llu KiB aligned", what, (unsigned long long)gpa,
			   (unsigned long long)align >> 10);
	if (!snpm_add_u64(gpa, align, &end) || end > SNPM_GPA_LIMIT)
		return bad(p, "%s 0x%llx lies past 2^52", what, (unsigned long long)gpa);
	return 0;
}

static const struct platform *platform_by_mask(const struct snpm_igvm *f, uint32_t mask)
{
	for (size_t i = 0; i < f->n_platforms; i++)
		if (f->platforms[i].mask == mask)
			return &f->platforms[i];
	return NULL;
}

static size_t area_slot_of(uint32_t index, size_t n_slots)
{
	return (size_t)((index * 0x9e3779b1u) & (uint32_t)(n_slots - 1));
}

static struct area *find_area(const struct snpm_igvm *f, uint32_t index)
{
	for (size_t s = f->n_slots ? area_slot_of(index, f->n_slots) : 0;
	     f->n_slots && f->area_slots[s]; s = (s + 1) & (f->n_slots - 1))
		if (f->areas[f->area_slots[s] - 1].index == index)
			return &f->areas[f->area_slots[s] - 1];
	return NULL;
}

static void area_slot_put(uint32_t *slots, size_t n_slots, uint32_t index, uint32_t position)
{
	size_t s = area_slot_of(index, n_slots);

	while (slots[s])
		s = (s + 1) & (n_slots - 1);
	slots[s] = position + 1;
}

/* Appends an area, growing the array and the table by doubling. */
static int add_area(struct snpm_igvm *f, uint32_t index, uint64_t size, struct snpm_error *reterr)
{
	if (snpm_grow(&f->areas, &f->cap_areas, f->n_areas, sizeof(*f->areas), 16, reterr) < 0)
		return SNPM_ENOMEM;
	if (2 * (f->n_areas + 1) > f->n_slots) {
		size_t n = f->n_slots ? 2 * f->n_slots : 32;
		uint32_t *slots = calloc(n, sizeof(*slots));
		if (!slots)
			return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
		for (size_t i = 0; i < f->n_areas; i++)
			area_slot_put(slots, n, f->areas[i].index, (uint32_t)i);
		free(f->area_slots);
		f->area_slots = slots;
		f->n_slots = n;
	}
	f->areas[f->n_areas] = (struct area){ .index = index, .size = size };
	area_slot_put(f->area_slots, f->n_slots, index, (uint32_t)f->n_areas);
	f->n_areas++;
	return 0;
}

/* ---- the fields of one header: the one place they are read ---- */

static void fields(const struct snpm_igvm *f, const uint8_t *b, struct snpm_igvm_header *h)
{
	const struct area *a;

	switch (h->type) {
	case SNPM_IGVM_SUPPORTED_PLATFORM:
		h->compatibility_mask = snpm_le32(b);
		h->highest_vtl = b[4];
		h->platform_type = b[5];
		h->platform_version = snpm_le16(b + 6);
		h->shared_gpa_boundary = snpm_le64(b + 8);
		break;
	case SNPM_IGVM_GUEST_POLICY:
		h->policy = snpm_le64(b);
		h->compatibility_mask = snpm_le32(b + 8);
		break;
	case SNPM_IGVM_PARAMETER_AREA:
		h->size = snpm_le64(b);
		h->parameter_area_index = snpm_le32(b + 8);
		h->file_offset = snpm_le32(b + 12);
		break;
	case SNPM_IGVM_PAGE_DATA:
		h->gpa = snpm_le64(b);
		h->compatibility_mask = snpm_le32(b + 8);
		h->file_offset = snpm_le32(b + 12);
		h->flags = snpm_le32(b + 16);
		h->data_type = snpm_le16(b + 20);
		h->size = h->flags & SNPM_IGVM_PAGE_2MB ? PAGE_2MB : SNPM_PAGE_SIZE;
		break;
	case SNPM_IGVM_PARAMETER_INSERT:
		h->gpa = snpm_le64(b);
		h->compatibility_mask = snpm_le32(b + 8);
		h->parameter_area_index = snpm_le32(b + 12);
		a = find_area(f, h->parameter_area_index);
		h->size = a ? a->size : 0;
		break;
	case SNPM_IGVM_VP_CONTEXT:
		h->gpa = snpm_le64(b);
		h->compatibility_mask = snpm_le32(b + 8);
		h->file_offset = snpm_le32(b + 12);
		h->vp_index = snpm_le16(b + 16);
		h->size = SNPM_PAGE_SIZE;
		break;
	case SNPM_IGVM_REQUIRED_MEMORY:
	case SNPM_IGVM_ERROR_RANGE:
		h->gpa = snpm_le64(b);
		h->compatibility_mask = snpm_le32(b + 8);
		h->size = snpm_le32(b + 12);
		if (h->type == SNPM_IGVM_REQUIRED_MEMORY)
			h->flags = snpm_le32(b + 16);
		break;
	case SNPM_IGVM_CORIM_DOCUMENT: /* IGVM_VHS_CORIM_DATA */
	case SNPM_IGVM_CORIM_SIGNATURE:
		h->compatibility_mask = snpm_le32(b);
		h->file_offset = snpm_le32(b + 4);
		h->size = snpm_le32(b + 8);
		break;
	case SNPM_IGVM_RELOCATABLE_REGION:
	case SNPM_IGVM_PAGE_TABLE_RELOCATION:
	case SNPM_IGVM_CCA_POLICY:
	case SNPM_IGVM_SNP_ID_BLOCK:
	case SNPM_IGVM_VBS_MEASUREMENT:
		h->compatibility_mask = snpm_le32(b);
		break;
	default: /* the parameters: VP count, SRAT, MADT, memory map, ... */
		if (h->section == SNPM_IGVM_SECTION_DIRECTIVE && h->length == 8) {
			h->parameter_area_index = snpm_le32(b);
			h->byte_offset = snpm_le32(b + 4);
		}
		break;
	}
}

/* ---- what each type must satisfy ---- */

static int check_platform(struct parse *p)
{
	struct snpm_igvm_header *h = p->h;

	if (__builtin_popcount(h->compatibility_mask) != 1)
		return bad(p, "compatibility mask 0x%x does not have exactly one bit set",
			   h->compatibility_mask);
	if (h->highest_vtl != 0 && h->highest_vtl != 2)
		return bad(p, "highest VTL %u is not 0 or 2", h->highest_vtl);
	if (!snpm_igvm_platform_name(h->platform_type))
		return bad(p, "unknown platform type %u", h->platform_type);
	if (h->platform_version != 1)
		return bad(p, "platform version %u is not 1", h->platform_version);
	if ((h->platform_type == SNPM_IGVM_NATIVE || h->platform_type == SNPM_IGVM_VSM_ISOLATION) &&
	    h->shared_gpa_boundary)
		return bad(p, "a shared GPA boundary for a platform without one");
	for (size_t i = 0; i < p->f->n_platforms; i++) {
		const struct platform *o = &p->f->platforms[i];
		if (o->type == h->platform_type)
			return bad(p, "a second %s platform",
				   snpm_igvm_platform_name(h->platform_type));
		if (o->mask == h->compatibility_mask)
			return bad(p, "compatibility mask 0x%x already used",
				   h->compatibility_mask);
	}
	if (p->f->n_platforms == sizeof(p->f->platforms) / sizeof(p->f->platforms[0]))
		return bad(p, "more platforms than compatibility mask bits");
	p->f->platforms[p->f->n_platforms++] =
		(struct platform){ .mask = h->compatibility_mask, .type = h->platform_type };
	return 0;
}

static int check_area(struct parse *p)
{
	struct snpm_igvm_header *h = p->h;
	int r;

	if (h->size == 0 || h->size % SNPM_PAGE_SIZE || h->size > (1ull << 32))
		return bad(p,
			   "parameter area of %llu bytes is not a whole number of pages "
			   "up to 4 GiB",
			   (unsigned long long)h->size);
	if (find_area(p->f, h->parameter_area_index))
		return bad(p, "parameter area index %u declared twice", h->parameter_area_index);
	r = add_area(p->f, h->parameter_area_index, h->size, p->reterr);
	return r < 0 ? r : check_data(p, h->file_offset, h->size);
}

static int check_page_data(struct parse *p)
{
	struct snpm_igvm_header *h = p->h;
	int r;

	if (snpm_le16(p->body + 22) != 0)
		return bad(p, "reserved field is not zero");
	if (h->flags & ~(SNPM_IGVM_PAGE_2MB | SNPM_IGVM_PAGE_UNMEASURED | SNPM_IGVM_PAGE_SHARED))
		return bad(p, "reserved flags 0x%x set", h->flags);
	if (h->data_type > SNPM_IGVM_DATA_CPUID_XF)
		return bad(p, "unknown page data type %u", h->data_type);
	r = check_aligned(p, h->gpa, h->size, "GPA");
	/* The format gives a 2 MiB page 2 MiB of data; the igvm crate (QEMU's and igvmmeasure's
	 * parser) reads 4 KiB of it. Loaders would disagree, so such a page is refused. */
	if (r == 0 && h->file_offset && h->size == PAGE_2MB)
		return snpm_fail_at(
			p->reterr, SNPM_EUNSUPPORTED, h->offset,
			"IGVM header %zu (PAGE_DATA) at offset 0x%llx: a 2 MiB page with "
			"file data, which loaders read differently",
			p->f->n, (unsigned long long)h->offset);
	return r < 0 ? r : check_data(p, h->file_offset, SNPM_PAGE_SIZE);
}

static int check_insert(struct parse *p)
{
	struct snpm_igvm_header *h = p->h;
	struct area *a = find_area(p->f, h->parameter_area_index);

	if (!a)
		return bad(p, "parameter area %u was not declared", h->parameter_area_index);
	if (a->inserted)
		return bad(p, "parameter area %u is inserted a second time",
			   h->parameter_area_index);
	a->inserted = true;
	return check_aligned(p, h->gpa, SNPM_PAGE_SIZE, "GPA");
}

static int check_vp_context(struct parse *p)
{
	struct snpm_igvm_header *h = p->h;
	/* A VP context belongs to exactly one platform: its format depends on it. */
	const struct platform *platform = platform_by_mask(p->f, h->compatibility_mask);
	int r;

	if (snpm_le16(p->body + 18) != 0)
		return bad(p, "reserved field is not zero");
	if (!platform)
		return bad(p, "compatibility mask 0x%x names no single platform",
			   h->compatibility_mask);
	if (h->file_offset == 0)
		return bad(p, "no context data");
	r = check_aligned(p, h->gpa, SNPM_PAGE_SIZE, "GPA");
	if (r == 0 && (platform->type == SNPM_IGVM_SEV_SNP || platform->type == SNPM_IGVM_SEV_ES ||
		       platform->type == SNPM_IGVM_SEV))
		r = check_data(p, h->file_offset, SNPM_PAGE_SIZE);
	else if (r == 0)
		r = check_data(p, h->file_offset, 1);
	return r;
}

static int check_parameter_use(struct parse *p)
{
	struct snpm_igvm_header *h = p->h;
	struct area *a = find_area(p->f, h->parameter_area_index);

	if (!a || a->inserted)
		return bad(p, "parameter area %u is not declared and not yet inserted",
			   h->parameter_area_index);
	return 0;
}

static int check_directive(struct parse *p)
{
	struct snpm_igvm_header *h = p->h;

	switch (h->type) {
	case SNPM_IGVM_PARAMETER_AREA:
		return check_area(p);
	case SNPM_IGVM_PAGE_DATA:
		return check_page_data(p);
	case SNPM_IGVM_PARAMETER_INSERT:
		return check_insert(p);
	case SNPM_IGVM_VP_CONTEXT:
		return check_vp_context(p);
	case SNPM_IGVM_REQUIRED_MEMORY:
		if (snpm_le32(p->body + 20) != 0)
			return bad(p, "reserved field is not zero");
		if (h->size % SNPM_PAGE_SIZE)
			return bad(p, "size %llu is not a whole number of pages",
				   (unsigned long long)h->size);
		return check_aligned(p, h->gpa, SNPM_PAGE_SIZE, "GPA");
	case SNPM_IGVM_ERROR_RANGE:
		return check_aligned(p, h->gpa, SNPM_PAGE_SIZE, "GPA");
	case SNPM_IGVM_SNP_ID_BLOCK:
	case SNPM_IGVM_VBS_MEASUREMENT:
		return 0;
	default:
		return check_parameter_use(p);
	}
}

/*
 * A CoRIM document or its signature (the igvm crate's rules): for one declared platform, at most
 * one of each, the signature after its document, the bytes in the file data section.
 */
static int check_corim(struct parse *p)
{
	struct snpm_igvm_header *h = p->h;
	bool doc = h->type == SNPM_IGVM_CORIM_DOCUMENT;
	struct platform *pl = (struct platform *)platform_by_mask(p->f, h->compatibility_mask);

	if (snpm_le32(p->body + 12) != 0)
		return bad(p, "reserved field is not zero");
	if (!pl)
		return bad(p, "compatibility mask 0x%x is not one declared platform's",
			   h->compatibility_mask);
	if (h->size == 0 || h->size > (1u << 20) || h->file_offset == 0)
		return bad(p, "%llu bytes of data (1 byte to 1 MiB in the file data section)",
			   (unsigned long long)h->size);
	if (doc ? pl->corim_document : pl->corim_signature)
		return bad(p, "a second %s for the platform", doc ? "CoRIM document" : "signature");
	if (!doc && !pl->corim_document)
		return bad(p, "a CoRIM signature before its document");
	*(doc ? &pl->corim_document : &pl->corim_signature) = true;
	return check_data(p, h->file_offset, h->size);
}

static int check_init(struct parse *p)
{
	if (p->h->type == SNPM_IGVM_GUEST_POLICY && snpm_le32(p->body + 12) != 0)
		return bad(p, "reserved field is not zero");
	if (p->h->type == SNPM_IGVM_CORIM_DOCUMENT || p->h->type == SNPM_IGVM_CORIM_SIGNATURE)
		return check_corim(p);
	return 0;
}

/* Which section a type belongs to (IGVM_VHT_RANGE_*), or 0. */
static unsigned section_of(uint32_t type)
{
	type &= ~SNPM_IGVM_OPTIONAL_BIT;
	if (type >= 0x1 && type <= 0x100)
		return SNPM_IGVM_SECTION_PLATFORM;
	if (type >= 0x101 && type <= 0x200)
		return SNPM_IGVM_SECTION_INITIALIZATION;
	if (type >= 0x301 && type <= 0x400)
		return SNPM_IGVM_SECTION_DIRECTIVE;
	return 0;
}

static uint32_t known_length(uint32_t type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return types[i].length;
	return 0;
}

/* Checks header p->h (type, length and offset set) and fills its fields. */
static int check(struct parse *p, unsigned *section)
{
	struct snpm_igvm_header *h = p->h;
	unsigned s = section_of(h->type);
	uint32_t want = known_length(h->type);

	if (s == 0 || (!want && !(h->type & SNPM_IGVM_OPTIONAL_BIT)))
		return snpm_fail_at(
			p->reterr, SNPM_EUNSUPPORTED, h->offset,
			"IGVM header %zu at offset 0x%llx: unknown required header type "
			"0x%x",
			p->f->n, (unsigned long long)h->offset, h->type);
	if (s < *section)
		return bad(p, "a %s header after the %s section",
			   s == 1 ? "platform" : "initialization",
			   *section == 3 ? "directive" : "initialization");
	if (s != *section)
		p->f->first[s] = p->f->n;
	*section = s;
	h->section = s;
	if (!want) /* an optional type this parser does not know: kept, not decoded */
		return 0;
	if (h->length != want)
		return bad(p, "length %u is not the type's %u", h->length, want);
	fields(p->f, p->body, h);
	if (s == SNPM_IGVM_SECTION_PLATFORM)
		return check_platform(p);
	if (s == SNPM_IGVM_SECTION_INITIALIZATION)
		return check_init(p);
	return check_directive(p);
}

static int grow(struct snpm_igvm *f, struct snpm_error *reterr)
{
	size_t cap = f->cap ? 2 * f->cap : 64;
	uint32_t *at;
	uint8_t *section;

	if (f->n < f->cap)
		return 0;
	at = realloc(f->at, cap * sizeof(*at));
	if (at)
		f->at = at;
	section = at ? realloc(f->section, cap) : NULL;
	if (!section)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	f->section = section;
	f->cap = cap;
	return 0;
}

static int walk(struct snpm_igvm *f, struct snpm_error *reterr)
{
	unsigned section = SNPM_IGVM_SECTION_PLATFORM;
	uint32_t at = 0;
	int r = 0;

	while (r == 0 && at < f->vh_size) {
		struct snpm_igvm_header h = { 0 };
		struct parse p = { .f = f, .h = &h, .reterr = reterr };
		uint64_t end;
		if (f->vh_size - at < 8)
			return snpm_fail_at(reterr, SNPM_EMALFORMED, f->vh_offset + at,
					    "IGVM header %zu at offset 0x%llx: cut short", f->n,
					    (unsigned long long)(f->vh_offset + at));
		r = grow(f, reterr);
		if (r < 0)
			return r;
		h.type = snpm_le32(f->vh + at);
		h.length = snpm_le32(f->vh + at + 4);
		h.offset = f->vh_offset + at;
		p.body = f->vh + at + 8;
		end = (uint64_t)at + 8 + (((uint64_t)h.length + 7) & ~7ull);
		if (end > f->vh_size)
			return bad(&p, "its %u bytes reach past the variable header section",
				   h.length);
		for (uint64_t i = at + 8 + h.length; i < end; i++)
			if (f->vh[i])
				return bad(&p, "padding after the header is not zero");
		r = check(&p, &section);
		if (r == 0) {
			f->at[f->n] = at;
			f->section[f->n++] = (uint8_t)h.section;
		}
		at = (uint32_t)end;
	}
	return r;
}

static int read_fixed(const struct snpm_source *src, struct snpm_igvm *f, uint8_t *fixed,
		      uint32_t *ret_size, struct snpm_error *reterr)
{
	uint64_t vh_end;
	uint32_t size = FIXED_V1_SIZE;
	int r = src->size < FIXED_V1_SIZE ?
			snpm_fail(reterr, SNPM_EMALFORMED, "%llu bytes: too short for an IGVM file",
				  (unsigned long long)src->size) :
			snpm_source_read(src, 0, fixed, FIXED_V1_SIZE, reterr);

	if (r < 0)
		return r;
	if (snpm_le32(fixed + FH_MAGIC) != IGVM_MAGIC)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, 0, "not an IGVM file (bad magic)");
	f->version = snpm_le32(fixed + FH_VERSION);
	if (f->version != 1 && f->version != 2)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, FH_VERSION,
				    "IGVM format version %u is not 1 or 2", f->version);
	if (f->version == 2) {
		size = FIXED_V2_SIZE;
		r = src->size < size ?
			    snpm_fail(reterr, SNPM_EMALFORMED, "IGVM fixed header cut short") :
			    snpm_source_read(src, 0, fixed, size, reterr);
		if (r < 0)
			return r;
		if (snpm_le32(fixed + FH_ARCH) != 0)
			return snpm_fail_at(reterr, SNPM_EUNSUPPORTED, FH_ARCH,
					    "IGVM file for architecture %u, not x64",
					    snpm_le32(fixed + FH_ARCH));
		if (snpm_le32(fixed + FH_PAGE_SIZE) != SNPM_PAGE_SIZE)
			return snpm_fail_at(reterr, SNPM_EUNSUPPORTED, FH_PAGE_SIZE,
					    "IGVM page size %u is not 4096",
					    snpm_le32(fixed + FH_PAGE_SIZE));
	}
	f->file_size = src->size;
	f->vh_offset = snpm_le32(fixed + FH_VH_OFFSET);
	f->vh_size = snpm_le32(fixed + FH_VH_SIZE);
	vh_end = f->vh_offset + f->vh_size;
	if (snpm_le32(fixed + FH_TOTAL_SIZE) != src->size)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, FH_TOTAL_SIZE,
				    "the header says %u bytes but the file has %llu",
				    snpm_le32(fixed + FH_TOTAL_SIZE),
				    (unsigned long long)src->size);
	if (f->vh_offset < size || f->vh_offset % 8 || vh_end >= src->size)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, FH_VH_OFFSET,
				    "variable headers at 0x%llx (%u bytes) do not lie 8-aligned "
				    "between the fixed header and the file data",
				    (unsigned long long)f->vh_offset, f->vh_size);
	if (f->vh_size > SNPM_IGVM_MAX_HEADERS_SIZE)
		return snpm_fail_at(reterr, SNPM_ERANGE, FH_VH_SIZE,
				    "%u bytes of variable headers: more than %u", f->vh_size,
				    SNPM_IGVM_MAX_HEADERS_SIZE);
	f->data_start = vh_end;
	*ret_size = size;
	return 0;
}

static int check_checksum(const struct snpm_igvm *f, uint8_t *fixed, uint32_t fixed_size,
			  struct snpm_error *reterr)
{
	uint32_t want = snpm_le32(fixed + FH_CHECKSUM);
	uLong crc = crc32(0L, Z_NULL, 0);

	snpm_put_le32(fixed + FH_CHECKSUM, 0);
	crc = crc32(crc, fixed, fixed_size);
	crc = crc32(crc, f->vh, f->vh_size);
	if ((uint32_t)crc != want)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, FH_CHECKSUM,
				    "IGVM checksum 0x%08x does not match the headers' CRC32 0x%08x",
				    want, (uint32_t)crc);
	return 0;
}

void snpm_igvm_free(struct snpm_igvm *igvm)
{
	if (!igvm)
		return;
	free(igvm->vh);
	free(igvm->at);
	free(igvm->section);
	free(igvm->areas);
	free(igvm->area_slots);
	free(igvm);
}

int snpm_igvm_parse(const struct snpm_source *src, struct snpm_igvm **ret,
		    struct snpm_error *reterr)
{
	uint8_t fixed[FIXED_V2_SIZE];
	struct snpm_igvm *f;
	uint32_t fixed_size = 0;
	int r;

	if (!src || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no IGVM input");
	f = calloc(1, sizeof(*f));
	if (!f)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	r = read_fixed(src, f, fixed, &fixed_size, reterr);
	if (r == 0 && !(f->vh = malloc(f->vh_size ? f->vh_size : 1)))
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	if (r == 0)
		r = snpm_source_read(src, f->vh_offset, f->vh, f->vh_size, reterr);
	if (r == 0)
		r = check_checksum(f, fixed, fixed_size, reterr);
	if (r == 0)
		r = walk(f, reterr);
	if (r == 0 && f->n_platforms == 0)
		r = snpm_fail(reterr, SNPM_EMALFORMED,
			      "the IGVM file declares no platform (SUPPORTED_PLATFORM)");
	if (r < 0) {
		snpm_igvm_free(f);
		return r;
	}
	*ret = f;
	return 0;
}

uint32_t snpm_igvm_version(const struct snpm_igvm *igvm)
{
	return igvm->version;
}

size_t snpm_igvm_count(const struct snpm_igvm *igvm)
{
	return igvm->n;
}

int snpm_igvm_header(const struct snpm_igvm *igvm, size_t i, struct snpm_igvm_header *ret)
{
	const uint8_t *b;

	if (!igvm || !ret || i >= igvm->n)
		return SNPM_EINVAL;
	b = igvm->vh + igvm->at[i];
	memset(ret, 0, sizeof(*ret));
	ret->type = snpm_le32(b);
	ret->length = snpm_le32(b + 4);
	ret->offset = igvm->vh_offset + igvm->at[i];
	ret->section = igvm->section[i];
	ret->index = (uint32_t)(i - igvm->first[ret->section]);
	if (known_length(ret->type))
		fields(igvm, b + 8, ret);
	return 0;
}

uint32_t snpm_igvm_platform_mask(const struct snpm_igvm *igvm, enum snpm_igvm_platform platform)
{
	for (size_t i = 0; i < igvm->n_platforms; i++)
		if (igvm->platforms[i].type == platform)
			return igvm->platforms[i].mask;
	return 0;
}

int snpm_igvm_id_block(const struct snpm_igvm *igvm, size_t i, struct snpm_igvm_id_block *ret)
{
	struct snpm_igvm_header h;
	const uint8_t *b;

	if (snpm_igvm_header(igvm, i, &h) < 0 || h.type != SNPM_IGVM_SNP_ID_BLOCK || !ret)
		return SNPM_EINVAL;
	b = igvm->vh + igvm->at[i] + 8;
	memset(ret, 0, sizeof(*ret));
	ret->compatibility_mask = snpm_le32(b + ID_MASK);
	ret->author_key_enabled = b[ID_AUTHOR_KEY_ENABLED] != 0;
	memcpy(ret->ld, b + ID_LD, SNPM_LD_SIZE);
	memcpy(ret->family_id, b + ID_FAMILY_ID, 16);
	memcpy(ret->image_id, b + ID_IMAGE_ID, 16);
	ret->version = snpm_le32(b + ID_VERSION);
	ret->guest_svn = snpm_le32(b + ID_GUEST_SVN);
	ret->id_key_algorithm = snpm_le32(b + ID_ID_KEY_ALGORITHM);
	ret->author_key_algorithm = snpm_le32(b + ID_AUTHOR_KEY_ALGORITHM);
	return 0;
}

_Static_assert(ID_SIZE == 104 + 2 * (144 + 152),
	       "SNP_ID_BLOCK: 104 bytes, two signatures, two keys");
