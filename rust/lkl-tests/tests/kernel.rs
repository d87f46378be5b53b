//! Integration tests of lkl.o with the POSIX host: one kernel per process,
//! booted lazily by whichever trial runs first; trials run in this order on
//! the main thread and `halt` is the last one.

use std::ffi::CStr;
use std::process::ExitCode;
use std::sync::mpsc;
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use lkl_sys::abi::{c_field, EpollEvent, Timespec};
use lkl_sys::consts::*;
use lkl_sys::{icmp, sys, sysno, Errno};
use lkl_tests::{c_util, ensure, ensure_booted, ensure_eq, log_tail, wait_for, Ctx, Failed};

type TrialResult = Result<(), Failed>;

fn main() -> ExitCode {
    lkl_tests::run(vec![
        lkl_tests::trial("boot_log_clean", boot_log_clean),
        lkl_tests::trial("getpid_is_1", getpid_is_1),
        lkl_tests::trial("umask", umask),
        lkl_tests::trial("creat_write_lseek_read_fstat", creat_write_lseek_read_fstat),
        lkl_tests::trial("open_missing_is_enoent", open_missing_is_enoent),
        lkl_tests::trial("mkdir_stat", mkdir_stat),
        lkl_tests::trial("nanosleep_lasts", nanosleep_lasts),
        lkl_tests::trial("pipe2_roundtrip", pipe2_roundtrip),
        lkl_tests::trial("epoll_waits_for_a_pipe", epoll_waits_for_a_pipe),
        lkl_tests::trial("proc_mount_getdents", proc_mount_getdents),
        lkl_tests::trial("lo_up_and_ping", lo_up_and_ping),
        lkl_tests::trial("sysctl_set_and_get", sysctl_set_and_get),
        lkl_tests::trial("sysctl_errors", sysctl_errors),
        lkl_tests::trial("sysctl_congestion_control", sysctl_congestion_control),
        lkl_tests::trial("sysctl_c_and_rust_agree", sysctl_c_and_rust_agree),
        lkl_tests::trial("clocks_start_like_a_machine", clocks_start_like_a_machine),
        lkl_tests::trial("thread_blocks_in_read", thread_blocks_in_read),
        lkl_tests::trial(
            "boot_thread_blocked_while_new_thread_calls",
            boot_thread_blocked_while_new_thread_calls,
        ),
        lkl_tests::trial(
            "abandoned_call_loses_user_memory_only",
            abandoned_call_loses_user_memory_only,
        ),
        lkl_tests::trial("many_threads_exit", many_threads_exit),
        lkl_tests::trial("unknown_syscall_is_enosys", unknown_syscall_is_enosys),
        lkl_tests::trial("unbuilt_syscalls_are_enosys", unbuilt_syscalls_are_enosys),
        lkl_tests::trial("uname_reports_lkl", uname_reports_lkl),
        lkl_tests::trial("halt", halt),
    ])
}

fn boot_log_clean() -> TrialResult {
    let took = ensure_booted()?;
    let log = lkl_posix_host::boot_log();
    ensure!(
        log.contains("Linux version 6.12"),
        "no \"Linux version 6.12\" in the boot log (boot took {took:?})\n{}",
        log_tail(40)
    );
    let bad: Vec<&str> = log
        .lines()
        .filter(|l| lkl_sys::log::alarm_in(l.as_bytes()).is_some())
        .collect();
    ensure!(bad.is_empty(), "boot log has problems:\n{}", bad.join("\n"));
    Ok(())
}

fn getpid_is_1() -> TrialResult {
    ensure_booted()?;
    ensure_eq!(sys::getpid().ctx("getpid")?, 1);
    Ok(())
}

fn umask() -> TrialResult {
    ensure_booted()?;
    let old = sys::umask(0o022).ctx("umask(022)")?;
    ensure!(old & !0o777 == 0, "umask returned {old:#o}");
    ensure_eq!(sys::umask(0o022).ctx("umask(022) again")?, 0o022);
    ensure_eq!(sys::umask(old).ctx("umask(old)")?, 0o022);
    Ok(())
}

