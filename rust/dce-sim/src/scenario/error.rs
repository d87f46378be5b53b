//! Errors of a scenario file (with its line) and of a run.

use crate::abi::AbiError;
use crate::SimError;
use core::fmt;
use std::path::PathBuf;

/// A scenario file that cannot be used: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file, if the scenario was read from one.
    pub file: Option<PathBuf>,
    /// The line (1-based) of the problem, if known.
    pub line: Option<usize>,
    /// What is wrong, on one line.
    pub message: String,
}

impl ScenarioError {
    pub(super) fn new(line: Option<usize>, message: impl Into<String>) -> Self {
        ScenarioError {
            file: None,
            line,
            message: message.into().replace('\n', " "),
        }
    }
}

impl fmt::Display for ScenarioError {
    /// `file:line: message`, leaving out what is unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{line}: ", file.display())?,
            (Some(file), None) => write!(f, "{}: ", file.display())?,
            (None, Some(line)) => write!(f, "line {line}: ")?,
            (None, None) => {}
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// Why [`run`](super::run) or [`run_on`](super::run_on) failed.
#[derive(Debug)]
pub enum RunError {
    /// Creating the host, loading the library or building the network.
    Abi(AbiError),
    /// A hard error of the simulation (see [`SimError`]).
    Sim(SimError),
    /// A node could not be configured (an rtnetlink request failed or
    /// never finished), or the host does not fit the scenario.
    Setup(String),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Abi(e) => e.fmt(f),
            RunError::Sim(e) => write!(f, "hard error: {e}"),
            RunError::Setup(msg) => write!(f, "setup failed: {msg}"),
        }
    }
}

impl std::error::Error for RunError {}

impl From<AbiError> for RunError {
    fn from(e: AbiError) -> Self {
        RunError::Abi(e)
    }
}

impl From<SimError> for RunError {
    fn from(e: SimError) -> Self {
        RunError::Sim(e)
    }
}
