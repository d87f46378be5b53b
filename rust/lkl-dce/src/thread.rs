//! Green threads: the host threads of the kernel, run by the library itself.
//!
//! The arch port runs every kernel thread, and every system call, on a
//! "host thread" (`thread_create`, `sem_down`/`sem_up`, `thread_self`:
//! `Documentation/lkl/host-ops.rst`).  Under ns-3-dce those are green
//! threads ([`Gt`]): stackful coroutines ([`corosensei`]) on stacks from
//! DCE's malloc, scheduled by this module, not by DCE.  Whatever DCE
//! context enters the library (an entry point on an application or
//! DCE-internal task, a Cradle caller without a fiber, an event) becomes
//! the *base*: it makes the green threads that have work runnable and
//! calls [`run`], which resumes them one at a time, in FIFO order, until
//! none is runnable, then returns to DCE.
//!
//! Why not DCE tasks (`task_start`), as LibOS did: DCE switches between
//! tasks through its event loop, and between two slices of one node's
//! kernel the segment may hold another node's globals
//! (Documentation/dce/abi.rst, "Hazards", H1),
//! a Cradle caller has no fiber to wait on (abi.rst hazard H1c), and DCE's teardown no
//! current task at all (abi.rst hazard H1b).  With green threads a node's kernel code
//! only ever runs inside a DCE entry into that node, with its segment in
//! place, and an entry returns as soon as the kernel has nothing left to
//! do at this instant: kernel threads never cost a DCE task switch or
//! event, and calls that do not block complete on the spot in any context.
//!
//! Why [`corosensei`]: the maintained coroutine crate dce-sim already uses
//! for DCE's fibers; with its features off it is `no_std`, needs no
//! allocator and no OS call, takes any memory as a stack, and its switch
//! is a few instructions.
//!
//! Stacks have no guard page (the library has no `mprotect`): the lowest
//! 2 KiB of each hold a canary, as large as the biggest frame the kernel
//! builds with (`-Wframe-larger-than`), checked every time the thread
//! switches back to the base; an overflow kills the node's kernel with a
//! message.

use crate::node::{self, node, TLS_SLOTS};
use core::cell::{Cell, UnsafeCell};
use core::ffi::{c_int, c_void};
use core::mem::{align_of, size_of};
use core::num::NonZeroUsize;
use core::ptr;
use corosensei::stack::{Stack, StackPointer, STACK_ALIGNMENT};
use corosensei::{Coroutine, CoroutineResult, Yielder};
use lkl_sys::{LklThread, LklThreadFn, LklTlsDestructor, LklTlsKey};

/// Stack of every green thread.  Kernel code uses little (the stack the
/// kernel itself would give a task is 16 KiB); the rest is for DCE's and
/// ns-3's code that runs on it when the kernel sends a frame from an
/// event (`dev_xmit` runs the NetDevice in place there), and for unoptimized
/// builds of either.  With an allocator that maps blocks this large from
/// the system (glibc's, DCE's), only the pages a thread touches cost memory.
pub const STACK_SIZE: usize = 256 << 10;

const CANARY: u64 = 0x216c_6b6c_2d65_6364; // "dce-lkl!"
const CANARY_WORDS: usize = 2048 / size_of::<u64>();

/// A green thread's stack: DCE memory, aligned within the block.
pub struct GtStack {
    raw: *mut c_void,
    base: usize,
    limit: usize,
}

impl GtStack {
    fn new(size: usize) -> Option<Self> {
        let raw = node::dce().malloc(size + STACK_ALIGNMENT);
        if raw.is_null() {
            return None;
        }
        let start = raw as usize;
        let limit = (start + STACK_ALIGNMENT - 1) & !(STACK_ALIGNMENT - 1);
        let base = (start + size + STACK_ALIGNMENT) & !(STACK_ALIGNMENT - 1);
        let canary = limit as *mut u64;
        for i in 0..CANARY_WORDS {
            // SAFETY: the lowest words of the block, aligned, ours.
            unsafe { canary.add(i).write(CANARY) };
        }
        Some(GtStack { raw, base, limit })
    }
}

/// True if the canary at the bottom of a live stack is unharmed.
fn canary_intact(limit: usize) -> bool {
    let canary = limit as *const u64;
    // SAFETY: `limit` is the bottom of a live GtStack, whose lowest words
    // hold the canary.
    (0..CANARY_WORDS).all(|i| unsafe { canary.add(i).read() } == CANARY)
}

