//! waitpid and the decoding of wait statuses into tracee stops.

use super::TraceeError;

/// Why a tracee stopped or ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The thread exited with this status.
    Exited(i32),
    /// The thread was killed by this signal.
    Killed(i32),
    /// Syscall entry or exit stop (PTRACE_O_TRACESYSGOOD).
    Syscall,
    /// A PTRACE_EVENT_* stop.
    Event(i32),
    /// Signal-delivery-stop or group-stop with this signal.
    Signal(i32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitResult {
    pub tid: i32,
    pub stop: Stop,
}

fn decode(tid: i32, status: i32) -> WaitResult {
    let stop = if libc::WIFEXITED(status) {
        Stop::Exited(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        Stop::Killed(libc::WTERMSIG(status))
    } else {
        let sig = libc::WSTOPSIG(status);
        let event = status >> 16;
        if sig == libc::SIGTRAP | 0x80 {
            Stop::Syscall
        } else if event != 0 {
            Stop::Event(event)
        } else {
            Stop::Signal(sig)
        }
    };
    WaitResult { tid, stop }
}

fn wait(pid: i32) -> Result<WaitResult, TraceeError> {
    let mut status = 0;
    loop {
        // SAFETY: waitpid writes one int to `status`.
        let tid = unsafe { libc::waitpid(pid, &mut status, libc::__WALL) };
        if tid == -1 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(TraceeError::Wait(err));
        }
        return Ok(decode(tid, status));
    }
}

/// Waits for the next stop of any tracee.
pub fn wait_any() -> Result<WaitResult, TraceeError> {
    wait(-1)
}

/// Waits for the next stop of `tid`.
pub fn wait_tid(tid: i32) -> Result<WaitResult, TraceeError> {
    wait(tid)
}
