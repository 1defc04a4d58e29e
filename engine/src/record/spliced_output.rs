//! vmsplice into the recorder's stdout or stderr is carried out as a writev.
//!
//! vmsplice puts the program's pages themselves into the pipe: the reader
//! gets whatever those pages hold when it reads, not what they held at the
//! call, so a program that frees or reuses the buffer afterwards (Python
//! does, at exit) sends bytes that depend on how soon the reader ran. Replay
//! re-emits the bytes as they were at the call. So that the recorded output
//! is that too, the recorder changes the call into a writev of the same
//! iovec (same arguments, same result on a pipe), which copies at once; the
//! program's registers say vmsplice again at the exit. vmsplice to any other
//! file is left alone: what it delivers is read inside the recording.

use crate::trace::Regs;
use crate::tracee;

use super::threads::Entry;
use super::{RecordError, Recorder};

impl Recorder {
    /// At the entry of `entry` in `tid`: a vmsplice to stdout or stderr
    /// becomes a writev.
    pub(super) fn copy_instead_of_splicing(
        &mut self,
        tid: i32,
        entry: &Entry,
    ) -> Result<(), RecordError> {
        if entry.nr as i64 != libc::SYS_vmsplice {
            return Ok(());
        }
        let tgid = self.thread_mut(tid)?.tgid;
        if self.output_fd_stream(tgid, entry.args[0]).is_none() {
            return Ok(());
        }
        let mut copying = entry.regs;
        copying.0[Regs::ORIG_RAX] = libc::SYS_writev as u64;
        tracee::set_regs(tid, &copying)?;
        self.thread_mut(tid)?.spliced_as_writev = true;
        Ok(())
    }

    /// At the exit of the syscall: the registers name vmsplice again.
    pub(super) fn restore_spliced_call(
        &mut self,
        tid: i32,
        entry: &Entry,
        exit_regs: &mut Regs,
    ) -> Result<(), RecordError> {
        if std::mem::take(&mut self.thread_mut(tid)?.spliced_as_writev) {
            exit_regs.0[Regs::ORIG_RAX] = entry.nr;
            tracee::set_regs(tid, exit_regs)?;
        }
        Ok(())
    }
}
