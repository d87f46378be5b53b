//! Cooperative tasks: one DCE-like `TaskManager` per node
//! (Documentation/dce/abi.rst, "Execution contexts", "Tasks and
//! scheduling").  (The file's second half is its unit tests.)
//!
//! * A task is a fiber with its own stack (128 KiB by default, like DCE's
//!   `1 << 17`; see [`SimConfig::task_stack_size`](crate::SimConfig)).
//! * Each node has a FIFO run queue.  Starting, waking or yielding a task
//!   appends it to its node's queue and, if none is pending yet, schedules a
//!   zero-delay *task-manager event* on that node.  That event runs **one**
//!   task slice (until the task blocks, yields or ends) and, if the queue is
//!   not empty, schedules the next one.  So:
//!   * [`Sim::task_start`] only queues: the task runs later, at the same
//!     virtual time, after the caller blocks or returns;
//!   * a woken task runs at the same virtual time after the current task
//!     blocks or returns;
//!   * [`Sim::task_yield`] goes through the event loop: every other event
//!     already scheduled at the same time, of any node, runs first.  A yield
//!     loop never advances time (abi.rst hazard H12).
//! * An idle node (all its tasks blocked, no timers) processes no event.
//!
//! Kinds ([`TaskKind`]): a **kernel** task (`task_start`, K-task) must
//! never return: DCE's trampoline raises `NS_FATAL_ERROR`, here
//! [`SimError::KernelTaskReturned`].  A **one-shot** D-task (DCE-internal:
//! `sim_init`, `dev_create`, sysctl) ends when its function returns; its
//! handle is then dead and waking it is [`SimError::WakeupDeadTask`] (DCE
//! frees the `Task*`: abi.rst hazard H2).  An **application** task (A-task, a program's
//! thread) ends the same way.  A **fiberless** task is what DCE's Cradle
//! enters when ns-3 code calls the library with no fiber
//! ([`Sim::with_fiberless_task`]): it is current while entered, and waiting
//! in it or waking it is a hard error.
//!
//! Like DCE's tasks, a task may carry a *switch notifier*
//! ([`Sim::set_switch_notifier`]), called every time the task is switched
//! in: the ABI layer gives one to kernel and DCE-internal tasks, which
//! swaps their node's library segment in (abi.rst "When the segment is
//! swapped"), and none to
//! application tasks, which DCE switches in without touching the kernel's
//! segment (abi.rst hazard H1).
//!
//! DCE's teardown ([`Sim::in_teardown`]) runs with no current task at
//! all, and deletes the tasks of programs still running
//! ([`Sim::kill_task`]).
//!
//! Context switches use [`corosensei`].  Why that crate: it is maintained
//! (by the author of `hashbrown` and `parking_lot`, used in production by
//! Wasmer), it is a safe API over a small audited assembly switch for
//! x86-64, stacks are `mmap`ed with a guard page, panics propagate out of
//! `resume`, and dropping a suspended coroutine unwinds its stack, so a
//! simulator dropped with blocked tasks frees everything.  It uses neither
//! host threads nor thread-local storage (what DCE forbids: abi.rst "Tasks and scheduling"), unlike
//! `generator` (thread-local current generator) or a thread per fiber;
//! `context` (a Boost.Context port) would need raw `unsafe` switching code
//! of our own.

use crate::event::Action;
use crate::{Exec, NodeId, Sim, SimError, State};
use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// What runs every time a task is switched in.
pub type SwitchNotifier = Rc<dyn Fn()>;

/// Handle of a task (DCE's `Task*`).  Ids are unique within a simulator and
/// never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(u64);

impl TaskId {
    /// The raw id.
    pub fn raw(self) -> u64 {
        self.0
    }

    pub(crate) fn from_raw(raw: u64) -> Self {
        TaskId(raw)
    }
}

/// The two kinds of task the library sees (abi.rst "Execution contexts").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskKind {
    /// K-task: started by the library's `task_start`; its function must
    /// never return.
    Kernel,
    /// D-task: DCE-internal one-shot task; it ends when its function
    /// returns.
    OneShot,
    /// A-task: a program's thread; it ends when its function returns.
    Application,
    /// A Cradle caller's task: no fiber, never runs on its own.
    Fiberless,
}

