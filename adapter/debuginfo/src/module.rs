//! A module: one ELF file (executable or shared library) with its separate debug file,
//! symbols, DWARF and CFI, all loaded on first use and then cached. Addresses here are
//! link-time addresses; the load bias is applied by [`crate::Program`].

use crate::cfi::Cfi;
use crate::debugfile::find_debug_file;
use crate::dwarf::DwarfData;
use crate::elf::{ElfFile, Segment, Symbol};
use crate::error::DebugInfoError;
use crate::functions::Scopes;
use crate::lines::LineTable;
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One loaded ELF file and its debug information.
pub struct Module {
    elf: ElfFile,
    debug: Option<ElfFile>,
    symbols: OnceLock<Vec<Symbol>>,
    /// The DWARF with the tables built from each of its units, in unit order.
    dwarf: OnceLock<Option<(DwarfData, Vec<UnitTables>)>>,
    cfi: OnceLock<Cfi>,
    files: OnceLock<HashMap<OsString, Vec<(PathBuf, usize)>>>,
}

/// The tables of one unit, each built from its DWARF on first use.
#[derive(Default)]
struct UnitTables {
    lines: OnceLock<LineTable>,
    scopes: OnceLock<Scopes>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("path", &self.elf.path())
            .field("debug", &self.debug.as_ref().map(ElfFile::path))
            .finish()
    }
}

