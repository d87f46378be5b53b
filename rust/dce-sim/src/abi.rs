//! The ABI layer: runs a kernel library the way ns-3-dce 1.12 does
//! (dce-abi.md §1, §3, §4).
//!
//! * [`Host`] owns a [`Sim`] and, per node, one private copy of the
//!   library ([`Host::load_node_library`]): DCE loads one shared object per
//!   node, and a copy per node (loaded with `RTLD_NOW | RTLD_LOCAL`) gives
//!   every node its own `.data`/`.bss`, like DCE's per-node loaders.
//! * At t=0, in a one-shot D-task on the node, the host builds the
//!   [`SimImported`] table **on the stack** (it is poisoned right after
//!   `sim_init` returns, so a library that kept the pointer reads zeros),
//!   allocates a zeroed [`SimExported`], calls `sim_init(exported,
//!   &imported, kernel)` and checks that all 29 exported slots are set.
//! * Every `SimImported` member is an `extern "C"` callback here with DCE's
//!   semantics.  Where DCE would crash or assert, the callback raises a
//!   **hard error**: the [`SimError`] is latched in the simulator (so
//!   [`Sim::run`] returns it), and the library code that made the call is
//!   abandoned, never resumed: a task is blocked forever; an event
//!   callback, which the host always runs on a separate fiber for exactly
//!   this reason, is dropped without unwinding.  Only a hard error raised
//!   outside any simulation run aborts the process.
//!
//! # Finding the simulator from a callback
//!
//! The `SimKernel*` cookie given to the library points to a per-node
//! structure of the host, which holds the node id and a back-pointer to the
//! [`Host`].  `poll_event` gets no cookie, so the host is also registered in
//! a **process-global pointer** while it lives; for this reason at most one
//! [`Host`] may exist at a time in a process (creating a second one is
//! [`AbiError::HostAlreadyLive`]), and like [`Sim`] it is used from the one
//! thread that created it.  Plain [`Sim`]s (without the ABI layer) are not
//! affected.
//!
//! # What is not there yet
//!
//! dce-sim has no application tasks (A-tasks) yet, so the file and
//! environment imports (`atexit` ... `fwrite`) are always hard errors, as
//! on DCE's K- and D-tasks.  `dev_xmit` goes to the device's link
//! ([`crate::net`]) and `poll_event` wakes the task polling in that table
//! ([`crate::poll`]); both are also recorded ([`Host::frames`],
//! [`Host::poll_events`]).

