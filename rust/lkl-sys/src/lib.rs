//! Raw FFI layer for the ARCH=lkl kernel library (`lkl.o`).
//!
//! * [`uapi`]: the raw bindgen output over the installed headers
//!   (`out/include`, or `$LKL_INCLUDE`): the host contract
//!   (`lkl/asm/host_ops.h`), system call numbers, errno values,
//!   the UAPI constants and structures the crates use, under the headers'
//!   names (`__lkl__NR_read`, `LKL_EINVAL`, `struct lkl_stat`).  The
//!   modules below are written on top of it and type no value or layout
//!   again:
//! * [`ffi`]: the host contract under Rust names (`LklHostOperations`,
//!   `LklJmpBuf`, the entry points);
//! * [`sysno`]: asm-generic syscall numbers (`SYS_read`); [`consts`], `abi`:
//!   the UAPI constants and structures by their C names, with safe
//!   constructors and accessors; [`Errno`].
//! * [`log`]: what in a kernel log is a bug report.
//! * [`sys`]: a thin safe wrapper over `lkl_syscall`; [`icmp`]: ping.
//! * [`sysctl`]: sysctls by name (`lkl_sysctl`/`lkl_sysctl_get`), host-side
//!   over the system call API: `lkl.o` does not have them.
//!
//! This crate does not link `lkl.o`: the final binary does (see
//! `build-support/lkl_link.rs`), so everything here compiles without it;
//! it needs the installed headers, from `make ARCH=lkl`.
//!
//! # `no_std`
//!
//! The default feature `std` enables everything above.  Without it
//! (`default-features = false`) the crate is `#![no_std]` and keeps only
//! what needs no allocator or OS: [`ffi`], [`uapi`], [`consts`],
//! [`sysno`], [`sysctl`] and [`Errno`] (still checked against the header
//! at compile time).  The kernel library built for ns-3-dce (`lkl-dce`)
//! uses it that way.

#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "std")]
pub mod abi;
pub mod consts;
pub mod dirent;
pub mod errno;
pub mod ffi;
#[cfg(feature = "std")]
pub mod icmp;
pub mod inet;
pub mod log;
#[cfg(feature = "std")]
pub mod sys;
pub mod sysctl;
pub mod sysno;
pub mod uapi;

pub use errno::Errno;
pub use ffi::*;
#[cfg(feature = "std")]
pub use sys::syscall;
