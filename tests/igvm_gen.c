/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writes an SNP IGVM file for benchmarks: PAGES pages of file data (one PAGE_DATA each,
 * consecutive GPAs from 1 MiB, deterministic bytes) and the boot vCPU's VP context; or a hostile
 * file for tests/bench/igvm_hostile.sh:
 *   areas N    N one-page parameter areas, each inserted (N headers pairs, parsing cost)
 *   headers N  N zero PAGE_DATA directives (N headers, display cost)
 *   huge N     N parameter areas of 4 GiB, each inserted (a few KB asking for N x 4 GiB)
 *
 * Usage: igvm_gen OUT PAGES | igvm_gen OUT areas|headers|huge N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igvm_writer.h"

static void hostile(struct iw *w, const char *kind, long n)
{
	for (long i = 0; i < n; i++) {
		if (strcmp(kind, "areas") == 0 || strcmp(kind, "huge") == 0) {
			uint64_t size = kind[0] == 'h' ? 1ull << 32 : 4096;
			iw_area(w, (uint32_t)i, size);
			iw_insert(w, 0x100000000ull + (uint64_t)i * size, 1, (uint32_t)i);
		} else {
			iw_page(w, 0x100000 + (uint64_t)i * 4096, 1, 0, 0, NULL);
		}
	}
}

int main(int argc, char **argv)
{
	uint8_t page[4096], vmsa[4096] = { 0 };
	uint32_t x = 2463534242u;
	const char *kind = argc == 4 ? argv[2] : NULL;
	long pages = argc == 3 ? strtol(argv[2], NULL, 10) : argc == 4 ? 0 : -1;
	long n = argc == 4 ? strtol(argv[3], NULL, 10) : 0;
	struct iw *w;
	size_t len;
	uint8_t *f;
	FILE *out;

	if (pages < 0 || pages > (1 << 20) || (argc == 3 && pages < 1) ||
	    (kind &&
	     (n < 1 || n > (1 << 22) ||
	      (strcmp(kind, "areas") && strcmp(kind, "headers") && strcmp(kind, "huge"))))) {
		fprintf(stderr, "usage: igvm_gen OUT PAGES (1..1048576) | igvm_gen OUT "
				"areas|headers|huge N\n");
		return 2;
	}
	w = iw_new();
	iw_platform(w, 1, 2);
	iw_policy(w, 1, 0x30000); /* the igvm crate's measurement requires one */
	if (kind)
		hostile(w, kind, n);
	for (long i = 0; i < pages; i++) {
		for (size_t k = 0; k < sizeof(page); k++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			page[k] = (uint8_t)x;
		}
		iw_page(w, 0x100000 + (uint64_t)i * 4096, 1, 0, 0, page);
	}
	/* A boot vCPU in 64-bit mode, as OpenVMM on KVM requires; every loader takes it. */
	vmsa[0x012] = 0x9b, vmsa[0x013] = 0x0a; /* CS: present, 64-bit code */
	vmsa[0x0d1] = 0x0d; /* EFER: LME, LMA, NXE */
	vmsa[0x148] = 0x20; /* CR4: PAE */
	vmsa[0x151] = 0x10; /* CR3 0x1000 */
	vmsa[0x158] = 0x11, vmsa[0x15b] = 0x80; /* CR0: PE, ET, PG */
	vmsa[0x17a] = 0x10; /* RIP 0x100000 */
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
