//! The `struct lkl_host_operations` of a node: which module serves each
//! operation (`Documentation/dce/design.rst`, "Mapping the host
//! operations").

use crate::node;
use crate::{mem, sync, thread, time};
use core::ffi::{c_char, c_int};
use core::ptr;
use lkl_sys::{LklHostOperations, LklJmpBuf, LklVoidFn};

extern "C" {
    /// `__builtin_setjmp`/`__builtin_longjmp` (csrc/glue.c): the jumps are
    /// always up the same green thread's stack.
    fn lkl_dce_jmp_buf_set(jmpb: *mut LklJmpBuf, f: Option<LklVoidFn>);
    fn lkl_dce_jmp_buf_longjmp(jmpb: *mut LklJmpBuf, val: c_int);
}

unsafe extern "C" fn print(s: *const c_char, len: c_int) {
    if s.is_null() || len <= 0 {
        return;
    }
    // SAFETY: the kernel passes `len` readable bytes.
    let bytes = unsafe { core::slice::from_raw_parts(s as *const u8, len as usize) };
    node::log_bytes(bytes)
}

unsafe extern "C" fn panic() {
    node::fatal(b"lkl-dce: kernel panic: this node's kernel is stopped\n")
}

/// Fills `ops` (this node's table, not yet handed to `lkl_init`).
pub fn fill(ops: *mut LklHostOperations) {
    // SAFETY: `ops` points to the node's table, which nothing else uses
    // until lkl_init.
    let o = unsafe { &mut *ops };
    o.virtio_devices = ptr::null();
    o.print = Some(print);
    o.panic = Some(panic);
    o.sem_alloc = Some(sync::sem_alloc);
    o.sem_free = Some(sync::sem_free);
    o.sem_up = Some(sync::sem_up);
    o.sem_down = Some(sync::sem_down);
    o.mutex_alloc = Some(sync::mutex_alloc);
    o.mutex_free = Some(sync::mutex_free);
    o.mutex_lock = Some(sync::mutex_lock);
    o.mutex_unlock = Some(sync::mutex_unlock);
    o.thread_create = Some(thread::thread_create);
    o.thread_detach = Some(thread::thread_detach);
    o.thread_exit = Some(thread::thread_exit);
    o.thread_join = Some(thread::thread_join);
    o.thread_self = Some(thread::thread_self);
    o.thread_equal = Some(thread::thread_equal);
    o.thread_stack = None;
    o.tls_alloc = Some(thread::tls_alloc);
    o.tls_free = Some(thread::tls_free);
    o.tls_set = Some(thread::tls_set);
    o.tls_get = Some(thread::tls_get);
    o.mem_alloc = Some(mem::mem_alloc);
    o.mem_free = Some(mem::mem_free);
    o.page_alloc = Some(mem::page_alloc);
    o.page_free = Some(mem::page_free);
    o.time = Some(time::time);
    o.timer_alloc = Some(time::timer_alloc);
    o.timer_set_oneshot = Some(time::timer_set_oneshot);
    o.timer_free = Some(time::timer_free);
    o.ioremap = None;
    o.iomem_access = None;
    o.jmp_buf_set = Some(lkl_dce_jmp_buf_set);
    o.jmp_buf_longjmp = Some(lkl_dce_jmp_buf_longjmp);
    o.memcpy = Some(mem::memcpy);
    o.memset = Some(mem::memset);
    o.memmove = Some(mem::memmove);
    o.mmap = None;
    o.munmap = None;
    o.shmem_init = None;
    o.shmem_mmap = None;
    o.pci_ops = ptr::null_mut();
}
