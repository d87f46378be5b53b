//! `poll()` as DCE runs it for sockets of the kernel library (dce-abi.md
//! §2.3): DCE's `PollTable` and the `sock_poll` / `poll_event` /
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
//! of ours is only recorded ([`Host::poll_events`]).

use crate::abi::Host;
use crate::{EventId, SimError, TaskId};
use core::ffi::c_void;
use dce_abi::{PollTableRef, SimExported, SimSocket};
use std::cell::Cell;

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

/// DCE's `PollTable`: the task waiting in it.
pub(crate) struct PollTable {
    task: TaskId,
    /// Set when the timeout event ran (its handle is dead then).
    timed_out: Cell<bool>,
}

const POLLERR: i16 = 0x008;
const POLLHUP: i16 = 0x010;

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
        let (Some(sock_poll), Some(free_wait)) = (e.sock_poll, e.sock_pollfreewait) else {
            return Ok(0);
        };
        let task = self.sim().task_current()?;
        let table = Box::new(PollTable {
            task,
            timed_out: Cell::new(false),
        });
        let cookie = (&*table as *const PollTable).cast_mut().cast::<c_void>();
        self.freed_poll_tables
            .borrow_mut()
            .remove(&(cookie as usize));
        self.poll_tables.borrow_mut().insert(cookie as usize, table);
        let mut handles = Vec::with_capacity(fds.len());
        let mut ready = 0;
        for fd in fds.iter_mut() {
            let mut r = PollTableRef {
                ret: i32::from(fd.events | POLLERR | POLLHUP),
                opaque: cookie,
            };
            // SAFETY: the library's sock_poll with a live socket and a
            // poll_table_ref on our stack, as DCE calls it.
            unsafe { sock_poll(fd.sock, (&mut r as *mut PollTableRef).cast()) };
            handles.push(r.opaque);
            fd.revents = (r.ret as i16) & (fd.events | POLLERR | POLLHUP);
            if fd.revents != 0 {
                ready += 1;
            }
        }
        let mut timer: Option<EventId> = None;
        if ready == 0 && timeout_ns != Some(0) {
            if let Some(ns) = timeout_ns {
                let hp: *const Host = self;
                let node = self.sim().current_node().expect("in a task");
                timer = Some(self.sim().schedule(node, ns, move |sim| {
                    // SAFETY: the host outlives its simulator's events.
                    let host = unsafe { &*hp };
                    if let Some(t) = host.poll_tables.borrow().get(&(cookie as usize)) {
                        t.timed_out.set(true);
                    }
                    let _ = sim.task_wakeup(task);
                })?);
            }
            self.sim().task_wait()?;
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
        let fired = self
            .poll_tables
            .borrow()
            .get(&(cookie as usize))
            .is_some_and(|t| t.timed_out.get());
        if let Some(t) = timer.filter(|_| !fired) {
            self.sim().cancel(t)?;
        }
        for h in handles {
            // SAFETY: a handle sock_poll returned (or NULL, which DCE also
            // passes), released once.
            unsafe { free_wait(h) };
        }
        let table = self.poll_tables.borrow_mut().remove(&(cookie as usize));
        drop(table);
        self.freed_poll_tables.borrow_mut().insert(cookie as usize);
        Ok(ready)
    }

    /// `poll_event(flag, context)`: wakes the task waiting in the table.
    pub(crate) fn poll_wakeup(&self, context: *mut c_void) -> Result<(), SimError> {
        let task = match self.poll_tables.borrow().get(&(context as usize)) {
            Some(t) => t.task,
            None => {
                if self
                    .freed_poll_tables
                    .borrow()
                    .contains(&(context as usize))
                {
                    return Err(SimError::Abi {
                        node: self.sim().current_node(),
                        msg: format!(
                            "poll_event() on PollTable {context:p} after sock_pollfreewait \
                             released its waiter (DCE would use freed memory)"
                        ),
                    });
                }
                return Ok(());
            }
        };
        self.sim().task_wakeup(task).map(|_| ())
    }
}
