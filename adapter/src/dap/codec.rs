//! `Content-Length` framing for the Debug Adapter Protocol.
//!
//! A DAP message is `Content-Length: N\r\n\r\n` followed by `N` bytes of JSON.
//! Other header lines (`Content-Type: ...`) are accepted and ignored, header
//! names are case-insensitive.
//!
//! Per-message problems never end the stream: the decoder yields
//! `Ok(Some(Err(FrameError)))` for them and carries on. A malformed header
//! (no `Content-Length`, a non-numeric or absurd length, an over-long header
//! block) makes the decoder *resync*: it drops bytes up to the next
//! `Content-Length` marker. A well-framed body that is not JSON costs only that
//! one message. Only I/O failures are fatal ([`CodecError`]).

use bytes::{Buf, BufMut, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// Largest body accepted (and emitted): anything bigger is a corrupt header.
pub const MAX_CONTENT_LENGTH: usize = 64 * 1024 * 1024;

/// Largest header block (everything before `\r\n\r\n`) accepted.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;

const HEADER_END: &[u8] = b"\r\n\r\n";
const CONTENT_LENGTH: &[u8] = b"content-length";

/// Longest header text quoted back in an error.
const QUOTE_LIMIT: usize = 80;

/// Fatal transport errors: the stream cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("DAP transport I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot serialise outgoing DAP message: {0}")]
    Serialize(#[source] serde_json::Error),
    #[error("outgoing DAP message is {len} bytes, over the {max}-byte limit")]
    TooLarge { len: usize, max: usize },
}

/// A problem with one incoming message. The decoder has already recovered
/// (resynced or skipped the body); the caller logs it, answers it if it can,
/// and keeps reading.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("DAP header has no Content-Length")]
    MissingContentLength,
    #[error("DAP header has a non-numeric Content-Length {value:?}")]
    InvalidContentLength { value: String },
    #[error("DAP Content-Length {value} is over the {max}-byte limit")]
    ContentLengthTooLarge { value: String, max: usize },
    #[error("DAP header has several different Content-Length values")]
    ConflictingContentLength,
    #[error("malformed DAP header line {line:?}")]
    MalformedHeaderLine { line: String },
    #[error("DAP header is not valid UTF-8")]
    HeaderEncoding,
    #[error("DAP header block is longer than {max} bytes")]
    HeaderTooLong { max: usize },
    #[error("DAP message body is not valid JSON: {source}")]
    InvalidJson {
        #[source]
        source: serde_json::Error,
        /// `seq` found by a best-effort scan of the broken body.
        seq: Option<i64>,
        /// `command` found by a best-effort scan of the broken body.
        command: Option<String>,
    },
    #[error("DAP stream ended {missing} bytes short of a complete message")]
    Truncated { missing: usize },
}

impl FrameError {
    /// The `seq` of the broken message, when it could be recovered.
    pub fn recovered_seq(&self) -> Option<i64> {
        match self {
            FrameError::InvalidJson { seq, .. } => *seq,
            _ => None,
        }
    }

    /// The `command` of the broken message, when it could be recovered.
    pub fn recovered_command(&self) -> Option<&str> {
        match self {
            FrameError::InvalidJson { command, .. } => command.as_deref(),
            _ => None,
        }
    }
}

/// One decoded frame: a JSON value, or the reason this message was lost.
pub type Frame = Result<serde_json::Value, FrameError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Expecting a header block.
    Header,
    /// Header consumed; expecting `len` bytes of body.
    Body { len: usize },
    /// After a malformed header: dropping bytes up to the next marker.
    Resync,
}

/// Decoder and encoder for `Content-Length`-framed DAP messages.
#[derive(Debug)]
pub struct DapCodec {
    state: State,
}

impl Default for DapCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl DapCodec {
    pub fn new() -> Self {
        Self {
            state: State::Header,
        }
    }

    /// Drop the first byte of a bad header block and look for the next marker.
    fn resync(&mut self, buf: &mut BytesMut, error: FrameError) -> Frame {
        if !buf.is_empty() {
            buf.advance(1);
        }
        self.state = State::Resync;
        Err(error)
    }
}

