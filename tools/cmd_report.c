/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpmeasure report show|verify|check: reading attestation reports, verifying them against
 * AMD's keys, and comparing them with a prediction (appraise and kds: cmd_appraise.c).
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cli.h"
#include "opts.h"
#include "verbs.h"
#include "../core/io.h"

/* ---- reading a report: any form snpm_report_read() takes, from a file or stdin ---- */

int read_report_input(const char *path, struct snpm_report_input *in)
{
	struct snpm_error err;
	uint8_t *data;
	size_t len;
	int r;

	/* 10 MiB: dstack's own cap on an attestation blob. */
	if (snpm_io_read_all(path, SNPM_IO_PIPES, 10u << 20, &data, &len, &err) < 0)
		return report(path, &err);
	r = snpm_report_read(data, len, in, &err);
	free(data);
	return r < 0 ? report(path, &err) : 0;
}

int parse_report_file(const char *path, uint8_t raw[SNPM_REPORT_SIZE], struct snpm_report *rep)
{
	struct snpm_report_input in;
	struct snpm_error err;
	int r = read_report_input(path, &in);

	if (r)
		return r;
	memcpy(raw, in.report, SNPM_REPORT_SIZE);
	snpm_report_input_free(&in);
	if (snpm_report_parse(raw, SNPM_REPORT_SIZE, rep, &err) < 0)
		return report(path, &err);
	return 0;
}

/* ---- show ---- */

static void bits_text(uint64_t v, unsigned from, unsigned to, const char *(*name)(unsigned),
		      char *out, size_t n)
{
	size_t o = 0;

	out[0] = '\0';
	for (unsigned b = from; b <= to && o < n; b++) {
		if (!(v >> b & 1))
			continue;
		const char *nm = name(b);
		o += (size_t)snprintf(out + o, n - o, "%s%s", o ? "," : "", nm ? nm : "");
		if (!nm && o < n)
			o += (size_t)snprintf(out + o, n - o, "bit%u", b);
	}
}

static void tcb_text(uint64_t tcb, enum snpm_cpu_family fam, char *out, size_t n)
{
	struct snpm_tcb t;

	snpm_tcb_split(tcb, fam, &t);
	if (t.has_fmc)
		snprintf(out, n, "0x%016llx (fmc %u, bootloader %u, tee %u, snp %u, microcode %u)",
			 (unsigned long long)tcb, t.fmc, t.bootloader, t.tee, t.snp, t.microcode);
	else
		snprintf(out, n, "0x%016llx (bootloader %u, tee %u, snp %u, microcode %u)",
			 (unsigned long long)tcb, t.bootloader, t.tee, t.snp, t.microcode);
}

static struct json_object *tcb_json(uint64_t tcb, enum snpm_cpu_family fam)
{
	struct json_object *o = json_object_new_object();
	struct snpm_tcb t;

	snpm_tcb_split(tcb, fam, &t);
	json_add_u64_hex(o, "raw", tcb);
	if (t.has_fmc)
		json_object_object_add(o, "fmc", json_object_new_int(t.fmc));
	json_object_object_add(o, "bootloader", json_object_new_int(t.bootloader));
	json_object_object_add(o, "tee", json_object_new_int(t.tee));
	json_object_object_add(o, "snp", json_object_new_int(t.snp));
	json_object_object_add(o, "microcode", json_object_new_int(t.microcode));
	return o;
}

static const char *signing_key_name(enum snpm_signing_key k)
{
	return k == SNPM_SIGNING_KEY_VCEK ? "VCEK" :
	       k == SNPM_SIGNING_KEY_VLEK ? "VLEK" :
	       k == SNPM_SIGNING_KEY_NONE ? "none" :
					    "reserved";
}

/* A field's value from the parsed report, by its row. */
static uint64_t field_number(const struct snpm_report *r, const struct snpm_report_field *f)
{
	const uint8_t *at = (const uint8_t *)r + f->member;
	uint32_t v32;
	uint64_t v64;

	if (f->size == 1)
		return *at;
	if (f->size == 4)
		return memcpy(&v32, at, sizeof(v32)), v32;
	return memcpy(&v64, at, sizeof(v64)), v64;
}

