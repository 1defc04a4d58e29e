//! Ground truth from gdb: gdb run in batch mode on a program, and parsers of
//! what it prints (`info breakpoints`, `bt`, `info locals`, `print`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::Command;

/// What one gdb run printed.
#[derive(Debug, Clone)]
pub struct GdbOutput {
    /// gdb's standard output.
    pub stdout: String,
    /// gdb's standard error (warnings, errors of commands).
    pub stderr: String,
}

impl GdbOutput {
    /// stdout, then stderr.
    pub fn combined(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Whether gdb can be run (tests that only compare with gdb skip without it).
pub fn is_installed() -> bool {
    Command::new("gdb").arg("--version").output().is_ok()
}

/// Runs `gdb -nx -batch` on `binary` with `commands`, each passed with `-ex`
/// after `set width 0`, `set height 0` and `set confirm off` (so that no line
/// is wrapped and nothing waits for an answer). Fails the test, saying how to
/// install gdb, when it cannot be run.
pub fn batch<S: AsRef<str>>(binary: &Path, commands: &[S]) -> GdbOutput {
    let mut cmd = Command::new("gdb");
    cmd.args([
        "-nx",
        "-batch",
        "-ex",
        "set width 0",
        "-ex",
        "set height 0",
        "-ex",
        "set confirm off",
    ]);
    for c in commands {
        cmd.arg("-ex").arg(c.as_ref());
    }
    cmd.arg(binary);
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run gdb ({e}): it must be installed (apt-get install gdb)")
    });
    GdbOutput {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// [`batch`], returning stdout then stderr as one text.
pub fn run_gdb<S: AsRef<str>>(binary: &Path, commands: &[S]) -> String {
    batch(binary, commands).combined()
}

/// Parses `info breakpoints`: breakpoint number -> addresses of its locations
/// (sorted; empty for a breakpoint gdb shows without an address).
pub fn parse_breakpoints(text: &str) -> BTreeMap<u32, Vec<u64>> {
    let mut out: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(first) = words.next() else { continue };
        let num = first.split('.').next().and_then(|n| n.parse::<u32>().ok());
        let Some(num) = num else { continue };
        if let Some(addr) = line.split_whitespace().find_map(|w| w.strip_prefix("0x")) {
            if let Ok(a) = u64::from_str_radix(addr, 16) {
                out.entry(num).or_default().push(a);
            }
        } else {
            out.entry(num).or_default();
        }
    }
    for v in out.values_mut() {
        v.sort_unstable();
    }
    out
}

/// One frame of gdb's `bt` as stacks are compared: function name and line
/// (None: no line information).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GdbFrame {
    /// Function name as gdb shows it (`<signal handler called>` for the trampoline).
    pub function: String,
    /// Source line.
    pub line: Option<u32>,
}

/// One line of gdb's `bt` in full: `#N  [0xPC in ]FUNC (ARGS) [at FILE:LINE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacktraceEntry {
    /// Function name as gdb shows it (`<signal handler called>` for the trampoline).
    pub function: String,
    /// Source file as gdb prints it (may be relative, e.g. `../csu/libc-start.c`).
    pub file: Option<String>,
    /// Source line.
    pub line: Option<u32>,
    /// The pc, which gdb prints for frames other than the innermost (and for
    /// an innermost frame stopped in the middle of a line).
    pub pc: Option<u64>,
}

impl BacktraceEntry {
    /// The function and line.
    pub fn frame(&self) -> GdbFrame {
        GdbFrame {
            function: self.function.clone(),
            line: self.line,
        }
    }
}

/// Parses `bt` output into function and line of each frame.
pub fn parse_backtrace(text: &str) -> Vec<GdbFrame> {
    parse_backtrace_entries(text)
        .iter()
        .map(BacktraceEntry::frame)
        .collect()
}

/// Parses `bt` output: the lines `#0`, `#1`, ... in order (the first
/// backtrace of `text`; other lines are skipped).
pub fn parse_backtrace_entries(text: &str) -> Vec<BacktraceEntry> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let Some((num, rest)) = rest.split_once(' ') else {
            continue;
        };
        if num.parse::<usize>() != Ok(out.len()) {
            continue;
        }
        let mut rest = rest.trim_start();
        let mut pc = None;
        if let Some(hex) = rest.strip_prefix("0x") {
            if let Some((addr, after)) = hex.split_once(" in ") {
                pc = u64::from_str_radix(addr, 16).ok();
                rest = after;
            }
        }
        if rest.starts_with("<signal handler called>") {
            out.push(BacktraceEntry {
                function: "<signal handler called>".into(),
                file: None,
                line: None,
                pc,
            });
            continue;
        }
        let function = rest.split(" (").next().unwrap_or(rest).trim().to_string();
        let (file, line_no) = match rest.rsplit_once(") at ") {
            Some((_, at)) => match at.rsplit_once(':') {
                Some((file, l)) => (Some(file.to_string()), l.trim().parse::<u32>().ok()),
                None => (Some(at.trim().to_string()), None),
            },
            None => (None, None),
        };
        out.push(BacktraceEntry {
            function,
            file,
            line: line_no,
            pc,
        });
    }
    out
}

