//! Frame ids and variable references: handles given to the client at a stop
//! and valid until the program moves.

use rewind_debuginfo::{Frame, ValueHandle};

use super::views::ScopeKind;

/// What a variables reference expands.
#[derive(Debug, Clone)]
pub(super) enum Reference {
    Scope {
        tid: i32,
        frame: usize,
        kind: ScopeKind,
    },
    Value {
        tid: i32,
        handle: ValueHandle,
    },
}

/// Frame ids and variable references handed out since the last stop.
#[derive(Debug, Default)]
pub struct Handles {
    /// `frameId - 1` → (thread, index in its stack).
    pub(super) frames: Vec<(i32, usize)>,
    /// `variablesReference - 1` → what it expands.
    pub(super) references: Vec<Reference>,
    /// Stacks computed since the last stop, per thread.
    pub(super) stacks: Vec<(i32, Vec<Frame>)>,
}

impl Handles {
    pub(super) fn frame_id(&mut self, tid: i32, index: usize) -> i64 {
        if let Some(i) = self.frames.iter().position(|&f| f == (tid, index)) {
            return i as i64 + 1;
        }
        self.frames.push((tid, index));
        self.frames.len() as i64
    }

    pub(super) fn reference(&mut self, r: Reference) -> i64 {
        self.references.push(r);
        self.references.len() as i64
    }
}
