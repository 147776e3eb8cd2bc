/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The launch-digest engine: PAGE_INFO and VMSA byte layouts checked at their spec offsets, the
 * hashes table, CPU signatures, the reference's published vectors, and config-level refusals.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "testutil.h"
#include "../measure/chain.h"

static void sha384(const void *d, size_t n, uint8_t out[48])
{
	assert_int_equal(EVP_Digest(d, n, out, NULL, EVP_sha384(), NULL), 1);
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

/* PAGE_INFO (SEV-SNP ABI spec, SNP_LAUNCH_UPDATE): written out here byte by byte. */
static void test_page_info_layout(void **state)
{
	struct snpm_launch_ctx ctx;
	uint8_t prev[48], contents[48], info[0x70], want[48];
	uint64_t gpa = 0xfffff000ull;

	(void)state;
	for (int i = 0; i < 48; i++) {
		prev[i] = (uint8_t)(0x10 + i);
		contents[i] = (uint8_t)(0x80 + i);
	}
	memset(info, 0, sizeof(info));
	memcpy(info, prev, 48);
	memcpy(info + 48, contents, 48);
	info[96] = 0x70; /* u16 length */
	info[97] = 0x00;
	info[98] = 5; /* page type: SECRETS */
	info[99] = 0; /* imi */
	/* 100..102: VMPL3..1 permissions, 103: reserved */
	put64(info + 104, gpa);
	sha384(info, sizeof(info), want);

	snpm_launch_seed(&ctx, prev);
	assert_int_equal(snpm_launch_update(&ctx, SNPM_PAGE_SECRETS, gpa, contents, NULL), 0);
	assert_memory_equal(ctx.ld, want, 48);
}

static void test_chain_helpers(void **state)
{
	struct snpm_launch_ctx a, b;
	uint8_t pages[3 * 4096], d[48], zero[48] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(pages); i++)
		pages[i] = (uint8_t)(i * 7);
	snpm_launch_init(&a);
	snpm_launch_init(&b);
	assert_memory_equal(a.ld, zero, 48);
	assert_int_equal(snpm_launch_update_normal(&a, 0x100000, pages, sizeof(pages), NULL), 0);
	for (int i = 0; i < 3; i++) {
		sha384(pages + 4096 * i, 4096, d);
		assert_int_equal(
			snpm_launch_update(&b, SNPM_PAGE_NORMAL, 0x100000 + 4096 * i, d, NULL), 0);
	}
	assert_memory_equal(a.ld, b.ld, 48);

	assert_int_equal(snpm_launch_update_empty(&a, SNPM_PAGE_ZERO, 0x200000, 8192, NULL), 0);
	assert_int_equal(snpm_launch_update(&b, SNPM_PAGE_ZERO, 0x200000, zero, NULL), 0);
	assert_int_equal(snpm_launch_update(&b, SNPM_PAGE_ZERO, 0x201000, zero, NULL), 0);
	assert_memory_equal(a.ld, b.ld, 48);

	sha384(pages, 4096, d);
	assert_int_equal(snpm_launch_update_vmsa(&a, SNPM_VMSA_GPA_DEFAULT, pages, NULL), 0);
	assert_int_equal(snpm_launch_update(&b, SNPM_PAGE_VMSA, SNPM_VMSA_GPA_DEFAULT, d, NULL), 0);
	assert_memory_equal(a.ld, b.ld, 48);
}

static void test_chain_refusals_leave_state(void **state)
{
	struct snpm_launch_ctx ctx, before;
	uint8_t page[4096] = { 0 }, d[48] = { 0 };
	struct snpm_error err;

	(void)state;
	snpm_launch_init(&ctx);
	assert_int_equal(snpm_launch_update_normal(&ctx, 0, page, sizeof(page), NULL), 0);
	before = ctx;
	assert_int_equal(snpm_launch_update(&ctx, SNPM_PAGE_NORMAL, 0x1001, d, &err), SNPM_EINVAL);
	assert_int_equal(snpm_launch_update(&ctx, 7, 0x1000, d, &err), SNPM_EINVAL);
	assert_int_equal(snpm_launch_update(&ctx, SNPM_PAGE_NORMAL, 1ull << 52, d, &err),
			 SNPM_EINVAL);
	assert_int_equal(snpm_launch_update_normal(&ctx, 0, page, 100, &err), SNPM_EINVAL);
	assert_int_equal(snpm_launch_update_normal(&ctx, 0, page, 0, &err), SNPM_EINVAL);
	assert_int_equal(snpm_launch_update_empty(&ctx, SNPM_PAGE_NORMAL, 0, 4096, &err),
			 SNPM_EINVAL);
	/* A range running past 2^52 fails before any page is chained. */
	assert_int_equal(snpm_launch_update_empty(&ctx, SNPM_PAGE_ZERO, (1ull << 52) - 4096, 8192,
						  &err),
			 SNPM_ERANGE);
	assert_int_equal(snpm_launch_update_empty(&ctx, SNPM_PAGE_ZERO, UINT64_MAX - 4095, 8192,
						  &err),
			 SNPM_ERANGE);
	assert_memory_equal(ctx.ld, before.ld, 48);
}

static void test_branching_prefix(void **state)
{
	struct snpm_launch_ctx prefix, one, copy;
	uint8_t page[4096] = { 1 };

	(void)state;
	snpm_launch_init(&prefix);
	assert_int_equal(snpm_launch_update_normal(&prefix, 0x800000, page, sizeof(page), NULL), 0);
	copy = prefix; /* plain data: a struct copy is a branch */
	assert_int_equal(snpm_launch_update_vmsa(&copy, SNPM_VMSA_GPA_DEFAULT, page, NULL), 0);
	snpm_launch_init(&one);
	assert_int_equal(snpm_launch_update_normal(&one, 0x800000, page, sizeof(page), NULL), 0);
	assert_int_equal(snpm_launch_update_vmsa(&one, SNPM_VMSA_GPA_DEFAULT, page, NULL), 0);
	assert_memory_equal(copy.ld, one.ld, 48);
	assert_memory_not_equal(copy.ld, prefix.ld, 48);
}

