//! `rewind demo`: records a bundled program, then debugs the recording
//! forwards and backwards — breakpoint, steps, steps back, a reverse-continue
//! to the last write of a variable — printing each stop.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::{Command, ExitCode};

use rewind_debuginfo::Program;
use rewind_engine::record::{self, RecordOptions};
use rewind_engine::session::{Session, Stop, StopReason, WatchKind, WatchSpec};
use rewind_engine::trace::TraceReader;

use crate::debug::{sync_program, target::registers_from, target::SessionMemory};

/// The bundled program: the `loop` fixture the tests debug.
const DEMO_SOURCE: &str = include_str!("../../../fixtures/src/loop.c");

pub fn run() -> Result<ExitCode> {
    let work = std::env::temp_dir().join(format!("rewind-demo-{}", std::process::id()));
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let result = demo_in(&work);
    let _ = std::fs::remove_dir_all(&work);
    result
}

/// The line of the bundled source that carries `/* LINE:marker */`.
fn marker_line(marker: &str) -> Result<u32> {
    DEMO_SOURCE
        .lines()
        .position(|l| l.contains(&format!("LINE:{marker}")))
        .map(|i| i as u32 + 1)
        .with_context(|| format!("the bundled program has no LINE:{marker} marker"))
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

    println!("== 1. Recording the bundled program (loop.c: a loop calling step(i), which adds 2*i to `total`)\n");
    let trace_dir = work.join("trace");
    let summary = record::record(&RecordOptions {
        exe: exe.to_string_lossy().into_owned(),
        argv: vec!["loop".into()],
        env: std::env::vars().map(|(k, v)| format!("{k}={v}")).collect(),
        cwd: work.to_string_lossy().into_owned(),
        trace_dir: trace_dir.clone(),
        stdio: None,
    })
    .context("recording the demo program")?;
    println!(
        "\n   recorded {} events; the program exited with status {}",
        summary.event_count, summary.exit_code
    );

    println!("\n== 2. Debugging the recording, forwards and backwards\n");
    let reader = TraceReader::open(&trace_dir)?;
    let mut session = Session::open(&trace_dir).context("opening the recording")?;
    let mut program = Program::new();
    sync_program(&mut program, &reader, &session)?;
    let line = marker_line("step_total")?;
    let bp = program
        .line_breakpoint(&source, line)
        .context("resolving the demo breakpoint")?;
    for &addr in &bp.addresses {
        session.add_breakpoint(addr);
    }
    println!("   breakpoint at loop.c:{} (`total += doubled;`)", bp.line);
    let mut demo = Demo {
        session,
        program,
        reader,
    };
    for _ in 0..3 {
        let stop = demo.session.cont()?;
        demo.show("continue", &stop, &["x", "total"])?;
    }
    for _ in 0..2 {
        let stop = demo.line_step(false)?;
        demo.show("next line", &stop, &["total"])?;
    }
    for _ in 0..2 {
        let stop = demo.line_step(true)?;
        demo.show("step back", &stop, &["total"])?;
    }
    let stop = demo.session.reverse_cont()?;
    demo.show("reverse-continue", &stop, &["x", "total"])?;

    // When did `total` last change? Watch it, go to the end, run backwards.
    let total_addr = demo.address_of("total")?;
    for &addr in &bp.addresses {
        demo.session.remove_breakpoint(addr);
    }
    demo.session.add_watchpoint(WatchSpec {
        addr: total_addr,
        len: 4,
        kind: WatchKind::Write,
    })?;
    let end = demo.session.goto_end()?;
    println!(
        "   ⏩ {:<18} → the end of the recording ({})",
        "go to end",
        describe_reason(&end.reason)
    );
    let stop = demo.session.reverse_cont()?;
    demo.show("reverse-continue", &stop, &["x", "total"])?;
    let stop = demo.session.step()?;
    demo.show("step (the write)", &stop, &["total"])?;
    println!(
        "\n   Every stop above is an exact point of the recorded run: going back re-runs it from"
    );
    println!(
        "   a fork()ed checkpoint. Next: `rewind record PROGRAM`, `rewind replay`, `rewind dump`."
    );
    Ok(ExitCode::SUCCESS)
}

struct Demo {
    session: Session,
    program: Program,
    reader: TraceReader,
}

