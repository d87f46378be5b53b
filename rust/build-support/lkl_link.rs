//! Shared by the build scripts of the crates whose binaries contain the
//! kernel (`lkl-tests`, `lkl-demo`, `lkl-bench`): links `lkl.o` into every
//! binary/test of the package.
//!
//! * `LKL_OBJ`: path of lkl.o (default `../../out/kbuild/lkl.o` relative to
//!   the crate directory, i.e. `out/kbuild/lkl.o` of the repository).  A
//!   relative `LKL_OBJ` is resolved against the crate directory too.
//! * `LKL_OBJ_OPTIONAL=1`: if lkl.o is missing, only warn (so that
//!   `cargo check`/`cargo clippy` work before the kernel is built; linking
//!   then fails).
//!
//! Exposes the resolved path to the crate as `env!("LKL_OBJ_PATH")`.

use std::env;
use std::path::PathBuf;

pub fn link_lkl_obj() {
    println!("cargo:rerun-if-env-changed=LKL_OBJ");
    println!("cargo:rerun-if-env-changed=LKL_OBJ_OPTIONAL");
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let obj = manifest.join(
        env::var_os("LKL_OBJ")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("../../out/kbuild/lkl.o")),
    );
    println!("cargo:rerun-if-changed={}", obj.display());

    let Ok(obj) = obj.canonicalize().and_then(|p| {
        if p.is_file() {
            Ok(p)
        } else {
            Err(std::io::ErrorKind::NotFound.into())
        }
    }) else {
        if env::var_os("LKL_OBJ_OPTIONAL").is_some_and(|v| v == "1") {
            println!(
                "cargo:warning=lkl.o not found at {} (LKL_OBJ_OPTIONAL=1: not linked)",
                obj.display()
            );
            println!("cargo:rustc-env=LKL_OBJ_PATH={}", obj.display());
            return;
        }
        eprintln!();
        eprintln!("error: the kernel library lkl.o was not found at");
        eprintln!("    {}", obj.display());
        eprintln!("Build it first: run `make ARCH=lkl` at the top of the repository");
        eprintln!("(or point LKL_OBJ at an existing lkl.o).  To only check/lint the Rust");
        eprintln!("code without it, set LKL_OBJ_OPTIONAL=1.");
        eprintln!();
        std::process::exit(1);
    };

    println!("cargo:rustc-link-arg={}", obj.display());
    // lkl.o may lack a .note.GNU-stack section: never make the stack executable.
    println!("cargo:rustc-link-arg=-Wl,-z,noexecstack");
    println!("cargo:rustc-env=LKL_OBJ_PATH={}", obj.display());
}
