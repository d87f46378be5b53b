//! XFRM netlink (`NETLINK_XFRM`) requests as `ip xfrm state add` and `ip
//! xfrm policy add` send them, and the SA query of `ip xfrm state get`.
//! Send them over [`Rtnl::open_protocol`](super::rtnl::Rtnl::open_protocol)
//! with `libc::NETLINK_XFRM`.
//!
//! The fixed headers are `#[repr(C)]` mirrors of `linux/xfrm.h`, checked
//! at compile time against the sizes and offsets a C program prints for
//! the header (`offsetof`/`sizeof`, x86_64, identical for the kernel
//! tree's `include/uapi/linux/xfrm.h`, the installed LKL headers and the
//! host's): `xfrm_selector` 56, `xfrm_id` 24, `xfrm_lifetime_cfg` 64,
//! `xfrm_lifetime_cur` 32, `xfrm_stats` 12, `xfrm_usersa_info` 224,
//! `xfrm_usersa_id` 24, `xfrm_userpolicy_info` 168, `xfrm_user_tmpl` 64,
//! `xfrm_algo` 68, `xfrm_algo_auth` 72 bytes.  They are encoded field by
//! field at those offsets, in safe code, padding zeroed; multi-byte fields
//! are native order except where the header says `__be` (stored here
//! already in network order).

use super::rtnl::Request;
use core::mem::{offset_of, size_of};
use std::net::Ipv4Addr;

/// `XFRM_MSG_NEWSA` (`linux/xfrm.h`).
pub const XFRM_MSG_NEWSA: u16 = 16;
/// `XFRM_MSG_GETSA` (`linux/xfrm.h`).
pub const XFRM_MSG_GETSA: u16 = 18;
/// `XFRM_MSG_NEWPOLICY` (`linux/xfrm.h`).
pub const XFRM_MSG_NEWPOLICY: u16 = 19;
/// `XFRMA_ALG_CRYPT` (`struct xfrm_algo`, `linux/xfrm.h`).
pub const XFRMA_ALG_CRYPT: u16 = 2;
/// `XFRMA_TMPL` (array of `struct xfrm_user_tmpl`, `linux/xfrm.h`).
pub const XFRMA_TMPL: u16 = 5;
/// `XFRMA_ALG_AUTH_TRUNC` (`struct xfrm_algo_auth`, `linux/xfrm.h`).
pub const XFRMA_ALG_AUTH_TRUNC: u16 = 20;
/// `XFRM_MODE_TRANSPORT` (`linux/xfrm.h`).
pub const XFRM_MODE_TRANSPORT: u8 = 0;
/// `XFRM_POLICY_IN` (`linux/xfrm.h`).
pub const XFRM_POLICY_IN: u8 = 0;
/// `XFRM_POLICY_OUT` (`linux/xfrm.h`).
pub const XFRM_POLICY_OUT: u8 = 1;
/// `XFRM_POLICY_ALLOW` (`linux/xfrm.h`).
pub const XFRM_POLICY_ALLOW: u8 = 0;
/// `XFRM_INF` (`linux/xfrm.h`): no limit.
pub const XFRM_INF: u64 = !0;
/// Length of an algorithm name (`alg_name[64]`, `linux/xfrm.h`).
pub const ALG_NAME_LEN: usize = 64;

/// `xfrm_address_t`: a union of `__be32 a4` and `__be32 a6[4]`, 4-byte
/// aligned; the bytes are the address in network order.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XfrmAddress(pub [u32; 4]);

impl XfrmAddress {
    /// An IPv4 address (`a4`, the rest zero).
    pub fn v4(a: Ipv4Addr) -> XfrmAddress {
        XfrmAddress([u32::from_ne_bytes(a.octets()), 0, 0, 0])
    }

    fn put(&self, b: &mut [u8], at: usize) {
        for (i, w) in self.0.iter().enumerate() {
            put(b, at + 4 * i, &w.to_ne_bytes());
        }
    }
}

