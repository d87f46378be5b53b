//! The entry path: how a DCE call reaches the kernel and how its caller
//! gets the answer (`Documentation/dce/design.rst`, "The entry path").
//!
//! Every entry point that needs the kernel (sockets, devices, sysctl,
//! `sim_init`'s boot) describes its work as a [`Request`]: an [`Op`], a
//! plain function that makes the system calls, with its arguments copied
//! into the request.  [`call`] hands it to a *worker*, a green thread
//! ([`crate::thread`]) with a kernel host task of its own, from a pool
//! that grows to the largest number of calls in flight at once (at most
//! [`MAX_WORKERS`] for calls that may wait; one that cannot wait always
//! gets a worker, since a close must end the calls it orphans) and is
//! reused, and runs the green threads until none is runnable.  Then:
//!
//! * the call finished (most do: everything that does not block): its
//!   result is returned;
//! * it blocked and the caller may wait ([`Wait::May`]: DCE's application
//!   and internal tasks, in calls that may block): the caller registers
//!   its DCE task in a [`Slot`] on its own stack and sleeps in
//!   `task_wait`.  The worker finishes later, inside whatever DCE context
//!   made the kernel progress (an event, another call), writes the result
//!   into the slot and wakes the caller with `task_wakeup`.  After waking,
//!   the caller reads only its slot: DCE does not put the node's globals
//!   back for an application task (Documentation/dce/abi.rst, "Hazards",
//!   H1);
//! * it blocked and the caller cannot wait ([`Wait::Never`]: calls that are
//!   non-blocking by their flags or nature, which Cradle makes without a
//!   fiber, and `sock_close`/`sock_pollfreewait`, which DCE's teardown
//!   makes with no task at all, abi.rst hazards H1b, H1c): it is *abandoned*.  The call
//!   goes on in the kernel, with its accesses to the caller's memory
//!   refused (`lkl_syscall_abandon`), whatever it created is undone when
//!   it ends ([`Undo`]), and the caller gets `-EAGAIN`.  This happens only
//!   when a kernel lock is held by a task that sleeps; it is logged.
//!
//! A caller whose DCE task may vanish while it waits (its process exits,
//! the simulation stops) is waiting on a socket DCE then closes:
//! `sock_close` [orphans](orphan) the calls in flight on that socket before
//! closing it, so nothing is written to their stacks or woken afterwards.
//! After a kernel panic ([`fail_all`]) every call in flight returns
//! `-ENODEV` and its caller is woken.

use crate::dce::Sleeper;
use crate::node::{self, node};
use crate::thread::{self, Gt};
use core::cell::{Cell, UnsafeCell};
use core::ffi::c_long;
use core::ptr;
use dce_abi::SimTask;
use lkl_sys::{Errno, LklThread};

const ENODEV: c_long = Errno::ENODEV.0 as c_long;
const EAGAIN: c_long = Errno::EAGAIN.0 as c_long;
const EBUSY: c_long = Errno::EBUSY.0 as c_long;

/// Most workers a node runs for calls that may wait; more such calls in
/// flight at once wait for one.  Calls that cannot wait go beyond it.
pub const MAX_WORKERS: u32 = 1024;

/// The arguments of a request, copied into the worker that runs it, and
/// what it returns besides its result.
#[derive(Clone, Copy, Default, Debug)]
pub struct Args {
    pub a: [c_long; 6],
    pub out: [c_long; 2],
}

/// The work of a request, run on a worker: system calls through
/// [`syscall`].  Its result is the call's.
pub type Op = unsafe fn(&mut Args) -> c_long;

/// Run when an abandoned or orphaned request ends, with its result:
/// releases what it created that nobody will see (a new socket, say).
pub type Undo = unsafe fn(ret: c_long, &mut Args);

/// Run by the caller, on the request's arguments, at the moment it gives
/// up on the call, before the call can go on: cuts what the op shares
/// with the caller (a DCE poll table, say).
pub type OnAbandon = unsafe fn(&Args);

/// Whether the caller can wait for the kernel.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Wait {
    /// An application or DCE-internal task in a call that may block.
    May,
    /// A call that must complete at once (see the module docs).
    Never,
}

/// A call for the kernel.
#[derive(Clone, Copy)]
pub struct Request {
    /// The entry point's name, for the log.
    pub what: &'static str,
    pub op: Op,
    pub args: Args,
    /// The socket (kernel descriptor) the call works on, or -1.
    pub fd: c_long,
    pub undo: Option<Undo>,
    pub on_abandon: Option<OnAbandon>,
    pub wait: Wait,
    /// A call DCE's teardown makes: the node is quiet while it runs
    /// ([`crate::defer`]).
    pub quiet: bool,
    /// False if the op reaches the caller's memory other than as user
    /// memory (a callback object, a buffer it frees when the call
    /// returns): such a request is never abandoned.
    pub abandonable: bool,
}

