//! Frames for `dev_rx`: Ethernet carrying ARP, IPv4 (options, fragments),
//! TCP (options), UDP, ICMP, IPv6 (extension headers, ND and its
//! options), addressed to the node most of the time, then truncated,
//! padded or with a few bytes flipped.

use super::gen::{port, v4, v6, Gen};

use lkl_sys::inet::checksum;

/// The checksum of `data` behind the pseudo-header `pseudo`.
fn csum(pseudo: &[u8], data: &[u8]) -> u16 {
    let mut v = pseudo.to_vec();
    v.extend_from_slice(data);
    checksum(&v)
}

/// The IPv4 pseudo-header (RFC 793).
fn pseudo4(src: &[u8], dst: &[u8], proto: u8, len: usize) -> Vec<u8> {
    let mut p = [src, dst].concat();
    p.extend_from_slice(&[0, proto]);
    p.extend_from_slice(&(len as u16).to_be_bytes());
    p
}

/// The IPv6 pseudo-header (RFC 8200, 8.1).
fn pseudo6(src: &[u8], dst: &[u8], proto: u8, len: usize) -> Vec<u8> {
    let mut p = [src, dst].concat();
    p.extend_from_slice(&(len as u32).to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, proto]);
    p
}

/// An option of a random kind whose length byte is under `max_len` (too
/// short for the kind, often).
fn junk_option(g: &mut Gen, o: &mut Vec<u8>, max_len: u64) {
    let len = g.below(max_len) as u8;
    o.extend_from_slice(&[g.u32() as u8, len]);
    o.extend(g.bytes(usize::from(len).saturating_sub(2)));
}

/// Options cut to the 40 bytes a TCP or IPv4 header has room for and
/// padded to 4 bytes with `fill` (TCP's NOP, IPv4's end of list).
fn pad_options(mut o: Vec<u8>, fill: u8) -> Vec<u8> {
    o.truncate(40);
    while o.len() % 4 != 0 {
        o.push(fill);
    }
    o
}

/// TCP options: the common kinds with right and wrong lengths, MPTCP's
/// (kind 30) subtypes, MD5, Fast Open, random kinds.
fn tcp_options(g: &mut Gen) -> Vec<u8> {
    let mut o = Vec::new();
    for _ in 0..g.below(6) {
        match g.below(10) {
            0 => o.extend_from_slice(&[2, 4, g.u32() as u8, g.u32() as u8]),
            1 => o.extend_from_slice(&[3, 3, g.below(20) as u8]),
            2 => o.extend_from_slice(&[4, 2]),
            3 => {
                let n = g.range(1, 4) as usize;
                o.extend_from_slice(&[5, (2 + 8 * n) as u8]);
                o.extend(g.bytes(8 * n));
            }
            4 => {
                o.extend_from_slice(&[8, 10]);
                o.extend(g.bytes(8));
            }
            5 => {
                let sub = g.below(9) as u8;
                let len = g.pick(&[4u8, 8, 12, 16, 20, 24, 3, 40]);
                o.extend_from_slice(&[30, len, sub << 4 | g.below(16) as u8]);
                o.extend(g.bytes(usize::from(len).saturating_sub(3)));
            }
            6 => {
                o.extend_from_slice(&[19, 18]);
                o.extend(g.bytes(16));
            }
            7 => {
                let len = g.pick(&[2u8, 6, 10, 18]);
                o.extend_from_slice(&[34, len]);
                o.extend(g.bytes(usize::from(len) - 2));
            }
            8 => o.push(g.pick(&[0, 1])),
            _ => junk_option(g, &mut o, 12),
        }
    }
    pad_options(o, 1)
}

