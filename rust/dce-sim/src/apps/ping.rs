//! `ping`: ICMP echo over a raw socket (`SOCK_RAW`, `IPPROTO_ICMP`) or
//! ICMPv6 echo (`IPPROTO_ICMPV6`), measured in virtual time.
//!
//! For IPv4 the request's checksum is computed here and the reply arrives
//! with its IP header, whose TTL is reported; for IPv6 the kernel computes
//! the checksum (a raw ICMPv6 socket always does) and the hop limit comes
//! from an `IPV6_HOPLIMIT` control message (`IPV6_RECVHOPLIMIT`), if the
//! library delivers one.
//!
//! Waiting is done in the kernel, as everything a DCE program does: the
//! socket gets `SO_RCVTIMEO` set to the time left until the next deadline
//! (the next request, or the end of the last request's timeout), at most
//! [`MAX_WAIT_NS`], and a blocking `recvmsg` waits for
//! a reply or for that timeout, in virtual time.  Whatever arrives
//! meanwhile is examined and the wait resumes until the deadline.  Like
//! `ping`, each request goes out `interval_ns` after the previous one was
//! sent; the kernel's jiffy-based timeouts make that a jiffy (10 ms at
//! `HZ=100`) later, never earlier (see [`sleep`](super::sleep)).

use super::sock::{Errno, SockAddr, Socket};
use super::{MAX_IDLE_WAITS, MAX_WAIT_NS};
use crate::abi::Host;
use crate::poll::PollFd;
use dce_abi::SimExported;
use std::collections::HashMap;
use std::net::IpAddr;

/// The ICMP identifier of the requests (a raw socket has no port; `ping`
/// uses its pid, and DCE programs all see small pids).
pub const PING_IDENT: u16 = 0xdce5;

/// Bytes of data after the 8-byte ICMP header (`ping`'s default 56): the
/// 8-byte virtual send time in ns, then the bytes 8, 9, 10...
pub const PING_DATA_LEN: usize = 56;

/// `ICMP_ECHO`, `ICMP_ECHOREPLY` (`linux/icmp.h`; not in `libc`).
const ICMP_ECHO: u8 = 8;
const ICMP_ECHOREPLY: u8 = 0;
/// `ICMPV6_ECHO_REQUEST`, `ICMPV6_ECHO_REPLY` (`linux/icmpv6.h`; not in
/// `libc`).
const ICMPV6_ECHO_REQUEST: u8 = 128;
const ICMPV6_ECHO_REPLY: u8 = 129;

/// One echo reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// ICMP sequence number (the request's index, modulo 2^16).
    pub seq: u16,
    /// Virtual time from sending the request to receiving the reply.
    pub rtt_ns: u64,
    /// IPv4: the reply's TTL; IPv6: its hop limit, if the library delivered
    /// the `IPV6_HOPLIMIT` control message.
    pub ttl: Option<u8>,
    /// Who answered.
    pub from: IpAddr,
    /// True if the reply carries exactly the data of the request.
    pub data_ok: bool,
}

/// What [`ping`] saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PingReport {
    /// Requests sent.
    pub sent: u32,
    /// Virtual send time of each request, in order.
    pub sent_at_ns: Vec<u64>,
    /// First replies to the requests, within the timeout, in arrival order.
    pub replies: Vec<Reply>,
    /// Further replies to an already answered request.
    pub duplicates: u32,
}

impl PingReport {
    /// Requests without a (timely) reply.
    pub fn lost(&self) -> u32 {
        self.sent.saturating_sub(self.replies.len() as u32)
    }
}

pub use lkl_sys::inet::checksum;

fn echo_data(sent_ns: u64) -> [u8; PING_DATA_LEN] {
    let mut d = [0u8; PING_DATA_LEN];
    d[..8].copy_from_slice(&sent_ns.to_be_bytes());
    for (i, b) in d[8..].iter_mut().enumerate() {
        *b = (i + 8) as u8;
    }
    d
}

/// An echo request; the checksum is filled in for ICMP (v4) and left 0
/// for ICMPv6, where the kernel computes it over the pseudo-header.
pub fn echo_request(v6: bool, seq: u16, sent_ns: u64) -> Vec<u8> {
    let mut p = Vec::with_capacity(8 + PING_DATA_LEN);
    p.push(if v6 { ICMPV6_ECHO_REQUEST } else { ICMP_ECHO });
    p.push(0); // code
    p.extend_from_slice(&[0, 0]); // checksum
    p.extend_from_slice(&PING_IDENT.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&echo_data(sent_ns));
    if !v6 {
        let c = checksum(&p);
        p[2..4].copy_from_slice(&c.to_be_bytes());
    }
    p
}

