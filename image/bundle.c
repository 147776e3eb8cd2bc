/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bundles: kernel, initramfs, verity-protected rootfs and firmware, with a manifest that says
 * what each is and which SNP launch measurement every listed configuration will produce, so a
 * KMS can pin the values before the first boot. Verification recomputes all of it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include <snpm/image.h>
#include <snpm/measure.h>

#include "../ovmf/internal.h"
#include "io.h"

#define MANIFEST "manifest.json"
#define SUMS "sha256sum.txt"
#define ROWS "measurements.jsonl"
/* 2: the predicted measurements moved from the manifest to measurements.jsonl, one line each,
 * so that neither writing nor verifying a bundle holds the whole space in memory. */
#define MANIFEST_FORMAT "snpimage-bundle/2"

/* The files of a bundle, in manifest and sha256sum.txt order. */
static const char *const artifact_keys[] = { "kernel", "initramfs", "rootfs", "ovmf" };
static const char *const artifact_files[] = { "kernel", "initramfs", "rootfs.img", "OVMF.fd" };
#define N_ARTIFACTS 4

struct digest {
	uint8_t sha256[SNPM_SHA256_SIZE];
	uint64_t size;
};

/* The I/O layer and the library calls below describe a problem but not which of the bundle's
 * files has it: the name goes in front. */
#define about snpm_io_name

/* Bundle files are regular files, never followed out of the bundle through a link. */
static int file_digest(const char *path, struct digest *d, struct snpm_error *reterr)
{
	return about(path,
		     snpm_io_hash(path, SNPM_IO_REGULAR | SNPM_IO_NOFOLLOW, SNPM_HASH_SHA256,
				  UINT64_MAX, d->sha256, &d->size, reterr),
		     reterr);
}

/* An input copied whole into the bundle: a regular file that does not change meanwhile. */
static int copy_file(const char *from, const char *to, struct snpm_error *reterr)
{
	struct snpm_io_out out;
	int r = about(to, snpm_io_out_open(to, &out, reterr), reterr);

	if (r < 0)
		return r;
	r = about(from,
		  snpm_io_out_copy(&out, from, SNPM_IO_REGULAR, UINT64_MAX, NULL, NULL, reterr),
		  reterr);
	if (r < 0) {
		snpm_io_out_abort(&out);
		return r;
	}
	return about(to, snpm_io_out_commit(&out, 0644, reterr), reterr);
}

