//! UAPI structures exchanged with the kernel through system calls.
//!
//! Each is the generated [`crate::uapi`] structure of the installed headers
//! under a Rust name (`Stat` is `struct lkl_stat`), with what the callers
//! need written on top: constructors and accessors.  bindgen gives them
//! `Default` (all zero), `Debug` and, but for [`Ifreq`], `PartialEq`.
//!
//! These follow the asm-generic / generic UAPI layouts that ARCH=lkl uses.
//! Note [`Stat`]: asm-generic `struct stat` is NOT x86-64's `struct stat`
//! (`st_nlink` is 32-bit and comes after `st_mode`), so `libc::stat` must not
//! be used with LKL.

use core::ffi::{c_char, c_short};
use core::mem::{offset_of, size_of};
use static_assertions::const_assert_eq;

use crate::consts::{AF_INET, IFNAMSIZ};
use crate::uapi;
use crate::Errno;

/// `struct __kernel_timespec`: `tv_sec`, `tv_nsec`, both 64-bit.
pub type Timespec = uapi::__lkl__kernel_timespec;

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
pub type Stat = uapi::lkl_stat;
const_assert_eq!(size_of::<Stat>(), 128);
const_assert_eq!(offset_of!(Stat, st_size), 48);

/// `struct sockaddr_in`: `sin_family`, `sin_port` and `sin_addr.s_addr`
/// in network byte order.
pub type SockaddrIn = uapi::lkl_sockaddr_in;
const_assert_eq!(size_of::<SockaddrIn>(), 16);

impl SockaddrIn {
    /// `ip:port` (port in host byte order).
    pub fn new(ip: [u8; 4], port: u16) -> Self {
        Self {
            sin_family: AF_INET as u16,
            sin_port: port.to_be(),
            sin_addr: uapi::lkl_in_addr {
                s_addr: u32::from_ne_bytes(ip),
            },
            __pad: [0; 8],
        }
    }

    /// Port in host byte order.
    pub fn port(&self) -> u16 {
        u16::from_be(self.sin_port)
    }

    /// The address, its octets in memory (network) order.
    pub fn ip(&self) -> [u8; 4] {
        self.sin_addr.s_addr.to_ne_bytes()
    }
}

/// `struct ifreq` (40 bytes): the interface name and a 24-byte union.
pub type Ifreq = uapi::lkl_ifreq;
const_assert_eq!(size_of::<Ifreq>(), 40);

impl Ifreq {
    /// A request for interface `name` (at most 15 bytes).
    pub fn new(name: &str) -> Result<Self, Errno> {
        let b = name.as_bytes();
        if b.len() >= IFNAMSIZ || b.contains(&0) {
            return Err(Errno::EINVAL);
        }
        let mut ifrn_name = [0; IFNAMSIZ];
        for (d, &s) in ifrn_name.iter_mut().zip(b) {
            *d = s as c_char;
        }
        Ok(Self {
            ifr_ifrn: uapi::lkl_ifreq__bindgen_ty_1 { ifrn_name },
            ..Self::default()
        })
    }

    /// `ifr_name`, NUL terminated.
    pub fn name(&self) -> [c_char; IFNAMSIZ] {
        // SAFETY: the union's only member, an array of bytes: every bit
        // pattern is valid, and `new`/`default` initialized all of it.
        unsafe { self.ifr_ifrn.ifrn_name }
    }

    /// `ifr_flags`.
    pub fn flags(&self) -> c_short {
        // SAFETY: a plain integer member of a union that `new`/`default`
        // zeroed whole and the kernel fills; every bit pattern is valid.
        unsafe { self.ifr_ifru.ifru_flags }
    }

    /// Sets `ifr_flags`.
    pub fn set_flags(&mut self, flags: c_short) {
        self.ifr_ifru.ifru_flags = flags;
    }

    /// `ifr_addr` read as a `sockaddr_in`.
    pub fn addr_in(&self) -> SockaddrIn {
        // SAFETY: a member of integers of a union that `new`/`default`
        // zeroed whole and the kernel fills; every bit pattern is valid.
        let a = unsafe { self.ifr_ifru.ifru_addr };
        let d = a.sa_data.map(|c| c as u8);
        SockaddrIn {
            sin_family: a.sa_family,
            sin_port: u16::from_ne_bytes([d[0], d[1]]),
            sin_addr: uapi::lkl_in_addr {
                s_addr: u32::from_ne_bytes([d[2], d[3], d[4], d[5]]),
            },
            __pad: [0; 8],
        }
    }
}

/// `struct new_utsname` (what the `uname` syscall fills): six
/// NUL-terminated fields (see [`c_field`]).
pub type UtsName = uapi::lkl_new_utsname;
const_assert_eq!(size_of::<UtsName>(), 390);

/// Text of a NUL-terminated fixed-size field (lossy UTF-8).
pub fn c_field(field: &[impl Byte]) -> String {
    let bytes: Vec<u8> = field.iter().map(|c| c.byte()).collect();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// A C `char` of either sign, for [`c_field`].
pub trait Byte: Copy {
    /// The byte.
    fn byte(self) -> u8;
}

impl Byte for u8 {
    fn byte(self) -> u8 {
        self
    }
}

impl Byte for i8 {
    fn byte(self) -> u8 {
        self as u8
    }
}

/// `struct pollfd`: `fd`, `events`, `revents`.
pub type PollFd = uapi::lkl_pollfd;

/// `struct epoll_event`: `events`, `data`; packed, as the kernel's UAPI
/// header has it for a kernel built by an x86-64 compiler (`EPOLL_PACKED`).
pub type EpollEvent = uapi::lkl_epoll_event;
const_assert_eq!(size_of::<EpollEvent>(), 12);

pub use crate::dirent::{dirents, Dirent, Dirents};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ifreq_fields() {
        let mut r = Ifreq::new("lo").unwrap();
        assert_eq!(&r.name()[..3], b"lo\0".map(|b| b as c_char));
        r.set_flags(0x49);
        assert_eq!(r.flags(), 0x49);
        assert!(Ifreq::new("0123456789abcdef").is_err());
        assert_eq!(c_field(b"Linux\0\0\0"), "Linux");
    }
}
