/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to measure/: the launch as data. A loader (OVMF, IGVM, libkrun) turns its inputs into
 * the ordered page updates a VMM sends to the secure processor, and tells the engine which VMSA
 * each vCPU starts from; the engine chains them (SNP), or hashes them (SEV, SEV-ES), checks that
 * no page is measured twice, and reports each step to a trace callback. explain, sweep, match
 * and --dump-vmsa are written once, against this, for every loader.
 */
#ifndef SNPM_MEASURE_ENGINE_H
#define SNPM_MEASURE_ENGINE_H

#include <snpm/igvm.h>
#include <snpm/measure.h>

#include "chain.h"
#include "../core/crypto.h"
#include "profile.h"

/* One step of a launch, as a loader hands it to the engine. */
struct page_update {
	enum snpm_phase phase; /* for the trace */
	uint32_t index; /* section, directive or vCPU number */
	uint32_t section_type; /* SNPM_PHASE_SECTION, SNPM_PHASE_KERNEL_HASHES */
	const char *what; /* a short description, static or owned by the loader */
	enum snpm_page_type type; /* SNP page type; SEV and SEV-ES hash NORMAL and VMSA data */
	uint64_t gpa;
	uint64_t len; /* SNP: whole pages; SEV/SEV-ES: any length of data */
	const uint8_t *data; /* NORMAL and VMSA contents, len bytes; NULL for other types */
	bool zero; /* NORMAL: data is all zeros (its digest is known) */
};

/* An update of a loader's own: where it stands in the trace, the page type, and the bytes
 * (NULL for the types whose contents are not hashed). */
static inline struct page_update page_update_of(enum snpm_phase phase, uint32_t index,
						const char *what, enum snpm_page_type type,
						uint64_t gpa, uint64_t len, const uint8_t *data)
{
	return (struct page_update){ .phase = phase,
				     .index = index,
				     .what = what,
				     .type = type,
				     .gpa = gpa,
				     .len = len,
				     .data = data };
}

struct launch;

/*
 * A loader. Every function may assume prepare() succeeded. pages() may be called several times
 * (a sweep calls it once per VMM); it emits every update with launch_emit(), VMSAs included when
 * the loader measures them in its stream (vmsa is then NULL).
 */
struct loader {
	const char *name;
	/* Checks the configuration and reads what the loader needs; may allocate (release()). */
	int (*prepare)(struct launch *l, struct snpm_error *reterr);
	/* Pages that do not depend on the VMM profile (the firmware); may be NULL. */
	int (*shared_pages)(struct launch *l, struct snpm_error *reterr);
	/* Pages that do (OVMF metadata sections), or all of them. */
	int (*pages)(struct launch *l, struct snpm_error *reterr);
	/* The VMSA vCPU index starts from, measured after every page (NULL: in the stream). */
	int (*vmsa)(struct launch *l, uint32_t index, uint8_t page[SNPM_PAGE_SIZE],
		    struct snpm_error *reterr);
	/* The fewest vCPUs the launch can have (an IGVM file's VP contexts); may be NULL. */
	uint32_t (*min_vcpus)(const struct launch *l);
	/* pages() depends on the vCPU count (libkrun's boot_params holds it). */
	bool pages_use_vcpus;
	/* vCPUs from this one on share the VMSA of the one before (OVMF: 2, the first AP). */
	uint32_t (*distinct_vmsas)(const struct launch *l);
	/* Checks the finished digest (an IGVM ID block); may be NULL. */
	int (*finish)(struct launch *l, const uint8_t *digest, size_t len,
		      struct snpm_error *reterr);
	void (*release)(struct launch *l);
	/* Check the layout in every mode, not only SNP (the loader's GPAs are real in all). */
	bool layout_in_all_modes;
};

/* A measured range, for the check that every page is measured at most once. */
struct measured_range {
	uint64_t start, end; /* [start, end) */
	size_t seq; /* in the order the launch measures */
	struct page_update step; /* the first step of the range (data not kept) */
	uint32_t last_index; /* of the last step merged into it */
};

