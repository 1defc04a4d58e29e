//! Errors of the trace container. Every message names the file concerned.

use std::path::PathBuf;

/// Why a trace could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The file does not start with a trace's magic bytes.
    #[error("{} is not a rewind trace (bad magic)", path.display())]
    NotATrace {
        /// The file concerned.
        path: PathBuf,
    },

    /// The trace was written in a format version this build does not read.
    #[error(
        "{} uses trace format version {found}, but this rewind reads version {supported}",
        path.display()
    )]
    UnsupportedVersion {
        /// The file concerned.
        path: PathBuf,
        /// The version the file has.
        found: u32,
        /// The version this build reads.
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
        /// The file concerned.
        path: PathBuf,
        /// Where it stops.
        offset: u64,
        /// How many events before the cut are intact.
        events: u64,
        /// What was being read when the data ran out.
        detail: String,
    },

    /// A frame's CRC does not match its contents.
    #[error(
        "{} is corrupt: checksum mismatch in frame {frame_index} at byte {offset}",
        path.display()
    )]
    ChecksumMismatch {
        /// The file concerned.
        path: PathBuf,
        /// Where the frame starts.
        offset: u64,
        /// The frame's index in the file, from 0.
        frame_index: u64,
    },

    /// The file holds data that cannot be decoded.
    #[error("{} is corrupt at byte {offset}: {detail}", path.display())]
    Corrupt {
        /// The file concerned.
        path: PathBuf,
        /// Where the bad data is.
        offset: u64,
        /// What is wrong with it.
        detail: String,
    },

    /// A copy in `files/` is not the file that was recorded.
    #[error(
        "{} is not the file that was recorded: {detail} (it changed after recording; \
         this trace cannot be replayed as recorded)",
        path.display()
    )]
    ModifiedCopy {
        /// The copy concerned.
        path: PathBuf,
        /// What differs.
        detail: String,
    },

    /// A file the trace refers to is not in its `files/` directory.
    #[error("{} is missing: the trace lacks this copy of a recorded file", path.display())]
    MissingFile {
        /// The copy that is missing.
        path: PathBuf,
    },

    /// A name for a copy in `files/` that could escape the directory or is empty.
    #[error("{name:?} is not a valid name for a file in {}", dir.display())]
    BadFileName {
        /// The `files/` directory.
        dir: PathBuf,
        /// The name.
        name: String,
    },

    /// A file to copy into the trace is not a regular file.
    #[error("{} is not a regular file, so it cannot be copied into a trace", path.display())]
    NotAFile {
        /// The file concerned.
        path: PathBuf,
    },

    /// A new trace cannot be created over an existing, non-empty directory.
    #[error(
        "cannot create a trace at {}: it exists and is not an empty directory",
        path.display()
    )]
    DirectoryNotEmpty {
        /// The directory.
        path: PathBuf,
    },

    /// Something could not be encoded for writing.
    #[error("{}: cannot encode {what}: {detail}", path.display())]
    Encode {
        /// The file being written.
        path: PathBuf,
        /// What was being encoded, for the message.
        what: &'static str,
        /// Why it could not be.
        detail: String,
    },

    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The error of the operation.
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
