//! Real host cases, small enough for the test suite: they run when
//! [`available`] says the host half can (as root with TAP devices) and
//! print a skip line otherwise.  One at a time (a lock), since they
//! measure wall-clock time and count the namespaces around them.
//!
//! `--ignored` adds the full set of cases of the fidelity table and the
//! wire's capacity, printed (`cargo test --release -p lkl-bench
//! fidelity::host -- --ignored --nocapture --test-threads 1`).

use super::*;
use crate::fidelity::case::PORT;
use dce_sim::link::PointToPointConfig;
use std::collections::BTreeSet;
use std::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

const MBIT: u64 = 1_000_000;
const MS: u64 = 1_000_000;

fn link(rate_bps: u64, delay_ns: u64) -> PointToPointConfig {
    PointToPointConfig {
        delay_ns,
        rate_bps,
        ..Default::default()
    }
}

fn case(name: &str, link: PointToPointConfig, traffic: Traffic) -> Case {
    Case {
        name: name.into(),
        link,
        seed: 1,
        traffic,
    }
}

/// Runs `f` if the host half can run here, one test at a time, and checks
/// that it left no namespace or device behind.
pub(in crate::fidelity) fn host_test(name: &str, f: impl FnOnce()) {
    if let Err(why) = available() {
        println!("skipping host fidelity test {name}: {why}");
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let before = (root_devices(), net_namespaces());
    f();
    assert_eq!(root_devices(), before.0, "{name}: root namespace devices");
    let after = net_namespaces();
    assert!(
        after.is_subset(&before.1),
        "{name}: new network namespaces left: {:?}",
        after.difference(&before.1).collect::<Vec<_>>()
    );
    assert_eq!(own_namespaces(), 1, "{name}: this process holds namespaces");
}

/// The devices of the root namespace (`/proc/net/dev` as this thread sees
/// it, which is the root namespace: the test threads never enter ours).
fn root_devices() -> Vec<String> {
    std::fs::read_to_string("/proc/thread-self/net/dev")
        .unwrap()
        .lines()
        .skip(2)
        .filter_map(|l| Some(l.split(':').next()?.trim().to_owned()))
        .collect()
}

/// Every network namespace some task of the machine is in, or an fd of
/// this process holds (by inode).
fn net_namespaces() -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for p in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(tasks) = std::fs::read_dir(p.path().join("task")) else {
            continue;
        };
        for t in tasks.flatten() {
            if let Ok(l) = std::fs::read_link(t.path().join("ns/net")) {
                set.insert(l.to_string_lossy().into_owned());
            }
        }
    }
    set.extend(own_fd_namespaces());
    set
}

/// The network namespaces this process's fds hold.
fn own_fd_namespaces() -> Vec<String> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .flatten()
        .filter_map(|f| std::fs::read_link(f.path()).ok())
        .map(|l| l.to_string_lossy().into_owned())
        .filter(|l| l.starts_with("net:"))
        .collect()
}

/// How many network namespaces this process's threads are in or hold.
fn own_namespaces() -> usize {
    let mut set: BTreeSet<String> = own_fd_namespaces().into_iter().collect();
    for t in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        if let Ok(l) = std::fs::read_link(t.path().join("ns/net")) {
            set.insert(l.to_string_lossy().into_owned());
        }
    }
    set.len()
}

fn print_run(c: &Case, r: &HostRun) {
    let o = &r.outcome;
    let w = &r.wire;
    println!(
        "{}: bytes {} goodput {:.3} Mbit/s max_window {:?} datagrams {:?} link drops {:?} \
         | wire frames {:?} delivered {:?} lateness mean {:.0} ns p99 {} ns max {} ns \
         ({} frames, SCHED_FIFO {}) | kernel drops {:?}",
        c.name,
        o.bytes,
        o.goodput_bps.unwrap_or(0.0) / 1e6,
        o.max_window,
        o.datagrams,
        o.link_drops,
        w.frames,
        w.delivered,
        w.lateness.mean_ns,
        w.lateness.p99_ns,
        w.lateness.max_ns,
        w.lateness.frames,
        w.realtime,
        r.kernel,
    );
    for n in &r.notes {
        println!("  note: {n}");
    }
    if !o.rtts_ns.is_empty() {
        let ms: Vec<String> = o
            .rtts_ns
            .iter()
            .map(|t| format!("{:.4}", *t as f64 / 1e6))
            .collect();
        println!("  rtts ms: {}", ms.join(" "));
    }
}

