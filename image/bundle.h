/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to image/: what building (bundle.c) and verifying (bundle_verify.c) a bundle share. */
#ifndef SNPM_IMAGE_BUNDLE_H
#define SNPM_IMAGE_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>

#include <snpm/image.h>
#include <snpm/measure.h>

#include "../core/io.h"

#define MANIFEST "manifest.json"
#define SUMS "sha256sum.txt"
#define ROWS "measurements.jsonl"
/* 2: the predicted measurements moved from the manifest to measurements.jsonl, one line each,
 * so that neither writing nor verifying a bundle holds the whole space in memory. */
#define MANIFEST_FORMAT "snpimage-bundle/2"

/* The files of a bundle, in manifest and sha256sum.txt order. */
#define N_ARTIFACTS 4
extern const char *const bundle_artifact_keys[N_ARTIFACTS];
/* The artifacts' file names per layout (enum snpm_bundle_layout). */
extern const char *const bundle_artifact_files[2][N_ARTIFACTS];
#define ART_KERNEL 0
#define ART_INITRAMFS 1
#define ART_ROOTFS 2
#define ART_OVMF 3

/* dstack's layout: its own metadata and checksum files. */
#define DSTACK_METADATA "metadata.json"
#define DSTACK_DIGEST "digest.txt"

struct digest {
	uint8_t sha256[SNPM_SHA256_SIZE];
	uint64_t size;
};

/* The I/O layer and the library calls describe a problem but not which of the bundle's files
 * has it: the name goes in front. */
#define about snpm_io_name

/* dir/name, or NULL. free() it. */
char *bundle_join(const char *dir, const char *name);
/* A bundle file's SHA-256 and size: a regular file, never followed through a link. */
int bundle_file_digest(const char *path, struct digest *d, struct snpm_error *reterr);
/* The cmdline template with {roothash} and {datasize} filled in. *ret: free() it. */
int bundle_fill_template(const char *tpl, const char *roothash, uint64_t datasize, char **ret,
			 struct snpm_error *reterr);
/* The SNP measurement config for a bundle's kernel, initramfs, firmware and cmdline; *fw holds
 * the firmware (free() it). */
int bundle_config(const char *dir, enum snpm_bundle_layout layout, const char *cmdline,
		  struct snpm_measure_config *cfg, uint8_t **fw, struct snpm_error *reterr);
/* dstack's layout: the metadata.json text and measurement.snp.cbor bytes for the bundle's files
 * and cmdline, as dstack-mr computes them for an image folder (free() both). */
int bundle_dstack_files(const char *dir, const char *cmdline, char **metadata, uint8_t **cbor,
			size_t *cbor_len, struct snpm_error *reterr);
/*
 * dstack's sha256sum.txt for the folder as assemble.sh writes it (bzImage, initramfs.cpio.gz,
 * metadata.json, measurement.snp.cbor, in that order; the files must be there) and the
 * os_image_hash, its SHA-256, which digest.txt holds in hex. sums holds at least
 * BUNDLE_DSTACK_SUMS_MAX bytes.
 */
#define BUNDLE_DSTACK_SUMS_MAX 1024
int bundle_dstack_sums(const char *dir, char *sums, uint8_t os_image_hash[SNPM_SHA256_SIZE],
		       struct snpm_error *reterr);
/* ---- sha256sum.txt (sums.c) ---- */

#define SUMS_MAX_LINES 256
struct sum_line {
	char name[256];
	uint8_t sha256[SNPM_SHA256_SIZE];
};
/* Its lines (blank lines skipped; a name twice, a path, a line of anything else refused); text
 * is cut into lines in place. lines holds SUMS_MAX_LINES. */
int sums_parse(char *text, struct sum_line *lines, size_t *n, struct snpm_error *reterr);
/* "<sha256>  <name>\n" for each file of dir named, in that order, into text (size bytes). */
int sums_write(const char *dir, const char *const *names, size_t n, char *text, size_t size,
	       struct snpm_error *reterr);

/* A text file read a line at a time through a fixed buffer (memory flat in its length). */
struct bundle_lines {
	struct snpm_io_in in; /* opened by the caller */
	char buf[65536];
	size_t start, end;
	bool eof, failed; /* failed: a read error, a line longer than buf, no final newline */
};
/* The next line without its newline (in lines->buf, valid until the next call), or NULL. */
char *bundle_next_line(struct bundle_lines *lines);

/* One row as measurements.jsonl holds it (no newline). free() it. */
char *bundle_row_line(const struct snpm_sweep_row *row, const char *const *names);

#endif /* SNPM_IMAGE_BUNDLE_H */
