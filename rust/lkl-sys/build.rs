//! Build script for lkl-sys.
//!
//! Runs bindgen over the installed headers (`$LKL_INCLUDE`, default
//! `../../out/include`, from `make ARCH=lkl`) through `uapi.h`, once:
//!
//! * the raw module `uapi.rs`: the whole host contract (`lkl/asm/host_ops.h`:
//!   `struct lkl_host_operations`, the entry points, the network device and
//!   poll interface), and the system call numbers, errno values, UAPI
//!   constants and structures the crates use;
//! * from the numbers it found, `sysno.rs`: the `SYS_<name>` names and the
//!   `ALL` table.
//!
//! Exports the installed contract header's path to dependents as
//! `DEP_LKL_HOST_OPS_HOST_OPS_H` (lkl-posix-host compiles C against it).

#[path = "../build-support/bindings.rs"]
mod bindings;

use std::cell::RefCell;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use bindgen::callbacks::{IntKind, MacroParsingBehavior, ParseCallbacks};

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../build-support/bindings.rs");

    let hint = "Build them first: run `make ARCH=lkl` at the top of the repository";
    let include = bindings::input(
        "LKL_INCLUDE",
        "../../out/include",
        "the directory of the installed kernel headers",
        hint,
    );
    if !include.join("lkl.h").is_file() {
        eprintln!();
        eprintln!(
            "error: {} has no lkl.h: it is not the directory of",
            include.display()
        );
        eprintln!("the installed kernel headers (lkl.h and lkl/).");
        eprintln!("{hint} (or point LKL_INCLUDE at them).");
        eprintln!();
        std::process::exit(1);
    }
    let host_ops = include.join("lkl/asm/host_ops.h");
    println!("cargo:rerun-if-changed={}", host_ops.display());
    // Exported to direct dependents as DEP_LKL_HOST_OPS_HOST_OPS_H.
    println!("cargo:host_ops_h={}", host_ops.display());
    let numbers = generate_uapi(&manifest.join("uapi.h"), &include);
    generate_sysno(&numbers, &include, &out);
}

/// The UAPI macros and enumerators lkl-sys takes (bindgen regexes, which
/// match whole names), by header family.  Everything else stays out.
const UAPI_VARS: &[&str] = &[
    // System call numbers: built, and not built (asm-generic/unistd.h).
    r"__lkl__NR_\w+",
    r"LKL_NR_\w+_UNBUILT",
    // errno values (asm-generic/errno*.h).
    "LKL_E[0-9A-Z]+",
    // fcntl.h, fs.h, stat.h, limits.h, time.h, mount.h.
    "LKL_AT_(FDCWD|REMOVEDIR|SYMLINK_NOFOLLOW)",
    "LKL_O_[0-9A-Z]+",
    "LKL_F_[GS]ETFL",
    "LKL_SEEK_(SET|CUR|END)",
    "LKL_S_IF[A-Z]+",
    "LKL_PIPE_BUF",
    "LKL_CLOCK_(REALTIME|MONOTONIC)",
    "LKL_MS_RDONLY",
    // socket.h, in.h, tcp.h, if.h, sockios.h, if_ether.h, icmp.h.
    "LKL_AF_[0-9A-Z]+",
    "LKL_SOCK_[0-9A-Z_]+",
    "LKL_SHUT_(RD|WR|RDWR)",
    "LKL_MSG_[0-9A-Z_]+",
    "LKL_IPPROTO_[0-9A-Z]+",
    "LKL_TCP_CONGESTION",
    "LKL_SIOC[GS]IF[0-9A-Z]+",
    "LKL_IFNAMSIZ",
    "LKL_IFF_[0-9A-Z_]+",
    "LKL_ETH_P_IPV?6?",
    "LKL_ICMP_ECHO(REPLY)?",
    // poll.h, eventpoll.h, signal.h, random.h.
    "LKL_POLL[A-Z]+",
    "LKL_EPOLL(IN|OUT|ERR|HUP)",
    "LKL_EPOLL_CTL_[A-Z]+",
    "_LKL_NSIG",
    "LKL_RNDADDENTROPY",
];

/// Macro families that repeat enumerators of the same name
/// (`#define IPPROTO_TCP IPPROTO_TCP`): the enumerators are taken.
const ENUM_MACROS: &[&str] = &["LKL_IPPROTO_", "LKL_IFF_"];

/// The UAPI structures lkl-sys wraps (`abi.rs`, and lkl-dce's entropy).
const UAPI_TYPES: &[&str] = &[
    "__lkl__kernel_timespec",
    "lkl_stat",
    "lkl_sockaddr_in",
    "lkl_ifreq",
    "lkl_new_utsname",
    "lkl_pollfd",
    "lkl_epoll_event",
    "lkl_linux_dirent64",
    "lkl_rand_pool_info",
    // Enumerations: SOCK_STREAM, SHUT_RDWR, IFF_UP, ...
    "lkl_sock_type",
    "lkl_sock_shutdown_cmd",
    "lkl_net_device_flags",
];

/// One system call number of the installed headers (its value is the
/// macro's in `uapi.rs`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Sysno {
    /// The call's name (`read`; `syscalls` for `__lkl__NR_syscalls`).
    call: String,
    /// The macro: `__lkl__NR_read`, or `LKL_NR_<call>_UNBUILT`.
    macro_name: String,
}

