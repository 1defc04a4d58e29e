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
