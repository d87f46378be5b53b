//! An iproute2-style rtnetlink client: what `ip link set`, `ip addr add`,
//! `ip route add` and the `show` commands send to the kernel
//! (Documentation/dce/abi.rst, "Configuration through the kernel"), over
//! an `AF_NETLINK`/`SOCK_RAW`/`NETLINK_ROUTE` [`Socket`].
//!
//! The messages are encoded and decoded by hand, in safe Rust over byte
//! buffers, in native byte order with the netlink alignment rules
//! (`NLMSG_ALIGN` and `RTA_ALIGN`: 4 bytes).  Like iproute2, [`Rtnl`]
//! binds to `nl_pid` 0 (the kernel picks the port id), sends every request
//! to the kernel (`nl_pid` 0) with a fresh sequence number, and reads the
//! answers with blocking `recvmsg`: changes carry `NLM_F_REQUEST |
//! NLM_F_ACK` and end with an `NLMSG_ERROR` (error 0 is the ACK, anything
//! else is returned as [`Errno`]); dumps carry `NLM_F_REQUEST | NLM_F_DUMP`
//! and end with `NLMSG_DONE`.  A reply whose sender address is not
//! `sizeof(struct sockaddr_nl)` long is `EPROTO`, as iproute2 rejects it.

use super::sock::{Errno, SockAddr, Socket};
use dce_abi::SimExported;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `NLMSG_ALIGNTO`.
pub const NLMSG_ALIGNTO: usize = 4;
/// `RTA_ALIGNTO`.
pub const RTA_ALIGNTO: usize = 4;
/// `NLMSG_HDRLEN`: `sizeof(struct nlmsghdr)`, already aligned.
pub const NLMSG_HDRLEN: usize = 16;
/// `sizeof(struct rtattr)`.
pub const RTA_HDRLEN: usize = 4;
/// `NLA_TYPE_MASK`: attribute type without `NLA_F_NESTED` and
/// `NLA_F_NET_BYTEORDER` (not in `libc`).
pub const NLA_TYPE_MASK: u16 = 0x3fff;
/// `IFLA_ADDRESS` (`linux/if_link.h`; `libc` has it only as an anonymous
/// enum member of type `c_ushort`, re-declared here for clarity).
pub const IFLA_ADDRESS: u16 = 1;
/// `IFLA_STATS64` (`linux/if_link.h`): `struct rtnl_link_stats64`.
pub const IFLA_STATS64: u16 = 23;
/// `IFLA_IFNAME` (`linux/if_link.h`).
pub const IFLA_IFNAME: u16 = 3;
/// `IFLA_MTU` (`linux/if_link.h`).
pub const IFLA_MTU: u16 = 4;
/// `IFA_FLAGS` (`linux/if_addr.h`, not in `libc`): the 32-bit address
/// flags, which supersede `ifa_flags`.
pub const IFA_FLAGS: u16 = 8;

const _: () = assert!(core::mem::size_of::<libc::nlmsghdr>() == NLMSG_HDRLEN);
const _: () = assert!(core::mem::size_of::<libc::rtattr>() == RTA_HDRLEN);
const _: () = assert!(core::mem::size_of::<libc::ifinfomsg>() == IfInfoMsg::LEN);
const _: () = assert!(core::mem::size_of::<libc::ifaddrmsg>() == IfAddrMsg::LEN);
const _: () = assert!(libc::IFLA_ADDRESS == IFLA_ADDRESS);
const _: () = assert!(libc::IFLA_IFNAME == IFLA_IFNAME);
const _: () = assert!(libc::IFLA_MTU == IFLA_MTU);

/// `NLMSG_ALIGN(len)`.
pub const fn nlmsg_align(len: usize) -> usize {
    (len + NLMSG_ALIGNTO - 1) & !(NLMSG_ALIGNTO - 1)
}

/// `RTA_ALIGN(len)`.
pub const fn rta_align(len: usize) -> usize {
    (len + RTA_ALIGNTO - 1) & !(RTA_ALIGNTO - 1)
}

/// A malformed message from the kernel.
const EPROTO: Errno = Errno(libc::EPROTO);

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn i32_at(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// `struct ifinfomsg`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IfInfoMsg {
    /// `ifi_family` (`AF_UNSPEC`).
    pub family: u8,
    /// `ifi_type` (`ARPHRD_*`).
    pub kind: u16,
    /// `ifi_index`.
    pub index: i32,
    /// `ifi_flags` (`IFF_*`).
    pub flags: u32,
    /// `ifi_change`: which bits of `flags` to change.
    pub change: u32,
}

impl IfInfoMsg {
    /// Encoded size.
    pub const LEN: usize = 16;

    /// The encoded struct.
    pub fn to_bytes(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        b[0] = self.family;
        b[2..4].copy_from_slice(&self.kind.to_ne_bytes());
        b[4..8].copy_from_slice(&self.index.to_ne_bytes());
        b[8..12].copy_from_slice(&self.flags.to_ne_bytes());
        b[12..16].copy_from_slice(&self.change.to_ne_bytes());
        b
    }

