/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IGVM launches. Files come from the tests' own writer (igvm_writer.c); every expected digest is
 * derived here step by step from the PAGE_INFO definition (SNP ABI spec, SNP_LAUNCH_UPDATE) and
 * the loaders' documented semantics, listing each update in the order QEMU or igvmmeasure sends
 * it, never by calling the code under test.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include <cbor.h>
#include <openssl/ec.h>
#include <openssl/pem.h>

#include "igvm_writer.h"
#include "testutil.h"

#define KVM_VMSA 0xfffffffff000ull
#define SNP 1u /* compatibility masks of the test files */
#define ES 2u

/* ---- the reference chain, written out ---- */

static void sha384(const void *d, size_t n, uint8_t out[48])
{
	assert_int_equal(EVP_Digest(d, n, out, NULL, EVP_sha384(), NULL), 1);
}

static void sha256_of(const void *d, size_t n, uint8_t out[32])
{
	assert_int_equal(EVP_Digest(d, n, out, NULL, EVP_sha256(), NULL), 1);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* PAGE_INFO: ld || contents || u16 0x70 || type || imi 0 || vmpl3..1 0 || 0 || u64 gpa. */
static void step(uint8_t ld[48], uint8_t type, uint64_t gpa, const uint8_t *page)
{
	uint8_t info[0x70] = { 0 };

	memcpy(info, ld, 48);
	if (page)
		sha384(page, 4096, info + 48);
	info[0x60] = 0x70;
	info[0x62] = type;
	put64(info + 0x68, gpa);
	sha384(info, sizeof(info), ld);
}

enum { NORMAL = 1, VMSA = 2, ZERO = 3, UNMEASURED = 4, SECRETS = 5, CPUID = 6 };

static uint8_t zero_page[4096];

/* ---- the test file ---- */

static uint8_t *page(const char *tag)
{
	return tu_stream(tag, 4096);
}

/*
 * A VP context's VMSA: protected mode, and fields KVM changes on the way (EFER without SVME,
 * CR0 with CD and NW, CR4 without MCE, RFLAGS without bit 1, GDTR with selector and attributes,
 * a TR base other than the LDTR's).
 */
static void vp_vmsa(uint8_t *v, uint64_t features)
{
	memset(v, 0, 4096);
	v[0x010] = 8; /* CS selector 8, attrib 0xc9b, flat */
	v[0x012] = 0x9b, v[0x013] = 0x0c;
	memset(v + 0x014, 0xff, 4);
	v[0x020] = 16, v[0x022] = 0x93, v[0x023] = 0x0c; /* SS, DPL 0 */
	memset(v + 0x024, 0xff, 4);
	v[0x060] = 0x55, v[0x062] = 0x82; /* GDTR: selector and attributes KVM drops */
	v[0x064] = 0x27; /* limit */
	put64(v + 0x068, 0x7000); /* base */
	put64(v + 0x078, 0x1234000); /* LDTR base */
	v[0x072] = 0x82;
	put64(v + 0x098, 0x5678000); /* TR base: QEMU loads the LDTR's */
	v[0x092] = 0x8b;
	put64(v + 0x0d0, 0x500); /* EFER: LME|LMA, no SVME */
	put64(v + 0x148, 0x20); /* CR4: PAE */
	put64(v + 0x150, 0x9000); /* CR3 */
	put64(v + 0x158, 0x60000011ull | 0x80000000ull); /* CR0: PG|CD|NW|ET|PE */
	put64(v + 0x160, 0x400);
	put64(v + 0x168, 0xffff0ff0);
	put64(v + 0x178, 0x801000); /* RIP */
	put64(v + 0x1d8, 0x8000); /* RSP */
	put64(v + 0x268, 0x0007040600070406ull);
	put64(v + 0x310, 0x1234); /* RDX */
	put64(v + 0x3b0, features);
	put64(v + 0x3e8, 1); /* XCR0 */
	v[0x408] = 0x80, v[0x409] = 0x1f; /* MXCSR */
	v[0x410] = 0x7f, v[0x411] = 0x03; /* FCW */
}

/* What KVM measures for vp_vmsa(): the same registers with KVM's and QEMU's adjustments. */
static void kvm_view(const uint8_t *in, uint8_t *out)
{
	memcpy(out, in, 4096);
	memset(out + 0x060, 0, 4); /* GDTR selector and attributes */
	put64(out + 0x098, get64(in + 0x078)); /* TR base from the LDTR */
	put64(out + 0x0d0, get64(in + 0x0d0) | 0x1000); /* EFER.SVME */
	put64(out + 0x158, get64(in + 0x158) & ~0x60000000ull); /* CR0 CD, NW */
	put64(out + 0x148, get64(in + 0x148) | 0x40); /* CR4.MCE */
	put64(out + 0x170, get64(in + 0x170) | 2); /* RFLAGS bit 1 */
	for (int seg = 0; seg < 10; seg++) /* attributes: the twelve bits a kvm_segment has */
		if (seg != 6 && seg != 8) /* GDTR and IDTR keep base and limit only */
			out[seg * 16 + 3] &= 0x0f;
}

struct file {
	uint8_t *bytes;
	size_t len;
	uint8_t *a, *b, *c, *d, *e, *f, *g; /* page contents */
	uint8_t vmsa[4096], vmsa_es[4096];
};

/*
 * Directive by directive (index: what):
 *  0, 1: data A, B at 0x100000 (both platforms)   -> one run
 *  2: parameter area 7, two pages
 *  3: data C at 0x102000                           -> a run QEMU holds back...
 *  4: insert area 7 at 0x200000                    -> ...while it sends the insert
 *  5, 6: zero pages at 0x103000                     -> a run (no data)
 *  7: data D at 0x105000                           -> its own run (data)
 *  8: data E at 0x106000, SEV-ES only              -> skipped for SNP (breaks the run)
 *  9: data F at 0x106000                           -> its own run
 * 10: 2 MiB zero page at 0x400000
 * 11: unmeasured page at 0x600000, 12: secrets at 0x601000, 13: CPUID at 0x602000
 * 14: VP context, vCPU 0, SNP; 15: VP context, vCPU 0, SEV-ES
 * 16: data G at 0x603000; 17: VP count parameter into area 8 (declared at 18... see below)
 */
static struct file build(const uint8_t *id_ld, uint64_t features)
{
	struct file t = { 0 };
	struct iw *w = iw_new();

	t.a = page("igvm-A"), t.b = page("igvm-B"), t.c = page("igvm-C"), t.d = page("igvm-D");
	t.e = page("igvm-E"), t.f = page("igvm-F"), t.g = page("igvm-G");
	vp_vmsa(t.vmsa, features);
	vp_vmsa(t.vmsa_es, 0);
	iw_platform(w, SNP, 2);
	iw_platform(w, ES, 5);
	iw_policy(w, SNP, 0x30000);
	iw_page(w, 0x100000, SNP | ES, 0, 0, t.a);
	iw_page(w, 0x101000, SNP | ES, 0, 0, t.b);
	iw_area(w, 7, 0x2000);
	iw_page(w, 0x102000, SNP, 0, 0, t.c);
	iw_insert(w, 0x200000, SNP, 7);
	iw_page(w, 0x103000, SNP, 0, 0, NULL);
	iw_page(w, 0x104000, SNP, 0, 0, NULL);
	iw_page(w, 0x105000, SNP, 0, 0, t.d);
	iw_page(w, 0x106000, ES, 0, 0, t.e);
	iw_page(w, 0x106000, SNP, 0, 0, t.f);
	iw_page(w, 0x400000, SNP, 1, 0, NULL);
	iw_page(w, 0x600000, SNP, 2, 0, NULL);
	iw_page(w, 0x601000, SNP, 0, 1, NULL);
	iw_page(w, 0x602000, SNP, 0, 2, NULL);
	iw_vp(w, KVM_VMSA, SNP, 0, t.vmsa);
	iw_vp(w, KVM_VMSA, ES, 0, t.vmsa_es);
	iw_page(w, 0x603000, SNP, 0, 0, t.g);
	iw_area(w, 8, 0x1000);
	iw_param(w, 0x307, 8, 0); /* VP_COUNT_PARAMETER */
	iw_required_memory(w, 0x700000, SNP, 0x1000);
	if (id_ld)
		iw_id_block(w, SNP, id_ld, 3);
	t.bytes = iw_finish(w, &t.len);
	return t;
}

static void drop(struct file *t)
{
	free(t->bytes), free(t->a), free(t->b), free(t->c), free(t->d), free(t->e), free(t->f);
	free(t->g);
}

static struct snpm_measure_config config(const struct file *t, enum snpm_mode mode,
					 enum snpm_igvm_semantics sem, uint32_t vcpus)
{
	struct snpm_measure_config c = {
		.size = sizeof(c),
		.mode = mode,
		.vmm = SNPM_VMM_QEMU,
		.vcpus = vcpus,
		.vcpu_sig = 0x800f12, /* EPYC-v4 */
		.loader = SNPM_LOADER_IGVM,
		.igvm = { .data = t->bytes, .size = t->len },
		.igvm_semantics = sem,
	};
	return c;
}

static int measure(const struct snpm_measure_config *c, uint8_t out[48], struct snpm_error *err)
{
	size_t len;

	return snpm_measure(c, out, &len, err);
}

/* The reset-state VMSA QEMU gives a vCPU without a VP context (pinned by the OVMF vectors). */
static void reset_vmsa(uint64_t features, uint8_t *out)
{
	struct snpm_vmsa_params p = {
		.size = sizeof(p),
		.vmm = SNPM_VMM_QEMU,
		.eip = SNPM_BSP_EIP,
		.vcpu_sig = 0x800f12,
		.sev_features = features,
	};

	assert_int_equal(snpm_vmsa_build(&p, out, NULL), 0);
}

/* The pages QEMU sends for the test file under SNP, in its order (see build()). */
static void qemu_snp_pages(const struct file *t, uint8_t ld[48])
{
	step(ld, NORMAL, 0x100000, t->a);
	step(ld, NORMAL, 0x101000, t->b);
	step(ld, UNMEASURED, 0x200000, NULL); /* the insert, before the pending run of C */
	step(ld, UNMEASURED, 0x201000, NULL);
	step(ld, NORMAL, 0x102000, t->c);
	step(ld, NORMAL, 0x103000, zero_page);
	step(ld, NORMAL, 0x104000, zero_page);
	step(ld, NORMAL, 0x105000, t->d);
	step(ld, NORMAL, 0x106000, t->f);
	for (uint64_t k = 0; k < 512; k++)
		step(ld, NORMAL, 0x400000 + k * 4096, zero_page);
	step(ld, UNMEASURED, 0x600000, NULL);
	step(ld, SECRETS, 0x601000, NULL);
	step(ld, CPUID, 0x602000, NULL);
	step(ld, NORMAL, 0x603000, t->g);
}

static void expect_qemu_snp(const struct file *t, uint32_t vcpus, uint64_t features,
			    uint8_t want[48])
{
	uint8_t bsp[4096], ap[4096];

	memset(want, 0, 48);
	qemu_snp_pages(t, want);
	kvm_view(t->vmsa, bsp);
	reset_vmsa(features, ap);
	step(want, VMSA, KVM_VMSA, bsp);
	for (uint32_t i = 1; i < vcpus; i++)
		step(want, VMSA, KVM_VMSA, ap);
}

static void test_qemu_snp(void **state)
{
	struct file t = build(NULL, 0x21);
	uint8_t got[48], want[48];

	(void)state;
	for (uint32_t vcpus = 1; vcpus <= 3; vcpus += 2) {
		struct snpm_measure_config c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_QEMU, vcpus);
		struct snpm_error err;
		expect_qemu_snp(&t, vcpus, 0x21, want);
		assert_int_equal(measure(&c, got, &err), 0);
		assert_memory_equal(got, want, 48);
	}
	/* --vmsa-fpu legacy-kvm: older host kernels put no MXCSR or FCW in any VMSA, the one KVM
	 * builds from the file's context included. */
	uint8_t bsp[4096], ap[4096];
	struct snpm_vmsa_params p = {
		.size = sizeof(p),
		.vmm = SNPM_VMM_QEMU,
		.eip = SNPM_BSP_EIP,
		.vcpu_sig = 0x800f12,
		.sev_features = 0x21,
		.fpu = SNPM_VMSA_FPU_LEGACY_KVM,
	};
	memset(want, 0, 48);
	qemu_snp_pages(&t, want);
	kvm_view(t.vmsa, bsp);
	memset(bsp + 0x408, 0, 4), memset(bsp + 0x410, 0, 2);
	assert_int_equal(snpm_vmsa_build(&p, ap, NULL), 0);
	step(want, VMSA, KVM_VMSA, bsp);
	step(want, VMSA, KVM_VMSA, ap);
	struct snpm_measure_config c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_QEMU, 2);
	c.vmsa_fpu = SNPM_VMSA_FPU_LEGACY_KVM;
	assert_int_equal(measure(&c, got, NULL), 0);
	assert_memory_equal(got, want, 48);
	drop(&t);
}

/* igvmmeasure: strict order, the insert one page, the VMSA as stored where it stands. */
static void expect_measure_tool(const struct file *t, bool native_zero, uint8_t want[48])
{
	uint8_t z = native_zero ? ZERO : NORMAL;
	const uint8_t *zp = native_zero ? NULL : zero_page;

	memset(want, 0, 48);
	step(want, NORMAL, 0x100000, t->a);
	step(want, NORMAL, 0x101000, t->b);
	step(want, NORMAL, 0x102000, t->c);
	step(want, UNMEASURED, 0x200000, NULL);
	step(want, z, 0x103000, zp);
	step(want, z, 0x104000, zp);
	step(want, NORMAL, 0x105000, t->d);
	step(want, NORMAL, 0x106000, t->f);
	for (uint64_t k = 0; k < 512; k++)
		step(want, z, 0x400000 + k * 4096, zp);
	step(want, UNMEASURED, 0x600000, NULL);
	step(want, SECRETS, 0x601000, NULL);
	step(want, CPUID, 0x602000, NULL);
	step(want, VMSA, KVM_VMSA, t->vmsa);
	step(want, NORMAL, 0x603000, t->g);
}

