//! [`Errno`]: a kernel error number, with the values of the installed
//! headers (`LKL_E*`, asm-generic `errno*.h`, through [`crate::uapi`]).

use crate::uapi;
use core::fmt;

macro_rules! errnos {
    ($($name:ident = $lkl:ident),* $(,)?) => {
        impl Errno {
            $(
                #[doc = concat!("`", stringify!($name), "` (`", stringify!($lkl), "`)")]
                pub const $name: Errno = Errno(uapi::$lkl);
            )*

            /// Symbolic name (`"ENOENT"`), if this is a value we know.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $(Errno::$name => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }

        #[cfg(test)]
        pub(crate) const ALL_ERRNOS: &[(&str, i32)] = &[$((stringify!($name), uapi::$lkl)),*];
    };
}

/// A positive kernel error number, as returned negated by `lkl_syscall`.
///
/// The values are the asm-generic ones (`include/uapi/asm-generic/errno*.h`,
/// installed as `lkl/asm-generic/errno*.h`), which ARCH=lkl uses on every
/// host; they happen to equal x86-64 Linux's.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

errnos! {
    EPERM = LKL_EPERM, ENOENT = LKL_ENOENT, ESRCH = LKL_ESRCH, EINTR = LKL_EINTR, EIO = LKL_EIO,
    ENXIO = LKL_ENXIO, E2BIG = LKL_E2BIG, ENOEXEC = LKL_ENOEXEC, EBADF = LKL_EBADF,
    ECHILD = LKL_ECHILD, EAGAIN = LKL_EAGAIN, ENOMEM = LKL_ENOMEM, EACCES = LKL_EACCES,
    EFAULT = LKL_EFAULT, ENOTBLK = LKL_ENOTBLK, EBUSY = LKL_EBUSY, EEXIST = LKL_EEXIST,
    EXDEV = LKL_EXDEV, ENODEV = LKL_ENODEV, ENOTDIR = LKL_ENOTDIR, EISDIR = LKL_EISDIR,
    EINVAL = LKL_EINVAL, ENFILE = LKL_ENFILE, EMFILE = LKL_EMFILE, ENOTTY = LKL_ENOTTY,
    ETXTBSY = LKL_ETXTBSY, EFBIG = LKL_EFBIG, ENOSPC = LKL_ENOSPC, ESPIPE = LKL_ESPIPE,
    EROFS = LKL_EROFS, EMLINK = LKL_EMLINK, EPIPE = LKL_EPIPE, EDOM = LKL_EDOM,
    ERANGE = LKL_ERANGE, EDEADLK = LKL_EDEADLK, ENAMETOOLONG = LKL_ENAMETOOLONG,
    ENOLCK = LKL_ENOLCK, ENOSYS = LKL_ENOSYS, ENOTEMPTY = LKL_ENOTEMPTY, ELOOP = LKL_ELOOP,
    ENOTSOCK = LKL_ENOTSOCK, EDESTADDRREQ = LKL_EDESTADDRREQ, EMSGSIZE = LKL_EMSGSIZE,
    EPROTOTYPE = LKL_EPROTOTYPE, ENOPROTOOPT = LKL_ENOPROTOOPT,
    EPROTONOSUPPORT = LKL_EPROTONOSUPPORT, ESOCKTNOSUPPORT = LKL_ESOCKTNOSUPPORT,
    EOPNOTSUPP = LKL_EOPNOTSUPP, EPFNOSUPPORT = LKL_EPFNOSUPPORT,
    EAFNOSUPPORT = LKL_EAFNOSUPPORT, EADDRINUSE = LKL_EADDRINUSE,
    EADDRNOTAVAIL = LKL_EADDRNOTAVAIL, ENETDOWN = LKL_ENETDOWN, ENETUNREACH = LKL_ENETUNREACH,
    ENETRESET = LKL_ENETRESET, ECONNABORTED = LKL_ECONNABORTED, ECONNRESET = LKL_ECONNRESET,
    ENOBUFS = LKL_ENOBUFS, EISCONN = LKL_EISCONN, ENOTCONN = LKL_ENOTCONN,
    ESHUTDOWN = LKL_ESHUTDOWN, ETIMEDOUT = LKL_ETIMEDOUT, ECONNREFUSED = LKL_ECONNREFUSED,
    EHOSTDOWN = LKL_EHOSTDOWN, EHOSTUNREACH = LKL_EHOSTUNREACH, EALREADY = LKL_EALREADY,
    EINPROGRESS = LKL_EINPROGRESS,
}

impl Errno {
    /// Maximum errno the kernel encodes in a return value (`MAX_ERRNO`).
    pub const MAX: i32 = 4095;

    /// Splits a raw `lkl_syscall` return value into success or error.
    pub fn from_ret(ret: i64) -> Result<i64, Errno> {
        if (-i64::from(Self::MAX)..0).contains(&ret) {
            Err(Errno(-ret as i32))
        } else {
            Ok(ret)
        }
    }

    /// The negative value the kernel returns for this error.
    pub fn to_ret(self) -> i64 {
        -i64::from(self.0)
    }

    /// A C-style result: `Ok(r)` for `r >= 0`, `Err(Errno(-r))` for a
    /// negative one (as the DCE entry points return them).
    pub fn result(r: isize) -> Result<usize, Errno> {
        usize::try_from(r).map_err(|_| Errno(i32::try_from(-r).unwrap_or(i32::MAX)))
    }

    /// [`Errno::result`] for an `int` result.
    pub fn result_int(r: core::ffi::c_int) -> Result<usize, Errno> {
        Errno::result(r as isize)
    }
}

/// `ENOENT (2)`; with `std`, the host's text instead of the number:
/// `ENOENT: No such file or directory` (the values are the host's too).
impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(feature = "std")]
        {
            // std's message is strerror()'s text and " (os error N)".
            let msg = std::io::Error::from_raw_os_error(self.0).to_string();
            let text = msg.split(" (os error").next().unwrap_or(&msg);
            match self.name() {
                Some(n) => write!(f, "{n}: {text}"),
                None => write!(f, "errno {}: {text}", self.0),
            }
        }
        #[cfg(not(feature = "std"))]
        match self.name() {
            Some(n) => write!(f, "{n} ({})", self.0),
            None => write!(f, "errno {}", self.0),
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Errno {}

#[cfg(feature = "std")]
impl From<Errno> for std::io::Error {
    fn from(e: Errno) -> Self {
        std::io::Error::from_raw_os_error(e.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_split() {
        assert_eq!(
            Errno::ENOENT.to_string(),
            "ENOENT: No such file or directory"
        );
        assert!(Errno(4000).to_string().starts_with("errno 4000: "));
        assert_eq!(Errno::result(-22), Err(Errno::EINVAL));
        assert_eq!(Errno::result(7), Ok(7));
        assert_eq!(Errno::from_ret(-2), Err(Errno::ENOENT));
        assert_eq!(Errno::from_ret(5), Ok(5));
        assert_eq!(Errno::from_ret(-4096), Ok(-4096));
        assert_eq!(Errno::ENOSYS.to_ret(), -38);
    }

    /// asm-generic errno values equal x86-64 Linux's.
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    #[test]
    fn matches_x86_64_libc() {
        for &(name, v) in ALL_ERRNOS {
            let host = match name {
                "EPERM" => libc::EPERM,
                "ENOENT" => libc::ENOENT,
                "EAGAIN" => libc::EAGAIN,
                "EBADF" => libc::EBADF,
                "EEXIST" => libc::EEXIST,
                "ENODEV" => libc::ENODEV,
                "EINVAL" => libc::EINVAL,
                "ENOSYS" => libc::ENOSYS,
                "ENOTDIR" => libc::ENOTDIR,
                "ENOTSOCK" => libc::ENOTSOCK,
                "EOPNOTSUPP" => libc::EOPNOTSUPP,
                "ETIMEDOUT" => libc::ETIMEDOUT,
                "ENETUNREACH" => libc::ENETUNREACH,
                "EINPROGRESS" => libc::EINPROGRESS,
                "ECONNREFUSED" => libc::ECONNREFUSED,
                "EHOSTUNREACH" => libc::EHOSTUNREACH,
                "EADDRINUSE" => libc::EADDRINUSE,
                "ENAMETOOLONG" => libc::ENAMETOOLONG,
                "ENOTEMPTY" => libc::ENOTEMPTY,
                "ELOOP" => libc::ELOOP,
                "EMSGSIZE" => libc::EMSGSIZE,
                _ => continue,
            };
            assert_eq!(v, host, "{name}");
        }
    }
}
