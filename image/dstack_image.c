/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dstack OS image folders (<snpm/dstack.h>): os_image_hash = SHA-256(sha256sum.txt), recorded
 * in digest.txt, and measurement.snp.cbor bound to it by its line in sha256sum.txt (dstack-types'
 * verify_measurement_material). Stricter than dstack where a looser reading could change what is
 * measured: every line must be "<sha256>  <name>" with a plain name, listed once, and every
 * listed file the folder holds must match.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include <snpm/dstack.h>

#include "../core/core.h"
#include "bundle.h"

#define SUMS_FILE SUMS
#define DIGEST_FILE "digest.txt"

/* digest.txt: the 64 hex digits of os_image_hash and at most a newline. */
static int check_digest(const char *dir, const uint8_t hash[32], struct snpm_error *reterr)
{
	char *path = bundle_join(dir, DIGEST_FILE), *text = NULL, want[65];
	int r = path ? snpm_io_read_text(path, SNPM_IO_REGULAR | SNPM_IO_NOFOLLOW, 4096, &text,
					 reterr) :
		       snpm_fail(reterr, SNPM_ENOMEM, "out of memory");

	snpm_hex_encode(hash, 32, want);
	if (r == 0) {
		size_t n = strlen(text);
		if (n && text[n - 1] == '\n')
			text[--n] = '\0';
		if (n != 64 || strcasecmp(text, want) != 0)
			r = snpm_fail(reterr, SNPM_EVERIFY,
				      DIGEST_FILE " says %.64s, but " SUMS_FILE " hashes to %s",
				      text, want);
	}
	free(text);
	free(path);
	return r < 0 ? snpm_io_name(DIGEST_FILE, r, reterr) : 0;
}

/* Every listed file the folder holds matches; measurement.snp.cbor (read once, by the caller,
 * so what is checked is what is parsed) must be listed. */
static int check_files(const char *dir, const struct sum_line *lines, size_t n,
		       const uint8_t cbor_sha256[32], struct snpm_error *reterr)
{
	bool cbor_listed = false;
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++) {
		char *path = bundle_join(dir, lines[i].name);
		struct digest d;
		struct stat st;
		bool is_cbor = strcmp(lines[i].name, SNPM_DSTACK_SNP_CBOR) == 0;
		cbor_listed |= is_cbor;
		if (!path)
			return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
		if (is_cbor || (lstat(path, &st) < 0 && errno == ENOENT)) {
			free(path);
			if (is_cbor && memcmp(cbor_sha256, lines[i].sha256, 32) != 0)
				r = snpm_fail(reterr, SNPM_EVERIFY,
					      SNPM_DSTACK_SNP_CBOR
					      " does not have the SHA-256 " SUMS_FILE " lists");
			continue;
		}
		r = bundle_file_digest(path, &d, reterr);
		if (r == 0 && memcmp(d.sha256, lines[i].sha256, 32) != 0)
			r = snpm_fail(reterr, SNPM_EVERIFY,
				      "%s does not have the SHA-256 " SUMS_FILE " lists",
				      lines[i].name);
		free(path);
	}
	if (r == 0 && !cbor_listed)
		r = snpm_fail(reterr, SNPM_EVERIFY,
			      SUMS_FILE " does not list " SNPM_DSTACK_SNP_CBOR);
	return r;
}

int snpm_dstack_image_read(const char *dir, uint8_t os_image_hash[32], struct snpm_spec **ret,
			   struct snpm_error *reterr)
{
	struct sum_line *lines = calloc(SUMS_MAX_LINES, sizeof(*lines));
	char *sums_path = bundle_join(dir, SUMS_FILE),
	     *cbor_path = bundle_join(dir, SNPM_DSTACK_SNP_CBOR);
	char *text = NULL;
	uint8_t *cbor = NULL, cbor_sha256[32];
	size_t n = 0, cbor_len = 0;
	int r = lines && sums_path && cbor_path ? 0 :
						  snpm_fail(reterr, SNPM_ENOMEM, "out of memory");

	if (r == 0)
		r = snpm_io_name(SUMS_FILE,
				 snpm_io_read_text(sums_path, SNPM_IO_REGULAR | SNPM_IO_NOFOLLOW,
						   1u << 20, &text, reterr),
				 reterr);
	if (r == 0 && EVP_Digest(text, strlen(text), os_image_hash, NULL, EVP_sha256(), NULL) != 1)
		r = snpm_fail(reterr, SNPM_ECRYPTO, "SHA-256 failed");
	if (r == 0)
		r = check_digest(dir, os_image_hash, reterr);
	if (r == 0)
		r = sums_parse(text, lines, &n, reterr);
	if (r == 0)
		r = snpm_io_name(SNPM_DSTACK_SNP_CBOR,
				 snpm_io_read_all(cbor_path, SNPM_IO_REGULAR | SNPM_IO_NOFOLLOW,
						  1u << 20, &cbor, &cbor_len, reterr),
				 reterr);
	if (r == 0 && EVP_Digest(cbor, cbor_len, cbor_sha256, NULL, EVP_sha256(), NULL) != 1)
		r = snpm_fail(reterr, SNPM_ECRYPTO, "SHA-256 failed");
	if (r == 0)
		r = check_files(dir, lines, n, cbor_sha256, reterr);
	if (r == 0 && ret)
		r = snpm_io_name(SNPM_DSTACK_SNP_CBOR,
				 snpm_dstack_cbor_parse(cbor, cbor_len, ret, reterr), reterr);
	free(cbor);
	free(text);
	free(lines);
	free(sums_path);
	free(cbor_path);
	return r;
}