impl Request {
    /// A request that may wait, on no socket, with nothing to undo.
    pub fn new(what: &'static str, op: Op, a: [c_long; 6]) -> Self {
        Request {
            what,
            op,
            args: Args { a, out: [0; 2] },
            fd: -1,
            undo: None,
            on_abandon: None,
            wait: Wait::May,
            quiet: false,
            abandonable: true,
        }
    }
}

/// What a call returned.
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    pub ret: c_long,
    pub out: [c_long; 2],
    /// The call goes on in the kernel without its caller (`ret` is
    /// `-EAGAIN`): what the request shares with its op belongs to the
    /// request's undo from now on.
    pub abandoned: bool,
}

impl Outcome {
    /// A call that failed, or never ran, with `ret`.
    pub fn err(ret: c_long) -> Self {
        Outcome {
            ret,
            out: [0; 2],
            abandoned: false,
        }
    }
}

/// Where a caller finds its answer: on its own stack.
struct Slot {
    done: Cell<bool>,
    ret: Cell<c_long>,
    out: Cell<[c_long; 2]>,
    /// The caller's DCE task once it waits, NULL before.
    waiter: Cell<*mut SimTask>,
}

impl Slot {
    fn outcome(&self) -> Outcome {
        Outcome {
            ret: self.ret.get(),
            out: self.out.get(),
            abandoned: false,
        }
    }
}

/// A request waiting for a worker (on its caller's stack; such a caller
/// always waits).
struct Pending {
    req: Request,
    slot: *const Slot,
    next: Cell<*mut Pending>,
}

/// The call a worker runs, kept in the worker's [`Gt`].
pub struct Call {
    req: UnsafeCell<Option<Request>>,
    /// The caller's slot; NULL once abandoned or orphaned.
    slot: Cell<*const Slot>,
    /// Links in the node's list of calls in flight.
    prev: Cell<*mut Gt>,
    next: Cell<*mut Gt>,
    /// Link in the list of idle workers.
    idle_next: Cell<*mut Gt>,
    /// The current request was abandoned: its further system calls are
    /// abandoned too (each call starts with user memory reachable).
    abandoned: Cell<bool>,
}

impl Call {
    pub const fn new() -> Call {
        Call {
            req: UnsafeCell::new(None),
            slot: Cell::new(ptr::null()),
            prev: Cell::new(ptr::null_mut()),
            next: Cell::new(ptr::null_mut()),
            idle_next: Cell::new(ptr::null_mut()),
            abandoned: Cell::new(false),
        }
    }
}

/// A node's calls in flight and its workers.
pub struct Calls {
    /// Workers running a call, doubly linked through [`Call`].
    in_flight: Cell<*mut Gt>,
    /// Workers waiting for work.
    idle: Cell<*mut Gt>,
    workers: Cell<u32>,
    pending_head: Cell<*mut Pending>,
    pending_tail: Cell<*mut Pending>,
}

impl Calls {
    pub const fn new() -> Calls {
        Calls {
            in_flight: Cell::new(ptr::null_mut()),
            idle: Cell::new(ptr::null_mut()),
            workers: Cell::new(0),
            pending_head: Cell::new(ptr::null_mut()),
            pending_tail: Cell::new(ptr::null_mut()),
        }
    }
}

fn call_of<'a>(gt: *mut Gt) -> &'a Call {
    // SAFETY: workers are never freed; callers pass worker threads.
    unsafe { &(*gt).call }
}

fn link_in_flight(gt: *mut Gt) {
    let calls = &node().calls;
    let c = call_of(gt);
    let head = calls.in_flight.get();
    c.prev.set(ptr::null_mut());
    c.next.set(head);
    if !head.is_null() {
        call_of(head).prev.set(gt);
    }
    calls.in_flight.set(gt);
}

fn unlink_in_flight(gt: *mut Gt) {
    let calls = &node().calls;
    let c = call_of(gt);
    let (prev, next) = (
        c.prev.replace(ptr::null_mut()),
        c.next.replace(ptr::null_mut()),
    );
    if prev.is_null() {
        if calls.in_flight.get() == gt {
            calls.in_flight.set(next);
        }
    } else {
        call_of(prev).next.set(next);
    }
    if !next.is_null() {
        call_of(next).prev.set(prev);
    }
}