    /// Decodes the head of a message payload.
    pub fn parse(b: &[u8]) -> Option<IfInfoMsg> {
        Some(IfInfoMsg {
            family: *b.first()?,
            kind: u16_at(b, 2)?,
            index: i32_at(b, 4)?,
            flags: u32_at(b, 8)?,
            change: u32_at(b, 12)?,
        })
    }
}

/// `struct ifaddrmsg`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IfAddrMsg {
    /// `ifa_family`.
    pub family: u8,
    /// `ifa_prefixlen`.
    pub prefix_len: u8,
    /// `ifa_flags` (`IFA_F_*`, low 8 bits).
    pub flags: u8,
    /// `ifa_scope` (`RT_SCOPE_*`).
    pub scope: u8,
    /// `ifa_index`.
    pub index: u32,
}

impl IfAddrMsg {
    /// Encoded size.
    pub const LEN: usize = 8;

    /// The encoded struct.
    pub fn to_bytes(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        b[..4].copy_from_slice(&[self.family, self.prefix_len, self.flags, self.scope]);
        b[4..8].copy_from_slice(&self.index.to_ne_bytes());
        b
    }

    /// Decodes the head of a message payload.
    pub fn parse(b: &[u8]) -> Option<IfAddrMsg> {
        Some(IfAddrMsg {
            family: *b.first()?,
            prefix_len: *b.get(1)?,
            flags: *b.get(2)?,
            scope: *b.get(3)?,
            index: u32_at(b, 4)?,
        })
    }
}

/// `struct rtmsg`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RtMsg {
    /// `rtm_family`.
    pub family: u8,
    /// `rtm_dst_len`.
    pub dst_len: u8,
    /// `rtm_src_len`.
    pub src_len: u8,
    /// `rtm_tos`.
    pub tos: u8,
    /// `rtm_table` (`RT_TABLE_*`; tables ≥ 256 are in `RTA_TABLE`).
    pub table: u8,
    /// `rtm_protocol` (`RTPROT_*`).
    pub protocol: u8,
    /// `rtm_scope` (`RT_SCOPE_*`).
    pub scope: u8,
    /// `rtm_type` (`RTN_*`).
    pub kind: u8,
    /// `rtm_flags` (`RTM_F_*`).
    pub flags: u32,
}

impl RtMsg {
    /// Encoded size.
    pub const LEN: usize = 12;

    /// The encoded struct.
    pub fn to_bytes(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        b[..8].copy_from_slice(&[
            self.family,
            self.dst_len,
            self.src_len,
            self.tos,
            self.table,
            self.protocol,
            self.scope,
            self.kind,
        ]);
        b[8..12].copy_from_slice(&self.flags.to_ne_bytes());
        b
    }

    /// Decodes the head of a message payload.
    pub fn parse(b: &[u8]) -> Option<RtMsg> {
        let h = b.get(..8)?;
        Some(RtMsg {
            family: h[0],
            dst_len: h[1],
            src_len: h[2],
            tos: h[3],
            table: h[4],
            protocol: h[5],
            scope: h[6],
            kind: h[7],
            flags: u32_at(b, 8)?,
        })
    }
}

/// A netlink request under construction: a `struct nlmsghdr`, a fixed
/// family header and `struct rtattr` attributes, each padded to 4 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    buf: Vec<u8>,
}

impl Request {
    /// A request of type `ty` (`RTM_*`) with `flags` (`NLM_F_*`); the
    /// length, sequence number and port id are filled in when sent.
    pub fn new(ty: u16, flags: u16) -> Request {
        let mut buf = vec![0u8; NLMSG_HDRLEN];
        buf[4..6].copy_from_slice(&ty.to_ne_bytes());
        buf[6..8].copy_from_slice(&flags.to_ne_bytes());
        Request { buf }
    }

    fn pad(&mut self) {
        self.buf.resize(nlmsg_align(self.buf.len()), 0);
    }

    /// Appends raw bytes (a family header such as [`IfInfoMsg::to_bytes`]),
    /// padded to `NLMSG_ALIGN`.
    pub fn push(mut self, bytes: &[u8]) -> Request {
        self.buf.extend_from_slice(bytes);
        self.pad();
        self
    }

