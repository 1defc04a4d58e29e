//! Prints (does not assert) timings of the debug-information layer on the fixtures:
//! `cargo run --release -p rewind-debuginfo --example bench`
//! Needs the fixtures built (`fixtures/build.sh`, run here) and, for the libc numbers,
//! libc6-dbg installed.

#[path = "../tests/support/tracer.rs"]
#[allow(dead_code)]
// Test support code: it unwraps freely, as tests do.
#[allow(clippy::unwrap_used)]
mod tracer;

use rewind_debuginfo::{Program, VariableKind};
use rewind_test_support::{fixture, fixture_source, marker_line};
use std::path::Path;
use std::time::{Duration, Instant};

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let source = fixture_source("src/dbgvars.c");
    let exe = fixture("dbgvars");

    // 1. Load: open the executable and read its DWARF (first line query forces it).
    let t = Instant::now();
    let mut program = Program::new();
    program.add_module(&exe, 0).expect("load dbgvars");
    program.line_breakpoint(&source, 45).expect("line");
    println!(
        "load debug info, dbgvars (exe only):            {}",
        ms(t.elapsed())
    );

    // 2. The same with libc (separate debug file from libc6-dbg), DWARF forced.
    let libc = Path::new("/lib/x86_64-linux-gnu/libc.so.6");
    let t = Instant::now();
    let mut with_libc = Program::new();
    with_libc.add_module(&exe, 0).expect("load dbgvars");
    with_libc
        .add_module(libc, 0x7fff_0000_0000)
        .expect("load libc");
    let open = t.elapsed();
    let has_debug = with_libc.modules()[1].module.debug_path().is_some();
    let malloc = with_libc
        .function_breakpoint("malloc")
        .map(|a| a.len())
        .unwrap_or(0);
    println!(
        "open exe + libc (headers only):                 {}\nfirst libc query (decompress + index DWARF):    {} (debug file found: {has_debug}, malloc locations: {malloc})",
        ms(open),
        ms(t.elapsed() - open)
    );

    // 3. 1,000 line breakpoints (every line of dbgvars.c, repeated), exe + libc loaded.
    with_libc
        .line_breakpoint(&source, 45)
        .expect("warm file index");
    let t = Instant::now();
    let mut resolved = 0;
    for i in 0..1000u32 {
        if with_libc.line_breakpoint(&source, 1 + i % 80).is_ok() {
            resolved += 1;
        }
    }
    println!(
        "1,000 line breakpoints ({resolved} resolved):          {}",
        ms(t.elapsed())
    );

    // 4. Unwind a 50-deep stack with all locals and parameters, on a live process.
    let line = marker_line("src/dbgvars.c", "deep_base");
    let mut tracee = tracer::Tracee::spawn(&exe, &[]);
    let mut live = Program::new();
    live.set_mappings(&tracee.maps());
    let addr = live
        .line_breakpoint(&source, line)
        .expect("deep_base")
        .addresses[0];
    assert!(tracee.run_to(addr, 1), "dbgvars exited early");
    live.set_mappings(&tracee.maps());
    let regs = tracee.regs();
    let run = |label: &str, program: &Program| {
        let t = Instant::now();
        let frames = program.stack(&regs, &tracee, 256);
        let mut vars = 0;
        for f in &frames {
            vars += program
                .frame_variables(f, VariableKind::Parameter, &tracee)
                .len();
            vars += program
                .frame_variables(f, VariableKind::Local, &tracee)
                .len();
        }
        println!(
            "{label} {} frames, {vars} variables:      {}",
            frames.len(),
            ms(t.elapsed())
        );
    };
    run("unwind + locals, cold (loads libc CFI/DWARF):", &live);
    run("unwind + locals, warm:                       ", &live);
}
