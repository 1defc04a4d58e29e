//! Command-line interface.

mod dap;
mod demo;
pub(crate) mod dump;
pub(crate) mod paths;
mod record;
mod replay;
mod status;

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
    /// Serve the Debug Adapter Protocol (for VS Code, nvim-dap, ...) on
    /// stdin/stdout, or on TCP with --listen. See docs/dap.md.
    Dap {
        /// Serve one client on this TCP address (e.g. 127.0.0.1:4711) instead of stdio.
        #[arg(long, value_name = "ADDR:PORT")]
        listen: Option<std::net::SocketAddr>,
        /// Allow --listen on a non-loopback address (DAP has no authentication:
        /// whoever connects can run programs as you).
        #[arg(long)]
        allow_remote: bool,
        /// Write logs (RUST_LOG, default warn) to this file instead of stderr.
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let log_file = match &cli.command {
        Command::Dap {
            log: Some(path), ..
        } => match std::fs::File::create(path) {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!("rewind: cannot write the log file {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        _ => None,
    };
    init_logging(log_file);
    let result = match cli.command {
        Command::Record { output, program } => record::run(output, program),
        Command::Replay { check, dir } => replay::run(dir, check),
        Command::Dump { json, dir } => dump::run(dir, json),
        Command::Demo => demo::run(),
        Command::Dap {
            listen,
            allow_remote,
            log: _,
        } => dap::run(listen, allow_remote),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("rewind: {}", error_text(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, `: `-separated, each cause once: engine errors
/// already name their cause in their own message, and a cause the text so
/// far ends with is not repeated.
fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.is_empty() {
            text = part;
        } else if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
    }
    text
}

/// Logs (`RUST_LOG`, default `warn`) go to stderr or `file`: never stdout,
/// which carries the DAP stream in `rewind dap`.
fn init_logging(file: Option<std::fs::File>) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match file {
        Some(f) => builder
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(f))
            .init(),
        // Colour only for a person at a terminal: editors capture stderr into
        // log files and panels that show escapes as text.
        None => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
            .init(),
    }
}

#[cfg(test)]
mod tests;
