//! Loading the kernel library the way ns-3-dce 1.12 does
//! (Documentation/dce/abi.rst, "One copy, one segment per node").
//!
//! [`LoaderMode::Cooja`], the default, is DCE's CoojaLoader:
//!
//! * the library is copied into an ELF cache and the copy is patched as
//!   DCE's `ElfCache` does: `DT_FINI` becomes `DT_INIT` (of the library's
//!   own `DT_INIT`, 0 if none), `DT_FINI_ARRAYSZ` becomes 0 (destructors
//!   never run), and the first four characters of `DT_SONAME` become a
//!   base-60 id.  A library with `DT_NEEDED` entries is refused: DCE would
//!   load and swap each dependency too, which dce-sim does not model;
//! * it is `dlopen`ed **once** (`RTLD_LAZY | RTLD_DEEPBIND | RTLD_LOCAL`)
//!   for all nodes, and right away a *template* of its writable segment is
//!   taken: the last writable `PT_LOAD`, minus a `PT_GNU_RELRO` at its
//!   start (one elsewhere is refused, as DCE's debug build asserts);
//! * each node has a buffer of that size; when a node's loader is created
//!   (in the D-task that calls `sim_init`), the live bytes are saved into
//!   their owner's buffer and the template is copied in;
//! * [`Loader::notify_start_execute`] (DCE's `NotifyStartExecute`), which
//!   the host calls at every `SimExported` entry, every event trampoline
//!   and every switch into a kernel or DCE-internal task, saves the live
//!   bytes into their owner's buffer and copies the node's own in, unless
//!   they are already in place: two copies of the segment per node switch.
//!   Nothing swaps when an application task resumes after `task_wait`.
//!
//! [`LoaderMode::Copies`] gives each node its own copy of the file, loaded
//! with `RTLD_NOW | RTLD_LOCAL`, so nothing is ever swapped: kinder than
//! DCE, kept for comparison.

use crate::NodeId;
use core::ffi::{c_int, c_void, CStr};
use dce_abi::{SimInit, SIM_INIT_SYMBOL};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// glibc's `RTLD_DEEPBIND`.
const RTLD_DEEPBIND: c_int = 0x8;

/// How libraries are loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoaderMode {
    /// One copy for all nodes, its writable segment swapped per node, as
    /// ns-3-dce 1.12's default loader does.
    #[default]
    Cooja,
    /// One copy per node: nothing is swapped (not what DCE does).
    Copies,
}

/// An error while loading a library.
#[derive(Debug)]
pub enum LoadError {
    /// File system error.
    Io {
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        err: std::io::Error,
    },
    /// Not an ELF file DCE could load, or one it would handle wrongly.
    Elf {
        /// The library.
        path: PathBuf,
        /// What is wrong.
        msg: String,
    },
    /// `dlopen` failed.
    Dlopen {
        /// The copy that was opened.
        path: PathBuf,
        /// `dlerror()`.
        msg: String,
    },
    /// No `sim_init` symbol.
    NoSimInit {
        /// The library.
        path: PathBuf,
    },
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io { path, err } => write!(f, "{}: {err}", path.display()),
            LoadError::Elf { path, msg } => write!(f, "{}: {msg}", path.display()),
            LoadError::Dlopen { path, msg } => {
                write!(f, "cannot dlopen {}: {msg}", path.display())
            }
            LoadError::NoSimInit { path } => write!(
                f,
                "{} has no `sim_init` symbol (DCE raises NS_FATAL_ERROR: not a kernel library)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for LoadError {}

/// What the loader did for one node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SwapStats {
    /// Times the node's bytes were copied into the live segment.
    pub swaps_in: u64,
    /// Bytes copied for it: the node's own in, and the previous owner's
    /// out.
    pub bytes_copied: u64,
}

/// The writable segment DCE swaps, as found in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RwRange {
    /// Virtual address (relative to the load base).
    pub vaddr: u64,
    /// Size in bytes.
    pub memsz: u64,
}

/// One library loaded once and shared by nodes (Cooja).
struct Shared {
    handle: *mut c_void,
    sim_init: SimInit,
    /// The live segment in memory.
    live: *mut u8,
    size: usize,
    template: Vec<u8>,
    /// The node whose bytes are in the live segment.
    owner: Cell<Option<NodeId>>,
}

