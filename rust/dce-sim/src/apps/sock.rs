//! A thin safe wrapper over the socket entry points of [`SimExported`].
//!
//! [`Socket`] holds a copy of a node's [`SimExported`] table and the
//! library's `SimSocket*`, and calls the entry points the way DCE's
//! `KernelSocketFd` does: every pointer handed to the library points to a
//! live buffer of this process (the "user space" of a DCE program), lengths
//! are `int`, results are `0`/a count or `-errno` ([`Errno`]).
//!
//! Socket addresses are [`SockAddr`]: the raw bytes of a `struct sockaddr_*`
//! (glibc layout) with their length, built from `std::net` types, from the
//! `libc` structs or for netlink, and decoded back the same ways.
//!
//! Every method must be called from inside a task of the node whose table
//! the socket was created with (see the [module documentation](super)).

use core::ffi::{c_char, c_int, c_void};
use core::fmt;
use dce_abi::{MsgHdr, SimExported, SimSocket};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// A positive errno value, the failure of a library call (the library
/// returned `-errno`): the one of `lkl_sys`, named and printed as
/// `EEXIST: File exists`.
pub use lkl_sys::Errno;

/// Size of the address buffer: `sizeof(struct sockaddr_storage)`.
const SOCKADDR_MAX: usize = 128;

/// Storage of a socket address, aligned like `struct sockaddr_storage`.
#[repr(C, align(8))]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Storage([u8; SOCKADDR_MAX]);

/// A socket address: the bytes of a `struct sockaddr_*` in the layout of
/// glibc/the kernel (native-endian family, network-order port and address)
/// and its length.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SockAddr {
    buf: Storage,
    len: u32,
}

const SIN_LEN: usize = core::mem::size_of::<libc::sockaddr_in>();
const SIN6_LEN: usize = core::mem::size_of::<libc::sockaddr_in6>();
const SNL_LEN: usize = core::mem::size_of::<libc::sockaddr_nl>();

// The byte offsets used below are those of the glibc/kernel structs.
const _: () = assert!(SIN_LEN == 16 && SIN6_LEN == 28 && SNL_LEN == 12);

fn get<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&b[at..at + N]);
    out
}

impl SockAddr {
    /// An empty address (family `AF_UNSPEC`, length 0).
    fn empty() -> SockAddr {
        SockAddr {
            buf: Storage([0; SOCKADDR_MAX]),
            len: 0,
        }
    }

    /// From raw bytes (at most 128).
    pub fn from_bytes(bytes: &[u8]) -> Option<SockAddr> {
        let mut a = SockAddr::empty();
        a.buf.0.get_mut(..bytes.len())?.copy_from_slice(bytes);
        a.len = bytes.len() as u32;
        Some(a)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf.0[..self.len as usize]
    }

    /// The length in bytes (`socklen_t`).
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True for a zero-length address.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The address family (`AF_*`), 0 if shorter than a family.
    pub fn family(&self) -> i32 {
        if self.len < 2 {
            return 0;
        }
        i32::from(u16::from_ne_bytes(get(&self.buf.0, 0)))
    }

