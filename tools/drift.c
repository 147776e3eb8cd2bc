/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The drifts diagnose searches (drift.h): for each, whether the launch has it, the values it
 * tries (the likeliest first) with one line on what in the field causes each, how a value sets
 * a configuration and how it reads on the command line. The causes are the ones users of every
 * tool in this field have reported (sev-snp-measure #37, amd/sev-utils #8, AMDSEV #195,
 * virtee/sev #317, contrast #1511, aws/uefi #19, trustee #1134).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"

static bool is_snp(const struct given *g)
{
	return g->cfg->mode == SNPM_MODE_SNP || g->cfg->mode == SNPM_MODE_SNP_SVSM;
}

static enum launch_kind launch(const struct given *g)
{
	return args_launch(g->a);
}

/* SEV measures no VMSA: nothing that only shapes one can drift. */
static bool has_vmsas(const struct given *g)
{
	return g->cfg->mode != SNPM_MODE_SEV;
}

static void why(struct alt *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why(struct alt *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
}

/* Adds value unless the given one or already listed; returns the new count. */
static size_t add(struct alt *out, size_t n, size_t max, uint64_t given, uint64_t value,
		  const char *text)
{
	if (value == given || n == max)
		return n;
	for (size_t i = 0; i < n; i++)
		if (out[i].value == value)
			return n;
	out[n].value = value;
	out[n].text = text;
	out[n].why[0] = '\0';
	return n + 1;
}

/* ---- vCPU count ---- */

static bool vcpus_apply(const struct given *g)
{
	return has_vmsas(g) || launch(g) == LAUNCH_KRUN;
}

/* 1..512 but the given count, ascending (a sweep's order). */
static size_t vcpus_alts(const struct given *g, struct alt *out, size_t max, char **owned)
{
	size_t n = 0;

	(void)owned;
	for (uint32_t v = 1; v <= 512; v++) {
		size_t before = n;
		n = add(out, n, max, g->p.vcpus, v, NULL);
		if (n > before)
			why(&out[n - 1],
			    "the VMM started another vCPU count than the one pinned: its "
			    "-smp, the instance type's, or a default the launch "
			    "script did not override");
	}
	return n;
}

static void vcpus_set(struct point *p, const struct alt *alt)
{
	p->vcpus = (uint32_t)alt->value;
}

static void vcpus_show(const struct given *g, const struct point *p, struct shown *s)
{
	(void)g;
	snprintf(s->opt, sizeof(s->opt), "--vcpus");
	snprintf(s->val, sizeof(s->val), "%u", p->vcpus);
}

/* ---- the vCPU's CPUID signature (QEMU's rdx) ---- */

static bool cpu_applies(const struct given *g)
{
	/* libkrun's VMSAs hold no signature; an IGVM file's VP contexts may set every vCPU. */
	return has_vmsas(g) && launch(g) != LAUNCH_KRUN &&
	       !(launch(g) == LAUNCH_IGVM && g->a->no_cpu);
}

static size_t add_sig(struct alt *out, size_t n, size_t max, const struct given *g, uint32_t sig,
		      const char *name)
{
	/* Without a CPU given, every signature is a change. */
	return add(out, n, max, g->p.has_sig ? g->p.sig : UINT64_MAX, sig, name);
}

static size_t cpu_alts(const struct given *g, struct alt *out, size_t max, char **owned)
{
	const struct snpm_report *r = g->rep;
	size_t n = 0, before;

	(void)owned;
	/* The report's CPUID is the host's CPU: what -cpu host passes to the guest. */
	if (r && r->has_cpuid) {
		uint32_t sig = snpm_cpu_sig(r->cpuid_fam_id, r->cpuid_mod_id, r->cpuid_step);
		before = n;
		n = add_sig(out, n, max, g, sig, NULL);
		if (n > before)
			why(&out[n - 1],
			    "the report's CPUID (family 0x%x, model 0x%x, stepping %u) is the host's "
			    "CPU, which QEMU's -cpu host passes to the guest",
			    r->cpuid_fam_id, r->cpuid_mod_id, r->cpuid_step);
	}
	for (const struct snpm_name *m = snpm_cpu_type_names(); m->name; m++) {
		before = n;
		n = add_sig(out, n, max, g, (uint32_t)m->value, m->name);
		if (n > before)
			why(&out[n - 1],
			    "QEMU puts the vCPU model's signature in rdx: the VMM ran "
			    "-cpu %s (or another model of signature 0x%x)",
			    m->name, (unsigned)m->value);
	}
	/* The same models at the steppings hosts report (-cpu host on such a host). */
	for (const struct snpm_name *m = snpm_cpu_type_names(); m->name; m++) {
		for (uint32_t step = 0; step < 3; step++) {
			before = n;
			n = add_sig(out, n, max, g, ((uint32_t)m->value & ~0xfu) | step, NULL);
			if (n > before)
				why(&out[n - 1],
				    "the signature of a %s at stepping %u: -cpu host on such a host "
				    "passes its own",
				    m->name, step);
		}
	}
	before = n;
	n = add_sig(out, n, max, g, 0, NULL);
	if (n > before)
		why(&out[n - 1], "a VMM that leaves rdx zero (the reference's --vcpu-sig 0)");
	return n;
}

static void cpu_set(struct point *p, const struct alt *alt)
{
	p->sig = (uint32_t)alt->value;
	p->sig_name = alt->text;
	p->has_sig = true;
}

static void cpu_show(const struct given *g, const struct point *p, struct shown *s)
{
	(void)g;
	if (!p->has_sig) {
		snprintf(s->opt, sizeof(s->opt), "--vcpu-sig");
		snprintf(s->val, sizeof(s->val), "none");
	} else if (p->sig_name) {
		snprintf(s->opt, sizeof(s->opt), "--vcpu-type");
		snprintf(s->val, sizeof(s->val), "%s", p->sig_name);
	} else {
		snprintf(s->opt, sizeof(s->opt), "--vcpu-sig");
		snprintf(s->val, sizeof(s->val), "0x%x", p->sig);
	}
}

/* ---- guest features: one named bit more or less ---- */

static bool features_apply(const struct given *g)
{
	/* SEV-ES and SNP under an SVSM carry fixed features; an IGVM file's VMSA sets them. */
	return g->cfg->mode == SNPM_MODE_SNP && launch(g) != LAUNCH_IGVM;
}

static void feature_why(struct alt *a, unsigned bit, bool on)
{
	const char *name = snpm_guest_feature_name(bit);

	if (bit == 5)
		why(a, on ? "the host's KVM turned DebugSwap on: kernels that enable it by default "
			    "(kvm_amd debug_swap) do so unless the VMM sets the features itself "
			    "(KVM_SEV_INIT2)" :
			    "the host left DebugSwap off: newer KVM enables it only when the VMM "
			    "asks");
	else if (bit == 9)
		why(a, on ? "the VMM enabled Secure TSC (QEMU's secure-tsc=on, a cloud's default)" :
			    "the VMM did not enable Secure TSC");
	else
		why(a, "the VMM %s guest feature %s", on ? "set" : "did not set", name);
}

static size_t features_alts(const struct given *g, struct alt *out, size_t max, char **owned)
{
	/* The two hosts turn on most often first. */
	static const unsigned first[] = { 5, 9 };
	size_t n = 0;

	(void)owned;
	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
		n = add(out, n, max, g->p.features, g->p.features ^ (1ull << first[i]), NULL);
		feature_why(&out[n - 1], first[i], !(g->p.features >> first[i] & 1));
	}
	for (unsigned bit = 1; bit < 64; bit++) {
		size_t before = n;
		if (!snpm_guest_feature_name(bit))
			continue;
		n = add(out, n, max, g->p.features, g->p.features ^ (1ull << bit), NULL);
		if (n > before)
			feature_why(&out[n - 1], bit, !(g->p.features >> bit & 1));
	}
	return n;
}

static void features_set(struct point *p, const struct alt *alt)
{
	p->features = alt->value;
}

static void features_show(const struct given *g, const struct point *p, struct shown *s)
{
	char names[200];

	(void)g;
	snpm_guest_features_format(p->features, names, sizeof(names));
	snprintf(s->opt, sizeof(s->opt), "--guest-features");
	snprintf(s->val, sizeof(s->val), "0x%llx (%s)", (unsigned long long)p->features, names);
}

/* ---- the VMM and its era ---- */

static bool vmm_applies(const struct given *g)
{
	return launch(g) == LAUNCH_OVMF;
}

/* Version 0 is the VMM's latest: one number per behaviour. */
static unsigned era(enum snpm_vmm vmm, unsigned version)
{
	return vmm == SNPM_VMM_EC2 && version != 1 ? 2 : vmm == SNPM_VMM_EC2 ? 1 : 0;
}

#define VMM_VALUE(vmm, version) ((uint64_t)(vmm) << 8 | (version))

uint64_t drift_vmm_value(enum snpm_vmm vmm, unsigned version)
{
	return VMM_VALUE(vmm, era(vmm, version));
}

static size_t vmm_alts(const struct given *g, struct alt *out, size_t max, char **owned)
{
	static const struct {
		enum snpm_vmm vmm;
		unsigned version;
		const char *why;
	} rows[] = {
		{ SNPM_VMM_QEMU, 0,
		  "QEMU/KVM's reset state (rdx the CPU's signature, the FPU "
		  "initialised): the guest ran under QEMU" },
		{ SNPM_VMM_EC2, 2, "EC2's VMSA (its segments, rdx 0x600, CPUID pages last)" },
		{ SNPM_VMM_EC2, 1,
		  "EC2 changed the VMSA's initial rdx from 0 to 0x600 in April "
		  "2026: a launch before the change measured rdx 0" },
		{ SNPM_VMM_GCE, 0, "GCE's VMSA (rdx 0x600, its PAT, SNP_SEC_MEM unmeasured)" },
	};
	uint64_t given = VMM_VALUE(g->p.vmm, era(g->p.vmm, g->p.vmm_version));
	size_t n = 0;

	(void)owned;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t before = n;
		n = add(out, n, max, given, VMM_VALUE(rows[i].vmm, rows[i].version), NULL);
		if (n > before)
			why(&out[n - 1], "%s", rows[i].why);
	}
	return n;
}

