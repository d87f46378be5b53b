//! Per-node heaps with DCE's malloc rules (Documentation/dce/abi.rst,
//! "Memory, logging and files"; "Hazards", H3).
//!
//! DCE's `Malloc` (KingsleyAlloc) stores the request size in an 8-byte
//! header in front of the block, so blocks are **only 8-byte aligned**, and
//! its `Free` reads that header, so `free(NULL)` crashes and a pointer from
//! another node's heap corrupts both heaps.  This allocator:
//!
//! * returns blocks that are aligned to exactly 8 bytes and never to 16
//!   (every block address is `8 mod 16`), so the library is tested against
//!   DCE's weaker guarantee;
//! * puts a [`HEADER_SIZE`]-byte header in front of each block: a magic, the
//!   owning node and the size;
//! * fills new blocks with [`POISON_NEW`] (DCE's malloc does not zero) and
//!   freed blocks with [`POISON_FREED`], except blocks of [`LARGE_BLOCK`]
//!   bytes or more: DCE maps those with their own `mmap` and does not touch
//!   them, and neither do we, so that resident memory stays what the
//!   library really uses (a kernel's 32 MiB of RAM is one such block);
//! * turns `free(NULL)`, a double free, a free of another node's block, of
//!   a pointer no `malloc` returned, or of a block whose header was
//!   overwritten into hard errors;
//! * counts live bytes and blocks per node (for RSS-per-node reports).
//!
//! Blocks come from the host allocator; ownership and accounting are per
//! node.  Whether a pointer is live is looked up in a table before its
//! header is read, so detecting a bad free never touches freed memory.

use crate::{NodeId, Sim, SimError};
use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::collections::HashMap;

/// Bytes in front of every block: magic, owner node, size (3 × u64).
/// `16 * k + 24` is `8 mod 16`, which makes every block exactly 8-aligned.
pub const HEADER_SIZE: usize = 24;
/// Magic of a live block's header ("DCEHEAP!" little-endian).
pub const MAGIC_LIVE: u64 = u64::from_le_bytes(*b"DCEHEAP!");
/// Byte pattern of a new block.
pub const POISON_NEW: u8 = 0xA5;
/// Byte pattern written over a block (and its header) when it is freed.
pub const POISON_FREED: u8 = 0xDD;
/// Requests of this size and above get their own mapping in DCE and are
/// neither poisoned nor touched here.
pub const LARGE_BLOCK: u64 = 32 * 1024;
/// Largest request: DCE keeps the size in 32 bits.
pub const MAX_ALLOC: u64 = u32::MAX as u64;
// Alignment of the underlying host block.
const BASE_ALIGN: usize = 16;

#[repr(C)]
struct Header {
    magic: u64,
    node: u64,
    size: u64,
}

const _: () = assert!(core::mem::size_of::<Header>() == HEADER_SIZE);
const _: () = assert!(HEADER_SIZE % BASE_ALIGN == 8);

/// Allocation counters of one node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeapStats {
    /// Bytes requested by the live blocks (headers not included).
    pub live_bytes: u64,
    /// Number of live blocks.
    pub live_blocks: u64,
    /// Highest `live_bytes` so far.
    pub peak_bytes: u64,
    /// `malloc` calls that succeeded.
    pub allocs: u64,
    /// `free` calls that succeeded.
    pub frees: u64,
}

/// The heaps of all nodes.
#[derive(Debug, Default)]
pub struct Heaps {
    stats: Vec<HeapStats>,
    // Live block address -> the block.
    live: HashMap<usize, Block>,
    // Freed block address -> node that freed it, until the address is
    // handed out again.
    freed: HashMap<usize, NodeId>,
}

/// A live block, with the pointer `alloc` returned (so frees and `Drop` use
/// our own pointer, never the caller's).
#[derive(Debug, Clone, Copy)]
struct Block {
    owner: NodeId,
    size: u64,
    base: *mut u8,
}

fn layout(size: u64) -> Layout {
    // `size <= MAX_ALLOC`, so this cannot overflow on 64-bit.
    Layout::from_size_align(size as usize + HEADER_SIZE, BASE_ALIGN).expect("valid layout")
}

impl Heaps {
    /// Adds a heap for the next node id (0, 1, ...).
    pub fn add_node(&mut self) -> NodeId {
        self.stats.push(HeapStats::default());
        NodeId((self.stats.len() - 1) as u32)
    }

