//! `rewind dump`: the trace in readable form.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use rewind_engine::replay::describe;
use rewind_engine::signals;
use rewind_engine::syscalls;
use rewind_engine::trace::{Event, EventKind, SyscallReplay, TraceReader};

use super::paths;

pub fn run(dir: Option<PathBuf>, json: bool) -> Result<ExitCode> {
    let dir = paths::trace_dir(dir)?;
    let reader = TraceReader::open(&dir)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let header = reader.header();
    if json {
        writeln!(out, "{}", serde_json::json!({ "header": header }))?;
    } else {
        writeln!(out, "trace      {}", dir.display())?;
        writeln!(out, "format     version {}", header.format_version)?;
        writeln!(out, "program    {}", header.executable)?;
        writeln!(out, "argv       {:?}", header.argv)?;
        writeln!(out, "cwd        {}", header.cwd)?;
        writeln!(
            out,
            "cpu        {} family {:#x} model {:#x} ({} CPUID leaves)",
            header.cpu.vendor,
            header.cpu.family,
            header.cpu.model,
            header.cpu.leaves.len()
        )?;
        writeln!(out, "progress   {:?}", header.progress_mode)?;
        writeln!(
            out,
            "signals    blocked {:#x}, ignored {:#x} (bit N-1: signal N)",
            header.initial_signals.blocked, header.initial_signals.ignored
        )?;
    }
    let mut stream = reader.events()?;
    let mut index = 0u64;
    let mut result = Ok(());
    loop {
        match stream.next_event() {
            Ok(Some(event)) => {
                if json {
                    writeln!(
                        out,
                        "{}",
                        serde_json::json!({ "index": index, "event": event })
                    )?;
                } else {
                    writeln!(out, "{}", line(index, &event))?;
                }
                index += 1;
            }
            Ok(None) => break,
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    match stream.end() {
        Some(end) if json => writeln!(out, "{}", serde_json::json!({ "end": end }))?,
        Some(end) => writeln!(
            out,
            "end        {} events, exit status {}",
            end.event_count, end.exit_code
        )?,
        None if result.is_ok() => writeln!(
            out,
            "end        missing: the recording is incomplete after {index} events{}",
            stream
                .cut_tail()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default()
        )?,
        None => {}
    }
    out.flush()?;
    result.with_context(|| format!("reading {}", dir.display()))?;
    Ok(ExitCode::SUCCESS)
}

pub fn line(index: u64, event: &Event) -> String {
    let what = match &event.kind {
        EventKind::Syscall {
            nr,
            args,
            result,
            writes,
            replay,
            output,
        } => {
            let written: usize = writes.iter().map(|w| w.bytes.len()).sum();
            let how = match replay {
                SyscallReplay::Emulate => String::new(),
                SyscallReplay::Execute => " [executed]".into(),
                SyscallReplay::ExecutePatchResult => " [executed, result patched]".into(),
                SyscallReplay::MapFile {
                    file,
                    offset,
                    tracked,
                } => {
                    let tracked = tracked
                        .map(|n| format!(", tracked file {n}"))
                        .unwrap_or_default();
                    format!(" [maps files/{file} at offset {offset:#x}{tracked}]")
                }
                SyscallReplay::MapZero => " [maps /dev/zero: anonymous memory]".into(),
                SyscallReplay::Clone { flags, .. } => format!(" [clone flags {flags:#x}]"),
                SyscallReplay::Exec(image) => {
                    format!(" [exec {} as files/{}]", image.path, image.exe_file)
                }
                SyscallReplay::EmulateFileChange(change) => {
                    let bytes: usize = change.writes.iter().map(|w| w.bytes.len()).sum();
                    format!(
                        " [changes tracked file {}: {bytes} bytes, length {}]",
                        change.tracked, change.len
                    )
                }
            };
            let out = output
                .as_ref()
                .map(|o| format!(" [{:?}]", o.stream))
                .unwrap_or_default();
            let args = args
                .iter()
                .map(|a| format!("{a:#x}"))
                .collect::<Vec<_>>()
                .join(", ");
            let mem = if written > 0 {
                format!(" wrote {written} bytes")
            } else {
                String::new()
            };
            format!("{}({args}) = {result}{mem}{how}{out}", syscalls::name(*nr))
        }
        EventKind::Signal {
            signo, synchronous, ..
        } => format!(
            "signal {} ({})",
            signals::name(*signo),
            if *synchronous {
                "synchronous"
            } else {
                "asynchronous"
            }
        ),
        EventKind::Rdtsc { tsc, .. } => format!("{} = {tsc:#x}", describe(&event.kind)),
        other => describe(other),
    };
    format!(
        "{index:>8} {:>7} rip={:#014x} {what}",
        event.tid,
        event.regs.rip()
    )
}
