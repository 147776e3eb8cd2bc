/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QEMU's SEV kernel hashes table (target/i386/sev.c, SevHashTable): what OVMF checks the
 * kernel, initrd and command line against when booting directly with -kernel.
 */
#include <string.h>

#include <snpm/measure.h>

#include "../core/crypto.h"

#define GUID_HASHES_TABLE_HEADER "9438d606-4f22-4cc9-b479-a793d411fd21"
#define GUID_CMDLINE_ENTRY "97d02dd8-bd20-4c94-aa78-e7714d36ab2a"
#define GUID_INITRD_ENTRY "44baf731-3a2f-4bd7-9af1-41e29169781d"
#define GUID_KERNEL_ENTRY "4de79437-abd2-427f-b835-d5b172d2045b"

enum {
	HT_HEADER_GUID = 0, /* header: GUID (16), u16 length of the table without padding */
	HT_HEADER_LEN = 16,
	HT_ENTRIES = 18, /* three entries: GUID (16), u16 length (50), SHA-256 (32) */
	HT_ENTRY_SIZE = 16 + 2 + 32,
	HT_LEN = HT_ENTRIES + 3 * HT_ENTRY_SIZE, /* 168 */
};
_Static_assert(((HT_LEN + 15) & ~15) == SNPM_HASHES_TABLE_SIZE, "table is padded to 16 bytes");

int snpm_cmdline_sha256(const char *cmdline, uint8_t ret[SNPM_SHA256_SIZE],
			struct snpm_error *reterr)
{
	/* QEMU hashes the -append string as given, plus its terminating NUL; none means "". */
	const char *s = cmdline ? cmdline : "";

	return snpm_digest(SNPM_HASH_SHA256, s, strlen(s) + 1, ret, reterr);
}

static void put_entry(uint8_t *at, const char *guid, const uint8_t digest[SNPM_SHA256_SIZE])
{
	snpm_guid_parse(guid, at);
	snpm_put_le16(at + 16, HT_ENTRY_SIZE);
	memcpy(at + 18, digest, SNPM_SHA256_SIZE);
}

void snpm_hashes_table_build(const uint8_t cmdline_sha256[SNPM_SHA256_SIZE],
			     const uint8_t initrd_sha256[SNPM_SHA256_SIZE],
			     const uint8_t kernel_sha256[SNPM_SHA256_SIZE],
			     uint8_t ret_table[SNPM_HASHES_TABLE_SIZE])
{
	memset(ret_table, 0, SNPM_HASHES_TABLE_SIZE);
	snpm_guid_parse(GUID_HASHES_TABLE_HEADER, ret_table + HT_HEADER_GUID);
	snpm_put_le16(ret_table + HT_HEADER_LEN, HT_LEN);
	put_entry(ret_table + HT_ENTRIES, GUID_CMDLINE_ENTRY, cmdline_sha256);
	put_entry(ret_table + HT_ENTRIES + HT_ENTRY_SIZE, GUID_INITRD_ENTRY, initrd_sha256);
	put_entry(ret_table + HT_ENTRIES + 2 * HT_ENTRY_SIZE, GUID_KERNEL_ENTRY, kernel_sha256);
}
