//! Helpers shared by the integration test binaries of lkl.o.
//!
//! * `tests/kernel.rs`: boots the kernel once per process (lazily, so every
//!   trial also works alone, e.g. under nextest) and runs the trials in
//!   order, on the main thread; `halt` is last.
//! * `tests/preboot.rs`: checks that never boot (bad `lkl_init` input,
//!   syscalls before the boot), hence a separate process.
//!
//! Kernel output is captured, not echoed; set `LKL_TEST_VERBOSE=1` to see it.
//! A watchdog ends the process (exit code 101, with the kernel log tail) if
//! one trial runs longer than `LKL_TEST_TIMEOUT` seconds (default 60), so a
//! hung kernel cannot hang CI.

use std::process::ExitCode;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub use libtest_mimic::{Arguments, Failed, Trial};
use lkl_sys::Errno;

/// Kernel command line of the tests.
pub const CMDLINE: &str = "mem=32M loglevel=8 lkl.epoch=1000000000";

/// Whether `LKL_TEST_VERBOSE=1` (echo kernel output to stderr).
pub fn verbose() -> bool {
    std::env::var_os("LKL_TEST_VERBOSE").is_some_and(|v| v == "1")
}

/// The trial running now and since when (for the watchdog).
static CURRENT: Mutex<Option<(String, Instant)>> = Mutex::new(None);

fn trial_timeout() -> Duration {
    let secs = std::env::var("LKL_TEST_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

fn start_watchdog() {
    let limit = trial_timeout();
    std::thread::Builder::new()
        .name("lkl-test-watchdog".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_millis(500));
            let cur = CURRENT.lock().unwrap_or_else(|e| e.into_inner()).clone();
            if let Some((name, since)) = cur {
                if since.elapsed() > limit {
                    eprintln!("\n\ntrial {name} did not finish within {limit:?}: giving up");
                    eprintln!("{}", log_tail(60));
                    std::process::exit(101);
                }
            }
        })
        .expect("spawn the watchdog thread");
}

/// A trial watched by the watchdog.
/// A trial also fails if the kernel logged a bug report (a warning, BUG,
/// oops, stall: [`lkl_sys::log`]) while it ran: kernel warnings are bugs.
pub fn trial(name: &'static str, f: fn() -> Result<(), Failed>) -> Trial {
    Trial::test(name, move || {
        *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((name.to_string(), Instant::now()));
        let before = lkl_posix_host::boot_log().len();
        let r = f();
        *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = None;
        r.and_then(|()| kernel_warnings_since(before))
    })
}

/// `Err` naming the first bug report ([`lkl_sys::log`]) the kernel
/// printed after the first `from` bytes of its log.
pub fn kernel_warnings_since(from: usize) -> Result<(), Failed> {
    let log = lkl_posix_host::boot_log();
    let new = log.get(from..).unwrap_or("");
    match new
        .lines()
        .find(|l| lkl_sys::log::alarm_in(l.as_bytes()).is_some())
    {
        Some(l) => Err(format!("the kernel logged: {l}\n{}", log_tail(60)).into()),
        None => Ok(()),
    }
}

/// Sets up logging and the watchdog and runs `trials` sequentially, in the
/// given order, on the main thread.
pub fn run(trials: Vec<Trial>) -> ExitCode {
    lkl_posix_host::set_log_echo(verbose());
    start_watchdog();
    let mut args = Arguments::from_args();
    // One kernel per process, trials in order: never in parallel.
    args.test_threads = Some(1);
    libtest_mimic::run(&args, trials).exit_code()
}

static BOOT: OnceLock<Result<Duration, String>> = OnceLock::new();

/// Boots the kernel on first use (`lkl_start_kernel(CMDLINE)`).
pub fn ensure_booted() -> Result<Duration, Failed> {
    BOOT.get_or_init(|| {
        let start = Instant::now();
        lkl_posix_host::boot(CMDLINE)
            .map(|()| start.elapsed())
            .map_err(|e| format!("boot failed: {e}\n{}", log_tail(60)))
    })
    .clone()
    .map_err(Failed::from)
}

/// The last `lines` lines of the captured kernel log.
pub fn log_tail(lines: usize) -> String {
    let log = lkl_posix_host::boot_log();
    let v: Vec<&str> = log.lines().collect();
    let tail = v[v.len().saturating_sub(lines)..].join("\n");
    format!("---- last {lines} lines of kernel output ----\n{tail}")
}

/// Adds context to a syscall result.
pub trait Ctx<T> {
    /// `Err(e)` becomes a failure "`what`: e".
    fn ctx(self, what: &str) -> Result<T, Failed>;
}

