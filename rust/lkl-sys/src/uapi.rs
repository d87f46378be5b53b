//! The raw bindings of the installed headers (`out/include`, from
//! `make ARCH=lkl`): what `build.rs` lets bindgen take through `uapi.h`,
//! under the headers' own names (`__lkl__NR_read`, `LKL_EINVAL`,
//! `LKL_O_RDWR`, `struct lkl_stat`, ...).
//!
//! The rest of the crate is written on top of this module: [`crate::sysno`],
//! [`crate::Errno`], [`crate::consts`] and (with `std`) `abi` name these
//! facts the way Rust callers use them; none of them types a value or a
//! layout again.

#![allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks,
    clippy::all,
    clippy::pedantic,
    missing_docs,
    rustdoc::all
)]

include!(concat!(env!("OUT_DIR"), "/uapi.rs"));