/// `struct xfrm_selector` (56 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XfrmSelector {
    /// `daddr`.
    pub daddr: XfrmAddress,
    /// `saddr`.
    pub saddr: XfrmAddress,
    /// `dport` (network order).
    pub dport: u16,
    /// `dport_mask`.
    pub dport_mask: u16,
    /// `sport` (network order).
    pub sport: u16,
    /// `sport_mask`.
    pub sport_mask: u16,
    /// `family`.
    pub family: u16,
    /// `prefixlen_d`.
    pub prefixlen_d: u8,
    /// `prefixlen_s`.
    pub prefixlen_s: u8,
    /// `proto` (0: any).
    pub proto: u8,
    /// `ifindex`.
    pub ifindex: i32,
    /// `user` (`__kernel_uid32_t`).
    pub user: u32,
}

impl XfrmSelector {
    fn put(&self, b: &mut [u8], at: usize) {
        self.daddr.put(b, at + offset_of!(XfrmSelector, daddr));
        self.saddr.put(b, at + offset_of!(XfrmSelector, saddr));
        put(
            b,
            at + offset_of!(XfrmSelector, dport),
            &self.dport.to_ne_bytes(),
        );
        put(
            b,
            at + offset_of!(XfrmSelector, dport_mask),
            &self.dport_mask.to_ne_bytes(),
        );
        put(
            b,
            at + offset_of!(XfrmSelector, sport),
            &self.sport.to_ne_bytes(),
        );
        put(
            b,
            at + offset_of!(XfrmSelector, sport_mask),
            &self.sport_mask.to_ne_bytes(),
        );
        put(
            b,
            at + offset_of!(XfrmSelector, family),
            &self.family.to_ne_bytes(),
        );
        put(
            b,
            at + offset_of!(XfrmSelector, prefixlen_d),
            &[self.prefixlen_d],
        );
        put(
            b,
            at + offset_of!(XfrmSelector, prefixlen_s),
            &[self.prefixlen_s],
        );
        put(b, at + offset_of!(XfrmSelector, proto), &[self.proto]);
        put(
            b,
            at + offset_of!(XfrmSelector, ifindex),
            &self.ifindex.to_ne_bytes(),
        );
        put(
            b,
            at + offset_of!(XfrmSelector, user),
            &self.user.to_ne_bytes(),
        );
    }
}

/// `struct xfrm_id` (24 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XfrmId {
    /// `daddr`.
    pub daddr: XfrmAddress,
    /// `spi` (`__be32`: store `spi.to_be()`).
    pub spi: u32,
    /// `proto` (`IPPROTO_ESP`, ...).
    pub proto: u8,
}

impl XfrmId {
    fn put(&self, b: &mut [u8], at: usize) {
        self.daddr.put(b, at + offset_of!(XfrmId, daddr));
        put(b, at + offset_of!(XfrmId, spi), &self.spi.to_ne_bytes());
        put(b, at + offset_of!(XfrmId, proto), &[self.proto]);
    }
}

/// `struct xfrm_lifetime_cfg` (64 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XfrmLifetimeCfg {
    /// `soft_byte_limit`.
    pub soft_byte_limit: u64,
    /// `hard_byte_limit`.
    pub hard_byte_limit: u64,
    /// `soft_packet_limit`.
    pub soft_packet_limit: u64,
    /// `hard_packet_limit`.
    pub hard_packet_limit: u64,
    /// `soft_add_expires_seconds`.
    pub soft_add_expires_seconds: u64,
    /// `hard_add_expires_seconds`.
    pub hard_add_expires_seconds: u64,
    /// `soft_use_expires_seconds`.
    pub soft_use_expires_seconds: u64,
    /// `hard_use_expires_seconds`.
    pub hard_use_expires_seconds: u64,
}

