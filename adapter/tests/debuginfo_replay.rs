//! Source-level debugging of a replay, proven against gdb on the real program.
//!
//! In a replay, shared libraries are anonymous memory filled from the trace's
//! copies, so the debug layer takes the process's mappings from the trace
//! (`debugger::mappings`). These tests stop a replay of a fixture where gdb stops the live
//! program (both without address randomisation, so addresses agree) and compare the
//! source-level stack and variable values with gdb's, and with the program's output.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

// The DAP server uses more of these modules than these tests do.
#[allow(dead_code)]
#[path = "../src/debugger/mappings.rs"]
mod mappings;
#[allow(dead_code)]
#[path = "../src/debugger/target.rs"]
mod target;

mod support;

use std::path::{Path, PathBuf};

use rewind_debuginfo::{Frame, Program, VariableKind};
use rewind_engine::session::{Session, StopReason};
use rewind_engine::trace::TraceReader;
use rewind_test_support::gdb::{self, parse_backtrace_entries, parse_prints, BacktraceEntry};
use rewind_test_support::{fixture_arg, marker_line};
use target::{registers_from, SessionMemory};

/// Runs gdb in batch mode on `exe` with `commands` (after `set backtrace
/// past-main on`) and returns its stdout; None (the test is skipped, saying
/// why) when gdb is not installed.
fn gdb(exe: &str, commands: &[&str]) -> Option<String> {
    if !gdb::is_installed() {
        eprintln!("skipping: gdb is not installed (it is the ground truth of this test)");
        return None;
    }
    let mut all = vec!["set backtrace past-main on"];
    all.extend_from_slice(commands);
    Some(gdb::batch(Path::new(exe), &all).stdout)
}

/// Whether our absolute `path` names gdb's (possibly relative) `file`.
fn same_file(path: &Path, file: &str) -> bool {
    let rel: PathBuf = Path::new(file)
        .components()
        .skip_while(|c| {
            matches!(
                c,
                std::path::Component::CurDir | std::path::Component::ParentDir
            )
        })
        .collect();
    path.ends_with(rel)
}

/// Our stack equals gdb's `bt`: function names, source positions, and the pc of
/// every caller frame.
fn assert_stack_matches(frames: &[Frame], gdb: &[BacktraceEntry], context: &str) {
    let ours: Vec<String> = frames
        .iter()
        .map(|f| {
            format!(
                "{} {:?} {:#x}",
                f.function.as_deref().unwrap_or("??"),
                f.location.as_ref().map(|l| (&l.file, l.line)),
                f.pc
            )
        })
        .collect();
    assert_eq!(
        frames.len(),
        gdb.len(),
        "{context}: frame count; ours: {ours:#?}\ngdb: {gdb:#?}"
    );
    for (i, (f, g)) in frames.iter().zip(gdb).enumerate() {
        assert_eq!(
            f.function.as_deref(),
            Some(g.function.as_str()),
            "{context}: function of frame #{i}; ours: {ours:#?}\ngdb: {gdb:#?}"
        );
        match (&g.file, g.line) {
            (Some(file), Some(line)) => {
                let loc = f
                    .location
                    .as_ref()
                    .unwrap_or_else(|| panic!("{context}: frame #{i} has no source position"));
                assert!(
                    same_file(&loc.file, file),
                    "{context}: file of frame #{i}: ours {}, gdb {file}",
                    loc.file.display()
                );
                assert_eq!(loc.line, line, "{context}: line of frame #{i}");
            }
            _ => assert!(
                f.location.is_none(),
                "{context}: frame #{i} has a source position gdb does not show: {:?}",
                f.location
            ),
        }
        if let Some(pc) = g.pc {
            assert_eq!(f.pc, pc, "{context}: pc of frame #{i}");
        }
    }
}

/// The replay of a recorded fixture with the debug layer following it.
struct Replay {
    session: Session,
    reader: TraceReader,
    program: Program,
}

impl Replay {
    fn open(trace: &Path) -> Replay {
        let session = Session::open(trace).expect("open the replay");
        let reader = TraceReader::open(trace).expect("open the trace");
        let mut r = Replay {
            session,
            reader,
            program: Program::new(),
        };
        r.sync();
        r
    }

    /// Places the files mapped at the current position; all must load.
    fn sync(&mut self) {
        let maps = mappings::MappingsCursor::new(&self.reader)
            .and_then(|mut cursor| {
                cursor.mappings_at(
                    &self.reader,
                    self.session.event_index(),
                    self.session.current_tid(),
                )
            })
            .expect("read the trace's mappings");
        let errors = self.program.set_mappings(&maps);
        assert!(errors.is_empty(), "modules failed to load: {errors:?}");
    }

