//! The host contract of `lkl.o` (`lkl/asm/host_ops.h`, installed from
//! `arch-dce/include/uapi/asm/host_ops.h`) under Rust names.
//!
//! Everything here is the bindgen output of [`crate::uapi`], generated once
//! from the installed header and documented by its kernel-doc comments:
//! this module only renames it (`struct lkl_host_operations` is
//! [`LklHostOperations`]), gives the callback types of the members a name,
//! and types the header's integer macros the way callers pass them.

use crate::uapi;
use core::ffi::{c_int, c_long, c_uint, c_void};

pub use uapi::{
    lkl_cleanup, lkl_get_free_irq, lkl_init, lkl_is_running, lkl_netdev_rx, lkl_put_irq,
    lkl_start_kernel, lkl_sys_halt, lkl_syscall, lkl_syscall_abandon, lkl_trigger_irq,
    LKL_HOST_PROT_EXEC, LKL_HOST_PROT_NONE, LKL_HOST_PROT_READ, LKL_HOST_PROT_WRITE,
};

/// `struct lkl_host_operations`: what the host gives the kernel.
pub type LklHostOperations = uapi::lkl_host_operations;
/// `struct lkl_jmp_buf`: storage for the host's setjmp context.
pub type LklJmpBuf = uapi::lkl_jmp_buf;
/// `struct lkl_sem`: a host counting semaphore (opaque to the kernel).
pub type LklSem = uapi::lkl_sem;
/// `struct lkl_mutex`: a host mutex (opaque to the kernel).
pub type LklMutex = uapi::lkl_mutex;
/// `struct lkl_tls_key`: a host per-thread storage slot (opaque).
pub type LklTlsKey = uapi::lkl_tls_key;
/// `struct lkl_dev_pci_ops`: user space PCI backend (unused, opaque).
pub type LklDevPciOps = uapi::lkl_dev_pci_ops;
/// `lkl_thread_t`: identity of a host thread.
pub type LklThread = uapi::lkl_thread_t;
/// `enum lkl_prot`.
pub type LklProt = uapi::lkl_prot;
/// `struct lkl_netdev`: a device handle from `lkl_netdev_create`.
pub type LklNetdev = uapi::lkl_netdev;
/// `struct lkl_poll`: a poll waiter handle from `lkl_poll_add`.
pub type LklPoll = uapi::lkl_poll;
/// `struct lkl_netdev_frame`: a received frame, header plus `len` bytes of
/// `data`, allocated with `ops->mem_alloc` (the kernel frees it).
pub type LklNetdevFrame = uapi::lkl_netdev_frame;

/// Entry function of a host thread: `void (*f)(void *)`.
pub type LklThreadFn = unsafe extern "C" fn(arg: *mut c_void);
/// Argument-less callback: `void (*f)(void)` (timers, `jmp_buf_set`).
pub type LklVoidFn = unsafe extern "C" fn();
/// TLS destructor: `void (*destructor)(void *)`.
pub type LklTlsDestructor = unsafe extern "C" fn(data: *mut c_void);
/// `lkl_netdev_xmit_t`: called once per frame the kernel sends.
pub type LklNetdevXmit =
    unsafe extern "C" fn(cookie: *mut c_void, frame: *const c_void, len: c_int) -> c_int;
/// `lkl_poll_notify_t`: called on every matching wake-up of a waiter.
pub type LklPollNotify = unsafe extern "C" fn(cookie: *mut c_void, key: c_uint);

// The named callback types are the members' own.
const _: fn(&LklHostOperations) = |o| {
    let _: Option<unsafe extern "C" fn(Option<LklThreadFn>, *mut c_void) -> LklThread> =
        o.thread_create;
    let _: Option<unsafe extern "C" fn(Option<LklVoidFn>) -> *mut c_void> = o.timer_alloc;
    let _: Option<unsafe extern "C" fn(Option<LklTlsDestructor>) -> *mut LklTlsKey> = o.tls_alloc;
    let _: uapi::lkl_netdev_xmit_t = None::<LklNetdevXmit>;
    let _: uapi::lkl_poll_notify_t = None::<LklPollNotify>;
};

crate::consts::uapi_consts! {
    /// `LKL_NETDEV_NOARP`: the device never resolves addresses (no ARP).
    LKL_NETDEV_NOARP: c_uint = LKL_NETDEV_NOARP;
    /// `LKL_NETDEV_POINTTOPOINT`: `IFF_POINTOPOINT`.
    LKL_NETDEV_POINTTOPOINT: c_uint = LKL_NETDEV_POINTTOPOINT;
    /// `LKL_NETDEV_MULTICAST`: `IFF_MULTICAST`.
    LKL_NETDEV_MULTICAST: c_uint = LKL_NETDEV_MULTICAST;
    /// `LKL_NETDEV_BROADCAST`: `IFF_BROADCAST`.
    LKL_NETDEV_BROADCAST: c_uint = LKL_NETDEV_BROADCAST;
    /// `LKL_NETDEV_SET_MAC`: `arg` points to 6 bytes.
    LKL_NETDEV_SET_MAC: c_uint = LKL_NETDEV_SET_MAC;
    /// `LKL_NETDEV_SET_MTU`: `arg` is the L3 MTU.
    LKL_NETDEV_SET_MTU: c_uint = LKL_NETDEV_SET_MTU;
    /// `LKL_NETDEV_DESTROY`: unregister the device.
    LKL_NETDEV_DESTROY: c_uint = LKL_NETDEV_DESTROY;
}

/// `__NR_lkl_netdev_create`.
pub const NR_LKL_NETDEV_CREATE: c_long = crate::sysno::SYS_lkl_netdev_create;
/// `__NR_lkl_netdev_ctl`.
pub const NR_LKL_NETDEV_CTL: c_long = crate::sysno::SYS_lkl_netdev_ctl;
/// `__NR_lkl_poll_add`.
pub const NR_LKL_POLL_ADD: c_long = crate::sysno::SYS_lkl_poll_add;
/// `__NR_lkl_poll_del`.
pub const NR_LKL_POLL_DEL: c_long = crate::sysno::SYS_lkl_poll_del;
