//! What in a kernel log is a bug report.
//!
//! One list, `tools/kernel-log-alarms` (fixed strings, one per line), read
//! here and by the Makefile's `grep -F -f`: warnings, BUGs, oopses,
//! panics, hung tasks, RCU stalls and lockdep reports.  Every test that
//! boots a kernel fails on a line holding one of them unless it expects it.

/// The alarm strings, one per line.
pub const ALARMS: &str = include_str!("../../../tools/kernel-log-alarms");

/// The first alarm `line` holds, if any.
pub fn alarm_in(line: &[u8]) -> Option<&'static str> {
    ALARMS.lines().filter(|a| !a.is_empty()).find(|a| {
        let a = a.as_bytes();
        line.windows(a.len()).any(|w| w == a)
    })
}

/// The first line of `log` that holds an alarm.
pub fn first_alarm(log: &[u8]) -> Option<&[u8]> {
    log.split(|&b| b == b'\n').find(|l| alarm_in(l).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarms() {
        assert_eq!(
            alarm_in(b"[ 1.0] WARNING: CPU: 0 PID: 1 at x.c:1"),
            Some("WARNING:")
        );
        assert_eq!(
            alarm_in(b"rcu: INFO: rcu_sched self-detected stall on CPU"),
            Some("rcu: INFO:")
        );
        assert_eq!(alarm_in(b"Oops: general protection fault"), Some("Oops"));
        assert_eq!(alarm_in(b"lkl: time and timers initialized (irq1)"), None);
        assert_eq!(
            first_alarm(b"a\nb\nINFO: task kworker blocked for more than 120 seconds\n"),
            Some(&b"INFO: task kworker blocked for more than 120 seconds"[..])
        );
        assert_eq!(first_alarm(b"Linux version 6.12\n"), None);
        assert!(ALARMS
            .lines()
            .all(|a| !a.trim().is_empty() && a.trim() == a));
    }
}
