//! The engine's own traps leave the program's signal mask alone.
//!
//! When the kernel forces a SIGTRAP on a thread (an int3, a single step, a
//! debug-register hit) and the thread has SIGTRAP blocked, it unblocks it
//! for good (`force_sig_fault`), even though the tracer then discards the
//! signal. The program later saves its mask (`rt_sigprocmask`'s old set,
//! a signal frame) and would see a mask it never set: `node`'s threads
//! block every signal, and a replay that had single-stepped one of them
//! wrote a different saved mask than the recording and diverged. So a run
//! in which the engine may trap remembers whether SIGTRAP was blocked and
//! blocks it again afterwards. A run only adds to the mask otherwise (a
//! handler entered at its start blocks its `sa_mask`; no syscall runs), so
//! a SIGTRAP bit cleared after it is the kernel's doing.

use super::sys;
use crate::tracee::TraceeError;

/// SIGTRAP's bit in a kernel signal mask.
const SIGTRAP_BIT: u64 = 1 << (libc::SIGTRAP - 1);

/// Whether thread `tid` has SIGTRAP blocked (before a run that may trap).
pub(crate) fn sigtrap_blocked(tid: i32) -> Result<bool, TraceeError> {
    Ok(sys::get_sigmask(tid)? & SIGTRAP_BIT != 0)
}

/// After such a run: blocks SIGTRAP again if the kernel unblocked it.
pub(crate) fn block_sigtrap_again(tid: i32) -> Result<(), TraceeError> {
    let mask = sys::get_sigmask(tid)?;
    if mask & SIGTRAP_BIT == 0 {
        sys::set_sigmask(tid, mask | SIGTRAP_BIT)?;
    }
    Ok(())
}
