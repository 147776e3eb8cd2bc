/* SPDX-License-Identifier: Apache-2.0 */
/* snpimage verity format|verify|dump. */
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

/* ---- verity ---- */

/* Options a handler reads (ids past 255). */
enum { V_HASH = 256, V_DATA_BS, V_HASH_BS, V_FORMAT, V_SALT, V_UUID, V_THREADS };

struct verity_args {
	struct snpm_verity_params p;
	bool salt_given, uuid_given, json, quiet;
	const char *seed, *root_file, *data_dev, *hash_dev;
	char *pos[3];
	int n_pos;
};

#define V_STR(lname, member, mv, text) OPT_STR(lname, 0, struct verity_args, member, mv, text)

static const struct opt_doc verity_opts[] = {
	OPT_CHOICE_OF("hash", struct verity_args, p.hash, snpm_verity_hash_names, "ALG",
		      "{} (default: sha256)"),
	OPT_HANDLER("data-block-size", V_DATA_BS, "N", "bytes (default 4096)"),
	OPT_HANDLER("hash-block-size", V_HASH_BS, "N", "bytes (default 4096)"),
	OPT_NUM64("data-blocks", struct verity_args, p.data_blocks, "N", UINT64_MAX,
		  "hash only the first N data blocks"),
	OPT_NUM64("hash-offset", struct verity_args, p.hash_offset, "N", UINT64_MAX,
		  "where the tree starts in HASH (HASH may be DATA)"),
	OPT_BOOL("no-superblock", struct verity_args, p.no_superblock, "write no superblock"),
	OPT_HANDLER("format", V_FORMAT, "0|1", "hash format (default 1)"),
	OPT_HANDLER("salt", V_SALT, "HEX|-", "the salt (- for none; default random)"),
	OPT_HANDLER("uuid", V_UUID, "UUID", "the superblock's UUID (default random)"),
	V_STR("root-hash-file", root_file, "F", "write (format) or read (verify) the root hash"),
	OPT_BOOL("json", struct verity_args, json, "JSON output (a verdict also when it is no)"),
	OPT_QUIET(struct verity_args, quiet, "no progress on a terminal"),
	V_STR("seed", seed, "S", "derive salt and UUID from S (HMAC-SHA256), reproducibly"),
	OPT_HANDLER("threads", V_THREADS, "N",
		    "hash the data with N threads (default: CPUs, at most 8)"),
	V_STR("data-device", data_dev, "DEV", "the guest's data device in the printed lines"),
	V_STR("hash-device", hash_dev, "DEV", "the guest's hash device in the printed lines"),
};

static int verity_number(const char *name, const char *arg, uint64_t min, uint64_t max,
			 uint64_t *ret)
{
	if (snpm_parse_number(arg, max, ret) && *ret >= min)
		return 0;
	usage_error("--%s: '%s' is not a number from %llu to %llu", name, arg,
		    (unsigned long long)min, (unsigned long long)max);
	return -1;
}

static int verity_salt(struct verity_args *a, const char *arg)
{
	a->salt_given = true;
	a->p.salt_len = strcmp(arg, "-") == 0 ? 0 : strlen(arg) / 2;
	if (strcmp(arg, "-") == 0 ||
	    (strlen(arg) % 2 == 0 && a->p.salt_len <= SNPM_VERITY_MAX_SALT &&
	     snpm_hex_decode(arg, a->p.salt, a->p.salt_len)))
		return 0;
	usage_error("--salt: '%s' is not up to 256 bytes of hex, or -", arg);
	return -1;
}

static int verity_option(struct verity_args *a, int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case V_DATA_BS:
	case V_HASH_BS:
		if (verity_number(c == V_DATA_BS ? "data-block-size" : "hash-block-size", arg, 0,
				  UINT32_MAX, &v) < 0)
			return -1;
		*(c == V_DATA_BS ? &a->p.data_block_size : &a->p.hash_block_size) = (uint32_t)v;
		return 0;
	case V_FORMAT:
		if (strcmp(arg, "0") == 0 || strcmp(arg, "1") == 0) {
			a->p.format = (uint32_t)(arg[0] - '0');
			return 0;
		}
		usage_error("--format: '%s' is not 0 or 1", arg);
		return -1;
	case V_SALT:
		return verity_salt(a, arg);
	case V_UUID:
		a->uuid_given = true;
		if (snpm_uuid_parse(arg, a->p.uuid) == 0)
			return 0;
		usage_error("--uuid: '%s' is not a UUID", arg);
		return -1;
	default: /* V_THREADS */
		if (verity_number("threads", arg, 1, 8, &v) < 0)
			return -1;
		a->p.threads = (unsigned)v;
		return 0;
	}
}

