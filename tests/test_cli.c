/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The snpmeasure command line: stdout, the class of stderr, and the exit code, for the
 * reference's options, its refusals, and this tool's additions. Inputs are rebuilt from the KAT
 * recipes, so no fixture is needed.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "testutil.h"

static char *dir, *fw, *fw_x64, *kernel, *initrd, *bad_fw;

#define DIGEST_AMDSEV_KERNEL                                                                         \
	"157858a5d02fea54b6fe9d76d3a9078d3d1b72770098126e64298a5ad1e20a0cda31dbab58e3b5aa6698e62a70" \
	"1fc2cf"

static int setup(void **state)
{
	char *path = tu_source_path("vectors/launch-digest-kat.json");
	struct json_object *kat = json_object_from_file(path), *inputs;
	uint8_t *data;
	size_t len;

	(void)state;
	free(path);
	assert_non_null(kat);
	dir = tu_mkdtemp();
	inputs = json_object_object_get(kat, "inputs");
	fw = tu_kat_file(inputs, dir, "dev_amdsev_256k.fd");
	fw_x64 = tu_kat_file(inputs, dir, "dev_x64_128k.fd");
	kernel = tu_kat_file(inputs, dir, "dev_kernel.bin");
	initrd = tu_kat_file(inputs, dir, "dev_initrd.bin");
	/* A firmware that lost its first half: its metadata (56 KiB from the end) lies outside. */
	path = tu_kat_file(inputs, dir, "dev_caa_64k.fd");
	data = tu_read_file(path, &len);
	free(path);
	assert_true(asprintf(&bad_fw, "%s/truncated.fd", dir) > 0);
	tu_write_file(bad_fw, data + len / 2, len / 2);
	free(data);
	json_object_put(kat);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir), free(fw), free(fw_x64), free(kernel), free(initrd), free(bad_fw);
	return 0;
}

#define run_cli(...) tu_cli_in(NULL, __VA_ARGS__, NULL)
#define run_cli_in(...) tu_cli_in(__VA_ARGS__, NULL)
#define expect_refusal tu_expect_refusal
#define expect_digest tu_expect_digest
#define capture tu_capture
#define lines tu_lines

static void test_help_and_version(void **state)
{
	struct tu_run r = run_cli("--help");

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Usage: snpmeasure"));
	/* The verbs from the verb table: the default one and dstack among them. */
	assert_non_null(strstr(r.out, "Verbs: measure (the default), explain"));
	assert_non_null(strstr(r.out, "dstack"));
	assert_non_null(strstr(r.out, "--snp-ovmf-hash"));
	assert_non_null(strstr(r.out, "--vars-file"));
	tu_run_free(&r);
	r = run_cli("--version");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, SNPM_VERSION_STRING));
	tu_run_free(&r);
}

static void test_reference_usage_refusals(void **state)
{
	(void)state;
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4"), 2,
		       "--ovmf");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			       fw, "--initrd", initrd),
		       2, "--kernel required when using --initrd");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			       fw, "--append", "x"),
		       2, "--kernel required when using --append");
	expect_refusal(run_cli("--mode", "snp", "--vcpu-type", "EPYC-v4", "--ovmf", fw), 2,
		       "missing --vcpus N in guest mode 'snp'");
	expect_refusal(run_cli("--mode", "seves", "--vcpus", "1", "--ovmf", fw), 2,
		       "missing --vcpu-type or --vcpu-sig or --vcpu-family");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v9", "--ovmf",
			       fw),
		       2, "invalid choice: 'EPYC-v9'");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vmm-type", "kvm", "--ovmf", fw),
		       2, "invalid choice: 'kvm'");
	expect_refusal(run_cli("--mode", "tdx", "--ovmf", fw), 2, "invalid choice: 'tdx'");
	/* CPU options that disagree: the reference picks one quietly; we refuse. Agreeing ones
	 * are fine. */
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
			       "--vcpu-sig", "0xa00f11", "--ovmf", fw),
		       2, "name different CPUs");
	expect_refusal(run_cli("--mode", "seves", "--vcpus", "1", "--vcpu-type", "EPYC-Milan",
			       "--vcpu-family", "25", "--vcpu-model", "17", "--vcpu-stepping", "0",
			       "--ovmf", fw),
		       2, "name different CPUs");
	struct tu_run agree = run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-Milan",
				      "--vcpu-sig", "0xa00f11", "--vcpu-family", "25",
				      "--vcpu-model", "1", "--vcpu-stepping", "1", "--ovmf", fw);
	assert_int_equal(agree.status, 0);
	tu_run_free(&agree);
	/* SEV-ES VMSAs carry no SEV features: accepted as the reference does, with a note. */
	struct tu_run es = run_cli("--mode", "seves", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
				   "--guest-features", "0x21", "--ovmf", fw);
	struct tu_run es1 =
		run_cli("--mode", "seves", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf", fw);
	assert_int_equal(es.status, 0);
	assert_string_equal(es.out, es1.out);
	assert_non_null(strstr(es.err, "--guest-features has no effect in mode seves"));
	assert_string_equal(es1.err, "");
	tu_run_free(&es), tu_run_free(&es1);
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "x", "--ovmf", fw), 2, "--vcpus");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-sig", "0xzz", "--ovmf", fw),
		       2, "--vcpu-sig");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
			       "--guest-features", "-1", "--ovmf", fw),
		       2, "--guest-features");
	expect_refusal(run_cli("--mode", "snp", "--output-format", "bin", "--ovmf", fw), 2,
		       "--output-format");
	expect_refusal(run_cli("--mode", "snp", "--bogus", "--ovmf", fw), 2, "--bogus");
	expect_refusal(run_cli("--mode", "sev", "--dump-vmsa", "--ovmf", fw), 2, "--dump-vmsa");
	expect_refusal(run_cli("--mode", "snp:svsm", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
			       "--ovmf", fw, "--svsm", fw),
		       2, "requires --vars-size or --vars-file");
	expect_refusal(run_cli("--mode", "snp:svsm", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
			       "--ovmf", fw, "--svsm", fw, "--vars-size", "4096", "--vars-file",
			       fw),
		       2, "not allowed");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-family", "25", "--ovmf",
			       fw),
		       2, "--vcpu-model");
}

