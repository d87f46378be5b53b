// SPDX-License-Identifier: GPL-2.0
/*
 * procfs at /proc, mounted during the boot.
 *
 * The library has no user space to mount it, and hosts reach the kernel
 * only through system calls: with /proc mounted they read and set
 * sysctls by name under /proc/sys (the host-side helpers lkl_sysctl()
 * and lkl_sysctl_get() do exactly that, over lkl_syscall()) and read
 * /proc/net and the like.
 */

#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/init_syscalls.h>
#include <linux/printk.h>

static int __init lkl_mount_proc(void)
{
	int ret;

	ret = init_mkdir("/proc", 0555);
	if (!ret || ret == -EEXIST)
		ret = init_mount("proc", "/proc", "proc", 0, NULL);
	if (ret)
		pr_warn("lkl: cannot mount /proc: %d\n", ret);
	return 0;
}
late_initcall(lkl_mount_proc);
