//! Scenario files: a topology and the programs to run on it, written by
//! hand in TOML, validated into a [`Scenario`] and run on the kernel
//! library by [`run`].
//!
//! ```toml
//! seed = 1                    # random streams of the kernels and links
//! duration = "12s"            # virtual time to run to
//!
//! [[node]]
//! name = "a"
//! [[node]]
//! name = "b"
//!
//! [[link]]
//! kind = "p2p"
//! ends = ["a", "b"]
//! delay = "10ms"
//! rate = "5Mbps"
//! addresses = ["10.1.1.1/24", "10.1.1.2/24"]
//!
//! [[app]]
//! node = "a"
//! at = "1s"
//! kind = "ping"
//! dst = "10.1.1.2"
//! count = 10
//! ```
//!
//! The complete format is described in `Documentation/dce/dce-sim.rst`
//! and by the examples in `rust/dce-sim/scenarios/`.  In short:
//!
//! * top level: `seed` (default 1), `duration` (required), `pcap` (a
//!   directory for one capture file per device, optional), `epoch` (the
//!   nodes' real time at t=0, seconds since 1970: sysctl `lkl.epoch`);
//! * `[[node]]`: `name`, `forwarding` (IPv4 forwarding on all its
//!   devices), `routes = [{ to = "10.2.0.0/16" | "default", via = IP }]`,
//!   `sysctl = { "net.ipv4.tcp_rmem" = "4096 131072 2097152" }` (written
//!   the way DCE writes sysctls, in name order, first);
//! * `[[link]]`: `kind = "p2p"` with `ends = [two nodes]` or
//!   `kind = "segment"` with `nodes = [two or more]`; `delay`, `rate`,
//!   `loss`, `queue`, `overhead`; `addresses`, one entry per end (an
//!   address or a list of addresses, each `IP/prefix`); `ipv6`;
//! * `[[app]]`: `node`, `at` (start time, default 0) and `kind` = `ping`,
//!   `tcp-sink`, `tcp-send`, `sctp-sink`, `sctp-send`, `udp-sink` or
//!   `udp-send` with their keys.
//!
//! Durations are a number and a unit (`ns`, `us`, `ms`, `s`: `"150ms"`,
//! `"1.5s"`), rates a number and a unit (`bps`, `kbps`, `Mbps`, `Gbps`,
//! powers of 1000).
//!
//! # Errors
//!
//! [`Scenario::parse`] and [`Scenario::from_file`] return a
//! [`ScenarioError`] that names the line (and the key, where it can) of
//! the first problem: a TOML syntax error, an unknown key, a value of the
//! wrong type or out of range, a malformed duration, rate or address, an
//! unknown or duplicate node name, a wrong number of addresses...  They
//! never panic.
//!
//! # Running
//!
//! [`run`] boots one node per `[[node]]` with its own copy of the library
//! (as ns-3-dce does), then, at virtual time 0:
//!
//! 1. creates the devices: each link end is the node's next `simN`
//!    device (a point-to-point device on a `p2p` link, a CSMA device with
//!    ARP on a `segment`), with MAC address
//!    `02:00:NN:NN:DD:DD` (node index + 1 and device index + 1, 16 bits
//!    each);
//! 2. configures every node from a task of its own, through rtnetlink as
//!    `ip` would: `lo` up; for each device `addrgenmode none` if it has
//!    no IPv6 address and its link does not say `ipv6 = true` (so that
//!    IPv6 stays silent on it), its addresses, `up`, IPv4 forwarding if
//!    the node says `forwarding = true`; then the routes;
//! 3. starts each application in a task of its node at its `at` time,
//!    runs the simulation to `duration` and collects a [`Report`].
//!
//! [`run_on`] does steps 1 to 3 on a [`Host`] the caller made (with
//! [`boot`]), so that the caller keeps the host, for example to read the
//! nodes' logs afterwards.

use crate::abi::loader::LoaderMode;
use crate::abi::{AbiError, Host};
use crate::apps::ping::{self, PingReport};
use crate::apps::rtnl::Rtnl;
use crate::apps::transfer::{self, Received, Sent};
use crate::link::{LinkError, PointToPoint, PointToPointConfig, Segment, SegmentConfig};
use crate::net::{DeviceConfig, DeviceId, DeviceStats};
use crate::{NodeId, SimConfig, SimError};
use core::fmt;
use core::ops::Range;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::rc::Rc;
use toml::Spanned;

const US: u64 = 1_000;
const MS: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;

// ---------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------

/// A scenario file that cannot be used: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file, if the scenario was read from one.
    pub file: Option<PathBuf>,
    /// The line (1-based) of the problem, if known.
    pub line: Option<usize>,
    /// What is wrong, on one line.
    pub message: String,
}

impl ScenarioError {
    fn new(line: Option<usize>, message: impl Into<String>) -> Self {
        ScenarioError {
            file: None,
            line,
            message: message.into().replace('\n', " "),
        }
    }
}

impl fmt::Display for ScenarioError {
    /// `file:line: message`, leaving out what is unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{line}: ", file.display())?,
            (Some(file), None) => write!(f, "{}: ", file.display())?,
            (None, Some(line)) => write!(f, "line {line}: ")?,
            (None, None) => {}
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// Why [`run`] or [`run_on`] failed.
#[derive(Debug)]
pub enum RunError {
    /// Creating the host, loading the library or building the network.
    Abi(AbiError),
    /// A hard error of the simulation (see [`SimError`]).
    Sim(SimError),
    /// A node could not be configured (an rtnetlink request failed or
    /// never finished), or the host does not fit the scenario.
    Setup(String),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Abi(e) => e.fmt(f),
            RunError::Sim(e) => write!(f, "hard error: {e}"),
            RunError::Setup(msg) => write!(f, "setup failed: {msg}"),
        }
    }
}

impl std::error::Error for RunError {}

impl From<AbiError> for RunError {
    fn from(e: AbiError) -> Self {
        RunError::Abi(e)
    }
}

impl From<SimError> for RunError {
    fn from(e: SimError) -> Self {
        RunError::Sim(e)
    }
}

// ---------------------------------------------------------------------
// Values: durations, rates, addresses
// ---------------------------------------------------------------------

/// Splits `s` into its leading decimal number and the rest.
fn split_number(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    s.split_at(end)
}

/// `number * unit`, exactly, for a decimal `number` (`"1.5"`): `None` if
/// it is malformed, overflows or is not a whole multiple of 1/`unit`.
fn scaled(number: &str, unit: u64) -> Option<u64> {
    let (int, frac) = match number.split_once('.') {
        Some((i, f)) => (i, f),
        None => (number, ""),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if number.contains('.') && (frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let whole = int.parse::<u64>().ok()?.checked_mul(unit)?;
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        return Some(whole);
    }
    let den = 10u64.checked_pow(u32::try_from(frac.len()).ok()?)?;
    let num = u128::from(frac.parse::<u64>().ok()?) * u128::from(unit);
    if num % u128::from(den) != 0 {
        return None;
    }
    whole.checked_add(u64::try_from(num / u128::from(den)).ok()?)
}

/// Parses a duration: a decimal number immediately followed by a unit,
/// `ns`, `us` (or `µs`), `ms` or `s` (`"150ms"`, `"1.5s"`, `"0s"`), into
/// nanoseconds.  It must be a whole number of nanoseconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let (number, unit) = split_number(s);
    let scale = match unit {
        "ns" => 1,
        "us" | "µs" => US,
        "ms" => MS,
        "s" => SEC,
        _ => {
            return Err(format!(
                "malformed duration {s:?}: expected a number and a unit, ns, us, ms or s \
                 (e.g. \"150ms\", \"1.5s\")"
            ))
        }
    };
    scaled(number, scale).ok_or_else(|| {
        format!(
            "malformed duration {s:?}: {number:?} is not a number of {unit} that gives a whole \
             number of nanoseconds below 2^64"
        )
    })
}

