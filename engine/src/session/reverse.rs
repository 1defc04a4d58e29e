//! Moving backwards: reverse-continue, reverse single-step, and going to any
//! position. Each re-runs the replay deterministically from an earlier
//! boundary and finds its target on the way (docs/architecture.md, "Positions and
//! checkpoints in software mode").

use super::position::{remaining, Position, Segment, WatchSpec};
use super::traps::Trap;
use super::walk::{Hit, HitKind, Observe, Target, WalkEnd};
use super::{Session, SessionError, Stop, StopReason};
use crate::replay::{Replayer, RunEnd};

impl Session {
    /// Starts the replay over, at the start of the recording.
    pub(super) fn restart_replay(&mut self) -> Result<(), SessionError> {
        self.replayer = Replayer::start(&self.trace_dir)?;
        self.position = Position::boundary(1);
        self.current_tid = self.root_tid;
        self.interval_started = false;
        self.normalize()?;
        Ok(())
    }

    /// Goes back to the start of the recording.
    pub fn restart(&mut self) -> Result<Stop, SessionError> {
        let stop = self.restart_unsettled();
        self.settle(stop)
    }

    fn restart_unsettled(&mut self) -> Result<Stop, SessionError> {
        self.restart_replay()?;
        Ok(self.stop(StopReason::Start, self.current_tid))
    }

    /// Moves to `position` exactly (forwards from here when it lies ahead,
    /// else from the start).
    pub fn run_to_position(&mut self, position: &Position) -> Result<Stop, SessionError> {
        let stop = self.run_to_position_unsettled(position);
        self.settle(stop)
    }

    fn run_to_position_unsettled(&mut self, position: &Position) -> Result<Stop, SessionError> {
        self.goto_position(position)?;
        Ok(self.stop(StopReason::Arrived, self.current_tid))
    }

    pub(super) fn goto_position(&mut self, target: &Position) -> Result<(), SessionError> {
        self.restore_nearest(target, false)?;
        let rest = remaining(&self.position, target).ok_or_else(|| SessionError::BadPosition {
            position: target.to_string(),
            detail: "it lies before the start of the recording".into(),
        })?;
        let mut unused = Vec::new();
        while self.position.event < target.event {
            if let WalkEnd::End = self.walk(Target::IntervalEnd, Observe::Nothing, &mut unused)? {
                break;
            }
            self.anchor_here()?;
        }
        if self.position.event != target.event {
            return Err(SessionError::BadPosition {
                position: target.to_string(),
                detail: format!("no thread runs at event {}", target.event),
            });
        }
        for seg in rest {
            self.walk(Target::Segment(seg), Observe::Nothing, &mut unused)?;
        }
        Ok(())
    }

    /// Runs backwards to the last breakpoint or watchpoint hit before here
    /// (for a watchpoint: the instruction, or emulated syscall, that made the
    /// change), or to the start of the recording when there is none.
    pub fn reverse_cont(&mut self) -> Result<Stop, SessionError> {
        match self.reverse_cont_unsettled() {
            Err(SessionError::Paused) => self.settle(Err(SessionError::Paused)),
            other => other,
        }
    }