    /// An `AF_INET` address (`struct sockaddr_in`).
    pub fn v4(addr: SocketAddrV4) -> SockAddr {
        let mut a = SockAddr::empty();
        let b = &mut a.buf.0;
        b[0..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        b[2..4].copy_from_slice(&addr.port().to_be_bytes());
        b[4..8].copy_from_slice(&addr.ip().octets());
        a.len = SIN_LEN as u32;
        a
    }

    /// An `AF_INET6` address (`struct sockaddr_in6`).
    pub fn v6(addr: SocketAddrV6) -> SockAddr {
        let mut a = SockAddr::empty();
        let b = &mut a.buf.0;
        b[0..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
        b[2..4].copy_from_slice(&addr.port().to_be_bytes());
        b[4..8].copy_from_slice(&addr.flowinfo().to_be_bytes());
        b[8..24].copy_from_slice(&addr.ip().octets());
        b[24..28].copy_from_slice(&addr.scope_id().to_ne_bytes());
        a.len = SIN6_LEN as u32;
        a
    }

    /// An `AF_INET` or `AF_INET6` address.
    pub fn inet(addr: SocketAddr) -> SockAddr {
        match addr {
            SocketAddr::V4(a) => SockAddr::v4(a),
            SocketAddr::V6(a) => SockAddr::v6(a),
        }
    }

    /// An `AF_INET`/`AF_INET6` address with port 0 (what raw sockets take).
    pub fn ip(ip: IpAddr) -> SockAddr {
        SockAddr::inet(SocketAddr::new(ip, 0))
    }

    /// An `AF_NETLINK` address (`struct sockaddr_nl`); `pid` 0 is the kernel.
    pub fn netlink(pid: u32, groups: u32) -> SockAddr {
        let mut a = SockAddr::empty();
        let b = &mut a.buf.0;
        b[0..2].copy_from_slice(&(libc::AF_NETLINK as u16).to_ne_bytes());
        b[4..8].copy_from_slice(&pid.to_ne_bytes());
        b[8..12].copy_from_slice(&groups.to_ne_bytes());
        a.len = SNL_LEN as u32;
        a
    }

    /// The `std::net` form of an `AF_INET`/`AF_INET6` address.
    pub fn as_inet(&self) -> Option<SocketAddr> {
        let b = &self.buf.0;
        let port = u16::from_be_bytes(get(b, 2));
        match self.family() {
            libc::AF_INET if self.len() >= 8 => Some(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(get::<4>(b, 4)),
                port,
            ))),
            libc::AF_INET6 if self.len() >= 24 => Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(get::<16>(b, 8)),
                port,
                u32::from_be_bytes(get(b, 4)),
                if self.len() >= 28 {
                    u32::from_ne_bytes(get(b, 24))
                } else {
                    0
                },
            ))),
            _ => None,
        }
    }

    /// `(nl_pid, nl_groups)` of an `AF_NETLINK` address.
    pub fn as_netlink(&self) -> Option<(u32, u32)> {
        (self.family() == libc::AF_NETLINK && self.len() >= SNL_LEN).then(|| {
            (
                u32::from_ne_bytes(get(&self.buf.0, 4)),
                u32::from_ne_bytes(get(&self.buf.0, 8)),
            )
        })
    }

    /// The `libc` struct of an `AF_INET` address.
    pub fn to_sockaddr_in(&self) -> Option<libc::sockaddr_in> {
        if self.family() != libc::AF_INET || self.len() < 8 {
            return None;
        }
        let b = &self.buf.0;
        Some(libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: u16::from_ne_bytes(get(b, 2)),
            sin_addr: libc::in_addr {
                s_addr: u32::from_ne_bytes(get(b, 4)),
            },
            sin_zero: [0; 8],
        })
    }

    /// The `libc` struct of an `AF_INET6` address.
    pub fn to_sockaddr_in6(&self) -> Option<libc::sockaddr_in6> {
        if self.family() != libc::AF_INET6 || self.len() < SIN6_LEN {
            return None;
        }
        let b = &self.buf.0;
        Some(libc::sockaddr_in6 {
            sin6_family: libc::AF_INET6 as libc::sa_family_t,
            sin6_port: u16::from_ne_bytes(get(b, 2)),
            sin6_flowinfo: u32::from_ne_bytes(get(b, 4)),
            sin6_addr: libc::in6_addr { s6_addr: get(b, 8) },
            sin6_scope_id: u32::from_ne_bytes(get(b, 24)),
        })
    }

    fn as_ptr(&self) -> *const dce_abi::SockAddr {
        self.buf.0.as_ptr().cast()
    }
}

impl From<libc::sockaddr_in> for SockAddr {
    fn from(s: libc::sockaddr_in) -> Self {
        let mut a = SockAddr::empty();
        let b = &mut a.buf.0;
        b[0..2].copy_from_slice(&s.sin_family.to_ne_bytes());
        b[2..4].copy_from_slice(&s.sin_port.to_ne_bytes());
        b[4..8].copy_from_slice(&s.sin_addr.s_addr.to_ne_bytes());
        a.len = SIN_LEN as u32;
        a
    }
}

