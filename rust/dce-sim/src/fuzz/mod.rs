//! A fuzzer of the whole DCE ABI (`Documentation/dce/fuzzing.rst`).
//!
//! Two nodes of the kernel library, joined by a point-to-point link and
//! addressed 10.1.1.1 and 10.1.1.2, get a stream of operations, each
//! made from the context DCE makes it from: socket calls from
//! application tasks (blocking or not) and from Cradle's fiberless
//! callers (never blocking), `poll` as DCE runs it, frames through
//! `dev_rx` from events, sysctls and device changes from D-tasks,
//! rtnetlink and generic netlink requests, virtual sleeps.  Arguments
//! are plausible most of the time and garbage otherwise ([`gen`],
//! [`frames`], [`netlink`]).
//!
//! Operation `i` of a run is decided by `(seed, i)` alone ([`Gen::for_op`]),
//! so a seed and a range of operations replay a run, or a part of it on
//! its own.  dce-sim checks every call as DCE would crash or assert on it
//! (waiting in event context, `free(NULL)`, double and foreign frees, a
//! dead event, ...), and a kernel bug report in a node's log stops the
//! run; at the end every socket is closed, the kernels' tasks and memory
//! are compared with what they were after the set-up, and DCE's teardown
//! runs.  A hang is caught by the caller's watchdog ([`watchdog`]) on
//! [`Progress`].

pub mod frames;
pub mod gen;
pub mod netlink;
mod ops;

use crate::abi::Host;
use crate::apps::rtnl::Rtnl;
use crate::link::PointToPointConfig;
use crate::net::{DeviceConfig, DeviceId};
use crate::{NodeId, Sim, SimConfig};
use dce_abi::{SimExported, SimSocket};
use gen::Gen;
use ops::one;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::ops::Range;
use std::path::PathBuf;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const US: u64 = 1_000;
const MS: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;

/// Nodes of the fuzzed topology.
const NODES: u32 = 2;
/// Devices a node may get on top of its first (`sim0`).
const MAX_EXTRA_DEVICES: usize = 3;
/// Application tasks that may be blocked at once; past it, every call is
/// non-blocking.
const MAX_BLOCKED: u32 = 48;

/// What to run.
#[derive(Debug, Clone)]
pub struct FuzzConfig {
    /// The kernel library (`out/lib/liblkl.so`).
    pub library: PathBuf,
    /// Seed of the operations (and of the simulation's random streams).
    pub seed: u64,
    /// The operations to run, by index.
    pub ops: Range<u64>,
    /// Print each operation (index, kind, node, virtual time) to stderr.
    pub trace: bool,
}

/// Where a run is, for a watchdog in another thread.
#[derive(Debug, Default)]
pub struct Progress {
    /// The operation running.
    pub op: AtomicU64,
    /// Virtual time, in ns.
    pub now: AtomicU64,
    /// Operations done (a heartbeat).
    pub done: AtomicU64,
    /// Set by the caller when it runs nothing more: the watchdog stops.
    pub finished: std::sync::atomic::AtomicBool,
}

/// A node's kernel and heap after the set-up and at the end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeMemory {
    /// `lkl.nr_threads`: the kernel's tasks.
    pub tasks: [u64; 2],
    /// `lkl.slab_kb`.
    pub slab_kb: [u64; 2],
    /// `lkl.mem_free_kb`.
    pub free_kb: [u64; 2],
    /// Live bytes of DCE's malloc for the node.
    pub heap: [u64; 2],
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct FuzzReport {
    /// The seed.
    pub seed: u64,
    /// The operations run.
    pub ops: Range<u64>,
    /// Calls made to the library's entry points (`SimExported`).
    pub calls: u64,
    /// Operations by kind.
    pub kinds: BTreeMap<&'static str, u64>,
    /// Calls that returned an error, by errno.
    pub errnos: BTreeMap<i32, u64>,
    /// Virtual time at the end.
    pub virtual_ns: u64,
    /// Wall time of the operations (not the set-up or the checks).
    pub wall: Duration,
    /// Per node.
    pub memory: Vec<NodeMemory>,
}

