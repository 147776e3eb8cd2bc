/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Config-level measurement: replays what QEMU (or EC2, GCE) loads at launch, in its order.
 *
 * SNP (QEMU target/i386/sev.c; reference guest.py): firmware pages NORMAL just below 4 GiB,
 * then the SEV metadata sections in firmware order, then one VMSA per vCPU.
 * SEV and SEV-ES: SHA-256 over the firmware, the kernel hashes table, and for SEV-ES the VMSAs.
 */
#include <string.h>

#include <snpm/measure.h>

#include "crypto.h"
#include "profile.h"

struct launch {
	const struct snpm_measure_config *cfg;
	const struct snpm_vmm_profile *profile;
	struct snpm_ovmf_info fw;
	uint64_t fw_gpa;
	struct snpm_ovmf_info svsm; /* SNP_SVSM only */
	uint64_t svsm_gpa;
};

static bool is_snp(enum snpm_mode mode)
{
	return mode == SNPM_MODE_SNP || mode == SNPM_MODE_SNP_SVSM;
}

static int check_image(const uint8_t *data, size_t len, const char *what, struct snpm_error *reterr)
{
	if (!data || len == 0)
		return snpm_fail(reterr, SNPM_EINVAL, "no %s image", what);
	if (len % SNPM_PAGE_SIZE)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "%s size %zu is not a multiple of the 4096-byte page size", what,
				 len);
	return 0;
}

static int check_config(const struct snpm_measure_config *cfg, struct snpm_error *reterr)
{
	if (cfg->mode < SNPM_MODE_SEV || cfg->mode > SNPM_MODE_SNP_SVSM)
		return snpm_fail(reterr, SNPM_EINVAL, "unknown mode %d", (int)cfg->mode);
	if (cfg->mode != SNPM_MODE_SEV && (cfg->vcpus < 1 || cfg->vcpus > SNPM_MAX_VCPUS))
		return snpm_fail(reterr, SNPM_ERANGE, "vCPU count %u is outside 1..%u", cfg->vcpus,
				 SNPM_MAX_VCPUS);
	if (cfg->has_firmware_digest && cfg->mode != SNPM_MODE_SNP)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "a precomputed firmware digest only applies to SNP mode");
	if (cfg->mode == SNPM_MODE_SNP_SVSM && cfg->has_kernel)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "SVSM launches do not measure a kernel hashes table");
	if (cfg->vmsa_gpa % SNPM_PAGE_SIZE || cfg->vmsa_gpa >= SNPM_GPA_LIMIT)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "VMSA GPA 0x%llx is not a page-aligned address below 2^52",
				 (unsigned long long)cfg->vmsa_gpa);
	return check_image(cfg->firmware, cfg->firmware_len, "firmware", reterr);
}

static int prepare_svsm(struct launch *l, struct snpm_error *reterr)
{
	const struct snpm_measure_config *cfg = l->cfg;
	uint64_t end;
	int r = check_image(cfg->svsm, cfg->svsm_len, "SVSM", reterr);

	if (r < 0)
		return r;
	r = snpm_ovmf_parse(cfg->svsm, cfg->svsm_len, &l->svsm, reterr);
	if (r < 0)
		return r;
	if (!l->svsm.has_svsm_info)
		return snpm_fail(reterr, SNPM_EMALFORMED, "SVSM image has no SVSM info entry");
	/* QEMU puts the OVMF variable store right below the firmware and the SVSM below it. */
	if (cfg->vars_size % SNPM_PAGE_SIZE || cfg->vars_size > l->fw_gpa)
		return snpm_fail(reterr, SNPM_ERANGE,
				 "OVMF variable store size %llu is not page aligned below the "
				 "firmware",
				 (unsigned long long)cfg->vars_size);
	end = l->fw_gpa - cfg->vars_size;
	if (cfg->svsm_len > end)
		return snpm_fail(reterr, SNPM_ERANGE, "SVSM image does not fit below the firmware");
	l->svsm_gpa = end - cfg->svsm_len;
	if (l->svsm_gpa + l->svsm.svsm_info_offset >= end)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "SVSM entry offset 0x%x lies outside the SVSM image",
				 l->svsm.svsm_info_offset);
	return 0;
}

static int prepare(const struct snpm_measure_config *cfg, struct launch *l,
		   struct snpm_error *reterr)
{
	int r = check_config(cfg, reterr);

