//! Latency of `rewind dap` as an editor sees it, over stdio with real JSON
//! messages: launch to the first stop; stackTrace + scopes + variables after a
//! stop; next; stepBack; reverseContinue across a syscall-free loop of over a
//! million instructions. Median and p95 of each, beside the native run time
//! of the same fixture measured in this process. Prints figures; asserts
//! nothing about them.
//!
//! `cargo bench -p rewind-protocol-tests --bench dap_latency` (builds the
//! `rewind` binary first: `cargo build -p rewind`; or set REWIND_BIN).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rewind_protocol_tests::{DapClient, SourceBreakpoint};
use rewind_test_support::{fixtures_build, fixtures_src, marker_line, repo_root};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(120);

fn rewind_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("REWIND_BIN") {
        // Relative to the workspace root (cargo runs benches in the package).
        return repo_root().join(bin);
    }
    for profile in ["release", "debug"] {
        let bin = repo_root().join("target").join(profile).join("rewind");
        if bin.exists() {
            return bin;
        }
    }
    panic!("no rewind binary: run `cargo build --release -p rewind` or set REWIND_BIN");
}

fn native(exe: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let status = Command::new(exe)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("run the fixture natively");
    assert!(status.success());
    start.elapsed()
}

struct Samples {
    what: &'static str,
    times: Vec<Duration>,
}

impl Samples {
    fn new(what: &'static str) -> Samples {
        Samples {
            what,
            times: Vec::new(),
        }
    }

