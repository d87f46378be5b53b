//! Tunnel configuration requests as iproute2 sends them: `ip l2tp` (the
//! `l2tp` generic netlink family), `ip fou` (the `fou` family) and `ip link
//! add ... type ipip ... encap fou` (an rtnetlink `RTM_NEWLINK`).
//!
//! Each function builds the [`Request`] only; send it with
//! [`Genl::request`](super::genl::Genl::request) (generic netlink, after
//! [`Genl::family`](super::genl::Genl::family)) or
//! [`Rtnl::request`](super::rtnl::Rtnl::request) (rtnetlink), which add
//! `NLM_F_REQUEST | NLM_F_ACK` and return the kernel's answer.
//!
//! Attributes are laid out as iproute2 lays them out (`ip/ipl2tp.c`,
//! `ip/ipfou.c`, `ip/link_iptnl.c`): same attributes, same order, same
//! sizes, nested attributes without `NLA_F_NESTED` (rtnetlink parses
//! `IFLA_LINKINFO` leniently).

use super::genl::{Family, Genl};
use super::rtnl::{nested, IfInfoMsg, Request, IFLA_IFNAME};
use std::net::Ipv4Addr;

// --- linux/l2tp.h -------------------------------------------------------

/// `L2TP_GENL_NAME` (`linux/l2tp.h`).
pub const L2TP_GENL_NAME: &str = "l2tp";
/// `L2TP_CMD_TUNNEL_CREATE` (`linux/l2tp.h`).
pub const L2TP_CMD_TUNNEL_CREATE: u8 = 1;
/// `L2TP_CMD_TUNNEL_DELETE` (`linux/l2tp.h`).
pub const L2TP_CMD_TUNNEL_DELETE: u8 = 2;
/// `L2TP_CMD_SESSION_CREATE` (`linux/l2tp.h`).
pub const L2TP_CMD_SESSION_CREATE: u8 = 5;
/// `L2TP_ATTR_PW_TYPE` (`u16`, `linux/l2tp.h`).
pub const L2TP_ATTR_PW_TYPE: u16 = 1;
/// `L2TP_ATTR_ENCAP_TYPE` (`u16`, `linux/l2tp.h`).
pub const L2TP_ATTR_ENCAP_TYPE: u16 = 2;
/// `L2TP_ATTR_L2SPEC_TYPE` (`u8`, `linux/l2tp.h`).
pub const L2TP_ATTR_L2SPEC_TYPE: u16 = 5;
/// `L2TP_ATTR_L2SPEC_LEN` (`u8`, `linux/l2tp.h`).
pub const L2TP_ATTR_L2SPEC_LEN: u16 = 6;
/// `L2TP_ATTR_PROTO_VERSION` (`u8`, `linux/l2tp.h`).
pub const L2TP_ATTR_PROTO_VERSION: u16 = 7;
/// `L2TP_ATTR_IFNAME` (string, `linux/l2tp.h`).
pub const L2TP_ATTR_IFNAME: u16 = 8;
/// `L2TP_ATTR_CONN_ID` (`u32`, `linux/l2tp.h`).
pub const L2TP_ATTR_CONN_ID: u16 = 9;
/// `L2TP_ATTR_PEER_CONN_ID` (`u32`, `linux/l2tp.h`).
pub const L2TP_ATTR_PEER_CONN_ID: u16 = 10;
/// `L2TP_ATTR_SESSION_ID` (`u32`, `linux/l2tp.h`).
pub const L2TP_ATTR_SESSION_ID: u16 = 11;
/// `L2TP_ATTR_PEER_SESSION_ID` (`u32`, `linux/l2tp.h`).
pub const L2TP_ATTR_PEER_SESSION_ID: u16 = 12;
/// `L2TP_ATTR_IP_SADDR` (`u32`, network order, `linux/l2tp.h`).
pub const L2TP_ATTR_IP_SADDR: u16 = 24;
/// `L2TP_ATTR_IP_DADDR` (`u32`, network order, `linux/l2tp.h`).
pub const L2TP_ATTR_IP_DADDR: u16 = 25;
/// `L2TP_ATTR_UDP_SPORT` (`u16`, host order, `linux/l2tp.h`).
pub const L2TP_ATTR_UDP_SPORT: u16 = 26;
/// `L2TP_ATTR_UDP_DPORT` (`u16`, host order, `linux/l2tp.h`).
pub const L2TP_ATTR_UDP_DPORT: u16 = 27;
/// `L2TP_PWTYPE_ETH` (`enum l2tp_pwtype`, `linux/l2tp.h`).
pub const L2TP_PWTYPE_ETH: u16 = 0x0005;
/// `L2TP_ENCAPTYPE_UDP` (`enum l2tp_encap_type`, `linux/l2tp.h`).
pub const L2TP_ENCAPTYPE_UDP: u16 = 0;
/// `L2TP_L2SPECTYPE_DEFAULT` (`enum l2tp_l2spec_type`, `linux/l2tp.h`).
pub const L2TP_L2SPECTYPE_DEFAULT: u8 = 1;

