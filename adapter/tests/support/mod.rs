//! Helpers of the adapter's integration tests alone: running `rewind` (and
//! other programs) with bounded waits, recording through the CLI, and the
//! record-then-replay-three-times check. Fixtures come from rewind-test-support.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a finished command did.
#[derive(Debug)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Outcome {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    /// stderr without rewind's own messages (lines starting with "rewind: ").
    pub fn program_stderr(&self) -> String {
        self.stderr_text()
            .lines()
            .filter(|l| !l.starts_with("rewind: "))
            .map(|l| format!("{l}\n"))
            .collect()
    }
}

/// Runs `rewind ARGS` with `stdin` and a time limit that fails the test.
pub fn rewind(args: &[&str], stdin: &[u8], limit: Duration) -> Outcome {
    run_with_limit(env!("CARGO_BIN_EXE_rewind"), args, stdin, limit)
}

/// Runs `program ARGS` with no input, failing the test after [`LIMIT`].
pub fn run_bounded(program: &str, args: &[&str]) -> Outcome {
    run_with_limit(program, args, b"", LIMIT)
}

fn run_with_limit(program: &str, args: &[&str], stdin: &[u8], limit: Duration) -> Outcome {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("spawn rewind");
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = err_reader.join().unwrap();
            panic!(
                "{program} {args:?} did not finish within {limit:?}; stderr so far:\n{}",
                String::from_utf8_lossy(&stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    feeder.join().unwrap();
    Outcome {
        code: status.code(),
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

pub const LIMIT: Duration = Duration::from_secs(60);

/// Records `program` into a new directory under `dir` and returns the outcome and trace path.
pub fn record(dir: &Path, program: &[&str], stdin: &[u8]) -> (Outcome, PathBuf) {
    let trace = dir.join(format!("trace-{}", unique()));
    let mut args = vec!["record", "-o", trace.to_str().unwrap(), "--"];
    args.extend_from_slice(program);
    (rewind(&args, stdin, LIMIT), trace)
}

pub fn replay_check(trace: &Path) -> Outcome {
    rewind(&["replay", "--check", trace.to_str().unwrap()], b"", LIMIT)
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Records `program`, then replays it with --check, three times; the replay
/// must reproduce the recorded stdout, stderr and exit status exactly.
pub fn record_and_replay(program: &[&str], stdin: &[u8], expected_code: i32) -> Outcome {
    let tmp = tempfile::tempdir().unwrap();
    let mut last = None;
    for round in 0..3 {
        let (rec, trace) = record(tmp.path(), program, stdin);
        assert_eq!(
            rec.code,
            Some(expected_code),
            "round {round}: recording {program:?} exited with {:?}; stderr:\n{}",
            rec.code,
            rec.stderr_text()
        );
        let rep = replay_check(&trace);
        assert_eq!(
            rep.code,
            Some(0),
            "round {round}: replay of {program:?} failed; stderr:\n{}",
            rep.stderr_text()
        );
        assert!(
            rep.stderr_text().contains("replay matched the recording"),
            "round {round}: no match summary; stderr:\n{}",
            rep.stderr_text()
        );
        assert_eq!(
            rep.stdout_text(),
            rec.stdout_text(),
            "round {round}: replayed stdout differs from the recorded run of {program:?}"
        );
        assert_eq!(
            rep.program_stderr(),
            rec.program_stderr(),
            "round {round}: replayed stderr differs from the recorded run of {program:?}"
        );
        last = Some(rec);
    }
    last.unwrap()
}

/// Polls `done` until it holds; fails the test, saying `what` it waited
/// for, when `limit` passes first.
pub fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