static void test_input_refusals(void **state)
{
	(void)state;
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			       "/nonexistent/OVMF.fd"),
		       1, "/nonexistent/OVMF.fd: cannot open: No such file");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			       fw, "--kernel", "/nonexistent/bzImage"),
		       1, "/nonexistent/bzImage: cannot open");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			       bad_fw),
		       1, "truncated.fd: SEV metadata offset");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			       kernel),
		       1, "not a non-zero multiple of 4096");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			       dir),
		       1, "Is a directory");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			       fw_x64, "--kernel", kernel),
		       1, "SNP_KERNEL_HASHES");
	expect_refusal(run_cli("--mode", "sev", "--ovmf", fw_x64, "--kernel", kernel), 1,
		       "has no SEV hashes table to measure it");
	/* Debian's OVMF cannot measure a kernel: the refusal says what to use instead. */
	expect_refusal(run_cli("--ovmf", "/usr/share/OVMF/OVMF_CODE_4M.fd", "--kernel", fw), 1,
		       "only an AmdSev OVMF (OvmfPkg/AmdSev/AmdSevX64.dsc, which kernel-hashes=on "
		       "needs) has one; use it, or measure without --kernel");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "0", "--vcpu-type", "EPYC-v4", "--ovmf",
			       fw),
		       2, "argument --vcpus: 0 is outside 1..4096");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			       fw, "--snp-ovmf-hash", "abcd"),
		       1, "not a 96-digit hex");
	expect_refusal(run_cli("--mode", "seves", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
			       "--ovmf", fw, "--snp-ovmf-hash", "00"),
		       1, "only works with --mode snp");
	expect_refusal(run_cli("--mode", "snp:svsm", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
			       "--ovmf", fw, "--svsm", fw, "--vars-size", "4096", "--kernel",
			       kernel),
		       1, "does not measure --kernel");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vmm-type", "ec2",
			       "--vmm-version", "3", "--ovmf", fw),
		       2, "--vmm-version");
}

static void test_reference_outputs(void **state)
{
	struct tu_run r;

	(void)state;
	expect_digest(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			      fw, "--kernel", kernel, "--initrd", initrd, "--append",
			      "console=ttyS0"),
		      DIGEST_AMDSEV_KERNEL);
	/* --opt=value, aliases and the signature given three ways. */
	expect_digest(run_cli("--mode=sev-snp", "--vcpus=1", "--vcpu-sig=0x800f12",
			      "--ovmf="
			      "x",
			      "--ovmf", fw, "--kernel", kernel, "--initrd", initrd, "--append",
			      "console=ttyS0"),
		      DIGEST_AMDSEV_KERNEL);
	expect_digest(run_cli("--mode", "SNP", "--vcpus", "1", "--vcpu-family", "23",
			      "--vcpu-model", "1", "--vcpu-stepping", "2", "--ovmf", fw, "--kernel",
			      kernel, "--initrd", initrd, "--append", "console=ttyS0"),
		      DIGEST_AMDSEV_KERNEL);
	r = run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "-v", "--ovmf", fw,
		    "--kernel", kernel, "--initrd", initrd, "--append", "console=ttyS0");
	expect_digest(r, "Calculated SEV_SNP guest measurement: " DIGEST_AMDSEV_KERNEL);
	expect_digest(
		run_cli("--mode", "snp:ovmf-hash", "--ovmf", fw, "--output-format", "base64"),
		"3f0834d788fbe575ef7d39edd32b3ad99f735c500bd122862a692c9b017af16f2253aea768b8a8f33b89da30303b2631");
	/* The firmware digest feeds back in. */
	expect_digest(
		run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf", fw,
			"--kernel", kernel, "--initrd", initrd, "--append", "console=ttyS0",
			"--snp-ovmf-hash",
			"3f0834d788fbe575ef7d39edd32b3ad99f735c500bd122862a692c9b017af16f2253aea768b8a8f33b89da30303b2631"),
		DIGEST_AMDSEV_KERNEL);
}

static void test_short_form(void **state)
{
	struct tu_run full, r;

	(void)state;
	full = run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf", fw);
	assert_int_equal(full.status, 0);
	assert_string_equal(full.err, "");
	r = run_cli("--ovmf", fw);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, full.out);
	assert_int_equal(lines(r.err), 1);
	assert_non_null(strstr(r.err, "assuming --mode snp --vcpus 1 --vcpu-type EPYC-v4"));
	tu_run_free(&r);
	r = run_cli("-q", "--ovmf", fw);
	assert_string_equal(r.out, full.out);
	assert_string_equal(r.err, "");
	tu_run_free(&r);
	tu_run_free(&full);
	/* Explicit values still apply in the short form. */
	full = run_cli("--mode", "snp", "--vcpus", "4", "--vcpu-type", "EPYC-Milan", "--ovmf", fw);
	r = run_cli("-q", "--vcpus", "4", "--vcpu-type", "EPYC-Milan", "--ovmf", fw);
	assert_string_equal(r.out, full.out);
	tu_run_free(&r);
	tu_run_free(&full);
}

static void test_json(void **state)
{
	struct tu_run r, plain;
	struct json_object *o, *v;

	(void)state;
	plain = run_cli("--mode", "snp", "--vcpus", "2", "--vcpu-type", "EPYC-Genoa", "--ovmf", fw,
			"--kernel", kernel, "--append", "ro");
	r = run_cli("--mode", "snp", "--vcpus", "2", "--vcpu-type", "EPYC-Genoa", "--ovmf", fw,
		    "--kernel", kernel, "--append", "ro", "--json");
	assert_int_equal(r.status, 0);
	assert_int_equal(lines(r.out), 1); /* compact when stdout is not a terminal */
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "measurement", &v));
	assert_memory_equal(json_object_get_string(v), plain.out, 96);
	assert_string_equal(json_object_get_string(json_object_object_get(o, "mode")), "snp");
	assert_string_equal(json_object_get_string(json_object_object_get(o, "vcpu_sig")),
			    "0xa10f10");
	assert_int_equal(json_object_get_int(json_object_object_get(o, "vcpus")), 2);
	v = json_object_object_get(o, "kernel");
	assert_string_equal(json_object_get_string(json_object_object_get(v, "sha256")),
			    "93e74b830dfc6de3b4fe9970939823b2ff3c1a37bf8573a188779411ea9018a5");
	v = json_object_object_get(o, "initrd");
	assert_null(json_object_object_get(v, "path")); /* none: the SHA-256 of nothing */
	assert_string_equal(json_object_get_string(json_object_object_get(v, "sha256")),
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	v = json_object_object_get(o, "firmware");
	assert_string_equal(json_object_get_string(json_object_object_get(v, "gpa")), "0xfffc0000");
	assert_int_equal(json_object_get_int(json_object_object_get(v, "size")), 262144);
	json_object_put(o);
	tu_run_free(&r);
	tu_run_free(&plain);
}