	if (r < 0)
		return r;
	memset(l, 0, sizeof(*l));
	l->cfg = cfg;
	l->profile = snpm_vmm_profile(cfg->vmm);
	if (!l->profile)
		return snpm_fail(reterr, SNPM_EINVAL, "unknown VMM type %d", (int)cfg->vmm);
	if (cfg->vmm_version > l->profile->latest_version)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "%s has no VMM version %u",
				 l->profile->name, cfg->vmm_version);
	r = snpm_ovmf_parse(cfg->firmware, cfg->firmware_len, &l->fw, reterr);
	if (r < 0)
		return r;
	l->fw_gpa = SNPM_FOUR_GIB - cfg->firmware_len;
	if (cfg->mode == SNPM_MODE_SNP_SVSM) {
		if (cfg->vmm != SNPM_VMM_QEMU)
			return snpm_fail(reterr, SNPM_EUNSUPPORTED,
					 "SVSM launch is only known for QEMU, not %s",
					 l->profile->name);
		return prepare_svsm(l, reterr);
	}
	if (cfg->mode != SNPM_MODE_SEV && !l->fw.has_reset_eip)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "firmware has no SEV-ES reset block, so its vCPUs cannot start "
				 "under SEV-ES or SNP");
	if (cfg->mode != SNPM_MODE_SEV && cfg->vcpus > 1 && l->fw.reset_eip == 0)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "firmware's SEV-ES reset block gives AP entry point 0");
	return 0;
}

static int vcpu_vmsa(const struct launch *l, uint32_t index, uint8_t page[SNPM_PAGE_SIZE],
		     struct snpm_error *reterr)
{
	const struct snpm_measure_config *cfg = l->cfg;
	struct snpm_vmsa_params p = {
		.vmm = cfg->vmm,
		.vmm_version = cfg->vmm_version,
		.vcpu_sig = cfg->vcpu_sig,
	};

	switch (cfg->mode) {
	case SNPM_MODE_SEV_ES:
		p.eip = index == 0 ? SNPM_BSP_EIP : l->fw.reset_eip;
		break;
	case SNPM_MODE_SNP:
		p.eip = index == 0 ? SNPM_BSP_EIP : l->fw.reset_eip;
		p.sev_features = cfg->guest_features;
		break;
	case SNPM_MODE_SNP_SVSM:
		/* Every vCPU enters the SVSM; as in the reference, only SNPActive is set. */
		p.svsm = true;
		p.eip = l->svsm_gpa + l->svsm.svsm_info_offset;
		p.sev_features = 0x1;
		break;
	default:
		return snpm_fail(reterr, SNPM_EINVAL, "SEV guests have no VMSA");
	}
	return snpm_vmsa_build(&p, page, reterr);
}

/* SEV and SEV-ES: one SHA-256 over everything the PSP encrypts in place. */
static int measure_sev(const struct launch *l, uint8_t out[SNPM_SEV_LD_SIZE],
		       struct snpm_error *reterr)
{
	const struct snpm_measure_config *cfg = l->cfg;
	uint8_t table[SNPM_HASHES_TABLE_SIZE], page[SNPM_PAGE_SIZE];
	struct snpm_hash *h = NULL;
	int r;

	if (cfg->has_kernel && (!l->fw.has_hashes_table || l->fw.hashes_table_gpa == 0))
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "firmware does not support kernel/initrd/cmdline measurement "
				 "(no SEV hashes table)");
	r = snpm_hash_new(SNPM_HASH_SHA256, &h, reterr);
	if (r == 0)
		r = snpm_hash_update(h, cfg->firmware, cfg->firmware_len, reterr);
	if (r == 0 && cfg->has_kernel) {
		snpm_hashes_table_build(cfg->cmdline_sha256, cfg->initrd_sha256, cfg->kernel_sha256,
					table);
		r = snpm_hash_update(h, table, sizeof(table), reterr);
	}
	for (uint32_t i = 0; r == 0 && cfg->mode == SNPM_MODE_SEV_ES && i < cfg->vcpus; i++) {
		r = vcpu_vmsa(l, i, page, reterr);
		if (r == 0)
			r = snpm_hash_update(h, page, sizeof(page), reterr);
	}
	if (r == 0)
		r = snpm_hash_final(h, out, reterr);
	snpm_hash_free(h);
	return r;
}

