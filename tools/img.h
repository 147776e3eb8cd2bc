/* SPDX-License-Identifier: Apache-2.0 */
/* snpimage's verbs (tools/img_*.c), each a thin layer over the library's image/ module. */
#ifndef SNPM_TOOLS_IMG_H
#define SNPM_TOOLS_IMG_H

#include <stdint.h>

#include <snpm/image.h>

#define IMG_PROG "snpimage"

/* The options every verb that builds an image ends with: its SOURCE_DATE_EPOCH, JSON output, and
 * no progress; stored in members epoch, json and quiet. */
#define IMG_BUILD_OPTS(type, times)                              \
	OPT_STR("source-date-epoch", 0, type, epoch, "N",        \
		times " (default: $SOURCE_DATE_EPOCH, else 0)"), \
		OPT_JSON_FLAG(type, json), OPT_QUIET(type, quiet, "no progress on a terminal")

/* SOURCE_DATE_EPOCH: the option, else the environment variable, else 0. 0 or 2 (usage). */
int source_date_epoch(const char *opt, int64_t *ret);

int cmd_verity(int argc, char **argv);
int cmd_initramfs(int argc, char **argv);
int cmd_rootfs(int argc, char **argv);
int cmd_kernel_info(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif /* SNPM_TOOLS_IMG_H */
