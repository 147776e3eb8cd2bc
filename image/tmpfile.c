/* SPDX-License-Identifier: Apache-2.0 */
/* Outputs written whole or not at all: a temporary file in the target folder, then rename. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../ovmf/internal.h"
#include "internal.h"

int snpm_tmp_open(const char *path, char *tmp, size_t tmp_size)
{
	if (snprintf(tmp, tmp_size, "%s.tmpXXXXXX", path) >= (int)tmp_size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkostemp(tmp, O_CLOEXEC);
}

int snpm_tmp_commit(int fd, const char *tmp, const char *path, int status,
		    struct snpm_error *reterr)
{
	if (status == 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		status = snpm_fail(reterr, SNPM_EIO, "%s: cannot write: %s", path, strerror(errno));
	if (close(fd) < 0 && status == 0)
		status = snpm_fail(reterr, SNPM_EIO, "%s: cannot write: %s", path, strerror(errno));
	if (status == 0 && rename(tmp, path) < 0)
		status =
			snpm_fail(reterr, SNPM_EIO, "%s: cannot rename: %s", path, strerror(errno));
	if (status < 0)
		unlink(tmp);
	return status;
}
