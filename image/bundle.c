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

#include <snpm/dstack.h>
#include <snpm/image.h>
#include <snpm/ovmf.h>
#include <snpm/measure.h>

#include "../core/core.h"
#include "bundle.h"

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

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- cmdline template ---- */

int bundle_fill_template(const char *tpl, const char *roothash, uint64_t datasize, char **ret,
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
	uint8_t os_image_hash[SNPM_SHA256_SIZE]; /* dstack's layout: what digest.txt names */
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
	struct snpm_initramfs_options o = { .size = sizeof(o),
					    .gzip = true,
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
	struct snpm_verity_params p = { .size = sizeof(p) };
	struct stat st;
	uint8_t magic[8];
	int fd = snpm_io_open_fd(image, SNPM_IO_REGULAR, reterr), r = 0;

	if (fd < 0) {
		r = snpm_io_name(image, fd, reterr);
	} else if (fstat(fd, &st) < 0) {
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
	struct snpm_rootfs_options o = { .size = sizeof(o),
					 .fs = b->spec->fs,
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
		char *dst = bundle_join(b->dir, bundle_artifact_files[b->spec->layout][i]);
		r = dst ? place[i](b, dst, reterr) :
			  snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
		if (r == 0)
			r = bundle_file_digest(dst, &b->art[i], reterr);
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
int bundle_config(const char *dir, enum snpm_bundle_layout layout, const char *cmdline,
		  struct snpm_measure_config *cfg, uint8_t **fw, struct snpm_error *reterr)
{
	const char *const *names = bundle_artifact_files[layout];
	struct digest k = { 0 }, i = { 0 };
	char *kp = bundle_join(dir, names[ART_KERNEL]),
	     *ip = bundle_join(dir, names[ART_INITRAMFS]), *op = bundle_join(dir, names[ART_OVMF]);
	int r = kp && ip && op ? 0 : snpm_fail(reterr, SNPM_ENOMEM, "out of memory");

	SNPM_INIT(cfg);
	if (r == 0)
		r = bundle_file_digest(kp, &k, reterr);
	if (r == 0)
		r = bundle_file_digest(ip, &i, reterr);
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
char *bundle_row_line(const struct snpm_sweep_row *row, const char *const *names)
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
	uint64_t count, total;
	struct snpm_error err;
};

static int write_row(void *arg, const struct snpm_sweep_row *row)
{
	struct row_writer *w = arg;
	char *line = bundle_row_line(row, w->names);
	int r = line ? snpm_io_out_write(&w->out, line, strlen(line), &w->err) :
		       snpm_fail(&w->err, SNPM_ENOMEM, "out of memory");

	if (r == 0)
		r = snpm_io_out_write(&w->out, "\n", 1, &w->err);
	free(line);
	if (++w->count % 4096 == 0 || w->count == w->total)
		snpm_progress("predicting measurements", w->count, w->total);
	return r;
}

/* Measures every configuration of the space from the bundle's files into dir/ROWS. */
static int write_rows(const char *dir, const struct snpm_bundle_spec *spec, const char *cmdline,
		      uint64_t *ret_count, struct snpm_error *reterr)
{
	const struct snpm_sweep_space *space = spec->space;
	struct row_writer w = { .names = spec->vcpu_type_names,
				.total = (uint64_t)space->n_vcpus * space->n_vcpu_sigs *
					 space->n_guest_features * space->n_vmms };
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	char *path = bundle_join(dir, ROWS);
	uint8_t *fw = NULL;
	int r = path ? bundle_config(dir, spec->layout, cmdline, &cfg, &fw, reterr) :
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
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	uint8_t *fw = NULL;
	int r = read_firmware(spec->ovmf, &cfg, &fw, reterr);

	cfg.mode = SNPM_MODE_SNP;
	cfg.has_kernel = true;
	/* Stand-ins: only the firmware and the space are checked here, before any hashing. */
	memcpy(cfg.kernel_sha256, snpm_sha256_of_nothing, SNPM_SHA256_SIZE);
	memcpy(cfg.initrd_sha256, snpm_sha256_of_nothing, SNPM_SHA256_SIZE);
	memcpy(cfg.cmdline_sha256, snpm_sha256_of_nothing, SNPM_SHA256_SIZE);
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
		json_object_object_add(
			a, "file",
			json_object_new_string(bundle_artifact_files[b->spec->layout][i]));
		json_object_object_add(a, "sha256", json_object_new_string(hex));
		json_object_object_add(a, "size", json_object_new_int64((int64_t)b->art[i].size));
		json_object_object_add(o, bundle_artifact_keys[i], a);
	}
	return o;
}

static int write_text_file(const char *dir, const char *name, const char *text,
			   struct snpm_error *reterr)
{
	char *path = bundle_join(dir, name);
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
	if (s->layout == SNPM_BUNDLE_DSTACK) {
		char hex[2 * SNPM_SHA256_SIZE + 1];
		snpm_hex_encode(b->os_image_hash, SNPM_SHA256_SIZE, hex);
		json_object_object_add(m, "layout", json_object_new_string("dstack"));
		/* dstack's name for the image: sha256sum.txt and digest.txt must give it back. */
		json_object_object_add(m, "os_image_hash", json_object_new_string(hex));
	}
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
	/* Whether the predicted measurement covers the rootfs (its root hash in the cmdline). */
	json_object_object_add(m, "rootfs_measured",
			       json_object_new_boolean(!s->rootfs_unmeasured));
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

/* The artifacts and the manifest, names sorted. */
static int write_sums(const char *dir, struct snpm_error *reterr)
{
	static const char *const names[] = { "OVMF.fd", "initramfs", "kernel",
					     MANIFEST,	ROWS,	     "rootfs.img" };
	char text[1024];
	int r = sums_write(dir, names, sizeof(names) / sizeof(names[0]), text, sizeof(text),
			   reterr);

	return r < 0 ? r : write_text_file(dir, SUMS, text, reterr);
}

static int check_spec(const struct snpm_bundle_spec *s, const char *out_dir,
		      struct snpm_error *reterr)
{
	if (!s || !out_dir || !s->kernel || !s->initramfs || !s->rootfs || !s->ovmf ||
	    !s->cmdline_template || !s->space)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "a bundle needs kernel, initramfs, rootfs, ovmf, cmdline, space");
	if (s->layout != SNPM_BUNDLE_SNPIMAGE && s->layout != SNPM_BUNDLE_DSTACK)
		return snpm_fail(reterr, SNPM_EINVAL, "unknown bundle layout %d", (int)s->layout);
	/* dstack names its rootfs by the hash on the command line, and trims the line. */
	if (s->layout == SNPM_BUNDLE_DSTACK &&
	    !strstr(s->cmdline_template, "dstack.rootfs_hash={roothash}"))
		return snpm_fail(
			reterr, SNPM_EINVAL,
			"the dstack layout needs dstack.rootfs_hash={roothash} in the cmdline");
	/* The root hash on the command line is what puts the rootfs under the measurement. */
	if (!strstr(s->cmdline_template, "{roothash}") && !s->rootfs_unmeasured)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "the cmdline does not carry {roothash}: the predicted measurement "
				 "would not cover the rootfs (--rootfs-unmeasured says that is "
				 "meant)");
	if (strstr(s->cmdline_template, "{roothash}") && s->rootfs_unmeasured)
		return snpm_fail(reterr, SNPM_EINVAL,
				 "the cmdline carries {roothash}: the rootfs is measured, not "
				 "unmeasured");
	return 0;
}

/* ---- dstack's layout ---- */

static int dstack_metadata(const char *cmdline, char **ret, struct snpm_error *reterr)
{
	const char *const *names = bundle_artifact_files[SNPM_BUNDLE_DSTACK];
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "bios-sev", json_object_new_string(names[ART_OVMF]));
	json_object_object_add(m, "kernel", json_object_new_string(names[ART_KERNEL]));
	json_object_object_add(m, "cmdline", json_object_new_string(cmdline));
	json_object_object_add(m, "initrd", json_object_new_string(names[ART_INITRAMFS]));
	json_object_object_add(m, "rootfs", json_object_new_string(names[ART_ROOTFS]));
	if (asprintf(ret, "%s\n",
		     json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		*ret = NULL;
	json_object_put(m);
	return *ret ? 0 : snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
}

static bool trimmed(const char *s)
{
	size_t n = strlen(s);

	return n && !strchr(" \t\n\r\v\f", s[0]) && !strchr(" \t\n\r\v\f", s[n - 1]);
}

int bundle_dstack_files(const char *dir, const char *cmdline, char **metadata, uint8_t **cbor,
			size_t *cbor_len, struct snpm_error *reterr)
{
	struct snpm_dstack_image_measurement im = { .cmdline = cmdline };
	struct snpm_measure_config cfg = { .size = sizeof(cfg) };
	struct snpm_ovmf_info info;
	uint8_t *fw = NULL;
	int r = trimmed(cmdline) ? 0 :
				   snpm_fail(reterr, SNPM_EINVAL,
					     "dstack trims the command line: it must not start or "
					     "end with whitespace");

	*metadata = NULL;
	*cbor = NULL;
	if (r == 0)
		r = bundle_config(dir, SNPM_BUNDLE_DSTACK, cmdline, &cfg, &fw, reterr);
	if (r == 0)
		r = about(bundle_artifact_files[SNPM_BUNDLE_DSTACK][ART_OVMF],
			  snpm_ovmf_parse(cfg.firmware, cfg.firmware_len, &info, reterr), reterr);
	if (r == 0)
		r = snpm_measure_firmware(cfg.firmware, cfg.firmware_len, im.ovmf_hash, reterr);
	if (r == 0) {
		memcpy(im.kernel_hash, cfg.kernel_sha256, 32);
		memcpy(im.initrd_hash, cfg.initrd_sha256, 32);
		im.hashes_table_gpa = info.hashes_table_gpa;
		im.reset_eip = info.reset_eip;
		im.sections = info.sections;
		im.n_sections = info.n_sections;
		r = snpm_dstack_cbor_write(&im, cbor, cbor_len, reterr);
	}
	if (r == 0)
		r = dstack_metadata(cmdline, metadata, reterr);
	free(fw);
	return r;
}

int bundle_dstack_sums(const char *dir, char *sums, uint8_t os_image_hash[SNPM_SHA256_SIZE],
		       struct snpm_error *reterr)
{
	static const char *const listed[] = { "bzImage", "initramfs.cpio.gz", DSTACK_METADATA,
					      SNPM_DSTACK_SNP_CBOR };
	int r = sums_write(dir, listed, sizeof(listed) / sizeof(listed[0]), sums,
			   BUNDLE_DSTACK_SUMS_MAX, reterr);

	if (r == 0 && EVP_Digest(sums, strlen(sums), os_image_hash, NULL, EVP_sha256(), NULL) != 1)
		r = snpm_fail(reterr, SNPM_ECRYPTO, "SHA-256 failed");
	return r;
}

/* metadata.json, measurement.snp.cbor, then sha256sum.txt over them and the kernel and
 * initramfs (in assemble.sh's order) and digest.txt; then read back as dstack would. */
static int write_dstack(struct build *b, struct snpm_error *reterr)
{
	char *metadata = NULL, sums[BUNDLE_DSTACK_SUMS_MAX], hex[2 * SNPM_SHA256_SIZE + 2];
	uint8_t *cbor = NULL, check[SNPM_SHA256_SIZE];
	size_t cbor_len = 0;
	char *path = NULL;
	int r = bundle_dstack_files(b->dir, b->cmdline, &metadata, &cbor, &cbor_len, reterr);

	if (r == 0)
		r = write_text_file(b->dir, DSTACK_METADATA, metadata, reterr);
	if (r == 0 && !(path = bundle_join(b->dir, SNPM_DSTACK_SNP_CBOR)))
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	if (r == 0)
		r = about(SNPM_DSTACK_SNP_CBOR,
			  snpm_io_write_file(path, cbor, cbor_len, 0644, reterr), reterr);
	if (r == 0)
		r = bundle_dstack_sums(b->dir, sums, b->os_image_hash, reterr);
	if (r == 0)
		r = write_text_file(b->dir, SUMS, sums, reterr);
	snpm_hex_encode(b->os_image_hash, SNPM_SHA256_SIZE, hex);
	strcat(hex, "\n");
	if (r == 0)
		r = write_text_file(b->dir, DSTACK_DIGEST, hex, reterr);
	/* What dstack's verifier reads: the folder must pass our reading of it. */
	if (r == 0)
		r = snpm_dstack_image_read(b->dir, check, NULL, reterr);
	if (r == 0 && memcmp(check, b->os_image_hash, SNPM_SHA256_SIZE) != 0)
		r = snpm_fail(reterr, SNPM_EMALFORMED, "the folder reads back as another image");
	free(path);
	free(metadata);
	free(cbor);
	return r;
}

int snpm_bundle_create(const struct snpm_bundle_spec *spec_given, const char *out_dir,
		       struct snpm_error *reterr)
{
	struct snpm_bundle_spec spec_copy = { .size = sizeof(spec_copy) };
	const struct snpm_bundle_spec *spec = &spec_copy;
	int sized = snpm_sized_in(spec_given, sizeof(spec_copy), &spec_copy, "snpm_bundle_spec",
				  reterr);
	uint64_t rows = 0;
	struct build b = { .spec = spec };
	struct snpm_io_dir dir;
	int r = sized < 0 ? sized : check_spec(spec, out_dir, reterr);

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
		r = bundle_fill_template(spec->cmdline_template, b.roothash, b.rootfs.data_size,
					 &b.cmdline, reterr);
	if (r == 0)
		r = about(spec->ovmf, write_rows(b.dir, spec, b.cmdline, &rows, reterr), reterr);
	/* dstack's files come first: the manifest records the os_image_hash they give. */
	if (r == 0 && spec->layout == SNPM_BUNDLE_DSTACK)
		r = write_dstack(&b, reterr);
	if (r == 0)
		r = write_manifest(&b, rows, reterr);
	if (r == 0 && spec->layout != SNPM_BUNDLE_DSTACK)
		r = write_sums(b.dir, reterr);
	if (r == 0)
		r = about(out_dir, snpm_io_dir_commit(&dir, reterr), reterr);
	else
		snpm_io_dir_abort(&dir);
	free(b.cmdline);
	return r;
}
