/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one private I/O layer (never installed) every byte to and from a file goes through, in the
 * library (image building, measuring from paths, guest requests) and in both command-line tools.
 * It sits in core/, below every layer that touches files; ovmf/ and the engine take memory.
 *
 * Inputs: a read() loop over a fixed buffer (no mmap: a file truncated under a mapping raises
 * SIGBUS), O_CLOEXEC, a size cap, and a check that the file did not change while it was read
 * (size, mtime and ctime before and after, and the bytes read against the size). Named inputs are
 * regular files, or streams (pipes, character devices) where a caller allows them; "-" is
 * standard input, for one input only.
 *
 * Outputs appear whole or not at all: a temporary file or folder beside the target, registered by
 * construction so that a signal handler can remove it, then fsync and rename. An existing target
 * that is a device or FIFO is written through, never renamed over; a folder or symlink is refused.
 */
#ifndef SNPM_CORE_IO_H
#define SNPM_CORE_IO_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <snpm/common.h>
#include <snpm/hash.h>

/* Puts name in front of a failure's message (the layer's messages name no path); returns r. */
int snpm_io_name(const char *name, int r, struct snpm_error *reterr);

/* What an input may be. */
enum snpm_io_flags {
	SNPM_IO_REGULAR = 0, /* a regular file */
	SNPM_IO_PIPES = 1u << 0, /* also a stream: a FIFO, a character device, "-" for stdin */
	SNPM_IO_NOFOLLOW = 1u << 1, /* a symbolic link is refused, not followed */
	SNPM_IO_DEVICES = 1u << 2, /* also a block device (a verity hash device) */
};

/* An open input and what it was when opened. */
struct snpm_io_in {
	int fd;
	bool regular;
	uint64_t size;
	struct timespec mtime, ctime;
	uint64_t bytes; /* read so far */
};

/* Opens path for reading. The error names no path: the caller says which input it was. */
int snpm_io_open(const char *path, unsigned flags, struct snpm_io_in *in,
		 struct snpm_error *reterr);
/*
 * For code that reads at offsets (kernel headers, verity trees): opens path with the checks of
 * snpm_io_open() and returns its descriptor for snpm_io_pread_all(), or a negative code.
 * close() it.
 */
int snpm_io_open_fd(const char *path, unsigned flags, struct snpm_error *reterr);
/* Reads up to len bytes (retrying EINTR); *ret_n is 0 at the end. */
int snpm_io_read(struct snpm_io_in *in, void *buf, size_t len, size_t *ret_n,
		 struct snpm_error *reterr);
/* Closes the input; a regular file that changed while it was read is an error. */
int snpm_io_close(struct snpm_io_in *in, struct snpm_error *reterr);

/* The whole file, at most max bytes (refused before reading when its size says so). free(). */
int snpm_io_read_all(const char *path, unsigned flags, size_t max, uint8_t **ret_buf,
		     size_t *ret_len, struct snpm_error *reterr);
/* Its digest, streamed: memory stays flat whatever its size. ret_size may be NULL. */
int snpm_io_hash(const char *path, unsigned flags, enum snpm_hash_alg alg, uint64_t max,
		 uint8_t *ret_digest, uint64_t *ret_size, struct snpm_error *reterr);

/* A whole text file (no NUL bytes), NUL-terminated. free(). */
int snpm_io_read_text(const char *path, unsigned flags, size_t max, char **ret_text,
		      struct snpm_error *reterr);
/* The size stat() gives. */
int snpm_io_file_size(const char *path, uint64_t *ret_size, struct snpm_error *reterr);

/* An output being written. */
struct snpm_io_out {
	int fd;
	bool through; /* a device, FIFO or stdout: written in place, nothing to rename */
	char tmp[PATH_MAX];
	char path[PATH_MAX];
};

/* Starts an output ("-" is standard output). */
int snpm_io_out_open(const char *path, struct snpm_io_out *out, struct snpm_error *reterr);
/* Writes all of buf: a short write is an error, never success. */
int snpm_io_out_write(struct snpm_io_out *out, const void *buf, size_t len,
		      struct snpm_error *reterr);
/* Copies a whole input into the output (with the input's checks); its SHA-256 when asked. */
int snpm_io_out_copy(struct snpm_io_out *out, const char *from, unsigned flags, uint64_t max,
		     uint8_t *ret_sha256, uint64_t *ret_size, struct snpm_error *reterr);
