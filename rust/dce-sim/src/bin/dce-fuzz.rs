//! `dce-fuzz`: drives a DCE kernel library with random operations from
//! the contexts ns-3-dce uses (`dce_sim::fuzz`,
//! `Documentation/dce/fuzzing.rst`).
//!
//! Exit status: 0 when every run was clean, 1 when one failed (the
//! message says how to replay it), 2 for bad arguments, 3 when the
//! watchdog saw a run make no progress.

use clap::Parser;
use dce_sim::fuzz::{self, FuzzConfig, Progress};
use std::ops::Range;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Fuzz the DCE ABI of a kernel library (e.g. out/lib/liblkl.so).
#[derive(Parser, Debug)]
#[command(name = "dce-fuzz", version)]
struct Args {
    /// The kernel library (a shared object exporting `sim_init`).
    library: PathBuf,
    /// The first seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How many seeds, from `--seed` on, each run in a fresh simulation.
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// Operations of each run, as `START..END` (replays that part of the
    /// seed's run) or a count from 0.
    #[arg(long, default_value = "10000", value_parser = parse_range)]
    ops: Range<u64>,
    /// Wall seconds without progress before the watchdog ends the process.
    #[arg(long, default_value_t = 60)]
    hang_secs: u64,
    /// On a failure, look for the shortest run that ends with the failing
    /// operation and still fails.
    #[arg(long)]
    shrink: bool,
    /// Print each operation to stderr as it starts.
    #[arg(long)]
    trace: bool,
}

fn parse_range(s: &str) -> Result<Range<u64>, String> {
    let num = |t: &str| {
        t.trim()
            .replace('_', "")
            .parse::<u64>()
            .map_err(|e| format!("{t:?}: {e}"))
    };
    match s.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (num(a)?, num(b)?);
            if a >= b {
                return Err(format!("{s}: the range is empty"));
            }
            Ok(a..b)
        }
        None => Ok(0..num(s)?),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let progress = Arc::new(Progress::default());
    fuzz::watchdog(
        progress.clone(),
        Duration::from_secs(args.hang_secs),
        args.seed,
    );
    let start = Instant::now();
    let mut calls = 0;
    for seed in args.seed..args.seed + args.seeds {
        let cfg = FuzzConfig {
            library: args.library.clone(),
            seed,
            ops: args.ops.clone(),
            trace: args.trace,
        };
        match fuzz::run(&cfg, &progress) {
            Ok(report) => {
                calls += report.calls;
                print!("{report}");
            }
            Err(failure) => {
                eprintln!("dce-fuzz: {failure}");
                if let (true, Some(op)) = (args.shrink, failure.op) {
                    shrink(&cfg, op, &progress);
                }
                return ExitCode::from(1);
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "dce-fuzz: {} seeds, {calls} calls in {secs:.1} s ({:.0} calls/s), all clean",
        args.seeds,
        calls as f64 / secs
    );
    ExitCode::SUCCESS
}

/// Looks for the latest start from which `start..=op` still fails: back
/// from `op` in doubling steps, then by bisection (failures need not be
/// monotonic in the start; this finds one short range, not the shortest).
fn shrink(cfg: &FuzzConfig, op: u64, progress: &Progress) {
    let fails = |start: u64| {
        let c = FuzzConfig {
            ops: start..op + 1,
            ..cfg.clone()
        };
        fuzz::run(&c, progress).is_err()
    };
    // `fail_at` fails (the whole run did), `pass_at` passes (or is empty).
    let mut fail_at = cfg.ops.start;
    let mut pass_at = op + 1;
    let mut len = 1;
    loop {
        let start = (op + 1).saturating_sub(len).max(cfg.ops.start);
        if start <= fail_at {
            break;
        }
        if fails(start) {
            fail_at = start;
            break;
        }
        pass_at = start;
        len *= 2;
    }
    while pass_at - fail_at > 1 {
        let mid = fail_at + (pass_at - fail_at) / 2;
        if fails(mid) {
            fail_at = mid;
        } else {
            pass_at = mid;
        }
    }
    eprintln!(
        "dce-fuzz: a short failing run: --seed {} --ops {fail_at}..{}",
        cfg.seed,
        op + 1
    );
}
