//! Why the debugger could not do what it was asked: one enum for the layer,
//! wrapping the layers below (the replay session, the trace, the debug
//! information). The text is user-facing; the DAP side turns it into an
//! error response.

use thiserror::Error;

use rewind_debuginfo::{DebugInfoError, ExprError};
use rewind_engine::session::SessionError;
use rewind_engine::trace::TraceError;

/// An error of a debugger request or movement.
#[derive(Debug, Error)]
pub enum DebuggerError {
    /// The replay session failed (it still stands at a valid position).
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The trace could not be read.
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// The debug information has no answer (no such line, function, …).
    #[error(transparent)]
    DebugInfo(#[from] DebugInfoError),
    /// An expression could not be evaluated.
    #[error(transparent)]
    Expression(#[from] ExprError),
    /// A frame id not handed out since the last stop.
    #[error("frame {0} does not exist (frame ids are valid until the program moves)")]
    UnknownFrame(i64),
    /// A variables reference not handed out since the last stop.
    #[error(
        "variables reference {0} does not exist (references are valid until the program moves)"
    )]
    UnknownReference(i64),
    /// The request names something the recording does not have, or asks
    /// for what cannot be done at this position; the text says which.
    #[error("{0}")]
    Refused(String),
}
