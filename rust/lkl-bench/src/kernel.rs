//! `lkl.o` under the POSIX host, next to the host kernel:
//!
//! * boot time: median (and min/max) of N boots (default 20), each in a
//!   separate child process (this binary re-executed with `--boot-once`);
//! * `getpid` latency through `lkl_syscall` next to the host's native
//!   `syscall(SYS_getpid)`, measured in the same process, mean and min over
//!   100000 calls (timed in batches of 100; "min" is the fastest batch),
//!   after letting the freshly booted kernel settle for 500 ms (right after
//!   the boot, kernel threads are still runnable and a syscall often yields
//!   to them, which costs tens of microseconds);
//! * RSS after boot (`VmRSS` of the child right after the boot);
//! * TCP over loopback inside the kernel, one host thread sending and one
//!   receiving, next to the host kernel's loopback with the same threads
//!   and writes: MB/s and the process's host context switches (voluntary
//!   and involuntary, `getrusage`) per MB, which is where an LKL host
//!   pays for kernel threads and the CPU lock;
//! * the size of lkl.o (`$LKL_OBJ`, else the path linked at build time).

use crate::host::{self, transfer, CHUNK};
use crate::proc::{self, status_kib};
use crate::Args;
use lkl_sys::abi::SockaddrIn;
use lkl_sys::sys;
use std::time::{Duration, Instant};

const CMDLINE: &str = "mem=32M";
const BATCH: u32 = 100;

/// Child mode: boot once, report, halt.
pub fn boot_once() -> Result<(), String> {
    lkl_posix_host::set_log_echo(false);
    let start = Instant::now();
    lkl_posix_host::boot(CMDLINE).map_err(|e| format!("boot failed: {e}"))?;
    let boot_ns = start.elapsed().as_nanos();
    let rss = status_kib("VmRSS").unwrap_or(0);
    println!("boot_ns={boot_ns} rss_kib={rss}");
    sys::halt().map_err(|e| format!("halt failed: {e}"))
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

/// TCP over the kernel's loopback: `bytes` from a connected socket to an
/// accepted one, each on its own host thread.
fn lkl_tcp(bytes: usize) -> Result<(Duration, u64), String> {
    let e = |what: &'static str| move |err| format!("{what}: {err}");
    let lo = sys::socket(libc::AF_INET, libc::SOCK_DGRAM, 0).map_err(e("socket"))?;
    sys::if_up(&lo, "lo").map_err(e("lo up"))?;
    let addr = SockaddrIn::new([127, 0, 0, 1], 5001);
    let listener = sys::socket(libc::AF_INET, libc::SOCK_STREAM, 0).map_err(e("socket"))?;
    sys::bind(&listener, &addr).map_err(e("bind"))?;
    sys::listen(&listener, 1).map_err(e("listen"))?;
    transfer(
        bytes,
        move || {
            let conn = sys::accept4(&listener, 0).map_err(e("accept"))?;
            let mut buf = vec![0u8; CHUNK];
            let mut got = 0;
            loop {
                match sys::read(&conn, &mut buf).map_err(e("read"))? {
                    0 => return Ok(got),
                    n => got += n,
                }
            }
        },
        || {
            let s = sys::socket(libc::AF_INET, libc::SOCK_STREAM, 0).map_err(e("socket"))?;
            sys::connect(&s, &addr).map_err(e("connect"))?;
            let buf = vec![0x5au8; CHUNK];
            let mut sent = 0;
            while sent < bytes {
                let n = (bytes - sent).min(CHUNK);
                sent += sys::write(&s, &buf[..n]).map_err(e("write"))?;
            }
            s.close().map_err(e("close"))
        },
    )
}

/// The `lkl.o` table.
pub fn table(args: &Args) -> Result<(), String> {
    let (boots, calls, settle_ms, tcp_mb) = (args.boots, args.calls, args.settle_ms, args.tcp_mb);
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;

    let mut boot_ns = Vec::new();
    let mut rss = Vec::new();
    for i in 0..boots {
        let a = proc::child(&exe, &["--boot-once".to_string()])
            .map_err(|e| format!("boot #{i}: {e}"))?;
        boot_ns.push(a.get("boot_ns")?);
        rss.push(a.get("rss_kib")?);
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
    let tcp_bytes = tcp_mb as usize * 1_000_000;
    let lkl_tcp = lkl_tcp(tcp_bytes)?;
    let host_tcp = host::tcp(tcp_bytes)?;
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
    let mbps = |(t, _): (Duration, u64)| f64::from(tcp_mb) / t.as_secs_f64();
    let per_mb = |(_, n): (Duration, u64)| n as f64 / f64::from(tcp_mb);
    println!(
        "| TCP over loopback, {tcp_mb} MB, one sending and one receiving thread (MB/s) | {:.0} | {:.0} |",
        mbps(lkl_tcp),
        mbps(host_tcp)
    );
    println!(
        "| the same, host context switches per MB | {:.1} | {:.1} |",
        per_mb(lkl_tcp),
        per_mb(host_tcp)
    );
    println!("| lkl.o size (bytes) | {obj_size} | |");
    Ok(())
}
