/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IGVM files: the header parser, the `snpmeasure igvm` display (text, and JSON both streamed and
 * as a tree, which must be the same bytes), then for each platform and every loader the
 * launch's checks and dry run (whatever the file asks for: the library's page cap bounds them),
 * the measurement, and a sweep and match over vCPU counts. The checksum is made right first, as
 * a loader would find it, so that fuzzing gets past it to the headers (a wrong checksum is
 * refused before anything else, and tested). A launch-measurement CoRIM is read and shown, and
 * its signature must not verify with a key that did not make it.
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fuzz.h"
#include "../../tools/cli.h"

/*
 * Hashing is linear in the pages measured, and a small input can declare up to the library's
 * cap (4 GiB of them): the checks and the dry run see every input, the hashing only those this
 * small, to keep executions fast.
 */
#define FUZZ_MAX_PAGES 16384

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fix_checksum(uint8_t *f, size_t size)
{
	uint32_t fixed = size >= 8 && le32(f + 4) == 2 ? 32 : 24;
	uint64_t off, len;
	uLong crc;

	if (size < fixed)
		return;
	off = le32(f + 8), len = le32(f + 12);
	if (off > size || len > size - off)
		return;
	memset(f + 20, 0, 4);
	crc = crc32(crc32(0L, Z_NULL, 0), f, fixed);
	crc = crc32(crc, f + off, (uInt)len);
	for (int i = 0; i < 4; i++)
		f[20 + i] = (uint8_t)(crc >> (8 * i));
}

static bool small_enough(const struct snpm_igvm *g)
{
	uint64_t pages = 0;

	for (size_t i = 0; i < snpm_igvm_count(g); i++) {
		struct snpm_igvm_header hv, *h = &hv;
		snpm_igvm_header(g, i, &hv);
		if (h->type == SNPM_IGVM_PAGE_DATA || h->type == SNPM_IGVM_PARAMETER_INSERT)
			pages += h->size / 4096;
	}
	return pages <= FUZZ_MAX_PAGES;
}

/* Both JSON forms are the same bytes; the text form is produced. Nothing is kept. */
static void show(const struct snpm_igvm *g, size_t size)
{
	char *streamed = NULL, *tree = NULL;
	size_t a = 0, b = 0;
	FILE *m = open_memstream(&streamed, &a), *n = open_memstream(&tree, &b), *null;
	struct json_object *o = igvm_to_json("f", g, size, NULL);

	if (!m || !n)
		abort();
	igvm_print_json(m, "f", g, size, NULL,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	fprintf(n, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	fclose(m), fclose(n);
	if (a != b || memcmp(streamed, tree, a) != 0)
		abort();
	json_object_put(o);
	free(streamed), free(tree);
	null = fopen("/dev/null", "w");
	if (null) {
		igvm_print(null, "f", g, size);
		fclose(null);
	}
}

/* The CoRIM the file carries, read, shown, and its signature checked with a key that did not
 * sign it: a signature that verifies would be a forgery. */
static void corim(const struct snpm_igvm *g, const struct snpm_source *src, size_t size)
{
	static const char key[] =
		"-----BEGIN PUBLIC KEY-----\n"
		"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1RHaZ8ZrQ0zFFBYPV/TCBs6k7KbB\n"
		"UKjNL9Y4GG+oLd/JZ1PIesTdxSjgKqq3QX0SuBovTDBR8IHA1/5ledE0ww==\n"
		"-----END PUBLIC KEY-----\n";
	struct snpm_igvm_corim c;
	FILE *null = fopen("/dev/null", "w");

	if (snpm_igvm_corim(g, src, &c, NULL) == 0 && null) {
		igvm_print_corim(null, &c);
		struct json_object *o = igvm_to_json("f", g, size, &c);
		json_object_put(o);
	}
	if (null)
		fclose(null);
	if (snpm_igvm_corim_verify(g, src, key, sizeof(key) - 1, NULL) == 0)
		abort();
}

static int count_row(void *arg, const struct snpm_sweep_row *row)
{
	const uint8_t *want = arg;

	/* A match: the row for the count measured alone is the same digest. */
	if (row->vcpus == 1u + want[48] && memcmp(row->digest, want, row->digest_len) != 0)
		abort();
	return 0;
}

static void sweep(const struct snpm_measure_config *c, uint8_t *out)
{
	static const uint32_t vcpus[] = { 1, 2, 3 };
	uint32_t sig = c->vcpu_sig;
	uint64_t features = 0;
	enum snpm_vmm vmm = SNPM_VMM_QEMU;
	struct snpm_sweep_space sp = { sizeof(sp), vcpus, 3, &sig, 1, &features, 1, &vmm, 1 };

	snpm_sweep(c, &sp, count_row, out, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum snpm_mode modes[] = { SNPM_MODE_SNP, SNPM_MODE_SEV_ES, SNPM_MODE_SEV };
	uint8_t *f = malloc(size ? size : 1), out[SNPM_LD_SIZE + 1];
	struct snpm_igvm *g = NULL;
	size_t len;

	if (!f)
		return 0;
	memcpy(f, data, size);
	fix_checksum(f, size);
	struct snpm_source src = { .data = f, .size = size };
	if (snpm_igvm_parse(&src, &g, NULL) == 0) {
		bool small = small_enough(g);
		show(g, size);
		corim(g, &src, size);
		for (size_t m = 0; m < 3; m++)
			for (const struct snpm_name *l = snpm_igvm_semantics_names(); l->name;
			     l++) {
				struct snpm_measure_config c = { .size = sizeof(c),
					.mode = modes[m],
					.vmm = SNPM_VMM_QEMU,
					.vcpus = 1 + (unsigned)(size % 3),
					.vcpu_sig = 0x800f12,
					.loader = SNPM_LOADER_IGVM,
					.igvm = src,
					.igvm_semantics = (enum snpm_igvm_semantics)l->value,
					.igvm_native_zero = size & 1,
				}, resolved;
				/* The checks and the dry run, for every input. */
				if (snpm_measure_resolve(&c, &resolved, NULL) < 0 || !small)
					continue;
				if (snpm_measure(&c, out, &len, NULL) == 0) {
					out[48] = (uint8_t)(c.vcpus - 1);
					sweep(&c, out);
				}
			}
	}
	snpm_igvm_free(g);
	free(f);
	return 0;
}
