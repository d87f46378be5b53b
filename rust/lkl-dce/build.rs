//! Compiles the C part of the DCE host (`csrc/glue.c`: non-local jumps and
//! the variadic call into DCE's `vprintf`).
//!
//! `csrc/string.c` (memcpy & co.) is *not* built here: it is linked only
//! into `liblkl.so` by the top-level Makefile, so that Rust test binaries
//! keep the host libc's string functions.

use std::env;

fn main() {
    // Exported by lkl-sys's build script (`links = "lkl_host_ops"`).
    let header = env::var("DEP_LKL_HOST_OPS_HOST_OPS_H")
        .expect("lkl-sys did not export the host_ops.h path");
    println!("cargo:rerun-if-changed=csrc/glue.c");
    println!("cargo:rerun-if-changed={header}");

    cc::Build::new()
        .file("csrc/glue.c")
        .define("LKL_HOST_OPS_H", Some(format!("\"{header}\"").as_str()))
        .opt_level(2)
        .pic(true)
        .flag("-ffreestanding")
        .flag("-fno-builtin")
        .flag("-fno-stack-protector")
        .flag("-fno-strict-aliasing")
        .flag("-std=gnu11")
        .warnings(true)
        .extra_warnings(true)
        .compile("lkl_dce_c");
}
