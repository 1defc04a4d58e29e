//! Threads killed out of a ptrace stop. SIGKILL (a sibling's exit_group or
//! fatal signal, an execve in another thread, `kill -9`) takes a thread out
//! of its stop at any moment, so the next ptrace request on it fails with
//! ESRCH. That is the thread's end, not the recorder's: its exit status
//! still arrives through waitpid.

use super::threads::TState;
use super::{RecordError, Recorder};
use crate::tracee::TraceeError;

impl Recorder {
    /// Passes `result` through, except a ptrace request that failed because
    /// its thread is being killed: that thread is marked dying and recording
    /// goes on.
    pub(super) fn unless_killed(
        &mut self,
        result: Result<(), RecordError>,
    ) -> Result<(), RecordError> {
        let Err(RecordError::Tracee(TraceeError::Ptrace { tid, source, .. })) = &result else {
            return result;
        };
        let tid = *tid;
        if source.raw_os_error() != Some(libc::ESRCH)
            || !self.threads.contains_key(&tid)
            || !soon_killed(tid)
        {
            return result;
        }
        tracing::debug!(tid, "thread killed out of its stop");
        // Marking it may resume a writer that was waiting on it, itself
        // perhaps killed too: each round marks one more thread.
        let next = self.thread_killed(tid);
        self.unless_killed(next)
    }

    /// `tid` will never run user code again: record what it had completed,
    /// and schedule it no more.
    pub(super) fn thread_killed(&mut self, tid: i32) -> Result<(), RecordError> {
        let t = self.threads.get_mut(&tid).expect("a known thread");
        if let TState::VforkDone(event) = std::mem::replace(&mut t.state, TState::Dying) {
            // The vfork finished in the kernel: the trace must hold it.
            self.emit(*event)?;
        }
        if self.current == Some(tid) {
            self.current = None;
        }
        self.release_write(tid)
    }
}

/// Whether `tid` shows that it is being killed within a short bound: woken
/// by SIGKILL, a thread dequeues the signal before it marks itself exiting,
/// so for a moment it looks like neither.
fn soon_killed(tid: i32) -> bool {
    const BOUND: std::time::Duration = std::time::Duration::from_secs(2);
    let started = std::time::Instant::now();
    loop {
        if being_killed(tid) {
            return true;
        }
        if started.elapsed() > BOUND {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
}

/// Whether the kernel is killing `tid`: the thread is gone or in do_exit
/// (PF_EXITING, or PF_POSTCOREDUMP which do_exit sets first, before the
/// thread's exit-event stop, in /proc/TID/stat), or SIGKILL is pending for
/// it or its process.
fn being_killed(tid: i32) -> bool {
    const PF_EXITING: u64 = 0x4;
    const PF_POSTCOREDUMP: u64 = 0x8;
    const SIGKILL_BIT: u64 = 1 << (libc::SIGKILL - 1);
    let (Ok(stat), Ok(status)) = (
        std::fs::read_to_string(format!("/proc/{tid}/stat")),
        std::fs::read_to_string(format!("/proc/{tid}/status")),
    ) else {
        return true;
    };
    // After the parenthesised command name: state is field 3, flags field 9.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let dead = fields
        .first()
        .is_some_and(|s| matches!(*s, "Z" | "X" | "x"));
    let exiting = fields
        .get(6)
        .and_then(|f| f.parse::<u64>().ok())
        .is_some_and(|flags| flags & (PF_EXITING | PF_POSTCOREDUMP) != 0);
    let kill_pending = status.lines().any(|line| {
        let (key, value) = line.split_once(':').unwrap_or(("", ""));
        matches!(key, "SigPnd" | "ShdPnd")
            && u64::from_str_radix(value.trim(), 16).is_ok_and(|m| m & SIGKILL_BIT != 0)
    });
    dead || exiting || kill_pending
}
