//! Time slices: interrupting a thread that runs too long without an event
//! (a deferred signal waits for it, or another thread is ready), at a point
//! that replay can always find again.
//!
//! The rules that make an interruption impossible to misplace:
//! - A slice is measured in the thread's own CPU time (from
//!   `/proc/PID/task/TID/schedstat`), never in wall time: neither machine load
//!   nor the recorder's own work can end a slice the thread did not use.
//! - The recorder's SIGSTOP is never allowed to reach a syscall: when the
//!   thread enters one with the SIGSTOP pending, the syscall is skipped and
//!   rewound, the SIGSTOP is taken, and the syscall runs again from exactly
//!   the same registers ([`Recorder::consume_stop_request`]).
//! - A SIGSTOP that lands where the thread has run no instruction since its
//!   last event — it was pending during that event's stop, or the thread's
//!   last kernel entry was the syscall of that event — is not an interruption
//!   at all: the thread is at the event boundary, and a deferred signal is
//!   delivered there as an ordinary boundary signal. Only a SIGSTOP that
//!   stopped the thread inside user code is recorded as `Interrupt`.

use std::time::Duration;
use tracing::debug;

use super::patchable_point::Stepped;
use super::threads::{StopRequest, TState};
use super::{RecordError, Recorder};
use crate::trace::{Event, EventKind, Regs};
use crate::tracee::{self, Resume};

/// How much CPU time the current thread may spend in user code without an
/// event while a signal waits for it or another thread is ready.
pub(super) const SLICE_CPU: Duration = Duration::from_millis(20);

/// CPU time (user + system) thread `tid` of process `tgid` has used, in
/// nanoseconds: the first field of its schedstat.
fn thread_cpu_ns(tgid: i32, tid: i32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{tgid}/task/{tid}/schedstat")).ok()?;
    text.split_whitespace().next()?.parse().ok()
}

impl Recorder {
    /// Whether the current thread must not run on indefinitely: a deferred
    /// signal waits for its next event, or another thread is ready.
    fn needs_deadline(&self, tid: i32) -> bool {
        let Some(t) = self.threads.get(&tid) else {
            return false;
        };
        matches!(t.state, TState::Running)
            && (!t.deferred_signals.is_empty() || self.others_ready(tid))
    }

    /// A tick: interrupt the current thread once it has used a whole slice
    /// of CPU time since the first tick that found it running.
    pub(super) fn check_slice(&mut self) -> Result<(), RecordError> {
        let Some(tid) = self.current else {
            return Ok(());
        };
        if !self.needs_deadline(tid) || self.threads[&tid].stop_request.is_some() {
            self.slice_cpu_start = None;
            return Ok(());
        }
        let tgid = self.threads[&tid].tgid;
        let Some(now) = thread_cpu_ns(tgid, tid) else {
            return Ok(());
        };
        let start = *self.slice_cpu_start.get_or_insert(now);
        if now.saturating_sub(start) < SLICE_CPU.as_nanos() as u64 {
            return Ok(());
        }
        debug!(
            tid,
            cpu_ms = (now - start) / 1_000_000,
            "interrupting a thread that runs too long without an event"
        );
        tracee::tgkill(tgid, tid, libc::SIGSTOP)?;
        self.thread_mut(tid)?.stop_request = Some(StopRequest::default());
        self.slice_cpu_start = None;
        Ok(())
    }

