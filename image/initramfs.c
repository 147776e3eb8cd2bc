/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Deterministic initramfs: a newc cpio archive (libarchive) of a directory tree or of a
 * gen_init_cpio list (the kernel's usr/gen_init_cpio.c format), optionally gzip-compressed
 * (zlib). Whatever order, timestamps or owners the source has, the same content gives the
 * same bytes: entries sorted bytewise by name, inodes numbered in that order, uid/gid 0 unless
 * a list says otherwise, mtimes clamped to SOURCE_DATE_EPOCH, device 0, hard links kept as newc
 * keeps them (shared inode, data on the last link), the archive padded to 512 bytes, and a gzip
 * header without name or time.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <snpm/image.h>

#include "../core/crypto.h"
#include "../core/io.h"

#define MAX_ENTRIES 1000000u
#define MAX_DEPTH 64u
#define CHUNK (64u * 1024u)

struct entry {
	char *name; /* archive name, no leading '/' */
	char *source; /* regular files: where the data comes from */
	char *target; /* symlinks */
	mode_t mode; /* type and permissions */
	uid_t uid;
	gid_t gid;
	int64_t mtime;
	uint64_t size;
	unsigned rmajor, rminor;
	uint64_t link_dev, link_ino; /* hard-link group (link_ino 0: none) */
	unsigned nlink;
	unsigned ino;
	bool data_here; /* the group's last link carries the data */
};

struct tree {
	struct entry *e;
	size_t n, cap;
};

static void tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->e[i].name);
		free(t->e[i].source);
		free(t->e[i].target);
	}
	free(t->e);
	memset(t, 0, sizeof(*t));
}

static struct entry *tree_add(struct tree *t, struct snpm_error *reterr)
{
	if (t->n == MAX_ENTRIES) {
		snpm_fail(reterr, SNPM_ERANGE, "more than %u entries", MAX_ENTRIES);
		return NULL;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct entry *p = realloc(t->e, cap * sizeof(*p));
		if (!p) {
			snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
			return NULL;
		}
		t->e = p;
		t->cap = cap;
	}
	memset(&t->e[t->n], 0, sizeof(t->e[0]));
	return &t->e[t->n++];
}

/* ---- a directory tree ---- */

static int add_path(struct tree *t, const char *root, const char *rel, unsigned depth,
		    struct snpm_error *reterr);

static int add_children(struct tree *t, const char *root, const char *rel, unsigned depth,
			struct snpm_error *reterr)
{
	char *path = NULL;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (asprintf(&path, "%s%s%s", root, *rel ? "/" : "", rel) < 0)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	d = opendir(path);
	if (!d) {
		r = snpm_fail(reterr, SNPM_EIO, "%s: cannot read the folder: %s", path,
			      strerror(errno));
		free(path);
		return r;
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		char *child;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&child, "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0)
			r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
		else
			r = add_path(t, root, child, depth + 1, reterr);
		free(child);
	}
	if (r == 0 && errno)
		r = snpm_fail(reterr, SNPM_EIO, "%s: %s", path, strerror(errno));
	closedir(d);
	free(path);
	return r;
}

static int add_path(struct tree *t, const char *root, const char *rel, unsigned depth,
		    struct snpm_error *reterr)
{
	char *path = NULL;
	struct stat st;
	struct entry *e;
	int r = 0;

	if (depth > MAX_DEPTH)
		return snpm_fail(reterr, SNPM_ERANGE, "%s: nested deeper than %u folders", rel,
				 MAX_DEPTH);
	if (asprintf(&path, "%s/%s", root, rel) < 0)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	/* lstat: symlinks are archived as links, never followed (no loops, no escapes). */
	if (lstat(path, &st) < 0) {
		r = snpm_fail(reterr, SNPM_EIO, "%s: %s", path, strerror(errno));
		free(path);
		return r;
	}
	e = tree_add(t, reterr);
	if (!e) {
		free(path);
		return SNPM_ENOMEM;
	}
	e->name = strdup(rel);
	e->mode = st.st_mode & (S_IFMT | 07777);
	e->mtime = st.st_mtime;
	if (S_ISREG(st.st_mode)) {
		e->source = path;
		path = NULL;
		e->size = (uint64_t)st.st_size;
		if (st.st_nlink > 1) {
			e->link_dev = (uint64_t)st.st_dev;
			e->link_ino = (uint64_t)st.st_ino;
		}
	} else if (S_ISLNK(st.st_mode)) {
		char buf[PATH_MAX];
		ssize_t n = readlink(path, buf, sizeof(buf) - 1);
		if (n < 0)
			r = snpm_fail(reterr, SNPM_EIO, "%s: %s", path, strerror(errno));
		else
			buf[n] = '\0', e->target = strdup(buf);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		e->rmajor = major(st.st_rdev);
		e->rminor = minor(st.st_rdev);
	}
	if (r == 0 && !e->name)
		r = snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	if (r == 0 && S_ISDIR(st.st_mode))
		r = add_children(t, root, rel, depth, reterr);
	free(path);
	return r;
}

