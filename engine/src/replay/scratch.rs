//! Replay's scratch copies of tracked files (those the recording maps
//! `MAP_SHARED`, `record/tracked_files.rs`): one file per tracked file, in a
//! temporary directory of the replay, that every replayed mapping of it maps,
//! so that they share pages as they did when recorded. Recorded file changes
//! are applied to it, and checkpoints save and put back its contents: the
//! frozen copies map the same file, so its pages are shared with them.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::error::ReplayError;
use crate::trace::FileChange;

/// The contents of every scratch file at one moment (for a checkpoint).
#[derive(Clone, Debug, Default)]
pub struct ScratchContents {
    files: Vec<(u32, Vec<u8>)>,
}

impl ScratchContents {
    /// How many bytes it holds.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|(_, b)| b.len() as u64).sum()
    }
}

/// The scratch files of one replay; the directory goes with it.
#[derive(Default)]
pub(super) struct ScratchFiles {
    dir: Option<tempfile::TempDir>,
    /// Tracked file number -> its scratch file.
    files: BTreeMap<u32, PathBuf>,
}

fn failed(path: &Path, source: std::io::Error) -> ReplayError {
    ReplayError::ScratchFile {
        path: path.to_path_buf(),
        source,
    }
}

impl ScratchFiles {
    /// The scratch file of tracked file `n`, holding the bytes of `copy` (the
    /// trace's copy of the file as it was right after the mmap being
    /// replayed). Created on the first mapping; on later ones it already
    /// holds them when every change was recorded, and is otherwise brought
    /// to them in place, so that the mappings it has keep seeing it.
    pub(super) fn prepare(&mut self, n: u32, copy: &Path) -> Result<PathBuf, ReplayError> {
        let want = std::fs::read(copy).map_err(|e| failed(copy, e))?;
        let path = match self.files.get(&n) {
            Some(path) => path.clone(),
            None => {
                let dir = match &self.dir {
                    Some(dir) => dir.path().to_path_buf(),
                    None => {
                        let dir = tempfile::Builder::new()
                            .prefix("rewind-replay-")
                            .tempdir()
                            .map_err(|e| failed(&std::env::temp_dir(), e))?;
                        let path = dir.path().to_path_buf();
                        self.dir = Some(dir);
                        path
                    }
                };
                let path = dir.join(format!("tracked-{n}"));
                std::fs::write(&path, &want).map_err(|e| failed(&path, e))?;
                self.files.insert(n, path.clone());
                return Ok(path);
            }
        };
        let have = std::fs::read(&path).map_err(|e| failed(&path, e))?;
        if have != want {
            tracing::debug!(
                file = n,
                "the scratch file differs from the recorded copy at its mapping; brought to it"
            );
            overwrite(&path, &want)?;
        }
        Ok(path)
    }

    /// Applies a recorded change of a tracked file.
    pub(super) fn apply(&mut self, change: &FileChange, index: u64) -> Result<(), ReplayError> {
        let Some(path) = self.files.get(&change.tracked) else {
            return Err(ReplayError::BadTrace {
                index,
                detail: format!(
                    "tracked file {} changes before any mapping of it",
                    change.tracked
                ),
            });
        };
        let file = open(path)?;
        for w in &change.writes {
            file.write_all_at(&w.bytes, w.offset)
                .map_err(|e| failed(path, e))?;
        }
        file.set_len(change.len).map_err(|e| failed(path, e))
    }

    /// The contents of every scratch file now.
    pub(super) fn save(&self) -> Result<ScratchContents, ReplayError> {
        let mut files = Vec::with_capacity(self.files.len());
        for (n, path) in &self.files {
            files.push((*n, std::fs::read(path).map_err(|e| failed(path, e))?));
        }
        Ok(ScratchContents { files })
    }

    /// Puts back the contents `saved` holds, in place (the restored process
    /// maps these very files). A scratch file made after `saved` is left as
    /// it is: nothing at that moment mapped it, and the next mapping of it
    /// brings it to the recorded copy.
    pub(super) fn restore(&mut self, saved: &ScratchContents) -> Result<(), ReplayError> {
        for (n, bytes) in &saved.files {
            let Some(path) = self.files.get(n) else {
                return Err(ReplayError::Checkpoint(format!(
                    "the checkpoint holds tracked file {n}, which this replay never made"
                )));
            };
            overwrite(path, bytes)?;
        }
        Ok(())
    }
}

fn open(path: &Path) -> Result<File, ReplayError> {
    OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| failed(path, e))
}

/// Makes the file at `path` hold `bytes`, keeping its inode.
fn overwrite(path: &Path, bytes: &[u8]) -> Result<(), ReplayError> {
    let file = open(path)?;
    file.set_len(bytes.len() as u64)
        .map_err(|e| failed(path, e))?;
    file.write_all_at(bytes, 0).map_err(|e| failed(path, e))
}
