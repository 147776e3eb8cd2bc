/* SPDX-License-Identifier: Apache-2.0 */
/* Sweep spaces from their command-line lists, shared by snpmeasure sweep/match and snpimage. */
#ifndef SNPM_TOOLS_SPACE_H
#define SNPM_TOOLS_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snpm/snpm.h>

#define MAX_SIGS 64
#define MAX_FEATURE_SETS 64

struct space {
	uint32_t vcpus[SNPM_MAX_VCPUS];
	size_t n_vcpus;
	uint32_t sigs[MAX_SIGS];
	const char *sig_names[MAX_SIGS]; /* NULL when given as a number */
	size_t n_sigs;
	uint64_t features[MAX_FEATURE_SETS];
	size_t n_features;
	enum snpm_vmm vmms[3];
	size_t n_vmms;
};

/* The lists as typed; NULL members are not given. */
struct space_text {
	const char *vcpus; /* "1-64,128" */
	const char *types; /* "all" or "EPYC-v4,EPYC-Milan" */
	const char *sigs; /* "0x800f12,0xa00f11" (used when types is NULL) */
	bool has_family; /* a single signature from family/model/stepping */
	uint32_t family, model, stepping;
	const char *const *features; /* one or more option values */
	size_t n_features;
	const char *vmms; /* "QEMU,ec2" */
};

/* Parses every list; prints a usage error and returns 2 on a bad one, else 0. */
int space_parse(const struct space_text *t, struct space *sp);

/* The rows a space holds. */
size_t space_rows(const struct space *sp);

/* The library's view of it. */
struct snpm_sweep_space space_for_sweep(const struct space *sp);

#endif /* SNPM_TOOLS_SPACE_H */
