/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libkrun launches against vectors/krun-kat.json: the digests libkrunfw's own measurement program
 * computed for the stand-in library the build makes (tests/krunfw/gen_standin.c), and the
 * SHA-384 of the VMSA dumps in libkrunfw's utils/vmsa.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "testutil.h"

static struct json_object *vectors(void)
{
	char *path = tu_source_path("vectors/krun-kat.json");
	struct json_object *o = json_object_from_file(path);

	if (!o)
		fail_msg("%s: cannot read", path);
	free(path);
	return o;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("vector has no %s", key);
	return json_object_get_string(v);
}

/* The stand-in the vectors were made for: the generator wrote the same source. */
static void test_standin_is_the_vectors(void **state)
{
	struct json_object *v = vectors();
	size_t len;
	uint8_t *src = tu_read_file(KRUNFW_STANDIN_SOURCE, &len), sha[32];
	char hex[65];

	(void)state;
	assert_non_null(src);
	assert_int_equal(EVP_Digest(src, len, sha, NULL, EVP_sha256(), NULL), 1);
	tu_hex(sha, 32, hex);
	assert_string_equal(hex, str(v, "standin_source_sha256"));
	free(src);
	json_object_put(v);
}

/* The library is read, not loaded: the pieces and the kernel address from its symbols and code,
 * whichever way the compiler laid krunfw_get_kernel out. */
static void test_inspect(void **state)
{
	const char *libs[] = { KRUNFW_STANDIN, KRUNFW_STANDIN_O2 };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct snpm_krunfw k;
		struct snpm_error err;
		if (snpm_krunfw_inspect(libs[i], &k, &err) < 0)
			fail_msg("%s: %s", libs[i], err.message);
		assert_int_equal(k.qboot_size, 64 << 10);
		assert_int_equal(k.kernel_size, 192 << 10);
		assert_int_equal(k.initrd_size, 128 << 10);
		assert_true(k.has_kernel_gpa);
		assert_int_equal(k.kernel_gpa, 0x1000000);
		assert_int_equal(k.abi_version, 5);
	}
}

static void test_cases(void **state)
{
	struct json_object *v = vectors(), *cases = json_object_object_get(v, "cases");
	static const char *const modes[] = { "sev", "seves", "snp" };

	(void)state;
	assert_int_equal(json_object_array_length(cases), 4);
	for (size_t i = 0; i < json_object_array_length(cases); i++) {
		struct json_object *c = json_object_array_get_idx(cases, i);
		char vcpus[16], ram[16];
		snprintf(vcpus, sizeof(vcpus), "%d",
			 json_object_get_int(json_object_object_get(c, "vcpus")));
		snprintf(ram, sizeof(ram), "%d",
			 json_object_get_int(json_object_object_get(c, "ram_mib")));
		for (size_t m = 0; m < 3; m++)
			tu_expect_digest(tu_cli_in(NULL, "--mode", modes[m], "--vcpus", vcpus,
						   "--ram-mib", ram, "--vmm-type", "krun",
						   "--krunfw", KRUNFW_STANDIN, NULL),
					 str(c, modes[m]));
	}
	json_object_put(v);
}

