//! The `SimExported` table: which module serves each entry point
//! (`task_*` are filled by `sim_init` itself, before anything else).

use dce_abi::KernelHandle;

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
    e.sock_poll = Some(crate::poll::sock_poll);
    e.sock_pollfreewait = Some(crate::poll::sock_pollfreewait);
    e.dev_create = Some(crate::netdev::dev_create);
    e.dev_destroy = Some(crate::netdev::dev_destroy);
    e.dev_get_private = Some(crate::netdev::dev_get_private);
    e.dev_set_address = Some(crate::netdev::dev_set_address);
    e.dev_set_mtu = Some(crate::netdev::dev_set_mtu);
    e.dev_create_packet = Some(crate::netdev::dev_create_packet);
    e.dev_rx = Some(crate::netdev::dev_rx);
    e.sys_iterate_files = Some(crate::sysctl::sys_iterate_files);
    e.sys_file_read = Some(crate::sysctl::sys_file_read);
    e.sys_file_write = Some(crate::sysctl::sys_file_write);
}
