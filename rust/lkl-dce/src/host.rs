//! `struct lkl_host_operations` over DCE's imports
//! (`Documentation/dce/design.rst`, "Mapping the host operations").

use crate::node::{self, current, dce, fatal, in_event, node, park_forever, Task, TLS_SLOTS};
use core::ffi::{c_char, c_int, c_ulong, c_ulonglong, c_void};
use core::mem::size_of;
use core::ptr;
use dce_abi::SimTask;
use lkl_sys::{
    LklHostOperations, LklJmpBuf, LklMutex, LklSem, LklThread, LklThreadFn, LklTlsDestructor,
    LklTlsKey, LklVoidFn,
};

const PAGE: usize = 4096;
/// Extra bytes `page_alloc` asks for: room for the raw pointer and the
/// alignment (DCE's malloc is 8-byte aligned only).
pub const PAGE_SLACK: usize = PAGE + size_of::<usize>();

extern "C" {
    fn lkl_dce_jmp_buf_set(jmpb: *mut LklJmpBuf, f: Option<LklVoidFn>);
    fn lkl_dce_jmp_buf_longjmp(jmpb: *mut LklJmpBuf, val: c_int);
}

// ---- memory -------------------------------------------------------------

pub(crate) fn dce_malloc(size: usize) -> *mut c_void {
    // DCE truncates sizes to 32 bits.
    if size == 0 || size > u32::MAX as usize {
        return ptr::null_mut();
    }
    let (dce, kernel) = dce();
    match dce.malloc {
        // SAFETY: DCE's malloc, valid in every context.
        Some(malloc) => unsafe { malloc(kernel, size as c_ulong) },
        None => ptr::null_mut(),
    }
}

pub(crate) fn dce_free(p: *mut c_void) {
    if p.is_null() {
        return; // DCE's free(NULL) crashes
    }
    let (dce, kernel) = dce();
    if let Some(free) = dce.free {
        // SAFETY: `p` came from this node's DCE malloc.
        unsafe { free(kernel, p) }
    }
}

unsafe extern "C" fn mem_alloc(size: c_ulong) -> *mut c_void {
    dce_malloc(size as usize)
}

unsafe extern "C" fn mem_free(addr: *mut c_void) {
    dce_free(addr)
}

/// First page boundary in a block at `raw` that leaves room for the raw
/// pointer just below it.
pub fn align_for_page(raw: usize) -> usize {
    (raw + size_of::<usize>() + PAGE - 1) & !(PAGE - 1)
}

unsafe extern "C" fn page_alloc(size: c_ulong) -> *mut c_void {
    let Some(total) = (size as usize).checked_add(PAGE_SLACK) else {
        return ptr::null_mut();
    };
    let raw = dce_malloc(total);
    if raw.is_null() {
        return raw;
    }
    let aligned = align_for_page(raw as usize);
    let slot = (aligned - size_of::<usize>()) as *mut usize;
    // SAFETY: `slot .. aligned + size` lies inside the `total`-byte block
    // (align_for_page adds at most PAGE + 8 - 1 bytes); `slot` is 8-byte
    // aligned because `aligned` is page aligned.
    unsafe { slot.write(raw as usize) };
    aligned as *mut c_void
}

unsafe extern "C" fn page_free(addr: *mut c_void, _size: c_ulong) {
    if addr.is_null() {
        return;
    }
    let slot = (addr as usize - size_of::<usize>()) as *const usize;
    // SAFETY: `addr` came from page_alloc, which stored the raw block just
    // below it.
    let raw = unsafe { slot.read() };
    dce_free(raw as *mut c_void)
}

unsafe extern "C" fn host_memcpy(dst: *mut c_void, src: *const c_void, n: c_ulong) -> *mut c_void {
    let (dce, kernel) = dce();
    match dce.memcpy {
        // SAFETY: the kernel passes valid, non-overlapping ranges.
        Some(f) => unsafe { f(kernel, dst, src, n) },
        None => {
            // SAFETY: as above.
            unsafe { ptr::copy_nonoverlapping(src as *const u8, dst as *mut u8, n as usize) };
            dst
        }
    }
}

