//! `rewind`: record a program, replay it exactly, inspect the trace.

mod cli;
mod dap;
mod debugger;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
