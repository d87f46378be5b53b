//! Bulk transfers: a TCP sink and source, a UDP sink and source, timed in
//! virtual time and checked with a hash of the bytes.
//!
//! The sources send a fixed, deterministic byte stream ([`stream_byte`]);
//! both ends hash what they sent or received with 64-bit FNV-1a
//! ([`Fnv1a`]), so equal hashes at both ends mean the receiver got exactly
//! the bytes that were sent, in order.
//!
//! Each function records its progress in a [`Cell`] while it runs, so the
//! caller can read how far it got even if the simulation ends before the
//! transfer does.  Like everything in [`apps`](super), they must be called
//! from a task of the node whose table is used; `now` returns the current
//! virtual time (`|| sim.now()` inside the task closure).

use super::sock::{Errno, SockAddr, Socket};
use dce_abi::SimExported;
use std::cell::Cell;
use std::net::SocketAddr;

/// 64-bit FNV-1a, enough to compare two byte streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fnv1a(pub u64);

impl Fnv1a {
    /// The FNV-1a offset basis: the hash of no bytes.
    pub const START: Fnv1a = Fnv1a(0xcbf2_9ce4_8422_2325);
    const PRIME: u64 = 0x100_0000_01b3;

    /// Adds `bytes` to the hash.
    pub fn update(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }
}

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a::START
    }
}

/// The byte at offset `i` of the stream the sources send.
pub fn stream_byte(i: u64) -> u8 {
    (i.wrapping_mul(2_654_435_761) >> 13) as u8
}

/// Fills `buf` with the stream's bytes from offset `off` on.
fn fill(buf: &mut [u8], off: u64) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b = stream_byte(off + i as u64);
    }
}

fn domain_of(a: SocketAddr) -> i32 {
    if a.is_ipv6() {
        libc::AF_INET6
    } else {
        libc::AF_INET
    }
}

/// What a TCP or UDP sink has received so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Received {
    /// Bytes received.
    pub bytes: u64,
    /// Datagrams received (UDP) or non-empty reads (TCP).
    pub chunks: u64,
    /// Hash of the bytes, in order (for UDP, of the datagrams' payloads in
    /// arrival order).
    pub hash: Fnv1a,
    /// Virtual time of the first read that returned data.
    pub first_ns: Option<u64>,
    /// Virtual time of the last read that returned data.
    pub last_ns: u64,
    /// The peer: the accepted connection's (TCP), the first datagram's
    /// sender (UDP).
    pub peer: Option<SocketAddr>,
    /// True once the transfer is complete: the peer closed the connection
    /// (TCP), the expected number of datagrams arrived (UDP).
    pub done: bool,
}

impl Received {
    fn take(&mut self, data: &[u8], at: u64) {
        if self.first_ns.is_none() {
            self.first_ns = Some(at);
        }
        self.bytes += data.len() as u64;
        self.chunks += 1;
        self.hash.update(data);
        self.last_ns = at;
    }

    /// Bytes × 8 over the time from the first to the last read, in bit/s;
    /// `None` unless data arrived at two different times.
    pub fn goodput_bps(&self) -> Option<f64> {
        let first = self.first_ns?;
        (self.last_ns > first)
            .then(|| self.bytes as f64 * 8.0 * 1e9 / (self.last_ns - first) as f64)
    }
}

/// What a TCP or UDP source has sent so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    /// Bytes accepted by the kernel.
    pub bytes: u64,
    /// Datagrams sent (UDP) or send calls (TCP).
    pub chunks: u64,
    /// Hash of the bytes accepted, in order.
    pub hash: Fnv1a,
    /// True once everything was sent (and, for TCP, the socket closed).
    pub done: bool,
    /// Virtual time when the last byte was accepted.
    pub last_ns: u64,
}

impl Sent {
    fn take(&mut self, data: &[u8], at: u64) {
        self.hash.update(data);
        self.bytes += data.len() as u64;
        self.chunks += 1;
        self.last_ns = at;
    }
}

