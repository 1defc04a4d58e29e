//! In-process finders: an interruption recorded deep in a hot loop is found
//! again by replay, exactly (the replayed output and exit status are the
//! recorded ones), with a finder rather than one ptrace stop per arrival.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

use std::os::fd::AsRawFd;

use nix::unistd::{dup, dup2};
use rewind_engine::replay::Replayer;
use rewind_engine::trace::{EventKind, TraceReader};
use rewind_test_support::fixture;
use rewind_test_support::record::options;

/// Records `name` with the recorder's own stdout and stderr (whose writes
/// the trace holds as output) sent to a file; returns the trace and what the
/// program wrote there. This binary's only test, so no other test's output
/// goes to the file meanwhile.
fn record_with_output(dir: &std::path::Path, name: &str) -> (std::path::PathBuf, Vec<u8>) {
    let trace = dir.join(format!("{name}-trace"));
    let out_path = dir.join(format!("{name}-out"));
    let out = std::fs::File::create(&out_path).unwrap();
    let saved = (dup(1).unwrap(), dup(2).unwrap());
    dup2(out.as_raw_fd(), 1).unwrap();
    dup2(out.as_raw_fd(), 2).unwrap();
    let summary = rewind_engine::record::record(&options(&fixture(name), &[], dir, &trace));
    dup2(saved.0, 1).unwrap();
    dup2(saved.1, 2).unwrap();
    let summary = summary.unwrap();
    assert_eq!(summary.exit_code, 0, "{name} failed while recorded");
    (trace, std::fs::read(&out_path).unwrap())
}

#[test]
fn interruptions_deep_in_hot_loops_are_found_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let (trace, recorded) = record_with_output(dir.path(), "longloop-O2");
    let interrupts = TraceReader::open(&trace)
        .unwrap()
        .events()
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| matches!(e.kind, EventKind::Interrupt { .. }))
        .count();
    assert!(
        interrupts >= 3,
        "the recorder did not interrupt the three loops to deliver SIGPROF ({interrupts} interruptions)"
    );
    let mut replayed = Vec::new();
    let started = std::time::Instant::now();
    let summary = Replayer::start(&trace)
        .unwrap()
        .run_to_end(&mut |_, bytes| replayed.extend_from_slice(bytes))
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&replayed),
        String::from_utf8_lossy(&recorded),
        "replayed output"
    );
    assert!(
        recorded.starts_with(b"loop ran ")
            && recorded.windows(6).any(|w| w == b"mixed ")
            && recorded.windows(5).any(|w| w == b"spun "),
        "recorded output: {}",
        String::from_utf8_lossy(&recorded)
    );
    eprintln!(
        "replayed {interrupts} interruption(s) in {:?}: {:?}; recorded: {}",
        started.elapsed(),
        summary.finders,
        String::from_utf8_lossy(&recorded)
    );
    assert_eq!(summary.replayed_exit, summary.recorded_exit);
    // The third loop's registers match at every arrival: only the stack sum
    // the stub compares keeps each finder to its one candidate.
    assert!(
        summary.finders.installed >= 3
            && summary.finders.candidates == summary.finders.installed
            && summary.finders.fallbacks.is_empty(),
        "the first loop's instructions are all patchable, and the recorder moves the \
         second's interruption onto its patchable one, yet: {:?}",
        summary.finders
    );
}
