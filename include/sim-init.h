/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two function tables of the ns-3-dce kernel-library ABI.
 *
 * struct SimExported (29 pointers) is filled by the library and called by
 * DCE; struct SimImported (30 pointers) is filled by DCE and called by the
 * library.  Their member order and types are fixed by the net-next-nuse 4.4
 * headers that ns-3-dce 1.12 is compiled against: never add, remove or
 * reorder a member.  Our own names for them are KernelHandle and DceHandle.
 *
 * The comments name the contexts a member runs in (K-task, D-task, A-task,
 * H-task, M) as Documentation/dce/abi.rst, "Execution contexts", defines
 * them; the Rust crate dce-abi carries them over as its documentation.
 */
#ifndef SIM_INIT_H
#define SIM_INIT_H

#include <stdarg.h>
#include <sys/types.h>
#include <linux/types.h>
#include "sim-types.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * `struct msghdr` as the header declares it (incomplete).
 *
 * At run time it is glibc's user-space `struct msghdr` of the application (on
 * x86-64 the same layout as the kernel's `user_msghdr`): DCE passes the
 * application's own object, whose iovecs, name and control buffers point into
 * application memory.
 */
struct msghdr;

/**
 * `struct sockaddr` as the header declares it (incomplete).
 *
 * At run time it is the application's own (glibc layout) socket address buffer,
 * passed through unchanged by DCE.
 */
struct sockaddr;

/**
 * `FILE`, declared by the header as the incomplete `struct _IO_FILE`.
 *
 * Returned by `SimImported::fdopen`: a stream of DCE's POSIX emulation, only
 * valid with the other `SimImported` file functions.
 */
struct _IO_FILE;

/**
 * `struct SimExported`: 29 function pointers, 232 bytes.  **The library fills
 * it, DCE calls it.**
 *
 * DCE allocates it with `new struct SimExported ()` (so every member starts as
 * NULL, like `SimExported::default()`), hands it to `sim_init`, and from then
 * on calls its members for this node, each call bracketed by the loader's
 * `NotifyStartExecute` (which swaps the node's globals in).  `sim_init` must
 * fill **every** member, and `task_create`/`task_get_private` before its first
 * call to `task_current`, `task_start` or `task_wakeup`.  Never add, remove or
 * reorder a member: DCE allocates exactly 232 bytes.
 *
 * Return codes are 0 or a positive count on success and `-errno` on failure;
 * DCE turns a negative value into `errno = -ret` and returns -1 to the
 * application.
 */
struct SimExported {
	/**
	 * `task_create(priv, pid)`: DCE calls it from inside `task_start`
	 * (kernel threads, `pid` 0) and `task_current` (lazily, for any task
	 * that has no SimTask yet; `pid` is the DCE pid, 0 for DCE-internal
	 * tasks). `priv` is DCE's `Task*`.  Must return a new, non-NULL
	 * `SimTask`; DCE stores it and never frees it.
	 */
	struct SimTask *(*task_create)(void *priv, unsigned long pid);
	/**
	 * `task_destroy(task)`: never called by DCE 1.12; may do nothing.
	 */
	void (*task_destroy)(struct SimTask *task);
	/**
	 * `task_get_private(task)`: DCE calls it in `task_wakeup` to find the
	 * `Task*` to wake; must return exactly the `priv` given to
	 * `task_create`.
	 */
	void *(*task_get_private)(struct SimTask *task);