static void test_igvmmeasure_snp(void **state)
{
	struct file t = build(NULL, 0x1);
	uint8_t got[48], want[48];

	(void)state;
	for (int nz = 0; nz <= 1; nz++) {
		/* The vCPU count does not matter: the VMSA is the file's. */
		struct snpm_measure_config c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_IGVMMEASURE, 8);
		c.igvm_native_zero = nz;
		expect_measure_tool(&t, nz, want);
		assert_int_equal(measure(&c, got, NULL), 0);
		assert_memory_equal(got, want, 48);
	}
	drop(&t);
}

/*
 * The igvm crate (microsoft/igvm igvm/src/measurement/snp.rs): file order; every PAGE_DATA one
 * 4 KiB page (the 2 MiB zero page too); the insert the whole area; the VMSA as stored.
 */
static void expect_crate(const struct file *t, uint8_t want[48])
{
	memset(want, 0, 48);
	step(want, NORMAL, 0x100000, t->a);
	step(want, NORMAL, 0x101000, t->b);
	step(want, NORMAL, 0x102000, t->c);
	step(want, UNMEASURED, 0x200000, NULL);
	step(want, UNMEASURED, 0x201000, NULL);
	step(want, NORMAL, 0x103000, zero_page);
	step(want, NORMAL, 0x104000, zero_page);
	step(want, NORMAL, 0x105000, t->d);
	step(want, NORMAL, 0x106000, t->f);
	step(want, NORMAL, 0x400000, zero_page); /* one page, not 512 */
	step(want, UNMEASURED, 0x600000, NULL);
	step(want, SECRETS, 0x601000, NULL);
	step(want, CPUID, 0x602000, NULL);
	step(want, VMSA, KVM_VMSA, t->vmsa);
	step(want, NORMAL, 0x603000, t->g);
}

static void test_igvm_crate_snp(void **state)
{
	struct file t = build(NULL, 0x1);
	uint8_t got[48], want[48], other[48];
	struct snpm_error err;

	(void)state;
	for (uint32_t vcpus = 1; vcpus <= 8; vcpus *= 8) {
		/* The vCPU count does not matter: the VMSAs are the file's. */
		struct snpm_measure_config c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_CRATE, vcpus);
		expect_crate(&t, want);
		assert_int_equal(measure(&c, got, NULL), 0);
		assert_memory_equal(got, want, 48);
	}
	/* The three loaders disagree on this file. */
	struct snpm_measure_config m = config(&t, SNPM_MODE_SNP, SNPM_IGVM_IGVMMEASURE, 1);
	assert_int_equal(measure(&m, other, NULL), 0);
	assert_memory_not_equal(other, want, 48);
	/* SNP only: the crate computes no SEV or SEV-ES digest. */
	struct snpm_measure_config es = config(&t, SNPM_MODE_SEV_ES, SNPM_IGVM_CRATE, 1);
	assert_int_equal(measure(&es, got, &err), SNPM_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "SEV-SNP launches only"));
	drop(&t);
}

/* A file without a guest policy for SNP: the crate's measurement refuses it. A shared page is
 * skipped by the crate, measured by igvmmeasure. */
static void test_igvm_crate_policy_and_shared(void **state)
{
	uint8_t *a = page("crate-A"), *b = page("crate-B"), got[48], want[48];
	struct iw *w = iw_new();
	struct snpm_error err;
	struct file t = { 0 };

	(void)state;
	iw_platform(w, SNP, 2);
	iw_page(w, 0x100000, SNP, 0, 0, a);
	iw_page(w, 0x101000, SNP, 4, 0, b); /* shared */
	t.bytes = iw_finish(w, &t.len);
	struct snpm_measure_config c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_CRATE, 1);
	assert_int_equal(measure(&c, got, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "GUEST_POLICY"));
	free(t.bytes);

	w = iw_new();
	iw_platform(w, SNP, 2);
	iw_policy(w, SNP, 0x30000);
	iw_page(w, 0x100000, SNP, 0, 0, a);
	iw_page(w, 0x101000, SNP, 4, 0, b); /* shared */
	t.bytes = iw_finish(w, &t.len);
	c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_CRATE, 1);
	memset(want, 0, 48);
	step(want, NORMAL, 0x100000, a);
	assert_int_equal(measure(&c, got, NULL), 0);
	assert_memory_equal(got, want, 48);
	c.igvm_semantics = SNPM_IGVM_IGVMMEASURE;
	step(want, NORMAL, 0x101000, b);
	assert_int_equal(measure(&c, got, NULL), 0);
	assert_memory_equal(got, want, 48);
	free(t.bytes), free(a), free(b);
}

/* Finishes w's file and requires the loader to refuse it with code, naming needle. */
static void expect_loader_refusal(struct iw *w, enum snpm_igvm_semantics sem, int code,
				  const char *needle)
{
	struct file t = { 0 };
	struct snpm_error err;
	uint8_t got[48];

	t.bytes = iw_finish(w, &t.len);
	struct snpm_measure_config c = config(&t, SNPM_MODE_SNP, sem, 1);
	int r = measure(&c, got, &err);
	if (r != code || !strstr(err.message, needle))
		fail_msg("want %d \"%s\", got %d \"%s\"", code, needle, r, err.message);
	free(t.bytes);
}

/* ---- cloud-hypervisor on KVM ---- */

/* What KVM measures for a context cloud-hypervisor set up: the registers it passes, with KVM's
 * adjustments, TR from TR, and KVM's own XCR0, DR6/7, PAT and FPU words. */
static void ch_view(const uint8_t *in, uint64_t features, uint8_t *out)
{
	kvm_view(in, out);
	put64(out + 0x098, get64(in + 0x098)); /* TR base: no QEMU quirk */
	out[0x0cb] = (uint8_t)((in[0x022] >> 5) & 3); /* CPL from SS.DPL */
	put64(out + 0x3e8, 1); /* XCR0 */
	put64(out + 0x168, 0xffff0ff0); /* DR6 */
	put64(out + 0x160, 0x400); /* DR7 */
	put64(out + 0x268, 0x0007040600070406ull); /* PAT */
	out[0x408] = 0x80, out[0x409] = 0x1f, out[0x40a] = 0, out[0x40b] = 0; /* MXCSR */
	out[0x410] = 0x7f, out[0x411] = 0x03; /* FCW */
	put64(out + 0x3b0, features);
}

/*
 * A vCPU whose registers no VMM set: KVM's reset state (svm.c init_vmcb, x86.c kvm_vcpu_reset):
 * CS f000:fff0 base 0xffff0000 attributes 0x9a, data segments 0x92, LDTR 0x82, TR 0x83 (a busy
 * 16-bit TSS), GDTR and IDTR limit 0xffff, CR0 ET (CD and NW cleared), CR4.MCE, EFER.SVME,
 * DR6/DR7 at reset, RFLAGS 2, the PAT at reset, rdx 0x600 (no CPUID yet when KVM resets a new
 * vCPU), XCR0 1 and the FPU words of a new vCPU's state (none with legacy).
 */
static void kvm_reset(uint64_t features, bool legacy, uint8_t *v)
{
	static const uint16_t data[] = { 0x00, 0x20, 0x30, 0x40, 0x50 };

	memset(v, 0, 4096);
	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		v[data[i] + 2] = 0x92, v[data[i] + 4] = 0xff, v[data[i] + 5] = 0xff;
	v[0x011] = 0xf0, v[0x012] = 0x9a, v[0x014] = 0xff, v[0x015] = 0xff;
	put64(v + 0x018, 0xffff0000);
	v[0x064] = 0xff, v[0x065] = 0xff; /* GDTR */
	v[0x072] = 0x82, v[0x074] = 0xff, v[0x075] = 0xff; /* LDTR */
	v[0x084] = 0xff, v[0x085] = 0xff; /* IDTR */
	v[0x092] = 0x83, v[0x094] = 0xff, v[0x095] = 0xff; /* TR */
	put64(v + 0x0d0, 0x1000);
	put64(v + 0x148, 0x40);
	put64(v + 0x158, 0x10);
	put64(v + 0x160, 0x400);
	put64(v + 0x168, 0xffff0ff0);
	put64(v + 0x170, 2);
	put64(v + 0x178, 0xfff0);
	put64(v + 0x268, 0x0007040600070406ull);
	put64(v + 0x310, 0x600);
	put64(v + 0x3b0, features);
	put64(v + 0x3e8, 1);
	if (!legacy)
		v[0x408] = 0x80, v[0x409] = 0x1f, v[0x410] = 0x7f, v[0x411] = 0x03;
}

/* The pages of test_cloud_hypervisor's file, in the order cloud-hypervisor imports them. */
static void ch_file_pages(uint8_t want[48], const uint8_t *a)
{
	memset(want, 0, 48);
	step(want, NORMAL, 0x100000, a);
	step(want, ZERO, 0x101000, NULL);
	step(want, UNMEASURED, 0x102000, NULL);
	step(want, UNMEASURED, 0x200000, NULL); /* the inserted area, in directive order */
	step(want, UNMEASURED, 0x201000, NULL);
	step(want, SECRETS, 0x103000, NULL);
	step(want, CPUID, 0x104000, NULL);
	step(want, ZERO, 0x400000, NULL);
}

/* A cloud-hypervisor launch of t with a kernel beside it: the digests the tests give. */
static struct snpm_measure_config ch_kernel_config(const struct file *t, uint32_t vcpus)
{
	struct snpm_measure_config c = config(t, SNPM_MODE_SNP, SNPM_IGVM_CLOUD_HYPERVISOR, vcpus);

	c.has_kernel = true;
	memset(c.kernel_sha256, 0x4b, 32), memset(c.initrd_sha256, 0x49, 32);
	memset(c.cmdline_sha256, 0x43, 32);
	return c;
}

static void test_cloud_hypervisor(void **state)
{
	uint8_t *a = page("ch-A"), v0[4096], v1[4096], view[4096], want[48], got[48];
	struct snpm_error err;
	struct file t = { 0 };
	struct iw *w = iw_new();

	(void)state;
	vp_vmsa(v0, 0x21);
	vp_vmsa(v1, 0x1);
	put64(v0 + 0x3e8, 0x7); /* XCR0 x87|SSE|AVX: cloud-hypervisor does not pass it */
	put64(v1 + 0x178, 0x802000); /* the AP's RIP */
	iw_platform(w, SNP, 2);
	iw_platform(w, ES, 5);
	iw_policy(w, SNP, 0x30000);
	iw_page(w, 0x100000, SNP, 0, 0, a);
	iw_page(w, 0x101000, SNP, 0, 0, NULL); /* ZERO under KVM */
	iw_page(w, 0x102000, SNP, 2, 0, NULL); /* unmeasured */
	iw_area(w, 3, 0x2000);
	iw_insert(w, 0x200000, SNP, 3);
	iw_page(w, 0x103000, SNP, 0, 1, NULL); /* secrets */
	iw_page(w, 0x104000, SNP, 0, 2, NULL); /* CPUID */
	iw_page(w, 0x400000, SNP, 1, 0, NULL); /* 2 MiB, no data: one page */
	iw_vp(w, KVM_VMSA, SNP, 0, v0);
	iw_vp(w, KVM_VMSA, SNP, 1, v1);
	t.bytes = iw_finish(w, &t.len);

	ch_file_pages(want, a);
	ch_view(v0, 0x21, view);
	step(want, VMSA, KVM_VMSA, view);
	ch_view(v1, 0x21, view); /* the VM's features: the boot context's */
	step(want, VMSA, KVM_VMSA, view);
	struct snpm_measure_config c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_CLOUD_HYPERVISOR, 2);
	assert_int_equal(measure(&c, got, &err), 0);
	assert_memory_equal(got, want, 48);
	/* It differs from QEMU's loader on this file (XCR0, the zero pages, TR). */
	c.igvm_semantics = SNPM_IGVM_QEMU;
	assert_int_equal(measure(&c, got, NULL), 0);
	assert_memory_not_equal(got, want, 48);

	/* Measured boot (--kernel through fw_cfg): QEMU's hashes table at 0x10c00, added after the
	 * file's pages when none of them holds it. */
	uint8_t table[176], hashpage[4096] = { 0 };
	c = ch_kernel_config(&t, 2);
	snpm_hashes_table_build(c.cmdline_sha256, c.initrd_sha256, c.kernel_sha256, table);
	memcpy(hashpage + 0xc00, table, sizeof(table));
	ch_file_pages(want, a);
	step(want, NORMAL, 0x10000, hashpage);
	ch_view(v0, 0x21, view);
	step(want, VMSA, KVM_VMSA, view);
	ch_view(v1, 0x21, view);
	step(want, VMSA, KVM_VMSA, view);
	assert_int_equal(measure(&c, got, &err), 0);
	assert_memory_equal(got, want, 48);
	/* Another loader takes no kernel beside the file. */
	c.igvm_semantics = SNPM_IGVM_QEMU;
	assert_int_equal(measure(&c, got, &err), SNPM_EINVAL);
	free(t.bytes);
	/* A page of the file at 0x10000 holds the block: its data, the table written in, NORMAL
	 * whatever it was; an area inserted over the block is refused. */
	w = iw_new();
	iw_platform(w, SNP, 2);
	iw_page(w, 0x10000, SNP, 2, 0, a); /* unmeasured, with data */
	iw_vp(w, KVM_VMSA, SNP, 0, v0);
	t.bytes = iw_finish(w, &t.len);
	c = ch_kernel_config(&t, 1);
	memcpy(hashpage, a, 4096);
	memset(hashpage + 0xc00, 0, 0x400);
	memcpy(hashpage + 0xc00, table, sizeof(table));
	memset(want, 0, 48);
	step(want, NORMAL, 0x10000, hashpage);
	ch_view(v0, 0x21, view);
	step(want, VMSA, KVM_VMSA, view);
	assert_int_equal(measure(&c, got, &err), 0);
	assert_memory_equal(got, want, 48);
	free(t.bytes);
	w = iw_new();
	iw_platform(w, SNP, 2);
	iw_area(w, 2, 0x2000);
	iw_insert(w, 0x10000, SNP, 2);
	iw_vp(w, KVM_VMSA, SNP, 0, v0);
	t.bytes = iw_finish(w, &t.len);
	c = ch_kernel_config(&t, 1);
	assert_int_equal(measure(&c, got, &err), SNPM_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "measured-boot hashes"));
	free(t.bytes);
	t.bytes = NULL;
	/* rebuild the first file for the refusals below */
	w = iw_new();
	iw_platform(w, SNP, 2);
	iw_policy(w, SNP, 0x30000);
	iw_page(w, 0x100000, SNP, 0, 0, a);
	iw_vp(w, KVM_VMSA, SNP, 0, v0);
	iw_vp(w, KVM_VMSA, SNP, 1, v1);
	t.bytes = iw_finish(w, &t.len);

	/* A third and fourth vCPU have no context: cloud-hypervisor sets no registers for them,
	 * so they keep KVM's reset state. With --vmsa-fpu legacy-kvm no VMSA holds FPU words. */
	for (int legacy = 0; legacy <= 1; legacy++) {
		memset(want, 0, 48);
		step(want, NORMAL, 0x100000, a);
		ch_view(v0, 0x21, view);
		if (legacy)
			memset(view + 0x408, 0, 4), memset(view + 0x410, 0, 2);
		step(want, VMSA, KVM_VMSA, view);
		ch_view(v1, 0x21, view);
		if (legacy)
			memset(view + 0x408, 0, 4), memset(view + 0x410, 0, 2);
		step(want, VMSA, KVM_VMSA, view);
		kvm_reset(0x21, legacy, view);
		step(want, VMSA, KVM_VMSA, view);
		step(want, VMSA, KVM_VMSA, view);
		c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_CLOUD_HYPERVISOR, 4);
		c.vmsa_fpu = legacy ? SNPM_VMSA_FPU_LEGACY_KVM : SNPM_VMSA_FPU_DEFAULT;
		c.vcpu_sig = 0; /* KVM's reset rdx is not the CPU's signature */
		if (measure(&c, got, &err) != 0)
			fail_msg("%s", err.message);
		assert_memory_equal(got, want, 48);
	}
	/* SEV-SNP only. */
	c = config(&t, SNPM_MODE_SEV_ES, SNPM_IGVM_CLOUD_HYPERVISOR, 1);
	assert_int_equal(measure(&c, got, &err), SNPM_EUNSUPPORTED);
	free(t.bytes);

	/* Every directive is loaded whatever its mask: one for SEV-ES is refused. */
	w = iw_new();
	iw_platform(w, SNP, 2);
	iw_platform(w, ES, 5);
	iw_page(w, 0x100000, ES, 0, 0, a);
	iw_vp(w, KVM_VMSA, SNP, 0, v0);
	expect_loader_refusal(w, SNPM_IGVM_CLOUD_HYPERVISOR, SNPM_EUNSUPPORTED,
			      "whatever its compatibility mask");
	/* A directive it has no handler for (SRAT), and a first platform that is not SNP. */
	w = iw_new();
	iw_platform(w, SNP, 2);
	iw_area(w, 1, 0x1000);
	iw_param(w, 0x308, 1, 0); /* SRAT */
	iw_vp(w, KVM_VMSA, SNP, 0, v0);
	expect_loader_refusal(w, SNPM_IGVM_CLOUD_HYPERVISOR, SNPM_EUNSUPPORTED, "no handler");
	w = iw_new();
	iw_platform(w, ES, 5);
	iw_platform(w, SNP, 2);
	iw_vp(w, KVM_VMSA, SNP, 0, v0);
	expect_loader_refusal(w, SNPM_IGVM_CLOUD_HYPERVISOR, SNPM_EUNSUPPORTED, "first platform");
	free(a);
}