impl XfrmLifetimeCfg {
    /// What iproute2 sends by default: byte and packet limits `XFRM_INF`,
    /// no expiry times.
    pub fn unlimited() -> XfrmLifetimeCfg {
        XfrmLifetimeCfg {
            soft_byte_limit: XFRM_INF,
            hard_byte_limit: XFRM_INF,
            soft_packet_limit: XFRM_INF,
            hard_packet_limit: XFRM_INF,
            ..XfrmLifetimeCfg::default()
        }
    }

    fn put(&self, b: &mut [u8], at: usize) {
        let v = [
            self.soft_byte_limit,
            self.hard_byte_limit,
            self.soft_packet_limit,
            self.hard_packet_limit,
            self.soft_add_expires_seconds,
            self.hard_add_expires_seconds,
            self.soft_use_expires_seconds,
            self.hard_use_expires_seconds,
        ];
        for (i, x) in v.iter().enumerate() {
            put(b, at + 8 * i, &x.to_ne_bytes());
        }
    }
}

/// `struct xfrm_lifetime_cur` (32 bytes): an SA's use so far.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XfrmLifetimeCur {
    /// `bytes`.
    pub bytes: u64,
    /// `packets`.
    pub packets: u64,
    /// `add_time`.
    pub add_time: u64,
    /// `use_time`.
    pub use_time: u64,
}

/// `struct xfrm_stats` (12 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XfrmStats {
    /// `replay_window`.
    pub replay_window: u32,
    /// `replay`.
    pub replay: u32,
    /// `integrity_failed`.
    pub integrity_failed: u32,
}

/// `struct xfrm_usersa_info` (224 bytes): the head of `XFRM_MSG_NEWSA`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XfrmUsersaInfo {
    /// `sel`.
    pub sel: XfrmSelector,
    /// `id`.
    pub id: XfrmId,
    /// `saddr`.
    pub saddr: XfrmAddress,
    /// `lft`.
    pub lft: XfrmLifetimeCfg,
    /// `curlft`.
    pub curlft: XfrmLifetimeCur,
    /// `stats`.
    pub stats: XfrmStats,
    /// `seq`.
    pub seq: u32,
    /// `reqid`.
    pub reqid: u32,
    /// `family`.
    pub family: u16,
    /// `mode` (`XFRM_MODE_*`).
    pub mode: u8,
    /// `replay_window`.
    pub replay_window: u8,
    /// `flags` (`XFRM_STATE_*`).
    pub flags: u8,
}

impl XfrmUsersaInfo {
    /// The encoded struct (counters and stats are the kernel's to fill:
    /// encoded as given, normally zero).
    pub fn to_bytes(&self) -> [u8; size_of::<XfrmUsersaInfo>()] {
        let mut b = [0u8; size_of::<XfrmUsersaInfo>()];
        self.sel.put(&mut b, offset_of!(XfrmUsersaInfo, sel));
        self.id.put(&mut b, offset_of!(XfrmUsersaInfo, id));
        self.saddr.put(&mut b, offset_of!(XfrmUsersaInfo, saddr));
        self.lft.put(&mut b, offset_of!(XfrmUsersaInfo, lft));
        let c = offset_of!(XfrmUsersaInfo, curlft);
        for (i, x) in [
            self.curlft.bytes,
            self.curlft.packets,
            self.curlft.add_time,
            self.curlft.use_time,
        ]
        .iter()
        .enumerate()
        {
            put(&mut b, c + 8 * i, &x.to_ne_bytes());
        }
        let s = offset_of!(XfrmUsersaInfo, stats);
        put(&mut b, s, &self.stats.replay_window.to_ne_bytes());
        put(&mut b, s + 4, &self.stats.replay.to_ne_bytes());
        put(&mut b, s + 8, &self.stats.integrity_failed.to_ne_bytes());
        put(
            &mut b,
            offset_of!(XfrmUsersaInfo, seq),
            &self.seq.to_ne_bytes(),
        );
        put(
            &mut b,
            offset_of!(XfrmUsersaInfo, reqid),
            &self.reqid.to_ne_bytes(),
        );
        put(
            &mut b,
            offset_of!(XfrmUsersaInfo, family),
            &self.family.to_ne_bytes(),
        );
        put(&mut b, offset_of!(XfrmUsersaInfo, mode), &[self.mode]);
        put(
            &mut b,
            offset_of!(XfrmUsersaInfo, replay_window),
            &[self.replay_window],
        );
        put(&mut b, offset_of!(XfrmUsersaInfo, flags), &[self.flags]);
        b
    }

