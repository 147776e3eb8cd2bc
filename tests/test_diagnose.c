/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpmeasure diagnose and explain --diff. For every drift a case whose "hardware" launch
 * differs from the options given in exactly that drift; pairs and a triple; known answers of
 * the reference sev-snp-measure (vectors/reference-test-guest.json: EC2 before its rdx change,
 * no kernel hashes, vCPUs, DebugSwap, the SVSM's variable store); a report's CPUID first and
 * its other fields; no match; the JSON contract; and each command printed, run again.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../tools/drift.h"
#include "igvm_writer.h"
#include "testutil.h"

static char *dir, *fw, *kernel, *initrd, *empty, *svsm, *svsm_fw, *igvm, *report_path;

/* A minimal SNP IGVM file: two pages of data and the boot vCPU's context. */
static char *write_igvm(void)
{
	uint8_t page[4096], vmsa[4096] = { 0 };
	struct iw *w = iw_new();
	size_t len;
	uint8_t *f;
	char *path;

	memset(page, 0xa5, sizeof(page));
	iw_platform(w, 1, 2);
	iw_page(w, 0x100000, 1, 0, 0, page);
	iw_page(w, 0x101000, 1, 0, 0, NULL);
	vmsa[0x3b0] = 1; /* SEV_FEATURES: SNPActive */
	vmsa[0x3e8] = 1; /* XCR0 */
	iw_vp(w, 0xfffffffff000ull, 1, 0, vmsa);
	f = iw_finish(w, &len);
	assert_true(asprintf(&path, "%s/guest.igvm", dir) > 0);
	tu_write_file(path, f, len);
	free(f);
	return path;
}

/* dstack's hardware report (tests/fixtures/dstack: a Milan guest, 2 vCPUs, EPYC-v4) */
#define DSTACK_HOST_DATA "783f0057820acb99249af56cc3b07b4e8d80f65183167cba9cf437bb680f742f"

static int setup(void **state)
{
	char *path = tu_source_path("vectors/launch-digest-kat.json");
	struct json_object *kat = json_object_from_file(path), *inputs;

	(void)state;
	free(path);
	assert_non_null(kat);
	dir = tu_mkdtemp();
	inputs = json_object_object_get(kat, "inputs");
	kernel = tu_kat_file(inputs, dir, "dev_kernel.bin");
	initrd = tu_kat_file(inputs, dir, "dev_initrd.bin");
	json_object_put(kat);
	fw = tu_fixture("sev-snp-measure/ovmf_AmdSev_suffix.bin");
	svsm = tu_fixture("sev-snp-measure/svsm.bin");
	svsm_fw = tu_fixture("sev-snp-measure/svsm_ovmf.fd");
	assert_true(asprintf(&empty, "%s/empty", dir) > 0);
	tu_write_file(empty, "", 0);
	assert_true(asprintf(&report_path, "%s/report.bin", dir) > 0);
	igvm = write_igvm();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir), free(fw), free(kernel), free(initrd), free(empty), free(svsm), free(svsm_fw);
	free(igvm), free(report_path);
	return 0;
}

#define MAX_ARGS 40

/* Arguments with @FW, @K, @I, @E (an empty file), @SVSM, @SVSMFW, @IGVM, @KRUN, @REPORT
 * replaced by the paths; a NULL ends them. */
static const char *path_of(const char *arg)
{
	static const struct {
		const char *name;
		char **path;
	} paths[] = { { "@FW", &fw },	  { "@K", &kernel },	      { "@I", &initrd },
		      { "@E", &empty },	  { "@SVSM", &svsm },	      { "@SVSMFW", &svsm_fw },
		      { "@IGVM", &igvm }, { "@REPORT", &report_path } };

	if (strcmp(arg, "@KRUN") == 0)
		return KRUNFW_STANDIN;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (strcmp(arg, paths[i].name) == 0)
			return *paths[i].path;
	return arg;
}

/* snpmeasure with the verb words, then the arguments lists (each NULL-ended), run. */
static struct tu_run run(const char *const *verb, const char *const *a, const char *const *b)
{
	const char *argv[3 * MAX_ARGS];
	size_t n = 0;
	struct tu_run r;

	argv[n++] = SNPM_CLI;
	for (const char *const *l[] = { verb, a, b }, *const **p = l; p < l + 3; p++)
		for (const char *const *s = *p; s && *s; s++) {
			assert_true(n < 3 * MAX_ARGS - 1);
			argv[n++] = path_of(*s);
		}
	argv[n] = NULL;
	tu_run((char *const *)argv, &r);
	return r;
}

