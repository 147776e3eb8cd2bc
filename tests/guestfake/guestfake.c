/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A test helper, loaded with LD_PRELOAD into snpmeasure, that serves a fake SEV-SNP guest: a
 * configfs-tsm report folder and a sev-guest device, with the kernel's semantics as
 * drivers/virt/coco/tsm.c and drivers/virt/coco/sev-guest implement them:
 *
 *  - mkdir in the report folder makes an entry with its attributes; rmdir removes it;
 *  - every write to inblob or privlevel advances the entry's generation, and lands at close()
 *    (configfs applies a binary attribute when the file is released): a bad value fails close;
 *  - outblob and auxblob are produced when read, from the inblob and privlevel written, and kept
 *    until the next write; reading them with no inblob is EINVAL;
 *  - SNP_GET_REPORT answers MSG_REPORT_RSP; SNP_GET_EXT_REPORT with a certificate buffer too
 *    small fails with EIO, VMM error 1, and certs_len set to the size needed.
 *
 * The report is a template (GUESTFAKE_REPORT) with REPORT_DATA and VMPL filled in; it is not
 * signed. Faults to inject (GUESTFAKE_FAULT): "race" (another writer advances the generation
 * while the report is read), "provider" (a TDX guest's provider), "noprovider" (mkdir fails
 * ENXIO), "eacces" (mkdir fails EACCES), "fw" (the firmware answers INVALID_PARAM), "busy" (the
 * host is busy twice, then answers), "status" (MSG_REPORT_RSP status 0x16), "short" (outblob of
 * 1000 bytes), "wrongdata" (the report carries other REPORT_DATA), "rename" (renaming anything
 * onto a file named r.bin fails EIO, as a full or failing file system would). GUESTFAKE_LOG
 * names a file that gets one line per mkdir and rmdir.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../../guest/sevguest.h"

#define MAX_ENTRIES 8
#define MAX_FDS 32
#define REPORT_SIZE 1184

struct entry {
	bool used;
	char name[128];
	unsigned long write_gen, read_gen;
	uint8_t inblob[64];
	size_t inblob_len;
	unsigned privlevel;
	bool have_out;
	uint8_t out[REPORT_SIZE];
};

struct open_attr {
	bool used;
	int fd;
	struct entry *e;
	char attr[32];
	bool writing;
	uint8_t buf[70000];
	size_t len, pos;
	bool filled;
};

static struct entry entries[MAX_ENTRIES];
static struct open_attr fds[MAX_FDS];
static int device_fd = -1;
static int busy_left = 2;

static int (*real_open)(const char *, int, ...);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_close)(int);
static int (*real_mkdir)(const char *, mode_t);
static int (*real_rmdir)(const char *);
static int (*real_ioctl)(int, unsigned long, ...);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned);

static void init(void)
{
	if (real_open)
		return;
	real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	real_read = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	real_mkdir = (int (*)(const char *, mode_t))dlsym(RTLD_NEXT, "mkdir");
	real_rmdir = (int (*)(const char *))dlsym(RTLD_NEXT, "rmdir");
	real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	real_rename = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	real_renameat2 = (int (*)(int, const char *, int, const char *,
				  unsigned))dlsym(RTLD_NEXT, "renameat2");
}

static bool fault(const char *name)
{
	const char *f = getenv("GUESTFAKE_FAULT");

	return f && strcmp(f, name) == 0;
}

static void log_line(const char *what, const char *name)
{
	const char *path = getenv("GUESTFAKE_LOG");
	int fd;

	if (!path)
		return;
	fd = real_open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	dprintf(fd, "%s %s\n", what, name);
	real_close(fd);
}

/* The entry name when path is ROOT/NAME[/ATTR]; NULL when path is not under the fake root. */
static const char *under_root(const char *path)
{
	const char *root = getenv("GUESTFAKE_TSM_ROOT");
	size_t n = root ? strlen(root) : 0;

	if (!root || strncmp(path, root, n) != 0 || path[n] != '/')
		return NULL;
	return path + n + 1;
}

static struct entry *find_entry(const char *name, size_t len)
{
	for (int i = 0; i < MAX_ENTRIES; i++)
		if (entries[i].used && strlen(entries[i].name) == len &&
		    memcmp(entries[i].name, name, len) == 0)
			return &entries[i];
	return NULL;
}

static size_t read_file(const char *env, uint8_t *buf, size_t max)
{
	const char *path = getenv(env);
	size_t len = 0;
	ssize_t n;
	int fd = path ? real_open(path, O_RDONLY | O_CLOEXEC) : -1;

	if (fd < 0)
		return 0;
	while (len < max && (n = real_read(fd, buf + len, max - len)) > 0)
		len += (size_t)n;
	real_close(fd);
	return len;
}

