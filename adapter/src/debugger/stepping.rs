//! Source-line stepping, forwards and backwards.
//!
//! Forwards, `next` plants temporary breakpoints on every statement start of
//! the current function and on the return address, and continues until one
//! is reached in the same frame (same canonical frame address: recursion
//! does not fool it) on another line. `stepIn` single-steps the line's own
//! instructions and stops at the first line of a called function that has
//! line information, running over the others.
//!
//! Backwards, single steps cost a checkpoint restore each, so `stepBack`
//! reverse-continues over the same statement starts instead: the hits in
//! this frame, latest first, are the line sequence as it executed; the
//! start of the previous line is the earliest hit of the run of hits that
//! carries its number. Going back past the function's entry lands at the
//! start of the caller's line that made the call.

use rewind_debuginfo::FunctionInfo;
use rewind_engine::session::{Position, Stop, StopReason as Engine};

use super::disasm;
use super::error::DebuggerError;
use super::frames::Here;
use super::movement::Direction;
use super::stop::{Edge, StopReason, StopReport};
use super::Debugger;
use crate::debugger::target::SessionMemory;

/// Most instructions a `stepIn` executes before giving up on finding a line.
const MAX_STEP_IN_INSTRUCTIONS: usize = 100_000;
/// Most instructions a reverse step-in walks back through one line.
const MAX_REVERSE_INSTRUCTIONS: usize = 10_000;

fn gave_up(what: &str, n: usize) -> DebuggerError {
    DebuggerError::Refused(format!(
        "{what}: no new source line after {n} instructions (the program runs code without line information); use continue or step by instruction"
    ))
}

impl Debugger {
    /// Runs until `reached` says so at one of `temporary` (`None`), or until
    /// something else stops the run (its report).
    fn run_to(
        &mut self,
        direction: Direction,
        temporary: &[u64],
        reached: &mut dyn FnMut(&mut Debugger, &Stop) -> Result<bool, DebuggerError>,
    ) -> Result<Option<StopReport>, DebuggerError> {
        let mut arrived = false;
        let report = self.run_until(direction, temporary, &mut |d, stop| {
            arrived = reached(d, stop)?;
            Ok(arrived.then(|| StopReport::step(stop.tid)))
        })?;
        Ok((!arrived).then_some(report))
    }

    /// Statement starts of `f`'s own lines: not those of functions inlined
    /// into it (a line step runs over an inlined call like over a call).
    fn statement_starts_of(&self, f: &FunctionInfo) -> Vec<u64> {
        let own = |addr: u64| {
            self.program
                .function_at(addr)
                .is_some_and(|g| g.entry == f.entry && g.inlined == f.inlined)
        };
        let mut starts: Vec<u64> = f
            .ranges
            .iter()
            .flat_map(|&(b, e)| self.program.statement_starts(b, e))
            .filter(|&a| own(a))
            .collect();
        starts.push(f.entry);
        starts.sort_unstable();
        starts.dedup();
        starts
    }

    fn rsp(&self, tid: i32) -> Result<u64, DebuggerError> {
        Ok(self.session.regs(tid)?.rsp())
    }

    pub(super) fn cfa_of(&mut self, tid: i32) -> Result<Option<u64>, DebuggerError> {
        // The CFA comes with unwinding to the caller: ask for two frames.
        Ok(self.stack_of(tid, 2)?.first().and_then(|f| f.cfa))
    }

    fn decode(&mut self, tid: i32, pc: u64) -> Option<disasm::Instruction> {
        let mem = SessionMemory::new(&mut self.session, tid);
        disasm::decode_at(&mem, pc)
    }

    /// `next`: the next line in this frame, over calls.
    pub(super) fn next_line(&mut self, tid: i32) -> Result<StopReport, DebuggerError> {
        let here = self.here(tid)?;
        let (Some(func), Some(line), Some(cfa)) = (here.function.clone(), here.line, here.cfa)
        else {
            return self.step_out(tid);
        };
        let mut temporary = self.statement_starts_of(&func);
        temporary.extend(here.return_address);
        self.run_until(Direction::Forward, &temporary, &mut |d, stop| {
            if stop.tid != tid {
                return Ok(None);
            }
            let now = d.here(tid)?;
            if Some(now.pc) == here.return_address && now.rsp == cfa {
                return Ok(Some(StopReport::step(tid)));
            }
            let new_line = now.line != Some(line) || now.pc == here.pc;
            let same_frame = now.cfa == Some(cfa) && here.in_function(now.pc);
            Ok((same_frame && new_line && now.pc != func.entry).then(|| StopReport::step(tid)))
        })
    }

