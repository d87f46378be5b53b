//! Raw mirror of `arch-dce/include/uapi/asm/host_ops.h`.
//!
//! The C header is the single source of truth.  Every type here is checked
//! against `bindgen`'s view of that header at compile time (see the private
//! `layout` module): size, alignment, the offset of every member of
//! [`LklHostOperations`] and [`LklJmpBuf`], the exact type of every member, and
//! the signature of every entry point declared below.

use core::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_ulonglong, c_void};
use core::marker::{PhantomData, PhantomPinned};

macro_rules! opaque {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[repr(C)]
        pub struct $name {
            _data: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    };
}

opaque!(
    /// `struct lkl_sem`: a host counting semaphore (opaque to the kernel).
    LklSem
);
opaque!(
    /// `struct lkl_mutex`: a host mutex (opaque to the kernel).
    LklMutex
);
opaque!(
    /// `struct lkl_tls_key`: a host per-thread storage slot (opaque).
    LklTlsKey
);
opaque!(
    /// `struct lkl_dev_pci_ops`: user space PCI backend (unused, opaque).
    LklDevPciOps
);

/// `lkl_thread_t`: identity of a host thread (`pthread_t` on glibc).
pub type LklThread = c_ulong;

/// `struct lkl_jmp_buf`: opaque storage for the host's setjmp context.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct LklJmpBuf {
    /// Raw storage (1024 bytes on LP64).
    pub buf: [c_ulong; 128],
}

impl Default for LklJmpBuf {
    fn default() -> Self {
        Self { buf: [0; 128] }
    }
}

/// `enum lkl_prot` (an `unsigned int` sized C enum).
pub type LklProt = c_uint;
/// `LKL_HOST_PROT_NONE`
pub const LKL_HOST_PROT_NONE: LklProt = 0;
/// `LKL_HOST_PROT_READ`
pub const LKL_HOST_PROT_READ: LklProt = 1;
/// `LKL_HOST_PROT_WRITE`
pub const LKL_HOST_PROT_WRITE: LklProt = 2;
/// `LKL_HOST_PROT_EXEC`
pub const LKL_HOST_PROT_EXEC: LklProt = 4;

/// Entry function of a host thread: `void (*f)(void *)`.
pub type LklThreadFn = unsafe extern "C" fn(arg: *mut c_void);
/// Argument-less callback: `void (*f)(void)` (timers, `jmp_buf_set`).
pub type LklVoidFn = unsafe extern "C" fn();
/// TLS destructor: `void (*destructor)(void *)`.
pub type LklTlsDestructor = unsafe extern "C" fn(data: *mut c_void);

