/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reproducible packaging of the boot chain: dm-verity hash trees byte-identical to
 * cryptsetup's veritysetup, newc initramfs archives, rootfs images, kernel headers.
 */
#ifndef SNPM_IMAGE_H
#define SNPM_IMAGE_H

#include <snpm/common.h>
#include <snpm/measure.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- dm-verity (cryptsetup lib/verity; kernel Documentation/admin-guide/device-mapper) ---- */

#define SNPM_VERITY_SB_SIZE 512u
#define SNPM_VERITY_MAX_SALT 256u
#define SNPM_VERITY_MAX_DIGEST 64u
#define SNPM_VERITY_MAX_LEVELS 63u

struct snpm_verity_params {
	uint32_t size; /* sizeof(struct snpm_verity_params): SNPM_INIT() sets it */
	enum snpm_hash_alg hash; /* SHA256 (default in veritysetup), SHA1, SHA512 */
	uint32_t data_block_size; /* power of two, 512..1 MiB */
	uint32_t hash_block_size; /* power of two, 512..1 MiB */
	uint64_t data_blocks; /* 0: the data file's size / data_block_size */
	uint64_t hash_offset; /* byte offset of the hash area (superblock first) in the hash file */
	bool no_superblock;
	uint32_t format; /* hash type: 1 (normal: salt first) or 0 (Chrome OS: salt last) */
	uint8_t salt[SNPM_VERITY_MAX_SALT];
	size_t salt_len;
	uint8_t uuid[16]; /* superblock UUID */
	unsigned threads; /* threads that hash data blocks; 0 or 1: one */
};

struct snpm_verity_result {
	uint8_t root_hash[SNPM_VERITY_MAX_DIGEST];
	size_t root_hash_len;
	unsigned levels;
	uint64_t hash_blocks; /* tree blocks, without the superblock */
	uint64_t hash_end; /* byte offset in the hash file where the hash area ends */
};

/* The struct's init (SNPM_INIT and sensible defaults): sha256, 4096/4096, format 1, superblock,
 * no salt. */
SNPM_EXPORT void snpm_verity_defaults(struct snpm_verity_params *p);

/*
 * Salt (32 bytes) and UUID derived from a seed, for reproducible images without a fixed salt:
 * salt = HMAC-SHA256(key = seed, "snpimage verity salt"), UUID = the first 16 bytes of
 * HMAC-SHA256(key = seed, "snpimage verity uuid") with the RFC 4122 version 4 and variant bits
 * set (the way systemd-repart derives its IDs from --seed).
 */
SNPM_EXPORT int snpm_verity_derive(const char *seed, uint8_t ret_salt[32], uint8_t ret_uuid[16],
				   struct snpm_error *reterr);

/*
 * Builds the hash tree of data_path into hash_path (which may be the data file itself, with
 * hash_offset past the data). A separate hash file is written whole, through a temporary file
 * and a rename: a failure leaves nothing behind. Memory stays flat whatever the data size.
 */
SNPM_EXPORT int snpm_verity_format(const char *data_path, const char *hash_path,
				   const struct snpm_verity_params *params,
				   struct snpm_verity_result *ret, struct snpm_error *reterr);

/* Where verification found the first difference. */
struct snpm_verity_mismatch {
	bool found;
	bool data; /* a data block (index = its number) or a hash block */
	unsigned level; /* hash blocks: 0 hashes data blocks, higher levels hash hash blocks */
	uint64_t index; /* data block number, or hash block number within the hash area */
	bool root; /* the top level does not give the expected root hash */
};

/*
 * Verifies data and tree against root_hash. With a superblock, the parameters come from it (the
 * given params supply only hash_offset and, if no_superblock, everything). Returns 0 when all
 * holds, SNPM_EVERIFY with *ret_mismatch saying where it did not.
 */
SNPM_EXPORT int snpm_verity_verify(const char *data_path, const char *hash_path,
				   const struct snpm_verity_params *params,
				   const uint8_t *root_hash, size_t root_hash_len,
				   struct snpm_verity_mismatch *ret_mismatch,
				   struct snpm_error *reterr);

