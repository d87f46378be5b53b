//! The wall clock of the host half: `CLOCK_MONOTONIC` in ns, and waiting
//! for an absolute time of it as precisely as a thread can.

use std::sync::atomic::{AtomicBool, Ordering};

/// `CLOCK_MONOTONIC` now, in ns.
pub(super) fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid timespec for clock_gettime to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// `CLOCK_REALTIME` now, in ns (the clock of `SO_TIMESTAMPNS`).
pub(super) fn realtime_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid timespec for clock_gettime to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
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

/// How long before a deadline [`wait_until`] stops sleeping and spins: the
/// 90th percentile of `clock_nanosleep`'s overshoot measured here with a
/// 1 ns timer slack is 7-9 µs (p99 10-50 µs), so 25 µs of spin makes most
/// wake-ups exact at the price of about 20 µs of CPU per frame.
pub(super) const SPIN_NS: u64 = 25_000;

/// Waits until `deadline_ns` of `CLOCK_MONOTONIC`: sleeps until
/// [`SPIN_NS`] before, then spins; returns early (false) if `stop` is set.
pub(super) fn wait_until(deadline_ns: u64, stop: &AtomicBool) -> bool {
    let now = now_ns();
    if deadline_ns > now + SPIN_NS {
        sleep_until(deadline_ns - SPIN_NS);
    }
    while now_ns() < deadline_ns {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        std::hint::spin_loop();
    }
    true
}
