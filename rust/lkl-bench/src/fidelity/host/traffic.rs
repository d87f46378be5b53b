//! The traffic of a case, each side on a thread inside its node's
//! namespace: ICMP echo, one TCP connection, paced UDP.
//!
//! Every blocking call has a timeout, so a side whose peer failed returns
//! an error instead of hanging the run.

use super::clock::{self, now_ns, realtime_ns};
use super::ns::{join, os_err, Netns};
use crate::fidelity::case::{addr, PORT};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::time::Duration;

/// The longest a TCP side waits for its peer to make any progress.
const IDLE: Duration = Duration::from_secs(20);

/// The ICMP echo identifier of our requests (the namespaces are ours).
const ECHO_ID: u16 = 0x4443;

/// The Internet checksum of `data`.
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// `setsockopt(fd, level, name, int v)`.
fn set_int_opt(fd: &impl AsRawFd, level: i32, name: i32, v: i32, what: &str) -> Result<(), String> {
    // SAFETY: passes a valid int of the size given.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&v as *const i32).cast(),
            std::mem::size_of::<i32>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(os_err(what));
    }
    Ok(())
}

/// Polls `fd` for input for at most `timeout_ns`; true if readable.
fn readable(fd: &impl AsRawFd, timeout_ns: u64) -> Result<bool, String> {
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ts = libc::timespec {
        tv_sec: (timeout_ns / 1_000_000_000) as libc::time_t,
        tv_nsec: (timeout_ns % 1_000_000_000) as libc::c_long,
    };
    // SAFETY: p is one valid pollfd, ts a valid timespec, no sigmask.
    let n = unsafe { libc::ppoll(&mut p, 1, &ts, std::ptr::null()) };
    if n < 0 {
        if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            return Ok(false);
        }
        return Err(os_err("ppoll"));
    }
    Ok(n > 0)
}

/// One ICMP message read from a raw socket.
struct Icmp {
    ty: u8,
    id: u16,
    seq: u16,
    /// The kernel's receive time, `CLOCK_REALTIME` ns, if stamped.
    stamp: Option<u64>,
}

/// The next ICMP message waiting on raw socket `fd`, if any.
fn recv_icmp(fd: &OwnedFd) -> Result<Option<Icmp>, String> {
    let mut buf = [0u8; 65_536];
    let mut ctl = [0u64; 16];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain old data; all zeroes is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctl.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&ctl);
    // SAFETY: msg points at buffers valid for their stated lengths.
    let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, libc::MSG_DONTWAIT) };
    if n < 0 {
        return match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EAGAIN | libc::EINTR) => Ok(None),
            _ => Err(os_err("recvmsg (ICMP)")),
        };
    }
    let mut stamp = None;
    // SAFETY: msg was filled by recvmsg; the CMSG macros walk its control
    // buffer within msg_controllen, and an SCM_TIMESTAMPNS payload is a
    // timespec (read unaligned).
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_TIMESTAMPNS {
                let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                stamp = Some(ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64);
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    let pkt = &buf[..n as usize];
    let ihl = usize::from(pkt.first().map_or(0, |b| b & 0xf)) * 4;
    let Some(icmp) = pkt.get(ihl..).filter(|i| i.len() >= 8) else {
        return Ok(None);
    };
    let id = u16::from_be_bytes([icmp[4], icmp[5]]);
    let seq = u16::from_be_bytes([icmp[6], icmp[7]]);
    Ok(Some(Icmp {
        ty: icmp[0],
        id,
        seq,
        stamp,
    }))
}