/* The hashes a verity tree is made with, as veritysetup names them: sha256, sha1, sha512. */
SNPM_EXPORT const struct snpm_name *snpm_verity_hash_names(void);

/* Reads a verity superblock at offset of path into params. */
SNPM_EXPORT int snpm_verity_read_superblock(const char *path, uint64_t offset,
					    struct snpm_verity_params *ret,
					    struct snpm_error *reterr);
/* The number of hash blocks of the tree for params (data_blocks set), without the superblock. */
SNPM_EXPORT int snpm_verity_tree_blocks(const struct snpm_verity_params *params, uint64_t *ret,
					struct snpm_error *reterr);

/* ---- initramfs ---- */

/* --compress: "gzip" (1) or "none" (0), the values of snpm_initramfs_options.gzip. */
SNPM_EXPORT const struct snpm_name *snpm_initramfs_compression_names(void);

struct snpm_initramfs_options {
	uint32_t size; /* sizeof(struct snpm_initramfs_options): SNPM_INIT() sets it */
	bool gzip; /* gzip through zlib (level 9, no name, mtime 0) */
	int64_t source_date_epoch; /* mtimes above it are clamped to it */
};

struct snpm_initramfs_result {
	uint64_t entries;
	uint64_t size; /* bytes written */
	uint8_t sha256[SNPM_SHA256_SIZE];
};

/*
 * A newc cpio archive of a folder (is_list false) or of a gen_init_cpio list file (is_list
 * true: "file NAME LOCATION MODE UID GID [LINKS...]", "dir", "nod NAME MODE UID GID c|b MAJ MIN",
 * "slink NAME TARGET MODE UID GID", "pipe", "sock"), written whole to out through a temporary
 * file. Folders are read without following symlinks; owners become 0, lists keep theirs.
 */
SNPM_EXPORT int snpm_initramfs_create(const char *source, bool is_list, const char *out,
				      const struct snpm_initramfs_options *opts,
				      struct snpm_initramfs_result *ret, struct snpm_error *reterr);

/* The zlib version compressing initramfs images (another deflate gives other bytes). */
SNPM_EXPORT const char *snpm_zlib_version(void);

/* ---- kernels ---- */

struct snpm_kernel_info {
	uint64_t file_size;
	bool bzimage; /* a bzImage with the x86 boot protocol header ("HdrS") */
	uint16_t boot_protocol; /* e.g. 0x020f */
	unsigned setup_sects;
	uint64_t setup_size; /* (setup_sects + 1) * 512 */
	char version[128]; /* the kernel version string, or "" */
	uint8_t loadflags;
	uint16_t xloadflags;
	bool efi_stub; /* a PE/COFF image: bootable by UEFI directly */
	bool efi_handover_64, efi_handover_32;
	uint32_t init_size;
	uint64_t pref_address;
	uint32_t cmdline_size;
	bool elf; /* a vmlinux ELF */
	unsigned elf_class; /* 32 or 64 */
	unsigned elf_machine; /* EM_X86_64 = 62 */
	uint64_t elf_entry;
	size_t elf_phdrs;
	bool pvh_entry; /* has the Xen PVH entry note QEMU boots ELF kernels with */
};

/*
 * The bzImage setup header (Linux Documentation/arch/x86/boot.rst) or, through libelf, a vmlinux
 * ELF. Anything else is refused. Reads only what it needs.
 */
SNPM_EXPORT int snpm_kernel_info(const char *path, struct snpm_kernel_info *ret,
				 struct snpm_error *reterr);

/* ---- libkrunfw ---- */

/*
 * Where libkrun's pieces lie in a libkrunfw-sev shared library, found without loading it (no
 * code from the file runs): the QBOOT_BUNDLE, KERNEL_BUNDLE and INITRD_BUNDLE arrays its
 * krunfw_get_qboot/_kernel/_initrd return (each array's size less its closing NUL, as
 * libkrunfw's bin2cbundle.py writes them), and the kernel load address krunfw_get_kernel
 * stores, read from its x86-64 code ("movq $imm32, (%rdi)") and cross-checked against the size
 * it stores. Offsets are into the file.
 */
