//! The DAP requests of a rewind session: arguments parsed here, work done by
//! the [`Debugger`] on the engine thread. Movements are answered at once
//! and run after the response is written; their stop arrives as a
//! `stopped` event, so `pause` and `disconnect` are read while they run.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::capabilities::capabilities;
use super::engine::EngineThread;
use super::envelope::{DapError, Request};
use super::launch::{self, LaunchArguments, Opening, Prepared};
use super::requests::{
    BookmarkArgs, BreakpointLocationsArgs, Breakpoints, CompletionsArgs, DataBreakpoint,
    DataInfoArgs, DisassembleArgs, EvaluateArgs, ExceptionArgs, FrameArgs, FunctionBreakpoint,
    GotoArgs, GotoEventArgs, GotoTargetsArgs, InstructionBreakpoint, ModulesArgs, ReadMemoryArgs,
    SetBreakpointsArgs, SourceArg, SourceArgs, StackTraceArgs, ThreadArgs, VariablesArgs,
};
use super::server::{Handler, Outbox};
use crate::debugger::breakpoints::{parse_address, Options};
use crate::debugger::console::Command;
use crate::debugger::movement::Movement;
use crate::debugger::{Debugger, EventSink, ThreadsCache};

/// What to do once the response is on its way.
enum Deferred {
    Event(&'static str, Value),
    Move(Movement),
    /// Record (maybe) and open the recording, then send `initialized`.
    Start(Box<Prepared>),
}

type Engine = Arc<EngineThread<Debugger>>;

/// The engine thread, or the recording that comes before it.
enum EngineState {
    NotLaunched,
    /// `launch` answered; the program is being recorded.
    Starting {
        cancel: Arc<AtomicBool>,
        task: tokio::task::JoinHandle<Result<Engine, DapError>>,
    },
    Ready(Engine),
    /// The recording failed or was cancelled (reported as output + terminated).
    Failed(String),
}

pub struct SessionHandler {
    engine: EngineState,
    events: EventSink,
    events_rx: Option<mpsc::UnboundedReceiver<(String, Value)>>,
    running: Arc<AtomicBool>,
    threads: ThreadsCache,
    deferred: Vec<Deferred>,
    stop_on_entry: bool,
    configured: bool,
}

impl Default for SessionHandler {
    fn default() -> Self {
        let (events, rx) = mpsc::unbounded_channel();
        SessionHandler {
            engine: EngineState::NotLaunched,
            events,
            events_rx: Some(rx),
            running: Arc::new(AtomicBool::new(false)),
            threads: Arc::new(Mutex::new(json!({ "threads": [] }))),
            deferred: Vec::new(),
            stop_on_entry: false,
            configured: false,
        }
    }
}

fn not_started() -> DapError {
    DapError::Failed("no program is being debugged: send 'launch' or 'attach' first".into())
}

fn engine_gone(e: super::engine::EngineError) -> DapError {
    DapError::Failed(e.to_string())
}

fn source_path(source: &SourceArg) -> Result<PathBuf, DapError> {
    source
        .path
        .as_ref()
        .map(PathBuf::from)
        .ok_or_else(|| DapError::InvalidArgument {
            field: "source.path".into(),
            reason: "missing (rewind sets breakpoints in source files by path)".into(),
        })
}

impl SessionHandler {
    /// The engine thread; waits for a recording in progress to end.
    async fn engine(&mut self) -> Result<Engine, DapError> {
        let state = std::mem::replace(&mut self.engine, EngineState::NotLaunched);
        self.engine = match state {
            EngineState::Starting { task, .. } => match task.await {
                Ok(Ok(engine)) => EngineState::Ready(engine),
                Ok(Err(e)) => EngineState::Failed(e.to_string()),
                Err(e) => EngineState::Failed(format!("the launch failed: {e}")),
            },
            other => other,
        };
        match &self.engine {
            EngineState::Ready(engine) => Ok(engine.clone()),
            EngineState::Failed(why) => Err(DapError::Failed(why.clone())),
            _ => Err(not_started()),
        }
    }

