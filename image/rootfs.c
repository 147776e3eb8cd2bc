/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reproducible rootfs images built by mksquashfs or mkfs.erofs with the flags that pin every
 * variable input (owners, times, UUID, xattrs, thread count), then padded to 4 KiB and given a
 * dm-verity tree at the end, superblock first (the layout dstack boots).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <snpm/image.h>

#include "../ovmf/internal.h"
#include "internal.h"

extern char **environ;

#define ALIGN 4096u

/*
 * The environment for the tools, without SOURCE_DATE_EPOCH: the times are given as options, and
 * mksquashfs refuses to run with both.
 */
static char **tool_environ(void)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 1, sizeof(*env));
	for (size_t i = 0; env && i < n; i++)
		if (strncmp(environ[i], "SOURCE_DATE_EPOCH=", 18) != 0)
			env[k++] = environ[i];
	return env;
}

/* Runs argv with stdout and stderr to /dev/null; returns its exit status or -errno. */
static int run_tool(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	char **env = tool_environ();
	pid_t pid;
	int st, r;

	if (!env)
		return -ENOMEM;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	if (r != 0)
		return -r;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs argv with stdout and stderr into out (first line kept). */
static int run_capture(char *const argv[], char *out, size_t size)
{
	posix_spawn_file_actions_t fa;
	int fds[2], st, r;
	pid_t pid;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (r != 0) {
		close(fds[0]);
		return -r;
	}
	n = read(fds[0], out, size - 1);
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

int snpm_rootfs_tool_version(enum snpm_rootfs_fs fs, char *out, size_t size,
			     struct snpm_error *reterr)
{
	char dir[] = "/tmp/snpm-erofs-XXXXXX", img[PATH_MAX];
	int r;

	if (size == 0)
		return snpm_fail(reterr, SNPM_EINVAL, "no room for the version");
	if (fs == SNPM_FS_SQUASHFS) {
		char *const argv[] = { "mksquashfs", "-version", NULL };
		r = run_capture(argv, out, size);
	} else if (!mkdtemp(dir)) {
		r = -errno;
	} else {
		/* mkfs.erofs 1.5 has no version option; it names itself when it runs. */
		snprintf(img, sizeof(img), "%s.img", dir);
		char *const argv[] = { "mkfs.erofs", img, dir, NULL };
		r = run_capture(argv, out, size);
		unlink(img);
		rmdir(dir);
	}
	if (r < 0)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "%s is not installed",
				 fs == SNPM_FS_EROFS ? "mkfs.erofs" : "mksquashfs");
	return 0;
}

static int build_fs(const char *dir, const char *img, const struct snpm_rootfs_options *o,
		    struct snpm_error *reterr)
{
	char epoch[32], tflag[40];
	int r;

	snprintf(epoch, sizeof(epoch), "%lld", (long long)o->source_date_epoch);
	snprintf(tflag, sizeof(tflag), "-T%lld", (long long)o->source_date_epoch);
	if (o->fs == SNPM_FS_SQUASHFS) {
		char *argv[] = { "mksquashfs",	(char *)dir,  (char *)img, "-noappend", "-all-root",
				 "-no-xattrs",	"-mkfs-time", epoch,	   "-all-time", epoch,
				 "-processors", "1",	      "-quiet",	   NULL };
		r = run_tool(argv);
		if (r == -ENOENT)
			return snpm_fail(
				reterr, SNPM_EUNSUPPORTED,
				"mksquashfs is not installed (Debian package squashfs-tools)");
	} else {
		char *argv[] = { "mkfs.erofs",
				 tflag,
				 "--all-root",
				 "-x-1",
				 "-U00000000-0000-0000-0000-000000000000",
				 (char *)img,
				 (char *)dir,
				 NULL };
		r = run_tool(argv);
		if (r == -ENOENT)
			return snpm_fail(
				reterr, SNPM_EUNSUPPORTED,
				"mkfs.erofs is not installed (Debian package erofs-utils)");
	}
	if (r != 0)
		return snpm_fail(reterr, SNPM_EIO, "%s failed (%s %d)",
				 o->fs == SNPM_FS_SQUASHFS ? "mksquashfs" : "mkfs.erofs",
				 r < 0 ? "error" : "exit status", r < 0 ? -r : r);
	return 0;
}

int snpm_rootfs_create(const char *dir, const char *out, const struct snpm_rootfs_options *opts,
		       struct snpm_rootfs_result *ret, struct snpm_error *reterr)
{
	struct snpm_rootfs_result res = { 0 };
	struct snpm_verity_params vp;
	char tmp[PATH_MAX];
	struct stat st;
	int fd, r;

	if (!dir || !out || !opts || (opts->fs != SNPM_FS_SQUASHFS && opts->fs != SNPM_FS_EROFS))
		return snpm_fail(reterr, SNPM_EINVAL,
				 "rootfs needs a folder, an output and a type");
	if (opts->source_date_epoch < 0)
		return snpm_fail(reterr, SNPM_EINVAL, "SOURCE_DATE_EPOCH must not be negative");
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return snpm_fail(reterr, SNPM_EINVAL, "%s: not a folder", dir);
	fd = snpm_tmp_open(out, tmp, sizeof(tmp));
	if (fd < 0)
		return snpm_fail(reterr, SNPM_EIO, "%s: cannot create a temporary file: %s", out,
				 strerror(errno));
	r = build_fs(dir, tmp, opts, reterr);
	if (r == 0 && fstat(fd, &st) < 0)
		r = snpm_fail(reterr, SNPM_EIO, "%s", strerror(errno));
	/* The tool wrote through its own descriptor; pad the image to whole 4 KiB blocks. */
	res.data_size = ((uint64_t)st.st_size + ALIGN - 1) / ALIGN * ALIGN;
	if (r == 0 && ftruncate(fd, (off_t)res.data_size) < 0)
		r = snpm_fail(reterr, SNPM_EIO, "%s", strerror(errno));
	res.size = res.data_size;
	if (r == 0 && opts->verity) {
		vp = opts->verity_params;
		vp.hash_offset = res.data_size;
		vp.data_blocks = res.data_size / vp.data_block_size;
		r = snpm_verity_format(tmp, tmp, &vp, &res.verity, reterr);
		res.size = res.verity.hash_end;
	}
	r = snpm_tmp_commit(fd, tmp, out, r, reterr);
	if (r == 0 && ret)
		*ret = res;
	return r;
}