static void vmm_set(struct point *p, const struct alt *alt)
{
	p->vmm = (enum snpm_vmm)(alt->value >> 8);
	p->vmm_version = alt->value & 0xff;
	/* Version 2 is EC2's latest: written as no --vmm-version. */
	if (p->vmm != SNPM_VMM_EC2 || p->vmm_version == 2)
		p->vmm_version = 0;
}

static void vmm_show(const struct given *g, const struct point *p, struct shown *s)
{
	(void)g;
	snprintf(s->opt, sizeof(s->opt), "--vmm-type");
	if (p->vmm_version)
		snprintf(s->val, sizeof(s->val), "%s --vmm-version %u", snpm_vmm_name(p->vmm),
			 p->vmm_version);
	else
		snprintf(s->val, sizeof(s->val), "%s", snpm_vmm_name(p->vmm));
}

/* ---- the VMSA's FPU state ---- */

static bool fpu_applies(const struct given *g)
{
	return has_vmsas(g) && launch(g) == LAUNCH_OVMF;
}

static size_t fpu_alts(const struct given *g, struct alt *out, size_t max, char **owned)
{
	size_t n = 0;

	(void)owned;
	for (const struct snpm_name *f = snpm_vmsa_fpu_names(); f->name; f++) {
		size_t before = n;
		n = add(out, n, max, g->p.fpu, f->value, f->name);
		if (n > before && f->value == SNPM_VMSA_FPU_LEGACY_KVM)
			why(&out[n - 1], "the host's KVM predates syncing the FPU state into the "
					 "VMSA: MXCSR and FCW are measured as zero");
		else if (n > before)
			why(&out[n - 1], "the host's KVM syncs the FPU state into the VMSA (MXCSR "
					 "0x1f80, FCW 0x37f under QEMU)");
	}
	return n;
}

