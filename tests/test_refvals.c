/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reference values out and in (<snpm/refvals.h>, snpmeasure refvals): the bytes of each format
 * against what its profile says, round trips through the reader and through a policy that
 * appraises a real Genoa report, signatures, and the refusals (shapes, pins, conflicts).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <snpm/snpm.h>
#include <snpm/version.h>

#include "testutil.h"

#define NOW_2027 1798761600
/* The Genoa fixture's fields (tests/fixtures/reports/genoa-v3). */
#define GENOA_MEASUREMENT                                                                      \
	"5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887920ab2fa0096" \
	"903a0c23fca1"
#define GENOA_HOST_DATA "4f4448c67f3c8dfc8de8a5e37125d807dadcc41f06cf23f615dbd52eec777d10"
#define GENOA_ID_KEY                                                                           \
	"0ad79ceb0b648b0e6a90d8aa9f6ea24c33a968b6632085353145e8b19a4741a2dab9ba342e13be4fc0d2" \
	"25e889cc1a58"

/* Hex with spaces for reading (dropped here) into out. */
static size_t unhex(const char *spaced, uint8_t *out, size_t max)
{
	char hex[4096];
	size_t k = 0;
	int n;

	for (const char *p = spaced; *p && k < sizeof(hex) - 1; p++)
		if (*p != ' ')
			hex[k++] = *p;
	hex[k] = 0;
	n = tu_unhex(hex, out, max);
	assert_true(n >= 0);
	return (size_t)n;
}

/* CBOR text: its head and bytes, as hex. */
static void cbor_text_hex(const char *s, char *out)
{
	size_t n = strlen(s), k = 0;

	if (n < 24)
		k = (size_t)sprintf(out, "%02x", 0x60 + (unsigned)n);
	else
		k = (size_t)sprintf(out, "78%02x", (unsigned)n);
	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(out + k, "%02x", (unsigned char)s[i]);
}

static void write_values(const uint8_t (*m)[SNPM_LD_SIZE], size_t n,
			 const struct snpm_refvals_pins *pins, uint64_t svn,
			 enum snpm_refvals_format f, const char *key, uint8_t **out, size_t *len)
{
	struct snpm_refvals rv;
	struct snpm_error err;

	SNPM_INIT(&rv);
	rv.measurements = m;
	rv.n = n;
	rv.svn = svn;
	if (pins)
		rv.pins = *pins;
	rv.inputs = "AMD/SEV-SNP/launch-measurement";
	if (snpm_refvals_write(&rv, f, key, key ? strlen(key) : 0, out, len, &err) < 0)
		fail_msg("write: %s", err.message);
}

/* microsoft/igvm's builder test shape: a digest of 0xAA bytes, SVN 1, its CoRIM id; every byte
 * as the launch-measurement profile lays it out (igvm/src/corim/launch_measurement). */
static void test_launch_bytes(void **state)
{
	uint8_t m[1][SNPM_LD_SIZE], *out = NULL, want[1024];
	char hex[4096], creator[128], digest[2 * SNPM_LD_SIZE + 1], comid[2048], meas[256];
	const char *env = "a100a20163414d44026753455"
			  "62d534e50"; /* {0:{1:"AMD",2:"SEV-SNP"}} */
	size_t len = 0, n;

	(void)state;
	memset(m[0], 0xaa, SNPM_LD_SIZE);
	write_values((const uint8_t(*)[SNPM_LD_SIZE])m, 1, NULL, 1, SNPM_REFVALS_CORIM_LAUNCH, NULL,
		     &out, &len);
	tu_hex(m[0], SNPM_LD_SIZE, digest);
	/* { 0: "MEASUREMENT", 1: { 2: [[7, h'aa..']] } } */
	snprintf(meas, sizeof(meas), "a2006b4d4541535552454d454e5401a10281820758 30%s", digest);
	/* { 1: { 0: tag-id }, 4: { 0: [[env, [meas]]], 8: [[[env, []], [[[meas], [{1: {1:
	 * 552(1)}}]]]]] } }; the tag-id is microsoft/igvm's test expectation */
	snprintf(comid, sizeof(comid),
		 "a201a1007824%s04a2008182%s81%s08818282%s80818281%s81a101a101d9022801",
		 "37376538303631652d343633342d356535332d613834382d643164303965393936383433", env,
		 meas, env, meas);
	cbor_text_hex("snpmeasure " SNPM_VERSION_STRING, creator);
	uint8_t comid_bytes[1024];
	size_t comid_len = unhex(comid, comid_bytes, sizeof(comid_bytes));
	char c[2048];
	tu_hex(comid_bytes, comid_len, c);
	/* 501({0: id, 1: [506(bstr comid)], 3: 32(profile), 5: [{0: creator, 2: [1]}]}) */
	snprintf(hex, sizeof(hex),
		 "d901f5a400781e%s0181d901fa58%02zx%s03d820782c%s0581a200%s028101",
		 "414d442f5345562d534e502f6c61756e63682d6d6561737572656d656e74", comid_len, c,
		 "7461673a6d6963726f736f66742e636f6d2c323032363a6c61756e63682d6d6561737572656d656e"
		 "742f7631",
		 creator);
	n = unhex(hex, want, sizeof(want));
	assert_int_equal(len, n);
	assert_memory_equal(out, want, n);
	free(out);
}

