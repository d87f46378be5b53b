// SPDX-License-Identifier: GPL-2.0
/*
 * The parts of the POSIX host that must be C: setjmp/longjmp.
 *
 * thread_exit has to leave a host thread from deep inside kernel C frames.
 * Rust must not be unwound through (nor longjmp'ed over) Rust frames, so the
 * thread entry point and the jump live here: the Rust trampoline calls
 * lkl_posix_run_thread(), which does "if (!setjmp(per-thread buf)) f(arg);",
 * and lkl_posix_thread_exit() longjmps back to it.  Only C frames (kernel
 * frames and this file's) are skipped.  The ops table points straight at
 * lkl_posix_thread_exit / lkl_posix_jmp_buf_*, so no Rust frame sits between
 * the kernel caller and the jump either.
 *
 * Built with -O2 -fno-omit-frame-pointer and without _FORTIFY_SOURCE
 * (__longjmp_chk would reject jumps between the contexts the kernel
 * library uses).
 */
#undef _FORTIFY_SOURCE

#include <setjmp.h>
#include <stdlib.h>
#include <unistd.h>

/* The contract header, by absolute path (see build.rs): no -I needed. */
#include LKL_HOST_OPS_H

_Static_assert(sizeof(jmp_buf) <= sizeof(struct lkl_jmp_buf),
	       "glibc jmp_buf does not fit in struct lkl_jmp_buf");
_Static_assert(_Alignof(jmp_buf) <= _Alignof(struct lkl_jmp_buf),
	       "struct lkl_jmp_buf is less aligned than jmp_buf");

/* Where thread_exit() returns to; TLS is fine in the POSIX host. */
static __thread jmp_buf thread_exit_jb;
static __thread int thread_exit_jb_valid;

void lkl_posix_run_thread(void (*f)(void *), void *arg)
{
	if (!setjmp(thread_exit_jb)) {
		thread_exit_jb_valid = 1;
		f(arg);
	}
	thread_exit_jb_valid = 0;
}

__attribute__((noreturn)) void lkl_posix_thread_exit(void)
{
	static const char msg[] =
		"lkl-posix-host: thread_exit() called on a thread that was not "
		"created by thread_create()\n";

	if (thread_exit_jb_valid)
		longjmp(thread_exit_jb, 1);
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing more we can do */
	}
	abort();
}

void lkl_posix_jmp_buf_set(struct lkl_jmp_buf *jmpb, void (*f)(void))
{
	if (!setjmp(*(jmp_buf *)jmpb->buf))
		f();
}

__attribute__((noreturn)) void lkl_posix_jmp_buf_longjmp(struct lkl_jmp_buf *jmpb, int val)
{
	longjmp(*(jmp_buf *)jmpb->buf, val);
}
