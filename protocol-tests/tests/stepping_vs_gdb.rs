//! Line stepping against ground truth: gdb steps the live loop fixture with
//! `next` (and `step`) and prints where each stop is (pc, line, `i`); rewind
//! must stop at exactly the same places when it steps the recording forwards
//! over DAP — and, stepping back, at the same places in reverse order, with
//! the same values. Both run without address randomisation, so pcs agree.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

use std::path::Path;
use std::time::Duration;

use rewind_protocol_tests::locate;
use rewind_protocol_tests::DapClient;
use rewind_test_support::{gdb, Markers};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(60);
/// Stops after the first, forwards (then as many backwards).
const STEPS: usize = 24;

/// One stop: pc, source line, the function's name, and `i` in main (or `x` in step).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Place {
    pc: u64,
    line: u32,
    value: String,
}

/// Where gdb stops: at the breakpoint on `line`, then after each of `commands`.
fn gdb_places(exe: &Path, line: u32, commands: &[&str], variable: &str) -> Vec<Place> {
    let mut args = vec![
        "set pagination off".to_string(),
        "set debuginfod enabled off".into(),
        format!("break loop.c:{line}"),
        "run > /dev/null".into(),
        "delete".into(),
    ];
    let report = format!("printf \"STOP %#lx %d\\n\", $pc, {variable}");
    let push = |args: &mut Vec<String>| args.extend(["info line *$pc".into(), report.clone()]);
    push(&mut args);
    for c in commands {
        args.push(c.to_string());
        push(&mut args);
    }
    let out = gdb::batch(exe, &args);
    let text = &out.stdout;
    let mut places = Vec::new();
    let mut line_no = None;
    for l in text.lines() {
        if let Some(rest) = l.strip_prefix("Line ") {
            line_no = rest.split_whitespace().next().and_then(|n| n.parse().ok());
        } else if let Some(rest) = l.strip_prefix("STOP ") {
            let mut it = rest.split_whitespace();
            let pc = u64::from_str_radix(it.next().unwrap().trim_start_matches("0x"), 16).unwrap();
            let value = it.next().unwrap().to_string();
            places.push(Place {
                pc,
                line: line_no.take().expect("a Line before each STOP"),
                value,
            });
        }
    }
    assert_eq!(
        places.len(),
        commands.len() + 1,
        "gdb output:\n{text}\n{}",
        out.stderr
    );
    places
}

async fn place(c: &mut DapClient, thread: i64, variable: &str) -> Place {
    let trace = c
        .request_ok("stackTrace", json!({"threadId": thread, "levels": 1}))
        .await
        .expect("stackTrace");
    let frame = &trace["stackFrames"][0];
    let pc = frame["instructionPointerReference"]
        .as_str()
        .and_then(|p| u64::from_str_radix(p.trim_start_matches("0x"), 16).ok())
        .expect("instructionPointerReference");
    let value = c
        .request_ok(
            "evaluate",
            json!({"expression": variable, "frameId": frame["id"], "context": "watch"}),
        )
        .await
        .expect("evaluate")["result"]
        .as_str()
        .unwrap_or("?")
        .to_string();
    Place {
        pc,
        line: frame["line"].as_u64().unwrap_or(0) as u32,
        value,
    }
}

async fn movement(c: &mut DapClient, command: &str, thread: i64) -> Value {
    c.move_to_stop(command, thread)
        .await
        .unwrap_or_else(|e| panic!("{command}: {e}"))
}

/// Launches the loop fixture under rewind with a breakpoint on `line`;
/// returns the client and the stopped thread (breakpoints then cleared).
async fn rewind_at(exe: &Path, source: &Path, line: u32, dir: &Path) -> (DapClient, i64) {
    let bin = locate::adapter_binary().unwrap_or_else(|e| panic!("{e}"));
    let mut c = DapClient::spawn(bin, std::iter::empty::<&str>()).expect("spawn rewind dap");
    c.set_timeout(WAIT);
    let launch = json!({"program": exe, "cwd": dir, "traceDir": dir.join("trace")});
    let thread = c
        .launch_to_first_stop(launch, source, &[line])
        .await
        .expect("launch to the first stop");
    c.set_breakpoints(source, &[])
        .await
        .expect("clear breakpoints");
    (c, thread)
}

fn fixture() -> (std::path::PathBuf, std::path::PathBuf, Markers) {
    let source = rewind_test_support::fixture_source("src/loop.c");
    let markers = Markers::load(&source).expect("markers");
    (rewind_test_support::fixture("loop"), source, markers)
}

/// `next` through main's loop (over the calls of step()), then `stepBack`
/// all the way: forwards as gdb's `next`, backwards the same stops reversed.
#[tokio::test(flavor = "current_thread")]
async fn next_and_step_back_agree_with_gdb_next() {
    let (exe, source, markers) = fixture();
    let line = markers.line("loop_body").expect("loop_body marker");
    let truth = gdb_places(&exe, line, &["next"; STEPS], "i");
    let dir = tempfile::tempdir().unwrap();
    let (mut c, thread) = rewind_at(&exe, &source, line, dir.path()).await;
    let mut seen = vec![place(&mut c, thread, "i").await];
    for _ in 0..STEPS {
        movement(&mut c, "next", thread).await;
        seen.push(place(&mut c, thread, "i").await);
    }
    assert_eq!(seen, truth, "forward `next` stops differ from gdb's");
    for k in (0..STEPS).rev() {
        let stop = movement(&mut c, "stepBack", thread).await;
        let here = place(&mut c, thread, "i").await;
        assert_eq!(
            here,
            truth[k],
            "stepBack from stop {} should land on stop {k}: {stop}",
            k + 1
        );
    }
    let _ = c.request("disconnect", json!({})).await;
}

/// `stepIn` into step(), `next` through it and out into main, as gdb's
/// `step`/`next`; then `stepBack` reverses each of those inside step(), and
/// from step()'s first line goes back out to the call's line in main.
#[tokio::test(flavor = "current_thread")]
async fn step_in_and_back_out_agree_with_gdb() {
    let (exe, source, markers) = fixture();
    let line = markers.line("loop_body").expect("loop_body marker");
    let commands = ["step", "next", "next", "next"];
    let truth = gdb_places(&exe, line, &commands, "$pc");
    let dir = tempfile::tempdir().unwrap();
    let (mut c, thread) = rewind_at(&exe, &source, line, dir.path()).await;
    let mut seen = vec![place(&mut c, thread, "$pc").await];
    for command in commands {
        let dap = if command == "step" { "stepIn" } else { "next" };
        movement(&mut c, dap, thread).await;
        seen.push(place(&mut c, thread, "$pc").await);
    }
    // $pc prints differently (gdb: decimal via %d; rewind: hex): compare pcs and lines.
    let strip = |v: &[Place]| v.iter().map(|p| (p.pc, p.line)).collect::<Vec<_>>();
    assert_eq!(
        strip(&seen),
        strip(&truth),
        "stepIn/next stops differ from gdb's"
    );
    // Back through step()'s lines, then out to the start of the call's line.
    for k in (1..commands.len()).rev() {
        movement(&mut c, "stepBack", thread).await;
        let here = place(&mut c, thread, "$pc").await;
        assert_eq!((here.pc, here.line), (truth[k].pc, truth[k].line));
    }
    movement(&mut c, "stepBack", thread).await;
    let here = place(&mut c, thread, "$pc").await;
    assert_eq!(
        (here.pc, here.line),
        (truth[0].pc, truth[0].line),
        "stepBack from step()'s first line lands at the start of the call's line"
    );
    let _ = c.request("disconnect", json!({})).await;
}
