/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to measure/: AMD's published certificate chains (measure/roots.c). */
#ifndef SNPM_MEASURE_ROOTS_H
#define SNPM_MEASURE_ROOTS_H

#include <stdbool.h>
#include <stddef.h>

#include <snpm/report.h>

struct snpm_root_chain {
	enum snpm_cpu_family family;
	bool vlek; /* ASVK + ARK (VLEK chains) rather than ASK + ARK */
	const char *pem; /* two certificates: ASK or ASVK, then ARK */
};

extern const struct snpm_root_chain snpm_root_chains[];
extern const size_t snpm_n_root_chains;

#endif /* SNPM_MEASURE_ROOTS_H */
