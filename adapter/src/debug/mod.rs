//! Glue between the replay engine and the debug-information layer
//! (rewind-debuginfo): the replayed process's file mappings taken from the
//! trace, and its registers and memory as the debug layer reads them.
//!
//! In a replay, shared libraries are anonymous memory filled from the trace's
//! copies, so /proc/PID/maps cannot name them; [`maps`] rebuilds the mappings
//! from the recorded events instead, naming the trace's copies (identical to the
//! originals, so their DWARF and build-ids are the recorded program's).

pub mod maps;
pub mod target;

use rewind_debuginfo::{DebugInfoError, Program};
use rewind_engine::session::Session;
use rewind_engine::trace::{TraceError, TraceReader};

/// Places in `program` the files mapped in the process of the thread `session`
/// stopped in, at the session's current event. Returns the files that could not be
/// loaded (their code then has no source information).
pub fn sync_program(
    program: &mut Program,
    reader: &TraceReader,
    session: &Session,
) -> Result<Vec<DebugInfoError>, TraceError> {
    let maps = maps::mappings_at(reader, session.event_index(), session.current_tid())?;
    Ok(program.set_mappings(&maps))
}