/// Gives `req` to worker `gt` (idle, or new and not run yet).
fn load(gt: *mut Gt, req: Request, slot: *const Slot) {
    let c = call_of(gt);
    // SAFETY: the worker is not running (idle or not started), so nothing
    // else accesses its request.
    unsafe { *c.req.get() = Some(req) };
    c.slot.set(slot);
    c.abandoned.set(false);
    link_in_flight(gt);
}

/// Runs the system call `no` on the calling worker.
pub fn syscall(no: c_long, mut args: [c_long; 6]) -> c_long {
    let me = thread::current();
    debug_assert!(!me.is_null());
    if !me.is_null() && call_of(me).abandoned.get() {
        // A later call of an abandoned request: without user memory too.
        // SAFETY: our own host thread, between two of its calls.
        unsafe { lkl_sys::lkl_syscall_abandon(me as LklThread) };
    }
    // SAFETY: on a worker (a green thread, the host thread of its own
    // kernel task); pointers among the arguments are the caller's user
    // memory or the request's own.
    unsafe { lkl_sys::lkl_syscall(no, args.as_mut_ptr()) }
}

/// Writes `ret` to the caller of the worker's call, or undoes it when
/// nobody waits for it any more.
fn complete(gt: *mut Gt, ret: c_long) {
    let c = call_of(gt);
    unlink_in_flight(gt);
    // SAFETY: the worker runs this, so nothing else accesses its request.
    let req = unsafe { (*c.req.get()).take() };
    let slot = c.slot.replace(ptr::null());
    if !slot.is_null() {
        // SAFETY: a slot is live until its caller has read `done`, and the
        // caller of an orphaned call had its slot unlinked before.
        let s = unsafe { &*slot };
        s.ret.set(ret);
        if let Some(r) = req {
            s.out.set(r.args.out);
        }
        s.done.set(true);
        let w = s.waiter.get();
        if !w.is_null() {
            // SAFETY: a waiting caller's task exists until its call
            // returns (or the call was orphaned first).
            unsafe { node::dce().wakeup(w) };
        }
    } else if let Some(mut r) = req {
        if let Some(undo) = r.undo {
            // SAFETY: the request's own undo, on its own arguments.
            unsafe { undo(ret, &mut r.args) };
        }
    }
}

fn pending_pop() -> Option<(Request, *const Slot)> {
    let calls = &node().calls;
    let p = calls.pending_head.get();
    if p.is_null() {
        return None;
    }
    // SAFETY: pending entries live on the stacks of callers that wait.
    let e = unsafe { &*p };
    calls.pending_head.set(e.next.get());
    if e.next.get().is_null() {
        calls.pending_tail.set(ptr::null_mut());
    }
    Some((e.req, e.slot))
}

/// The body of every worker.
unsafe fn worker_main(gt: *mut Gt) {
    let c = call_of(gt);
    // Its kernel host task first, before any request's call: a call can
    // only be abandoned once the task it runs as exists.
    syscall(lkl_sys::sysno::SYS_getpid, [0; 6]);
    loop {
        // SAFETY: our own request (the base only loads idle workers).
        let op = unsafe { (*c.req.get()).as_ref().map(|r| r.op) };
        if let Some(op) = op {
            // SAFETY: the request's op on its arguments, in the worker.
            let ret = unsafe { op(&mut (*c.req.get()).as_mut().expect("loaded").args) };
            complete(gt, ret);
        }
        if let Some((req, slot)) = pending_pop() {
            load(gt, req, slot);
            continue;
        }
        let calls = &node().calls;
        c.idle_next.set(calls.idle.get());
        calls.idle.set(gt);
        thread::block();
    }
}

enum Placed {
    Worker(*mut Gt),
    Pending,
    Full,
}

fn place(req: Request, slot: &Slot, pending: &mut Pending) -> Placed {
    let calls = &node().calls;
    let idle = calls.idle.get();
    if !idle.is_null() {
        calls
            .idle
            .set(call_of(idle).idle_next.replace(ptr::null_mut()));
        load(idle, req, slot);
        thread::wake(idle);
        return Placed::Worker(idle);
    }
    // Calls that cannot wait always get a worker: sock_close must end
    // the calls it orphans, whatever else is blocked.
    if calls.workers.get() < MAX_WORKERS || req.wait == Wait::Never {
        let gt = thread::spawn(worker_main);
        if !gt.is_null() {
            calls.workers.set(calls.workers.get() + 1);
            load(gt, req, slot);
            return Placed::Worker(gt);
        }
    }
    if req.wait == Wait::Never {
        return Placed::Full;
    }
    pending.req = req;
    pending.slot = slot;
    pending.next.set(ptr::null_mut());
    let p: *mut Pending = pending;
    match calls.pending_tail.get() {
        t if t.is_null() => calls.pending_head.set(p),
        // SAFETY: pending entries live on the stacks of callers that wait.
        t => unsafe { (*t).next.set(p) },
    }
    calls.pending_tail.set(p);
    Placed::Pending
}