/* The text of one row of report show (not for SNPM_SHOW_PART: its row before shows it). */
static void field_text(const struct snpm_report *r, const struct snpm_report_field *f, char *out,
		       size_t n)
{
	const uint8_t *at = (const uint8_t *)r + f->member;
	enum snpm_cpu_family fam = snpm_report_family(r);
	uint64_t v = f->size && f->size <= 8 ? field_number(r, f) : 0;
	char flags[256];

	switch (f->show) {
	case SNPM_SHOW_DECIMAL:
		snprintf(out, n, "%llu", (unsigned long long)v);
		return;
	case SNPM_SHOW_HEX:
		to_hex(at, f->size, out);
		return;
	case SNPM_SHOW_HEX64:
		snprintf(out, n, "0x%llx", (unsigned long long)v);
		return;
	case SNPM_SHOW_POLICY:
		bits_text(v, 16, 63, snpm_policy_bit_name, flags, sizeof(flags));
		snprintf(out, n, "0x%llx (abi %llu.%llu; %s)", (unsigned long long)v,
			 (unsigned long long)(v >> 8 & 0xff), (unsigned long long)(v & 0xff),
			 flags);
		return;
	case SNPM_SHOW_SIGNATURE_ALGO:
		snprintf(out, n, "%llu (%s)", (unsigned long long)v,
			 v == 1 ? "ECDSA P-384 with SHA-384" : "unknown");
		return;
	case SNPM_SHOW_PLATFORM_INFO:
		bits_text(v, 0, 63, snpm_platform_info_bit_name, flags, sizeof(flags));
		snprintf(out, n, "0x%llx (%s)", (unsigned long long)v, flags);
		return;
	case SNPM_SHOW_KEY_INFO:
		snprintf(out, n, "0x%llx (author_key_en %u, mask_chip_key %u, signing_key %s)",
			 (unsigned long long)v, (unsigned)(v & 1), (unsigned)(v >> 1 & 1),
			 signing_key_name(snpm_report_signing_key(r)));
		return;
	case SNPM_SHOW_FAMILY:
		snprintf(out, n, "%s%s", snpm_cpu_family_name(fam),
			 fam ? "" :
			       " (version 2 has no CPUID: TCBs shown in the Milan/Genoa layout)");
		return;
	case SNPM_SHOW_TCB:
		tcb_text(v, fam, out, n);
		return;
	case SNPM_SHOW_CPUID: /* family, model, stepping */
		snprintf(out, n, "family 0x%x, model 0x%x, stepping 0x%x", at[0], at[1], at[2]);
		return;
	case SNPM_SHOW_FIRMWARE: /* build, minor, major: shown major first */
		snprintf(out, n, "%u.%u.%u", at[2], at[1], at[0]);
		return;
	default:
		out[0] = '\0';
	}
}

static void show_dstack(const struct snpm_report *r)
{
	struct snpm_dstack_ids ids;
	char hex[2 * 32 + 1];

	if (snpm_dstack_ids(r, &ids, NULL) < 0)
		return;
	to_hex(ids.mr_system, 32, hex);
	printf("%-22s %s\n", "dstack mr_system", hex);
	to_hex(ids.mr_aggregated, 32, hex);
	printf("%-22s %s\n", "dstack mr_aggregated", hex);
	to_hex(ids.device_id, 32, hex);
	printf("%-22s %s\n", "dstack device_id", hex);
}

/* Every field of snpm_report_fields() the report's version has, in its order. */
void report_print_human(const struct snpm_report *r)
{
	size_t n;
	const struct snpm_report_field *f = snpm_report_fields(&n);
	char text[512];

	for (size_t i = 0; i < n; i++) {
		if (f[i].since > r->version || f[i].show == SNPM_SHOW_PART)
			continue;
		field_text(r, &f[i], text, sizeof(text));
		printf("%-22s %s\n", f[i].label ? f[i].label : f[i].name, text);
	}
	show_dstack(r);
}

static void add_bits(struct json_object *o, const char *key, uint64_t v, unsigned from,
		     const char *(*name)(unsigned))
{
	struct json_object *arr = json_object_new_array();
	char buf[16];

	for (unsigned b = from; b < 64; b++) {
		if (!(v >> b & 1))
			continue;
		const char *nm = name(b);
		snprintf(buf, sizeof(buf), "bit%u", b);
		json_object_array_add(arr, json_object_new_string(nm ? nm : buf));
	}
	json_object_object_add(o, key, arr);
}

