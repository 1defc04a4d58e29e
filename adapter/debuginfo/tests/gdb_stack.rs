//! Stacks and variables at a live stop agree with gdb stopped at the same breakpoint:
//! `bt` functions and lines, `info args`, `info locals` and printed values.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

mod support;

use rewind_debuginfo::{Frame, Program, VariableKind};
use rewind_test_support::gdb::{
    mask_stack_addresses, parse_backtrace, parse_name_values, run_gdb, sections, GdbFrame,
};
use rewind_test_support::{fixture, fixture_source, marker_line};
use support::tracer::Tracee;

/// A fixture stopped at a source line, seen by us and by gdb.
struct Stop {
    tracee: Tracee,
    program: Program,
    frames: Vec<Frame>,
    gdb: std::collections::HashMap<String, String>,
}

fn stop_at(binary: &str, source: &str, marker: &str, prints: &[&str]) -> Stop {
    let line = marker_line(source, marker);
    let base = fixture_source(source)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    stop_at_spec(binary, &format!("{base}:{line}"), prints, |p| {
        let mut a = p
            .line_breakpoint(&fixture_source(source), line)
            .expect("breakpoint")
            .addresses;
        a.sort_unstable();
        a[0]
    })
}

/// Stops at the first hit of gdb's `break SPEC` (`file:line` or a function), with us at
/// the lowest of the addresses `ours` computes for it.
fn stop_at_spec(binary: &str, spec: &str, prints: &[&str], ours: impl Fn(&Program) -> u64) -> Stop {
    let path = fixture(binary);
    let mut tracee = Tracee::spawn(&path, &[]);
    let mut program = Program::new();
    program.set_mappings(&tracee.maps());
    assert!(
        tracee.run_to(ours(&program), 1),
        "{binary} exited before {spec}"
    );
    program.set_mappings(&tracee.maps());
    let frames = program.stack(&tracee.regs(), &tracee, 256);

    let mut cmds = vec![
        "handle SIGUSR2 nostop noprint pass".into(),
        format!("break {spec}"),
        "run".into(),
        "echo --- bt\\n".into(),
        "bt".into(),
    ];
    cmds.extend([
        "echo --- args\\n".into(),
        "info args".into(),
        "echo --- locals\\n".into(),
        "info locals".into(),
    ]);
    for p in prints {
        cmds.push(format!("echo --- {p}\\n"));
        cmds.push(format!("output {p}"));
        cmds.push("echo \\n".into());
    }
    let out = run_gdb(&path, &cmds);
    Stop {
        tracee,
        program,
        frames,
        gdb: sections(&out),
    }
}

/// Our frames as gdb would show them: gdb's `bt` stops at `main` (backtrace past-main off).
fn our_backtrace(stop: &Stop) -> Vec<GdbFrame> {
    let main = stop
        .frames
        .iter()
        .position(|f| f.function.as_deref() == Some("main"));
    stop.frames[..main.map_or(stop.frames.len(), |m| m + 1)]
        .iter()
        .map(|f| GdbFrame {
            function: if f.signal_trampoline {
                "<signal handler called>".into()
            } else {
                f.function.clone().unwrap_or_else(|| "??".into())
            },
            line: if f.signal_trampoline {
                None
            } else {
                f.location.as_ref().map(|l| l.line)
            },
        })
        .collect()
}

/// gdb adds "tail call frames" it infers from DW_TAG_call_site data (frames that are
/// not on the stack); we do not synthesise them. These are the ones the fixtures hit.
const GDB_TAIL_CALL_FRAMES: &[&str] = &["__pthread_kill_internal"];

fn assert_backtrace(stop: &Stop, min_frames: usize) {
    let mut theirs = parse_backtrace(&stop.gdb["bt"]);
    theirs.retain(|f| !GDB_TAIL_CALL_FRAMES.contains(&f.function.as_str()));
    let ours = our_backtrace(stop);
    assert!(
        theirs.len() >= min_frames,
        "gdb bt too short:\n{}",
        stop.gdb["bt"]
    );
    assert_eq!(
        ours, theirs,
        "backtrace differs from gdb's:\n{}",
        stop.gdb["bt"]
    );
}

fn assert_variables(stop: &Stop, kind: VariableKind, section: &str) {
    let theirs = parse_name_values(&stop.gdb[section]);
    let ours: Vec<(String, String)> = stop
        .program
        .frame_variables(&stop.frames[0], kind, &stop.tracee)
        .into_iter()
        .map(|v| (v.name, mask_stack_addresses(&v.value)))
        .collect();
    let theirs: Vec<(String, String)> = theirs
        .into_iter()
        .map(|(n, v)| (n, mask_stack_addresses(&v)))
        .collect();
    assert_eq!(
        ours, theirs,
        "{section} differ from gdb's:\n{}",
        stop.gdb[section]
    );
}