    /// Appends an attribute: `rta_len = RTA_LENGTH(payload)`, then the
    /// payload padded to `RTA_ALIGN`.
    ///
    /// # Panics
    ///
    /// If the payload is longer than an attribute can be (65531 bytes).
    pub fn attr(mut self, ty: u16, payload: &[u8]) -> Request {
        let len = u16::try_from(RTA_HDRLEN + payload.len()).expect("attribute too long");
        self.buf.extend_from_slice(&len.to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(payload);
        self.buf
            .resize(self.buf.len() + rta_align(payload.len()) - payload.len(), 0);
        self
    }

    /// Appends a `u32` attribute.
    pub fn attr_u32(self, ty: u16, v: u32) -> Request {
        self.attr(ty, &v.to_ne_bytes())
    }

    /// Appends an address attribute (4 or 16 bytes, network order).
    pub fn attr_ip(self, ty: u16, ip: IpAddr) -> Request {
        match ip {
            IpAddr::V4(a) => self.attr(ty, &a.octets()),
            IpAddr::V6(a) => self.attr(ty, &a.octets()),
        }
    }

    /// The `nlmsg_flags`.
    pub fn flags(&self) -> u16 {
        u16_at(&self.buf, 6).unwrap_or(0)
    }

    /// Replaces the `nlmsg_flags`.
    pub fn with_flags(mut self, flags: u16) -> Request {
        self.buf[6..8].copy_from_slice(&flags.to_ne_bytes());
        self
    }

    /// The finished message, with `nlmsg_len`, `nlmsg_seq` and `nlmsg_pid`.
    pub fn finish(mut self, seq: u32, pid: u32) -> Vec<u8> {
        let len = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf[8..12].copy_from_slice(&seq.to_ne_bytes());
        self.buf[12..16].copy_from_slice(&pid.to_ne_bytes());
        self.buf
    }
}

/// One `struct rtattr` (`struct nlattr`) with its payload, padded: the
/// payload of an enclosing (nested) attribute.
///
/// # Panics
///
/// If the payload is longer than an attribute can be (65531 bytes).
pub fn nested(ty: u16, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(RTA_HDRLEN + payload.len()).expect("attribute too long");
    let mut v = Vec::with_capacity(RTA_HDRLEN + rta_align(payload.len()));
    v.extend_from_slice(&len.to_ne_bytes());
    v.extend_from_slice(&ty.to_ne_bytes());
    v.extend_from_slice(payload);
    v.resize(RTA_HDRLEN + rta_align(payload.len()), 0);
    v
}

/// One netlink message of a received buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NlMsg<'a> {
    /// `nlmsg_type`.
    pub ty: u16,
    /// `nlmsg_flags`.
    pub flags: u16,
    /// `nlmsg_seq`.
    pub seq: u32,
    /// `nlmsg_pid`.
    pub pid: u32,
    /// Everything after the header, up to `nlmsg_len`.
    pub payload: &'a [u8],
}

/// Splits a buffer received from a netlink socket into messages
/// (`NLMSG_OK`/`NLMSG_NEXT`); a truncated or short message is `EPROTO`.
pub fn parse_messages(mut buf: &[u8]) -> Result<Vec<NlMsg<'_>>, Errno> {
    let mut out = Vec::new();
    while buf.len() >= NLMSG_HDRLEN {
        let len = u32_at(buf, 0).ok_or(EPROTO)? as usize;
        if len < NLMSG_HDRLEN || len > buf.len() {
            return Err(EPROTO);
        }
        out.push(NlMsg {
            ty: u16_at(buf, 4).ok_or(EPROTO)?,
            flags: u16_at(buf, 6).ok_or(EPROTO)?,
            seq: u32_at(buf, 8).ok_or(EPROTO)?,
            pid: u32_at(buf, 12).ok_or(EPROTO)?,
            payload: &buf[NLMSG_HDRLEN..len],
        });
        buf = buf.get(nlmsg_align(len)..).unwrap_or(&[]);
    }
    if buf.is_empty() {
        Ok(out)
    } else {
        Err(EPROTO)
    }
}

/// Iterates over the `struct rtattr`s of `buf` (`RTA_OK`/`RTA_NEXT`),
/// yielding `(type & NLA_TYPE_MASK, payload)`; stops at the first
/// malformed one.
pub fn attrs(buf: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = buf;
    core::iter::from_fn(move || {
        let len = usize::from(u16_at(rest, 0)?);
        let ty = u16_at(rest, 2)?;
        if len < RTA_HDRLEN || len > rest.len() {
            return None;
        }
        let payload = &rest[RTA_HDRLEN..len];
        rest = rest.get(rta_align(len)..).unwrap_or(&[]);
        Some((ty & NLA_TYPE_MASK, payload))
    })
}

fn ip_from(family: u8, b: &[u8]) -> Option<IpAddr> {
    match i32::from(family) {
        libc::AF_INET => Some(IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(b).ok()?))),
        libc::AF_INET6 => Some(IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(b).ok()?))),
        _ => None,
    }
}

fn family_of(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => libc::AF_INET as u8,
        IpAddr::V6(_) => libc::AF_INET6 as u8,
    }
}