impl fmt::Display for FuzzReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.wall.as_secs_f64().max(1e-9);
        writeln!(
            f,
            "seed {}, operations {}..{}: {} calls in {:.2} s ({:.0} calls/s), virtual {:.3} s",
            self.seed,
            self.ops.start,
            self.ops.end,
            self.calls,
            secs,
            self.calls as f64 / secs,
            self.virtual_ns as f64 / 1e9
        )?;
        let kinds: Vec<String> = self.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        writeln!(f, "  operations: {}", kinds.join(", "))?;
        let mut errs: Vec<(&i32, &u64)> = self.errnos.iter().collect();
        errs.sort_by(|a, b| b.1.cmp(a.1));
        let errs: Vec<String> = errs
            .iter()
            .take(12)
            .map(|(&e, n)| {
                let name = crate::apps::sock::Errno(e).name().map(str::to_owned);
                format!("{} {n}", name.unwrap_or_else(|| format!("errno {e}")))
            })
            .collect();
        writeln!(f, "  errors: {}", errs.join(", "))?;
        for (i, m) in self.memory.iter().enumerate() {
            writeln!(
                f,
                "  node {i}: tasks {} -> {}, slab {} -> {} KiB, free {} -> {} KiB, \
                 DCE heap {} -> {} KiB",
                m.tasks[0],
                m.tasks[1],
                m.slab_kb[0],
                m.slab_kb[1],
                m.free_kb[0],
                m.free_kb[1],
                m.heap[0] >> 10,
                m.heap[1] >> 10
            )?;
        }
        Ok(())
    }
}

/// Why a run failed, and how to replay it.
#[derive(Debug, Clone)]
pub struct FuzzFailure {
    /// The seed.
    pub seed: u64,
    /// The operation during or after which it failed (`None`: the set-up
    /// or the final checks).
    pub op: Option<u64>,
    /// The first operation of the run.
    pub first: u64,
    /// What went wrong.
    pub what: String,
    /// The end of each node's kernel log.
    pub logs: String,
}

impl FuzzFailure {
    /// A failure of the run `cfg` at operation `op` (`None`: the set-up or
    /// the final checks), without the logs yet.
    fn new(cfg: &FuzzConfig, op: Option<u64>, what: String) -> Self {
        FuzzFailure {
            seed: cfg.seed,
            op,
            first: cfg.ops.start,
            what,
            logs: String::new(),
        }
    }
}

impl fmt::Display for FuzzFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.op {
            Some(op) => write!(
                f,
                "seed {}, operation {op}: {} (replay: dce-fuzz --seed {} --ops {}..{})",
                self.seed,
                self.what,
                self.seed,
                self.first,
                op + 1
            ),
            None => write!(f, "seed {}: {}", self.seed, self.what),
        }?;
        if !self.logs.is_empty() {
            write!(f, "\n{}", self.logs)?;
        }
        Ok(())
    }
}

impl std::error::Error for FuzzFailure {}

/// Ends the process with a message when `progress` stands still for
/// `limit` of wall time: a kernel that spins in frozen virtual time never
/// returns to the simulator.  Stops watching once `progress.finished` is
/// set.
pub fn watchdog(progress: Arc<Progress>, limit: Duration, seed: u64) {
    std::thread::Builder::new()
        .name("fuzz-watchdog".into())
        .spawn(move || {
            let mut last = u64::MAX;
            let mut since = Instant::now();
            loop {
                std::thread::sleep(Duration::from_millis(200));
                if progress.finished.load(Ordering::Relaxed) {
                    return;
                }
                let done = progress.done.load(Ordering::Relaxed);
                if done != last {
                    last = done;
                    since = Instant::now();
                } else if since.elapsed() > limit {
                    eprintln!(
                        "dce-fuzz: seed {seed}, operation {}: no progress for {:?} at virtual \
                         time {} ns: the simulation hangs (replay: dce-fuzz --seed {seed} \
                         --ops 0..{})",
                        progress.op.load(Ordering::Relaxed),
                        limit,
                        progress.now.load(Ordering::Relaxed),
                        progress.op.load(Ordering::Relaxed) + 1
                    );
                    std::process::exit(3);
                }
            }
        })
        .expect("spawn the watchdog");
}

/// The kinds of operation, with their weights.
const KINDS: [(&str, u32); 24] = [
    ("socket", 50),
    ("close", 20),
    ("bind", 25),
    ("connect", 25),
    ("listen", 12),
    ("accept", 12),
    ("sendmsg", 55),
    ("recvmsg", 45),
    ("setsockopt", 50),
    ("getsockopt", 40),
    ("ioctl", 40),
    ("name", 12),
    ("shutdown", 8),
    ("poll", 25),
    ("netlink", 45),
    ("frame", 90),
    ("sysctl-read", 12),
    ("sysctl-write", 10),
    ("sysfile", 4),
    ("device", 6),
    ("new-device", 1),
    ("destroy-device", 1),
    ("cradle", 15),
    ("sleep", 8),
];

/// A device of a node and its MAC address.
type Dev = (DeviceId, [u8; 6]);