    fn launched(&self) -> bool {
        !matches!(self.engine, EngineState::NotLaunched)
    }

    /// Runs `f` on the engine thread once the program is stopped.
    async fn call<R, F>(&mut self, f: F) -> Result<R, DapError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Debugger) -> Result<R, DapError> + Send + 'static,
    {
        let engine = self.engine().await?;
        engine.call(f).await.map_err(engine_gone)?
    }

    fn require_stopped(&self) -> Result<(), DapError> {
        if self.running.load(Ordering::SeqCst) {
            return Err(DapError::Failed(
                "the program is running: pause it first".into(),
            ));
        }
        Ok(())
    }

    /// Answers now, moves after the response.
    fn movement(&mut self, movement: Movement) -> Result<Value, DapError> {
        if !self.launched() {
            return Err(not_started());
        }
        self.require_stopped()?;
        self.deferred.push(Deferred::Move(movement));
        Ok(json!({ "allThreadsContinued": true }))
    }

    fn thread_movement(
        &mut self,
        request: &Request,
        make: impl FnOnce(i32, bool) -> Movement,
    ) -> Result<Value, DapError> {
        let a: ThreadArgs = request.parse_arguments()?;
        let instruction = a.granularity.as_deref() == Some("instruction");
        self.movement(make(a.thread_id, instruction))
    }

    /// Changing breakpoints while a movement runs pauses it first.
    fn pause_if_running(&self) {
        if self.running.load(Ordering::SeqCst) {
            if let EngineState::Ready(engine) = &self.engine {
                engine.pause();
            }
        }
    }

    async fn launch(&mut self, request: &Request) -> Result<Value, DapError> {
        if self.launched() {
            return Err(DapError::Failed(
                "a program is already being debugged in this session".into(),
            ));
        }
        let args: LaunchArguments = request.parse_arguments()?;
        if request.command == "attach" && args.trace.is_none() {
            return Err(DapError::InvalidArgument {
                field: "trace".into(),
                reason: "missing (attach opens an existing recording)".into(),
            });
        }
        self.stop_on_entry = args.stop_on_entry;
        let opening = Opening {
            events: self.events.clone(),
            threads: self.threads.clone(),
            running: self.running.clone(),
        };
        let prepared = launch::prepare(args, opening)?;
        if prepared.records() {
            // Answered now: a disconnect can stop a long recording.
            self.deferred.push(Deferred::Start(Box::new(prepared)));
        } else {
            // Opening a recording is quick; its errors answer the request.
            let engine = tokio::task::spawn_blocking(move || prepared.open())
                .await
                .map_err(|e| DapError::Failed(format!("the launch failed: {e}")))??;
            self.engine = EngineState::Ready(Arc::new(engine));
            self.deferred
                .push(Deferred::Event("initialized", Value::Null));
        }
        Ok(Value::Null)
    }

    async fn evaluate(&mut self, request: &Request) -> Result<Value, DapError> {
        let a: EvaluateArgs = request.parse_arguments()?;
        self.require_stopped()?;
        if a.context.as_deref() == Some("repl") {
            let line = a.expression.clone();
            let command = self.call(move |d| d.console_command(&line)).await?;
            match command {
                Some(Command::Say(text)) => {
                    return Ok(json!({"result": text, "variablesReference": 0}))
                }
                Some(Command::Move(movement, text)) => {
                    let tid = self.call(|d| Ok(d.session().current_tid())).await?;
                    self.deferred.push(Deferred::Event(
                        "continued",
                        json!({"threadId": tid, "allThreadsContinued": true}),
                    ));
                    self.movement(movement)?;
                    return Ok(json!({"result": text, "variablesReference": 0}));
                }
                None => {}
            }
        }
        let (expr, frame) = (a.expression, a.frame_id);
        let hex = a.format.is_some_and(|f| f.hex);
        self.call(move |d| d.evaluate_expression(&expr, frame, hex))
            .await
    }

