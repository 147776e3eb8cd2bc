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
#include "opts.h"
#include "verbs.h"
#include "img.h"
#include "../core/io.h"
#include "space.h"

/* ---- bundle and verify ---- */

struct bundle_args {
	struct snpm_bundle_spec spec;
	struct space_text text;
	const char *features[16];
	const char *out, *epoch;
	bool json, quiet;
};

/* Options a handler reads (ids past 255). */
enum { B_FEATURES = 256 };

#define B_STR(lname, short_id, member, mv, text) \
	OPT_STR(lname, short_id, struct bundle_args, member, mv, text)

static const struct opt_doc bundle_opts[] = {
	B_STR("kernel", 0, spec.kernel, "F", "the bzImage"),
	B_STR("initramfs", 0, spec.initramfs, "F|DIR",
	      "an initramfs, or a folder packed reproducibly"),
	B_STR("rootfs", 0, spec.rootfs, "F|DIR",
	      "a rootfs image (without a verity tree), or a folder built into one"),
	B_STR("ovmf", 0, spec.ovmf, "F", "the firmware"),
	B_STR("cmdline", 0, spec.cmdline_template, "TEMPLATE",
	      "the kernel command line; {roothash} and {datasize} are filled in from the tree"),
	B_STR("output", 'o', out, "DIR",
	      "the bundle folder (written whole: temp folder, then rename)"),
	B_STR("vcpus", 0, text.vcpus, "LIST", "e.g. 1-4,8 (default 1)"),
	B_STR("vcpu-type", 0, text.types, "LIST|all", "CPU models (default EPYC-v4)"),
	B_STR("vcpu-sig", 0, text.sigs, "LIST", "CPU signatures"),
	OPT_HANDLER("guest-features", B_FEATURES, "LIST", "repeatable (default 0x1)"),
	B_STR("vmm-type", 0, text.vmms, "LIST", "QEMU,ec2,gce (default QEMU)"),
	OPT_CHOICE_OF("fs", struct bundle_args, spec.fs, snpm_rootfs_fs_names, "KIND",
		      "rootfs image type: {} (default: squashfs)"),
	OPT_CHOICE_OF("layout", struct bundle_args, spec.layout, snpm_bundle_layout_names,
		      "snpimage|dstack",
		      "file names and checksums: {} (default: snpimage, ours; dstack: its image "
		      "folder with metadata.json, measurement.snp.cbor, sha256sum.txt, "
		      "digest.txt)"),
	OPT_BOOL("rootfs-unmeasured", struct bundle_args, spec.rootfs_unmeasured,
		 "allow a cmdline without {roothash}: the predicted measurement then does not "
		 "cover the rootfs (recorded in the manifest)"),
	B_STR("seed", 0, spec.seed, "S", "verity salt/UUID seed (default fixed, reproducible)"),
	B_STR("source-date-epoch", 0, epoch, "N",
	      "timestamps (default $SOURCE_DATE_EPOCH, else 0)"),
	OPT_BOOL("json", struct bundle_args, json, "print the manifest"),
	OPT_QUIET(struct bundle_args, quiet, "no progress on a terminal"),
};

const struct verb_syntax syntax_bundle = {
	.usage = "bundle --kernel F --initramfs F|DIR --rootfs F|DIR --ovmf F --cmdline TEMPLATE "
		 "-o DIR [options]",
	.about = "Copies or builds the boot chain into DIR with manifest.json, measurements.jsonl "
		 "(the predicted launch measurement of every combination of the lists, one JSON "
		 "line each) and sha256sum.txt.",
	OPTS_TABLE(bundle_opts),
};

/* --guest-features (repeatable) */
static int bundle_option(void *ctx, int c, const char *arg)
{
	struct bundle_args *b = ctx;

	(void)c;
	if (b->text.n_features == 16) {
		usage_error("bundle: --guest-features given more than 16 times");
		return 2;
	}
	b->features[b->text.n_features++] = arg;
	return 0;
}

static int bundle_parse(int argc, char **argv, struct bundle_args *b)
{
	char *pos[1];
	size_t n_pos;
	int r;

	memset(b, 0, sizeof(*b));
	SNPM_INIT(&b->spec);
	b->spec.fs = SNPM_FS_SQUASHFS;
	r = opts_parse(&syntax_bundle, argc, argv, bundle_option, b, pos, &n_pos);
	if (r)
		return r;
	if (!b->out || !b->spec.kernel || !b->spec.initramfs || !b->spec.rootfs || !b->spec.ovmf ||
	    !b->spec.cmdline_template) {
		usage_error("bundle: --kernel, --initramfs, --rootfs, --ovmf, --cmdline and -o are "
			    "required (see '%s bundle --help')",
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
	struct snpm_sweep_space sw = { .size = sizeof(sw) };
	struct bundle_args b;
	struct snpm_error err;
	char tool[64];
	int r = bundle_parse(argc, argv, &b);

	if (r == OPTS_HELP)
		return EXIT_OK;
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
		printf("FAIL %s: %s\n", what, detail);
	}
}

FILE_VERB(syntax_verify, "verify DIR [--json]", "JSON output: pass, and every problem",
	  "Recomputes every artifact's SHA-256, sha256sum.txt, the verity tree, the cmdline "
	  "and every predicted measurement of a bundle against its manifest. Exit 0 when all "
	  "match, 3 with one line per difference.");

int cmd_verify(int argc, char **argv)
{
	struct json_object *list = NULL;
	struct snpm_error err;
	const char *dir;
	bool json;
	int r = opts_parse_file(&syntax_verify, argc, argv, &dir, &json);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	if (json)
		list = json_object_new_array();
	if (snpm_bundle_verify(dir, print_problem, list, &err) < 0)
		r = err.code == SNPM_EVERIFY && list ? EXIT_MISMATCH : report_verdict(dir, &err);
	if (list) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "pass", json_object_new_boolean(r == 0));
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
