/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine: a loader emits the launch's page updates in the VMM's order (engine.h), and this
 * file measures them. SNP chains each page into the launch digest (SNP ABI spec 56860,
 * SNP_LAUNCH_UPDATE); SEV and SEV-ES take one SHA-256 over the data the secure processor
 * encrypts in place. KVM measures the VMSAs last, one per vCPU, boot vCPU first.
 *
 * Before measuring, every launch is run once dry: the ranges it would measure are collected and
 * a page measured twice is refused (the secure processor rejects a second SNP_LAUNCH_UPDATE of a
 * validated page, so such a layout cannot come from a real launch).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "engine.h"

bool snpm_is_snp(enum snpm_mode mode)
{
	return mode == SNPM_MODE_SNP || mode == SNPM_MODE_SNP_SVSM;
}

uint64_t snpm_launch_vmsa_gpa(const struct launch *l)
{
	return l->cfg.vmsa_gpa ? l->cfg.vmsa_gpa : SNPM_VMSA_GPA_DEFAULT;
}

/* ---- which loader, which VMM ---- */

static const struct loader *loader_of(const struct snpm_measure_config *cfg)
{
	switch (cfg->loader) {
	case SNPM_LOADER_OVMF:
		return &snpm_loader_ovmf;
	case SNPM_LOADER_IGVM:
		if (cfg->igvm_semantics == SNPM_IGVM_IGVMMEASURE)
			return &snpm_loader_igvm_measure;
		if (cfg->igvm_semantics == SNPM_IGVM_CRATE)
			return &snpm_loader_igvm_crate;
		if (cfg->igvm_semantics == SNPM_IGVM_CLOUD_HYPERVISOR)
			return &snpm_loader_igvm_ch;
		if (cfg->igvm_semantics == SNPM_IGVM_OPENVMM_KVM)
			return &snpm_loader_igvm_openvmm;
		if (cfg->igvm_semantics == SNPM_IGVM_CLOUD_HYPERVISOR_MSHV)
			return &snpm_loader_igvm_ch_mshv;
		return cfg->igvm_semantics == SNPM_IGVM_QEMU ? &snpm_loader_igvm : NULL;
	case SNPM_LOADER_KRUN:
		return &snpm_loader_krun;
	default:
		return NULL;
	}
}

/* The VMMs each loader runs under: IGVM files are QEMU's, libkrun is its own VMM. */
static bool vmm_fits(enum snpm_loader loader, enum snpm_vmm vmm)
{
	switch (loader) {
	case SNPM_LOADER_IGVM:
		return vmm == SNPM_VMM_QEMU;
	case SNPM_LOADER_KRUN:
		return vmm == SNPM_VMM_KRUN;
	default:
		return vmm != SNPM_VMM_KRUN;
	}
}

static int set_vmm(struct launch *l, enum snpm_vmm vmm, struct snpm_error *reterr)
{
	const struct snpm_vmm_profile *p = snpm_vmm_profile(vmm);

	if (!p)
		return snpm_fail(reterr, SNPM_EINVAL, "unknown VMM type %d", (int)vmm);
	if (!vmm_fits(l->cfg.loader, vmm))
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "the %s loader does not run under %s",
				 l->loader->name, snpm_vmm_name(vmm));
	if (l->cfg.vmm_version > p->latest_version)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "%s has no VMM version %u",
				 snpm_vmm_name(vmm), l->cfg.vmm_version);
	if (l->cfg.mode == SNPM_MODE_SNP_SVSM && vmm != SNPM_VMM_QEMU)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "SVSM launch is only known for QEMU, not %s", snpm_vmm_name(vmm));
	l->cfg.vmm = vmm;
	l->profile = p;
	return 0;
}

/*
 * No file and no command line hashes to all zeros: a zeroed digest is a field left unset, and
 * measuring it would give a digest no launch has (no initrd is SHA-256 of nothing,
 * snpm_sha256_of_nothing; no command line, snpm_cmdline_sha256 of ""). Refused, never guessed.
 */
