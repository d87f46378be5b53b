//! The table of entry points, and those whose module does not exist yet
//! (sysctl): each logs once per node through `vprintf` and fails with
//! `-EOPNOTSUPP`, touching no output pointer.  Listed as unsupported in
//! `Documentation/dce/design.rst`.

use crate::node::{log, node};
use core::ffi::{c_char, c_int};
use dce_abi::{KernelHandle, SimSysFile, SimSysIterator};

const EOPNOTSUPP: c_int = 95;

/// Log "`name` is not supported yet" once per node (bit `bit`).
fn unsupported(bit: u32, name: &str) {
    let n = node();
    // SAFETY: single-threaded access to our static.
    let first = unsafe {
        let first = (*n).warned & (1 << bit) == 0;
        (*n).warned |= 1 << bit;
        first
    };
    if first {
        log("lkl-dce: ");
        log(name);
        log(" is not supported yet\n");
    }
}

unsafe extern "C" fn sys_iterate_files(_: *const SimSysIterator) {
    unsupported(26, "sys_iterate_files");
}
unsafe extern "C" fn sys_file_read(
    _: *const SimSysFile,
    _: *mut c_char,
    _: c_int,
    _: c_int,
) -> c_int {
    unsupported(27, "sys_file_read");
    -EOPNOTSUPP
}
unsafe extern "C" fn sys_file_write(
    _: *const SimSysFile,
    _: *const c_char,
    _: c_int,
    _: c_int,
) -> c_int {
    unsupported(28, "sys_file_write");
    -EOPNOTSUPP
}

/// Fill slots 3..=28 of `exported`.
pub fn fill(e: &mut KernelHandle) {
    e.sock_socket = Some(crate::socket::sock_socket);
    e.sock_close = Some(crate::socket::sock_close);
    e.sock_recvmsg = Some(crate::socket::sock_recvmsg);
    e.sock_sendmsg = Some(crate::socket::sock_sendmsg);
    e.sock_getsockname = Some(crate::socket::sock_getsockname);
    e.sock_getpeername = Some(crate::socket::sock_getpeername);
    e.sock_bind = Some(crate::socket::sock_bind);
    e.sock_connect = Some(crate::socket::sock_connect);
    e.sock_listen = Some(crate::socket::sock_listen);
    e.sock_shutdown = Some(crate::socket::sock_shutdown);
    e.sock_accept = Some(crate::socket::sock_accept);
    e.sock_ioctl = Some(crate::socket::sock_ioctl);
    e.sock_setsockopt = Some(crate::socket::sock_setsockopt);
    e.sock_getsockopt = Some(crate::socket::sock_getsockopt);
    e.sock_poll = Some(crate::socket::sock_poll);
    e.sock_pollfreewait = Some(crate::socket::sock_pollfreewait);
    e.dev_create = Some(crate::netdev::dev_create);
    e.dev_destroy = Some(crate::netdev::dev_destroy);
    e.dev_get_private = Some(crate::netdev::dev_get_private);
    e.dev_set_address = Some(crate::netdev::dev_set_address);
    e.dev_set_mtu = Some(crate::netdev::dev_set_mtu);
    e.dev_create_packet = Some(crate::netdev::dev_create_packet);
    e.dev_rx = Some(crate::netdev::dev_rx);
    e.sys_iterate_files = Some(sys_iterate_files);
    e.sys_file_read = Some(sys_file_read);
    e.sys_file_write = Some(sys_file_write);
}
