//! `Content-Length` framing: `Content-Length: N\r\n\r\n` then `N` bytes of JSON.

use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

/// Largest body accepted from the adapter.
const MAX_BODY: usize = 256 * 1024 * 1024;
/// Largest header block accepted from the adapter.
const MAX_HEADER: usize = 8 * 1024;

/// Frames `body` (any bytes) with a `Content-Length` header.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Serialises `message` and frames it.
pub fn encode(message: &Value) -> Vec<u8> {
    frame(message.to_string().as_bytes())
}

/// Why a message from the adapter could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// Reading the stream failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The header block is unusable: a line without `:`, no or a bad
    /// `Content-Length`, or too long; the text says which.
    #[error("malformed header: {0}")]
    Header(String),
    /// The stream ended after a message had begun (in its header or body).
    #[error("stream ended inside a message")]
    Truncated,
    /// The body was read whole but does not parse as JSON.
    #[error("body is not JSON: {error}; body: {body}")]
    Json {
        /// The JSON parser's error.
        error: String,
        /// The start of the body (at most 500 characters), lossily decoded.
        body: String,
    },
}

/// Reads one framed JSON message. `Ok(None)` at a clean end of stream
/// (no byte of a new message read).
pub async fn read_message<R: AsyncBufRead + Unpin>(
    reader: &mut R,
) -> Result<Option<Value>, FrameError> {
    let mut length: Option<usize> = None;
    let mut header_bytes = 0usize;
    let mut first = true;
    loop {
        let mut line = Vec::new();
        let n = reader.read_until(b'\n', &mut line).await?;
        if n == 0 {
            return if first {
                Ok(None)
            } else {
                Err(FrameError::Truncated)
            };
        }
        first = false;
        header_bytes += n;
        if header_bytes > MAX_HEADER {
            return Err(FrameError::Header("header block too long".into()));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| FrameError::Header(format!("line without ':': {text:?}")))?;
        if name.trim().eq_ignore_ascii_case("content-length") {
            let n: usize = value
                .trim()
                .parse()
                .map_err(|_| FrameError::Header(format!("bad Content-Length {value:?}")))?;
            if n > MAX_BODY {
                return Err(FrameError::Header(format!("Content-Length {n} too large")));
            }
            length = Some(n);
        }
    }
    let length = length.ok_or_else(|| FrameError::Header("no Content-Length".into()))?;
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            FrameError::Truncated
        } else {
            FrameError::Io(e)
        }
    })?;
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|e| FrameError::Json {
            error: e.to_string(),
            body: String::from_utf8_lossy(&body).chars().take(500).collect(),
        })
}
