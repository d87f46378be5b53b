//! Scenarios: simulated nodes running the real kernel library
//! (`out/lib/liblkl.so`), joined by dce-sim links, configured and driven
//! through `SimExported` only, as DCE programs do.

mod common;
use common::{
    boot, chain, configure, lock, mac, ping_task, record, run, run_task, scratch, tshark,
    two_nodes, two_nodes_with, FORWARDING, MS, SEC,
};

use dce_sim::abi::Host;
use dce_sim::apps::{
    ping,
    rtnl::{LinkStats, Rtnl},
};
use dce_sim::link::PointToPointConfig;
use dce_sim::net::{DeviceConfig, DeviceId};
use dce_sim::{NodeId, Sim};
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;

/// The kernel's counters of interface `name` on `node` (rtnetlink dump,
/// from a task run now).
fn kernel_stats(host: &Host, node: NodeId, name: &'static str) -> LinkStats {
    let stats = run_task(host, node, 0, move |_, e| {
        let l = Rtnl::open(&e).expect("rtnl").links().expect("links");
        l.into_iter().find(|l| l.name == name).and_then(|l| l.stats)
    });
    run(host, host.sim().now() + 1);
    let k = stats.borrow_mut().take().expect("ran");
    k.expect("IFLA_STATS64")
}

#[test]
fn devices_are_named_in_creation_order_and_start_down() {
    let _g = lock();
    let host = boot(1, 1);
    let devs: Vec<DeviceId> = (0..3)
        .map(|i| {
            host.add_device(NodeId(0), DeviceConfig::csma(mac(0, i)))
                .expect("device")
        })
        .collect();
    run(&host, MS);
    let links = run_task(&host, NodeId(0), 0, |_, e| {
        Rtnl::open(&e).expect("rtnl").links().expect("links")
    });
    run(&host, 2 * MS);
    let links = links.borrow_mut().take().expect("task ran");
    assert_eq!((links[0].index, links[0].name.as_str()), (1, "lo"));
    // After the kernel's own fallback devices (tunl0, sit0, ...), ours, in
    // creation order.
    let sims: Vec<_> = links.iter().filter(|l| l.name.starts_with("sim")).collect();
    let names: Vec<&str> = sims.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["sim0", "sim1", "sim2"]);
    assert!(sims.windows(2).all(|w| w[0].index < w[1].index));
    for (l, d) in sims.iter().zip(&devs) {
        assert_eq!(l.flags & libc::IFF_UP as u32, 0, "{} is up", l.name);
        assert_eq!(l.mtu, 1500);
        assert_eq!(l.mac, mac(0, d.index).to_vec());
        assert!(!host.simdevice(*d).is_null());
    }
}

#[test]
fn ping_rtt_is_twice_the_delay_plus_serialization() {
    let _g = lock();
    let cfg = PointToPointConfig {
        delay_ns: 10 * MS,
        rate_bps: 5_000_000,
        ..PointToPointConfig::default()
    };
    let (host, a, b) = two_nodes(cfg);
    let rec = record(&host);
    // As DCE's ping: poll() on the raw socket, with timeouts.
    let hp: *const Host = &*host;
    let polls_before = rec.poll_events().len();
    let report = run_task(&host, NodeId(0), 0, move |sim, e| {
        ping::ping_with_poll(
            // SAFETY: the host outlives the tasks of its simulator.
            unsafe { &*hp },
            &e,
            IpAddr::V4(Ipv4Addr::new(10, 1, 1, 2)),
            10,
            SEC,
            5 * SEC,
            || sim.now(),
        )
    });
    run(&host, host.sim().now() + 15 * SEC);
    let report = report.borrow_mut().take().expect("ping ran").expect("ping");
    assert_eq!(report.sent, 10);
    assert_eq!(report.replies.len(), 10, "{report:?}");
    // Each reply woke the poll through poll_event; poll timeouts are exact,
    // so the requests left exactly 1 s apart.
    assert!(rec.poll_events().len() >= polls_before + 10);
    assert!(
        report.sent_at_ns.windows(2).all(|w| w[1] - w[0] == SEC),
        "{report:?}"
    );
    // 84-byte ICMP echo in IPv4 in Ethernet: 98 bytes each way.
    let ser = (98 * 8 * SEC).div_ceil(5_000_000);

    for r in &report.replies {
        assert_eq!(r.rtt_ns, 2 * (10 * MS + ser), "{r:?}");
        assert_eq!(r.ttl, Some(64));
        assert!(r.data_ok);
    }
    // Only IPv4 and IPv6 crossed the link (no ARP on a NOARP device).
    let sa = host.device_stats(a);
    let sb = host.device_stats(b);
    assert!(sa.tx_frames >= 10 && sb.rx_frames >= 10, "{sa:?} {sb:?}");
    assert_eq!(sa.tx_oversize + sa.link_losses + sa.link_queue_drops, 0);
}

use dce_sim::apps::sock::{Errno, SockAddr, Socket};
use std::net::{SocketAddr, SocketAddrV4};

use dce_sim::apps::transfer::{self, Received, Sent};
use std::cell::Cell;

/// [`transfer::tcp_sink`] bound to `at`, run to the end of the stream.
fn tcp_sink(
    sim: &Sim,
    e: &dce_abi::SimExported,
    at: SocketAddr,
) -> Result<(Received, Option<SocketAddr>), Errno> {
    let got = Cell::new(Received::default());
    transfer::tcp_sink(e, at, || sim.now(), &got)?;
    let got = got.get();
    Ok((got, got.peer))
}

/// [`transfer::tcp_source`]: sends `total` bytes of the test stream to
/// `to`; returns the stream's hash.
fn tcp_source(e: &dce_abi::SimExported, to: SocketAddr, total: u64) -> Result<u64, Errno> {
    let sent = Cell::new(Sent::default());
    transfer::tcp_source(e, to, total, || 0, &sent)?;
    Ok(sent.get().hash.0)
}

/// `0.0.0.0:port`
fn any4(port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port))
}

fn tcp_transfer(loss: f64) -> (Received, u64, Pin<Box<Host>>, [DeviceId; 2]) {
    tcp_transfer_with(loss, None)
}

fn tcp_transfer_with(
    loss: f64,
    pcap: Option<&std::path::Path>,
) -> (Received, u64, Pin<Box<Host>>, [DeviceId; 2]) {
    let cfg = PointToPointConfig {
        delay_ns: 5 * MS,
        rate_bps: 100_000_000,
        loss,
        ..PointToPointConfig::default()
    };
    let (host, a, b) = two_nodes_with(cfg, pcap);
    let total = 10 * 1000 * 1000;
    let sink = run_task(&host, NodeId(1), 0, |sim, e| tcp_sink(sim, &e, any4(5001)));
    let to = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 2), 5001));
    let source = run_task(&host, NodeId(0), MS, move |_, e| tcp_source(&e, to, total));
    run(&host, host.sim().now() + 60 * SEC);
    let (got, _) = sink.borrow_mut().take().expect("sink ran").expect("sink");
    let sent = source
        .borrow_mut()
        .take()
        .expect("source ran")
        .expect("source");
    assert_eq!(got.bytes, total);
    (got, sent, host, [a, b])
}

