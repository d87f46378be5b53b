//! `dce_sim::apps` against the real kernel library (`out/lib/liblkl.so`):
//! rtnetlink configuration, ping and sockets on the loopback device of a
//! simulated node, through the `SimExported` socket entry points only.

mod common;
use common::{boot, lock, MS, SEC};

use dce_abi::SimExported;
use dce_sim::abi::Host;
use dce_sim::apps::ping::{ping, PingReport};
use dce_sim::apps::rtnl::{Addr, Link, Route, Rtnl};
use dce_sim::apps::sock::{Errno, SockAddr, Socket};
use dce_sim::{NodeId, Sim};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;

const NODE: NodeId = NodeId(0);

/// A booted one-node host at 1 s of virtual time.
fn booted() -> Pin<Box<Host>> {
    let host = boot(1, 1);
    host.run_until(SEC).expect("boot");
    assert!(host.node_initialized(NODE), "{}", host.node_log(NODE));
    host
}

/// Runs `app` in a new task of node 0, now, for at most `budget` of
/// virtual time, and returns what it returned.  Assertions are made by the
/// caller on the result, outside the task.
fn run_app<T: 'static>(
    host: &Host,
    budget: u64,
    app: impl FnOnce(&Sim, &SimExported) -> T + 'static,
) -> T {
    let out = host
        .start_task(NODE, 0, move |sim, e| app(sim, &e))
        .expect("task");
    host.run_until(host.sim().now() + budget).expect("run");
    let log = host.node_log(NODE);
    if let Some(l) = lkl_sys::log::first_alarm(log.as_bytes()) {
        panic!("the kernel logged {}:\n{log}", String::from_utf8_lossy(l));
    }
    let r = out.borrow_mut().take();
    r.unwrap_or_else(|| panic!("the task did not finish within {budget} ns:\n{log}"))
}

/// `ip link set lo up`, from inside a task.
fn lo_up(e: &SimExported) -> Result<(), Errno> {
    Rtnl::open(e)?.link_set(1, true, None)
}

const V4: fn(u8, u8, u8, u8) -> IpAddr = |a, b, c, d| IpAddr::V4(Ipv4Addr::new(a, b, c, d));

#[test]
fn errno_display_names_the_error() {
    assert_eq!(Errno(libc::EEXIST).to_string(), "EEXIST: File exists");
    assert_eq!(Errno(libc::ENODEV).name(), Some("ENODEV"));
    assert!(Errno(4095).to_string().starts_with("errno 4095"));
    assert_eq!(Errno::result(-17), Err(Errno(libc::EEXIST)));
    assert_eq!(Errno::result(5), Ok(5));
}

#[test]
fn sockaddrs_round_trip() {
    let v4: SocketAddr = "10.1.2.3:4567".parse().unwrap();
    let a = SockAddr::inet(v4);
    assert_eq!((a.family(), a.len()), (libc::AF_INET, 16));
    assert_eq!(a.as_inet(), Some(v4));
    let sin = a.to_sockaddr_in().unwrap();
    assert_eq!(u16::from_be(sin.sin_port), 4567);
    assert_eq!(sin.sin_addr.s_addr.to_ne_bytes(), [10, 1, 2, 3]);
    assert_eq!(SockAddr::from(sin), a);
    let v6: SocketAddr = "[fe80::1%3]:80".parse().unwrap();
    let b = SockAddr::from(v6);
    assert_eq!((b.family(), b.len()), (libc::AF_INET6, 28));
    assert_eq!(b.as_inet(), Some(v6));
    assert_eq!(SockAddr::from(b.to_sockaddr_in6().unwrap()), b);
    let nl = SockAddr::netlink(42, 1);
    assert_eq!((nl.family(), nl.len()), (libc::AF_NETLINK, 12));
    assert_eq!(nl.as_netlink(), Some((42, 1)));
    assert_eq!(nl.as_inet(), None);
}

#[derive(Debug)]
struct LinkRun {
    before: Result<Vec<Link>, Errno>,
    up: Result<(), Errno>,
    after: Result<Vec<Link>, Errno>,
    index: Result<u32, Errno>,
    ioctl_index: Result<u32, Errno>,
    missing: Result<u32, Errno>,
    bad_set: Result<(), Errno>,
    arp_off: Result<Vec<Link>, Errno>,
    arp_on: Result<Vec<Link>, Errno>,
    pid: u32,
}

