//! The program's modules (the files mapped in the replayed process) and its
//! source files: `modules`, `loadedSources`, `source`, and the module news
//! of each stop.

use std::path::PathBuf;

use super::error::DebuggerError;
use super::views::{LoadedModuleView, ModuleView};
use super::Debugger;

impl Debugger {
    /// A module as the client sees it (where it is mapped, when it is).
    pub(super) fn module_view(&self, path: &std::path::Path) -> ModuleView {
        let loaded = self
            .program
            .modules()
            .iter()
            .find(|m| m.module.path() == path)
            .map(|m| LoadedModuleView {
                start: m.start,
                end: m.end,
                has_debug_info: m.module.has_debug_sections(),
                debug_path: m.module.debug_path(),
            });
        ModuleView {
            path: path.to_path_buf(),
            loaded,
        }
    }

    /// `modules`: files mapped in the current thread's process.
    /// Gives the page of modules asked for and how many there are in all.
    pub fn modules(&mut self, start: usize, count: Option<usize>) -> (Vec<ModuleView>, usize) {
        self.sync_program();
        let paths: Vec<std::path::PathBuf> = self
            .program
            .modules()
            .iter()
            .map(|m| m.module.path().to_path_buf())
            .collect();
        let total = paths.len();
        let list = paths
            .iter()
            .skip(start)
            .take(count.filter(|&c| c > 0).unwrap_or(usize::MAX))
            .map(|p| self.module_view(p))
            .collect();
        (list, total)
    }

    /// `loadedSources`: source files of the loaded modules found on disk.
    pub fn loaded_sources(&mut self) -> Vec<PathBuf> {
        self.sync_program();
        self.program.source_files().to_vec()
    }
}

/// `source`: the text of a file (editors ask when they cannot read it).
pub fn source_text(path: Option<&str>) -> Result<String, DebuggerError> {
    let path = path.ok_or_else(|| {
        DebuggerError::Refused("this source has no path; rewind only serves files by path".into())
    })?;
    std::fs::read_to_string(path)
        .map_err(|e| DebuggerError::Refused(format!("cannot read {path}: {e}")))
}
