//! Data breakpoints: what can be watched, and the watched set.

use serde_json::Value;

use crate::dap::arguments::{Breakpoints, DataBreakpoint, DataInfoArgs};
use crate::dap::envelope::{DapError, Request};
use crate::dap::handler::SessionHandler;

pub async fn data_breakpoint_info(
    h: &mut SessionHandler,
    request: &Request,
) -> Result<Value, DapError> {
    let a: DataInfoArgs = request.parse_arguments()?;
    h.require_stopped()?;
    h.call(move |d| {
        d.data_breakpoint_info(
            a.variables_reference,
            &a.name,
            a.frame_id,
            a.as_address,
            a.bytes,
        )
    })
    .await
}

pub async fn set_data_breakpoints(
    h: &mut SessionHandler,
    request: &Request,
) -> Result<Value, DapError> {
    let a: Breakpoints<DataBreakpoint> = request.parse_arguments()?;
    let wanted = a
        .breakpoints
        .into_iter()
        .map(|b| (b.data_id, b.access_type))
        .collect();
    h.pause_if_running();
    h.call(move |d| d.set_data_breakpoints(wanted)).await
}