/* ---- cloud-hypervisor on MSHV ---- */

/* The MSHV test file, its ID block vouching for ld (NULL: none); vp1 adds a context for vCPU 1. */
static struct file mshv_file(const uint8_t *vmsa, const uint8_t *ld, bool vp1)
{
	struct file t = { .a = page("mshv-A"), .b = page("mshv-B") };
	struct iw *w = iw_new();

	iw_platform(w, SNP, 2);
	iw_policy(w, SNP, 0x30000);
	if (ld)
		iw_id_block(w, SNP, ld, 1);
	iw_page(w, 0x300000, SNP, 0, 0, t.a);
	iw_page(w, 0x100000, SNP, 0, 0, NULL); /* NORMAL over zeros: no ZERO type here */
	iw_page(w, 0x102000, SNP, 2, 0, NULL); /* unmeasured */
	iw_area(w, 3, 0x2000);
	iw_insert(w, 0x200000, SNP, 3); /* one UNMEASURED page */
	iw_page(w, 0x104000, SNP, 4, 0, t.b); /* shared: cloud-hypervisor measures it */
	iw_page(w, 0x103000, SNP, 0, 1, NULL); /* secrets */
	iw_page(w, 0x101000, SNP, 0, 2, NULL); /* CPUID */
	iw_vp(w, 0x50000, SNP, 0, vmsa); /* imported as a VMSA page, as stored */
	if (vp1)
		iw_vp(w, 0x51000, SNP, 1, vmsa);
	t.bytes = iw_finish(w, &t.len);
	return t;
}

/* The imports of mshv_file(), sorted by GPA as cloud-hypervisor sorts them for MSHV. */
static void expect_mshv(const struct file *t, const uint8_t *vmsa, uint8_t want[48])
{
	memset(want, 0, 48);
	step(want, VMSA, 0x50000, vmsa);
	step(want, NORMAL, 0x100000, zero_page);
	step(want, CPUID, 0x101000, NULL);
	step(want, UNMEASURED, 0x102000, NULL);
	step(want, SECRETS, 0x103000, NULL);
	step(want, NORMAL, 0x104000, t->b);
	step(want, UNMEASURED, 0x200000, NULL);
	step(want, NORMAL, 0x300000, t->a);
}

static void test_cloud_hypervisor_mshv(void **state)
{
	uint8_t v[4096], got[48], want[48], other[48];
	struct snpm_error err;

	(void)state;
	vp_vmsa(v, 0x21);
	struct file probe = mshv_file(v, NULL, false);
	expect_mshv(&probe, v, want);
	struct file t = mshv_file(v, want, false);
	drop(&probe);
	/* The vCPUs are started by the guest: their count does not matter. */
	for (uint32_t vcpus = 1; vcpus <= 4; vcpus *= 4) {
		struct snpm_measure_config c =
			config(&t, SNPM_MODE_SNP, SNPM_IGVM_CLOUD_HYPERVISOR_MSHV, vcpus);
		c.vcpu_sig = 0;
		if (measure(&c, got, &err) != 0)
			fail_msg("%s", err.message);
		assert_memory_equal(got, want, 48);
	}
	/* Under KVM the same file measures otherwise (ZERO pages, the whole area, file order). */
	struct snpm_measure_config c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_CLOUD_HYPERVISOR, 1);
	c.igvm_ignore_id_block = true;
	assert_int_equal(measure(&c, other, NULL), 0);
	assert_memory_not_equal(other, want, 48);
	/* No kernel beside it: the measured boot is cloud-hypervisor's on KVM only. */
	c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_CLOUD_HYPERVISOR_MSHV, 1);
	c.has_kernel = true;
	assert_int_equal(measure(&c, got, &err), SNPM_EINVAL);
	drop(&t);

	/* The ID block is always enabled: a file without one is refused unless told to measure;
	 * one vouching for another digest is refused. */
	t = mshv_file(v, NULL, false);
	c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_CLOUD_HYPERVISOR_MSHV, 1);
	assert_int_equal(measure(&c, got, &err), SNPM_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "always enables the ID block"));
	c.igvm_ignore_id_block = true;
	assert_int_equal(measure(&c, got, NULL), 0);
	assert_memory_equal(got, want, 48);
	drop(&t);
	t = mshv_file(v, zero_page, false);
	c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_CLOUD_HYPERVISOR_MSHV, 1);
	assert_int_equal(measure(&c, got, &err), SNPM_EVERIFY);
	drop(&t);
	/* Only vCPU 0's VMSA data is written: another context is refused. */
	t = mshv_file(v, want, true);
	c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_CLOUD_HYPERVISOR_MSHV, 2);
	assert_int_equal(measure(&c, got, &err), SNPM_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "vCPU 0's VMSA only"));
	drop(&t);
}

/* ---- OpenVMM on KVM ---- */

/* A boot VMSA OpenVMM takes: vp_vmsa() in 64-bit mode (EFER.NXE, CS.L), with attribute bits
 * 12-15 set in ES, which a kvm_segment cannot carry. */
static void openvmm_vmsa(uint8_t *v, uint64_t features)
{
	vp_vmsa(v, features);
	put64(v + 0x0d0, 0xd00); /* EFER: LME|LMA|NXE */
	v[0x002] = 0x93, v[0x003] = 0x10; /* ES attributes 0x1093 */
	v[0x013] = 0x0a; /* CS attributes 0xa9b: G, L, present code */
}

/* What KVM measures for it: KVM's adjustments as under QEMU, TR from TR, attributes cut to 12
 * bits, and the file's SEV_FEATURES with SNPActive. */
static void openvmm_view(const uint8_t *in, uint8_t *out)
{
	kvm_view(in, out);
	put64(out + 0x098, get64(in + 0x098));
	out[0x0cb] = (uint8_t)((in[0x022] >> 5) & 3);
	put64(out + 0x3b0, get64(in + 0x3b0) | 1);
}

/* The OpenVMM test file: every way OpenVMM's imports differ from the igvm crate's. */
static struct file openvmm_file(const uint8_t *vmsa, bool second_vp)
{
	struct file t = { .a = page("ovmm-A"), .b = page("ovmm-B"), .c = page("ovmm-C") };
	struct iw *w = iw_new();

	iw_platform(w, SNP, 2);
	iw_policy(w, SNP, 0x30000);
	iw_page(w, 0x100000, SNP, 0, 0, t.a);
	iw_page(w, 0x101000, SNP, 0, 0, NULL); /* NORMAL over zeros */
	iw_page(w, 0x102000, SNP, 2, 0, NULL); /* unmeasured */
	iw_page(w, 0x103000, SNP, 4, 0, t.b); /* shared: not measured */
	iw_page(w, 0x104000, SNP, 6, 0, NULL); /* shared and unmeasured: UNMEASURED */
	iw_page(w, 0x105000, SNP, 4, 1, NULL); /* shared secrets: SECRETS */
	iw_area(w, 3, 0x2000);
	iw_insert(w, 0x200000, SNP, 3);
	iw_vp(w, KVM_VMSA, SNP, 0, vmsa); /* skipped where it stands */
	if (second_vp)
		iw_vp(w, KVM_VMSA, SNP, 1, vmsa);
	iw_page(w, 0x106000, SNP, 0, 2, NULL); /* CPUID */
	iw_page(w, 0x400000, SNP, 1, 0, NULL); /* 2 MiB, no data: one page */
	iw_page(w, 0x107000, SNP, 0, 0, t.c);
	t.bytes = iw_finish(w, &t.len);
	return t;
}

static void expect_openvmm(const struct file *t, const uint8_t *vmsa, uint32_t vcpus,
			   uint8_t want[48])
{
	uint8_t view[4096];

	memset(want, 0, 48);
	step(want, NORMAL, 0x100000, t->a);
	step(want, NORMAL, 0x101000, zero_page);
	step(want, UNMEASURED, 0x102000, NULL);
	step(want, UNMEASURED, 0x104000, NULL);
	step(want, SECRETS, 0x105000, NULL);
	step(want, UNMEASURED, 0x200000, NULL);
	step(want, UNMEASURED, 0x201000, NULL);
	step(want, CPUID, 0x106000, NULL);
	step(want, NORMAL, 0x400000, zero_page);
	step(want, NORMAL, 0x107000, t->c);
	openvmm_view(vmsa, view);
	step(want, VMSA, KVM_VMSA, view);
	reset_vmsa(get64(vmsa + 0x3b0) | 1, view); /* OpenVMM's at_reset: QEMU's registers */
	for (uint32_t i = 1; i < vcpus; i++)
		step(want, VMSA, KVM_VMSA, view);
}

/* The OpenVMM refusal of a boot VMSA with one change. */
static void expect_openvmm_vmsa_refusal(size_t off, uint64_t value, const char *needle)
{
	uint8_t v[4096], got[48];
	struct snpm_error err;

	openvmm_vmsa(v, 0x1);
	put64(v + off, value);
	struct file t = openvmm_file(v, false);
	struct snpm_measure_config c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_OPENVMM_KVM, 1);
	if (measure(&c, got, &err) >= 0 || !strstr(err.message, needle))
		fail_msg("VMSA byte 0x%zx = 0x%llx: want \"%s\", got \"%s\"", off,
			 (unsigned long long)value, needle, err.message);
	drop(&t);
}

