//! Host time and timers over DCE's virtual clock and events
//! (Documentation/dce/abi.rst, "Time, events and randomness").
//!
//! A timer is one pending DCE event at most.  Its handle is cleared when
//! the event runs and when it is cancelled, because DCE's handle dangles
//! after either.  The event callback runs in event context: the kernel's
//! timer function (which raises the timer interrupt) runs on the base
//! under a recovery point, then the green threads the interrupt woke run.
//! A timer armed while the node is quiet ([`crate::defer`]) only notes its
//! expiry; the event is scheduled when the deferred effects go out.

use crate::defer::{Link, Linked};
use crate::{node, thread};
use core::cell::Cell;
use core::ffi::{c_int, c_ulong, c_ulonglong, c_void};
use core::mem::size_of;
use core::ptr;
use lkl_sys::LklVoidFn;

pub unsafe extern "C" fn time() -> c_ulonglong {
    node::dce().now()
}

pub struct Timer {
    func: Option<LklVoidFn>,
    /// The pending event, NULL when none.
    handle: Cell<*mut c_void>,
    /// The expiry (absolute ns) asked for while the node was quiet.
    deferred: Cell<Option<u64>>,
    /// In the node's queue of timers to arm.
    link: Link<Timer>,
}

impl Linked for Timer {
    fn link(&self) -> &Link<Timer> {
        &self.link
    }
}

pub unsafe extern "C" fn timer_alloc(func: Option<LklVoidFn>) -> *mut c_void {
    let t = node::dce().malloc(size_of::<Timer>()) as *mut Timer;
    if !t.is_null() {
        // SAFETY: a fresh block of the right size.
        unsafe {
            t.write(Timer {
                func,
                handle: Cell::new(ptr::null_mut()),
                deferred: Cell::new(None),
                link: Link::new(),
            })
        };
    }
    t.cast()
}

fn cancel(t: &Timer) {
    t.deferred.set(None);
    let h = t.handle.replace(ptr::null_mut());
    if !h.is_null() {
        // SAFETY: `h` is live: its event has neither run (the callback
        // clears the handle first) nor been cancelled (cleared above).
        unsafe { node::dce().cancel(h) };
    }
}

unsafe extern "C" fn run_timer_fn(ctx: *mut c_void) {
    // SAFETY: `ctx` is the timer function's address (see timer_event).
    let f: LklVoidFn = unsafe { core::mem::transmute::<*mut c_void, LklVoidFn>(ctx) };
    // SAFETY: the kernel's timer function.
    unsafe { f() }
}

/// The event callback, in event context.
unsafe extern "C" fn timer_event(ctx: *mut c_void) {
    // SAFETY: `ctx` is a live Timer (timer_free cancels its event first).
    let t = unsafe { &*(ctx as *const Timer) };
    t.handle.set(ptr::null_mut());
    let n = node::node();
    if n.is_dead() {
        return;
    }
    crate::defer::flush();
    if let Some(f) = t.func {
        n.guarded(run_timer_fn, f as *mut c_void);
    }
    thread::run();
}

fn schedule(t: &Timer, delta: u64) -> c_int {
    let h = node::dce().schedule(delta, timer_event, (t as *const Timer).cast_mut().cast());
    if h.is_null() {
        return -1;
    }
    t.handle.set(h);
    0
}

pub unsafe extern "C" fn timer_set_oneshot(timer: *mut c_void, delta: c_ulong) -> c_int {
    // SAFETY: the kernel passes a timer from timer_alloc.
    let t = unsafe { &*(timer as *const Timer) };
    cancel(t);
    let d = &node::node().deferred;
    if !d.quiet() {
        return schedule(t, delta);
    }
    t.deferred
        .set(Some(node::dce().now().saturating_add(delta)));
    // SAFETY: live until timer_free, which takes it off.
    unsafe { d.timers.push(timer.cast()) };
    0
}

/// Schedules the events of the timers armed while the node was quiet
/// ([`crate::defer::flush`]).
pub fn arm_deferred() {
    while let Some(p) = node::node().deferred.timers.pop() {
        // SAFETY: queued timers are live (timer_free takes them off).
        let t = unsafe { &*p };
        if let Some(at) = t.deferred.take() {
            let now = node::dce().now();
            if schedule(t, at.saturating_sub(now)) != 0 {
                node::log("lkl-dce: cannot schedule a timer\n");
            }
        }
    }
}

pub unsafe extern "C" fn timer_free(timer: *mut c_void) {
    if timer.is_null() {
        return;
    }
    // SAFETY: the kernel passes a timer from timer_alloc.
    let t = unsafe { &*(timer as *const Timer) };
    cancel(t);
    // SAFETY: live until freed below.
    unsafe { node::node().deferred.timers.remove(timer.cast()) };
    node::dce().free(timer)
}
