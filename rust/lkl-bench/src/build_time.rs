//! The build: how long the last full kernel build took (the Makefile's
//! `kernel` target writes `out/.full-build-seconds` after one), and a
//! no-op rebuild, `make ARCH=lkl kernel` with nothing to do, timed here.

use crate::Args;
use std::process::{Command, Stdio};
use std::time::Instant;

/// The build table.
pub fn table(args: &Args) -> Result<(), String> {
    println!("| build | value |");
    println!("|---|---|");
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    match std::fs::read_to_string(args.top.join("out/.full-build-seconds")) {
        Ok(s) => println!(
            "| kernel full build (last one, {cpus} CPUs) | {} s |",
            s.trim()
        ),
        Err(_) => {
            println!("| kernel full build | not measured (build started from an existing tree) |")
        }
    }
    if args.no_rebuild {
        println!("| kernel no-op rebuild | not measured (--no-rebuild) |");
        return Ok(());
    }
    let start = Instant::now();
    let status = Command::new("make")
        .args(["-s", "-C"])
        .arg(&args.top)
        .args(["ARCH=lkl", "kernel"])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("make: {e}"))?;
    if !status.success() {
        return Err(format!("make ARCH=lkl kernel: {status}"));
    }
    println!(
        "| kernel no-op rebuild | {:.1} s |",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
