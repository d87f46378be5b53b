//! uapi structures exchanged with the kernel through system calls.
//!
//! These follow the asm-generic / generic uapi layouts that ARCH=lkl uses.
//! Note [`Stat`]: asm-generic `struct stat` is NOT x86-64's `struct stat`
//! (`st_nlink` is 32-bit and comes after `st_mode`), so `libc::stat` must not
//! be used with LKL.

use core::ffi::{c_int, c_long, c_short, c_uint, c_ulong};
use static_assertions::const_assert_eq;

use crate::consts::{AF_INET, IFNAMSIZ};
use crate::Errno;

/// `struct timespec` (`__kernel_timespec` on 64-bit).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timespec {
    /// Seconds.
    pub tv_sec: i64,
    /// Nanoseconds.
    pub tv_nsec: i64,
}

impl Timespec {
    /// From a [`std::time::Duration`].
    pub fn from_duration(d: std::time::Duration) -> Self {
        Self {
            tv_sec: d.as_secs() as i64,
            tv_nsec: i64::from(d.subsec_nanos()),
        }
    }

    /// Total nanoseconds.
    pub fn as_nanos(&self) -> i128 {
        i128::from(self.tv_sec) * 1_000_000_000 + i128::from(self.tv_nsec)
    }
}

/// asm-generic `struct stat` (include/uapi/asm-generic/stat.h, 64-bit).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Stat {
    /// Device.
    pub st_dev: c_ulong,
    /// Inode number.
    pub st_ino: c_ulong,
    /// File type and mode.
    pub st_mode: c_uint,
    /// Link count.
    pub st_nlink: c_uint,
    /// Owner.
    pub st_uid: c_uint,
    /// Group.
    pub st_gid: c_uint,
    /// Device number, if device.
    pub st_rdev: c_ulong,
    /// Padding.
    pub __pad1: c_ulong,
    /// Size in bytes.
    pub st_size: c_long,
    /// Optimal I/O block size.
    pub st_blksize: c_int,
    /// Padding.
    pub __pad2: c_int,
    /// 512-byte blocks allocated.
    pub st_blocks: c_long,
    /// Access time (s).
    pub st_atime: c_long,
    /// Access time (ns).
    pub st_atime_nsec: c_ulong,
    /// Modification time (s).
    pub st_mtime: c_long,
    /// Modification time (ns).
    pub st_mtime_nsec: c_ulong,
    /// Status change time (s).
    pub st_ctime: c_long,
    /// Status change time (ns).
    pub st_ctime_nsec: c_ulong,
    /// Unused.
    pub __unused4: c_uint,
    /// Unused.
    pub __unused5: c_uint,
}
const_assert_eq!(core::mem::size_of::<Stat>(), 128);
const_assert_eq!(core::mem::offset_of!(Stat, st_size), 48);

/// `struct sockaddr_in`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockaddrIn {
    /// `AF_INET`.
    pub sin_family: u16,
    /// Port, network byte order.
    pub sin_port: u16,
    /// Address, network byte order (the octets in memory order).
    pub sin_addr: [u8; 4],
    /// Padding.
    pub sin_zero: [u8; 8],
}
const_assert_eq!(core::mem::size_of::<SockaddrIn>(), 16);

impl SockaddrIn {
    /// `ip:port` (port in host byte order).
    pub fn new(ip: [u8; 4], port: u16) -> Self {
        Self {
            sin_family: AF_INET as u16,
            sin_port: port.to_be(),
            sin_addr: ip,
            sin_zero: [0; 8],
        }
    }

    /// Port in host byte order.
    pub fn port(&self) -> u16 {
        u16::from_be(self.sin_port)
    }
}

/// `struct ifreq` (40 bytes): the interface name and a 24-byte union.
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default)]
pub struct Ifreq {
    /// Interface name, NUL terminated.
    pub ifr_name: [u8; IFNAMSIZ],
    /// The `ifr_ifru` union, as raw bytes.
    pub ifr_ifru: [u8; 24],
}
const_assert_eq!(core::mem::size_of::<Ifreq>(), 40);

impl Ifreq {
    /// A request for interface `name` (at most 15 bytes).
    pub fn new(name: &str) -> Result<Self, Errno> {
        let b = name.as_bytes();
        if b.len() >= IFNAMSIZ || b.contains(&0) {
            return Err(Errno::EINVAL);
        }
        let mut r = Self::default();
        r.ifr_name[..b.len()].copy_from_slice(b);
        Ok(r)
    }

    /// `ifr_flags`.
    pub fn flags(&self) -> c_short {
        c_short::from_ne_bytes([self.ifr_ifru[0], self.ifr_ifru[1]])
    }

