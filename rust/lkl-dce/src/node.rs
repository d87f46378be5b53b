//! This node's state: one static in the library's RW segment.
//!
//! Under ns-3-dce every node has its own copy of the RW segment (the
//! CoojaLoader swaps it on every switch), and all of a node's code runs on
//! one OS thread, one fiber at a time: the state is accessed through a raw
//! pointer, never through long-lived references, because calls into DCE
//! re-enter the library (`task_create` from inside `task_current`).

use core::cell::UnsafeCell;
use core::ffi::{c_char, c_int, c_void};
use core::ptr;
use dce_abi::{DceHandle, SimKernel, SimTask};
use lkl_sys::LklHostOperations;

/// Number of TLS slots per task (the kernel uses one).
pub const TLS_SLOTS: usize = 4;

/// Our `struct SimTask`, allocated with DCE `malloc` by `task_create`.
#[repr(C)]
pub struct Task {
    /// DCE's `Task*` (returned by `task_get_private`).
    pub private: *mut c_void,
    /// The pid DCE gave (0 for kernel threads and D-tasks).
    pub pid: core::ffi::c_ulong,
    /// TLS values, indexed by key - 1.
    pub tls: [*mut c_void; TLS_SLOTS],
    /// Set by `thread_exit`.
    pub exited: bool,
    /// A task waiting in `thread_join` for this one.
    pub joiner: *mut SimTask,
    /// Set while the task runs a system call under [`syscall`]'s guard.
    pub in_call: bool,
    /// Recovery point of that call: a panic returns `-ENODEV` through it.
    pub call_jb: [*mut c_void; 5],
    /// Next task in [`Node::calls`].
    pub next_call: *mut Task,
}

impl Task {
    pub const ZERO: Task = Task {
        private: ptr::null_mut(),
        pid: 0,
        tls: [ptr::null_mut(); TLS_SLOTS],
        exited: false,
        joiner: ptr::null_mut(),
        in_call: false,
        call_jb: [ptr::null_mut(); 5],
        next_call: ptr::null_mut(),
    };
}

/// Everything per node.
pub struct Node {
    pub imported: DceHandle,
    pub kernel: *mut SimKernel,
    pub ops: LklHostOperations,
    /// Set while our event trampoline runs (M context): `task_current`,
    /// `task_wait` must not be called then.
    pub in_event: bool,
    /// Set after a fatal error: the kernel is not entered again.
    pub dead: bool,
    /// TLS keys in use (bit i: key i + 1).
    pub tls_used: u32,
    /// Recovery point of the running event (see `lkl_dce_guard`).
    pub event_jb: [*mut c_void; 5],
    pub event_jb_live: bool,
    /// Identity and TLS of event context (`thread_self` sentinel).
    pub event_task: Task,
    /// Tasks inside a guarded system call, running or blocked in the
    /// kernel: a panic wakes them all so that each call returns.
    pub calls: *mut Task,
    /// The interned sysctl paths (sysctl.rs), NULL until the first walk.
    pub sysctl: *mut c_void,
}

struct NodeCell(UnsafeCell<Node>);

// SAFETY: a node's code runs on one OS thread at a time (DCE fibers run
// strictly one after another), and other nodes see their own copy of the
// RW segment; there is no concurrent access.
unsafe impl Sync for NodeCell {}

static NODE: NodeCell = NodeCell(UnsafeCell::new(Node {
    // SAFETY: both tables consist of `Option<fn>` and raw pointers only,
    // for which all-zero is a valid value (None / NULL).
    imported: unsafe { core::mem::zeroed() },
    kernel: ptr::null_mut(),
    // SAFETY: as above.
    ops: unsafe { core::mem::zeroed() },
    in_event: false,
    dead: false,
    tls_used: 0,
    event_jb: [ptr::null_mut(); 5],
    event_jb_live: false,
    event_task: Task::ZERO,
    calls: ptr::null_mut(),
    sysctl: ptr::null_mut(),
}));

/// This node's state.  Access fields through the pointer; do not keep a
/// reference across a call into DCE or the kernel.
pub fn node() -> *mut Node {
    NODE.0.get()
}

/// Store DCE's table and cookie (first thing `sim_init` does).
pub fn install(imported: DceHandle, kernel: *mut SimKernel) {
    let n = node();
    // SAFETY: single-threaded access to our static (see NodeCell).
    unsafe {
        (*n).imported = imported;
        (*n).kernel = kernel;
    }
}

