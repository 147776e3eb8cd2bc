/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libkrunfw-sev's pieces, found in the shared library with libelf rather than by loading it:
 * libkrun dlopen()s the library and calls krunfw_get_qboot(), krunfw_get_kernel() and
 * krunfw_get_initrd(), which return arrays that libkrunfw's bin2cbundle.py generates, padded to
 * 64 KiB. A measurement tool must not run code from the file it measures, so the arrays are
 * located through the dynamic symbol table, and the kernel's load address, a constant in
 * krunfw_get_kernel's code, is decoded from the one instruction gcc emits for it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <snpm/image.h>

#include "../core/core.h"
#include "../core/io.h"

#define MAX_FUNCTION 256 /* bytes of a krunfw_get_* function read */

struct symbol {
	const char *name;
	bool found;
	uint64_t value, size, offset; /* offset: in the file */
};

/* The file offset of [vaddr, vaddr + size) through the section that holds it, with data. */
static int file_offset(Elf *elf, uint64_t vaddr, uint64_t size, uint64_t file_size, uint64_t *ret)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	uint64_t end;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
		    !(sh.sh_flags & SHF_ALLOC))
			continue;
		if (vaddr < sh.sh_addr || vaddr - sh.sh_addr >= sh.sh_size ||
		    size > sh.sh_size - (vaddr - sh.sh_addr))
			continue;
		*ret = sh.sh_offset + (vaddr - sh.sh_addr);
		return snpm_add_u64(*ret, size, &end) && end <= file_size ? 0 : -1;
	}
	return -1;
}

static void find_symbols(Elf *elf, struct symbol *syms, size_t n)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB) || !sh.sh_entsize ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;
			if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
			    !(name = elf_strptr(elf, sh.sh_link, sym.st_name)))
				continue;
			for (size_t k = 0; k < n; k++)
				if (!syms[k].found && strcmp(name, syms[k].name) == 0) {
					syms[k].found = true;
					syms[k].value = sym.st_value;
					syms[k].size = sym.st_size;
				}
		}
	}
}

/* ModRM bytes of "movq $imm32, (%reg)" (REX.W C7 /0, mod 00) for the registers used. */
#define VIA_RAX 0x00
#define VIA_RDX 0x02
#define VIA_RSI 0x06
#define VIA_RDI 0x07

/* The constants a function stores through pointers, in code order. */
struct stores {
	uint8_t modrm[8];
	uint64_t value[8];
	size_t n;
};

static void find_stores(const uint8_t *code, size_t n, struct stores *s)
{
	s->n = 0;
	for (size_t i = 0; i + 7 <= n && s->n < 8; i++) {
		uint8_t m = code[i + 2];
		if (code[i] != 0x48 || code[i + 1] != 0xc7 ||
		    (m != VIA_RAX && m != VIA_RDX && m != VIA_RSI && m != VIA_RDI))
			continue;
		s->modrm[s->n] = m;
		s->value[s->n++] = (uint64_t)(int64_t)(int32_t)snpm_le32(code + i + 3);
		i += 6;
	}
}

/* The first constant stored through a register, or false. */
static bool stored_via(const struct stores *s, uint8_t modrm, uint64_t *ret)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->modrm[i] == modrm) {
			*ret = s->value[i];
			return true;
		}
	return false;
}

/* mov $imm32, %eax (B8 imm32) right before ret (C3), with or without pop %rbp (5D). */
static int returned_constant(const uint8_t *code, size_t n)
{
	for (size_t i = 0; i + 6 <= n; i++)
		if (code[i] == 0xb8 && (code[i + 5] == 0xc3 ||
					(i + 7 <= n && code[i + 5] == 0x5d && code[i + 6] == 0xc3)))
			return (int)snpm_le32(code + i + 1);
	return -1;
}

static int read_code(int fd, Elf *elf, const struct symbol *s, uint64_t file_size, uint8_t *code,
		     size_t *n)
{
	uint64_t off;

	*n = s->size < MAX_FUNCTION ? (size_t)s->size : MAX_FUNCTION;
	if (!s->found || file_offset(elf, s->value, *n, file_size, &off) < 0)
		return -1;
	return snpm_io_pread_all(fd, code, *n, off);
}

