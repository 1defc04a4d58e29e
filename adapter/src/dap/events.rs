//! The debugger's news as DAP events: each [`DebuggerEvent`] becomes an
//! event name and body.

use serde_json::{json, Value};

use super::handlers::{breakpoints, modules, movement};
use crate::debugger::events::{DebuggerEvent, ModuleChange, OutputStream, ProgressPhase};

/// The DAP event (name, body) for `event`.
pub fn to_dap(event: &DebuggerEvent) -> (&'static str, Value) {
    match event {
        DebuggerEvent::Ready => ("initialized", Value::Null),
        DebuggerEvent::Ended => ("terminated", Value::Null),
        DebuggerEvent::Continued { tid } => (
            "continued",
            json!({"threadId": tid, "allThreadsContinued": true}),
        ),
        DebuggerEvent::Stopped(report) => ("stopped", movement::stopped_json(report)),
        DebuggerEvent::Output { stream, text } => {
            let category = match stream {
                OutputStream::Console => "console",
                OutputStream::Stdout => "stdout",
                OutputStream::Stderr => "stderr",
            };
            ("output", json!({"category": category, "output": text}))
        }
        DebuggerEvent::Thread { tid, started } => (
            "thread",
            json!({"reason": if *started { "started" } else { "exited" }, "threadId": tid}),
        ),
        DebuggerEvent::Module { change, module } => {
            let (reason, body) = match change {
                ModuleChange::New => ("new", modules::module_json(module)),
                ModuleChange::Changed => ("changed", modules::module_json(module)),
                ModuleChange::Removed => ("removed", modules::removed_module_json(module)),
            };
            ("module", json!({"reason": reason, "module": body}))
        }
        DebuggerEvent::Exited { code } => ("exited", json!({ "exitCode": code })),
        DebuggerEvent::Progress { id, phase } => match phase {
            ProgressPhase::Start { title, cancellable } => (
                "progressStart",
                json!({"progressId": id, "title": title, "cancellable": cancellable}),
            ),
            ProgressPhase::Update { message } => (
                "progressUpdate",
                json!({"progressId": id, "message": message}),
            ),
            ProgressPhase::End => ("progressEnd", json!({ "progressId": id })),
        },
        DebuggerEvent::BreakpointChanged(b) => (
            "breakpoint",
            json!({"reason": "changed", "breakpoint": breakpoints::breakpoint_json(b)}),
        ),
    }
}
