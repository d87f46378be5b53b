//! Helpers shared by the tests that run the real kernel library
//! (`out/lib/liblkl.so`, built by `make ARCH=lkl`).

#![allow(dead_code)] // each test crate uses a different subset

use dce_sim::abi::observe::Recorder;
use dce_sim::abi::Host;
use dce_sim::apps::ping;
use dce_sim::apps::rtnl::Rtnl;
use dce_sim::apps::sock::Errno;
use dce_sim::link::PointToPointConfig;
use dce_sim::net::{DeviceConfig, DeviceId};
use dce_sim::{NodeId, Sim, SimConfig};
use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Mutex, MutexGuard};

pub const MS: u64 = 1_000_000;
pub const SEC: u64 = 1_000_000_000;

/// One `Host` per process at a time: tests take this lock.
static HOST_LOCK: Mutex<()> = Mutex::new(());

pub fn lock() -> MutexGuard<'static, ()> {
    HOST_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The kernel library: `LKL_DCE_LIB`, or the one `make ARCH=lkl` built.
pub fn library() -> PathBuf {
    let path = std::env::var_os("LKL_DCE_LIB").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../out/lib/liblkl.so"),
        PathBuf::from,
    );
    assert!(
        path.is_file(),
        "{} is missing: run `make ARCH=lkl` first",
        path.display()
    );
    path
}

/// A host with `nodes` nodes running the library, seeded with `seed`.
pub fn boot(nodes: u32, seed: u64) -> Pin<Box<Host>> {
    let host = Host::new(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .expect("host");
    let lib = library();
    for i in 0..nodes {
        assert_eq!(host.load_node_library(&lib).expect("load"), NodeId(i));
    }
    host
}

/// Installs a [`Recorder`] on `host`: every frame and poll event from now.
pub fn record(host: &Host) -> std::rc::Rc<Recorder> {
    let rec = std::rc::Rc::new(Recorder::default());
    host.observe(rec.clone());
    rec
}

/// Runs the simulation to `t`; on a hard error, shows every node's log.
pub fn run(host: &Host, t: u64) {
    if let Err(e) = host.run_until(t) {
        for i in 0..host.sim().node_count() {
            eprintln!("--- node {i}:\n{}", host.node_log(NodeId(i as u32)));
        }
        panic!("simulation failed: {e}");
    }
}

pub fn mac(node: u32, index: u32) -> [u8; 6] {
    [0x02, 0, 0, 0, node as u8 + 1, index as u8 + 1]
}

/// Pings `dst` `count` times from a task of `node` (one request a second,
/// 5 s timeout), `delay` ns from now.
pub fn ping_task(
    host: &Host,
    node: NodeId,
    delay: u64,
    dst: impl Into<IpAddr>,
    count: u32,
) -> Rc<RefCell<Option<Result<ping::PingReport, Errno>>>> {
    let dst = dst.into();
    run_task(host, node, delay, move |sim, e| {
        ping::ping(&e, dst, count, SEC, 5 * SEC, || sim.now())
    })
}

/// [`Host::start_task`], for tests: panics if it cannot be queued.
pub fn run_task<T: 'static>(
    host: &Host,
    node: NodeId,
    delay: u64,
    f: impl FnOnce(&Sim, dce_abi::SimExported) -> T + 'static,
) -> Rc<RefCell<Option<T>>> {
    host.start_task(node, delay, f).expect("task")
}

/// `ip addr add addr/len dev simN`, `ip link set simN up arp {on,off}` and
/// `ip link set lo up`, as DCE's Ipv4Linux and LinuxStackHelper run them;
/// for an IPv4 address also `ip link set simN addrgenmode none` first, so
/// that IPv6 stays silent on the link (no router solicitations queueing up
/// before a ping).
pub fn configure(host: &Host, dev: DeviceId, addr: IpAddr, len: u8, arp: bool) {
    let name = format!("sim{}", dev.index);
    let done = run_task(host, dev.node, 0, move |_, e| {
        let mut rt = Rtnl::open(&e).expect("rtnl");
        let ifindex = rt.link_index(&name).expect("ifindex");
        if addr.is_ipv4() {
            rt.link_set_addrgenmode(ifindex, 1)
                .expect("addrgenmode none");
        }
        rt.addr_add(ifindex, addr, len).expect("addr add");
        rt.link_set(ifindex, true, Some(arp)).expect("link up");
        // As LinkStackHelper::PopulateRoutingTables does: `ip link set lo up`.
        rt.link_set(1, true, None).expect("lo up");
    });
    run(host, host.sim().now() + 1);
    assert!(done.borrow().is_some(), "configuration of {dev:?} blocked");
}

/// Two nodes joined by a point-to-point link with `cfg`, addressed
/// 10.1.1.1/24 and 10.1.1.2/24.
pub fn two_nodes(cfg: PointToPointConfig) -> (Pin<Box<Host>>, DeviceId, DeviceId) {
    two_nodes_with(cfg, None)
}

