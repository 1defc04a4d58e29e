//! Call frame information: `.eh_frame` and `.debug_frame`, indexed by address.

use crate::dwarf::{reader, R};
use crate::elf::ElfFile;
use gimli::{BaseAddresses, UnwindSection};

/// An unwind row for one address, with whether its FDE is a signal trampoline.
#[derive(Debug, Clone)]
pub struct CfiRow {
    /// The rules (CFA and registers) at the address.
    pub row: gimli::UnwindTableRow<usize>,
    /// The FDE carries the `S` augmentation (a sigreturn trampoline).
    pub signal_trampoline: bool,
    /// Which section it came from, to evaluate DWARF expressions in the rules.
    pub section: CfiSection,
}

/// The section an unwind row came from.
#[derive(Debug, Clone)]
pub enum CfiSection {
    /// `.eh_frame`.
    EhFrame(gimli::EhFrame<R>),
    /// `.debug_frame`.
    DebugFrame(gimli::DebugFrame<R>),
}

impl CfiSection {
    /// The bytes of an expression used by a rule.
    pub fn expression(&self, e: &gimli::UnwindExpression<usize>) -> Option<gimli::Expression<R>> {
        match self {
            CfiSection::EhFrame(s) => e.get(s).ok(),
            CfiSection::DebugFrame(s) => e.get(s).ok(),
        }
    }
}

struct Table<S: UnwindSection<R>> {
    section: S,
    bases: BaseAddresses,
    fdes: Vec<gimli::FrameDescriptionEntry<R>>,
}

impl<S: UnwindSection<R>> Table<S> {
    fn new(section: S, bases: BaseAddresses) -> Self {
        let mut fdes = Vec::new();
        let mut entries = section.entries(&bases);
        loop {
            match entries.next() {
                Ok(Some(gimli::CieOrFde::Fde(partial))) => {
                    match partial.parse(|s, b, o| s.cie_from_offset(b, o)) {
                        Ok(fde) if fde.len() > 0 => fdes.push(fde),
                        Ok(_) => {}
                        Err(e) => tracing::debug!(error = %e, "skipping malformed FDE"),
                    }
                }
                Ok(Some(gimli::CieOrFde::Cie(_))) => {}
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(error = %e, "stopping at malformed CFI entry");
                    break;
                }
            }
        }
        fdes.sort_by_key(|f| f.initial_address());
        Table {
            section,
            bases,
            fdes,
        }
    }

    fn row(&self, addr: u64) -> Option<(gimli::UnwindTableRow<usize>, bool)> {
        let i = self.fdes.partition_point(|f| f.initial_address() <= addr);
        let fde = self.fdes[..i]
            .iter()
            .rev()
            .take(8)
            .find(|f| f.contains(addr))?;
        let mut ctx = gimli::UnwindContext::new();
        let row = fde
            .unwind_info_for_address(&self.section, &self.bases, &mut ctx, addr)
            .ok()?;
        Some((row.clone(), fde.is_signal_trampoline()))
    }
}

/// The CFI of one module.
pub struct Cfi {
    eh_frame: Option<Table<gimli::EhFrame<R>>>,
    debug_frame: Option<Table<gimli::DebugFrame<R>>>,
}

impl Cfi {
    /// Reads `.eh_frame` from `elf` and `.debug_frame` from it or from `debug`.
    pub fn load(elf: &ElfFile, debug: Option<&ElfFile>) -> Cfi {
        let eh_frame = elf.section_address(".eh_frame").and_then(|addr| {
            let data = elf
                .section_data(".eh_frame")
                .ok()
                .filter(|d| !d.is_empty())?;
            let mut bases = BaseAddresses::default().set_eh_frame(addr);
            if let Some(t) = elf.section_address(".text") {
                bases = bases.set_text(t);
            }
            if let Some(g) = elf.section_address(".got") {
                bases = bases.set_got(g);
            }
            let mut section = gimli::EhFrame::from(reader(data));
            section.set_address_size(8);
            Some(Table::new(section, bases))
        });
        let debug_frame = [Some(elf), debug].into_iter().flatten().find_map(|f| {
            let data = f
                .section_data(".debug_frame")
                .ok()
                .filter(|d| !d.is_empty())?;
            let mut section = gimli::DebugFrame::from(reader(data));
            section.set_address_size(8);
            Some(Table::new(section, BaseAddresses::default()))
        });
        Cfi {
            eh_frame,
            debug_frame,
        }
    }

    /// The unwind row at link-time address `addr` (`.eh_frame` first).
    pub fn row(&self, addr: u64) -> Option<CfiRow> {
        if let Some(t) = &self.eh_frame {
            if let Some((row, sig)) = t.row(addr) {
                return Some(CfiRow {
                    row,
                    signal_trampoline: sig,
                    section: CfiSection::EhFrame(t.section.clone()),
                });
            }
        }
        let t = self.debug_frame.as_ref()?;
        let (row, sig) = t.row(addr)?;
        Some(CfiRow {
            row,
            signal_trampoline: sig,
            section: CfiSection::DebugFrame(t.section.clone()),
        })
    }
}
