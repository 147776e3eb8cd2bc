/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A report in the forms users hold one (<snpm/report.h> snpm_report_read): raw, hex, base64, or
 * wrapped by dstack. One reader for every verb that takes a report, so that each accepts the
 * same forms and refuses the same near misses.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include <snpm/appraise.h>
#include <snpm/dstack.h>
#include <snpm/report.h>

#include "../core/core.h"
#include "../core/json.h"

/* The text without whitespace, NUL-terminated; NULL when it holds a NUL or is not text. */
static char *squeeze(const uint8_t *d, size_t len)
{
	char *out = malloc(len + 1);
	size_t n = 0;

	for (size_t i = 0; out && i < len; i++) {
		if (d[i] == 0 || d[i] >= 0x80) {
			free(out);
			return NULL;
		}
		if (!isspace(d[i]))
			out[n++] = (char)d[i];
	}
	if (out)
		out[n] = '\0';
	return out;
}

static bool all_hex(const char *s)
{
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return false;
	return true;
}

/* A blob dstack wraps the report in; its certificates go with the report. */
static int from_dstack(const uint8_t *blob, size_t len, const char *form,
		       struct snpm_report_input *in, struct snpm_error *reterr)
{
	struct snpm_dstack_attestation a;
	int r = snpm_dstack_attestation_parse(blob, len, &a, reterr);

	if (r < 0)
		return r;
	memcpy(in->report, a.report, SNPM_REPORT_SIZE);
	in->form = form;
	/* dstack's verifier takes [ASK, VCEK] or one kernel certificate table. */
	if (a.n_certs == 2) {
		in->certs.ask = a.certs[0], in->certs.ask_len = a.certs_len[0];
		in->certs.vcek = a.certs[1], in->certs.vcek_len = a.certs_len[1];
		in->has_certs = true;
	} else if (a.n_certs == 1) {
		r = snpm_cert_table_parse(a.certs[0], a.certs_len[0], &in->certs, reterr);
		in->has_certs = r == 0 && in->certs.vcek;
	}
	return r;
}

/* Hex of a blob: a report (2368 digits) or dstack's attestation. The blob is kept (owned). */
static int from_hex(const char *text, struct snpm_report_input *in, struct snpm_error *reterr)
{
	size_t n = strlen(text) / 2;

	if (strlen(text) % 2)
		return snpm_fail(reterr, SNPM_EMALFORMED, "an odd number of hex digits");
	in->blob = malloc(n ? n : 1);
	if (!in->blob)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	snpm_hex_decode(text, in->blob, n);
	if (n == SNPM_REPORT_SIZE) {
		memcpy(in->report, in->blob, n);
		in->form = "hex";
		return 0;
	}
	return from_dstack(in->blob, n, "dstack attestation", in, reterr);
}

/* base64 of exactly 1184 bytes (1580 characters, one '='). */
static int from_base64(const char *text, struct snpm_report_input *in, struct snpm_error *reterr)
{
	uint8_t buf[SNPM_REPORT_SIZE + 3];
	size_t n = strlen(text);

	if (n != 4 * ((SNPM_REPORT_SIZE + 2) / 3) || text[n - 1] != '=' || text[n - 2] == '=' ||
	    EVP_DecodeBlock(buf, (const unsigned char *)text, (int)n) != SNPM_REPORT_SIZE + 1)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "not a report: neither 1184 bytes, nor their hex or base64, nor "
				 "dstack's attestation");
	memcpy(in->report, buf, SNPM_REPORT_SIZE);
	in->form = "base64";
	return 0;
}

/* dstack's verifier request: "attestation" in hex; the other members it may hold are dstack's
 * and are not read, any else is refused. */
static int from_json(const uint8_t *data, size_t len, struct snpm_report_input *in,
		     struct snpm_error *reterr)
{
	static const char *const keys[] = { "attestation", "vm_config", "event_log", "debug",
					    NULL };
	struct json_object *doc = NULL, *v;
	const char *hex = NULL;
	char *copy = NULL;
	int r = snpm_json_parse_bytes(data, len, &doc, reterr);

	if (r == 0 && json_object_object_get_ex(doc, "quote", &v))
		r = snpm_fail(reterr, SNPM_EUNSUPPORTED,
			      "dstack verifier JSON with a \"quote\": a TDX quote, not SEV-SNP");
	if (r == 0)
		r = snpm_json_only_keys(doc, "dstack verifier request", keys, reterr);
	if (r == 0 && !json_object_object_get_ex(doc, "attestation", &v))
		r = snpm_fail(reterr, SNPM_EMALFORMED, "JSON without \"attestation\"");
	if (r == 0)
		r = snpm_json_str(v, "attestation", &hex, reterr);
	if (r == 0 && (!all_hex(hex) || !(copy = strdup(hex))))
		r = snpm_fail(reterr, SNPM_EMALFORMED, "\"attestation\" is not hex");
	if (r == 0)
		r = from_hex(copy, in, reterr);
	if (r == 0)
		in->form = "dstack JSON";
	free(copy);
	json_object_put(doc);
	return r;
}

int snpm_report_read(const uint8_t *data, size_t len, struct snpm_report_input *ret,
		     struct snpm_error *reterr)
{
	struct snpm_report_input in;
	char *text = NULL;
	int r;

	if (!data || !ret)
		return snpm_fail(reterr, SNPM_EINVAL, "no report");
	memset(&in, 0, sizeof(in));
	SNPM_INIT(&in.certs);
	if (len == SNPM_REPORT_SIZE) {
		memcpy(in.report, data, len);
		in.form = "binary";
		*ret = in;
		return 0;
	}
	size_t first = 0;
	while (first < len && isspace(data[first]))
		first++;
	/* dstack's blob begins with its V0 byte, which no text does. */
	if (len > 0 && data[0] == 0x00) {
		in.blob = malloc(len);
		if (!in.blob)
			return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
		memcpy(in.blob, data, len);
		r = from_dstack(in.blob, len, "dstack attestation", &in, reterr);
	} else if (first < len && data[first] == '{') {
		r = from_json(data, len, &in, reterr);
	} else if (!(text = squeeze(data, len))) {
		r = snpm_fail(reterr, SNPM_EMALFORMED,
			      "not a report: %zu bytes, neither 1184 bytes of binary nor text",
			      len);
	} else if (all_hex(text) && strlen(text) >= 2 * SNPM_REPORT_SIZE) {
		r = from_hex(text, &in, reterr);
	} else {
		r = from_base64(text, &in, reterr);
	}
	free(text);
	if (r < 0) {
		free(in.blob);
		return r;
	}
	*ret = in;
	return 0;
}

void snpm_report_input_free(struct snpm_report_input *input)
{
	if (!input)
		return;
	free(input->blob);
	memset(input, 0, sizeof(*input));
}
