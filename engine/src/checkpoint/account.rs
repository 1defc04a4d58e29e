//! Precise accounting of the memory checkpoints hold, from page frame numbers
//! (/proc/PID/pagemap, /proc/kpagecount; both need CAP_SYS_ADMIN for PFNs).

use std::fs::File;
use std::os::unix::fs::FileExt;

use super::error::CheckpointError;
use crate::procmaps;

const PAGE: u64 = 4096;
const PRESENT: u64 = 1 << 63;
const PFN_MASK: u64 = (1 << 55) - 1;
/// Pagemap entries read at once (512 KiB).
const CHUNK_PAGES: u64 = 64 * 1024;

fn open(path: String) -> Result<File, CheckpointError> {
    File::open(&path).map_err(|source| CheckpointError::Proc { path, source })
}

/// Reads the pagemap entries of `pages` pages from `first` (page index);
/// entries that cannot be read (unmapped in that process) are 0.
fn entries(pagemap: &File, first: u64, out: &mut Vec<u64>, pages: u64) {
    out.clear();
    out.resize(pages as usize, 0);
    let mut raw = vec![0u8; pages as usize * 8];
    if pagemap.read_exact_at(&mut raw, first * 8).is_err() {
        return;
    }
    for (e, b) in out.iter_mut().zip(raw.chunks_exact(8)) {
        *e = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
    }
}

fn pfn(entry: u64) -> Option<u64> {
    let pfn = entry & PFN_MASK;
    (entry & PRESENT != 0 && pfn != 0).then_some(pfn)
}

/// Bytes of resident memory of `frozen` that `live` does not map at the same
/// address, each page divided by the number of mappings of it (kpagecount):
/// pages several checkpoints share are split among them, so that the sum over
/// checkpoints is what they hold together. Errors when PFNs are hidden.
pub(super) fn held_versus(frozen: i32, live: i32) -> Result<u64, CheckpointError> {
    let maps = procmaps::read_maps(frozen).map_err(|source| CheckpointError::Proc {
        path: format!("/proc/{frozen}/maps"),
        source,
    })?;
    let ours = open(format!("/proc/{frozen}/pagemap"))?;
    let theirs = open(format!("/proc/{live}/pagemap"))?;
    let counts = open("/proc/kpagecount".to_string())?;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut held = 0u64;
    let mut any_pfn = false;
    for m in maps {
        if m.name == "[vsyscall]" {
            continue;
        }
        let mut page = m.start / PAGE;
        let end = m.end / PAGE;
        while page < end {
            let n = (end - page).min(CHUNK_PAGES);
            entries(&ours, page, &mut a, n);
            entries(&theirs, page, &mut b, n);
            for (x, y) in a.iter().zip(&b) {
                if *x & PRESENT == 0 {
                    continue;
                }
                let Some(p) = pfn(*x) else {
                    continue;
                };
                any_pfn = true;
                if pfn(*y) == Some(p) {
                    continue;
                }
                let mut c = [0u8; 8];
                let count = match counts.read_exact_at(&mut c, p * 8) {
                    Ok(()) => u64::from_le_bytes(c).max(1),
                    Err(_) => 1,
                };
                held += PAGE / count;
            }
            page += n;
        }
    }
    if !any_pfn {
        return Err(CheckpointError::Proc {
            path: format!("/proc/{frozen}/pagemap"),
            source: std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "page frame numbers are hidden (needs CAP_SYS_ADMIN)",
            ),
        });
    }
    Ok(held)
}
