//! Source, function, instruction and exception breakpoints.

use serde_json::Value;

use crate::dap::arguments::{
    BreakpointLocationsArgs, Breakpoints, ExceptionArgs, FunctionBreakpoint, InstructionBreakpoint,
    SetBreakpointsArgs,
};
use crate::dap::envelope::{DapError, Request};
use crate::dap::handler::{source_path, SessionHandler};
use crate::debugger::breakpoints::{parse_address, Options};

pub async fn set_source(h: &mut SessionHandler, request: &Request) -> Result<Value, DapError> {
    let a: SetBreakpointsArgs = request.parse_arguments()?;
    let path = source_path(&a.source)?;
    let lines: Vec<(u32, Options)> = match (a.breakpoints, a.lines) {
        (Some(bps), _) => bps.into_iter().map(|b| (b.line, b.options)).collect(),
        (None, Some(lines)) => lines.into_iter().map(|l| (l, Options::default())).collect(),
        (None, None) => vec![],
    };
    h.pause_if_running();
    h.call(move |d| d.set_source_breakpoints(path, lines)).await
}

pub async fn locations(h: &mut SessionHandler, request: &Request) -> Result<Value, DapError> {
    let a: BreakpointLocationsArgs = request.parse_arguments()?;
    let path = source_path(&a.source)?;
    let end = a.end_line.unwrap_or(a.line).max(a.line);
    h.call(move |d| Ok(d.breakpoint_locations(&path, a.line..=end)))
        .await
}

pub async fn set_function(h: &mut SessionHandler, request: &Request) -> Result<Value, DapError> {
    let a: Breakpoints<FunctionBreakpoint> = request.parse_arguments()?;
    let names = a
        .breakpoints
        .into_iter()
        .map(|b| (b.name, b.options))
        .collect();
    h.pause_if_running();
    h.call(move |d| d.set_function_breakpoints(names)).await
}

pub async fn set_instruction(h: &mut SessionHandler, request: &Request) -> Result<Value, DapError> {
    let a: Breakpoints<InstructionBreakpoint> = request.parse_arguments()?;
    let mut addrs = Vec::new();
    for b in a.breakpoints {
        let base = parse_address(&b.instruction_reference).map_err(|reason| {
            DapError::InvalidArgument {
                field: "breakpoints.instructionReference".into(),
                reason,
            }
        })?;
        addrs.push((base.wrapping_add_signed(b.offset), b.options));
    }
    h.pause_if_running();
    h.call(move |d| d.set_instruction_breakpoints(addrs)).await
}

pub async fn set_exception(h: &mut SessionHandler, request: &Request) -> Result<Value, DapError> {
    let a: ExceptionArgs = request.parse_arguments()?;
    h.pause_if_running();
    h.call(move |d| d.set_exception_filters(&a.filters)).await
}
