//! Run-time checks of the generated ABI types: what a DCE host or a kernel
//! library observes when it calls through them (calling conventions, the
//! zeroed table, flags, embedding).  Sizes and offsets are checked once, at
//! compile time, by `dce_abi::published`.

use core::ffi::{c_char, c_int, c_uint, c_void, CStr};
use core::mem::size_of;
use core::ptr;
use core::sync::atomic::{AtomicUsize, Ordering};
use std::string::String;

use dce_abi::published::SIM_EXPORTED_OFFSETS;
use dce_abi::{
    PollTableRef, SimDevFlags, SimDevice, SimDevicePacket, SimExported, SimImported, SimInit,
    SimKernel, SimSocket, SimSysFile, SimSysFileFlags, SimSysIterator,
};

/// The bytes of a plain-old-data value.
fn bytes_of<T: Copy>(v: &T) -> Vec<u8> {
    // SAFETY: `v` is a valid, initialised `T` for `size_of::<T>()` bytes, and
    // the tables and packets have no padding (all members are pointer sized),
    // so every byte is initialised.
    unsafe { core::slice::from_raw_parts((v as *const T).cast::<u8>(), size_of::<T>()) }.to_vec()
}

/// DCE value-initialises the table (`new struct SimExported ()`): our
/// `Default` is the same 232 zero bytes.
#[test]
fn exported_all_none_is_232_zero_bytes() {
    let e = SimExported::default();
    let b = bytes_of(&e);
    assert_eq!(b.len(), 232);
    assert!(b.iter().all(|&x| x == 0));
}

#[test]
fn imported_all_none_is_240_zero_bytes() {
    let i = SimImported::default();
    let b = bytes_of(&i);
    assert_eq!(b.len(), 240);
    assert!(b.iter().all(|&x| x == 0));
}

// ---- SimDevFlags ------------------------------------------------------------

static DEV_CREATE_FLAGS: AtomicUsize = AtomicUsize::new(usize::MAX);

unsafe extern "C" fn fake_dev_create(
    _ifname: *const c_char,
    priv_: *mut c_void,
    flags: SimDevFlags,
) -> *mut SimDevice {
    DEV_CREATE_FLAGS.store(flags.bits() as usize, Ordering::SeqCst);
    priv_.cast()
}

/// DCE passes MULTICAST|BROADCAST|NOARP (0b1101) for a PointToPoint device.
#[test]
fn point_to_point_dev_flags_round_trip() {
    let bits: c_uint = 0b1101;
    let f = SimDevFlags::from_bits(bits).expect("only known bits");
    assert_eq!(
        f,
        SimDevFlags::MULTICAST | SimDevFlags::BROADCAST | SimDevFlags::NOARP
    );
    assert!(!f.contains(SimDevFlags::POINTTOPOINT));
    assert_eq!(f.bits(), bits);
    assert_eq!(SimDevFlags::from_bits_retain(f.bits()), f);

    // Through the table, as DCE calls it: with a plain C `int`-sized value.
    let e = SimExported {
        dev_create: Some(fake_dev_create),
        ..Default::default()
    };
    type CDevCreate = unsafe extern "C" fn(*const c_char, *mut c_void, c_uint) -> *mut SimDevice;
    // SAFETY: SimDevFlags is `#[repr(transparent)]` over `c_uint`, so the two
    // function pointer types have the same ABI (what DCE's C++ call does).
    let as_c: CDevCreate = unsafe { core::mem::transmute(e.dev_create.unwrap()) };
    let priv_ = 0x5eed_usize as *mut c_void;
    // SAFETY: fake_dev_create dereferences nothing.
    let dev = unsafe { as_c(c"sim%d".as_ptr(), priv_, bits) };
    assert_eq!(dev.cast::<c_void>(), priv_);
    assert_eq!(DEV_CREATE_FLAGS.load(Ordering::SeqCst), 0b1101);
}

