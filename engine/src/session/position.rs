//! Positions in a replay without a hardware counter (docs/architecture.md, "Positions
//! and checkpoints in software mode"): an event
//! boundary plus a path of breadcrumbs that a deterministic re-run finds again.

use serde::{Deserialize, Serialize};

/// What a hardware watchpoint watches.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WatchSpec {
    /// The first byte watched.
    pub addr: u64,
    /// 1, 2, 4 or 8 bytes.
    pub len: u8,
    /// Which accesses trigger it.
    pub kind: WatchKind,
}

/// Which accesses trigger a watchpoint (the debug registers' R/W bits).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WatchKind {
    /// Writes only.
    Write,
    /// Reads and writes.
    ReadWrite,
}

/// One step of a path, taken by the thread that runs in the interval.
/// Every segment begins by executing one instruction; an *arrival* at an
/// address is the thread being about to execute it after that.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// Execute this many instructions.
    Steps(u64),
    /// Run to the `count`-th arrival at `pc`.
    Arrive {
        /// The address.
        pc: u64,
        /// Which arrival, from 1.
        count: u64,
    },
    /// Run to the `count`-th trap of this watchpoint.
    WatchHit {
        /// The watchpoint.
        watch: WatchSpec,
        /// Which trap, from 1.
        count: u64,
    },
    /// Run to the first arrival at `pc` where the registers and extended
    /// state hash to `state` and writable memory to `digest` (a point where
    /// a free run was paused; identical states have identical futures).
    Match {
        /// The address.
        pc: u64,
        /// Hash of the registers and extended state there.
        state: u64,
        /// CRC-32 of writable memory there.
        digest: u32,
    },
}

/// Where a replay is: `event` events have been replayed (and any that apply
/// without running code), then the path was taken inside the next interval.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Position {
    /// How many events have been replayed.
    pub event: u64,
    /// The segments taken since that event boundary, in order.
    pub path: Vec<Segment>,
}

impl Position {
    /// The boundary after `event` events, before the next interval's thread runs.
    pub fn boundary(event: u64) -> Position {
        Position {
            event,
            path: Vec::new(),
        }
    }

    /// Whether the position is an event boundary (its path is empty).
    pub fn is_boundary(&self) -> bool {
        self.path.is_empty()
    }

    /// This position followed by `segment`. Consecutive counts of the same
    /// thing merge (steps, arrivals at one pc, traps of one watchpoint: the
    /// b-th after the a-th is the (a+b)-th), so that a point has one path
    /// whichever earlier point a run to it started from, and positions can
    /// be compared with `==`.
    pub fn then(&self, segment: Segment) -> Position {
        let mut path = self.path.clone();
        match (path.last_mut(), segment) {
            (Some(Segment::Steps(a)), Segment::Steps(b)) => *a += b,
            (Some(Segment::Arrive { pc: p, count: a }), Segment::Arrive { pc: q, count: b })
                if *p == q =>
            {
                *a += b
            }
            (
                Some(Segment::WatchHit { watch: v, count: a }),
                Segment::WatchHit { watch: w, count: b },
            ) if *v == w => *a += b,
            _ => path.push(segment),
        }
        Position {
            event: self.event,
            path,
        }
    }

    /// The position before the last segment.
    pub fn prefix(&self) -> Position {
        let mut path = self.path.clone();
        path.pop();
        Position {
            event: self.event,
            path,
        }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "event {}", self.event)?;
        for s in &self.path {
            match s {
                Segment::Steps(n) => write!(f, " +{n} steps")?,
                Segment::Arrive { pc, count } => write!(f, " → {pc:#x}×{count}")?,
                Segment::WatchHit { watch, count } => {
                    write!(f, " → watch {:#x}×{count}", watch.addr)?
                }
                Segment::Match { pc, .. } => write!(f, " → {pc:#x} (paused state)")?,
            }
        }
        Ok(())
    }
}

/// The segments that lead from `from` to `to`, when `to` lies ahead of
/// `from` (a later event, or the same interval with `from`'s path a prefix).
pub(super) fn remaining(from: &Position, to: &Position) -> Option<Vec<Segment>> {
    if to.event > from.event {
        return Some(to.path.clone());
    }
    if to.event < from.event {
        return None;
    }
    let k = from.path.len();
    if k == 0 {
        return Some(to.path.clone());
    }
    if k > to.path.len() || from.path[..k - 1] != to.path[..k - 1] {
        return None;
    }
    let mut rest = Vec::new();
    // Counts split: the (a+b)-th arrival is the b-th after the a-th.
    match (from.path[k - 1], to.path[k - 1]) {
        (a, b) if a == b => {}
        (Segment::Steps(a), Segment::Steps(b)) if a < b => rest.push(Segment::Steps(b - a)),
        (Segment::Arrive { pc: p, count: a }, Segment::Arrive { pc: q, count: b })
            if p == q && a < b =>
        {
            rest.push(Segment::Arrive {
                pc: p,
                count: b - a,
            })
        }
        (Segment::WatchHit { watch: v, count: a }, Segment::WatchHit { watch: w, count: b })
            if v == w && a < b =>
        {
            rest.push(Segment::WatchHit {
                watch: w,
                count: b - a,
            })
        }
        _ => return None,
    }
    rest.extend_from_slice(&to.path[k..]);
    Some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_merge_and_prefix_drops_the_last_segment() {
        let p = Position::boundary(3)
            .then(Segment::Arrive { pc: 0x10, count: 2 })
            .then(Segment::Steps(1))
            .then(Segment::Steps(2));
        assert_eq!(p.path.len(), 2);
        assert_eq!(p.path[1], Segment::Steps(3));
        assert_eq!(
            p.prefix().path,
            vec![Segment::Arrive { pc: 0x10, count: 2 }]
        );
        assert!(!p.is_boundary());
        assert!(p.prefix().prefix().is_boundary());
    }
}
