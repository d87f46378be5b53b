//! Tunnels between two nodes of the real kernel library, configured by the
//! netlink messages the real tools send ([`dce_sim::apps::tunnel`],
//! [`dce_sim::apps::xfrm`]) and checked on the wire: an L2TPv3 Ethernet
//! pseudowire (`ip l2tp`), an `ipip` tunnel in FOU (`ip fou`, `ip link add
//! type ipip encap fou`) and ESP transport mode (`ip xfrm`).
//!
//! The underlay is one point-to-point link, 10 Mbit/s, 5 ms, 10.1.1.1/24 -
//! 10.1.1.2/24, captured to pcap from the start and read back with tshark.

mod common;
use common::{
    assert_clean_logs, lock, ping_task, run, run_task, scratch, tshark, two_nodes_with, MS, SEC,
};

use dce_sim::abi::Host;
use dce_sim::apps::genl::Genl;
use dce_sim::apps::rtnl::{Link, Rtnl};
use dce_sim::apps::sock::Errno;
use dce_sim::apps::transfer::{self, Received, Sent};
use dce_sim::apps::tunnel::{self, FouEncap, L2tpTunnel};
use dce_sim::apps::xfrm::{self, EspSa, XfrmUsersaInfo};
use dce_sim::link::PointToPointConfig;
use dce_sim::NodeId;
use std::cell::Cell;
use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

const A: Ipv4Addr = Ipv4Addr::new(10, 1, 1, 1);
const B: Ipv4Addr = Ipv4Addr::new(10, 1, 1, 2);
const RATE_BPS: u64 = 10_000_000;
const DELAY_NS: u64 = 5 * MS;

/// The underlay link.
fn underlay() -> PointToPointConfig {
    PointToPointConfig {
        delay_ns: DELAY_NS,
        rate_bps: RATE_BPS,
        ..PointToPointConfig::default()
    }
}

/// Serialization time of a `bytes`-long frame on the underlay (the
/// simulator rounds up to the nanosecond).
fn ser(bytes: u64) -> u64 {
    (bytes * 8 * SEC).div_ceil(RATE_BPS)
}

/// Runs `f` in a task of `node` now and returns its result.
fn on<T: 'static>(
    host: &Host,
    node: NodeId,
    f: impl FnOnce(dce_abi::SimExported) -> T + 'static,
) -> T {
    let r = run_task(host, node, 0, move |_, e| f(e));
    run(host, host.sim().now() + 1);
    let v = r.borrow_mut().take();
    v.unwrap_or_else(|| panic!("task of {node:?} blocked"))
}

/// `ip link set dev NAME addrgenmode none`, `ip addr add ADDR/LEN dev
/// NAME`, `ip link set dev NAME up`; returns the link as dumped after.
fn address_and_up(rt: &mut Rtnl, name: &str, addr: Ipv4Addr, len: u8) -> Link {
    let idx = rt
        .link_index(name)
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    rt.link_set_addrgenmode(idx, 1).expect("addrgenmode none");
    rt.addr_add(idx, IpAddr::V4(addr), len).expect("addr add");
    rt.link_set(idx, true, None).expect("link up");
    rt.links()
        .expect("links")
        .into_iter()
        .find(|l| l.index == idx)
        .expect("link")
}

/// The ping replies' RTTs, after asserting `count` requests all answered.
fn pinged(host: &Host, dst: Ipv4Addr, count: u32) -> Vec<u64> {
    let report = ping_task(host, NodeId(0), 0, dst, count);
    run(host, host.sim().now() + (u64::from(count) + 5) * SEC);
    let report = report.borrow_mut().take().expect("ping ran").expect("ping");
    assert_eq!(report.sent, count, "{report:?}");
    assert_eq!(report.replies.len(), count as usize, "{report:?}");
    assert_eq!(report.duplicates, 0);
    assert!(report.replies.iter().all(|r| r.data_ok), "{report:?}");
    report.replies.iter().map(|r| r.rtt_ns).collect()
}

