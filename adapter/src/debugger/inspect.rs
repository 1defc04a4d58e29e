//! Looking at a stop: threads, stack frames, scopes, variables (lazy, paged)
//! and expressions. Frame ids and variable references are handles valid
//! until the next movement.

use serde_json::{json, Value};

use rewind_debuginfo::{Frame, ValueHandle, Variable, VariableKind};

use super::error::DebuggerError;
use super::Debugger;
use crate::debugger::target::SessionMemory;

/// Most frames a stackTrace walks.
const MAX_FRAMES: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Locals,
    Globals,
    Registers,
}

#[derive(Debug, Clone)]
enum Reference {
    Scope {
        tid: i32,
        frame: usize,
        kind: ScopeKind,
    },
    Value {
        tid: i32,
        handle: ValueHandle,
    },
}

/// A live thread as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadView {
    /// The recorded thread id.
    pub id: i32,
    /// Its name: the replayed thread's `comm` and the recorded id.
    pub name: String,
}

/// Frame ids and variable references handed out since the last stop.
#[derive(Debug, Default)]
pub struct Handles {
    /// `frameId - 1` → (thread, index in its stack).
    frames: Vec<(i32, usize)>,
    /// `variablesReference - 1` → what it expands.
    references: Vec<Reference>,
    /// Stacks computed since the last stop, per thread.
    stacks: Vec<(i32, Vec<Frame>)>,
}

impl Handles {
    fn frame_id(&mut self, tid: i32, index: usize) -> i64 {
        if let Some(i) = self.frames.iter().position(|&f| f == (tid, index)) {
            return i as i64 + 1;
        }
        self.frames.push((tid, index));
        self.frames.len() as i64
    }

    fn reference(&mut self, r: Reference) -> i64 {
        self.references.push(r);
        self.references.len() as i64
    }
}

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
    ) -> Result<Value, DebuggerError> {
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
            let mut v = json!({
                "id": id,
                "name": name,
                "line": 0,
                "column": 0,
                "instructionPointerReference": format!("{:#x}", f.pc),
            });
            match &f.location {
                Some(loc) if loc.file.is_file() => {
                    v["line"] = json!(loc.line);
                    v["column"] = json!(loc.column.max(1));
                    v["source"] = source_json(&loc.file);
                }
                Some(loc) => {
                    // Source not on this machine (e.g. libc's): show where, dimmed.
                    v["line"] = json!(loc.line);
                    v["column"] = json!(loc.column.max(1));
                    v["source"] = source_json(&loc.file);
                    v["source"]["presentationHint"] = json!("deemphasize");
                    v["presentationHint"] = json!("subtle");
                }
                None => v["presentationHint"] = json!("subtle"),
            }
            if let Some((module, _)) = self.program.module_at(f.pc) {
                v["moduleId"] = json!(module.path().to_string_lossy());
            }
            out.push(v);
        }
        Ok(json!({"stackFrames": out, "totalFrames": total}))
    }

    /// `scopes` of a frame.
    pub fn scopes(&mut self, frame_id: i64) -> Result<Value, DebuggerError> {
        // Checks the frame exists (its stack is computed once per stop).
        self.frame(frame_id)?;
        let (tid, index) = self.frame_slot(frame_id)?;
        let mut scopes = Vec::new();
        for (name, kind, hint) in [
            ("Locals", ScopeKind::Locals, "locals"),
            ("Globals", ScopeKind::Globals, "globals"),
            ("Registers", ScopeKind::Registers, "registers"),
        ] {
            let reference = self.handles.reference(Reference::Scope {
                tid,
                frame: index,
                kind,
            });
            scopes.push(json!({
                "name": name,
                "presentationHint": hint,
                "variablesReference": reference,
                "expensive": kind == ScopeKind::Globals,
            }));
        }
        Ok(json!({ "scopes": scopes }))
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

    fn variable_json(&mut self, tid: i32, v: Variable) -> Value {
        let reference = match v.children {
            Some(handle) => self.handles.reference(Reference::Value { tid, handle }),
            None => 0,
        };
        let mut out = json!({
            "name": v.name,
            "value": v.value,
            "type": v.type_name,
            "variablesReference": reference,
        });
        if let Some(n) = v.indexed_children {
            out["indexedVariables"] = json!(n);
        }
        if let Some(a) = v.address {
            out["memoryReference"] = json!(format!("{a:#x}"));
        }
        out
    }

    /// `variables`: the children of a reference, paged with `start`/`count`.
    pub fn variables(
        &mut self,
        reference: i64,
        start: Option<u64>,
        count: Option<u64>,
        hex: bool,
    ) -> Result<Value, DebuggerError> {
        let count = count.filter(|&c| c > 0);
        let (tid, vars) = self.expand(reference, start.unwrap_or(0), count)?;
        let list: Vec<Value> = vars
            .into_iter()
            .map(|v| self.variable_json(tid, v))
            .map(|mut v| {
                if hex {
                    let shown = v["value"].as_str().map(super::hexfmt::hex_integers);
                    v["value"] = json!(shown);
                }
                v
            })
            .collect();
        Ok(json!({ "variables": list }))
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
    /// innermost one), with the DAP completion type of each.
    pub(super) fn names_in_scope(&mut self, frame_id: Option<i64>) -> Vec<(String, &'static str)> {
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
        let mut names: Vec<(String, &'static str)> = Vec::new();
        for kind in [VariableKind::Local, VariableKind::Parameter] {
            names.extend(
                self.program
                    .frame_variables(&frame, kind, &mem)
                    .into_iter()
                    .map(|v| (v.name, "variable")),
            );
        }
        names.extend(
            self.program
                .globals(&frame, &mem)
                .into_iter()
                .map(|v| (v.name, "value")),
        );
        names
    }

    /// `evaluate` of an expression (watch, hover, repl, clipboard).
    pub fn evaluate_expression(
        &mut self,
        expr: &str,
        frame_id: Option<i64>,
        hex: bool,
    ) -> Result<Value, DebuggerError> {
        let (tid, v) = self.evaluate_variable(expr, frame_id)?;
        let var = self.variable_json(tid, v);
        let shown = match var["value"].as_str() {
            Some(s) if hex => json!(super::hexfmt::hex_integers(s)),
            _ => var["value"].clone(),
        };
        let mut out = json!({
            "result": shown,
            "type": var["type"],
            "variablesReference": var["variablesReference"],
        });
        for key in ["indexedVariables", "memoryReference"] {
            if !var[key].is_null() {
                out[key] = var[key].clone();
            }
        }
        Ok(out)
    }
}

pub(super) fn source_json(path: &std::path::Path) -> Value {
    json!({
        "name": path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        "path": path,
    })
}
