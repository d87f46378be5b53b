//! The `SimImported` table: every import as an `extern "C"` callback with
//! DCE's semantics, and a hard error where DCE would crash or assert
//! (Documentation/dce/abi.rst: "The imported table: SimImported",
//! "Entry points the library calls", "Execution contexts").

use super::{Frame, Host, NodeCtx, PollEvent, NODE_MAGIC};
use crate::{Sim, SimError, TaskId};
use core::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_ulong, c_void};
use core::ptr;
use dce_abi::{IoFile, SimDevice, SimExported, SimImported, SimKernel, SimTask, VaList};

extern "C" {
    // The host C library's vsnprintf; `va_list` is passed as the pointer it
    // decays to on x86-64 SysV (see `dce_abi::VaList`).
    fn vsnprintf(s: *mut c_char, n: usize, format: *const c_char, ap: VaList) -> c_int;
}

macro_rules! missing_slot {
    ($e:expr; $($slot:ident)*) => {{
        let e = $e;
        let mut missing = None;
        $(if missing.is_none() && e.$slot.is_none() { missing = Some(stringify!($slot)); })*
        missing
    }};
}

/// The first NULL member of `e`, in declaration order.
pub fn first_null_slot(e: &SimExported) -> Option<&'static str> {
    missing_slot!(e;
        task_create task_destroy task_get_private sock_socket sock_close sock_recvmsg
        sock_sendmsg sock_getsockname sock_getpeername sock_bind sock_connect sock_listen
        sock_shutdown sock_accept sock_ioctl sock_setsockopt sock_getsockopt sock_poll
        sock_pollfreewait dev_create dev_destroy dev_get_private dev_set_address dev_set_mtu
        dev_create_packet dev_rx sys_iterate_files sys_file_read sys_file_write)
}

/// The `SimImported` table this host hands to every library.
pub fn imported_table() -> SimImported {
    SimImported {
        vprintf: Some(cb_vprintf),
        malloc: Some(cb_malloc),
        free: Some(cb_free),
        memcpy: Some(cb_memcpy),
        memset: Some(cb_memset),
        atexit: Some(cb_atexit),
        access: Some(cb_access),
        getenv: Some(cb_getenv),
        mkdir: Some(cb_mkdir),
        open: Some(cb_open),
        __fxstat: Some(cb_fxstat),
        fseek: Some(cb_fseek),
        setbuf: Some(cb_setbuf),
        fdopen: Some(cb_fdopen),
        ftell: Some(cb_ftell),
        fclose: Some(cb_fclose),
        fread: Some(cb_fread),
        fwrite: Some(cb_fwrite),
        random: Some(cb_random),
        event_schedule_ns: Some(cb_event_schedule_ns),
        event_cancel: Some(cb_event_cancel),
        current_ns: Some(cb_current_ns),
        task_start: Some(cb_task_start),
        task_wait: Some(cb_task_wait),
        task_current: Some(cb_task_current),
        task_wakeup: Some(cb_task_wakeup),
        task_yield: Some(cb_task_yield),
        dev_xmit: Some(cb_dev_xmit),
        signal_raised: Some(cb_signal_raised),
        poll_event: Some(cb_poll_event),
    }
}

fn task_priv(t: TaskId) -> *mut c_void {
    ((t.raw() + 1) << 4) as *mut c_void
}

fn priv_task(p: *mut c_void) -> Option<TaskId> {
    let v = p as usize as u64;
    (v != 0 && v & 0xf == 0).then(|| TaskId::from_raw((v >> 4) - 1))
}

fn event_handle(raw: u64) -> *mut c_void {
    ((raw + 1) << 3) as *mut c_void
}