/// Parses a rate: a decimal number immediately followed by `bps`,
/// `kbps`, `Mbps` or `Gbps` (powers of 1000; the prefix letter may be of
/// either case), into bit/s.  It must be a positive whole number of
/// bit/s.
pub fn parse_rate(s: &str) -> Result<u64, String> {
    let (number, unit) = split_number(s);
    let scale = match unit.to_ascii_lowercase().as_str() {
        "bps" => 1,
        "kbps" => 1_000,
        "mbps" => 1_000_000,
        "gbps" => 1_000_000_000,
        _ => {
            return Err(format!(
                "malformed rate {s:?}: expected a number and a unit, bps, kbps, Mbps or Gbps \
                 (e.g. \"5Mbps\")"
            ))
        }
    };
    match scaled(number, scale) {
        Some(0) => Err(format!(
            "rate {s:?} is zero; leave `rate` out for an infinitely fast link"
        )),
        Some(bps) => Ok(bps),
        None => Err(format!(
            "malformed rate {s:?}: {number:?} is not a number that gives a whole number of \
             bit/s below 2^64"
        )),
    }
}

/// Formats `ns` as seconds with nanosecond precision: `1.500000000 s`.
pub fn format_ns(ns: u64) -> String {
    format!("{}.{:09} s", ns / SEC, ns % SEC)
}

/// An interface address with its prefix length: `10.1.1.1/24`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    /// The address.
    pub addr: IpAddr,
    /// The prefix length (at most 32 for IPv4, 128 for IPv6).
    pub prefix_len: u8,
}

impl Cidr {
    /// Parses `ADDR/LEN`.
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let Some((a, l)) = s.split_once('/') else {
            return Err(format!(
                "bad address {s:?}: expected ADDRESS/PREFIX-LENGTH, e.g. \"10.1.1.1/24\" or \
                 \"2001:db8::1/64\""
            ));
        };
        let addr: IpAddr = a
            .parse()
            .map_err(|_| format!("bad address {s:?}: {a:?} is not an IPv4 or IPv6 address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix_len = l.parse::<u8>().ok().filter(|&n| n <= max).ok_or_else(|| {
            format!("bad address {s:?}: the prefix length must be a number from 0 to {max}")
        })?;
        Ok(Cidr { addr, prefix_len })
    }

    /// True if the bits after the prefix are all zero (a network prefix).
    pub fn is_network(&self) -> bool {
        match self.addr {
            IpAddr::V4(a) => {
                let host = u32::MAX
                    .checked_shr(u32::from(self.prefix_len))
                    .unwrap_or(0);
                u32::from(a) & host == 0
            }
            IpAddr::V6(a) => {
                let host = u128::MAX
                    .checked_shr(u32::from(self.prefix_len))
                    .unwrap_or(0);
                u128::from(a) & host == 0
            }
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix_len)
    }
}

/// A duration in a TOML file.
#[derive(Debug, Clone, Copy)]
struct Dur(u64);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Dur;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration string such as \"150ms\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Dur, E> {
                parse_duration(s).map(Dur).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// A rate in a TOML file.
#[derive(Debug, Clone, Copy)]
struct Rate(u64);

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Rate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a rate string such as \"5Mbps\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Rate, E> {
                parse_rate(s).map(Rate).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// The addresses of one link end: `"IP/LEN"` or a list of them.
#[derive(Debug, Clone)]
struct EndAddrs(Vec<Cidr>);

impl<'de> Deserialize<'de> for EndAddrs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EndAddrs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an address such as \"10.1.1.1/24\" or a list of addresses")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<EndAddrs, E> {
                Cidr::parse(s).map(|c| EndAddrs(vec![c])).map_err(E::custom)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<EndAddrs, A::Error> {
                let mut v = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    v.push(Cidr::parse(&s).map_err(de::Error::custom)?);
                }
                Ok(EndAddrs(v))
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------
// The file as written
// ---------------------------------------------------------------------

/// The largest `epoch`, as the kernel's sysctl takes it: 9999-12-31
/// 23:59:59 UTC.
const EPOCH_MAX: u64 = 253_402_300_799;

fn default_seed() -> u64 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    #[serde(default = "default_seed")]
    seed: u64,
    duration: Spanned<Dur>,
    pcap: Option<String>,
    epoch: Option<Spanned<u64>>,
    #[serde(default)]
    node: Vec<RawNode>,
    #[serde(default)]
    link: Vec<RawLink>,
    #[serde(default)]
    app: Vec<RawApp>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    name: Spanned<String>,
    #[serde(default)]
    forwarding: bool,
    #[serde(default)]
    routes: Vec<RawRoute>,
    #[serde(default)]
    sysctl: Option<Spanned<std::collections::BTreeMap<String, String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    to: Spanned<String>,
    via: Spanned<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum RawLinkKind {
    P2p,
    Segment,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    kind: Spanned<RawLinkKind>,
    ends: Option<Spanned<Vec<Spanned<String>>>>,
    nodes: Option<Spanned<Vec<Spanned<String>>>>,
    delay: Option<Dur>,
    rate: Option<Rate>,
    loss: Option<Spanned<f64>>,
    queue: Option<Spanned<usize>>,
    overhead: Option<i64>,
    addresses: Option<Spanned<Vec<Spanned<EndAddrs>>>>,
    #[serde(default)]
    ipv6: bool,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "kebab-case")]
