//! The validated scenario: nodes, links, applications.

use crate::link::{PointToPointConfig, SegmentConfig};
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// A validated scenario (see the [module documentation](super)).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Name of the scenario (the file's stem, or `scenario`): the prefix
    /// of the pcap files.
    pub name: String,
    /// Seed of the kernels' and the links' random streams.
    pub seed: u64,
    /// Virtual time to run to, in ns.
    pub duration_ns: u64,
    /// Directory for pcap files (`<name>-<node>-<device>.pcap`).
    pub pcap: Option<PathBuf>,
    /// Every node's real time at virtual time 0, in seconds since 1970
    /// (written as sysctl `lkl.epoch` before the node's own sysctls);
    /// `None` keeps the kernel's default, 2024-11-17.
    pub epoch: Option<u64>,
    /// The nodes, in file order (node `i` is [`NodeId`](crate::NodeId)`(i)`).
    pub nodes: Vec<NodeSpec>,
    /// The links, in file order.
    pub links: Vec<LinkSpec>,
    /// The applications, in file order.
    pub apps: Vec<AppSpec>,
}

/// A `[[node]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    /// Its name.
    pub name: String,
    /// IPv4 forwarding on all its devices.
    pub forwarding: bool,
    /// Static routes, added after the addresses.
    pub routes: Vec<RouteSpec>,
    /// Sysctls written the way DCE writes them (`LinuxStackHelper::
    /// SysctlSet`), in name order, before the devices are configured:
    /// dotted names with DCE's leading dot, and their values.
    pub sysctls: Vec<(String, String)>,
}

/// A static route: `ip route add DST/LEN via GATEWAY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    /// The destination prefix (`0.0.0.0/0` or `::/0` for `default`).
    pub to: IpNet,
    /// The gateway, of the same family.
    pub via: IpAddr,
}

/// The model of a `[[link]]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LinkKind {
    /// `kind = "p2p"`: a point-to-point link between two devices without
    /// ARP.
    PointToPoint(PointToPointConfig),
    /// `kind = "segment"`: a shared Ethernet segment of CSMA devices with
    /// ARP.
    Segment(SegmentConfig),
}

/// A `[[link]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkSpec {
    /// The model and its parameters.
    pub kind: LinkKind,
    /// One device per attached node, in file order.
    pub ends: Vec<EndSpec>,
    /// `ipv6 = true`: keep IPv6 link-local addresses (and so router and
    /// neighbour solicitations) on devices without an IPv6 address.
    pub ipv6: bool,
}

impl LinkSpec {
    /// `p2p a-b` or `segment a,b,c`.
    pub(super) fn describe(&self, nodes: &[NodeSpec]) -> String {
        let names: Vec<&str> = self
            .ends
            .iter()
            .map(|e| nodes[e.node].name.as_str())
            .collect();
        match self.kind {
            LinkKind::PointToPoint(_) => format!("p2p {}", names.join("-")),
            LinkKind::Segment(_) => format!("segment {}", names.join(",")),
        }
    }
}

/// One end of a link: a device of a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndSpec {
    /// Index of the node in [`Scenario::nodes`].
    pub node: usize,
    /// Index of the device on its node (`simN`).
    pub device: u32,
    /// Its addresses.
    pub addresses: Vec<IpNet>,
}

/// The MAC address of device `device` of node `node`:
/// `02:00:NN:NN:DD:DD` with `node + 1` and `device + 1` as 16-bit numbers.
pub fn mac_of(node: usize, device: u32) -> [u8; 6] {
    let n = (node as u16).wrapping_add(1).to_be_bytes();
    let d = (device as u16).wrapping_add(1).to_be_bytes();
    [0x02, 0x00, n[0], n[1], d[0], d[1]]
}

/// An `[[app]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppSpec {
    /// Index of its node in [`Scenario::nodes`].
    pub node: usize,
    /// Start time in ns.
    pub at_ns: u64,
    /// What it does.
    pub kind: AppKind,
}

/// The transport of a byte-stream application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// TCP.
    Tcp,
    /// SCTP, one-to-one style (`SOCK_STREAM`, `IPPROTO_SCTP`): one
    /// association, read and written as a stream.
    Sctp,
}

impl Stream {
    /// The `protocol` argument of `socket()`.
    pub fn ipproto(self) -> i32 {
        match self {
            Stream::Tcp => 0,
            Stream::Sctp => libc::IPPROTO_SCTP,
        }
    }
}

/// What an application does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppKind {
    /// `ping`: `count` ICMP (or ICMPv6) echo requests to `dst`, one every
    /// `interval_ns`, each answered within `timeout_ns`.
    Ping {
        /// Destination.
        dst: IpAddr,
        /// Requests.
        count: u32,
        /// Time between requests.
        interval_ns: u64,
        /// How long a reply may take.
        timeout_ns: u64,
    },
    /// `tcp-sink`: accepts one TCP connection on `port` (IPv4 and IPv6)
    /// and reads it to its end.
    TcpSink {
        /// Port.
        port: u16,
        /// TCP, or SCTP for `sctp-sink` (one-to-one style).
        proto: Stream,
    },
    /// `tcp-send`: connects to `dst` and sends `bytes` bytes.
    TcpSend {
        /// Destination.
        dst: SocketAddr,
        /// Bytes to send.
        bytes: u64,
        /// TCP, or SCTP for `sctp-send` (one-to-one style).
        proto: Stream,
    },
    /// `udp-sink`: receives `count` datagrams on `port` (IPv4 and IPv6).
    UdpSink {
        /// Port.
        port: u16,
        /// Datagrams to wait for.
        count: u64,
    },
    /// `udp-send`: sends `count` datagrams of `size` bytes to `dst`, back
    /// to back, or paced at `rate` bits of payload per second.
    UdpSend {
        /// Destination.
        dst: SocketAddr,
        /// Datagrams.
        count: u64,
        /// Payload bytes of each.
        size: usize,
        /// Payload bits per second, if paced.
        rate_bps: Option<u64>,
    },
}

impl AppKind {
    /// The `kind` as written in the file.
    pub fn name(&self) -> &'static str {
        match self {
            AppKind::Ping { .. } => "ping",
            AppKind::TcpSink {
                proto: Stream::Tcp, ..
            } => "tcp-sink",
            AppKind::TcpSend {
                proto: Stream::Tcp, ..
            } => "tcp-send",
            AppKind::TcpSink { .. } => "sctp-sink",
            AppKind::TcpSend { .. } => "sctp-send",
            AppKind::UdpSink { .. } => "udp-sink",
            AppKind::UdpSend { .. } => "udp-send",
        }
    }
}
