//! Typed arguments of the DAP requests rewind serves (the custom ones
//! included), and their parsing with errors that name the offending field
//! ([`locate`]), used by `Request::parse_arguments`.

mod locate;

pub use locate::parse;

use serde::Deserialize;

use crate::debugger::breakpoint_set::Options;

/// The options every kind of breakpoint takes.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BreakpointOptions {
    condition: Option<String>,
    hit_condition: Option<String>,
    log_message: Option<String>,
}

impl From<BreakpointOptions> for Options {
    fn from(o: BreakpointOptions) -> Options {
        Options {
            condition: o.condition,
            hit_condition: o.hit_condition,
            log_message: o.log_message,
        }
    }
}

/// What `initialize` says of the client (only what rewind uses).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct InitializeArgs {
    #[serde(default)]
    pub(super) supports_progress_reporting: bool,
}

/// `cancel`: a request or a progress to cancel.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct CancelArgs {
    pub(super) progress_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ThreadArgs {
    pub(super) thread_id: i32,
    pub(super) granularity: Option<String>,
}

impl ThreadArgs {
    /// Whether the step is by instruction (`granularity: "instruction"`).
    pub(super) fn by_instruction(&self) -> bool {
        self.granularity.as_deref() == Some("instruction")
    }
}

#[derive(Deserialize)]
pub(super) struct SourceArg {
    pub(super) path: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SourceBreakpoint {
    pub(super) line: u32,
    #[serde(flatten)]
    pub(super) options: BreakpointOptions,
}

#[derive(Deserialize)]
pub(super) struct SetBreakpointsArgs {
    pub(super) source: SourceArg,
    pub(super) breakpoints: Option<Vec<SourceBreakpoint>>,
    pub(super) lines: Option<Vec<u32>>,
}

#[derive(Deserialize)]
pub(super) struct FunctionBreakpoint {
    pub(super) name: String,
    #[serde(flatten)]
    pub(super) options: BreakpointOptions,
}

#[derive(Deserialize)]
pub(super) struct Breakpoints<T> {
    pub(super) breakpoints: Vec<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InstructionBreakpoint {
    pub(super) instruction_reference: String,
    #[serde(default)]
    pub(super) offset: i64,
    #[serde(flatten)]
    pub(super) options: BreakpointOptions,
}

#[derive(Deserialize)]
pub(super) struct ExceptionArgs {
    #[serde(default)]
    pub(super) filters: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DataInfoArgs {
    pub(super) variables_reference: Option<i64>,
    pub(super) name: String,
    pub(super) frame_id: Option<i64>,
    #[serde(default)]
    pub(super) as_address: bool,
    pub(super) bytes: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DataBreakpoint {
    pub(super) data_id: String,
    pub(super) access_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StackTraceArgs {
    pub(super) thread_id: i32,
    pub(super) start_frame: Option<usize>,
    pub(super) levels: Option<usize>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FrameArgs {
    pub(super) frame_id: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct VariablesArgs {
    pub(super) variables_reference: i64,
    pub(super) start: Option<u64>,
    pub(super) count: Option<u64>,
    pub(super) format: Option<ValueFormat>,
}

/// DAP `ValueFormat`: how values are displayed.
#[derive(Deserialize, Default)]
pub(super) struct ValueFormat {
    #[serde(default)]
    pub(super) hex: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EvaluateArgs {
    pub(super) expression: String,
    pub(super) frame_id: Option<i64>,
    pub(super) context: Option<String>,
    pub(super) format: Option<ValueFormat>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ReadMemoryArgs {
    pub(super) memory_reference: String,
    #[serde(default)]
    pub(super) offset: i64,
    pub(super) count: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DisassembleArgs {
    pub(super) memory_reference: String,
    #[serde(default)]
    pub(super) offset: i64,
    #[serde(default)]
    pub(super) instruction_offset: i64,
    pub(super) instruction_count: usize,
    #[serde(default)]
    pub(super) resolve_symbols: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GotoTargetsArgs {
    pub(super) source: SourceArg,
    pub(super) line: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BreakpointLocationsArgs {
    pub(super) source: SourceArg,
    pub(super) line: u32,
    pub(super) end_line: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GotoArgs {
    pub(super) target_id: i64,
}

#[derive(Deserialize)]
pub(super) struct GotoEventArgs {
    pub(super) event: Option<u64>,
    pub(super) bookmark: Option<i64>,
}

#[derive(Deserialize)]
pub(super) struct BookmarkArgs {
    pub(super) name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ModulesArgs {
    #[serde(default)]
    pub(super) start_module: usize,
    pub(super) module_count: Option<usize>,
}

#[derive(Deserialize)]
pub(super) struct SourceArgs {
    pub(super) source: Option<SourceArg>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CompletionsArgs {
    pub(super) text: String,
    /// 1-based column of the cursor in `text` (in UTF-16 code units; ASCII
    /// is what completes here).
    pub(super) column: usize,
    pub(super) frame_id: Option<i64>,
}
