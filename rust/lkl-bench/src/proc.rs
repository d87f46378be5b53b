//! This process and its children: memory and context switches as the
//! kernel counts them, and the child processes a figure is measured in
//! (a boot, a number of simulated nodes), which answer on one line of
//! `key=value` words.

use std::path::Path;
use std::process::Command;

/// A `kB` field of `/proc/self/status`: `VmRSS` (resident now) or `VmHWM`
/// (the peak).
pub fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status
        .lines()
        .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Host context switches of this process so far (all its threads).
pub fn context_switches() -> u64 {
    // SAFETY: getrusage fills the struct it is given.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    (ru.ru_nvcsw + ru.ru_nivcsw) as u64
}

/// What a child printed: `key=value` words.
#[derive(Debug)]
pub struct Answer(String);

impl Answer {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Result<u64, String> {
        self.0
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no {key}= in the child's answer {:?}", self.0))
    }
}

/// Runs `exe` with `args` to completion and returns its standard output;
/// a failure carries what it printed.
pub fn child(exe: &Path, args: &[String]) -> Result<Answer, String> {
    let out = Command::new(exe)
        .args(args)
        .output()
        .map_err(|e| format!("spawning {}: {e}", exe.display()))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "{} {} failed ({}): {}{}",
            exe.display(),
            args.join(" "),
            out.status,
            text,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(Answer(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_by_key() {
        let a = Answer("boot_ns=5 rss_kib=77\n".to_string());
        assert_eq!(a.get("boot_ns"), Ok(5));
        assert_eq!(a.get("rss_kib"), Ok(77));
        // A key is a whole word, not the end of a longer one.
        assert!(a.get("ns").is_err());
        assert!(a.get("hwm_kib").unwrap_err().contains("hwm_kib"));
    }

    #[test]
    fn status_fields_are_read_whole() {
        let rss = status_kib("VmRSS").expect("VmRSS");
        let hwm = status_kib("VmHWM").expect("VmHWM");
        assert!(rss > 0 && hwm >= rss, "{rss} {hwm}");
        assert_eq!(status_kib("Vm"), None);
    }
}
