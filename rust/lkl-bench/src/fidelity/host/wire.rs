//! The wire: moves Ethernet frames between the two TAP devices through one
//! [`PointToPoint`], dce-sim's own link model, in wall-clock time.
//!
//! Each direction has two threads.  The *reader* reads every frame node
//! `d` transmits from its TAP fd, asks the link at `now` (ns of
//! `CLOCK_MONOTONIC` since the wire started) what becomes of it, counts a
//! drop by reason, and hands a delivered frame with its arrival time to
//! the *deliverer*, which waits for that time (sleep, then a short spin;
//! [`clock::wait_until`]) and writes the frame into the other TAP fd.  One
//! direction's arrival times never decrease (FIFO transmitter, constant
//! delay), so a FIFO channel is all the scheduling needed.  The readers
//! share the link and its random stream behind one lock: one `send`, one
//! draw per frame, as in dce-sim.  The stream is the one dce-sim gives the
//! first link of a network under the case's seed.
//!
//! Writing a frame into a TAP runs the receiving kernel's whole input path
//! (IP, TCP, the socket, the ACK it sends) on the deliverer thread, so the
//! deliverers run `SCHED_FIFO` when allowed, which keeps their lateness
//! low when other threads want the CPUs; so do the readers, whose
//! wake-up delays a frame sent into an idle link.

use super::clock::{self, now_ns};
use super::ns::{os_err, panic_text};
use crate::fidelity::case::{mac, WindowWatch};
use dce_sim::link::{Dir, DropReason, PointToPoint, PointToPointConfig, Verdict};
use dce_sim::rng::NodeRng;
use dce_sim::NodeId;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

/// Largest frame read from a TAP (14 + MTU is 1514; more is an error).
const FRAME_MAX: usize = 65_536;

/// How late the deliverers wrote frames, over both directions.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Lateness {
    /// Frames measured.
    pub frames: usize,
    /// Mean ns past the arrival time.
    pub mean_ns: f64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// Largest.
    pub max_ns: u64,
}

impl Lateness {
    fn of(mut late: Vec<u64>) -> Lateness {
        if late.is_empty() {
            return Lateness::default();
        }
        late.sort_unstable();
        let n = late.len();
        Lateness {
            frames: n,
            mean_ns: late.iter().sum::<u64>() as f64 / n as f64,
            p99_ns: late[(n * 99 / 100).min(n - 1)],
            max_ns: late[n - 1],
        }
    }
}

/// What the wire saw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WireStats {
    /// Frames read from node 0's and node 1's TAP (directions 0→1, 1→0).
    pub frames: [u64; 2],
    /// Frames written into the other TAP, per direction.
    pub delivered: [u64; 2],
    /// Frames the link dropped, both directions: queue full, loss.
    pub link_drops: (u64, u64),
    /// The window node 1 advertised (fed every 1→0 frame).
    pub window: WindowWatch,
    /// The deliverers' lateness.
    pub lateness: Lateness,
    /// Whether the deliverers ran `SCHED_FIFO`.
    pub realtime: bool,
    /// Wall time the wire ran, ns.
    pub ran_ns: u64,
    /// Per direction, ns from the first frame written to the last.
    pub span_ns: [u64; 2],
}

/// The link and its random stream.
struct Link {
    model: PointToPoint,
    rng: NodeRng,
}

/// A frame on its way, with its arrival time (ns since the wire started).
struct InFlight {
    at: u64,
    frame: Vec<u8>,
}

/// A reader's counts.
#[derive(Default)]
struct ReadStats {
    frames: u64,
    drops: (u64, u64),
    window: WindowWatch,
}

/// A deliverer's counts.
#[derive(Default)]
struct WriteStats {
    delivered: u64,
    first_last: Option<(u64, u64)>,
    late: Vec<u64>,
    realtime: bool,
}

/// The running wire; [`Wire::finish`] stops it and says what it saw.
/// Dropping it stops it too (on an error or a panic half-way).
pub struct Wire {
    stop_fd: Arc<OwnedFd>,
    stop: Arc<AtomicBool>,
    readers: Vec<JoinHandle<Result<ReadStats, String>>>,
    writers: Vec<JoinHandle<Result<WriteStats, String>>>,
    start: u64,
}

