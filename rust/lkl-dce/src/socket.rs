//! Socket entry points (dce-abi.md §2.2), forwarded to the kernel's own
//! system calls on the calling task, which runs them as its host task.
//!
//! A `SimSocket *` is the kernel file descriptor plus one (never NULL).
//! DCE passes the application's own `msghdr`/`sockaddr`, which on x86-64
//! have the kernel's user-space layouts, so they go through unchanged.
//! Return values follow DCE's convention: a count or 0, or `-errno`;
//! `-ENODEV` once this node's kernel has panicked.
//!
//! `sock_poll` registers a waiter of the arch (`arch/lkl/kernel/poll.c`)
//! that calls DCE's `poll_event` on every matching wake-up, until
//! `sock_pollfreewait` (dce-abi.md §2.3).

use crate::node::{dce, log, printf_int, syscall as sys};
use core::ffi::{c_char, c_int, c_long, c_uint, c_void};
use core::ptr;
use dce_abi::{MsgHdr, PollTableRef, SimSocket, SockAddr};
use lkl_sys::sysno::{
    SYS_accept4, SYS_bind, SYS_close, SYS_connect, SYS_fcntl, SYS_getpeername, SYS_getsockname,
    SYS_getsockopt, SYS_ioctl, SYS_listen, SYS_recvmsg, SYS_sendmsg, SYS_setsockopt, SYS_shutdown,
    SYS_socket,
};
use lkl_sys::{LklPoll, NR_LKL_POLL_ADD, NR_LKL_POLL_DEL};

const EINVAL: c_long = 22;
const EBADF: c_long = 9;
/// `SOCK_NONBLOCK`/`SOCK_CLOEXEC` live above the type bits; DCE's fds ignore
/// them (dce-abi.md §9-H5), so the kernel does not see them either.
const SOCK_TYPE_MASK: c_int = 0xf;
/// File status flag DCE passes to connect and accept (asm-generic value,
/// the same as x86-64's).
const O_NONBLOCK: c_int = 0o4000;
const F_GETFL: c_long = 3;
const F_SETFL: c_long = 4;

fn fd_of(s: *mut SimSocket) -> Option<c_long> {
    (!s.is_null()).then(|| s as usize as c_long - 1)
}

/// Runs system call `no` with the socket's descriptor as first argument.
fn on_fd(s: *mut SimSocket, no: c_long, rest: [c_long; 5]) -> c_long {
    match fd_of(s) {
        Some(fd) => sys(no, [fd, rest[0], rest[1], rest[2], rest[3], rest[4]]),
        None => -EBADF,
    }
}

fn sock_of(fd: c_long) -> *mut SimSocket {
    (fd as usize + 1) as *mut SimSocket
}

/// Runs `call` on `fd` with `O_NONBLOCK` set when `flags` ask for it (DCE's
/// connect and accept take file status flags, not `MSG_*` flags).
fn with_status_flags(fd: c_long, flags: c_int, call: impl FnOnce() -> c_long) -> c_long {
    if flags & O_NONBLOCK == 0 {
        return call();
    }
    let old = sys(SYS_fcntl, [fd, F_GETFL, 0, 0, 0, 0]);
    if old < 0 {
        return old;
    }
    let set = sys(
        SYS_fcntl,
        [fd, F_SETFL, old | c_long::from(O_NONBLOCK), 0, 0, 0],
    );
    if set < 0 {
        return set;
    }
    let ret = call();
    sys(SYS_fcntl, [fd, F_SETFL, old, 0, 0, 0]);
    ret
}

pub unsafe extern "C" fn sock_socket(
    domain: c_int,
    ty: c_int,
    protocol: c_int,
    socket: *mut *mut SimSocket,
) -> c_int {
    if socket.is_null() {
        return -EINVAL as c_int;
    }
    let fd = sys(
        SYS_socket,
        [
            domain.into(),
            (ty & SOCK_TYPE_MASK).into(),
            protocol.into(),
            0,
            0,
            0,
        ],
    );
    if fd < 0 {
        // On error the output is left alone (dce-abi.md §2.2).
        return fd as c_int;
    }
    // SAFETY: DCE passes a writable SimSocket* slot (checked non-NULL).
    unsafe { *socket = sock_of(fd) };
    0
}

pub unsafe extern "C" fn sock_close(s: *mut SimSocket) -> c_int {
    on_fd(s, SYS_close, [0; 5]) as c_int
}

pub unsafe extern "C" fn sock_recvmsg(s: *mut SimSocket, msg: *mut MsgHdr, flags: c_int) -> isize {
    on_fd(s, SYS_recvmsg, [msg as c_long, flags.into(), 0, 0, 0]) as isize
}

pub unsafe extern "C" fn sock_sendmsg(
    s: *mut SimSocket,
    msg: *const MsgHdr,
    flags: c_int,
) -> isize {
    on_fd(s, SYS_sendmsg, [msg as c_long, flags.into(), 0, 0, 0]) as isize
}

pub unsafe extern "C" fn sock_getsockname(
    s: *mut SimSocket,
    name: *mut SockAddr,
    len: *mut c_int,
) -> c_int {
    on_fd(s, SYS_getsockname, [name as c_long, len as c_long, 0, 0, 0]) as c_int
}

pub unsafe extern "C" fn sock_getpeername(
    s: *mut SimSocket,
    name: *mut SockAddr,
    len: *mut c_int,
) -> c_int {
    on_fd(s, SYS_getpeername, [name as c_long, len as c_long, 0, 0, 0]) as c_int
}

pub unsafe extern "C" fn sock_bind(s: *mut SimSocket, name: *const SockAddr, len: c_int) -> c_int {
    on_fd(s, SYS_bind, [name as c_long, len.into(), 0, 0, 0]) as c_int
}

