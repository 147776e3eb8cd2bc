/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writes an SNP IGVM file for benchmarks: PAGES pages of file data (one PAGE_DATA each,
 * consecutive GPAs from 1 MiB, deterministic bytes) and the boot vCPU's VP context.
 *
 * Usage: igvm_gen OUT PAGES
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igvm_writer.h"

int main(int argc, char **argv)
{
	uint8_t page[4096], vmsa[4096] = { 0 };
	uint32_t x = 2463534242u;
	long pages = argc == 3 ? strtol(argv[2], NULL, 10) : -1;
	struct iw *w;
	size_t len;
	uint8_t *f;
	FILE *out;

	if (pages < 1 || pages > (1 << 20)) {
		fprintf(stderr, "usage: igvm_gen OUT PAGES (1..1048576)\n");
		return 2;
	}
	w = iw_new();
	iw_platform(w, 1, 2);
	for (long i = 0; i < pages; i++) {
		for (size_t k = 0; k < sizeof(page); k++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			page[k] = (uint8_t)x;
		}
		iw_page(w, 0x100000 + (uint64_t)i * 4096, 1, 0, 0, page);
	}
	vmsa[0x3b0] = 1; /* SEV_FEATURES: SNPActive */
	vmsa[0x3e8] = 1; /* XCR0 */
	iw_vp(w, 0xfffffffff000ull, 1, 0, vmsa);
	f = iw_finish(w, &len);
	out = fopen(argv[1], "wb");
	if (!out || fwrite(f, 1, len, out) != len || fclose(out) != 0) {
		fprintf(stderr, "igvm_gen: cannot write %s\n", argv[1]);
		return 1;
	}
	free(f);
	return 0;
}
