//! Thin safe wrapper over `lkl_syscall`.
//!
//! [`syscall`] is the raw entry point; it is `unsafe` because the kernel
//! interprets some parameters as addresses in our address space.  The typed
//! functions below pass only pointers derived from Rust references with the
//! right sizes, so they are safe to call at any time: before the boot and
//! after the halt the kernel answers `ENODEV` without touching anything.

use core::ffi::{c_int, c_long, c_short, c_uint, c_ulong, CStr};
use core::ptr;

use crate::abi::{EpollEvent, Ifreq, PollFd, SockaddrIn, Stat, Timespec, UtsName};
use crate::consts::{AT_FDCWD, KERNEL_SIGSET_SIZE, SIOCGIFADDR, SIOCGIFFLAGS, SIOCSIFFLAGS};
use crate::sysno::*;
use crate::{ffi, Errno};

/// Runs system call `no` with six parameters on the calling thread.
///
/// Returns the kernel's result, or the error it returned as `-errno`.
///
/// # Safety
///
/// Every parameter that system call `no` interprets as an address must point
/// to memory valid for the reads and writes the kernel performs on it, for
/// the duration of the call.  Integer-only system calls (e.g. `getpid`, or an
/// unknown number) are always safe.
pub unsafe fn syscall(no: c_long, args: [i64; 6]) -> Result<i64, Errno> {
    let mut params: [c_long; 6] = args.map(|a| a as c_long);
    // SAFETY: `params` holds exactly the six longs lkl_syscall reads; the
    // validity of the addresses inside them is the caller's obligation.
    let ret = unsafe { ffi::lkl_syscall(no, params.as_mut_ptr()) };
    Errno::from_ret(ret as i64)
}

/// A system call whose parameters are all plain integers (no addresses).
fn sc_int(no: c_long, args: [i64; 6]) -> Result<i64, Errno> {
    // SAFETY: callers only pass parameters the kernel does not dereference.
    unsafe { syscall(no, args) }
}

fn addr<T: ?Sized>(p: *const T) -> i64 {
    p.cast::<u8>() as usize as i64
}

/// A kernel file descriptor, closed (in the kernel) on drop.
#[derive(Debug, PartialEq, Eq)]
pub struct Fd(c_int);

impl Fd {
    /// Takes ownership of a raw kernel descriptor.
    pub fn from_raw(fd: c_int) -> Self {
        Self(fd)
    }
    /// The raw descriptor number.
    pub fn raw(&self) -> c_int {
        self.0
    }
    /// Gives up ownership without closing.
    pub fn into_raw(self) -> c_int {
        let fd = self.0;
        core::mem::forget(self);
        fd
    }
    /// Closes explicitly, reporting the error.
    pub fn close(self) -> Result<(), Errno> {
        close(self.into_raw())
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        let _ = close(self.0);
    }
}

/// Whether the kernel is booted and not halted (`lkl_is_running`).
pub fn is_running() -> bool {
    // SAFETY: no parameters; callable at any time per the contract.
    unsafe { ffi::lkl_is_running() != 0 }
}

/// Shuts the kernel down (`lkl_sys_halt`).
pub fn halt() -> Result<(), Errno> {
    // SAFETY: no parameters; the contract allows calling it after a boot.
    let ret = unsafe { ffi::lkl_sys_halt() };
    Errno::from_ret(ret as i64).map(drop)
}

/// `lkl_cleanup()`, but only once the kernel is not running (it releases
/// what `lkl_init` set up).  Returns whether it was called.
pub fn cleanup_after_halt() -> bool {
    if is_running() {
        return false;
    }
    // SAFETY: the kernel is not running, which is the contract's precondition.
    unsafe { ffi::lkl_cleanup() };
    true
}

/// `getpid()`
pub fn getpid() -> Result<i64, Errno> {
    sc_int(SYS_getpid, [0; 6])
}

/// `gettid()`
pub fn gettid() -> Result<i64, Errno> {
    sc_int(SYS_gettid, [0; 6])
}

/// `umask(mask)`: returns the previous mask.
pub fn umask(mask: c_uint) -> Result<c_uint, Errno> {
    sc_int(SYS_umask, [i64::from(mask), 0, 0, 0, 0, 0]).map(|v| v as c_uint)
}