    /// `stepIn`: into a call with line information, else like `next`.
    pub(super) fn step_in_line(&mut self, tid: i32) -> Result<StopReport, DebuggerError> {
        let here = self.here(tid)?;
        let (Some(_), Some(line)) = (here.function.clone(), here.line) else {
            return self.step_out(tid);
        };
        for _ in 0..MAX_STEP_IN_INSTRUCTIONS {
            let regs = self.session.regs(tid)?;
            let (before_pc, before_rsp) = (regs.rip(), regs.rsp());
            let insn = self.decode(tid, before_pc);
            let stop = self.session.step_passing()?;
            if let Some(r) = self.judge(&stop, Direction::Forward)? {
                return Ok(r);
            }
            if stop.tid != tid {
                continue;
            }
            let mut pc = self.session.regs(tid)?.rip();
            let called = insn.as_ref().is_some_and(|i| i.is_call && pc != i.end());
            if called {
                if self.line_at(pc).is_some() {
                    return self.run_past_prologue(tid, pc);
                }
                // No source there (libc, a PLT stub): run until it returns,
                // then look at where it returned to (maybe a new line).
                let ret = insn.map_or(before_pc, |i| i.end());
                if let Some(r) = self.run_to(Direction::Forward, &[ret], &mut |d, s| {
                    Ok(s.tid == tid && d.rsp(tid)? == before_rsp)
                })? {
                    return Ok(r);
                }
                pc = ret;
            }
            if !here.in_function(pc) {
                let returned = Some(pc) == here.return_address;
                if returned || self.line_at(pc).is_some() {
                    return Ok(StopReport::step(tid));
                }
                continue;
            }
            let at_statement = self
                .program
                .line_range_at(pc)
                .is_some_and(|r| r.start == pc && r.is_stmt && r.location.line != 0);
            if at_statement && (self.line_at(pc) != Some(line) || pc == here.pc) {
                return Ok(StopReport::step(tid));
            }
        }
        Err(gave_up("step in", MAX_STEP_IN_INSTRUCTIONS))
    }

    /// From a function's entry, on to its first line after the prologue.
    fn run_past_prologue(&mut self, tid: i32, entry: u64) -> Result<StopReport, DebuggerError> {
        let Some(f) = self.program.function_at(entry) else {
            return Ok(StopReport::step(tid));
        };
        let body: Vec<u64> = f
            .name
            .as_deref()
            .and_then(|n| self.program.function_breakpoint(n).ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|a| f.ranges.iter().any(|&(b, e)| (b..e).contains(a)) && *a != entry)
            .collect();
        if body.is_empty() {
            return Ok(StopReport::step(tid));
        }
        let cfa = self.cfa_of(tid)?;
        self.run_until(Direction::Forward, &body, &mut |d, stop| {
            Ok((stop.tid == tid && d.cfa_of(tid)? == cfa).then(|| StopReport::step(tid)))
        })
    }

    /// `restartFrame`: back in time to the start of the call that `frame_id`
    /// is (its function's first line, the same canonical frame address).
    pub(super) fn restart_frame(&mut self, frame_id: i64) -> Result<StopReport, DebuggerError> {
        let (tid, frame) = self.frame(frame_id)?;
        self.sync_program_for(tid);
        let entry = self
            .program
            .function_at(frame.lookup_pc())
            .filter(|f| !f.inlined)
            .map(|f| f.entry)
            .ok_or_else(|| {
                DebuggerError::Refused(
                    "this frame's function is not known (no debug information)".into(),
                )
            })?;
        let cfa = frame.cfa.ok_or_else(no_caller)?;
        if let Some(r) = self.travel_back_to(entry, tid, cfa)? {
            return Ok(r);
        }
        let mut report = self.run_past_prologue(tid, entry)?;
        if report.reason == StopReason::Step {
            report.reason = StopReason::RestartFrame;
            report.description = "Restarted frame".into();
        }
        Ok(report)
    }

    /// Back to the latest execution of `addr` by `tid` in the frame `cfa`,
    /// like a jump: breakpoints and watchpoints met on the way do not stop
    /// it. `Some(report)` when it stopped for another reason (the start of
    /// the recording, a pause).
    fn travel_back_to(
        &mut self,
        addr: u64,
        tid: i32,
        cfa: u64,
    ) -> Result<Option<StopReport>, DebuggerError> {
        for &a in &std::mem::take(&mut self.installed) {
            self.session.remove_breakpoint(a);
        }
        self.session.add_breakpoint(addr);
        self.installed.insert(addr);
        let watches: Vec<_> = self.breakpoints.data.iter().map(|d| d.watch).collect();
        for w in &watches {
            self.session.remove_watchpoint(w);
        }
        let result = (|| loop {
            let stop = self.session.reverse_cont()?;
            match stop.reason {
                Engine::Breakpoint { addr: at } if at == addr => {
                    if stop.tid == tid && self.cfa_of(tid)? == Some(cfa) {
                        return Ok(None);
                    }
                }
                Engine::Breakpoint { .. } | Engine::Watchpoint { .. } => {}
                _ => {
                    if let Some(r) = self.judge(&stop, Direction::Backward)? {
                        return Ok(Some(r));
                    }
                }
            }
        })();
        for w in watches {
            self.session.add_watchpoint(w)?;
        }
        result
    }