    /// The use counters (`curlft`) and `stats` of an encoded struct (an
    /// `XFRM_MSG_NEWSA` answering `XFRM_MSG_GETSA`).
    pub fn parse_use(b: &[u8]) -> Option<(XfrmLifetimeCur, XfrmStats)> {
        let u64_at = |at: usize| Some(u64::from_ne_bytes(b.get(at..at + 8)?.try_into().ok()?));
        let u32_at = |at: usize| Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?));
        let c = offset_of!(XfrmUsersaInfo, curlft);
        let s = offset_of!(XfrmUsersaInfo, stats);
        Some((
            XfrmLifetimeCur {
                bytes: u64_at(c)?,
                packets: u64_at(c + 8)?,
                add_time: u64_at(c + 16)?,
                use_time: u64_at(c + 24)?,
            },
            XfrmStats {
                replay_window: u32_at(s)?,
                replay: u32_at(s + 4)?,
                integrity_failed: u32_at(s + 8)?,
            },
        ))
    }
}

/// `struct xfrm_usersa_id` (24 bytes): the head of `XFRM_MSG_GETSA`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XfrmUsersaId {
    /// `daddr`.
    pub daddr: XfrmAddress,
    /// `spi` (`__be32`).
    pub spi: u32,
    /// `family`.
    pub family: u16,
    /// `proto`.
    pub proto: u8,
}

impl XfrmUsersaId {
    /// The encoded struct.
    pub fn to_bytes(&self) -> [u8; size_of::<XfrmUsersaId>()] {
        let mut b = [0u8; size_of::<XfrmUsersaId>()];
        self.daddr.put(&mut b, offset_of!(XfrmUsersaId, daddr));
        put(
            &mut b,
            offset_of!(XfrmUsersaId, spi),
            &self.spi.to_ne_bytes(),
        );
        put(
            &mut b,
            offset_of!(XfrmUsersaId, family),
            &self.family.to_ne_bytes(),
        );
        put(&mut b, offset_of!(XfrmUsersaId, proto), &[self.proto]);
        b
    }
}

/// `struct xfrm_userpolicy_info` (168 bytes): the head of
/// `XFRM_MSG_NEWPOLICY`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XfrmUserpolicyInfo {
    /// `sel`.
    pub sel: XfrmSelector,
    /// `lft`.
    pub lft: XfrmLifetimeCfg,
    /// `curlft`.
    pub curlft: XfrmLifetimeCur,
    /// `priority`.
    pub priority: u32,
    /// `index`.
    pub index: u32,
    /// `dir` (`XFRM_POLICY_IN`, `_OUT`, `_FWD`).
    pub dir: u8,
    /// `action` (`XFRM_POLICY_ALLOW`, `_BLOCK`).
    pub action: u8,
    /// `flags`.
    pub flags: u8,
    /// `share`.
    pub share: u8,
}

