/* SPDX-License-Identifier: Apache-2.0 */
/* The private I/O layer of io.h: inputs, outputs, folders, and what a signal must undo. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <snpm/common.h>

#include "core.h"
#include "io.h"

#define CHUNK (1u << 20)

/* ---- errors ---- */

__attribute__((format(printf, 4, 5))) static int io_fail(struct snpm_error *reterr, int code,
							 int err, const char *fmt, ...)
{
	char msg[SNPM_ERROR_MESSAGE_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err)
		snpm_fail(reterr, code, "%s: %s", msg, strerror(err));
	else
		snpm_fail(reterr, code, "%s", msg);
	if (reterr)
		reterr->saved_errno = err;
	return code;
}

int snpm_io_name(const char *name, int r, struct snpm_error *reterr)
{
	char msg[SNPM_ERROR_MESSAGE_SIZE];

	if (r < 0 && reterr && name) {
		/* A message cut short still ends in a NUL; the name comes first. */
		if (snprintf(msg, sizeof(msg), "%s: %s", name, reterr->message) < 0)
			return r;
		memcpy(reterr->message, msg, sizeof(msg));
	}
	return r;
}

/* ---- the registry: temporaries and children a signal handler must undo ---- */

#define MAX_REGISTERED 64

enum { SLOT_FREE = 0, SLOT_FILE, SLOT_DIR, SLOT_CHILD, SLOT_RMDIR, SLOT_BUSY };

static char slot_path[MAX_REGISTERED][PATH_MAX];
static pid_t slot_pid[MAX_REGISTERED];
static volatile sig_atomic_t slot_kind[MAX_REGISTERED];

/* A slot is claimed atomically and published last, so a handler never sees half of one. */
static int claim(struct snpm_error *reterr)
{
	for (int i = 0; i < MAX_REGISTERED; i++)
		if (__sync_bool_compare_and_swap(&slot_kind[i], SLOT_FREE, SLOT_BUSY))
			return i;
	return snpm_fail(reterr, SNPM_ERANGE,
			 "more than %d temporary files, folders and children at once",
			 MAX_REGISTERED);
}

static void release(int kind, const char *path, pid_t pid)
{
	for (int i = 0; i < MAX_REGISTERED; i++)
		if (slot_kind[i] == kind &&
		    (path ? strcmp(slot_path[i], path) == 0 : slot_pid[i] == pid)) {
			slot_kind[i] = SLOT_FREE;
			return;
		}
}

/*
 * Makes a temporary file or folder from tmp ("...XXXXXX", filled in here). Its name is
 * registered before it exists, so no signal can fall between creating and registering it.
 */
static int make_temporary(char *tmp, bool folder, struct snpm_error *reterr)
{
	static const char letters[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t len = strlen(tmp);
	int slot = claim(reterr), fd = -1;

	if (slot < 0)
		return slot;
	for (int attempt = 0; attempt < 100; attempt++) {
		uint8_t rnd[6];
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			break;
		for (int k = 0; k < 6; k++)
			tmp[len - 6 + k] = letters[rnd[k] % (sizeof(letters) - 1)];
		memcpy(slot_path[slot], tmp, len + 1);
		slot_kind[slot] = folder ? SLOT_DIR : SLOT_FILE;
		if (folder)
			fd = mkdir(tmp, 0700) == 0 ? 0 : -1;
		else
			fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
		slot_kind[slot] = SLOT_BUSY; /* not ours: never removed */
	}
	if (fd < 0) {
		int e = errno;
		slot_kind[slot] = SLOT_FREE;
		return io_fail(reterr, SNPM_EIO, e, "cannot create a temporary %s beside it",
			       folder ? "folder" : "file");
	}
	return fd;
}

int snpm_io_child_register(pid_t pid, struct snpm_error *reterr)
{
	int slot = claim(reterr);

	if (slot < 0)
		return slot;
	slot_pid[slot] = pid;
	slot_kind[slot] = SLOT_CHILD;
	return 0;
}

void snpm_io_child_forget(pid_t pid)
{
	release(SLOT_CHILD, NULL, pid);
}

int snpm_io_rmdir_register(const char *path, struct snpm_error *reterr)
{
	int slot;

	if (strlen(path) >= PATH_MAX)
		return snpm_fail(reterr, SNPM_ERANGE, "path too long");
	slot = claim(reterr);
	if (slot < 0)
		return slot;
	memcpy(slot_path[slot], path, strlen(path) + 1);
	slot_kind[slot] = SLOT_RMDIR;
	return 0;
}

void snpm_io_rmdir_forget(const char *path)
{
	release(SLOT_RMDIR, path, 0);
}

/* Empties a folder (one level: temporary folders hold files) with raw system calls. */
static void remove_dir_now(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n;

	if (fd < 0)
		return;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			/* struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, name */
			unsigned short reclen;
			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			const char *name = buf + off + 19;
			if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
				unlinkat(fd, name, 0);
			off += reclen;
		}
	}
	close(fd);
	rmdir(path);
}

