//! rewind-engine: records Linux x86-64 programs and replays them exactly.
//!
//! Knows processes, registers, memory and events; knows nothing of DAP or
//! DWARF (see docs/architecture.md, "The layers").

pub mod checkpoint;
pub mod digest;
pub mod finder;
pub mod procmaps;
pub mod record;
pub mod replay;
pub mod session;
pub mod signals;
pub mod spawn;
pub mod syscalls;
pub mod trace;
pub mod tracee;
pub mod tree_guard;