/// State of a live task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// In its node's run queue (DCE: ACTIVE).
    Active,
    /// Running now.
    Running,
    /// Waiting for a [`Sim::task_wakeup`] (DCE: BLOCKED).
    Blocked,
}

type Fiber = Coroutine<(), (), (), DefaultStack>;

struct TaskRec {
    node: NodeId,
    kind: TaskKind,
    state: TaskState,
    // `None` while the fiber runs (the scheduler holds it).
    fiber: Option<Fiber>,
    // The fiber's yielder; null until the fiber first runs.
    yielder: *const Yielder<(), ()>,
    // Its stack may hold foreign (C) frames, which must not be unwound:
    // such a fiber is reset, not unwound, when the simulator is dropped.
    no_unwind: bool,
    // Called when the task is switched in.
    notifier: Option<SwitchNotifier>,
}

/// All tasks of a simulator.
#[derive(Default)]
pub(crate) struct TaskTable {
    // BTreeMap: deterministic drop order.
    map: BTreeMap<u64, TaskRec>,
    next: u64,
}

impl TaskTable {
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Resets (without unwinding) every suspended fiber marked
    /// `no_unwind`: unwinding through C frames would abort the process.
    pub(crate) fn reset_foreign(&mut self) {
        for rec in self.map.values_mut().filter(|r| r.no_unwind) {
            if let Some(f) = rec.fiber.as_mut().filter(|f| f.started() && !f.done()) {
                // SAFETY: the fiber is suspended and will never be resumed;
                // its stack holds foreign frames that own nothing the Rust
                // side still needs (the ABI layer keeps its state outside
                // task stacks), so abandoning them leaks at most the Rust
                // values of the suspended frames.
                unsafe { f.force_reset() };
            }
        }
    }
}

/// One node's task manager: its run queue.
#[derive(Debug, Default)]
pub(crate) struct TaskManager {
    runq: VecDeque<TaskId>,
    // A task-manager event is pending for this node.
    sched_pending: bool,
}

fn enqueue(st: &mut State, node: NodeId, t: TaskId) {
    let tm = &mut st.nodes[node.0 as usize].tm;
    tm.runq.push_back(t);
    if !tm.sched_pending {
        tm.sched_pending = true;
        st.queue
            .schedule(node, 0, Action::TaskSchedule)
            .expect("a zero delay cannot overflow the clock");
    }
}

impl Sim {
    /// Starts a kernel task (K-task) on `node` with the configured stack
    /// size: DCE's `task_start`.  It is only queued and runs later.  Valid
    /// in every context.
    pub fn task_start(
        &self,
        node: NodeId,
        f: impl FnOnce(&Sim) + 'static,
    ) -> Result<TaskId, SimError> {
        self.task_spawn(node, TaskKind::Kernel, self.config().task_stack_size, f)
    }

    /// Starts a one-shot D-task on `node` (how DCE runs `sim_init`,
    /// `dev_create` or a sysctl access), with the configured stack size.
    pub fn dtask_start(
        &self,
        node: NodeId,
        f: impl FnOnce(&Sim) + 'static,
    ) -> Result<TaskId, SimError> {
        self.task_spawn(node, TaskKind::OneShot, self.config().task_stack_size, f)
    }

    /// Starts a task of any kind with an explicit stack size.
    pub fn task_spawn(
        &self,
        node: NodeId,
        kind: TaskKind,
        stack_size: usize,
        f: impl FnOnce(&Sim) + 'static,
    ) -> Result<TaskId, SimError> {
        self.check_node(node)?;
        let stack = match DefaultStack::new(stack_size) {
            Ok(s) => s,
            Err(e) => {
                return self.fail(SimError::StackAlloc {
                    size: stack_size,
                    reason: e.to_string(),
                })
            }
        };
        let mut st = self.st.borrow_mut();
        let id = TaskId(st.tasks.next);
        st.tasks.next += 1;
        let sim: *const Sim = self;
        let fiber = Fiber::with_stack(stack, move |y: &Yielder<(), ()>, ()| {
            // SAFETY: a `Sim` only exists pinned in the box made by
            // `Sim::new`, so this address stays valid until the `Sim` is
            // dropped; `Sim::drop` drops (and so unwinds) every fiber before
            // any of its fields, and a fiber only runs inside `resume`,
            // called by that same `Sim`.
            let sim = unsafe { &*sim };
            sim.st
                .borrow_mut()
                .tasks
                .map
                .get_mut(&id.0)
                .expect("a running task is in the table")
                .yielder = y;
            f(sim)
        });
        st.tasks.map.insert(
            id.0,
            TaskRec {
                node,
                kind,
                state: TaskState::Active,
                fiber: Some(fiber),
                yielder: core::ptr::null(),
                no_unwind: false,
                notifier: None,
            },
        );
        enqueue(&mut st, node, id);
        Ok(id)
    }

