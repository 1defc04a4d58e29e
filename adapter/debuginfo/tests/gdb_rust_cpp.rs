//! Rust and C++ fixtures: backtraces and breakpoints agree with gdb; Rust values agree
//! with what the fixture itself prints with `{:?}` (gdb 13 cannot print most of them:
//! it hits an internal error on this rustc's enum DWARF).

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

mod support;

use rewind_debuginfo::{Frame, Program};
use rewind_test_support::gdb::{
    mask_stack_addresses, parse_backtrace, parse_breakpoints, parse_name_values, run_gdb, sections,
    GdbFrame,
};
use rewind_test_support::{fixture, fixture_source, marker_line};
use support::tracer::Tracee;

fn stop(binary: &str, source: &str, marker: &str) -> (Tracee, Program, Vec<Frame>, u32) {
    let line = marker_line(source, marker);
    let mut tracee = Tracee::spawn(&fixture(binary), &[]);
    let mut program = Program::new();
    program.set_mappings(&tracee.maps());
    let bp = program
        .line_breakpoint(&fixture_source(source), line)
        .expect("breakpoint");
    assert!(
        tracee.run_to(bp.addresses[0], 1),
        "{binary} exited before {marker}"
    );
    program.set_mappings(&tracee.maps());
    let frames = program.stack(&tracee.regs(), &tracee, 64);
    (tracee, program, frames, line)
}

/// Ours up to and including the program's main (gdb stops there).
fn ours(frames: &[Frame]) -> Vec<GdbFrame> {
    let is_main = |f: &Frame| {
        f.function
            .as_deref()
            .is_some_and(|n| n == "main" || n.ends_with("::main"))
    };
    let end = frames
        .iter()
        .position(is_main)
        .map_or(frames.len(), |i| i + 1);
    frames[..end]
        .iter()
        .map(|f| GdbFrame {
            function: f.function.clone().unwrap_or_default(),
            line: f.location.as_ref().map(|l| l.line),
        })
        .collect()
}

#[test]
fn rust_values_match_the_fixture_output_and_gdb() {
    let (tracee, program, frames, line) = stop("rvalues", "rust/rvalues.rs", "inspect");
    let out = run_gdb(
        &fixture("rvalues"),
        &[
            format!("break rvalues.rs:{line}"),
            "run".into(),
            "echo --- bt\\n".into(),
            "bt".into(),
            "echo --- p.x\\n".into(),
            "output p.x".into(),
            "echo \\n--- name\\n".into(),
            "output name".into(),
            "echo \\n--- pair\\n".into(),
            "output pair".into(),
            "echo \\n--- maybe\\n".into(),
            "output maybe".into(),
            "echo \\n".into(),
        ],
    );
    let gdb = sections(&out);
    assert_eq!(ours(&frames), parse_backtrace(&gdb["bt"]), "{}", gdb["bt"]);
    assert_eq!(frames[0].function.as_deref(), Some("rvalues::inspect"));
    let eval = |e: &str| {
        program
            .evaluate(Some(&frames[0]), e, &tracee)
            .map(|v| v.value)
            .unwrap_or_else(|e| format!("error: {e}"))
    };
    let values: Vec<(&str, String)> = ["p", "pair", "maybe", "nothing"]
        .into_iter()
        .map(|e| (e, eval(e)))
        .collect();
    for e in ["p.x", "name", "pair"] {
        assert_eq!(eval(e), gdb[e].lines().next().unwrap_or("").trim(), "{e}");
    }
    // gdb qualifies the variant (core::option::Option<u8>::Some(9)); we print it as Rust does.
    let gdb_maybe = gdb["maybe"].lines().next().unwrap_or("").trim();
    assert!(
        gdb_maybe.ends_with(&format!("::{}", eval("maybe"))),
        "{gdb_maybe} vs {}",
        eval("maybe")
    );
    let printed = tracee.finish();
    for (expr, v) in values {
        let shown = format!("{expr}=");
        assert!(
            printed.contains(&format!("{shown}{v} ")) || printed.contains(&format!("{shown}{v}\n")),
            "{expr} = {v}; fixture printed {printed}"
        );
    }
}

