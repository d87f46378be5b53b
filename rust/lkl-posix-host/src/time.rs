//! Time (`time`) and one-shot timers (`timer_*`).
//!
//! All timers share ONE host thread ("lkl-timer", started by the first
//! `timer_alloc`), which sleeps in `read` on a host timerfd set to the
//! earliest deadline of a sorted set and runs expired callbacks, one at a
//! time, with the lock released.  Arming a timer sets the timerfd when the
//! deadline is earlier than the one set: a system call, not a wakeup of the
//! timer thread.  The kernel re-arms its clock event at every idle entry
//! and exit; waking the thread each time cost two host context switches,
//! a third of those of a TCP transfer over loopback.

use core::ffi::{c_int, c_ulong, c_void};
use core::ptr;
use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use lkl_sys::LklVoidFn;
use parking_lot::{Condvar, Mutex, MutexGuard};

/// Host `CLOCK_MONOTONIC` in nanoseconds.
pub fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is writable; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// `time()`: host `CLOCK_MONOTONIC` in nanoseconds since its first
/// reading (during the boot), so that the kernel's `CLOCK_REALTIME`, the
/// `lkl.epoch` plus this clock, starts at the epoch.
///
/// # Safety
///
/// Always safe; unsafe only because it is an `extern "C"` host operation.
pub unsafe extern "C" fn time() -> u64 {
    static ORIGIN: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let origin = *ORIGIN.get_or_init(now_ns);
    now_ns() - origin
}

struct Timer {
    func: LklVoidFn,
    deadline: Option<u64>,
}

#[derive(Default)]
struct State {
    timers: HashMap<u64, Timer>,
    /// Armed timers, `(deadline, id)`, earliest first.
    queue: BTreeSet<(u64, u64)>,
    next_id: u64,
    /// The timer whose callback is running now (lock released).
    running: Option<u64>,
    thread_started: bool,
    /// The timer thread's timerfd, and the deadline it is set to.
    fd: c_int,
    set: Option<u64>,
}

impl State {
    /// Sets the timerfd to `deadline` (`None` disarms it).
    fn set_fd(&mut self, deadline: Option<u64>) {
        if self.set == deadline {
            return;
        }
        let ns = deadline.unwrap_or(0);
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: (ns / 1_000_000_000) as libc::time_t,
                tv_nsec: (ns % 1_000_000_000) as libc::c_long,
            },
        };
        // SAFETY: our timerfd and a valid itimerspec; the old value is not
        // asked for.  A deadline is an absolute CLOCK_MONOTONIC time, never
        // 0; 0 disarms.
        let ret = unsafe {
            libc::timerfd_settime(self.fd, libc::TFD_TIMER_ABSTIME, &spec, ptr::null_mut())
        };
        // It cannot fail for a valid fd and time; if it did, the thread
        // would not sleep on a stale setting: it reads again at once.
        self.set = if ret == 0 { deadline } else { None };
    }
}

struct Timers {
    state: Mutex<State>,
    /// Signalled after each callback returns (for `timer_free`).
    idle: Condvar,
}

static TIMERS: LazyLock<Timers> = LazyLock::new(|| Timers {
    state: Mutex::new(State {
        next_id: 1,
        fd: -1,
        ..State::default()
    }),
    idle: Condvar::new(),
});

thread_local! {
    static ON_TIMER_THREAD: Cell<bool> = const { Cell::new(false) };
}

fn timer_thread() {
    ON_TIMER_THREAD.with(|t| t.set(true));
    let t = &*TIMERS;
    let mut st = t.state.lock();
    loop {
        let now = now_ns();
        match st.queue.first().copied() {
            Some((deadline, id)) if deadline <= now => {
                st.queue.remove(&(deadline, id));
                let timer = st.timers.get_mut(&id).expect("queued timer is allocated");
                timer.deadline = None;
                let func = timer.func;
                st.running = Some(id);
                MutexGuard::unlocked(&mut st, || {
                    // SAFETY: the kernel's timer callback, called while the
                    // timer is allocated (timer_free waits for us).
                    unsafe { func() }
                });
                st.running = None;
                t.idle.notify_all();
            }
            next => {
                st.set_fd(next.map(|(deadline, _)| deadline));
                let fd = st.fd;
                MutexGuard::unlocked(&mut st, || {
                    let mut expirations = 0u64;
                    // SAFETY: reads the 8-byte expiration count into a
                    // u64.  It returns when the deadline set (maybe reset
                    // meanwhile) has passed; EINTR is a spurious wakeup.
                    unsafe { libc::read(fd, ptr::addr_of_mut!(expirations).cast(), 8) };
                });
                // Expired, hence disarmed (or interrupted: set it again).
                st.set = None;
            }
        }
    }
}