/* One triple of the SNP profile, every byte as Veraison's sevsnp scheme reads it. */
static void test_snp_bytes(void **state)
{
	uint8_t m[1][SNPM_LD_SIZE], *out = NULL, want[512];
	struct snpm_refvals_pins pins = { .has_host_data = true, .has_min_tcb = true };
	char d[2 * SNPM_LD_SIZE + 1], hd[65], hex[2048];
	size_t len = 0, n;

	(void)state;
	for (size_t i = 0; i < SNPM_LD_SIZE; i++)
		m[0][i] = (uint8_t)i;
	memset(pins.host_data, 0x11, 32);
	pins.min_tcb =
		(struct snpm_refvals_tcb){ .bootloader = 10, .tee = 1, .snp = 23, .microcode = 84 };
	write_values((const uint8_t(*)[SNPM_LD_SIZE])m, 1, &pins, 0, SNPM_REFVALS_CORIM_SNP, NULL,
		     &out, &len);
	tu_hex(m[0], SNPM_LD_SIZE, d);
	tu_hex(pins.host_data, 32, hd);
	/* [ {0: {0: 111(h'2b060104019c780301')}, 1: 560(digest)},
	 *   [ {0: 641, 1: {2: [[7, digest]]}}, {0: 642, 1: {4: 560(host data)}},
	 *     {0: 647, 1: {1: 553(0x541700000000010a)}} ] ] */
	snprintf(hex, sizeof(hex),
		 "82a200a100d86f492b0601040"
		 "19c7803010"
		 "1d902305830%s"
		 "83a200190281 01a102818207 5830%s"
		 "a200190282 01a104d902305820%s"
		 "a200190287 01a101d902291b541700000000010a",
		 d, d, hd);
	n = unhex(hex, want, sizeof(want));
	assert_non_null(memmem(out, len, want, n));
	/* and the envelope: 501({0: id, 1: [506(...)], 3: 32("tag:amd.com,2024:snp-corim-profile") */
	const uint8_t profile[] = "\xd8\x20\x78\x22tag:amd.com,2024:snp-corim-profile";
	assert_non_null(memmem(out, len, profile, sizeof(profile) - 1));
	assert_memory_equal(out, "\xd9\x01\xf5\xa4", 4);
	free(out);
}

/* Writes and reads back each format: the same measurements, pins and SVNs. */
static void test_round_trips(void **state)
{
	uint8_t m[3][SNPM_LD_SIZE], *out = NULL, *again = NULL;
	struct snpm_refvals_pins pins = { .has_host_data = true,
					  .has_id_key_digest = true,
					  .has_author_key_digest = true,
					  .has_min_tcb = true };
	struct snpm_refvals_pins tcb_only = { .has_min_tcb = true };
	struct snpm_refvals_file *f = NULL;
	struct snpm_error err;
	size_t len = 0, len2 = 0;

	(void)state;
	for (size_t i = 0; i < 3; i++)
		memset(m[i], 0x30 + (int)i, SNPM_LD_SIZE);
	memset(pins.host_data, 1, 32);
	memset(pins.id_key_digest, 2, SNPM_SHA384_SIZE);
	memset(pins.author_key_digest, 3, SNPM_SHA384_SIZE);
	pins.min_tcb = (struct snpm_refvals_tcb){ 3, 0, 8, 115 };
	tcb_only.min_tcb = pins.min_tcb;
	const struct {
		enum snpm_refvals_format f;
		const struct snpm_refvals_pins *pins;
		uint64_t svn;
	} cases[] = { { SNPM_REFVALS_CORIM_SNP, &pins, 0 },
		      { SNPM_REFVALS_CORIM_LAUNCH, NULL, 42 },
		      { SNPM_REFVALS_RVPS, &tcb_only, 0 } };
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		write_values((const uint8_t(*)[SNPM_LD_SIZE])m, 3, cases[c].pins, cases[c].svn,
			     cases[c].f, NULL, &out, &len);
		if (snpm_refvals_read(out, len, NULL, 0, &f, &err) < 0)
			fail_msg("format %d: %s", cases[c].f, err.message);
		assert_int_equal(f->format, cases[c].f);
		assert_false(f->signed_);
		assert_int_equal(f->n, 3);
		for (size_t i = 0; i < 3; i++)
			assert_memory_equal(f->measurements[i], m[i], SNPM_LD_SIZE);
		struct snpm_refvals_pins none = { 0 };
		assert_memory_equal(&f->pins, cases[c].pins ? cases[c].pins : &none, sizeof(none));
		if (cases[c].f == SNPM_REFVALS_CORIM_LAUNCH)
			assert_int_equal(f->svns[2], 42);
		assert_string_equal(f->creator, "snpmeasure " SNPM_VERSION_STRING);
		assert_string_equal(f->inputs, "AMD/SEV-SNP/launch-measurement");
		/* deterministic: the same values give the same bytes */
		write_values((const uint8_t(*)[SNPM_LD_SIZE])m, 3, cases[c].pins, cases[c].svn,
			     cases[c].f, NULL, &again, &len2);
		assert_int_equal(len, len2);
		assert_memory_equal(out, again, len);
		snpm_refvals_file_free(f);
		free(out), free(again);
	}
}