fn run_case(c: &Case) -> HostRun {
    let r = run_detailed(c).unwrap_or_else(|e| panic!("{}: {e}", c.name));
    print_run(c, &r);
    r
}

#[test]
fn ping_rtt_is_the_links() {
    host_test("ping", || {
        let l = link(100 * MBIT, 10 * MS);
        let size = 56;
        let c = case(
            "ping 10 ms 100 Mbit/s",
            l,
            Traffic::Ping {
                count: 5,
                size,
                interval_ns: 50 * MS,
            },
        );
        let r = run_case(&c);
        let rtts = &r.outcome.rtts_ns;
        assert_eq!(rtts.len(), 5, "every request answered");
        // Two delays, two serializations of a 14 + 20 + 8 + 56 byte frame.
        let tx = dce_sim::link::PointToPoint::new(l)
            .unwrap()
            .tx_time_ns(14 + 20 + 8 + size);
        let ideal = 2 * l.delay_ns + 2 * tx;
        // The wire never delivers early (and the devices need no ARP), so
        // no RTT is below the ideal.  How far above it is the host's
        // processing time, which the fidelity table reports; it is not
        // asserted (tests assert no timings).
        for &t in rtts {
            assert!(t >= ideal, "RTT {t} ns, ideal {ideal} ns");
        }
        assert_eq!(r.outcome.link_drops, (0, 0));
        // Whether the wire kept up depends on the machine's load: shown,
        // not asserted.
        eprintln!("TAP transmit drops: {:?}", r.kernel.tap_tx);
    });
}

#[test]
fn tcp_moves_every_byte_below_the_link_rate() {
    host_test("tcp", || {
        let c = case(
            "tcp cubic 4 MiB 10 MB 100 Mbit/s 10 ms",
            link(100 * MBIT, 10 * MS),
            Traffic::Tcp {
                bytes: 10_000_000,
                cc: "cubic",
                buffers: Some([4096, 131_072, 4 << 20]),
                rcvbuf: None,
            },
        );
        let r = run_case(&c);
        let o = &r.outcome;
        assert_eq!(o.bytes, 10_000_000);
        let g = o.goodput_bps.expect("a goodput");
        // Payload is at most 1448 of every 1514 bytes on the link.
        eprintln!("goodput {g} bit/s (timing: shown, not asserted)");
        let w = o.max_window.expect("a window");
        assert!(w > 1_000_000, "4 MiB buffers advertise MBs of window: {w}");
        eprintln!("TAP transmit drops: {:?}", r.kernel.tap_tx);
    });
}

#[test]
fn udp_faster_than_the_link_fills_its_queue() {
    host_test("udp", || {
        let c = case(
            "udp 1448 B at 120 Mbit/s into 100 Mbit/s",
            link(100 * MBIT, 10 * MS),
            Traffic::Udp {
                count: 3000,
                size: 1448,
                rate_bps: 120 * MBIT,
            },
        );
        let r = run_case(&c);
        let o = &r.outcome;
        let k = &r.kernel;
        let (sent, got) = o.datagrams;
        assert!(o.link_drops.0 > 0, "the queue overflowed");
        assert_eq!(o.link_drops.1, 0, "no loss configured");
        assert_eq!(o.bytes, got * 1448);
        // Every datagram sent is delivered or dropped somewhere counted:
        // by the link, or (never, if the wire keeps up) by a TAP or the
        // receiving socket; the ARP queue counts too, though the devices
        // need no ARP.
        assert_eq!(
            sent,
            got + o.link_drops.0 + k.arp_unresolved + k.tap_tx[0] + k.udp_rcvbuf,
            "{k:?}"
        );
        // The link ran full: its payload rate, not the sender's (timing:
        // shown, not asserted).
        eprintln!(
            "goodput {:?} bit/s, link payload rate {} bit/s",
            o.goodput_bps,
            100e6 * 1448.0 / 1490.0
        );
    });
}

