//! Errors of the trace container. Every message names the file concerned.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("{} is not a rewind trace (bad magic)", path.display())]
    NotATrace { path: PathBuf },

    #[error(
        "{} uses trace format version {found}, but this rewind reads version {supported}",
        path.display()
    )]
    UnsupportedVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    /// The file stops in the middle of something. `events` is the number of
    /// events before the cut that are intact (the index the good prefix ends at).
    #[error(
        "{} is truncated at byte {offset}: {detail}; the first {events} events are intact \
         (the recording did not finish)",
        path.display()
    )]
    Truncated {
        path: PathBuf,
        offset: u64,
        events: u64,
        detail: String,
    },

    #[error(
        "{} is corrupt: checksum mismatch in frame {frame_index} at byte {offset}",
        path.display()
    )]
    ChecksumMismatch {
        path: PathBuf,
        offset: u64,
        frame_index: u64,
    },

    #[error("{} is corrupt at byte {offset}: {detail}", path.display())]
    Corrupt {
        path: PathBuf,
        offset: u64,
        detail: String,
    },

    #[error("{} is missing: the trace lacks this copy of a recorded file", path.display())]
    MissingFile { path: PathBuf },

    #[error("{name:?} is not a valid name for a file in {}", dir.display())]
    BadFileName { dir: PathBuf, name: String },

    #[error("{} is not a regular file, so it cannot be copied into a trace", path.display())]
    NotAFile { path: PathBuf },

    #[error(
        "cannot create a trace at {}: it exists and is not an empty directory",
        path.display()
    )]
    DirectoryNotEmpty { path: PathBuf },

    #[error("{}: cannot encode {what}: {detail}", path.display())]
    Encode {
        path: PathBuf,
        what: &'static str,
        detail: String,
    },

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl TraceError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> TraceError {
        TraceError::Io {
            path: path.into(),
            source,
        }
    }
}