static void test_cpu_signatures(void **state)
{
	uint32_t sig;

	(void)state;
	/* CPUID Fn0000_0001_EAX as the parts report it. */
	assert_int_equal(snpm_cpu_sig(23, 1, 2), 0x800f12);
	assert_int_equal(snpm_cpu_sig(23, 49, 0), 0x830f10);
	assert_int_equal(snpm_cpu_sig(25, 1, 1), 0xa00f11);
	assert_int_equal(snpm_cpu_sig(25, 17, 0), 0xa10f10);
	assert_int_equal(snpm_cpu_sig(26, 0, 0), 0xb00f00);
	assert_int_equal(snpm_cpu_sig(6, 0x3a, 9), 0x306a9);
	assert_int_equal(snpm_cpu_type_sig("EPYC-Milan-v2", &sig), 0);
	assert_int_equal(sig, 0xa00f11);
	assert_int_equal(snpm_cpu_type_sig("EPYC-Turin", &sig), 0);
	assert_int_equal(sig, 0xb00f00);
	assert_int_equal(snpm_cpu_type_sig("epyc-milan", &sig), SNPM_EINVAL);
	size_t n = 0;
	while (snpm_cpu_type_name(n))
		n++;
	assert_int_equal(n, 16);
}

/*
 * Every exported name table: each listed name parses back to its value and is that value's
 * name, aliases parse but are never a value's name, values are listed once, and a table's
 * _name()/_parse() pair agrees with it. The tools' choices, help and completions read these.
 */
static void check_table(const struct snpm_name *t, const char *(*name_of)(uint64_t),
			int (*parse)(const char *, uint64_t *), bool one_name_per_value)
{
	uint64_t v;

	assert_non_null(t);
	assert_non_null(t[0].name);
	for (size_t i = 0; t[i].name; i++) {
		assert_int_equal(snpm_name_parse(t, t[i].name, &v), 0);
		assert_true(v == t[i].value);
		if (!one_name_per_value) {
			/* CPU models: several names share a signature, each a name of its own. */
		} else if (t[i].flags & SNPM_NAME_ALIAS) {
			assert_string_not_equal(snpm_name_of(t, t[i].value), t[i].name);
		} else {
			assert_string_equal(snpm_name_of(t, t[i].value), t[i].name);
			for (size_t k = 0; k < i; k++)
				assert_false(t[k].value == t[i].value &&
					     !(t[k].flags & SNPM_NAME_ALIAS));
		}
		if (name_of && !(t[i].flags & SNPM_NAME_ALIAS))
			assert_string_equal(name_of(t[i].value), t[i].name);
		if (parse) {
			assert_int_equal(parse(t[i].name, &v), 0);
			assert_true(v == t[i].value);
		}
	}
	assert_int_equal(snpm_name_parse(t, "no-such-name", &v), SNPM_EINVAL);
	assert_int_equal(snpm_name_parse(t, NULL, &v), SNPM_EINVAL);
}

static const char *mode_name(uint64_t v)
{
	return snpm_mode_name((enum snpm_mode)v);
}

static int mode_parse(const char *s, uint64_t *v)
{
	enum snpm_mode m;
	int r = snpm_mode_parse(s, &m);

	*v = (uint64_t)m;
	return r;
}

static const char *vmm_name(uint64_t v)
{
	return snpm_vmm_name((enum snpm_vmm)v);
}

static int vmm_parse(const char *s, uint64_t *v)
{
	enum snpm_vmm m;
	int r = snpm_vmm_parse(s, &m);

	*v = (uint64_t)m;
	return r;
}

static const char *hash_name(uint64_t v)
{
	return snpm_hash_name((enum snpm_hash_alg)v);
}

static int hash_parse(const char *s, uint64_t *v)
{
	enum snpm_hash_alg m;
	int r = snpm_hash_parse(s, &m);

	*v = (uint64_t)m;
	return r;
}

static const char *family_name(uint64_t v)
{
	return snpm_cpu_family_name((enum snpm_cpu_family)v);
}

static int cpu_type_parse(const char *s, uint64_t *v)
{
	uint32_t sig;
	int r = snpm_cpu_type_sig(s, &sig);

	*v = sig;
	return r;
}

static void test_name_tables(void **state)
{
	uint64_t v;

	(void)state;
	check_table(snpm_mode_names(), mode_name, mode_parse, true);
	check_table(snpm_vmm_names(), vmm_name, vmm_parse, true);
	check_table(snpm_hash_names(), hash_name, hash_parse, true);
	check_table(snpm_cpu_family_names(), family_name, NULL, true);
	check_table(snpm_cpu_type_names(), NULL, cpu_type_parse, false);
	check_table(snpm_vmsa_fpu_names(), NULL, NULL, true);
	check_table(snpm_vmsa_gpa_names(), NULL, NULL, true);
	check_table(snpm_igvm_semantics_names(), NULL, NULL, true);
	check_table(snpm_guest_interface_names(), NULL, NULL, true);
	check_table(snpm_initramfs_compression_names(), NULL, NULL, true);
	check_table(snpm_rootfs_fs_names(), NULL, NULL, true);
	check_table(snpm_bundle_layout_names(), NULL, NULL, true);
	/* Spellings the reference accepts: aliases, and the SVSM mode and products in any case. */
	assert_int_equal(snpm_name_parse(snpm_mode_names(), "SEV-SNP", &v), 0);
	assert_true(v == SNPM_MODE_SNP);
	assert_int_equal(snpm_name_parse(snpm_mode_names(), "SNP:SVSM", &v), 0);
	assert_true(v == SNPM_MODE_SNP_SVSM);
	assert_int_equal(snpm_name_parse(snpm_mode_names(), "Snp", &v), SNPM_EINVAL);
	assert_int_equal(snpm_name_parse(snpm_cpu_family_names(), "mILAN", &v), 0);
	assert_true(v == SNPM_FAMILY_MILAN);
	assert_int_equal(snpm_name_parse(snpm_vmm_names(), "qemu", &v), SNPM_EINVAL);
	/* Every VMM name has a profile the VMSA builder takes. */
	for (const struct snpm_name *n = snpm_vmm_names(); n->name; n++) {
		struct snpm_vmsa_params p = { .size = sizeof(p),
					      .vmm = (enum snpm_vmm)n->value,
					      .eip = SNPM_BSP_EIP };
		uint8_t page[SNPM_PAGE_SIZE];
		assert_int_equal(snpm_vmsa_build(&p, page, NULL), 0);
	}
	assert_true(snpm_name_of(snpm_vmsa_gpa_names(), SNPM_VMSA_GPA_52BIT) != NULL);
}

