/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every way an input reaches a measurement, and the rule that none of them may change a digest
 * silently: the reference's zero-valued vCPU options, the command line over --spec (by which
 * options were given, never by comparing with defaults), strict JSON with unknown keys refused
 * at every level, layouts that would measure a page twice, standard input used by one input
 * only, and inputs that never end. Inputs are rebuilt from the KAT recipes and the fixtures.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char *dir, *fw, *kernel, *initrd;
static struct json_object *kat_inputs, *kat;

#define run_cli(...) tu_cli_in(NULL, __VA_ARGS__, NULL)

static char *path_in(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static char *write_text(const char *name, const char *text)
{
	char *p = path_in(name);

	tu_write_file(p, text, strlen(text));
	return p;
}

static int setup(void **state)
{
	char *path = tu_source_path("vectors/launch-digest-kat.json");

	(void)state;
	kat = json_object_from_file(path);
	free(path);
	assert_non_null(kat);
	kat_inputs = json_object_object_get(kat, "inputs");
	dir = tu_mkdtemp();
	fw = tu_kat_file(kat_inputs, dir, "dev_amdsev_256k.fd");
	kernel = tu_kat_file(kat_inputs, dir, "dev_kernel.bin");
	initrd = tu_kat_file(kat_inputs, dir, "dev_initrd.bin");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir), free(fw), free(kernel), free(initrd);
	json_object_put(kat);
	return 0;
}

/* The SNP digest of fw for one vCPU with this signature, from the library itself. */
static char *library_digest(uint32_t sig)
{
	struct snpm_measure_config cfg = { .size = sizeof(cfg),
					   .mode = SNPM_MODE_SNP,
					   .vmm = SNPM_VMM_QEMU,
					   .vcpus = 1,
					   .vcpu_sig = sig,
					   .guest_features = 1 };
	uint8_t out[SNPM_LD_SIZE];
	char *hex = malloc(2 * SNPM_LD_SIZE + 1);
	size_t len;

	cfg.firmware = tu_read_file(fw, &cfg.firmware_len);
	assert_int_equal(snpm_measure(&cfg, out, &len, NULL), 0);
	tu_hex(out, len, hex);
	free((void *)cfg.firmware);
	return hex;
}

/* sev-snp-measure 8f2b337 ("Allow zero as value for vcpu sig & family"). */
static void test_vcpu_zero(void **state)
{
	char *zero = library_digest(0), *sig11 = library_digest(0x11), *spec;

	(void)state;
	tu_expect_digest(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-sig", "0", "--ovmf", fw),
			 zero);
	tu_expect_digest(run_cli("-q", "--ovmf", fw, "--vcpu-sig", "0"), zero);
	tu_expect_digest(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-family", "0",
				 "--vcpu-model", "0", "--vcpu-stepping", "0", "--ovmf", fw),
			 zero);
	/* Family 0, model 1, stepping 1 is signature 0x11. */
	tu_expect_digest(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-family", "0",
				 "--vcpu-model", "1", "--vcpu-stepping", "1", "--ovmf", fw),
			 sig11);
	tu_expect_digest(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-sig", "0x11", "--ovmf",
				 fw),
			 sig11);
	/* Zero is a CPU like any other: it can contradict one. */
	tu_expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-sig", "0", "--vcpu-type",
				  "EPYC-v4", "--ovmf", fw),
			  2, "name different CPUs");
	tu_expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-family", "0", "--ovmf",
				  fw),
			  2, "--vcpu-family requires --vcpu-model and --vcpu-stepping");
	/* The same in a spec and in a sweep. */
	spec = write_text("zero.json", "{\"mode\": \"snp\", \"vcpus\": 1, \"vcpu_sig\": 0}");
	tu_expect_digest(run_cli("--spec", spec, "--ovmf", fw), zero);
	struct tu_run r = run_cli("sweep", "--ovmf", fw, "--vcpu-sig", "0", "--csv");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, zero));
	tu_run_free(&r);
	free(spec), free(zero), free(sig11);
}

