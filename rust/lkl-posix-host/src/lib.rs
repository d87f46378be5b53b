//! POSIX host for the ARCH=lkl kernel library.
//!
//! [`host_ops`] returns a `struct lkl_host_operations` (see
//! `arch-dce/include/uapi/asm/host_ops.h`) implemented with pthreads and
//! libc; [`boot`] registers it (`lkl_init`) and boots the kernel
//! (`lkl_start_kernel`).  The kernel object `lkl.o` itself is linked by the
//! final binary, not by this crate.
//!
//! | member | implementation |
//! |---|---|
//! | `virtio_devices` | NULL |
//! | `print` | [`log::print`]: capture buffer ([`boot_log`]) + stderr |
//! | `panic` | [`log::panic`]: message, abort |
//! | `sem_*` | [`sync::Semaphore`]: counting semaphore, mutex + condvar |
//! | `mutex_*` | [`sync::HostMutex`]: raw / reentrant `parking_lot` mutex |
//! | `thread_create/detach/join/self/equal/stack` | [`thread`]: raw pthreads |
//! | `thread_exit` | C: `longjmp` to the thread's entry frame |
//! | `tls_*` | [`tls`]: pthread keys with the kernel's destructor |
//! | `mem_*`, `page_*`, `memcpy/memset/memmove` | [`mem`]: malloc, mmap, libc |
//! | `time`, `timer_*` | [`time`]: `CLOCK_MONOTONIC`, one timer thread |
//! | `jmp_buf_set/longjmp` | C: `setjmp`/`longjmp` in the 1024-byte buffer |
//! | `ioremap`, `iomem_access`, `mmap`, `munmap`, `shmem_*`, `pci_ops` | NULL |

use core::ffi::c_int;
use core::ptr;
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};

use lkl_sys::{Errno, LklHostOperations};

pub mod log;
pub mod mem;
pub mod sync;
pub mod thread;
pub mod time;
pub mod tls;

pub use log::{boot_log, set_log_echo};

/// The ops table as a `static`: it holds raw pointers (all NULL), so it needs
/// a wrapper to be `Sync`.
struct SyncOps(LklHostOperations);

// SAFETY: the table is immutable, its pointer members are NULL and its
// function pointers are plain code addresses: sharing it between threads is
// harmless.
unsafe impl Sync for SyncOps {}

static HOST_OPS: SyncOps = SyncOps(LklHostOperations {
    virtio_devices: ptr::null(),
    print: Some(log::print),
    panic: Some(log::panic),
    sem_alloc: Some(sync::sem_alloc),
    sem_free: Some(sync::sem_free),
    sem_up: Some(sync::sem_up),
    sem_down: Some(sync::sem_down),
    mutex_alloc: Some(sync::mutex_alloc),
    mutex_free: Some(sync::mutex_free),
    mutex_lock: Some(sync::mutex_lock),
    mutex_unlock: Some(sync::mutex_unlock),
    thread_create: Some(thread::thread_create),
    thread_detach: Some(thread::thread_detach),
    thread_exit: Some(thread::lkl_posix_thread_exit),
    thread_join: Some(thread::thread_join),
    thread_self: Some(thread::thread_self),
    thread_equal: Some(thread::thread_equal),
    thread_stack: Some(thread::thread_stack),
    tls_alloc: Some(tls::tls_alloc),
    tls_free: Some(tls::tls_free),
    tls_set: Some(tls::tls_set),
    tls_get: Some(tls::tls_get),
    mem_alloc: Some(mem::mem_alloc),
    mem_free: Some(mem::mem_free),
    page_alloc: Some(mem::page_alloc),
    page_free: Some(mem::page_free),
    time: Some(time::time),
    timer_alloc: Some(time::timer_alloc),
    timer_set_oneshot: Some(time::timer_set_oneshot),
    timer_free: Some(time::timer_free),
    ioremap: None,
    iomem_access: None,
    jmp_buf_set: Some(thread::lkl_posix_jmp_buf_set),
    jmp_buf_longjmp: Some(thread::lkl_posix_jmp_buf_longjmp),
    memcpy: Some(mem::memcpy),
    memset: Some(mem::memset),
    memmove: Some(mem::memmove),
    mmap: None,
    munmap: None,
    shmem_init: None,
    shmem_mmap: None,
    pci_ops: ptr::null_mut(),
});

/// The POSIX host operations (a process-wide immutable table).
pub fn host_ops() -> &'static LklHostOperations {
    &HOST_OPS.0
}

static BOOT_ATTEMPTED: AtomicBool = AtomicBool::new(false);

fn check(ret: c_int) -> Result<(), Errno> {
    if ret < 0 {
        Err(Errno(-ret))
    } else {
        Ok(())
    }
}

/// Registers [`host_ops`] with `lkl_init` and boots the kernel with
/// `lkl_start_kernel("%s", cmdline)`.
///
/// A process can boot the kernel only once: any later call fails with
/// `EBUSY` (even if the first attempt failed).  A command line containing a
/// NUL byte fails with `EINVAL`.  On success the calling thread has become
/// the kernel's first host task and every thread may issue system calls.
pub fn boot(cmdline: &str) -> Result<(), Errno> {
    let cmdline = CString::new(cmdline).map_err(|_| Errno::EINVAL)?;
    if BOOT_ATTEMPTED.swap(true, Ordering::SeqCst) {
        return Err(Errno::EBUSY);
    }
    // The kernel keeps the pointer for its whole life and gets a mutable
    // one: give it its own never-freed copy rather than the shared static.
    let ops: &'static mut LklHostOperations = Box::leak(Box::new(*host_ops()));
    // SAFETY: `ops` is a valid, complete table that lives forever.
    check(unsafe { lkl_sys::lkl_init(ops) })?;
    // SAFETY: a "%s" format with exactly one NUL-terminated string argument.
    check(unsafe { lkl_sys::lkl_start_kernel(c"%s".as_ptr(), cmdline.as_ptr()) })
}

#[cfg(test)]
mod tests;
