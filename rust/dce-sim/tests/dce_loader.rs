//! Many nodes under ns-3-dce's own loader (dce-sim's default): one copy of
//! the library, its writable segment swapped per node at every entry point,
//! event and switch into a kernel or DCE-internal task, never when a
//! program's task resumes (Documentation/dce/abi.rst, "When the segment
//! is swapped"; "Hazards", H1).  Programs run as
//! application tasks, Cradle callers without a fiber, and the simulation
//! ends with DCE's teardown.
//!
//! `nodes_configured_at_overlapping_instants_keep_their_own_config` fails
//! with the library of 4856af7, whose calls could resume on another
//! node's globals.

mod common;
use common::{boot, chain, lock, mac, record, run, run_task, two_nodes, MS, SEC};

use dce_sim::abi::observe::Recorder;
use dce_sim::abi::Host;
use dce_sim::apps::rtnl::{Change, Monitor, Rtnl};
use dce_sim::apps::sock::{Errno, SockAddr, Socket};
use dce_sim::apps::{self, ping::echo_request};
use dce_sim::link::{PointToPointConfig, SegmentConfig};
use dce_sim::net::DeviceConfig;
use dce_sim::poll::PollFd;
use dce_sim::NodeId;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::rc::Rc;

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn any4(port: u16) -> SockAddr {
    SockAddr::v4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port))
}

/// What node `i` of `n` is given: two addresses on sim0 and two routes.
struct Plan {
    addrs: [(IpAddr, u8); 2],
    routes: [(IpAddr, u8, IpAddr); 2],
}

fn plan(i: u8, n: u8) -> Plan {
    Plan {
        addrs: [(v4(10, 1, 0, i + 1), 16), (v4(172, 16, i, 1), 24)],
        routes: [
            (v4(10, 100 + i, 0, 0), 16, v4(10, 1, 0, (i + 1) % n + 1)),
            (v4(192, 168, i, 0), 24, v4(172, 16, i, 254)),
        ],
    }
}

type Seen = (BTreeSet<(IpAddr, u8)>, BTreeSet<(IpAddr, u8, IpAddr)>);

/// The IPv4 addresses of `ifindex` and the routes added with `ip route
/// add` (table main, protocol boot) among `changes`.
fn ours(ifindex: u32, changes: &[Change], seen: &mut Seen) {
    for c in changes {
        match c {
            Change::NewAddr(a) if a.family == libc::AF_INET && a.index == ifindex => {
                seen.0.insert((a.addr, a.prefix_len));
            }
            Change::NewRoute(r)
                if r.table == u32::from(libc::RT_TABLE_MAIN) && r.protocol == libc::RTPROT_BOOT =>
            {
                if let Some(gw) = r.gateway {
                    seen.1.insert((r.dst, r.prefix_len, gw));
                }
            }
            _ => {}
        }
    }
}

/// (a) `n` nodes on one segment, configured as DCE configures them: every
/// `ip` command is a program of its own, started at t = 1 ns, 2 ns, ...
/// (some rounds at one instant for all nodes), while an `ip monitor` on
/// every node sleeps in `recvmsg` and is woken by its node's changes.
/// Each node ends up with its own addresses and routes, and each monitor
/// saw only its own node's.
fn overlapping_configuration(n: u8) {
    let host = boot(u32::from(n), 1);
    let devs: Vec<_> = (0..n)
        .map(|i| {
            host.add_device(
                NodeId(u32::from(i)),
                DeviceConfig::csma(mac(u32::from(i), 0)),
            )
            .expect("device")
        })
        .collect();
    host.connect_segment(&devs, SegmentConfig::default())
        .expect("segment");
    run(&host, MS);

    // The monitors: each collects its node's changes until it has seen
    // its plan.
    let mut monitors = Vec::new();
    for i in 0..n {
        let want = 4;
        monitors.push(run_task(
            &host,
            NodeId(u32::from(i)),
            0,
            move |_, e| -> Result<Seen, Errno> {
                let groups = (libc::RTMGRP_IPV4_IFADDR | libc::RTMGRP_IPV4_ROUTE) as u32;
                let mut m = Monitor::open(&e, groups)?;
                let sim0 = Rtnl::open(&e)?.link_index("sim0")?;
                let mut seen = Seen::default();
                while seen.0.len() + seen.1.len() < want {
                    ours(sim0, &m.changes()?, &mut seen);
                }
                Ok(seen)
            },
        ));
    }
    run(&host, host.sim().now() + MS);
    assert!(
        monitors.iter().all(|m| m.borrow().is_none()),
        "monitors block"
    );

    // The commands, round after round; within a round node after node,
    // 1 ns apart, except in rounds 2 and 4, where all nodes start at the
    // same instant.
    type Cmd = Box<dyn Fn(&mut Rtnl, u32, &Plan) -> Result<(), Errno>>;
    let rounds: Vec<Cmd> = vec![
        Box::new(|rt, ix, _| rt.link_set_addrgenmode(ix, 1)),
        Box::new(|rt, ix, p| rt.addr_add(ix, p.addrs[0].0, p.addrs[0].1)),
        Box::new(|rt, ix, _| rt.link_set(ix, true, Some(true))),
        Box::new(|rt, ix, p| rt.addr_add(ix, p.addrs[1].0, p.addrs[1].1)),
        Box::new(|rt, _, p| rt.route_add(p.routes[0].0, p.routes[0].1, Some(p.routes[0].2), None)),
        Box::new(|rt, _, p| rt.route_add(p.routes[1].0, p.routes[1].1, Some(p.routes[1].2), None)),
    ];
    let rounds = Rc::new(rounds);
    let failures: Rc<RefCell<Vec<String>>> = Rc::default();
    let mut t = 1;
    for r in 0..rounds.len() {
        for i in 0..n {
            let (rounds, failures) = (rounds.clone(), failures.clone());
            run_task(&host, NodeId(u32::from(i)), t, move |_, e| {
                let p = plan(i, n);
                let res = Rtnl::open(&e).and_then(|mut rt| {
                    let ix = rt.link_index("sim0")?;
                    rounds[r](&mut rt, ix, &p)
                });
                if let Err(err) = res {
                    failures
                        .borrow_mut()
                        .push(format!("node {i}, command {r}: {err}"));
                }
            });
            if r != 2 && r != 4 {
                t += 1;
            }
        }
        t += 1;
    }
    run(&host, host.sim().now() + 10 * MS);
    assert!(failures.borrow().is_empty(), "{:?}", failures.borrow());

    // Every node has exactly its plan, as a dump shows and its monitor saw.
    let dumps: Vec<_> = (0..n)
        .map(|i| {
            run_task(
                &host,
                NodeId(u32::from(i)),
                0,
                |_, e| -> Result<Seen, Errno> {
                    let mut rt = Rtnl::open(&e)?;
                    let sim0 = rt.link_index("sim0")?;
                    let mut seen = Seen::default();
                    let mut changes: Vec<Change> =
                        rt.addrs()?.into_iter().map(Change::NewAddr).collect();
                    changes.extend(rt.routes(libc::AF_INET)?.into_iter().map(Change::NewRoute));
                    ours(sim0, &changes, &mut seen);
                    Ok(seen)
                },
            )
        })
        .collect();
    run(&host, host.sim().now() + MS);
    for i in 0..n {
        let p = plan(i, n);
        let want: Seen = (
            p.addrs.iter().copied().collect(),
            p.routes.iter().copied().collect(),
        );
        let dump = dumps[i as usize].borrow_mut().take().expect("dump ran");
        assert_eq!(dump.expect("dump"), want, "node {i}'s configuration");
        let seen = monitors[i as usize]
            .borrow_mut()
            .take()
            .expect("the monitor saw all its changes");
        assert_eq!(seen.expect("monitor"), want, "node {i}'s monitor");
    }
    // Every node switch copied the segment in (and the previous owner's
    // out); the monitors' wake-ups alone made sure nodes interleaved.
    let seg = host.swapped_segment_bytes() as u64;
    assert!(seg > 0);
    for i in 0..n {
        let s = host.swap_stats(NodeId(u32::from(i)));
        assert!(s.swaps_in >= 6, "node {i}: {s:?}");
        assert_eq!(s.bytes_copied % seg, 0);
    }
    host.teardown().expect("teardown");
}