static void test_dump_vmsa(void **state)
{
	char *sub, *p;
	struct tu_run r;
	size_t len;
	uint8_t *page;

	(void)state;
	assert_true(asprintf(&sub, "%s/dump", dir) > 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	r = run_cli_in(sub, "--mode", "snp", "--vcpus", "3", "--vcpu-type", "EPYC-v4", "--ovmf", fw,
		       "--dump-vmsa", NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	for (int i = 0; i < 4; i++) {
		assert_true(asprintf(&p, "%s/vmsa%d.bin", sub, i) > 0);
		page = tu_read_file(p, &len);
		if (i < 3) {
			assert_non_null(page);
			assert_int_equal(len, 4096);
			/* BSP at the reset vector, APs at the reset block's EIP (0xffffb004). */
			assert_int_equal(page[0x178] | page[0x179] << 8, i == 0 ? 0xfff0 : 0xb004);
		} else {
			assert_null(page);
		}
		free(page);
		free(p);
	}
	free(sub);
}

static void test_stdin_kernel(void **state)
{
	struct tu_run a, b;

	(void)state;
	char *empty;

	/* stdin is /dev/null in these runs: "-" reads it. */
	assert_true(asprintf(&empty, "%s/empty.bin", dir) > 0);
	tu_write_file(empty, "", 0);
	a = run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf", fw,
		    "--kernel", "-");
	b = run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf", fw,
		    "--kernel", empty);
	free(empty);
	assert_int_equal(a.status, 0);
	assert_string_equal(a.out, b.out);
	tu_run_free(&a);
	tu_run_free(&b);
}

static void test_ovmf_verb(void **state)
{
	struct tu_run r;
	struct json_object *o;
	char *md;

	(void)state;
	r = run_cli("ovmf", fw);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "SNP_KERNEL_HASHES"));
	assert_non_null(strstr(r.out, "AP reset EIP  0xffffb004"));
	assert_non_null(
		strstr(r.out, "3f0834d788fbe575ef7d39edd32b3ad99f735c500bd122862a692c9b017af16f"));
	tu_run_free(&r);
	r = run_cli("ovmf", fw, "--json");
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	assert_string_equal(
		json_object_get_string(json_object_object_get(o, "snp_ovmf_hash")),
		"3f0834d788fbe575ef7d39edd32b3ad99f735c500bd122862a692c9b017af16f2253aea768b8a8f33b89da30303b2631");
	json_object_put(o);
	assert_true(asprintf(&md, "%s/ovmf.json", dir) > 0);
	tu_write_file(md, r.out, strlen(r.out));
	tu_run_free(&r);
	expect_refusal(run_cli("ovmf", bad_fw), 1, "truncated.fd");
	expect_refusal(run_cli("ovmf"), 2, "ovmf: too few arguments");

	/* The JSON measures without the binary, to the same digest. */
	char *with = capture(run_cli("--mode", "snp", "--vcpus", "3", "--vcpu-type", "EPYC-v4",
				     "--ovmf", fw, "--kernel", kernel, "--append", "ro"));
	char *without = capture(run_cli(
		"--mode", "snp", "--vcpus", "3", "--vcpu-type", "EPYC-v4", "--ovmf-metadata", md,
		"--kernel-hash", "93e74b830dfc6de3b4fe9970939823b2ff3c1a37bf8573a188779411ea9018a5",
		"--append", "ro"));
	assert_string_equal(with, without);
	free(with);
	free(without);
	expect_refusal(run_cli("--mode", "sev", "--ovmf-metadata", md), 1, "SNP only");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			       fw, "--ovmf-metadata", md),
		       2, "not allowed with argument --ovmf");
	expect_refusal(
		run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
			"--ovmf-metadata", md, "--snp-ovmf-hash",
			"00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000f"),
		1, "contradicts");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			       fw, "--kernel", kernel, "--kernel-hash", "00"),
		       2, "not allowed with argument --kernel");
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			       fw, "--kernel-hash", "zz"),
		       1, "not a 64-digit hex");
	free(md);
}

static void test_hash_inputs(void **state)
{
	(void)state;
	char *files = capture(run_cli("--mode", "seves", "--vcpus", "2", "--vcpu-type", "EPYC-v4",
				      "--ovmf", fw, "--kernel", kernel, "--initrd", initrd,
				      "--append", "a"));
	char *hashes = capture(run_cli(
		"--mode", "seves", "--vcpus", "2", "--vcpu-type", "EPYC-v4", "--ovmf", fw,
		"--kernel-hash", "93e74b830dfc6de3b4fe9970939823b2ff3c1a37bf8573a188779411ea9018a5",
		"--initrd-hash", "868657a7dde05c5d3eb72c5ca1a749bd753d9c0a0a297770e458058692005ad7",
		"--append", "a"));
	assert_string_equal(files, hashes);
	free(files);
	free(hashes);
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			       fw, "--initrd-hash",
			       "868657a7dde05c5d3eb72c5ca1a749bd753d9c0a0a297770e458058692005ad7"),
		       2, "--kernel required");
}