use crate::{NodeId, Sim, SimConfig, SimError, TaskId};
use core::cell::{Cell, RefCell};
use core::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_ulong, c_void, CStr};
use core::fmt;
use core::marker::PhantomPinned;
use core::mem::ManuallyDrop;
use core::ptr;
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use dce_abi::{
    IoFile, SimDevice, SimExported, SimImported, SimInit, SimKernel, SimTask, VaList,
    SIM_INIT_SYMBOL,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::rc::Rc;

/// Stack of the fiber that runs library event callbacks (M context).  DCE
/// runs them on the ns-3 main stack, so this is as large as a usual main
/// thread stack; it is mapped once and reused.
pub const EVENT_STACK_SIZE: usize = 8 << 20;

const NODE_MAGIC: u64 = u64::from_le_bytes(*b"DCENODE!");

/// The one live [`Host`] of the process (null if none).
static LIVE: AtomicPtr<Host> = AtomicPtr::new(ptr::null_mut());
static HOST_SEQ: AtomicU64 = AtomicU64::new(0);

extern "C" {
    // The host C library's vsnprintf; `va_list` is passed as the pointer it
    // decays to on x86-64 SysV (see `dce_abi::VaList`).
    fn vsnprintf(s: *mut c_char, n: usize, format: *const c_char, ap: VaList) -> c_int;
}

/// An error of host construction or library loading (run-time misuse of
/// the ABI is a [`SimError`] instead).
#[derive(Debug)]
pub enum AbiError {
    /// Another [`Host`] is alive in this process.
    HostAlreadyLive,
    /// File system error while copying the library.
    Io {
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        err: std::io::Error,
    },
    /// `dlopen` failed.
    Dlopen {
        /// The node's copy.
        path: PathBuf,
        /// `dlerror()`.
        msg: String,
    },
    /// The library has no `sim_init` symbol.
    NoSimInit {
        /// The library as given.
        path: PathBuf,
    },
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
            AbiError::Dlopen { path, msg } => {
                write!(f, "cannot dlopen {}: {msg}", path.display())
            }
            AbiError::NoSimInit { path } => write!(
                f,
                "{} has no `sim_init` symbol (DCE raises NS_FATAL_ERROR: not a kernel library)",
                path.display()
            ),
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
    pub flag: c_int,
    /// The `PollTable*` cookie, as an address.
    pub context: usize,
}

/// Per-node state; its address is the node's `SimKernel*` cookie.
struct NodeCtx {
    magic: u64,
    host: *const Host,
    node: NodeId,
    // Zeroed `Box<SimExported>`, filled by the library.
    exported: *mut SimExported,
    // dlopen handle of the node's copy.
    handle: *mut c_void,
    sim_init: SimInit,
    log: RefCell<Vec<u8>>,
    frames: RefCell<Vec<Frame>>,
    // DCE's "extra context" of each Task: its SimTask.
    simtasks: RefCell<HashMap<TaskId, *mut SimTask>>,
    initialized: Cell<bool>,
}

impl NodeCtx {
    fn cookie(&self) -> *mut SimKernel {
        (self as *const NodeCtx).cast_mut().cast()
    }

    fn exported(&self) -> SimExported {
        // SAFETY: `exported` is a live Box owned by this node; the library
        // writes it only during `sim_init`, on this same thread.
        unsafe { *self.exported }
    }
}

/// A simulator with the ABI layer: loads one kernel library copy per node
/// and serves its `SimImported` calls.  See the [module docs](self).
pub struct Host {
    sim: ManuallyDrop<Pin<Box<Sim>>>,
    nodes: RefCell<Vec<*mut NodeCtx>>,
    dir: PathBuf,
    event_stack: Cell<Option<DefaultStack>>,
    event_yielder: Cell<*const Yielder<(), ()>>,
    polls: RefCell<Vec<PollEvent>>,
    pub(crate) net: RefCell<crate::net::Net>,
    pub(crate) poll_tables: RefCell<HashMap<usize, Box<crate::poll::PollTable>>>,
    pub(crate) freed_poll_tables: RefCell<std::collections::HashSet<usize>>,
    _pinned: PhantomPinned,
}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Host")
            .field("sim", &**self.sim)
            .field("dir", &self.dir)
            .finish()
    }
}