/* One field's members in the report's JSON. */
static void field_json(struct json_object *o, const struct snpm_report *r,
		       const struct snpm_report_field *f)
{
	const uint8_t *at = (const uint8_t *)r + f->member;
	enum snpm_cpu_family fam = snpm_report_family(r);
	uint64_t v = f->size && f->size <= 8 ? field_number(r, f) : 0;

	switch (f->show) {
	case SNPM_SHOW_HEX:
		json_add_hex(o, f->name, at, f->size);
		return;
	case SNPM_SHOW_HEX64:
	case SNPM_SHOW_POLICY:
	case SNPM_SHOW_PLATFORM_INFO:
	case SNPM_SHOW_KEY_INFO:
		json_add_u64_hex(o, f->name, v);
		break;
	case SNPM_SHOW_FAMILY:
		json_add_str(o, f->name, snpm_cpu_family_name(fam));
		return;
	case SNPM_SHOW_TCB:
		json_object_object_add(o, f->name, tcb_json(v, fam));
		return;
	default: /* numbers */
		json_object_object_add(o, f->name, json_object_new_int64((int64_t)v));
		return;
	}
	if (f->show == SNPM_SHOW_POLICY) {
		add_bits(o, "policy_flags", v, 16, snpm_policy_bit_name);
		json_object_object_add(o, "policy_abi_major", json_object_new_int64(v >> 8 & 0xff));
		json_object_object_add(o, "policy_abi_minor", json_object_new_int64(v & 0xff));
	} else if (f->show == SNPM_SHOW_PLATFORM_INFO) {
		add_bits(o, "platform_info_flags", v, 0, snpm_platform_info_bit_name);
	} else if (f->show == SNPM_SHOW_KEY_INFO) {
		json_object_object_add(o, "author_key_en", json_object_new_boolean(v & 1));
		json_object_object_add(o, "mask_chip_key", json_object_new_boolean(v >> 1 & 1));
		json_add_str(o, "signing_key", signing_key_name(snpm_report_signing_key(r)));
	}
}

struct json_object *report_to_json(const struct snpm_report *r)
{
	struct json_object *o = json_object_new_object();
	size_t n;
	const struct snpm_report_field *f = snpm_report_fields(&n);
	struct snpm_dstack_ids ids;

	for (size_t i = 0; i < n; i++)
		if (f[i].since <= r->version)
			field_json(o, r, &f[i]);
	if (snpm_dstack_ids(r, &ids, NULL) == 0) {
		struct json_object *d = json_object_new_object();
		json_add_hex(d, "mr_system", ids.mr_system, 32);
		json_add_hex(d, "mr_aggregated", ids.mr_aggregated, 32);
		json_add_hex(d, "device_id", ids.device_id, 32);
		json_object_object_add(o, "dstack", d);
	}
	return o;
}

FILE_VERB(syntax_report_show, "report show FILE [--json]", "JSON output",
	  "Every field of a version 2, 3 or 5 attestation report. FILE: the 1184 bytes, "
	  "their hex, or - for stdin.");

static int report_show(int argc, char **argv)
{
	uint8_t raw[SNPM_REPORT_SIZE];
	struct snpm_report rep;
	const char *file;
	bool json;
	int r = opts_parse_file(&syntax_report_show, argc, argv, &file, &json);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	r = parse_report_file(file, raw, &rep);
	if (r)
		return r;
	if (json) {
		struct json_object *o = report_to_json(&rep);
		print_json(o);
		json_object_put(o);
	} else {
		report_print_human(&rep);
	}
	return 0;
}

/* ---- verify ---- */

void cert_files_free(struct cert_files *c)
{
	free(c->vcek), free(c->ask), free(c->ark), free(c->chain);
}

static int read_cert(const char *path, uint8_t **buf, const uint8_t **data, size_t *len)
{
	struct snpm_error err;

	if (!path)
		return 0;
	if (snpm_io_read_all(path, SNPM_IO_PIPES, 1u << 20, buf, len, &err) < 0)
		return report(path, &err);
	*data = *buf;
	return 0;
}

int load_certs(const char *vcek, const char *ask, const char *ark, const char *chain,
	       struct cert_files *c)
{
	int r;

	memset(c, 0, sizeof(*c));
	SNPM_INIT(&c->in);
	r = read_cert(vcek, &c->vcek, &c->in.vcek, &c->in.vcek_len);
	if (r == 0)
		r = read_cert(ask, &c->ask, &c->in.ask, &c->in.ask_len);
	if (r == 0)
		r = read_cert(ark, &c->ark, &c->in.ark, &c->in.ark_len);
	if (r == 0)
		r = read_cert(chain, &c->chain, &c->in.chain, &c->in.chain_len);
	return r;
}

