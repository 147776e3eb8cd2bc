/* SPDX-License-Identifier: Apache-2.0 */
/* snpimage bundle and verify. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/rand.h>

#include <snpm/snpm.h>

#include "cli.h"
#include "img.h"
#include "../image/io.h"
#include "space.h"

/* ---- bundle and verify ---- */

struct bundle_args {
	struct snpm_bundle_spec spec;
	struct space_text text;
	const char *features[16];
	const char *out, *epoch;
	bool json;
};

static void bundle_help(void)
{
	printf("Usage: %s bundle --kernel F --initramfs F|DIR --rootfs F|DIR --ovmf F "
	       "--cmdline TEMPLATE -o DIR [options]\n\n"
	       "Copies or builds the boot chain into DIR (written whole: temp folder, then rename)\n"
	       "with manifest.json and sha256sum.txt. A folder given as --initramfs or --rootfs\n"
	       "is packed reproducibly; the rootfs gets a dm-verity tree appended.\n\n"
	       "  --cmdline TEMPLATE       {roothash} and {datasize} are filled in from the tree\n"
	       "  --fs squashfs|erofs      rootfs image type (default squashfs)\n"
	       "  --seed S                 verity salt/UUID seed (default fixed, reproducible)\n"
	       "  --source-date-epoch N    timestamps (default $SOURCE_DATE_EPOCH, else 0)\n"
	       "  --vcpus LIST             e.g. 1-4,8 (default 1)\n"
	       "  --vcpu-type LIST|all     CPU models (default EPYC-v4); or --vcpu-sig LIST\n"
	       "  --guest-features LIST    repeatable (default 0x1)\n"
	       "  --vmm-type LIST          QEMU,ec2,gce (default QEMU)\n"
	       "  --json                   print the manifest\n\n"
	       "Every combination of the lists gets a predicted launch measurement, one JSON line "
	       "each in measurements.jsonl.\n",
	       IMG_PROG);
}

static int bundle_option(struct bundle_args *b, int c, const char *arg)
{
	switch (c) {
	case 'h':
		bundle_help();
		exit(0);
	case 'k':
		b->spec.kernel = arg;
		return 0;
	case 'i':
		b->spec.initramfs = arg;
		return 0;
	case 'r':
		b->spec.rootfs = arg;
		return 0;
	case 'O':
		b->spec.ovmf = arg;
		return 0;
	case 'c':
		b->spec.cmdline_template = arg;
		return 0;
	case 'o':
		b->out = arg;
		return 0;
	case 'n':
		b->text.vcpus = arg;
		return 0;
	case 't':
		b->text.types = arg;
		return 0;
	case 'g':
		b->text.sigs = arg;
		return 0;
	case 'f':
		if (b->text.n_features == 16) {
			usage_error("bundle: --guest-features given more than 16 times");
			return -2;
		}
		b->features[b->text.n_features++] = arg;
		return 0;
	case 'm':
		b->text.vmms = arg;
		return 0;
	case 'F':
		if (strcmp(arg, "squashfs") != 0 && strcmp(arg, "erofs") != 0) {
			usage_error("bundle: --fs: '%s' is not squashfs or erofs", arg);
			return -2;
		}
		b->spec.fs = strcmp(arg, "erofs") == 0 ? SNPM_FS_EROFS : SNPM_FS_SQUASHFS;
		return 0;
	case 's':
		b->spec.seed = arg;
		return 0;
	case 'e':
		b->epoch = arg;
		return 0;
	case 'j':
		b->json = true;
		return 0;
	default:
		return -1;
	}
}