/* A spec: the base below with fragment's keys set over it. */
static char *spec_with(const char *name, const char *fragment)
{
	struct json_object *o = json_object_new_object(), *f = json_tokener_parse(fragment);
	char *path;

	json_object_object_add(o, "mode", json_object_new_string("snp"));
	json_object_object_add(o, "vcpus", json_object_new_int(1));
	json_object_object_add(o, "vcpu_type", json_object_new_string("EPYC-v4"));
	json_object_object_add(o, "firmware", json_object_new_string(fw));
	json_object_object_add(o, "kernel", json_object_new_string(kernel));
	assert_non_null(f);
	json_object_object_foreach(f, k, v) {
		json_object_object_add(o, k, json_object_get(v));
	}
	path = write_text(name, json_object_to_json_string(o));
	json_object_put(f);
	json_object_put(o);
	return path;
}

/*
 * The command line wins over the spec even when its value is the default. For each case the
 * spec's value must matter on its own (else the case proves nothing) and must lose to the
 * option.
 */
static void test_command_line_wins(void **state)
{
	static const struct {
		const char *fragment;
		const char *option, *value;
	} cases[] = {
		{ "{\"vmsa\": {\"fpu\": \"legacy-kvm\"}}", "--vmsa-fpu", "default" },
		{ "{\"vmsa\": {\"gpa\": \"0xFFFFFFFFFF000\"}}", "--vmsa-gpa", "default" },
		{ "{\"guest_features\": \"0x21\"}", "--guest-features", "0x1" },
		{ "{\"vmm\": \"gce\"}", "--vmm-type", "QEMU" },
		{ "{\"vcpus\": 4}", "--vcpus", "1" },
		{ "{\"vcpu_type\": \"EPYC-Genoa\"}", "--vcpu-type", "EPYC-v4" },
		{ "{\"vcpu_type\": \"EPYC-Genoa\"}", "--vcpu-sig", "0x800f12" },
		{ "{\"vmm\": \"ec2\", \"vmm_version\": 1}", "--vmm-version", "2" },
		{ "{\"cmdline\": \"console=ttyS0\"}", "--append", "" },
		{ "{\"initrd\": {\"sha256\": "
		  "\"0000000000000000000000000000000000000000000000000000000000000001\"}}",
		  "--initrd", NULL },
	};
	char *base = spec_with("base.json", "{}");

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *spec = spec_with("case.json", cases[i].fragment);
		const char *value = cases[i].value ? cases[i].value : initrd;
		/* Where the fragment changes the VMM, the base must run on the same one. */
		bool ec2 = strstr(cases[i].fragment, "ec2") != NULL;
		char *plain = tu_capture(run_cli("--spec", base, cases[i].option, value,
						 "--vmm-type", ec2 ? "ec2" : "QEMU"));
		char *mine = tu_capture(run_cli("--spec", spec, cases[i].option, value,
						"--vmm-type", ec2 ? "ec2" : "QEMU"));
		char *theirs = tu_capture(run_cli("--spec", spec));
		char *without =
			tu_capture(run_cli("--spec", base, "--vmm-type", ec2 ? "ec2" : "QEMU"));
		if (strcmp(plain, mine) != 0)
			fail_msg("%s %s lost to %s", cases[i].option, value, cases[i].fragment);
		if (strcmp(theirs, without) == 0)
			fail_msg("%s changes nothing on its own", cases[i].fragment);
		free(plain), free(mine), free(theirs), free(without), free(spec);
	}
	free(base);
}

/* The spec's vCPU count, CPU and features hold in a sweep too, where the command line has none. */
static void test_spec_in_sweep(void **state)
{
	char *spec = spec_with("sweep.json", "{\"vcpus\": 3, \"guest_features\": \"0x21\"}");
	char *single = tu_capture(run_cli("--spec", spec));
	struct tu_run r = run_cli("sweep", "--spec", spec, "--csv");

	(void)state;
	assert_int_equal(r.status, 0);
	assert_int_equal(tu_lines(r.out), 2); /* a header and one row */
	single[strlen(single) - 1] = '\0';
	assert_non_null(strstr(r.out, single));
	assert_non_null(strstr(r.out, ",3,"));
	tu_run_free(&r);
	free(single), free(spec);
}

