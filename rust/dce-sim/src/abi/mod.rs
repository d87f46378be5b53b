//! The ABI layer: runs a kernel library the way ns-3-dce 1.12 does
//! (Documentation/dce/abi.rst: "The binary interface", "Execution
//! contexts", "Loading the library").
//!
//! A [`Host`] is made of parts, each in its own module:
//!
//! * the simulator core, [`Sim`]: events, per-node task managers,
//!   allocators and random streams;
//! * the [`loader`]: one copy of the library for all nodes, its writable
//!   segment swapped per node as DCE's CoojaLoader does (the default), or
//!   one copy per node;
//! * the nodes: per node, the cookie the library gets as `SimKernel*`,
//!   the library's `SimExported` table and its log;
//! * the [`imports`]: every `SimImported` member as an `extern "C"`
//!   callback with DCE's semantics;
//! * the [`exports`]: the library's `SimExported` as DCE calls it, each
//!   call wrapped in `NotifyStartExecute`; programs and the host's own
//!   D-tasks get only this view ([`Host::exported`]);
//! * the network ([`crate::net`]) and DCE's poll tables ([`crate::poll`]);
//! * an optional [`observe::Observer`] that tests install to record
//!   frames and `poll_event` calls.
//!
//! # What runs where, as in DCE
//!
//! * `sim_init` runs at t=0 in a D-task of the node, with the `SimImported`
//!   table **on the stack** (poisoned right after `sim_init` returns).
//! * The kernel library's segment is swapped in ([`loader`]) at every
//!   `SimExported` call, every event the library scheduled, and every
//!   switch into a kernel (`task_start`) or DCE-internal (D-) task; never
//!   when a program's task (A-task) resumes, even inside the library.
//! * Programs ([`Host::start_task`]) run as A-tasks; Cradle-style callers
//!   ([`Host::run_fiberless`]) run in event context with a fiberless task
//!   current; DCE's teardown ([`Host::teardown`]) deletes the programs'
//!   tasks and frees their poll waiters and sockets with no task current.
//! * Where DCE would crash or assert, a callback raises a **hard error**:
//!   the [`SimError`] is latched in the simulator (so [`Sim::run`] returns
//!   it) and the library code that made the call is abandoned, never
//!   resumed: a task is blocked forever; an event callback, which the
//!   host always runs on a separate fiber for this reason, is dropped
//!   without unwinding.  Only a hard error outside any run aborts.
//!
//! # Finding the simulator from a callback
//!
//! The `SimKernel*` cookie points to a per-node structure of the host,
//! which holds the node id and a back-pointer to the [`Host`].
//! `poll_event` and the exported wrappers get no cookie, so the host is
//! also registered in a **process-global pointer** while it lives: at
//! most one [`Host`] may exist at a time in a process (a second one is
//! [`AbiError::HostAlreadyLive`]), and it is used from the one thread that
//! created it.  Plain [`Sim`]s are not affected.

pub mod exports;
pub mod imports;
pub mod loader;
pub mod observe;

use crate::{NodeId, Sim, SimConfig, SimError, TaskId};
use core::cell::{Cell, RefCell};
use core::ffi::c_void;
use core::fmt;
use core::marker::PhantomPinned;
use core::mem::ManuallyDrop;
use core::ptr;
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use dce_abi::{SimExported, SimImported, SimKernel, SimSocket, SimTask};
use loader::{LoadError, Loader, LoaderMode, SwapStats};
use observe::Observer;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::rc::Rc;

pub use imports::{first_null_slot, imported_table};

/// Stack of the fiber that runs library event callbacks (M context).  DCE
/// runs them on the ns-3 main stack, so this is as large as a usual main
/// thread stack; it is mapped once and reused.
pub const EVENT_STACK_SIZE: usize = 8 << 20;

const NODE_MAGIC: u64 = u64::from_le_bytes(*b"DCENODE!");

/// The one live [`Host`] of the process (null if none).
static LIVE: AtomicPtr<Host> = AtomicPtr::new(ptr::null_mut());
static HOST_SEQ: AtomicU64 = AtomicU64::new(0);

/// An error of host construction or library loading (run-time misuse of
/// the ABI is a [`SimError`] instead).
#[derive(Debug)]
pub enum AbiError {
    /// Another [`Host`] is alive in this process.
    HostAlreadyLive,
    /// File system error.
    Io {
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        err: std::io::Error,
    },
    /// The library could not be loaded as DCE loads it.
    Load(LoadError),
    /// A simulator error while setting the node up.
    Sim(SimError),
    /// A bad network description (devices, links).
    Net(String),
}

