/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel images: the x86 boot protocol's setup header of a bzImage (Linux
 * Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header"), or a vmlinux ELF via libelf.
 * QEMU builds the SEV hashes table only for bzImages; ELF (PVH) kernels get none.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <snpm/image.h>

#include "../core/core.h"
#include "../core/io.h"

enum {
	BZ_SETUP_SECTS = 0x1f1, /* u8: 0 means 4 */
	BZ_BOOT_FLAG = 0x1fe, /* u16: 0xaa55 */
	BZ_HEADER = 0x202, /* "HdrS" */
	BZ_VERSION = 0x206, /* u16: boot protocol */
	BZ_KERNEL_VERSION = 0x20e, /* u16: version string offset - 0x200 */
	BZ_LOADFLAGS = 0x211, /* u8 */
	BZ_CMDLINE_SIZE = 0x238, /* u32, protocol 2.06+ */
	BZ_XLOADFLAGS = 0x236, /* u16, protocol 2.12+ */
	BZ_PREF_ADDRESS = 0x258, /* u64, protocol 2.10+ */
	BZ_INIT_SIZE = 0x260, /* u32, protocol 2.10+ */
	BZ_HEADER_END = 0x270,
	PE_OFFSET = 0x3c, /* u32: where "PE\0\0" is, in an EFI stub kernel */
};

#define HEAD_READ (64u * 1024u) /* more than any setup area */
#define XLF_EFI_HANDOVER_32 (1u << 2)
#define XLF_EFI_HANDOVER_64 (1u << 3)
#define XEN_ELFNOTE_PHYS32_ENTRY 18

static void read_version(const uint8_t *h, size_t n, struct snpm_kernel_info *k)
{
	uint32_t off = snpm_le16(h + BZ_KERNEL_VERSION);

	if (!off || off + 0x200u >= n)
		return;
	const char *s = (const char *)h + off + 0x200;
	size_t len = strnlen(s, n - off - 0x200);
	if (len >= sizeof(k->version))
		len = sizeof(k->version) - 1;
	for (size_t i = 0; i < len && s[i] >= 0x20 && s[i] < 0x7f; i++)
		k->version[i] = s[i];
}

static int parse_bzimage(const uint8_t *h, size_t n, struct snpm_kernel_info *k,
			 struct snpm_error *reterr)
{
	k->bzimage = true;
	k->setup_sects = h[BZ_SETUP_SECTS] ? h[BZ_SETUP_SECTS] : 4;
	k->setup_size = ((uint64_t)k->setup_sects + 1) * 512;
	k->boot_protocol = snpm_le16(h + BZ_VERSION);
	k->loadflags = h[BZ_LOADFLAGS];
	if (k->setup_size > k->file_size)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "setup area of %llu bytes is larger than the file",
				 (unsigned long long)k->setup_size);
	if (k->boot_protocol >= 0x0206)
		k->cmdline_size = snpm_le32(h + BZ_CMDLINE_SIZE);
	if (k->boot_protocol >= 0x020a) {
		k->pref_address = snpm_le64(h + BZ_PREF_ADDRESS);
		k->init_size = snpm_le32(h + BZ_INIT_SIZE);
	}
	if (k->boot_protocol >= 0x020c) {
		k->xloadflags = snpm_le16(h + BZ_XLOADFLAGS);
		k->efi_handover_32 = k->xloadflags & XLF_EFI_HANDOVER_32;
		k->efi_handover_64 = k->xloadflags & XLF_EFI_HANDOVER_64;
	}
	/* An EFI stub kernel is also a PE image: "MZ", then "PE\0\0" where 0x3c points. */
	uint32_t pe = snpm_le32(h + PE_OFFSET);
	k->efi_stub = h[0] == 'M' && h[1] == 'Z' && pe + 4 <= n && memcmp(h + pe, "PE\0\0", 4) == 0;
	read_version(h, n, k);
	return 0;
}

static bool has_pvh_note(Elf *elf, size_t phnum)
{
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		Elf_Data *d;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;
		while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0)
			if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4 &&
			    memcmp((const char *)d->d_buf + name_off, "Xen", 4) == 0)
				return true;
	}
	return false;
}

static int parse_elf(int fd, struct snpm_kernel_info *k, struct snpm_error *reterr)
{
	Elf *elf;
	GElf_Ehdr eh;
	size_t phnum = 0;
	int r = 0;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "libelf is unusable");
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    elf_getphdrnum(elf, &phnum) != 0)
		r = snpm_fail(reterr, SNPM_EMALFORMED, "not a readable ELF file: %s",
			      elf_errmsg(-1));
	if (r == 0) {
		k->elf = true;
		k->elf_class = eh.e_ident[EI_CLASS] == ELFCLASS64 ? 64 : 32;
		k->elf_machine = eh.e_machine;
		k->elf_entry = eh.e_entry;
		k->elf_phdrs = phnum;
		k->pvh_entry = has_pvh_note(elf, phnum);
	}
	elf_end(elf);
	return r;
}

int snpm_kernel_info(const char *path, struct snpm_kernel_info *ret, struct snpm_error *reterr)
{
	struct snpm_kernel_info k;
	uint8_t h[HEAD_READ];
	struct stat st;
	ssize_t n;
	int fd, r;

	memset(&k, 0, sizeof(k));
	fd = snpm_io_open_fd(path, SNPM_IO_REGULAR, reterr);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return snpm_fail(reterr, SNPM_EIO, "cannot stat: %s", strerror(errno));
	}
	k.file_size = (uint64_t)st.st_size;
	memset(h, 0, sizeof(h));
	n = pread(fd, h, sizeof(h), 0);
	if (n < 0)
		r = snpm_fail(reterr, SNPM_EIO, "cannot read: %s", strerror(errno));
	else if (n >= 4 && memcmp(h, ELFMAG, SELFMAG) == 0)
		r = parse_elf(fd, &k, reterr);
	else if ((size_t)n >= BZ_HEADER_END && snpm_le16(h + BZ_BOOT_FLAG) == 0xaa55 &&
		 memcmp(h + BZ_HEADER, "HdrS", 4) == 0)
		r = parse_bzimage(h, (size_t)n, &k, reterr);
	else
		r = snpm_fail(reterr, SNPM_EUNSUPPORTED,
			      "neither a bzImage (no HdrS boot header) nor an ELF kernel");
	close(fd);
	if (r == 0)
		*ret = k;
	return r;
}