    fn print(&mut self, native: Duration) {
        self.times.sort();
        let n = self.times.len();
        if n == 0 {
            println!("{:<44} no samples", self.what);
            return;
        }
        let median = self.times[n / 2];
        let p95 = self.times[(n * 95 / 100).min(n - 1)];
        println!(
            "{:<44} n={n:<3} median {:>9.2} ms  p95 {:>9.2} ms  ({:.1}x the native run)",
            self.what,
            ms(median),
            ms(p95),
            median.as_secs_f64() / native.as_secs_f64().max(1e-9)
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Launches `exe` with breakpoints on `lines` of `source`; returns the
/// client and the thread of the first stop, and how long that took.
async fn launch(
    exe: &Path,
    args: &[&str],
    source: &Path,
    lines: &[u32],
    dir: &Path,
) -> (DapClient, i64, Duration) {
    let start = Instant::now();
    let mut c = DapClient::spawn(rewind_bin(), std::iter::empty::<&str>()).expect("spawn");
    c.set_timeout(WAIT);
    let trace = dir.join(format!("trace-{}", start.elapsed().as_nanos()));
    let launch = json!({"program": exe, "args": args, "cwd": dir, "traceDir": trace});
    let thread = c
        .launch_to_first_stop(launch, source, lines)
        .await
        .expect("launch to the first stop");
    (c, thread, start.elapsed())
}

/// Sends a movement and waits for its stop.
async fn movement(c: &mut DapClient, command: &str, thread: i64) -> (Duration, Value) {
    let start = Instant::now();
    let stop = c
        .move_to_stop(command, thread)
        .await
        .unwrap_or_else(|e| panic!("{command}: {e}"));
    (start.elapsed(), stop)
}

/// What an editor asks at every stop: the stack, the scopes of the top
/// frame, and the locals.
async fn inspect(c: &mut DapClient, thread: i64) -> Duration {
    let start = Instant::now();
    let trace = c
        .request_ok("stackTrace", json!({"threadId": thread, "levels": 20}))
        .await
        .expect("stackTrace");
    let frame = trace["stackFrames"][0]["id"].clone();
    let scopes = c
        .request_ok("scopes", json!({ "frameId": frame }))
        .await
        .expect("scopes")["scopes"]
        .clone();
    let locals = scopes[0]["variablesReference"].clone();
    c.request_ok("variables", json!({ "variablesReference": locals }))
        .await
        .expect("variables");
    start.elapsed()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let build = fixtures_build();
    let src = fixtures_src();
    let dir = tempfile::tempdir().expect("temp dir");
    println!("rewind binary: {}", rewind_bin().display());

    // The loop fixture: stops, line steps.
    let (exe, source) = (build.join("loop"), src.join("loop.c"));
    let loop_native = native(&exe, &[]);
    println!("loop fixture: native run {:.2} ms", ms(loop_native));
    let bp = marker_line(&source, "step_total");
    let mut first = Samples::new("launch (record + open) to first stop");
    for _ in 0..5 {
        let (mut c, _, took) = launch(&exe, &[], &source, &[bp], dir.path()).await;
        first.times.push(took);
        let _ = c.request("disconnect", json!({})).await;
    }
    first.print(loop_native);

    let (mut c, thread, _) = launch(&exe, &[], &source, &[bp], dir.path()).await;
    let mut look = Samples::new("stackTrace + scopes + variables");
    let mut next = Samples::new("next (line, over calls)");
    let mut back = Samples::new("stepBack (line)");
    for _ in 0..8 {
        for _ in 0..3 {
            look.times.push(inspect(&mut c, thread).await);
            let (t, _) = movement(&mut c, "next", thread).await;
            next.times.push(t);
        }
        for _ in 0..3 {
            let (t, _) = movement(&mut c, "stepBack", thread).await;
            back.times.push(t);
            look.times.push(inspect(&mut c, thread).await);
        }
        movement(&mut c, "continue", thread).await;
    }
    look.print(loop_native);
    next.print(loop_native);
    back.print(loop_native);
    let _ = c.request("disconnect", json!({})).await;

    // reverseContinue across 150,000 iterations of a syscall-free loop
    // (~1.5 million instructions) between two breakpoints.
    let (exe, source) = (build.join("hotloop"), src.join("hotloop.c"));
    let hot_native = native(&exe, &["150000"]);
    println!(
        "hotloop fixture (150,000 iterations): native run {:.2} ms",
        ms(hot_native)
    );
    let before = marker_line(&source, "hot_body") - 2;
    let after = marker_line(&source, "hot_done");
    let (mut c, thread, _) = launch(&exe, &["150000"], &source, &[before, after], dir.path()).await;
    movement(&mut c, "continue", thread).await;
    let mut reverse = Samples::new("reverseContinue over ~1.5M instructions");
    let mut forward = Samples::new("continue over ~1.5M instructions");
    for _ in 0..8 {
        let (t, stop) = movement(&mut c, "reverseContinue", thread).await;
        assert_eq!(stop["body"]["reason"], "breakpoint", "{stop}");
        reverse.times.push(t);
        let (t, _) = movement(&mut c, "continue", thread).await;
        forward.times.push(t);
    }
    reverse.print(hot_native);
    forward.print(hot_native);
    let _ = c.request("disconnect", json!({})).await;

    long_loop(dir.path()).await;
}

/// The value of `i` in the top frame of `thread`, as the editor shows it.
async fn loop_index(c: &mut DapClient, thread: i64) -> u64 {
    let locals = c.locals(thread).await.expect("locals");
    let text = locals
        .get("i")
        .unwrap_or_else(|| panic!("no local i: {locals:?}"));
    text.parse().unwrap_or_else(|_| panic!("i = {text}"))
}

/// How long the long-loop movements may take before the benchmark reports
/// them as missing their target by far, and goes on.
const LONG_LOOP_WAIT: Duration = Duration::from_secs(30);

/// A session on the bigloop fixture stopped where `i == 1900000` on the
/// body's line (a breakpoint with that condition, from launch), and how
/// long launch to that stop took.
async fn at_iteration_1_9m(
    exe: &Path,
    source: &Path,
    body: u32,
    dir: &Path,
) -> (DapClient, i64, Duration) {
    let start = Instant::now();
    let mut c = DapClient::spawn(rewind_bin(), std::iter::empty::<&str>()).expect("spawn");
    c.set_timeout(WAIT);
    let trace = dir.join(format!("trace-bigloop-{}", start.elapsed().as_nanos()));
    c.initialize().await.expect("initialize");
    c.launch(json!({"program": exe, "cwd": dir, "traceDir": trace}))
        .await
        .expect("launch");
    c.wait_for_event("initialized", WAIT)
        .await
        .expect("initialized");
    let conditional = SourceBreakpoint {
        condition: Some("i == 1900000".into()),
        ..SourceBreakpoint::at(body)
    };
    c.set_breakpoints_with(source, &[conditional])
        .await
        .expect("setBreakpoints");
    c.configuration_done().await.expect("configurationDone");
    let stop = c
        .wait_for_stopped(WAIT)
        .await
        .expect("stop at i == 1900000");
    let took = start.elapsed();
    let thread = stop["body"]["threadId"].as_i64().expect("threadId");
    assert_eq!(loop_index(&mut c, thread).await, 1_900_000);
    c.set_timeout(LONG_LOOP_WAIT);
    (c, thread, took)
}

/// A movement that may miss its target by far: its time, or `None` after
/// `LONG_LOOP_WAIT` (printed; the session is then dropped).
async fn bounded_movement(c: &mut DapClient, command: &str, thread: i64) -> Option<Duration> {
    let start = Instant::now();
    match c.move_to_stop(command, thread).await {
        Ok(_) => Some(start.elapsed()),
        Err(e) => {
            println!(
                "  {command}: no stop within {LONG_LOOP_WAIT:?} ({e})",
                e = e.to_string().lines().next().unwrap_or("")
            );
            None
        }
    }
}

/// The bigloop fixture: 2,000,000 iterations, a syscall every 100,000, a
/// global written once before the loop. A breakpoint with `i == 1900000`,
/// then from there: stepBack, reverseContinue to the previous iteration,
/// a reverse data breakpoint to the write 1.9M iterations back (each from
/// a fresh session stopped there).
async fn long_loop(dir: &Path) {
    let (exe, source) = (
        fixtures_build().join("bigloop"),
        fixtures_src().join("bigloop.c"),
    );
    let native_run = native(&exe, &[]);
    println!(
        "\nbigloop fixture (2,000,000 iterations, a syscall every 100,000): native run {:.2} ms",
        ms(native_run)
    );
    let body = marker_line(&source, "big_body");
    let origin = marker_line(&source, "big_origin");

    // Launch to a plain breakpoint before the loop, for the launch cost alone.
    let (mut c, _, plain_launch) = launch(&exe, &[], &source, &[origin], dir).await;
    let _ = c.request("disconnect", json!({})).await;

    let (mut c, thread, first) = at_iteration_1_9m(&exe, &source, body, dir).await;
    println!(
        "{:<44} {:>9.2} ms  (launch alone {:.2} ms; target <= 3x native + launch = {:.2} ms)",
        "condition i == 1900000: launch to the stop",
        ms(first),
        ms(plain_launch),
        ms(native_run * 3 + plain_launch)
    );

    let mut back = Samples::new("stepBack at iteration 1.9M (target p95 50 ms)");
    for _ in 0..10 {
        match bounded_movement(&mut c, "stepBack", thread).await {
            Some(t) => back.times.push(t),
            None => break,
        }
    }
    back.print(native_run);
    let _ = c.request("disconnect", json!({})).await;

    let (mut c, thread, _) = at_iteration_1_9m(&exe, &source, body, dir).await;
    c.set_breakpoints(&source, &[body])
        .await
        .expect("setBreakpoints");
    let mut reverse = Samples::new("reverseContinue, previous iteration (p95 50)");
    let mut index = 1_900_000;
    let mut off_by = Vec::new();
    for _ in 0..10 {
        let Some(t) = bounded_movement(&mut c, "reverseContinue", thread).await else {
            break;
        };
        reverse.times.push(t);
        let now = loop_index(&mut c, thread).await;
        if now + 1 != index {
            off_by.push((index, now));
        }
        index = now;
    }
    reverse.print(native_run);
    if off_by.is_empty() && !reverse.times.is_empty() {
        println!("  every reverseContinue went back exactly one iteration");
    } else if !off_by.is_empty() {
        println!("  reverseContinue NOT one iteration back (from, to): {off_by:?}");
    }
    let _ = c.request("disconnect", json!({})).await;

    // Reverse data breakpoint: the write to `origin` 1.9M iterations back.
    let (mut c, thread, _) = at_iteration_1_9m(&exe, &source, body, dir).await;
    c.set_breakpoints(&source, &[])
        .await
        .expect("clear breakpoints");
    let frame = c.top_frame(thread).await.expect("top frame")["id"]
        .as_i64()
        .expect("frame id");
    let globals = c
        .scope_reference(frame, "Globals")
        .await
        .expect("Globals scope");
    let data = c
        .data_breakpoint_info(Some(globals), "origin")
        .await
        .expect("dataBreakpointInfo");
    let id = data["dataId"].as_str().expect("dataId").to_string();
    c.set_data_breakpoints(&[(&id, "write")])
        .await
        .expect("setDataBreakpoints");
    if let Some(t) = bounded_movement(&mut c, "reverseContinue", thread).await {
        let line = c.top_frame(thread).await.expect("top frame")["line"].clone();
        println!(
            "{:<44} {:>9.2} ms  (target 1 s; stopped on line {line}, the write is on line {origin})",
            "reverse data breakpoint, 1.9M iterations back",
            ms(t),
        );
    }
    let _ = c.request("disconnect", json!({})).await;
}