static char *pem_of(EVP_PKEY *key, bool private_key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *copy;
	long n;

	assert_int_equal(private_key ?
				 PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) :
				 PEM_write_bio_PUBKEY(bio, key),
			 1);
	n = BIO_get_mem_data(bio, &data);
	copy = strndup(data, (size_t)n);
	BIO_free(bio);
	return copy;
}

struct keys {
	char *priv, *pub, *other_pub, *p256;
};

static void make_keys(struct keys *k)
{
	EVP_PKEY *a = EVP_EC_gen("P-384"), *b = EVP_EC_gen("P-384"), *c = EVP_EC_gen("P-256");

	k->priv = pem_of(a, true);
	k->pub = pem_of(a, false);
	k->other_pub = pem_of(b, false);
	k->p256 = pem_of(c, true);
	EVP_PKEY_free(a), EVP_PKEY_free(b), EVP_PKEY_free(c);
}

static void free_keys(struct keys *k)
{
	free(k->priv), free(k->pub), free(k->other_pub), free(k->p256);
}

static int read_with(const uint8_t *d, size_t n, const char *key, struct snpm_error *err)
{
	struct snpm_refvals_file *f = NULL;
	int r = snpm_refvals_read(d, n, key, key ? strlen(key) : 0, &f, err);

	if (r == 0)
		assert_true(f->verified == (key != NULL));
	snpm_refvals_file_free(f);
	return r;
}

static void test_signatures(void **state)
{
	uint8_t m[2][SNPM_LD_SIZE], *out = NULL;
	struct snpm_error err;
	struct keys k;
	size_t len = 0;

	(void)state;
	make_keys(&k);
	memset(m[0], 1, SNPM_LD_SIZE);
	memset(m[1], 2, SNPM_LD_SIZE);
	for (int f = SNPM_REFVALS_CORIM_SNP; f <= SNPM_REFVALS_CORIM_LAUNCH; f++) {
		write_values((const uint8_t(*)[SNPM_LD_SIZE])m, 2, NULL, 5, f, k.priv, &out, &len);
		assert_int_equal(out[0], 0xd2); /* COSE_Sign1 */
		assert_int_equal(read_with(out, len, k.pub, &err), 0);
		assert_int_equal(read_with(out, len, NULL, &err), 0); /* read, unverified */
		assert_int_equal(read_with(out, len, k.other_pub, &err), SNPM_EVERIFY);
		/* a byte of the payload changed: the signature no longer holds */
		uint8_t *bad = malloc(len);
		memcpy(bad, out, len);
		uint8_t *d = memmem(bad, len, m[0], SNPM_LD_SIZE);
		assert_non_null(d);
		d[0] ^= 1;
		assert_int_equal(read_with(bad, len, k.pub, &err), SNPM_EVERIFY);
		/* and one of the signature's */
		memcpy(bad, out, len);
		bad[len - 1] ^= 1;
		assert_int_equal(read_with(bad, len, k.pub, &err), SNPM_EVERIFY);
		free(bad), free(out);
	}
	/* an unsigned file with a key is refused: the key asked for a signature */
	write_values((const uint8_t(*)[SNPM_LD_SIZE])m, 2, NULL, 0, SNPM_REFVALS_CORIM_SNP, NULL,
		     &out, &len);
	assert_int_equal(read_with(out, len, k.pub, &err), SNPM_EVERIFY);
	free(out);
	/* ES384 signs with a P-384 key only; rvps cannot be signed */
	struct snpm_refvals rv;
	SNPM_INIT(&rv);
	rv.measurements = (const uint8_t(*)[SNPM_LD_SIZE])m;
	rv.n = 2;
	assert_int_equal(snpm_refvals_write(&rv, SNPM_REFVALS_CORIM_SNP, k.p256, strlen(k.p256),
					    &out, &len, &err),
			 SNPM_EINVAL);
	assert_int_equal(snpm_refvals_write(&rv, SNPM_REFVALS_RVPS, k.priv, strlen(k.priv), &out,
					    &len, &err),
			 SNPM_EUNSUPPORTED);
	free_keys(&k);
}

