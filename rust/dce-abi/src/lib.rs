//! The ns-3-dce kernel-library ABI ("sim"/LibOS API, `LIBOS_API_VERSION`
//! 2), the interface between ns-3-dce 1.12 (Direct Code Execution) and the
//! kernel library it loads for each node, generated from the C headers.
//!
//! The C headers `include/sim.h`, `sim-types.h` and `sim-init.h` of this
//! repository are the single source of truth, documentation included; the
//! specification is Documentation/dce/abi.rst ("The binary interface",
//! "Execution contexts").  `build.rs` runs bindgen over them once: [`raw`]
//! is what it generates, the crate root re-exports it with the few Rust
//! pieces the headers cannot say (`bitflags` on the flag enums,
//! [`PollTableRef`], [`VaList`]).
//!
//! * [`sim_init`](SimInit): the one symbol the library exports
//!   ([`SIM_INIT_SYMBOL`]); DCE calls it once per node.
//! * [`SimExported`] ([`KernelHandle`]): 29 function pointers, 232 bytes, filled
//!   by the library, called by DCE.
//! * [`SimImported`] ([`DceHandle`]): 30 function pointers, 240 bytes, filled
//!   by DCE, called by the library.
//! * value types [`SimDevicePacket`], [`SimSysIterator`], [`PollTableRef`],
//!   [`SimDevFlags`], [`SimSysFileFlags`]; opaque handles [`SimTask`],
//!   [`SimSocket`], [`SimDevice`], [`SimSysFile`], [`SimKernel`] (bindgen's
//!   opaque structs for the headers' incomplete types).
//! * [`published`]: the layout numbers of abi.rst as tables, and the one
//!   check that the generated types have them.
//!
//! # Compile-time checks
//!
//! bindgen's layout tests pin each generated struct to clang's view of the
//! header; [`published`] pins them to the numbers abi.rst publishes (every
//! size, member offset and flag value), so a header change that moves a
//! member fails the build.  `$DCE_SIM_INCLUDE` selects another header
//! directory.
//!
//! # Target
//!
//! DCE runs on x86-64 Linux (LP64, SysV calling convention); this crate
//! refuses other targets, because [`VaList`] and the by-value
//! [`SimDevicePacket`] (returned in RAX:RDX) are spelled for that ABI.
//!
//! # Execution contexts
//!
//! DCE runs library code in five kinds of context (abi.rst "Execution
//! contexts"); the
//! documentation of each member names them:
//!
//! | context | entered through | `task_current` | may block |
//! |---|---|---|---|
//! | **K-task**: kernel thread | `task_start` callback (128 KiB stack, must never return) | yes | yes |
//! | **D-task**: DCE-internal one-shot task | `sim_init`, `dev_create`/address/MTU, sysctl | yes | should not (deleted when the call returns) |
//! | **A-task**: application thread | `sock_*` | yes | yes (blocking sockets) |
//! | **H-task**: Cradle fake task | `sock_*` with `O_NONBLOCK` | yes | **no** (no fiber) |
//! | **M**: main/event context | `event_schedule_ns` callbacks, `dev_create_packet`, `dev_rx` | **crashes** | **crashes** |
//!
//! The file and environment functions of [`SimImported`] (`atexit` ...
//! `fwrite`) need a DCE `Thread`, so they work only on A-tasks.

#![no_std]
#![deny(missing_docs)]

#[cfg(not(all(target_arch = "x86_64", target_pointer_width = "64")))]
compile_error!(
    "dce-abi describes the x86-64 SysV (LP64) layout of the ns-3-dce ABI, the only target DCE supports"
);

pub mod published;
pub mod raw;
mod types;

pub use raw::{
    DceHandle, KernelHandle, SimDevFlags, SimDevice, SimDevicePacket, SimExported, SimImported,
    SimInit, SimKernel, SimSocket, SimSysFile, SimSysFileFlags, SimSysIterator, SimTask,
};
pub use types::{PollTableRef, VaList, LIBOS_API_VERSION};

/// `__va_list_tag`: what a [`VaList`] points to on x86-64 SysV.
pub use raw::__va_list_tag as VaListTag;
/// `struct msghdr`: the application's own (glibc) message header.
pub use raw::msghdr as MsgHdr;
/// `struct sockaddr`: the application's own socket address buffer.
pub use raw::sockaddr as SockAddr;
/// `FILE` (`struct _IO_FILE`), a stream of DCE's POSIX emulation.
#[doc(alias = "FILE")]
pub use raw::_IO_FILE as IoFile;

/// The name of the library's one exported symbol, of type [`SimInit`].
pub const SIM_INIT_SYMBOL: &core::ffi::CStr = c"sim_init";