// --- linux/fou.h --------------------------------------------------------

/// `FOU_GENL_NAME` (`linux/fou.h`).
pub const FOU_GENL_NAME: &str = "fou";
/// `FOU_CMD_ADD` (`linux/fou.h`).
pub const FOU_CMD_ADD: u8 = 1;
/// `FOU_ATTR_PORT` (`__be16`, `linux/fou.h`).
pub const FOU_ATTR_PORT: u16 = 1;
/// `FOU_ATTR_AF` (`u8`, `linux/fou.h`).
pub const FOU_ATTR_AF: u16 = 2;
/// `FOU_ATTR_IPPROTO` (`u8`, `linux/fou.h`).
pub const FOU_ATTR_IPPROTO: u16 = 3;
/// `FOU_ATTR_TYPE` (`u8`, `linux/fou.h`).
pub const FOU_ATTR_TYPE: u16 = 4;
/// `FOU_ENCAP_DIRECT` (`linux/fou.h`): the payload follows the UDP
/// header directly.
pub const FOU_ENCAP_DIRECT: u8 = 1;

// --- linux/if_link.h, linux/if_tunnel.h ---------------------------------

/// `IFLA_LINKINFO` (nested, `linux/if_link.h`).
pub const IFLA_LINKINFO: u16 = 18;
/// `IFLA_INFO_KIND` (string, `linux/if_link.h`).
pub const IFLA_INFO_KIND: u16 = 1;
/// `IFLA_INFO_DATA` (nested, `linux/if_link.h`).
pub const IFLA_INFO_DATA: u16 = 2;
/// `IFLA_IPTUN_LINK` (`u32`, `linux/if_tunnel.h`).
pub const IFLA_IPTUN_LINK: u16 = 1;
/// `IFLA_IPTUN_LOCAL` (`__be32`, `linux/if_tunnel.h`).
pub const IFLA_IPTUN_LOCAL: u16 = 2;
/// `IFLA_IPTUN_REMOTE` (`__be32`, `linux/if_tunnel.h`).
pub const IFLA_IPTUN_REMOTE: u16 = 3;
/// `IFLA_IPTUN_TTL` (`u8`, `linux/if_tunnel.h`).
pub const IFLA_IPTUN_TTL: u16 = 4;
/// `IFLA_IPTUN_TOS` (`u8`, `linux/if_tunnel.h`).
pub const IFLA_IPTUN_TOS: u16 = 5;
/// `IFLA_IPTUN_PROTO` (`u8`, `linux/if_tunnel.h`).
pub const IFLA_IPTUN_PROTO: u16 = 9;
/// `IFLA_IPTUN_PMTUDISC` (`u8`, `linux/if_tunnel.h`).
pub const IFLA_IPTUN_PMTUDISC: u16 = 10;
/// `IFLA_IPTUN_ENCAP_TYPE` (`u16`, `linux/if_tunnel.h`).
pub const IFLA_IPTUN_ENCAP_TYPE: u16 = 15;
/// `IFLA_IPTUN_ENCAP_FLAGS` (`u16`, `linux/if_tunnel.h`).
pub const IFLA_IPTUN_ENCAP_FLAGS: u16 = 16;
/// `IFLA_IPTUN_ENCAP_SPORT` (`__be16`, `linux/if_tunnel.h`).
pub const IFLA_IPTUN_ENCAP_SPORT: u16 = 17;
/// `IFLA_IPTUN_ENCAP_DPORT` (`__be16`, `linux/if_tunnel.h`).
pub const IFLA_IPTUN_ENCAP_DPORT: u16 = 18;
/// `IFLA_IPTUN_FWMARK` (`u32`, `linux/if_tunnel.h`).
pub const IFLA_IPTUN_FWMARK: u16 = 20;
/// `TUNNEL_ENCAP_FOU` (`enum tunnel_encap_types`, `linux/if_tunnel.h`).
pub const TUNNEL_ENCAP_FOU: u16 = 1;
/// `TUNNEL_ENCAP_FLAG_CSUM` (`linux/if_tunnel.h`): UDP checksums on
/// the encapsulation.
pub const TUNNEL_ENCAP_FLAG_CSUM: u16 = 1 << 0;