struct snpm_krunfw {
	uint64_t qboot_offset, qboot_size;
	uint64_t kernel_offset, kernel_size;
	uint64_t initrd_offset, initrd_size;
	bool has_kernel_gpa; /* false when the code did not yield it: pass it yourself */
	uint64_t kernel_gpa;
	int abi_version; /* krunfw_get_version()'s value when read the same way, else -1 */
};

/* Returns 0, SNPM_EMALFORMED (not an x86-64 ELF, a symbol missing or outside the file) or
 * SNPM_EIO. */
SNPM_EXPORT int snpm_krunfw_inspect(const char *path, struct snpm_krunfw *ret,
				    struct snpm_error *reterr);

/* ---- rootfs ---- */

enum snpm_rootfs_fs {
	SNPM_FS_SQUASHFS = 1, /* mksquashfs (squashfs-tools) */
	SNPM_FS_EROFS = 2, /* mkfs.erofs (erofs-utils) */
};

/* "squashfs", "erofs". */
SNPM_EXPORT const struct snpm_name *snpm_rootfs_fs_names(void);

struct snpm_rootfs_options {
	uint32_t size; /* sizeof(struct snpm_rootfs_options): SNPM_INIT() sets it */
	enum snpm_rootfs_fs fs;
	int64_t source_date_epoch; /* every timestamp in the image */
	bool verity; /* append a verity tree (with superblock) after the 4 KiB-aligned image */
	struct snpm_verity_params verity_params; /* hash_offset is set to the image size */
};

struct snpm_rootfs_result {
	uint64_t data_size; /* the filesystem, padded to 4096: what the verity tree covers */
	uint64_t size; /* the whole file */
	struct snpm_verity_result verity;
};

/*
 * A filesystem image of dir, made reproducible by the tools' own flags: owners root, every
 * timestamp the epoch, no xattrs, a fixed UUID, one thread. The tool must be installed; its
 * absence is an error naming the Debian package. Written whole or not at all.
 */
SNPM_EXPORT int snpm_rootfs_create(const char *dir, const char *out,
				   const struct snpm_rootfs_options *opts,
				   struct snpm_rootfs_result *ret, struct snpm_error *reterr);

/* ---- bundles: the boot chain with its predicted measurements ---- */

/* How a bundle names its files. */
enum snpm_bundle_layout {
	SNPM_BUNDLE_SNPIMAGE = 0, /* kernel, initramfs, rootfs.img, OVMF.fd, sha256sum.txt */
	/* dstack's image folder: bzImage, initramfs.cpio.gz, rootfs.img.verity, ovmf-sev.fd,
	 * metadata.json, measurement.snp.cbor, sha256sum.txt (dstack's) and digest.txt
	 * (os_image_hash); the cmdline must carry dstack.rootfs_hash={roothash}. */
	SNPM_BUNDLE_DSTACK = 1,
};

/* "snpimage", "dstack". */
SNPM_EXPORT const struct snpm_name *snpm_bundle_layout_names(void);

struct snpm_bundle_spec {
	uint32_t size; /* sizeof(struct snpm_bundle_spec): SNPM_INIT() sets it */
	const char *kernel; /* a bzImage */
	const char *initramfs; /* a file, or a folder to pack */
	const char *rootfs; /* a filesystem image, or a folder to build one from */
	const char *ovmf; /* the firmware */
	const char *cmdline_template; /* {roothash} and {datasize} are filled in */
	enum snpm_rootfs_fs fs; /* for a rootfs folder */
	const char *seed; /* verity salt and UUID derivation */
	int64_t source_date_epoch;
	const struct snpm_sweep_space *space; /* the configurations to predict */
	const char *const *vcpu_type_names; /* per signature, or NULL entries */
	const char *tool; /* e.g. "snpimage 0.1.0", recorded in the manifest */
	enum snpm_bundle_layout layout;
	/* A cmdline without {roothash} leaves the rootfs outside the predicted measurement: refused
	 * unless this says it is meant (and the manifest then says "rootfs_measured": false). */
	bool rootfs_unmeasured;
};