static void fpu_set(struct point *p, const struct alt *alt)
{
	p->fpu = (enum snpm_vmsa_fpu)alt->value;
}

static void fpu_show(const struct given *g, const struct point *p, struct shown *s)
{
	const char *name = snpm_name_of(snpm_vmsa_fpu_names(), p->fpu);

	(void)g;
	snprintf(s->opt, sizeof(s->opt), "--vmsa-fpu");
	snprintf(s->val, sizeof(s->val), "%s", name ? name : "?");
}

/* ---- where the VMSAs are measured ---- */

static bool gpa_applies(const struct given *g)
{
	/* SEV-ES hashes the VMSA's bytes, not its address. */
	return is_snp(g) && launch(g) == LAUNCH_OVMF;
}

static uint64_t gpa_of(uint64_t gpa)
{
	return gpa ? gpa : SNPM_VMSA_GPA_DEFAULT;
}

static size_t gpa_alts(const struct given *g, struct alt *out, size_t max, char **owned)
{
	size_t n = 0;

	(void)owned;
	for (const struct snpm_name *f = snpm_vmsa_gpa_names(); f->name; f++) {
		size_t before = n;
		n = add(out, n, max, gpa_of(g->p.gpa), f->value, f->name);
		if (n > before && f->value == SNPM_VMSA_GPA_52BIT)
			why(&out[n - 1], "GCE on Genoa measures the VMSAs at the 52-bit address "
					 "0xFFFFFFFFFF000");
		else if (n > before)
			why(&out[n - 1], "QEMU/KVM measure the VMSAs at 0xFFFFFFFFF000");
	}
	return n;
}

