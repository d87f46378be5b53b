//! The host half of a fidelity case: two network namespaces of this
//! machine's kernel, a TAP device in each, a user-space wire between them
//! running dce-sim's link model ([`wire`]).
//!
//! [`run_detailed`] builds node 0 and node 1 as `case.rs` says (each namespace
//! made by a thread of its own, which disables IPv6, sets the TCP sysctls
//! and creates the TAP device inside it: [`ns`], [`tap`]), starts the wire,
//! runs the traffic on threads that enter the namespaces ([`traffic`]),
//! and fills [`Outcome`] the way dce-sim measures.  Nothing is
//! bind-mounted and no thread stays in a namespace: everything is held by
//! file descriptors, so every exit path (an error half-way, a panic)
//! closes them and the kernel removes the namespaces and devices.
//! [`run_detailed`] also returns what the wire and the kernels counted.
//!
//! # Where it cannot be dce-sim
//!
//! - A frame sent into an idle link is stamped when the wire's reader
//!   wakes, tens of µs after the kernel queued it; with the kernels' own
//!   work, a ping over a 0 ms infinitely fast link takes 0.08-0.2 ms here,
//!   and that is what a host RTT exceeds the link's ideal by.  The
//!   deliveries themselves are within a few µs of their time (the wire's
//!   [`wire::Lateness`]).
//! - The nodes, the wire and the traffic share this machine's CPUs: at
//!   1 Gbit/s on two cores the TCP goodput moves by several percent with
//!   the other load (the wire itself keeps up: no TAP drops, about 80k
//!   frames/s each way at once measured, more one way).
//! - The loss draws are dce-sim's stream for the case's seed, one per
//!   frame in the order the wire reads them; but thread timing is not
//!   repeatable, so neither is the order of frames of the two directions
//!   nor, under load, which frames queue.
//! - A child namespace may only make a congestion control its default if
//!   the root namespace allows it (`tcp_allowed_congestion_control`,
//!   global, not changed here); otherwise both sockets get it by
//!   `TCP_CONGESTION` ([`HostRun::notes`] says so).
//! - A new namespace's TCP buffer defaults come from this machine's memory
//!   (`tcp_rmem` max 32 MiB here), dce-sim's kernel's from its own
//!   (248,864 bytes): give a case explicit `buffers` to compare windows.

mod clock;
mod ns;
mod tap;
mod traffic;
pub mod wire;

#[cfg(test)]
pub(super) mod tests;

use super::case::{addr, mac, Case, Outcome, Traffic};
use ns::Netns;
use std::os::fd::OwnedFd;
use std::sync::Arc;

/// Whether the host half can run here at all: root with `CAP_SYS_ADMIN`
/// and `CAP_NET_ADMIN`, a kernel with network namespaces, and
/// `/dev/net/tun`.  Changes nothing (no namespace is made).
pub fn available() -> Result<(), String> {
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    if euid != 0 {
        return Err(format!(
            "not root (euid {euid}): the host half needs root for network namespaces and TAP devices"
        ));
    }
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("reading /proc/self/status: {e}"))?;
    let cap_eff = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0);
    for (bit, name) in [(21, "CAP_SYS_ADMIN"), (12, "CAP_NET_ADMIN")] {
        if cap_eff & (1 << bit) == 0 {
            return Err(format!(
                "root without {name} (a container?): cannot make network namespaces and TAP devices"
            ));
        }
    }
    if !std::path::Path::new("/proc/self/ns/net").exists() {
        return Err("this kernel has no network namespaces (/proc/self/ns/net)".into());
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/net/tun")
        .map_err(|e| format!("no TAP devices: opening /dev/net/tun: {e}"))?;
    Ok(())
}

/// What the kernels dropped outside the link model (all should be 0 but
/// the ARP queue's, which dce-sim's kernel has too).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KernelDrops {
    /// Frames each TAP device dropped on transmit (its queue to the wire
    /// full: the wire did not keep up).
    pub tap_tx: [u64; 2],
    /// Datagrams node 1's UDP sockets dropped for a full receive buffer.
    pub udp_rcvbuf: u64,
    /// Packets dropped waiting for ARP to resolve (the ARP table's
    /// `unresolved_discards`, a counter shared by all namespaces).
    pub arp_unresolved: u64,
}

/// A host run in full.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostRun {
    /// What the case measured.
    pub outcome: Outcome,
    /// What the wire saw, with its delivery lateness.
    pub wire: wire::WireStats,
    /// What the kernels dropped outside the link.
    pub kernel: KernelDrops,
    /// How the run differed from the case's letter, if it did.
    pub notes: Vec<String>,
}

/// The TAP device names of node 0 and node 1.
const TAP: [&str; 2] = ["fid0", "fid1"];

/// The ARP table's `unresolved_discards` over all CPUs (global).
fn arp_unresolved() -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/net/stat/arp_cache") else {
        return 0;
    };
    let mut lines = text.lines();
    let Some(col) = lines.next().and_then(|h| {
        h.split_whitespace()
            .position(|w| w == "unresolved_discards")
    }) else {
        return 0;
    };
    lines
        .filter_map(|l| l.split_whitespace().nth(col))
        .filter_map(|v| u64::from_str_radix(v, 16).ok())
        .sum()
}

/// A node: its namespace, its TAP device, whether its default congestion
/// control was refused (see [`node`]), and its TCP buffer sysctls in
/// effect (for a TCP case).
type Node = (Netns, Arc<OwnedFd>, bool, String);

