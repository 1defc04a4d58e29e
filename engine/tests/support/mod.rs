//! The single-stepping oracle that is the ground truth for time travel
//! (fixture builds and recordings come from rewind-test-support).

#![allow(dead_code)]

use std::path::Path;

use rewind_engine::replay::{NextRun, Replayer, RunEnd};
use rewind_engine::trace::Regs;
use rewind_engine::tracee::{self, Resume, Stop};

/// One instruction-granular state of the replay, as the oracle saw it.
#[derive(Clone, Debug)]
pub struct State {
    /// The thread that executed last and its registers (None once it is gone).
    pub tid: i32,
    pub regs: Option<Regs>,
    /// The address the next thread will execute, when known (no signal
    /// handler about to be entered); None at the end.
    pub next_pc: Option<u64>,
    /// A signal was delivered on the way to this state.
    pub signal: bool,
}

/// Replays `trace` one instruction at a time with plain single steps,
/// logging every state. Independent of the session's positions and
/// reverse logic: only the replayer and ptrace single-steps.
pub fn oracle(trace: &Path) -> Vec<State> {
    oracle_from(trace, 0)
}

/// The oracle from the first boundary at or after event `from` (events
/// before it are replayed without stepping).
pub fn oracle_from(trace: &Path, from: u64) -> Vec<State> {
    oracle_from_arrival(trace, from, None)
}

/// The oracle from the `k`-th time the thread that runs after event `from`
/// stands at `pc` (found with a plain int3 and a counter).
pub fn oracle_from_arrival(trace: &Path, from: u64, arrival: Option<(u64, u64)>) -> Vec<State> {
    oracle_run(trace, from, arrival, &std::collections::BTreeSet::new()).0
}

/// The same run again, with the digest of the process's writable memory at
/// the states `wanted` (index -> digest).
pub fn oracle_digests(
    trace: &Path,
    from: u64,
    arrival: Option<(u64, u64)>,
    wanted: &std::collections::BTreeSet<usize>,
) -> std::collections::HashMap<usize, u32> {
    oracle_run(trace, from, arrival, wanted).1
}

fn oracle_run(
    trace: &Path,
    from: u64,
    arrival: Option<(u64, u64)>,
    wanted: &std::collections::BTreeSet<usize>,
) -> (Vec<State>, std::collections::HashMap<usize, u32>) {
    let mut digests = std::collections::HashMap::new();
    let mut rep = Replayer::start(trace).expect("start replay");
    let mut skip = |_: rewind_engine::trace::OutputStream, _: &[u8]| {};
    while rep.event_index() < from {
        rep.step_event(&mut skip).unwrap();
    }
    while rep.next_run().unwrap() == NextRun::Boundary {
        rep.step_event(&mut skip).unwrap();
    }
    let mut started_at_arrival = false;
    if let Some((pc, k)) = arrival {
        let NextRun::UserCode {
            tid,
            real,
            real_tgid,
            ..
        } = rep.next_run().unwrap()
        else {
            panic!("no thread runs after event {from}");
        };
        let mut signal = rep.begin_run(tid).unwrap();
        // First execute one instruction (an arrival is after at least one).
        tracee::resume(real, Resume::SysemuStep, signal).unwrap();
        assert_eq!(rep.wait_thread(real).unwrap(), Stop::Signal(libc::SIGTRAP));
        signal = 0;
        let mut n = u64::from(tracee::get_regs(real).unwrap().rip() == pc);
        while n < k {
            let mem = rep.memory(real_tgid).unwrap();
            let original = mem.read(pc, 1).unwrap();
            mem.write(pc, &[0xcc]).unwrap();
            tracee::resume(real, Resume::Sysemu, signal).unwrap();
            let stop = rep.wait_thread(real).unwrap();
            rep.memory(real_tgid).unwrap().write(pc, &original).unwrap();
            assert_eq!(
                stop,
                Stop::Signal(libc::SIGTRAP),
                "counting arrivals at {pc:#x}"
            );
            let mut regs = tracee::get_regs(real).unwrap();
            assert_eq!(regs.rip(), pc + 1);
            regs.0[Regs::RIP] = pc;
            tracee::set_regs(real, &regs).unwrap();
            n += 1;
            if n < k {
                tracee::resume(real, Resume::SysemuStep, 0).unwrap();
                assert_eq!(rep.wait_thread(real).unwrap(), Stop::Signal(libc::SIGTRAP));
                n += u64::from(tracee::get_regs(real).unwrap().rip() == pc);
            }
        }
        started_at_arrival = true;
    }
    let mut sink = |_: rewind_engine::trace::OutputStream, _: &[u8]| {};
    let normalize =
        |rep: &mut Replayer, sink: &mut dyn FnMut(rewind_engine::trace::OutputStream, &[u8])| {
            let mut signal = false;
            while rep.next_run().unwrap() == NextRun::Boundary {
                signal |= is_signal(rep);
                rep.step_event(sink).unwrap();
            }
            signal
        };
    normalize(&mut rep, &mut sink);
    let first = match rep.next_run().unwrap() {
        NextRun::UserCode { tid, .. } => tid,
        _ => rep.live_threads()[0].0,
    };
    let mut states = vec![state(&mut rep, first)];
    if wanted.contains(&0) {
        if let Some(d) = digest(&mut rep, first) {
            digests.insert(0, d);
        }
    }
    let mut started = started_at_arrival;
    while let NextRun::UserCode { tid, real, end, .. } = rep.next_run().unwrap() {
        let mut signal = if started {
            0
        } else {
            rep.begin_run(tid).unwrap()
        };
        started = true;
        let delivering = signal != 0;
        let before = tracee::get_regs(real).unwrap();
        let stop = loop {
            tracee::resume(real, Resume::SysemuStep, signal).unwrap();
            let stop = rep.wait_thread(real).unwrap();
            if stop == Stop::Signal(libc::SIGCHLD) {
                signal = 0;
                continue;
            }
            break stop;
        };
        if delivering && stop == Stop::Signal(libc::SIGTRAP) {
            untrace_signal_frame(&mut rep, real, &before);
        }
        let ends = if stop == Stop::Signal(libc::SIGTRAP) {
            match end {
                RunEnd::Interrupt { pc } => {
                    tracee::get_regs(real).unwrap().rip() == pc
                        && rep.at_interrupt_point(tid).unwrap()
                }
                _ => false,
            }
            .then_some(stop)
        } else {
            Some(stop)
        };
        let mut signal = false;
        if let Some(stop) = ends {
            rep.set_arrived(tid, stop);
            signal = is_signal(&mut rep);
            rep.step_event(&mut sink).unwrap();
            signal |= normalize(&mut rep, &mut sink);
            started = false;
        }
        let mut s = state(&mut rep, tid);
        s.signal = signal;
        states.push(s);
        if wanted.contains(&(states.len() - 1)) {
            if let Some(d) = digest(&mut rep, tid) {
                digests.insert(states.len() - 1, d);
            }
        }
    }
    (states, digests)
}

