/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <snpm/image.h>

#include "reader.h"
#include "../image/internal.h" /* the temporary registry, until one I/O layer serves all */

#define READ_CHUNK (1024u * 1024u)

/* The library's error helpers are internal; the tools fill struct snpm_error themselves. */
__attribute__((format(printf, 4, 5))) static int io_fail(struct snpm_error *reterr, int code,
							 int err, const char *fmt, ...)
{
	va_list ap;

	if (reterr) {
		memset(reterr, 0, sizeof(*reterr));
		reterr->code = code;
		reterr->saved_errno = err;
		va_start(ap, fmt);
		vsnprintf(reterr->message, sizeof(reterr->message), fmt, ap);
		va_end(ap);
		if (err) {
			size_t n = strlen(reterr->message);
			snprintf(reterr->message + n, sizeof(reterr->message) - n, ": %s",
				 strerror(err));
		}
	}
	return code;
}

/* Standard input can feed one input only: a second reader would see it empty. */
static bool stdin_taken;

static int open_stdin(struct snpm_error *reterr)
{
	if (stdin_taken)
		return io_fail(reterr, SNPM_EINVAL, 0,
			       "standard input is already read for another input (at most one "
			       "input can be -)");
	stdin_taken = true;
	return STDIN_FILENO;
}

/* Named inputs are files or pipes: a device or socket is no image and may never end. */
static int check_input_type(const struct stat *st, struct snpm_error *reterr)
{
	if (S_ISDIR(st->st_mode))
		return io_fail(reterr, SNPM_EIO, EISDIR, "cannot read");
	if (S_ISREG(st->st_mode) || S_ISFIFO(st->st_mode))
		return 0;
	return io_fail(reterr, SNPM_EINVAL, 0, "not a regular file or a pipe (a %s)",
		       S_ISCHR(st->st_mode)  ? "character device" :
		       S_ISBLK(st->st_mode)  ? "block device" :
		       S_ISSOCK(st->st_mode) ? "socket" :
					       "special file");
}

static int open_input(const char *path, struct snpm_error *reterr)
{
	int fd, r;

	if (strcmp(path, "-") == 0)
		return open_stdin(reterr);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return io_fail(reterr, SNPM_EIO, errno, "cannot open");
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return io_fail(reterr, SNPM_EIO, e, "cannot stat");
	}
	r = check_input_type(&st, reterr);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static void close_input(int fd)
{
	if (fd != STDIN_FILENO)
		close(fd);
}

/* read() that retries on EINTR; returns bytes read, 0 at end, -1 on error. */
static ssize_t read_some(int fd, uint8_t *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/* A regular file's identity and size, to notice it changing while it is read. */
struct snapshot {
	bool regular;
	off_t size;
	struct timespec mtime;
};

static void snap(int fd, struct snapshot *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		s->regular = true;
		s->size = st.st_size;
		s->mtime = st.st_mtim;
	}
}

static bool changed(int fd, const struct snapshot *before, uint64_t bytes_read)
{
	struct snapshot after;

	if (!before->regular)
		return false;
	snap(fd, &after);
	return after.size != before->size || (uint64_t)before->size != bytes_read ||
	       after.mtime.tv_sec != before->mtime.tv_sec ||
	       after.mtime.tv_nsec != before->mtime.tv_nsec;
}

