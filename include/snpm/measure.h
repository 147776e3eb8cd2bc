/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The launch-digest engine: SEV, SEV-ES, SEV-SNP and SNP with an SVSM.
 *
 * Two levels. The page level (struct snpm_launch_ctx and snpm_launch_update*) is the
 * SNP_LAUNCH_UPDATE chain of the AMD SEV-SNP ABI specification; the context is 48 bytes of
 * plain data, so a shared prefix can be copied and branched. The config level (snpm_measure)
 * replays what a VMM loads at launch. A loader turns the inputs into the ordered page updates:
 * OVMF (with the kernel hashes of QEMU's direct boot, or an SVSM) under QEMU, EC2 or GCE, exactly
 * as the reference tool sev-snp-measure does; an IGVM file as QEMU or COCONUT's igvmmeasure loads
 * it; libkrun's qboot, kernel and initrd. The engine chains what the loader produces.
 */
#ifndef SNPM_MEASURE_H
#define SNPM_MEASURE_H

#include <snpm/common.h>
#include <snpm/hash.h>
#include <snpm/ovmf.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Page level: the SNP launch digest chain ---- */

/* SNP_LAUNCH_UPDATE page types (SEV-SNP ABI specification, PAGE_INFO). */
enum snpm_page_type {
	SNPM_PAGE_NORMAL = 1,
	SNPM_PAGE_VMSA = 2,
	SNPM_PAGE_ZERO = 3,
	SNPM_PAGE_UNMEASURED = 4,
	SNPM_PAGE_SECRETS = 5,
	SNPM_PAGE_CPUID = 6,
};

/* Where KVM records VMSA pages: GPA (u64)-1, page aligned, bits above 51 cleared. */
#define SNPM_VMSA_GPA_DEFAULT 0xFFFFFFFFF000ull
#define SNPM_VMSA_GPA_52BIT 0xFFFFFFFFFF000ull /* GCE on Genoa */
/* The named VMSA addresses: "default", "52bit". */
SNPM_EXPORT const struct snpm_name *snpm_vmsa_gpa_names(void);
#define SNPM_GPA_LIMIT (1ull << 52)

/* The running launch digest. Plain data: copy it to branch a shared prefix. */
struct snpm_launch_ctx {
	uint8_t ld[SNPM_LD_SIZE];
};

/* Starts a chain at the all-zero digest, as the AMD secure processor does. */
SNPM_EXPORT void snpm_launch_init(struct snpm_launch_ctx *ctx);

/* Starts a chain at a digest computed elsewhere (e.g. the firmware prefix, snp:ovmf-hash). */
SNPM_EXPORT void snpm_launch_seed(struct snpm_launch_ctx *ctx, const uint8_t ld[SNPM_LD_SIZE]);

/*
 * One PAGE_INFO update: LD = SHA-384(LD || contents || u16 0x70 || u8 type || u8 imi=0 ||
 * u8 vmpl3 || u8 vmpl2 || u8 vmpl1 (all 0) || u8 0 || u64 gpa).
 * gpa must be page aligned and below 2^52. Returns 0, SNPM_EINVAL or SNPM_ECRYPTO.
 */
SNPM_EXPORT int snpm_launch_update(struct snpm_launch_ctx *ctx, enum snpm_page_type type,
				   uint64_t gpa, const uint8_t contents[SNPM_SHA384_SIZE],
				   struct snpm_error *reterr);

/* NORMAL pages: len must be a non-zero multiple of 4096; each page's SHA-384 is chained. */
SNPM_EXPORT int snpm_launch_update_normal(struct snpm_launch_ctx *ctx, uint64_t gpa,
					  const uint8_t *data, size_t len,
					  struct snpm_error *reterr);

/*
 * Pages whose contents are not hashed (ZERO, UNMEASURED, SECRETS, CPUID): the contents digest
 * is 48 zero bytes for each page of [gpa, gpa + len). len: a non-zero multiple of 4096.
 */
SNPM_EXPORT int snpm_launch_update_empty(struct snpm_launch_ctx *ctx, enum snpm_page_type type,
					 uint64_t gpa, uint64_t len, struct snpm_error *reterr);

/* A VMSA page (4096 bytes) at gpa. */
SNPM_EXPORT int snpm_launch_update_vmsa(struct snpm_launch_ctx *ctx, uint64_t gpa,
					const uint8_t page[SNPM_PAGE_SIZE],
					struct snpm_error *reterr);

/* ---- vCPU models and VMMs ---- */

/* CPUID Fn0000_0001_EAX from family, model and stepping (AMD CPUID spec #25481). */
SNPM_EXPORT uint32_t snpm_cpu_sig(uint32_t family, uint32_t model, uint32_t stepping);

/* The signature of a QEMU CPU model name ("EPYC-Milan"). Returns 0 or SNPM_EINVAL. */
SNPM_EXPORT int snpm_cpu_type_sig(const char *name, uint32_t *ret_sig);

/* The i-th of the 16 named CPU models, or NULL past the end. */
SNPM_EXPORT const char *snpm_cpu_type_name(size_t i);
/* The named CPU models and their signatures (the table behind both functions above). */
SNPM_EXPORT const struct snpm_name *snpm_cpu_type_names(void);

enum snpm_vmm {
	SNPM_VMM_QEMU = 1,
	SNPM_VMM_EC2 = 2,
	SNPM_VMM_GCE = 3,
	SNPM_VMM_KRUN = 4, /* libkrun (krun, podman's krun runtime): SNPM_LOADER_KRUN only */
};

/* "QEMU", "ec2", "gce" (the spellings the reference accepts) and "krun". */
SNPM_EXPORT const char *snpm_vmm_name(enum snpm_vmm vmm);
/* Exact match on the reference's spellings. Returns 0 or SNPM_EINVAL. */
SNPM_EXPORT int snpm_vmm_parse(const char *name, enum snpm_vmm *ret_vmm);
/* The table of those names (one per VMM profile). */
SNPM_EXPORT const struct snpm_name *snpm_vmm_names(void);

/* ---- Guest features (SEV_FEATURES: VMSA bit n is the guest's SEV_STATUS bit n + 2) ---- */

/*
 * The bits a public source names (AMD APM vol. 2; Linux msr-index.h): SNPActive (0) through
 * VmgexitParameter (10), IbsVirtualization (12), VmsaRegProt (14), SmtProtection (15),
 * SecureAVIC (16), IBPBOnEntry (21). Other bits are measured as given: the library refuses
 * none, and the tools say which unnamed bits a measurement sets.
 */
#define SNPM_GUEST_FEATURES_NAMED 0x21d7ffull

/* The name of feature bit (0-63), e.g. "DebugSwap" for 5, or NULL when no source names it. */
SNPM_EXPORT const char *snpm_guest_feature_name(unsigned bit);

/*
 * Writes the names of the bits set, comma-separated ("SNPActive,DebugSwap"; an unnamed bit as
 * "bit11"), NUL-terminated and cut to size. Returns the length the whole text needs.
 */
SNPM_EXPORT size_t snpm_guest_features_format(uint64_t features, char *buf, size_t size);

/*
 * Parses guest features: a number (0x21, 33, 0o41, 0b100001), any bits, or names joined by
 * ',', '+' or '|' ("SNPActive,DebugSwap"; case-insensitive).
 * Returns 0 or SNPM_EINVAL (unknown name, bad number).
 */
SNPM_EXPORT int snpm_guest_features_parse(const char *text, uint64_t *ret_features,
					  struct snpm_error *reterr);

/* ---- VMSA ---- */

/*
 * The initial FPU state in the VMSA. KVM fills MXCSR and the x87 control word of SEV-ES VMSAs
 * (QEMU profile); older host kernels left them zero, as did older sev-snp-measure releases.
 */
enum snpm_vmsa_fpu {
	SNPM_VMSA_FPU_DEFAULT = 0, /* as the VMM profile says */
	SNPM_VMSA_FPU_LEGACY_KVM = 1, /* MXCSR and FCW zero (older KVM) */
};

/* "default", "legacy-kvm". */
SNPM_EXPORT const struct snpm_name *snpm_vmsa_fpu_names(void);

struct snpm_vmsa_params {
	uint32_t size; /* sizeof(struct snpm_vmsa_params): SNPM_INIT() sets it */
	enum snpm_vmm vmm;
	unsigned vmm_version; /* 0: the VMM's latest behaviour; EC2 has 1 (rdx 0) and 2 */
	bool svsm; /* COCONUT-SVSM entry state instead of the x86 reset state */
	uint64_t eip; /* 0xfffffff0 for the BSP, the reset-block EIP for APs */
	uint64_t sev_features; /* the guest features (SEV_FEATURES) */
	uint32_t vcpu_sig; /* CPUID signature QEMU puts in rdx */
	enum snpm_vmsa_fpu fpu;
};

/* A field of the VMSA page: its name ("rdx", "cs"), offset and size in bytes. */
struct snpm_vmsa_field {
	const char *name;
	uint32_t offset;
	uint32_t size;
};

/* The fields a launch sets (AMD APM vol. 2, table B-4), by offset; ends with a NULL name. */
SNPM_EXPORT const struct snpm_vmsa_field *snpm_vmsa_fields(void);

/* Builds the 4096-byte VMSA the VMM launches a vCPU with. Returns 0 or SNPM_EINVAL. */
SNPM_EXPORT int snpm_vmsa_build(const struct snpm_vmsa_params *params,
				uint8_t ret_page[SNPM_PAGE_SIZE], struct snpm_error *reterr);

/* ---- SEV kernel hashes table (QEMU's SevHashTable) ---- */

#define SNPM_HASHES_TABLE_SIZE 176u /* 168 bytes of table padded to 16 */

/* SHA-256 of the command line as QEMU hashes it: the string verbatim and its NUL. */
SNPM_EXPORT int snpm_cmdline_sha256(const char *cmdline, uint8_t ret[SNPM_SHA256_SIZE],
				    struct snpm_error *reterr);

/* The table: header GUID, then cmdline, initrd and kernel entries, zero-padded to 176 bytes. */
SNPM_EXPORT void snpm_hashes_table_build(const uint8_t cmdline_sha256[SNPM_SHA256_SIZE],
					 const uint8_t initrd_sha256[SNPM_SHA256_SIZE],
					 const uint8_t kernel_sha256[SNPM_SHA256_SIZE],
					 uint8_t ret_table[SNPM_HASHES_TABLE_SIZE]);

/* ---- Config level ---- */

/* What turns the inputs into page updates. */
enum snpm_loader {
	SNPM_LOADER_OVMF = 0, /* firmware (+ SVSM, + kernel hashes) under QEMU, EC2, GCE */
	SNPM_LOADER_IGVM = 1, /* an IGVM file (QEMU 9.2+ -object igvm-cfg, COCONUT-SVSM) */
	SNPM_LOADER_KRUN = 2, /* libkrun: qboot, kernel, initrd, boot_params (vmm SNPM_VMM_KRUN) */
};

/*
 * How an IGVM file is loaded; implementations differ and the digest with them.
 * QEMU: what the hardware sees under QEMU/KVM (backends/igvm.c): runs of consecutive PAGE_DATA
 * are sent when a non-matching one arrives or at the end, so a PARAMETER_INSERT (the whole area,
 * UNMEASURED) can precede an earlier pending run; zero pages are NORMAL over zeros; the VP
 * context sets the vCPU registers KVM syncs, and KVM measures one VMSA per vCPU last.
 * IGVMMEASURE: COCONUT's tools/igvmmeasure: strict directive order, a PARAMETER_INSERT is one
 * UNMEASURED page, a VP context's VMSA is measured as stored where it appears.
 * IGVM_CRATE: microsoft/igvm's own measurement (igvm/src/measurement/snp.rs), which OpenVMM's
 * igvmfilegen writes into a file's launch-measurement CoRIM: SNP only, a guest policy required;
 * shared pages skipped; a PAGE_DATA is one 4 KiB page (a 2 MiB page without data too); a
 * PARAMETER_INSERT is the whole area, UNMEASURED page by page; VMSAs as stored, in file order.
 * CLOUD_HYPERVISOR: cloud-hypervisor on KVM (vmm/src/igvm/igvm_loader.rs): SNP only; every
 * directive in file order; a PAGE_DATA is one page: UNMEASURED when so flagged, ZERO without
 * data, NORMAL with it, SECRETS and CPUID by data type; a PARAMETER_INSERT the whole area
 * UNMEASURED; then KVM measures one VMSA per vCPU, each set up from its VP context (a vCPU
 * without one starts at KVM's own reset state), with KVM's own XCR0, DR6/7, PAT and FPU words.
 * With has_kernel, its measured boot: the hashes table at 0x10c00 (in the file's page there, or
 * a NORMAL page after them).
 * OPENVMM_KVM: OpenVMM on KVM (openvmm_core vm_loaders/igvm.rs, virt_kvm snp.rs): SNP only, a
 * guest policy and exactly one VP context, the boot vCPU's at 0xFFFFFFFFF000, entering 64-bit
 * mode; directives in file order, a PAGE_DATA one 4 KiB page (SECRETS and CPUID by data type,
 * then UNMEASURED, then shared pages skipped, NORMAL over zeros without data), a
 * PARAMETER_INSERT the whole area UNMEASURED; then KVM measures one VMSA per vCPU: the boot
 * vCPU's from the file's registers with KVM's adjustments, the others at OpenVMM's x86 reset
 * state (QEMU's, rdx the CPU signature). The file's ID block is not passed to KVM.
 * CLOUD_HYPERVISOR_MSHV: cloud-hypervisor on the Microsoft hypervisor (MSHV): its directives as
 * under KVM, but NORMAL over zeros without data, a PARAMETER_INSERT one UNMEASURED page, the
 * boot vCPU's VP context imported as a VMSA page as stored (no other context), every import
 * sorted by GPA; the vCPU count does not matter; the ID block is always enabled.
 * CLOUD_HYPERVISOR, OPENVMM_KVM and CLOUD_HYPERVISOR_MSHV are derived from the source: no
 * hardware known answer is public.
 */
enum snpm_igvm_semantics {
	SNPM_IGVM_QEMU = 0,
	SNPM_IGVM_IGVMMEASURE = 1,
	SNPM_IGVM_CRATE = 2,
	SNPM_IGVM_CLOUD_HYPERVISOR = 3,
	SNPM_IGVM_OPENVMM_KVM = 4,
	SNPM_IGVM_CLOUD_HYPERVISOR_MSHV = 5,
};

/* "qemu", "igvmmeasure", "igvm-crate", "cloud-hypervisor", "openvmm-kvm",
 * "cloud-hypervisor-mshv". */
SNPM_EXPORT const struct snpm_name *snpm_igvm_semantics_names(void);

enum snpm_mode {
	SNPM_MODE_SEV = 1,
	SNPM_MODE_SEV_ES = 2,
	SNPM_MODE_SNP = 3,
	SNPM_MODE_SNP_SVSM = 4,
};

/*
 * Mode names as the reference accepts them: "sev"/"SEV", "seves"/"sev-es"/"SEVES"/"SEV-ES",
 * "snp"/"sev-snp"/"SNP"/"SEV-SNP", "snp:svsm"/"sev-snp:svsm" (any case). Returns 0 or SNPM_EINVAL.
 */
SNPM_EXPORT int snpm_mode_parse(const char *name, enum snpm_mode *ret_mode);
/* "sev", "seves", "snp", "snp:svsm". */
SNPM_EXPORT const char *snpm_mode_name(enum snpm_mode mode);
/* The table of mode names, the other spellings as aliases. */
SNPM_EXPORT const struct snpm_name *snpm_mode_names(void);

#define SNPM_MAX_VCPUS 4096u /* KVM's limit on x86-64 */
/*
 * The most guest memory one launch may measure, in 4 KiB pages (4 GiB): far more than any real
 * launch (firmware, kernel hashes, an IGVM file's pages and parameter areas), and what keeps a
 * small hostile file that declares gigabytes of pages from taking minutes. A launch past it is
 * refused before anything is measured.
 */
#define SNPM_MAX_LAUNCH_PAGES (1u << 20)
#define SNPM_BSP_EIP 0xfffffff0u
#define SNPM_FOUR_GIB 0x100000000ull

struct snpm_measure_config {
	uint32_t size; /* sizeof(struct snpm_measure_config): SNPM_INIT() sets it */
	enum snpm_mode mode;
	enum snpm_vmm vmm;
	unsigned vmm_version; /* 0: latest */
	uint32_t vcpus; /* SEV-ES and SNP: 1..SNPM_MAX_VCPUS */
	uint32_t vcpu_sig; /* CPUID signature (QEMU puts it in rdx) */
	uint64_t guest_features; /* SNP: the VMSA's SEV_FEATURES */
	uint64_t vmsa_gpa; /* 0: SNPM_VMSA_GPA_DEFAULT; GCE on Genoa: SNPM_VMSA_GPA_52BIT */
	enum snpm_vmsa_fpu vmsa_fpu;

	const uint8_t *firmware; /* the OVMF image (borrowed); loaded just below 4 GiB */
	size_t firmware_len;
	/* Instead of the image (SNP only, with has_firmware_digest): its parsed metadata, e.g. from
	 * snpm_ovmf_info_from_json(). Borrowed. */
	const struct snpm_ovmf_info *firmware_info;
	/* SNP only: start the chain from this digest of the firmware pages instead of hashing
	 * them (snp:ovmf-hash); the image is still parsed for its metadata. */
	bool has_firmware_digest;
	uint8_t firmware_digest[SNPM_LD_SIZE];

	/* Direct boot: the SHA-256 of the kernel file, the initrd file (of nothing when there is
	 * none: snpm_sha256_of_nothing) and the command line (see snpm_cmdline_sha256). An
	 * all-zero digest is a field left unset and is refused (SNPM_EINVAL), never measured. */
	bool has_kernel;
	uint8_t kernel_sha256[SNPM_SHA256_SIZE];
	uint8_t initrd_sha256[SNPM_SHA256_SIZE];
	uint8_t cmdline_sha256[SNPM_SHA256_SIZE];

	/* SNP_SVSM: the SVSM image (borrowed), loaded so that it ends vars_size bytes below the
	 * firmware's GPA (QEMU puts the OVMF variable store between them). */
	const uint8_t *svsm;
	size_t svsm_len;
	uint64_t vars_size;

	/* SNPM_LOADER_IGVM: the file, the platform is the mode's (SEV_SNP, SEV_ES, SEV); vmm QEMU.
	 * The guest features come from the file's VP context (guest_features must be 0 or equal). */
	enum snpm_loader loader;
	struct snpm_source igvm;
	enum snpm_igvm_semantics igvm_semantics;
	bool igvm_native_zero; /* IGVMMEASURE: zero pages as ZERO rather than NORMAL over zeros */
	bool igvm_ignore_id_block; /* measure even when an embedded ID block's digest differs */

	/* SNPM_LOADER_KRUN (vmm SNPM_VMM_KRUN): the pieces libkrunfw provides, each a whole number
	 * of pages, and the guest's RAM (boot_params e820). */
	struct snpm_source krun_qboot, krun_kernel, krun_initrd;
	uint64_t krun_kernel_gpa;
	uint32_t krun_ram_mib;
};

/* ---- Tracing: every step of a measurement, for explain ---- */

enum snpm_phase {
	SNPM_PHASE_SEED = 1, /* SNP chain started from a precomputed firmware digest */
	SNPM_PHASE_FIRMWARE, /* firmware pages (SNP) or bytes (SEV) */
	SNPM_PHASE_SVSM, /* SVSM image pages */
	SNPM_PHASE_SECTION, /* an SEV metadata section; index = its position, section_type */
	SNPM_PHASE_KERNEL_HASHES, /* the kernel hashes page (SNP) or table (SEV) */
	SNPM_PHASE_VMSA, /* a vCPU's VMSA; index = the vCPU */
	SNPM_PHASE_IGVM, /* an IGVM directive's pages; index = the directive's header index */
	SNPM_PHASE_KRUN, /* a libkrun piece: qboot, kernel, initrd, boot_params, fixed pages */
};

struct snpm_trace_event {
	enum snpm_phase phase;
	uint32_t index;
	uint32_t section_type; /* SNPM_PHASE_SECTION and SNPM_PHASE_KERNEL_HASHES (SNP) */
	enum snpm_page_type page_type; /* SNP; 0 for SEV and SEV-ES */
	uint64_t gpa; /* SNP: the page; SEV: 0 */
	uint64_t length; /* bytes this step covers */
	/* SNP: the page's contents digest (zeros for unhashed pages) and the launch digest after
	 * it. SEV/SEV-ES: the SHA-256 of this step's bytes (in contents) and digest unused. */
	uint8_t contents[SNPM_SHA384_SIZE];
	uint8_t digest[SNPM_LD_SIZE];
	const char *what; /* what the step is, e.g. "PAGE_DATA" or "initrd"; may be NULL */
};

/* Called once per step, in order; the event is valid for the call only. */
typedef void (*snpm_trace_fn)(void *arg, const struct snpm_trace_event *event);

/* snpm_measure() with a trace callback (fn may be NULL). */
SNPM_EXPORT int snpm_measure_trace(const struct snpm_measure_config *cfg, snpm_trace_fn fn,
				   void *arg, uint8_t out[SNPM_LD_SIZE], size_t *ret_len,
				   struct snpm_error *reterr);

/* ---- Sweeps: many configurations sharing one firmware and kernel ---- */

struct snpm_sweep_space {
	uint32_t size; /* sizeof(struct snpm_sweep_space): SNPM_INIT() sets it */
	const uint32_t *vcpus; /* ascending, no repeats, each 1..SNPM_MAX_VCPUS */
	size_t n_vcpus;
	const uint32_t *vcpu_sigs;
	size_t n_vcpu_sigs;
	const uint64_t *guest_features;
	size_t n_guest_features;
	const enum snpm_vmm *vmms;
	size_t n_vmms;
};

struct snpm_sweep_row {
	enum snpm_vmm vmm;
	size_t vcpu_sig_index; /* into space->vcpu_sigs */
	uint32_t vcpu_sig;
	size_t guest_features_index; /* into space->guest_features */
	uint64_t guest_features;
	uint32_t vcpus;
	uint8_t digest[SNPM_LD_SIZE];
	size_t digest_len; /* 48, or 32 for SEV and SEV-ES */
};

/* Called per row in order vmm, signature, features, vCPUs. A non-zero return stops the sweep
 * and is returned by snpm_sweep(). */
typedef int (*snpm_sweep_fn)(void *arg, const struct snpm_sweep_row *row);

/*
 * Measures every configuration of space on top of base (whose vmm, vcpus, vcpu_sig and
 * guest_features are replaced). For an IGVM launch the file's VMSA sets the guest features: a
 * feature value of 0 stands for them, any other must equal them. The firmware is hashed once, the metadata sections once per VMM,
 * each VMSA page once per signature and feature set; every further vCPU costs one PAGE_INFO hash.
 * A configuration the launch itself refuses is not a row: an IGVM file's ID block vouches for one
 * digest, and rows with any other are left out (SNPM_EVERIFY, as snpm_measure() gives, when
 * every row is). Returns 0, the callback's non-zero value, or a negative SNPM_E* code.
 */
SNPM_EXPORT int snpm_sweep(const struct snpm_measure_config *base,
			   const struct snpm_sweep_space *space, snpm_sweep_fn fn, void *arg,
			   struct snpm_error *reterr);

/*
 * Computes the launch digest. out receives 48 bytes for SNP modes, 32 for SEV and SEV-ES;
 * *ret_len says which. Refuses anything the VMM would not launch as described (a kernel with a
 * firmware lacking kernel-hash support, malformed firmware, missing reset block, ...).
 * Returns 0 or a negative SNPM_E* code with reterr filled; out is untouched on failure.
 */
SNPM_EXPORT int snpm_measure(const struct snpm_measure_config *cfg, uint8_t out[SNPM_LD_SIZE],
			     size_t *ret_len, struct snpm_error *reterr);

/* The inputs of snpm_measure_files() as files; each NULL when not given. */
struct snpm_measure_paths {
	uint32_t size; /* sizeof(struct snpm_measure_paths): SNPM_INIT() sets it */
	const char *firmware; /* the OVMF image, read whole (at most SNPM_OVMF_MAX_SIZE) */
	const char *kernel; /* direct boot: hashed as read, at most 512 MiB */
	const char *initrd; /* with a kernel; none: SHA-256 of nothing; at most 4 GiB - 1 */
	const char *cmdline; /* the command line itself, not a path; none: "" */
	const char *svsm; /* SNPM_MODE_SNP_SVSM: the SVSM image */
	const char *igvm; /* an IGVM file: the whole launch (loader SNPM_LOADER_IGVM) */
};

/*
 * snpm_measure() for callers who have files, not digests: the files are read as snpmeasure
 * reads them (regular files or streams, capped, checked unchanged while read; memory stays flat
 * whatever the kernel's and initrd's size) into base's firmware, SVSM, IGVM and kernel fields;
 * the rest of base is as given. A failure names the file. Returns as snpm_measure().
 */
SNPM_EXPORT int snpm_measure_files(const struct snpm_measure_config *base,
				   const struct snpm_measure_paths *paths,
				   uint8_t out[SNPM_LD_SIZE], size_t *ret_len,
				   struct snpm_error *reterr);

/*
 * The files of snpm_measure_files() read once, for callers that measure more than once from
 * them (a trace, a sweep, the VMSAs): *ret_cfg (a whole struct, its size set) becomes base with
 * the firmware, SVSM, IGVM and kernel fields filled in, and stays valid until
 * snpm_measure_inputs_free(*ret). After measuring, snpm_measure_inputs_check() says whether a
 * file read at offsets (an IGVM file) changed meanwhile (SNPM_EIO, naming it): a result measured
 * from a file that changed must not be used. Returns as snpm_measure_files().
 */
struct snpm_measure_inputs;
SNPM_EXPORT int snpm_measure_inputs_open(const struct snpm_measure_config *base,
					 const struct snpm_measure_paths *paths,
					 struct snpm_measure_config *ret_cfg,
					 struct snpm_measure_inputs **ret,
					 struct snpm_error *reterr);
SNPM_EXPORT int snpm_measure_inputs_check(const struct snpm_measure_inputs *inputs,
					  struct snpm_error *reterr);
SNPM_EXPORT void snpm_measure_inputs_free(struct snpm_measure_inputs *inputs);

/* SNP digest of the firmware pages alone (what snp:ovmf-hash prints). */
SNPM_EXPORT int snpm_measure_firmware(const uint8_t *firmware, size_t len,
				      uint8_t out[SNPM_LD_SIZE], struct snpm_error *reterr);

/*
 * The VMSA page the VMM gives vCPU index (0 is the BSP) under cfg, as measured by snpm_measure
 * (for --dump-vmsa). Returns 0 or a negative code.
 */
SNPM_EXPORT int snpm_measure_vmsa(const struct snpm_measure_config *cfg, uint32_t index,
				  uint8_t ret_page[SNPM_PAGE_SIZE], struct snpm_error *reterr);

/*
 * Every vCPU's VMSA, in order, to fn (the page is valid for the call only); a non-zero return
 * stops and is returned. SNPM_EUNSUPPORTED when the launch measures no VMSA per vCPU (SEV, or an
 * IGVM file measured as igvmmeasure does, whose VMSAs lie in the file).
 */
SNPM_EXPORT int snpm_measure_vmsas(const struct snpm_measure_config *cfg,
				   int (*fn)(void *arg, uint32_t index,
					     const uint8_t page[SNPM_PAGE_SIZE]),
				   void *arg, struct snpm_error *reterr);

/*
 * The configuration as the loader completes it, without measuring: an IGVM file's guest
 * features (from its boot vCPU's VMSA) replace 0. The inputs are checked as snpm_measure()
 * checks them. Pointers in *ret are the caller's, as in cfg.
 */
SNPM_EXPORT int snpm_measure_resolve(const struct snpm_measure_config *cfg,
				     struct snpm_measure_config *ret, struct snpm_error *reterr);

#ifdef __cplusplus
}
#endif

#endif /* SNPM_MEASURE_H */