/// `struct lkl_host_operations`, member by member, in header order.
///
/// See the rustdoc of `lkl-posix-host` for what each operation must do.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct LklHostOperations {
    /// String appended to the kernel command line (may be NULL).
    pub virtio_devices: *const c_char,

    /// Console output sink (optional).
    pub print: Option<unsafe extern "C" fn(str: *const c_char, len: c_int)>,
    /// Called when the kernel panics.
    pub panic: Option<unsafe extern "C" fn()>,

    /// Allocate a counting semaphore with the given initial count.
    pub sem_alloc: Option<unsafe extern "C" fn(count: c_int) -> *mut LklSem>,
    /// Free a semaphore.
    pub sem_free: Option<unsafe extern "C" fn(sem: *mut LklSem)>,
    /// Increment; wakes one waiter.
    pub sem_up: Option<unsafe extern "C" fn(sem: *mut LklSem)>,
    /// Wait until the count is positive, then decrement.
    pub sem_down: Option<unsafe extern "C" fn(sem: *mut LklSem)>,

    /// Allocate a mutex, recursive if `recursive` is non-zero.
    pub mutex_alloc: Option<unsafe extern "C" fn(recursive: c_int) -> *mut LklMutex>,
    /// Free a mutex.
    pub mutex_free: Option<unsafe extern "C" fn(mutex: *mut LklMutex)>,
    /// Lock a mutex.
    pub mutex_lock: Option<unsafe extern "C" fn(mutex: *mut LklMutex)>,
    /// Unlock a mutex.
    pub mutex_unlock: Option<unsafe extern "C" fn(mutex: *mut LklMutex)>,

    /// Run `f(arg)` on a new host thread; returns 0 on failure.
    pub thread_create:
        Option<unsafe extern "C" fn(f: Option<LklThreadFn>, arg: *mut c_void) -> LklThread>,
    /// Detach the calling host thread.
    pub thread_detach: Option<unsafe extern "C" fn()>,
    /// Terminate the calling host thread; never returns.
    pub thread_exit: Option<unsafe extern "C" fn()>,
    /// Wait for a (not detached) host thread to terminate.
    pub thread_join: Option<unsafe extern "C" fn(tid: LklThread) -> c_int>,
    /// Identity of the calling host thread.
    pub thread_self: Option<unsafe extern "C" fn() -> LklThread>,
    /// Non-zero if two identities are the same thread.
    pub thread_equal: Option<unsafe extern "C" fn(a: LklThread, b: LklThread) -> c_int>,
    /// Base and size of the calling thread's stack (optional).
    pub thread_stack: Option<unsafe extern "C" fn(size: *mut c_ulong) -> *mut c_void>,

    /// Allocate a per-thread slot with a destructor.
    pub tls_alloc:
        Option<unsafe extern "C" fn(destructor: Option<LklTlsDestructor>) -> *mut LklTlsKey>,
    /// Free a per-thread slot.
    pub tls_free: Option<unsafe extern "C" fn(key: *mut LklTlsKey)>,
    /// Set the calling thread's value.
    pub tls_set: Option<unsafe extern "C" fn(key: *mut LklTlsKey, data: *mut c_void) -> c_int>,
    /// Get the calling thread's value.
    pub tls_get: Option<unsafe extern "C" fn(key: *mut LklTlsKey) -> *mut c_void>,

    /// Allocate host memory.
    pub mem_alloc: Option<unsafe extern "C" fn(size: c_ulong) -> *mut c_void>,
    /// Free host memory.
    pub mem_free: Option<unsafe extern "C" fn(addr: *mut c_void)>,
    /// Allocate page-aligned memory for the kernel's RAM (optional).
    pub page_alloc: Option<unsafe extern "C" fn(size: c_ulong) -> *mut c_void>,
    /// Free memory from `page_alloc`.
    pub page_free: Option<unsafe extern "C" fn(addr: *mut c_void, size: c_ulong)>,

    /// Monotonic time in nanoseconds.
    pub time: Option<unsafe extern "C" fn() -> c_ulonglong>,

    /// Create a one-shot timer that calls `fn` when it expires.
    pub timer_alloc: Option<unsafe extern "C" fn(func: Option<LklVoidFn>) -> *mut c_void>,
    /// Arm a timer to expire `delta` nanoseconds from now.
    pub timer_set_oneshot:
        Option<unsafe extern "C" fn(timer: *mut c_void, delta: c_ulong) -> c_int>,
    /// Disarm and free a timer.
    pub timer_free: Option<unsafe extern "C" fn(timer: *mut c_void)>,

    /// Map an I/O region (optional).
    pub ioremap: Option<unsafe extern "C" fn(addr: c_long, size: c_int) -> *mut c_void>,
    /// Read or write an I/O region (optional).
    pub iomem_access: Option<
        unsafe extern "C" fn(
            addr: *const c_void,
            val: *mut c_void,
            size: c_int,
            write: c_int,
        ) -> c_int,
    >,

    /// Save the calling context in `jmpb`, then call `f`.
    pub jmp_buf_set: Option<unsafe extern "C" fn(jmpb: *mut LklJmpBuf, f: Option<LklVoidFn>)>,
    /// Resume the context saved in `jmpb`.
    pub jmp_buf_longjmp: Option<unsafe extern "C" fn(jmpb: *mut LklJmpBuf, val: c_int)>,

    /// Host memcpy.
    pub memcpy: Option<
        unsafe extern "C" fn(dest: *mut c_void, src: *const c_void, count: c_ulong) -> *mut c_void,
    >,
    /// Host memset.
    pub memset:
        Option<unsafe extern "C" fn(s: *mut c_void, c: c_int, count: c_ulong) -> *mut c_void>,
    /// Host memmove.
    pub memmove: Option<
        unsafe extern "C" fn(dest: *mut c_void, src: *const c_void, count: c_ulong) -> *mut c_void,
    >,

    /// Map anonymous memory at `addr` (optional, MMU only).
    pub mmap: Option<
        unsafe extern "C" fn(addr: *mut c_void, size: c_ulong, prot: LklProt) -> *mut c_void,
    >,
    /// Unmap memory (optional, MMU only).
    pub munmap: Option<unsafe extern "C" fn(addr: *mut c_void, size: c_ulong) -> c_int>,
    /// Create the physical memory object (MMU only).
    pub shmem_init: Option<unsafe extern "C" fn(size: c_ulong) -> c_int>,
    /// Map physical memory (MMU only).
    pub shmem_mmap: Option<
        unsafe extern "C" fn(
            addr: *mut c_void,
            pg_off: c_ulong,
            size: c_ulong,
            prot: LklProt,
        ) -> *mut c_void,
    >,

    /// User space PCI backend (optional, unused).
    pub pci_ops: *mut LklDevPciOps,
}

// ---- network devices and poll waiters of the host (see host_ops.h) -----