unsafe extern "C" fn host_memset(s: *mut c_void, c: c_int, n: c_ulong) -> *mut c_void {
    let (dce, kernel) = dce();
    match dce.memset {
        // SAFETY: the kernel passes a valid range.
        Some(f) => unsafe { f(kernel, s, c as c_char, n) },
        None => {
            // SAFETY: as above.
            unsafe { ptr::write_bytes(s as *mut u8, c as u8, n as usize) };
            s
        }
    }
}

/// `memmove`: DCE imports none, so it is ours (`ptr::copy` handles overlap).
unsafe extern "C" fn host_memmove(dst: *mut c_void, src: *const c_void, n: c_ulong) -> *mut c_void {
    // SAFETY: the kernel passes valid (possibly overlapping) ranges.
    unsafe { ptr::copy(src as *const u8, dst as *mut u8, n as usize) };
    dst
}

// ---- tasks ----------------------------------------------------------------

/// `SimExported::task_create`: a new [`Task`] from DCE malloc.
pub unsafe extern "C" fn task_create(private: *mut c_void, pid: c_ulong) -> *mut SimTask {
    let t = dce_malloc(size_of::<Task>()) as *mut Task;
    if !t.is_null() {
        // SAFETY: fresh, 8-byte aligned block of the right size.
        unsafe {
            t.write(Task {
                private,
                pid,
                ..Task::ZERO
            })
        };
    }
    t.cast()
}

/// `SimExported::task_destroy`: never called by DCE 1.12; frees the task.
pub unsafe extern "C" fn task_destroy(task: *mut SimTask) {
    dce_free(task.cast())
}

/// `SimExported::task_get_private`: the `priv` given to `task_create`.
pub unsafe extern "C" fn task_get_private(task: *mut SimTask) -> *mut c_void {
    if task.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: DCE passes only SimTasks that task_create returned.
    unsafe { (*task.cast::<Task>()).private }
}

fn wait() {
    if in_event() {
        fatal(b"lkl-dce: the kernel tried to block in event context\n");
    }
    let (dce, kernel) = dce();
    if let Some(f) = dce.task_wait {
        // SAFETY: task context (checked above).
        unsafe { f(kernel) }
    }
    if node::is_dead() {
        // Woken by fatal(): the kernel is gone, leave it.
        node::bail();
    }
}

fn wakeup(t: *mut SimTask) {
    let (dce, kernel) = dce();
    if let Some(f) = dce.task_wakeup {
        // SAFETY: `t` is a live task of this node; valid in every context.
        unsafe { f(kernel, t) };
    }
}

struct Start {
    f: Option<LklThreadFn>,
    arg: *mut c_void,
}

unsafe extern "C" fn thread_entry(ctx: *mut c_void) {
    let start = ctx as *mut Start;
    // SAFETY: `ctx` is the Start record thread_create allocated.
    let Start { f, arg } = unsafe { start.read() };
    dce_free(ctx);
    if let Some(f) = f {
        // SAFETY: the kernel's thread function with its argument.
        unsafe { f(arg) };
    }
    // SAFETY: we are the thread; it must never return to DCE.
    unsafe { thread_exit() }
}

unsafe extern "C" fn thread_create(f: Option<LklThreadFn>, arg: *mut c_void) -> LklThread {
    if in_event() {
        return 0; // task_start is not allowed in M context
    }
    let (dce, kernel) = dce();
    let Some(task_start) = dce.task_start else {
        return 0;
    };
    let start = dce_malloc(size_of::<Start>()) as *mut Start;
    if start.is_null() {
        return 0;
    }
    // SAFETY: fresh block of the right size.
    unsafe { start.write(Start { f, arg }) };
    // SAFETY: DCE's task_start from task context; thread_entry never returns.
    let t = unsafe { task_start(kernel, Some(thread_entry), start.cast()) };
    if t.is_null() {
        dce_free(start.cast());
        return 0;
    }
    t as LklThread
}

unsafe extern "C" fn thread_detach() {}

unsafe extern "C" fn thread_exit() {
    let t = current();
    // SAFETY: `t` is our Task of the calling task.
    let joiner = unsafe {
        (*t).exited = true;
        core::mem::replace(&mut (*t).joiner, ptr::null_mut())
    };
    if !joiner.is_null() {
        wakeup(joiner);
    }
    if in_event() {
        fatal(b"lkl-dce: thread_exit in event context\n");
    }
    park_forever()
}