static void test_openvmm_kvm(void **state)
{
	uint8_t v[4096], got[48], want[48], crate[48];
	struct snpm_error err;

	(void)state;
	openvmm_vmsa(v, 0x21);
	struct file t = openvmm_file(v, false);
	for (uint32_t vcpus = 1; vcpus <= 4; vcpus *= 4) {
		struct snpm_measure_config c =
			config(&t, SNPM_MODE_SNP, SNPM_IGVM_OPENVMM_KVM, vcpus);
		expect_openvmm(&t, v, vcpus, want);
		if (measure(&c, got, &err) != 0)
			fail_msg("%s", err.message);
		assert_memory_equal(got, want, 48);
	}
	/* The command line: --vcpu-type for the vCPUs past the boot one, and --dump-vmsa writes
	 * the VMSAs KVM builds. */
	char *dir = tu_mkdtemp(), path[512], hex[97], vpath[600];
	snprintf(path, sizeof(path), "%s/o.igvm", dir);
	tu_write_file(path, t.bytes, t.len);
	expect_openvmm(&t, v, 2, want);
	tu_hex(want, 48, hex);
	tu_expect_digest(tu_cli_in(dir, "-q", "--mode", "snp", "--igvm", path, "--igvm-loader",
				   "openvmm-kvm", "--vcpus", "2", "--vcpu-type", "EPYC-v4",
				   "--dump-vmsa", NULL),
			 hex);
	uint8_t view[4096], *dumped;
	size_t dumped_len;
	openvmm_view(v, view);
	snprintf(vpath, sizeof(vpath), "%s/vmsa0.bin", dir);
	dumped = tu_read_file(vpath, &dumped_len);
	assert_int_equal(dumped_len, 4096);
	assert_memory_equal(dumped, view, 4096);
	free(dumped);
	tu_expect_refusal(tu_cli_in(dir, "-q", "--mode", "snp", "--igvm", path, "--igvm-loader",
				    "openvmm-kvm", "--vcpus", "2", NULL),
			  2, "no VP context for vCPU 1");
	/* A loader that measures the file's own VMSAs has none to dump: no digest, no file. */
	unlink(vpath);
	tu_expect_refusal(tu_cli_in(dir, "-q", "--mode", "snp", "--igvm", path, "--igvm-loader",
				    "igvm-crate", "--vcpus", "1", "--dump-vmsa", NULL),
			  1, "igvm-crate loader measures the VMSAs stored in the IGVM file");
	assert_int_equal(access(vpath, F_OK), -1);
	tu_rmtree(dir);
	free(dir);
	expect_openvmm(&t, v, 4, want);

	/* The igvm crate, whose digest OpenVMM's igvmfilegen states, disagrees on this file: it
	 * skips every shared page, measures the VMSA as stored where it stands. */
	struct snpm_measure_config c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_CRATE, 1);
	assert_int_equal(measure(&c, crate, NULL), 0);
	assert_memory_not_equal(crate, want, 48);
	/* SNPActive is added: a VMSA without it gives the same digest. */
	drop(&t);
	openvmm_vmsa(v, 0x20);
	t = openvmm_file(v, false);
	c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_OPENVMM_KVM, 4);
	assert_int_equal(measure(&c, got, NULL), 0);
	assert_memory_equal(got, want, 48);
	c.mode = SNPM_MODE_SEV_ES;
	assert_int_equal(measure(&c, got, &err), SNPM_EUNSUPPORTED);
	drop(&t);

	/* Exactly one VP context, the boot vCPU's. */
	openvmm_vmsa(v, 0x1);
	t = openvmm_file(v, true);
	c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_OPENVMM_KVM, 2);
	assert_int_equal(measure(&c, got, &err), SNPM_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "boot vCPU's VP context only"));
	drop(&t);

	/* Boot VMSAs OpenVMM or KVM refuses, or whose path into the page is not modelled. */
	expect_openvmm_vmsa_refusal(0x0d0, 0x500, "64-bit mode only"); /* no NXE */
	expect_openvmm_vmsa_refusal(0x178, 0, "RIP 0");
	expect_openvmm_vmsa_refusal(0x240, 0x1000, "CR2");
	expect_openvmm_vmsa_refusal(0x2e0, 1, "SPEC_CTRL");
	expect_openvmm_vmsa_refusal(0x208, 0xffffffff81000000ull, "LSTAR");
	expect_openvmm_vmsa_refusal(0x40c, 0xff, "OpenVMM refuses it"); /* x87 tag word */
	expect_openvmm_vmsa_refusal(0x3c8, 0x1000, "OpenVMM refuses it"); /* virtual TOM */
	expect_openvmm_vmsa_refusal(0x3b0, 0x3, "vTOM");
	expect_openvmm_vmsa_refusal(0x3e8, 0x2, "XCR0");
	expect_openvmm_vmsa_refusal(0x064, 0x10000, "16 bits");

	/* A file OpenVMM refuses: no guest policy, a CPUID_XF page, no boot context. */
	struct iw *w = iw_new();
	iw_platform(w, SNP, 2);
	iw_vp(w, KVM_VMSA, SNP, 0, v);
	expect_loader_refusal(w, SNPM_IGVM_OPENVMM_KVM, SNPM_EMALFORMED, "GUEST_POLICY");
	w = iw_new();
	iw_platform(w, SNP, 2);
	iw_policy(w, SNP, 0x30000);
	iw_page(w, 0x100000, SNP, 0, 3, NULL);
	iw_vp(w, KVM_VMSA, SNP, 0, v);
	expect_loader_refusal(w, SNPM_IGVM_OPENVMM_KVM, SNPM_EUNSUPPORTED, "CPUID_XF");
	w = iw_new();
	iw_platform(w, SNP, 2);
	iw_policy(w, SNP, 0x30000);
	iw_page(w, 0x100000, SNP, 0, 0, v);
	expect_loader_refusal(w, SNPM_IGVM_OPENVMM_KVM, SNPM_EMALFORMED,
			      "no VP context for the boot vCPU");

	/* KVM is given no ID block: one that vouches for another digest does not stop the launch. */
	uint8_t wrong[48] = { 0 };
	w = iw_new();
	iw_platform(w, SNP, 2);
	iw_policy(w, SNP, 0x30000);
	iw_id_block(w, SNP, wrong, 1);
	iw_page(w, 0x100000, SNP, 0, 0, v);
	iw_vp(w, KVM_VMSA, SNP, 0, v);
	t.bytes = iw_finish(w, &t.len);
	c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_OPENVMM_KVM, 1);
	memset(want, 0, 48);
	step(want, NORMAL, 0x100000, v);
	openvmm_view(v, view);
	step(want, VMSA, KVM_VMSA, view);
	assert_int_equal(measure(&c, got, &err), 0);
	assert_memory_equal(got, want, 48);
	c.igvm_semantics = SNPM_IGVM_CLOUD_HYPERVISOR;
	assert_int_equal(measure(&c, got, &err), SNPM_EVERIFY);
	free(t.bytes);
}

/*
 * A file on which every loader agrees: 4 KiB pages in GPA order, none without data and none
 * inserted, an ID block, one vCPU whose context comes last at KVM's VMSA address, already in the
 * form KVM measures it in: 64-bit mode (OpenVMM), TR's base the LDTR's (QEMU's quirk),
 * attributes of twelve bits, and the XCR0, debug registers, PAT and FPU words KVM gives a new
 * vCPU (cloud-hypervisor passes none).
 */
static void test_all_loaders_agree(void **state)
{
	uint8_t *a = page("agree-A"), raw[4096], vmsa[4096], got[48], want[48];
	struct iw *w = iw_new();
	struct file t = { 0 };
	size_t n = 0;

	(void)state;
	openvmm_vmsa(raw, 0x1);
	raw[0x003] = 0; /* ES attributes 0x93 */
	put64(raw + 0x098, get64(raw + 0x078)); /* TR base = LDTR base */
	kvm_view(raw, vmsa);
	memset(want, 0, 48);
	step(want, NORMAL, 0x100000, a);
	step(want, UNMEASURED, 0x101000, NULL);
	step(want, VMSA, KVM_VMSA, vmsa);
	iw_platform(w, SNP, 2);
	iw_policy(w, SNP, 0x30000);
	iw_id_block(w, SNP, want, 1); /* which MSHV requires, and every other loader checks */
	iw_page(w, 0x100000, SNP, 0, 0, a);
	iw_page(w, 0x101000, SNP, 2, 0, NULL);
	iw_vp(w, KVM_VMSA, SNP, 0, vmsa);
	t.bytes = iw_finish(w, &t.len);
	for (const struct snpm_name *l = snpm_igvm_semantics_names(); l->name; l++, n++) {
		struct snpm_measure_config c =
			config(&t, SNPM_MODE_SNP, (enum snpm_igvm_semantics)l->value, 1);
		struct snpm_error err;
		if (measure(&c, got, &err) != 0)
			fail_msg("%s: %s", l->name, err.message);
		if (memcmp(got, want, 48) != 0)
			fail_msg("%s gives another digest", l->name);
	}
	assert_int_equal(n, 6);
	free(t.bytes), free(a);
}

/*
 * Attribute bits 12-15 of a segment (reserved) never reach KVM: QEMU's segment cache, OpenVMM's
 * and cloud-hypervisor's kvm_segment all carry twelve bits, and KVM packs those back. Every
 * loader under which KVM builds the VMSA measures them cleared.
 */
static void test_segment_attributes(void **state)
{
	uint8_t *a = page("attr-A"), v[4096], view[4096], got[48], want[48];
	struct iw *w = iw_new();
	struct file t = { 0 };

	(void)state;
	openvmm_vmsa(v, 0x1); /* ES attributes 0x1093 */
	iw_platform(w, SNP, 2);
	iw_policy(w, SNP, 0x30000);
	iw_page(w, 0x100000, SNP, 0, 0, a);
	iw_vp(w, KVM_VMSA, SNP, 0, v);
	t.bytes = iw_finish(w, &t.len);
	for (int k = 0; k < 3; k++) {
		static const enum snpm_igvm_semantics sem[] = { SNPM_IGVM_QEMU,
								SNPM_IGVM_CLOUD_HYPERVISOR,
								SNPM_IGVM_OPENVMM_KVM };
		if (k == 0)
			kvm_view(v, view);
		else if (k == 1)
			ch_view(v, 0x1, view);
		else
			openvmm_view(v, view);
		assert_int_equal(view[0x003], 0x00);
		memset(want, 0, 48);
		step(want, NORMAL, 0x100000, a);
		step(want, VMSA, KVM_VMSA, view);
		struct snpm_measure_config c = config(&t, SNPM_MODE_SNP, sem[k], 1);
		assert_int_equal(measure(&c, got, NULL), 0);
		assert_memory_equal(got, want, 48);
	}
	free(t.bytes), free(a);
}

/* ---- public known answers (vectors/igvm-kat.json) ---- */

static const char *kat_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("igvm-kat.json: a case has no %s", key);
	return json_object_get_string(v);
}

static int64_t kat_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		fail_msg("igvm-kat.json: an import has no integer %s", key);
	return json_object_get_int64(v);
}

/* PAGE_DATA flags of an igvmfilegen BootPageAcceptance. */
static uint32_t kat_flags(const char *acceptance)
{
	if (strcmp(acceptance, "exclusive") == 0)
		return 0;
	if (strcmp(acceptance, "exclusive-unmeasured") == 0)
		return 2;
	if (strcmp(acceptance, "shared") == 0)
		return 4;
	fail_msg("igvm-kat.json: unknown acceptance %s", acceptance);
	return 0;
}

/* One import as igvmfilegen's import_pages writes it: a PAGE_DATA per page, the data split. */
static void kat_import(struct iw *w, struct json_object *imp)
{
	uint8_t data[4 * 4096], page_buf[4096];
	int n = tu_unhex(kat_str(imp, "data"), data, sizeof(data));
	int64_t base = kat_int(imp, "page_base"), count = kat_int(imp, "page_count");
	uint32_t flags = kat_flags(kat_str(imp, "acceptance"));

	assert_true(n >= 0 && count > 0 && (int64_t)n <= count * 4096);
	for (int64_t p = 0; p < count; p++) {
		int64_t at = p * 4096, take = n - at > 4096 ? 4096 : n - at;
		memset(page_buf, 0, sizeof(page_buf));
		if (take > 0)
			memcpy(page_buf, data + at, (size_t)take);
		iw_page(w, (uint64_t)(base + p) * 4096, SNP, flags, 0, take > 0 ? page_buf : NULL);
	}
}

static void test_public_kat(void **state)
{
	char *path = tu_source_path("vectors/igvm-kat.json"), *dir = tu_mkdtemp(), file[600];
	struct json_object *o = json_object_from_file(path), *cases, *imports;
	size_t n;

	(void)state;
	if (!o || !json_object_object_get_ex(o, "cases", &cases) ||
	    (n = json_object_array_length(cases)) == 0)
		fail_msg("%s: no cases", path);
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(cases, i);
		struct iw *w = iw_new();
		struct file t = { 0 };
		uint64_t sem;
		uint8_t got[48];
		char hex[97];

		iw_platform(w, SNP, 2);
		iw_policy(w, SNP, strtoull(kat_str(c, "policy"), NULL, 16));
		assert_true(json_object_object_get_ex(c, "imports", &imports));
		for (size_t k = 0; k < json_object_array_length(imports); k++)
			kat_import(w, json_object_array_get_idx(imports, k));
		t.bytes = iw_finish(w, &t.len);
		assert_int_equal(snpm_name_parse(snpm_igvm_semantics_names(), kat_str(c, "loader"),
						 &sem),
				 0);
		struct snpm_measure_config cfg =
			config(&t, SNPM_MODE_SNP, (enum snpm_igvm_semantics)sem, 1);
		assert_int_equal(measure(&cfg, got, NULL), 0);
		tu_hex(got, 48, hex);
		if (strcmp(hex, kat_str(c, "measurement")) != 0)
			fail_msg("%s: %s, want %s", kat_str(c, "name"), hex,
				 kat_str(c, "measurement"));
		snprintf(file, sizeof(file), "%s/kat%zu.igvm", dir, i);
		tu_write_file(file, t.bytes, t.len);
		tu_expect_digest(tu_cli_in(NULL, "-q", "--mode", "snp", "--vcpus", "1", "--igvm",
					   file, "--igvm-loader", kat_str(c, "loader"), NULL),
				 kat_str(c, "measurement"));
		free(t.bytes);
	}
	json_object_put(o);
	tu_rmtree(dir);
	free(dir), free(path);
}

/* ---- the CoRIM a file carries (microsoft/igvm's launch-measurement profile) ---- */

