// SPDX-License-Identifier: GPL-2.0
/*
 * memcpy, memset and memmove over the host's implementations.  The compiler
 * also emits calls to these for structure copies and initialisation.
 */

#include <linux/string.h>
#include <asm/host_ops.h>

#ifdef CONFIG_LKL_HOST_MEMCPY
void *memcpy(void *dest, const void *src, size_t count)
{
	return lkl_ops->memcpy(dest, src, count);
}
#endif

#ifdef CONFIG_LKL_HOST_MEMSET
void *memset(void *s, int c, size_t count)
{
	return lkl_ops->memset(s, c, count);
}
#endif

#ifdef CONFIG_LKL_HOST_MEMMOVE
void *memmove(void *dest, const void *src, size_t count)
{
	return lkl_ops->memmove(dest, src, count);
}
#endif
