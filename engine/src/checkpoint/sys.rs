//! The few raw requests checkpoints need that `crate::tracee` does not wrap:
//! writing the FPU state, reading and writing the full XSAVE area and a
//! thread's signal mask through ptrace, sending SIGKILL, and a non-blocking
//! waitpid. Each `unsafe` block is one call with a `SAFETY:` note.

use crate::tracee::TraceeError;

/// `NT_X86_XSTATE`: the regset holding the whole XSAVE area.
const NT_X86_XSTATE: libc::c_int = 0x202;
/// Room for any XSAVE area the kernel may report (AMX makes it ~11 KiB).
const XSTATE_MAX: usize = 16 * 1024;
/// Size of the kernel's `sigset_t` on x86-64.
const KERNEL_SIGSET: usize = 8;

fn check(op: &'static str, tid: i32, ret: libc::c_long) -> Result<(), TraceeError> {
    crate::tracee::check_ptrace(op, tid, ret).map(|_| ())
}

/// Writes the 512-byte FXSAVE area (the counterpart of `tracee::get_fpregs`).
pub fn set_fpregs(tid: i32, fxsave: &[u8]) -> Result<(), TraceeError> {
    let mut raw = [0u8; 512];
    let n = fxsave.len().min(raw.len());
    raw[..n].copy_from_slice(&fxsave[..n]);
    // SAFETY: PTRACE_SETFPREGS reads one 512-byte user_fpregs_struct from `raw`.
    let ret = unsafe { libc::ptrace(libc::PTRACE_SETFPREGS, tid, 0usize, raw.as_ptr()) };
    check("SETFPREGS", tid, ret)
}

/// The whole XSAVE area (x87, SSE, AVX, AVX-512, ... as the CPU has them).
pub fn get_xstate(tid: i32) -> Result<Vec<u8>, TraceeError> {
    let mut buf = vec![0u8; XSTATE_MAX];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: PTRACE_GETREGSET writes at most `iov_len` bytes to `iov_base`
    // (which points into `buf`) and stores the length it wrote in `iov_len`.
    let ret = unsafe {
        libc::ptrace(
            libc::PTRACE_GETREGSET,
            tid,
            NT_X86_XSTATE as usize,
            &mut iov as *mut libc::iovec,
        )
    };
    check("GETREGSET(NT_X86_XSTATE)", tid, ret)?;
    buf.truncate(iov.iov_len.min(XSTATE_MAX));
    Ok(buf)
}

/// Writes an XSAVE area read by `get_xstate`.
pub fn set_xstate(tid: i32, xstate: &[u8]) -> Result<(), TraceeError> {
    let mut buf = xstate.to_vec();
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: PTRACE_SETREGSET reads `iov_len` bytes from `iov_base`, which
    // points into `buf`, alive across the call.
    let ret = unsafe {
        libc::ptrace(
            libc::PTRACE_SETREGSET,
            tid,
            NT_X86_XSTATE as usize,
            &mut iov as *mut libc::iovec,
        )
    };
    check("SETREGSET(NT_X86_XSTATE)", tid, ret)
}

/// The thread's blocked-signal mask (bit n-1 for signal n).
pub fn get_sigmask(tid: i32) -> Result<u64, TraceeError> {
    let mut mask: u64 = 0;
    // SAFETY: PTRACE_GETSIGMASK writes `KERNEL_SIGSET` (8) bytes to `mask`.
    let ret = unsafe {
        libc::ptrace(
            libc::PTRACE_GETSIGMASK,
            tid,
            KERNEL_SIGSET,
            &mut mask as *mut u64,
        )
    };
    check("GETSIGMASK", tid, ret)?;
    Ok(mask)
}

/// Sets the thread's blocked-signal mask (SIGKILL and SIGSTOP stay unblocked).
pub fn set_sigmask(tid: i32, mask: u64) -> Result<(), TraceeError> {
    // SAFETY: PTRACE_SETSIGMASK reads `KERNEL_SIGSET` (8) bytes from `mask`.
    let ret = unsafe {
        libc::ptrace(
            libc::PTRACE_SETSIGMASK,
            tid,
            KERNEL_SIGSET,
            &mask as *const u64,
        )
    };
    check("SETSIGMASK", tid, ret)
}

/// Sends SIGKILL to process `pid`.
pub fn kill_process(pid: i32) -> std::io::Result<()> {
    // SAFETY: a plain syscall with integer arguments.
    if unsafe { libc::kill(pid, libc::SIGKILL) } == -1 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// What a non-blocking wait for one thread found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Polled {
    /// Nothing to report yet.
    Nothing,
    /// The thread stopped (the raw wait status).
    Stopped(i32),
    /// The thread is gone (exited or killed) and reaped (the raw wait status).
    Gone(i32),
    /// There is nothing left to wait for (ECHILD): reaped by someone else.
    NoChild,
}

/// waitpid(`tid`, WNOHANG | __WALL).
pub fn poll_tid(tid: i32) -> std::io::Result<Polled> {
    let mut status = 0;
    loop {
        // SAFETY: waitpid writes one int to `status`.
        let got = unsafe { libc::waitpid(tid, &mut status, libc::WNOHANG | libc::__WALL) };
        if got == -1 {
            let err = std::io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::ECHILD) => return Ok(Polled::NoChild),
                _ => return Err(err),
            }
        }
        if got == 0 {
            return Ok(Polled::Nothing);
        }
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            return Ok(Polled::Gone(status));
        }
        return Ok(Polled::Stopped(status));
    }
}
