/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_PAGE_H
#define _ASM_LKL_PAGE_H

/*
 * No MMU: the kernel's "physical" memory is one block of host memory and
 * physical, virtual and host addresses are the same numbers.
 */

#include <linux/const.h>

#define PAGE_SHIFT	CONFIG_PAGE_SHIFT
#define PAGE_SIZE	(_AC(1, UL) << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))

/*
 * memblock's boot-time region arrays (__initdata, in the data ns-3-dce
 * copies on every switch between nodes): one memory block and a few
 * reservations need far fewer than the default 128 each; memblock grows
 * the arrays itself if ever needed.
 */
#define INIT_MEMBLOCK_MEMORY_REGIONS	8
#define INIT_MEMBLOCK_RESERVED_REGIONS	32

#ifndef __ASSEMBLY__

#include <linux/types.h>

extern unsigned long memory_start;
extern unsigned long memory_end;

#define clear_page(page)	memset((page), 0, PAGE_SIZE)
#define copy_page(to, from)	memcpy((to), (from), PAGE_SIZE)
#define clear_user_page(page, vaddr, pg)	clear_page(page)
#define copy_user_page(to, from, vaddr, pg)	copy_page(to, from)

typedef struct { unsigned long pte; } pte_t;
typedef struct { unsigned long pmd[16]; } pmd_t;
typedef struct { unsigned long pgd; } pgd_t;
typedef struct { unsigned long pgprot; } pgprot_t;
typedef struct page *pgtable_t;

#define pte_val(x)	((x).pte)
#define pmd_val(x)	((&x)->pmd[0])
#define pgd_val(x)	((x).pgd)
#define pgprot_val(x)	((x).pgprot)

#define __pte(x)	((pte_t) { (x) })
#define __pgd(x)	((pgd_t) { (x) })
#define __pgprot(x)	((pgprot_t) { (x) })

/*
 * Physical addresses are offsets into the memory block, from 4 MiB (one
 * block of the largest buddy order) up, wherever the host put the block.
 * With host addresses as physical ones, the block sat at a page frame
 * number in the billions (0x7f... / 4096), and memmap_init() walks the
 * hole below the first frame a pageblock at a time: 33 million steps, most
 * of a node's boot.  From 4 MiB up, the hole is one step, the first frame
 * is aligned for the buddy allocator, and the boot log prints the same
 * zone ranges on every run.  Address 0 stays unused: memblock takes a
 * physical 0 for a failed allocation.
 */
#define LKL_PHYS_BASE		(4UL << 20)
#define PAGE_OFFSET		(memory_start)
#define ARCH_PFN_OFFSET		(LKL_PHYS_BASE >> PAGE_SHIFT)

#define __pa(x)			((unsigned long)(x) - memory_start + LKL_PHYS_BASE)
#define __va(x)			((void *)((unsigned long)(x) - LKL_PHYS_BASE + \
					  memory_start))

#define virt_to_pfn(kaddr)	(__pa(kaddr) >> PAGE_SHIFT)
#define pfn_to_virt(pfn)	__va((unsigned long)(pfn) << PAGE_SHIFT)

#define virt_to_page(addr)	pfn_to_page(virt_to_pfn(addr))
#define page_to_virt(page)	pfn_to_virt(page_to_pfn(page))

#define virt_addr_valid(kaddr)	(((unsigned long)(kaddr) >= memory_start) && \
				 ((unsigned long)(kaddr) < memory_end))

void bootmem_init(unsigned long mem_size);
void free_mem(void);

#include <asm-generic/memory_model.h>
#include <asm-generic/getorder.h>

#define page_to_phys(page)	((phys_addr_t)page_to_pfn(page) << PAGE_SHIFT)

#endif /* __ASSEMBLY__ */

#endif /* _ASM_LKL_PAGE_H */