struct launch {
	struct snpm_measure_config cfg; /* a copy: sweeps vary vmm, signature and features */
	const struct snpm_vmm_profile *profile;
	const struct loader *loader;
	void *state; /* the loader's */

	/* Where updates go: the SNP chain, the SEV/SEV-ES hash, or the list of ranges. */
	struct snpm_launch_ctx *ctx;
	struct snpm_hash *sev;
	bool dry; /* collect ranges instead of measuring (data may be NULL) */
	struct measured_range *ranges;
	size_t n_ranges, cap_ranges;
	size_t loaded; /* dry run: updates that load guest memory the platform measures */
	uint64_t pages; /* dry run: 4 KiB pages measured, against SNPM_MAX_LAUNCH_PAGES */

	/* Tracing. */
	snpm_trace_fn trace;
	void *trace_arg;
	const struct page_update *step; /* the update being chained */
};

bool snpm_is_snp(enum snpm_mode mode);

/* The GPA at which KVM measures VMSAs: the configured one, or 0xFFFFFFFFF000. */
uint64_t snpm_launch_vmsa_gpa(const struct launch *l);

/*
 * Measures one update: chains its pages (SNP), hashes its data (SEV, SEV-ES), or records its
 * range (dry run). Returns 0 or a negative code.
 */
int launch_emit(struct launch *l, const struct page_update *u, struct snpm_error *reterr);

/* The loaders. */
extern const struct loader snpm_loader_ovmf;
extern const struct loader snpm_loader_igvm;
extern const struct loader snpm_loader_igvm_measure;
extern const struct loader snpm_loader_igvm_crate;
extern const struct loader snpm_loader_igvm_ch;
extern const struct loader snpm_loader_igvm_openvmm;
extern const struct loader snpm_loader_igvm_ch_mshv;
extern const struct loader snpm_loader_krun;

/*
 * An IGVM VP context under QEMU and KVM (igvm_vmsa.c). snpm_igvm_kvm_check() refuses a VMSA that
 * QEMU or KVM refuses (the error names no header); snpm_igvm_kvm_vmsa() builds the VMSA KVM
 * measures for a checked one: the registers KVM keeps, with KVM's own adjustments, and the VM's
 * SEV_FEATURES.
 */
int snpm_igvm_kvm_check(const uint8_t in[SNPM_PAGE_SIZE], bool snp, struct snpm_error *reterr);
/* The same VMSA as cloud-hypervisor sets it up: KVM's own XCR0, DR6/7, PAT and FPU words. */
void snpm_igvm_ch_vmsa(const uint8_t in[SNPM_PAGE_SIZE], uint64_t vm_features,
		       uint8_t out[SNPM_PAGE_SIZE]);
void snpm_igvm_kvm_vmsa(const uint8_t in[SNPM_PAGE_SIZE], uint64_t vm_features,
			uint8_t out[SNPM_PAGE_SIZE]);
/*
 * OpenVMM on KVM: snpm_igvm_openvmm_check() refuses a boot VMSA OpenVMM or KVM refuses, or one
 * setting state whose way into the measured page is not modelled; snpm_igvm_openvmm_vmsa()
 * builds the VMSA KVM measures for a checked one.
 */
int snpm_igvm_openvmm_check(const uint8_t in[SNPM_PAGE_SIZE], struct snpm_error *reterr);
void snpm_igvm_openvmm_vmsa(const uint8_t in[SNPM_PAGE_SIZE], uint8_t out[SNPM_PAGE_SIZE]);
/* Older host kernels put no FPU state in the VMSA (--vmsa-fpu legacy-kvm): MXCSR, FCW zero. */
void snpm_igvm_vmsa_legacy_fpu(uint8_t page[SNPM_PAGE_SIZE]);

#endif /* SNPM_MEASURE_ENGINE_H */