static void describe_verified(const struct snpm_verify_result *res, char *out, size_t n)
{
	snprintf(out, n, "%s-signed, chain %s <- %s <- ARK-%s (%s), TCB matches the %s%s",
		 res->vlek ? "VLEK" : "VCEK", res->vlek ? "VLEK" : "VCEK",
		 res->vlek ? "ASVK" : "ASK", snpm_cpu_family_name(res->family),
		 res->builtin_chain ? "AMD roots built in" : "given", res->vlek ? "VLEK" : "VCEK",
		 res->hwid_checked ? ", chip ID matches" :
		 res->vlek	   ? "" :
				     ", chip ID masked (not compared)");
}

struct verify_args {
	const char *vcek, *ask, *ark, *chain, *trust_root, *now;
	bool json;
};

static const struct opt_doc verify_opts[] = {
	CERT_OPTS(struct verify_args),
	OPT_BOOL("json", struct verify_args, json, "the verdict as JSON, also when it is no"),
};

const struct verb_syntax syntax_report_verify = {
	.usage = "report verify FILE --vcek CERT [--ask CERT] [--ark CERT] [--chain PEM] "
		 "[--trust-root CERT] [--now TIME] [--json]",
	.about = "The report's signature with the VCEK, the chain VCEK <- ASK <- ARK, the TCB, "
		 "the chip ID, the fields the ABI reserves, and the certificates' validity now. "
		 "Exit 0 when it verifies, 3 when it does not.",
	OPTS_TABLE(verify_opts),
	.min_pos = 1,
	.max_pos = 1,
};

/* --chain gives the ASK and the ARK: with --ask or --ark, one of the two would be dropped. */
int cert_args_check(const char *verb, const char *vcek, const char *ask, const char *ark,
		    const char *chain)
{
	if (chain && (ask || ark)) {
		usage_error("%s: --chain gives the ASK and the ARK; it cannot be combined with "
			    "--ask, --asvk or --ark",
			    verb);
		return EXIT_USAGE;
	}
	if (!vcek && (ask || ark || chain)) {
		usage_error("%s: --ask, --ark and --chain need --vcek", verb);
		return EXIT_USAGE;
	}
	return 0;
}

static void print_verify_json(const struct snpm_verify_result *res, const struct snpm_error *err,
			      const struct trust_root *root)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "pass", json_object_new_boolean(!err));
	trust_root_json(o, root);
	if (err) {
		json_add_str(o, "reason", err->message);
	} else {
		json_add_str(o, "family", snpm_cpu_family_name(res->family));
		json_add_str(o, "key", res->vlek ? "VLEK" : "VCEK");
		json_add_str(o, "product", res->product);
		json_object_object_add(o, "builtin_chain",
				       json_object_new_boolean(res->builtin_chain));
		json_object_object_add(o, "chip_id_checked",
				       json_object_new_boolean(res->hwid_checked));
	}
	print_json(o);
	json_object_put(o);
}

static int report_verify(int argc, char **argv)
{
	struct verify_args a = { 0 };
	struct snpm_report_input in = { 0 };
	struct snpm_verify_result res;
	struct cert_files certs = { 0 };
	struct trust_root root = { 0 };
	struct snpm_error err;
	char text[256], *pos[1];
	size_t n_pos;
	int64_t now = 0;
	int r = opts_parse(&syntax_report_verify, argc, argv, NULL, &a, pos, &n_pos);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	const char *file = pos[0];
	r = a.vcek ? cert_args_check("report verify", a.vcek, a.ask, a.ark, a.chain) : 0;
	if (r == 0)
		r = parse_now(a.now, &now);
	if (r == 0)
		r = read_report_input(file, &in);
	struct snpm_report rep;
	if (r == 0 && snpm_report_parse(in.report, SNPM_REPORT_SIZE, &rep, &err) < 0)
		r = report(file, &err);
	/* The certificates a dstack attestation brought serve when none are given. */
	if (r == 0 && !a.vcek && !in.has_certs) {
		usage_error("report verify: --vcek CERT is required (usage: %s %s)", PROG,
			    syntax_report_verify.usage);
		r = EXIT_USAGE;
	} else if (r == 0 && !a.vcek && (a.ask || a.ark || a.chain)) {
		r = cert_args_check("report verify", a.vcek, a.ask, a.ark, a.chain);
	}
	if (r == 0 && a.vcek)
		r = load_certs(a.vcek, a.ask, a.ark, a.chain, &certs);
	else if (r == 0)
		certs.in = in.certs;
	if (r == 0)
		r = trust_root_load(a.trust_root, &root);
	if (r == 0 &&
	    snpm_report_verify_at(in.report, &certs.in, now, root.data, root.len, &res, &err) < 0) {
		/* The verdict as JSON too, with its reason: machines need not parse stderr. */
		if (a.json)
			print_verify_json(NULL, &err, &root);
		r = report_verdict(file, &err);
	} else if (r == 0 && a.json) {
		print_verify_json(&res, NULL, &root);
	} else if (r == 0) {
		describe_verified(&res, text, sizeof(text));
		trust_root_print(&root);
		printf("%s: verified: %s%s\n", file, text,
		       root.data ? " (under the trust root given, NOT AMD's)" : "");
	}
	trust_root_free(&root);
	cert_files_free(&certs);
	snpm_report_input_free(&in);
	return r;
}

