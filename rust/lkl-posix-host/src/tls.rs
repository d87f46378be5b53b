//! Per-thread storage (`tls_*`) on pthread keys.

use core::ffi::{c_int, c_void};
use core::ptr;

use lkl_sys::{LklTlsDestructor, LklTlsKey};

/// `tls_alloc(destructor)`: `pthread_key_create` with the kernel's
/// destructor, which runs when a thread with a non-NULL value exits.
/// Returns NULL on failure.
///
/// # Safety
///
/// `destructor` (if any) must be callable at thread exit with the values set.
pub unsafe extern "C" fn tls_alloc(destructor: Option<LklTlsDestructor>) -> *mut LklTlsKey {
    let mut key: libc::pthread_key_t = 0;
    // SAFETY: `key` is writable; the destructor has the C signature pthread expects.
    if unsafe { libc::pthread_key_create(&mut key, destructor) } != 0 {
        return ptr::null_mut();
    }
    Box::into_raw(Box::new(key)).cast()
}

/// `tls_free(key)`: `pthread_key_delete` (destructors no longer run).
///
/// # Safety
///
/// `key` must come from [`tls_alloc`] and not be used afterwards.
pub unsafe extern "C" fn tls_free(key: *mut LklTlsKey) {
    if key.is_null() {
        return;
    }
    // SAFETY: allocated by tls_alloc as a Box<pthread_key_t>; freed once.
    let key = unsafe { Box::from_raw(key.cast::<libc::pthread_key_t>()) };
    // SAFETY: a key created by pthread_key_create.
    unsafe { libc::pthread_key_delete(*key) };
}

/// `tls_set(key, data)`: `pthread_setspecific`; 0 or the negated error.
///
/// # Safety
///
/// `key` must be a live key from [`tls_alloc`].
pub unsafe extern "C" fn tls_set(key: *mut LklTlsKey, data: *mut c_void) -> c_int {
    // SAFETY: `key` points to a live pthread_key_t.
    -unsafe { libc::pthread_setspecific(*key.cast::<libc::pthread_key_t>(), data) }
}

/// `tls_get(key)`: `pthread_getspecific` (NULL if unset).
///
/// # Safety
///
/// `key` must be a live key from [`tls_alloc`].
pub unsafe extern "C" fn tls_get(key: *mut LklTlsKey) -> *mut c_void {
    // SAFETY: `key` points to a live pthread_key_t.
    unsafe { libc::pthread_getspecific(*key.cast::<libc::pthread_key_t>()) }
}
