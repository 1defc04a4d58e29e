//! Movements through the recording and how each stop is reported: the one
//! loop that runs the session forwards or backwards over breakpoints
//! (user ones with their conditions, and temporary ones a step plants), and
//! the `stopped` event with the thread, module and exit news that go with it.

use std::collections::{BTreeMap, BTreeSet};

use rewind_engine::session::{Position, Stop, StopReason as Engine, WatchKind};

use super::error::DebuggerError;
use super::events::{DebuggerEvent, ModuleChange};
use super::places::GotoTarget;
use super::stop::{Edge, StopReason, StopReport};
use super::views::{GotoTargetView, ModuleView};
use super::Debugger;

/// What the client asked the program to do.
#[derive(Debug, Clone)]
pub enum Movement {
    /// After `configurationDone`: the first stop of the session.
    Start {
        stop_on_entry: bool,
    },
    Continue,
    ReverseContinue,
    Next {
        tid: i32,
        instruction: bool,
    },
    StepIn {
        tid: i32,
        instruction: bool,
    },
    StepOut {
        tid: i32,
    },
    StepBack {
        tid: i32,
        instruction: bool,
    },
    ReverseStepIn {
        tid: i32,
        instruction: bool,
    },
    ReverseStepOut {
        tid: i32,
    },
    /// Back to the start of the call a stack frame is.
    RestartFrame {
        frame_id: i64,
    },
    Goto {
        target: i64,
    },
    GotoEvent(u64),
    GotoPosition {
        position: Position,
        what: String,
    },
    Restart,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
}

/// What a temporary breakpoint's owner decides at a hit.
pub type Accept<'a> =
    dyn FnMut(&mut Debugger, &Stop) -> Result<Option<StopReport>, DebuggerError> + 'a;

impl Debugger {
    /// Carries out a movement and reports where it stopped. A failure is
    /// reported too (the session still stands somewhere valid): the client
    /// must not be left believing the program runs.
    pub fn perform(&mut self, movement: Movement) {
        let mut result = self.movement(movement);
        if result.is_ok() {
            // Where the user is, a checkpoint: going back from here is short.
            if let Err(e) = self.session.remember_position() {
                result = Err(e.into());
            }
        }
        self.session.clear_pause();
        self.install_breakpoints(&[]);
        let report = match result {
            Ok(report) => report,
            Err(error) => {
                self.console(format!("rewind: {error}\n"));
                let mut r = StopReport::new(
                    StopReason::Pause,
                    "Stopped after an error",
                    self.session.current_tid(),
                );
                r.text = Some(error.to_string());
                r
            }
        };
        self.report(report);
    }

    fn movement(&mut self, movement: Movement) -> Result<StopReport, DebuggerError> {
        match movement {
            Movement::Start { stop_on_entry } => self.first_stop(stop_on_entry),
            Movement::Continue => self.run_until(Direction::Forward, &[], &mut |_, _| Ok(None)),
            Movement::ReverseContinue => {
                self.run_until(Direction::Backward, &[], &mut |_, _| Ok(None))
            }
            Movement::Next { tid, instruction } => {
                if instruction {
                    self.instruction_step(tid, Direction::Forward)
                } else {
                    self.next_line(tid)
                }
            }
            Movement::StepIn { tid, instruction } => {
                if instruction {
                    self.instruction_step(tid, Direction::Forward)
                } else {
                    self.step_in_line(tid)
                }
            }
            Movement::StepOut { tid } => self.step_out(tid),
            Movement::StepBack { tid, instruction } => {
                if instruction {
                    self.instruction_step(tid, Direction::Backward)
                } else {
                    self.step_back_line(tid)
                }
            }
            Movement::ReverseStepIn { tid, instruction } => {
                if instruction {
                    self.instruction_step(tid, Direction::Backward)
                } else {
                    self.reverse_step_in_line(tid)
                }
            }
            Movement::ReverseStepOut { tid } => self.reverse_step_out(tid),
            Movement::RestartFrame { frame_id } => self.restart_frame(frame_id),
            Movement::Goto { target } => self.goto(target),
            Movement::GotoEvent(event) => {
                let at_end = self.session.total_events().is_some_and(|t| event >= t);
                let stop = if at_end {
                    self.session.goto_end()
                } else {
                    self.session.run_to_event(event)
                }?;
                Ok(self
                    .judge(&stop, Direction::Forward)?
                    .filter(|r| r.reason != StopReason::Exception)
                    .unwrap_or_else(|| {
                        StopReport::new(StopReason::Goto, format!("Event {event}"), stop.tid)
                    }))
            }
            Movement::GotoPosition { position, what } => self.goto_position(&position, what),
            Movement::Restart => {
                let stop = self.session.restart()?;
                let mut r = StopReport::new(StopReason::Entry, "Start of the recording", stop.tid);
                r.edge = Some(Edge::Start);
                Ok(r)
            }
        }
    }