impl Host {
    /// A new host with no node.  Fails if another [`Host`] is alive in the
    /// process.
    pub fn new(cfg: SimConfig) -> Result<Pin<Box<Host>>, AbiError> {
        let dir = std::env::temp_dir().join(format!(
            "dce-sim-{}-{}",
            std::process::id(),
            HOST_SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let host = Box::pin(Host {
            sim: ManuallyDrop::new(Sim::new(cfg)),
            nodes: RefCell::new(Vec::new()),
            dir,
            event_stack: Cell::new(None),
            event_yielder: Cell::new(ptr::null()),
            polls: RefCell::new(Vec::new()),
            net: RefCell::new(crate::net::Net::default()),
            poll_tables: RefCell::new(HashMap::new()),
            freed_poll_tables: RefCell::new(std::collections::HashSet::new()),
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

    /// The simulator.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// Adds a node running its own copy of the library at `path`: copies
    /// the file to a per-node temporary path, `dlopen`s it with
    /// `RTLD_NOW | RTLD_LOCAL`, looks up `sim_init` and queues the D-task
    /// that calls it at the current time (t=0 before the first run).
    pub fn load_node_library(&self, path: &Path) -> Result<NodeId, AbiError> {
        let index = self.nodes.borrow().len();
        let node_dir = self.dir.join(format!("node-{index}"));
        std::fs::create_dir_all(&node_dir).map_err(|err| AbiError::Io {
            path: node_dir.clone(),
            err,
        })?;
        let name = path.file_name().unwrap_or("lib.so".as_ref());
        let copy = node_dir.join(name);
        std::fs::copy(path, &copy).map_err(|err| AbiError::Io {
            path: path.to_owned(),
            err,
        })?;
        let cpath = std::ffi::CString::new(copy.as_os_str().as_encoded_bytes()).map_err(|_| {
            AbiError::Dlopen {
                path: copy.clone(),
                msg: "path contains NUL".into(),
            }
        })?;
        // SAFETY: dlopen of a file we just copied; its constructors run now.
        let handle = unsafe { libc::dlopen(cpath.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            return Err(AbiError::Dlopen {
                path: copy,
                msg: dlerror_string(),
            });
        }
        // SAFETY: `handle` is a live dlopen handle.
        let sym = unsafe { libc::dlsym(handle, SIM_INIT_SYMBOL.as_ptr()) };
        if sym.is_null() {
            // SAFETY: `handle` is live and not used afterwards.
            unsafe { libc::dlclose(handle) };
            return Err(AbiError::NoSimInit {
                path: path.to_owned(),
            });
        }
        // SAFETY: `sim_init` has the `SimInit` type by the ABI (dce-abi.md
        // §1.1); data and function pointers have the same size here.
        let sim_init: SimInit = unsafe { core::mem::transmute::<*mut c_void, SimInit>(sym) };
        let node = self.sim.add_node();
        debug_assert_eq!(node.0 as usize, index);
        let ctx = Box::into_raw(Box::new(NodeCtx {
            magic: NODE_MAGIC,
            host: self,
            node,
            exported: Box::into_raw(Box::<SimExported>::default()),
            handle,
            sim_init,
            log: RefCell::new(Vec::new()),
            frames: RefCell::new(Vec::new()),
            simtasks: RefCell::new(HashMap::new()),
            initialized: Cell::new(false),
        }));
        self.nodes.borrow_mut().push(ctx);
        let ctxp: *const NodeCtx = ctx;
        let t = self.sim.dtask_start(node, move |_: &Sim| {
            // SAFETY: node contexts live until the Host is dropped, which
            // drops the simulator (and so this task) first.
            unsafe { (*ctxp).run_sim_init() }
        })?;
        self.sim.set_no_unwind(t);
        Ok(node)
    }

    fn ctx(&self, node: NodeId) -> Option<&NodeCtx> {
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

    /// Frames the node's library sent with `dev_xmit`.
    pub fn frames(&self, node: NodeId) -> Vec<Frame> {
        self.ctx(node)
            .map(|c| c.frames.borrow().clone())
            .unwrap_or_default()
    }

    /// Every `poll_event` call so far.
    pub fn poll_events(&self) -> Vec<PollEvent> {
        self.polls.borrow().clone()
    }

    /// True once the node's `sim_init` returned with every slot filled.
    pub fn node_initialized(&self, node: NodeId) -> bool {
        self.ctx(node).is_some_and(|c| c.initialized.get())
    }

    /// The node's filled `SimExported` table (all NULL before `sim_init`).
    pub fn exported(&self, node: NodeId) -> Option<SimExported> {
        self.ctx(node).map(NodeCtx::exported)
    }

    /// Runs `f(sim, exported)` in a new D-task of `node`, as a program of
    /// that node would run (it may call the node's `SimExported` entry
    /// points and block in them): queued now when `delay` is 0, else by an
    /// event `delay` ns from now.  Its result is in the returned slot once
    /// the task has finished.
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
            sim.dtask_start(node, move |sim| {
                *slot.borrow_mut() = Some(f(sim, e));
            })
            .map(|_| ())
        };
        if delay == 0 {
            start(&self.sim)?;
        } else {
            self.sim.schedule(node, delay, move |sim| {
                if let Err(err) = start(sim) {
                    // SAFETY: as above.
                    unsafe { (*hp).hard(err) }
                }
            })?;
        }
        Ok(out)
    }

    /// Runs every event up to virtual time `t` ns ([`Sim::run_until`]).
    pub fn run_until(&self, t: u64) -> Result<(), SimError> {
        self.sim.run_until(t)
    }

    /// Latches `e` and abandons the library code that is running: see the
    /// [module docs](self).
    pub(crate) fn hard(&self, e: SimError) -> ! {
        let _ = self.sim.fail::<()>(e.clone());
        if self.sim.in_task() {
            self.sim.abandon_current_task();
        }
        let y = self.event_yielder.get();
        if !y.is_null() {
            loop {
                // SAFETY: `event_yielder` is non-null only while the event
                // fiber runs, and we are on it; it is never resumed after
                // this suspension.
                unsafe { (*y).suspend(()) };
            }
        }
        eprintln!("dce-sim: hard error outside a simulation run: {e}");
        std::process::abort()
    }

    /// Runs `f` (library code in M context) on the event fiber.
    pub(crate) fn run_event(&self, f: impl FnOnce() + 'static) {
        let stack = match self.event_stack.take() {
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
                unsafe { (*host).event_yielder.set(y) };
                f();
            });
        let r = co.resume(());
        self.event_yielder.set(ptr::null());
        if let CoroutineResult::Yield(()) = r {
            // A hard error abandoned the callback.
            // SAFETY: the fiber is suspended in `hard`, never to resume; its
            // frames are C frames and our callback's, which own nothing
            // needing a destructor beyond a leak.
            unsafe { co.force_reset() };
        }
        self.event_stack.set(Some(co.into_stack()));
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
            // SAFETY: likewise for the exported table and the handle.
            unsafe {
                drop(Box::from_raw(ctx.exported));
                libc::dlclose(ctx.handle);
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        let me: *mut Host = self;
        let _ = LIVE.compare_exchange(me, ptr::null_mut(), Ordering::SeqCst, Ordering::SeqCst);
    }
}

fn dlerror_string() -> String {
    // SAFETY: dlerror returns NULL or a C string valid until the next call.
    let e = unsafe { libc::dlerror() };
    if e.is_null() {
        "unknown error".into()
    } else {
        // SAFETY: non-null C string from dlerror.
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
    }
}

macro_rules! missing_slot {
    ($e:expr; $($slot:ident)*) => {{
        let e = $e;
        let mut missing = None;
        $(if missing.is_none() && e.$slot.is_none() { missing = Some(stringify!($slot)); })*
        missing
    }};
}

/// The first NULL member of `e`, in declaration order.
pub fn first_null_slot(e: &SimExported) -> Option<&'static str> {
    missing_slot!(e;
        task_create task_destroy task_get_private sock_socket sock_close sock_recvmsg
        sock_sendmsg sock_getsockname sock_getpeername sock_bind sock_connect sock_listen
        sock_shutdown sock_accept sock_ioctl sock_setsockopt sock_getsockopt sock_poll
        sock_pollfreewait dev_create dev_destroy dev_get_private dev_set_address dev_set_mtu
        dev_create_packet dev_rx sys_iterate_files sys_file_read sys_file_write)
}

/// The `SimImported` table this host hands to every library.
pub fn imported_table() -> SimImported {
    SimImported {
        vprintf: Some(cb_vprintf),
        malloc: Some(cb_malloc),
        free: Some(cb_free),
        memcpy: Some(cb_memcpy),
        memset: Some(cb_memset),
        atexit: Some(cb_atexit),
        access: Some(cb_access),
        getenv: Some(cb_getenv),
        mkdir: Some(cb_mkdir),
        open: Some(cb_open),
        __fxstat: Some(cb_fxstat),
        fseek: Some(cb_fseek),
        setbuf: Some(cb_setbuf),
        fdopen: Some(cb_fdopen),
        ftell: Some(cb_ftell),
        fclose: Some(cb_fclose),
        fread: Some(cb_fread),
        fwrite: Some(cb_fwrite),
        random: Some(cb_random),
        event_schedule_ns: Some(cb_event_schedule_ns),
        event_cancel: Some(cb_event_cancel),
        current_ns: Some(cb_current_ns),
        task_start: Some(cb_task_start),
        task_wait: Some(cb_task_wait),
        task_current: Some(cb_task_current),
        task_wakeup: Some(cb_task_wakeup),
        task_yield: Some(cb_task_yield),
        dev_xmit: Some(cb_dev_xmit),
        signal_raised: Some(cb_signal_raised),
        poll_event: Some(cb_poll_event),
    }
}

impl NodeCtx {
    /// The D-task body: DCE's `InitializeStack` (dce-abi.md §4.1).
    fn run_sim_init(&self) {
        // SAFETY: the host outlives its nodes' tasks.
        let host = unsafe { &*self.host };
        let mut imported = imported_table();
        // SAFETY: the ABI contract of `sim_init`; `exported` is a zeroed
        // heap table, `imported` lives on this stack for the call.
        unsafe { (self.sim_init)(self.exported, &imported, self.cookie()) };
        // SAFETY: poison the stack copy like DCE's dead stack frame would
        // be: a library that kept the pointer now calls NULL.
        unsafe { ptr::write_volatile(&mut imported, SimImported::default()) };
        if let Ok(me) = host.sim.task_current() {
            self.simtasks.borrow_mut().remove(&me);
        }
        if let Some(slot) = first_null_slot(&self.exported()) {
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

fn task_priv(t: TaskId) -> *mut c_void {
    ((t.raw() + 1) << 4) as *mut c_void
}

fn priv_task(p: *mut c_void) -> Option<TaskId> {
    let v = p as usize as u64;
    (v != 0 && v & 0xf == 0).then(|| TaskId::from_raw((v >> 4) - 1))
}

fn event_handle(raw: u64) -> *mut c_void {
    ((raw + 1) << 3) as *mut c_void
}

/// Resolves a cookie to (host, node), checking it and the context.
///
/// # Safety
///
/// `k` must be null or a pointer the host gave out (a garbage pointer may
/// be dereferenced to check its magic).
unsafe fn enter<'a>(k: *mut SimKernel, call: &str) -> (&'a Host, &'a NodeCtx) {
    let live = LIVE.load(Ordering::SeqCst);
    if live.is_null() {
        eprintln!("dce-sim: {call}() called with no live simulator");
        std::process::abort();
    }
    // SAFETY: the live host is registered only while it exists.
    let host: &Host = unsafe { &*live };
    let nc = k.cast::<NodeCtx>();
    // SAFETY: see the function's contract.
    if nc.is_null() || unsafe { (*nc).magic } != NODE_MAGIC || unsafe { (*nc).host } != live {
        host.hard(SimError::Abi {
            node: host.sim.current_node(),
            msg: format!(
                "{call}() with a SimKernel* that is not this node's cookie ({k:p}) (DCE would \
                 dereference it as its KernelSocketFdFactory)"
            ),
        });
    }
    // SAFETY: checked above.
    let nc = unsafe { &*nc };
    match host.sim.current_node() {
        Some(n) if n == nc.node => {}
        cur => host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: format!(
                "{call}() with node {}'s cookie while {} runs (each node's library must only \
                 use its own cookie, in its own context)",
                nc.node,
                cur.map_or("no node".to_string(), |c| format!("node {c}"))
            ),
        }),
    }
    (host, nc)
}

unsafe extern "C" fn cb_vprintf(k: *mut SimKernel, fmt: *const c_char, ap: VaList) -> c_int {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "vprintf") };
    if fmt.is_null() {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: "vprintf() with a NULL format (DCE's vfprintf crashes)".into(),
        });
    }
    let mut buf = [0u8; 512];
    // va_copy on x86-64 SysV is a copy of the 24-byte __va_list_tag.
    // SAFETY: `ap` points to the caller's live, va_start'ed tag.
    let mut copy: [u64; 3] = unsafe { ptr::read(ap.cast::<[u64; 3]>()) };
    // SAFETY: vsnprintf with a valid buffer, format and va_list copy.
    let n = unsafe {
        vsnprintf(
            buf.as_mut_ptr().cast(),
            buf.len(),
            fmt,
            ptr::addr_of_mut!(copy).cast(),
        )
    };
    if n < 0 {
        return n;
    }
    let len = n as usize;
    let mut log = nc.log.borrow_mut();
    if len < buf.len() {
        log.extend_from_slice(&buf[..len]);
    } else {
        let mut big = vec![0u8; len + 1];
        // SAFETY: as above, consuming the caller's va_list once.
        unsafe { vsnprintf(big.as_mut_ptr().cast(), big.len(), fmt, ap) };
        log.extend_from_slice(&big[..len]);
    }
    n
}

