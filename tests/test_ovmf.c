/* SPDX-License-Identifier: Apache-2.0 */
/* Firmware parser: real fixtures, and every refusal the parser promises. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define IMG_SIZE 16384u

/* A synthetic image: filler bytes, footer table built from entries, optional ASEV metadata. */
struct img {
	uint8_t data[IMG_SIZE];
	uint8_t table[2048];
	size_t tlen;
};

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void img_init(struct img *m)
{
	memset(m->data, 0xa5, sizeof(m->data));
	m->tlen = 0;
}

static void img_entry(struct img *m, const char *guid, const void *data, size_t len)
{
	memcpy(m->table + m->tlen, data, len);
	m->tlen += len;
	m->table[m->tlen] = (uint8_t)(len + 18);
	m->table[m->tlen + 1] = (uint8_t)((len + 18) >> 8);
	assert_int_equal(snpm_guid_parse(guid, m->table + m->tlen + 2), 0);
	m->tlen += 18;
}

/* Writes the table (with its footer entry, total length total_override if non-zero). */
static void img_finish(struct img *m, uint16_t total_override)
{
	size_t total = m->tlen + 18;
	uint8_t *end = m->data + IMG_SIZE - 32;

	memcpy(end - total, m->table, m->tlen);
	end[-18] = (uint8_t)(total_override ? total_override : total);
	end[-17] = (uint8_t)((total_override ? total_override : total) >> 8);
	assert_int_equal(snpm_guid_parse(SNPM_GUID_OVMF_TABLE_FOOTER, end - 16), 0);
}

/* ASEV metadata at offset at with n sections; adds the metadata entry. */
static void img_metadata(struct img *m, size_t at, const uint32_t (*sec)[3], uint32_t n)
{
	uint8_t off[4];

	memcpy(m->data + at, "ASEV", 4);
	put32(m->data + at + 4, 16 + 12 * n);
	put32(m->data + at + 8, 1);
	put32(m->data + at + 12, n);
	for (uint32_t i = 0; i < n; i++)
		for (int j = 0; j < 3; j++)
			put32(m->data + at + 16 + 12 * i + 4 * j, sec[i][j]);
	put32(off, (uint32_t)(IMG_SIZE - at));
	img_entry(m, SNPM_GUID_SEV_METADATA, off, 4);
}

static int parse(struct img *m, struct snpm_ovmf_info *info, struct snpm_error *err)
{
	memset(err, 0, sizeof(*err));
	return snpm_ovmf_parse(m->data, IMG_SIZE, info, err);
}

static void expect_refusal(struct img *m, int code, const char *needle)
{
	struct snpm_ovmf_info info;
	struct snpm_error err;

	assert_int_equal(parse(m, &info, &err), code);
	assert_int_equal(err.code, code);
	if (!strstr(err.message, needle))
		fail_msg("message '%s' lacks '%s'", err.message, needle);
}

static const uint32_t good_sections[][3] = {
	{ 0x800000, 0x9000, 1 }, { 0x809000, 0x1000, 2 },    { 0x80a000, 0x1000, 3 },
	{ 0x80b000, 0x1000, 4 }, { 0x80c000, 0x1000, 0x10 },
};

static void build_good(struct img *m)
{
	uint8_t eip[4] = { 0x04, 0xb0, 0x80, 0x00 }, ht[8] = { 0, 0xcc, 0x80, 0, 0, 4, 0, 0 };

	img_init(m);
	img_entry(m, SNPM_GUID_SEV_ES_RESET_BLOCK, eip, 4);
	img_entry(m, SNPM_GUID_SEV_HASH_TABLE_RV, ht, 8);
	img_entry(m, "11111111-2222-3333-4444-555555555555", "xyz", 3);
	img_metadata(m, 8192, good_sections, 5);
	img_finish(m, 0);
}