/* The same pieces as files, as a user who extracted them passes them. */
static void test_pieces_as_files(void **state)
{
	struct json_object *v = vectors(),
			   *c = json_object_array_get_idx(json_object_object_get(v, "cases"), 1);
	struct snpm_krunfw k;
	size_t len;
	uint8_t *so = tu_read_file(KRUNFW_STANDIN, &len);
	char *dir = tu_mkdtemp(), q[512], kern[512], init[512];

	(void)state;
	assert_int_equal(snpm_krunfw_inspect(KRUNFW_STANDIN, &k, NULL), 0);
	snprintf(q, sizeof(q), "%s/qboot", dir);
	snprintf(kern, sizeof(kern), "%s/kernel", dir);
	snprintf(init, sizeof(init), "%s/initrd", dir);
	tu_write_file(q, so + k.qboot_offset, k.qboot_size);
	tu_write_file(kern, so + k.kernel_offset, k.kernel_size);
	tu_write_file(init, so + k.initrd_offset, k.initrd_size);
	tu_expect_digest(tu_cli_in(NULL, "--mode", "snp", "--vcpus", "4", "--vmm-type", "krun",
				   "--qboot", q, "--kernel", kern, "--kernel-gpa", "0x1000000",
				   "--initrd", init, NULL),
			 str(c, "snp"));
	/* The kernel elsewhere measures otherwise; a piece that is no whole number of pages, or
	 * an initrd reaching into the kernel, is refused. */
	struct tu_run r = tu_cli_in(NULL, "-q", "--vcpus", "4", "--vmm-type", "krun", "--qboot", q,
				    "--kernel", kern, "--kernel-gpa", "0x2000000", "--initrd", init,
				    NULL);
	char *out = tu_capture(r);
	assert_string_not_equal(out, str(c, "snp"));
	free(out);
	tu_write_file(q, so + k.qboot_offset, k.qboot_size - 1);
	tu_expect_refusal(tu_cli_in(NULL, "-q", "--vmm-type", "krun", "--qboot", q, "--kernel",
				    kern, "--kernel-gpa", "0x1000000", "--initrd", init, NULL),
			  1, "qboot of 65535 bytes is not a non-zero whole number of pages");
	tu_write_file(q, so + k.qboot_offset, k.qboot_size);
	tu_expect_refusal(tu_cli_in(NULL, "-q", "--vmm-type", "krun", "--qboot", q, "--kernel",
				    kern, "--kernel-gpa", "0xa10000", "--initrd", init, NULL),
			  1, "measure the same pages");
	tu_expect_refusal(tu_cli_in(NULL, "-q", "--vmm-type", "krun", "--qboot", q, "--kernel",
				    kern, "--initrd", init, NULL),
			  2, "--kernel-gpa");
	tu_expect_refusal(tu_cli_in(NULL, "-q", "--vmm-type", "krun", "--krunfw", KRUNFW_STANDIN,
				    "--kernel-gpa", "0x2000000", NULL),
			  1, "loads the kernel at 0x1000000, not --kernel-gpa 0x2000000");
	tu_expect_refusal(tu_cli_in(NULL, "-q", "--vmm-type", "krun", "--krunfw", "/bin/sh", NULL),
			  1, "/bin/sh: no QBOOT_BUNDLE symbol");
	tu_expect_refusal(tu_cli_in(NULL, "-q", "--krunfw", KRUNFW_STANDIN, "--append", "x", NULL),
			  2, "argument --append: not allowed with --vmm-type krun");
	tu_rmtree(dir);
	free(dir);
	free(so);
	json_object_put(v);
}

/* libkrun's VMSAs are the dumps of utils/vmsa.h, byte for byte. */
static void test_vmsas(void **state)
{
	struct json_object *v = vectors(), *d = json_object_object_get(v, "vmsa_sha384");
	static const struct {
		const char *key;
		uint32_t eip;
		uint64_t features;
	} want[] = {
		{ "es_bsp", SNPM_BSP_EIP, 0 },
		{ "es_ap", 0xfffffff3u, 0 },
		{ "snp_bsp", SNPM_BSP_EIP, 1 },
		{ "snp_ap", 0xfffffff3u, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct snpm_vmsa_params p = { .size = sizeof(p),
					      .vmm = SNPM_VMM_KRUN,
					      .eip = want[i].eip,
					      .sev_features = want[i].features };
		uint8_t page[4096], sha[48];
		char hex[97];
		assert_int_equal(snpm_vmsa_build(&p, page, NULL), 0);
		assert_int_equal(EVP_Digest(page, sizeof(page), sha, NULL, EVP_sha384(), NULL), 1);
		tu_hex(sha, 48, hex);
		assert_string_equal(hex, str(d, want[i].key));
	}
	json_object_put(v);
}

/* A sweep over vCPU counts gives each count's single measurement (boot_params holds it). */
static void test_sweep(void **state)
{
	struct json_object *v = vectors(), *cases = json_object_object_get(v, "cases");
	char *out = tu_capture(tu_cli_in(NULL, "sweep", "-q", "--vmm-type", "krun", "--krunfw",
					 KRUNFW_STANDIN, "--vcpus", "1-4", "--csv", NULL));

	(void)state;
	assert_int_equal(tu_lines(out), 5);
	assert_non_null(strstr(out, str(json_object_array_get_idx(cases, 0), "snp")));
	assert_non_null(strstr(out, str(json_object_array_get_idx(cases, 1), "snp")));
	free(out);
	json_object_put(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standin_is_the_vectors),
		cmocka_unit_test(test_inspect),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_pieces_as_files),
		cmocka_unit_test(test_vmsas),
		cmocka_unit_test(test_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
