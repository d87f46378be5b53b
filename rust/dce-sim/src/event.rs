//! The global discrete-event queue (ns-3's `Simulator`, as DCE uses it).
//!
//! Time is virtual nanoseconds (`u64`) and never advances while an event or
//! a task runs (Documentation/dce/abi.rst, "Time, events and
//! randomness").  Events are ordered by (time, insertion
//! sequence number), exactly like ns-3's (timestamp, uid) key, so events at
//! the same time run FIFO in the order they were scheduled.  Every event
//! carries a node: the simulator context it runs in.
//!
//! An [`EventId`] is *dead* as soon as its event has started running or has
//! been cancelled.  In DCE the handle returned by `event_schedule_ns` points
//! into a holder that only the pending event keeps alive, so cancelling a
//! dead handle is a use-after-free (abi.rst "Time, events and
//! randomness", hazard H3); here it is a hard error
//! ([`SimError::EventAlreadyRan`], [`SimError::EventAlreadyCancelled`]).
//!
//! [`EventQueue`] is the bare data structure; the [`Sim`] methods
//! ([`Sim::schedule`], [`Sim::cancel`], [`Sim::run`], ...) drive it.

use crate::{Exec, NodeId, Sim, SimError};
use core::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

/// Handle of a scheduled event, valid until the event runs or is cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(u64);

impl EventId {
    /// The insertion sequence number (unique, increasing).
    pub fn raw(self) -> u64 {
        self.0
    }

    pub(crate) fn from_raw(raw: u64) -> Self {
        EventId(raw)
    }
}

/// An event taken off the queue by [`EventQueue::pop`].
#[derive(Debug)]
pub struct Fired<T> {
    /// Its (now dead) handle.
    pub id: EventId,
    /// Its time, which is now the current time.
    pub time: u64,
    /// Its node.
    pub node: NodeId,
    /// What to run.
    pub payload: T,
}

/// A discrete-event queue: (time, FIFO) order, cancellation, dead-handle
/// detection and a clock.
#[derive(Debug)]
pub struct EventQueue<T> {
    now: u64,
    next_seq: u64,
    // (time, seq); entries whose seq is no longer in `pending` were
    // cancelled and are skipped (lazy deletion, compacted now and then).
    heap: BinaryHeap<Reverse<(u64, u64)>>,
    pending: HashMap<u64, (NodeId, T)>,
    // Cancelled sequence numbers, to tell "already cancelled" from "already
    // ran" in the error.  Every other dead seq (< next_seq) has run.
    cancelled: HashSet<u64>,
    processed: u64,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> EventQueue<T> {
    /// An empty queue at time 0.
    pub fn new() -> Self {
        EventQueue {
            now: 0,
            next_seq: 0,
            heap: BinaryHeap::new(),
            pending: HashMap::new(),
            cancelled: HashSet::new(),
            processed: 0,
        }
    }

    /// Current time in ns.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Number of pending (scheduled, not yet run or cancelled) events.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// True if no event is pending.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Number of events popped so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// Schedules `payload` on `node` at `now + delay_ns`.
    pub fn schedule(
        &mut self,
        node: NodeId,
        delay_ns: u64,
        payload: T,
    ) -> Result<EventId, SimError> {
        let time = self
            .now
            .checked_add(delay_ns)
            .ok_or(SimError::TimeOverflow {
                now: self.now,
                delay: delay_ns,
            })?;
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Reverse((time, seq)));
        self.pending.insert(seq, (node, payload));
        Ok(EventId(seq))
    }

    /// True if `id` was ever handed out by this queue.
    pub fn was_issued(&self, id: EventId) -> bool {
        id.0 < self.next_seq
    }

    /// True if `id`'s event is still pending.
    pub fn is_pending(&self, id: EventId) -> bool {
        self.pending.contains_key(&id.0)
    }

    /// Cancels a pending event and returns its payload; a dead handle is a
    /// hard error.
    pub fn cancel(&mut self, id: EventId) -> Result<T, SimError> {
        match self.pending.remove(&id.0) {
            Some((_, payload)) => {
                self.cancelled.insert(id.0);
                // Lazy deletion leaves the heap entry; compact when stale
                // entries dominate so that cancel-heavy timers stay bounded.
                if self.heap.len() > 64 && self.heap.len() > 2 * self.pending.len() {
                    let pending = &self.pending;
                    self.heap
                        .retain(|Reverse((_, seq))| pending.contains_key(seq));
                }
                Ok(payload)
            }
            None if self.cancelled.contains(&id.0) => {
                Err(SimError::EventAlreadyCancelled { event: id.0 })
            }
            None => Err(SimError::EventAlreadyRan { event: id.0 }),
        }
    }

