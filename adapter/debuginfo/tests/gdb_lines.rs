//! Address -> line agrees with gdb's `info line *ADDR` (line, start and end of the row)
//! for every address of the fixtures' functions.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

mod support;

use rewind_debuginfo::Program;
use rewind_test_support::fixture;
use rewind_test_support::gdb::run_gdb;

fn parse_info_line(line: &str) -> Option<(u32, u64, u64)> {
    let rest = line.strip_prefix("Line ")?;
    let (num, rest) = rest.split_once(' ')?;
    let start = rest
        .split("starts at address ")
        .nth(1)?
        .split_whitespace()
        .next()?;
    let end = rest
        .split("and ends at ")
        .nth(1)?
        .split_whitespace()
        .next()?
        .trim_end_matches('.');
    let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok();
    Some((num.parse().ok()?, hex(start)?, hex(end)?))
}

fn check(binary: &str, functions: &[&str]) {
    let path = fixture(binary);
    let mut program = Program::new();
    program.add_module(&path, 0).expect("load");
    let mut addrs = Vec::new();
    for f in functions {
        let entry = program.function_breakpoint(f).expect("function")[0];
        let info = program.function_at(entry).expect("function_at");
        for (b, e) in info.ranges {
            addrs.extend(b..e);
        }
    }
    addrs.sort_unstable();
    addrs.dedup();
    let cmds: Vec<String> = addrs.iter().map(|a| format!("info line *{a:#x}")).collect();
    let out = run_gdb(&path, &cmds);
    let theirs: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("Line ") || l.starts_with("No line number"))
        .collect();
    assert_eq!(theirs.len(), addrs.len(), "{out}");
    let mut bad = Vec::new();
    for (a, g) in addrs.iter().zip(theirs) {
        let ours = program
            .line_range_at(*a)
            .map(|r| (r.location.line, r.start, r.end));
        let gdb = parse_info_line(g);
        if ours != gdb {
            bad.push(format!("{a:#x}: ours {ours:x?} gdb {g}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{binary}: {} of {} addresses differ:\n{}",
        bad.len(),
        addrs.len(),
        bad.join("\n")
    );
}

#[test]
fn address_to_line_matches_gdb() {
    check("loop", &["main", "step"]);
    check("loop-O2", &["main", "step"]);
    check("dbgvars-O2", &["inspect", "deep", "main"]);
    check("shapes-O2", &["main"]);
    check("shapes", &["geo::Rect::area", "main"]);
    check("rvalues", &["rvalues::inspect", "rvalues::main"]);
}

/// DWARF 5 line tables name files relative to directory 0, which is the
/// compilation directory itself: ld.so's `_dl_start_final` is in
/// `elf/rtld.c` (gdb: `./elf/rtld.c`), like `_dl_start`, not `elf/elf/rtld.c`.
#[test]
fn dwarf5_directory_zero_is_not_joined_twice() {
    let ld = std::path::Path::new("/lib64/ld-linux-x86-64.so.2");
    if !ld.exists() {
        eprintln!("skipping: no {}", ld.display());
        return;
    }
    let mut program = rewind_debuginfo::Program::new();
    program.add_module(ld, 0).unwrap();
    let file_of = |name: &str| {
        let addrs = program.function_breakpoint(name).unwrap_or_default();
        addrs
            .iter()
            .find_map(|&a| program.location_at(a))
            .map(|l| l.file.display().to_string())
    };
    let (Some(start_final), Some(start)) = (file_of("_dl_start_final"), file_of("_dl_start"))
    else {
        eprintln!("skipping: ld.so has no line information here (libc6-dbg is not installed)");
        return;
    };
    assert!(!start_final.contains("elf/elf"), "{start_final}");
    assert!(start_final.ends_with("elf/rtld.c"), "{start_final}");
    assert_eq!(start_final, start);
}
