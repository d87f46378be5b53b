//! DCE's imports for one node: the FFI edge towards ns-3-dce.
//!
//! [`Dce`] is a copy of the `SimImported` table DCE hands to `sim_init`
//! ([`DceHandle`]; DCE's own object lives on its stack) together with the
//! node's `SimKernel*` cookie, with one safe method per import we use.
//! Which imports are allowed in which context is DCE's rule
//! (Documentation/dce/abi.rst, "Execution contexts"): everything here is
//! valid in every context except
//! [`Dce::current_task`] and [`Sleeper::sleep`], which are `unsafe` for
//! that reason.

use core::ffi::{c_char, c_int, c_ulong, c_void, CStr};
use core::ptr;
use dce_abi::{DceHandle, SimDevice, SimKernel, SimTask};

extern "C" {
    /// `vprintf(kernel, fmt, va_list)` of DCE, called with our own
    /// variadic arguments (csrc/glue.c).
    fn lkl_dce_printf(
        vprintf: *const c_void,
        kernel: *mut SimKernel,
        fmt: *const c_char,
        ...
    ) -> c_int;
}

/// An event callback (`fn(context)` of `event_schedule_ns`).
pub type EventFn = unsafe extern "C" fn(*mut c_void);

/// DCE's imports and this node's cookie.
#[derive(Clone, Copy)]
pub struct Dce {
    imp: DceHandle,
    kernel: *mut SimKernel,
}

/// `pre_fn` of every event: DCE calls it and requires it to be non-NULL.
unsafe extern "C" fn event_pre() {}

impl Dce {
    /// No imports at all (before `sim_init`): every method does nothing.
    pub const NONE: Dce = Dce {
        // SAFETY: `DceHandle` holds only `Option<fn>`s, for which all-zero
        // is `None`.
        imp: unsafe { core::mem::zeroed() },
        kernel: ptr::null_mut(),
    };

    /// DCE's table (copied) and the node's cookie.
    pub fn new(imp: DceHandle, kernel: *mut SimKernel) -> Self {
        Dce { imp, kernel }
    }

    /// `malloc`: 8-byte aligned only; NULL for 0 bytes or more than DCE's
    /// 32-bit sizes.
    pub fn malloc(&self, size: usize) -> *mut c_void {
        if size == 0 || size > u32::MAX as usize {
            return ptr::null_mut();
        }
        match self.imp.malloc {
            // SAFETY: DCE's malloc, valid in every context.
            Some(f) => unsafe { f(self.kernel, size as c_ulong) },
            None => ptr::null_mut(),
        }
    }

    /// `free`, never with NULL (DCE's `free(NULL)` crashes).
    pub fn free(&self, p: *mut c_void) {
        if p.is_null() {
            return;
        }
        if let Some(f) = self.imp.free {
            // SAFETY: `p` came from this node's DCE malloc (our callers
            // only free what they allocated through `malloc` above).
            unsafe { f(self.kernel, p) }
        }
    }

    /// DCE's `memcpy`, or a plain copy.
    ///
    /// # Safety
    /// `dst` and `src` are valid for `n` bytes and do not overlap.
    pub unsafe fn memcpy(&self, dst: *mut c_void, src: *const c_void, n: usize) -> *mut c_void {
        match self.imp.memcpy {
            // SAFETY: the caller's ranges.
            Some(f) => unsafe { f(self.kernel, dst, src, n as c_ulong) },
            None => {
                // SAFETY: as above.
                unsafe { ptr::copy_nonoverlapping(src as *const u8, dst as *mut u8, n) };
                dst
            }
        }
    }

    /// DCE's `memset`, or a plain fill.
    ///
    /// # Safety
    /// `s` is valid for `n` bytes.
    pub unsafe fn memset(&self, s: *mut c_void, c: c_int, n: usize) -> *mut c_void {
        match self.imp.memset {
            // SAFETY: the caller's range.
            Some(f) => unsafe { f(self.kernel, s, c as c_char, n as c_ulong) },
            None => {
                // SAFETY: as above.
                unsafe { ptr::write_bytes(s as *mut u8, c as u8, n) };
                s
            }
        }
    }

    /// Writes `bytes` to the node's log (`var/log/messages`) with
    /// `vprintf("%.*s")`.
    pub fn log(&self, bytes: &[u8]) {
        let Some(vprintf) = self.imp.vprintf else {
            return;
        };
        let len = c_int::try_from(bytes.len()).unwrap_or(c_int::MAX);
        // SAFETY: DCE's vprintf; the format consumes exactly an int and a
        // pointer to `len` readable bytes.
        unsafe {
            lkl_dce_printf(
                vprintf as *const c_void,
                self.kernel,
                c"%.*s".as_ptr(),
                len,
                bytes.as_ptr(),
            );
        }
    }

    /// `vprintf(fmt, value)` where `fmt` has exactly one `%d`.
    pub fn log_int(&self, fmt: &CStr, value: c_int) {
        let Some(vprintf) = self.imp.vprintf else {
            return;
        };
        // SAFETY: DCE's vprintf; our callers pass formats with one `%d`.
        unsafe {
            lkl_dce_printf(vprintf as *const c_void, self.kernel, fmt.as_ptr(), value);
        }
    }

    /// `current_ns`: virtual time in ns.
    pub fn now(&self) -> u64 {
        // SAFETY: DCE's current_ns, valid in every context.
        self.imp.current_ns.map_or(0, |f| unsafe { f(self.kernel) })
    }

