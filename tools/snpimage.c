/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
/*
 * snpimage: reproducible packaging of the SEV-SNP boot chain. Exit codes: 0 success,
 * 1 failure or mismatch, 2 usage error.
 */
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

#define IMG_PROG "snpimage"
#include "space.h"
#include "reader.h"

/* ---- verity ---- */

enum {
	V_HASH = 256,
	V_DATA_BS,
	V_HASH_BS,
	V_DATA_BLOCKS,
	V_HASH_OFFSET,
	V_NO_SB,
	V_FORMAT,
	V_SALT,
	V_UUID,
	V_ROOT_FILE,
	V_JSON,
	V_SEED,
	V_THREADS,
	V_DATA_DEV,
	V_HASH_DEV,
	V_HELP,
};

static const struct option verity_opts[] = {
	{ "hash", required_argument, NULL, V_HASH },
	{ "data-block-size", required_argument, NULL, V_DATA_BS },
	{ "hash-block-size", required_argument, NULL, V_HASH_BS },
	{ "data-blocks", required_argument, NULL, V_DATA_BLOCKS },
	{ "hash-offset", required_argument, NULL, V_HASH_OFFSET },
	{ "no-superblock", no_argument, NULL, V_NO_SB },
	{ "format", required_argument, NULL, V_FORMAT },
	{ "salt", required_argument, NULL, V_SALT },
	{ "uuid", required_argument, NULL, V_UUID },
	{ "root-hash-file", required_argument, NULL, V_ROOT_FILE },
	{ "json", no_argument, NULL, V_JSON },
	{ "seed", required_argument, NULL, V_SEED },
	{ "threads", required_argument, NULL, V_THREADS },
	{ "data-device", required_argument, NULL, V_DATA_DEV },
	{ "hash-device", required_argument, NULL, V_HASH_DEV },
	{ "help", no_argument, NULL, V_HELP },
	{ NULL, 0, NULL, 0 },
};

struct verity_args {
	struct snpm_verity_params p;
	bool salt_given, uuid_given, json;
	const char *seed, *root_file, *data_dev, *hash_dev;
	char *pos[3];
	int n_pos;
};

static bool number(const char *s, uint64_t max, uint64_t *ret)
{
	return snpm_parse_number(s, max, ret);
}

static int verity_option(struct verity_args *a, int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case V_HASH:
		if (snpm_hash_parse(arg, &a->p.hash) == 0 && a->p.hash != SNPM_HASH_SHA384)
			return 0;
		usage_error("--hash: '%s' is not sha256, sha1 or sha512", arg);
		return -1;
	case V_DATA_BS:
	case V_HASH_BS:
		if (!number(arg, UINT32_MAX, &v)) {
			usage_error("block size '%s' is not a number", arg);
			return -1;
		}
		*(c == V_DATA_BS ? &a->p.data_block_size : &a->p.hash_block_size) = (uint32_t)v;
		return 0;
	case V_DATA_BLOCKS:
		return number(arg, UINT64_MAX, &a->p.data_blocks) ?
			       0 :
			       (usage_error("--data-blocks: '%s'", arg), -1);
	case V_HASH_OFFSET:
		return number(arg, UINT64_MAX, &a->p.hash_offset) ?
			       0 :
			       (usage_error("--hash-offset: '%s'", arg), -1);
	case V_NO_SB:
		a->p.no_superblock = true;
		return 0;
	case V_FORMAT:
		if (strcmp(arg, "0") == 0 || strcmp(arg, "1") == 0) {
			a->p.format = (uint32_t)(arg[0] - '0');
			return 0;
		}
		usage_error("--format: '%s' is not 0 or 1", arg);
		return -1;
	case V_SALT:
		a->salt_given = true;
		a->p.salt_len = strcmp(arg, "-") == 0 ? 0 : strlen(arg) / 2;
		if (strcmp(arg, "-") == 0 ||
		    (strlen(arg) % 2 == 0 && a->p.salt_len <= SNPM_VERITY_MAX_SALT &&
		     snpm_hex_decode(arg, a->p.salt, a->p.salt_len)))
			return 0;
		usage_error("--salt: '%s' is not up to 256 bytes of hex, or -", arg);
		return -1;
	case V_UUID:
		a->uuid_given = true;
		if (snpm_uuid_parse(arg, a->p.uuid) == 0)
			return 0;
		usage_error("--uuid: '%s' is not a UUID", arg);
		return -1;
	case V_ROOT_FILE:
		a->root_file = arg;
		return 0;
	case V_JSON:
		a->json = true;
		return 0;
	case V_SEED:
		a->seed = arg;
		return 0;
	case V_THREADS:
		if (number(arg, 8, &v) && v >= 1) {
			a->p.threads = (unsigned)v;
			return 0;
		}
		usage_error("--threads: '%s' is not 1-8", arg);
		return -1;
	case V_DATA_DEV:
		a->data_dev = arg;
		return 0;
	case V_HASH_DEV:
		a->hash_dev = arg;
		return 0;
	default:
		return -1;
	}
}

