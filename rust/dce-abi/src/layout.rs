//! Compile-time checks of our mirror against the C headers.
//!
//! `build.rs` runs `bindgen` on `include/sim.h` (which includes
//! `sim-types.h` and `sim-init.h`) twice:
//! * `sim_layout.rs`: every struct and enum as clang lays it out; only the
//!   incomplete types (`SimTask`, `SimSocket`, `SimDevice`, `SimSysFile`,
//!   `SimKernel`, `msghdr`, `sockaddr`, `_IO_FILE`) and the `va_list` tag are
//!   mapped to ours;
//! * `sim_tables.rs`: `SimExported`, `SimImported`, `KernelHandle`,
//!   `DceHandle`, `SimInit` and `sim_init` again, this time with the value
//!   types (`SimDevicePacket`, `SimSysIterator`, `enum SimDevFlags`) mapped
//!   to ours too, so that every member type can be compared exactly.  That
//!   mapping is sound because the first module checks that each of these
//!   has the header's layout.
//!
//! This module fails to compile if any size, alignment, member offset,
//! member type, enum value or entry point signature differs between our
//! mirror and the header.

use crate::tables::{DceHandle, KernelHandle, SimExported, SimImported, SimInit};
use crate::types::{
    SimDevFlags, SimDevicePacket, SimKernel, SimSysFile, SimSysFileFlags, SimSysIterator,
    LIBOS_API_VERSION,
};
use core::ffi::{c_char, c_int, c_void};
use core::mem::{align_of, offset_of, size_of};
use static_assertions::const_assert_eq;

#[allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    unused_imports,
    clippy::all
)]
mod c_layout {
    use crate::types::{
        IoFile as _IO_FILE, MsgHdr as msghdr, SimDevice, SimKernel, SimSocket, SimSysFile, SimTask,
        SockAddr as sockaddr, VaListTag as __va_list_tag,
    };
    include!(concat!(env!("OUT_DIR"), "/sim_layout.rs"));
}

#[allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    unused_imports,
    clippy::all
)]
mod c_tables {
    use crate::types::{
        IoFile as _IO_FILE, MsgHdr as msghdr, SimDevFlags, SimDevice, SimDevicePacket, SimKernel,
        SimSocket, SimSysFile, SimSysFileFlags, SimSysIterator, SimTask, SockAddr as sockaddr,
        VaListTag as __va_list_tag,
    };
    include!(concat!(env!("OUT_DIR"), "/sim_tables.rs"));
}

/// Same size, alignment and member offsets as bindgen's struct, and the
/// listed members cover the whole struct (so none is left unmirrored).
macro_rules! same_layout {
    ($ours:ident, $theirs:path, [$($field:ident),* $(,)?]) => {
        const_assert_eq!(size_of::<$ours>(), size_of::<$theirs>());
        const_assert_eq!(align_of::<$ours>(), align_of::<$theirs>());
        $(
            const_assert_eq!(offset_of!($ours, $field), offset_of!($theirs, $field));
            // The same again, with a message that names the member.
            const _: () = assert!(
                offset_of!($ours, $field) == offset_of!($theirs, $field),
                concat!(
                    stringify!($ours), "::", stringify!($field),
                    ": offset differs from the C header (bindgen)"
                )
            );
        )*
        const _: () = {
            let mut end = 0usize;
            $(
                let off = offset_of!($theirs, $field);
                assert!(off >= end, "members out of order");
                end = off + size_of::<*const u8>();
            )*
            assert!(end == size_of::<$theirs>(), "unmirrored trailing member");
        };
    };
}

/// Every listed member has exactly the same type in both structs: `[a, b]`
/// only type-checks if `a` and `b` have one type.
macro_rules! same_member_types {
    ($ours:ident, $theirs:path, [$($field:ident),* $(,)?]) => {
        const _: fn(&$ours, &$theirs) = |o, c| {
            $(let _ = [o.$field, c.$field];)*
        };
    };
}

macro_rules! sim_exported_members {
    ($m:ident, $($args:tt)*) => {
        $m!($($args)*, [
            task_create, task_destroy, task_get_private,
            sock_socket, sock_close, sock_recvmsg, sock_sendmsg, sock_getsockname,
            sock_getpeername, sock_bind, sock_connect, sock_listen, sock_shutdown,
            sock_accept, sock_ioctl, sock_setsockopt, sock_getsockopt, sock_poll,
            sock_pollfreewait,
            dev_create, dev_destroy, dev_get_private, dev_set_address, dev_set_mtu,
            dev_create_packet, dev_rx,
            sys_iterate_files, sys_file_read, sys_file_write,
        ]);
    };
}

macro_rules! sim_imported_members {
    ($m:ident, $($args:tt)*) => {
        $m!($($args)*, [
            vprintf, malloc, free, memcpy, memset, atexit, access, getenv, mkdir, open,
            __fxstat, fseek, setbuf, fdopen, ftell, fclose, fread, fwrite, random,
            event_schedule_ns, event_cancel, current_ns, task_start, task_wait,
            task_current, task_wakeup, task_yield, dev_xmit, signal_raised, poll_event,
        ]);
    };
}

// ---- struct SimExported / struct SimImported ---------------------------------
sim_exported_members!(same_layout, SimExported, c_layout::SimExported);
sim_imported_members!(same_layout, SimImported, c_layout::SimImported);
sim_exported_members!(same_member_types, SimExported, c_tables::SimExported);
sim_imported_members!(same_member_types, SimImported, c_tables::SimImported);
const_assert_eq!(
    size_of::<c_tables::SimExported>(),
    size_of::<c_layout::SimExported>()
);
const_assert_eq!(
    size_of::<c_tables::SimImported>(),
    size_of::<c_layout::SimImported>()
);