    async fn dispatch(&mut self, request: Request) -> Result<Value, DapError> {
        match request.command.as_str() {
            "initialize" => Ok(capabilities()),
            "launch" | "attach" => self.launch(&request).await,
            "configurationDone" => {
                self.engine().await?;
                if self.configured {
                    return Ok(Value::Null);
                }
                self.configured = true;
                let stop_on_entry = self.stop_on_entry;
                self.movement(Movement::Start { stop_on_entry })?;
                Ok(Value::Null)
            }
            "setBreakpoints" => {
                let a: SetBreakpointsArgs = request.parse_arguments()?;
                let path = source_path(&a.source)?;
                let lines: Vec<(u32, Options)> = match (a.breakpoints, a.lines) {
                    (Some(bps), _) => bps.into_iter().map(|b| (b.line, b.options)).collect(),
                    (None, Some(lines)) => lines.into_iter().map(|l| (l, Options::default())).collect(),
                    (None, None) => vec![],
                };
                self.pause_if_running();
                self.call(move |d| d.set_source_breakpoints(path, lines)).await
            }
            "breakpointLocations" => {
                let a: BreakpointLocationsArgs = request.parse_arguments()?;
                let path = source_path(&a.source)?;
                let end = a.end_line.unwrap_or(a.line).max(a.line);
                self.call(move |d| Ok(d.breakpoint_locations(&path, a.line..=end)))
                    .await
            }
            "setFunctionBreakpoints" => {
                let a: Breakpoints<FunctionBreakpoint> = request.parse_arguments()?;
                let names = a.breakpoints.into_iter().map(|b| (b.name, b.options)).collect();
                self.pause_if_running();
                self.call(move |d| d.set_function_breakpoints(names)).await
            }
            "setInstructionBreakpoints" => {
                let a: Breakpoints<InstructionBreakpoint> = request.parse_arguments()?;
                let mut addrs = Vec::new();
                for b in a.breakpoints {
                    let base = parse_address(&b.instruction_reference).map_err(|reason| {
                        DapError::InvalidArgument {
                            field: "breakpoints.instructionReference".into(),
                            reason,
                        }
                    })?;
                    addrs.push((base.wrapping_add_signed(b.offset), b.options));
                }
                self.pause_if_running();
                self.call(move |d| d.set_instruction_breakpoints(addrs)).await
            }
            "setExceptionBreakpoints" => {
                let a: ExceptionArgs = request.parse_arguments()?;
                self.pause_if_running();
                self.call(move |d| d.set_exception_filters(&a.filters)).await
            }
            "dataBreakpointInfo" => {
                let a: DataInfoArgs = request.parse_arguments()?;
                self.require_stopped()?;
                self.call(move |d| {
                    d.data_breakpoint_info(a.variables_reference, &a.name, a.frame_id, a.as_address, a.bytes)
                })
                .await
            }
            "setDataBreakpoints" => {
                let a: Breakpoints<DataBreakpoint> = request.parse_arguments()?;
                let wanted = a.breakpoints.into_iter().map(|b| (b.data_id, b.access_type)).collect();
                self.pause_if_running();
                self.call(move |d| d.set_data_breakpoints(wanted)).await
            }
            "continue" => self.movement(Movement::Continue),
            "reverseContinue" => self.movement(Movement::ReverseContinue),
            "next" => self.thread_movement(&request, |tid, instruction| Movement::Next { tid, instruction }),
            "stepIn" => self.thread_movement(&request, |tid, instruction| Movement::StepIn { tid, instruction }),
            "stepOut" => self.thread_movement(&request, |tid, _| Movement::StepOut { tid }),
            "stepBack" => self.thread_movement(&request, |tid, instruction| Movement::StepBack { tid, instruction }),
            "reverseStepIn" => self.thread_movement(&request, |tid, instruction| Movement::ReverseStepIn { tid, instruction }),
            "reverseStepOut" => self.thread_movement(&request, |tid, _| Movement::ReverseStepOut { tid }),
            "restart" => self.movement(Movement::Restart),
            "restartFrame" => {
                let a: FrameArgs = request.parse_arguments()?;
                self.movement(Movement::RestartFrame {
                    frame_id: a.frame_id,
                })
            }
            "goto" => {
                let a: GotoArgs = request.parse_arguments()?;
                self.require_stopped()?;
                let target = a.target_id;
                self.call(move |d| d.check_goto_target(target)).await?;
                self.movement(Movement::Goto { target })
            }
            "gotoTargets" => {
                let a: GotoTargetsArgs = request.parse_arguments()?;
                let path = source_path(&a.source)?;
                self.require_stopped()?;
                self.call(move |d| d.goto_targets(&path, a.line)).await
            }
            "gotoEvent" => {
                let a: GotoEventArgs = request.parse_arguments()?;
                self.require_stopped()?;
                let movement = match (a.event, a.bookmark) {
                    (Some(n), _) => self.call(move |d| d.event_movement(n)).await?,
                    (None, Some(id)) => self.call(move |d| d.bookmark_movement(id)).await?,
                    (None, None) => {
                        return Err(DapError::InvalidArgument {
                            field: "event".into(),
                            reason: "missing (give 'event' or 'bookmark')".into(),
                        })
                    }
                };
                self.movement(movement)?;
                Ok(Value::Null)
            }
            "bookmark" => {
                let a: BookmarkArgs = request.parse_arguments()?;
                self.require_stopped()?;
                self.call(move |d| Ok(d.bookmark(a.name))).await
            }
            "timeline" => {
                self.require_stopped()?;
                self.call(|d| Ok(d.timeline())).await
            }
            "pause" => {
                if let EngineState::Starting { .. } = self.engine {
                    return Err(DapError::Failed(
                        "the program is still being recorded; debugging starts when it ends".into(),
                    ));
                }
                let engine = self.engine().await?;
                // Stopped already: nothing to do (a request kept for later
                // would stop the next movement at once).
                if self.running.load(Ordering::SeqCst) {
                    engine.pause();
                }
                Ok(Value::Null)
            }
            "threads" => {
                if !matches!(self.engine, EngineState::Ready(_)) {
                    return Ok(json!({ "threads": [] }));
                }
                if self.running.load(Ordering::SeqCst) {
                    return Ok(self.threads.lock().map(|t| t.clone()).unwrap_or(Value::Null));
                }
                self.call(|d| Ok(d.threads())).await
            }
            "stackTrace" => {
                let a: StackTraceArgs = request.parse_arguments()?;
                self.require_stopped()?;
                self.call(move |d| d.stack_trace(a.thread_id, a.start_frame.unwrap_or(0), a.levels)).await
            }
            "scopes" => {
                let a: FrameArgs = request.parse_arguments()?;
                self.require_stopped()?;
                self.call(move |d| d.scopes(a.frame_id)).await
            }
            "variables" => {
                let a: VariablesArgs = request.parse_arguments()?;
                self.require_stopped()?;
                let hex = a.format.is_some_and(|f| f.hex);
                self.call(move |d| d.variables(a.variables_reference, a.start, a.count, hex))
                    .await
            }
            "evaluate" => self.evaluate(&request).await,
            "completions" => {
                let a: CompletionsArgs = request.parse_arguments()?;
                self.require_stopped()?;
                self.call(move |d| Ok(d.completions(&a.text, a.column, a.frame_id)))
                    .await
            }
            "setVariable" | "setExpression" | "writeMemory" => Err(DapError::NotSupported(
                "a recording cannot be changed: rewind replays what the program did, so values are read-only".into(),
            )),
            "readMemory" => {
                let a: ReadMemoryArgs = request.parse_arguments()?;
                self.require_stopped()?;
                self.call(move |d| d.read_memory(&a.memory_reference, a.offset, a.count)).await
            }
            "disassemble" => {
                let a: DisassembleArgs = request.parse_arguments()?;
                self.require_stopped()?;
                self.call(move |d| {
                    d.disassemble(&a.memory_reference, a.offset, a.instruction_offset, a.instruction_count, a.resolve_symbols)
                })
                .await
            }
            "exceptionInfo" => {
                let a: ThreadArgs = request.parse_arguments()?;
                self.require_stopped()?;
                self.call(move |d| d.exception_info(a.thread_id)).await
            }
            "modules" => {
                let a: ModulesArgs = request.parse_arguments()?;
                self.require_stopped()?;
                self.call(move |d| Ok(d.modules(a.start_module, a.module_count))).await
            }
            "loadedSources" => {
                self.require_stopped()?;
                self.call(|d| Ok(d.loaded_sources())).await
            }
            "source" => {
                let a: SourceArgs = request.parse_arguments()?;
                crate::debugger::source_text(a.source.and_then(|s| s.path).as_deref())
            }
            "terminate" => {
                self.cancel_recording();
                self.pause_if_running();
                self.deferred.push(Deferred::Event("terminated", Value::Null));
                Ok(Value::Null)
            }
            "disconnect" => {
                self.pause_if_running();
                // Ends the engine thread (and the replayed processes) once
                // the movement in progress, if any, has stopped.
                self.cancel_recording();
                let state = std::mem::replace(&mut self.engine, EngineState::NotLaunched);
                let engine = match state {
                    EngineState::Ready(engine) => Some(engine),
                    // The cancelled recording ends within a time slice.
                    EngineState::Starting { task, .. } => task.await.ok().and_then(Result::ok),
                    _ => None,
                };
                if let Some(engine) = engine {
                    let _ = tokio::task::spawn_blocking(move || drop(engine)).await;
                }
                Ok(Value::Null)
            }
            _ => Err(request.unknown()),
        }
    }
}

