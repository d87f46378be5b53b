//! The real kernel library (`out/lib/liblkl.so`, built by `make ARCH=lkl`)
//! booted on simulated nodes, the way ns-3-dce runs it.

mod common;
use common::{boot, library, lock, SEC};

use dce_sim::abi::Host;
use dce_sim::{NodeId, SimConfig};

/// The kernel's default `lkl.epoch` (2024-11-17 00:00:00 UTC, documented
/// in Documentation/lkl/arch.rst): CLOCK_REALTIME at virtual time 0.
const EPOCH: i64 = 1_731_801_600;

fn assert_booted(host: &Host, node: NodeId) {
    let log = host.node_log(node);
    assert!(host.node_initialized(node), "node {node:?}:\n{log}");
    assert!(log.contains("Linux version 6.12"), "node {node:?}:\n{log}");
    assert!(log.contains("Run /init as init process"), "{log}");
    if let Some(l) = lkl_sys::log::first_alarm(log.as_bytes()) {
        panic!(
            "node {node:?} logged {}:\n{log}",
            String::from_utf8_lossy(l)
        );
    }
}

#[test]
fn one_node_boots_at_virtual_time_zero() {
    let _g = lock();
    let host = boot(1, 1);
    host.run_until(SEC).expect("run");
    assert_booted(&host, NodeId(0));
    // The boot takes real time but no virtual time: every line the kernel
    // printed while booting carries the timestamp 0.
    let log = host.node_log(NodeId(0));
    let stamped: Vec<&str> = log.lines().filter(|l| l.starts_with('[')).collect();
    assert!(stamped.len() > 20, "{log}");
    for line in stamped.iter().take_while(|l| !l.contains("Run /init")) {
        assert!(line.starts_with("[    0.000000]"), "not at t=0: {line}");
    }
}

/// The memory of a node's kernel is named by its library: ns-3-dce's
/// `Library` attribute picks the file per node, and `liblkl-mem64M.so`
/// is `liblkl.so` under a name that asks for 64 MiB.
#[test]
fn a_node_gets_the_memory_its_library_names() {
    let _g = lock();
    let host = Host::new(SimConfig::default()).expect("host");
    let lib = library();
    let big = lib.with_file_name("liblkl-mem64M.so");
    assert_eq!(host.load_node_library(&lib).expect("load"), NodeId(0));
    assert_eq!(host.load_node_library(&big).expect("load"), NodeId(1));
    host.run_until(SEC / 1000).expect("run");
    let free: Vec<_> = (0..2)
        .map(|i| {
            host.sysctl_get(NodeId(i), ".lkl.mem_free_kb")
                .expect("task")
        })
        .collect();
    host.run_until(SEC).expect("run");
    let free: Vec<u64> = free
        .iter()
        .map(|f| {
            let v = f.borrow_mut().take().expect("ran").expect("get");
            v.trim().parse().expect("a number")
        })
        .collect();
    for (i, mib) in [(0, 32), (1, 64)] {
        assert_booted(&host, NodeId(i));
        let log = host.node_log(NodeId(i));
        assert!(
            log.contains(&format!("Kernel command line: mem={mib}M")),
            "{log}"
        );
        // Free memory after boot: all but the kernel's own few MiB.
        let kib = free[i as usize];
        assert!(
            kib < mib * 1024 && kib > (mib - 6) * 1024,
            "node {i}: {kib} KiB free"
        );
    }
}

#[test]
fn ten_nodes_boot_in_one_process() {
    let _g = lock();
    let host = boot(10, 1);
    host.run_until(SEC).expect("run");
    for i in 0..10 {
        assert_booted(&host, NodeId(i));
    }
}

#[test]
fn an_idle_node_is_quiet() {
    let _g = lock();
    let host = boot(2, 1);
    host.run_until(10 * SEC).expect("run");
    let at_10s = host.sim().events_processed(NodeId(0)).expect("node");
    host.run_until(1000 * SEC).expect("run");
    let at_1000s = host.sim().events_processed(NodeId(0)).expect("node");
    println!("node 0: {at_10s} events by 10 s, {at_1000s} by 1000 s");
    // A ticking idle kernel (HZ=100) would take 99,000 events here; a
    // tickless one one per wakeup (Documentation/lkl/arch.rst, "An idle
    // CPU"): 28.  At most 0.05 per virtual second.
    assert!(
        at_1000s - at_10s <= 49,
        "{} events between 10 s and 1000 s",
        at_1000s - at_10s
    );
    // Both nodes run the same kernel in the same way.
    assert_eq!(
        at_1000s,
        host.sim().events_processed(NodeId(1)).expect("node")
    );
}