static char *join(const char *dir, const char *name)
{
	char *p;

	return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- cmdline template ---- */

static int fill_template(const char *tpl, const char *roothash, uint64_t datasize, char **ret,
			 struct snpm_error *reterr)
{
	size_t cap = strlen(tpl) + 256, n = 0;
	char *out = malloc(cap), size[24];

	if (!out)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	snprintf(size, sizeof(size), "%llu", (unsigned long long)datasize);
	for (const char *p = tpl; *p;) {
		const char *value = NULL;
		size_t skip = 1;
		if (strncmp(p, "{roothash}", 10) == 0)
			value = roothash, skip = 10;
		else if (strncmp(p, "{datasize}", 10) == 0)
			value = size, skip = 10;
		else if (*p == '{' || *p == '}') {
			free(out);
			return snpm_fail(reterr, SNPM_EINVAL,
					 "cmdline template: unknown placeholder at '%.16s' (use "
					 "{roothash} and {datasize})",
					 p);
		}
		size_t add = value ? strlen(value) : 1;
		if (n + add + 1 > cap) {
			char *q = realloc(out, cap = (n + add + 1) * 2);
			if (!q) {
				free(out);
				return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
			}
			out = q;
		}
		memcpy(out + n, value ? value : p, add);
		n += add;
		p += skip;
	}
	out[n] = '\0';
	*ret = out;
	return 0;
}

/* ---- building ---- */

struct build {
	const struct snpm_bundle_spec *spec;
	const char *dir; /* the temporary folder */
	struct snpm_rootfs_result rootfs;
	struct snpm_verity_params vp;
	char roothash[2 * SNPM_VERITY_MAX_DIGEST + 1];
	char *cmdline;
	struct digest art[N_ARTIFACTS];
};

static int place_kernel(struct build *b, const char *dst, struct snpm_error *reterr)
{
	struct snpm_kernel_info k;
	int r = about(b->spec->kernel, snpm_kernel_info(b->spec->kernel, &k, reterr), reterr);

	if (r == 0 && !k.bzimage)
		r = snpm_fail(reterr, SNPM_EUNSUPPORTED,
			      "%s: not a bzImage: QEMU builds no SEV hashes table for ELF kernels",
			      b->spec->kernel);
	return r < 0 ? r : copy_file(b->spec->kernel, dst, reterr);
}

static int place_initramfs(struct build *b, const char *dst, struct snpm_error *reterr)
{
	struct snpm_initramfs_options o = { .gzip = true,
					    .source_date_epoch = b->spec->source_date_epoch };

	if (is_dir(b->spec->initramfs))
		return about(b->spec->initramfs,
			     snpm_initramfs_create(b->spec->initramfs, false, dst, &o, NULL,
						   reterr),
			     reterr);
	return copy_file(b->spec->initramfs, dst, reterr);
}

/*
 * A rootfs image that already carries a verity tree (superblock on a 4 KiB boundary, as rootfs
 * and bundle write it) would get a second one appended, and the cmdline would name the wrong
 * root: refused, naming where the tree starts.
 */
static int refuse_existing_tree(const char *image, struct snpm_error *reterr)
{
	struct snpm_verity_params p;
	struct stat st;
	uint8_t magic[8];
	int fd = open(image, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		r = snpm_fail(reterr, SNPM_EIO, "%s: %s", image, strerror(errno));
	} else {
		for (uint64_t at = 4096; r == 0 && at + 8 <= (uint64_t)st.st_size; at += 4096)
			if (snpm_io_pread_all(fd, magic, 8, at) == 0 &&
			    memcmp(magic, "verity\0\0", 8) == 0 &&
			    snpm_verity_read_superblock(image, at, &p, NULL) == 0)
				r = snpm_fail(reterr, SNPM_EINVAL,
					      "%s: already ends in a verity tree (superblock at "
					      "offset %llu): give the image without it",
					      image, (unsigned long long)at);
	}
	if (fd >= 0)
		close(fd);
	return r;
}

static int place_rootfs(struct build *b, const char *dst, struct snpm_error *reterr)
{
	struct snpm_rootfs_options o = { .fs = b->spec->fs,
					 .source_date_epoch = b->spec->source_date_epoch,
					 .verity = true,
					 .verity_params = b->vp };
	struct stat st;
	int r;

	if (is_dir(b->spec->rootfs))
		return about(b->spec->rootfs,
			     snpm_rootfs_create(b->spec->rootfs, dst, &o, &b->rootfs, reterr),
			     reterr);
	/* An image: copied, padded to 4 KiB, the tree appended. */
	r = refuse_existing_tree(b->spec->rootfs, reterr);
	if (r == 0)
		r = copy_file(b->spec->rootfs, dst, reterr);
	if (r == 0 && stat(dst, &st) < 0)
		r = snpm_fail(reterr, SNPM_EIO, "%s: %s", dst, strerror(errno));
	if (r < 0)
		return r;
	b->rootfs.data_size = ((uint64_t)st.st_size + 4095) / 4096 * 4096;
	if (b->rootfs.data_size == 0)
		return snpm_fail(reterr, SNPM_EINVAL, "%s: empty rootfs image", b->spec->rootfs);
	if (truncate(dst, (off_t)b->rootfs.data_size) < 0)
		return snpm_fail(reterr, SNPM_EIO, "%s: %s", dst, strerror(errno));
	o.verity_params.hash_offset = b->rootfs.data_size;
	r = about(b->spec->rootfs,
		  snpm_verity_format(dst, dst, &o.verity_params, &b->rootfs.verity, reterr),
		  reterr);
	b->rootfs.size = b->rootfs.verity.hash_end;
	return r;
}

static int place_ovmf(struct build *b, const char *dst, struct snpm_error *reterr)
{
	(void)b;
	return copy_file(b->spec->ovmf, dst, reterr);
}

static int place_artifacts(struct build *b, struct snpm_error *reterr)
{
	int (*const place[N_ARTIFACTS])(struct build *, const char *,
					struct snpm_error *) = { place_kernel, place_initramfs,
								 place_rootfs, place_ovmf };
	int r = 0;

	for (int i = 0; r == 0 && i < N_ARTIFACTS; i++) {
		char *dst = join(b->dir, artifact_files[i]);
		r = dst ? place[i](b, dst, reterr) :
			  snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
		if (r == 0)
			r = file_digest(dst, &b->art[i], reterr);
		free(dst);
	}
	return r;
}

/* ---- measurements ---- */

/* The whole firmware image at path, for measuring. */
static int read_firmware(const char *path, struct snpm_measure_config *cfg, uint8_t **fw,
			 struct snpm_error *reterr)
{
	size_t len = 0;
	int r = about(path,
		      snpm_io_read_all(path, SNPM_IO_REGULAR, SNPM_OVMF_MAX_SIZE, fw, &len, reterr),
		      reterr);

	cfg->firmware = r == 0 ? *fw : NULL;
	cfg->firmware_len = r == 0 ? len : 0;
	return r;
}

/* The SNP measurement config for a bundle's kernel, initramfs, firmware and cmdline. */
static int bundle_config(const char *dir, const char *cmdline, struct snpm_measure_config *cfg,
			 uint8_t **fw, struct snpm_error *reterr)
{
	struct digest k = { 0 }, i = { 0 };
	char *kp = join(dir, "kernel"), *ip = join(dir, "initramfs"), *op = join(dir, "OVMF.fd");
	int r = kp && ip && op ? 0 : snpm_fail(reterr, SNPM_ENOMEM, "out of memory");

	memset(cfg, 0, sizeof(*cfg));
	if (r == 0)
		r = file_digest(kp, &k, reterr);
	if (r == 0)
		r = file_digest(ip, &i, reterr);
	if (r == 0)
		r = read_firmware(op, cfg, fw, reterr);
	cfg->mode = SNPM_MODE_SNP;
	cfg->has_kernel = true;
	memcpy(cfg->kernel_sha256, k.sha256, SNPM_SHA256_SIZE);
	memcpy(cfg->initrd_sha256, i.sha256, SNPM_SHA256_SIZE);
	if (r == 0)
		r = snpm_cmdline_sha256(cmdline, cfg->cmdline_sha256, reterr);
	free(kp), free(ip), free(op);
	return r;
}

/* ---- measurements: one JSON line per configuration, streamed (memory flat in the space) ---- */

/* One row as the line measurements.jsonl holds (no newline). free() it. */
static char *row_line(const struct snpm_sweep_row *row, const char *const *names)
{
	struct json_object *o = json_object_new_object();
	char hex[2 * SNPM_LD_SIZE + 1], buf[24], *line;
	const char *name = names ? names[row->vcpu_sig_index] : NULL;

	json_object_object_add(o, "vmm", json_object_new_string(snpm_vmm_name(row->vmm)));
	json_object_object_add(o, "vcpu_type", name ? json_object_new_string(name) : NULL);
	snprintf(buf, sizeof(buf), "0x%x", row->vcpu_sig);
	json_object_object_add(o, "vcpu_sig", json_object_new_string(buf));
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)row->guest_features);
	json_object_object_add(o, "guest_features", json_object_new_string(buf));
	json_object_object_add(o, "vcpus", json_object_new_int64(row->vcpus));
	snpm_hex_encode(row->digest, row->digest_len, hex);
	json_object_object_add(o, "measurement", json_object_new_string(hex));
	line = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return line;
}

