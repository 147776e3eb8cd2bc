/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IGVM loaders. The file is measured for one platform (the mode's: SEV_SNP, SEV_ES, SEV);
 * directives whose compatibility mask does not select it are skipped. Six semantics
 * (enum snpm_igvm_semantics), because the implementations differ:
 *
 * QEMU (backends/igvm.c with target/i386/sev.c and KVM), what the hardware sees:
 *  - consecutive PAGE_DATA directives (consecutive header indices and GPAs, the same flags, data
 *    type and mask, all with data or all without) form a run that QEMU sends when a directive
 *    breaks it, or at the end; a PARAMETER_INSERT is sent at once (UNMEASURED, the whole area,
 *    one update per page), so it can be measured before a pending run;
 *  - PAGE_DATA: NORMAL with its data, NORMAL over zeros without; the unmeasured flag makes it
 *    UNMEASURED; SECRETS and CPUID data types as such (SNP only: QEMU refuses them otherwise);
 *  - a VP context sets the vCPU's registers (igvm_vmsa.c); KVM measures one VMSA per vCPU after
 *    every page, at 0xFFFFFFFFF000, boot vCPU first; vCPUs without a context start at the x86
 *    reset state; the boot vCPU's SEV_FEATURES are the VM's, written into every vCPU's VMSA
 *    whatever another context says; a context QEMU or KVM refuses is refused;
 *  - header types QEMU has no handler for make it fail, so they are refused.
 * Both read files with the igvm crate, which refuses any header with the optional bit set; a
 * launch that loads nothing for the platform is refused by the engine.
 * IGVMMEASURE (COCONUT-SVSM tools/igvmmeasure): strict directive order; a PARAMETER_INSERT is one
 * UNMEASURED page; a VP context's VMSA is measured as stored, where it appears; zero pages are
 * NORMAL over zeros, or ZERO (--native-zero). SEV and SEV-ES hash the pages' file data only.
 * IGVM_CRATE (microsoft/igvm igvm/src/measurement/snp.rs, generate_snp_measurement): SNP only,
 * and only with a GUEST_POLICY for the platform; a PAGE_DATA marked shared is skipped; SECRETS
 * and CPUID data types before the unmeasured flag; every PAGE_DATA is one 4 KiB page at its GPA
 * (a 2 MiB page without data too: the crate hashes its empty data as one zero page); a
 * PARAMETER_INSERT is ceil(area / 4 KiB) UNMEASURED pages; a VP context's VMSA as stored, where
 * it appears; every other directive is ignored.
 * CLOUD_HYPERVISOR (vmm/src/igvm/igvm_loader.rs, load_igvm, on KVM): SNP only; it tests no
 * compatibility mask (only a debug assertion), so every directive must be the platform's; a
 * PAGE_DATA is one 4 KiB page, UNMEASURED with the flag, ZERO without data (KVM's page type),
 * NORMAL with it, SECRETS and CPUID by data type (any other type panics it); a PARAMETER_INSERT
 * is the whole area, UNMEASURED page by page; directive types it has no handler for panic it.
 * The VP contexts set vCPU registers (setup_sev_snp_regs); KVM measures one VMSA per vCPU last,
 * at 0xFFFFFFFFF000, with the boot context's SEV_FEATURES for all; a vCPU without a context
 * keeps KVM's own reset state (cloud-hypervisor sets no registers with IGVM).
 * OPENVMM_KVM (openvmm_core vm_loaders/igvm.rs, virt_kvm snp.rs and arch/x86_64/snp.rs): SNP
 * only; a guest policy, no relocation, VTL 0, no shared GPA boundary, and exactly one VP context,
 * the boot vCPU's at 0xFFFFFFFFF000 (prepare_snp_config). Imports in directive order: a
 * PAGE_DATA is one 4 KiB page, SECRETS and CPUID by data type, then UNMEASURED when flagged,
 * then not measured when shared, else NORMAL (over zeros without data); CPUID_XF is refused; a
 * PARAMETER_INSERT is the whole area UNMEASURED; the VP context page is skipped. At
 * LAUNCH_FINISH KVM measures one VMSA per vCPU: the boot vCPU's encoded from the registers
 * OpenVMM set from the file's VMSA (igvm_vmsa.c), the others at OpenVMM's reset registers
 * (Registers::at_reset: QEMU's, rdx the CPU signature). KVM is given no ID block.
 * CLOUD_HYPERVISOR_MSHV (the same load_igvm on MSHV): the directives cloud-hypervisor handles,
 * each one import: a PAGE_DATA one 4 KiB page, SECRETS and CPUID by data type, UNMEASURED when
 * flagged, else NORMAL (over zeros without data, MSHV has no ZERO type here); a PARAMETER_INSERT
 * one UNMEASURED page at its GPA; the VP context a VMSA page, as stored, whose data is written
 * for vCPU 0 only (another context is refused). Then every import is sorted by GPA (a stable
 * sort: "MSHV sorts by GPA for fewer hypercalls") and the hypervisor imports them in that order,
 * each measured as the secure processor measures it, the VMSA as given (the model of the igvm
 * crate's measurement, from which igvmfilegen writes the ID blocks of images Microsoft's
 * hypervisor launches; the hypervisor's source is not public). The vCPUs are started by the
 * guest: their count does not matter. The ID block is always enabled (a file without one gives
 * the secure processor a zero launch digest).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define PAGE_2MB 0x200000ull
#define WINDOW (256u << 10)
#define MAX_VP_CONTEXTS 64

struct igvm {
	struct snpm_igvm *file;
	size_t first_directive; /* header array index of directive 0 */
	uint32_t mask; /* the platform's compatibility mask */
	bool snp;
	/* VP contexts for the platform, by vp index: header array index + 1 (0: none). */
	size_t vp[MAX_VP_CONTEXTS];
	uint32_t max_vp; /* highest vp index with a context + 1; 0 when none */
	bool has_id_block;
	uint8_t id_block_ld[SNPM_LD_SIZE];
	/* The launch-measurement CoRIM the file carries for SNP: the igvm crate's digest. */
	bool has_corim;
	uint8_t corim_ld[SNPM_LD_SIZE];
	/* A window of file data, so that consecutive pages cost one read. */
	uint64_t win_off, win_len;
	uint8_t win[WINDOW];
	uint8_t zero[SNPM_PAGE_SIZE];
	uint8_t vmsa[SNPM_PAGE_SIZE];
	uint8_t hash_page[SNPM_PAGE_SIZE]; /* cloud-hypervisor's measured-boot page */
};

/* Header i, decoded (the parser keeps the raw section, not decoded copies). */
static struct snpm_igvm_header hdr(const struct igvm *g, size_t i)
{
	struct snpm_igvm_header h;

	snpm_igvm_header(g->file, i, &h);
	return h;
}

static bool selected(const struct igvm *g, const struct snpm_igvm_header *h)
{
	return (h->compatibility_mask & g->mask) != 0;
}

/* The 4 KiB at file offset off, read through the window. */
static int file_page(struct launch *l, struct igvm *g, uint64_t off, const uint8_t **ret,
		     struct snpm_error *reterr)
{
	const struct snpm_source *src = &l->cfg.igvm;
	int r;

	if (off < g->win_off || off + SNPM_PAGE_SIZE > g->win_off + g->win_len) {
		uint64_t n = src->size - off < WINDOW ? src->size - off : WINDOW;
		r = snpm_source_read(src, off, g->win, (size_t)n, reterr);
		if (r < 0)
			return r;
		g->win_off = off;
		g->win_len = n;
	}
	*ret = g->win + (off - g->win_off);
	return 0;
}

/* ---- prepare ---- */

static int not_declared(struct igvm *g, int platform, struct snpm_error *reterr)
{
	char have[96] = "";
	size_t n = 0;

	for (size_t i = 0; i < snpm_igvm_count(g->file); i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		if (h->type == SNPM_IGVM_SUPPORTED_PLATFORM && n < sizeof(have))
			n += (size_t)snprintf(have + n, sizeof(have) - n, "%s%s", n ? ", " : "",
					      snpm_igvm_platform_name(h->platform_type));
	}
	return snpm_fail(reterr, SNPM_EUNSUPPORTED,
			 "the IGVM file declares no %s platform (it declares %s)",
			 snpm_igvm_platform_name((uint8_t)platform), have);
}

/* QEMU's handlers (backends/igvm.c): any other type makes it fail to load the file. */
static bool qemu_handles(const struct snpm_igvm_header *h)
{
	static const uint32_t directives[] = {
		SNPM_IGVM_PAGE_DATA,	    SNPM_IGVM_VP_CONTEXT,
		SNPM_IGVM_PARAMETER_AREA,   SNPM_IGVM_PARAMETER_INSERT,
		SNPM_IGVM_MEMORY_MAP,	    SNPM_IGVM_VP_COUNT_PARAMETER,
		SNPM_IGVM_ENVIRONMENT_INFO, SNPM_IGVM_REQUIRED_MEMORY,
		SNPM_IGVM_SNP_ID_BLOCK,	    SNPM_IGVM_MADT,
	};

	if (h->section == SNPM_IGVM_SECTION_PLATFORM)
		return h->type == SNPM_IGVM_SUPPORTED_PLATFORM;
	if (h->section == SNPM_IGVM_SECTION_INITIALIZATION)
		return h->type == SNPM_IGVM_GUEST_POLICY;
	for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++)
		if (h->type == directives[i])
			return true;
	return false;
}

static int refuse(const struct snpm_igvm_header *h, size_t i, const char *why,
		  struct snpm_error *reterr)
{
	const char *name = snpm_igvm_type_name(h->type);

	return snpm_fail_at(reterr, SNPM_EUNSUPPORTED, h->offset,
			    "IGVM header %zu (%s) at offset 0x%llx: %s", i, name ? name : "unknown",
			    (unsigned long long)h->offset, why);
}

/*
 * The igvm crate, which QEMU (through igvm_c) and igvmmeasure read files with, takes a header
 * only when its raw type lies in one of the three ranges: a type with the optional bit set
 * (bit 31) fails its parse (igvm/src/lib.rs, IgvmFile::new_from_binary), whatever the spec
 * says such a header means. Neither loads such a file.
 */
static int check_crate(const struct igvm *g, struct snpm_error *reterr)
{
	for (size_t i = 0; i < snpm_igvm_count(g->file); i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		if (h->type & SNPM_IGVM_OPTIONAL_BIT)
			return refuse(h, i,
				      "the optional bit is set; the igvm crate that QEMU and "
				      "igvmmeasure read files with refuses the file",
				      reterr);
	}
	return 0;
}

/* What QEMU refuses to load, checked before anything is measured. */
static int check_qemu(const struct launch *l, const struct igvm *g, struct snpm_error *reterr)
{
	for (size_t i = 0; i < snpm_igvm_count(g->file); i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		if (!qemu_handles(h))
			return refuse(h, i, "QEMU has no handler for this header type", reterr);
		if (!selected(g, h))
			continue;
		if (h->type == SNPM_IGVM_PAGE_DATA && h->data_type != SNPM_IGVM_DATA_NORMAL &&
		    !g->snp)
			return refuse(h, i, "QEMU loads secrets and CPUID pages for SNP only",
				      reterr);
		if (h->type == SNPM_IGVM_VP_CONTEXT && l->cfg.mode == SNPM_MODE_SEV)
			return refuse(h, i, "SEV guests take no VP context", reterr);
		if (h->type == SNPM_IGVM_VP_CONTEXT && h->gpa != SNPM_VMSA_GPA_DEFAULT)
			return refuse(h, i, "QEMU requires the VMSA at GPA 0xFFFFFFFFF000", reterr);
	}
	return 0;
}

static int read_vmsa(struct launch *l, struct igvm *g, size_t i, struct snpm_error *reterr);
static int check_openvmm(const struct igvm *g, struct snpm_error *reterr);
static int check_openvmm_vp(const struct igvm *g, struct snpm_error *reterr);
static int check_ch(const struct launch *l, struct igvm *g, struct snpm_error *reterr);
static int check_mshv(const struct launch *l, const struct igvm *g, struct snpm_error *reterr);
static int check_corim(const struct launch *l, struct igvm *g, struct snpm_error *reterr);

/* The igvm crate measures SNP launches, and only of files with a guest policy for them. */
static int check_crate_measurement(const struct igvm *g, struct snpm_error *reterr)
{
	if (!g->snp)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "the igvm crate measures SEV-SNP launches only");
	for (size_t i = 0; i < snpm_igvm_count(g->file); i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		if (h->type == SNPM_IGVM_GUEST_POLICY &&
		    (h->compatibility_mask & g->mask) == g->mask)
			return 0;
	}
	return snpm_fail(
		reterr, SNPM_EMALFORMED,
		"the IGVM file has no GUEST_POLICY for the SEV-SNP platform, which the igvm "
		"crate's measurement requires");
}

/* A VP context QEMU or KVM would refuse is refused here, naming its header. */
static int check_kvm_vmsa(struct launch *l, struct igvm *g, const struct snpm_igvm_header *h,
			  size_t i, struct snpm_error *reterr)
{
	struct snpm_error why;
	int r = read_vmsa(l, g, i, reterr);

	if (r < 0)
		return r;
	/* cloud-hypervisor passes KVM fewer fields and ignores the rest: KVM judges its view. */
	if (l->cfg.igvm_semantics == SNPM_IGVM_CLOUD_HYPERVISOR) {
		uint8_t view[SNPM_PAGE_SIZE];
		snpm_igvm_ch_vmsa(g->vmsa, snpm_le64(g->vmsa + 0x3b0), view);
		memcpy(g->vmsa, view, sizeof(view));
	}
	if (l->cfg.igvm_semantics == SNPM_IGVM_OPENVMM_KVM)
		r = snpm_igvm_openvmm_check(g->vmsa, &why);
	else
		r = snpm_igvm_kvm_check(g->vmsa, g->snp, &why);
	return r < 0 ? refuse(h, i, why.message, reterr) : 0;
}

/* The loaders under which KVM builds the VMSAs from vCPU registers. */
static bool kvm_builds_vmsas(enum snpm_igvm_semantics s)
{
	return s == SNPM_IGVM_QEMU || s == SNPM_IGVM_CLOUD_HYPERVISOR || s == SNPM_IGVM_OPENVMM_KVM;
}

/* The VP contexts and the ID block the platform selects. */
static int collect(struct launch *l, struct igvm *g, struct snpm_error *reterr)
{
	for (size_t i = 0; i < snpm_igvm_count(g->file); i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		struct snpm_igvm_id_block id;
		if (!selected(g, h))
			continue;
		if (h->type == SNPM_IGVM_SNP_ID_BLOCK && g->snp) {
			if (g->has_id_block)
				return refuse(h, i, "a second ID block for the platform", reterr);
			snpm_igvm_id_block(g->file, i, &id);
			memcpy(g->id_block_ld, id.ld, SNPM_LD_SIZE);
			g->has_id_block = true;
		}
		if (h->type != SNPM_IGVM_VP_CONTEXT)
			continue;
		if (h->vp_index >= MAX_VP_CONTEXTS ||
		    (l->cfg.igvm_semantics == SNPM_IGVM_QEMU && h->vp_index >= l->cfg.vcpus))
			return refuse(h, i, "VP context for a vCPU the guest does not have",
				      reterr);
		if (g->vp[h->vp_index])
			return refuse(h, i, "a second VP context for the same vCPU", reterr);
		if (kvm_builds_vmsas(l->cfg.igvm_semantics)) {
			int r = check_kvm_vmsa(l, g, h, i, reterr);
			if (r < 0)
				return r;
		}
		g->vp[h->vp_index] = i + 1;
		if (h->vp_index + 1u > g->max_vp)
			g->max_vp = h->vp_index + 1u;
	}
	return 0;
}

static int read_vmsa(struct launch *l, struct igvm *g, size_t i, struct snpm_error *reterr)
{
	return snpm_source_read(&l->cfg.igvm, hdr(g, i).file_offset, g->vmsa, SNPM_PAGE_SIZE,
				reterr);
}

/*
 * The guest's SEV_FEATURES: the boot vCPU's VMSA's (QEMU passes them to KVM for every vCPU).
 * A value given in the configuration must agree.
 */
static int take_features(struct launch *l, struct igvm *g, struct snpm_error *reterr)
{
	uint64_t features;
	int r;

	if (!g->snp || !g->vp[0])
		return 0;
	r = read_vmsa(l, g, g->vp[0] - 1, reterr);
	if (r < 0)
		return r;
	features = snpm_le64(g->vmsa + 0x3b0);
	if (l->cfg.igvm_semantics == SNPM_IGVM_OPENVMM_KVM)
		features |= 1; /* KVM_SEV_INIT2 is given them without SNPActive; KVM adds it */
	if (l->cfg.guest_features && l->cfg.guest_features != features)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "guest features 0x%llx were given, but the IGVM file's VMSA sets "
				 "0x%llx",
				 (unsigned long long)l->cfg.guest_features,
				 (unsigned long long)features);
	l->cfg.guest_features = features;
	return 0;
}

static int igvm_prepare(struct launch *l, struct snpm_error *reterr)
{
	const struct snpm_measure_config *cfg = &l->cfg;
	int platform = snpm_igvm_platform_of_mode(cfg->mode);
	struct igvm *g;
	int r;

	if (platform < 0)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "an IGVM file brings its own SVSM: use mode snp");
	if (cfg->firmware || cfg->firmware_info || cfg->has_firmware_digest)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "an IGVM file is the whole launch: no firmware inputs");
	if (cfg->has_kernel && cfg->igvm_semantics != SNPM_IGVM_CLOUD_HYPERVISOR)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "a kernel beside an IGVM file is measured by cloud-hypervisor's "
				 "loader on KVM only (its fw_cfg measured boot)");
	g = calloc(1, sizeof(*g));
	if (!g)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	l->state = g;
	g->snp = snpm_is_snp(cfg->mode);
	r = snpm_igvm_parse(&cfg->igvm, &g->file, reterr);
	if (r < 0)
		return r;
	g->mask = snpm_igvm_platform_mask(g->file, (enum snpm_igvm_platform)platform);
	if (!g->mask)
		return not_declared(g, platform, reterr);
	while (g->first_directive < snpm_igvm_count(g->file) &&
	       hdr(g, g->first_directive).section != SNPM_IGVM_SECTION_DIRECTIVE)
		g->first_directive++;
	r = check_crate(g, reterr);
	if (r == 0 && cfg->igvm_semantics == SNPM_IGVM_QEMU)
		r = check_qemu(l, g, reterr);
	if (r == 0 && cfg->igvm_semantics == SNPM_IGVM_CRATE)
		r = check_crate_measurement(g, reterr);
	if (r == 0 && (cfg->igvm_semantics == SNPM_IGVM_CLOUD_HYPERVISOR ||
		       cfg->igvm_semantics == SNPM_IGVM_CLOUD_HYPERVISOR_MSHV))
		r = check_ch(l, g, reterr);
	if (r == 0 && cfg->igvm_semantics == SNPM_IGVM_CLOUD_HYPERVISOR_MSHV)
		r = check_mshv(l, g, reterr);
	if (r == 0 && cfg->igvm_semantics == SNPM_IGVM_OPENVMM_KVM)
		r = check_openvmm(g, reterr);
	if (r == 0 && cfg->igvm_semantics == SNPM_IGVM_OPENVMM_KVM)
		r = check_openvmm_vp(g, reterr);
	if (r == 0)
		r = collect(l, g, reterr);
	if (r == 0 && (kvm_builds_vmsas(cfg->igvm_semantics) ||
		       cfg->igvm_semantics == SNPM_IGVM_CLOUD_HYPERVISOR_MSHV))
		r = take_features(l, g, reterr);
	if (r == 0 && !cfg->guest_features && g->snp)
		l->cfg.guest_features = 0x1; /* SNPActive, as QEMU defaults */
	return r == 0 ? check_corim(l, g, reterr) : r;
}

