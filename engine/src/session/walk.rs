//! The walker: carries the interval's thread through a segment (exactly, to
//! reproduce a position) or to the end of its interval (observing every
//! breakpoint and watchpoint hit on the way, for continue and for the
//! forward scans of reverse execution).

use std::collections::HashMap;

use super::position::{Position, Segment, WatchKind, WatchSpec};
use super::traps::{Runner, Trap};
use super::{Applied, Session, SessionError};
use crate::finder::Want;
use crate::trace::EventKind;
use crate::tracee::Stop;

/// Consecutive int3 arrivals at one address before a finder replaces the
/// int3 there (a finder costs two injected syscalls; most targets are near).
const ARRIVALS_BEFORE_FINDER: u64 = 8;

/// What ends a walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// Carry out this segment; the interval must not end first.
    Segment(Segment),
    /// Run to the end of the interval (its event replayed).
    IntervalEnd,
}

/// What the walker watches for besides its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Observe {
    Nothing,
    /// Collect every user breakpoint/watchpoint hit.
    Record,
    /// Stop at the first hit.
    First,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum HitKind {
    Breakpoint(u64),
    Watch(WatchSpec),
    /// An emulated syscall wrote the watched memory.
    SyscallWrite {
        watch: WatchSpec,
        nr: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Hit {
    pub position: Position,
    pub kind: HitKind,
    pub tid: i32,
}

pub(super) enum WalkEnd {
    /// The target segment was carried out.
    Reached,
    /// The first hit (Observe::First); the session stands at it.
    Hit(Hit),
    /// The interval ended; these events were replayed.
    IntervalEnded(Vec<Applied>),
    /// No thread runs: the end of the recording.
    End,
}

impl Session {
    /// Walks from the current position. Hits found on the way are appended
    /// to `hits` (Observe::Record) or end the walk (Observe::First).
    pub(super) fn walk(
        &mut self,
        target: Target,
        observe: Observe,
        hits: &mut Vec<Hit>,
    ) -> Result<WalkEnd, SessionError> {
        let Some(r) = self.runner()? else {
            return Ok(WalkEnd::End);
        };
        let base = self.position.clone();
        let watching = observe != Observe::Nothing;
        let mut watches: Vec<WatchSpec> = if watching {
            self.watchpoints.clone()
        } else {
            Vec::new()
        };
        let mut int3s: Vec<u64> = if watching {
            self.breakpoints.keys().copied().collect()
        } else {
            Vec::new()
        };
        match target {
            Target::Segment(Segment::Arrive { pc, .. })
            | Target::Segment(Segment::Match { pc, .. }) => int3s.push(pc),
            Target::Segment(Segment::WatchHit { watch, .. }) if !watches.contains(&watch) => {
                watches.push(watch)
            }
            _ => {}
        }
        if let crate::replay::RunEnd::Interrupt { pc } = r.end {
            int3s.push(pc);
        }
        int3s.sort_unstable();
        int3s.dedup();
        let mut arrivals: HashMap<u64, u64> = HashMap::new();
        let mut watch_traps: HashMap<WatchSpec, u64> = HashMap::new();
        let mut steps = 0u64;
        let mut must_step = true;
        // Consecutive arrivals at one address, no other trap between.
        let mut streak = (0u64, 0u64);
        loop {
            let stepping = must_step || matches!(target, Target::Segment(Segment::Steps(_)));
            // A finder's stub reads its condition's variable and the stack
            // (a read watchpoint there would trap inside it); writes it
            // makes only to its own page.
            let watch_reads = watches.iter().any(|w| w.kind == WatchKind::ReadWrite);
            let find = if stepping || watch_reads {
                None
            } else if let Some(c) = self.condition_to_find(observe, &int3s) {
                Some(c)
            } else if streak.1 < ARRIVALS_BEFORE_FINDER {
                None
            } else {
                self.finder_for(streak.0, target, &r, observe, &arrivals)?
            };
            // A finder whose run reaches the interval's end comes out
            // cleanly (its page unmapped) at an int3 on the instruction
            // that ends it (the syscall, or the faulting one), not at the
            // syscall's or the fault's own stop, where no munmap can be
            // injected.
            let before_end = match r.end {
                crate::replay::RunEnd::Syscall { insn } if find.is_some() => Some(insn),
                crate::replay::RunEnd::Fault { pc, .. } if find.is_some() => Some(pc),
                _ => None,
            };
            let run_int3s: Vec<u64> = int3s.iter().copied().chain(before_end).collect();
            let (trap, passed) = self.exec_finding(&r, stepping, &run_int3s, &watches, find)?;
            if let Some(p) = passed {
                // A counting finder's arrivals, before the stop that ended its run.
                self.finder_passed(
                    &base,
                    &r,
                    observe,
                    p.pc,
                    p.count,
                    p.noted,
                    &mut arrivals,
                    hits,
                );
            }
            self.current_tid = r.tid;
            let arrived_at = match trap {
                Trap::Event(stop) => return self.interval_ended(&r, stop, target, &base),
                Trap::Paused => {
                    let seg = self.paused_segment(&r)?;
                    self.position = base.then(seg);
                    return Err(SessionError::Paused);
                }
                Trap::Int3(at) => Some(at),
                Trap::Arrived { pc, count, noted } => {
                    // The finder passed over all but the last (counted below).
                    self.finder_passed(
                        &base,
                        &r,
                        observe,
                        pc,
                        count - 1,
                        noted,
                        &mut arrivals,
                        hits,
                    );
                    Some(pc)
                }
                Trap::Passed { pc, count, noted } => {
                    self.finder_passed(&base, &r, observe, pc, count, noted, &mut arrivals, hits);
                    None
                }
                Trap::Stepped => {
                    steps += 1;
                    self.arrival_after_step(&r, &int3s)?
                }
                Trap::Watch(i) => {
                    if stepping {
                        steps += 1;
                    }
                    let w = watches[i];
                    let n = watch_traps.entry(w).or_insert(0);
                    *n += 1;
                    let count = *n;
                    if target == Target::Segment(Segment::WatchHit { watch: w, count }) {
                        self.position = base.then(Segment::WatchHit { watch: w, count });
                        return Ok(WalkEnd::Reached);
                    }
                    let completes_steps = target == Target::Segment(Segment::Steps(steps));
                    // A scan records a watch trap even on the step that ends
                    // its segment: the access is behind the position it names.
                    let counts = !completes_steps || observe == Observe::Record;
                    if watching && self.watchpoints.contains(&w) && counts {
                        let position = match target {
                            Target::Segment(Segment::Steps(_)) => base.then(Segment::Steps(steps)),
                            _ => base.then(Segment::WatchHit { watch: w, count }),
                        };
                        let hit = Hit {
                            position,
                            kind: HitKind::Watch(w),
                            tid: r.tid,
                        };
                        if observe == Observe::First {
                            self.position = hit.position.clone();
                            return Ok(WalkEnd::Hit(hit));
                        }
                        hits.push(hit);
                    }
                    if stepping {
                        self.arrival_after_step(&r, &int3s)?
                    } else {
                        None
                    }
                }
            };
            // Standing on an int3 address: the next move must execute it.
            must_step = arrived_at.is_some();
            streak = match (arrived_at, trap) {
                (Some(at), Trap::Arrived { count, .. }) if at == streak.0 => (at, streak.1 + count),
                (Some(at), Trap::Arrived { count, .. }) => (at, count),
                (Some(at), _) if at == streak.0 => (at, streak.1 + 1),
                (Some(at), _) => (at, 1),
                // Stepping off the int3 just arrived at.
                (None, Trap::Stepped) => streak,
                (None, _) => (0, 0),
            };
            if let Some(at) = arrived_at {
                let n = arrivals.entry(at).or_insert(0);
                *n += 1;
                let count = *n;
                if target == Target::Segment(Segment::Arrive { pc: at, count }) {
                    self.position = base.then(Segment::Arrive { pc: at, count });
                    return Ok(WalkEnd::Reached);
                }
                if let Target::Segment(seg @ Segment::Match { pc, state, digest }) = target {
                    if pc == at && self.at_state(pc, state, digest)? {
                        self.position = base.then(seg);
                        return Ok(WalkEnd::Reached);
                    }
                }
                if self.at_interval_end_point(&r)? {
                    return self.interval_ended(&r, Stop::Signal(libc::SIGTRAP), target, &base);
                }
                let completes_steps = target == Target::Segment(Segment::Steps(steps));
                if watching
                    && self.breakpoints.contains_key(&at)
                    && !completes_steps
                    && self.condition_holds(r.real, r.tgid, at)?
                {
                    let position = match target {
                        Target::Segment(Segment::Steps(_)) => base.then(Segment::Steps(steps)),
                        _ => base.then(Segment::Arrive { pc: at, count }),
                    };
                    let hit = Hit {
                        position,
                        kind: HitKind::Breakpoint(at),
                        tid: r.tid,
                    };
                    if observe == Observe::First {
                        self.position = hit.position.clone();
                        return Ok(WalkEnd::Hit(hit));
                    }
                    hits.push(hit);
                }
            }
            if target == Target::Segment(Segment::Steps(steps)) {
                self.position = base.then(Segment::Steps(steps));
                return Ok(WalkEnd::Reached);
            }
            // A long run leaves snapshots behind, at points it can name.
            let here = match (target, arrived_at) {
                (Target::Segment(Segment::Steps(_)), _) => Some(base.then(Segment::Steps(steps))),
                (_, Some(at)) => Some(base.then(Segment::Arrive {
                    pc: at,
                    count: arrivals[&at],
                })),
                _ => None,
            };
            if let Some(here) = here {
                if self.pause.requested() {
                    self.position = here;
                    return Err(SessionError::Paused);
                }
                self.remember_along_run(here)?;
            }
        }
    }

    /// Counts `passed` arrivals at `pc` a finder let through without a stop
    /// and, for a scan, the breakpoint hits among them: a scan only ever
    /// wants the latest ones (reverse-continue the last before where it
    /// stands); with a condition, the ones the finder noted where it held
    /// (`noted`, counted from the run's first arrival, 0 for none).
    #[allow(clippy::too_many_arguments)]
    fn finder_passed(
        &self,
        base: &Position,
        r: &Runner,
        observe: Observe,
        pc: u64,
        passed: u64,
        noted: [u64; 2],
        arrivals: &mut HashMap<u64, u64>,
        hits: &mut Vec<Hit>,
    ) {
        let seen = arrivals.entry(pc).or_insert(0);
        let before = *seen;
        *seen += passed;
        let last_passed = *seen;
        if observe != Observe::Record || !self.breakpoints.contains_key(&pc) {
            return;
        }
        let hit_counts: Vec<u64> = if self.conditions.contains_key(&pc) {
            let mut v: Vec<u64> = noted
                .iter()
                .filter(|&&n| n != 0 && n <= passed)
                .map(|n| before + n)
                .collect();
            v.sort_unstable();
            v
        } else {
            ((before + 1).max(last_passed.saturating_sub(1))..=last_passed).collect()
        };
        for k in hit_counts {
            hits.push(Hit {
                position: base.then(Segment::Arrive { pc, count: k }),
                kind: HitKind::Breakpoint(pc),
                tid: r.tid,
            });
        }
    }

    /// A conditional breakpoint a movement stops at, tested in the process:
    /// the first among `int3s` (one finder per run).
    fn condition_to_find(&self, observe: Observe, int3s: &[u64]) -> Option<(u64, Want)> {
        if observe != Observe::First {
            return None;
        }
        int3s
            .iter()
            .find_map(|pc| self.conditions.get(pc).map(|c| (*pc, Want::Condition(*c))))
    }

    /// Whether the breakpoint at `pc` stops the runner (`real` of process
    /// `tgid`, standing there): it has no condition, or it holds.
    fn condition_holds(&mut self, real: i32, tgid: i32, pc: u64) -> Result<bool, SessionError> {
        let Some(c) = self.conditions.get(&pc).copied() else {
            return Ok(true);
        };
        let regs = crate::tracee::get_regs(real)?;
        let mem = self.replayer.memory(tgid)?;
        // Unreadable memory: the condition cannot be tested, so it stops
        // (the adapter says why).
        Ok(match mem.read(c.address(&regs), usize::from(c.size)) {
            Ok(bytes) => c.holds(&bytes),
            Err(_) => true,
        })
    }

    /// [`Session::condition_holds`] for the thread that runs now, standing at `pc`.
    pub(super) fn current_condition_holds(&mut self, pc: u64) -> Result<bool, SessionError> {
        match self.runner()? {
            Some(r) => self.condition_holds(r.real, r.tgid, pc),
            None => Ok(true),
        }
    }

    /// What a finder at `pc` looks for in this walk, if one may replace the
    /// int3 there: the target arrival, or the interval's end (a recorded
    /// interruption, by its registers). At a user breakpoint being observed
    /// only for a scan's run to an arrival there (the hits it passes are
    /// counted; the caller records the latest).
    fn finder_for(
        &mut self,
        pc: u64,
        target: Target,
        r: &Runner,
        observe: Observe,
        arrivals: &HashMap<u64, u64>,
    ) -> Result<Option<(u64, Want)>, SessionError> {
        if observe == Observe::Record
            && target == Target::IntervalEnd
            && self.breakpoints.contains_key(&pc)
        {
            // A scan through the whole interval: count the hits there
            // without a stop each, noting the latest where a condition
            // holds; the run ends at the interval's event.
            let want = match self.conditions.get(&pc) {
                Some(c) => Want::ArrivalNoting {
                    count: u64::MAX,
                    condition: *c,
                },
                None => Want::Arrival(u64::MAX),
            };
            return Ok(Some((pc, want)));
        }
        // Every hit of a breakpoint a movement stops at counts; a scan that
        // records them needs only the latest (see the caller).
        let counts_hits = observe == Observe::Record
            && matches!(target, Target::Segment(Segment::Arrive { pc: at, .. }) if at == pc);
        if observe != Observe::Nothing && self.breakpoints.contains_key(&pc) && !counts_hits {
            return Ok(None);
        }
        if let Target::Segment(Segment::Arrive { pc: at, count }) = target {
            let seen = arrivals.get(&at).copied().unwrap_or(0);
            if at == pc && count > seen {
                let want = match self.conditions.get(&pc) {
                    // A scan's hits are where the condition holds.
                    Some(c) if counts_hits => Want::ArrivalNoting {
                        count: count - seen,
                        condition: *c,
                    },
                    _ => Want::Arrival(count - seen),
                };
                return Ok(Some((pc, want)));
            }
        }
        if r.end == (crate::replay::RunEnd::Interrupt { pc }) {
            if let Some(event) = self.replayer.next_event()? {
                let stack = match event.kind {
                    crate::trace::EventKind::Interrupt { stack_sum, .. } => stack_sum,
                    _ => None,
                };
                return Ok(Some((pc, Want::registers(&event.regs, stack))));
            }
        }
        Ok(None)
    }

    /// After a single step: an arrival when the thread now stands at one of
    /// the watched addresses.
    fn arrival_after_step(&self, r: &Runner, int3s: &[u64]) -> Result<Option<u64>, SessionError> {
        let pc = self.runner_pc(r)?;
        Ok(int3s.contains(&pc).then_some(pc))
    }

    fn interval_ended(
        &mut self,
        r: &Runner,
        stop: Stop,
        target: Target,
        base: &Position,
    ) -> Result<WalkEnd, SessionError> {
        // The event happens either way, so that the session stays consistent.
        self.replayer.set_arrived(r.tid, stop);
        let mut applied: Vec<Applied> = self.apply_next()?.into_iter().collect();
        applied.extend(self.normalize()?);
        if let Target::Segment(seg) = target {
            return Err(SessionError::BadPosition {
                position: base.then(seg).to_string(),
                detail: format!("the interval ended ({stop:?}) before the path did"),
            });
        }
        Ok(WalkEnd::IntervalEnded(applied))
    }

    /// Hits that happen at the boundary just reached: a watched location
    /// written by a replayed syscall, or a breakpoint at the very instruction
    /// the next run starts with.
    pub(super) fn boundary_hits(&mut self, applied: &[Applied]) -> Result<Vec<Hit>, SessionError> {
        let mut hits = Vec::new();
        for a in applied {
            if let EventKind::Syscall { nr, writes, .. } = &a.event.kind {
                for w in &self.watchpoints {
                    let overlaps = writes.iter().any(|m| {
                        m.addr < w.addr + w.len as u64 && w.addr < m.addr + m.bytes.len() as u64
                    });
                    if overlaps {
                        hits.push(Hit {
                            position: self.position.clone(),
                            kind: HitKind::SyscallWrite { watch: *w, nr: *nr },
                            tid: a.event.tid,
                        });
                    }
                }
            }
        }
        if let Some(r) = self.runner()? {
            if !self.replayer.has_pending_signal(r.tid) {
                let pc = self.runner_pc(&r)?;
                if self.breakpoints.contains_key(&pc) && self.condition_holds(r.real, r.tgid, pc)? {
                    hits.push(Hit {
                        position: self.position.clone(),
                        kind: HitKind::Breakpoint(pc),
                        tid: r.tid,
                    });
                }
            }
        }
        Ok(hits)
    }
}