/// `count` echo requests of `size` payload bytes every `interval_ns` from
/// node 0 to node 1; the RTT of each answered one, in order.  The send
/// time is taken just before `send`, the reply's from the kernel's receive
/// stamp (`SO_TIMESTAMPNS`), as ping(8) does.
pub(super) fn ping(
    ns0: &Netns,
    count: u32,
    size: usize,
    interval_ns: u64,
    patience_ns: u64,
) -> Result<Vec<u64>, String> {
    ns0.run("fid-ping", || {
        // SAFETY: socket takes no pointers; a valid fd is owned below.
        let s = unsafe {
            libc::socket(
                libc::AF_INET,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::IPPROTO_ICMP,
            )
        };
        if s < 0 {
            return Err(os_err("socket(SOCK_RAW, IPPROTO_ICMP)"));
        }
        // SAFETY: s is a new fd that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(s) };
        set_int_opt(
            &fd,
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPNS,
            1,
            "SO_TIMESTAMPNS",
        )?;
        let dst = libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: 0,
            sin_addr: libc::in_addr {
                s_addr: u32::from(addr(1)).to_be(),
            },
            sin_zero: [0; 8],
        };
        clock::precise_timers();
        let mut sent_at = vec![None::<u64>; count as usize];
        let mut rtts = vec![None::<u64>; count as usize];
        let mut answered = 0;
        let start = now_ns();
        let mut pkt = vec![0u8; 8 + size];
        for (i, b) in pkt[8..].iter_mut().enumerate() {
            *b = i as u8;
        }
        let mut next = 0u32;
        let mut deadline = u64::MAX;
        while answered < count as usize {
            let now = now_ns();
            if next < count && now >= start + u64::from(next) * interval_ns {
                let seq = next as u16;
                pkt[..8].copy_from_slice(&[8, 0, 0, 0, 0, 0, 0, 0]);
                pkt[4..6].copy_from_slice(&ECHO_ID.to_be_bytes());
                pkt[6..8].copy_from_slice(&seq.to_be_bytes());
                let c = checksum(&pkt);
                pkt[2..4].copy_from_slice(&c.to_be_bytes());
                let t = realtime_ns();
                // SAFETY: pkt and dst are valid for the lengths given.
                let n = unsafe {
                    libc::sendto(
                        fd.as_raw_fd(),
                        pkt.as_ptr().cast(),
                        pkt.len(),
                        0,
                        (&dst as *const libc::sockaddr_in).cast(),
                        std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                    )
                };
                if n < 0 {
                    return Err(os_err("sendto (ICMP echo)"));
                }
                sent_at[next as usize] = Some(t);
                next += 1;
                if next == count {
                    deadline = now_ns() + patience_ns;
                }
                continue;
            }
            let wake = if next < count {
                start + u64::from(next) * interval_ns
            } else {
                deadline
            };
            if now >= wake {
                break; // the patience after the last request ran out
            }
            if !readable(&fd, wake - now)? {
                continue;
            }
            while let Some(Icmp { ty, id, seq, stamp }) = recv_icmp(&fd)? {
                let i = usize::from(seq);
                if ty != 0 || id != ECHO_ID || i >= rtts.len() || rtts[i].is_some() {
                    continue;
                }
                if let Some(t) = sent_at[i] {
                    let rx = stamp.unwrap_or_else(realtime_ns);
                    rtts[i] = Some(rx.saturating_sub(t));
                    answered += 1;
                }
            }
        }
        Ok(rtts.into_iter().flatten().collect())
    })
}

/// What a receiver measured: payload bytes (and datagrams), and the
/// `CLOCK_MONOTONIC` ns of its first and last byte.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Received {
    pub bytes: u64,
    pub datagrams: u64,
    pub first_ns: Option<u64>,
    pub last_ns: Option<u64>,
}

impl Received {
    fn got(&mut self, n: usize) {
        let t = now_ns();
        self.first_ns.get_or_insert(t);
        self.last_ns = Some(t);
        self.bytes += n as u64;
        self.datagrams += 1;
    }

    /// Payload bits per second from the first to the last byte.
    pub fn goodput_bps(&self) -> Option<f64> {
        let (f, l) = (self.first_ns?, self.last_ns?);
        (l > f).then(|| self.bytes as f64 * 8.0 * 1e9 / (l - f) as f64)
    }
}

/// Sets congestion control `cc` on a TCP socket (`TCP_CONGESTION`; any
/// algorithm the kernel has, with `CAP_NET_ADMIN`).
fn set_cc(fd: &impl AsRawFd, cc: &str) -> Result<(), String> {
    // SAFETY: passes cc's bytes with their length.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_CONGESTION,
            cc.as_ptr().cast(),
            cc.len() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(os_err(&format!("setsockopt(TCP_CONGESTION, {cc})")));
    }
    Ok(())
}

/// The congestion control of a TCP socket.
fn get_cc(fd: &impl AsRawFd) -> Result<String, String> {
    let mut name = [0u8; 32];
    let mut len = name.len() as libc::socklen_t;
    // SAFETY: name is valid for len bytes of writes; len is updated.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_CONGESTION,
            name.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if r != 0 {
        return Err(os_err("getsockopt(TCP_CONGESTION)"));
    }
    let name = &name[..len as usize];
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    Ok(String::from_utf8_lossy(&name[..end]).into_owned())
}