/* ---- a gen_init_cpio list ---- */

/* Archive names: one leading '/' is dropped; '.', '..' and empty components are refused. */
static int clean_name(const char *in, char **out, struct snpm_error *reterr)
{
	const char *p = in[0] == '/' ? in + 1 : in;

	if (!*p)
		return snpm_fail(reterr, SNPM_EINVAL, "empty name");
	for (const char *c = p; *c;) {
		size_t len = strcspn(c, "/");
		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return snpm_fail(reterr, SNPM_EINVAL,
					 "name '%s' has an empty, '.' or '..' component", in);
		c += len;
		if (*c)
			c++;
	}
	*out = strdup(p);
	return *out ? 0 : snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
}

static bool octal(const char *s, unsigned max, unsigned *ret)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || *end || v > max)
		return false;
	*ret = (unsigned)v;
	return true;
}

static bool decimal(const char *s, unsigned max, unsigned *ret)
{
	uint64_t v;

	/* gen_init_cpio numbers are plain decimal. */
	if (!s || strspn(s, "0123456789") != strlen(s) || !snpm_parse_number(s, max, &v))
		return false;
	*ret = (unsigned)v;
	return true;
}

/* Fields: the words of one list line. */
struct fields {
	char *w[16];
	int n;
};

static int list_common(struct entry *e, const struct fields *f, int at, mode_t type, int64_t epoch,
		       struct snpm_error *reterr)
{
	unsigned mode, uid, gid;

	if (!octal(f->w[at], 07777, &mode) || !decimal(f->w[at + 1], UINT32_MAX, &uid) ||
	    !decimal(f->w[at + 2], UINT32_MAX, &gid))
		return snpm_fail(reterr, SNPM_EINVAL, "bad mode, uid or gid");
	e->mode = type | mode;
	e->uid = uid;
	e->gid = gid;
	e->mtime = epoch;
	return 0;
}

static int list_file(struct tree *t, const struct fields *f, int64_t epoch, uint64_t key,
		     struct snpm_error *reterr)
{
	struct stat st;
	int r;

	/* file <name> <location> <mode> <uid> <gid> [<hard links>...] */
	if (f->n < 6)
		return snpm_fail(reterr, SNPM_EINVAL, "file needs name, location, mode, uid, gid");
	if (stat(f->w[2], &st) < 0 || !S_ISREG(st.st_mode))
		return snpm_fail(reterr, SNPM_EIO, "%s: not a readable regular file%s%s", f->w[2],
				 errno ? ": " : "", errno ? strerror(errno) : "");
	for (int i = 1; i < f->n; i = i == 1 ? 6 : i + 1) {
		struct entry *e = tree_add(t, reterr);
		if (!e)
			return SNPM_ENOMEM;
		r = clean_name(f->w[i], &e->name, reterr);
		if (r == 0)
			r = list_common(e, f, 3, S_IFREG, epoch, reterr);
		if (r < 0)
			return r;
		e->mtime = st.st_mtime;
		e->source = strdup(f->w[2]);
		e->size = (uint64_t)st.st_size;
		e->link_dev = UINT64_MAX;
		e->link_ino = f->n > 6 ? key : 0;
		if (!e->source)
			return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	}
	return 0;
}

static int list_node(struct entry *e, const struct fields *f, int64_t epoch,
		     struct snpm_error *reterr)
{
	unsigned maj, min;
	mode_t type;

	/* nod <name> <mode> <uid> <gid> <dev_type> <maj> <min> */
	if (f->n != 8 || (strcmp(f->w[5], "c") != 0 && strcmp(f->w[5], "b") != 0) ||
	    !decimal(f->w[6], 4095, &maj) || !decimal(f->w[7], 1048575, &min))
		return snpm_fail(reterr, SNPM_EINVAL,
				 "nod needs name mode uid gid c|b major minor");
	type = f->w[5][0] == 'c' ? S_IFCHR : S_IFBLK;
	e->rmajor = maj;
	e->rminor = min;
	return list_common(e, f, 2, type, epoch, reterr);
}