    /// Starts an application task (A-task) on `node` with `stack_size`.
    pub fn atask_start(
        &self,
        node: NodeId,
        stack_size: usize,
        f: impl FnOnce(&Sim) + 'static,
    ) -> Result<TaskId, SimError> {
        self.task_spawn(node, TaskKind::Application, stack_size, f)
    }

    /// Sets what runs every time `task` is switched in (DCE's
    /// `Task::SetSwitchNotifier`).
    pub fn set_switch_notifier(&self, task: TaskId, notifier: SwitchNotifier) {
        if let Some(rec) = self.st.borrow_mut().tasks.map.get_mut(&task.0) {
            rec.notifier = Some(notifier);
        }
    }

    /// A Cradle caller's task on `node`: it has no fiber and only becomes
    /// current inside [`with_fiberless_task`](Sim::with_fiberless_task).
    pub fn fiberless_task_create(&self, node: NodeId) -> Result<TaskId, SimError> {
        self.check_node(node)?;
        let mut st = self.st.borrow_mut();
        let id = TaskId(st.tasks.next);
        st.tasks.next += 1;
        st.tasks.map.insert(
            id.0,
            TaskRec {
                node,
                kind: TaskKind::Fiberless,
                state: TaskState::Running,
                fiber: None,
                yielder: core::ptr::null(),
                no_unwind: false,
                notifier: None,
            },
        );
        Ok(id)
    }

    /// Runs `f` with the fiberless task `hi` current, as DCE's
    /// `EnterHiTask`/`LeaveHiTask` around a Cradle call: from an event or
    /// a task of its node.
    pub fn with_fiberless_task<R>(&self, hi: TaskId, f: impl FnOnce() -> R) -> R {
        let before = self.exec.get();
        self.exec.set(Exec {
            hi: Some(hi),
            ..before
        });
        let r = f();
        self.exec.set(before);
        r
    }

    /// Runs `f` as DCE's teardown runs on `node`: its node is current, no
    /// task is (`task_current` is a hard error).  Only between runs.
    pub fn in_teardown<R>(&self, node: NodeId, f: impl FnOnce() -> R) -> R {
        let before = self.exec.get();
        self.exec.set(Exec {
            node: Some(node),
            task: None,
            hi: None,
            teardown: true,
        });
        let r = f();
        self.exec.set(before);
        r
    }

    /// The task `task_current` would return, without raising a hard error
    /// where DCE would crash (for the simulator's own bookkeeping).
    pub fn task_current_quiet(&self) -> Option<TaskId> {
        let exec = self.exec.get();
        exec.hi.or(exec.task)
    }

    /// True while [`in_teardown`](Sim::in_teardown) runs.
    pub fn in_teardown_now(&self) -> bool {
        self.exec.get().teardown
    }

    /// Deletes `task` as DCE deletes the thread of a program that exits or
    /// is torn down: whatever it was doing is abandoned (its stack is not
    /// unwound) and waking it later is [`SimError::WakeupDeadTask`].  Not
    /// for the running task.
    pub fn kill_task(&self, task: TaskId) {
        if self.exec.get().task == Some(task) {
            return;
        }
        let rec = {
            let mut st = self.st.borrow_mut();
            let Some(rec) = st.tasks.map.remove(&task.0) else {
                return;
            };
            let tm = &mut st.nodes[rec.node.0 as usize].tm;
            tm.runq.retain(|t| *t != task);
            rec
        };
        if let Some(mut fiber) = rec.fiber {
            if fiber.started() && !fiber.done() {
                // SAFETY: the fiber is suspended and will never be resumed;
                // its frames (the program's and the library's) are
                // abandoned as DCE abandons a deleted thread's stack.
                unsafe { fiber.force_reset() };
            }
            drop(fiber);
        }
    }

