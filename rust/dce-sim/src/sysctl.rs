//! Sysctls the way DCE reads and writes them (Documentation/dce/abi.rst,
//! "The sysctl walk").
//!
//! DCE names a sysctl by a dotted path with a leading dot
//! (`.net.ipv4.conf.all.forwarding`).  To read or write one it walks the
//! library's whole tree with `sys_iterate_files`, building each path by
//! prefixing every component with `.`, takes the first exact match and
//! calls `sys_file_read(file, buf, 512, 0)` on a zeroed 512-byte buffer or
//! `sys_file_write(file, value, strlen(value), 0)`.
//!
//! [`get`] and [`set`] do exactly that from a task of the node;
//! [`Host::sysctl_set`] and [`Host::sysctl_get`] run them in a new D-task,
//! as DCE's `LinuxSocketFdFactory::Set` and `SysctlGet` do.  Right after a
//! node's `sim_init` returns, the host applies DCE's three defaults
//! ([`DCE_DEFAULTS`]) the same way.

use crate::abi::Host;
use crate::{NodeId, SimError};
use core::ffi::{c_char, c_int, CStr};
use dce_abi::{SimExported, SimSysFile, SimSysIterator};

/// What DCE writes into every node right after `sim_init`, in this order.
pub const DCE_DEFAULTS: [(&str, &str); 3] = [
    (".net.ipv4.conf.all.forwarding", "1"),
    (".net.ipv4.conf.all.log_martians", "1"),
    (".net.ipv6.conf.all.forwarding", "0"),
];

/// Why a sysctl could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SysctlError {
    /// The walk reported no file with this path.
    NotFound(String),
    /// The library's read or write returned `-errno`.
    Errno(i32),
}

impl core::fmt::Display for SysctlError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SysctlError::NotFound(p) => write!(f, "sysctl {p}: not reported by sys_iterate_files"),
            SysctlError::Errno(e) => write!(f, "sysctl: the library returned -{e}"),
        }
    }
}

impl std::error::Error for SysctlError {}

/// DCE's iterator object: the C iterator first, then our state.
#[repr(C)]
struct Finder {
    base: SimSysIterator,
    want: Vec<u8>,
    path: Vec<u8>,
    dirs: Vec<usize>,
    found: *mut SimSysFile,
    files: usize,
    /// Every path reported, when listing.
    names: Option<Vec<String>>,
}

/// # Safety
/// `iter` is the `base` of a live `Finder`.
unsafe fn finder<'a>(iter: *const SimSysIterator) -> &'a mut Finder {
    // SAFETY: the caller's; `base` is the first member of a repr(C) Finder.
    unsafe { &mut *(iter as *mut Finder) }
}

unsafe extern "C" fn start_dir(iter: *const SimSysIterator, name: *const c_char) {
    // SAFETY: the library calls back with our iterator and a C string.
    let (f, name) = unsafe { (finder(iter), CStr::from_ptr(name)) };
    f.dirs.push(f.path.len());
    f.path.push(b'.');
    f.path.extend_from_slice(name.to_bytes());
}

unsafe extern "C" fn end_dir(iter: *const SimSysIterator) {
    // SAFETY: as above.
    let f = unsafe { finder(iter) };
    let len = f.dirs.pop().unwrap_or(0);
    f.path.truncate(len);
}

unsafe extern "C" fn report_file(
    iter: *const SimSysIterator,
    name: *const c_char,
    _flags: c_int,
    file: *mut SimSysFile,
) {
    // SAFETY: as above.
    let (f, name) = unsafe { (finder(iter), CStr::from_ptr(name)) };
    f.files += 1;
    if let Some(names) = &mut f.names {
        let mut p = f.path.clone();
        p.push(b'.');
        p.extend_from_slice(name.to_bytes());
        names.push(String::from_utf8_lossy(&p).into_owned());
    }
    if !f.found.is_null() || f.want.len() != f.path.len() + 1 + name.to_bytes().len() {
        return;
    }
    let (dir, rest) = f.want.split_at(f.path.len());
    if dir == f.path && rest[0] == b'.' && &rest[1..] == name.to_bytes() {
        f.found = file;
    }
}

/// Walks the tree of `e`'s library as DCE does: the handle of `path` (if
/// reported) and the number of files reported.
pub fn walk(e: &SimExported, path: &str) -> (Option<*mut SimSysFile>, usize) {
    let f = run_walk(e, path, false);
    let found = (!f.found.is_null()).then_some(f.found);
    (found, f.files)
}