/// Resolves a cookie to (host, node), checking it and the context.
///
/// # Safety
///
/// `k` must be null or a pointer the host gave out (a garbage pointer may
/// be dereferenced to check its magic).
unsafe fn enter<'a>(k: *mut SimKernel, call: &str) -> (&'a Host, &'a NodeCtx) {
    let Some(host) = Host::live() else {
        eprintln!("dce-sim: {call}() called with no live simulator");
        std::process::abort();
    };
    let live: *const Host = host;
    let nc = k.cast::<NodeCtx>();
    // SAFETY: see the function's contract.
    if nc.is_null() || unsafe { (*nc).magic } != NODE_MAGIC || !ptr::eq(unsafe { (*nc).host }, live)
    {
        host.hard(SimError::Abi {
            node: host.sim.current_node(),
            msg: format!(
                "{call}() with a SimKernel* that is not this node's cookie ({k:p}) (DCE would \
                 dereference it as its KernelSocketFdFactory)"
            ),
        });
    }
    // SAFETY: checked above.
    let nc = unsafe { &*nc };
    match host.sim.current_node() {
        Some(n) if n == nc.node => {}
        cur => host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: format!(
                "{call}() with node {}'s cookie while {} runs (each node's library must only \
                 use its own cookie, in its own context)",
                nc.node,
                cur.map_or("no node".to_string(), |c| format!("node {c}"))
            ),
        }),
    }
    (host, nc)
}

unsafe extern "C" fn cb_vprintf(k: *mut SimKernel, fmt: *const c_char, ap: VaList) -> c_int {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "vprintf") };
    if fmt.is_null() {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: "vprintf() with a NULL format (DCE's vfprintf crashes)".into(),
        });
    }
    let mut buf = [0u8; 512];
    // va_copy on x86-64 SysV is a copy of the 24-byte __va_list_tag.
    // SAFETY: `ap` points to the caller's live, va_start'ed tag.
    let mut copy: [u64; 3] = unsafe { ptr::read(ap.cast::<[u64; 3]>()) };
    // SAFETY: vsnprintf with a valid buffer, format and va_list copy.
    let n = unsafe {
        vsnprintf(
            buf.as_mut_ptr().cast(),
            buf.len(),
            fmt,
            ptr::addr_of_mut!(copy).cast(),
        )
    };
    if n < 0 {
        return n;
    }
    let len = n as usize;
    let mut log = nc.log.borrow_mut();
    let old = log.len();
    if len < buf.len() {
        log.extend_from_slice(&buf[..len]);
    } else {
        let mut big = vec![0u8; len + 1];
        // SAFETY: as above, consuming the caller's va_list once.
        unsafe { vsnprintf(big.as_mut_ptr().cast(), big.len(), fmt, ap) };
        log.extend_from_slice(&big[..len]);
    }
    if host.sim.config().kernel_warnings_fatal {
        if let Some(line) = warning_in(&log, old) {
            // Latched, not raised: the kernel finishes what it prints and
            // the run stops after this event.
            let _ = host.sim.fail::<()>(SimError::KernelWarning {
                node: nc.node,
                line,
            });
        }
    }
    n
}

/// A bug report ([`lkl_sys::log`]: a warning, BUG, oops, stall) among the
/// lines the bytes from `new` on complete or continue (the run keeps the
/// first error only).
fn warning_in(log: &[u8], new: usize) -> Option<String> {
    let start = log[..new]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    lkl_sys::log::first_alarm(&log[start..]).map(|l| String::from_utf8_lossy(l).into_owned())
}

/// `call` goes through DCE's `TaskManager::Current()`, NULL in the
/// teardown: a hard error there.
fn needs_task_manager(host: &Host, node: crate::NodeId, call: &'static str) {
    if host.sim.in_teardown_now() {
        host.hard(SimError::NoTaskManagerInTeardown { call, node });
    }
}

unsafe extern "C" fn cb_malloc(k: *mut SimKernel, size: c_ulong) -> *mut c_void {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "malloc") };
    match host.sim.malloc(nc.node, size) {
        Ok(p) => p.cast(),
        Err(e) => host.hard(e),
    }
}

unsafe extern "C" fn cb_free(k: *mut SimKernel, p: *mut c_void) {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "free") };
    if let Err(e) = host.sim.free(nc.node, p.cast()) {
        host.hard(e)
    }
}

unsafe extern "C" fn cb_memcpy(
    k: *mut SimKernel,
    dst: *mut c_void,
    src: *const c_void,
    n: c_ulong,
) -> *mut c_void {
    // SAFETY: callback contract.
    unsafe { enter(k, "memcpy") };
    // SAFETY: plain libc memcpy, as in DCE.
    unsafe { libc::memcpy(dst, src, n as usize) }
}

unsafe extern "C" fn cb_memset(
    k: *mut SimKernel,
    dst: *mut c_void,
    v: c_char,
    n: c_ulong,
) -> *mut c_void {
    // SAFETY: callback contract.
    unsafe { enter(k, "memset") };
    // SAFETY: plain libc memset, as in DCE.
    unsafe { libc::memset(dst, c_int::from(v as u8), n as usize) }
}

