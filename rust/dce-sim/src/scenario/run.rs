//! Running a scenario: booting its nodes, configuring them as `ip` would,
//! starting its applications and collecting the [`Report`].

use super::*;

use crate::abi::loader::LoaderMode;
use crate::abi::Host;
use crate::apps::ping::{self, PingReport};
use crate::apps::rtnl::Rtnl;
use crate::apps::sock::Errno;
use crate::apps::transfer::{self, Received, Sent};
use crate::net::{DeviceConfig, DeviceId};
use crate::{NodeId, Sim, SimConfig};
use ipnet::IpNet;
use std::cell::{Cell, RefCell};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::rc::Rc;

/// IPV4_DEVCONF_FORWARDING.
const IPV4_DEVCONF_FORWARDING: u16 = 1;
/// `addrgenmode none` (IN6_ADDR_GEN_MODE_NONE).
const ADDR_GEN_MODE_NONE: u8 = 1;

/// How one device of a node is configured.
#[derive(Debug, Clone)]
struct DevPlan {
    name: String,
    addresses: Vec<IpNet>,
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
            rt.addr_add(idx, a.addr(), a.prefix_len())
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
        rt.route_add(r.to.addr(), r.to.prefix_len(), Some(r.via), None)
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
    let (plans, devices) = build_network(host, sc)?;
    // Boot: every node's sim_init and device creation run at t=0.
    host.run_until(0)?;
    configure_nodes(host, sc, plans)?;
    let states = start_apps(host, sc)?;

    let now = sim.now();
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
    Ok(report(host, sc, &states, devices))
}

/// Every device of the scenario, with the description of its link.
type Devices = Vec<(DeviceId, String)>;

/// Step 1: the devices and links, and what each node's configuration
/// task will do.
fn build_network(host: &Host, sc: &Scenario) -> Result<(Vec<NodePlan>, Devices), RunError> {
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
    let mut devices: Devices = Vec::new();
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
                silent_v6: !l.ipv6 && end.addresses.iter().all(|a| a.addr().is_ipv4()),
            });
        }
        match l.kind {
            LinkKind::PointToPoint(c) => host.connect_p2p(ids[0], ids[1], c)?,
            LinkKind::Segment(c) => host.connect_segment(&ids, c)?,
        }
    }
    Ok((plans, devices))
}

/// Step 2: one configuration task per node, at t=0; fails unless every
/// one finished without an error within a second of virtual time.
fn configure_nodes(host: &Host, sc: &Scenario, plans: Vec<NodePlan>) -> Result<(), RunError> {
    let sim = host.sim();
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
    Ok(())
}

/// Step 3: each application in a task of its node at its `at` time; its
/// progress is kept in the returned states, in file order.
fn start_apps(host: &Host, sc: &Scenario) -> Result<Vec<Rc<AppState>>, RunError> {
    let sim = host.sim();
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
                // SAFETY: the host outlives its tasks.
                let host = unsafe { &*hp };
                let r = run_app(host, sim, &e, kind, &st);
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
    Ok(states)
}

/// The body of one application's task.
fn run_app(
    host: &Host,
    sim: &Sim,
    e: &dce_abi::SimExported,
    kind: AppKind,
    st: &AppState,
) -> Result<(), Errno> {
    let clock = || sim.now();
    let any = |port| SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port);
    match kind {
        AppKind::Ping {
            dst,
            count,
            interval_ns,
            timeout_ns,
        } => ping::ping(e, dst, count, interval_ns, timeout_ns, clock)
            .map(|p| *st.ping.borrow_mut() = p),
        AppKind::TcpSink { port, proto } => {
            transfer::stream_sink(e, proto.ipproto(), any(port), clock, &st.received)
        }
        AppKind::TcpSend { dst, bytes, proto } => {
            transfer::stream_source(e, proto.ipproto(), dst, bytes, clock, &st.sent)
        }
        AppKind::UdpSink { port, count } => {
            transfer::udp_sink(e, any(port), count, clock, &st.received)
        }
        AppKind::UdpSend {
            dst,
            count,
            size,
            rate_bps,
        } => {
            // Paced sends wait in poll() with no descriptor: a DCE
            // PollTable timed by a simulator event, exact in virtual time.
            let wait = |ns: u64| {
                let _ = host.poll(e, &mut [], Some(ns));
            };
            let pace = rate_bps.map(|r| transfer::Pace {
                rate_bps: r,
                wait: &wait,
            });
            transfer::udp_source(e, dst, count, size, pace, clock, &st.sent)
        }
    }
}

/// The report of a finished run.
fn report(host: &Host, sc: &Scenario, states: &[Rc<AppState>], devices: Devices) -> Report {
    let sim = host.sim();
    let apps = sc
        .apps
        .iter()
        .zip(states)
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
    Report {
        name: sc.name.clone(),
        seed: sim.config().seed,
        nodes: sc.nodes.len(),
        links: sc.links.len(),
        end_ns: sim.now(),
        events: sim.events_processed_total(),
        apps,
        devices,
    }
}
