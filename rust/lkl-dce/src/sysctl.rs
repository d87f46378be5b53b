//! Sysctl entry points (Documentation/dce/abi.rst, "The sysctl walk")
//! over the kernel's /proc/sys
//! (mounted at boot by the arch).
//!
//! * `sys_iterate_files` walks /proc/sys depth-first with `openat` and
//!   `getdents64` on the calling task: directories are reported with
//!   `report_start_dir`/`report_end_dir`, everything else with
//!   `report_file`, so DCE's dotted paths come out as
//!   `.net.ipv4.conf.all.forwarding`.  Per-device and per-netns entries are
//!   whatever /proc/sys shows the node's init network namespace; symbolic
//!   links are followed.  `flags` is always READ | WRITE: DCE ignores it,
//!   and finding out would cost a `stat` per entry on every walk; a write to
//!   a read-only entry fails with `-EACCES` instead.
//! * A `SimSysFile *` is an interned path ([`SysFile`]): the same entry gets
//!   the same handle on every walk, handles stay valid for the node's life
//!   (an entry that went away reads `-ENOENT`).
//! * The last walk is kept as a [`Listing`] and replayed, without entering
//!   /proc/sys, while `lkl.netdev_events` stays the same; a walk that lists
//!   /proc/sys drops the dentries and inodes it made after each directory
//!   (Documentation/dce/design.rst, "Sysctl").
//! * `sys_file_read`/`sys_file_write` use `lkl_sys::sysctl` (the Rust form
//!   of the host helpers `lkl_sysctl_get` and `lkl_sysctl`, over
//!   [`call::syscall`]); as in LibOS, a read includes the value's trailing
//!   newline.  DCE always passes offset 0; another offset is `-EINVAL`.
//!
//! Each entry point is one request ([`crate::call`]) that may wait: DCE
//! makes these calls from its internal tasks.  The walk, DCE's iterator
//! callbacks included, runs on a worker.

use crate::call::{self, Args, Request};
use crate::node::{self, log};
use core::ffi::{c_char, c_int, c_long, c_void, CStr};
use core::mem::size_of;
use core::ptr;
use dce_abi::{SimSysFile, SimSysFileFlags, SimSysIterator};
use lkl_sys::consts::{DT_DIR, DT_LNK, DT_REG, DT_UNKNOWN};
use lkl_sys::sysno::{SYS_close, SYS_getdents64, SYS_openat};
use lkl_sys::{consts, sysctl, Errno};

const EINVAL: c_int = Errno::EINVAL.0 as c_int;
const ENOMEM: c_int = Errno::ENOMEM.0 as c_int;
const AT_FDCWD: c_long = consts::AT_FDCWD as c_long;
const O_RDONLY: c_long = consts::O_RDONLY as c_long;
const O_DIRECTORY: c_long = consts::O_DIRECTORY as c_long;
const O_CLOEXEC: c_long = consts::O_CLOEXEC as c_long;
/// `/proc/sys/` plus the longest path we walk into.
const PATH_MAX: usize = 256;
/// Deepest directory nesting followed (/proc/sys is about 6 deep).
const MAX_DEPTH: usize = 16;
/// getdents64 buffer per directory level.
const DIRENT_BUF: usize = 2048;

/// An interned /proc/sys path, our `struct SimSysFile`: the length, then
/// the path's bytes and a NUL, in one DCE allocation of just that size.
#[repr(C)]
struct SysFile {
    len: usize,
}

impl SysFile {
    /// The path's bytes (without the NUL).
    ///
    /// # Safety
    /// `f` is a live SysFile from `intern`.
    unsafe fn path<'a>(f: *const SysFile) -> &'a [u8] {
        // SAFETY: the caller's; `len` bytes follow the header.
        unsafe { core::slice::from_raw_parts(f.add(1).cast::<u8>(), (*f).len) }
    }

    /// The last component of the path, NUL-terminated.
    ///
    /// # Safety
    /// `f` is a live SysFile from `intern`.
    unsafe fn name(f: *const SysFile) -> *const c_char {
        // SAFETY: the caller's.
        let path = unsafe { SysFile::path(f) };
        let start = path.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
        // SAFETY: `start` <= len, and the path's NUL follows it.
        unsafe { f.add(1).cast::<u8>().add(start).cast() }
    }
}

/// Open-addressing set of interned paths, in DCE memory; the node state
/// holds only its pointer.  With it, the last walk's listing.
#[repr(C)]
struct Table {
    slots: *mut *mut SysFile,
    cap: usize,
    used: usize,
    listing: Listing,
}