static void test_vmm_names(void **state)
{
	enum snpm_vmm v;

	(void)state;
	assert_int_equal(snpm_vmm_parse("QEMU", &v), 0);
	assert_int_equal(v, SNPM_VMM_QEMU);
	assert_int_equal(snpm_vmm_parse("ec2", &v), 0);
	assert_int_equal(v, SNPM_VMM_EC2);
	assert_int_equal(snpm_vmm_parse("gce", &v), 0);
	assert_int_equal(snpm_vmm_parse("qemu", &v), SNPM_EINVAL);
	assert_string_equal(snpm_vmm_name(SNPM_VMM_GCE), "gce");
}

static size_t nonzero_bytes(const uint8_t *p, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += p[i] != 0;
	return c;
}

/* VMSA fields at the offsets of AMD APM vol. 2, table B-4. */
static void test_vmsa_qemu_layout(void **state)
{
	struct snpm_vmsa_params p = { .size = sizeof(p),
				      .vmm = SNPM_VMM_QEMU,
				      .eip = 0xfffffff0,
				      .sev_features = 0x21,
				      .vcpu_sig = 0x800f12 };
	uint8_t v[4096], expect[4096] = { 0 };

	(void)state;
	assert_int_equal(snpm_vmsa_build(&p, v, NULL), 0);
	for (int seg = 0; seg < 10; seg++) {
		/* es cs ss ds fs gs gdtr ldtr idtr tr: selector, attrib, limit, base */
		static const uint16_t attrib[10] = { 0x93, 0x9b, 0x93, 0x93, 0x93,
						     0x93, 0,	 0x82, 0,    0x8b };
		uint8_t *s = expect + 16 * seg;
		s[2] = (uint8_t)attrib[seg];
		s[4] = 0xff, s[5] = 0xff;
	}
	expect[0x10] = 0x00, expect[0x11] = 0xf0; /* CS selector 0xf000 */
	put64(expect + 0x18, 0xffff0000); /* CS base */
	put64(expect + 0xd0, 0x1000); /* EFER.SVME */
	put64(expect + 0x148, 0x40); /* CR4.MCE */
	put64(expect + 0x158, 0x10); /* CR0.ET */
	put64(expect + 0x160, 0x400); /* DR7 */
	put64(expect + 0x168, 0xffff0ff0); /* DR6 */
	put64(expect + 0x170, 0x2); /* RFLAGS */
	put64(expect + 0x178, 0xfff0); /* RIP */
	put64(expect + 0x268, 0x0007040600070406ull); /* G_PAT */
	put64(expect + 0x310, 0x800f12); /* RDX */
	put64(expect + 0x3b0, 0x21); /* SEV_FEATURES */
	put64(expect + 0x3e8, 0x1); /* XCR0 */
	expect[0x408] = 0x80, expect[0x409] = 0x1f; /* MXCSR */
	expect[0x410] = 0x7f, expect[0x411] = 0x03; /* x87 FCW */
	assert_memory_equal(v, expect, sizeof(v));

	/* An AP: CS base and RIP split from the reset-block EIP. */
	p.eip = 0x80b004;
	assert_int_equal(snpm_vmsa_build(&p, v, NULL), 0);
	assert_int_equal(get64(v + 0x18), 0x800000);
	assert_int_equal(get64(v + 0x178), 0xb004);
}

static void test_vmsa_profiles(void **state)
{
	struct snpm_vmsa_params p = {
		.size = sizeof(p), .vmm = SNPM_VMM_EC2, .eip = 0xfffffff0, .vcpu_sig = 0x800f12
	};
	uint8_t v[4096];

	(void)state;
	assert_int_equal(snpm_vmsa_build(&p, v, NULL), 0);
	assert_int_equal(v[0x12], 0x9a); /* CS not accessed at reset */
	assert_int_equal(v[0x22], 0x92);
	assert_int_equal(v[0x92], 0x83);
	assert_int_equal(get64(v + 0x310), 0x600);
	assert_int_equal(get64(v + 0x408), 0); /* MXCSR and FCW left 0 */
	assert_int_equal(nonzero_bytes(v + 0x400, 0x200), 0);
	p.vmm_version = 1;
	assert_int_equal(snpm_vmsa_build(&p, v, NULL), 0);
	assert_int_equal(get64(v + 0x310), 0);
	p.vmm_version = 0;
	p.eip = 0x80b004;
	assert_int_equal(snpm_vmsa_build(&p, v, NULL), 0);
	assert_int_equal(v[0x12], 0x9b);

	p.vmm = SNPM_VMM_GCE;
	assert_int_equal(snpm_vmsa_build(&p, v, NULL), 0);
	assert_int_equal(get64(v + 0x268), 0x00070106);
	assert_int_equal(get64(v + 0x310), 0x600);
	p.vmm_version = 2;
	assert_int_equal(snpm_vmsa_build(&p, v, NULL), SNPM_EUNSUPPORTED);
	p.vmm = 9;
	assert_int_equal(snpm_vmsa_build(&p, v, NULL), SNPM_EINVAL);
}

static void test_vmsa_svsm(void **state)
{
	struct snpm_vmsa_params p = { .size = sizeof(p),
				      .vmm = SNPM_VMM_QEMU,
				      .svsm = true,
				      .eip = 0xffa3d000,
				      .sev_features = 1,
				      .vcpu_sig = 0x800f12 };
	uint8_t v[4096];

	(void)state;
	assert_int_equal(snpm_vmsa_build(&p, v, NULL), 0);
	assert_int_equal(v[0x10], 8); /* CS selector */
	assert_int_equal(v[0x12], 0x9b);
	assert_int_equal(v[0x13], 0x0c);
	assert_int_equal(get64(v + 0x178), 0xffa3d000);
	assert_int_equal(get64(v + 0x158), 0x11);
	assert_int_equal(v[0x408], 0x80);
	assert_int_equal(v[0x410], 0); /* FCW 0: pinned by the hardware-read SVSM vectors */
	p.vmm = SNPM_VMM_EC2;
	assert_int_equal(snpm_vmsa_build(&p, v, NULL), SNPM_EUNSUPPORTED);
}

