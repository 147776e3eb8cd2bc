/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report get: the sev-guest ioctl ABI against Debian's linux-libc-dev header, and the verb run
 * against a fake guest (tests/guestfake: configfs-tsm and the device with the kernel's
 * semantics, loaded with LD_PRELOAD), through success, fallback, concurrent writers, firmware
 * and VMM errors, replies of the wrong shape and bad arguments.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/sev-guest.h>

#include "testutil.h"
#include "../guest/sevguest.h"

/* ---- the ABI ---- */

#define SAME_LAYOUT(ours, theirs, field)                                                \
	assert_int_equal(offsetof(struct ours, field), offsetof(struct theirs, field)); \
	assert_int_equal(sizeof(((struct ours *)0)->field), sizeof(((struct theirs *)0)->field))

static void test_abi(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct sg_report_req), sizeof(struct snp_report_req));
	SAME_LAYOUT(sg_report_req, snp_report_req, user_data);
	SAME_LAYOUT(sg_report_req, snp_report_req, vmpl);
	SAME_LAYOUT(sg_report_req, snp_report_req, rsvd);
	assert_int_equal(sizeof(struct sg_report_resp), sizeof(struct snp_report_resp));
	assert_int_equal(sizeof(struct sg_request), sizeof(struct snp_guest_request_ioctl));
	SAME_LAYOUT(sg_request, snp_guest_request_ioctl, msg_version);
	SAME_LAYOUT(sg_request, snp_guest_request_ioctl, req_data);
	SAME_LAYOUT(sg_request, snp_guest_request_ioctl, resp_data);
	SAME_LAYOUT(sg_request, snp_guest_request_ioctl, exitinfo2);
	SAME_LAYOUT(sg_request, snp_guest_request_ioctl, fw_error);
	SAME_LAYOUT(sg_request, snp_guest_request_ioctl, vmm_error);
	assert_int_equal(sizeof(struct sg_ext_report_req), sizeof(struct snp_ext_report_req));
	SAME_LAYOUT(sg_ext_report_req, snp_ext_report_req, data);
	SAME_LAYOUT(sg_ext_report_req, snp_ext_report_req, certs_address);
	SAME_LAYOUT(sg_ext_report_req, snp_ext_report_req, certs_len);
	assert_int_equal(SG_GET_REPORT, SNP_GET_REPORT);
	assert_int_equal(SG_GET_EXT_REPORT, SNP_GET_EXT_REPORT);
	assert_int_equal(SG_VMM_ERR_INVALID_LEN, SNP_GUEST_VMM_ERR_INVALID_LEN);
	assert_int_equal(SG_VMM_ERR_BUSY, SNP_GUEST_VMM_ERR_BUSY);
	/* fw_error is exitinfo2's low half, vmm_error its high half (little-endian x86). */
	struct sg_request io = { .exitinfo2 = 0x0000000200000016ull };
	assert_int_equal(io.fw_error, 0x16);
	assert_int_equal(io.vmm_error, 2);
}

/* ---- the fake guest ---- */

struct guest {
	char *dir, *root, *device, *log, *certs, *template;
};

/* A certificate table of 20,000 bytes (more than the four pages a first request offers):
 * the Genoa VCEK and an ARK-sized filler. */
static void write_certs(const char *path)
{
	size_t vcek_len;
	char *vp = tu_fixture("reports/genoa-v3/vcek.pem");
	uint8_t *vcek = tu_read_file(vp, &vcek_len), *blob = calloc(1, 20000);

	assert_non_null(vcek);
	tu_put_cert_entry(blob, SNPM_CERT_GUID_VCEK, 72, (uint32_t)vcek_len);
	tu_put_cert_entry(blob + 24, SNPM_CERT_GUID_ARK, (uint32_t)(72 + vcek_len),
			  (uint32_t)(20000 - 72 - vcek_len));
	memcpy(blob + 72, vcek, vcek_len);
	memset(blob + 72 + vcek_len, 0x5a, 20000 - 72 - vcek_len);
	tu_write_file(path, blob, 20000);
	free(blob), free(vcek), free(vp);
}

