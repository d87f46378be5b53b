//! Host semaphores and mutexes over green threads: a counter and a FIFO
//! of waiting threads.
//!
//! All of a node's green threads run on one OS thread, one at a time, so
//! there is nothing atomic to do: `sem_down` on an empty semaphore queues
//! the running thread and [`blocks`](crate::thread::block) it; `sem_up`
//! hands the unit straight to the first waiter and makes it runnable.  The
//! base (the DCE context that entered the library) never waits: the kernel
//! asking it to is a fatal error for the node.

use crate::node;
use crate::thread::{self, Gt};
use core::cell::Cell;
use core::ffi::c_int;
use core::mem::size_of;
use core::ptr;
use lkl_sys::{LklMutex, LklSem, LklThread};

struct Sem {
    count: Cell<c_int>,
    head: Cell<*mut Gt>,
    tail: Cell<*mut Gt>,
}

impl Sem {
    const fn new(count: c_int) -> Self {
        Sem {
            count: Cell::new(count),
            head: Cell::new(ptr::null_mut()),
            tail: Cell::new(ptr::null_mut()),
        }
    }

    fn up(&self) {
        let w = self.head.get();
        if w.is_null() {
            self.count.set(self.count.get() + 1);
            return;
        }
        // SAFETY: waiters stay queued only while their thread is blocked
        // here, so the head is a live thread.
        let g = unsafe { &*w };
        self.head.set(g.wait_next.get());
        if self.head.get().is_null() {
            self.tail.set(ptr::null_mut());
        }
        g.woken.set(true);
        thread::wake(w);
    }

    fn down(&self) {
        if self.count.get() > 0 {
            self.count.set(self.count.get() - 1);
            return;
        }
        let me = thread::current();
        if me.is_null() {
            node::fatal(b"lkl-dce: BUG: the kernel tried to block outside a kernel thread\n");
        }
        // SAFETY: the running thread is live.
        let g = unsafe { &*me };
        g.woken.set(false);
        g.wait_next.set(ptr::null_mut());
        let tail = self.tail.get();
        if tail.is_null() {
            self.head.set(me);
        } else {
            // SAFETY: queued waiters are live.
            unsafe { (*tail).wait_next.set(me) };
        }
        self.tail.set(me);
        while !g.woken.get() {
            thread::block();
        }
    }
}

struct Mutex {
    sem: Sem,
    recursive: bool,
    owner: Cell<LklThread>,
    depth: Cell<u32>,
}

fn alloc<T>(value: T) -> *mut T {
    let p = node::dce().malloc(size_of::<T>()) as *mut T;
    if !p.is_null() {
        // SAFETY: a fresh block of the right size; T is 8-byte aligned at
        // most (Cells of ints and pointers), which DCE's malloc gives.
        unsafe { p.write(value) };
    }
    p
}

pub unsafe extern "C" fn sem_alloc(count: c_int) -> *mut LklSem {
    alloc(Sem::new(count)).cast()
}

pub unsafe extern "C" fn sem_free(sem: *mut LklSem) {
    node::dce().free(sem.cast())
}

pub unsafe extern "C" fn sem_up(sem: *mut LklSem) {
    // SAFETY: the kernel passes a semaphore from sem_alloc.
    unsafe { &*(sem as *const Sem) }.up()
}

pub unsafe extern "C" fn sem_down(sem: *mut LklSem) {
    // SAFETY: the kernel passes a semaphore from sem_alloc.
    unsafe { &*(sem as *const Sem) }.down()
}

pub unsafe extern "C" fn mutex_alloc(recursive: c_int) -> *mut LklMutex {
    alloc(Mutex {
        sem: Sem::new(1),
        recursive: recursive != 0,
        owner: Cell::new(0),
        depth: Cell::new(0),
    })
    .cast()
}

pub unsafe extern "C" fn mutex_free(mutex: *mut LklMutex) {
    node::dce().free(mutex.cast())
}

pub unsafe extern "C" fn mutex_lock(mutex: *mut LklMutex) {
    // SAFETY: the kernel passes a mutex from mutex_alloc.
    let m = unsafe { &*(mutex as *const Mutex) };
    // SAFETY: our own thread_self.
    let me = unsafe { thread::thread_self() };
    if m.recursive && m.depth.get() > 0 && m.owner.get() == me {
        m.depth.set(m.depth.get() + 1);
        return;
    }
    m.sem.down();
    m.owner.set(me);
    m.depth.set(1);
}

pub unsafe extern "C" fn mutex_unlock(mutex: *mut LklMutex) {
    // SAFETY: the kernel passes a mutex from mutex_alloc that it holds.
    let m = unsafe { &*(mutex as *const Mutex) };
    m.depth.set(m.depth.get().saturating_sub(1));
    if m.depth.get() == 0 {
        m.owner.set(0);
        m.sem.up();
    }
}

#[cfg(test)]
mod tests {
    /// The node static is shared by the tests of this crate, which run
    /// without DCE: only logic that needs no green thread is tested here
    /// (the rest runs under dce-sim).
    #[test]
    fn a_semaphore_counts_without_waiting() {
        let s = super::Sem::new(2);
        s.down();
        s.down();
        s.up();
        assert_eq!(s.count.get(), 1);
    }
}
