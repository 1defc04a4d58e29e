//! One ELF file on disk: memory-mapped, parsed on demand with `object`.

use crate::error::DebugInfoError;
use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol, SectionKind, SymbolKind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A PT_LOAD segment in file coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Link-time virtual address.
    pub vaddr: u64,
    /// Size in memory.
    pub memsz: u64,
    /// Offset in the file.
    pub offset: u64,
    /// Size in the file.
    pub filesz: u64,
}

/// An ELF symbol (function or object) at its link-time address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Raw (mangled) name.
    pub name: String,
    /// Link-time address.
    pub addr: u64,
    /// Size in bytes (0 when unknown).
    pub size: u64,
    /// Whether it is a function (else data).
    pub is_function: bool,
}

/// A memory-mapped ELF file.
pub struct ElfFile {
    path: PathBuf,
    map: memmap2::Mmap,
    segments: Vec<Segment>,
    tls: Option<(u64, u64)>,
    executable: bool,
}

impl std::fmt::Debug for ElfFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ElfFile").field("path", &self.path).finish()
    }
}

impl ElfFile {
    /// Maps and validates `path`.
    pub fn open(path: &Path) -> Result<Self, DebugInfoError> {
        let io = |source| DebugInfoError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        // SAFETY: the mapping is read-only and private; debuggee files are not expected to
        // be truncated while debugged (rewind copies mapped files into its traces), and a
        // concurrent change can at worst give wrong bytes, which every parser tolerates.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        let mut elf = ElfFile {
            path: path.to_path_buf(),
            map,
            segments: Vec::new(),
            tls: None,
            executable: false,
        };
        elf.segments = elf.read_segments()?;
        elf.read_program_headers();
        Ok(elf)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn object(&self) -> Result<object::File<'_>, DebugInfoError> {
        let file = object::File::parse(&*self.map).map_err(|e| self.err(e))?;
        if file.architecture() != object::Architecture::X86_64
            || file.format() != object::BinaryFormat::Elf
        {
            return Err(DebugInfoError::Elf {
                path: self.path.clone(),
                message: "not an x86-64 ELF file".into(),
            });
        }
        Ok(file)
    }

    fn err(&self, e: impl std::fmt::Display) -> DebugInfoError {
        DebugInfoError::Elf {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// The GNU build-id note.
    pub fn build_id(&self) -> Option<Vec<u8>> {
        let obj = self.object().ok()?;
        obj.build_id().ok().flatten().map(<[u8]>::to_vec)
    }

    /// The `.gnu_debuglink` file name and CRC.
    pub fn debuglink(&self) -> Option<(String, u32)> {
        let obj = self.object().ok()?;
        let (name, crc) = obj.gnu_debuglink().ok().flatten()?;
        Some((String::from_utf8_lossy(name).into_owned(), crc))
    }

    /// The PT_LOAD segments.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    fn read_segments(&self) -> Result<Vec<Segment>, DebugInfoError> {
        let obj = self.object()?;
        Ok(obj
            .segments()
            .map(|s| {
                let (offset, filesz) = s.file_range();
                Segment {
                    vaddr: s.address(),
                    memsz: s.size(),
                    offset,
                    filesz,
                }
            })
            .collect())
    }

    fn read_program_headers(&mut self) {
        use object::read::elf::ProgramHeader;
        let Ok(file) = object::read::elf::ElfFile64::<object::LittleEndian>::parse(&*self.map)
        else {
            return;
        };
        let e = file.endian();
        self.executable = file.elf_header().e_type.get(e) == object::elf::ET_EXEC;
        for ph in file.elf_program_headers() {
            match ph.p_type(e) {
                object::elf::PT_INTERP => self.executable = true,
                object::elf::PT_TLS => self.tls = Some((ph.p_memsz(e), ph.p_align(e).max(1))),
                _ => {}
            }
        }
    }

    /// The PT_TLS segment's size and alignment.
    pub fn tls_segment(&self) -> Option<(u64, u64)> {
        self.tls
    }

    /// Whether this is a program (ET_EXEC, or PIE with an interpreter), not a library.
    pub fn is_executable(&self) -> bool {
        self.executable
    }

    /// Function and data symbols from `.symtab` and `.dynsym`, sorted by address.
    pub fn symbols(&self) -> Vec<Symbol> {
        let Ok(obj) = self.object() else {
            return Vec::new();
        };
        let mut out: Vec<Symbol> = obj
            .symbols()
            .chain(obj.dynamic_symbols())
            .filter(|s| s.is_definition() && s.address() != 0)
            .filter(|s| {
                matches!(
                    s.kind(),
                    SymbolKind::Text | SymbolKind::Data | SymbolKind::Tls
                )
            })
            .filter_map(|s| {
                Some(Symbol {
                    name: s.name().ok()?.to_string(),
                    addr: s.address(),
                    size: s.size(),
                    is_function: s.kind() == SymbolKind::Text,
                })
            })
            .collect();
        out.sort_by(|a, b| (a.addr, &a.name).cmp(&(b.addr, &b.name)));
        out.dedup_by(|a, b| a.addr == b.addr && a.name == b.name);
        out
    }

    /// Whether the file carries DWARF (`.debug_info` with contents).
    pub fn has_dwarf(&self) -> bool {
        let Ok(obj) = self.object() else {
            return false;
        };
        obj.section_by_name(".debug_info")
            .or_else(|| obj.section_by_name(".zdebug_info"))
            .is_some_and(|s| s.kind() != SectionKind::UninitializedData && s.size() > 0)
    }

    /// The decompressed contents of section `name` (also found as `.zdebug_*`).
    /// Empty for a missing or NOBITS section.
    pub fn section_data(&self, name: &str) -> Result<Arc<[u8]>, DebugInfoError> {
        let obj = self.object()?;
        let section = obj.section_by_name(name).or_else(|| {
            name.strip_prefix(".debug_")
                .and_then(|rest| obj.section_by_name(&format!(".zdebug_{rest}")))
        });
        let Some(section) = section else {
            return Ok(Arc::from(&[][..]));
        };
        if section.kind() == SectionKind::UninitializedData {
            return Ok(Arc::from(&[][..]));
        }
        let data = section
            .uncompressed_data()
            .map_err(|e| self.err(format!("{name}: {e}")))?;
        Ok(Arc::from(&*data))
    }

    /// The link-time address of section `name`.
    pub fn section_address(&self, name: &str) -> Option<u64> {
        let obj = self.object().ok()?;
        obj.section_by_name(name).map(|s| s.address())
    }

    /// Reads file-backed bytes at link-time address `vaddr` (code, read-only data).
    pub fn read_vaddr(&self, vaddr: u64, buf: &mut [u8]) -> bool {
        for seg in &self.segments {
            if vaddr >= seg.vaddr && vaddr + buf.len() as u64 <= seg.vaddr + seg.filesz {
                let start = (seg.offset + vaddr - seg.vaddr) as usize;
                if let Some(src) = self.map.get(start..start + buf.len()) {
                    buf.copy_from_slice(src);
                    return true;
                }
            }
        }
        false
    }
}
