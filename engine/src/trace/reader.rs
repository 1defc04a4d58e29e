//! Reading a trace directory.

use std::fs::{self, File};
use std::io::Seek as _;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::error::TraceError;
use super::event::{Event, Header, RecordingEnd, FORMAT_VERSION};
use super::file_sums::SumsChecker;
use super::files::is_valid_name;
use super::format::{
    le_u32, max_frame_compressed, read_full, FrameHeader, EVENTS_FILE, EVENTS_MAGIC,
    EVENTS_PREAMBLE_LEN, FILES_DIR, FRAME_END, FRAME_EVENTS, FRAME_HEADER_LEN, HEADER_FILE,
    HEADER_MAGIC, HEADER_PREAMBLE_LEN, MAX_FRAME_UNCOMPRESSED, MAX_HEADER_PAYLOAD,
};

/// An opened, validated trace directory.
#[derive(Debug)]
pub struct TraceReader {
    dir: PathBuf,
    header: Header,
    /// Checks each copy in `files/` before it is used.
    sums: SumsChecker,
}

impl TraceReader {
    /// Opens `dir`, validating `header` (magic, version, length, checksum,
    /// JSON) and the magic and version of `events`.
    pub fn open(dir: &Path) -> Result<TraceReader, TraceError> {
        let header = read_header(&dir.join(HEADER_FILE))?;
        // Validates the events preamble; the stream itself is read lazily.
        open_events(&dir.join(EVENTS_FILE))?;
        Ok(TraceReader {
            dir: dir.to_path_buf(),
            header,
            sums: SumsChecker::load(dir)?,
        })
    }

    /// The trace's header: how the recorded run was started.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The trace directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the copy named `name` in `files/`, checked against the length
    /// and CRC-32 the recorder listed for it (once per reader).
    pub fn file_path(&self, name: &str) -> Result<PathBuf, TraceError> {
        let files = self.dir.join(FILES_DIR);
        if !is_valid_name(name) {
            return Err(TraceError::BadFileName {
                dir: files,
                name: name.to_string(),
            });
        }
        let path = files.join(name);
        match fs::metadata(&path) {
            Ok(m) if m.is_file() => {
                self.sums.check(name, &path)?;
                Ok(path)
            }
            Ok(_) => Err(TraceError::NotAFile { path }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(TraceError::MissingFile { path })
            }
            Err(e) => Err(TraceError::io(path, e)),
        }
    }

    /// Streams the events, one frame in memory at a time.
    pub fn events(&self) -> Result<EventStream, TraceError> {
        let path = self.dir.join(EVENTS_FILE);
        let reader = open_events(&path)?;
        let decompressor = zstd::bulk::Decompressor::new().map_err(|e| TraceError::io(&path, e))?;
        Ok(EventStream {
            path,
            reader,
            decompressor,
            offset: EVENTS_PREAMBLE_LEN as u64,
            frame_offset: EVENTS_PREAMBLE_LEN as u64,
            frame_index: 0,
            compressed: Vec::new(),
            payload: Vec::new(),
            pos: 0,
            position: 0,
            end: None,
            cut: None,
            done: false,
        })
    }
}

