//! The dce-sim half of a fidelity case: two nodes of the kernel library
//! on one point-to-point link, configured as a DCE user would (rtnetlink,
//! sysctls), running the case's traffic with dce-sim's applications.

use super::case::{addr, mac, Case, Outcome, Traffic, WindowWatch, PORT};
use crate::traffic::{run as run_to, run_task};
use dce_sim::abi::Host;
use dce_sim::apps::ping;
use dce_sim::apps::rtnl::Rtnl;
use dce_sim::apps::sock::Errno;
use dce_sim::apps::transfer::{self, Pace, Received, Sent};
use dce_sim::net::{DeviceConfig, DeviceId};
use dce_sim::{NodeId, SimConfig};
use std::cell::Cell;
use std::net::{IpAddr, SocketAddr, SocketAddrV4};
use std::path::Path;
use std::pin::Pin;
use std::rc::Rc;

const MS: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;

/// Virtual time a case may take at most.
const LIMIT: u64 = 600 * SEC;

/// The two nodes on the case's link, addressed and up, with the case's
/// sysctls; their devices.
fn build(lib: &Path, case: &Case) -> Result<(Pin<Box<Host>>, [DeviceId; 2]), String> {
    let cfg = SimConfig {
        seed: case.seed,
        ..SimConfig::default()
    };
    let host = Host::new(cfg).map_err(|e| e.to_string())?;
    let mut devs = Vec::new();
    for i in 0..2u8 {
        let node = host.load_node_library(lib).map_err(|e| e.to_string())?;
        let dev = host
            .add_device(node, DeviceConfig::point_to_point(mac(i)))
            .map_err(|e| e.to_string())?;
        devs.push(dev);
    }
    host.connect_p2p(devs[0], devs[1], case.link)
        .map_err(|e| e.to_string())?;
    run_to(&host, MS)?;
    let mut sysctls: Vec<(&str, String)> = Vec::new();
    if let Traffic::Tcp { cc, buffers, .. } = &case.traffic {
        sysctls.push((".net.ipv4.tcp_congestion_control", cc.to_string()));
        if let Some([a, b, c]) = buffers {
            let v = format!("{a} {b} {c}");
            sysctls.push((".net.ipv4.tcp_rmem", v.clone()));
            sysctls.push((".net.ipv4.tcp_wmem", v));
        }
    }
    for i in 0..2u8 {
        for (path, value) in &sysctls {
            host.sysctl_set(NodeId(u32::from(i)), path, value)
                .map_err(|e| format!("sysctl {path}: {e}"))?;
        }
        let done = run_task(&host, NodeId(u32::from(i)), 0, move |_, e| {
            let mut rt = Rtnl::open(&e)?;
            let idx = rt.link_index("sim0")?;
            // No IPv6 link-local address: no DAD or router solicitation
            // on the link, as on the host half.
            rt.link_set_addrgenmode(idx, 1)?;
            rt.addr_add(idx, IpAddr::V4(addr(i)), 24)?;
            rt.link_set(idx, true, Some(false))
        })?;
        run_to(&host, host.sim().now() + 1)?;
        let result = done.borrow_mut().take();
        match result {
            Some(Ok(())) => {}
            Some(Err(e)) => return Err(format!("node {i}: configuration failed: {e}")),
            None => return Err(format!("node {i}: configuration did not finish")),
        }
    }
    Ok((host, [devs[0], devs[1]]))
}