/* The digest snpmeasure prints for the options. */
static char *measure(const char *const *options)
{
	static const char *const none[] = { NULL };
	char *out = tu_capture(run(none, options, NULL));

	assert_true(strlen(out) > 64);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

static struct json_object *diagnose_json(const char *digest, const char *const *options,
					 const char *const *extra, int status)
{
	const char *verb[] = { "diagnose", "--json", "--measurement", digest, NULL };
	struct tu_run r = run(verb, options, extra);
	struct json_object *o;

	if (r.status != status)
		fail_msg("diagnose exited %d, not %d: %s", r.status, status, r.err);
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	tu_run_free(&r);
	return o;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	return v;
}

static const char *str(struct json_object *o, const char *key)
{
	return json_object_get_string(get(o, key));
}

/* A match's argv, run again, prints digest. */
static void expect_argv_reproduces(struct json_object *match, const char *digest)
{
	struct json_object *argv = get(match, "argv");
	const char *args[MAX_ARGS + 1];
	size_t n = json_object_array_length(argv);
	char *out;

	assert_true(n > 1 && n <= MAX_ARGS);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(argv, 0)),
			    "snpmeasure");
	for (size_t i = 1; i < n; i++)
		args[i - 1] = json_object_get_string(json_object_array_get_idx(argv, i));
	args[n - 1] = NULL;
	out = measure(args);
	assert_string_equal(out, digest);
	assert_string_equal(str(match, "measurement"), digest);
	free(out);
}

/* Diagnosing digest from options finds exactly the changes named (drift=found, in order). */
static void expect_changes(const char *digest, const char *const *options, const char *const *extra,
			   const char *const *want)
{
	struct json_object *o = diagnose_json(digest, options, extra, 0);
	struct json_object *matches = get(o, "matches"), *m, *changes;
	size_t n = 0;

	while (want[n])
		n++;
	assert_int_equal(json_object_array_length(matches), 1);
	m = json_object_array_get_idx(matches, 0);
	changes = get(m, "changes");
	if (json_object_array_length(changes) != n / 2)
		fail_msg("changes %s, expected %zu", json_object_to_json_string(changes), n / 2);
	for (size_t i = 0; i < n / 2; i++) {
		struct json_object *c = json_object_array_get_idx(changes, i);
		assert_string_equal(str(c, "drift"), want[2 * i]);
		if (strncmp(str(c, "found"), want[2 * i + 1], strlen(want[2 * i + 1])) != 0)
			fail_msg("%s found '%s', expected '%s'", want[2 * i], str(c, "found"),
				 want[2 * i + 1]);
		assert_true(strlen(str(c, "why")) > 20);
		assert_true(strlen(str(c, "given")) > 0);
		assert_non_null(strstr(str(c, "option"), "--"));
	}
	assert_int_equal(json_object_get_int64(get(o, "depth")), n / 2);
	assert_true(json_object_get_int64(get(o, "tried")) > 1);
	expect_argv_reproduces(m, digest);
	json_object_put(o);
}

/* The user's belief: BASE; its parts, for a case that changes the CPU or the features. */
#define BASE_CORE                                                                             \
	"--mode", "snp", "--vcpus", "2", "--ovmf", "@FW", "--kernel", "@K", "--initrd", "@I", \
		"--append", "console=ttyS0 loglevel=7"
#define V4 "--vcpu-type", "EPYC-v4"
#define BASE_NO_CPU BASE_CORE, "--guest-features", "0x1"
#define BASE BASE_NO_CPU, V4

struct drift_case {
	const char *name;
	const char *base[MAX_ARGS]; /* what the user believes */
	const char *hardware[MAX_ARGS]; /* what the VMM launched */
	const char *found; /* the value diagnose names */
};

