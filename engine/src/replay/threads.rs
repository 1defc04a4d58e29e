//! Replayed threads and the queue of stops that arrive for threads other
//! than the one being waited for.

use std::collections::{HashMap, VecDeque};

use crate::tracee::{self, ProcMem, Stop, TraceeError};

/// Where a replayed thread is stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    /// At an event boundary; resume with SYSEMU to reach the next one.
    Boundary,
    /// At the entry of a syscall whose `Syscall` event comes later.
    ParkedAtEntry,
    /// Inside a vfork executed for real, waiting for the child.
    InVfork,
}

#[derive(Clone, Debug)]
pub struct RThread {
    pub real: i32,
    pub real_tgid: i32,
    pub at: At,
    /// Signal to deliver when the thread is next resumed.
    pub pending_signal: i32,
    /// A signal the replayer already queued for the next Signal event.
    pub queued_signal: Option<i32>,
    /// The emulated syscall just before returned this restart code
    /// (-ERESTARTSYS, ...): unless a signal is delivered next, the kernel
    /// restarts it, as it did while recording.
    pub restart_pending: Option<i64>,
    /// The stop that ends the thread's run towards its next event, when a
    /// caller (the time-travel session) already ran it there.
    pub arrived: Option<Stop>,
    pub gone: bool,
}

impl RThread {
    pub fn new(real: i32, real_tgid: i32) -> RThread {
        RThread {
            real,
            real_tgid,
            at: At::Boundary,
            pending_signal: 0,
            queued_signal: None,
            restart_pending: None,
            arrived: None,
            gone: false,
        }
    }
}

/// Stops of threads nobody is waiting for yet.
#[derive(Default)]
pub struct Stash {
    queued: HashMap<i32, VecDeque<Stop>>,
    mems: HashMap<i32, ProcMem>,
}

impl Stash {
    pub fn wait_for(&mut self, real: i32) -> Result<Stop, TraceeError> {
        if let Some(stop) = self.queued.get_mut(&real).and_then(|q| q.pop_front()) {
            return Ok(stop);
        }
        loop {
            let w = tracee::wait_any()?;
            if w.tid == real {
                return Ok(w.stop);
            }
            if w.stop == Stop::Event(libc::PTRACE_EVENT_EXIT) {
                // Another thread is dying (exit_group or execve of a sibling):
                // the kernel waits for it to go on, and nothing else will
                // resume it.
                tracee::resume(w.tid, tracee::Resume::Cont, 0)?;
                continue;
            }
            self.queued.entry(w.tid).or_default().push_back(w.stop);
        }
    }

    /// `real` names a task created just now (from a fork or clone event).
    /// Stops queued for that number up to its last exit or death belong to
    /// an earlier task: once that status was collected the kernel was free to
    /// give the number to a new one, so the earlier task's stops would be
    /// taken for this one's (a fresh checkpoint "killed" before it started).
    /// Stops queued after it are this task's (its first SIGSTOP may arrive
    /// before its parent's event).
    pub fn born(&mut self, real: i32) {
        let Some(q) = self.queued.get_mut(&real) else {
            return;
        };
        if let Some(last_end) = q
            .iter()
            .rposition(|s| matches!(s, Stop::Exited(_) | Stop::Killed(_)))
        {
            tracing::debug!(
                tid = real,
                stale = last_end + 1,
                "stops of an earlier task with a reused id dropped"
            );
            q.drain(..=last_end);
        }
        if q.is_empty() {
            self.queued.remove(&real);
        }
    }

    /// Whether the exit or death of `real` is queued: it was reaped, and
    /// its number may already belong to another task.
    pub fn has_ended(&self, real: i32) -> bool {
        self.queued.get(&real).is_some_and(|q| {
            q.iter()
                .any(|s| matches!(s, Stop::Exited(_) | Stop::Killed(_)))
        })
    }

    pub fn take_all(&mut self, real: i32) -> Vec<Stop> {
        self.queued.remove(&real).map(Vec::from).unwrap_or_default()
    }

    /// The memory of process `tgid`, opened on first use.
    pub fn mem(&mut self, tgid: i32) -> Result<&ProcMem, TraceeError> {
        match self.mems.entry(tgid) {
            std::collections::hash_map::Entry::Occupied(e) => Ok(e.into_mut()),
            std::collections::hash_map::Entry::Vacant(v) => Ok(v.insert(ProcMem::open(tgid)?)),
        }
    }

    /// Forgets every queued stop and memory handle (the processes they were
    /// about are gone).
    pub fn clear(&mut self) {
        self.queued.clear();
        self.mems.clear();
    }

    /// Forgets the memory handle of `tgid` (after exec or exit).
    pub fn forget_mem(&mut self, tgid: i32) {
        self.mems.remove(&tgid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A number the kernel gave to a new task may still have the stops of
    /// an earlier task queued, up to its death: they are dropped, the new
    /// task's own (queued after) are kept.
    #[test]
    fn a_reused_id_does_not_inherit_an_earlier_tasks_stops() {
        let mut stash = Stash::default();
        let tid = 4242;
        let q = stash.queued.entry(tid).or_default();
        q.push_back(Stop::Event(libc::PTRACE_EVENT_EXIT));
        q.push_back(Stop::Killed(libc::SIGKILL));
        q.push_back(Stop::Signal(libc::SIGSTOP));
        stash.born(tid);
        assert_eq!(stash.take_all(tid), vec![Stop::Signal(libc::SIGSTOP)]);

        stash
            .queued
            .entry(tid)
            .or_default()
            .push_back(Stop::Exited(0));
        stash.born(tid);
        assert!(stash.take_all(tid).is_empty());

        // A task that is not new keeps its stops, its exit included.
        stash
            .queued
            .entry(tid)
            .or_default()
            .push_back(Stop::Exited(3));
        assert_eq!(stash.take_all(tid), vec![Stop::Exited(3)]);
    }
}
