//! Semaphores and mutexes (`sem_*`, `mutex_*`).

use lkl_sys::{LklMutex, LklSem};
use parking_lot::lock_api::{RawMutex as _, RawReentrantMutex};
use parking_lot::{Condvar, Mutex, RawMutex, RawThreadId};

/// A counting semaphore built on a mutex and a condition variable.
pub struct Semaphore {
    count: Mutex<i64>,
    cv: Condvar,
}

impl Semaphore {
    /// A semaphore with `count` initial units.
    pub fn new(count: i64) -> Self {
        Self {
            count: Mutex::new(count),
            cv: Condvar::new(),
        }
    }

    /// Adds one unit and wakes one waiter.
    pub fn up(&self) {
        let mut c = self.count.lock();
        *c += 1;
        self.cv.notify_one();
    }

    /// Waits until the count is positive, then takes one unit.
    pub fn down(&self) {
        let mut c = self.count.lock();
        while *c <= 0 {
            self.cv.wait(&mut c);
        }
        *c -= 1;
    }

    /// Current count (for tests and diagnostics).
    pub fn count(&self) -> i64 {
        *self.count.lock()
    }
}

/// A host mutex whose lock and unlock are separate calls (no guard), as the
/// kernel needs.  Non-recursive: a raw `parking_lot` mutex (no owner, so it
/// may even be unlocked by another thread).  Recursive: the owner thread may
/// lock it again; it is released after as many unlocks.
pub enum HostMutex {
    /// Plain mutex.
    Plain(RawMutex),
    /// Recursive mutex (owner + count).
    Recursive(RawReentrantMutex<RawMutex, RawThreadId>),
}

impl HostMutex {
    /// A new unlocked mutex.
    pub fn new(recursive: bool) -> Self {
        if recursive {
            Self::Recursive(RawReentrantMutex::INIT)
        } else {
            Self::Plain(RawMutex::INIT)
        }
    }

    /// Blocks until the mutex is ours.
    pub fn lock(&self) {
        match self {
            Self::Plain(m) => m.lock(),
            Self::Recursive(m) => m.lock(),
        }
    }

    /// Tries to lock without blocking.
    pub fn try_lock(&self) -> bool {
        match self {
            Self::Plain(m) => m.try_lock(),
            Self::Recursive(m) => m.try_lock(),
        }
    }

    /// Releases one level of locking.
    ///
    /// # Safety
    ///
    /// The mutex must be locked; a recursive one by the calling thread.
    pub unsafe fn unlock(&self) {
        match self {
            // SAFETY: the caller guarantees the mutex is locked.
            Self::Plain(m) => unsafe { m.unlock() },
            // SAFETY: the caller guarantees this thread holds it.
            Self::Recursive(m) => unsafe { m.unlock() },
        }
    }
}

/// `sem_alloc(count)`: allocates a [`Semaphore`] with `count` units.
///
/// # Safety
///
/// Always safe; unsafe only because it is an `extern "C"` host operation.
pub unsafe extern "C" fn sem_alloc(count: i32) -> *mut LklSem {
    Box::into_raw(Box::new(Semaphore::new(i64::from(count)))).cast()
}

/// `sem_free(sem)`: frees a semaphore nobody waits on any more.
///
/// # Safety
///
/// `sem` must come from [`sem_alloc`] and not be used afterwards.
pub unsafe extern "C" fn sem_free(sem: *mut LklSem) {
    if !sem.is_null() {
        // SAFETY: allocated by sem_alloc as a Box<Semaphore>; freed once.
        drop(unsafe { Box::from_raw(sem.cast::<Semaphore>()) });
    }
}

/// `sem_up(sem)`: increments the count, waking one waiter.
///
/// # Safety
///
/// `sem` must be a live semaphore from [`sem_alloc`].
pub unsafe extern "C" fn sem_up(sem: *mut LklSem) {
    // SAFETY: the caller passes a live Semaphore.
    unsafe { &*sem.cast::<Semaphore>() }.up();
}

/// `sem_down(sem)`: waits until the count is positive, then decrements it.
///
/// # Safety
///
/// `sem` must be a live semaphore from [`sem_alloc`].
pub unsafe extern "C" fn sem_down(sem: *mut LklSem) {
    // SAFETY: the caller passes a live Semaphore.
    unsafe { &*sem.cast::<Semaphore>() }.down();
}

/// `mutex_alloc(recursive)`: allocates an unlocked [`HostMutex`],
/// recursive if `recursive` is non-zero.
///
/// # Safety
///
/// Always safe; unsafe only because it is an `extern "C"` host operation.
pub unsafe extern "C" fn mutex_alloc(recursive: i32) -> *mut LklMutex {
    Box::into_raw(Box::new(HostMutex::new(recursive != 0))).cast()
}

/// `mutex_free(mutex)`: frees an unlocked mutex.
///
/// # Safety
///
/// `mutex` must come from [`mutex_alloc`] and not be used afterwards.
pub unsafe extern "C" fn mutex_free(mutex: *mut LklMutex) {
    if !mutex.is_null() {
        // SAFETY: allocated by mutex_alloc as a Box<HostMutex>; freed once.
        drop(unsafe { Box::from_raw(mutex.cast::<HostMutex>()) });
    }
}

/// `mutex_lock(mutex)`: blocks until the calling thread holds the mutex
/// (again, for a recursive one it already holds).
///
/// # Safety
///
/// `mutex` must be a live mutex from [`mutex_alloc`].
pub unsafe extern "C" fn mutex_lock(mutex: *mut LklMutex) {
    // SAFETY: the caller passes a live HostMutex.
    unsafe { &*mutex.cast::<HostMutex>() }.lock();
}

/// `mutex_unlock(mutex)`: releases one level of locking.
///
/// # Safety
///
/// `mutex` must be a live, locked mutex from [`mutex_alloc`] (held by the
/// calling thread if recursive).
pub unsafe extern "C" fn mutex_unlock(mutex: *mut LklMutex) {
    // SAFETY: the caller passes a live HostMutex that is locked.
    unsafe { (*mutex.cast::<HostMutex>()).unlock() };
}