impl Decoder for DapCodec {
    type Item = Frame;
    type Error = CodecError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        loop {
            match self.state {
                State::Resync => match find_ignore_case(buf, CONTENT_LENGTH) {
                    Some(pos) => {
                        buf.advance(pos);
                        self.state = State::Header;
                    }
                    None => {
                        // Keep a tail that may be the start of a split marker.
                        let keep = buf.len().min(CONTENT_LENGTH.len() - 1);
                        buf.advance(buf.len() - keep);
                        return Ok(None);
                    }
                },
                State::Header => {
                    let window = &buf[..buf.len().min(MAX_HEADER_BYTES + HEADER_END.len())];
                    let Some(end) = find(window, HEADER_END) else {
                        if buf.len() > MAX_HEADER_BYTES {
                            let max = MAX_HEADER_BYTES;
                            return Ok(Some(self.resync(buf, FrameError::HeaderTooLong { max })));
                        }
                        return Ok(None);
                    };
                    match parse_header(&buf[..end]) {
                        Ok(len) => {
                            buf.advance(end + HEADER_END.len());
                            self.state = State::Body { len };
                        }
                        Err(error) => return Ok(Some(self.resync(buf, error))),
                    }
                }
                State::Body { len } => {
                    if buf.len() < len {
                        return Ok(None);
                    }
                    let body = buf.split_to(len);
                    self.state = State::Header;
                    return Ok(Some(parse_body(&body)));
                }
            }
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, CodecError> {
        if let Some(frame) = self.decode(buf)? {
            return Ok(Some(frame));
        }
        let leftover = buf.len();
        let only_whitespace = buf.iter().all(u8::is_ascii_whitespace);
        buf.clear();
        let state = std::mem::replace(&mut self.state, State::Header);
        match state {
            State::Body { len } => Ok(Some(Err(FrameError::Truncated {
                missing: len - leftover,
            }))),
            // Whitespace after the last message is harmless; anything else is
            // the start of a header that never finished.
            State::Header if !only_whitespace => {
                Ok(Some(Err(FrameError::Truncated { missing: 0 })))
            }
            State::Header | State::Resync => Ok(None),
        }
    }
}

impl Encoder<serde_json::Value> for DapCodec {
    type Error = CodecError;

    fn encode(&mut self, item: serde_json::Value, dst: &mut BytesMut) -> Result<(), CodecError> {
        let body = serde_json::to_vec(&item).map_err(CodecError::Serialize)?;
        if body.len() > MAX_CONTENT_LENGTH {
            return Err(CodecError::TooLarge {
                len: body.len(),
                max: MAX_CONTENT_LENGTH,
            });
        }
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        dst.reserve(header.len() + body.len());
        dst.put_slice(header.as_bytes());
        dst.put_slice(&body);
        Ok(())
    }
}

/// Parse a header block (without the final `\r\n\r\n`) into the body length.
fn parse_header(block: &[u8]) -> Result<usize, FrameError> {
    let text = std::str::from_utf8(block).map_err(|_| FrameError::HeaderEncoding)?;
    let mut length = None;
    for line in text.split("\r\n") {
        if line.trim().is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(FrameError::MalformedHeaderLine { line: quote(line) });
        };
        if !name.trim().eq_ignore_ascii_case("content-length") {
            continue;
        }
        let value = value.trim();
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FrameError::InvalidContentLength {
                value: quote(value),
            });
        }
        let len = match value.parse::<usize>() {
            Ok(len) if len <= MAX_CONTENT_LENGTH => len,
            _ => {
                return Err(FrameError::ContentLengthTooLarge {
                    value: quote(value),
                    max: MAX_CONTENT_LENGTH,
                })
            }
        };
        match length {
            Some(previous) if previous != len => return Err(FrameError::ConflictingContentLength),
            _ => length = Some(len),
        }
    }
    length.ok_or(FrameError::MissingContentLength)
}

