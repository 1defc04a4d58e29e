//! `readMemory` and `disassemble`.

use base64::Engine as _;
use serde_json::{json, Value};

use super::modules::source_json;
use crate::dap::arguments::{DisassembleArgs, ReadMemoryArgs};
use crate::dap::connection::Connection;
use crate::dap::envelope::{DapError, Request};
use crate::debugger::views::InstructionView;

pub async fn read_memory(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: ReadMemoryArgs = r.parse_arguments()?;
    h.require_stopped()?;
    let read = h
        .call(move |d| d.read_memory(&a.memory_reference, a.offset, a.count))
        .await?;
    let mut body = json!({
        "address": format!("{:#x}", read.address),
        "data": base64::engine::general_purpose::STANDARD.encode(&read.data),
    });
    if read.unreadable > 0 {
        body["unreadableBytes"] = json!(read.unreadable);
    }
    Ok(body)
}

pub async fn disassemble(h: &mut Connection, r: &Request) -> Result<Value, DapError> {
    let a: DisassembleArgs = r.parse_arguments()?;
    h.require_stopped()?;
    let instructions = h
        .call(move |d| {
            d.disassemble(
                &a.memory_reference,
                a.offset,
                a.instruction_offset,
                a.instruction_count,
                a.resolve_symbols,
            )
        })
        .await?;
    let list: Vec<Value> = instructions.iter().map(instruction_json).collect();
    Ok(json!({ "instructions": list }))
}

fn instruction_json(ins: &InstructionView) -> Value {
    let mut v = match &ins.decoded {
        Some((bytes, text)) => json!({
            "address": format!("{:#x}", ins.address),
            "instructionBytes": bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "),
            "instruction": text,
        }),
        None => json!({
            "address": format!("{:#x}", ins.address),
            "instruction": "(bad)",
            "presentationHint": "invalid",
        }),
    };
    if let Some(sym) = &ins.symbol {
        v["symbol"] = json!(sym);
    }
    if let Some((file, line)) = &ins.line {
        v["location"] = source_json(file);
        v["line"] = json!(line);
    }
    v
}
