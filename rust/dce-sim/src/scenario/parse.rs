//! Reading a scenario file: the TOML schema as written, and its
//! validation into a [`Scenario`], section by section.

use super::*;

use crate::link::{LinkError, PointToPoint, PointToPointConfig, Segment, SegmentConfig};
use core::ops::Range;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use toml::Spanned;

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
pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
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

        let (mut nodes, index) = parse_nodes(&src, &raw)?;
        let names = Names {
            src: &src,
            raw: &raw,
            index,
        };
        parse_routes(&src, &raw, &mut nodes)?;
        let links = parse_links(&src, &raw, &names, &nodes)?;
        let apps = parse_apps(&src, &raw, &names, &nodes, duration_ns)?;

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

/// The nodes by name, for the sections that refer to them.
struct Names<'a> {
    src: &'a Source<'a>,
    raw: &'a RawScenario,
    index: HashMap<String, usize>,
}

impl Names<'_> {
    /// The index of the node `s` names; `what` says where it was named.
    fn lookup(&self, s: &Spanned<String>, what: &str) -> Result<usize, ScenarioError> {
        self.index.get(s.get_ref()).copied().ok_or_else(|| {
            let known = self
                .raw
                .node
                .iter()
                .map(|n| n.name.get_ref().as_str())
                .collect::<Vec<_>>()
                .join(", ");
            self.src.err(
                &s.span(),
                format!(
                    "unknown node `{}` in {what} (the nodes are: {known})",
                    s.get_ref()
                ),
            )
        })
    }
}

/// The `[[node]]` sections: the nodes, and their indices by name.
fn parse_nodes(
    src: &Source<'_>,
    raw: &RawScenario,
) -> Result<(Vec<NodeSpec>, HashMap<String, usize>), ScenarioError> {
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
                format!("node name {name:?} is not valid: use letters, digits, `-` and `_` only"),
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
    Ok((nodes, index))
}

/// The `routes` of each node.
fn parse_routes(
    src: &Source<'_>,
    raw: &RawScenario,
    nodes: &mut [NodeSpec],
) -> Result<(), ScenarioError> {
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
                match via {
                    IpAddr::V4(_) => IpNet::V4(Ipv4Net::default()),
                    IpAddr::V6(_) => IpNet::V6(Ipv6Net::default()),
                }
            } else {
                let c = parse_net(r.to.get_ref())
                    .map_err(|m| src.err(&r.to.span(), format!("route `to`: {m}")))?;
                if !is_network(&c) {
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
            if to.addr().is_ipv4() != via.is_ipv4() {
                return Err(src.err(
                    &r.via.span(),
                    format!("route to {to} via {via} mixes IPv4 and IPv6"),
                ));
            }
            spec.routes.push(RouteSpec { to, via });
        }
    }

    Ok(())
}

/// The `[[link]]` sections.
fn parse_links(
    src: &Source<'_>,
    raw: &RawScenario,
    names: &Names<'_>,
    nodes: &[NodeSpec],
) -> Result<Vec<LinkSpec>, ScenarioError> {
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
            let i = names.lookup(m, &format!("`{key}`"))?;
            if ends_idx.contains(&i) {
                return Err(src.err(
                    &m.span(),
                    format!("node `{}` is listed twice in `{key}`", m.get_ref()),
                ));
            }
            ends_idx.push(i);
        }
        let mut addrs: Vec<Vec<IpNet>> = vec![Vec::new(); ends_idx.len()];
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
                    if let Some(prev) = used.insert(c.addr(), owner) {
                        return Err(src.err(
                            &entry.span(),
                            format!("address {} is already used by {prev}", c.addr()),
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
                (LinkError::LossNotANumber | LinkError::LossOutOfRange(_), Some(s), _) => s.span(),
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

    Ok(links)
}

/// The `[[app]]` sections.
fn parse_apps(
    src: &Source<'_>,
    raw: &RawScenario,
    names: &Names<'_>,
    nodes: &[NodeSpec],
    duration_ns: u64,
) -> Result<Vec<AppSpec>, ScenarioError> {
    let mut apps = Vec::new();
    let mut sinks: HashSet<(usize, &str, u16)> = HashSet::new();
    for a in &raw.app {
        let node = names.lookup(&a.node, "`node`")?;
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

    Ok(apps)
}