static void test_hashes_table_layout(void **state)
{
	uint8_t c[32], i[32], k[32], t[SNPM_HASHES_TABLE_SIZE], g[16];

	(void)state;
	memset(c, 0xc1, 32);
	memset(i, 0x11, 32);
	memset(k, 0x4b, 32);
	snpm_hashes_table_build(c, i, k, t);
	assert_int_equal(snpm_guid_parse("9438d606-4f22-4cc9-b479-a793d411fd21", g), 0);
	assert_memory_equal(t, g, 16);
	assert_int_equal(t[16] | t[17] << 8, 168);
	const struct {
		size_t at;
		const char *guid;
		const uint8_t *digest;
	} entries[] = { { 18, "97d02dd8-bd20-4c94-aa78-e7714d36ab2a", c },
			{ 68, "44baf731-3a2f-4bd7-9af1-41e29169781d", i },
			{ 118, "4de79437-abd2-427f-b835-d5b172d2045b", k } };
	for (int e = 0; e < 3; e++) {
		assert_int_equal(snpm_guid_parse(entries[e].guid, g), 0);
		assert_memory_equal(t + entries[e].at, g, 16);
		assert_int_equal(t[entries[e].at + 16] | t[entries[e].at + 17] << 8, 50);
		assert_memory_equal(t + entries[e].at + 18, entries[e].digest, 32);
	}
	assert_int_equal(nonzero_bytes(t + 168, 8), 0);
}

static void test_cmdline_hash(void **state)
{
	uint8_t d[32], want[32];

	(void)state;
	assert_int_equal(snpm_cmdline_sha256(NULL, d, NULL), 0);
	assert_int_equal(EVP_Digest("", 1, want, NULL, EVP_sha256(), NULL), 1);
	assert_memory_equal(d, want, 32);
	/* Verbatim: trailing and doubled spaces are kept, then the NUL. */
	assert_int_equal(snpm_cmdline_sha256("a b  c ", d, NULL), 0);
	assert_int_equal(EVP_Digest("a b  c ", 8, want, NULL, EVP_sha256(), NULL), 1);
	assert_memory_equal(d, want, 32);
}

struct loaded {
	uint8_t *fw, *svsm;
	size_t fw_len, svsm_len;
};

static void load_fixture(const char *name, uint8_t **data, size_t *len)
{
	char rel[128], *path;

	snprintf(rel, sizeof(rel), "sev-snp-measure/%s", name);
	path = tu_fixture(rel);
	*data = tu_read_file(path, len);
	free(path);
	if (!*data)
		fail_msg("%s: cannot read", rel);
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

static int64_t jint(struct json_object *o, const char *k, int64_t def)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : def;
}

static enum snpm_mode mode_of(const char *m)
{
	if (strcmp(m, "sev") == 0)
		return SNPM_MODE_SEV;
	if (strcmp(m, "seves") == 0)
		return SNPM_MODE_SEV_ES;
	if (strcmp(m, "snp:svsm") == 0)
		return SNPM_MODE_SNP_SVSM;
	return SNPM_MODE_SNP;
}

/* One published case. */
static void run_reference_case(struct json_object *c)
{
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct loaded in = { 0 };
	uint8_t out[48];
	char hex[97];
	size_t len = 0;
	int r;

	load_fixture(jstr(c, "firmware"), &in.fw, &in.fw_len);
	if (jstr(c, "svsm"))
		load_fixture(jstr(c, "svsm"), &in.svsm, &in.svsm_len);
	if (strcmp(jstr(c, "mode"), "snp:ovmf-hash") == 0) {
		assert_int_equal(snpm_measure_firmware(in.fw, in.fw_len, out, NULL), 0);
		len = 48;
	} else {
		cfg.mode = mode_of(jstr(c, "mode"));
		cfg.vcpus = (uint32_t)jint(c, "vcpus", 1);
		cfg.vcpu_sig = (uint32_t)strtoul(jstr(c, "vcpu_sig"), NULL, 0);
		cfg.guest_features = strtoull(jstr(c, "guest_features"), NULL, 0);
		assert_int_equal(snpm_vmm_parse(jstr(c, "vmm") ? jstr(c, "vmm") : "QEMU", &cfg.vmm),
				 0);
		cfg.vmm_version = (unsigned)jint(c, "vmm_version", 0);
		cfg.firmware = in.fw;
		cfg.firmware_len = in.fw_len;
		cfg.svsm = in.svsm;
		cfg.svsm_len = in.svsm_len;
		cfg.vars_size = (uint64_t)jint(c, "vars_size", 0);
		if (jstr(c, "snp_ovmf_hash")) {
			cfg.has_firmware_digest = true;
			assert_int_equal(
				tu_unhex(jstr(c, "snp_ovmf_hash"), cfg.firmware_digest, 48), 48);
		}
		cfg.has_kernel = json_object_get_boolean(json_object_object_get(c, "kernel"));
		assert_int_equal(snpm_digest(SNPM_HASH_SHA256, "", 0, cfg.kernel_sha256, NULL), 0);
		memcpy(cfg.initrd_sha256, cfg.kernel_sha256, 32);
		assert_int_equal(snpm_cmdline_sha256(jstr(c, "append"), cfg.cmdline_sha256, NULL),
				 0);
		r = snpm_measure(&cfg, out, &len, NULL);
		if (strcmp(jstr(c, "expect"), "error") == 0) {
			assert_int_not_equal(r, 0);
			len = 0;
		} else {
			assert_int_equal(r, 0);
		}
	}
	if (len) {
		tu_hex(out, len, hex);
		if (strcmp(hex, jstr(c, "expect")) != 0)
			fail_msg("%s: got %s", jstr(c, "name"), hex);
	}
	free(in.fw);
	free(in.svsm);
}

static void test_reference_published_vectors(void **state)
{
	char *path = tu_source_path("vectors/reference-test-guest.json");
	struct json_object *doc = json_object_from_file(path), *cases;
	size_t n;

	(void)state;
	free(path);
	assert_non_null(doc);
	cases = json_object_object_get(doc, "cases");
	n = json_object_array_length(cases);
	assert_true(n >= 25);
	for (size_t i = 0; i < n; i++)
		run_reference_case(json_object_array_get_idx(cases, i));
	json_object_put(doc);
}

/* A minimal SNP-capable firmware: one page of filler plus a table with the reset block. */
static uint8_t *tiny_firmware(size_t *len)
{
	uint8_t *fw = calloc(1, 8192);
	uint8_t *end = fw + 8192 - 32;

	/* entry: data (4) u16 22 GUID; footer: u16 40 GUID */
	uint8_t *e = end - 18 - 22;
	e[0] = 0x04, e[1] = 0xb0, e[2] = 0x80;
	e[4] = 22;
	assert_int_equal(snpm_guid_parse(SNPM_GUID_SEV_ES_RESET_BLOCK, e + 6), 0);
	end[-18] = 40;
	assert_int_equal(snpm_guid_parse(SNPM_GUID_OVMF_TABLE_FOOTER, end - 16), 0);
	*len = 8192;
	return fw;
}