/// Checks that connected socket `fd` runs `cc`.
fn check_cc(fd: &impl AsRawFd, cc: &str, side: &str) -> Result<(), String> {
    let got = get_cc(fd)?;
    if got != cc {
        return Err(format!("the TCP {side} runs {got}, not {cc}"));
    }
    Ok(())
}

/// A TCP connection from this namespace to node 1's [`PORT`], with `cc`
/// set before `connect`.  Set after it, the namespace's default (bbr
/// here) would have run the handshake and left the socket paced
/// (`sk_pacing_status`), which cubic in dce-sim is not.
fn connect_with_cc(cc: Option<&str>) -> Result<TcpStream, String> {
    // SAFETY: socket takes no pointers.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(os_err("TCP socket"));
    }
    // SAFETY: fd is a new socket that nothing else owns.
    let c = unsafe { TcpStream::from_raw_fd(fd) };
    if let Some(cc) = cc {
        set_cc(&c, cc)?;
    }
    let to = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: PORT.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(addr(1)).to_be(),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: `to` is a valid sockaddr_in for the length given.
    let r = unsafe {
        libc::connect(
            c.as_raw_fd(),
            (&to as *const libc::sockaddr_in).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(os_err("TCP connect"));
    }
    Ok(c)
}

/// What dce-sim's UDP sink's `SO_RCVBUF` request amounts to in its
/// kernel, before the doubling.
const UDP_RCVBUF: u32 = 212_992;

/// `SO_RCVBUF` of `c`.
fn set_rcvbuf(c: &TcpStream, size: u32) -> Result<(), String> {
    set_sockopt_int(c, libc::SO_RCVBUF, size)
}

/// Socket option `opt` of level `SOL_SOCKET` to `value`.
fn set_sockopt_int(fd: &impl AsRawFd, opt: libc::c_int, value: u32) -> Result<(), String> {
    let v = value as libc::c_int;
    // SAFETY: a valid socket and a pointer to an int that outlives the call.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            opt,
            (&v as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(os_err(&format!("setsockopt({opt})")));
    }
    Ok(())
}

/// One TCP connection from node 0 to node 1 moving `bytes`: the receiver
/// reads until EOF.  With `cc_by_socket`, both sockets are given `cc` by
/// `TCP_CONGESTION` (the namespaces' default could not be set); either
/// way both connected sockets are checked to run `cc`.  With `rcvbuf`, the
/// accepted connection gets that `SO_RCVBUF` at once, as dce-sim's.
pub(super) fn tcp(
    ns0: &Netns,
    ns1: &Netns,
    bytes: u64,
    cc: &str,
    cc_by_socket: bool,
    rcvbuf: Option<u32>,
) -> Result<Received, String> {
    let (ready_tx, ready_rx) = sync_channel::<()>(1);
    std::thread::scope(|s| {
        let receiver = ns1.spawn(s, "fid-tcp-rx", move || {
            let l = TcpListener::bind((addr(1), PORT)).map_err(|e| format!("TCP bind: {e}"))?;
            if cc_by_socket {
                // Accepted sockets inherit it (tcp_ca_openreq_child).
                set_cc(&l, cc)?;
            }
            let _ = ready_tx.send(());
            if !readable(&l, IDLE.as_nanos() as u64)? {
                return Err("no TCP connection came".into());
            }
            let (mut c, _) = l.accept().map_err(|e| format!("TCP accept: {e}"))?;
            check_cc(&c, cc, "receiver")?;
            if let Some(size) = rcvbuf {
                set_rcvbuf(&c, size)?;
            }
            c.set_read_timeout(Some(IDLE)).map_err(|e| e.to_string())?;
            // Reads as large as dce-sim's sink's.
            let mut buf = vec![0u8; 64 * 1024];
            let mut r = Received::default();
            loop {
                match c.read(&mut buf) {
                    Ok(0) => return Ok(r),
                    Ok(n) => r.got(n),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(format!("TCP read after {} bytes: {e}", r.bytes)),
                }
            }
        })?;
        let sender = ns0.spawn(s, "fid-tcp-tx", move || {
            ready_rx
                .recv_timeout(IDLE)
                .map_err(|_| "the TCP receiver never listened")?;
            let mut c = connect_with_cc(cc_by_socket.then_some(cc))?;
            check_cc(&c, cc, "sender")?;
            c.set_write_timeout(Some(IDLE)).map_err(|e| e.to_string())?;
            c.set_read_timeout(Some(IDLE)).map_err(|e| e.to_string())?;
            let chunk = vec![0x5au8; 128 * 1024];
            let mut left = bytes;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                c.write_all(&chunk[..n])
                    .map_err(|e| format!("TCP write, {left} bytes left: {e}"))?;
                left -= n as u64;
            }
            c.shutdown(Shutdown::Write)
                .map_err(|e| format!("TCP shutdown: {e}"))?;
            // Until the receiver has read everything and closed.
            let mut b = [0u8; 64];
            while c.read(&mut b).map_err(|e| format!("TCP close: {e}"))? > 0 {}
            Ok(())
        })?;
        let sent = join(sender, "fid-tcp-tx");
        let got = join(receiver, "fid-tcp-rx");
        sent?;
        got
    })
}

