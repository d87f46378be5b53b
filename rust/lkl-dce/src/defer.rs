//! Effects on DCE deferred out of calls that DCE's teardown makes.
//!
//! DCE's teardown (Documentation/dce/abi.rst, "Hazards", H1b) calls
//! `sock_close` and
//! `sock_pollfreewait` when its `TaskManager::Current()` is NULL: besides
//! `task_current` and `task_wait`, its `event_schedule_ns` and `dev_xmit`
//! dereference it there.  Closing a TCP connection sends a FIN and arms a
//! timer, so these two calls must not reach DCE directly.  The library
//! cannot tell teardown from an ordinary close, so it always defers them:
//! while such a call runs (the node is *quiet*), frames the kernel sends
//! are queued, timers it arms are noted, and wake-ups of DCE's poll tables
//! are held (DCE's `poll_event` wakes the polling thread through the task
//! manager too; a close can wake another program's poll over loopback),
//! and afterwards a DCE kernel
//! task of the library, the *deferrer*, is woken with `task_wakeup`, which
//! DCE makes a no-op without a task manager.  In a running simulation the
//! deferrer runs at the same virtual time, right after, swapped in with the
//! node's segment as DCE does for kernel tasks, and sends the frames,
//! schedules the timers and delivers the wake-ups; every other entry into
//! the node does it first
//! too, so frames keep their order.  In teardown nothing runs any more,
//! and nothing is sent.

use crate::poll::Waiter;
use crate::time::Timer;
use crate::{node, thread};
use core::cell::Cell;
use core::ffi::{c_int, c_void};
use core::mem::size_of;
use core::ptr;
use dce_abi::{SimDevice, SimTask};

/// The link an item of a [`Queue`] carries in itself.
pub struct Link<T> {
    queued: Cell<bool>,
    next: Cell<*mut T>,
}

impl<T> Link<T> {
    pub const fn new() -> Self {
        Link {
            queued: Cell::new(false),
            next: Cell::new(ptr::null_mut()),
        }
    }
}

/// An item that can wait in a [`Queue`].
pub trait Linked: Sized {
    fn link(&self) -> &Link<Self>;
}

/// Items (in DCE memory) waiting for the deferred effects to go out,
/// linked through themselves, each at most once.
pub struct Queue<T> {
    head: Cell<*mut T>,
}