/// The host operations table handed to `lkl_init`.
pub fn ops() -> *mut LklHostOperations {
    // SAFETY: taking the address of a field of our static.
    unsafe { ptr::addr_of_mut!((*node()).ops) }
}

/// DCE's imports (a copy) and the node's cookie.
pub fn dce() -> (DceHandle, *mut SimKernel) {
    // SAFETY: single-threaded read of Copy fields of our static.
    unsafe { ((*node()).imported, (*node()).kernel) }
}

/// True while an event callback of ours runs.
pub fn in_event() -> bool {
    // SAFETY: single-threaded read of our static.
    unsafe { (*node()).in_event }
}

extern "C" {
    fn lkl_dce_printf(
        vprintf: *const c_void,
        kernel: *mut SimKernel,
        fmt: *const c_char,
        ...
    ) -> c_int;
    /// Run `f(ctx)` with a recovery point in `jb` (csrc/glue.c): returns
    /// 0 when `f` returned, 1 when it left through `lkl_dce_bail(jb)`.
    pub fn lkl_dce_guard(
        jb: *mut *mut c_void,
        f: unsafe extern "C" fn(*mut c_void),
        ctx: *mut c_void,
    ) -> c_int;
    fn lkl_dce_bail(jb: *mut *mut c_void) -> !;
}

/// Write `bytes` to the node's log through DCE's `vprintf` ("%.*s").
pub fn log_bytes(bytes: &[u8]) {
    let (dce, kernel) = dce();
    let Some(vprintf) = dce.vprintf else { return };
    let len = c_int::try_from(bytes.len()).unwrap_or(c_int::MAX);
    // SAFETY: `vprintf` is DCE's; the format consumes exactly an int and a
    // pointer to `len` readable bytes.
    unsafe {
        lkl_dce_printf(
            vprintf as *const c_void,
            kernel,
            c"%.*s".as_ptr(),
            len,
            bytes.as_ptr(),
        );
    }
}

/// Write a static message to the node's log.
pub fn log(msg: &str) {
    log_bytes(msg.as_bytes());
}

/// `vprintf(fmt, value)` where `fmt` has exactly one `%d`.
pub fn printf_int(fmt: *const c_char, value: c_int) {
    let (dce, kernel) = dce();
    let Some(vprintf) = dce.vprintf else { return };
    // SAFETY: `fmt` is a NUL-terminated constant with one `%d`.
    unsafe {
        lkl_dce_printf(vprintf as *const c_void, kernel, fmt, value);
    }
}

/// True once this node's kernel panicked or failed fatally: its entry
/// points then answer with an error instead of entering the kernel.
pub fn is_dead() -> bool {
    // SAFETY: single-threaded read of our static.
    unsafe { (*node()).dead }
}

/// The calling context's task: the event sentinel in event context,
/// DCE's current task otherwise.
pub fn current() -> *mut Task {
    let n = node();
    if in_event() {
        // SAFETY: address of a field of our static.
        return unsafe { ptr::addr_of_mut!((*n).event_task) };
    }
    let (dce, kernel) = dce();
    // SAFETY: DCE's task_current, only called outside event context.
    let t = dce
        .task_current
        .map_or(ptr::null_mut(), |f| unsafe { f(kernel) });
    if t.is_null() {
        // SAFETY: as above.
        unsafe { ptr::addr_of_mut!((*n).event_task) }
    } else {
        t.cast()
    }
}

const ENODEV: core::ffi::c_long = 19;

struct Call {
    no: core::ffi::c_long,
    params: [core::ffi::c_long; 6],
    ret: core::ffi::c_long,
}

unsafe extern "C" fn run_call(ctx: *mut c_void) {
    let c = ctx as *mut Call;
    // SAFETY: `ctx` is the Call on syscall()'s stack; lkl_syscall reads
    // exactly six parameters.  The pointers among them come from our
    // callers (DCE's application memory or our own locals), which the
    // kernel treats as user memory of the same address space.
    unsafe { (*c).ret = lkl_sys::lkl_syscall((*c).no, (*c).params.as_mut_ptr()) }
}

/// Remove `t` from the list of tasks in a call.
///
/// # Safety
/// `t` is a live Task.
unsafe fn unlink_call(t: *mut Task) {
    let n = node();
    // SAFETY: single-threaded access to our static; every Task on the list
    // is live (tasks are never freed while DCE runs them).
    unsafe {
        let mut link: *mut *mut Task = ptr::addr_of_mut!((*n).calls);
        while !(*link).is_null() {
            if *link == t {
                *link = (*t).next_call;
                break;
            }
            link = ptr::addr_of_mut!((**link).next_call);
        }
        (*t).next_call = ptr::null_mut();
        (*t).in_call = false;
    }
}

