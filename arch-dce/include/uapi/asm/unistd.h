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

/*
 * Calls for the host program, not for applications: network devices whose
 * frames the host carries (arch/lkl/drivers/netdev.c) and poll waiters
 * that call the host back (arch/lkl/kernel/poll.c).  See asm/host_ops.h.
 */
#define __NR_lkl_netdev_create	(__NR_arch_specific_syscall + 0)
#define __NR_lkl_netdev_ctl	(__NR_arch_specific_syscall + 1)
#define __NR_lkl_poll_add	(__NR_arch_specific_syscall + 2)
#define __NR_lkl_poll_del	(__NR_arch_specific_syscall + 3)

#endif /* _ASM_UAPI_LKL_UNISTD_H */
