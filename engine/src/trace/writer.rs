//! Writing a trace directory.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::TraceError;
use super::event::{Event, Header, RecordingEnd, FORMAT_VERSION};
use super::file_sums::SumsWriter;
use super::files::FileStore;
use super::format::{
    FrameHeader, EVENTS_FILE, EVENTS_MAGIC, FILES_DIR, FRAME_END, FRAME_EVENTS, FRAME_HEADER_LEN,
    FRAME_MAX_BYTES, FRAME_MAX_EVENTS, HEADER_FILE, HEADER_MAGIC, MAX_FRAME_UNCOMPRESSED,
    MAX_HEADER_PAYLOAD, ZSTD_LEVEL,
};

/// Writes a trace: the header at creation, then events in frames, copies of
/// mapped files, and finally the end frame.
///
/// Frames are written with one `write` each, so a recorder killed at any
/// moment leaves whole frames followed by at most one partial frame, which a
/// reader reports as [`TraceError::Truncated`] after the intact events.
/// Dropping a writer without [`finish`](TraceWriter::finish) flushes the
/// buffered events (an incomplete recording, without end frame).
pub struct TraceWriter {
    dir: PathBuf,
    events_path: PathBuf,
    events: File,
    compressor: zstd::bulk::Compressor<'static>,
    /// Postcard encodings of the buffered events, back to back.
    buf: Vec<u8>,
    buffered: usize,
    /// Reused frame bytes (header + compressed payload).
    frame: Vec<u8>,
    event_count: u64,
    frames_written: u64,
    files: FileStore,
    finished: bool,
}

impl TraceWriter {
    /// Creates the directory (which must not exist or be empty), writes
    /// `header` and opens `events`. The header's `format_version` is written
    /// as [`FORMAT_VERSION`] whatever the caller put there.
    pub fn create(dir: &Path, header: &Header) -> Result<TraceWriter, TraceError> {
        prepare_dir(dir)?;
        let files_dir = dir.join(FILES_DIR);
        fs::create_dir(&files_dir).map_err(|e| TraceError::io(&files_dir, e))?;

        let header_path = dir.join(HEADER_FILE);
        let mut header = header.clone();
        header.format_version = FORMAT_VERSION;
        let json = serde_json::to_vec_pretty(&header).map_err(|e| TraceError::Encode {
            path: header_path.clone(),
            what: "the header",
            detail: e.to_string(),
        })?;
        let len = u32::try_from(json.len())
            .ok()
            .filter(|&l| l <= MAX_HEADER_PAYLOAD)
            .ok_or_else(|| TraceError::Encode {
                path: header_path.clone(),
                what: "the header",
                detail: format!("{} bytes of JSON is too large", json.len()),
            })?;
        let mut bytes = Vec::with_capacity(20 + json.len());
        bytes.extend_from_slice(HEADER_MAGIC);
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&len.to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(&json).to_le_bytes());
        bytes.extend_from_slice(&json);
        write_new(&header_path, &bytes)?;