unsafe extern "C" fn thread_join(tid: LklThread) -> c_int {
    let t = tid as *mut Task;
    if t.is_null() || in_event() {
        return -1;
    }
    loop {
        // SAFETY: `tid` came from thread_create: a Task that is never freed.
        if unsafe { (*t).exited } {
            return 0;
        }
        let me = current();
        // SAFETY: as above.
        unsafe { (*t).joiner = me.cast() };
        wait();
    }
}

unsafe extern "C" fn thread_self() -> LklThread {
    current() as LklThread
}

unsafe extern "C" fn thread_equal(a: LklThread, b: LklThread) -> c_int {
    c_int::from(a == b)
}

// ---- TLS: slots in our Task ---------------------------------------------------

unsafe extern "C" fn tls_alloc(_destructor: Option<LklTlsDestructor>) -> *mut LklTlsKey {
    // Destructors never run: DCE never tells us that a task ended.
    let n = node();
    // SAFETY: single-threaded access to our static.
    let used = unsafe { &mut (*n).tls_used };
    for i in 0..TLS_SLOTS {
        if *used & (1 << i) == 0 {
            *used |= 1 << i;
            return (i + 1) as *mut LklTlsKey;
        }
    }
    ptr::null_mut()
}

fn tls_index(key: *mut LklTlsKey) -> Option<usize> {
    let i = (key as usize).checked_sub(1)?;
    (i < TLS_SLOTS).then_some(i)
}

unsafe extern "C" fn tls_free(key: *mut LklTlsKey) {
    if let Some(i) = tls_index(key) {
        // SAFETY: single-threaded access to our static.
        unsafe { (*node()).tls_used &= !(1 << i) };
    }
}

unsafe extern "C" fn tls_set(key: *mut LklTlsKey, data: *mut c_void) -> c_int {
    let Some(i) = tls_index(key) else { return -1 };
    // SAFETY: current() is a live Task of ours.
    unsafe { (*current()).tls[i] = data };
    0
}

unsafe extern "C" fn tls_get(key: *mut LklTlsKey) -> *mut c_void {
    let Some(i) = tls_index(key) else {
        return ptr::null_mut();
    };
    // SAFETY: current() is a live Task of ours.
    unsafe { (*current()).tls[i] }
}

// ---- semaphores and mutexes: a counter and a FIFO of waiting tasks ------

/// A blocked task, on its own stack while it waits.
struct Waiter {
    task: *mut SimTask,
    next: *mut Waiter,
    woken: bool,
}

struct Sem {
    count: c_int,
    head: *mut Waiter,
    tail: *mut Waiter,
}

struct Mutex {
    sem: Sem,
    recursive: bool,
    owner: LklThread,
    depth: u32,
}

unsafe extern "C" fn sem_alloc(count: c_int) -> *mut LklSem {
    let s = dce_malloc(size_of::<Sem>()) as *mut Sem;
    if !s.is_null() {
        // SAFETY: fresh block of the right size.
        unsafe {
            s.write(Sem {
                count,
                head: ptr::null_mut(),
                tail: ptr::null_mut(),
            })
        };
    }
    s.cast()
}

unsafe extern "C" fn sem_free(sem: *mut LklSem) {
    dce_free(sem.cast())
}

/// # Safety
/// `s` is a live Sem.
unsafe fn sem_up_raw(s: *mut Sem) {
    // SAFETY: `s` is live (caller); waiters stay linked only while their
    // task is blocked, so `head` is a live Waiter.
    unsafe {
        let w = (*s).head;
        if w.is_null() {
            (*s).count += 1;
            return;
        }
        (*s).head = (*w).next;
        if (*s).head.is_null() {
            (*s).tail = ptr::null_mut();
        }
        // Hand the unit straight to the first waiter (FIFO).
        (*w).woken = true;
        wakeup((*w).task);
    }
}

