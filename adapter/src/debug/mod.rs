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
