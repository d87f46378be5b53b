//! Sysctls by name, for hosts: the Rust form of the C host library's
//! `lkl_sysctl()` and `lkl_sysctl_get()` (`tools/lkl/lib/sysctl.c`), with
//! the same names, results and errors.
//!
//! Both are host-side: they are not in `lkl.o` (upstream LKL's own host
//! library defines a `lkl_sysctl` of its own, so a kernel-side one clashed
//! with it) and enter the kernel only through system calls, on the calling
//! thread.  They open the entry under `/proc/sys` (procfs is mounted at
//! `/proc` during the boot) and write or read its text, so the proc
//! handler's own parsing, limits and permissions apply.
//!
//! A name is dotted, as sysctl(8) and ns-3-dce write it
//! (`net.ipv4.ip_forward`, `.net.ipv4.conf.all.forwarding`), or a path
//! (`net/ipv4/ip_forward`, `/proc/sys/net/ipv4/ip_forward`).  In the dotted
//! form every dot separates two components, so an interface whose name has
//! a dot (`eth0.1`) needs the path form.
//!
//! Errors: `ENOENT` (no such entry), `EACCES` (writing a read-only one),
//! `EINVAL` (a value the handler refuses, an empty name, a `.`, `..` or
//! empty component, an empty buffer), `ENAMETOOLONG` (`/proc/sys/` and the
//! name take [`PATH_MAX`] bytes or more), `ERANGE` ([`get`]: the value does
//! not fit), `EIO` (the handler took only part of the value), `ENODEV`
//! (the kernel is not running).
//!
//! [`set`] and [`get`] call `lkl_syscall` directly; [`set_with`] and
//! [`get_with`] take the system call entry of a host that has its own
//! (`lkl-dce` runs them on its workers).  This module needs no `std`.

use core::ffi::{c_int, c_long, CStr};

use crate::consts::{AT_FDCWD, O_CLOEXEC, O_RDONLY, O_WRONLY};
use crate::sysno::{SYS_close, SYS_openat, SYS_read, SYS_write};
use crate::{ffi, Errno};

/// Size of the path buffer: `/proc/sys/`, the name and its NUL.
pub const PATH_MAX: usize = 256;

const ROOT: &[u8] = b"/proc/sys/";

/// A NUL-terminated `/proc/sys` path.
struct Path {
    buf: [u8; PATH_MAX],
}

impl Path {
    /// The `/proc/sys` path of `name`: `EINVAL` for an empty name or one
    /// with a `.`, `..` or empty component (it could leave /proc/sys),
    /// `ENAMETOOLONG` if it does not fit.
    fn new(name: &CStr) -> Result<Self, Errno> {
        let mut name = name.to_bytes();
        if let Some(rest) = name.strip_prefix(ROOT) {
            name = rest;
        }
        let dotted = !name.contains(&b'/');
        // ns-3-dce's leading dot; a path's leading slashes.
        if dotted {
            if let Some(rest) = name.strip_prefix(b".") {
                name = rest;
            }
        }
        while let Some(rest) = name.strip_prefix(b"/") {
            name = rest;
        }
        if name.is_empty() {
            return Err(Errno::EINVAL);
        }
        if ROOT.len() + name.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut path = Path { buf: [0; PATH_MAX] };
        path.buf[..ROOT.len()].copy_from_slice(ROOT);
        let mut start = true;
        for (i, &raw) in name.iter().enumerate() {
            let next = name.get(i + 1).copied();
            let c = if dotted && raw == b'.' { b'/' } else { raw };
            // A "." or ".." component.
            if start && c == b'.' && matches!(next, None | Some(b'.' | b'/')) {
                return Err(Errno::EINVAL);
            }
            // An empty component, or a trailing slash.
            if c == b'/' && (start || next.is_none()) {
                return Err(Errno::EINVAL);
            }
            start = c == b'/';
            path.buf[ROOT.len() + i] = c;
        }
        Ok(path)
    }

