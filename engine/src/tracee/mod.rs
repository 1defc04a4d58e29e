//! A safe wrapper over ptrace: stops, resumption, registers, memory.
//!
//! Every `unsafe` block of the engine that talks to the kernel about a tracee
//! lives here, each with a `SAFETY:` note.

mod mem;
mod ptrace;
mod regs;
mod wait;

pub use mem::ProcMem;
pub(crate) use ptrace::check as check_ptrace;
pub use ptrace::{
    get_debugreg, get_event_msg, get_fpregs, get_regs, get_siginfo, get_syscall_info_op, resume,
    set_debugreg, set_options, set_regs, set_siginfo, tgkill, Resume, SyscallInfoOp,
};
pub use regs::{reg_index, regs_diff, RegDiff, REG_NAMES};
pub use wait::{wait_any, wait_any_until_alarm, wait_tid, Stop, WaitAlarm, WaitResult};

use thiserror::Error;

/// Errors from a ptrace operation on a tracee.
#[derive(Debug, Error)]
pub enum TraceeError {
    #[error("ptrace {op} on thread {tid} failed: {source}")]
    Ptrace {
        op: &'static str,
        tid: i32,
        source: std::io::Error,
    },
    #[error("waitpid failed: {0}")]
    Wait(std::io::Error),
    #[error("memory access in process {pid} at {addr:#x} ({len} bytes) failed: {source}")]
    Memory {
        pid: i32,
        addr: u64,
        len: usize,
        source: std::io::Error,
    },
}
