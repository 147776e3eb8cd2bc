/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dstack's identities against the real dstack report (tests/fixtures/dstack): HOST_DATA from
 * its MrConfigV3 document, mr_system / mr_aggregated / device_id, its image's
 * measurement.snp.cbor read and re-encoded byte for byte, the image folder's checks, and the
 * launch measurement reproduced from the image: the value the hardware signed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cbor.h>
#include <openssl/evp.h>

#include "testutil.h"

/* From the fixture's README (upstream's sev_snp_fixture.README.md): read from the hardware. */
#define REPORT_MEASUREMENT                                                                         \
	"7f51e17f72a04d5422cb2c00998166536019a217376f3aa45a630e59c805a599847ff250dbffcd07e1ba6397" \
	"71d6f05d"
#define REPORT_HOST_DATA "783f0057820acb99249af56cc3b07b4e8d80f65183167cba9cf437bb680f742f"
#define OS_IMAGE_HASH "f69c8e5031ec2b269bbc08839ce02cb98ee255d695626f941f4b37b95946d352"
#define CH "2222222222222222222222222222222222222222222222222222222222222222"

static void hex_equal(const uint8_t *d, size_t n, const char *want)
{
	char hex[2 * 64 + 1];

	tu_hex(d, n, hex);
	assert_string_equal(hex, want);
}

static void test_host_data(void **state)
{
	size_t len, rlen;
	uint8_t *doc = tu_fixture_bytes("dstack/mr_config.json", &len),
		*rep = tu_fixture_bytes("dstack/report.bin", &rlen);
	uint8_t hd[32];
	struct snpm_dstack_mr_config c;
	struct snpm_error err;

	(void)state;
	assert_int_equal(snpm_dstack_host_data(doc, len, hd, &err), 0);
	hex_equal(hd, 32, REPORT_HOST_DATA);
	assert_memory_equal(hd, rep + 0xc0, 32); /* the report's HOST_DATA */
	assert_int_equal(snpm_dstack_mr_config_parse(doc, len, &c, &err), 0);
	assert_int_equal(c.version, 3);
	assert_true(c.has_app_id);
	hex_equal(c.app_id, 20, "86e59625be93207bc2351c4d1bba20037cec8e16");
	hex_equal(c.compose_hash, 32,
		  "86e59625be93207bc2351c4d1bba20037cec8e168da6b18f559af5af657b7a23");
	assert_string_equal(c.key_provider, "kms");
	assert_int_equal(c.key_provider_id_len, 91);
	hex_equal(c.instance_id, 20, "d378c00e65112c4235bfeb46c6a0f98fd02145a3");
	assert_false(c.has_gpu_policy_hash);
	assert_false(c.has_init_script_hashes);
	snpm_dstack_mr_config_free(&c);
	/* One more byte, and it is another document. */
	assert_int_equal(snpm_dstack_host_data((const uint8_t *)"{}", 2, hd, &err), 0);
	assert_memory_not_equal(hd, rep + 0xc0, 32);
	free(doc), free(rep);
}

/* dstack's own example (mr_config.rs, mr_config_v3_generates_jcs_but_hashes_document_bytes):
 * the JCS document parses, and a pretty-printed equal document hashes differently. */
