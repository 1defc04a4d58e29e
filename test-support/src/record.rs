//! Fixtures recorded with rewind-engine (feature `engine`), for the engine's
//! integration tests and benches. Not for rewind-engine's unit tests: through
//! this crate they would see a second copy of the engine's types.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use rewind_engine::record::{RecordOptions, RecordSummary};

/// The options the tests record with: `exe ARGS` (argv\[0\] is `exe`), only
/// `PATH=/usr/bin:/bin` in the environment, `cwd` as working directory, the
/// signal state a shell passes on, the recorder's own stdio, no cancel.
/// Change fields for anything else (the full environment, another argv\[0\]).
pub fn options(exe: &Path, args: &[&str], cwd: &Path, trace_dir: &Path) -> RecordOptions {
    let exe = exe.to_string_lossy().into_owned();
    let mut argv = vec![exe.clone()];
    argv.extend(args.iter().map(|a| a.to_string()));
    RecordOptions {
        exe,
        argv,
        env: vec!["PATH=/usr/bin:/bin".into()],
        cwd: cwd.to_string_lossy().into_owned(),
        trace_dir: trace_dir.to_path_buf(),
        stdio: None,
        signals: rewind_engine::spawn::inheritable_signals(),
        cancel: None,
        events_recorded: None,
    }
}

/// Records with `options`; fails the test with the program and every cause
/// of the error when the recording fails.
pub fn record(options: &RecordOptions) -> RecordSummary {
    rewind_engine::record::record(options).unwrap_or_else(|e| {
        let mut causes = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            causes.push_str(&format!(": {s}"));
            source = s.source();
        }
        panic!(
            "recording {:?} into {} failed: {causes}",
            options.argv,
            options.trace_dir.display()
        )
    })
}

/// Records fixture `name ARGS` (built first) with [`options`], the working
/// directory and the trace both in `dir` (a temporary directory of the
/// test); returns the trace directory, a new one for every call.
pub fn record_fixture(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    static RUN: AtomicU32 = AtomicU32::new(0);
    let n = RUN.fetch_add(1, Ordering::Relaxed);
    let trace = dir.join(format!("{name}-trace-{n}"));
    let summary = record(&options(&crate::fixture(name), args, dir, &trace));
    assert!(
        summary.event_count > 0,
        "the recording of {name} {args:?} has no events"
    );
    trace
}