unsafe extern "C" fn cb_malloc(k: *mut SimKernel, size: c_ulong) -> *mut c_void {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "malloc") };
    match host.sim.malloc(nc.node, size) {
        Ok(p) => p.cast(),
        Err(e) => host.hard(e),
    }
}

unsafe extern "C" fn cb_free(k: *mut SimKernel, p: *mut c_void) {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "free") };
    if let Err(e) = host.sim.free(nc.node, p.cast()) {
        host.hard(e)
    }
}

unsafe extern "C" fn cb_memcpy(
    k: *mut SimKernel,
    dst: *mut c_void,
    src: *const c_void,
    n: c_ulong,
) -> *mut c_void {
    // SAFETY: callback contract.
    unsafe { enter(k, "memcpy") };
    // SAFETY: plain libc memcpy, as in DCE.
    unsafe { libc::memcpy(dst, src, n as usize) }
}

unsafe extern "C" fn cb_memset(
    k: *mut SimKernel,
    dst: *mut c_void,
    v: c_char,
    n: c_ulong,
) -> *mut c_void {
    // SAFETY: callback contract.
    unsafe { enter(k, "memset") };
    // SAFETY: plain libc memset, as in DCE.
    unsafe { libc::memset(dst, c_int::from(v as u8), n as usize) }
}

