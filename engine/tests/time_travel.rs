//! Exactness of time travel, proven against the single-stepping oracle:
//! random sequences of forward and backward operations must each land on
//! the state the oracle predicts, with identical registers.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

mod support;

use rewind_engine::session::{Session, StopReason};
use rewind_test_support::record::record_fixture;
use rewind_test_support::{fixture, marker_line, Rng};
use support::{oracle, State};

/// Where each operation must land, by the oracle's index.
fn expected(states: &[State], bps: &[u64], idx: usize, op: Op) -> usize {
    let last = states.len() - 1;
    let hit = |j: usize| states[j].next_pc.is_some_and(|pc| bps.contains(&pc));
    match op {
        Op::Step => (idx + 1).min(last),
        Op::ReverseStep => idx.saturating_sub(1),
        // Continuing also stops where a signal is delivered.
        Op::Cont => (idx + 1..=last)
            .find(|&j| hit(j) || states[j].signal)
            .unwrap_or(last),
        Op::ReverseCont => (0..idx).rev().find(|&j| hit(j)).unwrap_or(0),
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Step,
    ReverseStep,
    Cont,
    ReverseCont,
}

fn check_state(session: &Session, states: &[State], idx: usize, context: &str) {
    let want = &states[idx];
    let Some(want_regs) = want.regs else { return };
    assert_eq!(
        session.current_tid(),
        want.tid,
        "{context}: thread at oracle state {idx}"
    );
    let got = session
        .regs(want.tid)
        .unwrap_or_else(|e| panic!("{context}: regs: {e}"));
    let diffs = rewind_engine::tracee::regs_diff(&want_regs, &got);
    assert!(
        diffs.is_empty(),
        "{context}: at oracle state {idx} registers differ: {diffs:?}"
    );
}

/// Whether the random-ops test also compares writable memory.
#[derive(Clone, Copy)]
enum Memory {
    Compare,
    /// Signal handlers run: frames hold per-run kernel bookkeeping.
    RegistersOnly,
}

impl Memory {
    fn compare(self) -> bool {
        matches!(self, Memory::Compare)
    }
}

fn run_random_ops(
    fixture: &str,
    args: &[&str],
    seed: u64,
    ops: usize,
    memory: Memory,
    pick_bps: impl Fn(&[State]) -> Vec<u64>,
) {
    let tmp = tempfile::tempdir().unwrap();
    let trace = record_fixture(tmp.path(), fixture, args);
    let states = oracle(&trace);
    assert!(states.len() > 10, "oracle saw {} states", states.len());
    let bps = pick_bps(&states);
    assert!(!bps.is_empty());
    let mut session = Session::open(&trace).unwrap();
    for &b in &bps {
        session.add_breakpoint(b);
    }
    check_state(&session, &states, 0, "open");
    let plan = plan(&states, &bps, 0, seed, ops);
    // Memory is compared too, except where signal frames are live: the
    // kernel saves trap bookkeeping there (trapno, err, cr2, and the trap
    // flag when the oracle single-steps into a handler) that differs
    // between any two runs of a program.
    let digests = if memory.compare() {
        let wanted = plan.iter().map(|p| p.1).collect();
        support::oracle_digests(&trace, 0, None, &wanted)
    } else {
        Default::default()
    };
    random_ops(&mut session, &states, &plan, &digests, fixture, seed);
}

/// The random operations from oracle state `idx` and where each must land
/// (never below state 0: it is where the oracle starts).
fn plan(states: &[State], bps: &[u64], mut idx: usize, seed: u64, ops: usize) -> Vec<(Op, usize)> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for _ in 0..ops {
        let mut op = match rng.below(10) {
            0..=2 => Op::Step,
            3..=5 => Op::ReverseStep,
            6..=7 => Op::Cont,
            _ => Op::ReverseCont,
        };
        if idx == 0 && matches!(op, Op::ReverseStep | Op::ReverseCont) {
            op = if matches!(op, Op::ReverseStep) {
                Op::Step
            } else {
                Op::Cont
            };
        }
        idx = expected(states, bps, idx, op);
        out.push((op, idx));
    }
    out
}

/// Carries out the plan, checking registers at every landing and writable
/// memory (`digests`, by oracle index) too.
fn random_ops(
    session: &mut Session,
    states: &[State],
    plan: &[(Op, usize)],
    digests: &std::collections::HashMap<usize, u32>,
    fixture: &str,
    seed: u64,
) {
    let mut idx = 0;
    for (i, &(op, want)) in plan.iter().enumerate() {
        let started = std::time::Instant::now();
        let stop = match op {
            Op::Step => session.step(),
            Op::ReverseStep => session.reverse_step(),
            Op::Cont => session.cont(),
            Op::ReverseCont => session.reverse_cont(),
        }
        .unwrap_or_else(|e| panic!("op {i} {op:?} from state {idx}: {e}"));
        let context = format!(
            "{fixture} seed {seed} op {i} {op:?} from state {idx} -> {want} (stop {:?} at {})",
            stop.reason, stop.position
        );
        eprintln!("{context} [{:?}]", started.elapsed());
        if want == states.len() - 1 && matches!(op, Op::Cont) {
            assert!(matches!(stop.reason, StopReason::End { .. }), "{context}");
        }
        idx = want;
        check_state(session, states, idx, &context);
        if let Some(&d) = digests.get(&idx) {
            let got = session.memory_digest(states[idx].tid).unwrap();
            assert_eq!(
                got, d,
                "{context}: writable memory differs from the oracle's"
            );
        }
    }
}

/// Breakpoints at a few addresses the program executes, chosen from the
/// oracle's log inside the main executable (not the loader's hot loops).
fn main_program_pcs(states: &[State]) -> Vec<u64> {
    let mut pcs: Vec<u64> = states
        .iter()
        .filter_map(|s| s.next_pc)
        .filter(|pc| (0x5555_5555_4000..0x5555_5560_0000).contains(pc))
        .collect();
    pcs.sort_unstable();
    pcs.dedup();
    let n = pcs.len();
    assert!(n >= 3, "too few distinct pcs in the program: {n}");
    vec![pcs[n / 5], pcs[n / 2], pcs[4 * n / 5]]
}

