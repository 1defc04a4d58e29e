//! A replay frozen at one point (docs/architecture.md, "Positions and checkpoints in
//! software mode"): a fork of the replayed process plus the
//! replayer's own state at that moment, restorable any number of times.

use crate::checkpoint::Checkpoint;
use crate::trace::{Event, StreamMark};

use super::scratch::ScratchContents;
use super::threads::RThread;

/// A replay frozen at one point.
pub struct ReplaySnapshot {
    pub(super) checkpoint: Checkpoint,
    pub(super) index: u64,
    pub(super) peeked: Option<Event>,
    /// Recorded tid -> thread state, in the checkpoint's thread order.
    pub(super) threads: Vec<(i32, RThread)>,
    /// Threads that had ended (kept so that events naming them still resolve).
    pub(super) gone: Vec<(i32, RThread)>,
    pub(super) root: Option<i32>,
    pub(super) replayed_exit: Option<i32>,
    pub(super) last_syscall_insn: Option<u64>,
    pub(super) stream: StreamMark,
    /// The scratch files' contents: they are shared with the frozen copy.
    pub(super) scratch: ScratchContents,
}

impl ReplaySnapshot {
    /// Memory the frozen copy holds, with the saved contents of the files
    /// the program maps shared.
    pub fn memory_bytes(&self) -> u64 {
        self.checkpoint.memory_bytes() + self.scratch.bytes()
    }
}