#[test]
fn rtnl_brings_lo_up_and_lists_links() {
    let _g = lock();
    let host = booted();
    let r = run_app(&host, SEC, |_, e| {
        let mut ip = Rtnl::open(e).expect("rtnl");
        let udp = Socket::new(e, libc::AF_INET, libc::SOCK_DGRAM, 0).expect("udp");
        LinkRun {
            before: ip.links(),
            up: ip.link_set(1, true, None),
            after: ip.links(),
            index: ip.link_index("lo"),
            ioctl_index: udp.if_index("lo"),
            missing: ip.link_index("sim0"),
            bad_set: ip.link_set(99, true, Some(false)),
            arp_off: ip.link_set(1, true, Some(false)).and_then(|()| ip.links()),
            arp_on: ip.link_set(1, true, Some(true)).and_then(|()| ip.links()),
            pid: ip.pid(),
        }
    });
    println!("{r:#?}");
    // The kernel assigned a port id to the bound socket.
    assert_ne!(r.pid, 0);
    let before = r.before.expect("link dump");
    // Loopback comes first; the kernel also creates dummy0 and the
    // fallback devices of its tunnel drivers (tunl0, gre0, sit0...).
    assert_eq!((before[0].index, before[0].name.as_str()), (1, "lo"));
    assert_eq!(before[0].flags & libc::IFF_UP as u32, 0, "lo starts down");
    let names: Vec<&str> = before.iter().map(|l| l.name.as_str()).collect();
    assert!(!names.iter().any(|n| n.starts_with("sim")), "{names:?}");
    for (i, l) in before.iter().enumerate() {
        assert_eq!(l.index as usize, i + 1, "{names:?}");
        assert_eq!(l.flags & libc::IFF_UP as u32, 0, "{l:?} is up");
    }
    assert_eq!(r.up, Ok(()));
    let after = r.after.expect("link dump");
    assert_eq!(after.len(), before.len());
    let lo = after.iter().find(|l| l.name == "lo").expect("lo listed");
    assert_eq!(lo.index, 1);
    // Only lo changed.
    assert!(after[1..]
        .iter()
        .all(|l| l.flags & libc::IFF_UP as u32 == 0));
    let want = (libc::IFF_UP | libc::IFF_LOOPBACK | libc::IFF_RUNNING) as u32;
    assert_eq!(lo.flags & want, want, "flags {:#x}", lo.flags);
    assert_eq!(lo.mtu, 65536);
    assert_eq!(lo.mac, vec![0; 6]);
    assert_eq!(r.index, Ok(1));
    assert_eq!(r.ioctl_index, Ok(1), "SIOCGIFINDEX");
    assert_eq!(r.missing, Err(Errno(libc::ENODEV)));
    assert_eq!(r.bad_set, Err(Errno(libc::ENODEV)));
    // `arp off` sets IFF_NOARP, `arp on` clears it; lo stays up.
    let noarp = libc::IFF_NOARP as u32;
    let up = libc::IFF_UP as u32;
    let lo = r.arp_off.expect("link dump")[0].flags;
    assert_eq!(lo & (noarp | up), noarp | up, "flags {lo:#x}");
    let lo = r.arp_on.expect("link dump")[0].flags;
    assert_eq!(lo & (noarp | up), up, "flags {lo:#x}");
}

#[derive(Debug)]
struct AddrRun {
    up: Result<(), Errno>,
    add: Result<(), Errno>,
    again: Result<(), Errno>,
    add6: Result<(), Errno>,
    bad_dev: Result<(), Errno>,
    bad_len: Result<(), Errno>,
    addrs: Result<Vec<Addr>, Errno>,
}