impl fmt::Display for AbiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AbiError::HostAlreadyLive => f.write_str(
                "another dce-sim Host is alive in this process (the ABI callbacks find the \
                 simulator through one process-global pointer)",
            ),
            AbiError::Io { path, err } => write!(f, "{}: {err}", path.display()),
            AbiError::Load(e) => e.fmt(f),
            AbiError::Sim(e) => e.fmt(f),
            AbiError::Net(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for AbiError {}

impl From<SimError> for AbiError {
    fn from(e: SimError) -> Self {
        AbiError::Sim(e)
    }
}

impl From<LoadError> for AbiError {
    fn from(e: LoadError) -> Self {
        AbiError::Load(e)
    }
}

/// A frame the library sent with `dev_xmit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Virtual time in ns.
    pub time: u64,
    /// The library's `SimDevice*`, as an address.
    pub dev: usize,
    /// The whole frame, Ethernet header included.
    pub data: Vec<u8>,
}

/// The result of a [`Host::start_task`] task: `None` until it finished.
pub type TaskOutput<T> = Rc<RefCell<Option<T>>>;

/// A `poll_event` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollEvent {
    /// Virtual time in ns.
    pub time: u64,
    /// Node whose context made the call.
    pub node: NodeId,
    /// `flag` (ignored by DCE).
    pub flag: core::ffi::c_int,
    /// The `PollTable*` cookie, as an address.
    pub context: usize,
}

/// Per-node state; its address is the node's `SimKernel*` cookie.
pub(crate) struct NodeCtx {
    magic: u64,
    host: *const Host,
    pub(crate) node: NodeId,
    /// The library's own table: zeroed, filled by `sim_init`.
    exported: *mut SimExported,
    log: RefCell<Vec<u8>>,
    /// DCE's "extra context" of each Task: its SimTask.
    simtasks: RefCell<HashMap<TaskId, *mut SimTask>>,
    initialized: Cell<bool>,
    /// Sockets open through the node's table (DCE's file descriptors),
    /// with the task that opened them (its "process"), closed by DCE's
    /// teardown.
    pub(crate) sockets: RefCell<BTreeMap<usize, Option<TaskId>>>,
    /// The fiberless task Cradle calls run in.
    cradle_task: Cell<Option<TaskId>>,
    /// The last pid given to a program's task.
    last_pid: Cell<u64>,
}

impl NodeCtx {
    /// The pid of a new program (DCE's processes count from 1 per node).
    pub(crate) fn next_pid(&self) -> u64 {
        self.last_pid.set(self.last_pid.get() + 1);
        self.last_pid.get()
    }

    fn cookie(&self) -> *mut SimKernel {
        (self as *const NodeCtx).cast_mut().cast()
    }

    /// The library's table (all NULL before `sim_init`).
    pub(crate) fn library_table(&self) -> SimExported {
        // SAFETY: `exported` is a live Box owned by this node; the library
        // writes it only during `sim_init`, on this same thread.
        unsafe { *self.exported }
    }

    /// The D-task body: DCE's `InitializeStack` (abi.rst "Lookup and
    /// start-up").
    fn run_sim_init(&self) {
        // SAFETY: the host outlives its nodes' tasks.
        let host = unsafe { &*self.host };
        // DCE's per-node Load: the node's segment starts from the
        // template; the node's code now owns the live segment.
        host.loader.borrow().init_node(self.node);
        let Some(sim_init) = host.loader.borrow().sim_init(self.node) else {
            return;
        };
        let mut imported = imported_table();
        // SAFETY: the ABI contract of `sim_init`; `exported` is a zeroed
        // heap table, `imported` lives on this stack for the call.
        unsafe { sim_init(self.exported, &imported, self.cookie()) };
        // SAFETY: poison the stack copy like DCE's dead stack frame would
        // be: a library that kept the pointer now calls NULL.
        unsafe { ptr::write_volatile(&mut imported, SimImported::default()) };
        if let Ok(me) = host.sim.task_current() {
            self.simtasks.borrow_mut().remove(&me);
        }
        if let Some(slot) = first_null_slot(&self.library_table()) {
            let _ = host.sim.fail::<()>(SimError::ExportedSlotNull {
                node: self.node,
                slot,
            });
            return;
        }
        self.initialized.set(true);
        // DCE's device listener is registered at the end of the stack's
        // initialisation and replays the devices that already exist.
        host.start_pending_devices(self.node);
        // Then DCE writes its three default sysctls, each in a D-task.
        host.apply_dce_defaults(self.node);
    }
}