int tool_read_file(const char *path, size_t max, uint8_t **ret_buf, size_t *ret_len,
		   struct snpm_error *reterr)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	struct snapshot before;
	int fd = open_input(path, reterr);

	if (fd < 0)
		return fd;
	snap(fd, &before);
	/* A regular file too large is refused before a byte is read. */
	if (before.regular && (uint64_t)before.size > max) {
		close_input(fd);
		return io_fail(reterr, SNPM_ERANGE, 0,
			       "file of %lld bytes is larger than the %zu-byte limit",
			       (long long)before.size, max);
	}
	for (;;) {
		if (len == cap) {
			size_t next = cap ? cap * 2 : 64 * 1024;
			if (cap > max) {
				free(buf);
				close_input(fd);
				return io_fail(reterr, SNPM_ERANGE, 0,
					       "file is larger than the %zu-byte limit", max);
			}
			uint8_t *p = realloc(buf, next);
			if (!p) {
				free(buf);
				close_input(fd);
				return io_fail(reterr, SNPM_ENOMEM, ENOMEM, "cannot read");
			}
			buf = p;
			cap = next;
		}
		ssize_t n = read_some(fd, buf + len, cap - len);
		if (n < 0) {
			int e = errno;
			free(buf);
			close_input(fd);
			return io_fail(reterr, SNPM_EIO, e, "cannot read");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (changed(fd, &before, len)) {
		free(buf);
		close_input(fd);
		return io_fail(reterr, SNPM_EIO, 0, "file changed while being read");
	}
	close_input(fd);
	if (len > max) {
		free(buf);
		return io_fail(reterr, SNPM_ERANGE, 0, "file is larger than the %zu-byte limit",
			       max);
	}
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

int tool_read_text(const char *path, size_t max, char **ret_text, struct snpm_error *reterr)
{
	uint8_t *data;
	size_t len;
	char *text;
	int r = tool_read_file(path, max, &data, &len, reterr);

	if (r < 0)
		return r;
	if (memchr(data, '\0', len)) {
		free(data);
		return io_fail(reterr, SNPM_EMALFORMED, 0, "not a text file (it holds NUL bytes)");
	}
	text = realloc(data, len + 1);
	if (!text) {
		free(data);
		return io_fail(reterr, SNPM_ENOMEM, ENOMEM, "cannot read");
	}
	text[len] = '\0';
	*ret_text = text;
	return 0;
}

int tool_hash_file(const char *path, enum snpm_hash_alg alg, uint64_t max, uint8_t *ret_digest,
		   uint64_t *ret_size, struct snpm_error *reterr)
{
	struct snpm_hash *h = NULL;
	uint64_t size = 0;
	uint8_t *buf;
	int r, fd = open_input(path, reterr);

	if (fd < 0)
		return fd;
	buf = malloc(READ_CHUNK);
	if (!buf) {
		close_input(fd);
		return io_fail(reterr, SNPM_ENOMEM, ENOMEM, "cannot read");
	}
	struct snapshot before;
	snap(fd, &before);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	r = snpm_hash_new(alg, &h, reterr);
	if (r == 0 && before.regular && (uint64_t)before.size > max)
		r = io_fail(reterr, SNPM_ERANGE, 0,
			    "file of %lld bytes is larger than the %llu-byte limit",
			    (long long)before.size, (unsigned long long)max);
	while (r == 0) {
		ssize_t n = read_some(fd, buf, READ_CHUNK);
		if (n < 0) {
			r = io_fail(reterr, SNPM_EIO, errno, "cannot read");
			break;
		}
		if (n == 0)
			break;
		size += (uint64_t)n;
		/* A stream with no end (a pipe from /dev/zero) stops at the limit. */
		if (size > max) {
			r = io_fail(reterr, SNPM_ERANGE, 0,
				    "input is larger than the %llu-byte limit",
				    (unsigned long long)max);
			break;
		}
		r = snpm_hash_update(h, buf, (size_t)n, reterr);
	}
	/* A digest of bytes that were changing would match no file: refuse it. */
	if (r == 0 && changed(fd, &before, size))
		r = io_fail(reterr, SNPM_EIO, 0, "file changed while being read");
	if (r == 0)
		r = snpm_hash_final(h, ret_digest, reterr);
	snpm_hash_free(h);
	free(buf);
	close_input(fd);
	if (r == 0 && ret_size)
		*ret_size = size;
	return r;
}

int tool_file_size(const char *path, uint64_t *ret_size, struct snpm_error *reterr)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return io_fail(reterr, SNPM_EIO, errno, "cannot stat");
	*ret_size = (uint64_t)st.st_size;
	return 0;
}

static int write_all(int fd, const uint8_t *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* An existing output must be a regular file: a folder, device, FIFO or symlink is not ours. */
static int check_replaceable(const char *path, struct snpm_error *reterr)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 :
					 io_fail(reterr, SNPM_EIO, errno, "%s: cannot stat", path);
	if (!S_ISREG(st.st_mode))
		return io_fail(reterr, SNPM_EINVAL, 0, "%s: exists and is not a regular file",
			       path);
	return 0;
}

int tool_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		      struct snpm_error *reterr)
{
	char tmp[PATH_MAX];
	int r = check_replaceable(path, reterr), fd;

	if (r < 0)
		return r;
	fd = snpm_output_open(path, tmp, sizeof(tmp));
	if (fd < 0)
		return io_fail(reterr, SNPM_EIO, errno, "cannot create a temporary file");
	if (write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0)
		r = io_fail(reterr, SNPM_EIO, errno, "cannot write");
	if (close(fd) < 0 && r == 0)
		r = io_fail(reterr, SNPM_EIO, errno, "cannot write");
	if (r == 0 && rename(tmp, path) < 0)
		r = io_fail(reterr, SNPM_EIO, errno, "cannot rename");
	if (r < 0)
		unlink(tmp);
	snpm_tmp_forget(tmp);
	return r;
}

