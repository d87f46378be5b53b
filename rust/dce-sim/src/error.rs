//! Hard errors: every place where ns-3-dce would crash, assert or corrupt
//! memory (Documentation/dce/abi.rst: "Execution contexts", "Memory,
//! logging and files", "Time, events and randomness", "Tasks and
//! scheduling"; "Hazards", H2 to H4).
//!
//! The simulator detects these instead of crashing and reports them as a
//! [`SimError`].  Every error is also *latched* in the [`Sim`](crate::Sim)
//! (see [`Sim::fatal`](crate::Sim::fatal)): a library that ignores the
//! returned `Err` cannot continue, because [`Sim::run`](crate::Sim::run)
//! then stops after the current event or task slice and returns the first
//! error (code after the failing call in that slice still runs, where DCE
//! would already have crashed).  The ABI layer ([`crate::abi`]) goes
//! further: library code that caused a hard error is abandoned, never
//! resumed.

use crate::NodeId;
use core::fmt;

/// A hard error: something DCE would crash or abort on.
///
/// The [`Display`](fmt::Display) message names the offending call and what
/// DCE would have done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimError {
    /// `event_cancel` on a handle whose event has already run.
    EventAlreadyRan {
        /// The raw id of the dead handle.
        event: u64,
    },
    /// `event_cancel` on a handle that was already cancelled.
    EventAlreadyCancelled {
        /// The raw id of the dead handle.
        event: u64,
    },
    /// `task_current()` outside a task (event/main context).
    TaskCurrentOutsideTask,
    /// `task_wait()` outside a task (event/main context).
    TaskWaitOutsideTask,
    /// `task_yield()` outside a task (event/main context).
    TaskYieldOutsideTask,
    /// `task_current()` during DCE's teardown, which runs with no current
    /// task (abi.rst "Hazards", H1b).
    TaskCurrentInTeardown,
    /// An import that needs DCE's `TaskManager::Current()` (scheduling an
    /// event, sending a frame, waking a program's poll) during DCE's
    /// teardown, where it is NULL.
    NoTaskManagerInTeardown {
        /// The import.
        call: &'static str,
        /// Node whose library called it.
        node: NodeId,
    },
    /// A node's kernel logged a warning or a bug
    /// ([`SimConfig::kernel_warnings_fatal`](crate::SimConfig)).
    KernelWarning {
        /// The node.
        node: NodeId,
        /// The line, as far as it was printed.
        line: String,
    },
    /// `task_wait()`/`task_yield()` while a Cradle caller's fiberless task
    /// is the current one (abi.rst "Hazards", H1c).
    WaitOnFiberless {
        /// `task_wait` or `task_yield`.
        call: &'static str,
        /// Node of the caller.
        node: NodeId,
    },
    /// `task_wakeup` on a Cradle caller's fiberless task.
    WakeupFiberless {
        /// Raw id of the task.
        task: u64,
    },
    /// A kernel task's function returned.
    KernelTaskReturned {
        /// Node of the task.
        node: NodeId,
        /// Raw id of the task.
        task: u64,
    },
    /// `task_wakeup` on a task that has already ended (a one-shot D-task).
    WakeupDeadTask {
        /// Raw id of the dead task.
        task: u64,
    },
    /// `task_wakeup` from one node's context on a task of another node.
    CrossNodeWakeup {
        /// Node whose context made the call.
        caller: NodeId,
        /// Node that owns the task.
        owner: NodeId,
        /// Raw id of the task.
        task: u64,
    },
    /// `free(NULL)`.
    FreeNull {
        /// Node whose heap was asked.
        node: NodeId,
    },
    /// `free` of a block that belongs to another node's heap.
    FreeForeign {
        /// Node whose heap was asked.
        node: NodeId,
        /// Node that allocated the block.
        owner: NodeId,
        /// The pointer.
        ptr: usize,
    },
    /// `free` of a block that was already freed.
    DoubleFree {
        /// Node whose heap was asked.
        node: NodeId,
        /// Node that freed the block first.
        freed_by: NodeId,
        /// The pointer.
        ptr: usize,
    },
    /// `free` of a pointer that no node's `malloc` returned.
    FreeInvalid {
        /// Node whose heap was asked.
        node: NodeId,
        /// The pointer.
        ptr: usize,
    },
    /// The header in front of a live block was overwritten.
    HeapCorruption {
        /// Node that owns the block.
        node: NodeId,
        /// The pointer.
        ptr: usize,
    },
    /// `malloc` of a size that does not fit DCE's 32-bit size header.
    AllocTooLarge {
        /// Node whose heap was asked.
        node: NodeId,
        /// The requested size.
        size: u64,
    },
    /// A node id that was never created with [`Sim::add_node`](crate::Sim::add_node).
    UnknownNode {
        /// The unknown id.
        node: NodeId,
    },
    /// An event time past `u64::MAX` ns.
    TimeOverflow {
        /// Current time.
        now: u64,
        /// Requested relative delay.
        delay: u64,
    },
    /// `run`/`run_until` called from inside an event or a task.
    ReentrantRun,
    /// A file or environment import (`atexit` ... `fwrite`) called outside
    /// an application task (dce-sim has none yet).
    OutsideApplicationTask {
        /// The import.
        call: &'static str,
        /// Node whose library called it.
        node: NodeId,
    },
    /// `sim_init` returned with a `SimExported` slot still NULL.
    ExportedSlotNull {
        /// Node whose library was initialised.
        node: NodeId,
        /// The member name.
        slot: &'static str,
    },
    /// `event_schedule_ns` with a NULL `pre_fn`.
    PreFnNull {
        /// Node whose library called it.
        node: NodeId,
    },
    /// Any other misuse of the ABI by the library (NULL callback, bad
    /// cookie or handle, a needed export missing, ...).
    Abi {
        /// Node whose library did it, if known.
        node: Option<NodeId>,
        /// What happened and what DCE would have done.
        msg: String,
    },
    /// The stack of a new task could not be mapped.
    StackAlloc {
        /// Requested stack size in bytes.
        size: usize,
        /// The OS error.
        reason: String,
    },
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::EventAlreadyRan { event } => write!(
                f,
                "event_cancel() on dead event handle #{event}: its event already ran \
                 (DCE would Simulator::Remove through a dangling EventId: use-after-free)"
            ),
            SimError::EventAlreadyCancelled { event } => write!(
                f,
                "event_cancel() on dead event handle #{event}: it was already cancelled \
                 (DCE would Simulator::Remove through a dangling EventId: use-after-free)"
            ),
            SimError::TaskCurrentOutsideTask => f.write_str(
                "task_current() called in event context (DCE dereferences a NULL Task here)",
            ),
            SimError::TaskWaitOutsideTask => f.write_str(
                "task_wait() called in event context (DCE asserts in TaskManager::Sleep: no \
                 current Task to block)",
            ),
            SimError::TaskYieldOutsideTask => f.write_str(
                "task_yield() called in event context (DCE asserts in TaskManager::Yield: no \
                 current Task to re-queue)",
            ),
            SimError::TaskCurrentInTeardown => f.write_str(
                "task_current() during DCE's teardown (sock_close/sock_pollfreewait from \
                 DceManager::DoDispose, where TaskManager::Current() is NULL: NULL \
                 dereference)",
            ),
            SimError::NoTaskManagerInTeardown { call, node } => write!(
                f,
                "{call}() on node {node} during DCE's teardown (TaskManager::Current() is NULL \
                 there, and DCE's EventScheduleNs, DevXmit and PollTable wake-up \
                 dereference it)"
            ),
            SimError::KernelWarning { node, line } => {
                write!(f, "the kernel of node {node} logged: {line}")
            }
            SimError::WaitOnFiberless { call, node } => write!(
                f,
                "{call}() on node {node} while a Cradle caller's fiberless task is current \
                 (DCE asserts m_current != 0 in TaskManager::Sleep, or blocks the wrong fiber \
                 for ever)"
            ),
            SimError::WakeupFiberless { task } => write!(
                f,
                "task_wakeup() on task #{task}, a Cradle caller's fiberless task (DCE would \
                 queue a task that has no fiber: nothing would ever run it)"
            ),
            SimError::KernelTaskReturned { node, task } => write!(
                f,
                "kernel task #{task} on node {node} returned (DCE's task trampoline raises \
                 NS_FATAL_ERROR: a task_start callback must never return)"
            ),
            SimError::WakeupDeadTask { task } => write!(
                f,
                "task_wakeup() on task #{task}, which has already ended (DCE would use the \
                 deleted Task*: use-after-free)"
            ),
            SimError::CrossNodeWakeup {
                caller,
                owner,
                task,
            } => write!(
                f,
                "task_wakeup() from node {caller} on task #{task} of node {owner} (each node's \
                 library copy only knows its own tasks: DCE would wake it in the wrong \
                 TaskManager)"
            ),
            SimError::FreeNull { node } => write!(
                f,
                "free(NULL) on node {node} (DCE's Free reads the size header in front of the \
                 pointer and crashes)"
            ),
            SimError::FreeForeign { node, owner, ptr } => write!(
                f,
                "free({ptr:#x}) on node {node} of a block allocated by node {owner} (DCE would \
                 put it into the wrong KingsleyAlloc and corrupt both heaps)"
            ),
            SimError::DoubleFree {
                node,
                freed_by,
                ptr,
            } => write!(
                f,
                "double free of {ptr:#x} on node {node} (already freed by node {freed_by}; DCE's \
                 KingsleyAlloc would corrupt its free list)"
            ),
            SimError::FreeInvalid { node, ptr } => write!(
                f,
                "free({ptr:#x}) on node {node} of a pointer no malloc returned (DCE would read \
                 a garbage size header and corrupt its heap)"
            ),
            SimError::HeapCorruption { node, ptr } => write!(
                f,
                "heap corruption: the header in front of {ptr:#x} (node {node}) was overwritten \
                 (DCE's free would read a garbage size)"
            ),
            SimError::AllocTooLarge { node, size } => write!(
                f,
                "malloc({size}) on node {node}: DCE stores the size in a 32-bit header and \
                 would truncate it"
            ),
            SimError::UnknownNode { node } => write!(f, "unknown node {node}"),
            SimError::TimeOverflow { now, delay } => write!(
                f,
                "event_schedule_ns({delay}) at {now} ns overflows the 64-bit nanosecond clock"
            ),
            SimError::ReentrantRun => f.write_str(
                "run()/run_until() called from inside an event or a task (the ns-3 event loop \
                 is not reentrant)",
            ),
            SimError::OutsideApplicationTask { call, node } => write!(
                f,
                "{call}() called outside an application task on node {node} (DCE asserts here: \
                 the file and environment imports need a DCE Thread)"
            ),
            SimError::ExportedSlotNull { node, slot } => write!(
                f,
                "sim_init on node {node} returned with exported->{slot} still NULL (DCE would \
                 later call through a NULL pointer)"
            ),
            SimError::PreFnNull { node } => write!(
                f,
                "event_schedule_ns() on node {node} with pre_fn NULL (DCE calls pre_fn \
                 unconditionally before fn: NULL call)"
            ),
            SimError::Abi {
                node: Some(node),
                msg,
            } => write!(f, "node {node}: {msg}"),
            SimError::Abi { node: None, msg } => f.write_str(msg),
            SimError::StackAlloc { size, reason } => {
                write!(f, "cannot map a {size}-byte task stack: {reason}")
            }
        }
    }
}

impl std::error::Error for SimError {}