static void guest_setup(struct guest *g)
{
	char *lib = getenv("GUESTFAKE_LIB"), preload[1024], asan[1024];
	const char *old = getenv("ASAN_OPTIONS");

	g->dir = tu_mkdtemp();
	assert_true(asprintf(&g->root, "%s/tsm/report", g->dir) > 0);
	assert_true(asprintf(&g->device, "%s/sev-guest", g->dir) > 0);
	assert_true(asprintf(&g->log, "%s/log", g->dir) > 0);
	assert_true(asprintf(&g->certs, "%s/certs.table", g->dir) > 0);
	g->template = tu_fixture("reports/genoa-v3/report.bin");
	write_certs(g->certs);
	snprintf(preload, sizeof(preload), "%s", lib ? lib : GUESTFAKE_LIB);
	setenv("LD_PRELOAD", preload, 1);
	/* Under ASan the preloaded helper comes before the runtime; that is fine here. */
	snprintf(asan, sizeof(asan), "%s%sverify_asan_link_order=0", old ? old : "",
		 old && *old ? ":" : "");
	setenv("ASAN_OPTIONS", asan, 1);
	setenv("GUESTFAKE_TSM_ROOT", g->root, 1);
	setenv("GUESTFAKE_DEVICE", g->device, 1);
	setenv("GUESTFAKE_LOG", g->log, 1);
	setenv("GUESTFAKE_CERTS", g->certs, 1);
	setenv("GUESTFAKE_REPORT", g->template, 1);
	unsetenv("GUESTFAKE_FAULT");
}

static void guest_teardown(struct guest *g)
{
	unsetenv("LD_PRELOAD");
	tu_rmtree(g->dir);
	free(g->dir), free(g->root), free(g->device), free(g->log), free(g->certs);
	free(g->template);
}

/* Runs report get in the fake guest with the fault given (NULL: none). */
static int set_fault(const char *fault)
{
	return fault ? setenv("GUESTFAKE_FAULT", fault, 1) : unsetenv("GUESTFAKE_FAULT");
}

/* Quiet: refusals are one line; GET_NOTES keeps the notes. */
#define GET(g, fault, ...) GET_NOTES(g, fault, "-q", __VA_ARGS__)
#define GET_NOTES(g, fault, ...)                                                         \
	(set_fault(fault), tu_cli_in((g)->dir, "report", "get", "--tsm-root", (g)->root, \
				     "--device", (g)->device, __VA_ARGS__, NULL))

/* Every entry made was removed: the log's mkdir and rmdir lines pair up. */
static void expect_entries_removed(const struct guest *g, int made)
{
	size_t len = 0;
	uint8_t *log = tu_read_file(g->log, &len);
	int mk = 0, rm = 0;

	for (char *p = (char *)log; log && p < (char *)log + len; p = strchr(p, '\n') + 1) {
		mk += strncmp(p, "mkdir ", 6) == 0;
		rm += strncmp(p, "rmdir ", 6) == 0;
	}
	assert_int_equal(mk, made);
	assert_int_equal(rm, made);
	free(log);
	remove(g->log);
}

static uint8_t *output(const struct guest *g, const char *name, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", g->dir, name);
	return tu_read_file(path, len);
}

static void test_tsm(void **state)
{
	struct guest g;
	struct tu_run r;
	size_t len = 0, clen = 0, want_len = 0;
	uint8_t *rep, *certs, *want;

	(void)state;
	guest_setup(&g);
	r = GET_NOTES(&g, NULL, "--report-data", "0102", "--vmpl", "2", "-o", "r.bin", "--certs",
		      "c.bin");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "r.bin: a version 3 report for VMPL 2 from configfs-tsm, "
				      "certificates in c.bin"));
	assert_non_null(strstr(r.err, "REPORT_DATA is 2 bytes, zero-padded to 64"));
	tu_run_free(&r);
	rep = output(&g, "r.bin", &len);
	assert_int_equal(len, SNPM_REPORT_SIZE);
	assert_int_equal(rep[0x50], 1);
	assert_int_equal(rep[0x51], 2);
	for (int i = 2; i < 64; i++)
		assert_int_equal(rep[0x50 + i], 0);
	assert_int_equal(rep[0x30], 2);
	certs = output(&g, "c.bin", &clen);
	want = tu_read_file(g.certs, &want_len);
	assert_int_equal(clen, want_len);
	assert_memory_equal(certs, want, clen);
	free(rep), free(certs), free(want);
	expect_entries_removed(&g, 1);
	/* JSON, and the report shown when no file is named. */
	r = GET(&g, NULL, "--report-data", "aa", "--json");
	tu_run_free(&r);
	/* No nonce: a note on stderr that the report could be a replay (-q silences it). */
	r = GET_NOTES(&g, NULL, "-o", "z.bin");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "REPORT_DATA is all zeros"));
	tu_run_free(&r);
	expect_entries_removed(&g, 2);
	r = GET(&g, NULL, "--report-data", "aa", "--json");
	char *out = tu_capture(r);
	struct json_object *o = json_tokener_parse(out);
	assert_string_equal(json_object_get_string(json_object_object_get(o, "interface")),
			    "configfs-tsm");
	assert_string_equal(json_object_get_string(json_object_object_get(o, "provider")),
			    "sev_guest");
	assert_int_equal(strlen(json_object_get_string(json_object_object_get(o, "report_hex"))),
			 2 * SNPM_REPORT_SIZE);
	json_object_put(o);
	free(out);
	char data[1024];
	snprintf(data, sizeof(data), "%s/data", g.dir);
	r = GET(&g, NULL, "--report-data-file", data); /* absent */
	assert_int_equal(r.status, 1);
	tu_run_free(&r);
	tu_write_file(data, "hello", 5);
	r = GET(&g, NULL, "--report-data-file", data);
	out = tu_capture(r);
	assert_non_null(strstr(out, "report_data            68656c6c6f000000"));
	free(out);
	expect_entries_removed(&g, 2);
	guest_teardown(&g);
}