/// A transport header and payload for protocol `proto`; the checksum is
/// computed with `pseudo` (right most of the time).
fn transport(g: &mut Gen, proto: u8, pseudo: impl Fn(usize) -> Vec<u8>) -> Vec<u8> {
    let payload = g.blob(256);
    let mut t = match proto {
        6 => {
            let opts = tcp_options(g);
            let mut h = vec![0u8; 20];
            h[..2].copy_from_slice(&port(g).to_be_bytes());
            h[2..4].copy_from_slice(&port(g).to_be_bytes());
            g.fill(&mut h[4..12]);
            h[12] = (((20 + opts.len()) / 4) as u8) << 4;
            h[13] = if g.chance(500) {
                g.pick(&[0x02, 0x10, 0x12, 0x04, 0x11, 0x18])
            } else {
                g.u32() as u8
            };
            h[14..16].copy_from_slice(&(g.u32() as u16).to_be_bytes());
            h.extend(opts);
            h
        }
        17 | 136 => {
            let mut h = vec![0u8; 8];
            h[..2].copy_from_slice(&port(g).to_be_bytes());
            let dst = if g.chance(300) {
                g.pick(&[4789u16, 6081, 53, 67, 546, 5555, 1701])
            } else {
                port(g)
            };
            h[2..4].copy_from_slice(&dst.to_be_bytes());
            h[4..6].copy_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
            h
        }
        1 | 58 => {
            let ty = if proto == 1 {
                g.pick_or(&[0u8, 3, 4, 5, 8, 11, 12, 13, 14], |g| g.u32() as u8)
            } else {
                g.pick_or(&[1u8, 2, 3, 4, 128, 129, 130, 131, 132, 143], |g| {
                    g.u32() as u8
                })
            };
            vec![
                ty,
                g.below(16) as u8,
                0,
                0,
                g.u32() as u8,
                0,
                0,
                g.u32() as u8,
            ]
        }
        _ => Vec::new(),
    };
    t.extend(payload);
    let at = match proto {
        6 => Some(16),
        17 | 136 => Some(6),
        1 | 58 => Some(2),
        _ => None,
    };
    if let Some(at) = at {
        if t.len() >= at + 2 {
            let sum = if proto == 1 {
                checksum(&t)
            } else {
                csum(&pseudo(t.len()), &t)
            };
            let sum = if g.chance(950) { sum } else { g.u32() as u16 };
            t[at..at + 2].copy_from_slice(&sum.to_be_bytes());
        }
    }
    t
}

/// IPv4 options: NOP, EOL, record route, timestamp, source routes,
/// router alert, CIPSO, random kinds, with right and wrong lengths.
fn ip_options(g: &mut Gen) -> Vec<u8> {
    let mut o = Vec::new();
    for _ in 0..g.below(4) {
        match g.below(8) {
            0 => o.push(1),
            1 => o.push(0),
            2 | 3 => {
                let kind = g.pick(&[7u8, 131, 137]);
                let n = g.range(1, 4) as u8;
                o.extend_from_slice(&[kind, 3 + 4 * n, g.pick(&[4u8, 8, 3 + 4 * n + 1])]);
                o.extend(g.bytes(4 * usize::from(n)));
            }
            4 => {
                let n = g.range(1, 4) as u8;
                o.extend_from_slice(&[68, 4 + 8 * n, 5, g.below(4) as u8]);
                o.extend(g.bytes(8 * usize::from(n)));
            }
            5 => o.extend_from_slice(&[148, 4, 0, 0]),
            6 => {
                o.extend_from_slice(&[134, 10]);
                o.extend(g.bytes(8));
            }
            _ => junk_option(g, &mut o, 10),
        }
    }
    pad_options(o, 0)
}

fn ipv4(g: &mut Gen, dst_node: [u8; 4]) -> Vec<u8> {
    let proto = g.pick_or(
        &[6u8, 6, 17, 17, 1, 1, 2, 4, 41, 47, 50, 51, 132, 136],
        |g| g.u32() as u8,
    );
    let src = v4(g);
    let dst = if g.chance(700) { dst_node } else { v4(g) };
    let opts = if g.chance(200) {
        ip_options(g)
    } else {
        Vec::new()
    };
    let body = match proto {
        6 | 17 | 136 | 1 => transport(g, proto, |len| pseudo4(&src, &dst, proto, len)),
        4 => ipv4(g, dst_node),
        41 => ipv6(g),
        _ => g.blob(128),
    };
    let ihl = 20 + opts.len();
    let mut h = vec![0u8; 20];
    h[0] = 0x40 | (ihl / 4) as u8;
    h[1] = g.u32() as u8 & if g.chance(800) { 0 } else { 0xff };
    let total = (ihl + body.len()) as u16;
    let total = if g.chance(950) { total } else { g.u32() as u16 };
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h[4..6].copy_from_slice(&(g.below(8) as u16).to_be_bytes());
    if g.chance(150) {
        // A fragment: more-fragments and an offset, or a random field.
        let frag = if g.chance(700) {
            0x2000 | g.below(16) as u16
        } else {
            g.u32() as u16
        };
        h[6..8].copy_from_slice(&frag.to_be_bytes());
    } else if g.chance(300) {
        h[6] = 0x40;
    }
    h[8] = g.pick(&[64u8, 1, 0, 255]);
    h[9] = proto;
    h[12..16].copy_from_slice(&src);
    h[16..20].copy_from_slice(&dst);
    h.extend(opts);
    let sum = checksum(&h);
    let sum = if g.chance(950) { sum } else { g.u32() as u16 };
    h[10..12].copy_from_slice(&sum.to_be_bytes());
    if g.chance(20) {
        h[0] = g.u32() as u8;
    }
    h.extend(body);
    h
}

