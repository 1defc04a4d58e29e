//! Data breakpoints: what can be watched, and the watched set.

use serde_json::{json, Value};

use rewind_engine::session::WatchKind;

use super::breakpoints::breakpoints_body;
use crate::dap::arguments::{Breakpoints, DataBreakpoint, DataInfoArgs};
use crate::dap::connection::Connection;
use crate::dap::envelope::{DapError, Request};

pub async fn data_breakpoint_info(
    h: &mut Connection,
    request: &Request,
) -> Result<Value, DapError> {
    let a: DataInfoArgs = request.parse_arguments()?;
    h.require_stopped()?;
    let found = h
        .call(move |d| {
            d.data_breakpoint_info(
                a.variables_reference,
                &a.name,
                a.frame_id,
                a.as_address,
                a.bytes,
            )
        })
        .await?;
    Ok(match found.data_id {
        Some(id) => json!({
            "dataId": id,
            "description": found.description,
            "accessTypes": ["write", "readWrite"],
            "canPersist": false,
        }),
        None => json!({"dataId": null, "description": found.description}),
    })
}

pub async fn set_data_breakpoints(
    h: &mut Connection,
    request: &Request,
) -> Result<Value, DapError> {
    let a: Breakpoints<DataBreakpoint> = request.parse_arguments()?;
    let wanted = a
        .breakpoints
        .into_iter()
        .map(|b| (b.data_id, watch_kind(b.access_type.as_deref())))
        .collect();
    h.pause_if_running();
    let set = h.call(move |d| Ok(d.set_data_breakpoints(wanted))).await?;
    Ok(breakpoints_body(&set))
}

/// The DAP access type as a watchpoint kind, or why it cannot be one.
fn watch_kind(access: Option<&str>) -> Result<WatchKind, String> {
    match access {
        None | Some("write") => Ok(WatchKind::Write),
        Some("readWrite") => Ok(WatchKind::ReadWrite),
        Some(other) => Err(format!(
            "access type '{other}' is not supported: watchpoints trap on writes or on reads and writes"
        )),
    }
}