/* ---- check ---- */

void check_add_row(struct check_table *t, const char *field, const char *expected,
		   const char *found, bool ok)
{
	struct check_row *r = &t->rows[t->n++];

	r->why = NULL;
	r->field = field;
	snprintf(r->expected, sizeof(r->expected), "%s", expected);
	snprintf(r->found, sizeof(r->found), "%s", found);
	r->ok = ok;
}

void check_add_bytes_row(struct check_table *t, const char *field, const uint8_t *want,
			 const uint8_t *got, size_t len)
{
	char a[2 * 64 + 1], b[2 * 64 + 1];

	to_hex(want, len, a);
	to_hex(got, len, b);
	check_add_row(t, field, a, b, memcmp(want, got, len) == 0);
}

/* A digest given as hex or base64, or a P-384 key file whose digest it is. */
int key_digest_arg(const char *arg, uint8_t out[SNPM_SHA384_SIZE])
{
	struct snpm_error err;
	uint8_t *pem;
	size_t len;
	int r;

	if (parse_measurement(arg, out) == SNPM_SHA384_SIZE)
		return 0;
	if (snpm_io_read_all(arg, SNPM_IO_PIPES, 1u << 20, &pem, &len, &err) < 0) {
		usage_error("'%s' is neither a 48-byte digest (hex or base64) nor a readable key",
			    arg);
		return EXIT_USAGE;
	}
	r = snpm_key_digest((const char *)pem, len, out, &err);
	OPENSSL_cleanse(pem, len);
	free(pem);
	return r < 0 ? report(arg, &err) : 0;
}

int check_fields(const struct measure_args *a, const struct snpm_report *rep, struct check_table *t)
{
	uint8_t buf[64];
	uint64_t policy;
	char e[32], f[32];
	int r;

	if (a->host_data) {
		if (!parse_hex(a->host_data, buf, 32)) {
			usage_error("--host-data: '%s' is not 64 hex digits", a->host_data);
			return EXIT_USAGE;
		}
		check_add_bytes_row(t, "host_data", buf, rep->host_data, 32);
		t->rows[t->n - 1].why =
			"the VMM launched the guest with other HOST_DATA (QEMU's sev-snp-guest host-data=)";
	}
	if (a->id_key_digest) {
		if ((r = key_digest_arg(a->id_key_digest, buf)))
			return r;
		check_add_bytes_row(t, "id_key_digest", buf, rep->id_key_digest, 48);
		t->rows[t->n - 1].why =
			"the launch carried another ID block, or none (QEMU's id-block= and id-auth=)";
	}
	if (a->author_key_digest) {
		if ((r = key_digest_arg(a->author_key_digest, buf)))
			return r;
		check_add_bytes_row(t, "author_key_digest", buf, rep->author_key_digest, 48);
		t->rows[t->n - 1].why = "the ID block was signed under another author key, or none";
	}
	if (a->policy) {
		if (!parse_u64(a->policy, true, UINT64_MAX, &policy)) {
			usage_error("--guest-policy: '%s' is not a number", a->policy);
			return EXIT_USAGE;
		}
		snprintf(e, sizeof(e), "0x%llx", (unsigned long long)policy);
		snprintf(f, sizeof(f), "0x%llx", (unsigned long long)rep->policy);
		check_add_row(t, "policy", e, f, policy == rep->policy);
		t->rows[t->n - 1].why =
			"the VMM launched the guest with another guest policy (QEMU's sev-snp-guest policy=)";
	}
	if (a->report_data) {
		size_t n = strlen(a->report_data) / 2;
		memset(buf, 0, sizeof(buf));
		if (strlen(a->report_data) % 2 || n > 64 || !parse_hex(a->report_data, buf, n)) {
			usage_error("--report-data: '%s' is not up to 128 hex digits",
				    a->report_data);
			return EXIT_USAGE;
		}
		check_add_bytes_row(t, "report_data", buf, rep->report_data, 64);
		t->rows[t->n - 1].why =
			"the guest asked for its report with other REPORT_DATA (another nonce or key)";
	}
	if (arg_given(a, M_VMPL)) {
		snprintf(e, sizeof(e), "%u", a->vmpl);
		snprintf(f, sizeof(f), "%u", rep->vmpl);
		check_add_row(t, "vmpl", e, f, a->vmpl == rep->vmpl);
		t->rows[t->n - 1].why =
			"the report was requested at another VMPL (a guest under an SVSM runs above VMPL 0)";
	}
	return 0;
}