static void gpa_set(struct point *p, const struct alt *alt)
{
	p->gpa = alt->value;
}

static void gpa_show(const struct given *g, const struct point *p, struct shown *s)
{
	const char *name = snpm_name_of(snpm_vmsa_gpa_names(), gpa_of(p->gpa));

	(void)g;
	snprintf(s->opt, sizeof(s->opt), "--vmsa-gpa");
	if (name)
		snprintf(s->val, sizeof(s->val), "%s", name);
	else
		snprintf(s->val, sizeof(s->val), "0x%llx", (unsigned long long)p->gpa);
}

/* ---- the kernel hashes, the command line, the initrd ---- */

static bool kernel_applies(const struct given *g)
{
	return launch(g) == LAUNCH_OVMF && g->cfg->has_kernel;
}

static size_t kernel_alts(const struct given *g, struct alt *out, size_t max, char **owned)
{
	(void)g, (void)owned;
	if (max == 0)
		return 0;
	out[0].value = 0;
	out[0].text = NULL;
	why(&out[0], "the VMM put no kernel hashes in the launch: QEMU without "
		     "kernel-hashes=on, or a boot from disk instead of -kernel");
	return 1;
}

static void kernel_set(struct point *p, const struct alt *alt)
{
	p->kernel = alt->value != 0;
}

static const char *kernel_name(const struct given *g)
{
	return g->a->kernel ? g->a->kernel : "--kernel-hash";
}

static void kernel_show(const struct given *g, const struct point *p, struct shown *s)
{
	snprintf(s->opt, sizeof(s->opt), "--kernel");
	snprintf(s->val, sizeof(s->val), "%s", p->kernel ? kernel_name(g) : "none");
}

static bool cmdline_applies(const struct given *g)
{
	return kernel_applies(g);
}

/* Adds a variant of the command line unless it equals one listed; the text is owned. */
static size_t add_cmdline(const struct given *g, struct alt *out, size_t n, size_t max,
			  char **owned, char *text, const char *reason)
{
	const char *given = g->p.cmdline ? g->p.cmdline : "";

	if (!text || n == max || strcmp(text, given) == 0) {
		free(text);
		return n;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(out[i].text, text) == 0) {
			free(text);
			return n;
		}
	owned[n] = text;
	out[n].value = n;
	out[n].text = text;
	why(&out[n], "%s", reason);
	return n + 1;
}

static char *trimmed(const char *s)
{
	size_t len = strlen(s);

	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	while (len && isspace((unsigned char)*s))
		s++, len--;
	return strndup(s, len);
}

