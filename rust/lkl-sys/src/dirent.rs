//! `struct linux_dirent64` records out of a `getdents64` buffer, with the
//! layout of the installed header: used by the tests (through `abi`) and
//! by `lkl-dce`'s sysctl walk, so `no_std`.

use crate::uapi;
use core::mem::offset_of;

/// One `struct linux_dirent64` record parsed out of a `getdents64` buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dirent<'a> {
    /// Inode number.
    pub ino: u64,
    /// `DT_*` type.
    pub d_type: u8,
    /// Name bytes (without the NUL).
    pub name: &'a [u8],
}

/// Iterator over the records in a `getdents64` result buffer.
pub struct Dirents<'a> {
    buf: &'a [u8],
}

/// Parses the first `len` bytes that `getdents64` filled into `buf`.
pub fn dirents(buf: &[u8]) -> Dirents<'_> {
    Dirents { buf }
}

impl<'a> Iterator for Dirents<'a> {
    type Item = Dirent<'a>;

    fn next(&mut self) -> Option<Dirent<'a>> {
        type D = uapi::lkl_linux_dirent64;
        const INO: usize = offset_of!(D, d_ino);
        const RECLEN: usize = offset_of!(D, d_reclen);
        const TYPE: usize = offset_of!(D, d_type);
        const HDR: usize = offset_of!(D, d_name);
        if self.buf.len() < HDR {
            return None;
        }
        let ino = u64::from_ne_bytes(self.buf[INO..INO + 8].try_into().ok()?);
        let reclen = usize::from(u16::from_ne_bytes([self.buf[RECLEN], self.buf[RECLEN + 1]]));
        if reclen < HDR || reclen > self.buf.len() {
            return None;
        }
        let d_type = self.buf[TYPE];
        let name_area = &self.buf[HDR..reclen];
        let nul = name_area
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(name_area.len());
        let ent = Dirent {
            ino,
            d_type,
            name: &name_area[..nul],
        };
        self.buf = &self.buf[reclen..];
        Some(ent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    #[test]
    fn dirent_parsing() {
        let mut buf = Vec::new();
        for (ino, name) in [(7u64, "a"), (9u64, "self")] {
            let reclen = (19 + name.len() + 1).next_multiple_of(8);
            let start = buf.len();
            buf.extend_from_slice(&ino.to_ne_bytes());
            buf.extend_from_slice(&0i64.to_ne_bytes());
            buf.extend_from_slice(&(reclen as u16).to_ne_bytes());
            buf.push(4);
            buf.extend_from_slice(name.as_bytes());
            buf.resize(start + reclen, 0);
        }
        let v: Vec<_> = dirents(&buf).collect();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].name, b"a");
        assert_eq!(v[1].name, b"self");
        assert_eq!(v[1].ino, 9);
        assert_eq!(v[1].d_type, 4);
    }
}
