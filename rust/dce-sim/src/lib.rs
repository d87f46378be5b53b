//! Core of `dce-sim`, a simulator that reproduces what ns-3-dce 1.12 (DCE)
//! offers a kernel library and where DCE would crash
//! (Documentation/dce/abi.rst, "Execution contexts", "Hazards"),
//! and its ABI layer, which loads a kernel library per node and serves its
//! `SimImported` calls.
//!
//! * [`abi`]: the ABI layer: [`abi::Host`] loads one copy of the library
//!   per node, calls `sim_init` in a D-task at t=0 and implements every
//!   `SimImported` function as an `extern "C"` callback over the [`Sim`];
//!   misuse is a hard error.  The `dce-sim` binary drives it from the
//!   command line.
//! * [`event`]: one global discrete-event queue in virtual nanoseconds;
//!   same-time events run FIFO; each event carries a node (the ns-3
//!   "context"); dead handles are hard errors.
//! * [`task`]: one DCE-like `TaskManager` per node: cooperative fibers,
//!   round-robin FIFO run queue, kernel tasks (must never return) and
//!   one-shot D-tasks.
//! * [`alloc`]: DCE's malloc rules: exactly 8-byte alignment, a header with
//!   owner node and magic, `free(NULL)`/double/foreign frees are hard errors,
//!   live bytes per node.
//! * [`rng`]: DCE's `random()`: one deterministic stream per (seed, node).
//! * [`link`]: link models in virtual ns (point-to-point with rate,
//!   delay, DropTail queue and loss; a shared broadcast segment): pure
//!   logic that says when a frame arrives or why it is dropped.
//! * [`pcap`]: per-device capture files, classic pcap with nanosecond
//!   timestamps and Ethernet linktype.
//! * [`apps`]: programs that use a node's kernel only through `SimExported`.
//! * [`scenario`]: hand-written TOML scenario files (nodes, links,
//!   addresses, routes, applications), validated and run into a report.
//! * [`fuzz`]: a seeded, replayable fuzzer of the whole DCE ABI (the
//!   `dce-fuzz` binary).
//! * [`SimError`]: every hard error, with a message saying what DCE would
//!   have done.
//!
//! # One simulator, one thread, no TLS
//!
//! A [`Sim`] is an ordinary value created by [`Sim::new`], pinned in a box
//! because task fibers keep a pointer to it.  It is `!Send` and `!Sync`:
//! everything happens on the thread that created it, as in DCE, where all
//! fibers run strictly one at a time.  Nothing is kept in thread-local or
//! global storage, so independent simulators (for example parallel unit
//! tests) do not interfere.  The ABI layer ([`abi`]), whose C callbacks
//! get only a `SimKernel*` cookie (and `poll_event` not even that), keeps
//! its one live [`abi::Host`] in a process-global pointer: only one `Host`
//! may exist at a time.
//!
//! # Execution contexts
//!
//! The simulator always knows whether it is running an event callback
//! ("M" context in abi.rst "Execution contexts"), a task, or nothing
//! (between runs), and
//! for which node: [`Sim::current_node`], [`Sim::in_task`].

#![deny(missing_docs)]

pub mod abi;
pub mod alloc;
pub mod apps;
mod error;
pub mod event;
pub mod fuzz;
pub mod link;
pub mod net;
pub mod pcap;
pub mod poll;
pub mod rng;
pub mod scenario;
pub mod sysctl;
pub mod task;

pub use error::SimError;
pub use event::EventId;
pub use task::{TaskId, TaskKind, TaskState};

use core::cell::{Cell, RefCell};
use core::fmt;
use core::marker::PhantomPinned;
use std::pin::Pin;

/// A simulated node (the ns-3 simulator "context" of an event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Stack size of a DCE kernel task: 128 KiB (`1 << 17`,
/// Documentation/dce/abi.rst, "Execution contexts").
pub const DCE_TASK_STACK_SIZE: usize = 1 << 17;

/// Configuration of a [`Sim`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Seed of every node's [`random`](Sim::random) stream.
    pub seed: u64,
    /// Stack size of tasks started without an explicit size
    /// (default [`DCE_TASK_STACK_SIZE`]).
    pub task_stack_size: usize,
    /// A bug report in a node's kernel log (a warning, BUG, oops, stall:
    /// `lkl_sys::log`) stops the run
    /// with [`SimError::KernelWarning`].  DCE does no such thing; it is a
    /// check of ours, on by default because a kernel warning is a bug.
    pub kernel_warnings_fatal: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            task_stack_size: DCE_TASK_STACK_SIZE,
            kernel_warnings_fatal: true,
        }
    }
}

/// What is running right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Exec {
    /// Node of the running event or task; `None` between runs.
    pub(crate) node: Option<NodeId>,
    /// The running task; `None` in event context and between runs.
    pub(crate) task: Option<TaskId>,
    /// A Cradle caller's fiberless task, current while it is entered
    /// (DCE's "hi task"): `task_current` returns it, waiting is an error.
    pub(crate) hi: Option<TaskId>,
    /// DCE's teardown: no current task at all.
    pub(crate) teardown: bool,
}

/// Per-node state.
pub(crate) struct Node {
    pub(crate) tm: task::TaskManager,
    pub(crate) rng: rng::NodeRng,
    pub(crate) events: u64,
}

