//! rtnetlink and generic netlink requests as `ip`, `tc` and genetlink
//! tools send them, with random attributes, nested junk inside link
//! kinds, and lengths that are sometimes wrong: built with the same
//! encoder as the applications' requests ([`crate::apps::rtnl`]'s
//! `Request`, family headers and `put_attr`), the wrong lengths written
//! over the right ones.

use super::gen::{v4, v6, Gen};
use crate::apps::genl::{
    Family, Genl, CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, GENL_ID_CTRL, NLA_F_NESTED,
};
use crate::apps::rtnl::{
    put_attr, IfAddrMsg, IfInfoMsg, Request, RtMsg, IFLA_ADDRESS, IFLA_IFNAME, IFLA_LINK,
    IFLA_MASTER, IFLA_MTU,
};
use crate::apps::tunnel::{IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO};

/// `VETH_INFO_PEER` (`linux/veth.h`): an `ifinfomsg` and attributes.
const VETH_INFO_PEER: u16 = 1;

/// Link kinds for `RTM_NEWLINK`'s `IFLA_INFO_KIND`: those built, some
/// that are not, and garbage.
const KINDS: [&[u8]; 16] = [
    b"dummy",
    b"veth",
    b"ipip",
    b"gre",
    b"gretap",
    b"sit",
    b"ip6tnl",
    b"ip6gre",
    b"vti",
    b"vlan",
    b"bridge",
    b"vxlan",
    b"macvlan",
    b"bond",
    b"nlmon",
    b"\xff\xfe",
];

/// Generic netlink family names for `CTRL_CMD_GETFAMILY`.
const FAMILIES: [&[u8]; 8] = [
    b"nlctrl",
    b"mptcp_pm",
    b"tcp_metrics",
    b"ethtool",
    b"l2tp",
    b"fou",
    b"devlink",
    b"nl80211",
];

/// Random attributes, nested up to `depth` deep, lengths sometimes off.
fn junk(g: &mut Gen, depth: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..g.below(5) {
        let ty = if g.chance(800) {
            g.below(40) as u16
        } else {
            g.u32() as u16
        };
        let payload = if depth > 0 && g.chance(300) {
            junk(g, depth - 1)
        } else {
            match g.below(5) {
                0 => g.u32().to_ne_bytes().to_vec(),
                1 => vec![g.u32() as u8],
                2 => v4(g).to_vec(),
                3 => v6(g).to_vec(),
                _ => g.blob(64),
            }
        };
        let at = out.len();
        put_attr(
            &mut out,
            ty | if g.chance(300) { NLA_F_NESTED } else { 0 },
            &payload,
        );
        if g.chance(30) {
            let bad = g.pick(&[0u16, 1, 3, 0xffff, (out.len() - at + 4) as u16]);
            out[at..at + 2].copy_from_slice(&bad.to_ne_bytes());
        }
    }
    out
}

/// `RTM_NEWLINK`/`RTM_SETLINK` attributes: name, MTU, address, the link
/// info of a kind with junk inside, a peer for veth.
fn link_attrs(g: &mut Gen) -> Vec<u8> {
    let mut a = Vec::new();
    if g.chance(700) {
        let mut name = format!("fz{}", g.below(8)).into_bytes();
        name.push(0);
        put_attr(&mut a, IFLA_IFNAME, &name);
    }
    if g.chance(300) {
        put_attr(&mut a, IFLA_MTU, &(g.int() as u32).to_ne_bytes());
    }
    if g.chance(200) {
        let n = g.pick(&[6, 0, 3, 20]);
        put_attr(&mut a, IFLA_ADDRESS, &g.bytes(n));
    }
    if g.chance(200) {
        put_attr(&mut a, IFLA_LINK, &(g.below(8) as u32).to_ne_bytes());
    }
    if g.chance(100) {
        put_attr(&mut a, IFLA_MASTER, &(g.below(8) as u32).to_ne_bytes());
    }
    if g.chance(600) {
        let mut info = Vec::new();
        let kind = g.pick(&KINDS);
        let mut k = kind.to_vec();
        k.push(0);
        put_attr(&mut info, IFLA_INFO_KIND, &k);
        if g.chance(600) {
            let mut data = junk(g, 3);
            if kind == b"veth" && g.chance(500) {
                let mut peer = IfInfoMsg::default().to_bytes().to_vec();
                let mut name = format!("fp{}", g.below(8)).into_bytes();
                name.push(0);
                put_attr(&mut peer, IFLA_IFNAME, &name);
                peer.extend(junk(g, 1));
                data.clear();
                put_attr(&mut data, VETH_INFO_PEER, &peer);
            }
            put_attr(&mut info, IFLA_INFO_DATA, &data);
        }
        put_attr(&mut a, IFLA_LINKINFO | NLA_F_NESTED, &info);
    }
    if g.chance(300) {
        a.extend(junk(g, 2));
    }
    a
}