#[test]
fn tcp_delivers_ten_megabytes_at_link_rate() {
    let _g = lock();
    let (got, sent_hash, _host, _) = tcp_transfer(0.0);
    assert_eq!(got.hash.0, sent_hash, "received bytes differ from sent");
    let goodput = got.goodput_bps().expect("data at two times");
    println!("goodput {:.2} Mbit/s", goodput / 1e6);
    assert!(goodput > 90e6, "goodput {goodput} bit/s");
}

#[test]
fn tcp_delivers_the_same_bytes_under_one_percent_loss() {
    let _g = lock();
    let (got, sent_hash, host, devs) = tcp_transfer(0.01);
    assert_eq!(got.hash.0, sent_hash, "received bytes differ from sent");
    let lost: u64 = devs.iter().map(|d| host.device_stats(*d).link_losses).sum();
    assert!(lost > 10, "only {lost} frames lost");
}

#[test]
fn tcp_under_loss_is_deterministic_down_to_the_pcap() {
    let _g = lock();
    let mut pcaps = Vec::new();
    for run in 0..2 {
        let dir = scratch(&format!("determinism-{run}"));
        let (got, sent, host, _) = tcp_transfer_with(0.01, Some(&dir));
        assert_eq!(got.hash.0, sent);
        host.finish_pcap().expect("pcap");
        let a = std::fs::read(dir.join("p2p-0-0.pcap")).expect("pcap of node 0");
        let b = std::fs::read(dir.join("p2p-1-0.pcap")).expect("pcap of node 1");
        assert!(a.len() > 10_000_000, "{} bytes of pcap", a.len());
        pcaps.push((a, b));
    }
    assert!(
        pcaps[0].0 == pcaps[1].0,
        "node 0's pcaps differ between runs"
    );
    assert!(
        pcaps[0].1 == pcaps[1].1,
        "node 1's pcaps differ between runs"
    );
}

#[test]
fn tshark_reads_the_ping_pcaps() {
    let _g = lock();
    let dir = scratch("ping-pcap");
    let cfg = PointToPointConfig {
        delay_ns: 10 * MS,
        rate_bps: 5_000_000,
        ..PointToPointConfig::default()
    };
    let (host, _, _) = two_nodes_with(cfg, Some(&dir));
    let report = ping_task(&host, NodeId(0), 0, Ipv4Addr::new(10, 1, 1, 2), 5);
    run(&host, host.sim().now() + 10 * SEC);
    let report = report.borrow_mut().take().expect("ran").expect("ping");
    assert_eq!(report.replies.len(), 5);
    host.finish_pcap().expect("pcap");
    for (file, sent_type, recv_type) in [("p2p-0-0.pcap", "8", "0"), ("p2p-1-0.pcap", "0", "8")] {
        let Some(frames) = tshark(
            &dir.join(file),
            &[],
            &["eth.type", "ip.proto", "icmp.type", "ip.ttl"],
        ) else {
            return;
        };
        // Sent and received frames are both recorded: 5 requests and 5
        // replies, all ICMP over IPv4, nothing else on the link.
        assert_eq!(frames.len(), 10, "{file}: {frames:?}");
        for f in &frames {
            assert_eq!(&f[..3], ["0x0800", "1", f[2].as_str()], "{file}");
            assert_eq!(f[3], "64");
        }
        let count = |t: &str| frames.iter().filter(|f| f[2] == t).count();
        assert_eq!((count(sent_type), count(recv_type)), (5, 5), "{file}");
    }
}

#[test]
fn udp_delivers_a_thousand_datagrams() {
    let _g = lock();
    let cfg = PointToPointConfig {
        delay_ns: MS,
        rate_bps: 100_000_000,
        queue_limit: 2000,
        ..PointToPointConfig::default()
    };
    let (host, _, _) = two_nodes(cfg);
    let sink = run_task(&host, NodeId(1), 0, |_, e| -> Result<Vec<Vec<u8>>, Errno> {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
        s.setsockopt_int(libc::SOL_SOCKET, libc::SO_RCVBUF, 4 << 20)?;
        s.bind(&SockAddr::v4(SocketAddrV4::new(
            Ipv4Addr::UNSPECIFIED,
            9000,
        )))?;
        let mut got = Vec::new();
        let mut buf = [0u8; 2048];
        while got.len() < 1000 {
            let (n, from) = s.recv_from(&mut buf, 0)?;
            assert_eq!(
                from.and_then(|f| f.as_inet()).map(|a| a.ip()),
                Some(IpAddr::V4(Ipv4Addr::new(10, 1, 1, 1)))
            );
            got.push(buf[..n].to_vec());
        }
        Ok(got)
    });
    let source = run_task(&host, NodeId(0), MS, |_, e| -> Result<usize, Errno> {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
        let to = SockAddr::v4(SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 2), 9000));
        for i in 0..1000u32 {
            let len = 1 + (i as usize * 7) % 1400;
            let msg: Vec<u8> = (0..len).map(|j| (i as usize + j) as u8).collect();
            assert_eq!(s.send_to(&msg, Some(&to), 0)?, len);
        }
        Ok(1000)
    });
    run(&host, host.sim().now() + 5 * SEC);
    assert_eq!(source.borrow_mut().take().expect("ran"), Ok(1000));
    let got = sink.borrow_mut().take().expect("sink ran").expect("sink");
    assert_eq!(got.len(), 1000);
    for (i, d) in got.iter().enumerate() {
        let len = 1 + (i * 7) % 1400;
        let want: Vec<u8> = (0..len).map(|j| (i + j) as u8).collect();
        assert_eq!(d, &want, "datagram {i}");
    }
}

#[test]
fn a_five_node_chain_forwards_ping_and_tcp() {
    let _g = lock();
    let cfg = PointToPointConfig {
        delay_ns: MS,
        rate_bps: 100_000_000,
        ..PointToPointConfig::default()
    };
    let host = chain(5, cfg);
    let far = Ipv4Addr::new(10, 0, 3, 2);
    let report = ping_task(&host, NodeId(0), 0, far, 3);
    run(&host, host.sim().now() + 5 * SEC);
    let report = report.borrow_mut().take().expect("ran").expect("ping");
    assert_eq!(report.replies.len(), 3, "{report:?}");
    for r in &report.replies {
        // Three routers on the way back: 64 - 3.
        assert_eq!(r.ttl, Some(61), "{r:?}");
        assert_eq!(r.from, IpAddr::V4(far));
        // 4 hops each way, 1 ms and 98 bytes at 100 Mbit/s per hop.
        assert_eq!(r.rtt_ns, 8 * (MS + 7840), "{r:?}");
    }
    let total = 1_000_000;
    let sink = run_task(&host, NodeId(4), 0, |sim, e| tcp_sink(sim, &e, any4(5001)));
    let to = SocketAddr::V4(SocketAddrV4::new(far, 5001));
    let source = run_task(&host, NodeId(0), MS, move |_, e| tcp_source(&e, to, total));
    run(&host, host.sim().now() + 10 * SEC);
    let (got, _) = sink.borrow_mut().take().expect("sink ran").expect("sink");
    let sent = source
        .borrow_mut()
        .take()
        .expect("source ran")
        .expect("source");
    assert_eq!(got.bytes, total);
    assert_eq!(got.hash.0, sent);
}

