//! The convenience steps: `start` (the launch handshake), `expectStop` (a
//! `stopped` event, then the top frame and its variables) and `expectFrame`.

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::live::{LiveScenario, StepResult};
use super::step::{FRAME_KEYS, STOP_EVENT_KEYS};
use crate::error::ClientError;
use crate::matcher::{self, Mismatch};

/// `expectStop`: waits for `stopped`, checks the event keys of `spec`, then
/// the frame keys against the stopped thread's top frame.
pub(super) async fn check_stop(
    session: &mut LiveScenario,
    spec: &Value,
    timeout: Duration,
) -> StepResult {
    let event = session
        .client
        .wait_for_stopped(timeout)
        .await
        .map_err(|e| e.to_string())?;
    let body = event.get("body").cloned().unwrap_or(Value::Null);
    let fields = spec.as_object().cloned().unwrap_or_default();
    for key in STOP_EVENT_KEYS {
        let Some(pattern) = fields.get(*key) else {
            continue;
        };
        if *key == "where" {
            check_where(pattern, &body).map_err(|e| format!("{e}\nevent: {event}"))?;
            continue;
        }
        let (actual, path) = if *key == "body" {
            (Some(&body), "body".to_string())
        } else {
            (body.get(*key), format!("body.{key}"))
        };
        matcher::check_at(pattern, actual, &path)
            .map_err(|m| format!("stopped event differs {m}\nevent: {event}"))?;
    }
    let thread = body.get("threadId").and_then(Value::as_i64);
    check_frame(session, spec, thread)
        .await
        .map_err(|e| format!("{e}\nafter the stopped event: {event}"))
}

/// `expectFrame` (and the second half of `expectStop`): fetches the top frame
/// of the thread (`threadId` of `spec`, else `thread`, else the saved
/// `${threadId}`, else the first of `threads`), saves `${threadId}` and
/// `${frameId}`, and checks line, function, source, frame, stack, locals, globals.
pub(super) async fn check_frame(
    session: &mut LiveScenario,
    spec: &Value,
    thread: Option<i64>,
) -> StepResult {
    let fields = spec.as_object().cloned().unwrap_or_default();
    let thread = match fields.get("threadId").and_then(Value::as_i64).or(thread) {
        Some(t) => t,
        None => match session.vars.get("threadId").and_then(Value::as_i64) {
            Some(t) => t,
            None => first_thread(session).await?,
        },
    };
    session.vars.set("threadId", thread);
    let trace = session
        .client
        .stack_trace(thread)
        .await
        .map_err(|e| e.to_string())?;
    let frames = trace.get("stackFrames").cloned().unwrap_or(Value::Null);
    let Some(frame) = frames.get(0).cloned() else {
        // At the end of the recording the program may have no frames left:
        // fine unless the step asks about them.
        if FRAME_KEYS.iter().any(|k| fields.contains_key(*k)) {
            return Err(format!(
                "stackTrace of thread {thread} has no frames: {trace}"
            ));
        }
        return Ok(());
    };
    if let Some(id) = frame.get("id") {
        session.vars.set("frameId", id.clone());
    }
    let shown = |m: Mismatch| format!("top frame differs {m}\nstack: {frames}");
    let checks: [(&str, Option<&Value>, &str); 3] = [
        ("line", frame.get("line"), "frame.line"),
        ("function", frame.get("name"), "frame.name"),
        ("frame", Some(&frame), "frame"),
    ];
    for (key, actual, path) in checks {
        if let Some(pattern) = fields.get(key) {
            matcher::check_at(pattern, actual, path).map_err(shown)?;
        }
    }
    if let Some(pattern) = fields.get("source") {
        let pattern = match pattern {
            Value::String(tail) => {
                json!({ "path": { "$regex": format!("(^|/){}$", escape(tail)) } })
            }
            other => other.clone(),
        };
        matcher::check_at(&pattern, frame.get("source"), "frame.source").map_err(shown)?;
    }
    if let Some(pattern) = fields.get("stack") {
        matcher::check_at(pattern, Some(&frames), "stackFrames").map_err(shown)?;
    }
    let frame_id = frame.get("id").and_then(Value::as_i64);
    for (key, scope) in [("locals", "Locals"), ("globals", "Globals")] {
        let Some(pattern) = fields.get(key) else {
            continue;
        };
        let frame_id = frame_id.ok_or_else(|| format!("top frame has no integer id: {frame}"))?;
        let values = session
            .client
            .scope_values(frame_id, scope)
            .await
            .map_err(|e| e.to_string())?;
        let actual: Map<String, Value> = values
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        let actual = Value::Object(actual);
        matcher::check_at(&numbers_as_text(pattern), Some(&actual), scope)
            .map_err(|m| format!("{scope} differ {m}\nframe: {frame}"))?;
    }
    Ok(())
}