fn creat_write_lseek_read_fstat() -> TrialResult {
    ensure_booted()?;
    sys::umask(0).ctx("umask(0)")?;
    let fd = sys::openat(AT_FDCWD, c"/file", O_CREAT | O_RDWR, 0o721).ctx("openat /file")?;
    let data = b"test\0";
    ensure_eq!(sys::write(&fd, data).ctx("write")?, 5);
    ensure_eq!(sys::lseek(&fd, 0, SEEK_CUR).ctx("lseek SEEK_CUR")?, 5);
    ensure_eq!(sys::lseek(&fd, 0, SEEK_END).ctx("lseek SEEK_END")?, 5);
    ensure_eq!(sys::lseek(&fd, 0, SEEK_SET).ctx("lseek SEEK_SET")?, 0);
    let mut buf = [0u8; 16];
    ensure_eq!(sys::read(&fd, &mut buf).ctx("read")?, 5);
    ensure_eq!(&buf[..5], &data[..]);
    let st = sys::fstat(&fd).ctx("fstat")?;
    ensure_eq!(st.st_size, 5);
    ensure_eq!(st.st_mode, S_IFREG | 0o721, "mode {:#o}", st.st_mode);
    fd.close().ctx("close")?;
    Ok(())
}

fn open_missing_is_enoent() -> TrialResult {
    ensure_booted()?;
    ensure_eq!(
        sys::open(c"/no-such-file", O_RDONLY, 0).map(|fd| fd.into_raw()),
        Err(Errno::ENOENT)
    );
    Ok(())
}

fn mkdir_stat() -> TrialResult {
    ensure_booted()?;
    sys::umask(0).ctx("umask(0)")?;
    sys::mkdirat(AT_FDCWD, c"/mnt", 0o721).ctx("mkdirat /mnt")?;
    let st = sys::fstatat(AT_FDCWD, c"/mnt", 0).ctx("newfstatat /mnt")?;
    ensure_eq!(st.st_mode, S_IFDIR | 0o721, "mode {:#o}", st.st_mode);
    Ok(())
}

fn nanosleep_lasts() -> TrialResult {
    ensure_booted()?;
    let want = Duration::from_millis(100);
    let start = Instant::now();
    sys::nanosleep(&Timespec::from_duration(want)).ctx("nanosleep")?;
    let slept = start.elapsed();
    ensure!(slept >= want, "slept only {slept:?}");
    Ok(())
}

fn pipe2_roundtrip() -> TrialResult {
    ensure_booted()?;
    let (r, w) = sys::pipe2(O_NONBLOCK).ctx("pipe2")?;
    let msg = b"hello through a kernel pipe";
    ensure_eq!(sys::write(&w, msg).ctx("write")?, msg.len());
    let mut buf = [0u8; 64];
    ensure_eq!(sys::read(&r, &mut buf).ctx("read")?, msg.len());
    ensure_eq!(&buf[..msg.len()], &msg[..]);
    ensure_eq!(sys::read(&r, &mut buf), Err(Errno::EAGAIN));
    Ok(())
}

/// epoll (upstream LKL's boot test needs it): a pipe's read end is
/// reported readable with its cookie once written, a wait blocks until
/// another thread writes, and a removed descriptor is reported no more.
fn epoll_waits_for_a_pipe() -> TrialResult {
    ensure_booted()?;
    ensure_eq!(sys::epoll_create1(1).map(drop), Err(Errno::EINVAL));
    let ep = sys::epoll_create1(O_CLOEXEC).ctx("epoll_create1")?;
    let (r, w) = sys::pipe2(0).ctx("pipe2")?;
    let watch = EpollEvent {
        events: EPOLLIN,
        data: 0xfeed_0001,
    };
    sys::epoll_ctl(&ep, EPOLL_CTL_ADD, &r, &watch).ctx("EPOLL_CTL_ADD")?;
    ensure_eq!(
        sys::epoll_ctl(&ep, EPOLL_CTL_ADD, &r, &watch),
        Err(Errno::EEXIST)
    );
    ensure_eq!(
        sys::epoll_ctl(&r, EPOLL_CTL_ADD, &w, &watch),
        Err(Errno::EINVAL),
        "a pipe is not an epoll descriptor"
    );
    let mut ready = [EpollEvent::default(); 4];
    ensure_eq!(sys::epoll_pwait(&ep, &mut ready, 0).ctx("poll")?, 0);
    ensure_eq!(sys::write(&w, b"x").ctx("write")?, 1);
    ensure_eq!(sys::epoll_pwait(&ep, &mut ready, 0).ctx("poll")?, 1);
    let (events, data) = (ready[0].events, ready[0].data);
    ensure_eq!((events, data), (EPOLLIN, 0xfeed_0001));
    let mut buf = [0u8; 8];
    ensure_eq!(sys::read(&r, &mut buf).ctx("read")?, 1);
    ensure_eq!(sys::epoll_pwait(&ep, &mut ready, 0).ctx("poll")?, 0);

    // A wait that blocks until another host thread writes.
    let writer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        sys::write(&w, b"y").map(|_| w)
    });
    let start = Instant::now();
    ensure_eq!(sys::epoll_pwait(&ep, &mut ready, 5000).ctx("wait")?, 1);
    ensure!(
        start.elapsed() >= Duration::from_millis(40),
        "woke after {:?}, before the write",
        start.elapsed()
    );
    let w = writer.join().map_err(|_| "writer panicked")?.ctx("write")?;
    ensure_eq!(sys::read(&r, &mut buf).ctx("read")?, 1);

    sys::epoll_ctl(&ep, EPOLL_CTL_DEL, &r, &watch).ctx("EPOLL_CTL_DEL")?;
    ensure_eq!(sys::write(&w, b"z").ctx("write")?, 1);
    ensure_eq!(sys::epoll_pwait(&ep, &mut ready, 0).ctx("poll")?, 0);
    Ok(())
}