impl From<libc::sockaddr_in6> for SockAddr {
    fn from(s: libc::sockaddr_in6) -> Self {
        let mut a = SockAddr::empty();
        let b = &mut a.buf.0;
        b[0..2].copy_from_slice(&s.sin6_family.to_ne_bytes());
        b[2..4].copy_from_slice(&s.sin6_port.to_ne_bytes());
        b[4..8].copy_from_slice(&s.sin6_flowinfo.to_ne_bytes());
        b[8..24].copy_from_slice(&s.sin6_addr.s6_addr);
        b[24..28].copy_from_slice(&s.sin6_scope_id.to_ne_bytes());
        a.len = SIN6_LEN as u32;
        a
    }
}

impl From<libc::sockaddr_nl> for SockAddr {
    fn from(s: libc::sockaddr_nl) -> Self {
        SockAddr::netlink(s.nl_pid, s.nl_groups)
    }
}

impl From<SocketAddr> for SockAddr {
    fn from(a: SocketAddr) -> Self {
        SockAddr::inet(a)
    }
}

impl fmt::Debug for SockAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(a) = self.as_inet() {
            write!(f, "SockAddr({a})")
        } else if let Some((pid, groups)) = self.as_netlink() {
            write!(f, "SockAddr(netlink pid {pid} groups {groups:#x})")
        } else {
            write!(
                f,
                "SockAddr(family {}, {:?})",
                self.family(),
                self.as_bytes()
            )
        }
    }
}

/// `struct ifreq` (40 bytes on LP64) as plain bytes: the interface name and
/// the 24-byte union, read and written by the helpers.
#[repr(C, align(8))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfReq {
    /// `ifr_name`: NUL-terminated interface name.
    pub name: [u8; libc::IFNAMSIZ],
    /// `ifr_ifru`: the union (`ifr_ifindex`, `ifr_flags`, `ifr_mtu`,
    /// `ifr_addr`... at offset 0).
    pub data: [u8; 24],
}

const _: () = assert!(core::mem::size_of::<IfReq>() == core::mem::size_of::<libc::ifreq>());

impl IfReq {
    /// An `ifreq` for interface `name` with a zero union; `None` if the name
    /// does not fit (`IFNAMSIZ` - 1 bytes).
    pub fn new(name: &str) -> Option<IfReq> {
        let mut r = IfReq {
            name: [0; libc::IFNAMSIZ],
            data: [0; 24],
        };
        if name.len() >= libc::IFNAMSIZ || name.as_bytes().contains(&0) {
            return None;
        }
        r.name[..name.len()].copy_from_slice(name.as_bytes());
        Some(r)
    }

    /// The union read as an `int` (`ifr_ifindex`, `ifr_mtu`).
    pub fn int(&self) -> i32 {
        i32::from_ne_bytes(get(&self.data, 0))
    }

    /// The union read as a `short` (`ifr_flags`).
    pub fn short(&self) -> i16 {
        i16::from_ne_bytes(get(&self.data, 0))
    }

    /// Sets the union's first `short` (`ifr_flags`).
    pub fn set_short(&mut self, v: i16) {
        self.data[0..2].copy_from_slice(&v.to_ne_bytes());
    }
}

/// What [`Socket::recv_msg`] received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecvMsg {
    /// Bytes received (the call's result).
    pub len: usize,
    /// The sender (`msg_name` as written back; `None` if the library wrote
    /// back a zero `msg_namelen`).
    pub addr: Option<SockAddr>,
    /// Control bytes produced (`msg_controllen` as written back).
    pub control_len: usize,
    /// `msg_flags` as written back (starts as 0; ABI libraries need not set
    /// it, Documentation/dce/abi.rst, "Socket semantics").
    pub flags: i32,
}

/// Builds a `struct timeval` in its in-memory (x86-64: two `long`s) form.
fn timeval_bytes(ns: u64) -> [u8; 16] {
    // Round up to whole microseconds, so that a short non-zero timeout does
    // not become 0 (which means "no timeout" to the kernel).
    let us = ns.div_ceil(1000);
    let (sec, usec) = ((us / 1_000_000) as i64, (us % 1_000_000) as i64);
    let mut b = [0u8; 16];
    b[0..8].copy_from_slice(&sec.to_ne_bytes());
    b[8..16].copy_from_slice(&usec.to_ne_bytes());
    b
}

