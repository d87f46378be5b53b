//! Build script for dce-abi.
//!
//! 1. Runs bindgen on the C headers of the ns-3-dce ABI (`include/sim.h`,
//!    which pulls in `sim-types.h` and `sim-init.h`; or the directory in
//!    `$DCE_SIM_INCLUDE`) so that `src/layout.rs` can check our mirror of it
//!    at compile time:
//!    * `sim_layout.rs`: every struct and enum as clang lays it out (only
//!      the opaque handles, `FILE`, `msghdr`, `sockaddr` and the `va_list`
//!      tag are mapped to ours);
//!    * `sim_tables.rs`: the two tables, the `SimInit` typedef and the
//!      `sim_init` declaration again, this time with every value type mapped
//!      to ours, so that each member's type can be compared exactly.
//! 2. Compiles `csrc/abi_check.c` with the `cc` crate: `_Static_assert`s that
//!    pin the header to the numbers published in Documentation/dce/abi.rst
//!    (sizes, every
//!    member offset, flag values).  Nothing of it is linked.
//!
//! Exports the include directory to dependents as `DEP_DCE_SIM_ABI_INCLUDE`.

use std::env;
use std::path::{Path, PathBuf};

/// C types that are opaque to the ABI (or the `va_list` tag): bindgen must
/// not define them; `src/layout.rs` maps them to ours.
const OPAQUE: &str =
    "SimTask|SimSocket|SimDevice|SimSysFile|SimKernel|msghdr|sockaddr|_IO_FILE|__va_list_tag";

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let repo = manifest.join("../..");

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=csrc/abi_check.c");

    let include = include_dir(&repo);
    run_bindgen(&include, &out);
    compile_c_checks(&include);
}

fn include_dir(repo: &Path) -> PathBuf {
    println!("cargo:rerun-if-env-changed=DCE_SIM_INCLUDE");
    let dir = env::var_os("DCE_SIM_INCLUDE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("include"));
    let dir = dir.canonicalize().unwrap_or_else(|e| {
        panic!(
            "dce-abi: cannot find the sim headers directory {} ({e}); set DCE_SIM_INCLUDE",
            dir.display()
        )
    });
    for h in ["sim.h", "sim-init.h", "sim-types.h"] {
        let p = dir.join(h);
        assert!(
            p.is_file(),
            "dce-abi: {} is missing (DCE_SIM_INCLUDE={})",
            p.display(),
            dir.display()
        );
        println!("cargo:rerun-if-changed={}", p.display());
    }
    // Exported to direct dependents as DEP_DCE_SIM_ABI_INCLUDE.
    println!("cargo:include={}", dir.display());
    dir
}

fn builder(include: &Path) -> bindgen::Builder {
    let header = include.join("sim.h");
    bindgen::Builder::default()
        .header(header.to_str().expect("UTF-8 header path"))
        .clang_arg(format!("-I{}", include.display()))
        .use_core()
        .ctypes_prefix("core::ffi")
        .blocklist_type(OPAQUE)
        .derive_debug(false)
        .derive_default(false)
        .derive_copy(true)
        .generate_comments(false)
}

fn run_bindgen(include: &Path, out: &Path) {
    let what = include.join("sim.h");
    let what = what.display();

    // Layouts, enum values and the version macro, as clang sees them.
    builder(include)
        .allowlist_type("SimExported|SimImported|SimDevicePacket|SimSysIterator")
        .allowlist_type("SimDevFlags|SimSysFileFlags")
        .allowlist_var("LIBOS_API_VERSION")
        .layout_tests(true)
        .generate()
        .unwrap_or_else(|e| panic!("bindgen failed on {what}: {e} (is libclang-dev installed?)"))
        .write_to_file(out.join("sim_layout.rs"))
        .expect("write sim_layout.rs");

    // The tables and the entry point again, every value type mapped to ours:
    // each member type can then be compared with ours exactly.
    builder(include)
        .allowlist_type("SimExported|SimImported|KernelHandle|DceHandle|SimInit")
        .allowlist_function("sim_init")
        .blocklist_type("SimDevicePacket|SimSysIterator|SimDevFlags|SimSysFileFlags")
        .layout_tests(false)
        .generate()
        .unwrap_or_else(|e| panic!("bindgen failed on {what}: {e}"))
        .write_to_file(out.join("sim_tables.rs"))
        .expect("write sim_tables.rs");
}

fn compile_c_checks(include: &Path) {
    // Only the compilation matters (it fails on a violated _Static_assert);
    // the resulting object is empty and is not linked anywhere.
    cc::Build::new()
        .file("csrc/abi_check.c")
        .include(include)
        .cargo_metadata(false)
        .flag("-std=gnu11")
        .flag("-Wpedantic")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .compile_intermediates();
}
