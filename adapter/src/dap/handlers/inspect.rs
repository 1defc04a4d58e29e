//! Threads, stacks, scopes, variables, expressions and completions.

use serde_json::{json, Value};

use crate::dap::arguments::{
    CompletionsArgs, EvaluateArgs, FrameArgs, StackTraceArgs, ThreadArgs, VariablesArgs,
};
use crate::dap::envelope::{DapError, Request};
use crate::dap::handler::SessionHandler;
use crate::debugger::inspect::ThreadView;

pub async fn threads(h: &mut SessionHandler) -> Result<Value, DapError> {
    if !h.is_ready() {
        return Ok(json!({ "threads": [] }));
    }
    if h.is_running() {
        return Ok(h
            .threads
            .lock()
            .map(|t| threads_body(&t))
            .unwrap_or(Value::Null));
    }
    let threads = h.call(|d| Ok(d.threads())).await?;
    Ok(threads_body(&threads))
}

fn threads_body(threads: &[ThreadView]) -> Value {
    let list: Vec<Value> = threads
        .iter()
        .map(|t| json!({"id": t.id, "name": t.name}))
        .collect();
    json!({ "threads": list })
}

pub async fn stack_trace(h: &mut SessionHandler, r: &Request) -> Result<Value, DapError> {
    let a: StackTraceArgs = r.parse_arguments()?;
    h.require_stopped()?;
    h.call(move |d| d.stack_trace(a.thread_id, a.start_frame.unwrap_or(0), a.levels))
        .await
}

pub async fn scopes(h: &mut SessionHandler, r: &Request) -> Result<Value, DapError> {
    let a: FrameArgs = r.parse_arguments()?;
    h.require_stopped()?;
    h.call(move |d| d.scopes(a.frame_id)).await
}

pub async fn variables(h: &mut SessionHandler, r: &Request) -> Result<Value, DapError> {
    let a: VariablesArgs = r.parse_arguments()?;
    h.require_stopped()?;
    let hex = a.format.is_some_and(|f| f.hex);
    h.call(move |d| d.variables(a.variables_reference, a.start, a.count, hex))
        .await
}

pub async fn evaluate(h: &mut SessionHandler, r: &Request) -> Result<Value, DapError> {
    let a: EvaluateArgs = r.parse_arguments()?;
    h.require_stopped()?;
    if a.context.as_deref() == Some("repl") {
        if let Some(answer) = super::console::command(h, a.expression.clone()).await? {
            return Ok(answer);
        }
    }
    let (expr, frame) = (a.expression, a.frame_id);
    let hex = a.format.is_some_and(|f| f.hex);
    h.call(move |d| d.evaluate_expression(&expr, frame, hex))
        .await
}

pub async fn completions(h: &mut SessionHandler, r: &Request) -> Result<Value, DapError> {
    let a: CompletionsArgs = r.parse_arguments()?;
    h.require_stopped()?;
    h.call(move |d| Ok(d.completions(&a.text, a.column, a.frame_id)))
        .await
}

pub async fn exception_info(h: &mut SessionHandler, r: &Request) -> Result<Value, DapError> {
    let a: ThreadArgs = r.parse_arguments()?;
    h.require_stopped()?;
    h.call(move |d| d.exception_info(a.thread_id)).await
}

/// `setVariable`, `setExpression`, `writeMemory`.
pub fn refuse_change() -> Result<Value, DapError> {
    Err(DapError::NotSupported(
        "a recording cannot be changed: rewind replays what the program did, so values are read-only".into(),
    ))
}
