//! What the debugger tells the client without being asked, in the order it
//! happens: stops, output, threads and modules that come and go, the
//! program's exit, breakpoints that got placed. The DAP side turns each into
//! an event.

use tokio::sync::mpsc::UnboundedSender;

use super::stop::StopReport;
use super::views::{BreakpointView, ModuleView};

/// Where a piece of text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputStream {
    /// rewind's own messages (the debug console).
    Console,
    /// The recorded program's standard output.
    Stdout,
    /// The recorded program's standard error.
    Stderr,
}

/// A module (mapped file) that appeared, moved or went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleChange {
    /// Mapped for the first time.
    New,
    /// Mapped again at another address.
    Changed,
    /// No longer mapped.
    Removed,
}

/// A step of long work shown while it runs (a recording, a long movement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressPhase {
    /// The work has run long enough to be shown.
    Start {
        /// What runs ("Recording loop").
        title: String,
        /// Whether the client may cancel it.
        cancellable: bool,
    },
    /// How far it got.
    Update {
        /// Events so far, time elapsed.
        message: String,
    },
    /// It is over.
    End,
}

/// One piece of news for the client.
#[derive(Debug, Clone)]
pub enum DebuggerEvent {
    /// The recording is open: the client may configure the session.
    Ready,
    /// The session is over.
    Ended,
    /// A movement started without a request of its own (a console command).
    Continued {
        /// The thread it was started from.
        tid: i32,
    },
    /// A movement ended.
    Stopped(StopReport),
    /// Text for the client.
    Output {
        /// Which stream it belongs to.
        stream: OutputStream,
        /// The text, newline included.
        text: String,
    },
    /// A thread started or exited at this point of the recording.
    Thread {
        /// The recorded thread id.
        tid: i32,
        /// `true` when it started, `false` when it exited.
        started: bool,
    },
    /// A module appeared, moved or went away.
    Module {
        /// What happened to it.
        change: ModuleChange,
        /// The module.
        module: ModuleView,
    },
    /// The recorded program's exit status (128+N when a signal killed it).
    Exited {
        /// The exit status.
        code: i32,
    },
    /// A breakpoint changed (typically: its library got loaded).
    BreakpointChanged(BreakpointView),
    /// Long work's progress.
    Progress {
        /// Names the work across its phases (and for `cancel`).
        id: String,
        /// Where it stands.
        phase: ProgressPhase,
    },
}

/// Where events go, in order.
pub type EventSink = UnboundedSender<DebuggerEvent>;