static PROC: OnceLock<Result<(), String>> = OnceLock::new();

/// Checks once per process that the boot mounted procfs on /proc: its
/// root has the inode number 1 of a fresh procfs, and /proc/sys exists.
fn ensure_proc() -> TrialResult {
    PROC.get_or_init(|| {
        let st =
            sys::fstatat(AT_FDCWD, c"/proc/sys", 0).map_err(|e| format!("stat /proc/sys: {e}"))?;
        if st.st_mode & S_IFMT != S_IFDIR {
            return Err(format!(
                "/proc/sys is not a directory: mode {:o}",
                st.st_mode
            ));
        }
        Ok(())
    })
    .clone()
    .map_err(Failed::from)
}

fn proc_mount_getdents() -> TrialResult {
    ensure_booted()?;
    ensure_proc()?;
    let names = sys::list_dir(c"/proc").ctx("getdents64 /proc")?;
    ensure!(
        names.iter().any(|n| n == "self"),
        "no /proc/self in {names:?}"
    );
    ensure!(names.iter().any(|n| n == "1"), "no /proc/1 in {names:?}");
    Ok(())
}

/// The value of sysctl `name` as a string.
fn sysctl_value(name: &std::ffi::CStr) -> Result<String, Failed> {
    let mut buf = [0u8; 256];
    let n = sys::sysctl_get(name, &mut buf).ctx(&format!("lkl_sysctl_get {name:?}"))?;
    ensure!(buf[n] == 0, "no NUL after {n} bytes");
    Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
}

fn sysctl_set_and_get() -> TrialResult {
    ensure_booted()?;
    ensure_eq!(sysctl_value(c"net.ipv4.ip_forward")?, "0");
    sys::sysctl(c"net.ipv4.ip_forward", c"1").ctx("set ip_forward")?;
    // Dotted with DCE's leading dot, slash form, full path: the same entry.
    ensure_eq!(sysctl_value(c".net.ipv4.ip_forward")?, "1");
    ensure_eq!(sysctl_value(c"net/ipv4/ip_forward")?, "1");
    ensure_eq!(sysctl_value(c"/proc/sys/net/ipv4/ip_forward")?, "1");
    // Forwarding on "all" reaches the per-device entries.
    ensure_eq!(sysctl_value(c"net.ipv4.conf.lo.forwarding")?, "1");
    sys::sysctl(c"/proc/sys/net/ipv4/ip_forward", c"0").ctx("reset ip_forward")?;
    ensure_eq!(sysctl_value(c"net.ipv4.conf.all.forwarding")?, "0");
    // A vector value comes back as the kernel prints it.
    sys::sysctl(c"net.ipv4.tcp_rmem", c"4096 87380 6291456").ctx("set tcp_rmem")?;
    ensure_eq!(sysctl_value(c"net.ipv4.tcp_rmem")?, "4096\t87380\t6291456");
    Ok(())
}

