//! lkl-bench: the benchmark table of `make bench`, from real runs, as
//! Markdown tables:
//!
//! * `lkl`: `lkl.o` under the POSIX host next to the host kernel (boot
//!   time, `getpid` latency, memory, TCP over loopback, size;
//!   [`kernel`]);
//! * `dce-sim`: `liblkl.so` under dce-sim (boot time and memory per node
//!   for 1 to 1000 nodes, long idle runs, the segment ns-3-dce swaps and
//!   its largest objects, the events of an idle node; [`sim`]);
//! * `traffic`: UDP and TCP between two simulated kernels next to the
//!   host kernel's loopback, and DCE's sysctl walk ([`traffic`]);
//! * `loader`: many nodes under DCE's loader next to a copy of the library
//!   per node ([`loader`]);
//! * `build`: the last full kernel build and a no-op rebuild
//!   ([`build_time`]);
//! * `fidelity`: the same two-node cases in dce-sim and on the host kernel
//!   in network namespaces, side by side ([`fidelity`]).
//!
//! Each table runs in a process of its own (this program re-executed with
//! `--table`), as does every boot of the `lkl` table and every node count
//! of the `dce-sim` table: memory figures are a process's, and no table
//! runs in what an earlier one left behind.  `--table NAME` prints only
//! that table.  dce-sim is used as a library; no figure is read from
//! another program's output.  Wall-clock figures vary from run to run;
//! tests never assert them.

mod build_time;
mod fidelity;
mod host;
mod kernel;
mod loader;
mod proc;
mod sim;
mod traffic;

use clap::{Parser, ValueEnum};
use std::path::PathBuf;
use std::process::{Command, ExitCode};

/// Print the benchmark table.
#[derive(Debug, Parser)]
#[command(name = "lkl-bench")]
pub struct Args {
    /// Print only this table; repeat for several [default: all].  Each
    /// table runs in a process of its own, unless it is the only one.
    #[arg(long, value_enum)]
    table: Vec<Table>,
    /// The top of the repository: `out/` and the Makefile of the build
    /// table.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))]
    top: PathBuf,
    /// The kernel library run under dce-sim [default: TOP/out/lib/liblkl.so].
    #[arg(long)]
    library: Option<PathBuf>,
    /// Do not time a no-op `make ARCH=lkl kernel` in the build table.
    #[arg(long)]
    no_rebuild: bool,
    /// `lkl`: boots, each in its own process.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    boots: u32,
    /// `lkl`: getpid calls (timed in batches of 100).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..))]
    calls: u32,
    /// `lkl`: milliseconds between the boot and the getpid calls.
    #[arg(long, default_value_t = 500)]
    settle_ms: u32,
    /// `lkl`: megabytes over TCP.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    tcp_mb: u32,
    /// `traffic`: UDP datagrams to send.
    #[arg(long, default_value_t = 50_000)]
    udp_count: u32,
    /// `traffic`: TCP bytes to transfer.
    #[arg(long, default_value_t = 100_000_000)]
    tcp_bytes: u64,
    /// `loader`: nodes of the dce-udp-perf-like chain.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(3..))]
    chain_nodes: u64,
    /// `fidelity`: every row (bbr, 1 Gbit/s, loss), not only the short
    /// form `make bench` prints.
    #[arg(long)]
    fidelity_full: bool,
    /// `fidelity`: seeds of the rows with loss.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    fidelity_seeds: u64,
    /// Child of the `lkl` table: boot once, answer, halt.
    #[arg(long, hide = true)]
    boot_once: bool,
    /// Child of the `dce-sim` table: boot this many nodes, answer.
    #[arg(long, hide = true)]
    sim_nodes: Option<u32>,
    /// Child of the `dce-sim` table: virtual nanoseconds to run to.
    #[arg(long, hide = true, default_value_t = 0)]
    sim_until: u64,
}

impl Args {
    /// The kernel library for dce-sim.
    pub fn library(&self) -> PathBuf {
        self.library
            .clone()
            .unwrap_or_else(|| self.top.join("out/lib/liblkl.so"))
    }
}

/// The tables, in the order they are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Table {
    Lkl,
    DceSim,
    Traffic,
    Loader,
    Build,
    Fidelity,
}

impl Table {
    fn print(self, args: &Args) -> Result<(), String> {
        match self {
            Table::Lkl => kernel::table(args),
            Table::DceSim => sim::table(args),
            Table::Traffic => traffic::table(args),
            Table::Loader => loader::table(args),
            Table::Build => build_time::table(args),
            Table::Fidelity => fidelity::table(args),
        }
    }
}

/// Every table (or those asked for), each in a child process, with a
/// blank line between tables.
fn all_tables(args: &Args) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    // In their order, whatever the order asked.
    let tables = Table::value_variants()
        .iter()
        .filter(|t| args.table.is_empty() || args.table.contains(t));
    // The same options, without the tables asked for.
    let mut rest = Vec::new();
    let mut argv = std::env::args().skip(1);
    while let Some(a) = argv.next() {
        if a == "--table" {
            argv.next();
        } else if !a.starts_with("--table=") {
            rest.push(a);
        }
    }
    for (i, t) in tables.enumerate() {
        if i > 0 {
            println!();
        }
        let name = t.to_possible_value().expect("no skipped variants");
        let status = Command::new(&exe)
            .args(&rest)
            .args(["--table", name.get_name()])
            .status()
            .map_err(|e| format!("spawning {}: {e}", exe.display()))?;
        if !status.success() {
            return Err(format!("the {} table failed ({status})", name.get_name()));
        }
    }
    Ok(())
}

fn run(args: &Args) -> Result<(), String> {
    if args.boot_once {
        return kernel::boot_once();
    }
    if let Some(n) = args.sim_nodes {
        return sim::nodes_once(&args.library(), n, args.sim_until);
    }
    match args.table.as_slice() {
        [one] => one.print(args),
        _ => all_tables(args),
    }
}

fn main() -> ExitCode {
    // Before any argument parsing: the child's memory after boot is the
    // figure, and the parser's own allocations would add to it.
    if std::env::args().nth(1).as_deref() == Some("--boot-once") {
        return match kernel::boot_once() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("lkl-bench: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lkl-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
