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

use rewind_protocol_tests::DapClient;
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
}