/* The measurement to expect: given, or computed from measurement arguments. */
static int expected_measurement(struct measure_args *a, uint8_t out[48], size_t *len)
{
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct inputs in;
	struct snpm_error err;
	int r, n;

	if (a->measurement) {
		n = parse_measurement(a->measurement, out);
		if (n != SNPM_LD_SIZE) {
			usage_error("--measurement: '%s' is not a 48-byte digest in hex or base64",
				    a->measurement);
			return EXIT_USAGE;
		}
		*len = (size_t)n;
		return 0;
	}
	if (!a->ovmf && !a->ovmf_metadata && !a->spec && !a->igvm && !a->krunfw && !a->qboot) {
		usage_error("report check: give --measurement, --manifest or the measurement "
			    "options (--ovmf, --igvm, --krunfw, ...)");
		return EXIT_USAGE;
	}
	r = measure_prepare(a, &cfg, &in);
	if (r == 0)
		args_note_defaults(a);
	if (r == 0 && snpm_measure(&cfg, out, len, &err) < 0)
		r = report_verdict(a->igvm	    ? a->igvm :
				   a->krunfw	    ? a->krunfw :
				   a->qboot	    ? a->qboot :
				   a->ovmf	    ? a->ovmf :
				   a->ovmf_metadata ? a->ovmf_metadata :
						      a->spec,
				   &err);
	if (r == 0)
		r = inputs_check(a, &in);
	if (r == 0 && *len != SNPM_LD_SIZE) {
		fail_line("reports carry SNP measurements; mode %s has none",
			  snpm_mode_name(cfg.mode));
		r = EXIT_FAIL;
	}
	inputs_free(&in);
	return r;
}

/* ---- check --manifest: the bundle configuration the report's measurement belongs to ---- */

#define MAX_SHOWN 16

struct manifest_search {
	const uint8_t *want;
	uint64_t rows, matches;
	char *shown[MAX_SHOWN];
};

static int match_row(void *arg, const uint8_t m[SNPM_LD_SIZE], const char *row)
{
	struct manifest_search *s = arg;

	s->rows++;
	if (memcmp(m, s->want, SNPM_LD_SIZE) != 0)
		return 0;
	if (s->matches < MAX_SHOWN)
		s->shown[s->matches] = strdup(row);
	s->matches++;
	return 0;
}

