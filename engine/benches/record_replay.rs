//! Record and replay cost against a native run of the same program, measured
//! in this process: a compute-bound fixture (target: record and replay
//! ≤ 1.10× native) and a syscall-heavy one (≥ 200,000 small syscalls; its
//! ratio is the baseline that in-process syscall buffering must beat), plus
//! trace bytes per event. Prints figures; asserts nothing.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rewind_engine::replay;
use rewind_test_support::record::{options, record};

const RUNS: usize = 3;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn native(exe: &Path, args: &[&str]) -> Duration {
    median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let status = Command::new(exe)
                    .args(args)
                    .stdout(Stdio::null())
                    .status()
                    .expect("run fixture natively");
                assert!(status.success());
                start.elapsed()
            })
            .collect(),
    )
}

struct Measured {
    record: Duration,
    replay: Duration,
    events: u64,
    event_bytes: u64,
}

fn record_and_replay(exe: &Path, args: &[&str], scratch: &Path) -> Measured {
    let mut records = Vec::new();
    let mut replays = Vec::new();
    let mut events = 0;
    let mut event_bytes = 0;
    for run in 0..RUNS {
        let dir = scratch.join(format!(
            "{}-{run}",
            exe.file_name().unwrap().to_string_lossy()
        ));
        // The benchmark's own environment and working directory, as a shell would pass them.
        let mut opts = options(exe, args, &std::env::current_dir().unwrap(), &dir);
        opts.env = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
        let start = Instant::now();
        let summary = record(&opts);
        records.push(start.elapsed());
        events = summary.event_count;
        event_bytes = std::fs::metadata(dir.join("events")).unwrap().len();
        let start = Instant::now();
        let result = replay::replay_to_end(&dir, &mut |_, _| {}).expect("replay");
        replays.push(start.elapsed());
        assert_eq!(
            result.replayed_exit, result.recorded_exit,
            "replay must end like the recording"
        );
    }
    Measured {
        record: median(records),
        replay: median(replays),
        events,
        event_bytes,
    }
}

fn report(name: &str, native: Duration, m: &Measured) {
    let ratio = |d: Duration| d.as_secs_f64() / native.as_secs_f64();
    println!("{name}");
    println!("  native   {:>9.1} ms", native.as_secs_f64() * 1e3);
    println!(
        "  record   {:>9.1} ms  {:>6.2}x native",
        m.record.as_secs_f64() * 1e3,
        ratio(m.record)
    );
    println!(
        "  replay   {:>9.1} ms  {:>6.2}x native",
        m.replay.as_secs_f64() * 1e3,
        ratio(m.replay)
    );
    println!(
        "  trace    {} events, {} bytes of events ({:.2} bytes/event), {:.1} µs/event recording",
        m.events,
        m.event_bytes,
        m.event_bytes as f64 / m.events.max(1) as f64,
        m.record.as_secs_f64() * 1e6 / m.events.max(1) as f64
    );
}

fn main() {
    // `cargo bench` passes --bench; any other argument filters nothing here.
    let build = rewind_test_support::fixtures_build();
    let scratch = tempfile::tempdir().expect("temp dir");
    println!("rewind record/replay benchmark (software progress mode, median of {RUNS} runs)\n");

    let compute = build.join("compute-O2");
    let native_compute = native(&compute, &[]);
    let m = record_and_replay(&compute, &[], scratch.path());
    report(
        "compute-O2 (compute-bound, no syscalls in its loop; target ≤ 1.10x)",
        native_compute,
        &m,
    );

    let syscalls = build.join("syscalls-O2");
    let native_syscalls = native(&syscalls, &["200000"]);
    let m = record_and_replay(&syscalls, &["200000"], scratch.path());
    report(
        "\nsyscalls-O2 200000 (syscall-heavy: getppid + 1-byte write)",
        native_syscalls,
        &m,
    );
}
