/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The drifts diagnose searches: one row per way a launch in the field comes to differ from the
 * configuration its owner believes in (the vCPU count, the CPU, the host's guest features, the
 * VMM and its era, the FPU state, the VMSA address, the kernel hashes, the command line, the
 * initrd, the SVSM's variable store, the IGVM loader, libkrun's RAM). Adding the next drift the
 * field finds is one row of drift.c's table.
 */
#ifndef SNPM_TOOLS_DRIFT_H
#define SNPM_TOOLS_DRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/* A configuration as diagnose varies it: the values the drifts change; files and their digests
 * stay what was given. */
struct point {
	uint32_t vcpus;
	uint32_t sig;
	const char *sig_name; /* the CPU model named, or NULL: a raw signature */
	bool has_sig; /* a CPU is on the command line */
	uint64_t features;
	enum snpm_vmm vmm;
	unsigned vmm_version; /* 0: the VMM's latest */
	enum snpm_vmsa_fpu fpu;
	uint64_t gpa; /* 0: the default */
	bool kernel; /* the kernel hashes are measured */
	const char *cmdline;
	bool initrd; /* the initrd given is measured (else the SHA-256 of nothing) */
	uint64_t vars_size;
	enum snpm_igvm_semantics loader;
	uint32_t ram_mib;
};

enum drift_id {
	D_VCPUS,
	D_CPU,
	D_FEATURES,
	D_VMM,
	D_FPU,
	D_GPA,
	D_KERNEL,
	D_CMDLINE,
	D_INITRD,
	D_VARS,
	D_LOADER,
	D_RAM,
	D_COUNT
};

#define DRIFT_MAX_ALTS 512

/* One value a drift gives instead of the one given. */
struct alt {
	uint64_t value;
	const char *text; /* the command line; a CPU model's name */
	char why[200]; /* what in the field gives this value */
};

/* What was given: the arguments, the configuration they make and, with a report, its CPUID. */
struct given {
	const struct measure_args *a;
	const struct snpm_measure_config *cfg;
	const struct inputs *in;
	const struct snpm_report *rep; /* NULL without --report */
	struct point p;
	/* With --manifest, the values of the bundle's space (vCPUs, CPUs, features, VMMs): any of
	 * them is no change. n_set 0: the point's one value. */
	const struct alt *set[D_COUNT];
	size_t n_set[D_COUNT];
};

/* An option and its value as a change shows them: "--vcpus" "4". */
struct shown {
	char opt[48];
	char val[240];
};

struct drift {
	const char *name; /* in JSON and the benchmark: "vcpus" */
	/* A dimension of snpm_sweep's space: its values are rows of one sweep, not launches. */
	bool swept;
	/* Whether the launch given has this drift at all. */
	bool (*applies)(const struct given *g);
	/* The values other than the given one, the likeliest first; their count. */
	size_t (*alts)(const struct given *g, struct alt *out, size_t max, char **owned);
	void (*set)(struct point *p, const struct alt *alt);
	void (*show)(const struct given *g, const struct point *p, struct shown *out);
};

extern const struct drift drifts[D_COUNT];

/* The value of the VMM drift for a VMM and its behaviour version (0: its latest). */
uint64_t drift_vmm_value(enum snpm_vmm vmm, unsigned version);

/* The point the arguments give. */
void point_given(const struct given *g, struct point *p);
/* The library's configuration of a point; 0 or an exit code. */
int point_config(const struct given *g, const struct point *p, struct snpm_measure_config *cfg);

/* A command line (argv[0] "snpmeasure") that measures the point. */
struct argv_list {
	char **v;
	size_t n, cap;
};
int point_argv(const struct given *g, const struct point *p, struct argv_list *out);
void argv_list_free(struct argv_list *l);

#endif /* SNPM_TOOLS_DRIFT_H */