static void test_spec_files(void **state)
{
	char *spec, *body, *flags, *viaspec, *dstack;
	struct tu_run r;

	(void)state;
	flags = capture(run_cli("--mode", "snp", "--vcpus", "2", "--vcpu-type", "EPYC-Genoa",
				"--guest-features", "0x21", "--ovmf", fw, "--kernel", kernel,
				"--append", "ro "));
	/* Paths in a spec are relative to the spec's folder. */
	assert_true(asprintf(&spec, "%s/spec.json", dir) > 0);
	body = "{\"mode\": \"snp\", \"vcpus\": 2, \"vcpu_type\": \"EPYC-Genoa\", "
	       "\"guest_features\": \"SNPActive,DebugSwap\", \"firmware\": \"dev_amdsev_256k.fd\", "
	       "\"kernel\": {\"path\": \"dev_kernel.bin\"}, \"cmdline\": \"ro \"}";
	tu_write_file(spec, body, strlen(body));
	viaspec = capture(run_cli("--spec", spec));
	assert_string_equal(flags, viaspec);
	free(viaspec);
	/* The command line wins over the document. */
	r = run_cli("--spec", spec, "--vcpus", "3");
	assert_int_equal(r.status, 0);
	assert_string_not_equal(r.out, flags);
	tu_run_free(&r);

	/* dstack's document: hashes and metadata only; trailing space kept, with a note. */
	assert_true(asprintf(&dstack, "%s/dstack.json", dir) > 0);
	body = "{\"base_cmdline\": \"ro \", \"ovmf_hash\": \"3f0834d788fbe575ef7d39edd32b3ad99f735c"
	       "500bd122862a692c9b017af16f2253aea768b8a8f33b89da30303b2631\", \"kernel_hash\": "
	       "\"93e74b830dfc6de3b4fe9970939823b2ff3c1a37bf8573a188779411ea9018a5\", "
	       "\"initrd_hash\": \"\", \"sev_hashes_table_gpa\": 8453120, \"sev_es_reset_eip\": "
	       "4294946820, \"vcpus\": 2, \"vcpu_type\": \"epyc-genoa\", \"guest_features\": 33, "
	       "\"ovmf_sections\": [{\"gpa\": 8388608, \"size\": 36864, \"section_type\": 1}, "
	       "{\"gpa\": 8429568, \"size\": 12288, \"section_type\": 1}, {\"gpa\": 8441856, "
	       "\"size\": 4096, \"section_type\": 2}, {\"gpa\": 8445952, \"size\": 4096, "
	       "\"section_type\": 3}, {\"gpa\": 8450048, \"size\": 4096, \"section_type\": 16}, "
	       "{\"gpa\": 8454144, \"size\": 65536, \"section_type\": 1}]}";
	tu_write_file(dstack, body, strlen(body));
	r = run_cli("--spec", dstack);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, flags);
	assert_non_null(strstr(r.err, "dstack trims it, QEMU does not"));
	tu_run_free(&r);
	body = "{\"vcpu\": 2}";
	tu_write_file(spec, body, strlen(body));
	expect_refusal(run_cli("--spec", spec, "--ovmf", fw), 1, "unknown key \"vcpu\"");
	free(flags);
	free(spec);
	free(dstack);
}

static void test_guest_feature_options(void **state)
{
	(void)state;
	char *num = capture(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
				    "--ovmf", fw, "--guest-features", "0x21"));
	char *names = capture(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
				      "--ovmf", fw, "--guest-features", "SNPActive,DebugSwap"));
	assert_string_equal(num, names);
	free(num);
	free(names);
	/* Secure AVIC is VMSA bit 16; unnamed bits are measured, with a note naming them. */
	char *savic = capture(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
				      "--ovmf", fw, "--guest-features", "SNPActive,SecureAVIC"));
	expect_digest(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			      fw, "--guest-features", "0x10001"),
		      strtok(savic, "\n"));
	free(savic);
	struct tu_run r = run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
				  "--ovmf", fw, "--guest-features", "0x800801");
	assert_int_equal(r.status, 0);
	assert_int_equal(strlen(r.out), 97);
	assert_non_null(strstr(r.err, "guest features 0x800801 set bit11,bit23, which no public "
				      "source names; measured as given"));
	assert_int_equal(lines(r.err), 1);
	tu_run_free(&r);
	r = run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf", fw,
		    "--guest-features", "0x800801", "-q");
	assert_string_equal(r.err, "");
	tu_run_free(&r);
	r = run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf", fw,
		    "--guest-features", "0x10021", "--json");
	assert_non_null(
		strstr(r.out, "\"guest_feature_names\":\"SNPActive,DebugSwap,SecureAVIC\""));
	tu_run_free(&r);
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf",
			       fw, "--guest-features", "SNPActive,Nope"),
		       2, "unknown guest feature 'Nope'");
	/* VMSA variants change the digest. */
	char *plain = capture(
		run_cli("--mode", "snp", "--vcpus", "1", "--vmm-type", "gce", "--ovmf", fw));
	char *gpa52 = capture(run_cli("--mode", "snp", "--vcpus", "1", "--vmm-type", "gce",
				      "--ovmf", fw, "--vmsa-gpa", "52bit"));
	char *gpa52b = capture(run_cli("--mode", "snp", "--vcpus", "1", "--vmm-type", "gce",
				       "--ovmf", fw, "--vmsa-gpa", "0xFFFFFFFFFF000"));
	char *legacy = capture(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
				       "--ovmf", fw, "--vmsa-fpu", "legacy-kvm"));
	char *fpu = capture(
		run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf", fw));
	assert_string_not_equal(plain, gpa52);
	assert_string_equal(gpa52, gpa52b);
	assert_string_not_equal(legacy, fpu);
	free(fpu);
	free(plain), free(gpa52), free(gpa52b), free(legacy);
	expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vmm-type", "gce", "--ovmf", fw,
			       "--vmsa-gpa", "0x123"),
		       2, "--vmsa-gpa");
}

static void test_explain(void **state)
{
	(void)state;
	char *digest = capture(run_cli("--mode", "snp", "--vcpus", "4", "--vcpu-type", "EPYC-v4",
				       "--ovmf", fw, "--kernel", kernel, "--initrd", initrd));
	char *human =
		capture(run_cli("explain", "--mode", "snp", "--vcpus", "4", "--vcpu-type",
				"EPYC-v4", "--ovmf", fw, "--kernel", kernel, "--initrd", initrd));
	char *json = capture(run_cli("explain", "--mode", "snp", "--vcpus", "4", "--vcpu-type",
				     "EPYC-v4", "--ovmf", fw, "--kernel", kernel, "--initrd",
				     initrd, "--json"));
	char *want;
	struct json_object *o, *steps, *last;

	assert_true(asprintf(&want, "measurement: %s", digest) > 0);
	assert_non_null(strstr(human, want));
	/* Folded runs: the first SNP_SEC_MEM section is 9 zero pages. */
	assert_non_null(strstr(human, "ZERO       × 9     at 0x800000-0x808fff"));
	assert_non_null(strstr(human, "VMSA of vCPUs 1-3 (APs)"));
	assert_non_null(strstr(human, "hashes table (176 bytes)"));
	o = json_tokener_parse(json);
	assert_non_null(o);
	steps = json_object_object_get(o, "steps");
	/* 64 firmware pages, 9+3+1+1+1+16 section pages, 4 VMSAs */
	assert_int_equal(json_object_array_length(steps), 64 + 31 + 4);
	last = json_object_array_get_idx(steps, json_object_array_length(steps) - 1);
	assert_memory_equal(json_object_get_string(json_object_object_get(last, "ld")), digest, 96);
	assert_memory_equal(json_object_get_string(json_object_object_get(o, "measurement")),
			    digest, 96);
	json_object_put(o);
	free(want), free(digest), free(human), free(json);
}

static size_t count_lines(const char *s)
{
	return lines(s);
}

