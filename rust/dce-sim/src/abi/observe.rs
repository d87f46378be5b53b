//! Watching a run from outside: what tests install to see every frame the
//! libraries send and every `poll_event` they make.
//!
//! The host calls its [`Observer`] (if one is installed with
//! [`Host::observe`](super::Host::observe)) and otherwise records
//! nothing, so long runs do not keep every frame in memory.  [`Recorder`]
//! keeps them all.

use super::{Frame, PollEvent};
use crate::NodeId;
use std::cell::RefCell;

/// Sees what the libraries do through the host.
pub trait Observer {
    /// `node`'s library sent `frame` with `dev_xmit`.
    fn frame(&self, node: NodeId, frame: &Frame) {
        let _ = (node, frame);
    }

    /// A library called `poll_event`.
    fn poll_event(&self, event: &PollEvent) {
        let _ = event;
    }
}

/// An [`Observer`] that keeps everything.
#[derive(Debug, Default)]
pub struct Recorder {
    frames: RefCell<Vec<(NodeId, Frame)>>,
    polls: RefCell<Vec<PollEvent>>,
}

impl Recorder {
    /// The frames `node` sent so far.
    pub fn frames(&self, node: NodeId) -> Vec<Frame> {
        self.frames
            .borrow()
            .iter()
            .filter(|(n, _)| *n == node)
            .map(|(_, f)| f.clone())
            .collect()
    }

    /// Every `poll_event` call so far.
    pub fn poll_events(&self) -> Vec<PollEvent> {
        self.polls.borrow().clone()
    }
}

impl Observer for Recorder {
    fn frame(&self, node: NodeId, frame: &Frame) {
        self.frames.borrow_mut().push((node, frame.clone()));
    }

    fn poll_event(&self, event: &PollEvent) {
        self.polls.borrow_mut().push(*event);
    }
}