static size_t cmdline_alts(const struct given *g, struct alt *out, size_t max, char **owned)
{
	const char *s = g->p.cmdline ? g->p.cmdline : "";
	size_t len = strlen(s), n = 0;
	char *t = NULL;

	if (len && s[len - 1] == '\n')
		n = add_cmdline(
			g, out, n, max, owned, strndup(s, len - 1),
			"the VMM's command line has no trailing newline: a tool or the shell "
			"($(cat FILE)) dropped it");
	else if (asprintf(&t, "%s\n", s) >= 0)
		n = add_cmdline(g, out, n, max, owned, t,
				"the VMM's command line was read from a file with its trailing "
				"newline");
	n = add_cmdline(g, out, n, max, owned, trimmed(s),
			"the command line's surrounding white space was trimmed, as tools that "
			"read it from a file trim it");
	n = add_cmdline(g, out, n, max, owned, strdup(""),
			"the VMM was given no command line (no -append)");
	return n;
}

static void cmdline_set(struct point *p, const struct alt *alt)
{
	p->cmdline = alt->text;
}

/* The text in C's escapes, quoted: a newline or a space at the end shows. */
static void quote(const char *s, char *out, size_t n)
{
	size_t at = 0;

	if (n < 8)
		return;
	out[at++] = '\'';
	for (; *s && at + 6 < n; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			at += (size_t)snprintf(out + at, n - at, "\\n");
		else if (c == '\t')
			at += (size_t)snprintf(out + at, n - at, "\\t");
		else if (c == '\\' || c == '\'')
			at += (size_t)snprintf(out + at, n - at, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			at += (size_t)snprintf(out + at, n - at, "\\x%02x", c);
		else
			out[at++] = (char)c;
	}
	if (*s)
		at += (size_t)snprintf(out + at, n - at, "...");
	snprintf(out + at, n - at, "'");
}

static void cmdline_show(const struct given *g, const struct point *p, struct shown *s)
{
	(void)g;
	snprintf(s->opt, sizeof(s->opt), "--append");
	quote(p->cmdline ? p->cmdline : "", s->val, sizeof(s->val));
}

static bool initrd_applies(const struct given *g)
{
	return kernel_applies(g) &&
	       memcmp(g->cfg->initrd_sha256, snpm_sha256_of_nothing, SNPM_SHA256_SIZE) != 0;
}

static size_t initrd_alts(const struct given *g, struct alt *out, size_t max, char **owned)
{
	(void)g, (void)owned;
	if (max == 0)
		return 0;
	out[0].value = 0;
	out[0].text = NULL;
	why(&out[0], "the VMM was started without -initrd (an empty one measures the same: the "
		     "SHA-256 of nothing)");
	return 1;
}

static void initrd_set(struct point *p, const struct alt *alt)
{
	p->initrd = alt->value != 0;
}

static void initrd_show(const struct given *g, const struct point *p, struct shown *s)
{
	snprintf(s->opt, sizeof(s->opt), "--initrd");
	snprintf(s->val, sizeof(s->val), "%s",
		 !p->initrd   ? "none" :
		 g->a->initrd ? g->a->initrd :
				"--initrd-hash");
}

/* ---- the SVSM's variable store ---- */

static bool vars_applies(const struct given *g)
{
	return g->cfg->mode == SNPM_MODE_SNP_SVSM;
}

static size_t vars_alts(const struct given *g, struct alt *out, size_t max, char **owned)
{
	/* OVMF_VARS sizes of common builds: 128 KiB (2 MiB flash), 528 KiB (4 MiB flash), and
	 * round sizes around them. */
	static const uint64_t common[] = { 0x20000, 0x40000, 0x80000, 0x84000, 0xc0000, 0x100000 };
	uint64_t given = g->p.vars_size;
	size_t n = 0;

	(void)owned;
	for (uint64_t k = 1; k <= 16; k++) {
		uint64_t step = k * SNPM_PAGE_SIZE;
		for (int sign = 1; sign >= -1; sign -= 2) {
			size_t before = n;
			if (sign < 0 && given <= step)
				continue;
			n = add(out, n, max, given, sign > 0 ? given + step : given - step, NULL);
			if (n > before)
				why(&out[n - 1],
				    "QEMU puts the OVMF variable store between the SVSM and the "
				    "firmware: a store %llu KiB %s moves every SVSM page",
				    (unsigned long long)(step >> 10),
				    sign > 0 ? "larger" : "smaller");
		}
	}
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		size_t before = n;
		n = add(out, n, max, given, common[i], NULL);
		if (n > before)
			why(&out[n - 1],
			    "a %llu KiB OVMF_VARS file, a common build's, sits between the SVSM and "
			    "the firmware",
			    (unsigned long long)(common[i] >> 10));
	}
	return n;
}

