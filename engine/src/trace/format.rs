//! Byte layout of the trace files.
//!
//! `header`: [`HEADER_MAGIC`], u32 LE format version, u32 LE payload length,
//! u32 LE crc32 of the payload, then the payload: the [`Header`](super::Header)
//! as JSON.
//!
//! `events`: [`EVENTS_MAGIC`], u32 LE format version, then frames. A frame is
//! u8 kind, u32 LE compressed length, u32 LE uncompressed length, u32 LE crc32
//! of the compressed bytes, then the zstd-compressed payload. An events frame
//! holds postcard-encoded [`Event`](super::Event)s back to back; an end frame
//! holds one postcard [`RecordingEnd`](super::RecordingEnd) and is the last
//! frame of a complete recording.

/// Name of the header file inside a trace directory.
pub const HEADER_FILE: &str = "header";
/// Name of the event stream file inside a trace directory.
pub const EVENTS_FILE: &str = "events";
/// Name of the directory of copied files inside a trace directory.
pub const FILES_DIR: &str = "files";

/// The first bytes of the header file.
pub const HEADER_MAGIC: &[u8; 8] = b"RWNDHDR\0";
/// The first bytes of the events file.
pub const EVENTS_MAGIC: &[u8; 8] = b"RWNDEVT\0";

/// magic + version + payload length + crc.
pub(crate) const HEADER_PREAMBLE_LEN: usize = 20;
/// magic + version.
pub(crate) const EVENTS_PREAMBLE_LEN: usize = 12;
/// kind + compressed length + uncompressed length + crc.
pub(crate) const FRAME_HEADER_LEN: usize = 13;

pub(crate) const FRAME_EVENTS: u8 = 1;
pub(crate) const FRAME_END: u8 = 2;

/// Largest uncompressed frame payload a reader accepts.
pub(crate) const MAX_FRAME_UNCOMPRESSED: u32 = 256 << 20;
/// Largest header payload a reader accepts.
pub(crate) const MAX_HEADER_PAYLOAD: u32 = 64 << 20;

/// A writer emits a frame once this many events are buffered ...
pub(crate) const FRAME_MAX_EVENTS: usize = 256;
/// ... or once the buffered encoding is this large.
pub(crate) const FRAME_MAX_BYTES: usize = 256 << 10;

/// zstd level for frames: fast, still a good ratio on register-heavy data.
pub(crate) const ZSTD_LEVEL: i32 = 1;

/// Largest compressed frame payload a reader accepts: what zstd may need for
/// the largest uncompressed payload.
pub(crate) fn max_frame_compressed() -> u64 {
    zstd::zstd_safe::compress_bound(MAX_FRAME_UNCOMPRESSED as usize) as u64
}

/// Decoded fixed-size part of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FrameHeader {
    pub kind: u8,
    pub compressed_len: u32,
    pub uncompressed_len: u32,
    pub crc: u32,
}

impl FrameHeader {
    pub fn encode(&self) -> [u8; FRAME_HEADER_LEN] {
        let mut out = [0u8; FRAME_HEADER_LEN];
        out[0] = self.kind;
        out[1..5].copy_from_slice(&self.compressed_len.to_le_bytes());
        out[5..9].copy_from_slice(&self.uncompressed_len.to_le_bytes());
        out[9..13].copy_from_slice(&self.crc.to_le_bytes());
        out
    }

    pub fn decode(bytes: &[u8; FRAME_HEADER_LEN]) -> FrameHeader {
        FrameHeader {
            kind: bytes[0],
            compressed_len: le_u32(&bytes[1..5]),
            uncompressed_len: le_u32(&bytes[5..9]),
            crc: le_u32(&bytes[9..13]),
        }
    }
}

/// Reads a little-endian u32 from the first four bytes of `b` (zero-padded if
/// shorter, which callers never pass).
pub(crate) fn le_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    for (dst, src) in a.iter_mut().zip(b) {
        *dst = *src;
    }
    u32::from_le_bytes(a)
}

/// Reads until `buf` is full or end of file; returns how many bytes were read.
pub(crate) fn read_full(r: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_frame_header_round_trips() {
        let h = FrameHeader {
            kind: FRAME_END,
            compressed_len: 0x0102_0304,
            uncompressed_len: 7,
            crc: 0xdead_beef,
        };
        assert_eq!(FrameHeader::decode(&h.encode()), h);
    }

    #[test]
    fn trace_read_full_stops_at_eof() {
        let data = [1u8, 2, 3];
        let mut buf = [0u8; 8];
        assert_eq!(read_full(&mut &data[..], &mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], &data);
    }
}