#[test]
fn ipv6_ping_and_tcp_over_global_addresses() {
    use std::net::{Ipv6Addr, SocketAddrV6};
    let _g = lock();
    let host = boot(2, 1);
    let a = host
        .add_device(NodeId(0), DeviceConfig::point_to_point(mac(0, 0)))
        .expect("device");
    let b = host
        .add_device(NodeId(1), DeviceConfig::point_to_point(mac(1, 0)))
        .expect("device");
    let cfg = PointToPointConfig {
        delay_ns: 2 * MS,
        rate_bps: 10_000_000,
        ..PointToPointConfig::default()
    };
    host.connect_p2p(a, b, cfg).expect("link");
    run(&host, MS);
    let ip_a: Ipv6Addr = "2001:db8:1::1".parse().unwrap();
    let ip_b: Ipv6Addr = "2001:db8:1::2".parse().unwrap();
    configure(&host, a, IpAddr::V6(ip_a), 64, false);
    configure(&host, b, IpAddr::V6(ip_b), 64, false);
    // Duplicate address detection takes about a second.
    run(&host, host.sim().now() + 3 * SEC);
    let report = ping_task(&host, NodeId(0), 0, ip_b, 3);
    run(&host, host.sim().now() + 5 * SEC);
    let report = report.borrow_mut().take().expect("ran").expect("ping6");
    assert_eq!(report.replies.len(), 3, "{report:?}");
    for r in &report.replies {
        assert_eq!(r.from, IpAddr::V6(ip_b));
        assert_eq!(r.ttl, Some(64));
        assert!(r.data_ok);
        // 2 ms each way plus 118 bytes (64 ICMPv6 + 40 + 14) at 10 Mbit/s.
        assert_eq!(r.rtt_ns, 2 * (2 * MS + 94_400), "{r:?}");
    }

    let total = 1_000_000u64;
    let at = SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 5001, 0, 0));
    let sink = run_task(&host, NodeId(1), 0, move |sim, e| tcp_sink(sim, &e, at));
    let to = SocketAddr::V6(SocketAddrV6::new(ip_b, 5001, 0, 0));
    let source = run_task(&host, NodeId(0), MS, move |_, e| tcp_source(&e, to, total));
    run(&host, host.sim().now() + 10 * SEC);
    let (got, peer) = sink.borrow_mut().take().expect("sink ran").expect("sink");
    let sent = source
        .borrow_mut()
        .take()
        .expect("source ran")
        .expect("source");
    assert_eq!(got.bytes, total);
    assert_eq!(got.hash.0, sent);
    assert_eq!(peer.map(|p| p.ip()), Some(IpAddr::V6(ip_a)));
}

/// What the API edge checks saw (errno values are negative, as returned).
#[derive(Debug, Default, PartialEq)]
struct Edges {
    nonblocking_connect: isize,
    poll_ready: usize,
    poll_revents: i16,
    so_error: i32,
    accept_empty: isize,
    names: (isize, i32, isize, i32),
    bind_used: isize,
    bind_short: isize,
    connect_zero_len: isize,
    refused: isize,
    null_optval: isize,
    null_ioctl: isize,
    null_msg: isize,
    trunc: (isize, i32, u32),
    poll_timeout: usize,
    poll_wait_ns: u64,
}

fn api_edges(host: &Host, sim: &Sim, e: &dce_abi::SimExported) -> Edges {
    use dce_abi::{MsgHdr, SimSocket, SockAddr as RawAddr};
    use dce_sim::poll::PollFd;
    let mut out = Edges::default();
    let sin = |ip: Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    let alen = std::mem::size_of::<libc::sockaddr_in>() as i32;
    let new = |ty: i32| {
        let mut s: *mut SimSocket = std::ptr::null_mut();
        // SAFETY: DCE-style call with a pointer to a live local.
        let r = unsafe { e.sock_socket.unwrap()(libc::AF_INET, ty, 0, &mut s) };
        assert_eq!(r, 0);
        s
    };
    // SAFETY: DCE-style calls from a task of the node, with pointers to
    // live locals of the right sizes, or NULL where the test says so.
    unsafe {
        // Non-blocking connect to the peer's listener, then poll writable.
        let peer = sin(Ipv4Addr::new(10, 1, 1, 2), 7000);
        let c = new(libc::SOCK_STREAM);
        let pa = (&peer as *const libc::sockaddr_in).cast::<RawAddr>();
        out.nonblocking_connect = e.sock_connect.unwrap()(c, pa, alen, libc::O_NONBLOCK) as isize;
        let mut fds = [PollFd {
            sock: c,
            events: libc::POLLOUT,
            revents: 0,
        }];
        out.poll_ready = host.poll(e, &mut fds, Some(SEC)).expect("poll");
        out.poll_revents = fds[0].revents;
        let mut err: i32 = -1;
        let mut len = 4;
        e.sock_getsockopt.unwrap()(
            c,
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            (&mut err as *mut i32).cast(),
            &mut len,
        );
        out.so_error = err;
        // getsockname/getpeername answer 0 and the real length.
        let mut a: libc::sockaddr_in = std::mem::zeroed();
        let mut l1 = 64;
        let r1 = e.sock_getsockname.unwrap()(c, (&mut a as *mut libc::sockaddr_in).cast(), &mut l1);
        let mut l2 = 64;
        let r2 = e.sock_getpeername.unwrap()(c, (&mut a as *mut libc::sockaddr_in).cast(), &mut l2);
        out.names = (r1 as isize, l1, r2 as isize, l2);

        // Accept on an empty non-blocking listener.
        let l = new(libc::SOCK_STREAM);
        let mine = sin(Ipv4Addr::UNSPECIFIED, 7100);
        let ma = (&mine as *const libc::sockaddr_in).cast::<RawAddr>();
        assert_eq!(e.sock_bind.unwrap()(l, ma, alen), 0);
        assert_eq!(e.sock_listen.unwrap()(l, 4), 0);
        let mut n: *mut SimSocket = std::ptr::null_mut();
        out.accept_empty = e.sock_accept.unwrap()(l, &mut n, libc::O_NONBLOCK) as isize;
        assert!(n.is_null(), "accept set the output on failure");
        // The port is taken; a short address is invalid.
        let l2s = new(libc::SOCK_STREAM);
        out.bind_used = e.sock_bind.unwrap()(l2s, ma, alen) as isize;
        out.bind_short = e.sock_bind.unwrap()(l2s, ma, 3) as isize;
        out.connect_zero_len = e.sock_connect.unwrap()(l2s, pa, 0, 0) as isize;
        // A closed port on the peer answers with a reset.
        let closed = sin(Ipv4Addr::new(10, 1, 1, 2), 7999);
        let r = new(libc::SOCK_STREAM);
        out.refused =
            e.sock_connect.unwrap()(r, (&closed as *const libc::sockaddr_in).cast(), alen, 0)
                as isize;
        // NULL where DCE could pass it: errors, no crash.
        let mut olen = 4;
        out.null_optval = e.sock_getsockopt.unwrap()(
            r,
            libc::SOL_SOCKET,
            libc::SO_TYPE,
            std::ptr::null_mut(),
            &mut olen,
        ) as isize;
        out.null_ioctl =
            e.sock_ioctl.unwrap()(r, libc::SIOCGIFINDEX as i32, std::ptr::null_mut()) as isize;
        out.null_msg = e.sock_sendmsg.unwrap()(r, std::ptr::null(), 0) as isize;
        e.sock_pollfreewait.unwrap()(std::ptr::null_mut());

        // A datagram larger than the buffer: MSG_TRUNC, namelen written.
        let u = new(libc::SOCK_DGRAM);
        let ua = sin(Ipv4Addr::new(10, 1, 1, 1), 7200);
        assert_eq!(
            e.sock_bind.unwrap()(u, (&ua as *const libc::sockaddr_in).cast(), alen),
            0
        );
        let mut payload = [7u8; 100];
        let mut iov = libc::iovec {
            iov_base: payload.as_mut_ptr().cast(),
            iov_len: 100,
        };
        let mut ua2 = ua;
        let mut m: libc::msghdr = std::mem::zeroed();
        m.msg_name = (&mut ua2 as *mut libc::sockaddr_in).cast();
        m.msg_namelen = alen as u32;
        m.msg_iov = &mut iov;
        m.msg_iovlen = 1;
        assert_eq!(
            e.sock_sendmsg.unwrap()(u, (&m as *const libc::msghdr).cast::<MsgHdr>(), 0),
            100
        );
        let mut small = [0u8; 10];
        let mut riov = libc::iovec {
            iov_base: small.as_mut_ptr().cast(),
            iov_len: 10,
        };
        let mut from: libc::sockaddr_in = std::mem::zeroed();
        let mut rm: libc::msghdr = std::mem::zeroed();
        rm.msg_name = (&mut from as *mut libc::sockaddr_in).cast();
        rm.msg_namelen = 64;
        rm.msg_iov = &mut riov;
        rm.msg_iovlen = 1;
        rm.msg_flags = 0x5a5a; // garbage in: DCE leaves it uninitialised
        let got = e.sock_recvmsg.unwrap()(u, (&mut rm as *mut libc::msghdr).cast(), 0);
        out.trunc = (got as isize, rm.msg_flags & libc::MSG_TRUNC, rm.msg_namelen);

        // Poll that times out, in virtual time.
        let mut fds = [PollFd {
            sock: u,
            events: libc::POLLIN,
            revents: 0,
        }];
        let t0 = sim.now();
        out.poll_timeout = host.poll(e, &mut fds, Some(300 * MS)).expect("poll");
        out.poll_wait_ns = sim.now() - t0;
        for s in [c, l, l2s, r, u] {
            assert_eq!(e.sock_close.unwrap()(s), 0);
        }
    }
    out
}

