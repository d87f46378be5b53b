//! Links lkl.o into this package's binaries (see build-support/lkl_link.rs),
//! and next to it the C host library (`tools/lkl/lib`, what C programs link
//! as `liblkl-util.a`), compiled against the installed headers, so that the
//! tests can compare its `lkl_sysctl()`/`lkl_sysctl_get()` with
//! `lkl_sys::sysctl`.
//!
//! * `LKL_INCLUDE`: the installed headers (default `../../out/include`
//!   relative to the crate directory); exposed to the tests as
//!   `env!("LKL_INCLUDE_DIR")`.
//! * `LKL_OBJ_OPTIONAL=1`: without the headers, only warn (see lkl_link.rs).

#[path = "../build-support/lkl_link.rs"]
mod lkl_link;

use std::env;
use std::path::PathBuf;

/// The C host library's sources, relative to the crate directory.
const UTIL_SRCS: &[&str] = &["../../tools/lkl/lib/sysctl.c"];

fn main() {
    lkl_link::link_lkl_obj();

    println!("cargo:rerun-if-env-changed=LKL_INCLUDE");
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let include = manifest.join(
        env::var_os("LKL_INCLUDE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("../../out/include")),
    );
    let lkl_h = include.join("lkl.h");
    println!("cargo:rerun-if-changed={}", lkl_h.display());
    println!("cargo:rustc-env=LKL_INCLUDE_DIR={}", include.display());
    if !lkl_h.is_file() {
        if env::var_os("LKL_OBJ_OPTIONAL").is_some_and(|v| v == "1") {
            println!(
                "cargo:warning=lkl.h not found in {} (LKL_OBJ_OPTIONAL=1: the C host library is not built)",
                include.display()
            );
            return;
        }
        eprintln!();
        eprintln!("error: the installed headers were not found at");
        eprintln!("    {}", include.display());
        eprintln!("Build them first: run `make ARCH=lkl` at the top of the repository");
        eprintln!("(or point LKL_INCLUDE at them).");
        eprintln!();
        std::process::exit(1);
    }

    let mut build = cc::Build::new();
    for src in UTIL_SRCS {
        let src = manifest.join(src);
        println!("cargo:rerun-if-changed={}", src.display());
        build.file(src);
    }
    build
        .include(&include)
        .flag("-std=gnu11")
        .opt_level(2)
        .pic(true)
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .compile("lkl-util");
}