/* The firmware metadata `snpmeasure ovmf --json` prints, compact. */
static char *metadata_json(void)
{
	return tu_capture(run_cli("ovmf", fw, "--json"));
}

/* Every misspelt key of the metadata, at every level, is refused; the document itself is not. */
static void test_metadata_keys(void **state)
{
	static const char *const edits[][3] = {
		{ "\"sev_es_reset_eip\"", "\"sev_es_reset_eiP\"",
		  "unknown key \"sev_es_reset_eiP\"" },
		{ "\"type_id\"", "\"type_iD\"", "unknown key \"sections[].type_iD\"" },
		{ "\"offset\"", "\"offsets\"", "unknown key \"metadata.offsets\"" },
		{ "\"kernel_hashes_snp\"", "\"kernel_hashes_snP\"",
		  "unknown key \"supports.kernel_hashes_snP\"" },
		{ "\"guid\"", "\"giud\"", "unknown key \"table[].giud\"" },
		{ "\"size\":1024", "\"sizes\":1024", "unknown key \"sev_hashes_table.sizes\"" },
		{ "\"gpa\":\"0xfffc0000\"", "\"gpa\":\"0xfffc1000\"", "is not 4 GiB - size" },
		{ "\"type\":\"SNP_SECRETS\"", "\"type\":\"CPUID\"", "disagree" },
		{ "\"size\":262144", "\"size\":262144,\"size\":262144", "a key appears twice" },
	};
	char *md = metadata_json(), *good = write_text("md.json", md);
	const char *common[] = { "--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4" };

	(void)state;
	(void)common;
	char *want = tu_capture(
		run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf", fw));
	char *got = tu_capture(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
				       "--ovmf-metadata", good));
	assert_string_equal(want, got);
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		char *text = tu_replace(md, edits[i][0], edits[i][1]);
		char *bad = write_text("md-bad.json", text);
		tu_expect_refusal(run_cli("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
					  "--ovmf-metadata", bad),
				  1, edits[i][2]);
		free(text), free(bad);
	}
	free(md), free(good), free(want), free(got);
}

static void expect_spec_refused(const char *text, const char *needle)
{
	char *spec = write_text("strict.json", text);

	tu_expect_refusal(run_cli("--spec", spec), 1, needle);
	free(spec);
}

/* RFC 8259, one value, nothing json-c would let through that changes a value. */
static void test_strict_json(void **state)
{
	/* FW stands for the firmware's path. */
	static const char *const docs[][2] = {
		{ "{\"firmware\": \"FW\", \"vcpus\": 1, \"vcpus\": 64}", "a key appears twice" },
		{ "{\"firmware\": \"FW\"}{\"vcpus\": 3}", "not JSON" },
		{ "{\"firmware\": \"FW\" /* c */}", "not JSON" },
		{ "{'vcpus': 1}", "not JSON" },
		{ "{\"vcpus\": 1, 'vcpus': 2}", "not JSON" },
		{ "{\"vcpus\": 1,}", "not JSON" },
		{ "{\"firmware\": \"FW\", \"cmdline\": \"a\\u0000b\"}", "NUL character" },
		{ "{\"firmware\": \"FW\\u0000junk\"}", "NUL character" },
		{ "{\"vcpu\\u0000s\": 64}", "NUL character" },
		{ "{\"vcpus\": \"0x0x4\"}", "not a number" },
		{ "{\"vcpus\": \" 4\"}", "not a number" },
		{ "{\"vcpus\": \"4 \"}", "not a number" },
	};
	char *huge;

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char *doc = strstr(docs[i][0], "FW") ? tu_replace(docs[i][0], "FW", fw) :
						       strdup(docs[i][0]);
		expect_spec_refused(doc, docs[i][1]);
		free(doc);
	}
	/* An unknown key's message quotes a few dozen bytes of it, not 500 KB. */
	huge = malloc(500 * 1024 + 16);
	assert_non_null(huge);
	strcpy(huge, "{\"");
	memset(huge + 2, 'k', 500 * 1024);
	strcpy(huge + 2 + 500 * 1024, "\": 1}");
	char *spec = write_text("huge.json", huge);
	struct tu_run r = run_cli("--spec", spec);
	assert_int_equal(r.status, 1);
	assert_true(strlen(r.err) < 200);
	assert_non_null(strstr(r.err, "unknown key \"kkkk"));
	tu_run_free(&r);
	free(spec), free(huge);
	/* Nested documents are held to the same rules. */
	expect_spec_refused("{\"svsm\": {\"path\": \"svsm.bin\", \"vars\": 1}}",
			    "unknown key \"svsm.vars\"");
	expect_spec_refused("{\"firmware\": {\"metadata\": {\"size\": 4096, \"bogus\": 1}}}",
			    "unknown key \"bogus\"");
}