static void igvm_release(struct launch *l)
{
	struct igvm *g = l->state;

	if (g)
		snpm_igvm_free(g->file);
	free(g);
	l->state = NULL;
}

/* ---- pages ---- */

/* One 4 KiB page of a PAGE_DATA directive (page k of a 2 MiB one). */
static int page_update(struct launch *l, struct igvm *g, const struct snpm_igvm_header *h,
		       enum snpm_page_type type, uint64_t k, struct snpm_error *reterr)
{
	struct page_update u = page_update_of(SNPM_PHASE_IGVM, h->index, "PAGE_DATA", type,
					      h->gpa + k * SNPM_PAGE_SIZE, SNPM_PAGE_SIZE, NULL);
	int r = 0;

	if (type == SNPM_PAGE_NORMAL && h->file_offset && !l->dry)
		r = file_page(l, g, h->file_offset, &u.data, reterr);
	else if (type == SNPM_PAGE_NORMAL)
		u.data = g->zero, u.zero = !h->file_offset;
	return r < 0 ? r : launch_emit(l, &u, reterr);
}

static int page_data(struct launch *l, struct igvm *g, const struct snpm_igvm_header *h,
		     enum snpm_page_type type, struct snpm_error *reterr)
{
	int r = 0;

	for (uint64_t k = 0; r == 0 && k < h->size / SNPM_PAGE_SIZE; k++)
		r = page_update(l, g, h, type, k, reterr);
	return r;
}