	/**
	 * `sock_socket(domain, type, protocol, &socket)`: DCE calls it on the
	 * application's A-task (or an H-task) for every domain except
	 * `AF_UNIX`; `type` may still carry `SOCK_NONBLOCK`/`SOCK_CLOEXEC`.
	 * Returns 0 and sets `*socket`, or `-errno` without touching `*socket`
	 * (DCE then reports `EINVAL`).
	 */
	int (*sock_socket)(int domain, int type, int protocol,
			   struct SimSocket **socket);
	/**
	 * `sock_close(socket)`: DCE calls it when the last descriptor of the
	 * socket is closed, and at process exit.  Must not block; releases the
	 * socket.
	 */
	int (*sock_close)(struct SimSocket *socket);
	/**
	 * `sock_recvmsg(socket, msg, flags)`: from `read`/`recv*`; `msg` is the
	 * application's msghdr (`msg_flags` uninitialised on `read`), `flags`
	 * gets `MSG_DONTWAIT` when the fd is `O_NONBLOCK`.  Returns a byte
	 * count or `-errno`; must write back `msg_namelen` and
	 * `msg_controllen`; may block through `task_wait`.
	 */
	ssize_t (*sock_recvmsg)(struct SimSocket *socket, struct msghdr *msg,
				int flags);
	/**
	 * `sock_sendmsg(socket, msg, flags)`: from `write`/`send*`; like
	 * `sock_recvmsg` (byte count or `-errno`, may block).
	 */
	ssize_t (*sock_sendmsg)(struct SimSocket *socket,
				const struct msghdr *msg, int flags);
	/**
	 * `sock_getsockname(socket, name, &namelen)`: `*namelen` is the buffer
	 * size in, the real length out; returns **0** (not the length) or
	 * `-errno`.
	 */
	int (*sock_getsockname)(struct SimSocket *socket,
				struct sockaddr *name, int *namelen);
	/**
	 * `sock_getpeername(socket, name, &namelen)`: as `sock_getsockname`;
	 * DCE also calls it on the new socket after `sock_accept` when the
	 * caller wants the address (and `sock_close`s it if this fails).
	 */
	int (*sock_getpeername)(struct SimSocket *socket,
				struct sockaddr *name, int *namelen);
	/**
	 * `sock_bind(socket, name, namelen)`: 0 or `-errno`.
	 */
	int (*sock_bind)(struct SimSocket *socket, const struct sockaddr *name,
			 int namelen);
	/**
	 * `sock_connect(socket, name, namelen, flags)`: `flags` are the fd's
	 * **file status flags** (`O_NONBLOCK`), not `MSG_*`.  0, `-EINPROGRESS`
	 * when non-blocking, or `-errno`; may block.
	 */
	int (*sock_connect)(struct SimSocket *socket,
			    const struct sockaddr *name, int namelen,
			    int flags);
	/**
	 * `sock_listen(socket, backlog)`: 0 or `-errno`.
	 */
	int (*sock_listen)(struct SimSocket *socket, int backlog);
	/**
	 * `sock_shutdown(socket, how)`: 0 or `-errno`.
	 */
	int (*sock_shutdown)(struct SimSocket *socket, int how);
	/**
	 * `sock_accept(socket, &new_socket, flags)`: `flags` are the fd's file
	 * status flags.  Creates a **new** `SimSocket`, stores it and returns 0
	 * (DCE wraps it in a new fd with status flags 0); blocks unless
	 * `O_NONBLOCK`.
	 */
	int (*sock_accept)(struct SimSocket *socket,
			   struct SimSocket **new_socket, int flags);
	/**
	 * `sock_ioctl(socket, request, argp)`: from `dce_ioctl`, `request`
	 * truncated to `int`, `argp` a user pointer.  Must at least handle
	 * `SIOCGIFINDEX` on an `AF_INET`/`SOCK_DGRAM` socket (DCE's
	 * `if_nametoindex` and `ip` depend on it).
	 */
	int (*sock_ioctl)(struct SimSocket *socket, int request, char *argp);
	/**
	 * `sock_setsockopt(socket, level, optname, optval, optlen)`: user
	 * pointer, `int` length; 0 or `-errno`.
	 */
	int (*sock_setsockopt)(struct SimSocket *socket, int level,
			       int optname, const void *optval, int optlen);
	/**
	 * `sock_getsockopt(socket, level, optname, optval, &optlen)`: 0 or
	 * `-errno`.
	 */
	int (*sock_getsockopt)(struct SimSocket *socket, int level,
			       int optname, void *optval, int *optlen);
	/**
	 * `sock_poll(socket, ret)`: `ret` points to a `PollTableRef`.  DCE's
	 * `poll`/`select` and Cradle call it; the library stores the readiness
	 * mask in `ret` and, if `opaque` was non-NULL, registers a waiter and
	 * stores its handle in `opaque` (abi.rst "The poll protocol").
	 */
	void (*sock_poll)(struct SimSocket *socket, void *ret);
	/**
	 * `sock_pollfreewait(polltable)`: DCE calls it with the `opaque` a
	 * registering `sock_poll` returned, when `poll`/`select` returns or a
	 * polling thread dies.  Unlinks and frees the waiter; must accept NULL.
	 */
	void (*sock_pollfreewait)(void *polltable);