    /// Live application tasks of `node`.
    pub fn application_tasks(&self, node: NodeId) -> Vec<TaskId> {
        let st = self.st.borrow();
        st.tasks
            .map
            .iter()
            .filter(|(_, r)| r.node == node && r.kind == TaskKind::Application)
            .map(|(id, _)| TaskId(*id))
            .collect()
    }

    /// The running task: DCE's `task_current`.  Only valid inside a task;
    /// in event context DCE dereferences a NULL `Task*`, so here it is
    /// [`SimError::TaskCurrentOutsideTask`].
    pub fn task_current(&self) -> Result<TaskId, SimError> {
        let exec = self.exec.get();
        if exec.teardown {
            return self.fail(SimError::TaskCurrentInTeardown);
        }
        match exec.hi.or(exec.task) {
            Some(t) => Ok(t),
            None => self.fail(SimError::TaskCurrentOutsideTask),
        }
    }

    /// Blocks the running task until a [`task_wakeup`](Sim::task_wakeup):
    /// DCE's `task_wait`.  There is no timeout (build one from an event
    /// that wakes the task).  Outside a task it is
    /// [`SimError::TaskWaitOutsideTask`].
    ///
    /// As in DCE, a wake-up that came while the task was running is not
    /// remembered: it returned `false` and this call blocks.
    pub fn task_wait(&self) -> Result<(), SimError> {
        self.suspend_current(TaskState::Blocked)
    }

    /// Re-queues the running task behind its node's queue and goes through
    /// the event loop: DCE's `task_yield`.  Outside a task it is
    /// [`SimError::TaskYieldOutsideTask`].
    pub fn task_yield(&self) -> Result<(), SimError> {
        self.suspend_current(TaskState::Active)
    }

    fn suspend_current(&self, to: TaskState) -> Result<(), SimError> {
        let exec = self.exec.get();
        if let (Some(_), Some(node)) = (exec.hi, exec.node) {
            return self.fail(SimError::WaitOnFiberless {
                call: match to {
                    TaskState::Blocked => "task_wait",
                    _ => "task_yield",
                },
                node,
            });
        }
        let Some(t) = exec.task else {
            return self.fail(match to {
                TaskState::Blocked => SimError::TaskWaitOutsideTask,
                _ => SimError::TaskYieldOutsideTask,
            });
        };
        let yielder = {
            let mut st = self.st.borrow_mut();
            let rec = st.tasks.map.get_mut(&t.0).expect("running task is live");
            rec.state = to;
            let (node, yielder) = (rec.node, rec.yielder);
            if to == TaskState::Active {
                enqueue(&mut st, node, t);
            }
            yielder
        };
        debug_assert!(!yielder.is_null());
        // SAFETY: `exec.task` is `t` only while `t`'s fiber runs, and we are
        // on that fiber (no other code runs during a slice), so `yielder` is
        // the Yielder of the fiber we are on, which lives on its stack for
        // the whole life of the fiber.  No `RefCell` borrow is held.
        unsafe { (*yielder).suspend(()) };
        Ok(())
    }

    /// Wakes `task` if it is blocked: DCE's `task_wakeup`.  Returns `true`
    /// if it was blocked (it then runs later at the same virtual time,
    /// after the current task blocks or returns), `false` if it was already
    /// queued or running.  Valid in every context.  Waking a task that has
    /// ended is [`SimError::WakeupDeadTask`]; waking another node's task
    /// from a node's context is [`SimError::CrossNodeWakeup`].
    pub fn task_wakeup(&self, task: TaskId) -> Result<bool, SimError> {
        let caller = self.exec.get().node;
        let mut st = self.st.borrow_mut();
        let Some(rec) = st.tasks.map.get_mut(&task.0) else {
            drop(st);
            return self.fail(SimError::WakeupDeadTask { task: task.0 });
        };
        let owner = rec.node;
        if let Some(caller) = caller.filter(|c| *c != owner) {
            drop(st);
            return self.fail(SimError::CrossNodeWakeup {
                caller,
                owner,
                task: task.0,
            });
        }
        if rec.kind == TaskKind::Fiberless {
            drop(st);
            return self.fail(SimError::WakeupFiberless { task: task.0 });
        }
        if rec.state != TaskState::Blocked {
            return Ok(false);
        }
        rec.state = TaskState::Active;
        enqueue(&mut st, owner, task);
        Ok(true)
    }