static enum snpm_page_type data_type_page(const struct snpm_igvm_header *h)
{
	switch (h->data_type) {
	case SNPM_IGVM_DATA_SECRETS:
		return SNPM_PAGE_SECRETS;
	case SNPM_IGVM_DATA_CPUID:
	case SNPM_IGVM_DATA_CPUID_XF:
		return SNPM_PAGE_CPUID;
	default:
		return h->flags & SNPM_IGVM_PAGE_UNMEASURED ? SNPM_PAGE_UNMEASURED :
							      SNPM_PAGE_NORMAL;
	}
}

static int unmeasured(struct launch *l, const struct snpm_igvm_header *h, uint64_t len,
		      struct snpm_error *reterr)
{
	struct page_update u = page_update_of(SNPM_PHASE_IGVM, h->index, "PARAMETER_INSERT",
					      SNPM_PAGE_UNMEASURED, h->gpa, len, NULL);

	return launch_emit(l, &u, reterr);
}

/* A run of PAGE_DATA directives QEMU holds back: headers [first, first + count). */
struct run {
	size_t first, count;
};

static bool continues(const struct igvm *g, const struct run *run, const struct snpm_igvm_header *h)
{
	const struct snpm_igvm_header lv = hdr(g, run->first + run->count - 1), *last = &lv;

	return run->count && last->index + 1 == h->index && last->gpa + last->size == h->gpa &&
	       last->flags == h->flags && last->data_type == h->data_type &&
	       last->compatibility_mask == h->compatibility_mask &&
	       !last->file_offset == !h->file_offset;
}