static int check_kernel_digests(const struct snpm_measure_config *cfg, struct snpm_error *reterr)
{
	static const struct {
		const char *what;
		size_t offset;
	} digests[] = {
		{ "kernel_sha256", offsetof(struct snpm_measure_config, kernel_sha256) },
		{ "initrd_sha256", offsetof(struct snpm_measure_config, initrd_sha256) },
		{ "cmdline_sha256", offsetof(struct snpm_measure_config, cmdline_sha256) },
	};

	for (size_t i = 0; cfg->has_kernel && i < sizeof(digests) / sizeof(digests[0]); i++) {
		const uint8_t *d = (const uint8_t *)cfg + digests[i].offset;
		bool zero = true;
		for (size_t k = 0; k < SNPM_SHA256_SIZE; k++)
			zero &= d[k] == 0;
		if (zero)
			return snpm_fail(reterr, SNPM_EINVAL,
					 "%s is all zeros: no input hashes to that (no initrd is "
					 "SHA-256 of nothing: snpm_sha256_of_nothing)",
					 digests[i].what);
	}
	return 0;
}

static int check_config(const struct snpm_measure_config *cfg, struct snpm_error *reterr)
{
	if (cfg->mode < SNPM_MODE_SEV || cfg->mode > SNPM_MODE_SNP_SVSM)
		return snpm_fail(reterr, SNPM_EINVAL, "unknown mode %d", (int)cfg->mode);
	if (!loader_of(cfg))
		return snpm_fail(reterr, SNPM_EINVAL, "unknown loader %d or IGVM semantics %d",
				 (int)cfg->loader, (int)cfg->igvm_semantics);
	if (cfg->mode != SNPM_MODE_SEV && (cfg->vcpus < 1 || cfg->vcpus > SNPM_MAX_VCPUS))
		return snpm_fail(reterr, SNPM_ERANGE, "vCPU count %u is outside 1..%u", cfg->vcpus,
				 SNPM_MAX_VCPUS);
	if (cfg->vmsa_gpa % SNPM_PAGE_SIZE || cfg->vmsa_gpa >= SNPM_GPA_LIMIT)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "VMSA GPA 0x%llx is not a page-aligned address below 2^52",
				 (unsigned long long)cfg->vmsa_gpa);
	return check_kernel_digests(cfg, reterr);
}

/* ---- tracing ---- */

static void page_hook(void *arg, enum snpm_page_type type, uint64_t gpa,
		      const uint8_t contents[SNPM_SHA384_SIZE], const uint8_t ld[SNPM_LD_SIZE])
{
	struct launch *l = arg;
	const struct page_update *u = l->step;
	struct snpm_trace_event ev = {
		.phase = u->phase,
		.index = u->index,
		.section_type = u->section_type,
		.page_type = type,
		.gpa = gpa,
		.length = SNPM_PAGE_SIZE,
		.what = u->what,
	};

	memcpy(ev.contents, contents, sizeof(ev.contents));
	memcpy(ev.digest, ld, sizeof(ev.digest));
	l->trace(l->trace_arg, &ev);
}

/* SEV and SEV-ES steps: the SHA-256 of the piece. */
static int trace_piece(struct launch *l, const struct page_update *u, struct snpm_error *reterr)
{
	struct snpm_trace_event ev = {
		.phase = u->phase,
		.index = u->index,
		.section_type = u->section_type,
		.length = u->len,
		.what = u->what,
	};
	int r = snpm_digest(SNPM_HASH_SHA256, u->data, u->len, ev.contents, reterr);

	if (r == 0)
		l->trace(l->trace_arg, &ev);
	return r;
}

/* ---- one update ---- */