static void vars_set(struct point *p, const struct alt *alt)
{
	p->vars_size = alt->value;
}

static void vars_show(const struct given *g, const struct point *p, struct shown *s)
{
	(void)g;
	snprintf(s->opt, sizeof(s->opt), "--vars-size");
	snprintf(s->val, sizeof(s->val), "%llu", (unsigned long long)p->vars_size);
}

/* ---- how an IGVM file is loaded ---- */

static bool loader_applies(const struct given *g)
{
	return launch(g) == LAUNCH_IGVM;
}

static size_t loader_alts(const struct given *g, struct alt *out, size_t max, char **owned)
{
	size_t n = 0;

	(void)owned;
	for (const struct snpm_name *f = snpm_igvm_semantics_names(); f->name; f++) {
		size_t before = n;
		n = add(out, n, max, g->p.loader, f->value, f->name);
		if (n > before)
			why(&out[n - 1],
			    "the hypervisors load an IGVM file differently (zero, shared and 2 MiB "
			    "pages, parameter areas, which VMSAs, the order): the one that measured "
			    "this loads it as %s does",
			    f->name);
	}
	return n;
}

static void loader_set(struct point *p, const struct alt *alt)
{
	p->loader = (enum snpm_igvm_semantics)alt->value;
}

static void loader_show(const struct given *g, const struct point *p, struct shown *s)
{
	const char *name = snpm_name_of(snpm_igvm_semantics_names(), p->loader);

	(void)g;
	snprintf(s->opt, sizeof(s->opt), "--igvm-loader");
	snprintf(s->val, sizeof(s->val), "%s", name ? name : "?");
}

/* ---- libkrun's RAM ---- */

static bool ram_applies(const struct given *g)
{
	return launch(g) == LAUNCH_KRUN;
}

static size_t ram_alts(const struct given *g, struct alt *out, size_t max, char **owned)
{
	static const uint32_t sizes[] = { 512,	 1024,	2048,  3072,  4096,  6144, 8192,
					  12288, 16384, 24576, 32768, 65536, 256 };
	size_t n = 0;

	(void)owned;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t before = n;
		n = add(out, n, max, g->p.ram_mib, sizes[i], NULL);
		if (n > before)
			why(&out[n - 1],
			    "libkrun writes the guest's RAM into boot_params' e820 "
			    "map: the VM was configured with %u MiB",
			    sizes[i]);
	}
	return n;
}

static void ram_set(struct point *p, const struct alt *alt)
{
	p->ram_mib = (uint32_t)alt->value;
}

static void ram_show(const struct given *g, const struct point *p, struct shown *s)
{
	(void)g;
	snprintf(s->opt, sizeof(s->opt), "--ram-mib");
	snprintf(s->val, sizeof(s->val), "%u", p->ram_mib);
}

/* The likeliest first: an explanation found at one depth is listed in this order. */
const struct drift drifts[D_COUNT] = {
	[D_VCPUS] = { "vcpus", true, vcpus_apply, vcpus_alts, vcpus_set, vcpus_show },
	[D_CPU] = { "cpu", true, cpu_applies, cpu_alts, cpu_set, cpu_show },
	[D_FEATURES] = { "guest_features", true, features_apply, features_alts, features_set,
			 features_show },
	[D_VMM] = { "vmm", false, vmm_applies, vmm_alts, vmm_set, vmm_show },
	[D_FPU] = { "vmsa_fpu", false, fpu_applies, fpu_alts, fpu_set, fpu_show },
	[D_GPA] = { "vmsa_gpa", false, gpa_applies, gpa_alts, gpa_set, gpa_show },
	[D_KERNEL] = { "kernel_hashes", false, kernel_applies, kernel_alts, kernel_set,
		       kernel_show },
	[D_CMDLINE] = { "cmdline", false, cmdline_applies, cmdline_alts, cmdline_set,
			cmdline_show },
	[D_INITRD] = { "initrd", false, initrd_applies, initrd_alts, initrd_set, initrd_show },
	[D_VARS] = { "vars_size", false, vars_applies, vars_alts, vars_set, vars_show },
	[D_LOADER] = { "igvm_loader", false, loader_applies, loader_alts, loader_set, loader_show },
	[D_RAM] = { "ram_mib", false, ram_applies, ram_alts, ram_set, ram_show },
};

