//! Running the interval's thread one instruction or up to a trap, with
//! int3 breakpoints and debug-register watchpoints armed only meanwhile.

use super::position::{WatchKind, WatchSpec};
use super::{Session, SessionError};
use crate::finder::{Finder, Want};
use crate::replay::{NextRun, RunEnd};
use crate::trace::Regs;
use crate::tracee::{self, Resume, Stop};

/// The thread that runs in the current interval.
#[derive(Clone, Debug)]
pub struct Runner {
    pub tid: i32,
    pub real: i32,
    pub tgid: i32,
    pub end: RunEnd,
}

/// Why the runner stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trap {
    /// One instruction executed (or a signal handler entered).
    Stepped,
    /// Arrived at an int3 placed at this address (rip set back to it).
    Int3(u64),
    /// Arrived at a finder's site (rip set back to it, the finder taken
    /// out): the `count`-th arrival there since the run began.
    Arrived {
        /// The site.
        pc: u64,
        /// Arrivals there during the run, this one included.
        count: u64,
        /// For a finder noting a condition: the last two arrivals of the
        /// run where it held, latest first (0: none).
        noted: [u64; 2],
    },
    /// A branch entered the bytes a finder's jump covered (the finder is
    /// out, its site patched no more): the thread stands at that address,
    /// having passed `count` arrivals at the site during the run.
    Passed {
        /// The site.
        pc: u64,
        /// Arrivals there during the run, none of them wanted.
        count: u64,
        /// As for `Arrived`.
        noted: [u64; 2],
    },
    /// A watchpoint (index into the armed list) triggered.
    Watch(usize),
    /// The stop that ends the interval: the event's syscall, signal or trap.
    Event(Stop),
    /// A pause request stopped the thread where it was.
    Paused,
}

/// Arrivals a finder let through during a run that then stopped for
/// another reason (the interval's event, another trap, a pause): none of
/// them was wanted, and the finder is out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Passed {
    /// The finder's site.
    pub pc: u64,
    /// Arrivals there during the run.
    pub count: u64,
    /// As for `Trap::Arrived`.
    pub noted: [u64; 2],
}

/// How a run with a finder ended for the finder.
enum FinderOut {
    /// With a trap of its own.
    Trap(Trap),
    /// Elsewhere, after these arrivals (if any) it let through.
    Passed(Option<Passed>),
}

/// More than the instructions of any path through a finder's stub.
const MAX_STUB_STEPS: u32 = 128;

const DR6: usize = 6;
const DR7: usize = 7;

fn dr7_bits(index: usize, w: &WatchSpec) -> u64 {
    let rw = match w.kind {
        WatchKind::Write => 0b01,
        WatchKind::ReadWrite => 0b11,
    };
    let len = match w.len {
        1 => 0b00,
        2 => 0b01,
        8 => 0b10,
        _ => 0b11,
    };
    (1 << (2 * index)) | (rw << (16 + 4 * index)) | (len << (18 + 4 * index))
}

impl Session {
    /// The thread that runs before the next event, if any runs.
    pub(super) fn runner(&mut self) -> Result<Option<Runner>, SessionError> {
        Ok(match self.replayer.next_run()? {
            NextRun::UserCode {
                tid,
                real,
                real_tgid,
                end,
            } => Some(Runner {
                tid,
                real,
                tgid: real_tgid,
                end,
            }),
            _ => None,
        })
    }

    /// Executes one instruction (`step`) or runs to the next trap, with
    /// `int3s` (ignored when stepping) and `watches` armed.
    pub(super) fn exec(
        &mut self,
        r: &Runner,
        step: bool,
        int3s: &[u64],
        watches: &[WatchSpec],
    ) -> Result<Trap, SessionError> {
        Ok(self.exec_finding(r, step, int3s, watches, None)?.0)
    }

