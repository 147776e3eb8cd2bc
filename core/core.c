/* SPDX-License-Identifier: Apache-2.0 */
/* Version, error strings, error reporting, hex, the number grammar and GUID text: core.h. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core.h"

static snpm_progress_fn progress_fn;
static void *progress_arg;

void snpm_set_progress(snpm_progress_fn fn, void *arg)
{
	progress_fn = fn;
	progress_arg = arg;
}

void snpm_progress(const char *what, uint64_t done, uint64_t total)
{
	if (progress_fn)
		progress_fn(progress_arg, what, done, total);
}

const char *snpm_version(void)
{
	return SNPM_VERSION_STRING;
}

const char *snpm_strerror(int code)
{
	switch (code) {
	case SNPM_OK:
		return "success";
	case SNPM_EINVAL:
		return "invalid argument";
	case SNPM_EMALFORMED:
		return "malformed input";
	case SNPM_EUNSUPPORTED:
		return "unsupported";
	case SNPM_ERANGE:
		return "out of range";
	case SNPM_EIO:
		return "I/O error";
	case SNPM_ENOMEM:
		return "out of memory";
	case SNPM_ECRYPTO:
		return "cryptography error";
	case SNPM_EVERIFY:
		return "verification failed";
	default:
		return "unknown error";
	}
}

__attribute__((format(printf, 5, 0))) static int vfail(struct snpm_error *reterr, int code,
						       bool has_offset, uint64_t offset,
						       const char *fmt, va_list ap)
{
	if (!reterr)
		return code;
	/* errno first: vsnprintf may change it. */
	reterr->saved_errno = code == SNPM_EIO ? errno : 0;
	reterr->code = code;
	reterr->has_offset = has_offset;
	reterr->offset = offset;
	vsnprintf(reterr->message, sizeof(reterr->message), fmt, ap);
	return code;
}

int snpm_fail(struct snpm_error *reterr, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(reterr, code, false, 0, fmt, ap);
	va_end(ap);
	return code;
}

int snpm_fail_errno(struct snpm_error *reterr, int code, int saved_errno, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(reterr, code, false, 0, fmt, ap);
	va_end(ap);
	if (reterr)
		reterr->saved_errno = saved_errno;
	return code;
}

int snpm_fail_at(struct snpm_error *reterr, int code, uint64_t offset, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(reterr, code, true, offset, fmt, ap);
	va_end(ap);
	return code;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * EFI_GUID on disk: Data1 (u32), Data2 (u16) and Data3 (u16) little-endian, then Data4 as the
 * eight bytes written. Text groups are 8-4-4-4-12 hex digits; this maps text byte i to disk.
 */
static const uint8_t guid_disk_index[SNPM_GUID_SIZE] = { 3, 2, 1,  0,  5,  4,  7,  6,
							 8, 9, 10, 11, 12, 13, 14, 15 };

int snpm_uuid_parse(const char *text, uint8_t ret[16])
{
	char hex[33];
	size_t n = 0;

	if (!text || strlen(text) != 36)
		return SNPM_EINVAL;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash != (text[i] == '-'))
			return SNPM_EINVAL;
		if (!dash)
			hex[n++] = text[i];
	}
	hex[n] = '\0';
	return snpm_hex_decode(hex, ret, 16) ? 0 : SNPM_EINVAL;
}

void snpm_uuid_format(const uint8_t uuid[16], char out[37])
{
	char hex[33];

	snpm_hex_encode(uuid, 16, hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

int snpm_guid_parse(const char *text, uint8_t ret_guid[SNPM_GUID_SIZE])
{
	uint8_t bytes[SNPM_GUID_SIZE];

	if (snpm_uuid_parse(text, bytes) < 0)
		return SNPM_EINVAL;
	for (size_t i = 0; i < SNPM_GUID_SIZE; i++)
		ret_guid[guid_disk_index[i]] = bytes[i];
	return 0;
}

void snpm_guid_format(const uint8_t guid[SNPM_GUID_SIZE], char out[SNPM_GUID_STRING_SIZE])
{
	uint8_t bytes[SNPM_GUID_SIZE];

	for (size_t i = 0; i < SNPM_GUID_SIZE; i++)
		bytes[i] = guid[guid_disk_index[i]];
	snpm_uuid_format(bytes, out);
}

void snpm_hex_encode(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xf];
	}
	out[2 * len] = '\0';
}

bool snpm_hex_decode(const char *text, uint8_t *out, size_t len)
{
	if (!text || strlen(text) != 2 * len)
		return false;
	for (size_t i = 0; i < 2 * len; i++)
		if (hex_value(text[i]) < 0)
			return false;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(hex_value(text[2 * i]) << 4 | hex_value(text[2 * i + 1]));
	return true;
}