/* A firmware built from the KAT recipe of dev_amdsev_256k.fd with one edit. */
static char *edited_firmware(const char *name, const char *field, int index, int64_t value)
{
	struct json_object *recipe = json_tokener_parse(json_object_to_json_string(
		json_object_object_get(kat_inputs, "dev_amdsev_256k.fd")));
	size_t len;
	uint8_t *data;
	char *path = path_in(name);

	if (strcmp(field, "hashes_table") == 0) {
		/* Footer entry 1 is the SEV hashes table: GPA (LE32) then size. */
		struct json_object *e =
			json_object_array_get_idx(json_object_object_get(recipe, "entries"), 1);
		char data_hex[17];
		uint8_t le[8] = { (uint8_t)value,
				  (uint8_t)(value >> 8),
				  (uint8_t)(value >> 16),
				  (uint8_t)(value >> 24),
				  0,
				  4,
				  0,
				  0 };
		tu_hex(le, 8, data_hex);
		json_object_object_add(e, "data", json_object_new_string(data_hex));
	} else {
		struct json_object *it = json_object_array_get_idx(
			json_object_object_get(recipe, "metadata_items"), (size_t)index);
		json_object_object_add(it, field, json_object_new_int64(value));
	}
	data = tu_build_input(recipe, &len);
	tu_write_file(path, data, len);
	free(data);
	json_object_put(recipe);
	return path;
}