#[test]
fn sys_file_flags_values() {
    assert_eq!(SimSysFileFlags::READ.bits(), 1);
    assert_eq!(SimSysFileFlags::WRITE.bits(), 2);
    assert_eq!(
        SimSysFileFlags::from_bits(3),
        Some(SimSysFileFlags::READ | SimSysFileFlags::WRITE)
    );
}

// ---- SimDevicePacket by value --------------------------------------------------

const TOKEN: usize = 0x70ce_0000_0000_00aa;

unsafe extern "C" fn fake_create_packet(dev: *mut SimDevice, size: c_int) -> SimDevicePacket {
    SimDevicePacket {
        buffer: dev.cast::<u8>().wrapping_add(size as usize).cast(),
        token: TOKEN as *mut c_void,
    }
}

static RX_DEV: AtomicUsize = AtomicUsize::new(0);
static RX_BUFFER: AtomicUsize = AtomicUsize::new(0);
static RX_TOKEN: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn fake_rx(dev: *mut SimDevice, packet: SimDevicePacket) {
    RX_DEV.store(dev as usize, Ordering::SeqCst);
    RX_BUFFER.store(packet.buffer as usize, Ordering::SeqCst);
    RX_TOKEN.store(packet.token as usize, Ordering::SeqCst);
}

/// `dev_create_packet` returns the 16-byte struct by value and both fields
/// survive a call through the table's function pointer.
#[test]
fn device_packet_returned_by_value_keeps_both_fields() {
    let e = SimExported {
        dev_create_packet: Some(fake_create_packet),
        ..Default::default()
    };
    let dev = 0x1000_usize as *mut SimDevice;
    // SAFETY: fake_create_packet dereferences nothing.
    let p = unsafe { e.dev_create_packet.unwrap()(dev, 1514) };
    assert_eq!(p.buffer as usize, 0x1000 + 1514);
    assert_eq!(p.token as usize, TOKEN);
}

/// The convention DCE relies on, at register level: the packet comes back
/// in RAX (`buffer`) and RDX (`token`), not through a hidden pointer.
#[test]
fn device_packet_is_returned_in_rax_rdx() {
    let f: unsafe extern "C" fn(*mut SimDevice, c_int) -> SimDevicePacket = fake_create_packet;
    let (rax, rdx): (usize, usize);
    // SAFETY: a plain SysV call of an `extern "C"` function taking (pointer,
    // int): arguments in RDI/ESI, every caller-saved register declared
    // clobbered; the asm block is entered with the stack aligned for a call
    // (no `nostack`), and the callee dereferences nothing.
    unsafe {
        core::arch::asm!(
            "call {f}",
            f = in(reg) f,
            in("rdi") 0x2000_usize,
            in("esi") 60_i32,
            out("rax") rax,
            out("rdx") rdx,
            clobber_abi("C"),
        );
    }
    assert_eq!(rax, 0x2000 + 60);
    assert_eq!(rdx, TOKEN);
}

/// `dev_rx` receives the packet by value in two integer registers (RSI:RDX
/// after `dev` in RDI), as DCE's C++ call passes it.
#[test]
fn device_packet_is_passed_in_rsi_rdx() {
    let e = SimExported {
        dev_rx: Some(fake_rx),
        ..Default::default()
    };
    let f = e.dev_rx.unwrap();
    // SAFETY: a plain SysV call of an `extern "C"` function taking (pointer,
    // 16-byte struct of two pointers): RDI, then RSI and RDX; every
    // caller-saved register declared clobbered; stack aligned for a call (no
    // `nostack`); the callee only stores the values.
    unsafe {
        core::arch::asm!(
            "call {f}",
            f = in(reg) f,
            in("rdi") 0x3000_usize,
            in("rsi") 0x3333_usize,
            in("rdx") TOKEN,
            clobber_abi("C"),
        );
    }
    assert_eq!(RX_DEV.load(Ordering::SeqCst), 0x3000);
    assert_eq!(RX_BUFFER.load(Ordering::SeqCst), 0x3333);
    assert_eq!(RX_TOKEN.load(Ordering::SeqCst), TOKEN);

    // And through the function pointer, from Rust.
    let p = SimDevicePacket {
        buffer: 0x4444_usize as *mut c_void,
        token: 0x5555_usize as *mut c_void,
    };
    // SAFETY: fake_rx dereferences nothing.
    unsafe { f(0x6000_usize as *mut SimDevice, p) };
    assert_eq!(RX_BUFFER.load(Ordering::SeqCst), 0x4444);
    assert_eq!(RX_TOKEN.load(Ordering::SeqCst), 0x5555);
}

