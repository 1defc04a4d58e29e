//! Signals while recording: which are delivered where (docs/architecture.md,
//! "Threads") and the
//! trapped rdtsc.

use tracing::debug;

use super::threads::TState;
use super::{RecordError, Recorder};
use crate::trace::{Event, EventKind, Regs};
use crate::tracee::{self, Resume};

impl Recorder {
    /// Sends the thread's oldest deferred signal to it again, to be recorded
    /// when it arrives (at the boundary the thread is stopped at). Returns
    /// whether there was one; the caller resumes the thread.
    pub(super) fn send_deferred_signal(&mut self, tid: i32) -> Result<bool, RecordError> {
        let t = self.thread_mut(tid)?;
        let Some(info) = t.deferred_signals.pop_front() else {
            return Ok(false);
        };
        let signo = i32::from_le_bytes([info[0], info[1], info[2], info[3]]);
        t.reinjecting = Some(info);
        tracee::tgkill(t.tgid, tid, signo)?;
        Ok(true)
    }

    pub(super) fn signal_stop(&mut self, tid: i32, sig: i32) -> Result<(), RecordError> {
        let t = self.thread_mut(tid)?;
        if !t.initial_stop_seen && sig == libc::SIGSTOP {
            t.initial_stop_seen = true;
            return Ok(());
        }
        if sig == libc::SIGSTOP && (t.stop_request.is_some() || t.consuming_stop.is_some()) {
            return self.recorder_stop_delivered(tid);
        }
        let Some(mut info) = tracee::get_siginfo(tid)? else {
            // A group-stop (job control): ignore it, keep running.
            tracee::resume(tid, Resume::Cont, 0)?;
            return Ok(());
        };
        let regs = tracee::get_regs(tid)?;
        if sig == libc::SIGSEGV
            && !self.threads[&tid].modes.program_traps_rdtsc()
            && self.emulate_rdtsc(tid, &regs)?
        {
            return Ok(());
        }
        let t = self.thread_mut(tid)?;
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
            let t = self.thread_mut(tid)?;
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
