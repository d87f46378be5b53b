//! Raw FFI layer for the ARCH=lkl kernel library (`lkl.o`).
//!
//! * [`ffi`]: `#[repr(C)]` mirror of `struct lkl_host_operations`,
//!   `struct lkl_jmp_buf` and the entry points, checked member by member
//!   against `arch-dce/include/uapi/asm/host_ops.h` at compile time.
//! * [`sysno`]: asm-generic syscall numbers; [`consts`], [`abi`]: the uapi
//!   constants and structures the tests use; [`Errno`].
//! * [`sys`]: a thin safe wrapper over `lkl_syscall`; [`icmp`]: ping.
//!
//! This crate does not link `lkl.o`: the final binary does (see
//! `build-support/lkl_link.rs`), so everything here compiles without it.

pub mod abi;
pub mod consts;
pub mod errno;
pub mod ffi;
pub mod icmp;
mod layout;
pub mod sys;
pub mod sysno;
mod sysno_table;
#[cfg(test)]
mod unistd_parse;

pub use errno::Errno;
pub use ffi::*;
pub use sys::syscall;
