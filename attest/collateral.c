/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Offline collateral: the certificate table of an extended report, the AMD KDS URLs for a report
 * (AMD publication 57230, "VCEK Certificate and KDS Interface Specification", chapter 4), and the
 * ARK's certificate revocation list.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <snpm/appraise.h>

#include "collateral.h"
#include "../core/crypto.h"

/* ---- the certificate table ---- */

#define ENTRY_SIZE 24u

struct table_entry {
	uint8_t guid[16];
	uint32_t offset, length;
};

static int check_entry(const struct table_entry *e, size_t i, size_t table_end, size_t len,
		       const struct table_entry *seen, size_t n_seen, struct snpm_error *reterr)
{
	uint64_t end = (uint64_t)e->offset + e->length;

	if (e->length == 0)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, i * ENTRY_SIZE,
				    "certificate table entry %zu is empty", i);
	if (e->offset < table_end || end > len)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, i * ENTRY_SIZE,
				    "certificate table entry %zu (0x%x+0x%x) lies outside the "
				    "certificates after the table (0x%zx-0x%zx)",
				    i, e->offset, e->length, table_end, len);
	for (size_t k = 0; k < n_seen; k++) {
		uint64_t other_end = (uint64_t)seen[k].offset + seen[k].length;
		if (memcmp(seen[k].guid, e->guid, 16) == 0)
			return snpm_fail_at(reterr, SNPM_EMALFORMED, i * ENTRY_SIZE,
					    "certificate table entries %zu and %zu name the same "
					    "GUID",
					    k, i);
		if (e->offset < other_end && seen[k].offset < end)
			return snpm_fail_at(reterr, SNPM_EMALFORMED, i * ENTRY_SIZE,
					    "certificate table entries %zu and %zu overlap", k, i);
	}
	return 0;
}

#define MAX_TABLE_ENTRIES 32

int snpm_cert_table_parse(const uint8_t *blob, size_t len, struct snpm_cert_input *ret,
			  struct snpm_error *reterr)
{
	struct table_entry e[MAX_TABLE_ENTRIES];
	uint8_t vcek[16], vlek[16], ask[16], ark[16];
	struct snpm_cert_input in = { .size = sizeof(in) };
	size_t n = 0, table_end;
	int r = 0;

	if (!blob || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no certificate table");
	/* The entries, up to the all-zero one that ends them. */
	for (;; n++) {
		const uint8_t *p = blob + n * ENTRY_SIZE;
		if ((n + 1) * ENTRY_SIZE > len)
			return snpm_fail(reterr, SNPM_EMALFORMED,
					 "the certificate table has no terminating zero entry");
		if (n == MAX_TABLE_ENTRIES)
			return snpm_fail(reterr, SNPM_EMALFORMED,
					 "the certificate table has more than %d entries",
					 MAX_TABLE_ENTRIES);
		memcpy(e[n].guid, p, 16);
		e[n].offset = snpm_le32(p + 16);
		e[n].length = snpm_le32(p + 20);
		if (e[n].offset == 0 && e[n].length == 0 &&
		    !memcmp(e[n].guid, (const uint8_t[16]){ 0 }, 16))
			break;
	}
	table_end = (n + 1) * ENTRY_SIZE;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = check_entry(&e[i], i, table_end, len, e, i, reterr);
	if (r < 0)
		return r;
	snpm_uuid_parse(SNPM_CERT_GUID_VCEK, vcek);
	snpm_uuid_parse(SNPM_CERT_GUID_VLEK, vlek);
	snpm_uuid_parse(SNPM_CERT_GUID_ASK, ask);
	snpm_uuid_parse(SNPM_CERT_GUID_ARK, ark);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *d = blob + e[i].offset;
		if (!memcmp(e[i].guid, vcek, 16) || !memcmp(e[i].guid, vlek, 16)) {
			if (in.vcek)
				return snpm_fail(reterr, SNPM_EMALFORMED,
						 "the certificate table holds a VCEK and a VLEK");
			in.vcek = d, in.vcek_len = e[i].length;
		} else if (!memcmp(e[i].guid, ask, 16)) {
			in.ask = d, in.ask_len = e[i].length;
		} else if (!memcmp(e[i].guid, ark, 16)) {
			in.ark = d, in.ark_len = e[i].length;
		}
	}
	in.size = sizeof(in);
	return snpm_sized_out(ret, &in, sizeof(in), "snpm_cert_input", reterr);
}

/* ---- KDS URLs ---- */

static const char *product_of(enum snpm_cpu_family f)
{
	return snpm_name_of(snpm_cpu_family_names(), (uint64_t)f);
}

static enum snpm_cpu_family family_of(const char *product)
{
	uint64_t v;

	return snpm_name_parse(snpm_cpu_family_names(), product, &v) == 0 ?
		       (enum snpm_cpu_family)v :
		       SNPM_FAMILY_UNKNOWN;
}

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* "?fmcSPL=..&blSPL=..": the query naming a TCB, FMC first on Turin and Venice. */
static void tcb_query(const struct snpm_tcb *t, char *out, size_t n)
{
	char fmc[24] = "";

	if (t->has_fmc)
		snprintf(fmc, sizeof(fmc), "fmcSPL=%u&", t->fmc);
	snprintf(out, n, "?%sblSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u", fmc, t->bootloader, t->tee,
		 t->snp, t->microcode);
}

int snpm_kds_urls(const struct snpm_report *report, const char *product, struct snpm_kds_urls *ret,
		  struct snpm_error *reterr)
{
	enum snpm_cpu_family from_report, given = family_of(product), f;
	enum snpm_signing_key key;
	struct snpm_kds_urls u = { 0 };
	char hex[2 * 64 + 1], query[96];
	const char *kind;
	struct snpm_tcb tcb;