/// # Safety
/// `s` is a live Sem.
unsafe fn sem_down_raw(s: *mut Sem) {
    // SAFETY: `s` is live (caller).
    unsafe {
        if (*s).count > 0 {
            (*s).count -= 1;
            return;
        }
    }
    if in_event() {
        fatal(b"lkl-dce: the kernel tried to block in event context\n");
    }
    let mut w = Waiter {
        task: current().cast(),
        next: ptr::null_mut(),
        woken: false,
    };
    let wp: *mut Waiter = &mut w;
    // SAFETY: `wp` stays valid until sem_up unlinks it and sets `woken`,
    // because we do not return before that.
    unsafe {
        if (*s).tail.is_null() {
            (*s).head = wp;
        } else {
            (*(*s).tail).next = wp;
        }
        (*s).tail = wp;
        while !ptr::read_volatile(ptr::addr_of!((*wp).woken)) {
            wait();
        }
    }
}

unsafe extern "C" fn sem_up(sem: *mut LklSem) {
    // SAFETY: the kernel passes a semaphore from sem_alloc.
    unsafe { sem_up_raw(sem.cast()) }
}

unsafe extern "C" fn sem_down(sem: *mut LklSem) {
    // SAFETY: the kernel passes a semaphore from sem_alloc.
    unsafe { sem_down_raw(sem.cast()) }
}

unsafe extern "C" fn mutex_alloc(recursive: c_int) -> *mut LklMutex {
    let m = dce_malloc(size_of::<Mutex>()) as *mut Mutex;
    if !m.is_null() {
        // SAFETY: fresh block of the right size.
        unsafe {
            m.write(Mutex {
                sem: Sem {
                    count: 1,
                    head: ptr::null_mut(),
                    tail: ptr::null_mut(),
                },
                recursive: recursive != 0,
                owner: 0,
                depth: 0,
            })
        };
    }
    m.cast()
}

unsafe extern "C" fn mutex_free(mutex: *mut LklMutex) {
    dce_free(mutex.cast())
}

unsafe extern "C" fn mutex_lock(mutex: *mut LklMutex) {
    let m = mutex as *mut Mutex;
    let me = current() as LklThread;
    // SAFETY: the kernel passes a mutex from mutex_alloc.
    unsafe {
        if (*m).recursive && (*m).depth > 0 && (*m).owner == me {
            (*m).depth += 1;
            return;
        }
        sem_down_raw(ptr::addr_of_mut!((*m).sem));
        (*m).owner = me;
        (*m).depth = 1;
    }
}

unsafe extern "C" fn mutex_unlock(mutex: *mut LklMutex) {
    let m = mutex as *mut Mutex;
    // SAFETY: the kernel passes a mutex from mutex_alloc that it holds.
    unsafe {
        (*m).depth = (*m).depth.saturating_sub(1);
        if (*m).depth == 0 {
            (*m).owner = 0;
            sem_up_raw(ptr::addr_of_mut!((*m).sem));
        }
    }
}

// ---- time and timers --------------------------------------------------------

unsafe extern "C" fn time() -> c_ulonglong {
    let (dce, kernel) = dce();
    // SAFETY: DCE's current_ns, valid in every context.
    dce.current_ns.map_or(0, |f| unsafe { f(kernel) })
}

struct Timer {
    func: Option<LklVoidFn>,
    /// The pending event, NULL when none (cleared when it runs or is
    /// cancelled: DCE's handle dangles after that).
    handle: *mut c_void,
}

unsafe extern "C" fn timer_alloc(func: Option<LklVoidFn>) -> *mut c_void {
    let t = dce_malloc(size_of::<Timer>()) as *mut Timer;
    if !t.is_null() {
        // SAFETY: fresh block of the right size.
        unsafe {
            t.write(Timer {
                func,
                handle: ptr::null_mut(),
            })
        };
    }
    t.cast()
}

/// # Safety
/// `t` is a live Timer.
unsafe fn timer_cancel(t: *mut Timer) {
    // SAFETY: `t` is live (caller).
    let h = unsafe { core::mem::replace(&mut (*t).handle, ptr::null_mut()) };
    if h.is_null() {
        return;
    }
    let (dce, kernel) = dce();
    if let Some(cancel) = dce.event_cancel {
        // SAFETY: `h` is live: its event has neither run (the trampoline
        // clears the handle first) nor been cancelled.
        unsafe { cancel(kernel, h) };
    }
}

/// `pre_fn` of every event (DCE requires it to be non-NULL).
unsafe extern "C" fn event_pre() {}

