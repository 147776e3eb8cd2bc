/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hostile inputs and faults, through the CLIs: every refusal is one line on stderr, a non-zero
 * exit, no measurement on stdout, and no output file (or temporary) left behind.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

static char *dir, *fw;

static char *path_in(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static int setup(void **state)
{
	char *kat = tu_source_path("vectors/launch-digest-kat.json");
	struct json_object *doc = json_object_from_file(kat);
	size_t len;
	uint8_t *data;

	(void)state;
	dir = tu_mkdtemp();
	data = tu_build_input(json_object_object_get(json_object_object_get(doc, "inputs"),
						     "dev_amdsev_256k.fd"),
			      &len);
	fw = path_in("fw.fd");
	tu_write_file(fw, data, len);
	free(data), free(kat);
	json_object_put(doc);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir), free(fw);
	return 0;
}

static size_t lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void refused(const char *const argv[], const char *needle)
{
	struct tu_run r;

	tu_run((char *const *)argv, &r);
	if (r.status == 0 || *r.out || lines(r.err) != 1 || !strstr(r.err, needle))
		fail_msg("status %d, stdout '%s', stderr '%s' (wanted '%s')", r.status, r.out,
			 r.err, needle);
	tu_run_free(&r);
}

/* No file in dir starts with prefix (outputs and their .tmpXXXXXX). */
static void nothing_left(const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			fail_msg("%s was left behind", e->d_name);
	closedir(d);
}

static void test_sizes(void **state)
{
	char *empty = path_in("empty.fd"), *huge = path_in("huge.fd");

	(void)state;
	tu_write_file(empty, "", 0);
	assert_int_equal(truncate(huge, 0), -1); /* (does not exist yet) */
	int fd = open(huge, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4ll << 30), 0); /* a sparse 4 GiB file */
	close(fd);
	const char *a1[] = { SNPM_CLI, "-q", "--ovmf", empty, NULL };
	refused(a1, "not a non-zero multiple of 4096");
	const char *a2[] = { SNPM_CLI, "-q", "--ovmf", huge, NULL };
	refused(a2, "larger than the 67108864-byte limit");
	const char *a3[] = { SNPM_CLI, "ovmf", huge, NULL };
	refused(a3, "larger than");
	/* A report of GiBs is refused by size, not read. */
	const char *a4[] = { SNPM_CLI, "report", "show", huge, NULL };
	refused(a4, "larger than");
	free(empty), free(huge);
}

static void test_changing_file(void **state)
{
	(void)state;
	/* procfs files claim size 0 and then deliver bytes: a file that changed while read. */
	const char *a[] = { SNPM_CLI, "-q", "--ovmf", fw, "--kernel", "/proc/self/status", NULL };
	refused(a, "changed while being read");
}

static void test_hostile_trees(void **state)
{
	char *tree = path_in("tree"), *out = path_in("tree.cpio"), p[512];
	struct tu_run r;

	(void)state;
	mkdir(tree, 0755);
	/* A symlink loop and a link out of the tree: archived as links, never followed. */
	snprintf(p, sizeof(p), "%s/loop", tree), assert_int_equal(symlink("loop", p), 0);
	snprintf(p, sizeof(p), "%s/escape", tree), assert_int_equal(symlink("../../../etc", p), 0);
	/* A name that is not UTF-8. */
	snprintf(p, sizeof(p), "%s/name-\xff\xfe", tree);
	tu_write_file(p, "x", 1);
	/* A socket. */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", tree);
	bool have_sock = strlen(sa.sun_path) < sizeof(sa.sun_path) - 1 &&
			 bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(s);
	/* A device node, when we may make one. */
	snprintf(p, sizeof(p), "%s/null", tree);
	bool have_dev = mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0;
	const char *a[] = {
		SNPM_IMAGE_CLI, "initramfs", tree, "-o", out, "--compress", "none", NULL
	};
	tu_run((char *const *)a, &r);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	size_t len;
	char *cpio = (char *)tu_read_file(out, &len);
	assert_non_null(memmem(cpio, len, "name-\xff\xfe", 7));
	assert_non_null(memmem(cpio, len, "../../../etc", 12));
	if (have_sock)
		assert_non_null(memmem(cpio, len, "sock", 4));
	if (have_dev)
		assert_non_null(memmem(cpio, len, "null", 4));
	free(cpio), free(tree), free(out);
}

static void test_list_escapes(void **state)
{
	char *list = path_in("escape.list"), *out = path_in("escape.cpio");
	static const char *const bad[] = {
		"dir /../x 755 0 0\n",
		"file /a/../../b /etc/hostname 644 0 0\n",
		"slink /a/./b t 777 0 0\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tu_write_file(list, bad[i], strlen(bad[i]));
		const char *a[] = { SNPM_IMAGE_CLI, "initramfs", "--list", list, "-o", out, NULL };
		refused(a, "component");
		nothing_left("escape.cpio");
	}
	free(list), free(out);
}