// ---- struct SimDevicePacket -------------------------------------------------
same_layout!(SimDevicePacket, c_layout::SimDevicePacket, [buffer, token]);
same_member_types!(SimDevicePacket, c_layout::SimDevicePacket, [buffer, token]);

// ---- struct SimSysIterator --------------------------------------------------
same_layout!(
    SimSysIterator,
    c_layout::SimSysIterator,
    [report_start_dir, report_end_dir, report_file]
);
// Its members mention the struct itself, which bindgen generated (so that
// its layout could be checked above): spell the expected types out.
const _: fn(&SimSysIterator, &c_layout::SimSysIterator) = |o, c| {
    let _: Option<unsafe extern "C" fn(*const SimSysIterator, *const c_char)> = o.report_start_dir;
    let _: Option<unsafe extern "C" fn(*const c_layout::SimSysIterator, *const c_char)> =
        c.report_start_dir;
    let _: Option<unsafe extern "C" fn(*const SimSysIterator)> = o.report_end_dir;
    let _: Option<unsafe extern "C" fn(*const c_layout::SimSysIterator)> = c.report_end_dir;
    let _: Option<
        unsafe extern "C" fn(*const SimSysIterator, *const c_char, c_int, *mut SimSysFile),
    > = o.report_file;
    let _: Option<
        unsafe extern "C" fn(
            *const c_layout::SimSysIterator,
            *const c_char,
            c_int,
            *mut SimSysFile,
        ),
    > = c.report_file;
};

// ---- enum SimDevFlags, enum SimSysFileFlags -----------------------------------
// Our bits type is the C enum's compatible integer type...
const _: fn(SimDevFlags) -> c_layout::SimDevFlags = |f| f.bits();
const_assert_eq!(size_of::<SimDevFlags>(), size_of::<c_layout::SimDevFlags>());
const_assert_eq!(
    align_of::<SimDevFlags>(),
    align_of::<c_layout::SimDevFlags>()
);
// ...and every value is the header's.
const_assert_eq!(
    SimDevFlags::NOARP.bits(),
    c_layout::SimDevFlags_SIM_DEV_NOARP
);
const_assert_eq!(
    SimDevFlags::POINTTOPOINT.bits(),
    c_layout::SimDevFlags_SIM_DEV_POINTTOPOINT
);
const_assert_eq!(
    SimDevFlags::MULTICAST.bits(),
    c_layout::SimDevFlags_SIM_DEV_MULTICAST
);
const_assert_eq!(
    SimDevFlags::BROADCAST.bits(),
    c_layout::SimDevFlags_SIM_DEV_BROADCAST
);
const_assert_eq!(
    SimDevFlags::all().bits(),
    c_layout::SimDevFlags_SIM_DEV_NOARP
        | c_layout::SimDevFlags_SIM_DEV_POINTTOPOINT
        | c_layout::SimDevFlags_SIM_DEV_MULTICAST
        | c_layout::SimDevFlags_SIM_DEV_BROADCAST
);
// SimSysFileFlags crosses the ABI as the `int flags` of report_file (whose
// type is checked above); the enum itself is int-sized.
const_assert_eq!(
    size_of::<SimSysFileFlags>(),
    size_of::<c_layout::SimSysFileFlags>()
);
const_assert_eq!(
    SimSysFileFlags::READ.bits() as i64,
    c_layout::SimSysFileFlags_SIM_SYS_FILE_READ as i64
);
const_assert_eq!(
    SimSysFileFlags::WRITE.bits() as i64,
    c_layout::SimSysFileFlags_SIM_SYS_FILE_WRITE as i64
);
const_assert_eq!(
    SimSysFileFlags::all().bits() as i64,
    (c_layout::SimSysFileFlags_SIM_SYS_FILE_READ | c_layout::SimSysFileFlags_SIM_SYS_FILE_WRITE)
        as i64
);

// ---- LIBOS_API_VERSION --------------------------------------------------------
const_assert_eq!(LIBOS_API_VERSION as i64, c_layout::LIBOS_API_VERSION as i64);

// ---- typedefs and the entry point -------------------------------------------
// `|x| x` only type-checks if both sides are the same type.
const _: fn(c_tables::KernelHandle) -> c_tables::SimExported = |x| x;
const _: fn(c_tables::DceHandle) -> c_tables::SimImported = |x| x;
const _: fn(KernelHandle) -> SimExported = |x| x;
const _: fn(DceHandle) -> SimImported = |x| x;
// `SimInit` mentions the tables, which bindgen generated itself in
// `c_tables` (so that their member types could be compared above): spell the
// expected type on both sides.  bindgen spells a C function pointer typedef
// as `Option<fn>`.
const _: fn(
    Option<SimInit>,
) -> Option<unsafe extern "C" fn(*mut SimExported, *const SimImported, *mut SimKernel)> = |x| x;
const _: fn(
    c_tables::SimInit,
) -> Option<
    unsafe extern "C" fn(*mut c_tables::SimExported, *const c_tables::SimImported, *mut SimKernel),
> = |x| x;
// The declared `sim_init` has exactly the `SimInit` signature.
const _: c_tables::SimInit = Some(c_tables::sim_init);
// `sock_poll` and `sock_pollfreewait` take `void *`: our PollTableRef goes
// through them as a cast pointer, never as a typed parameter.
const _: fn(&SimExported) = |o| {
    let _: Option<unsafe extern "C" fn(*mut crate::SimSocket, *mut c_void)> = o.sock_poll;
};