static void test_synthetic_image(void **state)
{
	struct snpm_ovmf_info info;
	struct snpm_error err;
	struct img m;

	(void)state;
	build_good(&m);
	assert_int_equal(parse(&m, &info, &err), 0);
	assert_true(info.has_table);
	assert_int_equal(info.n_entries, 4);
	assert_true(info.has_reset_eip);
	assert_int_equal(info.reset_eip, 0x80b004);
	assert_true(info.has_hashes_table);
	assert_int_equal(info.hashes_table_gpa, 0x80cc00);
	assert_int_equal(info.hashes_table_size, 0x400);
	assert_true(info.has_metadata);
	assert_int_equal(info.metadata_offset, 8192);
	assert_int_equal(info.n_sections, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(info.sections[i].gpa, good_sections[i][0]);
		assert_int_equal(info.sections[i].size, good_sections[i][1]);
		assert_int_equal(info.sections[i].type, good_sections[i][2]);
	}
	/* The unknown entry is kept, with its data where the builder put it. */
	uint8_t guid[16];
	assert_int_equal(snpm_guid_parse("11111111-2222-3333-4444-555555555555", guid), 0);
	const struct snpm_ovmf_entry *e = snpm_ovmf_find(&info, guid);
	assert_non_null(e);
	assert_int_equal(e->data_len, 3);
	assert_memory_equal(m.data + e->data_offset, "xyz", 3);
	assert_null(snpm_ovmf_guid_name(guid));
	assert_string_equal(snpm_ovmf_guid_name(info.entries[0].guid), "SEV_METADATA");
}

static void test_real_fixture(void **state)
{
	char *path = tu_fixture("sev-snp-measure/ovmf_AmdSev_suffix.bin");
	struct snpm_ovmf_info info;
	uint8_t *data;
	size_t len;

	(void)state;
	data = tu_read_file(path, &len);
	assert_int_equal(snpm_ovmf_parse(data, len, &info, NULL), 0);
	/* Values as edk2-stable202405 AmdSevX64 lays them out. */
	assert_int_equal(info.n_entries, 5);
	assert_int_equal(info.reset_eip, 0x80b004);
	assert_int_equal(info.hashes_table_gpa, 0x810c00);
	assert_int_equal(info.hashes_table_size, 0x400);
	assert_int_equal(info.n_sections, 7);
	assert_int_equal(info.sections[5].type, SNPM_SECTION_SNP_KERNEL_HASHES);
	assert_int_equal(info.sections[5].gpa, 0x810000);
	assert_int_equal(info.sections[4].type, SNPM_SECTION_SVSM_CAA);
	assert_true(snpm_ovmf_has_section(&info, SNPM_SECTION_SNP_KERNEL_HASHES));
	free(data);
	free(path);
}

static void test_no_footer_is_plain_image(void **state)
{
	struct snpm_ovmf_info info;
	struct snpm_error err;
	struct img m;

	(void)state;
	img_init(&m);
	assert_int_equal(parse(&m, &info, &err), 0);
	assert_false(info.has_table);
	assert_int_equal(info.n_entries, 0);
	/* Too short to hold a footer at all: also a plain image. */
	assert_int_equal(snpm_ovmf_parse(m.data, 40, &info, NULL), 0);
	assert_false(info.has_table);
}

static void test_footer_shorter_than_header(void **state)
{
	struct img m;

	(void)state;
	img_init(&m);
	img_finish(&m, 17);
	expect_refusal(&m, SNPM_EMALFORMED, "shorter than its 18-byte header");
}

static void test_table_past_start(void **state)
{
	struct img m;

	(void)state;
	img_init(&m);
	img_finish(&m, 0xffff);
	expect_refusal(&m, SNPM_EMALFORMED, "past the start of the file");
	/* And in a file just long enough for the footer, a table of one more byte. */
	uint8_t small[64];
	memcpy(small, m.data + IMG_SIZE - 64, 64);
	small[64 - 50] = 18 + 15;
	small[64 - 49] = 0;
	assert_int_equal(snpm_ovmf_parse(small, 64, &(struct snpm_ovmf_info){ 0 }, NULL),
			 SNPM_EMALFORMED);
}

static void test_entry_shorter_than_header(void **state)
{
	struct img m;

	(void)state;
	build_good(&m);
	/* The entry nearest the footer: its u16 length sits 18 bytes before the footer entry. */
	uint8_t *len = m.data + IMG_SIZE - 32 - 18 - 18;
	len[0] = 10;
	len[1] = 0;
	expect_refusal(&m, SNPM_EMALFORMED, "shorter than its 18-byte header");
}