fn id_of(timer: *mut c_void) -> u64 {
    timer as usize as u64
}

/// `timer_alloc(fn)`: creates a disarmed one-shot timer whose callback
/// `fn()` will run on the shared timer thread.  Returns an opaque handle
/// (never dereferenced; stale handles are detected), or NULL if `fn` is NULL
/// or the timer thread cannot be started.
///
/// # Safety
///
/// `func` must be safe to call from the timer thread.
pub unsafe extern "C" fn timer_alloc(func: Option<LklVoidFn>) -> *mut c_void {
    let Some(func) = func else {
        return ptr::null_mut();
    };
    let t = &*TIMERS;
    let mut st = t.state.lock();
    if !st.thread_started {
        // SAFETY: creates a descriptor; no pointer is passed.
        let fd = unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_CLOEXEC) };
        if fd < 0 {
            return ptr::null_mut();
        }
        let spawned = std::thread::Builder::new()
            .name("lkl-timer".into())
            .spawn(timer_thread);
        if spawned.is_err() {
            // SAFETY: the descriptor just made, used by no one.
            unsafe { libc::close(fd) };
            return ptr::null_mut();
        }
        st.fd = fd;
        st.thread_started = true;
    }
    let id = st.next_id;
    st.next_id += 1;
    st.timers.insert(
        id,
        Timer {
            func,
            deadline: None,
        },
    );
    id as usize as *mut c_void
}

/// `timer_set_oneshot(timer, delta)`: (re)arms `timer` to fire once, `delta`
/// nanoseconds from now, replacing any pending expiry.  Returns 0, or
/// `-EINVAL` for an unknown (e.g. freed) timer.
///
/// # Safety
///
/// Always safe (handles are validated); unsafe only because it is an
/// `extern "C"` host operation.
pub unsafe extern "C" fn timer_set_oneshot(timer: *mut c_void, delta: c_ulong) -> c_int {
    let id = id_of(timer);
    let t = &*TIMERS;
    let mut st = t.state.lock();
    let deadline = now_ns().saturating_add(delta);
    let State { timers, queue, .. } = &mut *st;
    let Some(timer) = timers.get_mut(&id) else {
        return -libc::EINVAL;
    };
    if let Some(old) = timer.deadline.replace(deadline) {
        queue.remove(&(old, id));
    }
    queue.insert((deadline, id));
    // A later deadline than the one set waits for the thread to wake at
    // the earlier one and set the timerfd again.
    if queue.first() == Some(&(deadline, id)) && st.set.is_none_or(|set| deadline < set) {
        st.set_fd(Some(deadline));
    }
    0
}

/// `timer_free(timer)`: disarms and frees `timer`.  Once it returns, the
/// callback is neither running (it waits for a callback in progress, unless
/// called from that very callback) nor will it ever be called again, even if
/// the timer was about to expire.  Unknown handles are ignored.
///
/// # Safety
///
/// Always safe (handles are validated); unsafe only because it is an
/// `extern "C"` host operation.
pub unsafe extern "C" fn timer_free(timer: *mut c_void) {
    let id = id_of(timer);
    let t = &*TIMERS;
    let mut st = t.state.lock();
    if let Some(Timer {
        deadline: Some(d), ..
    }) = st.timers.remove(&id)
    {
        st.queue.remove(&(d, id));
    }
    if !ON_TIMER_THREAD.with(Cell::get) {
        while st.running == Some(id) {
            t.idle.wait(&mut st);
        }
    }
}

/// Number of allocated timers (for tests).
pub fn allocated_timers() -> usize {
    TIMERS.state.lock().timers.len()
}