/// [`two_nodes`], writing pcap files to `pcap` when given.
pub fn two_nodes_with(
    cfg: PointToPointConfig,
    pcap: Option<&std::path::Path>,
) -> (Pin<Box<Host>>, DeviceId, DeviceId) {
    let host = boot(2, 1);
    if let Some(dir) = pcap {
        host.enable_pcap(dir, "p2p").expect("pcap");
    }
    let a = host
        .add_device(NodeId(0), DeviceConfig::point_to_point(mac(0, 0)))
        .expect("device");
    let b = host
        .add_device(NodeId(1), DeviceConfig::point_to_point(mac(1, 0)))
        .expect("device");
    host.connect_p2p(a, b, cfg).expect("link");
    run(&host, MS);
    configure(&host, a, IpAddr::V4(Ipv4Addr::new(10, 1, 1, 1)), 24, false);
    configure(&host, b, IpAddr::V4(Ipv4Addr::new(10, 1, 1, 2)), 24, false);
    (host, a, b)
}

/// IPV4_DEVCONF_FORWARDING
pub const FORWARDING: u16 = 1;

/// A chain of `n` nodes: node i's sim0 faces node i-1, its sim1 node i+1;
/// link i (between nodes i and i+1) is 10.0.i.0/24, node i is .1 on its
/// right link and node i+1 is .2; static routes everywhere, forwarding on
/// in the middle nodes.
pub fn chain(n: u32, cfg: PointToPointConfig) -> Pin<Box<Host>> {
    let host = boot(n, 1);
    let mut right = Vec::new();
    let mut left = Vec::new();
    for i in 0..n {
        let node = NodeId(i);
        // sim0 faces left except on node 0, where it faces right.
        if i > 0 {
            left.push(
                host.add_device(node, DeviceConfig::point_to_point(mac(i, 0)))
                    .expect("dev"),
            );
        }
        if i + 1 < n {
            let idx = if i > 0 { 1 } else { 0 };
            right.push(
                host.add_device(node, DeviceConfig::point_to_point(mac(i, idx)))
                    .expect("dev"),
            );
        }
    }
    for i in 0..(n - 1) as usize {
        host.connect_p2p(right[i], left[i], cfg).expect("link");
    }
    run(&host, MS);
    for i in 0..(n - 1) as usize {
        let l = i as u8;
        configure(
            &host,
            right[i],
            IpAddr::V4(Ipv4Addr::new(10, 0, l, 1)),
            24,
            false,
        );
        configure(
            &host,
            left[i],
            IpAddr::V4(Ipv4Addr::new(10, 0, l, 2)),
            24,
            false,
        );
    }
    for i in 0..n {
        let done = run_task(&host, NodeId(i), 0, move |_, e| {
            let mut rt = Rtnl::open(&e).expect("rtnl");
            let names: Vec<String> = (0..2).map(|k| format!("sim{k}")).collect();
            if i > 0 && i + 1 < n {
                for name in &names {
                    let idx = rt.link_index(name).expect("ifindex");
                    rt.link_set_ipv4_conf(idx, FORWARDING, 1)
                        .expect("forwarding");
                }
            }
            for l in 0..n - 1 {
                // Links not attached to node i: via the neighbour on that side.
                if l + 1 == i || l == i {
                    continue;
                }
                let via = if l > i {
                    Ipv4Addr::new(10, 0, i as u8, 2)
                } else {
                    Ipv4Addr::new(10, 0, (i - 1) as u8, 1)
                };
                rt.route_add(
                    IpAddr::V4(Ipv4Addr::new(10, 0, l as u8, 0)),
                    24,
                    Some(IpAddr::V4(via)),
                    None,
                )
                .expect("route");
            }
        });
        run(&host, host.sim().now() + 1);
        assert!(done.borrow().is_some(), "routes of node {i}");
    }
    host
}

/// A fresh directory under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// `tshark -r file [opts] -T fields -e field...`, one Vec per frame; None
/// when tshark is missing and DCE_SIM_REQUIRE_TSHARK is unset.
pub fn tshark(file: &std::path::Path, opts: &[&str], fields: &[&str]) -> Option<Vec<Vec<String>>> {
    let mut cmd = std::process::Command::new("tshark");
    cmd.arg("-r").arg(file).args(opts).args(["-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    match cmd.output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "tshark: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .map(|l| l.split('\t').map(str::to_string).collect())
                    .collect(),
            )
        }
        Err(e) if std::env::var_os("DCE_SIM_REQUIRE_TSHARK").is_none() => {
            println!("skipped: tshark not runnable ({e})");
            None
        }
        Err(e) => panic!("tshark is required (DCE_SIM_REQUIRE_TSHARK): {e}"),
    }
}

/// No node logged a kernel warning or bug.
pub fn assert_clean_logs(host: &Host) {
    for i in 0..host.sim().node_count() {
        let log = host.node_log(NodeId(i as u32));
        if let Some(l) = lkl_sys::log::first_alarm(log.as_bytes()) {
            panic!("node {i} logged {}:\n{log}", String::from_utf8_lossy(l));
        }
    }
}
