/* SPDX-License-Identifier: Apache-2.0 */
/* snpimage initramfs, rootfs and kernel-info. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/rand.h>

#include <snpm/snpm.h>

#include "cli.h"
#include "img.h"
#include "../core/io.h"
#include "opts.h"
#include "verbs.h"
#include "space.h"

/* ---- initramfs ---- */

/* SOURCE_DATE_EPOCH: the option, else the environment variable, else 0. */
int source_date_epoch(const char *opt, int64_t *ret)
{
	const char *s = opt ? opt : getenv("SOURCE_DATE_EPOCH");
	uint64_t v = 0;

	if (s && *s && !snpm_parse_number(s, INT64_MAX, &v)) {
		usage_error("SOURCE_DATE_EPOCH '%s' is not a number of seconds", s);
		return 2;
	}
	*ret = (int64_t)v;
	return 0;
}

/* Whether out is this process's standard output ("-", /dev/stdout, or the same file). */
static bool writes_stdout(const char *out)
{
	struct stat a, b;

	return strcmp(out, "-") == 0 || (fstat(STDOUT_FILENO, &a) == 0 && stat(out, &b) == 0 &&
					 a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

static void initramfs_print(const char *out, const struct snpm_initramfs_options *o,
			    const struct snpm_initramfs_result *res, bool json)
{
	char sha[65];

	snpm_hex_encode(res->sha256, sizeof(res->sha256), sha);
	if (json) {
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "path", json_object_new_string(out));
		json_object_object_add(j, "entries", json_object_new_int64((int64_t)res->entries));
		json_object_object_add(j, "size", json_object_new_int64((int64_t)res->size));
		json_object_object_add(j, "sha256", json_object_new_string(sha));
		json_object_object_add(j, "compression",
				       json_object_new_string(o->gzip ? "gzip" : "none"));
		json_object_object_add(j, "zlib", json_object_new_string(snpm_zlib_version()));
		json_object_object_add(j, "source_date_epoch",
				       json_object_new_int64(o->source_date_epoch));
		print_json(j);
		json_object_put(j);
	} else {
		/* When the archive itself went to stdout, the summary must not follow it there. */
		fprintf(writes_stdout(out) ? stderr : stdout,
			"%s: %llu entries, %llu bytes, sha256 %s%s%s\n", out,
			(unsigned long long)res->entries, (unsigned long long)res->size, sha,
			o->gzip ? ", gzip by zlib " : "", o->gzip ? snpm_zlib_version() : "");
	}
}

struct initramfs_args {
	struct snpm_initramfs_options o;
	const char *list, *out, *epoch;
	int gzip; /* --compress, from snpm_initramfs_compression_names() */
	bool json, quiet;
};

static const struct opt_doc initramfs_opts[] = {
	OPT_STR("list", 0, struct initramfs_args, list, "FILE",
		"a gen_init_cpio list instead of a folder"),
	OPT_STR("output", 'o', struct initramfs_args, out, "OUT",
		"the archive (a file, a device or -)"),
	OPT_CHOICE_OF("compress", struct initramfs_args, gzip, snpm_initramfs_compression_names,
		      "KIND", "{} (default: gzip, zlib level 9, no name, mtime 0)"),
	IMG_BUILD_OPTS(struct initramfs_args, "clamp mtimes"),
};

const struct verb_syntax syntax_initramfs = {
	.usage = "initramfs (DIR | --list FILE) -o OUT [--compress gzip|none] "
		 "[--source-date-epoch N] [--json]",
	.about = "A reproducible newc initramfs: entries sorted, inodes renumbered, owners 0, "
		 "mtimes clamped, padded to 512 bytes.",
	OPTS_TABLE(initramfs_opts),
	.max_pos = 1,
};

int cmd_initramfs(int argc, char **argv)
{
	struct initramfs_args a = { .o = { .size = sizeof(a.o) }, .gzip = 1 };
	struct snpm_initramfs_result res;
	struct snpm_error err;
	char *pos[1] = { NULL };
	size_t n_pos;
	int r = opts_parse(&syntax_initramfs, argc, argv, NULL, &a, pos, &n_pos);
	const char *dir = n_pos ? pos[0] : NULL, *list = a.list, *out = a.out;
	struct snpm_initramfs_options o = { .size = sizeof(o) };

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	if (!out || !dir == !list) {
		usage_error("initramfs: give a folder or --list, and -o (usage: %s %s)", IMG_PROG,
			    syntax_initramfs.usage);
		return 2;
	}
	o = a.o;
	o.gzip = a.gzip != 0;
	const char *epoch = a.epoch;
	bool json = a.json;
	r = source_date_epoch(epoch, &o.source_date_epoch);
	if (r)
		return r;
	if (snpm_initramfs_create(list ? list : dir, list != NULL, out, &o, &res, &err) < 0)
		return report(list ? list : dir, &err);
	initramfs_print(out, &o, &res, json);
	return 0;
}

/* ---- rootfs ---- */

#define DEFAULT_ROOTFS_SEED "snpimage-rootfs"

static void rootfs_print(const char *out, const struct snpm_rootfs_options *o,
			 const struct snpm_rootfs_result *res, bool json)
{
	char root[2 * SNPM_VERITY_MAX_DIGEST + 1] = "", salt[2 * SNPM_VERITY_MAX_SALT + 1] = "";

	if (o->verity) {
		snpm_hex_encode(res->verity.root_hash, res->verity.root_hash_len, root);
		snpm_hex_encode(o->verity_params.salt, o->verity_params.salt_len, salt);
	}
	if (json) {
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "path", json_object_new_string(out));
		json_object_object_add(
			j, "fs",
			json_object_new_string(o->fs == SNPM_FS_SQUASHFS ? "squashfs" : "erofs"));
		json_object_object_add(j, "data_size",
				       json_object_new_int64((int64_t)res->data_size));
		json_object_object_add(j, "size", json_object_new_int64((int64_t)res->size));
		if (o->verity) {
			json_object_object_add(j, "root_hash", json_object_new_string(root));
			json_object_object_add(j, "salt", json_object_new_string(salt));
			json_object_object_add(j, "hash_offset",
					       json_object_new_int64((int64_t)res->data_size));
		}
		print_json(j);
		json_object_put(j);
		return;
	}
	printf("%s: %s, data %llu bytes, file %llu bytes\n", out,
	       o->fs == SNPM_FS_SQUASHFS ? "squashfs" : "erofs", (unsigned long long)res->data_size,
	       (unsigned long long)res->size);
	if (o->verity)
		printf("root hash %s (verity tree at offset %llu, salt %s)\n", root,
		       (unsigned long long)res->data_size, salt);
}