enum RawAppKind {
    Ping,
    TcpSink,
    TcpSend,
    SctpSink,
    SctpSend,
    UdpSink,
    UdpSend,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApp {
    node: Spanned<String>,
    at: Option<Spanned<Dur>>,
    kind: Spanned<RawAppKind>,
    dst: Option<Spanned<String>>,
    port: Option<Spanned<u16>>,
    count: Option<Spanned<u64>>,
    interval: Option<Spanned<Dur>>,
    timeout: Option<Spanned<Dur>>,
    bytes: Option<Spanned<u64>>,
    size: Option<Spanned<u64>>,
    rate: Option<Spanned<Rate>>,
}

// ---------------------------------------------------------------------
// The validated scenario
// ---------------------------------------------------------------------

/// A validated scenario (see the [module documentation](self)).
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
    /// The nodes, in file order (node `i` is [`NodeId`]`(i)`).
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
    pub to: Cidr,
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
    fn describe(&self, nodes: &[NodeSpec]) -> String {
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
    pub addresses: Vec<Cidr>,
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

// ---------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------

/// Turns byte offsets into line numbers.
struct Source<'a> {
    text: &'a str,
}

impl Source<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        let at = span.start.min(self.text.len());
        self.text.as_bytes()[..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn err(&self, span: &Range<usize>, msg: impl Into<String>) -> ScenarioError {
        ScenarioError::new(Some(self.line(span)), msg)
    }

    /// The source line around `span`.
    fn line_text(&self, span: &Range<usize>) -> &str {
        let mut at = span.start.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
        self.text[start..].lines().next().unwrap_or("")
    }

    /// The key of the `key = value` line around `span`, if there is one.
    fn key_at(&self, span: &Range<usize>) -> Option<&str> {
        let (key, _) = self.line_text(span).split_once('=')?;
        let key = key.trim();
        (!key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        .then_some(key)
    }

    /// A TOML or serde error as a one-line [`ScenarioError`].
    fn toml_err(&self, e: &toml::de::Error) -> ScenarioError {
        let msg = e.message().trim().replace('\n', " ");
        match e.span() {
            Some(span) if msg.contains("expected a sequence") => {
                // `[node]` instead of `[[node]]`.
                let line = self.line_text(&span).trim();
                match line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                    Some(t) if !t.starts_with('[') => self.err(
                        &span,
                        format!("`[{t}]` must be `[[{t}]]` (there may be several): {msg}"),
                    ),
                    _ => self.err(&span, msg),
                }
            }
            Some(span) => {
                let key = self
                    .key_at(&span)
                    .filter(|k| !msg.contains(&format!("`{k}`")));
                match key {
                    Some(k) => self.err(&span, format!("`{k}`: {msg}")),
                    None => self.err(&span, msg),
                }
            }
            None => ScenarioError::new(None, msg),
        }
    }
}

/// `1 link`, `2 links`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Largest UDP payload: 65535 - 8 - the IP header (20; 40 for IPv6, whose
/// payload length does not count it).
fn max_udp_payload(dst: &SocketAddr) -> u64 {
    if dst.is_ipv4() {
        65_507
    } else {
        65_527
    }
}

impl Scenario {
    /// Reads and validates the scenario file at `path`; errors carry the
    /// path.  The scenario's [`name`](Scenario::name) is the file's stem.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let with_file = |mut e: ScenarioError| {
            e.file = Some(path.to_owned());
            e
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| with_file(ScenarioError::new(None, e.to_string())))?;
        let mut sc = Scenario::parse(&text).map_err(with_file)?;
        if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
            sc.name = stem.to_owned();
        }
        Ok(sc)
    }

    /// Parses and validates scenario text.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let src = Source { text };
        let raw: RawScenario = toml::from_str(text).map_err(|e| src.toml_err(&e))?;
        let duration_ns = raw.duration.get_ref().0;
        if duration_ns == 0 {
            return Err(src.err(&raw.duration.span(), "`duration` must be more than 0s"));
        }
        if let Some(e) = &raw.epoch {
            if *e.get_ref() > EPOCH_MAX {
                return Err(src.err(
                    &e.span(),
                    format!("`epoch` is seconds since 1970, at most {EPOCH_MAX} (9999-12-31)"),
                ));
            }
        }

        // Nodes.
        if raw.node.is_empty() {
            return Err(ScenarioError::new(
                None,
                "the scenario has no node: add at least one [[node]] with a `name`",
            ));
        }
        if raw.node.len() >= usize::from(u16::MAX) {
            return Err(ScenarioError::new(
                None,
                format!("{} nodes: at most 65534 are supported", raw.node.len()),
            ));
        }
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut nodes = Vec::new();
        for n in &raw.node {
            let name = n.name.get_ref();
            if !valid_name(name) {
                return Err(src.err(
                    &n.name.span(),
                    format!(
                        "node name {name:?} is not valid: use letters, digits, `-` and `_` only"
                    ),
                ));
            }
            if index.insert(name.clone(), nodes.len()).is_some() {
                return Err(src.err(&n.name.span(), format!("duplicate node name `{name}`")));
            }
            let mut sysctls = Vec::new();
            for (key, value) in n.sysctl.iter().flat_map(|t| t.get_ref()) {
                let dotted = key.trim_start_matches('.');
                if dotted.is_empty() || dotted.contains(['/', ' ']) || dotted.contains("..") {
                    let span = n.sysctl.as_ref().map_or(n.name.span(), |t| t.span());
                    return Err(src.err(
                        &span,
                        format!(
                            "sysctl name {key:?} is not valid: use dotted names such as \
                             \"net.ipv4.tcp_rmem\""
                        ),
                    ));
                }
                sysctls.push((format!(".{dotted}"), value.clone()));
            }
            nodes.push(NodeSpec {
                name: name.clone(),
                forwarding: n.forwarding,
                routes: Vec::new(),
                sysctls,
            });
        }
        let known = || {
            raw.node
                .iter()
                .map(|n| n.name.get_ref().as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let lookup = |s: &Spanned<String>, what: &str| -> Result<usize, ScenarioError> {
            index.get(s.get_ref()).copied().ok_or_else(|| {
                src.err(
                    &s.span(),
                    format!(
                        "unknown node `{}` in {what} (the nodes are: {})",
                        s.get_ref(),
                        known()
                    ),
                )
            })
        };

        // Routes.
        for (n, spec) in raw.node.iter().zip(nodes.iter_mut()) {
            for r in &n.routes {
                let via: IpAddr = r.via.get_ref().parse().map_err(|_| {
                    src.err(
                        &r.via.span(),
                        format!(
                            "bad route gateway {:?}: `via` must be an IPv4 or IPv6 address",
                            r.via.get_ref()
                        ),
                    )
                })?;
                let to = if r.to.get_ref() == "default" {
                    Cidr {
                        addr: match via {
                            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                        },
                        prefix_len: 0,
                    }
                } else {
                    let c = Cidr::parse(r.to.get_ref())
                        .map_err(|m| src.err(&r.to.span(), format!("route `to`: {m}")))?;
                    if !c.is_network() {
                        return Err(src.err(
                            &r.to.span(),
                            format!(
                                "route `to` {c} has bits set after the prefix length (write \
                                 the network, e.g. \"10.2.0.0/16\")"
                            ),
                        ));
                    }
                    c
                };
                if to.addr.is_ipv4() != via.is_ipv4() {
                    return Err(src.err(
                        &r.via.span(),
                        format!("route to {to} via {via} mixes IPv4 and IPv6"),
                    ));
                }
                spec.routes.push(RouteSpec { to, via });
            }
        }

        // Links.
        let mut devices = vec![0u32; nodes.len()];
        let mut used: HashMap<IpAddr, String> = HashMap::new();
        let mut links = Vec::new();
        for l in &raw.link {
            let kind = *l.kind.get_ref();
            let (members, key, other) = match kind {
                RawLinkKind::P2p => (&l.ends, "ends", &l.nodes),
                RawLinkKind::Segment => (&l.nodes, "nodes", &l.ends),
            };
            let kind_name = match kind {
                RawLinkKind::P2p => "p2p",
                RawLinkKind::Segment => "segment",
            };
            if let Some(o) = other {
                return Err(src.err(
                    &o.span(),
                    format!(
                        "a {kind_name} link lists its nodes in `{key}`, not `{}`",
                        if key == "ends" { "nodes" } else { "ends" }
                    ),
                ));
            }
            let Some(members) = members else {
                return Err(src.err(
                    &l.kind.span(),
                    format!("a {kind_name} link needs `{key}`, the nodes it joins"),
                ));
            };
            let count_ok = match kind {
                RawLinkKind::P2p => members.get_ref().len() == 2,
                RawLinkKind::Segment => members.get_ref().len() >= 2,
            };
            if !count_ok {
                return Err(src.err(
                    &members.span(),
                    format!(
                        "`{key}` of a {kind_name} link must list {} nodes, not {}",
                        if kind == RawLinkKind::P2p {
                            "two"
                        } else {
                            "two or more"
                        },
                        members.get_ref().len()
                    ),
                ));
            }
            let mut ends_idx = Vec::new();
            for m in members.get_ref() {
                let i = lookup(m, &format!("`{key}`"))?;
                if ends_idx.contains(&i) {
                    return Err(src.err(
                        &m.span(),
                        format!("node `{}` is listed twice in `{key}`", m.get_ref()),
                    ));
                }
                ends_idx.push(i);
            }
            let mut addrs: Vec<Vec<Cidr>> = vec![Vec::new(); ends_idx.len()];
            if let Some(a) = &l.addresses {
                if a.get_ref().len() != ends_idx.len() {
                    return Err(src.err(
                        &a.span(),
                        format!(
                            "`addresses` has {} but the link has {} nodes: give one entry (an \
                             address or a list) per node of `{key}`, in the same order",
                            plural(a.get_ref().len(), "entry", "entries"),
                            ends_idx.len()
                        ),
                    ));
                }
                for (k, (entry, &node)) in a.get_ref().iter().zip(&ends_idx).enumerate() {
                    for c in &entry.get_ref().0 {
                        // This end is the node's next device.
                        let owner = format!("{}/sim{}", nodes[node].name, devices[node]);
                        if let Some(prev) = used.insert(c.addr, owner) {
                            return Err(src.err(
                                &entry.span(),
                                format!("address {} is already used by {prev}", c.addr),
                            ));
                        }
                        addrs[k].push(*c);
                    }
                }
            }
            let delay_ns = l.delay.map_or(0, |d| d.0);
            let rate_bps = l.rate.map_or(0, |r| r.0);
            let loss = l.loss.as_ref().map_or(0.0, |s| *s.get_ref());
            let queue_limit = l
                .queue
                .as_ref()
                .map_or(crate::link::DEFAULT_QUEUE_LIMIT, |s| *s.get_ref());
            let wire_overhead_bytes = l.overhead.unwrap_or(0);
            let where_ = |e: LinkError| {
                let span = match (e, &l.loss, &l.queue) {
                    (LinkError::LossNotANumber | LinkError::LossOutOfRange(_), Some(s), _) => {
                        s.span()
                    }
                    (LinkError::QueueLimitZero, _, Some(s)) => s.span(),
                    _ => l.kind.span(),
                };
                src.err(&span, e.to_string())
            };
            let model = match kind {
                RawLinkKind::P2p => {
                    let c = PointToPointConfig {
                        delay_ns,
                        rate_bps,
                        queue_limit,
                        loss,
                        wire_overhead_bytes,
                    };
                    PointToPoint::new(c).map_err(where_)?;
                    LinkKind::PointToPoint(c)
                }
                RawLinkKind::Segment => {
                    let c = SegmentConfig {
                        ports: ends_idx.len(),
                        delay_ns,
                        rate_bps,
                        queue_limit,
                        loss,
                        wire_overhead_bytes,
                    };
                    Segment::new(c).map_err(where_)?;
                    LinkKind::Segment(c)
                }
            };
            let ends = ends_idx
                .iter()
                .zip(addrs)
                .map(|(&node, addresses)| {
                    let device = devices[node];
                    devices[node] += 1;
                    EndSpec {
                        node,
                        device,
                        addresses,
                    }
                })
                .collect();
            links.push(LinkSpec {
                kind: model,
                ends,
                ipv6: l.ipv6,
            });
        }
        if devices.iter().any(|&d| d >= u32::from(u16::MAX)) {
            return Err(ScenarioError::new(None, "too many devices on one node"));
        }

        // Applications.
        let mut apps = Vec::new();
        let mut sinks: HashSet<(usize, &str, u16)> = HashSet::new();
        for a in &raw.app {
            let node = lookup(&a.node, "`node`")?;
            let kind = *a.kind.get_ref();
            let kname = match kind {
                RawAppKind::Ping => "ping",
                RawAppKind::TcpSink => "tcp-sink",
                RawAppKind::TcpSend => "tcp-send",
                RawAppKind::SctpSink => "sctp-sink",
                RawAppKind::SctpSend => "sctp-send",
                RawAppKind::UdpSink => "udp-sink",
                RawAppKind::UdpSend => "udp-send",
            };
            let allowed: &[&str] = match kind {
                RawAppKind::Ping => &["dst", "count", "interval", "timeout"],
                RawAppKind::TcpSink | RawAppKind::SctpSink => &["port"],
                RawAppKind::TcpSend | RawAppKind::SctpSend => &["dst", "bytes"],
                RawAppKind::UdpSink => &["port", "count"],
                RawAppKind::UdpSend => &["dst", "count", "size", "rate"],
            };
            let present: [(&str, Option<Range<usize>>); 8] = [
                ("dst", a.dst.as_ref().map(|s| s.span())),
                ("port", a.port.as_ref().map(|s| s.span())),
                ("count", a.count.as_ref().map(|s| s.span())),
                ("interval", a.interval.as_ref().map(|s| s.span())),
                ("timeout", a.timeout.as_ref().map(|s| s.span())),
                ("bytes", a.bytes.as_ref().map(|s| s.span())),
                ("size", a.size.as_ref().map(|s| s.span())),
                ("rate", a.rate.as_ref().map(|s| s.span())),
            ];
            for (k, span) in &present {
                if let Some(span) = span {
                    if !allowed.contains(k) {
                        return Err(src.err(
                            span,
                            format!(
                                "`{k}` is not a key of a {kname} app (its keys are node, at, \
                                 kind, {})",
                                allowed.join(", ")
                            ),
                        ));
                    }
                }
            }
            let need = |k: &str| src.err(&a.kind.span(), format!("a {kname} app needs `{k}`"));
            let at_ns = a.at.as_ref().map_or(0, |s| s.get_ref().0);
            if at_ns >= duration_ns {
                let span = a.at.as_ref().map_or(a.kind.span(), |s| s.span());
                return Err(src.err(
                    &span,
                    format!(
                        "the {kname} app starts at {}, not before the end of the scenario \
                         (`duration` {})",
                        format_ns(at_ns),
                        format_ns(duration_ns)
                    ),
                ));
            }
            let positive = |v: &Option<Spanned<u64>>, k: &str| -> Result<u64, ScenarioError> {
                let v = v.as_ref().ok_or_else(|| need(k))?;
                if *v.get_ref() == 0 {
                    return Err(src.err(&v.span(), format!("`{k}` must be at least 1")));
                }
                Ok(*v.get_ref())
            };
            let sock_dst = || -> Result<SocketAddr, ScenarioError> {
                let d = a.dst.as_ref().ok_or_else(|| need("dst"))?;
                let s: SocketAddr = d.get_ref().parse().map_err(|_| {
                    src.err(
                        &d.span(),
                        format!(
                            "bad `dst` {:?}: expected ADDRESS:PORT, e.g. \"10.1.1.2:5001\" or \
                             \"[2001:db8::2]:5001\"",
                            d.get_ref()
                        ),
                    )
                })?;
                if s.port() == 0 || s.ip().is_unspecified() {
                    return Err(src.err(
                        &d.span(),
                        format!("bad `dst` {s}: it needs a real address and a port other than 0"),
                    ));
                }
                Ok(s)
            };
            let mut port = |proto: &'static str| -> Result<u16, ScenarioError> {
                let p = a.port.as_ref().ok_or_else(|| need("port"))?;
                if *p.get_ref() == 0 {
                    return Err(src.err(&p.span(), "`port` must not be 0"));
                }
                if !sinks.insert((node, proto, *p.get_ref())) {
                    return Err(src.err(
                        &p.span(),
                        format!(
                            "node `{}` already has a {proto} sink on port {}",
                            nodes[node].name,
                            p.get_ref()
                        ),
                    ));
                }
                Ok(*p.get_ref())
            };
            let kind = match kind {
                RawAppKind::Ping => {
                    let d = a.dst.as_ref().ok_or_else(|| need("dst"))?;
                    let dst: IpAddr = d.get_ref().parse().map_err(|_| {
                        src.err(
                            &d.span(),
                            format!(
                                "bad `dst` {:?}: a ping needs an IPv4 or IPv6 address",
                                d.get_ref()
                            ),
                        )
                    })?;
                    let count = positive(&a.count, "count")?;
                    let count = u32::try_from(count).map_err(|_| {
                        src.err(
                            &a.count.as_ref().expect("checked").span(),
                            "`count` of a ping must be below 2^32",
                        )
                    })?;
                    let interval_ns = a.interval.as_ref().map_or(SEC, |s| s.get_ref().0);
                    let timeout_ns = a.timeout.as_ref().map_or(SEC, |s| s.get_ref().0);
                    for (k, v) in [("interval", &a.interval), ("timeout", &a.timeout)] {
                        if let Some(v) = v.as_ref().filter(|v| v.get_ref().0 == 0) {
                            return Err(src.err(&v.span(), format!("`{k}` must be more than 0s")));
                        }
                    }
                    AppKind::Ping {
                        dst,
                        count,
                        interval_ns,
                        timeout_ns,
                    }
                }
                RawAppKind::TcpSink => AppKind::TcpSink {
                    port: port("tcp")?,
                    proto: Stream::Tcp,
                },
                RawAppKind::TcpSend => AppKind::TcpSend {
                    dst: sock_dst()?,
                    bytes: positive(&a.bytes, "bytes")?,
                    proto: Stream::Tcp,
                },
                RawAppKind::SctpSink => AppKind::TcpSink {
                    port: port("sctp")?,
                    proto: Stream::Sctp,
                },
                RawAppKind::SctpSend => AppKind::TcpSend {
                    dst: sock_dst()?,
                    bytes: positive(&a.bytes, "bytes")?,
                    proto: Stream::Sctp,
                },
                RawAppKind::UdpSink => AppKind::UdpSink {
                    port: port("udp")?,
                    count: positive(&a.count, "count")?,
                },
                RawAppKind::UdpSend => {
                    let dst = sock_dst()?;
                    let count = positive(&a.count, "count")?;
                    let size = positive(&a.size, "size")?;
                    if size > max_udp_payload(&dst) {
                        return Err(src.err(
                            &a.size.as_ref().expect("checked").span(),
                            format!(
                                "`size` {size} is more than a UDP datagram can carry ({})",
                                max_udp_payload(&dst)
                            ),
                        ));
                    }
                    AppKind::UdpSend {
                        dst,
                        count,
                        size: size as usize,
                        rate_bps: a.rate.as_ref().map(|r| r.get_ref().0),
                    }
                }
            };
            apps.push(AppSpec { node, at_ns, kind });
        }

        Ok(Scenario {
            name: "scenario".into(),
            seed: raw.seed,
            duration_ns,
            pcap: raw.pcap.map(PathBuf::from),
            epoch: raw.epoch.map(|e| *e.get_ref()),
            nodes,
            links,
            apps,
        })
    }
}

