//! Kernel features that DCE experiments use beyond TCP and UDP, each
//! proven between two simulated nodes by a real outcome: MPTCP over two
//! disjoint paths, SCTP multi-homing, DCCP with CCID2
//! (Documentation/dce/features.rst lists them with the tests).

mod common;
use common::{assert_clean_logs, boot, configure, lock, mac, run, run_task, MS, SEC};

use dce_abi::SimExported;
use dce_sim::abi::Host;
use dce_sim::apps::genl::{Family, Genl, NLA_F_NESTED};
use dce_sim::apps::rtnl::{nested, Rtnl};
use dce_sim::apps::sock::{Errno, SockAddr, Socket};
use dce_sim::apps::transfer::{self, stream_byte, Received, Sent};
use dce_sim::apps::{self};
use dce_sim::link::PointToPointConfig;
use dce_sim::net::{DeviceConfig, DeviceId};
use dce_sim::{NodeId, Sim};
use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::pin::Pin;
use std::rc::Rc;

/// Node 0 (the client) and node 1 (the server).
const A: NodeId = NodeId(0);
const B: NodeId = NodeId(1);

/// `IPPROTO_MPTCP` (`linux/in.h`).
const IPPROTO_MPTCP: i32 = 262;
/// `SOL_MPTCP` (`linux/socket.h`) and `MPTCP_INFO` (`linux/mptcp.h`).
const SOL_MPTCP: i32 = 284;
const MPTCP_INFO: i32 = 1;

/// The `mptcp_pm` generic netlink family (`linux/mptcp_pm.h`).
mod mptcp_pm {
    pub const NAME: &str = "mptcp_pm";
    pub const CMD_ADD_ADDR: u8 = 1;
    pub const CMD_SET_LIMITS: u8 = 5;
    pub const ATTR_ADDR: u16 = 1;
    pub const ATTR_RCV_ADD_ADDRS: u16 = 2;
    pub const ATTR_SUBFLOWS: u16 = 3;
    pub const ADDR_ATTR_FAMILY: u16 = 1;
    pub const ADDR_ATTR_ID: u16 = 2;
    pub const ADDR_ATTR_ADDR4: u16 = 3;
    pub const ADDR_ATTR_FLAGS: u16 = 6;
    pub const ADDR_ATTR_IF_IDX: u16 = 7;
    /// `MPTCP_PM_ADDR_FLAG_SUBFLOW` (`linux/mptcp.h`).
    pub const FLAG_SUBFLOW: u32 = 1 << 1;
}

/// `SOCK_DCCP`, `IPPROTO_DCCP`, `SOL_DCCP` and the socket options used
/// (`linux/net.h`, `linux/in.h`, `linux/socket.h`, `linux/dccp.h`).
mod dccp {
    pub const SOCK_DCCP: i32 = 6;
    pub const IPPROTO_DCCP: i32 = 33;
    pub const SOL_DCCP: i32 = 269;
    pub const SOCKOPT_SERVICE: i32 = 2;
    pub const SOCKOPT_GET_CUR_MPS: i32 = 5;
    pub const SOCKOPT_TX_CCID: i32 = 14;
    pub const SOCKOPT_RX_CCID: i32 = 15;
}

/// `SCTP_STATUS` and the offsets in `struct sctp_status` of the state
/// and of the primary path's address (`linux/sctp.h`: `sstat_assoc_id`
/// (4), `sstat_state` (4), then rwnd, unackdata, penddata, instrms,
/// outstrms, fragmentation point (4 + 2 + 2 + 2 + 2 + 4), then `struct
/// sctp_paddrinfo` whose first member is the 4-byte association id and
/// whose second is a `sockaddr_storage`, 4-byte packed).
mod sctp {
    pub const SCTP_STATUS: i32 = 14;
    pub const STATUS_LEN: usize = 176;
    pub const PRIMARY_ADDR_AT: usize = 28;
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(a, b, c, d)
}

