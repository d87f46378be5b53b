//! Memory operations (`mem_*`, `page_*`, `memcpy`, `memset`, `memmove`).

use core::ffi::{c_int, c_ulong, c_void};
use core::ptr;

/// `mem_alloc(size)`: `malloc(size)` (NULL on failure).
///
/// # Safety
///
/// Always safe; unsafe only because it is an `extern "C"` host operation.
pub unsafe extern "C" fn mem_alloc(size: c_ulong) -> *mut c_void {
    // SAFETY: malloc has no preconditions.
    unsafe { libc::malloc(size as usize) }
}

/// `mem_free(addr)`: `free(addr)`.
///
/// # Safety
///
/// `addr` must be NULL or come from [`mem_alloc`], and be freed once.
pub unsafe extern "C" fn mem_free(addr: *mut c_void) {
    // SAFETY: per the caller's contract.
    unsafe { libc::free(addr) }
}

/// `page_alloc(size)`: page-aligned, zero-filled, read/write anonymous
/// private `mmap` of `size` bytes, for the kernel's RAM (NULL on failure).
///
/// # Safety
///
/// Always safe; unsafe only because it is an `extern "C"` host operation.
pub unsafe extern "C" fn page_alloc(size: c_ulong) -> *mut c_void {
    // SAFETY: a fresh anonymous mapping chosen by the kernel; no fd.
    let p = unsafe {
        libc::mmap(
            ptr::null_mut(),
            size as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        ptr::null_mut()
    } else {
        p
    }
}

/// `page_free(addr, size)`: `munmap(addr, size)`.
///
/// # Safety
///
/// `addr`/`size` must describe a block from [`page_alloc`] no longer used.
pub unsafe extern "C" fn page_free(addr: *mut c_void, size: c_ulong) {
    // SAFETY: per the caller's contract.
    unsafe { libc::munmap(addr, size as usize) };
}

/// `memcpy(dest, src, count)`: libc `memcpy`.
///
/// # Safety
///
/// As for C `memcpy`.
pub unsafe extern "C" fn memcpy(
    dest: *mut c_void,
    src: *const c_void,
    count: c_ulong,
) -> *mut c_void {
    // SAFETY: per the caller's contract.
    unsafe { libc::memcpy(dest, src, count as usize) }
}

/// `memset(s, c, count)`: libc `memset`.
///
/// # Safety
///
/// As for C `memset`.
pub unsafe extern "C" fn memset(s: *mut c_void, c: c_int, count: c_ulong) -> *mut c_void {
    // SAFETY: per the caller's contract.
    unsafe { libc::memset(s, c, count as usize) }
}

/// `memmove(dest, src, count)`: libc `memmove`.
///
/// # Safety
///
/// As for C `memmove`.
pub unsafe extern "C" fn memmove(
    dest: *mut c_void,
    src: *const c_void,
    count: c_ulong,
) -> *mut c_void {
    // SAFETY: per the caller's contract.
    unsafe { libc::memmove(dest, src, count as usize) }
}
