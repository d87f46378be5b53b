//! `poll()` as DCE runs it for sockets of the kernel library
//! (Documentation/dce/abi.rst, "The poll protocol"): DCE's `PollTable`
//! and the `sock_poll` / `poll_event` /
//! `sock_pollfreewait` protocol.
//!
//! [`Host::poll`] is called from a task of a node, as an application's
//! `poll()` would be:
//!
//! 1. every socket is asked with a table: `sock_poll(s, {events | POLLERR
//!    | POLLHUP, table})`; the library registers a waiter and returns its
//!    handle in `opaque`;
//! 2. if nothing is ready and the timeout allows, the task blocks
//!    (`task_wait`) until a `poll_event(flag, table)` or the timeout event
//!    wakes it;
//! 3. a second pass without a table (`{0, NULL}`) reads the readiness;
//! 4. every handle is released with `sock_pollfreewait`, which may be NULL.
//!
//! A `poll_event` for a table that has been released is a hard error (DCE
//! would call into freed memory); one for a cookie that was never a table
//! of ours is only recorded ([`Recorder::poll_events`](crate::abi::observe::Recorder::poll_events)).

use crate::abi::Host;
use crate::{EventId, NodeId, Sim, SimError, TaskId};
use core::ffi::c_void;
use dce_abi::{PollTableRef, SimExported, SimSocket};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

/// One socket of a [`Host::poll`] call, like `struct pollfd`.
#[derive(Debug, Clone, Copy)]
pub struct PollFd {
    /// The socket.
    pub sock: *mut SimSocket,
    /// Wanted events (`POLLIN`, `POLLOUT`, ...).
    pub events: i16,
    /// Events that occurred (out).
    pub revents: i16,
}

/// DCE's `PollTable`: the task waiting in it and the waiters the library
/// registered for it.
struct PollTable {
    task: TaskId,
    node: NodeId,
    /// Set when the timeout event ran (its handle is dead then).
    timed_out: Cell<bool>,
    /// The library's waiter handles (`opaque`), freed with
    /// `sock_pollfreewait` when `poll` returns or at teardown.
    handles: RefCell<Vec<*mut c_void>>,
}

/// The poll tables of a host's programs (DCE's `PollTable`s).
#[derive(Default)]
pub(crate) struct Polls {
    tables: RefCell<HashMap<usize, Box<PollTable>>>,
    freed: RefCell<HashSet<usize>>,
}

const POLLERR: i16 = 0x008;
const POLLHUP: i16 = 0x010;

impl Polls {
    /// A new table for `task` of `node`; its address is the cookie.
    fn open(&self, task: TaskId, node: NodeId) -> *mut c_void {
        let table = Box::new(PollTable {
            task,
            node,
            timed_out: Cell::new(false),
            handles: RefCell::new(Vec::new()),
        });
        let cookie = (&*table as *const PollTable).cast_mut().cast::<c_void>();
        self.freed.borrow_mut().remove(&(cookie as usize));
        self.tables.borrow_mut().insert(cookie as usize, table);
        cookie
    }

    /// Releases a table: its waiters' handles, to be freed by the caller.
    fn close(&self, cookie: *mut c_void) -> Vec<*mut c_void> {
        let t = self.tables.borrow_mut().remove(&(cookie as usize));
        self.freed.borrow_mut().insert(cookie as usize);
        t.map(|t| t.handles.take()).unwrap_or_default()
    }

    fn with<R>(&self, cookie: *mut c_void, f: impl FnOnce(&PollTable) -> R) -> Option<R> {
        self.tables.borrow().get(&(cookie as usize)).map(|t| f(t))
    }

    /// Every waiter handle of `node`'s open tables (their tasks are being
    /// deleted by DCE's teardown); the tables are released.
    pub(crate) fn take_node(&self, node: NodeId) -> Vec<usize> {
        self.take(|t| t.node == node)
    }

    /// The same for the tables of `task`.
    pub(crate) fn take_task(&self, task: TaskId) -> Vec<usize> {
        self.take(|t| t.task == task)
    }

    fn take(&self, which: impl Fn(&PollTable) -> bool) -> Vec<usize> {
        let cookies: Vec<usize> = self
            .tables
            .borrow()
            .iter()
            .filter(|(_, t)| which(t))
            .map(|(c, _)| *c)
            .collect();
        let mut handles = Vec::new();
        for c in cookies {
            handles.extend(
                self.close(c as *mut c_void)
                    .into_iter()
                    .filter(|h| !h.is_null())
                    .map(|h| h as usize),
            );
        }
        handles
    }

