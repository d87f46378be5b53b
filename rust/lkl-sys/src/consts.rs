//! uapi constants used by the tests, demo and benchmark.
//!
//! ARCH=lkl takes these from the asm-generic uapi headers
//! (`asm-generic/fcntl.h`, `asm-generic/socket.h`, `asm-generic/ioctls.h`,
//! ...) whatever the host is.  For every constant below the asm-generic
//! value happens to equal the x86-64 Linux value (x86 itself uses
//! asm-generic/fcntl.h; the socket, ioctl, poll and stat numbers are the
//! same), which the unit test `matches_x86_64_libc` checks against the
//! `libc` crate.  On other hosts (e.g. arm64, where `O_DIRECTORY` differs)
//! the host's libc values must NOT be used for LKL: use these.

use core::ffi::{c_int, c_short, c_uint, c_ulong};

/// `AT_FDCWD`
pub const AT_FDCWD: c_int = -100;
/// `AT_REMOVEDIR`
pub const AT_REMOVEDIR: c_int = 0x200;
/// `AT_SYMLINK_NOFOLLOW`
pub const AT_SYMLINK_NOFOLLOW: c_int = 0x100;

/// `O_RDONLY`
pub const O_RDONLY: c_int = 0o0;
/// `O_WRONLY`
pub const O_WRONLY: c_int = 0o1;
/// `O_RDWR`
pub const O_RDWR: c_int = 0o2;
/// `O_CREAT`
pub const O_CREAT: c_int = 0o100;
/// `O_EXCL`
pub const O_EXCL: c_int = 0o200;
/// `O_TRUNC`
pub const O_TRUNC: c_int = 0o1000;
/// `O_APPEND`
pub const O_APPEND: c_int = 0o2000;
/// `O_NONBLOCK`
pub const O_NONBLOCK: c_int = 0o4000;
/// `O_DIRECTORY`
pub const O_DIRECTORY: c_int = 0o200000;
/// `O_CLOEXEC`
pub const O_CLOEXEC: c_int = 0o2000000;

/// `SEEK_SET`
pub const SEEK_SET: c_int = 0;
/// `SEEK_CUR`
pub const SEEK_CUR: c_int = 1;
/// `SEEK_END`
pub const SEEK_END: c_int = 2;

/// `S_IFMT`
pub const S_IFMT: c_uint = 0o170000;
/// `S_IFREG`
pub const S_IFREG: c_uint = 0o100000;
/// `S_IFDIR`
pub const S_IFDIR: c_uint = 0o040000;
/// `S_IFCHR`
pub const S_IFCHR: c_uint = 0o020000;

/// `DT_DIR` (`d_type` of a directory entry)
pub const DT_DIR: u8 = 4;
/// `DT_REG`
pub const DT_REG: u8 = 8;
/// `DT_LNK`
pub const DT_LNK: u8 = 10;

/// `F_GETFL` (`fcntl`)
pub const F_GETFL: c_int = 3;
/// `F_SETFL`
pub const F_SETFL: c_int = 4;
/// `SHUT_RDWR` (`shutdown`)
pub const SHUT_RDWR: c_int = 2;

/// `PIPE_BUF`
pub const PIPE_BUF: usize = 4096;

/// `CLOCK_REALTIME`
pub const CLOCK_REALTIME: c_int = 0;
/// `CLOCK_MONOTONIC`
pub const CLOCK_MONOTONIC: c_int = 1;

/// `AF_UNIX`
pub const AF_UNIX: c_int = 1;
/// `AF_INET`
pub const AF_INET: c_int = 2;
/// `SOCK_STREAM`
pub const SOCK_STREAM: c_int = 1;
/// `SOCK_DGRAM`
pub const SOCK_DGRAM: c_int = 2;
/// `SOCK_RAW`
pub const SOCK_RAW: c_int = 3;
/// `IPPROTO_IP`
pub const IPPROTO_IP: c_int = 0;
/// `IPPROTO_ICMP`
pub const IPPROTO_ICMP: c_int = 1;
/// `IPPROTO_TCP`
pub const IPPROTO_TCP: c_int = 6;
/// `TCP_CONGESTION`: the socket's congestion control algorithm (a name).
pub const TCP_CONGESTION: c_int = 13;
/// `IPPROTO_UDP`
pub const IPPROTO_UDP: c_int = 17;
/// `MSG_DONTWAIT`
pub const MSG_DONTWAIT: c_int = 0x40;

/// `SIOCGIFFLAGS`
pub const SIOCGIFFLAGS: c_ulong = 0x8913;
/// `SIOCSIFFLAGS`
pub const SIOCSIFFLAGS: c_ulong = 0x8914;
/// `SIOCGIFADDR`
pub const SIOCGIFADDR: c_ulong = 0x8915;
/// `IFNAMSIZ`
pub const IFNAMSIZ: usize = 16;
/// `IFF_UP`
pub const IFF_UP: c_short = 0x1;
/// `IFF_LOOPBACK`
pub const IFF_LOOPBACK: c_short = 0x8;
/// `IFF_RUNNING`
pub const IFF_RUNNING: c_short = 0x40;

/// `POLLIN`
pub const POLLIN: c_short = 0x1;
/// `POLLOUT`
pub const POLLOUT: c_short = 0x4;
/// `POLLERR`
pub const POLLERR: c_short = 0x8;
/// `POLLHUP`
pub const POLLHUP: c_short = 0x10;
/// `POLLNVAL`
pub const POLLNVAL: c_short = 0x20;