static void test_unwritable_destination(void **state)
{
	(void)state;
	const char *a[] = { SNPM_IMAGE_CLI, "initramfs", dir, "-o", "/proc/snpm-test.cpio", NULL };
	refused(a, "cannot create a temporary file");
	const char *b[] = { SNPM_IMAGE_CLI,	    "verity", "format", fw,
			    "/proc/snpm-test.hash", "--salt", "-",	NULL };
	refused(b, "cannot create a temporary file");
}

static void test_full_disk(void **state)
{
	char *out = path_in("full.hash"), *big = path_in("big.img");
	uint8_t *zero = calloc(1, 8 << 20);

	(void)state;
	tu_need_program("/usr/bin/prlimit", "util-linux");
	tu_write_file(big, zero, 8 << 20);
	/* A file size limit stands in for a full disk: writes fail with EFBIG. */
	const char *a[] = { "/usr/bin/prlimit",
			    "--fsize=20000",
			    SNPM_IMAGE_CLI,
			    "verity",
			    "format",
			    big,
			    out,
			    "--salt",
			    "-",
			    NULL };
	refused(a, "File too large");
	nothing_left("full.hash");
	free(out), free(big), free(zero);
}

/* SIGTERM or SIGINT in the middle of writing: the run dies, nothing remains. */
static void test_signals(void **state)
{
	char *big = path_in("sig.img"), *out = path_in("sig.hash");
	static const int sigs[] = { SIGTERM, SIGINT };

	(void)state;
	int fd = open(big, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 16ll << 30), 0); /* 16 GiB: far longer than the wait */
	close(fd);
	for (size_t i = 0; i < 2; i++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int devnull = open("/dev/null", O_WRONLY);
			dup2(devnull, 1), dup2(devnull, 2);
			execl(SNPM_IMAGE_CLI, SNPM_IMAGE_CLI, "verity", "format", big, out,
			      "--salt", "-", "--threads", "1", (char *)NULL);
			_exit(127);
		}
		struct timespec t = { 0, 300 * 1000 * 1000 };
		nanosleep(&t, NULL);
		kill(pid, sigs[i]);
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), sigs[i]);
		nothing_left("sig.hash");
	}
	free(big), free(out);
}

static void test_hostile_documents(void **state)
{
	char *spec = path_in("spec.json");
	static const char *const docs[][2] = {
		{ "{\"vcpus\": 1e999}", "must be a number" },
		{ "{\"vcpus\": 99999999999999999999999999}", "out of range" },
		{ "{\"vcpus\": [1]}", "must be a number" },
		{ "{\"firmware\": {\"metadata\": {\"size\": 4096, \"metadata\": {\"sections\": "
		  "[{\"gpa\": 4096, \"size\": 4294967295, \"type_id\": 1}]}}}}",
		  "not page aligned" },
		{ "[\"not\", \"an\", \"object\"]", "must be a JSON object" },
		{ "{\"mode\": \"snp\", \"mode\": 7}", "a key appears twice" },
		{ "\xff\xfe{}", "not JSON" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		tu_write_file(spec, docs[i][0], strlen(docs[i][0]));
		const char *a[] = { SNPM_CLI, "--spec", spec, "--ovmf", fw, NULL };
		refused(a, docs[i][1]);
	}
	free(spec);
}

/* Private keys are never echoed: not on success, not in an error about them. */
static void test_keys_not_printed(void **state)
{
	char *key = tu_fixture("sev-snp-measure/id_key_test.pem"), *bad = path_in("bad.pem");
	struct tu_run r;
	size_t len;

	(void)state;
	char *pem = (char *)tu_read_file(key, &len);
	/* The base64 body's second line is key material. */
	char *line = strchr(pem, '\n') + 1, secret[33];
	memcpy(secret, line, 32);
	secret[32] = '\0';
	const char *a[] = {
		SNPM_CLI,	 "id-block",
		"--measurement", "B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7t",
		"--id-key",	 key,
		"--author-key",	 key,
		"--json",	 NULL
	};
	tu_run((char *const *)a, &r);
	assert_int_equal(r.status, 0);
	assert_null(strstr(r.out, secret));
	assert_null(strstr(r.err, secret));
	tu_run_free(&r);
	/* A damaged key: the error names the file, not its contents. */
	line[40] ^= 0x01;
	tu_write_file(bad, pem, len);
	const char *b[] = { SNPM_CLI, "key-digest", bad, NULL };
	tu_run((char *const *)b, &r);
	assert_int_not_equal(r.status, 0);
	assert_null(strstr(r.err, secret));
	assert_null(strstr(r.err, "MII"));
	tu_run_free(&r);
	free(pem), free(key), free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_changing_file),
		cmocka_unit_test(test_hostile_trees),
		cmocka_unit_test(test_list_escapes),
		cmocka_unit_test(test_unwritable_destination),
		cmocka_unit_test(test_full_disk),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_hostile_documents),
		cmocka_unit_test(test_keys_not_printed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
