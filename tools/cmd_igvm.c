/* SPDX-License-Identifier: Apache-2.0 */
/* snpmeasure igvm FILE: what an IGVM file holds, header by header, as text or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"
#include "verbs.h"

static const struct opt_doc igvm_opts[] = {
	OPT_JSON_ONLY("JSON output"),
};

const struct verb_syntax syntax_igvm = {
	.usage = "igvm FILE [--json]",
	.about = "Every header of an IGVM file in order: platforms and their compatibility masks, "
		 "the guest policy, each directive with its GPA range, parameter areas, VP "
		 "contexts and an SNP ID block. The file is checked as the measurement checks it.",
	OPTS_TABLE(igvm_opts),
	.min_pos = 1,
	.max_pos = 1,
};

int cmd_igvm(int argc, char **argv)
{
	struct snpm_io_source src;
	struct snpm_igvm *f = NULL;
	struct snpm_error err;
	bool json = false;
	char *pos[1];
	size_t n_pos;
	int r = opts_parse(&syntax_igvm, argc, argv, NULL, &json, pos, &n_pos);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	if (snpm_io_source_open(pos[0], &src, &err) < 0 ||
	    snpm_igvm_parse(&src.src, &f, &err) < 0 || snpm_io_source_check(&src, &err) < 0) {
		snpm_io_source_close(&src, NULL);
		snpm_igvm_free(f);
		return report(pos[0], &err);
	}
	if (json) {
		igvm_print_json(stdout, pos[0], f, src.src.size, json_flags());
	} else {
		igvm_print(stdout, pos[0], f, src.src.size);
	}
	snpm_igvm_free(f);
	snpm_io_source_close(&src, NULL);
	return 0;
}