static void test_entry_past_table(void **state)
{
	struct img m;

	(void)state;
	build_good(&m);
	uint8_t *len = m.data + IMG_SIZE - 32 - 18 - 18;
	len[0] = 0xff;
	len[1] = 0x0f;
	expect_refusal(&m, SNPM_EMALFORMED, "past the start of the table");
}

static void test_duplicate_entry(void **state)
{
	uint8_t eip[4] = { 4, 0xb0, 0x80, 0 };
	struct img m;

	(void)state;
	img_init(&m);
	img_entry(&m, SNPM_GUID_SEV_ES_RESET_BLOCK, eip, 4);
	img_entry(&m, SNPM_GUID_SEV_ES_RESET_BLOCK, eip, 4);
	img_finish(&m, 0);
	expect_refusal(&m, SNPM_EMALFORMED, "duplicate");
}

static void test_stray_bytes(void **state)
{
	uint8_t eip[4] = { 4, 0xb0, 0x80, 0 };
	struct img m;

	(void)state;
	img_init(&m);
	img_entry(&m, SNPM_GUID_SEV_ES_RESET_BLOCK, eip, 4);
	/* Claim 5 more bytes than the entries hold. */
	img_finish(&m, (uint16_t)(m.tlen + 18 + 5));
	expect_refusal(&m, SNPM_EMALFORMED, "stray bytes");
}

static void test_too_many_entries(void **state)
{
	struct img m;
	char guid[40];

	(void)state;
	img_init(&m);
	for (unsigned i = 0; i < SNPM_OVMF_MAX_ENTRIES + 1; i++) {
		snprintf(guid, sizeof(guid), "%08x-0000-0000-0000-000000000000", i);
		img_entry(&m, guid, "", 0);
	}
	img_finish(&m, 0);
	expect_refusal(&m, SNPM_EMALFORMED, "more than 32 entries");
}

static void test_known_entry_too_short(void **state)
{
	struct img m;

	(void)state;
	img_init(&m);
	img_entry(&m, SNPM_GUID_SEV_ES_RESET_BLOCK, "\x04\xb0", 2);
	img_finish(&m, 0);
	expect_refusal(&m, SNPM_EMALFORMED, "SEV-ES reset block entry has 2 bytes");
}

static void test_metadata_outside_file(void **state)
{
	uint8_t off[4];
	struct img m;

	(void)state;
	img_init(&m);
	put32(off, IMG_SIZE + 4096);
	img_entry(&m, SNPM_GUID_SEV_METADATA, off, 4);
	img_finish(&m, 0);
	expect_refusal(&m, SNPM_EMALFORMED, "outside the file");

	img_init(&m);
	put32(off, 8);
	img_entry(&m, SNPM_GUID_SEV_METADATA, off, 4);
	img_finish(&m, 0);
	expect_refusal(&m, SNPM_EMALFORMED, "outside the file");
}

static void test_metadata_signature_and_version(void **state)
{
	struct img m;

	(void)state;
	build_good(&m);
	m.data[8192] = 'X';
	expect_refusal(&m, SNPM_EMALFORMED, "bad signature");
	build_good(&m);
	put32(m.data + 8192 + 8, 2);
	expect_refusal(&m, SNPM_EUNSUPPORTED, "version 2");
}

static void test_metadata_counts(void **state)
{
	struct img m;

	(void)state;
	build_good(&m);
	put32(m.data + 8192 + 12, SNPM_OVMF_MAX_SECTIONS + 1);
	expect_refusal(&m, SNPM_EMALFORMED, "more than 64");
	build_good(&m);
	put32(m.data + 8192 + 4, 16 + 12 * 4); /* shorter than its 5 sections */
	expect_refusal(&m, SNPM_EMALFORMED, "does not fit");
	build_good(&m);
	put32(m.data + 8192 + 4, 0xfffffff0); /* longer than the file */
	expect_refusal(&m, SNPM_EMALFORMED, "does not fit");
}

static void refuse_section(uint32_t gpa, uint32_t size, uint32_t type, int code, const char *why)
{
	uint32_t sec[2][3] = { { 0x800000, 0x1000, 1 }, { gpa, size, type } };
	struct img m;

	img_init(&m);
	img_metadata(&m, 8192, (const uint32_t(*)[3])sec, 2);
	img_finish(&m, 0);
	expect_refusal(&m, code, why);
}