void snpm_io_cleanup(void)
{
	for (int i = 0; i < MAX_REGISTERED; i++) {
		if (slot_kind[i] == SLOT_CHILD)
			kill(slot_pid[i], SIGKILL);
		else if (slot_kind[i] == SLOT_FILE)
			unlink(slot_path[i]);
		else if (slot_kind[i] == SLOT_DIR)
			remove_dir_now(slot_path[i]);
		else if (slot_kind[i] == SLOT_RMDIR)
			rmdir(slot_path[i]);
	}
}

void snpm_remove_temporaries(void)
{
	snpm_io_cleanup();
}

/* ---- inputs ---- */

/* Standard input can feed one input only: a second reader would see it empty. */
static bool stdin_taken;

static int check_type(const struct stat *st, unsigned flags, struct snpm_error *reterr)
{
	if (S_ISDIR(st->st_mode))
		return io_fail(reterr, SNPM_EIO, EISDIR, "cannot read");
	/* A character device (/dev/null for an empty kernel, as the reference and the published
	 * vectors of virtee/sev and kata use it) is a stream like a pipe, under the same caps. */
	if (S_ISREG(st->st_mode) ||
	    ((S_ISFIFO(st->st_mode) || S_ISCHR(st->st_mode)) && (flags & SNPM_IO_PIPES)) ||
	    (S_ISBLK(st->st_mode) && (flags & SNPM_IO_DEVICES)))
		return 0;
	return io_fail(reterr, SNPM_EINVAL, 0, "not a regular file%s (a %s)",
		       flags & SNPM_IO_PIPES ? ", a pipe or a character device" : "",
		       S_ISCHR(st->st_mode)  ? "character device" :
		       S_ISBLK(st->st_mode)  ? "block device" :
		       S_ISSOCK(st->st_mode) ? "socket" :
		       S_ISFIFO(st->st_mode) ? "pipe" :
					       "special file");
}

static void snapshot(struct snpm_io_in *in, const struct stat *st)
{
	in->regular = S_ISREG(st->st_mode);
	in->size = (uint64_t)st->st_size;
	in->mtime = st->st_mtim;
	in->ctime = st->st_ctim;
}

int snpm_io_open(const char *path, unsigned flags, struct snpm_io_in *in, struct snpm_error *reterr)
{
	struct stat st;
	int r;

	memset(in, 0, sizeof(*in));
	in->fd = -1;
	if (strcmp(path, "-") == 0 && (flags & SNPM_IO_PIPES)) {
		if (stdin_taken)
			return io_fail(reterr, SNPM_EINVAL, 0,
				       "standard input is already read for another input (at "
				       "most one input can be -)");
		stdin_taken = true;
		in->fd = STDIN_FILENO;
		if (fstat(in->fd, &st) == 0)
			snapshot(in, &st);
		return 0;
	}
	in->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
				    (flags & SNPM_IO_NOFOLLOW ? O_NOFOLLOW : 0));
	if (in->fd < 0 && errno == ELOOP && (flags & SNPM_IO_NOFOLLOW))
		return io_fail(reterr, SNPM_EINVAL, 0, "is a symbolic link, not a file");
	if (in->fd < 0)
		return io_fail(reterr, SNPM_EIO, errno, "cannot open");
	r = fstat(in->fd, &st) < 0 ? io_fail(reterr, SNPM_EIO, errno, "cannot stat") :
				     check_type(&st, flags, reterr);
	/* O_NONBLOCK kept a FIFO without a writer from hanging the open; reads block again. */
	if (r == 0 && fcntl(in->fd, F_SETFL, fcntl(in->fd, F_GETFL) & ~O_NONBLOCK) < 0)
		r = io_fail(reterr, SNPM_EIO, errno, "cannot read");
	if (r < 0) {
		close(in->fd);
		in->fd = -1;
		return r;
	}
	snapshot(in, &st);
	return 0;
}

