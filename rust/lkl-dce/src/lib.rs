//! The library side of the ns-3-dce host: `sim_init`, the LKL host
//! operations over DCE's imports ([`DceHandle`]) and every `SimExported`
//! entry point.
//!
//! Linked with `lkl.o` and `csrc/string.c` into `out/lib/liblkl.so` by the
//! top-level Makefile (target `dce-lib`, Cargo profile `dce-lib`, which sets
//! `panic = "abort"`).  DCE loads that object once per process, swaps its
//! writable segment per node, and calls [`sim_init`] once per node, in a
//! D-task at t=0 (ABI: `Documentation/dce/abi.rst`, "Overview", "The
//! binary interface", "Execution contexts", "One copy, one segment per
//! node"; design:
//! `Documentation/dce/design.rst`).
//!
//! # Layers
//!
//! * FFI edge: [`dce`] (DCE's imports, one safe method each), the
//!   `extern "C"` entry points of [`exported`], and the C glue
//!   (`csrc/glue.c`: non-local jumps, the variadic `vprintf` call).
//! * Per-node state: [`node::Node`], one static in the swapped segment,
//!   reached through [`node::node()`].
//! * Host operations, one concern per file: [`mem`], [`sync`] (semaphores,
//!   mutexes), [`thread`] (green threads, TLS), [`time`] (clock, timers);
//!   the table in [`host_ops`].
//! * The entry path: [`call`] (workers, waiting, abandoning), which every
//!   entry module ([`socket`], [`netdev`], [`sysctl`]) goes through.
//!
//! No TLS, no host threads, no constructors: all mutable state is in the
//! node static or in DCE memory reached from it.
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

mod call;
mod dce;
mod defer;
mod entropy;
mod exported;
mod host_ops;
mod mem;
mod memsize;
mod netdev;
mod node;
mod poll;
mod socket;
mod sync;
mod sysctl;
mod task;
mod thread;
mod time;

use call::{Args, Request};
use core::ffi::{c_int, c_long};
use dce_abi::{DceHandle, KernelHandle, SimKernel};

pub use node::{log, log_bytes};

/// Boots the kernel on a worker, which becomes the host thread of the
/// init task (host0), then seeds its randomness from DCE's.  The command
/// line is `mem=<N>M`, N from the library's name ([`memsize`]).
unsafe fn op_boot(_: &mut Args) -> c_long {
    let (mib, refused) = memsize::node_mib();
    if refused {
        node::log_int(
            c"lkl-dce: the library's name asks for memory outside 16..1024 MiB; booting with %d MiB\n",
            mib as c_int,
        );
    }
    // SAFETY: one %u conversion and its argument; lkl_init succeeded; a
    // worker may block while the kernel boots.
    let ret = unsafe { lkl_sys::lkl_start_kernel(c"mem=%uM".as_ptr(), mib) };
    if ret != 0 {
        node::log_int(c"lkl-dce: lkl_start_kernel failed: %d\n", ret);
        return c_long::from(ret);
    }
    let ret = entropy::seed_from_dce();
    if ret != 0 {
        node::log_int(
            c"lkl-dce: cannot seed the kernel's randomness: %d\n",
            ret as c_int,
        );
    }
    0
}

// The exported symbol has the type the header gives it.
const _: dce_abi::SimInit = Some(sim_init);

/// `sim_init(exported, imported, kernel)`: the one symbol `liblkl.so`
/// exports (abi.rst "The entry point: sim_init").
///
/// Copies `*imported` into this node's state, fills `task_create`,
/// `task_destroy` and `task_get_private` first, then every other slot of
/// `*exported`, registers the host operations and boots the kernel;
/// returns when the kernel is up (or failed to boot, which is logged
/// through `vprintf`).
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
    let n = node::node();
    n.install(dce::Dce::new(imported, kernel));

    // SAFETY: `exported` points to DCE's writable SimExported (caller
    // contract); nothing else accesses it during this call.
    let exported = unsafe { &mut *exported };
    // DCE calls these from inside task_current/task_start/task_wakeup, so
    // they are filled before anything else (abi.rst "The entry point:
    // sim_init").
    exported.task_create = Some(task::task_create);
    exported.task_destroy = Some(task::task_destroy);
    exported.task_get_private = Some(task::task_get_private);
    exported::fill(exported);

    host_ops::fill(n.ops());
    // SAFETY: the node's operations table, in our static, which stays valid
    // (and at this address) for the life of the library.
    let ret = unsafe { lkl_sys::lkl_init(n.ops()) };
    if ret != 0 {
        node::log_int(c"lkl-dce: lkl_init failed: %d\n", ret);
        return;
    }
    defer::start();
    // sim_init runs in a DCE-internal task, which may wait if the boot
    // needs virtual time to pass.
    call::call(Request::new("sim_init", op_boot, [0; 6]));
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
    fn linebuf_truncates() {
        use core::fmt::Write as _;
        let mut b = node::LineBuf::new();
        for _ in 0..100 {
            let _ = write!(b, "0123456789");
        }
        assert_eq!(b.as_bytes().len(), node::LineBuf::CAP);
    }
}