/*
 * Structs that grow (SNPM_INIT): a caller built with fewer fields gets their defaults, a caller
 * with more gets them refused unless they are zero, and a struct nobody sized is refused.
 */
static void test_sized_structs(void **state)
{
	struct {
		struct snpm_measure_config cfg;
		uint8_t newer[16]; /* a later version's fields, past this library's */
	} big;
	struct snpm_measure_config cfg;
	struct snpm_error err;
	uint8_t want[48], got[48];
	size_t len;

	(void)state;
	SNPM_INIT(&cfg);
	assert_int_equal(cfg.size, sizeof(cfg));
	cfg.firmware = tiny_firmware(&cfg.firmware_len);
	cfg.mode = SNPM_MODE_SNP;
	cfg.vmm = SNPM_VMM_QEMU;
	cfg.vcpus = 2;
	cfg.vcpu_sig = 0x800f12;
	cfg.guest_features = 1;
	assert_int_equal(snpm_measure(&cfg, want, &len, &err), 0);
	/* Older: a version that ends before the libkrun fields gets them as zero, their default. */
	struct snpm_measure_config older = cfg;
	older.size = offsetof(struct snpm_measure_config, krun_qboot);
	older.krun_ram_mib = 4096; /* past its size: never read */
	assert_int_equal(snpm_measure(&older, got, &len, &err), 0);
	assert_memory_equal(got, want, sizeof(want));
	/* Newer: refused, whatever its new fields hold (none of them is read). */
	memset(&big, 0, sizeof(big));
	big.cfg = cfg;
	big.cfg.size = sizeof(big);
	assert_int_equal(snpm_measure(&big.cfg, got, &len, &err), SNPM_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "newer libsnpmeasure"));
	big.cfg.size = UINT32_MAX; /* not a size at all: refused the same, nothing read */
	assert_int_equal(snpm_measure(&big.cfg, got, &len, &err), SNPM_EUNSUPPORTED);
	/* Never sized: refused, saying how to size it. */
	cfg.size = 0;
	assert_int_equal(snpm_measure(&cfg, got, &len, &err), SNPM_EINVAL);
	assert_non_null(strstr(err.message, "SNPM_INIT"));
	free((void *)cfg.firmware);
}

/* One wrong configuration of test_config_refusals: what it changes from a good one, and how it
 * must be refused. */
struct config_case {
	const char *what;
	void (*change)(struct snpm_measure_config *c);
	int code;
	const char *message; /* in the error, or NULL */
};

static void no_vcpus(struct snpm_measure_config *c)
{
	c->vcpus = 0;
}

static void too_many_vcpus(struct snpm_measure_config *c)
{
	c->vcpus = SNPM_MAX_VCPUS + 1;
}

static void kernel_unset(struct snpm_measure_config *c)
{
	c->has_kernel = true; /* the digests left zero: a field unset, never measured */
}

static void initrd_unset(struct snpm_measure_config *c)
{
	c->has_kernel = true;
	memcpy(c->kernel_sha256, snpm_sha256_of_nothing, 32);
	memcpy(c->cmdline_sha256, snpm_sha256_of_nothing, 32);
}

static void kernel_without_table(struct snpm_measure_config *c)
{
	initrd_unset(c);
	memcpy(c->initrd_sha256, snpm_sha256_of_nothing, 32); /* no SNP_KERNEL_HASHES section */
}

static void sev_kernel_without_table(struct snpm_measure_config *c)
{
	kernel_without_table(c);
	c->mode = SNPM_MODE_SEV; /* no hashes table either */
}

static void short_firmware(struct snpm_measure_config *c)
{
	c->firmware_len = 8000;
}

static void seves_with_digest(struct snpm_measure_config *c)
{
	c->mode = SNPM_MODE_SEV_ES;
	c->has_firmware_digest = true;
}

static void svsm_on_ec2(struct snpm_measure_config *c)
{
	c->mode = SNPM_MODE_SNP_SVSM;
	c->vmm = SNPM_VMM_EC2;
}

static void qemu_version_2(struct snpm_measure_config *c)
{
	c->vmm_version = 2;
}

static void unaligned_vmsa(struct snpm_measure_config *c)
{
	c->vmsa_gpa = 0x123;
}

static void no_reset_block(struct snpm_measure_config *c)
{
	static uint8_t plain[8192];

	c->firmware = plain; /* no vCPU can start: refused even for one */
	c->vcpus = 1;
}

static const struct config_case config_cases[] = {
	{ "no vCPU", no_vcpus, SNPM_ERANGE, NULL },
	{ "more vCPUs than KVM has", too_many_vcpus, SNPM_ERANGE, NULL },
	{ "a kernel digest left unset", kernel_unset, SNPM_EINVAL, "kernel_sha256 is all zeros" },
	{ "an initrd digest left unset", initrd_unset, SNPM_EINVAL, "initrd_sha256 is all zeros" },
	{ "a kernel, no hashes section", kernel_without_table, SNPM_EUNSUPPORTED,
	  "SNP_KERNEL_HASHES" },
	{ "SEV: a kernel, no hashes table", sev_kernel_without_table, SNPM_EUNSUPPORTED, NULL },
	{ "firmware not whole pages", short_firmware, SNPM_EMALFORMED, NULL },
	{ "SEV-ES from a firmware digest", seves_with_digest, SNPM_EINVAL, NULL },
	{ "an SVSM under EC2", svsm_on_ec2, SNPM_EUNSUPPORTED, NULL },
	{ "QEMU has no version 2", qemu_version_2, SNPM_EUNSUPPORTED, NULL },
	{ "a VMSA GPA not page-aligned", unaligned_vmsa, SNPM_EINVAL, NULL },
	{ "no SEV-ES reset block", no_reset_block, SNPM_EMALFORMED, "reset block" },
};

