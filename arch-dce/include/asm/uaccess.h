/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_UACCESS_H
#define _ASM_LKL_UACCESS_H

#include <asm/page.h>

/*
 * "User" memory is the host program's own memory, reached by plain
 * copies.  Only the first page is refused: a NULL (or nearly NULL) pointer
 * from the host then fails the call with -EFAULT instead of crashing the
 * host program.  An empty range is always fine.
 */
static inline int __access_ok(const void __user *ptr, unsigned long size)
{
	unsigned long addr = (unsigned long)ptr;

	if (!size)
		return 1;
	return addr >= PAGE_SIZE && size <= ULONG_MAX - addr;
}
#define __access_ok __access_ok

#include <asm-generic/uaccess.h>

#endif /* _ASM_LKL_UACCESS_H */