unsafe extern "C" fn run_abandon(ctx: *mut core::ffi::c_void) {
    // SAFETY: `ctx` is a worker's lkl_thread_t; a kernel entry point.
    unsafe { lkl_sys::lkl_syscall_abandon(ctx as LklThread) };
}

/// Cuts worker `gt`'s call off its caller: nothing is written back, its
/// accesses to user memory fail from now on, its undo runs when it ends.
fn abandon(gt: *mut Gt) {
    let c = call_of(gt);
    c.slot.set(ptr::null());
    c.abandoned.set(true);
    if !node().is_dead() {
        node().guarded(run_abandon, gt.cast());
        // Releasing the CPU may have handed it to the parked idle thread
        // (lkl_cpu_put kicks it when the CPU was idle): let it run, or the
        // next kernel entry on the base, here where nothing can wait,
        // would find the CPU taken (two calls orphaned by one close did).
        thread::run();
    }
}

/// Takes `p` off the queue of requests waiting for a worker.
fn unqueue(p: *mut Pending) {
    let calls = &node().calls;
    let mut link: *const Cell<*mut Pending> = &calls.pending_head;
    let mut last: *mut Pending = ptr::null_mut();
    // SAFETY: pending entries live on the stacks of their waiting callers;
    // only `p` is unlinked.
    unsafe {
        while !(*link).get().is_null() {
            let e = (*link).get();
            if e == p {
                (*link).set((*e).next.get());
            } else {
                last = e;
                link = &(*e).next;
            }
        }
    }
    calls.pending_tail.set(last);
}

/// Gives up on a request whose caller cannot wait for it after all: the
/// call goes on without the caller, or, if it must not (it reaches the
/// caller's memory directly), the node stops for good.
fn give_up(req: &Request, placed: &Placed, pending: &mut Pending) -> Outcome {
    match placed {
        Placed::Worker(gt) if req.abandonable => {
            if let Some(f) = req.on_abandon {
                // SAFETY: the request's own hook, on its own arguments,
                // while its worker is stopped.
                unsafe { f(&req.args) };
            }
            abandon(*gt);
            thread::run();
            node::log("lkl-dce: ");
            node::log(req.what);
            node::log(
                " would block, from a caller that cannot wait: -EAGAIN (the call goes on in \
                 the kernel without the caller's memory)\n",
            );
            Outcome {
                abandoned: true,
                ..Outcome::err(-EAGAIN)
            }
        }
        Placed::Worker(_) => {
            node::log("lkl-dce: ");
            node::log(req.what);
            node::die(b" blocked, and its caller can neither wait nor leave it: this node's kernel is stopped\n");
            Outcome::err(-ENODEV)
        }
        Placed::Pending => {
            unqueue(pending);
            node::log("lkl-dce: ");
            node::log(req.what);
            node::log(": every worker is busy and the caller cannot wait: -EAGAIN\n");
            Outcome::err(-EAGAIN)
        }
        Placed::Full => Outcome::err(-EAGAIN),
    }
}

/// Runs `req` in the kernel and returns its outcome (see the module docs).
/// Called by entry points on the base, outside the green threads.
pub fn call(req: Request) -> Outcome {
    let n = node();
    if n.is_dead() {
        return Outcome::err(-ENODEV);
    }
    if n.sched.in_loop() || n.in_kernel_on_base() {
        // DCE entered the library again from code the kernel called (a
        // NetDevice that delivers synchronously, say): the kernel is busy
        // on this very stack.
        node::log("lkl-dce: ");
        node::log(req.what);
        node::log(" called while the kernel runs (re-entered): -EBUSY\n");
        return Outcome::err(-EBUSY);
    }
    if req.quiet {
        // A quiet call must not sleep: other entries would find the node
        // quiet, and the flag would be cleared on another node's globals.
        debug_assert!(req.wait == Wait::Never);
        crate::defer::quietly(|| run_call(req))
    } else {
        crate::defer::flush();
        run_call(req)
    }
}