impl XfrmUserpolicyInfo {
    /// The encoded struct.
    pub fn to_bytes(&self) -> [u8; size_of::<XfrmUserpolicyInfo>()] {
        let mut b = [0u8; size_of::<XfrmUserpolicyInfo>()];
        self.sel.put(&mut b, offset_of!(XfrmUserpolicyInfo, sel));
        self.lft.put(&mut b, offset_of!(XfrmUserpolicyInfo, lft));
        // curlft: the kernel's (zero here).
        put(
            &mut b,
            offset_of!(XfrmUserpolicyInfo, priority),
            &self.priority.to_ne_bytes(),
        );
        put(
            &mut b,
            offset_of!(XfrmUserpolicyInfo, index),
            &self.index.to_ne_bytes(),
        );
        put(&mut b, offset_of!(XfrmUserpolicyInfo, dir), &[self.dir]);
        put(
            &mut b,
            offset_of!(XfrmUserpolicyInfo, action),
            &[self.action],
        );
        put(&mut b, offset_of!(XfrmUserpolicyInfo, flags), &[self.flags]);
        put(&mut b, offset_of!(XfrmUserpolicyInfo, share), &[self.share]);
        b
    }
}

/// `struct xfrm_user_tmpl` (64 bytes): one element of `XFRMA_TMPL`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XfrmUserTmpl {
    /// `id` (`spi` 0: any SA).
    pub id: XfrmId,
    /// `family`.
    pub family: u16,
    /// `saddr`.
    pub saddr: XfrmAddress,
    /// `reqid`.
    pub reqid: u32,
    /// `mode`.
    pub mode: u8,
    /// `share`.
    pub share: u8,
    /// `optional`.
    pub optional: u8,
    /// `aalgos`: allowed authentication algorithms (bit mask).
    pub aalgos: u32,
    /// `ealgos`: allowed encryption algorithms.
    pub ealgos: u32,
    /// `calgos`: allowed compression algorithms.
    pub calgos: u32,
}

impl XfrmUserTmpl {
    /// The encoded struct.
    pub fn to_bytes(&self) -> [u8; size_of::<XfrmUserTmpl>()] {
        let mut b = [0u8; size_of::<XfrmUserTmpl>()];
        self.id.put(&mut b, offset_of!(XfrmUserTmpl, id));
        put(
            &mut b,
            offset_of!(XfrmUserTmpl, family),
            &self.family.to_ne_bytes(),
        );
        self.saddr.put(&mut b, offset_of!(XfrmUserTmpl, saddr));
        put(
            &mut b,
            offset_of!(XfrmUserTmpl, reqid),
            &self.reqid.to_ne_bytes(),
        );
        put(&mut b, offset_of!(XfrmUserTmpl, mode), &[self.mode]);
        put(&mut b, offset_of!(XfrmUserTmpl, share), &[self.share]);
        put(&mut b, offset_of!(XfrmUserTmpl, optional), &[self.optional]);
        put(
            &mut b,
            offset_of!(XfrmUserTmpl, aalgos),
            &self.aalgos.to_ne_bytes(),
        );
        put(
            &mut b,
            offset_of!(XfrmUserTmpl, ealgos),
            &self.ealgos.to_ne_bytes(),
        );
        put(
            &mut b,
            offset_of!(XfrmUserTmpl, calgos),
            &self.calgos.to_ne_bytes(),
        );
        b
    }
}

/// `struct xfrm_algo` (68 bytes, then `alg_key`): `XFRMA_ALG_CRYPT`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XfrmAlgo {
    /// `alg_name` (NUL-padded).
    pub alg_name: [u8; ALG_NAME_LEN],
    /// `alg_key_len`, in bits.
    pub alg_key_len: u32,
}

/// `struct xfrm_algo_auth` (72 bytes, then `alg_key`):
/// `XFRMA_ALG_AUTH_TRUNC`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XfrmAlgoAuth {
    /// `alg_name` (NUL-padded).
    pub alg_name: [u8; ALG_NAME_LEN],
    /// `alg_key_len`, in bits.
    pub alg_key_len: u32,
    /// `alg_trunc_len`, in bits: the ICV length on the wire.
    pub alg_trunc_len: u32,
}