static const struct drift_case drift_cases[] = {
	{ "vcpus", { BASE }, { BASE, "--vcpus", "4" }, "4" },
	{ "cpu", { BASE }, { BASE, "--vcpu-type", "EPYC-Milan" }, "EPYC-Milan" },
	{ "guest_features",
	  { BASE },
	  { BASE_CORE, V4, "--guest-features", "0x21" },
	  "0x21 (SNPActive,DebugSwap)" },
	{ "guest_features",
	  { BASE },
	  { BASE_CORE, V4, "--guest-features", "SNPActive,SecureTSC" },
	  "0x201" },
	{ "guest_features",
	  { BASE_CORE, V4, "--guest-features", "0x21" },
	  { BASE_CORE, V4, "--guest-features", "0x1" },
	  "0x1 (SNPActive)" },
	{ "vmm", { BASE }, { BASE, "--vmm-type", "gce" }, "gce" },
	{ "vmm",
	  { BASE, "--vmm-type", "ec2" },
	  { BASE, "--vmm-type", "ec2", "--vmm-version", "1" },
	  "ec2 --vmm-version 1" },
	{ "vmm",
	  { BASE, "--vmm-type", "ec2", "--vmm-version", "1" },
	  { BASE, "--vmm-type", "ec2" },
	  "ec2" },
	{ "vmsa_fpu", { BASE }, { BASE, "--vmsa-fpu", "legacy-kvm" }, "legacy-kvm" },
	{ "vmsa_gpa", { BASE }, { BASE, "--vmsa-gpa", "52bit" }, "52bit" },
	{ "kernel_hashes",
	  { BASE },
	  { "--mode", "snp", "--vcpus", "2", "--vcpu-type", "EPYC-v4", "--ovmf", "@FW",
	    "--guest-features", "0x1" },
	  "none" },
	{ "cmdline",
	  { BASE },
	  { BASE, "--append", "console=ttyS0 loglevel=7\n" },
	  "'console=ttyS0 loglevel=7\\n'" },
	{ "cmdline",
	  { BASE, "--append", "console=ttyS0 loglevel=7\n" },
	  { BASE },
	  "'console=ttyS0 loglevel=7'" },
	{ "cmdline",
	  { BASE, "--append", "  console=ttyS0 loglevel=7 \t" },
	  { BASE },
	  "'console=ttyS0 loglevel=7'" },
	{ "cmdline", { BASE }, { BASE, "--append", "" }, "''" },
	{ "initrd",
	  { BASE },
	  { "--mode", "snp", "--vcpus", "2", "--vcpu-type", "EPYC-v4", "--ovmf", "@FW", "--kernel",
	    "@K", "--append", "console=ttyS0 loglevel=7", "--guest-features", "0x1" },
	  "none" },
	/* SEV-ES hashes the VMSAs themselves; SEV measures none */
	{ "cpu",
	  { "--mode", "seves", "--vcpus", "2", "--vcpu-type", "EPYC-v4", "--ovmf", "@FW" },
	  { "--mode", "seves", "--vcpus", "2", "--vcpu-type", "EPYC-Milan", "--ovmf", "@FW" },
	  "EPYC-Milan" },
	{ "cmdline",
	  { "--mode", "sev", "--ovmf", "@FW", "--kernel", "@K", "--append", "a b\n" },
	  { "--mode", "sev", "--ovmf", "@FW", "--kernel", "@K", "--append", "a b" },
	  "'a b'" },
	{ "vars_size",
	  { "--mode", "snp:svsm", "--vcpus", "2", "--vcpu-type", "EPYC-v4", "--ovmf", "@SVSMFW",
	    "--svsm", "@SVSM", "--vars-size", "540672" },
	  { "--mode", "snp:svsm", "--vcpus", "2", "--vcpu-type", "EPYC-v4", "--ovmf", "@SVSMFW",
	    "--svsm", "@SVSM", "--vars-size", "528384" },
	  "528384" },
	{ "vars_size",
	  { "--mode", "snp:svsm", "--vcpus", "2", "--vcpu-type", "EPYC-v4", "--ovmf", "@SVSMFW",
	    "--svsm", "@SVSM", "--vars-size", "540672" },
	  { "--mode", "snp:svsm", "--vcpus", "2", "--vcpu-type", "EPYC-v4", "--ovmf", "@SVSMFW",
	    "--svsm", "@SVSM", "--vars-size", "131072" },
	  "131072" },
	{ "igvm_loader",
	  { "--igvm", "@IGVM", "--vcpus", "1", "--igvm-loader", "igvmmeasure" },
	  { "--igvm", "@IGVM", "--vcpus", "1" },
	  "qemu" },
	{ "vcpus",
	  { "--igvm", "@IGVM", "--vcpus", "1", "--vcpu-type", "EPYC-v4" },
	  { "--igvm", "@IGVM", "--vcpus", "3", "--vcpu-type", "EPYC-v4" },
	  "3" },
	{ "ram_mib",
	  { "--vmm-type", "krun", "--krunfw", "@KRUN", "--vcpus", "1", "--ram-mib", "2048" },
	  { "--vmm-type", "krun", "--krunfw", "@KRUN", "--vcpus", "1", "--ram-mib", "4096" },
	  "4096" },
	{ "vcpus",
	  { "--vmm-type", "krun", "--krunfw", "@KRUN", "--vcpus", "1" },
	  { "--vmm-type", "krun", "--krunfw", "@KRUN", "--vcpus", "2" },
	  "2" },
};

/* Every drift: the hardware's launch differs in it alone, and diagnose names it. */
static void test_each_drift(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(drift_cases) / sizeof(drift_cases[0]); i++) {
		const struct drift_case *c = &drift_cases[i];
		char *digest = measure(c->hardware);
		const char *want[] = { c->name, c->found, NULL };
		print_message("case %zu: %s -> %s\n", i, c->name, c->found);
		expect_changes(digest, c->base, NULL, want);
		free(digest);
	}
}

/* Every row of the drift table has a case above. */
static void test_every_drift_has_a_case(void **state)
{
	(void)state;
	for (int d = 0; d < D_COUNT; d++) {
		bool found = false;
		for (size_t i = 0; i < sizeof(drift_cases) / sizeof(drift_cases[0]); i++)
			found |= strcmp(drift_cases[i].name, drifts[d].name) == 0;
		if (!found)
			fail_msg("drift %s has no case", drifts[d].name);
	}
}