struct rootfs_args {
	struct snpm_rootfs_options o;
	const char *out, *epoch, *seed;
	bool json, quiet;
};

static const struct opt_doc rootfs_opts[] = {
	OPT_STR("output", 'o', struct rootfs_args, out, "OUT", "the image file"),
	OPT_CHOICE_OF("fs", struct rootfs_args, o.fs, snpm_rootfs_fs_names, "KIND",
		      "{} (default: squashfs)"),
	OPT_BOOL("verity", struct rootfs_args, o.verity,
		 "append a dm-verity tree, superblock first"),
	OPT_STR("seed", 0, struct rootfs_args, seed, "S",
		"derive the verity salt and UUID from S (default: fixed)"),
	IMG_BUILD_OPTS(struct rootfs_args, "times"),
};

const struct verb_syntax syntax_rootfs = {
	.usage = "rootfs DIR -o OUT [--fs squashfs|erofs] [--verity [--seed S]] "
		 "[--source-date-epoch N] [--json]",
	.about = "A reproducible squashfs or erofs image of DIR, padded to 4 KiB, with an optional "
		 "verity tree appended (the layout dstack boots).",
	OPTS_TABLE(rootfs_opts),
	.min_pos = 1,
	.max_pos = 1,
};

int cmd_rootfs(int argc, char **argv)
{
	struct rootfs_args a = { .o = { .size = sizeof(a.o), .fs = SNPM_FS_SQUASHFS },
				 .seed = DEFAULT_ROOTFS_SEED };
	struct snpm_rootfs_result res;
	struct snpm_error err;
	char *pos[1];
	size_t n_pos;
	int r;

	snpm_verity_defaults(&a.o.verity_params);
	r = opts_parse(&syntax_rootfs, argc, argv, NULL, &a, pos, &n_pos);
	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	if (!a.out) {
		usage_error("rootfs: -o OUT is required (usage: %s %s)", IMG_PROG,
			    syntax_rootfs.usage);
		return 2;
	}
	struct snpm_rootfs_options o = a.o;
	const char *out = a.out, *epoch = a.epoch, *seed = a.seed;
	bool json = a.json;
	r = source_date_epoch(epoch, &o.source_date_epoch);
	if (r)
		return r;
	/* The verity salt and UUID come from a seed, so that the image stays reproducible. */
	if (o.verity &&
	    snpm_verity_derive(seed, o.verity_params.salt, o.verity_params.uuid, &err) < 0)
		return report(NULL, &err);
	o.verity_params.salt_len = 32;
	if (snpm_rootfs_create(pos[0], out, &o, &res, &err) < 0)
		return report(pos[0], &err);
	rootfs_print(out, &o, &res, json);
	return 0;
}

