// SPDX-License-Identifier: GPL-2.0
/*
 * lkl_sysctl() and lkl_sysctl_get(): sysctl values by name, for host
 * programs that link lkl.o.
 *
 * Host side, in liblkl-util.a next to lkl.o, not in it: upstream LKL's host
 * library defines an lkl_sysctl() of its own, and a program linking it with
 * an lkl.o that exported one got a duplicate symbol.  Both enter the kernel
 * only through the system call API (lkl_syscall(), on the calling thread):
 * they open the entry under /proc/sys (the kernel mounts procfs at /proc
 * during the boot) and write or read its text, so the proc handler's own
 * parsing, limits and permissions apply.  lkl_sys::sysctl is the same in
 * Rust, with the same results and errors.
 *
 * A name is either dotted, as sysctl(8) and ns-3-dce write it
 * ("net.ipv4.ip_forward", ".net.ipv4.conf.all.forwarding"), or a path
 * ("net/ipv4/ip_forward", "/proc/sys/net/ipv4/ip_forward").  In the dotted
 * form every dot separates two components, so an interface whose name has
 * a dot (a VLAN such as "eth0.1") can only be reached with the path form.
 */

#include <string.h>

#include <lkl.h>

#define SYSCTL_ROOT	"/proc/sys/"
#define SYSCTL_PATH_MAX	256

/*
 * The /proc/sys path of @name in @path: -EINVAL for an empty name or one
 * with a "." or ".." or empty component (it could leave /proc/sys),
 * -ENAMETOOLONG if it does not fit.
 */
static int sysctl_path(char *path, const char *name)
{
	size_t root = strlen(SYSCTL_ROOT), len, i;
	int dotted, start = 1;

	if (!name)
		return -LKL_EINVAL;
	if (!strncmp(name, SYSCTL_ROOT, root))
		name += root;
	dotted = !strchr(name, '/');
	/* ns-3-dce's leading dot; a path's leading slashes. */
	if (dotted && *name == '.')
		name++;
	while (*name == '/')
		name++;
	len = strlen(name);
	if (!len)
		return -LKL_EINVAL;
	if (root + len >= SYSCTL_PATH_MAX)
		return -LKL_ENAMETOOLONG;

	memcpy(path, SYSCTL_ROOT, root);
	for (i = 0; i < len; i++) {
		char c = name[i], next = name[i + 1];

		if (dotted && c == '.')
			c = '/';
		if (start && c == '.' && (next == '.' || next == '/' || !next))
			return -LKL_EINVAL;
		if (c == '/' && (start || !next))
			return -LKL_EINVAL;
		start = c == '/';
		path[root + i] = c;
	}
	path[root + len] = '\0';
	return 0;
}

int lkl_sysctl(const char *name, const char *value)
{
	char path[SYSCTL_PATH_MAX];
	long fd, ret;
	size_t len;

	if (!value)
		return -LKL_EINVAL;
	ret = sysctl_path(path, name);
	if (ret)
		return ret;
	len = strlen(value);

	fd = lkl_sys_openat(LKL_AT_FDCWD, path, LKL_O_WRONLY | LKL_O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	ret = lkl_sys_write(fd, value, len);
	lkl_sys_close(fd);
	if (ret < 0)
		return ret;
	return (size_t)ret == len ? 0 : -LKL_EIO;
}

int lkl_sysctl_get(const char *name, char *buf, int size)
{
	char path[SYSCTL_PATH_MAX];
	long fd, ret;

	if (!buf || size <= 0)
		return -LKL_EINVAL;
	buf[0] = '\0';
	ret = sysctl_path(path, name);
	if (ret)
		return ret;

	fd = lkl_sys_openat(LKL_AT_FDCWD, path, LKL_O_RDONLY | LKL_O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	ret = lkl_sys_read(fd, buf, size);
	lkl_sys_close(fd);
	if (ret < 0)
		return ret;
	/* Every proc handler ends what it prints with a newline. */
	if (ret && buf[ret - 1] == '\n') {
		buf[--ret] = '\0';
		return ret;
	}
	if (ret == size) {
		buf[size - 1] = '\0';
		return -LKL_ERANGE;
	}
	buf[ret] = '\0';
	return ret;
}