/* Two and three drifts together; the default depth stops at two. */
static void test_pairs_and_depth(void **state)
{
	const char *pair_hw[] = { BASE, "--vcpus", "4", "--vmsa-fpu", "legacy-kvm", NULL };
	const char *triple_hw[] = { BASE_CORE,	  "--vcpus",	      "4",    "--vcpu-type",
				    "EPYC-Milan", "--guest-features", "0x21", NULL };
	const char *base[] = { BASE, NULL };
	const char *depth3[] = { "--depth", "3", NULL };
	const char *depth1[] = { "--depth", "1", NULL };
	char *pair = measure(pair_hw), *triple = measure(triple_hw);
	const char *want_pair[] = { "vcpus", "4", "vmsa_fpu", "legacy-kvm", NULL };
	const char *want_triple[] = { "vcpus",		"4",	"cpu", "EPYC-Milan",
				      "guest_features", "0x21", NULL };
	struct json_object *o;

	(void)state;
	expect_changes(pair, base, NULL, want_pair);
	/* --depth 1 does not reach a pair; the default does not reach a triple. */
	o = diagnose_json(pair, base, depth1, 3);
	assert_int_equal(json_object_array_length(get(o, "matches")), 0);
	assert_int_equal(json_object_get_int64(get(o, "depth")), 1);
	json_object_put(o);
	o = diagnose_json(triple, base, NULL, 3);
	assert_int_equal(json_object_array_length(get(o, "matches")), 0);
	json_object_put(o);
	expect_changes(triple, base, depth3, want_triple);
	free(pair), free(triple);
}

/* The reference's own known answers (tests/test_guest.py of sev-snp-measure): the kernel and
 * initrd are empty files, the command line empty unless given. */
#define REF_BASE "--mode", "snp", "--ovmf", "@FW", "--vcpu-sig", "0x800f12"
static void test_reference_known_answers(void **state)
{
	static const struct {
		const char *case_name, *expect;
		const char *base[MAX_ARGS];
		const char *want[8];
	} cases[] = {
		{ "snp_ec2_v1_default",
		  "6ae80856486b1396af8c82a40351d6ed76a20c785e9c7fa4ffa27c22d5d6313b4b3b458cd3c9968e6f"
		  "89fb5d8450d7a6",
		  { REF_BASE, "--kernel", "@E", "--initrd", "@E", "--vcpus", "1",
		    "--guest-features", "0x21", "--vmm-type", "ec2" },
		  { "vmm", "ec2 --vmm-version 1" } },
		{ "snp_ec2_v1_feature_snp_only",
		  "7d3756157c805bf6adf617064c8552e8c1688fa1c8756f11cbf56ba5d25c9270fb69c0505c1cbe1c5c"
		  "66c0e34c6ed3be",
		  { REF_BASE, "--kernel", "@E", "--initrd", "@E", "--vcpus", "1",
		    "--guest-features", "0x21", "--vmm-type", "ec2" },
		  { "guest_features", "0x1", "vmm", "ec2 --vmm-version 1" } },
		{ "snp_without_kernel_default",
		  "e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0ee"
		  "d9f22adbcd0e2b",
		  { REF_BASE, "--kernel", "@E", "--vcpus", "1", "--guest-features", "0x21" },
		  { "kernel_hashes", "none" } },
		{ "snp_with_multiple_vcpus_default",
		  "4953b1fb416fa874980e8442b3706d345926d5f38879134e00813c5d7abcbe78eafe7b422907be0b46"
		  "98e2414a631942",
		  { REF_BASE, "--kernel", "@E", "--initrd", "@E", "--vcpus", "1",
		    "--guest-features", "0x21" },
		  { "vcpus", "4" } },
		{ "snp_guest_feature_snp_only",
		  "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042"
		  "e706363b4b08fa",
		  { REF_BASE, "--kernel", "@E", "--initrd", "@E", "--vcpus", "1", "--append",
		    "console=ttyS0 loglevel=7", "--guest-features", "0x21" },
		  { "guest_features", "0x1" } },
		{ "snp_default",
		  "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895"
		  "dfe778d0228977",
		  { REF_BASE, "--kernel", "@E", "--initrd", "@E", "--vcpus", "1", "--append",
		    "console=ttyS0 loglevel=7\n", "--guest-features", "0x21" },
		  { "cmdline", "'console=ttyS0 loglevel=7'" } },
		{ "snp_svsm_4_vcpus",
		  "27d154c27b7b359c935e250ec6fee72aa0ae8c1225e3b0e1cf46a9567e938066d7d6f94bbdc4a85781"
		  "8bdb79277a44b2",
		  { "--mode", "snp:svsm", "--ovmf", "@SVSMFW", "--svsm", "@SVSM", "--vcpu-sig",
		    "0x800f12", "--vcpus", "4", "--vars-size", "536576" },
		  { "vars_size", "540672" } },
	};
	char *path = tu_source_path("vectors/reference-test-guest.json");
	struct json_object *vec = json_object_from_file(path), *all;

	(void)state;
	free(path);
	assert_non_null(vec);
	all = get(vec, "cases");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool seen = false;
		/* The digest is the vector's, as published. */
		for (size_t k = 0; k < json_object_array_length(all); k++) {
			struct json_object *c = json_object_array_get_idx(all, k);
			if (strcmp(str(c, "name"), cases[i].case_name) == 0) {
				assert_string_equal(str(c, "expect"), cases[i].expect);
				seen = true;
			}
		}
		assert_true(seen);
		print_message("%s\n", cases[i].case_name);
		expect_changes(cases[i].expect, cases[i].base, NULL, cases[i].want);
	}
	json_object_put(vec);
}