const _: () = assert!(core::mem::size_of::<libc::timeval>() == 16);
const _: () = assert!(core::mem::size_of::<libc::time_t>() == 8);
const _: () = assert!(core::mem::size_of::<libc::suseconds_t>() == 8);

/// A socket of a node's kernel, closed on drop.
///
/// Not `Send`: like DCE's file descriptors it belongs to the node's tasks,
/// which all run on the simulator's thread.
pub struct Socket {
    e: SimExported,
    s: *mut SimSocket,
}

impl fmt::Debug for Socket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Socket").field(&self.s).finish()
    }
}

/// The entry point `f` of the table, or `ENOSYS` if the library left it NULL.
fn entry<F>(f: Option<F>) -> Result<F, Errno> {
    f.ok_or(Errno(libc::ENOSYS))
}

fn int_len(len: usize) -> Result<c_int, Errno> {
    c_int::try_from(len).map_err(|_| Errno(libc::EINVAL))
}

impl Socket {
    /// `sock_socket(domain, ty, proto)`.
    pub fn new(e: &SimExported, domain: i32, ty: i32, proto: i32) -> Result<Socket, Errno> {
        let socket = entry(e.sock_socket)?;
        let mut s: *mut SimSocket = core::ptr::null_mut();
        // SAFETY: an ABI call from a task of the node (the caller's duty,
        // documented on the module); `&mut s` is a live out-pointer.
        let r = unsafe { socket(domain, ty, proto, &mut s) };
        Errno::result_int(r)?;
        if s.is_null() {
            return Err(Errno(libc::EFAULT));
        }
        Ok(Socket { e: *e, s })
    }

    /// The library's `SimSocket*`.
    pub fn raw(&self) -> *mut SimSocket {
        self.s
    }

    /// `sock_bind`.
    pub fn bind(&self, addr: &SockAddr) -> Result<(), Errno> {
        let f = entry(self.e.sock_bind)?;
        // SAFETY: `addr` is a live buffer of at least `addr.len()` bytes.
        let r = unsafe { f(self.s, addr.as_ptr(), addr.len as c_int) };
        Errno::result_int(r).map(drop)
    }

    /// `sock_connect`; `flags` are **file status flags** (`O_NONBLOCK`),
    /// as DCE passes them.
    pub fn connect(&self, addr: &SockAddr, flags: i32) -> Result<(), Errno> {
        let f = entry(self.e.sock_connect)?;
        // SAFETY: `addr` is a live buffer of at least `addr.len()` bytes.
        let r = unsafe { f(self.s, addr.as_ptr(), addr.len as c_int, flags) };
        Errno::result_int(r).map(drop)
    }

    /// `sock_listen`.
    pub fn listen(&self, backlog: i32) -> Result<(), Errno> {
        let f = entry(self.e.sock_listen)?;
        // SAFETY: no pointer argument besides the socket.
        let r = unsafe { f(self.s, backlog) };
        Errno::result_int(r).map(drop)
    }

    /// `sock_accept`; `flags` are file status flags (`O_NONBLOCK`).
    pub fn accept(&self, flags: i32) -> Result<Socket, Errno> {
        let f = entry(self.e.sock_accept)?;
        let mut s: *mut SimSocket = core::ptr::null_mut();
        // SAFETY: `&mut s` is a live out-pointer.
        let r = unsafe { f(self.s, &mut s, flags) };
        Errno::result_int(r)?;
        if s.is_null() {
            return Err(Errno(libc::EFAULT));
        }
        Ok(Socket { e: self.e, s })
    }

    /// `sock_shutdown` (`SHUT_RD`, `SHUT_WR`, `SHUT_RDWR`).
    pub fn shutdown(&self, how: i32) -> Result<(), Errno> {
        let f = entry(self.e.sock_shutdown)?;
        // SAFETY: no pointer argument besides the socket.
        let r = unsafe { f(self.s, how) };
        Errno::result_int(r).map(drop)
    }