// ---- PollTableRef through sock_poll's `void *` --------------------------------

unsafe extern "C" fn fake_sock_poll(_socket: *mut SimSocket, ret: *mut c_void) {
    let r = ret.cast::<PollTableRef>();
    // SAFETY: DCE (here: the test) passes a pointer to a live PollTableRef.
    unsafe {
        if !(*r).opaque.is_null() {
            (*r).opaque = 0xabc_usize as *mut c_void; // "registered a waiter"
        }
        (*r).ret = 0x5; // POLLIN | POLLOUT... as the kernel computes it
    }
}

#[test]
fn poll_table_ref_goes_through_void_pointer() {
    let e = SimExported {
        sock_poll: Some(fake_sock_poll),
        ..Default::default()
    };
    let mut r = PollTableRef {
        ret: 0x1 | 0x8 | 0x10,
        opaque: 0x77_usize as *mut c_void,
    };
    // SAFETY: `r` outlives the call; the callee only writes its two fields.
    unsafe { e.sock_poll.unwrap()(ptr::null_mut(), ptr::addr_of_mut!(r).cast()) };
    assert_eq!(r.ret, 0x5);
    assert_eq!(r.opaque as usize, 0xabc);
    let mut r = PollTableRef {
        ret: 0,
        opaque: ptr::null_mut(),
    };
    // SAFETY: as above.
    unsafe { e.sock_poll.unwrap()(ptr::null_mut(), ptr::addr_of_mut!(r).cast()) };
    assert!(r.opaque.is_null());
}

// ---- SimSysIterator embedded as the first member ------------------------------

/// A DCE-like walker: the iterator is the first member of a larger object.
#[repr(C)]
struct Walker {
    iter: SimSysIterator,
    dirs: Vec<String>,
    found: Vec<(String, c_int, usize)>,
}

/// # Safety
/// `iter` must be the `iter` member of a live, exclusively used `Walker`.
unsafe fn walker<'a>(iter: *const SimSysIterator) -> &'a mut Walker {
    // SAFETY: by the caller's contract; `iter` is at offset 0 of `Walker`
    // (`#[repr(C)]`, first member), so the cast gives the containing object.
    unsafe { &mut *(iter as *mut Walker) }
}

unsafe extern "C" fn start_dir(iter: *const SimSysIterator, name: *const c_char) {
    // SAFETY: only called by `fake_iterate` with a live Walker and a C string.
    let (w, name) = unsafe { (walker(iter), CStr::from_ptr(name)) };
    w.dirs.push(name.to_str().unwrap().to_owned());
}

unsafe extern "C" fn end_dir(iter: *const SimSysIterator) {
    // SAFETY: only called by `fake_iterate` with a live Walker.
    unsafe { walker(iter) }.dirs.pop();
}

unsafe extern "C" fn file(
    iter: *const SimSysIterator,
    name: *const c_char,
    flags: c_int,
    file: *mut SimSysFile,
) {
    // SAFETY: only called by `fake_iterate` with a live Walker and a C string.
    let (w, name) = unsafe { (walker(iter), CStr::from_ptr(name)) };
    let mut path = String::new();
    for d in &w.dirs {
        path.push('.');
        path.push_str(d);
    }
    path.push('.');
    path.push_str(name.to_str().unwrap());
    w.found.push((path, flags, file as usize));
}