/* Nothing within reach: exit 3, what was held fixed; the JSON says the same. */
static void test_no_match(void **state)
{
	const char *base[] = { BASE, NULL };
	const char *verb[] = { "diagnose", "--measurement",
			       "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
			       "00112233445566778899aabbccddeeff",
			       NULL };
	struct tu_run r = run(verb, base, NULL);
	struct json_object *o, *held;

	(void)state;
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "no configuration within 2 changes"));
	assert_non_null(strstr(r.err, "held fixed"));
	assert_non_null(strstr(r.err, "kernel_sha256"));
	assert_null(strstr(r.out, "reproduce"));
	tu_run_free(&r);
	o = diagnose_json(verb[2], base, NULL, 3);
	assert_int_equal(json_object_array_length(get(o, "matches")), 0);
	held = get(o, "held_fixed");
	assert_int_equal(strlen(str(held, "firmware_snp_digest")), 96);
	assert_int_equal(strlen(str(held, "kernel_sha256")), 64);
	assert_string_equal(str(held, "cmdline"), "console=ttyS0 loglevel=7");
	/* every single change and every pair of the drifts this launch has, and the given one */
	assert_true(json_object_get_int64(get(o, "tried")) > 20000);
	json_object_put(o);
}

/* The options already give it: one match, no change. */
static void test_nothing_differs(void **state)
{
	const char *base[] = { BASE, NULL };
	char *digest = measure(base);
	struct json_object *o = diagnose_json(digest, base, NULL, 0), *m;

	(void)state;
	m = json_object_array_get_idx(get(o, "matches"), 0);
	assert_int_equal(json_object_array_length(get(m, "changes")), 0);
	expect_argv_reproduces(m, digest);
	json_object_put(o);
	free(digest);
}

/* The text: each change against what was given, why, and the commands. */
static void test_text(void **state)
{
	const char *hw[] = { BASE, "--vcpus", "4", NULL };
	const char *base[] = { BASE, NULL };
	char *digest = measure(hw);
	const char *verb[] = { "diagnose", "--measurement", digest, NULL };
	struct tu_run r = run(verb, base, NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "--vcpus 4 (you gave 2)"));
	assert_non_null(strstr(r.out, "-smp"));
	assert_non_null(strstr(r.out, "reproduce: snpmeasure --mode snp"));
	assert_non_null(strstr(r.out, "where the launches part: snpmeasure explain"));
	assert_non_null(strstr(r.out, "'console=ttyS0 loglevel=7'"));
	tu_run_free(&r);
	free(digest);
}

/* A version 3 report: measurement, CPUID family/model/stepping, VMPL and host data. */
static void write_report(const char *digest, uint8_t fam, uint8_t mod, uint8_t step)
{
	uint8_t r[1184] = { 0 };

	r[0] = 3; /* version */
	r[8 + 2] = 3; /* policy 0x30000 */
	r[0x34] = 1; /* signature algorithm: ECDSA P-384 with SHA-384 */
	assert_int_equal(tu_unhex(digest, r + 0x90, 48), 48);
	memset(r + 0xc0, 0x11, 32); /* host data */
	r[0x188] = fam, r[0x189] = mod, r[0x18a] = step;
	tu_write_file(report_path, r, sizeof(r));
}

/* With a v3 report, its CPUID is tried first: a match says so even where a model shares it. */
static void test_report_cpuid_first(void **state)
{
	const char *base[] = { BASE, NULL };
	const char *genoa_b1[] = { BASE_NO_CPU, "--vcpu-sig", "0xa10f11", NULL };
	const char *milan[] = { BASE, "--vcpu-type", "EPYC-Milan", NULL };
	const char *verb[] = { "diagnose", "--json", "--report", "@REPORT", NULL };
	struct json_object *o, *c;
	char *digest;
	struct tu_run r;

	(void)state;
	/* Genoa B1 (family 0x19, model 0x11, stepping 1): no model of the table has it. */
	digest = measure(genoa_b1);
	write_report(digest, 0x19, 0x11, 1);
	r = run(verb, base, NULL);
	assert_int_equal(r.status, 0);
	o = json_tokener_parse(r.out);
	c = json_object_array_get_idx(
		get(json_object_array_get_idx(get(o, "matches"), 0), "changes"), 0);
	assert_string_equal(str(c, "option"), "--vcpu-sig");
	assert_string_equal(str(c, "found"), "0xa10f11");
	assert_non_null(strstr(str(c, "why"), "report's CPUID"));
	json_object_put(o), tu_run_free(&r), free(digest);
	/* Milan's signature is EPYC-Milan's too: named as the report's CPUID, which comes first. */
	digest = measure(milan);
	write_report(digest, 0x19, 0x01, 1);
	r = run(verb, base, NULL);
	assert_int_equal(r.status, 0);
	o = json_tokener_parse(r.out);
	c = json_object_array_get_idx(
		get(json_object_array_get_idx(get(o, "matches"), 0), "changes"), 0);
	assert_string_equal(str(c, "found"), "0xa00f11");
	assert_non_null(strstr(str(c, "why"), "report's CPUID"));
	json_object_put(o), tu_run_free(&r);
	/* A v2-like report without CPUID: the model's name. */
	write_report(digest, 0, 0, 0);
	{
		uint8_t *raw;
		size_t len;
		raw = tu_read_file(report_path, &len);
		raw[0] = 2;
		memset(raw + 0x188, 0, 3);
		tu_write_file(report_path, raw, len);
		free(raw);
	}
	r = run(verb, base, NULL);
	assert_int_equal(r.status, 0);
	o = json_tokener_parse(r.out);
	c = json_object_array_get_idx(
		get(json_object_array_get_idx(get(o, "matches"), 0), "changes"), 0);
	assert_string_equal(str(c, "option"), "--vcpu-type");
	assert_string_equal(str(c, "found"), "EPYC-Milan");
	json_object_put(o), tu_run_free(&r), free(digest);
}

