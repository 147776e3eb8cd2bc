/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Config-level measurement: replays what QEMU (or EC2, GCE) loads at launch, in its order.
 *
 * SNP (QEMU target/i386/sev.c; reference guest.py): firmware pages NORMAL just below 4 GiB,
 * then the SEV metadata sections in firmware order, then one VMSA per vCPU.
 * SEV and SEV-ES: SHA-256 over the firmware, the kernel hashes table, and for SEV-ES the VMSAs.
 */
#include <stdio.h>
#include <string.h>

#include <snpm/measure.h>

#include "chain.h"
#include "crypto.h"
#include "profile.h"

struct launch {
	struct snpm_measure_config cfg; /* a copy: sweeps vary vmm, signature and features */
	const struct snpm_vmm_profile *profile;
	const struct snpm_ovmf_info *fw; /* fw_parsed, or the caller's metadata */
	struct snpm_ovmf_info fw_parsed;
	uint64_t fw_gpa;
	struct snpm_ovmf_info svsm; /* SNP_SVSM only */
	uint64_t svsm_gpa;

	/* Tracing: the callback, and the step the next page belongs to. */
	snpm_trace_fn trace;
	void *trace_arg;
	enum snpm_phase phase;
	uint32_t index;
	uint32_t section_type;
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
	return check_firmware_source(cfg, reterr);
}

static int prepare_svsm(struct launch *l, struct snpm_error *reterr)
{
	const struct snpm_measure_config *cfg = &l->cfg;
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

static int set_vmm(struct launch *l, enum snpm_vmm vmm, struct snpm_error *reterr)
{
	const struct snpm_vmm_profile *p = snpm_vmm_profile(vmm);

	if (!p)
		return snpm_fail(reterr, SNPM_EINVAL, "unknown VMM type %d", (int)vmm);
	if (l->cfg.vmm_version > p->latest_version)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "%s has no VMM version %u", p->name,
				 l->cfg.vmm_version);
	if (l->cfg.mode == SNPM_MODE_SNP_SVSM && vmm != SNPM_VMM_QEMU)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "SVSM launch is only known for QEMU, not %s", p->name);
	l->cfg.vmm = vmm;
	l->profile = p;
	return 0;
}

/* The checks that depend on the vCPU count. */
static int check_vcpus(const struct launch *l, uint32_t vcpus, struct snpm_error *reterr)
{
	if (l->cfg.mode == SNPM_MODE_SEV || l->cfg.mode == SNPM_MODE_SNP_SVSM)
		return 0;
	if (vcpus < 1 || vcpus > SNPM_MAX_VCPUS)
		return snpm_fail(reterr, SNPM_ERANGE, "vCPU count %u is outside 1..%u", vcpus,
				 SNPM_MAX_VCPUS);
	if (!l->fw->has_reset_eip)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "firmware has no SEV-ES reset block, so its vCPUs cannot start "
				 "under SEV-ES or SNP");
	if (vcpus > 1 && l->fw->reset_eip == 0)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "firmware's SEV-ES reset block gives AP entry point 0");
	return 0;
}

/* ---- the layout: every GPA measured at most once ---- */

/* One range of guest memory the launch measures, and what put it there. */
struct gpa_range {
	uint64_t start, end; /* [start, end) */
	char what[64];
};

#define MAX_RANGES (SNPM_OVMF_MAX_SECTIONS + 3)

static void add_range(struct gpa_range *r, size_t *n, uint64_t start, uint64_t len,
		      const char *what)
{
	r[*n].start = start;
	r[*n].end = start + len;
	snprintf(r[*n].what, sizeof(r[*n].what), "%s (0x%llx-0x%llx)", what,
		 (unsigned long long)start, (unsigned long long)(start + len - 1));
	(*n)++;
}