static void test_mr_config_rules(void **state)
{
	static const char jcs[] =
		"{\"app_id\":\"1111111111111111111111111111111111111111\",\"compose_hash\":"
		"\"2222222222222222222222222222222222222222222222222222222222222222\","
		"\"gpu_policy_hash\":\"5555555555555555555555555555555555555555555555555555555555555555"
		"\",\"instance_id\":\"4444444444444444444444444444444444444444\",\"key_provider\":"
		"\"kms\",\"key_provider_id\":"
		"\"3333333333333333333333333333333333333333333333333333333333333333\",\"version\":3}";
	static const char *const refused[][2] = {
		{ "{\"compose_hash\":\"" /* 31 bytes */
		  "22222222222222222222222222222222222222222222222222222222222222\",\"key_provider\":"
		  "\"none\"}",
		  "compose_hash" },
		{ "{\"key_provider\":\"none\"}", "no \"compose_hash\"" },
		{ "{\"compose_hash\":\"" CH "\"}", "no \"key_provider\"" },
		{ "{\"compose_hash\":\"" CH "\",\"key_provider\":\"sgx\"}", "key_provider" },
		{ "{\"compose_hash\":\"" CH "\",\"key_provider\":\"none\",\"version\":4}",
		  "must be 3" },
		{ "{\"compose_hash\":\"" CH "\",\"key_provider\":\"none\",\"version\":\"3\"}",
		  "version" },
		{ "{\"compose_hash\":\"" CH "\",\"key_provider\":\"none\",\"extra\":1}", "extra" },
		{ "{\"compose_hash\":\"" CH
		  "\",\"key_provider\":\"none\",\"key_provider\":\"kms\"}",
		  "" },
		{ "{\"compose_hash\":\"" CH "\",\"key_provider\":\"none\",\"app_id\":\"11\"}",
		  "app_id" },
		{ "{\"compose_hash\":\"" CH
		  "\",\"key_provider\":\"none\",\"key_provider_id\":\"abc\"}",
		  "key_provider_id" },
		{ "{\"compose_hash\":\"" CH "\",\"key_provider\":\"none\",\"init_script_hashes\":["
		  "\"" CH "\",\"" CH "\",\"" CH "\",\"" CH "\",\"" CH "\",\"" CH "\"]}",
		  "at most 5" },
		{ "{\"compose_hash\":\"" CH "\",\"key_provider\":\"none\",\"init_script_hashes\":["
		  "\"22\"]}",
		  "init_script_hashes" },
		{ "{\"compose_hash\":\"" CH "\",\"key_provider\":\"none\"} x", "" },
		{ "[]", "" },
	};
	struct snpm_dstack_mr_config c;
	struct snpm_error err;
	uint8_t a[32], b[32];
	char *pretty;

	(void)state;
	assert_int_equal(snpm_dstack_mr_config_parse((const uint8_t *)jcs, strlen(jcs), &c, &err),
			 0);
	assert_true(c.has_gpu_policy_hash);
	snpm_dstack_mr_config_free(&c);
	pretty = tu_replace(jcs, ",\"version\"", ",\n  \"version\"");
	assert_int_equal(
		snpm_dstack_mr_config_parse((const uint8_t *)pretty, strlen(pretty), &c, &err), 0);
	snpm_dstack_mr_config_free(&c);
	snpm_dstack_host_data((const uint8_t *)jcs, strlen(jcs), a, NULL);
	snpm_dstack_host_data((const uint8_t *)pretty, strlen(pretty), b, NULL);
	assert_memory_not_equal(a, b, 32);
	free(pretty);
	/* Defaults and nulls as serde reads them; upper-case hex; an empty list of scripts. */
	static const char minimal[] = "{\"compose_hash\":\"" CH "\",\"key_provider\":\"none\","
				      "\"app_id\":null,\"init_script_hashes\":[]}";
	assert_int_equal(snpm_dstack_mr_config_parse((const uint8_t *)minimal, strlen(minimal), &c,
						     &err),
			 0);
	assert_int_equal(c.version, 3);
	assert_false(c.has_app_id);
	assert_true(c.has_init_script_hashes);
	assert_int_equal(c.n_init_script_hashes, 0);
	snpm_dstack_mr_config_free(&c);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (snpm_dstack_mr_config_parse((const uint8_t *)refused[i][0],
						strlen(refused[i][0]), &c, &err) == 0)
			fail_msg("accepted %s", refused[i][0]);
		if (!strstr(err.message, refused[i][1]))
			fail_msg("%s: '%s' lacks '%s'", refused[i][0], err.message, refused[i][1]);
	}
	assert_int_not_equal(
		snpm_dstack_mr_config_parse((const uint8_t *)"{\"a\":\"\0\"}", 9, &c, &err), 0);
}

/* mr_system, mr_aggregated and device_id of the real report, computed with Python's hashlib
 * over its MEASUREMENT (0x90), HOST_DATA (0xC0) and CHIP_ID (0x1A0). */
