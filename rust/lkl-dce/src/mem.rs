//! Host memory operations over DCE's per-node malloc (8-byte aligned only,
//! `free(NULL)` crashes: Documentation/dce/abi.rst, "Memory, logging and
//! files").

use crate::node;
use core::ffi::{c_int, c_ulong, c_void};
use core::mem::size_of;
use core::ptr;

const PAGE: usize = 4096;
/// Extra bytes `page_alloc` asks for: room for the raw pointer and the
/// alignment.
pub const PAGE_SLACK: usize = PAGE + size_of::<usize>();

pub unsafe extern "C" fn mem_alloc(size: c_ulong) -> *mut c_void {
    node::dce().malloc(size as usize)
}

pub unsafe extern "C" fn mem_free(addr: *mut c_void) {
    node::dce().free(addr)
}

/// First page boundary in a block at `raw` that leaves room for the raw
/// pointer just below it.
pub fn align_for_page(raw: usize) -> usize {
    (raw + size_of::<usize>() + PAGE - 1) & !(PAGE - 1)
}

pub unsafe extern "C" fn page_alloc(size: c_ulong) -> *mut c_void {
    let Some(total) = (size as usize).checked_add(PAGE_SLACK) else {
        return ptr::null_mut();
    };
    let raw = node::dce().malloc(total);
    if raw.is_null() {
        return raw;
    }
    let aligned = align_for_page(raw as usize);
    let slot = (aligned - size_of::<usize>()) as *mut usize;
    // SAFETY: `slot .. aligned + size` lies inside the `total`-byte block
    // (align_for_page adds at most PAGE + 8 - 1 bytes); `slot` is 8-byte
    // aligned because `aligned` is page aligned.
    unsafe { slot.write(raw as usize) };
    aligned as *mut c_void
}

pub unsafe extern "C" fn page_free(addr: *mut c_void, _size: c_ulong) {
    if addr.is_null() {
        return;
    }
    let slot = (addr as usize - size_of::<usize>()) as *const usize;
    // SAFETY: `addr` came from page_alloc, which stored the raw block just
    // below it.
    let raw = unsafe { slot.read() };
    node::dce().free(raw as *mut c_void)
}

pub unsafe extern "C" fn memcpy(dst: *mut c_void, src: *const c_void, n: c_ulong) -> *mut c_void {
    // SAFETY: the kernel passes valid, non-overlapping ranges.
    unsafe { node::dce().memcpy(dst, src, n as usize) }
}

pub unsafe extern "C" fn memset(s: *mut c_void, c: c_int, n: c_ulong) -> *mut c_void {
    // SAFETY: the kernel passes a valid range.
    unsafe { node::dce().memset(s, c, n as usize) }
}

/// `memmove`: DCE imports none, so it is ours (`ptr::copy` handles overlap).
pub unsafe extern "C" fn memmove(dst: *mut c_void, src: *const c_void, n: c_ulong) -> *mut c_void {
    // SAFETY: the kernel passes valid (possibly overlapping) ranges.
    unsafe { ptr::copy(src as *const u8, dst as *mut u8, n as usize) };
    dst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_alignment() {
        for raw in [8usize, 4096, 4100, 8191, 0x1234_5678] {
            let a = align_for_page(raw);
            assert_eq!(a % 4096, 0);
            assert!(a >= raw + size_of::<usize>());
            assert!(a < raw + PAGE_SLACK);
        }
    }
}