/// The client's second address, on path 2.
const CLIENT2: Ipv4Addr = Ipv4Addr::new(10, 2, 2, 1);

/// Two nodes joined by two disjoint point-to-point links of 10 Mbit/s
/// and 5 ms each:
/// path 1 is 10.1.1.0/24 (`sim0`), path 2 10.2.2.0/24 (`sim1`); the
/// client is .1, the server .2.  Returns the devices of path 1 and 2,
/// client end first.
fn two_paths() -> (Pin<Box<Host>>, [DeviceId; 2], [DeviceId; 2]) {
    let cfg = PointToPointConfig {
        delay_ns: 5 * MS,
        rate_bps: 10_000_000,
        ..PointToPointConfig::default()
    };
    let host = boot(2, 1);
    let mut paths = Vec::new();
    for i in 0..2 {
        let a = host
            .add_device(A, DeviceConfig::point_to_point(mac(0, i)))
            .expect("device");
        let b = host
            .add_device(B, DeviceConfig::point_to_point(mac(1, i)))
            .expect("device");
        host.connect_p2p(a, b, cfg).expect("link");
        paths.push([a, b]);
    }
    run(&host, MS);
    for (i, [a, b]) in paths.iter().enumerate() {
        let net = i as u8 + 1;
        configure(&host, *a, IpAddr::V4(v4(10, net, net, 1)), 24, false);
        configure(&host, *b, IpAddr::V4(v4(10, net, net, 2)), 24, false);
    }
    (host, paths[0], paths[1])
}

fn sa(ip: Ipv4Addr, port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(ip, port))
}

/// A stream sink of `proto` on `node`, port `port`, with its progress.
fn sink(host: &Host, node: NodeId, proto: i32, port: u16) -> Rc<Cell<Received>> {
    let got = Rc::new(Cell::new(Received::default()));
    let g = got.clone();
    run_task(host, node, 0, move |sim: &Sim, e| {
        let at = sa(Ipv4Addr::UNSPECIFIED, port);
        transfer::stream_sink(&e, proto, at, || sim.now(), &g)
    });
    got
}

/// A stream source of `proto` on `node`, sending `bytes` to `to` from
/// `delay` ns from now, with its progress.
fn source(
    host: &Host,
    node: NodeId,
    delay: u64,
    proto: i32,
    to: SocketAddr,
    bytes: u64,
) -> Rc<Cell<Sent>> {
    let sent = Rc::new(Cell::new(Sent::default()));
    let s = sent.clone();
    run_task(host, node, delay, move |sim: &Sim, e| {
        transfer::stream_source(&e, proto, to, bytes, || sim.now(), &s)
    });
    sent
}

/// The hash of the first `n` bytes of the test stream.
fn stream_hash(n: u64) -> u64 {
    let mut h = transfer::Fnv1a::default();
    let bytes: Vec<u8> = (0..n).map(stream_byte).collect();
    h.update(&bytes);
    h.0
}

