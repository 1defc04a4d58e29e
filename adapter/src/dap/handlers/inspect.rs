//! Threads, stacks, scopes, variables, expressions and completions.

use serde_json::{json, Value};

use super::modules::source_json;
use crate::dap::arguments::{
    CompletionsArgs, EvaluateArgs, FrameArgs, StackTraceArgs, ThreadArgs, VariablesArgs,
};
use crate::dap::connection::Connection;
use crate::dap::envelope::{DapError, Request};
use crate::debugger::views::{ScopeKind, StackFrameView, ThreadView, VariableView};

pub async fn threads(h: &mut Connection) -> Result<Value, DapError> {
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

pub async fn stack_trace(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: StackTraceArgs = r.parse_arguments()?;
    h.require_stopped()?;
    let trace = h
        .call(move |d| d.stack_trace(a.thread_id, a.start_frame.unwrap_or(0), a.levels))
        .await?;
    let frames: Vec<Value> = trace.frames.iter().map(frame_json).collect();
    Ok(json!({"stackFrames": frames, "totalFrames": trace.total}))
}

fn frame_json(f: &StackFrameView) -> Value {
    let mut v = json!({
        "id": f.id,
        "name": f.name,
        "line": 0,
        "column": 0,
        "instructionPointerReference": format!("{:#x}", f.pc),
    });
    match &f.location {
        Some(loc) => {
            v["line"] = json!(loc.line);
            v["column"] = json!(loc.column);
            v["source"] = source_json(&loc.file);
            if !loc.on_disk {
                // Source not on this machine (e.g. libc's): show where, dimmed.
                v["source"]["presentationHint"] = json!("deemphasize");
                v["presentationHint"] = json!("subtle");
            }
        }
        None => v["presentationHint"] = json!("subtle"),
    }
    if let Some(module) = &f.module {
        v["moduleId"] = json!(module.to_string_lossy());
    }
    v
}

pub async fn scopes(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: FrameArgs = r.parse_arguments()?;
    h.require_stopped()?;
    let scopes = h.call(move |d| d.scopes(a.frame_id)).await?;
    let list: Vec<Value> = scopes
        .iter()
        .map(|scope| {
            let hint = match scope.kind {
                ScopeKind::Locals => "locals",
                ScopeKind::Globals => "globals",
                ScopeKind::Registers => "registers",
            };
            json!({
                "name": scope.name,
                "presentationHint": hint,
                "variablesReference": scope.reference,
                "expensive": scope.expensive,
            })
        })
        .collect();
    Ok(json!({ "scopes": list }))
}

pub async fn variables(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: VariablesArgs = r.parse_arguments()?;
    h.require_stopped()?;
    let hex = a.format.is_some_and(|f| f.hex);
    let vars = h
        .call(move |d| d.variables(a.variables_reference, a.start, a.count, hex))
        .await?;
    let list: Vec<Value> = vars
        .iter()
        .map(|v| {
            let mut out = json!({
                "name": v.name,
                "value": v.value,
                "type": v.type_name,
                "variablesReference": v.reference,
            });
            add_children_and_memory(&mut out, v);
            out
        })
        .collect();
    Ok(json!({ "variables": list }))
}

/// `indexedVariables` and `memoryReference`, where the variable has them.
fn add_children_and_memory(out: &mut Value, v: &VariableView) {
    if let Some(n) = v.indexed {
        out["indexedVariables"] = json!(n);
    }
    if let Some(a) = v.address {
        out["memoryReference"] = json!(format!("{a:#x}"));
    }
}

pub async fn evaluate(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: EvaluateArgs = r.parse_arguments()?;
    h.require_stopped()?;
    if a.context.as_deref() == Some("repl") {
        if let Some(answer) = super::console::command(h, a.expression.clone()).await? {
            return Ok(answer);
        }
    }
    let (expr, frame) = (a.expression, a.frame_id);
    let hex = a.format.is_some_and(|f| f.hex);
    let v = h
        .call(move |d| d.evaluate_expression(&expr, frame, hex))
        .await?;
    let mut out = json!({
        "result": v.value,
        "type": v.type_name,
        "variablesReference": v.reference,
    });
    add_children_and_memory(&mut out, &v);
    Ok(out)
}

pub async fn completions(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: CompletionsArgs = r.parse_arguments()?;
    h.require_stopped()?;
    let targets = h
        .call(move |d| Ok(d.completions(&a.text, a.column, a.frame_id)))
        .await?;
    Ok(super::console::completions_json(&targets))
}

pub async fn exception_info(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: ThreadArgs = r.parse_arguments()?;
    h.require_stopped()?;
    let e = h.call(move |d| d.exception_info(a.thread_id)).await?;
    Ok(json!({
        "exceptionId": e.name,
        "description": e.description,
        "breakMode": "always",
        "details": {"message": e.message, "typeName": e.name},
    }))
}

/// `setVariable`, `setExpression`, `writeMemory`.
pub fn refuse_change() -> Result<Value, DapError> {
    Err(DapError::NotSupported(
        "a recording cannot be changed: rewind replays what the program did, so values are read-only".into(),
    ))
}
