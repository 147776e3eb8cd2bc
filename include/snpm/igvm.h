/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IGVM files (Independent Guest Virtual Machine format, microsoft/igvm igvm_defs): a fixed
 * header, a section of variable headers (platform, initialization, directive) and file data.
 *
 * snpm_igvm_parse() reads and checks the headers through a source, so the file data (the pages)
 * is never held in memory; measurement reads each page when it is needed. Every structure is
 * checked as the format defines it: magic, version, total size, the CRC32 of the headers, 8-byte
 * alignment with zero padding, sections in order, exact lengths, reserved fields zero, page and
 * GPA alignment, file data inside the file, one platform per isolation type, parameter areas
 * declared once and inserted once. A failure names the header's index and file offset.
 */
#ifndef SNPM_IGVM_H
#define SNPM_IGVM_H

#include <snpm/common.h>
#include <snpm/measure.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Variable header types (IgvmVariableHeaderType). */
enum snpm_igvm_type {
	SNPM_IGVM_SUPPORTED_PLATFORM = 0x001,
	SNPM_IGVM_GUEST_POLICY = 0x101,
	SNPM_IGVM_RELOCATABLE_REGION = 0x102,
	SNPM_IGVM_PAGE_TABLE_RELOCATION = 0x103,
	SNPM_IGVM_CORIM_DOCUMENT = 0x104,
	SNPM_IGVM_CORIM_SIGNATURE = 0x105,
	SNPM_IGVM_CCA_POLICY = 0x106,
	SNPM_IGVM_PARAMETER_AREA = 0x301,
	SNPM_IGVM_PAGE_DATA = 0x302,
	SNPM_IGVM_PARAMETER_INSERT = 0x303,
	SNPM_IGVM_VP_CONTEXT = 0x304,
	SNPM_IGVM_REQUIRED_MEMORY = 0x305,
	SNPM_IGVM_VP_COUNT_PARAMETER = 0x307,
	SNPM_IGVM_SRAT = 0x308,
	SNPM_IGVM_MADT = 0x309,
	SNPM_IGVM_MMIO_RANGES = 0x30a,
	SNPM_IGVM_SNP_ID_BLOCK = 0x30b,
	SNPM_IGVM_MEMORY_MAP = 0x30c,
	SNPM_IGVM_ERROR_RANGE = 0x30d,
	SNPM_IGVM_COMMAND_LINE = 0x30e,
	SNPM_IGVM_SLIT = 0x30f,
	SNPM_IGVM_PPTT = 0x310,
	SNPM_IGVM_VBS_MEASUREMENT = 0x311,
	SNPM_IGVM_DEVICE_TREE = 0x312,
	SNPM_IGVM_ENVIRONMENT_INFO = 0x313,
};

/* A type with this bit set may be skipped by a loader that does not know it. */
#define SNPM_IGVM_OPTIONAL_BIT 0x80000000u

/* SUPPORTED_PLATFORM platform types (IgvmPlatformType). */
enum snpm_igvm_platform {
	SNPM_IGVM_NATIVE = 0,
	SNPM_IGVM_VSM_ISOLATION = 1,
	SNPM_IGVM_SEV_SNP = 2,
	SNPM_IGVM_TDX = 3,
	SNPM_IGVM_SEV = 4,
	SNPM_IGVM_SEV_ES = 5,
	SNPM_IGVM_CCA = 6,
};

/* PAGE_DATA flags and data types. */
#define SNPM_IGVM_PAGE_2MB 0x1u
#define SNPM_IGVM_PAGE_UNMEASURED 0x2u
#define SNPM_IGVM_PAGE_SHARED 0x4u
enum snpm_igvm_data_type {
	SNPM_IGVM_DATA_NORMAL = 0,
	SNPM_IGVM_DATA_SECRETS = 1,
	SNPM_IGVM_DATA_CPUID = 2,
	SNPM_IGVM_DATA_CPUID_XF = 3,
};

#define SNPM_IGVM_SECTION_PLATFORM 1
#define SNPM_IGVM_SECTION_INITIALIZATION 2
#define SNPM_IGVM_SECTION_DIRECTIVE 3

/* One variable header, decoded. Fields a type does not have are 0. */
struct snpm_igvm_header {
	uint32_t type; /* enum snpm_igvm_type, with SNPM_IGVM_OPTIONAL_BIT as stored */
	unsigned section; /* SNPM_IGVM_SECTION_* */
	uint32_t index; /* position among the headers of its section, as QEMU counts */
	uint64_t offset; /* of the header's type field in the file */
	uint32_t length; /* of its body */
	uint32_t compatibility_mask;
	uint64_t gpa; /* PAGE_DATA, PARAMETER_INSERT, VP_CONTEXT, REQUIRED_MEMORY, ERROR_RANGE */
	uint32_t file_offset; /* PAGE_DATA, VP_CONTEXT, PARAMETER_AREA: 0 for none */
	uint64_t size; /* PAGE_DATA: 4096 or 2 MiB; VP_CONTEXT: 4096; PARAMETER_AREA, PARAMETER_INSERT
			  (the area's), REQUIRED_MEMORY, ERROR_RANGE: bytes */
	uint32_t flags; /* PAGE_DATA (SNPM_IGVM_PAGE_*), REQUIRED_MEMORY */
	uint16_t data_type; /* PAGE_DATA */
	uint32_t parameter_area_index; /* PARAMETER_AREA, PARAMETER_INSERT, parameters */
	uint32_t byte_offset; /* parameters (VP_COUNT, MEMORY_MAP, ...) */
	uint16_t vp_index; /* VP_CONTEXT */
	/* SUPPORTED_PLATFORM */
	uint8_t platform_type, highest_vtl;
	uint16_t platform_version;
	uint64_t shared_gpa_boundary;
	uint64_t policy; /* GUEST_POLICY */
};