static void test_tsm_failures(void **state)
{
	struct guest g;
	struct tu_run r;
	struct stat st;
	char path[1024];

	(void)state;
	guest_setup(&g);
	/* Another writer between our write and our read: refused, nothing written, entry gone. */
	r = GET(&g, "race", "-o", "r.bin");
	tu_expect_refusal(r, 1, "written by someone else meanwhile");
	snprintf(path, sizeof(path), "%s/r.bin", g.dir);
	assert_int_not_equal(stat(path, &st), 0);
	expect_entries_removed(&g, 1);
	/* A TDX guest's provider: not ours, and no fallback to the device. */
	tu_expect_refusal(GET(&g, "provider", "-o", "r.bin"), 1, "'tdx_guest', not sev_guest");
	assert_int_not_equal(stat(path, &st), 0);
	expect_entries_removed(&g, 1);
	tu_expect_refusal(GET(&g, "short", "-o", "r.bin"), 1, "outblob holds 1000 bytes");
	expect_entries_removed(&g, 1);
	tu_expect_refusal(GET(&g, "wrongdata", "-o", "r.bin"), 1,
			  "does not carry the REPORT_DATA requested");
	expect_entries_removed(&g, 1);
	assert_int_not_equal(stat(path, &st), 0);
	/* Permission: both interfaces are named. */
	tu_expect_refusal(GET(&g, "eacces", "-o", "r.bin"), 1, "Permission denied");
	tu_expect_refusal(GET(&g, NULL, "--vmpl", "4"), 2, "--vmpl");
	/* An output that is a folder: refused after the request, nothing else written. */
	assert_int_equal(mkdir(path, 0755), 0);
	tu_expect_refusal(GET(&g, NULL, "-o", "r.bin", "--certs", "c.bin"), 1, "r.bin");
	snprintf(path, sizeof(path), "%s/c.bin", g.dir);
	assert_int_not_equal(stat(path, &st), 0);
	expect_entries_removed(&g, 1);
	guest_teardown(&g);
}

/*
 * The report's file cannot be put in place after the certificates were: nothing this run made
 * stays, and what --certs names is never removed when it is written through (a device node, a
 * symbolic link to one) or replaced for good (a regular file gets its old bytes back).
 */
