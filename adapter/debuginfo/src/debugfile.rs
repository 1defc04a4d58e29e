//! Finding separate debug files: by build-id and by `.gnu_debuglink` under /usr/lib/debug.

use crate::elf::ElfFile;
use std::path::{Path, PathBuf};

/// Where separate debug files are searched (like gdb's `debug-file-directory`).
pub const DEFAULT_DEBUG_DIR: &str = "/usr/lib/debug";

/// Finds the separate debug file of `elf`, if one exists and matches its build-id.
pub fn find_debug_file(elf: &ElfFile, debug_dir: &Path) -> Option<ElfFile> {
    let build_id = elf.build_id();
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(id) = build_id.as_deref().filter(|id| id.len() > 1) {
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        candidates.push(
            debug_dir
                .join(".build-id")
                .join(&hex[..2])
                .join(format!("{}.debug", &hex[2..])),
        );
    }
    if let Some((name, _crc)) = elf.debuglink() {
        let dir = elf.path().parent().unwrap_or(Path::new("/"));
        candidates.push(dir.join(&name));
        candidates.push(dir.join(".debug").join(&name));
        let rel = dir.strip_prefix("/").unwrap_or(dir);
        candidates.push(debug_dir.join(rel).join(&name));
    }
    for cand in candidates {
        if cand == elf.path() || !cand.is_file() {
            continue;
        }
        match ElfFile::open(&cand) {
            Ok(dbg) => {
                if build_id.is_some() && dbg.build_id().is_some() && dbg.build_id() != build_id {
                    tracing::debug!(candidate = %cand.display(), "debug file build-id mismatch");
                    continue;
                }
                tracing::debug!(file = %elf.path().display(), debug = %cand.display(), "separate debug file");
                return Some(dbg);
            }
            Err(e) => {
                tracing::debug!(candidate = %cand.display(), error = %e, "unusable debug file")
            }
        }
    }
    None
}