    /// [`Session::exec`], with a finder (`crate::finder`) for `find` — an
    /// address and what to look for there — in place of an int3 there for
    /// this run, when the site can carry one and the run is not a step;
    /// with the arrivals it let through when the run stopped elsewhere.
    pub(super) fn exec_finding(
        &mut self,
        r: &Runner,
        step: bool,
        int3s: &[u64],
        watches: &[WatchSpec],
        find: Option<(u64, Want)>,
    ) -> Result<(Trap, Option<Passed>), SessionError> {
        let signal = if self.interval_started {
            0
        } else {
            self.replayer.begin_run(r.tid)?
        };
        self.interval_started = true;
        // Debug registers only when watching (they cost a syscall each).
        let dr7 = watches
            .iter()
            .enumerate()
            .fold(0, |acc, (i, w)| acc | dr7_bits(i, w));
        if dr7 != 0 {
            for (i, w) in watches.iter().enumerate() {
                tracee::set_debugreg(r.real, i, w.addr)?;
            }
            tracee::set_debugreg(r.real, DR6, 0)?;
            tracee::set_debugreg(r.real, DR7, dr7)?;
        }
        // The interval has begun: its signal, if any, is delivered (an
        // injected syscall must not come between).
        let finder = match find {
            Some((pc, want)) if !step && self.interval_started => self
                .replayer
                .install_finder(r.real, r.tgid, pc, &want, int3s)?,
            _ => None,
        };
        if let Some(f) = &finder {
            // Stepped off the site onto a displaced instruction: on from its copy.
            let mut regs = tracee::get_regs(r.real)?;
            let rip = f.relocated(regs.rip());
            if rip != regs.rip() {
                regs.0[Regs::RIP] = rip;
                tracee::set_regs(r.real, &regs)?;
            }
        }
        let mut saved = Vec::new();
        if !step {
            let mem = self.replayer.memory(r.tgid)?;
            for &addr in int3s {
                if finder.as_ref().is_some_and(|f| f.covers(addr)) {
                    continue;
                }
                // Not mapped (yet: a library loaded later): nothing can
                // execute there now, so the breakpoint waits.
                let Ok(original) = mem.read(addr, 1) else {
                    continue;
                };
                mem.write(addr, &[0xcc])?;
                saved.push((addr, original[0]));
            }
        }
        let how = if step {
            Resume::SysemuStep
        } else {
            Resume::Sysemu
        };
        let mut sig = signal;
        // The program's own SIGTRAP (an int3 of its own) ends the interval:
        // what the kernel does to the mask then is the program's.
        let own_trap = matches!(
            r.end,
            RunEnd::Fault {
                signo: libc::SIGTRAP,
                ..
            }
        );
        let reblock = !own_trap && crate::checkpoint::sigtrap_blocked(r.real)?;
        if !step {
            self.pause.running(r.tgid, r.real);
        }
        let stop = loop {
            tracee::resume(r.real, how, sig)?;
            let stop = self.replayer.wait_thread(r.real)?;
            sig = 0;
            if stop == Stop::Signal(libc::SIGCHLD) && !self.next_event_is_sigchld()? {
                continue;
            }
            if stop == Stop::Signal(libc::SIGSTOP) {
                if self.pause.requested() {
                    break stop;
                }
                // A pause request's SIGSTOP that arrived after its run ended.
                continue;
            }
            break stop;
        };
        self.pause.running(0, 0);
        if !saved.is_empty() {
            let mem = self.replayer.memory(r.tgid)?;
            for (addr, byte) in saved.iter().rev() {
                mem.write(*addr, &[*byte])?;
            }
        }
        let dr6 = if dr7 != 0 && stop == Stop::Signal(libc::SIGTRAP) {
            tracee::get_debugreg(r.real, DR6)?
        } else {
            0
        };
        if dr7 != 0 {
            tracee::set_debugreg(r.real, DR7, 0)?;
        }
        let mut passed = None;
        let out = match finder {
            Some(f) => Some(self.finder_stop(r, f, stop)?),
            None => None,
        };
        if reblock {
            crate::checkpoint::block_sigtrap_again(r.real)?;
        }
        match out {
            Some(FinderOut::Trap(trap)) => return Ok((trap, None)),
            Some(FinderOut::Passed(p)) => passed = p,
            None => {}
        }
        Ok((
            self.classify(r, stop, step, int3s, watches.len(), dr6)?,
            passed,
        ))
    }

    /// What stopped a run that no finder's trap ended.
    fn classify(
        &mut self,
        r: &Runner,
        stop: Stop,
        step: bool,
        int3s: &[u64],
        watches: usize,
        dr6: u64,
    ) -> Result<Trap, SessionError> {
        if stop == Stop::Signal(libc::SIGSTOP) {
            return Ok(Trap::Paused);
        }
        if stop != Stop::Signal(libc::SIGTRAP) {
            return Ok(Trap::Event(stop));
        }
        if let Some(i) = (0..watches).find(|i| dr6 & (1 << i) != 0) {
            return Ok(Trap::Watch(i));
        }
        if step {
            return Ok(Trap::Stepped);
        }
        let mut regs = tracee::get_regs(r.real)?;
        let at = regs.rip().wrapping_sub(1);
        if int3s.contains(&at) {
            regs.0[Regs::RIP] = at;
            tracee::set_regs(r.real, &regs)?;
            return Ok(Trap::Int3(at));
        }
        Ok(Trap::Event(stop))
    }