#[test]
fn loop_fixture_random_forward_and_backward_ops() {
    for seed in [1, 2] {
        run_random_ops("loop", &[], seed, 200, Memory::Compare, main_program_pcs);
    }
}

#[test]
fn multithreaded_random_ops_across_thread_switches() {
    run_random_ops("mt_small", &[], 3, 200, Memory::Compare, main_program_pcs);
}

/// Address of a global in a fixture (PIE, loaded at the no-ASLR base).
fn symbol_address(fixture: &str, symbol: &str) -> u64 {
    let out = std::process::Command::new("nm")
        .arg(rewind_test_support::fixture(fixture))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.split_whitespace().nth(2) == Some(symbol))
        .unwrap_or_else(|| panic!("{symbol} not in nm output of {fixture}"));
    0x5555_5555_4000 + u64::from_str_radix(line.split_whitespace().next().unwrap(), 16).unwrap()
}

/// The source line of an address, by addr2line (ground truth from DWARF).
fn source_line(fixture: &str, pc: u64) -> u32 {
    let out = std::process::Command::new("addr2line")
        .arg("-e")
        .arg(rewind_test_support::fixture(fixture))
        .arg(format!("{:#x}", pc - 0x5555_5555_4000))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .rsplit(':')
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Watching `total` in the loop fixture: forward stops after each write;
/// backwards from the end lands on the instruction of the last write (the
/// `total += doubled` line), with the value from before it.
#[test]
fn watchpoint_forward_and_backward_on_a_global() {
    use rewind_engine::session::{WatchKind, WatchSpec};
    let tmp = tempfile::tempdir().unwrap();
    let trace = record_fixture(tmp.path(), "loop", &[]);
    let total = symbol_address("loop", "total");
    let write_line = marker_line("src/loop.c", "step_total");
    let watch = WatchSpec {
        addr: total,
        len: 4,
        kind: WatchKind::Write,
    };
    let mut s = Session::open(&trace).unwrap();
    s.add_watchpoint(watch).unwrap();
    let read_total = |s: &mut Session| {
        let tid = s.current_tid();
        i32::from_le_bytes(s.read_memory(tid, total, 4).unwrap().try_into().unwrap())
    };
    // Forward: ten writes, with the values the fixture prints (0, 2, 6, 12, ...).
    let mut seen = Vec::new();
    loop {
        let stop = s.cont().unwrap();
        match stop.reason {
            StopReason::Watchpoint {
                watch: w,
                syscall: None,
            } => {
                assert_eq!(w, watch);
                seen.push(read_total(&mut s));
            }
            StopReason::End { .. } => break,
            other => panic!("unexpected stop {other:?}"),
        }
    }
    assert_eq!(
        seen,
        (0..10)
            .map(|i| (0..=i).map(|k| 2 * k).sum::<i32>())
            .collect::<Vec<_>>()
    );
    // Backward from the end: the last write, at the step_total line, total still 72.
    let stop = s.reverse_cont().unwrap();
    assert!(
        matches!(stop.reason, StopReason::Watchpoint { syscall: None, .. }),
        "{stop:?}"
    );
    let pc = s.regs(s.current_tid()).unwrap().rip();
    assert_eq!(source_line("loop", pc), write_line, "landed at {pc:#x}");
    assert_eq!(read_total(&mut s), 72);
    s.step().unwrap();
    assert_eq!(
        read_total(&mut s),
        90,
        "the instruction landed on is the one that writes"
    );
    // Back again: the write just stepped over is behind us (total still 72
    // before it); once more: the write before (total 56 before it).
    s.reverse_cont().unwrap();
    assert_eq!(read_total(&mut s), 72);
    let pc_again = s.regs(s.current_tid()).unwrap().rip();
    assert_eq!(pc_again, pc, "the same write instruction");
    s.reverse_cont().unwrap();
    assert_eq!(read_total(&mut s), 56);
}

/// Watching a buffer filled by read(): going backwards lands on that
/// syscall and reports it.
#[test]
fn watchpoint_backward_finds_the_syscall_that_wrote() {
    use rewind_engine::session::{WatchKind, WatchSpec};
    use rewind_engine::trace::{EventKind, TraceReader};
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("input.txt");
    std::fs::write(&input, "hello\nworld\n").unwrap();
    // stdin comes from the file: record through a shell redirection.
    let exe = fixture("stdin");
    let trace = tmp.path().join("stdin-trace");
    let script = format!("exec {} < {}", exe.display(), input.display());
    let mut options = rewind_test_support::record::options(
        std::path::Path::new("/bin/sh"),
        &["-c", &script],
        tmp.path(),
        &trace,
    );
    options.argv[0] = "sh".into();
    rewind_test_support::record::record(&options);
    let reader = TraceReader::open(&trace).unwrap();
    let (buf, read_rip) = reader
        .events()
        .unwrap()
        .map(|e| e.unwrap())
        .find_map(|e| match e.kind {
            EventKind::Syscall {
                nr, args, result, ..
            } if nr == libc::SYS_read as u64 && args[0] == 0 && result == 12 => {
                Some((args[1], e.regs.rip()))
            }
            _ => None,
        })
        .expect("the fixture reads 12 bytes from stdin");
    let mut s = Session::open(&trace).unwrap();
    s.goto_end().unwrap();
    s.add_watchpoint(WatchSpec {
        addr: buf & !7,
        len: 8,
        kind: WatchKind::Write,
    })
    .unwrap();
    let stop = s.reverse_cont().unwrap();
    assert_eq!(
        stop.reason,
        StopReason::Watchpoint {
            watch: WatchSpec {
                addr: buf & !7,
                len: 8,
                kind: WatchKind::Write
            },
            syscall: Some(libc::SYS_read as u64)
        }
    );
    let regs = s.regs(s.current_tid()).unwrap();
    assert_eq!(
        regs.rip(),
        read_rip - 2,
        "at the read's syscall instruction"
    );
    s.step().unwrap();
    let tid = s.current_tid();
    assert_eq!(&s.read_memory(tid, buf, 12).unwrap(), b"hello\nworld\n");
}

#[test]
fn signal_handler_random_ops() {
    run_random_ops(
        "sigusr1",
        &[],
        4,
        200,
        Memory::RegistersOnly,
        main_program_pcs,
    );
}

/// Spin-waits: intervals that end at recorded interruption points, a
/// signal delivered there, and a preempted thread.
#[test]
fn interrupted_spin_loops_random_ops() {
    run_random_ops("spin", &[], 5, 200, Memory::RegistersOnly, main_program_pcs);
}

/// A pause request from another thread stops a long forward run within
/// 200 ms, at a position that can be gone back to exactly.
#[test]
fn pause_stops_a_long_run_promptly_at_a_named_position() {
    let tmp = tempfile::tempdir().unwrap();
    // ~1 s of computing with no syscalls in its loop.
    let trace = record_fixture(tmp.path(), "compute-O2", &["500000000"]);
    let mut s = Session::open(&trace).unwrap();
    let pause = s.pause_handle();
    let asker = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let asked = std::time::Instant::now();
        pause.request();
        asked
    });
    let stop = s.cont().unwrap();
    let stopped = std::time::Instant::now();
    let asked = asker.join().unwrap();
    assert_eq!(stop.reason, StopReason::Paused, "{stop:?}");
    let latency = stopped.duration_since(asked);
    assert!(
        latency < std::time::Duration::from_millis(200),
        "paused after {latency:?}"
    );
    // The paused point is a position: leave it and come back to the same state.
    let tid = s.current_tid();
    let here = s.position().clone();
    let regs = s.regs(tid).unwrap();
    s.restart().unwrap();
    s.run_to_position(&here).unwrap();
    assert!(rewind_engine::tracee::regs_diff(&regs, &s.regs(tid).unwrap()).is_empty());
    // And it goes on to the recorded end.
    let end = s.cont().unwrap();
    assert!(
        matches!(end.reason, StopReason::End { exit_code: Some(0) }),
        "{end:?}"
    );
}

