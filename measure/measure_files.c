/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpm_measure_files and snpm_measure_inputs_* (<snpm/measure.h>): the measurement from files,
 * read through the one I/O layer as the tools read them; the engine itself takes memory and
 * digests only.
 */
#include <stdlib.h>
#include <string.h>

#include <snpm/measure.h>
#include <snpm/ovmf.h>

#include "../core/core.h"
#include "../core/io.h"

#define KERNEL_MAX (512ull << 20) /* as the tools: QEMU loads the kernel below 4 GiB */
#define INITRD_MAX ((4ull << 30) - 1)

struct snpm_measure_inputs {
	uint8_t *firmware, *svsm;
	struct snpm_io_source igvm;
	bool igvm_open;
	char *igvm_path;
};

void snpm_measure_inputs_free(struct snpm_measure_inputs *h)
{
	if (!h)
		return;
	free(h->firmware);
	free(h->svsm);
	if (h->igvm_open)
		snpm_io_source_close(&h->igvm, NULL);
	free(h->igvm_path);
	free(h);
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
		       struct snpm_measure_inputs *h, struct snpm_error *reterr)
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

int snpm_measure_inputs_open(const struct snpm_measure_config *base,
			     const struct snpm_measure_paths *paths,
			     struct snpm_measure_config *ret_cfg, struct snpm_measure_inputs **ret,
			     struct snpm_error *reterr)
{
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct snpm_measure_paths p = { .size = sizeof(p) };
	struct snpm_measure_inputs *h;
	int r;

	if (!base || !paths || !ret_cfg || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no configuration, paths or result");
	*ret = NULL;
	/* The caller's struct must hold everything filled in: a whole one, of this version. */
	if (ret_cfg->size != sizeof(cfg))
		return snpm_fail(reterr, SNPM_EINVAL, "snpm_measure_config: size %u, not %zu",
				 ret_cfg->size, sizeof(cfg));
	r = snpm_sized_in(base, sizeof(cfg), &cfg, "snpm_measure_config", reterr);
	if (r == 0)
		r = snpm_sized_in(paths, sizeof(p), &p, "snpm_measure_paths", reterr);
	if (r < 0)
		return r;
	h = calloc(1, sizeof(*h));
	if (!h || (p.igvm && !(h->igvm_path = strdup(p.igvm)))) {
		snpm_measure_inputs_free(h);
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	}
	r = read_images(&p, &cfg, h, reterr);
	if (r == 0)
		r = read_kernel(&p, &cfg, reterr);
	if (r < 0) {
		snpm_measure_inputs_free(h);
		return r;
	}
	*ret_cfg = cfg;
	*ret = h;
	return 0;
}

int snpm_measure_inputs_check(const struct snpm_measure_inputs *h, struct snpm_error *reterr)
{
	if (!h)
		return snpm_fail(reterr, SNPM_EINVAL, "no inputs");
	/* An IGVM file is read at offsets while measured: it must not have changed meanwhile. */
	if (!h->igvm_open)
		return 0;
	return snpm_io_name(h->igvm_path, snpm_io_source_check(&h->igvm, reterr), reterr);
}

int snpm_measure_files(const struct snpm_measure_config *base,
		       const struct snpm_measure_paths *paths, uint8_t out[SNPM_LD_SIZE],
		       size_t *ret_len, struct snpm_error *reterr)
{
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct snpm_measure_inputs *h = NULL;
	int r;

	if (!out)
		return snpm_fail(reterr, SNPM_EINVAL, "no output buffer");
	r = snpm_measure_inputs_open(base, paths, &cfg, &h, reterr);
	if (r == 0)
		r = snpm_measure(&cfg, out, ret_len, reterr);
	if (r == 0)
		r = snpm_measure_inputs_check(h, reterr);
	snpm_measure_inputs_free(h);
	return r;
}