/// Neighbour discovery options: link-layer addresses, prefix
/// information, MTU, redirected header, RDNSS, route information,
/// nonce, random kinds; lengths in units of 8 bytes, 0 sometimes.
fn nd_options(g: &mut Gen) -> Vec<u8> {
    let mut o = Vec::new();
    for _ in 0..g.below(4) {
        let kind = g.pick_or(&[1u8, 2, 3, 4, 5, 14, 24, 25, 31], |g| g.u32() as u8);
        let units = match kind {
            1 | 2 | 5 | 14 => 1,
            3 => 4,
            _ => g.range(1, 4) as u8,
        };
        let units = if g.chance(50) { 0 } else { units };
        o.extend_from_slice(&[kind, units]);
        o.extend(g.bytes((usize::from(units) * 8).saturating_sub(2).max(6)));
        if kind == 3 && units == 4 {
            let at = o.len() - 30;
            o[at] = g.range(0, 128) as u8;
        }
    }
    o
}

/// Extension headers (hop-by-hop, routing types 0, 2, 3 and 4, fragment,
/// destination options) before the upper layer `last`.
fn ext_headers(g: &mut Gen, last: u8) -> (u8, Vec<u8>) {
    let kinds: Vec<u8> = (0..g.below(4))
        .map(|_| g.pick(&[0u8, 43, 44, 60, 60, 51, 59]))
        .collect();
    let mut out = Vec::new();
    let mut first = last;
    for (i, &k) in kinds.iter().enumerate().rev() {
        let next = if i + 1 < kinds.len() {
            kinds[i + 1]
        } else {
            last
        };
        let mut h = match k {
            44 => {
                let mut f = vec![next, 0];
                f.extend_from_slice(&(g.u32() as u16 & 0xfff9).to_be_bytes());
                f.extend(g.bytes(4));
                f
            }
            43 => {
                let units = g.range(0, 6) as u8;
                let mut r = vec![
                    next,
                    units,
                    g.pick_or(&[0u8, 2, 3, 4], |g| g.u32() as u8),
                    g.below(4) as u8,
                ];
                r.extend(g.bytes(4 + 8 * usize::from(units)));
                r
            }
            59 => Vec::new(),
            _ => {
                let units = g.range(0, 3) as u8;
                let mut h = vec![next, units];
                let mut opts = Vec::new();
                while opts.len() < 6 + 8 * usize::from(units) {
                    match g.below(5) {
                        0 => opts.push(0),
                        1 => opts.extend_from_slice(&[5, 2, 0, 0]),
                        2 => opts.extend_from_slice(&[0xc2, 4, 0, 1, 0, 0]),
                        3 => {
                            let n = g.below(6) as u8;
                            opts.extend_from_slice(&[1, n]);
                            opts.extend(vec![0; usize::from(n)]);
                        }
                        _ => {
                            let n = g.below(6) as u8;
                            opts.extend_from_slice(&[g.u32() as u8, n]);
                            opts.extend(g.bytes(usize::from(n)));
                        }
                    }
                }
                opts.truncate(6 + 8 * usize::from(units));
                h.extend(opts);
                h
            }
        };
        if k == 59 {
            h.clear();
        }
        let mut tail = std::mem::take(&mut out);
        h.append(&mut tail);
        out = h;
        first = k;
    }
    (first, out)
}

fn ipv6(g: &mut Gen) -> Vec<u8> {
    let upper = g.pick_or(&[6u8, 17, 58, 58, 58, 4, 41, 47, 59], |g| g.u32() as u8);
    let src = v6(g);
    let dst = v6(g);
    let body = match upper {
        58 if g.chance(500) => {
            // Neighbour discovery: RS, RA, NS, NA, redirect.
            let ty = g.pick(&[133u8, 134, 135, 136, 137]);
            let fixed = match ty {
                133 => 4,
                134 => 12,
                135 | 136 => 20,
                _ => 36,
            };
            let mut m = vec![ty, 0, 0, 0];
            m.extend(g.bytes(fixed));
            if matches!(ty, 135..=137) {
                m[8..24].copy_from_slice(&v6(g));
            }
            m.extend(nd_options(g));
            let sum = csum(&pseudo6(&src, &dst, 58, m.len()), &m);
            let sum = if g.chance(950) { sum } else { g.u32() as u16 };
            m[2..4].copy_from_slice(&sum.to_be_bytes());
            m
        }
        6 | 17 | 58 => transport(g, upper, |len| pseudo6(&src, &dst, upper, len)),
        4 => ipv4(g, [10, 1, 1, 2]),
        _ => g.blob(128),
    };
    let (next, mut ext) = if g.chance(300) {
        ext_headers(g, upper)
    } else {
        (upper, Vec::new())
    };
    ext.extend(body);
    let mut h = vec![0x60, 0, 0, 0];
    if g.chance(20) {
        h[0] = g.u32() as u8;
    }
    let plen = if g.chance(950) {
        ext.len() as u16
    } else {
        g.u32() as u16
    };
    h.extend_from_slice(&plen.to_be_bytes());
    h.push(next);
    h.push(g.pick(&[255u8, 64, 1, 0]));
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    h.extend(ext);
    h
}

