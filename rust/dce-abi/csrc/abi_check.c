/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pins the C headers of the ns-3-dce ABI (include/sim.h, sim-types.h,
 * sim-init.h) to the numbers published in Documentation/dce/abi.rst
 * ("Value types", "The exported table", "The imported table"): struct
 * sizes, the offset (and C type) of every member of both tables, the enum
 * values.  Compiled by dce-abi's build.rs; it only contains _Static_asserts,
 * so a mismatch fails the build and nothing is ever linked.
 *
 * The Rust side (dce-abi/src/published.rs) checks our mirror against the
 * same numbers.
 */
#include <stddef.h>
#include "sim.h"

#define SIZE(T, n) \
	_Static_assert(sizeof(T) == (n), "sizeof(" #T ") must be " #n " (Documentation/dce/abi.rst)")

/* Member m of struct T is at offset off and has C type ty. */
#define MEMBER(T, m, off, ty)                                                  \
	_Static_assert(offsetof(struct T, m) == (off) &&                       \
		       __builtin_types_compatible_p(                           \
			       __typeof__(((struct T *)0)->m), ty),             \
		       "struct " #T "." #m " must be at offset " #off          \
		       " and have type " #ty " (Documentation/dce/abi.rst)")

/* abi.rst "The entry point: sim_init", "Versions and layout rules" */
_Static_assert(LIBOS_API_VERSION == 2, "LIBOS_API_VERSION must be 2");
_Static_assert(sizeof(void *) == 8 && sizeof(long) == 8,
	       "the published layout is LP64");

/* abi.rst "Value types" */
SIZE(enum SimDevFlags, sizeof(int));
_Static_assert(SIM_DEV_NOARP == 1 << 0, "SIM_DEV_NOARP");
_Static_assert(SIM_DEV_POINTTOPOINT == 1 << 1, "SIM_DEV_POINTTOPOINT");
_Static_assert(SIM_DEV_MULTICAST == 1 << 2, "SIM_DEV_MULTICAST");
_Static_assert(SIM_DEV_BROADCAST == 1 << 3, "SIM_DEV_BROADCAST");
SIZE(enum SimSysFileFlags, sizeof(int));
_Static_assert(SIM_SYS_FILE_READ == 1 << 0, "SIM_SYS_FILE_READ");
_Static_assert(SIM_SYS_FILE_WRITE == 1 << 1, "SIM_SYS_FILE_WRITE");

SIZE(struct SimDevicePacket, 16);
MEMBER(SimDevicePacket, buffer, 0, void *);
MEMBER(SimDevicePacket, token, 8, void *);

SIZE(struct SimSysIterator, 24);
MEMBER(SimSysIterator, report_start_dir, 0,
       void (*)(const struct SimSysIterator *, const char *));
MEMBER(SimSysIterator, report_end_dir, 8,
       void (*)(const struct SimSysIterator *));
MEMBER(SimSysIterator, report_file, 16,
       void (*)(const struct SimSysIterator *, const char *, int,
		struct SimSysFile *));

/* abi.rst "The exported table": 29 pointers, 232 bytes */
SIZE(struct SimExported, 232);
MEMBER(SimExported, task_create, 0,
       struct SimTask *(*)(void *, unsigned long));
MEMBER(SimExported, task_destroy, 8, void (*)(struct SimTask *));
MEMBER(SimExported, task_get_private, 16, void *(*)(struct SimTask *));
MEMBER(SimExported, sock_socket, 24,
       int (*)(int, int, int, struct SimSocket **));
MEMBER(SimExported, sock_close, 32, int (*)(struct SimSocket *));
MEMBER(SimExported, sock_recvmsg, 40,
       ssize_t (*)(struct SimSocket *, struct msghdr *, int));
MEMBER(SimExported, sock_sendmsg, 48,
       ssize_t (*)(struct SimSocket *, const struct msghdr *, int));
MEMBER(SimExported, sock_getsockname, 56,
       int (*)(struct SimSocket *, struct sockaddr *, int *));
MEMBER(SimExported, sock_getpeername, 64,
       int (*)(struct SimSocket *, struct sockaddr *, int *));
MEMBER(SimExported, sock_bind, 72,
       int (*)(struct SimSocket *, const struct sockaddr *, int));
MEMBER(SimExported, sock_connect, 80,
       int (*)(struct SimSocket *, const struct sockaddr *, int, int));
MEMBER(SimExported, sock_listen, 88, int (*)(struct SimSocket *, int));
MEMBER(SimExported, sock_shutdown, 96, int (*)(struct SimSocket *, int));
MEMBER(SimExported, sock_accept, 104,
       int (*)(struct SimSocket *, struct SimSocket **, int));
MEMBER(SimExported, sock_ioctl, 112, int (*)(struct SimSocket *, int, char *));
MEMBER(SimExported, sock_setsockopt, 120,
       int (*)(struct SimSocket *, int, int, const void *, int));
MEMBER(SimExported, sock_getsockopt, 128,
       int (*)(struct SimSocket *, int, int, void *, int *));
MEMBER(SimExported, sock_poll, 136, void (*)(struct SimSocket *, void *));
MEMBER(SimExported, sock_pollfreewait, 144, void (*)(void *));
MEMBER(SimExported, dev_create, 152,
       struct SimDevice *(*)(const char *, void *, enum SimDevFlags));
MEMBER(SimExported, dev_destroy, 160, void (*)(struct SimDevice *));
MEMBER(SimExported, dev_get_private, 168, void *(*)(struct SimDevice *));
MEMBER(SimExported, dev_set_address, 176,
       void (*)(struct SimDevice *, unsigned char[6]));
MEMBER(SimExported, dev_set_mtu, 184, void (*)(struct SimDevice *, int));
MEMBER(SimExported, dev_create_packet, 192,
       struct SimDevicePacket (*)(struct SimDevice *, int));
MEMBER(SimExported, dev_rx, 200,
       void (*)(struct SimDevice *, struct SimDevicePacket));
MEMBER(SimExported, sys_iterate_files, 208,
       void (*)(const struct SimSysIterator *));
MEMBER(SimExported, sys_file_read, 216,
       int (*)(const struct SimSysFile *, char *, int, int));
MEMBER(SimExported, sys_file_write, 224,
       int (*)(const struct SimSysFile *, const char *, int, int));

/* abi.rst "The imported table": 30 pointers, 240 bytes */
SIZE(struct SimImported, 240);
MEMBER(SimImported, vprintf, 0,
       int (*)(struct SimKernel *, const char *, va_list));
MEMBER(SimImported, malloc, 8, void *(*)(struct SimKernel *, unsigned long));
MEMBER(SimImported, free, 16, void (*)(struct SimKernel *, void *));
MEMBER(SimImported, memcpy, 24,
       void *(*)(struct SimKernel *, void *, const void *, unsigned long));
MEMBER(SimImported, memset, 32,
       void *(*)(struct SimKernel *, void *, char, unsigned long));
MEMBER(SimImported, atexit, 40, int (*)(struct SimKernel *, void (*)(void)));
MEMBER(SimImported, access, 48, int (*)(struct SimKernel *, const char *, int));
MEMBER(SimImported, getenv, 56, char *(*)(struct SimKernel *, const char *));
MEMBER(SimImported, mkdir, 64,
       int (*)(struct SimKernel *, const char *, mode_t));
MEMBER(SimImported, open, 72, int (*)(struct SimKernel *, const char *, int));
MEMBER(SimImported, __fxstat, 80,
       int (*)(struct SimKernel *, int, int, void *));
MEMBER(SimImported, fseek, 88,
       int (*)(struct SimKernel *, struct _IO_FILE *, long, int));
MEMBER(SimImported, setbuf, 96,
       void (*)(struct SimKernel *, struct _IO_FILE *, char *));
MEMBER(SimImported, fdopen, 104,
       struct _IO_FILE *(*)(struct SimKernel *, int, const char *));
MEMBER(SimImported, ftell, 112, long (*)(struct SimKernel *, struct _IO_FILE *));
MEMBER(SimImported, fclose, 120, int (*)(struct SimKernel *, struct _IO_FILE *));
MEMBER(SimImported, fread, 128,
       size_t (*)(struct SimKernel *, void *, size_t, size_t,
		  struct _IO_FILE *));
MEMBER(SimImported, fwrite, 136,
       size_t (*)(struct SimKernel *, const void *, size_t, size_t,
		  struct _IO_FILE *));
MEMBER(SimImported, random, 144, unsigned long (*)(struct SimKernel *));
MEMBER(SimImported, event_schedule_ns, 152,
       void *(*)(struct SimKernel *, __u64, void (*)(void *), void *,
		 void (*)(void)));
MEMBER(SimImported, event_cancel, 160, void (*)(struct SimKernel *, void *));
MEMBER(SimImported, current_ns, 168, __u64 (*)(struct SimKernel *));
MEMBER(SimImported, task_start, 176,
       struct SimTask *(*)(struct SimKernel *, void (*)(void *), void *));
MEMBER(SimImported, task_wait, 184, void (*)(struct SimKernel *));
MEMBER(SimImported, task_current, 192, struct SimTask *(*)(struct SimKernel *));
MEMBER(SimImported, task_wakeup, 200,
       int (*)(struct SimKernel *, struct SimTask *));
MEMBER(SimImported, task_yield, 208, void (*)(struct SimKernel *));
MEMBER(SimImported, dev_xmit, 216,
       void (*)(struct SimKernel *, struct SimDevice *, unsigned char *, int));
MEMBER(SimImported, signal_raised, 224,
       void (*)(struct SimKernel *, struct SimTask *, int));
MEMBER(SimImported, poll_event, 232, void (*)(int, void *));

/* The typedefs of sim-init.h name the two tables and the entry point. */
_Static_assert(__builtin_types_compatible_p(KernelHandle, struct SimExported),
	       "KernelHandle must be struct SimExported");
_Static_assert(__builtin_types_compatible_p(DceHandle, struct SimImported),
	       "DceHandle must be struct SimImported");
_Static_assert(__builtin_types_compatible_p(
		       SimInit, void (*)(struct SimExported *,
					 const struct SimImported *,
					 struct SimKernel *)),
	       "SimInit must be void (*)(SimExported *, const SimImported *, SimKernel *)");
_Static_assert(__builtin_types_compatible_p(__typeof__(&sim_init), SimInit),
	       "sim_init must have type SimInit");