    fn cont_to(&mut self, addrs: &[u64]) {
        let stop = self.session.cont().expect("cont");
        match stop.reason {
            StopReason::Breakpoint { addr } if addrs.contains(&addr) => {}
            other => panic!("expected a breakpoint at {addrs:x?}, stopped: {other:?}"),
        }
        self.sync();
    }

    fn reverse_cont_to(&mut self, addrs: &[u64]) {
        let stop = self.session.reverse_cont().expect("reverse_cont");
        match stop.reason {
            StopReason::Breakpoint { addr } if addrs.contains(&addr) => {}
            other => panic!("expected a breakpoint at {addrs:x?}, stopped: {other:?}"),
        }
        self.sync();
    }

    /// The stack and the values of `exprs` in its innermost frame.
    fn inspect(&mut self, exprs: &[&str]) -> (Vec<Frame>, Vec<String>, Vec<(String, String)>) {
        self.inspect_frame(0, exprs)
    }

    /// The stack, and the values of `exprs` and the locals in frame `n`.
    fn inspect_frame(
        &mut self,
        n: usize,
        exprs: &[&str],
    ) -> (Vec<Frame>, Vec<String>, Vec<(String, String)>) {
        let tid = self.session.current_tid();
        let regs = registers_from(&self.session.regs(tid).expect("regs"));
        let mem = SessionMemory::new(&mut self.session, tid);
        let frames = self.program.stack(&regs, &mem, 128);
        let top = frames.get(n).expect("the frame");
        let values = exprs
            .iter()
            .map(|e| match self.program.evaluate(Some(top), e, &mem) {
                Ok(v) => v.value,
                Err(err) => panic!("evaluating {e}: {err}"),
            })
            .collect();
        let locals = self
            .program
            .frame_variables(top, VariableKind::Local, &mem)
            .into_iter()
            .map(|v| (v.name, v.value))
            .collect();
        (frames, values, locals)
    }
}

/// `i=%d r=%d total=%d ...` of iteration `i` of the loop fixture's output.
fn loop_output(stdout: &str, i: i64) -> (i64, i64) {
    let prefix = format!("i={i} ");
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no iteration {i} in output:\n{stdout}"));
    let field = |name: &str| -> i64 {
        let tag = format!(" {name}=");
        let at = line.find(&tag).expect("field") + tag.len();
        line[at..]
            .split(|c: char| !(c.is_ascii_digit() || c == '-'))
            .next()
            .and_then(|v| v.parse().ok())
            .expect("number")
    };
    (field("r"), field("total"))
}

#[test]
fn replayed_stack_and_variables_match_gdb() {
    let exe = fixture_arg("loop");
    let line = marker_line("src/loop.c", "step_total");
    let Some(gdb_text) = gdb(
        &exe,
        &[
            &format!("break loop.c:{line}"),
            "run",
            "continue",
            "continue",
            "bt",
            "print x",
            "print doubled",
            "print total",
            "info locals",
        ],
    ) else {
        return;
    };
    let gdb_bt = parse_backtrace_entries(&gdb_text);
    let gdb_values = parse_prints(&gdb_text);
    assert!(
        gdb_bt.len() >= 2 && gdb_values.len() == 3,
        "unexpected gdb output:\n{gdb_text}"
    );
    assert_eq!(gdb_bt[0].function, "step", "gdb output:\n{gdb_text}");

    let tmp = tempfile::tempdir().unwrap();
    let (rec, trace) = support::record(tmp.path(), &[&exe], b"");
    assert_eq!(rec.code, Some(0), "recording failed: {}", rec.stderr_text());
    let stdout = rec.stdout_text();

    let mut r = Replay::open(&trace);
    let bp = r
        .program
        .line_breakpoint(Path::new("loop.c"), line)
        .expect("breakpoint on the step_total line");
    assert_eq!(bp.line, line);
    assert!(!bp.addresses.is_empty());
    for &a in &bp.addresses {
        r.session.add_breakpoint(a);
    }

    // The 3rd hit, where gdb stopped.
    for _ in 0..3 {
        r.cont_to(&bp.addresses);
    }
    // libc is known only from the trace: the replay maps it anonymously.
    let libc = r
        .program
        .modules()
        .iter()
        .find(|m| m.module.path().to_string_lossy().contains("libc.so"))
        .expect("libc among the modules placed from the trace");
    assert!(libc.module.path().starts_with(&trace));
    let (frames, values, locals) = r.inspect(&["x", "doubled", "total"]);
    assert_stack_matches(&frames, &gdb_bt, "3rd hit of step_total");
    let callers: Vec<&str> = frames
        .iter()
        .filter_map(|f| f.function.as_deref())
        .take_while(|f| *f != "__libc_start_call_main")
        .collect();
    assert_eq!(callers, ["step", "main"]);
    assert_eq!(values, gdb_values, "x, doubled, total vs gdb");
    let gdb_locals: Vec<(String, String)> = gdb_text
        .lines()
        .skip_while(|l| !l.starts_with("$3 = "))
        .skip(1)
        .filter_map(|l| l.split_once(" = "))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    assert_eq!(locals, gdb_locals, "info locals");

    // Back to the 2nd hit: iteration i=1, before `total += doubled`.
    r.reverse_cont_to(&bp.addresses);
    let (frames, values, _) = r.inspect(&["x", "doubled", "total"]);
    assert_eq!(frames[0].function.as_deref(), Some("step"));
    assert_eq!(frames[1].function.as_deref(), Some("main"));
    let (r1, total1) = loop_output(&stdout, 1);
    let (_, total0) = loop_output(&stdout, 0);
    let doubled = r1 - 1;
    assert_eq!(
        values,
        vec![
            "1".to_string(),
            doubled.to_string(),
            (total1 - doubled).to_string()
        ],
        "x, doubled, total at iteration 1 vs the program's output:\n{stdout}"
    );
    assert_eq!(total1 - doubled, total0);
}

