/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reproducible rootfs images built by mksquashfs or mkfs.erofs with the flags that pin every
 * variable input (owners, times, UUID, xattrs, thread count), then padded to 4 KiB and given a
 * dm-verity tree at the end, superblock first (the layout dstack boots).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <snpm/image.h>

#include "../core/core.h"
#include "../core/io.h"

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

/* The last lines a tool wrote on stderr, for the message when it fails. */
struct tail {
	char text[512];
	size_t len;
};

static void tail_add(struct tail *t, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (t->len == sizeof(t->text) - 1) {
			memmove(t->text, t->text + 128, t->len - 128);
			t->len -= 128;
		}
		t->text[t->len++] = buf[i] == '\n' ? ' ' : buf[i];
	}
	t->text[t->len] = '\0';
}

/*
 * Runs argv (stdin /dev/null, stdout discarded, stderr kept in tail); returns its exit status,
 * or -errno. The child dies with us (PR_SET_PDEATHSIG, and the I/O layer's registry for the
 * signal handlers), so an interrupted snpimage leaves no mksquashfs running.
 */
static int run_tool(char *const argv[], struct tail *tail, struct snpm_error *reterr)
{
	char **env = tool_environ();
	int fds[2], st, r;
	char buf[256];
	pid_t pid;
	ssize_t n;

	if (!env)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(env);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(fds[1], 2) < 0)
			_exit(126);
		execvpe(argv[0], argv, env);
		_exit(errno == ENOENT ? 127 : 126);
	}
	free(env);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return -errno;
	}
	r = snpm_io_child_register(pid, reterr);
	if (r < 0)
		kill(pid, SIGKILL);
	snpm_progress("building the filesystem image", 0, 0);
	while ((n = read(fds[0], buf, sizeof(buf))) != 0)
		if (n > 0)
			tail_add(tail, buf, (size_t)n);
		else if (errno != EINTR)
			break;
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			break;
	snpm_progress("building the filesystem image", 1, 1);
	snpm_io_child_forget(pid);
	if (r < 0)
		return r;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return -ENOENT;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A path the tools cannot take for an option: "-x" becomes "./-x". */
static const char *as_operand(const char *path, char *buf, size_t size)
{
	if (path[0] != '-')
		return path;
	snprintf(buf, size, "./%s", path);
	return buf;
}

/* ---- the source tree: readable throughout, and unchanged while the tool reads it ---- */

/* What a file was before the tool read it. */
struct seen {
	char *path;
	off_t size;
	struct timespec mtime, ctime;
};

struct tree_state {
	struct seen *v;
	size_t n, cap;
	bool compare; /* second walk: compare with v, in the same order */
	size_t at;
	struct snpm_error *err;
	int r;
};

/* nftw offers no context pointer: one walk at a time, as snpimage runs one rootfs at a time. */
static struct tree_state *walking;

static bool same_ts(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static int remember(const char *path, const struct stat *st)
{
	struct tree_state *t = walking;

	if (snpm_grow(&t->v, &t->cap, t->n, sizeof(*t->v), 256, t->err) < 0)
		return SNPM_ENOMEM;
	t->v[t->n] = (struct seen){ strdup(path), st->st_size, st->st_mtim, st->st_ctim };
	return t->v[t->n++].path ? 0 : snpm_fail(t->err, SNPM_ENOMEM, "out of memory");
}

static int compare(const char *path, const struct stat *st)
{
	struct tree_state *t = walking;
	const struct seen *s = t->at < t->n ? &t->v[t->at] : NULL;

	t->at++;
	if (!s || strcmp(s->path, path) != 0 || s->size != st->st_size ||
	    !same_ts(s->mtime, st->st_mtim) || !same_ts(s->ctime, st->st_ctim))
		return snpm_fail(t->err, SNPM_EIO,
				 "%s: changed while the image was built (the image would hold a "
				 "torn copy)",
				 s ? s->path : path);
	return 0;
}

/* Every file and folder must be readable: the tools would put an unreadable file in the image
 * as an empty one (mksquashfs as non-root) rather than fail. */
static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	struct tree_state *t = walking;
	int fd;

	(void)ftw;
	if (flag == FTW_DNR || flag == FTW_NS)
		return t->r = snpm_fail(t->err, SNPM_EIO, "%s: cannot be read", path);
	if (!t->compare && S_ISREG(st->st_mode)) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			return t->r = snpm_fail(t->err, SNPM_EIO, "%s: cannot be read: %s", path,
						strerror(errno));
		close(fd);
	}
	t->r = t->compare ? compare(path, st) : remember(path, st);
	return t->r ? 1 : 0;
}

