/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every example runs as written: each ```sh block of README.md and each example of the manual
 * pages' EXAMPLES sections is run as a shell script (set -eu) with snpmeasure and snpimage on
 * the PATH, in a folder that holds the inputs the examples name, and must exit 0. A block
 * preceded by a line "<!-- not run: WHY -->" is skipped (the set-up commands, which install
 * packages); every other one runs, so an example added later is tested without a word.
 *
 * The inputs are the repository's fixtures and stand-ins under the names a user has for them:
 * OVMF.fd is an AmdSev build of OVMF (the metadata of one, measured as the whole image), bzImage
 * a kernel image, report.bin a Genoa report with its vcek.pem, ask.pem, ark.pem and
 * cert_chain.pem, certs.bin the certificate table a host returns with it, guest.igvm an SNP IGVM
 * file, libkrunfw-sev.so.5 the libkrunfw stand-in the tests build, and dstack's files (its
 * image folder, MrConfigV3 document and the hardware report dstack-report.bin). Reports
 * are asked of a fake guest (tests/guestfake) preloaded into the tools.
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "igvm_writer.h"
#include "testutil.h"

static char *dir;

static void copy_fixture(const char *rel, const char *name)
{
	size_t len;
	uint8_t *data = tu_fixture_bytes(rel, &len);
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	tu_write_file(path, data, len);
	free(data);
}

static void write_in(const char *name, const void *data, size_t len)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	tu_write_file(path, data, len);
}

static char *in_dir(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

/* An SNP IGVM file: its policy, a page of data and the boot vCPU's VP context (long mode, as
 * KVM takes). */
static void write_igvm(const char *name)
{
	uint8_t *page = tu_stream("example-igvm", 4096), vmsa[4096] = { 0 }, *f;
	struct iw *w = iw_new();
	size_t len;

	vmsa[0x012] = 0x9b, vmsa[0x013] = 0x0a; /* CS: 64-bit code */
	vmsa[0x022] = 0x93, vmsa[0x023] = 0x0c; /* SS */
	vmsa[0x0d0 + 1] = 0x0d; /* EFER: LME, LMA, NXE */
	vmsa[0x148] = 0x20; /* CR4: PAE */
	vmsa[0x150 + 1] = 0x20; /* CR3 0x2000 */
	vmsa[0x158] = 0x11, vmsa[0x158 + 3] = 0x80; /* CR0: PE, ET, PG */
	vmsa[0x161] = 0x04; /* DR7: 0x400 */
	vmsa[0x178 + 1] = 0x10; /* RIP 0x1000 */
	vmsa[0x3b0] = 1; /* SEV_FEATURES: SNPActive */
	vmsa[0x3e8] = 1; /* XCR0 */
	iw_platform(w, 1, 2);
	iw_policy(w, 1, 0x30000);
	iw_page(w, 0x1000, 1, 0, 0, page);
	iw_vp(w, 0xfffffffff000ull, 1, 0, vmsa);
	f = iw_finish(w, &len);
	write_in(name, f, len);
	free(f), free(page);
}

/* The certificate table an extended report comes with: the VCEK, the ASK and the ARK. */
static void write_cert_table(const char *name)
{
	static const char *const files[] = { "reports/genoa-v3/vcek.pem",
					     "reports/genoa-v3/ask.pem",
					     "reports/genoa-v3/ark.pem" };
	static const char *const guids[] = { SNPM_CERT_GUID_VCEK, SNPM_CERT_GUID_ASK,
					     SNPM_CERT_GUID_ARK };
	uint8_t *blob = calloc(1, 16384), *c;
	size_t at = 4 * 24, len;

	for (size_t i = 0; i < 3; i++) {
		c = tu_fixture_bytes(files[i], &len);
		tu_put_cert_entry(blob + i * 24, guids[i], (uint32_t)at, (uint32_t)len);
		memcpy(blob + at, c, len);
		at += len;
		free(c);
	}
	write_in(name, blob, at);
	free(blob);
}

static void prepare(void)
{
	uint8_t pages[3 * 4096];

	dir = tu_mkdtemp();
	copy_fixture("sev-snp-measure/ovmf_AmdSev_suffix.bin", "OVMF.fd");
	copy_fixture("sev-snp-measure/svsm.bin", "svsm.bin");
	copy_fixture("sev-snp-measure/svsm_ovmf.fd", "svsm_ovmf.fd");
	copy_fixture("sev-snp-measure/id_key_test.pem", "id.pem");
	copy_fixture("sev-snp-measure/author_key_test.pem", "author.pem");
	copy_fixture("reports/genoa-v3/report.bin", "report.bin");
	copy_fixture("reports/genoa-v3/vcek.pem", "vcek.pem");
	copy_fixture("reports/genoa-v3/ask.pem", "ask.pem");
	copy_fixture("reports/genoa-v3/ark.pem", "ark.pem");
	copy_fixture("reports/amd-roots/ask_ark_genoa.pem", "cert_chain.pem");
	copy_fixture("dstack/mr_config.json", "mr_config.json");
	copy_fixture("dstack/report.bin", "dstack-report.bin");
	char *folder = in_dir("dstack-0.6.0");
	assert_int_equal(mkdir(folder, 0755), 0);
	free(folder);
	copy_fixture("dstack/image/digest.txt", "dstack-0.6.0/digest.txt");
	copy_fixture("dstack/image/sha256sum.txt", "dstack-0.6.0/sha256sum.txt");
	copy_fixture("dstack/image/measurement.snp.cbor", "dstack-0.6.0/measurement.snp.cbor");
	write_cert_table("certs.bin");
	write_igvm("guest.igvm");
	char *bz = in_dir("bzImage");
	tu_write_bzimage(bz, 4, 3 * 65536);
	free(bz);
	uint8_t *initrd = tu_stream("example-initrd", 100000);
	write_in("initrd.img", initrd, 100000);
	free(initrd);
	/* libkrun's pieces as files: whole pages each. */
	memset(pages, 0x90, sizeof(pages));
	write_in("qboot.bin", pages, 4096);
	write_in("kernel.bin", pages, sizeof(pages));
	write_in("initrd.bin", pages, 4096);
	size_t len;
	uint8_t *so = tu_read_file(KRUNFW_STANDIN, &len);
	write_in("libkrunfw-sev.so.5", so, len);
	free(so);
	write_in("nonce.bin", "a nonce, as a verifier sends one", 32);
}

/* The guest examples ask the fake guest at the interfaces' real paths, which it serves. */
static void fake_guest(void)
{
	char *certs = in_dir("certs.bin"), *tpl = tu_fixture("reports/genoa-v3/report.bin");

	setenv("GUESTFAKE_TSM_ROOT", SNPM_TSM_REPORT_ROOT, 1);
	setenv("GUESTFAKE_DEVICE", SNPM_SEV_GUEST_DEVICE, 1);
	setenv("GUESTFAKE_CERTS", certs, 1);
	setenv("GUESTFAKE_REPORT", tpl, 1);
	/* Under ASan the preloaded helper comes before the runtime; that is fine here. */
	const char *old = getenv("ASAN_OPTIONS");
	char *asan = NULL;
	assert_true(asprintf(&asan, "%s%sverify_asan_link_order=0", old ? old : "",
			     old && *old ? ":" : "") > 0);
	setenv("ASAN_OPTIONS", asan, 1);
	free(asan);
	free(certs), free(tpl);
}

/* Runs one example block as a script; a failure names the document and shows the block. */
static void run_block(const char *doc, const char *block, bool guest)
{
	char *script = in_dir("example.sh"), *bin = strdup(SNPM_CLI), *path = NULL;
	char *preload = NULL;
	struct tu_run r;

	tu_write_file(script, block, strlen(block));
	/* snpmeasure and snpimage are built side by side. */
	assert_true(asprintf(&path, "PATH=%s:%s", dirname(bin), getenv("PATH")) > 0);
	assert_true(asprintf(&preload, "LD_PRELOAD=%s", guest ? GUESTFAKE_LIB : "") > 0);
	char *const argv[] = { "/usr/bin/env", path, preload, "/bin/sh", "-eu", script, NULL };
	tu_run_in(dir, argv, &r);
	if (r.status != 0)
		fail_msg("%s: this example exits %d:\n%s\nstderr: %s", doc, r.status, block, r.err);
	tu_run_free(&r);
	free(script), free(path), free(bin), free(preload);
}

/* The ```sh blocks of a Markdown file, each run in order. */
static size_t run_markdown(const char *rel)
{
	char *file = tu_source_path(rel), *text, *line, *save = NULL;
	size_t len, blocks = 0;
	char block[16384];
	bool in = false, skip = false, guest = false;
	const char *prev = "";

	text = (char *)tu_read_file(file, &len);
	assert_non_null(text);
	text = realloc(text, len + 1);
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!in && strcmp(line, "```sh") == 0) {
			in = true;
			skip = strncmp(prev, "<!-- not run:", 13) == 0;
			guest = strncmp(prev, "<!-- in a guest", 15) == 0;
			block[0] = '\0';
		} else if (in && strcmp(line, "```") == 0) {
			in = false;
			if (!skip) {
				run_block(rel, block, guest);
				blocks++;
			}
		} else if (in) {
			assert_true(strlen(block) + strlen(line) + 2 < sizeof(block));
			strcat(block, line);
			strcat(block, "\n");
		}
		prev = line;
	}
	free(text), free(file);
	return blocks;
}