int snpm_io_open_fd(const char *path, unsigned flags, struct snpm_error *reterr)
{
	struct snpm_io_in in;
	int r = snpm_io_open(path, flags & ~SNPM_IO_PIPES, &in, reterr);

	return r < 0 ? r : in.fd;
}

int snpm_io_read(struct snpm_io_in *in, void *buf, size_t len, size_t *ret_n,
		 struct snpm_error *reterr)
{
	ssize_t n;

	do
		n = read(in->fd, buf, len);
	while (n < 0 && errno == EINTR);
	/* An error is an error: never taken for the end of the file. */
	if (n < 0)
		return io_fail(reterr, SNPM_EIO, errno, "cannot read");
	in->bytes += (uint64_t)n;
	*ret_n = (size_t)n;
	return 0;
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

int snpm_io_close(struct snpm_io_in *in, struct snpm_error *reterr)
{
	struct stat st;
	int r = 0;

	if (in->fd < 0)
		return 0;
	/* A digest of bytes that were changing would match no file: refuse it. */
	if (in->regular &&
	    (fstat(in->fd, &st) < 0 || (uint64_t)st.st_size != in->size || in->bytes != in->size ||
	     !same_time(st.st_mtim, in->mtime) || !same_time(st.st_ctim, in->ctime)))
		r = io_fail(reterr, SNPM_EIO, 0, "file changed while being read");
	if (in->fd != STDIN_FILENO)
		close(in->fd);
	in->fd = -1;
	return r;
}

static int too_large(uint64_t size, uint64_t max, struct snpm_error *reterr)
{
	return io_fail(reterr, SNPM_ERANGE, 0,
		       "file of %llu bytes is larger than the %llu-byte limit",
		       (unsigned long long)size, (unsigned long long)max);
}

int snpm_io_read_all(const char *path, unsigned flags, size_t max, uint8_t **ret_buf,
		     size_t *ret_len, struct snpm_error *reterr)
{
	struct snpm_io_in in;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n = 1;
	int r = snpm_io_open(path, flags, &in, reterr);

	if (r < 0)
		return r;
	/* A regular file too large is refused before a byte is read. */
	if (in.regular && in.size > max)
		r = too_large(in.size, max, reterr);
	while (r == 0 && n > 0) {
		if (len == cap && cap > max) {
			r = io_fail(reterr, SNPM_ERANGE, 0,
				    "input is larger than the %zu-byte limit", max);
			break;
		}
		if (len == cap) {
			size_t next = cap ? cap * 2 : 64 * 1024;
			uint8_t *p = realloc(buf, next);
			if (!p) {
				r = io_fail(reterr, SNPM_ENOMEM, ENOMEM, "cannot read");
				break;
			}
			buf = p;
			cap = next;
		}
		r = snpm_io_read(&in, buf + len, cap - len, &n, reterr);
		len += n;
	}
	if (r == 0 && len > max)
		r = io_fail(reterr, SNPM_ERANGE, 0, "input is larger than the %zu-byte limit", max);
	if (r == 0)
		r = snpm_io_close(&in, reterr);
	else
		snpm_io_close(&in, NULL);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

int snpm_io_read_text(const char *path, unsigned flags, size_t max, char **ret_text,
		      struct snpm_error *reterr)
{
	uint8_t *data;
	size_t len;
	char *text;
	int r = snpm_io_read_all(path, flags, max, &data, &len, reterr);

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

int snpm_io_file_size(const char *path, uint64_t *ret_size, struct snpm_error *reterr)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return io_fail(reterr, SNPM_EIO, errno, "cannot stat");
	*ret_size = (uint64_t)st.st_size;
	return 0;
}

/* Streams an input through fn (a hash, an output) in CHUNK pieces, at most max bytes. */
/* Inputs from this size on tell the progress handler how far reading them is. */
#define PROGRESS_MIN (64u << 20)

static int stream(const char *path, unsigned flags, uint64_t max,
		  int (*fn)(void *arg, const uint8_t *buf, size_t len, struct snpm_error *reterr),
		  void *arg, uint64_t *ret_size, struct snpm_error *reterr)
{
	struct snpm_io_in in;
	uint8_t *buf = malloc(CHUNK);
	size_t n = 1;
	int r = buf ? snpm_io_open(path, flags, &in, reterr) :
		      io_fail(reterr, SNPM_ENOMEM, ENOMEM, "cannot read");

	if (r < 0) {
		free(buf);
		return r;
	}
	if (in.regular && in.size > max)
		r = too_large(in.size, max, reterr);
	/* Large regular files say how far along they are; a pipe's size is unknown. */
	bool report = in.regular && in.size >= PROGRESS_MIN;
	char what[80];
	const char *base = strrchr(path, '/');
	snprintf(what, sizeof(what), "reading %s", base ? base + 1 : path);
	while (r == 0 && n > 0) {
		if (report)
			snpm_progress(what, in.bytes, in.size);
		r = snpm_io_read(&in, buf, CHUNK, &n, reterr);
		/* A stream with no end (a pipe from /dev/zero) stops at the limit. */
		if (r == 0 && in.bytes > max)
			r = io_fail(reterr, SNPM_ERANGE, 0,
				    "input is larger than the %llu-byte limit",
				    (unsigned long long)max);
		if (r == 0 && n > 0)
			r = fn(arg, buf, n, reterr);
	}
	if (report)
		snpm_progress(what, in.size, in.size);
	if (r == 0)
		r = snpm_io_close(&in, reterr);
	else
		snpm_io_close(&in, NULL);
	if (r == 0 && ret_size)
		*ret_size = in.bytes;
	free(buf);
	return r;
}

static int hash_piece(void *arg, const uint8_t *buf, size_t len, struct snpm_error *reterr)
{
	return snpm_hash_update(arg, buf, len, reterr);
}

int snpm_io_hash(const char *path, unsigned flags, enum snpm_hash_alg alg, uint64_t max,
		 uint8_t *ret_digest, uint64_t *ret_size, struct snpm_error *reterr)
{
	struct snpm_hash *h = NULL;
	int r = snpm_hash_new(alg, &h, reterr);

	if (r == 0)
		r = stream(path, flags, max, hash_piece, h, ret_size, reterr);
	if (r == 0)
		r = snpm_hash_final(h, ret_digest, reterr);
	snpm_hash_free(h);
	return r;
}

/* ---- positional I/O ---- */

int snpm_io_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = ENODATA; /* the file is shorter than it should be */
		if (n <= 0)
			return -1;
		p += n, len -= (size_t)n, off += (uint64_t)n;
	}
	return 0;
}

