// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's memory: one block of host memory, allocated at boot.
 */

#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/swap.h>
#include <asm/host_ops.h>

unsigned long memory_start, memory_end;
static void *mem_block;
static unsigned long mem_block_size;
void *empty_zero_page;

void __init bootmem_init(unsigned long mem_sz)
{
	unsigned long zones_max_pfn[MAX_NR_ZONES] = { 0, };
	unsigned long start;

	mem_block_size = PAGE_ALIGN(mem_sz);
	if (lkl_ops->page_alloc)
		mem_block = lkl_ops->page_alloc(mem_block_size);
	else
		mem_block = lkl_ops->mem_alloc(mem_block_size + PAGE_SIZE);
	if (!mem_block)
		panic("lkl: cannot allocate %lu bytes of memory\n",
		      mem_block_size);

	start = PAGE_ALIGN((unsigned long)mem_block);
	memory_start = start;
	memory_end = start + mem_block_size;

	memblock_add(__pa((void *)memory_start), mem_block_size);

	min_low_pfn = virt_to_pfn((void *)memory_start);
	max_low_pfn = virt_to_pfn((void *)memory_end);
	max_pfn = max_low_pfn;
	max_mapnr = max_low_pfn - min_low_pfn;

	empty_zero_page = memblock_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!empty_zero_page)
		panic("lkl: cannot allocate the zero page\n");

	zones_max_pfn[ZONE_NORMAL] = max_low_pfn;
	free_area_init(zones_max_pfn);

	/* No address: the log must be the same from run to run. */
	pr_info("lkl: memory %lu KiB\n", mem_block_size >> 10);
}

void __init mem_init(void)
{
	memblock_free_all();
}

/* Init code and data live in the host's image, not in our memory. */
void free_initmem(void)
{
}

void free_mem(void)
{
	if (!mem_block)
		return;
	if (lkl_ops->page_alloc)
		lkl_ops->page_free(mem_block, mem_block_size);
	else
		lkl_ops->mem_free(mem_block);
	mem_block = NULL;
}