    fn addr(&self) -> c_long {
        self.buf.as_ptr() as c_long
    }
}

/// `openat(AT_FDCWD, path, flags)`, the call on the open descriptor, and
/// `close`: the call's result, or the error of `openat`.
fn with_entry<F, C>(syscall: &mut F, path: &Path, flags: c_int, call: C) -> c_long
where
    F: FnMut(c_long, [c_long; 6]) -> c_long,
    C: FnOnce(&mut F, c_long) -> c_long,
{
    let flags = c_long::from(flags | O_CLOEXEC);
    let fd = syscall(
        SYS_openat,
        [c_long::from(AT_FDCWD), path.addr(), flags, 0, 0, 0],
    );
    if fd < 0 {
        return fd;
    }
    let ret = call(syscall, fd);
    syscall(SYS_close, [fd, 0, 0, 0, 0, 0]);
    ret
}

/// A system call's result: a count, or (negative) an error, as the C
/// form takes it.
fn count(ret: c_long) -> Result<usize, Errno> {
    if ret < 0 {
        Err(Errno(ret.unsigned_abs() as i32))
    } else {
        Ok(ret as usize)
    }
}

/// Writes `value` (e.g. `b"1"`, `b"4096 87380 6291456"`) to sysctl `name`,
/// through `syscall`, which runs a system call with six parameters and
/// returns its result (`lkl_syscall`, or a host's own way to call it).
///
/// The C form, `lkl_sysctl(name, value)`, writes the bytes before the NUL.
pub fn set_with<F>(mut syscall: F, name: &CStr, value: &[u8]) -> Result<(), Errno>
where
    F: FnMut(c_long, [c_long; 6]) -> c_long,
{
    let path = Path::new(name)?;
    let len = value.len() as c_long;
    let ret = with_entry(&mut syscall, &path, O_WRONLY, |syscall, fd| {
        syscall(SYS_write, [fd, value.as_ptr() as c_long, len, 0, 0, 0])
    });
    if count(ret)? == value.len() {
        Ok(())
    } else {
        Err(Errno::EIO)
    }
}

/// Reads sysctl `name` into `buf` through `syscall` (see [`set_with`]):
/// the value without its trailing newline, NUL-terminated, and its length.
/// `ERANGE` when it does not fit in `buf.len() - 1` bytes: `buf` then holds
/// its beginning, terminated.  `EINVAL` for an empty `buf`.
pub fn get_with<F>(mut syscall: F, name: &CStr, buf: &mut [u8]) -> Result<usize, Errno>
where
    F: FnMut(c_long, [c_long; 6]) -> c_long,
{
    // The C form takes an int size.
    let size = buf.len().min(c_int::MAX as usize);
    if size == 0 {
        return Err(Errno::EINVAL);
    }
    buf[0] = 0;
    let path = Path::new(name)?;
    let addr = buf.as_mut_ptr() as c_long;
    let ret = with_entry(&mut syscall, &path, O_RDONLY, |syscall, fd| {
        syscall(SYS_read, [fd, addr, size as c_long, 0, 0, 0])
    });
    let mut n = count(ret)?;
    // Every proc handler ends what it prints with a newline.
    if n > 0 && buf[n - 1] == b'\n' {
        n -= 1;
    } else if n == size {
        buf[size - 1] = 0;
        return Err(Errno::ERANGE);
    }
    buf[n] = 0;
    Ok(n)
}

/// `lkl_syscall`, for the addresses [`set_with`] and [`get_with`] pass:
/// buffers they hold borrowed for the duration of the call.
fn lkl_syscall(no: c_long, mut params: [c_long; 6]) -> c_long {
    // SAFETY: `params` holds the six longs lkl_syscall reads; the
    // addresses among them (path, value, buffer) point to live memory of
    // the sizes given, borrowed by set_with/get_with until the call returns.
    unsafe { ffi::lkl_syscall(no, params.as_mut_ptr()) }
}

