//! The two function tables and the entry point (`sim-init.h`;
//! Documentation/dce/abi.rst, "The entry point: sim_init", "The exported
//! table: SimExported", "The imported table: SimImported").
//!
//! Context names (K-task, D-task, A-task, H-task, M) are those of the
//! [crate documentation](crate#execution-contexts).

use crate::types::{
    IoFile, MsgHdr, SimDevFlags, SimDevice, SimDevicePacket, SimKernel, SimSocket, SimSysFile,
    SimSysIterator, SimTask, SockAddr, VaList,
};
use core::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_ulong, c_void, CStr};

/// `struct SimExported`: 29 function pointers, 232 bytes.  **The library
/// fills it, DCE calls it.**
///
/// DCE allocates it with `new struct SimExported ()` (so every member
/// starts as NULL, like [`SimExported::default()`]), hands it to
/// [`sim_init`](SimInit), and from then on calls its members for this node,
/// each call bracketed by the loader's `NotifyStartExecute` (which swaps the
/// node's globals in).  `sim_init` must fill **every** member, and
/// `task_create`/`task_get_private` before its first call to
/// `task_current`, `task_start` or `task_wakeup`.  Never add, remove or
/// reorder a member: DCE allocates exactly 232 bytes.
///
/// Return codes are 0 or a positive count on success and `-errno` on
/// failure; DCE turns a negative value into `errno = -ret` and returns -1 to
/// the application.
#[doc(alias = "KernelHandle")]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct SimExported {
    /// `task_create(priv, pid)`: DCE calls it from inside `task_start`
    /// (kernel threads, `pid` 0) and `task_current` (lazily, for any task that
    /// has no SimTask yet; `pid` is the DCE pid, 0 for DCE-internal tasks).
    /// `priv` is DCE's `Task*`.  Must return a new, non-NULL [`SimTask`];
    /// DCE stores it and never frees it.
    pub task_create: Option<unsafe extern "C" fn(priv_: *mut c_void, pid: c_ulong) -> *mut SimTask>,
    /// `task_destroy(task)`: never called by DCE 1.12; may do nothing.
    pub task_destroy: Option<unsafe extern "C" fn(task: *mut SimTask)>,
    /// `task_get_private(task)`: DCE calls it in `task_wakeup` to find the
    /// `Task*` to wake; must return exactly the `priv` given to
    /// `task_create`.
    pub task_get_private: Option<unsafe extern "C" fn(task: *mut SimTask) -> *mut c_void>,

    /// `sock_socket(domain, type, protocol, &socket)`: DCE calls it on the
    /// application's A-task (or an H-task) for every domain except
    /// `AF_UNIX`; `type` may still carry `SOCK_NONBLOCK`/`SOCK_CLOEXEC`.
    /// Returns 0 and sets `*socket`, or `-errno` without touching `*socket`
    /// (DCE then reports `EINVAL`).
    pub sock_socket: Option<
        unsafe extern "C" fn(
            domain: c_int,
            type_: c_int,
            protocol: c_int,
            socket: *mut *mut SimSocket,
        ) -> c_int,
    >,
    /// `sock_close(socket)`: DCE calls it when the last descriptor of the
    /// socket is closed, and at process exit.  Must not block; releases the
    /// socket.
    pub sock_close: Option<unsafe extern "C" fn(socket: *mut SimSocket) -> c_int>,
    /// `sock_recvmsg(socket, msg, flags)`: from `read`/`recv*`; `msg` is the
    /// application's msghdr (`msg_flags` uninitialised on `read`), `flags`
    /// gets `MSG_DONTWAIT` when the fd is `O_NONBLOCK`.  Returns a byte count
    /// or `-errno`; must write back `msg_namelen` and `msg_controllen`; may
    /// block through `task_wait`.
    pub sock_recvmsg: Option<
        unsafe extern "C" fn(socket: *mut SimSocket, msg: *mut MsgHdr, flags: c_int) -> isize,
    >,
    /// `sock_sendmsg(socket, msg, flags)`: from `write`/`send*`; like
    /// `sock_recvmsg` (byte count or `-errno`, may block).
    pub sock_sendmsg: Option<
        unsafe extern "C" fn(socket: *mut SimSocket, msg: *const MsgHdr, flags: c_int) -> isize,
    >,
    /// `sock_getsockname(socket, name, &namelen)`: `*namelen` is the buffer
    /// size in, the real length out; returns **0** (not the length) or
    /// `-errno`.
    pub sock_getsockname: Option<
        unsafe extern "C" fn(
            socket: *mut SimSocket,
            name: *mut SockAddr,
            namelen: *mut c_int,
        ) -> c_int,
    >,
    /// `sock_getpeername(socket, name, &namelen)`: as `sock_getsockname`;
    /// DCE also calls it on the new socket after `sock_accept` when the
    /// caller wants the address (and `sock_close`s it if this fails).
    pub sock_getpeername: Option<
        unsafe extern "C" fn(
            socket: *mut SimSocket,
            name: *mut SockAddr,
            namelen: *mut c_int,
        ) -> c_int,
    >,
    /// `sock_bind(socket, name, namelen)`: 0 or `-errno`.
    pub sock_bind: Option<
        unsafe extern "C" fn(
            socket: *mut SimSocket,
            name: *const SockAddr,
            namelen: c_int,
        ) -> c_int,
    >,
    /// `sock_connect(socket, name, namelen, flags)`: `flags` are the fd's
    /// **file status flags** (`O_NONBLOCK`), not `MSG_*`.  0, `-EINPROGRESS`
    /// when non-blocking, or `-errno`; may block.
    pub sock_connect: Option<
        unsafe extern "C" fn(
            socket: *mut SimSocket,
            name: *const SockAddr,
            namelen: c_int,
            flags: c_int,
        ) -> c_int,
    >,
    /// `sock_listen(socket, backlog)`: 0 or `-errno`.
    pub sock_listen: Option<unsafe extern "C" fn(socket: *mut SimSocket, backlog: c_int) -> c_int>,
    /// `sock_shutdown(socket, how)`: 0 or `-errno`.
    pub sock_shutdown: Option<unsafe extern "C" fn(socket: *mut SimSocket, how: c_int) -> c_int>,
    /// `sock_accept(socket, &new_socket, flags)`: `flags` are the fd's file
    /// status flags.  Creates a **new** [`SimSocket`], stores it and returns
    /// 0 (DCE wraps it in a new fd with status flags 0); blocks unless
    /// `O_NONBLOCK`.
    pub sock_accept: Option<
        unsafe extern "C" fn(
            socket: *mut SimSocket,
            new_socket: *mut *mut SimSocket,
            flags: c_int,
        ) -> c_int,
    >,
    /// `sock_ioctl(socket, request, argp)`: from `dce_ioctl`, `request`
    /// truncated to `int`, `argp` a user pointer.  Must at least handle
    /// `SIOCGIFINDEX` on an `AF_INET`/`SOCK_DGRAM` socket (DCE's
    /// `if_nametoindex` and `ip` depend on it).
    pub sock_ioctl: Option<
        unsafe extern "C" fn(socket: *mut SimSocket, request: c_int, argp: *mut c_char) -> c_int,
    >,
    /// `sock_setsockopt(socket, level, optname, optval, optlen)`: user
    /// pointer, `int` length; 0 or `-errno`.
    pub sock_setsockopt: Option<
        unsafe extern "C" fn(
            socket: *mut SimSocket,
            level: c_int,
            optname: c_int,
            optval: *const c_void,
            optlen: c_int,
        ) -> c_int,
    >,
    /// `sock_getsockopt(socket, level, optname, optval, &optlen)`: 0 or
    /// `-errno`.
    pub sock_getsockopt: Option<
        unsafe extern "C" fn(
            socket: *mut SimSocket,
            level: c_int,
            optname: c_int,
            optval: *mut c_void,
            optlen: *mut c_int,
        ) -> c_int,
    >,
    /// `sock_poll(socket, ret)`: `ret` points to a
    /// [`PollTableRef`](crate::PollTableRef).  DCE's `poll`/`select` and
    /// Cradle call it; the library stores the readiness mask in `ret` and,
    /// if `opaque` was non-NULL, registers a waiter and stores its handle in
    /// `opaque` (abi.rst "The poll protocol").
    pub sock_poll: Option<unsafe extern "C" fn(socket: *mut SimSocket, ret: *mut c_void)>,
    /// `sock_pollfreewait(polltable)`: DCE calls it with the `opaque` a
    /// registering `sock_poll` returned, when `poll`/`select` returns or a
    /// polling thread dies.  Unlinks and frees the waiter; must accept NULL.
    pub sock_pollfreewait: Option<unsafe extern "C" fn(polltable: *mut c_void)>,

    /// `dev_create(ifname, priv, flags)` (API v2): DCE calls it in a D-task
    /// at t=0, once per ns-3 NetDevice in order, with `ifname = "sim%d"`,
    /// `priv` = the `NetDevice*` and [`SimDevFlags`]; then `dev_set_address`
    /// and `dev_set_mtu` in the same task.  Must return a non-NULL
    /// [`SimDevice`], named `sim0`, `sim1`, ... in creation order and
    /// administratively down.
    pub dev_create: Option<
        unsafe extern "C" fn(
            ifname: *const c_char,
            priv_: *mut c_void,
            flags: SimDevFlags,
        ) -> *mut SimDevice,
    >,
    /// `dev_destroy(dev)`: never called by DCE 1.12.
    pub dev_destroy: Option<unsafe extern "C" fn(dev: *mut SimDevice)>,
    /// `dev_get_private(dev)`: DCE calls it in `dev_xmit` to find the
    /// `NetDevice*`; must return exactly the `priv` given to `dev_create`.
    pub dev_get_private: Option<unsafe extern "C" fn(dev: *mut SimDevice) -> *mut c_void>,
    /// `dev_set_address(dev, mac)`: 6 bytes (`unsigned char[6]` decays to a
    /// pointer); after `dev_create` and on every ns-3 link change, in a
    /// D-task, without any lock held by a caller.
    pub dev_set_address: Option<unsafe extern "C" fn(dev: *mut SimDevice, buffer: *mut c_uchar)>,
    /// `dev_set_mtu(dev, mtu)`: the ns-3 L3 MTU (1500 on CSMA/P2P), i.e.
    /// without the 14-byte header; same calls as `dev_set_address`.
    pub dev_set_mtu: Option<unsafe extern "C" fn(dev: *mut SimDevice, mtu: c_int)>,
    /// `dev_create_packet(dev, size)`: DCE calls it in **M context** (RX
    /// path) with `size` = payload + 14; returns by value (RAX:RDX) a
    /// [`SimDevicePacket`] whose `buffer` holds at least `size` bytes.
    pub dev_create_packet:
        Option<unsafe extern "C" fn(dev: *mut SimDevice, size: c_int) -> SimDevicePacket>,
    /// `dev_rx(dev, packet)`: DCE calls it in **M context** with the filled
    /// packet (by value), transferring ownership.  Must not block and must
    /// not call `task_current` or `task_wait`; frames for other hosts arrive
    /// too (promiscuous handler).
    pub dev_rx: Option<unsafe extern "C" fn(dev: *mut SimDevice, packet: SimDevicePacket)>,

    /// `sys_iterate_files(iter)`: DCE calls it in a D-task to walk the whole
    /// sysctl tree depth-first through the callbacks of `iter`, before every
    /// sysctl read or write.
    pub sys_iterate_files: Option<unsafe extern "C" fn(iter: *const SimSysIterator)>,
    /// `sys_file_read(file, buffer, size, offset)`: DCE passes a zeroed
    /// 512-byte buffer, `size` 512 and `offset` 0; returns the byte count.
    pub sys_file_read: Option<
        unsafe extern "C" fn(
            file: *const SimSysFile,
            buffer: *mut c_char,
            size: c_int,
            offset: c_int,
        ) -> c_int,
    >,
    /// `sys_file_write(file, buffer, size, offset)`: the value text without
    /// newline, `size = strlen`, `offset` 0; DCE ignores the result.
    pub sys_file_write: Option<
        unsafe extern "C" fn(
            file: *const SimSysFile,
            buffer: *const c_char,
            size: c_int,
            offset: c_int,
        ) -> c_int,
    >,
}

