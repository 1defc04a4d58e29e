//! Source-level debugging data from DWARF (gimli, object): modules loaded at their bias,
//! line tables, functions and inlined calls, CFI unwinding, variables and expressions.
//!
//! Everything hangs off [`Program`], the set of ELF files mapped in one process:
//!
//! - [`Program::set_mappings`] (from /proc/PID/maps, [`parse_proc_maps`]) or
//!   [`Program::add_module`] places each file at its load bias. Files are opened lazily:
//!   headers now, DWARF (decompressed, separate debug file by build-id or
//!   `.gnu_debuglink` under /usr/lib/debug), symbols and CFI on first use, then cached.
//! - Breakpoints like gdb's `break`: [`Program::line_breakpoint`],
//!   [`Program::function_breakpoint`].
//! - Address to source: [`Program::location_at`], [`Program::line_range_at`] (stepping),
//!   [`Program::function_at`], [`Program::function_name_at`].
//! - Stacks: [`Program::stack`] gives source-level [`Frame`]s (one per inlined call,
//!   CFA and frame base), [`Program::unwind`] the physical ones.
//! - Variables: [`Program::frame_variables`] (parameters, locals), [`Program::globals`],
//!   [`Program::registers`]; each [`Variable`] may carry a [`ValueHandle`] to expand with
//!   [`Program::children`] (paged). [`Program::evaluate`] evaluates watch/hover/console
//!   expressions.
//!
//! The target is reached only through [`Memory`] and [`Registers`], so the same code
//! serves a live tracee and a replay.

mod breakpoints;
mod cfi;
mod debugfile;
pub mod demangle;
mod dwarf;
mod elf;
mod error;
mod eval;
mod expr;
mod format;
mod functions;
mod lines;
mod location;
mod module;
mod paths;
mod program;
mod prologue;
mod rust;
mod source;
mod stack;
mod target;
mod types;
mod unwind;
mod value;
mod variables;

pub use breakpoints::LineBreakpoint;
pub use error::{DebugInfoError, ExprError, MemoryError};
pub use functions::{Scope, ScopeKind};
pub use location::Place;
pub use module::Module;
pub use program::{LoadedModule, Program};
pub use source::{FunctionInfo, LineRange, ScopeRef, SourceLocation};
pub use stack::Frame;
pub use target::{parse_proc_maps, read_u64, Mapping, Memory, Registers, REGISTER_NAMES};
pub use types::{Type, TypeKind, TypeRef};
pub use unwind::PhysicalFrame;
pub use value::{ValueHandle, Variable};
pub use variables::VariableKind;