#[test]
fn rtnl_adds_and_lists_addresses() {
    let _g = lock();
    let host = booted();
    let r = run_app(&host, SEC, |_, e| {
        let mut ip = Rtnl::open(e).expect("rtnl");
        let ula = IpAddr::V6("fd00::7".parse().unwrap());
        AddrRun {
            up: ip.link_set(1, true, None),
            add: ip.addr_add(1, V4(10, 9, 8, 7), 24),
            again: ip.addr_add(1, V4(10, 9, 8, 7), 24),
            add6: ip.addr_add(1, ula, 64),
            bad_dev: ip.addr_add(99, V4(10, 1, 1, 1), 24),
            bad_len: ip.addr_add(1, V4(10, 2, 2, 2), 33),
            addrs: ip.addrs(),
        }
    });
    println!("{r:#?}");
    assert_eq!(r.up, Ok(()));
    assert_eq!(r.add, Ok(()));
    assert_eq!(r.again, Err(Errno(libc::EEXIST)));
    assert_eq!(r.add6, Ok(()));
    assert_eq!(r.bad_dev, Err(Errno(libc::ENODEV)));
    assert_eq!(r.bad_len, Err(Errno(libc::EINVAL)));
    let addrs = r.addrs.expect("address dump");
    let has = |family: i32, addr: IpAddr, prefix_len: u8| {
        addrs.iter().any(|a| {
            a.index == 1 && a.family == family && a.addr == addr && a.prefix_len == prefix_len
        })
    };
    assert!(has(libc::AF_INET, V4(127, 0, 0, 1), 8), "{addrs:#?}");
    assert!(has(libc::AF_INET, V4(10, 9, 8, 7), 24), "{addrs:#?}");
    assert!(
        has(libc::AF_INET6, IpAddr::V6(Ipv6Addr::LOCALHOST), 128),
        "{addrs:#?}"
    );
    assert!(
        has(libc::AF_INET6, "fd00::7".parse().unwrap(), 64),
        "{addrs:#?}"
    );
    assert!(!has(libc::AF_INET, V4(10, 1, 1, 1), 24));
    assert!(!has(libc::AF_INET, V4(10, 2, 2, 2), 33));
    // `ip addr add` gives the loopback address scope host (the kernel's own
    // 127.0.0.1) and others scope universe.
    let ours = addrs.iter().find(|a| a.addr == V4(10, 9, 8, 7)).unwrap();
    assert_eq!(ours.scope, libc::RT_SCOPE_UNIVERSE);
    assert_ne!(ours.flags & libc::IFA_F_PERMANENT, 0);
    assert_eq!(
        addrs.iter().filter(|a| a.addr == V4(10, 9, 8, 7)).count(),
        1
    );
}

#[derive(Debug)]
struct RouteRun {
    add: Result<(), Errno>,
    again: Result<(), Errno>,
    via: Result<(), Errno>,
    unreachable_gw: Result<(), Errno>,
    bad_oif: Result<(), Errno>,
    add6: Result<(), Errno>,
    routes: Result<Vec<Route>, Errno>,
    routes6: Result<Vec<Route>, Errno>,
}

#[test]
fn rtnl_adds_and_lists_routes() {
    let _g = lock();
    let host = booted();
    let r = run_app(&host, SEC, |_, e| {
        let mut ip = Rtnl::open(e).expect("rtnl");
        ip.link_set(1, true, None).expect("lo up");
        ip.addr_add(1, V4(10, 9, 8, 7), 24).expect("address");
        let net6 = IpAddr::V6("fd20::".parse().unwrap());
        RouteRun {
            add: ip.route_add(V4(10, 20, 0, 0), 16, None, Some(1)),
            again: ip.route_add(V4(10, 20, 0, 0), 16, None, Some(1)),
            via: ip.route_add(V4(10, 30, 0, 0), 16, Some(V4(10, 9, 8, 1)), None),
            unreachable_gw: ip.route_add(V4(10, 40, 0, 0), 16, Some(V4(192, 0, 2, 1)), None),
            bad_oif: ip.route_add(V4(10, 50, 0, 0), 16, None, Some(99)),
            add6: ip.route_add(net6, 16, None, Some(1)),
            routes: ip.routes(libc::AF_INET),
            routes6: ip.routes(libc::AF_INET6),
        }
    });
    println!("{r:#?}");
    assert_eq!(r.add, Ok(()));
    assert_eq!(r.again, Err(Errno(libc::EEXIST)));
    assert_eq!(r.via, Ok(()));
    // No route to the gateway: the kernel says ENETUNREACH.
    assert_eq!(r.unreachable_gw, Err(Errno(libc::ENETUNREACH)));
    assert_eq!(r.bad_oif, Err(Errno(libc::ENODEV)));
    assert_eq!(r.add6, Ok(()));
    let routes = r.routes.expect("route dump");
    let main = libc::RT_TABLE_MAIN as u32;
    assert!(
        routes.contains(&Route {
            dst: V4(10, 20, 0, 0),
            prefix_len: 16,
            gateway: None,
            oif: Some(1),
            table: main,
            protocol: libc::RTPROT_BOOT,
            scope: libc::RT_SCOPE_LINK,
            kind: libc::RTN_UNICAST,
        }),
        "{routes:#?}"
    );
    assert!(
        routes.contains(&Route {
            dst: V4(10, 30, 0, 0),
            prefix_len: 16,
            gateway: Some(V4(10, 9, 8, 1)),
            oif: Some(1),
            table: main,
            protocol: libc::RTPROT_BOOT,
            scope: libc::RT_SCOPE_UNIVERSE,
            kind: libc::RTN_UNICAST,
        }),
        "{routes:#?}"
    );
    // The kernel's own routes, in table local: on a loopback device the
    // prefix of an address is local as a whole (which is why 10.9.8.1 is
    // a valid gateway above).
    let local = |dst: IpAddr, prefix_len: u8| {
        routes.iter().any(|r| {
            r.dst == dst
                && r.prefix_len == prefix_len
                && r.table == libc::RT_TABLE_LOCAL as u32
                && r.kind == libc::RTN_LOCAL
                && r.protocol == libc::RTPROT_KERNEL
        })
    };
    assert!(local(V4(10, 9, 8, 0), 24), "{routes:#?}");
    assert!(local(V4(10, 9, 8, 7), 32), "{routes:#?}");
    assert!(local(V4(127, 0, 0, 0), 8), "{routes:#?}");
    assert!(local(V4(127, 0, 0, 1), 32), "{routes:#?}");
    assert!(!routes
        .iter()
        .any(|r| r.dst == V4(10, 40, 0, 0) || r.dst == V4(10, 50, 0, 0)));
    assert!(routes.iter().all(|r| r.dst.is_ipv4()));
    let routes6 = r.routes6.expect("route dump");
    assert!(
        routes6
            .iter()
            .any(|r| r.dst == "fd20::".parse::<IpAddr>().unwrap()
                && r.prefix_len == 16
                && r.oif == Some(1)
                && r.table == main),
        "{routes6:#?}"
    );
    assert!(routes6.iter().all(|r| r.dst.is_ipv6()));
}

