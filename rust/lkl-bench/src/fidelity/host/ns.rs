//! Network namespaces held by a file descriptor only, and the threads that
//! run inside them.
//!
//! A namespace is made by a thread of its own that calls
//! `unshare(CLONE_NEWNET)`, opens `/proc/thread-self/ns/net`, does its
//! set-up (the TAP device is born there) and exits.  From then on only the
//! [`Netns`] fd (and the sockets and devices made in it) keep the namespace
//! alive: it is never bind-mounted (nothing in `ip netns list`), no thread
//! stays in it, and it vanishes when the fd and its sockets are closed,
//! whatever way the program leaves.  Code runs in it on a thread that
//! `setns`es first.

use std::any::Any;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::thread::{self, Scope, ScopedJoinHandle};

/// `what` and the last OS error.
pub(super) fn os_err(what: &str) -> String {
    format!("{what}: {}", io::Error::last_os_error())
}

/// A network namespace, alive as long as this fd (and what was made in
/// it) is.
#[derive(Debug)]
pub(super) struct Netns {
    fd: OwnedFd,
}

impl Netns {
    /// A new namespace, made by a thread of its own which then runs `init`
    /// inside it and exits; `init`'s result comes back with the namespace.
    /// On an error the namespace is gone already.
    pub fn create<T: Send>(
        label: &str,
        init: impl FnOnce() -> Result<T, String> + Send,
    ) -> Result<(Netns, T), String> {
        in_thread(label, move || {
            // SAFETY: unshare takes no pointers; CLONE_NEWNET moves only
            // this thread (which exits at the end of the closure) into a
            // new network namespace.
            if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
                return Err(os_err(
                    "unshare(CLONE_NEWNET) (network namespaces not permitted here)",
                ));
            }
            let fd = File::open("/proc/thread-self/ns/net")
                .map_err(|e| format!("opening /proc/thread-self/ns/net: {e}"))?;
            let ns = Netns { fd: fd.into() };
            let t = init()?;
            Ok((ns, t))
        })
    }

    /// Moves the calling thread into this namespace.
    pub fn enter(&self) -> Result<(), String> {
        // SAFETY: the fd is a valid, open network namespace fd owned by
        // self; setns only changes the calling thread's namespace.
        if unsafe { libc::setns(self.fd.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            return Err(os_err("setns(CLONE_NEWNET)"));
        }
        Ok(())
    }

    /// Runs `f` on a thread of its own inside this namespace.
    pub fn run<T: Send>(
        &self,
        label: &str,
        f: impl FnOnce() -> Result<T, String> + Send,
    ) -> Result<T, String> {
        in_thread(label, || {
            self.enter()?;
            f()
        })
    }

    /// Starts `f` on a thread of `scope` inside this namespace; see
    /// [`join`].
    pub fn spawn<'scope, 'env, T: Send + 'scope>(
        &'env self,
        scope: &'scope Scope<'scope, 'env>,
        label: &str,
        f: impl FnOnce() -> Result<T, String> + Send + 'scope,
    ) -> Result<ScopedJoinHandle<'scope, Result<T, String>>, String> {
        thread::Builder::new()
            .name(label.into())
            .spawn_scoped(scope, move || {
                self.enter()?;
                f()
            })
            .map_err(|e| format!("spawning thread {label}: {e}"))
    }
}

/// Runs `f` on a thread of its own and waits for it; a panic becomes an
/// `Err`.
pub(super) fn in_thread<T: Send>(
    label: &str,
    f: impl FnOnce() -> Result<T, String> + Send,
) -> Result<T, String> {
    thread::scope(|s| {
        let h = thread::Builder::new()
            .name(label.into())
            .spawn_scoped(s, f)
            .map_err(|e| format!("spawning thread {label}: {e}"))?;
        join(h, label)
    })
}

/// Waits for a thread of [`Netns::spawn`]; a panic becomes an `Err`.
pub(super) fn join<T>(
    h: ScopedJoinHandle<'_, Result<T, String>>,
    label: &str,
) -> Result<T, String> {
    h.join()
        .unwrap_or_else(|p| Err(format!("thread {label} panicked: {}", panic_text(&p))))
}

/// The message of a panic payload.
pub(super) fn panic_text(p: &Box<dyn Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".into()
    }
}

/// Writes `value` to sysctl `name` (`net.ipv4.tcp_rmem`) of the calling
/// thread's network namespace.
pub(super) fn sysctl(name: &str, value: &str) -> Result<(), String> {
    try_sysctl(name, value).map_err(|e| sysctl_error(name, value, &e))
}

/// [`sysctl`], with the error as the kernel gave it.
pub(super) fn try_sysctl(name: &str, value: &str) -> io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(sysctl_path(name))
        .and_then(|mut f| io::Write::write_all(&mut f, value.as_bytes()))
}

/// The message of a failed [`try_sysctl`].
pub(super) fn sysctl_error(name: &str, value: &str, e: &io::Error) -> String {
    format!("writing {value:?} to {}: {e}", sysctl_path(name))
}

fn sysctl_path(name: &str) -> String {
    format!("/proc/sys/{}", name.replace('.', "/"))
}

/// Reads sysctl `name` of the calling thread's network namespace.
pub(super) fn sysctl_get(name: &str) -> Result<String, String> {
    let path = sysctl_path(name);
    std::fs::read_to_string(&path)
        .map(|s| s.trim().to_owned())
        .map_err(|e| format!("reading {path}: {e}"))
}

/// The counters of device `dev` in `/proc/net/dev` of the calling thread's
/// namespace: receive then transmit (bytes, packets, errs, drop, ...).
pub(super) fn dev_counters(dev: &str) -> Result<Vec<u64>, String> {
    let text = std::fs::read_to_string("/proc/thread-self/net/dev")
        .map_err(|e| format!("reading /proc/thread-self/net/dev: {e}"))?;
    let line = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix(dev)?.strip_prefix(':'))
        .ok_or_else(|| format!("no device {dev} in /proc/net/dev"))?;
    Ok(line
        .split_whitespace()
        .map(|w| w.parse().unwrap_or(0))
        .collect())
}

/// A counter of `/proc/thread-self/net/snmp` (`"Udp"`, `"RcvbufErrors"`)
/// of the calling thread's namespace.
pub(super) fn snmp(group: &str, field: &str) -> Result<u64, String> {
    let text = std::fs::read_to_string("/proc/thread-self/net/snmp")
        .map_err(|e| format!("reading /proc/thread-self/net/snmp: {e}"))?;
    let prefix = format!("{group}:");
    let mut lines = text.lines().filter(|l| l.starts_with(&prefix));
    let (names, values) = (lines.next(), lines.next());
    let (Some(names), Some(values)) = (names, values) else {
        return Err(format!("no {group} in /proc/net/snmp"));
    };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .find(|(n, _)| *n == field)
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| format!("no {group} {field} in /proc/net/snmp"))
}