/* The template report with REPORT_DATA (0x50) and VMPL (0x30) filled in. */
static void make_report(const uint8_t data[64], unsigned vmpl, uint8_t out[REPORT_SIZE])
{
	memset(out, 0, REPORT_SIZE);
	read_file("GUESTFAKE_REPORT", out, REPORT_SIZE);
	memcpy(out + 0x50, data, 64);
	if (fault("wrongdata"))
		out[0x50] ^= 0xff;
	for (int i = 0; i < 4; i++)
		out[0x30 + i] = (uint8_t)(vmpl >> (8 * i));
}

/* ---- a file system that refuses to rename onto r.bin ---- */

static bool rename_refused(const char *to)
{
	const char *base = strrchr(to, '/');

	return fault("rename") && strcmp(base ? base + 1 : to, "r.bin") == 0;
}

int rename(const char *from, const char *to)
{
	init();
	return rename_refused(to) ? (errno = EIO, -1) : real_rename(from, to);
}

int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
	init();
	return rename_refused(to) ? (errno = EIO, -1) :
				    real_renameat2(fromfd, from, tofd, to, flags);
}

/* ---- configfs-tsm ---- */

int mkdir(const char *path, mode_t mode)
{
	const char *name;

	init();
	name = under_root(path);
	if (!name)
		return real_mkdir(path, mode);
	if (fault("noprovider"))
		return errno = ENXIO, -1;
	if (fault("eacces"))
		return errno = EACCES, -1;
	if (strchr(name, '/') || strlen(name) >= sizeof(entries[0].name))
		return errno = ENOENT, -1;
	if (find_entry(name, strlen(name)))
		return errno = EEXIST, -1;
	for (int i = 0; i < MAX_ENTRIES; i++)
		if (!entries[i].used) {
			memset(&entries[i], 0, sizeof(entries[i]));
			entries[i].used = true;
			strcpy(entries[i].name, name);
			log_line("mkdir", name);
			return 0;
		}
	return errno = ENOSPC, -1;
}

int rmdir(const char *path)
{
	const char *name;
	struct entry *e;

	init();
	name = under_root(path);
	if (!name)
		return real_rmdir(path);
	e = find_entry(name, strlen(name));
	if (!e)
		return errno = ENOENT, -1;
	e->used = false;
	log_line("rmdir", name);
	return 0;
}

static const char *const readable[] = { "outblob",    "auxblob",	 "provider",
					"generation", "privlevel_floor", NULL };
static const char *const writable[] = { "inblob", "privlevel", NULL };

static bool listed(const char *const *list, const char *name)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static int open_attr(const char *rel, int flags)
{
	const char *slash = strchr(rel, '/');
	struct entry *e = slash ? find_entry(rel, (size_t)(slash - rel)) : NULL;
	const char *attr = slash ? slash + 1 : "";
	bool writing = (flags & O_ACCMODE) != O_RDONLY;

	if (!e || !(listed(readable, attr) || listed(writable, attr)))
		return errno = ENOENT, -1;
	if (writing != listed(writable, attr))
		return errno = EACCES, -1;
	for (int i = 0; i < MAX_FDS; i++)
		if (!fds[i].used) {
			int fd = real_open("/dev/null", O_RDWR | O_CLOEXEC);
			if (fd < 0)
				return -1;
			memset(&fds[i], 0, sizeof(fds[i]));
			fds[i] = (struct open_attr){
				.used = true, .fd = fd, .e = e, .writing = writing
			};
			snprintf(fds[i].attr, sizeof(fds[i].attr), "%s", attr);
			return fd;
		}
	return errno = EMFILE, -1;
}

static struct open_attr *find_fd(int fd)
{
	for (int i = 0; i < MAX_FDS; i++)
		if (fds[i].used && fds[i].fd == fd)
			return &fds[i];
	return NULL;
}

/* What reading an attribute gives, computed on the first read as configfs does. */
static int fill(struct open_attr *a)
{
	struct entry *e = a->e;
	uint8_t certs[65536];

	if (strcmp(a->attr, "provider") == 0) {
		a->len = (size_t)sprintf((char *)a->buf, "%s\n",
					 fault("provider") ? "tdx_guest" : "sev_guest");
	} else if (strcmp(a->attr, "generation") == 0) {
		a->len = (size_t)sprintf((char *)a->buf, "%lu\n", e->write_gen);
	} else if (strcmp(a->attr, "privlevel_floor") == 0) {
		a->len = (size_t)sprintf((char *)a->buf, "0\n");
	} else {
		if (!e->inblob_len)
			return errno = EINVAL, -1;
		if (!e->have_out || e->read_gen != e->write_gen) {
			uint8_t data[64] = { 0 };
			memcpy(data, e->inblob, e->inblob_len);
			make_report(data, e->privlevel, e->out);
			e->have_out = true;
			e->read_gen = e->write_gen;
			if (fault("race"))
				e->write_gen++; /* another process writes inblob meanwhile */
		}
		if (strcmp(a->attr, "outblob") == 0) {
			a->len = fault("short") ? 1000 : REPORT_SIZE;
			memcpy(a->buf, e->out, a->len);
		} else {
			a->len = read_file("GUESTFAKE_CERTS", certs, sizeof(certs));
			memcpy(a->buf, certs, a->len);
		}
	}
	a->filled = true;
	return 0;
}

