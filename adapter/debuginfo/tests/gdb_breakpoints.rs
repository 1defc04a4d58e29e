//! Breakpoint addresses for lines and functions agree with gdb's `break` on the fixtures.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

mod support;

use rewind_debuginfo::Program;
use rewind_test_support::fixture;
use rewind_test_support::gdb::{parse_breakpoints, run_gdb};

fn check_lines(
    binary: &str,
    source: &str,
    lines: std::ops::RangeInclusive<u32>,
    functions: &[&str],
) {
    support::compare::check_lines(&fixture(binary), source, lines, functions);
}

#[test]
fn loop_o0_lines_and_functions_match_gdb() {
    check_lines("loop", "src/loop.c", 1..=30, &["step", "main"]);
}

#[test]
fn loop_o2_lines_and_functions_match_gdb() {
    check_lines("loop-O2", "src/loop.c", 1..=30, &["step", "main"]);
}

#[test]
fn more_fixtures_lines_match_gdb() {
    check_lines(
        "dbgvars",
        "src/dbgvars.c",
        25..=82,
        &["inspect", "deep", "on_signal", "raise_in"],
    );
    check_lines(
        "dbgvars-O2",
        "src/dbgvars.c",
        25..=82,
        &["inspect", "deep", "main"],
    );
    check_lines("shapes", "src/shapes.cpp", 20..=56, &["main"]);
    check_lines("shapes-O2", "src/shapes.cpp", 20..=56, &["main"]);
    check_lines(
        "rvalues",
        "rust/rvalues.rs",
        18..=42,
        &["rvalues::inspect", "rvalues::recurse"],
    );
}

/// Functions in libc (found through its symbols, placed with its separate debug file)
/// agree with gdb's `break` once libc is loaded.
#[test]
fn libc_function_breakpoints_match_gdb() {
    use support::tracer::Tracee;
    let path = fixture("dbgvars");
    let mut tracee = Tracee::spawn(&path, &[]);
    let mut program = Program::new();
    program.set_mappings(&tracee.maps());
    let main = program.function_breakpoint("main").expect("main")[0];
    assert!(tracee.run_to(main, 1));
    program.set_mappings(&tracee.maps());
    let names = ["raise", "printf", "getpid", "puts"];
    let mut cmds = vec!["break main".to_string(), "run".into()];
    cmds.extend(names.iter().map(|n| format!("break {n}")));
    cmds.push("info breakpoints".into());
    let out = run_gdb(&path, &cmds);
    let gdb = parse_breakpoints(&out[out.find("Num ").expect("info breakpoints")..]);
    for (i, n) in names.iter().enumerate() {
        let mut ours = program.function_breakpoint(n).expect("libc function");
        ours.sort_unstable();
        assert_eq!(Some(&ours), gdb.get(&(i as u32 + 2)), "break {n}\n{out}");
    }
}