/// A network interface, from an `RTM_NEWLINK` of a link dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// `ifi_index`.
    pub index: u32,
    /// `IFLA_IFNAME`.
    pub name: String,
    /// `ifi_flags` (`IFF_*`).
    pub flags: u32,
    /// `IFLA_MTU` (0 if absent).
    pub mtu: u32,
    /// `IFLA_ADDRESS`: the link-layer address (empty if absent).
    pub mac: Vec<u8>,
    /// `IFLA_STATS64`: the interface counters, if reported.
    pub stats: Option<LinkStats>,
}

/// The first counters of `struct rtnl_link_stats64`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// `rx_packets`
    pub rx_packets: u64,
    /// `tx_packets`
    pub tx_packets: u64,
    /// `rx_bytes`
    pub rx_bytes: u64,
    /// `tx_bytes`
    pub tx_bytes: u64,
    /// `rx_errors`
    pub rx_errors: u64,
    /// `tx_errors`
    pub tx_errors: u64,
    /// `rx_dropped`
    pub rx_dropped: u64,
    /// `tx_dropped`
    pub tx_dropped: u64,
}

impl LinkStats {
    fn parse(v: &[u8]) -> Option<LinkStats> {
        let f = |i: usize| -> Option<u64> {
            Some(u64::from_ne_bytes(
                v.get(i * 8..i * 8 + 8)?.try_into().ok()?,
            ))
        };
        Some(LinkStats {
            rx_packets: f(0)?,
            tx_packets: f(1)?,
            rx_bytes: f(2)?,
            tx_bytes: f(3)?,
            rx_errors: f(4)?,
            tx_errors: f(5)?,
            rx_dropped: f(6)?,
            tx_dropped: f(7)?,
        })
    }
}

/// An interface address, from an `RTM_NEWADDR` of an address dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addr {
    /// `ifa_index`.
    pub index: u32,
    /// `ifa_family` (`AF_INET`, `AF_INET6`).
    pub family: i32,
    /// `IFA_LOCAL` if present (the local address of an IPv4 interface),
    /// else `IFA_ADDRESS`.
    pub addr: IpAddr,
    /// `ifa_prefixlen`.
    pub prefix_len: u8,
    /// `ifa_scope` (`RT_SCOPE_*`).
    pub scope: u8,
    /// `IFA_FLAGS` if present, else `ifa_flags` (`IFA_F_*`).
    pub flags: u32,
}

/// A route, from an `RTM_NEWROUTE` of a route dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `RTA_DST`, or the unspecified address of the family for a default
    /// route.
    pub dst: IpAddr,
    /// `rtm_dst_len`.
    pub prefix_len: u8,
    /// `RTA_GATEWAY`.
    pub gateway: Option<IpAddr>,
    /// `RTA_OIF`.
    pub oif: Option<u32>,
    /// `RTA_TABLE` if present, else `rtm_table`.
    pub table: u32,
    /// `rtm_protocol` (`RTPROT_*`).
    pub protocol: u8,
    /// `rtm_scope` (`RT_SCOPE_*`).
    pub scope: u8,
    /// `rtm_type` (`RTN_*`).
    pub kind: u8,
}

const REQ_ACK: u16 = (libc::NLM_F_REQUEST | libc::NLM_F_ACK) as u16;
const CREATE_EXCL: u16 = (libc::NLM_F_CREATE | libc::NLM_F_EXCL) as u16;
const REQ_DUMP: u16 = (libc::NLM_F_REQUEST | libc::NLM_F_DUMP) as u16;

/// Receive buffer: the kernel sizes dump messages after the largest
/// receive buffer seen, up to 32 KiB, so 64 KiB never truncates.
const RECV_BUF: usize = 64 * 1024;

/// An rtnetlink connection to a node's kernel, like iproute2's `struct
/// rtnl_handle`.  Must be used from a task of that node.
#[derive(Debug)]
pub struct Rtnl {
    sock: Socket,
    pid: u32,
    seq: u32,
    buf: Vec<u8>,
}

impl Rtnl {
    /// Opens and binds a `NETLINK_ROUTE` socket as `rtnl_open` does:
    /// `SO_SNDBUF` 32 KiB, `SO_RCVBUF` 1 MiB, `bind(nl_pid = 0)`, then
    /// `getsockname` for the port id the kernel assigned (`EPROTO` if the
    /// answer is not a `sockaddr_nl`).
    pub fn open(e: &SimExported) -> Result<Rtnl, Errno> {
        Rtnl::open_protocol(e, libc::NETLINK_ROUTE)
    }