static void test_ids(void **state)
{
	size_t len;
	uint8_t *raw = tu_fixture_bytes("dstack/report.bin", &len);
	struct snpm_report rep;
	struct snpm_dstack_ids ids;
	struct snpm_error err;

	(void)state;
	assert_int_equal(snpm_report_parse(raw, len, &rep, &err), 0);
	hex_equal(rep.measurement, 48, REPORT_MEASUREMENT);
	assert_int_equal(snpm_dstack_ids(&rep, &ids, &err), 0);
	hex_equal(ids.mr_system, 32,
		  "ebf2076a74c394bd8c68ac10f341dd24e0d80f0411bbeb43f062e2b658309054");
	hex_equal(ids.mr_aggregated, 32,
		  "c7a8e492fcd0167c76f3c64ff20d96648403020f80b38e9384a7432077e4a7a7");
	hex_equal(ids.device_id, 32,
		  "310f86e9970d2b625f8a1024f05ea59d540743de63e9017c8c4c0f50a14a10a6");
	free(raw);
}

/* The real measurement.snp.cbor: its fields, and written back byte for byte. */
static void test_cbor_roundtrip(void **state)
{
	size_t len, out_len;
	uint8_t *cbor = tu_fixture_bytes("dstack/image/measurement.snp.cbor", &len), *out = NULL;
	struct snpm_spec *sp = NULL;
	struct snpm_error err;

	(void)state;
	if (snpm_dstack_cbor_parse(cbor, len, &sp, &err) < 0)
		fail_msg("%s", err.message);
	assert_true(sp->dstack);
	assert_int_equal(sp->mode, SNPM_MODE_SNP);
	assert_false(sp->given & SNPM_SPEC_VCPUS);
	hex_equal(
		sp->firmware_digests.snp, 48,
		"ffb57e393469a497c0e3b07bd1c97d8611e555f464d14491837665893ac642b263a71f9507ff100a8478"
		"97fe0c3f8c6f");
	assert_int_equal(sp->firmware_metadata.hashes_table_gpa, 0x810c00);
	assert_int_equal(sp->firmware_metadata.reset_eip, 0x80b004);
	assert_int_equal(sp->firmware_metadata.n_sections, 7);
	assert_int_equal(sp->firmware_metadata.sections[6].type, SNPM_SECTION_SNP_KERNEL_HASHES);
	struct snpm_dstack_image_measurement im = {
		.cmdline = sp->cmdline,
		.hashes_table_gpa = sp->firmware_metadata.hashes_table_gpa,
		.reset_eip = sp->firmware_metadata.reset_eip,
		.sections = sp->firmware_metadata.sections,
		.n_sections = sp->firmware_metadata.n_sections,
	};
	memcpy(im.ovmf_hash, sp->firmware_digests.snp, 48);
	memcpy(im.kernel_hash, sp->kernel_sha256, 32);
	memcpy(im.initrd_hash, sp->initrd_sha256, 32);
	assert_int_equal(snpm_dstack_cbor_write(&im, &out, &out_len, &err), 0);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, cbor, len);
	free(out);
	snpm_spec_free(sp);
	free(cbor);
}

/* A map like the real one with one change made by a caller. */
static uint8_t *cbor_variant(void (*change)(cbor_item_t *map), size_t *len)
{
	size_t n;
	uint8_t *real = tu_fixture_bytes("dstack/image/measurement.snp.cbor", &n), *out = NULL;
	struct cbor_load_result res;
	cbor_item_t *map = cbor_load(real, n, &res);
	size_t size = 0;

	assert_non_null(map);
	change(map);
	*len = cbor_serialize_alloc(map, &out, &size);
	cbor_decref(&map);
	free(real);
	return out;
}

static void set_version_2(cbor_item_t *map)
{
	cbor_set_uint8(cbor_map_handle(map)[0].value, 2);
}

static void rename_key(cbor_item_t *map)
{
	struct cbor_pair *p = cbor_map_handle(map);
	((char *)cbor_string_handle(p[7].key))[0] = 'X'; /* ovmf_sections -> Xvmf_sections */
}

static void duplicate_key(cbor_item_t *map)
{
	struct cbor_pair *p = cbor_map_handle(map);
	memcpy(cbor_string_handle(p[4].key), "kernel_hash", 11); /* initrd_hash, now twice */
}

static void bad_section_type(cbor_item_t *map)
{
	cbor_item_t *secs = cbor_map_handle(map)[7].value;
	cbor_item_t *s0 = cbor_array_handle(secs)[0];
	cbor_set_uint8(cbor_map_handle(s0)[2].value, 9);
}