/// Updates the progress in `cell` with `f`.
fn update<T: Copy>(cell: &Cell<T>, f: impl FnOnce(&mut T)) {
    let mut v = cell.get();
    f(&mut v);
    cell.set(v);
}

/// Receive buffer of the sinks: one read takes at most this much.
const READ_BUF: usize = 64 * 1024;

/// A TCP sink: listens on `at` (`[::]:port` accepts IPv4 and IPv6
/// peers), accepts one connection and reads until the peer closes it.
/// Progress is kept in `got`.
pub fn tcp_sink(
    e: &SimExported,
    at: SocketAddr,
    now: impl Fn() -> u64,
    got: &Cell<Received>,
) -> Result<(), Errno> {
    stream_sink(e, 0, at, now, got)
}

/// [`tcp_sink`] for any stream protocol: `proto` 0 (TCP), `IPPROTO_SCTP`
/// (a one-to-one SCTP socket) or `IPPROTO_MPTCP`, which the same calls
/// serve.
pub fn stream_sink(
    e: &SimExported,
    proto: i32,
    at: SocketAddr,
    now: impl Fn() -> u64,
    got: &Cell<Received>,
) -> Result<(), Errno> {
    sink(e, proto, at, None, now, got)
}

/// [`tcp_sink`] whose connection gets `SO_RCVBUF` = `rcvbuf` as soon as it
/// is accepted (the kernel doubles it and stops autotuning it; the window
/// scale was already chosen from `tcp_rmem`).
pub fn tcp_sink_with_rcvbuf(
    e: &SimExported,
    at: SocketAddr,
    rcvbuf: u32,
    now: impl Fn() -> u64,
    got: &Cell<Received>,
) -> Result<(), Errno> {
    sink(e, 0, at, Some(rcvbuf), now, got)
}

fn sink(
    e: &SimExported,
    proto: i32,
    at: SocketAddr,
    rcvbuf: Option<u32>,
    now: impl Fn() -> u64,
    got: &Cell<Received>,
) -> Result<(), Errno> {
    let l = Socket::new(e, domain_of(at), libc::SOCK_STREAM, proto)?;
    l.bind(&SockAddr::inet(at))?;
    l.listen(1)?;
    // The listener stays open until the transfer ends: MPTCP's additional
    // subflows (MP_JOIN) arrive at the listening port.
    let c = l.accept(0)?;
    if let Some(size) = rcvbuf {
        let size = i32::try_from(size).map_err(|_| Errno(libc::EINVAL))?;
        c.setsockopt_int(libc::SOL_SOCKET, libc::SO_RCVBUF, size)?;
    }
    let peer = c.getpeername()?.as_inet();
    update(got, |r| r.peer = peer);
    let mut buf = vec![0u8; READ_BUF];
    loop {
        let (n, _) = c.recv_from(&mut buf, 0)?;
        if n == 0 {
            update(got, |r| r.done = true);
            return Ok(());
        }
        update(got, |r| r.take(&buf[..n], now()));
    }
}

/// A TCP source: connects to `to`, sends `total` bytes of the stream and
/// closes the connection.  Progress is kept in `sent`.
pub fn tcp_source(
    e: &SimExported,
    to: SocketAddr,
    total: u64,
    now: impl Fn() -> u64,
    sent: &Cell<Sent>,
) -> Result<(), Errno> {
    stream_source(e, 0, to, total, now, sent)
}

/// [`tcp_source`] for any stream protocol, as [`stream_sink`].
pub fn stream_source(
    e: &SimExported,
    proto: i32,
    to: SocketAddr,
    total: u64,
    now: impl Fn() -> u64,
    sent: &Cell<Sent>,
) -> Result<(), Errno> {
    let s = Socket::new(e, domain_of(to), libc::SOCK_STREAM, proto)?;
    s.connect(&SockAddr::inet(to), 0)?;
    let mut buf = vec![0u8; READ_BUF];
    let mut off = 0u64;
    while off < total {
        let n = (total - off).min(buf.len() as u64) as usize;
        fill(&mut buf[..n], off);
        let k = s.send(&buf[..n], 0)?;
        update(sent, |st| st.take(&buf[..k], now()));
        off += k as u64;
    }
    s.close()?;
    update(sent, |st| st.done = true);
    Ok(())
}