        let events_path = dir.join(EVENTS_FILE);
        let mut events = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&events_path)
            .map_err(|e| TraceError::io(&events_path, e))?;
        let mut preamble = [0u8; 12];
        preamble[..8].copy_from_slice(EVENTS_MAGIC);
        preamble[8..].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        events
            .write_all(&preamble)
            .map_err(|e| TraceError::io(&events_path, e))?;

        let compressor =
            zstd::bulk::Compressor::new(ZSTD_LEVEL).map_err(|e| TraceError::io(&events_path, e))?;
        tracing::debug!(dir = %dir.display(), "created trace");
        Ok(TraceWriter {
            dir: dir.to_path_buf(),
            events_path,
            events,
            compressor,
            buf: Vec::with_capacity(FRAME_MAX_BYTES + 4096),
            buffered: 0,
            frame: Vec::new(),
            event_count: 0,
            frames_written: 0,
            files: FileStore::new(files_dir, SumsWriter::create(dir)?),
            finished: false,
        })
    }

    /// Buffers the event; writes a frame once the buffer holds 256 events or
    /// 256 KiB.
    pub fn append(&mut self, event: &Event) -> Result<(), TraceError> {
        let before = self.buf.len();
        if let Err(e) = postcard::to_io(event, &mut self.buf) {
            self.buf.truncate(before);
            return Err(TraceError::Encode {
                path: self.events_path.clone(),
                what: "an event",
                detail: e.to_string(),
            });
        }
        if self.buf.len() - before > MAX_FRAME_UNCOMPRESSED as usize {
            self.buf.truncate(before);
            return Err(TraceError::Encode {
                path: self.events_path.clone(),
                what: "an event",
                detail: format!(
                    "event {} encodes to more than {} bytes",
                    self.event_count, MAX_FRAME_UNCOMPRESSED
                ),
            });
        }
        // A frame payload may not exceed what readers accept: write the
        // earlier events first if this one would push the frame over.
        if self.buf.len() > MAX_FRAME_UNCOMPRESSED as usize {
            let tail = self.buf.split_off(before);
            self.flush()?;
            self.buf = tail;
        }
        self.buffered += 1;
        self.event_count += 1;
        if self.buffered >= FRAME_MAX_EVENTS || self.buf.len() >= FRAME_MAX_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the buffered events as a frame now (nothing when none are).
    pub fn flush(&mut self) -> Result<(), TraceError> {
        if self.buffered == 0 {
            return Ok(());
        }
        let payload = std::mem::take(&mut self.buf);
        let result = self.write_frame(FRAME_EVENTS, &payload);
        self.buf = payload;
        self.buf.clear();
        self.buffered = 0;
        result
    }

    /// Number of events appended so far.
    pub fn event_count(&self) -> u64 {
        self.event_count
    }

    /// Copies the file opened from `src` into `files/` (see `FileStore`'s
    /// rules: deduplicated by identity and by content, reflinked when the
    /// filesystem can) and returns its name relative to `files/`.
    pub fn copy_file(&mut self, src: &Path, display_name: &str) -> Result<String, TraceError> {
        self.files.copy_file(src, display_name)
    }

    /// Flushes, writes the end frame and closes the trace. The end frame's
    /// `event_count` is the number of events appended, whatever `end` says.
    pub fn finish(mut self, end: &RecordingEnd) -> Result<(), TraceError> {
        self.flush()?;
        let mut end = end.clone();
        if end.event_count != self.event_count {
            tracing::warn!(
                given = end.event_count,
                appended = self.event_count,
                "RecordingEnd.event_count differs from the events appended; writing the latter"
            );
            end.event_count = self.event_count;
        }
        let payload = postcard::to_allocvec(&end).map_err(|e| TraceError::Encode {
            path: self.events_path.clone(),
            what: "the end of the recording",
            detail: e.to_string(),
        })?;
        self.write_frame(FRAME_END, &payload)?;
        self.finished = true;
        tracing::debug!(
            dir = %self.dir.display(),
            events = self.event_count,
            frames = self.frames_written,
            "finished trace"
        );
        Ok(())
    }

    /// The trace directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Compresses `payload` and writes it as one frame with one write call.
    fn write_frame(&mut self, kind: u8, payload: &[u8]) -> Result<(), TraceError> {
        let encode_err = |detail: String| TraceError::Encode {
            path: self.events_path.clone(),
            what: "a frame",
            detail,
        };
        let uncompressed_len = u32::try_from(payload.len())
            .map_err(|_| encode_err(format!("payload of {} bytes", payload.len())))?;
        let bound = zstd::zstd_safe::compress_bound(payload.len());
        self.frame.clear();
        self.frame.resize(FRAME_HEADER_LEN + bound, 0);
        let n = self
            .compressor
            .compress_to_buffer(payload, &mut self.frame[FRAME_HEADER_LEN..])
            .map_err(|e| encode_err(format!("zstd: {e}")))?;
        self.frame.truncate(FRAME_HEADER_LEN + n);
        let compressed = &self.frame[FRAME_HEADER_LEN..];
        let fh = FrameHeader {
            kind,
            compressed_len: u32::try_from(n)
                .map_err(|_| encode_err(format!("compressed payload of {n} bytes")))?,
            uncompressed_len,
            crc: crc32fast::hash(compressed),
        };
        self.frame[..FRAME_HEADER_LEN].copy_from_slice(&fh.encode());
        self.events
            .write_all(&self.frame)
            .map_err(|e| TraceError::io(&self.events_path, e))?;
        self.frames_written += 1;
        Ok(())
    }
}

impl Drop for TraceWriter {
    fn drop(&mut self) {
        if !self.finished && self.buffered > 0 {
            if let Err(e) = self.flush() {
                tracing::warn!(error = %e, "could not flush trace events on drop");
            }
        }
    }
}

/// Creates `dir`, or accepts it when it is an existing empty directory.
fn prepare_dir(dir: &Path) -> Result<(), TraceError> {
    match fs::symlink_metadata(dir) {
        Ok(meta) => {
            if !meta.is_dir() {
                return Err(TraceError::DirectoryNotEmpty {
                    path: dir.to_path_buf(),
                });
            }
            let mut entries = fs::read_dir(dir).map_err(|e| TraceError::io(dir, e))?;
            if entries.next().is_some() {
                return Err(TraceError::DirectoryNotEmpty {
                    path: dir.to_path_buf(),
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(|e| TraceError::io(dir, e))
        }
        Err(e) => Err(TraceError::io(dir, e)),
    }
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), TraceError> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| TraceError::io(path, e))?;
    f.write_all(bytes).map_err(|e| TraceError::io(path, e))
}