/* A section reaching past 4 GiB: refused as in a JSON document. */
static void section_past_4gib(cbor_item_t *map)
{
	cbor_item_t *secs = cbor_map_handle(map)[7].value;
	struct cbor_pair *s0 = cbor_map_handle(cbor_array_handle(secs)[0]);
	cbor_decref(&s0[0].value);
	s0[0].value = cbor_build_uint32(0xfffff000u);
	cbor_decref(&s0[1].value);
	s0[1].value = cbor_build_uint32(0x2000u);
}

static void no_rootfs_hash(cbor_item_t *map)
{
	char *cmd = (char *)cbor_string_handle(cbor_map_handle(map)[1].value);
	char *at = strstr(cmd, "dstack.rootfs_hash");
	at[7] = 'X'; /* dstack.Xootfs_hash */
}

static void test_cbor_refusals(void **state)
{
	static const struct {
		void (*change)(cbor_item_t *);
		const char *needle;
	} cases[] = {
		{ set_version_2, "version 2" },
		{ rename_key, "not in dstack's schema" },
		{ duplicate_key, "twice" },
		{ bad_section_type, "unknown section type 0x9" },
		{ section_past_4gib, "past 4 GiB" },
		{ no_rootfs_hash, "dstack.rootfs_hash" },
	};
	struct snpm_spec *sp = NULL;
	struct snpm_error err;
	size_t len;
	uint8_t *data;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		data = cbor_variant(cases[i].change, &len);
		memset(&err, 0, sizeof(err));
		assert_int_not_equal(snpm_dstack_cbor_parse(data, len, &sp, &err), 0);
		if (!strstr(err.message, cases[i].needle))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.message, cases[i].needle);
		free(data);
	}
	/* Trailing bytes, and every truncation. */
	uint8_t *real = tu_fixture_bytes("dstack/image/measurement.snp.cbor", &len);
	data = malloc(len + 1);
	memcpy(data, real, len);
	data[len] = 0;
	assert_int_equal(snpm_dstack_cbor_parse(data, len + 1, &sp, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "1 bytes after its map"));
	for (size_t n = 0; n < len; n++)
		assert_int_not_equal(snpm_dstack_cbor_parse(real, n, &sp, &err), 0);
	free(data), free(real);
}

/* A copy of the fixture's image folder to change. */
static char *image_copy(void)
{
	static const char *const files[] = { "sha256sum.txt", "digest.txt",
					     "measurement.snp.cbor" };
	char *dir = tu_mkdtemp(), path[1024];

	for (size_t i = 0; i < 3; i++) {
		char rel[128];
		size_t len;
		snprintf(rel, sizeof(rel), "dstack/image/%s", files[i]);
		uint8_t *d = tu_fixture_bytes(rel, &len);
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		tu_write_file(path, d, len);
		free(d);
	}
	return dir;
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	tu_write_file(path, text, strlen(text));
}

static void test_image_folder(void **state)
{
	char *fx = tu_fixture("dstack/image"), *dir;
	uint8_t hash[32];
	struct snpm_spec *sp = NULL;
	struct snpm_error err;
	char line[256];

	(void)state;
	assert_int_equal(snpm_dstack_image_read(fx, hash, &sp, &err), 0);
	hex_equal(hash, 32, OS_IMAGE_HASH);
	snpm_spec_free(sp);
	/* digest.txt that is not the hash of sha256sum.txt */
	dir = image_copy();
	put(dir, "digest.txt",
	    "f69c8e5031ec2b269bbc08839ce02cb98ee255d695626f941f4b37b95946d353\n");
	assert_int_equal(snpm_dstack_image_read(dir, hash, NULL, &err), SNPM_EVERIFY);
	assert_non_null(strstr(err.message, "digest.txt says"));
	/* A changed measurement.snp.cbor (the sums and digest still the old ones) */
	tu_rmtree(dir), free(dir);
	dir = image_copy();
	snprintf(line, sizeof(line), "%s/measurement.snp.cbor", dir);
	tu_write_file(line, "\xa0", 1);
	assert_int_equal(snpm_dstack_image_read(dir, hash, NULL, &err), SNPM_EVERIFY);
	assert_non_null(strstr(err.message, "does not have the SHA-256"));
	/* sha256sum.txt without the CBOR, with it twice, with a path, with a listed file changed */
	static const char *const sums[][2] = {
		{ "0000000000000000000000000000000000000000000000000000000000000000  bzImage\n",
		  "does not list measurement.snp.cbor" },
		{ "07c29d6e773b7da30bd7e5ebd715fb2fc00ffa80b6b71db29b2d586f387a1aa3  "
		  "measurement.snp.cbor\n07c29d6e773b7da30bd7e5ebd715fb2fc00ffa80b6b71db29b2d586f387a1aa3"
		  "  measurement.snp.cbor\n",
		  "twice" },
		{ "07c29d6e773b7da30bd7e5ebd715fb2fc00ffa80b6b71db29b2d586f387a1aa3  ../x\n",
		  "line 1" },
		{ "07c29d6e773b7da30bd7e5ebd715fb2fc00ffa80b6b71db29b2d586f387a1aa3  "
		  "measurement.snp.cbor\n0000000000000000000000000000000000000000000000000000000000000000"
		  "  digest.txt\n",
		  "digest.txt does not have the SHA-256" },
	};
	for (size_t i = 0; i < sizeof(sums) / sizeof(sums[0]); i++) {
		uint8_t h[32];
		char hex[66];
		tu_rmtree(dir), free(dir);
		dir = image_copy();
		put(dir, "sha256sum.txt", sums[i][0]);
		EVP_Digest(sums[i][0], strlen(sums[i][0]), h, NULL, EVP_sha256(), NULL);
		tu_hex(h, 32, hex);
		strcat(hex, "\n");
		put(dir, "digest.txt", hex);
		memset(&err, 0, sizeof(err));
		assert_int_not_equal(snpm_dstack_image_read(dir, hash, NULL, &err), 0);
		if (!strstr(err.message, sums[i][1]))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.message, sums[i][1]);
	}
	tu_rmtree(dir), free(dir), free(fx);
}