/// What a walk reported, in order, to be replayed while the tree stays the
/// same: one word per report, a directory's or a file's interned path
/// tagged [`START`] or [`FILE`], or [`END`] alone.  Valid while
/// `lkl.netdev_events` reads `events` (only devices change /proc/sys once
/// the kernel has booted: Documentation/dce/design.rst, "Sysctl").
#[repr(C)]
struct Listing {
    items: *mut usize,
    len: usize,
    cap: usize,
    events: u64,
    valid: bool,
    /// A walk is making it now: a walk meanwhile (from another task,
    /// while this one waits in the kernel) lists /proc/sys without it.
    making: bool,
}

const FILE: usize = 0;
const START: usize = 1;
const END: usize = 2;
const TAG: usize = 3;

fn fnv(bytes: &[u8]) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h as usize
}

fn dce_malloc(size: usize) -> *mut c_void {
    node::dce().malloc(size)
}

fn dce_free(p: *mut c_void) {
    node::dce().free(p)
}

fn new_slots(cap: usize) -> *mut *mut SysFile {
    let p = dce_malloc(cap * size_of::<*mut SysFile>()) as *mut *mut SysFile;
    if !p.is_null() {
        // SAFETY: a fresh block of `cap` pointers.
        unsafe { ptr::write_bytes(p, 0, cap) };
    }
    p
}

/// # Safety
/// `t` is this node's live table.
unsafe fn grow(t: *mut Table) -> bool {
    // SAFETY: the caller's; every slot pointer is NULL or a live SysFile.
    unsafe {
        let cap = (*t).cap.max(512) * 2;
        let slots = new_slots(cap);
        if slots.is_null() {
            return false;
        }
        for i in 0..(*t).cap {
            let f = *(*t).slots.add(i);
            if f.is_null() {
                continue;
            }
            let mut j = fnv(SysFile::path(f)) & (cap - 1);
            while !(*slots.add(j)).is_null() {
                j = (j + 1) & (cap - 1);
            }
            *slots.add(j) = f;
        }
        if !(*t).slots.is_null() {
            dce_free((*t).slots.cast());
        }
        (*t).slots = slots;
        (*t).cap = cap;
        true
    }
}

/// This node's table, made on first use; NULL if out of memory.
fn table() -> *mut Table {
    let n = node::node();
    if n.sysctl.get().is_null() {
        let t = dce_malloc(size_of::<Table>()) as *mut Table;
        if t.is_null() {
            return t;
        }
        // SAFETY: a fresh block the size of a Table.
        unsafe {
            t.write(Table {
                slots: ptr::null_mut(),
                cap: 0,
                used: 0,
                listing: Listing {
                    items: ptr::null_mut(),
                    len: 0,
                    cap: 0,
                    events: 0,
                    valid: false,
                    making: false,
                },
            })
        };
        n.sysctl.set(t.cast());
    }
    n.sysctl.get().cast()
}

/// The handle of `path`, interned on first sight; NULL if out of memory.
fn intern(path: &[u8]) -> *mut SysFile {
    let t = table();
    if t.is_null() {
        return t.cast();
    }
    // SAFETY: single-threaded access to this node's table; slot pointers
    // are NULL or live SysFiles, never freed.
    unsafe {
        if (*t).cap > 0 {
            let mask = (*t).cap - 1;
            let mut i = fnv(path) & mask;
            loop {
                let f = *(*t).slots.add(i);
                if f.is_null() {
                    break;
                }
                if SysFile::path(f) == path {
                    return f;
                }
                i = (i + 1) & mask;
            }
        }
        if ((*t).used + 1) * 2 > (*t).cap && !grow(t) {
            return ptr::null_mut();
        }
        let mask = (*t).cap - 1;
        let mut i = fnv(path) & mask;
        while !(*(*t).slots.add(i)).is_null() {
            i = (i + 1) & mask;
        }
        let f = dce_malloc(size_of::<SysFile>() + path.len() + 1) as *mut SysFile;
        if f.is_null() {
            return f;
        }
        (*f).len = path.len();
        let dst = f.add(1).cast::<u8>();
        ptr::copy_nonoverlapping(path.as_ptr(), dst, path.len());
        *dst.add(path.len()) = 0;
        *(*t).slots.add(i) = f;
        (*t).used += 1;
        f
    }
}

