//! Binary formats: DWARF 4, zlib-compressed debug sections, non-PIE executables and a
//! separate debug file found through `.gnu_debuglink`, each compared with gdb on the
//! same binary. The variants of loop.c are compiled here into a temporary directory.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

mod support;

use rewind_debuginfo::Program;
use rewind_test_support::{fixture_source, fixtures_build, marker_line};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::compare::check_lines;
use support::tracer::Tracee;

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("run tool");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Compiles fixtures/src/loop.c with `flags` into a fresh directory; returns the binary.
fn build_variant(name: &str, flags: &[&str]) -> PathBuf {
    fixtures_build();
    let dir = std::env::temp_dir().join(format!("rewind-debuginfo-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("loop");
    run(Command::new("gcc")
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(fixture_source("src/loop.c")));
    out
}

fn cleanup(binary: &Path) {
    if let Some(dir) = binary.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn dwarf4_matches_gdb() {
    for (name, opt) in [("dwarf4-O0", "-O0"), ("dwarf4-O2", "-O2")] {
        let bin = build_variant(name, &["-g", "-gdwarf-4", opt]);
        check_lines(&bin, "src/loop.c", 1..=30, &["step", "main"]);
        cleanup(&bin);
    }
}

#[test]
fn zlib_compressed_sections_match_gdb() {
    let bin = build_variant("gz", &["-g", "-gz=zlib", "-O0"]);
    let sections = Command::new("readelf")
        .arg("-S")
        .arg("-W")
        .arg(&bin)
        .output()
        .expect("readelf");
    let text = String::from_utf8_lossy(&sections.stdout);
    let info = text
        .lines()
        .find(|l| l.contains(".debug_info"))
        .expect("debug_info");
    assert!(
        info.split_whitespace().any(|w| w.contains('C')),
        "not compressed: {info}"
    );
    check_lines(&bin, "src/loop.c", 1..=30, &["step", "main"]);
    cleanup(&bin);
}

#[test]
fn debuglink_file_matches_gdb() {
    let bin = build_variant("debuglink", &["-g", "-O0"]);
    let dbg = bin.with_extension("debug");
    run(Command::new("objcopy")
        .arg("--only-keep-debug")
        .arg(&bin)
        .arg(&dbg));
    run(Command::new("strip")
        .arg("--strip-debug")
        .arg("--remove-section=.note.gnu.build-id")
        .arg(&bin));
    run(Command::new("objcopy")
        .arg(format!("--add-gnu-debuglink={}", dbg.display()))
        .arg(&bin));
    let mut p = Program::new();
    p.add_module(&bin, 0).expect("load");
    assert_eq!(p.modules()[0].module.debug_path(), Some(dbg.clone()));
    check_lines(&bin, "src/loop.c", 1..=30, &["step", "main"]);
    cleanup(&bin);
}

/// Non-PIE (bias 0): lines and functions agree with gdb, and at a live stop the values
/// agree with what the program prints.
#[test]
fn non_pie_matches_gdb_and_program_output() {
    let bin = build_variant("nopie", &["-g", "-O0", "-no-pie", "-fno-pie"]);
    check_lines(&bin, "src/loop.c", 1..=30, &["step", "main"]);
    let mut tracee = Tracee::spawn(&bin, &[]);
    let mut program = Program::new();
    program.set_mappings(&tracee.maps());
    assert_eq!(
        program
            .modules()
            .iter()
            .find(|m| m.module.path() == bin)
            .map(|m| m.bias),
        Some(0)
    );
    let line = marker_line("src/loop.c", "loop_print");
    let addr = program
        .line_breakpoint(&fixture_source("src/loop.c"), line)
        .expect("line")
        .addresses[0];
    assert!(addr < 0x1000000, "non-PIE address {addr:#x}");
    assert!(tracee.run_to(addr, 3));
    program.set_mappings(&tracee.maps());
    let frames = program.stack(&tracee.regs(), &tracee, 8);
    let eval = |e: &str| {
        program
            .evaluate(Some(&frames[0]), e, &tracee)
            .expect(e)
            .value
    };
    let line = format!(
        "i={} r={} total={} p=({},{})",
        eval("i"),
        eval("r"),
        eval("total"),
        eval("p.x"),
        eval("p.y")
    );
    let out = tracee.finish();
    assert!(
        out.lines().nth(2) == Some(line.as_str()),
        "we saw {line:?}, it printed:\n{out}"
    );
    cleanup(&bin);
}

/// Stops the -O0 dbgvars variant `bin` at `LINE:deep_base` and compares the whole
/// backtrace with gdb's on the same binary.
fn deep_backtrace_matches_gdb(bin: &Path) {
    use rewind_test_support::gdb::{parse_backtrace, run_gdb, sections, GdbFrame};
    let line = marker_line("src/dbgvars.c", "deep_base");
    let mut tracee = Tracee::spawn(bin, &[]);
    let mut program = Program::new();
    program.set_mappings(&tracee.maps());
    let addr = program
        .line_breakpoint(&fixture_source("src/dbgvars.c"), line)
        .expect("line")
        .addresses[0];
    assert!(tracee.run_to(addr, 1));
    program.set_mappings(&tracee.maps());
    let frames = program.stack(&tracee.regs(), &tracee, 256);
    let end = frames
        .iter()
        .position(|f| f.function.as_deref() == Some("main"))
        .expect("main")
        + 1;
    let ours: Vec<GdbFrame> = frames[..end]
        .iter()
        .map(|f| GdbFrame {
            function: f.function.clone().unwrap_or_default(),
            line: f.location.as_ref().map(|l| l.line),
        })
        .collect();
    let out = run_gdb(
        bin,
        &[
            format!("break dbgvars.c:{line}"),
            "run".into(),
            "echo --- bt\\n".into(),
            "bt".into(),
        ],
    );
    let theirs = parse_backtrace(&sections(&out)["bt"]);
    assert_eq!(theirs.len(), 52, "{out}");
    assert_eq!(ours, theirs);
}

fn build_dbgvars(name: &str, flags: &[&str]) -> PathBuf {
    let bin = build_variant(name, &["-g", "-O0"]);
    let out = bin.with_file_name("dbgvars");
    run(Command::new("gcc")
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(fixture_source("src/dbgvars.c")));
    out
}

/// Without .eh_frame the program's functions are unwound with .debug_frame, and with
/// neither (sections removed) through the frame-pointer chain.
#[test]
fn debug_frame_and_frame_pointer_unwinding_match_gdb() {
    let bin = build_dbgvars(
        "debugframe",
        &[
            "-g",
            "-O0",
            "-fno-asynchronous-unwind-tables",
            "-fno-unwind-tables",
        ],
    );
    let sections = String::from_utf8_lossy(
        &Command::new("readelf")
            .arg("-S")
            .arg("-W")
            .arg(&bin)
            .output()
            .expect("readelf")
            .stdout,
    )
    .into_owned();
    assert!(sections.contains(".debug_frame"), "{sections}");
    deep_backtrace_matches_gdb(&bin);
    run(Command::new("objcopy")
        .arg("--remove-section=.debug_frame")
        .arg(&bin));
    deep_backtrace_matches_gdb(&bin);
    cleanup(&bin);
}

/// zstd-compressed sections (ELFCOMPRESS_ZSTD; gcc 12 and binutils 2.40 here cannot
/// write them): every .debug_* section of a gdb-verified binary is rewritten compressed,
/// and all answers must stay the same.
#[test]
fn zstd_compressed_sections_give_the_same_answers() {
    let src = rewind_test_support::fixture("dbgvars");
    let bin = build_variant("zstd", &["-g", "-O0"]).with_file_name("dbgvars-zstd");
    let bytes = std::fs::read(&src).expect("fixture");
    std::fs::write(&bin, support::elf::compress_debug_sections_zstd(&bytes)).expect("write");
    let answers = |path: &Path| {
        let mut p = Program::new();
        p.add_module(path, 0).expect("load");
        let lines: Vec<_> = (1..=82)
            .map(|l| p.line_breakpoint(&fixture_source("src/dbgvars.c"), l).ok())
            .collect();
        let funcs: Vec<_> = ["main", "deep", "inspect"]
            .iter()
            .map(|f| p.function_breakpoint(f).ok())
            .collect();
        (lines, funcs)
    };
    let plain = answers(&src);
    assert!(plain.0.iter().filter(|l| l.is_some()).count() > 40);
    assert_eq!(answers(&bin), plain);
    cleanup(&bin);
}
