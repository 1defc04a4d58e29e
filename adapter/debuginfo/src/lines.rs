//! Line tables: per unit, built lazily from `.debug_line`, with absolute file paths.

use crate::dwarf::{DwarfData, R};
use crate::paths::{join_normalized, path_matches};
use std::path::{Path, PathBuf};

/// One row of a line table (link-time address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// First address of the row.
    pub addr: u64,
    /// Index into [`LineTable::files`].
    pub file: u32,
    /// 1-based line (0: no line, compiler-generated code).
    pub line: u32,
    /// 1-based column (0: unknown).
    pub column: u32,
    /// Whether the row is a recommended breakpoint location.
    pub is_stmt: bool,
    /// The compiler marks this row as the end of the function's prologue.
    pub prologue_end: bool,
}

/// A contiguous run of code described by rows in address order.
#[derive(Debug, Clone)]
pub struct Sequence {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// Rows, sorted by address.
    pub rows: Vec<Row>,
}

/// The line table of one unit.
#[derive(Debug, Clone, Default)]
pub struct LineTable {
    /// Absolute file paths, indexed by [`Row::file`].
    pub files: Vec<PathBuf>,
    /// Sequences sorted by start address.
    pub sequences: Vec<Sequence>,
}

/// The row covering an address and the end of its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowRange {
    /// The row.
    pub row: Row,
    /// The address of the next row with a greater address (end of this row's range).
    pub end: u64,
}

impl LineTable {
    /// Builds the table of unit `ui`; malformed programs give a partial or empty table.
    pub fn build(dd: &DwarfData, ui: usize) -> LineTable {
        let mut table = LineTable::default();
        if let Err(e) = Self::fill(dd, ui, &mut table) {
            tracing::warn!(file = %dd.path().display(), unit = ui, error = %e, "malformed line program");
        }
        table
            .sequences
            .retain(|s| s.start < s.end && s.start != 0 && !s.rows.is_empty());
        table.sequences.sort_by_key(|s| s.start);
        table
    }

    fn fill(dd: &DwarfData, ui: usize, table: &mut LineTable) -> gimli::Result<()> {
        let ud = &dd.units[ui];
        let uref = dd.unit_ref(ui);
        let Some(program) = ud.unit.line_program.clone() else {
            return Ok(());
        };
        let header = program.header().clone();
        let comp_dir = ud.comp_dir.as_deref();
        // Raw file indexes are 0-based in DWARF 5 and 1-based before: index them raw.
        let nfiles = header.file_names().len() as u64 + 1;
        let mut raw_to_file = Vec::with_capacity(nfiles as usize);
        for raw in 0..nfiles {
            let path = header
                .file(raw)
                .and_then(|f| file_entry_path(&uref, &header, comp_dir, f));
            raw_to_file.push(path.map(|p| intern(&mut table.files, p)));
        }
        let mut rows = program.rows();
        let mut current: Vec<Row> = Vec::new();
        let mut seq_start: Option<u64> = None;
        let mut filter = GdbLineFilter::default();
        while let Some((_, row)) = rows.next_row()? {
            if row.end_sequence() {
                if let Some(start) = seq_start.take() {
                    let mut seq_rows = std::mem::take(&mut current);
                    seq_rows.sort_by_key(|r| r.addr);
                    table.sequences.push(Sequence {
                        start,
                        end: row.address(),
                        rows: seq_rows,
                    });
                }
                current.clear();
                filter = GdbLineFilter::default();
                continue;
            }
            seq_start.get_or_insert(row.address());
            let file = raw_to_file
                .get(row.file_index() as usize)
                .copied()
                .flatten()
                .unwrap_or(u32::MAX);
            let r = Row {
                addr: row.address(),
                file,
                line: row
                    .line()
                    .map_or(0, |l| l.get().min(u32::MAX as u64) as u32),
                column: match row.column() {
                    gimli::ColumnType::LeftEdge => 0,
                    gimli::ColumnType::Column(c) => c.get().min(u32::MAX as u64) as u32,
                },
                is_stmt: row.is_stmt(),
                prologue_end: row.prologue_end(),
            };
            if filter.keep(&r, row.discriminator()) {
                current.push(r);
            }
        }
        Ok(())
    }

    /// The path of file index `file`.
    pub fn file(&self, file: u32) -> Option<&Path> {
        self.files.get(file as usize).map(PathBuf::as_path)
    }

