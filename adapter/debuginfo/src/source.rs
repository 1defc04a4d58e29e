//! Address -> source location and function name.

use crate::functions::{Scope, ScopeKind};
use crate::module::Module;
use crate::program::Program;
use std::path::{Path, PathBuf};

/// A position in a source file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceLocation {
    /// Absolute path (made absolute with the unit's compilation directory).
    pub file: PathBuf,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
}

/// A reference to one scope node of one unit of one loaded module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScopeRef {
    /// Index into [`Program::modules`].
    pub module: usize,
    /// Unit index.
    pub unit: usize,
    /// Node index in the unit's scope tree.
    pub node: usize,
}

impl Program {
    /// The source line of runtime address `addr`.
    pub fn location_at(&self, addr: u64) -> Option<SourceLocation> {
        let (module, bias) = self.module_at(addr)?;
        location_in(module, addr.wrapping_sub(bias))
    }

    /// The scopes containing runtime address `addr`, innermost first.
    pub fn scopes_at(&self, addr: u64) -> Vec<ScopeRef> {
        let Some(mi) = self.module_index_at(addr) else {
            return Vec::new();
        };
        let l = &self.modules()[mi];
        let link = addr.wrapping_sub(l.bias);
        let Some(ui) = l.module.unit_at(link) else {
            return Vec::new();
        };
        let Some(scopes) = l.module.scopes(ui) else {
            return Vec::new();
        };
        scopes
            .chain_at(link)
            .into_iter()
            .map(|node| ScopeRef {
                module: mi,
                unit: ui,
                node,
            })
            .collect()
    }

    /// The scope node `r` refers to.
    pub fn scope(&self, r: ScopeRef) -> Option<&Scope> {
        let m = &self.modules().get(r.module)?.module;
        m.scopes(r.unit)?.nodes.get(r.node)
    }

    /// The name of the innermost function (inlined or not) at `addr`, from DWARF or,
    /// failing that, the symbol table (demangled).
    pub fn function_name_at(&self, addr: u64) -> Option<String> {
        for r in self.scopes_at(addr) {
            let s = self.scope(r)?;
            if s.kind != ScopeKind::Block {
                if let Some(n) = &s.name {
                    return Some(n.clone());
                }
            }
        }
        let (module, bias) = self.module_at(addr)?;
        let sym = module.symbol_at(addr.wrapping_sub(bias))?;
        Some(crate::demangle::without_params(&crate::demangle::demangle(&sym.name)).to_string())
    }
}

/// The line table location of link-time `addr` in `module`.
pub fn location_in(module: &Module, addr: u64) -> Option<SourceLocation> {
    let dd = module.dwarf()?;
    for ui in dd.units_at(addr) {
        let lines = module.lines(ui)?;
        if let Some(rr) = lines.row_at(addr) {
            if rr.row.line == 0 {
                continue;
            }
            return Some(SourceLocation {
                file: lines.file(rr.row.file)?.to_path_buf(),
                line: rr.row.line,
                column: rr.row.column,
            });
        }
    }
    None
}

/// The line-table row around an address (for line stepping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRange {
    /// First runtime address of the row.
    pub start: u64,
    /// One past its last address (start of the next row with a greater address).
    pub end: u64,
    /// Its source position (line 0: compiler-generated code without a line).
    pub location: SourceLocation,
    /// Whether the row is a statement start (a place a line step may stop).
    pub is_stmt: bool,
}

/// A function (out-of-line or inlined copy) around an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionInfo {
    /// Qualified, demangled name.
    pub name: Option<String>,
    /// Runtime entry address.
    pub entry: u64,
    /// Runtime address ranges.
    pub ranges: Vec<(u64, u64)>,
    /// Whether it is an inlined copy.
    pub inlined: bool,
}

impl Program {
    /// The line-table row containing runtime address `addr`, in runtime addresses.
    pub fn line_range_at(&self, addr: u64) -> Option<LineRange> {
        let (module, bias) = self.module_at(addr)?;
        let link = addr.wrapping_sub(bias);
        let dd = module.dwarf()?;
        for ui in dd.units_at(link) {
            let lines = module.lines(ui)?;
            if let Some(rr) = lines.row_at(link) {
                return Some(LineRange {
                    start: rr.row.addr.wrapping_add(bias),
                    end: rr.end.wrapping_add(bias),
                    location: SourceLocation {
                        file: lines
                            .file(rr.row.file)
                            .map(Path::to_path_buf)
                            .unwrap_or_default(),
                        line: rr.row.line,
                        column: rr.row.column,
                    },
                    is_stmt: rr.row.is_stmt,
                });
            }
        }
        None
    }

    /// Runtime addresses in `[start, end)` where a statement row of the line
    /// table begins (line stepping plants temporary breakpoints there).
    pub fn statement_starts(&self, start: u64, end: u64) -> Vec<u64> {
        let Some((module, bias)) = self.module_at(start) else {
            return Vec::new();
        };
        let Some(dd) = module.dwarf() else {
            return Vec::new();
        };
        let (link_start, link_end) = (start.wrapping_sub(bias), end.wrapping_sub(bias));
        let mut out = Vec::new();
        for ui in dd.units_at(link_start) {
            let Some(lines) = module.lines(ui) else {
                continue;
            };
            for seq in &lines.sequences {
                if seq.end <= link_start || seq.start >= link_end {
                    continue;
                }
                out.extend(
                    seq.rows
                        .iter()
                        .filter(|r| r.is_stmt && r.line != 0)
                        .filter(|r| (link_start..link_end).contains(&r.addr))
                        .map(|r| r.addr.wrapping_add(bias)),
                );
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Absolute paths of the source files of every loaded module that are on disk.
    pub fn source_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self
            .modules()
            .iter()
            .flat_map(|l| l.module.source_files())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        files.dedup();
        files
    }

    /// The innermost function (an inlined copy if `addr` is in one) containing `addr`.
    pub fn function_at(&self, addr: u64) -> Option<FunctionInfo> {
        let bias = self.module_at(addr)?.1;
        let s = self
            .scopes_at(addr)
            .into_iter()
            .filter_map(|r| self.scope(r))
            .find(|s| s.kind != ScopeKind::Block)?;
        Some(FunctionInfo {
            name: s.name.clone(),
            entry: s.entry()?.wrapping_add(bias),
            ranges: s
                .ranges
                .iter()
                .map(|(b, e)| (b.wrapping_add(bias), e.wrapping_add(bias)))
                .collect(),
            inlined: s.kind == ScopeKind::Inlined,
        })
    }
}