#[test]
fn socket_api_edges_follow_dce_conventions() {
    let _g = lock();
    let cfg = PointToPointConfig {
        delay_ns: MS,
        rate_bps: 100_000_000,
        ..PointToPointConfig::default()
    };
    let (host, _, _) = two_nodes(cfg);
    let rec = record(&host);
    // A listener on the peer that never accepts.
    let _listener = run_task(&host, NodeId(1), 0, |_, e| {
        let l = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0).expect("socket");
        l.bind(&SockAddr::inet(any4(7000))).expect("bind");
        l.listen(4).expect("listen");
        std::mem::forget(l);
    });
    run(&host, host.sim().now() + MS);
    let hp: *const Host = &*host;
    let edges = run_task(&host, NodeId(0), 0, move |sim, e| {
        // SAFETY: the host outlives the tasks of its simulator.
        api_edges(unsafe { &*hp }, sim, &e)
    });
    run(&host, host.sim().now() + 5 * SEC);
    let edges = edges.borrow_mut().take().expect("task ran");
    let neg = |e: i32| -(e as isize);
    assert_eq!(
        edges,
        Edges {
            nonblocking_connect: neg(libc::EINPROGRESS),
            poll_ready: 1,
            poll_revents: libc::POLLOUT,
            so_error: 0,
            accept_empty: neg(libc::EAGAIN),
            names: (0, 16, 0, 16),
            bind_used: neg(libc::EADDRINUSE),
            bind_short: neg(libc::EINVAL),
            connect_zero_len: neg(libc::EINVAL),
            refused: neg(libc::ECONNREFUSED),
            null_optval: neg(libc::EFAULT),
            null_ioctl: neg(libc::EFAULT),
            null_msg: neg(libc::EFAULT),
            trunc: (10, libc::MSG_TRUNC, 16),
            poll_timeout: 0,
            poll_wait_ns: 300 * MS,
        }
    );
    // Every waiter was released before its table: no poll_event after.
    assert!(!rec.poll_events().is_empty());
}

