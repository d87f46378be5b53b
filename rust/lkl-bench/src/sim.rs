//! `liblkl.so` under dce-sim, loaded as ns-3-dce loads it (one copy, its
//! writable segment swapped per node):
//!
//! * boot wall time and peak memory per node for 1, 10, 100 and 1000
//!   nodes, each count in a child process of its own (this binary
//!   re-executed with `--sim-nodes`), since the peak resident set of a
//!   process (`VmHWM`) only grows;
//! * 1000 nodes booted and idle for 100 simulated seconds, two idle nodes
//!   for 2 x 10^6 simulated seconds: wall time;
//! * the writable segment of the file: its RELRO, the bytes ns-3-dce
//!   swaps on every node switch (the range dce-sim's loader swaps,
//!   [`rw_range`]) and the largest objects among them, the next levers;
//! * the events an idle node costs per virtual second.

use crate::proc;
use crate::Args;
use dce_sim::abi::loader::{rw_range, LoaderMode};
use dce_sim::abi::Host;
use dce_sim::SimConfig;
use object::elf::{PF_W, PT_GNU_RELRO, PT_LOAD};
use object::read::elf::{ElfFile64, ProgramHeader};
use object::{Endianness, Object, ObjectSymbol};
use std::path::Path;
use std::time::Instant;

const SEC: u64 = 1_000_000_000;

/// How many of the largest swapped objects the table names.
const LARGEST: usize = 8;

/// Child mode: boots `nodes` nodes at t=0, runs them to `until_ns` and
/// answers with the boot's wall time, the whole run's (boot included)
/// and the peak resident set.
pub fn nodes_once(lib: &Path, nodes: u32, until_ns: u64) -> Result<(), String> {
    let host =
        Host::with_loader(SimConfig::default(), LoaderMode::Cooja).map_err(|e| e.to_string())?;
    for _ in 0..nodes {
        host.load_node_library(lib).map_err(|e| e.to_string())?;
    }
    // Every node boots at t=0: running the events of t=0 is the boot.
    let wall = Instant::now();
    host.run_until(0).map_err(|e| e.to_string())?;
    let boot_ns = wall.elapsed().as_nanos();
    host.run_until(until_ns).map_err(|e| e.to_string())?;
    let run_ns = wall.elapsed().as_nanos();
    let hwm = proc::status_kib("VmHWM").unwrap_or(0);
    host.teardown().map_err(|e| format!("hard error: {e}"))?;
    println!("boot_ns={boot_ns} run_ns={run_ns} hwm_kib={hwm}");
    Ok(())
}

/// One `--sim-nodes` child.
struct NodesRun {
    /// Boot wall time per node, ms.
    boot_ms: f64,
    /// Wall time of the whole run, s.
    run_s: f64,
    /// Peak resident set, KiB.
    hwm_kib: u64,
}

fn nodes_run(lib: &Path, nodes: u32, until_s: u64) -> Result<NodesRun, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let args = [
        "--library".to_string(),
        lib.display().to_string(),
        "--sim-nodes".to_string(),
        nodes.to_string(),
        "--sim-until".to_string(),
        (until_s * SEC).to_string(),
    ];
    let a = proc::child(&exe, &args)?;
    Ok(NodesRun {
        boot_ms: a.get("boot_ns")? as f64 / 1e6 / f64::from(nodes),
        run_s: a.get("run_ns")? as f64 / 1e9,
        hwm_kib: a.get("hwm_kib")?,
    })
}

/// The writable segment of a library file.
struct Segment {
    /// The size of the writable `PT_LOAD`.
    rw: u64,
    /// The size of the `PT_GNU_RELRO` at its start.
    relro: u64,
    /// The size of the rest, which DCE swaps.
    swapped: u64,
    /// The largest symbols in the swapped range: size, name.
    largest: Vec<(u64, String)>,
}

