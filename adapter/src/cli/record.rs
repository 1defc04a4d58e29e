//! `rewind record`.

use anyhow::{Context, Result};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use rewind_engine::record::{self, RecordError, RecordOptions};

use super::paths;
use super::status::StatusLine;

pub fn run(output: Option<PathBuf>, program: Vec<String>) -> Result<ExitCode> {
    let name = &program[0];
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let exe = match paths::resolve_program(name, &cwd) {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("rewind: {e}");
            return Ok(ExitCode::from(e.exit_code()));
        }
    };
    let (dir, default_location) = match output {
        Some(dir) => (dir, false),
        None => (paths::new_recording_dir(name)?, true),
    };
    let env = std::env::vars_os()
        .map(|(k, v)| {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            String::from_utf8_lossy(&kv).into_owned()
        })
        .collect();
    let events = Arc::new(AtomicU64::new(0));
    let opts = RecordOptions {
        exe: exe.to_string_lossy().into_owned(),
        argv: program.clone(),
        env,
        cwd: cwd.to_string_lossy().into_owned(),
        trace_dir: dir.clone(),
        stdio: None,
        signals: rewind_engine::spawn::inheritable_signals(),
        cancel: None,
        events_recorded: Some(events.clone()),
    };
    let status = StatusLine::start("recording", events);
    let recorded = record::record(&opts);
    drop(status);
    let summary = match recorded {
        Ok(summary) => summary,
        Err(RecordError::ExecFailed { path, source }) => {
            // Nothing was recorded: no directory is left behind.
            if default_location {
                let _ = std::fs::remove_dir_all(&dir);
            }
            let why = if source.kind() == std::io::ErrorKind::NotFound && exe.exists() {
                format!("the file exists, but the interpreter it names (its #! line or ELF dynamic loader) does not ({source})")
            } else {
                source.to_string()
            };
            eprintln!("rewind: cannot execute {path}: {why}");
            return Ok(ExitCode::from(126));
        }
        Err(e) => {
            return Err(e).with_context(|| format!("recording {name} into {}", dir.display()))
        }
    };
    if default_location {
        paths::update_latest(&summary.trace_dir)?;
    }
    eprintln!(
        "rewind: recorded {} events of {} to {}; {}",
        summary.event_count,
        name,
        summary.trace_dir.display(),
        summary.ending()
    );
    Ok(ExitCode::from(summary.exit_code.clamp(0, 255) as u8))
}