// SAFETY: `base` and `limit` delimit memory we own for the life of the
// value, both 16-byte aligned, with more than MIN_STACK_SIZE between them.
unsafe impl Stack for GtStack {
    fn base(&self) -> StackPointer {
        NonZeroUsize::new(self.base).expect("a stack is never at address 0")
    }

    fn limit(&self) -> StackPointer {
        NonZeroUsize::new(self.limit).expect("a stack is never at address 0")
    }
}

impl Drop for GtStack {
    fn drop(&mut self) {
        node::dce().free(self.raw)
    }
}

type Co = Coroutine<(), (), (), GtStack>;

/// What a green thread runs: never returns in practice (kernel threads
/// end in `thread_exit`, workers loop); returning ends the thread.
pub type GtMain = unsafe fn(gt: *mut Gt);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// In the run queue.
    Runnable,
    /// Resumed by the base, running now.
    Running,
    /// Waiting for [`wake`].
    Blocked,
    /// Ended (`thread_exit`): its stack is gone, the record stays until
    /// it is joined (or at once if detached).
    Exited,
    /// Stopped for good after a fatal error.
    Stopped,
}

/// A green thread: an LKL "host thread" (`lkl_thread_t` is its address).
pub struct Gt {
    co: UnsafeCell<Option<Co>>,
    yielder: Cell<*const Yielder<(), ()>>,
    state: Cell<State>,
    run_next: Cell<*mut Gt>,
    /// Link in a semaphore's FIFO of waiters ([`crate::sync`]).
    pub wait_next: Cell<*mut Gt>,
    /// Set by the semaphore that handed this waiter its unit.
    pub woken: Cell<bool>,
    tls: [Cell<*mut c_void>; TLS_SLOTS],
    detached: Cell<bool>,
    joiner: Cell<*mut Gt>,
    main: GtMain,
    /// Bottom of the stack, where the canary is.
    stack_limit: usize,
    /// The kernel thread's function and argument (`thread_create`).
    start: Cell<Option<(LklThreadFn, *mut c_void)>>,
    /// The system call this thread runs, if it is a worker
    /// ([`crate::call`]).
    pub call: crate::call::Call,
}

// DCE's malloc aligns to 8 bytes only.
const _: () = assert!(align_of::<Gt>() <= 8);

/// The scheduler of one node: its run queue and who runs.
pub struct Sched {
    head: Cell<*mut Gt>,
    tail: Cell<*mut Gt>,
    /// The green thread running now; NULL while the base runs.
    current: Cell<*mut Gt>,
    /// True while [`run`] runs (entries that come in then, from code the
    /// kernel calls, do not start another loop).
    in_loop: Cell<bool>,
    /// TLS of the base.
    base_tls: [Cell<*mut c_void>; TLS_SLOTS],
}

impl Sched {
    pub const fn new() -> Sched {
        Sched {
            head: Cell::new(ptr::null_mut()),
            tail: Cell::new(ptr::null_mut()),
            current: Cell::new(ptr::null_mut()),
            in_loop: Cell::new(false),
            base_tls: [const { Cell::new(ptr::null_mut()) }; TLS_SLOTS],
        }
    }

    fn push(&self, gt: *mut Gt) {
        // SAFETY: `gt` is a live green thread (callers').
        let g = unsafe { &*gt };
        g.run_next.set(ptr::null_mut());
        let tail = self.tail.get();
        if tail.is_null() {
            self.head.set(gt);
        } else {
            // SAFETY: the queue holds live green threads.
            unsafe { (*tail).run_next.set(gt) };
        }
        self.tail.set(gt);
    }

    fn pop(&self) -> *mut Gt {
        let gt = self.head.get();
        if !gt.is_null() {
            // SAFETY: the queue holds live green threads.
            let next = unsafe { (*gt).run_next.get() };
            self.head.set(next);
            if next.is_null() {
                self.tail.set(ptr::null_mut());
            }
        }
        gt
    }

    /// True while [`run`] runs.
    pub fn in_loop(&self) -> bool {
        self.in_loop.get()
    }
}

/// The green thread running now, NULL on the base.
pub fn current() -> *mut Gt {
    node().sched.current.get()
}

/// True on a green thread, false on the base.
pub fn on_green_thread() -> bool {
    !current().is_null()
}

/// `lkl_thread_t` of the base: an address no green thread has.
fn base_id() -> LklThread {
    &node().sched as *const Sched as LklThread
}