#[test]
fn identical_runs_give_identical_logs() {
    let _g = lock();
    let run = || {
        let host = boot(2, 7);
        host.run_until(100 * SEC).expect("run");
        let logs = [host.node_log(NodeId(0)), host.node_log(NodeId(1))];
        let events = host.sim().events_processed_total();
        (logs, events)
    };
    let first = run();
    let second = run();
    assert!(first.0[0].contains("Linux version 6.12"));
    assert_eq!(first, second);
}

/// Result of the socket calls a task made into node 0's kernel.
#[derive(Debug, Default, PartialEq)]
struct LoopbackStamp {
    sent: isize,
    received: isize,
    payload: Vec<u8>,
    stamp_secs: i64,
}

/// At virtual time `at`, a task on `node` brings `lo` up, sends itself a
/// UDP datagram through the socket entry points of the ABI and asks the
/// kernel when it arrived (SIOCGSTAMP): the kernel's own clock.
fn loopback_stamp_at_node(
    host: &Host,
    node: NodeId,
    at: u64,
) -> std::rc::Rc<std::cell::RefCell<Option<LoopbackStamp>>> {
    let out = std::rc::Rc::new(std::cell::RefCell::new(None));
    let exported = host.exported(node).expect("node initialized");
    let result = out.clone();
    host.sim()
        .schedule(node, at - host.sim().now(), move |sim| {
            sim.atask_start(node, 1 << 17, move |_| {
                let r = loopback_roundtrip(&exported);
                *result.borrow_mut() = Some(r);
            })
            .expect("task");
        })
        .expect("schedule");
    out
}

fn loopback_roundtrip(e: &dce_abi::SimExported) -> LoopbackStamp {
    // SAFETY: DCE-style calls into node 0's library from one of its tasks;
    // every pointer passed points to a live local of the right type and size.
    unsafe {
        const SIOCGSTAMP: i32 = 0x8906;
        let mut s: *mut dce_abi::SimSocket = std::ptr::null_mut();
        let socket = e.sock_socket.unwrap();
        assert_eq!(socket(libc::AF_INET, libc::SOCK_DGRAM, 0, &mut s), 0);

        let ioctl = e.sock_ioctl.unwrap();
        let mut ifr: libc::ifreq = std::mem::zeroed();
        ifr.ifr_name[..2].copy_from_slice(&[b'l' as libc::c_char, b'o' as libc::c_char]);
        assert_eq!(
            ioctl(
                s,
                libc::SIOCGIFFLAGS as i32,
                (&mut ifr as *mut libc::ifreq).cast()
            ),
            0
        );
        ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        assert_eq!(
            ioctl(
                s,
                libc::SIOCSIFFLAGS as i32,
                (&mut ifr as *mut libc::ifreq).cast()
            ),
            0
        );

        // Timestamps are recorded only once someone asked for them.
        let mut tv: libc::timeval = std::mem::zeroed();
        let first = ioctl(s, SIOCGSTAMP, (&mut tv as *mut libc::timeval).cast());
        assert_eq!(first, -libc::ENOENT, "no datagram yet");

        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_port = 7777u16.to_be();
        addr.sin_addr.s_addr = u32::from_be_bytes([127, 0, 0, 1]).to_be();
        let alen = std::mem::size_of::<libc::sockaddr_in>() as i32;
        let bind = e.sock_bind.unwrap();
        assert_eq!(bind(s, (&addr as *const libc::sockaddr_in).cast(), alen), 0);

        let mut payload = *b"virtual time";
        let mut iov = libc::iovec {
            iov_base: payload.as_mut_ptr().cast(),
            iov_len: payload.len(),
        };
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_name = (&mut addr as *mut libc::sockaddr_in).cast();
        msg.msg_namelen = alen as u32;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        let sent = e.sock_sendmsg.unwrap()(s, (&msg as *const libc::msghdr).cast(), 0);

        let mut buf = [0u8; 64];
        let mut riov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut rmsg: libc::msghdr = std::mem::zeroed();
        rmsg.msg_iov = &mut riov;
        rmsg.msg_iovlen = 1;
        let received = e.sock_recvmsg.unwrap()(
            s,
            (&mut rmsg as *mut libc::msghdr).cast(),
            libc::MSG_DONTWAIT,
        );
        let got = ioctl(s, SIOCGSTAMP, (&mut tv as *mut libc::timeval).cast());
        assert_eq!(got, 0, "SIOCGSTAMP after the datagram");
        assert_eq!(e.sock_close.unwrap()(s), 0);
        LoopbackStamp {
            sent,
            received,
            payload: buf[..received.max(0) as usize].to_vec(),
            stamp_secs: tv.tv_sec,
        }
    }
}

