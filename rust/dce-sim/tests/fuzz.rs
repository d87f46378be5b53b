//! The DCE ABI fuzzer (`dce_sim::fuzz`, `Documentation/dce/fuzzing.rst`)
//! against the real kernel library: more than 10^5 calls over four seeds,
//! each run checked for crashes, hangs, DCE's hard errors, kernel bug
//! reports, leaks and a clean teardown; runs are deterministic and a
//! range of operations replays on its own.

mod common;
use common::{library, lock};

use dce_sim::fuzz::{self, FuzzConfig, FuzzReport, Progress};
use std::sync::Arc;
use std::time::Duration;

fn fuzz(seed: u64, ops: std::ops::Range<u64>) -> FuzzReport {
    let _g = lock();
    let progress = Arc::new(Progress::default());
    // Ends the test process, with the seed and operation, on a hang.
    fuzz::watchdog(progress.clone(), Duration::from_secs(120), seed);
    let cfg = FuzzConfig {
        library: library(),
        seed,
        ops,
        trace: false,
    };
    let r = fuzz::run(&cfg, &progress);
    progress
        .finished
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let r = r.unwrap_or_else(|f| panic!("{f}"));
    print!("{r}");
    r
}

/// 25,000 operations (about 37,000 calls) of one seed, clean.
fn clean_run(seed: u64) {
    let r = fuzz(seed, 0..25_000);
    assert!(r.calls >= 30_000, "{} calls", r.calls);
    // Every kind of operation ran, and the kernel saw them.
    assert_eq!(r.kinds.len(), 24, "{:?}", r.kinds);
    assert!(r.virtual_ns > 100_000_000_000, "{} ns", r.virtual_ns);
    assert!(r.errnos.get(&libc::EBADF).copied().unwrap_or(0) > 100);
    assert_eq!(r.memory.len(), 2);
}

#[test]
fn seed_11_is_clean() {
    clean_run(11);
}

#[test]
fn seed_12_is_clean() {
    clean_run(12);
}

#[test]
fn seed_13_is_clean() {
    clean_run(13);
}

#[test]
fn seed_14_is_clean() {
    clean_run(14);
}

/// The same seed and range give the same run, down to every errno; a
/// later range runs on its own (replay of part of a run).
#[test]
fn runs_are_deterministic_and_ranges_replay() {
    let a = fuzz(5, 0..3_000);
    let b = fuzz(5, 0..3_000);
    assert_eq!(
        (a.calls, &a.kinds, &a.errnos, a.virtual_ns),
        (b.calls, &b.kinds, &b.errnos, b.virtual_ns)
    );
    assert_eq!(a.memory, b.memory);
    let part = fuzz(5, 2_000..3_000);
    assert_eq!(part.ops, 2_000..3_000);
    assert_eq!(part.kinds.values().sum::<u64>(), 1_000);
}