/// Runs `case` on two dce-sim nodes of `lib`.
pub fn run(lib: &Path, case: &Case) -> Result<Outcome, String> {
    let (host, devs) = build(lib, case)?;
    let rx_dev = devs[1];
    let watch = Rc::new(Cell::new(WindowWatch::default()));
    let w = watch.clone();
    host.observe_transmit(rx_dev, move |_, frame| {
        let mut v = w.get();
        v.frame(frame);
        w.set(v);
    });
    let to = SocketAddr::V4(SocketAddrV4::new(addr(1), PORT));
    let mut out = Outcome::default();
    match case.traffic {
        Traffic::Ping {
            count,
            size,
            interval_ns,
        } => {
            if size != ping::PING_DATA_LEN {
                return Err(format!(
                    "dce-sim's ping sends {} bytes of data, not {size}",
                    ping::PING_DATA_LEN
                ));
            }
            let report = run_task(&host, NodeId(0), 0, move |sim, e| {
                ping::ping(&e, IpAddr::V4(addr(1)), count, interval_ns, SEC, || {
                    sim.now()
                })
            })?;
            run_to(
                &host,
                host.sim().now() + u64::from(count) * interval_ns + 2 * SEC,
            )?;
            let r = report
                .borrow_mut()
                .take()
                .ok_or("ping did not finish")?
                .map_err(|e| format!("ping: {e}"))?;
            out.rtts_ns = r.replies.iter().map(|x| x.rtt_ns).collect();
        }
        Traffic::Tcp { bytes, rcvbuf, .. } => {
            let got = Rc::new(Cell::new(Received::default()));
            let sent = Rc::new(Cell::new(Sent::default()));
            let g = got.clone();
            let any = SocketAddr::V4(SocketAddrV4::new([0, 0, 0, 0].into(), PORT));
            let sink = run_task(&host, NodeId(1), 0, move |sim, e| match rcvbuf {
                None => transfer::tcp_sink(&e, any, || sim.now(), &g),
                Some(size) => transfer::tcp_sink_with_rcvbuf(&e, any, size, || sim.now(), &g),
            })?;
            let s = sent.clone();
            let source = run_task(&host, NodeId(0), MS, move |sim, e| {
                transfer::tcp_source(&e, to, bytes, || sim.now(), &s)
            })?;
            run_until_done(&host, || got.get().done, &[&sink, &source])?;
            let r = got.get();
            out.bytes = r.bytes;
            out.goodput_bps = r.goodput_bps();
        }
        Traffic::Udp {
            count,
            size,
            rate_bps,
        } => {
            let got = Rc::new(Cell::new(Received::default()));
            let sent = Rc::new(Cell::new(Sent::default()));
            let g = got.clone();
            let any = SocketAddr::V4(SocketAddrV4::new([0, 0, 0, 0].into(), PORT));
            let sink = run_task(&host, NodeId(1), 0, move |sim, e| {
                transfer::udp_sink(&e, any, count, || sim.now(), &g)
            })?;
            let s = sent.clone();
            let hp: *const Host = &*host;
            let source = run_task(&host, NodeId(0), MS, move |sim, e| {
                // SAFETY: `host` is pinned in its box (a stable address)
                // and outlives this task, which runs only inside run_to()
                // below.
                let host = unsafe { &*hp };
                // As the scenario runner paces: poll() with no descriptor,
                // a DCE PollTable timed by an event, exact in virtual time.
                let wait = |ns: u64| {
                    let _ = host.poll(&e, &mut [], Some(ns));
                };
                let pace = Pace {
                    rate_bps,
                    wait: &wait,
                };
                transfer::udp_source(&e, to, count, size, Some(pace), || sim.now(), &s)
            })?;
            run_until_done(&host, || sent.get().done, &[&sink, &source])?;
            // What is still on the link arrives within a second.
            run_to(&host, host.sim().now() + SEC)?;
            let r = got.get();
            out.bytes = r.bytes;
            out.datagrams = (sent.get().chunks, r.chunks);
            out.goodput_bps = r.goodput_bps();
        }
    }
    out.max_window = watch.get().max;
    let st = host.device_stats(devs[0]);
    let back = host.device_stats(devs[1]);
    out.link_drops = (
        st.link_queue_drops + back.link_queue_drops,
        st.link_losses + back.link_losses,
    );
    Ok(out)
}

/// What an application task returned, once it has.
type AppOutput = dce_sim::abi::TaskOutput<Result<(), Errno>>;

/// Runs the simulation in steps of one virtual second until `done()` or
/// [`LIMIT`]; fails with the first error an application task returned.
fn run_until_done(host: &Host, done: impl Fn() -> bool, apps: &[&AppOutput]) -> Result<(), String> {
    let end = host.sim().now() + LIMIT;
    while !done() {
        for (i, app) in apps.iter().enumerate() {
            if let Some(Err(e)) = &*app.borrow() {
                return Err(format!("application {i}: {e}"));
            }
        }
        if host.sim().now() >= end {
            return Err(format!("not done after {} s of virtual time", LIMIT / SEC));
        }
        run_to(host, host.sim().now() + SEC)?;
    }
    Ok(())
}
