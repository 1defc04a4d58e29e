//! What can go wrong in a replay: the trace, the tracee, the program's start, the CPU,
//! a checkpoint, or the replay itself no longer matching the recording.

use thiserror::Error;

use crate::checkpoint::CheckpointError;
use crate::spawn::SpawnError;
use crate::trace::{cpu, TraceError};
use crate::tracee::{RegDiff, TraceeError};

#[derive(Debug, Error)]
pub enum ReplayError {
    #[error(transparent)]
    Trace(#[from] TraceError),
    #[error(transparent)]
    Tracee(#[from] TraceeError),
    #[error("cannot start the replay: {0}")]
    Spawn(#[from] SpawnError),
    #[error("cannot open /dev/null for the replayed program's stdio: {0}")]
    DevNull(std::io::Error),
    #[error(transparent)]
    Cpu(#[from] cpu::CpuMismatch),
    #[error("{0}")]
    Divergence(Box<Divergence>),
    #[error("checkpoint failed: {0}")]
    Checkpoint(String),
    #[error("the trace is inconsistent at event {index}: {detail}")]
    BadTrace { index: u64, detail: String },
}

/// Replay stopped matching the recording.
#[derive(Debug)]
pub struct Divergence {
    pub index: u64,
    pub tid: i32,
    /// The recorded event: "syscall read", "signal SIGSEGV", ...
    pub what: String,
    pub detail: String,
    pub regs: Vec<RegDiff>,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "replay diverged at event {} (thread {}, {}): {}",
            self.index, self.tid, self.what, self.detail
        )?;
        for d in &self.regs {
            write!(
                f,
                "\n  {:<8} recorded {:#018x}  replayed {:#018x}",
                d.name, d.recorded, d.replayed
            )?;
        }
        Ok(())
    }
}

impl From<CheckpointError> for ReplayError {
    fn from(e: CheckpointError) -> ReplayError {
        ReplayError::Checkpoint(e.to_string())
    }
}