static int flush(struct launch *l, struct igvm *g, struct run *run, struct snpm_error *reterr)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < run->count; i++) {
		const struct snpm_igvm_header hv = hdr(g, run->first + i), *h = &hv;
		r = page_data(l, g, h, data_type_page(h), reterr);
	}
	run->count = 0;
	return r;
}

static int qemu_pages(struct launch *l, struct snpm_error *reterr)
{
	struct igvm *g = l->state;
	struct run run = { 0 };
	int r = 0;

	for (size_t i = g->first_directive; r == 0 && i < snpm_igvm_count(g->file); i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		if (!selected(g, h))
			continue;
		if (h->type == SNPM_IGVM_PAGE_DATA) {
			if (run.count && !continues(g, &run, h))
				r = flush(l, g, &run, reterr);
			if (run.count == 0)
				run.first = i;
			run.count++;
		} else if (h->type == SNPM_IGVM_PARAMETER_INSERT) {
			r = unmeasured(l, h, h->size, reterr);
		}
	}
	return r == 0 ? flush(l, g, &run, reterr) : r;
}

/* igvmmeasure: the VMSA as stored, where the directive stands. */
static int stored_vmsa(struct launch *l, struct igvm *g, size_t i, struct snpm_error *reterr)
{
	const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
	struct page_update u = page_update_of(SNPM_PHASE_IGVM, h->index, "VP_CONTEXT",
					      SNPM_PAGE_VMSA, h->gpa, SNPM_PAGE_SIZE, g->vmsa);
	int r = l->dry ? 0 : read_vmsa(l, g, i, reterr);

	return r < 0 ? r : launch_emit(l, &u, reterr);
}