/// `lkl_sysctl(name, value)`: [`set_with`] over `lkl_syscall`.
pub fn set(name: &CStr, value: &[u8]) -> Result<(), Errno> {
    set_with(lkl_syscall, name, value)
}

/// `lkl_sysctl_get(name, buf, size)`: [`get_with`] over `lkl_syscall`.
pub fn get(name: &CStr, buf: &mut [u8]) -> Result<usize, Errno> {
    get_with(lkl_syscall, name, buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(name: &CStr) -> Result<std::string::String, Errno> {
        let p = Path::new(name)?;
        let len = p.buf.iter().position(|&b| b == 0).expect("terminated");
        Ok(std::string::String::from_utf8_lossy(&p.buf[..len]).into_owned())
    }

    #[test]
    fn names_become_paths() {
        for name in [
            c"net.ipv4.ip_forward",
            c".net.ipv4.ip_forward",
            c"net/ipv4/ip_forward",
            c"/net/ipv4/ip_forward",
            c"/proc/sys/net/ipv4/ip_forward",
        ] {
            assert_eq!(
                path(name).as_deref(),
                Ok("/proc/sys/net/ipv4/ip_forward"),
                "{name:?}"
            );
        }
        // A dot in a path is part of the component (a VLAN's name).
        assert_eq!(
            path(c"net/ipv4/conf/eth0.1/forwarding").as_deref(),
            Ok("/proc/sys/net/ipv4/conf/eth0.1/forwarding")
        );
        assert_eq!(path(c"a..b/c").as_deref(), Ok("/proc/sys/a..b/c"));
    }

    #[test]
    fn bad_names_are_refused() {
        for bad in [
            c"",
            c".",
            c"/",
            c"/proc/sys/",
            c"..net.ipv4.ip_forward",
            c"net..ipv4",
            c"net.",
            c"../etc",
            c"net/../../etc",
            c"net/./ipv4",
            c"net//ipv4",
            c"net/ipv4/",
            c"net/..",
        ] {
            assert_eq!(path(bad), Err(Errno::EINVAL), "{bad:?}");
        }
        let fits = std::ffi::CString::new("a".repeat(PATH_MAX - ROOT.len() - 1)).unwrap();
        assert!(path(&fits).is_ok());
        let long = std::ffi::CString::new("a".repeat(PATH_MAX - ROOT.len())).unwrap();
        assert_eq!(path(&long), Err(Errno::ENAMETOOLONG));
    }

    /// A fake kernel with one entry whose text is `text`.
    fn fake(text: &'static [u8]) -> impl FnMut(c_long, [c_long; 6]) -> c_long {
        move |no, a| {
            if no == SYS_read {
                let n = text.len().min(a[2] as usize);
                // SAFETY: get_with passed its buffer of a[2] bytes.
                unsafe { core::ptr::copy_nonoverlapping(text.as_ptr(), a[1] as *mut u8, n) };
                n as c_long
            } else if no == SYS_write {
                a[2] - 1
            } else if no == SYS_openat {
                3
            } else {
                0
            }
        }
    }

    #[test]
    fn values_are_cut_and_terminated() {
        let mut buf = [0xffu8; 8];
        assert_eq!(get_with(fake(b"42\n"), c"x", &mut buf), Ok(2));
        assert_eq!(&buf[..3], b"42\0");
        let mut exact = [0xffu8; 3];
        assert_eq!(get_with(fake(b"42\n"), c"x", &mut exact), Ok(2));
        assert_eq!(&exact, b"42\0");
        let mut small = [0xffu8; 2];
        assert_eq!(
            get_with(fake(b"42\n"), c"x", &mut small),
            Err(Errno::ERANGE)
        );
        assert_eq!(&small, b"4\0");
        assert_eq!(get_with(fake(b"42\n"), c"x", &mut []), Err(Errno::EINVAL));
        // A short write.
        assert_eq!(set_with(fake(b""), c"x", b"12"), Err(Errno::EIO));
    }
}
