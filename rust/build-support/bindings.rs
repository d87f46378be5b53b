//! Shared by the build scripts that generate Rust from C headers with
//! bindgen (`dce-abi` over `include/sim*.h`, `lkl-sys` over the kernel's
//! installed headers), Rust-for-Linux style: one raw generated module per
//! header set, thin documented wrappers written on top of it.
//!
//! * [`input`]: where a header (or a header directory) is, from an
//!   environment variable or a default relative to the crate, with the
//!   `rerun-if` lines Cargo needs and a clear error when it is missing.
//! * [`builder`]: one bindgen configuration for every crate: `core` types,
//!   no derives but `Copy`, the header's own comments kept as rustdoc.
//! * [`generate`]: run it and write `$OUT_DIR/<name>`.

#![allow(dead_code)] // each build script uses part of this file

use std::env;
use std::path::{Path, PathBuf};

/// The file or directory named by `$var`, else `default` (relative to the
/// crate directory), canonicalized.  Exits the build with a message naming
/// `what`, the path and `hint` when it does not exist.
pub fn input(var: &str, default: &str, what: &str, hint: &str) -> PathBuf {
    println!("cargo:rerun-if-env-changed={var}");
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let path = manifest.join(
        env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(default)),
    );
    match path.canonicalize() {
        Ok(p) => {
            println!("cargo:rerun-if-changed={}", p.display());
            p
        }
        Err(e) => {
            eprintln!();
            eprintln!("error: {what} was not found at");
            eprintln!("    {} ({e})", path.display());
            eprintln!("{hint} (or point {var} at it).");
            eprintln!();
            std::process::exit(1);
        }
    }
}

/// The bindgen configuration every crate starts from: `header`, the
/// include directories `includes`, `core::ffi` types, `Copy` but no
/// `Debug`/`Default` derives (the wrappers add what they need), `/** */`
/// comments of the header carried over as documentation, layout tests.
pub fn builder(header: &Path, includes: &[&Path]) -> bindgen::Builder {
    println!("cargo:rerun-if-changed={}", header.display());
    let mut b = bindgen::Builder::default()
        .header(header.to_str().expect("UTF-8 header path"))
        .use_core()
        .ctypes_prefix("core::ffi")
        .derive_debug(false)
        .derive_default(false)
        .derive_copy(true)
        .generate_comments(true)
        .layout_tests(true);
    for dir in includes {
        b = b.clang_arg(format!("-I{}", dir.display()));
    }
    b
}

/// Runs `b` and writes the result to `$OUT_DIR/name`; `what` names the
/// input in the error message.
pub fn generate(b: bindgen::Builder, name: &str, what: &Path) {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    b.generate()
        .unwrap_or_else(|e| {
            panic!(
                "bindgen failed on {}: {e} (is libclang-dev installed?)",
                what.display()
            )
        })
        .write_to_file(out.join(name))
        .unwrap_or_else(|e| panic!("write {name}: {e}"));
}
