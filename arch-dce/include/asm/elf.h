/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_ELF_H
#define _ASM_LKL_ELF_H

/* The library never loads ELF programs; these describe the build host. */

#define elf_check_arch(x)	0

#ifdef CONFIG_64BIT
#define ELF_CLASS		ELFCLASS64
#else
#define ELF_CLASS		ELFCLASS32
#endif

#define ELF_DATA		ELFDATA2LSB
#define ELF_ARCH		EM_NONE
#define ELF_EXEC_PAGESIZE	4096
#define ELF_HWCAP		(0)
#define ELF_PLATFORM		(NULL)
#define ELF_NGREG		0

typedef unsigned long elf_greg_t;
typedef elf_greg_t elf_gregset_t[ELF_NGREG];
typedef struct { } elf_fpregset_t;

#endif /* _ASM_LKL_ELF_H */