/// `openat(dirfd, path, flags, mode)`
pub fn openat(dirfd: c_int, path: &CStr, flags: c_int, mode: c_uint) -> Result<Fd, Errno> {
    let args = [
        i64::from(dirfd),
        addr(path.as_ptr()),
        i64::from(flags),
        i64::from(mode),
        0,
        0,
    ];
    // SAFETY: `path` is a valid NUL-terminated string for the call.
    unsafe { syscall(SYS_openat, args) }.map(|fd| Fd(fd as c_int))
}

/// `openat(AT_FDCWD, path, flags, mode)`
pub fn open(path: &CStr, flags: c_int, mode: c_uint) -> Result<Fd, Errno> {
    openat(AT_FDCWD, path, flags, mode)
}

/// `close(fd)`
pub fn close(fd: c_int) -> Result<(), Errno> {
    sc_int(SYS_close, [i64::from(fd), 0, 0, 0, 0, 0]).map(drop)
}

/// `read(fd, buf, len)`
pub fn read(fd: &Fd, buf: &mut [u8]) -> Result<usize, Errno> {
    let args = [
        i64::from(fd.0),
        addr(buf.as_mut_ptr()),
        buf.len() as i64,
        0,
        0,
        0,
    ];
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    unsafe { syscall(SYS_read, args) }.map(|n| n as usize)
}

/// `write(fd, buf, len)`
pub fn write(fd: &Fd, buf: &[u8]) -> Result<usize, Errno> {
    let args = [
        i64::from(fd.0),
        addr(buf.as_ptr()),
        buf.len() as i64,
        0,
        0,
        0,
    ];
    // SAFETY: the kernel reads at most `buf.len()` bytes from `buf`.
    unsafe { syscall(SYS_write, args) }.map(|n| n as usize)
}

/// `lseek(fd, offset, whence)`
pub fn lseek(fd: &Fd, offset: i64, whence: c_int) -> Result<i64, Errno> {
    sc_int(
        SYS_lseek,
        [i64::from(fd.0), offset, i64::from(whence), 0, 0, 0],
    )
}

/// `fstat(fd)` (asm-generic `struct stat`).
pub fn fstat(fd: &Fd) -> Result<Stat, Errno> {
    let mut st = Stat::default();
    let args = [i64::from(fd.0), addr(&mut st as *mut Stat), 0, 0, 0, 0];
    // SAFETY: `st` is a writable asm-generic struct stat.
    unsafe { syscall(SYS_fstat, args) }.map(|_| st)
}

/// `newfstatat(dirfd, path, &st, flags)`
pub fn fstatat(dirfd: c_int, path: &CStr, flags: c_int) -> Result<Stat, Errno> {
    let mut st = Stat::default();
    let args = [
        i64::from(dirfd),
        addr(path.as_ptr()),
        addr(&mut st as *mut Stat),
        i64::from(flags),
        0,
        0,
    ];
    // SAFETY: valid path string and writable struct stat.
    unsafe { syscall(SYS_newfstatat, args) }.map(|_| st)
}

/// `mkdirat(dirfd, path, mode)`
pub fn mkdirat(dirfd: c_int, path: &CStr, mode: c_uint) -> Result<(), Errno> {
    let args = [
        i64::from(dirfd),
        addr(path.as_ptr()),
        i64::from(mode),
        0,
        0,
        0,
    ];
    // SAFETY: valid path string.
    unsafe { syscall(SYS_mkdirat, args) }.map(drop)
}

/// `unlinkat(dirfd, path, flags)`
pub fn unlinkat(dirfd: c_int, path: &CStr, flags: c_int) -> Result<(), Errno> {
    let args = [
        i64::from(dirfd),
        addr(path.as_ptr()),
        i64::from(flags),
        0,
        0,
        0,
    ];
    // SAFETY: valid path string.
    unsafe { syscall(SYS_unlinkat, args) }.map(drop)
}

/// `chdir(path)`
pub fn chdir(path: &CStr) -> Result<(), Errno> {
    // SAFETY: valid path string.
    unsafe { syscall(SYS_chdir, [addr(path.as_ptr()), 0, 0, 0, 0, 0]) }.map(drop)
}

/// `nanosleep(req, NULL)`
pub fn nanosleep(req: &Timespec) -> Result<(), Errno> {
    // SAFETY: `req` is a readable timespec; `rem` is NULL.
    unsafe { syscall(SYS_nanosleep, [addr(req as *const Timespec), 0, 0, 0, 0, 0]) }.map(drop)
}

