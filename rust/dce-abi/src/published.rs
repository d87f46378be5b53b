//! The layout numbers published in Documentation/dce/abi.rst ("Value
//! types", "The exported table: SimExported", "The imported table:
//! SimImported"), written out once, and the one check that the types
//! generated from the headers have them: a header change that moves,
//! resizes or renumbers anything DCE depends on fails the build here.
//! The tables are public so that a runtime (or a test) can print or walk
//! them.

use crate::{PollTableRef, SimDevicePacket, SimExported, SimImported, SimSysIterator};
use core::mem::{align_of, offset_of, size_of};
use static_assertions::const_assert_eq;

/// Size of every member of the two tables (a function pointer, LP64).
pub const POINTER_SIZE: usize = 8;

/// Checks, at compile time, that a table lists the members of a struct of
/// function pointers densely and completely: entry `i` is at offset
/// `8 * i`, and the entries fill the struct exactly.
const fn check_dense(table: &[(&str, usize)], size: usize) {
    let mut i = 0;
    while i < table.len() {
        assert!(
            table[i].1 == i * POINTER_SIZE,
            "published table is not dense"
        );
        i += 1;
    }
    assert!(
        table.len() * POINTER_SIZE == size,
        "published table does not fill the struct"
    );
}

macro_rules! published {
    (
        $(#[$m:meta])*
        $name:ident for $ty:ty, size $size:expr, align $align:literal {
            $($field:ident @ $off:literal),* $(,)?
        }
    ) => {
        $(#[$m])*
        pub const $name: &[(&str, usize)] = &[$((stringify!($field), $off)),*];
        const_assert_eq!(size_of::<$ty>(), $size);
        const_assert_eq!(align_of::<$ty>(), $align);
        $(
            const _: () = assert!(
                offset_of!($ty, $field) == $off,
                concat!(
                    stringify!($ty), "::", stringify!($field),
                    " is not at offset ", stringify!($off), " (Documentation/dce/abi.rst)"
                )
            );
        )*
    };
}

/// `sizeof(struct SimExported)` on LP64 (abi.rst "The exported table:
/// SimExported").
pub const SIM_EXPORTED_SIZE: usize = 232;
/// Number of members of `struct SimExported` (abi.rst "The exported
/// table: SimExported").
pub const SIM_EXPORTED_MEMBERS: usize = 29;
/// `sizeof(struct SimImported)` on LP64 (abi.rst "The imported table:
/// SimImported").
pub const SIM_IMPORTED_SIZE: usize = 240;
/// Number of members of `struct SimImported` (abi.rst "The imported
/// table: SimImported").
pub const SIM_IMPORTED_MEMBERS: usize = 30;

published! {
    /// `(member, offset)` of every member of `struct SimExported`, in
    /// declaration order, as published in abi.rst "The exported table:
    /// SimExported".  DCE (compiled
    /// against the 4.4 headers) calls member *i* at offset `8 * i` of the
    /// 232-byte object it allocated.
    SIM_EXPORTED_OFFSETS for SimExported, size SIM_EXPORTED_SIZE, align 8 {
        task_create @ 0,
        task_destroy @ 8,
        task_get_private @ 16,
        sock_socket @ 24,
        sock_close @ 32,
        sock_recvmsg @ 40,
        sock_sendmsg @ 48,
        sock_getsockname @ 56,
        sock_getpeername @ 64,
        sock_bind @ 72,
        sock_connect @ 80,
        sock_listen @ 88,
        sock_shutdown @ 96,
        sock_accept @ 104,
        sock_ioctl @ 112,
        sock_setsockopt @ 120,
        sock_getsockopt @ 128,
        sock_poll @ 136,
        sock_pollfreewait @ 144,
        dev_create @ 152,
        dev_destroy @ 160,
        dev_get_private @ 168,
        dev_set_address @ 176,
        dev_set_mtu @ 184,
        dev_create_packet @ 192,
        dev_rx @ 200,
        sys_iterate_files @ 208,
        sys_file_read @ 216,
        sys_file_write @ 224,
    }
}

published! {
    /// `(member, offset)` of every member of `struct SimImported`, in
    /// declaration order, as published in abi.rst "The imported table:
    /// SimImported".  DCE fills
    /// member *i* at offset `8 * i` of the 240-byte object on its stack.
    SIM_IMPORTED_OFFSETS for SimImported, size SIM_IMPORTED_SIZE, align 8 {
        vprintf @ 0,
        malloc @ 8,
        free @ 16,
        memcpy @ 24,
        memset @ 32,
        atexit @ 40,
        access @ 48,
        getenv @ 56,
        mkdir @ 64,
        open @ 72,
        __fxstat @ 80,
        fseek @ 88,
        setbuf @ 96,
        fdopen @ 104,
        ftell @ 112,
        fclose @ 120,
        fread @ 128,
        fwrite @ 136,
        random @ 144,
        event_schedule_ns @ 152,
        event_cancel @ 160,
        current_ns @ 168,
        task_start @ 176,
        task_wait @ 184,
        task_current @ 192,
        task_wakeup @ 200,
        task_yield @ 208,
        dev_xmit @ 216,
        signal_raised @ 224,
        poll_event @ 232,
    }
}

published! {
    /// `(member, offset)` of `struct SimDevicePacket` (abi.rst "Value
    /// types": 16 bytes, passed and returned by value).
    SIM_DEVICE_PACKET_OFFSETS for SimDevicePacket, size 16, align 8 {
        buffer @ 0,
        token @ 8,
    }
}

published! {
    /// `(member, offset)` of `struct SimSysIterator` (abi.rst "Value
    /// types": three function pointers, 24 bytes).
    SIM_SYS_ITERATOR_OFFSETS for SimSysIterator, size 24, align 8 {
        report_start_dir @ 0,
        report_end_dir @ 8,
        report_file @ 16,
    }
}

published! {
    /// `(member, offset)` of `struct poll_table_ref` (abi.rst "Value
    /// types": `ret` at 0, `opaque` at 8; declared privately by DCE and
    /// LibOS, in no
    /// header).
    POLL_TABLE_REF_OFFSETS for PollTableRef, size 16, align 8 {
        ret @ 0,
        opaque @ 8,
    }
}

// The tables are dense and complete, with the published member counts.
const _: () = check_dense(SIM_EXPORTED_OFFSETS, SIM_EXPORTED_SIZE);
const _: () = check_dense(SIM_IMPORTED_OFFSETS, SIM_IMPORTED_SIZE);
const _: () = check_dense(SIM_SYS_ITERATOR_OFFSETS, 24);
const_assert_eq!(SIM_EXPORTED_OFFSETS.len(), SIM_EXPORTED_MEMBERS);
const_assert_eq!(SIM_IMPORTED_OFFSETS.len(), SIM_IMPORTED_MEMBERS);

// Published flag values (abi.rst "Value types") and the enum's size.
const_assert_eq!(crate::SimDevFlags::NOARP.bits(), 1);
const_assert_eq!(crate::SimDevFlags::POINTTOPOINT.bits(), 2);
const_assert_eq!(crate::SimDevFlags::MULTICAST.bits(), 4);
const_assert_eq!(crate::SimDevFlags::BROADCAST.bits(), 8);
const_assert_eq!(crate::SimDevFlags::all().bits(), 0b1111);
const_assert_eq!(
    size_of::<crate::SimDevFlags>(),
    size_of::<core::ffi::c_int>()
);
const_assert_eq!(
    align_of::<crate::SimDevFlags>(),
    align_of::<core::ffi::c_int>()
);
const_assert_eq!(crate::SimSysFileFlags::READ.bits(), 1);
const_assert_eq!(crate::SimSysFileFlags::WRITE.bits(), 2);
const_assert_eq!(crate::SimSysFileFlags::all().bits(), 0b11);
const_assert_eq!(
    size_of::<crate::SimSysFileFlags>(),
    size_of::<core::ffi::c_int>()
);
const_assert_eq!(crate::LIBOS_API_VERSION, 2);
