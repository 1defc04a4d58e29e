//! Command-line interface.

mod demo;
mod dump;
mod paths;
mod record;
mod replay;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "rewind",
    version,
    about = "Record a Linux x86-64 program once, replay it exactly, debug it backwards"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Record PROGRAM: it runs with your terminal; the trace goes to -o DIR
    /// or to $REWIND_DIR (else $XDG_DATA_HOME/rewind, else ~/.local/share/rewind).
    Record {
        /// Directory to write the trace to (must not exist yet).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The program and its arguments.
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        program: Vec<String>,
    },
    /// Replay a recording to its end, re-emitting what the program wrote to
    /// stdout/stderr, verifying registers at every event.
    Replay {
        /// Also require the replayed exit status to equal the recorded one
        /// and print a summary line.
        #[arg(long)]
        check: bool,
        /// Trace directory (default: the latest recording).
        dir: Option<PathBuf>,
    },
    /// Print a trace's header and events, one line an event.
    Dump {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        /// Trace directory (default: the latest recording).
        dir: Option<PathBuf>,
    },
    /// Record a bundled program and replay it: see rewind work in seconds.
    Demo,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Record { output, program } => record::run(output, program),
        Command::Replay { check, dir } => replay::run(dir, check),
        Command::Dump { json, dir } => dump::run(dir, json),
        Command::Demo => demo::run(),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("rewind: {err:#}");
            ExitCode::from(2)
        }
    }
}