    fn reverse_cont_unsettled(&mut self) -> Result<Stop, SessionError> {
        if self.breakpoints.is_empty() && self.watchpoints.is_empty() {
            // Nothing can stop it before the start: no need to scan the way
            // there (which, from a position deep in a syscall-free loop,
            // means counting every arrival at it without a PMU).
            self.restart_replay()?;
            let stop = self.stop(StopReason::Start, self.current_tid);
            return self.settle(Ok(stop));
        }
        let now = self.position.clone();
        let mut upper = now.clone();
        // Scan ranges [snapshot, upper) backwards until one holds a hit.
        let hit = loop {
            self.restore_nearest(&upper, true)?;
            let start = self.position.clone();
            let at_start = self.is_recording_start();
            if Self::costly_to_reach(&upper) {
                // Reaching a paused position means stopping at every arrival
                // at its pc (no PMU to count instructions). When nothing can
                // stop anywhere up to the end of its interval — found by a
                // free run — there is nothing before it either.
                if self.no_hits_through_interval_of(&upper)? {
                    if at_start {
                        break None;
                    }
                    upper = start;
                    continue;
                }
                self.restore_nearest(&upper, true)?;
            }
            // A watchpoint hit where we stand is behind us (its access was
            // the instruction before); a breakpoint hit here is not.
            let hits = self.scan(&upper, true, at_start)?;
            let latest = hits
                .iter()
                .rev()
                .find(|h| !(h.position == now && matches!(h.kind, HitKind::Breakpoint(_))));
            if let Some(hit) = latest {
                break Some(hit.clone());
            }
            if at_start {
                break None;
            }
            upper = start;
        };
        let Some(hit) = hit else {
            self.restart_replay()?;
            let stop = self.stop(StopReason::Start, self.current_tid);
            return self.settle(Ok(stop));
        };
        let land = match hit.kind {
            HitKind::Breakpoint(_) => hit.position.clone(),
            HitKind::Watch(_) | HitKind::SyscallWrite { .. } => self
                .previous_position(&hit.position)?
                .unwrap_or_else(|| hit.position.clone()),
        };
        self.goto_position(&land)?;
        let tid = hit.tid;
        let mut stop = self.hit_stop(hit);
        stop.tid = tid;
        stop.position = self.position.clone();
        self.settle(Ok(stop))
    }

    /// Positions of a paused free run: found again only by checking every
    /// arrival at their pc.
    fn costly_to_reach(p: &Position) -> bool {
        p.path.iter().any(|s| matches!(s, Segment::Match { .. }))
    }

    /// Runs freely from here to the end of `p`'s interval: whether no
    /// breakpoint or watchpoint hit lies on the way (boundaries up to `p`'s
    /// event included, the one ending its interval not).
    fn no_hits_through_interval_of(&mut self, p: &Position) -> Result<bool, SessionError> {
        let mut hits = Vec::new();
        while self.position.event <= p.event {
            match self.walk(Target::IntervalEnd, Observe::Record, &mut hits)? {
                WalkEnd::IntervalEnded(applied) => {
                    if self.position.event <= p.event {
                        hits.extend(self.boundary_hits(&applied)?);
                    }
                }
                _ => break,
            }
            if !hits.is_empty() {
                return Ok(false);
            }
        }
        Ok(hits.is_empty())
    }

    fn is_recording_start(&self) -> bool {
        self.position.is_boundary() && self.position.event <= self.start_event
    }

    /// Runs from here to `to`, collecting every hit on the way: at the
    /// starting point only with `include_start`, at `to` only with `include_to`.
    fn scan(
        &mut self,
        to: &Position,
        include_to: bool,
        include_start: bool,
    ) -> Result<Vec<Hit>, SessionError> {
        let mut hits = Vec::new();
        if include_start && self.position != *to {
            hits.extend(self.boundary_hits(&[])?);
        }
        let mut rest = remaining(&self.position, to).unwrap_or_default();
        while self.position.event < to.event {
            match self.walk(Target::IntervalEnd, Observe::Record, &mut hits)? {
                WalkEnd::IntervalEnded(applied) => {
                    let boundary = self.boundary_hits(&applied)?;
                    if self.position != *to || include_to {
                        hits.extend(boundary);
                    }
                    self.anchor_here()?;
                }
                _ => break,
            }
            rest = to.path.clone();
        }
        if self.position.event != to.event {
            return Ok(hits);
        }
        let n = rest.len();
        for (i, seg) in rest.into_iter().enumerate() {
            self.walk(Target::Segment(seg), Observe::Record, &mut hits)?;
            if i + 1 == n && !include_to {
                break;
            }
            // Where a segment ends is itself a hit when it is one.
            let tid = self.current_tid;
            match seg {
                Segment::WatchHit { watch, .. } if self.watchpoints.contains(&watch) => {
                    hits.push(Hit {
                        position: self.position.clone(),
                        kind: HitKind::Watch(watch),
                        tid,
                    })
                }
                _ => {
                    let pc = self.pc()?;
                    if self.breakpoints.contains_key(&pc) && self.current_condition_holds(pc)? {
                        hits.push(Hit {
                            position: self.position.clone(),
                            kind: HitKind::Breakpoint(pc),
                            tid,
                        });
                    }
                }
            }
        }
        Ok(hits)
    }