    /// The first stop: entry, `main`, or the first breakpoint or crash.
    fn first_stop(&mut self, stop_on_entry: bool) -> Result<StopReport, DebuggerError> {
        let tid = self.session.current_tid();
        if stop_on_entry {
            return Ok(StopReport::new(
                StopReason::Entry,
                "Entry: the program's first instruction",
                tid,
            ));
        }
        if self.crash_signal().is_some() || !self.breakpoints.is_empty() {
            return self.run_until(Direction::Forward, &[], &mut |_, _| Ok(None));
        }
        let main = self.main_addresses();
        if main.is_empty() {
            self.console("rewind: the program has no `main` with debug information; stopped at its first instruction\n");
            return Ok(StopReport::new(StopReason::Entry, "Entry", tid));
        }
        self.run_until(Direction::Forward, &main, &mut |_, stop| {
            Ok(Some(StopReport::new(
                StopReason::Entry,
                "Entry: main",
                stop.tid,
            )))
        })
    }

    /// Where the program's own `main` starts (after its prologue): a Rust
    /// program's is `<crate>::main` (the `main` symbol is std's shim, without
    /// source); C and C++ programs' is `main`.
    fn main_addresses(&self) -> Vec<u64> {
        let exe = std::path::Path::new(&self.reader.header().executable);
        let krate = exe
            .file_stem()
            .map(|s| s.to_string_lossy().replace('-', "_"))
            .unwrap_or_default();
        [format!("{krate}::main"), "main".to_owned()]
            .iter()
            .map(|name| self.program.function_breakpoint(name).unwrap_or_default())
            .find(|addrs| addrs.iter().any(|&a| self.program.location_at(a).is_some()))
            .unwrap_or_default()
    }

    /// Runs forwards or backwards until a user breakpoint whose condition
    /// holds, a watchpoint, a crash signal (forwards), either end of the
    /// recording, a pause, or a temporary breakpoint that `accept` stops at.
    pub(super) fn run_until(
        &mut self,
        direction: Direction,
        temporary: &[u64],
        accept: &mut Accept<'_>,
    ) -> Result<StopReport, DebuggerError> {
        self.install_breakpoints(temporary);
        let temporary: BTreeSet<u64> = temporary.iter().copied().collect();
        loop {
            let stop = match direction {
                Direction::Forward => self.session.cont(),
                Direction::Backward => self.session.reverse_cont(),
            }?;
            if let Some(report) = self.judge(&stop, direction)? {
                return Ok(report);
            }
            if stop.reason == Engine::Loaded {
                // A library (or program) appeared: place the breakpoints
                // that name it, then go on.
                self.sync_program();
                self.retry_unresolved_breakpoints();
                self.install_breakpoints(&temporary.iter().copied().collect::<Vec<_>>());
                continue;
            }
            if let Engine::Breakpoint { addr } = stop.reason {
                if let Some((ids, reason, note)) = self.breakpoint_hit(addr, stop.tid)? {
                    return Ok(StopReport::breakpoint(reason, ids, note, stop.tid));
                }
                if temporary.contains(&addr) {
                    if let Some(report) = accept(self, &stop)? {
                        return Ok(report);
                    }
                }
            }
        }
    }