/// `clock_gettime(clock)` in the kernel.
pub fn clock_gettime(clock: c_int) -> Result<Timespec, Errno> {
    let mut ts = Timespec::default();
    let args = [i64::from(clock), addr(&mut ts as *mut Timespec), 0, 0, 0, 0];
    // SAFETY: `ts` is a writable timespec.
    unsafe { syscall(SYS_clock_gettime, args) }.map(|_| ts)
}

/// `pipe2(fds, flags)`: returns `(read end, write end)`.
pub fn pipe2(flags: c_int) -> Result<(Fd, Fd), Errno> {
    let mut fds: [c_int; 2] = [-1, -1];
    let args = [addr(fds.as_mut_ptr()), i64::from(flags), 0, 0, 0, 0];
    // SAFETY: `fds` is a writable int[2].
    unsafe { syscall(SYS_pipe2, args) }.map(|_| (Fd(fds[0]), Fd(fds[1])))
}

/// `mount(source, target, fstype, flags, data)`
pub fn mount(
    source: &CStr,
    target: &CStr,
    fstype: &CStr,
    flags: c_ulong,
    data: Option<&CStr>,
) -> Result<(), Errno> {
    let args = [
        addr(source.as_ptr()),
        addr(target.as_ptr()),
        addr(fstype.as_ptr()),
        flags as i64,
        data.map_or(0, |d| addr(d.as_ptr())),
        0,
    ];
    // SAFETY: all strings are valid and NUL terminated (or NULL for `data`).
    unsafe { syscall(SYS_mount, args) }.map(drop)
}

/// `umount2(target, flags)`
pub fn umount2(target: &CStr, flags: c_int) -> Result<(), Errno> {
    let args = [addr(target.as_ptr()), i64::from(flags), 0, 0, 0, 0];
    // SAFETY: valid path string.
    unsafe { syscall(SYS_umount2, args) }.map(drop)
}

/// `getdents64(fd, buf, len)`: parse the result with [`crate::abi::dirents`].
pub fn getdents64(fd: &Fd, buf: &mut [u8]) -> Result<usize, Errno> {
    let args = [
        i64::from(fd.0),
        addr(buf.as_mut_ptr()),
        buf.len() as i64,
        0,
        0,
        0,
    ];
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    unsafe { syscall(SYS_getdents64, args) }.map(|n| n as usize)
}

/// Names of the entries of directory `path` (including `.` and `..`).
pub fn list_dir(path: &CStr) -> Result<Vec<String>, Errno> {
    let dir = open(
        path,
        crate::consts::O_RDONLY | crate::consts::O_DIRECTORY,
        0,
    )?;
    let mut names = Vec::new();
    let mut buf = vec![0u8; 8192];
    loop {
        let n = getdents64(&dir, &mut buf)?;
        if n == 0 {
            break;
        }
        names.extend(
            crate::abi::dirents(&buf[..n]).map(|d| String::from_utf8_lossy(d.name).into_owned()),
        );
    }
    dir.close()?;
    Ok(names)
}

/// `uname(&buf)`
pub fn uname() -> Result<UtsName, Errno> {
    let mut u = UtsName::default();
    // SAFETY: `u` is a writable struct new_utsname.
    unsafe { syscall(SYS_uname, [addr(&mut u as *mut UtsName), 0, 0, 0, 0, 0]) }.map(|_| u)
}

/// `socket(domain, type, protocol)`
pub fn socket(domain: c_int, ty: c_int, protocol: c_int) -> Result<Fd, Errno> {
    sc_int(
        SYS_socket,
        [
            i64::from(domain),
            i64::from(ty),
            i64::from(protocol),
            0,
            0,
            0,
        ],
    )
    .map(|fd| Fd(fd as c_int))
}

/// The `ioctl` requests that take a `struct ifreq`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfreqIoctl {
    /// `SIOCGIFFLAGS`
    GetFlags,
    /// `SIOCSIFFLAGS`
    SetFlags,
    /// `SIOCGIFADDR`
    GetAddr,
}