/// Notes every system call number bindgen evaluates, so that `sysno.rs`
/// can name them all; and keeps out the macros of [`ENUM_MACROS`].
#[derive(Debug, Default)]
struct SysnoCollector(Rc<RefCell<Vec<Sysno>>>);

impl ParseCallbacks for SysnoCollector {
    fn will_parse_macro(&self, name: &str) -> MacroParsingBehavior {
        if ENUM_MACROS.iter().any(|p| name.starts_with(p)) {
            MacroParsingBehavior::Ignore
        } else {
            MacroParsingBehavior::Default
        }
    }

    fn int_macro(&self, name: &str, _value: i64) -> Option<IntKind> {
        let call = name.strip_prefix("__lkl__NR_").or_else(|| {
            name.strip_prefix("LKL_NR_")
                .and_then(|n| n.strip_suffix("_UNBUILT"))
        });
        if let Some(call) = call {
            self.0.borrow_mut().push(Sysno {
                call: call.to_string(),
                macro_name: name.to_string(),
            });
        }
        None
    }
}

/// Writes `$OUT_DIR/uapi.rs` and returns the system call numbers found.
fn generate_uapi(wrapper: &Path, include: &Path) -> Vec<Sysno> {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let found = Rc::new(RefCell::new(Vec::new()));
    let mut b = bindings::builder(wrapper, &[include])
        // int for every macro that fits, as C has them (AT_FDCWD is -100).
        .default_macro_constant_type(bindgen::MacroTypeVariation::Signed)
        // EPOLLIN is `(__poll_t)0x00000001`, RNDADDENTROPY an `_IOW()`.
        .clang_macro_fallback()
        .clang_macro_fallback_build_dir(&out)
        // Enumerators (IPPROTO_*, SOCK_*, IFF_*) as plain constants.
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        // The wrappers of abi.rs are these types; what they derive.
        .derive_default(true)
        .derive_debug(true)
        .impl_debug(true)
        .derive_partialeq(true)
        .derive_eq(true)
        .parse_callbacks(Box::new(SysnoCollector(found.clone())));
    // The host contract, all of it.
    b = b
        .allowlist_file(r".*/lkl/asm/host_ops\.h")
        // Function pointers have no meaningful equality.
        .no_partialeq("lkl_host_operations");
    for v in UAPI_VARS {
        b = b.allowlist_var(v);
    }
    for t in UAPI_TYPES {
        b = b.allowlist_type(t);
    }
    bindings::generate(b, "uapi.rs", include);
    let mut numbers = found.take();
    numbers.sort();
    numbers.dedup();
    numbers
}

/// Writes `$OUT_DIR/sysno.rs`: one `SYS_<call>` per number (built or
/// not: an unbuilt call answers `ENOSYS`), `NR_SYSCALLS`, `ALL`, `SOURCE`.
fn generate_sysno(numbers: &[Sysno], include: &Path, out: &Path) {
    let mut calls: Vec<&str> = numbers.iter().map(|s| s.call.as_str()).collect();
    calls.dedup();
    if calls.len() != numbers.len() {
        panic!("lkl-sys: a system call is both built and unbuilt in {numbers:?}");
    }
    if numbers.len() < 300 || !calls.contains(&"syscalls") {
        panic!(
            "lkl-sys: only {} system call numbers (and no __lkl__NR_syscalls?) in {}",
            numbers.len(),
            include.display()
        );
    }

    let mut s = String::new();
    writeln!(s, "// @generated by lkl-sys/build.rs; do not edit.").unwrap();
    writeln!(s, "/// Where these numbers came from.").unwrap();
    let source = format!("{}/lkl/asm/unistd.h", include.display());
    writeln!(s, "pub const SOURCE: &str = {source:?};").unwrap();
    for Sysno {
        call, macro_name, ..
    } in numbers
    {
        let unbuilt = macro_name.ends_with("_UNBUILT");
        let what = if unbuilt {
            ": not built, the kernel answers `ENOSYS`"
        } else {
            ""
        };
        if call == "syscalls" {
            writeln!(s, "/// `{macro_name}`: size of the syscall table.").unwrap();
            writeln!(
                s,
                "pub const NR_SYSCALLS: c_long = uapi::{macro_name} as c_long;"
            )
            .unwrap();
        } else {
            writeln!(s, "/// `{macro_name}`{what}").unwrap();
            writeln!(
                s,
                "pub const SYS_{call}: c_long = uapi::{macro_name} as c_long;"
            )
            .unwrap();
        }
    }
    writeln!(
        s,
        "/// Every number above, `(call, number)`, built or not, sorted by name."
    )
    .unwrap();
    writeln!(s, "pub const ALL: &[(&str, c_long)] = &[").unwrap();
    for Sysno { call, .. } in numbers {
        let konst = if call == "syscalls" {
            "NR_SYSCALLS".to_string()
        } else {
            format!("SYS_{call}")
        };
        writeln!(s, "    ({call:?}, {konst}),").unwrap();
    }
    writeln!(s, "];").unwrap();
    writeln!(
        s,
        "/// The calls this build does not have (`LKL_NR_<call>_UNBUILT`)."
    )
    .unwrap();
    writeln!(s, "pub const UNBUILT: &[&str] = &[").unwrap();
    for Sysno {
        call, macro_name, ..
    } in numbers
    {
        if macro_name.ends_with("_UNBUILT") {
            writeln!(s, "    {call:?},").unwrap();
        }
    }
    writeln!(s, "];").unwrap();
    fs::write(out.join("sysno.rs"), s).expect("write sysno.rs");
}
