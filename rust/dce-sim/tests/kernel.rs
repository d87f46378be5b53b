//! The real kernel library (`out/lib/liblkl.so`, built by `make ARCH=lkl`)
//! booted on simulated nodes, the way ns-3-dce runs it.

use dce_sim::abi::Host;
use dce_sim::{NodeId, SimConfig};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};

const SEC: u64 = 1_000_000_000;

/// One `Host` per process at a time: tests take this lock.
static HOST_LOCK: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    HOST_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn library() -> PathBuf {
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

fn boot(nodes: u32, seed: u64) -> Pin<Box<Host>> {
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

fn assert_booted(host: &Host, node: NodeId) {
    let log = host.node_log(node);
    assert!(host.node_initialized(node), "node {node:?}:\n{log}");
    assert!(log.contains("Linux version 6.12"), "node {node:?}:\n{log}");
    assert!(log.contains("Run /init as init process"), "{log}");
    for bad in ["BUG:", "WARNING:", "Oops", "Kernel panic"] {
        assert!(!log.contains(bad), "node {node:?} logged {bad}:\n{log}");
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
    // A ticking idle kernel (HZ=100) would take 99,000 events here.
    assert!(
        at_1000s - at_10s < 1000,
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