/* In place: every \\ becomes \, as scdoc renders it. */
static void unescape_backslashes(char *s)
{
	char *out = s;

	for (; *s; s++, out++) {
		*out = *s;
		if (s[0] == '\\' && s[1] == '\\')
			s++;
	}
	*out = '\0';
}

/* The code blocks of a manual page's EXAMPLES section, each run in order. */
static size_t run_manual(const char *rel)
{
	char *file = tu_source_path(rel), *text, *line, *save = NULL;
	size_t len, blocks = 0;
	char block[8192];
	bool examples = false, in = false;

	text = (char *)tu_read_file(file, &len);
	assert_non_null(text);
	text = realloc(text, len + 1);
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# ", 2) == 0)
			examples = strcmp(line, "# EXAMPLES") == 0;
		else if (examples && !in && strcmp(line, "```") == 0)
			in = true, block[0] = '\0';
		else if (examples && in && strcmp(line, "```") == 0) {
			in = false;
			/* scdoc escapes a backslash as \\ inside a block. */
			unescape_backslashes(block);
			run_block(rel, block, false);
			blocks++;
		} else if (examples && in) {
			assert_true(strlen(block) + strlen(line) + 2 < sizeof(block));
			strcat(block, line);
			strcat(block, "\n");
		}
	}
	free(text), free(file);
	return blocks;
}

static void test_readme(void **state)
{
	(void)state;
	prepare();
	fake_guest();
	assert_true(run_markdown("README.md") >= 8);
	tu_rmtree(dir);
	free(dir);
}

static void test_manual_pages(void **state)
{
	static const char *const pages[] = { "docs/snpmeasure.1.scd", "docs/snpimage.1.scd",
					     "docs/snpmeasure-policy.5.scd" };

	(void)state;
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		prepare();
		if (run_manual(pages[i]) == 0)
			fail_msg("%s has no examples", pages[i]);
		tu_rmtree(dir);
		free(dir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readme),
		cmocka_unit_test(test_manual_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
