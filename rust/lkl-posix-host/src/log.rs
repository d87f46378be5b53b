//! Console output (`print`), `panic`, and the process-wide log sink.
//!
//! Everything the kernel prints goes to a capture buffer (read it with
//! [`boot_log`]) and, unless [`set_log_echo`]`(false)`, to stderr.

use core::ffi::{c_char, c_int};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The capture buffer stops growing at this size (a marker is appended).
pub const LOG_CAPACITY: usize = 16 << 20;

static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static ECHO: AtomicBool = AtomicBool::new(true);

/// Whether kernel output is also written to stderr (default: yes).
pub fn set_log_echo(on: bool) {
    ECHO.store(on, Ordering::Relaxed);
}

/// Everything printed so far (lossy UTF-8).
pub fn boot_log() -> String {
    let log = LOG.lock().unwrap_or_else(|e| e.into_inner());
    String::from_utf8_lossy(&log).into_owned()
}

/// Appends to the log sink (and echoes to stderr if enabled).
pub fn log_bytes(bytes: &[u8]) {
    if ECHO.load(Ordering::Relaxed) {
        let _ = std::io::stderr().lock().write_all(bytes);
    }
    let mut log = LOG.lock().unwrap_or_else(|e| e.into_inner());
    if log.len() < LOG_CAPACITY {
        let room = LOG_CAPACITY - log.len();
        log.extend_from_slice(&bytes[..bytes.len().min(room)]);
        if bytes.len() > room {
            log.extend_from_slice(b"\n[lkl-posix-host: log capture full]\n");
        }
    }
}

/// `print(str, len)`: appends `len` bytes at `str` to the log sink.
///
/// # Safety
///
/// `str` must be readable for `len` bytes (NULL or `len <= 0` prints nothing).
pub unsafe extern "C" fn print(str: *const c_char, len: c_int) {
    if str.is_null() || len <= 0 {
        return;
    }
    // SAFETY: readable for `len` bytes per the caller's contract.
    let bytes = unsafe { std::slice::from_raw_parts(str.cast::<u8>(), len as usize) };
    log_bytes(bytes);
}

/// `panic()`: prints a message (plus the tail of the captured log if it was
/// not echoed) to stderr and aborts the process.
///
/// # Safety
///
/// Always safe; unsafe only because it is an `extern "C"` host operation.
pub unsafe extern "C" fn panic() {
    let mut err = std::io::stderr().lock();
    if !ECHO.load(Ordering::Relaxed) {
        if let Ok(log) = LOG.try_lock() {
            let tail = &log[log.len().saturating_sub(16 << 10)..];
            let _ = err.write_all(b"---- last kernel output ----\n");
            let _ = err.write_all(tail);
        }
    }
    let _ = err.write_all(b"\nlkl-posix-host: the kernel panicked; aborting\n");
    std::process::abort();
}
