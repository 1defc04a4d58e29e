//! The session's life: `initialize`, `launch`/`attach`, `configurationDone`,
//! `pause`, `terminate` and `disconnect`.

use std::sync::Arc;

use serde_json::Value;

use crate::dap::arguments::{CancelArgs, InitializeArgs};
use crate::dap::capabilities::capabilities;
use crate::dap::connection::{
    Connection, Deferred, EngineState, MOVEMENT_PROGRESS, RECORDING_PROGRESS,
};
use crate::dap::envelope::{DapError, Request};
use crate::dap::launch::{self, LaunchArguments, Opening};
use crate::debugger::events::DebuggerEvent;
use crate::debugger::movement::Movement;

pub fn initialize(h: &mut Connection, request: &Request) -> Result<Value, DapError> {
    let a: InitializeArgs = request.parse_arguments()?;
    h.progress_reporting = a.supports_progress_reporting;
    Ok(capabilities())
}

/// `cancel` of a progress: a movement pauses; a recording stops as on
/// `disconnect` (the program is killed, the launch ends). Requests are
/// answered at once, so there is no request to cancel.
pub fn cancel(h: &mut Connection, request: &Request) -> Result<Value, DapError> {
    let a: CancelArgs = request.parse_arguments()?;
    match a.progress_id.as_deref() {
        Some(RECORDING_PROGRESS) => h.cancel_recording(),
        Some(id) if id.starts_with(MOVEMENT_PROGRESS) => h.pause_if_running(),
        _ => {}
    }
    Ok(Value::Null)
}

pub async fn launch(h: &mut Connection, request: &Request) -> Result<Value, DapError> {
    if h.launched() {
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
    h.stop_on_entry = args.stop_on_entry;
    let opening = Opening {
        events: h.events.clone(),
        threads: h.threads.clone(),
        running: h.running.clone(),
    };
    let prepared = launch::prepare(args, opening)?;
    if prepared.records() {
        // Answered now: a disconnect can stop a long recording.
        h.deferred.push(Deferred::Start(Box::new(prepared)));
    } else {
        // Opening a recording is quick; its errors answer the request.
        let engine = tokio::task::spawn_blocking(move || prepared.open())
            .await
            .map_err(|e| DapError::Failed(format!("the launch failed: {e}")))??;
        h.engine = EngineState::Ready(Arc::new(engine));
        h.deferred.push(Deferred::Event(DebuggerEvent::Ready));
    }
    Ok(Value::Null)
}

pub async fn configuration_done(h: &mut Connection) -> Result<Value, DapError> {
    h.engine().await?;
    if h.configured {
        return Ok(Value::Null);
    }
    h.configured = true;
    let stop_on_entry = h.stop_on_entry;
    h.movement(Movement::Start { stop_on_entry })?;
    Ok(Value::Null)
}

pub async fn pause(h: &mut Connection) -> Result<Value, DapError> {
    if let EngineState::Starting { .. } = h.engine {
        return Err(DapError::Failed(
            "the program is still being recorded; debugging starts when it ends".into(),
        ));
    }
    let engine = h.engine().await?;
    // Stopped already: nothing to do (a request kept for later would stop
    // the next movement at once).
    if h.is_running() {
        engine.pause();
    }
    Ok(Value::Null)
}

pub fn terminate(h: &mut Connection) -> Result<Value, DapError> {
    h.cancel_recording();
    h.pause_if_running();
    h.deferred.push(Deferred::Event(DebuggerEvent::Ended));
    Ok(Value::Null)
}

pub async fn disconnect(h: &mut Connection) -> Result<Value, DapError> {
    h.pause_if_running();
    // Ends the engine thread (and the replayed processes) once the movement
    // in progress, if any, has stopped.
    h.cancel_recording();
    let state = std::mem::replace(&mut h.engine, EngineState::NotLaunched);
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