    /// `sock_sendmsg` of one buffer to `to` (or the connected peer), with
    /// `MSG_*` flags; returns the bytes sent.
    pub fn send_to(&self, buf: &[u8], to: Option<&SockAddr>, flags: i32) -> Result<usize, Errno> {
        let f = entry(self.e.sock_sendmsg)?;
        let mut iov = libc::iovec {
            iov_base: buf.as_ptr() as *mut c_void,
            iov_len: buf.len(),
        };
        let msg = libc::msghdr {
            msg_name: to.map_or(core::ptr::null_mut(), |a| a.as_ptr() as *mut c_void),
            msg_namelen: to.map_or(0, |a| a.len),
            msg_iov: &mut iov,
            msg_iovlen: 1,
            msg_control: core::ptr::null_mut(),
            msg_controllen: 0,
            msg_flags: 0,
        };
        // SAFETY: `msg` is a glibc msghdr whose name and single iovec point
        // to live buffers of the given lengths; the library only reads
        // through them (the iovec is mutable in the C type only).
        let r = unsafe {
            f(
                self.s,
                (&msg as *const libc::msghdr).cast::<MsgHdr>(),
                flags,
            )
        };
        Errno::result(r)
    }

    /// `sock_sendmsg` on a connected socket.
    pub fn send(&self, buf: &[u8], flags: i32) -> Result<usize, Errno> {
        self.send_to(buf, None, flags)
    }

    /// `sock_recvmsg` into `buf` and `control`, with `MSG_*` flags
    /// (`MSG_DONTWAIT` for a non-blocking call).
    pub fn recv_msg(
        &self,
        buf: &mut [u8],
        control: &mut [u8],
        flags: i32,
    ) -> Result<RecvMsg, Errno> {
        let f = entry(self.e.sock_recvmsg)?;
        let mut name = SockAddr::empty();
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut msg = libc::msghdr {
            msg_name: name.buf.0.as_mut_ptr().cast(),
            msg_namelen: SOCKADDR_MAX as u32,
            msg_iov: &mut iov,
            msg_iovlen: 1,
            msg_control: if control.is_empty() {
                core::ptr::null_mut()
            } else {
                control.as_mut_ptr().cast()
            },
            msg_controllen: control.len(),
            msg_flags: 0,
        };
        // SAFETY: `msg` is a glibc msghdr whose name, iovec and control
        // buffers are live and writable for the lengths given.
        let r = unsafe {
            f(
                self.s,
                (&mut msg as *mut libc::msghdr).cast::<MsgHdr>(),
                flags,
            )
        };
        let len = Errno::result(r)?;
        name.len = msg.msg_namelen.min(SOCKADDR_MAX as u32);
        Ok(RecvMsg {
            len,
            addr: (name.len > 0).then_some(name),
            control_len: msg.msg_controllen.min(control.len()),
            flags: msg.msg_flags,
        })
    }

    /// `sock_recvmsg` into `buf`; returns the byte count and the sender.
    pub fn recv_from(
        &self,
        buf: &mut [u8],
        flags: i32,
    ) -> Result<(usize, Option<SockAddr>), Errno> {
        let m = self.recv_msg(buf, &mut [], flags)?;
        Ok((m.len, m.addr))
    }

    /// `sock_setsockopt` with the option value as bytes.
    pub fn setsockopt(&self, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
        let f = entry(self.e.sock_setsockopt)?;
        let len = int_len(val.len())?;
        // SAFETY: `val` is a live buffer of `len` bytes.
        let r = unsafe { f(self.s, level, name, val.as_ptr().cast(), len) };
        Errno::result_int(r).map(drop)
    }

    /// `sock_setsockopt` of an `int` option.
    pub fn setsockopt_int(&self, level: i32, name: i32, val: i32) -> Result<(), Errno> {
        self.setsockopt(level, name, &val.to_ne_bytes())
    }

    /// `sock_getsockopt` into `val`; returns the length written back.
    pub fn getsockopt(&self, level: i32, name: i32, val: &mut [u8]) -> Result<usize, Errno> {
        let f = entry(self.e.sock_getsockopt)?;
        let mut len = int_len(val.len())?;
        // SAFETY: `val` is a live writable buffer of `len` bytes and `&mut
        // len` a live out-pointer.
        let r = unsafe { f(self.s, level, name, val.as_mut_ptr().cast(), &mut len) };
        Errno::result_int(r)?;
        Ok(usize::try_from(len).unwrap_or(0).min(val.len()))
    }

