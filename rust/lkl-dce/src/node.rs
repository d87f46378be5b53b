//! [`Node`]: everything one node's library keeps, in one static.
//!
//! ns-3-dce loads one copy of the library for all nodes and swaps its
//! writable segment (`.data`/`.bss`) per node (Documentation/dce/abi.rst,
//! "One copy, one segment per node"): this
//! static, like every kernel global, therefore exists once per node, and
//! the live copy is the node whose code DCE is running.  It is reached
//! through [`node()`], a shared reference: every field is a `Cell` (or an
//! `UnsafeCell` for the one table the kernel keeps a pointer to), so code
//! that re-enters the library (DCE calls `task_create` from inside
//! `task_current`) never holds a conflicting borrow.
//!
//! The segment is right whenever our code runs on behalf of DCE: at every
//! entry point, in every event callback.  The one place where it is not is
//! an application task that waited in `task_wait` (abi.rst hazard H1): that code path
//! ([`crate::call`]) reads only its own stack after waking.

use crate::call::Calls;
use crate::dce::Dce;
use crate::defer::Deferred;
use crate::thread::Sched;
use core::cell::{Cell, UnsafeCell};
use core::ffi::{c_int, c_void, CStr};
use core::ptr;
use lkl_sys::LklHostOperations;

/// Number of TLS slots per green thread (the kernel uses one).
pub const TLS_SLOTS: usize = 4;

/// Everything per node.
pub struct Node {
    /// DCE's imports and the node's cookie (set by `sim_init`).
    dce: Cell<Dce>,
    /// The host operations table handed to `lkl_init` (the kernel keeps a
    /// pointer to it).
    ops: UnsafeCell<LklHostOperations>,
    /// Set after a fatal error (a kernel panic): the kernel is never
    /// entered again and every call answers `-ENODEV`.
    dead: Cell<bool>,
    /// The green threads the kernel runs on ([`crate::thread`]).
    pub sched: Sched,
    /// The system calls in flight and the workers that run them
    /// ([`crate::call`]).
    pub calls: Calls,
    /// Frames and timers held back during calls DCE's teardown makes
    /// ([`crate::defer`]).
    pub deferred: Deferred,
    /// TLS keys in use (bit i: key i + 1).
    pub tls_used: Cell<u32>,
    /// The interned sysctl paths ([`crate::sysctl`]), NULL until the
    /// first walk.
    pub sysctl: Cell<*mut c_void>,
    /// Recovery point of the kernel code running outside green threads
    /// (an event's interrupt), NULL when there is none.
    guard: Cell<*mut *mut c_void>,
}

struct NodeCell(Node);

// SAFETY: all of a node's code runs on one OS thread at a time (DCE runs
// fibers strictly one after another) and other nodes see their own copy of
// this static; there is never concurrent access.
unsafe impl Sync for NodeCell {}

static NODE: NodeCell = NodeCell(Node {
    dce: Cell::new(Dce::NONE),
    // SAFETY: the table holds only `Option<fn>`s and raw pointers, for
    // which all-zero is `None`/NULL.
    ops: UnsafeCell::new(unsafe { core::mem::zeroed() }),
    dead: Cell::new(false),
    sched: Sched::new(),
    calls: Calls::new(),
    deferred: Deferred::new(),
    tls_used: Cell::new(0),
    sysctl: Cell::new(ptr::null_mut()),
    guard: Cell::new(ptr::null_mut()),
});

/// This node's state.
pub fn node() -> &'static Node {
    &NODE.0
}

/// This node's DCE imports.
pub fn dce() -> Dce {
    node().dce.get()
}

extern "C" {
    /// Runs `f(ctx)` with a recovery point in `*jb` (csrc/glue.c): 0 when
    /// `f` returned, 1 when it left through `lkl_dce_bail(jb)`.
    fn lkl_dce_guard(
        jb: *mut *mut c_void,
        f: unsafe extern "C" fn(*mut c_void),
        ctx: *mut c_void,
    ) -> c_int;
    fn lkl_dce_bail(jb: *mut *mut c_void) -> !;
}