#[test]
fn nodes_configured_at_overlapping_instants_keep_their_own_config() {
    let _g = lock();
    for n in [2, 5, 10] {
        overlapping_configuration(n);
    }
}

/// FNV-1a of `bytes`, continued from `h`.
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

const FNV0: u64 = 0xcbf2_9ce4_8422_2325;

/// The `k`-th byte of a TCP stream.
fn stream_byte(k: u64) -> u8 {
    (k.wrapping_mul(2_654_435_761) >> 13) as u8
}

/// (b) A 20-node chain with a UDP flow from one end to the other and a TCP
/// flow back, both crossing every node at once: every datagram arrives
/// once, in order, with its bytes; the stream arrives whole.
#[test]
fn twenty_nodes_in_a_chain_carry_udp_and_tcp_at_once() {
    let _g = lock();
    let cfg = PointToPointConfig {
        delay_ns: MS,
        rate_bps: 100_000_000,
        queue_limit: 1000,
        ..PointToPointConfig::default()
    };
    let n = 20;
    let host = chain(n, cfg);
    let last = NodeId(n - 1);
    let far = Ipv4Addr::new(10, 0, (n - 2) as u8, 2);
    let near = Ipv4Addr::new(10, 0, 0, 1);
    const DATAGRAMS: u32 = 500;
    const STREAM: u64 = 2 << 20;

    let udp_sink = run_task(&host, last, 0, |_, e| -> Result<u32, Errno> {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
        s.setsockopt_int(libc::SOL_SOCKET, libc::SO_RCVBUF, 4 << 20)?;
        s.bind(&any4(9000))?;
        let mut buf = [0u8; 2048];
        for i in 0..DATAGRAMS {
            let (len, _) = s.recv_from(&mut buf, 0)?;
            let want: Vec<u8> = (0..1000).map(|j| (i as usize * 31 + j) as u8).collect();
            if buf[..len] != want[..] {
                return Err(Errno(libc::EBADMSG));
            }
        }
        Ok(DATAGRAMS)
    });
    let tcp_sink = run_task(&host, NodeId(0), 0, |_, e| -> Result<(u64, u64), Errno> {
        let l = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
        l.bind(&any4(8000))?;
        l.listen(1)?;
        let c = l.accept(0)?;
        let (mut got, mut h) = (0u64, FNV0);
        let mut buf = vec![0u8; 65536];
        loop {
            let (len, _) = c.recv_from(&mut buf, 0)?;
            if len == 0 {
                return Ok((got, h));
            }
            h = fnv(h, &buf[..len]);
            got += len as u64;
        }
    });
    run(&host, host.sim().now() + MS);
    let udp_source = run_task(&host, NodeId(0), 0, move |sim, e| -> Result<u32, Errno> {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
        let to = SockAddr::v4(SocketAddrV4::new(far, 9000));
        for i in 0..DATAGRAMS {
            let msg: Vec<u8> = (0..1000).map(|j| (i as usize * 31 + j) as u8).collect();
            s.send_to(&msg, Some(&to), 0)?;
            // 1 ms apart: 8 Mbit/s, well below the links' rate.
            apps::sleep(&e, MS, || sim.now())?;
        }
        Ok(DATAGRAMS)
    });
    let tcp_source = run_task(&host, last, 0, move |_, e| -> Result<u64, Errno> {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
        s.connect(&SockAddr::v4(SocketAddrV4::new(near, 8000)), 0)?;
        let mut sent = 0u64;
        while sent < STREAM {
            let chunk: Vec<u8> = (sent..(sent + 32768).min(STREAM))
                .map(stream_byte)
                .collect();
            let n = s.send(&chunk, 0)?;
            sent += n as u64;
        }
        s.shutdown(libc::SHUT_WR)?;
        Ok(sent)
    });
    run(&host, host.sim().now() + 30 * SEC);
    assert_eq!(udp_source.borrow_mut().take(), Some(Ok(DATAGRAMS)));
    assert_eq!(udp_sink.borrow_mut().take(), Some(Ok(DATAGRAMS)));
    assert_eq!(tcp_source.borrow_mut().take(), Some(Ok(STREAM)));
    let want = (0..STREAM).fold(FNV0, |h, k| fnv(h, &[stream_byte(k)]));
    assert_eq!(tcp_sink.borrow_mut().take(), Some(Ok((STREAM, want))));
    host.teardown().expect("teardown");
}