/// Mutable state, borrowed only briefly: never across a callback or a
/// fiber switch.
pub(crate) struct State {
    pub(crate) queue: event::EventQueue<event::Action>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) tasks: task::TaskTable,
    pub(crate) heaps: alloc::Heaps,
}

/// The simulator: global virtual clock and event queue, and per node a task
/// manager, a heap and a random stream.
///
/// Create it with [`Sim::new`]; see the [crate documentation](crate) for the
/// threading model.
pub struct Sim {
    cfg: SimConfig,
    pub(crate) st: RefCell<State>,
    pub(crate) exec: Cell<Exec>,
    running: Cell<bool>,
    fatal: RefCell<Option<SimError>>,
    // Task fibers hold `*const Sim`: the simulator must never move.
    _pinned: PhantomPinned,
}

impl fmt::Debug for Sim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.st.borrow();
        f.debug_struct("Sim")
            .field("now", &st.queue.now())
            .field("nodes", &st.nodes.len())
            .field("pending_events", &st.queue.len())
            .field("tasks", &st.tasks.len())
            .field("fatal", &self.fatal.borrow())
            .finish()
    }
}

impl Sim {
    /// A new simulator with no node, at time 0.
    pub fn new(cfg: SimConfig) -> Pin<Box<Sim>> {
        Box::pin(Sim {
            cfg,
            st: RefCell::new(State {
                queue: event::EventQueue::new(),
                nodes: Vec::new(),
                tasks: task::TaskTable::default(),
                heaps: alloc::Heaps::default(),
            }),
            exec: Cell::new(Exec::default()),
            running: Cell::new(false),
            fatal: RefCell::new(None),
            _pinned: PhantomPinned,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    /// Adds a node (ids are 0, 1, 2, ... in creation order).
    pub fn add_node(&self) -> NodeId {
        let mut st = self.st.borrow_mut();
        let id = NodeId(u32::try_from(st.nodes.len()).expect("more than 2^32 nodes"));
        st.nodes.push(Node {
            tm: task::TaskManager::default(),
            rng: rng::NodeRng::new(self.cfg.seed, id),
            events: 0,
        });
        st.heaps.add_node();
        id
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.st.borrow().nodes.len()
    }

    /// Node of the running event or task; `None` between runs.
    pub fn current_node(&self) -> Option<NodeId> {
        self.exec.get().node
    }

    /// True while a task (fiber) is running, false in event context and
    /// between runs.
    pub fn in_task(&self) -> bool {
        self.exec.get().task.is_some()
    }

    /// The first hard error, if any.  Once set, [`run`](Sim::run) and
    /// [`run_until`](Sim::run_until) return it and run nothing.
    pub fn fatal(&self) -> Option<SimError> {
        self.fatal.borrow().clone()
    }

    /// Latches `e` (the first error wins) and returns it as an `Err`.
    pub(crate) fn fail<T>(&self, e: SimError) -> Result<T, SimError> {
        let mut fatal = self.fatal.borrow_mut();
        if fatal.is_none() {
            *fatal = Some(e.clone());
        }
        Err(e)
    }

    pub(crate) fn check_node(&self, node: NodeId) -> Result<(), SimError> {
        if (node.0 as usize) < self.st.borrow().nodes.len() {
            Ok(())
        } else {
            self.fail(SimError::UnknownNode { node })
        }
    }

    pub(crate) fn set_running(&self, on: bool) -> bool {
        self.running.replace(on)
    }

    /// Random bytes for `node`: DCE's `random()`, `sizeof(unsigned long)`
    /// bytes from the node's deterministic stream ([`rng`]).
    pub fn random(&self, node: NodeId) -> Result<u64, SimError> {
        self.check_node(node)?;
        Ok(self.st.borrow_mut().nodes[node.0 as usize].rng.next_u64())
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        // Suspended fibers are unwound when their coroutine is dropped, and
        // their destructors may call back into the simulator: take them out
        // of the state first so that no borrow is held meanwhile.
        let mut tasks = core::mem::take(&mut self.st.borrow_mut().tasks);
        tasks.reset_foreign();
        drop(tasks);
        let queue = core::mem::take(&mut self.st.borrow_mut().queue);
        drop(queue);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_are_numbered_in_creation_order() {
        let sim = Sim::new(SimConfig::default());
        assert_eq!(sim.add_node(), NodeId(0));
        assert_eq!(sim.add_node(), NodeId(1));
        assert_eq!(sim.node_count(), 2);
        assert_eq!(sim.current_node(), None);
        assert!(!sim.in_task());
    }

    #[test]
    fn unknown_node_is_a_hard_error() {
        let sim = Sim::new(SimConfig::default());
        sim.add_node();
        let e = sim.random(NodeId(7)).unwrap_err();
        assert_eq!(e, SimError::UnknownNode { node: NodeId(7) });
        assert_eq!(e.to_string(), "unknown node 7");
        assert_eq!(sim.fatal(), Some(e));
    }

    #[test]
    fn first_error_is_latched() {
        let sim = Sim::new(SimConfig::default());
        let _ = sim.random(NodeId(1));
        let _ = sim.random(NodeId(2));
        assert_eq!(sim.fatal(), Some(SimError::UnknownNode { node: NodeId(1) }));
    }
}