static int walk(const char *dir, struct tree_state *t)
{
	walking = t;
	t->r = 0;
	t->at = 0;
	if (nftw(dir, visit, 32, FTW_PHYS) < 0 && t->r == 0)
		t->r = snpm_fail(t->err, SNPM_EIO, "%s: %s", dir, strerror(errno));
	walking = NULL;
	if (t->r == 0 && t->compare && t->at != t->n)
		t->r = snpm_fail(t->err, SNPM_EIO,
				 "%s: files were added or removed while the image was built", dir);
	return t->r;
}

static void tree_state_free(struct tree_state *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].path);
	free(t->v);
}

/* The image may not be written inside the tree it is made of (it would archive itself). */
static int check_out_of_tree(const char *dir, const char *out, struct snpm_error *reterr)
{
	char *copy = strdup(out), *real_dir = realpath(dir, NULL), *real_out = NULL;
	int r = 0;
	size_t n;

	if (copy)
		real_out = realpath(dirname(copy), NULL);
	if (!real_dir || !real_out) {
		r = snpm_fail(reterr, SNPM_EIO, "%s: %s", real_dir ? out : dir, strerror(errno));
	} else {
		n = strlen(real_dir);
		if (strncmp(real_out, real_dir, n) == 0 &&
		    (real_out[n] == '/' || real_out[n] == '\0' || n == 1))
			r = snpm_fail(reterr, SNPM_EINVAL,
				      "%s: the image would be written inside the tree %s", out,
				      dir);
	}
	free(copy), free(real_dir), free(real_out);
	return r;
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

static const char *tool_name(enum snpm_rootfs_fs fs)
{
	return fs == SNPM_FS_SQUASHFS ? "mksquashfs" : "mkfs.erofs";
}

static int build_fs(const char *dir, const char *img, const struct snpm_rootfs_options *o,
		    struct snpm_error *reterr)
{
	char epoch[32], tflag[40], dbuf[PATH_MAX + 2], ibuf[PATH_MAX + 2];
	const char *d = as_operand(dir, dbuf, sizeof(dbuf)),
		   *i = as_operand(img, ibuf, sizeof(ibuf));
	struct tail tail = { .len = 0 };
	int r;

	snprintf(epoch, sizeof(epoch), "%lld", (long long)o->source_date_epoch);
	snprintf(tflag, sizeof(tflag), "-T%lld", (long long)o->source_date_epoch);
	if (o->fs == SNPM_FS_SQUASHFS) {
		char *argv[] = { "mksquashfs",	(char *)d,    (char *)i, "-noappend", "-all-root",
				 "-no-xattrs",	"-mkfs-time", epoch,	 "-all-time", epoch,
				 "-processors", "1",	      "-quiet",	 NULL };
		r = run_tool(argv, &tail, reterr);
	} else {
		char *argv[] = { "mkfs.erofs",
				 tflag,
				 "--all-root",
				 "-x-1",
				 "-U00000000-0000-0000-0000-000000000000",
				 (char *)i,
				 (char *)d,
				 NULL };
		r = run_tool(argv, &tail, reterr);
	}
	if (r == -ENOENT)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "%s is not installed (Debian package %s)", tool_name(o->fs),
				 o->fs == SNPM_FS_SQUASHFS ? "squashfs-tools" : "erofs-utils");
	if (r == SNPM_ERANGE)
		return r;
	if (r != 0)
		return snpm_fail(reterr, SNPM_EIO, "%s failed (%s %d)%s%s", tool_name(o->fs),
				 r < 0 ? "error" : "exit status", r < 0 ? -r : r,
				 tail.len ? ": " : "", tail.text);
	return 0;
}