/// Every path the walk reports (DCE's dotted form), in walk order.
pub fn list(e: &SimExported) -> Vec<String> {
    run_walk(e, "", true).names.unwrap_or_default()
}

fn run_walk(e: &SimExported, path: &str, list: bool) -> Finder {
    let mut f = Finder {
        base: SimSysIterator {
            report_start_dir: Some(start_dir),
            report_end_dir: Some(end_dir),
            report_file: Some(report_file),
        },
        want: path.as_bytes().to_vec(),
        path: Vec::new(),
        dirs: Vec::new(),
        found: core::ptr::null_mut(),
        files: 0,
        names: list.then(Vec::new),
    };
    let Some(iterate) = e.sys_iterate_files else {
        return f;
    };
    // SAFETY: the library's walk with our iterator, live for the call; the
    // callbacks mutate `f` through this pointer, which is derived from a
    // mutable borrow.
    unsafe { iterate(core::ptr::addr_of_mut!(f.base)) };
    f
}

/// DCE's `SysctlGet`, from a task of the node: the value as the library
/// reads it (LibOS-compatible libraries include the trailing newline).
pub fn get(e: &SimExported, path: &str) -> Result<String, SysctlError> {
    let (Some(file), _) = walk(e, path) else {
        return Err(SysctlError::NotFound(path.into()));
    };
    let Some(read) = e.sys_file_read else {
        return Err(SysctlError::Errno(libc::ENOSYS));
    };
    let mut buf = [0u8; 512];
    // SAFETY: a handle the walk reported and a zeroed 512-byte buffer, as
    // DCE passes them.
    let n = unsafe { read(file, buf.as_mut_ptr().cast(), buf.len() as c_int, 0) };
    if n < 0 {
        return Err(SysctlError::Errno(-n));
    }
    let n = (n as usize).min(buf.len());
    let end = buf[..n].iter().position(|b| *b == 0).unwrap_or(n);
    Ok(String::from_utf8_lossy(&buf[..end]).into_owned())
}

/// DCE's sysctl write, from a task of the node.  DCE ignores the result;
/// here it is the library's return value (bytes written or `-errno`).
pub fn set(e: &SimExported, path: &str, value: &str) -> Result<i32, SysctlError> {
    let (Some(file), _) = walk(e, path) else {
        return Err(SysctlError::NotFound(path.into()));
    };
    let Some(write) = e.sys_file_write else {
        return Err(SysctlError::Errno(libc::ENOSYS));
    };
    // SAFETY: a handle the walk reported and the value's bytes, as DCE
    // passes them (no NUL counted).
    let r = unsafe { write(file, value.as_ptr().cast(), value.len() as c_int, 0) };
    if r < 0 {
        Err(SysctlError::Errno(-r))
    } else {
        Ok(r)
    }
}

/// The result slot of a sysctl D-task.
pub type Pending<T> = crate::abi::TaskOutput<Result<T, SysctlError>>;

impl Host {
    fn sysctl_task<T: 'static>(
        &self,
        node: NodeId,
        f: impl FnOnce(&SimExported) -> Result<T, SysctlError> + 'static,
    ) -> Result<Pending<T>, SimError> {
        let out: Pending<T> = std::rc::Rc::new(std::cell::RefCell::new(None));
        let slot = out.clone();
        let Some(e) = self.exported(node) else {
            return Ok(out);
        };
        self.dtask(node, move |_| {
            *slot.borrow_mut() = Some(f(&e));
        })?;
        Ok(out)
    }

    /// Writes `value` to sysctl `path` (DCE's dotted form) in a new D-task
    /// of `node`, as DCE's `LinuxSocketFdFactory::Set` does; the result is
    /// there once the task has run.
    pub fn sysctl_set(
        &self,
        node: NodeId,
        path: &str,
        value: &str,
    ) -> Result<Pending<i32>, SimError> {
        let (path, value) = (path.to_owned(), value.to_owned());
        self.sysctl_task(node, move |e| set(e, &path, &value))
    }

    /// Reads sysctl `path` in a new D-task of `node`, as DCE's `SysctlGet`.
    pub fn sysctl_get(&self, node: NodeId, path: &str) -> Result<Pending<String>, SimError> {
        let path = path.to_owned();
        self.sysctl_task(node, move |e| get(e, &path))
    }

    /// DCE's writes right after `sim_init`: [`DCE_DEFAULTS`], each in its
    /// own D-task.
    pub(crate) fn apply_dce_defaults(&self, node: NodeId) {
        for (path, value) in DCE_DEFAULTS {
            if let Err(e) = self.sysctl_set(node, path, value) {
                self.hard(e);
            }
        }
    }
}