#[test]
fn device_flags_stats_mtu_ioctls_and_destroy() {
    use dce_sim::apps::sock::IfReq;
    use dce_sim::net::DeviceConfig as Dc;
    let _g = lock();
    let host = boot(2, 1);
    let rec = record(&host);
    let p2p = host
        .add_device(NodeId(0), Dc::point_to_point(mac(0, 0)))
        .expect("device");
    let peer = host
        .add_device(NodeId(1), Dc::point_to_point(mac(1, 0)))
        .expect("device");
    let ptp = Dc {
        flags: dce_abi::SimDevFlags::POINTTOPOINT | dce_abi::SimDevFlags::NOARP,
        mac: mac(0, 1),
        mtu: 1000,
    };
    let extra = host.add_device(NodeId(0), ptp).expect("device");
    host.connect_p2p(p2p, peer, PointToPointConfig::default())
        .expect("link");
    run(&host, MS);
    configure(
        &host,
        p2p,
        IpAddr::V4(Ipv4Addr::new(10, 1, 1, 1)),
        24,
        false,
    );
    configure(
        &host,
        peer,
        IpAddr::V4(Ipv4Addr::new(10, 1, 1, 2)),
        24,
        false,
    );

    // The flags DCE passed, as the kernel reports them.
    let links = run_task(&host, NodeId(0), 0, |_, e| {
        Rtnl::open(&e).expect("rtnl").links().expect("links")
    });
    run(&host, host.sim().now() + 1);
    let links = links.borrow_mut().take().expect("ran");
    let flags = |name: &str| {
        links
            .iter()
            .find(|l| l.name == name)
            .map(|l| (l.flags, l.mtu))
    };
    let f = libc::IFF_BROADCAST | libc::IFF_MULTICAST | libc::IFF_NOARP | libc::IFF_UP;
    assert_eq!(flags("sim0").map(|(fl, _)| fl & f as u32), Some(f as u32));
    let (fl, mtu) = flags("sim1").expect("sim1");
    assert_eq!(
        fl & (libc::IFF_POINTOPOINT | libc::IFF_NOARP | libc::IFF_BROADCAST) as u32,
        (libc::IFF_POINTOPOINT | libc::IFF_NOARP) as u32
    );
    assert_eq!(mtu, 1000);

    // 100 KB over TCP: frames never exceed MTU + 14, and the kernel's
    // counters match what crossed the link, both ways.
    let sink = run_task(&host, NodeId(1), 0, |sim, e| tcp_sink(sim, &e, any4(5001)));
    let to = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 2), 5001));
    let _src = run_task(&host, NodeId(0), MS, move |_, e| {
        tcp_source(&e, to, 100_000)
    });
    run(&host, host.sim().now() + 2 * SEC);
    assert_eq!(
        sink.borrow_mut()
            .take()
            .expect("ran")
            .expect("sink")
            .0
            .bytes,
        100_000
    );
    assert!(rec.frames(NodeId(0)).iter().all(|f| f.data.len() <= 1514));
    let k = kernel_stats(&host, NodeId(0), "sim0");
    let d = host.device_stats(p2p);
    assert_eq!(
        (k.tx_packets, k.tx_bytes),
        (d.tx_frames, d.tx_bytes),
        "{k:?} {d:?}"
    );
    assert_eq!(
        (k.rx_packets, k.rx_bytes),
        (d.rx_frames, d.rx_bytes),
        "{k:?} {d:?}"
    );
    assert!(k.tx_packets > 70 && k.rx_packets > 20, "{k:?}");

    // ioctls as DCE's if_nametoindex and ifconfig use them.
    let ioctls = run_task(&host, NodeId(0), 0, |_, e| {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0).expect("socket");
        let idx = s.if_index("sim0").expect("SIOCGIFINDEX");
        let mut r = IfReq::new("sim0").expect("name");
        s.ioctl_ifreq(libc::SIOCGIFMTU as i32, &mut r).expect("mtu");
        let mtu = r.int();
        let mut r = IfReq::new("sim0").expect("name");
        s.ioctl_ifreq(libc::SIOCGIFHWADDR as i32, &mut r)
            .expect("hwaddr");
        let hw = r.data[2..8].to_vec();
        let mut r = IfReq::new("sim0").expect("name");
        s.ioctl_ifreq(libc::SIOCGIFADDR as i32, &mut r)
            .expect("addr");
        let addr = r.data[4..8].to_vec();
        let mut r = IfReq::new("sim0").expect("name");
        s.ioctl_ifreq(libc::SIOCGIFFLAGS as i32, &mut r)
            .expect("flags");
        let up = r.short() & libc::IFF_UP as i16 != 0;
        let mut r = IfReq::new("nosuch0").expect("name");
        let missing = s.ioctl_ifreq(libc::SIOCGIFINDEX as i32, &mut r);
        // SIOCGIFCONF: the configured IPv4 interfaces.
        let mut buf = [0u8; 40 * 8];
        let mut conf = libc::ifconf {
            ifc_len: buf.len() as i32,
            ifc_ifcu: libc::__c_anonymous_ifc_ifcu {
                ifcu_buf: buf.as_mut_ptr().cast(),
            },
        };
        // SAFETY: SIOCGIFCONF takes a struct ifconf * describing `buf`.
        unsafe {
            s.ioctl(
                libc::SIOCGIFCONF as i32,
                (&mut conf as *mut libc::ifconf).cast(),
            )
        }
        .expect("ifconf");
        let names: Vec<String> = buf[..conf.ifc_len as usize]
            .chunks(40)
            .map(|c| {
                String::from_utf8_lossy(&c[..c.iter().position(|b| *b == 0).unwrap_or(16)])
                    .into_owned()
            })
            .collect();
        (idx > 1, mtu, hw, addr, up, missing, names)
    });
    run(&host, host.sim().now() + 1);
    let (idx_ok, mtu, hw, addr, up, missing, names) = ioctls.borrow_mut().take().expect("ran");
    assert!(idx_ok);
    assert_eq!(mtu, 1500);
    assert_eq!(hw, mac(0, 0));
    assert_eq!(addr, [10, 1, 1, 1]);
    assert!(up);
    assert_eq!(missing, Err(Errno(libc::ENODEV)));
    assert_eq!(names, ["lo", "sim0"]);

    // dev_destroy (DCE never calls it, but it must work): sim1 disappears,
    // and a frame delivered to it afterwards is dropped, not a crash.
    let e = host.exported(NodeId(0)).expect("node");
    let dev = host.simdevice(extra);
    let gone = run_task(&host, NodeId(0), 0, move |_, e2| {
        // SAFETY: DCE's call from a task, with a device the library made.
        unsafe { e.dev_destroy.unwrap()(dev) };
        let l = Rtnl::open(&e2).expect("rtnl").links().expect("links");
        l.iter().any(|l| l.name == "sim1")
    });
    run(&host, host.sim().now() + 1);
    assert_eq!(gone.borrow_mut().take(), Some(false));
    host.sim()
        .schedule(NodeId(0), 0, move |_| {
            // SAFETY: DCE's receive path, in event context, on the
            // destroyed device: the library must just free the packet.
            unsafe {
                let pkt = e.dev_create_packet.unwrap()(dev, 60);
                assert!(!pkt.buffer.is_null());
                std::ptr::write_bytes(pkt.buffer.cast::<u8>(), 0, 60);
                e.dev_rx.unwrap()(dev, pkt);
            }
        })
        .expect("schedule");
    run(&host, host.sim().now() + MS);
    assert!(host
        .node_log(NodeId(0))
        .contains("dev_rx on a destroyed device"));
}

#[test]
fn a_segment_uses_arp_and_drops_frames_for_other_hosts() {
    let _g = lock();
    let host = boot(3, 1);
    let rec = record(&host);
    let devs: Vec<DeviceId> = (0..3)
        .map(|i| {
            host.add_device(NodeId(i), DeviceConfig::csma(mac(i, 0)))
                .expect("device")
        })
        .collect();
    let cfg = dce_sim::link::SegmentConfig {
        ports: 3,
        delay_ns: 100_000,
        rate_bps: 100_000_000,
        queue_limit: 100,
        loss: 0.0,
        wire_overhead_bytes: 0,
    };
    host.connect_segment(&devs, cfg).expect("segment");
    run(&host, MS);
    for (i, d) in devs.iter().enumerate() {
        configure(
            &host,
            *d,
            IpAddr::V4(Ipv4Addr::new(10, 2, 0, i as u8 + 1)),
            24,
            true,
        );
    }
    // Node 2 would forward anything it accepted that is not for it.
    let fwd = run_task(&host, NodeId(2), 0, |_, e| {
        let mut rt = Rtnl::open(&e).expect("rtnl");
        let idx = rt.link_index("sim0").expect("ifindex");
        rt.link_set_ipv4_conf(idx, FORWARDING, 1)
    });
    run(&host, host.sim().now() + 1);
    assert_eq!(fwd.borrow_mut().take(), Some(Ok(())));
    let report = ping_task(&host, NodeId(0), 0, Ipv4Addr::new(10, 2, 0, 2), 3);
    run(&host, host.sim().now() + 5 * SEC);
    let report = report.borrow_mut().take().expect("ran").expect("ping");
    assert_eq!(report.replies.len(), 3, "{report:?}");
    // ARP went first: the first frame node 0 sent is an ARP request.
    let first = &rec.frames(NodeId(0))[0].data;
    assert_eq!(&first[12..14], &[0x08, 0x06]);
    assert_eq!(&first[0..6], &[0xff; 6]);
    // Node 2 saw every frame of the conversation but sent nothing: not
    // even its forwarding touched frames addressed to another MAC.
    let third = host.device_stats(devs[2]);
    assert!(third.rx_frames >= 8, "{third:?}");
    assert_eq!(third.tx_frames, 0, "{third:?}");
}