/*
 * Builds out_dir (which must not exist) with kernel, initramfs, rootfs.img (verity appended),
 * OVMF.fd, manifest.json (artifact digests and sizes, verity parameters and root hash, the
 * final cmdline, SOURCE_DATE_EPOCH, tool, library and zlib versions, and the predicted SNP launch
 * measurement of every configuration) and sha256sum.txt. Built in a temporary folder and renamed:
 * a failure leaves nothing.
 */
SNPM_EXPORT int snpm_bundle_create(const struct snpm_bundle_spec *spec, const char *out_dir,
				   struct snpm_error *reterr);

/* Called per difference snpm_bundle_verify() finds; what: the artifact or field. */
typedef void (*snpm_bundle_problem_fn)(void *arg, const char *what, const char *detail);

/*
 * Recomputes everything a bundle's manifest claims (digests, sizes, sha256sum.txt, the verity
 * tree, the cmdline, every predicted measurement) and reports each difference. Returns 0 when
 * all hold, SNPM_EVERIFY when something did not.
 */
SNPM_EXPORT int snpm_bundle_verify(const char *dir, snpm_bundle_problem_fn fn, void *arg,
				   struct snpm_error *reterr);

/* One predicted measurement of a bundle and its row of measurements.jsonl (the configuration
 * as a JSON object, valid during the call). Return non-zero to stop. */
typedef int (*snpm_bundle_measurement_fn)(void *arg, const uint8_t measurement[SNPM_LD_SIZE],
					  const char *row);

/*
 * Every measurement a bundle predicts, streamed in order (memory flat in their number), for
 * whoever pins them: path is the bundle's folder or its manifest.json. The manifest's format,
 * each row's form (a JSON object with a 48-byte "measurement") and the row count the manifest
 * states are checked; nothing is recomputed (snpm_bundle_verify() does that). Returns 0,
 * SNPM_EIO, SNPM_EMALFORMED or SNPM_EINVAL.
 */
SNPM_EXPORT int snpm_bundle_measurements(const char *path, snpm_bundle_measurement_fn fn, void *arg,
					 struct snpm_error *reterr);

/*
 * A bundle's launch as its manifest records it: the paths of its firmware, kernel and initrd
 * (inside the bundle, by its layout), the final command line, and the space its predictions
 * cover. Allocated by the library (members are only ever appended), read-only to the caller.
 */
struct snpm_bundle_launch {
	enum snpm_bundle_layout layout;
	char *firmware, *kernel, *initrd;
	char *cmdline;
	uint32_t *vcpus; /* ascending */
	size_t n_vcpus;
	uint32_t *vcpu_sigs;
	char **vcpu_types; /* per signature: the model's name, or NULL */
	size_t n_vcpu_sigs;
	uint64_t *guest_features;
	size_t n_guest_features;
	enum snpm_vmm *vmms;
	size_t n_vmms;
};

/*
 * Reads the launch of the bundle at path (its folder or its manifest.json): the manifest's
 * format is checked and every member read strictly (a space with no value in a dimension, a
 * vCPU count out of order, an unknown VMM are refused). *ret: snpm_bundle_launch_free() it.
 * Returns 0, SNPM_EIO, SNPM_EMALFORMED, SNPM_EINVAL or SNPM_ENOMEM.
 */
SNPM_EXPORT int snpm_bundle_launch_read(const char *path, struct snpm_bundle_launch **ret,
					struct snpm_error *reterr);
SNPM_EXPORT void snpm_bundle_launch_free(struct snpm_bundle_launch *launch);

/* The first line the filesystem tool prints about its version (its bytes depend on it). */
SNPM_EXPORT int snpm_rootfs_tool_version(enum snpm_rootfs_fs fs, char *out, size_t size,
					 struct snpm_error *reterr);

#ifdef __cplusplus
}
#endif

#endif /* SNPM_IMAGE_H */
