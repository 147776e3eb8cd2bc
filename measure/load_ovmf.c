/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OVMF loader: what QEMU (or EC2, GCE) loads at launch, in its order.
 *
 * SNP (QEMU target/i386/sev.c; reference guest.py): firmware pages NORMAL just below 4 GiB (with
 * an SVSM: the SVSM image below the OVMF variable store), then the SEV metadata sections in
 * firmware order, then one VMSA per vCPU. SEV and SEV-ES: SHA-256 over the firmware, the kernel
 * hashes table, and for SEV-ES the VMSAs.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

struct ovmf {
	const struct snpm_ovmf_info *fw; /* fw_parsed, or the caller's metadata */
	struct snpm_ovmf_info fw_parsed;
	uint64_t fw_gpa;
	struct snpm_ovmf_info svsm; /* SNP_SVSM only */
	uint64_t svsm_gpa;
	uint8_t page[SNPM_PAGE_SIZE]; /* the kernel hashes page */
	uint8_t table[SNPM_HASHES_TABLE_SIZE]; /* SEV, SEV-ES: the table itself */
};

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

static int check_firmware_source(const struct snpm_measure_config *cfg, struct snpm_error *reterr)
{
	if (cfg->firmware)
		return check_image(cfg->firmware, cfg->firmware_len, "firmware", reterr);
	if (!cfg->firmware_info)
		return snpm_fail(reterr, SNPM_EINVAL, "no firmware image or metadata");
	/* Without the bytes, only an SNP chain seeded with the firmware digest can be computed. */
	if (cfg->mode != SNPM_MODE_SNP || !cfg->has_firmware_digest)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "firmware metadata without the image needs SNP mode and the "
				 "firmware's SNP digest");
	return 0;
}

static int check_config(const struct snpm_measure_config *cfg, struct snpm_error *reterr)
{
	if (cfg->has_firmware_digest && cfg->mode != SNPM_MODE_SNP)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "a precomputed firmware digest only applies to SNP mode");
	if (cfg->mode == SNPM_MODE_SNP_SVSM && cfg->has_kernel)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "SVSM launches do not measure a kernel hashes table");
	return check_firmware_source(cfg, reterr);
}

static int prepare_svsm(struct launch *l, struct ovmf *o, struct snpm_error *reterr)
{
	const struct snpm_measure_config *cfg = &l->cfg;
	uint64_t end;
	int r = check_image(cfg->svsm, cfg->svsm_len, "SVSM", reterr);

	if (r < 0)
		return r;
	r = snpm_ovmf_parse(cfg->svsm, cfg->svsm_len, &o->svsm, reterr);
	if (r < 0)
		return r;
	if (!o->svsm.has_svsm_info)
		return snpm_fail(reterr, SNPM_EMALFORMED, "SVSM image has no SVSM info entry");
	/* QEMU puts the OVMF variable store right below the firmware and the SVSM below it. */
	if (cfg->vars_size % SNPM_PAGE_SIZE || cfg->vars_size > o->fw_gpa)
		return snpm_fail(reterr, SNPM_ERANGE,
				 "OVMF variable store size %llu is not page aligned below the "
				 "firmware",
				 (unsigned long long)cfg->vars_size);
	end = o->fw_gpa - cfg->vars_size;
	if (cfg->svsm_len > end)
		return snpm_fail(reterr, SNPM_ERANGE, "SVSM image does not fit below the firmware");
	o->svsm_gpa = end - cfg->svsm_len;
	if (o->svsm_gpa + o->svsm.svsm_info_offset >= end)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "SVSM entry offset 0x%x lies outside the SVSM image",
				 o->svsm.svsm_info_offset);
	return 0;
}

/* The checks that depend on the vCPU count. */
static int check_vcpus(const struct launch *l, const struct ovmf *o, struct snpm_error *reterr)
{
	if (l->cfg.mode == SNPM_MODE_SEV || l->cfg.mode == SNPM_MODE_SNP_SVSM)
		return 0;
	if (!o->fw->has_reset_eip)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "firmware has no SEV-ES reset block, so its vCPUs cannot start "
				 "under SEV-ES or SNP");
	if (l->cfg.vcpus > 1 && o->fw->reset_eip == 0)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "firmware's SEV-ES reset block gives AP entry point 0");
	return 0;
}

