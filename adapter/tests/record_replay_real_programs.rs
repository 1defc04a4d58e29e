//! Programs no one here wrote: recorded and replayed exactly.

mod common;

use common::record_and_replay;

#[test]
fn ls_la_root() {
    let rec = record_and_replay(&["/bin/ls", "-la", "/"], b"", 0);
    assert!(rec.stdout_text().contains("usr"));
}

#[test]
fn date() {
    record_and_replay(&["/bin/date"], b"", 0);
}

#[test]
fn shell_pipeline() {
    let rec = record_and_replay(&["sh", "-c", "echo b a | tr \" \" \"\\n\" | sort"], b"", 0);
    assert_eq!(rec.stdout_text(), "a\nb\n");
}

#[test]
fn python_random_time_pid() {
    record_and_replay(
        &[
            "python3",
            "-c",
            "import random, time, os; print(random.random(), time.time(), os.getpid())",
        ],
        b"",
        0,
    );
}

#[test]
fn gcc_version() {
    let rec = record_and_replay(&["gcc", "--version"], b"", 0);
    assert!(rec.stdout_text().contains("gcc"));
}

/// A Rust program whose launcher execs the real binary (rustup's proxy).
#[test]
fn cargo_version() {
    let rec = record_and_replay(&["cargo", "--version"], b"", 0);
    assert!(rec.stdout_text().starts_with("cargo "));
}