/// `struct SimImported`: 30 function pointers, 240 bytes.  **DCE fills it,
/// the library calls it.**
///
/// DCE builds it **on its stack** in `InitializeStack` and passes it to
/// [`sim_init`](SimInit): the library must copy it by value before
/// returning.  Every function takes the node's [`SimKernel`] cookie first,
/// except `poll_event`.  Never read past the 30th member: DCE's stack
/// follows.
///
/// # Contexts
///
/// Each member's documentation says where the library may call it.  In M
/// context (event callbacks, `dev_create_packet`, `dev_rx`) abi.rst
/// "Execution contexts"
/// allows only `malloc`, `free`, `vprintf`, `random`, `event_schedule_ns`,
/// `event_cancel`, `current_ns`, `task_wakeup`, `dev_xmit` and `poll_event`
/// (plus `memcpy` and `memset`, plain libc calls, and `signal_raised`, a
/// no-op).  `task_current`, `task_wait`, `task_yield` and the file and
/// environment functions (`atexit` ... `fwrite`) crash DCE there.
#[doc(alias = "DceHandle")]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct SimImported {
    /// `vprintf(kernel, fmt, args)`: DCE `vfprintf`s to the node's
    /// `files-<n>/var/log/messages` (line-buffered; where printk goes) and
    /// returns the character count.  Any context.
    pub vprintf: Option<
        unsafe extern "C" fn(kernel: *mut SimKernel, str_: *const c_char, args: VaList) -> c_int,
    >,
    /// `malloc(kernel, size)`: DCE's per-node KingsleyAlloc; **8-byte
    /// aligned only**, size truncated to 32 bits, NULL only under fault
    /// injection.  Any context.
    pub malloc: Option<unsafe extern "C" fn(kernel: *mut SimKernel, size: c_ulong) -> *mut c_void>,
    /// `free(kernel, buffer)`: releases a block of this node's `malloc`.
    /// **`free(NULL)` crashes DCE**: the library must filter it.  Any
    /// context.
    pub free: Option<unsafe extern "C" fn(kernel: *mut SimKernel, buffer: *mut c_void)>,
    /// `memcpy(kernel, dst, src, size)`: plain libc `memcpy`.  Any context.
    pub memcpy: Option<
        unsafe extern "C" fn(
            kernel: *mut SimKernel,
            dst: *mut c_void,
            src: *const c_void,
            size: c_ulong,
        ) -> *mut c_void,
    >,
    /// `memset(kernel, dst, value, size)`: plain libc `memset`.  Any context.
    pub memset: Option<
        unsafe extern "C" fn(
            kernel: *mut SimKernel,
            dst: *mut c_void,
            value: c_char,
            size: c_ulong,
        ) -> *mut c_void,
    >,
    /// `atexit(kernel, function)`: DCE stores the handler in the node's
    /// internal process; it runs at teardown without `NotifyStartExecute`.
    ///
    /// **Context:** needs a DCE `Thread`: only on A-tasks (or while DCE
    /// disposes); **forbidden in M context** and on K-/D-tasks (DCE asserts
    /// or crashes).
    pub atexit: Option<
        unsafe extern "C" fn(
            kernel: *mut SimKernel,
            function: Option<unsafe extern "C" fn()>,
        ) -> c_int,
    >,
    /// `access(kernel, pathname, mode)`: DCE's `dce_access` in the node's
    /// virtual root `files-<n>/`.
    ///
    /// **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
    /// context** and on K-/D-tasks.
    pub access: Option<
        unsafe extern "C" fn(kernel: *mut SimKernel, pathname: *const c_char, mode: c_int) -> c_int,
    >,
    /// `getenv(kernel, name)`: the DCE process environment.
    ///
    /// **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
    /// context** and on K-/D-tasks.
    pub getenv:
        Option<unsafe extern "C" fn(kernel: *mut SimKernel, name: *const c_char) -> *mut c_char>,
    /// `mkdir(kernel, pathname, mode)`: `dce_mkdir` in `files-<n>/`.
    ///
    /// **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
    /// context** and on K-/D-tasks.
    pub mkdir: Option<
        unsafe extern "C" fn(
            kernel: *mut SimKernel,
            pathname: *const c_char,
            mode: c_uint,
        ) -> c_int,
    >,
    /// `open(kernel, pathname, flags)` (not variadic): `dce_open` in
    /// `files-<n>/`, DCE adds mode 0666.
    ///
    /// **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
    /// context** and on K-/D-tasks.
    pub open: Option<
        unsafe extern "C" fn(
            kernel: *mut SimKernel,
            pathname: *const c_char,
            flags: c_int,
        ) -> c_int,
    >,
    /// `__fxstat(kernel, ver, fd, buf)`: `dce___fxstat`; `buf` is a host
    /// `struct stat`.
    ///
    /// **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
    /// context** and on K-/D-tasks.
    pub __fxstat: Option<
        unsafe extern "C" fn(
            kernel: *mut SimKernel,
            ver: c_int,
            fd: c_int,
            buf: *mut c_void,
        ) -> c_int,
    >,
    /// `fseek(kernel, stream, offset, whence)`: `dce_fseek`.
    ///
    /// **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
    /// context** and on K-/D-tasks.
    pub fseek: Option<
        unsafe extern "C" fn(
            kernel: *mut SimKernel,
            stream: *mut IoFile,
            offset: c_long,
            whence: c_int,
        ) -> c_int,
    >,
    /// `setbuf(kernel, stream, buf)`: `dce_setbuf`.
    ///
    /// **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
    /// context** and on K-/D-tasks.
    pub setbuf:
        Option<unsafe extern "C" fn(kernel: *mut SimKernel, stream: *mut IoFile, buf: *mut c_char)>,
    /// `fdopen(kernel, fd, mode)`: `dce_fdopen`, returns a DCE stream.
    ///
    /// **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
    /// context** and on K-/D-tasks.
    pub fdopen: Option<
        unsafe extern "C" fn(kernel: *mut SimKernel, fd: c_int, mode: *const c_char) -> *mut IoFile,
    >,
    /// `ftell(kernel, stream)`: `dce_ftell`.
    ///
    /// **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
    /// context** and on K-/D-tasks.
    pub ftell: Option<unsafe extern "C" fn(kernel: *mut SimKernel, stream: *mut IoFile) -> c_long>,
    /// `fclose(kernel, fp)`: `dce_fclose`.
    ///
    /// **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
    /// context** and on K-/D-tasks.
    pub fclose: Option<unsafe extern "C" fn(kernel: *mut SimKernel, fp: *mut IoFile) -> c_int>,
    /// `fread(kernel, ptr, size, nmemb, stream)`: `dce_fread`.
    ///
    /// **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
    /// context** and on K-/D-tasks.
    pub fread: Option<
        unsafe extern "C" fn(
            kernel: *mut SimKernel,
            ptr: *mut c_void,
            size: usize,
            nmemb: usize,
            stream: *mut IoFile,
        ) -> usize,
    >,
    /// `fwrite(kernel, ptr, size, nmemb, stream)`: `dce_fwrite`.
    ///
    /// **Context:** A-tasks only (needs a DCE `Thread`); **forbidden in M
    /// context** and on K-/D-tasks.
    pub fwrite: Option<
        unsafe extern "C" fn(
            kernel: *mut SimKernel,
            ptr: *const c_void,
            size: usize,
            nmemb: usize,
            stream: *mut IoFile,
        ) -> usize,
    >,
    /// `random(kernel)`: `sizeof(unsigned long)` bytes, each from an ns-3
    /// `UniformRandomVariable(0, 255)`: deterministic under the ns-3
    /// seed/run.  Any context.
    pub random: Option<unsafe extern "C" fn(kernel: *mut SimKernel) -> c_ulong>,
    /// `event_schedule_ns(kernel, ns, fn, context, pre_fn)`: schedules an
    /// ns-3 event `ns` nanoseconds from now (**relative**); it runs in M
    /// context as `pre_fn()` then `fn(context)`.  `pre_fn` **must not be
    /// NULL**.  The returned handle is valid only until the event has run or
    /// been cancelled.  Any context.
    pub event_schedule_ns: Option<
        unsafe extern "C" fn(
            kernel: *mut SimKernel,
            ns: u64,
            fn_: Option<unsafe extern "C" fn(context: *mut c_void)>,
            context: *mut c_void,
            pre_fn: Option<unsafe extern "C" fn()>,
        ) -> *mut c_void,
    >,
    /// `event_cancel(kernel, event)`: `Simulator::Remove`; the handle must
    /// still be valid (a stale one is a use-after-free).  Any context.
    pub event_cancel: Option<unsafe extern "C" fn(kernel: *mut SimKernel, event: *mut c_void)>,
    /// `current_ns(kernel)`: `Simulator::Now()` in ns, the only clock the
    /// library may use; it does not advance while library code runs.  Any
    /// context.
    pub current_ns: Option<unsafe extern "C" fn(kernel: *mut SimKernel) -> u64>,
    /// `task_start(kernel, callback, context)`: starts a DCE fiber (128 KiB
    /// stack) that will run `callback(context)` later; DCE calls
    /// `task_create(Task*, 0)` and returns that [`SimTask`].  `callback`
    /// must never return (DCE aborts if it does).  Call it from a task
    /// context; it is not among the calls allowed in M context.
    pub task_start: Option<
        unsafe extern "C" fn(
            kernel: *mut SimKernel,
            callback: Option<unsafe extern "C" fn(arg1: *mut c_void)>,
            context: *mut c_void,
        ) -> *mut SimTask,
    >,
    /// `task_wait(kernel)`: blocks the current DCE task until a
    /// `task_wakeup` of it; there is no timeout (build one from
    /// `event_schedule_ns` + `task_wakeup`).
    ///
    /// **Context: forbidden in M context** (DCE dereferences a NULL `Task`
    /// and crashes/asserts) **and on H-tasks** (no fiber: blocking corrupts
    /// DCE's scheduler).  Fine on K- and A-tasks; allowed but discouraged on
    /// D-tasks, which are deleted as soon as their ABI call returns.
    pub task_wait: Option<unsafe extern "C" fn(kernel: *mut SimKernel)>,
    /// `task_current(kernel)`: the [`SimTask`] of the running DCE task (or
    /// hi-task), created lazily through `task_create(Task*, pid)`.
    ///
    /// **Context: forbidden in M context**: there DCE dereferences a NULL
    /// `Task` and **crashes**; the library must answer "current" itself in
    /// event callbacks, `dev_create_packet` and `dev_rx`.  Fine in every task
    /// context (K, D, A, H).
    pub task_current: Option<unsafe extern "C" fn(kernel: *mut SimKernel) -> *mut SimTask>,
    /// `task_wakeup(kernel, task)`: makes a BLOCKED task runnable (it runs
    /// later at the same simulated time); returns 1 if it was blocked, else
    /// 0 (no-op).  DCE calls `task_get_private(task)`.  Any context.
    pub task_wakeup:
        Option<unsafe extern "C" fn(kernel: *mut SimKernel, task: *mut SimTask) -> c_int>,
    /// `task_yield(kernel)`: re-queues the current task and switches to the
    /// ns-3 event loop; other events at the same timestamp run first.
    /// Simulated time does not advance: a `task_yield` loop never ends.
    ///
    /// **Context: forbidden in M context** (crashes/asserts: no current
    /// `Task`) **and on H-tasks** (no fiber).  Fine on K- and A-tasks.
    pub task_yield: Option<unsafe extern "C" fn(kernel: *mut SimKernel)>,
    /// `dev_xmit(kernel, dev, data, len)`: one Ethernet II frame (`len >=
    /// 14`, at most MTU + 14, complete checksums); DCE copies `data + 14`
    /// into an ns-3 packet and sends it to `h_dest` with `h_proto` through
    /// the main fiber, ignoring the result.  The library keeps ownership of
    /// `data`.  Any context.
    pub dev_xmit: Option<
        unsafe extern "C" fn(
            kernel: *mut SimKernel,
            dev: *mut SimDevice,
            data: *mut c_uchar,
            len: c_int,
        ),
    >,
    /// `signal_raised(kernel, task, sig)`: a no-op in DCE 1.12 ("Not Yet
    /// Implemented"); signals are never delivered.  Any context.
    pub signal_raised:
        Option<unsafe extern "C" fn(kernel: *mut SimKernel, task: *mut SimTask, sig: c_int)>,
    /// `poll_event(flag, context)` (**no** [`SimKernel`] argument): DCE
    /// calls `PollTable::WakeUpCallback()` on `context` (the cookie it put
    /// in [`PollTableRef::opaque`](crate::PollTableRef::opaque)) and ignores
    /// `flag`.  Any context, any number of times, never after
    /// `sock_pollfreewait` of that waiter.
    pub poll_event: Option<unsafe extern "C" fn(flag: c_int, context: *mut c_void)>,
}

/// `KernelHandle`: the project's name for [`SimExported`], the table
/// through which DCE calls the kernel.
pub type KernelHandle = SimExported;

/// `DceHandle`: the project's name for [`SimImported`], the table through
/// which the kernel calls DCE.
pub type DceHandle = SimImported;

/// `SimInit`: the type of the library's only exported symbol,
/// `void sim_init(struct SimExported *, const struct SimImported *, struct SimKernel *)`.
///
/// DCE loads the node's shared object, looks up [`SIM_INIT_SYMBOL`] and
/// calls it **once per node, in a D-task, at t=0** with a zeroed
/// [`SimExported`] to fill, a [`SimImported`] that lives on its stack only
/// for the duration of the call, and the node's [`SimKernel`] cookie.
#[doc(alias = "sim_init")]
pub type SimInit = unsafe extern "C" fn(
    exported: *mut SimExported,
    imported: *const SimImported,
    kernel: *mut SimKernel,
);

/// `"sim_init"`: the name DCE `dlsym`s in the library to get its
/// [`SimInit`].
pub const SIM_INIT_SYMBOL: &CStr = c"sim_init";