static int list_line(struct tree *t, struct fields *f, int64_t epoch, uint64_t key,
		     struct snpm_error *reterr)
{
	const char *kind = f->w[0];
	struct entry *e;
	int r;

	if (strcmp(kind, "file") == 0)
		return list_file(t, f, epoch, key, reterr);
	if (f->n < 2)
		return snpm_fail(reterr, SNPM_EINVAL, "'%s' needs a name", kind);
	e = tree_add(t, reterr);
	if (!e)
		return SNPM_ENOMEM;
	r = clean_name(f->w[1], &e->name, reterr);
	if (r < 0)
		return r;
	if (strcmp(kind, "dir") == 0 && f->n == 5)
		return list_common(e, f, 2, S_IFDIR, epoch, reterr);
	if (strcmp(kind, "pipe") == 0 && f->n == 5)
		return list_common(e, f, 2, S_IFIFO, epoch, reterr);
	if (strcmp(kind, "sock") == 0 && f->n == 5)
		return list_common(e, f, 2, S_IFSOCK, epoch, reterr);
	if (strcmp(kind, "nod") == 0)
		return list_node(e, f, epoch, reterr);
	if (strcmp(kind, "slink") == 0 && f->n == 6) {
		e->target = strdup(f->w[2]);
		return e->target ? list_common(e, f, 3, S_IFLNK, epoch, reterr) :
				   snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	}
	return snpm_fail(reterr, SNPM_EINVAL, "unknown or malformed '%s' line", kind);
}

/* The list as text: a NUL byte would silently end a line (and drop what follows), so the I/O
 * layer refuses it. */
static int read_list(const char *path, struct tree *t, int64_t epoch, struct snpm_error *reterr)
{
	char *text = NULL, *next, *line;
	unsigned lineno = 0;
	int r = snpm_io_name(path, snpm_io_read_text(path, SNPM_IO_PIPES, 16u << 20, &text, reterr),
			     reterr);

	for (line = text; r == 0 && line && *line; line = next) {
		struct fields fl = { .n = 0 };
		char *save = NULL;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		for (char *w = strtok_r(line, " \t\r", &save); w && fl.n < 16;
		     w = strtok_r(NULL, " \t\r", &save))
			fl.w[fl.n++] = w;
		if (fl.n == 0 || fl.w[0][0] == '#')
			continue;
		r = list_line(t, &fl, epoch, lineno, reterr);
		if (r < 0 && reterr) {
			char msg[SNPM_ERROR_MESSAGE_SIZE];
			int n = snprintf(msg, sizeof(msg), "line %u: ", lineno);
			size_t room = sizeof(msg) - (size_t)n;
			memcpy(msg + n, reterr->message, room - 1);
			msg[sizeof(msg) - 1] = '\0';
			memcpy(reterr->message, msg, sizeof(msg));
		}
	}
	free(text);
	return r;
}

/* ---- order, inodes, links ---- */

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static bool same_group(const struct entry *a, const struct entry *b)
{
	return a->link_ino && a->link_ino == b->link_ino && a->link_dev == b->link_dev;
}

static int normalize(struct tree *t, int64_t epoch, bool keep_owner, struct snpm_error *reterr)
{
	unsigned next = 1;

	if (t->n)
		qsort(t->e, t->n, sizeof(t->e[0]), by_name);
	for (size_t i = 0; i < t->n; i++) {
		struct entry *e = &t->e[i];
		if (i > 0 && strcmp(t->e[i - 1].name, e->name) == 0)
			return snpm_fail(reterr, SNPM_EINVAL, "'%s' appears twice", e->name);
		if (!keep_owner)
			e->uid = 0, e->gid = 0;
		if (e->mtime > epoch)
			e->mtime = epoch;
		if (e->ino)
			continue; /* numbered with the first link of its group */
		e->nlink = S_ISDIR(e->mode) ? 2 : 1;
		e->data_here = true;
		if (!e->link_ino) {
			e->ino = next++;
			continue;
		}
		/* First link of a group (sorted order): number them all; the last carries data. */
		size_t count = 0, last = i;
		for (size_t j = i; j < t->n; j++)
			if (same_group(&t->e[j], e)) {
				count++;
				last = j;
			}
		for (size_t j = i; j < t->n; j++)
			if (same_group(&t->e[j], e)) {
				t->e[j].ino = next;
				t->e[j].nlink = (unsigned)count;
				t->e[j].data_here = j == last;
			}
		next++;
	}
	return 0;
}

/* ---- writing: libarchive newc -> (zlib gzip) -> file, hashed on the way ---- */