fn assert_prints(stop: &Stop, exprs: &[&str]) {
    for e in exprs {
        let theirs = mask_stack_addresses(stop.gdb[*e].trim());
        let ours = stop
            .program
            .evaluate(Some(&stop.frames[0]), e, &stop.tracee)
            .map(|v| mask_stack_addresses(&v.value))
            .unwrap_or_else(|err| format!("error: {err}"));
        assert_eq!(ours, theirs, "print {e}");
    }
}

#[test]
fn deep_recursion_o0_matches_gdb() {
    let stop = stop_at("dbgvars", "src/dbgvars.c", "deep_base", &[]);
    assert_backtrace(&stop, 52);
    assert_variables(&stop, VariableKind::Parameter, "args");
    assert_variables(&stop, VariableKind::Local, "locals");
}

#[test]
fn deep_recursion_o2_matches_gdb() {
    let stop = stop_at("dbgvars-O2", "src/dbgvars.c", "deep_base", &[]);
    assert_backtrace(&stop, 2);
}

#[test]
fn signal_handler_stack_matches_gdb() {
    for binary in ["dbgvars", "dbgvars-O2"] {
        let stop = stop_at(binary, "src/dbgvars.c", "in_handler", &[]);
        assert_backtrace(&stop, 4);
        assert!(stop.frames.iter().any(|f| f.signal_trampoline));
    }
}

const INSPECT_PRINTS: &[&str] = &[
    "o->arr[3]",
    "*o",
    "o->in",
    "o->name",
    "n",
    "c",
    "count",
    "g_outer",
    "s_counter",
    "g_message",
    "g_matrix",
    "&g_outer",
    "g_outer.in.tag",
    "o->arr[1] + o->arr[2] * 10",
    "local_sum > 10",
    "(long)local_sum",
    "(char)65",
    "g_fn",
    "$rip == $pc",
];

#[test]
fn variables_o0_match_gdb() {
    let stop = stop_at("dbgvars", "src/dbgvars.c", "inspect_block", INSPECT_PRINTS);
    assert_backtrace(&stop, 2);
    assert_variables(&stop, VariableKind::Parameter, "args");
    assert_variables(&stop, VariableKind::Local, "locals");
    assert_prints(&stop, INSPECT_PRINTS);
    let out = stop.tracee.finish();
    assert!(out.contains("inspect id=99 sum=15 inner=150"), "{out}");
}

#[test]
fn variables_o2_match_gdb() {
    let stop = stop_at(
        "dbgvars-O2",
        "src/dbgvars.c",
        "inspect_block",
        &["g_outer", "s_counter", "g_matrix", "g_message"],
    );
    assert_backtrace(&stop, 2);
    assert_variables(&stop, VariableKind::Parameter, "args");
    assert_variables(&stop, VariableKind::Local, "locals");
    assert_prints(&stop, &["g_outer", "s_counter", "g_matrix", "g_message"]);
}

/// Inlined frames: at -O2 `step` is inlined into `main`; stopped at the inlined copy's
/// entry, gdb shows `step` then `main` at the call site, and the inlined parameter.
#[test]
fn inlined_frames_match_gdb() {
    let stop = stop_at_spec("loop-O2", "step", &["x", "total"], |p| {
        let mut a = p.function_breakpoint("step").expect("step");
        a.sort_unstable();
        a[0]
    });
    assert_backtrace(&stop, 2);
    assert_eq!(stop.frames[0].inline_index, 0);
    assert_eq!(stop.frames[1].physical, stop.frames[0].physical);
    assert_variables(&stop, VariableKind::Parameter, "args");
    assert_variables(&stop, VariableKind::Local, "locals");
    assert_prints(&stop, &["x", "total"]);
    // Line 15 of step is a statement just past the inlined block: gdb shows main there.
    let stop = stop_at("loop-O2", "src/loop.c", "step_total", &["i", "p"]);
    assert_backtrace(&stop, 1);
    assert_variables(&stop, VariableKind::Local, "locals");
    assert_prints(&stop, &["i", "p"]);
}