    /// Goes back one instruction (of whichever thread executed last).
    pub fn reverse_step(&mut self) -> Result<Stop, SessionError> {
        let stop = self.reverse_step_unsettled();
        self.settle(stop)
    }

    fn reverse_step_unsettled(&mut self) -> Result<Stop, SessionError> {
        let now = self.position.clone();
        match self.previous_position(&now)? {
            Some(p) => {
                self.goto_position(&p)?;
                Ok(self.stop(StopReason::Step, self.current_tid))
            }
            None => {
                self.restart_replay()?;
                Ok(self.stop(StopReason::Start, self.current_tid))
            }
        }
    }

    /// The position one instruction before `p`; None at the start.
    fn previous_position(&mut self, p: &Position) -> Result<Option<Position>, SessionError> {
        let Some(last) = p.path.last().copied() else {
            return self.before_boundary(p.event);
        };
        let q = p.prefix();
        // The instruction before the segment's end lies after its previous
        // count (or its start): go there, then single-step to the end.
        let a = match last {
            Segment::Steps(n) if n >= 2 => return Ok(Some(q.then(Segment::Steps(n - 1)))),
            Segment::Steps(_) => return Ok(Some(q)),
            Segment::Arrive { pc, count } if count >= 2 => q.then(Segment::Arrive {
                pc,
                count: count - 1,
            }),
            Segment::WatchHit { watch, count } if count >= 2 => q.then(Segment::WatchHit {
                watch,
                count: count - 1,
            }),
            _ => q,
        };
        self.goto_position(&a)?;
        let m = match last {
            Segment::Arrive { pc, .. } => self.steps_until(|s, _| Ok(s.pc()? == pc))?,
            Segment::WatchHit { watch, .. } => self.steps_until_watch(watch)?,
            Segment::Match { pc, state, digest } => {
                self.steps_until(|s, _| s.at_state(pc, state, digest))?
            }
            Segment::Steps(_) => unreachable!("returned above"),
        };
        Ok(Some(if m >= 2 {
            a.then(Segment::Steps(m - 1))
        } else {
            a
        }))
    }

    /// The position of the last instruction before boundary `event`.
    fn before_boundary(&mut self, event: u64) -> Result<Option<Position>, SessionError> {
        // The latest interval (boundary where a thread runs) before `event`.
        let target = Position::boundary(event);
        self.restore_nearest(&target, true)?;
        let mut last_start = (self.position != target).then_some(self.position.event);
        let mut unused = Vec::new();
        while self.position.event < event {
            last_start = Some(self.position.event);
            if let WalkEnd::End = self.walk(Target::IntervalEnd, Observe::Nothing, &mut unused)? {
                break;
            }
            self.anchor_here()?;
        }
        let Some(start) = last_start else {
            return Ok(None);
        };
        let boundary = Position::boundary(start);
        self.goto_position(&boundary)?;
        let Some(r) = self.runner()? else {
            return Ok(Some(boundary));
        };
        match r.end {
            RunEnd::Syscall { insn } => {
                match self.walk(
                    Target::Segment(Segment::Arrive { pc: insn, count: 1 }),
                    Observe::Nothing,
                    &mut unused,
                ) {
                    Ok(_) => Ok(Some(self.position.clone())),
                    // The syscall was the interval's first instruction.
                    Err(SessionError::BadPosition { .. }) => Ok(Some(boundary)),
                    Err(e) => Err(e),
                }
            }
            RunEnd::Fault { pc, .. } => {
                let n = self.arrivals_in_interval(pc, false)?;
                Ok(Some(if n == 0 {
                    boundary
                } else {
                    boundary.then(Segment::Arrive { pc, count: n })
                }))
            }
            RunEnd::Interrupt { pc } => {
                let k = self.arrivals_in_interval(pc, true)?;
                self.previous_position(&boundary.then(Segment::Arrive { pc, count: k }))
            }
        }
    }

