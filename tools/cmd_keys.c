/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpmeasure id-block and key-digest: the ID block and its authentication structure for QEMU's
 * sev-snp-guest object, and the key digests a report carries. Key files are wiped after use.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "../core/io.h"
#include "cli.h"
#include "opts.h"
#include "verbs.h"

static int read_key(const char *path, char **ret, size_t *len)
{
	struct snpm_error err;
	uint8_t *buf;

	if (snpm_io_read_all(path, SNPM_IO_PIPES, 1u << 20, &buf, len, &err) < 0)
		return report(path, &err);
	*ret = (char *)buf;
	return 0;
}

/* Key material is wiped before its memory is returned. */
static void free_key(char *k, size_t len)
{
	if (k)
		OPENSSL_cleanse(k, len);
	free(k);
}

static void b64(const uint8_t *d, size_t len, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, d, (int)len);
}

struct id_block_args {
	const char *measurement, *id_key, *author_key, *family_id, *image_id;
	uint32_t svn;
	uint64_t policy;
	bool json;
};

#define ID_OPT(lname, member, mv, text) OPT_STR(lname, 0, struct id_block_args, member, mv, text)

static const struct opt_doc id_block_opts[] = {
	ID_OPT("measurement", measurement, "HEX|BASE64", "the launch measurement (48 bytes)"),
	ID_OPT("id-key", id_key, "PEM", "the ID key (P-384, private)"),
	ID_OPT("idkey", id_key, "PEM", "the same, as snp-create-id-block spells it"),
	ID_OPT("author-key", author_key, "PEM", "the author key (P-384, private)"),
	ID_OPT("authorkey", author_key, "PEM", "the same, as snp-create-id-block spells it"),
	ID_OPT("family-id", family_id, "HEX", "FAMILY_ID (32 hex digits, default zero)"),
	ID_OPT("image-id", image_id, "HEX", "IMAGE_ID (32 hex digits, default zero)"),
	OPT_NUM32("guest-svn", struct id_block_args, svn, "N", UINT32_MAX, "GUEST_SVN (default 0)"),
	OPT_NUM64("policy", struct id_block_args, policy, "VALUE", UINT64_MAX,
		  "the guest policy (default 0x30000)"),
	OPT_JSON_FLAG(struct id_block_args, json),
};

const struct verb_syntax syntax_id_block = {
	.usage =
		"id-block --measurement HEX|BASE64 --id-key PEM --author-key PEM [--family-id HEX] "
		"[--image-id HEX] [--guest-svn N] [--policy VALUE] [--json]",
	.about = "Prints id-block=...,id-auth=... for QEMU's sev-snp-guest object and the key "
		 "digests, as snp-create-id-block does.",
	OPTS_TABLE(id_block_opts),
};

static int id_block_options(int argc, char **argv, struct id_block_args *a)
{
	char *pos[1];
	size_t n_pos;
	int r;

	memset(a, 0, sizeof(*a));
	a->policy = 0x30000; /* the reference's default */
	r = opts_parse(&syntax_id_block, argc, argv, NULL, a, pos, &n_pos);
	if (r)
		return r;
	if (!a->measurement || !a->id_key || !a->author_key) {
		usage_error("id-block: --measurement, --id-key and --author-key are required "
			    "(see '%s id-block --help')",
			    PROG);
		return EXIT_USAGE;
	}
	return 0;
}

static int id_params(const struct id_block_args *a, struct snpm_id_block_params *p)
{
	SNPM_INIT(p);
	p->guest_svn = a->svn;
	p->policy = a->policy;
	if (parse_measurement(a->measurement, p->measurement) != SNPM_LD_SIZE) {
		usage_error("--measurement: '%s' is not a 48-byte digest in hex or base64",
			    a->measurement);
		return EXIT_USAGE;
	}
	if (a->family_id && !parse_hex(a->family_id, p->family_id, 16)) {
		usage_error("--family-id: '%s' is not 32 hex digits", a->family_id);
		return EXIT_USAGE;
	}
	if (a->image_id && !parse_hex(a->image_id, p->image_id, 16)) {
		usage_error("--image-id: '%s' is not 32 hex digits", a->image_id);
		return EXIT_USAGE;
	}
	return 0;
}

