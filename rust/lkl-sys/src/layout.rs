//! Compile-time checks of [`crate::ffi`] against the C contract header.
//!
//! `build.rs` runs `bindgen` on `host_ops.h` twice:
//! * `host_ops_types.rs`: `struct lkl_host_operations` and
//!   `struct lkl_jmp_buf` as clang lays them out (the opaque `lkl_sem`,
//!   `lkl_mutex`, `lkl_tls_key` and `lkl_dev_pci_ops` are mapped to ours);
//! * `host_ops_fns.rs`: the entry points, with every contract type mapped to
//!   ours.
//!
//! This module fails to compile if any size, alignment, member offset, member
//! type or entry point signature differs between our mirror and the header.

use crate::ffi::{self, LklHostOperations, LklJmpBuf, LklThreadFn, LklTlsDestructor, LklVoidFn};
use core::ffi::{c_char, c_int, c_long};
use core::mem::{align_of, offset_of, size_of};
use static_assertions::const_assert_eq;

#[allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    unused_imports,
    unsafe_op_in_unsafe_fn,
    clippy::all
)]
mod c_types {
    use crate::ffi::{
        LklDevPciOps as lkl_dev_pci_ops, LklMutex as lkl_mutex, LklNetdev as lkl_netdev,
        LklSem as lkl_sem, LklTlsKey as lkl_tls_key,
    };
    include!(concat!(env!("OUT_DIR"), "/host_ops_types.rs"));
}

#[allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    unused_imports,
    unsafe_op_in_unsafe_fn,
    clippy::all
)]
mod c_fns {
    use crate::ffi::{
        LklDevPciOps as lkl_dev_pci_ops, LklHostOperations as lkl_host_operations,
        LklJmpBuf as lkl_jmp_buf, LklMutex as lkl_mutex, LklNetdev as lkl_netdev,
        LklNetdevFrame as lkl_netdev_frame, LklSem as lkl_sem, LklTlsKey as lkl_tls_key,
    };
    include!(concat!(env!("OUT_DIR"), "/host_ops_fns.rs"));
}

// ---- struct lkl_jmp_buf --------------------------------------------------
const_assert_eq!(size_of::<LklJmpBuf>(), size_of::<c_types::lkl_jmp_buf>());
const_assert_eq!(align_of::<LklJmpBuf>(), align_of::<c_types::lkl_jmp_buf>());
const_assert_eq!(
    offset_of!(LklJmpBuf, buf),
    offset_of!(c_types::lkl_jmp_buf, buf)
);
const _: fn(&LklJmpBuf, &c_types::lkl_jmp_buf) = |o, c| {
    let _ = [o.buf, c.buf];
};

// ---- struct lkl_host_operations: size, alignment, every member offset ----
const_assert_eq!(
    size_of::<LklHostOperations>(),
    size_of::<c_types::lkl_host_operations>()
);
const_assert_eq!(
    align_of::<LklHostOperations>(),
    align_of::<c_types::lkl_host_operations>()
);

macro_rules! same_members {
    ($($field:ident),* $(,)?) => {
        // Same offset for every member.
        $(
            const_assert_eq!(
                offset_of!(LklHostOperations, $field),
                offset_of!(c_types::lkl_host_operations, $field)
            );
        )*
        // The listed members cover the whole struct: the sum of their sizes
        // plus padding cannot hide a member we do not mirror, because the
        // last listed member must end exactly where the struct ends.
        const _: () = {
            let mut end = 0usize;
            $(
                let off = offset_of!(c_types::lkl_host_operations, $field);
                assert!(off >= end, "members out of order");
                end = off + size_of::<*const u8>();
            )*
            assert!(end == size_of::<c_types::lkl_host_operations>(), "unmirrored trailing member");
        };
    };
}

same_members!(
    virtio_devices,
    print,
    panic,
    sem_alloc,
    sem_free,
    sem_up,
    sem_down,
    mutex_alloc,
    mutex_free,
    mutex_lock,
    mutex_unlock,
    thread_create,
    thread_detach,
    thread_exit,
    thread_join,
    thread_self,
    thread_equal,
    thread_stack,
    tls_alloc,
    tls_free,
    tls_set,
    tls_get,
    mem_alloc,
    mem_free,
    page_alloc,
    page_free,
    time,
    timer_alloc,
    timer_set_oneshot,
    timer_free,
    ioremap,
    iomem_access,
    jmp_buf_set,
    jmp_buf_longjmp,
    memcpy,
    memset,
    memmove,
    mmap,
    munmap,
    shmem_init,
    shmem_mmap,
    pci_ops,
);