/* What a test CoRIM changes from the profile's shape. */
enum corim_variant {
	CORIM_GOOD,
	CORIM_OTHER_PROFILE,
	CORIM_MIN_SVN, /* #6.553: a minimum SVN, which the profile refuses */
	CORIM_TWO_DIGESTS,
	CORIM_OTHER_TAG_ID,
	CORIM_UPPER_TAG_ID, /* compared without case: accepted */
	CORIM_OTHER_VENDOR,
};

static cbor_item_t *pair_map(size_t n, const uint64_t *keys, cbor_item_t **values)
{
	cbor_item_t *m = cbor_new_definite_map(n);

	for (size_t i = 0; i < n; i++)
		assert_true(cbor_map_add(
			m, (struct cbor_pair){ .key = cbor_move(cbor_build_uint8((uint8_t)keys[i])),
					       .value = cbor_move(values[i]) }));
	return m;
}

static cbor_item_t *array_of_items(size_t n, cbor_item_t **items)
{
	cbor_item_t *a = cbor_new_definite_array(n);

	for (size_t i = 0; i < n; i++)
		assert_true(cbor_array_push(a, cbor_move(items[i])));
	return a;
}

static cbor_item_t *env(const char *vendor)
{
	cbor_item_t *class = pair_map(2, (uint64_t[]){ 1, 2 },
				      (cbor_item_t *[]){ cbor_build_string(vendor),
							 cbor_build_string("SEV-SNP") });
	return pair_map(1, (uint64_t[]){ 0 }, (cbor_item_t *[]){ class });
}

static cbor_item_t *measurement(const uint8_t digest[48], bool two)
{
	cbor_item_t *d1 = array_of_items(2, (cbor_item_t *[]){ cbor_build_uint8(7),
							       cbor_build_bytestring(digest, 48) });
	cbor_item_t *digests =
		two ? array_of_items(
			      2,
			      (cbor_item_t *[]){
				      d1, array_of_items(
						  2, (cbor_item_t *[]){ cbor_build_uint8(7),
									cbor_build_bytestring(
										digest, 48) }) }) :
		      array_of_items(1, (cbor_item_t *[]){ d1 });
	cbor_item_t *mval = pair_map(1, (uint64_t[]){ 2 }, (cbor_item_t *[]){ digests });
	return pair_map(2, (uint64_t[]){ 0, 1 },
			(cbor_item_t *[]){ cbor_build_string("MEASUREMENT"), mval });
}

/* The document: #6.501({0: id, 1: [#6.506(bstr comid)], 3: #6.32(profile)}). */
static uint8_t *corim_doc(const uint8_t digest[48], uint64_t svn, enum corim_variant v,
			  size_t *ret_len)
{
	const char *tag_id = v == CORIM_OTHER_TAG_ID ? "00000000-4634-5e53-a848-d1d09e996843" :
			     v == CORIM_UPPER_TAG_ID ? "77E8061E-4634-5E53-A848-D1D09E996843" :
						       "77e8061e-4634-5e53-a848-d1d09e996843";
	const char *vendor = v == CORIM_OTHER_VENDOR ? "Intel" : "AMD";
	cbor_item_t *ref = array_of_items(
		1,
		(cbor_item_t *[]){ array_of_items(
			2,
			(cbor_item_t *[]){
				env(vendor),
				array_of_items(1, (cbor_item_t *[]){ measurement(
							  digest, v == CORIM_TWO_DIGESTS) }) }) });
	cbor_item_t *svn_item =
		cbor_build_tag(v == CORIM_MIN_SVN ? 553 : 552, cbor_move(cbor_build_uint64(svn)));
	cbor_item_t *addition = pair_map(
		1, (uint64_t[]){ 1 },
		(cbor_item_t *[]){ pair_map(1, (uint64_t[]){ 1 }, (cbor_item_t *[]){ svn_item }) });
	cbor_item_t *series_record = array_of_items(
		2, (cbor_item_t *[]){
			   array_of_items(1, (cbor_item_t *[]){ measurement(digest, false) }),
			   array_of_items(1, (cbor_item_t *[]){ addition }) });
	cbor_item_t *ces = array_of_items(
		1,
		(cbor_item_t *[]){ array_of_items(
			2,
			(cbor_item_t *[]){
				array_of_items(2, (cbor_item_t *[]){ env(vendor),
								     cbor_new_definite_array(0) }),
				array_of_items(1, (cbor_item_t *[]){ series_record }) }) });
	cbor_item_t *triples = pair_map(2, (uint64_t[]){ 0, 8 }, (cbor_item_t *[]){ ref, ces });
	cbor_item_t *ident =
		pair_map(1, (uint64_t[]){ 0 }, (cbor_item_t *[]){ cbor_build_string(tag_id) });
	cbor_item_t *comid = pair_map(2, (uint64_t[]){ 1, 4 }, (cbor_item_t *[]){ ident, triples });
	unsigned char *comid_bytes = NULL, *out = NULL;
	size_t cap = 0, comid_len = cbor_serialize_alloc(comid, &comid_bytes, &cap);
	cbor_decref(&comid);
	cbor_item_t *tags = array_of_items(
		1, (cbor_item_t *[]){ cbor_build_tag(
			   506, cbor_move(cbor_build_bytestring(comid_bytes, comid_len))) });
	free(comid_bytes);
	cbor_item_t *profile = cbor_build_tag(
		32, cbor_move(cbor_build_string(
			    v == CORIM_OTHER_PROFILE ?
				    "tag:example.com,2026:other/v1" :
				    "tag:microsoft.com,2026:launch-measurement/v1")));
	cbor_item_t *map =
		pair_map(3, (uint64_t[]){ 0, 1, 3 },
			 (cbor_item_t *[]){ cbor_build_string("AMD/SEV-SNP/launch-measurement"),
					    tags, profile });
	cbor_item_t *root = cbor_build_tag(501, cbor_move(map));
	cap = 0;
	*ret_len = cbor_serialize_alloc(root, &out, &cap);
	cbor_decref(&root);
	assert_true(*ret_len > 0);
	return out;
}

/* A COSE_Sign1 with a detached payload over doc: ES384 with a P-384 key, ES256 with P-256. */
static uint8_t *cose_sign(EVP_PKEY *key, int bits, bool critical, const uint8_t *doc,
			  size_t doc_len, size_t *ret_len)
{
	cbor_item_t *prot_map = cbor_new_definite_map(critical ? 2 : 1);
	unsigned char *prot = NULL, *tbs = NULL, *out = NULL, *der = NULL;
	size_t cap = 0, prot_len, tbs_len, der_len = 0, half = bits == 256 ? 32 : 48;
	uint8_t rs[96] = { 0 };

	assert_true(cbor_map_add(
		prot_map, (struct cbor_pair){
				  .key = cbor_move(cbor_build_uint8(1)),
				  .value = cbor_move(cbor_build_negint8(bits == 256 ? 6 : 34)) }));
	if (critical)
		assert_true(cbor_map_add(
			prot_map,
			(struct cbor_pair){ .key = cbor_move(cbor_build_uint8(2)),
					    .value = cbor_move(cbor_new_definite_array(0)) }));
	prot_len = cbor_serialize_alloc(prot_map, &prot, &cap);
	cbor_decref(&prot_map);
	cbor_item_t *tbs_a =
		array_of_items(4, (cbor_item_t *[]){ cbor_build_string("Signature1"),
						     cbor_build_bytestring(prot, prot_len),
						     cbor_build_bytestring(NULL, 0),
						     cbor_build_bytestring(doc, doc_len) });
	cap = 0;
	tbs_len = cbor_serialize_alloc(tbs_a, &tbs, &cap);
	cbor_decref(&tbs_a);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, bits == 256 ? EVP_sha256() : EVP_sha384(),
					    NULL, key),
			 1);
	assert_int_equal(EVP_DigestSign(ctx, NULL, &der_len, tbs, tbs_len), 1);
	der = malloc(der_len);
	assert_int_equal(EVP_DigestSign(ctx, der, &der_len, tbs, tbs_len), 1);
	EVP_MD_CTX_free(ctx);
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	assert_non_null(sig);
	BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, (int)half);
	BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + half, (int)half);
	ECDSA_SIG_free(sig);
	cbor_item_t *cose = cbor_build_tag(
		18, cbor_move(array_of_items(
			    4, (cbor_item_t *[]){ cbor_build_bytestring(prot, prot_len),
						  cbor_new_definite_map(0), cbor_new_null(),
						  cbor_build_bytestring(rs, 2 * half) })));
	cap = 0;
	*ret_len = cbor_serialize_alloc(cose, &out, &cap);
	cbor_decref(&cose);
	free(prot), free(tbs), free(der);
	return out;
}

static EVP_PKEY *ec_key(const char *curve)
{
	EVP_PKEY *k = EVP_EC_gen(curve);

	assert_non_null(k);
	return k;
}

static void write_pub(EVP_PKEY *k, const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	fclose(f);
}

/* The test file (build()) with a CoRIM, and optionally its signature, among its headers. */
static uint8_t *file_with_corim(const uint8_t *doc, size_t doc_len, const uint8_t *sig,
				size_t sig_len, const uint8_t *vmsa, const uint8_t *a,
				size_t *ret_len)
{
	struct iw *w = iw_new();

	iw_platform(w, SNP, 2);
	iw_policy(w, SNP, 0x30000);
	if (doc)
		iw_corim(w, 0x104, SNP, doc, (uint32_t)doc_len);
	if (sig)
		iw_corim(w, 0x105, SNP, sig, (uint32_t)sig_len);
	iw_page(w, 0x100000, SNP, 0, 0, a);
	iw_vp(w, KVM_VMSA, SNP, 0, vmsa);
	return iw_finish(w, ret_len);
}