/* Rows going to measurements.jsonl as the sweep emits them. */
struct row_writer {
	struct snpm_io_out out;
	const char *const *names;
	uint64_t count;
	struct snpm_error err;
};

static int write_row(void *arg, const struct snpm_sweep_row *row)
{
	struct row_writer *w = arg;
	char *line = row_line(row, w->names);
	int r = line ? snpm_io_out_write(&w->out, line, strlen(line), &w->err) :
		       snpm_fail(&w->err, SNPM_ENOMEM, "out of memory");

	if (r == 0)
		r = snpm_io_out_write(&w->out, "\n", 1, &w->err);
	free(line);
	w->count++;
	return r;
}

/* Measures every configuration of the space from the bundle's files into dir/ROWS. */
static int write_rows(const char *dir, const char *cmdline, const struct snpm_sweep_space *space,
		      const char *const *names, uint64_t *ret_count, struct snpm_error *reterr)
{
	struct row_writer w = { .names = names };
	struct snpm_measure_config cfg;
	char *path = join(dir, ROWS);
	uint8_t *fw = NULL;
	int r = path ? bundle_config(dir, cmdline, &cfg, &fw, reterr) :
		       snpm_fail(reterr, SNPM_ENOMEM, "out of memory");

	if (r == 0)
		r = about(ROWS, snpm_io_out_open(path, &w.out, reterr), reterr);
	if (r == 0) {
		r = snpm_sweep(&cfg, space, write_row, &w, reterr);
		/* A row the callback could not write: its own reason, not the sweep's code. */
		if (r != 0 && w.err.code && reterr)
			*reterr = w.err;
		if (r > 0)
			r = w.err.code ? w.err.code : SNPM_EIO;
		if (r == 0)
			r = about(ROWS, snpm_io_out_commit(&w.out, 0644, reterr), reterr);
		else
			snpm_io_out_abort(&w.out);
	}
	free(fw);
	free(path);
	*ret_count = w.count;
	return r;
}

