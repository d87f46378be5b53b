//! Unit tests of the host operations, called through the ops table exactly
//! as the kernel calls them.  None of them needs lkl.o.

use super::*;
use core::ffi::{c_ulong, c_void};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex as StdMutex;
use std::time::{Duration, Instant};

fn ops() -> &'static LklHostOperations {
    host_ops()
}

macro_rules! op {
    ($name:ident) => {
        ops().$name.expect(concat!(stringify!($name), " is set"))
    };
}

#[repr(C)]
struct SelftestExit {
    ops: *const LklHostOperations,
    reached: c_int,
    after: c_int,
}

extern "C" {
    fn lkl_posix_selftest_exit_thread(arg: *mut c_void);
    fn lkl_posix_selftest_jmp(ops: *const LklHostOperations) -> c_int;
}

fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    f()
}

#[test]
fn required_ops_set_and_unneeded_null() {
    let o = ops();
    assert!(o.virtio_devices.is_null());
    assert!(o.pci_ops.is_null());
    assert!(o.ioremap.is_none() && o.iomem_access.is_none());
    assert!(o.mmap.is_none() && o.munmap.is_none());
    assert!(o.shmem_init.is_none() && o.shmem_mmap.is_none());
    assert!(o.print.is_some() && o.panic.is_some());
    assert!(o.sem_alloc.is_some() && o.sem_free.is_some() && o.sem_up.is_some());
    assert!(o.sem_down.is_some() && o.mutex_alloc.is_some() && o.mutex_free.is_some());
    assert!(o.mutex_lock.is_some() && o.mutex_unlock.is_some());
    assert!(o.thread_create.is_some() && o.thread_detach.is_some() && o.thread_exit.is_some());
    assert!(o.thread_join.is_some() && o.thread_self.is_some() && o.thread_equal.is_some());
    assert!(o.thread_stack.is_some());
    assert!(o.tls_alloc.is_some() && o.tls_free.is_some());
    assert!(o.tls_set.is_some() && o.tls_get.is_some());
    assert!(o.mem_alloc.is_some() && o.mem_free.is_some());
    assert!(o.page_alloc.is_some() && o.page_free.is_some());
    assert!(o.time.is_some() && o.timer_alloc.is_some());
    assert!(o.timer_set_oneshot.is_some() && o.timer_free.is_some());
    assert!(o.jmp_buf_set.is_some() && o.jmp_buf_longjmp.is_some());
    assert!(o.memcpy.is_some() && o.memset.is_some() && o.memmove.is_some());
}

#[test]
fn semaphore_counts_and_blocks() {
    // SAFETY: plain allocation.
    let sem = unsafe { op!(sem_alloc)(2) } as usize;
    let s = sem as *mut lkl_sys::LklSem;
    // SAFETY: `s` is live until sem_free below.
    unsafe {
        op!(sem_down)(s);
        op!(sem_down)(s);
    }
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let d2 = done.clone();
    let waiter = std::thread::spawn(move || {
        // SAFETY: the semaphore outlives this thread (joined below).
        unsafe { op!(sem_down)(sem as *mut lkl_sys::LklSem) };
        d2.store(true, SeqCst);
    });
    std::thread::sleep(Duration::from_millis(50));
    assert!(!done.load(SeqCst), "down on a zero count must block");
    // SAFETY: live semaphore.
    unsafe { op!(sem_up)(s) };
    waiter.join().unwrap();
    assert!(done.load(SeqCst));
    // SAFETY: nobody uses it any more.
    unsafe { op!(sem_free)(s) };
}