impl Module {
    /// Opens `path` and finds its separate debug file under `debug_dir` (only headers are
    /// read now; DWARF, symbols and CFI load on first use).
    pub fn open(path: &Path, debug_dir: &Path) -> Result<Module, DebugInfoError> {
        let elf = ElfFile::open(path)?;
        let debug = if elf.has_dwarf() {
            None
        } else {
            find_debug_file(&elf, debug_dir)
        };
        Ok(Module {
            elf,
            debug,
            symbols: OnceLock::new(),
            dwarf: OnceLock::new(),
            cfi: OnceLock::new(),
            files: OnceLock::new(),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        self.elf.path()
    }

    /// Whether DWARF is available (loads it on first call).
    pub fn has_debug_info(&self) -> bool {
        self.dwarf().is_some()
    }

    /// Whether the module (or its separate debug file) has DWARF sections,
    /// without loading them.
    pub fn has_debug_sections(&self) -> bool {
        self.dwarf_file().has_dwarf()
    }

    /// The separate debug file, if one was found.
    pub fn debug_path(&self) -> Option<PathBuf> {
        self.debug.as_ref().map(|d| d.path().to_path_buf())
    }

    /// The PT_LOAD segments.
    pub(crate) fn segments(&self) -> &[Segment] {
        self.elf.segments()
    }

    /// The main file (code and CFI live here).
    pub(crate) fn elf(&self) -> &ElfFile {
        &self.elf
    }

    /// The file holding the DWARF (the debug file, else the main file).
    fn dwarf_file(&self) -> &ElfFile {
        self.debug.as_ref().unwrap_or(&self.elf)
    }

    /// The DWARF, loaded on first call; `None` where the module has none or it is unusable.
    pub(crate) fn dwarf(&self) -> Option<&DwarfData> {
        self.dwarf_and_tables().map(|(dd, _)| dd)
    }

    /// The DWARF and the tables of its units, loaded on first call.
    fn dwarf_and_tables(&self) -> Option<(&DwarfData, &[UnitTables])> {
        self.dwarf
            .get_or_init(|| {
                let file = self.dwarf_file();
                if !file.has_dwarf() {
                    return None;
                }
                match DwarfData::load(file) {
                    Ok(d) => {
                        let tables = d.units.iter().map(|_| UnitTables::default()).collect();
                        Some((d, tables))
                    }
                    Err(e) => {
                        tracing::warn!(file = %file.path().display(), error = %e, "cannot load DWARF");
                        None
                    }
                }
            })
            .as_ref()
            .map(|(dd, tables)| (dd, tables.as_slice()))
    }

    /// The line table of unit `ui`.
    pub(crate) fn lines(&self, ui: usize) -> Option<&LineTable> {
        let (dd, tables) = self.dwarf_and_tables()?;
        let u = tables.get(ui)?;
        Some(u.lines.get_or_init(|| LineTable::build(dd, ui)))
    }

    /// The scope tree of unit `ui`.
    pub(crate) fn scopes(&self, ui: usize) -> Option<&Scopes> {
        let (dd, tables) = self.dwarf_and_tables()?;
        let u = tables.get(ui)?;
        Some(u.scopes.get_or_init(|| Scopes::build(dd, ui)))
    }

    /// Symbols of the main and the debug file, sorted by address.
    pub(crate) fn symbols(&self) -> &[Symbol] {
        self.symbols.get_or_init(|| {
            let mut s = self.elf.symbols();
            if let Some(d) = &self.debug {
                s.extend(d.symbols());
                s.sort_by(|a, b| (a.addr, &a.name).cmp(&(b.addr, &b.name)));
                s.dedup_by(|a, b| a.addr == b.addr && a.name == b.name);
            }
            s
        })
    }

    /// The function symbol containing `addr`.
    pub(crate) fn symbol_at(&self, addr: u64) -> Option<&Symbol> {
        let syms = self.symbols();
        let i = syms.partition_point(|s| s.addr <= addr);
        syms[..i]
            .iter()
            .rev()
            .filter(|s| s.is_function)
            .take(4)
            .find(|s| addr < s.addr + s.size.max(1))
    }

    /// Call frame information (.eh_frame of the main file, .debug_frame of either).
    pub(crate) fn cfi(&self) -> &Cfi {
        self.cfi
            .get_or_init(|| Cfi::load(&self.elf, self.debug.as_ref()))
    }

    /// The unit index and line table row for `addr`.
    pub(crate) fn unit_at(&self, addr: u64) -> Option<usize> {
        let dd = self.dwarf()?;
        let units = dd.units_at(addr);
        units
            .iter()
            .copied()
            .find(|&ui| {
                self.scopes(ui)
                    .is_some_and(|s| !s.chain_at(addr).is_empty())
            })
            .or_else(|| units.first().copied())
    }

    /// Every file named by a line table, by file name, with its units.
    fn file_index(&self) -> &HashMap<OsString, Vec<(PathBuf, usize)>> {
        self.files.get_or_init(|| {
            let mut by_name: HashMap<OsString, Vec<(PathBuf, usize)>> = HashMap::new();
            let Some(dd) = self.dwarf() else {
                return by_name;
            };
            for (ui, u) in dd.units.iter().enumerate() {
                let n = u
                    .unit
                    .line_program
                    .as_ref()
                    .map_or(0, |p| p.header().file_names().len() as u64);
                for raw in 0..=n {
                    if let Some(p) = crate::lines::unit_file(dd, ui, raw) {
                        let name = p.file_name().map(OsString::from).unwrap_or_default();
                        by_name.entry(name).or_default().push((p, ui));
                    }
                }
            }
            for v in by_name.values_mut() {
                v.sort();
                v.dedup();
            }
            by_name
        })
    }

    /// The absolute paths of every source file the line tables name.
    pub fn source_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self
            .file_index()
            .values()
            .flatten()
            .map(|(p, _)| p.clone())
            .collect();
        files.sort();
        files.dedup();
        files
    }

    /// Units whose line tables name a file that `query` matches (see
    /// [`crate::paths::path_matches`]); reads only line program headers.
    pub(crate) fn units_with_file(&self, query: &Path) -> Vec<usize> {
        let files = self.file_index();
        let Some(candidates) = query.file_name().and_then(|n| files.get(n)) else {
            return Vec::new();
        };
        let mut units: Vec<usize> = candidates
            .iter()
            .filter(|(p, _)| crate::paths::path_matches(p, query))
            .map(|(_, ui)| *ui)
            .collect();
        units.sort_unstable();
        units.dedup();
        units
    }
}