static void print_id_block(const struct id_block_args *a, const uint8_t *block, const uint8_t *auth,
			   const uint8_t *idd, const uint8_t *ad)
{
	static char auth64[4 * SNPM_ID_AUTH_SIZE / 3 + 8];
	char block64[4 * SNPM_ID_BLOCK_SIZE / 3 + 8], id64[80], a64[80];

	b64(block, SNPM_ID_BLOCK_SIZE, block64);
	b64(auth, SNPM_ID_AUTH_SIZE, auth64);
	b64(idd, SNPM_SHA384_SIZE, id64);
	b64(ad, SNPM_SHA384_SIZE, a64);
	if (a->json) {
		struct json_object *o = json_object_new_object();
		json_add_str(o, "id_block", block64);
		json_add_str(o, "id_auth", auth64);
		json_add_hex(o, "id_key_digest", idd, SNPM_SHA384_SIZE);
		json_add_hex(o, "author_key_digest", ad, SNPM_SHA384_SIZE);
		print_json(o);
		json_object_put(o);
		return;
	}
	/* Exactly the reference's output: QEMU's -object sev-snp-guest,id-block=...,id-auth=... */
	printf("id-block=%s,id-auth=%s\n", block64, auth64);
	printf("id_key_hash: %s\n", id64);
	printf("author_key: %s\n", a64);
}

int cmd_id_block(int argc, char **argv)
{
	uint8_t block[SNPM_ID_BLOCK_SIZE], auth[SNPM_ID_AUTH_SIZE], idd[48], ad[48];
	struct snpm_id_block_params p = { .size = sizeof(p) };
	struct id_block_args a;
	struct snpm_error err;
	char *id = NULL, *author = NULL;
	size_t id_len = 0, author_len = 0;
	int r = id_block_options(argc, argv, &a);

	if (r == OPTS_HELP)
		return EXIT_OK;
	if (r == 0)
		r = id_params(&a, &p);
	if (r == 0)
		r = read_key(a.id_key, &id, &id_len);
	if (r == 0 && snpm_private_key_check(id, id_len, &err) < 0)
		r = report(a.id_key, &err);
	if (r == 0)
		r = read_key(a.author_key, &author, &author_len);
	if (r == 0 && snpm_private_key_check(author, author_len, &err) < 0)
		r = report(a.author_key, &err);
	if (r == 0 && snpm_id_block_create(&p, id, id_len, author, author_len, block, auth, idd, ad,
					   &err) < 0)
		r = report(NULL, &err);
	free_key(id, id_len);
	free_key(author, author_len);
	if (r == 0)
		print_id_block(&a, block, auth, idd, ad);
	return r;
}

struct key_digest_args {
	int base64; /* --output-format */
	bool json;
};

static const struct opt_doc key_digest_opts[] = {
	OPT_CHOICE_OF("output-format", struct key_digest_args, base64, output_format_names,
		      "FORMAT", "{} (default: hex)"),
	OPT_JSON_FLAG(struct key_digest_args, json),
};

const struct verb_syntax syntax_key_digest = {
	.usage = "key-digest KEY.pem [--output-format hex|base64] [--json]",
	.about = "The SHA-384 a report carries in ID_KEY_DIGEST or AUTHOR_KEY_DIGEST for this "
		 "P-384 key (public or private).",
	OPTS_TABLE(key_digest_opts),
	.min_pos = 1,
	.max_pos = 1,
};

int cmd_key_digest(int argc, char **argv)
{
	uint8_t d[SNPM_SHA384_SIZE];
	char out[2 * SNPM_SHA384_SIZE + 1], *pos[1];
	struct key_digest_args a = { 0, false };
	struct snpm_error err;
	char *pem = NULL;
	size_t len = 0, n_pos;
	int r = opts_parse(&syntax_key_digest, argc, argv, NULL, &a, pos, &n_pos);
	bool base64, json;

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	base64 = a.base64, json = a.json;
	const char *path = pos[0];
	r = read_key(path, &pem, &len);
	if (r == 0 && snpm_key_digest(pem, len, d, &err) < 0)
		r = report(path, &err);
	free_key(pem, len);
	if (r)
		return r;
	format_digest(d, sizeof(d), base64, out);
	if (json) {
		struct json_object *o = json_object_new_object();
		json_add_str(o, "key", path);
		json_add_hex(o, "sha384", d, sizeof(d));
		json_add_str(o, "digest", out);
		json_add_str(o, "format", base64 ? "base64" : "hex");
		print_json(o);
		json_object_put(o);
	} else {
		puts(out);
	}
	return 0;
}
