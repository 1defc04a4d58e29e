//! Breakpoint conditions the engine can test in the replayed process (an
//! in-process finder, or a memory read at each arrival) instead of stopping
//! for the adapter to evaluate them: `name == N` or `name != N` where `name`
//! is an integer variable (or pointer) in memory — a local or parameter at a
//! fixed offset from rsp or rbp at the breakpoint, or a global — and `N` a
//! non-negative constant that fits its type. The adapter still evaluates the
//! condition itself at every stop; this only spares the stops where it is false.
//!
//! The variable's address is found without a live frame: the DWARF location
//! is evaluated at the breakpoint with every register set to a distinct
//! marker, and the address it yields names its base register and offset.

use rewind_debuginfo::{Memory, MemoryError, Program, Registers};
use rewind_engine::finder::{Condition, FrameRegister};

/// Registers in DWARF order (rax, rdx, rcx, rbx, rsi, rdi, rbp, rsp, r8..r15).
const DWARF_NAMES: [&str; 16] = [
    "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13",
    "r14", "r15",
];

/// Marker k: far from every other marker and from real addresses below
/// 2^36 (non-PIE executables) and above 2^44 (PIE, libraries, stacks).
fn marker(k: usize) -> u64 {
    (k as u64 + 1) << 36
}

/// Memory that cannot be read: a location that needs memory is not simple.
struct NoMemory;

impl Memory for NoMemory {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        Err(MemoryError {
            addr,
            len: buf.len(),
        })
    }
}

/// `name == N` / `N == name` / `!=`: the name, the constant, `==`.
fn parse(text: &str) -> Option<(&str, u64, bool)> {
    let (op, equal) = if text.contains("==") {
        ("==", true)
    } else if text.contains("!=") {
        ("!=", false)
    } else {
        return None;
    };
    let (a, b) = text.split_once(op)?;
    let (a, b) = (a.trim(), b.trim());
    let number = |s: &str| match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse::<u64>().ok(),
    };
    let ident = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !s.starts_with(|c: char| c.is_ascii_digit())
    };
    match (number(a), number(b)) {
        (None, Some(n)) if ident(a) => Some((a, n, equal)),
        (Some(n), None) if ident(b) => Some((b, n, equal)),
        _ => None,
    }
}

/// The condition `text` of a breakpoint at `addr` as one the engine tests,
/// when it is that simple.
pub(super) fn compile(program: &Program, addr: u64, text: &str) -> Option<Condition> {
    let (name, value, equal) = parse(text.trim())?;
    let regs = Registers::from_named(
        DWARF_NAMES
            .iter()
            .enumerate()
            .map(|(k, n)| (*n, marker(k)))
            .chain([("rip", addr)]),
    );
    // Two frames: the first's CFA is computed while unwinding to the second.
    let frames = program.stack(&regs, &NoMemory, 2);
    let frame = frames.first()?;
    let var = program.evaluate(Some(frame), name, &NoMemory).ok()?;
    let address = var.address?;
    let size = u8::try_from(var.byte_size?).ok()?;
    let scalar = var.children.is_none() || var.type_name.trim_end().ends_with('*');
    let floating = ["float", "double", "["]
        .iter()
        .any(|w| var.type_name.contains(w));
    if ![1, 2, 4, 8].contains(&size) || !scalar || floating {
        return None;
    }
    // Representable whether the type is signed or not.
    if size < 8 && value >= 1u64 << (8 * u32::from(size) - 1) {
        return None;
    }
    if size == 8 && value >= 1u64 << 63 {
        return None;
    }
    let near = |base: u64| {
        let offset = address.wrapping_sub(base) as i64;
        (offset.unsigned_abs() < 1 << 31).then_some(offset)
    };
    let (base, offset) = if let Some(off) = near(marker(7)) {
        (Some(FrameRegister::Rsp), off)
    } else if let Some(off) = near(marker(6)) {
        (Some(FrameRegister::Rbp), off)
    } else if (0..16).any(|k| near(marker(k)).is_some()) {
        // Addressed from another register: not at a fixed place.
        return None;
    } else {
        (None, address as i64)
    };
    Some(Condition {
        base,
        offset,
        size,
        value,
        equal,
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn simple_comparisons_parse_and_others_do_not() {
        assert_eq!(parse("i == 3800"), Some(("i", 3800, true)));
        assert_eq!(parse("0x10 != total"), Some(("total", 16, false)));
        assert_eq!(parse("i == j"), None);
        assert_eq!(parse("i < 3"), None);
        assert_eq!(parse("a.b == 1"), None);
        assert_eq!(parse("i == -1"), None);
        assert_eq!(parse("3 == 4"), None);
    }
}

#[cfg(test)]
mod replay_tests {
    #![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed test

    use std::path::Path;

    use rewind_debuginfo::Program;
    use rewind_engine::session::{Session, StopReason};
    use rewind_test_support::record::record_fixture;
    use rewind_test_support::{fixture, fixture_source, marker_line};

    use crate::debugger::target::{registers_from, SessionMemory};

    /// Conditions compiled here stop the replay exactly where the adapter's
    /// own evaluator, in the real frame, says they hold: a local (`x`, on
    /// the stack) and a global (`total`), at -O0 and -O2 where the value is
    /// in memory; a struct and a register-held value are not compiled.
    #[test]
    fn compiled_conditions_stop_where_the_evaluator_says_they_hold() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["loop", "loop-O2"] {
            let trace = record_fixture(dir.path(), name, &[]);
            let mut program = Program::new();
            program
                .add_module(&fixture(name), 0x5555_5555_4000)
                .unwrap();
            let line = marker_line(fixture_source("src/loop.c"), "step_total");
            let addr = program
                .line_breakpoint(Path::new("loop.c"), line)
                .unwrap()
                .addresses[0];
            assert!(
                super::compile(&program, addr, "p == 1").is_none(),
                "{name}: a struct"
            );
            for (text, var, want) in [("x == 3", "x", "3"), ("total == 6", "total", "6")] {
                let Some(condition) = super::compile(&program, addr, text) else {
                    assert_eq!(name, "loop-O2", "{name}: {text} not compiled");
                    continue;
                };
                let mut s = Session::open(&trace).unwrap();
                s.add_breakpoint(addr);
                s.set_breakpoint_condition(addr, Some(condition));
                let stop = s.cont().unwrap();
                assert_eq!(
                    stop.reason,
                    StopReason::Breakpoint { addr },
                    "{name}: {text}"
                );
                let tid = s.current_tid();
                let regs = registers_from(&s.regs(tid).unwrap());
                let mem = SessionMemory::new(&mut s, tid);
                let frames = program.stack(&regs, &mem, 2);
                let value = program.evaluate(frames.first(), var, &mem).unwrap().value;
                assert_eq!(value, want, "{name}: stopped for {text}");
            }
        }
    }
}
