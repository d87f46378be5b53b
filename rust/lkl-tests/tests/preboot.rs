//! Checks on a process that never boots the kernel (a process can boot it
//! only once, so these cannot share a binary with `tests/kernel.rs`).

use std::process::ExitCode;

use lkl_sys::{sys, Errno, LklHostOperations};
use lkl_tests::{ensure, ensure_eq, Failed};

fn main() -> ExitCode {
    lkl_tests::run(vec![
        lkl_tests::trial(
            "syscall_before_boot_is_enodev",
            syscall_before_boot_is_enodev,
        ),
        lkl_tests::trial("init_missing_op_fails", init_missing_op_fails),
        lkl_tests::trial(
            "syscall_after_failed_init_is_enodev",
            syscall_before_boot_is_enodev,
        ),
    ])
}

fn syscall_before_boot_is_enodev() -> Result<(), Failed> {
    ensure!(!sys::is_running(), "lkl_is_running() != 0 before any boot");
    ensure_eq!(sys::getpid(), Err(Errno::ENODEV));
    // SAFETY: no argument is an address.
    let r = unsafe { sys::syscall(1000, [0; 6]) };
    ensure_eq!(r, Err(Errno::ENODEV));
    // The sysctl helpers, C and Rust, are system calls too.
    let mut buf = [0u8; 16];
    ensure_eq!(
        lkl_sys::sysctl::get(c"kernel.ostype", &mut buf),
        Err(Errno::ENODEV)
    );
    ensure_eq!(
        lkl_sys::sysctl::set(c"net.ipv4.ip_forward", b"1"),
        Err(Errno::ENODEV)
    );
    // SAFETY: NUL-terminated strings and a buffer of the size given.
    let (get, set) = unsafe {
        (
            lkl_tests::c_util::lkl_sysctl_get(
                c"kernel.ostype".as_ptr(),
                buf.as_mut_ptr().cast(),
                16,
            ),
            lkl_tests::c_util::lkl_sysctl(c"net.ipv4.ip_forward".as_ptr(), c"1".as_ptr()),
        )
    };
    ensure_eq!((get, set), (-Errno::ENODEV.0, -Errno::ENODEV.0));
    Ok(())
}

fn init_missing_op_fails() -> Result<(), Failed> {
    let mut ops: LklHostOperations = *lkl_posix_host::host_ops();
    ops.sem_alloc = None;
    // The kernel may keep the pointer: give it a table that lives forever.
    let ops: &'static mut LklHostOperations = Box::leak(Box::new(ops));
    // SAFETY: a complete table except for the member under test, valid forever.
    let ret = unsafe { lkl_sys::lkl_init(ops) };
    ensure_eq!(ret, -Errno::EINVAL.0, "lkl_init without sem_alloc");
    let log = lkl_posix_host::boot_log();
    ensure!(
        log.contains("sem_alloc"),
        "the message printed by lkl_init does not name sem_alloc; printed: {log:?}"
    );
    ensure!(
        !sys::is_running(),
        "lkl_is_running() != 0 after a failed lkl_init"
    );
    Ok(())
}