/// Parses `info locals` / `info args` lines `name = value` (one per line with `set width 0`).
pub fn parse_name_values(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let (n, v) = l.split_once(" = ")?;
            let n = n.trim();
            (!n.is_empty() && !n.contains(' ') && !n.starts_with('$'))
                .then(|| (n.to_string(), v.trim().to_string()))
        })
        .collect()
}

/// The values of gdb's `print` commands (`$N = VALUE`), in order.
pub fn parse_prints(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let (lhs, value) = l.split_once(" = ")?;
            let n = lhs.strip_prefix('$')?;
            n.parse::<u32>().ok()?;
            Some(value.to_string())
        })
        .collect()
}

/// The sections of gdb output between `echo --- name\n` markers: name -> the
/// lines after its `--- name` line, up to the next marker.
pub fn sections(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("--- ") {
            cur = Some(name.trim().to_string());
            out.insert(name.trim().to_string(), String::new());
            continue;
        }
        if let Some(c) = &cur {
            let s = out.get_mut(c).expect("section");
            s.push_str(line);
            s.push('\n');
        }
    }
    out
}

/// Masks stack addresses (0x7ffffffxxxxx), which differ between gdb's run and ours
/// because the environments differ.
pub fn mask_stack_addresses(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("0x7ffffff") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 2..];
        let n = tail.chars().take_while(|c| c.is_ascii_hexdigit()).count();
        if n == 12 {
            out.push_str("0xSTACK");
        } else {
            out.push_str(&rest[i..i + 2 + n]);
        }
        rest = &tail[n..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BT: &str = "\
Breakpoint 1, deep (n=0) at src/dbgvars.c:45
45\t    return n;
#0  deep (n=0) at src/dbgvars.c:45
#1  0x0000555555555189 in deep (n=1) at src/dbgvars.c:47
#2  <signal handler called>
#3  0x00007ffff7df1d90 in __libc_start_call_main (main=main@entry=0x5555, argc=argc@entry=1) at ../sysdeps/nptl/libc_start_call_main.h:58
#4  0x00007ffff7df1e40 in __libc_start_main_impl () from /lib/x86_64-linux-gnu/libc.so.6
#0  main () at other.c:1
";

    #[test]
    fn backtrace_lines_in_full() {
        let bt = parse_backtrace_entries(BT);
        assert_eq!(bt.len(), 5, "the first backtrace only: {bt:#?}");
        assert_eq!(
            bt[0],
            BacktraceEntry {
                function: "deep".into(),
                file: Some("src/dbgvars.c".into()),
                line: Some(45),
                pc: None
            }
        );
        assert_eq!(bt[1].pc, Some(0x5555_5555_5189));
        assert_eq!(bt[1].line, Some(47));
        assert_eq!(bt[2].function, "<signal handler called>");
        assert_eq!(bt[3].function, "__libc_start_call_main");
        assert_eq!(
            bt[3].file.as_deref(),
            Some("../sysdeps/nptl/libc_start_call_main.h")
        );
        assert_eq!((bt[4].file.as_deref(), bt[4].line), (None, None));
        assert_eq!(
            parse_backtrace(BT)[1],
            GdbFrame {
                function: "deep".into(),
                line: Some(47)
            }
        );
    }

    #[test]
    fn sections_prints_and_values() {
        let text =
            "noise\n--- bt\n#0  main () at a.c:3\n--- locals\nx = 1\nname = \"a b\"\n$1 = 42\n";
        let s = sections(text);
        assert_eq!(s["bt"], "#0  main () at a.c:3\n");
        assert_eq!(
            parse_name_values(&s["locals"]),
            vec![
                ("x".to_string(), "1".to_string()),
                ("name".to_string(), "\"a b\"".to_string())
            ]
        );
        assert_eq!(parse_prints(text), vec!["42".to_string()]);
        assert_eq!(
            mask_stack_addresses("p = 0x7fffffffe3a0, q = 0x7ffffff"),
            "p = 0xSTACK, q = 0x7ffffff"
        );
    }

    #[test]
    fn breakpoint_locations() {
        let text = "\
Num     Type           Disp Enb Address            What
1       breakpoint     keep y   0x0000000000001149 in main at loop.c:20
2       breakpoint     keep y   <MULTIPLE>
2.1                         y   0x0000000000001200 in f at a.c:3
2.2                         y   0x0000000000001100 in f at b.c:3
";
        let b = parse_breakpoints(text);
        assert_eq!(b[&1], vec![0x1149]);
        assert_eq!(b[&2], vec![0x1100, 0x1200]);
    }
}