/// The library side of a sysctl walk: net { ipv4 { ip_forward } }.
unsafe extern "C" fn fake_iterate(iter: *const SimSysIterator) {
    let rw = (SimSysFileFlags::READ | SimSysFileFlags::WRITE).bits() as c_int;
    // SAFETY: `iter` points to a SimSysIterator whose callbacks are all set.
    // It is copied out first, so that no reference into the walker is alive
    // while the callbacks borrow it mutably.
    unsafe {
        let it: SimSysIterator = *iter;
        it.report_start_dir.unwrap()(iter, c"net".as_ptr());
        it.report_start_dir.unwrap()(iter, c"ipv4".as_ptr());
        it.report_file.unwrap()(iter, c"ip_forward".as_ptr(), rw, 0x42 as *mut SimSysFile);
        it.report_end_dir.unwrap()(iter);
        it.report_end_dir.unwrap()(iter);
    }
}

#[test]
fn sys_iterator_embedded_first_builds_dotted_paths() {
    let e = SimExported {
        sys_iterate_files: Some(fake_iterate),
        ..Default::default()
    };
    let mut w = Walker {
        iter: SimSysIterator {
            report_start_dir: Some(start_dir),
            report_end_dir: Some(end_dir),
            report_file: Some(file),
        },
        dirs: Vec::new(),
        found: Vec::new(),
    };
    // SAFETY: `w` is live and not otherwise used during the call; its first
    // member is the iterator the callbacks cast back.
    unsafe { e.sys_iterate_files.unwrap()(ptr::addr_of_mut!(w).cast::<SimSysIterator>()) };
    assert_eq!(w.found, vec![(".net.ipv4.ip_forward".to_owned(), 3, 0x42)]);
    assert!(w.dirs.is_empty());
}

// ---- sim_init through a SimInit pointer ---------------------------------------

static SEEN_KERNEL: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn fake_task_create(
    priv_: *mut c_void,
    _pid: core::ffi::c_ulong,
) -> *mut dce_abi::SimTask {
    priv_.cast()
}

/// A minimal library `sim_init`: copies the imported table by value (DCE's
/// lives on its stack) and fills the exported one.
unsafe extern "C" fn fake_sim_init(
    exported: *mut SimExported,
    imported: *const SimImported,
    kernel: *mut SimKernel,
) {
    // SAFETY: DCE (here: the test) passes valid pointers for the call.
    let imported: SimImported = unsafe { *imported };
    assert!(imported.current_ns.is_some());
    SEEN_KERNEL.store(kernel as usize, Ordering::SeqCst);
    // SAFETY: as above.
    unsafe {
        (*exported).task_create = Some(fake_task_create);
        (*exported).dev_create_packet = Some(fake_create_packet);
    }
}

unsafe extern "C" fn fake_current_ns(_k: *mut SimKernel) -> u64 {
    42
}

#[test]
fn sim_init_fills_the_exported_table() {
    let init: SimInit = std::hint::black_box(Some(fake_sim_init));
    let mut exported = SimExported::default();
    let imported = SimImported {
        current_ns: Some(fake_current_ns),
        ..Default::default()
    };
    let kernel = 0xcafe_usize as *mut SimKernel;
    // SAFETY: both tables outlive the call.
    unsafe { init.unwrap()(&mut exported, &imported, kernel) };
    assert_eq!(SEEN_KERNEL.load(Ordering::SeqCst), 0xcafe);
    assert!(exported.task_create.is_some());
    assert!(exported.dev_create_packet.is_some());
    assert!(exported.dev_rx.is_none());
    // The filled members are non-zero exactly at their published offsets.
    let b = bytes_of(&exported);
    for (i, chunk) in b.chunks(8).enumerate() {
        let filled = chunk.iter().any(|&x| x != 0);
        let name = SIM_EXPORTED_OFFSETS[i].0;
        assert_eq!(
            filled,
            name == "task_create" || name == "dev_create_packet",
            "{name}"
        );
    }
}