/// `count` UDP datagrams of `size` payload bytes from node 0 to node 1,
/// datagram `i` at `i * size * 8 / rate_bps` s after the first; the
/// receiver stops when all arrived or nothing came for `quiet_ns` after
/// the sender finished.  Returns the datagrams sent (accepted by `send`)
/// and what the receiver got.
pub(super) fn udp(
    ns0: &Netns,
    ns1: &Netns,
    count: u64,
    size: usize,
    rate_bps: u64,
    quiet_ns: u64,
) -> Result<(u64, Received), String> {
    let (ready_tx, ready_rx) = sync_channel::<()>(1);
    // CLOCK_MONOTONIC ns when the sender finished; 0 while it runs.
    let done = AtomicU64::new(0);
    /// Marks the sender finished however it leaves.
    struct Done<'a>(&'a AtomicU64);
    impl Drop for Done<'_> {
        fn drop(&mut self) {
            self.0.store(now_ns(), Ordering::Release);
        }
    }
    std::thread::scope(|s| {
        let done = &done;
        let receiver = ns1.spawn(s, "fid-udp-rx", move || {
            let u = UdpSocket::bind((addr(1), PORT)).map_err(|e| format!("UDP bind: {e}"))?;
            // The buffer dce-sim's sink gets: it asks for 4 MiB, which its
            // kernel clamps to net.core.rmem_max (6.12's 212,992) and
            // doubles.  This host's rmem_max is its own, so force it.
            set_sockopt_int(&u, libc::SO_RCVBUFFORCE, UDP_RCVBUF)?;
            let _ = ready_tx.send(());
            let mut buf = vec![0u8; 65_536];
            let mut r = Received::default();
            while r.datagrams < count {
                if readable(&u, 10_000_000)? {
                    match u.recv(&mut buf) {
                        Ok(n) => r.got(n),
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(format!("UDP recv: {e}")),
                    }
                    continue;
                }
                let d = done.load(Ordering::Acquire);
                if d != 0 && now_ns() > d.max(r.last_ns.unwrap_or(0)) + quiet_ns {
                    break;
                }
            }
            Ok(r)
        })?;
        let sender = ns0.spawn(s, "fid-udp-tx", move || {
            let _done = Done(done);
            ready_rx
                .recv_timeout(IDLE)
                .map_err(|_| "the UDP receiver never bound")?;
            let u = UdpSocket::bind((addr(0), 0)).map_err(|e| format!("UDP bind: {e}"))?;
            u.connect((addr(1), PORT))
                .map_err(|e| format!("UDP connect: {e}"))?;
            clock::precise_timers();
            let payload = vec![0x5au8; size];
            let step = u128::from(size as u64 * 8) * 1_000_000_000;
            let start = now_ns();
            let mut sent = 0;
            for i in 0..count {
                let at = start + (u128::from(i) * step / u128::from(rate_bps.max(1))) as u64;
                if at > now_ns() {
                    clock::sleep_until(at);
                }
                // A refused or full send is not sent; go on pacing.
                if u.send(&payload).is_ok() {
                    sent += 1;
                }
            }
            Ok(sent)
        })?;
        let sent = join(sender, "fid-udp-tx");
        let got = join(receiver, "fid-udp-rx");
        Ok((sent?, got?))
    })
}