#[test]
fn the_kernel_clock_is_virtual_time() {
    let _g = lock();
    let host = boot(2, 1);
    let wall = std::time::Instant::now();
    host.run_until(SEC).expect("boot");
    let result = loopback_stamp_at_node(&host, NodeId(0), 1000 * SEC);
    host.run_until(1001 * SEC).expect("run");
    let r = result.borrow_mut().take().expect("the task ran");
    assert_eq!(r.sent, 12);
    assert_eq!(r.received, 12);
    assert_eq!(r.payload, b"virtual time");
    // The datagram was stamped by the kernel's clock at exactly 1000 s of
    // virtual time past the default epoch (2024-11-17, sysctl lkl.epoch),
    // in far less wall-clock time.
    assert_eq!(r.stamp_secs, EPOCH + 1000);
    assert!(wall.elapsed().as_secs() < 100);
    assert_booted(&host, NodeId(1));
}

/// The UDP port the kernel of node 0 picks for a socket bound to port 0,
/// at 1 s of virtual time, in a run seeded with `seed`.
fn ephemeral_port(seed: u64) -> u16 {
    let host = boot(1, seed);
    host.run_until(SEC / 2).expect("boot");
    let exported = host.exported(NodeId(0)).expect("node 0 initialized");
    let port = std::rc::Rc::new(std::cell::Cell::new(0u16));
    let out = port.clone();
    host.sim()
        .schedule(NodeId(0), SEC / 2, move |sim| {
            sim.atask_start(NodeId(0), 1 << 17, move |_| out.set(bound_port(&exported)))
                .expect("task");
        })
        .expect("schedule");
    host.run_until(2 * SEC).expect("run");
    port.get()
}

fn bound_port(e: &dce_abi::SimExported) -> u16 {
    // SAFETY: DCE-style calls into node 0's library from one of its tasks;
    // every pointer passed points to a live local of the right type and size.
    unsafe {
        let mut s: *mut dce_abi::SimSocket = std::ptr::null_mut();
        assert_eq!(
            e.sock_socket.unwrap()(libc::AF_INET, libc::SOCK_DGRAM, 0, &mut s),
            0
        );
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        let mut len = std::mem::size_of::<libc::sockaddr_in>() as i32;
        assert_eq!(
            e.sock_bind.unwrap()(s, (&addr as *const libc::sockaddr_in).cast(), len),
            0
        );
        assert_eq!(
            e.sock_getsockname.unwrap()(s, (&mut addr as *mut libc::sockaddr_in).cast(), &mut len),
            0,
            "getsockname returns 0, not a length"
        );
        assert_eq!(len as usize, std::mem::size_of::<libc::sockaddr_in>());
        assert_eq!(e.sock_close.unwrap()(s), 0);
        u16::from_be(addr.sin_port)
    }
}

#[test]
fn the_kernel_draws_its_randomness_from_the_seed() {
    let _g = lock();
    let a = ephemeral_port(1);
    let b = ephemeral_port(1);
    let c = ephemeral_port(2);
    assert_ne!(a, 0);
    // Same seed, same port; the kernel's own random numbers follow DCE's
    // random() stream, so another seed picks another port.
    assert_eq!(a, b);
    assert_ne!(a, c, "ports {a} and {c} for seeds 1 and 2");
}

/// What the task that exhausted node 0's kernel memory saw.
#[derive(Debug, Default)]
struct Exhaustion {
    sends: usize,
    last: isize,
}

