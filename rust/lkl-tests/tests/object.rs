//! Properties of the `lkl.o` object itself, read with binutils' `nm` and
//! `readelf`: what a program that links it can see and must provide.

use std::collections::BTreeSet;
use std::process::Command;

/// The public entry points: the only symbols `lkl.o` may define globally.
const ENTRY_POINTS: [&str; 11] = [
    "lkl_cleanup",
    "lkl_get_free_irq",
    "lkl_init",
    "lkl_is_running",
    "lkl_put_irq",
    "lkl_netdev_rx",
    "lkl_start_kernel",
    "lkl_sys_halt",
    "lkl_syscall",
    "lkl_syscall_abandon",
    "lkl_trigger_irq",
];

/// Host-side helpers (the C host library, `lkl_sys::sysctl`) that `lkl.o`
/// must not define at all: other LKL host libraries have their own.
const HOST_SIDE: [&str; 2] = ["lkl_sysctl", "lkl_sysctl_get"];

fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(env!("LKL_OBJ_PATH"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
    assert!(out.status.success(), "{tool} {args:?} failed: {out:?}");
    String::from_utf8(out.stdout).expect("tool output is UTF-8")
}

/// Names in `nm` output lines of the form "[value] TYPE name".
fn names(nm_output: &str) -> BTreeSet<String> {
    nm_output
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .map(str::to_owned)
        .collect()
}

#[test]
fn only_the_entry_points_are_global() {
    let defined = names(&run("nm", &["-g", "--defined-only"]));
    let expected: BTreeSet<String> = ENTRY_POINTS.iter().map(|s| s.to_string()).collect();
    assert_eq!(defined, expected);
}

#[test]
fn host_side_helpers_are_not_in_the_kernel() {
    // Every symbol, local ones included.
    let all = names(&run("nm", &["--defined-only"]));
    for name in HOST_SIDE {
        assert!(!all.contains(name), "lkl.o defines {name}");
    }
}

#[test]
fn nothing_is_undefined_but_the_got() {
    let undefined = names(&run("nm", &["-u"]));
    let expected: BTreeSet<String> = ["_GLOBAL_OFFSET_TABLE_".to_string()].into();
    assert_eq!(undefined, expected);
}

#[test]
fn stack_is_not_executable() {
    let sections = run("readelf", &["-S", "-W"]);
    let line = sections
        .lines()
        .find(|l| l.contains(".note.GNU-stack"))
        .expect("lkl.o has a .note.GNU-stack section");
    // The flags column of an executable-stack note would contain 'X'.
    let flags: Vec<&str> = line.split_whitespace().collect();
    assert!(
        !flags.iter().any(|f| f.contains('X')),
        ".note.GNU-stack asks for an executable stack: {line}"
    );
}

#[test]
fn is_relocatable_x86_64() {
    let header = run("readelf", &["-h"]);
    assert!(header.contains("REL (Relocatable file)"), "{header}");
    assert!(header.contains("X86-64"), "{header}");
}

/// `CONFIG_<option>=y` in the configuration lkl.o was built with (the
/// `.config` next to it).
fn config_enabled(option: &str) -> bool {
    let obj = std::path::Path::new(env!("LKL_OBJ_PATH"));
    let path = obj.with_file_name(".config");
    let config = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    config.lines().any(|l| l == format!("CONFIG_{option}=y"))
}

/// The installed headers number a call (`__lkl__NR_<name>`, for `#ifdef`
/// feature tests) only if it is built; the others have
/// `LKL_NR_<name>_UNBUILT`.  Checked against facts found elsewhere: the
/// configuration, the calls the arch leaves out, and the `sys_*` symbols of
/// lkl.o that are aliases of `sys_ni_syscall`.
#[test]
fn installed_headers_number_only_built_calls() {
    let calls = lkl_tests::header_syscalls().expect("the installed headers");
    for (name, nr) in &calls.unbuilt {
        assert!(
            !calls.built.contains_key(name),
            "{name} is both built and unbuilt"
        );
        assert_eq!(lkl_sys::sysno::by_name(name), Some(*nr), "{name}");
    }
    // Every asm-generic call is one or the other, with its number.
    for &(name, nr) in lkl_sys::sysno::ALL {
        let got = calls.built.get(name).or(calls.unbuilt.get(name));
        assert_eq!(got, Some(&nr), "__NR_{name}");
    }

    // Built in every configuration of the library, or as configured.
    let expect = [
        ("socket", config_enabled("NET")),
        ("epoll_create1", config_enabled("EPOLL")),
        ("timer_create", config_enabled("POSIX_TIMERS")),
        ("msgget", config_enabled("SYSVIPC")),
        ("getpid", true),
        ("openat", true),
        // Left out by the arch (arch/lkl/kernel/syscalls.c).
        ("clone", false),
        ("execve", false),
        ("mmap", false),
        // sys_ni_syscall in the asm-generic table.
        ("nfsservctl", false),
    ];
    for (name, built) in expect {
        assert_eq!(calls.built.contains_key(name), built, "__lkl__NR_{name}");
        assert_eq!(
            calls.unbuilt.contains_key(name),
            !built,
            "LKL_NR_{name}_UNBUILT"
        );
    }

    // sys_<name> symbols at the address of sys_ni_syscall: COND_SYSCALL
    // aliases of calls the configuration left out.
    let syms: Vec<(String, String)> = run("nm", &["--defined-only"])
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3).then(|| (f[0].to_string(), f[2].to_string()))
        })
        .collect();
    let ni = syms
        .iter()
        .find(|(_, sym)| sym == "sys_ni_syscall")
        .map(|(a, _)| a.clone())
        .expect("lkl.o has sys_ni_syscall");
    let mut aliases = 0;
    for (a, sym) in &syms {
        let Some(name) = sym.strip_prefix("sys_") else {
            continue;
        };
        if *a == ni && name != "ni_syscall" && lkl_sys::sysno::by_name(name).is_some() {
            aliases += 1;
            assert!(
                !calls.built.contains_key(name),
                "{name} is not built but numbered"
            );
        }
    }
    assert!(aliases > 0, "no sys_ni_syscall aliases in lkl.o");
}