static void test_corim(void **state)
{
	uint8_t *a = page("corim-A"), raw[4096], vmsa[4096], digest[48], digest_out[48], *doc, *f,
		*sig;
	char *dir = tu_mkdtemp(), path[512], key384[512], key256[512], other[512], hex[97];
	size_t doc_len, len, sig_len;
	EVP_PKEY *k384 = ec_key("P-384"), *k256 = ec_key("P-256"), *k_other = ec_key("P-384");
	struct tu_run r;

	(void)state;
	vp_vmsa(raw, 0x1);
	kvm_view(raw, vmsa);
	/* the igvm crate's digest of the file (the CoRIM headers are not measured) */
	memset(digest, 0, 48);
	step(digest, NORMAL, 0x100000, a);
	step(digest, VMSA, KVM_VMSA, vmsa);
	tu_hex(digest, 48, hex);
	snprintf(path, sizeof(path), "%s/corim.igvm", dir);
	snprintf(key384, sizeof(key384), "%s/p384.pem", dir);
	snprintf(key256, sizeof(key256), "%s/p256.pem", dir);
	snprintf(other, sizeof(other), "%s/other.pem", dir);
	write_pub(k384, key384), write_pub(k256, key256), write_pub(k_other, other);

	/* Shown, and the file measured. */
	doc = corim_doc(digest, 3, CORIM_GOOD, &doc_len);
	f = file_with_corim(doc, doc_len, NULL, 0, vmsa, a, &len);
	tu_write_file(path, f, len);
	char *out = tu_capture(tu_cli_in(NULL, "igvm", path, NULL));
	assert_non_null(strstr(out, "CORIM_DOCUMENT"));
	char line[256];
	snprintf(line, sizeof(line), "launch digest %s, SVN 3, unsigned", hex);
	assert_non_null(strstr(out, line));
	free(out);
	out = tu_capture(tu_cli_in(NULL, "igvm", path, "--json", NULL));
	assert_non_null(strstr(out, "\"corim\":{\"platform\":\"SEV_SNP\",\"launch_digest\":\""));
	free(out);
	tu_expect_digest(tu_cli_in(NULL, "-q", "--igvm", path, "--igvm-loader", "igvm-crate", NULL),
			 hex);
	/* igvmmeasure's loader measures the file too (its digest is its own). */
	r = tu_cli_in(NULL, "-q", "--igvm", path, "--igvm-loader", "igvmmeasure", NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	/* --corim-key with no signature in the file */
	tu_expect_refusal(tu_cli_in(NULL, "-q", "--igvm", path, "--corim-key", key384, NULL), 3,
			  "no signed CoRIM");
	free(f), free(doc);

	/* A CoRIM stating another digest: every measurement of the file is refused, both named. */
	uint8_t wrong[48];
	memcpy(wrong, digest, 48);
	wrong[0] ^= 1;
	doc = corim_doc(wrong, 3, CORIM_GOOD, &doc_len);
	f = file_with_corim(doc, doc_len, NULL, 0, vmsa, a, &len);
	tu_write_file(path, f, len);
	tu_expect_refusal(tu_cli_in(NULL, "-q", "--igvm", path, "--igvm-loader", "igvmmeasure",
				    NULL),
			  3, "file's CoRIM states");
	r = tu_cli_in(NULL, "-q", "--igvm", path, "--igvm-loader", "igvm-crate", NULL);
	assert_non_null(strstr(r.err, hex)); /* both digests named whole */
	tu_hex(wrong, 48, line);
	assert_non_null(strstr(r.err, line));
	tu_expect_refusal(r, 3, "file's CoRIM states");
	{ /* the library refuses it too, whoever calls it */
		struct file ft = { .bytes = f, .len = len };
		struct snpm_measure_config mc =
			config(&ft, SNPM_MODE_SNP, SNPM_IGVM_IGVMMEASURE, 1);
		struct snpm_error err;
		assert_int_equal(measure(&mc, digest_out, &err), SNPM_EVERIFY);
		assert_non_null(strstr(err.message, "CoRIM states"));
	}
	free(f), free(doc);

	/* Signed: ES384 and ES256 verify with their keys, not with another; critical refused. */
	doc = corim_doc(digest, 7, CORIM_GOOD, &doc_len);
	for (int bits = 256; bits <= 384; bits += 128) {
		EVP_PKEY *k = bits == 256 ? k256 : k384;
		sig = cose_sign(k, bits, false, doc, doc_len, &sig_len);
		f = file_with_corim(doc, doc_len, sig, sig_len, vmsa, a, &len);
		tu_write_file(path, f, len);
		out = tu_capture(tu_cli_in(NULL, "igvm", path, "--corim-key",
					   bits == 256 ? key256 : key384, NULL));
		assert_non_null(strstr(out, "SVN 7, signed (COSE_Sign1)"));
		free(out);
		tu_expect_digest(tu_cli_in(NULL, "-q", "--igvm", path, "--igvm-loader",
					   "igvm-crate", "--corim-key",
					   bits == 256 ? key256 : key384, NULL),
				 hex);
		tu_expect_refusal(tu_cli_in(NULL, "igvm", path, "--corim-key", other, NULL), 3,
				  "does not verify");
		free(f), free(sig);
	}
	/* A signature shorter than r || s is refused before a byte past it is read. */
	sig = cose_sign(k384, 384, false, doc, doc_len, &sig_len);
	sig[sig_len - 98] = 0x4a; /* the signature's bstr header (58 60: 96 bytes) -> 10 bytes */
	f = file_with_corim(doc, doc_len, sig, sig_len - 87, vmsa, a, &len);
	tu_write_file(path, f, len);
	tu_expect_refusal(tu_cli_in(NULL, "igvm", path, "--corim-key", key384, NULL), 1,
			  "10 bytes, not 96");
	free(f), free(sig);
	sig = cose_sign(k384, 384, true, doc, doc_len, &sig_len);
	f = file_with_corim(doc, doc_len, sig, sig_len, vmsa, a, &len);
	tu_write_file(path, f, len);
	tu_expect_refusal(tu_cli_in(NULL, "igvm", path, "--corim-key", key384, NULL), 1,
			  "critical headers");
	free(f), free(sig), free(doc);

	/* Shapes the profile does not allow are refused, naming the header. */
	static const struct {
		enum corim_variant v;
		const char *why;
	} bad[] = {
		{ CORIM_OTHER_PROFILE, "profile" },    { CORIM_MIN_SVN, "exact SVN" },
		{ CORIM_TWO_DIGESTS, "SHA-384" },      { CORIM_OTHER_TAG_ID, "tag-id" },
		{ CORIM_OTHER_VENDOR, "AMD SEV-SNP" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		doc = corim_doc(digest, 1, bad[i].v, &doc_len);
		f = file_with_corim(doc, doc_len, NULL, 0, vmsa, a, &len);
		tu_write_file(path, f, len);
		r = tu_cli_in(NULL, "igvm", path, NULL);
		if (r.status != 1 || !strstr(r.err, bad[i].why) || !strstr(r.err, "IGVM header"))
			fail_msg("variant %zu: %d %s", i, r.status, r.err);
		tu_run_free(&r);
		free(f), free(doc);
	}
	/* The tag-id is compared without case (the profile says so). */
	doc = corim_doc(digest, 1, CORIM_UPPER_TAG_ID, &doc_len);
	f = file_with_corim(doc, doc_len, NULL, 0, vmsa, a, &len);
	tu_write_file(path, f, len);
	tu_expect_digest(tu_cli_in(NULL, "-q", "--igvm", path, "--igvm-loader", "igvm-crate", NULL),
			 hex);
	free(f);

	/* The header rules: a signature needs its document first; one of each. */
	f = file_with_corim(NULL, 0, doc, doc_len, vmsa, a, &len);
	tu_write_file(path, f, len);
	tu_expect_refusal(tu_cli_in(NULL, "igvm", path, NULL), 1, "before its document");
	free(f);
	struct iw *w = iw_new();
	iw_platform(w, SNP, 2);
	iw_corim(w, 0x104, SNP, doc, (uint32_t)doc_len);
	iw_corim(w, 0x104, SNP, doc, (uint32_t)doc_len);
	f = iw_finish(w, &len);
	tu_write_file(path, f, len);
	tu_expect_refusal(tu_cli_in(NULL, "igvm", path, NULL), 1, "a second CoRIM document");
	free(f);
	w = iw_new();
	iw_platform(w, SNP, 2);
	iw_corim(w, 0x104, 0x8, doc, (uint32_t)doc_len);
	f = iw_finish(w, &len);
	tu_write_file(path, f, len);
	tu_expect_refusal(tu_cli_in(NULL, "igvm", path, NULL), 1, "not one declared platform");
	free(f), free(doc);

	EVP_PKEY_free(k384), EVP_PKEY_free(k256), EVP_PKEY_free(k_other);
	tu_rmtree(dir);
	free(dir), free(a);
}

/* SEV-ES: one SHA-256 over the data (zero pages as zeros for QEMU) and the VMSAs. */
static void test_sev_es(void **state)
{
	struct file t = build(NULL, 0x1);
	uint8_t got[48], want[32], bsp[4096], ap[4096];
	struct snpm_measure_config c = config(&t, SNPM_MODE_SEV_ES, SNPM_IGVM_QEMU, 2);
	EVP_MD_CTX *h = EVP_MD_CTX_new();

	(void)state;
	kvm_view(t.vmsa_es, bsp);
	reset_vmsa(0, ap);
	assert_int_equal(EVP_DigestInit_ex(h, EVP_sha256(), NULL), 1);
	EVP_DigestUpdate(h, t.a, 4096);
	EVP_DigestUpdate(h, t.b, 4096);
	EVP_DigestUpdate(h, t.e, 4096);
	EVP_DigestUpdate(h, bsp, 4096);
	EVP_DigestUpdate(h, ap, 4096);
	EVP_DigestFinal_ex(h, want, NULL);
	assert_int_equal(measure(&c, got, NULL), 0);
	assert_memory_equal(got, want, 32);

	/* igvmmeasure: the data pages and the stored VMSA, nothing per vCPU. */
	c = config(&t, SNPM_MODE_SEV_ES, SNPM_IGVM_IGVMMEASURE, 2);
	EVP_DigestInit_ex(h, EVP_sha256(), NULL);
	EVP_DigestUpdate(h, t.a, 4096);
	EVP_DigestUpdate(h, t.b, 4096);
	EVP_DigestUpdate(h, t.e, 4096);
	EVP_DigestUpdate(h, t.vmsa_es, 4096);
	EVP_DigestFinal_ex(h, want, NULL);
	assert_int_equal(measure(&c, got, NULL), 0);
	assert_memory_equal(got, want, 32);
	EVP_MD_CTX_free(h);
	drop(&t);
}

/* The features come from the boot vCPU's VMSA; a different value given is refused. */
static void test_features(void **state)
{
	struct file t = build(NULL, 0x21);
	struct snpm_measure_config c = config(&t, SNPM_MODE_SNP, SNPM_IGVM_QEMU, 1),
				   resolved = { .size = sizeof(resolved) };
	struct snpm_error err;
	uint8_t got[48];

	(void)state;
	assert_int_equal(snpm_measure_resolve(&c, &resolved, NULL), 0);
	assert_int_equal(resolved.guest_features, 0x21);
	c.guest_features = 0x21;
	assert_int_equal(measure(&c, got, NULL), 0);
	c.guest_features = 0x1;
	assert_int_equal(measure(&c, got, &err), SNPM_EINVAL);
	assert_non_null(strstr(err.message, "VMSA sets 0x21"));
	drop(&t);
}

/*
 * KVM writes the VM's SEV_FEATURES (vCPU 0's context, through QEMU's pre-pass) into every VMSA:
 * an AP context that says 0x21 beside a boot context that says 0x1 measures as 0x1.
 */
static void test_ap_features(void **state)
{
	uint8_t bsp_in[4096], ap_in[4096], bsp[4096], ap[4096], want[48], got[48];
	uint8_t *data = page("igvm-ap"), *f;
	struct iw *w = iw_new();
	size_t len;

	(void)state;
	vp_vmsa(bsp_in, 0x1);
	vp_vmsa(ap_in, 0x21);
	put64(ap_in + 0x178, 0x802000); /* the AP starts elsewhere */
	iw_platform(w, SNP, 2);
	iw_page(w, 0x100000, SNP, 0, 0, data);
	iw_vp(w, KVM_VMSA, SNP, 0, bsp_in);
	iw_vp(w, KVM_VMSA, SNP, 1, ap_in);
	f = iw_finish(w, &len);
	struct snpm_measure_config c = {
		.size = sizeof(c),
		.mode = SNPM_MODE_SNP,
		.vmm = SNPM_VMM_QEMU,
		.vcpus = 2,
		.vcpu_sig = 0x800f12,
		.loader = SNPM_LOADER_IGVM,
		.igvm = { .data = f, .size = len },
		.igvm_semantics = SNPM_IGVM_QEMU,
	};
	kvm_view(bsp_in, bsp);
	kvm_view(ap_in, ap);
	put64(ap + 0x3b0, 0x1); /* the VM's features, not the context's */
	memset(want, 0, 48);
	step(want, NORMAL, 0x100000, data);
	step(want, VMSA, KVM_VMSA, bsp);
	step(want, VMSA, KVM_VMSA, ap);
	assert_int_equal(measure(&c, got, NULL), 0);
	assert_memory_equal(got, want, 48);
	free(f), free(data);
}

/* A VP context QEMU would pass on but KVM refuses: no digest, the header named. */
struct edit {
	uint64_t off, value;
	int len;
};

static void expect_kvm_refusals(const struct edit *e, size_t n_edits, const char *needle)
{
	uint8_t v[4096], out[48], *f;
	struct iw *w = iw_new();
	struct snpm_error err;
	size_t n;

	vp_vmsa(v, 0x1);
	for (size_t k = 0; k < n_edits; k++)
		for (int i = 0; i < e[k].len; i++)
			v[e[k].off + (uint64_t)i] = (uint8_t)(e[k].value >> (8 * i));
	iw_platform(w, SNP, 2);
	iw_page(w, 0x100000, SNP, 0, 0, NULL);
	iw_vp(w, KVM_VMSA, SNP, 0, v);
	f = iw_finish(w, &n);
	struct snpm_measure_config c = {
		.size = sizeof(c),
		.mode = SNPM_MODE_SNP,
		.vmm = SNPM_VMM_QEMU,
		.vcpus = 1,
		.loader = SNPM_LOADER_IGVM,
		.igvm = { .data = f, .size = n },
		.igvm_semantics = SNPM_IGVM_QEMU,
	};
	int r = measure(&c, out, &err);
	if (r >= 0 || !strstr(err.message, needle) ||
	    !strstr(err.message, "IGVM header 2 (VP_CONTEXT) at offset"))
		fail_msg("0x%llx = 0x%llx: want '%s', got %d '%s'", (unsigned long long)e[0].off,
			 (unsigned long long)e[0].value, needle, r, r < 0 ? err.message : "");
	/* igvmmeasure measures the stored page: it is not KVM's to refuse. */
	c.igvm_semantics = SNPM_IGVM_IGVMMEASURE;
	assert_int_equal(measure(&c, out, NULL), 0);
	free(f);
}

static void expect_kvm_refusal(uint64_t off, uint64_t value, int len, const char *needle)
{
	struct edit e = { off, value, len };

	expect_kvm_refusals(&e, 1, needle);
}

static void test_kvm_refusals(void **state)
{
	(void)state;
	expect_kvm_refusal(0x160, 0x401, 8, "DR7 0x401 arms breakpoints");
	expect_kvm_refusal(0x160, 0x100000400ull, 8, "DR7");
	expect_kvm_refusal(0x168, 0x1ffff0ff0ull, 8, "DR6 0x1ffff0ff0 sets bits above 31");
	expect_kvm_refusal(0x158, 0x20000001, 8, "CR0 0x20000001 sets NW without CD");
	expect_kvm_refusal(0x158, 0x80000000, 8, "CR0 0x80000000 sets PG without PE");
	expect_kvm_refusal(0x158, 0x100000011ull, 8, "CR0 0x100000011 sets bits above 31");
	expect_kvm_refusal(0x148, 0x2020, 8, "CR4 0x2020 sets reserved bits 0x2000"); /* VMXE */
	expect_kvm_refusal(0x148, 0x8020, 8, "reserved bits 0x8000");
	expect_kvm_refusal(0x0d0, 0x10500, 8, "EFER 0x10500 sets reserved bits 0x10000");
	expect_kvm_refusal(0x0d0, 0x100, 8, "without CR4.PAE and EFER.LMA"); /* LME, PG, no LMA */
	expect_kvm_refusal(0x148, 0x0, 8, "without CR4.PAE");
	expect_kvm_refusal(0x150, (1ull << 60) | 0x9000, 8, "past 52 address bits");
	/* Outside long mode (CR0.PG clear): LMA or a 64-bit CS is refused. */
	expect_kvm_refusal(0x158, 0x60000011, 8, "EFER.LMA outside long mode");
	const struct edit cs64[] = { { 0x0d0, 0, 8 }, { 0x158, 0x11, 8 }, { 0x012, 0xa9b, 2 } };
	expect_kvm_refusals(cs64, 3, "a 64-bit code segment (CS.L) outside long mode");
	expect_kvm_refusal(0x3e8, 0x6, 8, "XCR0 0x6 lacks x87");
	expect_kvm_refusal(0x3e8, 0x5, 8, "XCR0 0x5 enables AVX without SSE");
	expect_kvm_refusal(0x3e8, 0xb, 8, "one of MPX's two components");
	expect_kvm_refusal(0x3e8, 0x67, 8, "AVX-512 partly");
	expect_kvm_refusal(0x3e8, 0xe3, 8, "AVX-512 partly or without AVX");
	expect_kvm_refusal(0x3e8, 0x20007, 8, "one of AMX's two components");
	expect_kvm_refusal(0x268, 0x0007040600070402ull, 8, "PAT");
	expect_kvm_refusal(0x408, 0x11f80, 4, "MXCSR 0x11f80 sets reserved bits");
}

/* An ID block vouches for one digest: the secure processor refuses any other. */
static void test_id_block(void **state)
{
	struct file probe = build(NULL, 0x1);
	uint8_t want[48], got[48], wrong[48] = { 0 };
	struct snpm_error err;

	(void)state;
	expect_qemu_snp(&probe, 2, 0x1, want);
	struct file ok = build(want, 0x1), bad = build(wrong, 0x1);
	struct snpm_measure_config c = config(&ok, SNPM_MODE_SNP, SNPM_IGVM_QEMU, 2);
	assert_int_equal(measure(&c, got, NULL), 0);
	assert_memory_equal(got, want, 48);
	c = config(&bad, SNPM_MODE_SNP, SNPM_IGVM_QEMU, 2);
	assert_int_equal(measure(&c, got, &err), SNPM_EVERIFY);
	assert_non_null(strstr(err.message, "ID block vouches for launch digest 0000"));
	c.igvm_ignore_id_block = true;
	assert_int_equal(measure(&c, got, NULL), 0);
	assert_memory_equal(got, want, 48);

	/* sweep and match say the same: only the row the ID block vouches for is a launch. */
	char *dir = tu_mkdtemp(), okp[512], badp[512], hex[97], *out;
	struct tu_run r;
	snprintf(okp, sizeof(okp), "%s/ok.igvm", dir);
	snprintf(badp, sizeof(badp), "%s/bad.igvm", dir);
	tu_write_file(okp, ok.bytes, ok.len);
	tu_write_file(badp, bad.bytes, bad.len);
	tu_hex(want, 48, hex);
	r = tu_cli_in(NULL, "sweep", "-q", "--igvm", okp, "--vcpus", "2-4", "--csv", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, hex));
	assert_int_equal(tu_lines(r.out), 2); /* the header and the one launch */
	assert_non_null(strstr(r.err, "2 of the 3 configurations are left out"));
	tu_run_free(&r);
	tu_expect_refusal(tu_cli_in(NULL, "sweep", "-q", "--igvm", badp, "--vcpus", "2-4", NULL), 3,
			  "ID block vouches for launch digest 0000");
	/* A digest of a refused row matches nothing. */
	expect_qemu_snp(&probe, 3, 0x1, got);
	tu_hex(got, 48, hex);
	r = tu_cli_in(NULL, "match", "-q", "--igvm", okp, "--vcpus", "2-4", "--measurement", hex,
		      NULL);
	assert_int_equal(r.status, 3);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "left out"));
	tu_run_free(&r);
	r = tu_cli_in(NULL, "sweep", "-q", "--igvm", badp, "--vcpus", "2-4", "--ignore-id-block",
		      NULL);
	assert_int_equal(r.status, 0);
	out = r.out;
	assert_non_null(strstr(out, hex));
	tu_run_free(&r);
	tu_rmtree(dir);
	free(dir);
	drop(&probe);
	drop(&ok);
	drop(&bad);
}

