//! Memory, code and files of the replayed program: readMemory, disassemble,
//! modules, loadedSources, source, exceptionInfo.

use base64::Engine as _;
use serde_json::{json, Value};

use super::breakpoints::parse_address;
use super::error::DebuggerError;
use super::events::{LoadedModuleView, ModuleView};
use super::inspect::source_json;
use super::{console, disasm, Debugger};
use crate::debugger::target::SessionMemory;

/// Largest readMemory answered at once.
const MAX_READ: u64 = 1 << 20;

impl Debugger {
    /// `readMemory`: bytes of the current thread's process, base64; an
    /// unreadable tail is reported as `unreadableBytes`.
    pub fn read_memory(
        &mut self,
        reference: &str,
        offset: i64,
        count: u64,
    ) -> Result<Value, DebuggerError> {
        let base = parse_address(reference).map_err(DebuggerError::Refused)?;
        let addr = base.wrapping_add_signed(offset);
        let count = count.min(MAX_READ);
        let tid = self.session.current_tid();
        // Read page by page: a readable prefix is still worth showing.
        let mut data = Vec::new();
        let mut at = addr;
        while (data.len() as u64) < count {
            let page_end = (at | 0xfff) + 1;
            let want = (page_end - at).min(count - data.len() as u64) as usize;
            match self.session.read_memory(tid, at, want) {
                Ok(bytes) if bytes.len() == want => data.extend(bytes),
                _ => break,
            }
            at += want as u64;
        }
        let unreadable = count - data.len() as u64;
        let mut body = json!({
            "address": format!("{addr:#x}"),
            "data": base64::engine::general_purpose::STANDARD.encode(&data),
        });
        if unreadable > 0 {
            body["unreadableBytes"] = json!(unreadable);
        }
        Ok(body)
    }

    /// `disassemble`: `count` instructions from `offset` instructions away
    /// from the one at `reference + byte_offset`.
    pub fn disassemble(
        &mut self,
        reference: &str,
        byte_offset: i64,
        instruction_offset: i64,
        count: usize,
        resolve_symbols: bool,
    ) -> Result<Value, DebuggerError> {
        let anchor = parse_address(reference)
            .map_err(DebuggerError::Refused)?
            .wrapping_add_signed(byte_offset);
        let count = count.min(4096);
        self.sync_program();
        let tid = self.session.current_tid();
        let program = &self.program;
        let mem = SessionMemory::new(&mut self.session, tid);
        let entries = disasm::disassemble_addressed(&mem, anchor, instruction_offset, count, |a| {
            program.function_at(a).map(|f| f.entry)
        });
        let mut last_line = None;
        let mut out = Vec::with_capacity(entries.len());
        for (address, ins) in entries {
            let mut v = match ins {
                Some(ins) => json!({
                    "address": format!("{address:#x}"),
                    "instructionBytes": ins.bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "),
                    "instruction": ins.text,
                }),
                None => json!({
                    "address": format!("{address:#x}"),
                    "instruction": "(bad)",
                    "presentationHint": "invalid",
                }),
            };
            if resolve_symbols {
                if let Some(sym) = self.program.symbolize(address) {
                    v["symbol"] = json!(sym);
                }
            }
            if let Some(loc) = self.program.location_at(address) {
                let key = (loc.file.clone(), loc.line);
                if last_line.as_ref() != Some(&key) {
                    v["location"] = source_json(&loc.file);
                    v["line"] = json!(loc.line);
                    last_line = Some(key);
                }
            }
            out.push(v);
        }
        Ok(json!({ "instructions": out }))
    }

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
    pub fn loaded_sources(&mut self) -> Value {
        self.sync_program();
        let sources: Vec<Value> = self
            .program
            .source_files()
            .iter()
            .map(|p| source_json(p))
            .collect();
        json!({ "sources": sources })
    }

    /// `exceptionInfo` for the signal the last stop was about.
    pub fn exception_info(&mut self, tid: i32) -> Result<Value, DebuggerError> {
        let Some((signo, stopped)) = self.last_signal.filter(|&(_, t)| t == tid) else {
            return Err(DebuggerError::Refused(format!(
                "thread {tid} did not stop for an exception"
            )));
        };
        let name = console::signal_name(signo);
        let pc = self.session.regs(tid)?.rip();
        let place = self
            .program
            .function_name_at(pc)
            .map(|f| format!(" in {f}"))
            .unwrap_or_default();
        let fatal = self.crash_signal() == Some(signo);
        Ok(json!({
            "exceptionId": name,
            "description": format!(
                "{name} ({}) at {pc:#x}{place}, thread {stopped}{}",
                console::signal_description(signo),
                if fatal { "; the program died of it" } else { "" }
            ),
            "breakMode": "always",
            "details": {
                "message": format!("signal {signo} ({name})"),
                "typeName": name,
            },
        }))
    }
}

/// `source`: the text of a file (editors ask when they cannot read it).
pub fn source_text(path: Option<&str>) -> Result<Value, DebuggerError> {
    let path = path.ok_or_else(|| {
        DebuggerError::Refused("this source has no path; rewind only serves files by path".into())
    })?;
    let content = std::fs::read_to_string(path)
        .map_err(|e| DebuggerError::Refused(format!("cannot read {path}: {e}")))?;
    Ok(json!({"content": content, "mimeType": "text/x-c"}))
}
