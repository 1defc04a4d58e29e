//! Looking at a stop: threads, stack frames, scopes, variables (lazy, paged)
//! and expressions. Frame ids and variable references are handles valid
//! until the next movement.

use rewind_debuginfo::{Frame, Variable, VariableKind};

use super::error::DebuggerError;
use super::handles::{Handles, Reference};
use super::views::{
    CompletionKind, ExceptionView, FrameLocation, ScopeKind, ScopeView, StackFrameView,
    StackTraceView, ThreadView, VariableView,
};
use super::Debugger;
use crate::debugger::target::SessionMemory;

/// Most frames a stackTrace walks.
const MAX_FRAMES: usize = 256;

impl Debugger {
    /// Forgets every handle: the program moved.
    pub(super) fn reset_handles(&mut self) {
        self.handles = Handles::default();
    }

    fn frames_of(&mut self, tid: i32) -> Result<&[Frame], DebuggerError> {
        if let Some(i) = self.handles.stacks.iter().position(|(t, _)| *t == tid) {
            return Ok(&self.handles.stacks[i].1);
        }
        // A thread that has ended (at the end of the recording) has no stack.
        let alive = self.session.threads().iter().any(|t| t.tid == tid);
        let frames = if alive {
            self.stack_of(tid, MAX_FRAMES)?
        } else {
            Vec::new()
        };
        self.handles.stacks.push((tid, frames));
        Ok(&self.handles.stacks.last().expect("just pushed").1)
    }

    /// The thread and stack index a frame id stands for.
    fn frame_slot(&self, frame_id: i64) -> Result<(i32, usize), DebuggerError> {
        usize::try_from(frame_id - 1)
            .ok()
            .and_then(|i| self.handles.frames.get(i))
            .copied()
            .ok_or(DebuggerError::UnknownFrame(frame_id))
    }

    pub(super) fn frame(&mut self, frame_id: i64) -> Result<(i32, Frame), DebuggerError> {
        let (tid, index) = self.frame_slot(frame_id)?;
        let frame = self
            .frames_of(tid)?
            .get(index)
            .cloned()
            .ok_or(DebuggerError::UnknownFrame(frame_id))?;
        Ok((tid, frame))
    }

    /// `threads`: every live thread at this point of the recording.
    pub fn threads(&mut self) -> Vec<ThreadView> {
        let mut threads: Vec<ThreadView> = self
            .session
            .threads()
            .iter()
            .map(|t| {
                let comm = std::fs::read_to_string(format!("/proc/{}/comm", t.replayed_tid))
                    .map(|c| c.trim().to_owned())
                    .unwrap_or_else(|_| "thread".into());
                ThreadView {
                    id: t.tid,
                    name: format!("{comm} [{}]", t.tid),
                }
            })
            .collect();
        if threads.is_empty() {
            // At the end of the recording every thread has exited; editors
            // still want the thread the stop is about.
            let tid = self.session.current_tid();
            threads.push(ThreadView {
                id: tid,
                name: format!("[{tid}] (exited)"),
            });
        }
        if let Ok(mut cache) = self.threads_cache.lock() {
            cache.clone_from(&threads);
        }
        threads
    }

    /// `stackTrace` of thread `tid`.
    pub fn stack_trace(
        &mut self,
        tid: i32,
        start: usize,
        levels: Option<usize>,
    ) -> Result<StackTraceView, DebuggerError> {
        let frames = self.frames_of(tid)?.to_vec();
        self.sync_program_for(tid);
        let total = frames.len();
        let end = match levels.filter(|&l| l > 0) {
            Some(l) => (start + l).min(total),
            None => total,
        };
        let mut out = Vec::new();
        for (index, f) in frames.iter().enumerate().take(end).skip(start) {
            let id = self.handles.frame_id(tid, index);
            let name = f
                .function
                .clone()
                .or_else(|| self.program.symbolize(f.pc))
                .unwrap_or_else(|| format!("{:#x}", f.pc));
            out.push(StackFrameView {
                id,
                name,
                pc: f.pc,
                location: f.location.as_ref().map(|loc| FrameLocation {
                    file: loc.file.clone(),
                    line: loc.line,
                    column: loc.column.max(1),
                    on_disk: loc.file.is_file(),
                }),
                module: self
                    .program
                    .module_at(f.pc)
                    .map(|(module, _)| module.path().to_path_buf()),
            });
        }
        Ok(StackTraceView { frames: out, total })
    }

