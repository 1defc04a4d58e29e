//! The timeline requests (`bookmark`, `timeline`) and the debug console's
//! commands (`evaluate` in the `repl` context).

use serde_json::{json, Value};

use crate::dap::arguments::BookmarkArgs;
use crate::dap::envelope::{DapError, Request};
use crate::dap::handler::{Deferred, SessionHandler};
use crate::debugger::console::Command;
use crate::debugger::events::DebuggerEvent;

pub async fn bookmark(h: &mut SessionHandler, r: &Request) -> Result<Value, DapError> {
    let a: BookmarkArgs = r.parse_arguments()?;
    h.require_stopped()?;
    h.call(move |d| Ok(d.bookmark(a.name))).await
}

pub async fn timeline(h: &mut SessionHandler) -> Result<Value, DapError> {
    h.require_stopped()?;
    h.call(|d| Ok(d.timeline())).await
}

/// A console line that is a command: its answer, or `None` when the line is
/// an expression to evaluate.
pub async fn command(h: &mut SessionHandler, line: String) -> Result<Option<Value>, DapError> {
    let command = h.call(move |d| d.console_command(&line)).await?;
    Ok(match command {
        Some(Command::Say(text)) => Some(json!({"result": text, "variablesReference": 0})),
        Some(Command::Move(movement, text)) => {
            let tid = h.call(|d| Ok(d.session().current_tid())).await?;
            h.deferred
                .push(Deferred::Event(DebuggerEvent::Continued { tid }));
            h.movement(movement)?;
            Some(json!({"result": text, "variablesReference": 0}))
        }
        None => None,
    })
}
