//! Comparing breakpoint placement with gdb.

use rewind_debuginfo::Program;
use rewind_test_support::fixture_source;
use rewind_test_support::gdb::{parse_breakpoints, run_gdb};
use std::path::Path;

/// Compares our line and function breakpoints on `path` with gdb's `break` for every
/// line in `lines` of fixture source `source` and every function in `functions`.
pub fn check_lines(
    path: &Path,
    source: &str,
    lines: std::ops::RangeInclusive<u32>,
    functions: &[&str],
) {
    let binary = path.display().to_string();
    let path = path.to_path_buf();
    let mut program = Program::new();
    program.add_module(&path, 0).expect("load fixture");
    let src = fixture_source(source);
    let base = src.file_name().unwrap().to_str().unwrap().to_string();
    let mut commands: Vec<String> = lines.clone().map(|l| format!("break {base}:{l}")).collect();
    commands.extend(functions.iter().map(|f| format!("break {f}")));
    commands.push("info breakpoints".into());
    let out = run_gdb(&path, &commands);
    let gdb = parse_breakpoints(&out[out.find("Num ").unwrap_or(0)..]);
    let reported = reported_lines(&out);
    // gdb numbers only the breakpoints it could set; replay its numbering.
    let mut num = 0u32;
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for (i, line) in lines.clone().enumerate() {
        let ours = program.line_breakpoint(&src, line).map(|b| {
            let mut a = b.addresses;
            a.sort_unstable();
            (a, b.line)
        });
        let failed_in_gdb = out
            .lines()
            .any(|l| l.starts_with(&format!("No line {line} in file")));
        match (ours, failed_in_gdb) {
            (Err(_), true) => {}
            (Ok((ours, our_line)), false) => {
                num += 1;
                let theirs = gdb.get(&num).cloned().unwrap_or_default();
                compared += 1;
                if ours != theirs {
                    mismatches.push(format!("{base}:{line}: ours {ours:x?} gdb {theirs:x?}"));
                }
                let their_line = reported.get(&num).copied();
                if Some(our_line) != their_line {
                    mismatches.push(format!(
                        "{base}:{line}: reported line ours {our_line} gdb {their_line:?}"
                    ));
                }
            }
            (ours, _) => mismatches.push(format!(
                "{base}:{line} (#{i}): ours {ours:x?}, gdb failed={failed_in_gdb}"
            )),
        }
    }
    for f in functions {
        num += 1;
        let mut ours = program.function_breakpoint(f).expect("function found");
        ours.sort_unstable();
        let theirs = gdb.get(&num).cloned().unwrap_or_default();
        if ours != theirs {
            mismatches.push(format!("break {f}: ours {ours:x?} gdb {theirs:x?}"));
        }
    }
    // Lines where gdb's breakpoint stays on the requested line = our breakpoint lines.
    let mut staying = Vec::new();
    let mut n = 0u32;
    for line in lines.clone() {
        if out
            .lines()
            .any(|l| l.starts_with(&format!("No line {line} in file")))
        {
            continue;
        }
        n += 1;
        if reported.get(&n) == Some(&line) {
            staying.push(line);
        }
    }
    let ours_staying = program.breakpoint_lines(&src, lines.clone());
    if ours_staying != staying {
        mismatches.push(format!(
            "breakpoint lines: ours {ours_staying:?} gdb {staying:?}"
        ));
    }
    assert!(compared > 5, "too few lines compared: {out}");
    assert!(
        mismatches.is_empty(),
        "{binary}: disagreements with gdb:\n{}",
        mismatches.join("\n")
    );
}

/// The line of each breakpoint's (first) location as gdb reports it: from
/// `Breakpoint N at ADDR: file F, line M.`, or for several locations from the `N.1` row
/// of `info breakpoints` (`... in f at F:M`; the message then shows the requested line).
fn reported_lines(out: &str) -> std::collections::HashMap<u32, u32> {
    let mut map = std::collections::HashMap::new();
    for l in out.lines() {
        if let Some(rest) = l.strip_prefix("Breakpoint ") {
            let Some((num, rest)) = rest.split_once(" at ") else {
                continue;
            };
            let (Ok(num), Some(i)) = (num.parse::<u32>(), rest.rfind(", line ")) else {
                continue;
            };
            if let Ok(line) = rest[i + 7..].trim_end_matches('.').parse() {
                map.insert(num, line);
            }
        } else if let Some((num, _)) = l.split_once(".1 ") {
            let line = l.rsplit(':').next().and_then(|s| s.trim().parse().ok());
            if let (Ok(num), Some(line)) = (num.trim().parse::<u32>(), line) {
                map.insert(num, line);
            }
        }
    }
    map
}