#[test]
fn an_error_half_way_leaves_nothing_behind() {
    host_test("error", || {
        let mut l = link(100 * MBIT, MS);
        l.loss = 2.0; // refused by the link model, after the namespaces exist
        let c = case(
            "bad link",
            l,
            Traffic::Ping {
                count: 1,
                size: 56,
                interval_ns: MS,
            },
        );
        let e = run_detailed(&c).unwrap_err();
        assert!(e.contains("outside [0, 1]"), "{e}");
    });
}

#[test]
fn a_panic_half_way_leaves_nothing_behind() {
    host_test("panic", || {
        let r = std::panic::catch_unwind(|| {
            let (_ns, _tap, _, _) = node(
                0,
                &Traffic::Ping {
                    count: 1,
                    size: 1,
                    interval_ns: 1,
                },
            )
            .unwrap();
            let (ns1, _tap1, _, _) = node(
                1,
                &Traffic::Ping {
                    count: 1,
                    size: 1,
                    interval_ns: 1,
                },
            )
            .unwrap();
            let in_ns = ns1.run("panics", || -> Result<(), String> { panic!("half-way") });
            assert!(in_ns.unwrap_err().contains("half-way"));
            panic!("and the caller too");
        });
        assert!(r.is_err());
    });
}

/// The cases the fidelity table asks of the host, printed.
#[test]
#[ignore = "the full host cases: tens of seconds"]
fn host_table() {
    host_test("table", || {
        let m4 = Some([4096, 131_072, 4 << 20]);
        let l100 = link(100 * MBIT, 10 * MS);
        let ping = Traffic::Ping {
            count: 20,
            size: 56,
            interval_ns: 100 * MS,
        };
        let mut cases = vec![
            case("ping 10 ms 100 Mbit/s", l100, ping.clone()),
            case(
                "ping over a 0 ms infinite link (the host's own time)",
                link(0, 0),
                ping,
            ),
        ];
        for cc in ["cubic", "bbr"] {
            for (buffers, bytes) in [(None, 10_000_000), (m4, 40_000_000)] {
                let b = if buffers.is_some() {
                    "4 MiB"
                } else {
                    "default"
                };
                cases.push(case(
                    &format!("tcp {cc} {b} {} MB 100 Mbit/s 10 ms", bytes / 1_000_000),
                    l100,
                    Traffic::Tcp {
                        bytes,
                        cc,
                        buffers,
                        rcvbuf: None,
                    },
                ));
            }
        }
        // dce-sim's kernel defaults top out at 248,864 bytes.
        let sim_default = Some([4096, 131_072, 248_864]);
        for cc in ["cubic", "bbr"] {
            cases.push(case(
                &format!("tcp {cc} 248,864 B 10 MB 100 Mbit/s 10 ms"),
                l100,
                Traffic::Tcp {
                    bytes: 10_000_000,
                    cc,
                    buffers: sim_default,
                    rcvbuf: None,
                },
            ));
        }
        cases.push(case(
            "tcp cubic 248,864 B 100 MB 1 Gbit/s 1 ms",
            link(1000 * MBIT, MS),
            Traffic::Tcp {
                bytes: 100_000_000,
                cc: "cubic",
                buffers: sim_default,
                rcvbuf: None,
            },
        ));
        cases.push(case(
            "tcp cubic default 100 MB 1 Gbit/s 1 ms",
            link(1000 * MBIT, MS),
            Traffic::Tcp {
                bytes: 100_000_000,
                cc: "cubic",
                buffers: None,
                rcvbuf: None,
            },
        ));
        let mut lossy = l100;
        lossy.loss = 0.01;
        cases.push(case(
            "tcp cubic 4 MiB 10 MB 100 Mbit/s 10 ms 1 % loss",
            lossy,
            Traffic::Tcp {
                bytes: 10_000_000,
                cc: "cubic",
                buffers: m4,
                rcvbuf: None,
            },
        ));
        cases.push(case(
            "udp 1448 B at 120 Mbit/s into 100 Mbit/s",
            l100,
            Traffic::Udp {
                count: 20_000,
                size: 1448,
                rate_bps: 120 * MBIT,
            },
        ));
        for c in &cases {
            run_case(c);
        }
    });
}