/// The file/env imports: valid only on A-tasks, which dce-sim lacks.
unsafe fn no_app_task(k: *mut SimKernel, call: &'static str) -> ! {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, call) };
    host.hard(SimError::OutsideApplicationTask {
        call,
        node: nc.node,
    })
}

unsafe extern "C" fn cb_atexit(k: *mut SimKernel, _f: Option<unsafe extern "C" fn()>) -> c_int {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "atexit") }
}
unsafe extern "C" fn cb_access(k: *mut SimKernel, _p: *const c_char, _m: c_int) -> c_int {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "access") }
}
unsafe extern "C" fn cb_getenv(k: *mut SimKernel, _n: *const c_char) -> *mut c_char {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "getenv") }
}
unsafe extern "C" fn cb_mkdir(k: *mut SimKernel, _p: *const c_char, _m: c_uint) -> c_int {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "mkdir") }
}
unsafe extern "C" fn cb_open(k: *mut SimKernel, _p: *const c_char, _f: c_int) -> c_int {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "open") }
}
unsafe extern "C" fn cb_fxstat(k: *mut SimKernel, _v: c_int, _fd: c_int, _b: *mut c_void) -> c_int {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "__fxstat") }
}
unsafe extern "C" fn cb_fseek(k: *mut SimKernel, _s: *mut IoFile, _o: c_long, _w: c_int) -> c_int {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "fseek") }
}
unsafe extern "C" fn cb_setbuf(k: *mut SimKernel, _s: *mut IoFile, _b: *mut c_char) {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "setbuf") }
}
unsafe extern "C" fn cb_fdopen(k: *mut SimKernel, _fd: c_int, _m: *const c_char) -> *mut IoFile {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "fdopen") }
}
unsafe extern "C" fn cb_ftell(k: *mut SimKernel, _s: *mut IoFile) -> c_long {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "ftell") }
}
unsafe extern "C" fn cb_fclose(k: *mut SimKernel, _s: *mut IoFile) -> c_int {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "fclose") }
}
unsafe extern "C" fn cb_fread(
    k: *mut SimKernel,
    _p: *mut c_void,
    _s: usize,
    _n: usize,
    _f: *mut IoFile,
) -> usize {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "fread") }
}
unsafe extern "C" fn cb_fwrite(
    k: *mut SimKernel,
    _p: *const c_void,
    _s: usize,
    _n: usize,
    _f: *mut IoFile,
) -> usize {
    // SAFETY: callback contract.
    unsafe { no_app_task(k, "fwrite") }
}

unsafe extern "C" fn cb_random(k: *mut SimKernel) -> c_ulong {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "random") };
    match host.sim.random(nc.node) {
        Ok(r) => r,
        Err(e) => host.hard(e),
    }
}

unsafe extern "C" fn cb_event_schedule_ns(
    k: *mut SimKernel,
    ns: u64,
    f: Option<unsafe extern "C" fn(*mut c_void)>,
    ctx: *mut c_void,
    pre_fn: Option<unsafe extern "C" fn()>,
) -> *mut c_void {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "event_schedule_ns") };
    needs_task_manager(host, nc.node, "event_schedule_ns");
    let Some(pre_fn) = pre_fn else {
        host.hard(SimError::PreFnNull { node: nc.node })
    };
    let Some(f) = f else {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: "event_schedule_ns() with fn NULL (DCE would call NULL when it fires)".into(),
        })
    };
    let hp: *const Host = host;
    let node = nc.node;
    let r = host.sim.schedule(nc.node, ns, move |_: &Sim| {
        // SAFETY: the host outlives its simulator's events.
        let host = unsafe { &*hp };
        // DCE's event trampoline: the node's segment first.
        host.notify_start_execute(node);
        host.run_event(move || {
            // SAFETY: the library's callbacks, in M context, as DCE does:
            // pre_fn() then fn(context).
            unsafe {
                pre_fn();
                f(ctx);
            }
        });
    });
    match r {
        Ok(id) => event_handle(id.raw()),
        Err(e) => host.hard(e),
    }
}

