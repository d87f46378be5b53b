//! What one fidelity case is, and what each half reports: the same two
//! nodes, the same link model and the same traffic, in dce-sim
//! ([`super::sim`]) and on the host kernel in network namespaces
//! ([`super::host`]).
//!
//! Both halves build the same topology: node 0 (`10.9.0.1/24`, MAC
//! `02:00:00:00:00:01`) and node 1 (`10.9.0.2/24`, MAC
//! `02:00:00:00:00:02`), one Ethernet device each with MTU 1500, joined by
//! one point-to-point link whose every frame goes through
//! [`dce_sim::link::PointToPoint`] (the host half runs the very same model
//! in its user-space wire).  Node 0 sends, node 1 receives.

use dce_sim::link::PointToPointConfig;
use std::net::Ipv4Addr;

/// Node `i`'s address (`i` is 0 or 1).
pub fn addr(i: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 9, 0, i + 1)
}

/// Node `i`'s MAC address.
pub fn mac(i: u8) -> [u8; 6] {
    [2, 0, 0, 0, 0, i + 1]
}

/// The port the receiving node listens on (TCP and UDP).
pub const PORT: u16 = 5001;

/// The traffic of a case.
#[derive(Debug, Clone, PartialEq)]
pub enum Traffic {
    /// `count` ICMP echo requests of `size` payload bytes from node 0 to
    /// node 1, one every `interval_ns`.
    Ping {
        /// Echo requests.
        count: u32,
        /// ICMP payload bytes.
        size: usize,
        /// Time between two requests.
        interval_ns: u64,
    },
    /// One TCP connection, node 0 to node 1, moving `bytes`.
    Tcp {
        /// Bytes to move.
        bytes: u64,
        /// `net.ipv4.tcp_congestion_control` on both nodes.
        cc: &'static str,
        /// `net.ipv4.tcp_rmem` and `tcp_wmem` on both nodes (min, default,
        /// max), or `None` for the kernel's defaults.
        buffers: Option<[u64; 3]>,
        /// `SO_RCVBUF` of the receiver's connection, set as soon as it is
        /// accepted (the kernel doubles it and stops autotuning; the window
        /// scale was chosen from `tcp_rmem`), or `None`.
        rcvbuf: Option<u32>,
    },
    /// UDP datagrams of `size` payload bytes from node 0 to node 1, paced
    /// at `rate_bps` bits of payload per second, `count` of them.
    Udp {
        /// Datagrams.
        count: u64,
        /// Payload bytes of each.
        size: usize,
        /// Payload bits per second of the sender.
        rate_bps: u64,
    },
}

/// One case: a link and the traffic over it.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Its row name in the table.
    pub name: String,
    /// The link, both directions.
    pub link: PointToPointConfig,
    /// Seed of the link's loss draws.
    pub seed: u64,
    /// What runs over it.
    pub traffic: Traffic,
}

/// What a half measured for a case.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// `Ping`: the round-trip time of each answered request, in ns, in
    /// order.
    pub rtts_ns: Vec<u64>,
    /// `Tcp`, `Udp`: payload bytes the receiver got.
    pub bytes: u64,
    /// `Udp`: datagrams sent and received.
    pub datagrams: (u64, u64),
    /// `Tcp`, `Udp`: payload bits per second at the receiver, from its
    /// first to its last byte.
    pub goodput_bps: Option<f64>,
    /// `Tcp`: the largest receive window node 1 advertised (the TCP
    /// header's window, scaled by the negotiated shift), in bytes, as seen
    /// on the link.
    pub max_window: Option<u64>,
    /// Frames the link dropped: queue full, and lost by the loss model.
    pub link_drops: (u64, u64),
}

/// Follows the receive window node 1 advertises, from the Ethernet frames
/// it sends (both halves feed it every frame of that direction).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowWatch {
    /// The window scale node 1 announced in its SYN-ACK.
    shift: Option<u8>,
    /// The largest scaled window seen after the handshake.
    pub max: Option<u64>,
}

impl WindowWatch {
    /// Takes one frame node 1 sent; ignores anything but IPv4 TCP from
    /// [`PORT`].
    pub fn frame(&mut self, frame: &[u8]) {
        let Some(ip) = frame.get(14..) else { return };
        if frame[12..14] != [0x08, 0x00] || ip.len() < 20 || ip[9] != 6 {
            return;
        }
        let Some(tcp) = ip.get(usize::from(ip[0] & 0xf) * 4..) else {
            return;
        };
        if tcp.len() < 20 || u16::from_be_bytes([tcp[0], tcp[1]]) != PORT {
            return;
        }
        let window = u64::from(u16::from_be_bytes([tcp[14], tcp[15]]));
        let syn = tcp[13] & 0x02 != 0;
        if syn {
            // RFC 7323: a shift above 14 is taken as 14.
            self.shift = Some(Self::wscale(tcp).unwrap_or(0).min(14));
        } else if let Some(shift) = self.shift {
            let w = window << shift;
            self.max = Some(self.max.map_or(w, |m| m.max(w)));
        }
    }

    /// The window scale option of a TCP header, if any.
    fn wscale(tcp: &[u8]) -> Option<u8> {
        let end = (usize::from(tcp[12] >> 4) * 4).min(tcp.len());
        let mut i = 20;
        while i < end {
            match tcp[i] {
                0 => return None,
                1 => i += 1,
                kind => {
                    let len = usize::from(*tcp.get(i + 1)?);
                    if kind == 3 && len == 3 {
                        return tcp.get(i + 2).copied();
                    }
                    i += len.max(2);
                }
            }
        }
        None
    }
}