fn assert_three_instant_replies(r: &PingReport, ttl: Option<u8>) {
    assert_eq!(r.sent, 3, "{r:#?}");
    assert_eq!(r.replies.len(), 3, "{r:#?}");
    assert_eq!(r.duplicates, 0);
    for (i, reply) in r.replies.iter().enumerate() {
        assert_eq!(reply.seq, i as u16, "{r:#?}");
        // Loopback takes no virtual time.
        assert_eq!(reply.rtt_ns, 0, "{r:#?}");
        assert_eq!(reply.ttl, ttl, "{r:#?}");
        assert!(reply.data_ok, "{r:#?}");
    }
    // One request per second, plus the jiffy (10 ms) by which the kernel's
    // timer wheel delays every timeout.
    for w in r.sent_at_ns.windows(2) {
        assert_eq!(w[1] - w[0], SEC + 10 * MS, "{r:#?}");
    }
}

#[derive(Debug)]
struct PingRun {
    start: u64,
    down: Result<PingReport, Errno>,
    up: Result<(), Errno>,
    ping: Result<PingReport, Errno>,
    end: u64,
    unrouted: Result<PingReport, Errno>,
}

#[test]
fn ping_127_0_0_1() {
    let _g = lock();
    let host = booted();
    let lo = V4(127, 0, 0, 1);
    let r = run_app(&host, 10 * SEC, move |sim, e| PingRun {
        start: sim.now(),
        down: ping(e, lo, 1, SEC, SEC, || sim.now()),
        up: lo_up(e),
        ping: ping(e, lo, 3, SEC, SEC, || sim.now()),
        end: sim.now(),
        unrouted: ping(e, V4(10, 99, 0, 1), 1, SEC, SEC, || sim.now()),
    });
    println!("{r:#?}");
    // With lo down there is no route, not even to 127.0.0.1.
    assert_eq!(r.down, Err(Errno(libc::ENETUNREACH)));
    assert_eq!(r.up, Ok(()));
    let p = r.ping.expect("ping");
    assert_three_instant_replies(&p, Some(64));
    assert_eq!(p.replies[0].from, lo);
    assert_eq!(
        p.sent_at_ns[0], r.start,
        "the first request goes out at once"
    );
    // All answered: ping returns right after the last reply.
    assert_eq!(r.end, p.sent_at_ns[2]);
    assert_eq!(r.unrouted, Err(Errno(libc::ENETUNREACH)));
}

#[test]
fn ping6_loopback() {
    let _g = lock();
    let host = booted();
    let lo6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
    let r = run_app(&host, 10 * SEC, move |sim, e| {
        lo_up(e).expect("lo up");
        ping(e, lo6, 3, SEC, SEC, || sim.now())
    });
    println!("{r:#?}");
    let p = r.expect("ping6");
    assert_three_instant_replies(&p, Some(64));
    assert_eq!(p.replies[0].from, lo6);
}

