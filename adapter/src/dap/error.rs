//! The error a request handler answers with: its kind gives the response's
//! stable `body.error.id`, its text the message the user reads.

/// Why a handler could not carry out a request. The `Display` text is
/// user-facing: it becomes the error response's `message` and `body.error.format`.
#[derive(Debug, thiserror::Error)]
pub enum DapError {
    #[error("unknown request '{0}'")]
    UnknownRequest(String),
    #[error("invalid argument '{field}': {reason}")]
    InvalidArgument { field: String, reason: String },
    #[error("malformed request: {0}")]
    MalformedRequest(String),
    /// A request the adapter understands but refuses (e.g. `setVariable` on a recording).
    #[error("{0}")]
    NotSupported(String),
    /// Any other user-facing failure.
    #[error("{0}")]
    Failed(String),
    #[error("internal error while handling '{0}'")]
    Internal(String),
}

impl DapError {
    /// Stable `body.error.id` for this kind of error.
    pub fn id(&self) -> u32 {
        match self {
            DapError::UnknownRequest(_) => 1001,
            DapError::InvalidArgument { .. } => 1002,
            DapError::MalformedRequest(_) => 1003,
            DapError::NotSupported(_) => 1004,
            DapError::Failed(_) => 1005,
            DapError::Internal(_) => 1006,
        }
    }
}

impl From<crate::debugger::error::DebuggerError> for DapError {
    fn from(error: crate::debugger::error::DebuggerError) -> DapError {
        DapError::Failed(error.to_string())
    }
}