/// `MS_RDONLY` (mount flag)
pub const MS_RDONLY: c_ulong = 1;

/// ICMP type of an echo reply.
pub const ICMP_ECHOREPLY: u8 = 0;
/// ICMP type of an echo request.
pub const ICMP_ECHO: u8 = 8;

/// Size of the kernel's `sigset_t` (what `ppoll` expects as `sigsetsize`).
pub const KERNEL_SIGSET_SIZE: usize = 8;

#[cfg(all(test, target_os = "linux", target_arch = "x86_64"))]
mod tests {
    use super::*;

    #[test]
    fn matches_x86_64_libc() {
        assert_eq!(AT_FDCWD, libc::AT_FDCWD);
        assert_eq!(AT_REMOVEDIR, libc::AT_REMOVEDIR);
        assert_eq!(AT_SYMLINK_NOFOLLOW, libc::AT_SYMLINK_NOFOLLOW);
        assert_eq!(O_RDONLY, libc::O_RDONLY);
        assert_eq!(O_WRONLY, libc::O_WRONLY);
        assert_eq!(O_RDWR, libc::O_RDWR);
        assert_eq!(O_CREAT, libc::O_CREAT);
        assert_eq!(O_EXCL, libc::O_EXCL);
        assert_eq!(O_TRUNC, libc::O_TRUNC);
        assert_eq!(O_APPEND, libc::O_APPEND);
        assert_eq!(O_NONBLOCK, libc::O_NONBLOCK);
        assert_eq!(O_DIRECTORY, libc::O_DIRECTORY);
        assert_eq!(O_CLOEXEC, libc::O_CLOEXEC);
        assert_eq!(SEEK_SET, libc::SEEK_SET);
        assert_eq!(SEEK_CUR, libc::SEEK_CUR);
        assert_eq!(SEEK_END, libc::SEEK_END);
        assert_eq!(S_IFMT, libc::S_IFMT);
        assert_eq!(S_IFREG, libc::S_IFREG);
        assert_eq!(S_IFDIR, libc::S_IFDIR);
        assert_eq!(S_IFCHR, libc::S_IFCHR);
        assert_eq!(DT_LNK, libc::DT_LNK);
        assert_eq!(F_GETFL, libc::F_GETFL);
        assert_eq!(F_SETFL, libc::F_SETFL);
        assert_eq!(SHUT_RDWR, libc::SHUT_RDWR);
        assert_eq!(DT_DIR, libc::DT_DIR);
        assert_eq!(DT_REG, libc::DT_REG);
        assert_eq!(PIPE_BUF, libc::PIPE_BUF);
        assert_eq!(CLOCK_REALTIME, libc::CLOCK_REALTIME);
        assert_eq!(CLOCK_MONOTONIC, libc::CLOCK_MONOTONIC);
        assert_eq!(AF_UNIX, libc::AF_UNIX);
        assert_eq!(AF_INET, libc::AF_INET);
        assert_eq!(SOCK_STREAM, libc::SOCK_STREAM);
        assert_eq!(SOCK_DGRAM, libc::SOCK_DGRAM);
        assert_eq!(SOCK_RAW, libc::SOCK_RAW);
        assert_eq!(IPPROTO_IP, libc::IPPROTO_IP);
        assert_eq!(IPPROTO_ICMP, libc::IPPROTO_ICMP);
        assert_eq!(IPPROTO_TCP, libc::IPPROTO_TCP);
        assert_eq!(TCP_CONGESTION, libc::TCP_CONGESTION);
        assert_eq!(IPPROTO_UDP, libc::IPPROTO_UDP);
        assert_eq!(MSG_DONTWAIT, libc::MSG_DONTWAIT);
        assert_eq!(SIOCGIFFLAGS, libc::SIOCGIFFLAGS);
        assert_eq!(SIOCSIFFLAGS, libc::SIOCSIFFLAGS);
        assert_eq!(SIOCGIFADDR, libc::SIOCGIFADDR);
        assert_eq!(IFNAMSIZ, libc::IFNAMSIZ);
        assert_eq!(c_int::from(IFF_UP), libc::IFF_UP);
        assert_eq!(c_int::from(IFF_LOOPBACK), libc::IFF_LOOPBACK);
        assert_eq!(c_int::from(IFF_RUNNING), libc::IFF_RUNNING);
        assert_eq!(POLLIN, libc::POLLIN);
        assert_eq!(POLLOUT, libc::POLLOUT);
        assert_eq!(POLLERR, libc::POLLERR);
        assert_eq!(POLLHUP, libc::POLLHUP);
        assert_eq!(POLLNVAL, libc::POLLNVAL);
        assert_eq!(MS_RDONLY, libc::MS_RDONLY);
    }
}

/// `EPOLLIN`: readable (`epoll_event.events`).
pub const EPOLLIN: u32 = 0x001;
/// `EPOLLOUT`: writable.
pub const EPOLLOUT: u32 = 0x004;
/// `EPOLL_CTL_ADD`: watch a descriptor.
pub const EPOLL_CTL_ADD: c_int = 1;
/// `EPOLL_CTL_DEL`: stop watching it.
pub const EPOLL_CTL_DEL: c_int = 2;
/// `EPOLL_CTL_MOD`: change what is watched.
pub const EPOLL_CTL_MOD: c_int = 3;
