//! Errors of the DAP client. Every error raised while talking to the adapter
//! carries a `context`: the last messages exchanged and the adapter's stderr,
//! so that a failing test says what the adapter did.

use std::time::Duration;

use serde_json::Value;

/// What can go wrong while driving an adapter.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot start adapter `{bin}`: {source}")]
    Spawn {
        bin: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot connect to the adapter at {addr}: {detail}\n{context}")]
    Connect {
        addr: String,
        detail: String,
        context: String,
    },
    #[error("writing to the adapter failed: {source}\n{context}")]
    Write {
        #[source]
        source: std::io::Error,
        context: String,
    },
    #[error("timed out after {after:?} waiting for {what}\n{context}")]
    Timeout {
        what: String,
        after: Duration,
        context: String,
    },
    #[error("the adapter connection closed ({reason}) while waiting for {what}\n{context}")]
    Closed {
        what: String,
        reason: String,
        context: String,
    },
    #[error("request `{command}` failed: {message}\nresponse: {response}\n{context}")]
    RequestFailed {
        command: String,
        message: String,
        response: Box<Value>,
        context: String,
    },
    #[error("DAP protocol violation by the adapter: {detail}\n{context}")]
    Protocol { detail: String, context: String },
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
