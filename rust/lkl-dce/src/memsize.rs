//! The memory a node's kernel gets: `mem=` of its command line.
//!
//! `sim_init` takes no parameters and DCE's environment and file imports
//! only work on application tasks, so nothing a DCE user sets reaches the
//! library before its kernel boots, except the library itself: DCE's
//! `LinuxSocketFdFactory` loads the file of its `Library` attribute, per
//! node.  So the size is read from the library's own name:
//! `liblkl-mem64M.so` gives 64 MiB, `liblkl.so` the default.  The Makefile
//! links a few such copies; any other size is one link away
//! (Documentation/dce/design.rst, "Memory per node").
//!
//! The name is read from the library's `DT_SONAME`, which DCE's loader
//! rewrites only in its first four characters.

use core::ffi::{c_char, CStr};

/// MiB of a node's memory when the library's name does not say.
pub const DEFAULT_MIB: u32 = 32;
/// The sizes a name may ask for: a node needs 16 MiB to boot with room for
/// its sockets; 1 GiB is more than a simulated host ever gets.
pub const MIN_MIB: u32 = 16;
/// See [`MIN_MIB`].
pub const MAX_MIB: u32 = 1024;

const DT_NULL: i64 = 0;
const DT_STRTAB: i64 = 5;
const DT_SONAME: i64 = 14;

#[repr(C)]
struct Dyn {
    tag: i64,
    val: u64,
}

extern "C" {
    /// The dynamic section of the object this crate is linked into.
    static _DYNAMIC: [Dyn; 0];
    /// Its ELF header: where it is loaded.
    static __ehdr_start: u8;
}

/// The object's `DT_SONAME`, if it has one.
fn soname() -> Option<&'static CStr> {
    // SAFETY: `_DYNAMIC` is the object's own dynamic section, mapped for
    // its lifetime and ended by DT_NULL; DT_STRTAB is the address of its
    // string table (load-relative in the file, absolute once the dynamic
    // loader has relocated it), DT_SONAME an offset into it, and the
    // string there is NUL-terminated.
    unsafe {
        let base = core::ptr::addr_of!(__ehdr_start) as u64;
        let mut d = _DYNAMIC.as_ptr();
        let (mut strtab, mut name) = (None, None);
        while (*d).tag != DT_NULL {
            match (*d).tag {
                DT_STRTAB => strtab = Some((*d).val),
                DT_SONAME => name = Some((*d).val),
                _ => {}
            }
            d = d.add(1);
        }
        let strtab = strtab?;
        let strtab = if strtab < base { base + strtab } else { strtab };
        Some(CStr::from_ptr((strtab + name?) as *const c_char))
    }
}

/// The size `name` asks for with `-mem<N>M`, if any.
pub fn mib_in(name: &[u8]) -> Option<u32> {
    let at = name.windows(4).position(|w| w == b"-mem")? + 4;
    let digits = name[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 4 || name.get(at + digits) != Some(&b'M') {
        return None;
    }
    name[at..at + digits]
        .iter()
        .try_fold(0u32, |n, d| Some(n * 10 + u32::from(d - b'0')))
}

/// The memory of this library's nodes, in MiB, and whether its name asked
/// for a size out of range (then the default).
pub fn node_mib() -> (u32, bool) {
    match soname().and_then(|s| mib_in(s.to_bytes())) {
        Some(m) if (MIN_MIB..=MAX_MIB).contains(&m) => (m, false),
        Some(_) => (DEFAULT_MIB, true),
        None => (DEFAULT_MIB, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_names() {
        assert_eq!(mib_in(b"liblkl-mem64M.so"), Some(64));
        assert_eq!(mib_in(b"0a1Bkl-mem128M.so"), Some(128));
        assert_eq!(mib_in(b"liblkl.so"), None);
        assert_eq!(mib_in(b"liblkl-memM.so"), None);
        assert_eq!(mib_in(b"liblkl-mem64.so"), None);
        assert_eq!(mib_in(b"liblkl-mem99999M.so"), None);
    }
}