/// The `start` step: initialize (with the `initialize` object's arguments
/// added), launch (without waiting: the response may
/// follow `initialized`), wait for `initialized`, set breakpoints, configurationDone,
/// then the launch response.
pub(super) async fn start(session: &mut LiveScenario, spec: &Value) -> StepResult {
    let fields = spec.as_object().cloned().unwrap_or_default();
    let client = &mut session.client;
    let err = |e: ClientError| e.to_string();
    match fields.get("initialize") {
        Some(Value::Object(extra)) => client.initialize_with(extra).await,
        _ => client.initialize().await,
    }
    .map_err(err)?;
    let attach = fields
        .get("attach")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut launch = match fields.get("trace") {
        Some(trace) => json!({ "trace": trace }),
        None => {
            let program = fields
                .get("program")
                .cloned()
                .or_else(|| session.vars.get("fixture").cloned())
                .ok_or("start needs a fixture or a \"program\"")?;
            json!({ "program": program })
        }
    };
    for key in ["args", "stopOnEntry"] {
        if let Some(v) = fields.get(key) {
            launch[key] = v.clone();
        }
    }
    if let Some(Value::Object(extra)) = fields.get("launch") {
        for (k, v) in extra {
            launch[k] = v.clone();
        }
    }
    let command = if attach { "attach" } else { "launch" };
    let seq = client
        .send_request(command, Some(launch))
        .await
        .map_err(err)?;
    let timeout = session.timeout;
    client
        .wait_for_event("initialized", timeout)
        .await
        .map_err(err)?;
    if let Some(Value::Array(bps)) = fields.get("breakpoints") {
        let source = session
            .vars
            .get("source")
            .cloned()
            .ok_or("breakpoints need a fixture source")?;
        let bps: Vec<Value> = bps
            .iter()
            .map(|b| match b {
                Value::Object(_) => b.clone(),
                line => json!({ "line": line }),
            })
            .collect();
        let body = client
            .request_ok(
                "setBreakpoints",
                json!({ "source": { "path": source }, "breakpoints": bps }),
            )
            .await
            .map_err(err)?;
        let all_verified = json!({ "breakpoints": vec![json!({ "verified": true }); bps.len()] });
        matcher::check(&all_verified, &body)
            .map_err(|m| format!("setBreakpoints: not all verified {m}\nbody: {body}"))?;
    }
    if let Some(names) = fields.get("functionBreakpoints") {
        let bps: Vec<Value> = names
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| json!({ "name": n }))
            .collect();
        client
            .request_ok("setFunctionBreakpoints", json!({ "breakpoints": bps }))
            .await
            .map_err(err)?;
    }
    if let Some(filters) = fields.get("exceptionFilters") {
        client
            .request_ok("setExceptionBreakpoints", json!({ "filters": filters }))
            .await
            .map_err(err)?;
    }
    client.configuration_done().await.map_err(err)?;
    let response = client
        .wait_response(seq, Some(command), timeout)
        .await
        .map_err(err)?;
    client.body_of(command, response).map_err(err)?;
    Ok(())
}

/// `where`: a regex over `description` or `text` of the stopped event
/// (docs/dap.md: "`description`/`text` saying where").
fn check_where(pattern: &Value, body: &Value) -> StepResult {
    let regex = match pattern {
        Value::String(re) => json!({ "$regex": re }),
        other => other.clone(),
    };
    let matched = ["description", "text"]
        .iter()
        .any(|k| matcher::check_at(&regex, body.get(*k), k).is_ok());
    if matched {
        Ok(())
    } else {
        Err(format!(
            "stopped event: neither description {} nor text {} matches {regex}",
            body.get("description").unwrap_or(&Value::Null),
            body.get("text").unwrap_or(&Value::Null)
        ))
    }
}

async fn first_thread(session: &mut LiveScenario) -> Result<i64, String> {
    let body = session.client.threads().await.map_err(|e| e.to_string())?;
    body.pointer("/threads/0/id")
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("threads lists no thread: {body}"))
}

/// Variable values are strings: a number in a locals pattern means its text.
fn numbers_as_text(pattern: &Value) -> Value {
    match pattern {
        Value::Object(m) if !m.keys().any(|k| k.starts_with('$')) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::Number(n) => Value::String(n.to_string()),
                        other => other.clone(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `text` with regex metacharacters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