fn read_header(path: &Path) -> Result<Header, TraceError> {
    let file = File::open(path).map_err(|e| TraceError::io(path, e))?;
    let mut r = BufReader::new(file);
    let mut pre = [0u8; HEADER_PREAMBLE_LEN];
    let n = read_full(&mut r, &mut pre).map_err(|e| TraceError::io(path, e))?;
    let truncated = |offset: usize, detail: &str| TraceError::Truncated {
        path: path.to_path_buf(),
        offset: offset as u64,
        events: 0,
        detail: detail.to_string(),
    };
    let magic_len = HEADER_MAGIC.len().min(n);
    if pre[..magic_len] != HEADER_MAGIC[..magic_len] {
        return Err(TraceError::NotATrace {
            path: path.to_path_buf(),
        });
    }
    if n < HEADER_PREAMBLE_LEN {
        return Err(truncated(n, "the header ends inside its 20-byte preamble"));
    }
    let version = le_u32(&pre[8..12]);
    if version != FORMAT_VERSION {
        return Err(TraceError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let len = le_u32(&pre[12..16]);
    let crc = le_u32(&pre[16..20]);
    if len > MAX_HEADER_PAYLOAD {
        return Err(TraceError::Corrupt {
            path: path.to_path_buf(),
            offset: 12,
            detail: format!(
                "declared header length {len} exceeds the limit of {MAX_HEADER_PAYLOAD} bytes"
            ),
        });
    }
    let mut payload = Vec::new();
    (&mut r)
        .take(u64::from(len) + 1)
        .read_to_end(&mut payload)
        .map_err(|e| TraceError::io(path, e))?;
    if payload.len() < len as usize {
        return Err(truncated(
            HEADER_PREAMBLE_LEN + payload.len(),
            &format!("the header payload declares {len} bytes"),
        ));
    }
    if payload.len() > len as usize {
        return Err(TraceError::Corrupt {
            path: path.to_path_buf(),
            offset: HEADER_PREAMBLE_LEN as u64 + u64::from(len),
            detail: "unexpected bytes after the header payload".to_string(),
        });
    }
    if crc32fast::hash(&payload) != crc {
        return Err(TraceError::ChecksumMismatch {
            path: path.to_path_buf(),
            offset: HEADER_PREAMBLE_LEN as u64,
            frame_index: 0,
        });
    }
    let header: Header = serde_json::from_slice(&payload).map_err(|e| TraceError::Corrupt {
        path: path.to_path_buf(),
        offset: HEADER_PREAMBLE_LEN as u64,
        detail: format!("the header is not valid JSON for this version: {e}"),
    })?;
    if header.format_version != FORMAT_VERSION {
        return Err(TraceError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: header.format_version,
            supported: FORMAT_VERSION,
        });
    }
    Ok(header)
}

/// Opens `events` and checks its preamble; the reader is left at the first frame.
fn open_events(path: &Path) -> Result<BufReader<File>, TraceError> {
    let file = File::open(path).map_err(|e| TraceError::io(path, e))?;
    let mut r = BufReader::with_capacity(64 << 10, file);
    let mut pre = [0u8; EVENTS_PREAMBLE_LEN];
    let n = read_full(&mut r, &mut pre).map_err(|e| TraceError::io(path, e))?;
    let magic_len = EVENTS_MAGIC.len().min(n);
    if pre[..magic_len] != EVENTS_MAGIC[..magic_len] {
        return Err(TraceError::NotATrace {
            path: path.to_path_buf(),
        });
    }
    if n < EVENTS_PREAMBLE_LEN {
        return Err(TraceError::Truncated {
            path: path.to_path_buf(),
            offset: n as u64,
            events: 0,
            detail: "the events file ends inside its 12-byte preamble".to_string(),
        });
    }
    let version = le_u32(&pre[8..12]);
    if version != FORMAT_VERSION {
        return Err(TraceError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    Ok(r)
}

/// A place in an event stream (see [`EventStream::mark`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamMark {
    frame_offset: u64,
    frame_index: u64,
    in_frame: bool,
    pos: usize,
    position: u64,
    offset: u64,
}

/// The events of a trace, decoded one frame at a time.
///
/// After an error the stream is over: further calls return `Ok(None)`.
pub struct EventStream {
    path: PathBuf,
    reader: BufReader<File>,
    decompressor: zstd::bulk::Decompressor<'static>,
    /// File offset of the next frame.
    offset: u64,
    /// File offset of the frame `payload` came from.
    frame_offset: u64,
    /// Index of the next frame to read.
    frame_index: u64,
    compressed: Vec<u8>,
    /// Uncompressed payload of the current events frame.
    payload: Vec<u8>,
    /// Read position in `payload`.
    pos: usize,
    /// Index of the next event.
    position: u64,
    end: Option<RecordingEnd>,
    /// Where the file stops inside its last frame, when it does.
    cut: Option<CutTail>,
    done: bool,
}

/// The events file stops inside a frame: the recorder was killed while
/// writing it (or the file was cut short). The events before that frame are
/// intact, and the recording is incomplete, like one whose recorder was
/// killed between frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutTail {
    /// The file's length: where it stops.
    pub offset: u64,
    /// What was being read when the data ran out.
    pub detail: String,
}

impl std::fmt::Display for CutTail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the events file stops at byte {}: {}",
            self.offset, self.detail
        )
    }
}

impl EventStream {
    /// The next event; `Ok(None)` at the end frame or at a clean end of file
    /// (see [`end`](EventStream::end) to tell them apart).
    pub fn next_event(&mut self) -> Result<Option<Event>, TraceError> {
        if self.done {
            return Ok(None);
        }
        let result = self.next_inner();
        if !matches!(result, Ok(Some(_))) {
            self.done = true;
        }
        result
    }

