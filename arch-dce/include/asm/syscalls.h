/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_SYSCALLS_H
#define _ASM_LKL_SYSCALLS_H

#include <linux/compiler_types.h>
#include <linux/linkage.h>
#include <asm/host_ops.h>

int lkl_syscalls_init(void);
void lkl_syscalls_cleanup(void);
void lkl_syscall_apply_abandons(void);

/* Calls for the host program (see uapi/asm/unistd.h). */
struct lkl_netdev;
struct lkl_poll;
asmlinkage long sys_lkl_netdev_create(const char __user *name,
				      unsigned int flags,
				      lkl_netdev_xmit_t xmit, void *cookie,
				      struct lkl_netdev __user * __user *handle);
asmlinkage long sys_lkl_netdev_ctl(struct lkl_netdev *handle, unsigned int op,
				   unsigned long arg);
asmlinkage long sys_lkl_poll_add(int fd, unsigned int events,
				 lkl_poll_notify_t notify, void *cookie,
				 struct lkl_poll __user * __user *handle);
asmlinkage long sys_lkl_poll_del(struct lkl_poll *handle);

#include <asm-generic/syscalls.h>

#endif /* _ASM_LKL_SYSCALLS_H */
