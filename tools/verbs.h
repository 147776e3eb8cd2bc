/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every verb of both tools with its syntax (tools/verbs.c): what the tests hold the manual
 * pages and the completions to, option by option and value by value.
 */
#ifndef SNPM_TOOLS_VERBS_H
#define SNPM_TOOLS_VERBS_H

#include <stddef.h>

#include "opts.h"

struct cli_verb_doc {
	const char *tool; /* "snpmeasure" or "snpimage" */
	const char *words; /* the verb as typed: "report verify" ("" for snpmeasure's own) */
	const struct verb_syntax *syntax;
};

extern const struct cli_verb_doc cli_verb_docs[];
extern const size_t cli_n_verb_docs;

extern const struct verb_syntax syntax_report_appraise, syntax_report_kds, syntax_dstack_host_data,
	syntax_dstack_image, syntax_report_get, syntax_igvm, syntax_id_block, syntax_key_digest,
	syntax_ovmf, syntax_report_show, syntax_report_verify, syntax_initramfs, syntax_rootfs,
	syntax_kernel_info, syntax_bundle, syntax_verify, syntax_verity_dump, syntax_verity_format,
	syntax_verity_verify, syntax_refvals_show;

#endif /* SNPM_TOOLS_VERBS_H */
