//! Random arguments for the DCE ABI: plausible values most of the time,
//! garbage some of the time, never a pointer that does not point into a
//! live buffer of the length the kernel is told (a program that passes
//! such a pointer may crash, as it would on a real kernel).

use crate::rng::NodeRng;
use crate::NodeId;

/// The random stream of one operation: `(seed, op)` alone decide it, so
/// any range of operations replays on its own.
pub struct Gen(NodeRng);

/// SplitMix64's finalizer: spreads `(seed, op)` over the PCG state.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Gen {
    /// The stream of operation `op` of the run seeded with `seed`.
    pub fn for_op(seed: u64, op: u64) -> Gen {
        Gen(NodeRng::new(mix(seed ^ mix(op)), NodeId(0)))
    }

    /// 32 random bits.
    pub fn u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    /// 64 random bits.
    pub fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.u64() % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True `per_mille` times in 1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        weights.len() - 1
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let w = self.u64().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0; n];
        self.fill(&mut v);
        v
    }

    /// One of `items`, or `any(self)` as often as each of them.
    pub fn pick_or<T: Copy>(&mut self, items: &[T], any: impl FnOnce(&mut Gen) -> T) -> T {
        let i = self.below(items.len() as u64 + 1) as usize;
        if i == items.len() {
            any(self)
        } else {
            items[i]
        }
    }

    /// Random bytes, [`len`](Self::len)`(max)` of them.
    pub fn blob(&mut self, max: usize) -> Vec<u8> {
        let n = self.len(max);
        self.bytes(n)
    }

    /// A length up to `max`, small ones more likely.
    pub fn len(&mut self, max: usize) -> usize {
        match self.below(4) {
            0 => self.below(8) as usize,
            1 => self.below(64) as usize,
            2 => self.below(512) as usize,
            _ => self.below(max as u64 + 1) as usize,
        }
        .min(max)
    }

    /// An integer that often sits on a boundary.
    pub fn int(&mut self) -> i32 {
        match self.below(10) {
            0 => 0,
            1 => 1,
            2 => -1,
            3 => self.pick(&[i32::MIN, i32::MAX, 0x7fff, 0xffff, 0x1_0000, 4096, 65535]),
            4..=6 => self.below(256) as i32,
            _ => self.u32() as i32,
        }
    }
}

/// The IPv4 addresses of the fuzzed topology ([`super`]): the two ends of
/// the link, loopback, broadcast and multicast.
pub const V4: [[u8; 4]; 7] = [
    [10, 1, 1, 1],
    [10, 1, 1, 2],
    [127, 0, 0, 1],
    [255, 255, 255, 255],
    [224, 0, 0, 1],
    [0, 0, 0, 0],
    [10, 1, 1, 255],
];

/// An IPv4 address: one of [`V4`] or random.
pub fn v4(g: &mut Gen) -> [u8; 4] {
    if g.chance(800) {
        g.pick(&V4)
    } else {
        g.u32().to_be_bytes()
    }
}

/// An IPv6 address: link-local of a node, loopback, multicast, global, random.
pub fn v6(g: &mut Gen) -> [u8; 16] {
    let mut a = [0u8; 16];
    match g.below(6) {
        0 => a[15] = 1,
        1 => {
            a[..2].copy_from_slice(&[0xfe, 0x80]);
            a[8..].copy_from_slice(&[0, 0, 0, 0xff, 0xfe, 0, 0, g.range(1, 2) as u8]);
        }
        2 => {
            a[..2].copy_from_slice(&[0xff, 0x02]);
            a[15] = g.pick(&[1, 2, 0x16]);
        }
        3 => {
            a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
            a[15] = g.range(1, 2) as u8;
        }
        4 => {
            a[10] = 0xff;
            a[11] = 0xff;
            a[12..].copy_from_slice(&v4(g));
        }
        _ => g.fill(&mut a),
    }
    a
}

/// A port: one of a few the fuzzer's sockets share, or random.
pub fn port(g: &mut Gen) -> u16 {
    match g.below(4) {
        0 => 0,
        1 | 2 => 5000 + g.below(4) as u16,
        _ => g.u32() as u16,
    }
}

/// The size of every sockaddr buffer the fuzzer passes
/// (`sizeof(struct sockaddr_storage)`).
pub const ADDR_BUF: usize = 128;

