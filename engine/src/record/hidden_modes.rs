//! Settings the recorder itself holds in the tracee, shown to the program as
//! the program set them. The recorder runs every thread with
//! `PR_TSC_SIGSEGV` (rdtsc traps, so its value can be recorded) and under
//! its own seccomp filter; a program that reads these (`PR_GET_TSC`,
//! `PR_GET_SECCOMP`) must see its own choice, and one that sets the TSC mode
//! must not switch the recorder's trapping off. These calls are answered by
//! the recorder without running (recorded as ordinary emulated syscalls), and
//! a program that asked for `PR_TSC_SIGSEGV` gets the SIGSEGV of its rdtsc.

use super::threads::Entry;
use super::{RecordError, Recorder};
use crate::trace::Regs;
use crate::tracee;

impl Recorder {
    /// At a syscall entry: a query or change of a hidden mode is skipped in
    /// the kernel and answered here; returns whether it was.
    pub(super) fn answer_hidden_mode(
        &mut self,
        tid: i32,
        entry: &Entry,
    ) -> Result<bool, RecordError> {
        if entry.nr as i64 != libc::SYS_prctl {
            return Ok(false);
        }
        let [option, arg2, ..] = entry.args;
        let modes = self.threads[&tid].modes;
        let result: i64 = match option as i32 {
            libc::PR_GET_TSC => {
                let tgid = self.threads[&tid].tgid;
                let bytes = modes.tsc.to_ne_bytes();
                match self.mem(tgid)?.write(arg2, &bytes) {
                    Ok(()) => 0,
                    Err(_) => -i64::from(libc::EFAULT),
                }
            }
            libc::PR_SET_TSC => match arg2 as i32 {
                mode @ (libc::PR_TSC_ENABLE | libc::PR_TSC_SIGSEGV) => {
                    self.thread_mut(tid)?.modes.tsc = mode;
                    0
                }
                _ => -i64::from(libc::EINVAL),
            },
            libc::PR_GET_SECCOMP => i64::from(modes.seccomp),
            _ => return Ok(false),
        };
        let mut skipped = entry.regs;
        skipped.0[Regs::ORIG_RAX] = u64::MAX;
        tracee::set_regs(tid, &skipped)?;
        self.thread_mut(tid)?.hidden_mode_result = Some(result);
        Ok(true)
    }

    /// After a syscall's exit: a program's seccomp filter or strict mode that
    /// the kernel accepted is the program's mode from now on (with
    /// `SECCOMP_FILTER_FLAG_TSYNC`, for every thread of its process).
    pub(super) fn note_seccomp_mode(&mut self, tid: i32, entry: &Entry, result: i64) {
        const SECCOMP_SET_MODE_STRICT: u64 = 0;
        const SECCOMP_SET_MODE_FILTER: u64 = 1;
        const SECCOMP_FILTER_FLAG_TSYNC: u64 = 1;
        if result < 0 {
            return;
        }
        let [a0, a1, ..] = entry.args;
        let (mode, all_threads) = match entry.nr as i64 {
            libc::SYS_seccomp if a0 == SECCOMP_SET_MODE_STRICT => {
                (libc::SECCOMP_MODE_STRICT as i32, false)
            }
            libc::SYS_seccomp if a0 == SECCOMP_SET_MODE_FILTER => (
                libc::SECCOMP_MODE_FILTER as i32,
                a1 & SECCOMP_FILTER_FLAG_TSYNC != 0,
            ),
            libc::SYS_prctl if a0 as i32 == libc::PR_SET_SECCOMP => (a1 as i32, false),
            _ => return,
        };
        let tgid = self.threads[&tid].tgid;
        for t in self.threads.values_mut() {
            if t.tid == tid || (all_threads && t.tgid == tgid) {
                t.modes.seccomp = mode;
            }
        }
    }
}
