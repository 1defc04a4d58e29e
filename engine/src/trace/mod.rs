//! The on-disk trace container: a directory holding `header` (the recorded
//! run's description), `events` (the event stream in checksummed,
//! zstd-compressed frames) and `files/` (copies of mapped files). See
//! [`format`](mod@format) for the byte layout.

pub mod cpu;
mod error;
pub mod event;
mod file_sums;
mod files;
pub mod format;
mod reader;
mod writer;

pub use cpu::{compare_cpus, current_cpu_info, CpuMismatch, CpuSummary, LeafDifference};
pub use error::TraceError;
pub use event::*;
pub use reader::{CutTail, EventStream, StreamMark, TraceReader};
pub use writer::TraceWriter;

#[cfg(test)]
mod tests;