    /// After [`next_event`](EventStream::next_event) returned `Ok(None)`:
    /// the end frame when the recording was complete, `None` when the file
    /// simply stopped (the recorder died).
    pub fn end(&self) -> Option<&RecordingEnd> {
        self.end.as_ref()
    }

    /// After [`next_event`](EventStream::next_event) returned `Ok(None)`
    /// without an end frame: where the file stops inside its last frame, if it
    /// does (`None`: it stops between frames).
    pub fn cut_tail(&self) -> Option<&CutTail> {
        self.cut.as_ref()
    }

    /// Index of the next event to be returned (0-based).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Where the stream stands, to come back to with [`seek`](EventStream::seek).
    pub fn mark(&self) -> StreamMark {
        StreamMark {
            frame_offset: self.frame_offset,
            frame_index: self.frame_index,
            in_frame: !self.payload.is_empty(),
            pos: self.pos,
            position: self.position,
            offset: self.offset,
        }
    }

    /// Goes back (or forward) to a mark taken on a stream of the same file:
    /// re-reads only the frame the mark is in, instead of every event before it.
    pub fn seek(&mut self, mark: &StreamMark) -> Result<(), TraceError> {
        self.done = false;
        self.end = None;
        self.cut = None;
        self.payload.clear();
        self.pos = 0;
        if mark.in_frame {
            self.reader
                .seek(std::io::SeekFrom::Start(mark.frame_offset))
                .map_err(|e| self.io(e))?;
            self.offset = mark.frame_offset;
            self.frame_index = mark.frame_index - 1;
            self.read_frame()?;
            self.pos = mark.pos;
        } else {
            self.reader
                .seek(std::io::SeekFrom::Start(mark.offset))
                .map_err(|e| self.io(e))?;
            self.offset = mark.offset;
            self.frame_index = mark.frame_index;
        }
        self.position = mark.position;
        Ok(())
    }

    fn next_inner(&mut self) -> Result<Option<Event>, TraceError> {
        loop {
            if self.pos < self.payload.len() {
                return self.decode_event().map(Some);
            }
            match self.read_frame()? {
                None => return Ok(None),
                Some(FRAME_EVENTS) => {}
                Some(_) => {
                    self.finish_with_end()?;
                    return Ok(None);
                }
            }
        }
    }

    fn decode_event(&mut self) -> Result<Event, TraceError> {
        let rest = &self.payload[self.pos..];
        match postcard::take_from_bytes::<Event>(rest) {
            Ok((event, remaining)) => {
                self.pos = self.payload.len() - remaining.len();
                self.position += 1;
                Ok(event)
            }
            Err(e) => Err(TraceError::Corrupt {
                path: self.path.clone(),
                offset: self.frame_offset,
                detail: format!(
                    "event {} (in frame {}) does not decode: {e}",
                    self.position,
                    self.frame_index.saturating_sub(1)
                ),
            }),
        }
    }

