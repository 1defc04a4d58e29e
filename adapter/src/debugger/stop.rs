//! How a movement ended: a typed stop report (the DAP side turns it into a
//! `stopped` event).

/// Why the program stopped, as the user sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// A step (line or instruction) ended, or an end of the recording was reached.
    Step,
    /// A source-line breakpoint.
    Breakpoint,
    /// A function breakpoint.
    FunctionBreakpoint,
    /// An instruction breakpoint.
    InstructionBreakpoint,
    /// A data breakpoint (watchpoint).
    DataBreakpoint,
    /// A signal the exception filters stop at.
    Exception,
    /// A pause request, or an error (the session still stands somewhere valid).
    Pause,
    /// The session's first stop, or a restart.
    Entry,
    /// A goto target, a timeline event or a bookmark.
    Goto,
    /// `restartFrame` reached the start of the call.
    RestartFrame,
}

/// The ends of a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Nothing happened before this point.
    Start,
    /// The last event of the recording.
    End,
}

/// Where and why a movement stopped.
#[derive(Debug, Clone)]
pub struct StopReport {
    /// Why, as a kind.
    pub reason: StopReason,
    /// A short title (editors show it beside the thread).
    pub description: String,
    /// A longer explanation, when there is one.
    pub text: Option<String>,
    /// The thread the stop is about.
    pub tid: i32,
    /// The user breakpoints that stopped it.
    pub hit_breakpoint_ids: Vec<i64>,
    /// The signal of an exception stop.
    pub signal: Option<i32>,
    /// Set when the stop is at one end of the recording.
    pub edge: Option<Edge>,
}

impl StopReport {
    /// A report with no text, breakpoints, signal or edge.
    pub fn new(reason: StopReason, description: impl Into<String>, tid: i32) -> StopReport {
        StopReport {
            reason,
            description: description.into(),
            text: None,
            tid,
            hit_breakpoint_ids: Vec::new(),
            signal: None,
            edge: None,
        }
    }

    /// A stop at user breakpoints `ids` (of the kind `reason` says), with a
    /// note when a condition could not be evaluated.
    pub fn breakpoint(
        reason: StopReason,
        ids: Vec<i64>,
        note: Option<String>,
        tid: i32,
    ) -> StopReport {
        let description = match reason {
            StopReason::FunctionBreakpoint => "Function breakpoint",
            StopReason::InstructionBreakpoint => "Instruction breakpoint",
            _ => "Breakpoint",
        };
        let mut r = StopReport::new(reason, description, tid);
        r.hit_breakpoint_ids = ids;
        r.text = note;
        r
    }

    /// The end of a step.
    pub fn step(tid: i32) -> StopReport {
        StopReport::new(StopReason::Step, "Step", tid)
    }
}
