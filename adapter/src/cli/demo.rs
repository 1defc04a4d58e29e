//! `rewind demo`: records a bundled program, replays it exactly and shows
//! what the trace holds — the quickest way to see rewind work.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::{Command, ExitCode};

use rewind_engine::record::{self, RecordOptions};
use rewind_engine::replay;
use rewind_engine::trace::{EventKind, OutputStream, TraceReader};

/// The bundled program: the `loop` fixture the tests debug.
const DEMO_SOURCE: &str = include_str!("../../../fixtures/src/loop.c");

pub fn run() -> Result<ExitCode> {
    let work = std::env::temp_dir().join(format!("rewind-demo-{}", std::process::id()));
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let result = demo_in(&work);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn demo_in(work: &Path) -> Result<ExitCode> {
    let source = work.join("loop.c");
    let exe = work.join("loop");
    std::fs::write(&source, DEMO_SOURCE)?;
    let cc = Command::new("cc")
        .args(["-g", "-O0", "-o"])
        .arg(&exe)
        .arg(&source)
        .status()
        .context(
            "rewind demo compiles its bundled C program and needs a C compiler (`cc`) on PATH",
        )?;
    if !cc.success() {
        bail!("compiling the bundled demo program failed ({cc})");
    }

    println!("== 1. Recording the bundled program `loop` (a loop calling step(i) ten times)");
    let trace_dir = work.join("trace");
    let opts = RecordOptions {
        exe: exe.to_string_lossy().into_owned(),
        argv: vec!["loop".into()],
        env: std::env::vars().map(|(k, v)| format!("{k}={v}")).collect(),
        cwd: work.to_string_lossy().into_owned(),
        trace_dir: trace_dir.clone(),
    };
    let summary = record::record(&opts).context("recording the demo program")?;
    println!(
        "   recorded {} events; the program exited with status {}",
        summary.event_count, summary.exit_code
    );

    println!("\n== 2. What the trace holds: every syscall, signal and rdtsc, in order");
    let reader = TraceReader::open(&trace_dir)?;
    let mut shown = 0;
    let mut index = 0u64;
    for event in reader.events()? {
        let event = event?;
        if let EventKind::Syscall {
            output: Some(_), ..
        } = &event.kind
        {
            if shown < 3 {
                println!("   {}", super::dump::line(index, &event));
            }
            shown += 1;
        }
        index += 1;
    }
    println!("   … {shown} writes to stdout among {index} events (`rewind dump` lists them all)");

    println!(
        "\n== 3. Replaying: syscalls are emulated from the trace, registers checked at every event"
    );
    let mut replayed = Vec::new();
    let mut sink = |stream: OutputStream, bytes: &[u8]| {
        if stream == OutputStream::Stdout {
            replayed.extend_from_slice(bytes);
        }
    };
    let result =
        replay::replay_to_end(&trace_dir, &mut sink).context("replaying the demo recording")?;
    for line in String::from_utf8_lossy(&replayed).lines().take(4) {
        println!("   replay │ {line}");
    }
    println!("   replay │ …");
    let exact = result.replayed_exit == result.recorded_exit;
    let status = |s: Option<i32>| s.map_or("unknown".to_string(), |c| c.to_string());
    println!(
        "   replayed {} events exactly; exit status {} (recorded: {})",
        result.events,
        status(result.replayed_exit),
        status(result.recorded_exit)
    );
    println!("\nNext: `rewind record PROGRAM`, then `rewind replay --check` and `rewind dump`.");
    Ok(if exact {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