/// `ioctl(fd, req, &ifr)` for a request that reads/writes a `struct ifreq`.
pub fn ioctl_ifreq(fd: &Fd, req: IfreqIoctl, ifr: &mut Ifreq) -> Result<(), Errno> {
    let req = match req {
        IfreqIoctl::GetFlags => SIOCGIFFLAGS,
        IfreqIoctl::SetFlags => SIOCSIFFLAGS,
        IfreqIoctl::GetAddr => SIOCGIFADDR,
    };
    let args = [
        i64::from(fd.0),
        req as i64,
        addr(ifr as *mut Ifreq),
        0,
        0,
        0,
    ];
    // SAFETY: these three requests access exactly one struct ifreq.
    unsafe { syscall(SYS_ioctl, args) }.map(drop)
}

/// `sendto(fd, buf, len, flags, &dest, sizeof dest)`
pub fn sendto(fd: &Fd, buf: &[u8], flags: c_int, dest: &SockaddrIn) -> Result<usize, Errno> {
    let args = [
        i64::from(fd.0),
        addr(buf.as_ptr()),
        buf.len() as i64,
        i64::from(flags),
        addr(dest as *const SockaddrIn),
        core::mem::size_of::<SockaddrIn>() as i64,
    ];
    // SAFETY: readable buffer and sockaddr of the stated sizes.
    unsafe { syscall(SYS_sendto, args) }.map(|n| n as usize)
}

/// `recvfrom(fd, buf, len, flags, &src, &srclen)`: returns the length and
/// the sender's address.
pub fn recvfrom(fd: &Fd, buf: &mut [u8], flags: c_int) -> Result<(usize, SockaddrIn), Errno> {
    let mut src = SockaddrIn::default();
    let mut srclen: c_int = core::mem::size_of::<SockaddrIn>() as c_int;
    let args = [
        i64::from(fd.0),
        addr(buf.as_mut_ptr()),
        buf.len() as i64,
        i64::from(flags),
        addr(&mut src as *mut SockaddrIn),
        addr(&mut srclen as *mut c_int),
    ];
    // SAFETY: writable buffer, sockaddr and length of the stated sizes.
    unsafe { syscall(SYS_recvfrom, args) }.map(|n| (n as usize, src))
}

/// `bind(fd, &addr, sizeof addr)`
pub fn bind(fd: &Fd, addr_in: &SockaddrIn) -> Result<(), Errno> {
    let len = core::mem::size_of::<SockaddrIn>() as i64;
    let args = [
        i64::from(fd.0),
        addr(addr_in as *const SockaddrIn),
        len,
        0,
        0,
        0,
    ];
    // SAFETY: a readable sockaddr of the stated size.
    unsafe { syscall(SYS_bind, args) }.map(drop)
}

/// `listen(fd, backlog)`
pub fn listen(fd: &Fd, backlog: c_int) -> Result<(), Errno> {
    sc_int(
        SYS_listen,
        [i64::from(fd.0), i64::from(backlog), 0, 0, 0, 0],
    )
    .map(drop)
}

/// `accept4(fd, NULL, NULL, flags)`: the connected socket (the NULL
/// address pointers are not dereferenced).
pub fn accept4(fd: &Fd, flags: c_int) -> Result<Fd, Errno> {
    sc_int(SYS_accept4, [i64::from(fd.0), 0, 0, i64::from(flags), 0, 0]).map(|fd| Fd(fd as c_int))
}

/// `connect(fd, &addr, sizeof addr)`
pub fn connect(fd: &Fd, addr_in: &SockaddrIn) -> Result<(), Errno> {
    let len = core::mem::size_of::<SockaddrIn>() as i64;
    let args = [
        i64::from(fd.0),
        addr(addr_in as *const SockaddrIn),
        len,
        0,
        0,
        0,
    ];
    // SAFETY: a readable sockaddr of the stated size.
    unsafe { syscall(SYS_connect, args) }.map(drop)
}

/// `epoll_create1(flags)`
pub fn epoll_create1(flags: c_int) -> Result<Fd, Errno> {
    sc_int(SYS_epoll_create1, [i64::from(flags), 0, 0, 0, 0, 0]).map(|fd| Fd(fd as c_int))
}

/// `epoll_ctl(epfd, op, fd, &event)`
pub fn epoll_ctl(epfd: &Fd, op: c_int, fd: &Fd, event: &EpollEvent) -> Result<(), Errno> {
    let args = [
        i64::from(epfd.0),
        i64::from(op),
        i64::from(fd.0),
        addr(event as *const EpollEvent),
        0,
        0,
    ];
    // SAFETY: a readable epoll_event.
    unsafe { syscall(SYS_epoll_ctl, args) }.map(drop)
}

