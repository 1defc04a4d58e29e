//! The timeline requests (`bookmark`, `timeline`) and the debug console's
//! commands (`evaluate` in the `repl` context).

use serde_json::{json, Value};

use crate::dap::arguments::BookmarkArgs;
use crate::dap::connection::Connection;
use crate::dap::envelope::{DapError, Request};
use crate::debugger::console::Command;
use crate::debugger::views::{BookmarkView, CompletionKind, CompletionView};

pub async fn bookmark(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: BookmarkArgs = r.parse_arguments()?;
    h.require_stopped()?;
    let b = h.call(move |d| Ok(d.bookmark(a.name))).await?;
    Ok(bookmark_json(&b))
}

fn bookmark_json(b: &BookmarkView) -> Value {
    json!({"id": b.id, "name": b.name, "event": b.event})
}

pub async fn timeline(h: &mut Connection) -> Result<Value, DapError> {
    h.require_stopped()?;
    let t = h.call(|d| Ok(d.timeline())).await?;
    Ok(json!({
        "eventCount": t.event_count,
        "currentEvent": t.current_event,
        "complete": t.complete,
        "bookmarks": t.bookmarks.iter().map(bookmark_json).collect::<Vec<_>>(),
    }))
}

/// The body of a `completions` response.
pub fn completions_json(targets: &[CompletionView]) -> Value {
    let list: Vec<Value> = targets
        .iter()
        .map(|t| {
            let kind = match t.kind {
                CompletionKind::Keyword => "keyword",
                CompletionKind::Variable => "variable",
                CompletionKind::Value => "value",
            };
            json!({"label": t.label, "type": kind, "start": t.start, "length": t.length})
        })
        .collect();
    json!({ "targets": list })
}

/// A console line that is a command: its answer, or `None` when the line is
/// an expression to evaluate.
pub async fn command(h: &mut Connection, line: String) -> Result<Option<Value>, DapError> {
    let command = h.call(move |d| d.console_command(&line)).await?;
    Ok(match command {
        Some(Command::Say(text)) => Some(json!({"result": text, "variablesReference": 0})),
        Some(Command::Move(movement, text)) => {
            let tid = h.call(|d| Ok(d.session().current_tid())).await?;
            h.announced_movement(movement, tid)?;
            Some(json!({"result": text, "variablesReference": 0}))
        }
        None => None,
    })
}