/// `CLOCK_REALTIME - CLOCK_MONOTONIC` in nanoseconds, and the monotonic
/// time.
fn clock_offset() -> Result<(i128, i128), Failed> {
    let ns = |t: Timespec| t.tv_sec as i128 * 1_000_000_000 + t.tv_nsec as i128;
    let mono = ns(sys::clock_gettime(CLOCK_MONOTONIC).ctx("CLOCK_MONOTONIC")?);
    let real = ns(sys::clock_gettime(CLOCK_REALTIME).ctx("CLOCK_REALTIME")?);
    Ok((real - mono, mono))
}

/// CLOCK_MONOTONIC starts at 1 s, CLOCK_REALTIME at the epoch the command
/// line gave (`lkl.epoch=1000000000`, [`lkl_tests::CMDLINE`]); the
/// `lkl.epoch` sysctl reads it and sets a new one.
fn clocks_start_like_a_machine() -> TrialResult {
    const S: i128 = 1_000_000_000;
    ensure_booted()?;
    let (off, mono) = clock_offset()?;
    ensure!(
        (S..600 * S).contains(&mono),
        "CLOCK_MONOTONIC reads {mono} ns"
    );
    // Both count from the boot: the epoch minus the first second.
    let want = 1_000_000_000 * S - S;
    ensure!(
        (off - want).abs() < S / 100,
        "realtime - monotonic = {off} ns"
    );
    ensure_eq!(sysctl_value(c"lkl.epoch")?, "1000000000");
    sys::sysctl(c"lkl.epoch", c"1500000000").ctx("set lkl.epoch")?;
    ensure_eq!(sysctl_value(c"lkl.epoch")?, "1500000000");
    let (off, _) = clock_offset()?;
    let want = 1_500_000_000 * S - S;
    ensure!(
        (off - want).abs() < S / 100,
        "realtime - monotonic = {off} ns"
    );
    for bad in [c"-1", c"253402300800", c"soon"] {
        ensure_eq!(sys::sysctl(c"lkl.epoch", bad), Err(Errno::EINVAL));
    }
    ensure_eq!(sysctl_value(c"lkl.epoch")?, "1500000000");
    Ok(())
}

fn sysctl_errors() -> TrialResult {
    ensure_booted()?;
    let mut buf = [0u8; 64];
    let get = |name: &std::ffi::CStr, buf: &mut [u8]| sys::sysctl_get(name, buf);
    ensure_eq!(get(c"net.ipv4.no_such_entry", &mut buf), Err(Errno::ENOENT));
    ensure_eq!(
        sys::sysctl(c"net.ipv4.no_such_entry", c"1"),
        Err(Errno::ENOENT)
    );
    // Read-only entries refuse writes (root included).
    ensure_eq!(
        sys::sysctl(c"net.ipv4.tcp_available_congestion_control", c"reno"),
        Err(Errno::EACCES)
    );
    // A value the handler refuses; one far too long for it.
    ensure_eq!(
        sys::sysctl(c"net.ipv4.ip_forward", c"yes"),
        Err(Errno::EINVAL)
    );
    let long = std::ffi::CString::new("1".repeat(5000)).expect("no NUL");
    ensure_eq!(
        sys::sysctl(c"net.ipv4.ip_forward", &long),
        Err(Errno::EINVAL)
    );
    ensure_eq!(sysctl_value(c"net.ipv4.ip_forward")?, "0");
    // Names that would leave /proc/sys, empty ones, overlong ones.
    for bad in [
        c"",
        c".",
        c"..net.ipv4.ip_forward",
        c"../etc",
        c"net/../../etc",
        c"net//ipv4",
        c"net/ipv4/",
    ] {
        ensure_eq!(get(bad, &mut buf), Err(Errno::EINVAL), "{bad:?}");
    }
    let name = std::ffi::CString::new("a".repeat(300)).expect("no NUL");
    ensure_eq!(get(&name, &mut buf), Err(Errno::ENAMETOOLONG));
    // A buffer too small for the value: ERANGE, and what fits, terminated.
    let mut small = [0xffu8; 4];
    ensure_eq!(get(c"net.ipv4.tcp_rmem", &mut small), Err(Errno::ERANGE));
    ensure_eq!(&small, b"409\0");
    ensure_eq!(get(c"net.ipv4.ip_forward", &mut []), Err(Errno::EINVAL));
    // A value that fits exactly: its length, terminated; one byte less
    // is too small.
    let mut exact = [0xffu8; 2];
    ensure_eq!(get(c"net.ipv4.ip_forward", &mut exact), Ok(1));
    ensure_eq!(&exact, b"0\0");
    let mut one = [0xffu8; 1];
    ensure_eq!(get(c"net.ipv4.ip_forward", &mut one), Err(Errno::ERANGE));
    ensure_eq!(&one, b"\0");
    Ok(())
}