impl Listing {
    /// Appends a report; on running out of memory the listing stays
    /// invalid and the next walk lists the tree again.
    fn push(&mut self, item: usize) -> bool {
        if self.len == self.cap {
            let cap = self.cap.max(1024) * 2;
            let items = dce_malloc(cap * size_of::<usize>()) as *mut usize;
            if items.is_null() {
                return false;
            }
            if !self.items.is_null() {
                // SAFETY: both blocks hold at least `len` words.
                unsafe { ptr::copy_nonoverlapping(self.items, items, self.len) };
                dce_free(self.items.cast());
            }
            self.items = items;
            self.cap = cap;
        }
        // SAFETY: len < cap.
        unsafe { *self.items.add(self.len) = item };
        self.len += 1;
        true
    }

    /// Reports the listing to DCE's iterator, as the walk that made it did.
    ///
    /// # Safety
    /// `iter` is DCE's live iterator; the listing is valid.
    unsafe fn replay(&self, iter: *const SimSysIterator) {
        for i in 0..self.len {
            // SAFETY: the caller's; items are tagged live SysFiles or END.
            unsafe {
                let item = *self.items.add(i);
                let f = (item & !TAG) as *const SysFile;
                match item & TAG {
                    END => {
                        if let Some(end) = (*iter).report_end_dir {
                            end(iter);
                        }
                    }
                    START => {
                        if let Some(start) = (*iter).report_start_dir {
                            start(iter, SysFile::name(f));
                        }
                    }
                    _ => {
                        if let Some(report) = (*iter).report_file {
                            let flags = SimSysFileFlags::READ | SimSysFileFlags::WRITE;
                            report(
                                iter,
                                SysFile::name(f),
                                flags.bits() as c_int,
                                f as *mut SimSysFile,
                            );
                        }
                    }
                }
            }
        }
    }
}

/// `lkl.netdev_events`: what the tree's listing is valid for.
fn netdev_events() -> Option<u64> {
    let mut buf = [0u8; 32];
    let n = sysctl::get_with(call::syscall, c"/proc/sys/lkl/netdev_events", &mut buf).ok()?;
    if n == 0 {
        return None;
    }
    core::str::from_utf8(&buf[..n]).ok()?.trim().parse().ok()
}

/// Frees the dentries and inodes of /proc/sys entries no one holds, with
/// the vm.drop_caches sysctl (2).  Listing a /proc/sys directory makes both
/// for every entry in it, about 800 bytes each; dropping them after each
/// directory keeps a walk's memory to that of its largest directory, not
/// 1.4 MiB for the whole tree.
fn drop_dentries() {
    let _ = sysctl::set_with(call::syscall, c"/proc/sys/vm/drop_caches", b"2");
}

/// Writing 4 to vm.drop_caches keeps the kernel from logging every later
/// write (it logs this one, once per node).
fn quiet_drops() {
    let _ = sysctl::set_with(call::syscall, c"/proc/sys/vm/drop_caches", b"4");
}

/// The walk's state: the iterator, the current path and its length, the
/// listing it makes.
struct Walk {
    iter: *const SimSysIterator,
    path: [u8; PATH_MAX],
    len: usize,
    failed: bool,
    listing: *mut Listing,
    listed: bool,
}

fn sys(no: c_long, a: [c_long; 3]) -> c_long {
    call::syscall(no, [a[0], a[1], a[2], 0, 0, 0])
}

impl Walk {
    /// Appends `/name` to the path; false if it does not fit.
    fn push(&mut self, name: &[u8]) -> bool {
        let need = self.len + 1 + name.len() + 1;
        if need > PATH_MAX {
            return false;
        }
        self.path[self.len] = b'/';
        self.path[self.len + 1..self.len + 1 + name.len()].copy_from_slice(name);
        self.path[self.len + 1 + name.len()] = 0;
        self.len += 1 + name.len();
        true
    }

    fn pop(&mut self, old: usize) {
        self.len = old;
        self.path[old] = 0;
    }

    /// Reports the directory open as `fd` (the current path) and its
    /// subdirectories, depth-first; closes `fd`.
    fn dir(&mut self, fd: c_long, depth: usize) {
        let buf = dce_malloc(DIRENT_BUF) as *mut u8;
        if buf.is_null() {
            self.failed = true;
            sys(SYS_close, [fd, 0, 0]);
            return;
        }
        loop {
            let n = sys(SYS_getdents64, [fd, buf as c_long, DIRENT_BUF as c_long]);
            if n < 0 {
                self.failed = true;
            }
            if n <= 0 {
                break;
            }
            // SAFETY: the kernel wrote `n` bytes of linux_dirent64 records
            // into `buf`, which holds DIRENT_BUF bytes.
            let records = unsafe { core::slice::from_raw_parts(buf, n as usize) };
            for d in lkl_sys::dirent::dirents(records) {
                if d.name == b"." || d.name == b".." {
                    continue;
                }
                self.entry(fd, d.name, d.d_type, depth);
            }
        }
        dce_free(buf.cast());
        sys(SYS_close, [fd, 0, 0]);
        drop_dentries();
    }

