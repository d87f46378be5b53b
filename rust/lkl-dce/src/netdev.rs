//! NetDevice entry points (Documentation/dce/abi.rst, "Devices and
//! frames") over the arch's host
//! network devices (`arch/lkl/drivers/netdev.c`, interface in
//! `asm/host_ops.h`).
//!
//! A `SimDevice *` is a [`Device`] from DCE's malloc: DCE's `priv` (the
//! ns-3 `NetDevice*`) and the kernel's device handle.  Frames the kernel
//! sends reach [`xmit`], which hands them to DCE's `dev_xmit`; received
//! frames are [`LklNetdevFrame`]s from DCE's malloc: `dev_create_packet`
//! returns one with its data as the buffer, `dev_rx` queues it for the
//! kernel, which copies it into an skb and frees it.

use crate::call::{self, syscall, Args, Request};
use crate::node::{self, log, log_int};
use crate::thread;
use core::ffi::{c_char, c_int, c_long, c_uchar, c_void};
use core::mem::{offset_of, size_of};
use core::ptr;
use dce_abi::{SimDevFlags, SimDevice, SimDevicePacket};
use lkl_sys::consts::{ETH_P_IP, ETH_P_IPV6};
use lkl_sys::{
    Errno, LklNetdev, LklNetdevFrame, LKL_NETDEV_BROADCAST, LKL_NETDEV_DESTROY,
    LKL_NETDEV_MULTICAST, LKL_NETDEV_NOARP, LKL_NETDEV_POINTTOPOINT, LKL_NETDEV_SET_MAC,
    LKL_NETDEV_SET_MTU, NR_LKL_NETDEV_CREATE, NR_LKL_NETDEV_CTL,
};

/// Our `struct SimDevice`.
#[repr(C)]
struct Device {
    /// DCE's `priv` (returned by `dev_get_private`).
    private: *mut c_void,
    /// The kernel's handle; NULL once destroyed.
    handle: *mut LklNetdev,
    /// The kernel's interface index.
    ifindex: c_int,
    /// Created without ARP (`SIM_DEV_NOARP`): DCE gives that flag to
    /// devices that do not need ARP, ns-3's PointToPointNetDevice first,
    /// which asserts on any frame but IPv4 and IPv6.
    ip_only: bool,
}

/// The kernel's flags for DCE's.
fn kernel_flags(flags: SimDevFlags) -> core::ffi::c_uint {
    let mut f = 0;
    for (sim, lkl) in [
        (SimDevFlags::NOARP, LKL_NETDEV_NOARP),
        (SimDevFlags::POINTTOPOINT, LKL_NETDEV_POINTTOPOINT),
        (SimDevFlags::MULTICAST, LKL_NETDEV_MULTICAST),
        (SimDevFlags::BROADCAST, LKL_NETDEV_BROADCAST),
    ] {
        if flags.contains(sim) {
            f |= lkl;
        }
    }
    f
}

/// The kernel's transmit callback: one whole Ethernet frame, handed to
/// DCE, which copies it before returning.
unsafe extern "C" fn xmit(cookie: *mut c_void, frame: *const c_void, len: c_int) -> c_int {
    if len < 14 {
        return -1; // DCE asserts on frames without an Ethernet header
    }
    // SAFETY: `frame` holds `len` >= 14 bytes; `cookie` is the Device
    // dev_create registered.
    let (proto, ip_only) = unsafe {
        let b = frame.cast::<u8>();
        (
            u16::from_be_bytes([*b.add(12), *b.add(13)]),
            (*cookie.cast::<Device>()).ip_only,
        )
    };
    if ip_only && proto != ETH_P_IP && proto != ETH_P_IPV6 {
        // ARP turned on by hand, a packet socket: the kernel counts the
        // drop (tx_dropped) rather than DCE asserting.
        return -1;
    }
    let d = &node::node().deferred;
    if d.quiet() || d.frames_waiting() {
        crate::defer::frame(cookie.cast(), frame.cast(), len as usize);
        return 0;
    }
    // SAFETY: `cookie` is the Device dev_create registered; `frame` holds
    // `len` bytes.
    unsafe { node::dce().dev_xmit(cookie.cast(), frame.cast(), len) };
    0
}

