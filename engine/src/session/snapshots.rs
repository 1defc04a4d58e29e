//! Checkpoints of the session (DESIGN §6): an LRU of fork()ed snapshots at
//! the positions the user stopped at and along long runs, plus anchors at
//! event boundaries spread through the recording, so that any backwards
//! move is a bounded forward run from a nearby snapshot.

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use lru::LruCache;

use super::position::{Position, Segment};
use super::{Session, SessionError};
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
    pub snapshots: usize,
    pub anchors: usize,
    /// Private memory of all frozen copies (a lower bound of what they hold).
    pub bytes: u64,
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
    next_id: u64,
    pub last_taken: Instant,
    pub disabled: bool,
}

impl Snapshots {
    pub fn new(budget: CheckpointBudget) -> Snapshots {
        Snapshots {
            lru: LruCache::new(NonZeroUsize::new(budget.max_snapshots.max(1)).unwrap()),
            anchors: Vec::new(),
            budget,
            next_id: 0,
            last_taken: Instant::now(),
            disabled: false,
        }
    }

    fn bytes(&self) -> u64 {
        self.lru.iter().map(|(_, s)| s.bytes).sum::<u64>()
            + self.anchors.iter().map(|s| s.bytes).sum::<u64>()
    }
}

/// Orders positions that can all reach one target: later is larger.
fn progress(p: &Position) -> (u64, usize, u64) {
    let last = match p.path.last() {
        Some(Segment::Steps(n)) => *n,
        Some(Segment::Arrive { count, .. }) | Some(Segment::WatchHit { count, .. }) => *count,
        Some(Segment::Match { .. }) | None => 0,
    };
    (p.event, p.path.len(), last)
}

impl Session {
    pub fn checkpoint_stats(&self) -> CheckpointStats {
        CheckpointStats {
            snapshots: self.snapshots.lru.len(),
            anchors: self.snapshots.anchors.len(),
            bytes: self.snapshots.bytes(),
            budget: self.snapshots.budget.clone(),
        }
    }

    /// Freezes the session here (when the replay can be frozen).
    fn freeze(&mut self) -> Result<Option<Snap>, SessionError> {
        if self.snapshots.disabled {
            return Ok(None);
        }
        let Some(replay) = self.replayer.snapshot()? else {
            return Ok(None);
        };
        self.snapshots.last_taken = Instant::now();
        let bytes = replay.memory_bytes();
        Ok(Some(Snap {
            position: self.position.clone(),
            current_tid: self.current_tid,
            interval_started: self.interval_started,
            replay,
            bytes,
        }))
    }

    /// Keeps a snapshot of the current position in the LRU.
    pub(super) fn remember_here(&mut self) -> Result<(), SessionError> {
        if self
            .snapshots
            .lru
            .iter()
            .any(|(_, s)| s.position == self.position)
        {
            return Ok(());
        }
        let Some(snap) = self.freeze()? else {
            return Ok(());
        };
        let id = self.snapshots.next_id;
        self.snapshots.next_id += 1;
        self.snapshots.lru.put(id, snap);
        while self.snapshots.bytes() > self.snapshots.budget.max_bytes
            && self.snapshots.lru.len() > 1
        {
            self.snapshots.lru.pop_lru();
        }
        Ok(())
    }

    /// During a long run: a snapshot when the last one is old enough.
    pub(super) fn remember_along_run(&mut self, here: Position) -> Result<(), SessionError> {
        if !self.snapshots.disabled
            && self.snapshots.last_taken.elapsed() >= self.snapshots.budget.run_interval
        {
            self.position = here;
            self.remember_here()?;
        }
        Ok(())
    }

    /// At an event boundary: an anchor when none is near. Anchors are spaced
    /// evenly through the recording, then thinned (every other one dropped)
    /// when there are too many — denser near where the user works, as later
    /// ones are added at the current spacing.
    pub(super) fn anchor_here(&mut self) -> Result<(), SessionError> {
        if !self.position.is_boundary() {
            return Ok(());
        }
        let total = self.total_events.unwrap_or(1_000).max(1);
        let spacing = (total / self.snapshots.budget.max_anchors.max(1) as u64).max(1);
        let event = self.position.event;
        if self
            .snapshots
            .anchors
            .iter()
            .any(|a| a.position.event.abs_diff(event) < spacing)
        {
            return Ok(());
        }
        let Some(snap) = self.freeze()? else {
            return Ok(());
        };
        let at = self
            .snapshots
            .anchors
            .partition_point(|a| a.position.event < event);
        self.snapshots.anchors.insert(at, snap);
        if self.snapshots.anchors.len() > self.snapshots.budget.max_anchors {
            let mut i = 0;
            self.snapshots.anchors.retain(|_| {
                i += 1;
                i % 2 == 0
            });
        }
        Ok(())
    }

    /// Moves to the latest snapshot (or the current position) from which
    /// `target` lies ahead and is not it, unless `strictly_before` is false;
    /// restarts the replay when there is none. Returns whether it restarted.
    pub(super) fn restore_nearest(
        &mut self,
        target: &Position,
        strictly_before: bool,
    ) -> Result<(), SessionError> {
        let usable = |p: &Position| {
            super::reverse::remaining(p, target).is_some() && (!strictly_before || p != target)
        };
        let mut best: Option<(Position, Option<u64>, Option<usize>)> = None;
        if usable(&self.position) {
            best = Some((self.position.clone(), None, None));
        }
        for (id, s) in self.snapshots.lru.iter() {
            if usable(&s.position)
                && best
                    .as_ref()
                    .is_none_or(|b| progress(&s.position) > progress(&b.0))
            {
                best = Some((s.position.clone(), Some(*id), None));
            }
        }
        for (i, s) in self.snapshots.anchors.iter().enumerate() {
            if usable(&s.position)
                && best
                    .as_ref()
                    .is_none_or(|b| progress(&s.position) > progress(&b.0))
            {
                best = Some((s.position.clone(), None, Some(i)));
            }
        }
        match best {
            Some((_, None, None)) => Ok(()),
            Some((_, Some(id), _)) => {
                let snap = self.snapshots.lru.pop(&id).expect("snapshot listed above");
                let result = self.restore_snap(&snap);
                self.snapshots.lru.put(id, snap);
                result
            }
            Some((_, None, Some(i))) => {
                let snap = self.snapshots.anchors.remove(i);
                let result = self.restore_snap(&snap);
                self.snapshots.anchors.insert(i, snap);
                result
            }
            None => self.restart_replay(),
        }
    }

    fn restore_snap(&mut self, snap: &Snap) -> Result<(), SessionError> {
        self.replayer.restore(&snap.replay)?;
        self.position = snap.position.clone();
        self.current_tid = snap.current_tid;
        self.interval_started = snap.interval_started;
        Ok(())
    }
}