    /// [`Rtnl::open`] for another netlink protocol (`NETLINK_GENERIC`,
    /// `NETLINK_XFRM`): the same socket, requests and answers.
    pub fn open_protocol(e: &SimExported, protocol: i32) -> Result<Rtnl, Errno> {
        let sock = Socket::new(e, libc::AF_NETLINK, libc::SOCK_RAW, protocol)?;
        sock.setsockopt_int(libc::SOL_SOCKET, libc::SO_SNDBUF, 32768)?;
        sock.setsockopt_int(libc::SOL_SOCKET, libc::SO_RCVBUF, 1024 * 1024)?;
        sock.bind(&SockAddr::netlink(0, 0))?;
        let local = sock.getsockname()?;
        let (pid, _) = local
            .as_netlink()
            .filter(|_| local.len() == core::mem::size_of::<libc::sockaddr_nl>())
            .ok_or(EPROTO)?;
        Ok(Rtnl {
            sock,
            pid,
            seq: 0,
            buf: vec![0; RECV_BUF],
        })
    }

    /// The port id (`nl_pid`) the kernel gave this socket.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The socket.
    pub fn socket(&self) -> &Socket {
        &self.sock
    }

    /// Sends `req` with the next sequence number and reads the answers:
    /// every message of this sequence number is passed to `each` until the
    /// terminating `NLMSG_ERROR` (ACK: `Ok`; error: `Err`) or, for a dump,
    /// `NLMSG_DONE`.  A request without `NLM_F_ACK` that the kernel does
    /// not answer blocks forever.
    pub fn transact(
        &mut self,
        req: Request,
        mut each: impl FnMut(&NlMsg<'_>) -> Result<(), Errno>,
    ) -> Result<(), Errno> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let dump = req.flags() & libc::NLM_F_DUMP as u16 != 0;
        let msg = req.finish(seq, 0);
        let kernel = SockAddr::netlink(0, 0);
        let sent = self.sock.send_to(&msg, Some(&kernel), 0)?;
        if sent != msg.len() {
            return Err(Errno(libc::EMSGSIZE));
        }
        loop {
            let r = self.sock.recv_msg(&mut self.buf, &mut [], 0)?;
            let from = r.addr.ok_or(EPROTO)?;
            if from.len() != core::mem::size_of::<libc::sockaddr_nl>() {
                return Err(EPROTO);
            }
            if r.flags & libc::MSG_TRUNC != 0 || r.len > self.buf.len() {
                return Err(Errno(libc::EMSGSIZE));
            }
            if from.as_netlink().map(|(p, _)| p) != Some(0) {
                continue; // Not from the kernel.
            }
            for m in parse_messages(&self.buf[..r.len])? {
                if m.seq != seq || m.pid != self.pid {
                    continue; // A stale answer or a notification.
                }
                match i32::from(m.ty) {
                    libc::NLMSG_ERROR => {
                        let err = i32_at(m.payload, 0).ok_or(EPROTO)?;
                        return if err == 0 { Ok(()) } else { Err(Errno(-err)) };
                    }
                    libc::NLMSG_DONE if dump => {
                        // Since 4.x NLMSG_DONE carries the dump's result.
                        return match i32_at(m.payload, 0) {
                            Some(err) if err < 0 => Err(Errno(-err)),
                            _ => Ok(()),
                        };
                    }
                    _ => each(&m)?,
                }
            }
        }
    }

    /// A change request (`NLM_F_REQUEST | NLM_F_ACK` are added to its
    /// flags): `Ok` on the kernel's ACK, `EPROTO` if anything else comes
    /// first.
    pub fn request(&mut self, req: Request) -> Result<(), Errno> {
        let flags = req.flags() | REQ_ACK;
        // A change is answered by its ACK alone.
        self.transact(req.with_flags(flags), |_| Err(EPROTO))
    }

    /// A dump of `ty` (`RTM_GET*`) with the family header `head`: the
    /// payloads of the answers.
    pub fn dump(&mut self, ty: u16, head: &[u8]) -> Result<Vec<Vec<u8>>, Errno> {
        let mut out = Vec::new();
        let req = Request::new(ty, REQ_DUMP).push(head);
        self.transact(req, |m| {
            out.push(m.payload.to_vec());
            Ok(())
        })?;
        Ok(out)
    }

    /// Every interface (`ip link show`: an `RTM_GETLINK` dump).
    pub fn links(&mut self) -> Result<Vec<Link>, Errno> {
        let head = IfInfoMsg::default().to_bytes();
        let mut out = Vec::new();
        for p in self.dump(libc::RTM_GETLINK, &head)? {
            let ifi = IfInfoMsg::parse(&p).ok_or(EPROTO)?;
            let mut link = Link {
                index: ifi.index as u32,
                name: String::new(),
                flags: ifi.flags,
                mtu: 0,
                mac: Vec::new(),
                stats: None,
            };
            for (ty, v) in attrs(p.get(nlmsg_align(IfInfoMsg::LEN)..).unwrap_or(&[])) {
                match ty {
                    IFLA_IFNAME => {
                        let name = v.split(|&c| c == 0).next().unwrap_or(&[]);
                        link.name = String::from_utf8_lossy(name).into_owned();
                    }
                    IFLA_MTU => link.mtu = u32_at(v, 0).ok_or(EPROTO)?,
                    IFLA_ADDRESS => link.mac = v.to_vec(),
                    IFLA_STATS64 => link.stats = LinkStats::parse(v),
                    _ => {}
                }
            }
            out.push(link);
        }
        Ok(out)
    }

