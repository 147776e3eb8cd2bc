/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The private I/O layer (core/io.c) on its own, and what it promises through snpimage: outputs
 * whole or not at all, never renaming over what is not a regular file; inputs that are regular
 * files (or pipes where allowed) and do not change while read; a full registry is an error; a
 * signal during any snpimage verb leaves nothing behind, mksquashfs included.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "../core/io.h"

static char *dir;

static char *path_in(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static int setup(void **state)
{
	(void)state;
	dir = tu_mkdtemp();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

/* The folder holds exactly n entries (besides . and ..): no temporary is left. */
static void entries_are(const char *folder, size_t n)
{
	DIR *d = opendir(folder);
	size_t count = 0;

	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			if (strstr(e->d_name, ".tmp"))
				fail_msg("%s/%s was left behind", folder, e->d_name);
			count++;
		}
	closedir(d);
	assert_int_equal(count, n);
}

static void test_outputs(void **state)
{
	char *sub = path_in("out"), *file, *link, *target;
	struct snpm_io_out out;
	struct snpm_error err;
	struct stat st;
	uint8_t *data;
	size_t len;

	(void)state;
	mkdir(sub, 0755);
	assert_true(asprintf(&file, "%s/f", sub) > 0);
	assert_true(asprintf(&link, "%s/link", sub) > 0);
	assert_true(asprintf(&target, "%s/target", sub) > 0);
	/* Whole or not at all. */
	assert_int_equal(snpm_io_out_open(file, &out, &err), 0);
	assert_int_equal(snpm_io_out_write(&out, "half", 4, &err), 0);
	snpm_io_out_abort(&out);
	entries_are(sub, 0);
	assert_int_equal(snpm_io_write_file(file, "whole", 5, 0640, &err), 0);
	data = tu_read_file(file, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "whole", 5);
	free(data);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* A symlink or a folder is never renamed over. */
	tu_write_file(target, "keep", 4);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(snpm_io_write_file(link, "x", 1, 0644, &err), SNPM_EINVAL);
	assert_non_null(strstr(err.message, "exists and is not a regular file (a symbolic link)"));
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(snpm_io_write_file(sub, "x", 1, 0644, &err), SNPM_EINVAL);
	assert_non_null(strstr(err.message, "(a folder)"));
	/* A device is written through, and stays a device. */
	assert_int_equal(snpm_io_write_file("/dev/null", "x", 1, 0644, &err), 0);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	entries_are(sub, 3);
	free(sub), free(file), free(link), free(target);
}

/*
 * Outputs committed together: when the second cannot be placed (a folder appeared at its name),
 * the first is undone — the file it replaced comes back — and no temporary is left.
 */
static void test_commit_all(void **state)
{
	char *sub = path_in("pair"), *a, *b;
	struct snpm_io_out out[2];
	struct snpm_io_out *outs[2] = { &out[0], &out[1] };
	struct snpm_error err;
	size_t failed = 9, len;
	uint8_t *data;

	(void)state;
	mkdir(sub, 0755);
	assert_true(asprintf(&a, "%s/a", sub) > 0);
	assert_true(asprintf(&b, "%s/b", sub) > 0);
	tu_write_file(a, "old-a", 5);
	assert_int_equal(snpm_io_out_open(a, &out[0], &err), 0);
	assert_int_equal(snpm_io_out_write(&out[0], "new-a", 5, &err), 0);
	assert_int_equal(snpm_io_out_open(b, &out[1], &err), 0);
	assert_int_equal(snpm_io_out_write(&out[1], "new-b", 5, &err), 0);
	assert_int_equal(mkdir(b, 0755), 0);
	assert_int_equal(snpm_io_out_commit_all(outs, 2, 0644, &failed, &err), SNPM_EINVAL);
	assert_int_equal(failed, 1);
	assert_non_null(strstr(err.message, "not a regular file"));
	data = tu_read_file(a, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "old-a", 5);
	free(data);
	entries_are(sub, 2); /* a and the folder b, nothing else */
	/* Both land when both can; the old a is gone with the temporaries. */
	assert_int_equal(rmdir(b), 0);
	assert_int_equal(snpm_io_out_open(a, &out[0], &err), 0);
	assert_int_equal(snpm_io_out_write(&out[0], "new-a", 5, &err), 0);
	assert_int_equal(snpm_io_out_open(b, &out[1], &err), 0);
	assert_int_equal(snpm_io_out_write(&out[1], "new-b", 5, &err), 0);
	assert_int_equal(snpm_io_out_commit_all(outs, 2, 0644, &failed, &err), 0);
	data = tu_read_file(a, &len);
	assert_memory_equal(data, "new-a", 5);
	free(data);
	entries_are(sub, 2);
	free(sub), free(a), free(b);
}

/* More temporaries than the registry holds: an error, never a silent drop. */
static void test_registry_full(void **state)
{
	struct snpm_io_out out[80];
	struct snpm_error err;
	char *sub = path_in("many"), name[600];
	size_t opened = 0;
	int r = 0;

	(void)state;
	mkdir(sub, 0755);
	while (opened < 80) {
		snprintf(name, sizeof(name), "%s/f%zu", sub, opened);
		r = snpm_io_out_open(name, &out[opened], &err);
		if (r < 0)
			break;
		opened++;
	}
	assert_int_equal(r, SNPM_ERANGE);
	assert_int_equal(opened, 64);
	assert_non_null(strstr(err.message, "more than 64 temporary"));
	/* The cleanup a signal handler runs removes every one of them. */
	snpm_io_cleanup();
	entries_are(sub, 0);
	for (size_t i = 0; i < opened; i++)
		snpm_io_out_abort(&out[i]);
	free(sub);
}

static void test_inputs(void **state)
{
	char *fifo = path_in("fifo"), *file = path_in("in");
	struct snpm_error err;
	uint8_t *buf, digest[32];
	size_t len;

	(void)state;
	tu_write_file(file, "abc", 3);
	assert_int_equal(snpm_io_read_all(file, SNPM_IO_REGULAR, 2, &buf, &len, &err), SNPM_ERANGE);
	assert_int_equal(snpm_io_read_all(file, SNPM_IO_REGULAR, 3, &buf, &len, &err), 0);
	free(buf);
	/* A FIFO: refused where only files make sense, without waiting for a writer. */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(snpm_io_read_all(fifo, SNPM_IO_REGULAR, 10, &buf, &len, &err),
			 SNPM_EINVAL);
	assert_non_null(strstr(err.message, "not a regular file (a pipe)"));
	/* A character device is a stream under the caps: /dev/null is empty, /dev/zero endless. */
	assert_int_equal(snpm_io_read_all("/dev/zero", SNPM_IO_PIPES, 10, &buf, &len, &err),
			 SNPM_ERANGE);
	assert_int_equal(snpm_io_read_all("/dev/null", SNPM_IO_PIPES, 10, &buf, &len, &err), 0);
	assert_int_equal(len, 0);
	free(buf);
	assert_int_equal(snpm_io_read_all("/dev/null", SNPM_IO_REGULAR, 10, &buf, &len, &err),
			 SNPM_EINVAL);
	assert_non_null(strstr(err.message, "character device"));
	assert_int_equal(snpm_io_read_all(dir, SNPM_IO_REGULAR, 10, &buf, &len, &err), SNPM_EIO);
	/* procfs claims size 0 and then delivers bytes: a file that changed while read. */
	assert_int_equal(snpm_io_hash("/proc/self/status", SNPM_IO_REGULAR, SNPM_HASH_SHA256,
				      UINT64_MAX, digest, NULL, &err),
			 SNPM_EIO);
	assert_non_null(strstr(err.message, "changed while being read"));
	/* A symlink where links are not followed. */
	char *link = path_in("in-link");
	assert_int_equal(symlink(file, link), 0);
	assert_int_equal(snpm_io_hash(link, SNPM_IO_REGULAR | SNPM_IO_NOFOLLOW, SNPM_HASH_SHA256,
				      UINT64_MAX, digest, NULL, &err),
			 SNPM_EINVAL);
	assert_non_null(strstr(err.message, "symbolic link"));
	free(fifo), free(file), free(link);
}

static void test_folders(void **state)
{
	char *target = path_in("bundle"), *inner;
	struct snpm_io_dir d;
	struct snpm_error err;

	(void)state;
	assert_int_equal(snpm_io_dir_open(target, &d, &err), 0);
	assert_true(asprintf(&inner, "%s/x", d.tmp) > 0);
	tu_write_file(inner, "x", 1);
	/* Something appeared at the target meanwhile: not replaced, and the temporary goes. */
	mkdir(target, 0755);
	assert_int_equal(snpm_io_dir_commit(&d, &err), SNPM_EIO);
	assert_int_equal(access(d.tmp, F_OK), -1);
	rmdir(target);
	assert_int_equal(snpm_io_dir_open(target, &d, &err), 0);
	assert_int_equal(snpm_io_dir_commit(&d, &err), 0);
	assert_int_equal(snpm_io_dir_open(target, &d, &err), SNPM_EINVAL);
	assert_non_null(strstr(err.message, "already exists"));
	free(target), free(inner);
}

static void test_pread_short(void **state)
{
	char *file = path_in("short");
	uint8_t buf[8];
	int fd;

	(void)state;
	tu_write_file(file, "1234", 4);
	fd = open(file, O_RDONLY);
	assert_true(fd >= 0);
	errno = 0;
	assert_int_equal(snpm_io_pread_all(fd, buf, 8, 0), -1);
	assert_int_equal(errno, ENODATA);
	assert_int_equal(snpm_io_pread_all(fd, buf, 4, 0), 0);
	close(fd);
	free(file);
}

/* ---- through snpimage ---- */

static struct tu_run img(const char *first, ...)
{
	const char *argv[32] = { SNPM_IMAGE_CLI, first };
	struct tu_run r;
	va_list ap;
	int n = 2;

	va_start(ap, first);
	while ((argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	tu_run((char *const *)argv, &r);
	return r;
}

static void expect_img_refusal(struct tu_run r, const char *needle)
{
	if (r.status == 0 || *r.out || !strstr(r.err, needle))
		fail_msg("status %d, stdout '%s', stderr '%s' (wanted '%s')", r.status, r.out,
			 r.err, needle);
	tu_run_free(&r);
}

static char *small_tree(const char *name)
{
	char *t = path_in(name), p[600];

	mkdir(t, 0755);
	snprintf(p, sizeof(p), "%s/hello", t);
	tu_write_file(p, "hello\n", 6);
	return t;
}

static void test_snpimage_outputs(void **state)
{
	char *tree = small_tree("otree"), *link = path_in("o-link"), *target = path_in("o-target");
	char *list = path_in("nul.list"), *plist = path_in("proc.list"), *out = path_in("o.cpio");
	struct stat st;
	struct tu_run r;

	(void)state;
	/* /dev/null stays the device (as root, a rename would have replaced it). */
	r = img("initramfs", tree, "-o", "/dev/null", NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	/* /dev/stdout, a link to our stdout: written through, the link stays. */
	r = img("initramfs", tree, "-o", "/dev/stdout", "--compress", "none", NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(memcmp(r.out, "070701", 6), 0);
	tu_run_free(&r);
	assert_int_equal(lstat("/dev/stdout", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* A symlink is not renamed over; what it points at is untouched. */
	tu_write_file(target, "keep", 4);
	assert_int_equal(symlink(target, link), 0);
	expect_img_refusal(img("initramfs", tree, "-o", link, NULL), "symbolic link");
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* A list with a NUL byte, and a source that changes while it is archived. */
	tu_write_file(list, "dir /a 0755 0 0\n\0dir /b 0755 0 0\n", 33);
	expect_img_refusal(img("initramfs", "--list", list, "-o", out, NULL), "NUL bytes");
	tu_write_file(plist, "file /s /proc/self/status 0644 0 0\n", 35);
	expect_img_refusal(img("initramfs", "--list", plist, "-o", out, NULL),
			   "changed while being read");
	assert_int_equal(access(out, F_OK), -1);
	free(tree), free(link), free(target), free(list), free(plist), free(out);
}

static void test_verity_inline_restored(void **state)
{
	char *data = path_in("inline.img");
	uint8_t *buf = calloc(1, 8 << 20);
	struct stat st;
	struct tu_run r;

	(void)state;
	tu_need_program("/usr/bin/prlimit", "util-linux");
	tu_write_file(data, buf, 8 << 20);
	free(buf);
	/* Room for the data, not for the tree after it: the data keeps its length. */
	const char *argv[] = { "/usr/bin/prlimit",
			       "--fsize=8400000",
			       SNPM_IMAGE_CLI,
			       "verity",
			       "format",
			       data,
			       data,
			       "--hash-offset",
			       "8388608",
			       "--data-blocks",
			       "2048",
			       "--salt",
			       "-",
			       NULL };
	tu_run((char *const *)argv, &r);
	assert_int_not_equal(r.status, 0);
	tu_run_free(&r);
	assert_int_equal(stat(data, &st), 0);
	assert_int_equal(st.st_size, 8 << 20);
	tu_no_temporaries(dir);
	free(data);
}

static void test_rootfs_inputs(void **state)
{
	char *tree = small_tree("rtree"), *inside, *out = path_in("r.img");
	struct tu_run r;

	(void)state;
	tu_need_program("/usr/bin/mksquashfs", "squashfs-tools");
	assert_true(asprintf(&inside, "%s/self.img", tree) > 0);
	expect_img_refusal(img("rootfs", tree, "-o", inside, NULL), "inside the tree");
	/* A path that looks like an option is still a path. */
	struct tu_run d;
	const char *argv[] = { SNPM_IMAGE_CLI, "rootfs", "rtree", "-o", "-dash.img", NULL };
	tu_run_in(dir, (char *const *)argv, &d);
	if (d.status != 0)
		fail_msg("rootfs -o -dash.img: %s", d.err);
	tu_run_free(&d);
	char *dash = path_in("-dash.img");
	assert_int_equal(access(dash, F_OK), 0);
	/* verity verify of a file with no tree: refused, the mismatch never read unset (UBSan). */
	expect_img_refusal(img("verity", "verify", out, out, "00", NULL), "r.img: cannot open");
	/* Inputs are regular files: an endless device is refused at once. */
	r = img("bundle", "--kernel", "/dev/zero", "--initramfs", tree, "--rootfs", "/dev/zero",
		"--ovmf", "/dev/zero", "--cmdline", "roothash={roothash}", "-o", out, NULL);
	assert_int_not_equal(r.status, 0);
	tu_run_free(&r);
	assert_int_equal(access(out, F_OK), -1);
	free(tree), free(inside), free(out), free(dash);
}

/* snpimage verify reads a bundle's own files only: links and FIFOs are reported, never followed
 * or waited on, and a file the bundle does not have is named. */
static void test_bundle_files_only(void **state)
{
	char *kat_path = tu_source_path("vectors/launch-digest-kat.json");
	struct json_object *kat = json_object_from_file(kat_path);
	char *ovmf = tu_kat_file(json_object_object_get(kat, "inputs"), dir, "dev_amdsev_256k.fd");
	char *kernel = path_in("b-kernel"), *init = path_in("b-init"), *root = path_in("b-root");
	char *out = path_in("b-out"), *extra, *k, *outside = path_in("b-outside");
	uint8_t blob[8192] = { 1, 2, 3 };
	struct tu_run r;

	(void)state;
	tu_write_bzimage(kernel, 3, 65536);
	tu_write_file(init, blob, 512);
	tu_write_file(root, blob, sizeof(blob));
	r = img("bundle", "--kernel", kernel, "--initramfs", init, "--rootfs", root, "--ovmf", ovmf,
		"--cmdline", "ro roothash={roothash}", "-o", out, NULL);
	if (r.status != 0)
		fail_msg("bundle: %s", r.err);
	tu_run_free(&r);
	/* The bundle's rootfs.img already ends in a tree: given back as a rootfs, refused. */
	char *with_tree;
	assert_true(asprintf(&with_tree, "%s/rootfs.img", out) > 0);
	char *out2 = path_in("b-out2");
	expect_img_refusal(img("bundle", "--kernel", kernel, "--initramfs", init, "--rootfs",
			       with_tree, "--ovmf", ovmf, "--cmdline", "ro roothash={roothash}",
			       "-o", out2, NULL),
			   "already ends in a verity tree (superblock at offset 8192)");
	assert_int_equal(access(out2, F_OK), -1);
	free(with_tree), free(out2);
	/* Again: the message names the folder, with its separator. */
	expect_img_refusal(img("bundle", "--kernel", kernel, "--initramfs", init, "--rootfs", root,
			       "--ovmf", ovmf, "--cmdline", "ro roothash={roothash}", "-o", out,
			       NULL),
			   "b-out: already exists");
	assert_true(asprintf(&extra, "%s/notes.txt", out) > 0);
	assert_true(asprintf(&k, "%s/kernel", out) > 0);
	tu_write_file(extra, "x", 1);
	r = img("verify", out, NULL);
	assert_int_equal(r.status, 3); /* does not match / verify */
	assert_non_null(strstr(r.out, "notes.txt"));
	assert_non_null(strstr(r.out, "is not part of a bundle"));
	tu_run_free(&r);
	unlink(extra);
	/* The kernel as a link to an identical copy outside: still refused. */
	uint8_t *kb;
	size_t klen;
	kb = tu_read_file(k, &klen);
	tu_write_file(outside, kb, klen);
	free(kb);
	unlink(k);
	assert_int_equal(symlink(outside, k), 0);
	r = img("verify", out, NULL);
	assert_int_equal(r.status, 3); /* does not match / verify */
	assert_non_null(strstr(r.out, "symbolic link"));
	tu_run_free(&r);
	/* A FIFO: reported at once, not waited on. */
	unlink(k);
	assert_int_equal(mkfifo(k, 0644), 0);
	r = img("verify", out, NULL);
	assert_int_equal(r.status, 3); /* does not match / verify */
	assert_non_null(strstr(r.out, "not a regular file"));
	tu_run_free(&r);
	json_object_put(kat);
	free(kat_path), free(ovmf), free(kernel), free(init), free(root), free(out), free(extra);
	free(k), free(outside);
}

/* A full disk during initramfs and bundle: the reason, not "(null)" or a stale errno. */
static void test_full_disk_messages(void **state)
{
	char *tree = small_tree("fdtree"), *out = path_in("fd.cpio"), p[600];
	uint8_t *blob = malloc(4 << 20);
	struct tu_run r;

	(void)state;
	tu_need_program("/usr/bin/prlimit", "util-linux");
	assert_non_null(blob);
	for (size_t i = 0; i < (4u << 20); i++)
		blob[i] = (uint8_t)(i * 2654435761u >> 13);
	snprintf(p, sizeof(p), "%s/blob", tree);
	tu_write_file(p, blob, 4 << 20);
	free(blob);
	const char *argv[] = { "/usr/bin/prlimit",
			       "--fsize=65536",
			       SNPM_IMAGE_CLI,
			       "initramfs",
			       tree,
			       "-o",
			       out,
			       "--compress",
			       "none",
			       NULL };
	tu_run((char *const *)argv, &r);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "File too large"));
	assert_null(strstr(r.err, "(null)"));
	tu_run_free(&r);
	assert_int_equal(access(out, F_OK), -1);
	tu_no_temporaries(dir);
	free(tree), free(out);
}

/* verity verify takes --root-hash-file in place of the root hash, as veritysetup does, and
 * with --json says "no" as JSON. */
static void test_verity_verify_forms(void **state)
{
	char *data = path_in("vv.img"), *hash = path_in("vv.hash"), *rootf = path_in("vv.root");
	char *wrong = path_in("vv.wrong");
	uint8_t blob[16384] = { 7 };
	struct tu_run r;

	(void)state;
	tu_write_file(data, blob, sizeof(blob));
	r = img("verity", "format", data, hash, "--salt", "-", "--root-hash-file", rootf, NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	r = img("verity", "verify", data, hash, "--root-hash-file", rootf, "--json", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"pass\":true"));
	tu_run_free(&r);
	tu_write_file(wrong, "0000000000000000000000000000000000000000000000000000000000000000\n",
		      65);
	r = img("verity", "verify", data, hash, "--root-hash-file", wrong, "--json", NULL);
	assert_int_equal(r.status, 3); /* does not match / verify */
	assert_non_null(strstr(r.out, "\"pass\":false"));
	assert_non_null(strstr(r.out, "\"reason\""));
	tu_run_free(&r);
	free(data), free(hash), free(rootf), free(wrong);
}

/* As non-root, mksquashfs would put an unreadable file in the image as an empty one: refused. */
static void test_rootfs_unreadable_as_user(void **state)
{
	char *tree = small_tree("utree"), *out = path_in("uout"), file[600], img[600];
	struct tu_run r;

	(void)state;
	tu_need_program("/usr/bin/setpriv", "util-linux");
	tu_need_program("/usr/bin/mksquashfs", "squashfs-tools");
	assert_int_equal(chmod(dir, 0755), 0);
	mkdir(out, 01777);
	assert_int_equal(chmod(out, 01777), 0);
	snprintf(file, sizeof(file), "%s/secret", tree);
	tu_write_file(file, "secret", 6);
	assert_int_equal(chmod(file, 0), 0);
	snprintf(img, sizeof(img), "%s/r.img", out);
	const char *argv[] = { "/usr/bin/setpriv",
			       "--reuid=nobody",
			       "--regid=nogroup",
			       "--clear-groups",
			       SNPM_IMAGE_CLI,
			       "rootfs",
			       tree,
			       "-o",
			       img,
			       NULL };
	tu_run((char *const *)argv, &r);
	if (r.status != 1 || !strstr(r.err, "secret: cannot be read"))
		fail_msg("status %d, stderr '%s'", r.status, r.err);
	tu_run_free(&r);
	assert_int_equal(access(img, F_OK), -1);
	entries_are(out, 0);
	assert_int_equal(chmod(dir, 0700), 0);
	free(tree), free(out);
}

/* Whether any process named comm runs (the filesystem tools a killed snpimage started). */
static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&t, NULL);
}

/* Whether a live process named comm has `arg` among its arguments (so a test's own children
 * are told apart from those of anything else running on the machine). */
static bool process_running(const char *comm, const char *arg)
{
	DIR *d = opendir("/proc");
	bool found = false;

	assert_non_null(d);
	for (struct dirent *e; !found && (e = readdir(d));) {
		char path[300], name[64] = "", args[4096];
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		/* /proc/PID/stat: "PID (comm) STATE ..."; a zombie is dead, only not yet reaped
		 * (here by a PID 1 that may never reap it). */
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		char line[256] = "", *close_paren;
		if (f && fgets(line, sizeof(line), f) && (close_paren = strrchr(line, ')')) &&
		    close_paren[1] == ' ' && close_paren[2] != 'Z' && strchr(line, '(')) {
			snprintf(name, sizeof(name), "%.*s",
				 (int)(close_paren - strchr(line, '(') - 1), strchr(line, '(') + 1);
			found = strcmp(name, comm) == 0;
		}
		if (f)
			fclose(f);
		if (!found)
			continue;
		/* /proc/PID/cmdline: the arguments, NUL-separated */
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		f = fopen(path, "r");
		size_t n = f ? fread(args, 1, sizeof(args) - 1, f) : 0;
		if (f)
			fclose(f);
		found = false;
		for (size_t at = 0; at < n; at += strlen(args + at) + 1) {
			args[n] = '\0';
			if (strstr(args + at, arg))
				found = true;
		}
	}
	closedir(d);
	return found;
}

/* Waits up to two seconds for the process to go (a killed parent's children get SIGKILL from
 * the kernel, but not in the same instant). */
static bool process_stays(const char *comm, const char *arg)
{
	for (int i = 0; i < 20; i++) {
		if (!process_running(comm, arg))
			return false;
		sleep_ms(100);
	}
	return true;
}

/* Runs argv in the background, signals it after ms, and checks it died of that signal. */
static void interrupt(const char *const argv[], int sig, long ms)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 0), dup2(devnull, 1), dup2(devnull, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	sleep_ms(ms);
	kill(pid, sig);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != sig)
		fail_msg("%s %s: wanted death by signal %d, got status 0x%x", argv[1], argv[2], sig,
			 st);
}

/* SIGINT, SIGTERM, SIGHUP and SIGPIPE during each snpimage verb: nothing stays in the output's
 * folder, and no mksquashfs outlives snpimage. */
static void test_signals_every_verb(void **state)
{
	char *big = path_in("sigtree"), *file, *out = path_in("sigout"), *kernel, *ovmf, *sparse;
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	uint8_t *junk = malloc(64 << 20);
	char o1[600], o2[600], o3[600], o4[600];

	(void)state;
	tu_need_program("/usr/bin/mksquashfs", "squashfs-tools");
	mkdir(big, 0755);
	mkdir(out, 0755);
	/* 192 MiB that does not compress: seconds of work for gzip -9 and mksquashfs. */
	assert_non_null(junk);
	for (int i = 0; i < 3; i++) {
		char name[40];
		snprintf(name, sizeof(name), "sigtree/blob%d", i);
		file = path_in(name);
		int fd = open("/dev/urandom", O_RDONLY);
		assert_true(fd >= 0);
		for (size_t got = 0; got < (64u << 20);) {
			ssize_t n = read(fd, junk + got, (64u << 20) - got);
			assert_true(n > 0);
			got += (size_t)n;
		}
		close(fd);
		tu_write_file(file, junk, 64 << 20);
		free(file);
	}
	free(junk);
	kernel = path_in("sig-kernel");
	tu_write_bzimage(kernel, 3, 65536);
	ovmf = tu_source_path("tests/fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin");
	sparse = path_in("sig-sparse.img");
	int fd = open(sparse, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0 && ftruncate(fd, 16ll << 30) == 0);
	close(fd);
	snprintf(o1, sizeof(o1), "%s/initramfs.gz", out);
	snprintf(o2, sizeof(o2), "%s/rootfs.img", out);
	snprintf(o3, sizeof(o3), "%s/sparse.hash", out);
	snprintf(o4, sizeof(o4), "%s/bundle", out);
	const char *const initramfs[] = { SNPM_IMAGE_CLI, "initramfs", big, "-o", o1, NULL };
	const char *const rootfs[] = { SNPM_IMAGE_CLI, "rootfs", big, "-o", o2, "--verity", NULL };
	const char *const verity[] = { SNPM_IMAGE_CLI, "verity", "format",    sparse, o3,
				       "--salt",       "-",	 "--threads", "1",    NULL };
	for (size_t i = 0; i < 4; i++) {
		interrupt(initramfs, sigs[i], 700);
		entries_are(out, 0);
		interrupt(rootfs, sigs[i], 700);
		assert_false(process_stays("mksquashfs", out));
		entries_are(out, 0);
		interrupt(verity, sigs[i], 300);
		entries_are(out, 0);
	}
	/* A bundle of a tree that takes many seconds: its temporary folder goes with it, at the
	 * start and seconds into the work. */
	const char *const bundle[] = { SNPM_IMAGE_CLI, "bundle", "--kernel",  kernel,
				       "--initramfs",  big,	 "--rootfs",  big,
				       "--ovmf",       ovmf,	 "--cmdline", "roothash={roothash}",
				       "-o",	       o4,	 NULL };
	interrupt(bundle, SIGTERM, 700);
	entries_are(out, 0);
	interrupt(bundle, SIGINT, 4000);
	assert_false(process_stays("mksquashfs", out));
	entries_are(out, 0);
	free(big), free(out), free(kernel), free(ovmf), free(sparse);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outputs),
		cmocka_unit_test(test_commit_all),
		cmocka_unit_test(test_registry_full),
		cmocka_unit_test(test_inputs),
		cmocka_unit_test(test_folders),
		cmocka_unit_test(test_pread_short),
		cmocka_unit_test(test_snpimage_outputs),
		cmocka_unit_test(test_verity_inline_restored),
		cmocka_unit_test(test_rootfs_inputs),
		cmocka_unit_test(test_bundle_files_only),
		cmocka_unit_test(test_rootfs_unreadable_as_user),
		cmocka_unit_test(test_verity_verify_forms),
		cmocka_unit_test(test_full_disk_messages),
		cmocka_unit_test(test_signals_every_verb),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
