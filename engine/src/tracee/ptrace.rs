//! Raw ptrace requests. Written over libc rather than nix because nix's
//! `Signal` cannot represent real-time signals, which tracees may receive.

use super::error::TraceeError;
use crate::trace::Regs;

/// The result of a ptrace call, or its errno as a TraceeError.
pub(crate) fn check(
    op: &'static str,
    tid: i32,
    ret: libc::c_long,
) -> Result<libc::c_long, TraceeError> {
    if ret == -1 {
        Err(TraceeError::Ptrace {
            op,
            tid,
            source: std::io::Error::last_os_error(),
        })
    } else {
        Ok(ret)
    }
}

/// How to resume a stopped tracee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// Run until the next signal, ptrace event or seccomp stop.
    Cont,
    /// Also stop at the next syscall entry or exit.
    Syscall,
    /// Stop at the next syscall entry and skip the syscall.
    Sysemu,
    /// Execute one instruction.
    Step,
    /// Execute one instruction, stopping at (and skipping) a syscall.
    SysemuStep,
}

/// Resumes `tid`, delivering `signal` (0 for none).
pub fn resume(tid: i32, how: Resume, signal: i32) -> Result<(), TraceeError> {
    let (req, op) = match how {
        Resume::Cont => (libc::PTRACE_CONT, "CONT"),
        Resume::Syscall => (libc::PTRACE_SYSCALL, "SYSCALL"),
        Resume::Sysemu => (libc::PTRACE_SYSEMU, "SYSEMU"),
        Resume::Step => (libc::PTRACE_SINGLESTEP, "SINGLESTEP"),
        Resume::SysemuStep => (libc::PTRACE_SYSEMU_SINGLESTEP, "SYSEMU_SINGLESTEP"),
    };
    // SAFETY: resumption requests take no pointers; `data` is the signal number.
    let ret = unsafe { libc::ptrace(req, tid, 0usize, signal as libc::c_long) };
    check(op, tid, ret).map(|_| ())
}

/// Sets the `PTRACE_O_*` options of thread `tid`.
pub fn set_options(tid: i32, options: libc::c_int) -> Result<(), TraceeError> {
    // SAFETY: PTRACE_SETOPTIONS takes the option bits in `data`, no pointers.
    let ret = unsafe {
        libc::ptrace(
            libc::PTRACE_SETOPTIONS,
            tid,
            0usize,
            options as libc::c_long,
        )
    };
    check("SETOPTIONS", tid, ret).map(|_| ())
}

/// The general registers of stopped thread `tid`.
pub fn get_regs(tid: i32) -> Result<Regs, TraceeError> {
    let mut raw = std::mem::MaybeUninit::<libc::user_regs_struct>::uninit();
    // SAFETY: PTRACE_GETREGS writes exactly one user_regs_struct to `raw`.
    let ret = unsafe { libc::ptrace(libc::PTRACE_GETREGS, tid, 0usize, raw.as_mut_ptr()) };
    check("GETREGS", tid, ret)?;
    // SAFETY: the kernel filled the whole struct (the call succeeded).
    let raw = unsafe { raw.assume_init() };
    Ok(super::regs::from_user_regs(&raw))
}

/// Sets the general registers of stopped thread `tid`.
pub fn set_regs(tid: i32, regs: &Regs) -> Result<(), TraceeError> {
    let raw = super::regs::to_user_regs(regs);
    // SAFETY: PTRACE_SETREGS reads one user_regs_struct from `raw`, which lives across the call.
    let ret = unsafe { libc::ptrace(libc::PTRACE_SETREGS, tid, 0usize, &raw as *const _) };
    check("SETREGS", tid, ret).map(|_| ())
}

/// The raw 128-byte siginfo of a signal-delivery-stop; `None` in a group-stop.
pub fn get_siginfo(tid: i32) -> Result<Option<[u8; 128]>, TraceeError> {
    let mut info = [0u8; 128];
    // SAFETY: PTRACE_GETSIGINFO writes one 128-byte siginfo_t to `info`.
    let ret = unsafe { libc::ptrace(libc::PTRACE_GETSIGINFO, tid, 0usize, info.as_mut_ptr()) };
    if ret == -1 {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EINVAL) {
            return Ok(None);
        }
        return Err(TraceeError::Ptrace {
            op: "GETSIGINFO",
            tid,
            source: err,
        });
    }
    Ok(Some(info))
}

/// Replaces the siginfo of the signal thread `tid` is stopped for with `info`
/// (at most 128 bytes; the rest is zero).
pub fn set_siginfo(tid: i32, info: &[u8]) -> Result<(), TraceeError> {
    let mut buf = [0u8; 128];
    let n = info.len().min(128);
    buf[..n].copy_from_slice(&info[..n]);
    // SAFETY: PTRACE_SETSIGINFO reads one 128-byte siginfo_t from `buf`.
    let ret = unsafe { libc::ptrace(libc::PTRACE_SETSIGINFO, tid, 0usize, buf.as_ptr()) };
    check("SETSIGINFO", tid, ret).map(|_| ())
}