static int verity_parse(int argc, char **argv, struct verity_args *a, int want_pos,
			const char *usage)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int c;

	memset(a, 0, sizeof(*a));
	snpm_verity_defaults(&a->p);
	a->p.threads = cpus > 8 ? 8 : cpus < 1 ? 1 : (unsigned)cpus;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", verity_opts, NULL)) != -1) {
		if (c == V_HELP) {
			printf("Usage: %s %s\n", IMG_PROG, usage);
			exit(0);
		}
		if (c == '?' || c == ':') {
			usage_error("unrecognized or incomplete argument: %s", argv[optind - 1]);
			return 2;
		}
		if (verity_option(a, c, optarg) < 0)
			return 2;
	}
	for (; optind < argc; optind++) {
		if (a->n_pos == want_pos) {
			usage_error("unexpected argument: %s", argv[optind]);
			return 2;
		}
		a->pos[a->n_pos++] = argv[optind];
	}
	if (a->n_pos != want_pos) {
		usage_error("usage: %s %s", IMG_PROG, usage);
		return 2;
	}
	if (a->seed && (a->salt_given || a->uuid_given)) {
		usage_error("--seed derives salt and UUID: not with --salt or --uuid");
		return 2;
	}
	return 0;
}

/* Salt and UUID: given, derived from --seed, or random as veritysetup makes them. */
static int salt_and_uuid(struct verity_args *a)
{
	struct snpm_error err;

	if (a->seed) {
		if (snpm_verity_derive(a->seed, a->p.salt, a->p.uuid, &err) < 0)
			return report(NULL, &err);
		a->p.salt_len = 32;
		return 0;
	}
	if (!a->salt_given) {
		a->p.salt_len = 32;
		if (RAND_bytes(a->p.salt, 32) != 1)
			return 1;
	}
	if (!a->uuid_given) {
		if (RAND_bytes(a->p.uuid, 16) != 1)
			return 1;
		a->p.uuid[6] = (a->p.uuid[6] & 0x0f) | 0x40;
		a->p.uuid[8] = (a->p.uuid[8] & 0x3f) | 0x80;
	}
	return 0;
}

static uint64_t hash_start_block(const struct snpm_verity_params *p)
{
	if (p->no_superblock)
		return p->hash_offset / p->hash_block_size;
	return (p->hash_offset + SNPM_VERITY_SB_SIZE + p->hash_block_size - 1) / p->hash_block_size;
}