static void test_sweep_and_match(void **state)
{
	(void)state;
	char *csv = capture(run_cli("sweep", "--ovmf", fw, "--kernel", kernel, "--vcpus", "1-3,8",
				    "--vcpu-type", "EPYC-v4,EPYC-Milan", "--guest-features",
				    "0x1,0x21", "--vmm-type", "QEMU,ec2,gce", "--csv"));
	assert_int_equal(count_lines(csv), 1 + 4 * 2 * 2 * 3);
	char *single = capture(run_cli("--mode", "snp", "--vcpus", "8", "--vcpu-type", "EPYC-Milan",
				       "--guest-features", "0x21", "--vmm-type", "ec2", "--ovmf",
				       fw, "--kernel", kernel));
	char *row;
	assert_true(asprintf(&row, "ec2,EPYC-Milan,0xa00f11,0x21,8,%s", single) > 0);
	assert_non_null(strstr(csv, row));
	free(row);

	/* match finds the planted configuration in its default space ... */
	single[96] = '\0';
	struct tu_run r = run_cli("match", "--measurement", single, "--ovmf", fw, "--kernel",
				  kernel, "--csv");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "ec2,EPYC-Milan,0xa00f11,0x21,8,"));
	tu_run_free(&r);
	/* ... and, missing, says what it held fixed. */
	r = run_cli("match", "--measurement", single, "--ovmf", fw, "--kernel", kernel, "--append",
		    "other", "--vcpus", "1-16");
	assert_int_equal(r.status, 3); /* does not match / verify */
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "held fixed"));
	assert_non_null(
		strstr(r.err, "93e74b830dfc6de3b4fe9970939823b2ff3c1a37bf8573a188779411ea9018a5"));
	tu_run_free(&r);
	expect_refusal(run_cli("match", "--ovmf", fw), 2, "--measurement");
	expect_refusal(run_cli("match", "--measurement", "abc", "--ovmf", fw), 2, "not a 48-");
	expect_refusal(run_cli("sweep", "--ovmf", fw, "--vcpus", "5-2"), 2, "--vcpus");
	expect_refusal(run_cli("sweep", "--ovmf", fw, "--vmm-type", "QEMU,kvm"), 2, "kvm");
	expect_refusal(run_cli("sweep", "--ovmf", fw, "--json", "--csv"), 2, "exclude");
	/* A refused JSON sweep prints nothing, not even the array's opening bracket. */
	expect_refusal(run_cli("sweep", "--ovmf", fw_x64, "--kernel", kernel, "--json"), 1,
		       "SNP_KERNEL_HASHES");
	/* CPU options together: their union, one row per CPU however many options name it. */
	char *uni = capture(run_cli("sweep", "--ovmf", fw, "--vcpu-type", "EPYC-v4,EPYC-Milan",
				    "--vcpu-sig", "0xa00f11,0xa10f11", "--vcpu-family", "25",
				    "--vcpu-model", "17", "--vcpu-stepping", "1", "--csv"));
	assert_int_equal(count_lines(uni), 1 + 3);
	assert_non_null(strstr(uni, "QEMU,EPYC-v4,0x800f12,"));
	assert_non_null(strstr(uni, "QEMU,EPYC-Milan,0xa00f11,"));
	assert_non_null(strstr(uni, "QEMU,,0xa10f11,"));
	free(uni);
	/* Models that share a signature keep a row each, so a match names every one. */
	char *all = capture(run_cli("sweep", "--ovmf", fw, "--vcpu-type", "all", "--csv"));
	assert_int_equal(count_lines(all), 1 + 16);
	assert_non_null(strstr(all, "QEMU,EPYC,0x800f12,"));
	assert_non_null(strstr(all, "QEMU,EPYC-v4,0x800f12,"));
	free(all);
	expect_refusal(run_cli("sweep", "--ovmf", fw, "--vcpu-family", "25"), 2,
		       "--vcpu-family requires --vcpu-model and --vcpu-stepping");
	expect_refusal(run_cli("sweep", "--mode", "snp:ovmf-hash", "--ovmf", fw), 2,
		       "nothing to sweep");
	free(csv);
	free(single);
}

/* The JSON and table forms of sweep carry the same rows as the CSV and single runs. */
static void test_sweep_formats(void **state)
{
	(void)state;
	char *json = capture(run_cli("sweep", "--ovmf", fw, "--kernel", kernel, "--vcpus", "1-2",
				     "--vcpu-type", "EPYC-v4,EPYC-Genoa", "--vmm-type", "QEMU,gce",
				     "--json"));
	char *table =
		capture(run_cli("sweep", "--ovmf", fw, "--kernel", kernel, "--vcpus", "1-2",
				"--vcpu-type", "EPYC-v4,EPYC-Genoa", "--vmm-type", "QEMU,gce"));
	char *single = capture(run_cli("--mode", "snp", "--vcpus", "2", "--vcpu-type", "EPYC-Genoa",
				       "--vmm-type", "gce", "--ovmf", fw, "--kernel", kernel));
	struct json_object *rows = json_tokener_parse(json);
	bool found = false;

	single[96] = '\0';
	assert_non_null(rows);
	assert_true(json_object_is_type(rows, json_type_array));
	assert_int_equal(json_object_array_length(rows), 8);
	for (size_t i = 0; i < 8; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		if (strcmp(json_object_get_string(json_object_object_get(row, "vmm")), "gce") ==
			    0 &&
		    strcmp(json_object_get_string(json_object_object_get(row, "vcpu_type")),
			   "EPYC-Genoa") == 0 &&
		    json_object_get_int(json_object_object_get(row, "vcpus")) == 2)
			found = strcmp(json_object_get_string(
					       json_object_object_get(row, "measurement")),
				       single) == 0;
	}
	assert_true(found);
	json_object_put(rows);
	/* Table: a header and one line per row; the gce/Genoa/2 line holds the digest. */
	assert_int_equal(count_lines(table), 1 + 8);
	assert_memory_equal(table, "vmm ", 4);
	char *line = strstr(table, "gce   EPYC-Genoa");
	assert_non_null(line);
	assert_non_null(strstr(line, single));
	free(json), free(table), free(single);
}

