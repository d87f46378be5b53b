/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_UACCESS_H
#define _ASM_LKL_UACCESS_H

#include <linux/string.h>
#include <linux/thread_info.h>
#include <linux/unaligned.h>
#include <asm/page.h>

/*
 * "User" memory is the host program's own memory, reached by plain
 * copies.  Two things are refused with -EFAULT instead of crashing the
 * host program:
 *
 * - the first page: a NULL (or nearly NULL) pointer from the host;
 * - any user memory at all once the host has abandoned the system call
 *   the task runs (lkl_syscall_abandon(), TIF_NOUACCESS): the host no
 *   longer waits for it, and the memory may be gone.
 *
 * An empty range is always fine.
 */
static inline bool lkl_uaccess_revoked(void)
{
	return test_thread_flag(TIF_NOUACCESS);
}

static inline int __access_ok(const void __user *ptr, unsigned long size)
{
	unsigned long addr = (unsigned long)ptr;

	if (!size)
		return 1;
	if (lkl_uaccess_revoked())
		return 0;
	return addr >= PAGE_SIZE && size <= ULONG_MAX - addr;
}

#define __access_ok __access_ok

/*
 * Every transfer goes through these two (the single-value __get_user()
 * and __put_user() of asm-generic included), so a revoked task cannot
 * reach user memory even through a pointer checked before the revocation.
 */
static inline __must_check unsigned long
raw_copy_from_user(void *to, const void __user *from, unsigned long n)
{
	if (unlikely(lkl_uaccess_revoked()))
		return n;
	memcpy(to, (const void __force *)from, n);
	return 0;
}

static inline __must_check unsigned long
raw_copy_to_user(void __user *to, const void *from, unsigned long n)
{
	if (unlikely(lkl_uaccess_revoked()))
		return n;
	memcpy((void __force *)to, from, n);
	return 0;
}

#define INLINE_COPY_FROM_USER
#define INLINE_COPY_TO_USER

static inline __must_check unsigned long
__clear_user(void __user *to, unsigned long n)
{
	if (unlikely(lkl_uaccess_revoked()))
		return n;
	memset((void __force *)to, 0, n);
	return 0;
}

#define __clear_user __clear_user

/* Kernel memory is always reachable (the same as asm-generic's). */
#define __get_kernel_nofault(dst, src, type, err_label)			\
do {									\
	*((type *)dst) = get_unaligned((type *)(src));			\
	if (0) /* make sure the label looks used to the compiler */	\
		goto err_label;						\
} while (0)

#define __put_kernel_nofault(dst, src, type, err_label)			\
do {									\
	put_unaligned(*((type *)src), (type *)(dst));			\
	if (0) /* make sure the label looks used to the compiler */	\
		goto err_label;						\
} while (0)

#include <asm-generic/uaccess.h>

#endif /* _ASM_LKL_UACCESS_H */
