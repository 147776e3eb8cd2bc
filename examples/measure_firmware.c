/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The smallest use of libsnpmeasure: the SEV-SNP launch measurement of an OVMF image for one
 * vCPU of model EPYC-v4 under QEMU, no kernel. Build against an installed tree:
 *
 *   cc measure_firmware.c $(pkg-config --cflags --libs libsnpmeasure) -o measure_firmware
 *   cmake -S . -B build && cmake --build build   (find_package(snpmeasure))
 *
 * Usage: measure_firmware OVMF.fd
 */
#include <stdio.h>
#include <stdlib.h>

#include <snpm/snpm.h>

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n)) != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	*len = buf ? (size_t)n : 0;
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	struct snpm_measure_config cfg = { .size = sizeof(cfg),
					   .mode = SNPM_MODE_SNP,
					   .vmm = SNPM_VMM_QEMU,
					   .vcpus = 1,
					   .guest_features = 0x1 };
	uint8_t digest[SNPM_LD_SIZE];
	char hex[2 * SNPM_LD_SIZE + 1];
	struct snpm_error err = { .message = "unknown CPU model" };
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OVMF.fd\n", argv[0]);
		return 2;
	}
	cfg.firmware = read_file(argv[1], &cfg.firmware_len);
	if (!cfg.firmware) {
		fprintf(stderr, "%s: cannot read\n", argv[1]);
		return 1;
	}
	if (snpm_cpu_type_sig("EPYC-v4", &cfg.vcpu_sig) < 0 ||
	    snpm_measure(&cfg, digest, &len, &err) < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], err.message);
		return 1;
	}
	snpm_hex_encode(digest, len, hex);
	printf("%s\n", hex);
	free((void *)cfg.firmware);
	return 0;
}
