/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replays a fuzz target's regression corpus without libFuzzer: every file under the folders
 * given runs through LLVMFuzzerTestOneInput once. Part of the normal test suite.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && (n == 0 || fread(buf, 1, (size_t)n, f) == (size_t)n))
		LLVMFuzzerTestOneInput(buf, (size_t)(n > 0 ? n : 0));
	free(buf);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned count = 0;

	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		if (!d) {
			fprintf(stderr, "cannot open %s\n", argv[i]);
			return 1;
		}
		while ((e = readdir(d))) {
			char *p;
			if (e->d_name[0] == '.' || asprintf(&p, "%s/%s", argv[i], e->d_name) < 0)
				continue;
			if (replay_file(p) == 0)
				count++;
			free(p);
		}
		closedir(d);
	}
	printf("replayed %u inputs\n", count);
	return count ? 0 : 1;
}