/// A node's library.
struct Image {
    /// Index in `Loader::shared` (Cooja) or own handle (Copies).
    shared: Option<usize>,
    handle: *mut c_void,
    sim_init: SimInit,
    /// The node's saved segment (Cooja).
    buffer: RefCell<Vec<u8>>,
    /// Set by `init_node`: before, the node's loader has no module yet
    /// and swaps nothing.
    loaded: Cell<bool>,
    stats: Cell<SwapStats>,
}

/// The loader of a host: see the [module docs](self).
pub struct Loader {
    mode: LoaderMode,
    dir: PathBuf,
    shared: Vec<Shared>,
    by_path: HashMap<PathBuf, usize>,
    images: Vec<Image>,
    next_id: u32,
}

fn dlerror_string() -> String {
    // SAFETY: dlerror returns NULL or a C string valid until the next call.
    let e = unsafe { libc::dlerror() };
    if e.is_null() {
        "unknown error".into()
    } else {
        // SAFETY: non-null C string from dlerror.
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
    }
}

/// Opens `path` with exactly DCE's `flags` and finds `sim_init`.
///
/// Raw `dlopen`/`dlsym`/`dlinfo` rather than the `libloading` crate: the
/// loader needs the raw handle for `dlinfo(RTLD_DI_LINKMAP)` (the load
/// base, to find the writable segment it swaps) and closes it itself at
/// teardown, in DCE's order; with `libloading` that means `into_raw()`
/// right after opening and the same `unsafe` calls afterwards, so the
/// crate would add a layer without removing any.
fn dlopen(path: &Path, flags: c_int) -> Result<(*mut c_void, SimInit), LoadError> {
    let cpath = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| {
        LoadError::Dlopen {
            path: path.to_owned(),
            msg: "path contains NUL".into(),
        }
    })?;
    // SAFETY: dlopen of a file we wrote; its constructors run now.
    let handle = unsafe { libc::dlopen(cpath.as_ptr(), flags) };
    if handle.is_null() {
        return Err(LoadError::Dlopen {
            path: path.to_owned(),
            msg: dlerror_string(),
        });
    }
    // SAFETY: `handle` is a live dlopen handle.
    let sym = unsafe { libc::dlsym(handle, SIM_INIT_SYMBOL.as_ptr()) };
    if sym.is_null() {
        // SAFETY: `handle` is live and not used afterwards.
        unsafe { libc::dlclose(handle) };
        return Err(LoadError::NoSimInit {
            path: path.to_owned(),
        });
    }
    // SAFETY: `sim_init` has the `SimInit` type by the ABI (abi.rst "The
    // entry point: sim_init"); data and function pointers have the same
    // size here, and `SimInit` is a nullable function pointer (`sym` is
    // not null).
    let sim_init = unsafe { core::mem::transmute::<*mut c_void, SimInit>(sym) };
    Ok((handle, sim_init))
}

/// The load base of a dlopen handle (`link_map.l_addr`).
fn load_base(handle: *mut c_void) -> Option<usize> {
    let mut map: *mut libc::c_void = core::ptr::null_mut();
    // SAFETY: RTLD_DI_LINKMAP stores a `struct link_map *` into `map`.
    let r = unsafe {
        libc::dlinfo(
            handle,
            libc::RTLD_DI_LINKMAP,
            (&mut map as *mut *mut c_void).cast(),
        )
    };
    if r != 0 || map.is_null() {
        return None;
    }
    // SAFETY: glibc's link_map starts with `ElfW(Addr) l_addr`.
    Some(unsafe { *(map as *const usize) })
}

impl Loader {
    /// A loader that copies libraries into `dir`.
    pub fn new(mode: LoaderMode, dir: PathBuf) -> Self {
        Loader {
            mode,
            dir,
            shared: Vec::new(),
            by_path: HashMap::new(),
            images: Vec::new(),
            next_id: 0,
        }
    }

    /// The mode.
    pub fn mode(&self) -> LoaderMode {
        self.mode
    }