// ---------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------

/// How far an application got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppStatus {
    /// Its start time was not reached.
    NotStarted,
    /// Still running when the simulation ended (for example a sink still
    /// waiting for data).
    Running,
    /// Finished.
    Done,
    /// Failed: the call and the errno.
    Failed(String),
}

impl fmt::Display for AppStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppStatus::NotStarted => f.write_str("not started"),
            AppStatus::Running => f.write_str("still running"),
            AppStatus::Done => f.write_str("done"),
            AppStatus::Failed(e) => write!(f, "failed: {e}"),
        }
    }
}

/// What an application measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppResult {
    /// A `ping`: the report of [`ping::ping`] (empty unless it finished).
    Ping(PingReport),
    /// A `tcp-sink` or `udp-sink`: what arrived.
    Sink(Received),
    /// A `tcp-send` or `udp-send`: what was sent.
    Source(Sent),
}

/// The outcome of one `[[app]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppReport {
    /// Name of its node.
    pub node: String,
    /// The application as specified.
    pub spec: AppSpec,
    /// How far it got.
    pub status: AppStatus,
    /// What it measured.
    pub result: AppResult,
}

/// RTT statistics of a ping: `(min, avg, max)` in ns, the average rounded
/// down; `None` without replies.
pub fn rtt_stats(p: &PingReport) -> Option<(u64, u64, u64)> {
    let rtts = p.replies.iter().map(|r| r.rtt_ns);
    let min = rtts.clone().min()?;
    let max = rtts.clone().max()?;
    let avg = rtts.sum::<u64>() / p.replies.len() as u64;
    Some((min, avg, max))
}

