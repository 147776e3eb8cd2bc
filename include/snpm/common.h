/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libsnpmeasure: version, sizes and error reporting shared by every module.
 */
#ifndef SNPM_COMMON_H
#define SNPM_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <snpm/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Visibility: the library is built with -fvisibility=hidden; these are its exports. */
#if defined(SNPM_BUILDING_LIBRARY)
#define SNPM_EXPORT __attribute__((visibility("default")))
#else
#define SNPM_EXPORT
#endif

/* Sizes, in bytes. */
#define SNPM_PAGE_SIZE 4096u
#define SNPM_LD_SIZE 48u /* SNP launch digest: SHA-384 */
#define SNPM_SEV_LD_SIZE 32u /* SEV and SEV-ES launch digest: SHA-256 */
#define SNPM_SHA256_SIZE 32u
#define SNPM_SHA384_SIZE 48u
#define SNPM_GUID_SIZE 16u
#define SNPM_GUID_STRING_SIZE 37u /* 36 characters and a NUL */

/*
 * Error codes. Functions that can fail return 0 or one of these (all negative).
 */
enum snpm_errcode {
	SNPM_OK = 0,
	SNPM_EINVAL = -1, /* invalid argument from the caller */
	SNPM_EMALFORMED = -2, /* input bytes do not have the expected structure */
	SNPM_EUNSUPPORTED = -3, /* well-formed, but a variant this library refuses to guess at */
	SNPM_ERANGE = -4, /* a value is out of its allowed range */
	SNPM_EIO = -5, /* reading or writing failed; saved_errno says why */
	SNPM_ENOMEM = -6, /* an allocation failed */
	SNPM_ECRYPTO = -7, /* OpenSSL reported a failure */
	SNPM_EVERIFY = -8, /* a signature, certificate chain or comparison did not hold */
};

#define SNPM_ERROR_MESSAGE_SIZE 256u

/*
 * Details of a failure. Passed as the optional last argument of fallible functions (NULL is
 * fine) and written only when the function fails.
 */
struct snpm_error {
	int code; /* one of enum snpm_errcode */
	int saved_errno; /* errno at the failure, or 0 */
	bool has_offset; /* whether offset applies */
	uint64_t offset; /* byte offset into the input where the problem is */
	char message[SNPM_ERROR_MESSAGE_SIZE]; /* one line, no trailing newline */
};

/*
 * Progress of long work (hashing a verity tree or a large input, building a rootfs image,
 * predicting a bundle's measurements): what is being done, and how far (done of total; total 0
 * when it is not known). One handler for the process, called from the thread that started the
 * work; NULL removes it. The library itself never prints.
 */
typedef void (*snpm_progress_fn)(void *arg, const char *what, uint64_t done, uint64_t total);
SNPM_EXPORT void snpm_set_progress(snpm_progress_fn fn, void *arg);

/* ---- Inputs read at offsets ---- */

/*
 * A large input (an IGVM file, a kernel) the library reads piece by piece, so that memory stays
 * flat whatever its size: bytes in memory, or a callback that reads them (from a file).
 */
struct snpm_source {
	const uint8_t *data; /* the bytes (borrowed), or NULL to use read */
	uint64_t size;
	/* Reads exactly len bytes at offset (offset + len <= size) into buf. Returns 0, or a
	 * negative SNPM_E* code with reterr filled. */
	int (*read)(void *arg, uint64_t offset, void *buf, size_t len, struct snpm_error *reterr);
	void *arg;
};

/* Reads len bytes at offset from src, checking the range. Returns 0 or a negative code. */
SNPM_EXPORT int snpm_source_read(const struct snpm_source *src, uint64_t offset, void *buf,
				 size_t len, struct snpm_error *reterr);

/* The library's version string, e.g. "0.1.0". Never NULL. */
SNPM_EXPORT const char *snpm_version(void);

/* A short fixed description of an error code, e.g. "malformed input". Never NULL. */
SNPM_EXPORT const char *snpm_strerror(int code);

/* ---- structs that grow ---- */