static int ignore_row(void *arg, const struct snpm_sweep_row *row)
{
	(void)arg, (void)row;
	return 0;
}

/* The firmware and the space measured once with placeholder hashes before anything is built,
 * so a firmware without kernel-hashes support fails in a second, not after the rootfs. */
static int preflight(const struct snpm_bundle_spec *spec, struct snpm_error *reterr)
{
	struct snpm_measure_config cfg = { 0 };
	uint8_t *fw = NULL;
	int r = read_firmware(spec->ovmf, &cfg, &fw, reterr);

	cfg.mode = SNPM_MODE_SNP;
	cfg.has_kernel = true;
	if (r == 0)
		r = snpm_sweep(&cfg, spec->space, ignore_row, NULL, reterr);
	free(fw);
	return r < 0 && r != SNPM_EIO ? about(spec->ovmf, r, reterr) : r;
}

/* ---- manifest ---- */

static struct json_object *space_json(const struct snpm_sweep_space *sp, const char *const *names)
{
	struct json_object *o = json_object_new_object(), *a;
	char buf[24];

	a = json_object_new_array();
	for (size_t i = 0; i < sp->n_vcpus; i++)
		json_object_array_add(a, json_object_new_int64(sp->vcpus[i]));
	json_object_object_add(o, "vcpus", a);
	a = json_object_new_array();
	for (size_t i = 0; i < sp->n_vcpu_sigs; i++) {
		struct json_object *s = json_object_new_object();
		snprintf(buf, sizeof(buf), "0x%x", sp->vcpu_sigs[i]);
		json_object_object_add(s, "sig", json_object_new_string(buf));
		json_object_object_add(s, "type",
				       names && names[i] ? json_object_new_string(names[i]) : NULL);
		json_object_array_add(a, s);
	}
	json_object_object_add(o, "vcpu_sigs", a);
	a = json_object_new_array();
	for (size_t i = 0; i < sp->n_guest_features; i++) {
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)sp->guest_features[i]);
		json_object_array_add(a, json_object_new_string(buf));
	}
	json_object_object_add(o, "guest_features", a);
	a = json_object_new_array();
	for (size_t i = 0; i < sp->n_vmms; i++)
		json_object_array_add(a, json_object_new_string(snpm_vmm_name(sp->vmms[i])));
	json_object_object_add(o, "vmms", a);
	return o;
}

static struct json_object *verity_json(const struct build *b)
{
	struct json_object *o = json_object_new_object();
	char salt[2 * SNPM_VERITY_MAX_SALT + 1], uuid[37];

	snpm_hex_encode(b->vp.salt, b->vp.salt_len, salt);
	snpm_uuid_format(b->vp.uuid, uuid);
	json_object_object_add(o, "hash", json_object_new_string(snpm_hash_name(b->vp.hash)));
	json_object_object_add(o, "data_block_size", json_object_new_int64(b->vp.data_block_size));
	json_object_object_add(o, "hash_block_size", json_object_new_int64(b->vp.hash_block_size));
	json_object_object_add(o, "format", json_object_new_int64(b->vp.format));
	json_object_object_add(o, "salt", json_object_new_string(salt));
	json_object_object_add(o, "uuid", json_object_new_string(uuid));
	json_object_object_add(o, "data_size", json_object_new_int64((int64_t)b->rootfs.data_size));
	json_object_object_add(o, "hash_offset",
			       json_object_new_int64((int64_t)b->rootfs.data_size));
	json_object_object_add(o, "root_hash", json_object_new_string(b->roothash));
	return o;
}

static struct json_object *artifacts_json(const struct build *b)
{
	struct json_object *o = json_object_new_object();
	char hex[65];

	for (int i = 0; i < N_ARTIFACTS; i++) {
		struct json_object *a = json_object_new_object();
		snpm_hex_encode(b->art[i].sha256, SNPM_SHA256_SIZE, hex);
		json_object_object_add(a, "file", json_object_new_string(artifact_files[i]));
		json_object_object_add(a, "sha256", json_object_new_string(hex));
		json_object_object_add(a, "size", json_object_new_int64((int64_t)b->art[i].size));
		json_object_object_add(o, artifact_keys[i], a);
	}
	return o;
}

