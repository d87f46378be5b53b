//! The library's `SimExported` table as DCE calls it.
//!
//! DCE never calls the library's functions directly: every socket, device
//! and sysctl entry point goes through a wrapper of its
//! `KernelSocketFdFactory` that first calls the kernel loader's
//! `NotifyStartExecute` (Documentation/dce/abi.rst, "Calling
//! conventions"), which swaps the node's segment in
//! ([`super::loader`]).  [`view`] returns a table of such wrappers: each
//! finds the node whose context runs (an event's or a task's), swaps its
//! segment in and calls the library.  Nothing is done when the call
//! returns, even if the calling task waited inside it.
//!
//! `task_create`, `task_destroy`, `task_get_private` and `dev_get_private`
//! are the library's own: DCE calls them from inside its imports, while
//! the library runs, without swapping.
//!
//! The wrappers also keep DCE's file table in the small: which sockets are
//! open, so that [`Host::teardown`](super::Host::teardown) closes them.

use super::{Host, NodeCtx};
use crate::SimError;
use core::ffi::{c_char, c_int, c_uchar, c_void};
use dce_abi::{
    MsgHdr, SimDevFlags, SimDevice, SimDevicePacket, SimExported, SimSocket, SimSysFile,
    SimSysIterator, SockAddr,
};

/// The table DCE's wrappers make of the library's `lib`.
pub fn view(lib: &SimExported) -> SimExported {
    SimExported {
        task_create: lib.task_create,
        task_destroy: lib.task_destroy,
        task_get_private: lib.task_get_private,
        sock_socket: Some(sock_socket),
        sock_close: Some(sock_close),
        sock_recvmsg: Some(sock_recvmsg),
        sock_sendmsg: Some(sock_sendmsg),
        sock_getsockname: Some(sock_getsockname),
        sock_getpeername: Some(sock_getpeername),
        sock_bind: Some(sock_bind),
        sock_connect: Some(sock_connect),
        sock_listen: Some(sock_listen),
        sock_shutdown: Some(sock_shutdown),
        sock_accept: Some(sock_accept),
        sock_ioctl: Some(sock_ioctl),
        sock_setsockopt: Some(sock_setsockopt),
        sock_getsockopt: Some(sock_getsockopt),
        sock_poll: Some(sock_poll),
        sock_pollfreewait: Some(sock_pollfreewait),
        dev_create: Some(dev_create),
        dev_destroy: Some(dev_destroy),
        dev_get_private: lib.dev_get_private,
        dev_set_address: Some(dev_set_address),
        dev_set_mtu: Some(dev_set_mtu),
        dev_create_packet: Some(dev_create_packet),
        dev_rx: Some(dev_rx),
        sys_iterate_files: Some(sys_iterate_files),
        sys_file_read: Some(sys_file_read),
        sys_file_write: Some(sys_file_write),
    }
}

/// DCE's wrapper prologue: the node whose context runs, its segment
/// swapped in, and the library's table.
fn enter(call: &str) -> (&'static NodeCtx, SimExported) {
    let Some(host) = Host::live() else {
        eprintln!("dce-sim: {call}() called with no live simulator");
        std::process::abort();
    };
    let Some(node) = host.sim().current_node() else {
        host.hard(SimError::Abi {
            node: None,
            msg: format!(
                "{call}() called outside any node's context (DCE's wrappers need the node's \
                 KernelSocketFdFactory)"
            ),
        })
    };
    let Some(nc) = host.ctx(node) else {
        host.hard(SimError::UnknownNode { node })
    };
    host.notify_start_execute(node);
    (nc, nc.library_table())
}

fn missing(call: &str) -> ! {
    // sim_init's check makes this unreachable for an initialized node.
    panic!("the library's {call} is NULL")
}

/// Wrappers that only swap and forward.
macro_rules! forward {
    ($( $name:ident ( $($arg:ident : $ty:ty),* ) $(-> $ret:ty)? ; )*) => {$(
        unsafe extern "C" fn $name($($arg: $ty),*) $(-> $ret)? {
            let (_, lib) = enter(stringify!($name));
            let f = lib.$name.unwrap_or_else(|| missing(stringify!($name)));
            // SAFETY: the library's own entry point, with DCE's arguments
            // passed through unchanged, from the node's context.
            unsafe { f($($arg),*) }
        }
    )*};
}