/* The verbs: the hardware's measurement from the image, HOST_DATA, the report's identities,
 * verification and appraisal of the real report. */
static void test_cli(void **state)
{
	char *image = tu_fixture("dstack/image"),
	     *cbor = tu_fixture("dstack/image/measurement.snp.cbor");
	char *doc = tu_fixture("dstack/mr_config.json"), *rep = tu_fixture("dstack/report.bin");
	char *vcek = tu_fixture("dstack/vcek.pem"), *ask = tu_fixture("dstack/ask.pem");
	char *dir = tu_mkdtemp(), policy[1024];
	struct tu_run r;
	char *out;

	(void)state;
	/* The measurement.snp.cbor's vm_config says 2 vCPUs, EPYC-v4, guest features 0x1. */
	tu_expect_digest(tu_cli_in(NULL, "-q", "--spec", image, "--vcpus", "2", "--vcpu-type",
				   "EPYC-v4", "--guest-features", "0x1", NULL),
			 REPORT_MEASUREMENT);
	tu_expect_digest(tu_cli_in(NULL, "-q", "--spec", cbor, "--vcpus", "2", "--vcpu-type",
				   "EPYC-v4", NULL),
			 REPORT_MEASUREMENT);
	tu_expect_digest(tu_cli_in(NULL, "dstack", "host-data", doc, NULL), REPORT_HOST_DATA);
	r = tu_cli_in(NULL, "dstack", "image", image, NULL);
	out = tu_capture(r);
	assert_non_null(strstr(out, "os_image_hash      " OS_IMAGE_HASH));
	free(out);
	r = tu_cli_in(NULL, "report", "show", rep, NULL);
	out = tu_capture(r);
	assert_non_null(strstr(out,
			       "dstack mr_system       "
			       "ebf2076a74c394bd8c68ac10f341dd24e0d80f0411bbeb43f062e2b658309054"));
	free(out);
	r = tu_cli_in(NULL, "report", "verify", rep, "--vcek", vcek, "--ask", ask, NULL);
	out = tu_capture(r);
	assert_non_null(strstr(out, "verified: VCEK-signed, chain VCEK <- ASK <- ARK-Milan"));
	free(out);
	/* A KMS pinning the app: measurement, HOST_DATA, dstack's identities. Its host's TCB is
	 * out of date, and the chip's firmware was committed older: said so, and allowed. */
	snprintf(policy, sizeof(policy), "%s/policy.json", dir);
	FILE *f = fopen(policy, "w");
	fprintf(f,
		"{\"measurements\": [\"%s\"], \"host_data\": \"%s\", \"dstack_mr_system\": "
		"[\"ebf2076a74c394bd8c68ac10f341dd24e0d80f0411bbeb43f062e2b658309054\"], "
		"\"dstack_mr_aggregated\": "
		"[\"c7a8e492fcd0167c76f3c64ff20d96648403020f80b38e9384a7432077e4a7a7\"], "
		"\"allow_smt\": true, \"require_single_socket\": false, \"require_id_block\": false, "
		"\"require_crl\": false, \"require_up_to_date\": false, "
		"\"allow_provisional_firmware\": true}",
		REPORT_MEASUREMENT, REPORT_HOST_DATA);
	fclose(f);
	r = tu_cli_in(NULL, "report", "appraise", rep, "--policy", policy, "--vcek", vcek, "--ask",
		      ask, "--now", "2026-07-01", NULL);
	out = tu_capture(r);
	assert_non_null(strstr(out, "appraisal pass"));
	free(out);
	/* A document dstack refuses gets no HOST_DATA. */
	snprintf(policy, sizeof(policy), "%s/bad.json", dir);
	tu_write_file(policy, "{\"compose_hash\":\"00\",\"key_provider\":\"kms\"}", 42);
	tu_expect_refusal(tu_cli_in(NULL, "dstack", "host-data", policy, NULL), 1, "compose_hash");
	tu_rmtree(dir);
	free(image), free(cbor), free(doc), free(rep), free(vcek), free(ask), free(dir);
}