/*
 * krunfw_get_kernel(size_t *load_addr, size_t *entry_addr, size_t *size) stores three constants.
 * Optimised, through %rdi, %rsi and %rdx; as libkrunfw's Makefile builds it (no -O), each through
 * %rax in source order: load address, entry, size. The load address is accepted only when the
 * size stored next to it is the kernel array's.
 */
static void decode_kernel_gpa(int fd, Elf *elf, const struct symbol *fn, uint64_t file_size,
			      struct snpm_krunfw *k)
{
	uint8_t code[MAX_FUNCTION];
	struct stores st;
	uint64_t gpa, size;
	size_t n;

	if (read_code(fd, elf, fn, file_size, code, &n) < 0)
		return;
	find_stores(code, n, &st);
	if (stored_via(&st, VIA_RDI, &gpa) && stored_via(&st, VIA_RDX, &size)) {
		/* the registers name the parameters */
	} else if (st.n == 3 && st.modrm[0] == VIA_RAX && st.modrm[1] == VIA_RAX &&
		   st.modrm[2] == VIA_RAX) {
		gpa = st.value[0];
		size = st.value[2];
	} else {
		return;
	}
	if (size == k->kernel_size) {
		k->has_kernel_gpa = true;
		k->kernel_gpa = gpa;
	}
}

static int piece(Elf *elf, const struct symbol *s, uint64_t file_size, uint64_t *ret_offset,
		 uint64_t *ret_size, struct snpm_error *reterr)
{
	if (!s->found)
		return snpm_fail(reterr, SNPM_EMALFORMED,
				 "no %s symbol: not a libkrunfw-sev library", s->name);
	if (s->size < 1 || file_offset(elf, s->value, s->size, file_size, ret_offset) < 0)
		return snpm_fail(reterr, SNPM_EMALFORMED, "%s lies outside the file's data",
				 s->name);
	*ret_size = s->size - 1; /* sizeof of a string-initialised array counts its NUL */
	return 0;
}

static int inspect(int fd, uint64_t file_size, struct snpm_krunfw *k, struct snpm_error *reterr)
{
	struct symbol syms[] = {
		{ .name = "QBOOT_BUNDLE" },	  { .name = "KERNEL_BUNDLE" },
		{ .name = "INITRD_BUNDLE" },	  { .name = "krunfw_get_kernel" },
		{ .name = "krunfw_get_version" },
	};
	uint8_t code[MAX_FUNCTION];
	GElf_Ehdr eh;
	size_t n;
	Elf *elf;
	int r = 0;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return snpm_fail(reterr, SNPM_EUNSUPPORTED, "libelf is unusable");
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
		r = snpm_fail(reterr, SNPM_EMALFORMED, "not a readable ELF file: %s",
			      elf_errmsg(-1));
	else if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64)
		r = snpm_fail(reterr, SNPM_EUNSUPPORTED,
			      "not an x86-64 library: SEV guests need libkrunfw-sev for x86-64");
	if (r == 0) {
		find_symbols(elf, syms, sizeof(syms) / sizeof(syms[0]));
		r = piece(elf, &syms[0], file_size, &k->qboot_offset, &k->qboot_size, reterr);
	}
	if (r == 0)
		r = piece(elf, &syms[1], file_size, &k->kernel_offset, &k->kernel_size, reterr);
	if (r == 0)
		r = piece(elf, &syms[2], file_size, &k->initrd_offset, &k->initrd_size, reterr);
	if (r == 0) {
		decode_kernel_gpa(fd, elf, &syms[3], file_size, k);
		k->abi_version = read_code(fd, elf, &syms[4], file_size, code, &n) == 0 ?
					 returned_constant(code, n) :
					 -1;
	}
	elf_end(elf);
	return r;
}

int snpm_krunfw_inspect(const char *path, struct snpm_krunfw *ret, struct snpm_error *reterr)
{
	struct snpm_krunfw k = { .abi_version = -1 };
	struct snpm_io_in in;
	int r = snpm_io_open(path, SNPM_IO_REGULAR, &in, reterr);

	if (r < 0)
		return r;
	r = inspect(in.fd, in.size, &k, reterr);
	in.bytes = in.size; /* read at offsets */
	if (snpm_io_close(&in, r == 0 ? reterr : NULL) < 0 && r == 0)
		r = SNPM_EIO;
	if (r == 0)
		*ret = k;
	return r;
}