/* What a format cannot carry is refused, never dropped. */
static void test_write_refusals(void **state)
{
	uint8_t m[2][SNPM_LD_SIZE], *out = NULL;
	struct snpm_refvals rv;
	struct snpm_error err;
	size_t len = 0;

	(void)state;
	memset(m, 7, sizeof(m));
	SNPM_INIT(&rv);
	rv.measurements = (const uint8_t(*)[SNPM_LD_SIZE])m;
	rv.n = 2; /* the same measurement twice */
	assert_int_equal(snpm_refvals_write(&rv, SNPM_REFVALS_CORIM_SNP, NULL, 0, &out, &len, &err),
			 SNPM_EINVAL);
	assert_non_null(strstr(err.message, "twice"));
	rv.n = 0;
	assert_int_equal(snpm_refvals_write(&rv, SNPM_REFVALS_CORIM_SNP, NULL, 0, &out, &len, &err),
			 SNPM_EINVAL);
	rv.n = 1;
	rv.pins.has_host_data = true;
	assert_int_equal(snpm_refvals_write(&rv, SNPM_REFVALS_CORIM_LAUNCH, NULL, 0, &out, &len,
					    &err),
			 SNPM_EUNSUPPORTED);
	assert_int_equal(snpm_refvals_write(&rv, SNPM_REFVALS_RVPS, NULL, 0, &out, &len, &err),
			 SNPM_EUNSUPPORTED);
	assert_int_equal(snpm_refvals_write(&rv, 9, NULL, 0, &out, &len, &err), SNPM_EINVAL);
}

static int read_text(const char *text, struct snpm_error *err)
{
	return read_with((const uint8_t *)text, strlen(text), NULL, err);
}

static char *rvps_message(const char *payload_json, const char *extra)
{
	char b64[8192], *msg = malloc(9000);

	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)payload_json,
			(int)strlen(payload_json));
	snprintf(msg, 9000, "{\"version\":\"0.1.0\",\"type\":\"sample\",\"payload\":\"%s\"%s}", b64,
		 extra);
	return msg;
}

static void test_rvps_refusals(void **state)
{
	const char *m = "\"" GENOA_MEASUREMENT "\"";
	char payload[4096];
	struct snpm_error err;
	char *msg;

	(void)state;
	snprintf(payload, sizeof(payload), "{\"snp_launch_measurement\":[%s]}", m);
	msg = rvps_message(payload, "");
	assert_int_equal(read_text(msg, &err), 0);
	free(msg);
	const char *bad_payloads[] = {
		"{\"snp_launch_measurement\":[]}",
		"{\"snp_launch_measurement\":[\"00\"]}",
		"{\"snp_launch_measurement\":["
		"\"" GENOA_MEASUREMENT "\","
		"\"" GENOA_MEASUREMENT "\"]}",
		"{\"snp_launch_measurement\":[\"" GENOA_MEASUREMENT "\"],\"snp_pcr11\":[\"x\"]}",
		/* a TCB list that is not every value from a minimum to 255 */
		"{\"snp_launch_measurement\":[\"" GENOA_MEASUREMENT "\"],\"snp_bootloader\":[3,4],"
		"\"snp_tee_svn\":[255],\"snp_snp_svn\":[255],\"snp_microcode\":[255]}",
		/* one part of four */
		"{\"snp_launch_measurement\":[\"" GENOA_MEASUREMENT "\"],\"snp_bootloader\":[255]}",
	};
	for (size_t i = 0; i < sizeof(bad_payloads) / sizeof(bad_payloads[0]); i++) {
		msg = rvps_message(bad_payloads[i], "");
		if (read_text(msg, &err) != SNPM_EMALFORMED)
			fail_msg("payload %zu read: %s", i, bad_payloads[i]);
		free(msg);
	}
	msg = rvps_message(payload, ",\"extra\":1");
	assert_int_equal(read_text(msg, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "extra"));
	free(msg);
	assert_int_equal(
		read_text("{\"version\":\"0.1.0\",\"type\":\"sample\",\"payload\":\"e30\"}", &err),
		SNPM_EMALFORMED); /* not canonical base64 */
	assert_int_equal(
		read_text("{\"version\":\"0.2.0\",\"type\":\"sample\",\"payload\":\"e30=\"}", &err),
		SNPM_EMALFORMED);
}

