/* SPDX-License-Identifier: Apache-2.0 */
/* Every verb of both tools with its syntax (tools/verbs.h). */
#include "cli.h"
#include "verbs.h"

const struct cli_verb_doc cli_verb_docs[] = {
	{ "snpmeasure", "", &measure_syntaxes[VERB_MEASURE] },
	{ "snpmeasure", "explain", &measure_syntaxes[VERB_EXPLAIN] },
	{ "snpmeasure", "sweep", &measure_syntaxes[VERB_SWEEP] },
	{ "snpmeasure", "match", &measure_syntaxes[VERB_MATCH] },
	{ "snpmeasure", "diagnose", &measure_syntaxes[VERB_DIAGNOSE] },
	{ "snpmeasure", "ovmf", &syntax_ovmf },
	{ "snpmeasure", "igvm", &syntax_igvm },
	{ "snpmeasure", "report show", &syntax_report_show },
	{ "snpmeasure", "report verify", &syntax_report_verify },
	{ "snpmeasure", "report check", &measure_syntaxes[VERB_CHECK] },
	{ "snpmeasure", "report appraise", &syntax_report_appraise },
	{ "snpmeasure", "report kds", &syntax_report_kds },
	{ "snpmeasure", "report get", &syntax_report_get },
	{ "snpmeasure", "id-block", &syntax_id_block },
	{ "snpmeasure", "key-digest", &syntax_key_digest },
	{ "snpmeasure", "dstack host-data", &syntax_dstack_host_data },
	{ "snpmeasure", "dstack image", &syntax_dstack_image },
	{ "snpmeasure", "refvals", &measure_syntaxes[VERB_REFVALS] },
	{ "snpmeasure", "refvals show", &syntax_refvals_show },
	{ "snpimage", "verity format", &syntax_verity_format },
	{ "snpimage", "verity verify", &syntax_verity_verify },
	{ "snpimage", "verity dump", &syntax_verity_dump },
	{ "snpimage", "kernel-info", &syntax_kernel_info },
	{ "snpimage", "initramfs", &syntax_initramfs },
	{ "snpimage", "rootfs", &syntax_rootfs },
	{ "snpimage", "bundle", &syntax_bundle },
	{ "snpimage", "verify", &syntax_verify },
};

const size_t cli_n_verb_docs = sizeof(cli_verb_docs) / sizeof(cli_verb_docs[0]);
