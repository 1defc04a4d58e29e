//! Moving forwards: continue, single-step, run to an event, to the end.

use super::traps::Trap;
use super::walk::{Hit, HitKind, Observe, Target, WalkEnd};
use super::Segment;
use super::{delivered_signal, Session, SessionError, Stop, StopReason};
use crate::tracee;

impl Session {
    /// Runs forwards until a breakpoint, a watchpoint, a delivered signal or
    /// the end of the recording.
    pub fn cont(&mut self) -> Result<Stop, SessionError> {
        let stop = self.cont_unsettled();
        self.settle(stop)
    }

    fn cont_unsettled(&mut self) -> Result<Stop, SessionError> {
        loop {
            if self.pause.take() {
                return Ok(self.stop(StopReason::Paused, self.current_tid));
            }
            let mut unused = Vec::new();
            match self.walk(Target::IntervalEnd, Observe::First, &mut unused)? {
                WalkEnd::End => return Ok(self.end_stop()),
                WalkEnd::Hit(hit) => return Ok(self.hit_stop(hit)),
                WalkEnd::Reached => unreachable!("no segment target"),
                WalkEnd::IntervalEnded(applied) => {
                    self.anchor_here()?;
                    if let Some(a) = applied
                        .iter()
                        .find(|a| delivered_signal(&a.event).is_some())
                    {
                        let signo = delivered_signal(&a.event).unwrap_or(0);
                        let tid = a.event.tid;
                        return Ok(self.stop(StopReason::Signal { signo }, tid));
                    }
                    if let Some(hit) = self.boundary_hits(&applied)?.into_iter().next() {
                        return Ok(self.hit_stop(hit));
                    }
                    if self.stop_at_loads {
                        if let Some(a) = applied.iter().find(|a| super::loads_code(&a.event)) {
                            let tid = a.event.tid;
                            return Ok(self.stop(StopReason::Loaded, tid));
                        }
                    }
                }
            }
        }
    }

    pub(super) fn hit_stop(&mut self, hit: Hit) -> Stop {
        let reason = match hit.kind {
            HitKind::Breakpoint(addr) => {
                if let Some(n) = self.breakpoints.get_mut(&addr) {
                    *n += 1;
                }
                StopReason::Breakpoint { addr }
            }
            HitKind::Watch(watch) => StopReason::Watchpoint {
                watch,
                syscall: None,
            },
            HitKind::SyscallWrite { watch, nr } => StopReason::Watchpoint {
                watch,
                syscall: Some(nr),
            },
        };
        self.stop(reason, hit.tid)
    }

    /// Executes one instruction of the thread that runs next (a syscall
    /// instruction completes with its recorded effects).
    pub fn step(&mut self) -> Result<Stop, SessionError> {
        let stop = self.step_unsettled();
        self.settle(stop)
    }

    /// [`Session::step`] for a movement made of many steps (a line step
    /// that walks instructions): no checkpoint is taken where it stops —
    /// one per instruction would cost a fork each and push useful ones out
    /// of the LRU; the movement's end is remembered with
    /// [`Session::remember_position`].
    pub fn step_passing(&mut self) -> Result<Stop, SessionError> {
        match self.step_unsettled() {
            Err(SessionError::Paused) => {
                self.pause.take();
                Ok(self.stop(StopReason::Paused, self.current_tid))
            }
            other => other,
        }
    }

    /// Keeps a checkpoint where the session stands (where a movement
    /// ended), if there is none there yet.
    pub fn remember_position(&mut self) -> Result<(), SessionError> {
        self.remember_here()
    }

    fn step_unsettled(&mut self) -> Result<Stop, SessionError> {
        let Some(r) = self.runner()? else {
            return Ok(self.end_stop());
        };
        let trap = self.exec(&r, true, &[], &[])?;
        self.current_tid = r.tid;
        let ended_by = match trap {
            Trap::Event(stop) => Some(stop),
            // Stopped before the instruction ran.
            Trap::Paused => return Err(SessionError::Paused),
            _ => {
                self.position = self.position.then(Segment::Steps(1));
                self.at_interval_end_point(&r)?
                    .then_some(tracee::Stop::Signal(libc::SIGTRAP))
            }
        };
        if let Some(stop) = ended_by {
            self.replayer.set_arrived(r.tid, stop);
            self.apply_next()?;
            self.normalize()?;
        }
        Ok(self.stop(StopReason::Step, r.tid))
    }

    /// Runs forwards to the boundary of event `event` (the first boundary at
    /// or after it where a thread runs), from here or from the start.
    pub fn run_to_event(&mut self, event: u64) -> Result<Stop, SessionError> {
        let stop = self.run_to_event_unsettled(event);
        self.settle(stop)
    }

    fn run_to_event_unsettled(&mut self, event: u64) -> Result<Stop, SessionError> {
        if event < self.position.event
            || (event == self.position.event && !self.position.is_boundary())
        {
            self.restart_replay()?;
        }
        while self.position.event < event {
            let mut unused = Vec::new();
            if let WalkEnd::End = self.walk(Target::IntervalEnd, Observe::Nothing, &mut unused)? {
                return Ok(self.end_stop());
            }
            self.anchor_here()?;
        }
        Ok(self.stop(StopReason::Arrived, self.current_tid))
    }

    /// Runs to the end of the recording.
    pub fn goto_end(&mut self) -> Result<Stop, SessionError> {
        let stop = self.goto_end_unsettled();
        self.settle(stop)
    }

    fn goto_end_unsettled(&mut self) -> Result<Stop, SessionError> {
        loop {
            let mut unused = Vec::new();
            if let WalkEnd::End = self.walk(Target::IntervalEnd, Observe::Nothing, &mut unused)? {
                return Ok(self.end_stop());
            }
            self.anchor_here()?;
        }
    }
}
