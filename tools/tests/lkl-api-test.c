// SPDX-License-Identifier: GPL-2.0
/*
 * Test of the installed C interface: <lkl.h> next to the C library's own
 * headers, the generated lkl_sys_*() wrappers, the renamed UAPI names.
 *
 * Boots the kernel library, runs a few system calls and the sysctl helpers
 * of the host library (liblkl-util.a), halts it.  Prints one line per
 * check, then "N passed, M failed"; exits non-zero on failure.
 * LKL_HOST_VERBOSE=1 in the environment shows the kernel's console.
 */

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>

#include <lkl.h>

/*
 * The headers number only the system calls that are built, so #ifdef is a
 * feature test: socket() and epoll_create1() are there, execve() (left out
 * by the arch) is not, whatever the configuration.
 */
#if !defined(__lkl__NR_socket) || !defined(__lkl__NR_epoll_create1)
#error "socket() or epoll_create1() is built but not numbered"
#endif
#if defined(__lkl__NR_execve) || !defined(LKL_NR_execve_UNBUILT)
#error "execve() is not built but numbered"
#endif

/* From the host implementation linked in (posix-host-min.c, or another). */
extern struct lkl_host_operations lkl_host_ops;

static int passed, failed;

static void check(int ok, const char *what, long got)
{
	if (ok) {
		passed++;
		printf("PASS %s\n", what);
	} else {
		failed++;
		printf("FAIL %s (got %ld)\n", what, got);
	}
}

static void test_file(void)
{
	static const char path[] = "/lkl-api-test.txt";
	static const char data[] = "hello from the C API";
	char buf[sizeof(data)];
	struct lkl_stat st;
	long fd, ret;

	fd = lkl_sys_open(path, LKL_O_CREAT | LKL_O_RDWR, 0644);
	check(fd >= 0, "lkl_sys_open(O_CREAT | O_RDWR) >= 0", fd);
	if (fd < 0)
		return;

	ret = lkl_sys_write(fd, data, sizeof(data));
	check(ret == sizeof(data), "lkl_sys_write() writes everything", ret);

	ret = lkl_sys_lseek(fd, 0, LKL_SEEK_SET);
	check(ret == 0, "lkl_sys_lseek(0, SEEK_SET) == 0", ret);

	memset(buf, 0, sizeof(buf));
	ret = lkl_sys_read(fd, buf, sizeof(buf));
	check(ret == sizeof(data) && !memcmp(buf, data, sizeof(data)),
	      "lkl_sys_read() reads back what was written", ret);

	ret = lkl_sys_close(fd);
	check(ret == 0, "lkl_sys_close() == 0", ret);

	ret = lkl_sys_stat(path, &st);
	check(ret == 0 && st.st_size == sizeof(data) &&
	      LKL_S_ISREG(st.st_mode),
	      "lkl_sys_stat(): a regular file of the size written", ret);

	ret = lkl_sys_open("/no/such/file", LKL_O_RDONLY, 0);
	check(ret == -LKL_ENOENT, "lkl_sys_open() of a missing file: -ENOENT",
	      ret);
}

static void test_uname(void)
{
	struct lkl_new_utsname uts;
	long ret;

	memset(&uts, 0, sizeof(uts));
	ret = lkl_sys_uname(&uts);
	check(ret == 0 && !strcmp(uts.sysname, "Linux"),
	      "lkl_sys_uname(): sysname is \"Linux\"", ret);
}

static void test_bind(void)
{
	struct lkl_sockaddr_in sin, name;
	int len = sizeof(name);
	long fd, ret;

	fd = lkl_sys_socket(LKL_AF_INET, LKL_SOCK_DGRAM, 0);
	check(fd >= 0, "lkl_sys_socket(AF_INET, SOCK_DGRAM) >= 0", fd);
	if (fd < 0)
		return;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = LKL_AF_INET;
	sin.sin_port = __lkl__cpu_to_be16(4242);
	sin.sin_addr.s_addr = __lkl__cpu_to_be32(LKL_INADDR_ANY);
	ret = lkl_sys_bind(fd, (struct lkl_sockaddr *)&sin, sizeof(sin));
	check(ret == 0, "lkl_sys_bind() of a struct lkl_sockaddr_in == 0", ret);

	memset(&name, 0, sizeof(name));
	ret = lkl_sys_getsockname(fd, (struct lkl_sockaddr *)&name, &len);
	check(ret == 0 && name.sin_family == LKL_AF_INET &&
	      name.sin_port == sin.sin_port,
	      "lkl_sys_getsockname() gives the address bound", ret);

	ret = lkl_sys_close(fd);
	check(ret == 0, "lkl_sys_close() of the socket == 0", ret);
}