impl Node {
    /// Stores DCE's table and cookie (the first thing `sim_init` does).
    pub fn install(&self, dce: Dce) {
        self.dce.set(dce);
    }

    /// The host operations table.
    pub fn ops(&self) -> *mut LklHostOperations {
        self.ops.get()
    }

    /// True once the kernel has panicked or failed fatally.
    pub fn is_dead(&self) -> bool {
        self.dead.get()
    }

    /// True while kernel code runs on the base (an interrupt raised by an
    /// event), under [`guarded`](Self::guarded).
    pub fn in_kernel_on_base(&self) -> bool {
        !self.guard.get().is_null()
    }

    /// Runs `f(ctx)`, kernel code outside any green thread (an interrupt
    /// raised by an event), under a recovery point: returns false if a
    /// fatal error ended it (see [`fatal`]).
    pub fn guarded(&self, f: unsafe extern "C" fn(*mut c_void), ctx: *mut c_void) -> bool {
        let mut jb: [*mut c_void; 5] = [ptr::null_mut(); 5];
        let prev = self.guard.replace(jb.as_mut_ptr());
        // SAFETY: `jb` lives until lkl_dce_guard returns, and the guard is
        // unregistered right after; only kernel C frames and Rust frames
        // without destructors lie between the two (panic = "abort").
        let bailed = unsafe { lkl_dce_guard(jb.as_mut_ptr(), f, ctx) };
        self.guard.set(prev);
        bailed == 0
    }
}

/// Writes `bytes` to the node's log.
pub fn log_bytes(bytes: &[u8]) {
    dce().log(bytes)
}

/// Writes a message to the node's log.
pub fn log(msg: &str) {
    log_bytes(msg.as_bytes())
}

/// Writes `fmt` (with one `%d`) and `value` to the node's log.
pub fn log_int(fmt: &CStr, value: c_int) {
    dce().log_int(fmt, value)
}

/// Logs `msg` and marks the node dead: every call in flight returns
/// `-ENODEV` (its caller is woken) and later calls return it at once.  For
/// the base, which then simply stops running kernel code; green threads and
/// kernel code under a recovery point use [`fatal`].
pub fn die(msg: &[u8]) {
    log_bytes(msg);
    node().dead.set(true);
    crate::call::fail_all();
}

/// Logs `msg`, marks the node dead and never returns: every call in
/// flight returns `-ENODEV` (its caller is woken), later calls return it at
/// once, the green thread that failed stops for good, and kernel code
/// outside green threads leaves through its recovery point.  The other
/// nodes and the simulation go on.
pub fn fatal(msg: &[u8]) -> ! {
    die(msg);
    let n = node();
    if crate::thread::on_green_thread() {
        crate::thread::stop_forever()
    }
    let jb = n.guard.replace(ptr::null_mut());
    if !jb.is_null() {
        // SAFETY: `jb` is the live recovery point of `Node::guarded`
        // further up this stack.
        unsafe { lkl_dce_bail(jb) }
    }
    // Kernel code ran outside any guard: a bug of ours.  Nothing can be
    // unwound; stop here rather than return into a dead kernel.
    log_bytes(b"lkl-dce: fatal error outside a recovery point\n");
    loop {
        core::hint::spin_loop()
    }
}

/// A fixed-size, truncating formatting buffer (no allocator), for the
/// panic handler.
#[cfg(any(panic = "abort", test))]
pub struct LineBuf {
    buf: [u8; Self::CAP],
    len: usize,
}

#[cfg(any(panic = "abort", test))]
impl LineBuf {
    pub const CAP: usize = 256;

    pub fn new() -> Self {
        Self {
            buf: [0; Self::CAP],
            len: 0,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

#[cfg(any(panic = "abort", test))]
impl core::fmt::Write for LineBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(Self::CAP - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}
