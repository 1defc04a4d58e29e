//! Where a function breakpoint goes: after the prologue, the way gdb's amd64 port decides.

use crate::functions::Scope;
use crate::module::Module;

const ENDBR64: [u8; 4] = [0xf3, 0x0f, 0x1e, 0xfa];

/// gdb's `amd64_analyze_prologue`: the pc after `[endbr64] push %rbp; mov %rsp,%rbp`,
/// or `None` for a frameless function.
fn analyze(module: &Module, entry: u64) -> Option<u64> {
    let mut code = [0u8; 8];
    if !module.elf().read_vaddr(entry, &mut code) {
        return None;
    }
    let mut at = 0usize;
    if code[..4] == ENDBR64 {
        at = 4;
    }
    if code[at] != 0x55 {
        return None;
    }
    let mov = &code[at + 1..at + 4];
    if mov == [0x48, 0x89, 0xe5] || mov == [0x48, 0x8b, 0xec] {
        return Some(entry + at as u64 + 4);
    }
    None
}

/// Whether gdb would trust the unit's variable locations at a function's entry
/// (GCC >= 4.5 and some location list in the unit): then it does not skip prologues.
pub fn locations_valid(module: &Module, ui: usize) -> bool {
    let Some(dd) = module.dwarf() else {
        return false;
    };
    let ud = &dd.units[ui];
    *ud.locations_valid.get_or_init(|| {
        let gcc = ud
            .producer
            .as_deref()
            .is_some_and(|p| p.starts_with("GNU ") && !p.contains("GNU AS"));
        gcc && has_location_list(dd, ui)
    })
}

fn has_location_list(dd: &crate::dwarf::DwarfData, ui: usize) -> bool {
    let unit = &dd.units[ui].unit;
    let mut entries = unit.entries();
    while let Ok(Some((_, e))) = entries.next_dfs() {
        if matches!(
            e.tag(),
            gimli::DW_TAG_variable | gimli::DW_TAG_formal_parameter
        ) {
            if let Ok(Some(v)) = e.attr_value(gimli::DW_AT_location) {
                if matches!(
                    v,
                    gimli::AttributeValue::LocationListsRef(_)
                        | gimli::AttributeValue::DebugLocListsIndex(_)
                        | gimli::AttributeValue::SecOffset(_)
                ) {
                    return true;
                }
            }
        }
    }
    false
}

/// The address gdb's `break FUNCTION` uses for out-of-line function `f` of unit `ui`
/// (link-time address).
pub fn post_prologue(module: &Module, ui: usize, f: &Scope) -> Option<u64> {
    let entry = f.entry()?;
    if let Some(pc) = marked_prologue_end(module, ui, f, entry) {
        return Some(pc);
    }
    if locations_valid(module, ui) {
        return Some(entry);
    }
    let Some(pc) = analyze(module, entry) else {
        return Some(entry);
    };
    let lines = module.lines(ui)?;
    let Some(rr) = lines.row_at(pc) else {
        return Some(pc);
    };
    if rr.row.addr != pc && f.contains(rr.end) {
        return Some(rr.end);
    }
    Some(pc)
}

/// gdb 13 `skip_prologue_using_linetable`: the first row flagged `prologue_end` (LLVM,
/// so Rust and clang emit them) in the function, in the file of its first line.
fn marked_prologue_end(module: &Module, ui: usize, f: &Scope, entry: u64) -> Option<u64> {
    let lines = module.lines(ui)?;
    let seq = lines.sequence_at(entry)?;
    let first = lines.row_at(entry)?.row;
    let (_, end) = f.bounds();
    seq.rows
        .iter()
        .filter(|r| r.addr >= entry && r.addr < end && r.file == first.file)
        .find(|r| r.prologue_end)
        .map(|r| r.addr)
}

/// Prologue analysis for a symbol without DWARF.
pub fn post_prologue_symbol(module: &Module, entry: u64) -> u64 {
    analyze(module, entry).unwrap_or(entry)
}