/// What one of the hundred blocked programs got.
#[derive(Debug, PartialEq, Eq)]
enum Got {
    Accepted(Vec<u8>),
    Received(Vec<u8>),
    Polled(i16, Vec<u8>),
}

/// (c) 100 programs of one node blocked in accept, recvmsg and poll while
/// two other nodes ping each other; then a peer connects and sends to
/// each: every one returns what was sent to it.
#[test]
fn a_hundred_blocked_programs_are_released_with_their_own_results() {
    let _g = lock();
    let host = boot(4, 1);
    let link = PointToPointConfig {
        delay_ns: MS,
        rate_bps: 100_000_000,
        ..PointToPointConfig::default()
    };
    let devs: Vec<_> = (0..4)
        .map(|i| {
            host.add_device(NodeId(i), DeviceConfig::point_to_point(mac(i, 0)))
                .expect("device")
        })
        .collect();
    host.connect_p2p(devs[0], devs[1], link).expect("link");
    host.connect_p2p(devs[2], devs[3], link).expect("link");
    run(&host, MS);
    for (i, d) in devs.iter().enumerate() {
        let pair = (i / 2) as u8 + 1;
        common::configure(&host, *d, v4(10, pair, 1, (i % 2) as u8 + 1), 24, false);
    }
    let hp: *const Host = &*host;
    let b = NodeId(1);
    let mut outs = Vec::new();
    for k in 0..100u16 {
        outs.push(run_task(&host, b, 0, move |_, e| -> Result<Got, Errno> {
            match k % 3 {
                0 => {
                    let l = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
                    l.bind(&any4(5000 + k))?;
                    l.listen(1)?;
                    let c = l.accept(0)?;
                    let mut buf = [0u8; 16];
                    let (n, _) = c.recv_from(&mut buf, libc::MSG_WAITALL)?;
                    Ok(Got::Accepted(buf[..n].to_vec()))
                }
                1 => {
                    let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
                    s.bind(&any4(6000 + k))?;
                    let mut buf = [0u8; 16];
                    let (n, _) = s.recv_from(&mut buf, 0)?;
                    Ok(Got::Received(buf[..n].to_vec()))
                }
                _ => {
                    let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
                    s.bind(&any4(7000 + k))?;
                    let mut fds = [PollFd {
                        sock: s.raw(),
                        events: libc::POLLIN,
                        revents: 0,
                    }];
                    // SAFETY: the host outlives the tasks of its simulator.
                    let host = unsafe { &*hp };
                    host.poll(&e, &mut fds, None)
                        .map_err(|_| Errno(libc::EIO))?;
                    let mut buf = [0u8; 16];
                    let (n, _) = s.recv_from(&mut buf, libc::MSG_DONTWAIT)?;
                    Ok(Got::Polled(fds[0].revents, buf[..n].to_vec()))
                }
            }
        }));
    }
    // The other pair pings meanwhile.
    let ping = common::ping_task(&host, NodeId(2), 0, Ipv4Addr::new(10, 2, 1, 2), 5);
    run(&host, host.sim().now() + 2 * SEC);
    assert!(outs.iter().all(|o| o.borrow().is_none()), "all 100 block");
    assert_eq!(host.open_sockets(b), 100);
    let sender = run_task(&host, NodeId(0), 0, |_, e| -> Result<u16, Errno> {
        let peer = Ipv4Addr::new(10, 1, 1, 2);
        let mut keep = Vec::new();
        for k in (0..100u16).rev() {
            let msg = [k as u8, (k >> 8) as u8, 0xa5, k as u8 ^ 0x5a];
            match k % 3 {
                0 => {
                    let c = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
                    c.connect(&SockAddr::v4(SocketAddrV4::new(peer, 5000 + k)), 0)?;
                    c.send(&msg, 0)?;
                    keep.push(c);
                }
                port => {
                    let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
                    let base = if port == 1 { 6000 } else { 7000 };
                    s.send_to(
                        &msg,
                        Some(&SockAddr::v4(SocketAddrV4::new(peer, base + k))),
                        0,
                    )?;
                }
            }
        }
        Ok(100)
    });
    run(&host, host.sim().now() + 5 * SEC);
    assert_eq!(sender.borrow_mut().take(), Some(Ok(100)));
    for (k, o) in outs.iter().enumerate() {
        let k = k as u16;
        let msg = vec![k as u8, (k >> 8) as u8, 0xa5, k as u8 ^ 0x5a];
        let want = match k % 3 {
            0 => Got::Accepted(msg),
            1 => Got::Received(msg),
            _ => Got::Polled(libc::POLLIN, msg),
        };
        assert_eq!(o.borrow_mut().take(), Some(Ok(want)), "program {k}");
    }
    let ping = ping.borrow_mut().take().expect("ping ran").expect("ping");
    assert_eq!(ping.replies.len(), 5, "{ping:?}");
    host.teardown().expect("teardown");
}