    /// Sets `ifr_flags`.
    pub fn set_flags(&mut self, flags: c_short) {
        self.ifr_ifru[..2].copy_from_slice(&flags.to_ne_bytes());
    }

    /// `ifr_addr` read as a `sockaddr_in`.
    pub fn addr_in(&self) -> SockaddrIn {
        let u = &self.ifr_ifru;
        SockaddrIn {
            sin_family: u16::from_ne_bytes([u[0], u[1]]),
            sin_port: u16::from_ne_bytes([u[2], u[3]]),
            sin_addr: [u[4], u[5], u[6], u[7]],
            sin_zero: [0; 8],
        }
    }
}

/// `struct new_utsname` (what the `uname` syscall fills).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct UtsName {
    /// "Linux".
    pub sysname: [u8; 65],
    /// Host name.
    pub nodename: [u8; 65],
    /// Kernel release.
    pub release: [u8; 65],
    /// Kernel version string.
    pub version: [u8; 65],
    /// Machine.
    pub machine: [u8; 65],
    /// NIS domain name.
    pub domainname: [u8; 65],
}
const_assert_eq!(core::mem::size_of::<UtsName>(), 390);

impl Default for UtsName {
    fn default() -> Self {
        Self {
            sysname: [0; 65],
            nodename: [0; 65],
            release: [0; 65],
            version: [0; 65],
            machine: [0; 65],
            domainname: [0; 65],
        }
    }
}

/// Text of a NUL-terminated fixed-size field (lossy UTF-8).
pub fn c_field(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// `struct pollfd`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PollFd {
    /// File descriptor.
    pub fd: c_int,
    /// Requested events.
    pub events: c_short,
    /// Returned events.
    pub revents: c_short,
}

/// `struct epoll_event`: packed, as the kernel's UAPI header has it for a
/// kernel built by an x86-64 compiler (`EPOLL_PACKED`).
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EpollEvent {
    /// `EPOLLIN`, `EPOLLOUT`, ...: wanted, or ready.
    pub events: u32,
    /// Returned as given to `epoll_ctl`.
    pub data: u64,
}
const_assert_eq!(core::mem::size_of::<EpollEvent>(), 12);

/// One `struct linux_dirent64` record parsed out of a `getdents64` buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dirent<'a> {
    /// Inode number.
    pub ino: u64,
    /// `DT_*` type.
    pub d_type: u8,
    /// Name bytes (without the NUL).
    pub name: &'a [u8],
}

/// Iterator over the records in a `getdents64` result buffer.
pub struct Dirents<'a> {
    buf: &'a [u8],
}

/// Parses the first `len` bytes that `getdents64` filled into `buf`.
pub fn dirents(buf: &[u8]) -> Dirents<'_> {
    Dirents { buf }
}

impl<'a> Iterator for Dirents<'a> {
    type Item = Dirent<'a>;

    fn next(&mut self) -> Option<Dirent<'a>> {
        // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
        const HDR: usize = 19;
        if self.buf.len() < HDR {
            return None;
        }
        let ino = u64::from_ne_bytes(self.buf[0..8].try_into().ok()?);
        let reclen = usize::from(u16::from_ne_bytes([self.buf[16], self.buf[17]]));
        if reclen < HDR || reclen > self.buf.len() {
            return None;
        }
        let d_type = self.buf[18];
        let name_area = &self.buf[HDR..reclen];
        let nul = name_area
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(name_area.len());
        let ent = Dirent {
            ino,
            d_type,
            name: &name_area[..nul],
        };
        self.buf = &self.buf[reclen..];
        Some(ent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirent_parsing() {
        let mut buf = Vec::new();
        for (ino, name) in [(7u64, "a"), (9u64, "self")] {
            let reclen = (19 + name.len() + 1).next_multiple_of(8);
            let start = buf.len();
            buf.extend_from_slice(&ino.to_ne_bytes());
            buf.extend_from_slice(&0i64.to_ne_bytes());
            buf.extend_from_slice(&(reclen as u16).to_ne_bytes());
            buf.push(4);
            buf.extend_from_slice(name.as_bytes());
            buf.resize(start + reclen, 0);
        }
        let v: Vec<_> = dirents(&buf).collect();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].name, b"a");
        assert_eq!(v[1].name, b"self");
        assert_eq!(v[1].ino, 9);
        assert_eq!(v[1].d_type, 4);
    }

    #[test]
    fn ifreq_fields() {
        let mut r = Ifreq::new("lo").unwrap();
        assert_eq!(&r.ifr_name[..3], b"lo\0");
        r.set_flags(0x49);
        assert_eq!(r.flags(), 0x49);
        assert!(Ifreq::new("0123456789abcdef").is_err());
        assert_eq!(c_field(b"Linux\0\0\0"), "Linux");
    }
}