/// A new green thread that will run `main(gt)`, queued to run; NULL when
/// memory is short.
pub fn spawn(main: GtMain) -> *mut Gt {
    let dce = node::dce();
    let Some(stack) = GtStack::new(STACK_SIZE) else {
        return ptr::null_mut();
    };
    let stack_limit = stack.limit;
    let gt = dce.malloc(size_of::<Gt>()) as *mut Gt;
    if gt.is_null() {
        return ptr::null_mut();
    }
    let co = Co::with_stack(stack, move |y: &Yielder<(), ()>, ()| {
        // SAFETY: the record lives until the thread has exited (the
        // scheduler frees it after the coroutine is gone).
        let g = unsafe { &*gt };
        g.yielder.set(y);
        // SAFETY: the thread's own function, with its record.
        unsafe { (g.main)(gt) }
    });
    // SAFETY: a fresh block of the right size and alignment (checked at
    // compile time above).
    unsafe {
        gt.write(Gt {
            co: UnsafeCell::new(Some(co)),
            yielder: Cell::new(ptr::null()),
            state: Cell::new(State::Runnable),
            run_next: Cell::new(ptr::null_mut()),
            wait_next: Cell::new(ptr::null_mut()),
            woken: Cell::new(false),
            tls: [const { Cell::new(ptr::null_mut()) }; TLS_SLOTS],
            detached: Cell::new(false),
            joiner: Cell::new(ptr::null_mut()),
            main,
            stack_limit,
            start: Cell::new(None),
            call: crate::call::Call::new(),
        })
    };
    node().sched.push(gt);
    gt
}

/// Runs green threads until none is runnable (or the node died).  Does
/// nothing when called from inside the loop.
pub fn run() {
    let n = node();
    let s = &n.sched;
    if s.in_loop.replace(true) {
        return;
    }
    while !n.is_dead() {
        let gt = s.pop();
        if gt.is_null() {
            break;
        }
        // SAFETY: queued green threads are live.
        let g = unsafe { &*gt };
        s.current.set(gt);
        g.state.set(State::Running);
        // SAFETY: only the base resumes coroutines, one at a time, and a
        // queued thread still has its coroutine.
        let co = unsafe { (*g.co.get()).as_mut() }.expect("a queued thread has its coroutine");
        let r = co.resume(());
        s.current.set(ptr::null_mut());
        if !canary_intact(g.stack_limit) {
            node::die(
                b"lkl-dce: BUG: a kernel thread overflowed its stack: this node's kernel is stopped\n",
            );
            break;
        }
        match r {
            CoroutineResult::Return(()) => {
                g.state.set(State::Exited);
                reap(gt)
            }
            CoroutineResult::Yield(()) if g.state.get() == State::Exited => reap(gt),
            CoroutineResult::Yield(()) => {}
        }
    }
    s.in_loop.set(false);
}

/// The coroutine and stack of an exited thread go; the record too if
/// nobody will join it.
fn reap(gt: *mut Gt) {
    // SAFETY: an exited thread, not running: the base owns it now.
    let g = unsafe { &*gt };
    // SAFETY: as above.
    if let Some(mut co) = unsafe { (*g.co.get()).take() } {
        if co.started() && !co.done() {
            // SAFETY: the thread is suspended in `exit_current` for good;
            // its frames (kernel C, and ours, which own nothing that needs
            // dropping) are abandoned.
            unsafe { co.force_reset() };
        }
        drop(co);
    }
    let joiner = g.joiner.replace(ptr::null_mut());
    if !joiner.is_null() {
        wake(joiner);
    }
    if g.detached.get() {
        node::dce().free(gt.cast());
    }
}

fn suspend(g: &Gt) {
    let y = g.yielder.get();
    debug_assert!(!y.is_null());
    // SAFETY: `g` is the running thread (callers'), so its yielder, on its
    // own stack, is live.
    unsafe { (*y).suspend(()) }
}

/// Blocks the running green thread until [`wake`].  The caller checks
/// why it woke up.
///
/// # Panics
/// Must be called on a green thread (callers check: the base never waits).
pub fn block() {
    let gt = current();
    assert!(!gt.is_null(), "block() on the base");
    // SAFETY: the running thread is live.
    let g = unsafe { &*gt };
    g.state.set(State::Blocked);
    suspend(g);
}

/// Makes a blocked green thread runnable (a no-op otherwise).
pub fn wake(gt: *mut Gt) {
    // SAFETY: callers pass live threads.
    let g = unsafe { &*gt };
    if g.state.get() == State::Blocked {
        g.state.set(State::Runnable);
        node().sched.push(gt);
    }
}