/// The hop limit of an `IPV6_HOPLIMIT` control message in `ctrl` (a
/// sequence of `struct cmsghdr`, each padded to `CMSG_ALIGN`, 8 bytes).
fn hop_limit(ctrl: &[u8]) -> Option<u8> {
    const HDR: usize = core::mem::size_of::<libc::cmsghdr>();
    const _: () = assert!(HDR == 16);
    let mut off = 0;
    while off + HDR <= ctrl.len() {
        let len = usize::from_ne_bytes(ctrl[off..off + 8].try_into().ok()?);
        let level = i32::from_ne_bytes(ctrl[off + 8..off + 12].try_into().ok()?);
        let ty = i32::from_ne_bytes(ctrl[off + 12..off + 16].try_into().ok()?);
        if len < HDR || off + len > ctrl.len() {
            return None;
        }
        if level == libc::IPPROTO_IPV6 && ty == libc::IPV6_HOPLIMIT && len >= HDR + 4 {
            let v = i32::from_ne_bytes(ctrl[off + HDR..off + HDR + 4].try_into().ok()?);
            return u8::try_from(v).ok();
        }
        off += (len + 7) & !7;
    }
    None
}

/// An echo reply of ours, decoded: `(seq, ttl, from, data)`.
type Echo<'a> = (u16, Option<u8>, IpAddr, &'a [u8]);

/// Decodes a received IPv4 datagram (header included) as an echo reply to
/// [`PING_IDENT`] from `dst`, with a valid checksum.
fn parse_v4(pkt: &[u8], dst: IpAddr) -> Option<Echo<'_>> {
    let ihl = usize::from(pkt.first()? & 0xf) * 4;
    if pkt[0] >> 4 != 4 || ihl < 20 || *pkt.get(9)? != libc::IPPROTO_ICMP as u8 {
        return None;
    }
    let src: [u8; 4] = pkt.get(12..16)?.try_into().ok()?;
    let icmp = pkt.get(ihl..)?;
    if icmp.len() < 8 || icmp[0] != ICMP_ECHOREPLY || icmp[1] != 0 || checksum(icmp) != 0 {
        return None;
    }
    let from = IpAddr::from(src);
    if u16::from_be_bytes([icmp[4], icmp[5]]) != PING_IDENT || from != dst {
        return None;
    }
    Some((
        u16::from_be_bytes([icmp[6], icmp[7]]),
        Some(pkt[8]),
        from,
        &icmp[8..],
    ))
}

/// Decodes a received ICMPv6 message (no IP header on a raw ICMPv6
/// socket) as an echo reply to [`PING_IDENT`] from `dst`.
fn parse_v6<'a>(
    icmp: &'a [u8],
    from: Option<IpAddr>,
    ctrl: &[u8],
    dst: IpAddr,
) -> Option<Echo<'a>> {
    if icmp.len() < 8 || icmp[0] != ICMPV6_ECHO_REPLY || icmp[1] != 0 {
        return None;
    }
    if u16::from_be_bytes([icmp[4], icmp[5]]) != PING_IDENT || from != Some(dst) {
        return None;
    }
    Some((
        u16::from_be_bytes([icmp[6], icmp[7]]),
        hop_limit(ctrl),
        dst,
        &icmp[8..],
    ))
}

struct Pinger<'a, F: Fn() -> u64> {
    /// Wait with DCE's poll protocol through this host instead of
    /// `SO_RCVTIMEO`.
    poller: Option<&'a Host>,
    e: SimExported,
    sock: Socket,
    dst: IpAddr,
    timeout_ns: u64,
    now: &'a F,
    /// Send time of each outstanding or answered sequence number.
    sent: HashMap<u16, u64>,
    report: PingReport,
    buf: Vec<u8>,
    ctrl: [u8; 64],
}