/* What the kernel hashes need of the firmware, checked before anything is measured. */
static int check_kernel_support(const struct launch *l, const struct ovmf *o,
				struct snpm_error *reterr)
{
	if (!l->cfg.has_kernel)
		return 0;
	/* Only an AmdSev build of OVMF (OvmfPkg/AmdSev/AmdSevX64.dsc) has the table where QEMU
	 * puts the kernel's hashes (kernel-hashes=on); general builds, Debian's among them, do
	 * not: the kernel is then not measured at all, and no digest can stand for it. */
	if (snpm_is_snp(l->cfg.mode) &&
	    !snpm_ovmf_has_section(o->fw, SNPM_SECTION_SNP_KERNEL_HASHES))
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "a kernel was given, but this firmware has no SNP_KERNEL_HASHES "
				 "section to measure it: only an AmdSev OVMF "
				 "(OvmfPkg/AmdSev/AmdSevX64.dsc, which kernel-hashes=on needs) has "
				 "one; use it, or measure without --kernel");
	if (!snpm_is_snp(l->cfg.mode) && (!o->fw->has_hashes_table || o->fw->hashes_table_gpa == 0))
		return snpm_fail(
			reterr, SNPM_EUNSUPPORTED,
			"a kernel was given, but this firmware has no SEV hashes table to "
			"measure it: only an AmdSev OVMF (OvmfPkg/AmdSev/AmdSevX64.dsc, "
			"which kernel-hashes=on needs) has one; use it, or measure without "
			"--kernel");
	return 0;
}

static int ovmf_prepare(struct launch *l, struct snpm_error *reterr)
{
	const struct snpm_measure_config *cfg = &l->cfg;
	struct ovmf *o;
	int r = check_config(cfg, reterr);

	if (r < 0)
		return r;
	o = calloc(1, sizeof(*o));
	if (!o)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	l->state = o;
	if (cfg->firmware) {
		r = snpm_ovmf_parse(cfg->firmware, cfg->firmware_len, &o->fw_parsed, reterr);
		if (r < 0)
			return r;
		o->fw = &o->fw_parsed;
	} else {
		o->fw = cfg->firmware_info;
	}
	/* Metadata may not know the image size (dstack's does not); a seeded chain needs none. */
	if (o->fw->size % SNPM_PAGE_SIZE || o->fw->size > SNPM_OVMF_MAX_SIZE ||
	    (cfg->firmware && o->fw->size == 0))
		return snpm_fail(reterr, SNPM_EMALFORMED, "firmware size %llu is not usable",
				 (unsigned long long)o->fw->size);
	o->fw_gpa = SNPM_FOUR_GIB - o->fw->size;
	if (cfg->mode == SNPM_MODE_SNP_SVSM)
		r = prepare_svsm(l, o, reterr);
	else
		r = check_vcpus(l, o, reterr);
	return r < 0 ? r : check_kernel_support(l, o, reterr);
}

static void ovmf_release(struct launch *l)
{
	free(l->state);
	l->state = NULL;
}

/* The chain starts from the firmware digest given (snp:ovmf-hash), as a trace step of its own. */
static int seed(struct launch *l, const struct ovmf *o, struct snpm_error *reterr)
{
	struct page_update fw = page_update_of(SNPM_PHASE_FIRMWARE, 0, "firmware", SNPM_PAGE_NORMAL,
					       o->fw_gpa, o->fw->size, NULL);
	struct snpm_trace_event ev = { .phase = SNPM_PHASE_SEED, .what = "firmware digest" };

	if (l->dry) /* its pages are measured, though not here: they keep their place */
		return launch_emit(l, &fw, reterr);
	snpm_launch_seed(l->ctx, l->cfg.firmware_digest);
	if (l->trace) {
		memcpy(ev.digest, l->ctx->ld, SNPM_LD_SIZE);
		l->trace(l->trace_arg, &ev);
	}
	return 0;
}