/* The image in the temporary file: padded to 4 KiB, then the verity tree appended. */
static int finish_image(struct snpm_io_out *out, const struct snpm_rootfs_options *opts,
			struct snpm_rootfs_result *res, struct snpm_error *reterr)
{
	struct snpm_verity_params vp = { .size = sizeof(vp) };
	struct stat st;
	int r = 0;

	if (fstat(out->fd, &st) < 0)
		return snpm_fail(reterr, SNPM_EIO, "%s", strerror(errno));
	/* The tool wrote through its own descriptor; pad the image to whole 4 KiB blocks. */
	res->data_size = ((uint64_t)st.st_size + ALIGN - 1) / ALIGN * ALIGN;
	if (ftruncate(out->fd, (off_t)res->data_size) < 0)
		return snpm_fail(reterr, SNPM_EIO, "%s", strerror(errno));
	res->size = res->data_size;
	if (opts->verity) {
		vp = opts->verity_params;
		vp.hash_offset = res->data_size;
		vp.data_blocks = res->data_size / vp.data_block_size;
		r = snpm_verity_format(out->tmp, out->tmp, &vp, &res->verity, reterr);
		res->size = res->verity.hash_end;
	}
	return r;
}

int snpm_rootfs_create(const char *dir, const char *out,
		       const struct snpm_rootfs_options *opts_given, struct snpm_rootfs_result *ret,
		       struct snpm_error *reterr)
{
	struct snpm_rootfs_options opts_copy = { .size = sizeof(opts_copy) };
	const struct snpm_rootfs_options *opts = &opts_copy;
	int sized = snpm_sized_in(opts_given, sizeof(opts_copy), &opts_copy, "snpm_rootfs_options",
				  reterr);
	struct snpm_rootfs_result res = { 0 };
	struct tree_state tree = { .err = reterr };
	struct snpm_io_out file;
	struct stat st;
	int r;

	if (sized < 0)
		return sized;

	if (!dir || !out || !opts || (opts->fs != SNPM_FS_SQUASHFS && opts->fs != SNPM_FS_EROFS))
		return snpm_fail(reterr, SNPM_EINVAL,
				 "rootfs needs a folder, an output and a type");
	if (opts->source_date_epoch < 0)
		return snpm_fail(reterr, SNPM_EINVAL, "SOURCE_DATE_EPOCH must not be negative");
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return snpm_fail(reterr, SNPM_EINVAL, "%s: not a folder", dir);
	r = check_out_of_tree(dir, out, reterr);
	if (r == 0)
		r = walk(dir, &tree);
	if (r == 0)
		r = snpm_io_name(out, snpm_io_out_open(out, &file, reterr), reterr);
	if (r < 0) {
		tree_state_free(&tree);
		return r;
	}
	if (file.through)
		r = snpm_fail(reterr, SNPM_EINVAL, "%s: a rootfs image is written to a file", out);
	if (r == 0)
		r = build_fs(dir, file.tmp, opts, reterr);
	tree.compare = true;
	if (r == 0)
		r = walk(dir, &tree);
	tree_state_free(&tree);
	if (r == 0)
		r = finish_image(&file, opts, &res, reterr);
	if (r == 0)
		r = snpm_io_name(out, snpm_io_out_commit(&file, 0644, reterr), reterr);
	else
		snpm_io_out_abort(&file);
	if (r == 0 && ret)
		*ret = res;
	return r;
}

static const struct snpm_name fs_names[] = {
	{ "squashfs", SNPM_FS_SQUASHFS, 0 },
	{ "erofs", SNPM_FS_EROFS, 0 },
	{ NULL, 0, 0 },
};

const struct snpm_name *snpm_rootfs_fs_names(void)
{
	return fs_names;
}