impl<F: Fn() -> u64> Pinger<'_, F> {
    fn answered_all(&self) -> bool {
        self.report.replies.len() == self.report.sent as usize
    }

    /// Receives until virtual time `deadline` (or, with `until_answered`,
    /// until every request has its reply).
    fn wait_until(&mut self, deadline: u64, until_answered: bool) -> Result<(), Errno> {
        if let Some(host) = self.poller {
            return self.poll_until(host, deadline, until_answered);
        }
        let mut idle = 0;
        loop {
            let t = (self.now)();
            if t >= deadline || (until_answered && self.answered_all()) {
                return Ok(());
            }
            self.sock.set_rcvtimeo((deadline - t).min(MAX_WAIT_NS))?;
            match self.sock.recv_msg(&mut self.buf, &mut self.ctrl, 0) {
                Ok(m) => {
                    idle = 0;
                    let from = m.addr.and_then(|a| a.as_inet()).map(|a| a.ip());
                    self.take(m.len, from, m.control_len);
                }
                Err(Errno(libc::EAGAIN)) if (self.now)() > t => idle = 0,
                Err(Errno(libc::EAGAIN)) if idle < MAX_IDLE_WAITS => idle += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// [`wait_until`](Self::wait_until) as DCE's ping does it: `poll()`
    /// with the time left (DCE's `PollTable`, timed by a simulator event,
    /// so exact in virtual time), then non-blocking reads until the socket
    /// is empty.
    fn poll_until(
        &mut self,
        host: &Host,
        deadline: u64,
        until_answered: bool,
    ) -> Result<(), Errno> {
        loop {
            let t = (self.now)();
            if t >= deadline || (until_answered && self.answered_all()) {
                return Ok(());
            }
            let mut fds = [PollFd {
                sock: self.sock.raw(),
                events: libc::POLLIN,
                revents: 0,
            }];
            let ready = host
                .poll(&self.e, &mut fds, Some(deadline - t))
                .map_err(|_| Errno(libc::EIO))?;
            if ready == 0 {
                continue;
            }
            loop {
                match self
                    .sock
                    .recv_msg(&mut self.buf, &mut self.ctrl, libc::MSG_DONTWAIT)
                {
                    Ok(m) => {
                        let from = m.addr.and_then(|a| a.as_inet()).map(|a| a.ip());
                        self.take(m.len, from, m.control_len);
                    }
                    Err(Errno(libc::EAGAIN)) => break,
                    Err(e) => return Err(e),
                }
            }
        }
    }

    /// Records a received packet if it is a timely first reply of ours.
    fn take(&mut self, len: usize, from: Option<IpAddr>, control_len: usize) {
        let at = (self.now)();
        let pkt = &self.buf[..len.min(self.buf.len())];
        let echo = match self.dst {
            IpAddr::V4(_) => parse_v4(pkt, self.dst),
            IpAddr::V6(_) => parse_v6(pkt, from, &self.ctrl[..control_len], self.dst),
        };
        let Some((seq, ttl, from, data)) = echo else {
            return;
        };
        let Some(&sent_at) = self.sent.get(&seq) else {
            return;
        };
        let rtt_ns = at - sent_at;
        if rtt_ns > self.timeout_ns {
            return;
        }
        if self.report.replies.iter().any(|r| r.seq == seq) {
            self.report.duplicates += 1;
            return;
        }
        self.report.replies.push(Reply {
            seq,
            rtt_ns,
            ttl,
            from,
            data_ok: data == echo_data(sent_at),
        });
    }
}

/// Sends `count` echo requests to `dst`, one every `interval_ns` of virtual
/// time, and collects the replies that come within `timeout_ns` of their
/// request; returns once the last request is answered or timed out.  Must
/// be called from a task of the node whose table `e` is; `now` returns the
/// current virtual time (`|| sim.now()` inside the task closure).
///
/// Errors are those of creating the raw socket or of sending (for example
/// `ENETUNREACH`); lost replies are not errors.
pub fn ping(
    e: &SimExported,
    dst: IpAddr,
    count: u32,
    interval_ns: u64,
    timeout_ns: u64,
    now: impl Fn() -> u64,
) -> Result<PingReport, Errno> {
    run(None, e, dst, count, interval_ns, timeout_ns, now)
}

/// [`ping`] waiting the way DCE's ping does: `poll()` on the raw socket
/// through `host` (`sock_poll`, `poll_event`, `sock_pollfreewait`), with
/// timeouts exact in virtual time, so requests leave exactly `interval_ns`
/// apart.
pub fn ping_with_poll(
    host: &Host,
    e: &SimExported,
    dst: IpAddr,
    count: u32,
    interval_ns: u64,
    timeout_ns: u64,
    now: impl Fn() -> u64,
) -> Result<PingReport, Errno> {
    run(Some(host), e, dst, count, interval_ns, timeout_ns, now)
}

fn run(
    poller: Option<&Host>,
    e: &SimExported,
    dst: IpAddr,
    count: u32,
    interval_ns: u64,
    timeout_ns: u64,
    now: impl Fn() -> u64,
) -> Result<PingReport, Errno> {
    let v6 = dst.is_ipv6();
    let sock = if v6 {
        let s = Socket::new(e, libc::AF_INET6, libc::SOCK_RAW, libc::IPPROTO_ICMPV6)?;
        // Without it there is no hop limit to report, nothing worse.
        let _ = s.setsockopt_int(libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT, 1);
        s
    } else {
        Socket::new(e, libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_ICMP)?
    };
    let mut p = Pinger {
        poller,
        e: *e,
        sock,
        dst,
        timeout_ns,
        now: &now,
        sent: HashMap::new(),
        report: PingReport::default(),
        buf: vec![0; 2048],
        ctrl: [0; 64],
    };
    let to = SockAddr::ip(dst);
    for i in 0..count {
        if let Some(&last) = p.report.sent_at_ns.last() {
            p.wait_until(last.saturating_add(interval_ns), false)?;
        }
        let seq = i as u16;
        let t = now();
        p.sock.send_to(&echo_request(v6, seq, t), Some(&to), 0)?;
        p.sent.insert(seq, t);
        p.report.sent += 1;
        p.report.sent_at_ns.push(t);
    }
    if let Some(&last) = p.report.sent_at_ns.last() {
        p.wait_until(last.saturating_add(timeout_ns), true)?;
    }
    Ok(p.report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_of_a_valid_packet_is_zero() {
        let p = echo_request(false, 3, 12345);
        assert_eq!(p.len(), 64);
        assert_ne!(u16::from_be_bytes([p[2], p[3]]), 0);
        assert_eq!(checksum(&p), 0);
        // RFC 1071's example: words 0001 f203 f4f5 f6f7 sum to ddf2.
        assert_eq!(
            checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            !0xddf2
        );
        // An odd length pads with a zero byte.
        assert_eq!(checksum(&[0xab]), !0xab00);
    }

    #[test]
    fn a_v4_reply_is_recognised() {
        let mut icmp = echo_request(false, 7, 99);
        icmp[0] = ICMP_ECHOREPLY;
        icmp[2..4].copy_from_slice(&[0, 0]);
        let c = checksum(&icmp);
        icmp[2..4].copy_from_slice(&c.to_be_bytes());
        let mut pkt = vec![
            0x45, 0, 0, 84, 0, 0, 0, 0, 63, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
        ];
        pkt.extend_from_slice(&icmp);
        let dst = IpAddr::from([127, 0, 0, 1]);
        let (seq, ttl, from, data) = parse_v4(&pkt, dst).expect("a reply");
        assert_eq!((seq, ttl, from), (7, Some(63), dst));
        assert_eq!(data, echo_data(99));
        // Our own request, a corrupted reply or another source are not.
        assert!(parse_v4(&pkt, IpAddr::from([127, 0, 0, 2])).is_none());
        pkt[30] ^= 1;
        assert!(parse_v4(&pkt, dst).is_none());
    }

    #[test]
    fn hop_limit_is_found_among_control_messages() {
        let mut ctrl = Vec::new();
        // A 20-byte IPV6_PKTINFO-like message of another type first.
        ctrl.extend_from_slice(&20usize.to_ne_bytes());
        ctrl.extend_from_slice(&libc::IPPROTO_IPV6.to_ne_bytes());
        ctrl.extend_from_slice(&libc::IPV6_PKTINFO.to_ne_bytes());
        ctrl.extend_from_slice(&[0; 8]);
        ctrl.extend_from_slice(&20usize.to_ne_bytes());
        ctrl.extend_from_slice(&libc::IPPROTO_IPV6.to_ne_bytes());
        ctrl.extend_from_slice(&libc::IPV6_HOPLIMIT.to_ne_bytes());
        ctrl.extend_from_slice(&64i32.to_ne_bytes());
        assert_eq!(hop_limit(&ctrl), Some(64));
        assert_eq!(hop_limit(&ctrl[..24]), None);
    }
}