static int write_text_file(const char *dir, const char *name, const char *text,
			   struct snpm_error *reterr)
{
	char *path = join(dir, name);
	int r = path ? snpm_io_write_file(path, text, strlen(text), 0644, reterr) :
		       snpm_fail(reterr, SNPM_ENOMEM, "out of memory");

	free(path);
	return about(name, r, reterr);
}

static int write_manifest(struct build *b, uint64_t rows, struct snpm_error *reterr)
{
	const struct snpm_bundle_spec *s = b->spec;
	struct json_object *m = json_object_new_object();
	int r;

	json_object_object_add(m, "format", json_object_new_string(MANIFEST_FORMAT));
	json_object_object_add(m, "tool", json_object_new_string(s->tool ? s->tool : "unknown"));
	json_object_object_add(m, "library", json_object_new_string(snpm_version()));
	json_object_object_add(m, "zlib", json_object_new_string(snpm_zlib_version()));
	/* The filesystem tool's version decides the rootfs bytes as zlib's decides gzip's. */
	if (is_dir(s->rootfs)) {
		char version[128];
		if (snpm_rootfs_tool_version(s->fs, version, sizeof(version), NULL) == 0)
			json_object_object_add(m, "rootfs_tool", json_object_new_string(version));
	}
	json_object_object_add(m, "source_date_epoch", json_object_new_int64(s->source_date_epoch));
	json_object_object_add(m, "artifacts", artifacts_json(b));
	json_object_object_add(m, "verity", verity_json(b));
	json_object_object_add(m, "cmdline_template", json_object_new_string(s->cmdline_template));
	json_object_object_add(m, "cmdline", json_object_new_string(b->cmdline));
	json_object_object_add(m, "space", space_json(s->space, s->vcpu_type_names));
	struct json_object *ms = json_object_new_object();
	json_object_object_add(ms, "file", json_object_new_string(ROWS));
	json_object_object_add(ms, "count", json_object_new_int64((int64_t)rows));
	json_object_object_add(m, "measurements", ms);
	r = write_text_file(b->dir, MANIFEST,
			    json_object_to_json_string_ext(
				    m, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE),
			    reterr);
	json_object_put(m);
	return r;
}

/* GNU sha256sum format, names sorted: the artifacts and the manifest. */
static int write_sums(const char *dir, struct snpm_error *reterr)
{
	static const char *const names[] = { "OVMF.fd", "initramfs", "kernel",
					     MANIFEST,	ROWS,	     "rootfs.img" };
	char text[1024], hex[65];
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(names) / sizeof(names[0]); i++) {
		struct digest d;
		char *p = join(dir, names[i]);
		r = p ? file_digest(p, &d, reterr) : SNPM_ENOMEM;
		free(p);
		snpm_hex_encode(d.sha256, SNPM_SHA256_SIZE, hex);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s  %s\n", hex, names[i]);
	}
	return r < 0 ? r : write_text_file(dir, SUMS, text, reterr);
}

static int check_spec(const struct snpm_bundle_spec *s, const char *out_dir,
		      struct snpm_error *reterr)
{
	if (!s || !out_dir || !s->kernel || !s->initramfs || !s->rootfs || !s->ovmf ||
	    !s->cmdline_template || !s->space)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "a bundle needs kernel, initramfs, rootfs, ovmf, cmdline, space");
	return 0;
}

int snpm_bundle_create(const struct snpm_bundle_spec *spec, const char *out_dir,
		       struct snpm_error *reterr)
{
	uint64_t rows = 0;
	struct build b = { .spec = spec };
	struct snpm_io_dir dir;
	int r = check_spec(spec, out_dir, reterr);

	if (r == 0)
		r = preflight(spec, reterr);
	/* Registered by the I/O layer: a signal at any moment removes the whole folder. */
	if (r == 0)
		r = about(out_dir, snpm_io_dir_open(out_dir, &dir, reterr), reterr);
	if (r < 0)
		return r;
	b.dir = dir.tmp;
	snpm_verity_defaults(&b.vp);
	r = snpm_verity_derive(spec->seed ? spec->seed : "snpimage-rootfs", b.vp.salt, b.vp.uuid,
			       reterr);
	b.vp.salt_len = 32;
	if (r == 0)
		r = place_artifacts(&b, reterr);
	snpm_hex_encode(b.rootfs.verity.root_hash, b.rootfs.verity.root_hash_len, b.roothash);
	if (r == 0)
		r = fill_template(spec->cmdline_template, b.roothash, b.rootfs.data_size,
				  &b.cmdline, reterr);
	if (r == 0)
		r = about(spec->ovmf,
			  write_rows(b.dir, b.cmdline, spec->space, spec->vcpu_type_names, &rows,
				     reterr),
			  reterr);
	if (r == 0)
		r = write_manifest(&b, rows, reterr);
	if (r == 0)
		r = write_sums(b.dir, reterr);
	if (r == 0)
		r = about(out_dir, snpm_io_dir_commit(&dir, reterr), reterr);
	else
		snpm_io_dir_abort(&dir);
	free(b.cmdline);
	return r;
}

