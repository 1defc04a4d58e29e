//! A digest of the process's writable memory at its exit_group, so that
//! replay can prove it ends with the same memory: a difference that never
//! reached a register or an output (a syscall's write recorded wrongly, a
//! kernel write the recorder missed) is a divergence rather than a replay
//! that says "matched".

use super::threads::{Entry, TState};
use super::{RecordError, Recorder};
use crate::trace::{Event, EventKind};

impl Recorder {
    /// At the entry of `tid`'s exit_group: records the memory digest, unless
    /// another thread of the process is inside the kernel, where a syscall
    /// may still write memory (its event is never recorded, as the thread
    /// dies): the digest would then depend on timing.
    pub(super) fn check_memory_at_exit(
        &mut self,
        tid: i32,
        entry: &Entry,
    ) -> Result<(), RecordError> {
        let tgid = self.threads[&tid].tgid;
        let others_in_kernel = self.threads.values().any(|t| {
            t.tgid == tgid
                && t.tid != tid
                && matches!(t.state, TState::InSyscall { .. } | TState::Running)
        });
        if others_in_kernel {
            tracing::debug!(
                tid,
                "no memory check at exit: another thread is in a syscall"
            );
            return Ok(());
        }
        let mem = self.mem(tgid)?;
        let memory_digest = crate::digest::writable_memory_digest(tgid, mem, entry.regs.rsp())
            .map_err(|e| {
                RecordError::Internal(format!("cannot read the memory of process {tgid}: {e}"))
            })?;
        self.emit(Event {
            tid,
            regs: entry.regs,
            kind: EventKind::MemoryCheck {
                nr: entry.nr,
                memory_digest,
            },
        })
    }
}