/// `ns` as microseconds with three decimals: `20313.600`.
fn us(ns: u64) -> String {
    format!("{}.{:03}", ns / 1000, ns % 1000)
}

impl AppReport {
    /// `ping a -> 10.1.1.2`, `tcp-sink b port 5001`...
    pub fn title(&self) -> String {
        let k = self.spec.kind.name();
        match self.spec.kind {
            AppKind::Ping { dst, .. } => format!("{k} {} -> {dst}", self.node),
            AppKind::TcpSend { dst, .. } | AppKind::UdpSend { dst, .. } => {
                format!("{k} {} -> {dst}", self.node)
            }
            AppKind::TcpSink { port, .. } | AppKind::UdpSink { port, .. } => {
                format!("{k} {} port {port}", self.node)
            }
        }
    }
}

impl fmt::Display for AppReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at {}: {}",
            self.title(),
            format_ns(self.spec.at_ns),
            self.status
        )?;
        match (&self.result, self.spec.kind) {
            _ if self.status == AppStatus::NotStarted => Ok(()),
            // ping() reports only when it returns.
            (AppResult::Ping(_), _) if self.status != AppStatus::Done => Ok(()),
            (AppResult::Ping(p), AppKind::Ping { count, .. }) => {
                write!(
                    f,
                    "; {} of {count} sent, {} received, {} lost, {} duplicates",
                    p.sent,
                    p.replies.len(),
                    p.lost(),
                    p.duplicates
                )?;
                if let Some((min, avg, max)) = rtt_stats(p) {
                    write!(
                        f,
                        "; rtt min/avg/max {}/{}/{} us",
                        us(min),
                        us(avg),
                        us(max)
                    )?;
                    let mut ttls: Vec<String> = Vec::new();
                    for r in &p.replies {
                        let t = r.ttl.map_or("?".to_owned(), |t| t.to_string());
                        if !ttls.contains(&t) {
                            ttls.push(t);
                        }
                    }
                    write!(f, "; ttl {}", ttls.join(","))?;
                    if p.replies.iter().any(|r| !r.data_ok) {
                        f.write_str("; some replies carry wrong data")?;
                    }
                }
                Ok(())
            }
            (AppResult::Sink(r), kind) => {
                match kind {
                    AppKind::UdpSink { count, .. } => {
                        write!(f, "; {} of {count} datagrams, {} bytes", r.chunks, r.bytes)?
                    }
                    _ => write!(f, "; {} bytes in {} reads", r.bytes, r.chunks)?,
                }
                if let Some(peer) = r.peer {
                    write!(f, " from {}", canonical(peer))?;
                }
                write!(f, "; fnv1a {:#018x}", r.hash.0)?;
                if let AppKind::TcpSink { .. } = kind {
                    match r.goodput_bps() {
                        Some(bps) => write!(f, "; goodput {:.3} Mbit/s", bps / 1e6)?,
                        None => f.write_str("; goodput n/a")?,
                    }
                }
                Ok(())
            }
            (AppResult::Source(s), AppKind::TcpSend { bytes, .. }) => {
                write!(
                    f,
                    "; {} of {bytes} bytes sent; fnv1a {:#018x}",
                    s.bytes, s.hash.0
                )
            }
            (AppResult::Source(s), AppKind::UdpSend { count, size, .. }) => write!(
                f,
                "; {} of {count} datagrams of {size} bytes sent; fnv1a {:#018x}",
                s.chunks, s.hash.0
            ),
            _ => Ok(()),
        }
    }
}

/// An IPv4-mapped IPv6 peer (`::ffff:10.1.1.1`) as plain IPv4.
fn canonical(a: SocketAddr) -> SocketAddr {
    match a {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), v6.port()),
            None => a,
        },
        SocketAddr::V4(_) => a,
    }
}

/// The counters of one device at the end of the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceReport {
    /// Name of its node.
    pub node: String,
    /// Its name on the node (`sim0`, ...).
    pub name: String,
    /// Its MAC address.
    pub mac: [u8; 6],
    /// Its link: `p2p a-b` or `segment a,b,c`.
    pub link: String,
    /// Its counters.
    pub stats: DeviceStats,
}