/* The page QEMU fills for SNP_KERNEL_HASHES: the table at the footer's offset within a page. */
static int kernel_hashes_page(const struct launch *l, const struct snpm_ovmf_section *s,
			      uint8_t page[SNPM_PAGE_SIZE], struct snpm_error *reterr)
{
	const struct snpm_ovmf_info *fw = &l->fw;
	uint32_t offset = fw->hashes_table_gpa & (SNPM_PAGE_SIZE - 1);

	if (!fw->has_hashes_table || fw->hashes_table_gpa == 0)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "firmware has an SNP_KERNEL_HASHES section but no SEV hashes "
				 "table entry");
	if (fw->hashes_table_size != 0 && fw->hashes_table_size < SNPM_HASHES_TABLE_SIZE)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "firmware's SEV hashes table area of %u bytes is smaller than "
				 "the %u-byte table",
				 fw->hashes_table_size, SNPM_HASHES_TABLE_SIZE);
	if (s->size != SNPM_PAGE_SIZE || offset + SNPM_HASHES_TABLE_SIZE > SNPM_PAGE_SIZE)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "SNP_KERNEL_HASHES section of 0x%x bytes with the table at "
				 "offset 0x%x is not the single page QEMU fills",
				 s->size, offset);
	memset(page, 0, SNPM_PAGE_SIZE);
	snpm_hashes_table_build(l->cfg->cmdline_sha256, l->cfg->initrd_sha256,
				l->cfg->kernel_sha256, page + offset);
	return 0;
}

static int one_page_section(const struct snpm_ovmf_section *s, struct snpm_error *reterr)
{
	if (s->size != SNPM_PAGE_SIZE)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "%s section at 0x%x is 0x%x bytes, not one page",
				 snpm_section_type_name(s->type), s->gpa, s->size);
	return 0;
}

static int measure_section(const struct launch *l, const struct snpm_ovmf_section *s,
			   bool with_kernel, struct snpm_launch_ctx *ctx, struct snpm_error *reterr)
{
	uint8_t page[SNPM_PAGE_SIZE];
	int r;

	switch (s->type) {
	case SNPM_SECTION_SNP_SEC_MEM:
		return snpm_launch_update_empty(ctx, l->profile->sec_mem_page, s->gpa, s->size,
						reterr);
	case SNPM_SECTION_SNP_SECRETS:
		r = one_page_section(s, reterr);
		return r < 0 ? r :
			       snpm_launch_update_empty(ctx, SNPM_PAGE_SECRETS, s->gpa, s->size,
							reterr);
	case SNPM_SECTION_CPUID:
		r = one_page_section(s, reterr);
		if (r < 0 || l->profile->cpuid_last)
			return r;
		return snpm_launch_update_empty(ctx, SNPM_PAGE_CPUID, s->gpa, s->size, reterr);
	case SNPM_SECTION_SVSM_CAA:
		return snpm_launch_update_empty(ctx, SNPM_PAGE_ZERO, s->gpa, s->size, reterr);
	case SNPM_SECTION_SNP_KERNEL_HASHES:
		if (!with_kernel)
			return snpm_launch_update_empty(ctx, SNPM_PAGE_ZERO, s->gpa, s->size,
							reterr);
		r = kernel_hashes_page(l, s, page, reterr);
		return r < 0 ? r :
			       snpm_launch_update_normal(ctx, s->gpa, page, sizeof(page), reterr);
	default:
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "unknown SEV metadata section type 0x%x", s->type);
	}
}

static int measure_sections(const struct launch *l, const struct snpm_ovmf_info *info,
			    bool with_kernel, struct snpm_launch_ctx *ctx,
			    struct snpm_error *reterr)
{
	int r = 0;

	for (uint32_t i = 0; r == 0 && i < info->n_sections; i++)
		r = measure_section(l, &info->sections[i], with_kernel, ctx, reterr);
	/* EC2 populates CPUID pages only after everything else. */
	for (uint32_t i = 0; r == 0 && l->profile->cpuid_last && i < info->n_sections; i++)
		if (info->sections[i].type == SNPM_SECTION_CPUID)
			r = snpm_launch_update_empty(ctx, SNPM_PAGE_CPUID, info->sections[i].gpa,
						     SNPM_PAGE_SIZE, reterr);
	return r;
}

static int measure_vmsas(const struct launch *l, struct snpm_launch_ctx *ctx,
			 struct snpm_error *reterr)
{
	uint64_t gpa = l->cfg->vmsa_gpa ? l->cfg->vmsa_gpa : SNPM_VMSA_GPA_DEFAULT;
	uint8_t ap[SNPM_PAGE_SIZE], page[SNPM_PAGE_SIZE];
	int r = vcpu_vmsa(l, 0, page, reterr);

