/* SPDX-License-Identifier: Apache-2.0 */
/* snpimage's verbs (tools/img_*.c), each a thin layer over the library's image/ module. */
#ifndef SNPM_TOOLS_IMG_H
#define SNPM_TOOLS_IMG_H

#include <stdint.h>

#include <snpm/image.h>

#define IMG_PROG "snpimage"

/* SOURCE_DATE_EPOCH: the option, else the environment variable, else 0. 0 or 2 (usage). */
int source_date_epoch(const char *opt, int64_t *ret);

int cmd_verity(int argc, char **argv);
int cmd_initramfs(int argc, char **argv);
int cmd_rootfs(int argc, char **argv);
int cmd_kernel_info(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif /* SNPM_TOOLS_IMG_H */