#[test]
fn packet_sockets_sniff_and_generic_netlink_answers() {
    use dce_sim::apps::rtnl::{attrs, parse_messages, Request};
    let _g = lock();
    let (host, _, _) = two_nodes(PointToPointConfig {
        delay_ns: MS,
        ..PointToPointConfig::default()
    });
    // A sniffer on node 1's sim0 (AF_PACKET, ETH_P_ALL), as test-raw-socket.
    let sniffed = run_task(&host, NodeId(1), 0, |_, e| -> Result<Vec<Vec<u8>>, Errno> {
        let proto = (libc::ETH_P_ALL as u16).to_be();
        let s = Socket::new(&e, libc::AF_PACKET, libc::SOCK_RAW, i32::from(proto))?;
        let idx = s.if_index("sim0")?;
        // SAFETY: all-zero is a valid sockaddr_ll.
        let mut ll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        ll.sll_family = libc::AF_PACKET as u16;
        ll.sll_protocol = proto;
        ll.sll_ifindex = idx as i32;
        // SAFETY: sockaddr_ll is plain data of the size given.
        let bytes = unsafe {
            std::slice::from_raw_parts(
                (&ll as *const libc::sockaddr_ll).cast::<u8>(),
                std::mem::size_of::<libc::sockaddr_ll>(),
            )
        };
        s.bind(&SockAddr::from_bytes(bytes).expect("sockaddr_ll"))?;
        s.set_rcvtimeo(2 * SEC)?;
        let mut frames = Vec::new();
        let mut buf = [0u8; 2048];
        while frames.len() < 2 {
            let (n, _) = s.recv_from(&mut buf, 0)?;
            frames.push(buf[..n].to_vec());
        }
        Ok(frames)
    });
    let _ping = run_task(&host, NodeId(0), MS, |sim, e| {
        ping::ping(
            &e,
            IpAddr::V4(Ipv4Addr::new(10, 1, 1, 2)),
            1,
            SEC,
            SEC,
            || sim.now(),
        )
    });
    // Generic netlink: the controller resolves its own family.
    let genl = run_task(&host, NodeId(0), 0, |_, e| -> Result<Option<u16>, Errno> {
        let s = Socket::new(&e, libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_GENERIC)?;
        s.bind(&SockAddr::netlink(0, 0))?;
        const GENL_ID_CTRL: u16 = 0x10;
        const CTRL_CMD_GETFAMILY: u8 = 3;
        const CTRL_ATTR_FAMILY_ID: u16 = 1;
        const CTRL_ATTR_FAMILY_NAME: u16 = 2;
        let req = Request::new(GENL_ID_CTRL, libc::NLM_F_REQUEST as u16)
            .push(&[CTRL_CMD_GETFAMILY, 1, 0, 0])
            .attr(CTRL_ATTR_FAMILY_NAME, b"nlctrl\0")
            .finish(1, 0);
        s.send_to(&req, Some(&SockAddr::netlink(0, 0)), 0)?;
        let mut buf = vec![0u8; 8192];
        let (n, _) = s.recv_from(&mut buf, 0)?;
        let msgs = parse_messages(&buf[..n])?;
        let m = msgs.first().ok_or(Errno(libc::EPROTO))?;
        let id = attrs(&m.payload[4..])
            .find(|(ty, _)| *ty == CTRL_ATTR_FAMILY_ID)
            .map(|(_, v)| u16::from_ne_bytes([v[0], v[1]]));
        Ok(id)
    });
    run(&host, host.sim().now() + 3 * SEC);
    assert_eq!(genl.borrow_mut().take().expect("ran"), Ok(Some(0x10)));
    let frames = sniffed.borrow_mut().take().expect("ran").expect("sniffer");
    // The echo request coming in and the reply going out, whole frames.
    let icmp_type = |f: &[u8]| (f[12..14] == [8, 0] && f[23] == 1).then(|| f[34]);
    assert_eq!(
        frames.iter().map(|f| icmp_type(f)).collect::<Vec<_>>(),
        [Some(8), Some(0)]
    );
}

#[test]
fn sysctls_the_dce_way() {
    use dce_sim::sysctl;
    let _g = lock();
    let (host, _, _) = two_nodes(PointToPointConfig::default());
    // DCE's three defaults were written right after sim_init.
    let reads: Vec<_> = sysctl::DCE_DEFAULTS
        .iter()
        .map(|(p, _)| host.sysctl_get(NodeId(0), p).expect("task"))
        .collect();
    // Paths DCE builds for a device, and the walk's size.
    let walk = run_task(&host, NodeId(0), 0, |_, e| {
        let (ra, files) = sysctl::walk(&e, ".net.ipv6.conf.sim0.accept_ra_defrtr");
        let (fwd, _) = sysctl::walk(&e, ".net.ipv4.conf.sim0.forwarding");
        (ra.is_some(), fwd.is_some(), files)
    });
    // bbr set before the socket exists applies to it.
    let set = host
        .sysctl_set(NodeId(1), ".net.ipv4.tcp_congestion_control", "bbr")
        .expect("task");
    let cc = run_task(&host, NodeId(1), MS, |_, e| {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0).expect("socket");
        let mut name = [0u8; 16];
        let n = s
            .getsockopt(libc::IPPROTO_TCP, libc::TCP_CONGESTION, &mut name)
            .expect("TCP_CONGESTION");
        let avail = sysctl::get(&e, ".net.ipv4.tcp_available_congestion_control");
        (
            String::from_utf8_lossy(&name[..n])
                .trim_end_matches('\0')
                .to_string(),
            avail,
        )
    });
    // Errors: unknown paths, read-only entries, refused values.
    let errors = run_task(&host, NodeId(1), 2 * MS, |_, e| {
        (
            sysctl::set(&e, ".net.ipv4.no_such_thing", "1"),
            sysctl::set(&e, ".net.ipv4.tcp_available_congestion_control", "reno"),
            sysctl::set(&e, ".net.ipv4.ip_forward", "not a number"),
            sysctl::set(&e, ".net.ipv4.tcp_rmem", &"9".repeat(600)),
            sysctl::get(&e, ".net.ipv4.ip_forward"),
        )
    });
    run(&host, host.sim().now() + 10 * MS);
    let got: Vec<_> = reads
        .iter()
        .map(|r| r.borrow_mut().take().expect("ran").expect("get"))
        .collect();
    assert_eq!(got, ["1\n", "1\n", "0\n"]);
    let (ra, fwd, files) = walk.borrow_mut().take().expect("ran");
    assert!(ra && fwd);
    assert!(files > 500, "only {files} files");
    assert_eq!(set.borrow_mut().take(), Some(Ok(3)));
    let (cc, avail) = cc.borrow_mut().take().expect("ran");
    assert_eq!(cc, "bbr");
    let avail = avail.expect("available");
    for want in ["reno", "cubic", "bbr"] {
        assert!(avail.split_whitespace().any(|a| a == want), "{avail}");
    }
    let (unknown, read_only, refused, long, fwd) = errors.borrow_mut().take().expect("ran");
    assert_eq!(
        unknown,
        Err(sysctl::SysctlError::NotFound(
            ".net.ipv4.no_such_thing".into()
        ))
    );
    assert_eq!(read_only, Err(sysctl::SysctlError::Errno(libc::EACCES)));
    assert_eq!(refused, Err(sysctl::SysctlError::Errno(libc::EINVAL)));
    assert_eq!(long, Err(sysctl::SysctlError::Errno(libc::EINVAL)));
    // ip_forward follows conf.all.forwarding, which DCE set to 1.
    assert_eq!(fwd, Ok("1\n".into()));
}

