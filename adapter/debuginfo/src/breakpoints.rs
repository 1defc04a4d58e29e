//! Breakpoint addresses for source lines and function names, chosen as gdb chooses them.

use crate::demangle::{canonical_cpp, demangle, without_params};
use crate::error::DebugInfoError;
use crate::functions::ScopeKind;
use crate::lines::Row;
use crate::program::Program;
use crate::prologue::{post_prologue, post_prologue_symbol};
use std::path::Path;

/// Where a line breakpoint goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineBreakpoint {
    /// The line gdb reports for it: the requested line, or the next line with code,
    /// or the first line after the prologue when the line was a function's opening.
    pub line: u32,
    /// Runtime addresses, one per inlined copy / code block of the line.
    pub addresses: Vec<u64>,
}

struct Candidate {
    module: usize,
    unit: usize,
    row: Row,
}

impl Program {
    /// Addresses for a breakpoint at `file:line` like gdb's `break file:line`: statement
    /// rows of exactly that line (else of the next line with code), one per block,
    /// moved past the prologue when at a function's start.
    pub fn line_breakpoint(
        &self,
        file: &Path,
        line: u32,
    ) -> Result<LineBreakpoint, DebugInfoError> {
        let mut exact = Vec::new();
        let mut best: Option<u32> = None;
        let mut later = Vec::new();
        let mut known_file = false;
        for (mi, l) in self.modules().iter().enumerate() {
            for ui in l.module.units_with_file(file) {
                let Some(lines) = l.module.lines(ui) else {
                    continue;
                };
                let files = lines.files_matching(file);
                if files.is_empty() {
                    continue;
                }
                known_file = true;
                for row in lines
                    .rows()
                    .filter(|r| r.is_stmt && files.contains(&r.file))
                {
                    let c = Candidate {
                        module: mi,
                        unit: ui,
                        row: *row,
                    };
                    if row.line == line {
                        exact.push(c);
                    } else if row.line > line {
                        if best.is_none_or(|b| row.line < b) {
                            best = Some(row.line);
                        }
                        later.push(c);
                    }
                }
            }
        }
        if !known_file {
            return Err(DebugInfoError::UnknownFile(file.display().to_string()));
        }
        let (found_line, cands) = if !exact.is_empty() {
            (line, exact)
        } else if let Some(b) = best {
            (b, later.into_iter().filter(|c| c.row.line == b).collect())
        } else {
            return Err(DebugInfoError::NoCodeAtLine {
                file: file.display().to_string(),
                line,
            });
        };
        let placed = self.place_candidates(cands);
        if placed.is_empty() {
            return Err(DebugInfoError::NoCodeAtLine {
                file: file.display().to_string(),
                line,
            });
        }
        Ok(LineBreakpoint {
            line: placed.first().map_or(found_line, |p| p.1),
            addresses: placed.into_iter().map(|p| p.0).collect(),
        })
    }

    /// Places candidates (one per block, past the prologue); returns runtime addresses
    /// and the line each location reports (the found line, or the line after the
    /// prologue where it moved).
    fn place_candidates(&self, mut cands: Vec<Candidate>) -> Vec<(u64, u32)> {
        cands.sort_by_key(|c| (c.module, c.unit, c.row.addr));
        let mut seen_blocks = Vec::new();
        let mut out = Vec::new();
        for c in cands {
            let l = &self.modules()[c.module];
            let Some(scopes) = l.module.scopes(c.unit) else {
                continue;
            };
            let chain = scopes.chain_at(c.row.addr);
            if let Some(&inner) = chain.first() {
                let key = (c.module, c.unit, inner);
                if seen_blocks.contains(&key) {
                    continue;
                }
                seen_blocks.push(key);
            }
            let mut addr = c.row.addr;
            let mut line = c.row.line;
            if let Some(&outer) = chain.last() {
                let f = &scopes.nodes[outer];
                if let Some(post) = post_prologue(&l.module, c.unit, f) {
                    if addr < post {
                        addr = post;
                        if let Some(rr) = l.module.lines(c.unit).and_then(|t| t.row_at(post)) {
                            line = rr.row.line;
                        }
                    }
                }
            }
            let rt = addr.wrapping_add(l.bias);
            if !out.iter().any(|(a, _)| *a == rt) {
                out.push((rt, line));
            }
        }
        out
    }

