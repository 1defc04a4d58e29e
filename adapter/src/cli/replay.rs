//! `rewind replay`.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use rewind_engine::replay::{self, ReplayError, UnrecordedOutput};
use rewind_engine::trace::OutputStream;

use super::paths;
use super::status::StatusLine;

pub fn run(dir: Option<PathBuf>, check: bool) -> Result<ExitCode> {
    let dir = paths::trace_dir(dir)?;
    let mut sink = |stream: OutputStream, bytes: &[u8]| {
        // Output goes where the program's went; a closed pipe must not stop the check.
        let _ = match stream {
            OutputStream::Stdout => std::io::stdout().lock().write_all(bytes),
            OutputStream::Stderr => std::io::stderr().lock().write_all(bytes),
        };
    };
    let replayed = Arc::new(AtomicU64::new(0));
    let status = StatusLine::start("replaying", replayed.clone());
    let result = replay::Replayer::start(&dir)
        .and_then(|replayer| replayer.run_to_end_counting(&mut sink, Some(&replayed)));
    drop(status);
    let summary = match result {
        Ok(s) => s,
        Err(ReplayError::Divergence(d)) => {
            let _ = std::io::stdout().flush();
            eprintln!("rewind: {d}");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e).with_context(|| format!("replaying {}", dir.display())),
    };
    let _ = std::io::stdout().flush();
    if let Some(notice) = unrecorded_notice(&summary.unrecorded_output) {
        eprintln!("rewind: {notice}");
        if check {
            return Ok(ExitCode::from(1));
        }
    }
    match summary.recorded_exit {
        None => {
            let cut = summary
                .cut_tail
                .as_ref()
                .map(|c| format!("; {c}, inside the frame the recorder was writing"))
                .unwrap_or_default();
            eprintln!(
                "rewind: the recording in {} is incomplete: it ends after event {} (the recorder stopped \
                 before the program did{cut}); those {} events replayed exactly",
                dir.display(),
                summary.events,
                summary.events
            );
        }
        Some(recorded) => {
            if check && summary.replayed_exit != Some(recorded) {
                eprintln!(
                    "rewind: replay diverged at the end: the program exited with {:?}, recorded {}",
                    summary.replayed_exit, recorded
                );
                return Ok(ExitCode::from(1));
            }
            if check {
                eprintln!(
                    "rewind: replay matched the recording: {} events, exit status {}",
                    summary.events, recorded
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What a replay could not re-emit, said plainly: such a replay's output is
/// not the recording's, so `--check` fails on it.
fn unrecorded_notice(unrecorded: &[UnrecordedOutput]) -> Option<String> {
    let first = unrecorded.first()?;
    let total: u64 = unrecorded.iter().map(|u| u.bytes).sum();
    let more = match unrecorded.len() {
        1 => String::new(),
        n => format!(" (and at {} later events)", n - 1),
    };
    Some(format!(
        "replay could not re-emit all the program's output: {total} bytes it copied from a pipe \
         or socket to {} in the kernel (splice, tee or sendfile), first at event {}{more}, are not \
         in the recording; everything else replayed exactly",
        first.stream, first.event,
    ))
}
