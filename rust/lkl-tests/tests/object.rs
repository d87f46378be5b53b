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