	/**
	 * `dev_create(ifname, priv, flags)` (API v2): DCE calls it in a D-task
	 * at t=0, once per ns-3 NetDevice in order, with `ifname = "sim%d"`,
	 * `priv` = the `NetDevice*` and `SimDevFlags`; then `dev_set_address`
	 * and `dev_set_mtu` in the same task.  Must return a non-NULL
	 * `SimDevice`, named `sim0`, `sim1`, ... in creation order and
	 * administratively down.
	 */
	struct SimDevice *(*dev_create)(const char *ifname, void *priv,
					enum SimDevFlags flags);
	/**
	 * `dev_destroy(dev)`: never called by DCE 1.12.
	 */
	void (*dev_destroy)(struct SimDevice *dev);
	/**
	 * `dev_get_private(dev)`: DCE calls it in `dev_xmit` to find the
	 * `NetDevice*`; must return exactly the `priv` given to `dev_create`.
	 */
	void *(*dev_get_private)(struct SimDevice *dev);
	/**
	 * `dev_set_address(dev, mac)`: 6 bytes (`unsigned char[6]` decays to a
	 * pointer); after `dev_create` and on every ns-3 link change, in a
	 * D-task, without any lock held by a caller.
	 */
	void (*dev_set_address)(struct SimDevice *dev,
				unsigned char buffer[6]);
	/**
	 * `dev_set_mtu(dev, mtu)`: the ns-3 L3 MTU (1500 on CSMA/P2P), i.e.
	 * without the 14-byte header; same calls as `dev_set_address`.
	 */
	void (*dev_set_mtu)(struct SimDevice *dev, int mtu);
	/**
	 * `dev_create_packet(dev, size)`: DCE calls it in **M context** (RX
	 * path) with `size` = payload + 14; returns by value (RAX:RDX) a
	 * `SimDevicePacket` whose `buffer` holds at least `size` bytes.
	 */
	struct SimDevicePacket (*dev_create_packet)(struct SimDevice *dev,
						    int size);
	/**
	 * `dev_rx(dev, packet)`: DCE calls it in **M context** with the filled
	 * packet (by value), transferring ownership.  Must not block and must
	 * not call `task_current` or `task_wait`; frames for other hosts arrive
	 * too (promiscuous handler).
	 */
	void (*dev_rx)(struct SimDevice *dev, struct SimDevicePacket packet);

	/**
	 * `sys_iterate_files(iter)`: DCE calls it in a D-task to walk the whole
	 * sysctl tree depth-first through the callbacks of `iter`, before every
	 * sysctl read or write.
	 */
	void (*sys_iterate_files)(const struct SimSysIterator *iter);
	/**
	 * `sys_file_read(file, buffer, size, offset)`: DCE passes a zeroed
	 * 512-byte buffer, `size` 512 and `offset` 0; returns the byte count.
	 */
	int (*sys_file_read)(const struct SimSysFile *file, char *buffer,
			     int size, int offset);
	/**
	 * `sys_file_write(file, buffer, size, offset)`: the value text without
	 * newline, `size = strlen`, `offset` 0; DCE ignores the result.
	 */
	int (*sys_file_write)(const struct SimSysFile *file,
			      const char *buffer, int size, int offset);
};

