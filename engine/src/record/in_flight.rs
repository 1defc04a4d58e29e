//! Blocking syscalls other threads have in flight while the recorder takes a
//! memory digest (an interruption's): the kernel writes a syscall's output
//! into memory before the thread stops at the syscall's exit, and replay
//! writes it when it applies that exit's event. So a digest is taken only
//! when every such syscall of the process either has its event in the trace
//! or is asleep in the kernel, before and after the digest alike; a syscall
//! that completed meanwhile has its exit recorded first and the digest is
//! taken again.
//!
//! What this cannot see: a syscall that copies part of its output and sleeps
//! again (a `recv` with `MSG_WAITALL`), or one whose copy sleeps on a page
//! fault. rr redirects such outputs to scratch memory; rewind does not yet.

use std::time::{Duration, Instant};

use super::threads::TState;
use super::{RecordError, Recorder};
use crate::tracee::{self, Stop};

/// How long a syscall may run in the kernel (woken, copying its output)
/// before the recorder gives up waiting for it to stop or sleep.
const SETTLE_BOUND: Duration = Duration::from_millis(200);
/// Digests retaken because a syscall completed while one was taken.
const DIGEST_ATTEMPTS: usize = 8;

/// Where a thread in a syscall is, from `/proc/TID/stat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KernelState {
    /// Asleep (`S`, `D`, `I`): it has not written its output.
    Asleep,
    /// Stopped for the tracer (`t`, `T`): its stop is to be collected.
    Stopped,
    /// Running in the kernel, gone, or unreadable: it may be writing.
    Busy,
    /// Dead (`Z`, `X`): it writes nothing more.
    Dead,
}

fn kernel_state(tid: i32) -> KernelState {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{tid}/stat")) else {
        return KernelState::Dead;
    };
    // After the parenthesised command name, the state is the first field.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .unwrap_or("");
    match state {
        "S" | "D" | "I" => KernelState::Asleep,
        "t" | "T" => KernelState::Stopped,
        "Z" | "X" | "x" => KernelState::Dead,
        _ => KernelState::Busy,
    }
}

impl Recorder {
    /// Threads of `tgid` other than `tid` inside a syscall that lets others run.
    fn blocking_in_flight(&self, tgid: i32, tid: i32) -> Vec<i32> {
        self.threads
            .values()
            .filter(|t| {
                t.tgid == tgid
                    && t.tid != tid
                    && matches!(t.state, TState::InSyscall { blocking: true, .. })
            })
            .map(|t| t.tid)
            .collect()
    }

    /// Records the exits of every blocking syscall of `tgid` (but `tid`'s)
    /// that has completed, and waits (bounded) for the ones running in the
    /// kernel to stop or sleep. Whether all left in flight are asleep.
    fn settle_in_flight(&mut self, tgid: i32, tid: i32) -> Result<bool, RecordError> {
        let started = Instant::now();
        loop {
            let mut busy = false;
            for other in self.blocking_in_flight(tgid, tid) {
                match kernel_state(other) {
                    KernelState::Asleep | KernelState::Dead => {}
                    KernelState::Busy => busy = true,
                    KernelState::Stopped => match tracee::poll_tid(other)? {
                        Some(w) if w.stop == Stop::Syscall => {
                            let recorded = self.syscall_exit(other);
                            self.unless_killed(recorded)?;
                        }
                        // Any other stop (a signal, its death) is the main loop's.
                        Some(w) => self.held_stops.push_back(w),
                        // Stopping, not yet reported.
                        None => busy = true,
                    },
                }
            }
            if !busy {
                return Ok(true);
            }
            if started.elapsed() > SETTLE_BOUND {
                return Ok(false);
            }
            std::thread::yield_now();
        }
    }

    /// Whether every blocking syscall of `tgid` (but `tid`'s) still in
    /// flight is asleep in the kernel.
    fn in_flight_asleep(&self, tgid: i32, tid: i32) -> bool {
        self.blocking_in_flight(tgid, tid)
            .into_iter()
            .all(|t| matches!(kernel_state(t), KernelState::Asleep | KernelState::Dead))
    }

    /// `digest` (of `tgid`'s memory, for its stopped thread `tid`) taken
    /// when no other thread's syscall output can be half in memory and not
    /// yet in the trace; `None` when that moment did not come within the
    /// bounds (the caller lets the thread go on uninterrupted).
    pub(super) fn digest_between_syscalls<T>(
        &mut self,
        tgid: i32,
        tid: i32,
        mut digest: impl FnMut(&mut Self) -> Result<T, RecordError>,
    ) -> Result<Option<T>, RecordError> {
        for _ in 0..DIGEST_ATTEMPTS {
            if !self.settle_in_flight(tgid, tid)? {
                break;
            }
            let taken = digest(self)?;
            if self.in_flight_asleep(tgid, tid) {
                return Ok(Some(taken));
            }
        }
        tracing::debug!(
            tid,
            "another thread's syscall kept writing memory: no interruption here"
        );
        Ok(None)
    }
}