/* ---- points ---- */

void point_given(const struct given *g, struct point *p)
{
	const struct measure_args *a = g->a;
	const struct snpm_measure_config *c = g->cfg;

	memset(p, 0, sizeof(*p));
	p->vcpus = c->vcpus;
	p->sig = c->vcpu_sig;
	p->sig_name = a->vcpu_type;
	p->has_sig = a->vcpu_type || a->has_vcpu_sig || arg_set(a, M_VCPU_FAMILY);
	p->features = c->guest_features;
	p->vmm = c->vmm;
	p->vmm_version = c->vmm == SNPM_VMM_EC2 && c->vmm_version == 2 ? 0 : c->vmm_version;
	p->fpu = c->vmsa_fpu;
	p->gpa = c->vmsa_gpa;
	p->kernel = c->has_kernel;
	p->cmdline = a->append ? a->append : "";
	p->initrd = true;
	p->vars_size = c->vars_size;
	p->loader = c->igvm_semantics;
	p->ram_mib = c->krun_ram_mib;
}

int point_config(const struct given *g, const struct point *p, struct snpm_measure_config *cfg)
{
	struct snpm_error err;

	*cfg = *g->cfg;
	cfg->vcpus = p->vcpus;
	cfg->vcpu_sig = p->sig;
	cfg->guest_features = p->features;
	cfg->vmm = p->vmm;
	cfg->vmm_version = p->vmm_version;
	cfg->vmsa_fpu = p->fpu;
	cfg->vmsa_gpa = p->gpa;
	cfg->has_kernel = g->cfg->has_kernel && p->kernel;
	if (cfg->has_kernel && snpm_cmdline_sha256(p->cmdline, cfg->cmdline_sha256, &err) < 0)
		return report(NULL, &err);
	if (cfg->has_kernel && !p->initrd)
		memcpy(cfg->initrd_sha256, snpm_sha256_of_nothing, SNPM_SHA256_SIZE);
	cfg->vars_size = p->vars_size;
	cfg->igvm_semantics = p->loader;
	cfg->krun_ram_mib = p->ram_mib;
	return 0;
}

/* ---- command lines ---- */