    /// `random`: `sizeof(unsigned long)` bytes of the run's stream.
    pub fn random(&self) -> Option<u64> {
        // SAFETY: DCE's random, valid in every context.
        self.imp.random.map(|f| unsafe { f(self.kernel) })
    }

    /// `event_schedule_ns(ns, f, ctx)`: the handle, or NULL.  The handle
    /// dies when the event runs or is cancelled (abi.rst "Time, events and
    /// randomness").
    pub fn schedule(&self, ns: u64, f: EventFn, ctx: *mut c_void) -> *mut c_void {
        match self.imp.event_schedule_ns {
            // SAFETY: DCE's event_schedule_ns, valid in every context; `f`
            // and `ctx` are the caller's, `event_pre` is non-NULL.
            Some(s) => unsafe { s(self.kernel, ns, Some(f), ctx, Some(event_pre)) },
            None => ptr::null_mut(),
        }
    }

    /// `event_cancel`.
    ///
    /// # Safety
    /// `ev` is a live handle: its event has neither run nor been cancelled.
    pub unsafe fn cancel(&self, ev: *mut c_void) {
        if let Some(f) = self.imp.event_cancel {
            // SAFETY: the caller's.
            unsafe { f(self.kernel, ev) }
        }
    }

    /// `task_current`: the running DCE task's `SimTask` (DCE creates it
    /// with our `task_create` on first use); NULL without the import.
    ///
    /// # Safety
    /// Only in a context with a DCE task: never in event context nor
    /// during DCE's teardown, where DCE dereferences NULL.
    pub unsafe fn current_task(&self) -> *mut SimTask {
        // SAFETY: the caller's.
        self.imp
            .task_current
            .map_or(ptr::null_mut(), |f| unsafe { f(self.kernel) })
    }

    /// `task_wakeup`: makes a blocked DCE task runnable (a no-op if it is
    /// not blocked).
    ///
    /// # Safety
    /// `t` is a live `SimTask` of this node whose DCE task still exists.
    pub unsafe fn wakeup(&self, t: *mut SimTask) {
        if let Some(f) = self.imp.task_wakeup {
            // SAFETY: the caller's; task_wakeup is valid in every context.
            unsafe { f(self.kernel, t) };
        }
    }

    /// `task_start(f, ctx)`: a new DCE kernel task (K-task), queued to run;
    /// `f` must never return.  NULL without the import.
    ///
    /// # Safety
    /// Not in event context (DCE's `TaskStart` needs a task manager);
    /// `f(ctx)` must be sound to run later on its own fiber.
    pub unsafe fn task_start(&self, f: EventFn, ctx: *mut c_void) -> *mut SimTask {
        match self.imp.task_start {
            // SAFETY: the caller's.
            Some(start) => unsafe { start(self.kernel, Some(f), ctx) },
            None => ptr::null_mut(),
        }
    }

    /// What a task needs to block in `task_wait` without reading the
    /// library's globals (see [`Sleeper`]).
    pub fn sleeper(&self) -> Sleeper {
        Sleeper {
            wait: self.imp.task_wait,
            kernel: self.kernel,
        }
    }

    /// `dev_xmit(dev, data, len)`: DCE copies the frame before returning.
    ///
    /// # Safety
    /// `dev` is a device of this node and `data` holds `len` bytes.
    pub unsafe fn dev_xmit(&self, dev: *mut SimDevice, data: *const u8, len: c_int) {
        if let Some(f) = self.imp.dev_xmit {
            // SAFETY: the caller's; DCE only reads the frame (its prototype
            // lacks the const).
            unsafe { f(self.kernel, dev, data.cast_mut(), len) }
        }
    }

    /// `poll_event(flag, table)`: wakes the DCE thread polling `table`.
    ///
    /// # Safety
    /// `table` is a DCE `PollTable*` that is still registered.
    pub unsafe fn poll_event(&self, flag: c_int, table: *mut c_void) {
        if let Some(f) = self.imp.poll_event {
            // SAFETY: the caller's; poll_event is valid in every context.
            unsafe { f(flag, table) }
        }
    }
}

/// DCE's `task_wait` and this node's cookie, copied onto the stack of a
/// task that is about to block in a call.
///
/// DCE swaps a node's globals back in when one of its kernel or internal
/// tasks resumes, but not when an application task does (abi.rst
/// "Hazards", H1): after `task_wait` returns on an application task,
/// another node's
/// globals may be in place.  Everything a waiting task needs after it
/// wakes up must therefore be on its own stack; this is the part that
/// comes from DCE.
#[derive(Clone, Copy)]
pub struct Sleeper {
    wait: Option<unsafe extern "C" fn(*mut SimKernel)>,
    kernel: *mut SimKernel,
}

impl Sleeper {
    /// Blocks the calling DCE task until a `task_wakeup`.  Reads nothing
    /// but `self`.
    ///
    /// # Safety
    /// Only on a DCE task with a fiber (an application or DCE-internal
    /// task), never in event context or on a Cradle caller (abi.rst
    /// "Execution contexts"; "Hazards", H1c).
    pub unsafe fn sleep(&self) {
        if let Some(wait) = self.wait {
            // SAFETY: the caller's.
            unsafe { wait(self.kernel) }
        }
    }
}