/// DCE walks the whole sysctl tree for every get and set.  The library
/// lists /proc/sys once and replays the listing until a network device
/// comes, goes or changes (`lkl.netdev_events`): the replay equals a real
/// walk, a new device's entries appear at once, and a real walk frees the
/// dentries and inodes it makes as it goes.
#[test]
fn the_sysctl_listing_follows_devices() {
    use dce_sim::apps::rtnl::Rtnl;
    use dce_sim::net::DeviceConfig as Dc;
    use dce_sim::sysctl;
    let _g = lock();
    let host = boot(1, 1);
    run(&host, MS);
    let walks = |host: &Host, at: u64| {
        run_task(host, NodeId(0), at, |_, e| {
            let events = sysctl::get(&e, ".lkl.netdev_events").expect("netdev_events");
            (
                sysctl::list(&e),
                sysctl::list(&e),
                sysctl::get(&e, ".lkl.slab_kb"),
                events.trim().parse::<u64>().expect("number"),
            )
        })
    };
    let before = walks(&host, 0);
    run(&host, host.sim().now() + MS);
    let (bare, bare_again, slab, events) = before.borrow_mut().take().expect("ran");
    assert_eq!(bare, bare_again);
    let fwd = ".net.ipv4.conf.sim0.forwarding".to_string();
    let ra = ".net.ipv6.conf.sim0.accept_ra_defrtr".to_string();
    assert!(!bare.contains(&fwd));
    // The walks at boot made no more than a directory's worth of dentries
    // at a time: 1.4 MiB more slab if they stayed (1,096 KiB measured).
    let slab: u64 = slab.expect("slab_kb").trim().parse().expect("number");
    assert!(slab < 1600, "{slab} KiB of slab after the walks");

    host.add_device(NodeId(0), Dc::point_to_point(mac(0, 0)))
        .expect("device");
    let added = walks(&host, 0);
    run(&host, host.sim().now() + MS);
    let (with_dev, with_dev_again, _, events_dev) = added.borrow_mut().take().expect("ran");
    assert!(
        events_dev > events,
        "{events} -> {events_dev} device events"
    );
    assert!(with_dev.contains(&fwd) && with_dev.contains(&ra));
    assert_eq!(with_dev.len(), with_dev_again.len());
    assert_eq!(with_dev, with_dev_again);
    // Bringing the device up is an event that changes nothing in the tree:
    // the walk after it lists /proc/sys again and finds what was replayed.
    let up = run_task(&host, NodeId(0), 0, |_, e| {
        let mut rtnl = Rtnl::open(&e).expect("rtnl");
        let index = rtnl.link_index("sim0").expect("sim0");
        rtnl.link_set(index, true, None).expect("up");
        let events = sysctl::get(&e, ".lkl.netdev_events").expect("netdev_events");
        (
            sysctl::list(&e),
            events.trim().parse::<u64>().expect("number"),
        )
    });
    run(&host, host.sim().now() + MS);
    let (after_up, events_up) = up.borrow_mut().take().expect("ran");
    assert!(
        events_up > events_dev,
        "{events_dev} -> {events_up} device events"
    );
    assert_eq!(after_up, with_dev);
}

/// An Ethernet + IPv4 + ICMP echo request from 10.1.1.1 to 10.1.1.2 with
/// every checksum left at zero, as ns-3's own stack sends them by default.
fn zero_checksum_echo(dst_mac: [u8; 6], src_mac: [u8; 6]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&dst_mac);
    f.extend_from_slice(&src_mac);
    f.extend_from_slice(&[0x08, 0x00]);
    let payload = b"zero checksums!!";
    let total = 20 + 8 + payload.len();
    f.extend_from_slice(&[
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        1,
        0,
        0,
        64,
        1,
        0,
        0,
    ]);
    f.extend_from_slice(&[10, 1, 1, 1, 10, 1, 1, 2]);
    f.extend_from_slice(&[8, 0, 0, 0, 0x12, 0x34, 0, 1]);
    f.extend_from_slice(payload);
    f
}

#[test]
fn frames_with_zero_checksums_are_accepted_oversize_ones_dropped() {
    let _g = lock();
    let (host, _, b) = two_nodes(PointToPointConfig::default());
    let rec = record(&host);
    let e = host.exported(NodeId(1)).expect("node 1");
    let dev = host.simdevice(b);
    let frame = zero_checksum_echo(mac(1, 0), mac(0, 0));
    // Also a frame longer than MTU + 14 + a VLAN tag: dropped, counted.
    let mut oversize = frame.clone();
    oversize.resize(1500 + 14 + 4 + 1, 0);
    let sent_before = rec.frames(NodeId(1)).len();
    host.sim()
        .schedule(NodeId(1), 0, move |_| {
            for f in [oversize, frame] {
                // SAFETY: DCE's receive path in event context: a packet of
                // the frame's size, filled, then handed to the library.
                unsafe {
                    let pkt = e.dev_create_packet.unwrap()(dev, f.len() as i32);
                    std::ptr::copy_nonoverlapping(f.as_ptr(), pkt.buffer.cast(), f.len());
                    e.dev_rx.unwrap()(dev, pkt);
                }
            }
        })
        .expect("schedule");
    run(&host, host.sim().now() + MS);
    // Node 1 answered: an echo reply to 10.1.1.1 with the same id, sequence
    // and data, and with real checksums.
    let frames = rec.frames(NodeId(1));
    let reply = frames[sent_before..]
        .iter()
        .map(|f| &f.data)
        .find(|d| d[12..14] == [8, 0] && d[23] == 1 && d[34] == 0)
        .expect("an echo reply");
    assert_eq!(&reply[30..34], &[10, 1, 1, 1]);
    assert_eq!(&reply[38..42], &[0x12, 0x34, 0, 1]);
    assert_eq!(&reply[42..], b"zero checksums!!");
    assert_eq!(ping::checksum(&reply[14..34]), 0, "IP header checksum");
    assert_eq!(ping::checksum(&reply[34..]), 0, "ICMP checksum");
    let k = kernel_stats(&host, NodeId(1), "sim0");
    assert_eq!(k.rx_errors, 1, "the oversize frame: {k:?}");
}

