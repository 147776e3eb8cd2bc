/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The libkrun loader: what libkrun (krun, podman's krun runtime) loads for an SEV guest from
 * libkrunfw-sev, in the order of libkrunfw's own measurement program (utils/krunfw_measurement.c,
 * with the VMSAs of utils/vmsa.h):
 *
 *   SNP: qboot NORMAL at 0xffff0000, the kernel at its load address, the initrd at 0xa00000, a
 *   boot_params page at 0x7000, ZERO at 0, SECRETS at 0x5000, CPUID at 0x6000, ZERO at
 *   0x8000-0xefff, then the boot vCPU's VMSA and one AP VMSA per further vCPU.
 *   SEV-ES: SHA-256 over qboot, kernel, initrd, boot_params and the VMSAs; SEV: without VMSAs.
 *
 * boot_params (Linux arch/x86/include/uapi/asm/bootparam.h) is what libkrun writes: loader type
 * 0xff, the boot flag and header magic, the command line at 0x20000 (0x200 bytes), the initrd's
 * address and size, syssize holding the vCPU count (libkrun's use of the field), and an e820
 * map from the RAM size with the MMIO hole at 0xd0000000.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* Guest addresses libkrun uses. */
#define KRUN_QBOOT_GPA 0xffff0000ull
#define KRUN_INITRD_GPA 0xa00000ull
#define KRUN_BOOT_PARAMS_GPA 0x7000ull
#define KRUN_SECRETS_GPA 0x5000ull
#define KRUN_CPUID_GPA 0x6000ull
#define KRUN_AP_EIP 0xfffffff3u /* qboot's AP entry: CS base 0xffff0000, IP 0xfff3 */
#define KRUN_CMDLINE_GPA 0x20000u
#define KRUN_CMDLINE_SIZE 0x200u

/* The e820 map's fixed points (libkrunfw utils/krunfw_measurement.c). */
#define EBDA_START 0x9fc00ull
#define HIMEM_START 0x100000ull
#define MMIO_MEM_START 0xd0000000ull
#define FIRST_ADDR_PAST_32BITS 0x100000000ull

/* boot_params offsets (bootparam.h: struct boot_params, struct setup_header at 0x1f1). */
enum {
	BP_E820_ENTRIES = 0x1e8, /* u8 */
	BP_SYSSIZE = 0x1f4, /* u32 */
	BP_BOOT_FLAG = 0x1fe, /* u16: 0xaa55 */
	BP_HEADER = 0x202, /* u32: "HdrS" */
	BP_TYPE_OF_LOADER = 0x210, /* u8 */
	BP_RAMDISK_IMAGE = 0x218, /* u32 */
	BP_RAMDISK_SIZE = 0x21c, /* u32 */
	BP_CMD_LINE_PTR = 0x228, /* u32 */
	BP_KERNEL_ALIGNMENT = 0x230, /* u32 */
	BP_CMDLINE_SIZE = 0x238, /* u32 */
	BP_E820_TABLE = 0x2d0, /* 20-byte entries: u64 addr, u64 size, u32 type */
	BP_E820_ENTRY_SIZE = 20,
	BP_SIZE = 0x1000,
};

#define KRUN_MAX_RAM_MIB (1u << 24) /* 16 TiB */
#define CHUNK (256u << 10)

struct krun {
	uint8_t boot_params[BP_SIZE];
	uint8_t zero[SNPM_PAGE_SIZE];
	uint8_t buf[CHUNK];
};

static void put_e820(uint8_t *bp, unsigned i, uint64_t addr, uint64_t size)
{
	uint8_t *e = bp + BP_E820_TABLE + i * BP_E820_ENTRY_SIZE;

	snpm_put_le64(e, addr);
	snpm_put_le64(e + 8, size);
	snpm_put_le32(e + 16, 1); /* E820_RAM */
}

/* The boot_params page. The "+ 1" in the sizes is libkrun's, kept so the digest matches. */
static void build_boot_params(const struct snpm_measure_config *cfg, uint8_t *bp)
{
	uint64_t mem = (uint64_t)cfg->krun_ram_mib << 20;

	memset(bp, 0, BP_SIZE);
	bp[BP_TYPE_OF_LOADER] = 0xff;
	snpm_put_le16(bp + BP_BOOT_FLAG, 0xaa55);
	snpm_put_le32(bp + BP_HEADER, 0x53726448);
	snpm_put_le32(bp + BP_KERNEL_ALIGNMENT, 0x01000000);
	snpm_put_le32(bp + BP_CMD_LINE_PTR, KRUN_CMDLINE_GPA);
	snpm_put_le32(bp + BP_CMDLINE_SIZE, KRUN_CMDLINE_SIZE);
	snpm_put_le32(bp + BP_RAMDISK_IMAGE, (uint32_t)KRUN_INITRD_GPA);
	snpm_put_le32(bp + BP_RAMDISK_SIZE, (uint32_t)cfg->krun_initrd.size);
	snpm_put_le32(bp + BP_SYSSIZE, cfg->vcpus);
	put_e820(bp, 0, 0, EBDA_START);
	if (mem <= MMIO_MEM_START) {
		put_e820(bp, 1, HIMEM_START, mem - HIMEM_START + 1);
		bp[BP_E820_ENTRIES] = 2;
	} else {
		put_e820(bp, 1, HIMEM_START, MMIO_MEM_START - HIMEM_START);
		put_e820(bp, 2, FIRST_ADDR_PAST_32BITS, mem - MMIO_MEM_START + 1);
		bp[BP_E820_ENTRIES] = 3;
	}
}

static int check_piece(const struct snpm_source *s, const char *what, uint64_t max,
		       struct snpm_error *reterr)
{
	if (!s->data && !s->read)
		return snpm_fail(reterr, SNPM_EINVAL, "no %s", what);
	/* libkrunfw pads every piece to 64 KiB; anything else cannot come from it. */
	if (s->size == 0 || s->size % SNPM_PAGE_SIZE)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "%s of %llu bytes is not a non-zero whole number of pages", what,
				 (unsigned long long)s->size);
	if (s->size > max)
		return snpm_fail(reterr, SNPM_ERANGE, "%s of %llu bytes is larger than %llu", what,
				 (unsigned long long)s->size, (unsigned long long)max);
	return 0;
}

