//! Handle and value types of the ABI (`sim-types.h`;
//! Documentation/dce/abi.rst, "Handle types", "Value types").

use core::ffi::{c_char, c_int, c_uint, c_void};
use core::marker::{PhantomData, PhantomPinned};

/// `LIBOS_API_VERSION`: the version of the `sim` API whose layout this crate
/// mirrors.
///
/// DCE 1.12 was compiled with `#if LIBOS_API_VERSION == 2`, which selects
/// the three-argument [`SimExported::dev_create`](crate::SimExported::dev_create)
/// (`ifname`, `priv`, `flags`) and the 30-member [`SimImported`](crate::SimImported)
/// (abi.rst "Versions and layout rules").
pub const LIBOS_API_VERSION: c_int = 2;

macro_rules! opaque {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        ///
        /// Opaque: zero-sized, not constructible, `!Send`, `!Sync` and
        /// `!Unpin`; only ever used behind a raw pointer.
        #[repr(C)]
        pub struct $name {
            _data: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    };
}

opaque!(
    /// `struct SimTask`: the library's per-task object (LibOS: a
    /// `task_struct` plus a `void *private`).
    ///
    /// DCE gets one from [`SimExported::task_create`](crate::SimExported::task_create)
    /// (lazily, the first time a DCE task asks for "current", and for every
    /// kernel thread it starts), stores the pointer as that Task's "extra
    /// context", never frees it, and maps it back to its `Task*` with
    /// [`SimExported::task_get_private`](crate::SimExported::task_get_private).
    SimTask
);
opaque!(
    /// `struct SimSocket`: the library's socket (LibOS: `struct socket`).
    ///
    /// DCE keeps one per `KernelSocketFd` (shared by `dup`/`fork`) and
    /// releases it with [`SimExported::sock_close`](crate::SimExported::sock_close)
    /// when the last descriptor goes.
    SimSocket
);
opaque!(
    /// `struct SimDevice`: the library's network device (LibOS: a
    /// `net_device` plus a `void *priv`).
    ///
    /// DCE keeps it next to its `Ptr<NetDevice>` and passes it back to the
    /// `dev_*` functions; it hands it to the host in
    /// [`SimImported::dev_xmit`](crate::SimImported::dev_xmit) and maps it to
    /// the `NetDevice*` with [`SimExported::dev_get_private`](crate::SimExported::dev_get_private).
    SimDevice
);
opaque!(
    /// `struct SimSysFile`: one sysctl leaf of the library (LibOS:
    /// `struct ctl_table`).
    ///
    /// DCE remembers it from [`SimSysIterator::report_file`] during a walk
    /// and passes it to [`SimExported::sys_file_read`](crate::SimExported::sys_file_read)
    /// or [`SimExported::sys_file_write`](crate::SimExported::sys_file_write).
    SimSysFile
);
opaque!(
    /// `struct SimKernel`: DCE's per-node cookie (in practice its
    /// `KernelSocketFdFactory*`).
    ///
    /// DCE passes it to `sim_init`; the library must never dereference it
    /// and passes it back unchanged as the first argument of every
    /// [`SimImported`](crate::SimImported) function except `poll_event`.
    SimKernel
);
opaque!(
    /// `struct msghdr` as the header declares it (incomplete).
    ///
    /// At run time it is glibc's user-space `struct msghdr` of the
    /// application (on x86-64 the same layout as the kernel's
    /// `user_msghdr`): DCE passes the application's own object, whose iovecs,
    /// name and control buffers point into application memory.
    MsgHdr
);
opaque!(
    /// `struct sockaddr` as the header declares it (incomplete).
    ///
    /// At run time it is the application's own (glibc layout) socket address
    /// buffer, passed through unchanged by DCE.
    SockAddr
);
opaque!(
    /// `FILE`, declared by the header as the incomplete `struct _IO_FILE`.
    ///
    /// Returned by [`SimImported::fdopen`](crate::SimImported::fdopen): a
    /// stream of DCE's POSIX emulation, only valid with the other
    /// `SimImported` file functions.
    #[doc(alias = "FILE")]
    #[doc(alias = "_IO_FILE")]
    IoFile
);
opaque!(
    /// `__va_list_tag`: what a `va_list` parameter points to on x86-64 SysV.
    ///
    /// Only used through [`VaList`].
    #[doc(alias = "__va_list_tag")]
    VaListTag
);

/// A `va_list` **parameter** (only in [`SimImported::vprintf`](crate::SimImported::vprintf)).
///
/// On x86-64 SysV `va_list` is the array type `__va_list_tag[1]`; as a
/// function parameter it decays to a pointer, so the library passes one
/// pointer-sized value that points at its own (already `va_start`ed)
/// `__va_list_tag`.  DCE's `Vprintf` hands it straight to `vfprintf`; a Rust
/// host does the same, passing it to a C `vfprintf`/`vsnprintf` declared
/// with a `*mut VaListTag` (or `*mut c_void`) parameter.  It may be consumed
/// only once, and only during the call.
pub type VaList = *mut VaListTag;