#[test]
fn ping_times_out_without_replies() {
    let _g = lock();
    let host = booted();
    let r = run_app(&host, 10 * SEC, move |sim, e| {
        let mut ip = Rtnl::open(e).expect("rtnl");
        ip.link_set(1, true, None).expect("lo up");
        // Routed to lo, but nobody has the address: no reply.
        ip.route_add(V4(10, 20, 0, 0), 16, None, Some(1))
            .expect("route");
        let start = sim.now();
        let p = ping(e, V4(10, 20, 0, 1), 2, SEC, 500 * MS, || sim.now());
        (p, sim.now() - start)
    });
    println!("{r:#?}");
    let (p, took) = r;
    let p = p.expect("ping");
    assert_eq!(p.sent, 2);
    assert_eq!(p.lost(), 2, "{p:#?}");
    // 1 s to the second request, then its 0.5 s timeout.
    assert_eq!(took, 1010 * MS + 510 * MS, "took {took} ns");
}

#[test]
fn sleep_waits_in_virtual_time() {
    let _g = lock();
    let host = booted();
    let wall = std::time::Instant::now();
    let r = run_app(&host, 1000 * SEC, |sim, e| {
        let mut slept = Vec::new();
        for ns in [1500 * MS, 100 * SEC, 1, 0] {
            let t = sim.now();
            let r = dce_sim::apps::sleep(e, ns, || sim.now());
            slept.push((ns, r, sim.now() - t));
        }
        slept
    });
    println!("{r:?}");
    for (ns, res, took) in r {
        assert_eq!(res, Ok(()));
        assert!(took >= ns, "asked {ns}, slept {took}");
        // The kernel rounds the timeout up to whole jiffies (10 ms at
        // HZ=100) and its timer wheel fires one jiffy after that (it
        // rounds up so that no timer fires early), whatever the length.
        let jiffy = 10 * MS;
        if ns > 0 {
            assert_eq!(took, ns.div_ceil(jiffy) * jiffy + jiffy, "asked {ns}");
        } else {
            assert_eq!(took, 0);
        }
    }
    assert!(wall.elapsed().as_secs() < 30);
}

#[derive(Debug)]
struct SocketRun {
    udp: Result<(usize, Vec<u8>, Option<SocketAddr>), Errno>,
    empty: Result<(usize, Option<SockAddr>), Errno>,
    tcp: Result<(Vec<u8>, SocketAddr, SocketAddr, SocketAddr), Errno>,
    refused: Result<(), Errno>,
    rcvbuf: Result<i32, Errno>,
}

