/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dstack's documents: measurement.snp.cbor (libcbor underneath, our schema checks on top) and
 * MrConfigV3 JSON. What parses must also re-encode, and the re-encoding must parse to the same
 * launch inputs.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void roundtrip(const struct snpm_spec *sp)
{
	struct snpm_dstack_image_measurement im = {
		.cmdline = sp->cmdline,
		.hashes_table_gpa = sp->firmware_metadata.hashes_table_gpa,
		.reset_eip = sp->firmware_metadata.reset_eip,
		.sections = sp->firmware_metadata.sections,
		.n_sections = sp->firmware_metadata.n_sections,
	};
	struct snpm_spec *again = NULL;
	uint8_t *out = NULL;
	size_t len = 0;

	memcpy(im.ovmf_hash, sp->firmware_digests.snp, sizeof(im.ovmf_hash));
	memcpy(im.kernel_hash, sp->kernel_sha256, 32);
	memcpy(im.initrd_hash, sp->initrd_sha256, 32);
	if (snpm_dstack_cbor_write(&im, &out, &len, NULL) < 0)
		abort();
	if (snpm_dstack_cbor_parse(out, len, &again, NULL) < 0 ||
	    strcmp(again->cmdline, sp->cmdline) != 0 ||
	    memcmp(again->firmware_digests.snp, sp->firmware_digests.snp, SNPM_LD_SIZE) != 0 ||
	    again->firmware_metadata.n_sections != sp->firmware_metadata.n_sections)
		abort();
	snpm_spec_free(again);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snpm_spec *sp = NULL;
	struct snpm_dstack_mr_config c;
	uint8_t hd[32];

	if (snpm_dstack_cbor_parse(data, size, &sp, NULL) == 0) {
		/* An empty initrd hash re-encodes as the 32 zero bytes the spec holds. */
		if (sp->has_initrd_sha256)
			roundtrip(sp);
		snpm_spec_free(sp);
	}
	if (snpm_dstack_mr_config_parse(data, size, &c, NULL) == 0) {
		if (snpm_dstack_host_data(data, size, hd, NULL) < 0)
			abort();
		snpm_dstack_mr_config_free(&c);
	}
	/* The attestation blob, and every form a report is read from: what parses as a blob must
	 * read as a report whose bytes are the blob's. */
	struct snpm_dstack_attestation a;
	struct snpm_report_input in;
	if (snpm_dstack_attestation_parse(data, size, &a, NULL) == 0) {
		if (snpm_report_read(data, size, &in, NULL) < 0 ||
		    memcmp(in.report, a.report, SNPM_REPORT_SIZE) != 0)
			abort();
		snpm_report_input_free(&in);
	}
	if (snpm_report_read(data, size, &in, NULL) == 0)
		snpm_report_input_free(&in);
	return 0;
}