/// Deep in a hot loop: 110,000 iterations past the last event, random
/// operations land exactly where the oracle says. (The oracle single-steps
/// from there; it reaches the spot by counting the loop's iterations with a
/// plain int3.)
#[test]
fn deep_in_a_hot_loop_random_ops() {
    use rewind_engine::session::{Position, Segment};
    use rewind_engine::trace::{EventKind, OutputStream, RecordedOutput, TraceReader};
    let tmp = tempfile::tempdir().unwrap();
    let trace = record_fixture(tmp.path(), "hotloop-O2", &["111000"]);
    // The boundary right after `start` is written: the loop follows.
    let after_start = TraceReader::open(&trace)
        .unwrap()
        .events()
        .unwrap()
        .map(|e| e.unwrap())
        .position(|e| {
            matches!(
                e.kind,
                EventKind::Syscall {
                    output: Some(RecordedOutput {
                        stream: OutputStream::Stdout,
                        ..
                    }),
                    ..
                }
            )
        })
        .unwrap() as u64
        + 1;
    // The loop's first instruction: where the thread goes back to 111,000 times.
    let head = {
        let mut s = Session::open(&trace).unwrap();
        s.run_to_event(after_start).unwrap();
        let mut seen = std::collections::HashMap::new();
        let mut steps = 0;
        loop {
            steps += 1;
            assert!(
                steps < 1000,
                "no loop within 1,000 instructions after `start`"
            );
            s.step().unwrap();
            let pc = s.regs(s.current_tid()).unwrap().rip();
            let n = seen.entry(pc).or_insert(0u32);
            *n += 1;
            if *n == 3 {
                break pc;
            }
        }
    };
    let deep = 110_000;
    let states = support::oracle_from_arrival(&trace, after_start, Some((head, deep)));
    let mut session = Session::open(&trace).unwrap();
    let start =
        Position::boundary(session.position().event.max(after_start)).then(Segment::Arrive {
            pc: head,
            count: deep,
        });
    session.run_to_event(after_start).unwrap();
    let start = Position {
        event: session.position().event,
        ..start
    };
    session.run_to_position(&start).unwrap();
    check_state(&session, &states, 0, "110,000 iterations into the loop");
    let bps = vec![head];
    session.add_breakpoint(head);
    let plan = plan(&states, &bps, 0, 6, 200);
    let wanted = plan.iter().map(|p| p.1).collect();
    let digests = support::oracle_digests(&trace, after_start, Some((head, deep)), &wanted);
    random_ops(&mut session, &states, &plan, &digests, "hotloop", 6);
}

/// The session API's bookkeeping: threads and processes, extended
/// registers, the watchpoint limit, events and the end.
#[test]
fn threads_registers_watchpoint_limit_and_events() {
    use rewind_engine::session::{SessionError, WatchKind, WatchSpec};
    let tmp = tempfile::tempdir().unwrap();
    let trace = record_fixture(tmp.path(), "mt_small", &[]);
    let mut s = Session::open(&trace).unwrap();
    assert_eq!(s.threads().len(), 1);
    let root = s.current_tid();
    assert_eq!(s.processes(), vec![root]);
    // Run until the two workers exist.
    let total = s.total_events().unwrap();
    while s.threads().len() < 3 {
        assert!(
            s.event_index() < total,
            "the two workers never lived at the same time"
        );
        s.run_to_event(s.event_index() + 1).unwrap();
    }
    assert_eq!(s.processes(), vec![root], "threads of one process");
    assert!(s.threads().iter().all(|t| t.process == root));
    // Extended registers: write MXCSR's rounding bits, read them back.
    let mut fx = s.fpregs(root).unwrap();
    assert_eq!(fx.len(), 512);
    fx[24] ^= 0x40;
    s.set_fpregs(root, &fx).unwrap();
    assert_eq!(s.fpregs(root).unwrap()[24], fx[24]);
    fx[24] ^= 0x40;
    s.set_fpregs(root, &fx).unwrap();
    // Four debug registers; a fifth watchpoint is refused clearly.
    for i in 0..4 {
        s.add_watchpoint(WatchSpec {
            addr: 0x1000 + 8 * i,
            len: 8,
            kind: WatchKind::Write,
        })
        .unwrap();
    }
    let err = s
        .add_watchpoint(WatchSpec {
            addr: 0x2000,
            len: 8,
            kind: WatchKind::ReadWrite,
        })
        .unwrap_err();
    assert!(matches!(err, SessionError::TooManyWatchpoints { max: 4 }));
    assert!(err.to_string().contains("4 hardware watchpoints"), "{err}");
    let err = s.add_watchpoint(WatchSpec {
        addr: 0x2001,
        len: 4,
        kind: WatchKind::Write,
    });
    assert!(matches!(err, Err(SessionError::BadWatchpoint { .. })));
    // Events: counted, and the end stops with the recorded exit status.
    assert!(total > s.event_index());
    let end = s.goto_end().unwrap();
    assert_eq!(end.reason, StopReason::End { exit_code: Some(0) });
    assert_eq!(s.event_index(), total);
    assert_eq!(s.restart().unwrap().reason, StopReason::Start);
}

