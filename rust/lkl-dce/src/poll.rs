//! `sock_poll` and `sock_pollfreewait` (Documentation/dce/abi.rst, "The
//! poll protocol"): DCE's poll
//! tables and the arch's poll waiters (`arch/lkl/kernel/poll.c`).
//!
//! `sock_poll` with a `PollTable*` registers a waiter of the arch that
//! calls back on every matching wake-up; the library hands DCE a
//! [`Waiter`] of its own as the handle, which `sock_pollfreewait` takes
//! back.  A wake-up becomes DCE's `poll_event(key, table)` at once, except
//! while the node is quiet ([`crate::defer`]): DCE's `poll_event` wakes the
//! polling thread through `TaskManager::Current()`, which is NULL in DCE's
//! teardown, where a close (quiet) can wake another program's poll (a
//! connection over loopback).  Then the waiter is queued and the deferred
//! effects deliver it.  A waiter removed before that is unqueued first:
//! DCE frees its table when `sock_pollfreewait` returns.

use crate::call::{self, syscall as sys, Args, Request, Wait};
use crate::defer::{Link, Linked};
use crate::node;
use crate::socket::fd_of;
use core::cell::Cell;
use core::ffi::{c_int, c_long, c_uint, c_void};
use core::mem::size_of;
use core::ptr;
use dce_abi::{PollTableRef, SimSocket};
use lkl_sys::{consts, Errno, NR_LKL_POLL_ADD, NR_LKL_POLL_DEL};

const EBADF: c_long = Errno::EBADF.0 as c_long;
const ENODEV: c_long = Errno::ENODEV.0 as c_long;
const POLLERR: c_int = consts::POLLERR as c_int;
const POLLHUP: c_int = consts::POLLHUP as c_int;
const POLLNVAL: c_int = consts::POLLNVAL as c_int;

/// A poll waiter as DCE holds it (`opaque`), in DCE memory.
pub struct Waiter {
    /// DCE's `PollTable*`; NULL once DCE has let go of it (its wake-ups
    /// are then dropped).
    table: Cell<*mut c_void>,
    /// The arch's waiter, 0 until registered.
    handle: Cell<c_long>,
    /// Events to deliver, while queued.
    key: Cell<c_uint>,
    /// In the node's queue of wake-ups to deliver.
    link: Link<Waiter>,
}

impl Linked for Waiter {
    fn link(&self) -> &Link<Waiter> {
        &self.link
    }
}

fn new_waiter(table: *mut c_void) -> *mut Waiter {
    let w = node::dce().malloc(size_of::<Waiter>()) as *mut Waiter;
    if !w.is_null() {
        // SAFETY: a fresh block of the right size, 8-byte aligned.
        unsafe {
            w.write(Waiter {
                table: Cell::new(table),
                handle: Cell::new(0),
                key: Cell::new(0),
                link: Link::new(),
            })
        };
    }
    w
}

/// Takes `w` off the queue of deferred wake-ups and frees it.
fn free_waiter(w: *mut Waiter) {
    // SAFETY: a live waiter of this node, freed right after.
    unsafe { node::node().deferred.polls.remove(w) };
    node::dce().free(w.cast());
}

/// The arch's poll callback, with the [`Waiter`] as its cookie.
unsafe extern "C" fn poll_notify(cookie: *mut c_void, key: c_uint) {
    // SAFETY: the arch passes back the cookie of a waiter that is still
    // registered, and the library frees a Waiter only after its arch
    // waiter is gone.
    let w = unsafe { &*(cookie as *const Waiter) };
    let table = w.table.get();
    if table.is_null() {
        return;
    }
    let d = &node::node().deferred;
    if !d.quiet() {
        // SAFETY: DCE's table, registered until sock_pollfreewait.
        unsafe { node::dce().poll_event(key as c_int, table) };
        return;
    }
    w.key.set(w.key.get() | key);
    // SAFETY: live until free_waiter, which takes it off.
    unsafe { d.polls.push(cookie.cast()) };
}

/// Delivers the wake-ups deferred while the node was quiet
/// ([`crate::defer::flush`]).
pub fn deliver_deferred() {
    while let Some(p) = node::node().deferred.polls.pop() {
        // SAFETY: queued waiters are live (free_waiter takes them off).
        let w = unsafe { &*p };
        let key = w.key.replace(0);
        let table = w.table.get();
        if !table.is_null() {
            // SAFETY: as in poll_notify.
            unsafe { node::dce().poll_event(key as c_int, table) };
        }
    }
}

/// `a`: fd, wanted events, notify function (or 0), cookie; the arch's
/// handle comes back in `out[0]`.
unsafe fn op_poll_add(a: &mut Args) -> c_long {
    let handle = ptr::addr_of_mut!(a.out[0]);
    let x = a.a;
    sys(
        NR_LKL_POLL_ADD,
        [x[0], x[1], x[2], x[3], handle as c_long, 0],
    )
}

/// The caller of `sock_poll` gave up: DCE's table is not the waiter's to
/// wake any more.
unsafe fn cut_poll_add(a: &Args) {
    let w = a.a[3] as *const Waiter;
    if !w.is_null() {
        // SAFETY: live until the undo frees it, after this.
        unsafe { (*w).table.set(ptr::null_mut()) };
    }
}