/* snp:ovmf-hash: the firmware digest alone, also as JSON. */
static void test_ovmf_hash_mode_json(void **state)
{
	(void)state;
	char *plain = capture(run_cli("--mode", "snp:ovmf-hash", "--ovmf", fw));
	char *json = capture(run_cli("--mode", "snp:ovmf-hash", "--ovmf", fw, "--json"));
	struct json_object *o = json_tokener_parse(json);

	assert_non_null(o);
	assert_int_equal(strlen(plain), 97);
	assert_memory_equal(json_object_get_string(json_object_object_get(o, "measurement")), plain,
			    96);
	assert_string_equal(json_object_get_string(json_object_object_get(o, "mode")),
			    "snp:ovmf-hash");
	json_object_put(o);
	/* Fed back as --snp-ovmf-hash, it gives the same launch digest as the firmware. */
	plain[96] = '\0';
	char *a = capture(
		run_cli("--mode", "snp", "--ovmf", fw, "--vcpus", "2", "--vcpu-type", "EPYC-v4"));
	char *b = capture(run_cli("--mode", "snp", "--ovmf", fw, "--vcpus", "2", "--vcpu-type",
				  "EPYC-v4", "--snp-ovmf-hash", plain));
	assert_string_equal(a, b);
	free(plain), free(json), free(a), free(b);
}

static void test_report_verbs(void **state)
{
	char *rep = tu_fixture("reports/genoa-v3/report.bin");
	char *vcek = tu_fixture("reports/genoa-v3/vcek.pem");
	char *other = tu_fixture("reports/turin-v5/vcek.pem");
	char *hexfile, *flipped;
	struct tu_run r;
	uint8_t *raw;
	size_t len;

	(void)state;
	r = run_cli("report", "show", rep);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "cpu family             Genoa"));
	assert_non_null(strstr(r.out, "reported_tcb           0x541700000000000a (bootloader 10, "
				      "tee 0, snp 23, microcode 84)"));
	tu_run_free(&r);

	/* Hex text in, the same report out. */
	raw = tu_read_file(rep, &len);
	char *hex = malloc(2 * len + 2);
	tu_hex(raw, len, hex);
	strcat(hex, "\n");
	assert_true(asprintf(&hexfile, "%s/report.hex", dir) > 0);
	tu_write_file(hexfile, hex, strlen(hex));
	char *a = capture(run_cli("report", "show", rep, "--json"));
	char *b = capture(run_cli("report", "show", hexfile, "--json"));
	assert_string_equal(a, b);
	struct json_object *o = json_tokener_parse(a);
	assert_string_equal(
		json_object_get_string(json_object_object_get(o, "measurement")),
		"5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887"
		"920ab2fa0096903a0c23fca1");
	json_object_put(o);
	free(a), free(b), free(hex);

	r = run_cli("report", "verify", rep, "--vcek", vcek);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "verified"));
	tu_run_free(&r);
	expect_refusal(run_cli("report", "verify", rep, "--vcek", other), 3,
		       "signature does not verify");
	raw[0x90] ^= 0x80; /* the measurement */
	assert_true(asprintf(&flipped, "%s/flipped.bin", dir) > 0);
	tu_write_file(flipped, raw, len);
	expect_refusal(run_cli("report", "verify", flipped, "--vcek", vcek), 3,
		       "signature does not verify");
	tu_write_file(flipped, raw, len - 1);
	expect_refusal(run_cli("report", "show", flipped), 1, "not a report");
	raw[0x90] ^= 0x80;
	raw[0] = 4;
	tu_write_file(flipped, raw, len);
	expect_refusal(run_cli("report", "show", flipped), 1, "version 4 is not supported");
	expect_refusal(run_cli("report", "verify", rep), 2, "--vcek");

	/* check: every field holds; one that does not fails the whole check. */
	r = run_cli(
		"report", "check", rep, "--vcek", vcek, "--measurement",
		"5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887920ab2fa"
		"0096903a0c23fca1",
		"--host-data", "4f4448c67f3c8dfc8de8a5e37125d807dadcc41f06cf23f615dbd52eec777d10",
		"--guest-policy", "0x3001f", "--id-key-digest",
		"0ad79ceb0b648b0e6a90d8aa9f6ea24c33a968b6632085353145e8b19a4741a2dab9ba342e13be4fc0"
		"d225e889cc1a58");
	assert_int_equal(r.status, 0);
	assert_null(strstr(r.out, " NO "));
	tu_run_free(&r);
	r = run_cli(
		"report", "check", rep, "--measurement",
		"5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887920ab2fa"
		"0096903a0c23fca1",
		"--guest-policy", "0x30000");
	assert_int_equal(r.status, 3); /* does not match / verify */
	assert_non_null(strstr(r.out, "policy             FAIL"));
	tu_run_free(&r);
	/* In JSON, a field that differs says why, as diagnose's fields do (one writer). */
	r = run_cli(
		"report", "check", rep, "--measurement",
		"5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887920ab2fa"
		"0096903a0c23fca1",
		"--host-data", "0000000000000000000000000000000000000000000000000000000000000001",
		"--json");
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.out, "\"field\":\"host_data\",\"result\":\"fail\""));
	assert_non_null(strstr(r.out, "\"why\":\"the VMM launched the guest with other HOST_DATA"));
	tu_run_free(&r);
	/* A prediction computed from measurement options, compared with the report. */
	r = run_cli("report", "check", rep, "--mode", "snp", "--vcpus", "1", "--vcpu-type",
		    "EPYC-v4", "--ovmf", fw, "--json");
	assert_int_equal(r.status, 3); /* does not match / verify */
	o = json_tokener_parse(r.out);
	assert_false(json_object_get_boolean(json_object_object_get(o, "pass")));
	json_object_put(o);
	tu_run_free(&r);
	expect_refusal(run_cli("report", "check", rep), 2, "--measurement");
	free(raw), free(hexfile), free(flipped), free(rep), free(vcek), free(other);
}