unsafe extern "C" fn run_timer_fn(ctx: *mut c_void) {
    // SAFETY: ctx is the timer function's address (see timer_event).
    let f: LklVoidFn = unsafe { core::mem::transmute::<*mut c_void, LklVoidFn>(ctx) };
    // SAFETY: the kernel's timer function.
    unsafe { f() }
}

/// Event trampoline: runs in M context.
unsafe extern "C" fn timer_event(ctx: *mut c_void) {
    let t = ctx as *mut Timer;
    // SAFETY: `t` is live (timer_free cancels its pending event).
    let func = unsafe {
        (*t).handle = ptr::null_mut();
        (*t).func
    };
    if let Some(f) = func {
        node::run_in_event(run_timer_fn, f as *mut c_void);
    }
}

unsafe extern "C" fn timer_set_oneshot(timer: *mut c_void, delta: c_ulong) -> c_int {
    let t = timer as *mut Timer;
    // SAFETY: the kernel passes a timer from timer_alloc.
    unsafe { timer_cancel(t) };
    let (dce, kernel) = dce();
    let Some(schedule) = dce.event_schedule_ns else {
        return -1;
    };
    // SAFETY: DCE's event_schedule_ns, valid in every context; `t` stays
    // live until timer_free, which cancels the event.
    let h = unsafe { schedule(kernel, delta, Some(timer_event), t.cast(), Some(event_pre)) };
    // SAFETY: as above.
    unsafe { (*t).handle = h };
    0
}

unsafe extern "C" fn timer_free(timer: *mut c_void) {
    let t = timer as *mut Timer;
    if t.is_null() {
        return;
    }
    // SAFETY: the kernel passes a timer from timer_alloc.
    unsafe { timer_cancel(t) };
    dce_free(timer)
}

// ---- console and panic ---------------------------------------------------------

unsafe extern "C" fn print(s: *const c_char, len: c_int) {
    if s.is_null() || len <= 0 {
        return;
    }
    // SAFETY: the kernel passes `len` readable bytes.
    let bytes = unsafe { core::slice::from_raw_parts(s as *const u8, len as usize) };
    node::log_bytes(bytes)
}

unsafe extern "C" fn panic() {
    fatal(b"lkl-dce: kernel panic: this node's kernel is stopped\n")
}

/// Fill `ops` (this node's table) with the operations above.
pub fn fill_ops(ops: *mut LklHostOperations) {
    // SAFETY: `ops` points to our static's table, not yet handed to lkl_init.
    let o = unsafe { &mut *ops };
    o.virtio_devices = ptr::null();
    o.print = Some(print);
    o.panic = Some(panic);
    o.sem_alloc = Some(sem_alloc);
    o.sem_free = Some(sem_free);
    o.sem_up = Some(sem_up);
    o.sem_down = Some(sem_down);
    o.mutex_alloc = Some(mutex_alloc);
    o.mutex_free = Some(mutex_free);
    o.mutex_lock = Some(mutex_lock);
    o.mutex_unlock = Some(mutex_unlock);
    o.thread_create = Some(thread_create);
    o.thread_detach = Some(thread_detach);
    o.thread_exit = Some(thread_exit);
    o.thread_join = Some(thread_join);
    o.thread_self = Some(thread_self);
    o.thread_equal = Some(thread_equal);
    o.thread_stack = None;
    o.tls_alloc = Some(tls_alloc);
    o.tls_free = Some(tls_free);
    o.tls_set = Some(tls_set);
    o.tls_get = Some(tls_get);
    o.mem_alloc = Some(mem_alloc);
    o.mem_free = Some(mem_free);
    o.page_alloc = Some(page_alloc);
    o.page_free = Some(page_free);
    o.time = Some(time);
    o.timer_alloc = Some(timer_alloc);
    o.timer_set_oneshot = Some(timer_set_oneshot);
    o.timer_free = Some(timer_free);
    o.ioremap = None;
    o.iomem_access = None;
    o.jmp_buf_set = Some(lkl_dce_jmp_buf_set);
    o.jmp_buf_longjmp = Some(lkl_dce_jmp_buf_longjmp);
    o.memcpy = Some(host_memcpy);
    o.memset = Some(host_memset);
    o.memmove = Some(host_memmove);
    o.mmap = None;
    o.munmap = None;
    o.shmem_init = None;
    o.shmem_mmap = None;
    o.pci_ops = ptr::null_mut();
}