    fn check_node(&self, node: NodeId) -> Result<(), SimError> {
        if (node.0 as usize) < self.stats.len() {
            Ok(())
        } else {
            Err(SimError::UnknownNode { node })
        }
    }

    /// Counters of `node`.
    pub fn stats(&self, node: NodeId) -> Option<HeapStats> {
        self.stats.get(node.0 as usize).copied()
    }

    /// Owner of a live block.
    pub fn owner(&self, ptr: *const u8) -> Option<NodeId> {
        self.live.get(&(ptr as usize)).map(|b| b.owner)
    }

    /// DCE's `malloc(k, size)` on `node`: a block of `size` bytes, aligned
    /// to exactly 8, filled with [`POISON_NEW`] if smaller than
    /// [`LARGE_BLOCK`].  Never NULL (DCE returns
    /// NULL only when fault injection is on).
    pub fn malloc(&mut self, node: NodeId, size: u64) -> Result<*mut u8, SimError> {
        self.check_node(node)?;
        if size > MAX_ALLOC {
            return Err(SimError::AllocTooLarge { node, size });
        }
        let layout = layout(size);
        // SAFETY: the layout has a non-zero size (at least HEADER_SIZE).
        let base = unsafe { alloc(layout) };
        if base.is_null() {
            handle_alloc_error(layout);
        }
        // SAFETY: `base` is a fresh, 16-aligned allocation of
        // `HEADER_SIZE + size` bytes: the header fits at its start (8-aligned
        // is enough for `Header`), and the block is the rest.
        let ptr = unsafe {
            base.cast::<Header>().write(Header {
                magic: MAGIC_LIVE,
                node: u64::from(node.0),
                size,
            });
            let ptr = base.add(HEADER_SIZE);
            if size < LARGE_BLOCK {
                ptr.write_bytes(POISON_NEW, size as usize);
            }
            ptr
        };
        debug_assert_eq!(ptr as usize % 16, 8);
        self.live.insert(
            ptr as usize,
            Block {
                owner: node,
                size,
                base,
            },
        );
        self.freed.remove(&(ptr as usize));
        let s = &mut self.stats[node.0 as usize];
        s.live_bytes += size;
        s.live_blocks += 1;
        s.peak_bytes = s.peak_bytes.max(s.live_bytes);
        s.allocs += 1;
        Ok(ptr)
    }

    /// DCE's `free(k, ptr)` on `node`.  NULL, a block of another node, a
    /// freed block, an unknown pointer and a block with a damaged header
    /// are hard errors (nothing is freed then).
    pub fn free(&mut self, node: NodeId, ptr: *mut u8) -> Result<(), SimError> {
        self.check_node(node)?;
        if ptr.is_null() {
            return Err(SimError::FreeNull { node });
        }
        let addr = ptr as usize;
        let Some(&Block { owner, size, base }) = self.live.get(&addr) else {
            return Err(match self.freed.get(&addr) {
                Some(&freed_by) => SimError::DoubleFree {
                    node,
                    freed_by,
                    ptr: addr,
                },
                None => SimError::FreeInvalid { node, ptr: addr },
            });
        };
        if owner != node {
            return Err(SimError::FreeForeign {
                node,
                owner,
                ptr: addr,
            });
        }
        // SAFETY: the block is live, so `base` is the start of its
        // allocation, not yet freed, where `malloc` wrote the header
        // (16-aligned, initialised).
        let hdr = unsafe { base.cast::<Header>().read() };
        if hdr.magic != MAGIC_LIVE || hdr.node != u64::from(owner.0) || hdr.size != size {
            return Err(SimError::HeapCorruption {
                node: owner,
                ptr: addr,
            });
        }
        self.live.remove(&addr);
        self.freed.insert(addr, node);
        let layout = layout(size);
        // SAFETY: `base` was allocated by `alloc(layout(size))` in `malloc`
        // with this same size (checked against the table and the header)
        // and has not been freed since (it was live).
        unsafe {
            if size < LARGE_BLOCK {
                base.write_bytes(POISON_FREED, layout.size());
            } else {
                // The header at least, so a stale pointer is caught.
                base.write_bytes(POISON_FREED, HEADER_SIZE);
            }
            dealloc(base, layout);
        }
        let s = &mut self.stats[node.0 as usize];
        s.live_bytes -= size;
        s.live_blocks -= 1;
        s.frees += 1;
        Ok(())
    }
}

impl Drop for Heaps {
    fn drop(&mut self) {
        for b in self.live.values() {
            // SAFETY: every live entry is a block of `malloc`, allocated
            // at `b.base` with `layout(b.size)` and not yet freed.
            unsafe { dealloc(b.base, layout(b.size)) };
        }
    }
}