    /// `sock_getsockopt` of an `int` option.
    pub fn getsockopt_int(&self, level: i32, name: i32) -> Result<i32, Errno> {
        let mut b = [0u8; 4];
        self.getsockopt(level, name, &mut b)?;
        Ok(i32::from_ne_bytes(b))
    }

    /// `SO_RCVTIMEO`: blocking receives give up with `EAGAIN` after `ns`
    /// of virtual time (rounded up to a microsecond by this helper, then to
    /// a jiffy by the kernel); 0 means "wait forever", as in the kernel.
    pub fn set_rcvtimeo(&self, ns: u64) -> Result<(), Errno> {
        self.setsockopt(libc::SOL_SOCKET, libc::SO_RCVTIMEO, &timeval_bytes(ns))
    }

    fn name_call(
        &self,
        f: Option<
            unsafe extern "C" fn(*mut SimSocket, *mut dce_abi::SockAddr, *mut c_int) -> c_int,
        >,
    ) -> Result<SockAddr, Errno> {
        let f = entry(f)?;
        let mut a = SockAddr::empty();
        let mut len = SOCKADDR_MAX as c_int;
        // SAFETY: the address buffer is live and writable for `len` bytes,
        // `&mut len` is a live out-pointer.
        let r = unsafe { f(self.s, a.buf.0.as_mut_ptr().cast(), &mut len) };
        Errno::result_int(r)?;
        a.len = u32::try_from(len).unwrap_or(0).min(SOCKADDR_MAX as u32);
        Ok(a)
    }

    /// `sock_getsockname`.
    pub fn getsockname(&self) -> Result<SockAddr, Errno> {
        self.name_call(self.e.sock_getsockname)
    }

    /// `sock_getpeername`.
    pub fn getpeername(&self) -> Result<SockAddr, Errno> {
        self.name_call(self.e.sock_getpeername)
    }

    /// `sock_ioctl(request, argp)`; returns the (non-negative) result.
    ///
    /// # Safety
    ///
    /// `argp` must be what `request` expects: NULL, or a pointer to a live
    /// buffer of the request's argument type, writable if the request
    /// writes.
    pub unsafe fn ioctl(&self, request: i32, argp: *mut c_char) -> Result<usize, Errno> {
        let f = entry(self.e.sock_ioctl)?;
        // SAFETY: the caller's contract.
        let r = unsafe { f(self.s, request, argp) };
        Errno::result_int(r)
    }

    /// `sock_ioctl` of an interface request (`SIOCGIFINDEX`,
    /// `SIOCGIFFLAGS`, `SIOCSIFFLAGS`, `SIOCGIFMTU`...), which reads and
    /// writes `struct ifreq`.
    pub fn ioctl_ifreq(&self, request: i32, ifr: &mut IfReq) -> Result<usize, Errno> {
        // SAFETY: the SIOC?IF* requests take a `struct ifreq *`; `ifr` is a
        // live, writable, correctly sized one.
        unsafe { self.ioctl(request, (ifr as *mut IfReq).cast()) }
    }

    /// `SIOCGIFINDEX` of interface `name` (how DCE's `if_nametoindex` asks).
    pub fn if_index(&self, name: &str) -> Result<u32, Errno> {
        let mut ifr = IfReq::new(name).ok_or(Errno(libc::ENODEV))?;
        self.ioctl_ifreq(libc::SIOCGIFINDEX as i32, &mut ifr)?;
        Ok(ifr.int() as u32)
    }

    /// `sock_close`, returning its result (dropping closes too, ignoring it).
    pub fn close(mut self) -> Result<(), Errno> {
        let s = core::mem::replace(&mut self.s, core::ptr::null_mut());
        let f = entry(self.e.sock_close)?;
        // SAFETY: `s` is this wrapper's socket, closed exactly once (the
        // pointer was taken out, so `Drop` does nothing).
        let r = unsafe { f(s) };
        Errno::result_int(r).map(drop)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        if self.s.is_null() {
            return;
        }
        if let Some(f) = self.e.sock_close {
            // SAFETY: this wrapper's socket, closed exactly once.
            unsafe { f(self.s) };
        }
    }
}