/* ---- sources read at offsets ---- */

static int source_read(void *arg, uint64_t offset, void *buf, size_t len, struct snpm_error *reterr)
{
	const struct snpm_io_source *s = arg;

	if (snpm_io_pread_all(s->in.fd, buf, len, s->base + offset) < 0)
		return io_fail(reterr, SNPM_EIO, errno, "cannot read at offset 0x%llx",
			       (unsigned long long)(s->base + offset));
	return 0;
}

int snpm_io_source_open(const char *path, struct snpm_io_source *s, struct snpm_error *reterr)
{
	int r;

	memset(s, 0, sizeof(*s));
	r = snpm_io_open(path, SNPM_IO_REGULAR, &s->in, reterr);
	if (r < 0)
		return r;
	s->owner = true;
	s->src.size = s->in.size;
	s->src.read = source_read;
	s->src.arg = s;
	return 0;
}

int snpm_io_source_slice(const struct snpm_io_source *whole, uint64_t offset, uint64_t len,
			 struct snpm_io_source *piece, struct snpm_error *reterr)
{
	uint64_t end;

	if (!snpm_add_u64(offset, len, &end) || end > whole->src.size)
		return io_fail(reterr, SNPM_EMALFORMED, 0,
			       "%llu bytes at offset 0x%llx lie past the end of the file",
			       (unsigned long long)len, (unsigned long long)offset);
	*piece = *whole;
	piece->owner = false;
	piece->base = whole->base + offset;
	piece->src.size = len;
	piece->src.arg = piece;
	return 0;
}

