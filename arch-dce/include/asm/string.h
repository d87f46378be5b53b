/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_STRING_H
#define _ASM_LKL_STRING_H

#include <asm/types.h>

/*
 * memcpy, memset and memmove go to the host's implementations (lib/string.c
 * here), which are much faster than the generic byte loops.
 */

#ifdef CONFIG_LKL_HOST_MEMCPY
#define __HAVE_ARCH_MEMCPY
void *memcpy(void *dest, const void *src, __kernel_size_t count);
#endif

#ifdef CONFIG_LKL_HOST_MEMSET
#define __HAVE_ARCH_MEMSET
void *memset(void *s, int c, __kernel_size_t count);
#endif

#ifdef CONFIG_LKL_HOST_MEMMOVE
#define __HAVE_ARCH_MEMMOVE
void *memmove(void *dest, const void *src, __kernel_size_t count);
#endif

#endif /* _ASM_LKL_STRING_H */