/// A read/write watchpoint going backwards stops on every access the
/// forward run trapped on — reads as well as writes — in reverse order: from
/// each backward landing, one step forward is where the forward run stopped.
#[test]
fn read_write_watchpoint_backwards_meets_every_access() {
    use rewind_engine::session::{WatchKind, WatchSpec};
    let tmp = tempfile::tempdir().unwrap();
    let trace = record_fixture(tmp.path(), "loop", &[]);
    let watch = WatchSpec {
        addr: symbol_address("loop", "total"),
        len: 4,
        kind: WatchKind::ReadWrite,
    };
    let mut s = Session::open(&trace).unwrap();
    // Start from a breakpoint stop, so positions mix arrivals and watch hits.
    let step = symbol_address("loop", "step");
    s.add_breakpoint(step);
    s.cont().unwrap();
    s.remove_breakpoint(step);
    s.add_watchpoint(watch).unwrap();
    // Forward: the first accesses (step's load and store, printf's read, ...).
    let mut forward = Vec::new();
    for _ in 0..8 {
        let stop = s.cont().unwrap();
        assert!(
            matches!(stop.reason, StopReason::Watchpoint { .. }),
            "{stop:?}"
        );
        forward.push(s.regs(s.current_tid()).unwrap().rip());
    }
    // Backward from the last one: each access, newest first (the one just
    // made included: the instruction that made it is behind us).
    for (k, &after) in forward.iter().enumerate().rev() {
        let stop = s.reverse_cont().unwrap();
        assert!(
            matches!(stop.reason, StopReason::Watchpoint { .. }),
            "backward stop for access {k}: {stop:?}"
        );
        let position = s.position().clone();
        s.step().unwrap();
        let pc = s.regs(s.current_tid()).unwrap().rip();
        assert_eq!(pc, after, "access {k}: one step after the backward landing");
        s.run_to_position(&position).unwrap();
    }
}

/// With stop-at-loads, `cont` stops after each file mapping (the program's
/// libraries, including the one it loads through its rpath) and goes on to
/// the same end; without it, straight to the end.
#[test]
fn cont_stops_where_files_are_mapped_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = record_fixture(tmp.path(), "uselib", &[]);
    let mut s = Session::open(&trace).unwrap();
    assert!(matches!(s.cont().unwrap().reason, StopReason::End { .. }));
    s.restart().unwrap();
    s.set_stop_at_loads(true);
    let mut loads = 0;
    loop {
        match s.cont().unwrap().reason {
            StopReason::Loaded => loads += 1,
            StopReason::End { exit_code } => {
                assert_eq!(exit_code, Some(0));
                break;
            }
            other => panic!("unexpected stop {other:?}"),
        }
    }
    // ld.so.cache, libgreet.so and libc, each mapped in several pieces.
    assert!(loads >= 3, "only {loads} load stops");
}

/// Paused deep in a syscall-free loop, reverse-continue reaches the
/// breakpoint before the loop at once (a free run shows nothing can stop
/// in the paused interval), landing where the forward run stopped. (With a
/// breakpoint inside the loop the exact scan is still needed: it costs a
/// stop per iteration, as the README's limits say.)
#[test]
fn reverse_continue_from_a_pause_deep_in_a_loop() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = record_fixture(tmp.path(), "hotloop", &["300000000"]);
    let main = symbol_address("hotloop", "main");
    let mut s = Session::open(&trace).unwrap();
    s.add_breakpoint(main);
    let first = s.cont().unwrap();
    assert_eq!(first.reason, StopReason::Breakpoint { addr: main });
    let at_main = s.regs(s.current_tid()).unwrap();
    let pause = s.pause_handle();
    let asker = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(150));
        pause.request();
    });
    let paused = s.cont().unwrap();
    asker.join().unwrap();
    assert_eq!(paused.reason, StopReason::Paused, "{paused:?}");
    let back = s.reverse_cont().unwrap();
    assert_eq!(back.reason, StopReason::Breakpoint { addr: main });
    assert!(
        rewind_engine::tracee::regs_diff(&at_main, &s.regs(s.current_tid()).unwrap()).is_empty(),
        "landed where the forward run stopped"
    );
}

/// The event index just after the `k`-th (from 0) getppid syscall of a
/// syscall_loop recording: the boundary where iteration `k * every` starts
/// its body.
fn after_getppid(trace: &std::path::Path, k: usize) -> u64 {
    let reader = rewind_engine::trace::TraceReader::open(trace).unwrap();
    let mut events = reader.events().unwrap();
    let mut index = 0u64;
    let mut seen = 0;
    while let Some(e) = events.next_event().unwrap() {
        index += 1;
        if matches!(e.kind, rewind_engine::trace::EventKind::Syscall { nr, .. } if nr == libc::SYS_getppid as u64)
        {
            if seen == k {
                return index;
            }
            seen += 1;
        }
    }
    panic!("fewer than {} getppid syscalls in the recording", k + 1);
}

/// Ground truth: the registers at each breakpoint hit in iterations
/// `wanted` of syscall_loop, by a plain forward run from the start that
/// stops at every hit (no checkpoints, nothing run backwards).
fn registers_at_iterations(
    trace: &std::path::Path,
    bp: u64,
    loop_i: u64,
    wanted: std::ops::RangeInclusive<u64>,
) -> std::collections::BTreeMap<u64, rewind_engine::trace::Regs> {
    use rewind_engine::session::CheckpointBudget;
    let none = CheckpointBudget {
        max_snapshots: 0,
        max_anchors: 0,
        ..CheckpointBudget::default()
    };
    let mut s = Session::open_with(trace, none).unwrap();
    s.add_breakpoint(bp);
    let mut out = std::collections::BTreeMap::new();
    let mut expect = 0;
    while expect <= *wanted.end() {
        let stop = s.cont().unwrap();
        assert_eq!(stop.reason, StopReason::Breakpoint { addr: bp }, "{stop:?}");
        let i = read_u64(&mut s, loop_i);
        assert_eq!(i, expect, "hit {expect} of the forward run");
        if wanted.contains(&i) {
            out.insert(i, s.regs(s.current_tid()).unwrap());
        }
        expect += 1;
    }
    out
}