/// A TCP connection over loopback at virtual time 0, the instant the node
/// booted.  With CLOCK_MONOTONIC starting at 0, the SYN's time stamp was
/// under a microsecond, which TCP takes for "none":
/// `WARN_ON_ONCE(last_ackt == 0)` in `tcp_clean_rtx_queue` stopped the run.
#[test]
fn tcp_at_virtual_time_zero() {
    use dce_sim::apps::rtnl::Rtnl;
    let _g = lock();
    let host = common::boot(1, 1);
    run(&host, 0);
    assert!(host.node_initialized(NodeId(0)));
    assert_eq!(host.sim().now(), 0);
    let out = run_task(&host, NodeId(0), 0, |sim, e| -> Result<_, Errno> {
        Rtnl::open(&e)?.link_set(1, true, None)?;
        let at = SockAddr::v4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 5001));
        let l = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
        l.bind(&at)?;
        l.listen(1)?;
        let c = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
        c.connect(&at, 0)?;
        let a = l.accept(0)?;
        c.send(b"at t=0", 0)?;
        let mut buf = [0u8; 16];
        let n = a.recv_from(&mut buf, 0)?.0;
        Ok((buf[..n].to_vec(), sim.now()))
    });
    run(&host, SEC);
    let (got, at) = out.borrow_mut().take().expect("ran").expect("transfer");
    assert_eq!((&got[..], at), (&b"at t=0"[..], 0));
}

/// CLOCK_REALTIME is the node's epoch (sysctl `lkl.epoch`, a fixed
/// default) plus virtual time, to the nanosecond, and TCP works from the
/// first instant a link is up.
#[test]
fn clocks_start_like_a_real_machine() {
    use dce_sim::sysctl;
    let _g = lock();
    let cfg = PointToPointConfig {
        delay_ns: 5 * MS,
        rate_bps: 100_000_000,
        ..PointToPointConfig::default()
    };
    let (host, _, _) = two_nodes(cfg);
    let default_epoch = host.sysctl_get(NodeId(0), ".lkl.epoch").expect("task");
    let set = host
        .sysctl_set(NodeId(1), ".lkl.epoch", "1000000000")
        .expect("task");
    let refused = run_task(&host, NodeId(1), 0, |_, e| {
        (
            sysctl::set(&e, ".lkl.epoch", "-1"),
            sysctl::set(&e, ".lkl.epoch", "253402300800"),
        )
    });
    // TCP from the first instant: a kernel warning would stop the run.
    let sink = run_task(&host, NodeId(1), 0, |sim, e| tcp_sink(sim, &e, any4(5001)));
    let to = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 2), 5001));
    let source = run_task(&host, NodeId(0), 0, move |_, e| tcp_source(&e, to, 100_000));
    // A datagram's receive time stamp against the virtual clock.
    let stamp = run_task(&host, NodeId(1), 0, |sim, e| -> Result<_, Errno> {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
        s.setsockopt_int(libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1)?;
        s.bind(&SockAddr::v4(SocketAddrV4::new(
            Ipv4Addr::UNSPECIFIED,
            9000,
        )))?;
        let mut buf = [0u8; 64];
        let mut control = [0u8; 64];
        let got = s.recv_msg(&mut buf, &mut control, 0)?;
        let now = sim.now();
        // One cmsghdr (16 bytes) then a struct timespec.
        assert!(got.control_len >= 32, "{got:?}");
        let word = |i: usize| u64::from_ne_bytes(control[i..i + 8].try_into().unwrap());
        assert_eq!(word(8) as u32 as i32, libc::SOL_SOCKET);
        assert_eq!((word(8) >> 32) as i32, libc::SCM_TIMESTAMPNS);
        Ok((word(16), word(24), now))
    });
    run_task(&host, NodeId(0), 2 * SEC + 123_457, |_, e| {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0).expect("socket");
        let to = SockAddr::v4(SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 2), 9000));
        s.send_to(b"tick", Some(&to), 0).expect("send");
    });
    run(&host, 3 * SEC);
    assert_eq!(
        default_epoch
            .borrow_mut()
            .take()
            .expect("ran")
            .expect("get"),
        "1731801600\n"
    );
    assert_eq!(set.borrow_mut().take().expect("ran").expect("set"), 10);
    let (neg, huge) = refused.borrow_mut().take().expect("ran");
    assert!(neg.is_err() && huge.is_err(), "{neg:?} {huge:?}");
    let (got, _) = sink.borrow_mut().take().expect("sink ran").expect("sink");
    let sent = source.borrow_mut().take().expect("ran").expect("source");
    assert_eq!((got.bytes, got.hash.0), (100_000, sent));
    let (sec, nsec, now) = stamp.borrow_mut().take().expect("ran").expect("stamp");
    assert!(now > 2 * SEC, "{now}");
    assert_eq!(sec * SEC + nsec, 1_000_000_000 * SEC + now);
}

/// A point-to-point device carries IPv4 and IPv6 only, as ns-3's
/// PointToPointNetDevice does (it asserts on anything else): with ARP
/// turned on by hand, or a packet socket sending another EtherType, the
/// kernel counts the frame as dropped instead of DCE asserting (found by
/// dce-fuzz, seed 2, operation 51158).
#[test]
fn a_point_to_point_device_sends_only_ip() {
    use dce_sim::apps::rtnl::Rtnl;
    let _g = lock();
    let (host, _, _) = two_nodes(PointToPointConfig::default());
    let before = kernel_stats(&host, NodeId(0), "sim0");
    let out = run_task(&host, NodeId(0), 0, |_, e| -> Result<(), Errno> {
        let mut rt = Rtnl::open(&e)?;
        let idx = rt.link_index("sim0")?;
        rt.link_set(idx, true, Some(true))?;
        // A datagram to a new neighbour: ARP first.
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
        let to = SockAddr::v4(SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 9), 9));
        s.send_to(b"x", Some(&to), 0)?;
        // A frame of EtherType 0x88b5 from a packet socket.
        let p = Socket::new(&e, libc::AF_PACKET, libc::SOCK_DGRAM, 0)?;
        let mut ll = [0u8; 20];
        ll[..2].copy_from_slice(&(libc::AF_PACKET as u16).to_ne_bytes());
        ll[2..4].copy_from_slice(&0x88b5u16.to_be_bytes());
        ll[4..8].copy_from_slice(&(idx as i32).to_ne_bytes());
        ll[11] = 6;
        ll[12..18].copy_from_slice(&[0xff; 6]);
        let addr = SockAddr::from_bytes(&ll).expect("sockaddr_ll");
        assert_eq!(p.send_to(&[0u8; 46], Some(&addr), 0)?, 46);
        Ok(())
    });
    run(&host, host.sim().now() + 3 * SEC);
    assert_eq!(out.borrow_mut().take().expect("ran"), Ok(()));
    let after = kernel_stats(&host, NodeId(0), "sim0");
    // Three ARP requests (one a second) and the packet socket's frame.
    assert!(
        after.tx_dropped >= before.tx_dropped + 2,
        "{before:?} -> {after:?}"
    );
}