/// `epoll_pwait(epfd, events, maxevents, timeout, NULL, 8)`: the number of
/// ready events written to the front of `events`.
pub fn epoll_pwait(
    epfd: &Fd,
    events: &mut [EpollEvent],
    timeout_ms: c_int,
) -> Result<usize, Errno> {
    let args = [
        i64::from(epfd.0),
        addr(events.as_mut_ptr()),
        events.len() as i64,
        i64::from(timeout_ms),
        0,
        KERNEL_SIGSET_SIZE as i64,
    ];
    // SAFETY: a writable array of `events.len()` epoll_events and no
    // signal mask.
    unsafe { syscall(SYS_epoll_pwait, args) }.map(|n| n as usize)
}

/// `ppoll(fds, nfds, timeout, NULL, 8)`: returns the number of ready fds.
pub fn ppoll(fds: &mut [PollFd], timeout: Option<&Timespec>) -> Result<usize, Errno> {
    let args = [
        addr(fds.as_mut_ptr()),
        fds.len() as i64,
        timeout.map_or(0, |t| addr(t as *const Timespec)),
        addr(ptr::null::<u8>()),
        KERNEL_SIGSET_SIZE as i64,
        0,
    ];
    // SAFETY: `fds` is a writable pollfd array of the stated length, the
    // timeout (if any) is readable, and the signal mask is NULL.
    unsafe { syscall(SYS_ppoll, args) }.map(|n| n as usize)
}

/// Reads `ifr_flags` of interface `name` through socket `sock`.
pub fn if_flags(sock: &Fd, name: &str) -> Result<c_short, Errno> {
    let mut ifr = Ifreq::new(name)?;
    ioctl_ifreq(sock, IfreqIoctl::GetFlags, &mut ifr)?;
    Ok(ifr.flags())
}

/// Sets `IFF_UP` on interface `name` through socket `sock`.
pub fn if_up(sock: &Fd, name: &str) -> Result<(), Errno> {
    let mut ifr = Ifreq::new(name)?;
    ioctl_ifreq(sock, IfreqIoctl::GetFlags, &mut ifr)?;
    ifr.set_flags(ifr.flags() | crate::consts::IFF_UP);
    ioctl_ifreq(sock, IfreqIoctl::SetFlags, &mut ifr)
}

/// The IPv4 address of interface `name` (`SIOCGIFADDR`).
pub fn if_ipv4_addr(sock: &Fd, name: &str) -> Result<[u8; 4], Errno> {
    let mut ifr = Ifreq::new(name)?;
    ioctl_ifreq(sock, IfreqIoctl::GetAddr, &mut ifr)?;
    Ok(ifr.addr_in().ip())
}

/// `lkl_sysctl(name, value)`: sets a sysctl by dotted name or /proc/sys
/// path ([`crate::sysctl::set`]).
pub fn sysctl(name: &CStr, value: &CStr) -> Result<(), Errno> {
    crate::sysctl::set(name, value.to_bytes())
}

/// `lkl_sysctl_get(name, buf, len)`: the value of a sysctl without its
/// trailing newline, as a byte count written to `buf` (NUL-terminated);
/// `ERANGE` if it does not fit ([`crate::sysctl::get`]).
pub fn sysctl_get(name: &CStr, buf: &mut [u8]) -> Result<usize, Errno> {
    crate::sysctl::get(name, buf)
}

/// `getsockopt(fd, level, name)` into `buf`: the option's length.
pub fn getsockopt(fd: &Fd, level: c_int, name: c_int, buf: &mut [u8]) -> Result<usize, Errno> {
    let mut len = c_int::try_from(buf.len()).unwrap_or(c_int::MAX);
    // SAFETY: `buf` is writable for `len` bytes and `len` is a live int.
    let r = unsafe {
        syscall(
            SYS_getsockopt,
            [
                i64::from(fd.raw()),
                i64::from(level),
                i64::from(name),
                addr(buf.as_mut_ptr()),
                addr(ptr::addr_of_mut!(len)),
                0,
            ],
        )
    };
    r.map(|_| len as usize)
}