/// One rtnetlink or generic netlink request (`protocol` of the socket:
/// `NETLINK_ROUTE` or `NETLINK_GENERIC`), with a header whose length is
/// right most of the time.
pub fn request(g: &mut Gen, protocol: i32, seq: u32) -> Vec<u8> {
    let mut flags: u16 = 1; // NLM_F_REQUEST
    for bit in [0x4u16, 0x100, 0x200, 0x400, 0x800, 0x300] {
        if g.chance(250) {
            flags |= bit;
        }
    }
    if g.chance(50) {
        flags = g.u32() as u16;
    }
    let req = if protocol == libc::NETLINK_GENERIC {
        generic(g, flags)
    } else {
        route(g, flags)
    };
    let len = req.encoded_len() as u32;
    if g.chance(970) {
        req.finish(seq, 0)
    } else {
        let len = g.pick(&[0, 15, 16, len + 4, u32::MAX]);
        req.finish_with_len(seq, 0, len)
    }
}

fn route(g: &mut Gen, flags: u16) -> Request {
    let ty = if g.chance(950) {
        g.pick(&[
            16u16, 16, 16, 17, 18, 19, 20, 21, 22, 24, 25, 26, 28, 29, 30, 32, 33, 34, 36, 37, 38,
            40, 44, 48, 64, 68, 72, 80, 84, 88, 104, 105, 106, 112,
        ])
    } else {
        g.below(140) as u16
    };
    let req = Request::new(ty, flags);
    // Each family header, then its attributes (all a multiple of 4 bytes,
    // so `push` adds no padding).
    match ty {
        16..=19 => {
            let family = g.pick(&[0u8, 2, 10, 7]);
            let kind = g.u32() as u16;
            let index = g.pick_or(&[0i32, 1, 2, 3, 4, 5, 6, -1], |g| g.int());
            let flags = g.pick_or(&[0u32, 1], |g| g.u32());
            let change = g.pick(&[0u32, 1, u32::MAX]);
            let head = IfInfoMsg {
                family,
                kind,
                index,
                flags,
                change,
            };
            req.push(&head.to_bytes()).push(&link_attrs(g))
        }
        20..=22 => {
            let head = IfAddrMsg {
                family: g.pick(&[2u8, 10, 0]),
                prefix_len: g.range(0, 129) as u8,
                index: g.below(6) as u32,
                ..IfAddrMsg::default()
            };
            let addr = if head.family == 10 {
                v6(g).to_vec()
            } else {
                v4(g).to_vec()
            };
            let req = req
                .push(&head.to_bytes())
                .attr(libc::IFA_LOCAL, &addr)
                .attr(libc::IFA_ADDRESS, &addr);
            if g.chance(300) {
                req.push(&junk(g, 1))
            } else {
                req
            }
        }
        24..=26 => {
            let head = RtMsg {
                family: g.pick(&[2u8, 10, 0, 128]),
                dst_len: g.range(0, 129) as u8,
                table: g.pick(&[254u8, 255, 0, 1]),
                protocol: g.pick(&[3u8, 4, 0, 255]),
                scope: g.pick(&[0u8, 253, 254, 200]),
                kind: g.pick(&[1u8, 2, 6, 7, 0, 12]),
                flags: g.u32(),
                ..RtMsg::default()
            };
            let addr = if head.family == 10 {
                v6(g).to_vec()
            } else {
                v4(g).to_vec()
            };
            let mut req = req.push(&head.to_bytes()).attr(libc::RTA_DST, &addr);
            if g.chance(500) {
                req = req.attr(libc::RTA_GATEWAY, &addr);
            }
            if g.chance(500) {
                req = req.attr(libc::RTA_OIF, &(g.below(6) as u32).to_ne_bytes());
            }
            if g.chance(300) {
                req = req.push(&junk(g, 2));
            }
            req
        }
        _ => {
            // Another family header (ndmsg, tcmsg, rtgenmsg, ...): random.
            let n = g.pick(&[4usize, 8, 12, 16, 20, 24]);
            req.push(&g.bytes(n)).push(&junk(g, 3))
        }
    }
}

fn generic(g: &mut Gen, flags: u16) -> Request {
    let id = if g.chance(700) {
        GENL_ID_CTRL
    } else {
        g.range(16, 40) as u16
    };
    let cmd = if id == GENL_ID_CTRL {
        g.pick_or(&[CTRL_CMD_GETFAMILY, 3, 3, 1, 2, 7, 8], |g| g.u32() as u8)
    } else {
        g.u32() as u8
    };
    let version = g.pick(&[1u8, 2, 0]);
    let req = Genl::message(Family { id, version }, cmd).with_flags(flags);
    if id == GENL_ID_CTRL && g.chance(800) {
        let mut name = g.pick(&FAMILIES).to_vec();
        name.push(0);
        req.attr(CTRL_ATTR_FAMILY_NAME, &name)
    } else {
        req.push(&junk(g, 3))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_requests_are_well_formed() {
        let mut ok = 0;
        for i in 0..1000 {
            let m = request(&mut Gen::for_op(3, i), libc::NETLINK_ROUTE, 1);
            let len = u32::from_ne_bytes(m[..4].try_into().unwrap()) as usize;
            if len == m.len() {
                ok += 1;
            }
        }
        assert!(ok > 900, "{ok}");
    }
}
