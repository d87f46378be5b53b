//! Many nodes under ns-3-dce's own loader (one copy of the library, its
//! writable segment swapped per node), next to separate copies per node
//! (nothing swapped) in the same run:
//!
//! * a chain like ns-3-dce's `dce-udp-perf`: 50 nodes, 10 s of 5 Mbit/s
//!   of 1448-byte datagrams from one end to the other (49 hops);
//! * a 10 MB TCP transfer between two nodes over 100 Mbit/s;
//!
//! with wall time, swaps, bytes copied and wall microseconds per
//! packet-hop.  The scenarios are generated as scenario files and run by
//! `dce_sim::scenario`.  Wall-clock figures are not deterministic;
//! everything else is.

use crate::Args;
use dce_sim::abi::loader::LoaderMode;
use dce_sim::abi::Host;
use dce_sim::scenario::{self, AppResult, Scenario};
use dce_sim::{NodeId, SimConfig};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// A chain of `n` nodes, `n0` to `n<n-1>`, 100 Mbit/s and 1 ms per link,
/// with `udp` a paced UDP flow from `n0` to the last node for `secs`
/// seconds: `rate` bits of 1448-byte datagrams per second.
fn chain_toml(n: usize, rate: u64, secs: u64) -> String {
    let mut t = String::new();
    let count = rate * secs / (1448 * 8);
    let _ = writeln!(t, "duration = \"{}s\"", secs + 3);
    for i in 0..n {
        let _ = writeln!(t, "[[node]]\nname = \"n{i}\"");
        if i > 0 && i + 1 < n {
            let _ = writeln!(t, "forwarding = true");
        }
        if i + 2 < n {
            let _ = writeln!(
                t,
                "routes = [{{ to = \"10.{}.{}.0/24\", via = \"10.{}.{}.2\" }}]",
                (n - 2) / 256,
                (n - 2) % 256,
                i / 256,
                i % 256
            );
        }
    }
    for i in 0..n - 1 {
        let _ = writeln!(
            t,
            "[[link]]\nkind = \"p2p\"\nends = [\"n{i}\", \"n{}\"]\ndelay = \"1ms\"\n\
             rate = \"100Mbps\"\naddresses = [\"10.{a}.{b}.1/24\", \"10.{a}.{b}.2/24\"]",
            i + 1,
            a = i / 256,
            b = i % 256
        );
    }
    let last = n - 1;
    let _ = writeln!(
        t,
        "[[app]]\nnode = \"n{last}\"\nkind = \"udp-sink\"\nport = 9000\ncount = {count}"
    );
    let _ = writeln!(
        t,
        "[[app]]\nnode = \"n0\"\nat = \"1s\"\nkind = \"udp-send\"\ndst = \"10.{}.{}.2:9000\"\n\
         count = {count}\nsize = 1448\nrate = \"{rate}bps\"",
        (n - 2) / 256,
        (n - 2) % 256
    );
    t
}

/// Two nodes, 100 Mbit/s and 1 ms, `bytes` over TCP.
fn tcp_pair_toml(bytes: u64) -> String {
    format!(
        "duration = \"10s\"\n[[node]]\nname = \"a\"\n[[node]]\nname = \"b\"\n\
         [[link]]\nkind = \"p2p\"\nends = [\"a\", \"b\"]\ndelay = \"1ms\"\nrate = \"100Mbps\"\n\
         addresses = [\"10.1.1.1/24\", \"10.1.1.2/24\"]\n\
         [[app]]\nnode = \"b\"\nkind = \"tcp-sink\"\nport = 5001\n\
         [[app]]\nnode = \"a\"\nat = \"1s\"\nkind = \"tcp-send\"\ndst = \"10.1.1.2:5001\"\nbytes = {bytes}\n"
    )
}

/// What one run of a scenario under a loader mode cost.
struct LoaderRun {
    wall_s: f64,
    /// Bytes (TCP) or datagrams (UDP) that arrived at the sink.
    delivered: u64,
    swaps: u64,
    copied: u64,
    /// The fewest and the most swaps of one node.
    per_node: (u64, u64),
}