static void test_corim_refusals(void **state)
{
	uint8_t m[2][SNPM_LD_SIZE], *a = NULL, *b = NULL, *both;
	struct snpm_refvals_pins p1 = { .has_host_data = true }, p2 = p1;
	struct snpm_error err;
	size_t la = 0, lb = 0;

	(void)state;
	memset(m[0], 1, SNPM_LD_SIZE);
	memset(m[1], 2, SNPM_LD_SIZE);
	p2.host_data[0] = 1;
	/* two corim-snp CoRIMs in one file, with different HOST_DATA */
	write_values((const uint8_t(*)[SNPM_LD_SIZE])m, 1, &p1, 0, SNPM_REFVALS_CORIM_SNP, NULL, &a,
		     &la);
	write_values((const uint8_t(*)[SNPM_LD_SIZE])m + 1, 1, &p2, 0, SNPM_REFVALS_CORIM_SNP, NULL,
		     &b, &lb);
	both = malloc(la + lb + 1);
	memcpy(both, a, la);
	memcpy(both + la, b, lb);
	assert_int_equal(read_with(both, la + lb, NULL, &err), SNPM_EMALFORMED);
	/* trailing bytes, a truncated file */
	both[la] = 0x00;
	assert_int_equal(read_with(both, la + 1, NULL, &err), SNPM_EMALFORMED);
	assert_int_equal(read_with(a, la - 1, NULL, &err), SNPM_EMALFORMED);
	/* an mkey the reader does not judge (641 -> 640, REPORT_DATA) */
	uint8_t *k = memmem(a, la, "\x19\x02\x81", 3);
	assert_non_null(k);
	k[2] = 0x80;
	assert_int_equal(read_with(a, la, NULL, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "mkey 640"));
	free(a), free(b), free(both);
	/* launch documents pinning different measurements are fine; a launch and an snp one not */
	write_values((const uint8_t(*)[SNPM_LD_SIZE])m, 1, NULL, 1, SNPM_REFVALS_CORIM_LAUNCH, NULL,
		     &a, &la);
	write_values((const uint8_t(*)[SNPM_LD_SIZE])m + 1, 1, NULL, 0, SNPM_REFVALS_CORIM_SNP,
		     NULL, &b, &lb);
	both = malloc(la + lb);
	memcpy(both, a, la);
	memcpy(both + la, b, lb);
	assert_int_equal(read_with(both, la + lb, NULL, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "two profiles"));
	free(a), free(b), free(both);
}

/* Veraison's own valid sevsnp CoRIM (tests/fixtures/veraison): read through its envelope,
 * CoMIDs and triple up to its first mkey, which names a field snpmeasure does not judge. */
static void test_veraison_example(void **state)
{
	size_t len;
	uint8_t *d = tu_fixture_bytes("veraison/corim-sevsnp-valid.cbor", &len);
	struct snpm_refvals_file *f = NULL;
	struct snpm_error err;

	(void)state;
	assert_int_equal(snpm_refvals_read(d, len, NULL, 0, &f, &err), SNPM_EMALFORMED);
	assert_non_null(strstr(err.message, "mkey 0 is not one snpmeasure can judge"));
	free(d);
}

/* ---- end to end: snpmeasure refvals, then report appraise with a policy naming the file ---- */

struct genoa {
	char *dir;
	struct keys k;
};

static void genoa_setup(struct genoa *g)
{
	static const char *const files[][2] = { { "reports/genoa-v3/report.bin", "report.bin" },
						{ "reports/genoa-v3/vcek.pem", "vcek.pem" },
						{ "reports/amd-roots/ask_ark_genoa.pem",
						  "chain.pem" } };
	char path[512];

	g->dir = tu_mkdtemp();
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		uint8_t *d = tu_fixture_bytes(files[i][0], &len);
		snprintf(path, sizeof(path), "%s/%s", g->dir, files[i][1]);
		tu_write_file(path, d, len);
		free(d);
	}
	make_keys(&g->k);
	const char *pems[][2] = { { g->k.priv, "signer.pem" },
				  { g->k.pub, "signer.pub" },
				  { g->k.other_pub, "other.pub" } };
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", g->dir, pems[i][1]);
		tu_write_file(path, pems[i][0], strlen(pems[i][0]));
	}
}

static void genoa_free(struct genoa *g)
{
	tu_rmtree(g->dir);
	free(g->dir);
	free_keys(&g->k);
}

static struct tu_run appraise(const struct genoa *g, const char *measurements_json,
			      const char *more)
{
	char policy[2048], path[512];

	snprintf(policy, sizeof(policy),
		 "{\"measurements\": %s, \"allow_smt\": true, \"require_single_socket\": false, "
		 "\"require_crl\": false%s}",
		 measurements_json, more);
	snprintf(path, sizeof(path), "%s/policy.json", g->dir);
	tu_write_file(path, policy, strlen(policy));
	return tu_cli_in(g->dir, "report", "appraise", "report.bin", "--policy", "policy.json",
			 "--vcek", "vcek.pem", "--chain", "chain.pem", "--now", "2027-01-01",
			 "--json", NULL);
}

static void expect_pass(struct tu_run r, bool pass)
{
	if (r.status != (pass ? 0 : 3))
		fail_msg("status %d (wanted %d): %s %s", r.status, pass ? 0 : 3, r.out, r.err);
	tu_run_free(&r);
}

