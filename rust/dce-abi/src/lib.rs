//! `#[repr(C)]` mirror of the ns-3-dce kernel-library ABI ("sim"/LibOS API,
//! `LIBOS_API_VERSION` 2), the interface between ns-3-dce 1.12 (Direct Code
//! Execution) and the kernel library it loads for each node.
//!
//! The C headers `include/sim.h`, `sim-types.h` and `sim-init.h` of this
//! repository are the single source of truth; the specification is
//! Documentation/dce/abi.rst ("The binary interface", "Execution
//! contexts").
//!
//! * [`sim_init`](SimInit): the one symbol the library exports
//!   ([`SIM_INIT_SYMBOL`]); DCE calls it once per node.
//! * [`SimExported`] ([`KernelHandle`]): 29 function pointers, 232 bytes, filled
//!   by the library, called by DCE.
//! * [`SimImported`] ([`DceHandle`]): 30 function pointers, 240 bytes, filled
//!   by DCE, called by the library.
//! * value types [`SimDevicePacket`], [`SimSysIterator`], [`PollTableRef`],
//!   [`SimDevFlags`], [`SimSysFileFlags`]; opaque handles [`SimTask`],
//!   [`SimSocket`], [`SimDevice`], [`SimSysFile`], [`SimKernel`].
//! * [`published`]: the layout numbers of abi.rst as tables.
//!
//! # Compile-time checks
//!
//! The build fails if this mirror and the header disagree in any size,
//! alignment, member offset, member type, enum value or entry point
//! signature (bindgen's view of the header, private module `layout`), if
//! the mirror disagrees with the numbers published in abi.rst
//! ([`published`]), or if the header does (`csrc/abi_check.c`, compiled by
//! `build.rs`: `_Static_assert`s only).  `$DCE_SIM_INCLUDE` selects another
//! header directory.
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
    "dce-abi mirrors the x86-64 SysV (LP64) layout of the ns-3-dce ABI, the only target DCE supports"
);

mod layout;
pub mod published;
mod tables;
mod types;

pub use tables::{DceHandle, KernelHandle, SimExported, SimImported, SimInit, SIM_INIT_SYMBOL};
pub use types::{
    IoFile, MsgHdr, PollTableRef, SimDevFlags, SimDevice, SimDevicePacket, SimKernel, SimSocket,
    SimSysFile, SimSysFileFlags, SimSysIterator, SimTask, SockAddr, VaList, VaListTag,
    LIBOS_API_VERSION,
};
