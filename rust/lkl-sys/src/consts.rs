//! UAPI constants used by the crates (tests, demo, benchmark, `lkl-dce`),
//! under their C names, typed as the system calls take them.
//!
//! Every value comes from the installed headers through [`crate::uapi`]
//! (`LKL_O_RDWR` is `O_RDWR` here): ARCH=lkl takes these from the
//! asm-generic UAPI headers (`asm-generic/fcntl.h`, `asm-generic/socket.h`,
//! `asm-generic/ioctls.h`, ...) whatever the host is.  The type each one
//! is given is checked to hold its value at compile time.
//!
//! For every constant below the asm-generic value happens to equal the
//! x86-64 Linux value, which the unit test `matches_x86_64_libc` checks
//! against the `libc` crate.  On other hosts (e.g. arm64, where
//! `O_DIRECTORY` differs) the host's libc values must NOT be used for LKL:
//! use these.

use crate::uapi;
use core::ffi::{c_int, c_short, c_uint, c_ulong};

/// `pub const NAME: type = uapi::LKL_NAME`, and a compile-time check that
/// the value fits the type.
macro_rules! uapi_consts {
    ($($(#[$doc:meta])* $name:ident: $ty:ty = $lkl:ident;)*) => {
        $(
            $(#[$doc])*
            pub const $name: $ty = uapi::$lkl as $ty;
            const _: () = assert!(
                uapi::$lkl as $ty as i128 == uapi::$lkl as i128,
                concat!(stringify!($lkl), " does not fit ", stringify!($ty))
            );
        )*
    };
}
pub(crate) use uapi_consts;

uapi_consts! {
    /// `AT_FDCWD`
    AT_FDCWD: c_int = LKL_AT_FDCWD;
    /// `AT_REMOVEDIR`
    AT_REMOVEDIR: c_int = LKL_AT_REMOVEDIR;
    /// `AT_SYMLINK_NOFOLLOW`
    AT_SYMLINK_NOFOLLOW: c_int = LKL_AT_SYMLINK_NOFOLLOW;
    /// `O_RDONLY`
    O_RDONLY: c_int = LKL_O_RDONLY;
    /// `O_WRONLY`
    O_WRONLY: c_int = LKL_O_WRONLY;
    /// `O_RDWR`
    O_RDWR: c_int = LKL_O_RDWR;
    /// `O_CREAT`
    O_CREAT: c_int = LKL_O_CREAT;
    /// `O_EXCL`
    O_EXCL: c_int = LKL_O_EXCL;
    /// `O_TRUNC`
    O_TRUNC: c_int = LKL_O_TRUNC;
    /// `O_APPEND`
    O_APPEND: c_int = LKL_O_APPEND;
    /// `O_NONBLOCK`
    O_NONBLOCK: c_int = LKL_O_NONBLOCK;
    /// `O_DIRECTORY`
    O_DIRECTORY: c_int = LKL_O_DIRECTORY;
    /// `O_CLOEXEC`
    O_CLOEXEC: c_int = LKL_O_CLOEXEC;
    /// `SEEK_SET`
    SEEK_SET: c_int = LKL_SEEK_SET;
    /// `SEEK_CUR`
    SEEK_CUR: c_int = LKL_SEEK_CUR;
    /// `SEEK_END`
    SEEK_END: c_int = LKL_SEEK_END;
    /// `S_IFMT`
    S_IFMT: c_uint = LKL_S_IFMT;
    /// `S_IFREG`
    S_IFREG: c_uint = LKL_S_IFREG;
    /// `S_IFDIR`
    S_IFDIR: c_uint = LKL_S_IFDIR;
    /// `S_IFCHR`
    S_IFCHR: c_uint = LKL_S_IFCHR;
    /// `F_GETFL` (`fcntl`)
    F_GETFL: c_int = LKL_F_GETFL;
    /// `F_SETFL`
    F_SETFL: c_int = LKL_F_SETFL;
    /// `SHUT_RDWR` (`shutdown`)
    SHUT_RDWR: c_int = LKL_SHUT_RDWR;
    /// `PIPE_BUF`
    PIPE_BUF: usize = LKL_PIPE_BUF;
    /// `CLOCK_REALTIME`
    CLOCK_REALTIME: c_int = LKL_CLOCK_REALTIME;
    /// `CLOCK_MONOTONIC`
    CLOCK_MONOTONIC: c_int = LKL_CLOCK_MONOTONIC;
    /// `AF_UNIX`
    AF_UNIX: c_int = LKL_AF_UNIX;
    /// `AF_INET`
    AF_INET: c_int = LKL_AF_INET;
    /// `SOCK_STREAM`
    SOCK_STREAM: c_int = LKL_SOCK_STREAM;
    /// `SOCK_DGRAM`
    SOCK_DGRAM: c_int = LKL_SOCK_DGRAM;
    /// `SOCK_RAW`
    SOCK_RAW: c_int = LKL_SOCK_RAW;
    /// `IPPROTO_IP`
    IPPROTO_IP: c_int = LKL_IPPROTO_IP;
    /// `IPPROTO_ICMP`
    IPPROTO_ICMP: c_int = LKL_IPPROTO_ICMP;
    /// `IPPROTO_TCP`
    IPPROTO_TCP: c_int = LKL_IPPROTO_TCP;
    /// `TCP_CONGESTION`: the socket's congestion control algorithm (a name).
    TCP_CONGESTION: c_int = LKL_TCP_CONGESTION;
    /// `IPPROTO_UDP`
    IPPROTO_UDP: c_int = LKL_IPPROTO_UDP;
    /// `MSG_DONTWAIT`
    MSG_DONTWAIT: c_int = LKL_MSG_DONTWAIT;
    /// `SIOCGIFFLAGS`
    SIOCGIFFLAGS: c_ulong = LKL_SIOCGIFFLAGS;
    /// `SIOCSIFFLAGS`
    SIOCSIFFLAGS: c_ulong = LKL_SIOCSIFFLAGS;
    /// `SIOCGIFADDR`
    SIOCGIFADDR: c_ulong = LKL_SIOCGIFADDR;
    /// `IFNAMSIZ`
    IFNAMSIZ: usize = LKL_IFNAMSIZ;
    /// `IFF_UP`
    IFF_UP: c_short = LKL_IFF_UP;
    /// `IFF_LOOPBACK`
    IFF_LOOPBACK: c_short = LKL_IFF_LOOPBACK;
    /// `IFF_RUNNING`
    IFF_RUNNING: c_short = LKL_IFF_RUNNING;
    /// `POLLIN`
    POLLIN: c_short = LKL_POLLIN;
    /// `POLLOUT`
    POLLOUT: c_short = LKL_POLLOUT;
    /// `POLLERR`
    POLLERR: c_short = LKL_POLLERR;
    /// `POLLHUP`
    POLLHUP: c_short = LKL_POLLHUP;
    /// `POLLNVAL`
    POLLNVAL: c_short = LKL_POLLNVAL;
    /// `MS_RDONLY` (mount flag)
    MS_RDONLY: c_ulong = LKL_MS_RDONLY;
    /// ICMP type of an echo reply.
    ICMP_ECHOREPLY: u8 = LKL_ICMP_ECHOREPLY;
    /// ICMP type of an echo request.
    ICMP_ECHO: u8 = LKL_ICMP_ECHO;
    /// `EPOLLIN`: readable (`epoll_event.events`).
    EPOLLIN: u32 = LKL_EPOLLIN;
    /// `EPOLLOUT`: writable.
    EPOLLOUT: u32 = LKL_EPOLLOUT;
    /// `EPOLL_CTL_ADD`: watch a descriptor.
    EPOLL_CTL_ADD: c_int = LKL_EPOLL_CTL_ADD;
    /// `EPOLL_CTL_DEL`: stop watching it.
    EPOLL_CTL_DEL: c_int = LKL_EPOLL_CTL_DEL;
    /// `EPOLL_CTL_MOD`: change what is watched.
    EPOLL_CTL_MOD: c_int = LKL_EPOLL_CTL_MOD;
    /// `SOCK_TYPE_MASK`: the type bits of `socket()`'s `type`, below
    /// `SOCK_NONBLOCK` and `SOCK_CLOEXEC`.
    SOCK_TYPE_MASK: c_int = LKL_SOCK_TYPE_MASK;
    /// `ETH_P_IP`: IPv4 (Ethernet type).
    ETH_P_IP: u16 = LKL_ETH_P_IP;
    /// `ETH_P_IPV6`: IPv6.
    ETH_P_IPV6: u16 = LKL_ETH_P_IPV6;
    /// `RNDADDENTROPY`: `_IOW('R', 0x03, int[2])`, add entropy to the
    /// input pool and credit it (`struct rand_pool_info`).
    RNDADDENTROPY: c_ulong = LKL_RNDADDENTROPY;
}

/// Size of the kernel's `sigset_t` (what `ppoll` expects as `sigsetsize`):
/// `_NSIG` bits.
pub const KERNEL_SIGSET_SIZE: usize = uapi::_LKL_NSIG as usize / 8;

// `d_type` values of a `getdents64` record: include/linux/fs_types.h is
// not UAPI, so no installed header has them.

/// `DT_UNKNOWN` (`d_type` the file system does not fill in)
pub const DT_UNKNOWN: u8 = 0;
/// `DT_DIR` (`d_type` of a directory entry)
pub const DT_DIR: u8 = 4;
/// `DT_REG`
pub const DT_REG: u8 = 8;
/// `DT_LNK`
pub const DT_LNK: u8 = 10;

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
        assert_eq!(EPOLLIN, libc::EPOLLIN as u32);
        assert_eq!(EPOLLOUT, libc::EPOLLOUT as u32);
        assert_eq!(EPOLL_CTL_ADD, libc::EPOLL_CTL_ADD);
        assert_eq!(EPOLL_CTL_DEL, libc::EPOLL_CTL_DEL);
        assert_eq!(EPOLL_CTL_MOD, libc::EPOLL_CTL_MOD);
        assert_eq!(DT_UNKNOWN, libc::DT_UNKNOWN);
        assert_eq!(ETH_P_IP, libc::ETH_P_IP as u16);
        assert_eq!(ETH_P_IPV6, libc::ETH_P_IPV6 as u16);
        assert_eq!(KERNEL_SIGSET_SIZE, 8);
        assert_eq!(ICMP_ECHO, 8);
        assert_eq!(ICMP_ECHOREPLY, 0);
        // _IOW('R', 0x03, int[2]), as lkl-dce typed it before.
        assert_eq!(RNDADDENTROPY, 0x4008_5203);
    }
}
