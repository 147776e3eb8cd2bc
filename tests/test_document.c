/* SPDX-License-Identifier: Apache-2.0 */
/* JSON documents: firmware metadata round trips, specs, dstack's MeasurementInput, refusals. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void test_ovmf_json_round_trip(void **state)
{
	char *path = tu_fixture("sev-snp-measure/ovmf_AmdSev_suffix.bin"), *json;
	struct snpm_ovmf_info info, back;
	struct snpm_ovmf_digests d = { .has_snp = true, .has_sha256 = true }, d2;
	uint8_t *image;
	size_t len;

	(void)state;
	image = tu_read_file(path, &len);
	assert_int_equal(snpm_ovmf_parse(image, len, &info, NULL), 0);
	memset(d.snp, 0xab, sizeof(d.snp));
	memset(d.sha256, 0xcd, sizeof(d.sha256));
	assert_int_equal(snpm_ovmf_to_json(&info, image, &d, false, &json, NULL), 0);
	assert_non_null(strstr(json, "\"name\":\"SEV_ES_RESET_BLOCK\",\"data\":\"04b08000\""));
	assert_non_null(strstr(json, "\"kernel_hashes_snp\":true"));
	assert_int_equal(snpm_ovmf_from_json(json, &back, &d2, NULL), 0);
	free(json);
	assert_int_equal(back.size, info.size);
	assert_int_equal(back.reset_eip, info.reset_eip);
	assert_true(back.has_reset_eip);
	assert_int_equal(back.hashes_table_gpa, info.hashes_table_gpa);
	assert_int_equal(back.hashes_table_size, info.hashes_table_size);
	assert_int_equal(back.n_sections, info.n_sections);
	assert_memory_equal(back.sections, info.sections,
			    info.n_sections * sizeof(info.sections[0]));
	assert_false(back.has_svsm_info);
	assert_memory_equal(d2.snp, d.snp, 48);
	assert_memory_equal(d2.sha256, d.sha256, 32);
	free(image);
	free(path);
}

static void expect_ovmf_refusal(const char *json, int code, const char *needle)
{
	struct snpm_ovmf_info info;
	struct snpm_error err;

	assert_int_equal(snpm_ovmf_from_json(json, &info, NULL, &err), code);
	if (!strstr(err.message, needle))
		fail_msg("'%s' lacks '%s'", err.message, needle);
}

static void test_ovmf_json_refusals(void **state)
{
	(void)state;
	expect_ovmf_refusal("{", SNPM_EMALFORMED, "not JSON");
	expect_ovmf_refusal("[1]", SNPM_EMALFORMED, "object");
	expect_ovmf_refusal("{}", SNPM_EINVAL, "no \"size\"");
	expect_ovmf_refusal("{\"size\": \"abc\"}", SNPM_EINVAL, "not a number");
	expect_ovmf_refusal("{\"size\": -4096}", SNPM_ERANGE, "out of range");
	expect_ovmf_refusal("{\"size\": 1e30}", SNPM_EINVAL, "must be a number");
	expect_ovmf_refusal("{\"size\": 99999999999999999999999}", SNPM_ERANGE, "out of range");
	expect_ovmf_refusal("{\"size\": 4097}", SNPM_EMALFORMED, "page aligned");
	expect_ovmf_refusal("{\"size\": 4096, \"sev_es_reset_eip\": true}", SNPM_EINVAL,
			    "must be a number");
	expect_ovmf_refusal("{\"size\": 4096, \"metadata\": {\"sections\": [{\"gpa\": 0, "
			    "\"size\": 4096, \"type\": \"BOGUS\"}]}}",
			    SNPM_EUNSUPPORTED, "BOGUS");
	expect_ovmf_refusal("{\"size\": 4096, \"metadata\": {\"sections\": [{\"gpa\": 0, "
			    "\"size\": 8192, \"type_id\": 1}, {\"gpa\": 4096, \"size\": 4096, "
			    "\"type_id\": 2}]}}",
			    SNPM_EMALFORMED, "overlap");
	expect_ovmf_refusal("{\"size\": 4096, \"snp_ovmf_hash\": \"00\"}", SNPM_EINVAL,
			    "96 hex digits");
}

static struct snpm_spec *parse_ok(const char *json)
{
	struct snpm_spec *spec = NULL;
	struct snpm_error err;

	if (snpm_spec_parse(json, &spec, &err) < 0)
		fail_msg("spec refused: %s", err.message);
	return spec;
}

static void test_spec_ours(void **state)
{
	struct snpm_spec *s;

	(void)state;
	s = parse_ok("{\"mode\": \"snp\", \"vmm\": \"ec2\", \"vmm_version\": 1, \"vcpus\": 4, "
		     "\"vcpu_type\": \"EPYC-Milan\", \"guest_features\": \"SNPActive,DebugSwap\", "
		     "\"firmware\": \"OVMF.fd\", \"kernel\": {\"sha256\": \"" /* 64 hex */
		     "4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b\"}, "
		     "\"initrd\": \"initrd.img\", \"cmdline\": \" a  b \", "
		     "\"vmsa\": {\"gpa\": \"0xFFFFFFFFFF000\", \"fpu\": \"legacy-kvm\"}}");
	assert_int_equal(s->mode, SNPM_MODE_SNP);
	assert_int_equal(s->vmm, SNPM_VMM_EC2);
	assert_int_equal(s->vmm_version, 1);
	assert_int_equal(s->vcpus, 4);
	assert_int_equal(s->vcpu_sig, 0xa00f11);
	assert_string_equal(s->vcpu_type, "EPYC-Milan");
	assert_int_equal(s->guest_features, 0x21);
	assert_string_equal(s->firmware_path, "OVMF.fd");
	assert_true(s->has_kernel_sha256);
	assert_int_equal(s->kernel_sha256[31], 0x4b);
	assert_string_equal(s->initrd_path, "initrd.img");
	assert_string_equal(s->cmdline, " a  b ");
	assert_int_equal(s->vmsa_gpa, SNPM_VMSA_GPA_52BIT);
	assert_int_equal(s->vmsa_fpu, SNPM_VMSA_FPU_LEGACY_KVM);
	assert_false(s->dstack);
	snpm_spec_free(s);

	s = parse_ok("{\"vcpu_family\": 25, \"vcpu_model\": 17, \"vcpu_stepping\": 0, "
		     "\"firmware\": {\"metadata\": {\"size\": 8192, \"sev_es_reset_eip\": "
		     "\"0x80b004\"}, \"snp_ovmf_hash\": \"" /* 96 hex */
		     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324"
		     "25262728292a2b2c2d2e2f\"}}");
	assert_int_equal(s->vcpu_sig, 0xa10f10);
	assert_true(s->has_firmware_metadata);
	assert_int_equal(s->firmware_metadata.reset_eip, 0x80b004);
	assert_true(s->firmware_digests.has_snp);
	assert_int_equal(s->firmware_digests.snp[47], 0x2f);
	snpm_spec_free(s);

	/* vCPU keys that agree may all be given. */
	s = parse_ok("{\"vcpu_sig\": \"0xa00f11\", \"vcpu_type\": \"EPYC-Milan\", "
		     "\"vcpu_family\": 25, \"vcpu_model\": 1, \"vcpu_stepping\": 1}");
	assert_int_equal(s->vcpu_sig, 0xa00f11);
	assert_string_equal(s->vcpu_type, "EPYC-Milan");
	snpm_spec_free(s);
}

