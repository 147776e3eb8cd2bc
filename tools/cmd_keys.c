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

#include "../image/io.h"
#include "cli.h"

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

static int id_block_options(int argc, char **argv, struct id_block_args *a)
{
	static const struct option longopts[] = {
		{ "measurement", required_argument, NULL, 'm' },
		{ "id-key", required_argument, NULL, 'i' },
		{ "idkey", required_argument, NULL, 'i' },
		{ "author-key", required_argument, NULL, 'a' },
		{ "authorkey", required_argument, NULL, 'a' },
		{ "family-id", required_argument, NULL, 'f' },
		{ "image-id", required_argument, NULL, 'g' },
		{ "guest-svn", required_argument, NULL, 's' },
		{ "policy", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	memset(a, 0, sizeof(*a));
	a->policy = 0x30000; /* the reference's default */
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			a->measurement = optarg;
			break;
		case 'i':
			a->id_key = optarg;
			break;
		case 'a':
			a->author_key = optarg;
			break;
		case 'f':
			a->family_id = optarg;
			break;
		case 'g':
			a->image_id = optarg;
			break;
		case 's':
			if (!parse_u64(optarg, true, UINT32_MAX, &v)) {
				usage_error("--guest-svn: invalid value '%s'", optarg);
				return EXIT_USAGE;
			}
			a->svn = (uint32_t)v;
			break;
		case 'p':
			if (!parse_u64(optarg, true, UINT64_MAX, &a->policy)) {
				usage_error("--policy: invalid value '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			printf("Usage: %s id-block --measurement HEX|BASE64 --id-key PEM --author-key PEM "
			       "[--family-id HEX] [--image-id HEX] [--guest-svn N] [--policy VALUE] "
			       "[--json]\nPrints id-block=...,id-auth=... for QEMU and the key digests, "
			       "as snp-create-id-block does.\n",
			       PROG);
			exit(EXIT_OK);
		default:
			usage_error("id-block: unrecognized argument: %s", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || !a->measurement || !a->id_key || !a->author_key) {
		usage_error("id-block: expected --measurement HEX|BASE64 --id-key PEM --author-key "
			    "PEM");
		return EXIT_USAGE;
	}
	return 0;
}

static int id_params(const struct id_block_args *a, struct snpm_id_block_params *p)
{
	memset(p, 0, sizeof(*p));
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
	struct snpm_id_block_params p;
	struct id_block_args a;
	struct snpm_error err;
	char *id = NULL, *author = NULL;
	size_t id_len = 0, author_len = 0;
	int r = id_block_options(argc, argv, &a);

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

static void key_digest_help(void)
{
	printf("Usage: %s key-digest KEY.pem [--output-format hex|base64] [--json]\n"
	       "The SHA-384 a report carries in ID_KEY_DIGEST or AUTHOR_KEY_DIGEST for this P-384 "
	       "key (public or private).\n",
	       PROG);
}

int cmd_key_digest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output-format", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t d[SNPM_SHA384_SIZE];
	char out[2 * SNPM_SHA384_SIZE + 1];
	struct snpm_error err;
	bool base64 = false, json = false;
	char *pem = NULL;
	size_t len = 0;
	int c, r;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			key_digest_help();
			return EXIT_OK;
		} else if (c == 'j') {
			json = true;
		} else if (c == 'o' &&
			   (strcmp(optarg, "hex") == 0 || strcmp(optarg, "base64") == 0)) {
			base64 = strcmp(optarg, "base64") == 0;
		} else if (c == 'o') {
			usage_error("argument --output-format: invalid choice: '%s' (choose from "
				    "'hex', 'base64')",
				    optarg);
			return EXIT_USAGE;
		} else {
			usage_error("key-digest: %s: %s",
				    c == ':' ? "option needs an argument" : "unrecognized argument",
				    argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage_error("key-digest: expected one PEM key (P-384, public or private)");
		return EXIT_USAGE;
	}
	r = read_key(argv[optind], &pem, &len);
	if (r == 0 && snpm_key_digest(pem, len, d, &err) < 0)
		r = report(argv[optind], &err);
	free_key(pem, len);
	if (r)
		return r;
	format_digest(d, sizeof(d), base64, out);
	if (json) {
		struct json_object *o = json_object_new_object();
		json_add_str(o, "key", argv[optind]);
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