static void test_id_block_verb(void **state)
{
	char *id = tu_fixture("sev-snp-measure/id_key_test.pem");
	char *author = tu_fixture("sev-snp-measure/author_key_test.pem");
	struct tu_run r;

	(void)state;
	/* The reference's command line and output (vectors/id-block.json). */
	r = run_cli("id-block", "--measurement",
		    "B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7t", "--idkey",
		    id, "--authorkey", author);
	assert_int_equal(r.status, 0);
	assert_true(
		strncmp(r.out,
			"id-block=B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7t"
			"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAwAAAAAA,id-auth=",
			9 + 128 + 9) == 0);
	assert_non_null(strstr(r.out, "\nid_key_hash: hwt+NcU/inLQ0yL3WrKvgmJ5Kq9leWIs5BMcPyHyied8"
				      "sFYKXjuQs5MuZ07HCcsU\n"));
	assert_non_null(strstr(r.out,
			       "\nauthor_key: YxEcNLv8Ckk4+aAJvQdJgNgXIyPmFZnJ/TNtqGcySOHcqY0"
			       "L6PdjdqEGuK/UwKBX\n"));
	assert_int_equal(lines(r.out), 3);
	tu_run_free(&r);
	r = run_cli("key-digest", id, "--output-format", "base64");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out,
			    "hwt+NcU/inLQ0yL3WrKvgmJ5Kq9leWIs5BMcPyHyied8sFYKXjuQs5MuZ07HCcsU\n");
	tu_run_free(&r);
	/* Anything but P-384 keys is refused; a certificate is not a key. */
	expect_refusal(run_cli("id-block", "--measurement",
			       "B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7t",
			       "--id-key", fw, "--author-key", author),
		       1, "not a PEM private key");
	expect_refusal(run_cli("id-block", "--measurement", "abc", "--id-key", id, "--author-key",
			       author),
		       2, "--measurement");
	expect_refusal(run_cli("key-digest", "/nonexistent.pem"), 1, "cannot open");

	/* The optional fields land at the ID block's offsets: family_id @48, image_id @64,
	 * version @80, guest_svn @84, policy @88 (little-endian). */
	r = run_cli("id-block", "--measurement",
		    "B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7t", "--id-key",
		    id, "--author-key", author, "--family-id", "0102030405060708090a0b0c0d0e0f10",
		    "--image-id", "000000000000000000000000000000ff", "--guest-svn", "7",
		    "--policy", "0x30000", "--json");
	assert_int_equal(r.status, 0);
	struct json_object *o = json_tokener_parse(r.out);
	assert_non_null(o);
	const char *b64 = json_object_get_string(json_object_object_get(o, "id_block"));
	uint8_t blk[96];
	assert_int_equal(EVP_DecodeBlock(blk, (const unsigned char *)b64, (int)strlen(b64)), 96);
	static const uint8_t tail[48] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					  0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	 0,  0,	 0,  0,	 0,  0xff,
					  1, 0, 0, 0, 7, 0, 0, 0, 0, 0,	 3,  0,	 0,  0,	 0,  0 };
	assert_memory_equal(blk + 48, tail, 48);
	json_object_put(o);
	tu_run_free(&r);
	expect_refusal(run_cli("id-block", "--measurement",
			       "B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7t",
			       "--id-key", id, "--author-key", author, "--family-id", "0102"),
		       2, "--family-id");
	free(id), free(author);
}

/* Report verbs beyond the basics: help, JSON verification with explicit chain files, a v5
 * report's mitigation vectors, and checks of report data and the author key digest. */
static void test_report_more(void **state)
{
	char *rep = tu_fixture("reports/turin-v5/report.bin");
	char *vcek = tu_fixture("reports/turin-v5/vcek.pem");
	char *ask = tu_fixture("reports/turin-v5/ask.pem"),
	     *ark = tu_fixture("reports/turin-v5/ark.pem");
	char *milan = tu_fixture("reports/milan-v2/report.bin");
	char *milan_vcek = tu_fixture("reports/milan-v2/vcek.der");
	char *milan_chain = tu_fixture("reports/milan-v2/ask_ark.pem");
	static const char *const turin_ld = /* expected-fields.json, turin-v5 */
		"6d6c354511d6f7c6d7504668903dc5bdc066a048b651840d8d03fb85299ebfa142fccf1d1b0baca4968"
		"41bdf243619d4";
	static const char *const zero48 = "000000000000000000000000000000000000000000000000"
					  "000000000000000000000000000000000000000000000000";
	struct tu_run r;

	(void)state;
	/* Each sub-verb's own help; "report --help" lists all three. */
	for (const char *const *v = (const char *const[]){ "show", "verify", "check", NULL }; *v;
	     v++) {
		char want[64];
		r = run_cli("report", *v, "--help");
		assert_int_equal(r.status, 0);
		snprintf(want, sizeof(want), "report %s FILE", *v);
		assert_non_null(strstr(r.out, want));
		tu_run_free(&r);
	}
	r = run_cli("report", "--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "report check FILE"));
	assert_non_null(strstr(r.out, "report show FILE"));
	tu_run_free(&r);
	r = run_cli("report", "show", rep);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "launch_mit_vector      0x3f\n"));
	assert_non_null(strstr(r.out, "current_mit_vector     0x3f\n"));
	tu_run_free(&r);

	r = run_cli("report", "verify", rep, "--vcek", vcek, "--ask", ask, "--ark", ark, "--json");
	assert_int_equal(r.status, 0);
	struct json_object *o = json_tokener_parse(r.out);
	assert_non_null(o);
	assert_true(json_object_get_boolean(json_object_object_get(o, "pass")));
	assert_string_equal(json_object_get_string(json_object_object_get(o, "family")), "Turin");
	assert_string_equal(json_object_get_string(json_object_object_get(o, "key")), "VCEK");
	assert_false(json_object_get_boolean(json_object_object_get(o, "builtin_chain")));
	json_object_put(o);
	tu_run_free(&r);
	/* A DER VCEK with the ASK and ARK in one PEM file. */
	r = run_cli("report", "verify", milan, "--vcek", milan_vcek, "--chain", milan_chain);
	if (r.status != 0)
		fail_msg("milan: %s", r.err);
	tu_run_free(&r);
	/* Turin's ARK is not Milan's. */
	expect_refusal(run_cli("report", "verify", milan, "--vcek", milan_vcek, "--ark", ark), 3,
		       "ARK");

	r = run_cli("report", "check", rep, "--measurement", turin_ld, "--report-data", "00",
		    "--author-key-digest", zero48);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	r = run_cli("report", "check", rep, "--measurement", turin_ld, "--report-data", "01");
	assert_int_equal(r.status, 3); /* does not match / verify */
	assert_non_null(strstr(r.out, "report_data"));
	tu_run_free(&r);
	expect_refusal(run_cli("report", "check", rep, "--measurement", zero48, "--report-data",
			       "0g"),
		       2, "--report-data");
	free(rep), free(vcek), free(ask), free(ark), free(milan), free(milan_vcek),
		free(milan_chain);
}

/* The command line's shape: flags before a verb, usage errors as usage errors, help for the
 * verb asked about, verdicts as JSON when they are "no", modes that do not sweep what they do
 * not measure. */