impl<T> Ctx<T> for Result<T, Errno> {
    fn ctx(self, what: &str) -> Result<T, Failed> {
        self.map_err(|e| Failed::from(format!("{what}: {e}")))
    }
}

/// Fails the trial unless the condition holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err($crate::Failed::from(format!($($fmt)+)));
        }
    };
}

/// Fails the trial unless both sides are equal.
#[macro_export]
macro_rules! ensure_eq {
    ($left:expr, $right:expr $(,)?) => {
        $crate::ensure_eq!($left, $right, "")
    };
    ($left:expr, $right:expr, $($fmt:tt)+) => {{
        let (l, r) = (&$left, &$right);
        if l != r {
            return Err($crate::Failed::from(format!(
                "{} == {} failed: {:?} != {:?} {}",
                stringify!($left),
                stringify!($right),
                l,
                r,
                format!($($fmt)+)
            )));
        }
    }};
}

/// Polls `f` every 10 ms until it is true or `limit` has passed.
pub fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The C host library (`tools/lkl/lib`, `liblkl-util.a` for C programs),
/// compiled into the test binaries by `build.rs`.
pub mod c_util {
    use std::ffi::{c_char, c_int};

    extern "C" {
        /// `lkl_sysctl(name, value)` of `tools/lkl/lib/sysctl.c`.
        pub fn lkl_sysctl(name: *const c_char, value: *const c_char) -> c_int;
        /// `lkl_sysctl_get(name, buf, size)` of `tools/lkl/lib/sysctl.c`.
        pub fn lkl_sysctl_get(name: *const c_char, buf: *mut c_char, size: c_int) -> c_int;
    }
}

/// The system call numbers of the installed headers (`out/include`), as a
/// C program sees them after `#include <lkl.h>`.
#[derive(Debug, Default)]
pub struct HeaderSyscalls {
    /// `__lkl__NR_<name>`: advertised, built.
    pub built: std::collections::BTreeMap<String, i64>,
    /// `LKL_NR_<name>_UNBUILT`: not built.
    pub unbuilt: std::collections::BTreeMap<String, i64>,
}

/// Reads [`HeaderSyscalls`] with the C preprocessor (`$CC`, else `cc`):
/// the macros `cc -E -dM` reports for `#include <lkl.h>`, next to libc's
/// headers as a program includes it.
pub fn header_syscalls() -> Result<HeaderSyscalls, String> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let mut child = Command::new(&cc)
        .args(["-E", "-dM", "-x", "c", "-I", env!("LKL_INCLUDE_DIR"), "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {cc}: {e}"))?;
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(b"#include <stdio.h>\n#include <lkl.h>\n")
        .map_err(|e| format!("{cc}: {e}"))?;
    let out = child.wait_with_output().map_err(|e| format!("{cc}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cc} -E -dM <lkl.h> failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let macros: std::collections::BTreeMap<&str, &str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .filter_map(|l| l.split_once(' '))
        .collect();
    let mut calls = HeaderSyscalls::default();
    for &name in macros.keys() {
        let (map, call) = if let Some(call) = name.strip_prefix("__lkl__NR_") {
            (&mut calls.built, call)
        } else if let Some(call) = name
            .strip_prefix("LKL_NR_")
            .and_then(|n| n.strip_suffix("_UNBUILT"))
        {
            (&mut calls.unbuilt, call)
        } else {
            continue;
        };
        let nr = macro_value(name, &macros, 0).ok_or(format!("cannot evaluate {name}"))?;
        map.insert(call.to_string(), nr);
    }
    Ok(calls)
}

/// The value of the object-like macro `name` in `macros`: an integer,
/// another macro, or `(A + B)` of those.
fn macro_value(
    name: &str,
    macros: &std::collections::BTreeMap<&str, &str>,
    depth: u32,
) -> Option<i64> {
    let expr = macros.get(name)?.trim();
    expr_value(expr, macros, depth + 1)
}

fn expr_value(
    expr: &str,
    macros: &std::collections::BTreeMap<&str, &str>,
    depth: u32,
) -> Option<i64> {
    if depth > 16 {
        return None;
    }
    let expr = expr.trim();
    if let Some(inner) = expr.strip_prefix('(').and_then(|e| e.strip_suffix(')')) {
        return expr_value(inner, macros, depth + 1);
    }
    if let Some((a, b)) = expr.split_once('+') {
        return Some(expr_value(a, macros, depth + 1)? + expr_value(b, macros, depth + 1)?);
    }
    expr.parse()
        .ok()
        .or_else(|| macro_value(expr, macros, depth))
}
