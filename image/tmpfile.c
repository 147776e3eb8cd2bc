/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Outputs written whole or not at all: a temporary file in the target folder, then rename.
 * Every temporary file and folder in use is registered, so that a SIGINT or SIGTERM handler can
 * remove them (snpm_remove_temporaries is async-signal-safe: plain system calls only).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <snpm/image.h>

#include "../ovmf/internal.h"
#include "internal.h"

#define MAX_TMP 16

enum { SLOT_FREE = 0, SLOT_FILE = 1, SLOT_DIR = 2, SLOT_BUSY = 3 };

static char tmp_paths[MAX_TMP][PATH_MAX];
static volatile sig_atomic_t tmp_kind[MAX_TMP];

static void tmp_register(const char *path, int kind)
{
	for (int i = 0; i < MAX_TMP; i++)
		if (__sync_bool_compare_and_swap(&tmp_kind[i], SLOT_FREE, SLOT_BUSY)) {
			snprintf(tmp_paths[i], PATH_MAX, "%s", path);
			tmp_kind[i] = kind;
			return;
		}
}

void snpm_tmp_forget(const char *path)
{
	for (int i = 0; i < MAX_TMP; i++)
		if ((tmp_kind[i] == SLOT_FILE || tmp_kind[i] == SLOT_DIR) &&
		    strcmp(tmp_paths[i], path) == 0)
			tmp_kind[i] = SLOT_FREE;
}

void snpm_tmp_register_dir(const char *path)
{
	tmp_register(path, SLOT_DIR);
}

/* Empties a folder of files (one level) with raw system calls, then removes it. */
static void remove_dir(const char *path)
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

void snpm_remove_temporaries(void)
{
	for (int i = 0; i < MAX_TMP; i++) {
		if (tmp_kind[i] == SLOT_FILE)
			unlink(tmp_paths[i]);
		else if (tmp_kind[i] == SLOT_DIR)
			remove_dir(tmp_paths[i]);
	}
}

int snpm_output_open(const char *path, char *tmp, size_t tmp_size)
{
	int fd;

	if (snprintf(tmp, tmp_size, "%s.tmpXXXXXX", path) >= (int)tmp_size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd >= 0)
		tmp_register(tmp, SLOT_FILE);
	return fd;
}

int snpm_output_commit(int fd, const char *tmp, const char *path, unsigned mode, int status,
		       struct snpm_error *reterr)
{
	if (status == 0 && (fchmod(fd, (mode_t)mode) < 0 || fsync(fd) < 0))
		status = snpm_fail(reterr, SNPM_EIO, "%s: cannot write: %s", path, strerror(errno));
	if (close(fd) < 0 && status == 0)
		status = snpm_fail(reterr, SNPM_EIO, "%s: cannot write: %s", path, strerror(errno));
	if (status == 0 && rename(tmp, path) < 0)
		status =
			snpm_fail(reterr, SNPM_EIO, "%s: cannot rename: %s", path, strerror(errno));
	if (status < 0)
		unlink(tmp);
	snpm_tmp_forget(tmp);
	return status;
}

int snpm_tmp_open(const char *path, char *tmp, size_t tmp_size)
{
	return snpm_output_open(path, tmp, tmp_size);
}

int snpm_tmp_commit(int fd, const char *tmp, const char *path, int status,
		    struct snpm_error *reterr)
{
	return snpm_output_commit(fd, tmp, path, 0644, status, reterr);
}
