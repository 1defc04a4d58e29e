//! Output order: writes by different threads or processes to the same file
//! never overlap while recording.
//!
//! Replay re-enacts syscalls in event order, so the order in which writes to
//! one file took effect must be the order of their events. The recorder sees
//! a blocking syscall's exit stop, not the moment the kernel performed it:
//! when two writes to one pipe, terminal or file are in the kernel at once,
//! nothing tells which went first. So while one thread's output syscall to a
//! file is in flight (entered, its event not yet recorded), another thread's
//! output syscall to the same file waits at its entry, recorded as entered;
//! it starts when the first one's event is written. A waiting writer can only
//! wait for a write that is already in the kernel, which the kernel finishes
//! without it, so this adds no deadlock the program did not have.

use tracing::debug;

use super::file_id::{file_id, FileId};
use super::threads::{Entry, TState};
use super::{RecordError, Recorder};
use crate::tracee::{self, Resume};

/// The descriptor an output syscall writes to, for syscalls that send data
/// into an open file description.
fn output_fd(entry: &Entry) -> Option<u64> {
    let a = &entry.args;
    Some(match entry.nr as i64 {
        libc::SYS_write
        | libc::SYS_writev
        | libc::SYS_pwrite64
        | libc::SYS_pwritev
        | libc::SYS_pwritev2
        | libc::SYS_sendto
        | libc::SYS_sendmsg
        | libc::SYS_sendmmsg
        | libc::SYS_sendfile
        | libc::SYS_vmsplice => a[0],
        libc::SYS_tee => a[1],
        libc::SYS_splice | libc::SYS_copy_file_range => a[2],
        _ => return None,
    })
}

impl Recorder {
    /// The file an output syscall at `entry` of thread `tid` writes to.
    pub(super) fn output_file(&self, tid: i32, entry: &Entry) -> Option<FileId> {
        let fd = output_fd(entry)?;
        file_id(&format!("/proc/{}/fd/{fd}", self.threads[&tid].tgid))
    }

    /// Whether the thread, entering a blocking output syscall to `file`,
    /// must wait for another thread's write to it. If not, the thread now
    /// holds the file until its event is recorded.
    pub(super) fn must_wait_to_write(
        &mut self,
        tid: i32,
        file: FileId,
    ) -> Result<bool, RecordError> {
        match self.writes_in_flight.get(&file) {
            Some(&owner) if owner != tid => {
                debug!(
                    tid,
                    owner, "a write waits for another write to the same file"
                );
                Ok(true)
            }
            _ => {
                self.writes_in_flight.insert(file, tid);
                self.thread_mut(tid)?.write_file = Some(file);
                Ok(false)
            }
        }
    }

    /// The thread's output syscall event is recorded (or the thread is
    /// gone): the next writer waiting for that file enters its syscall.
    pub(super) fn release_write(&mut self, tid: i32) -> Result<(), RecordError> {
        let Some(file) = self.threads.get_mut(&tid).and_then(|t| t.write_file.take()) else {
            return Ok(());
        };
        if self.writes_in_flight.get(&file) == Some(&tid) {
            self.writes_in_flight.remove(&file);
        }
        let next = self.run_order.iter().copied().find(|t| {
            matches!(self.threads.get(t).map(|t| &t.state), Some(TState::WaitingToWrite { file: f, .. }) if *f == file)
        });
        let Some(next) = next else {
            return Ok(());
        };
        let t = self.thread_mut(next)?;
        let TState::WaitingToWrite { entry, .. } = std::mem::replace(&mut t.state, TState::Running)
        else {
            unreachable!("matched above")
        };
        t.state = TState::InSyscall {
            entry,
            blocking: true,
        };
        t.write_file = Some(file);
        self.writes_in_flight.insert(file, next);
        tracee::resume(next, Resume::Syscall, 0)?;
        Ok(())
    }
}
