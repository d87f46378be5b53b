//! Compiles the small C part of the POSIX host (setjmp/longjmp helpers).

use std::env;

fn main() {
    // Exported by lkl-sys's build script (`links = "lkl_host_ops"`).
    let header = env::var("DEP_LKL_HOST_OPS_HOST_OPS_H")
        .expect("lkl-sys did not export the host_ops.h path");
    println!("cargo:rerun-if-changed=csrc/posix_host.c");
    println!("cargo:rerun-if-changed={header}");

    cc::Build::new()
        .file("csrc/posix_host.c")
        .define("LKL_HOST_OPS_H", Some(format!("\"{header}\"").as_str()))
        .opt_level(2)
        .flag("-fno-omit-frame-pointer")
        .flag("-U_FORTIFY_SOURCE")
        .flag("-fno-strict-aliasing")
        .flag("-std=gnu11")
        .warnings(true)
        .extra_warnings(true)
        .compile("lkl_posix_host_c");
}