fn read_u64(s: &mut Session, addr: u64) -> u64 {
    let tid = s.current_tid();
    u64::from_le_bytes(s.read_memory(tid, addr, 8).unwrap().try_into().unwrap())
}

/// Checks `s`, at a breakpoint hit, against the forward run's registers
/// for its iteration.
fn check_hit(
    s: &mut Session,
    truth: &std::collections::BTreeMap<u64, rewind_engine::trace::Regs>,
    loop_i: u64,
    context: &str,
) -> u64 {
    let i = read_u64(s, loop_i);
    let want = truth
        .get(&i)
        .unwrap_or_else(|| panic!("{context}: at iteration {i}, outside the checked range"));
    let diffs = rewind_engine::tracee::regs_diff(want, &s.regs(s.current_tid()).unwrap());
    assert!(
        diffs.is_empty(),
        "{context}: iteration {i}: registers differ from the forward run's: {diffs:?}"
    );
    i
}

/// Runs reverse-continue `n` times from the hit of iteration `from`, each
/// required to land on the hit one iteration before, with the forward
/// run's registers; at the iterations next to a syscall, continue and
/// reverse-continue again must come back to the same hit.
fn reverse_hits(
    s: &mut Session,
    truth: &std::collections::BTreeMap<u64, rewind_engine::trace::Regs>,
    (bp, loop_i, every): (u64, u64, u64),
    from: u64,
    n: u64,
) {
    let mut i = check_hit(s, truth, loop_i, "start");
    assert_eq!(i, from);
    for _ in 0..n {
        let stop = s.reverse_cont().unwrap();
        assert_eq!(stop.reason, StopReason::Breakpoint { addr: bp }, "{stop:?}");
        let context = format!("reverse-continue from iteration {i} (to {})", stop.position);
        let now = check_hit(s, truth, loop_i, &context);
        assert_eq!(now, i - 1, "{context}");
        i = now;
        if i % every <= 1 || i % every == every - 1 {
            let stop = s.cont().unwrap();
            assert_eq!(stop.reason, StopReason::Breakpoint { addr: bp });
            assert_eq!(read_u64(s, loop_i), i + 1, "continue from {i}");
            s.reverse_cont().unwrap();
            assert_eq!(
                check_hit(s, truth, loop_i, "back again"),
                i,
                "back again to {i}"
            );
        }
    }
}

/// reverse-continue to the previous hit of a breakpoint inside a loop with a
/// syscall every EVERY iterations goes back exactly one iteration each time,
/// across the syscalls too: from the first hit of an interval (the one at
/// its boundary, right after the syscall) to the hit just before the
/// syscall event, and on over hits the forward scans find inside intervals
/// from the checkpoints left by earlier moves. Each stop has the registers
/// of a plain forward run to that hit.
#[test]
fn reverse_continue_goes_back_one_iteration_across_syscalls() {
    const EVERY: u64 = 1000;
    let tmp = tempfile::tempdir().unwrap();
    let trace = record_fixture(tmp.path(), "syscall_loop", &["20000", "1000"]);
    let bp = symbol_address("syscall_loop", "sl_after_syscall");
    let loop_i = symbol_address("syscall_loop", "loop_i");
    let truth = registers_at_iterations(&trace, bp, loop_i, 2 * EVERY - 3..=3 * EVERY + 3);
    let mut s = Session::open(&trace).unwrap();
    s.add_breakpoint(bp);
    // The case: two hits past the syscall of iteration 2*EVERY,
    // five reverse-continues.
    s.run_to_event(after_getppid(&trace, 2)).unwrap();
    assert_eq!(read_u64(&mut s, loop_i), 2 * EVERY, "at the boundary hit");
    for _ in 0..2 {
        s.cont().unwrap();
    }
    reverse_hits(&mut s, &truth, (bp, loop_i, EVERY), 2 * EVERY + 2, 5);
    // Past the next syscall, then back over it and on through its interval.
    s.run_to_event(after_getppid(&trace, 3)).unwrap();
    for _ in 0..3 {
        s.cont().unwrap();
    }
    reverse_hits(&mut s, &truth, (bp, loop_i, EVERY), 3 * EVERY + 3, 9);
}

/// A hit reached by two routes (a run from the boundary, a run from a
/// checkpoint of an earlier stop) is one position: reverse-continue from it
/// does not take it for an earlier hit, when the scan that looks for the
/// previous hit starts at a checkpoint other than the one it was reached from.
#[test]
fn reverse_continue_from_a_hit_reached_from_an_earlier_checkpoint() {
    use rewind_engine::session::{Position, Segment};
    const EVERY: u64 = 1000;
    let tmp = tempfile::tempdir().unwrap();
    let trace = record_fixture(tmp.path(), "syscall_loop", &["3000", "1000"]);
    let bp = symbol_address("syscall_loop", "sl_after_syscall");
    let loop_i = symbol_address("syscall_loop", "loop_i");
    let truth = registers_at_iterations(&trace, bp, loop_i, EVERY..=EVERY + 9);
    let mut s = Session::open(&trace).unwrap();
    s.add_breakpoint(bp);
    let event = after_getppid(&trace, 1);
    let arrival = |count| Position {
        event,
        path: vec![Segment::Arrive { pc: bp, count }],
    };
    // Stops (each leaves a checkpoint) at the 9th arrival after the
    // boundary, at the 5th, and at the 9th again (from its checkpoint).
    for count in [9, 5, 9] {
        s.run_to_position(&arrival(count)).unwrap();
        assert_eq!(
            check_hit(&mut s, &truth, loop_i, "run_to_position"),
            EVERY + count
        );
    }
    // The scan back starts at the 5th: the 9th is four arrivals after it.
    reverse_hits(&mut s, &truth, (bp, loop_i, EVERY), EVERY + 9, 9);
}