    /// Addresses for a breakpoint on function `name` like gdb's `break NAME`: after the
    /// prologue of each out-of-line copy, and at the entry of each inlined copy. `name`
    /// may be qualified (`ns::f`, `crate::module::f`) or not.
    pub fn function_breakpoint(&self, name: &str) -> Result<Vec<u64>, DebugInfoError> {
        let mut out = Vec::new();
        let mut push = |a: u64| {
            if !out.contains(&a) {
                out.push(a);
            }
        };
        for l in self.modules() {
            let m = &l.module;
            // DWARF names: every unit of small modules (the program), and the units of
            // matching symbols elsewhere (libc: `break raise` without indexing all of it).
            let mut units: Vec<usize> = Vec::new();
            let mut symbols = Vec::new();
            for s in m
                .symbols()
                .iter()
                .filter(|s| s.is_function && symbol_name_matches(&s.name, name))
            {
                symbols.push(s.addr);
                units.extend(m.unit_at(s.addr));
            }
            if let Some(dd) = m.dwarf() {
                if dd.units.len() <= 200 {
                    units.extend(0..dd.units.len());
                }
            }
            units.sort_unstable();
            units.dedup();
            let mut covered = Vec::new();
            for ui in units {
                let Some(scopes) = m.scopes(ui) else { continue };
                for (_, s) in scopes.functions() {
                    let by_name = s
                        .name
                        .as_deref()
                        .is_some_and(|n| qualified_matches(n, name));
                    // An alias symbol (`malloc` for `__libc_malloc`) names the function at its entry.
                    let by_symbol = s.kind == ScopeKind::Function
                        && s.entry().is_some_and(|e| symbols.contains(&e));
                    if !by_name && !by_symbol {
                        continue;
                    }
                    if let Some(e) = s.entry() {
                        covered.push(e);
                    }
                    let addr = match s.kind {
                        ScopeKind::Function => post_prologue(m, ui, s),
                        _ => s.entry(),
                    };
                    if let Some(a) = addr {
                        push(a.wrapping_add(l.bias));
                    }
                }
            }
            for a in symbols.into_iter().filter(|a| !covered.contains(a)) {
                push(post_prologue_symbol(m, a).wrapping_add(l.bias));
            }
        }
        if out.is_empty() {
            return Err(DebugInfoError::UnknownFunction(name.to_string()));
        }
        Ok(out)
    }
}

/// `ns::f` matches a query `f`, `ns::f`; `f<T>` matches `f` too.
fn qualified_matches(qualified: &str, query: &str) -> bool {
    let q = canonical_cpp(query.trim());
    let strip_generics = |s: &str| -> String {
        let mut depth = 0;
        s.chars()
            .filter(|c| {
                match c {
                    '<' => depth += 1,
                    '>' => depth -= 1,
                    _ => return depth == 0,
                }
                false
            })
            .collect()
    };
    let full = canonical_cpp(qualified);
    let bare = strip_generics(&full);
    for cand in [full, bare] {
        if cand == q || cand.ends_with(&format!("::{q}")) {
            return true;
        }
    }
    false
}

fn symbol_name_matches(raw: &str, query: &str) -> bool {
    if raw == query || raw.split('@').next() == Some(query) {
        return true;
    }
    if !raw.starts_with("_Z") && !raw.starts_with("_R") {
        return false;
    }
    qualified_matches(without_params(&demangle(raw)), query)
}

impl Program {
    /// Lines of `file` in `range` where a breakpoint stays on its own line (DAP
    /// `breakpointLocations`): statement lines whose [`Program::line_breakpoint`] does not
    /// move elsewhere.
    pub fn breakpoint_lines(&self, file: &Path, range: std::ops::RangeInclusive<u32>) -> Vec<u32> {
        let mut lines = std::collections::BTreeSet::new();
        for l in self.modules() {
            for ui in l.module.units_with_file(file) {
                let Some(table) = l.module.lines(ui) else {
                    continue;
                };
                let files = table.files_matching(file);
                lines.extend(
                    table
                        .rows()
                        .filter(|r| r.is_stmt && files.contains(&r.file) && range.contains(&r.line))
                        .map(|r| r.line),
                );
            }
        }
        lines
            .into_iter()
            .filter(|&n| self.line_breakpoint(file, n).is_ok_and(|b| b.line == n))
            .collect()
    }

    /// `name` or `name+offset` of the ELF symbol containing runtime address `addr`
    /// (demangled), as gdb shows addresses (`<main+4>`); for disassembly and pointers.
    pub fn symbolize(&self, addr: u64) -> Option<String> {
        self.symbol_at_address(addr)
    }
}