    /// `scopes` of a frame.
    pub fn scopes(&mut self, frame_id: i64) -> Result<Vec<ScopeView>, DebuggerError> {
        // Checks the frame exists (its stack is computed once per stop).
        self.frame(frame_id)?;
        let (tid, index) = self.frame_slot(frame_id)?;
        let mut scopes = Vec::new();
        for (name, kind) in [
            ("Locals", ScopeKind::Locals),
            ("Globals", ScopeKind::Globals),
            ("Registers", ScopeKind::Registers),
        ] {
            let reference = self.handles.reference(Reference::Scope {
                tid,
                frame: index,
                kind,
            });
            scopes.push(ScopeView {
                name,
                kind,
                reference,
                expensive: kind == ScopeKind::Globals,
            });
        }
        Ok(scopes)
    }

    /// The variables a reference expands to (all of them; paging is applied by the caller).
    fn expand(
        &mut self,
        reference: i64,
        start: u64,
        count: Option<u64>,
    ) -> Result<(i32, Vec<Variable>), DebuggerError> {
        let r = usize::try_from(reference - 1)
            .ok()
            .and_then(|i| self.handles.references.get(i))
            .cloned()
            .ok_or(DebuggerError::UnknownReference(reference))?;
        match r {
            Reference::Scope { tid, frame, kind } => {
                let frame = self
                    .frames_of(tid)?
                    .get(frame)
                    .cloned()
                    .ok_or(DebuggerError::UnknownReference(reference))?;
                self.sync_program_for(tid);
                let mem = SessionMemory::new(&mut self.session, tid);
                let vars = match kind {
                    ScopeKind::Locals => {
                        let mut v =
                            self.program
                                .frame_variables(&frame, VariableKind::Parameter, &mem);
                        v.extend(
                            self.program
                                .frame_variables(&frame, VariableKind::Local, &mem),
                        );
                        v
                    }
                    ScopeKind::Globals => self.program.globals(&frame, &mem),
                    ScopeKind::Registers => self.program.registers(&frame),
                };
                let vars = vars
                    .into_iter()
                    .skip(start as usize)
                    .take(count.map_or(usize::MAX, |c| c as usize))
                    .collect();
                Ok((tid, vars))
            }
            Reference::Value { tid, handle } => {
                self.sync_program_for(tid);
                let mem = SessionMemory::new(&mut self.session, tid);
                Ok((tid, self.program.children(&handle, &mem, start, count)))
            }
        }
    }

    fn variable_view(&mut self, tid: i32, v: Variable, hex: bool) -> VariableView {
        let reference = match v.children {
            Some(handle) => self.handles.reference(Reference::Value { tid, handle }),
            None => 0,
        };
        VariableView {
            name: v.name,
            value: if hex {
                super::hexfmt::hex_integers(&v.value)
            } else {
                v.value
            },
            type_name: v.type_name,
            reference,
            indexed: v.indexed_children,
            address: v.address,
        }
    }

    /// `variables`: the children of a reference, paged with `start`/`count`.
    pub fn variables(
        &mut self,
        reference: i64,
        start: Option<u64>,
        count: Option<u64>,
        hex: bool,
    ) -> Result<Vec<VariableView>, DebuggerError> {
        let count = count.filter(|&c| c > 0);
        let (tid, vars) = self.expand(reference, start.unwrap_or(0), count)?;
        Ok(vars
            .into_iter()
            .map(|v| self.variable_view(tid, v, hex))
            .collect())
    }