/// Stepping back from an event whose instruction (a trapped rdtsc, a
/// faulting store) is the second of its interval lands on that instruction,
/// with the registers a forward run has there: one arrival at it, counted
/// once although the single step that reaches it leaves the thread
/// standing on the address where the count's int3 goes next.
#[test]
fn reverse_step_to_an_event_right_after_the_first_instruction() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = record_fixture(tmp.path(), "event_after_syscall", &[]);
    let events: Vec<rewind_engine::trace::Event> = rewind_engine::trace::TraceReader::open(&trace)
        .unwrap()
        .events()
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    for label in ["eas_rdtsc", "eas_fault"] {
        let pc = symbol_address("event_after_syscall", label);
        let at = events
            .iter()
            .position(|e| {
                e.regs.rip() == pc
                    && !matches!(e.kind, rewind_engine::trace::EventKind::Syscall { .. })
            })
            .unwrap_or_else(|| panic!("no event at {label}")) as u64;
        // Forward: the boundary after the getpid syscall, then the nop.
        let mut forward = Session::open(&trace).unwrap();
        forward.run_to_event(at).unwrap();
        forward.step().unwrap();
        let tid = forward.current_tid();
        let want = forward.regs(tid).unwrap();
        assert_eq!(want.rip(), pc, "{label}: the forward run stands on it");
        drop(forward);
        // Backward: from the boundary after the event.
        let mut s = Session::open(&trace).unwrap();
        s.run_to_event(at + 1).unwrap();
        let stop = s.reverse_step().unwrap();
        assert_eq!(stop.reason, StopReason::Step, "{label}: {stop:?}");
        let got = s.regs(tid).unwrap();
        let diffs = rewind_engine::tracee::regs_diff(&want, &got);
        assert!(diffs.is_empty(), "{label}: at {}: {diffs:?}", stop.position);
    }
}

/// The index and event of the `n`-th interruption (from 0) in the trace;
/// `what` names the loop it must be in.
fn nth_interruption(
    trace: &std::path::Path,
    n: usize,
    what: &str,
) -> (usize, rewind_engine::trace::Event) {
    use rewind_engine::trace::{EventKind, TraceReader};
    TraceReader::open(trace)
        .unwrap()
        .events()
        .unwrap()
        .map(|e| e.unwrap())
        .enumerate()
        .filter(|(_, e)| matches!(e.kind, EventKind::Interrupt { .. }))
        .nth(n)
        .unwrap_or_else(|| panic!("the recorder interrupts {what}"))
}

/// Arrivals deep in a hot loop, found by an in-process finder, are exact:
/// at the n-th arrival at an instruction of longloop's first loop, the
/// loop's counter register is (n-1)·0x1000000 past its value at the first
/// (the program adds that once per iteration) and every other general
/// register is as at the second; going back to an earlier arrival restores
/// the same state. The recorded interruption deep in the loop is reached
/// with the recorded registers.
#[test]
fn deep_arrivals_in_a_hot_loop_are_exact() {
    use rewind_engine::session::{Position, Segment};
    let dir = tempfile::tempdir().unwrap();
    let trace = record_fixture(dir.path(), "longloop-O2", &[]);
    let (index, interrupt) = nth_interruption(&trace, 0, "the first loop");
    let pc = interrupt.regs.rip();
    let mut s = Session::open(&trace).unwrap();
    let arrival = |n| Position::boundary(index as u64).then(Segment::Arrive { pc, count: n });
    s.run_to_position(&arrival(1)).unwrap();
    let first = s.regs(s.current_tid()).unwrap();
    let general = rewind_engine::tracee::REG_NAMES
        .iter()
        .enumerate()
        .filter(|(_, name)| !["rip", "orig_rax", "eflags"].contains(name) && !name.ends_with('s'))
        .map(|(i, _)| i)
        .collect::<Vec<_>>();
    // From the second arrival on, every iteration has run the whole loop
    // body before: only the counter differs between arrivals. The first
    // arrival may differ in rax too (setitimer's result, when the
    // interruption lies before the loop's load of `fired`).
    s.run_to_position(&arrival(2)).unwrap();
    let second = s.regs(s.current_tid()).unwrap();
    let advanced: Vec<usize> = general
        .iter()
        .copied()
        .filter(|&i| second.0[i].wrapping_sub(first.0[i]) == 0x100_0000)
        .collect();
    assert_eq!(advanced.len(), 1, "the counter: {advanced:?}");
    let counter = advanced[0];
    let before_loop: Vec<usize> = general
        .iter()
        .copied()
        .filter(|&i| i != counter && second.0[i] != first.0[i])
        .collect();
    assert!(
        before_loop.is_empty() || before_loop == [rewind_engine::tracee::reg_index("rax")],
        "registers that differ between the first two arrivals: {before_loop:?}"
    );
    for n in [2u64, 9, 10, 4321, 1_000_001, 10, 3_000_000, 77] {
        s.run_to_position(&arrival(n)).unwrap();
        let regs = s.regs(s.current_tid()).unwrap();
        assert_eq!(regs.rip(), pc, "arrival {n}");
        let moved: Vec<usize> = general
            .iter()
            .copied()
            .filter(|&i| i != counter && regs.0[i] != second.0[i])
            .collect();
        assert!(
            moved.is_empty(),
            "arrival {n}: registers that moved: {moved:?}"
        );
        assert_eq!(
            regs.0[counter].wrapping_sub(first.0[counter]),
            (n - 1).wrapping_mul(0x100_0000),
            "arrival {n}: the counter ({})",
            rewind_engine::tracee::REG_NAMES[counter]
        );
    }
    // Reverse-continue to a breakpoint there: one iteration back each time.
    s.run_to_position(&arrival(1_000_001)).unwrap();
    s.add_breakpoint(pc);
    for n in [1_000_000u64, 999_999, 999_998] {
        s.reverse_cont().unwrap();
        let regs = s.regs(s.current_tid()).unwrap();
        assert_eq!(regs.rip(), pc);
        assert_eq!(
            regs.0[counter].wrapping_sub(first.0[counter]),
            (n - 1).wrapping_mul(0x100_0000),
            "reverse-continue to arrival {n}"
        );
    }
    s.remove_breakpoint(pc);
    s.run_to_event(index as u64 + 1).unwrap();
    let at = s.regs(s.current_tid()).unwrap();
    assert!(
        rewind_engine::tracee::regs_diff(&interrupt.regs, &at).is_empty(),
        "at the recorded interruption"
    );
    let stats = s.finder_stats();
    assert!(
        stats.installed >= 3 && stats.fallbacks.is_empty(),
        "{stats:?}"
    );
}