forward! {
    sock_recvmsg(s: *mut SimSocket, msg: *mut MsgHdr, flags: c_int) -> isize;
    sock_sendmsg(s: *mut SimSocket, msg: *const MsgHdr, flags: c_int) -> isize;
    sock_getsockname(s: *mut SimSocket, name: *mut SockAddr, len: *mut c_int) -> c_int;
    sock_getpeername(s: *mut SimSocket, name: *mut SockAddr, len: *mut c_int) -> c_int;
    sock_bind(s: *mut SimSocket, name: *const SockAddr, len: c_int) -> c_int;
    sock_connect(s: *mut SimSocket, name: *const SockAddr, len: c_int, flags: c_int) -> c_int;
    sock_listen(s: *mut SimSocket, backlog: c_int) -> c_int;
    sock_shutdown(s: *mut SimSocket, how: c_int) -> c_int;
    sock_ioctl(s: *mut SimSocket, request: c_int, argp: *mut c_char) -> c_int;
    sock_setsockopt(
        s: *mut SimSocket, level: c_int, name: c_int, value: *const c_void, len: c_int
    ) -> c_int;
    sock_getsockopt(
        s: *mut SimSocket, level: c_int, name: c_int, value: *mut c_void, len: *mut c_int
    ) -> c_int;
    sock_poll(s: *mut SimSocket, ret: *mut c_void);
    sock_pollfreewait(table: *mut c_void);
    dev_create(ifname: *const c_char, private: *mut c_void, flags: SimDevFlags) -> *mut SimDevice;
    dev_destroy(dev: *mut SimDevice);
    dev_set_address(dev: *mut SimDevice, mac: *mut c_uchar);
    dev_set_mtu(dev: *mut SimDevice, mtu: c_int);
    dev_create_packet(dev: *mut SimDevice, size: c_int) -> SimDevicePacket;
    dev_rx(dev: *mut SimDevice, packet: SimDevicePacket);
    sys_iterate_files(iter: *const SimSysIterator);
    sys_file_read(file: *const SimSysFile, buf: *mut c_char, size: c_int, offset: c_int) -> c_int;
    sys_file_write(
        file: *const SimSysFile, buf: *const c_char, size: c_int, offset: c_int
    ) -> c_int;
}

unsafe extern "C" fn sock_socket(
    domain: c_int,
    ty: c_int,
    protocol: c_int,
    out: *mut *mut SimSocket,
) -> c_int {
    let (nc, lib) = enter("sock_socket");
    let f = lib.sock_socket.unwrap_or_else(|| missing("sock_socket"));
    // SAFETY: as in `forward!`.
    let r = unsafe { f(domain, ty, protocol, out) };
    if r == 0 && !out.is_null() {
        // SAFETY: the library filled the caller's slot.
        nc.sockets
            .borrow_mut()
            .insert(unsafe { *out } as usize, owner());
    }
    r
}

/// The task (DCE: the thread of the process) that opens a socket.
fn owner() -> Option<crate::TaskId> {
    Host::live().and_then(|h| h.sim().task_current_quiet())
}

unsafe extern "C" fn sock_accept(
    s: *mut SimSocket,
    out: *mut *mut SimSocket,
    flags: c_int,
) -> c_int {
    let (nc, lib) = enter("sock_accept");
    let f = lib.sock_accept.unwrap_or_else(|| missing("sock_accept"));
    // SAFETY: as in `forward!`.
    let r = unsafe { f(s, out, flags) };
    if r == 0 && !out.is_null() {
        // SAFETY: the library filled the caller's slot.
        nc.sockets
            .borrow_mut()
            .insert(unsafe { *out } as usize, owner());
    }
    r
}

unsafe extern "C" fn sock_close(s: *mut SimSocket) -> c_int {
    let (nc, lib) = enter("sock_close");
    let f = lib.sock_close.unwrap_or_else(|| missing("sock_close"));
    nc.sockets.borrow_mut().remove(&(s as usize));
    // SAFETY: as in `forward!`.
    unsafe { f(s) }
}
