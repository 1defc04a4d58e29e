//! Source-level debugging data from DWARF (gimli, object): modules loaded at their bias,
//! line tables, functions and inlined calls, CFI unwinding, variables and expressions.

mod breakpoints;
mod cfi;
mod debugfile;
pub mod demangle;
mod dwarf;
mod elf;
mod error;
mod functions;
mod lines;
mod location;
mod module;
mod paths;
mod program;
mod prologue;
mod source;
mod target;
mod unwind;

pub use breakpoints::LineBreakpoint;
pub use error::{DebugInfoError, ExprError, MemoryError};
pub use functions::{Scope, ScopeKind};
pub use module::Module;
pub use program::{LoadedModule, Program};
pub use source::{ScopeRef, SourceLocation};
pub use target::{parse_proc_maps, read_u64, Mapping, Memory, Registers, REGISTER_NAMES};
pub use unwind::PhysicalFrame;