static int write_new(int dirfd, const char *name, const void *data, size_t len,
		     struct snpm_error *reterr)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), r = 0;

	if (fd < 0)
		return io_fail(reterr, SNPM_EIO, errno, "%s: cannot create", name);
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0)
		r = io_fail(reterr, SNPM_EIO, errno, "%s: cannot write", name);
	if (close(fd) < 0 && r == 0)
		r = io_fail(reterr, SNPM_EIO, errno, "%s: cannot write", name);
	return r;
}

/* Undoes a set: the files already moved into place, then the temporary folder. */
static void drop_set(const char *tmpdir, int dirfd, const char *const *names, size_t n,
		     size_t moved)
{
	for (size_t i = 0; i < n; i++)
		unlinkat(dirfd, names[i], 0);
	for (size_t i = 0; i < moved; i++)
		unlink(names[i]);
	close(dirfd);
	rmdir(tmpdir);
	snpm_tmp_forget(tmpdir);
}

int tool_write_set(const char *const *names, const void *const *data, const size_t *lens, size_t n,
		   struct snpm_error *reterr)
{
	char tmpdir[] = ".snpm-out.tmpXXXXXX";
	size_t i;
	int dirfd, r = 0;

	for (i = 0; r == 0 && i < n; i++)
		r = check_replaceable(names[i], reterr);
	if (r < 0)
		return r;
	if (!mkdtemp(tmpdir))
		return io_fail(reterr, SNPM_EIO, errno, "cannot create a temporary folder here");
	snpm_tmp_register_dir(tmpdir);
	dirfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		r = io_fail(reterr, SNPM_EIO, errno, "cannot open the temporary folder");
		rmdir(tmpdir);
		snpm_tmp_forget(tmpdir);
		return r;
	}
	for (i = 0; r == 0 && i < n; i++)
		r = write_new(dirfd, names[i], data[i], lens[i], reterr);
	for (i = 0; r == 0 && i < n; i++)
		if (renameat(dirfd, names[i], AT_FDCWD, names[i]) < 0)
			r = io_fail(reterr, SNPM_EIO, errno, "%s: cannot rename", names[i]);
	if (r < 0) {
		drop_set(tmpdir, dirfd, names, n, i ? i - 1 : 0);
		return r;
	}
	close(dirfd);
	rmdir(tmpdir);
	snpm_tmp_forget(tmpdir);
	return 0;
}
