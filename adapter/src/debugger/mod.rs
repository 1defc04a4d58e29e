//! The debugger behind the DAP server: a replay session, the debug
//! information of the replayed program, and everything a source-level
//! debugger keeps between requests (breakpoints with conditions, variable
//! handles, bookmarks). It lives on the engine thread (docs/architecture.md,
//! "Threads") — the DAP side sends it jobs — and reports what happens
//! (stops, output, threads, modules, the exit, breakpoints) as
//! [`events::DebuggerEvent`]s, in the order it happens.
//!
//! It knows no DAP: requests answer with typed views or a
//! [`error::DebuggerError`], and `crate::dap` turns them into JSON. This is
//! the layer that maps source-level requests onto engine operations.

pub mod breakpoint_set;
pub mod breakpoints;
pub mod console;
pub mod disasm;
pub mod error;
pub mod events;
mod fast_conditions;
mod frames;
mod handles;
pub mod hexfmt;
pub mod inspect;
pub mod mappings;
pub mod memory;
pub mod modules;

pub mod movement;
mod places;
mod step_back_window;
mod stepping;
pub mod stop;
pub mod target;
pub mod views;
pub mod watch;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use tracing::warn;

use rewind_debuginfo::Program;
use rewind_engine::session::{Session, SessionError};
use rewind_engine::trace::TraceReader;

use mappings::MappingsCursor;

pub use events::EventSink;
use events::{DebuggerEvent, OutputStream};

/// Thread list kept for `threads` requests that arrive while a movement runs.
pub type ThreadsCache = Arc<Mutex<Vec<views::ThreadView>>>;

pub struct Debugger {
    session: Session,
    reader: TraceReader,
    program: Program,
    mappings: MappingsCursor,
    /// Event index and process the program's mappings were last placed for.
    synced_event: Option<(u64, i32)>,
    /// The last thread asked about, at which event, and its process
    /// (breakpoint conditions ask for the same thread at every hit).
    last_thread: (u64, i32, i32),
    events: EventSink,
    breakpoints: breakpoint_set::Table,
    /// Addresses planted in the session (user breakpoints and temporary ones).
    installed: BTreeSet<u64>,
    handles: handles::Handles,
    bookmarks: Vec<places::Bookmark>,
    /// Signals that stop a forward run (`setExceptionBreakpoints`).
    exception_filters: BTreeSet<i32>,
    known_threads: BTreeSet<i32>,
    known_modules: BTreeMap<PathBuf, u64>,
    end_reported: bool,
    /// The signal the last stop was about (for `exceptionInfo`).
    last_signal: Option<(i32, i32)>,
    threads_cache: ThreadsCache,
    /// Whether a movement runs (shared with the DAP side); cleared just
    /// before its `stopped` event goes out.
    running: Arc<AtomicBool>,
    goto_targets: BTreeMap<i64, places::GotoTarget>,
}

impl Debugger {
    /// Opens the recording in `trace_dir`, stopped at its start.
    pub fn open(
        trace_dir: &Path,
        events: EventSink,
        threads_cache: ThreadsCache,
        running: Arc<AtomicBool>,
    ) -> Result<Debugger, SessionError> {
        let reader =
            TraceReader::open(trace_dir).map_err(rewind_engine::replay::ReplayError::from)?;
        let mappings =
            MappingsCursor::new(&reader).map_err(rewind_engine::replay::ReplayError::from)?;
        let session = Session::open(trace_dir)?;
        let mut debugger = Debugger {
            session,
            reader,
            program: Program::new(),
            mappings,
            synced_event: None,
            last_thread: (u64::MAX, 0, 0),
            events,
            breakpoints: breakpoint_set::Table::default(),
            installed: BTreeSet::new(),
            handles: handles::Handles::default(),
            bookmarks: Vec::new(),
            exception_filters: breakpoint_set::CRASH_SIGNALS.into_iter().collect(),
            known_threads: BTreeSet::new(),
            known_modules: BTreeMap::new(),
            end_reported: false,
            last_signal: None,
            threads_cache,
            running,
            goto_targets: BTreeMap::new(),
        };
        debugger.sync_program();
        Ok(debugger)
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The signal the recorded program died of, when it crashed.
    pub fn crash_signal(&self) -> Option<i32> {
        let code = self.session.recorded_exit()?;
        (code > 128).then_some(code - 128)
    }

    fn emit(&self, event: DebuggerEvent) {
        if let Err(lost) = self.events.send(event) {
            warn!(event = ?lost.0, "the client is gone; event dropped");
        }
    }

    /// Text in the debug console.
    pub fn console(&self, text: impl Into<String>) {
        self.emit(DebuggerEvent::Output {
            stream: OutputStream::Console,
            text: text.into(),
        });
    }

    /// Places the files mapped at the current position in `program`, for
    /// the process of the thread that stopped.
    fn sync_program(&mut self) {
        self.sync_program_for(self.session.current_tid());
    }

    /// Places the files mapped in the process of thread `tid` in `program`
    /// (only when the position's event or the process changed since the
    /// last time: processes of one recording may run different programs).
    fn sync_program_for(&mut self, tid: i32) {
        let event = self.session.event_index();
        let process = if (self.last_thread.0, self.last_thread.1) == (event, tid) {
            self.last_thread.2
        } else {
            let process = self
                .session
                .threads()
                .iter()
                .find(|t| t.tid == tid)
                .map_or(tid, |t| t.process);
            self.last_thread = (event, tid, process);
            process
        };
        let key = (event, process);
        if self.synced_event == Some(key) {
            return;
        }
        match self.mappings.mappings_at(&self.reader, key.0, tid) {
            Ok(maps) => {
                for error in self.program.set_mappings(&maps) {
                    warn!(%error, "a mapped file has no usable debug information");
                }
                self.synced_event = Some(key);
            }
            Err(error) => warn!(%error, "cannot rebuild the mappings from the trace"),
        }
    }
}