impl Wire {
    /// Starts moving frames between `taps[0]` (end A) and `taps[1]` (end
    /// B) through a link of `config`, losses drawn under `seed`.
    pub fn start(
        taps: [Arc<OwnedFd>; 2],
        config: PointToPointConfig,
        seed: u64,
    ) -> Result<Wire, String> {
        let model = PointToPoint::new(config).map_err(|e| e.to_string())?;
        // dce-sim's first link of a network: stream 2^32 + 0, kept away
        // from the nodes' streams by the top bit (dce-sim net.rs).
        let rng = NodeRng::new(seed, NodeId(0x8000_0000));
        let link = Arc::new(Mutex::new(Link { model, rng }));
        // SAFETY: eventfd takes no pointers; a valid fd is owned below.
        let efd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if efd < 0 {
            return Err(os_err("eventfd"));
        }
        let mut wire = Wire {
            // SAFETY: efd is a new fd that nothing else owns.
            stop_fd: Arc::new(unsafe { OwnedFd::from_raw_fd(efd) }),
            stop: Arc::new(AtomicBool::new(false)),
            readers: Vec::new(),
            writers: Vec::new(),
            start: now_ns(),
        };
        for (d, dir) in [(0, Dir::AToB), (1, Dir::BToA)] {
            let (tx, rx) = channel();
            let (src, dst) = (taps[d].clone(), taps[1 - d].clone());
            let (link, stop_fd, start) = (link.clone(), wire.stop_fd.clone(), wire.start);
            // Pushed at once: on an error below, Drop stops what runs.
            wire.readers.push(
                thread::Builder::new()
                    .name(format!("wire-read-{d}"))
                    .spawn(move || read_loop(&src, dir, &link, tx, &stop_fd, start))
                    .map_err(|e| format!("spawning a wire thread: {e}"))?,
            );
            let stop = wire.stop.clone();
            wire.writers.push(
                thread::Builder::new()
                    .name(format!("wire-write-{d}"))
                    .spawn(move || write_loop(&dst, rx, &stop, start))
                    .map_err(|e| format!("spawning a wire thread: {e}"))?,
            );
        }
        Ok(wire)
    }

    /// The wire's time now: ns since it started.
    pub fn now(&self) -> u64 {
        now_ns() - self.start
    }

    /// Tells every thread to stop.
    fn signal(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let one = 1u64;
        // SAFETY: writes 8 bytes from a valid u64 to our eventfd.
        unsafe { libc::write(self.stop_fd.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }

    /// Stops the wire and says what it saw; the first thread error, if
    /// any, instead.
    pub fn finish(mut self) -> Result<WireStats, String> {
        self.signal();
        let mut s = WireStats {
            ran_ns: self.now(),
            realtime: true,
            ..Default::default()
        };
        let mut err = None;
        let mut late = Vec::new();
        for (d, h) in self.readers.drain(..).enumerate() {
            match h.join().unwrap_or_else(|p| Err(panic_text(&p))) {
                Ok(r) => {
                    s.frames[d] = r.frames;
                    s.link_drops.0 += r.drops.0;
                    s.link_drops.1 += r.drops.1;
                    if d == 1 {
                        s.window = r.window;
                    }
                }
                Err(e) => err = err.or(Some(format!("wire reader {d}: {e}"))),
            }
        }
        for (d, h) in self.writers.drain(..).enumerate() {
            match h.join().unwrap_or_else(|p| Err(panic_text(&p))) {
                Ok(w) => {
                    s.delivered[d] = w.delivered;
                    s.span_ns[d] = w.first_last.map_or(0, |(f, l)| l - f);
                    s.realtime &= w.realtime;
                    late.extend(w.late);
                }
                Err(e) => err = err.or(Some(format!("wire deliverer {d}: {e}"))),
            }
        }
        s.lateness = Lateness::of(late);
        match err {
            Some(e) => Err(e),
            None => Ok(s),
        }
    }
}

impl Drop for Wire {
    fn drop(&mut self) {
        self.signal();
        for h in self.readers.drain(..) {
            let _ = h.join();
        }
        for h in self.writers.drain(..) {
            let _ = h.join();
        }
    }
}

/// Waits until `fd` is readable or the stop eventfd is; false on stop.
fn wait_readable(fd: &OwnedFd, stop_fd: &OwnedFd) -> Result<bool, String> {
    let mut fds = [
        libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: stop_fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    loop {
        // SAFETY: fds is a valid array of 2 pollfds.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if n >= 0 {
            break;
        }
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return Err(os_err("poll"));
        }
    }
    if fds[1].revents != 0 {
        return Ok(false);
    }
    if fds[0].revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
        return Err(format!("TAP fd poll events {:#x}", fds[0].revents));
    }
    Ok(true)
}