/// Makes node `i`'s namespace: IPv6 off, the TCP sysctls of `traffic`,
/// the TAP device.
///
/// A child namespace may only make a congestion control its default if
/// the root namespace lists it in `net.ipv4.tcp_allowed_congestion_control`
/// (`EPERM` otherwise; that list is global and is not ours to change).
/// Then the node's default is left alone, the third member is true, and
/// the traffic sets the algorithm on its sockets instead.
fn node(i: u8, traffic: &Traffic) -> Result<Node, String> {
    let (ns, (tap, refused, mem)) = Netns::create(&format!("fid-ns{i}"), || {
        tap::disable_ipv6()?;
        let mut refused = false;
        if let Traffic::Tcp { cc, buffers, .. } = traffic {
            const CC: &str = "net.ipv4.tcp_congestion_control";
            match ns::try_sysctl(CC, cc) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(libc::EPERM) => refused = true,
                Err(e) => return Err(ns::sysctl_error(CC, cc, &e)),
            }
            if let Some([a, b, c]) = buffers {
                let v = format!("{a} {b} {c}");
                ns::sysctl("net.ipv4.tcp_rmem", &v)?;
                ns::sysctl("net.ipv4.tcp_wmem", &v)?;
            }
        }
        let mut mem = String::new();
        if matches!(traffic, Traffic::Tcp { .. }) {
            let r = ns::sysctl_get("net.ipv4.tcp_rmem")?;
            let w = ns::sysctl_get("net.ipv4.tcp_wmem")?;
            mem = format!("node {i}: tcp_rmem {r}, tcp_wmem {w}").replace('\t', " ");
        }
        Ok((
            tap::create(TAP[usize::from(i)], mac(i), addr(i))?,
            refused,
            mem,
        ))
    })
    .map_err(|e| format!("node {i}: {e}"))?;
    Ok((ns, Arc::new(tap), refused, mem))
}

/// Runs `case` on the host kernel and says what the wire and the kernels
/// saw too; `Err` says why it cannot (not root, no namespaces, no
/// `/dev/net/tun`) or what failed.
pub fn run_detailed(case: &Case) -> Result<HostRun, String> {
    available()?;
    let (ns0, tap0, refused0, mem0) = node(0, &case.traffic)?;
    let (ns1, tap1, refused1, mem1) = node(1, &case.traffic)?;
    let mut notes: Vec<String> = [mem0, mem1].into_iter().filter(|m| !m.is_empty()).collect();
    let arp_before = arp_unresolved();
    let rcvbuf_before = ns1.run("fid-stat", || ns::snmp("Udp", "RcvbufErrors"))?;
    let wire = wire::Wire::start([tap0.clone(), tap1.clone()], case.link, case.seed)?;
    let mut out = Outcome::default();
    match case.traffic {
        Traffic::Ping {
            count,
            size,
            interval_ns,
        } => {
            // Replies may take the link's delay both ways and a full
            // queue each way; then 1 s more.
            let link = &case.link;
            let patience = 4 * link.delay_ns
                + 4 * (link.queue_limit as u64 + 1) * wire_tx_ns(case, 1514)
                + 1_000_000_000;
            out.rtts_ns = traffic::ping(&ns0, count, size, interval_ns, patience)?;
        }
        Traffic::Tcp {
            bytes, cc, rcvbuf, ..
        } => {
            let by_socket = refused0 || refused1;
            if by_socket {
                notes.push(format!(
                    "net.ipv4.tcp_congestion_control={cc} refused in a child namespace \
                     (not in the root's tcp_allowed_congestion_control): set by TCP_CONGESTION \
                     on both sockets instead"
                ));
            }
            let r = traffic::tcp(&ns0, &ns1, bytes, cc, by_socket, rcvbuf)?;
            out.bytes = r.bytes;
            out.goodput_bps = r.goodput_bps();
        }
        Traffic::Udp {
            count,
            size,
            rate_bps,
        } => {
            let frame = 14 + 20 + 8 + size;
            let quiet = 2 * case.link.delay_ns
                + (case.link.queue_limit as u64 + 1) * wire_tx_ns(case, frame)
                + 200_000_000;
            let (sent, r) = traffic::udp(&ns0, &ns1, count, size, rate_bps, quiet)?;
            out.bytes = r.bytes;
            out.datagrams = (sent, r.datagrams);
            out.goodput_bps = r.goodput_bps();
        }
    }
    let stats = wire.finish()?;
    out.link_drops = stats.link_drops;
    if matches!(case.traffic, Traffic::Tcp { .. }) {
        out.max_window = stats.window.max;
    }
    let mut kernel = KernelDrops {
        arp_unresolved: arp_unresolved().saturating_sub(arp_before),
        ..Default::default()
    };
    for (i, ns) in [&ns0, &ns1].into_iter().enumerate() {
        let c = ns.run("fid-stat", || ns::dev_counters(TAP[i]))?;
        // Transmit drops: the 12th counter (rx 8, then tx bytes, packets,
        // errs, drop).
        kernel.tap_tx[i] = c.get(11).copied().unwrap_or(0);
    }
    kernel.udp_rcvbuf = ns1
        .run("fid-stat", || ns::snmp("Udp", "RcvbufErrors"))?
        .saturating_sub(rcvbuf_before);
    Ok(HostRun {
        outcome: out,
        wire: stats,
        kernel,
        notes,
    })
}

/// The link's serialization time of a `frame_len`-byte frame.
fn wire_tx_ns(case: &Case, frame_len: usize) -> u64 {
    dce_sim::link::PointToPoint::new(case.link)
        .map(|l| l.tx_time_ns(frame_len))
        .unwrap_or(0)
}
