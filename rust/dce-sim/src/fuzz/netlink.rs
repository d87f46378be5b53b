//! rtnetlink and generic netlink requests as `ip`, `tc` and genetlink
//! tools send them, with random attributes, nested junk inside link
//! kinds, and lengths that are sometimes wrong.

use super::gen::{v4, v6, Gen};

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

fn attr(out: &mut Vec<u8>, ty: u16, payload: &[u8]) {
    let len = 4 + payload.len();
    out.extend_from_slice(&(len as u16).to_ne_bytes());
    out.extend_from_slice(&ty.to_ne_bytes());
    out.extend_from_slice(payload);
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

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
        attr(
            &mut out,
            ty | if g.chance(300) { 0x8000 } else { 0 },
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
        attr(&mut a, 3, &name); // IFLA_IFNAME
    }
    if g.chance(300) {
        attr(&mut a, 4, &(g.int() as u32).to_ne_bytes()); // IFLA_MTU
    }
    if g.chance(200) {
        let n = g.pick(&[6, 0, 3, 20]);
        attr(&mut a, 1, &g.bytes(n)); // IFLA_ADDRESS
    }
    if g.chance(200) {
        attr(&mut a, 5, &(g.below(8) as u32).to_ne_bytes()); // IFLA_LINK
    }
    if g.chance(100) {
        attr(&mut a, 10, &(g.below(8) as u32).to_ne_bytes()); // IFLA_MASTER
    }
    if g.chance(600) {
        let mut info = Vec::new();
        let kind = g.pick(&KINDS);
        let mut k = kind.to_vec();
        k.push(0);
        attr(&mut info, 1, &k); // IFLA_INFO_KIND
        if g.chance(600) {
            let mut data = junk(g, 3);
            if kind == b"veth" && g.chance(500) {
                // VETH_INFO_PEER: an ifinfomsg, then attributes.
                let mut peer = vec![0u8; 16];
                let mut name = format!("fp{}", g.below(8)).into_bytes();
                name.push(0);
                attr(&mut peer, 3, &name);
                peer.extend(junk(g, 1));
                data.clear();
                attr(&mut data, 1, &peer);
            }
            attr(&mut info, 2, &data); // IFLA_INFO_DATA
        }
        attr(&mut a, 18 | 0x8000, &info); // IFLA_LINKINFO, nested
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
    let (ty, body) = if protocol == libc::NETLINK_GENERIC {
        generic(g)
    } else {
        route(g)
    };
    let mut m = Vec::with_capacity(16 + body.len());
    let len = 16 + body.len();
    let len = if g.chance(970) {
        len as u32
    } else {
        g.pick(&[0, 15, 16, len as u32 + 4, u32::MAX])
    };
    m.extend_from_slice(&len.to_ne_bytes());
    m.extend_from_slice(&ty.to_ne_bytes());
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&seq.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes());
    m.extend(body);
    m
}

fn route(g: &mut Gen) -> (u16, Vec<u8>) {
    let ty = if g.chance(950) {
        g.pick(&[
            16u16, 16, 16, 17, 18, 19, 20, 21, 22, 24, 25, 26, 28, 29, 30, 32, 33, 34, 36, 37, 38,
            40, 44, 48, 64, 68, 72, 80, 84, 88, 104, 105, 106, 112,
        ])
    } else {
        g.below(140) as u16
    };
    let mut b = Vec::new();
    match ty {
        16..=19 => {
            // struct ifinfomsg
            b.extend_from_slice(&[g.pick(&[0u8, 2, 10, 7]), 0]);
            b.extend_from_slice(&(g.u32() as u16).to_ne_bytes());
            let index = g.pick_or(&[0i32, 1, 2, 3, 4, 5, 6, -1], |g| g.int());
            b.extend_from_slice(&index.to_ne_bytes());
            let flags = g.pick_or(&[0u32, 1], |g| g.u32());
            let change = g.pick(&[0u32, 1, u32::MAX]);
            b.extend_from_slice(&flags.to_ne_bytes());
            b.extend_from_slice(&change.to_ne_bytes());
            b.extend(link_attrs(g));
        }
        20..=22 => {
            // struct ifaddrmsg
            let family = g.pick(&[2u8, 10, 0]);
            b.extend_from_slice(&[family, g.range(0, 129) as u8, 0, 0]);
            b.extend_from_slice(&(g.below(6) as u32).to_ne_bytes());
            let addr = if family == 10 {
                v6(g).to_vec()
            } else {
                v4(g).to_vec()
            };
            attr(&mut b, 2, &addr); // IFA_LOCAL
            attr(&mut b, 1, &addr); // IFA_ADDRESS
            if g.chance(300) {
                b.extend(junk(g, 1));
            }
        }
        24..=26 => {
            // struct rtmsg
            let family = g.pick(&[2u8, 10, 0, 128]);
            b.extend_from_slice(&[
                family,
                g.range(0, 129) as u8,
                0,
                0,
                g.pick(&[254u8, 255, 0, 1]),
                g.pick(&[3u8, 4, 0, 255]),
                g.pick(&[0u8, 253, 254, 200]),
                g.pick(&[1u8, 2, 6, 7, 0, 12]),
            ]);
            b.extend_from_slice(&g.u32().to_ne_bytes());
            let addr = if family == 10 {
                v6(g).to_vec()
            } else {
                v4(g).to_vec()
            };
            attr(&mut b, 1, &addr); // RTA_DST
            if g.chance(500) {
                attr(&mut b, 5, &addr); // RTA_GATEWAY
            }
            if g.chance(500) {
                attr(&mut b, 4, &(g.below(6) as u32).to_ne_bytes()); // RTA_OIF
            }
            if g.chance(300) {
                b.extend(junk(g, 2));
            }
        }
        _ => {
            // Another family header (ndmsg, tcmsg, rtgenmsg, ...): random.
            let n = g.pick(&[4usize, 8, 12, 16, 20, 24]);
            b.extend(g.bytes(n));
            b.extend(junk(g, 3));
        }
    }
    (ty, b)
}

fn generic(g: &mut Gen) -> (u16, Vec<u8>) {
    let ty = if g.chance(700) {
        16
    } else {
        g.range(16, 40) as u16
    };
    let cmd = if ty == 16 {
        g.pick_or(&[3u8, 3, 3, 1, 2, 7, 8], |g| g.u32() as u8)
    } else {
        g.u32() as u8
    };
    let mut b = vec![cmd, g.pick(&[1u8, 2, 0]), 0, 0];
    if ty == 16 && g.chance(800) {
        let mut name = g.pick(&FAMILIES).to_vec();
        name.push(0);
        attr(&mut b, 2, &name); // CTRL_ATTR_FAMILY_NAME
    } else {
        b.extend(junk(g, 3));
    }
    (ty, b)
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
