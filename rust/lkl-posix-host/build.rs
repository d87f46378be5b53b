//! Compiles the small C part of the POSIX host (setjmp/longjmp helpers),
//! and, into an archive of its own, the C self-tests of its unit tests:
//! an archive member is linked only into programs that call it, so the
//! host that programs link carries no test code.

use std::env;

fn build(header: &str, file: &str) -> cc::Build {
    let mut b = cc::Build::new();
    b.file(file)
        .define("LKL_HOST_OPS_H", Some(format!("\"{header}\"").as_str()))
        .opt_level(2)
        .flag("-fno-omit-frame-pointer")
        .flag("-U_FORTIFY_SOURCE")
        .flag("-fno-strict-aliasing")
        .flag("-std=gnu11")
        .warnings(true)
        .extra_warnings(true);
    b
}

fn main() {
    // Exported by lkl-sys's build script (`links = "lkl_host_ops"`).
    let header = env::var("DEP_LKL_HOST_OPS_HOST_OPS_H")
        .expect("lkl-sys did not export the host_ops.h path");
    println!("cargo:rerun-if-changed=csrc/posix_host.c");
    println!("cargo:rerun-if-changed=csrc/selftest.c");
    println!("cargo:rerun-if-changed={header}");

    build(&header, "csrc/posix_host.c").compile("lkl_posix_host_c");
    build(&header, "csrc/selftest.c").compile("lkl_posix_host_selftest");
}