fn sysctl_congestion_control() -> TrialResult {
    ensure_booted()?;
    let avail = sysctl_value(c"net.ipv4.tcp_available_congestion_control")?;
    for cc in ["reno", "cubic", "bbr"] {
        ensure!(avail.split(' ').any(|a| a == cc), "{cc} not in {avail:?}");
    }
    // Set before the socket exists, it applies to the socket.
    sys::sysctl(c"net.ipv4.tcp_congestion_control", c"bbr").ctx("set bbr")?;
    ensure_eq!(sysctl_value(c"net.ipv4.tcp_congestion_control")?, "bbr");
    let s = sys::socket(AF_INET, SOCK_STREAM, 0).ctx("socket")?;
    let mut name = [0u8; 16];
    let n = sys::getsockopt(&s, IPPROTO_TCP, TCP_CONGESTION, &mut name).ctx("TCP_CONGESTION")?;
    let got = String::from_utf8_lossy(&name[..n]);
    ensure_eq!(got.trim_end_matches('\0'), "bbr");
    ensure_eq!(
        sys::sysctl(c"net.ipv4.tcp_congestion_control", c"nosuchcc"),
        Err(Errno::ENOENT)
    );
    sys::sysctl(c"net.ipv4.tcp_congestion_control", c"cubic").ctx("back to cubic")?;
    Ok(())
}

/// `lkl_sysctl(name, value)` of the C host library.
fn c_set(name: Option<&CStr>, value: Option<&CStr>) -> i32 {
    let ptr = |s: Option<&CStr>| s.map_or(std::ptr::null(), CStr::as_ptr);
    // SAFETY: NUL-terminated strings or NULL, which it refuses.
    unsafe { c_util::lkl_sysctl(ptr(name), ptr(value)) }
}

/// `lkl_sysctl_get(name, buf, size)` of the C host library.
fn c_get(name: Option<&CStr>, buf: &mut [u8]) -> i32 {
    let name = name.map_or(std::ptr::null(), CStr::as_ptr);
    let size = buf.len() as i32;
    // SAFETY: `buf` is writable for `size` bytes; a NULL name is refused.
    unsafe { c_util::lkl_sysctl_get(name, buf.as_mut_ptr().cast(), size) }
}

/// A helper's result as the C form returns it.
fn as_c<T: TryInto<i32>>(r: Result<T, Errno>) -> i32 {
    r.map_or_else(|e| -e.0, |n| n.try_into().unwrap_or(i32::MAX))
}

/// The C host library and `lkl_sys::sysctl` give the same results, errors
/// and buffer contents for the same names, values and buffer sizes; the C
/// form refuses NULL pointers and sizes <= 0 with -EINVAL.
fn sysctl_c_and_rust_agree() -> TrialResult {
    ensure_booted()?;
    let long_value = std::ffi::CString::new("1".repeat(5000)).expect("no NUL");
    let long_name = std::ffi::CString::new("a".repeat(300)).expect("no NUL");
    let names: [&CStr; 14] = [
        c"net.ipv4.ip_forward",
        c".net.ipv4.conf.all.forwarding",
        c"/proc/sys/net/ipv4/tcp_rmem",
        c"kernel/ostype",
        c"lkl.nr_threads",
        c"net.ipv4.no_such_entry",
        c"net.ipv4.tcp_available_congestion_control",
        c"",
        c".",
        c"..net.ipv4.ip_forward",
        c"net/../../etc",
        c"net//ipv4",
        c"net/ipv4/",
        &long_name,
    ];
    let values: [&CStr; 4] = [c"1", c"0", c"yes", &long_value];
    let mut results = Vec::new();
    for name in names {
        for value in values {
            let c = c_set(Some(name), Some(value));
            let rust = as_c(lkl_sys::sysctl::set(name, value.to_bytes()).map(|()| 0));
            ensure_eq!(c, rust, "set {name:?} to {value:?}");
            results.push(c);
        }
        for size in [0, 1, 2, 4, 7, 64, 256] {
            let (mut cbuf, mut rbuf) = (vec![0xa5u8; size], vec![0xa5u8; size]);
            let c = c_get(Some(name), &mut cbuf);
            let rust = as_c(lkl_sys::sysctl::get(name, &mut rbuf));
            ensure_eq!(c, rust, "get {name:?} into {size} bytes");
            ensure_eq!(cbuf, rbuf, "get {name:?} into {size} bytes");
            results.push(c);
        }
    }
    // Both cover success and every error they can meet here.
    let errors = [
        Errno::ENOENT,
        Errno::EACCES,
        Errno::EINVAL,
        Errno::ERANGE,
        Errno::ENAMETOOLONG,
    ];
    for want in [0, 1, 5].into_iter().chain(errors.map(|e| -e.0)) {
        ensure!(results.contains(&want), "no case returned {want}");
    }
    ensure_eq!(sysctl_value(c"net.ipv4.ip_forward")?, "0");
    sys::sysctl(c"net.ipv4.tcp_rmem", c"4096 87380 6291456").ctx("reset tcp_rmem")?;

    let einval = -Errno::EINVAL.0;
    let mut buf = [0u8; 8];
    ensure_eq!(c_set(None, Some(c"1")), einval);
    ensure_eq!(c_set(Some(c"net.ipv4.ip_forward"), None), einval);
    ensure_eq!(c_get(None, &mut buf), einval);
    let name = c"net.ipv4.ip_forward";
    // SAFETY: a NULL buffer, or a size <= 0, which it refuses.
    unsafe {
        ensure_eq!(
            c_util::lkl_sysctl_get(name.as_ptr(), std::ptr::null_mut(), 8),
            einval
        );
        ensure_eq!(
            c_util::lkl_sysctl_get(name.as_ptr(), buf.as_mut_ptr().cast(), -1),
            einval
        );
    }
    Ok(())
}

