//! Link models: what happens to an Ethernet frame between two devices, in
//! virtual nanoseconds.  (The last 350 lines are the models' unit tests.)
//!
//! Pure logic: a link holds no event queue.  The caller asks
//! [`PointToPoint::send`] / [`Segment::send`] at the current time what
//! becomes of a frame and schedules the delivery itself; the answer is a
//! [`Verdict`]: delivered at an absolute time, or dropped.
//!
//! # Timing (ns-3's `PointToPointNetDevice` / `PointToPointChannel`)
//!
//! Each transmitter sends one frame at a time, in FIFO order.  A frame
//! starts transmitting when the transmitter is free (at `now` if it is
//! idle, else when the previous frame's transmission ends), takes the
//! *serialization time* to put on the wire, and arrives at the other end
//! `delay_ns` after its last bit left:
//!
//! ```text
//! start   = max(now, end of the previous transmission)
//! tx_end  = start + ceil(bits * 10^9 / rate_bps)
//! arrival = tx_end + delay_ns
//! ```
//!
//! `bits = 8 * max(0, frame_len + wire_overhead_bytes)`, where `frame_len`
//! is the length of the Ethernet frame exactly as handed to the device's
//! `dev_xmit`: destination and source MAC and EtherType (the 14-byte
//! Ethernet header, 18 with an 802.1Q tag) plus payload, no preamble, no
//! FCS, no padding to 60 bytes beyond what the frame already has.
//! `wire_overhead_bytes` (default 0: count the frame bytes as given) is
//! added to every frame to model what else the medium carries.  ns-3's
//! point-to-point device sends a 2-byte PPP header *instead* of the 14-byte
//! Ethernet header, so `wire_overhead_bytes = -12` reproduces ns-3's
//! serialization times for the same IP packet; `+24` would count a real
//! Ethernet's preamble, SFD, FCS and inter-frame gap (8 + 4 + 12).
//!
//! `rate_bps == 0` means an infinitely fast transmitter: serialization
//! time 0, so frames never wait and the queue never fills.  All times
//! saturate at `u64::MAX` instead of wrapping.
//!
//! # Queue (ns-3's DropTail queue, default 100 packets)
//!
//! Frames waiting for the transmitter are queued.  At `now`, the queue
//! holds the frames accepted earlier whose transmission has not started
//! yet (start > `now`); the frame being transmitted is not in the queue.
//! A frame arriving when the queue holds `queue_limit` frames or more is
//! dropped ([`DropReason::QueueFull`]) and does not use the transmitter.
//! A frame that starts at once (idle transmitter) never counts against the
//! queue.
//!
//! # Loss
//!
//! Every call to `send` draws exactly one `u64` from the caller's random
//! stream, whatever the outcome (even when the queue is full or
//! `loss == 0`), so the sequence of draws depends only on the sequence of
//! calls and runs are deterministic.  An accepted frame is lost if
//! `draw < loss * 2^64` (exactly: `loss == 0` never loses, `loss == 1`
//! always does).  A lost frame was still sent: it occupies the transmitter
//! for its serialization time and delays the frames behind it; it just
//! never arrives ([`DropReason::Loss`]).

use core::fmt;
use std::collections::VecDeque;

/// Direction of a [`PointToPoint`] link, between its ends A and B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dir {
    /// From end A to end B.
    AToB,
    /// From end B to end A.
    BToA,
}

impl Dir {
    /// The other direction.
    pub fn reverse(self) -> Dir {
        match self {
            Dir::AToB => Dir::BToA,
            Dir::BToA => Dir::AToB,
        }
    }

    fn index(self) -> usize {
        match self {
            Dir::AToB => 0,
            Dir::BToA => 1,
        }
    }
}

/// What becomes of a frame handed to a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The frame arrives (its last bit is received) at absolute virtual
    /// time `at` ns: on a [`PointToPoint`] at the other end, on a
    /// [`Segment`] at every port but the sender's.
    Deliver {
        /// Absolute arrival time in ns.
        at: u64,
    },
    /// The frame never arrives.
    Dropped(DropReason),
}

