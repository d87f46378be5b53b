//! `dce-sim`: boots N nodes, each with its own copy of a kernel library,
//! the way ns-3-dce does, and runs them to a virtual time.

use clap::Parser;
use dce_sim::abi::Host;
use dce_sim::{NodeId, SimConfig};
use std::path::PathBuf;
use std::process::ExitCode;

/// Run a DCE kernel library (e.g. out/lib/liblkl.so) on simulated nodes.
#[derive(Debug, Parser)]
#[command(name = "dce-sim", version)]
struct Args {
    /// The kernel library (a shared object exporting `sim_init`).
    #[arg(long)]
    library: PathBuf,
    /// Number of nodes.
    #[arg(long, default_value_t = 1)]
    nodes: u32,
    /// Virtual time to run to, in seconds (fractions allowed).
    #[arg(long)]
    until: f64,
    /// Seed of the nodes' random streams.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write each node's log to DIR/node-<i>.log.
    #[arg(long)]
    log_dir: Option<PathBuf>,
    /// Number of trailing log lines to print per node.
    #[arg(long, default_value_t = 5)]
    tail: usize,
    /// Also print wall-clock and memory figures (not deterministic)
    #[arg(long)]
    stats: bool,
}

/// Peak resident set size of this process in KiB (VmHWM), if readable.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !(args.until.is_finite() && args.until >= 0.0) {
        eprintln!("dce-sim: --until must be a non-negative number of seconds");
        return ExitCode::from(2);
    }
    let until_ns = (args.until * 1e9).round() as u64;
    let host = match Host::new(SimConfig {
        seed: args.seed,
        ..SimConfig::default()
    }) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("dce-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    for _ in 0..args.nodes {
        if let Err(e) = host.load_node_library(&args.library) {
            eprintln!("dce-sim: {e}");
            return ExitCode::FAILURE;
        }
    }
    // Every node boots at t=0: running the events of t=0 is the boot.
    let wall = std::time::Instant::now();
    let mut result = host.run_until(0);
    let boot_wall = wall.elapsed();
    if result.is_ok() {
        result = host.run_until(until_ns);
    }
    let total_wall = wall.elapsed();
    println!(
        "virtual time {} ns, {} events",
        host.sim().now(),
        host.sim().events_processed_total()
    );
    if let Some(dir) = &args.log_dir {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("dce-sim: {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    }
    for i in 0..args.nodes {
        let node = NodeId(i);
        let log = host.node_log(node);
        let events = host.sim().events_processed(node).unwrap_or(0);
        println!(
            "node {i}: {events} events, initialized: {}, {} frames sent",
            host.node_initialized(node),
            host.frames(node).len()
        );
        let lines: Vec<&str> = log.lines().collect();
        for l in &lines[lines.len().saturating_sub(args.tail)..] {
            println!("  | {l}");
        }
        if let Some(dir) = &args.log_dir {
            let p = dir.join(format!("node-{i}.log"));
            if let Err(e) = std::fs::write(&p, log.as_bytes()) {
                eprintln!("dce-sim: {}: {e}", p.display());
                return ExitCode::FAILURE;
            }
        }
    }
    if args.stats {
        let nodes = f64::from(args.nodes.max(1));
        println!(
            "stats: boot of {} nodes {:.1} ms wall ({:.2} ms per node), run {:.1} ms wall, \
             peak RSS {} KiB ({:.0} KiB per node)",
            args.nodes,
            boot_wall.as_secs_f64() * 1e3,
            boot_wall.as_secs_f64() * 1e3 / nodes,
            total_wall.as_secs_f64() * 1e3,
            peak_rss_kib().unwrap_or(0),
            peak_rss_kib().unwrap_or(0) as f64 / nodes
        );
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dce-sim: hard error: {e}");
            ExitCode::FAILURE
        }
    }
}