#[test]
fn l2tpv3_ethernet_pseudowire_carries_ping_over_udp_5000() {
    let _g = lock();
    let dir = scratch("tunnel-l2tp");
    let (host, _, _) = two_nodes_with(underlay(), Some(&dir));
    let inner = [
        Ipv4Addr::new(192, 168, 50, 1),
        Ipv4Addr::new(192, 168, 50, 2),
    ];
    for (n, (local, remote)) in [(A, B), (B, A)].into_iter().enumerate() {
        let addr = inner[n];
        let (again, link) = on(&host, NodeId(n as u32), move |e| {
            let mut g = Genl::open(&e).expect("genl");
            let fam = g.family(tunnel::L2TP_GENL_NAME).expect("l2tp family");
            let t = L2tpTunnel {
                tunnel_id: 1,
                peer_tunnel_id: 1,
                local,
                remote,
                udp_sport: 5000,
                udp_dport: 5000,
            };
            g.request(tunnel::l2tp_tunnel_create(fam, &t))
                .expect("ip l2tp add tunnel");
            // The same tunnel id again.
            let again = g.request(tunnel::l2tp_tunnel_create(fam, &t));
            g.request(tunnel::l2tp_session_create(fam, &t, 1, 1, None))
                .expect("ip l2tp add session");
            let mut rt = Rtnl::open(&e).expect("rtnl");
            (again, address_and_up(&mut rt, "l2tpeth0", addr, 24))
        });
        assert_eq!(again, Err(Errno(libc::EEXIST)), "node {n}");
        // 1500 - (IPv4 20 + UDP 8 + L2TPv3 12 + Ethernet 14).
        assert_eq!(link.mtu, 1446, "node {n}: {link:?}");
        assert_ne!(link.flags & libc::IFF_UP as u32, 0);
        assert_eq!(link.flags & libc::IFF_NOARP as u32, 0, "an Ethernet device");
        println!(
            "node {n}: {} index {} mac {:02x?}",
            link.name, link.index, link.mac
        );
    }

    let rtts = pinged(&host, inner[1], 5);
    println!("l2tp ping RTTs (ns): {rtts:?}");
    // Underlay frames: Ethernet 14 + IPv4 20 + UDP 8 + L2TPv3 12 (flags
    // and version 4, session id 4, default L2-specific sublayer 4), then
    // the inner Ethernet frame: 14 + 84 for an echo, 14 + 28 for an ARP.
    let echo = 14 + 20 + 8 + 12 + 14 + 84;
    let arp = 14 + 20 + 8 + 12 + 14 + 28;
    let echo_rtt = 2 * (DELAY_NS + ser(echo));
    // The first request waited for ARP across the pseudowire.
    assert_eq!(rtts[0], 2 * (DELAY_NS + ser(arp)) + echo_rtt);
    assert!(rtts[1..].iter().all(|&r| r == echo_rtt), "{rtts:?}");
    assert_clean_logs(&host);

    host.finish_pcap().expect("pcap");
    // UDP port 5000 is not L2TP's (1701): decode it as L2TP.  Without a
    // control connection tshark cannot learn the pseudowire type (it stays
    // 0, unknown) nor the sublayer: decode type 0 as Ethernet, after no
    // cookie and the default L2-specific sublayer, as configured.
    let Some(frames) = tshark(
        &dir.join("p2p-0-0.pcap"),
        &[
            "-d",
            "udp.port==5000,l2tp",
            "-d",
            "l2tp.pw_type==0,eth",
            "-o",
            "l2tp.cookie_size:0",
            "-o",
            "l2tp.l2_specific:default",
        ],
        &[
            "frame.len",
            "ip.proto",
            "udp.srcport",
            "udp.dstport",
            "l2tp.version",
            "l2tp.sid",
            "eth.type",
            "icmp.type",
            "arp.opcode",
            "ip.src",
        ],
    ) else {
        return;
    };
    for f in &frames {
        println!("{f:?}");
    }
    // Everything on the underlay is L2TPv3, session 1, in UDP 5000 -> 5000.
    for f in &frames {
        assert_eq!(f[1].split(',').next(), Some("17"), "{f:?}");
        assert_eq!((f[2].as_str(), f[3].as_str()), ("5000", "5000"), "{f:?}");
        assert_eq!((f[4].as_str(), f[5].as_str()), ("3", "0x00000001"), "{f:?}");
    }
    let count = |len: u64, ty: &str, icmp: &str, arp: &str| {
        frames
            .iter()
            .filter(|f| f[0] == len.to_string() && f[6] == ty && f[7] == icmp && f[8] == arp)
            .count()
    };
    // Five requests and five replies, each an inner Ethernet/IPv4 frame.
    assert_eq!(count(echo, "0x0800,0x0800", "8", ""), 5, "{frames:?}");
    assert_eq!(count(echo, "0x0800,0x0800", "0", ""), 5, "{frames:?}");
    // ARP across the pseudowire: node 0 resolving node 1 before the first
    // echo, then node 1's unicast probe of its entry for node 0 (NUD_DELAY
    // to NUD_PROBE, 5 s after first use, nothing having confirmed it) and
    // node 0's answer.
    assert_eq!(count(arp, "0x0800,0x0806", "", "1"), 2, "{frames:?}");
    assert_eq!(count(arp, "0x0800,0x0806", "", "2"), 2, "{frames:?}");
    assert_eq!(frames.len(), 14, "{frames:?}");
    let inner_src = frames
        .iter()
        .filter(|f| f[9] == "10.1.1.1,192.168.50.1")
        .count();
    assert_eq!(inner_src, 5);
}