    /// Marks a live task whose stack may hold foreign (C) frames: when the
    /// simulator is dropped its fiber is reset instead of unwound.
    pub(crate) fn set_no_unwind(&self, task: TaskId) {
        if let Some(rec) = self.st.borrow_mut().tasks.map.get_mut(&task.0) {
            rec.no_unwind = true;
        }
    }

    /// Marks every task as [`set_no_unwind`](Self::set_no_unwind): under
    /// the ABI layer any task may be blocked inside the library.
    pub(crate) fn set_all_no_unwind(&self) {
        for rec in self.st.borrow_mut().tasks.map.values_mut() {
            rec.no_unwind = true;
        }
    }

    /// Abandons the running task after a hard error: it blocks and is never
    /// resumed (the latched error stops every run).  Call only inside a
    /// task, after [`Sim::fail`].
    pub(crate) fn abandon_current_task(&self) -> ! {
        debug_assert!(self.fatal().is_some());
        loop {
            let _ = self.suspend_current(TaskState::Blocked);
        }
    }

    /// State of a live task; `None` once it has ended.
    pub fn task_state(&self, task: TaskId) -> Option<TaskState> {
        self.st.borrow().tasks.map.get(&task.0).map(|r| r.state)
    }

    /// Node of a live task.
    pub fn task_node(&self, task: TaskId) -> Option<NodeId> {
        self.st.borrow().tasks.map.get(&task.0).map(|r| r.node)
    }

    /// Kind of a live task.
    pub fn task_kind(&self, task: TaskId) -> Option<TaskKind> {
        self.st.borrow().tasks.map.get(&task.0).map(|r| r.kind)
    }

    /// Number of live tasks on `node`.
    pub fn live_tasks(&self, node: NodeId) -> usize {
        let st = self.st.borrow();
        st.tasks.map.values().filter(|r| r.node == node).count()
    }

