//! Host threads (`thread_*`) and jump buffers (`jmp_buf_*`).
//!
//! `thread_exit` and the two jump-buffer operations are implemented in C
//! (`csrc/posix_host.c`) and referenced directly from the ops table, so that
//! `longjmp` only ever skips C frames.

use core::cell::Cell;
use core::ffi::{c_int, c_ulong, c_void};
use core::mem::MaybeUninit;
use core::ptr;

use lkl_sys::{LklJmpBuf, LklThread, LklThreadFn, LklVoidFn};

extern "C" {
    /// Runs `f(arg)` under a per-thread `setjmp`, so that
    /// [`lkl_posix_thread_exit`] can return here from any depth.
    fn lkl_posix_run_thread(f: LklThreadFn, arg: *mut c_void);

    /// `thread_exit()`: terminates the calling host thread, which must have
    /// been created by [`thread_create`]: `longjmp`s back into the thread's
    /// entry frame, which then returns normally from the pthread start
    /// routine (so pthread TLS destructors still run).  Never returns.
    /// Aborts the process if called on any other thread.
    pub fn lkl_posix_thread_exit();

    /// `jmp_buf_set(jmpb, f)`: saves the calling context in `jmpb` (glibc
    /// `setjmp`; `jmp_buf` fits in the 1024-byte `lkl_jmp_buf`, checked by a
    /// `_Static_assert`) and calls `f()`.  Returns when `f` returns or when
    /// [`lkl_posix_jmp_buf_longjmp`] is called on `jmpb`.
    pub fn lkl_posix_jmp_buf_set(jmpb: *mut LklJmpBuf, f: Option<LklVoidFn>);

    /// `jmp_buf_longjmp(jmpb, val)`: resumes the context saved in `jmpb` by
    /// [`lkl_posix_jmp_buf_set`] (which must still be active on this
    /// thread's stack).  Never returns.
    pub fn lkl_posix_jmp_buf_longjmp(jmpb: *mut LklJmpBuf, val: c_int);
}

struct Start {
    f: LklThreadFn,
    arg: *mut c_void,
}

extern "C" fn trampoline(p: *mut c_void) -> *mut c_void {
    // SAFETY: `p` is the Box<Start> leaked by thread_create for this thread
    // only; it is reclaimed exactly once, here.
    let Start { f, arg } = *unsafe { Box::from_raw(p.cast::<Start>()) };
    // SAFETY: `f` and `arg` are what the kernel handed to thread_create.
    // Only C frames lie between this call and a thread_exit longjmp.
    unsafe { lkl_posix_run_thread(f, arg) };
    ptr::null_mut()
}

/// `thread_create(f, arg)`: runs `f(arg)` on a new joinable pthread (default
/// attributes) and returns its `pthread_t`, or 0 if it could not be created.
///
/// # Safety
///
/// `f` must be safe to call with `arg` on another thread.
pub unsafe extern "C" fn thread_create(f: Option<LklThreadFn>, arg: *mut c_void) -> LklThread {
    let Some(f) = f else {
        return 0;
    };
    let start = Box::into_raw(Box::new(Start { f, arg }));
    let mut tid = MaybeUninit::<libc::pthread_t>::uninit();
    // SAFETY: `tid` is writable, NULL attributes mean defaults, and the
    // trampoline takes ownership of `start`.
    let rc =
        unsafe { libc::pthread_create(tid.as_mut_ptr(), ptr::null(), trampoline, start.cast()) };
    if rc != 0 {
        // SAFETY: the thread was not created, so `start` is still ours.
        drop(unsafe { Box::from_raw(start) });
        return 0;
    }
    // SAFETY: pthread_create succeeded and filled `tid`.
    unsafe { tid.assume_init() }
}

/// `thread_detach()`: detaches the calling thread (`pthread_detach(pthread_self())`).
///
/// # Safety
///
/// The calling thread must not be joined afterwards.
pub unsafe extern "C" fn thread_detach() {
    // SAFETY: detaching ourselves; nobody joins us per the caller's contract.
    unsafe { libc::pthread_detach(libc::pthread_self()) };
}

/// `thread_join(tid)`: waits for a joinable thread to terminate.  Returns 0,
/// or the negated `pthread_join` error.
///
/// # Safety
///
/// `tid` must be a joinable thread from [`thread_create`], joined only once.
pub unsafe extern "C" fn thread_join(tid: LklThread) -> c_int {
    // SAFETY: per the caller's contract `tid` is joinable and not yet joined.
    let rc = unsafe { libc::pthread_join(tid, ptr::null_mut()) };
    -rc
}

/// `thread_self()`: `pthread_self()`.
///
/// # Safety
///
/// Always safe; unsafe only because it is an `extern "C"` host operation.
pub unsafe extern "C" fn thread_self() -> LklThread {
    // SAFETY: pthread_self has no preconditions.
    unsafe { libc::pthread_self() }
}

/// `thread_equal(a, b)`: `pthread_equal(a, b)`.
///
/// # Safety
///
/// Always safe; unsafe only because it is an `extern "C"` host operation.
pub unsafe extern "C" fn thread_equal(a: LklThread, b: LklThread) -> c_int {
    // SAFETY: pthread_equal only compares the two values.
    unsafe { libc::pthread_equal(a, b) }
}

thread_local! {
    static STACK: Cell<Option<(usize, usize)>> = const { Cell::new(None) };
}

fn query_stack() -> (usize, usize) {
    let mut attr = MaybeUninit::<libc::pthread_attr_t>::uninit();
    // SAFETY: `attr` is writable; on success it is initialised and destroyed
    // below; `addr`/`size` are writable.
    unsafe {
        if libc::pthread_getattr_np(libc::pthread_self(), attr.as_mut_ptr()) != 0 {
            return (0, 0);
        }
        let mut addr: *mut c_void = ptr::null_mut();
        let mut size: libc::size_t = 0;
        let rc = libc::pthread_attr_getstack(attr.as_ptr(), &mut addr, &mut size);
        libc::pthread_attr_destroy(attr.as_mut_ptr());
        if rc != 0 {
            return (0, 0);
        }
        (addr as usize, size)
    }
}

/// `thread_stack(size)`: lowest address of the calling thread's stack, with
/// its size stored in `*size` (from `pthread_getattr_np`, cached per thread).
/// Returns NULL (size 0) if unknown.
///
/// # Safety
///
/// `size` must be NULL or writable.
pub unsafe extern "C" fn thread_stack(size: *mut c_ulong) -> *mut c_void {
    let (base, len) = STACK.with(|s| {
        s.get().unwrap_or_else(|| {
            let v = query_stack();
            s.set(Some(v));
            v
        })
    });
    if !size.is_null() {
        // SAFETY: non-NULL and writable per the caller's contract.
        unsafe { *size = len as c_ulong };
    }
    base as *mut c_void
}