static void add_sections(struct gpa_range *r, size_t *n, const struct snpm_ovmf_info *info,
			 const char *owner)
{
	char what[48];

	for (uint32_t i = 0; i < info->n_sections; i++) {
		const struct snpm_ovmf_section *s = &info->sections[i];
		snprintf(what, sizeof(what), "%s section %u %s", owner, i,
			 snpm_section_type_name(s->type) ? snpm_section_type_name(s->type) : "?");
		add_range(r, n, s->gpa, s->size, what);
	}
}

static uint64_t vmsa_gpa(const struct launch *l)
{
	return l->cfg.vmsa_gpa ? l->cfg.vmsa_gpa : SNPM_VMSA_GPA_DEFAULT;
}

/*
 * The secure processor refuses a second SNP_LAUNCH_UPDATE of a page it has already validated
 * (SNP ABI spec 56860, SNP_LAUNCH_UPDATE: the page must not be validated), so a layout that
 * measures one GPA twice cannot come from a real launch. Every VMSA is measured at one GPA,
 * as KVM does (the VMSAs are not guest memory), so only other pages may not share it.
 */
static int check_layout(const struct launch *l, struct snpm_error *reterr)
{
	struct gpa_range r[MAX_RANGES];
	size_t n = 0;

	if (!is_snp(l->cfg.mode))
		return 0;
	if (l->fw->size)
		add_range(r, &n, l->fw_gpa, l->fw->size, "firmware");
	if (l->cfg.mode == SNPM_MODE_SNP_SVSM) {
		add_range(r, &n, l->svsm_gpa, l->cfg.svsm_len, "SVSM image");
		add_sections(r, &n, &l->svsm, "SVSM metadata");
	} else {
		add_sections(r, &n, l->fw, "SEV metadata");
	}
	add_range(r, &n, vmsa_gpa(l), SNPM_PAGE_SIZE, "VMSA page");
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (r[i].start < r[j].end && r[j].start < r[i].end)
				return snpm_fail(reterr, SNPM_EMALFORMED,
						 "%s and %s measure the same pages", r[i].what,
						 r[j].what);
	return 0;
}

static int prepare(const struct snpm_measure_config *cfg, struct launch *l,
		   struct snpm_error *reterr)
{
	int r = check_config(cfg, reterr);

	if (r < 0)
		return r;
	memset(l, 0, sizeof(*l));
	l->cfg = *cfg;
	r = set_vmm(l, cfg->vmm, reterr);
	if (r < 0)
		return r;
	if (cfg->firmware) {
		r = snpm_ovmf_parse(cfg->firmware, cfg->firmware_len, &l->fw_parsed, reterr);
		if (r < 0)
			return r;
		l->fw = &l->fw_parsed;
	} else {
		l->fw = cfg->firmware_info;
	}
	/* Metadata may not know the image size (dstack's does not); a seeded chain needs none. */
	if (l->fw->size % SNPM_PAGE_SIZE || l->fw->size > SNPM_OVMF_MAX_SIZE ||
	    (cfg->firmware && l->fw->size == 0))
		return snpm_fail(reterr, SNPM_EMALFORMED, "firmware size %llu is not usable",
				 (unsigned long long)l->fw->size);
	l->fw_gpa = SNPM_FOUR_GIB - l->fw->size;
	if (cfg->mode == SNPM_MODE_SNP_SVSM)
		r = prepare_svsm(l, reterr);
	else
		r = check_vcpus(l, cfg->vcpus, reterr);
	return r < 0 ? r : check_layout(l, reterr);
}

static int vcpu_vmsa(const struct launch *l, uint32_t index, uint8_t page[SNPM_PAGE_SIZE],
		     struct snpm_error *reterr)
{
	const struct snpm_measure_config *cfg = &l->cfg;
	struct snpm_vmsa_params p = {
		.vmm = cfg->vmm,
		.vmm_version = cfg->vmm_version,
		.vcpu_sig = cfg->vcpu_sig,
		.fpu = cfg->vmsa_fpu,
	};

