/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snpmeasure report get: a report from the hardware, inside an SEV-SNP guest (<snpm/guest.h>).
 * Outputs appear whole or not at all, and nothing is printed until everything was written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"
#include "verbs.h"

struct get_args {
	const char *report_data, *report_data_file, *vmpl, *out, *certs, *tsm_root, *device;
	enum snpm_guest_interface interface;
	bool json, quiet;
};

static const struct opt_doc get_opts[] = {
	OPT_STR("report-data", 0, struct get_args, report_data, "HEX",
		"REPORT_DATA: up to 64 bytes of hex, zero-padded"),
	OPT_STR("report-data-file", 0, struct get_args, report_data_file, "FILE",
		"REPORT_DATA: up to 64 bytes from a file (- for stdin), zero-padded"),
	OPT_STR("vmpl", 0, struct get_args, vmpl, "N",
		"the VMPL to request the report for, 0..3 (default: the kernel's)"),
	OPT_STR("output", 'o', struct get_args, out, "FILE",
		"write the 1184-byte report to FILE (otherwise it is shown)"),
	OPT_STR("certs", 0, struct get_args, certs, "FILE",
		"also write the host's certificate table (extended report, configfs-tsm auxblob)"),
	OPT_CHOICE_OF("interface", struct get_args, interface, snpm_guest_interface_names,
		      "auto|tsm|device",
		      "{}: configfs-tsm, /dev/sev-guest, or the first there (default: auto)"),
	OPT_STR("tsm-root", 0, struct get_args, tsm_root, "DIR",
		"configfs-tsm's report folder (default: " SNPM_TSM_REPORT_ROOT ")"),
	OPT_STR("device", 0, struct get_args, device, "PATH",
		"the sev-guest device (default: " SNPM_SEV_GUEST_DEVICE ")"),
	OPT_BOOL("json", struct get_args, json,
		 "the report's fields, its bytes and where it came "
		 "from as JSON"),
	OPT_QUIET(struct get_args, quiet, "no notes on stderr"),
};

const struct verb_syntax syntax_report_get = {
	.usage = "report get [--report-data HEX | --report-data-file FILE] [--vmpl N] [-o FILE] "
		 "[--certs FILE] [--interface auto|tsm|device] [--json]",
	.about = "Asks the AMD secure processor for an attestation report, from inside an SEV-SNP "
		 "guest: through the kernel's configfs-tsm interface, else /dev/sev-guest. Nothing "
		 "is verified here: give the report to report verify or report appraise.",
	OPTS_TABLE(get_opts),
	.min_pos = 0,
	.max_pos = 0,
};

/* REPORT_DATA from hex or a file; shorter than 64 bytes is zero-padded (and said). */
static int report_data(const struct get_args *a, uint8_t out[SNPM_REPORT_DATA_SIZE], bool quiet)
{
	struct snpm_error err;
	uint8_t *data = NULL;
	size_t n = 0;

	memset(out, 0, SNPM_REPORT_DATA_SIZE);
	if (a->report_data && a->report_data_file) {
		usage_error("report get: give --report-data or --report-data-file, not both");
		return EXIT_USAGE;
	}
	if (a->report_data) {
		n = strlen(a->report_data) / 2;
		if (strlen(a->report_data) % 2 || n > SNPM_REPORT_DATA_SIZE ||
		    !parse_hex(a->report_data, out, n)) {
			usage_error("--report-data: '%s' is not up to 128 hex digits",
				    a->report_data);
			return EXIT_USAGE;
		}
	} else if (a->report_data_file) {
		if (snpm_io_read_all(a->report_data_file, SNPM_IO_PIPES, SNPM_REPORT_DATA_SIZE,
				     &data, &n, &err) < 0)
			return report(a->report_data_file, &err);
		memcpy(out, data, n);
		free(data);
	} else {
		/* A report with no nonce can be replayed: the verifier cannot tell it is fresh. */
		if (!a->quiet)
			fail_line(
				"note: no --report-data: REPORT_DATA is all zeros, which a verifier "
				"cannot tell from a replayed report; give a fresh nonce");
		return 0;
	}
	if (n < SNPM_REPORT_DATA_SIZE && !quiet)
		fail_line("note: REPORT_DATA is %zu bytes, zero-padded to 64", n);
	return 0;
}

static int build_request(const struct get_args *a, struct snpm_report_request *req)
{
	uint64_t vmpl;
	int r;

	SNPM_INIT(req);
	r = report_data(a, req->report_data, a->json || a->quiet);
	if (r)
		return r;
	if (a->vmpl) {
		if (!parse_u64(a->vmpl, false, 3, &vmpl)) {
			usage_error("--vmpl: '%s' is not 0, 1, 2 or 3", a->vmpl);
			return EXIT_USAGE;
		}
		req->has_vmpl = true;
		req->vmpl = (uint32_t)vmpl;
	}
	req->interface = a->interface;
	req->certs = a->certs != NULL;
	req->tsm_root = a->tsm_root;
	req->device = a->device;
	return 0;
}