static void print_format(const struct verity_args *a, const struct snpm_verity_result *res,
			 uint64_t data_blocks)
{
	const struct snpm_verity_params *p = &a->p;
	bool inline_tree = strcmp(a->pos[0], a->pos[1]) == 0;
	const char *ddev = a->data_dev ? a->data_dev : "/dev/vda";
	const char *hdev = a->hash_dev ? a->hash_dev : inline_tree ? ddev : "/dev/vdb";
	char root[2 * SNPM_VERITY_MAX_DIGEST + 1], salt[2 * SNPM_VERITY_MAX_SALT + 1], uuid[37];
	char *dm = NULL, *open = NULL;
	uint64_t start = hash_start_block(p);

	snpm_hex_encode(res->root_hash, res->root_hash_len, root);
	if (p->salt_len)
		snpm_hex_encode(p->salt, p->salt_len, salt);
	else
		strcpy(salt, "-");
	snpm_uuid_format(p->uuid, uuid);
	/* The kernel's dm-verity table (Documentation/admin-guide/device-mapper/verity.rst). */
	if (asprintf(&dm,
		     "dm-mod.create=\"verity,,,ro,0 %llu verity %u %s %s %u %u %llu %llu %s %s %s\"",
		     (unsigned long long)(data_blocks * p->data_block_size / 512), p->format, ddev,
		     hdev, p->data_block_size, p->hash_block_size, (unsigned long long)data_blocks,
		     (unsigned long long)start, snpm_hash_name(p->hash), root, salt) < 0 ||
	    asprintf(&open, "veritysetup open %s verity %s %s%s%llu", ddev, hdev, root,
		     p->hash_offset ? " --hash-offset=" : "",
		     (unsigned long long)p->hash_offset) < 0)
		return;
	if (!p->hash_offset)
		open[strlen(open) - 1] = '\0'; /* drop the trailing 0 */
	if (a->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "data", json_object_new_string(a->pos[0]));
		json_object_object_add(o, "hash", json_object_new_string(a->pos[1]));
		json_object_object_add(o, "uuid", json_object_new_string(uuid));
		json_object_object_add(o, "hash_type", json_object_new_int64(p->format));
		json_object_object_add(o, "data_blocks",
				       json_object_new_int64((int64_t)data_blocks));
		json_object_object_add(o, "data_block_size",
				       json_object_new_int64(p->data_block_size));
		json_object_object_add(o, "hash_blocks",
				       json_object_new_int64((int64_t)res->hash_blocks));
		json_object_object_add(o, "hash_block_size",
				       json_object_new_int64(p->hash_block_size));
		json_object_object_add(o, "hash_algorithm",
				       json_object_new_string(snpm_hash_name(p->hash)));
		json_object_object_add(o, "salt", json_object_new_string(salt));
		json_object_object_add(o, "root_hash", json_object_new_string(root));
		json_object_object_add(o, "hash_offset",
				       json_object_new_int64((int64_t)p->hash_offset));
		json_object_object_add(o, "superblock", json_object_new_boolean(!p->no_superblock));
		json_object_object_add(o, "hash_start_block",
				       json_object_new_int64((int64_t)start));
		json_object_object_add(o, "hash_end",
				       json_object_new_int64((int64_t)res->hash_end));
		json_object_object_add(o, "dm_mod_create", json_object_new_string(dm));
		json_object_object_add(o, "veritysetup_open", json_object_new_string(open));
		print_json(o);
		json_object_put(o);
	} else {
		printf("VERITY header information for %s\n", a->pos[1]);
		printf("UUID:            \t%s\n", p->no_superblock ? "" : uuid);
		printf("Hash type:       \t%u\n", p->format);
		printf("Data blocks:     \t%llu\n", (unsigned long long)data_blocks);
		printf("Data block size: \t%u\n", p->data_block_size);
		printf("Hash blocks:     \t%llu\n", (unsigned long long)res->hash_blocks);
		printf("Hash block size: \t%u\n", p->hash_block_size);
		printf("Hash algorithm:  \t%s\n", snpm_hash_name(p->hash));
		printf("Salt:            \t%s\n", salt);
		printf("Root hash:      \t%s\n", root);
		printf("%s\n%s\n", dm, open);
	}
	free(dm);
	free(open);
}

static int verity_format(int argc, char **argv)
{
	struct snpm_verity_result res;
	struct verity_args a;
	struct snpm_error err;
	char root[2 * SNPM_VERITY_MAX_DIGEST + 1];
	uint64_t blocks;
	int r = verity_parse(argc, argv, &a, 2, "verity format DATA HASH [options]");

	if (r == 0)
		r = salt_and_uuid(&a);
	if (r == 0 && snpm_verity_format(a.pos[0], a.pos[1], &a.p, &res, &err) < 0)
		r = report(a.pos[0], &err);
	if (r == 0 && a.root_file) {
		snpm_hex_encode(res.root_hash, res.root_hash_len, root);
		if (tool_write_atomic(a.root_file, root, strlen(root), 0644, &err) < 0)
			r = report(a.root_file, &err);
	}
	if (r == 0) {
		blocks = a.p.data_blocks;
		if (!blocks) {
			uint64_t size = 0;
			tool_file_size(a.pos[0], &size, NULL);
			blocks = size / a.p.data_block_size;
		}
		print_format(&a, &res, blocks);
	}
	return r;
}

static int verity_verify(int argc, char **argv)
{
	struct snpm_verity_mismatch miss;
	uint8_t root[SNPM_VERITY_MAX_DIGEST];
	struct verity_args a;
	struct snpm_error err;
	size_t len;
	int r = verity_parse(argc, argv, &a, 3, "verity verify DATA HASH ROOTHASH [options]");

	if (r)
		return r;
	len = strlen(a.pos[2]) / 2;
	if (len > sizeof(root) || strlen(a.pos[2]) % 2 || !snpm_hex_decode(a.pos[2], root, len)) {
		usage_error("ROOTHASH '%s' is not hex", a.pos[2]);
		return 2;
	}
	if (snpm_verity_verify(a.pos[0], a.pos[1], &a.p, root, len, &miss, &err) < 0)
		return report(a.pos[miss.found && miss.data ? 0 : 1], &err);
	if (a.json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "verified", json_object_new_boolean(true));
		print_json(o);
		json_object_put(o);
	} else {
		printf("%s: verified against root hash %s\n", a.pos[0], a.pos[2]);
	}
	return 0;
}