pub unsafe extern "C" fn sock_connect(
    s: *mut SimSocket,
    name: *const SockAddr,
    len: c_int,
    flags: c_int,
) -> c_int {
    let Some(fd) = fd_of(s) else {
        return -EBADF as c_int;
    };
    with_status_flags(fd, flags, || {
        sys(SYS_connect, [fd, name as c_long, len.into(), 0, 0, 0])
    }) as c_int
}

pub unsafe extern "C" fn sock_listen(s: *mut SimSocket, backlog: c_int) -> c_int {
    on_fd(s, SYS_listen, [backlog.into(), 0, 0, 0, 0]) as c_int
}

pub unsafe extern "C" fn sock_shutdown(s: *mut SimSocket, how: c_int) -> c_int {
    on_fd(s, SYS_shutdown, [how.into(), 0, 0, 0, 0]) as c_int
}

pub unsafe extern "C" fn sock_accept(
    s: *mut SimSocket,
    new_socket: *mut *mut SimSocket,
    flags: c_int,
) -> c_int {
    let Some(fd) = fd_of(s) else {
        return -EBADF as c_int;
    };
    if new_socket.is_null() {
        return -EINVAL as c_int;
    }
    let new_fd = with_status_flags(fd, flags, || sys(SYS_accept4, [fd, 0, 0, 0, 0, 0]));
    if new_fd < 0 {
        return new_fd as c_int;
    }
    // SAFETY: DCE passes a writable SimSocket* slot (checked non-NULL).
    unsafe { *new_socket = sock_of(new_fd) };
    0
}

pub unsafe extern "C" fn sock_ioctl(s: *mut SimSocket, request: c_int, argp: *mut c_char) -> c_int {
    // DCE truncates the request to int; ioctl numbers fit in 32 bits.
    let request = c_long::from(request as u32);
    on_fd(s, SYS_ioctl, [request, argp as c_long, 0, 0, 0]) as c_int
}

pub unsafe extern "C" fn sock_setsockopt(
    s: *mut SimSocket,
    level: c_int,
    name: c_int,
    value: *const c_void,
    len: c_int,
) -> c_int {
    let args = [level.into(), name.into(), value as c_long, len.into(), 0];
    on_fd(s, SYS_setsockopt, args) as c_int
}

pub unsafe extern "C" fn sock_getsockopt(
    s: *mut SimSocket,
    level: c_int,
    name: c_int,
    value: *mut c_void,
    len: *mut c_int,
) -> c_int {
    let args = [level.into(), name.into(), value as c_long, len as c_long, 0];
    on_fd(s, SYS_getsockopt, args) as c_int
}

const POLLERR: c_int = 0x008;
const POLLHUP: c_int = 0x010;
const POLLNVAL: c_int = 0x020;

/// The kernel's poll callback: tells DCE's `PollTable` (the cookie).
unsafe extern "C" fn poll_notify(cookie: *mut c_void, key: c_uint) {
    let (dce, _) = dce();
    if let Some(poll_event) = dce.poll_event {
        // SAFETY: `cookie` is DCE's PollTable*, live until sock_pollfreewait
        // removes this waiter; poll_event is valid in every context.
        unsafe { poll_event(key as c_int, cookie) };
    }
}

/// `sock_poll(s, ref)`: the socket's readiness in `ref.ret`; with a
/// `PollTable*` in `ref.opaque`, also a waiter that calls `poll_event` on
/// every matching wake-up, whose handle replaces `ref.opaque`.  A bad
/// socket reads `POLLNVAL`, a dead kernel `POLLERR | POLLHUP`; then no
/// waiter is left (`opaque` NULL).
pub unsafe extern "C" fn sock_poll(s: *mut SimSocket, r: *mut c_void) {
    let r = r as *mut PollTableRef;
    if r.is_null() {
        return;
    }
    // SAFETY: DCE passes its poll_table_ref, valid during the call.
    let (wanted, cookie) = unsafe { ((*r).ret, (*r).opaque) };
    let Some(fd) = fd_of(s) else {
        // SAFETY: as above.
        unsafe {
            (*r).ret = POLLNVAL;
            (*r).opaque = ptr::null_mut();
        }
        return;
    };
    let mut handle: *mut LklPoll = ptr::null_mut();
    let notify: Option<lkl_sys::LklPollNotify> = (!cookie.is_null()).then_some(poll_notify);
    let ret = sys(
        NR_LKL_POLL_ADD,
        [
            fd,
            c_long::from(wanted as c_uint),
            notify.map_or(0, |f| f as usize as c_long),
            cookie as c_long,
            ptr::addr_of_mut!(handle) as c_long,
            0,
        ],
    );
    let (mask, opaque) = match ret {
        -9 => (POLLNVAL, ptr::null_mut()),
        r if r < 0 => (POLLERR | POLLHUP, ptr::null_mut()),
        r => (r as c_int, handle.cast()),
    };
    // SAFETY: as above.
    unsafe {
        (*r).ret = mask;
        (*r).opaque = opaque;
    }
}

/// `sock_pollfreewait(handle)`: removes a waiter of `sock_poll`; NULL is
/// fine (DCE passes it when `sock_poll` registered nothing).
pub unsafe extern "C" fn sock_pollfreewait(handle: *mut c_void) {
    if handle.is_null() {
        return;
    }
    let ret = sys(NR_LKL_POLL_DEL, [handle as c_long, 0, 0, 0, 0, 0]);
    if ret < 0 && ret != -19 {
        log("lkl-dce: sock_pollfreewait");
        printf_int(c" failed: %d\n".as_ptr(), ret as c_int);
    }
}