static void test_config_refusals(void **state)
{
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct snpm_error err;
	uint8_t out[48] = { 0 }, zero[48] = { 0 };
	size_t len;

	(void)state;
	cfg.firmware = tiny_firmware(&cfg.firmware_len);
	cfg.mode = SNPM_MODE_SNP;
	cfg.vmm = SNPM_VMM_QEMU;
	cfg.vcpus = 2;
	cfg.vcpu_sig = 0x800f12;
	cfg.guest_features = 1;
	assert_int_equal(snpm_measure(&cfg, out, &len, &err), 0);
	assert_int_equal(len, 48);
	for (size_t i = 0; i < sizeof(config_cases) / sizeof(config_cases[0]); i++) {
		const struct config_case *k = &config_cases[i];
		struct snpm_measure_config bad = cfg;
		memset(out, 0, sizeof(out));
		k->change(&bad);
		int r = snpm_measure(&bad, out, &len, &err);
		if (r != k->code)
			fail_msg("%s: %d, not %d", k->what, r, k->code);
		if (k->message && !strstr(err.message, k->message))
			fail_msg("%s: \"%s\" does not say \"%s\"", k->what, err.message,
				 k->message);
		assert_memory_equal(out, zero, 48); /* nothing written on failure */
	}
	/* SEV needs no reset block. */
	struct snpm_measure_config sev = cfg;
	no_reset_block(&sev);
	sev.mode = SNPM_MODE_SEV;
	assert_int_equal(snpm_measure(&sev, out, &len, &err), 0);
	assert_int_equal(len, 32);

	uint8_t page[4096];
	assert_int_equal(snpm_measure_vmsa(&cfg, 1, page, NULL), 0);
	assert_int_equal(get64(page + 0x178), 0xb004);
	assert_int_equal(snpm_measure_vmsa(&cfg, 2, page, &err), SNPM_ERANGE);
	free((void *)cfg.firmware);
}

static void test_vmsa_gpa_option(void **state)
{
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	uint8_t a[48], b[48];
	size_t len;

	(void)state;
	cfg.firmware = tiny_firmware(&cfg.firmware_len);
	cfg.mode = SNPM_MODE_SNP;
	cfg.vmm = SNPM_VMM_GCE;
	cfg.vcpus = 1;
	cfg.guest_features = 1;
	assert_int_equal(snpm_measure(&cfg, a, &len, NULL), 0);
	cfg.vmsa_gpa = SNPM_VMSA_GPA_DEFAULT;
	assert_int_equal(snpm_measure(&cfg, b, &len, NULL), 0);
	assert_memory_equal(a, b, 48);
	cfg.vmsa_gpa = 0xFFFFFFFFFF000ull;
	assert_int_equal(snpm_measure(&cfg, b, &len, NULL), 0);
	assert_memory_not_equal(a, b, 48);
	free((void *)cfg.firmware);
}

static void test_guest_feature_names(void **state)
{
	struct snpm_error err;
	uint64_t f;

	(void)state;
	assert_int_equal(snpm_guest_features_parse("SNPActive,DebugSwap", &f, NULL), 0);
	assert_int_equal(f, 0x21);
	assert_int_equal(snpm_guest_features_parse("snpactive+debugswap|SecureTSC", &f, NULL), 0);
	assert_int_equal(f, 0x221);
	assert_int_equal(snpm_guest_features_parse("0x21", &f, NULL), 0);
	assert_int_equal(f, 0x21);
	assert_int_equal(snpm_guest_features_parse("33", &f, NULL), 0);
	assert_int_equal(f, 33);
	assert_int_equal(snpm_guest_features_parse("0b101", &f, NULL), 0);
	assert_int_equal(f, 5);
	assert_int_equal(snpm_guest_features_parse("SmtProtection", &f, NULL), 0);
	assert_int_equal(f, 0x8000);
	/* SEV_STATUS bits 18 and 23 (Linux msr-index.h) are VMSA bits 16 and 21. */
	assert_int_equal(snpm_guest_features_parse("SNPActive,SecureAVIC", &f, NULL), 0);
	assert_int_equal(f, 0x10001);
	assert_int_equal(snpm_guest_features_parse("IBPBOnEntry", &f, NULL), 0);
	assert_int_equal(f, 0x200000);
	/* Bits no source names are measured as given, not refused. */
	assert_int_equal(snpm_guest_features_parse("0x800", &f, &err), 0);
	assert_int_equal(f, 0x800);
	assert_int_equal(snpm_guest_features_parse("0x8000000000000001", &f, &err), 0);
	assert_int_equal(f, 0x8000000000000001ull);
	assert_int_equal(snpm_guest_features_parse("SNPActive,Bogus", &f, &err), SNPM_EINVAL);
	assert_non_null(strstr(err.message, "Bogus"));
	assert_int_equal(snpm_guest_features_parse("0xzz", &f, &err), SNPM_EINVAL);
	assert_int_equal(snpm_guest_features_parse("", &f, &err), SNPM_EINVAL);
	assert_null(snpm_guest_feature_name(11));
	assert_null(snpm_guest_feature_name(13));
	assert_null(snpm_guest_feature_name(17));
	assert_null(snpm_guest_feature_name(22));
	assert_null(snpm_guest_feature_name(64));
	assert_string_equal(snpm_guest_feature_name(16), "SecureAVIC");
	assert_string_equal(snpm_guest_feature_name(21), "IBPBOnEntry");
	/* Every bit NAMED says is named, and no other. */
	for (unsigned bit = 0; bit < 64; bit++)
		assert_int_equal(snpm_guest_feature_name(bit) != NULL,
				 (SNPM_GUEST_FEATURES_NAMED >> bit) & 1);
	char names[64];
	assert_int_equal(snpm_guest_features_format(0x200821, names, sizeof(names)),
			 strlen("SNPActive,DebugSwap,bit11,IBPBOnEntry"));
	assert_string_equal(names, "SNPActive,DebugSwap,bit11,IBPBOnEntry");
	/* Cut to the buffer, NUL-terminated, still telling the whole length. */
	assert_int_equal(snpm_guest_features_format(0x21, names, 5), strlen("SNPActive,DebugSwap"));
	assert_string_equal(names, "SNPA");
	assert_string_equal(snpm_guest_feature_name(5), "DebugSwap");
	size_t named = 0;
	for (unsigned bit = 0; bit < 64; bit++)
		named += snpm_guest_feature_name(bit) != NULL;
	assert_int_equal(named, 16);
}

/* The KAT firmwares, rebuilt from their recipes. */
struct kat_fw {
	uint8_t *data;
	size_t len;
};

static struct kat_fw build_kat(const char *name)
{
	char *path = tu_source_path("vectors/launch-digest-kat.json");
	struct json_object *kat = json_object_from_file(path);
	struct kat_fw fw;

	free(path);
	assert_non_null(kat);
	fw.data = tu_build_input(
		json_object_object_get(json_object_object_get(kat, "inputs"), name), &fw.len);
	json_object_put(kat);
	return fw;
}