/// The file/env imports: valid only on A-tasks, which dce-sim lacks.
unsafe fn no_app_task(k: *mut SimKernel, call: &'static str) -> ! {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, call) };
    host.hard(SimError::OutsideApplicationTask {
        call,
        node: nc.node,
    })
}

unsafe extern "C" fn cb_atexit(k: *mut SimKernel, _f: Option<unsafe extern "C" fn()>) -> c_int {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "atexit") }
}
unsafe extern "C" fn cb_access(k: *mut SimKernel, _p: *const c_char, _m: c_int) -> c_int {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "access") }
}
unsafe extern "C" fn cb_getenv(k: *mut SimKernel, _n: *const c_char) -> *mut c_char {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "getenv") }
}
unsafe extern "C" fn cb_mkdir(k: *mut SimKernel, _p: *const c_char, _m: c_uint) -> c_int {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "mkdir") }
}
unsafe extern "C" fn cb_open(k: *mut SimKernel, _p: *const c_char, _f: c_int) -> c_int {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "open") }
}
unsafe extern "C" fn cb_fxstat(k: *mut SimKernel, _v: c_int, _fd: c_int, _b: *mut c_void) -> c_int {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "__fxstat") }
}
unsafe extern "C" fn cb_fseek(k: *mut SimKernel, _s: *mut IoFile, _o: c_long, _w: c_int) -> c_int {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "fseek") }
}
unsafe extern "C" fn cb_setbuf(k: *mut SimKernel, _s: *mut IoFile, _b: *mut c_char) {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "setbuf") }
}
unsafe extern "C" fn cb_fdopen(k: *mut SimKernel, _fd: c_int, _m: *const c_char) -> *mut IoFile {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "fdopen") }
}
unsafe extern "C" fn cb_ftell(k: *mut SimKernel, _s: *mut IoFile) -> c_long {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "ftell") }
}
unsafe extern "C" fn cb_fclose(k: *mut SimKernel, _s: *mut IoFile) -> c_int {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "fclose") }
}
unsafe extern "C" fn cb_fread(
    k: *mut SimKernel,
    _p: *mut c_void,
    _s: usize,
    _n: usize,
    _f: *mut IoFile,
) -> usize {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "fread") }
}
unsafe extern "C" fn cb_fwrite(
    k: *mut SimKernel,
    _p: *const c_void,
    _s: usize,
    _n: usize,
    _f: *mut IoFile,
) -> usize {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "fwrite") }
}