static int cmd_verity(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "format") == 0)
		return verity_format(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return verity_verify(argc - 1, argv + 1);
	usage_error("verity: expected format or verify");
	return 2;
}

/* ---- initramfs ---- */

/* SOURCE_DATE_EPOCH: the option, else the environment variable, else 0. */
static int source_date_epoch(const char *opt, int64_t *ret)
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

static int cmd_initramfs(int argc, char **argv)
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
	char sha[65];
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
	snpm_hex_encode(res.sha256, sizeof(res.sha256), sha);
	if (json) {
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "path", json_object_new_string(out));
		json_object_object_add(j, "entries", json_object_new_int64((int64_t)res.entries));
		json_object_object_add(j, "size", json_object_new_int64((int64_t)res.size));
		json_object_object_add(j, "sha256", json_object_new_string(sha));
		json_object_object_add(j, "compression",
				       json_object_new_string(o.gzip ? "gzip" : "none"));
		json_object_object_add(j, "zlib", json_object_new_string(snpm_zlib_version()));
		json_object_object_add(j, "source_date_epoch",
				       json_object_new_int64(o.source_date_epoch));
		print_json(j);
		json_object_put(j);
	} else {
		printf("%s: %llu entries, %llu bytes, sha256 %s%s%s\n", out,
		       (unsigned long long)res.entries, (unsigned long long)res.size, sha,
		       o.gzip ? ", gzip by zlib " : "", o.gzip ? snpm_zlib_version() : "");
	}
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

static int cmd_rootfs(int argc, char **argv)
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

static int cmd_kernel_info(int argc, char **argv)
{
	struct snpm_kernel_info k;
	struct snpm_error err;
	const char *path = NULL;
	bool json = false;

	for (int i = 1; i < argc; i++) {
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

/* ---- bundle and verify ---- */

struct bundle_args {
	struct snpm_bundle_spec spec;
	struct space_text text;
	const char *features[16];
	const char *out, *epoch;
	bool json;
};

static int bundle_option(struct bundle_args *b, int c, const char *arg)
{
	switch (c) {
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
		if (b->text.n_features == 16)
			return -1;
		b->features[b->text.n_features++] = arg;
		return 0;
	case 'm':
		b->text.vmms = arg;
		return 0;
	case 'F':
		if (strcmp(arg, "squashfs") != 0 && strcmp(arg, "erofs") != 0)
			return -1;
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
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(b, 0, sizeof(*b));
	b->spec.fs = SNPM_FS_SQUASHFS;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1)
		if (bundle_option(b, c, optarg) < 0) {
			usage_error("bundle: bad or unknown argument: %s", argv[optind - 1]);
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

static int cmd_bundle(int argc, char **argv)
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
	sw = space_for_sweep(&sp);
	snprintf(tool, sizeof(tool), "%s %s", IMG_PROG, snpm_version());
	b.spec.space = &sw;
	b.spec.vcpu_type_names = sp.sig_names;
	b.spec.tool = tool;
	if (snpm_bundle_create(&b.spec, b.out, &err) < 0)
		return report(b.out, &err);
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
		printf("%s: bundle written (manifest.json, sha256sum.txt, %zu predicted "
		       "measurement%s)\n",
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

static int cmd_verify(int argc, char **argv)
{
	struct json_object *list = NULL;
	struct snpm_error err;
	const char *dir = NULL;
	int r = 0;

	for (int i = 1; i < argc; i++) {
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
		r = err.code == SNPM_EVERIFY && list ? 1 : report(dir, &err);
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

static const struct img_verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} verbs[] = {
	{ "verity", cmd_verity, "verity format DATA HASH | verity verify DATA HASH ROOTHASH" },
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
		printf("  %s\n", verbs[i].help);
}

int main(int argc, char **argv)
{
	int r = -1;

	cli_prog = IMG_PROG;
	cli_install_signal_handlers();
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		help();
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", IMG_PROG, snpm_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			r = verbs[i].run(argc - 1, argv + 1);
	if (r < 0) {
		usage_error("unknown verb '%s' (see --help)", argv[1]);
		return 2;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write to stdout: %s\n", IMG_PROG, strerror(errno));
		return 1;
	}
	return r;
}