static const char *const kat_firmwares[] = { "dev_amdsev_256k.fd", "dev_x64_128k.fd",
					     "dev_caa_64k.fd" };

static void base_config(struct snpm_measure_config *cfg, const struct kat_fw *fw, bool kernel)
{
	SNPM_INIT(cfg);
	cfg->mode = SNPM_MODE_SNP;
	cfg->vmm = SNPM_VMM_QEMU;
	cfg->vcpus = 3;
	cfg->vcpu_sig = 0xa00f11;
	cfg->guest_features = 0x21;
	cfg->firmware = fw->data;
	cfg->firmware_len = fw->len;
	cfg->has_kernel = kernel;
	memset(cfg->kernel_sha256, 0x4b, 32);
	memset(cfg->initrd_sha256, 0x11, 32);
	memset(cfg->cmdline_sha256, 0xc1, 32);
}

struct trace_log {
	size_t n, vmsas, seeds;
	struct snpm_trace_event last;
	uint8_t firmware_sha256[32];
};

static void log_event(void *arg, const struct snpm_trace_event *ev)
{
	struct trace_log *t = arg;

	t->n++;
	t->vmsas += ev->phase == SNPM_PHASE_VMSA;
	t->seeds += ev->phase == SNPM_PHASE_SEED;
	if (ev->phase == SNPM_PHASE_FIRMWARE && !ev->page_type)
		memcpy(t->firmware_sha256, ev->contents, 32);
	t->last = *ev;
}

static void test_trace_ends_at_measurement(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kat_firmwares) / sizeof(kat_firmwares[0]); i++) {
		struct kat_fw fw = build_kat(kat_firmwares[i]);
		struct snpm_measure_config cfg = { .size = sizeof(cfg) };
		struct trace_log log = { 0 };
		uint8_t plain[48], traced[48], sha[32];
		size_t len;
		bool kernel = i != 1; /* dev_x64 has no kernel hashes */

		base_config(&cfg, &fw, kernel);
		assert_int_equal(snpm_measure(&cfg, plain, &len, NULL), 0);
		assert_int_equal(snpm_measure_trace(&cfg, log_event, &log, traced, &len, NULL), 0);
		assert_memory_equal(plain, traced, 48);
		assert_memory_equal(log.last.digest, plain, 48);
		assert_int_equal(log.vmsas, 3);
		assert_true(log.n >= fw.len / 4096 + 3);

		/* SEV-ES: one step per piece, each with its SHA-256. */
		memset(&log, 0, sizeof(log));
		cfg.mode = SNPM_MODE_SEV_ES;
		assert_int_equal(snpm_measure_trace(&cfg, log_event, &log, traced, &len, NULL), 0);
		assert_int_equal(len, 32);
		assert_int_equal(log.n, 1 + (kernel ? 1 : 0) + 3);
		assert_int_equal(snpm_digest(SNPM_HASH_SHA256, fw.data, fw.len, sha, NULL), 0);
		assert_memory_equal(log.firmware_sha256, sha, 32);
		free(fw.data);
	}
}

/* Measuring from metadata and the firmware digest equals measuring the image. */
static void test_metadata_only_equals_image(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kat_firmwares) / sizeof(kat_firmwares[0]); i++) {
		struct kat_fw fw = build_kat(kat_firmwares[i]);
		struct snpm_measure_config cfg, md;
		struct snpm_ovmf_info info, back;
		struct snpm_ovmf_digests d = { 0 }, d2;
		uint8_t a[48], b[48];
		char *json;
		size_t len;

		base_config(&cfg, &fw, i != 1);
		assert_int_equal(snpm_measure(&cfg, a, &len, NULL), 0);
		assert_int_equal(snpm_ovmf_parse(fw.data, fw.len, &info, NULL), 0);
		d.has_snp = true;
		assert_int_equal(snpm_measure_firmware(fw.data, fw.len, d.snp, NULL), 0);
		/* Through the JSON that `snpmeasure ovmf --json` prints. */
		assert_int_equal(snpm_ovmf_to_json(&info, fw.data, &d, true, &json, NULL), 0);
		assert_int_equal(snpm_ovmf_from_json(json, &back, &d2, NULL), 0);
		free(json);
		assert_true(d2.has_snp);
		md = cfg;
		md.firmware = NULL;
		md.firmware_len = 0;
		md.firmware_info = &back;
		md.has_firmware_digest = true;
		memcpy(md.firmware_digest, d2.snp, 48);
		assert_int_equal(snpm_measure(&md, b, &len, NULL), 0);
		assert_memory_equal(a, b, 48);
		/* Without the digest, or outside SNP, the image is needed. */
		md.has_firmware_digest = false;
		assert_int_equal(snpm_measure(&md, b, &len, NULL), SNPM_EINVAL);
		md.has_firmware_digest = true;
		md.mode = SNPM_MODE_SEV_ES;
		assert_int_equal(snpm_measure(&md, b, &len, NULL), SNPM_EINVAL);
		free(fw.data);
	}
}

struct row_check {
	struct snpm_measure_config base;
	size_t rows;
	int stop_after;
};

static int check_row(void *arg, const struct snpm_sweep_row *row)
{
	struct row_check *c = arg;
	struct snpm_measure_config cfg = c->base;
	uint8_t d[48];
	size_t len;

	cfg.vmm = row->vmm;
	cfg.vcpu_sig = row->vcpu_sig;
	cfg.guest_features = row->guest_features;
	cfg.vcpus = row->vcpus;
	assert_int_equal(snpm_measure(&cfg, d, &len, NULL), 0);
	assert_int_equal(len, row->digest_len);
	assert_memory_equal(d, row->digest, len);
	c->rows++;
	return c->stop_after && (int)c->rows == c->stop_after ? 42 : 0;
}