unsafe extern "C" fn cb_random(k: *mut SimKernel) -> c_ulong {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "random") };
    match host.sim.random(nc.node) {
        Ok(r) => r,
        Err(e) => host.hard(e),
    }
}

unsafe extern "C" fn cb_event_schedule_ns(
    k: *mut SimKernel,
    ns: u64,
    f: Option<unsafe extern "C" fn(*mut c_void)>,
    ctx: *mut c_void,
    pre_fn: Option<unsafe extern "C" fn()>,
) -> *mut c_void {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "event_schedule_ns") };
    let Some(pre_fn) = pre_fn else {
        host.hard(SimError::PreFnNull { node: nc.node })
    };
    let Some(f) = f else {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: "event_schedule_ns() with fn NULL (DCE would call NULL when it fires)".into(),
        })
    };
    let hp: *const Host = host;
    let r = host.sim.schedule(nc.node, ns, move |_: &Sim| {
        // SAFETY: the host outlives its simulator's events.
        let host = unsafe { &*hp };
        host.run_event(move || {
            // SAFETY: the library's callbacks, in M context, as DCE does:
            // pre_fn() then fn(context).
            unsafe {
                pre_fn();
                f(ctx);
            }
        });
    });
    match r {
        Ok(id) => event_handle(id.raw()),
        Err(e) => host.hard(e),
    }
}