impl fmt::Display for DeviceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.mac;
        let s = &self.stats;
        write!(
            f,
            "{} {} {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x} ({}): tx {} frames {} bytes, rx {} \
             frames {} bytes; dropped {} queue, {} lost, {} oversize, {} unconnected",
            self.node,
            self.name,
            m[0],
            m[1],
            m[2],
            m[3],
            m[4],
            m[5],
            self.link,
            s.tx_frames,
            s.tx_bytes,
            s.rx_frames,
            s.rx_bytes,
            s.link_queue_drops,
            s.link_losses,
            s.tx_oversize,
            s.tx_unconnected
        )
    }
}

/// What a run produced.  Its [`Display`](fmt::Display) form is the
/// deterministic text report the CLI prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The scenario's name.
    pub name: String,
    /// The seed used.
    pub seed: u64,
    /// Number of nodes.
    pub nodes: usize,
    /// Number of links.
    pub links: usize,
    /// Virtual time at the end, in ns.
    pub end_ns: u64,
    /// Events processed.
    pub events: u64,
    /// One per `[[app]]`, in file order.
    pub apps: Vec<AppReport>,
    /// One per device, in the order the links created them.
    pub devices: Vec<DeviceReport>,
}

impl Report {
    /// The report of the first application on `node` of kind `kind` (as
    /// written in the file: `"ping"`, `"tcp-sink"`...).
    pub fn app(&self, node: &str, kind: &str) -> Option<&AppReport> {
        self.apps
            .iter()
            .find(|a| a.node == node && a.spec.kind.name() == kind)
    }

