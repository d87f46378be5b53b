//! Socket entry points (Documentation/dce/abi.rst, "Socket semantics",
//! "The poll protocol"), each one [`Request`] for
//! the kernel's own system calls ([`crate::call`]).
//!
//! A `SimSocket *` is the kernel file descriptor plus one (never NULL).
//! DCE passes the application's own `msghdr`/`sockaddr`, which on x86-64
//! have the kernel's user-space layouts, so they go through unchanged.
//! Return values follow DCE's convention: a count or 0, or `-errno`;
//! `-ENODEV` once this node's kernel has panicked.
//!
//! Which calls may wait for the kernel ([`Wait::May`]): `recvmsg` and
//! `sendmsg` without `MSG_DONTWAIT`, `connect` and `accept` without
//! `O_NONBLOCK`, and `ioctl`.  All the others are non-blocking by nature
//! or by their flags, which is how DCE's Cradle, whose calls come without
//! a fiber, always makes them; `sock_close` and `sock_pollfreewait` come
//! from DCE's teardown without any task.  Those never wait
//! ([`Wait::Never`]).
//!
//! `sock_poll` and `sock_pollfreewait` are in [`crate::poll`].

use crate::call::{self, syscall as sys, Args, Request, Wait};
use crate::node;
use core::ffi::{c_char, c_int, c_long, c_void};
use dce_abi::{MsgHdr, SimSocket, SockAddr};
use lkl_sys::sysno::{
    SYS_accept4, SYS_bind, SYS_close, SYS_connect, SYS_fcntl, SYS_getpeername, SYS_getsockname,
    SYS_getsockopt, SYS_ioctl, SYS_listen, SYS_recvmsg, SYS_sendmsg, SYS_setsockopt, SYS_shutdown,
    SYS_socket,
};
// O_NONBLOCK: the file status flag DCE passes to connect and accept
// (asm-generic value, the same as x86-64's).  SOCK_TYPE_MASK: DCE's fds
// ignore SOCK_NONBLOCK/SOCK_CLOEXEC, which live above the type bits
// (abi.rst "Hazards", H5), so the kernel does not see them either.
use lkl_sys::consts::{MSG_DONTWAIT, O_NONBLOCK, SOCK_TYPE_MASK};
use lkl_sys::{consts, Errno};

const EINVAL: c_long = Errno::EINVAL.0 as c_long;
const EBADF: c_long = Errno::EBADF.0 as c_long;
const ENODEV: c_long = Errno::ENODEV.0 as c_long;
const F_GETFL: c_long = consts::F_GETFL as c_long;
const F_SETFL: c_long = consts::F_SETFL as c_long;
const SHUT_RDWR: c_long = consts::SHUT_RDWR as c_long;

pub(crate) fn fd_of(s: *mut SimSocket) -> Option<c_long> {
    (!s.is_null()).then(|| s as usize as c_long - 1)
}

fn sock_of(fd: c_long) -> *mut SimSocket {
    (fd as usize + 1) as *mut SimSocket
}

fn wait_unless(nonblocking: bool) -> Wait {
    if nonblocking {
        Wait::Never
    } else {
        Wait::May
    }
}

/// Runs `op` on socket `s`, whose descriptor becomes `a[0]`.
fn on_socket(
    what: &'static str,
    s: *mut SimSocket,
    op: call::Op,
    rest: [c_long; 5],
    wait: Wait,
) -> call::Outcome {
    let Some(fd) = fd_of(s) else {
        return call::Outcome::err(-EBADF);
    };
    let mut req = Request::new(what, op, [fd, rest[0], rest[1], rest[2], rest[3], rest[4]]);
    req.fd = fd;
    req.wait = wait;
    call::call(req)
}

/// The system call numbered `a[5]` on the descriptor `a[0]` and up to four
/// more arguments.
unsafe fn op_fd_call(a: &mut Args) -> c_long {
    let x = a.a;
    sys(x[5], [x[0], x[1], x[2], x[3], x[4], 0])
}