/// `ip mptcp limits set subflows 2 add_addr_accepted 2` on `node`, and
/// for each `(address, interface)` `ip mptcp endpoint add ADDRESS dev
/// INTERFACE subflow`, through the `mptcp_pm` family.
fn mptcp_endpoints(host: &Host, node: NodeId, subflows: &[(Ipv4Addr, &'static str)]) {
    let subflows = subflows.to_vec();
    let done = run_task(host, node, 0, move |_, e| -> Result<(), Errno> {
        let mut rt = Rtnl::open(&e)?;
        let mut genl = Genl::open(&e)?;
        let pm: Family = genl.family(mptcp_pm::NAME)?;
        genl.request(
            Genl::message(pm, mptcp_pm::CMD_SET_LIMITS)
                .attr_u32(mptcp_pm::ATTR_SUBFLOWS, 2)
                .attr_u32(mptcp_pm::ATTR_RCV_ADD_ADDRS, 2),
        )?;
        for (id, (addr, dev)) in subflows.iter().enumerate() {
            let ifindex = rt.link_index(dev)? as i32;
            let mut inner = nested(
                mptcp_pm::ADDR_ATTR_FAMILY,
                &(libc::AF_INET as u16).to_ne_bytes(),
            );
            inner.extend(nested(mptcp_pm::ADDR_ATTR_ID, &[id as u8 + 1]));
            inner.extend(nested(mptcp_pm::ADDR_ATTR_ADDR4, &addr.octets()));
            inner.extend(nested(
                mptcp_pm::ADDR_ATTR_FLAGS,
                &mptcp_pm::FLAG_SUBFLOW.to_ne_bytes(),
            ));
            inner.extend(nested(mptcp_pm::ADDR_ATTR_IF_IDX, &ifindex.to_ne_bytes()));
            genl.request(
                Genl::message(pm, mptcp_pm::CMD_ADD_ADDR)
                    .attr(mptcp_pm::ATTR_ADDR | NLA_F_NESTED, &inner),
            )?;
        }
        Ok(())
    });
    // Adding an endpoint waits for an RCU grace period: a few ticks.
    run(host, host.sim().now() + 100 * MS);
    let r = done.borrow_mut().take().expect("configuration ran");
    r.expect("mptcp endpoints");
}

/// Goodput in Mbit/s of a finished transfer.
fn mbps(r: &Received) -> f64 {
    r.goodput_bps().expect("goodput") / 1e6
}

#[test]
fn mptcp_uses_two_paths_and_survives_losing_one() {
    let _g = lock();
    let (host, p1, p2) = two_paths();
    let server = v4(10, 1, 1, 2);
    // The baseline: plain TCP on the same topology, path 1.
    let total = 4_000_000;
    let tcp = sink(&host, B, 0, 5000);
    let _s = source(&host, A, MS, 0, sa(server, 5000), total);
    run(&host, host.sim().now() + 20 * SEC);
    let tcp = tcp.get();
    assert!(tcp.done, "{tcp:?}");
    assert_eq!((tcp.bytes, tcp.hash.0), (total, stream_hash(total)));

    // MPTCP: the client adds a subflow endpoint on path 2, as `ip mptcp
    // endpoint add 10.2.2.1 dev sim1 subflow`; the server only raises its
    // limits.
    mptcp_endpoints(&host, A, &[(CLIENT2, "sim1")]);
    mptcp_endpoints(&host, B, &[]);
    let before = [host.device_stats(p1[0]), host.device_stats(p2[0])];
    let mp = sink(&host, B, IPPROTO_MPTCP, 5001);
    let sent = source(&host, A, MS, IPPROTO_MPTCP, sa(server, 5001), total);
    run(&host, host.sim().now() + 20 * SEC);
    let mp = mp.get();
    assert!(mp.done && sent.get().done, "{mp:?} {:?}", sent.get());
    assert_eq!((mp.bytes, mp.hash.0), (total, stream_hash(total)));
    let tx = |d: DeviceId, i: usize| host.device_stats(d).tx_bytes - before[i].tx_bytes;
    let (tx1, tx2) = (tx(p1[0], 0), tx(p2[0], 1));
    eprintln!(
        "TCP {:.2} Mbit/s, MPTCP {:.2} Mbit/s; MPTCP sent {tx1} bytes on path 1, {tx2} on path 2",
        mbps(&tcp),
        mbps(&mp)
    );
    assert!(mbps(&tcp) > 8.0 && mbps(&tcp) <= 10.0, "TCP {}", mbps(&tcp));
    assert!(
        mbps(&mp) > 15.0 && mbps(&mp) <= 20.0,
        "MPTCP {} Mbit/s",
        mbps(&mp)
    );
    // Both paths carried a large share.
    assert!(tx1 > total / 3 && tx2 > total / 3, "{tx1} {tx2}");

    // The same again, and path 1 (the initial subflow's) is cut after
    // a second: the transfer completes over path 2.
    let mp = sink(&host, B, IPPROTO_MPTCP, 5002);
    let _s = source(&host, A, MS, IPPROTO_MPTCP, sa(server, 5002), total);
    run(&host, host.sim().now() + SEC);
    let halfway = mp.get().bytes;
    assert!(halfway > 0 && halfway < total, "{halfway}");
    host.set_p2p_loss(p1[0], 1.0).expect("cut path 1");
    let (cut, cut_ns) = (host.device_stats(p2[0]).tx_bytes, host.sim().now());
    run(&host, host.sim().now() + 60 * SEC);
    let mp = mp.get();
    assert!(mp.done, "{mp:?}");
    assert_eq!((mp.bytes, mp.hash.0), (total, stream_hash(total)));
    // Everything after the cut went over path 2.
    assert!(host.device_stats(p2[0]).tx_bytes - cut >= total - halfway);
    eprintln!(
        "path 1 cut at {halfway} bytes; the last byte arrived {:.3} s later",
        (mp.last_ns - cut_ns) as f64 / 1e9
    );
    assert_clean_logs(&host);
}

/// The subflow count of an MPTCP socket (`MPTCP_INFO`).
fn mptcp_subflows(s: &Socket) -> Result<u8, Errno> {
    let mut info = [0u8; 64];
    s.getsockopt(SOL_MPTCP, MPTCP_INFO, &mut info)?;
    Ok(info[0])
}

#[test]
fn mptcp_info_counts_the_extra_subflow() {
    let _g = lock();
    let (host, _, _) = two_paths();
    mptcp_endpoints(&host, A, &[(CLIENT2, "sim1")]);
    mptcp_endpoints(&host, B, &[]);
    let server = run_task(&host, B, 0, |_, e| -> Result<u64, Errno> {
        let l = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, IPPROTO_MPTCP)?;
        l.bind(&SockAddr::inet(sa(Ipv4Addr::UNSPECIFIED, 6000)))?;
        l.listen(1)?;
        let c = l.accept(0)?;
        let mut buf = [0u8; 4096];
        let mut got = 0;
        loop {
            match c.recv_from(&mut buf, 0)? {
                (0, _) => return Ok(got),
                (n, _) => got += n as u64,
            }
        }
    });
    let client = run_task(&host, A, MS, |sim, e| -> Result<[u8; 3], Errno> {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, IPPROTO_MPTCP)?;
        let unconnected = mptcp_subflows(&s)?;
        s.connect(&SockAddr::inet(sa(v4(10, 1, 1, 2), 6000)), 0)?;
        let connected = mptcp_subflows(&s)?;
        // The path manager adds subflows once the connection is fully
        // established, which data confirms.
        s.send(&[7u8; 1000], 0)?;
        apps::sleep(&e, SEC, || sim.now())?;
        let later = mptcp_subflows(&s)?;
        s.close()?;
        Ok([unconnected, connected, later])
    });
    run(&host, host.sim().now() + 3 * SEC);
    let r = client.borrow_mut().take().expect("client ran");
    // `mptcpi_subflows` counts the subflows besides the initial one: the
    // one on path 2, once the connection is established.
    assert_eq!(r, Ok([0, 0, 1]));
    assert_eq!(server.borrow_mut().take().expect("server ran"), Ok(1000));
    assert_clean_logs(&host);
}

