/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PEM keys as the ID-block code consumes them, and ID authentication structures. The first byte
 * chooses how the rest is read: as PEM text; as DER wrapped in each PEM label the code accepts
 * (so mutations reach the key decoders, not only the base64 armour); or as the parameters and
 * a flip of a valid ID block and authentication structure signed with a test key.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "fuzz.h"

static const char *const labels[] = { "PRIVATE KEY", "EC PRIVATE KEY", "PUBLIC KEY" };

/* data as the DER body of a PEM block with this label. */
static char *armour(const uint8_t *data, size_t size, const char *label, size_t *ret_len)
{
	size_t b64 = 4 * ((size + 2) / 3), cap = b64 + b64 / 64 + 128;
	char *pem = malloc(cap);
	int n;

	if (!pem)
		abort();
	n = snprintf(pem, cap, "-----BEGIN %s-----\n", label);
	for (size_t at = 0; at < size; at += 48) {
		size_t chunk = size - at < 48 ? size - at : 48;
		n += EVP_EncodeBlock((unsigned char *)pem + n, data + at, (int)chunk);
		pem[n++] = '\n';
	}
	n += snprintf(pem + n, cap - (size_t)n, "-----END %s-----\n", label);
	*ret_len = (size_t)n;
	return pem;
}

/* A P-384 key as PEM, made once. */
static const char *test_key(size_t *len)
{
	static char *pem;
	static size_t pem_len;

	if (!pem) {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		BIO *bio = BIO_new(BIO_s_mem());
		char *data;
		if (!k || !bio || PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) != 1)
			abort();
		pem_len = (size_t)BIO_get_mem_data(bio, &data);
		pem = malloc(pem_len);
		if (!pem)
			abort();
		memcpy(pem, data, pem_len);
		BIO_free(bio);
		EVP_PKEY_free(k);
	}
	*len = pem_len;
	return pem;
}

/* A valid ID block and auth from fuzzer-chosen parameters, then one fuzzer-chosen byte flipped. */
static void id_block_round_trip(const uint8_t *data, size_t size)
{
	struct snpm_id_block_params p = { .size = sizeof(p) };
	uint8_t block[SNPM_ID_BLOCK_SIZE], auth[SNPM_ID_AUTH_SIZE], idd[48], ad[48];
	uint8_t both[SNPM_ID_BLOCK_SIZE + SNPM_ID_AUTH_SIZE];
	size_t klen;
	const char *key = test_key(&klen);

	memcpy(&p, data, size < sizeof(p) ? size : sizeof(p));
	p.size = sizeof(p); /* the parameters are fuzzed; sizes are tests/test_measure.c's */
	if (snpm_id_block_create(&p, key, klen, key, klen, block, auth, idd, ad, NULL) != 0)
		return;
	if (snpm_id_auth_verify(block, auth, NULL) != 0)
		abort(); /* what we sign must verify */
	memcpy(both, block, sizeof(block));
	memcpy(both + sizeof(block), auth, sizeof(auth));
	if (size >= sizeof(p) + 3) {
		size_t at = ((size_t)data[sizeof(p)] << 8 | data[sizeof(p) + 1]) % sizeof(both);
		both[at] ^= data[sizeof(p) + 2] | 1;
		snpm_id_auth_verify(both, both + SNPM_ID_BLOCK_SIZE, NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t digest[SNPM_SHA384_SIZE];
	size_t len;
	char *pem;

	if (size == 0)
		return 0;
	switch (data[0] % 5) {
	case 0:
		snpm_key_digest((const char *)data + 1, size - 1, digest, NULL);
		snpm_private_key_check((const char *)data + 1, size - 1, NULL);
		break;
	case 1:
	case 2:
	case 3:
		pem = armour(data + 1, size - 1, labels[data[0] % 5 - 1], &len);
		snpm_key_digest(pem, len, digest, NULL);
		snpm_private_key_check(pem, len, NULL);
		free(pem);
		break;
	default:
		id_block_round_trip(data + 1, size - 1);
	}
	/* An ID block followed by its 4096-byte authentication structure, read as given. */
	if (size == SNPM_ID_BLOCK_SIZE + SNPM_ID_AUTH_SIZE)
		snpm_id_auth_verify(data, data + SNPM_ID_BLOCK_SIZE, NULL);
	return 0;
}