bitflags::bitflags! {
    /// `enum SimDevFlags`: properties of the ns-3 device that DCE passes to
    /// [`SimExported::dev_create`](crate::SimExported::dev_create)
    /// (int-sized; `unsigned int` is the compatible type of the C enum).
    ///
    /// DCE 1.12 sets `MULTICAST` if `NetDevice::IsMulticast()`, `BROADCAST`
    /// if `IsBroadcast()` and `NOARP` if `!NeedsArp()`; a PointToPoint
    /// device therefore arrives as `MULTICAST | BROADCAST | NOARP` (`0b1101`).
    /// `POINTTOPOINT` is never set by DCE 1.12.
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct SimDevFlags: c_uint {
        /// `SIM_DEV_NOARP` (`1 << 0`): the device needs no ARP.  The library
        /// must then never transmit anything but IPv4 or IPv6 on it (DCE's
        /// PointToPoint device asserts on other EtherTypes).
        #[doc(alias = "SIM_DEV_NOARP")]
        const NOARP = 1 << 0;
        /// `SIM_DEV_POINTTOPOINT` (`1 << 1`): never passed by DCE 1.12.
        #[doc(alias = "SIM_DEV_POINTTOPOINT")]
        const POINTTOPOINT = 1 << 1;
        /// `SIM_DEV_MULTICAST` (`1 << 2`): the device can multicast.
        #[doc(alias = "SIM_DEV_MULTICAST")]
        const MULTICAST = 1 << 2;
        /// `SIM_DEV_BROADCAST` (`1 << 3`): the device can broadcast.
        #[doc(alias = "SIM_DEV_BROADCAST")]
        const BROADCAST = 1 << 3;
    }
}

bitflags::bitflags! {
    /// `enum SimSysFileFlags`: access of a sysctl leaf, reported by the
    /// library through the `int flags` argument of
    /// [`SimSysIterator::report_file`].
    ///
    /// The bits type is `c_int` because the value only ever crosses the ABI
    /// as that `int`.  DCE ignores it: it tries to read or write any path it
    /// is asked for.
    #[repr(transparent)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct SimSysFileFlags: c_int {
        /// `SIM_SYS_FILE_READ` (`1 << 0`): the leaf can be read.
        #[doc(alias = "SIM_SYS_FILE_READ")]
        const READ = 1 << 0;
        /// `SIM_SYS_FILE_WRITE` (`1 << 1`): the leaf can be written.
        #[doc(alias = "SIM_SYS_FILE_WRITE")]
        const WRITE = 1 << 1;
    }
}

/// `struct SimDevicePacket`: a received frame, passed and returned **by
/// value** (16 bytes: returned in RAX:RDX, passed in two integer registers
/// on x86-64 SysV).
///
/// On the RX path (run by DCE in main/event context) DCE calls
/// [`SimExported::dev_create_packet`](crate::SimExported::dev_create_packet)`(dev,
/// size + 14)`, copies the payload to `buffer + 14`, writes the 14-byte
/// Ethernet II header at `buffer` (`h_dest`, `h_source`, `h_proto` in
/// network order) and hands the whole packet back with
/// [`SimExported::dev_rx`](crate::SimExported::dev_rx), which transfers
/// ownership to the library.  DCE never looks at `token`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimDevicePacket {
    /// Start of the frame, where DCE writes the 14-byte Ethernet header;
    /// at least the requested size is writable.
    pub buffer: *mut c_void,
    /// The library's own handle for the packet (LibOS: its `struct
    /// sk_buff *`), returned to it unchanged in `dev_rx`.
    pub token: *mut c_void,
}

/// `struct SimSysIterator`: the callbacks of a sysctl walk.
///
/// DCE embeds this as the **first** member of a larger C++ object, passes a
/// pointer to it to [`SimExported::sys_iterate_files`](crate::SimExported::sys_iterate_files)
/// and casts `iter` back to that object in each callback; it builds dotted
/// paths (`.net.ipv4.conf.all.forwarding`) by prefixing every reported
/// component with `.`.  The library calls the members in depth-first order:
/// `report_start_dir`, the children, `report_end_dir`; `report_file` for
/// each leaf; the root itself is not reported.  A Rust host embeds it the
/// same way (first field of a `#[repr(C)]` struct).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SimSysIterator {
    /// Entering directory `dirname` (one path component, NUL-terminated):
    /// DCE appends `.dirname` to its current path.
    pub report_start_dir:
        Option<unsafe extern "C" fn(iter: *const SimSysIterator, dirname: *const c_char)>,
    /// Leaving the directory last entered: DCE drops the last component.
    pub report_end_dir: Option<unsafe extern "C" fn(iter: *const SimSysIterator)>,
    /// A leaf `filename` with [`SimSysFileFlags`] bits in `flags` and the
    /// library's handle `file`: DCE compares `current path + .filename` with
    /// the path it looks for (first exact match wins, duplicates are fine,
    /// `flags` is ignored) and remembers `file` for `sys_file_read` or
    /// `sys_file_write`.
    pub report_file: Option<
        unsafe extern "C" fn(
            iter: *const SimSysIterator,
            filename: *const c_char,
            flags: c_int,
            file: *mut SimSysFile,
        ),
    >,
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