#[test]
fn ipip_in_fou_carries_ping_over_udp_5555() {
    let _g = lock();
    let dir = scratch("tunnel-fou");
    let (host, _, _) = two_nodes_with(underlay(), Some(&dir));
    let inner = [
        Ipv4Addr::new(192, 168, 60, 1),
        Ipv4Addr::new(192, 168, 60, 2),
    ];
    for (n, (local, remote)) in [(A, B), (B, A)].into_iter().enumerate() {
        let addr = inner[n];
        let link = on(&host, NodeId(n as u32), move |e| {
            let mut g = Genl::open(&e).expect("genl");
            let fam = g.family(tunnel::FOU_GENL_NAME).expect("fou family");
            g.request(tunnel::fou_add(fam, 5555, libc::IPPROTO_IPIP as u8))
                .expect("ip fou add");
            let mut rt = Rtnl::open(&e).expect("rtnl");
            let encap = FouEncap {
                sport: 0,
                dport: 5555,
                flags: 0,
            };
            rt.request(tunnel::ipip_link_add("fou1", local, remote, Some(encap)))
                .expect("ip link add fou1 type ipip");
            address_and_up(&mut rt, "fou1", addr, 30)
        });
        println!("node {n}: {link:?}");
        // 1500 - (IPv4 20 + UDP 8): the inner header is the payload's own.
        assert_eq!(link.mtu, 1472, "node {n}");
        assert_ne!(link.flags & libc::IFF_UP as u32, 0);
        assert_ne!(link.flags & libc::IFF_NOARP as u32, 0, "{link:?}");
    }

    let rtts = pinged(&host, inner[1], 5);
    println!("fou ping RTTs (ns): {rtts:?}");
    // Ethernet 14 + IPv4 20 + UDP 8 + the inner IPv4 echo, 84 bytes.
    let frame = 14 + 20 + 8 + 84;
    let rtt = 2 * (DELAY_NS + ser(frame));
    assert!(rtts.iter().all(|&r| r == rtt), "{rtts:?} != {rtt}");
    assert_clean_logs(&host);

    host.finish_pcap().expect("pcap");
    let Some(frames) = tshark(
        &dir.join("p2p-0-0.pcap"),
        &["-d", "udp.port==5555,ip"],
        &[
            "frame.len",
            "ip.proto",
            "ip.src",
            "ip.dst",
            "udp.srcport",
            "udp.dstport",
            "icmp.type",
            "udp.checksum",
        ],
    ) else {
        return;
    };
    for f in &frames {
        println!("{f:?}");
    }
    // Only the ten echoes crossed, each IPv4 in UDP to port 5555 (from an
    // automatic source port), none as bare IPIP (protocol 4).
    assert_eq!(frames.len(), 10, "{frames:?}");
    for f in &frames {
        assert_eq!(f[0], frame.to_string(), "{f:?}");
        assert_eq!(f[1], "17,1", "{f:?}");
        assert_eq!(f[5], "5555", "{f:?}");
        let sport: u16 = f[4].parse().expect("udp.srcport");
        assert!((32768..61000).contains(&sport), "{f:?}");
    }
    let kind = |t: &str, src: &str, dst: &str| {
        frames
            .iter()
            .filter(|f| f[6] == t && f[2] == src && f[3] == dst)
            .count()
    };
    assert_eq!(
        kind("8", "10.1.1.1,192.168.60.1", "10.1.1.2,192.168.60.2"),
        5
    );
    assert_eq!(
        kind("0", "10.1.1.2,192.168.60.2", "10.1.1.1,192.168.60.1"),
        5
    );
    // No encap-csum: no UDP checksum.  Each direction is one inner flow,
    // so one automatic source port.
    assert!(frames.iter().all(|f| f[7] == "0x0000"), "{frames:?}");
    for t in ["8", "0"] {
        let ports: HashSet<&str> = frames
            .iter()
            .filter(|f| f[6] == t)
            .map(|f| f[4].as_str())
            .collect();
        assert_eq!(ports.len(), 1, "{frames:?}");
    }
    let bare = frames
        .iter()
        .filter(|f| f[1].split(',').next() == Some("4"))
        .count();
    assert_eq!(bare, 0);
}

