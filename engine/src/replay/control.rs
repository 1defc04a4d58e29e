//! Hooks for driving a replay between events (the time-travel session):
//! what the next event's thread runs, and handing back a stop it reached.

use super::error::ReplayError;
use super::next_run::{NextRun, RunEnd};
use super::Replayer;
use crate::trace::{Event, EventKind, Regs};
use crate::tracee::{self, ProcMem, Stop};

impl Replayer {
    /// Describes how the next event is reached, without replaying it.
    pub fn next_run(&mut self) -> Result<NextRun, ReplayError> {
        // Called at every trap of a run: look at the event without copying it.
        if self.peeked.is_none() {
            self.peek_event()?;
        }
        let Some(event) = self.peeked.as_ref() else {
            return Ok(NextRun::End);
        };
        let Some(t) = self.threads.get(&event.tid) else {
            return Ok(NextRun::Boundary);
        };
        let end = match &event.kind {
            EventKind::SyscallEntered { .. }
            | EventKind::Syscall { .. }
            | EventKind::MemoryCheck { .. }
                if t.at == super::threads::At::Boundary =>
            {
                RunEnd::Syscall {
                    insn: event.regs.rip().wrapping_sub(2),
                }
            }
            EventKind::Signal {
                signo,
                synchronous: true,
                ..
            } => RunEnd::Fault {
                pc: event.regs.rip(),
                signo: *signo,
            },
            EventKind::Rdtsc { .. } => RunEnd::Fault {
                pc: event.regs.rip(),
                signo: libc::SIGSEGV,
            },
            EventKind::Interrupt { .. } => RunEnd::Interrupt {
                pc: event.regs.rip(),
            },
            _ => return Ok(NextRun::Boundary),
        };
        Ok(NextRun::UserCode {
            tid: event.tid,
            real: t.real,
            real_tgid: t.real_tgid,
            end,
        })
    }

    /// Readies the thread of the next event to run towards it, and returns
    /// the signal it must be resumed with (taken: it is delivered once).
    ///
    /// A syscall interrupted by a signal that another thread then took
    /// returns a restart code and is restarted by the kernel on the way out
    /// (rip back on the `syscall` instruction): the recording shows the same
    /// syscall entered again with no signal between. The emulated syscall
    /// left the thread with the restart code, so the restart is made here.
    pub fn begin_run(&mut self, tid: i32) -> Result<i32, ReplayError> {
        let Some(t) = self.threads.get_mut(&tid) else {
            return Ok(0);
        };
        let signal = std::mem::take(&mut t.pending_signal);
        let restart = t.restart_pending.take();
        if let (0, Some(code)) = (signal, restart) {
            let mut regs = tracee::get_regs(t.real)?;
            regs.0[Regs::RAX] = if code == -crate::syscalls::ERESTART_RESTARTBLOCK {
                libc::SYS_restart_syscall as u64
            } else {
                regs.orig_rax()
            };
            regs.0[Regs::RIP] -= 2;
            tracee::set_regs(t.real, &regs)?;
        }
        Ok(signal)
    }

    /// Whether the thread will enter a signal handler when next resumed.
    pub fn has_pending_signal(&self, tid: i32) -> bool {
        self.threads
            .get(&tid)
            .is_some_and(|t| t.pending_signal != 0)
    }

    /// The recorded exit status, once the end of a complete recording is reached.
    pub fn recorded_exit(&self) -> Option<i32> {
        self.stream.end().map(|e| e.exit_code)
    }

    /// The caller ran the thread to the stop that ends its run; replaying the
    /// event uses it instead of running the thread.
    pub fn set_arrived(&mut self, tid: i32, stop: Stop) {
        if let Some(t) = self.threads.get_mut(&tid) {
            t.arrived = Some(stop);
        }
    }

    /// Whether the stopped thread's state is the recorded interruption point
    /// of the next event (registers, FXSAVE, writable memory).
    pub fn at_interrupt_point(&mut self, tid: i32) -> Result<bool, ReplayError> {
        let Some(Event {
            regs: recorded,
            kind:
                EventKind::Interrupt {
                    fpregs,
                    memory_digest,
                    ..
                },
            ..
        }) = self.peek_event()?.cloned()
        else {
            return Ok(false);
        };
        let Some(t) = self.threads.get(&tid) else {
            return Ok(false);
        };
        let (real, tgid) = (t.real, t.real_tgid);
        let regs = tracee::get_regs(real)?;
        if !tracee::regs_diff(&recorded, &regs).is_empty() || tracee::get_fpregs(real)? != fpregs {
            return Ok(false);
        }
        let digest = crate::digest::writable_memory_digest(tgid, self.stash.mem(tgid)?, regs.rsp())
            .map_err(|e| ReplayError::BadTrace {
                index: self.index,
                detail: format!("cannot read replayed memory: {e}"),
            })?;
        Ok(digest == memory_digest)
    }

    /// Waits for the next stop of a replayed thread (other threads' stops are kept).
    pub fn wait_thread(&mut self, real: i32) -> Result<Stop, ReplayError> {
        self.wait_for(real)
    }

    /// Memory of a replayed process.
    pub fn memory(&mut self, real_tgid: i32) -> Result<&ProcMem, ReplayError> {
        Ok(self.stash.mem(real_tgid)?)
    }

    /// Live threads: (recorded tid, replayed tid, replayed tgid).
    pub fn live_threads(&self) -> Vec<(i32, i32, i32)> {
        let mut v: Vec<_> = self
            .threads
            .iter()
            .filter(|(_, t)| !t.gone)
            .map(|(rec, t)| (*rec, t.real, t.real_tgid))
            .collect();
        v.sort();
        v
    }

    /// Registers of a replayed thread by recorded tid.
    pub fn thread_regs(&self, tid: i32) -> Result<Option<Regs>, ReplayError> {
        match self.threads.get(&tid) {
            Some(t) if !t.gone => Ok(Some(tracee::get_regs(t.real)?)),
            _ => Ok(None),
        }
    }

    /// The next event, if any (not replayed).
    pub fn next_event(&mut self) -> Result<Option<Event>, ReplayError> {
        Ok(self.peek_event()?.cloned())
    }
}
