/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _ASM_UAPI_LKL_SIGCONTEXT_H
#define _ASM_UAPI_LKL_SIGCONTEXT_H

/* Signals are never delivered to host threads: the context is empty. */
struct sigcontext {
	unsigned long oldmask;
};

#endif /* _ASM_UAPI_LKL_SIGCONTEXT_H */