static void test_sweep_rows_equal_single(void **state)
{
	static const uint32_t vcpus[] = { 1, 2, 5, 9 };
	static const uint32_t sigs[] = { 0x800f12, 0xa00f11 };
	static const uint64_t feats[] = { 0x1, 0x21 };
	static const enum snpm_vmm vmms[] = { SNPM_VMM_QEMU, SNPM_VMM_EC2, SNPM_VMM_GCE };
	struct snpm_sweep_space sp = { sizeof(sp), vcpus, 4, sigs, 2, feats, 2, vmms, 3 };
	struct kat_fw fw = build_kat("dev_amdsev_256k.fd");
	static const enum snpm_mode modes[] = { SNPM_MODE_SNP, SNPM_MODE_SEV_ES, SNPM_MODE_SEV };

	(void)state;
	for (size_t m = 0; m < 3; m++) {
		struct row_check c = { 0 };
		base_config(&c.base, &fw, true);
		c.base.mode = modes[m];
		assert_int_equal(snpm_sweep(&c.base, &sp, check_row, &c, NULL), 0);
		assert_int_equal(c.rows, 4 * 2 * 2 * 3);
	}
	/* A callback's non-zero return stops the sweep and comes back. */
	struct row_check c = { .stop_after = 5 };
	base_config(&c.base, &fw, true);
	assert_int_equal(snpm_sweep(&c.base, &sp, check_row, &c, NULL), 42);
	assert_int_equal(c.rows, 5);
	free(fw.data);
}

static int never(void *arg, const struct snpm_sweep_row *row)
{
	(void)arg, (void)row;
	fail_msg("no row may be emitted for a refused sweep");
	return 0;
}

static void test_sweep_refusals(void **state)
{
	static const uint32_t bad_vcpus[] = { 4, 2 };
	static const uint32_t vcpus[] = { 1 };
	static const uint32_t sigs[] = { 0x800f12 };
	static const uint64_t feats[] = { 0x1 };
	static const enum snpm_vmm vmms[] = { SNPM_VMM_QEMU }, bad_vmms[] = { SNPM_VMM_QEMU, 7 };
	struct kat_fw fw = build_kat("dev_amdsev_256k.fd");
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct snpm_sweep_space sp = { .size = sizeof(sp) };
	struct snpm_error err;

	(void)state;
	base_config(&cfg, &fw, true);
	sp = (struct snpm_sweep_space){ sizeof(sp), bad_vcpus, 2, sigs, 1, feats, 1, vmms, 1 };
	assert_int_equal(snpm_sweep(&cfg, &sp, never, NULL, &err), SNPM_EINVAL);
	sp = (struct snpm_sweep_space){ sizeof(sp), vcpus, 1, sigs, 1, feats, 1, bad_vmms, 2 };
	assert_int_equal(snpm_sweep(&cfg, &sp, never, NULL, &err), SNPM_EINVAL);
	sp = (struct snpm_sweep_space){ sizeof(sp), vcpus, 0, sigs, 1, feats, 1, vmms, 1 };
	assert_int_equal(snpm_sweep(&cfg, &sp, never, NULL, &err), SNPM_EINVAL);
	free(fw.data);
}

static void test_strings(void **state)
{
	(void)state;
	assert_string_equal(snpm_version(), SNPM_VERSION_STRING);
	assert_string_equal(snpm_strerror(SNPM_EMALFORMED), "malformed input");
	assert_string_equal(snpm_strerror(12345), "unknown error");
	assert_string_equal(snpm_section_type_name(0x10), "SNP_KERNEL_HASHES");
	assert_null(snpm_section_type_name(5));

	uint64_t v;
	uint8_t b[2];
	char hex[5];
	assert_true(snpm_parse_number("0x1f", UINT64_MAX, &v) && v == 31);
	assert_true(snpm_parse_number("0b101", UINT64_MAX, &v) && v == 5);
	assert_true(snpm_parse_number("0o17", UINT64_MAX, &v) && v == 15);
	assert_true(snpm_parse_number("42", UINT64_MAX, &v) && v == 42);
	assert_false(snpm_parse_number("-1", UINT64_MAX, &v));
	assert_false(snpm_parse_number("+1", UINT64_MAX, &v));
	assert_false(snpm_parse_number(" 1", UINT64_MAX, &v));
	assert_false(snpm_parse_number("0x", UINT64_MAX, &v));
	assert_false(snpm_parse_number("0x-1", UINT64_MAX, &v));
	assert_false(snpm_parse_number("0b2", UINT64_MAX, &v));
	assert_false(snpm_parse_number("18446744073709551616", UINT64_MAX, &v));
	assert_false(snpm_parse_number("256", 255, &v));
	assert_true(snpm_hex_decode("aB0f", b, 2) && b[0] == 0xab && b[1] == 0x0f);
	assert_false(snpm_hex_decode("aB0", b, 2));
	assert_false(snpm_hex_decode("aBxf", b, 2));
	snpm_hex_encode(b, 2, hex);
	assert_string_equal(hex, "ab0f");
}

/* The zero page's digest the chain takes as known is SHA-384 of 4096 zero bytes, and zero
 * pages chained with it equal zero pages hashed. */
static void test_zero_page_digest(void **state)
{
	static const uint8_t zeros[3 * 4096];
	struct snpm_launch_ctx a, b;
	uint8_t want[48];

	(void)state;
	assert_int_equal(EVP_Digest(zeros, 4096, want, NULL, EVP_sha384(), NULL), 1);
	assert_memory_equal(snpm_zero_page_sha384, want, 48);
	snpm_launch_init(&a);
	snpm_launch_init(&b);
	assert_int_equal(snpm_launch_update_normal(&a, 0x10000, zeros, sizeof(zeros), NULL), 0);
	assert_int_equal(snpm_launch_zero_pages(&b, 0x10000, sizeof(zeros), NULL, NULL, NULL), 0);
	assert_memory_equal(a.ld, b.ld, 48);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_page_digest),
		cmocka_unit_test(test_page_info_layout),
		cmocka_unit_test(test_chain_helpers),
		cmocka_unit_test(test_chain_refusals_leave_state),
		cmocka_unit_test(test_branching_prefix),
		cmocka_unit_test(test_cpu_signatures),
		cmocka_unit_test(test_name_tables),
		cmocka_unit_test(test_vmm_names),
		cmocka_unit_test(test_vmsa_qemu_layout),
		cmocka_unit_test(test_vmsa_profiles),
		cmocka_unit_test(test_vmsa_svsm),
		cmocka_unit_test(test_hashes_table_layout),
		cmocka_unit_test(test_cmdline_hash),
		cmocka_unit_test(test_reference_published_vectors),
		cmocka_unit_test(test_sized_structs),
		cmocka_unit_test(test_config_refusals),
		cmocka_unit_test(test_vmsa_gpa_option),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_guest_feature_names),
		cmocka_unit_test(test_trace_ends_at_measurement),
		cmocka_unit_test(test_metadata_only_equals_image),
		cmocka_unit_test(test_sweep_rows_equal_single),
		cmocka_unit_test(test_sweep_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
