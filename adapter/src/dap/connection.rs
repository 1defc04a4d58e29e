//! The state of one DAP connection: the engine thread (or the recording that
//! comes before it), whether a movement runs, and what to do once a response
//! is written. Requests go through [`super::dispatch`] to the handlers;
//! movements are answered at once and run after the response is written, so
//! `pause` and `disconnect` are read while they run.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::arguments::{SourceArg, ThreadArgs};
use super::engine_thread::EngineThread;
use super::envelope::{DapError, Request};
use super::launch::Prepared;
use crate::debugger::error::DebuggerError;
use crate::debugger::events::{DebuggerEvent, OutputStream};
use crate::debugger::movement::Movement;
use crate::debugger::{Debugger, EventSink, ThreadsCache};

/// What to do once the response is on its way.
pub(super) enum Deferred {
    Event(DebuggerEvent),
    Move(Movement),
    /// Record (maybe) and open the recording, then send `initialized`.
    Start(Box<Prepared>),
}

type Engine = Arc<EngineThread<Debugger>>;

/// The engine thread, or the recording that comes before it.
pub(super) enum EngineState {
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

pub struct Connection {
    pub(super) engine: EngineState,
    pub(super) events: EventSink,
    pub(super) events_rx: Option<mpsc::UnboundedReceiver<DebuggerEvent>>,
    pub(super) running: Arc<AtomicBool>,
    pub(super) threads: ThreadsCache,
    pub(super) deferred: Vec<Deferred>,
    pub(super) stop_on_entry: bool,
    pub(super) configured: bool,
    /// The client shows progress events (`supportsProgressReporting`).
    pub(super) progress_reporting: bool,
    /// Counts the movements submitted: a progress watcher stops when its
    /// movement is no longer the one that runs.
    movement_serial: Arc<AtomicU64>,
}

impl Default for Connection {
    fn default() -> Self {
        let (events, rx) = mpsc::unbounded_channel();
        Connection {
            engine: EngineState::NotLaunched,
            events,
            events_rx: Some(rx),
            running: Arc::new(AtomicBool::new(false)),
            threads: Arc::new(Mutex::new(Vec::new())),
            deferred: Vec::new(),
            stop_on_entry: false,
            configured: false,
            progress_reporting: false,
            movement_serial: Arc::new(AtomicU64::new(0)),
        }
    }
}

fn not_started() -> DapError {
    DapError::Failed("no program is being debugged: send 'launch' or 'attach' first".into())
}

fn engine_gone(e: super::engine_thread::EngineError) -> DapError {
    DapError::Failed(e.to_string())
}

/// The progress id of a recording.
pub(super) const RECORDING_PROGRESS: &str = "recording";
/// The progress ids of movements start with this (then their serial).
pub(super) const MOVEMENT_PROGRESS: &str = "movement-";

/// What a movement's progress says it does.
fn movement_title(movement: &Movement) -> &'static str {
    match movement {
        Movement::ReverseContinue
        | Movement::StepBack { .. }
        | Movement::ReverseStepIn { .. }
        | Movement::ReverseStepOut { .. }
        | Movement::RestartFrame { .. } => "Running backwards",
        Movement::Goto { .. } | Movement::GotoEvent(_) | Movement::GotoPosition { .. } => {
            "Travelling through the recording"
        }
        Movement::Restart => "Going back to the start",
        _ => "Running",
    }
}

pub(super) fn source_path(source: &SourceArg) -> Result<PathBuf, DapError> {
    source
        .path
        .as_ref()
        .map(PathBuf::from)
        .ok_or_else(|| DapError::InvalidArgument {
            field: "source.path".into(),
            reason: "missing (rewind sets breakpoints in source files by path)".into(),
        })
}

impl Connection {
    /// The engine thread; waits for a recording in progress to end.
    pub(super) async fn engine(&mut self) -> Result<Engine, DapError> {
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

    /// Whether a movement runs now.
    pub(super) fn is_running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    /// Whether the recording is open (the engine thread is up).
    pub(super) fn is_ready(&self) -> bool {
        matches!(self.engine, EngineState::Ready(_))
    }

    pub(super) fn launched(&self) -> bool {
        !matches!(self.engine, EngineState::NotLaunched)
    }

    /// Runs `f` on the engine thread once the program is stopped.
    pub(super) async fn call<R, F>(&mut self, f: F) -> Result<R, DapError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Debugger) -> Result<R, DebuggerError> + Send + 'static,
    {
        let engine = self.engine().await?;
        Ok(engine.call(f).await.map_err(engine_gone)??)
    }

