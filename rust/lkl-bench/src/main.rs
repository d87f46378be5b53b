//! lkl-bench: prints a Markdown table with
//! * boot time: median (and min/max) of N boots (default 20), each in a
//!   separate child process (this binary re-executed with `--boot-once`);
//! * `getpid` latency through `lkl_syscall` next to the host's native
//!   `syscall(SYS_getpid)`, measured in the same process, mean and min over
//!   100000 calls (timed in batches of 100; "min" is the fastest batch),
//!   after letting the freshly booted kernel settle for 500 ms (right after
//!   the boot, kernel threads are still runnable and a syscall often yields
//!   to them, which costs tens of microseconds);
//! * RSS after boot (`VmRSS` of the child right after the boot);
//! * the size of lkl.o (`$LKL_OBJ`, else the path linked at build time).
//!
//! Options: `--boots N`, `--calls N` (multiple of 100), `--settle-ms N`.

use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use lkl_sys::sys;

const CMDLINE: &str = "mem=32M";
const BATCH: u32 = 100;

fn vm_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Child mode: boot once, report, halt.
fn boot_once() -> ExitCode {
    lkl_posix_host::set_log_echo(false);
    let start = Instant::now();
    if let Err(e) = lkl_posix_host::boot(CMDLINE) {
        eprintln!("boot failed: {e}");
        return ExitCode::FAILURE;
    }
    let boot_ns = start.elapsed().as_nanos();
    let rss = vm_rss_kib().unwrap_or(0);
    println!("boot_ns={boot_ns} rss_kib={rss}");
    if let Err(e) = sys::halt() {
        eprintln!("halt failed: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn median<T: Copy + Ord>(v: &mut [T]) -> T {
    v.sort_unstable();
    v[v.len() / 2]
}

/// Mean and minimum per-call time of `f`, over `calls` calls in batches.
fn latency(calls: u32, mut f: impl FnMut()) -> (f64, f64) {
    for _ in 0..1000 {
        f();
    }
    let mut total = Duration::ZERO;
    let mut best = Duration::MAX;
    for _ in 0..calls.div_ceil(BATCH) {
        let t = Instant::now();
        for _ in 0..BATCH {
            f();
        }
        let d = t.elapsed();
        total += d;
        best = best.min(d);
    }
    let n = f64::from(calls.div_ceil(BATCH) * BATCH);
    (
        total.as_nanos() as f64 / n,
        best.as_nanos() as f64 / f64::from(BATCH),
    )
}

fn arg_value(name: &str, default: u32, min: u32) -> Result<u32, String> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .filter(|&v| v >= min)
            .ok_or_else(|| format!("{name} needs a number >= {min}")),
    }
}

fn run() -> Result<(), String> {
    let boots = arg_value("--boots", 20, 1)?;
    let calls = arg_value("--calls", 100_000, 1)?;
    let settle_ms = arg_value("--settle-ms", 500, 0)?;
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;

    let mut boot_ns = Vec::new();
    let mut rss = Vec::new();
    for i in 0..boots {
        let out = Command::new(&exe)
            .arg("--boot-once")
            .output()
            .map_err(|e| format!("spawning {}: {e}", exe.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!(
                "boot #{i} failed ({}): {}{}",
                out.status,
                text,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let field = |k: &str| -> Option<u64> {
            text.split_whitespace()
                .find_map(|w| w.strip_prefix(k))
                .and_then(|v| v.parse().ok())
        };
        match (field("boot_ns="), field("rss_kib=")) {
            (Some(b), Some(r)) => {
                boot_ns.push(b);
                rss.push(r);
            }
            _ => return Err(format!("boot #{i}: unexpected output {text:?}")),
        }
    }

    // Syscall latency, in this process (its only boot).
    lkl_posix_host::set_log_echo(false);
    lkl_posix_host::boot(CMDLINE).map_err(|e| format!("boot: {e}"))?;
    sys::getpid().map_err(|e| format!("getpid: {e}"))?;
    std::thread::sleep(Duration::from_millis(u64::from(settle_ms)));
    let (lkl_mean, lkl_min) = latency(calls, || {
        let _ = std::hint::black_box(sys::getpid());
    });
    let (host_mean, host_min) = latency(calls, || {
        // SAFETY: getpid takes no arguments and cannot fail.
        let _ = std::hint::black_box(unsafe { libc::syscall(libc::SYS_getpid) });
    });
    sys::halt().map_err(|e| format!("halt: {e}"))?;

    let obj = std::env::var("LKL_OBJ").unwrap_or_else(|_| env!("LKL_OBJ_PATH").to_string());
    let obj_size = std::fs::metadata(&obj)
        .map(|m| m.len().to_string())
        .unwrap_or_else(|e| format!("n/a ({obj}: {e})"));

    let ms = |ns: u64| ns as f64 / 1e6;
    let (bmin, bmax) = (
        *boot_ns.iter().min().expect("boots > 0"),
        *boot_ns.iter().max().expect("boots > 0"),
    );
    let bmed = median(&mut boot_ns);
    let rss_med = median(&mut rss);

    println!("| metric | LKL | host (native) |");
    println!("|---|---:|---:|");
    println!("| boot time, median of {boots} (ms) | {:.2} | |", ms(bmed));
    println!(
        "| boot time, min / max (ms) | {:.2} / {:.2} | |",
        ms(bmin),
        ms(bmax)
    );
    println!(
        "| getpid latency, mean of {calls} calls, {settle_ms} ms after boot (ns) | {lkl_mean:.1} | {host_mean:.1} |"
    );
    println!("| getpid latency, min (ns, best batch of {BATCH}) | {lkl_min:.1} | {host_min:.1} |");
    println!("| RSS after boot, median (KiB) | {rss_med} | |");
    println!("| lkl.o size (bytes) | {obj_size} | |");
    Ok(())
}

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--boot-once") {
        return boot_once();
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lkl-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
