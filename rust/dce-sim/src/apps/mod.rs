//! Applications: programs that use a node's kernel **only** through the
//! socket entry points of its [`SimExported`] table, as DCE programs do
//! (Documentation/dce/abi.rst, "Socket semantics", "Configuration
//! through the kernel").
//!
//! * [`sock`]: [`Socket`], a safe wrapper over the `sock_*` entry
//!   points, with [`SockAddr`](sock::SockAddr) and [`Errno`].
//! * [`rtnl`]: an iproute2-style rtnetlink client
//!   ([`Rtnl`](rtnl::Rtnl)): link, address and route changes and dumps.
//! * [`genl`]: a generic netlink client ([`Genl`](genl::Genl)):
//!   families resolved by name, requests as `ip mptcp`, `ip l2tp` and
//!   `ip fou` send them.
//! * [`ping`]: ICMP/ICMPv6 echo over raw sockets, timed in virtual time.
//! * [`transfer`]: TCP and UDP sinks and sources that hash the bytes they
//!   move.
//! * [`tunnel`]: `ip l2tp`, `ip fou` and `ip link add type ipip encap fou`
//!   requests.
//! * [`xfrm`]: `ip xfrm state` and `ip xfrm policy` requests (XFRM
//!   netlink), with `#[repr(C)]` mirrors of `linux/xfrm.h`.
//!
//! # Calling context
//!
//! Everything here must run **inside a task of the node** whose table is
//! used, as a program's thread (DCE's A-task): a task started with
//! [`Host::start_task`](crate::abi::Host::start_task), for example
//!
//! ```ignore
//! host.start_task(node, 0, move |sim, e| {
//!     let mut ip = Rtnl::open(&e).unwrap();
//!     ip.link_set(1, true, None).unwrap();
//!     ping(&e, "127.0.0.1".parse().unwrap(), 3, SEC, SEC, || sim.now())
//! }).unwrap();
//! ```
//!
//! Calls may block in the kernel (`task_wait`), which suspends the task
//! while virtual time goes on.
//!
//! # Sleeping
//!
//! A program sleeps in virtual time by waiting in the kernel: [`sleep`]
//! blocks in `recvmsg` on a UDP socket that is never bound (so nothing can
//! arrive) with `SO_RCVTIMEO` set to the time left, until the virtual
//! clock reaches the deadline.  The kernel rounds the timeout up to whole
//! jiffies (10 ms at `HZ=100`) and its timer wheel fires a timer one jiffy
//! after its expiry (it rounds up so that no timer fires early), and up to
//! 1/8 later still for timeouts of 64 jiffies or more.  So every wait is
//! cut to at most [`MAX_WAIT_NS`] (the wheel's first level) and the loop
//! resumes the wait for the rest: the wake-up comes one jiffy after the
//! deadline rounded up to a jiffy, never early (a 1.5 s sleep ends after
//! 1.51 s, a 1 ns sleep after 20 ms).  [`ping`](ping::ping) waits for
//! replies the same way.
//! Waiting outside the kernel (a bare `task_wait` woken by a simulator
//! event) would also work for the simulator, but the library treats every
//! `task_wakeup` of a task as its own, so mixing both on one task is
//! fragile; waiting in the kernel keeps a single owner of the task's
//! sleeps, as in DCE where a program's blocking calls go through the
//! library.

pub mod genl;
pub mod ping;
pub mod rtnl;
pub mod sock;
pub mod transfer;
pub mod tunnel;
pub mod xfrm;

/// Longest single kernel wait (`SO_RCVTIMEO`) of [`sleep`] and
/// [`ping`](ping::ping): 500 ms, 50 jiffies at `HZ=100`, below the 64
/// jiffies from which the kernel's timer wheel rounds expiry times up.
pub const MAX_WAIT_NS: u64 = 500_000_000;

/// How many consecutive timed-out waits that let no virtual time pass are
/// tolerated (the kernel may have armed its timer from a stale `jiffies`)
/// before giving up with `EAGAIN` rather than spinning.
const MAX_IDLE_WAITS: u32 = 3;

use dce_abi::SimExported;
use sock::{Errno, Socket};

/// Sleeps in the kernel until `now()` has advanced by `ns` (see the
/// [module documentation](self#sleeping) for how and how precisely).
/// Must be called from a task of the node of `e`.
///
/// Fails if the socket cannot be created or the kernel's timeouts do not
/// advance virtual time (`EAGAIN` after several timed-out waits that took
/// no time).
pub fn sleep(e: &SimExported, ns: u64, now: impl Fn() -> u64) -> Result<(), Errno> {
    let deadline = now().saturating_add(ns);
    let sock = Socket::new(e, libc::AF_INET, libc::SOCK_DGRAM, 0)?;
    let mut idle = 0;
    let mut buf = [0u8; 1];
    loop {
        let t = now();
        if t >= deadline {
            return Ok(());
        }
        sock.set_rcvtimeo((deadline - t).min(MAX_WAIT_NS))?;
        match sock.recv_from(&mut buf, 0) {
            // Nothing can arrive; if something did, go on waiting.
            Ok(_) => {}
            Err(Errno(libc::EAGAIN)) if now() > t => idle = 0,
            Err(Errno(libc::EAGAIN)) if idle < MAX_IDLE_WAITS => idle += 1,
            Err(e) => return Err(e),
        }
    }
}
