// SPDX-License-Identifier: GPL-2.0
/*
 * The parts of the DCE host that must be C (linked into liblkl_dce.a by
 * build.rs): non-local jumps and a variadic call into DCE's vprintf.
 *
 * Built -fPIC -ffreestanding -fno-builtin -fno-stack-protector: the library
 * has no libc.  __builtin_setjmp/__builtin_longjmp need no runtime support;
 * the jumps are always up the same task's stack.
 */
#include <stdarg.h>

/* The contract header, by absolute path (see build.rs): no -I needed. */
#include LKL_HOST_OPS_H

_Static_assert(sizeof(struct lkl_jmp_buf) >= 5 * sizeof(void *),
	       "struct lkl_jmp_buf is too small for __builtin_setjmp");

/* ops->jmp_buf_set: the ops table points here directly (no Rust frame). */
__attribute__((noinline)) void lkl_dce_jmp_buf_set(struct lkl_jmp_buf *jmpb,
						   void (*f)(void))
{
	if (!__builtin_setjmp((void **)jmpb->buf))
		f();
}

/* ops->jmp_buf_longjmp: @val is not reported (jmp_buf_set returns void). */
__attribute__((noreturn)) void lkl_dce_jmp_buf_longjmp(struct lkl_jmp_buf *jmpb,
						       int val)
{
	(void)val;
	__builtin_longjmp((void **)jmpb->buf, 1);
}

/*
 * Guard: run fn(ctx) with a recovery point in *jb, so that after a fatal
 * error (a kernel panic) an event can end and a system call can return
 * with lkl_dce_bail() instead of hanging the simulator.  Returns 0 when
 * fn returned, 1 when it bailed out.  Only kernel C frames and Rust frames
 * without destructors (panic = "abort") lie between the two.
 */
__attribute__((noinline)) int lkl_dce_guard(void **jb, void (*fn)(void *),
					    void *ctx)
{
	if (__builtin_setjmp(jb))
		return 1;
	fn(ctx);
	return 0;
}

__attribute__((noreturn)) void lkl_dce_bail(void **jb)
{
	__builtin_longjmp(jb, 1);
}

/* Call DCE's vprintf(kernel, fmt, va_list) with our own arguments. */
typedef int (*dce_vprintf_t)(void *kernel, const char *fmt, va_list ap);

int lkl_dce_printf(dce_vprintf_t vprintf_fn, void *kernel, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vprintf_fn(kernel, fmt, ap);
	va_end(ap);
	return ret;
}