    /// The stops every movement ends at, whatever it looks for: the ends of
    /// the recording, a pause, a watchpoint, a crash signal. `None`: a
    /// breakpoint (the caller decides) or a signal the filters let pass.
    pub(super) fn judge(
        &mut self,
        stop: &Stop,
        direction: Direction,
    ) -> Result<Option<StopReport>, DebuggerError> {
        Ok(match &stop.reason {
            Engine::End { exit_code } => {
                let mut r = StopReport::new(StopReason::Step, "End of the recording", stop.tid);
                r.edge = Some(Edge::End);
                r.text = Some(match exit_code {
                    // The trace keeps the shell's status: 128+N reads as signal N.
                    Some(c) if *c > 128 => format!(
                        "End of the recording: the program was killed by {} ({}), exit status {c}",
                        rewind_engine::signals::name(c - 128),
                        rewind_engine::signals::description(c - 128)
                    ),
                    Some(c) => format!("End of the recording: the program exited with status {c}"),
                    None => "End of the recording (the recorder stopped before the program ended)"
                        .into(),
                });
                Some(r)
            }
            Engine::Start => {
                let mut r = StopReport::new(StopReason::Step, "Start of the recording", stop.tid);
                r.edge = Some(Edge::Start);
                r.text = Some("Start of the recording: nothing happened before this point".into());
                Some(r)
            }
            Engine::Paused => Some(StopReport::new(StopReason::Pause, "Paused", stop.tid)),
            Engine::Watchpoint { watch, syscall } => {
                let id = self
                    .breakpoints
                    .data
                    .iter()
                    .find(|d| d.watch == *watch)
                    .map(|d| d.id);
                let mut r =
                    StopReport::new(StopReason::DataBreakpoint, "Data breakpoint", stop.tid);
                r.hit_breakpoint_ids = id.into_iter().collect();
                let what = match syscall {
                    Some(nr) => format!(
                        "written by the {} syscall",
                        rewind_engine::syscalls::name(*nr)
                    ),
                    None if direction == Direction::Backward => match watch.kind {
                        WatchKind::Write => {
                            "this instruction is the last write before where you were".into()
                        }
                        WatchKind::ReadWrite => {
                            "this instruction is the last access before where you were".into()
                        }
                    },
                    None => match watch.kind {
                        WatchKind::Write => "written by the instruction before".into(),
                        WatchKind::ReadWrite => "accessed by the instruction before".into(),
                    },
                };
                r.text = Some(format!("{} bytes at {:#x}: {what}", watch.len, watch.addr));
                Some(r)
            }
            Engine::Signal { signo } => {
                if direction == Direction::Forward && self.exception_filters.contains(signo) {
                    let mut r = StopReport::new(StopReason::Exception, "Exception", stop.tid);
                    r.description = format!(
                        "Signal {} ({})",
                        rewind_engine::signals::name(*signo),
                        rewind_engine::signals::description(*signo)
                    );
                    r.text = Some(r.description.clone());
                    r.signal = Some(*signo);
                    Some(r)
                } else {
                    None
                }
            }
            Engine::Step | Engine::Arrived | Engine::Breakpoint { .. } | Engine::Loaded => None,
        })
    }

    /// One instruction forwards or backwards.
    pub(super) fn instruction_step(
        &mut self,
        tid: i32,
        direction: Direction,
    ) -> Result<StopReport, DebuggerError> {
        let _ = tid;
        let stop = match direction {
            Direction::Forward => self.session.step(),
            Direction::Backward => self.session.reverse_step(),
        }?;
        Ok(match &stop.reason {
            Engine::End { .. } | Engine::Start | Engine::Paused => self
                .judge(&stop, direction)?
                .unwrap_or_else(|| StopReport::step(stop.tid)),
            _ => StopReport::step(stop.tid),
        })
    }

    fn goto_position(
        &mut self,
        position: &Position,
        what: String,
    ) -> Result<StopReport, DebuggerError> {
        let stop = self.session.run_to_position(position)?;
        Ok(self
            .judge(&stop, Direction::Forward)?
            .filter(|r| r.reason != StopReason::Exception)
            .unwrap_or_else(|| StopReport::new(StopReason::Goto, what, stop.tid)))
    }