/// `LKL_NETDEV_NOARP`: the device never resolves addresses (no ARP).
pub const LKL_NETDEV_NOARP: c_uint = 1 << 0;
/// `LKL_NETDEV_POINTTOPOINT`: `IFF_POINTOPOINT`.
pub const LKL_NETDEV_POINTTOPOINT: c_uint = 1 << 1;
/// `LKL_NETDEV_MULTICAST`: `IFF_MULTICAST`.
pub const LKL_NETDEV_MULTICAST: c_uint = 1 << 2;
/// `LKL_NETDEV_BROADCAST`: `IFF_BROADCAST`.
pub const LKL_NETDEV_BROADCAST: c_uint = 1 << 3;

/// `LKL_NETDEV_SET_MAC`: `arg` points to 6 bytes.
pub const LKL_NETDEV_SET_MAC: c_uint = 1;
/// `LKL_NETDEV_SET_MTU`: `arg` is the L3 MTU.
pub const LKL_NETDEV_SET_MTU: c_uint = 2;
/// `LKL_NETDEV_DESTROY`: unregister the device.
pub const LKL_NETDEV_DESTROY: c_uint = 3;

/// `__NR_lkl_netdev_create` (`__NR_arch_specific_syscall + 0`).
pub const NR_LKL_NETDEV_CREATE: c_long = crate::sysno::SYS_lkl_netdev_create;
/// `__NR_lkl_netdev_ctl`
pub const NR_LKL_NETDEV_CTL: c_long = crate::sysno::SYS_lkl_netdev_ctl;
/// `__NR_lkl_poll_add`
pub const NR_LKL_POLL_ADD: c_long = crate::sysno::SYS_lkl_poll_add;
/// `__NR_lkl_poll_del`
pub const NR_LKL_POLL_DEL: c_long = crate::sysno::SYS_lkl_poll_del;

opaque!(
    /// `struct lkl_netdev`: a device handle from `lkl_netdev_create`.
    LklNetdev
);
opaque!(
    /// `struct lkl_poll`: a poll waiter handle from `lkl_poll_add`.
    LklPoll
);

/// `lkl_netdev_xmit_t`: called once per frame the kernel sends.
pub type LklNetdevXmit =
    unsafe extern "C" fn(cookie: *mut c_void, frame: *const c_void, len: c_int) -> c_int;

/// `lkl_poll_notify_t`: called on every matching wake-up of a waiter.
pub type LklPollNotify = unsafe extern "C" fn(cookie: *mut c_void, key: c_uint);

/// `struct lkl_netdev_frame`: a received frame, header plus `len` bytes of
/// `data`, allocated with `ops->mem_alloc` (the kernel frees it).
#[repr(C)]
pub struct LklNetdevFrame {
    /// The kernel's link while the frame is queued.
    pub next: *mut LklNetdevFrame,
    /// The receiving device.
    pub dev: *mut LklNetdev,
    /// Bytes in `data`, Ethernet header included.
    pub len: c_uint,
    /// Zero.
    pub reserved: c_uint,
    /// The frame (flexible array member).
    pub data: [u8; 0],
}

extern "C" {
    /// Register the host operations. Returns 0 or `-EINVAL` if a required
    /// operation is missing (named through `ops->print`).
    pub fn lkl_init(ops: *mut LklHostOperations) -> c_int;
    /// Boot the kernel with a printf-style command line.
    pub fn lkl_start_kernel(fmt: *const c_char, ...) -> c_int;
    /// Non-zero between a successful boot and the halt.
    pub fn lkl_is_running() -> c_int;
    /// Shut the kernel down; 0 or a negative error code.
    pub fn lkl_sys_halt() -> c_long;
    /// Release what `lkl_init` set up, after `lkl_sys_halt`.
    pub fn lkl_cleanup();
    /// Run system call `no` with six parameters on the calling thread.
    pub fn lkl_syscall(no: c_long, params: *mut c_long) -> c_long;
    /// Stop waiting for the system call host thread `thread` runs: its
    /// accesses to user memory fail with `-EFAULT` from now on.  0,
    /// `-ESRCH` or `-ENODEV`.
    pub fn lkl_syscall_abandon(thread: LklThread) -> c_int;
    /// Raise interrupt `irq` from any host thread.
    pub fn lkl_trigger_irq(irq: c_int) -> c_int;
    /// Reserve an interrupt number for `user`.
    pub fn lkl_get_free_irq(user: *const c_char) -> c_int;
    /// Release an interrupt number reserved for `user`.
    pub fn lkl_put_irq(irq: c_int, user: *const c_char);
    /// Hand a received frame to the kernel, from any host context.
    pub fn lkl_netdev_rx(frame: *mut LklNetdevFrame);
}
