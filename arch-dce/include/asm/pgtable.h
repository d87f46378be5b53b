/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_PGTABLE_H
#define _ASM_LKL_PGTABLE_H

#include <asm-generic/pgtable-nopud.h>
#include <asm/page.h>

/* No MMU: page tables never exist, these only satisfy common headers. */

#define pgd_present(pgd)	(1)
#define pgd_none(pgd)		(0)
#define pgd_bad(pgd)		(0)
#define pgd_clear(pgdp)

#define PAGE_NONE		__pgprot(0)
#define PAGE_SHARED		__pgprot(0)
#define PAGE_COPY		__pgprot(0)
#define PAGE_READONLY		__pgprot(0)
#define PAGE_KERNEL		__pgprot(0)
#define PAGE_KERNEL_EXEC	__pgprot(0)

#define swapper_pg_dir		((pgd_t *)0)
#define pgprot_noncached(prot)	(prot)
#define pgprot_writecombine(prot) (prot)
#define FIRST_USER_ADDRESS	0UL

#define PGDIR_SHIFT		21
#define PGDIR_SIZE		(1UL << PGDIR_SHIFT)
#define PGDIR_MASK		(~(PGDIR_SIZE - 1))

extern unsigned int kobjsize(const void *objp);

#define __swp_type(x)		(0)
#define __swp_offset(x)		(0)
#define __swp_entry(typ, off)	((swp_entry_t) { ((typ) | ((off) << 7)) })
#define __pte_to_swp_entry(pte)	((swp_entry_t) { pte_val(pte) })
#define __swp_entry_to_pte(x)	((pte_t) { (x).val })

static inline int pte_file(pte_t pte)
{
	return 0;
}

/* The zero page is allocated at boot from the kernel's memory. */
extern void *empty_zero_page;
#define ZERO_PAGE(vaddr)	(virt_to_page(empty_zero_page))

#define VMALLOC_START		0UL
#define VMALLOC_END		0xffffffffUL
#define KMAP_START		0UL
#define KMAP_END		0xffffffffUL

#endif /* _ASM_LKL_PGTABLE_H */
