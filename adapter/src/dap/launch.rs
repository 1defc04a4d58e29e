//! `launch` and `attach`: record the program (its output streamed as
//! `output` events) or take an existing recording, then open it on the
//! engine thread.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;

use serde::Deserialize;

use rewind_engine::record::{self, RecordOptions};

use super::engine_thread::{EngineError, EngineThread};
use super::envelope::DapError;
use crate::cli::paths;
use crate::debugger::events::{DebuggerEvent, OutputStream};
use crate::debugger::{Debugger, EventSink, ThreadsCache};

/// `launch` / `attach` arguments (see docs/dap.md).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LaunchArguments {
    pub program: Option<String>,
    #[serde(default)]
    pub args: Vec<String>,
    pub cwd: Option<String>,
    #[serde(default)]
    pub env: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub stop_on_entry: bool,
    pub trace: Option<String>,
    /// Where to write the recording (must not exist yet); default: a new
    /// directory under the recordings root, linked as `latest`.
    pub trace_dir: Option<String>,
    /// A file the program reads as its stdin (default: /dev/null).
    pub stdin: Option<String>,
}

/// What the engine thread needs to start.
pub struct Opening {
    pub events: EventSink,
    pub threads: ThreadsCache,
    pub running: Arc<AtomicBool>,
}

/// A launch that passed its checks: what the engine thread will record or open.
pub struct Prepared {
    trace_dir: Option<PathBuf>,
    recording: Option<Recording>,
    opening: Opening,
    /// Set to kill the program being recorded (a `disconnect` meanwhile).
    pub cancel: Arc<AtomicBool>,
    /// Events recorded so far (the recorder counts them as it writes).
    events_recorded: Arc<AtomicU64>,
    /// The program as the launch named it.
    program: String,
}