static int check_config(const struct snpm_measure_config *cfg, struct snpm_error *reterr)
{
	int r = check_piece(&cfg->krun_qboot, "qboot", 0x10000, reterr);

	if (r == 0)
		r = check_piece(&cfg->krun_kernel, "kernel", 1ull << 30, reterr);
	if (r == 0)
		r = check_piece(&cfg->krun_initrd, "initrd", UINT32_MAX & ~0xfffull, reterr);
	if (r < 0)
		return r;
	if (cfg->krun_kernel_gpa % SNPM_PAGE_SIZE || cfg->krun_kernel_gpa >= SNPM_FOUR_GIB)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "kernel load address 0x%llx is not a page-aligned address below "
				 "4 GiB",
				 (unsigned long long)cfg->krun_kernel_gpa);
	/* boot_params carries the vCPU count in every mode, SEV included. */
	if (cfg->vcpus < 1 || cfg->vcpus > SNPM_MAX_VCPUS)
		return snpm_fail(reterr, SNPM_ERANGE, "vCPU count %u is outside 1..%u", cfg->vcpus,
				 SNPM_MAX_VCPUS);
	if (cfg->krun_ram_mib < 2 || cfg->krun_ram_mib > KRUN_MAX_RAM_MIB)
		return snpm_fail(reterr, SNPM_ERANGE, "RAM of %u MiB is outside 2..%u",
				 cfg->krun_ram_mib, KRUN_MAX_RAM_MIB);
	if (cfg->mode == SNPM_MODE_SNP_SVSM)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "libkrun has no SVSM launch");
	if (cfg->has_kernel || cfg->firmware || cfg->has_firmware_digest)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "libkrun measures qboot, its kernel and initrd, not OVMF inputs");
	return 0;
}

static int krun_prepare(struct launch *l, struct snpm_error *reterr)
{
	struct krun *k;
	int r = check_config(&l->cfg, reterr);

	if (r < 0)
		return r;
	k = calloc(1, sizeof(*k));
	if (!k)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	l->state = k;
	return 0;
}