unsafe extern "C" fn cb_event_cancel(k: *mut SimKernel, ev: *mut c_void) {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "event_cancel") };
    let v = ev as usize as u64;
    let id = (v != 0 && v & 7 == 0).then(|| crate::EventId::from_raw((v >> 3) - 1));
    let Some(id) = id.filter(|id| host.sim.event_was_issued(*id)) else {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: format!(
                "event_cancel({ev:p}): not a handle event_schedule_ns returned (DCE would \
                 dereference it as an EventId)"
            ),
        })
    };
    if let Err(e) = host.sim.cancel(id) {
        host.hard(e)
    }
}

unsafe extern "C" fn cb_current_ns(k: *mut SimKernel) -> u64 {
    // SAFETY: callback contract.
    let (host, _) = unsafe { enter(k, "current_ns") };
    host.sim.now()
}

fn task_create_fn(
    host: &Host,
    nc: &NodeCtx,
    call: &str,
) -> unsafe extern "C" fn(*mut c_void, c_ulong) -> *mut SimTask {
    match nc.exported().task_create {
        Some(f) => f,
        None => host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: format!(
                "{call}() before exported->task_create was set (DCE calls it from inside \
                 {call}: NULL call)"
            ),
        }),
    }
}

fn create_simtask(host: &Host, nc: &NodeCtx, call: &str, t: TaskId) -> *mut SimTask {
    let create = task_create_fn(host, nc, call);
    // SAFETY: the library's task_create, with DCE's arguments (Task*, pid
    // 0: kernel and DCE-internal tasks).
    let st = unsafe { create(task_priv(t), 0) };
    if st.is_null() {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: format!("exported->task_create returned NULL in {call}() (DCE requires a task)"),
        });
    }
    nc.simtasks.borrow_mut().insert(t, st);
    st
}

unsafe extern "C" fn cb_task_start(
    k: *mut SimKernel,
    cb: Option<unsafe extern "C" fn(*mut c_void)>,
    ctx: *mut c_void,
) -> *mut SimTask {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "task_start") };
    let Some(cb) = cb else {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: "task_start() with a NULL callback (DCE's task would call NULL)".into(),
        })
    };
    // Fail before queueing a task if task_create is missing.
    task_create_fn(host, nc, "task_start");
    let t = match host.sim.task_start(nc.node, move |_: &Sim| {
        // SAFETY: the library's kernel-thread function (must never return).
        unsafe { cb(ctx) }
    }) {
        Ok(t) => t,
        Err(e) => host.hard(e),
    };
    host.sim.set_no_unwind(t);
    create_simtask(host, nc, "task_start", t)
}