/* A page is measured at most once: the secure processor would refuse the second update. */
static void test_layout(void **state)
{
	char *md = metadata_json(), *text, *doc;
	char *svsm = tu_fixture("sev-snp-measure/svsm.bin");
	char *svsm_fw = tu_fixture("sev-snp-measure/svsm_ovmf.fd");

	(void)state;
	/* A metadata section over the firmware's own pages: in the binary, and as metadata. */
	char *bad = edited_firmware("over-fw.fd", "gpa", 0, 0xfffc0000);
	tu_expect_refusal(run_cli("-q", "--ovmf", bad), 1, "measure the same pages");
	free(bad);
	text = tu_replace(md, "\"gpa\":\"0x800000\"", "\"gpa\":\"0xffff0000\"");
	bad = write_text("over-fw.json", text);
	tu_expect_refusal(run_cli("-q", "--ovmf-metadata", bad), 1,
			  "firmware (0xfffc0000-0xffffffff) and SEV metadata section 0 "
			  "SNP_SEC_MEM (0xffff0000-0xffff8fff) measure the same pages");
	free(text), free(bad);
	/* The VMSA page at a metadata section's GPA: VMSAs are not guest memory (every vCPU's
	 * sits at one GPA), so the page-once rule does not apply to them. */
	struct tu_run vr = run_cli("-q", "--ovmf", fw, "--vmsa-gpa", "0x801000");
	assert_int_equal(vr.status, 0);
	tu_run_free(&vr);
	/* An SVSM image placed over the SVSM's own metadata sections. */
	tu_expect_refusal(run_cli("--mode", "snp:svsm", "--vcpus", "1", "--vcpu-type", "EPYC-v4",
				  "--ovmf", svsm_fw, "--svsm", svsm, "--vars-size", "4289847296"),
			  1, "measure the same pages");
	/* The hashes table outside the SNP_KERNEL_HASHES page, in the binary and in dstack's
	 * document (which the binary was refused for, and the document was not). */
	bad = edited_firmware("table-out.fd", "hashes_table", 0, 0x80ec00);
	tu_expect_refusal(run_cli("-q", "--ovmf", bad, "--kernel", kernel), 1,
			  "lies outside the SNP_KERNEL_HASHES page");
	free(bad);
	doc = write_text(
		"dstack.json",
		"{\"base_cmdline\": \"ro\", \"ovmf_hash\": \"3f0834d788fbe575ef7d39edd32b3a"
		"d99f735c500bd122862a692c9b017af16f2253aea768b8a8f33b89da30303b2631\", "
		"\"kernel_hash\": \"93e74b830dfc6de3b4fe9970939823b2ff3c1a37bf8573a1887794"
		"11ea9018a5\", \"initrd_hash\": \"\", \"sev_hashes_table_gpa\": 8449024, "
		"\"sev_es_reset_eip\": 4294946820, \"vcpus\": 2, \"vcpu_type\": "
		"\"epyc-genoa\", \"guest_features\": 33, \"ovmf_sections\": [{\"gpa\": "
		"8388608, \"size\": 36864, \"section_type\": 1}, {\"gpa\": 8429568, "
		"\"size\": 12288, \"section_type\": 1}, {\"gpa\": 8441856, \"size\": 4096, "
		"\"section_type\": 2}, {\"gpa\": 8445952, \"size\": 4096, \"section_type\": "
		"3}, {\"gpa\": 8450048, \"size\": 4096, \"section_type\": 16}, {\"gpa\": "
		"8454144, \"size\": 65536, \"section_type\": 1}]}");
	tu_expect_refusal(run_cli("-q", "--spec", doc), 1,
			  "SEV hashes table at 0x80ec00 lies outside the SNP_KERNEL_HASHES page "
			  "0x80f000-0x80ffff");
	free(doc), free(md), free(svsm), free(svsm_fw);
}

/* Standard input feeds one input; a second one would read it empty. */
static void test_stdin_once(void **state)
{
	char *spec = spec_with("stdin.json", "{}"), *md = metadata_json();
	char *md_file = write_text("stdin-md.json", md);

	(void)state;
	tu_stdin = fw;
	tu_expect_refusal(run_cli("-q", "--ovmf", "-", "--kernel", "-"), 1,
			  "--kernel -: standard input is already read");
	tu_expect_refusal(run_cli("-q", "--ovmf", "-", "--initrd", "-", "--kernel", kernel), 1,
			  "--initrd -: standard input is already read");
	tu_expect_refusal(run_cli("explain", "-q", "--ovmf", "-", "--kernel", "-"), 1,
			  "standard input is already read");
	tu_expect_refusal(run_cli("sweep", "--ovmf", "-", "--kernel", "-"), 1,
			  "standard input is already read");
	tu_stdin = spec;
	tu_expect_refusal(run_cli("--spec", "-", "--kernel", "-"), 1,
			  "standard input is already read");
	tu_stdin = md_file;
	tu_expect_refusal(run_cli("-q", "--ovmf-metadata", "-", "--kernel", "-"), 1,
			  "standard input is already read");
	/* One input from stdin is fine. */
	tu_stdin = kernel;
	char *a = tu_capture(run_cli("-q", "--ovmf", fw, "--kernel", "-"));
	char *b = tu_capture(run_cli("-q", "--ovmf", fw, "--kernel", kernel));
	assert_string_equal(a, b);
	tu_stdin = NULL;
	free(a), free(b), free(spec), free(md), free(md_file);
}