    /// `gotoTargets`: for a source line, its next execution and its previous one.
    pub fn goto_targets(
        &mut self,
        path: &std::path::Path,
        line: u32,
    ) -> Result<Vec<GotoTargetView>, DebuggerError> {
        let bp = self.program.line_breakpoint(path, line)?;
        let mut targets = Vec::new();
        for backwards in [false, true] {
            let id = self.goto_targets.len() as i64 + 1;
            let label = if backwards {
                format!("Back to the previous execution of line {}", bp.line)
            } else {
                format!("Forward to the next execution of line {}", bp.line)
            };
            self.goto_targets.insert(
                id,
                GotoTarget {
                    addresses: bp.addresses.clone(),
                    backwards,
                    label: label.clone(),
                },
            );
            targets.push(GotoTargetView {
                id,
                label,
                line: bp.line,
                address: bp.addresses.first().copied(),
            });
        }
        Ok(targets)
    }

    /// Checks that `gotoTargets` gave out `target`.
    pub fn check_goto_target(&self, target: i64) -> Result<(), DebuggerError> {
        self.goto_targets.get(&target).map(|_| ()).ok_or_else(|| {
            DebuggerError::Refused(format!(
                "goto target {target} does not exist: ask gotoTargets for one"
            ))
        })
    }

    fn goto(&mut self, target: i64) -> Result<StopReport, DebuggerError> {
        self.check_goto_target(target)?;
        let t = self.goto_targets[&target].clone();
        let direction = if t.backwards {
            Direction::Backward
        } else {
            Direction::Forward
        };
        let label = t.label.clone();
        self.run_until(direction, &t.addresses, &mut |_, stop| {
            Ok(Some(StopReport::new(
                StopReason::Goto,
                label.clone(),
                stop.tid,
            )))
        })
    }

    /// Sends `stopped` (and `exited`, `thread`, `module` news first).
    fn report(&mut self, report: StopReport) {
        self.reset_handles();
        self.sync_program();
        self.retry_unresolved_breakpoints();
        self.install_breakpoints(&[]);
        self.thread_news();
        self.module_news();
        if report.edge == Some(Edge::End) && !self.end_reported {
            self.end_reported = true;
            if let Some(code) = self.session.recorded_exit() {
                self.emit(DebuggerEvent::Exited { code });
            }
        }
        self.last_signal = report.signal.map(|s| (s, report.tid));
        self.running
            .store(false, std::sync::atomic::Ordering::SeqCst);
        self.emit(DebuggerEvent::Stopped(report));
    }

    fn thread_news(&mut self) {
        let now: BTreeSet<i32> = self.session.threads().iter().map(|t| t.tid).collect();
        for &tid in now.difference(&self.known_threads) {
            self.emit(DebuggerEvent::Thread { tid, started: true });
        }
        for &tid in self.known_threads.difference(&now) {
            self.emit(DebuggerEvent::Thread {
                tid,
                started: false,
            });
        }
        self.known_threads = now;
        self.threads();
    }

    fn module_news(&mut self) {
        let now: BTreeMap<std::path::PathBuf, u64> = self
            .program
            .modules()
            .iter()
            .map(|m| (m.module.path().to_path_buf(), m.start))
            .collect();
        for (path, start) in &now {
            if self.known_modules.get(path) != Some(start) {
                let change = if self.known_modules.contains_key(path) {
                    ModuleChange::Changed
                } else {
                    ModuleChange::New
                };
                let module = self.module_view(path);
                self.emit(DebuggerEvent::Module { change, module });
            }
        }
        for path in self.known_modules.keys() {
            if !now.contains_key(path) {
                self.emit(DebuggerEvent::Module {
                    change: ModuleChange::Removed,
                    module: ModuleView {
                        path: path.clone(),
                        loaded: None,
                    },
                });
            }
        }
        self.known_modules = now;
    }
}
