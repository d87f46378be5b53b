/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _ASM_UAPI_LKL_UNISTD_H
#define _ASM_UAPI_LKL_UNISTD_H

/*
 * The library uses the asm-generic system call table, including the
 * variants that take a directory file descriptor only.
 */
#define __ARCH_WANT_NEW_STAT
#define __ARCH_WANT_SET_GET_RLIMIT
#define __ARCH_WANT_SYS_CLONE3

#include <asm-generic/unistd.h>

#endif /* _ASM_UAPI_LKL_UNISTD_H */