    /// At a syscall entry (seccomp stop) with the recorder's SIGSTOP pending:
    /// the SIGSTOP would interrupt the syscall (a restart the recording cannot
    /// show) or land at its exit. Take it first: skip the syscall with the
    /// thread put back on its `syscall` instruction, so that the SIGSTOP is
    /// delivered there; the thread then executes the same syscall again with
    /// the same registers (`syscall` rewrites rcx and r11 alike). Returns
    /// whether that began.
    pub(super) fn consume_stop_request(
        &mut self,
        tid: i32,
        regs: &Regs,
    ) -> Result<bool, RecordError> {
        let t = self.thread_mut(tid)?;
        if let Some(before) = t.consuming_stop.take() {
            if before != *regs {
                return Err(RecordError::Internal(format!(
                    "thread {tid} re-entered its syscall with other registers after the \
                     recorder's stop was taken (rip {:#x}, was {:#x})",
                    regs.rip(),
                    before.rip()
                )));
            }
            return Ok(false);
        }
        if t.stop_request.take().is_none() {
            return Ok(false);
        }
        t.consuming_stop = Some(*regs);
        let mut rewound = *regs;
        rewound.0[Regs::ORIG_RAX] = u64::MAX;
        rewound.0[Regs::RAX] = regs.orig_rax();
        rewound.0[Regs::RIP] = regs.rip() - 2;
        tracee::set_regs(tid, &rewound)?;
        tracee::resume(tid, Resume::Cont, 0)?;
        Ok(true)
    }

    /// The recorder's SIGSTOP arrived.
    pub(super) fn recorder_stop_delivered(&mut self, tid: i32) -> Result<(), RecordError> {
        let t = self.thread_mut(tid)?;
        if t.consuming_stop.is_some() {
            // Taken before a syscall: run the syscall again.
            return Ok(tracee::resume(tid, Resume::Cont, 0)?);
        }
        let request = t.stop_request.take().unwrap_or_default();
        if !matches!(t.state, TState::Running) || self.current != Some(tid) {
            return Ok(tracee::resume(tid, Resume::Cont, 0)?);
        }
        let regs = tracee::get_regs(tid)?;
        // orig_rax is -1 after any kernel entry but a syscall: a valid number
        // means the thread's last kernel entry was the syscall of its last
        // event, and it has not run since.
        if request.after_event || (regs.orig_rax() as i64) >= 0 {
            return self.stopped_at_boundary(tid);
        }
        self.interrupted(tid, regs)
    }

    /// The recorder's SIGSTOP landed before the thread ran any instruction
    /// since its last event: act as at that event.
    fn stopped_at_boundary(&mut self, tid: i32) -> Result<(), RecordError> {
        debug!(tid, "the slice ended at an event boundary");
        if self.send_deferred_signal(tid)? {
            tracee::resume(tid, Resume::Cont, 0)?;
        } else if self.others_ready(tid) {
            self.thread_mut(tid)?.state = TState::Ready { signal: 0 };
            self.current = None;
        } else {
            tracee::resume(tid, Resume::Cont, 0)?;
        }
        Ok(())
    }

    /// The thread stopped for the recorder's SIGSTOP in the middle of user
    /// code: record the point (moved onto a patchable instruction, see
    /// `patchable_point.rs`) so that replay can find it, then deliver the
    /// deferred signal there or let another thread run.
    fn interrupted(&mut self, tid: i32, regs: Regs) -> Result<(), RecordError> {
        let regs = match self.step_to_patchable(tid, regs)? {
            Stepped::At(regs) => *regs,
            Stepped::Handled => return Ok(()),
        };
        let tgid = self.threads[&tid].tgid;
        let fpregs = tracee::get_fpregs(tid)?;
        let taken = self.digest_between_syscalls(tgid, tid, |recorder| {
            let mem = recorder.mem(tgid)?;
            let digest =
                crate::digest::writable_memory_digest(tgid, mem, regs.rsp()).map_err(|e| {
                    RecordError::Internal(format!("cannot read the memory of process {tgid}: {e}"))
                })?;
            Ok((digest, crate::digest::stack_sum(tgid, mem, regs.rsp())))
        })?;
        let Some((memory_digest, stack_sum)) = taken else {
            // Not a point replay could check: go on, and end the slice later.
            return Ok(tracee::resume(tid, Resume::Cont, 0)?);
        };
        self.emit(Event {
            tid,
            regs,
            kind: EventKind::Interrupt {
                fpregs,
                memory_digest,
                stack_sum,
            },
        })?;
        if self.send_deferred_signal(tid)? {
            tracee::resume(tid, Resume::Cont, 0)?;
        } else {
            self.thread_mut(tid)?.state = TState::Ready { signal: 0 };
            self.current = None;
        }
        Ok(())
    }
}
