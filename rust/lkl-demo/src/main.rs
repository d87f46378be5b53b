//! lkl-demo: boots the kernel library (mem=32M), prints uname, brings `lo`
//! up, prints its IPv4 address, pings 127.0.0.1 over a raw ICMP socket,
//! prints the boot time and halts.  Exit code 0 on success.
//!
//! `--verbose` echoes the kernel's console output to stderr.

use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use lkl_sys::abi::c_field;
use lkl_sys::consts::{AF_INET, SOCK_DGRAM};
use lkl_sys::{icmp, sys, Errno};

fn ctx(what: &'static str) -> impl FnOnce(Errno) -> String {
    move |e| format!("{what}: {e}")
}

fn run() -> Result<(), String> {
    let verbose = std::env::args().any(|a| a == "--verbose" || a == "-v");
    lkl_posix_host::set_log_echo(verbose);

    let start = Instant::now();
    lkl_posix_host::boot("mem=32M").map_err(ctx("boot"))?;
    let boot_time = start.elapsed();

    let u = sys::uname().map_err(ctx("uname"))?;
    println!("sysname: {}", c_field(&u.sysname));
    println!("release: {}", c_field(&u.release));
    println!("machine: {}", c_field(&u.machine));

    let sock = sys::socket(AF_INET, SOCK_DGRAM, 0).map_err(ctx("socket"))?;
    sys::if_up(&sock, "lo").map_err(ctx("bring lo up"))?;
    let addr = sys::if_ipv4_addr(&sock, "lo").map_err(ctx("SIOCGIFADDR lo"))?;
    println!("lo: up, inet {}", Ipv4Addr::from(addr));
    drop(sock);

    let id = (std::process::id() & 0xffff) as u16;
    let (echo, rtt) =
        icmp::ping([127, 0, 0, 1], id, 1, Duration::from_secs(5)).map_err(ctx("ping 127.0.0.1"))?;
    println!(
        "ping 127.0.0.1: echo reply, {} bytes from {}: icmp_seq={} ttl={} time={:.3} ms",
        echo.icmp_len,
        Ipv4Addr::from(echo.src),
        echo.seq,
        echo.ttl,
        rtt.as_secs_f64() * 1e3
    );
    println!("boot time: {:.1} ms", boot_time.as_secs_f64() * 1e3);

    sys::halt().map_err(ctx("halt"))?;
    println!("halted");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lkl-demo: {e}");
            let log = lkl_posix_host::boot_log();
            if !log.is_empty() && !std::env::args().any(|a| a == "--verbose" || a == "-v") {
                let lines: Vec<&str> = log.lines().collect();
                eprintln!("---- last kernel output ----");
                eprintln!("{}", lines[lines.len().saturating_sub(30)..].join("\n"));
            }
            ExitCode::FAILURE
        }
    }
}