    /// Takes a finder out after the run it was installed for stopped with
    /// `stop`: at its trap, the arrival; at a branch into its bytes, the
    /// arrivals it passed; at a pause request's SIGSTOP, after stepping the
    /// thread out of the stub (into the trap, possibly); at any other stop
    /// (the run ended without the arrival), its bytes only. Arrivals it let
    /// through before a stop that is not its own are returned with it.
    fn finder_stop(
        &mut self,
        r: &Runner,
        finder: Finder,
        stop: Stop,
    ) -> Result<FinderOut, SessionError> {
        let mut regs = tracee::get_regs(r.real)?;
        let mut trapped = stop == Stop::Signal(libc::SIGTRAP) && finder.is_candidate(regs.rip());
        if stop == Stop::Signal(libc::SIGTRAP) && finder.entered_inside(regs.rip()) {
            let pc = finder.site();
            let count = finder
                .arrivals()
                .map_err(crate::replay::ReplayError::from)?;
            let noted = match finder.want() {
                Want::ArrivalNoting { .. } => {
                    finder.noted().map_err(crate::replay::ReplayError::from)?
                }
                _ => [0, 0],
            };
            self.replayer.finder_entered(finder, r.real)?;
            return Ok(FinderOut::Trap(Trap::Passed { pc, count, noted }));
        }
        if stop == Stop::Signal(libc::SIGTRAP) && finder.in_stub(regs.rip()) {
            // A watchpoint's trap right after a displaced instruction wrote:
            // the thread stands where that instruction ends in the program.
            if let Some(rip) = finder.original_of(regs.rip()) {
                regs.0[Regs::RIP] = rip;
                tracee::set_regs(r.real, &regs)?;
            }
        }
        if stop == Stop::Signal(libc::SIGSTOP) || finder.in_stub(regs.rip()) {
            // The stub is a few straight instructions to its trap or back.
            for _ in 0..MAX_STUB_STEPS {
                if trapped || !finder.in_stub(regs.rip()) {
                    break;
                }
                tracee::resume(r.real, Resume::Step, 0)?;
                let stepped = self.replayer.wait_thread(r.real)?;
                regs = tracee::get_regs(r.real)?;
                if stepped != Stop::Signal(libc::SIGTRAP) {
                    finder.abandon().map_err(crate::replay::ReplayError::from)?;
                    return Ok(FinderOut::Trap(Trap::Event(stepped)));
                }
                trapped = finder.is_candidate(regs.rip());
            }
        }
        let pc = finder.site();
        let count = finder
            .arrivals()
            .map_err(crate::replay::ReplayError::from)?;
        let noted = match finder.want() {
            Want::ArrivalNoting { .. } => {
                finder.noted().map_err(crate::replay::ReplayError::from)?
            }
            _ => [0, 0],
        };
        if !trapped {
            let passed = (count > 0).then_some(Passed { pc, count, noted });
            // A pause's SIGSTOP or an int3's SIGTRAP: a signal-delivery stop
            // the injected munmap may come into. Other stops (the event's
            // syscall, a fault the replay still has to deliver) get the
            // bytes back only.
            if matches!(stop, Stop::Signal(libc::SIGSTOP | libc::SIGTRAP)) {
                self.replayer.remove_finder(finder, r.real)?;
            } else {
                tracing::debug!(pc, ?stop, count, "the run ended before the finder trapped");
                finder.abandon().map_err(crate::replay::ReplayError::from)?;
            }
            return Ok(FinderOut::Passed(passed));
        }
        regs.0[Regs::RIP] = pc;
        tracee::set_regs(r.real, &regs)?;
        self.replayer.count_finder_candidate();
        self.replayer.remove_finder(finder, r.real)?;
        Ok(FinderOut::Trap(Trap::Arrived { pc, count, noted }))
    }

    fn next_event_is_sigchld(&mut self) -> Result<bool, SessionError> {
        Ok(matches!(
            self.replayer.next_event()?,
            Some(crate::trace::Event {
                kind: crate::trace::EventKind::Signal {
                    signo: libc::SIGCHLD,
                    ..
                },
                ..
            })
        ))
    }

    /// Whether the runner stands at `pc` in the given state (registers and
    /// extended state hash, writable memory digest).
    pub(super) fn at_state(
        &mut self,
        pc: u64,
        state: u64,
        digest: u32,
    ) -> Result<bool, SessionError> {
        let Some(r) = self.runner()? else {
            return Ok(false);
        };
        if self.runner_pc(&r)? != pc || Session::state_hash(r.real)? != state {
            return Ok(false);
        }
        Ok(self.process_digest(r.real, r.tgid)? == digest)
    }

    /// Names the point where a paused runner stands.
    pub(super) fn paused_segment(&mut self, r: &Runner) -> Result<super::Segment, SessionError> {
        let pc = self.runner_pc(r)?;
        let state = Session::state_hash(r.real)?;
        let digest = self.process_digest(r.real, r.tgid)?;
        Ok(super::Segment::Match { pc, state, digest })
    }

    /// The runner's instruction pointer.
    pub(super) fn runner_pc(&self, r: &Runner) -> Result<u64, SessionError> {
        Ok(tracee::get_regs(r.real)?.rip())
    }

    /// Whether the runner stands at the recorded interruption point that
    /// ends its interval.
    pub(super) fn at_interval_end_point(&mut self, r: &Runner) -> Result<bool, SessionError> {
        match r.end {
            RunEnd::Interrupt { pc } if self.runner_pc(r)? == pc => {
                Ok(self.replayer.at_interrupt_point(r.tid)?)
            }
            _ => Ok(false),
        }
    }
}