/* What every configuration of the bundle shares: where to look when none matched. */
static void held_fixed(const char *manifest_arg, uint64_t rows)
{
	char path[PATH_MAX];
	struct json_object *m = NULL, *v, *arts;
	struct stat st;
	char *text = NULL;
	struct snpm_error err;

	snprintf(path, sizeof(path), "%s%s", manifest_arg,
		 stat(manifest_arg, &st) == 0 && S_ISDIR(st.st_mode) ? "/manifest.json" : "");
	fail_line("no configuration of the bundle (%llu predicted) gives the report's "
		  "measurement; held fixed in all of them:",
		  (unsigned long long)rows);
	if (snpm_io_read_text(path, SNPM_IO_REGULAR, 64u << 20, &text, &err) < 0 ||
	    !(m = json_tokener_parse(text))) {
		free(text);
		return;
	}
	if (json_object_object_get_ex(m, "artifacts", &arts)) {
		json_object_object_foreach(arts, k, a) {
			if (json_object_object_get_ex(a, "sha256", &v))
				fprintf(stderr, "  %-10s sha256 %s\n", k,
					json_object_get_string(v));
		}
	}
	if (json_object_object_get_ex(m, "cmdline", &v))
		fprintf(stderr, "  cmdline    \"%s\"\n", json_object_get_string(v));
	if (json_object_object_get_ex(m, "space", &v))
		fprintf(stderr, "  searched   %s\n",
			json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	json_object_put(m);
	free(text);
}

/* Adds the measurement row; 0, or an exit code when the bundle cannot be read. */
static int check_manifest(const char *manifest, const struct snpm_report *rep,
			  struct check_table *t, struct manifest_search *s)
{
	struct snpm_error err;
	char hex[2 * SNPM_LD_SIZE + 1], text[96];

	s->want = rep->measurement;
	if (snpm_bundle_measurements(manifest, match_row, s, &err) < 0)
		return report(manifest, &err);
	to_hex(rep->measurement, SNPM_LD_SIZE, hex);
	snprintf(text, sizeof(text), "one of the %llu configurations of the bundle",
		 (unsigned long long)s->rows);
	check_add_row(t, "measurement", text, hex, s->matches > 0);
	if (!s->matches)
		held_fixed(manifest, s->rows);
	return 0;
}

static void print_configurations(const struct manifest_search *s, bool json)
{
	if (json || !s->matches)
		return;
	for (uint64_t i = 0; i < s->matches && i < MAX_SHOWN; i++)
		printf("configuration             %s\n", s->shown[i]);
	if (s->matches > MAX_SHOWN)
		printf("configuration             ... and %llu more\n",
		       (unsigned long long)(s->matches - MAX_SHOWN));
}

struct json_object *check_table_json(const struct check_table *t)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < t->n; i++) {
		struct json_object *o = json_object_new_object();
		json_add_str(o, "field", t->rows[i].field);
		json_add_str(o, "result", t->rows[i].ok ? "pass" : "fail");
		json_add_str(o, "expected", t->rows[i].expected);
		json_add_str(o, "found", t->rows[i].found);
		if (!t->rows[i].ok && t->rows[i].why)
			json_add_str(o, "why", t->rows[i].why);
		json_object_array_add(arr, o);
	}
	return arr;
}

static void print_table(const struct check_table *t, bool json, const struct manifest_search *s,
			const struct trust_root *root)
{
	if (json) {
		struct json_object *o = json_object_new_object();
		bool all = true;
		for (size_t i = 0; i < t->n; i++)
			all &= t->rows[i].ok;
		json_object_object_add(o, "pass", json_object_new_boolean(all));
		trust_root_json(o, root);
		json_object_object_add(o, "fields", check_table_json(t));
		if (s && s->rows) {
			struct json_object *cfgs = json_object_new_array();
			for (uint64_t i = 0; i < s->matches && i < MAX_SHOWN; i++)
				json_object_array_add(cfgs, json_tokener_parse(s->shown[i]));
			json_object_object_add(o, "configurations", cfgs);
		}
		print_json(o);
		json_object_put(o);
		return;
	}
	trust_root_print(root);
	printf("%-18s %-6s %s\n", "field", "result", "expected / found");
	for (size_t i = 0; i < t->n; i++) {
		const struct check_row *r = &t->rows[i];
		printf("%-18s %-6s %s\n", r->field, r->ok ? "pass" : "FAIL", r->expected);
		printf("%-18s %-6s %s\n", "", "", r->found);
	}
}