/// The node's `lkl.*` counters: tasks, MemFree and Slab in KiB.
fn kernel_counters(host: &Host, node: NodeId) -> [u64; 3] {
    let pending: Vec<_> = ["nr_threads", "mem_free_kb", "slab_kb"]
        .iter()
        .map(|c| host.sysctl_get(node, &format!(".lkl.{c}")).expect("sysctl"))
        .collect();
    run(host, host.sim().now() + 1);
    let mut out = [0; 3];
    for (o, p) in out.iter_mut().zip(pending) {
        let v = p.borrow_mut().take().expect("ran").expect("sysctl get");
        *o = v.trim().parse().expect("a number");
    }
    out
}

/// Starts `count` short-lived tasks on `node`, one per ns: every 50th a
/// DCE sysctl get (a D-task), the others a program that opens and closes
/// a socket; returns how many succeeded once they have run.
fn short_lived_tasks(host: &Host, node: NodeId, count: u32) -> u32 {
    let ok = Rc::new(Cell::new(0u32));
    let start = host.sim().now();
    for k in 0..count {
        let ok = ok.clone();
        if k % 50 == 0 {
            let p = host
                .sysctl_get(node, ".net.ipv4.tcp_congestion_control")
                .expect("sysctl");
            let hp: *const Host = host;
            host.sim()
                .schedule(node, 1, move |_| {
                    let _ = hp;
                    if matches!(p.borrow().as_ref(), Some(Ok(v)) if v == "cubic\n") {
                        ok.set(ok.get() + 1);
                    }
                })
                .expect("check");
        } else {
            run_task(host, node, u64::from(k % 1000), move |_, e| {
                let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0);
                if s.and_then(Socket::close).is_ok() {
                    ok.set(ok.get() + 1);
                }
            });
        }
        if k % 1000 == 999 {
            run(host, host.sim().now() + 1_000);
        }
    }
    run(host, start + 10 * MS);
    ok.get()
}

/// (d) 10^5 short-lived DCE tasks on one node, each a sysctl get or a
/// socket and its close: all succeed, and the kernel's task count, free
/// memory and slab memory are the same afterwards (a host task or worker
/// per DCE task would grow them: the entry path reuses a small pool).
#[test]
fn a_hundred_thousand_short_tasks_leave_the_kernel_flat() {
    let _g = lock();
    let host = boot(1, 1);
    let node = NodeId(0);
    run(&host, MS);
    // Warm up: slab caches and the worker pool reach their working size.
    assert_eq!(short_lived_tasks(&host, node, 2_000), 2_000);
    let before = kernel_counters(&host, node);
    let heap_before = host.sim().heap_stats(node).expect("heap");
    assert_eq!(short_lived_tasks(&host, node, 100_000), 100_000);
    let after = kernel_counters(&host, node);
    let heap_after = host.sim().heap_stats(node).expect("heap");
    assert_eq!(before[0], after[0], "kernel tasks {before:?} -> {after:?}");
    // Free memory and slab within 64 KiB: per-CPU lists and partial
    // slabs move a little; one task per call would cost megabytes.
    assert!(
        before[1].abs_diff(after[1]) <= 64 && before[2].abs_diff(after[2]) <= 64,
        "MemFree, Slab (KiB): {before:?} -> {after:?}"
    );
    assert!(
        heap_after.live_bytes <= heap_before.live_bytes + (64 << 10),
        "DCE malloc: {heap_before:?} -> {heap_after:?}"
    );
    host.teardown().expect("teardown");
}

/// (e) The simulation stops while programs sit in poll, accept, recvmsg
/// and connect: DCE's teardown deletes their tasks, frees their poll
/// waiters and closes their sockets with no task current; nothing is
/// woken afterwards, nothing crashes.
#[test]
fn teardown_with_programs_blocked_in_the_kernel() {
    let _g = lock();
    let (host, _, _) = two_nodes(PointToPointConfig::default());
    let rec = record(&host);
    let hp: *const Host = &*host;
    let a = NodeId(0);
    let poller = run_task(&host, a, 0, move |_, e| {
        let s1 = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0).expect("socket");
        let s2 = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0).expect("socket");
        s1.bind(&any4(4001)).expect("bind");
        s2.bind(&any4(4002)).expect("bind");
        let mut fds = [
            PollFd {
                sock: s1.raw(),
                events: libc::POLLIN,
                revents: 0,
            },
            PollFd {
                sock: s2.raw(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: the host outlives the tasks of its simulator.
        unsafe { &*hp }.poll(&e, &mut fds, None)
    });
    let acceptor = run_task(&host, a, 0, |_, e| {
        let l = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0).expect("socket");
        l.bind(&any4(4003)).expect("bind");
        l.listen(1).expect("listen");
        l.accept(0).map(|_| ())
    });
    let receiver = run_task(&host, a, 0, |_, e| {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_DGRAM, 0).expect("socket");
        s.bind(&any4(4004)).expect("bind");
        let mut buf = [0u8; 8];
        s.recv_from(&mut buf, 0).map(|(n, _)| n)
    });
    let connector = run_task(&host, a, 0, |_, e| {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0).expect("socket");
        // Nobody answers at this address: SYN retries for minutes.
        s.connect(
            &SockAddr::v4(SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 77), 80)),
            0,
        )
    });
    run(&host, host.sim().now() + 3 * SEC);
    for (name, done) in [
        ("poll", poller.borrow().is_some()),
        ("accept", acceptor.borrow().is_some()),
        ("recvmsg", receiver.borrow().is_some()),
        ("connect", connector.borrow().is_some()),
    ] {
        assert!(!done, "{name} returned before the teardown");
    }
    assert_eq!(host.open_sockets(a), 5);
    let polls_before = rec.poll_events().len();
    host.teardown().expect("teardown completes");
    assert_eq!(host.open_sockets(a), 0);
    assert_eq!(
        rec.poll_events().len(),
        polls_before,
        "no poll_event after free"
    );
    let log = host.node_log(a);
    assert!(!log.contains("lkl-dce:"), "{log}");
    // DCE's simulation is over.
    assert!(host.run_until(host.sim().now() + SEC).is_err());
}