/// Why a frame was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// The transmit queue already held `queue_limit` waiting frames; the
    /// frame was not sent.
    QueueFull,
    /// The frame was sent (it used the transmitter) and lost on the wire.
    Loss,
}

/// An invalid link configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LinkError {
    /// `loss` is NaN.
    LossNotANumber,
    /// `loss` is outside `[0, 1]`.
    LossOutOfRange(f64),
    /// `queue_limit` is 0: no frame could ever wait for the transmitter.
    QueueLimitZero,
    /// A [`Segment`] with no ports.
    NoPorts,
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::LossNotANumber => {
                f.write_str("link loss probability is NaN; it must be in [0, 1]")
            }
            LinkError::LossOutOfRange(p) => {
                write!(f, "link loss probability {p} is outside [0, 1]")
            }
            LinkError::QueueLimitZero => f.write_str(
                "link queue_limit is 0; it must be at least 1 frame \
                 (ns-3's DropTail default is 100)",
            ),
            LinkError::NoPorts => f.write_str("segment has no ports; it needs at least 1"),
        }
    }
}

impl std::error::Error for LinkError {}

/// ns-3's default DropTail queue size: 100 packets.
pub const DEFAULT_QUEUE_LIMIT: usize = 100;

/// Configuration of a [`PointToPoint`] link (both directions alike).
///
/// `delay_ns` and `rate_bps` are unsigned, so every value is valid
/// (`rate_bps == 0` is an infinite rate); [`PointToPoint::new`] checks
/// `loss` and `queue_limit`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointToPointConfig {
    /// Propagation delay in ns, from the end of a transmission to the
    /// arrival of the frame.
    pub delay_ns: u64,
    /// Transmitter rate in bits per second; 0 = infinite.
    pub rate_bps: u64,
    /// Frames that may wait for each transmitter (ns-3 DropTail, default
    /// [`DEFAULT_QUEUE_LIMIT`]); at least 1.
    pub queue_limit: usize,
    /// Probability in `[0, 1]` that a sent frame is lost.
    pub loss: f64,
    /// Bytes added to every frame length for the serialization time (may be
    /// negative; see the [module docs](self)).  0 = the frame as given.
    pub wire_overhead_bytes: i64,
}

impl Default for PointToPointConfig {
    /// No delay, infinite rate, 100-frame queue, no loss, no overhead.
    fn default() -> Self {
        PointToPointConfig {
            delay_ns: 0,
            rate_bps: 0,
            queue_limit: DEFAULT_QUEUE_LIMIT,
            loss: 0.0,
            wire_overhead_bytes: 0,
        }
    }
}

/// Configuration of a [`Segment`].
///
/// The fields mean the same as in [`PointToPointConfig`]; `queue_limit`
/// applies to each port separately.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentConfig {
    /// Number of attached ports (at least 1), numbered `0..ports`.
    pub ports: usize,
    /// Propagation delay in ns.
    pub delay_ns: u64,
    /// Rate of the shared medium in bits per second; 0 = infinite.
    pub rate_bps: u64,
    /// Frames each port may have waiting for the medium; at least 1.
    pub queue_limit: usize,
    /// Probability in `[0, 1]` that a sent frame is lost (for all
    /// receivers at once).
    pub loss: f64,
    /// Bytes added to every frame length for the serialization time.
    pub wire_overhead_bytes: i64,
}

impl Default for SegmentConfig {
    /// Two ports, otherwise like [`PointToPointConfig::default`].
    fn default() -> Self {
        SegmentConfig {
            ports: 2,
            delay_ns: 0,
            rate_bps: 0,
            queue_limit: DEFAULT_QUEUE_LIMIT,
            loss: 0.0,
            wire_overhead_bytes: 0,
        }
    }
}