/// `a`: name, flags, transmit function, cookie; the handle comes back in
/// `out[0]`.
unsafe fn op_create(a: &mut Args) -> c_long {
    let handle = core::ptr::addr_of_mut!(a.out[0]);
    let x = a.a;
    syscall(
        NR_LKL_NETDEV_CREATE,
        [x[0], x[1], x[2], x[3], handle as c_long, 0],
    )
}

/// `a`: handle, op, argument.
unsafe fn op_ctl(a: &mut Args) -> c_long {
    syscall(NR_LKL_NETDEV_CTL, [a.a[0], a.a[1], a.a[2], 0, 0, 0])
}

/// `dev_create(ifname, priv, flags)`: an Ethernet device named after
/// `ifname` (DCE passes "sim%d"), down until configured.  NULL on error,
/// which is logged.
pub unsafe extern "C" fn dev_create(
    ifname: *const c_char,
    private: *mut c_void,
    flags: SimDevFlags,
) -> *mut SimDevice {
    let dce = node::dce();
    let d = dce.malloc(size_of::<Device>()) as *mut Device;
    if d.is_null() {
        log("lkl-dce: dev_create: out of memory\n");
        return ptr::null_mut();
    }
    // Complete before the kernel holds it: DCE reads `private` from any
    // frame the device sends.
    // SAFETY: fresh, 8-byte aligned block of the right size.
    unsafe {
        d.write(Device {
            private,
            handle: ptr::null_mut(),
            ifindex: 0,
            ip_only: flags.contains(SimDevFlags::NOARP),
        })
    };
    let xmit_fn: lkl_sys::LklNetdevXmit = xmit;
    let mut req = Request::new(
        "dev_create",
        op_create,
        [
            ifname as c_long,
            kernel_flags(flags) as c_long,
            xmit_fn as usize as c_long,
            d as c_long,
            0,
            0,
        ],
    );
    // The kernel keeps `d`, which is freed if the call fails.
    req.abandonable = false;
    let out = call::call(req);
    if out.ret < 0 {
        log_int(c"lkl-dce: dev_create failed: %d\n", out.ret as c_int);
        dce.free(d.cast());
        return ptr::null_mut();
    }
    // SAFETY: `d` is ours; the kernel only hands it back to `xmit`.
    unsafe {
        (*d).handle = out.out[0] as *mut LklNetdev;
        (*d).ifindex = out.ret as c_int;
    }
    d.cast()
}

/// The kernel's handle of a live device, or None (logged) for NULL or a
/// destroyed one.
fn handle_of(dev: *mut SimDevice, what: &str) -> Option<*mut LklNetdev> {
    let d = dev as *mut Device;
    // SAFETY: DCE passes only devices dev_create returned.
    let h = (!d.is_null()).then(|| unsafe { (*d).handle })?;
    if h.is_null() {
        log("lkl-dce: ");
        log(what);
        log(" on a destroyed device\n");
        return None;
    }
    Some(h)
}

fn ctl(dev: *mut SimDevice, op: core::ffi::c_uint, arg: c_long, what: &'static str) -> c_long {
    let Some(h) = handle_of(dev, what) else {
        return -(Errno::ENODEV.0 as c_long);
    };
    let ret = call::call(Request::new(
        what,
        op_ctl,
        [h as c_long, op as c_long, arg, 0, 0, 0],
    ))
    .ret;
    if ret < 0 {
        log("lkl-dce: ");
        log(what);
        log_int(c" failed: %d\n", ret as c_int);
    }
    ret
}

/// `dev_destroy(dev)`: unregisters the device (DCE 1.12 never calls it).
pub unsafe extern "C" fn dev_destroy(dev: *mut SimDevice) {
    if ctl(dev, LKL_NETDEV_DESTROY, 0, "dev_destroy") == 0 {
        // SAFETY: `dev` is a live Device (handle_of checked it).
        unsafe { (*(dev as *mut Device)).handle = ptr::null_mut() };
    }
}

