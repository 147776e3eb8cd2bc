/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every case of vectors/launch-digest-kat.json, through the CLI: inputs rebuilt from their
 * recipes (and checked against their sha256), fixtures read from shared/, Debian's OVMF from
 * /usr/share/OVMF. Expected stdout comes from sev-snp-measure 0.0.13.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define MAX_CASES 128

static struct json_object *kat;
static char *tmpdir;

struct kat_case {
	size_t index;
	struct json_object *c;
};
static struct kat_case cases[MAX_CASES];

static bool sha256_is(const char *path, const char *want_hex)
{
	size_t len;
	uint8_t *data = tu_read_file(path, &len), d[32];
	char hex[65];

	if (!data)
		return false;
	assert_int_equal(snpm_digest(SNPM_HASH_SHA256, data, len, d, NULL), 0);
	free(data);
	tu_hex(d, 32, hex);
	return strcmp(hex, want_hex) == 0;
}

/*
 * Maps a KAT path to a file here: FX/ names the repository's fixtures, DEB/ Debian's ovmf
 * package. Either must be the very file the vectors were made with, or the case fails.
 */
static char *resolve(const char *arg)
{
	struct json_object *files = json_object_object_get(kat, "files");
	struct json_object *want = json_object_object_get(files, arg);
	char *p = NULL;

	if (strncmp(arg, "FX/", 3) == 0) {
		char *rel;
		assert_true(asprintf(&rel, "sev-snp-measure/%s", arg + 3) > 0);
		p = tu_fixture(rel);
		free(rel);
	} else if (strncmp(arg, "DEB/", 4) == 0) {
		assert_true(asprintf(&p, "/usr/share/OVMF/%s", arg + 4) > 0);
		if (access(p, R_OK) != 0)
			fail_msg("%s is absent (apt-get install ovmf; .ci/install-deps does)", arg);
	} else {
		assert_true(asprintf(&p, "%s/%s", tmpdir, arg) > 0);
		return p;
	}
	if (want && !sha256_is(p, json_object_get_string(want)))
		fail_msg("%s differs from the file the vectors were made with", arg);
	return p;
}

static bool is_path_option(const char *opt)
{
	static const char *const path_opts[] = { "--ovmf", "--kernel", "--initrd", "--svsm",
						 "--vars-file" };

	for (size_t i = 0; i < sizeof(path_opts) / sizeof(path_opts[0]); i++)
		if (strcmp(opt, path_opts[i]) == 0)
			return true;
	return false;
}

static void run_case(void **state)
{
	struct kat_case *kc = *state;
	struct json_object *args = json_object_object_get(kc->c, "args");
	const char *expect = json_object_get_string(json_object_object_get(kc->c, "expect"));
	const char *want = json_object_get_string(json_object_object_get(kc->c, "stdout"));
	size_t n = json_object_array_length(args);
	char **argv = calloc(n + 2, sizeof(char *));
	struct tu_run run;

	argv[0] = strdup(SNPM_CLI);
	for (size_t i = 0; i < n; i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(args, i));
		if (i > 0 && is_path_option(argv[i])) {
			argv[i + 1] = resolve(a);
		} else {
			argv[i + 1] = strdup(a);
		}
	}
	tu_run(argv, &run);
	if (strcmp(expect, "ok") == 0) {
		char *line;
		assert_true(asprintf(&line, "%s\n", want) > 0);
		if (run.status != 0 || strcmp(run.out, line) != 0)
			fprintf(stderr, "case %zu: status %d\nstdout: %s\nstderr: %s\n", kc->index,
				run.status, run.out, run.err);
		assert_int_equal(run.status, 0);
		assert_string_equal(run.out, line);
		free(line);
	} else {
		/* A refusal: non-zero exit, nothing on stdout, one line on stderr. */
		assert_int_not_equal(run.status, 0);
		assert_string_equal(run.out, "");
		assert_non_null(strchr(run.err, '\n'));
		assert_null(strchr(strchr(run.err, '\n') + 1, '\n'));
	}
	tu_run_free(&run);
	for (size_t i = 0; i <= n; i++)
		free(argv[i]);
	free(argv);
}

static void build_inputs(void)
{
	struct json_object *inputs = json_object_object_get(kat, "inputs");

	json_object_object_foreach(inputs, name, recipe) {
		size_t len;
		uint8_t *data = tu_build_input(recipe, &len), d[32];
		char hex[65], *path;

		assert_int_equal(snpm_digest(SNPM_HASH_SHA256, data, len, d, NULL), 0);
		tu_hex(d, 32, hex);
		/* A recipe builder that drifts would make every case meaningless. */
		assert_string_equal(
			hex, json_object_get_string(json_object_object_get(recipe, "sha256")));
		assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
		tu_write_file(path, data, len);
		free(path);
		free(data);
	}
}

static int group_setup(void **state)
{
	(void)state;
	build_inputs();
	return 0;
}

int main(void)
{
	char *path = tu_source_path("vectors/launch-digest-kat.json");
	struct CMUnitTest tests[MAX_CASES];
	char names[MAX_CASES][32];
	struct json_object *list;
	size_t n;
	int r;

	kat = json_object_from_file(path);
	free(path);
	if (!kat) {
		fprintf(stderr, "cannot read vectors/launch-digest-kat.json\n");
		return 1;
	}
	tmpdir = tu_mkdtemp();
	list = json_object_object_get(kat, "cases");
	n = json_object_array_length(list);
	if (n > MAX_CASES)
		return 1;
	for (size_t i = 0; i < n; i++) {
		cases[i] = (struct kat_case){ i, json_object_array_get_idx(list, i) };
		snprintf(names[i], sizeof(names[i]), "kat_case_%02zu", i);
		tests[i] = (struct CMUnitTest){ .name = names[i],
						.test_func = run_case,
						.initial_state = &cases[i] };
	}
	r = _cmocka_run_group_tests("launch_digest_kat", tests, n, group_setup, NULL);
	tu_rmtree(tmpdir);
	free(tmpdir);
	json_object_put(kat);
	return r;
}