/// What the Cradle-style endpoints counted.
#[derive(Debug, Default)]
struct Counts {
    udp: u32,
    tcp: u64,
    echo: u32,
    sent_tcp: u64,
    polls: u32,
}

/// A socket of a Cradle caller: created without a fiber, used with
/// non-blocking flags only, as DCE's LinuxSocketImpl does.
struct CradleSocket(*mut dce_abi::SimSocket);

fn cradle(e: &dce_abi::SimExported, domain: i32, ty: i32, proto: i32) -> CradleSocket {
    let mut s = std::ptr::null_mut();
    // SAFETY: a DCE-style call with a live out-pointer.
    let r = unsafe { e.sock_socket.unwrap()(domain, ty, proto, &mut s) };
    assert_eq!(r, 0);
    CradleSocket(s)
}

fn msghdr(iov: &mut libc::iovec, name: Option<&SockAddr>) -> libc::msghdr {
    // SAFETY: all-zero is a valid msghdr.
    let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
    m.msg_iov = iov;
    m.msg_iovlen = 1;
    if let Some(n) = name {
        m.msg_name = n.as_bytes().as_ptr() as *mut _;
        m.msg_namelen = n.len() as u32;
    }
    m
}

fn send(e: &dce_abi::SimExported, s: &CradleSocket, buf: &[u8], to: Option<&SockAddr>) -> isize {
    let mut iov = libc::iovec {
        iov_base: buf.as_ptr() as *mut _,
        iov_len: buf.len(),
    };
    let m = msghdr(&mut iov, to);
    // SAFETY: a DCE-style call: the msghdr and buffer live for the call.
    unsafe { e.sock_sendmsg.unwrap()(s.0, (&m as *const libc::msghdr).cast(), libc::MSG_DONTWAIT) }
}

fn recv(e: &dce_abi::SimExported, s: &CradleSocket, buf: &mut [u8]) -> isize {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut m = msghdr(&mut iov, None);
    // SAFETY: as above.
    unsafe {
        e.sock_recvmsg.unwrap()(
            s.0,
            (&mut m as *mut libc::msghdr).cast(),
            libc::MSG_DONTWAIT,
        )
    }
}