impl SessionHandler {
    /// Starts recording and opening in the background; `initialized` (or,
    /// on failure, the reason and `terminated`) follows when done.
    fn start_engine(&mut self, prepared: Prepared) {
        let cancel = prepared.cancel.clone();
        let events = self.events.clone();
        let task = tokio::spawn(async move {
            let opened = tokio::task::spawn_blocking(move || prepared.open())
                .await
                .unwrap_or_else(|e| Err(DapError::Failed(format!("the launch failed: {e}"))));
            match &opened {
                Ok(_) => {
                    let _ = events.send(("initialized".into(), Value::Null));
                }
                Err(e) => {
                    let text = format!("rewind: {e}\n");
                    let _ = events.send((
                        "output".into(),
                        json!({"category": "stderr", "output": text}),
                    ));
                    let _ = events.send(("terminated".into(), Value::Null));
                }
            }
            opened.map(Arc::new)
        });
        self.engine = EngineState::Starting { cancel, task };
    }

    /// Kills the program being recorded, if one is.
    fn cancel_recording(&self) {
        if let EngineState::Starting { cancel, .. } = &self.engine {
            cancel.store(true, Ordering::SeqCst);
        }
    }
}

impl Handler for SessionHandler {
    async fn handle(&mut self, request: Request, out: &Outbox) -> Result<Value, DapError> {
        if let Some(mut rx) = self.events_rx.take() {
            // Events reach the client in the order the debugger made them.
            let out = out.clone();
            tokio::spawn(async move {
                while let Some((event, body)) = rx.recv().await {
                    if out.event(event, body).await.is_err() {
                        return;
                    }
                }
            });
        }
        self.dispatch(request).await
    }

    fn after_response(&mut self) {
        for deferred in std::mem::take(&mut self.deferred) {
            match deferred {
                Deferred::Event(event, body) => {
                    let _ = self.events.send((event.to_owned(), body));
                }
                Deferred::Start(prepared) => self.start_engine(*prepared),
                Deferred::Move(movement) => {
                    let EngineState::Ready(engine) = &self.engine else {
                        continue;
                    };
                    self.running.store(true, Ordering::SeqCst);
                    let running = self.running.clone();
                    let submitted = engine.submit(move |d: &mut Debugger| d.perform(movement));
                    if submitted.is_err() {
                        running.store(false, Ordering::SeqCst);
                    }
                }
            }
        }
    }
}