fn fd_call(
    what: &'static str,
    s: *mut SimSocket,
    no: c_long,
    x: [c_long; 4],
    wait: Wait,
) -> c_long {
    on_socket(what, s, op_fd_call, [x[0], x[1], x[2], x[3], no], wait).ret
}

/// Closes the descriptor a request that nobody waits for any more created.
unsafe fn undo_new_fd(ret: c_long, _a: &mut Args) {
    if ret >= 0 {
        sys(SYS_close, [ret, 0, 0, 0, 0, 0]);
    }
}

/// Runs `no` on `fd` (arguments `x`) with `O_NONBLOCK` set for the call
/// when `flags` ask for it (DCE's connect and accept take file status
/// flags, not `MSG_*` flags).
fn with_status_flags(fd: c_long, flags: c_long, no: c_long, x: [c_long; 5]) -> c_long {
    let call = || sys(no, [fd, x[0], x[1], x[2], x[3], x[4]]);
    if flags & c_long::from(O_NONBLOCK) == 0 {
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

unsafe fn op_socket(a: &mut Args) -> c_long {
    sys(SYS_socket, [a.a[0], a.a[1], a.a[2], 0, 0, 0])
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
    let mut req = Request::new(
        "sock_socket",
        op_socket,
        [
            domain.into(),
            (ty & SOCK_TYPE_MASK).into(),
            protocol.into(),
            0,
            0,
            0,
        ],
    );
    req.wait = Wait::Never;
    req.undo = Some(undo_new_fd);
    let fd = call::call(req).ret;
    if fd < 0 {
        // On error the output is left alone (abi.rst "Socket semantics").
        return fd as c_int;
    }
    // SAFETY: DCE passes a writable SimSocket* slot (checked non-NULL).
    unsafe { *socket = sock_of(fd) };
    0
}

/// `a[1]`: calls were in flight on the socket: shut it down first so that
/// they end.
unsafe fn op_close(a: &mut Args) -> c_long {
    if a.a[1] != 0 {
        sys(SYS_shutdown, [a.a[0], SHUT_RDWR, 0, 0, 0, 0]);
    }
    sys(SYS_close, [a.a[0], 0, 0, 0, 0, 0])
}

/// `sock_close(s)`: never waits (DCE's teardown calls it with no task).
/// Calls still in flight on the socket are orphaned: their callers are
/// gone (a process that exited) or will never be answered.
pub unsafe extern "C" fn sock_close(s: *mut SimSocket) -> c_int {
    let Some(fd) = fd_of(s) else {
        return -EBADF as c_int;
    };
    if node::node().is_dead() {
        return 0; // the kernel and its sockets are gone already
    }
    // Quiet: abandoning the orphans runs the kernel (see call::abandon).
    let orphans = crate::defer::quietly(|| call::orphan(fd));
    let mut req = Request::new(
        "sock_close",
        op_close,
        [fd, c_long::from(orphans), 0, 0, 0, 0],
    );
    req.fd = fd;
    req.wait = Wait::Never;
    req.quiet = true;
    let out = call::call(req);
    // The descriptor is gone either way when a close that blocks (a
    // lingering socket) goes on in the kernel without the caller, or when
    // the kernel died and took the socket with it.
    if out.abandoned || out.ret == -ENODEV {
        return 0;
    }
    out.ret as c_int
}

pub unsafe extern "C" fn sock_recvmsg(s: *mut SimSocket, msg: *mut MsgHdr, flags: c_int) -> isize {
    let wait = wait_unless(flags & MSG_DONTWAIT != 0);
    let x = [msg as c_long, flags.into(), 0, 0];
    fd_call("sock_recvmsg", s, SYS_recvmsg, x, wait) as isize
}

pub unsafe extern "C" fn sock_sendmsg(
    s: *mut SimSocket,
    msg: *const MsgHdr,
    flags: c_int,
) -> isize {
    let wait = wait_unless(flags & MSG_DONTWAIT != 0);
    let x = [msg as c_long, flags.into(), 0, 0];
    fd_call("sock_sendmsg", s, SYS_sendmsg, x, wait) as isize
}

pub unsafe extern "C" fn sock_getsockname(
    s: *mut SimSocket,
    name: *mut SockAddr,
    len: *mut c_int,
) -> c_int {
    let x = [name as c_long, len as c_long, 0, 0];
    fd_call("sock_getsockname", s, SYS_getsockname, x, Wait::Never) as c_int
}

pub unsafe extern "C" fn sock_getpeername(
    s: *mut SimSocket,
    name: *mut SockAddr,
    len: *mut c_int,
) -> c_int {
    let x = [name as c_long, len as c_long, 0, 0];
    fd_call("sock_getpeername", s, SYS_getpeername, x, Wait::Never) as c_int
}

pub unsafe extern "C" fn sock_bind(s: *mut SimSocket, name: *const SockAddr, len: c_int) -> c_int {
    let x = [name as c_long, len.into(), 0, 0];
    fd_call("sock_bind", s, SYS_bind, x, Wait::Never) as c_int
}

/// `a`: fd, address, length, status flags.
unsafe fn op_connect(a: &mut Args) -> c_long {
    let x = a.a;
    with_status_flags(x[0], x[3], SYS_connect, [x[1], x[2], 0, 0, 0])
}

pub unsafe extern "C" fn sock_connect(
    s: *mut SimSocket,
    name: *const SockAddr,
    len: c_int,
    flags: c_int,
) -> c_int {
    let wait = wait_unless(flags & O_NONBLOCK != 0);
    let rest = [name as c_long, len.into(), flags.into(), 0, 0];
    on_socket("sock_connect", s, op_connect, rest, wait).ret as c_int
}

pub unsafe extern "C" fn sock_listen(s: *mut SimSocket, backlog: c_int) -> c_int {
    fd_call(
        "sock_listen",
        s,
        SYS_listen,
        [backlog.into(), 0, 0, 0],
        Wait::Never,
    ) as c_int
}

pub unsafe extern "C" fn sock_shutdown(s: *mut SimSocket, how: c_int) -> c_int {
    fd_call(
        "sock_shutdown",
        s,
        SYS_shutdown,
        [how.into(), 0, 0, 0],
        Wait::Never,
    ) as c_int
}

/// `a`: fd, status flags.
unsafe fn op_accept(a: &mut Args) -> c_long {
    with_status_flags(a.a[0], a.a[1], SYS_accept4, [0; 5])
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
    let mut req = Request::new("sock_accept", op_accept, [fd, flags.into(), 0, 0, 0, 0]);
    req.fd = fd;
    req.wait = wait_unless(flags & O_NONBLOCK != 0);
    req.undo = Some(undo_new_fd);
    let new_fd = call::call(req).ret;
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
    let x = [request, argp as c_long, 0, 0];
    fd_call("sock_ioctl", s, SYS_ioctl, x, Wait::May) as c_int
}

pub unsafe extern "C" fn sock_setsockopt(
    s: *mut SimSocket,
    level: c_int,
    name: c_int,
    value: *const c_void,
    len: c_int,
) -> c_int {
    let x = [level.into(), name.into(), value as c_long, len.into()];
    fd_call("sock_setsockopt", s, SYS_setsockopt, x, Wait::Never) as c_int
}

pub unsafe extern "C" fn sock_getsockopt(
    s: *mut SimSocket,
    level: c_int,
    name: c_int,
    value: *mut c_void,
    len: *mut c_int,
) -> c_int {
    let x = [level.into(), name.into(), value as c_long, len as c_long];
    fd_call("sock_getsockopt", s, SYS_getsockopt, x, Wait::Never) as c_int
}