/*
 * A character device is read as a stream, as the reference reads it: /dev/null is the empty
 * kernel of virtee/sev's and kata's published vectors; one with no end is refused at the cap.
 */
static void test_endless_inputs(void **state)
{
	char *tdir = tu_mkdtemp(), empty[512];

	(void)state;
	snprintf(empty, sizeof(empty), "%s/empty", tdir);
	tu_write_file(empty, "", 0);
	char *a = tu_capture(
		run_cli("-q", "--ovmf", fw, "--kernel", "/dev/null", "--initrd", "/dev/null"));
	char *b = tu_capture(run_cli("-q", "--ovmf", fw, "--kernel", empty, "--initrd", empty));
	assert_string_equal(a, b);
	free(a), free(b);
	tu_rmtree(tdir);
	free(tdir);
	tu_expect_refusal(run_cli("-q", "--ovmf", fw, "--kernel", "/dev/zero"), 1,
			  "/dev/zero: input is larger than the 536870912-byte limit");
	/* Through stdin, the stream stops at the documented cap (512 MiB for a kernel). */
	tu_stdin = "/dev/zero";
	tu_expect_refusal(run_cli("-q", "--ovmf", fw, "--kernel", "-"), 1,
			  "--kernel -: input is larger than the 536870912-byte limit");
	tu_stdin = NULL;
}

/* Reports and certificates: exactly the expected count of certificates, and no crash. */
static void test_report_inputs(void **state)
{
	char *rep = tu_fixture("reports/genoa-v3/report.bin");
	char *vcek = tu_fixture("reports/genoa-v3/vcek.pem");
	char *ask = tu_fixture("reports/genoa-v3/ask.pem"),
	     *ark = tu_fixture("reports/genoa-v3/ark.pem");
	char *milan = tu_fixture("reports/milan-v2/report.bin");
	char *milan_vcek = tu_fixture("reports/milan-v2/vcek.der");
	uint8_t zero[SNPM_REPORT_SIZE] = { 0 };
	size_t len, alen, klen;
	char *zero_file = path_in("zero.bin");
	uint8_t *v = tu_read_file(vcek, &len), *a = tu_read_file(ask, &alen),
		*k = tu_read_file(ark, &klen);

	(void)state;
	/* A report that does not parse, with a certificate given: an error, not SIGSEGV. */
	tu_write_file(zero_file, zero, sizeof(zero));
	tu_expect_refusal(run_cli("report", "verify", zero_file, "--vcek", vcek), 1, "zero.bin");
	/* Two VCEKs in one file, three certificates in a chain, bytes after a DER VCEK. */
	char *two = path_in("two.pem"), *three = path_in("three.pem"), *der = path_in("v.der");
	uint8_t *buf = malloc(2 * len + alen + 2 * klen + 8);
	memcpy(buf, v, len), memcpy(buf + len, v, len);
	tu_write_file(two, buf, 2 * len);
	memcpy(buf, a, alen), memcpy(buf + alen, k, klen), memcpy(buf + alen + klen, k, klen);
	tu_write_file(three, buf, alen + 2 * klen);
	free(buf);
	tu_expect_refusal(run_cli("report", "verify", rep, "--vcek", two), 1,
			  "the VCEK holds more than one certificate");
	tu_expect_refusal(run_cli("report", "verify", rep, "--vcek", vcek, "--chain", three), 1,
			  "not two PEM certificates (ASK, ARK): it holds more");
	buf = tu_read_file(milan_vcek, &len);
	buf = realloc(buf, len + 1);
	buf[len] = 0;
	tu_write_file(der, buf, len + 1);
	tu_expect_refusal(run_cli("report", "verify", milan, "--vcek", der), 1,
			  "has 1 bytes after its DER certificate");
	/* The exact files still verify. */
	struct tu_run r =
		run_cli("report", "verify", rep, "--vcek", vcek, "--ask", ask, "--ark", ark);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	free(buf), free(v), free(a), free(k), free(two), free(three), free(der);
	free(rep), free(vcek), free(ask), free(ark), free(milan), free(milan_vcek), free(zero_file);
}