/// Every 64-byte window of `data`, by a polynomial rolling hash.
struct Windows;

impl Windows {
    const LEN: usize = 64;
    const P: u64 = 0x100_0000_01b3;

    fn each(data: &[u8], mut f: impl FnMut(u64) -> bool) -> bool {
        if data.len() < Self::LEN {
            return false;
        }
        let top = (0..Self::LEN - 1).fold(1u64, |x, _| x.wrapping_mul(Self::P));
        let mut h = data[..Self::LEN].iter().fold(0u64, |h, &b| {
            h.wrapping_mul(Self::P).wrapping_add(u64::from(b) + 1)
        });
        if f(h) {
            return true;
        }
        for i in Self::LEN..data.len() {
            let out = u64::from(data[i - Self::LEN]) + 1;
            h = h
                .wrapping_sub(out.wrapping_mul(top))
                .wrapping_mul(Self::P)
                .wrapping_add(u64::from(data[i]) + 1);
            if f(h) {
                return true;
            }
        }
        false
    }
}

/// Whether `haystack` holds 64 consecutive bytes of the first `total`
/// bytes of the transfer stream.
fn holds_stream_run(stream: &HashSet<u64>, haystack: &[u8]) -> bool {
    Windows::each(haystack, |h| stream.contains(&h))
}

/// A test key of `len` bytes.
fn key(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| seed.wrapping_add(i as u8 * 7)).collect()
}

/// `ip xfrm state add src SRC dst DST proto esp spi SPI mode transport
/// reqid 1 auth-trunc 'hmac(sha256)' KEY 128 enc 'cbc(aes)' KEY`.
fn sa(src: Ipv4Addr, dst: Ipv4Addr, spi: u32, seed: u8) -> EspSa {
    EspSa {
        src,
        dst,
        spi,
        reqid: 1,
        mode: xfrm::XFRM_MODE_TRANSPORT,
        auth: ("hmac(sha256)".into(), key(seed, 32), 128),
        enc: ("cbc(aes)".into(), key(seed + 1, 16)),
    }
}