static void expect_spec_refusal(const char *json, const char *needle)
{
	struct snpm_spec *spec = NULL;
	struct snpm_error err;

	assert_true(snpm_spec_parse(json, &spec, &err) < 0);
	assert_null(spec);
	if (!strstr(err.message, needle))
		fail_msg("'%s' lacks '%s'", err.message, needle);
}

static void test_spec_refusals(void **state)
{
	(void)state;
	expect_spec_refusal("{\"vcpu\": 4}", "unknown key \"vcpu\"");
	expect_spec_refusal("{\"vcpus\": \"four\"}", "not a number");
	expect_spec_refusal("{\"vcpus\": 4294967296}", "out of range");
	expect_spec_refusal("{\"mode\": \"tdx\"}", "mode");
	expect_spec_refusal("{\"vmm\": \"qemu\"}", "vmm");
	expect_spec_refusal("{\"vcpu_type\": \"epyc-milan\"}", "unknown vCPU type");
	expect_spec_refusal("{\"vcpu_model\": 1}", "needs \"vcpu_family\"");
	expect_spec_refusal("{\"vcpu_family\": 25}", "go together");
	/* vCPU keys naming different CPUs, in either order. */
	expect_spec_refusal("{\"vcpu_type\": \"EPYC-v4\", \"vcpu_sig\": 10489617}",
			    "names a different CPU");
	expect_spec_refusal("{\"vcpu_sig\": 10489617, \"vcpu_type\": \"EPYC-v4\"}",
			    "names a different CPU");
	expect_spec_refusal("{\"vcpu_type\": \"EPYC-Milan\", \"vcpu_family\": 25, "
			    "\"vcpu_model\": 17, \"vcpu_stepping\": 0}",
			    "names a different CPU");
	expect_spec_refusal("{\"guest_features\": \"SNPActive,Bogus\"}", "Bogus");
	expect_spec_refusal("{\"guest_features\": -1}", "out of range");
	expect_spec_refusal("{\"kernel\": {\"path\": \"a\", \"sha256\": \"b\"}}", "both");
	expect_spec_refusal("{\"kernel\": {\"sha256\": \"abcd\"}}", "64 hex digits");
	expect_spec_refusal("{\"kernel\": 7}", "must be a path or an object");
	expect_spec_refusal("{\"firmware\": {\"bogus\": 1}}", "firmware.bogus");
	expect_spec_refusal("{\"vmsa\": {\"fpu\": \"x87\"}}", "vmsa.fpu");
	expect_spec_refusal("{\"cmdline\": null}", "must be a string");
}

