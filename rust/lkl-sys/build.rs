//! Build script for lkl-sys.
//!
//! 1. Runs bindgen on the C contract (`arch-dce/include/uapi/asm/host_ops.h`,
//!    or `$LKL_HOST_OPS_H`) so that `src/layout.rs` can check our mirror of
//!    it at compile time; exports the header path to dependents as
//!    `DEP_LKL_HOST_OPS_HOST_OPS_H`.
//! 2. Generates the asm-generic syscall numbers (`sysno.rs`) from the kernel
//!    tree (`$KERNEL_TREE`, default `../out/src/linux` relative to the
//!    workspace) or, when that is absent, from the checked-in table.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

#[path = "src/unistd_parse.rs"]
mod unistd_parse;

#[path = "src/sysno_table.rs"]
mod sysno_table;

/// Assumed when the arch's uapi `asm/unistd.h` does not exist yet: the
/// options an LKL-style 64-bit port needs for the tests (fstat/newfstatat).
const DEFAULT_ARCH_DEFINES: &[&str] = &["__ARCH_WANT_NEW_STAT", "__ARCH_WANT_SET_GET_RLIMIT"];

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let repo = manifest.join("../..");

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/unistd_parse.rs");
    println!("cargo:rerun-if-changed=src/sysno_table.rs");

    let header = host_ops_header(&repo);
    run_bindgen(&header, &out);
    generate_sysno(&repo, &out);
}

fn host_ops_header(repo: &Path) -> PathBuf {
    println!("cargo:rerun-if-env-changed=LKL_HOST_OPS_H");
    let header = env::var_os("LKL_HOST_OPS_H")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("arch-dce/include/uapi/asm/host_ops.h"));
    let header = header.canonicalize().unwrap_or_else(|e| {
        panic!(
            "lkl-sys: cannot find the C contract header {} ({e}); set LKL_HOST_OPS_H",
            header.display()
        )
    });
    println!("cargo:rerun-if-changed={}", header.display());
    // Exported to direct dependents as DEP_LKL_HOST_OPS_HOST_OPS_H.
    println!("cargo:host_ops_h={}", header.display());
    header
}

fn run_bindgen(header: &Path, out: &Path) {
    let header = header.to_str().expect("UTF-8 header path");
    let opaque = "lkl_sem|lkl_mutex|lkl_tls_key|lkl_dev_pci_ops|lkl_netdev|lkl_poll";

    // Layout and member types, as clang sees them.
    bindgen::Builder::default()
        .header(header)
        .allowlist_type(
            "lkl_host_operations|lkl_jmp_buf|lkl_thread_t|lkl_prot|lkl_netdev_frame|\
             lkl_netdev_xmit_t|lkl_poll_notify_t",
        )
        .allowlist_var("LKL_NETDEV_.*")
        .blocklist_type(opaque)
        .derive_debug(false)
        .derive_default(false)
        .generate_comments(false)
        .use_core()
        .layout_tests(true)
        .generate()
        .unwrap_or_else(|e| panic!("bindgen failed on {header}: {e} (is libclang-dev installed?)"))
        .write_to_file(out.join("host_ops_types.rs"))
        .expect("write host_ops_types.rs");

    // Entry point signatures, with every contract type mapped to ours.
    bindgen::Builder::default()
        .header(header)
        .allowlist_function("lkl_.*")
        .blocklist_type(format!(
            "{opaque}|lkl_host_operations|lkl_jmp_buf|lkl_netdev_frame"
        ))
        .generate_comments(false)
        .use_core()
        .layout_tests(false)
        .generate()
        .unwrap_or_else(|e| panic!("bindgen failed on {header}: {e}"))
        .write_to_file(out.join("host_ops_fns.rs"))
        .expect("write host_ops_fns.rs");
}

fn arch_defines(repo: &Path) -> (Vec<String>, String) {
    println!("cargo:rerun-if-env-changed=LKL_ARCH_UNISTD_H");
    let path = env::var_os("LKL_ARCH_UNISTD_H")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("arch-dce/include/uapi/asm/unistd.h"));
    match fs::read_to_string(&path) {
        Ok(text) => {
            println!("cargo:rerun-if-changed={}", path.display());
            let defs = text
                .lines()
                .filter_map(|l| l.trim().strip_prefix("#define"))
                .filter_map(|l| l.split_whitespace().next())
                .filter(|n| n.starts_with("__ARCH_"))
                .map(str::to_string)
                .collect();
            (defs, path.display().to_string())
        }
        Err(_) => (
            DEFAULT_ARCH_DEFINES.iter().map(|s| s.to_string()).collect(),
            "defaults in lkl-sys/build.rs (arch uapi asm/unistd.h not found)".to_string(),
        ),
    }
}

