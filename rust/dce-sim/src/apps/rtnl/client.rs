//! The client: requests and dumps over a netlink socket, and what they
//! answer (links, addresses, routes, change notifications).

use super::*;
use crate::apps::sock::{Errno, SockAddr, Socket};
use dce_abi::SimExported;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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

pub(super) const REQ_ACK: u16 = (libc::NLM_F_REQUEST | libc::NLM_F_ACK) as u16;
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