int snpm_io_source_check(const struct snpm_io_source *s, struct snpm_error *reterr)
{
	struct stat st;

	if (!s->src.read || s->in.fd < 0)
		return 0;
	if (fstat(s->in.fd, &st) < 0 || (uint64_t)st.st_size != s->in.size ||
	    !same_time(st.st_mtim, s->in.mtime) || !same_time(st.st_ctim, s->in.ctime))
		return io_fail(reterr, SNPM_EIO, 0, "file changed while being read");
	return 0;
}

int snpm_io_source_close(struct snpm_io_source *s, struct snpm_error *reterr)
{
	int r = 0;

	if (s->owner) {
		/* Every byte was read at an offset: the size check compares the file, not reads. */
		s->in.bytes = s->in.size;
		r = snpm_io_close(&s->in, reterr);
	}
	s->owner = false;
	return r;
}

int snpm_io_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			return -1;
		p += n, len -= (size_t)n, off += (uint64_t)n;
	}
	return 0;
}

int snpm_io_copy_range(int src, int dst, uint64_t len)
{
	uint8_t *buf = malloc(CHUNK);
	uint64_t off = 0;
	int r = buf ? 0 : -1;

	while (r == 0 && off < len) {
		size_t n = len - off < CHUNK ? (size_t)(len - off) : CHUNK;
		ssize_t got;
		do
			got = pread(src, buf, n, (off_t)off);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			r = -1; /* a read error is not the end of the file */
		if (got <= 0)
			break;
		r = snpm_io_pwrite_all(dst, buf, (size_t)got, off);
		off += (uint64_t)got;
	}
	free(buf);
	return r;
}

/* ---- outputs ---- */

static int write_all(int fd, const uint8_t *data, size_t len, struct snpm_error *reterr)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_fail(reterr, SNPM_EIO, errno, "cannot write");
		if (n == 0)
			return io_fail(reterr, SNPM_EIO, EIO, "cannot write");
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes straight into what is there: standard output, a device or a FIFO. */
static int open_through(const char *path, struct snpm_io_out *out, struct snpm_error *reterr)
{
	out->through = true;
	if (strcmp(path, "-") == 0) {
		out->fd = STDOUT_FILENO;
		return 0;
	}
	out->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	return out->fd < 0 ? io_fail(reterr, SNPM_EIO, errno, "cannot open") : 0;
}