static int record_range(struct launch *l, const struct page_update *u, struct snpm_error *reterr)
{
	struct measured_range *last = l->n_ranges ? &l->ranges[l->n_ranges - 1] : NULL;
	uint64_t end;

	if (!snpm_add_u64(u->gpa, u->len, &end) || end > SNPM_GPA_LIMIT)
		return snpm_fail(reterr, SNPM_ERANGE, "range at GPA 0x%llx reaches past 2^52",
				 (unsigned long long)u->gpa);
	/* Consecutive steps that continue a range extend it: a large firmware stays one, and so
	 * do consecutive IGVM directives of one kind. */
	if (last && last->end == u->gpa && last->step.phase == u->phase &&
	    (last->last_index == u->index ||
	     (u->phase == SNPM_PHASE_IGVM && last->last_index + 1 == u->index &&
	      last->step.what == u->what))) {
		last->end = end;
		last->last_index = u->index;
		return 0;
	}
	if (snpm_grow(&l->ranges, &l->cap_ranges, l->n_ranges, sizeof(*l->ranges), 64, reterr) < 0)
		return SNPM_ENOMEM;
	l->ranges[l->n_ranges] = (struct measured_range){
		.start = u->gpa, .end = end, .seq = l->n_ranges, .step = *u, .last_index = u->index
	};
	l->ranges[l->n_ranges++].step.data = NULL;
	return 0;
}

int launch_emit(struct launch *l, const struct page_update *u, struct snpm_error *reterr)
{
	bool hashed = u->type == SNPM_PAGE_NORMAL || u->type == SNPM_PAGE_VMSA;
	int r;

	if (u->len == 0)
		return 0;
	/* VMSAs are not guest memory: every vCPU's sits at the same GPA, and the page-once rule
	 * is about the pages the guest will run on. */
	if (l->dry && u->type == SNPM_PAGE_VMSA)
		return 0;
	if (l->dry) {
		l->loaded += snpm_is_snp(l->cfg.mode) || u->type == SNPM_PAGE_NORMAL;
		/* Counted as the dry run goes, so that it stops at the cap, not after it. */
		l->pages += (u->len + SNPM_PAGE_SIZE - 1) / SNPM_PAGE_SIZE;
		if (l->pages > SNPM_MAX_LAUNCH_PAGES)
			return snpm_fail(reterr, SNPM_ERANGE,
					 "the launch measures more than %u pages (4 GiB) of guest "
					 "memory: no real launch does; refused",
					 SNPM_MAX_LAUNCH_PAGES);
		return record_range(l, u, reterr);
	}
	if (!snpm_is_snp(l->cfg.mode)) {
		if (!hashed)
			return 0; /* SEV and SEV-ES measure data only */
		r = snpm_hash_update(l->sev, u->data, u->len, reterr);
		return r < 0 || !l->trace ? r : trace_piece(l, u, reterr);
	}
	l->step = u;
	if (u->zero && u->type == SNPM_PAGE_NORMAL)
		return snpm_launch_zero_pages(l->ctx, u->gpa, u->len, l->trace ? page_hook : NULL,
					      l, reterr);
	return snpm_launch_pages(l->ctx, u->type, u->gpa, hashed ? u->data : NULL, u->len,
				 l->trace ? page_hook : NULL, l, reterr);
}

/* ---- the layout: every GPA measured at most once ---- */

static void describe(const struct measured_range *m, char *out, size_t n)
{
	const struct page_update *u = &m->step;
	const char *type = snpm_section_type_name(u->section_type);
	char what[80];

	switch (u->phase) {
	case SNPM_PHASE_SECTION:
		snprintf(what, sizeof(what), "%s section %u %s", u->what ? u->what : "metadata",
			 u->index, type ? type : "?");
		break;
	case SNPM_PHASE_KERNEL_HASHES:
		snprintf(what, sizeof(what), "kernel hashes page (section %u)", u->index);
		break;
	case SNPM_PHASE_IGVM:
		if (m->last_index != u->index)
			snprintf(what, sizeof(what), "IGVM directives %u-%u %s", u->index,
				 m->last_index, u->what ? u->what : "?");
		else
			snprintf(what, sizeof(what), "IGVM directive %u %s", u->index,
				 u->what ? u->what : "?");
		break;
	default:
		snprintf(what, sizeof(what), "%s", u->what ? u->what : "pages");
		break;
	}
	snprintf(out, n, "%s (0x%llx-0x%llx)", what, (unsigned long long)m->start,
		 (unsigned long long)m->end - 1);
}