fn lo_up_and_ping() -> TrialResult {
    ensure_booted()?;
    let sock = sys::socket(AF_INET, SOCK_DGRAM, 0).ctx("socket(AF_INET, SOCK_DGRAM)")?;
    sys::if_up(&sock, "lo").ctx("SIOCGIFFLAGS/SIOCSIFFLAGS lo")?;
    let flags = sys::if_flags(&sock, "lo").ctx("SIOCGIFFLAGS lo")?;
    ensure!(flags & IFF_UP != 0, "lo flags {flags:#x} lack IFF_UP");
    let (id, seq) = (0x4c4b, 1);
    let (echo, rtt) =
        icmp::ping([127, 0, 0, 1], id, seq, Duration::from_secs(5)).ctx("ping 127.0.0.1")?;
    ensure_eq!(echo.icmp_type, ICMP_ECHOREPLY);
    ensure_eq!((echo.id, echo.seq), (id, seq));
    ensure_eq!(echo.src, [127, 0, 0, 1]);
    ensure!(
        echo.checksum_ok,
        "bad ICMP checksum in reply {echo:?} (rtt {rtt:?})"
    );
    Ok(())
}

fn thread_blocks_in_read() -> TrialResult {
    ensure_booted()?;
    let (r, w) = sys::pipe2(0).ctx("pipe2")?;
    let total = PIPE_BUF + 1;
    let data: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let (tx, rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut got = Vec::with_capacity(total);
        let mut buf = [0u8; 1024];
        while got.len() < total {
            match sys::read(&r, &mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => {
                    let _ = tx.send(Err(format!("read: {e}")));
                    return;
                }
            }
        }
        let _ = tx.send(Ok(got));
    });
    // Let the reader block in read() on the empty pipe first.
    thread::sleep(Duration::from_millis(50));
    for piece in data.chunks(1000) {
        ensure_eq!(sys::write(&w, piece).ctx("write")?, piece.len());
        thread::sleep(Duration::from_millis(5));
    }
    let got = match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(r) => r.map_err(Failed::from)?,
        Err(_) => return Err("the reader thread did not finish within 10 s".into()),
    };
    reader.join().map_err(|_| "reader thread panicked")?;
    ensure_eq!(got.len(), total);
    ensure!(got == data, "data read differs from data written");
    Ok(())
}