    /// The index of interface `name`, from a link dump (as iproute2's
    /// `ll_name_to_index` does from its cache); `ENODEV` if there is none.
    pub fn link_index(&mut self, name: &str) -> Result<u32, Errno> {
        self.links()?
            .into_iter()
            .find(|l| l.name == name)
            .map(|l| l.index)
            .ok_or(Errno(libc::ENODEV))
    }

    /// `ip link set dev X {up|down} [arp {on|off}]`: an `RTM_NEWLINK` with
    /// `ifi_change`/`ifi_flags` for `IFF_UP` (and `IFF_NOARP`).
    pub fn link_set(&mut self, ifindex: u32, up: bool, arp: Option<bool>) -> Result<(), Errno> {
        let mut ifi = IfInfoMsg {
            family: libc::AF_UNSPEC as u8,
            index: i32::try_from(ifindex).map_err(|_| Errno(libc::EINVAL))?,
            change: libc::IFF_UP as u32,
            flags: if up { libc::IFF_UP as u32 } else { 0 },
            ..IfInfoMsg::default()
        };
        if let Some(arp) = arp {
            ifi.change |= libc::IFF_NOARP as u32;
            if !arp {
                ifi.flags |= libc::IFF_NOARP as u32;
            }
        }
        self.request(Request::new(libc::RTM_NEWLINK, REQ_ACK).push(&ifi.to_bytes()))
    }

    /// `ip link set dev X addrgenmode {eui64|none|...}`: an `RTM_NEWLINK`
    /// with `IFLA_AF_SPEC` / `AF_INET6` / `IFLA_INET6_ADDR_GEN_MODE`.  With
    /// `none` (1) the interface gets no link-local address, so IPv6 stays
    /// silent on it (no router solicitations, no DAD).  Only allowed while
    /// the interface is down.
    pub fn link_set_addrgenmode(&mut self, ifindex: u32, mode: u8) -> Result<(), Errno> {
        const IFLA_AF_SPEC: u16 = 26;
        const IFLA_INET6_ADDR_GEN_MODE: u16 = 8;
        let ifi = IfInfoMsg {
            family: libc::AF_UNSPEC as u8,
            index: i32::try_from(ifindex).map_err(|_| Errno(libc::EINVAL))?,
            ..IfInfoMsg::default()
        };
        // Nested attributes: AF_SPEC { AF_INET6 { ADDR_GEN_MODE = mode } }.
        let gen_mode = nested(IFLA_INET6_ADDR_GEN_MODE, &[mode]);
        let inet6 = nested(libc::AF_INET6 as u16, &gen_mode);
        self.request(
            Request::new(libc::RTM_NEWLINK, REQ_ACK)
                .push(&ifi.to_bytes())
                .attr(IFLA_AF_SPEC, &inet6),
        )
    }

    /// Sets IPv4 configuration value `id` (`IPV4_DEVCONF_*`, e.g. 1 =
    /// `FORWARDING`) of one interface: an `RTM_NEWLINK` with `IFLA_AF_SPEC`
    /// / `AF_INET` / `IFLA_INET_CONF` / `id` = `value`, the rtnetlink
    /// counterpart of `/proc/sys/net/ipv4/conf/<dev>/<name>`.
    pub fn link_set_ipv4_conf(&mut self, ifindex: u32, id: u16, value: u32) -> Result<(), Errno> {
        const IFLA_AF_SPEC: u16 = 26;
        const IFLA_INET_CONF: u16 = 1;
        let ifi = IfInfoMsg {
            family: libc::AF_UNSPEC as u8,
            index: i32::try_from(ifindex).map_err(|_| Errno(libc::EINVAL))?,
            ..IfInfoMsg::default()
        };
        let conf = nested(IFLA_INET_CONF, &nested(id, &value.to_ne_bytes()));
        let inet = nested(libc::AF_INET as u16, &conf);
        self.request(
            Request::new(libc::RTM_NEWLINK, REQ_ACK)
                .push(&ifi.to_bytes())
                .attr(IFLA_AF_SPEC, &inet),
        )
    }

    /// `ip addr add ADDR/LEN dev X`: an `RTM_NEWADDR` with `IFA_LOCAL` and
    /// `IFA_ADDRESS` set to `addr`, `NLM_F_CREATE | NLM_F_EXCL`, scope host
    /// for 127.0.0.0/8 and universe otherwise (iproute2's `default_scope`).
    pub fn addr_add(&mut self, ifindex: u32, addr: IpAddr, prefix_len: u8) -> Result<(), Errno> {
        let scope = match addr {
            IpAddr::V4(a) if a.octets()[0] == 127 => libc::RT_SCOPE_HOST,
            _ => libc::RT_SCOPE_UNIVERSE,
        };
        let ifa = IfAddrMsg {
            family: family_of(addr),
            prefix_len,
            flags: 0,
            scope,
            index: ifindex,
        };
        let req = Request::new(libc::RTM_NEWADDR, REQ_ACK | CREATE_EXCL)
            .push(&ifa.to_bytes())
            .attr_ip(libc::IFA_LOCAL, addr)
            .attr_ip(libc::IFA_ADDRESS, addr);
        self.request(req)
    }

