//! Source, function, instruction and exception breakpoints.

use serde_json::{json, Value};

use crate::dap::arguments::{
    BreakpointLocationsArgs, Breakpoints, ExceptionArgs, FunctionBreakpoint, InstructionBreakpoint,
    SetBreakpointsArgs,
};
use crate::dap::connection::{source_path, Connection};
use crate::dap::envelope::{DapError, Request};
use crate::debugger::breakpoint_set::Options;
use crate::debugger::hexfmt::parse_address;
use crate::debugger::views::BreakpointView;

pub async fn set_source(h: &mut Connection, request: &Request) -> Result<Value, DapError> {
    let a: SetBreakpointsArgs = request.parse_arguments()?;
    let path = source_path(&a.source)?;
    let lines: Vec<(u32, Options)> = match (a.breakpoints, a.lines) {
        (Some(bps), _) => bps
            .into_iter()
            .map(|b| (b.line, b.options.into()))
            .collect(),
        (None, Some(lines)) => lines.into_iter().map(|l| (l, Options::default())).collect(),
        (None, None) => vec![],
    };
    h.pause_if_running();
    let set = h
        .call(move |d| d.set_source_breakpoints(path, lines))
        .await?;
    Ok(breakpoints_body(&set))
}

pub async fn locations(h: &mut Connection, request: &Request) -> Result<Value, DapError> {
    let a: BreakpointLocationsArgs = request.parse_arguments()?;
    let path = source_path(&a.source)?;
    let end = a.end_line.unwrap_or(a.line).max(a.line);
    let lines = h
        .call(move |d| Ok(d.breakpoint_locations(&path, a.line..=end)))
        .await?;
    let found: Vec<Value> = lines.iter().map(|line| json!({ "line": line })).collect();
    Ok(json!({ "breakpoints": found }))
}

pub async fn set_function(h: &mut Connection, request: &Request) -> Result<Value, DapError> {
    let a: Breakpoints<FunctionBreakpoint> = request.parse_arguments()?;
    let names = a
        .breakpoints
        .into_iter()
        .map(|b| (b.name, b.options.into()))
        .collect();
    h.pause_if_running();
    let set = h.call(move |d| d.set_function_breakpoints(names)).await?;
    Ok(breakpoints_body(&set))
}

pub async fn set_instruction(h: &mut Connection, request: &Request) -> Result<Value, DapError> {
    let a: Breakpoints<InstructionBreakpoint> = request.parse_arguments()?;
    let mut addrs = Vec::new();
    for b in a.breakpoints {
        let base = parse_address(&b.instruction_reference).map_err(|reason| {
            DapError::InvalidArgument {
                field: "breakpoints.instructionReference".into(),
                reason,
            }
        })?;
        addrs.push((base.wrapping_add_signed(b.offset), b.options.into()));
    }
    h.pause_if_running();
    let set = h
        .call(move |d| d.set_instruction_breakpoints(addrs))
        .await?;
    Ok(breakpoints_body(&set))
}

pub async fn set_exception(h: &mut Connection, request: &Request) -> Result<Value, DapError> {
    let a: ExceptionArgs = request.parse_arguments()?;
    h.pause_if_running();
    h.call(move |d| d.set_exception_filters(&a.filters)).await?;
    Ok(json!({}))
}

pub fn breakpoints_body(set: &[BreakpointView]) -> Value {
    let list: Vec<Value> = set.iter().map(breakpoint_json).collect();
    json!({ "breakpoints": list })
}

/// A DAP `Breakpoint`.
pub fn breakpoint_json(b: &BreakpointView) -> Value {
    let mut v = json!({"id": b.id, "verified": b.verified});
    if let Some(m) = &b.message {
        v["message"] = json!(m);
    }
    if let Some(line) = b.line {
        v["line"] = json!(line);
    }
    if let Some(path) = &b.source {
        v["source"] = json!({"path": path, "name": path.file_name().map(|n| n.to_string_lossy())});
    }
    if let Some(addr) = b.address {
        v["instructionReference"] = json!(format!("{addr:#x}"));
    }
    v
}