// Every member is pointer sized, so consecutive offsets must be dense.
const_assert_eq!(size_of::<LklHostOperations>(), 42 * size_of::<*const u8>());

// ---- exact member types ---------------------------------------------------
// `[a, b]` only type-checks if both members have exactly the same type.
const _: fn(&LklHostOperations, &c_types::lkl_host_operations) = |o, c| {
    let _ = [o.virtio_devices, c.virtio_devices];
    let _ = [o.print, c.print];
    let _ = [o.panic, c.panic];
    let _ = [o.sem_alloc, c.sem_alloc];
    let _ = [o.sem_free, c.sem_free];
    let _ = [o.sem_up, c.sem_up];
    let _ = [o.sem_down, c.sem_down];
    let _ = [o.mutex_alloc, c.mutex_alloc];
    let _ = [o.mutex_free, c.mutex_free];
    let _ = [o.mutex_lock, c.mutex_lock];
    let _ = [o.mutex_unlock, c.mutex_unlock];
    let _ = [o.thread_create, c.thread_create];
    let _ = [o.thread_detach, c.thread_detach];
    let _ = [o.thread_exit, c.thread_exit];
    let _ = [o.thread_join, c.thread_join];
    let _ = [o.thread_self, c.thread_self];
    let _ = [o.thread_equal, c.thread_equal];
    let _ = [o.thread_stack, c.thread_stack];
    let _ = [o.tls_alloc, c.tls_alloc];
    let _ = [o.tls_free, c.tls_free];
    let _ = [o.tls_set, c.tls_set];
    let _ = [o.tls_get, c.tls_get];
    let _ = [o.mem_alloc, c.mem_alloc];
    let _ = [o.mem_free, c.mem_free];
    let _ = [o.page_alloc, c.page_alloc];
    let _ = [o.page_free, c.page_free];
    let _ = [o.time, c.time];
    let _ = [o.timer_alloc, c.timer_alloc];
    let _ = [o.timer_set_oneshot, c.timer_set_oneshot];
    let _ = [o.timer_free, c.timer_free];
    let _ = [o.ioremap, c.ioremap];
    let _ = [o.iomem_access, c.iomem_access];
    // These two mention `struct lkl_jmp_buf`, which bindgen generated itself
    // (so that its layout could be checked above): spell the expected type.
    let _: Option<unsafe extern "C" fn(*mut LklJmpBuf, Option<LklVoidFn>)> = o.jmp_buf_set;
    let _: Option<unsafe extern "C" fn(*mut c_types::lkl_jmp_buf, Option<LklVoidFn>)> =
        c.jmp_buf_set;
    let _: Option<unsafe extern "C" fn(*mut LklJmpBuf, c_int)> = o.jmp_buf_longjmp;
    let _: Option<unsafe extern "C" fn(*mut c_types::lkl_jmp_buf, c_int)> = c.jmp_buf_longjmp;
    let _ = [o.memcpy, c.memcpy];
    let _ = [o.memset, c.memset];
    let _ = [o.memmove, c.memmove];
    let _ = [o.mmap, c.mmap];
    let _ = [o.munmap, c.munmap];
    let _ = [o.shmem_init, c.shmem_init];
    let _ = [o.shmem_mmap, c.shmem_mmap];
    let _ = [o.pci_ops, c.pci_ops];
};

// The callback typedefs used in `ffi` are the ones the header spells out.
const _: fn(&c_types::lkl_host_operations) = |c| {
    let _: Option<
        unsafe extern "C" fn(Option<LklThreadFn>, *mut core::ffi::c_void) -> ffi::LklThread,
    > = c.thread_create;
    let _: Option<unsafe extern "C" fn(Option<LklTlsDestructor>) -> *mut ffi::LklTlsKey> =
        c.tls_alloc;
    let _: Option<unsafe extern "C" fn(Option<LklVoidFn>) -> *mut core::ffi::c_void> =
        c.timer_alloc;
    let _: c_types::lkl_thread_t = ffi::LklThread::default();
    let _: c_types::lkl_prot = ffi::LKL_HOST_PROT_NONE;
};
const_assert_eq!(
    c_types::lkl_prot_LKL_HOST_PROT_NONE,
    ffi::LKL_HOST_PROT_NONE
);
const_assert_eq!(
    c_types::lkl_prot_LKL_HOST_PROT_READ,
    ffi::LKL_HOST_PROT_READ
);
const_assert_eq!(
    c_types::lkl_prot_LKL_HOST_PROT_WRITE,
    ffi::LKL_HOST_PROT_WRITE
);
const_assert_eq!(
    c_types::lkl_prot_LKL_HOST_PROT_EXEC,
    ffi::LKL_HOST_PROT_EXEC
);

