// SPDX-License-Identifier: GPL-2.0
/*
 * The few libc string functions that the compiler and rustc's core emit
 * calls to.  Linked only into liblkl.so (see the dce-lib target of the
 * top-level Makefile), never into Rust test binaries, where they would
 * interpose on the host libc.
 *
 * Built with -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns
 * so that GCC cannot recognise these loops and turn them back into calls to
 * themselves; the loops also go through volatile pointers for compilers
 * without that option.
 */
#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n)
{
	volatile unsigned char *d = dst;
	const volatile unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	volatile unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	volatile unsigned char *d = dst;
	const volatile unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if ((size_t)((const unsigned char *)d - (const unsigned char *)s) >= n) {
		/* no harmful overlap: copy forwards */
		while (n--)
			*d++ = *s++;
	} else {
		/* dst lies inside [src, src + n): copy backwards */
		d += n;
		s += n;
		while (n--)
			*--d = *--s;
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return 0;
}

int bcmp(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n);
}

size_t strlen(const char *s)
{
	const volatile char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

/*
 * rustc's precompiled core is built for unwinding, so its unwind tables
 * name a personality routine.  liblkl.so is built with panic = "abort":
 * nothing ever unwinds, and this is never called.
 */
void rust_eh_personality(void);
void rust_eh_personality(void)
{
	__builtin_trap();
}