static void krun_release(struct launch *l)
{
	free(l->state);
	l->state = NULL;
}

/* A piece read from its source a chunk at a time, so memory stays flat. */
static int emit_source(struct launch *l, struct krun *k, const struct snpm_source *src,
		       uint64_t gpa, uint32_t index, const char *what, struct snpm_error *reterr)
{
	int r = 0;

	for (uint64_t off = 0; r == 0 && off < src->size; off += CHUNK) {
		uint64_t n = src->size - off < CHUNK ? src->size - off : CHUNK;
		struct page_update u = page_update_of(SNPM_PHASE_KRUN, index, what,
						      SNPM_PAGE_NORMAL, gpa + off, n, k->buf);
		if (!l->dry)
			r = snpm_source_read(src, off, k->buf, (size_t)n, reterr);
		if (r == 0)
			r = launch_emit(l, &u, reterr);
	}
	return r;
}

static int emit_fixed(struct launch *l, uint32_t index, const char *what, enum snpm_page_type type,
		      uint64_t gpa, uint64_t len, const uint8_t *data, struct snpm_error *reterr)
{
	struct page_update u = page_update_of(SNPM_PHASE_KRUN, index, what, type, gpa, len, data);

	return launch_emit(l, &u, reterr);
}

/* The pieces libkrunfw provides: the same whatever the vCPU count. */
static int krun_shared_pages(struct launch *l, struct snpm_error *reterr)
{
	const struct snpm_measure_config *cfg = &l->cfg;
	struct krun *k = l->state;
	int r = emit_source(l, k, &cfg->krun_qboot, KRUN_QBOOT_GPA, 0, "qboot", reterr);

	if (r == 0)
		r = emit_source(l, k, &cfg->krun_kernel, cfg->krun_kernel_gpa, 1, "kernel", reterr);
	if (r == 0)
		r = emit_source(l, k, &cfg->krun_initrd, KRUN_INITRD_GPA, 2, "initrd", reterr);
	return r;
}

/* boot_params (which holds the vCPU count) and the fixed pages. */
static int krun_pages(struct launch *l, struct snpm_error *reterr)
{
	struct krun *k = l->state;
	int r;

	build_boot_params(&l->cfg, k->boot_params);
	r = emit_fixed(l, 3, "boot_params", SNPM_PAGE_NORMAL, KRUN_BOOT_PARAMS_GPA, BP_SIZE,
		       k->boot_params, reterr);
	/* SEV and SEV-ES measure data only: the engine skips the pages below for them. */
	if (r == 0)
		r = emit_fixed(l, 4, "zero page", SNPM_PAGE_ZERO, 0, SNPM_PAGE_SIZE, NULL, reterr);
	if (r == 0)
		r = emit_fixed(l, 5, "secrets page", SNPM_PAGE_SECRETS, KRUN_SECRETS_GPA,
			       SNPM_PAGE_SIZE, NULL, reterr);
	if (r == 0)
		r = emit_fixed(l, 6, "CPUID page", SNPM_PAGE_CPUID, KRUN_CPUID_GPA, SNPM_PAGE_SIZE,
			       NULL, reterr);
	if (r == 0)
		r = emit_fixed(l, 7, "zero pages", SNPM_PAGE_ZERO, 0x8000, 0x7000, NULL, reterr);
	return r;
}

static int krun_vmsa(struct launch *l, uint32_t index, uint8_t page[SNPM_PAGE_SIZE],
		     struct snpm_error *reterr)
{
	struct snpm_vmsa_params p = {
		.size = sizeof(p),
		.vmm = SNPM_VMM_KRUN,
		.eip = index == 0 ? SNPM_BSP_EIP : KRUN_AP_EIP,
		.sev_features = snpm_is_snp(l->cfg.mode) ? l->cfg.guest_features : 0,
		.fpu = l->cfg.vmsa_fpu,
	};

	return snpm_vmsa_build(&p, page, reterr);
}

const struct loader snpm_loader_krun = {
	.name = "libkrun",
	.prepare = krun_prepare,
	.shared_pages = krun_shared_pages,
	.pages = krun_pages,
	.pages_use_vcpus = true,
	.vmsa = krun_vmsa,
	.release = krun_release,
};