/// The checked parameters common to both link kinds.
#[derive(Debug, Clone, Copy)]
struct Timing {
    delay_ns: u64,
    rate_bps: u64,
    queue_limit: usize,
    wire_overhead_bytes: i64,
    /// A frame is lost iff `draw < loss_threshold` (`ceil(loss * 2^64)`,
    /// which is exactly `draw < loss * 2^64` for an integer draw).
    loss_threshold: u128,
}

impl Timing {
    fn new(
        delay_ns: u64,
        rate_bps: u64,
        queue_limit: usize,
        loss: f64,
        wire_overhead_bytes: i64,
    ) -> Result<Self, LinkError> {
        if loss.is_nan() {
            return Err(LinkError::LossNotANumber);
        }
        if !(0.0..=1.0).contains(&loss) {
            return Err(LinkError::LossOutOfRange(loss));
        }
        if queue_limit == 0 {
            return Err(LinkError::QueueLimitZero);
        }
        // loss * 2^64 is exact in f64 (a power-of-two scaling) and at most
        // 2^64, so the cast is exact too.
        let loss_threshold = (loss * 18_446_744_073_709_551_616.0).ceil() as u128;
        Ok(Timing {
            delay_ns,
            rate_bps,
            queue_limit,
            wire_overhead_bytes,
            loss_threshold,
        })
    }

    fn tx_time_ns(&self, frame_len: usize) -> u64 {
        if self.rate_bps == 0 {
            return 0;
        }
        let bytes = (frame_len as i128 + i128::from(self.wire_overhead_bytes)).max(0) as u128;
        let rate = u128::from(self.rate_bps);
        // ceil(bits * 1e9 / rate); no overflow: bytes < 2^65, so the
        // product is below 2^98.
        let ns = (bytes * 8 * 1_000_000_000).div_ceil(rate);
        u64::try_from(ns).unwrap_or(u64::MAX)
    }

    fn lost(&self, draw: u64) -> bool {
        u128::from(draw) < self.loss_threshold
    }
}

/// One FIFO transmitter with its queue.
#[derive(Debug, Clone, Default)]
struct Transmitter {
    /// End of the last accepted transmission.
    busy_until: u64,
    /// Start times (non-decreasing) of accepted frames, with their
    /// segment port (`None` on a point-to-point link), that had not started
    /// at the last `send`; entries with start <= now have left the queue
    /// and are pruned lazily.
    waiting: VecDeque<(u64, Option<usize>)>,
    /// Last `now` seen, to reject time going backwards.
    last_now: u64,
}

impl Transmitter {
    fn advance(&mut self, now: u64) {
        assert!(
            now >= self.last_now,
            "link send at {now} ns after a send at {} ns: time went backwards",
            self.last_now
        );
        self.last_now = now;
        while self.waiting.front().is_some_and(|&(start, _)| start <= now) {
            self.waiting.pop_front();
        }
    }

    /// Frames of `port` waiting at `now`.
    fn queued(&self, now: u64, port: Option<usize>) -> usize {
        self.waiting
            .iter()
            .filter(|&&(start, p)| start > now && p == port)
            .count()
    }

    fn send(
        &mut self,
        t: &Timing,
        port: Option<usize>,
        now: u64,
        frame_len: usize,
        draw: u64,
    ) -> Verdict {
        self.advance(now);
        if self.queued(now, port) >= t.queue_limit {
            return Verdict::Dropped(DropReason::QueueFull);
        }
        let start = self.busy_until.max(now);
        let tx_end = start.saturating_add(t.tx_time_ns(frame_len));
        self.busy_until = tx_end;
        if start > now {
            self.waiting.push_back((start, port));
        }
        if t.lost(draw) {
            Verdict::Dropped(DropReason::Loss)
        } else {
            Verdict::Deliver {
                at: tx_end.saturating_add(t.delay_ns),
            }
        }
    }
}