int snpm_io_out_open(const char *path, struct snpm_io_out *out, struct snpm_error *reterr)
{
	struct stat st;
	int r;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (snprintf(out->path, sizeof(out->path), "%s", path) >= (int)sizeof(out->path) ||
	    snprintf(out->tmp, sizeof(out->tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(out->tmp))
		return io_fail(reterr, SNPM_EINVAL, ENAMETOOLONG, "cannot create");
	if (strcmp(path, "-") == 0)
		return open_through(path, out, reterr);
	if (lstat(path, &st) == 0) {
		/* A device or FIFO is written through; what is not ours is never renamed over.
		 * A link to a device or FIFO (/dev/stdout) is written through too. */
		if (S_ISLNK(st.st_mode) && stat(path, &st) < 0)
			return io_fail(reterr, SNPM_EINVAL, 0,
				       "exists and is not a regular file (a symbolic link)");
		if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode))
			return open_through(path, out, reterr);
		if (lstat(path, &st) < 0)
			return io_fail(reterr, SNPM_EIO, errno, "cannot stat");
		if (!S_ISREG(st.st_mode))
			return io_fail(reterr, SNPM_EINVAL, 0,
				       "exists and is not a regular file (a %s)",
				       S_ISDIR(st.st_mode) ? "folder" :
				       S_ISLNK(st.st_mode) ? "symbolic link" :
							     "special file");
	} else if (errno != ENOENT) {
		return io_fail(reterr, SNPM_EIO, errno, "cannot stat");
	}
	r = make_temporary(out->tmp, false, reterr);
	if (r < 0)
		return r;
	out->fd = r;
	return 0;
}

int snpm_io_out_write(struct snpm_io_out *out, const void *buf, size_t len,
		      struct snpm_error *reterr)
{
	return write_all(out->fd, buf, len, reterr);
}

/* mode, fsync and close: everything but the rename. */
static int out_finish(struct snpm_io_out *out, mode_t mode, struct snpm_error *reterr)
{
	int r = 0;

	if (out->through) {
		if (out->fd != STDOUT_FILENO && close(out->fd) < 0)
			r = io_fail(reterr, SNPM_EIO, errno, "cannot write");
		out->fd = -1;
		return r;
	}
	if (fchmod(out->fd, mode) < 0 || fsync(out->fd) < 0)
		r = io_fail(reterr, SNPM_EIO, errno, "cannot write");
	if (close(out->fd) < 0 && r == 0)
		r = io_fail(reterr, SNPM_EIO, errno, "cannot write");
	out->fd = -1;
	return r;
}

/*
 * Puts a finished temporary in place. A file already there is swapped out with
 * RENAME_EXCHANGE, so that it can be swapped back if a later output of the same commit fails;
 * *swapped says whether the old file now sits at the temporary's name.
 */
static int out_place(struct snpm_io_out *out, bool *swapped, struct snpm_error *reterr)
{
	struct stat st;

	*swapped = false;
	/* What appeared meanwhile and is not a regular file is never swapped out or replaced. */
	if (lstat(out->path, &st) == 0 && !S_ISREG(st.st_mode))
		return io_fail(reterr, SNPM_EINVAL, 0,
			       "exists and is not a regular file (it appeared meanwhile)");
	if (renameat2(AT_FDCWD, out->tmp, AT_FDCWD, out->path, RENAME_EXCHANGE) == 0) {
		*swapped = true;
		return 0;
	}
	/* Nothing there (ENOENT), or a file system without exchange (EINVAL): a plain rename. */
	if ((errno == ENOENT || errno == EINVAL) && rename(out->tmp, out->path) == 0)
		return 0;
	return io_fail(reterr, SNPM_EIO, errno, "cannot rename into place");
}

/* Undoes out_place: the old file back, or the new one gone. Never touches a write-through. */
static void out_unplace(struct snpm_io_out *out, bool swapped)
{
	if (swapped)
		renameat2(AT_FDCWD, out->tmp, AT_FDCWD, out->path, RENAME_EXCHANGE);
	else
		unlink(out->path);
}

/* Blocks the signals the tools clean up after, so that a commit is not cut in half. */
static void block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, old);
}