/// How many frames a second the wire moves: UDP at 1 Gbit/s over a 1
/// Gbit/s link (must all arrive, no TAP drop), then a flood over an
/// infinitely fast link.
#[test]
#[ignore = "measures the wire's capacity: seconds"]
fn wire_capacity() {
    host_test("capacity", || {
        for (name, l, rate) in [
            (
                "udp 1448 B at 800 Mbit/s over 1 Gbit/s",
                link(1000 * MBIT, MS),
                800 * MBIT,
            ),
            (
                "udp 1448 B flood over an infinite link",
                link(0, MS),
                100_000 * MBIT,
            ),
        ] {
            let c = case(
                name,
                l,
                Traffic::Udp {
                    count: 200_000,
                    size: 1448,
                    rate_bps: rate,
                },
            );
            let r = run_case(&c);
            let secs = (r.wire.ran_ns as f64) / 1e9;
            let (sent, got) = r.outcome.datagrams;
            println!(
                "  {name}: sent {sent} got {got}: {:.0} datagrams/s at the receiver, \
                 the wire wrote {:.0} frames/s ({} in {:.3} s), ran {secs:.2} s",
                r.outcome.goodput_bps.unwrap_or(0.0) / (1448.0 * 8.0),
                r.wire.delivered[0] as f64 * 1e9 / r.wire.span_ns[0].max(1) as f64,
                r.wire.delivered[0],
                r.wire.span_ns[0] as f64 / 1e9,
            );
        }
    });
}

/// The wire's capacity both ways at once: each node floods the other with
/// 1448-byte UDP datagrams (1490-byte frames) for a second, unpaced, over
/// an infinitely fast link with 1 ms of delay; the receiving sockets are
/// never read, so the receiving kernels drop cheaply and the wire is what
/// limits.  Prints the frames per second it wrote each way and whether a
/// TAP dropped (the wire not keeping up with a sender).
#[test]
#[ignore = "measures the wire's capacity: seconds"]
fn wire_capacity_both_ways() {
    host_test("capacity both ways", || {
        let traffic = Traffic::Udp {
            count: 0,
            size: 1448,
            rate_bps: 0,
        };
        let (ns0, tap0, _, _) = node(0, &traffic).unwrap();
        let (ns1, tap1, _, _) = node(1, &traffic).unwrap();
        let w = wire::Wire::start([tap0.clone(), tap1.clone()], link(0, MS), 1).unwrap();
        let sent: Vec<u64> = std::thread::scope(|s| {
            let hs: Vec<_> = [(&ns0, 0u8), (&ns1, 1u8)]
                .into_iter()
                .map(|(ns, i)| {
                    ns.spawn(s, "flood", move || {
                        let rx = std::net::UdpSocket::bind((addr(i), PORT)).unwrap();
                        let tx = std::net::UdpSocket::bind((addr(i), 0)).unwrap();
                        tx.connect((addr(1 - i), PORT)).unwrap();
                        // Let the other side bind; resolve ARP.
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        let _ = tx.send(&[0; 1448]);
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        let end = clock::now_ns() + 1_000_000_000;
                        let mut n = 0u64;
                        while clock::now_ns() < end {
                            if tx.send(&[0x5a; 1448]).is_ok() {
                                n += 1;
                            }
                        }
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        drop(rx);
                        Ok(n)
                    })
                    .unwrap()
                })
                .collect();
            hs.into_iter()
                .map(|h| ns::join(h, "flood").unwrap())
                .collect()
        });
        let st = w.finish().unwrap();
        let tap_tx: Vec<u64> = [(&ns0, 0), (&ns1, 1)]
            .into_iter()
            .map(|(ns, i)| ns.run("stat", || ns::dev_counters(TAP[i])).unwrap()[11])
            .collect();
        for d in 0..2 {
            println!(
                "direction {d}: sent {} datagrams, wire read {} wrote {} frames in {:.3} s: \
                 {:.0} frames/s; TAP {d} dropped {}",
                sent[d],
                st.frames[d],
                st.delivered[d],
                st.span_ns[d] as f64 / 1e9,
                st.delivered[d] as f64 * 1e9 / st.span_ns[d].max(1) as f64,
                tap_tx[d],
            );
        }
        println!(
            "lateness mean {:.0} ns p99 {} ns max {} ns",
            st.lateness.mean_ns, st.lateness.p99_ns, st.lateness.max_ns
        );
    });
}