    /// The child called `name` of a reference (for data breakpoints).
    pub(super) fn child_variable(
        &mut self,
        reference: i64,
        name: &str,
    ) -> Result<Variable, DebuggerError> {
        let (_, vars) = self.expand(reference, 0, None)?;
        vars.into_iter()
            .find(|v| v.name == name)
            .ok_or_else(|| DebuggerError::Refused(format!("no variable '{name}' there")))
    }

    /// Evaluates `expr` in a frame (or the current thread's innermost one).
    pub(super) fn evaluate_variable(
        &mut self,
        expr: &str,
        frame_id: Option<i64>,
    ) -> Result<(i32, Variable), DebuggerError> {
        let (tid, frame) = match frame_id {
            Some(id) => {
                let (tid, f) = self.frame(id)?;
                (tid, Some(f))
            }
            None => {
                let tid = self.session.current_tid();
                (tid, self.frames_of(tid)?.first().cloned())
            }
        };
        self.sync_program_for(tid);
        let mem = SessionMemory::new(&mut self.session, tid);
        let v = self.program.evaluate(frame.as_ref(), expr, &mem)?;
        Ok((tid, v))
    }

    /// Names of the variables visible in a frame (or the current thread's
    /// innermost one), with the completion kind of each.
    pub(super) fn names_in_scope(
        &mut self,
        frame_id: Option<i64>,
    ) -> Vec<(String, CompletionKind)> {
        let found = match frame_id {
            Some(id) => self.frame(id).map(|(tid, f)| (tid, Some(f))),
            None => {
                let tid = self.session.current_tid();
                self.frames_of(tid).map(|f| (tid, f.first().cloned()))
            }
        };
        let Ok((tid, Some(frame))) = found else {
            return Vec::new();
        };
        self.sync_program_for(tid);
        let mem = SessionMemory::new(&mut self.session, tid);
        let mut names: Vec<(String, CompletionKind)> = Vec::new();
        for kind in [VariableKind::Local, VariableKind::Parameter] {
            names.extend(
                self.program
                    .frame_variables(&frame, kind, &mem)
                    .into_iter()
                    .map(|v| (v.name, CompletionKind::Variable)),
            );
        }
        names.extend(
            self.program
                .globals(&frame, &mem)
                .into_iter()
                .map(|v| (v.name, CompletionKind::Value)),
        );
        names
    }

    /// `evaluate` of an expression (watch, hover, repl, clipboard).
    pub fn evaluate_expression(
        &mut self,
        expr: &str,
        frame_id: Option<i64>,
        hex: bool,
    ) -> Result<VariableView, DebuggerError> {
        let (tid, v) = self.evaluate_variable(expr, frame_id)?;
        Ok(self.variable_view(tid, v, hex))
    }

    /// `exceptionInfo` for the signal the last stop was about.
    pub fn exception_info(&mut self, tid: i32) -> Result<ExceptionView, DebuggerError> {
        let Some((signo, stopped)) = self.last_signal.filter(|&(_, t)| t == tid) else {
            return Err(DebuggerError::Refused(format!(
                "thread {tid} did not stop for an exception"
            )));
        };
        let name = rewind_engine::signals::name(signo);
        let pc = self.session.regs(tid)?.rip();
        let place = self
            .program
            .function_name_at(pc)
            .map(|f| format!(" in {f}"))
            .unwrap_or_default();
        let fatal = self.crash_signal() == Some(signo);
        Ok(ExceptionView {
            description: format!(
                "{name} ({}) at {pc:#x}{place}, thread {stopped}{}",
                rewind_engine::signals::description(signo),
                if fatal {
                    "; the program died of it"
                } else {
                    ""
                }
            ),
            message: format!("signal {signo} ({name})"),
            name,
        })
    }
}