fn parse_body(body: &[u8]) -> Frame {
    serde_json::from_slice(body).map_err(|source| FrameError::InvalidJson {
        source,
        seq: scan_integer_field(body, b"\"seq\""),
        command: scan_string_field(body, b"\"command\""),
    })
}

/// Best-effort: the integer after `"seq":` in text that is not valid JSON.
fn scan_integer_field(body: &[u8], key: &[u8]) -> Option<i64> {
    let rest = value_after_key(body, key)?;
    let (negative, rest) = match rest.first() {
        Some(b'-') => (true, &rest[1..]),
        _ => (false, rest),
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let text = std::str::from_utf8(&rest[..digits]).ok()?;
    let value: i64 = text.parse().ok()?;
    Some(if negative { -value } else { value })
}

/// Best-effort: the simple string after `"command":` in text that is not valid JSON.
fn scan_string_field(body: &[u8], key: &[u8]) -> Option<String> {
    let rest = value_after_key(body, key)?;
    let rest = rest.strip_prefix(b"\"")?;
    let end = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
    if rest[end] != b'"' || end > QUOTE_LIMIT {
        return None;
    }
    String::from_utf8(rest[..end].to_vec()).ok()
}

/// The bytes after `key`, optional whitespace, `:` and optional whitespace.
fn value_after_key<'a>(body: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let pos = find(body, key)?;
    let rest = skip_whitespace(&body[pos + key.len()..]);
    let rest = rest.strip_prefix(b":")?;
    Some(skip_whitespace(rest))
}