static void test_policy_round_trip(void **state)
{
	struct genoa g;
	struct tu_run r;

	(void)state;
	genoa_setup(&g);
	/* the report's values, signed, with its HOST_DATA, ID key and TCB as pins */
	r = tu_cli_in(g.dir, "refvals", "--measurement", GENOA_MEASUREMENT, "--format", "corim-snp",
		      "--host-data", GENOA_HOST_DATA, "--id-key-digest", GENOA_ID_KEY, "--min-tcb",
		      "bootloader=10,snp=23,microcode=84", "--sign", "signer.pem", "-o",
		      "values.cbor", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "signed (ES384)"));
	tu_run_free(&r);
	r = appraise(&g, "{\"corim\": \"values.cbor\", \"key\": \"signer.pub\"}", "");
	assert_non_null(strstr(r.out, "\"rule\":\"host_data\",\"result\":\"pass\""));
	assert_non_null(strstr(r.out, "\"rule\":\"min_tcb\",\"result\":\"pass\""));
	expect_pass(r, true);
	/* the file pins what the report breaks: the appraisal fails on it */
	r = tu_cli_in(g.dir, "refvals", "--measurement", GENOA_MEASUREMENT, "--format", "corim-snp",
		      "--min-tcb", "bootloader=11", "-o", "tcb.cbor", "-q", NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	r = appraise(&g, "{\"corim\": \"tcb.cbor\", \"unsigned\": true}", "");
	assert_non_null(strstr(r.out, "\"rule\":\"min_tcb\",\"result\":\"fail\""));
	expect_pass(r, false);
	/* another key, a signed file read as unsigned, an unsigned one with a key */
	expect_pass(appraise(&g, "{\"corim\": \"values.cbor\", \"key\": \"other.pub\"}", ""),
		    false);
	r = appraise(&g, "{\"corim\": \"values.cbor\", \"unsigned\": true}", "");
	tu_expect_refusal(r, 1, "the file is signed");
	r = appraise(&g, "{\"corim\": \"tcb.cbor\", \"key\": \"signer.pub\"}", "");
	tu_expect_refusal(r, 3, "not signed");
	/* a pin the policy sets otherwise: refused, both named */
	r = appraise(&g, "{\"corim\": \"values.cbor\", \"key\": \"signer.pub\"}",
		     ", \"host_data\": \"00000000000000000000000000000000000000000000000000000000"
		     "00000001\"");
	tu_expect_refusal(r, 1, "the reference values pin HOST_DATA " GENOA_HOST_DATA);
	r = appraise(&g, "{\"corim\": \"values.cbor\", \"key\": \"signer.pub\"}",
		     ", \"min_tcb\": {\"bootloader\": 9}");
	tu_expect_refusal(r, 1, "minimum TCB");
	/* the same pin in both is no conflict */
	expect_pass(appraise(&g, "{\"corim\": \"values.cbor\", \"key\": \"signer.pub\"}",
			     ", \"id_key_digests\": [\"" GENOA_ID_KEY "\"]"),
		    true);
	/* rvps: trustee's message, unsigned by nature */
	r = tu_cli_in(g.dir, "refvals", "--measurement", GENOA_MEASUREMENT, "--format", "rvps",
		      "-o", "values.json", "-q", NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	expect_pass(appraise(&g, "{\"rvps\": \"values.json\", \"unsigned\": true}",
			     ", \"id_key_digests\": [\"" GENOA_ID_KEY "\"]"),
		    true);
	r = appraise(&g, "{\"rvps\": \"values.json\"}", "");
	tu_expect_refusal(r, 1, "\"unsigned\": true");
	r = appraise(&g, "{\"corim\": \"values.json\", \"unsigned\": true}", "");
	tu_expect_refusal(r, 1, "names a CoRIM file, and this one is rvps");
	/* another measurement: the measurement rule fails */
	r = tu_cli_in(g.dir, "refvals", "--measurement", GENOA_ID_KEY, "--format", "rvps", "-o",
		      "other.json", "-q", NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	expect_pass(appraise(&g, "{\"rvps\": \"other.json\", \"unsigned\": true}",
			     ", \"id_key_digests\": [\"" GENOA_ID_KEY "\"]"),
		    false);
	genoa_free(&g);
}

/* A policy whose file was never added fails the measurement rule: its pins would go unjudged. */
static void test_policy_never_added(void **state)
{
	struct snpm_policy *p = NULL;
	struct snpm_appraisal ap;
	struct snpm_collateral coll;
	struct snpm_error err;
	size_t rlen, klen, clen;
	uint8_t *report = tu_fixture_bytes("reports/genoa-v3/report.bin", &rlen);
	uint8_t *vcek = tu_fixture_bytes("reports/genoa-v3/vcek.pem", &klen);
	uint8_t *chain = tu_fixture_bytes("reports/amd-roots/ask_ark_genoa.pem", &clen);
	const char *path = NULL, *key = NULL;
	enum snpm_refvals_format kind = 0;

	(void)state;
	assert_int_equal(
		snpm_policy_parse("{\"measurements\": {\"corim\": \"v.cbor\", \"key\": "
				  "\"k.pem\"}, \"allow_smt\": true, "
				  "\"require_single_socket\": false, \"require_crl\": false}",
				  &p, &err),
		0);
	assert_true(snpm_policy_refvals(p, &path, &kind, &key));
	assert_string_equal(path, "v.cbor");
	assert_string_equal(key, "k.pem");
	assert_int_equal(kind, SNPM_REFVALS_CORIM_SNP);
	SNPM_INIT(&coll);
	SNPM_INIT(&coll.certs);
	coll.certs.vcek = vcek, coll.certs.vcek_len = klen;
	coll.certs.chain = chain, coll.certs.chain_len = clen;
	coll.now = NOW_2027;
	assert_int_equal(snpm_appraise(NULL, report, p, &coll, &ap, &err), 0);
	assert_false(ap.pass);
	for (size_t i = 0; i < ap.n; i++)
		if (strcmp(ap.rules[i].name, "measurement") == 0) {
			assert_int_equal(ap.rules[i].status, SNPM_RULE_FAIL);
			assert_non_null(strstr(ap.rules[i].why, "never read"));
		}
	snpm_policy_free(p);
	/* the other forms the key takes, and what it refuses */
	const char *bad[] = {
		"{\"measurements\": {\"corim\": \"v\"}}",
		"{\"measurements\": {\"corim\": \"v\", \"key\": \"k\", \"unsigned\": true}}",
		"{\"measurements\": {\"rvps\": \"v\", \"key\": \"k\"}}",
		"{\"measurements\": {\"corim\": \"v\", \"rvps\": \"w\", \"unsigned\": true}}",
		"{\"measurements\": {\"manifest\": \"m\", \"unsigned\": true}}",
		"{\"measurements\": {\"corim\": \"v\", \"unsigned\": false}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (snpm_policy_parse(bad[i], &p, &err) == 0)
			fail_msg("accepted: %s", bad[i]);
	}
	free(report), free(vcek), free(chain);
}

/* The command line: each format from a sweep, show, refusals, nothing half written. */
static void test_cli(void **state)
{
	char *dir = tu_mkdtemp(), path[512];
	size_t len;
	uint8_t *fw = tu_fixture_bytes("sev-snp-measure/ovmf_AmdSev_suffix.bin", &len);
	struct tu_run r;

	(void)state;
	snprintf(path, sizeof(path), "%s/OVMF.fd", dir);
	tu_write_file(path, fw, len);
	free(fw);
	r = tu_cli_in(dir, "sweep", "--ovmf", "OVMF.fd", "--vcpus", "1-3", "--csv", NULL);
	assert_int_equal(r.status, 0);
	char *sweep = tu_capture(r);
	r = tu_cli_in(dir, "refvals", "--ovmf", "OVMF.fd", "--vcpus", "1-3", "--format",
		      "corim-launch", "--svn", "3", "-o", "l.cbor", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "3 reference values as corim-launch, UNSIGNED"));
	tu_run_free(&r);
	r = tu_cli_in(dir, "refvals", "show", "l.cbor", "--json", NULL);
	assert_int_equal(r.status, 0);
	/* every digest the sweep printed, each with its SVN */
	for (char *line = strchr(sweep, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
		char *digest = strrchr(line, ',') + 1, want[160];
		snprintf(want, sizeof(want), "{\"measurement\":\"%.96s\",\"svn\":3}", digest);
		assert_non_null(strstr(r.out, want));
	}
	assert_non_null(
		strstr(r.out, "--vcpus 1-3 --format corim-launch --svn 3; OVMF.fd sha256:"));
	tu_run_free(&r);
	free(sweep);
	/* a file name that is not ASCII is recorded escaped: the CoRIM's text stays UTF-8 */
	snprintf(path, sizeof(path), "%s/\xc3\x96VMF.fd", dir);
	fw = tu_fixture_bytes("sev-snp-measure/ovmf_AmdSev_suffix.bin", &len);
	tu_write_file(path, fw, len);
	free(fw);
	r = tu_cli_in(dir, "refvals", "--ovmf", "\xc3\x96VMF.fd", "--format", "corim-snp", "-o",
		      "u.cbor", "-q", NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	r = tu_cli_in(dir, "refvals", "show", "u.cbor", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "--ovmf \\xc3\\x96VMF.fd"));
	tu_run_free(&r);
	/* refusals: no file written, nothing on stdout */
	r = tu_cli_in(dir, "refvals", "--ovmf", "OVMF.fd", "--format", "corim-launch", "-o",
		      "x.cbor", NULL);
	tu_expect_refusal(r, 2, "--svn N is corim-launch's");
	r = tu_cli_in(dir, "refvals", "--ovmf", "OVMF.fd", "--format", "corim-snp", "--svn", "1",
		      "-o", "x.cbor", NULL);
	tu_expect_refusal(r, 2, "--svn N is corim-launch's");
	r = tu_cli_in(dir, "refvals", "--ovmf", "OVMF.fd", "--format", "corim-launch", "--svn", "1",
		      "--host-data", GENOA_HOST_DATA, "-o", "x.cbor", NULL);
	tu_expect_refusal(r, 1, "corim-launch carries a measurement and its SVN only");
	r = tu_cli_in(dir, "refvals", "--ovmf", "OVMF.fd", "--format", "nope", "-o", "x", NULL);
	tu_expect_refusal(r, 2, "invalid choice: 'nope'");
	r = tu_cli_in(dir, "refvals", "--ovmf", "OVMF.fd", "--mode", "sev", "--format", "rvps",
		      "-o", "x", NULL);
	tu_expect_refusal(r, 2, "mode sev gives none");
	r = tu_cli_in(dir, "refvals", "--ovmf", "OVMF.fd", "--measurement", GENOA_MEASUREMENT,
		      "--format", "rvps", "-o", "x", NULL);
	tu_expect_refusal(r, 2, "one of --manifest, --measurement or measurement options");
	r = tu_cli_in(dir, "refvals", "--measurement", GENOA_MEASUREMENT, "--format", "rvps",
		      "--min-tcb", "fmc=1", "-o", "x", NULL);
	tu_expect_refusal(r, 2, "--min-tcb");
	struct keys k;
	make_keys(&k);
	snprintf(path, sizeof(path), "%s/signer.pem", dir);
	tu_write_file(path, k.priv, strlen(k.priv));
	free_keys(&k);
	r = tu_cli_in(dir, "refvals", "--measurement", GENOA_MEASUREMENT, "--format", "rvps",
		      "--sign", "signer.pem", "-o", "x", NULL);
	tu_expect_refusal(r, 1, "rvps: trustee's sample provenance carries no signature");
	r = tu_cli_in(dir, "refvals", "show", "OVMF.fd", NULL);
	tu_expect_refusal(r, 1, "OVMF.fd");
	snprintf(path, sizeof(path), "%s/x", dir);
	assert_null(fopen(path, "r"));
	snprintf(path, sizeof(path), "%s/x.cbor", dir);
	assert_null(fopen(path, "r"));
	tu_no_temporaries(dir);
	tu_rmtree(dir);
	free(dir);
}

/* A bundle's predictions, every one of measurements.jsonl. */
static void test_bundle(void **state)
{
	char *dir = tu_mkdtemp(), path[512], *jsonl;
	size_t len;
	uint8_t *fw = tu_fixture_bytes("sev-snp-measure/ovmf_AmdSev_suffix.bin", &len);
	struct tu_run r;
	size_t rows = 0;

	(void)state;
	tu_need_program("/usr/bin/mksquashfs", "squashfs-tools");
	snprintf(path, sizeof(path), "%s/OVMF.fd", dir);
	tu_write_file(path, fw, len);
	free(fw);
	snprintf(path, sizeof(path), "%s/bzImage", dir);
	tu_write_bzimage(path, 3, 65536);
	static const char *const dirs[] = { "init", "root" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dirs[i]);
		assert_int_equal(mkdir(path, 0755), 0);
		snprintf(path, sizeof(path), "%s/%s/file", dir, dirs[i]);
		tu_write_file(path, "x\n", 2);
	}
	char *const build[] = { SNPM_IMAGE_CLI, "bundle",  "--kernel",	"bzImage",
				"--initramfs",	"init",	   "--rootfs",	"root",
				"--ovmf",	"OVMF.fd", "--cmdline", "roothash={roothash}",
				"-o",		"bundle",  "--vcpus",	"1-3",
				"-q",		NULL };
	tu_run_in(dir, build, &r);
	if (r.status != 0)
		fail_msg("bundle: %s", r.err);
	tu_run_free(&r);
	r = tu_cli_in(dir, "refvals", "--manifest", "bundle", "--format", "rvps", "-o", "v.json",
		      "-q", NULL);
	assert_int_equal(r.status, 0);
	tu_run_free(&r);
	r = tu_cli_in(dir, "refvals", "show", "v.json", NULL);
	assert_int_equal(r.status, 0);
	snprintf(path, sizeof(path), "%s/bundle/measurements.jsonl", dir);
	uint8_t *raw = tu_read_file(path, &len);
	assert_non_null(raw);
	jsonl = strndup((const char *)raw, len); /* a C string to search */
	free(raw);
	for (char *m = jsonl; (m = strstr(m, "\"measurement\":\"")) != NULL; m++, rows++) {
		char want[100];
		snprintf(want, sizeof(want), "  %.96s\n", m + strlen("\"measurement\":\""));
		assert_non_null(strstr(r.out, want));
	}
	assert_int_equal(rows, 3);
	assert_non_null(strstr(r.out, "measurements  3\n"));
	tu_run_free(&r);
	free(jsonl);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_launch_bytes),
		cmocka_unit_test(test_snp_bytes),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_write_refusals),
		cmocka_unit_test(test_rvps_refusals),
		cmocka_unit_test(test_corim_refusals),
		cmocka_unit_test(test_policy_round_trip),
		cmocka_unit_test(test_policy_never_added),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_bundle),
		cmocka_unit_test(test_veraison_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