fn current_simtask(host: &Host, nc: &NodeCtx, call: &str) -> *mut SimTask {
    let t = match host.sim.task_current() {
        Ok(t) => t,
        Err(e) => host.hard(e),
    };
    let known = nc.simtasks.borrow().get(&t).copied();
    match known {
        Some(st) => st,
        None => create_simtask(host, nc, call, t),
    }
}

unsafe extern "C" fn cb_task_current(k: *mut SimKernel) -> *mut SimTask {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "task_current") };
    current_simtask(host, nc, "task_current")
}

unsafe extern "C" fn cb_task_wait(k: *mut SimKernel) {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "task_wait") };
    if !host.sim.in_task() {
        host.hard(SimError::TaskWaitOutsideTask);
    }
    current_simtask(host, nc, "task_wait");
    if let Err(e) = host.sim.task_wait() {
        host.hard(e)
    }
}

unsafe extern "C" fn cb_task_wakeup(k: *mut SimKernel, st: *mut SimTask) -> c_int {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "task_wakeup") };
    let Some(get) = nc.exported().task_get_private else {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: "task_wakeup() before exported->task_get_private was set (NULL call)".into(),
        })
    };
    if st.is_null() {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: "task_wakeup(NULL) (DCE would pass NULL to task_get_private)".into(),
        });
    }
    // SAFETY: the library's own accessor on its own SimTask.
    let p = unsafe { get(st) };
    // A decodable id that is not (or no longer) a live task of this node
    // is reported by the simulator (dead D-task, other node).
    let Some(t) = priv_task(p) else {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: format!(
                "task_wakeup(): task_get_private returned {p:p}, not a Task* this node gave \
                 to task_create (DCE would wake through a garbage Task*)"
            ),
        })
    };
    match host.sim.task_wakeup(t) {
        Ok(b) => c_int::from(b),
        Err(e) => host.hard(e),
    }
}

unsafe extern "C" fn cb_task_yield(k: *mut SimKernel) {
    // SAFETY: callback contract.
    let (host, _) = unsafe { enter(k, "task_yield") };
    if let Err(e) = host.sim.task_yield() {
        host.hard(e)
    }
}

unsafe extern "C" fn cb_dev_xmit(
    k: *mut SimKernel,
    dev: *mut SimDevice,
    data: *mut c_uchar,
    len: c_int,
) {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "dev_xmit") };
    if len < 14 || data.is_null() {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: format!("dev_xmit() of {len} bytes (DCE asserts len >= 14: Ethernet header)"),
        });
    }
    // SAFETY: the library owns `len` readable bytes at `data` for the call.
    let bytes = unsafe { core::slice::from_raw_parts(data, len as usize) }.to_vec();
    // DCE finds the NetDevice through the library's dev_get_private.
    let private = match nc.exported().dev_get_private {
        // SAFETY: the library's own entry point with its own device.
        Some(get) => unsafe { get(dev) },
        None => ptr::null_mut(),
    };
    host.transmit(nc.node, private, &bytes);
    nc.frames.borrow_mut().push(Frame {
        time: host.sim.now(),
        dev: dev as usize,
        data: bytes,
    });
}

unsafe extern "C" fn cb_signal_raised(k: *mut SimKernel, _t: *mut SimTask, _sig: c_int) {
    // SAFETY: callback contract.  DCE: "Not Yet Implemented", a no-op.
    unsafe { enter(k, "signal_raised") };
}

unsafe extern "C" fn cb_poll_event(flag: c_int, context: *mut c_void) {
    let live = LIVE.load(Ordering::SeqCst);
    if live.is_null() {
        eprintln!("dce-sim: poll_event() called with no live simulator");
        std::process::abort();
    }
    // SAFETY: the live host is registered only while it exists.
    let host = unsafe { &*live };
    let Some(node) = host.sim.current_node() else {
        host.hard(SimError::Abi {
            node: None,
            msg: "poll_event() outside any node's context".into(),
        })
    };
    host.polls.borrow_mut().push(PollEvent {
        time: host.sim.now(),
        node,
        flag,
        context: context as usize,
    });
    if let Err(e) = host.poll_wakeup(context) {
        host.hard(e)
    }
}
