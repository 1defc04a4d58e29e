//! What the debugger answers: plain values (no JSON, nothing of DAP) for
//! each kind of request, which the DAP side turns into response bodies.

use std::path::PathBuf;

/// A user breakpoint as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakpointView {
    /// Its id.
    pub id: i64,
    /// Whether it is placed at code.
    pub verified: bool,
    /// Why it is not placed, when it is not.
    pub message: Option<String>,
    /// The line it landed on (a source breakpoint moves to code).
    pub line: Option<u32>,
    /// The source file of a line breakpoint.
    pub source: Option<PathBuf>,
    /// Its first address, when placed.
    pub address: Option<u64>,
}

/// A bookmark as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookmarkView {
    /// The id `gotoEvent` takes.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The event it is at (or just after).
    pub event: u64,
}

/// Where the session stands in the recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineView {
    /// Events in the recording, when known.
    pub event_count: Option<u64>,
    /// The event the session stands at.
    pub current_event: u64,
    /// Whether the recording runs to the program's end.
    pub complete: bool,
    /// Every bookmark, oldest first.
    pub bookmarks: Vec<BookmarkView>,
}

/// What a completion inserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    /// A console command word.
    Keyword,
    /// A local variable or parameter.
    Variable,
    /// A global.
    Value,
}

/// One completion of the word under the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionView {
    /// The text inserted.
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// Where the replaced word starts (a column, from 0).
    pub start: usize,
    /// How many characters it replaces.
    pub length: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Locals,
    Globals,
    Registers,
}

/// A stack frame as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFrameView {
    /// The frame id (valid until the program moves).
    pub id: i64,
    /// The function, else the nearest symbol, else the address.
    pub name: String,
    /// The frame's pc.
    pub pc: u64,
    /// Its source position, when the debug information has one.
    pub location: Option<FrameLocation>,
    /// The module the pc lies in.
    pub module: Option<PathBuf>,
}

/// Where a frame stands in its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameLocation {
    /// The source file.
    pub file: PathBuf,
    /// Its line.
    pub line: u32,
    /// Its column (1 when unknown).
    pub column: u32,
    /// Whether the file is on this machine (libc's sources are usually not).
    pub on_disk: bool,
}

/// A page of a thread's stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackTraceView {
    /// The frames asked for, innermost first.
    pub frames: Vec<StackFrameView>,
    /// How many frames the stack has in all.
    pub total: usize,
}

/// A scope of a frame as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeView {
    /// Its title.
    pub name: &'static str,
    /// What it holds.
    pub kind: ScopeKind,
    /// The reference `variables` expands.
    pub reference: i64,
    /// Whether expanding it is slow.
    pub expensive: bool,
}

/// A variable (or an evaluated expression) as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableView {
    /// Its name (the expression, for an evaluation).
    pub name: String,
    /// Its value as text.
    pub value: String,
    /// Its type's name.
    pub type_name: String,
    /// The reference that expands its children (0: none).
    pub reference: i64,
    /// How many indexed children it has (arrays).
    pub indexed: Option<u64>,
    /// Where it lies in memory, when it does.
    pub address: Option<u64>,
}

/// The signal a thread stopped for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionView {
    /// The signal's name (`SIGSEGV`).
    pub name: String,
    /// What, where, which thread, and whether the program died of it.
    pub description: String,
    /// The signal's number and name.
    pub message: String,
}

/// A live thread as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadView {
    /// The recorded thread id.
    pub id: i32,
    /// Its name: the replayed thread's `comm` and the recorded id.
    pub name: String,
}

/// A file mapped in the replayed process, as the client sees it.
#[derive(Debug, Clone)]
pub struct ModuleView {
    /// The trace's copy of the file.
    pub path: PathBuf,
    /// Where it is mapped, when it is.
    pub loaded: Option<LoadedModuleView>,
}

/// Where a mapped module lies and what debug information it has.
#[derive(Debug, Clone)]
pub struct LoadedModuleView {
    /// First address of the mapping.
    pub start: u64,
    /// End of the mapping (exclusive).
    pub end: u64,
    /// Whether the file carries DWARF sections.
    pub has_debug_info: bool,
    /// The separate debug file, when one was found.
    pub debug_path: Option<PathBuf>,
}

/// Bytes read from the replayed process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryView {
    /// Where the read started.
    pub address: u64,
    /// The readable prefix of what was asked for.
    pub data: Vec<u8>,
    /// How many bytes after it could not be read.
    pub unreadable: u64,
}

/// One disassembled instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstructionView {
    /// Its address.
    pub address: u64,
    /// Its bytes and text; `None` where the bytes decode to no instruction.
    pub decoded: Option<(Vec<u8>, String)>,
    /// The symbol it lies in, when asked for.
    pub symbol: Option<String>,
    /// The source line it starts, for the first instruction of each line.
    pub line: Option<(PathBuf, u32)>,
}

/// What `dataBreakpointInfo` found: the id to watch it by (none when it
/// cannot be watched) and a description that says what, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchableView {
    /// The data id `setDataBreakpoints` takes, when it can be watched.
    pub data_id: Option<String>,
    /// What it is, or why it cannot be watched.
    pub description: String,
}

/// A `gotoTargets` answer: a target id, what it does, and where.
#[derive(Debug, Clone)]
pub struct GotoTargetView {
    /// The id `goto` takes.
    pub id: i64,
    /// What it does ("Back to the previous execution of line N").
    pub label: String,
    /// The line it goes to.
    pub line: u32,
    /// Its first address.
    pub address: Option<u64>,
}