/*
 * Both outputs, or neither: they are committed together, and a write-through output (a device,
 * a FIFO, standard output) is never removed whatever fails.
 */
static int write_outputs(const struct get_args *a, const struct snpm_report_reply *reply)
{
	struct snpm_io_out outs[2];
	struct snpm_io_out *open_outs[2];
	const char *names[2], *named[2];
	const void *data[2] = { reply->report, reply->certs };
	size_t lens[2] = { SNPM_REPORT_SIZE, reply->certs_len }, n = 0, i, bad = 0;
	struct snpm_error err;
	const char *failed = NULL;

	names[0] = a->out, names[1] = a->certs;
	for (i = 0; i < 2 && !failed; i++) {
		if (!names[i])
			continue;
		if (snpm_io_out_open(names[i], &outs[n], &err) < 0) {
			failed = names[i];
			break;
		}
		open_outs[n] = &outs[n];
		named[n++] = names[i];
		if (snpm_io_out_write(&outs[n - 1], data[i], lens[i], &err) < 0)
			failed = names[i];
	}
	if (!failed && snpm_io_out_commit_all(open_outs, n, 0644, &bad, &err) < 0)
		return report(named[bad], &err);
	if (failed) {
		for (i = 0; i < n; i++)
			snpm_io_out_abort(open_outs[i]);
		return report(failed, &err);
	}
	return 0;
}

static void print_reply(const struct get_args *a, const struct snpm_report_reply *reply)
{
	struct snpm_report rep;
	char hex[2 * SNPM_REPORT_SIZE + 1];

	snpm_report_parse(reply->report, SNPM_REPORT_SIZE, &rep, NULL);
	if (a->json) {
		struct json_object *o = json_object_new_object();
		json_add_str(o, "interface", snpm_guest_interface_name(reply->interface));
		if (reply->provider[0])
			json_add_str(o, "provider", reply->provider);
		to_hex(reply->report, SNPM_REPORT_SIZE, hex);
		json_add_str(o, "report_hex", hex);
		json_object_object_add(o, "certs_size",
				       a->certs ? json_object_new_int64((int64_t)reply->certs_len) :
						  NULL);
		json_object_object_add(o, "report", report_to_json(&rep));
		print_json(o);
		json_object_put(o);
	} else if (a->out && strcmp(a->out, "-") == 0) {
		return; /* the report itself went to stdout */
	} else if (a->out) {
		printf("%s: a version %u report for VMPL %u from %s%s%s\n", a->out, rep.version,
		       rep.vmpl, snpm_guest_interface_name(reply->interface),
		       a->certs ? ", certificates in " : "", a->certs ? a->certs : "");
	} else {
		report_print_human(&rep);
	}
}

int cmd_report_get(int argc, char **argv)
{
	struct get_args a = { 0 };
	struct snpm_report_request req = { .size = sizeof(req) };
	struct snpm_report_reply reply = { 0 };
	struct snpm_error err;
	struct snpm_report rep;
	char *pos[1];
	size_t n_pos;
	int r = opts_parse(&syntax_report_get, argc, argv, NULL, &a, pos, &n_pos);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	if (a.out && a.certs && strcmp(a.out, a.certs) == 0) {
		usage_error("report get: -o and --certs name the same file");
		return EXIT_USAGE;
	}
	r = build_request(&a, &req);
	if (r == 0 && snpm_report_request(&req, &reply, &err) < 0)
		r = report("report get", &err);
	if (r == 0 && snpm_report_parse(reply.report, SNPM_REPORT_SIZE, &rep, &err) < 0)
		r = report("report get: the report", &err);
	/* Either interface: a table that names no certificate is no certificates (configfs-tsm
	 * hands over the kernel's terminator entry alone where the device reports length 0). */
	struct snpm_cert_input table = { .size = sizeof(table) };
	if (r == 0 && a.certs && reply.certs_len &&
	    snpm_cert_table_parse(reply.certs, reply.certs_len, &table, NULL) == 0 && !table.vcek &&
	    !table.ask && !table.ark)
		reply.certs_len = 0;
	if (r == 0 && a.certs && !reply.certs_len) {
		fail_line("report get: the host provided no certificates (fetch them from AMD's "
			  "KDS: snpmeasure report kds)");
		r = EXIT_FAIL;
	}
	if (r == 0)
		r = write_outputs(&a, &reply);
	if (r == 0)
		print_reply(&a, &reply);
	snpm_report_reply_free(&reply);
	return r;
}
