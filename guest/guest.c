/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Report requests from inside an SEV-SNP guest (<snpm/guest.h>): the kernel's configfs-tsm
 * interface (drivers/virt/coco/tsm.c: an entry per requester; every attribute write advances
 * its generation; outblob is produced when read), else the sev-guest device's ioctls.
 *
 * Plain system calls on purpose: configfs attributes are not regular files (their size is
 * meaningless, a write lands at close), so the I/O layer's checks do not apply; its registry
 * still removes the entry if a signal comes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <snpm/appraise.h>
#include <snpm/guest.h>

#include "../core/core.h"
#include "../core/io.h"
#include "sevguest.h"

#define BLOB_MAX (1u << 20)
#define REPORT_DATA_AT 0x50
#define VMPL_AT 0x30

const char *snpm_guest_interface_name(enum snpm_guest_interface i)
{
	return i == SNPM_GUEST_TSM    ? "configfs-tsm" :
	       i == SNPM_GUEST_DEVICE ? "/dev/sev-guest" :
					"auto";
}

void snpm_report_reply_free(struct snpm_report_reply *r)
{
	if (!r)
		return;
	free(r->certs);
	r->certs = NULL;
	r->certs_len = 0;
}

/* ---- configfs-tsm ---- */

struct entry {
	char path[PATH_MAX];
	unsigned writes; /* attribute writes made: the generation must move by exactly these */
};

static int tsm_fail(struct snpm_error *reterr, int code, int e, const char *what, const char *path)
{
	if (e)
		return snpm_fail_errno(reterr, code, e, "configfs-tsm: %s %s: %s", what, path,
				       strerror(e));
	return snpm_fail(reterr, code, "configfs-tsm: %s %s", what, path);
}