fn arp(g: &mut Gen, mac: [u8; 6], ip: [u8; 4]) -> Vec<u8> {
    let mut a = vec![
        0,
        1,
        8,
        0,
        6,
        4,
        0,
        g.pick_or(&[1u8, 2, 3, 4], |g| g.u32() as u8),
    ];
    if g.chance(100) {
        g.fill(&mut a[..6]);
    }
    let mut sha = [0u8; 6];
    g.fill(&mut sha);
    a.extend_from_slice(&sha);
    a.extend_from_slice(&v4(g));
    a.extend_from_slice(if g.chance(500) { &mac } else { &[0xff; 6] });
    a.extend_from_slice(&if g.chance(700) { ip } else { v4(g) });
    a
}

/// A frame for a device of MAC address `mac` and IPv4 address `ip`.
pub fn frame(g: &mut Gen, mac: [u8; 6], ip: [u8; 4]) -> Vec<u8> {
    let mut f = Vec::with_capacity(1600);
    let dst = match g.below(8) {
        0..=4 => mac,
        5 => [0xff; 6],
        6 => [0x33, 0x33, 0, 0, 0, g.pick(&[1u8, 2, 0x16])],
        _ => {
            let mut m = [0u8; 6];
            g.fill(&mut m);
            m
        }
    };
    f.extend_from_slice(&dst);
    f.extend_from_slice(&[0x02, 0, 0, 0, 0x77, g.u32() as u8]);
    let (ty, body) = match g.below(12) {
        0..=4 => (0x0800u16, ipv4(g, ip)),
        5..=7 => (0x86dd, ipv6(g)),
        8 | 9 => (0x0806, arp(g, mac, ip)),
        10 => {
            let inner = g.pick(&[0x0800u16, 0x86dd]);
            let mut b = (g.u32() as u16 & 0x0fff).to_be_bytes().to_vec();
            b.extend_from_slice(&inner.to_be_bytes());
            b.extend(if inner == 0x0800 {
                ipv4(g, ip)
            } else {
                ipv6(g)
            });
            (0x8100, b)
        }
        _ => (g.u32() as u16, g.blob(256)),
    };
    f.extend_from_slice(&ty.to_be_bytes());
    f.extend(body);
    // Damage: truncated, padded, a few bytes flipped.
    match g.below(10) {
        0 => f.truncate(g.below(f.len() as u64 + 1) as usize),
        1 => {
            let n = g.len(1600);
            f.extend(g.bytes(n));
        }
        2 => {
            for _ in 0..g.range(1, 4) {
                if !f.is_empty() {
                    let i = g.below(f.len() as u64) as usize;
                    f[i] ^= 1 << g.below(8);
                }
            }
        }
        _ => {}
    }
    if f.len() < 60 && g.chance(500) {
        f.resize(60, 0);
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_verify() {
        // A header with its checksum in place sums to 0.
        let mut h = vec![
            0x45, 0, 0, 20, 0, 1, 0, 0, 64, 17, 0, 0, 10, 1, 1, 1, 10, 1, 1, 2,
        ];
        let s = checksum(&h);
        h[10..12].copy_from_slice(&s.to_be_bytes());
        assert_eq!(checksum(&h), 0);
        // UDP over IPv6: the pseudo-header counts.
        let (src, dst) = ([0xfe; 16], [0x20; 16]);
        let mut u = vec![0, 1, 0, 2, 0, 9, 0, 0, 7];
        let s = csum(&pseudo6(&src, &dst, 17, 9), &u);
        u[6..8].copy_from_slice(&s.to_be_bytes());
        assert_eq!(csum(&pseudo6(&src, &dst, 17, 9), &u), 0);
    }

    #[test]
    fn frames_are_deterministic_and_varied() {
        let a: Vec<Vec<u8>> = (0..200)
            .map(|i| frame(&mut Gen::for_op(7, i), [2, 0, 0, 0, 1, 1], [10, 1, 1, 1]))
            .collect();
        let b: Vec<Vec<u8>> = (0..200)
            .map(|i| frame(&mut Gen::for_op(7, i), [2, 0, 0, 0, 1, 1], [10, 1, 1, 1]))
            .collect();
        assert_eq!(a, b);
        let types: std::collections::BTreeSet<[u8; 2]> = a
            .iter()
            .filter(|f| f.len() >= 14)
            .map(|f| [f[12], f[13]])
            .collect();
        for t in [[8, 0], [0x86, 0xdd], [8, 6], [0x81, 0]] {
            assert!(types.contains(&t), "{types:?}");
        }
    }
}