/*
 * A struct the caller fills and hands to the library starts with uint32_t size, the sizeof the
 * caller was built with: SNPM_INIT(&s) zeroes it and sets that (or, in an initializer, .size =
 * sizeof(s)). The library reads what the caller's version has and takes what it lacks as zero,
 * the default; a struct larger than this library knows (a caller built against a newer header)
 * is refused (SNPM_EUNSUPPORTED), never read past its known end, so a setting is never silently
 * ignored. A size of zero is a struct nobody initialised, refused (SNPM_EINVAL).
 */
SNPM_EXPORT void snpm_struct_init(void *s, size_t size);
#define SNPM_INIT(ptr) snpm_struct_init((ptr), sizeof(*(ptr)))

/* ---- names ---- */

/*
 * The names of an enumeration's values, one table per enumeration: the library's _name() and
 * _parse() functions read it, and so do the tools' choices, --help, error messages, completions
 * and manual pages (a test holds them to it). A table ends with a row whose name is NULL. The
 * first row of a value is its name; later rows of the same value (SNPM_NAME_ALIAS) are other
 * spellings that are accepted but never listed.
 */
#define SNPM_NAME_ALIAS 1u /* another spelling: accepted, not listed */
#define SNPM_NAME_ANY_CASE 2u /* matched whatever the case */

struct snpm_name {
	const char *name;
	uint64_t value;
	unsigned flags; /* SNPM_NAME_* */
};

/* The value text names in table. Returns 0 or SNPM_EINVAL (NULL text, no such name). */
SNPM_EXPORT int snpm_name_parse(const struct snpm_name *table, const char *text, uint64_t *ret);
/* The listed name of value, or NULL when the table has none. */
SNPM_EXPORT const char *snpm_name_of(const struct snpm_name *table, uint64_t value);

/*
 * Removes every temporary file and folder the library is writing at this moment. Only system
 * calls: safe in a SIGINT or SIGTERM handler, so an interrupted run leaves nothing behind.
 */
SNPM_EXPORT void snpm_remove_temporaries(void);

/*
 * UUID text ("01234567-89ab-cdef-0123-456789abcdef", either case) and its 16 bytes in text
 * order, RFC 4122's (as libuuid, the verity superblock and AMD's certificate table store them).
 * Returns 0 or SNPM_EINVAL. The one grammar GUID text is read in, too.
 */
SNPM_EXPORT int snpm_uuid_parse(const char *text, uint8_t ret[16]);
SNPM_EXPORT void snpm_uuid_format(const uint8_t uuid[16], char out[37]);

/*
 * Parses a GUID in its canonical text form ("96b582de-1fb2-45f7-baea-a366c55a082d") into the
 * 16 bytes EFI stores on disk (first three groups little-endian).
 * Returns 0 or SNPM_EINVAL.
 */
SNPM_EXPORT int snpm_guid_parse(const char *text, uint8_t ret_guid[SNPM_GUID_SIZE]);

/* Formats 16 on-disk GUID bytes as canonical lower-case text into out (37 bytes). */
SNPM_EXPORT void snpm_guid_format(const uint8_t guid[SNPM_GUID_SIZE],
				  char out[SNPM_GUID_STRING_SIZE]);

/* Lower-case hex of len bytes into out (2 * len + 1 bytes, NUL-terminated). */
SNPM_EXPORT void snpm_hex_encode(const uint8_t *data, size_t len, char *out);

/* Exactly 2 * len hex digits (either case) into len bytes. Returns false otherwise. */
SNPM_EXPORT bool snpm_hex_decode(const char *text, uint8_t *out, size_t len);

/*
 * A non-negative integer in the one grammar every option and document accepts: decimal digits,
 * or 0x / 0o / 0b (either case) followed by at least one digit of that base; no sign, space,
 * underscore or second prefix; at most max (and 2^64 - 1). Returns false for anything else.
 */
SNPM_EXPORT bool snpm_parse_number(const char *text, uint64_t max, uint64_t *ret);

#ifdef __cplusplus
}
#endif

#endif /* SNPM_COMMON_H */