    /// Loads `path` for the next node (ids in order).  Under Cooja the
    /// first node that uses a file opens it; the node's own segment starts
    /// from the template when [`init_node`](Self::init_node) runs.
    pub fn add_node(&mut self, path: &Path) -> Result<(), LoadError> {
        let image = match self.mode {
            LoaderMode::Copies => {
                let copy = self.copy_file(path, &format!("node-{}", self.images.len()))?;
                let (handle, sim_init) = dlopen(&copy, libc::RTLD_NOW | libc::RTLD_LOCAL)?;
                Image {
                    shared: None,
                    handle,
                    sim_init,
                    buffer: RefCell::new(Vec::new()),
                    loaded: Cell::new(true),
                    stats: Cell::new(SwapStats::default()),
                }
            }
            LoaderMode::Cooja => {
                let key = path.canonicalize().map_err(|err| LoadError::Io {
                    path: path.to_owned(),
                    err,
                })?;
                let index = match self.by_path.get(&key) {
                    Some(i) => *i,
                    None => {
                        let s = self.open_shared(path)?;
                        self.shared.push(s);
                        self.by_path.insert(key, self.shared.len() - 1);
                        self.shared.len() - 1
                    }
                };
                let s = &self.shared[index];
                Image {
                    shared: Some(index),
                    handle: s.handle,
                    sim_init: s.sim_init,
                    buffer: RefCell::new(vec![0; s.size]),
                    loaded: Cell::new(false),
                    stats: Cell::new(SwapStats::default()),
                }
            }
        };
        self.images.push(image);
        Ok(())
    }

    /// Where a file named as `path` goes in the subdirectory `sub` of the
    /// loader's directory (created).
    fn place_in(&self, sub: &str, path: &Path) -> Result<PathBuf, LoadError> {
        let dir = self.dir.join(sub);
        std::fs::create_dir_all(&dir).map_err(|err| LoadError::Io {
            path: dir.clone(),
            err,
        })?;
        Ok(dir.join(path.file_name().unwrap_or("lib.so".as_ref())))
    }

    fn copy_file(&mut self, path: &Path, sub: &str) -> Result<PathBuf, LoadError> {
        let copy = self.place_in(sub, path)?;
        std::fs::copy(path, &copy).map_err(|err| LoadError::Io {
            path: path.to_owned(),
            err,
        })?;
        Ok(copy)
    }

    fn open_shared(&mut self, path: &Path) -> Result<Shared, LoadError> {
        let mut bytes = std::fs::read(path).map_err(|err| LoadError::Io {
            path: path.to_owned(),
            err,
        })?;
        self.next_id += 1;
        let range = patch_elf(&mut bytes, self.next_id).map_err(|msg| LoadError::Elf {
            path: path.to_owned(),
            msg,
        })?;
        let copy = self.place_in("elf-cache", path)?;
        std::fs::write(&copy, &bytes).map_err(|err| LoadError::Io {
            path: copy.clone(),
            err,
        })?;
        let (handle, sim_init) = dlopen(&copy, libc::RTLD_LAZY | RTLD_DEEPBIND | libc::RTLD_LOCAL)?;
        let Some(base) = load_base(handle) else {
            // SAFETY: a live handle, not used afterwards.
            unsafe { libc::dlclose(handle) };
            return Err(LoadError::Dlopen {
                path: copy,
                msg: "dlinfo(RTLD_DI_LINKMAP) failed".into(),
            });
        };
        let live = (base + range.vaddr as usize) as *mut u8;
        let size = range.memsz as usize;
        // SAFETY: the writable segment of the object just loaded: `size`
        // bytes at `live`, mapped and initialized (constructors ran).
        let template = unsafe { std::slice::from_raw_parts(live, size) }.to_vec();
        Ok(Shared {
            handle,
            sim_init,
            live,
            size,
            template,
            owner: Cell::new(None),
        })
    }

    /// The node's `sim_init`.
    pub fn sim_init(&self, node: NodeId) -> SimInit {
        self.images.get(node.0 as usize).and_then(|i| i.sim_init)
    }

    /// DCE's per-node `Load` of the library, in the D-task that calls
    /// `sim_init`: the live bytes go to their owner, the template comes in,
    /// and the live segment now belongs to `node`.
    pub fn init_node(&self, node: NodeId) {
        let Some(img) = self.images.get(node.0 as usize) else {
            return;
        };
        let Some(s) = img.shared.map(|i| &self.shared[i]) else {
            return;
        };
        if img.loaded.replace(true) {
            return;
        }
        self.save_live(s);
        // SAFETY: the live segment is `size` writable bytes; the template
        // has exactly that size.
        unsafe { std::ptr::copy_nonoverlapping(s.template.as_ptr(), s.live, s.size) };
        s.owner.set(Some(node));
        let mut st = img.stats.get();
        st.bytes_copied += s.size as u64;
        img.stats.set(st);
    }

    fn save_live(&self, s: &Shared) {
        if let Some(owner) = s.owner.get() {
            let o = &self.images[owner.0 as usize];
            let mut buf = o.buffer.borrow_mut();
            // SAFETY: the live segment is `size` readable bytes; the
            // owner's buffer has that size.
            unsafe { std::ptr::copy_nonoverlapping(s.live, buf.as_mut_ptr(), s.size) };
            let mut st = o.stats.get();
            st.bytes_copied += s.size as u64;
            o.stats.set(st);
        }
    }

