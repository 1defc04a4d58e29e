//! Errors of the DAP client. Every error raised while talking to the adapter
//! carries a `context`: the last messages exchanged and the adapter's stderr,
//! so that a failing test says what the adapter did.

use std::time::Duration;

use serde_json::Value;

/// What can go wrong while driving an adapter.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The adapter process could not be started.
    #[error("cannot start adapter `{bin}`: {source}")]
    Spawn {
        /// The program that was run.
        bin: String,
        /// Why it could not be started.
        #[source]
        source: std::io::Error,
    },
    /// No TCP connection to the adapter could be made (it exited, never said
    /// where it listens, or refused the connection).
    #[error("cannot connect to the adapter at {addr}: {detail}\n{context}")]
    Connect {
        /// The address tried (`127.0.0.1:0` when the adapter never named one).
        addr: String,
        /// What went wrong.
        detail: String,
        /// The last messages exchanged and the adapter's stderr (empty when
        /// there is no adapter process).
        context: String,
    },
    /// Sending bytes to the adapter failed (usually: it has exited).
    #[error("writing to the adapter failed: {source}\n{context}")]
    Write {
        /// The I/O error of the write.
        #[source]
        source: std::io::Error,
        /// The last messages exchanged and the adapter's stderr.
        context: String,
    },
    /// A wait for a response, an event or the end of the stream ran out of time.
    #[error("timed out after {after:?} waiting for {what}\n{context}")]
    Timeout {
        /// What was waited for, e.g. "the response to request 3 (next)".
        what: String,
        /// The time limit that passed.
        after: Duration,
        /// The last messages exchanged and the adapter's stderr.
        context: String,
    },
    /// The adapter's output ended (or became unreadable) before what was
    /// waited for arrived.
    #[error("the adapter connection closed ({reason}) while waiting for {what}\n{context}")]
    Closed {
        /// What was waited for.
        what: String,
        /// Why the stream closed: "end of stream" or the framing error.
        reason: String,
        /// The last messages exchanged and the adapter's stderr.
        context: String,
    },
    /// The adapter answered a request with `success: false`.
    #[error("request `{command}` failed: {message}\nresponse: {response}\n{context}")]
    RequestFailed {
        /// The request's command.
        command: String,
        /// The adapter's error text (see [`error_message`]).
        message: String,
        /// The whole error response.
        response: Box<Value>,
        /// The last messages exchanged and the adapter's stderr.
        context: String,
    },
    /// The adapter sent something DAP does not allow, e.g. a response that
    /// does not echo its request's command or lacks a boolean `success`.
    #[error("DAP protocol violation by the adapter: {detail}\n{context}")]
    Protocol {
        /// What the adapter did wrong, with the offending message.
        detail: String,
        /// The last messages exchanged and the adapter's stderr.
        context: String,
    },
}

impl ClientError {
    /// The whole response of a failed request (`success: false`), if that is
    /// what this error is.
    pub fn response(&self) -> Option<&Value> {
        match self {
            ClientError::RequestFailed { response, .. } => Some(response),
            _ => None,
        }
    }
}

/// The `message` of an error response: `message`, else `body.error.format`.
pub fn error_message(response: &Value) -> String {
    let format = response
        .pointer("/body/error/format")
        .and_then(Value::as_str);
    match (response.get("message").and_then(Value::as_str), format) {
        (Some(m), Some(f)) if m != f => format!("{m} ({f})"),
        (Some(m), _) => m.to_string(),
        (None, Some(f)) => f.to_string(),
        (None, None) => "(no message)".to_string(),
    }
}