    /// Reads and checks the next frame into `payload`. Returns its kind, or
    /// `None` at a clean end of file.
    fn read_frame(&mut self) -> Result<Option<u8>, TraceError> {
        let frame_offset = self.offset;
        let mut raw = [0u8; FRAME_HEADER_LEN];
        let n = read_full(&mut self.reader, &mut raw).map_err(|e| self.io(e))?;
        if n == 0 {
            tracing::debug!(
                path = %self.path.display(),
                events = self.position,
                "event stream ends without an end frame (incomplete recording)"
            );
            return Ok(None);
        }
        if n < FRAME_HEADER_LEN {
            return Ok(self.cut_short(
                frame_offset + n as u64,
                format!(
                    "frame {} at byte {frame_offset} ends inside its {FRAME_HEADER_LEN}-byte header",
                    self.frame_index
                ),
            ));
        }
        let fh = FrameHeader::decode(&raw);
        let corrupt = |detail: String| TraceError::Corrupt {
            path: self.path.clone(),
            offset: frame_offset,
            detail,
        };
        if fh.kind != FRAME_EVENTS && fh.kind != FRAME_END {
            return Err(corrupt(format!(
                "frame {} has unknown kind {}",
                self.frame_index, fh.kind
            )));
        }
        if fh.uncompressed_len > MAX_FRAME_UNCOMPRESSED {
            return Err(corrupt(format!(
                "frame {} declares {} uncompressed bytes, more than the limit of {}",
                self.frame_index, fh.uncompressed_len, MAX_FRAME_UNCOMPRESSED
            )));
        }
        if u64::from(fh.compressed_len) > max_frame_compressed() {
            return Err(corrupt(format!(
                "frame {} declares {} compressed bytes, more than the limit of {}",
                self.frame_index,
                fh.compressed_len,
                max_frame_compressed()
            )));
        }

        let payload_offset = frame_offset + FRAME_HEADER_LEN as u64;
        self.compressed.clear();
        (&mut self.reader)
            .take(u64::from(fh.compressed_len))
            .read_to_end(&mut self.compressed)
            .map_err(|e| TraceError::io(&self.path, e))?;
        if self.compressed.len() < fh.compressed_len as usize {
            return Ok(self.cut_short(
                payload_offset + self.compressed.len() as u64,
                format!(
                    "frame {} at byte {frame_offset} declares {} bytes but only {} are present",
                    self.frame_index,
                    fh.compressed_len,
                    self.compressed.len()
                ),
            ));
        }
        if crc32fast::hash(&self.compressed) != fh.crc {
            return Err(TraceError::ChecksumMismatch {
                path: self.path.clone(),
                offset: frame_offset,
                frame_index: self.frame_index,
            });
        }

        let corrupt = |detail: String| TraceError::Corrupt {
            path: self.path.clone(),
            offset: frame_offset,
            detail,
        };
        let declared = u64::from(fh.uncompressed_len);
        match zstd::zstd_safe::get_frame_content_size(&self.compressed) {
            Ok(Some(size)) if size != declared => {
                return Err(corrupt(format!(
                    "frame {} declares {declared} uncompressed bytes but its zstd data holds {size}",
                    self.frame_index
                )));
            }
            Ok(_) => {}
            Err(_) => {
                return Err(corrupt(format!(
                    "frame {} does not hold zstd data",
                    self.frame_index
                )));
            }
        }
        self.payload.clear();
        self.payload.reserve(fh.uncompressed_len as usize);
        self.decompressor
            .decompress_to_buffer(&self.compressed, &mut self.payload)
            .map_err(|e| {
                corrupt(format!(
                    "frame {} does not decompress: {e}",
                    self.frame_index
                ))
            })?;
        if self.payload.len() as u64 != declared {
            return Err(corrupt(format!(
                "frame {} declares {declared} uncompressed bytes but holds {}",
                self.frame_index,
                self.payload.len()
            )));
        }
        self.pos = 0;
        self.frame_offset = frame_offset;
        self.offset = payload_offset + u64::from(fh.compressed_len);
        self.frame_index += 1;
        Ok(Some(fh.kind))
    }

    /// Decodes the end frame now in `payload`.
    fn finish_with_end(&mut self) -> Result<(), TraceError> {
        let corrupt = |detail: String| TraceError::Corrupt {
            path: self.path.clone(),
            offset: self.frame_offset,
            detail,
        };
        let end = match postcard::take_from_bytes::<RecordingEnd>(&self.payload) {
            Ok((end, [])) => end,
            Ok((_, rest)) => {
                return Err(corrupt(format!(
                    "{} unexpected bytes after the end record",
                    rest.len()
                )))
            }
            Err(e) => return Err(corrupt(format!("the end record does not decode: {e}"))),
        };
        if end.event_count != self.position {
            return Err(corrupt(format!(
                "the end record counts {} events but the stream holds {}",
                end.event_count, self.position
            )));
        }
        let mut probe = [0u8; 1];
        if read_full(&mut self.reader, &mut probe).map_err(|e| self.io(e))? != 0 {
            tracing::warn!(
                path = %self.path.display(),
                offset = self.offset,
                "ignoring data after the end frame"
            );
        }
        self.payload.clear();
        self.pos = 0;
        self.end = Some(end);
        Ok(())
    }

    /// The file stops inside a frame: the stream ends here, incomplete.
    fn cut_short(&mut self, offset: u64, detail: String) -> Option<u8> {
        tracing::debug!(
            path = %self.path.display(),
            offset,
            events = self.position,
            %detail,
            "the events file stops inside a frame (incomplete recording)"
        );
        self.cut = Some(CutTail { offset, detail });
        None
    }

    fn io(&self, e: std::io::Error) -> TraceError {
        TraceError::io(&self.path, e)
    }
}

impl Iterator for EventStream {
    type Item = Result<Event, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_event().transpose()
    }
}

impl std::iter::FusedIterator for EventStream {}