/// Single-stepping into a signal handler makes the kernel save the trap
/// flag in the signal frame's eflags, which the recorded run never had:
/// clear it, so that the oracle's memory is the program's.
fn untrace_signal_frame(rep: &mut Replayer, real: i32, before: &Regs) {
    // At the handler's entry: rsp -> return address, then the ucontext
    // (uc_flags, uc_link, uc_stack: 40 bytes), whose sigcontext has rip at
    // offset 128 and eflags at 136.
    let rsp = tracee::get_regs(real).unwrap().rsp();
    let (_, _, tgid) = rep
        .live_threads()
        .into_iter()
        .find(|t| t.1 == real)
        .unwrap();
    let mem = rep.memory(tgid).unwrap();
    let rip_at = rsp + 8 + 40 + 128;
    let eflags_at = rsp + 8 + 40 + 136;
    let saved_rip = mem.read_u64(rip_at).unwrap();
    assert_eq!(saved_rip, before.rip(), "signal frame layout");
    let flags = mem.read_u64(eflags_at).unwrap();
    mem.write(eflags_at, &(flags & !(1 << 8)).to_le_bytes())
        .unwrap();
}

/// Digest of the writable memory of `tid`'s process (None once it is gone).
fn digest(rep: &mut Replayer, tid: i32) -> Option<u32> {
    let (_, real, tgid) = rep.live_threads().into_iter().find(|t| t.0 == tid)?;
    let rsp = tracee::get_regs(real).ok()?.rsp();
    let mem = rep.memory(tgid).ok()?;
    rewind_engine::digest::writable_memory_digest(tgid, mem, rsp).ok()
}

fn is_signal(rep: &mut Replayer) -> bool {
    matches!(
        rep.next_event().unwrap(),
        Some(rewind_engine::trace::Event {
            kind: rewind_engine::trace::EventKind::Signal { .. },
            ..
        })
    )
}

fn state(rep: &mut Replayer, tid: i32) -> State {
    let regs = rep.thread_regs(tid).unwrap();
    let next_pc = match rep.next_run().unwrap() {
        NextRun::UserCode {
            tid: next, real, ..
        } if !rep.has_pending_signal(next) => Some(tracee::get_regs(real).unwrap().rip()),
        _ => None,
    };
    State {
        tid,
        regs,
        next_pc,
        signal: false,
    }
}
