//! A node's device: a TAP device made and configured from a thread inside
//! the node's namespace, so that it is born there.
//!
//! `IFF_TAP | IFF_NO_PI`, no `IFF_VNET_HDR` and no `TUNSETOFFLOAD`: the
//! device offers no checksum or segmentation offload, so the kernel
//! checksums and segments in software and every frame read from the fd is
//! a real Ethernet frame of at most 14 + MTU bytes, as dce-sim's devices
//! hand over.  The fd is non-blocking: the wire polls it.  Its send
//! buffer is set below `INT_MAX`, which keeps tun off its `tun_build_skb`
//! path: received frames then get a 2 KiB kmalloc'ed head, charged to the
//! receiving socket as a NIC driver's half-page buffers are (igb, ixgbe;
//! dce-sim's device does the same), not tun's own tighter fragments.
//! Closing the fd destroys the device (it is not persistent).
//!
//! The device is `IFF_NOARP`, as DCE's point-to-point devices are: the
//! kernel addresses every frame to its own MAC, and the wire puts the
//! other end's in, as dce-sim's point-to-point link does.
//!
//! IPv6 is disabled in the namespace before the device exists, so that no
//! router solicitation or DAD frame ever reaches the link; IPv4 on a TAP
//! sends nothing unasked but ARP.

use super::ns::{os_err, sysctl};
use std::fs::OpenOptions;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;

/// The device's MTU (case.rs: MTU 1500 on both nodes).
pub(super) const MTU: i32 = 1500;

/// An `ifreq` naming `name`, everything else zero.
fn ifreq(name: &str) -> libc::ifreq {
    // SAFETY: ifreq is plain old data (a name and a union of integers and
    // plain structs); all zeroes is a valid value.
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in ifr.ifr_name.iter_mut().zip(name.bytes().take(15)) {
        *d = s as libc::c_char;
    }
    ifr
}

/// `ioctl(fd, req, ifr)`, with `what` in the error.
fn ioctl(fd: &OwnedFd, req: libc::Ioctl, ifr: &mut libc::ifreq, what: &str) -> Result<(), String> {
    // SAFETY: every request used here takes a pointer to one ifreq, which
    // `ifr` is, valid for reads and writes during the call.
    if unsafe { libc::ioctl(fd.as_raw_fd(), req, ifr as *mut libc::ifreq) } != 0 {
        return Err(os_err(what));
    }
    Ok(())
}

/// A `sockaddr` holding IPv4 address `a`.
fn sockaddr_in(a: Ipv4Addr) -> libc::sockaddr {
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from(a).to_be(),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: sockaddr_in and sockaddr have the same size (16 bytes) and
    // both are plain old data; the kernel reads it back as sockaddr_in.
    unsafe { std::mem::transmute::<libc::sockaddr_in, libc::sockaddr>(sin) }
}

/// Disables IPv6 in the calling thread's namespace (all devices made from
/// now on), if the kernel has IPv6 at all.
pub(super) fn disable_ipv6() -> Result<(), String> {
    if !std::path::Path::new("/proc/sys/net/ipv6").exists() {
        return Ok(());
    }
    sysctl("net.ipv6.conf.default.disable_ipv6", "1")?;
    sysctl("net.ipv6.conf.all.disable_ipv6", "1")
}

/// Makes TAP device `name` in the calling thread's namespace, with `mac`,
/// `addr`/24, MTU [`MTU`], no ARP, up; returns its (non-blocking) fd.
pub(super) fn create(name: &str, mac: [u8; 6], addr: Ipv4Addr) -> Result<OwnedFd, String> {
    let tun: OwnedFd = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open("/dev/net/tun")
        .map_err(|e| format!("opening /dev/net/tun: {e}"))?
        .into();
    let mut ifr = ifreq(name);
    ifr.ifr_ifru.ifru_flags = (libc::IFF_TAP | libc::IFF_NO_PI) as libc::c_short;
    ioctl(&tun, libc::TUNSETIFF, &mut ifr, "TUNSETIFF (TAP)")?;
    let sndbuf: libc::c_int = 1 << 30;
    // SAFETY: TUNSETSNDBUF reads one int, which `sndbuf` is.
    if unsafe { libc::ioctl(tun.as_raw_fd(), libc::TUNSETSNDBUF, &sndbuf) } != 0 {
        return Err(os_err("TUNSETSNDBUF"));
    }

    // SAFETY: socket takes no pointers; a valid fd is owned below.
    let s = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if s < 0 {
        return Err(os_err("socket(AF_INET) for configuring the TAP"));
    }
    // SAFETY: s is a new fd that nothing else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(s) };

    let mut ifr = ifreq(name);
    let mut hw = libc::sockaddr {
        sa_family: libc::ARPHRD_ETHER,
        sa_data: [0; 14],
    };
    for (d, s) in hw.sa_data.iter_mut().zip(mac) {
        *d = s as libc::c_char;
    }
    ifr.ifr_ifru.ifru_hwaddr = hw;
    ioctl(&sock, libc::SIOCSIFHWADDR, &mut ifr, "SIOCSIFHWADDR")?;

    let mut ifr = ifreq(name);
    ifr.ifr_ifru.ifru_mtu = MTU;
    ioctl(&sock, libc::SIOCSIFMTU, &mut ifr, "SIOCSIFMTU")?;

    let mut ifr = ifreq(name);
    ifr.ifr_ifru.ifru_addr = sockaddr_in(addr);
    ioctl(&sock, libc::SIOCSIFADDR, &mut ifr, "SIOCSIFADDR")?;
    let mut ifr = ifreq(name);
    ifr.ifr_ifru.ifru_netmask = sockaddr_in(Ipv4Addr::new(255, 255, 255, 0));
    ioctl(&sock, libc::SIOCSIFNETMASK, &mut ifr, "SIOCSIFNETMASK")?;

    let mut ifr = ifreq(name);
    ioctl(&sock, libc::SIOCGIFFLAGS, &mut ifr, "SIOCGIFFLAGS")?;
    // SAFETY: SIOCGIFFLAGS just filled ifru_flags.
    let flags = unsafe { ifr.ifr_ifru.ifru_flags };
    ifr.ifr_ifru.ifru_flags = flags | (libc::IFF_UP | libc::IFF_NOARP) as libc::c_short;
    ioctl(
        &sock,
        libc::SIOCSIFFLAGS,
        &mut ifr,
        "SIOCSIFFLAGS (up, noarp)",
    )?;
    Ok(tun)
}