/// Ends the running green thread.
fn exit_current() -> ! {
    let gt = current();
    if gt.is_null() {
        node::fatal(b"lkl-dce: thread_exit on the base\n");
    }
    // SAFETY: the running thread is live.
    let g = unsafe { &*gt };
    g.state.set(State::Exited);
    loop {
        suspend(g);
    }
}

/// Stops the running green thread for good (after a fatal error).
pub fn stop_forever() -> ! {
    let gt = current();
    assert!(!gt.is_null(), "stop_forever() on the base");
    // SAFETY: the running thread is live.
    let g = unsafe { &*gt };
    g.state.set(State::Stopped);
    loop {
        suspend(g);
    }
}

// ---- host operations: threads ---------------------------------------------

unsafe fn kernel_main(gt: *mut Gt) {
    // SAFETY: `gt` is this thread's own record.
    let start = unsafe { (*gt).start.take() };
    if let Some((f, arg)) = start {
        // SAFETY: the kernel's thread function and argument.
        unsafe { f(arg) };
    }
    exit_current()
}

pub unsafe extern "C" fn thread_create(f: Option<LklThreadFn>, arg: *mut c_void) -> LklThread {
    let Some(f) = f else { return 0 };
    let gt = spawn(kernel_main);
    if gt.is_null() {
        return 0;
    }
    // SAFETY: just created, not run yet.
    unsafe { (*gt).start.set(Some((f, arg))) };
    gt as LklThread
}

pub unsafe extern "C" fn thread_detach() {
    let gt = current();
    if !gt.is_null() {
        // SAFETY: the running thread is live.
        unsafe { (*gt).detached.set(true) };
    }
}

pub unsafe extern "C" fn thread_exit() {
    exit_current()
}

pub unsafe extern "C" fn thread_join(tid: LklThread) -> c_int {
    let t = tid as *mut Gt;
    if t.is_null() || !on_green_thread() {
        return -1;
    }
    loop {
        // SAFETY: `tid` came from thread_create and is not detached (the
        // kernel joins only threads it did not detach), so the record
        // lives until this join frees it.
        let g = unsafe { &*t };
        // SAFETY: the base took the coroutine out when it reaped the thread;
        // nothing else touches it while this thread runs.
        let reaped = unsafe { (*g.co.get()).is_none() };
        if g.state.get() == State::Exited && reaped {
            node::dce().free(t.cast());
            return 0;
        }
        g.joiner.set(current());
        block();
    }
}

pub unsafe extern "C" fn thread_self() -> LklThread {
    match current() {
        gt if gt.is_null() => base_id(),
        gt => gt as LklThread,
    }
}

pub unsafe extern "C" fn thread_equal(a: LklThread, b: LklThread) -> c_int {
    c_int::from(a == b)
}

// ---- host operations: thread-local storage --------------------------------

pub unsafe extern "C" fn tls_alloc(_destructor: Option<LklTlsDestructor>) -> *mut LklTlsKey {
    // Destructors never run: green threads of the kernel end only through
    // thread_exit, and workers never end.
    let used = &node().tls_used;
    for i in 0..TLS_SLOTS {
        if used.get() & (1 << i) == 0 {
            used.set(used.get() | 1 << i);
            return (i + 1) as *mut LklTlsKey;
        }
    }
    ptr::null_mut()
}

fn tls_index(key: *mut LklTlsKey) -> Option<usize> {
    let i = (key as usize).checked_sub(1)?;
    (i < TLS_SLOTS).then_some(i)
}

/// Runs `f` on TLS slot `i` of the running thread (or of the base).
fn with_tls_slot<R>(i: usize, f: impl FnOnce(&Cell<*mut c_void>) -> R) -> R {
    match current() {
        gt if gt.is_null() => f(&node().sched.base_tls[i]),
        // SAFETY: the running thread's record lives while it runs.
        gt => f(unsafe { &(*gt).tls[i] }),
    }
}

pub unsafe extern "C" fn tls_free(key: *mut LklTlsKey) {
    if let Some(i) = tls_index(key) {
        let used = &node().tls_used;
        used.set(used.get() & !(1 << i));
    }
}

pub unsafe extern "C" fn tls_set(key: *mut LklTlsKey, data: *mut c_void) -> c_int {
    match tls_index(key) {
        Some(i) => {
            with_tls_slot(i, |slot| slot.set(data));
            0
        }
        None => -1,
    }
}

pub unsafe extern "C" fn tls_get(key: *mut LklTlsKey) -> *mut c_void {
    tls_index(key).map_or(ptr::null_mut(), |i| with_tls_slot(i, Cell::get))
}