/* With a report, the expected fields are held against it and each difference named. */
static void test_report_fields(void **state)
{
	const char *base[] = { BASE, NULL };
	const char *verb[] = { "diagnose", "--json", "--report", "@REPORT", NULL };
	const char *text[] = { "diagnose", "--report", "@REPORT", NULL };
	const char *fields[] = { "--host-data",
				 "2222222222222222222222222222222222222222222222222222222222222222",
				 "--guest-policy",
				 "0x30000",
				 "--vmpl",
				 "1",
				 NULL };
	char *digest = measure(base);
	struct json_object *o, *rows;
	struct tu_run r;

	(void)state;
	write_report(digest, 0x19, 0x11, 1);
	r = run(verb, base, fields);
	/* The measurement is explained (nothing differs), but two expected fields differ: a "no". */
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.err, "field host_data differs"));
	o = json_tokener_parse(r.out);
	rows = get(o, "fields");
	assert_int_equal(json_object_array_length(rows), 3);
	assert_string_equal(str(json_object_array_get_idx(rows, 0), "field"), "host_data");
	assert_string_equal(str(json_object_array_get_idx(rows, 0), "result"), "fail");
	assert_non_null(strstr(str(json_object_array_get_idx(rows, 0), "why"), "host-data="));
	assert_string_equal(str(json_object_array_get_idx(rows, 1), "result"), "pass");
	assert_string_equal(str(json_object_array_get_idx(rows, 2), "field"), "vmpl");
	assert_string_equal(str(json_object_array_get_idx(rows, 2), "result"), "fail");
	json_object_put(o), tu_run_free(&r);
	/* and in text */
	r = run(text, base, fields);
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.out, "host_data          DIFFERS"));
	assert_non_null(strstr(r.out, "policy             as expected"));
	tu_run_free(&r);
	free(digest);
}

/* A real report and its real image: the vCPU count believed was wrong, the host data right. */
static void test_dstack_hardware_report(void **state)
{
	char *image = tu_fixture("dstack/image"), *rep = tu_fixture("dstack/report.bin");
	const char *verb[] = { "diagnose", "--json", "--report", rep, NULL };
	const char *options[] = { "--spec",  image,	    "--vcpus",	      "4", "--vcpu-type",
				  "EPYC-v4", "--host-data", DSTACK_HOST_DATA, NULL };
	struct tu_run r = run(verb, options, NULL);
	struct json_object *o, *m, *c;

	(void)state;
	assert_int_equal(r.status, 0);
	o = json_tokener_parse(r.out);
	m = json_object_array_get_idx(get(o, "matches"), 0);
	assert_int_equal(json_object_array_length(get(o, "matches")), 1);
	assert_int_equal(json_object_array_length(get(m, "changes")), 1);
	c = json_object_array_get_idx(get(m, "changes"), 0);
	assert_string_equal(str(c, "option"), "--vcpus");
	assert_string_equal(str(c, "given"), "4");
	assert_string_equal(str(c, "found"), "2");
	assert_string_equal(str(json_object_array_get_idx(get(o, "fields"), 0), "result"), "pass");
	/* the command printed, with the spec and the digests it gave, measures the report's */
	expect_argv_reproduces(m, str(o, "measurement"));
	json_object_put(o), tu_run_free(&r), free(image), free(rep);
}