fn generate_sysno(repo: &Path, out: &Path) {
    println!("cargo:rerun-if-env-changed=KERNEL_TREE");
    let tree = env::var_os("KERNEL_TREE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("out/src/linux"));
    let unistd = tree.join("include/uapi/asm-generic/unistd.h");
    let (defines, defines_src) = arch_defines(repo);
    let bits: i64 = env::var("CARGO_CFG_TARGET_POINTER_WIDTH")
        .expect("target pointer width")
        .parse()
        .expect("numeric pointer width");

    let fallback: Vec<(String, i64)> = sysno_table::FALLBACK_TABLE
        .iter()
        .map(|&(n, v)| (n.to_string(), v))
        .collect();

    let (mut table, source) = match fs::read_to_string(&unistd) {
        Ok(text) => {
            println!("cargo:rerun-if-changed={}", unistd.display());
            let refs: Vec<&str> = defines.iter().map(String::as_str).collect();
            let cfg = unistd_parse::Config {
                bits_per_long: bits,
                predefined: &refs,
            };
            let parsed = unistd_parse::parse_unistd(&text, &cfg)
                .unwrap_or_else(|e| panic!("lkl-sys: parsing {}: {e}", unistd.display()));
            let mut table = parsed.clone();
            for (name, nr) in &fallback {
                match parsed.iter().find(|(n, _)| n == name) {
                    Some((_, v)) if v == nr => {}
                    Some((_, v)) => panic!(
                        "lkl-sys: checked-in table says __NR_{name} = {nr} but {} says {v}",
                        unistd.display()
                    ),
                    None => {
                        println!(
                            "cargo:warning=__NR_{name} is not defined by {} with arch defines \
                             {defines:?} (from {defines_src}); the kernel will answer ENOSYS",
                            unistd.display()
                        );
                        table.push((name.clone(), *nr));
                    }
                }
            }
            println!("cargo:rustc-env=LKL_SYSNO_UNISTD_H={}", unistd.display());
            (
                table,
                format!("{} (arch defines from {defines_src})", unistd.display()),
            )
        }
        Err(_) => {
            println!(
                "cargo:warning=kernel tree not found at {} (set KERNEL_TREE): using the \
                 checked-in syscall table (lkl-sys/src/sysno_table.rs)",
                tree.display()
            );
            println!("cargo:rustc-env=LKL_SYSNO_UNISTD_H=");
            (
                fallback,
                "checked-in table lkl-sys/src/sysno_table.rs".to_string(),
            )
        }
    };
    println!(
        "cargo:rustc-env=LKL_SYSNO_ARCH_DEFINES={}",
        defines.join(",")
    );
    table.sort();

    let mut s = String::new();
    writeln!(s, "// @generated by lkl-sys/build.rs; do not edit.").unwrap();
    writeln!(s, "/// Where these numbers came from.").unwrap();
    writeln!(s, "pub const SOURCE: &str = {source:?};").unwrap();
    for (name, nr) in &table {
        if name == "syscalls" {
            writeln!(s, "/// `__NR_syscalls`: size of the syscall table.").unwrap();
            writeln!(s, "pub const NR_SYSCALLS: c_long = {nr};").unwrap();
        } else {
            writeln!(s, "/// `__NR_{name}`").unwrap();
            writeln!(s, "pub const SYS_{name}: c_long = {nr};").unwrap();
        }
    }
    writeln!(
        s,
        "/// Every number above, `(name without __NR_, number)`, sorted by name."
    )
    .unwrap();
    writeln!(s, "pub const ALL: &[(&str, c_long)] = &[").unwrap();
    for (name, nr) in &table {
        writeln!(s, "    ({name:?}, {nr}),").unwrap();
    }
    writeln!(s, "];").unwrap();
    fs::write(out.join("sysno.rs"), s).expect("write sysno.rs");
}