/* igvmmeasure under SEV and SEV-ES: the file data of each page, nothing for the others. */
static int sev_page_data(struct launch *l, struct igvm *g, const struct snpm_igvm_header *h,
			 struct snpm_error *reterr)
{
	return h->file_offset ? page_update(l, g, h, SNPM_PAGE_NORMAL, 0, reterr) : 0;
}

static enum snpm_page_type measure_tool_type(const struct launch *l,
					     const struct snpm_igvm_header *h)
{
	enum snpm_page_type t = data_type_page(h);

	if (t == SNPM_PAGE_NORMAL && !h->file_offset && l->cfg.igvm_native_zero)
		return SNPM_PAGE_ZERO;
	return t;
}

static int measure_tool_pages(struct launch *l, struct snpm_error *reterr)
{
	struct igvm *g = l->state;
	int r = 0;

	for (size_t i = g->first_directive; r == 0 && i < snpm_igvm_count(g->file); i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		if (!selected(g, h))
			continue;
		if (h->type == SNPM_IGVM_PAGE_DATA && g->snp)
			r = page_data(l, g, h, measure_tool_type(l, h), reterr);
		else if (h->type == SNPM_IGVM_PAGE_DATA)
			r = sev_page_data(l, g, h, reterr);
		else if (h->type == SNPM_IGVM_PARAMETER_INSERT)
			r = unmeasured(l, h, SNPM_PAGE_SIZE, reterr);
		else if (h->type == SNPM_IGVM_VP_CONTEXT && l->cfg.mode != SNPM_MODE_SEV)
			r = stored_vmsa(l, g, i, reterr);
	}
	return r;
}

/* ---- cloud-hypervisor ---- */

/* The directives cloud-hypervisor's loader handles (others reach todo!()). */
static bool ch_handles(const struct snpm_igvm_header *h)
{
	static const uint32_t types[] = {
		SNPM_IGVM_PAGE_DATA,  SNPM_IGVM_PARAMETER_AREA, SNPM_IGVM_VP_COUNT_PARAMETER,
		SNPM_IGVM_MEMORY_MAP, SNPM_IGVM_COMMAND_LINE,	SNPM_IGVM_REQUIRED_MEMORY,
		SNPM_IGVM_VP_CONTEXT, SNPM_IGVM_SNP_ID_BLOCK,	SNPM_IGVM_PARAMETER_INSERT,
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (h->type == types[i])
			return true;
	return false;
}

static int check_ch(const struct launch *l, struct igvm *g, struct snpm_error *reterr)
{
	struct snpm_igvm_header first = { 0 };
	bool seen_platform = false;

	if (!g->snp)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "cloud-hypervisor launches SEV-SNP guests only from an IGVM file");
	for (size_t i = 0; i < snpm_igvm_count(g->file); i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		if (h->type == SNPM_IGVM_SUPPORTED_PLATFORM && !seen_platform)
			first = *h, seen_platform = true;
		if (h->section != SNPM_IGVM_SECTION_DIRECTIVE)
			continue;
		if (!ch_handles(h))
			return refuse(h, i, "cloud-hypervisor has no handler for this header type",
				      reterr);
		if (h->compatibility_mask && h->compatibility_mask != g->mask)
			return refuse(h, i,
				      "cloud-hypervisor loads every directive whatever its "
				      "compatibility mask, and this one is not the SEV-SNP "
				      "platform's",
				      reterr);
		if (h->type == SNPM_IGVM_PAGE_DATA && h->data_type == SNPM_IGVM_DATA_CPUID_XF)
			return refuse(h, i, "cloud-hypervisor does not load CPUID_XF pages",
				      reterr);
	}
	if (first.compatibility_mask != g->mask)
		return snpm_fail(
			reterr, SNPM_EUNSUPPORTED,
			"cloud-hypervisor takes the first platform the file declares, which "
			"is not SEV-SNP");
	(void)l;
	return 0;
}

static enum snpm_page_type ch_type(const struct snpm_igvm_header *h)
{
	enum snpm_page_type t = data_type_page(h);

	return t == SNPM_PAGE_NORMAL && !h->file_offset ? SNPM_PAGE_ZERO : t;
}

/* cloud-hypervisor's measured boot (vmm/src/sev.rs): QEMU's hashes table at 0x10c00, in a
 * 0x400-byte block zero past it. */
#define CH_HASH_BLOCK 0x10c00ull
#define CH_HASH_BLOCK_SIZE 0x400u

/* The page holding the block: the directive's data (or zeros) with the block written in. */
static int ch_hash_page(struct launch *l, struct igvm *g, const struct snpm_igvm_header *h,
			uint32_t index, struct snpm_error *reterr)
{
	uint64_t gpa = CH_HASH_BLOCK & ~(uint64_t)(SNPM_PAGE_SIZE - 1);
	size_t at = CH_HASH_BLOCK % SNPM_PAGE_SIZE;
	struct page_update u;
	const uint8_t *data;
	int r = 0;

	memset(g->hash_page, 0, sizeof(g->hash_page));
	if (h && h->file_offset && !l->dry) {
		r = file_page(l, g, h->file_offset, &data, reterr);
		if (r == 0)
			memcpy(g->hash_page, data, SNPM_PAGE_SIZE);
	}
	memset(g->hash_page + at, 0, CH_HASH_BLOCK_SIZE);
	snpm_hashes_table_build(l->cfg.cmdline_sha256, l->cfg.initrd_sha256, l->cfg.kernel_sha256,
				g->hash_page + at);
	u = page_update_of(SNPM_PHASE_KERNEL_HASHES, index, "measured-boot hashes",
			   SNPM_PAGE_NORMAL, gpa, SNPM_PAGE_SIZE, g->hash_page);
	return r < 0 ? r : launch_emit(l, &u, reterr);
}