/// The message of a `PTRACE_EVENT_*` stop (the new thread's id for a clone, ...).
pub fn get_event_msg(tid: i32) -> Result<u64, TraceeError> {
    let mut msg: libc::c_ulong = 0;
    // SAFETY: PTRACE_GETEVENTMSG writes one unsigned long to `msg`.
    let ret = unsafe { libc::ptrace(libc::PTRACE_GETEVENTMSG, tid, 0usize, &mut msg as *mut _) };
    check("GETEVENTMSG", tid, ret)?;
    Ok(msg)
}

/// Whether a syscall-stop is at entry or exit (PTRACE_GET_SYSCALL_INFO).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyscallInfoOp {
    /// A syscall-entry stop.
    Entry,
    /// A syscall-exit stop.
    Exit,
    /// A seccomp stop (`PTRACE_EVENT_SECCOMP`).
    Seccomp,
    /// Not a syscall stop.
    Other,
}

/// Which kind of syscall stop thread `tid` is in.
pub fn get_syscall_info_op(tid: i32) -> Result<SyscallInfoOp, TraceeError> {
    let mut info = std::mem::MaybeUninit::<libc::ptrace_syscall_info>::zeroed();
    let size = std::mem::size_of::<libc::ptrace_syscall_info>();
    // SAFETY: the kernel writes at most `size` bytes into `info`.
    let ret = unsafe { libc::ptrace(libc::PTRACE_GET_SYSCALL_INFO, tid, size, info.as_mut_ptr()) };
    check("GET_SYSCALL_INFO", tid, ret)?;
    // SAFETY: zero-initialised and partly filled by the kernel: every byte is initialised.
    let info = unsafe { info.assume_init() };
    Ok(match info.op {
        libc::PTRACE_SYSCALL_INFO_ENTRY => SyscallInfoOp::Entry,
        libc::PTRACE_SYSCALL_INFO_EXIT => SyscallInfoOp::Exit,
        libc::PTRACE_SYSCALL_INFO_SECCOMP => SyscallInfoOp::Seccomp,
        _ => SyscallInfoOp::Other,
    })
}

/// Sends `signal` to thread `tid` of process `tgid`.
pub fn tgkill(tgid: i32, tid: i32, signal: i32) -> Result<(), TraceeError> {
    // SAFETY: a plain syscall with integer arguments.
    let ret = unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, signal) };
    check("tgkill", tid, ret).map(|_| ())
}

/// The 512-byte FXSAVE area: x87 and SSE state.
pub fn get_fpregs(tid: i32) -> Result<Vec<u8>, TraceeError> {
    let mut raw = [0u8; 512];
    // SAFETY: PTRACE_GETFPREGS writes one 512-byte user_fpregs_struct to `raw`.
    let ret = unsafe { libc::ptrace(libc::PTRACE_GETFPREGS, tid, 0usize, raw.as_mut_ptr()) };
    check("GETFPREGS", tid, ret)?;
    Ok(raw.to_vec())
}

/// Offset of `u_debugreg` in the kernel's `struct user` (x86-64).
const DEBUGREG_OFFSET: usize = 848;

/// Reads debug register `index` (0-7) of `tid`.
pub fn get_debugreg(tid: i32, index: usize) -> Result<u64, TraceeError> {
    // SAFETY: PTRACE_PEEKUSER returns the word; errno distinguishes a -1 value from failure.
    let value = unsafe {
        *libc::__errno_location() = 0;
        libc::ptrace(
            libc::PTRACE_PEEKUSER,
            tid,
            DEBUGREG_OFFSET + 8 * index,
            0usize,
        )
    };
    // SAFETY: reading errno of this thread.
    if value == -1 && unsafe { *libc::__errno_location() } != 0 {
        return Err(TraceeError::Ptrace {
            op: "PEEKUSER",
            tid,
            source: std::io::Error::last_os_error(),
        });
    }
    Ok(value as u64)
}

/// Writes debug register `index` (0-7) of `tid`.
pub fn set_debugreg(tid: i32, index: usize, value: u64) -> Result<(), TraceeError> {
    // SAFETY: PTRACE_POKEUSER takes the offset and the value, no pointers.
    let ret = unsafe {
        libc::ptrace(
            libc::PTRACE_POKEUSER,
            tid,
            DEBUGREG_OFFSET + 8 * index,
            value as usize,
        )
    };
    check("POKEUSER", tid, ret).map(|_| ())
}