/* ---- kernel-info ---- */

static void kernel_json(const char *path, const struct snpm_kernel_info *k)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)k->file_size));
	json_object_object_add(o, "type", json_object_new_string(k->bzimage ? "bzImage" : "elf"));
	if (k->bzimage) {
		char proto[16];
		snprintf(proto, sizeof(proto), "%u.%02u", k->boot_protocol >> 8,
			 k->boot_protocol & 0xff);
		json_object_object_add(o, "boot_protocol", json_object_new_string(proto));
		json_object_object_add(o, "version", json_object_new_string(k->version));
		json_object_object_add(o, "setup_sects", json_object_new_int(k->setup_sects));
		json_object_object_add(o, "loadflags", json_object_new_int(k->loadflags));
		json_object_object_add(o, "xloadflags", json_object_new_int(k->xloadflags));
		json_object_object_add(o, "efi_stub", json_object_new_boolean(k->efi_stub));
		json_object_object_add(o, "efi_handover_64",
				       json_object_new_boolean(k->efi_handover_64));
		json_object_object_add(o, "init_size", json_object_new_int64(k->init_size));
		json_object_object_add(o, "cmdline_size", json_object_new_int64(k->cmdline_size));
		json_object_object_add(o, "sev_hashes_table", json_object_new_boolean(true));
	} else {
		json_object_object_add(o, "class", json_object_new_int(k->elf_class));
		json_object_object_add(o, "machine", json_object_new_int(k->elf_machine));
		json_object_object_add(o, "entry", json_object_new_int64((int64_t)k->elf_entry));
		json_object_object_add(o, "pvh_entry", json_object_new_boolean(k->pvh_entry));
		json_object_object_add(o, "sev_hashes_table", json_object_new_boolean(false));
	}
	print_json(o);
	json_object_put(o);
}

static void kernel_human(const char *path, const struct snpm_kernel_info *k)
{
	printf("file           %s (%llu bytes)\n", path, (unsigned long long)k->file_size);
	if (!k->bzimage) {
		printf("type           ELF%u, machine %u, entry 0x%llx, %zu program headers%s\n",
		       k->elf_class, k->elf_machine, (unsigned long long)k->elf_entry, k->elf_phdrs,
		       k->pvh_entry ? ", PVH entry note" : "");
		return;
	}
	printf("type           bzImage, boot protocol %u.%02u\n", k->boot_protocol >> 8,
	       k->boot_protocol & 0xff);
	printf("version        %s\n", k->version[0] ? k->version : "(none)");
	printf("setup          %u sectors, %llu bytes; payload %llu bytes\n", k->setup_sects,
	       (unsigned long long)k->setup_size,
	       (unsigned long long)(k->file_size - k->setup_size));
	printf("EFI            stub %s, handover 64-bit %s, 32-bit %s\n",
	       k->efi_stub ? "yes" : "no", k->efi_handover_64 ? "yes" : "no",
	       k->efi_handover_32 ? "yes" : "no");
	printf("flags          loadflags 0x%02x, xloadflags 0x%04x\n", k->loadflags, k->xloadflags);
	printf("sizes          init_size 0x%x, cmdline up to %u bytes\n", k->init_size,
	       k->cmdline_size);
}

FILE_VERB(syntax_kernel_info, "kernel-info FILE [--json]", "JSON output",
	  "Reads a bzImage's setup header (boot protocol, version, EFI stub) or a vmlinux "
	  "ELF's headers.");

int cmd_kernel_info(int argc, char **argv)
{
	struct snpm_kernel_info k;
	struct snpm_error err;
	const char *path;
	bool json;
	int r = opts_parse_file(&syntax_kernel_info, argc, argv, &path, &json);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	if (snpm_kernel_info(path, &k, &err) < 0)
		return report(path, &err);
	if (json)
		kernel_json(path, &k);
	else
		kernel_human(path, &k);
	if (k.elf)
		fprintf(stderr,
			"%s: %s: note: QEMU builds no SEV hashes table for ELF (PVH) kernels; "
			"measured direct boot needs a bzImage\n",
			IMG_PROG, path);
	return 0;
}