/// Expanding values (DAP `variables` on a `variablesReference`): struct members, array
/// elements (paged) and a pointer's target agree with gdb's printing of the same paths.
#[test]
fn children_match_gdb() {
    let members = ["id", "ratio", "in", "arr", "name", "flags", "level", "col"];
    let mut prints: Vec<String> = members.iter().map(|m| format!("g_outer.{m}")).collect();
    prints.extend([
        "*o".to_string(),
        "o->arr[2]".into(),
        "o->arr[3]".into(),
        "g_matrix[1]".into(),
    ]);
    let refs: Vec<&str> = prints.iter().map(String::as_str).collect();
    let stop = stop_at("dbgvars", "src/dbgvars.c", "inspect_block", &refs);
    let frame = &stop.frames[0];
    let gdb = |e: &str| mask_stack_addresses(stop.gdb[e].trim());
    let eval = |e: &str| {
        stop.program
            .evaluate(Some(frame), e, &stop.tracee)
            .expect(e)
    };

    let g = eval("g_outer");
    let children = stop.program.children(
        g.children.as_ref().expect("expandable"),
        &stop.tracee,
        0,
        None,
    );
    let names: Vec<&str> = children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, members);
    for c in &children {
        assert_eq!(
            c.value,
            gdb(&format!("g_outer.{}", c.name)),
            "g_outer.{}",
            c.name
        );
    }

    let o = eval("o");
    let target = stop.program.children(
        o.children.as_ref().expect("pointer expands"),
        &stop.tracee,
        0,
        None,
    );
    assert_eq!(target.len(), 1);
    assert_eq!(target[0].name, "*o");
    assert_eq!(mask_stack_addresses(&target[0].value), gdb("*o"));
    let arr = stop
        .program
        .children(
            target[0].children.as_ref().expect("struct"),
            &stop.tracee,
            0,
            None,
        )
        .into_iter()
        .find(|c| c.name == "arr")
        .expect("arr");
    assert_eq!(arr.indexed_children, Some(4));
    let page = stop.program.children(
        arr.children.as_ref().expect("array"),
        &stop.tracee,
        2,
        Some(2),
    );
    let page: Vec<(String, String)> = page.into_iter().map(|c| (c.name, c.value)).collect();
    assert_eq!(
        page,
        [
            ("[2]".to_string(), gdb("o->arr[2]")),
            ("[3]".to_string(), gdb("o->arr[3]"))
        ]
    );

    let m = eval("g_matrix");
    let rows = stop.program.children(
        m.children.as_ref().expect("matrix"),
        &stop.tracee,
        1,
        Some(1),
    );
    assert_eq!(rows[0].value, gdb("g_matrix[1]"));
}

/// Past main, through libc (its CFI and its separate debug file): with `set backtrace
/// past-main on` gdb shows __libc_start_call_main, __libc_start_main_impl and _start.
#[test]
fn backtrace_past_main_through_libc_matches_gdb() {
    let stop = stop_at("dbgvars", "src/dbgvars.c", "inspect_block", &[]);
    let line = marker_line("src/dbgvars.c", "inspect_block");
    let out = run_gdb(
        &fixture("dbgvars"),
        &[
            "set backtrace past-main on".into(),
            format!("break dbgvars.c:{line}"),
            "run".into(),
            "echo --- bt\\n".into(),
            "bt".into(),
        ],
    );
    let theirs = parse_backtrace(&sections(&out)["bt"]);
    let ours: Vec<GdbFrame> = stop
        .frames
        .iter()
        .map(|f| GdbFrame {
            function: f.function.clone().unwrap_or_default(),
            line: f.location.as_ref().map(|l| l.line),
        })
        .collect();
    assert!(
        theirs
            .iter()
            .any(|f| f.function == "__libc_start_call_main"),
        "{out}"
    );
    assert_eq!(ours, theirs);
}

#[test]
fn program_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Program>();
    check::<rewind_debuginfo::ValueHandle>();
    check::<Frame>();
}

/// Thread-local variables of the executable (static TLS below fs_base) and statics agree
/// with gdb and with what the program prints afterwards.
#[test]
fn thread_local_and_statics_match_gdb() {
    let exprs = ["t_value", "&t_value", "s_counter", "r", "t_value + r"];
    for binary in ["dbgvars", "dbgvars-O2"] {
        let stop = stop_at(binary, "src/dbgvars.c", "main_print", &exprs);
        let prints: &[&str] = if binary == "dbgvars" {
            &exprs
        } else {
            &["t_value", "&t_value", "s_counter"]
        };
        assert_prints(&stop, prints);
        let t = stop
            .program
            .evaluate(Some(&stop.frames[0]), "t_value", &stop.tracee)
            .expect("t_value")
            .value;
        let out = stop.tracee.finish();
        assert!(
            out.contains(&format!(" t={t}\n")),
            "t_value={t}, printed {out}"
        );
    }
}