    /// The task-manager event of `node`: runs one slice of the first queued
    /// task.
    pub(crate) fn run_task_slice(&self, node: NodeId) {
        let (t, mut fiber, notifier) = {
            let st = &mut *self.st.borrow_mut();
            let tm = &mut st.nodes[node.0 as usize].tm;
            tm.sched_pending = false;
            let Some(t) = tm.runq.pop_front() else { return };
            let rec = st.tasks.map.get_mut(&t.0).expect("queued task is live");
            rec.state = TaskState::Running;
            (
                t,
                rec.fiber.take().expect("a queued task's fiber is at home"),
                rec.notifier.clone(),
            )
        };
        self.exec.set(Exec {
            node: Some(node),
            task: Some(t),
            ..Exec::default()
        });
        if let Some(n) = notifier {
            n();
        }
        let result = fiber.resume(());
        self.exec.set(Exec {
            node: Some(node),
            ..Exec::default()
        });
        let mut st = self.st.borrow_mut();
        let ended = match result {
            CoroutineResult::Yield(()) => {
                let rec = st.tasks.map.get_mut(&t.0).expect("suspended task is live");
                rec.fiber = Some(fiber);
                None
            }
            CoroutineResult::Return(()) => {
                let rec = st.tasks.map.remove(&t.0).expect("ended task was live");
                Some((rec, fiber))
            }
        };
        let tm = &mut st.nodes[node.0 as usize].tm;
        if !tm.runq.is_empty() && !tm.sched_pending {
            tm.sched_pending = true;
            st.queue
                .schedule(node, 0, Action::TaskSchedule)
                .expect("a zero delay cannot overflow the clock");
        }
        drop(st);
        if let Some((rec, fiber)) = ended {
            drop(fiber);
            if rec.kind == TaskKind::Kernel {
                let _ = self.fail::<()>(SimError::KernelTaskReturned { node, task: t.0 });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{NodeId, Sim, SimConfig, SimError, TaskId, TaskKind, TaskState};
    use std::cell::RefCell;
    use std::rc::Rc;

    type Log = Rc<RefCell<Vec<String>>>;

    fn push(log: &Log, sim: &Sim, what: &str) {
        log.borrow_mut().push(format!("{}@{}", what, sim.now()));
    }

    fn new_sim() -> (std::pin::Pin<Box<Sim>>, NodeId) {
        let sim = Sim::new(SimConfig::default());
        let n = sim.add_node();
        (sim, n)
    }

    /// A kernel task body that never returns.
    fn park_forever(sim: &Sim) -> ! {
        loop {
            sim.task_wait().unwrap();
        }
    }

    #[test]
    fn task_start_only_queues_and_tasks_run_fifo() {
        let (sim, n) = new_sim();
        let log: Log = Rc::default();
        for name in ["a", "b", "c"] {
            let l = log.clone();
            sim.dtask_start(n, move |sim: &Sim| push(&l, sim, name))
                .unwrap();
        }
        assert!(log.borrow().is_empty(), "task_start must not run the task");
        sim.run().unwrap();
        assert_eq!(*log.borrow(), ["a@0", "b@0", "c@0"]);
    }

    #[test]
    fn yield_round_robins_and_goes_through_the_event_loop() {
        let sim = Sim::new(SimConfig::default());
        let (n0, n1) = (sim.add_node(), sim.add_node());
        let log: Log = Rc::default();
        for (node, name) in [(n0, "A"), (n0, "B"), (n1, "X")] {
            let l = log.clone();
            sim.dtask_start(node, move |sim: &Sim| {
                for i in 0..3 {
                    push(&l, sim, &format!("{name}{i}"));
                    if name == "A" && i == 0 {
                        let l2 = l.clone();
                        sim.schedule(sim.current_node().unwrap(), 0, move |sim: &Sim| {
                            push(&l2, sim, "event")
                        })
                        .unwrap();
                    }
                    sim.task_yield().unwrap();
                }
            })
            .unwrap();
        }
        sim.run().unwrap();
        assert_eq!(
            *log.borrow(),
            [
                // One slice per task-manager event, FIFO with all other
                // events: the event A scheduled before yielding runs before
                // B's first slice, and node 1 interleaves with node 0.
                "A0@0", "X0@0", "event@0", "B0@0", "X1@0", "A1@0", "X2@0", "B1@0", "A2@0", "B2@0"
            ]
        );
    }

    #[test]
    fn wait_and_wakeup_from_an_event_with_a_timeout() {
        let (sim, n) = new_sim();
        let log: Log = Rc::default();
        let l = log.clone();
        let t = sim
            .task_start(n, move |sim: &Sim| {
                let me = sim.task_current().unwrap();
                // A 1 ms sleep: an event wakes the task (abi.rst "Tasks and
                // scheduling").
                sim.schedule(n, 1_000_000, move |sim: &Sim| {
                    assert!(sim.task_wakeup(me).unwrap());
                })
                .unwrap();
                push(&l, sim, "sleep");
                sim.task_wait().unwrap();
                push(&l, sim, "woke");
                park_forever(sim)
            })
            .unwrap();
        sim.run().unwrap();
        assert_eq!(*log.borrow(), ["sleep@0", "woke@1000000"]);
        assert_eq!(sim.task_state(t), Some(TaskState::Blocked));
        assert_eq!(sim.task_kind(t), Some(TaskKind::Kernel));
        assert_eq!(sim.task_node(t), Some(n));
    }

    #[test]
    fn woken_task_runs_after_the_waker_blocks_or_returns() {
        let (sim, n) = new_sim();
        let log: Log = Rc::default();
        let l = log.clone();
        let a = sim
            .task_start(n, move |sim: &Sim| loop {
                sim.task_wait().unwrap();
                push(&l, sim, "A runs");
            })
            .unwrap();
        // A has not run yet: it is queued, not blocked.
        assert!(!sim.task_wakeup(a).unwrap());
        let l = log.clone();
        sim.dtask_start(n, move |sim: &Sim| {
            // A ran first (FIFO) and blocked.
            assert_eq!(sim.task_state(a), Some(TaskState::Blocked));
            assert!(sim.task_wakeup(a).unwrap());
            assert!(!sim.task_wakeup(a).unwrap(), "already queued");
            push(&l, sim, "B after wakeup");
            let me = sim.task_current().unwrap();
            assert!(!sim.task_wakeup(me).unwrap(), "running");
        })
        .unwrap();
        sim.run().unwrap();
        assert_eq!(*log.borrow(), ["B after wakeup@0", "A runs@0"]);
    }

    #[test]
    fn task_started_by_a_task_runs_later() {
        let (sim, n) = new_sim();
        let log: Log = Rc::default();
        let l = log.clone();
        sim.dtask_start(n, move |sim: &Sim| {
            let l2 = l.clone();
            let child = sim
                .dtask_start(n, move |sim: &Sim| push(&l2, sim, "child"))
                .unwrap();
            assert_eq!(sim.task_state(child), Some(TaskState::Active));
            push(&l, sim, "parent returns");
        })
        .unwrap();
        sim.run().unwrap();
        assert_eq!(*log.borrow(), ["parent returns@0", "child@0"]);
    }

    #[test]
    fn idle_node_processes_a_bounded_number_of_events() {
        let sim = Sim::new(SimConfig::default());
        let (busy, idle, empty) = (sim.add_node(), sim.add_node(), sim.add_node());
        for _ in 0..3 {
            sim.task_start(idle, |sim: &Sim| park_forever(sim)).unwrap();
        }
        // A periodic timer on the busy node, 1 ms apart.
        fn tick(sim: &Sim, node: NodeId, left: u32) {
            if left > 0 {
                sim.schedule(node, 1_000_000, move |sim: &Sim| tick(sim, node, left - 1))
                    .unwrap();
            }
        }
        tick(&sim, busy, 1000);
        sim.run_until(10_000_000_000).unwrap();
        // One task-manager event per first slice, nothing after.
        assert_eq!(sim.events_processed(idle).unwrap(), 3);
        assert_eq!(sim.events_processed(empty).unwrap(), 0);
        assert_eq!(sim.events_processed(busy).unwrap(), 1000);
        assert_eq!(sim.events_processed_total(), 1003);
        assert_eq!(sim.live_tasks(idle), 3);
        assert_eq!(sim.now(), 10_000_000_000);
    }

    #[test]
    fn custom_stack_size_holds_a_large_frame() {
        let sim = Sim::new(SimConfig {
            task_stack_size: 1 << 20,
            ..SimConfig::default()
        });
        let n = sim.add_node();
        let out = Rc::new(RefCell::new(0u64));
        let o = out.clone();
        sim.dtask_start(n, move |_: &Sim| {
            // 256 KiB of locals: more than the 128 KiB default.
            let mut big = [0u8; 256 * 1024];
            big.fill(7);
            let big = std::hint::black_box(&big);
            *o.borrow_mut() = big.iter().map(|&b| u64::from(b)).sum();
        })
        .unwrap();
        sim.run().unwrap();
        assert_eq!(*out.borrow(), 7 * 256 * 1024);
    }

    #[test]
    fn dropping_the_sim_unwinds_blocked_tasks() {
        struct Flag(Rc<RefCell<u32>>);
        impl Drop for Flag {
            fn drop(&mut self) {
                *self.0.borrow_mut() += 1;
            }
        }
        let dropped = Rc::new(RefCell::new(0));
        {
            let (sim, n) = new_sim();
            for _ in 0..2 {
                let flag = Flag(dropped.clone());
                sim.task_start(n, move |sim: &Sim| {
                    let _keep = flag;
                    park_forever(sim)
                })
                .unwrap();
            }
            let flag = Flag(dropped.clone());
            sim.task_start(n, move |sim: &Sim| {
                let _keep = flag; // never started
                park_forever(sim)
            })
            .unwrap();
            sim.run_until(0).unwrap();
            assert_eq!(*dropped.borrow(), 0);
        }
        assert_eq!(*dropped.borrow(), 3);
    }

    #[test]
    fn deterministic_trace() {
        fn trace() -> Vec<String> {
            let sim = Sim::new(SimConfig {
                seed: 42,
                ..SimConfig::default()
            });
            let log: Log = Rc::default();
            let nodes: Vec<_> = (0..3).map(|_| sim.add_node()).collect();
            for &n in &nodes {
                for k in 0..2 {
                    let l = log.clone();
                    sim.task_start(n, move |sim: &Sim| {
                        let me = sim.task_current().unwrap();
                        loop {
                            let r = sim.random(n).unwrap();
                            push(&l, sim, &format!("n{}t{k}:{:x}", n.0, r & 0xff));
                            if r % 3 == 0 {
                                sim.task_yield().unwrap();
                            } else {
                                sim.schedule(n, r % 1000, move |sim: &Sim| {
                                    sim.task_wakeup(me).unwrap();
                                })
                                .unwrap();
                                sim.task_wait().unwrap();
                            }
                        }
                    })
                    .unwrap();
                }
            }
            sim.run_until(20_000).unwrap();
            let v = log.borrow().clone();
            v
        }
        let a = trace();
        assert!(a.len() > 50, "{}", a.len());
        assert_eq!(a, trace());
    }

    #[test]
    fn task_current_in_event_context_is_a_hard_error() {
        let (sim, n) = new_sim();
        let got = Rc::new(RefCell::new(None));
        let g = got.clone();
        sim.schedule(n, 0, move |sim: &Sim| {
            *g.borrow_mut() = Some(sim.task_current());
        })
        .unwrap();
        let e = sim.run().unwrap_err();
        assert_eq!(e, SimError::TaskCurrentOutsideTask);
        assert_eq!(got.borrow_mut().take().unwrap(), Err(e.clone()));
        assert_eq!(
            e.to_string(),
            "task_current() called in event context (DCE dereferences a NULL Task here)"
        );
    }

    #[test]
    fn task_wait_outside_a_task_is_a_hard_error() {
        let (sim, _) = new_sim();
        let e = sim.task_wait().unwrap_err();
        assert_eq!(e, SimError::TaskWaitOutsideTask);
        assert_eq!(
            e.to_string(),
            "task_wait() called in event context (DCE asserts in TaskManager::Sleep: no current \
             Task to block)"
        );
    }

    #[test]
    fn task_yield_in_event_context_is_a_hard_error() {
        let (sim, n) = new_sim();
        sim.schedule(n, 5, |sim: &Sim| {
            let _ = sim.task_yield();
        })
        .unwrap();
        let e = sim.run().unwrap_err();
        assert_eq!(e, SimError::TaskYieldOutsideTask);
        assert!(e
            .to_string()
            .starts_with("task_yield() called in event context"));
    }

    #[test]
    fn kernel_task_returning_is_a_hard_error() {
        let (sim, n) = new_sim();
        let t = sim.task_start(n, |_: &Sim| {}).unwrap();
        let e = sim.run().unwrap_err();
        assert_eq!(
            e,
            SimError::KernelTaskReturned {
                node: n,
                task: t.raw()
            }
        );
        assert_eq!(
            e.to_string(),
            format!(
                "kernel task #{} on node 0 returned (DCE's task trampoline raises \
                 NS_FATAL_ERROR: a task_start callback must never return)",
                t.raw()
            )
        );
    }

    #[test]
    fn oneshot_task_may_return_and_its_handle_dies() {
        let (sim, n) = new_sim();
        let t = sim.dtask_start(n, |_: &Sim| {}).unwrap();
        assert_eq!(sim.task_kind(t), Some(TaskKind::OneShot));
        sim.run().unwrap();
        assert_eq!(sim.task_state(t), None);
        assert_eq!(sim.live_tasks(n), 0);
        let e = sim.task_wakeup(t).unwrap_err();
        assert_eq!(e, SimError::WakeupDeadTask { task: t.raw() });
        assert_eq!(
            e.to_string(),
            format!(
                "task_wakeup() on task #{}, which has already ended (DCE would use the deleted \
                 Task*: use-after-free)",
                t.raw()
            )
        );
    }

    #[test]
    fn cross_node_wakeup_is_a_hard_error() {
        let sim = Sim::new(SimConfig::default());
        let (n0, n1) = (sim.add_node(), sim.add_node());
        let t: TaskId = sim.task_start(n1, |sim: &Sim| park_forever(sim)).unwrap();
        sim.schedule(n0, 1, move |sim: &Sim| {
            let _ = sim.task_wakeup(t);
        })
        .unwrap();
        let e = sim.run().unwrap_err();
        assert_eq!(
            e,
            SimError::CrossNodeWakeup {
                caller: n0,
                owner: n1,
                task: t.raw()
            }
        );
        assert!(e.to_string().contains("from node 0 on task"));
    }
}