    /// `stepOut`: to the return into the caller.
    pub(super) fn step_out(&mut self, tid: i32) -> Result<StopReport, DebuggerError> {
        let here = self.here(tid)?;
        let (Some(ret), Some(cfa)) = (here.return_address, here.cfa) else {
            return Err(no_caller());
        };
        self.run_until(Direction::Forward, &[ret], &mut |d, stop| {
            Ok((stop.tid == tid && d.rsp(tid)? == cfa).then(|| StopReport::step(tid)))
        })
    }

    /// `reverseStepOut`: back to the call of the current function.
    pub(super) fn reverse_step_out(&mut self, tid: i32) -> Result<StopReport, DebuggerError> {
        let here = self.here(tid)?;
        let (Some(ret), Some(cfa)) = (here.return_address, here.cfa) else {
            return Err(no_caller());
        };
        let call = {
            let mem = SessionMemory::new(&mut self.session, tid);
            disasm::call_before(&mem, ret, here.caller_entry)
        }
        .ok_or_else(|| {
            DebuggerError::Refused(format!(
                "cannot find the call instruction before the return address {ret:#x}"
            ))
        })?;
        // Before the call pushes the return address, rsp is the callee's CFA.
        self.run_until(Direction::Backward, &[call], &mut |d, stop| {
            Ok((stop.tid == tid && d.rsp(tid)? == cfa).then(|| StopReport::step(tid)))
        })
    }

    /// `stepBack`: the start of the previous line in this frame.
    pub(super) fn step_back_line(&mut self, tid: i32) -> Result<StopReport, DebuggerError> {
        let here = self.here(tid)?;
        let at_statement = self
            .program
            .line_range_at(here.pc)
            .is_some_and(|r| r.start == here.pc && r.is_stmt);
        self.back_in_frame(tid, here, at_statement)
    }

    /// Back to the start of a line in this frame: the previous one when
    /// `skip_current` (we stand at the start of the current one), else the
    /// current one.
    ///
    /// Going back, the run overshoots the target by one statement (the last
    /// one of the line before it): a breakpoint or watchpoint met on the way
    /// counts only if it lies between the target and where the step began,
    /// which is known once the next statement of this frame shows up.
    fn back_in_frame(
        &mut self,
        tid: i32,
        here: Here,
        skip_current: bool,
    ) -> Result<StopReport, DebuggerError> {
        let (Some(func), Some(line), Some(cfa)) = (here.function.clone(), here.line, here.cfa)
        else {
            return self.instruction_step(tid, Direction::Backward);
        };
        if here.pc == func.entry {
            return self.back_to_caller_line(tid);
        }
        let temporary = self.statement_starts_of(&func);
        if skip_current {
            if let Some(target) = self.back_within_window(tid, func.entry, line, cfa, &temporary)? {
                self.session.run_to_position(&target)?;
                return Ok(StopReport::step(tid));
            }
        }
        self.install_breakpoints(&temporary);
        let mut collecting: Option<u32> = (!skip_current).then_some(line);
        // Collecting from a statement start of the line: it is a candidate.
        let at_statement = self
            .program
            .line_range_at(here.pc)
            .is_some_and(|r| r.start == here.pc && r.is_stmt);
        let mut best: Option<Position> =
            (!skip_current && at_statement).then(|| self.session.position().clone());
        // A stop met while collecting, not yet known to be inside the step.
        let mut pending: Option<(Position, StopReport)> = None;
        loop {
            let stop = self.session.reverse_cont()?;
            let position = stop.position.clone();
            let mut other = self.judge(&stop, Direction::Backward)?;
            if other.as_ref().is_some_and(|r| r.edge == Some(Edge::Start)) {
                if best.is_some() {
                    break;
                }
                return Ok(other.unwrap_or_else(|| StopReport::step(tid)));
            }
            let mut in_frame = false;
            if let Engine::Breakpoint { addr } = stop.reason {
                if let Some((ids, reason, note)) = self.breakpoint_hit(addr, stop.tid)? {
                    other = Some(StopReport::breakpoint(reason, ids, note, stop.tid));
                }
                in_frame =
                    temporary.contains(&addr) && stop.tid == tid && self.cfa_of(tid)? == Some(cfa);
            }
            if !in_frame {
                match other {
                    Some(r) if collecting.is_none() || r.reason == StopReason::Pause => {
                        return Ok(r)
                    }
                    Some(r) if pending.is_none() => pending = Some((position, r)),
                    _ => {}
                }
                continue;
            }
            let pc = self.session.regs(tid)?.rip();
            let now_line = self.line_at(pc);
            match collecting {
                None if pc == func.entry => return self.back_to_caller_line(tid),
                None if now_line == Some(line) => {
                    if let Some(r) = other {
                        return Ok(r);
                    }
                }
                None => {
                    if let Some(r) = other {
                        return Ok(r);
                    }
                    collecting = now_line;
                    best = Some(position);
                }
                Some(c) if now_line == Some(c) && (pc != func.entry || best.is_none()) => {
                    if let Some((at, r)) = pending.take() {
                        // It happened after this statement: inside the step.
                        self.session.run_to_position(&at)?;
                        return Ok(r);
                    }
                    if let Some(r) = other {
                        return Ok(r);
                    }
                    best = Some(position);
                    if pc == func.entry {
                        break;
                    }
                }
                Some(_) => break,
            }
        }
        if let Some(position) = best {
            self.session.run_to_position(&position)?;
        }
        Ok(StopReport::step(tid))
    }

