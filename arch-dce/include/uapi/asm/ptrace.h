/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _ASM_UAPI_LKL_PTRACE_H
#define _ASM_UAPI_LKL_PTRACE_H

/* There is no user mode and so no register set to trace. */

#endif /* _ASM_UAPI_LKL_PTRACE_H */