/* ---- refusals: each names the header and its offset ---- */

static uint8_t *one_page_file(void (*edit)(struct iw *w), size_t *len)
{
	uint8_t *p = page("igvm-A");
	struct iw *w = iw_new();

	iw_platform(w, SNP, 2);
	iw_page(w, 0x100000, SNP, 0, 0, p);
	if (edit)
		edit(w);
	free(p);
	return iw_finish(w, len);
}

static void expect_parse_error(const uint8_t *f, size_t len, int code, const char *needle)
{
	struct snpm_source src = { .data = f, .size = len };
	struct snpm_igvm *g = NULL;
	struct snpm_error err;
	int r = snpm_igvm_parse(&src, &g, &err);

	if (r != code || !strstr(err.message, needle))
		fail_msg("want %d '%s', got %d '%s'", code, needle, r, r ? err.message : "");
	assert_null(g);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void fix_crc(uint8_t *f)
{
	uint32_t vh = (uint32_t)(f[12] | f[13] << 8 | f[14] << 16 | (uint32_t)f[15] << 24);
	uint8_t *copy = malloc(24 + vh);

	assert_non_null(copy);
	memcpy(copy, f, 24 + vh);
	put32(copy + 20, 0);
	/* the format's checksum: CRC32 over both header sections, itself as zero */
	put32(f + 20, (uint32_t)crc32(crc32(0L, Z_NULL, 0), copy, 24 + vh));
	free(copy);
}

static void edit_unaligned(struct iw *w)
{
	iw_page(w, 0x101001, SNP, 0, 0, NULL);
}

static void edit_undeclared_insert(struct iw *w)
{
	iw_insert(w, 0x200000, SNP, 9);
}

static void edit_unknown_required(struct iw *w)
{
	uint8_t body[8] = { 0 };

	iw_raw(w, 0x3ff, body, sizeof(body));
}

static void edit_unknown_optional(struct iw *w)
{
	uint8_t body[8] = { 0 };

	iw_raw(w, 0x800003ffu, body, sizeof(body));
}

static void edit_big_page_data(struct iw *w)
{
	uint8_t *p = page("igvm-2m");

	iw_page(w, 0x200000, SNP, 1, 0, p);
	free(p);
}

static void edit_late_platform(struct iw *w)
{
	iw_platform(w, ES, 5);
}

static void test_malformed(void **state)
{
	size_t len;
	uint8_t *f = one_page_file(NULL, &len), *g;

	(void)state;
	/* the good one parses */
	struct snpm_source src = { .data = f, .size = len };
	struct snpm_igvm *ok = NULL;
	assert_int_equal(snpm_igvm_parse(&src, &ok, NULL), 0);
	assert_int_equal(snpm_igvm_count(ok), 2);
	snpm_igvm_free(ok);

	g = malloc(len);
	memcpy(g, f, len), g[0] ^= 1;
	expect_parse_error(g, len, SNPM_EMALFORMED, "bad magic");
	memcpy(g, f, len), put32(g + 4, 3), fix_crc(g);
	expect_parse_error(g, len, SNPM_EMALFORMED, "format version 3");
	memcpy(g, f, len), put32(g + 16, (uint32_t)len + 1), fix_crc(g);
	expect_parse_error(g, len, SNPM_EMALFORMED, "the header says");
	memcpy(g, f, len), g[24 + 8] ^= 0x80; /* a header byte, checksum left */
	expect_parse_error(g, len, SNPM_EMALFORMED, "checksum");
	memcpy(g, f, len), put32(g + 24 + 24 + 4, 0x1000), fix_crc(g); /* PAGE_DATA length */
	expect_parse_error(g, len, SNPM_EMALFORMED, "IGVM header 1 (PAGE_DATA) at offset 0x30");
	expect_parse_error(f, len - 1, SNPM_EMALFORMED, "the header says");
	expect_parse_error(f, 10, SNPM_EMALFORMED, "too short");
	free(g);
	free(f);

	f = one_page_file(edit_unaligned, &len);
	expect_parse_error(f, len, SNPM_EMALFORMED,
			   "IGVM header 2 (PAGE_DATA) at offset 0x50: GPA");
	free(f);
	f = one_page_file(edit_undeclared_insert, &len);
	expect_parse_error(f, len, SNPM_EMALFORMED, "parameter area 9 was not declared");
	free(f);
	f = one_page_file(edit_unknown_required, &len);
	expect_parse_error(f, len, SNPM_EUNSUPPORTED, "unknown required header type 0x3ff");
	free(f);
	f = one_page_file(edit_big_page_data, &len);
	expect_parse_error(f, len, SNPM_EUNSUPPORTED, "2 MiB page with file data");
	free(f);
	f = one_page_file(edit_late_platform, &len);
	expect_parse_error(f, len, SNPM_EMALFORMED, "platform header after the directive section");
	free(f);

	/* An optional type the parser does not know is kept, but the igvm crate refuses any
	 * header with the optional bit, so neither QEMU nor igvmmeasure loads the file. */
	f = one_page_file(edit_unknown_optional, &len);
	struct snpm_measure_config c = {
		.size = sizeof(c),
		.mode = SNPM_MODE_SNP,
		.vmm = SNPM_VMM_QEMU,
		.vcpus = 1,
		.loader = SNPM_LOADER_IGVM,
		.igvm = { .data = f, .size = len },
		.igvm_semantics = SNPM_IGVM_IGVMMEASURE,
	};
	struct snpm_error err;
	uint8_t out[48];
	assert_int_equal(
		snpm_igvm_parse(&(struct snpm_source){ .data = f, .size = len }, &ok, NULL), 0);
	snpm_igvm_free(ok);
	for (int sem = 0; sem < 2; sem++) {
		c.igvm_semantics = sem ? SNPM_IGVM_QEMU : SNPM_IGVM_IGVMMEASURE;
		assert_int_equal(measure(&c, out, &err), SNPM_EUNSUPPORTED);
		assert_non_null(strstr(err.message, "IGVM header 2 (unknown) at offset 0x50: the "
						    "optional bit is set"));
	}
	free(f);
}

static void edit_overlap(struct iw *w)
{
	iw_page(w, 0x100000, SNP, 0, 0, NULL);
}

static void edit_srat(struct iw *w)
{
	iw_area(w, 1, 0x1000);
	iw_param(w, 0x308, 1, 0);
}

static void edit_vp_elsewhere(struct iw *w)
{
	uint8_t v[4096];

	vp_vmsa(v, 1);
	iw_vp(w, 0x800000, SNP, 0, v);
}

static void edit_vp_unsynced(struct iw *w)
{
	uint8_t v[4096];

	vp_vmsa(v, 1);
	v[0x240] = 1; /* CR2: QEMU does not pass it to KVM */
	iw_vp(w, KVM_VMSA, SNP, 0, v);
}

static void expect_measure_error(void (*edit)(struct iw *w), enum snpm_mode mode,
				 enum snpm_igvm_semantics sem, int code, const char *needle)
{
	size_t len;
	uint8_t *f = one_page_file(edit, &len), out[48];
	struct snpm_measure_config c = {
		.size = sizeof(c),
		.mode = mode,
		.vmm = SNPM_VMM_QEMU,
		.vcpus = 1,
		.vcpu_sig = 0x800f12,
		.loader = SNPM_LOADER_IGVM,
		.igvm = { .data = f, .size = len },
		.igvm_semantics = sem,
	};
	struct snpm_error err;
	int r = measure(&c, out, &err);

	if (r != code || !strstr(err.message, needle))
		fail_msg("want %d '%s', got %d '%s'", code, needle, r, r ? err.message : "");
	free(f);
}

static void test_refused_launches(void **state)
{
	(void)state;
	expect_measure_error(edit_overlap, SNPM_MODE_SNP, SNPM_IGVM_QEMU, SNPM_EMALFORMED,
			     "IGVM directive 0 PAGE_DATA (0x100000-0x100fff) and IGVM directive 1 "
			     "PAGE_DATA (0x100000-0x100fff) measure the same pages");
	expect_measure_error(edit_overlap, SNPM_MODE_SNP, SNPM_IGVM_IGVMMEASURE, SNPM_EMALFORMED,
			     "measure the same pages");
	expect_measure_error(NULL, SNPM_MODE_SEV_ES, SNPM_IGVM_QEMU, SNPM_EUNSUPPORTED,
			     "declares no SEV_ES platform (it declares SEV_SNP)");
	expect_measure_error(edit_srat, SNPM_MODE_SNP, SNPM_IGVM_QEMU, SNPM_EUNSUPPORTED,
			     "IGVM header 3 (SRAT) at offset 0x68: QEMU has no handler");
	expect_measure_error(edit_vp_elsewhere, SNPM_MODE_SNP, SNPM_IGVM_QEMU, SNPM_EUNSUPPORTED,
			     "QEMU requires the VMSA at GPA 0xFFFFFFFFF000");
	expect_measure_error(edit_vp_unsynced, SNPM_MODE_SNP, SNPM_IGVM_QEMU, SNPM_EUNSUPPORTED,
			     "byte 0x240");
	expect_measure_error(NULL, SNPM_MODE_SNP_SVSM, SNPM_IGVM_QEMU, SNPM_EUNSUPPORTED,
			     "brings its own SVSM");
}

/*
 * A few kilobytes asking for 4 GiB and more of measured pages (a 4 GiB parameter area and a page
 * of data): refused by the dry run, at once, as no real launch measures that much.
 */
static void test_page_cap(void **state)
{
	struct iw *w = iw_new();
	uint8_t *data = page("igvm-cap"), *f, out[48];
	struct snpm_error err;
	size_t len;

	(void)state;
	iw_platform(w, SNP, 2);
	iw_page(w, 0x100000, SNP, 0, 0, data);
	iw_area(w, 1, 1ull << 32);
	iw_insert(w, 0x100000000ull, SNP, 1);
	f = iw_finish(w, &len);
	assert_true(len < 8192);
	for (int sem = 0; sem < 2; sem++) {
		struct snpm_measure_config c = {
			.size = sizeof(c),
			.mode = SNPM_MODE_SNP,
			.vmm = SNPM_VMM_QEMU,
			.vcpus = 1,
			.vcpu_sig = 0x800f12,
			.loader = SNPM_LOADER_IGVM,
			.igvm = { .data = f, .size = len },
			.igvm_semantics = sem ? SNPM_IGVM_QEMU : SNPM_IGVM_IGVMMEASURE,
		};
		int r = measure(&c, out, &err);
		/* igvmmeasure inserts one page for an area, whatever its size: that launch is small. */
		if (sem == 0) {
			assert_int_equal(r, 0);
			continue;
		}
		assert_int_equal(r, SNPM_ERANGE);
		assert_non_null(strstr(err.message, "more than 1048576 pages (4 GiB)"));
	}
	free(f), free(data);
}

/*
 * A launch that loads nothing for the platform has no digest, whichever way it is measured: an
 * SNP platform whose only directive is a VP context, and an SEV-ES platform no directive selects
 * (SHA-256 of nothing under igvmmeasure).
 */
static uint8_t *file_loading_nothing(size_t *len)
{
	uint8_t v[4096];
	struct iw *w = iw_new();

	iw_platform(w, SNP, 2);
	iw_platform(w, ES, 5);
	vp_vmsa(v, 1);
	iw_vp(w, KVM_VMSA, SNP, 0, v); /* a VP context is not a page of memory */
	return iw_finish(w, len);
}

static void test_loads_nothing(void **state)
{
	size_t len;
	uint8_t *f = file_loading_nothing(&len), out[48];
	struct snpm_error err;

	(void)state;
	for (int i = 0; i < 4; i++) {
		struct snpm_measure_config c = {
			.size = sizeof(c),
			.mode = i < 2 ? SNPM_MODE_SNP : SNPM_MODE_SEV_ES,
			.vmm = SNPM_VMM_QEMU,
			.vcpus = 1,
			.vcpu_sig = 0x800f12,
			.loader = SNPM_LOADER_IGVM,
			.igvm = { .data = f, .size = len },
			.igvm_semantics = i % 2 ? SNPM_IGVM_QEMU : SNPM_IGVM_IGVMMEASURE,
		};
		assert_int_equal(measure(&c, out, &err), SNPM_EMALFORMED);
		assert_non_null(strstr(err.message, i < 2 ? "loads no page for mode snp" :
							    "loads no page for mode seves"));
	}
	char *dir = tu_mkdtemp(), path[512];
	snprintf(path, sizeof(path), "%s/empty.igvm", dir);
	tu_write_file(path, f, len);
	tu_expect_refusal(tu_cli_in(NULL, "-q", "--igvm", path, NULL), 1, "loads no page");
	tu_expect_refusal(tu_cli_in(NULL, "sweep", "-q", "--igvm", path, "--vcpus", "1-2", NULL), 1,
			  "loads no page");
	tu_expect_refusal(tu_cli_in(NULL, "explain", "-q", "--igvm", path, NULL), 1,
			  "loads no page");
	tu_rmtree(dir);
	free(dir);
	free(f);
}

/*
 * igvmmeasure measures each VP context's VMSA where it stands: two vCPUs' contexts at the same
 * GPA are two VMSAs, not one page measured twice.
 */
static void test_vmsas_share_a_gpa(void **state)
{
	uint8_t v0[4096], v1[4096], want[48], got[48], *data = page("igvm-two"), *f;
	struct iw *w = iw_new();
	size_t len;

	(void)state;
	vp_vmsa(v0, 1);
	vp_vmsa(v1, 1);
	put64(v1 + 0x178, 0x803000);
	iw_platform(w, SNP, 2);
	iw_page(w, 0x100000, SNP, 0, 0, data);
	iw_vp(w, KVM_VMSA, SNP, 0, v0);
	iw_vp(w, KVM_VMSA, SNP, 1, v1);
	f = iw_finish(w, &len);
	memset(want, 0, 48);
	step(want, NORMAL, 0x100000, data);
	step(want, VMSA, KVM_VMSA, v0);
	step(want, VMSA, KVM_VMSA, v1);
	struct snpm_measure_config c = {
		.size = sizeof(c),
		.mode = SNPM_MODE_SNP,
		.vmm = SNPM_VMM_QEMU,
		.vcpus = 2,
		.vcpu_sig = 0x800f12,
		.loader = SNPM_LOADER_IGVM,
		.igvm = { .data = f, .size = len },
		.igvm_semantics = SNPM_IGVM_IGVMMEASURE,
	};
	assert_int_equal(measure(&c, got, NULL), 0);
	assert_memory_equal(got, want, 48);
	free(f), free(data);
}

/* What `snpmeasure igvm` and the measurement verbs make of the test file. */
static void count_step(void *arg, const struct snpm_trace_event *ev)
{
	(void)ev;
	++*(size_t *)arg;
}

/* snpm_measure_inputs_*: an IGVM file opened once by path gives a trace whose end is the
 * measurement, and a file changed after it was opened is caught by the check. */
static void test_measure_inputs(void **state)
{
	struct file t = build(NULL, 0x21);
	char *dir = tu_mkdtemp(), path[512];
	struct snpm_measure_config base = config(&t, SNPM_MODE_SNP, SNPM_IGVM_QEMU, 3), cfg;
	struct snpm_measure_paths paths = { .size = sizeof(paths), .igvm = path };
	struct snpm_measure_inputs *in = NULL;
	struct snpm_error err;
	uint8_t want[48], got[48];
	size_t len, steps = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/guest.igvm", dir);
	tu_write_file(path, t.bytes, t.len);
	base.igvm = (struct snpm_source){ 0 }, base.loader = SNPM_LOADER_OVMF;
	cfg.size = sizeof(cfg) - 1; /* a part of the struct: refused, nothing written past it */
	assert_int_equal(snpm_measure_inputs_open(&base, &paths, &cfg, &in, &err), SNPM_EINVAL);
	cfg.size = sizeof(cfg);
	assert_int_equal(snpm_measure_inputs_open(&base, &paths, &cfg, &in, &err), 0);
	expect_qemu_snp(&t, 3, 0x21, want);
	assert_int_equal(snpm_measure_trace(&cfg, count_step, &steps, got, &len, &err), 0);
	assert_memory_equal(got, want, 48);
	assert_true(steps > 3);
	assert_int_equal(snpm_measure_inputs_check(in, &err), 0);
	/* the file changes under the open inputs: the check names it */
	t.bytes[t.len - 1] ^= 1;
	tu_write_file(path, t.bytes, t.len);
	assert_int_equal(snpm_measure_inputs_check(in, &err), SNPM_EIO);
	assert_non_null(strstr(err.message, path));
	snpm_measure_inputs_free(in);
	paths.igvm = "/nonexistent.igvm";
	assert_int_equal(snpm_measure_inputs_open(&base, &paths, &cfg, &in, &err), SNPM_EIO);
	assert_null(in);
	tu_rmtree(dir);
	free(dir);
	drop(&t);
}

static void test_cli(void **state)
{
	struct file t = build(NULL, 0x21);
	char *dir = tu_mkdtemp(), path[512], hex[97];
	uint8_t want[48];
	struct tu_run r;

	(void)state;
	snprintf(path, sizeof(path), "%s/guest.igvm", dir);
	tu_write_file(path, t.bytes, t.len);
	expect_qemu_snp(&t, 3, 0x21, want);
	tu_hex(want, 48, hex);
	tu_expect_digest(tu_cli_in(NULL, "--mode", "snp", "--vcpus", "3", "--vcpu-type", "EPYC-v4",
				   "--igvm", path, NULL),
			 hex);
	/* No --mode: the file's strongest platform, 1 vCPU, said on stderr. */
	expect_qemu_snp(&t, 1, 0x21, want);
	tu_hex(want, 48, hex);
	r = tu_cli_in(NULL, "--igvm", path, NULL);
	assert_non_null(strstr(r.err, "assuming --mode snp (the file's strongest platform)"));
	tu_expect_digest(r, hex);
	/* Three vCPUs but one VP context: the others need the CPU. */
	tu_expect_refusal(tu_cli_in(NULL, "--mode", "snp", "--vcpus", "3", "--igvm", path, NULL), 2,
			  "sets no VP context for vCPU 1");
	tu_expect_refusal(tu_cli_in(NULL, "-q", "--igvm", path, "--guest-features", "0x1", NULL), 1,
			  "VMSA sets 0x21");
	tu_expect_refusal(tu_cli_in(NULL, "--igvm", path, "--ovmf", path, NULL), 2,
			  "argument --ovmf: not allowed with --igvm");
	tu_expect_refusal(tu_cli_in(NULL, "--ovmf", path, "--native-zero", NULL), 2,
			  "--native-zero: not allowed");

	/* explain's last step is the measurement */
	r = tu_cli_in(NULL, "explain", "-q", "--igvm", path, "--json", NULL);
	char *out = tu_capture(r);
	struct json_object *o = json_tokener_parse(out), *steps, *last, *v;
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "steps", &steps));
	last = json_object_array_get_idx(steps, json_object_array_length(steps) - 1);
	assert_true(json_object_object_get_ex(last, "ld", &v));
	assert_string_equal(json_object_get_string(v), hex);
	assert_true(json_object_object_get_ex(o, "guest_features", &v));
	assert_string_equal(json_object_get_string(v), "0x21");
	json_object_put(o);
	free(out);

	/* igvm: every header, in order */
	out = tu_capture(tu_cli_in(NULL, "igvm", path, "--json", NULL));
	o = json_tokener_parse(out);
	assert_true(json_object_object_get_ex(o, "headers", &steps));
	assert_int_equal(json_object_array_length(steps), 23);
	v = json_object_object_get(json_object_array_get_idx(steps, 7), "type");
	assert_string_equal(json_object_get_string(v), "PARAMETER_INSERT");
	v = json_object_object_get(json_object_array_get_idx(steps, 0), "platform");
	assert_string_equal(json_object_get_string(v), "SEV_SNP");
	json_object_put(o);
	free(out);
	out = tu_capture(tu_cli_in(NULL, "igvm", path, NULL));
	assert_non_null(
		strstr(out, "VP_CONTEXT           0xfffffffff000-0xffffffffffff [SEV_SNP] vCPU 0"));
	free(out);

	/* --all-loaders: each loader's digest for each platform, as --igvm-loader gives it */
	out = tu_capture(tu_cli_in(NULL, "igvm", path, "--all-loaders", "--json", "--vcpu-type",
				   "EPYC-v4", NULL));
	o = json_tokener_parse(out);
	assert_non_null(o);
	assert_int_equal(json_object_array_length(o), 12); /* SEV_SNP and SEV_ES, six loaders */
	uint8_t crate[48];
	char crate_hex[97];
	expect_crate(&t, crate);
	tu_hex(crate, 48, crate_hex);
	last = json_object_array_get_idx(o, 2);
	assert_string_equal(json_object_get_string(json_object_object_get(last, "loader")),
			    "igvm-crate");
	assert_string_equal(json_object_get_string(json_object_object_get(last, "measurement")),
			    crate_hex);
	tu_expect_digest(tu_cli_in(NULL, "-q", "--igvm", path, "--igvm-loader", "igvm-crate", NULL),
			 crate_hex);
	last = json_object_array_get_idx(o, 8); /* the crate under SEV-ES: refused, and says why */
	assert_string_equal(json_object_get_string(json_object_object_get(last, "platform")),
			    "SEV_ES");
	assert_non_null(strstr(json_object_get_string(json_object_object_get(last, "error")),
			       "SEV-SNP launches only"));
	json_object_put(o);
	free(out);
	tu_expect_refusal(tu_cli_in(NULL, "igvm", path, "--vcpus", "2", NULL), 2,
			  "go with --all-loaders");

	/* A kernel beside the file: cloud-hypervisor's measured boot, and no other loader's. */
	{
		uint8_t vm[4096], *kbytes = page("ch-kernel"), ld[48], ksha[32];
		char chpath[512], kpath[512], chhex[97];
		struct iw *w = iw_new();
		size_t flen;
		vp_vmsa(vm, 0x1);
		iw_platform(w, SNP, 2);
		iw_vp(w, KVM_VMSA, SNP, 0, vm);
		uint8_t *fbytes = iw_finish(w, &flen);
		snprintf(chpath, sizeof(chpath), "%s/ch.igvm", dir);
		snprintf(kpath, sizeof(kpath), "%s/bzImage", dir);
		tu_write_file(chpath, fbytes, flen);
		tu_write_file(kpath, kbytes, 4096);
		struct snpm_measure_config c = {
			.size = sizeof(c),
			.mode = SNPM_MODE_SNP,
			.vmm = SNPM_VMM_QEMU,
			.vcpus = 1,
			.loader = SNPM_LOADER_IGVM,
			.igvm = { .data = fbytes, .size = flen },
			.igvm_semantics = SNPM_IGVM_CLOUD_HYPERVISOR,
			.has_kernel = true,
		};
		sha256_of(kbytes, 4096, ksha);
		memcpy(c.kernel_sha256, ksha, 32);
		memcpy(c.initrd_sha256, snpm_sha256_of_nothing, 32);
		assert_int_equal(snpm_cmdline_sha256("console=ttyS0", c.cmdline_sha256, NULL), 0);
		assert_int_equal(measure(&c, ld, NULL), 0);
		tu_hex(ld, 48, chhex);
		tu_expect_digest(tu_cli_in(NULL, "-q", "--igvm", chpath, "--igvm-loader",
					   "cloud-hypervisor", "--kernel", kpath, "--append",
					   "console=ttyS0", NULL),
				 chhex);
		tu_expect_refusal(tu_cli_in(NULL, "-q", "--igvm", chpath, "--kernel", kpath, NULL),
				  2, "only --igvm-loader cloud-hypervisor");
		free(fbytes), free(kbytes);
	}

	/* report check predicts from the file too (its measurement is not this report's). */
	char *rep = tu_fixture("reports/genoa-v3/report.bin");
	r = tu_cli_in(NULL, "report", "check", rep, "-q", "--igvm", path, "--json", NULL);
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.out, "\"field\":\"measurement\",\"result\":\"fail\""));
	assert_non_null(strstr(r.out, hex));
	tu_run_free(&r);
	free(rep);

	/* sweep: rows equal single measurements */
	out = tu_capture(
		tu_cli_in(NULL, "sweep", "-q", "--igvm", path, "--vcpus", "1-3", "--csv", NULL));
	assert_non_null(strstr(out, hex));
	assert_int_equal(tu_lines(out), 4);
	free(out);
	tu_rmtree(dir);
	free(dir);
	drop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_snp),
		cmocka_unit_test(test_igvmmeasure_snp),
		cmocka_unit_test(test_igvm_crate_snp),
		cmocka_unit_test(test_igvm_crate_policy_and_shared),
		cmocka_unit_test(test_all_loaders_agree),
		cmocka_unit_test(test_public_kat),
		cmocka_unit_test(test_corim),
		cmocka_unit_test(test_cloud_hypervisor),
		cmocka_unit_test(test_openvmm_kvm),
		cmocka_unit_test(test_cloud_hypervisor_mshv),
		cmocka_unit_test(test_segment_attributes),
		cmocka_unit_test(test_sev_es),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_ap_features),
		cmocka_unit_test(test_kvm_refusals),
		cmocka_unit_test(test_loads_nothing),
		cmocka_unit_test(test_vmsas_share_a_gpa),
		cmocka_unit_test(test_page_cap),
		cmocka_unit_test(test_id_block),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_refused_launches),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_measure_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