struct sink {
	struct snpm_io_out *out;
	bool gzip;
	z_stream z;
	EVP_MD_CTX *sha;
	uint64_t size;
	struct snpm_error error; /* the output's failure, when error.code is set */
};

static int sink_out(struct sink *s, const void *buf, size_t len)
{
	EVP_DigestUpdate(s->sha, buf, len);
	s->size += len;
	return snpm_io_out_write(s->out, buf, len, &s->error) < 0 ? -1 : 0;
}

/* Why libarchive stopped: our output's own error (a full disk), else libarchive's. */
static const char *archive_failure(struct archive *a, const struct sink *s)
{
	if (s->error.code)
		return s->error.message;
	return archive_error_string(a) ? archive_error_string(a) : "unknown archive error";
}

static int sink_deflate(struct sink *s, const void *buf, size_t len, int flush)
{
	uint8_t out[CHUNK];
	int zr;

	s->z.next_in = (Bytef *)(uintptr_t)buf;
	s->z.avail_in = (uInt)len;
	do {
		s->z.next_out = out;
		s->z.avail_out = sizeof(out);
		zr = deflate(&s->z, flush);
		if (zr == Z_STREAM_ERROR)
			return -1;
		if (sink_out(s, out, sizeof(out) - s->z.avail_out) < 0)
			return -1;
	} while (s->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

static la_ssize_t on_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
	struct sink *s = ctx;
	int r = s->gzip ? sink_deflate(s, buf, len, Z_NO_FLUSH) : sink_out(s, buf, len);

	(void)a;
	if (r < 0 && !s->error.code)
		snpm_fail(&s->error, SNPM_EIO, "cannot compress");
	return r < 0 ? -1 : (la_ssize_t)len;
}

/* A source file's bytes, exactly as many as the tree recorded and unchanged while read. */
static int write_data(struct archive *a, const struct entry *e, const struct sink *s,
		      struct snpm_error *reterr)
{
	uint8_t buf[CHUNK];
	uint64_t left = e->size;
	struct snpm_io_in in;
	size_t n = 1;
	int r = snpm_io_open(e->source, SNPM_IO_REGULAR | SNPM_IO_NOFOLLOW, &in, reterr);

	if (r < 0)
		return snpm_io_name(e->source, r, reterr);
	while (r == 0 && left && n) {
		r = snpm_io_read(&in, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf), &n,
				 reterr);
		if (r == 0 && n && archive_write_data(a, buf, n) != (la_ssize_t)n)
			r = snpm_fail(reterr, SNPM_EIO, "archive: %s", archive_failure(a, s));
		left -= n;
	}
	/* One more byte would mean it grew (procfs files even claim size 0). */
	if (r == 0 && left == 0 && snpm_io_read(&in, buf, 1, &n, reterr) == 0 && n)
		left = 1;
	/* Shorter or longer than when the tree was read, or changed meanwhile: a torn copy. */
	if (r == 0 && (left || in.size != e->size))
		r = snpm_fail(reterr, SNPM_EIO, "%s: changed while being read", e->source);
	if (r == 0 && snpm_io_close(&in, reterr) < 0)
		r = snpm_fail(reterr, SNPM_EIO, "%s: changed while being read", e->source);
	snpm_io_close(&in, NULL);
	return r;
}

static int write_entry(struct archive *a, const struct entry *e, const struct sink *s,
		       struct snpm_error *reterr)
{
	struct archive_entry *ae = archive_entry_new();
	int r = 0;

	if (!ae)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	archive_entry_set_pathname(ae, e->name);
	archive_entry_set_mode(ae, e->mode);
	archive_entry_set_uid(ae, e->uid);
	archive_entry_set_gid(ae, e->gid);
	archive_entry_set_mtime(ae, e->mtime, 0);
	archive_entry_set_ino(ae, e->ino);
	archive_entry_set_dev(ae, 0);
	archive_entry_set_nlink(ae, e->nlink);
	archive_entry_set_rdevmajor(ae, e->rmajor);
	archive_entry_set_rdevminor(ae, e->rminor);
	if (e->target)
		archive_entry_set_symlink(ae, e->target);
	archive_entry_set_size(ae, S_ISREG(e->mode) && e->data_here ? (la_int64_t)e->size : 0);
	if (archive_write_header(a, ae) != ARCHIVE_OK)
		r = snpm_fail(reterr, SNPM_EIO, "%s: %s", e->name, archive_failure(a, s));
	/* Empty files too: what is read is checked against what the tree recorded. */
	if (r == 0 && S_ISREG(e->mode) && e->data_here)
		r = write_data(a, e, s, reterr);
	archive_entry_free(ae);
	return r;
}