// Sizes and offsets printed by a C program compiled against
// include/uapi/linux/xfrm.h (x86_64; see the module documentation).
const _: () = {
    assert!(size_of::<XfrmAddress>() == 16);
    assert!(size_of::<XfrmSelector>() == 56);
    assert!(offset_of!(XfrmSelector, saddr) == 16);
    assert!(offset_of!(XfrmSelector, dport) == 32);
    assert!(offset_of!(XfrmSelector, dport_mask) == 34);
    assert!(offset_of!(XfrmSelector, sport) == 36);
    assert!(offset_of!(XfrmSelector, sport_mask) == 38);
    assert!(offset_of!(XfrmSelector, family) == 40);
    assert!(offset_of!(XfrmSelector, prefixlen_d) == 42);
    assert!(offset_of!(XfrmSelector, prefixlen_s) == 43);
    assert!(offset_of!(XfrmSelector, proto) == 44);
    assert!(offset_of!(XfrmSelector, ifindex) == 48);
    assert!(offset_of!(XfrmSelector, user) == 52);
    assert!(size_of::<XfrmId>() == 24);
    assert!(offset_of!(XfrmId, spi) == 16);
    assert!(offset_of!(XfrmId, proto) == 20);
    assert!(size_of::<XfrmLifetimeCfg>() == 64);
    assert!(size_of::<XfrmLifetimeCur>() == 32);
    assert!(size_of::<XfrmStats>() == 12);
    assert!(size_of::<XfrmUsersaInfo>() == 224);
    assert!(offset_of!(XfrmUsersaInfo, sel) == 0);
    assert!(offset_of!(XfrmUsersaInfo, id) == 56);
    assert!(offset_of!(XfrmUsersaInfo, saddr) == 80);
    assert!(offset_of!(XfrmUsersaInfo, lft) == 96);
    assert!(offset_of!(XfrmUsersaInfo, curlft) == 160);
    assert!(offset_of!(XfrmUsersaInfo, stats) == 192);
    assert!(offset_of!(XfrmUsersaInfo, seq) == 204);
    assert!(offset_of!(XfrmUsersaInfo, reqid) == 208);
    assert!(offset_of!(XfrmUsersaInfo, family) == 212);
    assert!(offset_of!(XfrmUsersaInfo, mode) == 214);
    assert!(offset_of!(XfrmUsersaInfo, replay_window) == 215);
    assert!(offset_of!(XfrmUsersaInfo, flags) == 216);
    assert!(size_of::<XfrmUsersaId>() == 24);
    assert!(offset_of!(XfrmUsersaId, spi) == 16);
    assert!(offset_of!(XfrmUsersaId, family) == 20);
    assert!(offset_of!(XfrmUsersaId, proto) == 22);
    assert!(size_of::<XfrmUserpolicyInfo>() == 168);
    assert!(offset_of!(XfrmUserpolicyInfo, lft) == 56);
    assert!(offset_of!(XfrmUserpolicyInfo, curlft) == 120);
    assert!(offset_of!(XfrmUserpolicyInfo, priority) == 152);
    assert!(offset_of!(XfrmUserpolicyInfo, index) == 156);
    assert!(offset_of!(XfrmUserpolicyInfo, dir) == 160);
    assert!(offset_of!(XfrmUserpolicyInfo, action) == 161);
    assert!(offset_of!(XfrmUserpolicyInfo, flags) == 162);
    assert!(offset_of!(XfrmUserpolicyInfo, share) == 163);
    assert!(size_of::<XfrmUserTmpl>() == 64);
    assert!(offset_of!(XfrmUserTmpl, id) == 0);
    assert!(offset_of!(XfrmUserTmpl, family) == 24);
    assert!(offset_of!(XfrmUserTmpl, saddr) == 28);
    assert!(offset_of!(XfrmUserTmpl, reqid) == 44);
    assert!(offset_of!(XfrmUserTmpl, mode) == 48);
    assert!(offset_of!(XfrmUserTmpl, share) == 49);
    assert!(offset_of!(XfrmUserTmpl, optional) == 50);
    assert!(offset_of!(XfrmUserTmpl, aalgos) == 52);
    assert!(offset_of!(XfrmUserTmpl, ealgos) == 56);
    assert!(offset_of!(XfrmUserTmpl, calgos) == 60);
    assert!(size_of::<XfrmAlgo>() == 68);
    assert!(offset_of!(XfrmAlgo, alg_key_len) == 64);
    assert!(size_of::<XfrmAlgoAuth>() == 72);
    assert!(offset_of!(XfrmAlgoAuth, alg_key_len) == 64);
    assert!(offset_of!(XfrmAlgoAuth, alg_trunc_len) == 68);
};

