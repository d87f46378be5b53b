//! What the generated bindings leave to Rust (Documentation/dce/abi.rst,
//! "Handle types", "Value types"): `va_list` as a parameter, `bitflags` on
//! the two flag enums, and `poll_table_ref`, which no header declares.

use crate::raw::{self, SimDevFlags, SimSysFileFlags};
use core::ffi::{c_int, c_uint, c_void};

/// `LIBOS_API_VERSION`: the version of the `sim` API whose layout the
/// headers (and so this crate) describe.
///
/// DCE 1.12 was compiled with `#if LIBOS_API_VERSION == 2`, which selects
/// the three-argument [`SimExported::dev_create`](crate::SimExported::dev_create)
/// (`ifname`, `priv`, `flags`) and the 30-member [`SimImported`](crate::SimImported)
/// (abi.rst "Versions and layout rules").
pub const LIBOS_API_VERSION: c_int = raw::LIBOS_API_VERSION as c_int;

/// A `va_list` **parameter** (only in [`SimImported::vprintf`](crate::SimImported::vprintf)).
///
/// On x86-64 SysV `va_list` is the array type `__va_list_tag[1]`; as a
/// function parameter it decays to a pointer, so the library passes one
/// pointer-sized value that points at its own (already `va_start`ed)
/// `__va_list_tag`.  DCE's `Vprintf` hands it straight to `vfprintf`; a Rust
/// host does the same, passing it to a C `vfprintf`/`vsnprintf` declared
/// with a `*mut __va_list_tag` (or `*mut c_void`) parameter.  It may be consumed
/// only once, and only during the call.
pub type VaList = *mut raw::__va_list_tag;

bitflags::bitflags! {
    /// The flags of `enum SimDevFlags` (generated as a newtype, documented in
    /// [`SimDevFlags`](crate::SimDevFlags) and its `SIM_DEV_*` constants), as
    /// a `bitflags` set.
    impl SimDevFlags: c_uint {
        /// [`SimDevFlags::SIM_DEV_NOARP`]
        const NOARP = SimDevFlags::SIM_DEV_NOARP.0;
        /// [`SimDevFlags::SIM_DEV_POINTTOPOINT`]
        const POINTTOPOINT = SimDevFlags::SIM_DEV_POINTTOPOINT.0;
        /// [`SimDevFlags::SIM_DEV_MULTICAST`]
        const MULTICAST = SimDevFlags::SIM_DEV_MULTICAST.0;
        /// [`SimDevFlags::SIM_DEV_BROADCAST`]
        const BROADCAST = SimDevFlags::SIM_DEV_BROADCAST.0;
    }
}

bitflags::bitflags! {
    /// The flags of `enum SimSysFileFlags` as a `bitflags` set; they cross
    /// the ABI as the `int flags` of
    /// [`SimSysIterator::report_file`](crate::SimSysIterator::report_file).
    impl SimSysFileFlags: c_uint {
        /// [`SimSysFileFlags::SIM_SYS_FILE_READ`]
        const READ = SimSysFileFlags::SIM_SYS_FILE_READ.0;
        /// [`SimSysFileFlags::SIM_SYS_FILE_WRITE`]
        const WRITE = SimSysFileFlags::SIM_SYS_FILE_WRITE.0;
    }
}

/// `struct poll_table_ref`: the in/out argument of
/// [`SimExported::sock_poll`](crate::SimExported::sock_poll).
///
/// Not in any header: DCE and LibOS each declare it privately with this
/// layout (`ret` at offset 0, `opaque` at offset 8, 16 bytes;
/// abi.rst "Value types", "The poll protocol").  `sock_poll`'s `ret`
/// parameter is a `void *`
/// that points to one of these.
#[doc(alias = "poll_table_ref")]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PollTableRef {
    /// In: the events DCE wants (`events | POLLERR | POLLHUP`), or 0 when it
    /// only asks for the current state.  Out: the socket's current readiness
    /// mask in the kernel's `POLL*` values; DCE ANDs it with what the caller
    /// asked for.
    pub ret: c_int,
    /// In: DCE's `PollTable*` cookie, or NULL when nothing must be
    /// registered.  Out (when it was non-NULL): the library's handle of the
    /// waiter it registered, which calls
    /// [`SimImported::poll_event`](crate::SimImported::poll_event)`(key,
    /// cookie)` on each matching wake-up and which DCE later releases with
    /// [`SimExported::sock_pollfreewait`](crate::SimExported::sock_pollfreewait)
    /// (possibly NULL).
    pub opaque: *mut c_void,
}
