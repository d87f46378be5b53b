// Checked-in fallback table of asm-generic syscall numbers (64-bit, no
// __SYSCALL_COMPAT), for builds without the extracted kernel tree.
//
// ARCH=lkl uses include/uapi/asm-generic/unistd.h numbering on every host,
// NOT the host's own table (x86-64 Linux's `read` is 0, here it is 63).
// When the kernel tree is present, build.rs generates the numbers from the
// header instead and refuses to build if any entry below disagrees; the unit
// test `sysno::tests::fallback_table_matches_header` checks it again.
//
// Shared with build.rs via `#[path]`, so keep it dependency-free.

/// `(name without "__NR_", number)`; `"syscalls"` is `__NR_syscalls`.
pub const FALLBACK_TABLE: &[(&str, i64)] = &[
    ("bind", 200),
    ("chdir", 49),
    ("clock_gettime", 113),
    ("close", 57),
    ("connect", 203),
    ("dup", 23),
    ("dup3", 24),
    ("epoll_create1", 20),
    ("epoll_ctl", 21),
    ("epoll_pwait", 22),
    ("exit", 93),
    ("exit_group", 94),
    ("faccessat", 48),
    ("fchmodat", 53),
    ("fcntl", 25),
    ("fstat", 80),
    ("getdents64", 61),
    ("getpid", 172),
    ("getppid", 173),
    ("getsockopt", 209),
    ("gettid", 178),
    ("getuid", 174),
    ("ioctl", 29),
    ("kill", 129),
    ("lseek", 62),
    ("mkdirat", 34),
    ("mount", 40),
    ("nanosleep", 101),
    ("newfstatat", 79),
    ("openat", 56),
    ("pipe2", 59),
    ("ppoll", 73),
    ("read", 63),
    ("readlinkat", 78),
    ("reboot", 142),
    ("recvfrom", 207),
    ("sched_yield", 124),
    ("sendto", 206),
    ("setsockopt", 208),
    ("socket", 198),
    ("statx", 291),
    ("syscalls", 463),
    ("umask", 166),
    ("umount2", 39),
    ("uname", 160),
    ("unlinkat", 35),
    ("write", 64),
];