/**
 * `struct SimImported`: 30 function pointers, 240 bytes.  **DCE fills it, the
 * library calls it.**
 *
 * DCE builds it **on its stack** in `InitializeStack` and passes it to
 * `sim_init`: the library must copy it by value before returning.  Every
 * function takes the node's `SimKernel` cookie first, except `poll_event`.
 * Never read past the 30th member: DCE's stack follows.
 *
 * # Contexts
 *
 * Each member's documentation says where the library may call it.  In M context
 * (event callbacks, `dev_create_packet`, `dev_rx`) abi.rst "Execution contexts"
 * allows only `malloc`, `free`, `vprintf`, `random`, `event_schedule_ns`,
 * `event_cancel`, `current_ns`, `task_wakeup`, `dev_xmit` and `poll_event`
 * (plus `memcpy` and `memset`, plain libc calls, and `signal_raised`, a no-op).
 * `task_current`, `task_wait`, `task_yield` and the file and environment
 * functions (`atexit` ... `fwrite`) crash DCE there.
 */
struct SimImported {
	/**
	 * `vprintf(kernel, fmt, args)`: DCE `vfprintf`s to the node's
	 * `files-<n>/var/log/messages` (line-buffered; where printk goes) and
	 * returns the character count.  Any context.
	 */
	int (*vprintf)(struct SimKernel *kernel, const char *str,
		       va_list args);
	/**
	 * `malloc(kernel, size)`: DCE's per-node KingsleyAlloc; **8-byte
	 * aligned only**, size truncated to 32 bits, NULL only under fault
	 * injection.  Any context.
	 */
	void *(*malloc)(struct SimKernel *kernel, unsigned long size);
	/**
	 * `free(kernel, buffer)`: releases a block of this node's `malloc`.
	 * **`free(NULL)` crashes DCE**: the library must filter it.  Any
	 * context.
	 */
	void (*free)(struct SimKernel *kernel, void *buffer);
	/**
	 * `memcpy(kernel, dst, src, size)`: plain libc `memcpy`.  Any context.
	 */
	void *(*memcpy)(struct SimKernel *kernel, void *dst, const void *src,
			unsigned long size);
	/**
	 * `memset(kernel, dst, value, size)`: plain libc `memset`.  Any
	 * context.
	 */
	void *(*memset)(struct SimKernel *kernel, void *dst, char value,
			unsigned long size);
	/**
	 * `atexit(kernel, function)`: DCE stores the handler in the node's
	 * internal process; it runs at teardown without `NotifyStartExecute`.
	 *
	 * **Context:** needs a DCE `Thread`: only on A-tasks (or while DCE
	 * disposes); **forbidden in M context** and on K-/D-tasks (DCE asserts
	 * or crashes).
	 */
	int (*atexit)(struct SimKernel *kernel, void (*function)(void));
	/**
	 * `access(kernel, pathname, mode)`: DCE's `dce_access` in the node's
	 * virtual root `files-<n>/`.
	 *
	 * **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
	 * context** and on K-/D-tasks.
	 */
	int (*access)(struct SimKernel *kernel, const char *pathname,
		      int mode);
	/**
	 * `getenv(kernel, name)`: the DCE process environment.
	 *
	 * **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
	 * context** and on K-/D-tasks.
	 */
	char *(*getenv)(struct SimKernel *kernel, const char *name);
	/**
	 * `mkdir(kernel, pathname, mode)`: `dce_mkdir` in `files-<n>/`.
	 *
	 * **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
	 * context** and on K-/D-tasks.
	 */
	int (*mkdir)(struct SimKernel *kernel, const char *pathname,
		     mode_t mode);
	/**
	 * `open(kernel, pathname, flags)` (not variadic): `dce_open` in
	 * `files-<n>/`, DCE adds mode 0666.
	 *
	 * **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
	 * context** and on K-/D-tasks.
	 */
	int (*open)(struct SimKernel *kernel, const char *pathname, int flags);
	/**
	 * `__fxstat(kernel, ver, fd, buf)`: `dce___fxstat`; `buf` is a host
	 * `struct stat`.
	 *
	 * **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
	 * context** and on K-/D-tasks.
	 */
	int (*__fxstat)(struct SimKernel *kernel, int ver, int fd, void *buf);
	/**
	 * `fseek(kernel, stream, offset, whence)`: `dce_fseek`.
	 *
	 * **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
	 * context** and on K-/D-tasks.
	 */
	int (*fseek)(struct SimKernel *kernel, struct _IO_FILE *stream,
		     long offset, int whence);
	/**
	 * `setbuf(kernel, stream, buf)`: `dce_setbuf`.
	 *
	 * **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
	 * context** and on K-/D-tasks.
	 */
	void (*setbuf)(struct SimKernel *kernel, struct _IO_FILE *stream,
		       char *buf);
	/**
	 * `fdopen(kernel, fd, mode)`: `dce_fdopen`, returns a DCE stream.
	 *
	 * **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
	 * context** and on K-/D-tasks.
	 */
	struct _IO_FILE *(*fdopen)(struct SimKernel *kernel, int fd,
				   const char *mode);
	/**
	 * `ftell(kernel, stream)`: `dce_ftell`.
	 *
	 * **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
	 * context** and on K-/D-tasks.
	 */
	long (*ftell)(struct SimKernel *kernel, struct _IO_FILE *stream);
	/**
	 * `fclose(kernel, fp)`: `dce_fclose`.
	 *
	 * **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
	 * context** and on K-/D-tasks.
	 */
	int (*fclose)(struct SimKernel *kernel, struct _IO_FILE *fp);
	/**
	 * `fread(kernel, ptr, size, nmemb, stream)`: `dce_fread`.
	 *
	 * **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
	 * context** and on K-/D-tasks.
	 */
	size_t (*fread)(struct SimKernel *kernel, void *ptr, size_t size,
			size_t nmemb, struct _IO_FILE *stream);
	/**
	 * `fwrite(kernel, ptr, size, nmemb, stream)`: `dce_fwrite`.
	 *
	 * **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
	 * context** and on K-/D-tasks.
	 */
	size_t (*fwrite)(struct SimKernel *kernel, const void *ptr,
			 size_t size, size_t nmemb, struct _IO_FILE *stream);
	/**
	 * `random(kernel)`: `sizeof(unsigned long)` bytes, each from an ns-3
	 * `UniformRandomVariable(0, 255)`: deterministic under the ns-3
	 * seed/run.  Any context.
	 */
	unsigned long (*random)(struct SimKernel *kernel);
	/**
	 * `event_schedule_ns(kernel, ns, fn, context, pre_fn)`: schedules an
	 * ns-3 event `ns` nanoseconds from now (**relative**); it runs in M
	 * context as `pre_fn()` then `fn(context)`.  `pre_fn` **must not be
	 * NULL**.  The returned handle is valid only until the event has run or
	 * been cancelled.  Any context.
	 */
	void *(*event_schedule_ns)(struct SimKernel *kernel, __u64 ns,
				   void (*fn)(void *context), void *context,
				   void (*pre_fn)(void));
	/**
	 * `event_cancel(kernel, event)`: `Simulator::Remove`; the handle must
	 * still be valid (a stale one is a use-after-free).  Any context.
	 */
	void (*event_cancel)(struct SimKernel *kernel, void *event);
	/**
	 * `current_ns(kernel)`: `Simulator::Now()` in ns, the only clock the
	 * library may use; it does not advance while library code runs.  Any
	 * context.
	 */
	__u64 (*current_ns)(struct SimKernel *kernel);
	/**
	 * `task_start(kernel, callback, context)`: starts a DCE fiber (128 KiB
	 * stack) that will run `callback(context)` later; DCE calls
	 * `task_create(Task*, 0)` and returns that `SimTask`.  `callback` must
	 * never return (DCE aborts if it does).  Call it from a task context;
	 * it is not among the calls allowed in M context.
	 */
	struct SimTask *(*task_start)(struct SimKernel *kernel,
				      void (*callback)(void *),
				      void *context);
	/**
	 * `task_wait(kernel)`: blocks the current DCE task until a
	 * `task_wakeup` of it; there is no timeout (build one from
	 * `event_schedule_ns` + `task_wakeup`).
	 *
	 * **Context: forbidden in M context** (DCE dereferences a NULL `Task`
	 * and crashes/asserts) **and on H-tasks** (no fiber: blocking corrupts
	 * DCE's scheduler).  Fine on K- and A-tasks; allowed but discouraged on
	 * D-tasks, which are deleted as soon as their ABI call returns.
	 */
	void (*task_wait)(struct SimKernel *kernel);
	/**
	 * `task_current(kernel)`: the `SimTask` of the running DCE task (or
	 * hi-task), created lazily through `task_create(Task*, pid)`.
	 *
	 * **Context: forbidden in M context**: there DCE dereferences a NULL
	 * `Task` and **crashes**; the library must answer "current" itself in
	 * event callbacks, `dev_create_packet` and `dev_rx`.  Fine in every
	 * task context (K, D, A, H).
	 */
	struct SimTask *(*task_current)(struct SimKernel *kernel);
	/**
	 * `task_wakeup(kernel, task)`: makes a BLOCKED task runnable (it runs
	 * later at the same simulated time); returns 1 if it was blocked, else
	 * 0 (no-op).  DCE calls `task_get_private(task)`.  Any context.
	 */
	int (*task_wakeup)(struct SimKernel *kernel, struct SimTask *task);
	/**
	 * `task_yield(kernel)`: re-queues the current task and switches to the
	 * ns-3 event loop; other events at the same timestamp run first.
	 * Simulated time does not advance: a `task_yield` loop never ends.
	 *
	 * **Context: forbidden in M context** (crashes/asserts: no current
	 * `Task`) **and on H-tasks** (no fiber).  Fine on K- and A-tasks.
	 */
	void (*task_yield)(struct SimKernel *kernel);
	/**
	 * `dev_xmit(kernel, dev, data, len)`: one Ethernet II frame (`len >=
	 * 14`, at most MTU + 14, complete checksums); DCE copies `data + 14`
	 * into an ns-3 packet and sends it to `h_dest` with `h_proto` through
	 * the main fiber, ignoring the result.  The library keeps ownership of
	 * `data`.  Any context.
	 */
	void (*dev_xmit)(struct SimKernel *kernel, struct SimDevice *dev,
			 unsigned char *data, int len);
	/**
	 * `signal_raised(kernel, task, sig)`: a no-op in DCE 1.12 ("Not Yet
	 * Implemented"); signals are never delivered.  Any context.
	 */
	void (*signal_raised)(struct SimKernel *kernel, struct SimTask *task,
			      int sig);
	/**
	 * `poll_event(flag, context)` (**no** `SimKernel` argument): DCE calls
	 * `PollTable::WakeUpCallback()` on `context` (the cookie it put in
	 * `PollTableRef::opaque`) and ignores `flag`.  Any context, any number
	 * of times, never after `sock_pollfreewait` of that waiter.
	 */
	void (*poll_event)(int flag, void *context);
};

/**
 * `KernelHandle`: the project's name for `SimExported`, the table through which
 * DCE calls the kernel.
 */
typedef struct SimExported KernelHandle;
/**
 * `DceHandle`: the project's name for `SimImported`, the table through which
 * the kernel calls DCE.
 */
typedef struct SimImported DceHandle;

/**
 * `SimInit`: the type of the library's only exported symbol, `void
 * sim_init(struct SimExported *, const struct SimImported *, struct SimKernel
 * *)`.
 *
 * DCE loads the node's shared object, looks up `SIM_INIT_SYMBOL` and calls it
 * **once per node, in a D-task, at t=0** with a zeroed `SimExported` to fill, a
 * `SimImported` that lives on its stack only for the duration of the call, and
 * the node's `SimKernel` cookie.
 */
typedef void (*SimInit)(struct SimExported *exported,
			const struct SimImported *imported,
			struct SimKernel *kernel);

/* The one symbol the library exports; DCE calls it once per node. */
void sim_init(struct SimExported *exported,
	      const struct SimImported *imported,
	      struct SimKernel *kernel);

#ifdef __cplusplus
}
#endif

#endif /* SIM_INIT_H */