static int apply_write(struct open_attr *a)
{
	struct entry *e = a->e;

	if (strcmp(a->attr, "inblob") == 0) {
		if (a->len > 64)
			return errno = EFBIG, -1;
		e->write_gen++;
		memcpy(e->inblob, a->buf, a->len);
		e->inblob_len = a->len;
		return 0;
	}
	/* privlevel: text, 0..3 */
	char text[32] = { 0 };
	char *end;
	memcpy(text, a->buf, a->len < sizeof(text) - 1 ? a->len : sizeof(text) - 1);
	unsigned long v = strtoul(text, &end, 0);
	if (end == text || (*end && *end != '\n') || v > 3)
		return errno = EINVAL, -1;
	e->write_gen++;
	e->privlevel = (unsigned)v;
	return 0;
}

ssize_t read(int fd, void *buf, size_t count)
{
	struct open_attr *a;
	size_t n;

	init();
	a = find_fd(fd);
	if (!a)
		return real_read(fd, buf, count);
	if (a->writing)
		return errno = EBADF, -1;
	if (!a->filled && fill(a) < 0)
		return -1;
	n = a->len - a->pos < count ? a->len - a->pos : count;
	memcpy(buf, a->buf + a->pos, n);
	a->pos += n;
	return (ssize_t)n;
}

ssize_t write(int fd, const void *buf, size_t count)
{
	struct open_attr *a;

	init();
	a = find_fd(fd);
	if (!a)
		return real_write(fd, buf, count);
	if (!a->writing)
		return errno = EBADF, -1;
	if (a->len + count > sizeof(a->buf))
		return errno = EFBIG, -1;
	memcpy(a->buf + a->len, buf, count);
	a->len += count;
	return (ssize_t)count;
}

int close(int fd)
{
	struct open_attr *a;
	int r = 0;

	init();
	if (fd == device_fd)
		device_fd = -1;
	a = find_fd(fd);
	if (!a)
		return real_close(fd);
	if (a->writing && a->e->used)
		r = apply_write(a);
	int e = errno;
	a->used = false;
	real_close(fd);
	errno = e;
	return r;
}

/* ---- the device ---- */

int open(const char *path, int flags, ...)
{
	const char *dev = getenv("GUESTFAKE_DEVICE");
	const char *rel;
	mode_t mode = 0;
	va_list ap;

	init();
	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	rel = under_root(path);
	if (rel)
		return open_attr(rel, flags);
	if (dev && strcmp(path, dev) == 0) {
		if (fault("eacces"))
			return errno = EACCES, -1;
		device_fd = real_open("/dev/null", O_RDWR | O_CLOEXEC);
		return device_fd;
	}
	return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

static int get_report(struct sg_request *io, bool ext)
{
	struct sg_report_req *req = (struct sg_report_req *)(uintptr_t)io->req_data;
	struct sg_report_resp *resp = (struct sg_report_resp *)(uintptr_t)io->resp_data;
	uint8_t certs[65536];
	size_t n = ext ? read_file("GUESTFAKE_CERTS", certs, sizeof(certs)) : 0;

	if (io->msg_version != 1)
		return errno = EINVAL, -1;
	if (fault("busy") && busy_left-- > 0)
		return io->vmm_error = SG_VMM_ERR_BUSY, errno = EAGAIN, -1;
	if (fault("fw"))
		return io->fw_error = 0x16, errno = EIO, -1;
	if (ext) {
		struct sg_ext_report_req *x = (struct sg_ext_report_req *)req;
		size_t need = (n + 4095) & ~(size_t)4095;
		if (x->certs_len % 4096)
			return errno = EINVAL, -1;
		if (n && x->certs_len < need) {
			x->certs_len = (uint32_t)need;
			return io->vmm_error = SG_VMM_ERR_INVALID_LEN, errno = EIO, -1;
		}
		memcpy((void *)(uintptr_t)x->certs_address, certs, n);
	}
	memset(resp, 0, sizeof(*resp));
	resp->data[SG_RSP_STATUS] = fault("status") ? 0x16 : 0;
	resp->data[SG_RSP_REPORT_SIZE] = REPORT_SIZE & 0xff;
	resp->data[SG_RSP_REPORT_SIZE + 1] = REPORT_SIZE >> 8;
	make_report(req->user_data, req->vmpl, resp->data + SG_RSP_REPORT);
	return 0;
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	init();
	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != device_fd || device_fd < 0)
		return real_ioctl(fd, request, arg);
	if (request == SG_GET_REPORT)
		return get_report(arg, false);
	if (request == SG_GET_EXT_REPORT)
		return get_report(arg, true);
	return errno = ENOTTY, -1;
}