/// Shared by the driver and the tasks it starts.
#[derive(Default)]
struct State {
    /// Sockets of each node (`SimSocket*` values), closed ones included
    /// now and then.
    socks: [RefCell<Vec<usize>>; NODES as usize],
    /// Netlink sockets of each node and their protocol.
    netlink: [RefCell<Vec<(usize, i32)>>; NODES as usize],
    devices: [RefCell<Vec<Dev>>; NODES as usize],
    sysctls: RefCell<Vec<String>>,
    calls: Cell<u64>,
    errnos: RefCell<BTreeMap<i32, u64>>,
    blocked: Cell<u32>,
    seq: Cell<u32>,
}

impl State {
    /// Counts one entry-point call and its result.
    fn count(&self, ret: i64) {
        self.calls.set(self.calls.get() + 1);
        if ret < 0 && ret > -4096 {
            *self.errnos.borrow_mut().entry(-ret as i32).or_default() += 1;
        }
    }
}

/// A node's IPv4 address and MAC on the link.
fn addr_of(node: NodeId) -> ([u8; 4], [u8; 6]) {
    (
        [10, 1, 1, node.0 as u8 + 1],
        [0x02, 0, 0, 0, node.0 as u8 + 1, 1],
    )
}

/// Runs `cfg`: the set-up, the operations, the checks and DCE's teardown.
pub fn run(cfg: &FuzzConfig, progress: &Progress) -> Result<FuzzReport, FuzzFailure> {
    let fail = |op, what| FuzzFailure::new(cfg, op, what);
    let (host, devs) = setup(cfg).map_err(|e| fail(None, format!("set-up: {e}")))?;
    run_on(&host, devs, cfg, progress).map_err(|mut f| {
        for n in 0..NODES {
            let log = host.node_log(NodeId(n));
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(20)..];
            f.logs += &format!(
                "--- node {n}, end of its kernel log:\n{}\n",
                tail.join("\n")
            );
        }
        f
    })
}

fn run_on(
    host: &Host,
    devs: Vec<DeviceId>,
    cfg: &FuzzConfig,
    progress: &Progress,
) -> Result<FuzzReport, FuzzFailure> {
    let fail = |op, what| FuzzFailure::new(cfg, op, what);
    let st = Rc::new(State::default());
    let before = memory(host).map_err(|e| fail(None, e))?;
    for (n, dev) in devs.into_iter().enumerate() {
        let (_, mac) = addr_of(NodeId(n as u32));
        st.devices[n].borrow_mut().push((dev, mac));
    }
    let names =
        in_task(host, NodeId(0), |_, e| crate::sysctl::list(e)).map_err(|e| fail(None, e))?;
    host.run_until(host.sim().now() + MS)
        .map_err(|e| fail(None, e.to_string()))?;
    *st.sysctls.borrow_mut() = names.borrow_mut().take().unwrap_or_default();

    let mut report = FuzzReport {
        seed: cfg.seed,
        ops: cfg.ops.clone(),
        ..FuzzReport::default()
    };
    let start = Instant::now();
    for op in cfg.ops.clone() {
        progress.op.store(op, Ordering::Relaxed);
        let mut g = Gen::for_op(cfg.seed, op);
        let kind = g.weighted(&KINDS.map(|(_, w)| w));
        *report.kinds.entry(KINDS[kind].0).or_default() += 1;
        if cfg.trace {
            eprintln!(
                "dce-fuzz: op {op} {} at {} ns",
                KINDS[kind].0,
                host.sim().now()
            );
        }
        let step = one(host, &st, &mut g, kind).map_err(|e| fail(Some(op), e))?;
        let to = host.sim().now() + step;
        host.run_until(to)
            .map_err(|e| fail(Some(op), e.to_string()))?;
        progress.now.store(to, Ordering::Relaxed);
        progress.done.fetch_add(1, Ordering::Relaxed);
    }
    report.wall = start.elapsed();
    report.calls = st.calls.get();
    report.virtual_ns = host.sim().now();

    // Every socket closed, time for the kernels to let go, then compare.
    for n in 0..NODES {
        let socks: Vec<usize> = st.socks[n as usize].borrow_mut().drain(..).collect();
        let nl: Vec<usize> = st.netlink[n as usize]
            .borrow_mut()
            .drain(..)
            .map(|x| x.0)
            .collect();
        let s2 = st.clone();
        in_task(host, NodeId(n), move |_, e| {
            for s in socks.into_iter().chain(nl) {
                // SAFETY: DCE's close of a socket its program holds.
                let r = unsafe { e.sock_close.unwrap()(s as *mut SimSocket) };
                s2.count(i64::from(r));
            }
        })
        .map_err(|e| fail(None, e))?;
    }
    host.run_until(host.sim().now() + 30 * SEC)
        .map_err(|e| fail(None, format!("closing every socket: {e}")))?;
    let after = memory(host).map_err(|e| fail(None, e))?;
    report.memory = before
        .iter()
        .zip(&after)
        .map(|(b, a)| NodeMemory {
            tasks: [b.0, a.0],
            slab_kb: [b.1, a.1],
            free_kb: [b.2, a.2],
            heap: [b.3, a.3],
        })
        .collect();
    report.errnos = st.errnos.borrow().clone();
    host.teardown()
        .map_err(|e| fail(None, format!("DCE's teardown: {e}")))?;
    check_memory(&report).map_err(|e| fail(None, e))?;
    Ok(report)
}

