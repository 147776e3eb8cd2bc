/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The measurement options: one row each for measure, explain, sweep, match and report check
 * (the reference's options with their meaning, and this tool's additions). A row says what the
 * option stores, which verbs have it, which launches take it, and its help; opts.c parses and
 * documents it from the row, measure_check.c refuses it for a launch that does not take it, and
 * tests hold the manual page and the completions to it. Adding an option: a row here, a member
 * of struct measure_args (and its M_ name), a merge row in measure_spec.c if a spec can give it.
 */
#include <stdint.h>

#include "cli.h"
#include "opts.h"

#define V_MEASURE (1u << VERB_MEASURE)
#define V_EXPLAIN (1u << VERB_EXPLAIN)
#define V_SWEEP (1u << VERB_SWEEP)
#define V_MATCH (1u << VERB_MATCH)
#define V_CHECK (1u << VERB_CHECK)
#define V_DIAGNOSE (1u << VERB_DIAGNOSE)
#define V_REFVALS (1u << VERB_REFVALS)
#define V_ALL (V_MEASURE | V_EXPLAIN | V_SWEEP | V_MATCH | V_CHECK | V_DIAGNOSE | V_REFVALS)
/* The fields report check and diagnose compare with a report. */
#define V_FIELDS (V_CHECK | V_DIAGNOSE)
/* The pins reference values carry besides the measurement. */
#define V_PINS (V_FIELDS | V_REFVALS)

#define A struct measure_args
#define STR(member) OPT_STRING, OPT_OFFSET(A, member, const char *)
#define BOOL(member) OPT_FLAG, OPT_OFFSET(A, member, bool)
#define U32(member) OPT_U32, OPT_OFFSET(A, member, uint32_t)
#define U64(member) OPT_U64, OPT_OFFSET(A, member, uint64_t)
#define ENUM(member) OPT_CHOICE, OPT_ENUM_OFFSET(A, member)
/* Read by measure_args.c's handler, under this row's id. */
#define CALL(opt) OPT_CALL, 0, .id = OPTS_AUTO_ID + M_##opt

/* Row M_opt: --lname, what it stores, its value's name in --help (NULL: none) and its help;
 * then which verbs, launches and names, and whether the last one given wins. */
#define ROW(opt, lname, kind_offset, mv, text, ...) \
	[M_##opt] = { .name = (lname),              \
		      .has_arg = (mv) != NULL,      \
		      .metavar = (mv),              \
		      .help = (text),               \
		      .kind = kind_offset,          \
		      __VA_ARGS__ }
/* The reference's options: every measurement verb, the last one given wins (argparse). */
#define REF .verbs = V_ALL, .last_wins = true
/* Numbers the reference reads with int(s): decimal only. */
#define DEC(limit) .max = (limit), .decimal = true

/* --mode: the library's modes, and the reference's snp:ovmf-hash after snp. */
const struct snpm_name *measure_mode_names(void)
{
	static struct snpm_name table[32];

	if (!table[0].name) {
		size_t n = 0;
		for (const struct snpm_name *m = snpm_mode_names(); m->name && n < 30; m++) {
			table[n++] = *m;
			if (m->value == SNPM_MODE_SNP && !(m->flags & SNPM_NAME_ALIAS))
				table[n++] =
					(struct snpm_name){ "snp:ovmf-hash", MODE_OVMF_HASH, 0 };
		}
	}
	return table;
}

const struct snpm_name *output_format_names(void)
{
	static const struct snpm_name names[] = { { "hex", 0, 0 },
						  { "base64", 1, 0 },
						  { NULL, 0, 0 } };

	return names;
}