/* ---- verification ---- */

struct checker {
	snpm_bundle_problem_fn fn;
	void *arg;
	unsigned problems;
};

__attribute__((format(printf, 3, 4))) static void problem(struct checker *c, const char *what,
							  const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	c->problems++;
	if (c->fn)
		c->fn(c->arg, what, detail);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
		       json_object_get_string(v) :
		       NULL;
}

static int64_t jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int) ?
		       json_object_get_int64(v) :
		       -1;
}

static void check_artifacts(const char *dir, struct json_object *m, struct checker *c)
{
	struct json_object *arts = json_object_object_get(m, "artifacts");
	char hex[65];

	for (int i = 0; i < N_ARTIFACTS; i++) {
		struct json_object *a = json_object_object_get(arts, artifact_keys[i]);
		const char *want = jstr(a, "sha256");
		char *path = join(dir, artifact_files[i]);
		struct digest d;
		struct snpm_error err;
		if (!want || !path) {
			problem(c, artifact_keys[i], "missing from the manifest");
		} else if (file_digest(path, &d, &err) < 0) {
			problem(c, artifact_files[i], "%s", err.message);
		} else {
			snpm_hex_encode(d.sha256, SNPM_SHA256_SIZE, hex);
			if (strcmp(hex, want) != 0)
				problem(c, artifact_files[i], "sha256 %s, the manifest says %s",
					hex, want);
			if ((int64_t)d.size != jint(a, "size"))
				problem(c, artifact_files[i], "%llu bytes, the manifest says %lld",
					(unsigned long long)d.size, (long long)jint(a, "size"));
		}
		free(path);
	}
}

/* A bundle file's text: regular, inside the folder (never through a link), no NUL bytes. */
static char *bundle_text(const char *dir, const char *name, struct snpm_error *err)
{
	char *path = join(dir, name), *text = NULL;

	if (path &&
	    snpm_io_read_text(path, SNPM_IO_REGULAR | SNPM_IO_NOFOLLOW, 64u << 20, &text, err) < 0)
		text = NULL;
	free(path);
	return text;
}

static void check_sums(const char *dir, struct checker *c)
{
	struct snpm_error err = { 0 };
	char *text = bundle_text(dir, SUMS, &err), *line, *next, hex[65];
	unsigned lines = 0;

	if (!text) {
		problem(c, SUMS, "cannot be read: %s", err.message);
		return;
	}
	for (line = text; *line; line = next) {
		char *name = strstr(line, "  ");
		struct digest d;
		next = strchr(line, '\n');
		next = next ? (*next = '\0', next + 1) : line + strlen(line);
		lines++;
		if (!name || name - line != 64 || strchr(name + 2, '/')) {
			problem(c, SUMS, "line %u is not '<sha256>  <name>'", lines);
			continue;
		}
		*name = '\0';
		name += 2;
		char *p = join(dir, name);
		if (!p || file_digest(p, &d, &err) < 0) {
			problem(c, name, "listed in %s but unreadable", SUMS);
		} else {
			snpm_hex_encode(d.sha256, SNPM_SHA256_SIZE, hex);
			if (strcmp(hex, line) != 0)
				problem(c, name, "sha256 %s, %s says %s", hex, SUMS, line);
		}
		free(p);
	}
	if (lines != N_ARTIFACTS + 2)
		problem(c, SUMS, "lists %u files, not %d", lines, N_ARTIFACTS + 2);
	free(text);
}

/* A bundle holds its six files and nothing else: anything more is reported, never ignored. */
static void check_extras(const char *dir, struct checker *c)
{
	static const char *const known[] = { "kernel", "initramfs", "rootfs.img", "OVMF.fd",
					     MANIFEST, ROWS,	    SUMS };
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		problem(c, dir, "cannot be listed: %s", strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		bool ours = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
		for (size_t i = 0; !ours && i < sizeof(known) / sizeof(known[0]); i++)
			ours = strcmp(e->d_name, known[i]) == 0;
		if (!ours)
			problem(c, e->d_name, "is not part of a bundle");
	}
	closedir(d);
}