/// Fill the kernel's memory: an AF_UNIX stream connection whose sender may
/// queue up to 1 GiB (SO_SNDBUFFORCE, we are root) while nobody reads.
/// Every queued byte is kernel memory; a node has 32 MiB of it.
fn exhaust_kernel_memory(e: &dce_abi::SimExported) -> Exhaustion {
    // SAFETY: DCE-style calls into node 0's library from one of its tasks;
    // every pointer passed points to a live local of the right type and size.
    unsafe {
        let mut addr: libc::sockaddr_un = std::mem::zeroed();
        addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
        let name = b"\0oom";
        for (d, s) in addr.sun_path.iter_mut().zip(name) {
            *d = *s as libc::c_char;
        }
        let alen = (std::mem::size_of::<libc::sa_family_t>() + name.len()) as i32;
        let mut l: *mut dce_abi::SimSocket = std::ptr::null_mut();
        let mut c: *mut dce_abi::SimSocket = std::ptr::null_mut();
        let mut a: *mut dce_abi::SimSocket = std::ptr::null_mut();
        assert_eq!(
            e.sock_socket.unwrap()(libc::AF_UNIX, libc::SOCK_STREAM, 0, &mut l),
            0
        );
        assert_eq!(
            e.sock_socket.unwrap()(libc::AF_UNIX, libc::SOCK_STREAM, 0, &mut c),
            0
        );
        let sa = (&addr as *const libc::sockaddr_un).cast();
        assert_eq!(e.sock_bind.unwrap()(l, sa, alen), 0);
        assert_eq!(e.sock_listen.unwrap()(l, 1), 0);
        assert_eq!(e.sock_connect.unwrap()(c, sa, alen, 0), 0);
        assert_eq!(e.sock_accept.unwrap()(l, &mut a, 0), 0);
        let big: libc::c_int = 1 << 30;
        assert_eq!(
            e.sock_setsockopt.unwrap()(
                c,
                libc::SOL_SOCKET,
                libc::SO_SNDBUFFORCE,
                (&big as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as i32
            ),
            0
        );
        let mut chunk = vec![0x5au8; 64 * 1024];
        let mut iov = libc::iovec {
            iov_base: chunk.as_mut_ptr().cast(),
            iov_len: chunk.len(),
        };
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        let mut out = Exhaustion::default();
        // 64 MiB, twice what the kernel has.
        while out.sends < 1024 {
            out.last = e.sock_sendmsg.unwrap()(
                c,
                (&msg as *const libc::msghdr).cast(),
                libc::MSG_DONTWAIT,
            );
            if out.last < 0 {
                break;
            }
            out.sends += 1;
        }
        out
    }
}

/// A task on `node` that blocks in `recvmsg` on a UDP socket nobody
/// sends to, and records what the call returned.
fn blocked_receiver(host: &Host, node: NodeId) -> std::rc::Rc<std::cell::Cell<Option<isize>>> {
    let e = host.exported(node).expect("node initialized");
    let out = std::rc::Rc::new(std::cell::Cell::new(None));
    let result = out.clone();
    host.sim()
        .schedule(node, 0, move |sim| {
            sim.atask_start(node, 1 << 17, move |_| {
                // SAFETY: DCE-style calls from one of the node's tasks, with
                // pointers to live locals of the right types and sizes.
                unsafe {
                    let mut s: *mut dce_abi::SimSocket = std::ptr::null_mut();
                    assert_eq!(
                        e.sock_socket.unwrap()(libc::AF_INET, libc::SOCK_DGRAM, 0, &mut s),
                        0
                    );
                    let mut buf = [0u8; 16];
                    let mut iov = libc::iovec {
                        iov_base: buf.as_mut_ptr().cast(),
                        iov_len: buf.len(),
                    };
                    let mut msg: libc::msghdr = std::mem::zeroed();
                    msg.msg_iov = &mut iov;
                    msg.msg_iovlen = 1;
                    let r = e.sock_recvmsg.unwrap()(s, (&mut msg as *mut libc::msghdr).cast(), 0);
                    result.set(Some(r));
                }
            })
            .expect("task");
        })
        .expect("schedule");
    out
}

#[test]
fn a_kernel_panic_stops_one_node_only() {
    let _g = lock();
    // The panic is expected: it must not stop the run.
    let host = Host::new(SimConfig {
        kernel_warnings_fatal: false,
        ..SimConfig::default()
    })
    .expect("host");
    for _ in 0..2 {
        host.load_node_library(&common::library()).expect("load");
    }
    host.run_until(SEC).expect("boot");
    let blocked = blocked_receiver(&host, NodeId(0));
    host.run_until(SEC + 1).expect("run");
    assert_eq!(blocked.get(), None, "recvmsg blocks");

    let e0 = host.exported(NodeId(0)).expect("node 0 initialized");
    let seen = std::rc::Rc::new(std::cell::RefCell::new(None));
    let out = seen.clone();
    host.sim()
        .schedule(NodeId(0), 0, move |sim| {
            sim.atask_start(NodeId(0), 1 << 17, move |_| {
                *out.borrow_mut() = Some(exhaust_kernel_memory(&e0));
            })
            .expect("task");
        })
        .expect("schedule");
    host.run_until(2 * SEC).expect("the simulation goes on");

    // The kernel ran out of memory with nothing to kill and panicked; the
    // host reported it through DCE's vprintf.
    let log = host.node_log(NodeId(0));
    assert!(log.contains("Kernel panic - not syncing"), "{log}");
    assert!(
        log.contains("lkl-dce: kernel panic: this node's kernel is stopped"),
        "{log}"
    );
    // The call that was running returned -ENODEV, and so did the one that
    // was blocked in the kernel.
    let seen = seen.borrow_mut().take().expect("the sender returned");
    assert!(seen.sends > 64, "{seen:?}: less than 4 MiB queued");
    assert_eq!(seen.last, -(libc::ENODEV as isize), "{seen:?}");
    assert_eq!(blocked.get(), Some(-(libc::ENODEV as isize)));
    // The node answers every later call with -ENODEV.
    let later = std::rc::Rc::new(std::cell::Cell::new(0));
    let out = later.clone();
    host.sim()
        .schedule(NodeId(0), 0, move |sim| {
            sim.atask_start(NodeId(0), 1 << 17, move |_| {
                let mut s: *mut dce_abi::SimSocket = std::ptr::null_mut();
                // SAFETY: a DCE-style call with a pointer to a live local.
                out.set(unsafe {
                    e0.sock_socket.unwrap()(libc::AF_INET, libc::SOCK_DGRAM, 0, &mut s)
                });
            })
            .expect("task");
        })
        .expect("schedule");
    // Node 1 is untouched: its kernel still stamps datagrams in virtual time.
    let stamp = loopback_stamp_at_node(&host, NodeId(1), 3 * SEC);
    host.run_until(4 * SEC).expect("run");
    assert_eq!(later.get(), -libc::ENODEV);
    let r = stamp.borrow_mut().take().expect("node 1's task ran");
    assert_eq!(r.received, 12);
    assert_eq!(r.stamp_secs, EPOCH + 3);
    assert_booted(&host, NodeId(1));
}

/// A kernel thread that never stops at one instant no longer freezes the
/// simulation.  With a `base_reachable_time` of 0, the neighbour table's
/// garbage collector queues itself again at once, for ever: a real kernel
/// burns a CPU on it, while time goes on; here time stood still and the
/// run never came back (found by dce-fuzz, seed 3, operation 42782).  Now
/// the CPU stalls (sysctl `lkl.cpu_stalls`), time moves on, and the other
/// node is not affected.
#[test]
fn a_spinning_kernel_thread_lets_time_go_on() {
    let _g = lock();
    let host = boot(2, 1);
    host.run_until(SEC).expect("boot");
    let set = host
        .sysctl_set(
            NodeId(0),
            ".net.ipv4.neigh.default.base_reachable_time_ms",
            "0",
        )
        .expect("task");
    // A watchdog: before the fix, run_until never returned.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let d = done.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(120));
        if !d.load(std::sync::atomic::Ordering::SeqCst) {
            eprintln!("the simulation hangs: a kernel thread spins in frozen time");
            std::process::exit(3);
        }
    });
    // The collector's timer is deferrable: it fires when the CPU wakes up
    // for something else, a datagram every second here.  It runs every
    // 15 to 45 s: by 40 s it has run with the new value and spins.
    for t in 1..40 {
        host.start_task(NodeId(0), t * SEC, |_, e| {
            let mut s: *mut dce_abi::SimSocket = std::ptr::null_mut();
            // SAFETY: DCE's calls, with a live out slot; results do not
            // matter (once the collector spins they wait for the CPU).
            unsafe {
                if e.sock_socket.unwrap()(libc::AF_INET, libc::SOCK_DGRAM, 0, &mut s) == 0 {
                    e.sock_close.unwrap()(s);
                }
            }
        })
        .expect("task");
    }
    host.run_until(40 * SEC).expect("run");
    assert_eq!(set.borrow_mut().take().expect("ran"), Ok(1));
    let stamp = loopback_stamp_at_node(&host, NodeId(1), 41 * SEC);
    let stalls = host.sysctl_get(NodeId(1), ".lkl.cpu_stalls").expect("task");
    host.run_until(42 * SEC).expect("run");
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let r = stamp.borrow_mut().take().expect("node 1's task ran");
    assert_eq!((r.received, r.stamp_secs), (12, EPOCH + 41));
    assert_eq!(
        stalls.borrow_mut().take().expect("ran").expect("get"),
        "0\n"
    );
}