    /// DCE's `NotifyStartExecute` for `node` (see the [module docs](self)).
    pub fn notify_start_execute(&self, node: NodeId) {
        let Some(img) = self.images.get(node.0 as usize) else {
            return;
        };
        let Some(s) = img.shared.map(|i| &self.shared[i]) else {
            return;
        };
        if !img.loaded.get() || s.owner.get() == Some(node) {
            return;
        }
        self.save_live(s);
        let buf = img.buffer.borrow();
        // SAFETY: as in `init_node`.
        unsafe { std::ptr::copy_nonoverlapping(buf.as_ptr(), s.live, s.size) };
        s.owner.set(Some(node));
        let mut st = img.stats.get();
        st.swaps_in += 1;
        st.bytes_copied += s.size as u64;
        img.stats.set(st);
    }

    /// What the loader did for `node`.
    pub fn stats(&self, node: NodeId) -> SwapStats {
        self.images
            .get(node.0 as usize)
            .map(|i| i.stats.get())
            .unwrap_or_default()
    }

    /// Size of the segment swapped for `node` (0 under [`LoaderMode::Copies`]).
    pub fn swapped_bytes(&self, node: NodeId) -> usize {
        self.images
            .get(node.0 as usize)
            .and_then(|i| i.shared)
            .map_or(0, |i| self.shared[i].size)
    }

    /// The node that owns the live segment of `node`'s library (always
    /// `node` under [`LoaderMode::Copies`]).
    pub fn live_owner(&self, node: NodeId) -> Option<NodeId> {
        let img = self.images.get(node.0 as usize)?;
        match img.shared {
            Some(i) => self.shared[i].owner.get(),
            None => Some(node),
        }
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        for img in self.images.drain(..) {
            if img.shared.is_none() {
                // SAFETY: a handle of ours, not used afterwards.
                unsafe { libc::dlclose(img.handle) };
            }
        }
        for s in self.shared.drain(..) {
            // SAFETY: as above.
            unsafe { libc::dlclose(s.handle) };
        }
    }
}

// ---- ELF: what DCE's ElfCache reads and patches ---------------------------

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_GNU_RELRO: u32 = 0x6474_e552;
const PF_W: u32 = 2;
const DT_NULL: i64 = 0;
const DT_NEEDED: i64 = 1;
const DT_STRTAB: i64 = 5;
const DT_INIT: i64 = 12;
const DT_FINI: i64 = 13;
const DT_SONAME: i64 = 14;
const DT_FINI_ARRAYSZ: i64 = 28;

fn u16_at(b: &[u8], off: usize) -> Result<u16, String> {
    b.get(off..off + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| "truncated ELF file".to_string())
}

fn u32_at(b: &[u8], off: usize) -> Result<u32, String> {
    b.get(off..off + 4)
        .map(|s| u32::from_le_bytes(s.try_into().expect("4 bytes")))
        .ok_or_else(|| "truncated ELF file".to_string())
}

fn u64_at(b: &[u8], off: usize) -> Result<u64, String> {
    b.get(off..off + 8)
        .map(|s| u64::from_le_bytes(s.try_into().expect("8 bytes")))
        .ok_or_else(|| "truncated ELF file".to_string())
}

struct Phdr {
    ty: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
}

fn phdrs(b: &[u8]) -> Result<Vec<Phdr>, String> {
    if b.get(0..4) != Some(b"\x7fELF".as_slice()) {
        return Err("not an ELF file".into());
    }
    if b[4] != 2 || b[5] != 1 {
        return Err("not a 64-bit little-endian ELF file (DCE runs on x86-64)".into());
    }
    if u16_at(b, 16)? != 3 {
        return Err("not a shared object (ET_DYN): DCE asks to build it with -fPIC -shared".into());
    }
    let phoff = u64_at(b, 32)? as usize;
    let phentsize = usize::from(u16_at(b, 54)?);
    let phnum = usize::from(u16_at(b, 56)?);
    (0..phnum)
        .map(|i| {
            let o = phoff + i * phentsize;
            Ok(Phdr {
                ty: u32_at(b, o)?,
                flags: u32_at(b, o + 4)?,
                offset: u64_at(b, o + 8)?,
                vaddr: u64_at(b, o + 16)?,
                filesz: u64_at(b, o + 32)?,
                memsz: u64_at(b, o + 40)?,
            })
        })
        .collect()
}