    /// Time of the next pending event.
    pub fn next_time(&mut self) -> Option<u64> {
        self.skip_cancelled();
        self.heap.peek().map(|Reverse((t, _))| *t)
    }

    /// Takes the next event if its time is `<= limit`, advancing the clock
    /// to it.  Its handle is dead from now on.
    pub fn pop(&mut self, limit: u64) -> Option<Fired<T>> {
        self.skip_cancelled();
        let &Reverse((time, seq)) = self.heap.peek()?;
        if time > limit {
            return None;
        }
        self.heap.pop();
        let (node, payload) = self
            .pending
            .remove(&seq)
            .expect("skip_cancelled left a live entry on top");
        debug_assert!(time >= self.now, "time went backwards");
        self.now = time;
        self.processed += 1;
        Some(Fired {
            id: EventId(seq),
            time,
            node,
            payload,
        })
    }

    /// Moves the clock forward to `t` (never backwards).  Pending events
    /// before `t` would then lie in the past, so callers only do this when
    /// none is.
    pub fn advance_to(&mut self, t: u64) {
        self.now = self.now.max(t);
    }

    fn skip_cancelled(&mut self) {
        while let Some(&Reverse((_, seq))) = self.heap.peek() {
            if self.pending.contains_key(&seq) {
                break;
            }
            self.heap.pop();
        }
    }
}

/// What an event of the simulator does.
pub(crate) enum Action {
    /// A user callback (later: the library's `pre_fn(); fn(ctx)`).
    Call(Box<dyn FnOnce(&Sim)>),
    /// The node's task manager runs one task slice.
    TaskSchedule,
}

impl core::fmt::Debug for Action {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Action::Call(_) => f.write_str("Call"),
            Action::TaskSchedule => f.write_str("TaskSchedule"),
        }
    }
}

/// Restores "nothing running" even if a callback panics.
struct RunGuard<'a>(&'a Sim);

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        self.0.exec.set(Exec::default());
        self.0.set_running(false);
    }
}

impl Sim {
    /// Current virtual time in ns (DCE's `current_ns`).
    pub fn now(&self) -> u64 {
        self.st.borrow().queue.now()
    }

    /// Schedules `callback` on `node` at `now + delay_ns` (DCE's
    /// `event_schedule_ns`: relative delay).  It runs in event context
    /// ("M") with `node` as the current node.  Valid in every context.
    pub fn schedule(
        &self,
        node: NodeId,
        delay_ns: u64,
        callback: impl FnOnce(&Sim) + 'static,
    ) -> Result<EventId, SimError> {
        self.check_node(node)?;
        let r =
            self.st
                .borrow_mut()
                .queue
                .schedule(node, delay_ns, Action::Call(Box::new(callback)));
        r.or_else(|e| self.fail(e))
    }

    /// Cancels a pending event (DCE's `event_cancel`).  Valid in every
    /// context.  A handle whose event already ran or was already cancelled
    /// is a hard error.
    pub fn cancel(&self, id: EventId) -> Result<(), SimError> {
        let r = self.st.borrow_mut().queue.cancel(id);
        match r {
            // Drop the callback outside the borrow: its captures may call
            // back into the simulator when dropped.
            Ok(payload) => {
                drop(payload);
                Ok(())
            }
            Err(e) => self.fail(e),
        }
    }

    /// True if `id`'s event is still pending (the handle is alive).
    pub fn is_pending(&self, id: EventId) -> bool {
        self.st.borrow().queue.is_pending(id)
    }

    /// True if `id` was ever returned by [`schedule`](Sim::schedule).
    pub fn event_was_issued(&self, id: EventId) -> bool {
        self.st.borrow().queue.was_issued(id)
    }

    /// Number of pending events (including task-manager events).
    pub fn pending_events(&self) -> usize {
        self.st.borrow().queue.len()
    }

