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
    let result = host.run_until(until_ns);
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
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dce-sim: hard error: {e}");
            ExitCode::FAILURE
        }
    }
}