/// The thread that booted the kernel (this one: trials run on it) blocks
/// in read() while a new thread makes its first call, which forks the new
/// thread's host task from host0.  Upstream LKL's `syscall_thread` test
/// does this; when the boot thread ran its own calls as host0, the new
/// thread switched into host0 while the boot thread was blocked in it, and
/// both waited on host0's semaphore for ever.
fn boot_thread_blocked_while_new_thread_calls() -> TrialResult {
    ensure_booted()?;
    let (r, w) = sys::pipe2(0).ctx("pipe2")?;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = done.clone();
    // A deadlock would hang the whole suite: give up loudly instead.
    thread::spawn(move || {
        thread::sleep(Duration::from_secs(20));
        if !seen.load(std::sync::atomic::Ordering::SeqCst) {
            eprintln!("boot_thread_blocked_while_new_thread_calls: deadlock (20 s)");
            std::process::abort();
        }
    });
    let writer = thread::spawn(move || {
        // Let the boot thread block in read() first.
        thread::sleep(Duration::from_millis(50));
        sys::write(&w, b"x")
    });
    let mut buf = [0u8; 4];
    let n = sys::read(&r, &mut buf).ctx("read")?;
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    ensure_eq!(n, 1);
    ensure_eq!(buf[0], b'x');
    let wrote = writer.join().map_err(|_| "writer thread panicked")?;
    ensure_eq!(wrote.ctx("write in the new thread")?, 1);
    Ok(())
}

/// `lkl_syscall_abandon` of the calling thread's id as the host knows it.
fn abandon(thread: lkl_sys::LklThread) -> i32 {
    // SAFETY: takes the CPU; called with no call of this thread running.
    unsafe { lkl_sys::lkl_syscall_abandon(thread) }
}

fn thread_self() -> lkl_sys::LklThread {
    // SAFETY: pthread_self, for the calling thread.
    unsafe { lkl_posix_host::thread::thread_self() }
}