    /// Adds a report to the listing.
    fn record(&mut self, item: usize) {
        // SAFETY: the node's listing, which only this walk touches now.
        if self.listed && !unsafe { (*self.listing).push(item) } {
            self.listed = false;
        }
    }

    fn entry(&mut self, dirfd: c_long, name: &[u8], ty: u8, depth: usize) {
        let old = self.len;
        if !self.push(name) {
            self.failed = true;
            return;
        }
        let name_ptr = self.path[old + 1..].as_ptr() as *const c_char;
        // Directories, and links or unknown types that open as one.
        let sub = match ty {
            DT_DIR | DT_LNK | DT_UNKNOWN if depth < MAX_DEPTH => sys(
                SYS_openat,
                [
                    dirfd,
                    name_ptr as c_long,
                    O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                ],
            ),
            _ => -1,
        };
        // SAFETY: `iter` is DCE's live iterator; `name_ptr` points to a
        // NUL-terminated component in our path buffer, valid for the call.
        unsafe {
            if sub >= 0 {
                let dir = intern(&self.path[..self.len]);
                if dir.is_null() {
                    self.listed = false;
                }
                self.record(dir as usize | START);
                if let Some(start) = (*self.iter).report_start_dir {
                    start(self.iter, name_ptr);
                }
                self.dir(sub, depth + 1);
                self.record(END);
                if let Some(end) = (*self.iter).report_end_dir {
                    end(self.iter);
                }
            } else if ty == DT_REG || ty == DT_LNK || ty == DT_UNKNOWN {
                let file = intern(&self.path[..self.len]);
                if file.is_null() {
                    self.failed = true;
                } else {
                    self.record(file as usize | FILE);
                    if let Some(report) = (*self.iter).report_file {
                        let flags = SimSysFileFlags::READ | SimSysFileFlags::WRITE;
                        report(self.iter, name_ptr, flags.bits() as c_int, file.cast());
                    }
                }
            }
        }
        self.pop(old);
    }
}

/// `a[0]`: the walk, on the caller's stack (the caller waits for it).
unsafe fn op_walk(a: &mut Args) -> c_long {
    // SAFETY: the Walk of sys_iterate_files, which waits for this request.
    let w = unsafe { &mut *(a.a[0] as *mut Walk) };
    let t = table();
    if t.is_null() {
        return -c_long::from(ENOMEM);
    }
    // SAFETY: the node's table, live for the node's life.
    let listing = unsafe { &mut (*t).listing };
    let events = netdev_events();
    if listing.valid && events == Some(listing.events) {
        // SAFETY: a valid listing; DCE's iterator lives for the walk.
        unsafe { listing.replay(w.iter) };
        return 0;
    }
    let making = !listing.making;
    if making {
        listing.valid = false;
        listing.len = 0;
        listing.making = true;
        quiet_drops();
    }
    w.listing = listing;
    w.listed = making && events.is_some();
    let fd = sys(
        SYS_openat,
        [
            AT_FDCWD,
            w.path.as_ptr() as c_long,
            O_RDONLY | O_DIRECTORY | O_CLOEXEC,
        ],
    );
    if fd >= 0 {
        w.dir(fd, 0);
    }
    // SAFETY: as above.
    let listing = unsafe { &mut (*t).listing };
    if making {
        listing.making = false;
        // A device that came or went during the walk may be half listed.
        if w.listed && !w.failed && netdev_events() == events {
            listing.valid = true;
            listing.events = events.unwrap_or_default();
        }
    }
    if fd < 0 {
        return fd;
    }
    0
}

/// `sys_iterate_files(iter)`: the whole /proc/sys tree, depth-first.
pub unsafe extern "C" fn sys_iterate_files(iter: *const SimSysIterator) {
    if iter.is_null() {
        return;
    }
    let mut w = Walk {
        iter,
        path: [0; PATH_MAX],
        len: 0,
        failed: false,
        listing: ptr::null_mut(),
        listed: false,
    };
    let root = b"/proc/sys";
    w.path[..root.len()].copy_from_slice(root);
    w.len = root.len();
    let mut req = Request::new(
        "sys_iterate_files",
        op_walk,
        [ptr::addr_of_mut!(w) as c_long, 0, 0, 0, 0, 0],
    );
    // The walk calls back into DCE with state on this stack.
    req.abandonable = false;
    let ret = call::call(req).ret;
    if ret < 0 {
        node::log_int(c"lkl-dce: cannot walk /proc/sys: %d\n", ret as c_int);
    } else if w.failed {
        log(
            "lkl-dce: sys_iterate_files: the walk is incomplete (out of memory, a path too \
             long or too deep, or a directory that could not be read)\n",
        );
    }
}