/// A whole `struct sctp_status` of the association of `s`.
fn sctp_status(s: &Socket) -> Result<Vec<u8>, Errno> {
    let mut st = vec![0u8; sctp::STATUS_LEN];
    let n = s.getsockopt(libc::IPPROTO_SCTP, sctp::SCTP_STATUS, &mut st)?;
    st.truncate(n);
    Ok(st)
}

/// The primary path of an association (`sstat_primary.spinfo_address`).
fn primary(st: &[u8]) -> Option<SocketAddr> {
    SockAddr::from_bytes(st.get(sctp::PRIMARY_ADDR_AT..sctp::PRIMARY_ADDR_AT + 16)?)?.as_inet()
}

#[test]
fn sctp_multihoming_survives_losing_the_primary_path() {
    let _g = lock();
    let (host, p1, p2) = two_paths();
    // Both ends bound to every address (INADDR_ANY), so each lists both
    // of its addresses in INIT and INIT-ACK: one association, two paths.
    let total = 3_000_000;
    let got = sink(&host, B, libc::IPPROTO_SCTP, 7000);
    let status = Rc::new(Cell::new(None));
    let sent = Rc::new(Cell::new(Sent::default()));
    let (st, sn) = (status.clone(), sent.clone());
    run_task(&host, A, MS, move |sim, e| -> Result<(), Errno> {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, libc::IPPROTO_SCTP)?;
        s.connect(&SockAddr::inet(sa(v4(10, 1, 1, 2), 7000)), 0)?;
        st.set(primary(&sctp_status(&s)?));
        send_stream(&e, &s, total, sim, &sn)
    });
    run(&host, host.sim().now() + SEC);
    assert_eq!(status.get(), Some(sa(v4(10, 1, 1, 2), 7000)));
    let halfway = got.get().bytes;
    assert!(halfway > 0 && halfway < total, "{halfway}");
    host.set_p2p_loss(p1[0], 1.0).expect("cut path 1");
    let (cut, cut_ns) = (host.device_stats(p2[0]).tx_bytes, host.sim().now());
    // Frames already on path 1's wire still arrive.
    let p1_in = host.device_stats(p1[1]).rx_bytes;
    run(&host, host.sim().now() + 60 * SEC);
    let got = got.get();
    assert!(got.done && sent.get().done, "{got:?} {:?}", sent.get());
    assert_eq!((got.bytes, got.hash.0), (total, stream_hash(total)));
    // The rest went over path 2, once SCTP found path 1 dead, but for
    // what was in flight on path 1 when it was cut.
    let late = host.device_stats(p1[1]).rx_bytes - p1_in;
    assert!(
        late < 256 * 1024,
        "{late} bytes arrived on path 1 after the cut"
    );
    assert!(host.device_stats(p2[0]).tx_bytes - cut + late >= total - halfway);
    eprintln!(
        "SCTP: path 1 cut at {halfway} bytes; the last byte arrived {:.3} s later",
        (got.last_ns - cut_ns) as f64 / 1e9
    );
    assert_clean_logs(&host);
}