/* An attribute's whole content (at most max bytes; more is an error). *ret: free() it. */
static int attr_read(const struct entry *en, const char *name, size_t max, uint8_t **ret,
		     size_t *ret_len, struct snpm_error *reterr)
{
	char path[PATH_MAX + 32];
	uint8_t *buf = malloc(max + 1);
	size_t len = 0;
	int fd, e = 0;

	snprintf(path, sizeof(path), "%s/%s", en->path, name);
	if (!buf)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		e = errno;
	while (fd >= 0 && len <= max) {
		ssize_t n = read(fd, buf + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			e = errno;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (fd >= 0)
		close(fd);
	if (e || len > max) {
		free(buf);
		return e ? tsm_fail(reterr, SNPM_EIO, e, "cannot read", path) :
			   tsm_fail(reterr, SNPM_EMALFORMED, 0, "more than expected in", path);
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* Writes an attribute in one write(); configfs applies a binary attribute at close, so its
 * verdict is close()'s. */
static int attr_write(struct entry *en, const char *name, const void *data, size_t len,
		      struct snpm_error *reterr)
{
	char path[PATH_MAX + 32];
	int fd, e = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", en->path, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return tsm_fail(reterr, SNPM_EIO, errno, "cannot open", path);
	do
		n = write(fd, data, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		e = errno;
	else if ((size_t)n != len)
		e = EIO;
	if (close(fd) < 0 && !e)
		e = errno;
	if (e)
		return tsm_fail(reterr, SNPM_EIO, e, "cannot write", path);
	en->writes++;
	return 0;
}

/* A text attribute (provider, generation) without its newline. */
static int attr_text(const struct entry *en, const char *name, char *out, size_t size,
		     struct snpm_error *reterr)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int r = attr_read(en, name, size - 1, &data, &len, reterr);

	if (r < 0)
		return r;
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\0'))
		len--;
	memcpy(out, data, len);
	out[len] = '\0';
	free(data);
	return 0;
}

static int read_generation(const struct entry *en, uint64_t *ret, struct snpm_error *reterr)
{
	char text[32], *end;
	int r = attr_text(en, "generation", text, sizeof(text), reterr);

	if (r < 0)
		return r;
	errno = 0;
	*ret = strtoull(text, &end, 10);
	if (errno || end == text || *end)
		return tsm_fail(reterr, SNPM_EMALFORMED, 0, "a generation that is not a number in",
				en->path);
	return 0;
}

/* Makes the entry (registered for removal first). ENOENT/ENOTDIR/ENXIO: no configfs-tsm, or
 * no provider; the caller may fall back. */
static int entry_make(const char *root, struct entry *en, struct snpm_error *reterr)
{
	uint8_t rnd[6];
	int r;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return snpm_fail_errno(reterr, SNPM_EIO, errno, "getrandom: %s", strerror(errno));
	if ((size_t)snprintf(en->path, sizeof(en->path),
			     "%s/snpmeasure.%ld.%02x%02x%02x%02x%02x%02x", root, (long)getpid(),
			     rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]) >= sizeof(en->path))
		return snpm_fail(reterr, SNPM_EINVAL, "configfs-tsm: the root path is too long");
	r = snpm_io_rmdir_register(en->path, reterr);
	if (r < 0)
		return r;
	if (mkdir(en->path, 0700) < 0) {
		int e = errno;
		snpm_io_rmdir_forget(en->path);
		return tsm_fail(reterr, e == EACCES || e == EPERM ? SNPM_EIO : SNPM_EUNSUPPORTED, e,
				"cannot make a report entry in", root);
	}
	return 0;
}

static void entry_remove(struct entry *en)
{
	rmdir(en->path);
	snpm_io_rmdir_forget(en->path);
}

static int tsm_blobs(struct entry *en, const struct snpm_report_request *req,
		     struct snpm_report_reply *ret, struct snpm_error *reterr)
{
	uint64_t before, after;
	uint8_t *out = NULL;
	size_t len = 0;
	char level[16];
	int r = attr_text(en, "provider", ret->provider, sizeof(ret->provider), reterr);

	if (r == 0 && strcmp(ret->provider, "sev_guest") != 0)
		return snpm_fail(
			reterr, SNPM_EUNSUPPORTED,
			"configfs-tsm: the provider is '%s', not sev_guest: not an SEV-SNP "
			"guest",
			ret->provider);
	if (r == 0)
		r = read_generation(en, &before, reterr);
	snprintf(level, sizeof(level), "%u\n", req->vmpl);
	if (r == 0 && req->has_vmpl)
		r = attr_write(en, "privlevel", level, strlen(level), reterr);
	if (r == 0)
		r = attr_write(en, "inblob", req->report_data, SNPM_REPORT_DATA_SIZE, reterr);
	if (r == 0)
		r = attr_read(en, "outblob", BLOB_MAX, &out, &len, reterr);
	if (r == 0 && len != SNPM_REPORT_SIZE)
		r = snpm_fail(reterr, SNPM_EMALFORMED,
			      "configfs-tsm: outblob holds %zu bytes, not a %u-byte report", len,
			      SNPM_REPORT_SIZE);
	if (r == 0)
		memcpy(ret->report, out, SNPM_REPORT_SIZE);
	free(out);
	if (r == 0 && req->certs)
		r = attr_read(en, "auxblob", BLOB_MAX, &ret->certs, &ret->certs_len, reterr);
	if (r == 0)
		r = read_generation(en, &after, reterr);
	/* Another writer between our writes and reads would make the report answer its inputs. */
	if (r == 0 && after != before + en->writes)
		r = snpm_fail_errno(
			reterr, SNPM_EIO, EBUSY,
			"configfs-tsm: the report entry was written by someone else "
			"meanwhile (generation %llu, then %llu after %u writes of ours): "
			"try again",
			(unsigned long long)before, (unsigned long long)after, en->writes);
	return r;
}

static int request_tsm(const struct snpm_report_request *req, struct snpm_report_reply *ret,
		       struct snpm_error *reterr)
{
	struct entry en = { .writes = 0 };
	int r = entry_make(req->tsm_root ? req->tsm_root : SNPM_TSM_REPORT_ROOT, &en, reterr);

	if (r < 0)
		return r;
	r = tsm_blobs(&en, req, ret, reterr);
	entry_remove(&en);
	ret->interface = SNPM_GUEST_TSM;
	return r;
}

/* ---- /dev/sev-guest ---- */

static const char *fw_error_name(uint32_t e)
{
	static const char *const names[] = {
		"success",
		"invalid platform state",
		"invalid guest state",
		"invalid config",
		"invalid length",
		"already owned",
		"invalid certificate",
		"policy failure",
		"inactive",
		"invalid address",
		"bad signature",
		"bad measurement",
		"ASID owned",
		"invalid ASID",
		"WBINVD required",
		"DF_FLUSH required",
		"invalid guest",
		"invalid command",
		"active",
		"hardware platform error",
		"hardware unsafe",
		"unsupported",
		"invalid parameter",
		"resource limit",
		"secure data invalid",
	};

	return e < sizeof(names) / sizeof(names[0]) ? names[e] : "unknown";
}

static int device_fail(struct snpm_error *reterr, const char *device, int e,
		       const struct sg_request *io)
{
	if (io->fw_error || io->vmm_error)
		return snpm_fail_errno(
			reterr, SNPM_EIO, e,
			"%s: the request failed: firmware error 0x%x (%s), VMM error 0x%x%s",
			device, io->fw_error, fw_error_name(io->fw_error), io->vmm_error,
			io->vmm_error == SG_VMM_ERR_BUSY ? " (the host is busy)" :
			io->vmm_error == SG_VMM_ERR_INVALID_LEN ?
							   " (certificate buffer too small)" :
							   "");
	return snpm_fail_errno(reterr, SNPM_EIO, e, "%s: the request failed: %s", device,
			       strerror(e));
}

/* One ioctl, retried while the host says it is busy. */
static int guest_ioctl(int fd, unsigned long cmd, struct sg_request *io)
{
	for (int attempt = 0;; attempt++) {
		io->exitinfo2 = 0;
		if (ioctl(fd, cmd, io) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (!(io->vmm_error == SG_VMM_ERR_BUSY || errno == EAGAIN) || attempt == 20)
			return -1;
		nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL);
	}
}

/* MSG_REPORT_RSP: status 0 and a report of the size this library reads. */
static int read_response(const char *device, const struct sg_report_resp *resp,
			 struct snpm_report_reply *ret, struct snpm_error *reterr)
{
	uint32_t status = snpm_le32(resp->data + SG_RSP_STATUS);
	uint32_t size = snpm_le32(resp->data + SG_RSP_REPORT_SIZE);

	if (status)
		return snpm_fail(reterr, SNPM_EIO, "%s: the firmware answered status 0x%x (%s)",
				 device, status, fw_error_name(status));
	if (size != SNPM_REPORT_SIZE)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "%s: the firmware returned a %u-byte report, not %u", device, size,
				 SNPM_REPORT_SIZE);
	memcpy(ret->report, resp->data + SG_RSP_REPORT, SNPM_REPORT_SIZE);
	return 0;
}

/* The certificate table's used length: up to the end of its last certificate. */
static size_t table_used(const uint8_t *certs, size_t len)
{
	size_t end = 0;

	for (size_t at = 0; at + 24 <= len; at += 24) {
		uint32_t off = snpm_le32(certs + at + 16), n = snpm_le32(certs + at + 20);
		bool zero = true;
		for (size_t k = 0; k < 24; k++)
			zero &= certs[at + k] == 0;
		if (zero) /* a table of no entries is no certificates */
			return at == 0 ? 0 : end > at + 24 ? end : at + 24;
		if ((uint64_t)off + n <= len && off + n > end)
			end = off + n;
	}
	return len;
}

static int ext_report(int fd, const char *device, struct sg_ext_report_req *ext,
		      struct sg_report_resp *resp, struct snpm_report_reply *ret,
		      struct snpm_error *reterr)
{
	struct sg_request io = { .msg_version = 1,
				 .req_data = (uintptr_t)ext,
				 .resp_data = (uintptr_t)resp };
	size_t size = 4 * 4096;

	for (int attempt = 0; attempt < 4; attempt++) {
		uint8_t *grown = realloc(ret->certs, size);
		if (!grown)
			return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
		ret->certs = grown;
		memset(ret->certs, 0, size);
		ext->certs_address = (uintptr_t)ret->certs;
		ext->certs_len = (uint32_t)size;
		if (guest_ioctl(fd, SG_GET_EXT_REPORT, &io) == 0) {
			ret->certs_len = table_used(ret->certs, size);
			return 0;
		}
		if (io.vmm_error != SG_VMM_ERR_INVALID_LEN || ext->certs_len <= size ||
		    ext->certs_len > BLOB_MAX)
			return device_fail(reterr, device, errno, &io);
		/* The kernel says how much the host's certificates need, in whole pages. */
		size = ((size_t)ext->certs_len + 4095) & ~(size_t)4095;
	}
	return snpm_fail(reterr, SNPM_EIO, "%s: the certificate size kept changing", device);
}

static int request_device(const struct snpm_report_request *req, struct snpm_report_reply *ret,
			  struct snpm_error *reterr)
{
	const char *device = req->device ? req->device : SNPM_SEV_GUEST_DEVICE;
	struct sg_ext_report_req ext = { .data.vmpl = req->has_vmpl ? req->vmpl : 0 };
	struct sg_report_resp *resp = calloc(1, sizeof(*resp));
	struct sg_request io = { .msg_version = 1, .req_data = (uintptr_t)&ext.data };
	int fd, r;

	if (!resp)
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	memcpy(ext.data.user_data, req->report_data, SNPM_REPORT_DATA_SIZE);
	fd = open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		free(resp);
		return snpm_fail_errno(
			reterr,
			e == ENOENT || e == ENXIO || e == ENODEV ? SNPM_EUNSUPPORTED : SNPM_EIO, e,
			"%s: %s", device, strerror(e));
	}
	io.resp_data = (uintptr_t)resp;
	if (req->certs)
		r = ext_report(fd, device, &ext, resp, ret, reterr);
	else
		r = guest_ioctl(fd, SG_GET_REPORT, &io) == 0 ?
			    0 :
			    device_fail(reterr, device, errno, &io);
	close(fd);
	if (r == 0)
		r = read_response(device, resp, ret, reterr);
	free(resp);
	ret->interface = SNPM_GUEST_DEVICE;
	return r;
}

/* ---- the request ---- */

/* The reply answers this request: its REPORT_DATA (and VMPL, when asked) are the request's. */
static int check_reply(const struct snpm_report_request *req, const struct snpm_report_reply *r,
		       struct snpm_error *reterr)
{
	if (memcmp(r->report + REPORT_DATA_AT, req->report_data, SNPM_REPORT_DATA_SIZE) != 0)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "%s: the report does not carry the REPORT_DATA requested",
				 snpm_guest_interface_name(r->interface));
	if (req->has_vmpl && snpm_le32(r->report + VMPL_AT) != req->vmpl)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "%s: the report is for VMPL %u, not the VMPL %u requested",
				 snpm_guest_interface_name(r->interface),
				 snpm_le32(r->report + VMPL_AT), req->vmpl);
	if (r->certs && r->certs_len) {
		struct snpm_cert_input in = { .size = sizeof(in) };
		struct snpm_error err;
		if (snpm_cert_table_parse(r->certs, r->certs_len, &in, &err) < 0)
			return snpm_fail(reterr, SNPM_EMALFORMED, "%s: the certificate table: %s",
					 snpm_guest_interface_name(r->interface), err.message);
	}
	return 0;
}