	switch (cfg->mode) {
	case SNPM_MODE_SEV_ES:
		p.eip = index == 0 ? SNPM_BSP_EIP : l->fw->reset_eip;
		break;
	case SNPM_MODE_SNP:
		p.eip = index == 0 ? SNPM_BSP_EIP : l->fw->reset_eip;
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

/* ---- tracing ---- */

static void step(struct launch *l, enum snpm_phase phase, uint32_t index, uint32_t section_type)
{
	l->phase = phase;
	l->index = index;
	l->section_type = section_type;
}

static void page_hook(void *arg, enum snpm_page_type type, uint64_t gpa,
		      const uint8_t contents[SNPM_SHA384_SIZE], const uint8_t ld[SNPM_LD_SIZE])
{
	struct launch *l = arg;
	struct snpm_trace_event ev = {
		.phase = l->phase,
		.index = l->index,
		.section_type = l->section_type,
		.page_type = type,
		.gpa = gpa,
		.length = SNPM_PAGE_SIZE,
	};

	memcpy(ev.contents, contents, sizeof(ev.contents));
	memcpy(ev.digest, ld, sizeof(ev.digest));
	l->trace(l->trace_arg, &ev);
}

/* Chains pages, telling the trace callback about each. */
static int chain(struct launch *l, struct snpm_launch_ctx *ctx, enum snpm_page_type type,
		 uint64_t gpa, const uint8_t *data, uint64_t len, struct snpm_error *reterr)
{
	return snpm_launch_pages(ctx, type, gpa, data, len, l->trace ? page_hook : NULL, l, reterr);
}

/* SEV and SEV-ES steps: the SHA-256 of the piece, for explain. */
static int trace_piece(struct launch *l, const void *data, size_t len, struct snpm_error *reterr)
{
	struct snpm_trace_event ev = {
		.phase = l->phase,
		.index = l->index,
		.length = len,
	};
	int r;

	if (!l->trace)
		return 0;
	r = snpm_digest(SNPM_HASH_SHA256, data, len, ev.contents, reterr);
	if (r == 0)
		l->trace(l->trace_arg, &ev);
	return r;
}

/* SEV and SEV-ES, up to the VMSAs: the firmware and the kernel hashes table. */
static int sev_prefix(struct launch *l, struct snpm_hash **ret, struct snpm_error *reterr)
{
	const struct snpm_measure_config *cfg = &l->cfg;
	uint8_t table[SNPM_HASHES_TABLE_SIZE];
	struct snpm_hash *h = NULL;
	int r;

	if (cfg->has_kernel && (!l->fw->has_hashes_table || l->fw->hashes_table_gpa == 0))
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "firmware does not support kernel/initrd/cmdline measurement "
				 "(no SEV hashes table)");
	r = snpm_hash_new(SNPM_HASH_SHA256, &h, reterr);
	step(l, SNPM_PHASE_FIRMWARE, 0, 0);
	if (r == 0)
		r = snpm_hash_update(h, cfg->firmware, cfg->firmware_len, reterr);
	if (r == 0)
		r = trace_piece(l, cfg->firmware, cfg->firmware_len, reterr);
	if (r == 0 && cfg->has_kernel) {
		snpm_hashes_table_build(cfg->cmdline_sha256, cfg->initrd_sha256, cfg->kernel_sha256,
					table);
		step(l, SNPM_PHASE_KERNEL_HASHES, 0, 0);
		r = snpm_hash_update(h, table, sizeof(table), reterr);
		if (r == 0)
			r = trace_piece(l, table, sizeof(table), reterr);
	}
	if (r < 0) {
		snpm_hash_free(h);
		return r;
	}
	*ret = h;
	return 0;
}

static int sev_add_vmsa(struct launch *l, struct snpm_hash *h, uint32_t index,
			const uint8_t page[SNPM_PAGE_SIZE], struct snpm_error *reterr)
{
	int r = snpm_hash_update(h, page, SNPM_PAGE_SIZE, reterr);

	step(l, SNPM_PHASE_VMSA, index, 0);
	return r < 0 ? r : trace_piece(l, page, SNPM_PAGE_SIZE, reterr);
}

/* SEV and SEV-ES: one SHA-256 over everything the PSP encrypts in place. */
static int measure_sev(struct launch *l, uint8_t out[SNPM_SEV_LD_SIZE], struct snpm_error *reterr)
{
	uint8_t page[SNPM_PAGE_SIZE];
	struct snpm_hash *h = NULL;
	int r = sev_prefix(l, &h, reterr);

	for (uint32_t i = 0; r == 0 && l->cfg.mode == SNPM_MODE_SEV_ES && i < l->cfg.vcpus; i++) {
		r = vcpu_vmsa(l, i, page, reterr);
		if (r == 0)
			r = sev_add_vmsa(l, h, i, page, reterr);
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
	const struct snpm_ovmf_info *fw = l->fw;
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
	memset(page, 0, SNPM_PAGE_SIZE);
	snpm_hashes_table_build(l->cfg.cmdline_sha256, l->cfg.initrd_sha256, l->cfg.kernel_sha256,
				page + offset);
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

static int measure_section(struct launch *l, const struct snpm_ovmf_section *s, bool with_kernel,
			   struct snpm_launch_ctx *ctx, struct snpm_error *reterr)
{
	uint8_t page[SNPM_PAGE_SIZE];
	int r;

	switch (s->type) {
	case SNPM_SECTION_SNP_SEC_MEM:
		return chain(l, ctx, l->profile->sec_mem_page, s->gpa, NULL, s->size, reterr);
	case SNPM_SECTION_SNP_SECRETS:
		r = one_page_section(s, reterr);
		return r < 0 ? r : chain(l, ctx, SNPM_PAGE_SECRETS, s->gpa, NULL, s->size, reterr);
	case SNPM_SECTION_CPUID:
		r = one_page_section(s, reterr);
		if (r < 0 || l->profile->cpuid_last)
			return r;
		return chain(l, ctx, SNPM_PAGE_CPUID, s->gpa, NULL, s->size, reterr);
	case SNPM_SECTION_SVSM_CAA:
		return chain(l, ctx, SNPM_PAGE_ZERO, s->gpa, NULL, s->size, reterr);
	case SNPM_SECTION_SNP_KERNEL_HASHES:
		if (!with_kernel)
			return chain(l, ctx, SNPM_PAGE_ZERO, s->gpa, NULL, s->size, reterr);
		r = kernel_hashes_page(l, s, page, reterr);
		l->phase = SNPM_PHASE_KERNEL_HASHES;
		return r < 0 ? r :
			       chain(l, ctx, SNPM_PAGE_NORMAL, s->gpa, page, sizeof(page), reterr);
	default:
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "unknown SEV metadata section type 0x%x", s->type);
	}
}

static int measure_sections(struct launch *l, const struct snpm_ovmf_info *info, bool with_kernel,
			    struct snpm_launch_ctx *ctx, struct snpm_error *reterr)
{
	const struct snpm_ovmf_section *s;
	int r = 0;

	for (uint32_t i = 0; r == 0 && i < info->n_sections; i++) {
		s = &info->sections[i];
		step(l, SNPM_PHASE_SECTION, i, s->type);
		r = measure_section(l, s, with_kernel, ctx, reterr);
	}
	/* EC2 populates CPUID pages only after everything else. */
	for (uint32_t i = 0; r == 0 && l->profile->cpuid_last && i < info->n_sections; i++) {
		s = &info->sections[i];
		step(l, SNPM_PHASE_SECTION, i, s->type);
		if (s->type == SNPM_SECTION_CPUID)
			r = chain(l, ctx, SNPM_PAGE_CPUID, s->gpa, NULL, SNPM_PAGE_SIZE, reterr);
	}
	return r;
}

/* SNP, up to the VMSAs: which depends on the mode and the VMM, never on the vCPUs. */
static int snp_firmware(struct launch *l, struct snpm_launch_ctx *ctx, struct snpm_error *reterr)
{
	const struct snpm_measure_config *cfg = &l->cfg;
	int r = 0;

	if (cfg->has_kernel && !snpm_ovmf_has_section(l->fw, SNPM_SECTION_SNP_KERNEL_HASHES))
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "a kernel was given but the firmware's SEV metadata has no "
				 "SNP_KERNEL_HASHES section");
	snpm_launch_init(ctx);
	if (cfg->has_firmware_digest) {
		snpm_launch_seed(ctx, cfg->firmware_digest);
		if (l->trace) {
			struct snpm_trace_event ev = { .phase = SNPM_PHASE_SEED };
			memcpy(ev.digest, ctx->ld, SNPM_LD_SIZE);
			l->trace(l->trace_arg, &ev);
		}
	} else {
		step(l, SNPM_PHASE_FIRMWARE, 0, 0);
		r = chain(l, ctx, SNPM_PAGE_NORMAL, l->fw_gpa, cfg->firmware, cfg->firmware_len,
			  reterr);
	}
	if (r == 0 && cfg->mode == SNPM_MODE_SNP_SVSM) {
		step(l, SNPM_PHASE_SVSM, 0, 0);
		r = chain(l, ctx, SNPM_PAGE_NORMAL, l->svsm_gpa, cfg->svsm, cfg->svsm_len, reterr);
	}
	return r;
}

static int snp_sections(struct launch *l, struct snpm_launch_ctx *ctx, struct snpm_error *reterr)
{
	/* The reference measures the SVSM's metadata sections, not the firmware's. */
	if (l->cfg.mode == SNPM_MODE_SNP_SVSM)
		return measure_sections(l, &l->svsm, false, ctx, reterr);
	return measure_sections(l, l->fw, l->cfg.has_kernel, ctx, reterr);
}

static int measure_vmsas(struct launch *l, struct snpm_launch_ctx *ctx, struct snpm_error *reterr)
{
	uint8_t ap[SNPM_PAGE_SIZE], page[SNPM_PAGE_SIZE];
	int r = vcpu_vmsa(l, 0, page, reterr);

	step(l, SNPM_PHASE_VMSA, 0, 0);
	if (r == 0)
		r = chain(l, ctx, SNPM_PAGE_VMSA, vmsa_gpa(l), page, sizeof(page), reterr);
	/* All APs share one VMSA. */
	if (r == 0 && l->cfg.vcpus > 1)
		r = vcpu_vmsa(l, 1, ap, reterr);
	for (uint32_t i = 1; r == 0 && i < l->cfg.vcpus; i++) {
		step(l, SNPM_PHASE_VMSA, i, 0);
		r = chain(l, ctx, SNPM_PAGE_VMSA, vmsa_gpa(l), ap, sizeof(ap), reterr);
	}
	return r;
}

static int measure_snp(struct launch *l, uint8_t out[SNPM_LD_SIZE], struct snpm_error *reterr)
{
	struct snpm_launch_ctx ctx;
	int r = snp_firmware(l, &ctx, reterr);

	if (r == 0)
		r = snp_sections(l, &ctx, reterr);
	if (r == 0)
		r = measure_vmsas(l, &ctx, reterr);
	if (r == 0)
		memcpy(out, ctx.ld, SNPM_LD_SIZE);
	return r;
}

int snpm_measure_trace(const struct snpm_measure_config *cfg, snpm_trace_fn fn, void *arg,
		       uint8_t out[SNPM_LD_SIZE], size_t *ret_len, struct snpm_error *reterr)
{
	uint8_t digest[SNPM_LD_SIZE];
	struct launch l;
	int r;

	if (!cfg || !out)
		return snpm_fail(reterr, SNPM_EINVAL, "no configuration or output buffer");
	r = prepare(cfg, &l, reterr);
	if (r < 0)
		return r;
	l.trace = fn;
	l.trace_arg = arg;
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

int snpm_measure(const struct snpm_measure_config *cfg, uint8_t out[SNPM_LD_SIZE], size_t *ret_len,
		 struct snpm_error *reterr)
{
	return snpm_measure_trace(cfg, NULL, NULL, out, ret_len, reterr);
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

/* ---- sweeps ---- */

struct sweep {
	struct launch *l;
	const struct snpm_sweep_space *space;
	snpm_sweep_fn fn;
	void *arg;
	struct snpm_sweep_row row;
};

static int check_space(const struct snpm_sweep_space *sp, struct snpm_error *reterr)
{
	if (!sp->n_vcpus || !sp->n_vcpu_sigs || !sp->n_guest_features || !sp->n_vmms)
		return snpm_fail(reterr, SNPM_EINVAL, "every sweep dimension needs a value");
	for (size_t i = 0; i < sp->n_vcpus; i++)
		if (sp->vcpus[i] < 1 || sp->vcpus[i] > SNPM_MAX_VCPUS ||
		    (i > 0 && sp->vcpus[i] <= sp->vcpus[i - 1]))
			return snpm_fail(reterr, SNPM_EINVAL,
					 "sweep vCPU counts must ascend within 1..%u",
					 SNPM_MAX_VCPUS);
	return 0;
}

/* Emits one row per vCPU count, chaining one more AP VMSA between counts. */
static int sweep_snp_vcpus(struct sweep *sw, const struct snpm_launch_ctx *prefix,
			   struct snpm_error *reterr)
{
	const struct snpm_sweep_space *sp = sw->space;
	uint8_t page[SNPM_PAGE_SIZE], bsp[SNPM_SHA384_SIZE], ap[SNPM_SHA384_SIZE];
	struct snpm_launch_ctx ctx = *prefix;
	uint32_t max = sp->vcpus[sp->n_vcpus - 1];
	size_t next = 0;
	int r = vcpu_vmsa(sw->l, 0, page, reterr);

	if (r == 0)
		r = snpm_digest(SNPM_HASH_SHA384, page, sizeof(page), bsp, reterr);
	if (r == 0 && max > 1)
		r = vcpu_vmsa(sw->l, 1, page, reterr);
	if (r == 0 && max > 1)
		r = snpm_digest(SNPM_HASH_SHA384, page, sizeof(page), ap, reterr);
	for (uint32_t n = 1; r == 0 && n <= max; n++) {
		r = snpm_launch_update(&ctx, SNPM_PAGE_VMSA, vmsa_gpa(sw->l), n == 1 ? bsp : ap,
				       reterr);
		if (r == 0 && n == sp->vcpus[next]) {
			sw->row.vcpus = n;
			memcpy(sw->row.digest, ctx.ld, SNPM_LD_SIZE);
			sw->row.digest_len = SNPM_LD_SIZE;
			r = sw->fn(sw->arg, &sw->row);
			next++;
		}
	}
	return r;
}

static int emit_sev_row(struct sweep *sw, uint32_t n, const struct snpm_hash *running,
			struct snpm_error *reterr)
{
	struct snpm_hash *fin = NULL;
	int r = snpm_hash_dup(running, &fin, reterr);

	if (r == 0)
		r = snpm_hash_final(fin, sw->row.digest, reterr);
	snpm_hash_free(fin);
	sw->row.vcpus = n;
	sw->row.digest_len = SNPM_SEV_LD_SIZE;
	return r < 0 ? r : sw->fn(sw->arg, &sw->row);
}

/* SEV-ES: the running SHA-256 is copied and finished at each vCPU count; SEV has no VMSAs. */
static int sweep_sev_vcpus(struct sweep *sw, const struct snpm_hash *prefix,
			   struct snpm_error *reterr)
{
	const struct snpm_sweep_space *sp = sw->space;
	uint8_t bsp[SNPM_PAGE_SIZE], ap[SNPM_PAGE_SIZE];
	uint32_t max = sp->vcpus[sp->n_vcpus - 1];
	struct snpm_hash *run = NULL;
	size_t next = 0;
	int r;

	if (sw->l->cfg.mode == SNPM_MODE_SEV) {
		r = 0;
		for (size_t i = 0; r == 0 && i < sp->n_vcpus; i++)
			r = emit_sev_row(sw, sp->vcpus[i], prefix, reterr);
		return r;
	}
	r = vcpu_vmsa(sw->l, 0, bsp, reterr);
	if (r == 0 && max > 1)
		r = vcpu_vmsa(sw->l, 1, ap, reterr);
	if (r == 0)
		r = snpm_hash_dup(prefix, &run, reterr);
	for (uint32_t n = 1; r == 0 && n <= max; n++) {
		r = snpm_hash_update(run, n == 1 ? bsp : ap, SNPM_PAGE_SIZE, reterr);
		if (r == 0 && n == sp->vcpus[next]) {
			r = emit_sev_row(sw, n, run, reterr);
			next++;
		}
	}
	snpm_hash_free(run);
	return r;
}

/* Every signature and feature set for the VMM set in sw->l. */
static int sweep_vmm(struct sweep *sw, const struct snpm_launch_ctx *snp_prefix,
		     const struct snpm_hash *sev_prefix, struct snpm_error *reterr)
{
	const struct snpm_sweep_space *sp = sw->space;
	int r = 0;

	for (size_t s = 0; r == 0 && s < sp->n_vcpu_sigs; s++) {
		for (size_t f = 0; r == 0 && f < sp->n_guest_features; f++) {
			sw->l->cfg.vcpu_sig = sp->vcpu_sigs[s];
			sw->l->cfg.guest_features = sp->guest_features[f];
			sw->row.vcpu_sig_index = s;
			sw->row.vcpu_sig = sp->vcpu_sigs[s];
			sw->row.guest_features_index = f;
			sw->row.guest_features = sp->guest_features[f];
			if (snp_prefix)
				r = sweep_snp_vcpus(sw, snp_prefix, reterr);
			else
				r = sweep_sev_vcpus(sw, sev_prefix, reterr);
		}
	}
	return r;
}

static int sweep_all(struct sweep *sw, struct snpm_error *reterr)
{
	const struct snpm_sweep_space *sp = sw->space;
	struct launch *l = sw->l;
	struct snpm_launch_ctx fw_ctx, ctx;
	struct snpm_hash *sev = NULL;
	int r;

	if (is_snp(l->cfg.mode))
		r = snp_firmware(l, &fw_ctx, reterr);
	else
		r = sev_prefix(l, &sev, reterr);
	for (size_t v = 0; r == 0 && v < sp->n_vmms; v++) {
		r = set_vmm(l, sp->vmms[v], reterr);
		sw->row.vmm = sp->vmms[v];
		if (r == 0 && is_snp(l->cfg.mode)) {
			ctx = fw_ctx;
			r = snp_sections(l, &ctx, reterr);
			if (r == 0)
				r = sweep_vmm(sw, &ctx, NULL, reterr);
		} else if (r == 0) {
			r = sweep_vmm(sw, NULL, sev, reterr);
		}
	}
	snpm_hash_free(sev);
	return r;
}

int snpm_sweep(const struct snpm_measure_config *base, const struct snpm_sweep_space *space,
	       snpm_sweep_fn fn, void *arg, struct snpm_error *reterr)
{
	struct snpm_measure_config cfg;
	struct launch l;
	struct sweep sw = { .l = &l, .space = space, .fn = fn, .arg = arg };
	int r;

	if (!base || !space || !fn)
		return snpm_fail(reterr, SNPM_EINVAL, "no configuration, space or callback");
	r = check_space(space, reterr);
	if (r < 0)
		return r;
	cfg = *base;
	cfg.vcpus = space->vcpus[space->n_vcpus - 1];
	cfg.vcpu_sig = space->vcpu_sigs[0];
	cfg.guest_features = space->guest_features[0];
	cfg.vmm = space->vmms[0];
	r = prepare(&cfg, &l, reterr);
	/* Refuse a bad VMM before any row is emitted. */
	for (size_t v = 0; r == 0 && v < space->n_vmms; v++)
		r = set_vmm(&l, space->vmms[v], reterr);
	return r < 0 ? r : sweep_all(&sw, reterr);
}