/* report check reads its arguments, and its --spec, once: a spec on stdin still works. */
static void test_report_check_once(void **state)
{
	char *rep = tu_fixture("reports/genoa-v3/report.bin");
	char *spec = spec_with("check.json", "{}");
	struct tu_run r;

	(void)state;
	tu_stdin = spec;
	r = run_cli("report", "check", "--spec", "-", rep);
	tu_stdin = NULL;
	/* Another measurement than the report's: a table and exit 3, not a stdin error. */
	assert_int_equal(r.status, 3); /* does not match / verify */
	assert_non_null(strstr(r.out, "measurement        FAIL"));
	assert_null(strstr(r.err, "standard input"));
	tu_run_free(&r);
	/* The report may stand anywhere among the options. */
	r = run_cli(
		"report", "check", "--measurement",
		"00000000000000000000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000",
		rep, "--json");
	assert_int_equal(r.status, 3); /* does not match / verify */
	assert_non_null(strstr(r.out, "\"pass\":false"));
	tu_run_free(&r);
	free(rep), free(spec);
}

/* key-digest's options go anywhere; a stray word is refused. */
static void test_key_digest_options(void **state)
{
	char *key = tu_fixture("sev-snp-measure/id_key_test.pem");
	static const char *const want =
		"870b7e35c53f8a72d0d322f75ab2af8262792aaf6579622ce4131c3f21f289e77cb0560a5e3b90b3932e67"
		"4ec709cb14";

	(void)state;
	tu_expect_digest(run_cli("key-digest", "--output-format", "hex", key), want);
	tu_expect_digest(run_cli("key-digest", key, "--output-format", "hex"), want);
	tu_expect_refusal(run_cli("key-digest", key, "hex"), 2, "unexpected argument 'hex'");
	tu_expect_refusal(run_cli("key-digest", "--output-format", "b64", key), 2,
			  "invalid choice: 'b64'");
	struct tu_run r = run_cli("key-digest", key, "--json");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, want));
	tu_run_free(&r);
	free(key);
}

/* id-block names the key file at fault, whatever the length of its path. */
static void test_id_block_key_errors(void **state)
{
	char *key = tu_fixture("sev-snp-measure/id_key_test.pem");
	char *bad = write_text("not-a-key.pem", "hello\n"), *deep;
	static const char *const m =
		"B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7t";

	(void)state;
	tu_expect_refusal(run_cli("id-block", "--measurement", m, "--id-key", bad, "--author-key",
				  key),
			  1, "not-a-key.pem: the key is not a PEM private key");
	tu_expect_refusal(run_cli("id-block", "--measurement", m, "--id-key", key, "--author-key",
				  bad),
			  1, "not-a-key.pem: the key is not a PEM private key");
	/* A path of 300 bytes: the reason still ends the line. */
	char name[301];
	memset(name, 'k', 300);
	name[300] = '\0';
	memcpy(name + 296, ".pem", 4);
	deep = path_in("d");
	mkdir(deep, 0755);
	char *file;
	assert_true(asprintf(&file, "%s/%.200s/%s", deep, name, name + 200) > 0);
	char *sub;
	assert_true(asprintf(&sub, "%s/%.200s", deep, name) > 0);
	mkdir(sub, 0755);
	tu_write_file(file, "hello\n", 6);
	struct tu_run r =
		run_cli("id-block", "--measurement", m, "--id-key", key, "--author-key", file);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "the key is not a PEM private key (unencrypted)\n"));
	assert_non_null(strstr(r.err, name + 200));
	tu_run_free(&r);
	free(key), free(bad), free(deep), free(file), free(sub);
}