static void verity_help(void)
{
	printf("Usage: %s verity format DATA HASH [options]\n"
	       "       %s verity verify DATA HASH ROOTHASH [options]\n"
	       "       %s verity dump HASH [--hash-offset N] [--json]\n\n"
	       "dm-verity hash trees byte-identical to veritysetup's, with its options:\n"
	       "  --hash sha256|sha1|sha512   --data-block-size N   --hash-block-size N\n"
	       "  --data-blocks N             --hash-offset N       --no-superblock\n"
	       "  --format 0|1                --salt HEX|-          --uuid UUID\n"
	       "  --root-hash-file F          --json\n"
	       "and these additions:\n"
	       "  --seed S      derive salt and UUID from S (HMAC-SHA256), for reproducible trees\n"
	       "  --threads N   hash the data with N threads (default: online CPUs, at most 8)\n"
	       "  --data-device DEV, --hash-device DEV\n"
	       "                the guest's devices in the printed dm-mod.create= table and\n"
	       "                veritysetup open line (default /dev/vda, /dev/vdb)\n"
	       "HASH may be DATA itself, with --hash-offset, to append the tree to the data.\n",
	       IMG_PROG, IMG_PROG, IMG_PROG);
}

static int on_verity_option(void *ctx, int id, const char *arg)
{
	return verity_option(ctx, id, arg) < 0 ? 2 : 0;
}

#define VERITY_ABOUT                                                                              \
	"dm-verity hash trees byte-identical to veritysetup's, with its options and a few more. " \
	"HASH may be DATA itself, with --hash-offset, to append the tree."

const struct verb_syntax syntax_verity_format = {
	.usage = "verity format DATA HASH [options]",
	.about = VERITY_ABOUT,
	OPTS_TABLE(verity_opts),
	.min_pos = 2,
	.max_pos = 2,
};

const struct verb_syntax syntax_verity_verify = {
	.usage = "verity verify DATA HASH (ROOTHASH | --root-hash-file F) [options]",
	.about = VERITY_ABOUT,
	OPTS_TABLE(verity_opts),
	.min_pos = 2, /* the root hash may come from --root-hash-file */
	.max_pos = 3,
};

static int verity_parse(int argc, char **argv, struct verity_args *a, const struct verb_syntax *syn)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n_pos;
	int r;

	memset(a, 0, sizeof(*a));
	snpm_verity_defaults(&a->p);
	a->p.threads = cpus > 8 ? 8 : cpus < 1 ? 1 : (unsigned)cpus;
	r = opts_parse(syn, argc, argv, on_verity_option, a, a->pos, &n_pos);
	if (r == OPTS_HELP)
		exit(0);
	if (r)
		return r;
	a->n_pos = (int)n_pos;
	/* verity verify takes the root hash as an argument or, as veritysetup does, from
	 * --root-hash-file. */
	if ((size_t)a->n_pos != syn->max_pos && !(syn->max_pos == 3 && a->root_file)) {
		usage_error("usage: %s %s", IMG_PROG, syn->usage);
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
	int r = verity_parse(argc, argv, &a, &syntax_verity_format);

	if (r == 0)
		r = salt_and_uuid(&a);
	if (r == 0 && snpm_verity_format(a.pos[0], a.pos[1], &a.p, &res, &err) < 0)
		r = report(a.pos[0], &err);
	if (r == 0 && a.root_file) {
		snpm_hex_encode(res.root_hash, res.root_hash_len, root);
		if (snpm_io_write_file(a.root_file, root, strlen(root), 0644, &err) < 0)
			r = report(a.root_file, &err);
	}
	if (r == 0) {
		blocks = a.p.data_blocks;
		if (!blocks) {
			uint64_t size = 0;
			snpm_io_file_size(a.pos[0], &size, NULL);
			blocks = size / a.p.data_block_size;
		}
		print_format(&a, &res, blocks);
	}
	return r;
}

/* The root hash: the third argument, or the first line of --root-hash-file. */
static int root_hash_text(struct verity_args *a, char **ret)
{
	struct snpm_error err;
	char *text;

	if (a->n_pos == 3) {
		*ret = strdup(a->pos[2]);
		return *ret ? 0 : EXIT_FAIL;
	}
	if (snpm_io_read_text(a->root_file, SNPM_IO_PIPES, 4096, &text, &err) < 0)
		return report(a->root_file, &err);
	text[strcspn(text, "\r\n")] = '\0';
	*ret = text;
	return 0;
}

/* The verdict as JSON, also when it is "no" (with the reason), so machines need no stderr. */
static void verdict_json(const struct verity_args *a, bool ok, const char *reason)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "pass", json_object_new_boolean(ok));
	json_object_object_add(o, "data", json_object_new_string(a->pos[0]));
	json_object_object_add(o, "hash", json_object_new_string(a->pos[1]));
	if (reason)
		json_object_object_add(o, "reason", json_object_new_string(reason));
	print_json(o);
	json_object_put(o);
}

