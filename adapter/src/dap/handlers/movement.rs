//! Movements forwards and backwards: answered at once, carried out after the
//! response (their stop arrives as a `stopped` event).

use serde_json::{json, Value};

use crate::dap::arguments::{FrameArgs, GotoArgs, GotoEventArgs, GotoTargetsArgs, ThreadArgs};
use crate::dap::connection::{source_path, Connection};
use crate::dap::envelope::{DapError, Request};
use crate::debugger::movement::Movement;
use crate::debugger::stop::{StopReason, StopReport};

pub fn continue_(h: &mut Connection) -> Result<Value, DapError> {
    h.movement(Movement::Continue)
}

pub fn reverse_continue(h: &mut Connection) -> Result<Value, DapError> {
    h.movement(Movement::ReverseContinue)
}

pub fn next(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    h.thread_movement(r, |tid, instruction| Movement::Next { tid, instruction })
}

pub fn step_in(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    h.thread_movement(r, |tid, instruction| Movement::StepIn { tid, instruction })
}

pub fn step_out(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    h.thread_movement(r, |tid, _| Movement::StepOut { tid })
}

pub fn step_back(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    h.thread_movement(r, |tid, instruction| Movement::StepBack {
        tid,
        instruction,
    })
}

pub fn reverse_step_in(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: ThreadArgs = r.parse_arguments()?;
    let movement = Movement::ReverseStepIn {
        tid: a.thread_id,
        instruction: a.by_instruction(),
    };
    h.announced_movement(movement, a.thread_id)
}

pub fn reverse_step_out(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: ThreadArgs = r.parse_arguments()?;
    let movement = Movement::ReverseStepOut { tid: a.thread_id };
    h.announced_movement(movement, a.thread_id)
}

pub fn restart(h: &mut Connection) -> Result<Value, DapError> {
    h.movement(Movement::Restart)
}

pub fn restart_frame(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: FrameArgs = r.parse_arguments()?;
    h.movement(Movement::RestartFrame {
        frame_id: a.frame_id,
    })
}

pub async fn goto(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: GotoArgs = r.parse_arguments()?;
    h.require_stopped()?;
    let target = a.target_id;
    h.call(move |d| d.check_goto_target(target)).await?;
    h.movement(Movement::Goto { target })
}

pub async fn goto_targets(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: GotoTargetsArgs = r.parse_arguments()?;
    let path = source_path(&a.source)?;
    h.require_stopped()?;
    let targets = h.call(move |d| d.goto_targets(&path, a.line)).await?;
    let list: Vec<Value> = targets
        .iter()
        .map(|t| {
            let mut v = json!({"id": t.id, "label": t.label, "line": t.line});
            if let Some(a) = t.address {
                v["instructionPointerReference"] = json!(format!("{a:#x}"));
            }
            v
        })
        .collect();
    Ok(json!({ "targets": list }))
}

/// The body of a `stopped` event.
pub fn stopped_json(report: &StopReport) -> Value {
    let reason = match report.reason {
        StopReason::Step => "step",
        StopReason::Breakpoint => "breakpoint",
        StopReason::FunctionBreakpoint => "function breakpoint",
        StopReason::InstructionBreakpoint => "instruction breakpoint",
        StopReason::DataBreakpoint => "data breakpoint",
        StopReason::Exception => "exception",
        StopReason::Pause => "pause",
        StopReason::Entry => "entry",
        StopReason::Goto => "goto",
        StopReason::RestartFrame => "restart",
    };
    let mut body = json!({
        "reason": reason,
        "description": report.description,
        "threadId": report.tid,
        "allThreadsStopped": true,
        "preserveFocusHint": false,
    });
    if let Some(text) = &report.text {
        body["text"] = json!(text);
    }
    if !report.hit_breakpoint_ids.is_empty() {
        body["hitBreakpointIds"] = json!(report.hit_breakpoint_ids);
    }
    body
}

pub async fn goto_event(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: GotoEventArgs = r.parse_arguments()?;
    h.require_stopped()?;
    let movement = match (a.event, a.bookmark) {
        (Some(n), _) => h.call(move |d| d.event_movement(n)).await?,
        (None, Some(id)) => h.call(move |d| d.bookmark_movement(id)).await?,
        (None, None) => {
            return Err(DapError::InvalidArgument {
                field: "event".into(),
                reason: "missing (give 'event' or 'bookmark')".into(),
            })
        }
    };
    let tid = h.call(|d| Ok(d.session().current_tid())).await?;
    h.announced_movement(movement, tid)?;
    Ok(Value::Null)
}
