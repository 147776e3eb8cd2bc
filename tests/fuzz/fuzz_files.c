/* SPDX-License-Identifier: Apache-2.0 */
/* Parsers that read files: bzImage/ELF kernels, verity superblocks, gen_init_cpio lists. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snpm_kernel_info k;
	struct snpm_verity_params p = { .size = sizeof(p) };
	char path[64];
	int fd = fuzz_memfd(data, size, path);

	if (fd < 0)
		return 0;
	snpm_kernel_info(path, &k, NULL);
	snpm_verity_read_superblock(path, 0, &p, NULL);
	/* As a list: sources it names are read, the archive goes to a scratch file. */
	if (size < 4096) {
		static char out[64];
		struct snpm_initramfs_options o = { .size = sizeof(o) };
		if (!out[0])
			snprintf(out, sizeof(out), "/tmp/snpm-fuzz-%d.cpio", (int)getpid());
		snpm_initramfs_create(path, true, out, &o, NULL, NULL);
		unlink(out);
	}
	close(fd);
	return 0;
}