unsafe extern "C" fn cb_event_cancel(k: *mut SimKernel, ev: *mut c_void) {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "event_cancel") };
    let v = ev as usize as u64;
    let id = (v != 0 && v & 7 == 0).then(|| crate::EventId::from_raw((v >> 3) - 1));
    let Some(id) = id.filter(|id| host.sim.event_was_issued(*id)) else {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: format!(
                "event_cancel({ev:p}): not a handle event_schedule_ns returned (DCE would \
                 dereference it as an EventId)"
            ),
        })
    };
    if let Err(e) = host.sim.cancel(id) {
        host.hard(e)
    }
}

unsafe extern "C" fn cb_current_ns(k: *mut SimKernel) -> u64 {
    // SAFETY: callback contract.
    let (host, _) = unsafe { enter(k, "current_ns") };
    host.sim.now()
}

fn task_create_fn(
    host: &Host,
    nc: &NodeCtx,
    call: &str,
) -> unsafe extern "C" fn(*mut c_void, c_ulong) -> *mut SimTask {
    match nc.library_table().task_create {
        Some(f) => f,
        None => host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: format!(
                "{call}() before exported->task_create was set (DCE calls it from inside \
                 {call}: NULL call)"
            ),
        }),
    }
}

fn create_simtask(host: &Host, nc: &NodeCtx, call: &str, t: TaskId) -> *mut SimTask {
    let create = task_create_fn(host, nc, call);
    // DCE passes the pid of the task's process: 0 for kernel and internal
    // tasks, the program's for its threads and for Cradle's temporary
    // processes.
    let pid = match host.sim.task_kind(t) {
        Some(crate::TaskKind::Application | crate::TaskKind::Fiberless) => nc.next_pid(),
        _ => 0,
    };
    // SAFETY: the library's task_create, with DCE's arguments (Task*, pid).
    let st = unsafe { create(task_priv(t), pid) };
    if st.is_null() {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: format!("exported->task_create returned NULL in {call}() (DCE requires a task)"),
        });
    }
    nc.simtasks.borrow_mut().insert(t, st);
    st
}

unsafe extern "C" fn cb_task_start(
    k: *mut SimKernel,
    cb: Option<unsafe extern "C" fn(*mut c_void)>,
    ctx: *mut c_void,
) -> *mut SimTask {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "task_start") };
    let Some(cb) = cb else {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: "task_start() with a NULL callback (DCE's task would call NULL)".into(),
        })
    };
    // Fail before queueing a task if task_create is missing.
    task_create_fn(host, nc, "task_start");
    let t = match host.sim.task_start(nc.node, move |_: &Sim| {
        // SAFETY: the library's kernel-thread function (must never return).
        unsafe { cb(ctx) }
    }) {
        Ok(t) => t,
        Err(e) => host.hard(e),
    };
    host.sim.set_no_unwind(t);
    // DCE's kernel loader swaps the node's segment in on every switch.
    host.kernel_switch_notifier(t, nc.node);
    create_simtask(host, nc, "task_start", t)
}

fn current_simtask(host: &Host, nc: &NodeCtx, call: &str) -> *mut SimTask {
    let t = match host.sim.task_current() {
        Ok(t) => t,
        Err(e) => host.hard(e),
    };
    let known = nc.simtasks.borrow().get(&t).copied();
    match known {
        Some(st) => st,
        None => create_simtask(host, nc, call, t),
    }
}

unsafe extern "C" fn cb_task_current(k: *mut SimKernel) -> *mut SimTask {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "task_current") };
    current_simtask(host, nc, "task_current")
}

unsafe extern "C" fn cb_task_wait(k: *mut SimKernel) {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "task_wait") };
    if !host.sim.in_task() {
        host.hard(SimError::TaskWaitOutsideTask);
    }
    current_simtask(host, nc, "task_wait");
    if let Err(e) = host.sim.task_wait() {
        host.hard(e)
    }
}

unsafe extern "C" fn cb_task_wakeup(k: *mut SimKernel, st: *mut SimTask) -> c_int {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "task_wakeup") };
    if host.sim.in_teardown_now() {
        // DCE's TaskWakeup with no TaskManager: returns 1, does nothing.
        return 1;
    }
    let Some(get) = nc.library_table().task_get_private else {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: "task_wakeup() before exported->task_get_private was set (NULL call)".into(),
        })
    };
    if st.is_null() {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: "task_wakeup(NULL) (DCE would pass NULL to task_get_private)".into(),
        });
    }
    // SAFETY: the library's own accessor on its own SimTask.
    let p = unsafe { get(st) };
    // A decodable id that is not (or no longer) a live task of this node
    // is reported by the simulator (dead D-task, other node).
    let Some(t) = priv_task(p) else {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: format!(
                "task_wakeup(): task_get_private returned {p:p}, not a Task* this node gave \
                 to task_create (DCE would wake through a garbage Task*)"
            ),
        })
    };
    match host.sim.task_wakeup(t) {
        Ok(b) => c_int::from(b),
        Err(e) => host.hard(e),
    }
}