/// The range DCE swaps in an ELF image: the last writable `PT_LOAD`, minus
/// a `PT_GNU_RELRO` that starts it.
pub fn rw_range(b: &[u8]) -> Result<RwRange, String> {
    let ph = phdrs(b)?;
    let rw = ph
        .iter()
        .rev()
        .find(|p| p.ty == PT_LOAD && p.flags & PF_W != 0)
        .ok_or("no writable PT_LOAD (DCE asserts: nothing to swap)")?;
    let mut range = RwRange {
        vaddr: rw.vaddr,
        memsz: rw.memsz,
    };
    if let Some(relro) = ph.iter().find(|p| p.ty == PT_GNU_RELRO) {
        if relro.vaddr != rw.vaddr || relro.memsz > rw.memsz {
            return Err(format!(
                "PT_GNU_RELRO at {:#x} does not start the writable PT_LOAD at {:#x} (DCE \
                 asserts, or swaps the wrong range in an optimized build)",
                relro.vaddr, rw.vaddr
            ));
        }
        range.vaddr += relro.memsz;
        range.memsz -= relro.memsz;
    }
    Ok(range)
}

/// File offset of virtual address `vaddr`.
fn file_offset(ph: &[Phdr], vaddr: u64) -> Option<usize> {
    ph.iter()
        .find(|p| p.ty == PT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz)
        .map(|p| (p.offset + vaddr - p.vaddr) as usize)
}

fn base60(c: u32) -> u8 {
    match c {
        0..=9 => b'0' + c as u8,
        10..=34 => b'A' + (c - 10) as u8,
        _ => b'a' + (c - 35) as u8,
    }
}

