//! The kernel's randomness from DCE's `random()` (Documentation/dce/abi.rst,
//! "Time, events and randomness").
//!
//! Once the kernel has booted, 64 bytes from DCE's deterministic random
//! stream (seeded by ns-3's seed and run number) are added to the kernel's
//! input pool and credited, through `RNDADDENTROPY` on a `/dev/urandom`
//! node we create: everything the kernel draws afterwards (ports, sequence
//! numbers, hash secrets) then depends on the run's seed, and only on it.

use crate::call::syscall as sys;
use crate::node;
use core::ffi::{c_int, c_long};
use core::mem::offset_of;
use lkl_sys::sysno::{SYS_close, SYS_ioctl, SYS_mkdirat, SYS_mknodat, SYS_openat};
use lkl_sys::{consts, uapi, Errno};

const AT_FDCWD: c_long = consts::AT_FDCWD as c_long;
const O_RDWR: c_long = consts::O_RDWR as c_long;
const S_IFCHR: c_long = consts::S_IFCHR as c_long;
/// `/dev/urandom` is character device 1:9 (new_encode_dev form).
const URANDOM_DEV: c_long = (1 << 8) | 9;
const RNDADDENTROPY: c_long = consts::RNDADDENTROPY as c_long;
const EEXIST: c_long = Errno::EEXIST.0 as c_long;

const WORDS: usize = 16;

/// `struct rand_pool_info` and the words of its flexible array `buf`.
#[repr(C)]
struct PoolInfo {
    info: uapi::lkl_rand_pool_info,
    buf: [u32; WORDS],
}
const _: () = assert!(offset_of!(PoolInfo, buf) == offset_of!(uapi::lkl_rand_pool_info, buf));

/// Mixes DCE's random bytes into the booted kernel; returns 0 or -errno.
/// Runs on a worker (inside `sim_init`'s boot request).
pub fn seed_from_dce() -> c_long {
    let dce = node::dce();
    let mut info = PoolInfo {
        info: uapi::lkl_rand_pool_info {
            entropy_count: (WORDS * 32) as c_int,
            buf_size: (WORDS * 4) as c_int,
            ..Default::default()
        },
        buf: [0; WORDS],
    };
    for pair in info.buf.chunks_mut(2) {
        let Some(r) = dce.random() else {
            return -(Errno::EINVAL.0 as c_long);
        };
        pair[0] = r as u32;
        if let Some(hi) = pair.get_mut(1) {
            *hi = (r >> 32) as u32;
        }
    }

    let dev = c"/dev";
    let urandom = c"/dev/urandom";
    let r = sys(
        SYS_mkdirat,
        [AT_FDCWD, dev.as_ptr() as c_long, 0o755, 0, 0, 0],
    );
    if r < 0 && r != -EEXIST {
        return r;
    }
    let r = sys(
        SYS_mknodat,
        [
            AT_FDCWD,
            urandom.as_ptr() as c_long,
            S_IFCHR | 0o666,
            URANDOM_DEV,
            0,
            0,
        ],
    );
    if r < 0 && r != -EEXIST {
        return r;
    }
    let fd = sys(
        SYS_openat,
        [AT_FDCWD, urandom.as_ptr() as c_long, O_RDWR, 0, 0, 0],
    );
    if fd < 0 {
        return fd;
    }
    let ret = sys(
        SYS_ioctl,
        [
            fd,
            RNDADDENTROPY,
            &mut info as *mut PoolInfo as c_long,
            0,
            0,
            0,
        ],
    );
    sys(SYS_close, [fd, 0, 0, 0, 0, 0]);
    ret
}