static int by_start(const void *a, const void *b)
{
	const struct measured_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int check_ranges(struct launch *l, struct snpm_error *reterr)
{
	char first[128], second[128];

	if (l->n_ranges == 0)
		return 0;
	qsort(l->ranges, l->n_ranges, sizeof(*l->ranges), by_start);
	for (size_t i = 1; i < l->n_ranges; i++) {
		const struct measured_range *a = &l->ranges[i - 1], *b = &l->ranges[i];
		if (b->start >= a->end)
			continue;
		/* Name them in the order the launch measures them. */
		if (a->seq > b->seq) {
			const struct measured_range *t = a;
			a = b;
			b = t;
		}
		describe(a, first, sizeof(first));
		describe(b, second, sizeof(second));
		return snpm_fail(reterr, SNPM_EMALFORMED, "%s and %s measure the same pages", first,
				 second);
	}
	return 0;
}

/*
 * Runs the launch dry: every page it loads, measured at most once, and at least one — a launch
 * that loads nothing (an IGVM file with no directive for the platform) has no digest worth
 * printing, even though the chain of its VMSAs, or SHA-256 of nothing, could be computed.
 */
static int check_layout(struct launch *l, struct snpm_error *reterr)
{
	int r = 0;

	if (!snpm_is_snp(l->cfg.mode) && !l->loader->layout_in_all_modes)
		return 0;
	l->dry = true;
	l->loaded = 0;
	l->pages = 0;
	if (l->loader->shared_pages)
		r = l->loader->shared_pages(l, reterr);
	if (r == 0)
		r = l->loader->pages(l, reterr);
	l->dry = false;
	if (r == 0)
		r = check_ranges(l, reterr);
	if (r == 0 && l->loaded == 0)
		r = snpm_fail(
			reterr, SNPM_EMALFORMED,
			"the %s launch loads no page for mode %s: there is nothing to measure",
			l->loader->name, snpm_mode_name(l->cfg.mode));
	free(l->ranges);
	l->ranges = NULL;
	l->n_ranges = l->cap_ranges = 0;
	return r;
}

static void release(struct launch *l)
{
	if (l->loader && l->loader->release)
		l->loader->release(l);
	snpm_hash_free(l->sev);
	l->sev = NULL;
	free(l->ranges);
	l->ranges = NULL;
}

static int prepare(const struct snpm_measure_config *given, struct launch *l,
		   struct snpm_error *reterr)
{
	int r;

	memset(l, 0, sizeof(*l));
	r = snpm_sized_in(given, sizeof(l->cfg), &l->cfg, "snpm_measure_config", reterr);
	if (r == 0)
		r = check_config(&l->cfg, reterr);
	if (r < 0)
		return r;
	l->loader = loader_of(&l->cfg);
	r = set_vmm(l, l->cfg.vmm, reterr);
	if (r == 0)
		r = l->loader->prepare(l, reterr);
	if (r == 0)
		r = check_layout(l, reterr);
	if (r < 0)
		release(l);
	return r;
}

/* ---- measuring ---- */

/* Everything before the trailing VMSAs, into ctx (SNP) or the running SHA-256 (SEV, SEV-ES). */
static int measure_pages(struct launch *l, bool shared, bool specific, struct snpm_error *reterr)
{
	int r = 0;

	if (shared && l->loader->shared_pages)
		r = l->loader->shared_pages(l, reterr);
	if (r == 0 && specific)
		r = l->loader->pages(l, reterr);
	return r;
}

static int vmsa_step(struct launch *l, uint32_t index, const uint8_t page[SNPM_PAGE_SIZE],
		     struct snpm_error *reterr)
{
	struct page_update u = page_update_of(SNPM_PHASE_VMSA, index, NULL, SNPM_PAGE_VMSA,
					      snpm_launch_vmsa_gpa(l), SNPM_PAGE_SIZE, page);

	return launch_emit(l, &u, reterr);
}

static uint32_t distinct_vmsas(const struct launch *l)
{
	return l->loader->distinct_vmsas ? l->loader->distinct_vmsas(l) : 2;
}

/* One VMSA per vCPU, boot vCPU first; vCPUs past the distinct ones repeat the last of them. */
static int measure_vmsas(struct launch *l, struct snpm_error *reterr)
{
	uint8_t page[SNPM_PAGE_SIZE];
	uint32_t distinct = distinct_vmsas(l);
	int r = 0;

	if (!l->loader->vmsa || l->cfg.mode == SNPM_MODE_SEV)
		return 0;
	for (uint32_t i = 0; r == 0 && i < l->cfg.vcpus; i++) {
		if (i < distinct)
			r = l->loader->vmsa(l, i, page, reterr);
		if (r == 0)
			r = vmsa_step(l, i, page, reterr);
	}
	return r;
}

/* A launch from its first page: the chain (or SEV's hash) started, the loader's pages measured
 * (with those that depend on the vCPUs unless a sweep measures them per row). */
static int start(struct launch *l, struct snpm_launch_ctx *ctx, bool vcpu_pages,
		 struct snpm_error *reterr)
{
	int r = 0;

	snpm_launch_init(ctx);
	l->ctx = ctx;
	if (!snpm_is_snp(l->cfg.mode))
		r = snpm_hash_new(SNPM_HASH_SHA256, &l->sev, reterr);
	return r < 0 ? r : measure_pages(l, true, vcpu_pages, reterr);
}

static int run(struct launch *l, uint8_t out[SNPM_LD_SIZE], size_t *ret_len,
	       struct snpm_error *reterr)
{
	struct snpm_launch_ctx ctx;
	int r = start(l, &ctx, true, reterr);

	if (r == 0)
		r = measure_vmsas(l, reterr);
	if (r == 0 && snpm_is_snp(l->cfg.mode)) {
		memcpy(out, ctx.ld, SNPM_LD_SIZE);
		*ret_len = SNPM_LD_SIZE;
	} else if (r == 0) {
		r = snpm_hash_final(l->sev, out, reterr);
		*ret_len = SNPM_SEV_LD_SIZE;
	}
	return r;
}

int snpm_measure_trace(const struct snpm_measure_config *cfg, snpm_trace_fn fn, void *arg,
		       uint8_t out[SNPM_LD_SIZE], size_t *ret_len, struct snpm_error *reterr)
{
	uint8_t digest[SNPM_LD_SIZE];
	struct launch l;
	size_t len = 0;
	int r;

	if (!cfg || !out)
		return snpm_fail(reterr, SNPM_EINVAL, "no configuration or output buffer");
	r = prepare(cfg, &l, reterr);
	if (r < 0)
		return r;
	l.trace = fn;
	l.trace_arg = arg;
	r = run(&l, digest, &len, reterr);
	if (r == 0 && l.loader->finish)
		r = l.loader->finish(&l, digest, len, reterr);
	release(&l);
	if (r < 0)
		return r;
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
	int r = 0;

	if (!firmware || len == 0 || len % SNPM_PAGE_SIZE)
		r = snpm_fail(reterr, SNPM_EMALFORMED,
			      "firmware size %zu is not a non-zero multiple of the 4096-byte page "
			      "size",
			      len);
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

/* The launch prepared for its VMSAs: 0 with l to release(), or a code (nothing to release). */
static int prepare_vmsas(const struct snpm_measure_config *cfg, struct launch *l,
			 uint32_t *ret_distinct, struct snpm_error *reterr)
{
	int r = prepare(cfg, l, reterr);

	if (r < 0)
		return r;
	if (cfg->mode != SNPM_MODE_SEV && !l->loader->vmsa && cfg->loader == SNPM_LOADER_IGVM) {
		const char *name = snpm_name_of(snpm_igvm_semantics_names(), cfg->igvm_semantics);
		release(l);
		return snpm_fail(
			reterr, SNPM_EUNSUPPORTED,
			"the %s loader measures the VMSAs stored in the IGVM file, not one "
			"per vCPU",
			name ? name : "IGVM");
	}
	if (cfg->mode == SNPM_MODE_SEV || !l->loader->vmsa) {
		release(l);
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "this launch measures no VMSA per vCPU");
	}
	*ret_distinct = distinct_vmsas(l);
	return 0;
}

int snpm_measure_vmsa(const struct snpm_measure_config *cfg, uint32_t index,
		      uint8_t ret_page[SNPM_PAGE_SIZE], struct snpm_error *reterr)
{
	uint32_t distinct;
	struct launch l;
	int r;

	if (!cfg || !ret_page)
		return snpm_fail(reterr, SNPM_EINVAL, "no configuration or output buffer");
	r = prepare_vmsas(cfg, &l, &distinct, reterr);
	if (r < 0)
		return r;
	if (index >= cfg->vcpus)
		r = snpm_fail(reterr, SNPM_ERANGE, "vCPU %u of %u", index, cfg->vcpus);
	else
		r = l.loader->vmsa(&l, index < distinct ? index : distinct - 1, ret_page, reterr);
	release(&l);
	return r;
}

int snpm_measure_vmsas(const struct snpm_measure_config *cfg,
		       int (*fn)(void *arg, uint32_t index, const uint8_t page[SNPM_PAGE_SIZE]),
		       void *arg, struct snpm_error *reterr)
{
	uint8_t page[SNPM_PAGE_SIZE];
	uint32_t distinct;
	struct launch l;
	int r;

	if (!cfg || !fn)
		return snpm_fail(reterr, SNPM_EINVAL, "no configuration or callback");
	r = prepare_vmsas(cfg, &l, &distinct, reterr);
	if (r < 0)
		return r;
	/* vCPUs past the distinct ones repeat the last page. */
	for (uint32_t i = 0; r == 0 && i < cfg->vcpus; i++) {
		if (i < distinct)
			r = l.loader->vmsa(&l, i, page, reterr);
		if (r == 0)
			r = fn(arg, i, page);
	}
	release(&l);
	return r;
}

int snpm_measure_resolve(const struct snpm_measure_config *cfg, struct snpm_measure_config *ret,
			 struct snpm_error *reterr)
{
	struct launch l;
	int r;

	if (!cfg || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no configuration");
	r = prepare(cfg, &l, reterr);
	if (r < 0)
		return r;
	r = snpm_sized_out(ret, &l.cfg, sizeof(l.cfg), "snpm_measure_config", reterr);
	release(&l);
	return r;
}

/* ---- sweeps ---- */

struct sweep {
	struct launch *l;
	const struct snpm_sweep_space *space;
	snpm_sweep_fn fn;
	void *arg;
	struct snpm_sweep_row row;
	uint64_t loader_features; /* what the loader set (an IGVM file's VMSA) */
	/* Rows the loader refuses as launches (an IGVM ID block vouching for another digest). */
	size_t emitted, refused;
	struct snpm_error refusal;
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

static int emit_row(struct sweep *sw, uint32_t n, struct snpm_error *reterr)
{
	struct snpm_hash *fin = NULL;
	int r = 0;

	sw->row.vcpus = n;
	if (snpm_is_snp(sw->l->cfg.mode)) {
		memcpy(sw->row.digest, sw->l->ctx->ld, SNPM_LD_SIZE);
		sw->row.digest_len = SNPM_LD_SIZE;
	} else {
		r = snpm_hash_dup(sw->l->sev, &fin, reterr);
		if (r == 0)
			r = snpm_hash_final(fin, sw->row.digest, reterr);
		snpm_hash_free(fin);
		sw->row.digest_len = SNPM_SEV_LD_SIZE;
	}
	if (r < 0)
		return r;
	/* A row the secure processor would refuse is not a launch: it is left out, as a single
	 * measurement of it is refused. */
	if (sw->l->loader->finish) {
		r = sw->l->loader->finish(sw->l, sw->row.digest, sw->row.digest_len, &sw->refusal);
		if (r == SNPM_EVERIFY) {
			sw->refused++;
			return 0;
		}
		if (r < 0 && reterr)
			*reterr = sw->refusal;
		if (r < 0)
			return r;
	}
	sw->emitted++;
	return sw->fn(sw->arg, &sw->row);
}

/*
 * One row per vCPU count on top of the pages measured so far: each further vCPU adds one VMSA.
 * SNP chains a digest of the page (computed once per distinct VMSA); SEV-ES hashes the page.
 */
static int sweep_vcpus(struct sweep *sw, struct snpm_error *reterr)
{
	const struct snpm_sweep_space *sp = sw->space;
	struct launch *l = sw->l;
	uint32_t max = sp->vcpus[sp->n_vcpus - 1], distinct = distinct_vmsas(l);
	uint8_t page[SNPM_PAGE_SIZE], digest[SNPM_SHA384_SIZE];
	size_t next = 0;
	int r = 0;

	if (l->cfg.mode == SNPM_MODE_SEV || !l->loader->vmsa) {
		for (size_t i = 0; r == 0 && i < sp->n_vcpus; i++)
			r = emit_row(sw, sp->vcpus[i], reterr);
		return r;
	}
	for (uint32_t n = 1; r == 0 && n <= max; n++) {
		if (n - 1 < distinct) {
			r = l->loader->vmsa(l, n - 1, page, reterr);
			if (r == 0 && snpm_is_snp(l->cfg.mode))
				r = snpm_digest(SNPM_HASH_SHA384, page, sizeof(page), digest,
						reterr);
		}
		if (r == 0 && snpm_is_snp(l->cfg.mode))
			r = snpm_launch_update(l->ctx, SNPM_PAGE_VMSA, snpm_launch_vmsa_gpa(l),
					       digest, reterr);
		else if (r == 0)
			r = snpm_hash_update(l->sev, page, sizeof(page), reterr);
		if (r == 0 && n == sp->vcpus[next]) {
			r = emit_row(sw, n, reterr);
			next++;
		}
	}
	return r;
}

/* Branches the measured prefix (a copy of the 48-byte context, or of the SHA-256 state). */
struct saved {
	struct snpm_launch_ctx ctx;
	struct snpm_hash *sev;
};

static int save(const struct launch *l, struct saved *s, struct snpm_error *reterr)
{
	s->ctx = *l->ctx;
	s->sev = NULL;
	return l->sev ? snpm_hash_dup(l->sev, &s->sev, reterr) : 0;
}

static int restore(struct launch *l, const struct saved *s, struct snpm_error *reterr)
{
	*l->ctx = s->ctx;
	if (!s->sev)
		return 0;
	snpm_hash_free(l->sev);
	l->sev = NULL;
	return snpm_hash_dup(s->sev, &l->sev, reterr);
}

/*
 * For a loader whose pages hold the vCPU count: the pages and VMSAs again for each count, on
 * top of the shared pages (restored from saved).
 */
static int sweep_counts(struct sweep *sw, const struct saved *shared, struct snpm_error *reterr)
{
	const struct snpm_sweep_space *sp = sw->space;
	struct launch *l = sw->l;
	int r = 0;

	for (size_t i = 0; r == 0 && i < sp->n_vcpus; i++) {
		l->cfg.vcpus = sp->vcpus[i];
		r = restore(l, shared, reterr);
		if (r == 0)
			r = measure_pages(l, false, true, reterr);
		if (r == 0)
			r = measure_vmsas(l, reterr);
		if (r == 0)
			r = emit_row(sw, sp->vcpus[i], reterr);
	}
	return r;
}

/* Every signature and feature set for the VMM set in sw->l, on top of its pages. */
static int sweep_vmm(struct sweep *sw, const struct saved *shared, struct snpm_error *reterr)
{
	const struct snpm_sweep_space *sp = sw->space;
	struct saved pages;
	int r = save(sw->l, &pages, reterr);

	for (size_t s = 0; r == 0 && s < sp->n_vcpu_sigs; s++) {
		for (size_t f = 0; r == 0 && f < sp->n_guest_features; f++) {
			uint64_t features = sp->guest_features[f];
			/* An IGVM file's VMSA sets them: 0 stands for its value. */
			if (sw->l->cfg.loader == SNPM_LOADER_IGVM && !features)
				features = sw->loader_features;
			sw->l->cfg.vcpu_sig = sp->vcpu_sigs[s];
			sw->l->cfg.guest_features = features;
			sw->row.vcpu_sig_index = s;
			sw->row.vcpu_sig = sp->vcpu_sigs[s];
			sw->row.guest_features_index = f;
			sw->row.guest_features = features;
			if (sw->l->loader->pages_use_vcpus) {
				r = sweep_counts(sw, shared, reterr);
				continue;
			}
			r = restore(sw->l, &pages, reterr);
			if (r == 0)
				r = sweep_vcpus(sw, reterr);
		}
	}
	snpm_hash_free(pages.sev);
	return r;
}

/* The shared pages once, the VMM's pages once per VMM, the VMSAs per configuration. */
static int sweep_all(struct sweep *sw, struct snpm_error *reterr)
{
	const struct snpm_sweep_space *sp = sw->space;
	struct launch *l = sw->l;
	struct snpm_launch_ctx ctx;
	struct saved shared = { 0 };
	int r = start(l, &ctx, false, reterr);

	if (r == 0)
		r = save(l, &shared, reterr);
	for (size_t v = 0; r == 0 && v < sp->n_vmms; v++) {
		r = set_vmm(l, sp->vmms[v], reterr);
		sw->row.vmm = sp->vmms[v];
		if (r == 0)
			r = restore(l, &shared, reterr);
		if (r == 0 && !l->loader->pages_use_vcpus)
			r = measure_pages(l, false, true, reterr);
		if (r == 0)
			r = sweep_vmm(sw, &shared, reterr);
	}
	snpm_hash_free(shared.sev);
	return r;
}

int snpm_sweep(const struct snpm_measure_config *base, const struct snpm_sweep_space *given,
	       snpm_sweep_fn fn, void *arg, struct snpm_error *reterr)
{
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct snpm_sweep_space sp, *space = &sp;
	struct launch l;
	struct sweep sw = { .l = &l, .space = space, .fn = fn, .arg = arg };
	int r;

	if (!base || !given || !fn)
		return snpm_fail(reterr, SNPM_EINVAL, "no configuration, space or callback");
	r = snpm_sized_in(given, sizeof(sp), &sp, "snpm_sweep_space", reterr);
	if (r == 0)
		r = check_space(space, reterr);
	if (r == 0)
		r = snpm_sized_in(base, sizeof(cfg), &cfg, "snpm_measure_config", reterr);
	if (r < 0)
		return r;
	cfg.vcpus = space->vcpus[space->n_vcpus - 1];
	cfg.vcpu_sig = space->vcpu_sigs[0];
	cfg.guest_features = space->guest_features[0];
	cfg.vmm = space->vmms[0];
	r = prepare(&cfg, &l, reterr);
	if (r < 0)
		return r;
	/* Refuse a bad VMM, or a feature set the loader fixes, before any row is emitted. */
	for (size_t v = 0; r == 0 && v < space->n_vmms; v++)
		r = set_vmm(&l, space->vmms[v], reterr);
	sw.loader_features = l.cfg.guest_features;
	if (l.loader->min_vcpus && space->vcpus[0] < l.loader->min_vcpus(&l))
		r = snpm_fail(
			reterr, SNPM_EINVAL,
			"the IGVM file sets VP contexts for %u vCPUs: the sweep cannot start at "
			"%u",
			l.loader->min_vcpus(&l), space->vcpus[0]);
	for (size_t f = 0; r == 0 && f < space->n_guest_features; f++)
		if (space->guest_features[f] && space->guest_features[f] != l.cfg.guest_features &&
		    l.cfg.loader == SNPM_LOADER_IGVM && snpm_is_snp(l.cfg.mode))
			r = snpm_fail(reterr, SNPM_EINVAL,
				      "the IGVM file's VMSA sets the guest features (0x%llx): they "
				      "cannot be swept",
				      (unsigned long long)l.cfg.guest_features);
	if (r == 0)
		r = sweep_all(&sw, reterr);
	/* Not one row could launch: refused as the measurement of any of them is. */
	if (r == 0 && sw.emitted == 0 && sw.refused > 0) {
		r = SNPM_EVERIFY;
		if (reterr)
			*reterr = sw.refusal;
	}
	release(&l);
	return r;
}