static void test_cli_shape(void **state)
{
	char *rep = tu_fixture("reports/vlek-v3/report.bin");
	char *vcek = tu_fixture("reports/genoa-v3/vcek.pem");
	struct tu_run r;

	(void)state;
	r = run_cli("-q", "sweep", "--ovmf", fw, "--vcpus", "1-2", "--csv");
	assert_int_equal(r.status, 0);
	assert_int_equal(lines(r.out), 3);
	assert_string_equal(r.err, "");
	tu_run_free(&r);
	r = run_cli("report", "check", "--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "--host-data"));
	assert_non_null(strstr(r.out, "--ovmf"));
	tu_run_free(&r);
	/* SEV measures no VMSA: a match space collapses to one row per VMM. */
	r = run_cli("sweep", "--mode", "sev", "--ovmf", fw, "--vcpus", "1-8", "--vcpu-type", "all",
		    "--csv");
	assert_int_equal(r.status, 0);
	assert_int_equal(lines(r.out), 2);
	assert_non_null(strstr(r.err, "mode sev measures no vCPU count, CPU or guest features"));
	tu_run_free(&r);
	/* A VLEK-signed report given a VCEK: the mix-up is named, and --json says no. */
	r = run_cli("report", "verify", rep, "--vcek", vcek, "--json");
	assert_int_equal(r.status, 3); /* does not match / verify */
	assert_non_null(strstr(r.out, "\"pass\":false"));
	assert_non_null(strstr(r.err, "signed by a VLEK, but the certificate is SEV-VCEK"));
	tu_run_free(&r);
	/* The VLEK expired on 2025-12-10: report verify judges validity at --now (default: the
	 * clock), names the certificate and never reads like a pass. */
	char *vlek = tu_fixture("reports/vlek-v3/vlek.der");
	expect_refusal(run_cli("report", "verify", rep, "--vlek", vlek), 3,
		       "the VLEK expired on 2025-12-10");
	r = run_cli("report", "verify", rep, "--vlek", vlek, "--now", "2025-06-01");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "verified: VLEK-signed"));
	tu_run_free(&r);
	r = run_cli("report", "verify", rep, "--vlek", vlek, "--json");
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.out, "\"pass\":false"));
	assert_non_null(strstr(r.out, "expired on 2025-12-10"));
	assert_non_null(strstr(r.out, "\"trust_root\":\"amd\""));
	tu_run_free(&r);
	expect_refusal(run_cli("report", "verify", rep, "--vlek", vlek, "--now", "2026-02-30"), 2,
		       "--now: '2026-02-30'");
	/* Two values for one input: refused, never one silently dropped. */
	expect_refusal(run_cli("report", "verify", rep, "--vlek", vlek, "--vlek", vcek), 2,
		       "--vlek: given twice");
	expect_refusal(run_cli("report", "verify", rep, "--vcek", vcek, "--vlek", vlek), 2,
		       "--vlek and --vcek name the same input");
	expect_refusal(run_cli("report", "verify", rep, "--vlek", vlek, "--chain", vcek, "--ask",
			       vcek),
		       2, "--chain gives the ASK and the ARK");
	expect_refusal(run_cli("report", "appraise", rep, "--policy", vcek, "--vlek", vlek,
			       "--chain", vcek, "--ark", vcek),
		       2, "--chain gives the ASK and the ARK");
	expect_refusal(run_cli("report", "check", rep, "--measurement", vlek, "--vcek", vlek,
			       "--vcek", vcek),
		       2, "--vcek: given twice");
	/* --policy is appraise's file; check's guest policy has its own name. */
	expect_refusal(run_cli("report", "check", rep, "--policy", "0x30000"), 2,
		       "the expected guest policy is --guest-policy");
	free(vlek);
	/* Inputs never reach the terminal raw: control characters are escaped, one line stays
	 * one line. */
	expect_refusal(run_cli("--ovmf", "a\nb\033[2J"), 1, "a\\x0ab\\x1b[2J: cannot open");
	expect_refusal(run_cli("--mode", "x\ry"), 2, "'x\\x0dy'");
	/* An unknown model lists the models, as argparse does for the reference. */
	expect_refusal(run_cli("--vcpu-type", "EPYC-X", "--ovmf", fw), 2,
		       "invalid choice: 'EPYC-X' (choose from 'EPYC', 'EPYC-v1',");
	/* -q is --quiet in every verb of both tools. */
	const char *quiet[] = { SNPM_IMAGE_CLI, "bundle", "-q", "--help", NULL };
	tu_run((char *const *)quiet, &r);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	/* One dispatcher, the same errors at every level. */
	expect_refusal(run_cli("report"), 2, "report: too few arguments: expected a verb");
	expect_refusal(run_cli("report", "shwo", rep), 2,
		       "unknown verb 'shwo', did you mean 'show'?");
	const char *typo[] = { SNPM_IMAGE_CLI, "verfy", "x", NULL };
	tu_run((char *const *)typo, &r);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "unknown verb 'verfy', did you mean 'verify'?"));
	tu_run_free(&r);
	/* Each snpimage verb's --help comes from its option table. */
	static const char *const verbs[][2] = { { "bundle", "--guest-features" },
						{ "rootfs", "--verity" },
						{ "initramfs", "--compress" },
						{ "kernel-info", "--json" },
						{ "verify", "--json" } };
	for (size_t i = 0; i < 5; i++) {
		const char *h[] = { SNPM_IMAGE_CLI, verbs[i][0], "--help", NULL };
		tu_run((char *const *)h, &r);
		assert_int_equal(r.status, 0);
		if (!strstr(r.out, verbs[i][1]) || !strstr(r.out, "-h, --help"))
			fail_msg("snpimage %s --help lacks %s: %s", verbs[i][0], verbs[i][1],
				 r.out);
		tu_run_free(&r);
	}
	/* snpimage with nothing: one line on stderr, as snpmeasure does. */
	const char *img[] = { SNPM_IMAGE_CLI, NULL };
	tu_run((char *const *)img, &r);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.out, "");
	assert_int_equal(lines(r.err), 1);
	tu_run_free(&r);
	free(rep), free(vcek);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_cli_shape),
		cmocka_unit_test(test_reference_usage_refusals),
		cmocka_unit_test(test_input_refusals),
		cmocka_unit_test(test_reference_outputs),
		cmocka_unit_test(test_short_form),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_dump_vmsa),
		cmocka_unit_test(test_stdin_kernel),
		cmocka_unit_test(test_ovmf_verb),
		cmocka_unit_test(test_hash_inputs),
		cmocka_unit_test(test_spec_files),
		cmocka_unit_test(test_guest_feature_options),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_sweep_and_match),
		cmocka_unit_test(test_sweep_formats),
		cmocka_unit_test(test_report_more),
		cmocka_unit_test(test_ovmf_hash_mode_json),
		cmocka_unit_test(test_report_verbs),
		cmocka_unit_test(test_id_block_verb),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