#[test]
fn plain_mutex_excludes_and_unlocks_across_calls() {
    // SAFETY: plain allocation.
    let m = unsafe { op!(mutex_alloc)(0) } as usize;
    let mp = m as *mut lkl_sys::LklMutex;
    // SAFETY: live mutex.
    unsafe { op!(mutex_lock)(mp) };
    // SAFETY: live mutex, only inspected.
    let hm = unsafe { &*(m as *const sync::HostMutex) };
    let other = std::thread::spawn(move || {
        // SAFETY: the mutex outlives this thread.
        let hm = unsafe { &*(m as *const sync::HostMutex) };
        hm.try_lock()
    });
    assert!(!other.join().unwrap(), "locked mutex must not be acquired");
    // SAFETY: locked above.
    unsafe { op!(mutex_unlock)(mp) };
    assert!(hm.try_lock());
    // SAFETY: locked by try_lock.
    unsafe { hm.unlock() };

    // Mutual exclusion under contention.
    let counter = std::sync::Arc::new(AtomicUsize::new(0));
    let inside = std::sync::Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (c, i) = (counter.clone(), inside.clone());
            std::thread::spawn(move || {
                for _ in 0..2000 {
                    let mp = m as *mut lkl_sys::LklMutex;
                    // SAFETY: the mutex outlives the threads.
                    unsafe { op!(mutex_lock)(mp) };
                    assert_eq!(i.fetch_add(1, SeqCst), 0);
                    c.fetch_add(1, SeqCst);
                    i.fetch_sub(1, SeqCst);
                    // SAFETY: locked above by this thread.
                    unsafe { op!(mutex_unlock)(mp) };
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(counter.load(SeqCst), 8000);
    // SAFETY: unlocked and unused.
    unsafe { op!(mutex_free)(mp) };
}

#[test]
fn recursive_mutex_nests() {
    // SAFETY: plain allocation.
    let m = unsafe { op!(mutex_alloc)(1) } as usize;
    let mp = m as *mut lkl_sys::LklMutex;
    // SAFETY: live recursive mutex, locked twice by this thread.
    unsafe {
        op!(mutex_lock)(mp);
        op!(mutex_lock)(mp);
    }
    let try_other = move || {
        std::thread::spawn(move || {
            // SAFETY: the mutex outlives this thread.
            let hm = unsafe { &*(m as *const sync::HostMutex) };
            let got = hm.try_lock();
            if got {
                // SAFETY: just locked by this thread.
                unsafe { hm.unlock() };
            }
            got
        })
        .join()
        .unwrap()
    };
    assert!(!try_other());
    // SAFETY: held twice by this thread.
    unsafe { op!(mutex_unlock)(mp) };
    assert!(!try_other(), "still held once");
    // SAFETY: held once by this thread.
    unsafe { op!(mutex_unlock)(mp) };
    assert!(try_other());
    // SAFETY: unlocked and unused.
    unsafe { op!(mutex_free)(mp) };
}

static THREAD_RAN: AtomicI32 = AtomicI32::new(0);

unsafe extern "C" fn set_flag(arg: *mut c_void) {
    THREAD_RAN.store(arg as usize as i32, SeqCst);
}

#[test]
fn thread_create_join_self_equal() {
    // SAFETY: `set_flag` only stores its argument.
    let tid = unsafe { op!(thread_create)(Some(set_flag), 7usize as *mut c_void) };
    assert_ne!(tid, 0);
    // SAFETY: joinable thread, joined once.
    assert_eq!(unsafe { op!(thread_join)(tid) }, 0);
    assert_eq!(THREAD_RAN.load(SeqCst), 7);
    // SAFETY: the remaining calls have no preconditions.
    unsafe {
        let me = op!(thread_self)();
        assert_ne!(op!(thread_equal)(me, me), 0);
        assert_eq!(op!(thread_equal)(me, tid), 0);
        assert_eq!(op!(thread_create)(None, ptr::null_mut()), 0);
    }
}

#[test]
fn thread_exit_from_deep_c_frames() {
    let mut t = SelftestExit {
        ops: ops(),
        reached: 0,
        after: 0,
    };
    // SAFETY: the selftest thread only touches `t`, which outlives it (joined).
    let tid = unsafe {
        op!(thread_create)(
            Some(lkl_posix_selftest_exit_thread),
            (&mut t as *mut SelftestExit).cast(),
        )
    };
    assert_ne!(tid, 0);
    // SAFETY: joinable, joined once.
    assert_eq!(unsafe { op!(thread_join)(tid) }, 0);
    assert_eq!(t.reached, 1, "thread ran down to thread_exit");
    assert_eq!(t.after, 0, "nothing ran after thread_exit");
}

#[test]
fn many_threads_exit() {
    let tids: Vec<_> = (0..64)
        .map(|_| {
            let t = Box::leak(Box::new(SelftestExit {
                ops: ops(),
                reached: 0,
                after: 0,
            }));
            // SAFETY: `t` is leaked, so it outlives the thread.
            let tid = unsafe {
                op!(thread_create)(
                    Some(lkl_posix_selftest_exit_thread),
                    (t as *mut SelftestExit).cast(),
                )
            };
            assert_ne!(tid, 0);
            tid
        })
        .collect();
    for tid in tids {
        // SAFETY: joinable, joined once.
        assert_eq!(unsafe { op!(thread_join)(tid) }, 0);
    }
}

#[test]
fn jmp_buf_set_and_longjmp() {
    // SAFETY: the selftest uses only the ops table.
    assert_eq!(unsafe { lkl_posix_selftest_jmp(ops()) }, 1);
}

#[test]
fn thread_stack_contains_a_local() {
    let local = 0u8;
    let mut size: c_ulong = 0;
    // SAFETY: `size` is writable.
    let base = unsafe { op!(thread_stack)(&mut size) } as usize;
    assert!(base != 0 && size > 0);
    let a = &local as *const u8 as usize;
    assert!(
        a >= base && a < base + size as usize,
        "{a:#x} in {base:#x}+{size:#x}"
    );
}

static TLS_DTOR: StdMutex<Vec<usize>> = StdMutex::new(Vec::new());

unsafe extern "C" fn tls_dtor(data: *mut c_void) {
    TLS_DTOR.lock().unwrap().push(data as usize);
}

#[test]
fn tls_values_and_destructor() {
    // SAFETY: `tls_dtor` is a valid destructor.
    let key = unsafe { op!(tls_alloc)(Some(tls_dtor)) } as usize;
    assert_ne!(key, 0);
    let k = key as *mut lkl_sys::LklTlsKey;
    // SAFETY: live key.
    unsafe {
        assert!(op!(tls_get)(k).is_null());
        assert_eq!(op!(tls_set)(k, 0x10 as *mut c_void), 0);
        assert_eq!(op!(tls_get)(k) as usize, 0x10);
    }
    std::thread::spawn(move || {
        let k = key as *mut lkl_sys::LklTlsKey;
        // SAFETY: live key (freed after the join).
        unsafe {
            assert!(op!(tls_get)(k).is_null(), "per-thread");
            assert_eq!(op!(tls_set)(k, 0x1234 as *mut c_void), 0);
        }
    })
    .join()
    .unwrap();
    assert_eq!(*TLS_DTOR.lock().unwrap(), vec![0x1234]);
    // SAFETY: live key.
    unsafe {
        assert_eq!(op!(tls_set)(k, ptr::null_mut()), 0);
        op!(tls_free)(k);
    }
}

#[test]
fn time_is_monotonic_ns() {
    // SAFETY: no preconditions.
    let a = unsafe { op!(time)() };
    std::thread::sleep(Duration::from_millis(10));
    // SAFETY: no preconditions.
    let b = unsafe { op!(time)() };
    assert!(b - a >= 10_000_000, "{a} {b}");
    assert!(b - a < 5_000_000_000);
}

static FIRED_A: AtomicUsize = AtomicUsize::new(0);
static FIRED_B: AtomicUsize = AtomicUsize::new(0);
static FIRED_FREED: AtomicUsize = AtomicUsize::new(0);
static FIRED_RACY: AtomicUsize = AtomicUsize::new(0);
static ORDER: StdMutex<Vec<char>> = StdMutex::new(Vec::new());

unsafe extern "C" fn fire_a() {
    FIRED_A.fetch_add(1, SeqCst);
    ORDER.lock().unwrap().push('a');
}
unsafe extern "C" fn fire_b() {
    FIRED_B.fetch_add(1, SeqCst);
    ORDER.lock().unwrap().push('b');
}
unsafe extern "C" fn fire_freed() {
    FIRED_FREED.fetch_add(1, SeqCst);
}
unsafe extern "C" fn fire_racy() {
    FIRED_RACY.fetch_add(1, SeqCst);
}

#[test]
fn timers_fire_rearm_and_free() {
    // SAFETY: the callbacks only touch atomics/statics.
    unsafe {
        let a = op!(timer_alloc)(Some(fire_a));
        let b = op!(timer_alloc)(Some(fire_b));
        assert!(!a.is_null() && !b.is_null() && a != b);
        // Order by deadline, not by arming order.
        assert_eq!(op!(timer_set_oneshot)(a, 60_000_000), 0);
        assert_eq!(op!(timer_set_oneshot)(b, 20_000_000), 0);
        assert!(wait_until(Duration::from_secs(2), || FIRED_A.load(SeqCst) == 1));
        assert_eq!(FIRED_B.load(SeqCst), 1);
        assert_eq!(*ORDER.lock().unwrap(), vec!['b', 'a']);
        // One-shot: nothing more.
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!((FIRED_A.load(SeqCst), FIRED_B.load(SeqCst)), (1, 1));

        // Re-arming replaces the pending expiry (far -> near).
        assert_eq!(op!(timer_set_oneshot)(a, 10_000_000_000), 0);
        assert_eq!(op!(timer_set_oneshot)(a, 5_000_000), 0);
        assert!(wait_until(Duration::from_secs(2), || FIRED_A.load(SeqCst) == 2));
        // ... and near -> far.
        assert_eq!(op!(timer_set_oneshot)(a, 5_000_000), 0);
        assert_eq!(op!(timer_set_oneshot)(a, 10_000_000_000), 0);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(FIRED_A.load(SeqCst), 2);

        // Freed just as it expires: once timer_free returns, never called.
        let f = op!(timer_alloc)(Some(fire_racy));
        assert_eq!(op!(timer_set_oneshot)(f, 1_000), 0);
        op!(timer_free)(f);
        let after_free = FIRED_RACY.load(SeqCst);
        assert!(after_free <= 1);
        // Freed before its deadline: never called.
        let f2 = op!(timer_alloc)(Some(fire_freed));
        assert_eq!(op!(timer_set_oneshot)(f2, 30_000_000), 0);
        op!(timer_free)(f2);
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(
            FIRED_RACY.load(SeqCst),
            after_free,
            "no call after timer_free returned"
        );
        assert_eq!(FIRED_FREED.load(SeqCst), 0, "freed timer fired");
        assert_eq!(
            op!(timer_set_oneshot)(f2, 1),
            -libc::EINVAL,
            "stale handle rejected"
        );

        op!(timer_free)(a);
        op!(timer_free)(b);
    }
}

static SLOW_STARTED: AtomicBool = AtomicBool::new(false);
static SLOW_DONE: AtomicBool = AtomicBool::new(false);

unsafe extern "C" fn slow_callback() {
    SLOW_STARTED.store(true, SeqCst);
    std::thread::sleep(Duration::from_millis(100));
    SLOW_DONE.store(true, SeqCst);
}

#[test]
fn timer_free_waits_for_running_callback() {
    // SAFETY: the callback only touches atomics.
    unsafe {
        let t = op!(timer_alloc)(Some(slow_callback));
        assert_eq!(op!(timer_set_oneshot)(t, 1_000_000), 0);
        assert!(wait_until(Duration::from_secs(2), || SLOW_STARTED.load(SeqCst)));
        op!(timer_free)(t);
        assert!(SLOW_DONE.load(SeqCst), "timer_free returned while fn ran");
    }
}

#[test]
fn memory_ops() {
    // SAFETY: each block is used within its size and freed once.
    unsafe {
        let p = op!(page_alloc)(3 * 4096 + 1);
        assert!(!p.is_null());
        assert_eq!(p as usize % 4096, 0);
        let s = std::slice::from_raw_parts(p.cast::<u8>(), 3 * 4096 + 1);
        assert!(s.iter().all(|&b| b == 0));
        op!(memset)(p, 0xab, 100);
        let q = op!(mem_alloc)(100);
        assert!(!q.is_null());
        assert_eq!(op!(memcpy)(q, p, 100), q);
        assert_eq!(*q.cast::<u8>().add(99), 0xab);
        op!(memmove)(p.cast::<u8>().add(1).cast(), p, 100);
        assert_eq!(*p.cast::<u8>().add(100), 0xab);
        op!(mem_free)(q);
        op!(page_free)(p, 3 * 4096 + 1);
    }
}

#[test]
fn print_goes_to_boot_log() {
    set_log_echo(false);
    let msg = b"hello from the kernel\n";
    // SAFETY: `msg` is readable for its length.
    unsafe { op!(print)(msg.as_ptr().cast(), msg.len() as c_int) };
    // SAFETY: NULL / zero length print nothing.
    unsafe { op!(print)(ptr::null(), 5) };
    assert!(boot_log().contains("hello from the kernel"));
}