/// A breakpoint condition tested in the process: in longloop's third loop,
/// which counts in a stack slot (`spins`, at rsp+8), `cont` with the
/// condition `spins == 2,000,000` stops at the first arrival where it
/// holds — the one before sees 1,999,999 — and reverse-continue with
/// `spins == 1,000,000` goes back to where that holds.
#[test]
fn breakpoint_conditions_tested_in_the_process() {
    use rewind_engine::finder::{Condition, FrameRegister};
    use rewind_engine::session::{Position, Segment};
    let dir = tempfile::tempdir().unwrap();
    let trace = record_fixture(dir.path(), "longloop-O2", &[]);
    let (index, interrupt) = nth_interruption(&trace, 2, "the third loop");
    let pc = interrupt.regs.rip();
    let spins = |s: &mut Session| {
        let tid = s.current_tid();
        let at = s.regs(tid).unwrap().rsp() + 8;
        u64::from_le_bytes(s.read_memory(tid, at, 8).unwrap().try_into().unwrap())
    };
    let mut s = Session::open(&trace).unwrap();
    s.run_to_event(index as u64 + 1).unwrap();
    assert!(spins(&mut s) > 2_000_000, "spins is at rsp+8");
    let condition = |value| Condition {
        base: Some(FrameRegister::Rsp),
        offset: 8,
        size: 8,
        value,
        equal: true,
    };
    s.run_to_event(index as u64).unwrap();
    s.add_breakpoint(pc);
    s.set_breakpoint_condition(pc, Some(condition(2_000_000)));
    let stop = s.cont().unwrap();
    assert_eq!(stop.reason, StopReason::Breakpoint { addr: pc }, "{stop:?}");
    assert_eq!(spins(&mut s), 2_000_000);
    let Some(Segment::Arrive { count, .. }) = s.position().path.last().copied() else {
        panic!("stopped at {}", s.position());
    };
    let before = Position::boundary(index as u64).then(Segment::Arrive {
        pc,
        count: count - 1,
    });
    let here = s.position().clone();
    s.run_to_position(&before).unwrap();
    assert_eq!(spins(&mut s), 1_999_999, "the arrival before the stop");
    s.run_to_position(&here).unwrap();
    s.set_breakpoint_condition(pc, Some(condition(1_000_000)));
    let stop = s.reverse_cont().unwrap();
    assert_eq!(stop.reason, StopReason::Breakpoint { addr: pc }, "{stop:?}");
    assert_eq!(spins(&mut s), 1_000_000);
    assert!(s.finder_stats().installed >= 1, "{:?}", s.finder_stats());
}

/// A finder whose jump must cover a branch target: at branch_inside's
/// `bi_site` (2 bytes) the jump also covers the inner loop's head, which
/// the loop branches back to. A debug register catches the branch before
/// the jump's bytes there run; the finder comes out, the site is not
/// patched again, and the arrivals it counted still count: the n-th
/// arrival at `bi_site` has the registers of n breakpoint stops there, one
/// `cont` each (ground truth: an int3 per arrival).
#[test]
fn a_branch_into_a_finders_jump_is_caught_and_arrivals_stay_exact() {
    use rewind_engine::finder::Unpatchable;
    use rewind_engine::session::{Position, Segment};
    use rewind_engine::trace::{EventKind, TraceReader};
    let dir = tempfile::tempdir().unwrap();
    let trace = record_fixture(dir.path(), "branch_inside", &["14"]);
    let pc = symbol_address("branch_inside", "bi_site");
    // The loop runs in the interval after `start` was written.
    let write = TraceReader::open(&trace)
        .unwrap()
        .events()
        .unwrap()
        .map(|e| e.unwrap())
        .position(|e| {
            matches!(
                e.kind,
                EventKind::Syscall {
                    output: Some(_),
                    ..
                }
            )
        })
        .unwrap() as u64;
    let boundary = Position::boundary(write + 1);
    let mut truth = Vec::new();
    let mut s = Session::open(&trace).unwrap();
    s.run_to_position(&boundary).unwrap();
    s.add_breakpoint(pc);
    for n in 1..=14u64 {
        let stop = s.cont().unwrap();
        assert_eq!(stop.reason, StopReason::Breakpoint { addr: pc }, "hit {n}");
        truth.push(s.regs(s.current_tid()).unwrap());
    }
    drop(s);
    let mut s = Session::open(&trace).unwrap();
    for n in [12u64, 3, 14, 10] {
        s.run_to_position(&boundary.then(Segment::Arrive { pc, count: n }))
            .unwrap();
        let regs = s.regs(s.current_tid()).unwrap();
        let diff = rewind_engine::tracee::regs_diff(&truth[n as usize - 1], &regs);
        assert!(diff.is_empty(), "arrival {n}: {diff:?}");
    }
    let stats = s.finder_stats();
    assert!(
        stats.installed >= 1 && stats.fallbacks.contains_key(&Unpatchable::BranchInside),
        "a finder went in at bi_site and a branch into it was caught: {stats:?}"
    );
    s.goto_end().unwrap();
}