#[test]
fn replayed_libc_frame_matches_gdb() {
    let exe = fixture_arg("loop");
    let Some(gdb_text) = gdb(&exe, &["break printf", "run", "bt"]) else {
        return;
    };
    let gdb_bt = parse_backtrace_entries(&gdb_text);
    assert!(gdb_bt.len() >= 2, "unexpected gdb output:\n{gdb_text}");
    assert_eq!(gdb_bt[1].function, "main", "gdb output:\n{gdb_text}");

    let tmp = tempfile::tempdir().unwrap();
    let (rec, trace) = support::record(tmp.path(), &[&exe], b"");
    assert_eq!(rec.code, Some(0), "recording failed: {}", rec.stderr_text());

    let mut r = Replay::open(&trace);
    // libc is mapped by ld.so after the start: stop in main first.
    let main = r.program.function_breakpoint("main").expect("main");
    for &a in &main {
        r.session.add_breakpoint(a);
    }
    r.cont_to(&main);
    for &a in &main {
        r.session.remove_breakpoint(a);
    }
    let printf = r
        .program
        .function_breakpoint("printf")
        .expect("printf in libc");
    assert!(!printf.is_empty());
    for &a in &printf {
        r.session.add_breakpoint(a);
    }
    r.cont_to(&printf);
    let (frames, _, _) = r.inspect(&[]);
    assert_stack_matches(&frames, &gdb_bt, "first printf");
}

#[test]
fn replayed_deep_recursion_and_globals_match_gdb() {
    let exe = fixture_arg("dbgvars");
    let line = marker_line("src/dbgvars.c", "deep_base");
    let exprs = [
        "here",
        "level",
        "acc",
        "g_outer",
        "s_counter",
        "g_message",
        "t_value",
        "g_matrix",
    ];
    let mut commands = vec![format!("break dbgvars.c:{line}"), "run".into(), "bt".into()];
    commands.extend(exprs.iter().map(|e| format!("print {e}")));
    commands.extend(["up 50", "print level", "print here"].map(String::from));
    let commands: Vec<&str> = commands.iter().map(String::as_str).collect();
    let Some(gdb_text) = gdb(&exe, &commands) else {
        return;
    };
    let gdb_bt = parse_backtrace_entries(&gdb_text);
    let gdb_values = parse_prints(&gdb_text);
    assert!(
        gdb_bt.len() > 52 && gdb_values.len() == exprs.len() + 2,
        "unexpected gdb output:\n{gdb_text}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let (rec, trace) = support::record(tmp.path(), &[&exe], b"");
    assert_eq!(rec.code, Some(0), "recording failed: {}", rec.stderr_text());

    let mut r = Replay::open(&trace);
    let bp = r
        .program
        .line_breakpoint(Path::new("dbgvars.c"), line)
        .expect("breakpoint on the deep_base line");
    for &a in &bp.addresses {
        r.session.add_breakpoint(a);
    }
    r.cont_to(&bp.addresses);
    let (frames, values, _) = r.inspect(&exprs);
    assert_stack_matches(&frames, &gdb_bt, "deep_base");
    assert_eq!(values, gdb_values[..exprs.len()], "values vs gdb");
    let (_, outer, _) = r.inspect_frame(50, &["level", "here"]);
    assert_eq!(outer, gdb_values[exprs.len()..], "frame #50 vs gdb");
}
