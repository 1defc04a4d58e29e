//! Checkpointing a replay: [`Replayer::snapshot`] freezes it into a
//! [`ReplaySnapshot`], [`Replayer::restore`] brings one back.

use std::collections::HashMap;

use super::error::ReplayError;
use super::snapshot::ReplaySnapshot;
use super::threads::{RThread, Stash};
use super::Replayer;
use crate::checkpoint::{Checkpoint, StopWaiter};
use crate::tracee::{Stop, TraceeError};

impl StopWaiter for Stash {
    fn wait_for(&mut self, tid: i32) -> Result<Stop, TraceeError> {
        Stash::wait_for(self, tid)
    }
}

impl Replayer {
    /// Freezes the replay here. Only a replay whose live threads all belong
    /// to one process, with a syscall instruction known, can be frozen.
    pub fn snapshot(&mut self) -> Result<Option<ReplaySnapshot>, ReplayError> {
        let live: Vec<(i32, RThread)> = self
            .threads
            .iter()
            .filter(|(_, t)| !t.gone)
            .map(|(k, t)| (*k, t.clone()))
            .collect();
        let Some(first) = live.first() else {
            return Ok(None);
        };
        let tgid = first.1.real_tgid;
        if live.iter().any(|(_, t)| {
            t.real_tgid != tgid || t.arrived.is_some() || t.at != super::threads::At::Boundary
        }) {
            return Ok(None);
        }
        let Some(insn) = self.last_syscall_insn else {
            return Ok(None);
        };
        // The thread-group leader first: it becomes the restored leader.
        let mut live = live;
        live.sort_by_key(|(_, t)| (t.real != t.real_tgid, t.real));
        let reals: Vec<i32> = live.iter().map(|(_, t)| t.real).collect();
        let scratch = self.scratch.save()?;
        let checkpoint = Checkpoint::create(&reals, insn, &mut self.stash)?;
        let gone = self
            .threads
            .iter()
            .filter(|(_, t)| t.gone)
            .map(|(k, t)| (*k, t.clone()))
            .collect();
        let root = self
            .threads
            .iter()
            .find(|(_, t)| t.real == self.root_real)
            .map(|(k, _)| *k);
        Ok(Some(ReplaySnapshot {
            checkpoint,
            index: self.index,
            peeked: self.peeked.clone(),
            threads: live,
            gone,
            root,
            replayed_exit: self.replayed_exit,
            last_syscall_insn: self.last_syscall_insn,
            stream: self.stream.mark(),
            scratch,
        }))
    }

    /// Replaces the replay's state by the snapshot's: the live processes are
    /// killed and a new process is forked from the frozen copy.
    pub fn restore(&mut self, snap: &ReplaySnapshot) -> Result<(), ReplayError> {
        self.kill_all();
        self.stash.clear();
        let reals = snap.checkpoint.restore(&mut self.stash)?;
        self.scratch.restore(&snap.scratch)?;
        let mut threads = HashMap::new();
        for ((rec, t), real) in snap.threads.iter().zip(&reals) {
            let mut t = t.clone();
            t.real = *real;
            t.real_tgid = reals[0];
            threads.insert(*rec, t);
        }
        for (rec, t) in &snap.gone {
            threads.insert(*rec, t.clone());
        }
        if let Some(root) = snap.root {
            if let Some(t) = threads.get(&root) {
                self.root_real = t.real;
            }
        }
        self.threads = threads;
        self.stream.seek(&snap.stream)?;
        self.peeked = snap.peeked.clone();
        self.index = snap.index;
        self.replayed_exit = snap.replayed_exit;
        self.last_syscall_insn = snap.last_syscall_insn;
        Ok(())
    }
}
