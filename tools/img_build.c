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
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/rand.h>

#include <snpm/snpm.h>

#include "cli.h"
#include "img.h"
#include "../image/io.h"
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

int cmd_initramfs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "compress", required_argument, NULL, 'c' },
		{ "source-date-epoch", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct snpm_initramfs_options o = { .gzip = true };
	struct snpm_initramfs_result res;
	const char *list = NULL, *out = NULL, *epoch = NULL, *dir = NULL;
	struct snpm_error err;
	bool json = false;
	int c, r;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			list = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'c':
			if (strcmp(optarg, "gzip") != 0 && strcmp(optarg, "none") != 0) {
				usage_error("--compress: '%s' is not gzip or none", optarg);
				return 2;
			}
			o.gzip = strcmp(optarg, "gzip") == 0;
			break;
		case 'e':
			epoch = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			printf("Usage: %s initramfs (DIR | --list FILE) -o OUT [--compress gzip|none] "
			       "[--source-date-epoch N] [--json]\n",
			       IMG_PROG);
			return 0;
		default:
			usage_error("initramfs: unrecognized argument: %s", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc)
		dir = argv[optind++];
	if (optind != argc || !out || !dir == !list) {
		usage_error("usage: %s initramfs (DIR | --list FILE) -o OUT", IMG_PROG);
		return 2;
	}
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

int cmd_rootfs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "fs", required_argument, NULL, 'f' },
		{ "verity", no_argument, NULL, 'v' },
		{ "seed", required_argument, NULL, 's' },
		{ "source-date-epoch", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct snpm_rootfs_options o = { .fs = SNPM_FS_SQUASHFS };
	struct snpm_rootfs_result res;
	const char *out = NULL, *epoch = NULL, *seed = DEFAULT_ROOTFS_SEED;
	struct snpm_error err;
	bool json = false;
	int c, r;

	snpm_verity_defaults(&o.verity_params);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "squashfs") != 0 && strcmp(optarg, "erofs") != 0) {
				usage_error("--fs: '%s' is not squashfs or erofs", optarg);
				return 2;
			}
			o.fs = strcmp(optarg, "erofs") == 0 ? SNPM_FS_EROFS : SNPM_FS_SQUASHFS;
			break;
		case 'v':
			o.verity = true;
			break;
		case 's':
			seed = optarg;
			break;
		case 'e':
			epoch = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			printf("Usage: %s rootfs DIR -o OUT [--fs squashfs|erofs] [--verity [--seed S]] "
			       "[--source-date-epoch N] [--json]\n",
			       IMG_PROG);
			return 0;
		default:
			usage_error("rootfs: unrecognized argument: %s", argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc - 1 || !out) {
		usage_error("usage: %s rootfs DIR -o OUT [--fs squashfs|erofs] [--verity]",
			    IMG_PROG);
		return 2;
	}
	r = source_date_epoch(epoch, &o.source_date_epoch);
	if (r)
		return r;
	/* The verity salt and UUID come from a seed, so that the image stays reproducible. */
	if (o.verity &&
	    snpm_verity_derive(seed, o.verity_params.salt, o.verity_params.uuid, &err) < 0)
		return report(NULL, &err);
	o.verity_params.salt_len = 32;
	if (snpm_rootfs_create(argv[optind], out, &o, &res, &err) < 0)
		return report(argv[optind], &err);
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

int cmd_kernel_info(int argc, char **argv)
{
	struct snpm_kernel_info k;
	struct snpm_error err;
	const char *path = NULL;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("Usage: %s kernel-info FILE [--json]\n\n"
			       "Reads a bzImage's setup header (boot protocol, version, EFI stub) or a\n"
			       "vmlinux ELF's headers.\n",
			       IMG_PROG);
			return 0;
		}
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else {
			usage_error("kernel-info: unrecognized argument: %s", argv[i]);
			return 2;
		}
	}
	if (!path) {
		usage_error("usage: %s kernel-info FILE [--json]", IMG_PROG);
		return 2;
	}
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
