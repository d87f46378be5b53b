//! The wall clock of the host half: `CLOCK_MONOTONIC` in ns, and waiting
//! for an absolute time of it as precisely as a thread can.

use std::sync::atomic::{AtomicBool, Ordering};

/// `CLOCK_MONOTONIC` now, in ns.
pub(super) fn now_ns() -> u64 {
    clock_ns(libc::CLOCK_MONOTONIC)
}

/// `CLOCK_REALTIME` now, in ns (the clock of `SO_TIMESTAMPNS`).
pub(super) fn realtime_ns() -> u64 {
    clock_ns(libc::CLOCK_REALTIME)
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid timespec for clock_gettime to fill.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Asks for a timer slack of 1 ns on the calling thread (the default 50 µs
/// would be added to every sleep).
pub(super) fn precise_timers() {
    // SAFETY: PR_SET_TIMERSLACK takes an integer argument only.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong) };
}

/// Puts the calling thread in `SCHED_FIFO` at `prio` if allowed; says
/// whether it did.
pub(super) fn realtime_priority(prio: i32) -> bool {
    let p = libc::sched_param {
        sched_priority: prio,
    };
    // SAFETY: p is a valid sched_param; 0 is the calling thread.
    unsafe { libc::sched_setscheduler(0, libc::SCHED_FIFO, &p) == 0 }
}

/// Sleeps (`clock_nanosleep`, `TIMER_ABSTIME`) until `deadline_ns` of
/// `CLOCK_MONOTONIC`; may wake a little late.
pub(super) fn sleep_until(deadline_ns: u64) {
    let ts = libc::timespec {
        tv_sec: (deadline_ns / 1_000_000_000) as libc::time_t,
        tv_nsec: (deadline_ns % 1_000_000_000) as libc::c_long,
    };
    // SAFETY: ts is a valid timespec; a null remainder is allowed with
    // TIMER_ABSTIME.  EINTR just ends the sleep early: loop.
    while unsafe {
        libc::clock_nanosleep(
            libc::CLOCK_MONOTONIC,
            libc::TIMER_ABSTIME,
            &ts,
            std::ptr::null_mut(),
        )
    } == libc::EINTR
    {}
}

/// How long before a deadline [`wait_until`] stops sleeping and spins,
/// when the wait is longer than [`SPIN_ABOVE_NS`].  With a 1 ns timer
/// slack and `SCHED_FIFO`, `clock_nanosleep` wakes 5 µs late at the
/// median, 7 µs at p90 and 10 µs at p99 on this machine (without
/// `SCHED_FIFO`, p99 is 17-50 µs): 10 µs of spin makes most wake-ups
/// exact.
pub(super) const SPIN_NS: u64 = 10_000;

/// Waits shorter than this sleep to the deadline without spinning: they
/// are back-to-back frames of a busy link (12 µs apart at 1 Gbit/s), where
/// spinning would take the CPU the nodes need (measured: TCP at 1 Gbit/s
/// fell from 895 to 700 Mbit/s on two cores when every wait spun).
pub(super) const SPIN_ABOVE_NS: u64 = 50_000;

/// Waits until `deadline_ns` of `CLOCK_MONOTONIC` (see [`SPIN_NS`] and
/// [`SPIN_ABOVE_NS`]); returns early (false) if `stop` is set.
pub(super) fn wait_until(deadline_ns: u64, stop: &AtomicBool) -> bool {
    let now = now_ns();
    if deadline_ns <= now {
        return true;
    }
    if deadline_ns - now <= SPIN_ABOVE_NS {
        sleep_until(deadline_ns);
        return !stop.load(Ordering::Relaxed);
    }
    sleep_until(deadline_ns - SPIN_NS);
    while now_ns() < deadline_ns {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        std::hint::spin_loop();
    }
    true
}