    /// True if `cookie` is a table a program is polling with right now.
    pub(crate) fn is_live(&self, cookie: *mut c_void) -> bool {
        self.tables.borrow().contains_key(&(cookie as usize))
    }

    /// `poll_event(flag, context)`: wakes the task waiting in the table.
    pub(crate) fn wakeup(&self, sim: &Sim, context: *mut c_void) -> Result<(), SimError> {
        let Some(task) = self.with(context, |t| t.task) else {
            if self.freed.borrow().contains(&(context as usize)) {
                return Err(SimError::Abi {
                    node: sim.current_node(),
                    msg: format!(
                        "poll_event() on PollTable {context:p} after sock_pollfreewait \
                         released its waiter (DCE would use freed memory)"
                    ),
                });
            }
            return Ok(());
        };
        sim.task_wakeup(task).map(|_| ())
    }

    /// `poll(fds, timeout)` of a program: see [`Host::poll`].
    pub(crate) fn poll(
        &'static self,
        sim: &Sim,
        e: &SimExported,
        fds: &mut [PollFd],
        timeout_ns: Option<u64>,
    ) -> Result<usize, SimError> {
        let (Some(sock_poll), Some(free_wait)) = (e.sock_poll, e.sock_pollfreewait) else {
            return Ok(0);
        };
        let task = sim.task_current()?;
        let node = sim.current_node().expect("in a task");
        let cookie = self.open(task, node);
        let mut ready = 0;
        for fd in fds.iter_mut() {
            let mut r = PollTableRef {
                ret: i32::from(fd.events | POLLERR | POLLHUP),
                opaque: cookie,
            };
            // SAFETY: the library's sock_poll with a live socket and a
            // poll_table_ref on our stack, as DCE calls it.
            unsafe { sock_poll(fd.sock, (&mut r as *mut PollTableRef).cast()) };
            self.with(cookie, |t| t.handles.borrow_mut().push(r.opaque));
            fd.revents = (r.ret as i16) & (fd.events | POLLERR | POLLHUP);
            if fd.revents != 0 {
                ready += 1;
            }
        }
        let mut timer: Option<EventId> = None;
        if ready == 0 && timeout_ns != Some(0) {
            if let Some(ns) = timeout_ns {
                let polls: &'static Polls = self;
                timer = Some(sim.schedule(node, ns, move |sim| {
                    polls.with(cookie, |t| t.timed_out.set(true));
                    let _ = sim.task_wakeup(task);
                })?);
            }
            sim.task_wait()?;
            // Second pass, without a table: the state now.
            ready = 0;
            for fd in fds.iter_mut() {
                let mut r = PollTableRef {
                    ret: 0,
                    opaque: core::ptr::null_mut(),
                };
                // SAFETY: as above.
                unsafe { sock_poll(fd.sock, (&mut r as *mut PollTableRef).cast()) };
                fd.revents = (r.ret as i16) & (fd.events | POLLERR | POLLHUP);
                if fd.revents != 0 {
                    ready += 1;
                }
            }
        }
        let fired = self.with(cookie, |t| t.timed_out.get()).unwrap_or(false);
        if let Some(t) = timer.filter(|_| !fired) {
            sim.cancel(t)?;
        }
        for h in self.close(cookie) {
            // SAFETY: a handle sock_poll returned (or NULL, which DCE also
            // passes), released once.
            unsafe { free_wait(h) };
        }
        Ok(ready)
    }
}

impl Host {
    /// `poll(fds, timeout)` from a task of the node of `e`: the number of
    /// sockets with events, 0 on timeout.  `timeout_ns` None waits
    /// forever, `Some(0)` does not wait.
    pub fn poll(
        &self,
        e: &SimExported,
        fds: &mut [PollFd],
        timeout_ns: Option<u64>,
    ) -> Result<usize, SimError> {
        // SAFETY: the host (and so its poll tables) outlives every task
        // and event of its simulator, where this is called from.
        let polls: &'static Polls = unsafe { &*(&self.polls as *const Polls) };
        polls.poll(self.sim(), e, fds, timeout_ns)
    }
}