static void test_sysctl(void)
{
	char buf[64];
	int ret;

	ret = lkl_sysctl_get("kernel.ostype", buf, sizeof(buf));
	check(ret == 5 && !strcmp(buf, "Linux"),
	      "lkl_sysctl_get(\"kernel.ostype\") is \"Linux\"", ret);
	ret = lkl_sysctl("net.ipv4.ip_forward", "1");
	check(ret == 0, "lkl_sysctl(\"net.ipv4.ip_forward\", \"1\") == 0", ret);
	ret = lkl_sysctl_get("net/ipv4/conf/all/forwarding", buf, sizeof(buf));
	check(ret == 1 && buf[0] == '1',
	      "lkl_sysctl_get() of the slash form reads it back", ret);
	ret = lkl_sysctl_get("net.ipv4.nonexistent", buf, sizeof(buf));
	check(ret == -LKL_ENOENT, "lkl_sysctl_get() of an unknown name == -ENOENT",
	      ret);
	ret = lkl_sysctl("net.ipv4.nonexistent", "1");
	check(ret == -LKL_ENOENT, "lkl_sysctl() of an unknown name == -ENOENT",
	      ret);
	ret = lkl_sysctl("kernel.ostype", "BSD");
	check(ret == -LKL_EACCES, "lkl_sysctl() of a read-only entry == -EACCES",
	      ret);
	ret = lkl_sysctl("net.ipv4.ip_forward", "yes");
	check(ret == -LKL_EINVAL, "lkl_sysctl() of a bad value == -EINVAL", ret);
	ret = lkl_sysctl("net/../../etc", "1");
	check(ret == -LKL_EINVAL, "lkl_sysctl() of a \"..\" component == -EINVAL",
	      ret);
	ret = lkl_sysctl(NULL, "1") == -LKL_EINVAL &&
	      lkl_sysctl("net.ipv4.ip_forward", NULL) == -LKL_EINVAL &&
	      lkl_sysctl_get(NULL, buf, sizeof(buf)) == -LKL_EINVAL &&
	      lkl_sysctl_get("kernel.ostype", NULL, 8) == -LKL_EINVAL &&
	      lkl_sysctl_get("kernel.ostype", buf, 0) == -LKL_EINVAL;
	check(ret, "NULL pointers and a size of 0: -EINVAL", ret);
	ret = lkl_sysctl_get("kernel.ostype", buf, 4);
	check(ret == -LKL_ERANGE && !strcmp(buf, "Lin"),
	      "lkl_sysctl_get() into 4 bytes: -ERANGE and \"Lin\"", ret);
	ret = lkl_sysctl("net.ipv4.ip_forward", "0");
	check(ret == 0, "lkl_sysctl(\"net.ipv4.ip_forward\", \"0\") == 0", ret);
}

static void test_unbuilt(void)
{
	long params[6] = { 0 };
	long ret;

	ret = lkl_syscall(LKL_NR_execve_UNBUILT, params);
	check(ret == -LKL_ENOSYS, "LKL_NR_execve_UNBUILT returns -ENOSYS", ret);
	ret = lkl_syscall(__lkl__NR_epoll_create1, params);
	check(ret >= 0, "__lkl__NR_epoll_create1 gives a descriptor", ret);
	if (ret >= 0)
		lkl_sys_close(ret);
}

int main(void)
{
	long ret;

	/* The host's names and the library's coexist. */
	check(sizeof(struct sockaddr) == sizeof(struct lkl_sockaddr) &&
	      AF_INET == LKL_AF_INET && O_RDWR == LKL_O_RDWR,
	      "host and LKL definitions side by side agree", 0);

	ret = lkl_init(&lkl_host_ops);
	check(ret == 0, "lkl_init() == 0", ret);
	if (ret)
		goto out;

	ret = lkl_start_kernel("mem=32M");
	check(ret == 0, "lkl_start_kernel(\"mem=32M\") == 0", ret);
	if (ret)
		goto out;

	ret = lkl_sys_getpid();
	check(ret == 1, "lkl_sys_getpid() == 1", ret);

	test_file();
	test_uname();
	test_bind();
	test_sysctl();
	test_unbuilt();

	ret = lkl_sys_halt();
	check(ret == 0, "lkl_sys_halt() == 0", ret);
	lkl_cleanup();
out:
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