fn describe_reason(reason: &StopReason) -> String {
    match reason {
        StopReason::Breakpoint { .. } => "breakpoint".into(),
        StopReason::Watchpoint { syscall: None, .. } => "the instruction that wrote it".into(),
        StopReason::Watchpoint {
            syscall: Some(_), ..
        } => "the syscall that wrote it".into(),
        StopReason::End { exit_code } => format!("program exited with {}", exit_code.unwrap_or(-1)),
        StopReason::Start => "start of the recording".into(),
        StopReason::Step => "step".into(),
        StopReason::Signal { signo } => format!("signal {signo}"),
        StopReason::Arrived => "arrived".into(),
        StopReason::Paused => "paused".into(),
    }
}

impl Demo {
    /// Source line of the current stop.
    fn line(&mut self) -> Result<Option<(String, u32)>> {
        let tid = self.session.current_tid();
        let pc = self.session.regs(tid)?.rip();
        sync_program(&mut self.program, &self.reader, &self.session)?;
        Ok(self.program.location_at(pc).map(|l| {
            let file = l
                .file
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            (file, l.line)
        }))
    }

    /// Steps by instructions to the start of the next source line; or back
    /// to the start of the previous one (the first instruction of the line
    /// executed before this one, as a debugger's "step back" does).
    fn line_step(&mut self, back: bool) -> Result<Stop> {
        let start = self.line()?;
        let mut stop = None;
        for _ in 0..10_000 {
            let s = if back {
                self.session.reverse_step()?
            } else {
                self.session.step()?
            };
            let here = self.line()?;
            let edge = matches!(s.reason, StopReason::End { .. } | StopReason::Start);
            stop = Some(s);
            if (here.is_some() && here != start) || edge {
                break;
            }
        }
        let mut stop = stop.context("no instruction to step")?;
        if back {
            // Back over the rest of that line, then forward onto its start.
            let line = self.line()?;
            for _ in 0..10_000 {
                let s = self.session.reverse_step()?;
                if self.line()? != line || matches!(s.reason, StopReason::Start) {
                    if self.line()? != line {
                        stop = self.session.step()?;
                    }
                    break;
                }
                stop = s;
            }
        }
        Ok(stop)
    }

    fn address_of(&mut self, name: &str) -> Result<u64> {
        let tid = self.session.current_tid();
        let regs = registers_from(&self.session.regs(tid)?);
        let mem = SessionMemory::new(&mut self.session, tid);
        let frames = self.program.stack(&regs, &mem, 64);
        let v = self
            .program
            .evaluate(frames.first(), &format!("&{name}"), &mem)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        // Printed like gdb: `(int *) 0x55555555801c <total>`.
        let hex = v
            .value
            .split_whitespace()
            .find_map(|w| w.strip_prefix("0x"))
            .with_context(|| format!("address of {name}: {}", v.value))?;
        u64::from_str_radix(hex, 16).with_context(|| format!("address of {name}: {}", v.value))
    }

    /// Prints a stop: what was done, the function and line, some values.
    fn show(&mut self, what: &str, stop: &Stop, names: &[&str]) -> Result<()> {
        let tid = self.session.current_tid();
        let regs = registers_from(&self.session.regs(tid)?);
        sync_program(&mut self.program, &self.reader, &self.session)?;
        let pc = regs.pc().unwrap_or(0);
        let function = self
            .program
            .function_name_at(pc)
            .unwrap_or_else(|| format!("{pc:#x}"));
        let place = self
            .line()?
            .map(|(f, l)| format!("{f}:{l}"))
            .unwrap_or_else(|| "?".into());
        let mem = SessionMemory::new(&mut self.session, tid);
        let frames = self.program.stack(&regs, &mem, 64);
        let values: Vec<String> = names
            .iter()
            .map(|n| match self.program.evaluate(frames.first(), n, &mem) {
                Ok(v) => format!("{n}={}", v.value),
                Err(_) => format!("{n}=?"),
            })
            .collect();
        let arrow = if what.contains("back") || what.starts_with("reverse") {
            "⏪"
        } else {
            "⏵"
        };
        println!(
            "   {arrow} {what:<18} → {function}() at {place:<10} {:<22} ({})",
            values.join(" "),
            describe_reason(&stop.reason)
        );
        Ok(())
    }
}