#[test]
fn rust_collections_match_the_fixture_output() {
    let (tracee, program, frames, _) = stop("rvalues", "rust/rvalues.rs", "main_print");
    let eval = |e: &str| {
        program
            .evaluate(Some(&frames[0]), e, &tracee)
            .map(|v| v.value)
            .unwrap_or_else(|e| format!("error: {e}"))
    };
    let (shapes, owned, words) = (eval("shapes"), eval("owned"), eval("words"));
    let printed = tracee.finish();
    assert!(
        printed.contains(&format!("shapes={shapes} ")),
        "{shapes} / {printed}"
    );
    assert!(
        printed.contains(&format!("owned={} ", owned.trim_matches('"'))),
        "{owned} / {printed}"
    );
    assert!(
        printed.contains(&format!("words={words} ")),
        "{words} / {printed}"
    );
}

#[test]
fn rust_vec_children_page() {
    let (tracee, program, frames, _) = stop("rvalues", "rust/rvalues.rs", "main_print");
    let v = program
        .evaluate(Some(&frames[0]), "shapes", &tracee)
        .expect("shapes");
    assert_eq!(v.indexed_children, Some(3));
    let handle = v.children.expect("expandable");
    let page = program.children(&handle, &tracee, 1, Some(2));
    let shown: Vec<(String, String)> = page.into_iter().map(|c| (c.name, c.value)).collect();
    assert_eq!(
        shown,
        [
            ("[1]".to_string(), "Rect { w: 2, h: 5 }".to_string()),
            ("[2]".to_string(), "Empty".to_string())
        ]
    );
}

#[test]
fn cpp_breakpoints_and_stack_match_gdb() {
    let path = fixture("shapes");
    let mut program = Program::new();
    program.add_module(&path, 0).expect("load");
    let names = [
        "geo::Rect::area",
        "area",
        "geo::scaled<long>",
        "scaled",
        "main",
    ];
    let mut cmds: Vec<String> = names.iter().map(|n| format!("break {n}")).collect();
    cmds.push("info breakpoints".into());
    let out = run_gdb(&path, &cmds);
    let gdb = parse_breakpoints(&out[out.find("Num ").expect("info breakpoints")..]);
    for (i, n) in names.iter().enumerate() {
        let mut a = program.function_breakpoint(n).expect("function");
        a.sort_unstable();
        assert_eq!(Some(&a), gdb.get(&(i as u32 + 1)), "break {n}");
    }

    let (tracee, program, frames, line) = stop("shapes", "src/shapes.cpp", "rect_area");
    let out = run_gdb(
        &path,
        &[
            format!("break shapes.cpp:{line}"),
            "run".into(),
            "echo --- bt\\n".into(),
            "bt".into(),
            "echo --- this\\n".into(),
            "output *this".into(),
            "echo \\n".into(),
        ],
    );
    let gdb = sections(&out);
    assert_eq!(ours(&frames), parse_backtrace(&gdb["bt"]), "{}", gdb["bt"]);
    let this = program
        .evaluate(Some(&frames[0]), "*this", &tracee)
        .expect("*this");
    assert_eq!(this.value, gdb["this"].trim());
}

#[test]
fn cpp_locals_match_gdb() {
    let (tracee, program, frames, line) = stop("shapes", "src/shapes.cpp", "print");
    let out = run_gdb(
        &fixture("shapes"),
        &[
            format!("break shapes.cpp:{line}"),
            "run".into(),
            "echo --- locals\\n".into(),
            "info locals".into(),
        ],
    );
    let theirs = parse_name_values(&sections(&out)["locals"]);
    let ours: Vec<(String, String)> = program
        .frame_variables(&frames[0], rewind_debuginfo::VariableKind::Local, &tracee)
        .into_iter()
        .map(|v| (v.name, v.value))
        .collect();
    let mask = |v: Vec<(String, String)>| -> Vec<(String, String)> {
        v.into_iter()
            .map(|(n, s)| (n, mask_stack_addresses(&s)))
            .collect()
    };
    assert_eq!(mask(ours), mask(theirs), "{out}");
}