/* A parameter area inserted over the block would hide it: cloud-hypervisor refuses that. */
static int ch_insert(struct launch *l, const struct snpm_igvm_header *h, size_t i,
		     struct snpm_error *reterr)
{
	if (l->cfg.has_kernel && h->gpa <= CH_HASH_BLOCK &&
	    CH_HASH_BLOCK + CH_HASH_BLOCK_SIZE <= h->gpa + h->size)
		return refuse(h, i,
			      "cloud-hypervisor refuses a parameter area inserted over the "
			      "measured-boot hashes at 0x10c00",
			      reterr);
	return unmeasured(l, h, h->size, reterr);
}

static int ch_pages(struct launch *l, struct snpm_error *reterr)
{
	struct igvm *g = l->state;
	bool hashes_in = !l->cfg.has_kernel;
	int r = 0;

	for (size_t i = g->first_directive; r == 0 && i < snpm_igvm_count(g->file); i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		if (h->type == SNPM_IGVM_PAGE_DATA && !hashes_in &&
		    h->data_type != SNPM_IGVM_DATA_CPUID && h->gpa >> 12 == CH_HASH_BLOCK >> 12) {
			r = ch_hash_page(l, g, h, h->index, reterr);
			hashes_in = true;
		} else if (h->type == SNPM_IGVM_PAGE_DATA) {
			r = page_update(l, g, h, ch_type(h), 0, reterr);
		} else if (h->type == SNPM_IGVM_PARAMETER_INSERT) {
			r = ch_insert(l, h, i, reterr);
		}
	}
	/* No page of the file held the block: it is added after them. */
	return r == 0 && !hashes_in ? ch_hash_page(l, g, NULL, 0, reterr) : r;
}

/* Every vCPU from its VP context; the VM's features in each (KVM_SEV_INIT2). */
static int ch_vmsa(struct launch *l, uint32_t index, uint8_t page[SNPM_PAGE_SIZE],
		   struct snpm_error *reterr)
{
	struct igvm *g = l->state;
	int r;

	if (index >= MAX_VP_CONTEXTS || !g->vp[index]) {
		snpm_vmsa_kvm_reset(l->cfg.guest_features | 1, page);
	} else {
		r = read_vmsa(l, g, g->vp[index] - 1, reterr);
		if (r < 0)
			return r;
		snpm_igvm_ch_vmsa(g->vmsa, l->cfg.guest_features | 1, page);
	}
	if (l->cfg.vmsa_fpu == SNPM_VMSA_FPU_LEGACY_KVM)
		snpm_igvm_vmsa_legacy_fpu(page);
	return 0;
}

/* Past the last VP context, every vCPU keeps the same reset state. */
static uint32_t ch_distinct(const struct launch *l)
{
	const struct igvm *g = l->state;

	return g->max_vp + 1;
}

/* The igvm crate: file order, one page per PAGE_DATA, shared pages skipped, whole areas. */
static int crate_pages(struct launch *l, struct snpm_error *reterr)
{
	struct igvm *g = l->state;
	int r = 0;

	for (size_t i = g->first_directive; r == 0 && i < snpm_igvm_count(g->file); i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		if (!selected(g, h))
			continue;
		if (h->type == SNPM_IGVM_PAGE_DATA && !(h->flags & SNPM_IGVM_PAGE_SHARED))
			r = page_update(l, g, h, data_type_page(h), 0, reterr);
		else if (h->type == SNPM_IGVM_PARAMETER_INSERT)
			r = unmeasured(l, h, h->size, reterr);
		else if (h->type == SNPM_IGVM_VP_CONTEXT)
			r = stored_vmsa(l, g, i, reterr);
	}
	return r;
}

/* ---- cloud-hypervisor on MSHV ---- */

/* One VP context, vCPU 0's (the only one whose VMSA data is written), and an ID block. */
static int check_mshv(const struct launch *l, const struct igvm *g, struct snpm_error *reterr)
{
	bool id_block = false;

	for (size_t i = 0; i < snpm_igvm_count(g->file); i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		if (h->type == SNPM_IGVM_SNP_ID_BLOCK)
			id_block = true;
		if (h->type == SNPM_IGVM_VP_CONTEXT && h->vp_index != 0)
			return refuse(h, i,
				      "cloud-hypervisor on MSHV writes vCPU 0's VMSA only; this "
				      "context's page would be imported without it",
				      reterr);
	}
	if (!id_block && !l->cfg.igvm_ignore_id_block)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "cloud-hypervisor on MSHV always enables the ID block, and this "
				 "file has none: the secure processor would be given a zero launch "
				 "digest (--ignore-id-block measures anyway)");
	return 0;
}

/* One import: its GPA, then its place in directive order (the sort is stable). */
struct mshv_import {
	uint64_t gpa;
	size_t header;
};

static int by_gpa(const void *a, const void *b)
{
	const struct mshv_import *x = a, *y = b;

	if (x->gpa != y->gpa)
		return x->gpa < y->gpa ? -1 : 1;
	return x->header < y->header ? -1 : x->header > y->header;
}

static int mshv_import(struct launch *l, struct igvm *g, size_t i, struct snpm_error *reterr)
{
	const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;

	if (h->type == SNPM_IGVM_PAGE_DATA)
		return page_update(l, g, h, data_type_page(h), 0, reterr);
	if (h->type == SNPM_IGVM_PARAMETER_INSERT)
		return unmeasured(l, h, SNPM_PAGE_SIZE, reterr);
	return stored_vmsa(l, g, i, reterr);
}

static int mshv_pages(struct launch *l, struct snpm_error *reterr)
{
	struct igvm *g = l->state;
	size_t n = 0, count = snpm_igvm_count(g->file);
	struct mshv_import *imports = calloc(count ? count : 1, sizeof(*imports));
	int r = 0;

	if (!imports)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	for (size_t i = g->first_directive; i < count; i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		if (h->type == SNPM_IGVM_PAGE_DATA || h->type == SNPM_IGVM_PARAMETER_INSERT ||
		    h->type == SNPM_IGVM_VP_CONTEXT)
			imports[n++] = (struct mshv_import){ .gpa = h->gpa, .header = i };
	}
	qsort(imports, n, sizeof(*imports), by_gpa);
	for (size_t k = 0; r == 0 && k < n; k++)
		r = mshv_import(l, g, imports[k].header, reterr);
	free(imports);
	return r;
}

