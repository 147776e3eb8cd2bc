/* SPDX-License-Identifier: Apache-2.0 */
/* snpimage's internals shared by its verbs. */
#ifndef SNPM_TOOLS_IMAGE_CLI_H
#define SNPM_TOOLS_IMAGE_CLI_H

#include <stdarg.h>

#include <json-c/json.h>

#include <snpm/snpm.h>

#define IMG_PROG "snpimage"

void img_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line "snpimage: FILE: reason"; returns 1. */
int img_report(const char *file, const struct snpm_error *err);
/* Pretty on a terminal, one line otherwise. */
void img_print_json(struct json_object *o);

#endif /* SNPM_TOOLS_IMAGE_CLI_H */