/// `lkl_syscall_abandon` covers one call: a read abandoned between two
/// calls of its thread, and then one abandoned while blocked, fail to copy
/// to user memory (`-EFAULT`) and leave the data in the pipe; the next
/// read of the same thread is not affected and gets it.  A thread that
/// never called has nothing to abandon (`-ESRCH`).
fn abandoned_call_loses_user_memory_only() -> TrialResult {
    ensure_booted()?;
    let (id_tx, id_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let idle = thread::spawn(move || {
        let _ = id_tx.send(thread_self());
        let _ = go_rx.recv();
    });
    let t = id_rx.recv().map_err(|_| "no thread id")?;
    // While a kernel thread holds the CPU an abandon is only queued (and
    // returns 0), so first let the work of the earlier trials finish: the
    // lookup that answers -ESRCH needs the CPU free.
    thread::sleep(Duration::from_millis(20));
    ensure_eq!(abandon(t), -Errno::ESRCH.0, "a thread that never called");
    let _ = go_tx.send(());
    idle.join().map_err(|_| "idle thread panicked")?;

    let (r, w) = sys::pipe2(0).ctx("pipe2")?;
    let (id_tx, id_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let reader = thread::spawn(move || {
        // Its host task first, so that there is a task to abandon.
        let pid = sys::getpid();
        let _ = id_tx.send(thread_self());
        let _ = go_rx.recv();
        let mut buf = [0u8; 4];
        let mut reads = Vec::new();
        for _ in 0..2 {
            reads.push(sys::read(&r, &mut buf));
            reads.push(sys::read(&r, &mut buf).map(|n| n * 1000 + usize::from(buf[0])));
            let _ = id_tx.send(thread_self());
        }
        (pid, reads)
    });
    let t = id_rx.recv().map_err(|_| "no reader id")?;
    // Between two calls: the next one is abandoned.
    ensure_eq!(abandon(t), 0, "the reader, between calls");
    ensure_eq!(sys::write(&w, b"x").ctx("write")?, 1);
    let _ = go_tx.send(());
    id_rx.recv().map_err(|_| "reader gone")?;
    // Blocked in read() after 50 ms (or about to be: that read is the one
    // abandoned either way).
    thread::sleep(Duration::from_millis(50));
    ensure_eq!(abandon(t), 0, "the reader, blocked");
    ensure_eq!(sys::write(&w, b"y").ctx("write")?, 1);
    let (pid, reads) = reader.join().map_err(|_| "reader panicked")?;
    ensure_eq!(pid, Ok(1));
    let efault = Err(Errno::EFAULT);
    let want = [
        efault,
        Ok(1000 + usize::from(b'x')),
        efault,
        Ok(1000 + usize::from(b'y')),
    ];
    ensure_eq!(reads, want);
    Ok(())
}

fn count_tasks() -> Result<usize, Failed> {
    let names = sys::list_dir(c"/proc/1/task").ctx("getdents64 /proc/1/task")?;
    Ok(names.iter().filter(|n| *n != "." && *n != "..").count())
}

fn many_threads_exit() -> TrialResult {
    ensure_booted()?;
    ensure_proc()?;
    // Let host tasks of earlier trials finish exiting before counting.
    let mut before = count_tasks()?;
    wait_for(Duration::from_secs(2), || {
        thread::sleep(Duration::from_millis(50));
        let now = count_tasks().unwrap_or(usize::MAX);
        std::mem::replace(&mut before, now) == now
    });
    let threads: Vec<_> = (0..64).map(|_| thread::spawn(sys::getpid)).collect();
    for t in threads {
        let pid = t.join().map_err(|_| "thread panicked")?;
        ensure_eq!(pid, Ok(1), "getpid in a new host thread");
    }
    let mut after = 0;
    let settled = wait_for(Duration::from_secs(2), || {
        after = count_tasks().unwrap_or(usize::MAX);
        after == before
    });
    ensure!(
        settled,
        "/proc/1/task has {after} entries 2 s after 64 threads exited, {before} before"
    );
    Ok(())
}

fn unknown_syscall_is_enosys() -> TrialResult {
    ensure_booted()?;
    for no in [1000, -1, sysno::NR_SYSCALLS] {
        // SAFETY: no such system call, and no argument is an address.
        let r = unsafe { sys::syscall(no, [0; 6]) };
        ensure_eq!(r, Err(Errno::ENOSYS), "syscall {no}");
    }
    ensure_eq!(sys::getpid().ctx("getpid afterwards")?, 1);
    Ok(())
}

/// The calls the installed headers mark `LKL_NR_<name>_UNBUILT` return
/// `-ENOSYS`; two they number (`__lkl__NR_<name>`) work.
fn unbuilt_syscalls_are_enosys() -> TrialResult {
    ensure_booted()?;
    let calls = lkl_tests::header_syscalls()?;
    ensure!(calls.unbuilt.len() > 8, "unbuilt: {:?}", calls.unbuilt);
    // Were one of these wrongly marked, calling it would end the trial's
    // task or the kernel instead of failing the trial: they are left out.
    const ENDS_THE_CALLER: [&str; 5] =
        ["exit", "exit_group", "reboot", "kexec_load", "rt_sigreturn"];
    for (name, &nr) in &calls.unbuilt {
        if ENDS_THE_CALLER.contains(&name.as_str()) {
            continue;
        }
        // SAFETY: a call that is not built does nothing with its arguments
        // (were it built after all, these are no addresses).
        let r = unsafe { sys::syscall(nr, [0; 6]) };
        ensure_eq!(r, Err(Errno::ENOSYS), "{name} ({nr})");
    }
    let nr = |name: &str| {
        calls
            .built
            .get(name)
            .copied()
            .ok_or(format!("no __lkl__NR_{name}"))
    };
    let args = [i64::from(AF_INET), i64::from(SOCK_DGRAM), 0, 0, 0, 0];
    // SAFETY: socket() and epoll_create1() take no addresses.
    let fds = unsafe {
        [
            sys::syscall(nr("socket")?, args),
            sys::syscall(nr("epoll_create1")?, [0; 6]),
        ]
    };
    for fd in fds {
        let fd = fd.ctx("socket/epoll_create1 by the header's number")?;
        sys::Fd::from_raw(fd as i32).close().ctx("close")?;
    }
    Ok(())
}

fn uname_reports_lkl() -> TrialResult {
    ensure_booted()?;
    let u = sys::uname().ctx("uname")?;
    ensure_eq!(c_field(&u.sysname), "Linux");
    let release = c_field(&u.release);
    ensure!(release.starts_with("6.12"), "release {release:?}");
    Ok(())
}

fn halt() -> TrialResult {
    ensure_booted()?;
    ensure!(sys::is_running(), "lkl_is_running() == 0 before the halt");
    sys::halt().ctx("lkl_sys_halt")?;
    ensure!(!sys::is_running(), "lkl_is_running() != 0 after the halt");
    ensure_eq!(sys::getpid(), Err(Errno::ENODEV), "syscall after the halt");
    ensure!(sys::cleanup_after_halt(), "lkl_cleanup not called");
    ensure_eq!(
        sys::getpid(),
        Err(Errno::ENODEV),
        "syscall after lkl_cleanup"
    );
    Ok(())
}
