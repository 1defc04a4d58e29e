//! A module's DWARF: sections, compilation units and an address index of the units.

use crate::elf::ElfFile;
use crate::error::DebugInfoError;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The gimli reader used throughout (x86-64 is little-endian).
pub type R = gimli::EndianArcSlice<gimli::LittleEndian>;

/// The bytes of a reader as a string (invalid UTF-8 replaced).
pub fn lossy(r: &R) -> String {
    String::from_utf8_lossy(r.bytes()).into_owned()
}

/// Makes a reader over owned section bytes.
pub fn reader(data: Arc<[u8]>) -> R {
    gimli::EndianArcSlice::new(data, gimli::LittleEndian)
}

/// One compilation unit. Its line table and scope tree are built on first use and
/// kept by the [`crate::Module`] that owns this DWARF.
pub struct UnitData {
    /// The parsed unit header and abbreviations.
    pub unit: gimli::Unit<R>,
    /// Address ranges covered (link-time addresses).
    pub ranges: Vec<gimli::Range>,
    /// DW_AT_comp_dir.
    pub comp_dir: Option<PathBuf>,
    /// DW_AT_producer (compiler and flags).
    pub producer: Option<String>,
    /// DW_AT_language.
    pub language: Option<gimli::DwLang>,
    pub(crate) locations_valid: OnceLock<bool>,
}

impl UnitData {
    /// Whether the unit is Rust.
    pub fn is_rust(&self) -> bool {
        self.language == Some(gimli::DW_LANG_Rust)
    }
}

/// All DWARF of one module.
pub struct DwarfData {
    /// The sections.
    pub dwarf: gimli::Dwarf<R>,
    /// The compilation units, in section order.
    pub units: Vec<UnitData>,
    addr_index: Vec<(u64, u64, usize)>,
    path: PathBuf,
}

impl std::fmt::Debug for DwarfData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DwarfData")
            .field("path", &self.path)
            .field("units", &self.units.len())
            .finish()
    }
}

impl DwarfData {
    /// Loads (decompressing) the DWARF sections of `elf` and indexes its units.
    pub fn load(elf: &ElfFile) -> Result<Self, DebugInfoError> {
        let path = elf.path().to_path_buf();
        let mut dwarf = gimli::Dwarf::load(|id| -> Result<R, DebugInfoError> {
            Ok(reader(elf.section_data(id.name())?))
        })?;
        dwarf.populate_abbreviations_cache(gimli::AbbreviationsCacheStrategy::Duplicates);
        let mut units = Vec::new();
        let mut headers = dwarf.units();
        loop {
            let header = match headers.next() {
                Ok(Some(h)) => h,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "stopping at malformed unit header");
                    break;
                }
            };
            match Self::unit_data(&dwarf, header) {
                Ok(Some(u)) => units.push(u),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "skipping malformed unit")
                }
            }
        }
        let mut addr_index: Vec<(u64, u64, usize)> = units
            .iter()
            .enumerate()
            .flat_map(|(i, u)| u.ranges.iter().map(move |r| (r.begin, r.end, i)))
            .filter(|(b, e, _)| b < e && *b != 0)
            .collect();
        addr_index.sort_unstable();
        tracing::debug!(file = %path.display(), units = units.len(), "loaded DWARF");
        Ok(DwarfData {
            dwarf,
            units,
            addr_index,
            path,
        })
    }

    fn unit_data(
        dwarf: &gimli::Dwarf<R>,
        header: gimli::UnitHeader<R>,
    ) -> gimli::Result<Option<UnitData>> {
        if !matches!(
            header.type_(),
            gimli::UnitType::Compilation | gimli::UnitType::Skeleton(_)
        ) {
            return Ok(None);
        }
        let unit = dwarf.unit(header)?;
        let uref = unit.unit_ref(dwarf);
        let mut ranges = Vec::new();
        let mut iter = uref.unit_ranges()?;
        while let Some(r) = iter.next()? {
            ranges.push(r);
        }
        let mut entries = unit.entries();
        let mut language = None;
        let mut producer = None;
        if let Some((_, root)) = entries.next_dfs()? {
            if let Some(gimli::AttributeValue::Language(l)) =
                root.attr_value(gimli::DW_AT_language)?
            {
                language = Some(l);
            }
            if let Some(v) = root.attr_value(gimli::DW_AT_producer)? {
                producer = uref.attr_string(v).ok().map(|s| lossy(&s));
            }
        }
        let comp_dir = unit
            .comp_dir
            .as_ref()
            .map(|s| PathBuf::from(String::from_utf8_lossy(s).into_owned()));
        Ok(Some(UnitData {
            unit,
            ranges,
            comp_dir,
            producer,
            language,
            locations_valid: OnceLock::new(),
        }))
    }

    /// The module file this DWARF came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Indexes of the units whose ranges contain link-time address `addr`.
    pub fn units_at(&self, addr: u64) -> Vec<usize> {
        let end = self.addr_index.partition_point(|(b, _, _)| *b <= addr);
        let mut out: Vec<usize> = self.addr_index[..end]
            .iter()
            .filter(|(_, e, _)| addr < *e)
            .map(|(_, _, i)| *i)
            .collect();
        out.dedup();
        out
    }

    /// The unit that contains section offset `off` of `.debug_info`.
    pub fn unit_containing(&self, off: gimli::DebugInfoOffset) -> Option<usize> {
        let idx = self
            .units
            .partition_point(|u| match u.unit.header.offset() {
                gimli::UnitSectionOffset::DebugInfoOffset(o) => o.0 <= off.0,
                gimli::UnitSectionOffset::DebugTypesOffset(_) => true,
            });
        idx.checked_sub(1)
    }

    /// A borrowed view of unit `i` with its sections.
    pub fn unit_ref(&self, i: usize) -> gimli::UnitRef<'_, R> {
        self.units[i].unit.unit_ref(&self.dwarf)
    }
}

impl From<gimli::Error> for DebugInfoError {
    fn from(source: gimli::Error) -> Self {
        DebugInfoError::Dwarf {
            path: PathBuf::new(),
            source,
        }
    }
}
