//! What can go wrong in a replay: the trace, the tracee, the program's start, the CPU,
//! a checkpoint, or the replay itself no longer matching the recording.

use thiserror::Error;

use crate::checkpoint::CheckpointError;
use crate::spawn::SpawnError;
use crate::trace::{cpu, TraceError};
use crate::tracee::{RegDiff, TraceeError};

/// Why a replay could not go on.
#[derive(Debug, Error)]
pub enum ReplayError {
    /// The trace could not be read.
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// A ptrace, wait or memory operation on the replayed program failed.
    #[error(transparent)]
    Tracee(#[from] TraceeError),
    /// The program could not be started.
    #[error("cannot start the replay: {0}")]
    Spawn(#[from] SpawnError),
    /// `/dev/null`, the replayed program's stdin, stdout and stderr, could not be opened.
    #[error("cannot open /dev/null for the replayed program's stdio: {0}")]
    DevNull(std::io::Error),
    /// This CPU answers CPUID differently from the one the recording was made on.
    #[error(transparent)]
    Cpu(#[from] cpu::CpuMismatch),
    /// The replayed program stopped doing what the recorded one did.
    #[error("{0}")]
    Divergence(Box<Divergence>),
    /// Installing or removing an in-process finder failed.
    #[error("the in-process finder failed: {0}")]
    Finder(#[from] crate::finder::FinderError),
    /// Taking or restoring a checkpoint failed.
    #[error("checkpoint failed: {0}")]
    Checkpoint(String),
    /// A scratch copy of a file the program maps shared (`replay/scratch.rs`)
    /// could not be made, changed or read.
    #[error("cannot keep the replay's copy {} of a file the program maps shared: {source}", path.display())]
    ScratchFile {
        /// The file concerned.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The trace holds something a correct recording cannot.
    #[error("the trace is inconsistent at event {index}: {detail}")]
    BadTrace {
        /// The index of the event concerned.
        index: u64,
        /// What is wrong.
        detail: String,
    },
}

/// Replay stopped matching the recording.
#[derive(Debug)]
pub struct Divergence {
    /// The index of the event where it showed.
    pub index: u64,
    /// The recorded id of the thread of that event.
    pub tid: i32,
    /// The recorded event: "syscall read", "signal SIGSEGV", ...
    pub what: String,
    /// What differs.
    pub detail: String,
    /// The registers that differ (empty when the difference is not in registers).
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
