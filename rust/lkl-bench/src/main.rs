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
//! * TCP over loopback inside the kernel, one host thread sending and one
//!   receiving, next to the host kernel's loopback with the same threads
//!   and writes: MB/s and the process's host context switches (voluntary
//!   and involuntary, `getrusage`) per MB, which is where an LKL host
//!   pays for kernel threads and the CPU lock;
//! * the size of lkl.o (`$LKL_OBJ`, else the path linked at build time).
//!
//! Options: `--boots N`, `--calls N` (multiple of 100), `--settle-ms N`,
//! `--tcp-mb N`.

use std::io::{Read, Write};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use lkl_sys::abi::SockaddrIn;
use lkl_sys::sys;

const CMDLINE: &str = "mem=32M";
const BATCH: u32 = 100;
/// The size of each write of the TCP transfers.
const CHUNK: usize = 64 * 1024;

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

/// Host context switches of this process so far (all its threads).
fn context_switches() -> u64 {
    // SAFETY: getrusage fills the struct it is given.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    (ru.ru_nvcsw + ru.ru_nivcsw) as u64
}

/// `bytes` over TCP from one thread to another, through `send`/`recv`
/// closures: the wall time and the host context switches it took.
fn transfer(
    bytes: usize,
    recv: impl FnOnce() -> Result<usize, String> + Send + 'static,
    send: impl FnOnce() -> Result<(), String>,
) -> Result<(Duration, u64), String> {
    let switches = context_switches();
    let start = Instant::now();
    let receiver = std::thread::spawn(recv);
    send()?;
    let got = receiver.join().map_err(|_| "receiver panicked")??;
    let took = start.elapsed();
    if got != bytes {
        return Err(format!("{got} of {bytes} bytes received"));
    }
    Ok((took, context_switches() - switches))
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

/// The same transfer over the host kernel's loopback.
fn host_tcp(bytes: usize) -> Result<(Duration, u64), String> {
    let e = |what: &'static str| move |err: std::io::Error| format!("host {what}: {err}");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(e("bind"))?;
    let addr = listener.local_addr().map_err(e("local_addr"))?;
    transfer(
        bytes,
        move || {
            let (mut conn, _) = listener.accept().map_err(e("accept"))?;
            let mut buf = vec![0u8; CHUNK];
            let mut got = 0;
            loop {
                match conn.read(&mut buf).map_err(e("read"))? {
                    0 => return Ok(got),
                    n => got += n,
                }
            }
        },
        || {
            let mut s = std::net::TcpStream::connect(addr).map_err(e("connect"))?;
            let buf = vec![0x5au8; CHUNK];
            let mut sent = 0;
            while sent < bytes {
                let n = (bytes - sent).min(CHUNK);
                s.write_all(&buf[..n]).map_err(e("write"))?;
                sent += n;
            }
            Ok(())
        },
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
    let tcp_mb = arg_value("--tcp-mb", 200, 1)?;
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
    let tcp_bytes = tcp_mb as usize * 1_000_000;
    let lkl_tcp = lkl_tcp(tcp_bytes)?;
    let host_tcp = host_tcp(tcp_bytes)?;
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