int snpm_report_request(const struct snpm_report_request *req_given, struct snpm_report_reply *ret,
			struct snpm_error *reterr)
{
	struct snpm_report_request req_copy = { .size = sizeof(req_copy) };
	const struct snpm_report_request *req = &req_copy;
	int sized = snpm_sized_in(req_given, sizeof(req_copy), &req_copy, "snpm_report_request",
				  reterr);
	struct snpm_error tsm_err = { 0 };
	int r;

	if (sized < 0)
		return sized;

	if (!req || !ret || (req->has_vmpl && req->vmpl > 3))
		return snpm_fail(reterr, SNPM_EINVAL, "no request, or a VMPL above 3");
	memset(ret, 0, sizeof(*ret));
	if (req->interface == SNPM_GUEST_DEVICE) {
		r = request_device(req, ret, reterr);
	} else {
		r = request_tsm(req, ret, &tsm_err);
		/* Fall back only when configfs-tsm is not there at all. */
		if (r == SNPM_EUNSUPPORTED && req->interface == SNPM_GUEST_AUTO &&
		    !ret->provider[0]) {
			struct snpm_error dev_err = { 0 };
			memset(ret, 0, sizeof(*ret));
			r = request_device(req, ret, &dev_err);
			if (r < 0)
				snpm_fail_errno(reterr, r, dev_err.saved_errno, "%s%s; and %s",
						r == SNPM_EUNSUPPORTED ?
							"no SEV-SNP guest interface (is this an "
							"SEV-SNP guest?): " :
							"",
						tsm_err.message, dev_err.message);
		} else if (r < 0 && reterr) {
			*reterr = tsm_err;
		}
	}
	if (r == 0)
		r = check_reply(req, ret, reterr);
	if (r < 0)
		snpm_report_reply_free(ret);
	return r;
}

static const struct snpm_name interface_names[] = {
	{ "auto", SNPM_GUEST_AUTO, 0 },
	{ "tsm", SNPM_GUEST_TSM, 0 },
	{ "device", SNPM_GUEST_DEVICE, 0 },
	{ NULL, 0, 0 },
};

const struct snpm_name *snpm_guest_interface_names(void)
{
	return interface_names;
}