/// A reader: TAP `src` → link direction `dir` → the deliverer.
fn read_loop(
    src: &OwnedFd,
    dir: Dir,
    link: &Mutex<Link>,
    tx: Sender<InFlight>,
    stop_fd: &OwnedFd,
    start: u64,
) -> Result<ReadStats, String> {
    // Woken at once when a frame is sent, even with other threads busy.
    clock::realtime_priority(10);
    let mut st = ReadStats::default();
    let mut buf = vec![0u8; FRAME_MAX];
    loop {
        // SAFETY: buf is valid for FRAME_MAX bytes of writes.
        let n = unsafe { libc::read(src.as_raw_fd(), buf.as_mut_ptr().cast(), FRAME_MAX) };
        if n < 0 {
            match std::io::Error::last_os_error().raw_os_error() {
                Some(libc::EAGAIN) => {
                    if !wait_readable(src, stop_fd)? {
                        return Ok(st);
                    }
                    continue;
                }
                Some(libc::EINTR) => continue,
                _ => return Err(os_err("reading a TAP")),
            }
        }
        let frame = &buf[..n as usize];
        let now = now_ns() - start;
        st.frames += 1;
        if dir == Dir::BToA {
            st.window.frame(frame);
        }
        let verdict = {
            let mut l = link.lock().map_err(|_| "link lock poisoned")?;
            let Link { model, rng } = &mut *l;
            model.send(dir, now, frame.len(), &mut || rng.next_u64())
        };
        match verdict {
            Verdict::Deliver { at } => {
                // To the other end's MAC, as dce-sim's point-to-point link
                // delivers (the NOARP sender used its own).
                let mut frame = frame.to_vec();
                let to = if dir == Dir::AToB { 1 } else { 0 };
                if let Some(dst) = frame.get_mut(..6) {
                    dst.copy_from_slice(&mac(to));
                }
                if tx.send(InFlight { at, frame }).is_err() {
                    return Err("the deliverer is gone".into());
                }
            }
            Verdict::Dropped(DropReason::QueueFull) => st.drops.0 += 1,
            Verdict::Dropped(DropReason::Loss) => st.drops.1 += 1,
        }
    }
}

/// A deliverer: frames at their arrival times into TAP `dst`.
fn write_loop(
    dst: &OwnedFd,
    rx: Receiver<InFlight>,
    stop: &AtomicBool,
    start: u64,
) -> Result<WriteStats, String> {
    clock::precise_timers();
    let mut st = WriteStats {
        realtime: clock::realtime_priority(10),
        ..Default::default()
    };
    while let Ok(f) = rx.recv() {
        if !clock::wait_until(start + f.at, stop) {
            break;
        }
        let now = now_ns() - start;
        st.late.push(now - f.at);
        st.first_last = Some((st.first_last.map_or(now, |(f, _)| f), now));
        loop {
            // SAFETY: f.frame is valid for f.frame.len() bytes of reads.
            let n = unsafe { libc::write(dst.as_raw_fd(), f.frame.as_ptr().cast(), f.frame.len()) };
            if n >= 0 {
                break;
            }
            match std::io::Error::last_os_error().raw_os_error() {
                Some(libc::EAGAIN | libc::EINTR) => continue,
                _ => return Err(os_err("writing a TAP")),
            }
        }
        st.delivered += 1;
    }
    Ok(st)
}