/// Sends `total` bytes of the test stream on a connected `s` and closes
/// it.
fn send_stream(
    _e: &SimExported,
    s: &Socket,
    total: u64,
    sim: &Sim,
    sent: &Cell<Sent>,
) -> Result<(), Errno> {
    let mut off = 0;
    let mut buf = vec![0u8; 16 * 1024];
    while off < total {
        let n = (total - off).min(buf.len() as u64) as usize;
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = stream_byte(off + i as u64);
        }
        let k = s.send(&buf[..n], 0)?;
        let mut st = sent.get();
        st.bytes += k as u64;
        st.last_ns = sim.now();
        sent.set(st);
        off += k as u64;
    }
    let mut st = sent.get();
    st.done = true;
    sent.set(st);
    Ok(())
}

/// One DCCP message of the test: its sequence number, then the stream's
/// bytes from `seq * size`.
fn dccp_message(seq: u32, size: usize) -> Vec<u8> {
    let mut m = seq.to_be_bytes().to_vec();
    m.extend((0..size as u64 - 4).map(|i| stream_byte(u64::from(seq) * size as u64 + i)));
    m
}

#[test]
fn dccp_carries_messages_under_ccid2() {
    let _g = lock();
    let (host, _, _) = two_paths();
    const COUNT: u32 = 2000;
    const SIZE: usize = 1000;
    const SERVICE: u32 = 42;
    let server = run_task(&host, B, 0, |_, e| -> Result<(u32, Vec<u32>, i32), Errno> {
        let l = Socket::new(&e, libc::AF_INET, dccp::SOCK_DCCP, dccp::IPPROTO_DCCP)?;
        l.setsockopt(
            dccp::SOL_DCCP,
            dccp::SOCKOPT_SERVICE,
            &SERVICE.to_be_bytes(),
        )?;
        l.bind(&SockAddr::inet(sa(Ipv4Addr::UNSPECIFIED, 8000)))?;
        l.listen(1)?;
        let c = l.accept(0)?;
        let rx_ccid = c.getsockopt_int(dccp::SOL_DCCP, dccp::SOCKOPT_RX_CCID)?;
        c.set_rcvtimeo(2 * SEC)?;
        let mut bad = 0;
        let mut seqs = Vec::new();
        let mut buf = [0u8; 2048];
        loop {
            match c.recv_from(&mut buf, 0) {
                Ok((0, _)) | Err(Errno(libc::EAGAIN)) => break,
                Ok((n, _)) => {
                    let seq = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
                    if buf[..n] != dccp_message(seq, SIZE)[..] {
                        bad += 1;
                    }
                    seqs.push(seq);
                }
                Err(e) => return Err(e),
            }
        }
        Ok((bad, seqs, rx_ccid))
    });
    let client = run_task(&host, A, MS, |sim, e| -> Result<(i32, i32, u32), Errno> {
        let s = Socket::new(&e, libc::AF_INET, dccp::SOCK_DCCP, dccp::IPPROTO_DCCP)?;
        s.setsockopt(
            dccp::SOL_DCCP,
            dccp::SOCKOPT_SERVICE,
            &SERVICE.to_be_bytes(),
        )?;
        s.connect(&SockAddr::inet(sa(v4(10, 1, 1, 2), 8000)), 0)?;
        let ccid = s.getsockopt_int(dccp::SOL_DCCP, dccp::SOCKOPT_TX_CCID)?;
        let mps = s.getsockopt_int(dccp::SOL_DCCP, dccp::SOCKOPT_GET_CUR_MPS)?;
        let mut full = 0;
        let mut seq = 0;
        while seq < COUNT {
            match s.send(&dccp_message(seq, SIZE), 0) {
                Ok(n) if n == SIZE => seq += 1,
                Ok(_) => return Err(Errno(libc::EMSGSIZE)),
                // The transmit queue is full (5 packets): wait as an
                // application polling for POLLOUT would.
                Err(Errno(libc::EAGAIN)) => {
                    full += 1;
                    apps::sleep(&e, MS, || sim.now())?;
                }
                Err(e) => return Err(e),
            }
        }
        apps::sleep(&e, SEC, || sim.now())?;
        s.close()?;
        Ok((ccid, mps, full))
    });
    run(&host, host.sim().now() + 30 * SEC);
    let (ccid, mps, full) = client
        .borrow_mut()
        .take()
        .expect("client ran")
        .expect("client");
    let (bad, seqs, rx_ccid) = server
        .borrow_mut()
        .take()
        .expect("server ran")
        .expect("server");
    eprintln!(
        "DCCP: CCID {ccid}/{rx_ccid}, MPS {mps}, {} of {COUNT} messages arrived, sender waited {full} times",
        seqs.len()
    );
    assert_eq!((ccid, rx_ccid), (2, 2));
    assert!(mps as usize >= SIZE, "{mps}");
    assert_eq!(bad, 0, "damaged messages");
    // In order, no duplicates; CCID2 paces to the link, so nearly all
    // arrive (DCCP does not retransmit what the link's queue drops).
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert!(seqs.len() as u32 >= COUNT * 95 / 100, "{}", seqs.len());
    assert!(full > 0, "the sender never met a full queue");
    assert_clean_logs(&host);
}
