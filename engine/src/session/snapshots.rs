//! The checkpoints a session holds (docs/architecture.md, "Positions and checkpoints in
//! software mode"): an LRU of fork()ed snapshots at
//! the positions the user stopped at and along long runs, plus anchors at
//! event boundaries spread through the recording, and the budget that bounds
//! them. When they are taken and which one a move restores is in
//! `checkpointing.rs`.

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use lru::LruCache;

use super::position::Position;
use crate::replay::ReplaySnapshot;

/// Checkpoint budget of a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointBudget {
    /// Snapshots kept in the LRU (user stops and points along long runs).
    pub max_snapshots: usize,
    /// Memory the LRU's snapshots may hold (their private pages).
    pub max_bytes: u64,
    /// Anchors at event boundaries, spread through the recording.
    pub max_anchors: usize,
    /// A long run leaves a snapshot behind at least this often.
    pub run_interval: Duration,
}

impl Default for CheckpointBudget {
    fn default() -> CheckpointBudget {
        CheckpointBudget {
            max_snapshots: 32,
            max_bytes: 1 << 30,
            max_anchors: 32,
            run_interval: Duration::from_millis(40),
        }
    }
}

/// What the checkpoints hold now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointStats {
    /// Snapshots in the LRU.
    pub snapshots: usize,
    /// Anchors.
    pub anchors: usize,
    /// Private memory of all frozen copies (a lower bound of what they hold).
    pub bytes: u64,
    /// The budget they are kept within.
    pub budget: CheckpointBudget,
}

pub(super) struct Snap {
    pub position: Position,
    pub current_tid: i32,
    pub interval_started: bool,
    pub replay: ReplaySnapshot,
    pub bytes: u64,
}

pub(super) struct Snapshots {
    pub lru: LruCache<u64, Snap>,
    pub anchors: Vec<Snap>,
    pub budget: CheckpointBudget,
    pub next_id: u64,
    pub last_taken: Instant,
    pub disabled: bool,
}

impl Snapshots {
    pub fn new(budget: CheckpointBudget) -> Snapshots {
        Snapshots {
            lru: LruCache::new(
                NonZeroUsize::new(budget.max_snapshots).unwrap_or(NonZeroUsize::MIN),
            ),
            anchors: Vec::new(),
            budget,
            next_id: 0,
            last_taken: Instant::now(),
            disabled: false,
        }
    }

    pub fn bytes(&self) -> u64 {
        self.lru.iter().map(|(_, s)| s.bytes).sum::<u64>()
            + self.anchors.iter().map(|s| s.bytes).sum::<u64>()
    }
}