fn run_call(req: Request) -> Outcome {
    let n = node();
    let slot = Slot {
        done: Cell::new(false),
        ret: Cell::new(0),
        out: Cell::new([0; 2]),
        waiter: Cell::new(ptr::null_mut()),
    };
    let mut pending = Pending {
        req,
        slot: ptr::null(),
        next: Cell::new(ptr::null_mut()),
    };
    let placed = place(req, &slot, &mut pending);
    if let Placed::Full = placed {
        node::log("lkl-dce: ");
        node::log(req.what);
        node::log(": every worker is busy and the caller cannot wait: -EAGAIN\n");
        return Outcome::err(-EAGAIN);
    }
    if matches!(placed, Placed::Worker(_)) {
        thread::run();
    }
    if slot.done.get() {
        return slot.outcome();
    }
    if n.is_dead() {
        return Outcome::err(-ENODEV);
    }
    if req.wait == Wait::Never {
        return give_up(&req, &placed, &mut pending);
    }
    let dce = node::dce();
    // SAFETY: a Wait::May request comes from an application or DCE-internal
    // task (entry points choose the policy), where task_current is valid.
    let me = unsafe { dce.current_task() };
    if me.is_null() {
        node::log("lkl-dce: no DCE task to wait on\n");
        return give_up(&req, &placed, &mut pending);
    }
    slot.waiter.set(me);
    let sleeper = dce.sleeper();
    wait_for(&slot, &sleeper)
}

/// Sleeps until `slot` is done.  Reads nothing but `slot` and `sleeper`,
/// both on this stack: after `task_wait` returns on an application task,
/// the library's globals may be another node's (abi.rst "Hazards", H1).
#[inline(never)]
fn wait_for(slot: &Slot, sleeper: &Sleeper) -> Outcome {
    while !slot.done.get() {
        // SAFETY: callers come here only on a task with a fiber (Wait::May)
        // that registered itself as the slot's waiter.
        unsafe { sleeper.sleep() };
    }
    slot.outcome()
}

/// Orphans the calls in flight on socket `fd`, whose last DCE descriptor
/// is being closed: their callers' tasks may be gone (a process that
/// exited, DCE's teardown), so nothing is written back to them and nobody
/// is woken; the calls go on without the callers' memory.  Returns true if
/// there was any (the socket is then shut down before it is closed, so
/// that they end).
pub fn orphan(fd: c_long) -> bool {
    let calls = &node().calls;
    let mut found = false;
    let mut gt = calls.in_flight.get();
    while !gt.is_null() {
        let c = call_of(gt);
        let next = c.next.get();
        // SAFETY: an in-flight worker's request is loaded and only changed
        // by the worker, which is not running now.
        let on_fd = unsafe { (*c.req.get()).as_ref() }.is_some_and(|r| r.fd == fd);
        if on_fd && !c.slot.get().is_null() {
            abandon(gt);
            found = true;
        }
        gt = next;
    }
    // Requests still waiting for a worker: drop them.
    let mut link: *const Cell<*mut Pending> = &calls.pending_head;
    let mut last: *mut Pending = ptr::null_mut();
    // SAFETY: pending entries live on the stacks of callers that wait; we
    // only unlink those on `fd`, whose callers are gone.
    unsafe {
        while !(*link).get().is_null() {
            let p = (*link).get();
            if (*p).req.fd == fd {
                (*link).set((*p).next.get());
                found = true;
            } else {
                last = p;
                link = &(*p).next;
            }
        }
    }
    calls.pending_tail.set(last);
    found
}

/// After a fatal error: every call in flight, and every request waiting
/// for a worker, returns `-ENODEV`; their callers are woken.
pub fn fail_all() {
    let calls = &node().calls;
    let dce = node::dce();
    let finish = |slot: *const Slot| {
        if slot.is_null() {
            return;
        }
        // SAFETY: slots of calls in flight are live (see `complete`).
        let s = unsafe { &*slot };
        s.ret.set(-ENODEV);
        s.done.set(true);
        let w = s.waiter.get();
        if !w.is_null() {
            // SAFETY: as in `complete`.
            unsafe { dce.wakeup(w) };
        }
    };
    let mut gt = calls.in_flight.replace(ptr::null_mut());
    while !gt.is_null() {
        let c = call_of(gt);
        let next = c.next.replace(ptr::null_mut());
        c.prev.set(ptr::null_mut());
        finish(c.slot.replace(ptr::null()));
        gt = next;
    }
    let mut p = calls.pending_head.replace(ptr::null_mut());
    calls.pending_tail.set(ptr::null_mut());
    while !p.is_null() {
        // SAFETY: as in `pending_pop`; the next entry is read before the
        // caller is woken.
        let (slot, next) = unsafe { ((*p).slot, (*p).next.get()) };
        finish(slot);
        p = next;
    }
}
