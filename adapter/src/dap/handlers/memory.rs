//! `readMemory` and `disassemble`.

use serde_json::Value;

use crate::dap::arguments::{DisassembleArgs, ReadMemoryArgs};
use crate::dap::envelope::{DapError, Request};
use crate::dap::handler::SessionHandler;

pub async fn read_memory(h: &mut SessionHandler, r: &Request) -> Result<Value, DapError> {
    let a: ReadMemoryArgs = r.parse_arguments()?;
    h.require_stopped()?;
    h.call(move |d| d.read_memory(&a.memory_reference, a.offset, a.count))
        .await
}

pub async fn disassemble(h: &mut SessionHandler, r: &Request) -> Result<Value, DapError> {
    let a: DisassembleArgs = r.parse_arguments()?;
    h.require_stopped()?;
    h.call(move |d| {
        d.disassemble(
            &a.memory_reference,
            a.offset,
            a.instruction_offset,
            a.instruction_count,
            a.resolve_symbols,
        )
    })
    .await
}
