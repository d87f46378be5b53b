//! DCE's `random()`: one deterministic stream per node
//! (Documentation/dce/abi.rst, "Time, events and randomness").
//!
//! DCE returns `sizeof(unsigned long)` bytes, each drawn from an ns-3
//! `UniformRandomVariable(0, 255)`, deterministic under the ns-3 seed and
//! run.  dce-sim does not reproduce ns-3's exact streams; it only keeps the
//! property that matters: the same (seed, node) always gives the same
//! sequence, and different nodes get independent streams.
//!
//! Generator: PCG32 (XSH-RR, 64-bit state; O'Neill 2014), seeded with
//! `pcg32_srandom(seed, node)`: the node selects the stream (the odd
//! increment), so nodes never share a sequence.  Each `random()` is two
//! 32-bit outputs, high word first.

use crate::NodeId;

const MULT: u64 = 6_364_136_223_846_793_005;

/// The random stream of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRng {
    state: u64,
    inc: u64,
}

impl NodeRng {
    /// The stream of `node` under `seed`.
    pub fn new(seed: u64, node: NodeId) -> Self {
        Self::pcg32_srandom(seed, u64::from(node.0))
    }

    /// Reference PCG32 seeding (`pcg32_srandom_r(initstate, initseq)`).
    fn pcg32_srandom(initstate: u64, initseq: u64) -> Self {
        let mut r = NodeRng {
            state: 0,
            inc: (initseq << 1) | 1,
        };
        r.next_u32();
        r.state = r.state.wrapping_add(initstate);
        r.next_u32();
        r
    }

    /// Next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(MULT).wrapping_add(self.inc);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        let rot = (old >> 59) as u32;
        xorshifted.rotate_right(rot)
    }

    /// DCE's `random()`: `sizeof(unsigned long)` (8) random bytes.
    pub fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        let lo = u64::from(self.next_u32());
        (hi << 32) | lo
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Sim, SimConfig};

    #[test]
    fn matches_the_pcg32_reference_vector() {
        // pcg32-demo from the PCG reference implementation:
        // pcg32_srandom_r(&rng, 42u, 54u), first six outputs.
        let mut r = NodeRng::pcg32_srandom(42, 54);
        let out: Vec<u32> = (0..6).map(|_| r.next_u32()).collect();
        assert_eq!(
            out,
            [0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e]
        );
    }

    #[test]
    fn same_seed_and_node_give_the_same_stream() {
        let mut a = NodeRng::new(7, NodeId(3));
        let mut b = NodeRng::new(7, NodeId(3));
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn nodes_and_seeds_get_different_streams() {
        let take = |seed, node| {
            let mut r = NodeRng::new(seed, NodeId(node));
            (0..16).map(|_| r.next_u64()).collect::<Vec<_>>()
        };
        assert_ne!(take(1, 0), take(1, 1));
        assert_ne!(take(1, 0), take(2, 0));
        // A stream is not a shifted copy of another node's.
        let s0 = take(1, 0);
        let s1 = take(1, 1);
        assert!(s0.iter().all(|x| !s1.contains(x)));
    }

    #[test]
    fn all_64_bits_vary() {
        let mut r = NodeRng::new(1, NodeId(0));
        let (mut or, mut and) = (0u64, u64::MAX);
        for _ in 0..256 {
            let x = r.next_u64();
            or |= x;
            and &= x;
        }
        assert_eq!((or, and), (u64::MAX, 0));
    }

    #[test]
    fn sim_random_is_per_node_and_reproducible() {
        let draw = || {
            let sim = Sim::new(SimConfig {
                seed: 99,
                ..SimConfig::default()
            });
            let (a, b) = (sim.add_node(), sim.add_node());
            // Interleaving draws on b must not change a's stream.
            let mut v = Vec::new();
            for i in 0..10 {
                v.push(sim.random(a).unwrap());
                if i % 3 == 0 {
                    sim.random(b).unwrap();
                }
            }
            v
        };
        let first = draw();
        assert_eq!(first, draw());
        let mut alone = NodeRng::new(99, NodeId(0));
        let expect: Vec<u64> = (0..10).map(|_| alone.next_u64()).collect();
        assert_eq!(first, expect);
    }
}