/* mode, fsync, close and rename into place. On failure the temporary is gone. */
int snpm_io_out_commit(struct snpm_io_out *out, mode_t mode, struct snpm_error *reterr);
/*
 * Several outputs that appear together or not at all (a report and its certificates): all are
 * finished before any is renamed, with the tools' signals held off; if one cannot be put in
 * place, those already placed are undone — a file they replaced is put back, a new one removed.
 * Outputs written through (a device, FIFO or standard output) are never removed or renamed. At
 * most SNPM_IO_COMMIT_MAX outputs. On failure *ret_failed (may be NULL) is the index of the
 * output the error is about.
 */
#define SNPM_IO_COMMIT_MAX 8
int snpm_io_out_commit_all(struct snpm_io_out *const *outs, size_t n, mode_t mode,
			   size_t *ret_failed, struct snpm_error *reterr);
/* Closes and removes the temporary. Safe to call after a failed commit. */
void snpm_io_out_abort(struct snpm_io_out *out);
/* Writes a whole buffer to path through the above. */
int snpm_io_write_file(const char *path, const void *data, size_t len, mode_t mode,
		       struct snpm_error *reterr);

/* A folder built beside its target and renamed into place only when complete. */
struct snpm_io_dir {
	char tmp[PATH_MAX];
	char path[PATH_MAX];
};

/* Refuses a target that exists; makes and registers the temporary folder. */
int snpm_io_dir_open(const char *path, struct snpm_io_dir *dir, struct snpm_error *reterr);
/* mode 0755 and rename, refusing to replace anything that appeared meanwhile. */
int snpm_io_dir_commit(struct snpm_io_dir *dir, struct snpm_error *reterr);
/* Removes the temporary folder and what it holds. */
void snpm_io_dir_abort(struct snpm_io_dir *dir);

/*
 * Positional I/O of exactly len bytes, retrying EINTR, for code that reads and writes at offsets
 * (verity trees, from several threads): 0, or -1 with errno (ENODATA when the file ends first).
 */
int snpm_io_pread_all(int fd, void *buf, size_t len, uint64_t off);
int snpm_io_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
/* Copies bytes [0, len) of src to the same offsets of dst; a shorter src leaves the rest. */
int snpm_io_copy_range(int src, int dst, uint64_t len);

/*
 * A regular file (or a piece of one) the measurement engine reads at offsets (struct
 * snpm_source), so that memory stays flat whatever its size. Closing checks that the file did
 * not change while it was open (size, mtime, ctime).
 */
struct snpm_io_source {
	struct snpm_source src; /* hand &src to the library */
	struct snpm_io_in in;
	uint64_t base; /* where the piece starts in the file */
	bool owner; /* closes the descriptor (a slice does not) */
};

int snpm_io_source_open(const char *path, struct snpm_io_source *s, struct snpm_error *reterr);
/* Bytes [offset, offset + len) of an open source's file, as a source of its own (no copy). */
int snpm_io_source_slice(const struct snpm_io_source *whole, uint64_t offset, uint64_t len,
			 struct snpm_io_source *piece, struct snpm_error *reterr);
/* Whether the file is unchanged since it was opened (0, or SNPM_EIO naming no path). */
int snpm_io_source_check(const struct snpm_io_source *s, struct snpm_error *reterr);
/* Closes (an owner); a file that changed meanwhile is an error. Accepts a zeroed struct. */
int snpm_io_source_close(struct snpm_io_source *s, struct snpm_error *reterr);

/*
 * A set of files in the current folder, all or none: written into one registered temporary
 * folder here, then renamed into place. An existing name that is not a regular file is refused
 * before anything is written; a failure removes what the set had put in place. The error names
 * the file.
 */
int snpm_io_write_set(const char *const *names, const void *const *data, const size_t *lens,
		      size_t n, struct snpm_error *reterr);

/* A child process (mksquashfs, mkfs.erofs) to kill if we are killed. */
int snpm_io_child_register(pid_t pid, struct snpm_error *reterr);
void snpm_io_child_forget(pid_t pid);
/* A folder only rmdir() removes (a configfs-tsm report entry) to remove if we are killed. */
int snpm_io_rmdir_register(const char *path, struct snpm_error *reterr);
void snpm_io_rmdir_forget(const char *path);

/*
 * Async-signal-safe: removes every registered temporary and kills every registered child. For
 * the tools' SIGINT/SIGTERM/SIGHUP/SIGPIPE handlers.
 */
void snpm_io_cleanup(void);

#endif /* SNPM_CORE_IO_H */