static void test_outputs_together(void **state)
{
	struct guest g;
	struct stat st;
	char certs[1024], report[1024];
	size_t len = 0;
	uint8_t *old;

	(void)state;
	guest_setup(&g);
	snprintf(certs, sizeof(certs), "%s/c.bin", g.dir);
	snprintf(report, sizeof(report), "%s/r.bin", g.dir);
	assert_int_equal(symlink("/dev/null", certs), 0);
	tu_expect_refusal(GET(&g, "rename", "-o", "r.bin", "--certs", "c.bin"), 1,
			  "r.bin: cannot rename into place");
	assert_int_equal(lstat(certs, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_not_equal(stat(report, &st), 0);
	assert_int_equal(unlink(certs), 0);
	assert_int_equal(mknod(certs, S_IFCHR | 0666, makedev(1, 3)), 0); /* /dev/null's node */
	tu_expect_refusal(GET(&g, "rename", "-o", "r.bin", "--certs", "c.bin"), 1,
			  "cannot rename into place");
	assert_int_equal(lstat(certs, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(unlink(certs), 0);
	/* A regular file that was there: swapped back, byte for byte. */
	tu_write_file(certs, "old certificates", 16);
	tu_expect_refusal(GET(&g, "rename", "-o", "r.bin", "--certs", "c.bin"), 1,
			  "cannot rename into place");
	old = tu_read_file(certs, &len);
	assert_int_equal(len, 16);
	assert_memory_equal(old, "old certificates", 16);
	free(old);
	assert_int_equal(unlink(certs), 0);
	/* None there: the new one goes, and no temporary is left in the folder. */
	tu_expect_refusal(GET(&g, "rename", "-o", "r.bin", "--certs", "c.bin"), 1,
			  "cannot rename into place");
	assert_int_not_equal(lstat(certs, &st), 0);
	tu_no_temporaries(g.dir);
	/* And without the fault both land. */
	struct tu_run r = GET(&g, NULL, "-o", "r.bin", "--certs", "c.bin");
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	assert_int_equal(stat(report, &st), 0);
	assert_int_equal(stat(certs, &st), 0);
	guest_teardown(&g);
}

static void test_device(void **state)
{
	struct guest g;
	struct tu_run r;
	size_t len = 0, clen = 0, want_len = 0;
	uint8_t *rep, *certs, *want;

	(void)state;
	guest_setup(&g);
	/* No configfs-tsm provider (mkdir fails ENXIO): the device answers. */
	r = GET(&g, "noprovider", "--report-data", "ff", "-o", "r.bin");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "from /dev/sev-guest"));
	tu_run_free(&r);
	rep = output(&g, "r.bin", &len);
	assert_int_equal(len, SNPM_REPORT_SIZE);
	assert_int_equal(rep[0x50], 0xff);
	free(rep);
	/* The extended report: the certificate buffer grows to what the kernel asks. */
	r = GET(&g, NULL, "--interface", "device", "--vmpl", "1", "-o", "r2.bin", "--certs",
		"c.bin");
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	rep = output(&g, "r2.bin", &len);
	assert_int_equal(rep[0x30], 1);
	certs = output(&g, "c.bin", &clen);
	want = tu_read_file(g.certs, &want_len);
	assert_int_equal(clen, want_len);
	assert_memory_equal(certs, want, clen);
	free(rep), free(certs), free(want);
	/* A busy host is retried; firmware errors are named. */
	r = GET(&g, "busy", "--interface", "device", "-o", "r3.bin");
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	tu_expect_refusal(GET(&g, "fw", "--interface", "device", "-o", "r4.bin"), 1,
			  "firmware error 0x16 (invalid parameter)");
	tu_expect_refusal(GET(&g, "status", "--interface", "device", "-o", "r4.bin"), 1,
			  "status 0x16 (invalid parameter)");
	/* No certificates from the host: --certs fails, and nothing is written. */
	setenv("GUESTFAKE_CERTS", "/nonexistent", 1);
	tu_expect_refusal(GET(&g, NULL, "--interface", "device", "-o", "r5.bin", "--certs",
			      "c5.bin"),
			  1, "the host provided no certificates");
	len = 1;
	assert_null(output(&g, "r5.bin", &len));
	/* A table that names no certificate (the terminator entry alone) is no certificates,
	 * through configfs-tsm as through the device. */
	uint8_t empty[24] = { 0 };
	tu_write_file(g.certs, empty, sizeof(empty));
	setenv("GUESTFAKE_CERTS", g.certs, 1);
	tu_expect_refusal(GET(&g, NULL, "--interface", "tsm", "-o", "r7.bin", "--certs", "c7.bin"),
			  1, "the host provided no certificates");
	tu_expect_refusal(GET(&g, NULL, "--interface", "device", "-o", "r7.bin", "--certs",
			      "c7.bin"),
			  1, "the host provided no certificates");
	/* Neither interface there. */
	setenv("GUESTFAKE_DEVICE", "/nonexistent-device", 1);
	tu_expect_refusal(GET(&g, "noprovider", "-o", "r6.bin"), 1, "no SEV-SNP guest interface");
	guest_teardown(&g);
}

static void test_arguments(void **state)
{
	struct guest g;

	(void)state;
	guest_setup(&g);
	tu_expect_refusal(GET(&g, NULL, "--report-data",
			      "00000000000000000000000000000000000000000000000000000000000000000000"
			      "000000000000000000000000000000000000000000000000000000000000000000"),
			  2, "up to 128 hex digits");
	tu_expect_refusal(GET(&g, NULL, "--report-data", "abc"), 2, "--report-data");
	tu_expect_refusal(GET(&g, NULL, "--report-data", "ab", "--report-data-file", "x"), 2,
			  "not both");
	tu_expect_refusal(GET(&g, NULL, "--interface", "sev"), 2, "--interface");
	tu_expect_refusal(GET(&g, NULL, "-o", "same", "--certs", "same"), 2, "same file");
	tu_write_file(g.certs,
		      "0123456789012345678901234567890123456789012345678901234567890123456789", 70);
	tu_expect_refusal(GET(&g, NULL, "--report-data-file", g.certs), 1, "limit");
	guest_teardown(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abi),	     cmocka_unit_test(test_tsm),
		cmocka_unit_test(test_tsm_failures), cmocka_unit_test(test_outputs_together),
		cmocka_unit_test(test_device),	     cmocka_unit_test(test_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