static int bundle_parse(int argc, char **argv, struct bundle_args *b)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initramfs", required_argument, NULL, 'i' },
		{ "rootfs", required_argument, NULL, 'r' },
		{ "ovmf", required_argument, NULL, 'O' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "vcpus", required_argument, NULL, 'n' },
		{ "vcpu-type", required_argument, NULL, 't' },
		{ "vcpu-sig", required_argument, NULL, 'g' },
		{ "guest-features", required_argument, NULL, 'f' },
		{ "vmm-type", required_argument, NULL, 'm' },
		{ "fs", required_argument, NULL, 'F' },
		{ "seed", required_argument, NULL, 's' },
		{ "source-date-epoch", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	memset(b, 0, sizeof(*b));
	b->spec.fs = SNPM_FS_SQUASHFS;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		r = bundle_option(b, c, optarg);
		if (r == -1)
			usage_error("bundle: unrecognized argument: %s", argv[optind - 1]);
		if (r < 0)
			return 2;
	}
	if (optind != argc || !b->out || !b->spec.kernel || !b->spec.initramfs || !b->spec.rootfs ||
	    !b->spec.ovmf || !b->spec.cmdline_template) {
		usage_error("usage: %s bundle --kernel F --initramfs F|DIR --rootfs F|DIR --ovmf F "
			    "--cmdline TEMPLATE -o DIR [--vcpus LIST --vcpu-type LIST "
			    "--guest-features LIST --vmm-type LIST]",
			    IMG_PROG);
		return 2;
	}
	if (!b->text.vcpus)
		b->text.vcpus = "1";
	if (!b->text.types && !b->text.sigs)
		b->text.types = "EPYC-v4";
	if (!b->text.vmms)
		b->text.vmms = "QEMU";
	if (!b->text.n_features)
		b->features[b->text.n_features++] = "0x1";
	b->text.features = b->features;
	return source_date_epoch(b->epoch, &b->spec.source_date_epoch);
}

int cmd_bundle(int argc, char **argv)
{
	static struct space sp;
	struct snpm_sweep_space sw;
	struct bundle_args b;
	struct snpm_error err;
	char tool[64];
	int r = bundle_parse(argc, argv, &b);

	if (r == 0)
		r = space_parse(&b.text, &sp);
	if (r)
		return r;
	for (size_t i = 0; i < sp.n_features; i++)
		note_unnamed_features(sp.features[i], false);
	sw = space_for_sweep(&sp);
	snprintf(tool, sizeof(tool), "%s %s", IMG_PROG, snpm_version());
	b.spec.space = &sw;
	b.spec.vcpu_type_names = sp.sig_names;
	b.spec.tool = tool;
	if (snpm_bundle_create(&b.spec, b.out, &err) < 0)
		return report(NULL, &err); /* the message names the input or output at fault */
	if (b.json) {
		char *path;
		if (asprintf(&path, "%s/manifest.json", b.out) > 0) {
			struct json_object *m = json_object_from_file(path);
			if (m)
				print_json(m);
			json_object_put(m);
			free(path);
		}
	} else {
		printf("%s: bundle written (manifest.json, sha256sum.txt, measurements.jsonl: %zu "
		       "predicted measurement%s)\n",
		       b.out, space_rows(&sp), space_rows(&sp) == 1 ? "" : "s");
	}
	return 0;
}

static void print_problem(void *arg, const char *what, const char *detail)
{
	struct json_object *list = arg;

	if (list) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "what", json_object_new_string(what));
		json_object_object_add(o, "detail", json_object_new_string(detail));
		json_object_array_add(list, o);
	} else {
		printf("MISMATCH %s: %s\n", what, detail);
	}
}

int cmd_verify(int argc, char **argv)
{
	struct json_object *list = NULL;
	struct snpm_error err;
	const char *dir = NULL;
	int r = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			json_object_put(list);
			printf("Usage: %s verify DIR [--json]\n\n"
			       "Recomputes every artifact's SHA-256, sha256sum.txt, the verity tree, the\n"
			       "cmdline and every predicted measurement of a bundle against its\n"
			       "manifest. Exit 0 when all match, 1 with one line per difference.\n",
			       IMG_PROG);
			return 0;
		}
		if (strcmp(argv[i], "--json") == 0 && !list)
			list = json_object_new_array();
		else if (!dir && argv[i][0] != '-')
			dir = argv[i];
		else
			dir = NULL, i = argc;
	}
	if (!dir) {
		json_object_put(list);
		usage_error("usage: %s verify DIR [--json]", IMG_PROG);
		return 2;
	}
	if (snpm_bundle_verify(dir, print_problem, list, &err) < 0)
		r = err.code == SNPM_EVERIFY && list ? EXIT_MISMATCH : report_verdict(dir, &err);
	if (list) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "ok", json_object_new_boolean(r == 0));
		json_object_object_add(o, "problems", list);
		print_json(o);
		json_object_put(o);
	} else if (r == 0) {
		printf("%s: every artifact, the verity tree, the cmdline and every measurement match "
		       "the manifest\n",
		       dir);
	}
	return r;
}
