//! Our `struct SimTask`: what DCE keeps for each of its tasks that enters
//! the library (Documentation/dce/abi.rst, "Tasks and scheduling").  The
//! library uses it only to wake a task
//! that waits for a call ([`crate::call`]); the kernel runs on green
//! threads of its own ([`crate::thread`]).

use crate::node;
use core::ffi::{c_ulong, c_void};
use core::mem::size_of;
use core::ptr;
use dce_abi::SimTask;

/// A DCE task as the library knows it.
#[repr(C)]
pub struct Task {
    /// DCE's `Task*` (returned by `task_get_private`).
    pub private: *mut c_void,
    /// The pid DCE gave (0 for DCE-internal tasks).
    pub pid: c_ulong,
}

/// `SimExported::task_create`: a new [`Task`] from DCE malloc.
pub unsafe extern "C" fn task_create(private: *mut c_void, pid: c_ulong) -> *mut SimTask {
    let t = node::dce().malloc(size_of::<Task>()) as *mut Task;
    if !t.is_null() {
        // SAFETY: fresh, 8-byte aligned block of the right size.
        unsafe { t.write(Task { private, pid }) };
    }
    t.cast()
}

/// `SimExported::task_destroy`: never called by DCE 1.12; frees the task.
pub unsafe extern "C" fn task_destroy(task: *mut SimTask) {
    node::dce().free(task.cast())
}

/// `SimExported::task_get_private`: the `priv` given to `task_create`.
pub unsafe extern "C" fn task_get_private(task: *mut SimTask) -> *mut c_void {
    if task.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: DCE passes only SimTasks that task_create returned.
    unsafe { (*task.cast::<Task>()).private }
}