/* The firmware's bytes, at the top of 4 GiB. */
static struct page_update firmware_update(const struct ovmf *o,
					  const struct snpm_measure_config *cfg)
{
	return page_update_of(SNPM_PHASE_FIRMWARE, 0, "firmware", SNPM_PAGE_NORMAL, o->fw_gpa,
			      cfg->firmware_len, cfg->firmware);
}

/* SEV and SEV-ES: the firmware bytes, then the kernel hashes table. */
static int sev_pieces(struct launch *l, struct ovmf *o, struct snpm_error *reterr)
{
	const struct snpm_measure_config *cfg = &l->cfg;
	struct page_update fw = firmware_update(o, cfg);
	struct page_update table =
		page_update_of(SNPM_PHASE_KERNEL_HASHES, 0, "kernel hashes table", SNPM_PAGE_NORMAL,
			       o->fw->hashes_table_gpa, sizeof(o->table), o->table);
	int r = launch_emit(l, &fw, reterr);

	if (r < 0 || !cfg->has_kernel)
		return r;
	snpm_hashes_table_build(cfg->cmdline_sha256, cfg->initrd_sha256, cfg->kernel_sha256,
				o->table);
	return launch_emit(l, &table, reterr);
}

/* Pages that do not depend on the VMM: the firmware (and the SVSM image), or SEV's pieces. */
static int ovmf_shared_pages(struct launch *l, struct snpm_error *reterr)
{
	struct ovmf *o = l->state;
	const struct snpm_measure_config *cfg = &l->cfg;
	struct page_update u = firmware_update(o, cfg);
	int r;

	if (!snpm_is_snp(cfg->mode))
		return sev_pieces(l, o, reterr);
	r = cfg->has_firmware_digest ? seed(l, o, reterr) : launch_emit(l, &u, reterr);
	if (r < 0 || cfg->mode != SNPM_MODE_SNP_SVSM)
		return r;
	u = page_update_of(SNPM_PHASE_SVSM, 0, "SVSM image", SNPM_PAGE_NORMAL, o->svsm_gpa,
			   cfg->svsm_len, cfg->svsm);
	return launch_emit(l, &u, reterr);
}

/* The page QEMU fills for SNP_KERNEL_HASHES: the table at the footer's offset within a page. */
static int kernel_hashes_page(struct launch *l, struct ovmf *o, const struct snpm_ovmf_section *s,
			      struct snpm_error *reterr)
{
	const struct snpm_ovmf_info *fw = o->fw;
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
	/* QEMU copies the table into this page at the table's offset within its page; OVMF
	 * looks for it at the table's GPA. Elsewhere, OVMF would find no table to check. */
	if (fw->hashes_table_gpa - offset != s->gpa)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "SEV hashes table at 0x%x lies outside the SNP_KERNEL_HASHES page "
				 "0x%x-0x%x",
				 fw->hashes_table_gpa, s->gpa, s->gpa + s->size - 1);
	memset(o->page, 0, sizeof(o->page));
	snpm_hashes_table_build(l->cfg.cmdline_sha256, l->cfg.initrd_sha256, l->cfg.kernel_sha256,
				o->page + offset);
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

/* How a section is measured: its page type and contents (u->type, u->data). */
static int section_update(struct launch *l, struct ovmf *o, const struct snpm_ovmf_section *s,
			  bool with_kernel, struct page_update *u, struct snpm_error *reterr)
{
	int r = 0;

	switch (s->type) {
	case SNPM_SECTION_SNP_SEC_MEM:
		u->type = l->profile->sec_mem_page;
		return 0;
	case SNPM_SECTION_SNP_SECRETS:
		u->type = SNPM_PAGE_SECRETS;
		return one_page_section(s, reterr);
	case SNPM_SECTION_CPUID:
		u->type = SNPM_PAGE_CPUID;
		r = one_page_section(s, reterr);
		/* EC2 populates CPUID pages only after everything else. */
		if (l->profile->cpuid_last)
			u->len = 0;
		return r;
	case SNPM_SECTION_SVSM_CAA:
		u->type = SNPM_PAGE_ZERO;
		return 0;
	case SNPM_SECTION_SNP_KERNEL_HASHES:
		u->type = with_kernel ? SNPM_PAGE_NORMAL : SNPM_PAGE_ZERO;
		if (!with_kernel)
			return 0;
		u->phase = SNPM_PHASE_KERNEL_HASHES;
		u->data = o->page;
		return l->dry ? 0 : kernel_hashes_page(l, o, s, reterr);
	default:
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "unknown SEV metadata section type 0x%x", s->type);
	}
}