/* ---- dstack's attestation blob ---- */

/* A SCALE compact length (canonical). */
static size_t put_compact(uint8_t *p, size_t v)
{
	if (v < 64) {
		p[0] = (uint8_t)(v << 2);
		return 1;
	}
	if (v < (1u << 14)) {
		p[0] = (uint8_t)(v << 2 | 1), p[1] = (uint8_t)(v >> 6);
		return 2;
	}
	uint32_t x = (uint32_t)(v << 2 | 2);
	memcpy(p, &x, 4); /* little-endian x86 */
	return 4;
}

/* The fixture's attestation again, with [ASK, VCEK] in its cert_chain, as a guest that found
 * them sends it. */
static uint8_t *attestation_with_certs(size_t *ret_len)
{
	size_t rl, al, vl, ml, n = 0;
	uint8_t *rep = tu_fixture_bytes("dstack/report.bin", &rl);
	uint8_t *ask = tu_fixture_bytes("dstack/ask.pem", &al);
	uint8_t *vcek = tu_fixture_bytes("dstack/vcek.pem", &vl);
	uint8_t *mr = tu_fixture_bytes("dstack/mr_config.json", &ml);
	uint8_t *b = calloc(1, rl + al + vl + ml + 200);

	b[n++] = 0x00, b[n++] = 0x03; /* V0, AttestationQuote::DstackAmdSevSnp */
	n += put_compact(b + n, rl), memcpy(b + n, rep, rl), n += rl;
	n += put_compact(b + n, 2);
	n += put_compact(b + n, al), memcpy(b + n, ask, al), n += al;
	n += put_compact(b + n, vl), memcpy(b + n, vcek, vl), n += vl;
	n += put_compact(b + n, ml), memcpy(b + n, mr, ml), n += ml;
	n += put_compact(b + n, 0); /* runtime events */
	n += 64; /* report_data */
	n += put_compact(b + n, 2), b[n++] = '{', b[n++] = '}'; /* config */
	free(rep), free(ask), free(vcek), free(mr);
	*ret_len = n;
	return b;
}