static int write_archive(const struct tree *t, struct sink *s, struct snpm_error *reterr)
{
	struct archive *a = archive_write_new();
	int r = 0;

	if (!a || archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(a, 512) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 512) != ARCHIVE_OK ||
	    archive_write_open2(a, s, NULL, on_write, NULL, NULL) != ARCHIVE_OK)
		r = snpm_fail(reterr, SNPM_EIO, "cannot start the archive");
	for (size_t i = 0; r == 0 && i < t->n; i++)
		r = write_entry(a, &t->e[i], s, reterr);
	if (r == 0 && archive_write_close(a) != ARCHIVE_OK)
		r = snpm_fail(reterr, SNPM_EIO, "cannot finish the archive: %s",
			      archive_failure(a, s));
	archive_write_free(a);
	return r;
}

static int emit(const struct tree *t, const char *out, const struct snpm_initramfs_options *o,
		struct snpm_initramfs_result *res, struct snpm_error *reterr)
{
	struct sink s = { .gzip = o->gzip };
	struct snpm_io_out file;
	int r = snpm_io_out_open(out, &file, reterr);

	if (r < 0)
		return snpm_io_name(out, r, reterr);
	s.out = &file;
	s.sha = EVP_MD_CTX_new();
	if (!s.sha || EVP_DigestInit_ex(s.sha, EVP_sha256(), NULL) != 1)
		r = snpm_fail_crypto(reterr, "cannot hash");
	/* windowBits 15 + 16: a gzip wrapper whose header has no name and mtime 0. */
	if (r == 0 && s.gzip &&
	    deflateInit2(&s.z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		r = snpm_fail(reterr, SNPM_ENOMEM, "cannot start zlib");
	if (r == 0)
		r = write_archive(t, &s, reterr);
	if (r == 0 && s.gzip && sink_deflate(&s, "", 0, Z_FINISH) < 0)
		r = snpm_fail(reterr, SNPM_EIO, "%s: %s", out,
			      s.error.code ? s.error.message : "cannot compress");
	if (s.gzip)
		deflateEnd(&s.z);
	if (r == 0 && EVP_DigestFinal_ex(s.sha, res->sha256, NULL) != 1)
		r = snpm_fail_crypto(reterr, "cannot hash");
	EVP_MD_CTX_free(s.sha);
	if (r == 0)
		r = snpm_io_name(out, snpm_io_out_commit(&file, 0644, reterr), reterr);
	else
		snpm_io_out_abort(&file);
	res->size = s.size;
	res->entries = t->n;
	return r;
}

int snpm_initramfs_create(const char *source, bool is_list, const char *out,
			  const struct snpm_initramfs_options *opts_given,
			  struct snpm_initramfs_result *ret, struct snpm_error *reterr)
{
	struct snpm_initramfs_options opts_copy = { .size = sizeof(opts_copy) };
	const struct snpm_initramfs_options *opts = &opts_copy;
	int sized = snpm_sized_in(opts_given, sizeof(opts_copy), &opts_copy,
				  "snpm_initramfs_options", reterr);
	struct snpm_initramfs_result res = { 0 };
	struct tree t = { 0 };
	struct stat st;
	int r;

	if (sized < 0)
		return sized;

	if (!source || !out || !opts)
		return snpm_fail(reterr, SNPM_EINVAL, "initramfs needs a source and an output");
	if (opts->source_date_epoch < 0)
		return snpm_fail(reterr, SNPM_EINVAL, "SOURCE_DATE_EPOCH must not be negative");
	if (is_list) {
		r = read_list(source, &t, opts->source_date_epoch, reterr);
	} else if (stat(source, &st) < 0 || !S_ISDIR(st.st_mode)) {
		r = snpm_fail(reterr, SNPM_EINVAL, "%s: not a folder", source);
	} else {
		r = add_children(&t, source, "", 0, reterr);
	}
	if (r == 0)
		r = normalize(&t, opts->source_date_epoch, is_list, reterr);
	if (r == 0)
		r = emit(&t, out, opts, &res, reterr);
	tree_free(&t);
	if (r == 0 && ret)
		*ret = res;
	return r;
}

const char *snpm_zlib_version(void)
{
	return zlibVersion();
}

static const struct snpm_name compression_names[] = {
	{ "gzip", 1, 0 },
	{ "none", 0, 0 },
	{ NULL, 0, 0 },
};

const struct snpm_name *snpm_initramfs_compression_names(void)
{
	return compression_names;
}
