/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _LKL_H
#define _LKL_H

/*
 * The application interface of the kernel library (installed as
 * <lkl.h>, next to the generated <lkl/...> headers).
 *
 * It brings in the host interface (lkl_init(), lkl_start_kernel(),
 * lkl_syscall(), ...), one lkl_sys_<name>() per system call of the
 * asm-generic table the library has, the UAPI types and constants those
 * use, all renamed so that they live next to the C library's headers
 * (O_RDWR -> LKL_O_RDWR, struct stat -> struct lkl_stat, ...), and below
 * a few wrappers for the classic calls the asm-generic table only has in
 * their *at() or newer form.
 *
 * Every lkl_sys_*() returns the kernel's result: >= 0 on success, or a
 * negative LKL_E* error code.
 */

#ifdef __cplusplus
extern "C" {
#endif

#include <lkl/asm/host_ops.h>
#include <lkl/asm/syscall_defs.h>

#include <lkl/asm/stat.h>
#include <lkl/asm/statfs.h>
#include <lkl/linux/errno.h>
#include <lkl/linux/fcntl.h>
#include <lkl/linux/fs.h>
#include <lkl/linux/if.h>
#include <lkl/linux/in.h>
#include <lkl/linux/in6.h>
#include <lkl/linux/ioctl.h>
#include <lkl/linux/mman.h>
#include <lkl/linux/poll.h>
#include <lkl/linux/reboot.h>
#include <lkl/linux/resource.h>
#include <lkl/linux/socket.h>
#include <lkl/linux/sockios.h>
#include <lkl/linux/stat.h>
#include <lkl/linux/time.h>
#include <lkl/linux/time_types.h>
#include <lkl/linux/uio.h>
#include <lkl/linux/un.h>
#include <lkl/linux/utsname.h>

/* What getdents64() fills in (include/linux/dirent.h is not UAPI). */
struct lkl_linux_dirent64 {
	__lkl__u64	d_ino;
	__lkl__s64	d_off;
	unsigned short	d_reclen;
	unsigned char	d_type;
	char		d_name[];
};

/*
 * Sysctls by name, host side: in liblkl-util.a (tools/lkl/lib/sysctl.c),
 * which programs link next to lkl.o; lkl.o itself does not have them.
 * A name is dotted ("net.ipv4.ip_forward", also with ns-3-dce's leading
 * dot) or a /proc/sys path.  Errors are negative LKL_E* codes: -LKL_ENOENT
 * (no such entry), -LKL_EACCES (read-only), -LKL_EINVAL (a value the entry
 * refuses, a bad name, a NULL pointer, @size <= 0), -LKL_ENAMETOOLONG,
 * -LKL_EIO (the entry took part of the value), -LKL_ENODEV (the kernel is
 * not running).
 */

/* Writes the text @value to sysctl @name: 0 or a negative error code. */
int lkl_sysctl(const char *name, const char *value);

/*
 * Reads sysctl @name into @buf (@size bytes), NUL-terminated, without its
 * trailing newline: its length or a negative error code; -LKL_ERANGE when
 * it does not fit in @size - 1 bytes (@buf then holds its beginning).
 */
int lkl_sysctl_get(const char *name, char *buf, int size);

static inline long lkl_sys_open(const char *path, int flags,
				__lkl__kernel_mode_t mode)
{
	return lkl_sys_openat(LKL_AT_FDCWD, path, flags, mode);
}

static inline long lkl_sys_creat(const char *path, __lkl__kernel_mode_t mode)
{
	return lkl_sys_openat(LKL_AT_FDCWD, path,
			      LKL_O_CREAT | LKL_O_WRONLY | LKL_O_TRUNC, mode);
}

static inline long lkl_sys_mkdir(const char *path, __lkl__kernel_mode_t mode)
{
	return lkl_sys_mkdirat(LKL_AT_FDCWD, path, mode);
}

static inline long lkl_sys_mknod(const char *path, __lkl__kernel_mode_t mode,
				 unsigned int dev)
{
	return lkl_sys_mknodat(LKL_AT_FDCWD, path, mode, dev);
}

static inline long lkl_sys_rmdir(const char *path)
{
	return lkl_sys_unlinkat(LKL_AT_FDCWD, path, LKL_AT_REMOVEDIR);
}

static inline long lkl_sys_unlink(const char *path)
{
	return lkl_sys_unlinkat(LKL_AT_FDCWD, path, 0);
}

static inline long lkl_sys_rename(const char *oldpath, const char *newpath)
{
	return lkl_sys_renameat2(LKL_AT_FDCWD, oldpath, LKL_AT_FDCWD, newpath,
				 0);
}

static inline long lkl_sys_link(const char *oldpath, const char *newpath)
{
	return lkl_sys_linkat(LKL_AT_FDCWD, oldpath, LKL_AT_FDCWD, newpath, 0);
}

static inline long lkl_sys_symlink(const char *target, const char *path)
{
	return lkl_sys_symlinkat(target, LKL_AT_FDCWD, path);
}

static inline long lkl_sys_readlink(const char *path, char *buf, int size)
{
	return lkl_sys_readlinkat(LKL_AT_FDCWD, path, buf, size);
}

static inline long lkl_sys_access(const char *path, int mode)
{
	return lkl_sys_faccessat(LKL_AT_FDCWD, path, mode);
}

static inline long lkl_sys_chmod(const char *path, __lkl__kernel_mode_t mode)
{
	return lkl_sys_fchmodat(LKL_AT_FDCWD, path, mode);
}

static inline long lkl_sys_chown(const char *path, __lkl__kernel_uid32_t uid,
				 __lkl__kernel_gid32_t gid)
{
	return lkl_sys_fchownat(LKL_AT_FDCWD, path, uid, gid, 0);
}

static inline long lkl_sys_stat(const char *path, struct lkl_stat *st)
{
	return lkl_sys_newfstatat(LKL_AT_FDCWD, path, st, 0);
}

static inline long lkl_sys_lstat(const char *path, struct lkl_stat *st)
{
	return lkl_sys_newfstatat(LKL_AT_FDCWD, path, st,
				  LKL_AT_SYMLINK_NOFOLLOW);
}

static inline long lkl_sys_pipe(int fds[2])
{
	return lkl_sys_pipe2(fds, 0);
}

static inline long lkl_sys_dup2(unsigned int oldfd, unsigned int newfd)
{
	long ret;

	if (oldfd != newfd)
		return lkl_sys_dup3(oldfd, newfd, 0);
	/* dup3() refuses equal descriptors; dup2() checks oldfd only. */
	ret = lkl_sys_fcntl(oldfd, LKL_F_GETFD, 0);
	return ret < 0 ? ret : (long)newfd;
}

/* @timeout in milliseconds, negative to wait for ever. */
static inline long lkl_sys_poll(struct lkl_pollfd *fds, unsigned int nfds,
				int timeout)
{
	struct __lkl__kernel_timespec ts, *tsp = 0;

	if (timeout >= 0) {
		ts.tv_sec = timeout / 1000;
		ts.tv_nsec = (timeout % 1000) * 1000000L;
		tsp = &ts;
	}
	return lkl_sys_ppoll(fds, nfds, tsp, 0, sizeof(lkl_sigset_t));
}

#ifdef __cplusplus
}
#endif

#endif /* _LKL_H */