/* ---- OpenVMM on KVM ---- */

/* The directives OpenVMM's loader reaches todo!() on. */
static bool openvmm_handles(const struct snpm_igvm_header *h)
{
	return h->type != SNPM_IGVM_VBS_MEASUREMENT;
}

/* snp_isolation_config and prepare_snp_config: what OpenVMM refuses before loading a page. */
static int check_openvmm(const struct igvm *g, struct snpm_error *reterr)
{
	bool policy = false;

	if (!g->snp)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "OpenVMM on KVM launches SEV-SNP guests only");
	for (size_t i = 0; i < snpm_igvm_count(g->file); i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		if (h->type == SNPM_IGVM_SUPPORTED_PLATFORM && h->compatibility_mask == g->mask &&
		    (h->highest_vtl || h->shared_gpa_boundary))
			return refuse(h, i,
				      "OpenVMM on KVM takes VTL 0 only and no shared GPA boundary",
				      reterr);
		if (!selected(g, h))
			continue;
		if (h->type == SNPM_IGVM_GUEST_POLICY)
			policy = true;
		if (h->type == SNPM_IGVM_RELOCATABLE_REGION ||
		    h->type == SNPM_IGVM_PAGE_TABLE_RELOCATION)
			return refuse(h, i, "OpenVMM on KVM does not relocate a file", reterr);
		if (h->section == SNPM_IGVM_SECTION_DIRECTIVE && !openvmm_handles(h))
			return refuse(h, i, "OpenVMM has no handler for this header type", reterr);
		if (h->type == SNPM_IGVM_PAGE_DATA && h->data_type == SNPM_IGVM_DATA_CPUID_XF)
			return refuse(h, i, "OpenVMM on KVM has no page type for CPUID_XF pages",
				      reterr);
	}
	return policy ? 0 :
			snpm_fail(reterr, SNPM_EMALFORMED,
				  "the IGVM file has no GUEST_POLICY for the SEV-SNP platform, "
				  "which OpenVMM requires");
}

/* Exactly one VP context, the boot vCPU's, where KVM measures VMSAs. */
static int check_openvmm_vp(const struct igvm *g, struct snpm_error *reterr)
{
	bool bsp = false;

	for (size_t i = 0; i < snpm_igvm_count(g->file); i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		if (h->type != SNPM_IGVM_VP_CONTEXT || !selected(g, h))
			continue;
		if (h->vp_index != 0)
			return refuse(h, i, "OpenVMM on KVM takes the boot vCPU's VP context only",
				      reterr);
		if (h->gpa != SNPM_VMSA_GPA_DEFAULT)
			return refuse(h, i, "OpenVMM on KVM requires the VMSA at 0xFFFFFFFFF000",
				      reterr);
		if (bsp)
			return refuse(h, i, "a second VP context for the same vCPU", reterr);
		bsp = true;
	}
	return bsp ? 0 :
		     snpm_fail(reterr, SNPM_EMALFORMED,
			       "the IGVM file has no VP context for the boot vCPU, which "
			       "OpenVMM on KVM requires");
}

/* SECRETS and CPUID first, then the unmeasured flag, then shared (not measured: -1). */
static int openvmm_type(const struct snpm_igvm_header *h)
{
	if (h->data_type != SNPM_IGVM_DATA_NORMAL || (h->flags & SNPM_IGVM_PAGE_UNMEASURED))
		return (int)data_type_page(h);
	return h->flags & SNPM_IGVM_PAGE_SHARED ? -1 : (int)SNPM_PAGE_NORMAL;
}

static int openvmm_pages(struct launch *l, struct snpm_error *reterr)
{
	struct igvm *g = l->state;
	int r = 0;

	for (size_t i = g->first_directive; r == 0 && i < snpm_igvm_count(g->file); i++) {
		const struct snpm_igvm_header hv = hdr(g, i), *h = &hv;
		int type = openvmm_type(h);
		if (!selected(g, h))
			continue;
		if (h->type == SNPM_IGVM_PAGE_DATA && type >= 0)
			r = page_update(l, g, h, (enum snpm_page_type)type, 0, reterr);
		else if (h->type == SNPM_IGVM_PARAMETER_INSERT)
			r = unmeasured(l, h, h->size, reterr);
	}
	return r;
}

/* A vCPU QEMU or OpenVMM sets to the x86 reset state: rdx the CPU signature. */
static int x86_reset_vmsa(const struct launch *l, uint8_t page[SNPM_PAGE_SIZE],
			  struct snpm_error *reterr)
{
	const struct igvm *g = l->state;
	struct snpm_vmsa_params reset = {
		.size = sizeof(reset),
		.vmm = SNPM_VMM_QEMU,
		.eip = SNPM_BSP_EIP,
		.sev_features = g->snp ? l->cfg.guest_features : 0,
		.vcpu_sig = l->cfg.vcpu_sig,
		.fpu = l->cfg.vmsa_fpu,
	};

	return snpm_vmsa_build(&reset, page, reterr);
}

/* The VMSA KVM builds from vCPU index's context: QEMU's view, or OpenVMM's. */
static int context_vmsa(struct launch *l, uint32_t index, uint8_t page[SNPM_PAGE_SIZE],
			struct snpm_error *reterr)
{
	struct igvm *g = l->state;
	int r = read_vmsa(l, g, g->vp[index] - 1, reterr);

	if (r < 0)
		return r;
	if (l->cfg.igvm_semantics == SNPM_IGVM_OPENVMM_KVM)
		snpm_igvm_openvmm_vmsa(g->vmsa, page);
	else
		snpm_igvm_kvm_vmsa(g->vmsa, g->snp ? l->cfg.guest_features : 0, page);
	if (l->cfg.vmsa_fpu == SNPM_VMSA_FPU_LEGACY_KVM)
		snpm_igvm_vmsa_legacy_fpu(page);
	return 0;
}