fn skip_whitespace(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[n..]
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Header text for an error message, bounded in length.
fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTE_LIMIT) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{}", body.len(), body)
    }

    /// Feed `input` in one go, then signal end of stream; collect every frame.
    fn decode_all(input: &[u8]) -> Vec<Frame> {
        let mut codec = DapCodec::new();
        let mut buf = BytesMut::from(input);
        let mut frames = Vec::new();
        while let Some(frame) = codec.decode(&mut buf).expect("decode") {
            frames.push(frame);
        }
        while let Some(frame) = codec.decode_eof(&mut buf).expect("decode_eof") {
            frames.push(frame);
        }
        frames
    }

    fn values(frames: &[Frame]) -> Vec<serde_json::Value> {
        frames
            .iter()
            .filter_map(|f| f.as_ref().ok().cloned())
            .collect()
    }

    #[test]
    fn round_trip() {
        let message = json!({"seq": 1, "type": "request", "command": "initialize", "arguments": {"a": "é\r\n\r\n"}});
        let mut codec = DapCodec::new();
        let mut buf = BytesMut::new();
        codec.encode(message.clone(), &mut buf).unwrap();
        codec.encode(message.clone(), &mut buf).unwrap();
        let text = String::from_utf8(buf.to_vec()).unwrap();
        assert!(text.starts_with("Content-Length: "));
        let first = codec.decode(&mut buf).unwrap().unwrap().unwrap();
        let second = codec.decode(&mut buf).unwrap().unwrap().unwrap();
        assert_eq!(first, message);
        assert_eq!(second, message);
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert!(buf.is_empty());
    }

    #[test]
    fn content_length_counts_bytes_not_chars() {
        let body = r#"{"text":"héllo ✓"}"#;
        assert_ne!(body.len(), body.chars().count());
        assert_eq!(
            values(&decode_all(frame(body).as_bytes())),
            vec![json!({"text": "héllo ✓"})]
        );
    }

    #[test]
    fn split_byte_by_byte() {
        let input = format!("{}{}", frame(r#"{"seq":1}"#), frame(r#"{"seq":2}"#));
        let mut codec = DapCodec::new();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for &byte in input.as_bytes() {
            buf.put_u8(byte);
            while let Some(frame) = codec.decode(&mut buf).unwrap() {
                got.push(frame.unwrap());
            }
        }
        assert_eq!(got, vec![json!({"seq": 1}), json!({"seq": 2})]);
        assert!(codec.decode_eof(&mut buf).unwrap().is_none());
    }

    #[test]
    fn partial_frame_waits_for_more() {
        let input = frame(r#"{"seq":1}"#);
        let mut codec = DapCodec::new();
        let mut buf = BytesMut::from(&input.as_bytes()[..input.len() - 3]);
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert!(codec.decode(&mut buf).unwrap().is_none());
        buf.put_slice(&input.as_bytes()[input.len() - 3..]);
        assert_eq!(
            codec.decode(&mut buf).unwrap().unwrap().unwrap(),
            json!({"seq": 1})
        );
    }

    #[test]
    fn several_messages_in_one_buffer() {
        let input: String = (1..=5)
            .map(|i| frame(&format!(r#"{{"seq":{i}}}"#)))
            .collect();
        let frames = decode_all(input.as_bytes());
        assert_eq!(
            values(&frames),
            (1..=5).map(|i| json!({"seq": i})).collect::<Vec<_>>()
        );
        assert_eq!(frames.len(), 5);
    }

    #[test]
    fn extra_headers_and_case_insensitive_names() {
        let body = r#"{"seq":7}"#;
        let input = format!(
            "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-LENGTH:{}\r\n\r\n{body}\
             CONTENT-LENGTH : {} \r\nX-Other: 1\r\n\r\n{body}",
            body.len(),
            body.len()
        );
        assert_eq!(
            values(&decode_all(input.as_bytes())),
            vec![json!({"seq": 7}), json!({"seq": 7})]
        );
    }

    #[test]
    fn resync_after_non_numeric_length() {
        let input = format!(
            "Content-Length: abc\r\n\r\n{{\"seq\":1}}{}",
            frame(r#"{"seq":2}"#)
        );
        let frames = decode_all(input.as_bytes());
        assert!(
            matches!(frames[0], Err(FrameError::InvalidContentLength { ref value }) if value == "abc")
        );
        assert_eq!(values(&frames), vec![json!({"seq": 2})]);
        assert_eq!(frames.len(), 2);
    }

    #[test]
    fn resync_after_missing_length() {
        let input = format!(
            "Content-Type: text/json\r\n\r\n{{\"seq\":1}}{}",
            frame(r#"{"seq":2}"#)
        );
        let frames = decode_all(input.as_bytes());
        assert!(matches!(frames[0], Err(FrameError::MissingContentLength)));
        assert_eq!(values(&frames), vec![json!({"seq": 2})]);
    }

    #[test]
    fn resync_after_garbage_line_keeps_following_header() {
        let input = format!("garbage without colon\r\n{}", frame(r#"{"seq":3}"#));
        let frames = decode_all(input.as_bytes());
        assert!(matches!(
            frames[0],
            Err(FrameError::MalformedHeaderLine { .. })
        ));
        assert_eq!(values(&frames), vec![json!({"seq": 3})]);
    }

    #[test]
    fn resync_byte_by_byte() {
        let input = format!("Content-Length: -4\r\n\r\nxx{}", frame(r#"{"seq":2}"#));
        let mut codec = DapCodec::new();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for &byte in input.as_bytes() {
            buf.put_u8(byte);
            while let Some(frame) = codec.decode(&mut buf).unwrap() {
                got.push(frame);
            }
        }
        assert_eq!(got.len(), 2);
        assert!(got[0].is_err());
        assert_eq!(*got[1].as_ref().unwrap(), json!({"seq": 2}));
    }

    #[test]
    fn absurd_length_is_refused_and_resynced() {
        for length in ["67108865", "99999999999999999999999999"] {
            let input = format!(
                "Content-Length: {length}\r\n\r\n{{}}{}",
                frame(r#"{"seq":9}"#)
            );
            let frames = decode_all(input.as_bytes());
            assert!(
                matches!(frames[0], Err(FrameError::ContentLengthTooLarge { ref value, .. }) if value == length),
                "{:?}",
                frames[0]
            );
            assert_eq!(values(&frames), vec![json!({"seq": 9})]);
        }
        // The limit itself is accepted.
        let header = format!("Content-Length: {MAX_CONTENT_LENGTH}\r\n\r\n");
        let mut codec = DapCodec::new();
        let mut buf = BytesMut::from(header.as_bytes());
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert_eq!(
            codec.state,
            State::Body {
                len: MAX_CONTENT_LENGTH
            }
        );
    }

    #[test]
    fn conflicting_lengths_are_refused() {
        let input = "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}";
        assert!(matches!(
            decode_all(input.as_bytes())[0],
            Err(FrameError::ConflictingContentLength)
        ));
    }

    #[test]
    fn over_long_header_is_refused_and_resynced() {
        let input = format!(
            "X: {}{}",
            "a".repeat(MAX_HEADER_BYTES),
            frame(r#"{"seq":4}"#)
        );
        let frames = decode_all(input.as_bytes());
        assert!(matches!(frames[0], Err(FrameError::HeaderTooLong { .. })));
        assert_eq!(values(&frames), vec![json!({"seq": 4})]);
    }

    #[test]
    fn non_utf8_header_is_refused() {
        let mut input = b"Content-Length: 2\xff\r\n\r\n{}".to_vec();
        input.extend_from_slice(frame(r#"{"seq":5}"#).as_bytes());
        let frames = decode_all(&input);
        assert!(matches!(frames[0], Err(FrameError::HeaderEncoding)));
        assert_eq!(values(&frames), vec![json!({"seq": 5})]);
    }

    #[test]
    fn invalid_json_then_valid_message() {
        let input = format!(
            "{}{}",
            frame(r#"{"seq": 12, "type":"request", "command":"next", "arguments": {"#),
            frame(r#"{"seq":13}"#)
        );
        let frames = decode_all(input.as_bytes());
        assert_eq!(frames.len(), 2);
        let error = frames[0].as_ref().unwrap_err();
        assert!(matches!(error, FrameError::InvalidJson { .. }));
        assert_eq!(error.recovered_seq(), Some(12));
        assert_eq!(error.recovered_command(), Some("next"));
        assert_eq!(*frames[1].as_ref().unwrap(), json!({"seq": 13}));
    }

    #[test]
    fn invalid_json_without_seq() {
        let frames = decode_all(frame(r#"{"request_seq": 4, "command": 5,"#).as_bytes());
        let error = frames[0].as_ref().unwrap_err();
        assert_eq!(error.recovered_seq(), None);
        assert_eq!(error.recovered_command(), None);
        // An empty body is invalid JSON too, not a framing problem.
        assert!(matches!(
            decode_all(b"Content-Length: 0\r\n\r\n")[0],
            Err(FrameError::InvalidJson { .. })
        ));
    }

    #[test]
    fn truncated_stream_is_reported_once() {
        let frames = decode_all(b"Content-Length: 10\r\n\r\n{\"se");
        assert_eq!(frames.len(), 1);
        assert!(matches!(
            frames[0],
            Err(FrameError::Truncated { missing: 6 })
        ));
        let frames = decode_all(b"Content-Len");
        assert!(matches!(frames[..], [Err(FrameError::Truncated { .. })]));
        assert!(decode_all(b"").is_empty());
        assert_eq!(
            values(&decode_all(format!("{}\r\n", frame("{}")).as_bytes())),
            vec![json!({})]
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A deterministic pseudo-random stream with markers sprinkled in.
        let mut rng = rewind_test_support::Rng::new(0x2545_f491);
        let mut input = Vec::new();
        for i in 0..20_000 {
            input.push(rng.next() as u8);
            if i % 997 == 0 {
                input.extend_from_slice(b"Content-Length: 3\r\n\r\n");
            }
        }
        input.extend_from_slice(frame(r#"{"seq":1}"#).as_bytes());
        let mut codec = DapCodec::new();
        let mut buf = BytesMut::new();
        let mut last = None;
        for chunk in input.chunks(61) {
            buf.put_slice(chunk);
            while let Some(frame) = codec.decode(&mut buf).unwrap() {
                last = Some(frame);
            }
        }
        assert_eq!(last.unwrap().unwrap(), json!({"seq": 1}));
    }
}