fn put(b: &mut [u8], at: usize, v: &[u8]) {
    b[at..at + v.len()].copy_from_slice(v);
}

/// `alg_name`: `name`, NUL-padded (truncated to 63 bytes).
fn alg_name(name: &str) -> [u8; ALG_NAME_LEN] {
    let mut n = [0u8; ALG_NAME_LEN];
    let len = name.len().min(ALG_NAME_LEN - 1);
    n[..len].copy_from_slice(&name.as_bytes()[..len]);
    n
}

/// The payload of `XFRMA_ALG_CRYPT`: `struct xfrm_algo` and the key.
pub fn algo(name: &str, key: &[u8]) -> Vec<u8> {
    let a = XfrmAlgo {
        alg_name: alg_name(name),
        alg_key_len: (key.len() * 8) as u32,
    };
    let mut b = vec![0u8; size_of::<XfrmAlgo>()];
    put(&mut b, offset_of!(XfrmAlgo, alg_name), &a.alg_name);
    put(
        &mut b,
        offset_of!(XfrmAlgo, alg_key_len),
        &a.alg_key_len.to_ne_bytes(),
    );
    b.extend_from_slice(key);
    b
}

/// The payload of `XFRMA_ALG_AUTH_TRUNC`: `struct xfrm_algo_auth` with an
/// ICV of `trunc_bits`, and the key.
pub fn algo_auth(name: &str, key: &[u8], trunc_bits: u32) -> Vec<u8> {
    let a = XfrmAlgoAuth {
        alg_name: alg_name(name),
        alg_key_len: (key.len() * 8) as u32,
        alg_trunc_len: trunc_bits,
    };
    let mut b = vec![0u8; size_of::<XfrmAlgoAuth>()];
    put(&mut b, offset_of!(XfrmAlgoAuth, alg_name), &a.alg_name);
    put(
        &mut b,
        offset_of!(XfrmAlgoAuth, alg_key_len),
        &a.alg_key_len.to_ne_bytes(),
    );
    put(
        &mut b,
        offset_of!(XfrmAlgoAuth, alg_trunc_len),
        &a.alg_trunc_len.to_ne_bytes(),
    );
    b.extend_from_slice(key);
    b
}

/// An ESP SA between two IPv4 hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EspSa {
    /// `src`.
    pub src: Ipv4Addr,
    /// `dst`.
    pub dst: Ipv4Addr,
    /// `spi` (host order).
    pub spi: u32,
    /// `reqid`.
    pub reqid: u32,
    /// `mode` (`XFRM_MODE_*`).
    pub mode: u8,
    /// Authentication algorithm (`hmac(sha256)`), key and ICV bits.
    pub auth: (String, Vec<u8>, u32),
    /// Encryption algorithm (`cbc(aes)`) and key.
    pub enc: (String, Vec<u8>),
}