    /// From a function's entry: one instruction back is the call; then back
    /// to the start of the caller's line.
    fn back_to_caller_line(&mut self, tid: i32) -> Result<StopReport, DebuggerError> {
        let stop = self.session.reverse_step()?;
        if let Some(r) = self.judge(&stop, Direction::Backward)? {
            return Ok(r);
        }
        let here = self.here(tid)?;
        if here.line.is_none() {
            return Ok(StopReport::step(tid));
        }
        self.back_in_frame(tid, here, false)
    }

    /// `reverseStepIn`: back one line, into the last line of a function the
    /// previous line called.
    pub(super) fn reverse_step_in_line(&mut self, tid: i32) -> Result<StopReport, DebuggerError> {
        let here = self.here(tid)?;
        let (Some(func), Some(line), Some(cfa)) = (here.function.clone(), here.line, here.cfa)
        else {
            return self.reverse_step_out(tid);
        };
        if here.pc == func.entry {
            return self.back_to_caller_line(tid);
        }
        let (mut prev_pc, mut prev_rsp) = (here.pc, here.rsp);
        let (mut current_line, mut moved) = (line, false);
        for _ in 0..MAX_REVERSE_INSTRUCTIONS {
            let stop = self.session.reverse_step()?;
            if let Some(r) = self.judge(&stop, Direction::Backward)? {
                return Ok(r);
            }
            if stop.tid != tid {
                continue;
            }
            let now = self.here(tid)?;
            let deeper = now.cfa.is_some_and(|c| c < cfa);
            if now.cfa == Some(cfa) && here.in_function(now.pc) {
                let in_prologue = self
                    .program
                    .line_range_at(now.pc)
                    .is_some_and(|r| r.start == func.entry);
                if in_prologue {
                    // Like stepBack: the function's start leads to its caller.
                    let entry = func.entry;
                    self.run_to(Direction::Backward, &[entry], &mut |d, s| {
                        Ok(s.tid == tid && d.cfa_of(tid)? == Some(cfa))
                    })?;
                    return self.back_to_caller_line(tid);
                }
                if now.line.is_some() && now.line != Some(current_line) {
                    if moved {
                        return self.back_in_frame(tid, now, false);
                    }
                    // Into the previous line: walk back through it, so that a
                    // call it made is entered at its last line.
                    current_line = now.line.unwrap_or(line);
                    moved = true;
                }
                let at_statement = self
                    .program
                    .line_range_at(now.pc)
                    .is_some_and(|r| r.start == now.pc && r.is_stmt);
                if moved && at_statement {
                    return self.back_in_frame(tid, now, false);
                }
            } else if deeper && now.line.is_some() {
                // Into the callee's last line.
                return self.back_in_frame(tid, now, false);
            } else if deeper {
                // A callee without source: back over the whole call.
                let call = {
                    let mem = SessionMemory::new(&mut self.session, tid);
                    disasm::call_before(&mem, prev_pc, Some(func.entry))
                };
                let Some(call) = call else {
                    return Ok(StopReport::step(tid));
                };
                if let Some(r) = self.run_to(Direction::Backward, &[call], &mut |d, s| {
                    Ok(s.tid == tid && d.rsp(tid)? == prev_rsp)
                })? {
                    return Ok(r);
                }
            } else {
                // Left the function backwards: the caller's line.
                return self.back_in_frame(tid, now, false);
            }
            let regs = self.session.regs(tid)?;
            (prev_pc, prev_rsp) = (regs.rip(), regs.rsp());
        }
        Err(gave_up("reverse step in", MAX_REVERSE_INSTRUCTIONS))
    }
}

fn no_caller() -> DebuggerError {
    DebuggerError::Refused(
        "this frame has no caller that can be found (no unwind information)".into(),
    )
}