static void check_verity(const char *dir, struct json_object *m, struct checker *c)
{
	struct json_object *v = json_object_object_get(m, "verity");
	struct snpm_verity_params p;
	uint8_t root[SNPM_VERITY_MAX_DIGEST];
	const char *salt = jstr(v, "salt"), *rh = jstr(v, "root_hash");
	char *img = join(dir, "rootfs.img");
	struct snpm_verity_mismatch miss;
	struct snpm_error err;
	size_t rlen = rh ? strlen(rh) / 2 : 0;

	snpm_verity_defaults(&p);
	p.hash_offset = (uint64_t)jint(v, "hash_offset");
	p.salt_len = salt ? strlen(salt) / 2 : 0;
	if (!img || !rh || !salt || jint(v, "hash_offset") < 0 || rlen > sizeof(root) ||
	    p.salt_len > sizeof(p.salt) || !snpm_hex_decode(rh, root, rlen) ||
	    !snpm_hex_decode(salt, p.salt, p.salt_len))
		problem(c, "verity", "the manifest's verity parameters are unreadable");
	else if (snpm_verity_verify(img, img, &p, root, rlen, &miss, &err) < 0)
		problem(c, "rootfs.img", "%s", err.message);
	free(img);
}

static void check_cmdline(struct json_object *m, struct checker *c)
{
	struct json_object *v = json_object_object_get(m, "verity");
	const char *tpl = jstr(m, "cmdline_template"), *cmd = jstr(m, "cmdline");
	const char *rh = jstr(v, "root_hash");
	struct snpm_error err;
	char *want = NULL;

	if (!tpl || !cmd || !rh || jint(v, "data_size") < 0)
		problem(c, "cmdline", "missing from the manifest");
	else if (fill_template(tpl, rh, (uint64_t)jint(v, "data_size"), &want, &err) < 0)
		problem(c, "cmdline", "%s", err.message);
	else if (strcmp(want, cmd) != 0)
		problem(c, "cmdline", "the template gives '%s', the manifest says '%s'", want, cmd);
	free(want);
}

/* The space recorded in the manifest. */
struct space_buf {
	uint32_t vcpus[SNPM_MAX_VCPUS], sigs[64];
	uint64_t features[64];
	enum snpm_vmm vmms[3];
	const char *names[64];
	struct snpm_sweep_space sp;
};

static bool read_space(struct json_object *m, struct space_buf *b)
{
	struct json_object *s = json_object_object_get(m, "space"), *a;
	size_t n;

	memset(b, 0, sizeof(*b));
	a = json_object_object_get(s, "vcpus");
	n = a ? json_object_array_length(a) : 0;
	if (!n || n > SNPM_MAX_VCPUS)
		return false;
	for (size_t i = 0; i < n; i++)
		b->vcpus[i] = (uint32_t)json_object_get_int64(json_object_array_get_idx(a, i));
	b->sp.vcpus = b->vcpus, b->sp.n_vcpus = n;
	a = json_object_object_get(s, "vcpu_sigs");
	n = a ? json_object_array_length(a) : 0;
	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		uint64_t v;
		if (!jstr(e, "sig") || !snpm_parse_number(jstr(e, "sig"), UINT32_MAX, &v))
			return false;
		b->sigs[i] = (uint32_t)v;
		b->names[i] = jstr(e, "type");
	}
	b->sp.vcpu_sigs = b->sigs, b->sp.n_vcpu_sigs = n;
	a = json_object_object_get(s, "guest_features");
	n = a ? json_object_array_length(a) : 0;
	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!snpm_parse_number(json_object_get_string(json_object_array_get_idx(a, i)),
				       UINT64_MAX, &b->features[i]))
			return false;
	b->sp.guest_features = b->features, b->sp.n_guest_features = n;
	a = json_object_object_get(s, "vmms");
	n = a ? json_object_array_length(a) : 0;
	if (!n || n > 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (snpm_vmm_parse(json_object_get_string(json_object_array_get_idx(a, i)),
				   &b->vmms[i]) < 0)
			return false;
	b->sp.vmms = b->vmms, b->sp.n_vmms = n;
	return true;
}

/* Reads measurements.jsonl a line at a time, as the sweep recomputes the rows. */
struct row_checker {
	struct snpm_io_in in;
	char buf[65536];
	size_t start, end;
	bool eof, failed;
	const char *const *names;
	struct checker *c;
	uint64_t row, mismatches;
};

