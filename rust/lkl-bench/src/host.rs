//! The host kernel's own figures, the baselines next to the simulated or
//! library kernel's: TCP and UDP over its loopback, with the same threads,
//! writes and datagrams.

use crate::proc::context_switches;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// The size of each write of the TCP transfers.
pub const CHUNK: usize = 64 * 1024;

/// `bytes` over TCP from one thread to another, through `send`/`recv`
/// closures: the wall time and the host context switches it took.
pub fn transfer(
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

/// TCP over the host kernel's loopback: `bytes` from a connected socket to
/// an accepted one, each on its own thread, in writes of [`CHUNK`].
pub fn tcp(bytes: usize) -> Result<(Duration, u64), String> {
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

/// `count` 64-byte UDP datagrams over the host kernel's loopback, from a
/// sending thread to this one, into an 8 MiB receive buffer: how many
/// arrived, and the seconds up to the last one.
pub fn udp(count: u32) -> Result<(u32, f64), String> {
    let e = |what: &'static str| move |err: std::io::Error| format!("host UDP {what}: {err}");
    let rx = std::net::UdpSocket::bind("127.0.0.1:0").map_err(e("bind"))?;
    // The same 8 MiB receive buffer as the simulated sink (FORCE, as root,
    // passes rmem_max; otherwise the kernel's limit applies).
    let size: libc::c_int = 8 << 20;
    for opt in [libc::SO_RCVBUFFORCE, libc::SO_RCVBUF] {
        // SAFETY: setsockopt on our socket with a live int of its size.
        let r = unsafe {
            libc::setsockopt(
                rx.as_raw_fd(),
                libc::SOL_SOCKET,
                opt,
                (&size as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r == 0 {
            break;
        }
    }
    rx.set_read_timeout(Some(Duration::from_millis(200)))
        .map_err(e("timeout"))?;
    let to = rx.local_addr().map_err(e("local_addr"))?;
    let wall = Instant::now();
    let sender = std::thread::spawn(move || -> Result<(), std::io::Error> {
        let tx = std::net::UdpSocket::bind("127.0.0.1:0")?;
        let msg = [0x5au8; 64];
        for _ in 0..count {
            let _ = tx.send_to(&msg, to);
        }
        Ok(())
    });
    let mut got = 0;
    let mut last = wall;
    let mut buf = [0u8; 128];
    while got < count && rx.recv_from(&mut buf).is_ok() {
        got += 1;
        last = Instant::now();
    }
    // Up to the last datagram: a lost one must not count its timeout.
    let secs = last.duration_since(wall).as_secs_f64();
    sender
        .join()
        .map_err(|_| "host UDP sender panicked".to_string())?
        .map_err(e("sender"))?;
    Ok((got, secs))
}
