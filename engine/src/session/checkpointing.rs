//! When the session takes checkpoints and which one a move restores: every stop
//! is remembered, long runs leave snapshots behind, anchors are spread through
//! the recording, and a backwards move starts from the latest usable one, so
//! that it is a bounded forward run.

use std::time::Instant;

use super::position::{remaining, Position, Segment};
use super::snapshots::{CheckpointStats, Snap};
use super::{Session, SessionError};

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
    /// How many checkpoints the session holds and how much memory they take.
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
        let usable =
            |p: &Position| remaining(p, target).is_some() && (!strictly_before || p != target);
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