/* A bundle's space is what was given: a row of it is no change, a value outside it is one. */
static void test_manifest(void **state)
{
	char *bz, *init, *root, *bundle, *cmdline;
	const char *verb[] = { "diagnose", "--json", "--manifest", NULL, NULL };
	struct json_object *m, *o, *c, *row;
	struct tu_run r;
	char *text, *line;

	(void)state;
	tu_need_program("/usr/bin/mksquashfs", "squashfs-tools");
	assert_true(asprintf(&bz, "%s/bzImage", dir) > 0);
	assert_true(asprintf(&init, "%s/init", dir) > 0);
	assert_true(asprintf(&root, "%s/root", dir) > 0);
	assert_true(asprintf(&bundle, "%s/bundle", dir) > 0);
	tu_write_bzimage(bz, 3, 65536);
	assert_int_equal(mkdir(init, 0755), 0);
	assert_int_equal(mkdir(root, 0755), 0);
	{
		char *f;
		assert_true(asprintf(&f, "%s/init", init) > 0);
		tu_write_file(f, "#!/bin/sh\n", 10);
		free(f);
		assert_true(asprintf(&f, "%s/etc-os-release", root) > 0);
		tu_write_file(f, "ID=test\n", 8);
		free(f);
	}
	const char *build[] = { SNPM_IMAGE_CLI,
				"bundle",
				"--kernel",
				bz,
				"--initramfs",
				init,
				"--rootfs",
				root,
				"--ovmf",
				fw,
				"--cmdline",
				"console=ttyS0 roothash={roothash}",
				"-o",
				bundle,
				"--vcpus",
				"1,2",
				"--vmm-type",
				"QEMU,ec2",
				"--source-date-epoch",
				"1700000000",
				NULL };
	tu_run((char *const *)build, &r);
	if (r.status != 0)
		fail_msg("bundle: %s", r.err);
	tu_run_free(&r);
	assert_true(asprintf(&text, "%s/manifest.json", bundle) > 0);
	m = json_object_from_file(text);
	free(text);
	cmdline = strdup(str(m, "cmdline"));
	json_object_put(m);
	verb[3] = bundle;

	/* 4 vCPUs under EC2: one change from the bundle's space (1 or 2 vCPUs, QEMU or EC2) */
	char *bk, *bi, *bf;
	assert_true(asprintf(&bk, "%s/kernel", bundle) > 0);
	assert_true(asprintf(&bi, "%s/initramfs", bundle) > 0);
	assert_true(asprintf(&bf, "%s/OVMF.fd", bundle) > 0);
	const char *hw[] = { "--mode",	    "snp",     "--ovmf",     bf,      "--kernel", bk,
			     "--initrd",    bi,	       "--append",   cmdline, "--vcpus",  "4",
			     "--vcpu-type", "EPYC-v4", "--vmm-type", "ec2",   NULL };
	char *digest = measure(hw);
	const char *want[] = { "--measurement", digest, NULL };
	r = run(verb, want, NULL);
	assert_int_equal(r.status, 0);
	o = json_tokener_parse(r.out);
	row = json_object_array_get_idx(get(o, "matches"), 0);
	assert_int_equal(json_object_array_length(get(row, "changes")), 1);
	c = json_object_array_get_idx(get(row, "changes"), 0);
	assert_string_equal(str(c, "found"), "4");
	assert_string_equal(str(c, "given"), "any of 1, 2");
	assert_int_equal(json_object_get_int64(get(get(o, "tried_by_changes"), "0")), 4);
	expect_argv_reproduces(row, digest);
	json_object_put(o), tu_run_free(&r), free(digest);

	/* a row the bundle predicts: nothing differs */
	assert_true(asprintf(&text, "%s/measurements.jsonl", bundle) > 0);
	{
		size_t len;
		uint8_t *bytes = tu_read_file(text, &len);
		assert_non_null(bytes);
		line = strndup((const char *)bytes, len);
		free(bytes);
	}
	free(text);
	row = json_tokener_parse(strchr(strchr(strchr(line, '\n') + 1, '\n') + 1, '{'));
	assert_non_null(row);
	digest = strdup(str(row, "measurement"));
	json_object_put(row), free(line);
	const char *want2[] = { "--measurement", digest, NULL };
	r = run(verb, want2, NULL);
	assert_int_equal(r.status, 0);
	o = json_tokener_parse(r.out);
	assert_int_equal(json_object_get_int64(get(o, "depth")), 0);
	row = json_object_array_get_idx(get(o, "matches"), 0);
	assert_int_equal(json_object_array_length(get(row, "changes")), 0);
	expect_argv_reproduces(row, digest);
	json_object_put(o), tu_run_free(&r);

	/* the library's reading of it, and its refusals */
	struct snpm_bundle_launch *l = NULL;
	struct snpm_error err;
	assert_int_equal(snpm_bundle_launch_read(bundle, &l, &err), 0);
	assert_string_equal(l->firmware, bf);
	assert_string_equal(l->cmdline, cmdline);
	assert_int_equal(l->n_vcpus, 2);
	assert_int_equal(l->vcpus[1], 2);
	assert_int_equal(l->n_vcpu_sigs, 1);
	assert_int_equal(l->vcpu_sigs[0], 0x800f12);
	assert_string_equal(l->vcpu_types[0], "EPYC-v4");
	assert_int_equal(l->n_vmms, 2);
	assert_int_equal(l->vmms[1], SNPM_VMM_EC2);
	assert_int_equal(l->guest_features[0], 1);
	snpm_bundle_launch_free(l);
	{
		static const struct {
			const char *from, *to, *message;
		} bad[] = {
			{ "\"vcpus\":[1,2]", "\"vcpus\":[2,1]", "ascend" },
			{ "\"vcpus\":[1,2]", "\"vcpus\":[]", "1 to" },
			{ "\"vmms\":[\"QEMU\",\"ec2\"]", "\"vmms\":[\"QEMU\",\"xen\"]", "xen" },
			{ "\"sig\":\"0x800f12\"", "\"sig\":\"0x800f12\",\"extra\":1", "extra" },
		};
		char *path;
		size_t len;
		assert_true(asprintf(&path, "%s/manifest.json", bundle) > 0);
		uint8_t *orig = tu_read_file(path, &len);
		char *text0 = strndup((const char *)orig, len);
		/* the manifest as written, one line of JSON */
		struct json_object *j = json_tokener_parse(text0);
		const char *flat = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *changed = tu_replace(flat, bad[i].from, bad[i].to);
			tu_write_file(path, changed, strlen(changed));
			l = NULL;
			assert_true(snpm_bundle_launch_read(bundle, &l, &err) < 0);
			assert_null(l);
			if (!strstr(err.message, bad[i].message) ||
			    !strstr(err.message, "manifest.json"))
				fail_msg("'%s' for %s", err.message, bad[i].to);
			free(changed);
		}
		tu_write_file(path, orig, len);
		json_object_put(j), free(text0), free(orig), free(path);
	}

	/* the bundle is the configuration: no measurement option beside it */
	const char *extra[] = { "--vcpus", "3", NULL };
	tu_expect_refusal(run(verb, want2, extra), 2, "--manifest gives the configuration");
	free(digest), free(bk), free(bi), free(bf), free(cmdline);
	free(bz), free(init), free(root), free(bundle);
}