/// A write watchpoint that traps inside a finder's stub: at watch_in_site's
/// `ws_site` the jump covers the loop's 3-byte `inc` and the store to
/// `watched` after it, and a breakpoint there with a condition that never
/// holds keeps a finder in while the watchpoint is armed. Each write stops
/// where the store ends in the program (`ws_after_store`, not in the stub),
/// with the loop's counter as the program wrote it; reverse-continue goes
/// to the store that made each change (`ws_store`), latest first.
#[test]
fn a_watchpoint_trap_inside_a_finders_stub_lands_in_the_program() {
    use rewind_engine::finder::Condition;
    use rewind_engine::session::{WatchKind, WatchSpec};
    let dir = tempfile::tempdir().unwrap();
    let trace = record_fixture(dir.path(), "watch_in_site", &[]);
    let site = symbol_address("watch_in_site", "ws_site");
    let after = symbol_address("watch_in_site", "ws_after_store");
    assert_eq!(
        after - site,
        10,
        "the fixture's site: a 3-byte inc, a 7-byte store"
    );
    let watched = symbol_address("watch_in_site", "watched");
    let gate = symbol_address("watch_in_site", "gate");
    let mut s = Session::open(&trace).unwrap();
    s.add_breakpoint(site);
    s.set_breakpoint_condition(
        site,
        Some(Condition {
            base: None,
            offset: gate as i64,
            size: 8,
            value: 999,
            equal: true,
        }),
    );
    s.add_watchpoint(WatchSpec {
        addr: watched,
        len: 8,
        kind: WatchKind::Write,
    })
    .unwrap();
    let rax = rewind_engine::tracee::reg_index("rax");
    for n in 1..=3u64 {
        let stop = s.cont().unwrap();
        assert!(
            matches!(stop.reason, StopReason::Watchpoint { .. }),
            "write {n}: {:?}",
            stop.reason
        );
        let regs = s.regs(s.current_tid()).unwrap();
        assert_eq!(regs.rip(), after, "write {n}: where the store ends");
        assert_eq!(regs.0[rax], n, "write {n}: the counter");
        assert_eq!(read_u64(&mut s, watched), n, "write {n}: the value written");
    }
    let store = symbol_address("watch_in_site", "ws_store");
    for n in [3u64, 2] {
        s.reverse_cont().unwrap();
        let regs = s.regs(s.current_tid()).unwrap();
        assert_eq!(
            (regs.rip(), regs.0[rax]),
            (store, n),
            "back at the store of write {n}"
        );
    }
    assert!(s.finder_stats().installed >= 1, "{:?}", s.finder_stats());
}

/// Finders leave nothing behind in the replayed process: a conditional
/// breakpoint in bigloop's loop (a finder in every interval on the way:
/// intervals that end at a syscall, and at ld.so's trapped rdtsc) stops
/// where the condition holds, and the process then has no stub page left
/// (the program itself maps no writable code).
#[test]
fn finders_leave_no_page_behind() {
    use rewind_engine::finder::{Condition, FrameRegister};
    let dir = tempfile::tempdir().unwrap();
    let trace = record_fixture(dir.path(), "bigloop", &["300000"]);
    let body = rewind_test_support::fixture_source("src/bigloop.c");
    let line = marker_line(&body, "big_body");
    let pc = {
        let out = std::process::Command::new("gdb")
            .args(["-batch", "-ex"])
            .arg(format!("info line bigloop.c:{line}"))
            .arg(fixture("bigloop"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let addr = text
            .split_whitespace()
            .find(|w| w.starts_with("0x"))
            .unwrap_or_else(|| panic!("gdb: {text}"));
        0x5555_5555_4000 + u64::from_str_radix(addr.trim_start_matches("0x"), 16).unwrap()
    };
    let mut s = Session::open(&trace).unwrap();
    s.add_breakpoint(pc);
    // i, at rbp-16 in bigloop's -O0 frame (as its DWARF location says).
    let i_is = |value| Condition {
        base: Some(FrameRegister::Rbp),
        offset: -16,
        size: 8,
        value,
        equal: true,
    };
    s.set_breakpoint_condition(pc, Some(i_is(250_000)));
    let stop = s.cont().unwrap();
    assert_eq!(stop.reason, StopReason::Breakpoint { addr: pc });
    let rbp = s.regs(s.current_tid()).unwrap().0[rewind_engine::tracee::reg_index("rbp")];
    assert_eq!(read_u64(&mut s, rbp - 16), 250_000);
    let replayed = s
        .threads()
        .into_iter()
        .find(|t| t.tid == s.current_tid())
        .unwrap()
        .replayed_tid;
    let maps = std::fs::read_to_string(format!("/proc/{replayed}/maps")).unwrap();
    let stubs: Vec<&str> = maps.lines().filter(|l| l.contains("rwxp")).collect();
    assert!(stubs.is_empty(), "pages left in the process: {stubs:?}");
    assert!(s.finder_stats().installed >= 3, "{:?}", s.finder_stats());
}

/// The engine's traps leave the program's signal mask alone: blocked_trap
/// blocks every signal, then loops where a breakpoint and single steps make
/// the kernel force SIGTRAPs on it (which unblocks a blocked SIGTRAP), then
/// saves its mask with rt_sigprocmask. The saved mask has SIGTRAP blocked,
/// as the program set it (ground truth: its own sigfillset), and the rest
/// of the recording replays exactly.
#[test]
fn engine_traps_keep_sigtrap_blocked_for_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let trace = record_fixture(dir.path(), "blocked_trap", &[]);
    let source = rewind_test_support::fixture_source("src/blocked_trap.c");
    let (loop_line, print_line) = (
        marker_line(&source, "bt_loop"),
        marker_line(&source, "bt_print"),
    );
    let at_line = |line: u32| {
        let out = std::process::Command::new("gdb")
            .args(["-batch", "-ex"])
            .arg(format!("info line blocked_trap.c:{line}"))
            .arg(fixture("blocked_trap"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let addr = text
            .split_whitespace()
            .find(|w| w.starts_with("0x"))
            .unwrap_or_else(|| panic!("gdb: {text}"));
        0x5555_5555_4000 + u64::from_str_radix(addr.trim_start_matches("0x"), 16).unwrap()
    };
    let (in_loop, at_print) = (at_line(loop_line), at_line(print_line));
    let saved = symbol_address("blocked_trap", "saved_mask");
    let mut s = Session::open(&trace).unwrap();
    s.add_breakpoint(in_loop);
    for _ in 0..5 {
        s.cont().unwrap();
        s.step().unwrap();
    }
    s.remove_breakpoint(in_loop);
    s.add_breakpoint(at_print);
    let stop = s.cont().unwrap();
    assert_eq!(stop.reason, StopReason::Breakpoint { addr: at_print });
    let mask = read_u64(&mut s, saved);
    assert_ne!(mask & (1 << (libc::SIGTRAP - 1)), 0, "saved mask {mask:#x}");
    let end = s.goto_end().unwrap();
    assert!(
        matches!(end.reason, StopReason::End { exit_code: Some(0) }),
        "{:?}",
        end.reason
    );
}
