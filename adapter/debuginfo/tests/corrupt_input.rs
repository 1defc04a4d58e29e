//! Bad input never panics or hangs: fixtures with corrupted DWARF and CFI, garbage
//! memory and registers, and malformed expressions.

use object::{Object, ObjectSection};
use rewind_debuginfo::{Memory, MemoryError, Program, Registers, VariableKind, REGISTER_NAMES};
use rewind_test_support::{fixture, fixture_source, Rng};

/// Memory whose bytes are a hash of their address; reads above 2^47 fail.
struct Garbage;

impl Memory for Garbage {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        if addr >= 1 << 47 {
            return Err(MemoryError {
                addr,
                len: buf.len(),
            });
        }
        for (i, b) in buf.iter_mut().enumerate() {
            let a = addr
                .wrapping_add(i as u64)
                .wrapping_mul(0x9e37_79b9_7f4a_7c15);
            *b = (a >> 56) as u8;
        }
        Ok(())
    }
}

fn exercise(program: &Program, rng: &mut Rng, source: &std::path::Path) {
    for line in 1..=82 {
        let _ = program.line_breakpoint(source, line);
    }
    for f in ["main", "deep", "inspect", "nosuch"] {
        let _ = program.function_breakpoint(f);
    }
    let (start, end) = program
        .modules()
        .first()
        .map(|m| (m.start, m.end))
        .unwrap_or((0, 0));
    for _ in 0..20 {
        let pc = start + rng.next() % (end - start).max(1);
        let _ = program.location_at(pc);
        let mut regs = Registers::new();
        for (_, r) in REGISTER_NAMES {
            regs.set(*r, rng.next() % (1 << 48));
        }
        regs.set(gimli::X86_64::RA, pc);
        for frame in program.stack(&regs, &Garbage, 64) {
            for kind in [VariableKind::Parameter, VariableKind::Local] {
                for v in program.frame_variables(&frame, kind, &Garbage) {
                    if let Some(h) = &v.children {
                        let _ = program.children(h, &Garbage, 0, Some(10));
                    }
                }
            }
            let _ = program.globals(&frame, &Garbage);
            for e in [
                "o->arr[3]",
                "*o",
                "g_outer.in",
                "(char)local_sum",
                "x / 0",
                "**&*g_fn",
                "level[2]",
            ] {
                let _ = program.evaluate(Some(&frame), e, &Garbage);
            }
        }
    }
}

#[test]
fn corrupted_debug_info_does_not_panic() {
    let original = std::fs::read(fixture("dbgvars-O2")).expect("fixture");
    let file = object::File::parse(&*original).expect("elf");
    let ranges: Vec<(usize, usize)> = file
        .sections()
        .filter(|s| {
            s.name()
                .is_ok_and(|n| n.starts_with(".debug_") || n.starts_with(".eh_frame"))
        })
        .filter_map(|s| s.file_range())
        .map(|(o, l)| (o as usize, l as usize))
        .filter(|(_, l)| *l > 0)
        .collect();
    assert!(ranges.len() >= 5);
    let dir = std::env::temp_dir().join(format!("rewind-debuginfo-corrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let source = fixture_source("src/dbgvars.c");
    let mut rng = Rng::new(0x1234_5678_9abc_def1);
    for trial in 0..24 {
        let mut bytes = original.clone();
        for _ in 0..(1 + trial * 4) {
            let (off, len) = ranges[(rng.next() % ranges.len() as u64) as usize];
            let at = off + (rng.next() % len as u64) as usize;
            bytes[at] = rng.next() as u8;
        }
        let path = dir.join(format!("dbgvars-{trial}"));
        std::fs::write(&path, &bytes).expect("write");
        let mut program = Program::new();
        if program.add_module(&path, 0x5555_5555_4000).is_ok() {
            exercise(&program, &mut rng, &source);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn intact_program_with_garbage_memory_does_not_panic() {
    let mut program = Program::new();
    program
        .add_module(&fixture("dbgvars"), 0x5555_5555_4000)
        .expect("load");
    program
        .add_module(
            std::path::Path::new("/lib/x86_64-linux-gnu/libc.so.6"),
            0x7fff_f7d0_0000,
        )
        .expect("libc");
    exercise(
        &program,
        &mut Rng::new(42),
        &fixture_source("src/dbgvars.c"),
    );
}

#[test]
fn malformed_expressions_are_errors() {
    let mut program = Program::new();
    program.add_module(&fixture("dbgvars"), 0).expect("load");
    for e in [
        "",
        "(",
        ")",
        "a +",
        "1 2",
        "[3]",
        "a..b",
        "$",
        "'x",
        "((((((((1",
        "p->",
        "*",
        "&",
        "(struct)x",
        "0x",
        "09",
    ] {
        assert!(
            program.evaluate(None, e, &Garbage).is_err(),
            "{e:?} should fail"
        );
    }
    let msg = |e: &str| program.evaluate(None, e, &Garbage).unwrap_err().to_string();
    assert_eq!(msg("nosuch + 1"), "no symbol \"nosuch\" in current context");
    assert_eq!(
        msg("g_outer.nosuch"),
        "there is no member named nosuch in struct outer"
    );
    assert_eq!(msg("1 / 0"), "division by zero");
    assert_eq!(
        msg("*s_counter"),
        "attempt to take contents of a non-pointer value"
    );
    assert_eq!(msg("(struct nosuch *)0"), "no type named \"struct nosuch\"");
    assert_eq!(msg("$rip"), "no frame selected");
    assert_eq!(
        msg("g_outer +"),
        "syntax error at column 10: expected an expression but found end of expression"
    );
}