/// Kernel tasks, slab and free memory (KiB) and DCE heap bytes per node.
fn memory(host: &Host) -> Result<Vec<(u64, u64, u64, u64)>, String> {
    let mut out = Vec::new();
    for n in 0..NODES {
        let node = NodeId(n);
        let reads: Vec<_> = ["nr_threads", "slab_kb", "mem_free_kb"]
            .iter()
            .map(|c| {
                host.sysctl_get(node, &format!(".lkl.{c}"))
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<_, _>>()?;
        host.run_until(host.sim().now() + MS)
            .map_err(|e| e.to_string())?;
        let v: Vec<u64> = reads
            .iter()
            .map(|r| {
                let s = r.borrow_mut().take().ok_or("sysctl task did not run")?;
                let s = s.map_err(|e| e.to_string())?;
                s.trim().parse::<u64>().map_err(|e| format!("{s:?}: {e}"))
            })
            .collect::<Result<_, String>>()?;
        let heap = host.sim().heap_stats(node).map_err(|e| e.to_string())?;
        out.push((v[0], v[1], v[2], heap.live_bytes));
    }
    Ok(out)
}

/// What a run may leave behind once every socket is closed: devices,
/// routes and neighbours it created, caches; not a leak per call.
fn check_memory(r: &FuzzReport) -> Result<(), String> {
    for (i, m) in r.memory.iter().enumerate() {
        let slab = m.slab_kb[1].saturating_sub(m.slab_kb[0]);
        let heap = m.heap[1].saturating_sub(m.heap[0]) >> 10;
        let tasks = m.tasks[1].saturating_sub(m.tasks[0]);
        if slab > 8 << 10 || heap > 64 << 10 || tasks > 64 {
            return Err(format!(
                "node {i} kept {slab} KiB of slab, {heap} KiB of DCE heap and {tasks} more \
                 tasks after every socket was closed: {m:?}"
            ));
        }
    }
    Ok(())
}

/// The host, its two nodes, the link and the addresses.
fn setup(cfg: &FuzzConfig) -> Result<(Pin<Box<Host>>, Vec<DeviceId>), String> {
    let host = Host::new(SimConfig {
        seed: cfg.seed,
        ..SimConfig::default()
    })
    .map_err(|e| e.to_string())?;
    let mut devs = Vec::new();
    for n in 0..NODES {
        host.load_node_library(&cfg.library)
            .map_err(|e| e.to_string())?;
        let (_, mac) = addr_of(NodeId(n));
        devs.push(
            host.add_device(NodeId(n), DeviceConfig::point_to_point(mac))
                .map_err(|e| e.to_string())?,
        );
    }
    let link = PointToPointConfig {
        delay_ns: 100 * US,
        rate_bps: 100_000_000,
        ..PointToPointConfig::default()
    };
    host.connect_p2p(devs[0], devs[1], link)
        .map_err(|e| e.to_string())?;
    host.run_until(MS).map_err(|e| e.to_string())?;
    let mut outs = Vec::new();
    for n in 0..NODES {
        let (ip, _) = addr_of(NodeId(n));
        outs.push(in_task(&host, NodeId(n), move |_, e| {
            let mut rt = Rtnl::open(e)?;
            rt.link_set(1, true, None)?;
            let idx = rt.link_index("sim0")?;
            rt.addr_add(idx, IpAddr::V4(Ipv4Addr::from(ip)), 24)?;
            rt.link_set(idx, true, None)
        })?);
    }
    host.run_until(host.sim().now() + 10 * MS)
        .map_err(|e| e.to_string())?;
    for (n, o) in outs.iter().enumerate() {
        match o.borrow_mut().take() {
            Some(Ok(())) => {}
            r => return Err(format!("configuring node {n}: {r:?}")),
        }
    }
    Ok((host, devs))
}

/// Runs `f` in a new application task of `node`, now.
fn in_task<T: 'static>(
    host: &Host,
    node: NodeId,
    f: impl FnOnce(&Sim, &SimExported) -> T + 'static,
) -> Result<Rc<RefCell<Option<T>>>, String> {
    host.start_task(node, 0, move |sim, e| f(sim, &e))
        .map_err(|e| e.to_string())
}