    /// Every address of every interface (`ip addr show`: an `RTM_GETADDR`
    /// dump of all families).
    pub fn addrs(&mut self) -> Result<Vec<Addr>, Errno> {
        let head = IfAddrMsg::default().to_bytes();
        let mut out = Vec::new();
        for p in self.dump(libc::RTM_GETADDR, &head)? {
            out.extend(Addr::parse(&p)?);
        }
        Ok(out)
    }

    /// `ip route add DST/LEN [via GW] [dev X]`: an `RTM_NEWROUTE` in table
    /// main, protocol boot, type unicast, scope universe with a gateway and
    /// link without, `NLM_F_CREATE | NLM_F_EXCL`.  A gateway of another
    /// family than `dst` is `EINVAL`.
    pub fn route_add(
        &mut self,
        dst: IpAddr,
        prefix_len: u8,
        gateway: Option<IpAddr>,
        oif: Option<u32>,
    ) -> Result<(), Errno> {
        if gateway.is_some_and(|g| family_of(g) != family_of(dst)) {
            return Err(Errno(libc::EINVAL));
        }
        let rtm = RtMsg {
            family: family_of(dst),
            dst_len: prefix_len,
            table: libc::RT_TABLE_MAIN,
            protocol: libc::RTPROT_BOOT,
            scope: if gateway.is_some() {
                libc::RT_SCOPE_UNIVERSE
            } else {
                libc::RT_SCOPE_LINK
            },
            kind: libc::RTN_UNICAST,
            ..RtMsg::default()
        };
        let mut req = Request::new(libc::RTM_NEWROUTE, REQ_ACK | CREATE_EXCL).push(&rtm.to_bytes());
        // iproute2 leaves RTA_DST out for a default route (`default`, /0).
        if prefix_len > 0 {
            req = req.attr_ip(libc::RTA_DST, dst);
        }
        if let Some(gw) = gateway {
            req = req.attr_ip(libc::RTA_GATEWAY, gw);
        }
        if let Some(oif) = oif {
            req = req.attr_u32(libc::RTA_OIF, oif);
        }
        self.request(req)
    }

    /// Every route of `family` (`AF_INET`, `AF_INET6`) in every table
    /// (`ip route show table all`: an `RTM_GETROUTE` dump).
    pub fn routes(&mut self, family: i32) -> Result<Vec<Route>, Errno> {
        let fam = u8::try_from(family).map_err(|_| Errno(libc::EINVAL))?;
        let head = RtMsg {
            family: fam,
            ..RtMsg::default()
        }
        .to_bytes();
        let mut out = Vec::new();
        for p in self.dump(libc::RTM_GETROUTE, &head)? {
            out.extend(Route::parse(&p)?);
        }
        Ok(out)
    }
}

impl Addr {
    /// The address of an `RTM_NEWADDR`/`RTM_DELADDR` payload; `None` for a
    /// family that is not IP.
    pub fn parse(p: &[u8]) -> Result<Option<Addr>, Errno> {
        let ifa = IfAddrMsg::parse(p).ok_or(EPROTO)?;
        let (mut local, mut address, mut flags) = (None, None, u32::from(ifa.flags));
        for (ty, v) in attrs(p.get(nlmsg_align(IfAddrMsg::LEN)..).unwrap_or(&[])) {
            match ty {
                libc::IFA_LOCAL => local = ip_from(ifa.family, v),
                libc::IFA_ADDRESS => address = ip_from(ifa.family, v),
                IFA_FLAGS => flags = u32_at(v, 0).ok_or(EPROTO)?,
                _ => {}
            }
        }
        Ok(local.or(address).map(|addr| Addr {
            index: ifa.index,
            family: i32::from(ifa.family),
            addr,
            prefix_len: ifa.prefix_len,
            scope: ifa.scope,
            flags,
        }))
    }
}