static int verity_verify(int argc, char **argv)
{
	struct snpm_verity_mismatch miss = { 0 };
	uint8_t root[SNPM_VERITY_MAX_DIGEST];
	struct verity_args a;
	struct snpm_error err;
	char *hex = NULL;
	size_t len;
	int r = verity_parse(argc, argv, &a, &syntax_verity_verify);

	if (r == 0)
		r = root_hash_text(&a, &hex);
	if (r)
		return r;
	len = strlen(hex) / 2;
	if (len > sizeof(root) || strlen(hex) % 2 || !snpm_hex_decode(hex, root, len)) {
		usage_error("root hash '%s' is not hex", hex);
		free(hex);
		return 2;
	}
	r = snpm_verity_verify(a.pos[0], a.pos[1], &a.p, root, len, &miss, &err);
	if (r < 0) {
		if (a.json)
			verdict_json(&a, false, err.message);
		free(hex);
		return report_verdict(a.pos[miss.found && miss.data ? 0 : 1], &err);
	}
	if (a.json)
		verdict_json(&a, true, NULL);
	else
		printf("%s: verified against root hash %s\n", a.pos[0], hex);
	free(hex);
	return 0;
}

/* ---- dump: the superblock as veritysetup dump (2.6, Debian 12) prints it ---- */

struct dump_args {
	uint64_t hash_offset;
	bool json;
};

static const struct opt_doc dump_opts[] = {
	OPT_NUM64("hash-offset", struct dump_args, hash_offset, "N", UINT64_MAX,
		  "where the superblock is in HASH"),
	OPT_BOOL("json", struct dump_args, json, "the superblock's fields as JSON"),
};

const struct verb_syntax syntax_verity_dump = {
	.usage = "verity dump HASH [--hash-offset N] [--json]",
	.about = "The verity superblock in HASH, as `veritysetup dump` prints it.",
	OPTS_TABLE(dump_opts),
	.min_pos = 1,
	.max_pos = 1,
};

static int verity_dump(int argc, char **argv)
{
	struct dump_args a = { 0 };
	struct snpm_verity_params p = { .size = sizeof(p) };
	struct snpm_error err;
	uint64_t blocks = 0;
	char uuid[37], *salt, *pos[1];
	size_t n_pos;
	int r = opts_parse(&syntax_verity_dump, argc, argv, NULL, &a, pos, &n_pos);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	if (snpm_verity_read_superblock(pos[0], a.hash_offset, &p, &err) < 0 ||
	    snpm_verity_tree_blocks(&p, &blocks, &err) < 0)
		return report(pos[0], &err);
	snpm_uuid_format(p.uuid, uuid);
	salt = malloc(2 * p.salt_len + 2);
	if (!salt)
		return EXIT_FAIL;
	if (p.salt_len)
		to_hex(p.salt, p.salt_len, salt);
	else
		strcpy(salt, "-");
	/* The superblock rounded up to a hash block, then the tree. */
	uint64_t device = (1 + blocks) * p.hash_block_size;
	if (a.json) {
		struct json_object *o = json_object_new_object();
		json_add_str(o, "uuid", uuid);
		json_object_object_add(o, "hash_type", json_object_new_int64(p.format));
		json_object_object_add(o, "data_blocks",
				       json_object_new_int64((int64_t)p.data_blocks));
		json_object_object_add(o, "data_block_size",
				       json_object_new_int64(p.data_block_size));
		json_object_object_add(o, "hash_blocks", json_object_new_int64((int64_t)blocks));
		json_object_object_add(o, "hash_block_size",
				       json_object_new_int64(p.hash_block_size));
		json_add_str(o, "hash_algorithm", snpm_hash_name(p.hash));
		json_add_str(o, "salt", p.salt_len ? salt : "");
		json_object_object_add(o, "hash_device_size",
				       a.hash_offset ? NULL :
						       json_object_new_int64((int64_t)device));
		print_json(o);
		json_object_put(o);
	} else {
		printf("VERITY header information for %s\n", pos[0]);
		printf("UUID:            \t%s\n", uuid);
		printf("Hash type:       \t%u\n", p.format);
		printf("Data blocks:     \t%llu\n", (unsigned long long)p.data_blocks);
		printf("Data block size: \t%u\n", p.data_block_size);
		printf("Hash blocks:     \t%llu\n", (unsigned long long)blocks);
		printf("Hash block size: \t%u\n", p.hash_block_size);
		printf("Hash algorithm:  \t%s\n", snpm_hash_name(p.hash));
		printf("Salt:            \t%s\n", salt);
		/* veritysetup knows the hash device's size only when the area starts it. */
		if (!a.hash_offset)
			printf("Hash device size: \t%llu [bytes]\n", (unsigned long long)device);
	}
	free(salt);
	return 0;
}

int cmd_verity(int argc, char **argv)
{
	static const struct verb_entry sub[] = {
		{ "format", verity_format, "verity format DATA HASH [options]" },
		{ "verify", verity_verify, "verity verify DATA HASH ROOTHASH [options]" },
		{ "dump", verity_dump, "verity dump HASH [--hash-offset N] [--json]" },
	};

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		verity_help();
		return 0;
	}
	return verbs_dispatch("verity", sub, sizeof(sub) / sizeof(sub[0]), argc, argv);
}