impl Sim {
    /// DCE's `malloc(k, size)` on `node` (valid in every context):
    /// see [`Heaps::malloc`].
    pub fn malloc(&self, node: NodeId, size: u64) -> Result<*mut u8, SimError> {
        let r = self.st.borrow_mut().heaps.malloc(node, size);
        r.or_else(|e| self.fail(e))
    }

    /// DCE's `free(k, ptr)` on `node` (valid in every context):
    /// see [`Heaps::free`].  Errors are latched like every hard error.
    pub fn free(&self, node: NodeId, ptr: *mut u8) -> Result<(), SimError> {
        let r = self.st.borrow_mut().heaps.free(node, ptr);
        r.or_else(|e| self.fail(e))
    }

    /// Heap counters of `node`.
    pub fn heap_stats(&self, node: NodeId) -> Result<HeapStats, SimError> {
        self.check_node(node)?;
        Ok(self
            .st
            .borrow()
            .heaps
            .stats(node)
            .expect("every node has a heap"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SimConfig;

    fn two_nodes() -> (Heaps, NodeId, NodeId) {
        let mut h = Heaps::default();
        let a = h.add_node();
        let b = h.add_node();
        (h, a, b)
    }

    #[test]
    fn blocks_are_aligned_to_exactly_8() {
        let (mut h, a, _) = two_nodes();
        let sizes = [0u64, 1, 7, 8, 15, 16, 17, 24, 100, 4096, 40_000, 1 << 20];
        for &size in sizes.iter().cycle().take(200) {
            let p = h.malloc(a, size).unwrap();
            assert_eq!(p as usize % 8, 0, "not 8-aligned");
            assert_eq!(p as usize % 16, 8, "must not be 16-aligned");
        }
    }

    #[test]
    fn header_records_magic_node_and_size_and_block_is_usable() {
        let (mut h, _, b) = two_nodes();
        let p = h.malloc(b, 100).unwrap();
        // SAFETY: `p` is a live 100-byte block; its header lies in front.
        let (hdr, first, last) = unsafe {
            let hdr = p.sub(HEADER_SIZE).cast::<[u64; 3]>().read();
            let first = p.read();
            p.write_bytes(0x11, 100);
            (hdr, first, p.add(99).read())
        };
        assert_eq!(hdr, [MAGIC_LIVE, 1, 100]);
        assert_eq!(first, POISON_NEW);
        assert_eq!(last, 0x11);
        assert_eq!(h.owner(p), Some(b));
        h.free(b, p).unwrap();
        assert_eq!(h.owner(p), None);
    }

    #[test]
    fn live_bytes_are_counted_per_node() {
        let (mut h, a, b) = two_nodes();
        let p1 = h.malloc(a, 100).unwrap();
        let p2 = h.malloc(a, 28).unwrap();
        let q = h.malloc(b, 5000).unwrap();
        let sa = h.stats(a).unwrap();
        assert_eq!((sa.live_bytes, sa.live_blocks, sa.allocs), (128, 2, 2));
        assert_eq!(h.stats(b).unwrap().live_bytes, 5000);
        h.free(a, p1).unwrap();
        let sa = h.stats(a).unwrap();
        assert_eq!(
            sa,
            HeapStats {
                live_bytes: 28,
                live_blocks: 1,
                peak_bytes: 128,
                allocs: 2,
                frees: 1
            }
        );
        h.free(a, p2).unwrap();
        h.free(b, q).unwrap();
        assert_eq!(h.stats(a).unwrap().live_bytes, 0);
        assert_eq!(h.stats(b).unwrap().live_bytes, 0);
        assert_eq!(h.stats(NodeId(2)), None);
    }

    #[test]
    fn reused_addresses_are_not_mistaken_for_double_frees() {
        let (mut h, a, b) = two_nodes();
        for i in 0..200 {
            let node = if i % 2 == 0 { a } else { b };
            let p = h.malloc(node, 64).unwrap();
            h.free(node, p).unwrap();
        }
        assert_eq!(h.stats(a).unwrap().frees, 100);
    }

    #[test]
    fn free_null_is_a_hard_error() {
        let (mut h, a, _) = two_nodes();
        let e = h.free(a, core::ptr::null_mut()).unwrap_err();
        assert_eq!(e, SimError::FreeNull { node: a });
        assert_eq!(
            e.to_string(),
            "free(NULL) on node 0 (DCE's Free reads the size header in front of the pointer and \
             crashes)"
        );
    }

    #[test]
    fn free_of_another_nodes_block_is_a_hard_error() {
        let (mut h, a, b) = two_nodes();
        let p = h.malloc(a, 32).unwrap();
        let e = h.free(b, p).unwrap_err();
        assert_eq!(
            e,
            SimError::FreeForeign {
                node: b,
                owner: a,
                ptr: p as usize
            }
        );
        assert_eq!(
            e.to_string(),
            format!(
                "free({:#x}) on node 1 of a block allocated by node 0 (DCE would put it into the \
                 wrong KingsleyAlloc and corrupt both heaps)",
                p as usize
            )
        );
        // Nothing was freed: the owner still can.
        assert_eq!(h.stats(a).unwrap().live_blocks, 1);
        h.free(a, p).unwrap();
    }

    #[test]
    fn double_free_is_a_hard_error() {
        let (mut h, a, _) = two_nodes();
        let keep = h.malloc(a, 8).unwrap(); // so the address is not reused
        let p = h.malloc(a, 48).unwrap();
        h.free(a, p).unwrap();
        let e = h.free(a, p).unwrap_err();
        assert_eq!(
            e,
            SimError::DoubleFree {
                node: a,
                freed_by: a,
                ptr: p as usize
            }
        );
        assert!(e.to_string().starts_with(&format!(
            "double free of {:#x} on node 0 (already freed by node 0",
            p as usize
        )));
        h.free(a, keep).unwrap();
    }

    #[test]
    fn free_of_an_unknown_pointer_is_a_hard_error() {
        let (mut h, a, _) = two_nodes();
        let mut local = [0u64; 4];
        let ptr = local.as_mut_ptr().cast::<u8>();
        let e = h.free(a, ptr).unwrap_err();
        assert_eq!(
            e,
            SimError::FreeInvalid {
                node: a,
                ptr: ptr as usize
            }
        );
        assert!(e.to_string().contains("of a pointer no malloc returned"));
        // An interior pointer is not a block either.
        let p = h.malloc(a, 64).unwrap();
        // SAFETY: in bounds of the 64-byte block.
        let inner = unsafe { p.add(8) };
        assert!(matches!(
            h.free(a, inner),
            Err(SimError::FreeInvalid { .. })
        ));
        h.free(a, p).unwrap();
    }

    #[test]
    fn damaged_header_is_a_hard_error() {
        let (mut h, a, _) = two_nodes();
        let p = h.malloc(a, 16).unwrap();
        // An underflow by the library overwrites the magic.
        // SAFETY: the header lies in front of the live block.
        unsafe { p.sub(HEADER_SIZE).write_bytes(0, 8) };
        let e = h.free(a, p).unwrap_err();
        assert_eq!(
            e,
            SimError::HeapCorruption {
                node: a,
                ptr: p as usize
            }
        );
        assert!(e
            .to_string()
            .starts_with("heap corruption: the header in front of"));
        // Repair it so that Drop can release the block.
        // SAFETY: as above.
        unsafe { p.sub(HEADER_SIZE).cast::<u64>().write(MAGIC_LIVE) };
        h.free(a, p).unwrap();
    }

    #[test]
    fn oversized_malloc_is_a_hard_error() {
        let (mut h, a, _) = two_nodes();
        let e = h.malloc(a, MAX_ALLOC + 1).unwrap_err();
        assert_eq!(
            e,
            SimError::AllocTooLarge {
                node: a,
                size: 1 << 32
            }
        );
        assert!(e.to_string().contains("32-bit header"));
    }

    #[test]
    fn sim_heap_errors_are_latched() {
        let sim = Sim::new(SimConfig::default());
        let (a, b) = (sim.add_node(), sim.add_node());
        let p = sim.malloc(a, 10).unwrap();
        assert_eq!(sim.heap_stats(a).unwrap().live_bytes, 10);
        assert_eq!(sim.heap_stats(b).unwrap().live_bytes, 0);
        // malloc/free from inside an event, as the library's timers do.
        let pp = p as usize;
        sim.schedule(a, 1, move |sim: &Sim| {
            sim.free(a, pp as *mut u8).unwrap();
            let _ = sim.free(a, core::ptr::null_mut());
        })
        .unwrap();
        let e = sim.run().unwrap_err();
        assert_eq!(e, SimError::FreeNull { node: a });
        assert_eq!(sim.heap_stats(a).unwrap().live_bytes, 0);
    }
}