bool snpm_parse_number(const char *s, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	int base = 10;

	/* One grammar everywhere: decimal, or 0x/0o/0b and digits of that base. No sign,
	 * space, underscore or second prefix (strtoull would take "0x0x4" as 4). */
	if (!s || !isdigit((unsigned char)*s))
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	if (!*s)
		return false;
	for (; *s; s++) {
		int d = hex_value(*s);
		if (d < 0 || d >= base || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (v > max)
		return false;
	*ret = v;
	return true;
}

int snpm_source_read(const struct snpm_source *src, uint64_t offset, void *buf, size_t len,
		     struct snpm_error *reterr)
{
	uint64_t end;

	if (!src || (!src->data && !src->read))
		return snpm_fail(reterr, SNPM_EINVAL, "no input");
	if (!snpm_add_u64(offset, len, &end) || end > src->size)
		return snpm_fail_at(reterr, SNPM_EMALFORMED, offset,
				    "%zu bytes at offset 0x%llx lie past the end of the input "
				    "(%llu bytes)",
				    len, (unsigned long long)offset, (unsigned long long)src->size);
	if (len == 0)
		return 0;
	if (src->data) {
		memcpy(buf, src->data + offset, len);
		return 0;
	}
	return src->read(src->arg, offset, buf, len, reterr);
}

int snpm_name_parse(const struct snpm_name *table, const char *text, uint64_t *ret)
{
	for (const struct snpm_name *n = table; text && n && n->name; n++)
		if ((n->flags & SNPM_NAME_ANY_CASE) ? strcasecmp(n->name, text) == 0 :
						      strcmp(n->name, text) == 0) {
			*ret = n->value;
			return 0;
		}
	return SNPM_EINVAL;
}

const char *snpm_name_of(const struct snpm_name *table, uint64_t value)
{
	for (const struct snpm_name *n = table; n && n->name; n++)
		if (n->value == value && !(n->flags & SNPM_NAME_ALIAS))
			return n->name;
	return NULL;
}

int snpm_grow(void *array_ptr, size_t *cap, size_t n, size_t item_size, size_t first,
	      struct snpm_error *reterr)
{
	size_t want = *cap ? 2 * *cap : first, bytes;
	void *old, *p;

	if (n < *cap)
		return 0;
	/* The pointer is copied, never accessed through another pointer type. */
	memcpy(&old, array_ptr, sizeof(old));
	if (want < *cap || __builtin_mul_overflow(want, item_size, &bytes) ||
	    !(p = realloc(old, bytes)))
		return snpm_fail(reterr, SNPM_ENOMEM, "out of memory");
	memcpy(array_ptr, &p, sizeof(p));
	*cap = want;
	return 0;
}

void snpm_struct_init(void *s, size_t size)
{
	uint32_t n = (uint32_t)size;

	memset(s, 0, size);
	memcpy(s, &n, sizeof(n));
}

/* A caller's struct's size member, which must at least cover itself. */
static int read_size(const void *p, const char *what, uint32_t *size, struct snpm_error *reterr)
{
	*size = 0;
	if (!p)
		return snpm_fail(reterr, SNPM_EINVAL, "no struct %s", what);
	memcpy(size, p, sizeof(*size));
	if (*size < sizeof(*size))
		return snpm_fail(reterr, SNPM_EINVAL,
				 "struct %s has size %u: initialise it with SNPM_INIT() or .size = "
				 "sizeof(it)",
				 what, *size);
	return 0;
}

int snpm_sized_in(const void *given, size_t ours, void *copy, const char *what,
		  struct snpm_error *reterr)
{
	uint32_t size;

	memset(copy, 0, ours); /* never read uninitialised, whatever fails below */
	if (read_size(given, what, &size, reterr) < 0)
		return SNPM_EINVAL;
	/* Never a byte past what this library knows: a size larger than ours is a caller built
	 * against a newer header (or a size that is not one), refused without reading on. */
	if (size > ours)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED,
				 "struct %s is %u bytes, more than the %zu this library version "
				 "knows: built against a newer libsnpmeasure",
				 what, size, ours);
	memcpy(copy, given, size < ours ? size : ours);
	size = (uint32_t)ours;
	memcpy(copy, &size, sizeof(size));
	return 0;
}

int snpm_sized_out(void *dst, const void *ours, size_t ours_size, const char *what,
		   struct snpm_error *reterr)
{
	uint32_t size;

	if (read_size(dst, what, &size, reterr) < 0)
		return SNPM_EINVAL;
	memcpy((uint8_t *)dst + sizeof(size), (const uint8_t *)ours + sizeof(size),
	       (size < ours_size ? size : ours_size) - sizeof(size));
	return 0;
}