/// Checks the arguments and sets the recording up (the program exists and
/// can be run, the directories are there); errors here answer `launch`.
pub fn prepare(args: LaunchArguments, opening: Opening) -> Result<Prepared, DapError> {
    let trace_dir = match (&args.trace, &args.program) {
        (Some(trace), _) => Some(trace_path(trace, args.cwd.as_deref())?),
        (None, Some(_)) => None,
        (None, None) => {
            return Err(DapError::Failed(
                "launch needs 'program' (a program to record) or 'trace' (a recording to open)"
                    .into(),
            ))
        }
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let events_recorded = Arc::new(AtomicU64::new(0));
    let recording = match trace_dir {
        Some(_) => None,
        None => Some(prepare_recording(
            &args,
            cancel.clone(),
            events_recorded.clone(),
        )?),
    };
    Ok(Prepared {
        trace_dir,
        recording,
        opening,
        cancel,
        events_recorded,
        program: args.program.clone().unwrap_or_default(),
    })
}

impl Prepared {
    /// Whether the program is recorded first (which may take long).
    pub fn records(&self) -> bool {
        self.recording.is_some()
    }

    /// The count of events recorded so far, shared with the recorder.
    pub fn events_recorded(&self) -> Arc<AtomicU64> {
        self.events_recorded.clone()
    }

    /// The program as the launch named it.
    pub fn program_name(&self) -> &str {
        &self.program
    }

    /// Records (when asked to) and opens the recording on a new engine
    /// thread; blocking.
    pub fn open(self) -> Result<EngineThread<Debugger>, DapError> {
        let Prepared {
            trace_dir,
            recording,
            opening,
            ..
        } = self;
        let events = opening.events.clone();
        EngineThread::start(move || {
            let dir = match (trace_dir, recording) {
                (Some(dir), _) => dir,
                (None, Some(rec)) => rec.run(&events)?,
                (None, None) => unreachable!("either a trace or a recording"),
            };
            let debugger = Debugger::open(&dir, opening.events, opening.threads, opening.running)?;
            let pause = debugger.session().pause_handle();
            Ok((debugger, pause))
        })
        .map_err(|e| DapError::Failed(e.to_string()))
    }
}

fn trace_path(trace: &str, cwd: Option<&str>) -> Result<PathBuf, DapError> {
    let p = match cwd {
        Some(cwd) if Path::new(trace).is_relative() => Path::new(cwd).join(trace),
        _ => PathBuf::from(trace),
    };
    if !p.is_dir() {
        return Err(DapError::Failed(format!(
            "there is no recording at {}",
            p.display()
        )));
    }
    Ok(p)
}

/// A recording ready to run on the engine thread.
struct Recording {
    options: RecordOptions,
    name: String,
    default_location: bool,
    stdout: std::io::PipeReader,
    stderr: std::io::PipeReader,
    /// The write ends, held until the recording ends.
    writers: (std::io::PipeWriter, std::io::PipeWriter, std::fs::File),
}

fn prepare_recording(
    args: &LaunchArguments,
    cancel: Arc<AtomicBool>,
    events_recorded: Arc<AtomicU64>,
) -> Result<Recording, DapError> {
    let name = args.program.clone().unwrap_or_default();
    let cwd = match &args.cwd {
        Some(c) => PathBuf::from(c),
        None => std::env::current_dir()
            .map_err(|e| DapError::Failed(format!("cannot read the current directory: {e}")))?,
    };
    if !cwd.is_dir() {
        return Err(DapError::Failed(format!(
            "the working directory {} does not exist",
            cwd.display()
        )));
    }
    // A relative program path is relative to the program's cwd.
    let lookup = if name.contains('/') && Path::new(&name).is_relative() {
        cwd.join(&name).to_string_lossy().into_owned()
    } else {
        name.clone()
    };
    let exe = paths::resolve_program(&lookup, &cwd).map_err(|e| DapError::Failed(e.to_string()))?;
    let mut env: BTreeMap<String, String> = std::env::vars().collect();
    for (k, v) in &args.env {
        match v {
            Some(v) => env.insert(k.clone(), v.clone()),
            None => env.remove(k),
        };
    }
    let (dir, default_location) = match &args.trace_dir {
        Some(d) => (cwd.join(d), false),
        None => {
            let dir =
                paths::new_recording_dir(&name).map_err(|e| DapError::Failed(format!("{e:#}")))?;
            // The recorder creates the directory itself.
            let _ = std::fs::remove_dir(&dir);
            (dir, true)
        }
    };
    let (stdout, out_w) = std::io::pipe().map_err(pipe_error)?;
    let (stderr, err_w) = std::io::pipe().map_err(pipe_error)?;
    let devnull = match &args.stdin {
        Some(file) => {
            let path = cwd.join(file);
            std::fs::File::open(&path).map_err(|e| {
                DapError::Failed(format!(
                    "cannot open {} for the program's stdin: {e}",
                    path.display()
                ))
            })?
        }
        None => std::fs::File::open("/dev/null").map_err(pipe_error)?,
    };
    use std::os::fd::AsRawFd;
    let stdio = [devnull.as_raw_fd(), out_w.as_raw_fd(), err_w.as_raw_fd()];
    let mut argv = vec![name.clone()];
    argv.extend(args.args.iter().cloned());
    Ok(Recording {
        options: RecordOptions {
            exe: exe.to_string_lossy().into_owned(),
            argv,
            env: env.into_iter().map(|(k, v)| format!("{k}={v}")).collect(),
            cwd: cwd.to_string_lossy().into_owned(),
            trace_dir: dir,
            stdio: Some(stdio),
            signals: rewind_engine::spawn::inheritable_signals(),
            cancel: Some(cancel),
            events_recorded: Some(events_recorded),
        },
        name,
        default_location,
        stdout,
        stderr,
        writers: (out_w, err_w, devnull),
    })
}

fn pipe_error(e: std::io::Error) -> DapError {
    DapError::Failed(format!("cannot set up the program's output pipes: {e}"))
}

impl Recording {
    /// Records on the calling (engine) thread, streaming the program's
    /// output as `output` events; returns the recording's directory.
    fn run(self, events: &EventSink) -> Result<PathBuf, EngineError> {
        let Recording {
            options,
            name,
            default_location,
            stdout,
            stderr,
            writers,
        } = self;
        let forwarders = [
            forward_output(stdout, OutputStream::Stdout, events.clone()),
            forward_output(stderr, OutputStream::Stderr, events.clone()),
        ];
        let console = |text: String| {
            let _ = events.send(DebuggerEvent::Output {
                stream: OutputStream::Console,
                text,
            });
        };
        console(format!("rewind: recording {name}…\n"));
        let result = record::record(&options);
        // The program's copies closed when it ended; ours close now, so the
        // forwarders see the end of the output.
        drop(writers);
        for f in forwarders {
            let _ = f.join();
        }
        let summary = result?;
        if default_location {
            let _ = paths::update_latest(&summary.trace_dir);
        }
        console(format!(
            "rewind: recorded {} events to {}; {}\n",
            summary.event_count,
            summary.trace_dir.display(),
            summary.ending()
        ));
        Ok(summary.trace_dir)
    }
}

/// Copies a pipe into `output` events until its end.
fn forward_output(
    mut pipe: std::io::PipeReader,
    stream: OutputStream,
    events: EventSink,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 16 * 1024];
        // Bytes of a UTF-8 character that a read cut in two wait for the rest.
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let n = match pipe.read(&mut buf) {
                Ok(0) | Err(_) => 0,
                Ok(n) => n,
            };
            pending.extend_from_slice(&buf[..n]);
            if let Some(text) = take_text(&mut pending, n == 0) {
                if events.send(DebuggerEvent::Output { stream, text }).is_err() {
                    return;
                }
            }
            if n == 0 {
                return;
            }
        }
    })
}

/// The text at the front of `pending` that is complete: everything but a
/// UTF-8 character cut short at the end (unless `at_end`), invalid bytes
/// replaced. `None` when there is nothing to send yet.
fn take_text(pending: &mut Vec<u8>, at_end: bool) -> Option<String> {
    let complete = match std::str::from_utf8(pending) {
        Err(e) if e.error_len().is_none() && !at_end => e.valid_up_to(),
        _ => pending.len(),
    };
    if complete == 0 {
        return None;
    }
    let text = String::from_utf8_lossy(&pending[..complete]).into_owned();
    pending.drain(..complete);
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_keeps_characters_whole_across_reads() {
        let e_acute = "é".as_bytes();
        let mut pending = b"caf".to_vec();
        pending.push(e_acute[0]);
        assert_eq!(take_text(&mut pending, false).as_deref(), Some("caf"));
        assert_eq!(pending, [e_acute[0]]);
        assert_eq!(take_text(&mut pending, false), None);
        pending.push(e_acute[1]);
        assert_eq!(take_text(&mut pending, false).as_deref(), Some("é"));
        // Invalid bytes, and a cut character at the end of the output, are
        // replaced rather than held back forever.
        let mut pending = vec![b'a', 0xff, b'b'];
        assert_eq!(
            take_text(&mut pending, false).as_deref(),
            Some("a\u{fffd}b")
        );
        let mut pending = vec![b'x', e_acute[0]];
        assert_eq!(take_text(&mut pending, true).as_deref(), Some("x\u{fffd}"));
    }
}