	if (r == 0)
		r = snpm_launch_update_vmsa(ctx, gpa, page, reterr);
	/* All APs share one VMSA. */
	if (r == 0 && l->cfg->vcpus > 1)
		r = vcpu_vmsa(l, 1, ap, reterr);
	for (uint32_t i = 1; r == 0 && i < l->cfg->vcpus; i++)
		r = snpm_launch_update_vmsa(ctx, gpa, ap, reterr);
	return r;
}

static int measure_snp(const struct launch *l, uint8_t out[SNPM_LD_SIZE], struct snpm_error *reterr)
{
	const struct snpm_measure_config *cfg = l->cfg;
	struct snpm_launch_ctx ctx;
	int r;

	if (cfg->has_kernel && !snpm_ovmf_has_section(&l->fw, SNPM_SECTION_SNP_KERNEL_HASHES))
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "a kernel was given but the firmware's SEV metadata has no "
				 "SNP_KERNEL_HASHES section");
	snpm_launch_init(&ctx);
	r = 0;
	if (cfg->has_firmware_digest)
		snpm_launch_seed(&ctx, cfg->firmware_digest);
	else
		r = snpm_launch_update_normal(&ctx, l->fw_gpa, cfg->firmware, cfg->firmware_len,
					      reterr);
	if (r == 0 && cfg->mode == SNPM_MODE_SNP_SVSM) {
		r = snpm_launch_update_normal(&ctx, l->svsm_gpa, cfg->svsm, cfg->svsm_len, reterr);
		/* The reference measures the SVSM's metadata sections, not the firmware's. */
		if (r == 0)
			r = measure_sections(l, &l->svsm, false, &ctx, reterr);
	} else if (r == 0) {
		r = measure_sections(l, &l->fw, cfg->has_kernel, &ctx, reterr);
	}
	if (r == 0)
		r = measure_vmsas(l, &ctx, reterr);
	if (r == 0)
		memcpy(out, ctx.ld, SNPM_LD_SIZE);
	return r;
}

int snpm_measure(const struct snpm_measure_config *cfg, uint8_t out[SNPM_LD_SIZE], size_t *ret_len,
		 struct snpm_error *reterr)
{
	uint8_t digest[SNPM_LD_SIZE];
	struct launch l;
	int r;

	if (!cfg || !out)
		return snpm_fail(reterr, SNPM_EINVAL, "no configuration or output buffer");
	r = prepare(cfg, &l, reterr);
	if (r < 0)
		return r;
	if (is_snp(cfg->mode))
		r = measure_snp(&l, digest, reterr);
	else
		r = measure_sev(&l, digest, reterr);
	if (r < 0)
		return r;
	size_t len = is_snp(cfg->mode) ? SNPM_LD_SIZE : SNPM_SEV_LD_SIZE;
	memcpy(out, digest, len);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int snpm_measure_firmware(const uint8_t *firmware, size_t len, uint8_t out[SNPM_LD_SIZE],
			  struct snpm_error *reterr)
{
	struct snpm_launch_ctx ctx;
	struct snpm_ovmf_info info;
	int r = check_image(firmware, len, "firmware", reterr);

	/* Parse too: a malformed image is refused here as it would be in a full measurement. */
	if (r == 0)
		r = snpm_ovmf_parse(firmware, len, &info, reterr);
	snpm_launch_init(&ctx);
	if (r == 0)
		r = snpm_launch_update_normal(&ctx, SNPM_FOUR_GIB - len, firmware, len, reterr);
	if (r == 0)
		memcpy(out, ctx.ld, SNPM_LD_SIZE);
	return r;
}

int snpm_measure_vmsa(const struct snpm_measure_config *cfg, uint32_t index,
		      uint8_t ret_page[SNPM_PAGE_SIZE], struct snpm_error *reterr)
{
	struct launch l;
	int r;

	if (!cfg || !ret_page)
		return snpm_fail(reterr, SNPM_EINVAL, "no configuration or output buffer");
	r = prepare(cfg, &l, reterr);
	if (r == 0 && index >= cfg->vcpus)
		r = snpm_fail(reterr, SNPM_ERANGE, "vCPU %u of %u", index, cfg->vcpus);
	if (r == 0)
		r = vcpu_vmsa(&l, index, ret_page, reterr);
	return r;
}