    pub(super) fn require_stopped(&self) -> Result<(), DapError> {
        if self.running.load(Ordering::SeqCst) {
            return Err(DapError::Failed(
                "the program is running: pause it first".into(),
            ));
        }
        Ok(())
    }

    /// Answers now, moves after the response.
    pub(super) fn movement(&mut self, movement: Movement) -> Result<Value, DapError> {
        if !self.launched() {
            return Err(not_started());
        }
        self.require_stopped()?;
        self.deferred.push(Deferred::Move(movement));
        Ok(json!({ "allThreadsContinued": true }))
    }

    /// A movement asked by a custom request or a console command. Clients
    /// send themselves `continued` only after the DAP requests they know move
    /// the program, so the adapter says so, just before the movement runs (VS
    /// Code otherwise keeps the stop before it as the session's stop reason).
    pub(super) fn announced_movement(
        &mut self,
        movement: Movement,
        tid: i32,
    ) -> Result<Value, DapError> {
        let body = self.movement(movement)?;
        let at = self.deferred.len().saturating_sub(1);
        self.deferred
            .insert(at, Deferred::Event(DebuggerEvent::Continued { tid }));
        Ok(body)
    }

    pub(super) fn thread_movement(
        &mut self,
        request: &Request,
        make: impl FnOnce(i32, bool) -> Movement,
    ) -> Result<Value, DapError> {
        let a: ThreadArgs = request.parse_arguments()?;
        self.movement(make(a.thread_id, a.by_instruction()))
    }

    /// Changing breakpoints while a movement runs pauses it first.
    pub(super) fn pause_if_running(&self) {
        if self.running.load(Ordering::SeqCst) {
            if let EngineState::Ready(engine) = &self.engine {
                engine.pause();
            }
        }
    }
}

impl Connection {
    /// Starts recording and opening in the background; `initialized` (or,
    /// on failure, the reason and `terminated`) follows when done.
    fn start_engine(&mut self, prepared: Prepared) {
        let cancel = prepared.cancel.clone();
        let events = self.events.clone();
        let recording = Arc::new(AtomicBool::new(true));
        if self.progress_reporting {
            let still = recording.clone();
            let recorded = prepared.events_recorded();
            super::progress::watch(
                events.clone(),
                RECORDING_PROGRESS.into(),
                format!("Recording {}", prepared.program_name()),
                move || {
                    still
                        .load(Ordering::SeqCst)
                        .then(|| format!("{} events", recorded.load(Ordering::Relaxed)))
                },
            );
        }
        let task = tokio::spawn(async move {
            let opened = tokio::task::spawn_blocking(move || prepared.open())
                .await
                .unwrap_or_else(|e| Err(DapError::Failed(format!("the launch failed: {e}"))));
            recording.store(false, Ordering::SeqCst);
            match &opened {
                Ok(_) => {
                    let _ = events.send(DebuggerEvent::Ready);
                }
                Err(e) => {
                    let text = format!("rewind: {e}\n");
                    let _ = events.send(DebuggerEvent::Output {
                        stream: OutputStream::Stderr,
                        text,
                    });
                    let _ = events.send(DebuggerEvent::Ended);
                }
            }
            opened.map(Arc::new)
        });
        self.engine = EngineState::Starting { cancel, task };
    }

    /// Kills the program being recorded, if one is.
    pub(super) fn cancel_recording(&self) {
        if let EngineState::Starting { cancel, .. } = &self.engine {
            cancel.store(true, Ordering::SeqCst);
        }
    }
}

impl Connection {
    /// What comes once a response is written: deferred events, the
    /// recording, the movement.
    pub(super) fn run_deferred(&mut self) {
        for deferred in std::mem::take(&mut self.deferred) {
            match deferred {
                Deferred::Event(event) => {
                    let _ = self.events.send(event);
                }
                Deferred::Start(prepared) => self.start_engine(*prepared),
                Deferred::Move(movement) => {
                    let EngineState::Ready(engine) = &self.engine else {
                        continue;
                    };
                    self.running.store(true, Ordering::SeqCst);
                    let serial = self.movement_serial.fetch_add(1, Ordering::SeqCst) + 1;
                    if self.progress_reporting {
                        let (running, current) =
                            (self.running.clone(), self.movement_serial.clone());
                        super::progress::watch(
                            self.events.clone(),
                            format!("{MOVEMENT_PROGRESS}{serial}"),
                            movement_title(&movement).into(),
                            move || {
                                (running.load(Ordering::SeqCst)
                                    && current.load(Ordering::SeqCst) == serial)
                                    .then(String::new)
                            },
                        );
                    }
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
