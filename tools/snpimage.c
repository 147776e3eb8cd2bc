/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpimage: reproducible packaging of the SEV-SNP boot chain. Exit codes (tools/cli.h): 0
 * success, 1 failure, 2 usage error, 3 does not verify.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <snpm/snpm.h>

#include "cli.h"
#include "img.h"
#include "opts.h"

static const struct verb_entry verbs[] = {
	{ "verity", cmd_verity,
	  "verity format DATA HASH | verity verify DATA HASH ROOTHASH | verity dump HASH" },
	{ "kernel-info", cmd_kernel_info, "kernel-info FILE [--json]" },
	{ "bundle", cmd_bundle,
	  "bundle --kernel F --initramfs F|DIR --rootfs F|DIR --ovmf F --cmdline TEMPLATE -o DIR "
	  "[--vcpus LIST --vcpu-type LIST --guest-features LIST --vmm-type LIST]" },
	{ "verify", cmd_verify, "verify DIR [--json]" },
	{ "rootfs", cmd_rootfs,
	  "rootfs DIR -o OUT [--fs squashfs|erofs] [--verity [--seed S]] [--source-date-epoch N]" },
	{ "initramfs", cmd_initramfs,
	  "initramfs (DIR | --list FILE) -o OUT [--compress gzip|none] [--source-date-epoch N]" },
};

static void help(void)
{
	printf("Usage: %s VERB [options]\n\nReproducible packaging of the SEV-SNP boot chain.\n\n",
	       IMG_PROG);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		printf("  %s\n", verbs[i].summary);
	printf("\nSee '%s VERB --help' for each verb's options.\n", IMG_PROG);
}

int main(int argc, char **argv)
{
	int r = -1;

	cli_prog = IMG_PROG;
	cli_install_signal_handlers();
	cli_progress_setup(argc, argv);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		help();
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("%s %s (library %s)\n", IMG_PROG, SNPM_VERSION_STRING, snpm_version());
		return 0;
	}
	/* As snpmeasure does: a usage error is one line on stderr. */
	r = verbs_dispatch(IMG_PROG, verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write to stdout: %s\n", IMG_PROG, strerror(errno));
		return 1;
	}
	return r;
}