static void test_attestation(void **state)
{
	size_t len, rl, ml;
	uint8_t *blob = tu_fixture_bytes("dstack/attestation.bin", &len);
	uint8_t *rep = tu_fixture_bytes("dstack/report.bin", &rl);
	uint8_t *mr = tu_fixture_bytes("dstack/mr_config.json", &ml);
	struct snpm_dstack_attestation a;
	struct snpm_error err;

	(void)state;
	assert_int_equal(snpm_dstack_attestation_parse(blob, len, &a, &err), 0);
	assert_memory_equal(a.report, rep, rl);
	assert_int_equal(a.n_certs, 0);
	assert_int_equal(a.mr_config_len, ml);
	assert_memory_equal(a.mr_config, mr, ml);
	/* Every truncation, and a byte after it, refused. */
	for (size_t n = 0; n < len; n++)
		assert_int_not_equal(snpm_dstack_attestation_parse(blob, n, &a, &err), 0);
	uint8_t *more = malloc(len + 1);
	memcpy(more, blob, len), more[len] = 0;
	assert_int_equal(snpm_dstack_attestation_parse(more, len + 1, &a, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "1 bytes after it"));
	/* Another TEE's quote; a length not in its shortest form. */
	memcpy(more, blob, len), more[1] = 0;
	assert_int_equal(snpm_dstack_attestation_parse(more, len, &a, &err), SNPM_EUNSUPPORTED);
	assert_non_null(strstr(err.message, "quote type 0 is not AMD SEV-SNP"));
	memcpy(more, blob, len);
	more[2] = 0x81 | 0x02, more[3] = 0x12; /* mode 2 with a 2-byte value: wrong width */
	assert_int_equal(snpm_dstack_attestation_parse(more, len, &a, &err), SNPM_EMALFORMED);
	free(more), free(blob), free(rep), free(mr);
	/* With its certificates. */
	blob = attestation_with_certs(&len);
	assert_int_equal(snpm_dstack_attestation_parse(blob, len, &a, &err), 0);
	assert_int_equal(a.n_certs, 2);
	free(blob);
}

/* Every form a report comes in, to every verb that reads one. */
static void test_report_forms(void **state)
{
	char *dir = tu_mkdtemp(), path[512], *want, *got;
	char *att = tu_fixture("dstack/attestation.bin"),
	     *json = tu_fixture("dstack/sev-snp-attestation.json");
	char *raw = tu_fixture("dstack/report.bin"), *vcek = tu_fixture("dstack/vcek.pem");
	char *ask = tu_fixture("dstack/ask.pem");
	size_t len, n;
	uint8_t *rep = tu_fixture_bytes("dstack/report.bin", &len), *blob;
	char b64[2000];

	(void)state;
	want = tu_capture(tu_cli_in(NULL, "report", "show", raw, NULL));
	EVP_EncodeBlock((unsigned char *)b64, rep, (int)len);
	snprintf(path, sizeof(path), "%s/report.b64", dir);
	tu_write_file(path, b64, strlen(b64));
	const char *forms[] = { att, json, path };
	for (size_t i = 0; i < 3; i++) {
		got = tu_capture(tu_cli_in(NULL, "report", "show", forms[i], NULL));
		assert_string_equal(got, want);
		free(got);
		struct tu_run r = tu_cli_in(NULL, "report", "verify", forms[i], "--vcek", vcek,
					    "--ask", ask, NULL);
		assert_int_equal(r.status, 0);
		tu_run_free(&r);
	}
	/* The certificates the attestation brought serve when none are given. */
	blob = attestation_with_certs(&n);
	snprintf(path, sizeof(path), "%s/with-certs.bin", dir);
	tu_write_file(path, blob, n);
	struct tu_run r = tu_cli_in(NULL, "report", "verify", path, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "verified"));
	tu_run_free(&r);
	/* Without them, --vcek is still required; near misses are refused. */
	tu_expect_refusal(tu_cli_in(NULL, "report", "verify", att, NULL), 2,
			  "--vcek CERT is required");
	b64[100] = '*';
	snprintf(path, sizeof(path), "%s/bad.b64", dir);
	tu_write_file(path, b64, strlen(b64));
	tu_expect_refusal(tu_cli_in(NULL, "report", "show", path, NULL), 1, "not a report");
	snprintf(path, sizeof(path), "%s/tdx.json", dir);
	const char *tdx = "{\"quote\": \"00\", \"attestation\": \"00\"}";
	tu_write_file(path, tdx, strlen(tdx));
	tu_expect_refusal(tu_cli_in(NULL, "report", "show", path, NULL), 1, "TDX quote");
	snprintf(path, sizeof(path), "%s/other.json", dir);
	const char *other = "{\"attestation\": \"00\", \"extra\": 1}";
	tu_write_file(path, other, strlen(other));
	tu_expect_refusal(tu_cli_in(NULL, "report", "show", path, NULL), 1, "extra");
	free(blob), free(rep), free(want), free(att), free(json), free(raw), free(vcek), free(ask);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attestation),   cmocka_unit_test(test_report_forms),
		cmocka_unit_test(test_host_data),     cmocka_unit_test(test_mr_config_rules),
		cmocka_unit_test(test_ids),	      cmocka_unit_test(test_cbor_roundtrip),
		cmocka_unit_test(test_cbor_refusals), cmocka_unit_test(test_image_folder),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