static int push(struct argv_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int push(struct argv_list *l, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	if (l->n + 2 > l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
	return 0;
}

static int push2(struct argv_list *l, const char *opt, const char *value)
{
	return push(l, "%s", opt) < 0 || push(l, "%s", value) < 0 ? -1 : 0;
}

static int push_hex(struct argv_list *l, const char *opt, const uint8_t *d, size_t len)
{
	char hex[2 * SNPM_LD_SIZE + 1];

	to_hex(d, len, hex);
	return push2(l, opt, hex);
}

/* The direct-boot inputs of an OVMF launch. */
static int push_kernel(const struct given *g, const struct point *p, struct argv_list *l)
{
	const struct measure_args *a = g->a;
	int r = 0;

	if (!p->kernel)
		return 0;
	r = a->kernel ? push2(l, "--kernel", a->kernel) :
			push_hex(l, "--kernel-hash", g->cfg->kernel_sha256, SNPM_SHA256_SIZE);
	if (r == 0 && p->initrd && a->initrd)
		r = push2(l, "--initrd", a->initrd);
	else if (r == 0 && p->initrd && initrd_applies(g))
		r = push_hex(l, "--initrd-hash", g->cfg->initrd_sha256, SNPM_SHA256_SIZE);
	if (r == 0 && *p->cmdline)
		r = push2(l, "--append", p->cmdline);
	return r;
}

static int push_ovmf(const struct given *g, const struct point *p, struct argv_list *l)
{
	const struct measure_args *a = g->a;
	int r;

	if (a->ovmf)
		r = push2(l, "--ovmf", a->ovmf);
	else if (a->ovmf_metadata)
		r = push2(l, "--ovmf-metadata", a->ovmf_metadata);
	else
		r = push2(l, "--spec", a->spec); /* the spec's own firmware metadata */
	if (r == 0 && arg_set(a, M_SNP_OVMF_HASH))
		r = push_hex(l, "--snp-ovmf-hash", g->cfg->firmware_digest, SNPM_LD_SIZE);
	if (r == 0 && g->cfg->mode == SNPM_MODE_SNP_SVSM)
		r = push2(l, "--svsm", a->svsm) < 0 ? -1 :
		    push(l, "--vars-size") < 0	    ? -1 :
						 push(l, "%llu", (unsigned long long)p->vars_size);
	return r == 0 ? push_kernel(g, p, l) : r;
}

static int push_krun(const struct given *g, const struct point *p, struct argv_list *l)
{
	const struct measure_args *a = g->a;
	int r = push2(l, "--vmm-type", "krun");

	if (r == 0 && a->krunfw)
		r = push2(l, "--krunfw", a->krunfw);
	else if (r == 0)
		r = push2(l, "--qboot", a->qboot) || push2(l, "--kernel", a->kernel) ||
		    push2(l, "--initrd", a->initrd) || push(l, "--kernel-gpa") ||
		    push(l, "0x%llx", (unsigned long long)g->cfg->krun_kernel_gpa);
	return r == 0 ? push(l, "--ram-mib") || push(l, "%u", p->ram_mib) : r;
}

static int push_igvm(const struct given *g, const struct point *p, struct argv_list *l)
{
	const char *loader = snpm_name_of(snpm_igvm_semantics_names(), p->loader);
	int r = push2(l, "--igvm", g->a->igvm);

	if (r == 0)
		r = push2(l, "--igvm-loader", loader ? loader : "qemu");
	if (r == 0 && g->a->native_zero)
		r = push(l, "--native-zero");
	if (r == 0 && g->a->ignore_id_block)
		r = push(l, "--ignore-id-block");
	/* cloud-hypervisor's measured boot: a kernel beside the file */
	return r == 0 && g->cfg->has_kernel ? push_kernel(g, p, l) : r;
}

/* The vCPUs, CPU, VMM, features and VMSA options every launch shares. */
static int push_vcpus(const struct given *g, const struct point *p, struct argv_list *l)
{
	struct shown s;
	int r = 0;

	if (g->cfg->mode != SNPM_MODE_SEV || args_launch(g->a) == LAUNCH_KRUN)
		r = push(l, "--vcpus") || push(l, "%u", p->vcpus);
	if (r == 0 && p->has_sig && g->cfg->mode != SNPM_MODE_SEV) {
		cpu_show(g, p, &s);
		r = push2(l, s.opt, s.val);
	}
	if (r == 0 && args_launch(g->a) == LAUNCH_OVMF)
		r = push2(l, "--vmm-type", snpm_vmm_name(p->vmm));
	if (r == 0 && p->vmm_version)
		r = push(l, "--vmm-version") || push(l, "%u", p->vmm_version);
	if (r == 0 && g->cfg->mode == SNPM_MODE_SNP &&
	    (args_launch(g->a) != LAUNCH_IGVM || g->a->features_given))
		r = push(l, "--guest-features") ||
		    push(l, "0x%llx", (unsigned long long)p->features);
	if (r == 0 && p->gpa)
		r = push(l, "--vmsa-gpa") || push(l, "0x%llx", (unsigned long long)p->gpa);
	if (r == 0 && p->fpu) {
		const char *name = snpm_name_of(snpm_vmsa_fpu_names(), p->fpu);
		r = push2(l, "--vmsa-fpu", name ? name : "default");
	}
	return r;
}

int point_argv(const struct given *g, const struct point *p, struct argv_list *out)
{
	enum launch_kind kind = args_launch(g->a);
	int r;

	memset(out, 0, sizeof(*out));
	r = push(out, "snpmeasure") || push2(out, "--mode", snpm_mode_name(g->cfg->mode));
	if (r == 0)
		r = kind == LAUNCH_IGVM ? push_igvm(g, p, out) :
		    kind == LAUNCH_KRUN ? push_krun(g, p, out) :
					  push_ovmf(g, p, out);
	if (r == 0)
		r = push_vcpus(g, p, out);
	return r ? -1 : 0;
}

void argv_list_free(struct argv_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