/// (f) DCE Cradle's way: ns-3 code calls the library from events, without
/// a fiber (a fiberless task current), with non-blocking flags only: UDP
/// datagrams, a TCP stream (non-blocking connect and accept) and ICMP
/// echoes over a raw socket, every 100 ms for 10 s of virtual time; and a
/// persistent poll registration that the kernel calls back from event
/// context.  Every count comes out exact; nothing waited.
#[test]
fn cradle_callers_without_a_fiber_carry_udp_tcp_and_raw_traffic() {
    let _g = lock();
    let cfg = PointToPointConfig {
        delay_ns: MS,
        rate_bps: 10_000_000,
        ..PointToPointConfig::default()
    };
    let (host, _, _) = two_nodes(cfg);
    let rec = record(&host);
    let (a, b) = (NodeId(0), NodeId(1));
    let peer = Ipv4Addr::new(10, 1, 1, 2);
    let counts = Rc::new(RefCell::new(Counts::default()));
    type Socks = Rc<RefCell<Vec<CradleSocket>>>;
    let (sa, sb): (Socks, Socks) = (Rc::default(), Rc::default());
    const COOKIE: usize = 0xc0ffee0;
    let poll_handle = Rc::new(Cell::new(0usize));

    // Setup, at 100 ms: B listens and binds, A connects (EINPROGRESS).
    let (sa2, sb2, ph) = (sa.clone(), sb.clone(), poll_handle.clone());
    host.run_fiberless(b, 100 * MS, move |_, e| {
        let udp = cradle(&e, libc::AF_INET, libc::SOCK_DGRAM, 0);
        let tcp = cradle(&e, libc::AF_INET, libc::SOCK_STREAM, 0);
        // SAFETY: DCE-style calls with live arguments.
        unsafe {
            let sin = any4(9000);
            assert_eq!(
                e.sock_bind.unwrap()(udp.0, sin.as_bytes().as_ptr().cast(), sin.len() as i32),
                0
            );
            let sin = any4(8000);
            assert_eq!(
                e.sock_bind.unwrap()(tcp.0, sin.as_bytes().as_ptr().cast(), sin.len() as i32),
                0
            );
            assert_eq!(e.sock_listen.unwrap()(tcp.0, 5), 0);
            // Cradle's persistent registration: never freed while it runs.
            let mut r = dce_abi::PollTableRef {
                ret: libc::POLLIN as i32,
                opaque: COOKIE as *mut _,
            };
            e.sock_poll.unwrap()(udp.0, (&mut r as *mut dce_abi::PollTableRef).cast());
            assert!(!r.opaque.is_null());
            ph.set(r.opaque as usize);
        }
        sb2.borrow_mut().extend([udp, tcp]);
    })
    .expect("setup b");
    host.run_fiberless(a, 100 * MS, move |_, e| {
        let udp = cradle(&e, libc::AF_INET, libc::SOCK_DGRAM, 0);
        let tcp = cradle(&e, libc::AF_INET, libc::SOCK_STREAM, 0);
        let icmp = cradle(&e, libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_ICMP);
        let to = SockAddr::v4(SocketAddrV4::new(peer, 8000));
        // SAFETY: as above.
        let r = unsafe {
            e.sock_connect.unwrap()(
                tcp.0,
                to.as_bytes().as_ptr().cast(),
                to.len() as i32,
                libc::O_NONBLOCK,
            )
        };
        assert_eq!(r, -libc::EINPROGRESS);
        sa2.borrow_mut().extend([udp, tcp, icmp]);
    })
    .expect("setup a");

    // Every 100 ms from 200 ms to 10.1 s: A sends, then B and A read.
    for round in 0..100u32 {
        let t = 200 * MS + u64::from(round) * 100 * MS;
        let (sa2, c2) = (sa.clone(), counts.clone());
        host.run_fiberless(a, t, move |_, e| {
            let s = sa2.borrow();
            let to = SockAddr::v4(SocketAddrV4::new(peer, 9000));
            let msg = [round as u8; 100];
            assert_eq!(send(&e, &s[0], &msg, Some(&to)), 100, "udp send {round}");
            let chunk: Vec<u8> = (0..1000)
                .map(|k| stream_byte(u64::from(round) * 1000 + k))
                .collect();
            let n = send(&e, &s[1], &chunk, None);
            assert_eq!(n, 1000, "tcp send {round}: the 10 Mbit/s link keeps up");
            c2.borrow_mut().sent_tcp += 1000;
            let to = SockAddr::v4(SocketAddrV4::new(peer, 0));
            assert_eq!(
                send(&e, &s[2], &echo_request(false, round as u16, 0), Some(&to)),
                64
            );
        })
        .expect("send round");
        let (sb2, c2) = (sb.clone(), counts.clone());
        host.run_fiberless(b, t + 50 * MS, move |_, e| {
            let mut s = sb2.borrow_mut();
            if s.len() == 2 {
                let mut new = std::ptr::null_mut();
                // SAFETY: a DCE-style call with a live out-pointer.
                let r = unsafe { e.sock_accept.unwrap()(s[1].0, &mut new, libc::O_NONBLOCK) };
                assert_eq!(r, 0, "the connection is there by now");
                s.push(CradleSocket(new));
            }
            let mut buf = [0u8; 4096];
            let mut c = c2.borrow_mut();
            while recv(&e, &s[0], &mut buf) == 100 {
                c.udp += 1;
            }
            loop {
                let n = recv(&e, &s[2], &mut buf);
                if n <= 0 {
                    assert_eq!(n, -(libc::EAGAIN as isize));
                    break;
                }
                let start = c.tcp;
                for (k, byte) in buf[..n as usize].iter().enumerate() {
                    assert_eq!(*byte, stream_byte(start + k as u64), "stream byte");
                }
                c.tcp += n as u64;
            }
        })
        .expect("read round b");
        let (sa2, c2) = (sa.clone(), counts.clone());
        host.run_fiberless(a, t + 60 * MS, move |_, e| {
            let s = sa2.borrow();
            let mut buf = [0u8; 256];
            let mut c = c2.borrow_mut();
            while recv(&e, &s[2], &mut buf) > 0 {
                c.echo += 1;
            }
        })
        .expect("read round a");
    }
    run(&host, 10_300 * MS);
    let polls = rec
        .poll_events()
        .iter()
        .filter(|p| p.context == COOKIE)
        .count();
    counts.borrow_mut().polls = polls as u32;
    // The persistent registration goes, from a Cradle caller too.
    let h = poll_handle.get();
    host.run_fiberless(b, 0, move |_, e| {
        // SAFETY: the handle sock_poll returned, freed once.
        unsafe { e.sock_pollfreewait.unwrap()(h as *mut _) };
    })
    .expect("free");
    run(&host, host.sim().now() + MS);
    let c = counts.borrow();
    assert_eq!(c.udp, 100, "{c:?}");
    assert_eq!(c.tcp, c.sent_tcp, "{c:?}");
    assert_eq!(c.sent_tcp, 100_000);
    assert_eq!(c.echo, 100, "{c:?}");
    // poll_event for every datagram (and no fewer), from event context.
    assert!(c.polls >= 100, "{c:?}");
    for node in [a, b] {
        let log = host.node_log(node);
        assert!(!log.contains("lkl-dce:"), "node {node}: {log}");
    }
    drop(c);
    host.teardown().expect("teardown");
}

/// Cradle callers cannot wait: a blocking call from one is what DCE
/// would crash on, and dce-sim stops the run with DCE's reason.
#[test]
fn a_cradle_caller_that_would_wait_is_a_hard_error() {
    let _g = lock();
    let host = boot(1, 1);
    run(&host, MS);
    host.run_fiberless(NodeId(0), 0, |sim, _| {
        let _ = sim.task_wait();
    })
    .expect("schedule");
    let e = host.run_until(host.sim().now() + MS).unwrap_err();
    assert_eq!(
        e,
        dce_sim::SimError::WaitOnFiberless {
            call: "task_wait",
            node: NodeId(0)
        }
    );
    assert!(e.to_string().contains("DCE asserts m_current != 0"), "{e}");
}