/* The boot vCPU from the file's VMSA; every other at OpenVMM's reset registers. */
static int openvmm_vmsa(struct launch *l, uint32_t index, uint8_t page[SNPM_PAGE_SIZE],
			struct snpm_error *reterr)
{
	return index > 0 ? x86_reset_vmsa(l, page, reterr) : context_vmsa(l, 0, page, reterr);
}

/* ---- VMSAs (QEMU) ---- */

static int qemu_vmsa(struct launch *l, uint32_t index, uint8_t page[SNPM_PAGE_SIZE],
		     struct snpm_error *reterr)
{
	const struct igvm *g = l->state;

	if (index >= MAX_VP_CONTEXTS || !g->vp[index])
		return x86_reset_vmsa(l, page, reterr);
	return context_vmsa(l, index, page, reterr);
}

static uint32_t qemu_distinct(const struct launch *l)
{
	const struct igvm *g = l->state;

	/* Past the last VP context, every vCPU starts at the same reset state. */
	return g->max_vp + 1;
}

/*
 * A file's own reference value: its CoRIM states the digest the igvm crate's measurement gives.
 * Under that loader finish() compares the two; under any other, the file is first measured as
 * the crate does (once per launch or sweep), so that a file contradicting itself is never
 * measured by any loader.
 */
static int check_corim(const struct launch *l, struct igvm *g, struct snpm_error *reterr)
{
	struct snpm_igvm_corim c;
	struct snpm_measure_config crate;
	uint8_t digest[SNPM_LD_SIZE];
	size_t len;
	int r;

	if (!g->snp)
		return 0;
	r = snpm_igvm_corim(g->file, &l->cfg.igvm, &c, reterr);
	if (r < 0 || !c.present)
		return r;
	g->has_corim = true;
	memcpy(g->corim_ld, c.digest, SNPM_LD_SIZE);
	if (l->cfg.igvm_semantics == SNPM_IGVM_CRATE)
		return 0;
	crate = l->cfg;
	crate.igvm_semantics = SNPM_IGVM_CRATE;
	crate.igvm_ignore_id_block = true; /* the ID block vouches for another loader's digest */
	crate.guest_features = 0;
	crate.has_kernel = false;
	return snpm_measure(&crate, digest, &len, reterr);
}

static int corim_refuses(const struct igvm *g, const uint8_t *digest, struct snpm_error *reterr)
{
	char stated[2 * SNPM_LD_SIZE + 1], computed[2 * SNPM_LD_SIZE + 1];

	snpm_hex_encode(g->corim_ld, SNPM_LD_SIZE, stated);
	snpm_hex_encode(digest, SNPM_LD_SIZE, computed);
	return snpm_fail(reterr, SNPM_EVERIFY,
			 /* both digests whole: 192 of the message's 255 characters */
			 "the file's CoRIM states %s; the igvm crate's measurement gives %s",
			 stated, computed);
}

/* The ID block vouches for one launch digest: the secure processor refuses any other. */
static int igvm_finish(struct launch *l, const uint8_t *digest, size_t len,
		       struct snpm_error *reterr)
{
	const struct igvm *g = l->state;
	char want[2 * SNPM_LD_SIZE + 1];

	if (g->has_corim && l->cfg.igvm_semantics == SNPM_IGVM_CRATE && len == SNPM_LD_SIZE &&
	    memcmp(digest, g->corim_ld, SNPM_LD_SIZE) != 0)
		return corim_refuses(g, digest, reterr);
	/* OpenVMM gives KVM no ID block: the secure processor never sees the file's. */
	if (!g->has_id_block || len != SNPM_LD_SIZE || l->cfg.igvm_ignore_id_block ||
	    l->cfg.igvm_semantics == SNPM_IGVM_OPENVMM_KVM ||
	    memcmp(digest, g->id_block_ld, SNPM_LD_SIZE) == 0)
		return 0;
	snpm_hex_encode(g->id_block_ld, SNPM_LD_SIZE, want);
	return snpm_fail(reterr, SNPM_EVERIFY,
			 "the IGVM file's ID block vouches for launch digest %s, not the one "
			 "computed; the secure processor would refuse this launch",
			 want);
}

/* QEMU refuses a VP context for a vCPU the guest does not have. */
static uint32_t qemu_min_vcpus(const struct launch *l)
{
	const struct igvm *g = l->state;

	return g->max_vp ? g->max_vp : 1;
}

const struct loader snpm_loader_igvm = {
	.name = "IGVM (QEMU)",
	.prepare = igvm_prepare,
	.pages = qemu_pages,
	.vmsa = qemu_vmsa,
	.distinct_vmsas = qemu_distinct,
	.min_vcpus = qemu_min_vcpus,
	.finish = igvm_finish,
	.release = igvm_release,
	.layout_in_all_modes = true,
};

const struct loader snpm_loader_igvm_measure = {
	.name = "IGVM (igvmmeasure)",
	.prepare = igvm_prepare,
	.pages = measure_tool_pages,
	.finish = igvm_finish,
	.release = igvm_release,
	.layout_in_all_modes = true,
};

const struct loader snpm_loader_igvm_crate = {
	.name = "IGVM (igvm crate)",
	.prepare = igvm_prepare,
	.pages = crate_pages,
	.finish = igvm_finish,
	.release = igvm_release,
	.layout_in_all_modes = true,
};

const struct loader snpm_loader_igvm_ch = {
	.name = "IGVM (cloud-hypervisor)",
	.prepare = igvm_prepare,
	.pages = ch_pages,
	.vmsa = ch_vmsa,
	.distinct_vmsas = ch_distinct,
	.finish = igvm_finish,
	.release = igvm_release,
	.layout_in_all_modes = true,
};

const struct loader snpm_loader_igvm_openvmm = {
	.name = "IGVM (OpenVMM on KVM)",
	.prepare = igvm_prepare,
	.pages = openvmm_pages,
	.vmsa = openvmm_vmsa,
	.finish = igvm_finish,
	.release = igvm_release,
	.layout_in_all_modes = true,
};

const struct loader snpm_loader_igvm_ch_mshv = {
	.name = "IGVM (cloud-hypervisor on MSHV)",
	.prepare = igvm_prepare,
	.pages = mshv_pages,
	.finish = igvm_finish,
	.release = igvm_release,
	.layout_in_all_modes = true,
};