/// `ip l2tp add tunnel` with `encap udp`: an unmanaged L2TPv3 tunnel
/// whose UDP socket the kernel creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L2tpTunnel {
    /// `tunnel_id`.
    pub tunnel_id: u32,
    /// `peer_tunnel_id`.
    pub peer_tunnel_id: u32,
    /// `local`.
    pub local: Ipv4Addr,
    /// `remote`.
    pub remote: Ipv4Addr,
    /// `udp_sport`.
    pub udp_sport: u16,
    /// `udp_dport`.
    pub udp_dport: u16,
}

/// `ip l2tp add tunnel tunnel_id T peer_tunnel_id P encap udp local L
/// remote R udp_sport S udp_dport D`: `L2TP_CMD_TUNNEL_CREATE` with
/// `CONN_ID`, `PEER_CONN_ID`, `PROTO_VERSION` 3, `ENCAP_TYPE` UDP,
/// `IP_SADDR`, `IP_DADDR`, `UDP_SPORT`, `UDP_DPORT` (`udp_csum` off, the
/// default, sends no `UDP_CSUM`).
pub fn l2tp_tunnel_create(family: Family, t: &L2tpTunnel) -> Request {
    Genl::message(family, L2TP_CMD_TUNNEL_CREATE)
        .attr_u32(L2TP_ATTR_CONN_ID, t.tunnel_id)
        .attr_u32(L2TP_ATTR_PEER_CONN_ID, t.peer_tunnel_id)
        .attr(L2TP_ATTR_PROTO_VERSION, &[3])
        .attr(L2TP_ATTR_ENCAP_TYPE, &L2TP_ENCAPTYPE_UDP.to_ne_bytes())
        .attr(L2TP_ATTR_IP_SADDR, &t.local.octets())
        .attr(L2TP_ATTR_IP_DADDR, &t.remote.octets())
        .attr(L2TP_ATTR_UDP_SPORT, &t.udp_sport.to_ne_bytes())
        .attr(L2TP_ATTR_UDP_DPORT, &t.udp_dport.to_ne_bytes())
}

/// `ip l2tp del tunnel tunnel_id T`: `L2TP_CMD_TUNNEL_DELETE`.
pub fn l2tp_tunnel_delete(family: Family, tunnel_id: u32) -> Request {
    Genl::message(family, L2TP_CMD_TUNNEL_DELETE).attr_u32(L2TP_ATTR_CONN_ID, tunnel_id)
}

/// `ip l2tp add session [name N] tunnel_id T session_id S
/// peer_session_id P`: `L2TP_CMD_SESSION_CREATE` with `CONN_ID`,
/// `PEER_CONN_ID`, `SESSION_ID`, `PEER_SESSION_ID`, `PW_TYPE` ETH (the
/// default pseudowire of `ip l2tp`), iproute2's default L2-specific
/// sublayer (`L2SPEC_TYPE` default, `L2SPEC_LEN` 4) and `IFNAME` when
/// named.  The kernel creates an Ethernet device, `l2tpeth%d` unless
/// named.
pub fn l2tp_session_create(
    family: Family,
    t: &L2tpTunnel,
    session_id: u32,
    peer_session_id: u32,
    ifname: Option<&str>,
) -> Request {
    let mut req = Genl::message(family, L2TP_CMD_SESSION_CREATE)
        .attr_u32(L2TP_ATTR_CONN_ID, t.tunnel_id)
        .attr_u32(L2TP_ATTR_PEER_CONN_ID, t.peer_tunnel_id)
        .attr_u32(L2TP_ATTR_SESSION_ID, session_id)
        .attr_u32(L2TP_ATTR_PEER_SESSION_ID, peer_session_id)
        .attr(L2TP_ATTR_PW_TYPE, &L2TP_PWTYPE_ETH.to_ne_bytes())
        .attr(L2TP_ATTR_L2SPEC_TYPE, &[L2TP_L2SPECTYPE_DEFAULT])
        .attr(L2TP_ATTR_L2SPEC_LEN, &[4]);
    if let Some(name) = ifname {
        req = req.attr(L2TP_ATTR_IFNAME, &nul_terminated(name));
    }
    req
}

