/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File input and output for the command-line tools: one small reader (a read() loop over a
 * fixed buffer; no mmap, since a file truncated under a mapping raises SIGBUS) and an atomic
 * writer (temporary file in the target folder, fsync, rename).
 */
#ifndef SNPM_TOOLS_READER_H
#define SNPM_TOOLS_READER_H

#include <sys/types.h>

#include <snpm/measure.h>

/* Reads a whole file ("-" is stdin, once) of at most max bytes. *ret_buf: free() it. */
int tool_read_file(const char *path, size_t max, uint8_t **ret_buf, size_t *ret_len,
		   struct snpm_error *reterr);

/* Reads a whole text file (no NUL bytes) of at most max bytes, NUL-terminated. free() it. */
int tool_read_text(const char *path, size_t max, char **ret_text, struct snpm_error *reterr);

/*
 * Largest kernel and initrd measured. QEMU's x86 direct boot loads both below 4 GiB; real
 * bzImages are tens of MiB. A larger input, or a stream past the limit, is refused.
 */
#define TOOL_KERNEL_MAX (512ull << 20)
#define TOOL_INITRD_MAX ((4ull << 30) - 1)

/*
 * Streams a file ("-" is stdin) of at most max bytes through a hash; memory stays flat whatever
 * its size. Named inputs must be regular files or pipes; stdin may be read by one input only.
 */
int tool_hash_file(const char *path, enum snpm_hash_alg alg, uint64_t max, uint8_t *ret_digest,
		   uint64_t *ret_size, struct snpm_error *reterr);

/* The size of a file, as stat() says. */
int tool_file_size(const char *path, uint64_t *ret_size, struct snpm_error *reterr);

/* Writes path whole or not at all: a temporary file beside it, fsync, rename. */
int tool_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		      struct snpm_error *reterr);

/*
 * Writes a set of files in the current folder all or none: each written into one temporary
 * folder here, then renamed into place. An existing name that is not a regular file is refused
 * before anything is written; a failure removes what the set had put in place.
 */
int tool_write_set(const char *const *names, const void *const *data, const size_t *lens, size_t n,
		   struct snpm_error *reterr);

#endif /* SNPM_TOOLS_READER_H */