// ---- entry point signatures -------------------------------------------------
// Both function items must coerce to the same pointer type.
const _: [unsafe extern "C" fn(*mut LklHostOperations) -> c_int; 2] =
    [ffi::lkl_init, c_fns::lkl_init];
const _: [unsafe extern "C" fn(*const c_char, ...) -> c_int; 2] =
    [ffi::lkl_start_kernel, c_fns::lkl_start_kernel];
const _: [unsafe extern "C" fn() -> c_int; 2] = [ffi::lkl_is_running, c_fns::lkl_is_running];
const _: [unsafe extern "C" fn() -> c_long; 2] = [ffi::lkl_sys_halt, c_fns::lkl_sys_halt];
const _: [unsafe extern "C" fn(); 2] = [ffi::lkl_cleanup, c_fns::lkl_cleanup];
const _: [unsafe extern "C" fn(c_long, *mut c_long) -> c_long; 2] =
    [ffi::lkl_syscall, c_fns::lkl_syscall];
const _: [unsafe extern "C" fn(c_int) -> c_int; 2] = [ffi::lkl_trigger_irq, c_fns::lkl_trigger_irq];
const _: [unsafe extern "C" fn(*const c_char) -> c_int; 2] =
    [ffi::lkl_get_free_irq, c_fns::lkl_get_free_irq];
const _: [unsafe extern "C" fn(c_int, *const c_char); 2] = [ffi::lkl_put_irq, c_fns::lkl_put_irq];
const _: [unsafe extern "C" fn(*mut ffi::LklNetdevFrame); 2] =
    [ffi::lkl_netdev_rx, c_fns::lkl_netdev_rx];

// ---- struct lkl_netdev_frame and the callback types ---------------------------
const_assert_eq!(
    size_of::<ffi::LklNetdevFrame>(),
    size_of::<c_types::lkl_netdev_frame>()
);
const_assert_eq!(
    align_of::<ffi::LklNetdevFrame>(),
    align_of::<c_types::lkl_netdev_frame>()
);
const_assert_eq!(
    offset_of!(ffi::LklNetdevFrame, next),
    offset_of!(c_types::lkl_netdev_frame, next)
);
const_assert_eq!(
    offset_of!(ffi::LklNetdevFrame, dev),
    offset_of!(c_types::lkl_netdev_frame, dev)
);
const_assert_eq!(
    offset_of!(ffi::LklNetdevFrame, len),
    offset_of!(c_types::lkl_netdev_frame, len)
);
const_assert_eq!(
    offset_of!(ffi::LklNetdevFrame, reserved),
    offset_of!(c_types::lkl_netdev_frame, reserved)
);
const_assert_eq!(
    offset_of!(ffi::LklNetdevFrame, data),
    offset_of!(c_types::lkl_netdev_frame, data)
);
const _: fn(&ffi::LklNetdevFrame, &c_types::lkl_netdev_frame) = |o, c| {
    let _ = [o.dev, c.dev];
    let _ = [o.len, c.len, o.reserved, c.reserved];
};
const _: fn(c_types::lkl_netdev_xmit_t) -> Option<ffi::LklNetdevXmit> = |f| f;
const _: fn(c_types::lkl_poll_notify_t) -> Option<ffi::LklPollNotify> = |f| f;
const_assert_eq!(c_types::LKL_NETDEV_NOARP, ffi::LKL_NETDEV_NOARP);
const_assert_eq!(
    c_types::LKL_NETDEV_POINTTOPOINT,
    ffi::LKL_NETDEV_POINTTOPOINT
);
const_assert_eq!(c_types::LKL_NETDEV_MULTICAST, ffi::LKL_NETDEV_MULTICAST);
const_assert_eq!(c_types::LKL_NETDEV_BROADCAST, ffi::LKL_NETDEV_BROADCAST);
const_assert_eq!(c_types::LKL_NETDEV_SET_MAC, ffi::LKL_NETDEV_SET_MAC);
const_assert_eq!(c_types::LKL_NETDEV_SET_MTU, ffi::LKL_NETDEV_SET_MTU);
const_assert_eq!(c_types::LKL_NETDEV_DESTROY, ffi::LKL_NETDEV_DESTROY);
