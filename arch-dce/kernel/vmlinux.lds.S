/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linker script for the relocatable vmlinux from which lkl.o is made.
 * There is no load address and no entry point: the host program's link
 * places the sections.
 */
#include <asm/vmlinux.lds.h>
#include <asm/thread_info.h>
#include <asm/page.h>
#include <asm/cache.h>
#include <linux/export.h>

OUTPUT_FORMAT(CONFIG_OUTPUT_FORMAT)

jiffies = jiffies_64;

SECTIONS
{
	HEAD_TEXT_SECTION
	INIT_TEXT_SECTION(PAGE_SIZE)
	INIT_DATA_SECTION(16)
	PERCPU_SECTION(L1_CACHE_BYTES)
	/* Only relative to one section do these survive the host's link. */
	__init_begin = _sinittext;
	__init_end = _einittext;

	_stext = .;
	_text = .;
	text = .;
	.text :
	{
		TEXT_TEXT
		SCHED_TEXT
		LOCK_TEXT
		IRQENTRY_TEXT
		SOFTIRQENTRY_TEXT
		_etext = .;
	}

	_sdata = .;

	/*
	 * The generic RO_DATA() puts data that needs relocating (.data.rel.ro,
	 * the scheduling classes) or writing at boot (__ro_after_init) into
	 * .rodata.  Linked into a position-independent host, that makes the
	 * whole of .rodata writable, and ns-3-dce copies every writable byte of
	 * the library on each switch between nodes.  Keep those inputs out of
	 * .rodata: an input section goes to the first output section that
	 * names it, and the two macros that also define symbols are emptied
	 * before RO_DATA() expands them again.
	 */
	.data.rel.ro : {
		*(.data.rel.ro*)
		SCHED_DATA
	}
	.data..ro_after_init : {
		RO_AFTER_INIT_DATA
	}
#undef SCHED_DATA
#define SCHED_DATA
#undef RO_AFTER_INIT_DATA
#define RO_AFTER_INIT_DATA

	RO_DATA(PAGE_SIZE)
	/*
	 * The host's link merges our sections into its own and only keeps
	 * symbols relative to the section they are defined in: end the
	 * read-only data inside a .rodata section, not after it.
	 */
	.rodata.lkl_end : {
		__end_rodata = .;
	}
	RW_DATA(L1_CACHE_BYTES, PAGE_SIZE, THREAD_SIZE)
	_edata = .;

	EXCEPTION_TABLE(16)

	BSS_SECTION(0, 0, 0)
	_end = .;

	STABS_DEBUG
	DWARF_DEBUG
	ELF_DETAILS

	DISCARDS
}