fn udp_roundtrip(e: &SimExported) -> Result<(usize, Vec<u8>, Option<SocketAddr>), Errno> {
    let a = Socket::new(e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
    let b = Socket::new(e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
    b.bind(&SockAddr::inet("127.0.0.1:9000".parse().unwrap()))?;
    a.bind(&SockAddr::inet("127.0.0.1:9001".parse().unwrap()))?;
    let to = b.getsockname()?;
    let n = a.send_to(b"hello", Some(&to), 0)?;
    let mut buf = [0u8; 16];
    let (got, from) = b.recv_from(&mut buf, libc::MSG_DONTWAIT)?;
    assert_eq!(n, got);
    a.close()?;
    Ok((n, buf[..got].to_vec(), from.and_then(|f| f.as_inet())))
}

fn tcp_roundtrip(e: &SimExported) -> Result<(Vec<u8>, SocketAddr, SocketAddr, SocketAddr), Errno> {
    let l = Socket::new(e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
    l.setsockopt_int(libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
    l.bind(&SockAddr::inet("127.0.0.1:5000".parse().unwrap()))?;
    l.listen(4)?;
    let c = Socket::new(e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
    c.connect(&l.getsockname()?, 0)?;
    let s = l.accept(0)?;
    c.send(b"over tcp", 0)?;
    let mut buf = [0u8; 32];
    let n = s.recv_from(&mut buf, 0)?.0;
    c.shutdown(libc::SHUT_WR)?;
    let eof = s.recv_from(&mut [0u8; 4], 0)?.0;
    assert_eq!(eof, 0, "EOF after shutdown");
    let inet = |a: SockAddr| a.as_inet().ok_or(Errno(libc::EAFNOSUPPORT));
    Ok((
        buf[..n].to_vec(),
        inet(c.getsockname()?)?,
        inet(s.getpeername()?)?,
        inet(c.getpeername()?)?,
    ))
}

#[test]
fn sockets_over_loopback() {
    let _g = lock();
    let host = booted();
    let r = run_app(&host, SEC, |_, e| {
        lo_up(e).expect("lo up");
        let idle = Socket::new(e, libc::AF_INET, libc::SOCK_DGRAM, 0).expect("udp");
        let refused = Socket::new(e, libc::AF_INET, libc::SOCK_STREAM, 0)
            .and_then(|c| c.connect(&SockAddr::inet("127.0.0.1:1".parse().unwrap()), 0));
        SocketRun {
            udp: udp_roundtrip(e),
            empty: idle.recv_from(&mut [0u8; 4], libc::MSG_DONTWAIT),
            tcp: tcp_roundtrip(e),
            refused,
            rcvbuf: idle
                .setsockopt_int(libc::SOL_SOCKET, libc::SO_RCVBUF, 4096)
                .and_then(|()| idle.getsockopt_int(libc::SOL_SOCKET, libc::SO_RCVBUF)),
        }
    });
    println!("{r:#?}");
    let (n, data, from) = r.udp.expect("udp");
    assert_eq!((n, data.as_slice()), (5, &b"hello"[..]));
    assert_eq!(from, Some("127.0.0.1:9001".parse().unwrap()));
    assert_eq!(r.empty.map(|(n, _)| n), Err(Errno(libc::EAGAIN)));
    let (data, local, peer_of_server, peer) = r.tcp.expect("tcp");
    assert_eq!(data, b"over tcp");
    assert_eq!(local, peer_of_server);
    assert_eq!(peer, "127.0.0.1:5000".parse().unwrap());
    assert_eq!(r.refused, Err(Errno(libc::ECONNREFUSED)));
    // The kernel doubles SO_RCVBUF for its bookkeeping.
    assert_eq!(r.rcvbuf, Ok(8192));
}

/// Closing a socket on which two calls are blocked orphans both and
/// leaves the kernel working.  The first orphan's abandon handed the CPU
/// to the parked idle thread; the second then waited for the CPU on the
/// base, where nothing can wait, and the node died (found by dce-fuzz,
/// seed 1, operation 1733).
#[test]
fn a_close_orphans_two_blocked_calls() {
    let _g = lock();
    let host = booted();
    let sock = std::rc::Rc::new(std::cell::Cell::new(0usize));
    let s = sock.clone();
    host.start_task(NODE, 0, move |_, e| {
        let mut raw: *mut dce_abi::SimSocket = std::ptr::null_mut();
        // SAFETY: DCE's call with a live out slot.
        let r = unsafe { e.sock_socket.unwrap()(libc::AF_INET, libc::SOCK_DGRAM, 0, &mut raw) };
        assert_eq!(r, 0);
        s.set(raw as usize);
    })
    .expect("task");
    let blocked: Vec<_> = (1..=2)
        .map(|i| {
            let s = sock.clone();
            host.start_task(NODE, i * MS, move |_, e| {
                let mut buf = [0u8; 16];
                let mut iov = libc::iovec {
                    iov_base: buf.as_mut_ptr().cast(),
                    iov_len: buf.len(),
                };
                // SAFETY: an all-zero msghdr is valid.
                let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
                m.msg_iov = &mut iov;
                m.msg_iovlen = 1;
                // SAFETY: `m` points to live buffers; blocks (nothing comes).
                unsafe {
                    e.sock_recvmsg.unwrap()(
                        s.get() as *mut _,
                        (&mut m as *mut libc::msghdr).cast(),
                        0,
                    )
                }
            })
            .expect("task")
        })
        .collect();
    let s = sock.clone();
    let closed = host
        .start_task(NODE, 3 * MS, move |_, e| {
            // SAFETY: DCE's close of the program's socket.
            unsafe { e.sock_close.unwrap()(s.get() as *mut _) }
        })
        .expect("task");
    host.run_until(host.sim().now() + 10 * MS).expect("run");
    assert_eq!(closed.borrow_mut().take(), Some(0));
    // The orphaned callers are never answered; the kernel goes on.
    assert!(blocked.iter().all(|b| b.borrow().is_none()));
    let later = run_app(&host, 10 * MS, |_, e| {
        lo_up(e)?;
        udp_roundtrip(e)
    });
    assert!(later.is_ok(), "{later:?}");
}
