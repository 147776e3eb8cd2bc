/* SPDX-License-Identifier: Apache-2.0 */
/* snpmeasure igvm FILE: what an IGVM file holds, header by header, as text or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"
#include "verbs.h"

FILE_VERB(syntax_igvm, "igvm FILE [--json]", "JSON output",
	  "Every header of an IGVM file in order: platforms and their compatibility masks, "
	  "the guest policy, each directive with its GPA range, parameter areas, VP "
	  "contexts and an SNP ID block. The file is checked as the measurement checks it.");

int cmd_igvm(int argc, char **argv)
{
	struct snpm_io_source src;
	struct snpm_igvm *f = NULL;
	struct snpm_error err;
	const char *path;
	bool json;
	int r = opts_parse_file(&syntax_igvm, argc, argv, &path, &json);

	if (r)
		return r == OPTS_HELP ? EXIT_OK : r;
	if (snpm_io_source_open(path, &src, &err) < 0 || snpm_igvm_parse(&src.src, &f, &err) < 0 ||
	    snpm_io_source_check(&src, &err) < 0) {
		snpm_io_source_close(&src, NULL);
		snpm_igvm_free(f);
		return report(path, &err);
	}
	if (json) {
		igvm_print_json(stdout, path, f, src.src.size, json_flags());
	} else {
		igvm_print(stdout, path, f, src.src.size);
	}
	snpm_igvm_free(f);
	snpm_io_source_close(&src, NULL);
	return 0;
}