/* SNP_ID_BLOCK: what the ID block signs and who signs it. */
struct snpm_igvm_id_block {
	uint32_t compatibility_mask;
	bool author_key_enabled;
	uint8_t ld[SNPM_LD_SIZE]; /* the launch digest the block vouches for */
	uint8_t family_id[16], image_id[16];
	uint32_t version, guest_svn;
	uint32_t id_key_algorithm, author_key_algorithm;
};

struct snpm_igvm;

/* Largest variable header section read (1.5 M page directives). */
#define SNPM_IGVM_MAX_HEADERS_SIZE (64u << 20)

/*
 * Reads and checks an IGVM file's headers from src, which must stay readable (and unchanged)
 * until snpm_igvm_free(). *ret is owned by the caller. Returns 0, SNPM_EMALFORMED (with the
 * header index and file offset in the message and reterr->offset), SNPM_EUNSUPPORTED (format
 * version 2 for another architecture, an unknown required header type), SNPM_ENOMEM or the
 * source's error.
 */
SNPM_EXPORT int snpm_igvm_parse(const struct snpm_source *src, struct snpm_igvm **ret,
				struct snpm_error *reterr);
SNPM_EXPORT void snpm_igvm_free(struct snpm_igvm *igvm);

/* The format version (1 or 2) and the number of headers, all sections. */
SNPM_EXPORT uint32_t snpm_igvm_version(const struct snpm_igvm *igvm);
SNPM_EXPORT size_t snpm_igvm_count(const struct snpm_igvm *igvm);
/* Header i (0 .. count-1) in file order, decoded into *ret. Returns 0, or SNPM_EINVAL past the
 * end. */
SNPM_EXPORT int snpm_igvm_header(const struct snpm_igvm *igvm, size_t i,
				 struct snpm_igvm_header *ret);
/*
 * The launch-measurement CoRIM a file carries for SEV-SNP (CORIM_DOCUMENT; microsoft/igvm's
 * profile tag:microsoft.com,2026:launch-measurement/v1): the launch digest it states (what the
 * igvm crate's measurement gives, SNPM_IGVM_CRATE) and the SVN it maps it to. snpm_measure()
 * refuses a file whose CoRIM states another digest than that measurement (SNPM_EVERIFY), under
 * every loader.
 */
struct snpm_igvm_corim {
	bool present; /* the file carries one for SEV-SNP */
	bool signed_; /* and a CORIM_SIGNATURE (COSE_Sign1) over it */
	uint64_t document_offset, document_size, signature_offset, signature_size;
	uint8_t digest[SNPM_LD_SIZE];
	uint64_t svn;
};

/* Reads it from src (the file the headers came from). present is false when there is none.
 * Returns 0, SNPM_EMALFORMED (not the profile's shape: nothing is guessed) or the source's. */
SNPM_EXPORT int snpm_igvm_corim(const struct snpm_igvm *igvm, const struct snpm_source *src,
				struct snpm_igvm_corim *ret, struct snpm_error *reterr);

/* Verifies the CORIM_SIGNATURE over the document with an EC public key in PEM (ES256 or
 * ES384; critical or unprotected headers refused). Returns 0 or SNPM_EVERIFY, ... */
SNPM_EXPORT int snpm_igvm_corim_verify(const struct snpm_igvm *igvm, const struct snpm_source *src,
				       const char *key_pem, size_t key_len,
				       struct snpm_error *reterr);

/* The ID block of header i, when it is one. Returns 0 or SNPM_EINVAL. */
SNPM_EXPORT int snpm_igvm_id_block(const struct snpm_igvm *igvm, size_t i,
				   struct snpm_igvm_id_block *ret);

/* The compatibility mask the file declares for a platform, or 0 when it declares none. */
SNPM_EXPORT uint32_t snpm_igvm_platform_mask(const struct snpm_igvm *igvm,
					     enum snpm_igvm_platform platform);
/* The IGVM platform a measurement mode runs on (SNP -> SEV_SNP, ...); -1 for SNP_SVSM. */
SNPM_EXPORT int snpm_igvm_platform_of_mode(enum snpm_mode mode);

/* "PAGE_DATA", "SUPPORTED_PLATFORM", ...; NULL when unknown (the optional bit is ignored). */
SNPM_EXPORT const char *snpm_igvm_type_name(uint32_t type);
/* "SEV_SNP", "SEV_ES", ...; NULL when unknown. */
SNPM_EXPORT const char *snpm_igvm_platform_name(uint8_t platform);

#ifdef __cplusplus
}
#endif

#endif /* SNPM_IGVM_H */
