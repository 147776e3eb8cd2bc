/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to image/: outputs written whole or not at all. */
#ifndef SNPM_IMAGE_INTERNAL_H
#define SNPM_IMAGE_INTERNAL_H

#include <stddef.h>

#include <snpm/common.h>

/* Opens a temporary file beside path; its name goes to tmp. Returns the fd or -1 (errno). */
int snpm_tmp_open(const char *path, char *tmp, size_t tmp_size);

/*
 * Finishes a temporary file: when status is 0, fsync, mode 0644, close and rename it over
 * path; otherwise close and remove it. Returns status, or the error of finishing.
 */
int snpm_tmp_commit(int fd, const char *tmp, const char *path, int status,
		    struct snpm_error *reterr);

/* A temporary folder to remove on SIGINT/SIGTERM, and forgetting a registered path. */
void snpm_tmp_register_dir(const char *path);
void snpm_tmp_forget(const char *path);

#endif /* SNPM_IMAGE_INTERNAL_H */