impl Route {
    /// The route of an `RTM_NEWROUTE`/`RTM_DELROUTE` payload; `None` for a
    /// family that is not IP.
    pub fn parse(p: &[u8]) -> Result<Option<Route>, Errno> {
        let rtm = RtMsg::parse(p).ok_or(EPROTO)?;
        let unspecified = match i32::from(rtm.family) {
            libc::AF_INET => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            libc::AF_INET6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            _ => return Ok(None),
        };
        let mut route = Route {
            dst: unspecified,
            prefix_len: rtm.dst_len,
            gateway: None,
            oif: None,
            table: u32::from(rtm.table),
            protocol: rtm.protocol,
            scope: rtm.scope,
            kind: rtm.kind,
        };
        for (ty, v) in attrs(p.get(nlmsg_align(RtMsg::LEN)..).unwrap_or(&[])) {
            match ty {
                libc::RTA_DST => route.dst = ip_from(rtm.family, v).ok_or(EPROTO)?,
                libc::RTA_GATEWAY => route.gateway = Some(ip_from(rtm.family, v).ok_or(EPROTO)?),
                libc::RTA_OIF => route.oif = Some(u32_at(v, 0).ok_or(EPROTO)?),
                libc::RTA_TABLE => route.table = u32_at(v, 0).ok_or(EPROTO)?,
                _ => {}
            }
        }
        Ok(Some(route))
    }
}

/// A change the kernel announced to a [`Monitor`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `RTM_NEWADDR`.
    NewAddr(Addr),
    /// `RTM_NEWROUTE`.
    NewRoute(Route),
    /// Any other message, by type.
    Other(u16),
}

/// `ip monitor`: a `NETLINK_ROUTE` socket bound to multicast groups,
/// reading the kernel's notifications with blocking `recvmsg`.
#[derive(Debug)]
pub struct Monitor {
    sock: Socket,
    buf: Vec<u8>,
}

impl Monitor {
    /// Joins `groups` (`RTMGRP_*` bits).
    pub fn open(e: &SimExported, groups: u32) -> Result<Monitor, Errno> {
        let sock = Socket::new(e, libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_ROUTE)?;
        sock.setsockopt_int(libc::SOL_SOCKET, libc::SO_RCVBUF, 1024 * 1024)?;
        sock.bind(&SockAddr::netlink(0, groups))?;
        Ok(Monitor {
            sock,
            buf: vec![0; RECV_BUF],
        })
    }

    /// The next notifications (blocks until there is one).
    pub fn changes(&mut self) -> Result<Vec<Change>, Errno> {
        let r = self.sock.recv_msg(&mut self.buf, &mut [], 0)?;
        if r.flags & libc::MSG_TRUNC != 0 {
            return Err(Errno(libc::EMSGSIZE));
        }
        let mut out = Vec::new();
        for m in parse_messages(&self.buf[..r.len])? {
            out.push(match m.ty {
                libc::RTM_NEWADDR => match Addr::parse(m.payload)? {
                    Some(a) => Change::NewAddr(a),
                    None => Change::Other(m.ty),
                },
                libc::RTM_NEWROUTE => match Route::parse(m.payload)? {
                    Some(r) => Change::NewRoute(r),
                    None => Change::Other(m.ty),
                },
                ty => Change::Other(ty),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_aligned() {
        let msg = Request::new(libc::RTM_NEWADDR, REQ_ACK)
            .push(&IfAddrMsg::default().to_bytes())
            .attr(1, &[1, 2, 3]) // 7 bytes + 1 of padding
            .attr_u32(2, 7)
            .finish(9, 0);
        assert_eq!(msg.len(), 16 + 8 + 8 + 8);
        assert_eq!(u32_at(&msg, 0), Some(40));
        assert_eq!(u32_at(&msg, 8), Some(9));
        assert_eq!(&msg[24..32], &[7, 0, 1, 0, 1, 2, 3, 0]);
        let a: Vec<_> = attrs(&msg[24..]).collect();
        assert_eq!(a, vec![(1, &[1u8, 2, 3][..]), (2, &7u32.to_ne_bytes()[..])]);
    }

    #[test]
    fn messages_are_split_at_aligned_lengths() {
        let one = Request::new(3, 0).push(&[0xaa]).finish(1, 5);
        assert_eq!(one.len(), 20);
        let mut buf = one.clone();
        buf.extend_from_slice(&Request::new(2, 0).finish(2, 5));
        let msgs = parse_messages(&buf).unwrap();
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].payload, &[0xaa, 0, 0, 0]);
        assert_eq!((msgs[1].ty, msgs[1].seq, msgs[1].pid), (2, 2, 5));
        // A length running past the buffer is malformed.
        let mut bad = one;
        bad[0] = 200;
        assert_eq!(parse_messages(&bad), Err(Errno(libc::EPROTO)));
    }

    #[test]
    fn family_headers_round_trip() {
        let r = RtMsg {
            family: 2,
            dst_len: 16,
            table: 254,
            protocol: 3,
            scope: 253,
            kind: 1,
            flags: 0x1234,
            ..RtMsg::default()
        };
        assert_eq!(RtMsg::parse(&r.to_bytes()), Some(r));
        let i = IfInfoMsg {
            index: 7,
            flags: 1,
            change: 0xffff_ffff,
            ..IfInfoMsg::default()
        };
        assert_eq!(IfInfoMsg::parse(&i.to_bytes()), Some(i));
    }
}
