//! Namespaces the recorder cannot follow. A new PID namespace (`unshare` or
//! `clone` with `CLONE_NEWPID`, `setns` into one) gives the processes in it
//! ids other than the ones the recorder sees in its ptrace stops: fork
//! returns 2 where the recorder sees 31337, and getpid says 1. The trace
//! names threads by the recorder's ids and replay finds a new thread by the
//! id its clone returned, so neither could be matched. The recording stops
//! at the syscall, before the namespace exists, with an error that says so.

use super::threads::Entry;
use super::{RecordError, Recorder};

const CLONE_NEWPID: u64 = libc::CLONE_NEWPID as u64;

impl Recorder {
    /// Refuses a syscall that would put processes of the program in a new
    /// PID namespace.
    pub(super) fn refuse_new_pid_namespace(
        &mut self,
        tid: i32,
        entry: &Entry,
    ) -> Result<(), RecordError> {
        let how = match entry.nr as i64 {
            libc::SYS_unshare if entry.args[0] & CLONE_NEWPID != 0 => "unshare(CLONE_NEWPID)",
            libc::SYS_clone if entry.args[0] & CLONE_NEWPID != 0 => "clone(CLONE_NEWPID)",
            libc::SYS_clone3 if self.clone_flags(tid, entry)? & CLONE_NEWPID != 0 => {
                "clone3(CLONE_NEWPID)"
            }
            libc::SYS_setns if self.setns_into_pid_namespace(tid, entry) => "setns",
            _ => return Ok(()),
        };
        Err(RecordError::PidNamespace { how })
    }

    /// Whether a setns joins a PID namespace: asked for by `nstype`, or
    /// `nstype` 0 with a namespace fd that is one.
    fn setns_into_pid_namespace(&self, tid: i32, entry: &Entry) -> bool {
        let nstype = entry.args[1];
        if nstype & CLONE_NEWPID != 0 {
            return true;
        }
        if nstype != 0 {
            return false;
        }
        let tgid = self.threads.get(&tid).map_or(tid, |t| t.tgid);
        std::fs::read_link(format!("/proc/{tgid}/fd/{}", entry.args[0] as i32))
            .is_ok_and(|target| target.to_string_lossy().starts_with("pid:"))
    }
}
