//! The debugged program: every module mapped in the process at its load bias.

use crate::debugfile::DEFAULT_DEBUG_DIR;
use crate::error::DebugInfoError;
use crate::module::Module;
use crate::target::Mapping;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A module placed in the address space.
#[derive(Debug, Clone)]
pub struct LoadedModule {
    /// The module (shared between programs that map the same file).
    pub module: Arc<Module>,
    /// Runtime address minus link-time address.
    pub bias: u64,
    /// Runtime range covered by its mappings.
    pub start: u64,
    /// End of the runtime range.
    pub end: u64,
}

/// All modules of a process, for source-level queries on runtime addresses.
#[derive(Debug)]
pub struct Program {
    debug_dir: PathBuf,
    cache: HashMap<PathBuf, Arc<Module>>,
    loaded: Vec<LoadedModule>,
}

impl Default for Program {
    fn default() -> Self {
        Self::new()
    }
}

const PAGE: u64 = 4096;

impl Program {
    /// An empty program that finds separate debug files under /usr/lib/debug.
    pub fn new() -> Self {
        Self::with_debug_dir(Path::new(DEFAULT_DEBUG_DIR))
    }

    /// An empty program that finds separate debug files under `dir`.
    pub fn with_debug_dir(dir: &Path) -> Self {
        Program {
            debug_dir: dir.to_path_buf(),
            cache: HashMap::new(),
            loaded: Vec::new(),
        }
    }

    fn open(&mut self, path: &Path) -> Result<Arc<Module>, DebugInfoError> {
        if let Some(m) = self.cache.get(path) {
            return Ok(m.clone());
        }
        let m = Arc::new(Module::open(path, &self.debug_dir)?);
        self.cache.insert(path.to_path_buf(), m.clone());
        Ok(m)
    }

    /// Adds `path` loaded at `bias` (0 for a non-PIE executable before it runs; any
    /// chosen base for a PIE one), e.g. to set breakpoints before the process exists.
    pub fn add_module(&mut self, path: &Path, bias: u64) -> Result<(), DebugInfoError> {
        let module = self.open(path)?;
        let (lo, hi) = segment_bounds(&module);
        self.loaded.retain(|l| l.module.path() != path);
        self.loaded.push(LoadedModule {
            module,
            bias,
            start: lo.wrapping_add(bias),
            end: hi.wrapping_add(bias),
        });
        Ok(())
    }

    /// Replaces the loaded modules with the files mapped in `maps` (/proc/PID/maps),
    /// each at the bias its mappings imply. Files that cannot be loaded are skipped and
    /// returned with their error.
    pub fn set_mappings(&mut self, maps: &[Mapping]) -> Vec<DebugInfoError> {
        let mut by_path: BTreeMap<PathBuf, Vec<&Mapping>> = BTreeMap::new();
        for m in maps {
            if let Some(p) = &m.path {
                by_path.entry(p.clone()).or_default().push(m);
            }
        }
        let mut errors = Vec::new();
        let mut loaded = Vec::new();
        for (path, mut maps) in by_path {
            maps.sort_by_key(|m| m.start);
            let module = match self.open(&path) {
                Ok(m) => m,
                Err(e) => {
                    tracing::debug!(file = %path.display(), error = %e, "skipping mapping");
                    errors.push(e);
                    continue;
                }
            };
            let Some(bias) = bias_of(&module, &maps) else {
                continue;
            };
            loaded.push(LoadedModule {
                module,
                bias,
                start: maps.first().map_or(0, |m| m.start),
                end: maps.last().map_or(0, |m| m.end),
            });
        }
        self.loaded = loaded;
        errors
    }

    /// The loaded modules.
    pub fn modules(&self) -> &[LoadedModule] {
        &self.loaded
    }

    /// The module mapped at runtime address `addr`, with its bias.
    pub fn module_at(&self, addr: u64) -> Option<(&Module, u64)> {
        self.loaded
            .iter()
            .find(|l| l.start <= addr && addr < l.end)
            .map(|l| (&*l.module, l.bias))
    }

    /// Index into [`Program::modules`] of the module at `addr`.
    pub fn module_index_at(&self, addr: u64) -> Option<usize> {
        self.loaded
            .iter()
            .position(|l| l.start <= addr && addr < l.end)
    }
}

fn segment_bounds(module: &Module) -> (u64, u64) {
    let segs = module.segments();
    let lo = segs.iter().map(|s| s.vaddr).min().unwrap_or(0);
    let hi = segs.iter().map(|s| s.vaddr + s.memsz).max().unwrap_or(0);
    (lo & !(PAGE - 1), hi)
}

/// The bias implied by a file's mappings: the segment whose page-aligned file offset is
/// the mapping's offset was placed at the mapping's start.
fn bias_of(module: &Module, maps: &[&Mapping]) -> Option<u64> {
    for m in maps {
        for s in module.segments() {
            if s.offset & !(PAGE - 1) == m.offset {
                return Some(m.start.wrapping_sub(s.vaddr & !(PAGE - 1)));
            }
        }
    }
    None
}