    /// Indexes of the files that `query` names.
    pub fn files_matching(&self, query: &Path) -> Vec<u32> {
        self.files
            .iter()
            .enumerate()
            .filter(|(_, f)| path_matches(f, query))
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// The sequence containing `addr`.
    pub fn sequence_at(&self, addr: u64) -> Option<&Sequence> {
        let i = self.sequences.partition_point(|s| s.start <= addr);
        let s = self.sequences.get(i.checked_sub(1)?)?;
        (addr < s.end).then_some(s)
    }

    /// The row for `addr` like gdb's `find_pc_line`: the last row at or below `addr`
    /// (a statement row preferred among rows at the same address), ending at the next
    /// greater address.
    pub fn row_at(&self, addr: u64) -> Option<RowRange> {
        let seq = self.sequence_at(addr)?;
        let i = seq.rows.partition_point(|r| r.addr <= addr);
        let last = i.checked_sub(1)?;
        let at = seq.rows[last].addr;
        let same: Vec<&Row> = seq.rows[..i]
            .iter()
            .rev()
            .take_while(|r| r.addr == at)
            .collect();
        let row = same.iter().find(|r| r.is_stmt).copied().unwrap_or(same[0]);
        let end = seq.rows[i..]
            .iter()
            .map(|r| r.addr)
            .find(|a| *a > at)
            .unwrap_or(seq.end);
        Some(RowRange { row: *row, end })
    }

    /// All rows, with their sequence.
    pub fn rows(&self) -> impl Iterator<Item = &Row> {
        self.sequences.iter().flat_map(|s| s.rows.iter())
    }
}

/// Which rows gdb's DWARF reader records (dwarf2/read.c `lnp_state_machine`): a row
/// repeating the last recorded file and line is dropped when that line carried a
/// non-zero discriminator (gcc's loop discriminators), and a non-statement row that only
/// switches file at the same address is ignored, as are rows for line 0.
#[derive(Default)]
struct GdbLineFilter {
    state_line: Option<u32>,
    has_discriminator: bool,
    last: Option<(u32, u32, u64)>,
}

impl GdbLineFilter {
    fn keep(&mut self, r: &Row, discriminator: u64) -> bool {
        if self.state_line != Some(r.line) {
            self.has_discriminator = discriminator != 0;
        } else {
            self.has_discriminator |= discriminator != 0;
        }
        self.state_line = Some(r.line);
        if r.line == 0 {
            // gdb does not record line 0: the previous row's line extends over it.
            return false;
        }
        let file_changed = self.last.is_some_and(|(f, _, _)| f != r.file);
        if file_changed && !r.is_stmt && self.last.is_some_and(|(_, _, a)| a == r.addr) {
            return false;
        }
        let repeat = self
            .last
            .is_some_and(|(f, l, _)| f == r.file && l == r.line);
        self.last = Some((r.file, r.line, r.addr));
        !(repeat && self.has_discriminator)
    }
}

fn intern(files: &mut Vec<PathBuf>, p: PathBuf) -> u32 {
    if let Some(i) = files.iter().position(|f| *f == p) {
        return i as u32;
    }
    files.push(p);
    (files.len() - 1) as u32
}

/// Reads a unit's file table entry `raw` (as in DW_AT_decl_file / DW_AT_call_file) as a path.
pub fn unit_file(dd: &DwarfData, ui: usize, raw: u64) -> Option<PathBuf> {
    let ud = &dd.units[ui];
    let uref = dd.unit_ref(ui);
    let program = ud.unit.line_program.as_ref()?;
    let header = program.header();
    file_entry_path(&uref, header, ud.comp_dir.as_deref(), header.file(raw)?)
}

/// The path of a line-table file entry: its name joined onto its directory,
/// itself joined onto the compilation directory. In DWARF 5, directory 0
/// *is* the compilation directory: joining it onto DW_AT_comp_dir again
/// doubles a relative one (glibc's "./stdio-common" became
/// "stdio-common/stdio-common", "elf/rtld.c" "elf/elf/rtld.c").
fn file_entry_path(
    uref: &gimli::UnitRef<'_, R>,
    header: &gimli::LineProgramHeader<R>,
    comp_dir: Option<&std::path::Path>,
    f: &gimli::FileEntry<R>,
) -> Option<PathBuf> {
    let name = uref.attr_string(f.path_name()).ok()?;
    let name = PathBuf::from(crate::dwarf::lossy(&name));
    let dir = f
        .directory(header)
        .and_then(|d| uref.attr_string(d).ok())
        .map(|d: R| PathBuf::from(crate::dwarf::lossy(&d)));
    let is_comp_dir = header.version() >= 5 && f.directory_index() == 0;
    let dir = dir.map(|d| {
        if is_comp_dir {
            d
        } else {
            join_normalized(comp_dir, &d)
        }
    });
    Some(join_normalized(dir.as_deref().or(comp_dir), &name))
}