/* The next line (without its newline), or NULL at the end or on a line longer than the buffer. */
static char *next_line(struct row_checker *rc)
{
	struct snpm_error err;

	for (;;) {
		char *nl = memchr(rc->buf + rc->start, '\n', rc->end - rc->start);
		if (nl) {
			char *line = rc->buf + rc->start;
			*nl = '\0';
			rc->start = (size_t)(nl - rc->buf) + 1;
			return line;
		}
		if (rc->eof || (rc->start == 0 && rc->end == sizeof(rc->buf))) {
			rc->failed |= rc->end > rc->start; /* a last line without newline */
			return NULL;
		}
		memmove(rc->buf, rc->buf + rc->start, rc->end - rc->start);
		rc->end -= rc->start;
		rc->start = 0;
		size_t n = 0;
		if (snpm_io_read(&rc->in, rc->buf + rc->end, sizeof(rc->buf) - rc->end, &n, &err) <
		    0)
			rc->failed = true;
		rc->end += n;
		rc->eof = n == 0;
	}
}

static int compare_row(void *arg, const struct snpm_sweep_row *row)
{
	struct row_checker *rc = arg;
	char *want = row_line(row, rc->names), *got = want ? next_line(rc) : NULL;

	rc->row++;
	if (!want || !got || strcmp(want, got) != 0) {
		/* Name the first few differences; the count says the rest. */
		if (++rc->mismatches <= 10)
			problem(rc->c, ROWS, "line %llu is %s, the bundle computes %s",
				(unsigned long long)rc->row, got ? got : "missing",
				want ? want : "(out of memory)");
	}
	free(want);
	return 0;
}

static void check_measurements(const char *dir, struct json_object *m, struct checker *c)
{
	struct space_buf *sb = malloc(sizeof(*sb));
	struct row_checker *rc = calloc(1, sizeof(*rc));
	struct json_object *ms = json_object_object_get(m, "measurements");
	const char *cmd = jstr(m, "cmdline");
	char *path = join(dir, ROWS);
	struct snpm_measure_config cfg;
	struct snpm_error err;
	uint8_t *fw = NULL;

	if (!sb || !rc || !path) {
		problem(c, "measurements", "out of memory");
	} else if (!cmd || !ms || !read_space(m, sb) || jint(ms, "count") < 0) {
		problem(c, "measurements", "the manifest's space or measurements are unreadable");
	} else if (snpm_io_open(path, SNPM_IO_REGULAR | SNPM_IO_NOFOLLOW, &rc->in, &err) < 0) {
		problem(c, ROWS, "%s", err.message);
	} else {
		rc->names = sb->names;
		rc->c = c;
		if (bundle_config(dir, cmd, &cfg, &fw, &err) < 0 ||
		    snpm_sweep(&cfg, &sb->sp, compare_row, rc, &err) < 0)
			problem(c, "measurements", "%s", err.message);
		if (next_line(rc) || rc->failed)
			problem(c, ROWS, "holds more than the %llu configurations of the space",
				(unsigned long long)rc->row);
		if (rc->row != (uint64_t)jint(ms, "count"))
			problem(c, "measurements", "%llu configurations, the manifest says %lld",
				(unsigned long long)rc->row, (long long)jint(ms, "count"));
		if (rc->mismatches > 10)
			problem(c, ROWS, "%llu lines differ in all",
				(unsigned long long)rc->mismatches);
		snpm_io_close(&rc->in, NULL);
	}
	free(fw);
	free(path);
	free(rc);
	free(sb);
}

int snpm_bundle_verify(const char *dir, snpm_bundle_problem_fn fn, void *arg,
		       struct snpm_error *reterr)
{
	struct checker c = { fn, arg, 0 };
	struct snpm_error err = { 0 };
	char *text = dir ? bundle_text(dir, MANIFEST, &err) : NULL;
	struct json_object *m = text ? json_tokener_parse(text) : NULL;
	const char *format = m ? jstr(m, "format") : NULL;

	free(text);
	if (!m || !format || strcmp(format, MANIFEST_FORMAT) != 0) {
		json_object_put(m);
		return snpm_fail(reterr, SNPM_EMALFORMED, "no readable %s manifest (format %s)",
				 MANIFEST, MANIFEST_FORMAT);
	}
	check_artifacts(dir, m, &c);
	check_sums(dir, &c);
	check_verity(dir, m, &c);
	check_cmdline(m, &c);
	check_measurements(dir, m, &c);
	check_extras(dir, &c);
	json_object_put(m);
	if (c.problems)
		return snpm_fail(reterr, SNPM_EVERIFY, "%u difference%s found", c.problems,
				 c.problems == 1 ? "" : "s");
	return 0;
}