    /// Events processed so far on `node`: its callbacks plus its task
    /// manager's scheduling events.
    pub fn events_processed(&self, node: NodeId) -> Result<u64, SimError> {
        self.check_node(node)?;
        Ok(self.st.borrow().nodes[node.0 as usize].events)
    }

    /// Events processed so far on all nodes.
    pub fn events_processed_total(&self) -> u64 {
        self.st.borrow().queue.processed()
    }

    /// Runs until no event is pending (blocked tasks may remain).
    pub fn run(&self) -> Result<(), SimError> {
        self.run_inner(u64::MAX)
    }

    /// Runs every event whose time is `<= t` (including events those events
    /// schedule at `<= t`), then sets the clock to `t` if it is later.
    pub fn run_until(&self, t: u64) -> Result<(), SimError> {
        self.run_inner(t)
    }

    fn run_inner(&self, limit: u64) -> Result<(), SimError> {
        if let Some(e) = self.fatal() {
            return Err(e);
        }
        if self.exec.get() != Exec::default() || self.set_running(true) {
            return self.fail(SimError::ReentrantRun);
        }
        let _guard = RunGuard(self);
        loop {
            let fired = {
                let mut st = self.st.borrow_mut();
                let fired = st.queue.pop(limit);
                if let Some(f) = &fired {
                    st.nodes[f.node.0 as usize].events += 1;
                }
                fired
            };
            let Some(ev) = fired else { break };
            self.exec.set(Exec {
                node: Some(ev.node),
                ..Exec::default()
            });
            match ev.payload {
                Action::Call(f) => f(self),
                Action::TaskSchedule => self.run_task_slice(ev.node),
            }
            self.exec.set(Exec::default());
            if let Some(e) = self.fatal() {
                return Err(e);
            }
        }
        if limit != u64::MAX {
            self.st.borrow_mut().queue.advance_to(limit);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SimConfig;
    use std::cell::RefCell;
    use std::rc::Rc;

    type Log = Rc<RefCell<Vec<(u64, u32, &'static str)>>>;

    fn rec(log: &Log, tag: &'static str) -> impl FnOnce(&Sim) + 'static {
        let log = log.clone();
        move |sim: &Sim| {
            let node = sim.current_node().expect("event context has a node").0;
            log.borrow_mut().push((sim.now(), node, tag));
        }
    }

    #[test]
    fn queue_orders_by_time_then_fifo() {
        let mut q = EventQueue::new();
        let n = NodeId(0);
        q.schedule(n, 10, "b").unwrap();
        q.schedule(n, 5, "a").unwrap();
        q.schedule(n, 10, "c").unwrap();
        q.schedule(n, 10, "d").unwrap();
        let order: Vec<_> = std::iter::from_fn(|| q.pop(u64::MAX))
            .map(|f| (f.time, f.payload))
            .collect();
        assert_eq!(order, [(5, "a"), (10, "b"), (10, "c"), (10, "d")]);
        assert_eq!(q.now(), 10);
        assert_eq!(q.processed(), 4);
    }

    #[test]
    fn queue_pop_respects_limit_and_skips_cancelled() {
        let mut q = EventQueue::new();
        let a = q.schedule(NodeId(0), 1, 1).unwrap();
        q.schedule(NodeId(1), 2, 2).unwrap();
        q.schedule(NodeId(0), 3, 3).unwrap();
        assert_eq!(q.cancel(a).unwrap(), 1);
        assert_eq!(q.next_time(), Some(2));
        let f = q.pop(2).unwrap();
        assert_eq!((f.time, f.node, f.payload), (2, NodeId(1), 2));
        assert!(q.pop(2).is_none());
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn queue_compacts_cancelled_entries() {
        let mut q = EventQueue::new();
        let ids: Vec<_> = (0..1000)
            .map(|i| q.schedule(NodeId(0), 1000 + i, i).unwrap())
            .collect();
        for id in &ids[..990] {
            q.cancel(*id).unwrap();
        }
        assert_eq!(q.len(), 10);
        assert!(q.heap.len() <= 2 * 10 + 64, "heap kept {}", q.heap.len());
        let left: Vec<_> = std::iter::from_fn(|| q.pop(u64::MAX))
            .map(|f| f.payload)
            .collect();
        assert_eq!(left, (990..1000).collect::<Vec<_>>());
    }

    #[test]
    fn time_overflow_is_an_error() {
        let mut q = EventQueue::new();
        q.schedule(NodeId(0), u64::MAX, ()).unwrap();
        q.pop(u64::MAX).unwrap();
        let e = q.schedule(NodeId(0), 1, ()).unwrap_err();
        assert_eq!(
            e,
            SimError::TimeOverflow {
                now: u64::MAX,
                delay: 1
            }
        );
    }

    #[test]
    fn events_run_in_time_then_fifo_order_with_their_node() {
        let sim = Sim::new(SimConfig::default());
        let (a, b) = (sim.add_node(), sim.add_node());
        let log: Log = Rc::default();
        sim.schedule(a, 100, rec(&log, "a100")).unwrap();
        sim.schedule(b, 50, rec(&log, "b50")).unwrap();
        sim.schedule(b, 100, rec(&log, "b100")).unwrap();
        sim.schedule(a, 50, rec(&log, "a50")).unwrap();
        sim.run().unwrap();
        assert_eq!(
            *log.borrow(),
            [
                (50, 1, "b50"),
                (50, 0, "a50"),
                (100, 0, "a100"),
                (100, 1, "b100")
            ]
        );
        assert_eq!(sim.now(), 100);
        assert_eq!(sim.current_node(), None);
    }

    #[test]
    fn zero_delay_events_scheduled_from_an_event_run_after_earlier_ones() {
        let sim = Sim::new(SimConfig::default());
        let n = sim.add_node();
        let log: Log = Rc::default();
        let l2 = log.clone();
        sim.schedule(n, 7, move |sim: &Sim| {
            l2.borrow_mut().push((sim.now(), 0, "first"));
            sim.schedule(n, 0, rec(&l2, "nested")).unwrap();
        })
        .unwrap();
        sim.schedule(n, 7, rec(&log, "second")).unwrap();
        sim.run().unwrap();
        assert_eq!(
            *log.borrow(),
            [(7, 0, "first"), (7, 0, "second"), (7, 0, "nested")]
        );
    }

    #[test]
    fn run_until_stops_at_the_limit_and_sets_the_clock() {
        let sim = Sim::new(SimConfig::default());
        let n = sim.add_node();
        let log: Log = Rc::default();
        for t in [10, 20, 30] {
            sim.schedule(n, t, rec(&log, "x")).unwrap();
        }
        sim.run_until(20).unwrap();
        assert_eq!(log.borrow().len(), 2);
        assert_eq!(sim.now(), 20);
        sim.run_until(25).unwrap();
        assert_eq!(sim.now(), 25);
        assert_eq!(sim.pending_events(), 1);
        // Relative delays count from the advanced clock.
        sim.schedule(n, 1, rec(&log, "y")).unwrap();
        sim.run().unwrap();
        assert_eq!(
            log.borrow().iter().map(|e| e.0).collect::<Vec<_>>(),
            [10, 20, 26, 30]
        );
    }

    #[test]
    fn cancel_prevents_the_event_and_kills_the_handle() {
        let sim = Sim::new(SimConfig::default());
        let n = sim.add_node();
        let log: Log = Rc::default();
        let id = sim.schedule(n, 5, rec(&log, "cancelled")).unwrap();
        sim.schedule(n, 6, rec(&log, "kept")).unwrap();
        assert!(sim.is_pending(id));
        sim.cancel(id).unwrap();
        assert!(!sim.is_pending(id));
        sim.run().unwrap();
        assert_eq!(*log.borrow(), [(6, 0, "kept")]);
    }

    #[test]
    fn cancel_from_another_event_at_the_same_time_works() {
        let sim = Sim::new(SimConfig::default());
        let n = sim.add_node();
        let log: Log = Rc::default();
        let victim: Rc<RefCell<Option<EventId>>> = Rc::default();
        let v = victim.clone();
        sim.schedule(n, 3, move |sim: &Sim| {
            sim.cancel(v.borrow().unwrap()).unwrap();
        })
        .unwrap();
        *victim.borrow_mut() = Some(sim.schedule(n, 3, rec(&log, "victim")).unwrap());
        sim.run().unwrap();
        assert!(log.borrow().is_empty());
    }

    #[test]
    fn cancel_after_fire_is_a_hard_error() {
        let sim = Sim::new(SimConfig::default());
        let n = sim.add_node();
        let id = sim.schedule(n, 1, |_: &Sim| {}).unwrap();
        sim.run().unwrap();
        let e = sim.cancel(id).unwrap_err();
        assert_eq!(e, SimError::EventAlreadyRan { event: id.raw() });
        assert_eq!(
            e.to_string(),
            format!(
                "event_cancel() on dead event handle #{}: its event already ran (DCE would \
                 Simulator::Remove through a dangling EventId: use-after-free)",
                id.raw()
            )
        );
        // Latched: the simulation cannot go on.
        sim.schedule(n, 1, |_: &Sim| {}).unwrap();
        assert_eq!(sim.run().unwrap_err(), e);
    }

    #[test]
    fn cancel_of_own_event_while_it_runs_is_a_hard_error() {
        let sim = Sim::new(SimConfig::default());
        let n = sim.add_node();
        let me: Rc<RefCell<Option<EventId>>> = Rc::default();
        let m = me.clone();
        let id = sim
            .schedule(n, 1, move |sim: &Sim| {
                let _ = sim.cancel(m.borrow().unwrap());
            })
            .unwrap();
        *me.borrow_mut() = Some(id);
        let e = sim.run().unwrap_err();
        assert_eq!(e, SimError::EventAlreadyRan { event: id.raw() });
    }

    #[test]
    fn double_cancel_is_a_hard_error() {
        let sim = Sim::new(SimConfig::default());
        let n = sim.add_node();
        let id = sim.schedule(n, 1, |_: &Sim| {}).unwrap();
        sim.cancel(id).unwrap();
        let e = sim.cancel(id).unwrap_err();
        assert_eq!(e, SimError::EventAlreadyCancelled { event: id.raw() });
        assert!(e.to_string().contains("it was already cancelled"));
        assert!(e.to_string().contains("use-after-free"));
        assert_eq!(sim.fatal(), Some(e.clone()));
        assert_eq!(sim.run().unwrap_err(), e);
    }

    #[test]
    fn error_inside_a_callback_stops_the_run() {
        let sim = Sim::new(SimConfig::default());
        let n = sim.add_node();
        let id = sim.schedule(n, 1, |_: &Sim| {}).unwrap();
        sim.cancel(id).unwrap();
        let log: Log = Rc::default();
        // The callback ignores the error; the run still stops after it.
        sim.schedule(n, 2, move |sim: &Sim| {
            let _ = sim.cancel(id);
        })
        .unwrap();
        sim.schedule(n, 3, rec(&log, "never")).unwrap();
        let e = sim.run().unwrap_err();
        assert_eq!(e, SimError::EventAlreadyCancelled { event: id.raw() });
        assert!(log.borrow().is_empty());
        assert_eq!(sim.now(), 2);
    }

    #[test]
    fn run_from_inside_an_event_is_a_hard_error() {
        let sim = Sim::new(SimConfig::default());
        let n = sim.add_node();
        sim.schedule(n, 1, |sim: &Sim| {
            let _ = sim.run();
        })
        .unwrap();
        assert_eq!(sim.run().unwrap_err(), SimError::ReentrantRun);
    }

    #[test]
    fn schedule_on_unknown_node_is_a_hard_error() {
        let sim = Sim::new(SimConfig::default());
        sim.add_node();
        let e = sim.schedule(NodeId(3), 1, |_: &Sim| {}).unwrap_err();
        assert_eq!(e, SimError::UnknownNode { node: NodeId(3) });
    }

    #[test]
    fn events_are_counted_per_node_and_in_total() {
        let sim = Sim::new(SimConfig::default());
        let (a, b, idle) = (sim.add_node(), sim.add_node(), sim.add_node());
        for i in 0..5 {
            sim.schedule(a, i, |_: &Sim| {}).unwrap();
        }
        for i in 0..3 {
            sim.schedule(b, i, |_: &Sim| {}).unwrap();
        }
        let c = sim.schedule(b, 9, |_: &Sim| {}).unwrap();
        sim.cancel(c).unwrap();
        sim.run().unwrap();
        assert_eq!(sim.events_processed(a).unwrap(), 5);
        assert_eq!(sim.events_processed(b).unwrap(), 3);
        assert_eq!(sim.events_processed(idle).unwrap(), 0);
        assert_eq!(sim.events_processed_total(), 8);
    }
}