static int measure_sections(struct launch *l, struct ovmf *o, const struct snpm_ovmf_info *info,
			    const char *owner, bool with_kernel, struct snpm_error *reterr)
{
	int r = 0;

	for (uint32_t i = 0; r == 0 && i < info->n_sections; i++) {
		const struct snpm_ovmf_section *s = &info->sections[i];
		struct page_update u =
			page_update_of(SNPM_PHASE_SECTION, i, owner, 0, s->gpa, s->size, NULL);
		u.section_type = s->type;
		r = section_update(l, o, s, with_kernel, &u, reterr);
		if (r == 0)
			r = launch_emit(l, &u, reterr);
	}
	for (uint32_t i = 0; r == 0 && l->profile->cpuid_last && i < info->n_sections; i++) {
		const struct snpm_ovmf_section *s = &info->sections[i];
		struct page_update u = page_update_of(SNPM_PHASE_SECTION, i, owner, SNPM_PAGE_CPUID,
						      s->gpa, SNPM_PAGE_SIZE, NULL);
		u.section_type = s->type;
		if (s->type == SNPM_SECTION_CPUID)
			r = launch_emit(l, &u, reterr);
	}
	return r;
}

/* The metadata sections (SNP): how a VMM measures them is part of its profile. */
static int ovmf_pages(struct launch *l, struct snpm_error *reterr)
{
	struct ovmf *o = l->state;

	if (!snpm_is_snp(l->cfg.mode))
		return 0;
	/* The reference measures the SVSM's metadata sections, not the firmware's. */
	if (l->cfg.mode == SNPM_MODE_SNP_SVSM)
		return measure_sections(l, o, &o->svsm, "SVSM metadata", false, reterr);
	return measure_sections(l, o, o->fw, "SEV metadata", l->cfg.has_kernel, reterr);
}

static int ovmf_vmsa(struct launch *l, uint32_t index, uint8_t page[SNPM_PAGE_SIZE],
		     struct snpm_error *reterr)
{
	const struct snpm_measure_config *cfg = &l->cfg;
	const struct ovmf *o = l->state;
	struct snpm_vmsa_params p = {
		.size = sizeof(p),
		.vmm = cfg->vmm,
		.vmm_version = cfg->vmm_version,
		.vcpu_sig = cfg->vcpu_sig,
		.fpu = cfg->vmsa_fpu,
		.eip = index == 0 ? SNPM_BSP_EIP : o->fw->reset_eip,
	};

	switch (cfg->mode) {
	case SNPM_MODE_SEV_ES:
		break;
	case SNPM_MODE_SNP:
		p.sev_features = cfg->guest_features;
		break;
	case SNPM_MODE_SNP_SVSM:
		/* Every vCPU enters the SVSM; as in the reference, only SNPActive is set. */
		p.svsm = true;
		p.eip = o->svsm_gpa + o->svsm.svsm_info_offset;
		p.sev_features = 0x1;
		break;
	default:
		return snpm_fail(reterr, SNPM_EINVAL, "SEV guests have no VMSA");
	}
	return snpm_vmsa_build(&p, page, reterr);
}

const struct loader snpm_loader_ovmf = {
	.name = "OVMF",
	.prepare = ovmf_prepare,
	.shared_pages = ovmf_shared_pages,
	.pages = ovmf_pages,
	.vmsa = ovmf_vmsa,
	.release = ovmf_release,
};
