//! Signals while recording: which are delivered where (DESIGN §5), the
//! trapped rdtsc, and interrupting a thread that runs too long without an event.

use tracing::debug;

use super::threads::TState;
use super::{RecordError, Recorder, SLICE};
use crate::trace::{Event, EventKind, Regs};
use crate::tracee::{self, Resume};

impl Recorder {
    /// Whether the current thread must not run on indefinitely: a deferred
    /// signal waits for its next event, or another thread is ready.
    pub(super) fn needs_deadline(&self) -> bool {
        let Some(tid) = self.current else {
            return false;
        };
        let Some(t) = self.threads.get(&tid) else {
            return false;
        };
        matches!(t.state, TState::Running)
            && (!t.deferred_signals.is_empty() || self.others_ready(tid))
    }

    /// The alarm fired: interrupt the current thread if it ran a whole slice.
    pub(super) fn check_slice(&mut self) -> Result<(), RecordError> {
        let Some(tid) = self.current else {
            return Ok(());
        };
        if !self.needs_deadline()
            || self.current_since.elapsed() < SLICE
            || self.interrupts_sent.contains(&tid)
        {
            return Ok(());
        }
        debug!(
            tid,
            "interrupting a thread that runs too long without an event"
        );
        let tgid = self.threads[&tid].tgid;
        tracee::tgkill(tgid, tid, libc::SIGSTOP)?;
        self.interrupts_sent.insert(tid);
        Ok(())
    }

    /// The thread stopped for the recorder's SIGSTOP, somewhere in user code:
    /// record the point so that replay can find it, then deliver the deferred
    /// signal there or let another thread run.
    pub(super) fn interrupted(&mut self, tid: i32) -> Result<(), RecordError> {
        if !matches!(self.threads[&tid].state, TState::Running) || self.current != Some(tid) {
            tracee::resume(tid, Resume::Cont, 0)?;
            return Ok(());
        }
        let tgid = self.threads[&tid].tgid;
        let regs = tracee::get_regs(tid)?;
        let fpregs = tracee::get_fpregs(tid)?;
        let mem = self.mem(tgid)?;
        let memory_digest =
            crate::digest::writable_memory_digest(tgid, mem, regs.rsp()).map_err(|e| {
                RecordError::Internal(format!("cannot read the memory of process {tgid}: {e}"))
            })?;
        self.emit(Event {
            tid,
            regs,
            kind: EventKind::Interrupt {
                fpregs,
                memory_digest,
            },
        })?;
        let t = self.threads.get_mut(&tid).unwrap();
        if let Some(info) = t.deferred_signals.pop_front() {
            let signo = i32::from_le_bytes([info[0], info[1], info[2], info[3]]);
            t.reinjecting = Some(info);
            t.last_stop_regs = Some(regs);
            tracee::tgkill(tgid, tid, signo)?;
            tracee::resume(tid, Resume::Cont, 0)?;
        } else {
            t.state = TState::Ready { signal: 0 };
            self.current = None;
        }
        Ok(())
    }

    pub(super) fn signal_stop(&mut self, tid: i32, sig: i32) -> Result<(), RecordError> {
        let t = self.threads.get_mut(&tid).unwrap();
        if !t.initial_stop_seen && sig == libc::SIGSTOP {
            t.initial_stop_seen = true;
            return Ok(());
        }
        if sig == libc::SIGSTOP && self.interrupts_sent.remove(&tid) {
            return self.interrupted(tid);
        }
        let Some(mut info) = tracee::get_siginfo(tid)? else {
            // A group-stop (job control): ignore it, keep running.
            tracee::resume(tid, Resume::Cont, 0)?;
            return Ok(());
        };
        let regs = tracee::get_regs(tid)?;
        if sig == libc::SIGSEGV && self.emulate_rdtsc(tid, &regs)? {
            return Ok(());
        }
        let t = self.threads.get_mut(&tid).unwrap();
        let si_code = i32::from_le_bytes([info[8], info[9], info[10], info[11]]);
        let synchronous = si_code > 0
            && matches!(
                sig,
                libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE | libc::SIGTRAP
            );
        let reinjected = t.reinjecting.take();
        if let Some(original) = reinjected {
            info = original;
            tracee::set_siginfo(tid, &info)?;
        }
        let at_boundary = t.last_stop_regs == Some(regs);
        if synchronous || at_boundary || reinjected.is_some() {
            t.last_stop_regs = None;
            self.emit(Event {
                tid,
                regs,
                kind: EventKind::Signal {
                    signo: sig,
                    siginfo: info.to_vec(),
                    synchronous,
                },
            })?;
            let t = self.threads.get_mut(&tid).unwrap();
            t.state = TState::Running;
            tracee::resume(tid, Resume::Cont, sig)?;
        } else {
            // Asynchronous, in the middle of user code: deliver it at this
            // thread's next event, where replay can find the point again.
            debug!(
                tid,
                sig, "deferring an asynchronous signal to the next event"
            );
            t.deferred_signals.push_back(info);
            tracee::resume(tid, Resume::Cont, 0)?;
        }
        Ok(())
    }

    /// rdtsc/rdtscp trap (PR_TSC_SIGSEGV): execute it here and record the value.
    pub(super) fn emulate_rdtsc(&mut self, tid: i32, regs: &Regs) -> Result<bool, RecordError> {
        let tgid = self.threads[&tid].tgid;
        let Ok(code) = self.mem(tgid)?.read(regs.rip(), 3) else {
            return Ok(false);
        };
        let (len, with_aux) = match code.as_slice() {
            [0x0f, 0x31, _] => (2, false),
            [0x0f, 0x01, 0xf9] => (3, true),
            _ => return Ok(false),
        };
        let mut aux = 0u32;
        // SAFETY: rdtsc/rdtscp only read the time-stamp counter.
        let tsc = unsafe {
            if with_aux {
                core::arch::x86_64::__rdtscp(&mut aux)
            } else {
                core::arch::x86_64::_rdtsc()
            }
        };
        self.emit(Event {
            tid,
            regs: *regs,
            kind: EventKind::Rdtsc {
                tsc,
                aux: with_aux.then_some(aux),
            },
        })?;
        let mut after = *regs;
        after.apply_rdtsc(tsc, with_aux.then_some(aux), len);
        tracee::set_regs(tid, &after)?;
        tracee::resume(tid, Resume::Cont, 0)?;
        Ok(true)
    }
}
