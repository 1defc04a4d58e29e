//! A safe wrapper over ptrace: stops, resumption, registers, memory.
//!
//! Every `unsafe` block of the engine that talks to the kernel about a tracee
//! lives here, each with a `SAFETY:` note.

mod error;
mod mem;
mod ptrace;
mod regs;
mod wait;

pub use error::TraceeError;
pub use mem::ProcMem;
pub(crate) use ptrace::check as check_ptrace;
pub use ptrace::{
    get_debugreg, get_event_msg, get_fpregs, get_regs, get_siginfo, get_syscall_info_op, resume,
    set_debugreg, set_options, set_regs, set_siginfo, tgkill, Resume, SyscallInfoOp,
};
pub use regs::{reg_index, regs_diff, RegDiff, REG_NAMES};
pub use wait::{poll_tid, wait_any, wait_any_until_alarm, wait_tid, Stop, WaitAlarm, WaitResult};