/// The raw result of a sysctl: the value or `-errno`.
fn raw(r: Result<usize, Errno>) -> c_long {
    r.map_or_else(|e| e.to_ret() as c_long, |n| n as c_long)
}

/// `a`: path, buffer, size (at least 1).
unsafe fn op_get(a: &mut Args) -> c_long {
    let x = a.a;
    // SAFETY: an interned NUL-terminated path and DCE's buffer of `size`
    // bytes, both alive and used by nothing else while the caller waits.
    let (name, buf) = unsafe {
        (
            CStr::from_ptr(x[0] as *const c_char),
            core::slice::from_raw_parts_mut(x[1] as *mut u8, x[2] as usize),
        )
    };
    raw(sysctl::get_with(call::syscall, name, buf))
}

/// `a`: path, NUL-terminated value.
unsafe fn op_set(a: &mut Args) -> c_long {
    let x = a.a;
    // SAFETY: an interned NUL-terminated path and a NUL-terminated value,
    // both alive while the caller waits.
    let (name, value) = unsafe {
        (
            CStr::from_ptr(x[0] as *const c_char),
            CStr::from_ptr(x[1] as *const c_char),
        )
    };
    raw(sysctl::set_with(call::syscall, name, value.to_bytes()).map(|()| 0))
}

fn path_of(file: *const SimSysFile) -> *const c_char {
    let f = file as *const SysFile;
    // SAFETY: DCE passes only handles our walk reported: live SysFiles,
    // whose NUL-terminated path follows the header.
    unsafe { f.add(1).cast() }
}

/// `sys_file_read(file, buf, size, 0)`: the value with its trailing
/// newline (LibOS's text), NUL-terminated; the byte count or `-errno`.  A
/// value that does not fit with its newline is cut to `size - 2` bytes
/// (without the newline).
pub unsafe extern "C" fn sys_file_read(
    file: *const SimSysFile,
    buf: *mut c_char,
    size: c_int,
    offset: c_int,
) -> c_int {
    if file.is_null() || buf.is_null() || size <= 1 || offset != 0 {
        return -EINVAL;
    }
    let mut req = Request::new(
        "sys_file_read",
        op_get,
        [
            path_of(file) as c_long,
            buf as c_long,
            c_long::from(size - 1),
            0,
            0,
            0,
        ],
    );
    // The read writes DCE's buffer as user memory.
    req.abandonable = false;
    match call::call(req).ret as c_int {
        // ERANGE: what fits, NUL-terminated by sysctl::get_with.
        r if r == -Errno::ERANGE.0 => {
            // SAFETY: get_with wrote a NUL within the size - 1 bytes.
            unsafe { core::ffi::CStr::from_ptr(buf) }.count_bytes() as c_int
        }
        r if r < 0 => r,
        r => {
            // SAFETY: r <= size - 2 (get_with read at most size - 1
            // bytes, a newline among them, which it stripped), so the
            // newline at r and the NUL at r + 1 <= size - 1 fit.
            unsafe {
                *buf.add(r as usize) = b'\n' as c_char;
                *buf.add(r as usize + 1) = 0;
            }
            r + 1
        }
    }
}

/// `sys_file_write(file, buf, size, 0)`: writes the `size` bytes of text;
/// returns `size` or `-errno` (DCE ignores it).
pub unsafe extern "C" fn sys_file_write(
    file: *const SimSysFile,
    buf: *const c_char,
    size: c_int,
    offset: c_int,
) -> c_int {
    if file.is_null() || buf.is_null() || size < 0 || offset != 0 {
        return -EINVAL;
    }
    let len = size as usize;
    let copy = dce_malloc(len + 1) as *mut c_char;
    if copy.is_null() {
        return -ENOMEM;
    }
    // SAFETY: DCE's buffer holds `size` bytes; `copy` has room for them and
    // the NUL.
    unsafe {
        ptr::copy_nonoverlapping(buf, copy, len);
        *copy.add(len) = 0;
    }
    let mut req = Request::new(
        "sys_file_write",
        op_set,
        [path_of(file) as c_long, copy as c_long, 0, 0, 0, 0],
    );
    // The copy is freed when the call returns.
    req.abandonable = false;
    let ret = call::call(req).ret;
    dce_free(copy.cast());
    match ret {
        0 => size,
        r => r as c_int,
    }
}