/// The fiber library event callbacks run on (M context).
struct EventFiber {
    stack: Cell<Option<DefaultStack>>,
    yielder: Cell<*const Yielder<(), ()>>,
}

/// A simulator with the ABI layer.  See the [module docs](self).
pub struct Host {
    sim: ManuallyDrop<Pin<Box<Sim>>>,
    pub(crate) loader: RefCell<Loader>,
    nodes: RefCell<Vec<*mut NodeCtx>>,
    dir: PathBuf,
    events: EventFiber,
    pub(crate) net: RefCell<crate::net::Net>,
    pub(crate) polls: crate::poll::Polls,
    observer: RefCell<Option<Rc<dyn Observer>>>,
    torn_down: Cell<bool>,
    _pinned: PhantomPinned,
}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Host")
            .field("sim", &**self.sim)
            .field("loader", &self.loader.borrow().mode())
            .field("dir", &self.dir)
            .finish()
    }
}

impl Host {
    /// A new host with no node, loading libraries as DCE's CoojaLoader
    /// does.  Fails if another [`Host`] is alive in the process.
    pub fn new(cfg: SimConfig) -> Result<Pin<Box<Host>>, AbiError> {
        Host::with_loader(cfg, LoaderMode::Cooja)
    }

    /// A new host with the given loader mode.
    pub fn with_loader(cfg: SimConfig, mode: LoaderMode) -> Result<Pin<Box<Host>>, AbiError> {
        let dir = std::env::temp_dir().join(format!(
            "dce-sim-{}-{}",
            std::process::id(),
            HOST_SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let host = Box::pin(Host {
            sim: ManuallyDrop::new(Sim::new(cfg)),
            loader: RefCell::new(Loader::new(mode, dir.clone())),
            nodes: RefCell::new(Vec::new()),
            dir,
            events: EventFiber {
                stack: Cell::new(None),
                yielder: Cell::new(ptr::null()),
            },
            net: RefCell::new(crate::net::Net::default()),
            polls: crate::poll::Polls::default(),
            observer: RefCell::new(None),
            torn_down: Cell::new(false),
            _pinned: PhantomPinned,
        });
        let p: *const Host = &*host;
        if LIVE
            .compare_exchange(
                ptr::null_mut(),
                p.cast_mut(),
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_err()
        {
            // Not registered: its Drop must not clear the live pointer.
            std::mem::forget(host);
            return Err(AbiError::HostAlreadyLive);
        }
        std::fs::create_dir_all(&host.dir).map_err(|err| AbiError::Io {
            path: host.dir.clone(),
            err,
        })?;
        Ok(host)
    }

    /// The live host of the process, for callbacks that get no cookie.
    pub(crate) fn live() -> Option<&'static Host> {
        let p = LIVE.load(Ordering::SeqCst);
        // SAFETY: the live host is registered only while it exists, and
        // callbacks run only during its runs.
        (!p.is_null()).then(|| unsafe { &*p })
    }

    /// The simulator.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// How libraries are loaded.
    pub fn loader_mode(&self) -> LoaderMode {
        self.loader.borrow().mode()
    }

    /// Installs `observer`, which sees every frame and `poll_event` from
    /// now on.
    pub fn observe(&self, observer: Rc<dyn Observer>) {
        *self.observer.borrow_mut() = Some(observer);
    }

    pub(crate) fn observer(&self) -> Option<Rc<dyn Observer>> {
        self.observer.borrow().clone()
    }

    /// Adds a node running the library at `path` (see [`loader`]) and
    /// queues the D-task that calls its `sim_init` at the current time
    /// (t=0 before the first run).
    pub fn load_node_library(&self, path: &Path) -> Result<NodeId, AbiError> {
        let index = self.nodes.borrow().len();
        self.loader.borrow_mut().add_node(path)?;
        let node = self.sim.add_node();
        debug_assert_eq!(node.0 as usize, index);
        let ctx = Box::into_raw(Box::new(NodeCtx {
            magic: NODE_MAGIC,
            host: self,
            node,
            exported: Box::into_raw(Box::<SimExported>::default()),
            log: RefCell::new(Vec::new()),
            simtasks: RefCell::new(HashMap::new()),
            initialized: Cell::new(false),
            sockets: RefCell::new(BTreeMap::new()),
            cradle_task: Cell::new(None),
            last_pid: Cell::new(0),
        }));
        self.nodes.borrow_mut().push(ctx);
        let ctxp: *const NodeCtx = ctx;
        // DCE's InitializeStack task, switched in with the node's segment
        // (once its Load has run, inside).
        self.dtask(node, move |_: &Sim| {
            // SAFETY: node contexts live until the Host is dropped, which
            // drops the simulator (and so this task) first.
            unsafe { (*ctxp).run_sim_init() }
        })?;
        Ok(node)
    }

    pub(crate) fn ctx(&self, node: NodeId) -> Option<&NodeCtx> {
        let p = *self.nodes.borrow().get(node.0 as usize)?;
        // SAFETY: node contexts live as long as the Host.
        Some(unsafe { &*p })
    }

    /// Everything the node's library printed with `vprintf` (DCE's
    /// `files-<n>/var/log/messages`).
    pub fn node_log(&self, node: NodeId) -> String {
        self.ctx(node)
            .map(|c| String::from_utf8_lossy(&c.log.borrow()).into_owned())
            .unwrap_or_default()
    }

    /// True once the node's `sim_init` returned with every slot filled.
    pub fn node_initialized(&self, node: NodeId) -> bool {
        self.ctx(node).is_some_and(|c| c.initialized.get())
    }

    /// The node's `SimExported` table as DCE calls it: every entry point
    /// swaps the node's library segment in first ([`exports`]).  `None`
    /// for an unknown node; all NULL before `sim_init` returned.
    pub fn exported(&self, node: NodeId) -> Option<SimExported> {
        let c = self.ctx(node)?;
        Some(if c.initialized.get() {
            exports::view(&c.library_table())
        } else {
            SimExported::default()
        })
    }

    /// Sockets the node's programs have open (DCE's file descriptors of
    /// kernel sockets): opened through [`exported`](Self::exported), not
    /// yet closed.
    pub fn open_sockets(&self, node: NodeId) -> usize {
        self.ctx(node).map_or(0, |c| c.sockets.borrow().len())
    }

    /// What the loader did for `node` (zero under
    /// [`LoaderMode::Copies`]).
    pub fn swap_stats(&self, node: NodeId) -> SwapStats {
        self.loader.borrow().stats(node)
    }

    /// Bytes of the library's writable segment the loader swaps (0 under
    /// [`LoaderMode::Copies`]).
    pub fn swapped_segment_bytes(&self) -> usize {
        self.loader.borrow().swapped_bytes(NodeId(0))
    }

    /// DCE's `NotifyStartExecute` for `node`.
    pub(crate) fn notify_start_execute(&self, node: NodeId) {
        self.loader.borrow().notify_start_execute(node)
    }

    /// A switch notifier that swaps `node`'s segment in: for kernel and
    /// DCE-internal tasks.
    pub(crate) fn kernel_switch_notifier(&self, task: TaskId, node: NodeId) {
        let hp: *const Host = self;
        self.sim.set_switch_notifier(
            task,
            Rc::new(move || {
                // SAFETY: the host outlives its simulator's tasks.
                unsafe { (*hp).notify_start_execute(node) }
            }),
        );
    }

    /// Starts a D-task on `node`, switched in with the node's segment.
    pub(crate) fn dtask(
        &self,
        node: NodeId,
        f: impl FnOnce(&Sim) + 'static,
    ) -> Result<TaskId, SimError> {
        let t = self.sim.dtask_start(node, f)?;
        self.kernel_switch_notifier(t, node);
        self.sim.set_no_unwind(t);
        Ok(t)
    }

    /// Runs `f(sim, exported)` as a program of `node` would run: in a new
    /// application task (A-task), queued now when `delay` is 0, else by an
    /// event `delay` ns from now.  It may call the node's entry points and
    /// block in them.  Its result is in the returned slot once the task
    /// has finished.
    pub fn start_task<T: 'static>(
        &self,
        node: NodeId,
        delay: u64,
        f: impl FnOnce(&Sim, SimExported) -> T + 'static,
    ) -> Result<TaskOutput<T>, SimError> {
        let out: TaskOutput<T> = Rc::new(RefCell::new(None));
        let slot = out.clone();
        let hp: *const Host = self;
        let start = move |sim: &Sim| -> Result<(), SimError> {
            // SAFETY: the host outlives its simulator's events and tasks.
            let host = unsafe { &*hp };
            let Some(e) = host.exported(node) else {
                return Ok(());
            };
            let stack = sim.config().task_stack_size;
            let t = sim.atask_start(node, stack, move |sim| {
                *slot.borrow_mut() = Some(f(sim, e));
            })?;
            sim.set_no_unwind(t);
            Ok(())
        };
        self.at(node, delay, start)?;
        Ok(out)
    }

    /// Runs `f(sim, exported)` as DCE's Cradle calls the library: from
    /// event context on `node`, `delay` ns from now, with the node's
    /// fiberless task current (`task_current` returns it; waiting in it is
    /// a hard error).  Its result is in the returned slot afterwards.
    pub fn run_fiberless<T: 'static>(
        &self,
        node: NodeId,
        delay: u64,
        f: impl FnOnce(&Sim, SimExported) -> T + 'static,
    ) -> Result<TaskOutput<T>, SimError> {
        let out: TaskOutput<T> = Rc::new(RefCell::new(None));
        let slot = out.clone();
        let hp: *const Host = self;
        self.sim.schedule(node, delay, move |sim: &Sim| {
            // SAFETY: the host outlives its simulator's events.
            let host = unsafe { &*hp };
            let Some(ctx) = host.ctx(node) else { return };
            let Some(e) = host.exported(node) else { return };
            let hi = match ctx.cradle_task.get() {
                Some(t) => t,
                None => match sim.fiberless_task_create(node) {
                    Ok(t) => {
                        ctx.cradle_task.set(Some(t));
                        t
                    }
                    Err(_) => return,
                },
            };
            let sp: *const Sim = sim;
            host.run_event(move || {
                // SAFETY: the simulator outlives its events.
                let sim = unsafe { &*sp };
                let r = sim.with_fiberless_task(hi, || f(sim, e));
                *slot.borrow_mut() = Some(r);
            });
        })?;
        Ok(out)
    }