#[test]
fn esp_transport_mode_hides_a_tcp_transfer() {
    let _g = lock();
    let dir = scratch("tunnel-esp");
    let (host, _, _) = two_nodes_with(underlay(), Some(&dir));
    const SPI_AB: u32 = 0x100;
    const SPI_BA: u32 = 0x200;
    let sas = [sa(A, B, SPI_AB, 0x11), sa(B, A, SPI_BA, 0x51)];
    for (n, (me, peer)) in [(A, B), (B, A)].into_iter().enumerate() {
        let sas = sas.clone();
        let edges = on(&host, NodeId(n as u32), move |e| {
            let mut x = Rtnl::open_protocol(&e, libc::NETLINK_XFRM).expect("xfrm socket");
            for s in &sas {
                x.request(xfrm::new_sa(s)).expect("ip xfrm state add");
            }
            for (src, dst, dir) in [
                (me, peer, xfrm::XFRM_POLICY_OUT),
                (peer, me, xfrm::XFRM_POLICY_IN),
            ] {
                x.request(xfrm::new_policy(
                    src,
                    dst,
                    dir,
                    (src, dst),
                    xfrm::XFRM_MODE_TRANSPORT,
                    1,
                ))
                .expect("ip xfrm policy add");
            }
            // Error edges: an unknown algorithm name (authentication, then
            // encryption), and the same SA again.
            let mut bad_auth = sa(me, peer, 0x300, 1);
            bad_auth.auth.0 = "hmac(nosuchhash)".into();
            let mut bad_enc = sa(me, peer, 0x301, 1);
            bad_enc.enc.0 = "cbc(nosuchcipher)".into();
            (
                x.request(xfrm::new_sa(&bad_auth)),
                x.request(xfrm::new_sa(&bad_enc)),
                x.request(xfrm::new_sa(&sas[0])),
            )
        });
        println!("node {n}: error edges {edges:?}");
        assert_eq!(edges.0, Err(Errno(libc::ENOSYS)), "node {n}");
        assert_eq!(edges.1, Err(Errno(libc::ENOSYS)), "node {n}");
        assert_eq!(edges.2, Err(Errno(libc::EEXIST)), "node {n}");
    }

    let total: u64 = 1_000_000;
    let sink = run_task(&host, NodeId(1), 0, |sim, e| {
        let got = Cell::new(Received::default());
        let r = transfer::tcp_sink(
            &e,
            SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 5001)),
            || sim.now(),
            &got,
        );
        r.map(|_| got.get())
    });
    let source = run_task(&host, NodeId(0), MS, move |_, e| {
        let sent = Cell::new(Sent::default());
        let r = transfer::tcp_source(
            &e,
            SocketAddr::V4(SocketAddrV4::new(B, 5001)),
            total,
            || 0,
            &sent,
        );
        r.map(|_| sent.get())
    });
    run(&host, host.sim().now() + 30 * SEC);
    let got = sink.borrow_mut().take().expect("sink ran").expect("sink");
    let sent = source
        .borrow_mut()
        .take()
        .expect("source ran")
        .expect("source");
    assert_eq!((got.bytes, sent.bytes), (total, total));
    assert!(got.done && sent.done);
    assert_eq!(got.hash, sent.hash, "received bytes differ from sent");
    let goodput = got.goodput_bps().expect("data at two times");
    println!(
        "esp: {} bytes, hash {:#x}, goodput {:.3} Mbit/s, {} reads",
        got.bytes,
        got.hash.0,
        goodput / 1e6,
        got.chunks
    );

    // Full segments: 1500 - IPv4 20 - ESP 8 - IV 16 - ICV 16 - ESP
    // trailer 2 (no padding: 32 + 1406 + 2 is a multiple of the AES
    // block) - TCP 32 (with timestamps) = 1406 bytes of payload in
    // 1514-byte frames: at most 10 Mbit/s * 1406 / 1514 of goodput.
    const MSS: u64 = 1406;
    let line = RATE_BPS as f64 * MSS as f64 / 1514.0;
    assert!(
        goodput > 0.95 * line && goodput < 1.01 * line,
        "{goodput} vs {line}"
    );

    // The SAs' counters, as `ip -s xfrm state` reads them.
    let counters = |node: u32, dst: Ipv4Addr, spi: u32| {
        on(&host, NodeId(node), move |e| {
            let mut x = Rtnl::open_protocol(&e, libc::NETLINK_XFRM).expect("xfrm socket");
            let req = xfrm::get_sa(dst, spi);
            let flags = req.flags() | libc::NLM_F_ACK as u16;
            let mut out = None;
            x.transact(req.with_flags(flags), |m| {
                out = XfrmUsersaInfo::parse_use(m.payload);
                Ok(())
            })
            .expect("ip xfrm state get");
            out.expect("xfrm_usersa_info")
        })
    };
    let out_ab = counters(0, B, SPI_AB);
    let in_ab = counters(1, B, SPI_AB);
    let out_ba = counters(1, A, SPI_BA);
    let in_ba = counters(0, A, SPI_BA);
    println!("SA 0x100 out {out_ab:?} in {in_ab:?}; SA 0x200 out {out_ba:?} in {in_ba:?}");
    // A to B: the data segments, the SYN and two pure ACKs (the FIN rode
    // on the last data segment).
    assert_eq!(out_ab.0.packets, total.div_ceil(MSS) + 3);
    assert_eq!(out_ab.0.packets, in_ab.0.packets);
    assert_eq!(out_ba.0.packets, in_ba.0.packets);
    for s in [out_ab.1, in_ab.1, out_ba.1, in_ba.1] {
        assert_eq!((s.replay, s.integrity_failed), (0, 0));
    }
    assert_clean_logs(&host);

    host.finish_pcap().expect("pcap");
    let pcap = dir.join("p2p-0-0.pcap");
    let raw = std::fs::read(&pcap).expect("pcap");
    let mut stream = HashSet::new();
    let bytes: Vec<u8> = (0..total).map(transfer::stream_byte).collect();
    Windows::each(&bytes, |h| {
        stream.insert(h);
        false
    });
    // The detector finds a run where there is one.
    let mut planted = raw[..1000].to_vec();
    planted.extend_from_slice(&bytes[777_777..777_777 + 64]);
    assert!(holds_stream_run(&stream, &planted));
    assert!(
        !holds_stream_run(&stream, &raw),
        "plaintext of the stream on the wire"
    );

    let Some(frames) = tshark(
        &pcap,
        &[],
        &["ip.proto", "esp.spi", "esp.sequence", "tcp.srcport"],
    ) else {
        return;
    };
    let spi = |s: u32| {
        frames
            .iter()
            .filter(|f| f[1] == format!("{s:#010x}"))
            .count() as u64
    };
    println!(
        "pcap: {} frames, ESP 0x100: {}, ESP 0x200: {}",
        frames.len(),
        spi(SPI_AB),
        spi(SPI_BA)
    );
    assert_eq!(
        frames.iter().filter(|f| !f[3].is_empty()).count(),
        0,
        "plaintext TCP"
    );
    assert!(frames.iter().all(|f| f[0] == "50"), "only ESP on the wire");
    assert_eq!(spi(SPI_AB) + spi(SPI_BA), frames.len() as u64);
    assert_eq!(spi(SPI_AB), out_ab.0.packets);
    assert_eq!(spi(SPI_BA), out_ba.0.packets);
    // Sequence numbers count each direction's packets from 1.
    let last_seq = |s: u32| {
        frames
            .iter()
            .filter(|f| f[1] == format!("{s:#010x}"))
            .map(|f| f[2].parse::<u64>().expect("esp.sequence"))
            .max()
    };
    assert_eq!(last_seq(SPI_AB), Some(out_ab.0.packets));
    assert_eq!(last_seq(SPI_BA), Some(out_ba.0.packets));

    // With the keys configured, tshark authenticates every frame (a
    // 128-bit HMAC-SHA-256 ICV) and decrypts it (AES-CBC) to TCP: the
    // source's segments carry exactly the transfer's bytes.
    let uat = |s: &EspSa| {
        let hex = |k: &[u8]| k.iter().map(|b| format!("{b:02x}")).collect::<String>();
        format!(
            "uat:esp_sa:\"IPv4\",\"{}\",\"{}\",\"{:#010x}\",\"AES-CBC [RFC3602]\",\"0x{}\",\
             \"HMAC-SHA-256-128 [RFC4868]\",\"0x{}\"",
            s.src,
            s.dst,
            s.spi,
            hex(&s.enc.1),
            hex(&s.auth.1)
        )
    };
    let (ab, ba) = (uat(&sas[0]), uat(&sas[1]));
    let opts = [
        "-o",
        "esp.enable_encryption_decode:TRUE",
        "-o",
        "esp.enable_authentication_check:TRUE",
        "-o",
        &ab,
        "-o",
        &ba,
    ];
    let clear = tshark(
        &pcap,
        &opts,
        &["esp.spi", "esp.icv_good", "tcp.srcport", "tcp.len"],
    )
    .expect("tshark ran before");
    assert_eq!(clear.len(), frames.len());
    assert!(clear.iter().all(|f| f[1] == "1"), "ICV not good: {clear:?}");
    let data: u64 = clear
        .iter()
        .filter(|f| f[0] == format!("{SPI_AB:#010x}"))
        .map(|f| f[3].parse::<u64>().expect("tcp.len"))
        .sum();
    assert_eq!(data, total);
    let acks = clear.iter().filter(|f| f[2] == "5001").count() as u64;
    assert_eq!(acks, spi(SPI_BA));
    let full = clear.iter().filter(|f| f[3] == MSS.to_string()).count() as u64;
    let last = clear
        .iter()
        .filter(|f| f[3] == (total % MSS).to_string())
        .count();
    assert_eq!((full, last), (total / MSS, 1));
    println!("decrypted: {data} bytes of TCP payload, {full} full segments (MSS {MSS})");
}