impl<T: Linked> Queue<T> {
    pub const fn new() -> Self {
        Queue {
            head: Cell::new(ptr::null_mut()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.head.get().is_null()
    }

    /// Adds `item` unless it waits already.
    ///
    /// # Safety
    /// `item` is live until it is popped or removed.
    pub unsafe fn push(&self, item: *mut T) {
        // SAFETY: the caller's.
        let l = unsafe { (*item).link() };
        if !l.queued.replace(true) {
            l.next.set(self.head.replace(item));
        }
    }

    /// The next item, taken off.
    pub fn pop(&self) -> Option<*mut T> {
        let item = self.head.get();
        if item.is_null() {
            return None;
        }
        // SAFETY: queued items are live (push's contract).
        let l = unsafe { (*item).link() };
        self.head.set(l.next.replace(ptr::null_mut()));
        l.queued.set(false);
        Some(item)
    }

    /// Takes `item` off if it waits.
    ///
    /// # Safety
    /// `item` is live.
    pub unsafe fn remove(&self, item: *mut T) {
        // SAFETY: the caller's.
        if !unsafe { (*item).link() }.queued.get() {
            return;
        }
        let mut at: &Cell<*mut T> = &self.head;
        while !at.get().is_null() {
            // SAFETY: queued items are live.
            let l = unsafe { (*at.get()).link() };
            if at.get() == item {
                at.set(l.next.replace(ptr::null_mut()));
                l.queued.set(false);
                return;
            }
            at = &l.next;
        }
    }
}

/// A frame queued while the node was quiet: header, then the bytes.
#[repr(C)]
struct Frame {
    next: *mut Frame,
    dev: *mut SimDevice,
    len: usize,
}

/// The node's deferred effects.
pub struct Deferred {
    /// True while a call of DCE's teardown kind runs.
    quiet: Cell<bool>,
    head: Cell<*mut Frame>,
    tail: Cell<*mut Frame>,
    /// Timers to arm.
    pub timers: Queue<Timer>,
    /// Poll waiters with wake-ups to deliver.
    pub polls: Queue<Waiter>,
    /// The deferrer task, NULL before `start`.
    task: Cell<*mut SimTask>,
}

impl Deferred {
    pub const fn new() -> Deferred {
        Deferred {
            quiet: Cell::new(false),
            head: Cell::new(ptr::null_mut()),
            tail: Cell::new(ptr::null_mut()),
            timers: Queue::new(),
            polls: Queue::new(),
            task: Cell::new(ptr::null_mut()),
        }
    }

    /// True while effects are deferred.
    pub fn quiet(&self) -> bool {
        self.quiet.get()
    }

    /// True if frames wait to be sent (new ones queue behind them).
    pub fn frames_waiting(&self) -> bool {
        !self.head.get().is_null()
    }

    fn pending(&self) -> bool {
        self.frames_waiting() || !self.timers.is_empty() || !self.polls.is_empty()
    }
}

unsafe extern "C" fn deferrer_main(_: *mut c_void) {
    let dce = node::dce();
    loop {
        flush();
        thread::run();
        // SAFETY: a DCE kernel task, where task_wait is allowed; its
        // segment is swapped back in when it resumes.
        unsafe { dce.sleeper().sleep() };
    }
}

/// Starts the node's deferrer (from `sim_init`'s task).
pub fn start() {
    // SAFETY: sim_init runs in a DCE task; deferrer_main never returns.
    let t = unsafe { node::dce().task_start(deferrer_main, ptr::null_mut()) };
    node::node().deferred.task.set(t);
}

/// Runs `f` with the node quiet (see the module docs), then makes sure
/// the deferred effects go out.
pub fn quietly<R>(f: impl FnOnce() -> R) -> R {
    let d = &node::node().deferred;
    let before = d.quiet.replace(true);
    let r = f();
    d.quiet.set(before);
    if !before && d.pending() {
        let t = d.task.get();
        if !t.is_null() {
            // SAFETY: the deferrer is a K-task of this node that lives as
            // long as the node; task_wakeup is valid in every context, a
            // no-op in DCE's teardown.
            unsafe { node::dce().wakeup(t) };
        }
    }
    r
}

/// Queues a copy of a frame the kernel sends while the node is quiet (or
/// while frames wait).
pub fn frame(dev: *mut SimDevice, data: *const u8, len: usize) {
    let d = &node::node().deferred;
    let f = node::dce().malloc(size_of::<Frame>() + len) as *mut Frame;
    if f.is_null() {
        node::log("lkl-dce: out of memory: a frame sent while closing is dropped\n");
        return;
    }
    // SAFETY: a fresh block with room for the header and `len` bytes;
    // `data` holds `len` bytes (the kernel's frame, valid for the call).
    unsafe {
        f.write(Frame {
            next: ptr::null_mut(),
            dev,
            len,
        });
        ptr::copy_nonoverlapping(data, f.add(1).cast::<u8>(), len);
    }
    match d.tail.get() {
        t if t.is_null() => d.head.set(f),
        // SAFETY: queued frames are live until flushed.
        t => unsafe { (*t).next = f },
    }
    d.tail.set(f);
}

/// Sends the queued frames, arms the noted timers and delivers the held
/// poll wake-ups, unless the node is quiet (frames also not if dead).  Called at the start of every other entry and event,
/// and by the deferrer.
pub fn flush() {
    let n = node::node();
    let d = &n.deferred;
    if d.quiet() || !d.pending() {
        return;
    }
    let dce = node::dce();
    // One at a time off the head: a frame the kernel sends meanwhile (a
    // device that delivers in place) queues behind the rest.
    loop {
        let f = d.head.get();
        if f.is_null() {
            break;
        }
        // SAFETY: queued frames are live until freed here.
        let (next, dev, len) = unsafe { ((*f).next, (*f).dev, (*f).len) };
        d.head.set(next);
        if next.is_null() {
            d.tail.set(ptr::null_mut());
        }
        if !n.is_dead() {
            // SAFETY: a device of this node and the frame's bytes.
            unsafe { dce.dev_xmit(dev, f.add(1).cast::<u8>(), len as c_int) };
        }
        dce.free(f.cast());
    }
    crate::time::arm_deferred();
    crate::poll::deliver_deferred();
}