fn loader_run(
    lib: &Path,
    toml: &str,
    mode: LoaderMode,
    datagrams: bool,
) -> Result<LoaderRun, String> {
    let sc = Scenario::parse(toml).map_err(|e| format!("bad generated scenario: {e}"))?;
    let host = scenario::boot_with(lib, &sc, mode).map_err(|e| e.to_string())?;
    let wall = Instant::now();
    let report = scenario::run_on(&host, &sc).map_err(|e| e.to_string())?;
    let wall_s = wall.elapsed().as_secs_f64();
    let delivered = report
        .apps
        .iter()
        .find_map(|a| match &a.result {
            AppResult::Sink(r) => Some(if datagrams { r.chunks } else { r.bytes }),
            _ => None,
        })
        .unwrap_or(0);
    let (mut swaps, mut copied, mut per_node) = (0, 0, (u64::MAX, 0));
    for i in 0..sc.nodes.len() {
        let st = host.swap_stats(NodeId(i as u32));
        swaps += st.swaps_in;
        copied += st.bytes_copied;
        per_node = (per_node.0.min(st.swaps_in), per_node.1.max(st.swaps_in));
    }
    Ok(LoaderRun {
        wall_s,
        delivered,
        swaps,
        copied,
        per_node,
    })
}

/// The wall times of a scenario under both loaders, and their ratio.
fn wall_row(cooja: &LoaderRun, copies: &LoaderRun) {
    println!(
        "| the same, wall time | {:.2} s | {:.2} s | {:.2} |",
        cooja.wall_s,
        copies.wall_s,
        cooja.wall_s / copies.wall_s
    );
}

/// The table of many nodes under DCE's loader, next to separate copies.
pub fn table(args: &Args) -> Result<(), String> {
    let lib = &args.library();
    let chain_nodes = args.chain_nodes as usize;
    let hops = (chain_nodes - 1) as u64;
    let chain = chain_toml(chain_nodes, 5_000_000, 10);
    let tcp = tcp_pair_toml(10_000_000);
    let runs = [
        (
            loader_run(lib, &chain, LoaderMode::Cooja, true)?,
            loader_run(lib, &chain, LoaderMode::Copies, true)?,
        ),
        (
            loader_run(lib, &tcp, LoaderMode::Cooja, false)?,
            loader_run(lib, &tcp, LoaderMode::Copies, false)?,
        ),
    ];
    let probe = Host::new(SimConfig::default()).map_err(|e| e.to_string())?;
    probe.load_node_library(lib).map_err(|e| e.to_string())?;
    let seg = probe.swapped_segment_bytes();
    drop(probe);
    println!(
        "| many nodes, DCE's loader (one copy, {seg}-byte segment swapped) vs a copy per node | DCE's loader | copies | ratio |"
    );
    println!("|---|---|---|---|");
    let (c, p) = &runs[0];
    println!(
        "| {chain_nodes}-node UDP chain (dce-udp-perf: 10 s of 5 Mbit/s, 1448 B, {hops} hops), datagrams delivered | {} | {} | - |",
        c.delivered, p.delivered
    );
    wall_row(c, p);
    let hop = |r: &LoaderRun| r.wall_s * 1e6 / (r.delivered * hops).max(1) as f64;
    println!(
        "| the same, wall us per packet-hop | {:.1} | {:.1} | {:.2} |",
        hop(c),
        hop(p),
        hop(c) / hop(p)
    );
    println!(
        "| the same, segment swaps (all nodes) / bytes copied | {} / {} MB | 0 / 0 | - |",
        c.swaps,
        c.copied / 1_000_000
    );
    println!(
        "| the same, segment swaps of one node (fewest - most) | {} - {} | 0 | - |",
        c.per_node.0, c.per_node.1
    );
    let (c, p) = &runs[1];
    println!(
        "| 2-node TCP, 10 MB over 100 Mbit/s: bytes delivered | {} | {} | - |",
        c.delivered, p.delivered
    );
    wall_row(c, p);
    println!(
        "| the same, segment swaps (per node: {} and {}) / bytes copied | {} / {} MB | 0 / 0 | - |",
        c.per_node.0,
        c.per_node.1,
        c.swaps,
        c.copied / 1_000_000
    );
    Ok(())
}
