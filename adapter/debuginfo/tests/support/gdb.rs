//! Ground truth from gdb: runs `gdb -batch` on a fixture and parses its answers.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Runs gdb in batch mode with `commands` (each passed with -ex) and returns stdout+stderr.
pub fn run_gdb(binary: &Path, commands: &[String]) -> String {
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
        cmd.arg("-ex").arg(c);
    }
    cmd.arg(binary);
    let out = cmd
        .output()
        .expect("gdb must be installed (apt-get install gdb)");
    let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
    s.push_str(&String::from_utf8_lossy(&out.stderr));
    s
}

/// Parses `info breakpoints`: breakpoint number -> addresses of its locations.
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

/// One frame of gdb's `bt`: function name and line (None: no line information).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GdbFrame {
    /// Function name as gdb shows it (`<signal handler called>` for the trampoline).
    pub function: String,
    /// Source line.
    pub line: Option<u32>,
}

/// Parses `bt` output.
pub fn parse_backtrace(text: &str) -> Vec<GdbFrame> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let Some((num, rest)) = rest.split_once(' ') else {
            continue;
        };
        if num.parse::<u32>().is_err() {
            continue;
        }
        let mut rest = rest.trim_start();
        if rest.starts_with("0x") {
            rest = rest.split_once(" in ").map_or(rest, |(_, r)| r);
        }
        if rest.starts_with("<signal handler called>") {
            out.push(GdbFrame {
                function: "<signal handler called>".into(),
                line: None,
            });
            continue;
        }
        let function = rest.split(" (").next().unwrap_or(rest).trim().to_string();
        let line_no = rest
            .rfind(" at ")
            .and_then(|i| rest[i + 4..].rsplit(':').next())
            .and_then(|l| l.trim().parse::<u32>().ok());
        out.push(GdbFrame {
            function,
            line: line_no,
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

/// The sections of gdb output between `echo MARK\n` markers: `--- name` lines.
pub fn sections(text: &str) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
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
