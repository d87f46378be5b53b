//! What a run reports: each application's outcome and each device's
//! counters.

use super::parse::plural;
use super::*;

use crate::apps::ping::PingReport;
use crate::apps::transfer::{Received, Sent};
use crate::net::DeviceStats;
use core::fmt;
use std::net::{IpAddr, SocketAddr};

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
    /// A `ping`: the report of [`ping::ping`](crate::apps::ping::ping) (empty unless it finished).
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
