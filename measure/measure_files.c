/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpm_measure_files (<snpm/measure.h>): the measurement from files, read through the one I/O
 * layer as the tools read them. It lives in image/ because that is where the library touches
 * files; the engine it calls (measure/) takes memory and digests only.
 */
#include <stdlib.h>
#include <string.h>

#include <snpm/measure.h>
#include <snpm/ovmf.h>

#include "../core/core.h"
#include "../core/io.h"

#define KERNEL_MAX (512ull << 20) /* as the tools: QEMU loads the kernel below 4 GiB */
#define INITRD_MAX ((4ull << 30) - 1)

struct held {
	uint8_t *firmware, *svsm;
	struct snpm_io_source igvm;
	bool igvm_open;
};

static void release(struct held *h)
{
	free(h->firmware);
	free(h->svsm);
	if (h->igvm_open)
		snpm_io_source_close(&h->igvm, NULL);
}

/* The kernel, initrd and command line as QEMU hashes them into the table. */
static int read_kernel(const struct snpm_measure_paths *p, struct snpm_measure_config *cfg,
		       struct snpm_error *reterr)
{
	int r;

	if (!p->kernel) {
		if (p->initrd || p->cmdline)
			return snpm_fail(reterr, SNPM_EINVAL,
					 "an initrd or command line needs a kernel");
		return 0;
	}
	cfg->has_kernel = true;
	r = snpm_io_name(p->kernel,
			 snpm_io_hash(p->kernel, SNPM_IO_PIPES, SNPM_HASH_SHA256, KERNEL_MAX,
				      cfg->kernel_sha256, NULL, reterr),
			 reterr);
	if (r == 0 && p->initrd)
		r = snpm_io_name(p->initrd,
				 snpm_io_hash(p->initrd, SNPM_IO_PIPES, SNPM_HASH_SHA256,
					      INITRD_MAX, cfg->initrd_sha256, NULL, reterr),
				 reterr);
	else if (r == 0)
		memcpy(cfg->initrd_sha256, snpm_sha256_of_nothing, SNPM_SHA256_SIZE);
	return r < 0 ? r :
		       snpm_cmdline_sha256(p->cmdline ? p->cmdline : "", cfg->cmdline_sha256,
					   reterr);
}

static int read_images(const struct snpm_measure_paths *p, struct snpm_measure_config *cfg,
		       struct held *h, struct snpm_error *reterr)
{
	size_t len = 0;
	int r = 0;

	if (p->firmware) {
		r = snpm_io_name(p->firmware,
				 snpm_io_read_all(p->firmware, SNPM_IO_PIPES, SNPM_OVMF_MAX_SIZE,
						  &h->firmware, &len, reterr),
				 reterr);
		cfg->firmware = h->firmware, cfg->firmware_len = len;
	}
	if (r == 0 && p->svsm) {
		r = snpm_io_name(p->svsm,
				 snpm_io_read_all(p->svsm, SNPM_IO_PIPES, SNPM_OVMF_MAX_SIZE,
						  &h->svsm, &len, reterr),
				 reterr);
		cfg->svsm = h->svsm, cfg->svsm_len = len;
	}
	if (r == 0 && p->igvm) {
		r = snpm_io_name(p->igvm, snpm_io_source_open(p->igvm, &h->igvm, reterr), reterr);
		h->igvm_open = r == 0;
		cfg->loader = SNPM_LOADER_IGVM;
		cfg->igvm = h->igvm.src;
	}
	return r;
}

int snpm_measure_files(const struct snpm_measure_config *base,
		       const struct snpm_measure_paths *paths, uint8_t out[SNPM_LD_SIZE],
		       size_t *ret_len, struct snpm_error *reterr)
{
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct snpm_measure_paths p = { .size = sizeof(p) };
	struct held h = { 0 };
	int r;

	if (!base || !paths || !out)
		return snpm_fail(reterr, SNPM_EINVAL, "no configuration, paths or output buffer");
	r = snpm_sized_in(base, sizeof(cfg), &cfg, "snpm_measure_config", reterr);
	if (r == 0)
		r = snpm_sized_in(paths, sizeof(p), &p, "snpm_measure_paths", reterr);
	if (r == 0)
		r = read_images(&p, &cfg, &h, reterr);
	if (r == 0)
		r = read_kernel(&p, &cfg, reterr);
	if (r == 0)
		r = snpm_measure(&cfg, out, ret_len, reterr);
	/* An IGVM file is read at offsets while measured: it must not have changed meanwhile. */
	if (r == 0 && h.igvm_open)
		r = snpm_io_name(p.igvm, snpm_io_source_check(&h.igvm, reterr), reterr);
	release(&h);
	return r;
}