static void test_refusals(void **state)
{
	const char *base[] = { BASE, NULL };
	const char *digest = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
			     "00112233445566778899aabbccddeeff";
	const char *none[] = { "diagnose", NULL };
	const char *both[] = { "diagnose", "--measurement", digest, "--report", "@REPORT", NULL };
	const char *fields[] = { "diagnose", "--measurement", digest, "--host-data", "00", NULL };
	const char *depth0[] = { "diagnose", "--measurement", digest, "--depth", "0", NULL };
	const char *depth4[] = { "diagnose", "--measurement", digest, "--depth", "4", NULL };
	const char *short_digest[] = {
		"diagnose", "--measurement",
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", NULL
	};
	const char *stdin_fw[] = { "diagnose", "--measurement", digest, "--mode",
				   "snp",      "--vcpus",	"1",	"--vcpu-type",
				   "EPYC-v4",  "--ovmf",	"-",	NULL };
	const char *bad_fw[] = { "diagnose", "--measurement", digest,	 "--mode", "snp", "--vcpus",
				 "1",	     "--vcpu-type",   "EPYC-v4", "--ovmf", "@K",  NULL };

	(void)state;
	tu_expect_refusal(run(none, base, NULL), 2, "--report FILE or --measurement");
	tu_expect_refusal(run(both, base, NULL), 2, "--report FILE or --measurement");
	tu_expect_refusal(run(fields, base, NULL), 2, "need --report");
	tu_expect_refusal(run(depth0, base, NULL), 2, "--depth");
	tu_expect_refusal(run(depth4, base, NULL), 2, "--depth");
	tu_expect_refusal(run(short_digest, base, NULL), 2, "32-byte measurement");
	tu_expect_refusal(run(stdin_fw, NULL, NULL), 2, "as files");
	tu_expect_refusal(run(bad_fw, NULL, NULL), 1, "dev_kernel.bin");
}

/* explain --diff: where two launches part, and the VMSA fields or hashes that differ. */
static void test_explain_diff(void **state)
{
	const char *a[] = { "explain", BASE, "--diff", NULL };
	const char *b[] = { BASE, "--vcpu-type", "EPYC-Milan", "--vmsa-fpu", "legacy-kvm", NULL };
	const char *c[] = { BASE, "--append", "quiet", NULL };
	const char *same[] = { BASE, NULL };
	struct tu_run r = run(a, b, NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "part at step"));
	assert_non_null(strstr(r.out, "VMSA of vCPU 0 (BSP)"));
	assert_non_null(strstr(r.out, "rdx           0x800f12 -> 0xa00f11"));
	assert_non_null(strstr(r.out, "mxcsr         0x1f80 -> 0x0"));
	assert_non_null(strstr(r.out, "x87_fcw       0x37f -> 0x0"));
	assert_null(strstr(r.out, "sev_features"));
	tu_run_free(&r);
	r = run(a, c, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "kernel hashes page"));
	assert_non_null(strstr(r.out, "differ in: contents;"));
	assert_non_null(strstr(r.out, "cmdline"));
	assert_null(strstr(r.out, "  kernel   "));
	tu_run_free(&r);
	r = run(a, same, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "the two launches are the same"));
	tu_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_drift),
		cmocka_unit_test(test_every_drift_has_a_case),
		cmocka_unit_test(test_pairs_and_depth),
		cmocka_unit_test(test_reference_known_answers),
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_nothing_differs),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_report_cpuid_first),
		cmocka_unit_test(test_report_fields),
		cmocka_unit_test(test_dstack_hardware_report),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_explain_diff),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
