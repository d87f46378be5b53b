//! `dce-sim`: boots N nodes on a kernel library, loaded the way ns-3-dce
//! does (one copy, its writable segment swapped per node), and runs them
//! to a virtual time; or runs a scenario file (`--scenario`, see
//! `dce_sim::scenario`) and prints its report.
//!
//! Exit codes: 0 on success, 1 when the simulation fails (a hard error, a
//! library that cannot be loaded, a node that cannot be configured), 2 for
//! bad arguments or a bad scenario file (with a one-line message on
//! stderr).

use clap::{Parser, ValueEnum};
use dce_sim::abi::loader::LoaderMode;
use dce_sim::abi::Host;
use dce_sim::scenario::{self, Scenario};
use dce_sim::{NodeId, SimConfig};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Run a DCE kernel library (e.g. out/lib/liblkl.so) on simulated nodes:
/// N bare nodes (--nodes), or the network and programs of a scenario file
/// (--scenario).
#[derive(Debug, Parser)]
#[command(name = "dce-sim", version)]
struct Args {
    /// The kernel library (a shared object exporting `sim_init`).
    #[arg(long)]
    library: PathBuf,
    /// Number of bare nodes to boot [default: 1].
    #[arg(long, conflicts_with = "scenario")]
    nodes: Option<u32>,
    /// A scenario file (TOML: nodes, links, applications) to run; prints
    /// its report.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Virtual time to run to: seconds ("1.5") or a duration ("150ms",
    /// "20s").  Required without --scenario; with one it replaces the
    /// file's `duration`.
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Seed of the random streams [default: 1, or the scenario's `seed`].
    #[arg(long)]
    seed: Option<u64>,
    /// Write each node's log to DIR/node-<i>.log (--nodes) or
    /// DIR/<name>.log (--scenario).
    #[arg(long, value_name = "DIR")]
    log_dir: Option<PathBuf>,
    /// Write one pcap file per device to DIR (replaces the scenario's
    /// `pcap`).
    #[arg(long, value_name = "DIR", requires = "scenario")]
    pcap: Option<PathBuf>,
    /// Number of trailing log lines to print per node (--nodes).
    #[arg(long, default_value_t = 5)]
    tail: usize,
    /// Also print wall-clock and memory figures (not deterministic) and
    /// what the loader copied
    #[arg(long)]
    stats: bool,
    /// How the library is loaded: `cooja` (one copy, its writable segment
    /// swapped per node, as ns-3-dce 1.12 does) or `copies` (one copy per
    /// node, nothing swapped)
    #[arg(long, value_enum, default_value_t = Loader::Cooja)]
    loader: Loader,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Loader {
    Cooja,
    Copies,
}

impl From<Loader> for LoaderMode {
    fn from(l: Loader) -> Self {
        match l {
            Loader::Cooja => LoaderMode::Cooja,
            Loader::Copies => LoaderMode::Copies,
        }
    }
}

/// One line per node: what the loader swapped.
fn print_swaps(host: &Host, nodes: usize) {
    println!(
        "loader: {:?}, {} bytes swapped per switch",
        host.loader_mode(),
        host.swapped_segment_bytes()
    );
    for i in 0..nodes {
        let s = host.swap_stats(NodeId(i as u32));
        println!(
            "  node {i}: {} swaps in, {} bytes copied",
            s.swaps_in, s.bytes_copied
        );
    }
}

/// `--until`: seconds as a number, or a duration with a unit.
fn parse_until(s: &str) -> Result<u64, String> {
    if let Ok(secs) = s.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Ok((secs * 1e9).round() as u64);
        }
        return Err("--until must be a non-negative number of seconds".into());
    }
    scenario::parse_duration(s).map_err(|e| format!("--until: {e}"))
}

fn write_log(dir: &Path, file: &str, log: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let p = dir.join(file);
    std::fs::write(&p, log.as_bytes()).map_err(|e| format!("{}: {e}", p.display()))
}

/// `--scenario FILE`: load, run, print the report.
fn run_scenario(args: &Args, file: &Path) -> ExitCode {
    let mut sc = match Scenario::from_file(file) {
        Ok(sc) => sc,
        Err(e) => {
            eprintln!("dce-sim: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(u) = &args.until {
        match parse_until(u) {
            Ok(ns) => sc.duration_ns = ns,
            Err(e) => {
                eprintln!("dce-sim: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(seed) = args.seed {
        sc.seed = seed;
    }
    if let Some(dir) = &args.pcap {
        sc.pcap = Some(dir.clone());
    }
    let wall = std::time::Instant::now();
    let host = match scenario::boot_with(&args.library, &sc, args.loader.into()) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("dce-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = scenario::run_on(&host, &sc);
    let run_wall = wall.elapsed();
    let mut code = ExitCode::SUCCESS;
    match &result {
        Ok(report) => print!("{report}"),
        Err(e) => {
            eprintln!("dce-sim: {e}");
            code = ExitCode::FAILURE;
        }
    }
    if let Some(dir) = &args.log_dir {
        for (i, n) in sc.nodes.iter().enumerate() {
            let log = host.node_log(NodeId(i as u32));
            if let Err(e) = write_log(dir, &format!("{}.log", n.name), &log) {
                eprintln!("dce-sim: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if args.stats {
        println!(
            "stats: {} nodes, {:.1} ms wall, peak RSS {} KiB",
            sc.nodes.len(),
            run_wall.as_secs_f64() * 1e3,
            peak_rss_kib().unwrap_or(0)
        );
        print_swaps(&host, sc.nodes.len());
    }
    code
}

/// Peak resident set size of this process in KiB (VmHWM), if readable.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(file) = &args.scenario {
        return run_scenario(&args, file);
    }
    let Some(until) = &args.until else {
        eprintln!("dce-sim: --until is required without --scenario");
        return ExitCode::from(2);
    };
    let until_ns = match parse_until(until) {
        Ok(ns) => ns,
        Err(e) => {
            eprintln!("dce-sim: {e}");
            return ExitCode::from(2);
        }
    };
    let nodes = args.nodes.unwrap_or(1);
    let host = match Host::with_loader(
        SimConfig {
            seed: args.seed.unwrap_or(1),
            ..SimConfig::default()
        },
        args.loader.into(),
    ) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("dce-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    for _ in 0..nodes {
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
    for i in 0..nodes {
        let node = NodeId(i);
        let log = host.node_log(node);
        let events = host.sim().events_processed(node).unwrap_or(0);
        println!(
            "node {i}: {events} events, initialized: {}",
            host.node_initialized(node),
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
        let per = f64::from(nodes.max(1));
        println!(
            "stats: boot of {} nodes {:.1} ms wall ({:.2} ms per node), run {:.1} ms wall, \
             peak RSS {} KiB ({:.0} KiB per node)",
            nodes,
            boot_wall.as_secs_f64() * 1e3,
            boot_wall.as_secs_f64() * 1e3 / per,
            total_wall.as_secs_f64() * 1e3,
            peak_rss_kib().unwrap_or(0),
            peak_rss_kib().unwrap_or(0) as f64 / per
        );
        print_swaps(&host, nodes as usize);
    }
    if result.is_ok() {
        result = host.teardown();
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dce-sim: hard error: {e}");
            ExitCode::FAILURE
        }
    }
}