int snpm_io_out_commit_all(struct snpm_io_out *const *outs, size_t n, mode_t mode,
			   size_t *ret_failed, struct snpm_error *reterr)
{
	bool swapped[SNPM_IO_COMMIT_MAX] = { false };
	size_t i, placed = 0;
	sigset_t old;
	int r = 0;

	if (n > SNPM_IO_COMMIT_MAX)
		return io_fail(reterr, SNPM_EINVAL, 0, "more than %d outputs in one commit",
			       SNPM_IO_COMMIT_MAX);
	for (i = 0; i < n; i++) {
		int f = out_finish(outs[i], mode, r < 0 ? NULL : reterr);
		if (r == 0 && f < 0 && ret_failed)
			*ret_failed = i;
		r = r < 0 ? r : f;
	}
	block_signals(&old);
	for (; r == 0 && placed < n; placed++) {
		if (outs[placed]->through)
			continue;
		r = out_place(outs[placed], &swapped[placed], reterr);
		if (r < 0 && ret_failed)
			*ret_failed = placed;
		if (r < 0)
			break;
	}
	/* On failure, placed is the output that failed: those before it are undone. */
	for (i = 0; r < 0 && i < placed; i++)
		if (!outs[i]->through)
			out_unplace(outs[i], swapped[i]);
	for (i = 0; i < n; i++)
		if (!outs[i]->through) {
			/* Now the old file (swapped), or the new one never placed, or nothing. */
			unlink(outs[i]->tmp);
			release(SLOT_FILE, outs[i]->tmp, 0);
		}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

int snpm_io_out_commit(struct snpm_io_out *out, mode_t mode, struct snpm_error *reterr)
{
	struct snpm_io_out *one[1] = { out };

	return snpm_io_out_commit_all(one, 1, mode, NULL, reterr);
}

void snpm_io_out_abort(struct snpm_io_out *out)
{
	if (out->fd >= 0 && out->fd != STDOUT_FILENO)
		close(out->fd);
	if (!out->through && out->fd >= 0) {
		unlink(out->tmp);
		release(SLOT_FILE, out->tmp, 0);
	}
	out->fd = -1;
}

static int copy_piece(void *arg, const uint8_t *buf, size_t len, struct snpm_error *reterr)
{
	void **a = arg;
	int r = snpm_io_out_write(a[0], buf, len, reterr);

	return r == 0 && a[1] ? snpm_hash_update(a[1], buf, len, reterr) : r;
}

int snpm_io_out_copy(struct snpm_io_out *out, const char *from, unsigned flags, uint64_t max,
		     uint8_t *ret_sha256, uint64_t *ret_size, struct snpm_error *reterr)
{
	struct snpm_hash *h = NULL;
	void *arg[2] = { out, NULL };
	int r = ret_sha256 ? snpm_hash_new(SNPM_HASH_SHA256, &h, reterr) : 0;

	arg[1] = h;
	if (r == 0)
		r = stream(from, flags, max, copy_piece, arg, ret_size, reterr);
	if (r == 0 && h)
		r = snpm_hash_final(h, ret_sha256, reterr);
	snpm_hash_free(h);
	return r;
}

int snpm_io_write_file(const char *path, const void *data, size_t len, mode_t mode,
		       struct snpm_error *reterr)
{
	struct snpm_io_out out;
	int r = snpm_io_out_open(path, &out, reterr);

	if (r < 0)
		return r;
	r = snpm_io_out_write(&out, data, len, reterr);
	if (r < 0) {
		snpm_io_out_abort(&out);
		return r;
	}
	return snpm_io_out_commit(&out, mode, reterr);
}

/* ---- folders ---- */

int snpm_io_dir_open(const char *path, struct snpm_io_dir *dir, struct snpm_error *reterr)
{
	struct stat st;
	int r;

	memset(dir, 0, sizeof(*dir));
	if (snprintf(dir->path, sizeof(dir->path), "%s", path) >= (int)sizeof(dir->path) ||
	    snprintf(dir->tmp, sizeof(dir->tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(dir->tmp))
		return io_fail(reterr, SNPM_EINVAL, ENAMETOOLONG, "cannot create");
	if (lstat(path, &st) == 0)
		return io_fail(reterr, SNPM_EINVAL, 0, "already exists");
	r = make_temporary(dir->tmp, true, reterr);
	return r < 0 ? r : 0;
}

int snpm_io_dir_commit(struct snpm_io_dir *dir, struct snpm_error *reterr)
{
	int r = 0;

	if (chmod(dir->tmp, 0755) < 0)
		r = io_fail(reterr, SNPM_EIO, errno, "cannot finish");
	/* RENAME_NOREPLACE: an empty folder made meanwhile is not silently replaced. */
	if (r == 0 && renameat2(AT_FDCWD, dir->tmp, AT_FDCWD, dir->path, RENAME_NOREPLACE) < 0)
		r = io_fail(reterr, SNPM_EIO, errno, "cannot rename into place");
	if (r < 0)
		remove_dir_now(dir->tmp);
	release(SLOT_DIR, dir->tmp, 0);
	return r;
}

void snpm_io_dir_abort(struct snpm_io_dir *dir)
{
	remove_dir_now(dir->tmp);
	release(SLOT_DIR, dir->tmp, 0);
}

/* ---- a set of files, all or none ---- */

static int check_replaceable(const char *name, struct snpm_error *reterr)
{
	struct stat st;

	if (lstat(name, &st) < 0)
		return errno == ENOENT ? 0 :
					 io_fail(reterr, SNPM_EIO, errno, "%s: cannot stat", name);
	if (!S_ISREG(st.st_mode))
		return io_fail(reterr, SNPM_EINVAL, 0, "%s: exists and is not a regular file",
			       name);
	return 0;
}

static int write_new(int dirfd, const char *name, const void *data, size_t len,
		     struct snpm_error *reterr)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), r;

	if (fd < 0)
		return io_fail(reterr, SNPM_EIO, errno, "%s: cannot create", name);
	r = write_all(fd, data, len, reterr);
	if (r == 0 && fsync(fd) < 0)
		r = io_fail(reterr, SNPM_EIO, errno, "%s: cannot write", name);
	if (close(fd) < 0 && r == 0)
		r = io_fail(reterr, SNPM_EIO, errno, "%s: cannot write", name);
	return r;
}

/* As out_place, for a file of a set: the old file, if any, is swapped into the set's folder. */
static int set_place(int dirfd, const char *name, bool *swapped, struct snpm_error *reterr)
{
	int r = check_replaceable(name, reterr);

	*swapped = false;
	if (r < 0)
		return r;
	if (renameat2(dirfd, name, AT_FDCWD, name, RENAME_EXCHANGE) == 0) {
		*swapped = true;
		return 0;
	}
	if ((errno == ENOENT || errno == EINVAL) && renameat(dirfd, name, AT_FDCWD, name) == 0)
		return 0;
	return io_fail(reterr, SNPM_EIO, errno, "%s: cannot rename into place", name);
}

static void set_unplace(int dirfd, const char *name, bool swapped)
{
	if (swapped)
		renameat2(dirfd, name, AT_FDCWD, name, RENAME_EXCHANGE);
	else
		unlink(name);
}

int snpm_io_write_set(const char *const *names, const void *const *data, const size_t *lens,
		      size_t n, struct snpm_error *reterr)
{
	struct snpm_io_dir dir;
	bool *swapped = calloc(n ? n : 1, sizeof(*swapped));
	size_t i, moved = 0;
	sigset_t old;
	int dirfd = -1, r = 0;

	if (!swapped)
		return io_fail(reterr, SNPM_ENOMEM, ENOMEM, "cannot write");
	for (i = 0; r == 0 && i < n; i++)
		r = check_replaceable(names[i], reterr);
	if (r == 0)
		r = snpm_io_dir_open(".snpm-set", &dir, reterr);
	if (r < 0) {
		free(swapped);
		return r;
	}
	dirfd = open(dir.tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		r = io_fail(reterr, SNPM_EIO, errno, "cannot open the temporary folder");
	for (i = 0; r == 0 && i < n; i++)
		r = write_new(dirfd, names[i], data[i], lens[i], reterr);
	block_signals(&old);
	for (; r == 0 && moved < n; moved++)
		r = set_place(dirfd, names[moved], &swapped[moved], reterr);
	/* None, then: what was already moved is undone (an old file swapped back). */
	for (i = 0; r < 0 && i + 1 < moved; i++)
		set_unplace(dirfd, names[i], swapped[i]);
	if (dirfd >= 0)
		close(dirfd);
	snpm_io_dir_abort(&dir); /* the old files swapped out, or what was never placed */
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(swapped);
	return r;
}