/// `ip fou add port PORT ipproto PROTO`: `FOU_CMD_ADD` with `PORT`
/// (network order), `TYPE` direct, `AF` `AF_INET` and `IPPROTO`.  (Older
/// iproute2 sent `AF` as a `u16`; the kernel's policy says `u8`, which is
/// what is sent here.)
pub fn fou_add(family: Family, port: u16, ipproto: u8) -> Request {
    Genl::message(family, FOU_CMD_ADD)
        .attr(FOU_ATTR_PORT, &port.to_be_bytes())
        .attr(FOU_ATTR_TYPE, &[FOU_ENCAP_DIRECT])
        .attr(FOU_ATTR_AF, &[libc::AF_INET as u8])
        .attr(FOU_ATTR_IPPROTO, &[ipproto])
}

/// An `ipip` tunnel's encapsulation: `encap fou encap-sport S
/// encap-dport D [encap-csum]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FouEncap {
    /// `encap-sport`; 0 = `auto` (from the inner flow's hash).
    pub sport: u16,
    /// `encap-dport`.
    pub dport: u16,
    /// `TUNNEL_ENCAP_FLAG_*` (`encap-csum` is `TUNNEL_ENCAP_FLAG_CSUM`).
    pub flags: u16,
}

/// `ip link add name NAME type ipip remote R local L [encap fou ...]`:
/// an `RTM_NEWLINK` with `NLM_F_CREATE | NLM_F_EXCL`, `IFLA_IFNAME` and
/// `IFLA_LINKINFO { IFLA_INFO_KIND "ipip", IFLA_INFO_DATA { ... } }` with
/// every attribute `ip/link_iptnl.c` sends: `PROTO` 0 (mode `any`, the
/// default), `LINK` 0, `LOCAL`, `REMOTE`, `TTL` 0 (inherit), `TOS` 0,
/// `PMTUDISC` 1, `FWMARK` 0, `ENCAP_TYPE`, `ENCAP_FLAGS`, `ENCAP_SPORT`
/// and `ENCAP_DPORT` (network order).
pub fn ipip_link_add(
    name: &str,
    local: Ipv4Addr,
    remote: Ipv4Addr,
    encap: Option<FouEncap>,
) -> Request {
    let encap_type = if encap.is_some() { TUNNEL_ENCAP_FOU } else { 0 };
    let e = encap.unwrap_or(FouEncap {
        sport: 0,
        dport: 0,
        flags: 0,
    });
    let data = [
        nested(IFLA_IPTUN_PROTO, &[0]),
        nested(IFLA_IPTUN_LINK, &0u32.to_ne_bytes()),
        nested(IFLA_IPTUN_LOCAL, &local.octets()),
        nested(IFLA_IPTUN_REMOTE, &remote.octets()),
        nested(IFLA_IPTUN_TTL, &[0]),
        nested(IFLA_IPTUN_TOS, &[0]),
        nested(IFLA_IPTUN_PMTUDISC, &[1]),
        nested(IFLA_IPTUN_FWMARK, &0u32.to_ne_bytes()),
        nested(IFLA_IPTUN_ENCAP_TYPE, &encap_type.to_ne_bytes()),
        nested(IFLA_IPTUN_ENCAP_FLAGS, &e.flags.to_ne_bytes()),
        nested(IFLA_IPTUN_ENCAP_SPORT, &e.sport.to_be_bytes()),
        nested(IFLA_IPTUN_ENCAP_DPORT, &e.dport.to_be_bytes()),
    ]
    .concat();
    let info = [
        nested(IFLA_INFO_KIND, b"ipip"),
        nested(IFLA_INFO_DATA, &data),
    ]
    .concat();
    let ifi = IfInfoMsg {
        family: libc::AF_UNSPEC as u8,
        ..IfInfoMsg::default()
    };
    Request::new(
        libc::RTM_NEWLINK,
        (libc::NLM_F_REQUEST | libc::NLM_F_CREATE | libc::NLM_F_EXCL) as u16,
    )
    .push(&ifi.to_bytes())
    .attr(IFLA_IFNAME, &nul_terminated(name))
    .attr(IFLA_LINKINFO, &info)
}

fn nul_terminated(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}