/* --dump-vmsa writes every vmsaN.bin or none. */
static void test_dump_vmsa_all_or_none(void **state)
{
	char *sub = path_in("dump"), *blocker;

	(void)state;
	mkdir(sub, 0755);
	assert_true(asprintf(&blocker, "%s/vmsa1.bin", sub) > 0);
	mkdir(blocker, 0755);
	struct tu_run r = tu_cli_in(sub, "-q", "--ovmf", fw, "--vcpus", "3", "--dump-vmsa", NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	/* Named once, with the reason. */
	assert_string_equal(r.err, "snpmeasure: vmsa1.bin: exists and is not a regular file\n");
	tu_run_free(&r);
	char *v0;
	assert_true(asprintf(&v0, "%s/vmsa0.bin", sub) > 0);
	assert_int_equal(access(v0, F_OK), -1);
	rmdir(blocker);
	r = tu_cli_in(sub, "-q", "--ovmf", fw, "--vcpus", "3", "--dump-vmsa", NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	assert_int_equal(access(v0, F_OK), 0);
	assert_int_equal(access(blocker, F_OK), 0);
	/* Nothing else is left: the three files and no temporary. */
	size_t n = 0;
	DIR *d = opendir(sub);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.' || strncmp(e->d_name, ".snpm", 5) == 0;
	closedir(d);
	assert_int_equal(n, 3);
	free(sub), free(blocker), free(v0);
}

/* snpm_measure_files: the files as the CLI reads them, the same digest, the file named when
 * one cannot be read, and no all-zero digest where an input is absent. */
static void test_measure_files(void **state)
{
	struct snpm_measure_config base = {
		.size = sizeof(base),
		.mode = SNPM_MODE_SNP,
		.vmm = SNPM_VMM_QEMU,
		.vcpus = 4,
		.guest_features = 0x1,
	};
	struct snpm_measure_paths paths = { .size = sizeof(paths),
					    .firmware = fw,
					    .kernel = kernel,
					    .initrd = initrd,
					    .cmdline = "console=ttyS0" };
	uint8_t out[48];
	char hex[97], *want;
	size_t len;
	struct snpm_error err;

	(void)state;
	assert_int_equal(snpm_cpu_type_sig("EPYC-Genoa", &base.vcpu_sig), 0);
	want = tu_capture(run_cli("-q", "--ovmf", fw, "--kernel", kernel, "--initrd", initrd,
				  "--append", "console=ttyS0", "--vcpus", "4", "--vcpu-type",
				  "EPYC-Genoa"));
	assert_int_equal(snpm_measure_files(&base, &paths, out, &len, &err), 0);
	tu_hex(out, 48, hex);
	assert_memory_equal(want, hex, 96);
	free(want);
	/* No initrd: SHA-256 of nothing, as the CLI measures it. */
	paths.initrd = NULL;
	want = tu_capture(run_cli("-q", "--ovmf", fw, "--kernel", kernel, "--append",
				  "console=ttyS0", "--vcpus", "4", "--vcpu-type", "EPYC-Genoa"));
	assert_int_equal(snpm_measure_files(&base, &paths, out, &len, &err), 0);
	tu_hex(out, 48, hex);
	assert_memory_equal(want, hex, 96);
	free(want);
	paths.kernel = "/nonexistent-kernel";
	assert_int_equal(snpm_measure_files(&base, &paths, out, &len, &err), SNPM_EIO);
	assert_non_null(strstr(err.message, "/nonexistent-kernel: cannot open"));
	paths.kernel = NULL;
	assert_int_equal(snpm_measure_files(&base, &paths, out, &len, &err), SNPM_EINVAL);
	assert_non_null(strstr(err.message, "needs a kernel"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vcpu_zero),
		cmocka_unit_test(test_command_line_wins),
		cmocka_unit_test(test_measure_files),
		cmocka_unit_test(test_spec_in_sweep),
		cmocka_unit_test(test_metadata_keys),
		cmocka_unit_test(test_strict_json),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_stdin_once),
		cmocka_unit_test(test_endless_inputs),
		cmocka_unit_test(test_report_inputs),
		cmocka_unit_test(test_report_check_once),
		cmocka_unit_test(test_key_digest_options),
		cmocka_unit_test(test_id_block_key_errors),
		cmocka_unit_test(test_dump_vmsa_all_or_none),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
