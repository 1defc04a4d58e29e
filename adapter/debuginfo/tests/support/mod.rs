//! Helpers of the debug-info tests alone: comparing breakpoints with gdb's, ELF
//! rewriting, and a tiny ptrace tracer the layer reads stopped processes through.
//! Fixtures, `LINE:` markers and gdb itself come from rewind-test-support.
#![allow(dead_code)]

pub mod compare;
pub mod elf;
pub mod tracer;