    /// Counts the runner's arrivals at `pc` from here to the end of the
    /// interval (or, `until_point`, to the recorded interruption point).
    fn arrivals_in_interval(&mut self, pc: u64, until_point: bool) -> Result<u64, SessionError> {
        let Some(r) = self.runner()? else {
            return Ok(0);
        };
        let start = self.position.clone();
        let mut n = 0;
        let mut stepping = true;
        loop {
            let trap = self.exec(&r, stepping, &[pc], &[])?;
            let arrived = match trap {
                Trap::Event(stop) => {
                    // Keep the session consistent: the event happens.
                    self.replayer.set_arrived(r.tid, stop);
                    self.apply_next()?;
                    self.normalize()?;
                    return Ok(n);
                }
                Trap::Int3(_) => true,
                // Stopped for a pause mid-run: run on, the walk after names the point.
                Trap::Paused => continue,
                _ => self.runner_pc(&r)? == pc,
            };
            // Standing on `pc` (arrived by int3 or by the single step that
            // began the interval): the next move must execute it, or the
            // int3 placed there would count this arrival a second time.
            stepping = arrived;
            if arrived {
                n += 1;
                self.position = start.then(Segment::Arrive { pc, count: n });
                if until_point && self.at_interval_end_point(&r)? {
                    return Ok(n);
                }
            }
        }
    }

    /// Single-steps the runner until `done` holds; returns the steps taken.
    fn steps_until(
        &mut self,
        done: impl FnMut(&mut Session, &Trap) -> Result<bool, SessionError>,
    ) -> Result<u64, SessionError> {
        self.steps_with_until(&[], done)
    }

    /// Single-steps the runner, with `watches` armed, until `done` holds;
    /// returns the steps taken.
    fn steps_with_until(
        &mut self,
        watches: &[WatchSpec],
        mut done: impl FnMut(&mut Session, &Trap) -> Result<bool, SessionError>,
    ) -> Result<u64, SessionError> {
        let Some(r) = self.runner()? else {
            return Err(SessionError::BadPosition {
                position: self.position.to_string(),
                detail: "no thread runs here".into(),
            });
        };
        let start = self.position.clone();
        let mut m = 0;
        loop {
            let trap = self.exec(&r, true, &[], watches)?;
            if trap == Trap::Paused {
                continue;
            }
            m += 1;
            self.position = start.then(Segment::Steps(m));
            if let Trap::Event(stop) = trap {
                self.replayer.set_arrived(r.tid, stop);
                self.apply_next()?;
                self.normalize()?;
                return Err(SessionError::BadPosition {
                    position: self.position.to_string(),
                    detail: format!("the interval ended ({stop:?}) while stepping back"),
                });
            }
            if done(self, &trap)? {
                return Ok(m);
            }
        }
    }

    fn steps_until_watch(&mut self, watch: WatchSpec) -> Result<u64, SessionError> {
        self.steps_with_until(&[watch], |_, trap| Ok(matches!(trap, Trap::Watch(_))))
    }

    /// The instruction pointer of the thread that runs next.
    fn pc(&mut self) -> Result<u64, SessionError> {
        match self.runner()? {
            Some(r) => self.runner_pc(&r),
            None => Ok(0),
        }
    }
}
