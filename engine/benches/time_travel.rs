//! Time-travel costs, printed beside the native run time of the same
//! fixture: checkpoint creation and restore at 10 MB and 100 MB RSS, reverse
//! single-step latency, a reverse-continue across a million instructions,
//! and the memory held by 32 checkpoints. Prints figures; asserts nothing.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rewind_engine::replay::Replayer;
use rewind_engine::session::Session;
use rewind_test_support::fixture;
use rewind_test_support::record::record_fixture;

fn native(exe: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    assert!(Command::new(exe)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .unwrap()
        .success());
    start.elapsed()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * p) as usize]
}

fn checkpoints(scratch: &Path, mb: &str) {
    let exe = fixture("bigmem");
    let native = native(&exe, &[mb, "200"]);
    let trace = record_fixture(scratch, "bigmem", &[mb, "200"]);
    let mut rep = Replayer::start(&trace).unwrap();
    let mut sink = |_: rewind_engine::trace::OutputStream, _: &[u8]| {};
    while rep.event_index() < 150 && rep.step_event(&mut sink).unwrap() {}
    let mut creates = Vec::new();
    let mut restores = Vec::new();
    for _ in 0..10 {
        let start = Instant::now();
        let snap = rep
            .snapshot()
            .unwrap()
            .expect("a single-process replay can be frozen");
        creates.push(start.elapsed());
        let start = Instant::now();
        rep.restore(&snap).unwrap();
        restores.push(start.elapsed());
    }
    println!(
        "checkpoint at {mb:>3} MB RSS: create p50 {:.2} ms, restore p50 {:.2} ms  (native run of the fixture: {:.1} ms)",
        ms(percentile(creates, 0.5)),
        ms(percentile(restores, 0.5)),
        ms(native)
    );
}

fn main() {
    let scratch = tempfile::tempdir().unwrap();
    println!("rewind time-travel benchmark (software progress mode)\n");
    checkpoints(scratch.path(), "10");
    checkpoints(scratch.path(), "100");

    // Reverse single-step inside the loop fixture's loop.
    let exe = fixture("loop");
    let native_loop = native(&exe, &[]);
    let trace = record_fixture(scratch.path(), "loop", &[]);
    let mut s = Session::open(&trace).unwrap();
    for _ in 0..20 {
        s.step().unwrap();
    }
    let main_pc = {
        // A main-program address the loop passes: step until inside the executable.
        loop {
            s.step().unwrap();
            let pc = s.regs(s.current_tid()).unwrap().rip();
            if (0x5555_5555_4000..0x5555_5560_0000).contains(&pc) {
                break pc;
            }
        }
    };
    s.add_breakpoint(main_pc);
    s.cont().unwrap();
    let mut back = Vec::new();
    for _ in 0..50 {
        let start = Instant::now();
        s.reverse_step().unwrap();
        back.push(start.elapsed());
    }
    println!(
        "\nreverse single-step (loop fixture): p50 {:.2} ms, p95 {:.2} ms  (native run: {:.1} ms)",
        ms(percentile(back.clone(), 0.5)),
        ms(percentile(back, 0.95)),
        ms(native_loop)
    );

    // Reverse-continue across a million instructions (100,000 iterations of hotloop-O2).
    let exe = fixture("hotloop-O2");
    let native_hot = native(&exe, &["100000"]);
    let trace = record_fixture(scratch.path(), "hotloop-O2", &["100000"]);
    let mut s = Session::open(&trace).unwrap();
    s.goto_end().unwrap();
    let end = s.position().clone();
    // A breakpoint at the first instruction after `start` was printed: the
    // one hit before the loop.
    let mut probe = Session::open(&trace).unwrap();
    let writes = rewind_engine::trace::TraceReader::open(&trace)
        .unwrap()
        .events()
        .unwrap()
        .map(|e| e.unwrap())
        .position(|e| {
            matches!(
                e.kind,
                rewind_engine::trace::EventKind::Syscall {
                    output: Some(_),
                    ..
                }
            )
        })
        .unwrap() as u64;
    probe.run_to_event(writes + 1).unwrap();
    let before_loop = probe.regs(probe.current_tid()).unwrap().rip();
    drop(probe);
    s.add_breakpoint(before_loop);
    let start = Instant::now();
    let stop = s.reverse_cont().unwrap();
    let took = start.elapsed();
    println!(
        "reverse-continue over ~1,000,000 instructions (hotloop-O2 100000): {:.1} ms, from {} to {}  (native run: {:.1} ms)",
        ms(took),
        end,
        stop.position,
        ms(native_hot)
    );

    // Memory held by 32 checkpoints: 32 stops in the 100 MB fixture.
    let trace = record_fixture(scratch.path(), "bigmem", &["100", "200"]);
    let mut s = Session::open(&trace).unwrap();
    let mut stops = 0;
    while stops < 40 && s.total_events().is_some_and(|t| s.event_index() + 2 < t) {
        let next = s.event_index() + 4;
        s.run_to_event(next).unwrap();
        stops += 1;
    }
    let stats = s.checkpoint_stats();
    println!(
        "\ncheckpoints held after {stops} stops in a 100 MB process: {} snapshots + {} anchors, {:.1} MB private memory (budget {} snapshots, {} MB)",
        stats.snapshots,
        stats.anchors,
        stats.bytes as f64 / 1e6,
        stats.budget.max_snapshots,
        stats.budget.max_bytes >> 20
    );
}
