//! The library side of the ns-3-dce host: `sim_init` and the LKL host
//! operations over DCE's imports ([`DceHandle`]).
//!
//! Linked with `lkl.o` and `csrc/string.c` into `out/lib/liblkl.so` by the
//! top-level Makefile (target `dce-lib`, Cargo profile `dce-lib`, which sets
//! `panic = "abort"`).  DCE loads that object once per process and calls
//! [`sim_init`] once per node, in a D-task at t=0 (dce-abi.md §0, §1, §3,
//! §4.2; design: `Documentation/dce/design.rst`).
//!
//! # Per-node state
//!
//! All mutable state lives in one static ([`node::Node`]) in this library's
//! RW segment, which DCE's CoojaLoader swaps on every switch between nodes,
//! or in DCE-`malloc`ed objects reached from it or from our `SimTask`s.  No
//! TLS, no host threads, no constructors.
//!
//! # `no_std`
//!
//! The crate is `#![no_std]`.  When it is built with unwinding (any profile
//! but `dce-lib`: `cargo test`, `cargo clippy`), the `staticlib` artifact
//! still needs a panic runtime, so `std` is linked in *only then*; the
//! `panic = "abort"` build carries its own `#[panic_handler]` and links
//! nothing but `core` (the `dce-lib` link with `-z defs` would fail
//! otherwise).

#![no_std]

#[cfg(not(panic = "abort"))]
extern crate std;

mod entropy;
mod exported;
mod host;
mod netdev;
mod node;
mod socket;
mod sysctl;

use core::ffi::{c_char, c_int};
use dce_abi::{DceHandle, KernelHandle, SimKernel};

pub use node::{log, log_bytes};

/// The command line `sim_init` boots with.
pub const CMDLINE: &core::ffi::CStr = c"mem=32M";

/// `sim_init(exported, imported, kernel)`: the one symbol `liblkl.so`
/// exports (dce-abi.md §1.1).
///
/// Copies `*imported` into this node's state, fills `task_create`,
/// `task_destroy` and `task_get_private` first, then every other slot of
/// `*exported`, registers the host operations and boots the kernel inside
/// the calling D-task; returns when the kernel is up (or failed to boot,
/// which is logged through `vprintf`).
///
/// # Safety
///
/// `exported` must point to a writable `SimExported`, `imported` to a valid
/// `SimImported` (read only during the call) and `kernel` is DCE's per-node
/// cookie; DCE calls this once per node, in a task context.
#[no_mangle]
pub unsafe extern "C" fn sim_init(
    exported: *mut KernelHandle,
    imported: *const DceHandle,
    kernel: *mut SimKernel,
) {
    if exported.is_null() || imported.is_null() {
        return;
    }
    // SAFETY: `imported` is valid for the duration of the call (caller
    // contract); it is copied by value because DCE's object lives on its
    // stack.
    let imported = unsafe { *imported };
    node::install(imported, kernel);

    // SAFETY: `exported` points to DCE's writable SimExported (caller
    // contract); nothing else accesses it during this call.
    let exported = unsafe { &mut *exported };
    // DCE calls these from inside task_current/task_start/task_wakeup, so
    // they are filled before anything else (dce-abi.md §3.0).
    exported.task_create = Some(host::task_create);
    exported.task_destroy = Some(host::task_destroy);
    exported.task_get_private = Some(host::task_get_private);
    exported::fill(exported);

    let ops = node::ops();
    host::fill_ops(ops);
    // SAFETY: `ops` is this node's operations table in our static, which
    // stays valid (and at this address) for the life of the library.
    let ret = unsafe { lkl_sys::lkl_init(ops) };
    if ret != 0 {
        log_ret(c"lkl-dce: lkl_init failed: %d\n", ret);
        return;
    }
    // The thread that boots the kernel becomes the host thread of the
    // init task (host0).  DCE deletes sim_init's D-task as soon as this
    // call returns (dce-abi.md §9-H2), so boot on a K-task, which lives as
    // long as the node, and wait for it here: the D-task may block, and
    // the boot needs the kernel's own K-tasks to run anyway.
    // SAFETY: `ops` was filled by fill_ops and accepted by lkl_init.
    let ops = unsafe { &*ops };
    let (Some(sem_alloc), Some(sem_down), Some(sem_free), Some(thread_create)) =
        (ops.sem_alloc, ops.sem_down, ops.sem_free, ops.thread_create)
    else {
        log_ret(c"lkl-dce: host operations incomplete: %d\n", -22);
        return;
    };
    // SAFETY: our own host operations, called from a task context.
    unsafe {
        let done = sem_alloc(0);
        if done.is_null() || thread_create(Some(boot_task), done.cast()) == 0 {
            log_ret(c"lkl-dce: cannot start the boot task: %d\n", -12);
            return;
        }
        sem_down(done);
        sem_free(done);
    }
}

/// The K-task that boots the kernel, then parks: it is host0's thread.
unsafe extern "C" fn boot_task(done: *mut core::ffi::c_void) {
    // SAFETY: the format is a constant without conversions; lkl_init
    // succeeded; a K-task may block while the kernel boots.
    let ret = unsafe { lkl_sys::lkl_start_kernel(c"%s".as_ptr(), CMDLINE.as_ptr()) };
    if ret != 0 {
        log_ret(c"lkl-dce: lkl_start_kernel failed: %d\n", ret);
    } else {
        let ret = entropy::seed_from_dce();
        if ret != 0 {
            log_ret(
                c"lkl-dce: cannot seed the kernel's randomness: %d\n",
                ret as c_int,
            );
        }
    }
    // SAFETY: `done` is the semaphore sim_init waits on, alive until that
    // wait returns; sem_up is our own host operation.
    if let Some(sem_up) = unsafe { (*node::ops()).sem_up } {
        // SAFETY: as above: a live semaphore from our own sem_alloc.
        unsafe { sem_up(done.cast()) };
    }
    node::park_forever()
}

fn log_ret(fmt: &core::ffi::CStr, ret: c_int) {
    node::printf_int(fmt.as_ptr() as *const c_char, ret);
}

#[cfg(all(panic = "abort", not(test)))]
#[panic_handler]
fn on_panic(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::fmt::Write as _;
    let mut buf = node::LineBuf::new();
    let _ = writeln!(buf, "lkl-dce: panic: {info}");
    log_bytes(buf.as_bytes());
    node::fatal(b"lkl-dce: this node's kernel is stopped\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_alignment() {
        for raw in [8usize, 4096, 4100, 8191, 0x1234_5678] {
            let a = host::align_for_page(raw);
            assert_eq!(a % 4096, 0);
            assert!(a >= raw + core::mem::size_of::<usize>());
            assert!(a < raw + host::PAGE_SLACK);
        }
    }

    #[test]
    fn linebuf_truncates() {
        use core::fmt::Write as _;
        let mut b = node::LineBuf::new();
        for _ in 0..100 {
            let _ = write!(b, "0123456789");
        }
        assert_eq!(b.as_bytes().len(), node::LineBuf::CAP);
    }

    #[test]
    fn cmdline() {
        assert_eq!(CMDLINE.to_bytes(), b"mem=32M");
    }
}