unsafe extern "C" fn cb_task_yield(k: *mut SimKernel) {
    // SAFETY: callback contract.
    let (host, _) = unsafe { enter(k, "task_yield") };
    if let Err(e) = host.sim.task_yield() {
        host.hard(e)
    }
}

unsafe extern "C" fn cb_dev_xmit(
    k: *mut SimKernel,
    dev: *mut SimDevice,
    data: *mut c_uchar,
    len: c_int,
) {
    // SAFETY: callback contract.
    let (host, nc) = unsafe { enter(k, "dev_xmit") };
    needs_task_manager(host, nc.node, "dev_xmit");
    if len < 14 || data.is_null() {
        host.hard(SimError::Abi {
            node: Some(nc.node),
            msg: format!("dev_xmit() of {len} bytes (DCE asserts len >= 14: Ethernet header)"),
        });
    }
    // SAFETY: the library owns `len` readable bytes at `data` for the call.
    let bytes = unsafe { core::slice::from_raw_parts(data, len as usize) }.to_vec();
    // DCE finds the NetDevice through the library's dev_get_private.
    let private = match nc.library_table().dev_get_private {
        // SAFETY: the library's own entry point with its own device.
        Some(get) => unsafe { get(dev) },
        None => ptr::null_mut(),
    };
    host.transmit(nc.node, private, &bytes);
    if let Some(o) = host.observer() {
        o.frame(
            nc.node,
            &Frame {
                time: host.sim.now(),
                dev: dev as usize,
                data: bytes,
            },
        );
    }
}

unsafe extern "C" fn cb_signal_raised(k: *mut SimKernel, _t: *mut SimTask, _sig: c_int) {
    // SAFETY: callback contract.  DCE: "Not Yet Implemented", a no-op.
    unsafe { enter(k, "signal_raised") };
}

unsafe extern "C" fn cb_poll_event(flag: c_int, context: *mut c_void) {
    let Some(host) = Host::live() else {
        eprintln!("dce-sim: poll_event() called with no live simulator");
        std::process::abort();
    };
    let Some(node) = host.sim.current_node() else {
        host.hard(SimError::Abi {
            node: None,
            msg: "poll_event() outside any node's context".into(),
        })
    };
    if let Some(o) = host.observer() {
        o.poll_event(&PollEvent {
            time: host.sim.now(),
            node,
            flag,
            context: context as usize,
        });
    }
    if host.polls.is_live(context) {
        // DCE's WakeUpCallback wakes the polling thread through
        // TaskManager::Current().
        needs_task_manager(host, node, "poll_event");
    }
    if let Err(e) = host.polls.wakeup(host.sim(), context) {
        host.hard(e)
    }
}

#[cfg(test)]
mod tests {
    use super::warning_in;

    #[test]
    fn kernel_warnings_are_found_in_what_was_just_printed() {
        let mut log = b"[    0.0] booting\n[    1.0] WARNING: CPU: 0 PID: 1 at x.c:1".to_vec();
        // A warning printed in one piece.
        assert_eq!(
            warning_in(&log, 18).as_deref(),
            Some("[    1.0] WARNING: CPU: 0 PID: 1 at x.c:1")
        );
        // Its line continued by a later fragment is still found.
        let old = log.len();
        log.extend_from_slice(b" f+0x10\n");
        assert!(warning_in(&log, old).unwrap().ends_with("f+0x10"));
        // Lines finished before the fragment are not looked at again.
        let old = log.len();
        log.extend_from_slice(b"[    2.0] all well\n");
        assert_eq!(warning_in(&log, old), None);
        let old = log.len();
        log.extend_from_slice(b"[    3.0] BUG: unable to handle page fault\n");
        assert!(warning_in(&log, old).unwrap().contains("BUG: unable"));
        assert_eq!(warning_in(b"no newline yet", 0), None);
    }
}
