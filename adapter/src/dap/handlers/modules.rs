//! The program's modules and sources: `modules`, `loadedSources`, `source`.

use serde_json::{json, Value};

use crate::dap::arguments::{ModulesArgs, SourceArgs};
use crate::dap::connection::Connection;
use crate::dap::envelope::{DapError, Request};
use crate::debugger::views::ModuleView;

pub async fn modules(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: ModulesArgs = r.parse_arguments()?;
    h.require_stopped()?;
    let (modules, total) = h
        .call(move |d| Ok(d.modules(a.start_module, a.module_count)))
        .await?;
    let list: Vec<Value> = modules.iter().map(module_json).collect();
    Ok(json!({"modules": list, "totalModules": total}))
}

/// A DAP `Module`.
pub fn module_json(m: &ModuleView) -> Value {
    let path = &m.path;
    let mut v = json!({
        "id": path.to_string_lossy(),
        "name": path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        "path": path,
    });
    if let Some(loaded) = &m.loaded {
        v["addressRange"] = json!(format!("{:#x}-{:#x}", loaded.start, loaded.end));
        v["symbolStatus"] = json!(if loaded.has_debug_info {
            "Symbols loaded."
        } else {
            "No debug information."
        });
        if let Some(debug) = &loaded.debug_path {
            v["symbolFilePath"] = json!(debug);
        }
    }
    v
}

/// The module of a `module` event with reason `removed`: its id and name.
pub fn removed_module_json(m: &ModuleView) -> Value {
    json!({
        "id": m.path.to_string_lossy(),
        "name": m.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
    })
}

pub async fn loaded_sources(h: &mut Connection) -> Result<Value, DapError> {
    h.require_stopped()?;
    let files = h.call(|d| Ok(d.loaded_sources())).await?;
    let sources: Vec<Value> = files.iter().map(|p| source_json(p)).collect();
    Ok(json!({ "sources": sources }))
}

/// A DAP `Source` for a file.
pub fn source_json(path: &std::path::Path) -> Value {
    json!({
        "name": path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        "path": path,
    })
}

pub fn source(r: &Request) -> Result<Value, DapError> {
    let a: SourceArgs = r.parse_arguments()?;
    let content = crate::debugger::modules::source_text(a.source.and_then(|s| s.path).as_deref())?;
    Ok(json!({"content": content, "mimeType": "text/x-c"}))
}