    /// The report of device `name` of `node`.
    pub fn device(&self, node: &str, name: &str) -> Option<&DeviceReport> {
        self.devices
            .iter()
            .find(|d| d.node == node && d.name == name)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "scenario {}: {}, {}, {}, seed {}; ran to {}, {} events",
            self.name,
            plural(self.nodes, "node", "nodes"),
            plural(self.links, "link", "links"),
            plural(self.apps.len(), "app", "apps"),
            self.seed,
            format_ns(self.end_ns),
            self.events
        )?;
        for (i, a) in self.apps.iter().enumerate() {
            writeln!(f, "app {}: {a}", i + 1)?;
        }
        for d in &self.devices {
            writeln!(f, "device {d}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------

/// IPV4_DEVCONF_FORWARDING.
const IPV4_DEVCONF_FORWARDING: u16 = 1;
/// `addrgenmode none` (IN6_ADDR_GEN_MODE_NONE).
const ADDR_GEN_MODE_NONE: u8 = 1;

/// How one device of a node is configured.
#[derive(Debug, Clone)]
struct DevPlan {
    name: String,
    addresses: Vec<Cidr>,
    arp: bool,
    silent_v6: bool,
}

/// Everything a node's configuration task does.
#[derive(Debug, Clone)]
struct NodePlan {
    devices: Vec<DevPlan>,
    forwarding: bool,
    routes: Vec<RouteSpec>,
    sysctls: Vec<(String, String)>,
}

/// The configuration task's body: `ip` commands over rtnetlink.
fn configure(e: &dce_abi::SimExported, plan: &NodePlan) -> Result<(), String> {
    let fail = |cmd: String| move |err| format!("`{cmd}`: {err}");
    for (name, value) in &plan.sysctls {
        crate::sysctl::set(e, name, value)
            .map_err(|err| format!("sysctl {}={value}: {err}", &name[1..]))?;
    }
    let mut rt = Rtnl::open(e).map_err(|err| format!("rtnetlink socket: {err}"))?;
    rt.link_set(1, true, None)
        .map_err(fail("ip link set lo up".into()))?;
    for d in &plan.devices {
        let idx = rt
            .link_index(&d.name)
            .map_err(fail(format!("ip link show {}", d.name)))?;
        if d.silent_v6 {
            rt.link_set_addrgenmode(idx, ADDR_GEN_MODE_NONE)
                .map_err(fail(format!("ip link set {} addrgenmode none", d.name)))?;
        }
        for a in &d.addresses {
            rt.addr_add(idx, a.addr, a.prefix_len)
                .map_err(fail(format!("ip addr add {a} dev {}", d.name)))?;
        }
        let arp = if d.arp { "on" } else { "off" };
        rt.link_set(idx, true, Some(d.arp))
            .map_err(fail(format!("ip link set {} up arp {arp}", d.name)))?;
        if plan.forwarding {
            rt.link_set_ipv4_conf(idx, IPV4_DEVCONF_FORWARDING, 1)
                .map_err(fail(format!(
                    "sysctl net.ipv4.conf.{}.forwarding=1",
                    d.name
                )))?;
        }
    }
    for r in &plan.routes {
        rt.route_add(r.to.addr, r.to.prefix_len, Some(r.via), None)
            .map_err(fail(format!("ip route add {} via {}", r.to, r.via)))?;
    }
    Ok(())
}

/// Creates a [`Host`] with the scenario's seed and loads `library` on one
/// node per `[[node]]`, the way DCE's CoojaLoader does.
pub fn boot(library: &Path, sc: &Scenario) -> Result<Pin<Box<Host>>, RunError> {
    boot_with(library, sc, LoaderMode::Cooja)
}

/// [`boot`] with another loader mode.
pub fn boot_with(
    library: &Path,
    sc: &Scenario,
    mode: LoaderMode,
) -> Result<Pin<Box<Host>>, RunError> {
    let host = Host::with_loader(
        SimConfig {
            seed: sc.seed,
            ..SimConfig::default()
        },
        mode,
    )?;
    for _ in &sc.nodes {
        host.load_node_library(library)?;
    }
    Ok(host)
}

/// Runs `sc` on a freshly booted host (see [`boot`]), to
/// `sc.duration_ns`.
pub fn run(library: &Path, sc: &Scenario) -> Result<Report, RunError> {
    let host = boot(library, sc)?;
    run_on(&host, sc)
}

/// The state of one application while the simulation runs.
struct AppState {
    status: RefCell<AppStatus>,
    ping: RefCell<PingReport>,
    received: Cell<Received>,
    sent: Cell<Sent>,
}

/// Runs `sc` on `host`, which must have exactly one node per `[[node]]`
/// and still be at virtual time 0 with nothing else set up (as [`boot`]
/// leaves it): builds the network, configures the nodes, starts the
/// applications, runs to `sc.duration_ns` and reports.
pub fn run_on(host: &Host, sc: &Scenario) -> Result<Report, RunError> {
    let sim = host.sim();
    if sim.node_count() != sc.nodes.len() || sim.now() != 0 {
        return Err(RunError::Setup(format!(
            "the host has {} nodes at {}; the scenario needs a fresh host with {} nodes",
            sim.node_count(),
            format_ns(sim.now()),
            sc.nodes.len()
        )));
    }
    if let Some(dir) = &sc.pcap {
        host.enable_pcap(dir, &sc.name)?;
    }

    // 1. Devices and links.
    let mut plans: Vec<NodePlan> = sc
        .nodes
        .iter()
        .map(|n| NodePlan {
            devices: Vec::new(),
            forwarding: n.forwarding,
            routes: n.routes.clone(),
            sysctls: sc
                .epoch
                .map(|e| (".lkl.epoch".to_string(), e.to_string()))
                .into_iter()
                .chain(n.sysctls.iter().cloned())
                .collect(),
        })
        .collect();
    let mut devices: Vec<(DeviceId, String)> = Vec::new();
    for l in &sc.links {
        let mut ids = Vec::new();
        let segment = matches!(l.kind, LinkKind::Segment(_));
        for end in &l.ends {
            let mac = mac_of(end.node, end.device);
            let cfg = if segment {
                DeviceConfig::csma(mac)
            } else {
                DeviceConfig::point_to_point(mac)
            };
            let id = host.add_device(NodeId(end.node as u32), cfg)?;
            if id.index != end.device {
                return Err(RunError::Setup(format!(
                    "node {} already had devices: it got sim{} instead of sim{}",
                    sc.nodes[end.node].name, id.index, end.device
                )));
            }
            ids.push(id);
            devices.push((id, l.describe(&sc.nodes)));
            plans[end.node].devices.push(DevPlan {
                name: format!("sim{}", end.device),
                addresses: end.addresses.clone(),
                arp: segment,
                silent_v6: !l.ipv6 && end.addresses.iter().all(|a| a.addr.is_ipv4()),
            });
        }
        match l.kind {
            LinkKind::PointToPoint(c) => host.connect_p2p(ids[0], ids[1], c)?,
            LinkKind::Segment(c) => host.connect_segment(&ids, c)?,
        }
    }
    // Boot: every node's sim_init and device creation run at t=0.
    host.run_until(0)?;

    // 2. Configuration, one task per node, at t=0.
    // Per node: None while its configuration runs, then its outcome.
    type Outcome = Option<Result<(), String>>;
    let results: Rc<RefCell<Vec<Outcome>>> = Rc::new(RefCell::new(vec![None; sc.nodes.len()]));
    for (i, plan) in plans.into_iter().enumerate() {
        let node = NodeId(i as u32);
        let e = host.exported(node).ok_or_else(|| {
            RunError::Setup(format!("node {} did not initialize", sc.nodes[i].name))
        })?;
        let results = results.clone();
        sim.schedule(node, 0, move |sim| {
            let stack = sim.config().task_stack_size;
            let r = sim.atask_start(node, stack, move |_| {
                let r = configure(&e, &plan);
                results.borrow_mut()[i] = Some(r);
            });
            debug_assert!(r.is_ok());
        })?;
    }
    // Configuration takes no virtual time unless a request blocks; give it
    // up to a second before calling it stuck.
    let mut t = 0;
    while results.borrow().iter().any(Option::is_none) && t <= SEC {
        host.run_until(t)?;
        t = if t == 0 { 1 } else { t * 10 };
    }
    for (i, r) in results.borrow().iter().enumerate() {
        let name = &sc.nodes[i].name;
        match r {
            None => {
                return Err(RunError::Setup(format!(
                    "node {name}: its configuration did not finish"
                )))
            }
            Some(Err(msg)) => return Err(RunError::Setup(format!("node {name}: {msg}"))),
            Some(Ok(())) => {}
        }
    }

    // 3. Applications.
    let states: Vec<Rc<AppState>> = sc
        .apps
        .iter()
        .map(|_| {
            Rc::new(AppState {
                status: RefCell::new(AppStatus::NotStarted),
                ping: RefCell::new(PingReport::default()),
                received: Cell::new(Received::default()),
                sent: Cell::new(Sent::default()),
            })
        })
        .collect();
    let now = sim.now();
    for (app, st) in sc.apps.iter().zip(&states) {
        let node = NodeId(app.node as u32);
        let e = host.exported(node).expect("configured above");
        let st = st.clone();
        let kind = app.kind;
        let hp: *const Host = host;
        sim.schedule(node, app.at_ns.saturating_sub(now), move |sim| {
            let stack = sim.config().task_stack_size;
            let r = sim.atask_start(node, stack, move |sim| {
                *st.status.borrow_mut() = AppStatus::Running;
                let clock = || sim.now();
                let any = |port| SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port);
                let r = match kind {
                    AppKind::Ping {
                        dst,
                        count,
                        interval_ns,
                        timeout_ns,
                    } => ping::ping(&e, dst, count, interval_ns, timeout_ns, clock)
                        .map(|p| *st.ping.borrow_mut() = p),
                    AppKind::TcpSink { port, proto } => {
                        transfer::stream_sink(&e, proto.ipproto(), any(port), clock, &st.received)
                    }
                    AppKind::TcpSend { dst, bytes, proto } => {
                        transfer::stream_source(&e, proto.ipproto(), dst, bytes, clock, &st.sent)
                    }
                    AppKind::UdpSink { port, count } => {
                        transfer::udp_sink(&e, any(port), count, clock, &st.received)
                    }
                    AppKind::UdpSend {
                        dst,
                        count,
                        size,
                        rate_bps,
                    } => {
                        // Paced sends wait in poll() with no descriptor: a
                        // DCE PollTable timed by a simulator event, exact
                        // in virtual time.
                        let wait = |ns: u64| {
                            // SAFETY: the host outlives its tasks.
                            let host = unsafe { &*hp };
                            let _ = host.poll(&e, &mut [], Some(ns));
                        };
                        let pace = rate_bps.map(|r| transfer::Pace {
                            rate_bps: r,
                            wait: &wait,
                        });
                        transfer::udp_source(&e, dst, count, size, pace, clock, &st.sent)
                    }
                };
                *st.status.borrow_mut() = match r {
                    Ok(()) => AppStatus::Done,
                    Err(err) => AppStatus::Failed(err.to_string()),
                };
            });
            // An application may still be blocked in the kernel when the
            // host is dropped; the host then abandons its stack.
            debug_assert!(r.is_ok());
        })?;
    }

    let mut result = host.run_until(sc.duration_ns.max(now));
    // The simulation is over: DCE's teardown closes what the programs
    // left open, with no current task.
    if result.is_ok() {
        result = host.teardown();
    }
    let pcap = if sc.pcap.is_some() {
        host.finish_pcap()
    } else {
        Ok(())
    };
    result?;
    pcap?;

    let apps = sc
        .apps
        .iter()
        .zip(&states)
        .map(|(spec, st)| AppReport {
            node: sc.nodes[spec.node].name.clone(),
            spec: *spec,
            status: st.status.borrow().clone(),
            result: match spec.kind {
                AppKind::Ping { .. } => AppResult::Ping(st.ping.borrow().clone()),
                AppKind::TcpSink { .. } | AppKind::UdpSink { .. } => {
                    AppResult::Sink(st.received.get())
                }
                AppKind::TcpSend { .. } | AppKind::UdpSend { .. } => {
                    AppResult::Source(st.sent.get())
                }
            },
        })
        .collect();
    let devices = devices
        .into_iter()
        .map(|(id, link)| DeviceReport {
            node: sc.nodes[id.node.0 as usize].name.clone(),
            name: format!("sim{}", id.index),
            mac: mac_of(id.node.0 as usize, id.index),
            link,
            stats: host.device_stats(id),
        })
        .collect();
    Ok(Report {
        name: sc.name.clone(),
        seed: sim.config().seed,
        nodes: sc.nodes.len(),
        links: sc.links.len(),
        end_ns: sim.now(),
        events: sim.events_processed_total(),
        apps,
        devices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit_and_are_exact() {
        assert_eq!(parse_duration("150ms"), Ok(150 * MS));
        assert_eq!(parse_duration("20s"), Ok(20 * SEC));
        assert_eq!(parse_duration("1.5s"), Ok(1_500 * MS));
        assert_eq!(parse_duration("0.000000001s"), Ok(1));
        assert_eq!(parse_duration("7us"), Ok(7 * US));
        assert_eq!(parse_duration("7µs"), Ok(7 * US));
        assert_eq!(parse_duration("12ns"), Ok(12));
        assert_eq!(parse_duration("0s"), Ok(0));
        assert_eq!(parse_duration("2.50ms"), Ok(2_500_000));
        for bad in [
            "",
            "10",
            "10 ms",
            "ms",
            "1.5ns",
            "-1s",
            "1.s",
            ".5s",
            "1e3ms",
            "10min",
            "99999999999s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_duration("10 ms")
            .unwrap_err()
            .contains("ns, us, ms or s"));
    }

    #[test]
    fn rates_take_a_unit_and_must_be_positive() {
        assert_eq!(parse_rate("5Mbps"), Ok(5_000_000));
        assert_eq!(parse_rate("100mbps"), Ok(100_000_000));
        assert_eq!(parse_rate("1.5Gbps"), Ok(1_500_000_000));
        assert_eq!(parse_rate("64kbps"), Ok(64_000));
        assert_eq!(parse_rate("9600bps"), Ok(9600));
        for bad in ["5", "5 Mbps", "5MBs", "0bps", "0.5bps", "Mbps"] {
            assert!(parse_rate(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_rate("0Mbps")
            .unwrap_err()
            .contains("leave `rate` out"));
    }

    #[test]
    fn addresses_need_a_prefix_length() {
        let c = Cidr::parse("10.1.1.1/24").unwrap();
        assert_eq!(c.to_string(), "10.1.1.1/24");
        assert!(!c.is_network());
        assert!(Cidr::parse("10.1.0.0/16").unwrap().is_network());
        assert!(Cidr::parse("0.0.0.0/0").unwrap().is_network());
        assert!(Cidr::parse("2001:db8::/32").unwrap().is_network());
        assert!(!Cidr::parse("2001:db8::1/64").unwrap().is_network());
        assert!(Cidr::parse("10.1.1.1").is_err());
        assert!(Cidr::parse("10.1.1.1/33").is_err());
        assert!(Cidr::parse("2001:db8::1/129").is_err());
        assert!(Cidr::parse("10.1.1.300/24")
            .unwrap_err()
            .contains("not an IPv4"));
    }

    const GOOD: &str = r#"
duration = "20s"

[[node]]
name = "a"
routes = [{ to = "default", via = "10.1.1.2" }]
[[node]]
name = "b"
forwarding = true
[[node]]
name = "c"

[[link]]
kind = "p2p"
ends = ["a", "b"]
delay = "10ms"
rate = "5Mbps"
addresses = ["10.1.1.1/24", ["10.1.1.2/24", "2001:db8::2/64"]]

[[link]]
kind = "segment"
nodes = ["b", "c"]
queue = 10
loss = 0.5

[[app]]
node = "a"
at = "1s"
kind = "ping"
dst = "10.1.1.2"
count = 3

[[app]]
node = "c"
kind = "tcp-sink"
port = 5001
"#;

    #[test]
    fn a_good_scenario_is_read_completely() {
        let sc = Scenario::parse(GOOD).unwrap();
        assert_eq!(
            (sc.seed, sc.duration_ns, sc.pcap.clone()),
            (1, 20 * SEC, None)
        );
        let names: Vec<&str> = sc.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(
            sc.nodes[0].routes,
            [RouteSpec {
                to: Cidr::parse("0.0.0.0/0").unwrap(),
                via: "10.1.1.2".parse().unwrap()
            }]
        );
        assert!(sc.nodes[1].forwarding && !sc.nodes[0].forwarding);
        let l = &sc.links[0];
        assert_eq!(
            l.kind,
            LinkKind::PointToPoint(PointToPointConfig {
                delay_ns: 10 * MS,
                rate_bps: 5_000_000,
                ..PointToPointConfig::default()
            })
        );
        assert_eq!((l.ends[0].node, l.ends[0].device), (0, 0));
        assert_eq!((l.ends[1].node, l.ends[1].device), (1, 0));
        assert_eq!(l.ends[1].addresses.len(), 2);
        let s = &sc.links[1];
        match s.kind {
            LinkKind::Segment(c) => assert_eq!((c.ports, c.queue_limit, c.loss), (2, 10, 0.5)),
            k => panic!("{k:?}"),
        }
        // b's second device, c's first.
        assert_eq!((s.ends[0].node, s.ends[0].device), (1, 1));
        assert_eq!((s.ends[1].node, s.ends[1].device), (2, 0));
        assert!(s.ends[0].addresses.is_empty());
        assert_eq!(
            sc.apps[0],
            AppSpec {
                node: 0,
                at_ns: SEC,
                kind: AppKind::Ping {
                    dst: "10.1.1.2".parse().unwrap(),
                    count: 3,
                    interval_ns: SEC,
                    timeout_ns: SEC
                }
            }
        );
        assert_eq!(
            sc.apps[1].kind,
            AppKind::TcpSink {
                port: 5001,
                proto: Stream::Tcp
            }
        );
        assert_eq!(mac_of(0, 0), [2, 0, 0, 1, 0, 1]);
        assert_eq!(mac_of(299, 2), [2, 0, 1, 44, 0, 3]);
    }

    /// The error for `GOOD` with `from` replaced by `to`.
    fn bad(from: &str, to: &str) -> String {
        assert!(GOOD.contains(from), "{from:?}");
        Scenario::parse(&GOOD.replacen(from, to, 1))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn errors_name_the_line_and_the_problem() {
        assert_eq!(
            bad(r#"ends = ["a", "b"]"#, r#"ends = ["a", "x"]"#),
            "line 15: unknown node `x` in `ends` (the nodes are: a, b, c)"
        );
        assert_eq!(
            bad(r#"delay = "10ms""#, r#"delay = "10 ms""#),
            "line 16: `delay`: malformed duration \"10 ms\": expected a number and a unit, \
             ns, us, ms or s (e.g. \"150ms\", \"1.5s\")"
        );
        assert!(bad("rate = ", "rated = ").starts_with("line 17: unknown field `rated`"));
        assert_eq!(
            bad(r#""10.1.1.1/24", ["#, r#""10.1.1.1", ["#),
            "line 18: `addresses`: bad address \"10.1.1.1\": expected ADDRESS/PREFIX-LENGTH, \
             e.g. \"10.1.1.1/24\" or \"2001:db8::1/64\""
        );
        assert_eq!(
            bad(r#"name = "c""#, r#"name = "b""#),
            "line 11: duplicate node name `b`"
        );
        assert_eq!(
            bad("count = 3", "count = 0"),
            "line 31: `count` must be at least 1"
        );
        assert_eq!(
            bad(r#"port = 5001"#, r#"size = 5001"#),
            "line 36: `size` is not a key of a tcp-sink app (its keys are node, at, kind, port)"
        );
        assert!(bad("loss = 0.5", "loss = 1.5").starts_with("line 24: link loss probability"));
        assert_eq!(
            bad(r#"["10.1.1.2/24", "2001:db8::2/64"]"#, r#""10.1.1.1/24""#),
            "line 18: address 10.1.1.1 is already used by a/sim0"
        );
        assert_eq!(
            bad(
                r#""default", via = "10.1.1.2""#,
                r#""10.0.0.0/8", via = "2001:db8::1""#
            ),
            "line 6: route to 10.0.0.0/8 via 2001:db8::1 mixes IPv4 and IPv6"
        );
        assert_eq!(
            bad(r#""default""#, r#""10.2.0.1/16""#),
            "line 6: route `to` 10.2.0.1/16 has bits set after the prefix length (write the \
             network, e.g. \"10.2.0.0/16\")"
        );
        assert_eq!(
            bad(r#"at = "1s""#, r#"at = "20s""#),
            "line 28: the ping app starts at 20.000000000 s, not before the end of the \
             scenario (`duration` 20.000000000 s)"
        );
        assert_eq!(
            bad(r#"kind = "p2p""#, r#"kind = "p2q""#),
            "line 14: `kind`: unknown variant `p2q`, expected `p2p` or `segment`"
        );
        assert!(bad("duration = \"20s\"", "").contains("missing field `duration`"));
        assert!(
            bad("[[link]]\nkind = \"p2p\"", "[[link]]\nkind = 'p2p'\n[oops").starts_with("line ")
        );
    }
}