/// `dev_get_private(dev)`: DCE's `priv` from `dev_create`.
pub unsafe extern "C" fn dev_get_private(dev: *mut SimDevice) -> *mut c_void {
    if dev.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: DCE passes only devices dev_create returned.
    unsafe { (*(dev as *mut Device)).private }
}

/// `dev_set_address(dev, mac)`: 6 bytes.
pub unsafe extern "C" fn dev_set_address(dev: *mut SimDevice, mac: *mut c_uchar) {
    if mac.is_null() {
        log("lkl-dce: dev_set_address with a NULL address\n");
        return;
    }
    ctl(dev, LKL_NETDEV_SET_MAC, mac as c_long, "dev_set_address");
}

/// `dev_set_mtu(dev, mtu)`: the L3 MTU.
pub unsafe extern "C" fn dev_set_mtu(dev: *mut SimDevice, mtu: c_int) {
    if mtu <= 0 {
        log_int(c"lkl-dce: dev_set_mtu: bad MTU %d\n", mtu);
        return;
    }
    ctl(dev, LKL_NETDEV_SET_MTU, mtu as c_long, "dev_set_mtu");
}

const DATA: usize = offset_of!(LklNetdevFrame, data);

/// `dev_create_packet(dev, size)`, in event context: a frame of `size`
/// bytes from DCE's malloc; `buffer` is its data, `token` the frame.  A
/// zero packet when `size` is not positive or memory is short (DCE would
/// then crash writing to it: logged).
pub unsafe extern "C" fn dev_create_packet(dev: *mut SimDevice, size: c_int) -> SimDevicePacket {
    let none = SimDevicePacket {
        buffer: ptr::null_mut(),
        token: ptr::null_mut(),
    };
    let Ok(len) = usize::try_from(size) else {
        log_int(c"lkl-dce: dev_create_packet: bad size %d\n", size);
        return none;
    };
    let f = node::dce().malloc(DATA + len.max(1)) as *mut LklNetdevFrame;
    if f.is_null() {
        log("lkl-dce: dev_create_packet: out of memory\n");
        return none;
    }
    let handle = if dev.is_null() {
        ptr::null_mut()
    } else {
        // SAFETY: DCE passes only devices dev_create returned.
        unsafe { (*(dev as *mut Device)).handle }
    };
    // SAFETY: fresh, 8-byte aligned block with room for the header and
    // `len` bytes.
    unsafe {
        f.write(LklNetdevFrame {
            next: ptr::null_mut(),
            dev: handle,
            len: len as core::ffi::c_uint,
            reserved: 0,
            data: lkl_sys::uapi::__IncompleteArrayField::new(),
        });
        SimDevicePacket {
            buffer: f.cast::<u8>().add(DATA).cast(),
            token: f.cast(),
        }
    }
}

unsafe extern "C" fn rx_in_event(frame: *mut c_void) {
    // SAFETY: a frame from dev_create_packet; the kernel takes it over.
    unsafe { lkl_sys::lkl_netdev_rx(frame.cast()) }
}

/// `dev_rx(dev, packet)`, in event context: the frame goes to the kernel,
/// which queues it and raises its receive interrupt; never blocks.
pub unsafe extern "C" fn dev_rx(dev: *mut SimDevice, pkt: SimDevicePacket) {
    let f = pkt.token as *mut LklNetdevFrame;
    if f.is_null() {
        return;
    }
    let live = handle_of(dev, "dev_rx");
    // SAFETY: `f` came from dev_create_packet.
    let same = live.is_some_and(|h| unsafe { (*f).dev } == h);
    let n = node::node();
    if n.is_dead() || !same {
        node::dce().free(f.cast());
        return;
    }
    crate::defer::flush();
    // The arch queues the frame and raises its interrupt: on this stack if
    // the CPU is free, else later by the thread that holds it.
    n.guarded(rx_in_event, f.cast());
    thread::run();
}
