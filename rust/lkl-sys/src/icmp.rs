//! ICMP echo ("ping") over a raw socket inside the kernel.

use std::time::{Duration, Instant};

use crate::abi::{PollFd, SockaddrIn, Timespec};
use crate::consts::{AF_INET, ICMP_ECHO, ICMP_ECHOREPLY, IPPROTO_ICMP, POLLIN, SOCK_RAW};
use crate::sys;
use crate::Errno;

pub use crate::inet::checksum;

/// An ICMP echo request with a correct checksum.
pub fn echo_request(id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(8 + payload.len());
    p.extend_from_slice(&[ICMP_ECHO, 0, 0, 0]);
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(payload);
    let c = checksum(&p);
    p[2..4].copy_from_slice(&c.to_be_bytes());
    p
}

/// An ICMP echo message parsed out of an IPv4 packet (what a raw socket
/// returns: IP header included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Echo {
    /// ICMP type (0 = reply, 8 = request).
    pub icmp_type: u8,
    /// Identifier.
    pub id: u16,
    /// Sequence number.
    pub seq: u16,
    /// IP time to live.
    pub ttl: u8,
    /// IP source address.
    pub src: [u8; 4],
    /// Length of the ICMP message (header + payload).
    pub icmp_len: usize,
    /// Whether the ICMP checksum verifies.
    pub checksum_ok: bool,
}

/// Parses an IPv4 packet carrying an ICMP echo request or reply.
pub fn parse_echo(packet: &[u8]) -> Option<Echo> {
    let first = *packet.first()?;
    if first >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(first & 0xf) * 4;
    if ihl < 20 || packet.len() < ihl + 8 || packet[9] != IPPROTO_ICMP as u8 {
        return None;
    }
    let icmp = &packet[ihl..];
    let icmp_type = icmp[0];
    if icmp_type != ICMP_ECHO && icmp_type != ICMP_ECHOREPLY {
        return None;
    }
    Some(Echo {
        icmp_type,
        id: u16::from_be_bytes([icmp[4], icmp[5]]),
        seq: u16::from_be_bytes([icmp[6], icmp[7]]),
        ttl: packet[8],
        src: [packet[12], packet[13], packet[14], packet[15]],
        icmp_len: icmp.len(),
        checksum_ok: checksum(icmp) == 0,
    })
}

/// Sends one echo request to `dst` over a raw ICMP socket and waits (with
/// `ppoll`) up to `timeout` for the matching echo reply.  Our own request,
/// which a raw socket also sees on loopback, is skipped.  Fails with
/// `ETIMEDOUT` if no reply arrives in time.
pub fn ping(dst: [u8; 4], id: u16, seq: u16, timeout: Duration) -> Result<(Echo, Duration), Errno> {
    let sock = sys::socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)?;
    let req = echo_request(id, seq, b"lkl-rust ping payload 0123456789");
    let start = Instant::now();
    let sent = sys::sendto(&sock, &req, 0, &SockaddrIn::new(dst, 0))?;
    if sent != req.len() {
        return Err(Errno::EMSGSIZE);
    }
    let deadline = start + timeout;
    let mut buf = [0u8; 2048];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Errno::ETIMEDOUT);
        }
        let mut fds = [PollFd {
            fd: sock.raw(),
            events: POLLIN,
            revents: 0,
        }];
        if sys::ppoll(&mut fds, Some(&Timespec::from_duration(left)))? == 0 {
            continue;
        }
        let (n, _) = sys::recvfrom(&sock, &mut buf, 0)?;
        if let Some(e) = parse_echo(&buf[..n]) {
            if e.icmp_type == ICMP_ECHOREPLY && e.id == id && e.seq == seq {
                return Ok((e, start.elapsed()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_roundtrip() {
        let p = echo_request(0x1234, 7, b"abc");
        assert_eq!(p[0], 8);
        assert_eq!(checksum(&p), 0, "a packet with its checksum sums to 0");
        // RFC 1071 example bytes.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&data), !0xddf2);
    }

    #[test]
    fn parse_reply() {
        let mut icmp = echo_request(42, 3, b"xy");
        icmp[0] = ICMP_ECHOREPLY;
        icmp[2] = 0;
        icmp[3] = 0;
        let c = checksum(&icmp);
        icmp[2..4].copy_from_slice(&c.to_be_bytes());
        let mut ip = vec![
            0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
        ];
        ip.extend_from_slice(&icmp);
        let e = parse_echo(&ip).unwrap();
        assert_eq!((e.icmp_type, e.id, e.seq, e.ttl), (0, 42, 3, 64));
        assert_eq!(e.src, [127, 0, 0, 1]);
        assert!(e.checksum_ok);
        assert_eq!(parse_echo(&ip[..10]), None);
    }
}