/// Runs `f(ctx)`, which enters this node's kernel, on the calling task
/// under a recovery point: returns false without running it once the
/// kernel has panicked, and false when a panic during the call, on this
/// task or another, made it leave the kernel (see [`fatal`]).
pub fn guarded(f: unsafe extern "C" fn(*mut c_void), ctx: *mut c_void) -> bool {
    if is_dead() {
        return false;
    }
    let t = current();
    let n = node();
    // SAFETY: `t` is a live Task of ours (or the event sentinel, which is
    // never guarded here: events leave through their own recovery point);
    // `f` and `ctx` are the caller's.
    unsafe {
        if t == ptr::addr_of_mut!((*n).event_task) || (*t).in_call {
            f(ctx);
            return true;
        }
        (*t).in_call = true;
        (*t).next_call = (*n).calls;
        (*n).calls = t;
        let bailed = lkl_dce_guard(ptr::addr_of_mut!((*t).call_jb).cast(), f, ctx);
        unlink_call(t);
        bailed == 0
    }
}

/// Runs system call `no` in this node's kernel on the calling task (as
/// its host task), or returns `-ENODEV` once the kernel has panicked: the
/// node then answers with errors while the simulation goes on.  A panic
/// during the call, on this task or another, also makes it return
/// `-ENODEV` (see [`fatal`]).
pub fn syscall(no: core::ffi::c_long, args: [core::ffi::c_long; 6]) -> core::ffi::c_long {
    let mut call = Call {
        no,
        params: args,
        ret: -ENODEV,
    };
    if guarded(run_call, ptr::addr_of_mut!(call).cast()) {
        call.ret
    } else {
        -ENODEV
    }
}

/// Run `f(ctx)`, which enters the kernel, as event context (DCE's main
/// context: an event callback or `dev_rx`): nothing may block, and a fatal
/// error ends the event through its recovery point.  Does nothing once the
/// node is dead.
pub fn run_in_event(f: unsafe extern "C" fn(*mut c_void), ctx: *mut c_void) {
    let n = node();
    // SAFETY: single-threaded access to our static; `f` and `ctx` are the
    // caller's.
    unsafe {
        if (*n).dead {
            return;
        }
        let prev = (*n).in_event;
        let prev_live = (*n).event_jb_live;
        (*n).in_event = true;
        (*n).event_jb_live = true;
        lkl_dce_guard(ptr::addr_of_mut!((*n).event_jb).cast(), f, ctx);
        (*n).event_jb_live = prev_live;
        (*n).in_event = prev;
    }
}

/// After the node died: leave the kernel for good.  A task inside a
/// guarded system call returns from it with `-ENODEV`; any other task (a
/// kernel thread) parks forever.
pub fn bail() -> ! {
    let t = current();
    let n = node();
    // SAFETY: single-threaded access to our static; `t` is a live Task.
    unsafe {
        if (*n).in_event && (*n).event_jb_live {
            (*n).event_jb_live = false;
            lkl_dce_bail(ptr::addr_of_mut!((*n).event_jb).cast());
        }
        if t != ptr::addr_of_mut!((*n).event_task) && (*t).in_call {
            lkl_dce_bail(ptr::addr_of_mut!((*t).call_jb).cast());
        }
    }
    park_forever()
}

/// Log `msg`, mark the node dead and never return.  Every other task
/// blocked in a system call is woken so that its call returns `-ENODEV`
/// (see `wait` in host.rs); this one leaves through [`bail`].
pub fn fatal(msg: &[u8]) -> ! {
    log_bytes(msg);
    let n = node();
    let me = current();
    let (dce, kernel) = dce();
    // SAFETY: single-threaded access to our static; the tasks on the list
    // are live.  task_wakeup is valid in every context and a no-op for a
    // task that is not blocked.
    unsafe {
        (*n).dead = true;
        let mut t = (*n).calls;
        while !t.is_null() {
            if t != me {
                if let Some(wakeup) = dce.task_wakeup {
                    wakeup(kernel, t.cast());
                }
            }
            t = (*t).next_call;
        }
    }
    bail()
}

/// Block the current task for good (`task_wait` in a loop).
pub fn park_forever() -> ! {
    loop {
        let (dce, kernel) = dce();
        match dce.task_wait {
            // SAFETY: DCE's task_wait, called in task context (callers
            // never get here in event context).
            Some(wait) if !in_event() => unsafe { wait(kernel) },
            _ => core::hint::spin_loop(),
        }
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