/// A UDP sink: binds `at` (`[::]:port` accepts IPv4 and IPv6 datagrams)
/// with a 4 MiB receive buffer and receives until `count` datagrams
/// arrived.  Progress is kept in `got`.
pub fn udp_sink(
    e: &SimExported,
    at: SocketAddr,
    count: u64,
    now: impl Fn() -> u64,
    got: &Cell<Received>,
) -> Result<(), Errno> {
    let s = Socket::new(e, domain_of(at), libc::SOCK_DGRAM, 0)?;
    s.setsockopt_int(libc::SOL_SOCKET, libc::SO_RCVBUF, 4 << 20)?;
    s.bind(&SockAddr::inet(at))?;
    let mut buf = vec![0u8; READ_BUF];
    while got.get().chunks < count {
        let (n, from) = s.recv_from(&mut buf, 0)?;
        update(got, |r| {
            if r.peer.is_none() {
                r.peer = from.and_then(|a| a.as_inet());
            }
            r.take(&buf[..n.min(buf.len())], now());
        });
    }
    update(got, |r| r.done = true);
    Ok(())
}

/// Pacing of a [`udp_source`]: `rate_bps` bits of payload per second,
/// waiting with `wait(ns)` between sends.  For an exact rate, wait the way
/// DCE times a program's sleep, with a simulator event: the scenario
/// runner passes [`Host::poll`](crate::abi::Host::poll) with no
/// descriptor.  [`sleep`](super::sleep) waits on kernel timeouts, whose
/// granularity makes the sends bursty.
pub struct Pace<'a> {
    /// Payload bits per second.
    pub rate_bps: u64,
    /// Sleeps `ns` of virtual time.
    pub wait: &'a dyn Fn(u64),
}

/// A UDP source: sends `count` datagrams of `size` bytes of the stream to
/// `to`, back to back (the kernel blocks the sender only when its send
/// buffer is full; what the link's queue cannot take is dropped there), or
/// with `pace`, datagram `i` at `i * size * 8 / rate` after the first.
/// Progress is kept in `sent`.
pub fn udp_source(
    e: &SimExported,
    to: SocketAddr,
    count: u64,
    size: usize,
    pace: Option<Pace<'_>>,
    now: impl Fn() -> u64,
    sent: &Cell<Sent>,
) -> Result<(), Errno> {
    let s = Socket::new(e, domain_of(to), libc::SOCK_DGRAM, 0)?;
    let dst = SockAddr::inet(to);
    let mut buf = vec![0u8; size];
    let start = now();
    for i in 0..count {
        if let Some(p) = &pace {
            let due = start
                + ((u128::from(i) * size as u128 * 8 * 1_000_000_000)
                    / u128::from(p.rate_bps.max(1))) as u64;
            let t = now();
            if due > t {
                (p.wait)(due - t);
            }
        }
        fill(&mut buf, i * size as u64);
        let k = s.send_to(&buf, Some(&dst), 0)?;
        update(sent, |st| st.take(&buf[..k], now()));
    }
    update(sent, |st| st.done = true);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_values() {
        let mut h = Fnv1a::START;
        h.update(b"");
        assert_eq!(h.0, 0xcbf2_9ce4_8422_2325);
        h.update(b"a");
        assert_eq!(h.0, 0xaf63_dc4c_8601_ec8c);
        let mut h = Fnv1a::default();
        h.update(b"foobar");
        assert_eq!(h.0, 0x85944171f73967e8);
    }

    #[test]
    fn goodput_needs_two_distinct_times() {
        let mut r = Received::default();
        assert_eq!(r.goodput_bps(), None);
        r.take(&[0; 1000], 5);
        assert_eq!(r.goodput_bps(), None);
        r.take(&[0; 250], 1_000_005);
        assert_eq!(r.goodput_bps(), Some(1250.0 * 8.0 * 1000.0));
        assert_eq!((r.bytes, r.chunks, r.first_ns), (1250, 2, Some(5)));
    }
}