#define DSTACK_DOC                                                                       \
	"{\"base_cmdline\": \"console=ttyS0 \", \"ovmf_hash\": \""                       \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324"     \
	"25262728292a2b2c2d2e2f\", \"kernel_hash\": \""                                  \
	"5555555555555555555555555555555555555555555555555555555555555555\", "           \
	"\"initrd_hash\": \"\", \"sev_hashes_table_gpa\": 8457216, "                     \
	"\"sev_es_reset_eip\": 8433668, \"vcpus\": 2, \"vcpu_type\": \"epyc-v4\", "      \
	"\"guest_features\": 1, \"ovmf_sections\": [{\"gpa\": 8388608, \"size\": 4096, " \
	"\"section_type\": 1}, {\"gpa\": 8454144, \"size\": 4096, \"section_type\": 16}]}"

static void test_spec_dstack(void **state)
{
	struct snpm_spec *s;

	(void)state;
	/* dstack-mr's MeasurementInput, recognised by its keys. */
	s = parse_ok(DSTACK_DOC);
	assert_true(s->dstack);
	assert_int_equal(s->mode, SNPM_MODE_SNP);
	assert_int_equal(s->vmm, SNPM_VMM_QEMU);
	assert_string_equal(s->cmdline, "console=ttyS0 ");
	assert_true(s->cmdline_trim_differs);
	assert_true(s->has_kernel_sha256);
	assert_false(s->has_initrd_sha256); /* "" is the SHA-256 of an empty initrd */
	assert_int_equal(s->vcpu_sig, 0x800f12);
	assert_string_equal(s->vcpu_type, "EPYC-v4");
	assert_int_equal(s->firmware_metadata.n_sections, 2);
	assert_int_equal(s->firmware_metadata.sections[1].type, SNPM_SECTION_SNP_KERNEL_HASHES);
	assert_int_equal(s->firmware_metadata.hashes_table_gpa, 0x810c00);
	assert_int_equal(s->firmware_metadata.reset_eip, 0x80b004);
	assert_true(s->firmware_digests.has_snp);
	snpm_spec_free(s);

	/* dstack's deny_unknown_fields and validate_measurement_input(): what dstack refuses,
	 * snpmeasure refuses. */
	static const char *const refusals[][3] = {
		{ "\"vcpus\": 2", "\"vcpus\": 2, \"app_id\": \"x\"", "unknown key \"app_id\"" },
		{ "\"section_type\": 1}", "\"section_type\": 1, \"type\": 1}",
		  "unknown key \"sections[].type\"" },
		{ "\"vcpus\": 2, ", "", "no \"vcpus\"" },
		{ "\"vcpus\": 2", "\"vcpus\": \"2\"", "must be a JSON integer" },
		{ "\"vcpus\": 2", "\"vcpus\": 513", "within 1..512" },
		{ "\"guest_features\": 1", "\"guest_features\": 0", "non-zero" },
		{ "\"section_type\": 16", "\"section_type\": 1", "no SNP_KERNEL_HASHES" },
		{ "\"sev_es_reset_eip\": 8433668", "\"sev_es_reset_eip\": 0", "non-zero" },
		{ "\"ovmf_hash\": \"00", "\"ovmf_hash\": \"0", "96 hex digits" },
		{ "\"gpa\": 8388608", "\"gpa\": 8388609", "not page aligned" },
	};
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		char *doc = tu_replace(DSTACK_DOC, refusals[i][0], refusals[i][1]);
		expect_spec_refusal(doc, refusals[i][2]);
		free(doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ovmf_json_round_trip),
		cmocka_unit_test(test_ovmf_json_refusals),
		cmocka_unit_test(test_spec_ours),
		cmocka_unit_test(test_spec_refusals),
		cmocka_unit_test(test_spec_dstack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