static void test_bad_sections(void **state)
{
	(void)state;
	refuse_section(0x900800, 0x1000, 1, SNPM_EMALFORMED, "not page aligned");
	refuse_section(0x900000, 0x1800, 1, SNPM_EMALFORMED, "not page aligned");
	refuse_section(0x900000, 0, 1, SNPM_EMALFORMED, "is empty");
	refuse_section(0xfffff000, 0x2000, 1, SNPM_ERANGE, "past 4 GiB");
	refuse_section(0x800000, 0x1000, 2, SNPM_EMALFORMED, "overlap");
	refuse_section(0x7ff000, 0x2000, 3, SNPM_EMALFORMED, "overlap");
	refuse_section(0x900000, 0x1000, 7, SNPM_EUNSUPPORTED, "unknown type 0x7");
	refuse_section(0x900000, 0x1000, 0, SNPM_EUNSUPPORTED, "unknown type 0x0");
}

static void test_truncated_fixture(void **state)
{
	char *path = tu_fixture("sev-snp-measure/ovmf_AmdSev_suffix.bin");
	struct snpm_ovmf_info info;
	struct snpm_error err;
	uint8_t *data;
	size_t len;

	(void)state;
	data = tu_read_file(path, &len);
	/* Dropping the head keeps the table but moves the metadata out of the file. */
	assert_int_equal(snpm_ovmf_parse(data + 3072, len - 3072, &info, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "outside the file"));
	free(data);
	free(path);
}

static void test_size_limit(void **state)
{
	uint8_t byte = 0;
	struct snpm_error err;

	(void)state;
	assert_int_equal(snpm_ovmf_parse(&byte, (size_t)SNPM_OVMF_MAX_SIZE + 1,
					 &(struct snpm_ovmf_info){ 0 }, &err),
			 SNPM_ERANGE);
	assert_int_equal(snpm_ovmf_parse(NULL, 0, &(struct snpm_ovmf_info){ 0 }, NULL),
			 SNPM_EINVAL);
}

static void test_guid_text(void **state)
{
	uint8_t g[16];
	char text[SNPM_GUID_STRING_SIZE];
	static const uint8_t footer_disk[16] = { 0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
						 0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d };

	(void)state;
	assert_int_equal(snpm_guid_parse(SNPM_GUID_OVMF_TABLE_FOOTER, g), 0);
	/* EFI_GUID: first three groups little-endian (UEFI spec, appendix A). */
	assert_memory_equal(g, footer_disk, 16);
	snpm_guid_format(g, text);
	assert_string_equal(text, SNPM_GUID_OVMF_TABLE_FOOTER);
	assert_int_equal(snpm_guid_parse("96B582DE-1FB2-45F7-BAEA-A366C55A082D", g), 0);
	assert_memory_equal(g, footer_disk, 16);
	assert_int_equal(snpm_guid_parse("96b582de-1fb2-45f7-baea-a366c55a082", g), SNPM_EINVAL);
	assert_int_equal(snpm_guid_parse("96b582de_1fb2-45f7-baea-a366c55a082d", g), SNPM_EINVAL);
	assert_int_equal(snpm_guid_parse("96b582dg-1fb2-45f7-baea-a366c55a082d", g), SNPM_EINVAL);
	assert_int_equal(snpm_guid_parse(NULL, g), SNPM_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synthetic_image),
		cmocka_unit_test(test_real_fixture),
		cmocka_unit_test(test_no_footer_is_plain_image),
		cmocka_unit_test(test_footer_shorter_than_header),
		cmocka_unit_test(test_table_past_start),
		cmocka_unit_test(test_entry_shorter_than_header),
		cmocka_unit_test(test_entry_past_table),
		cmocka_unit_test(test_duplicate_entry),
		cmocka_unit_test(test_stray_bytes),
		cmocka_unit_test(test_too_many_entries),
		cmocka_unit_test(test_known_entry_too_short),
		cmocka_unit_test(test_metadata_outside_file),
		cmocka_unit_test(test_metadata_signature_and_version),
		cmocka_unit_test(test_metadata_counts),
		cmocka_unit_test(test_bad_sections),
		cmocka_unit_test(test_truncated_fixture),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_guid_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