/// Patches an ELF image as DCE's `ElfCache` does (see the [module
/// docs](self)) and returns the range to swap.
pub fn patch_elf(b: &mut [u8], id: u32) -> Result<RwRange, String> {
    let range = rw_range(b)?;
    let ph = phdrs(b)?;
    let dynamic = ph
        .iter()
        .find(|p| p.ty == PT_DYNAMIC)
        .ok_or("no PT_DYNAMIC")?;
    let entries: Vec<(usize, i64, u64)> = (0..dynamic.filesz as usize / 16)
        .map(|i| {
            let o = dynamic.offset as usize + i * 16;
            Ok((o, u64_at(b, o)? as i64, u64_at(b, o + 8)?))
        })
        .collect::<Result<_, String>>()?;
    let end = entries
        .iter()
        .position(|e| e.1 == DT_NULL)
        .unwrap_or(entries.len());
    let entries = &entries[..end];
    if entries.iter().any(|e| e.1 == DT_NEEDED) {
        return Err(
            "the library has DT_NEEDED entries: DCE would load and swap each dependency \
             (remapping libc to its own), which dce-sim does not model; link it with \
             -nodefaultlibs"
                .into(),
        );
    }
    let init = entries.iter().find(|e| e.1 == DT_INIT).map_or(0, |e| e.2);
    for &(o, tag, _) in entries {
        match tag {
            DT_FINI => {
                if init == 0 {
                    return Err("DT_FINI without DT_INIT: DCE turns it into DT_INIT 0, and \
                                the dynamic loader would call address 0 at load"
                        .into());
                }
                b[o..o + 8].copy_from_slice(&(DT_INIT as u64).to_le_bytes());
                b[o + 8..o + 16].copy_from_slice(&init.to_le_bytes());
            }
            DT_FINI_ARRAYSZ => b[o + 8..o + 16].copy_from_slice(&0u64.to_le_bytes()),
            _ => {}
        }
    }
    if let Some(soname) = entries.iter().find(|e| e.1 == DT_SONAME) {
        let strtab = entries
            .iter()
            .find(|e| e.1 == DT_STRTAB)
            .ok_or("DT_SONAME without DT_STRTAB")?;
        let at = file_offset(&ph, strtab.2 + soname.2).ok_or("DT_SONAME outside the file")?;
        let name = b.get(at..).ok_or("DT_SONAME outside the file")?;
        if name.iter().take(4).any(|&c| c == 0) {
            return Err("DT_SONAME is shorter than 4 characters, which DCE overwrites".into());
        }
        let digits = [id / 216_000, id / 3600, id / 60, id];
        for (i, d) in digits.iter().enumerate() {
            b[at + i] = base60(d % 60);
        }
    }
    Ok(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ELF64 image: header, program headers, a dynamic section
    /// and a string table.
    fn image(relro: Option<(u64, u64)>, dynamic: &[(i64, u64)], strtab: &[u8]) -> Vec<u8> {
        let mut ph: Vec<(u32, u32, u64, u64, u64, u64)> = vec![
            // ty, flags, offset, vaddr, filesz, memsz
            (PT_LOAD, 4, 0, 0, 0x1000, 0x1000),
            (PT_LOAD, 6, 0x1000, 0x2000, 0x100, 0x300),
            (PT_DYNAMIC, 6, 0x1000, 0x2000, 0x100, 0x100),
        ];
        if let Some((v, s)) = relro {
            ph.push((PT_GNU_RELRO, 4, 0x1000, v, s, s));
        }
        let mut b = vec![0u8; 0x1100];
        b[0..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[16..18].copy_from_slice(&3u16.to_le_bytes());
        b[32..40].copy_from_slice(&64u64.to_le_bytes());
        b[54..56].copy_from_slice(&56u16.to_le_bytes());
        b[56..58].copy_from_slice(&(ph.len() as u16).to_le_bytes());
        for (i, p) in ph.iter().enumerate() {
            let o = 64 + i * 56;
            b[o..o + 4].copy_from_slice(&p.0.to_le_bytes());
            b[o + 4..o + 8].copy_from_slice(&p.1.to_le_bytes());
            b[o + 8..o + 16].copy_from_slice(&p.2.to_le_bytes());
            b[o + 16..o + 24].copy_from_slice(&p.3.to_le_bytes());
            b[o + 32..o + 40].copy_from_slice(&p.4.to_le_bytes());
            b[o + 40..o + 48].copy_from_slice(&p.5.to_le_bytes());
        }
        for (i, (t, v)) in dynamic.iter().enumerate() {
            let o = 0x1000 + i * 16;
            b[o..o + 8].copy_from_slice(&t.to_le_bytes());
            b[o + 8..o + 16].copy_from_slice(&v.to_le_bytes());
        }
        b[0x800..0x800 + strtab.len()].copy_from_slice(strtab);
        b
    }

    #[test]
    fn the_last_writable_load_is_swapped() {
        let b = image(None, &[], b"");
        assert_eq!(
            rw_range(&b).unwrap(),
            RwRange {
                vaddr: 0x2000,
                memsz: 0x300
            }
        );
    }

    #[test]
    fn a_leading_relro_is_skipped_and_a_misplaced_one_refused() {
        let b = image(Some((0x2000, 0x40)), &[], b"");
        assert_eq!(
            rw_range(&b).unwrap(),
            RwRange {
                vaddr: 0x2040,
                memsz: 0x2c0
            }
        );
        let b = image(Some((0x1800, 0x40)), &[], b"");
        assert!(rw_range(&b).unwrap_err().contains("does not start"));
    }

    #[test]
    fn fini_becomes_init_and_soname_gets_an_id() {
        let mut b = image(
            None,
            &[
                (DT_STRTAB, 0x800),
                (DT_SONAME, 1),
                (DT_INIT, 0x123),
                (DT_FINI, 0x456),
                (DT_FINI_ARRAYSZ, 16),
            ],
            b"\0liblkl.so\0",
        );
        patch_elf(&mut b, 61).unwrap();
        let tag = |i: usize| u64_at(&b, 0x1000 + i * 16).unwrap() as i64;
        let val = |i: usize| u64_at(&b, 0x1000 + i * 16 + 8).unwrap();
        assert_eq!((tag(3), val(3)), (DT_INIT, 0x123));
        assert_eq!(val(4), 0);
        // 61 = "0011" in DCE's base 60, over the first 4 characters.
        assert_eq!(&b[0x801..0x80b], b"0011kl.so\0");
    }

    #[test]
    fn dependencies_and_short_sonames_are_refused() {
        let mut b = image(None, &[(DT_NEEDED, 1)], b"\0libc.so.6\0");
        assert!(patch_elf(&mut b, 1).unwrap_err().contains("DT_NEEDED"));
        let mut b = image(None, &[(DT_STRTAB, 0x800), (DT_SONAME, 1)], b"\0ab\0");
        assert!(patch_elf(&mut b, 1).unwrap_err().contains("4 characters"));
        let mut b = image(None, &[(DT_FINI, 0x456)], b"");
        assert!(patch_elf(&mut b, 1).unwrap_err().contains("DT_INIT 0"));
    }
}
