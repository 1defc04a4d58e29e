//! Breakpoint addresses for source lines and function names, chosen as gdb chooses them.

use crate::demangle::{demangle, without_params};
use crate::error::DebugInfoError;
use crate::functions::ScopeKind;
use crate::lines::Row;
use crate::program::Program;
use crate::prologue::{post_prologue, post_prologue_symbol};
use std::path::Path;

/// Where a line breakpoint goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineBreakpoint {
    /// The line that has code (the requested one, or the next line with code).
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
    pub fn line_breakpoint(&self, file: &Path, line: u32) -> Result<LineBreakpoint, DebugInfoError> {
        let mut exact = Vec::new();
        let mut best: Option<u32> = None;
        let mut later = Vec::new();
        let mut known_file = false;
        for (mi, l) in self.modules().iter().enumerate() {
            for ui in l.module.units_with_file(file) {
                let Some(lines) = l.module.lines(ui) else { continue };
                let files = lines.files_matching(file);
                if files.is_empty() {
                    continue;
                }
                known_file = true;
                for row in lines.rows().filter(|r| r.is_stmt && files.contains(&r.file)) {
                    let c = Candidate { module: mi, unit: ui, row: *row };
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
        let (found_line, cands, was_exact) = if !exact.is_empty() {
            (line, exact, true)
        } else if let Some(b) = best {
            (b, later.into_iter().filter(|c| c.row.line == b).collect(), false)
        } else {
            return Err(DebugInfoError::NoCodeAtLine {
                file: file.display().to_string(),
                line,
            });
        };
        let addresses = self.place_candidates(cands, line, was_exact);
        if addresses.is_empty() {
            return Err(DebugInfoError::NoCodeAtLine {
                file: file.display().to_string(),
                line,
            });
        }
        Ok(LineBreakpoint { line: found_line, addresses })
    }

    fn place_candidates(&self, mut cands: Vec<Candidate>, requested: u32, was_exact: bool) -> Vec<u64> {
        cands.sort_by_key(|c| (c.module, c.unit, c.row.addr));
        let mut seen_blocks = Vec::new();
        let mut out = Vec::new();
        for c in cands {
            let l = &self.modules()[c.module];
            let Some(scopes) = l.module.scopes(c.unit) else { continue };
            let chain = scopes.chain_at(c.row.addr);
            if let Some(&inner) = chain.first() {
                let key = (c.module, c.unit, inner);
                if seen_blocks.contains(&key) {
                    continue;
                }
                seen_blocks.push(key);
            }
            let mut addr = c.row.addr;
            if let Some(&outer) = chain.last() {
                let f = &scopes.nodes[outer];
                if !was_exact && f.decl_line != 0 && requested < f.decl_line {
                    continue;
                }
                if let Some(post) = post_prologue(&l.module, c.unit, f) {
                    if addr < post {
                        addr = post;
                    }
                }
            }
            let rt = addr.wrapping_add(l.bias);
            if !out.contains(&rt) {
                out.push(rt);
            }
        }
        out
    }

    /// Addresses for a breakpoint on function `name` like gdb's `break NAME`: after the
    /// prologue of each out-of-line copy, and at the entry of each inlined copy. `name`
    /// may be qualified (`ns::f`, `crate::module::f`) or not.
    pub fn function_breakpoint(&self, name: &str) -> Result<Vec<u64>, DebugInfoError> {
        let mut out = Vec::new();
        for l in self.modules() {
            let m = &l.module;
            let mut units: Vec<usize> = Vec::new();
            let mut symbol_only = Vec::new();
            for s in m.symbols().iter().filter(|s| s.is_function && symbol_name_matches(&s.name, name)) {
                match m.unit_at(s.addr) {
                    Some(ui) => units.push(ui),
                    None => symbol_only.push(s.addr),
                }
            }
            if let Some(dd) = m.dwarf() {
                if dd.units.len() <= 200 {
                    units.extend(0..dd.units.len());
                }
            }
            units.sort_unstable();
            units.dedup();
            for ui in units {
                let Some(scopes) = m.scopes(ui) else { continue };
                for (_, s) in scopes.functions() {
                    if !s.name.as_deref().is_some_and(|n| qualified_matches(n, name)) {
                        continue;
                    }
                    let addr = match s.kind {
                        ScopeKind::Function => post_prologue(m, ui, s),
                        _ => s.entry(),
                    };
                    if let Some(a) = addr {
                        let rt = a.wrapping_add(l.bias);
                        if !out.contains(&rt) {
                            out.push(rt);
                        }
                    }
                }
            }
            for a in symbol_only {
                let rt = post_prologue_symbol(m, a).wrapping_add(l.bias);
                if !out.contains(&rt) {
                    out.push(rt);
                }
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
    let q = query.trim();
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
    for cand in [qualified.to_string(), strip_generics(qualified)] {
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