/// A waiter registered for a caller that is gone: removed, and its
/// [`Waiter`] freed.
unsafe fn undo_poll_add(ret: c_long, a: &mut Args) {
    if ret >= 0 && a.a[2] != 0 && a.out[0] != 0 {
        sys(NR_LKL_POLL_DEL, [a.out[0], 0, 0, 0, 0, 0]);
    }
    if a.a[3] != 0 {
        free_waiter(a.a[3] as *mut Waiter);
    }
}

/// `sock_poll(s, ref)`: the socket's readiness in `ref.ret`; with a
/// `PollTable*` in `ref.opaque`, also a waiter that calls `poll_event` on
/// every matching wake-up, whose handle replaces `ref.opaque`.  A bad
/// socket reads `POLLNVAL`, a dead kernel `POLLERR | POLLHUP`; then no
/// waiter is left (`opaque` NULL).
pub unsafe extern "C" fn sock_poll(s: *mut SimSocket, r: *mut c_void) {
    let r = r as *mut PollTableRef;
    if r.is_null() {
        return;
    }
    // SAFETY: DCE passes its poll_table_ref, valid during the call.
    let (wanted, table) = unsafe { ((*r).ret, (*r).opaque) };
    let (mask, opaque) = match fd_of(s) {
        None => (POLLNVAL, ptr::null_mut()),
        Some(fd) => poll(fd, wanted, table),
    };
    // SAFETY: as above.
    unsafe {
        (*r).ret = mask;
        (*r).opaque = opaque;
    }
}

fn poll(fd: c_long, wanted: c_int, table: *mut c_void) -> (c_int, *mut c_void) {
    let w = if table.is_null() {
        ptr::null_mut()
    } else {
        let w = new_waiter(table);
        if w.is_null() {
            node::log("lkl-dce: sock_poll: out of memory: no waiter registered\n");
            return (POLLERR, ptr::null_mut());
        }
        w
    };
    let notify: Option<lkl_sys::LklPollNotify> = (!w.is_null()).then_some(poll_notify);
    let mut req = Request::new(
        "sock_poll",
        op_poll_add,
        [
            fd,
            c_long::from(wanted as c_uint),
            notify.map_or(0, |f| f as usize as c_long),
            w as c_long,
            0,
            0,
        ],
    );
    req.fd = fd;
    req.wait = Wait::Never;
    req.undo = Some(undo_poll_add);
    req.on_abandon = Some(cut_poll_add);
    let out = call::call(req);
    if out.abandoned {
        // The undo frees the waiter (perhaps already has).
        return (POLLERR | POLLHUP, ptr::null_mut());
    }
    let registered = out.ret >= 0 && out.out[0] != 0 && !w.is_null();
    if !registered {
        if !w.is_null() {
            free_waiter(w);
        }
        return match out.ret {
            r if r == -EBADF => (POLLNVAL, ptr::null_mut()),
            r if r < 0 => (POLLERR | POLLHUP, ptr::null_mut()),
            r => (r as c_int, ptr::null_mut()),
        };
    }
    // SAFETY: ours, registered.
    unsafe { (*w).handle.set(out.out[0]) };
    (out.ret as c_int, w.cast())
}

/// `a`: the [`Waiter`].
unsafe fn op_poll_del(a: &mut Args) -> c_long {
    // SAFETY: the Waiter stays live until this request is done (or its
    // undo ran).
    let handle = unsafe { (*(a.a[0] as *const Waiter)).handle.get() };
    sys(NR_LKL_POLL_DEL, [handle, 0, 0, 0, 0, 0])
}

/// A removal that went on without its caller: the Waiter goes when it
/// ends.
unsafe fn undo_poll_del(_ret: c_long, a: &mut Args) {
    free_waiter(a.a[0] as *mut Waiter);
}

/// `sock_pollfreewait(handle)`: removes a waiter of `sock_poll`; NULL is
/// fine (DCE passes it when `sock_poll` registered nothing).  Never waits
/// and reaches neither `dev_xmit` nor `event_schedule_ns` (DCE's teardown
/// calls it with no task manager; [`crate::defer`]).
pub unsafe extern "C" fn sock_pollfreewait(handle: *mut c_void) {
    let w = handle as *mut Waiter;
    if w.is_null() {
        return;
    }
    // SAFETY: a Waiter sock_poll returned, freed only here (DCE frees
    // each handle once): from now on its wake-ups are dropped.
    unsafe { (*w).table.set(ptr::null_mut()) };
    let mut req = Request::new(
        "sock_pollfreewait",
        op_poll_del,
        [w as c_long, 0, 0, 0, 0, 0],
    );
    req.wait = Wait::Never;
    req.quiet = true;
    req.undo = Some(undo_poll_del);
    let out = call::call(req);
    if out.abandoned {
        return;
    }
    if out.ret < 0 && out.ret != -ENODEV {
        node::log_int(c"lkl-dce: sock_pollfreewait failed: %d\n", out.ret as c_int);
    }
    free_waiter(w);
}