fn segment(lib: &Path) -> Result<Segment, String> {
    let what = |e: &dyn std::fmt::Display| format!("{}: {e}", lib.display());
    let data = std::fs::read(lib).map_err(|e| what(&e))?;
    let swapped = rw_range(&data).map_err(|e| what(&e))?;
    let elf = ElfFile64::<Endianness>::parse(&*data).map_err(|e| what(&e))?;
    let endian = elf.endian();
    let (mut rw, mut relro) = (0, 0);
    for ph in elf.elf_program_headers() {
        match ph.p_type(endian) {
            PT_LOAD if ph.p_flags(endian) & PF_W != 0 => rw = ph.p_memsz(endian),
            PT_GNU_RELRO => relro = ph.p_memsz(endian),
            _ => {}
        }
    }
    let range = swapped.vaddr..swapped.vaddr + swapped.memsz;
    // The symbol table (static symbols included, as nm lists them), or
    // the dynamic one of a stripped file.
    let mut syms: Vec<(u64, String)> = if elf.symbols().next().is_some() {
        elf.symbols().collect::<Vec<_>>()
    } else {
        elf.dynamic_symbols().collect()
    }
    .into_iter()
    .filter(|s| s.size() > 0 && range.contains(&s.address()))
    .map(|s| (s.size(), s.name().unwrap_or("?").to_string()))
    .collect();
    syms.sort_unstable_by(|a, b| b.cmp(a));
    syms.truncate(LARGEST);
    Ok(Segment {
        rw,
        relro,
        swapped: swapped.memsz,
        largest: syms,
    })
}

/// Events of node 0, booted alone, from 10 s to 1000 s of virtual time.
fn idle_events(lib: &Path) -> Result<u64, String> {
    let host =
        Host::with_loader(SimConfig::default(), LoaderMode::Cooja).map_err(|e| e.to_string())?;
    let node = host.load_node_library(lib).map_err(|e| e.to_string())?;
    let mut at = [0; 2];
    for (i, t) in [10 * SEC, 1000 * SEC].into_iter().enumerate() {
        host.run_until(t).map_err(|e| e.to_string())?;
        at[i] = host
            .sim()
            .events_processed(node)
            .map_err(|e| e.to_string())?;
    }
    host.teardown().map_err(|e| format!("hard error: {e}"))?;
    Ok(at[1] - at[0])
}

/// The dce-sim table.
pub fn table(args: &Args) -> Result<(), String> {
    let lib = &args.library();
    println!("| dce-sim (liblkl.so) | value |");
    println!("|---|---|");
    let per_node = |n: u32, r: &NodesRun| {
        println!(
            "| {n} nodes: boot wall time per node | {:.2} ms |",
            r.boot_ms
        );
        println!(
            "| {n} nodes: peak RSS per node | {:.0} KiB |",
            r.hwm_kib as f64 / f64::from(n)
        );
    };
    for n in [1, 10, 100] {
        per_node(n, &nodes_run(lib, n, 1)?);
    }
    // A thousand nodes: boot, then 100 simulated seconds of idle.
    let r = nodes_run(lib, 1000, 100)?;
    per_node(1000, &r);
    println!(
        "| 1000 nodes: boot, then 100 s of idle: wall time | {:.1} s |",
        r.run_s
    );
    println!("| 1000 nodes: peak RSS | {} MiB |", r.hwm_kib / 1024);
    let r = nodes_run(lib, 2, 2_000_000)?;
    println!(
        "| 2 idle nodes, 2 x 10^6 s of virtual time: wall time | {:.1} s |",
        r.run_s
    );
    // ns-3-dce copies the RW PT_LOAD from the end of a PT_GNU_RELRO at its
    // start.
    let seg = segment(lib)?;
    println!("| RW PT_LOAD | {} bytes |", seg.rw);
    println!("| of which RELRO (not swapped) | {} bytes |", seg.relro);
    println!(
        "| swapped per node switch (copied twice by ns-3-dce) | {} bytes |",
        seg.swapped
    );
    for (size, name) in seg.largest {
        println!("| largest swapped: `{name}` | {size} bytes |");
    }
    let events = idle_events(lib)?;
    println!(
        "| idle node: events from 10 s to 1000 s of virtual time | {events} ({:.3} per virtual second) |",
        events as f64 / 990.0
    );
    Ok(())
}