const struct opt_doc measure_option_rows[M_COUNT] = {
	ROW(HELP, "help", OPT_HELP, NULL, "show this help and exit", .id = 'h'),
	ROW(VERSION, "version", CALL(VERSION), NULL, "show the version and exit", REF),
	ROW(VERBOSE, "verbose", BOOL(verbose), NULL, "print 'Calculated ... guest measurement: X'",
	    .id = 'v', .verbs = V_MEASURE),
	ROW(QUIET, "quiet", BOOL(quiet), NULL, "no notes on stderr", .id = 'q'),
	ROW(MODE, "mode", CALL(MODE), "MODE", "{} (default: snp, with a note)", REF,
	    .names = measure_mode_names),
	ROW(VCPUS, "vcpus", STR(vcpus_text), "N", "number of guest vCPUs", REF),
	ROW(VCPU_TYPE, "vcpu-type", STR(vcpu_type_text), "CPUTYPE", "guest vCPU model: {}", REF,
	    .names = snpm_cpu_type_names),
	ROW(VCPU_SIG, "vcpu-sig", STR(vcpu_sig_text), "VALUE", "guest vCPU signature", REF),
	ROW(VCPU_FAMILY, "vcpu-family", U32(family), "FAMILY", "guest vCPU family", REF,
	    DEC(UINT32_MAX)),
	ROW(VCPU_MODEL, "vcpu-model", U32(model), "MODEL", "guest vCPU model", REF,
	    DEC(UINT32_MAX)),
	ROW(VCPU_STEPPING, "vcpu-stepping", U32(stepping), "STEPPING", "guest vCPU stepping", REF,
	    DEC(UINT32_MAX)),
	ROW(VMM_TYPE, "vmm-type", STR(vmm_text), "VMMTYPE", "{} (default: QEMU)", REF,
	    .names = snpm_vmm_names),
	ROW(VMM_VERSION, "vmm-version", CALL(VMM_VERSION), "N",
	    "VMM behaviour version (ec2: 1 = rdx 0, 2 = rdx 0x600; default latest)", REF),
	ROW(OVMF, "ovmf", STR(ovmf), "PATH", "OVMF firmware image", REF, .launches = L_OVMF),
	ROW(OVMF_METADATA, "ovmf-metadata", STR(ovmf_metadata), "FILE",
	    "firmware metadata from 'snpmeasure ovmf --json', instead of the image (SNP)", REF,
	    .launches = L_OVMF),
	ROW(KERNEL, "kernel", STR(kernel), "PATH", "kernel (bzImage), direct boot", REF,
	    .launches = L_OVMF | L_KRUN | L_IGVM),
	ROW(KERNEL_HASH, "kernel-hash", STR(kernel_hash), "HEX",
	    "SHA-256 of the kernel, instead of --kernel", REF, .launches = L_OVMF | L_IGVM),
	ROW(INITRD, "initrd", STR(initrd), "PATH", "initrd (use with --kernel)", REF,
	    .launches = L_OVMF | L_KRUN | L_IGVM),
	ROW(INITRD_HASH, "initrd-hash", STR(initrd_hash), "HEX",
	    "SHA-256 of the initrd, instead of --initrd", REF, .launches = L_OVMF | L_IGVM),
	ROW(APPEND, "append", STR(append), "CMDLINE",
	    "kernel command line, measured verbatim (use with --kernel)", REF,
	    .launches = L_OVMF | L_IGVM),
	ROW(GUEST_FEATURES, "guest-features", CALL(GUEST_FEATURES), "VALUE",
	    "SEV_FEATURES: a number or names, e.g. SNPActive,DebugSwap,SecureAVIC (default 0x1)",
	    REF),
	ROW(OUTPUT_FORMAT, "output-format", ENUM(base64), "FORMAT", "{} (default: hex)", REF,
	    .names = output_format_names),
	ROW(SNP_OVMF_HASH, "snp-ovmf-hash", STR(snp_ovmf_hash), "HASH",
	    "precomputed SNP digest of the firmware pages (hex), from snp:ovmf-hash", REF,
	    .launches = L_OVMF),
	ROW(DUMP_VMSA, "dump-vmsa", BOOL(dump_vmsa), NULL,
	    "write the measured VMSAs to vmsa<N>.bin (seves, snp, snp:svsm)", .verbs = V_MEASURE),
	ROW(SVSM, "svsm", STR(svsm), "PATH", "COCONUT-SVSM image (snp:svsm)", REF,
	    .launches = L_OVMF),
	ROW(VARS_SIZE, "vars-size", U64(vars_size), "SIZE",
	    "size of the OVMF_VARS file in bytes (snp:svsm)", REF, DEC(UINT64_MAX),
	    .launches = L_OVMF),
	ROW(VARS_FILE, "vars-file", STR(vars_file), "PATH", "OVMF_VARS file (snp:svsm)", REF,
	    .launches = L_OVMF),
	ROW(IGVM, "igvm", STR(igvm), "FILE",
	    "an IGVM file, the whole launch (QEMU -object igvm-cfg, COCONUT-SVSM); default mode: "
	    "the strongest platform it declares",
	    REF),
	ROW(IGVM_LOADER, "igvm-loader", ENUM(igvm_semantics), "KIND",
	    "{} (default: qemu, what QEMU/KVM measure; igvmmeasure: COCONUT's tool; igvm-crate: "
	    "what igvmfilegen's CoRIM states; cloud-hypervisor, openvmm-kvm: those VMMs on KVM; "
	    "cloud-hypervisor-mshv: on MSHV)",
	    REF, .names = snpm_igvm_semantics_names, .launches = L_IGVM),
	ROW(NATIVE_ZERO, "native-zero", BOOL(native_zero), NULL,
	    "igvmmeasure: zero pages as ZERO pages, not NORMAL pages of zeros", REF,
	    .launches = L_IGVM),
	ROW(IGNORE_ID_BLOCK, "ignore-id-block", BOOL(ignore_id_block), NULL,
	    "measure even when the IGVM file's ID block vouches for another digest", REF,
	    .launches = L_IGVM),
	ROW(CORIM_KEY, "corim-key", STR(corim_key), "KEY.pem",
	    "the public key the IGVM file's CoRIM must be signed with (COSE_Sign1, ES256 or "
	    "ES384)",
	    REF, .launches = L_IGVM),
	ROW(KRUNFW, "krunfw", STR(krunfw), "LIB",
	    "libkrun: the libkrunfw-sev library to take qboot, kernel and initrd from (read, not "
	    "loaded); with --vmm-type krun",
	    REF, .launches = L_KRUN),
	ROW(QBOOT, "qboot", STR(qboot), "FILE",
	    "libkrun: qboot, loaded at 0xffff0000 (with --kernel, --kernel-gpa, --initrd)", REF,
	    .launches = L_KRUN),
	ROW(KERNEL_GPA, "kernel-gpa", CALL(KERNEL_GPA), "ADDR",
	    "libkrun: where the kernel is loaded (libkrunfw: 0x1000000)", REF, .launches = L_KRUN),
	ROW(RAM_MIB, "ram-mib", U32(ram_mib), "N",
	    "libkrun: guest RAM in MiB, in boot_params' e820 map (default 2048)", REF,
	    DEC(UINT32_MAX), .launches = L_KRUN),
	ROW(VMSA_GPA, "vmsa-gpa", CALL(VMSA_GPA), "GPA",
	    "where the VMSAs are measured: {} (0xFFFFFFFFF000; 0xFFFFFFFFFF000, GCE on Genoa) or "
	    "an address",
	    REF, .names = snpm_vmsa_gpa_names),
	ROW(VMSA_FPU, "vmsa-fpu", ENUM(vmsa_fpu), "KIND",
	    "{} (default: as the VMM does; legacy-kvm: MXCSR/FCW left zero, as by older host "
	    "kernels)",
	    REF, .names = snpm_vmsa_fpu_names),
	ROW(SPEC, "spec", STR(spec), "FILE",
	    "the measurement as a JSON document (ours or dstack's MeasurementInput); options given "
	    "on the command line win",
	    REF),
	ROW(MEASUREMENT, "measurement", STR(measurement), "HEX|BASE64",
	    "the measurement to look for (check: instead of measurement arguments; refvals: "
	    "the values themselves, a comma-separated list)",
	    .verbs = V_MATCH | V_CHECK | V_DIAGNOSE | V_REFVALS, .last_wins = true),
	/* report check's own options: each given once. */
	ROW(MANIFEST, "manifest", STR(manifest), "FILE",
	    "an snpimage bundle's manifest.json (or its folder): check: find the configuration "
	    "whose predicted measurement the report carries; diagnose: the configurations given; "
	    "refvals: the measurements it predicts, instead of measurement options",
	    .verbs = V_CHECK | V_DIAGNOSE | V_REFVALS),
	ROW(VCEK, "vcek", STR(vcek), "CERT", "VCEK or VLEK (PEM or DER)", .verbs = V_CHECK),
	ROW(VLEK, "vlek", STR(vcek), "CERT", "the VLEK, for a VLEK-signed report",
	    .verbs = V_CHECK),
	ROW(ASK, "ask", STR(ask), "CERT", "ASK or ASVK (default: built in)", .verbs = V_CHECK),
	ROW(ASVK, "asvk", STR(ask), "CERT", "the ASVK (default: built in)", .verbs = V_CHECK),
	ROW(ARK, "ark", STR(ark), "CERT", "ARK (default: built in)", .verbs = V_CHECK),
	ROW(CHAIN, "chain", STR(chain), "PEM", "ASK then ARK, as AMD serves them",
	    .verbs = V_CHECK),
	ROW(TRUST_ROOT, "trust-root", STR(trust_root), "CERT",
	    "TRUST this ARK INSTEAD of AMD's (a lab's or a test suite's own PKI; give its ASK too): "
	    "never for production, named with its SHA-256 in every output",
	    .verbs = V_CHECK),
	ROW(NOW, "now", STR(now), "TIME",
	    "judge the certificates' validity at TIME (seconds since the epoch, or "
	    "YYYY-MM-DD[THH:MM:SSZ]) instead of the clock",
	    .verbs = V_CHECK),
	ROW(HOST_DATA, "host-data", STR(host_data), "HEX", "expected HOST_DATA", .verbs = V_PINS),
	ROW(ID_KEY_DIGEST, "id-key-digest", STR(id_key_digest), "HEX|BASE64|PEM",
	    "expected ID key digest, or the key", .verbs = V_PINS),
	ROW(AUTHOR_KEY_DIGEST, "author-key-digest", STR(author_key_digest), "HEX|BASE64|PEM",
	    "expected author key digest, or the key", .verbs = V_PINS),
	ROW(GUEST_POLICY, "guest-policy", STR(policy), "VALUE", "expected guest policy (a number)",
	    .verbs = V_FIELDS),
	ROW(POLICY, "policy", OPT_REFUSED, NULL, NULL, .verbs = V_CHECK,
	    .refusal = "report check: --policy is report appraise's policy file; the expected "
		       "guest policy is --guest-policy VALUE"),
	ROW(REPORT_DATA, "report-data", STR(report_data), "HEX",
	    "expected REPORT_DATA (64 bytes; shorter is zero-padded)", .verbs = V_FIELDS),
	ROW(VMPL, "vmpl", U32(vmpl), "N", "expected VMPL the report was requested at (0-3)",
	    .verbs = V_FIELDS, DEC(3)),
	ROW(REPORT, "report", STR(report), "FILE",
	    "the attestation report to explain (any form report show reads): its measurement, "
	    "CPUID and fields",
	    .verbs = V_DIAGNOSE),
	ROW(DEPTH, "depth", U32(depth), "N",
	    "search up to N changes together (1-3; default 2: every single change, then pairs)",
	    .verbs = V_DIAGNOSE, DEC(3)),
	ROW(DIFF, "diff", BOOL(diff), NULL,
	    "the options after it are a second configuration: show where the two launches part "
	    "(the first step that differs, the VMSA fields or kernel hashes that do)",
	    .verbs = V_EXPLAIN),
	ROW(JSON, "json", BOOL(json), NULL, "JSON output", .verbs = V_ALL & ~V_REFVALS),
	ROW(CSV, "csv", BOOL(csv), NULL, "CSV output", .verbs = V_SWEEP | V_MATCH),
	ROW(FORMAT, "format", ENUM(refvals_format), "FORMAT",
	    "{}: Veraison's AMD SEV-SNP CoRIM, Microsoft's launch-measurement CoRIM (one per "
	    "measurement), or a message trustee's RVPS registers",
	    .verbs = V_REFVALS, .names = snpm_refvals_format_names),
	ROW(SIGN, "sign", STR(sign_key), "KEY.pem",
	    "sign each CoRIM (COSE_Sign1, ES384) with this P-384 private key", .verbs = V_REFVALS),
	ROW(OUTPUT, "output", STR(output), "FILE", "where to write them ('-': standard output)",
	    .id = 'o', .verbs = V_REFVALS),
	ROW(SVN, "svn", U64(svn), "N", "corim-launch: the SVN each measurement maps to",
	    .verbs = V_REFVALS, .max = UINT64_MAX),
	ROW(MIN_TCB, "min-tcb", STR(min_tcb), "bootloader=N,tee=N,snp=N,microcode=N",
	    "the minimum reported TCB each measurement needs (a part left out is 0)",
	    .verbs = V_REFVALS),
};

const char *option_name(enum m_opt opt)
{
	return measure_option_rows[opt].name;
}

unsigned option_launches(enum m_opt opt)
{
	return measure_option_rows[opt].launches;
}
