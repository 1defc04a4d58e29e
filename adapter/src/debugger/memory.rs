//! Memory and code of the replayed program: readMemory and disassemble.

use super::error::DebuggerError;
use super::hexfmt::parse_address;
use super::views::{InstructionView, MemoryView};
use super::{disasm, Debugger};
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
    ) -> Result<MemoryView, DebuggerError> {
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
        Ok(MemoryView {
            address: addr,
            data,
            unreadable,
        })
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
    ) -> Result<Vec<InstructionView>, DebuggerError> {
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
            let mut v = InstructionView {
                address,
                decoded: ins.map(|ins| (ins.bytes, ins.text)),
                symbol: None,
                line: None,
            };
            if resolve_symbols {
                v.symbol = self.program.symbolize(address);
            }
            if let Some(loc) = self.program.location_at(address) {
                let key = (loc.file.clone(), loc.line);
                if last_line.as_ref() != Some(&key) {
                    v.line = Some(key.clone());
                    last_line = Some(key);
                }
            }
            out.push(v);
        }
        Ok(out)
    }
}
