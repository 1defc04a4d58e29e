//! The recording ends with the program's first process. Processes it leaves
//! behind (a daemon, a child sleeping while its parent exits) would keep a
//! recorder that waits for every tracee going forever: when the first
//! process has ended, the recorder records what the others had completed,
//! kills them, and reaps them (as rr does by default). Replay kills the
//! same processes at the end of the trace.

use std::time::{Duration, Instant};

use tracing::debug;

use super::threads::TState;
use super::{RecordError, Recorder};
use crate::tracee::{self, Resume, Stop, TraceeError, WaitResult};

/// How long the killed leftovers may take to be reaped.
const REAP_BOUND: Duration = Duration::from_secs(10);

impl Recorder {
    /// The first process has ended and `self.threads` still holds others:
    /// records the syscalls they completed, kills them and waits for them
    /// all, at most [`REAP_BOUND`].
    pub(super) fn end_leftovers(&mut self) -> Result<(), RecordError> {
        let mut left: Vec<i32> = self.threads.keys().copied().collect();
        left.sort_unstable();
        debug!(
            ?left,
            "the program's first process ended: killing the processes it left behind"
        );
        // In thread order, so that the trace does not depend on a hash order.
        for &tid in &left {
            if matches!(self.threads[&tid].state, TState::SyscallDone(_)) {
                self.thread_killed(tid)?;
            }
        }
        self.current = None;
        self.exiting = None;
        self.kill_all();
        let deadline = Instant::now() + REAP_BOUND;
        while !self.threads.is_empty() {
            if Instant::now() >= deadline {
                let mut left: Vec<i32> = self.threads.keys().copied().collect();
                left.sort_unstable();
                return Err(RecordError::Internal(format!(
                    "the program's first process ended, and the threads it left behind \
                     ({left:?}) did not die within {} s of SIGKILL",
                    REAP_BOUND.as_secs()
                )));
            }
            self.alarm.arm(super::TICK);
            match tracee::wait_any_until_alarm(&self.alarm) {
                Ok(Some(w)) => self.reap_leftover(w),
                Ok(None) => {}
                // No child left to wait for: every leftover is gone.
                Err(TraceeError::Wait(e)) if e.raw_os_error() == Some(libc::ECHILD) => {
                    self.threads.clear();
                }
                Err(e) => return Err(e.into()),
            }
        }
        self.alarm.disarm();
        Ok(())
    }

    /// A stop of a killed leftover: its end, or a stop that was queued before
    /// the SIGKILL (nothing of it is recorded; it is let go to die).
    fn reap_leftover(&mut self, w: WaitResult) {
        match w.stop {
            Stop::Exited(_) | Stop::Killed(_) => {
                self.threads.remove(&w.tid);
                self.run_order.retain(|&t| t != w.tid);
            }
            _ => {
                // A thread already gone makes this fail with ESRCH: harmless.
                let _ = tracee::resume(w.tid, Resume::Cont, 0);
            }
        }
    }
}