/// A sockaddr buffer and the length to pass with it: a well-formed
/// address of a common family most of the time, random bytes otherwise;
/// the length is sometimes wrong (short, negative, larger than the
/// buffer: the kernel refuses more than `sizeof(sockaddr_storage)`
/// before reading).
pub fn sockaddr(g: &mut Gen) -> ([u8; ADDR_BUF], i32) {
    let mut b = [0u8; ADDR_BUF];
    let mut len = match g.below(8) {
        0 | 1 => {
            b[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
            b[2..4].copy_from_slice(&port(g).to_be_bytes());
            b[4..8].copy_from_slice(&v4(g));
            16
        }
        2 | 3 => {
            b[..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
            b[2..4].copy_from_slice(&port(g).to_be_bytes());
            b[8..24].copy_from_slice(&v6(g));
            if g.chance(300) {
                b[24..28].copy_from_slice(&(g.below(5) as u32).to_ne_bytes());
            }
            28
        }
        4 => {
            b[..2].copy_from_slice(&(libc::AF_NETLINK as u16).to_ne_bytes());
            b[4..8].copy_from_slice(&(g.below(4) as u32).to_ne_bytes());
            b[8..12].copy_from_slice(&g.u32().to_ne_bytes());
            12
        }
        5 => {
            b[..2].copy_from_slice(&(libc::AF_PACKET as u16).to_ne_bytes());
            b[2..4].copy_from_slice(&g.pick(&[0x0003u16, 0x0800, 0x86dd, 0x0806]).to_be_bytes());
            b[4..8].copy_from_slice(&(g.below(6) as i32).to_ne_bytes());
            b[11] = 6;
            g.fill(&mut b[12..18]);
            20
        }
        6 => {
            b[..2].copy_from_slice(&(libc::AF_UNIX as u16).to_ne_bytes());
            let n = g.below(12) as usize;
            b[2] = if g.chance(500) { 0 } else { b'/' };
            for c in &mut b[3..3 + n] {
                *c = b'a' + g.below(3) as u8;
            }
            3 + n as i32
        }
        _ => {
            g.fill(&mut b);
            g.below(ADDR_BUF as u64 + 1) as i32
        }
    };
    if g.chance(100) {
        len = g.pick(&[-1, 0, 1, 2, 129, 4096, i32::MAX, i32::MIN]);
    } else if g.chance(100) {
        len = g.below(ADDR_BUF as u64 + 1) as i32;
    }
    (b, len)
}

/// Socket families, with a few the kernel does not build.
pub const FAMILIES: [i32; 10] = [
    libc::AF_INET,
    libc::AF_INET,
    libc::AF_INET6,
    libc::AF_INET6,
    libc::AF_NETLINK,
    libc::AF_PACKET,
    libc::AF_UNIX,
    libc::AF_UNSPEC,
    libc::AF_KEY,
    libc::AF_APPLETALK,
];

/// `(domain, type, protocol)` for `sock_socket`.
pub fn socket_args(g: &mut Gen) -> (i32, i32, i32) {
    let domain = if g.chance(950) {
        g.pick(&FAMILIES)
    } else {
        g.below(64) as i32
    };
    let mut ty = if g.chance(950) {
        g.pick(&[
            libc::SOCK_STREAM,
            libc::SOCK_DGRAM,
            libc::SOCK_DGRAM,
            libc::SOCK_RAW,
            libc::SOCK_SEQPACKET,
            libc::SOCK_RDM,
            10, // SOCK_PACKET (obsolete; the kernel warns once and serves it)
        ])
    } else {
        g.below(16) as i32
    };
    if g.chance(100) {
        ty |= g.pick(&[libc::SOCK_NONBLOCK, libc::SOCK_CLOEXEC]);
    }
    let proto = match domain {
        libc::AF_NETLINK => g.pick_or(
            &[
                libc::NETLINK_ROUTE,
                libc::NETLINK_ROUTE,
                libc::NETLINK_GENERIC,
                libc::NETLINK_GENERIC,
                libc::NETLINK_SOCK_DIAG,
                libc::NETLINK_XFRM,
                libc::NETLINK_AUDIT,
            ],
            |g| g.below(32) as i32,
        ),
        libc::AF_PACKET => i32::from(g.pick(&[0x0003u16, 0x0800, 0x86dd, 0]).to_be()),
        _ => g.pick_or(
            &[
                0,
                0,
                0,
                libc::IPPROTO_TCP,
                libc::IPPROTO_UDP,
                libc::IPPROTO_ICMP,
                libc::IPPROTO_ICMPV6,
                libc::IPPROTO_RAW,
                libc::IPPROTO_UDPLITE,
                libc::IPPROTO_SCTP,
                libc::IPPROTO_IGMP,
                libc::IPPROTO_GRE,
                libc::IPPROTO_MPTCP,
            ],
            |g| g.below(300) as i32,
        ),
    };
    (domain, ty, proto)
}

/// `MSG_*` flags for sendmsg/recvmsg, with `MSG_DONTWAIT` when `nonblock`.
pub fn msg_flags(g: &mut Gen, nonblock: bool) -> i32 {
    let mut f = 0;
    for bit in [
        libc::MSG_OOB,
        libc::MSG_PEEK,
        libc::MSG_DONTROUTE,
        libc::MSG_TRUNC,
        libc::MSG_EOR,
        libc::MSG_WAITALL,
        libc::MSG_MORE,
        libc::MSG_CONFIRM,
        libc::MSG_ERRQUEUE,
        libc::MSG_NOSIGNAL,
        libc::MSG_FASTOPEN,
        libc::MSG_ZEROCOPY,
        libc::MSG_CMSG_CLOEXEC,
    ] {
        if g.chance(60) {
            f |= bit;
        }
    }
    if g.chance(20) {
        f |= g.u32() as i32;
    }
    if nonblock {
        f |= libc::MSG_DONTWAIT;
    } else {
        f &= !libc::MSG_DONTWAIT;
    }
    f
}

/// Control messages: a buffer of cmsgs, some well-formed (`IP_PKTINFO`,
/// `IPV6_HOPLIMIT`, `SCM_RIGHTS` with random descriptors, `UDP_SEGMENT`,
/// ...), some with wrong lengths, levels or types.
pub fn cmsgs(g: &mut Gen) -> Vec<u8> {
    let mut buf = Vec::new();
    for _ in 0..g.below(4) {
        let (level, ty, data_len) = match g.below(8) {
            0 => (
                libc::SOL_SOCKET,
                libc::SCM_RIGHTS,
                4 * g.range(1, 3) as usize,
            ),
            1 => (libc::IPPROTO_IP, libc::IP_PKTINFO, 12),
            2 => (
                libc::IPPROTO_IP,
                g.pick(&[libc::IP_TTL, libc::IP_TOS, libc::IP_RETOPTS]),
                4,
            ),
            3 => (
                libc::IPPROTO_IPV6,
                g.pick(&[libc::IPV6_PKTINFO, libc::IPV6_HOPLIMIT, libc::IPV6_TCLASS]),
                g.pick(&[4, 20]),
            ),
            4 => (
                libc::IPPROTO_IPV6,
                g.pick(&[libc::IPV6_RTHDR, libc::IPV6_HOPOPTS, libc::IPV6_DSTOPTS]),
                8 * g.range(1, 4) as usize,
            ),
            5 => (libc::SOL_UDP, 103 /* UDP_SEGMENT */, 2),
            6 => (
                libc::SOL_SOCKET,
                g.pick(&[libc::SO_MARK, libc::SO_TIMESTAMPING, 0x25]),
                4,
            ),
            _ => (g.int(), g.int(), g.len(64)),
        };
        let mut len = 16 + data_len;
        if g.chance(100) {
            len = g.pick(&[0, 1, 15, 16, 17, 4096, usize::MAX]);
        }
        buf.extend_from_slice(&len.to_ne_bytes());
        buf.extend_from_slice(&level.to_ne_bytes());
        buf.extend_from_slice(&ty.to_ne_bytes());
        let mut data = g.bytes(data_len);
        if level == libc::SOL_SOCKET && ty == libc::SCM_RIGHTS {
            for fd in data.chunks_exact_mut(4) {
                fd.copy_from_slice(&(g.range(-1, 12) as i32).to_ne_bytes());
            }
        }
        buf.extend_from_slice(&data);
        while buf.len() % 8 != 0 {
            buf.push(0);
        }
    }
    buf
}

/// Socket option levels the kernel knows, and some it does not.
pub const LEVELS: [i32; 14] = [
    libc::SOL_SOCKET,
    libc::SOL_SOCKET,
    libc::IPPROTO_IP,
    libc::IPPROTO_IP,
    libc::IPPROTO_IPV6,
    libc::IPPROTO_IPV6,
    libc::IPPROTO_TCP,
    libc::IPPROTO_TCP,
    libc::IPPROTO_UDP,
    libc::IPPROTO_ICMPV6,
    libc::IPPROTO_RAW,
    libc::SOL_PACKET,
    libc::SOL_NETLINK,
    libc::IPPROTO_MPTCP,
];

/// Options whose value holds a pointer the kernel follows: the fuzzer
/// passes them a valid one ([`sockopt_value`]) or not at all.
fn pointer_option(level: i32, name: i32, get: bool) -> bool {
    match level {
        libc::SOL_SOCKET => matches!(
            name,
            libc::SO_ATTACH_FILTER | libc::SO_ATTACH_REUSEPORT_CBPF
        ),
        libc::IPPROTO_TCP => get && name == 35, // TCP_ZEROCOPY_RECEIVE
        libc::IPPROTO_MPTCP => get && name == 4, // MPTCP_FULL_INFO
        _ => false,
    }
}

/// Size of every option value buffer (and the largest length passed with
/// one, but for `i32::MAX`, which the kernel refuses before copying).
pub const OPT_BUF: usize = 64 << 10;

/// `(level, name)` of an option.
pub fn sockopt_name(g: &mut Gen, get: bool) -> (i32, i32) {
    loop {
        let level = if g.chance(950) {
            g.pick(&LEVELS)
        } else {
            g.int()
        };
        let name = if g.chance(900) {
            g.below(80) as i32
        } else {
            g.int()
        };
        if !pointer_option(level, name, get) || (!get && level == libc::SOL_SOCKET) {
            return (level, name);
        }
    }
}

/// An option value in `buf` (at least [`OPT_BUF`] bytes) and the length to
/// pass: an int most of the time, random bytes of a random length
/// otherwise; a socket filter for `SO_ATTACH_FILTER` with its program in
/// the same buffer.
pub fn sockopt_value(g: &mut Gen, level: i32, name: i32, buf: &mut [u8]) -> i32 {
    if level == libc::SOL_SOCKET
        && matches!(
            name,
            libc::SO_ATTACH_FILTER | libc::SO_ATTACH_REUSEPORT_CBPF
        )
    {
        // struct sock_fprog { u16 len; struct sock_filter *filter; }, the
        // filter (8-byte instructions) right after it: a return of a
        // random value, or random instructions the verifier checks.
        let n = g.range(1, 16) as usize;
        let prog = buf[16..].as_mut_ptr() as usize;
        buf[..2].copy_from_slice(&(n as u16).to_ne_bytes());
        buf[8..16].copy_from_slice(&prog.to_ne_bytes());
        if g.chance(500) {
            // BPF_RET | BPF_K, k
            buf[16..18].copy_from_slice(&0x06u16.to_ne_bytes());
            buf[20..24].copy_from_slice(&g.u32().to_ne_bytes());
        } else {
            g.fill(&mut buf[16..16 + 8 * n]);
        }
        return 16;
    }
    match g.below(10) {
        0..=4 => {
            buf[..4].copy_from_slice(&g.int().to_ne_bytes());
            4
        }
        5 => {
            g.fill(&mut buf[..8]);
            8
        }
        6 => g.pick(&[-1, 0, 1, 2, 3, i32::MAX, i32::MIN]),
        _ => {
            let n = g.len(OPT_BUF);
            g.fill(&mut buf[..n.min(4096)]);
            n as i32
        }
    }
}

/// Socket ioctls (asm-generic/sockios.h, linux/sockios.h) whose argument
/// holds no pointer: an `int`, a `struct ifreq` without `ifr_data`, an
/// `arpreq`, a `timeval`.
pub const IOCTLS: [u32; 62] = [
    0x541B, 0x5421, 0x5452, 0x5411, 0x8901, 0x8902, 0x8903, 0x8904, 0x8905, 0x8906, 0x8907, 0x8910,
    0x8911, 0x8913, 0x8914, 0x8915, 0x8916, 0x8917, 0x8918, 0x8919, 0x891a, 0x891b, 0x891c, 0x891d,
    0x891e, 0x891f, 0x8920, 0x8921, 0x8922, 0x8923, 0x8924, 0x8925, 0x8926, 0x8927, 0x8929, 0x8930,
    0x8931, 0x8932, 0x8933, 0x8934, 0x8935, 0x8936, 0x8937, 0x8938, 0x8942, 0x8943, 0x8947, 0x8948,
    0x8949, 0x894B, 0x894C, 0x8953, 0x8954, 0x8955, 0x8960, 0x8961, 0x8962, 0x8970, 0x8971, 0x8982,
    0x8983, 0x89E0,
];

/// Socket ioctls whose argument holds a pointer (`ifconf.ifc_buf`,
/// `rtentry.rt_dev`, `ifr_data`, the old bridge calls' argument arrays):
/// the fuzzer builds their arguments with a valid one
/// ([`ioctl_arg`]) or does not issue them.
pub const POINTER_IOCTLS: [u32; 10] = [
    0x8912, 0x890B, 0x890C, 0x8946, 0x894A, 0x89b0, 0x89b1, 0x8940, 0x8941, 0x89F0,
];

/// Size of the argument buffer of every ioctl.
pub const IOCTL_BUF: usize = 4096;

/// An ioctl request number.
pub fn ioctl_request(g: &mut Gen) -> u32 {
    let r = match g.below(10) {
        0..=6 => g.pick(&IOCTLS),
        7 => g.pick(&[0x8912, 0x890B, 0x890C, 0x8946, 0x89b1]),
        8 => 0x8900 + g.below(0x100) as u32,
        _ => g.u32(),
    };
    let dangerous = POINTER_IOCTLS.contains(&r)
        && !matches!(r, 0x8912 | 0x890B | 0x890C | 0x8946 | 0x89b1)
        || (0x89F0..=0x89FF).contains(&r)
        || (0x8990..=0x89a3).contains(&r);
    if dangerous {
        0x8913
    } else {
        r
    }
}

/// Interface names: the node's devices, loopback, unknown ones, random
/// bytes without a NUL.
pub fn ifname(g: &mut Gen) -> [u8; 16] {
    let mut n = [0u8; 16];
    let s: &[u8] = match g.below(8) {
        0 | 1 => b"sim0",
        2 => b"sim1",
        3 | 4 => b"lo",
        5 => b"eth0",
        6 => b"",
        _ => {
            g.fill(&mut n);
            return n;
        }
    };
    n[..s.len()].copy_from_slice(s);
    n
}

/// Fills the argument of ioctl `request` in `arg` ([`IOCTL_BUF`] bytes,
/// 8-byte aligned); `aux` ([`IOCTL_BUF`] bytes) is the memory its
/// pointers point to.
pub fn ioctl_arg(g: &mut Gen, request: u32, arg: &mut [u8], aux: &mut [u8]) {
    g.fill(&mut arg[..64]);
    g.fill(&mut aux[..256]);
    let auxp = aux.as_mut_ptr() as usize;
    match request {
        // SIOCGIFCONF: struct ifconf { int len; char *buf; }
        0x8912 => {
            let len = g.pick(&[0, 40, 400, IOCTL_BUF as i32, -1]);
            arg[..4].copy_from_slice(&len.to_ne_bytes());
            let p = if g.chance(200) { 0 } else { auxp };
            arg[8..16].copy_from_slice(&p.to_ne_bytes());
        }
        // SIOCADDRT/SIOCDELRT: struct rtentry, rt_dev (char *) at 64.
        0x890B | 0x890C => {
            let dev = ifname(g);
            aux[..16].copy_from_slice(&dev);
            aux[16] = 0;
            let p = if g.chance(500) { 0 } else { auxp };
            arg[64..72].copy_from_slice(&p.to_ne_bytes());
            arg[72..120].fill(0);
        }
        _ => {
            // struct ifreq: the name, then the union; ifr_data calls get a
            // pointer to `aux`.
            arg[..16].copy_from_slice(&ifname(g));
            if matches!(request, 0x8946 | 0x89b1) {
                arg[16..24].copy_from_slice(&auxp.to_ne_bytes());
            }
        }
    }
}
