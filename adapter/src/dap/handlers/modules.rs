//! The program's modules and sources: `modules`, `loadedSources`, `source`.

use serde_json::Value;

use crate::dap::arguments::{ModulesArgs, SourceArgs};
use crate::dap::envelope::{DapError, Request};
use crate::dap::handler::SessionHandler;

pub async fn modules(h: &mut SessionHandler, r: &Request) -> Result<Value, DapError> {
    let a: ModulesArgs = r.parse_arguments()?;
    h.require_stopped()?;
    h.call(move |d| Ok(d.modules(a.start_module, a.module_count)))
        .await
}

pub async fn loaded_sources(h: &mut SessionHandler) -> Result<Value, DapError> {
    h.require_stopped()?;
    h.call(|d| Ok(d.loaded_sources())).await
}

pub fn source(r: &Request) -> Result<Value, DapError> {
    let a: SourceArgs = r.parse_arguments()?;
    crate::debugger::source_text(a.source.and_then(|s| s.path).as_deref())
}