/// Loaded as DCE loads it, the library's segment is the one dce-sim
/// swaps: its size, and the swaps a two-node ping costs.
#[test]
fn the_swapped_segment_and_what_a_ping_costs() {
    let _g = lock();
    let (host, _, _) = two_nodes(PointToPointConfig::default());
    let seg = host.swapped_segment_bytes();
    // liblkl.so starts its RW PT_LOAD with RELRO (-z relro), which is
    // not swapped: the rest is .data and .bss.
    assert!(seg > 64 << 10, "{seg}");
    let before: Vec<_> = (0..2).map(|i| host.swap_stats(NodeId(i))).collect();
    let r = common::ping_task(
        &host,
        NodeId(0),
        0,
        SocketAddr::new(v4(10, 1, 1, 2), 0).ip(),
        3,
    );
    run(&host, host.sim().now() + 4 * SEC);
    assert_eq!(
        r.borrow_mut()
            .take()
            .expect("ran")
            .expect("ping")
            .replies
            .len(),
        3
    );
    for i in 0..2 {
        let s = host.swap_stats(NodeId(i));
        let swaps = s.swaps_in - before[i as usize].swaps_in;
        // Each echo crosses to the other node and back at least once.
        assert!(swaps >= 3, "node {i}: {swaps} swaps");
        assert_eq!(s.bytes_copied % seg as u64, 0);
    }
    host.teardown().expect("teardown");
}

/// The TCP flags of an Ethernet/IPv4/TCP frame, None for anything else.
fn tcp_flags(frame: &[u8]) -> Option<u8> {
    if frame.len() < 14 + 20 + 20 || frame[12..14] != [0x08, 0x00] || frame[14 + 9] != 6 {
        return None;
    }
    let ihl = usize::from(frame[14] & 0xf) * 4;
    frame.get(14 + ihl + 13).copied()
}

const FIN: u8 = 0x01;

/// When `node` sent TCP FINs.
fn fin_times(rec: &Recorder, node: NodeId) -> Vec<u64> {
    rec.frames(node)
        .iter()
        .filter(|f| tcp_flags(&f.data).is_some_and(|fl| fl & FIN != 0))
        .map(|f| f.time)
        .collect()
}

/// Two nodes on a 5 ms link.
fn two_nodes_5ms() -> (
    std::pin::Pin<Box<Host>>,
    dce_sim::net::DeviceId,
    dce_sim::net::DeviceId,
) {
    two_nodes(PointToPointConfig {
        delay_ns: 5 * MS,
        ..PointToPointConfig::default()
    })
}

/// (h) `sock_close` reaches neither `dev_xmit` nor `event_schedule_ns`
/// itself (DCE's teardown calls it with no task manager, where both would
/// crash): the FIN of a close still leaves at the very instant of the
/// close, and the peer reads the end of the stream; at the teardown, an
/// established connection closes and nothing is sent any more.
#[test]
fn a_close_sends_its_fin_at_once_and_nothing_in_the_teardown() {
    let _g = lock();
    let (host, _, _) = two_nodes_5ms();
    let rec = record(&host);
    let (a, b) = (NodeId(0), NodeId(1));
    let peer = |port| SockAddr::v4(SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 2), port));
    let server = run_task(&host, b, 0, |sim, e| {
        let l = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
        l.bind(&any4(8000))?;
        l.listen(1)?;
        let c = l.accept(0)?;
        let (mut got, mut buf) = (0, [0u8; 2048]);
        loop {
            match c.recv_from(&mut buf, 0)?.0 {
                0 => return Ok::<_, Errno>((got, sim.now())),
                n => got += n,
            }
        }
    });
    let client = run_task(&host, a, 100 * MS, move |sim, e| {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
        s.connect(&peer(8000), 0)?;
        assert_eq!(s.send(&[7u8; 1000], 0)?, 1000);
        let at = sim.now();
        s.close()?;
        Ok::<_, Errno>(at)
    });
    run(&host, host.sim().now() + 2 * SEC);
    let closed_at = client
        .borrow_mut()
        .take()
        .expect("client done")
        .expect("client");
    let (got, eof_at) = server
        .borrow_mut()
        .take()
        .expect("server done")
        .expect("server");
    assert_eq!(got, 1000);
    let fins = fin_times(&rec, a);
    assert_eq!(fins.first(), Some(&closed_at), "A's FINs at {fins:?}");
    // One link delay later, B's program reads the end of the stream.
    assert_eq!(eof_at, closed_at + 5 * MS);

    // Two more, connected and left open, their programs blocked in recv.
    let open = |node, f: fn(&Socket) -> Result<Socket, Errno>| {
        run_task(&host, node, 0, move |_, e| {
            let s = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
            let c = f(&s)?;
            let mut buf = [0u8; 16];
            c.recv_from(&mut buf, 0).map(|(n, _)| n)
        })
    };
    let listener = open(b, |s| {
        s.bind(&any4(8001))?;
        s.listen(1)?;
        s.accept(0)
    });
    run(&host, host.sim().now() + MS);
    let connected = run_task(&host, a, 0, move |_, e| {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
        s.connect(&peer(8001), 0)?;
        let mut buf = [0u8; 16];
        s.recv_from(&mut buf, 0).map(|(n, _)| n)
    });
    run(&host, host.sim().now() + SEC);
    assert!(listener.borrow().is_none() && connected.borrow().is_none());
    assert_eq!((host.open_sockets(a), host.open_sockets(b)), (1, 2));
    let sent = rec.frames(a).len() + rec.frames(b).len();
    host.teardown()
        .expect("teardown with established connections");
    assert_eq!((host.open_sockets(a), host.open_sockets(b)), (0, 0));
    assert_eq!(rec.frames(a).len() + rec.frames(b).len(), sent);
    for node in [a, b] {
        let log = host.node_log(node);
        assert!(!log.contains("lkl-dce:"), "node {node}: {log}");
    }
}

