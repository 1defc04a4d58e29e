//! Files mapped `MAP_SHARED` (fixture `shared_files`): the replay prints
//! what the native run printed, and a checkpoint restored
//! after the file changed sees the file as it was at the checkpoint.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use rewind_engine::replay::Replayer;
use rewind_engine::trace::{EventKind, OutputStream, SyscallReplay, TraceReader};
use rewind_test_support::fixture;
use rewind_test_support::record::{options, record};

/// Records fixture `name`; returns the trace and what the program prints
/// natively. The recorded run prints to the test's stdout, and replay checks
/// every write it re-emits against the recorded bytes' CRC-32, so a replay
/// that re-emits the native bytes proves all three alike.
fn record_printing(dir: &Path, name: &str) -> (PathBuf, Vec<u8>) {
    let trace = dir.join(format!("{name}-trace"));
    let summary = record(&options(&fixture(name), &[], dir, &trace));
    assert_eq!(
        summary.exit_code, 0,
        "{name} exited with {}",
        summary.exit_code
    );
    (trace, native_stdout(name))
}

/// What the program prints natively.
fn native_stdout(name: &str) -> Vec<u8> {
    let out = std::process::Command::new(fixture(name))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{name} failed natively: {out:?}");
    out.stdout
}

/// Replays the events left, collecting what goes to stdout.
fn replay_rest(rep: &mut Replayer) -> Vec<u8> {
    let mut out = Vec::new();
    let mut sink = |s: OutputStream, b: &[u8]| {
        if s == OutputStream::Stdout {
            out.extend_from_slice(b);
        }
    };
    while rep.step_event(&mut sink).unwrap() {}
    out
}

/// Indexes of the mmap events of tracked files and of the tracked files' changes.
fn tracked_events(trace: &Path) -> (Vec<u64>, Vec<u64>) {
    let reader = TraceReader::open(trace).unwrap();
    let mut stream = reader.events().unwrap();
    let (mut maps, mut changes) = (Vec::new(), Vec::new());
    let mut i = 0;
    while let Some(e) = stream.next_event().unwrap() {
        if let EventKind::Syscall { replay, .. } = &e.kind {
            match replay {
                SyscallReplay::MapFile {
                    tracked: Some(_), ..
                } => maps.push(i),
                SyscallReplay::EmulateFileChange(_) => changes.push(i),
                _ => {}
            }
        }
        i += 1;
    }
    (maps, changes)
}

#[test]
fn replay_prints_what_the_native_run_printed() {
    for name in ["shared_files", "shared_files-O2"] {
        let tmp = tempfile::tempdir().unwrap();
        let (trace, recorded) = record_printing(tmp.path(), name);
        assert!(String::from_utf8_lossy(&recorded).ends_with("done\n"));
        let (maps, changes) = tracked_events(&trace);
        assert!(
            maps.len() >= 4 && changes.len() >= 8,
            "{name}: the recording tracks too little ({} mappings, {} changes)",
            maps.len(),
            changes.len()
        );
        for _ in 0..2 {
            let mut rep = Replayer::start(&trace).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&replay_rest(&mut rep)),
                String::from_utf8_lossy(&recorded),
                "{name}: the replay printed other lines than the native run"
            );
        }
    }
}

/// The frozen copy and the live replay map the same scratch file: unless the
/// checkpoint puts its contents back, a restored replay reads what the file
/// held later and prints other lines (or diverges).
#[test]
fn a_restored_checkpoint_sees_the_file_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let (trace, recorded) = record_printing(tmp.path(), "shared_files");
    let (maps, changes) = tracked_events(&trace);
    let mut rep = Replayer::start(&trace).unwrap();
    let mut before = Vec::new();
    let mut sink = |s: OutputStream, b: &[u8]| {
        if s == OutputStream::Stdout {
            before.extend_from_slice(b);
        }
    };
    // Right after the first shared mapping, before the writes it must see.
    while rep.event_index() <= maps[0] {
        assert!(rep.step_event(&mut sink).unwrap());
    }
    let snap = loop {
        if let Some(snap) = rep.snapshot().unwrap() {
            break snap;
        }
        assert!(rep.step_event(&mut sink).unwrap(), "no point to checkpoint");
    };
    let at = rep.event_index();
    assert!(
        changes.iter().filter(|&&c| c >= at).count() >= 8,
        "the checkpoint at event {at} comes after the file's changes ({changes:?})"
    );
    let first = replay_rest(&mut rep);
    let mut whole = before.clone();
    whole.extend_from_slice(&first);
    assert_eq!(
        String::from_utf8_lossy(&whole),
        String::from_utf8_lossy(&recorded)
    );
    for round in 0..2 {
        rep.restore(&snap).unwrap();
        assert_eq!(rep.event_index(), at);
        assert_eq!(
            String::from_utf8_lossy(&replay_rest(&mut rep)),
            String::from_utf8_lossy(&first),
            "restore {round}: the replay from the checkpoint printed other lines"
        );
    }
}