	if (!report || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no report");
	from_report = snpm_report_family(report);
	if (product && !given)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "product '%s' is not Milan, Genoa, Turin or Venice", product);
	if (product && from_report && given != from_report)
		return snpm_fail(reterr, SNPM_EINVAL, "the report comes from %s, not %s",
				 product_of(from_report), product);
	f = from_report ? from_report : given;
	if (!f)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "a version %u report does not say its product: give it (Milan, "
				 "Genoa, Turin or Venice)",
				 report->version);
	key = snpm_report_signing_key(report);
	if (key != SNPM_SIGNING_KEY_VCEK && key != SNPM_SIGNING_KEY_VLEK)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "the report says no key signed it");
	u.vlek = key == SNPM_SIGNING_KEY_VLEK;
	kind = u.vlek ? "vlek" : "vcek";
	snprintf(u.product, sizeof(u.product), "%s", product_of(f));
	snpm_tcb_split(report->reported_tcb, f, &tcb);
	tcb_query(&tcb, query, sizeof(query));
	if (u.vlek) {
		snprintf(u.key, sizeof(u.key), SNPM_KDS_BASE "/vlek/v1/%s/cert%s", u.product,
			 query);
	} else {
		/* Turin's KDS names a chip by the first 8 bytes of its ID (Venice's too: it keeps
		 * Turin's layouts). */
		size_t id_len = snpm_family_has_fmc(f) ? 8 : 64;
		if (zero(report->chip_id, sizeof(report->chip_id)))
			return snpm_fail(
				reterr, SNPM_EUNSUPPORTED,
				"the report's chip ID is masked: its VCEK cannot be named");
		snpm_hex_encode(report->chip_id, id_len, hex);
		snprintf(u.key, sizeof(u.key), SNPM_KDS_BASE "/vcek/v1/%s/%s%s", u.product, hex,
			 query);
	}
	snprintf(u.cert_chain, sizeof(u.cert_chain), SNPM_KDS_BASE "/%s/v1/%s/cert_chain", kind,
		 u.product);
	snprintf(u.crl, sizeof(u.crl), SNPM_KDS_BASE "/%s/v1/%s/crl", kind, u.product);
	*ret = u;
	return 0;
}

/* ---- the CRL ---- */

static X509_CRL *load_crl(const uint8_t *data, size_t len)
{
	const unsigned char *p = data;
	X509_CRL *crl = NULL;
	BIO *bio;

	if (len > 16u << 20)
		return NULL;
	bio = BIO_new_mem_buf(data, (int)len);
	if (bio)
		crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!crl) {
		crl = d2i_X509_CRL(NULL, &p, (long)len);
		if (crl && p != data + len) {
			X509_CRL_free(crl);
			crl = NULL;
		}
	}
	ERR_clear_error();
	return crl;
}

static int64_t asn1_seconds(const ASN1_TIME *t)
{
	struct tm tm;

	return t && ASN1_TIME_to_tm(t, &tm) == 1 ? (int64_t)timegm(&tm) : INT64_MIN;
}

static bool revoked(X509_CRL *crl, X509 *cert)
{
	X509_REVOKED *entry = NULL;

	return X509_CRL_get0_by_serial(crl, &entry, (ASN1_INTEGER *)X509_get0_serialNumber(cert)) ==
	       1;
}

/* The serial in hex, for messages. */
static void serial_text(X509 *cert, char *out, size_t n)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	snprintf(out, n, "%s", hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
}

static void update_text(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == INT64_MIN || !gmtime_r(&tt, &tm))
		snprintf(out, n, "none");
	else
		strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int snpm_crl_check(const uint8_t *data, size_t len, X509 *ark, X509 *ask, bool asvk, int64_t now,
		   char *found, size_t found_len, struct snpm_error *reterr)
{
	X509_CRL *crl = load_crl(data, len);
	int64_t next, this_update;
	const char *what = asvk ? "ASVK" : "ASK";
	char serial[80], next_text[32];
	int r = 0;

	if (!crl)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "the CRL is not a DER or PEM revocation list");
	next = asn1_seconds(X509_CRL_get0_nextUpdate(crl));
	this_update = asn1_seconds(X509_CRL_get0_lastUpdate(crl));
	serial_text(ask, serial, sizeof(serial));
	update_text(next, next_text, sizeof(next_text));
	snprintf(found, found_len, "%d revoked, next update %s",
		 sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), next_text);
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ark)) != 0)
		r = snpm_fail(reterr, SNPM_EVERIFY, "the CRL was not issued by this chain's ARK");
	else if (X509_CRL_verify(crl, X509_get0_pubkey(ark)) != 1)
		r = snpm_fail(reterr, SNPM_EVERIFY,
			      "the CRL's signature does not verify with the ARK");
	else if (next == INT64_MIN || this_update == INT64_MIN)
		r = snpm_fail(reterr, SNPM_EVERIFY, "the CRL has no valid update times");
	else if (now < this_update)
		r = snpm_fail(reterr, SNPM_EVERIFY, "the CRL is not yet valid at the time given");
	else if (now > next)
		r = snpm_fail(reterr, SNPM_EVERIFY, "the CRL expired (its next update is past)");
	else if (revoked(crl, ask))
		r = snpm_fail(reterr, SNPM_EVERIFY, "the CRL revokes the %s (serial %s)", what,
			      serial);
	ERR_clear_error();
	X509_CRL_free(crl);
	return r;
}