/// (i) A close wakes another program's `poll` through the kernel alone
/// when the two are connected over loopback: `poll_event` is the third
/// import DCE's teardown cannot take (its wake-up goes through the NULL
/// task manager).  In a running simulation the poll still returns at the
/// very instant of the close; in the teardown, closing the first program's
/// socket while the second still polls wakes nothing.
#[test]
fn a_close_wakes_a_poll_over_loopback_at_once_and_not_in_the_teardown() {
    let _g = lock();
    let (host, _, _) = two_nodes(PointToPointConfig::default());
    let rec = record(&host);
    let hp: *const Host = &*host;
    let a = NodeId(0);
    let lo = |port| SockAddr::v4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port));
    let poll_accepted = move |port: u16, e: dce_abi::SimExported| {
        let l = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0).expect("socket");
        l.bind(&lo(port)).expect("bind");
        l.listen(1).expect("listen");
        let c = l.accept(0).expect("accept");
        let mut fds = [PollFd {
            sock: c.raw(),
            events: libc::POLLIN,
            revents: 0,
        }];
        // SAFETY: the host outlives the tasks of its simulator.
        let n = unsafe { &*hp }.poll(&e, &mut fds, None).expect("poll");
        (n, fds[0].revents)
    };
    let poller = run_task(&host, a, 0, move |sim, e| {
        let (n, revents) = poll_accepted(7000, e);
        (n, revents, sim.now())
    });
    let closer = run_task(&host, a, MS, move |sim, e| {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0).expect("socket");
        s.connect(&lo(7000), 0).expect("connect");
        apps::sleep(&e, 100 * MS, || sim.now()).expect("sleep");
        let at = sim.now();
        s.close().expect("close");
        at
    });
    run(&host, host.sim().now() + SEC);
    let closed_at = closer.borrow_mut().take().expect("closer done");
    let (n, revents, woke_at) = poller.borrow_mut().take().expect("poller done");
    assert_eq!((n, revents & libc::POLLIN), (1, libc::POLLIN));
    assert_eq!(woke_at, closed_at, "the poll returns at the close");

    // The holder's program is deleted first (its task is the older),
    // while the poller's table is still registered.
    let holder = run_task(&host, a, 0, move |sim, e| {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0).expect("socket");
        apps::sleep(&e, MS, || sim.now()).expect("sleep");
        s.connect(&lo(7001), 0).expect("connect");
        let mut buf = [0u8; 4];
        s.recv_from(&mut buf, 0).map(|(n, _)| n)
    });
    let poller = run_task(&host, a, 0, move |_, e| poll_accepted(7001, e));
    run(&host, host.sim().now() + SEC);
    assert!(holder.borrow().is_none() && poller.borrow().is_none());
    let polls = rec.poll_events().len();
    host.teardown()
        .expect("teardown while a program polls the other end");
    assert_eq!(
        rec.poll_events().len(),
        polls,
        "no poll_event in the teardown"
    );
    assert_eq!(host.open_sockets(a), 0);
    let log = host.node_log(a);
    assert!(!log.contains("lkl-dce:"), "{log}");
}

/// (j) The timers of a closed connection still reach DCE: the FIN of a
/// close whose peer has gone silent (its device down) is retransmitted
/// with TCP's growing backoff.  (The kernel programs its clock event for
/// them outside the close itself here; no test makes a quiet call do it.)
#[test]
fn a_timer_armed_by_a_close_retransmits_its_fin() {
    let _g = lock();
    let (host, _, _) = two_nodes_5ms();
    let rec = record(&host);
    let (a, b) = (NodeId(0), NodeId(1));
    let server = run_task(&host, b, 0, |_, e| {
        let l = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
        l.bind(&any4(8000))?;
        l.listen(1)?;
        let c = l.accept(0)?;
        let mut buf = [0u8; 16];
        c.recv_from(&mut buf, 0).map(|(n, _)| n)
    });
    let client = run_task(&host, a, 0, move |sim, e| {
        let s = Socket::new(&e, libc::AF_INET, libc::SOCK_STREAM, 0)?;
        let peer = SockAddr::v4(SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 2), 8000));
        s.connect(&peer, 0)?;
        apps::sleep(&e, 100 * MS, || sim.now())?;
        let at = sim.now();
        s.close()?;
        Ok::<_, Errno>(at)
    });
    let down = run_task(&host, b, 50 * MS, |_, e| {
        let mut rtnl = Rtnl::open(&e)?;
        let sim0 = rtnl.link_index("sim0")?;
        rtnl.link_set(sim0, false, None)
    });
    run(&host, host.sim().now() + 5 * SEC);
    down.borrow_mut()
        .take()
        .expect("down done")
        .expect("link down");
    let closed_at = client
        .borrow_mut()
        .take()
        .expect("client done")
        .expect("client");
    assert!(server.borrow().is_none(), "B heard nothing");
    let fins = fin_times(&rec, a);
    assert_eq!(fins.first(), Some(&closed_at), "A's FINs at {fins:?}");
    assert!(fins.len() >= 4, "retransmitted: {fins:?}");
    let gaps: Vec<u64> = fins.windows(2).map(|w| w[1] - w[0]).collect();
    // A tail loss probe first, then retransmissions that back off.
    assert!(
        gaps.windows(2).all(|g| g[1] >= g[0]) && gaps.last() > gaps.first(),
        "backoff grows: {gaps:?}"
    );
    host.teardown().expect("teardown");
}
