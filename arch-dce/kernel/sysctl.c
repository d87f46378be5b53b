// SPDX-License-Identifier: GPL-2.0
/*
 * lkl_sysctl() and lkl_sysctl_get(): sysctl values by name, for the host.
 *
 * Both run on the calling host thread and enter the kernel only through
 * lkl_syscall(), like any system call: they open the entry under /proc/sys
 * (procfs is mounted at /proc during the boot, below) and write or read
 * its text, so the proc handler's own parsing, limits and permissions
 * apply.
 *
 * A name is either dotted, as sysctl(8) and ns-3-dce write it
 * ("net.ipv4.ip_forward", ".net.ipv4.conf.all.forwarding"), or a path
 * ("net/ipv4/ip_forward", "/proc/sys/net/ipv4/ip_forward").  In the dotted
 * form every dot separates two components, so an interface whose name has
 * a dot (a VLAN such as "eth0.1") can only be reached with the path form.
 */

#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/init_syscalls.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/unistd.h>
#include <asm/host_ops.h>

#define SYSCTL_ROOT	"/proc/sys/"
#define SYSCTL_PATH_MAX	256

static long lkl_call(long no, long a, long b, long c, long d)
{
	long params[6] = { a, b, c, d, 0, 0 };

	return lkl_syscall(no, params);
}

/*
 * The /proc/sys path of @name in @path: -EINVAL for an empty name or one
 * with a "." or ".." component (it could leave /proc/sys), -ENAMETOOLONG
 * if it does not fit.
 */
static int sysctl_path(char *path, const char *name)
{
	size_t root = strlen(SYSCTL_ROOT), len, i;
	bool dotted, start = true;

	if (!name)
		return -EINVAL;
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
		return -EINVAL;
	if (root + len >= SYSCTL_PATH_MAX)
		return -ENAMETOOLONG;

	memcpy(path, SYSCTL_ROOT, root);
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (dotted && c == '.')
			c = '/';
		if (start && c == '.' && (name[i + 1] == '.' || name[i + 1] == '/' ||
					  !name[i + 1]))
			return -EINVAL;
		if (c == '/' && (start || !name[i + 1]))
			return -EINVAL;
		start = c == '/';
		path[root + i] = c;
	}
	path[root + len] = '\0';
	return 0;
}

/**
 * lkl_sysctl - set a sysctl
 * @name: dotted name or path (see above)
 * @value: the text to write, e.g. "1" or "4096 87380 6291456"
 *
 * Returns 0, or a negative errno: -ENOENT for an unknown name, -EACCES for
 * a read-only entry, -EINVAL for a value the entry refuses (or a bad name),
 * -ENAMETOOLONG when "/proc/sys/" and the name take 256 bytes or more.
 */
int lkl_sysctl(const char *name, const char *value)
{
	char path[SYSCTL_PATH_MAX];
	long fd, ret;
	size_t len;

	if (!value)
		return -EINVAL;
	ret = sysctl_path(path, name);
	if (ret)
		return ret;
	len = strlen(value);

	fd = lkl_call(__NR_openat, AT_FDCWD, (long)path, O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	ret = lkl_call(__NR_write, fd, (long)value, len, 0);
	lkl_call(__NR_close, fd, 0, 0, 0);
	if (ret < 0)
		return ret;
	return (size_t)ret == len ? 0 : -EIO;
}

/**
 * lkl_sysctl_get - read a sysctl
 * @name: dotted name or path (see above)
 * @buf: where the value goes, NUL-terminated, without its trailing newline
 * @size: bytes available at @buf
 *
 * Returns the length of the value, or a negative errno: -ENOENT for an
 * unknown name, -EACCES for an entry that cannot be read, -EINVAL for a bad
 * name or buffer, -ERANGE when the value does not fit in @size - 1 bytes
 * (@buf then holds its beginning).
 */
int lkl_sysctl_get(const char *name, char *buf, int size)
{
	char path[SYSCTL_PATH_MAX];
	long fd, ret;

	if (!buf || size <= 0)
		return -EINVAL;
	buf[0] = '\0';
	ret = sysctl_path(path, name);
	if (ret)
		return ret;

	fd = lkl_call(__NR_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	ret = lkl_call(__NR_read, fd, (long)buf, size, 0);
	lkl_call(__NR_close, fd, 0, 0, 0);
	if (ret < 0)
		return ret;
	/* Every proc handler ends what it prints with a newline. */
	if (ret && buf[ret - 1] == '\n') {
		buf[--ret] = '\0';
		return ret;
	}
	if (ret == size) {
		buf[size - 1] = '\0';
		return -ERANGE;
	}
	buf[ret] = '\0';
	return ret;
}

/* /proc, for the functions above and the host's own use (/proc/net...). */
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