    /// Runs `start(sim)` at `delay` ns from now on `node` (now if 0).
    fn at(
        &self,
        node: NodeId,
        delay: u64,
        start: impl FnOnce(&Sim) -> Result<(), SimError> + 'static,
    ) -> Result<(), SimError> {
        if delay == 0 {
            return start(&self.sim);
        }
        let hp: *const Host = self;
        self.sim.schedule(node, delay, move |sim| {
            if let Err(err) = start(sim) {
                // SAFETY: the host outlives its simulator's events.
                unsafe { (*hp).hard(err) }
            }
        })?;
        Ok(())
    }

    /// Runs every event up to virtual time `t` ns ([`Sim::run_until`]).
    pub fn run_until(&self, t: u64) -> Result<(), SimError> {
        if self.torn_down.get() {
            return Err(SimError::Abi {
                node: None,
                msg: "run after teardown (DCE's simulation is over)".into(),
            });
        }
        self.sim.run_until(t)
    }

    /// DCE's teardown (`DceManager::DoDispose` at the end of a
    /// simulation, abi.rst "Hazards", H1b), node by node, program by program
    /// (DCE's `DeleteProcess`): the waiters of the program's poll tables
    /// are freed with `sock_pollfreewait` (`CleanupThread`), the sockets it
    /// opened are closed with `sock_close`, then its task is deleted where
    /// it stands (blocked in `poll`, `accept`, `recvmsg`, ...); last, the
    /// sockets of the node's other tasks (Cradle's, DCE-internal ones) are
    /// closed.  All of it with no current task: `task_current` is a hard
    /// error, so are `event_schedule_ns` and `dev_xmit` (DCE's
    /// `TaskManager::Current()` is NULL then), and `task_wakeup` does
    /// nothing.  The simulation cannot run afterwards.  Returns the first
    /// hard error, if any.
    pub fn teardown(&self) -> Result<(), SimError> {
        if self.torn_down.replace(true) {
            return Ok(());
        }
        let nodes = self.nodes.borrow().len();
        for i in 0..nodes {
            let node = NodeId(i as u32);
            let Some(ctx) = self.ctx(node) else { continue };
            if !ctx.initialized.get() {
                for t in self.sim.application_tasks(node) {
                    self.sim.kill_task(t);
                }
                continue;
            }
            let e = exports::view(&ctx.library_table());
            let programs: Vec<Option<TaskId>> = self
                .sim
                .application_tasks(node)
                .into_iter()
                .map(Some)
                .chain([None])
                .collect();
            for p in programs {
                let waiters = match p {
                    Some(t) => self.polls.take_task(t),
                    None => self.polls.take_node(node),
                };
                let sockets: Vec<usize> = ctx
                    .sockets
                    .borrow()
                    .iter()
                    .filter(|(_, owner)| p.is_none() || **owner == p)
                    .map(|(s, _)| *s)
                    .collect();
                self.sim.in_teardown(node, || {
                    self.run_event(move || {
                        for h in waiters {
                            if let Some(free) = e.sock_pollfreewait {
                                // SAFETY: a waiter handle sock_poll returned,
                                // freed once, as DCE's CleanupThread does.
                                unsafe { free(h as *mut c_void) };
                            }
                        }
                        for s in sockets {
                            if let Some(close) = e.sock_close {
                                // SAFETY: a socket the node's table opened
                                // and nobody closed, as DCE's DeleteProcess
                                // does.
                                unsafe { close(s as *mut SimSocket) };
                            }
                        }
                    })
                });
                if let Some(t) = p {
                    self.sim.kill_task(t);
                }
                if self.sim.fatal().is_some() {
                    break;
                }
            }
        }
        match self.sim.fatal() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Latches `e` and abandons the library code that is running: see the
    /// [module docs](self).
    pub(crate) fn hard(&self, e: SimError) -> ! {
        let _ = self.sim.fail::<()>(e.clone());
        if self.sim.in_task() {
            self.sim.abandon_current_task();
        }
        let y = self.events.yielder.get();
        if !y.is_null() {
            loop {
                // SAFETY: `yielder` is non-null only while the event fiber
                // runs, and we are on it; it is never resumed after this
                // suspension.
                unsafe { (*y).suspend(()) };
            }
        }
        eprintln!("dce-sim: hard error outside a simulation run: {e}");
        std::process::abort()
    }

    /// Runs `f` (library code in M context) on the event fiber.
    pub(crate) fn run_event(&self, f: impl FnOnce() + 'static) {
        if !self.events.yielder.get().is_null() {
            // Already on the event fiber (a Cradle call from an event).
            f();
            return;
        }
        let stack = match self.events.stack.take() {
            Some(s) => s,
            None => match DefaultStack::new(EVENT_STACK_SIZE) {
                Ok(s) => s,
                Err(e) => {
                    let _ = self.sim.fail::<()>(SimError::StackAlloc {
                        size: EVENT_STACK_SIZE,
                        reason: e.to_string(),
                    });
                    return;
                }
            },
        };
        let host: *const Host = self;
        let mut co: Coroutine<(), (), (), DefaultStack> =
            Coroutine::with_stack(stack, move |y: &Yielder<(), ()>, ()| {
                // SAFETY: the host outlives every event it runs.
                unsafe { (*host).events.yielder.set(y) };
                f();
            });
        let r = co.resume(());
        self.events.yielder.set(ptr::null());
        if let CoroutineResult::Yield(()) = r {
            // A hard error abandoned the callback.
            // SAFETY: the fiber is suspended in `hard`, never to resume; its
            // frames are C frames and our callback's, which own nothing
            // needing a destructor beyond a leak.
            unsafe { co.force_reset() };
        }
        self.events.stack.set(Some(co.into_stack()));
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        // The simulator first: its fibers' stacks hold library frames.  Any
        // task may be blocked in the library (an application waiting in
        // recvmsg, say), so none is unwound.
        self.sim.set_all_no_unwind();
        // SAFETY: `sim` is not used after this.
        unsafe { ManuallyDrop::drop(&mut self.sim) };
        for p in self.nodes.get_mut().drain(..) {
            // SAFETY: `p` came from Box::into_raw and nothing refers to it
            // any more (the simulator is gone).
            let ctx = unsafe { Box::from_raw(p) };
            // SAFETY: likewise for the exported table.
            unsafe { drop(Box::from_raw(ctx.exported)) };
        }
        // The loader's Drop closes the libraries.
        let _ = std::fs::remove_dir_all(&self.dir);
        let me: *mut Host = self;
        let _ = LIVE.compare_exchange(me, ptr::null_mut(), Ordering::SeqCst, Ordering::SeqCst);
    }
}