/// A full-duplex point-to-point link between ends A and B: two independent
/// transmitters (one per [`Dir`]) with the same configuration.
#[derive(Debug, Clone)]
pub struct PointToPoint {
    config: PointToPointConfig,
    timing: Timing,
    tx: [Transmitter; 2],
}

impl PointToPoint {
    /// A link with idle transmitters; fails if `loss` is NaN or outside
    /// `[0, 1]` or `queue_limit` is 0.
    pub fn new(config: PointToPointConfig) -> Result<Self, LinkError> {
        let timing = Timing::new(
            config.delay_ns,
            config.rate_bps,
            config.queue_limit,
            config.loss,
            config.wire_overhead_bytes,
        )?;
        Ok(PointToPoint {
            config,
            timing,
            tx: Default::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &PointToPointConfig {
        &self.config
    }

    /// Serialization time of a frame of `frame_len` bytes, in ns.
    pub fn tx_time_ns(&self, frame_len: usize) -> u64 {
        self.timing.tx_time_ns(frame_len)
    }

    /// Changes the loss probability of both directions from the next
    /// frame on (`1.0`: the link fails, as a cut cable or ns-3's error
    /// model on both devices); frames already sent keep their fate.
    /// Fails, changing nothing, if `loss` is NaN or outside `[0, 1]`.
    pub fn set_loss(&mut self, loss: f64) -> Result<(), LinkError> {
        let c = &self.config;
        self.timing = Timing::new(
            c.delay_ns,
            c.rate_bps,
            c.queue_limit,
            loss,
            c.wire_overhead_bytes,
        )?;
        self.config.loss = loss;
        Ok(())
    }

    /// Frames waiting for `dir`'s transmitter at `now` (not counting the
    /// one being transmitted).  `now` must not be earlier than the last
    /// `send` in that direction.
    pub fn queued(&self, dir: Dir, now: u64) -> usize {
        self.tx[dir.index()].queued(now, None)
    }

    /// Hands a frame of `frame_len` bytes to `dir`'s transmitter at virtual
    /// time `now` and says what becomes of it (see the [module
    /// docs](self)).  Draws exactly one value from `rng`.
    ///
    /// # Panics
    ///
    /// If `now` is earlier than a previous `send` in the same direction.
    pub fn send(
        &mut self,
        dir: Dir,
        now: u64,
        frame_len: usize,
        rng: &mut impl FnMut() -> u64,
    ) -> Verdict {
        let draw = rng();
        self.tx[dir.index()].send(&self.timing, None, now, frame_len, draw)
    }
}

/// A shared broadcast medium (like ns-3's CSMA channel, without collisions
/// or backoff): `ports` attached devices and one transmitter for all.
///
/// A frame sent from one port occupies the medium for its serialization
/// time and reaches every *other* port at the same time, `delay_ns` after
/// its transmission ends.  Frames are sent strictly in the order they were
/// handed over (FIFO across ports; ns-3's CSMA would instead let waiting
/// devices contend with random backoff).  Each port has its own queue of
/// `queue_limit` frames, as each ns-3 CSMA device does: a port's frame is
/// dropped when that port already has `queue_limit` frames waiting for the
/// medium.  Loss is decided once per frame, for all receivers together.
#[derive(Debug, Clone)]
pub struct Segment {
    config: SegmentConfig,
    timing: Timing,
    tx: Transmitter,
}

impl Segment {
    /// An idle segment; fails if `ports` is 0, `loss` is NaN or outside
    /// `[0, 1]` or `queue_limit` is 0.
    pub fn new(config: SegmentConfig) -> Result<Self, LinkError> {
        let timing = Timing::new(
            config.delay_ns,
            config.rate_bps,
            config.queue_limit,
            config.loss,
            config.wire_overhead_bytes,
        )?;
        if config.ports == 0 {
            return Err(LinkError::NoPorts);
        }
        Ok(Segment {
            config,
            timing,
            tx: Transmitter::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SegmentConfig {
        &self.config
    }

    /// Number of attached ports.
    pub fn ports(&self) -> usize {
        self.config.ports
    }

    /// The ports a frame sent from `from` is delivered to: all others, in
    /// increasing order.
    pub fn receivers(&self, from: usize) -> impl Iterator<Item = usize> {
        (0..self.config.ports).filter(move |&p| p != from)
    }

    /// Serialization time of a frame of `frame_len` bytes, in ns.
    pub fn tx_time_ns(&self, frame_len: usize) -> u64 {
        self.timing.tx_time_ns(frame_len)
    }

    /// Frames of `port` waiting for the medium at `now` (not earlier than
    /// the last `send`).
    pub fn queued(&self, port: usize, now: u64) -> usize {
        self.tx.queued(now, Some(port))
    }

    /// Hands a frame of `frame_len` bytes from port `from` to the medium at
    /// virtual time `now`.  [`Verdict::Deliver`] means every port of
    /// [`receivers(from)`](Segment::receivers) gets it at `at`.  Draws
    /// exactly one value from `rng`.
    ///
    /// # Panics
    ///
    /// If `from` is not a port, or `now` is earlier than a previous `send`.
    pub fn send(
        &mut self,
        from: usize,
        now: u64,
        frame_len: usize,
        rng: &mut impl FnMut() -> u64,
    ) -> Verdict {
        assert!(
            from < self.config.ports,
            "segment send from port {from}, but it has {} ports",
            self.config.ports
        );
        let draw = rng();
        self.tx.send(&self.timing, Some(from), now, frame_len, draw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NodeRng;
    use crate::NodeId;

    const MBIT100: u64 = 100_000_000;

    fn p2p(delay_ns: u64, rate_bps: u64, queue_limit: usize, loss: f64) -> PointToPoint {
        PointToPoint::new(PointToPointConfig {
            delay_ns,
            rate_bps,
            queue_limit,
            loss,
            wire_overhead_bytes: 0,
        })
        .unwrap()
    }

    /// A random stream that never loses a frame unless loss is 1.
    fn never() -> impl FnMut() -> u64 {
        || u64::MAX
    }

    fn at(t: u64) -> Verdict {
        Verdict::Deliver { at: t }
    }

    #[test]
    fn back_to_back_frames_have_exact_delivery_times() {
        let mut l = p2p(2_000, MBIT100, 100, 0.0);
        // 1500 bytes = 12,000 bits at 100 Mbit/s = 120,000 ns.
        assert_eq!(l.tx_time_ns(1500), 120_000);
        let mut r = never();
        for i in 0..5 {
            assert_eq!(
                l.send(Dir::AToB, 0, 1500, &mut r),
                at((i + 1) * 120_000 + 2_000)
            );
        }
        assert_eq!(l.queued(Dir::AToB, 0), 4);
        // Halfway through the second frame: 3 still waiting.
        assert_eq!(l.queued(Dir::AToB, 180_000), 3);
        // Once the transmitter is idle again, a frame starts at once.
        assert_eq!(l.send(Dir::AToB, 1_000_000, 1500, &mut r), at(1_122_000));
        // Arriving while busy: waits for the end of the previous one.
        assert_eq!(
            l.send(Dir::AToB, 1_050_000, 100, &mut r),
            at(1_120_000 + 8_000 + 2_000)
        );
    }

    #[test]
    fn serialization_rounds_up_and_counts_the_overhead() {
        let mut cfg = PointToPointConfig {
            rate_bps: 3,
            ..Default::default()
        };
        let l = PointToPoint::new(cfg).unwrap();
        // 8 bits at 3 bit/s = 2.666... s, rounded up to the next ns.
        assert_eq!(l.tx_time_ns(1), 2_666_666_667);
        cfg.rate_bps = 5_000_000; // ns-3's 5Mbps example
        cfg.wire_overhead_bytes = -12; // PPP (2) instead of Ethernet (14)
        let l = PointToPoint::new(cfg).unwrap();
        // A 1024-byte UDP payload: 1024 + 8 + 20 + 14 = 1066 bytes handed
        // over, 1054 on ns-3's wire = 8432 bits = 1,686,400 ns.
        assert_eq!(l.tx_time_ns(1066), 1_686_400);
        // The overhead cannot make a frame negative.
        assert_eq!(l.tx_time_ns(5), 0);
        cfg.wire_overhead_bytes = 24;
        let l = PointToPoint::new(cfg).unwrap();
        assert_eq!(l.tx_time_ns(1), 25 * 8 * 200);
    }

    #[test]
    fn infinite_rate_only_adds_the_delay() {
        let mut l = p2p(5_000, 0, 1, 0.0);
        let mut r = never();
        for now in [0, 0, 0, 7, 7] {
            assert_eq!(l.send(Dir::BToA, now, 1500, &mut r), at(now + 5_000));
        }
        assert_eq!(l.queued(Dir::BToA, 7), 0);
    }

    #[test]
    fn full_queue_drops_without_using_the_transmitter() {
        let mut l = p2p(0, MBIT100, 3, 0.0);
        let mut r = never();
        // One transmitting + 3 waiting are accepted, the 5th and 6th are
        // dropped.
        for i in 0..4 {
            assert_eq!(l.send(Dir::AToB, 0, 1500, &mut r), at((i + 1) * 120_000));
        }
        assert_eq!(l.queued(Dir::AToB, 0), 3);
        for _ in 0..2 {
            assert_eq!(
                l.send(Dir::AToB, 0, 1500, &mut r),
                Verdict::Dropped(DropReason::QueueFull)
            );
        }
        // At 120,000 the second frame starts: room for one more, which
        // goes after the 4th (the dropped ones took no time).
        assert_eq!(l.queued(Dir::AToB, 120_000), 2);
        assert_eq!(l.send(Dir::AToB, 120_000, 1500, &mut r), at(600_000));
        assert_eq!(
            l.send(Dir::AToB, 120_000, 1500, &mut r),
            Verdict::Dropped(DropReason::QueueFull)
        );
        // The default limit is ns-3's 100 packets.
        let mut l = PointToPoint::new(PointToPointConfig {
            rate_bps: MBIT100,
            ..Default::default()
        })
        .unwrap();
        let verdicts: Vec<_> = (0..102).map(|_| l.send(Dir::AToB, 0, 64, &mut r)).collect();
        assert!(verdicts[..101]
            .iter()
            .all(|v| matches!(v, Verdict::Deliver { .. })));
        assert_eq!(verdicts[101], Verdict::Dropped(DropReason::QueueFull));
    }

    #[test]
    fn loss_zero_never_drops_and_loss_one_always_drops() {
        let mut rng = NodeRng::new(1, NodeId(0));
        let mut draw = || rng.next_u64();
        let mut l = p2p(10, 0, 100, 0.0);
        for _ in 0..10_000 {
            assert!(matches!(
                l.send(Dir::AToB, 0, 60, &mut draw),
                Verdict::Deliver { .. }
            ));
        }
        // Extreme draws at the boundaries.
        assert_eq!(l.send(Dir::AToB, 0, 60, &mut || 0), at(10));
        let mut l = p2p(10, 0, 100, 1.0);
        for _ in 0..10_000 {
            assert_eq!(
                l.send(Dir::AToB, 0, 60, &mut draw),
                Verdict::Dropped(DropReason::Loss)
            );
        }
        assert_eq!(
            l.send(Dir::AToB, 0, 60, &mut || u64::MAX),
            Verdict::Dropped(DropReason::Loss)
        );
        // loss 0.5: the threshold is exactly 2^63.
        let mut l = p2p(10, 0, 100, 0.5);
        assert_eq!(
            l.send(Dir::AToB, 0, 60, &mut || (1 << 63) - 1),
            Verdict::Dropped(DropReason::Loss)
        );
        assert_eq!(l.send(Dir::AToB, 0, 60, &mut || 1 << 63), at(10));
    }

    #[test]
    fn loss_one_percent_drops_about_one_percent() {
        let run = || {
            let mut rng = NodeRng::new(42, NodeId(7));
            let mut draw = || rng.next_u64();
            let mut l = p2p(1_000, 0, 100, 0.01);
            (0..100_000u64)
                .filter(|&i| {
                    l.send(Dir::AToB, i * 1000, 1500, &mut draw)
                        == Verdict::Dropped(DropReason::Loss)
                })
                .count()
        };
        let drops = run();
        assert!((900..=1100).contains(&drops), "{drops} drops");
        assert_eq!(drops, run(), "not deterministic");
    }

    #[test]
    fn one_draw_per_frame_whatever_the_outcome() {
        let mut l = p2p(0, MBIT100, 1, 0.0);
        let mut n = 0u64;
        let mut counting = || {
            n += 1;
            u64::MAX
        };
        for _ in 0..5 {
            // 1 transmitting, 1 waiting, 3 dropped for a full queue.
            l.send(Dir::AToB, 0, 1500, &mut counting);
        }
        assert_eq!(n, 5);
    }

    #[test]
    fn lost_frames_still_occupy_the_transmitter() {
        let mut l = p2p(1_000, MBIT100, 100, 0.5);
        assert_eq!(
            l.send(Dir::AToB, 0, 1500, &mut || 0),
            Verdict::Dropped(DropReason::Loss)
        );
        assert_eq!(l.queued(Dir::AToB, 0), 0);
        assert_eq!(l.send(Dir::AToB, 0, 1500, &mut || u64::MAX), at(241_000));
        assert_eq!(l.queued(Dir::AToB, 0), 1);
    }

    #[test]
    fn directions_are_independent() {
        let mut l = p2p(500, MBIT100, 2, 0.0);
        let mut r = never();
        for i in 0..3 {
            assert_eq!(
                l.send(Dir::AToB, 0, 1500, &mut r),
                at((i + 1) * 120_000 + 500)
            );
        }
        assert_eq!(
            l.send(Dir::AToB, 0, 1500, &mut r),
            Verdict::Dropped(DropReason::QueueFull)
        );
        // B to A is idle and has an empty queue.
        assert_eq!(l.queued(Dir::BToA, 0), 0);
        assert_eq!(l.send(Dir::BToA, 0, 1500, &mut r), at(120_500));
        assert_eq!(l.send(Dir::AToB.reverse(), 0, 1500, &mut r), at(240_500));
        assert_eq!(l.queued(Dir::AToB, 0), 2);
        assert_eq!(l.queued(Dir::BToA, 0), 1);
    }

    #[test]
    #[should_panic(expected = "time went backwards")]
    fn time_going_backwards_panics() {
        let mut l = p2p(0, MBIT100, 10, 0.0);
        let mut r = never();
        l.send(Dir::AToB, 100, 60, &mut r);
        l.send(Dir::AToB, 99, 60, &mut r);
    }

    fn segment(ports: usize, queue_limit: usize) -> Segment {
        Segment::new(SegmentConfig {
            ports,
            delay_ns: 1_000,
            rate_bps: MBIT100,
            queue_limit,
            loss: 0.0,
            wire_overhead_bytes: 0,
        })
        .unwrap()
    }

    #[test]
    fn segment_delivers_to_all_other_ports_through_one_transmitter() {
        let mut s = segment(4, 100);
        let mut r = never();
        assert_eq!(s.ports(), 4);
        assert_eq!(s.receivers(2).collect::<Vec<_>>(), [0, 1, 3]);
        assert_eq!(s.receivers(0).collect::<Vec<_>>(), [1, 2, 3]);
        // Frames from different ports share the medium, FIFO.
        assert_eq!(s.send(0, 0, 1500, &mut r), at(121_000));
        assert_eq!(s.send(3, 0, 1500, &mut r), at(241_000));
        assert_eq!(s.send(1, 10_000, 1500, &mut r), at(361_000));
        assert_eq!(s.queued(3, 10_000), 1);
        assert_eq!(s.queued(1, 10_000), 1);
        assert_eq!(s.queued(0, 10_000), 0);
        // Idle again later: starts at once.
        assert_eq!(s.send(2, 1_000_000, 1500, &mut r), at(1_121_000));
    }

    #[test]
    fn segment_queue_limit_is_per_port() {
        let mut s = segment(3, 1);
        let mut r = never();
        assert_eq!(s.send(0, 0, 1500, &mut r), at(121_000)); // transmitting
        assert_eq!(s.send(0, 0, 1500, &mut r), at(241_000)); // port 0 waits
        assert_eq!(
            s.send(0, 0, 1500, &mut r),
            Verdict::Dropped(DropReason::QueueFull)
        );
        // Port 1's queue is still empty.
        assert_eq!(s.send(1, 0, 1500, &mut r), at(361_000));
        assert_eq!(
            s.send(1, 0, 1500, &mut r),
            Verdict::Dropped(DropReason::QueueFull)
        );
        // Loss applies to the whole frame and still uses the medium.
        let mut s = Segment::new(SegmentConfig {
            loss: 1.0,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            s.send(1, 0, 1500, &mut r),
            Verdict::Dropped(DropReason::Loss)
        );
    }

    #[test]
    #[should_panic(expected = "segment send from port 3, but it has 3 ports")]
    fn segment_rejects_unknown_ports() {
        segment(3, 10).send(3, 0, 60, &mut never());
    }

    #[test]
    fn bad_configs_are_rejected_with_clear_messages() {
        let bad = |loss, queue_limit| {
            PointToPoint::new(PointToPointConfig {
                loss,
                queue_limit,
                ..Default::default()
            })
            .unwrap_err()
        };
        assert_eq!(bad(-0.1, 10), LinkError::LossOutOfRange(-0.1));
        assert_eq!(bad(1.5, 10), LinkError::LossOutOfRange(1.5));
        assert_eq!(
            bad(f64::INFINITY, 10),
            LinkError::LossOutOfRange(f64::INFINITY)
        );
        assert_eq!(bad(f64::NAN, 10), LinkError::LossNotANumber);
        assert_eq!(bad(0.0, 0), LinkError::QueueLimitZero);
        assert_eq!(
            bad(2.0, 10).to_string(),
            "link loss probability 2 is outside [0, 1]"
        );
        assert_eq!(
            bad(f64::NAN, 10).to_string(),
            "link loss probability is NaN; it must be in [0, 1]"
        );
        assert!(bad(0.0, 0).to_string().contains("queue_limit is 0"));
        // The bounds themselves are valid.
        for loss in [0.0, 1.0, -0.0] {
            PointToPoint::new(PointToPointConfig {
                loss,
                ..Default::default()
            })
            .unwrap();
        }
        let seg = |ports, loss, queue_limit| {
            Segment::new(SegmentConfig {
                ports,
                loss,
                queue_limit,
                ..Default::default()
            })
        };
        assert_eq!(seg(0, 0.0, 10).unwrap_err(), LinkError::NoPorts);
        assert_eq!(
            seg(0, 0.0, 10).unwrap_err().to_string(),
            "segment has no ports; it needs at least 1"
        );
        assert_eq!(seg(2, f64::NAN, 10).unwrap_err(), LinkError::LossNotANumber);
        assert_eq!(seg(2, 0.0, 0).unwrap_err(), LinkError::QueueLimitZero);
        assert!(seg(1, 0.0, 1).is_ok());
    }
}
