//! The wire format: `struct nlmsghdr`, the rtnetlink family headers and
//! attributes, encoded and decoded in safe Rust.
//!
//! This is the one netlink encoder of dce-sim: the rtnetlink client
//! (`client.rs`), the generic netlink families (`apps/genl.rs`: the
//! controller, `mptcp_pm` in the tests, `l2tp` and `fou` in
//! `apps/tunnel.rs`), XFRM (`apps/xfrm.rs`) and the fuzzer's malformed
//! requests (`fuzz/netlink.rs`, through [`put_attr`] and
//! [`Request::finish_with_len`]) all build their messages here.
//!
//! Why not `netlink-packet-route` (0.34, with `netlink-packet-core` 0.9),
//! evaluated for this: it models what the rtnetlink client sends and
//! reads (links, addresses, routes, `IFLA_AF_SPEC` for the address
//! generation mode and the IPv4 devconf, `ipip` link info with FOU
//! encapsulation), and would replace the family headers of this file
//! and the attribute parsing of `client.rs`.  But it would not make one
//! encoder:
//!
//! * it covers rtnetlink only.  The generic netlink controller is in
//!   `netlink-packet-generic`, XFRM in `netlink-packet-xfrm`, `mptcp_pm`
//!   only inside `mptcp-pm`, an async client over its own sockets (tokio,
//!   futures), not DCE's, and `l2tp` and `fou` in none, so their
//!   requests would still need an attribute encoder of our own: five
//!   message models where one is enough for what we send (a header, a
//!   family header, a few flat or nested attributes);
//! * the fuzzer needs messages the typed models cannot express: an
//!   `nlmsg_len` or `nla_len` that is wrong, attribute types with
//!   `NLA_F_NESTED` set at random, junk nested inside link kinds, a
//!   family header of random bytes.  It would keep a byte-level encoder
//!   next to the crate's, the duplication this file exists to remove;
//! * on the reading side the client needs little: a handful of
//!   attributes per message, the rest skipped, which [`attrs`] does in a
//!   dozen lines; a typed decoder of every attribute the kernel sends
//!   buys nothing here;
//! * it is a 0.x crate at its 34th breaking release, for a simulator
//!   that pins the ABI of one kernel (6.12).
//!
//! So the format stays here, small and checked against `libc`'s structs
//! below, and every user builds its messages with [`Request`].

use crate::apps::sock::Errno;
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
/// `IFLA_LINK` (`linux/if_link.h`): the lower device's index.
pub const IFLA_LINK: u16 = 5;
/// `IFLA_MASTER` (`linux/if_link.h`): the master device's index.
pub const IFLA_MASTER: u16 = 10;
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
pub(super) const EPROTO: Errno = Errno(libc::EPROTO);

pub(super) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

pub(super) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

pub(super) fn i32_at(b: &[u8], at: usize) -> Option<i32> {
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
        put_attr(&mut self.buf, ty, payload);
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

    /// The size of the message so far, header included: its `nlmsg_len`
    /// once finished.
    pub fn encoded_len(&self) -> usize {
        self.buf.len()
    }

    /// The finished message, with `nlmsg_len`, `nlmsg_seq` and `nlmsg_pid`.
    pub fn finish(self, seq: u32, pid: u32) -> Vec<u8> {
        let len = self.buf.len() as u32;
        self.finish_with_len(seq, pid, len)
    }

    /// The finished message with an `nlmsg_len` of `len`, right or not:
    /// the fuzzer's malformed requests.
    pub fn finish_with_len(mut self, seq: u32, pid: u32, len: u32) -> Vec<u8> {
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
    let mut v = Vec::with_capacity(RTA_HDRLEN + rta_align(payload.len()));
    put_attr(&mut v, ty, payload);
    v
}

/// Appends one `struct rtattr` (`struct nlattr`) with its payload to
/// `out`, the payload padded to `RTA_ALIGN` (`out` is expected to be
/// aligned already): the attributes of a nested attribute's payload.
///
/// # Panics
///
/// If the payload is longer than an attribute can be (65531 bytes).
pub fn put_attr(out: &mut Vec<u8>, ty: u16, payload: &[u8]) {
    let len = u16::try_from(RTA_HDRLEN + payload.len()).expect("attribute too long");
    out.extend_from_slice(&len.to_ne_bytes());
    out.extend_from_slice(&ty.to_ne_bytes());
    out.extend_from_slice(payload);
    out.resize(out.len() + rta_align(payload.len()) - payload.len(), 0);
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

pub(super) fn ip_from(family: u8, b: &[u8]) -> Option<IpAddr> {
    match i32::from(family) {
        libc::AF_INET => Some(IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(b).ok()?))),
        libc::AF_INET6 => Some(IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(b).ok()?))),
        _ => None,
    }
}

pub(super) fn family_of(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => libc::AF_INET as u8,
        IpAddr::V6(_) => libc::AF_INET6 as u8,
    }
}