static int report_check(int argc, char **argv)
{
	uint8_t raw[SNPM_REPORT_SIZE], want[SNPM_LD_SIZE];
	struct snpm_report rep;
	struct measure_args a;
	struct check_table t = { 0 };
	struct snpm_verify_result res;
	struct cert_files certs = { 0 };
	struct manifest_search search = { 0 };
	struct trust_root root = { 0 };
	struct snpm_error err;
	char text[256];
	size_t len;
	int64_t now = 0;
	const char *file;
	int r;

	r = args_parse(argc, argv, VERB_CHECK, &a);
	file = a.report_file;
	if (r == 0 && !file) {
		usage_error("report check: expected the report FILE");
		r = EXIT_USAGE;
	}
	if (r == 0)
		r = cert_args_check("report check", a.vcek, a.ask, a.ark, a.chain);
	if (r == 0 && (a.trust_root || a.now) && !a.vcek) {
		usage_error("report check: --trust-root and --now judge the signature: they need "
			    "--vcek");
		r = EXIT_USAGE;
	}
	if (r == 0)
		r = parse_now(a.now, &now);
	if (r == 0)
		r = parse_report_file(file, raw, &rep);
	if (r == 0)
		r = trust_root_load(a.trust_root, &root);
	if (r == 0 && a.vcek) {
		const char *signer = root.data ? "signed under the trust root" : "AMD-signed";
		r = load_certs(a.vcek, a.ask, a.ark, a.chain, &certs);
		if (r == 0 && snpm_report_verify_at(raw, &certs.in, now, root.data, root.len, &res,
						    &err) < 0) {
			check_add_row(&t, "signature", signer, err.message, false);
		} else if (r == 0) {
			describe_verified(&res, text, sizeof(text));
			check_add_row(&t, "signature", signer, text, true);
		}
	}
	if (r == 0 && a.manifest && (a.measurement || a.ovmf || a.ovmf_metadata || a.spec)) {
		usage_error(
			"report check: --manifest gives the measurements; it cannot be combined "
			"with --measurement or measurement options");
		r = EXIT_USAGE;
	}
	if (r == 0 && a.manifest) {
		r = check_manifest(a.manifest, &rep, &t, &search);
	} else if (r == 0) {
		r = expected_measurement(&a, want, &len);
		if (r == 0)
			check_add_bytes_row(&t, "measurement", want, rep.measurement, SNPM_LD_SIZE);
	}
	if (r == 0)
		r = check_fields(&a, &rep, &t);
	if (r == 0) {
		print_table(&t, a.json, &search, &root);
		print_configurations(&search, a.json);
		for (size_t i = 0; i < t.n; i++)
			if (!t.rows[i].ok)
				r = EXIT_MISMATCH;
		if (!a.vcek && !a.quiet)
			fail_line("note: no --vcek: the report's signature was not checked");
	}
	cert_files_free(&certs);
	trust_root_free(&root);
	for (uint64_t i = 0; i < search.matches && i < MAX_SHOWN; i++)
		free(search.shown[i]);
	args_free(&a);
	return r;
}

static void report_help(void)
{
	printf("Usage: %s report show FILE [--json]\n"
	       "       %s report verify FILE --vcek CERT [--ask CERT] [--ark CERT] [--chain "
	       "PEM] [--trust-root CERT] [--now TIME] [--json]\n"
	       "       %s report check FILE (--measurement HEX | --manifest DIR | measurement "
	       "options) [--host-data HEX] [--id-key-digest HEX|PEM] [--author-key-digest "
	       "HEX|PEM] [--guest-policy VALUE] [--report-data HEX] [--vcek CERT ...] [--json]\n"
	       "       %s report appraise FILE --policy POLICY.json (--vcek CERT [--ask CERT] "
	       "[--ark CERT] [--chain PEM] | --certs AUXBLOB) [--crl CRL] [--now TIME] [--json]\n"
	       "       %s report kds FILE [--product Milan|Genoa|Turin|Venice] [--json]\n"
	       "       %s report get [--report-data HEX | --report-data-file FILE] [--vmpl N] "
	       "[-o FILE] [--certs FILE] [--interface auto|tsm|device] [--json]\n"
	       "FILE: a 1184-byte report, its hex, or - for stdin.\n",
	       PROG, PROG, PROG, PROG, PROG, PROG);
}

int cmd_report(int argc, char **argv)
{
	static const struct verb_entry sub[] = {
		{ "show", report_show, "report show FILE [--json]" },
		{ "verify", report_verify, "report verify FILE --vcek CERT [...]" },
		{ "check", report_check, "report check FILE (--measurement HEX | options) [...]" },
		{ "appraise", cmd_report_appraise, "report appraise FILE --policy POLICY [...]" },
		{ "kds", cmd_report_kds, "report kds FILE [--product NAME] [--json]" },
		{ "get", cmd_report_get, "report get [--report-data HEX] [-o FILE] [...]" },
	};

	/* Each sub-verb answers its own --help; "report --help" lists them. */
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		report_help();
		return EXIT_OK;
	}
	return verbs_dispatch("report", sub, sizeof(sub) / sizeof(sub[0]), argc, argv);
}