/// `ip xfrm state add src S dst D proto esp spi SPI mode M reqid R
/// auth-trunc A AKEY BITS enc E EKEY`: `XFRM_MSG_NEWSA` with `NLM_F_CREATE
/// | NLM_F_EXCL`, a `struct xfrm_usersa_info` as `ip/xfrm_state.c` fills
/// it (family `AF_INET`, byte and packet limits `XFRM_INF`, zero
/// selector, replay window 0), then `XFRMA_ALG_AUTH_TRUNC` and
/// `XFRMA_ALG_CRYPT` in that order.  (`auth A AKEY` instead of
/// `auth-trunc` sends `XFRMA_ALG_AUTH`, which gives `hmac(sha256)` the
/// kernel's default 96-bit ICV.)
pub fn new_sa(sa: &EspSa) -> Request {
    let info = XfrmUsersaInfo {
        id: XfrmId {
            daddr: XfrmAddress::v4(sa.dst),
            spi: sa.spi.to_be(),
            proto: libc::IPPROTO_ESP as u8,
        },
        saddr: XfrmAddress::v4(sa.src),
        lft: XfrmLifetimeCfg::unlimited(),
        reqid: sa.reqid,
        family: libc::AF_INET as u16,
        mode: sa.mode,
        ..XfrmUsersaInfo::default()
    };
    Request::new(XFRM_MSG_NEWSA, create_excl())
        .push(&info.to_bytes())
        .attr(
            XFRMA_ALG_AUTH_TRUNC,
            &algo_auth(&sa.auth.0, &sa.auth.1, sa.auth.2),
        )
        .attr(XFRMA_ALG_CRYPT, &algo(&sa.enc.0, &sa.enc.1))
}

/// `ip xfrm state get src S dst D proto esp spi SPI`: `XFRM_MSG_GETSA`
/// with a `struct xfrm_usersa_id` (and `XFRMA_SRCADDR`, not needed for
/// ESP); answered by an `XFRM_MSG_NEWSA` whose head
/// [`XfrmUsersaInfo::parse_use`] reads.
pub fn get_sa(dst: Ipv4Addr, spi: u32) -> Request {
    let id = XfrmUsersaId {
        daddr: XfrmAddress::v4(dst),
        spi: spi.to_be(),
        family: libc::AF_INET as u16,
        proto: libc::IPPROTO_ESP as u8,
    };
    Request::new(XFRM_MSG_GETSA, libc::NLM_F_REQUEST as u16).push(&id.to_bytes())
}

/// `ip xfrm policy add src S/32 dst D/32 dir DIR tmpl src TS dst TD proto
/// esp mode M reqid R`: `XFRM_MSG_NEWPOLICY` with `NLM_F_CREATE |
/// NLM_F_EXCL`, a `struct xfrm_userpolicy_info` (host selector, limits
/// `XFRM_INF`, priority 0, action allow) and one `XFRMA_TMPL` (`spi` 0,
/// every algorithm allowed: `aalgos`, `ealgos`, `calgos` all ones, as
/// iproute2 sets them).
pub fn new_policy(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    dir: u8,
    tmpl: (Ipv4Addr, Ipv4Addr),
    mode: u8,
    reqid: u32,
) -> Request {
    let info = XfrmUserpolicyInfo {
        sel: XfrmSelector {
            daddr: XfrmAddress::v4(dst),
            saddr: XfrmAddress::v4(src),
            family: libc::AF_INET as u16,
            prefixlen_d: 32,
            prefixlen_s: 32,
            ..XfrmSelector::default()
        },
        lft: XfrmLifetimeCfg::unlimited(),
        dir,
        action: XFRM_POLICY_ALLOW,
        ..XfrmUserpolicyInfo::default()
    };
    let t = XfrmUserTmpl {
        id: XfrmId {
            daddr: XfrmAddress::v4(tmpl.1),
            spi: 0,
            proto: libc::IPPROTO_ESP as u8,
        },
        family: libc::AF_INET as u16,
        saddr: XfrmAddress::v4(tmpl.0),
        reqid,
        mode,
        aalgos: !0,
        ealgos: !0,
        calgos: !0,
        ..XfrmUserTmpl::default()
    };
    Request::new(XFRM_MSG_NEWPOLICY, create_excl())
        .push(&info.to_bytes())
        .attr(XFRMA_TMPL, &t.to_bytes())
}

fn create_excl() -> u16 {
    (libc::NLM_F_REQUEST | libc::NLM_F_CREATE | libc::NLM_F_EXCL) as u16
}
