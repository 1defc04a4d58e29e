//! waitpid and the decoding of wait statuses into tracee stops.

use super::error::TraceeError;

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

/// A stop that waitpid reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitResult {
    /// The thread that stopped or ended.
    pub tid: i32,
    /// How.
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

/// `__WNOTHREAD`: only this thread's tracees, so that several tracers (test
/// threads, sessions) can live in one process without taking each other's stops.
fn wait(pid: i32) -> Result<WaitResult, TraceeError> {
    let mut status = 0;
    loop {
        // SAFETY: waitpid writes one int to `status`.
        let tid = unsafe { libc::waitpid(pid, &mut status, libc::__WALL | libc::__WNOTHREAD) };
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

/// Waits for the next stop of any tracee, or until `alarm` fires (`None`).
///
/// The alarm's signal stays blocked in the recorder's thread except during
/// this waitpid, so it can interrupt nothing else the recorder does (reading
/// /proc, copying files, writing the trace): only this wait sees EINTR.
pub fn wait_any_until_alarm(alarm: &WaitAlarm) -> Result<Option<WaitResult>, TraceeError> {
    if alarm.take_pending() {
        return Ok(None);
    }
    let mut status = 0;
    alarm.unblock();
    // SAFETY: waitpid writes one int to `status`.
    let tid = unsafe { libc::waitpid(-1, &mut status, libc::__WALL | libc::__WNOTHREAD) };
    let err = std::io::Error::last_os_error();
    alarm.block();
    if tid == -1 {
        if err.raw_os_error() == Some(libc::EINTR) {
            return Ok(None);
        }
        return Err(TraceeError::Wait(err));
    }
    Ok(Some(decode(tid, status)))
}

/// A periodic timer that interrupts the calling thread's waitpid, so that
/// the recorder can act on a tracee that runs too long without a stop.
/// The signal is a real-time one with an empty handler, sent to this thread
/// only, and blocked in it outside `wait_any_until_alarm`.
pub struct WaitAlarm {
    timer: libc::timer_t,
    armed: bool,
    /// The set holding only the alarm's signal.
    set: libc::sigset_t,
}

extern "C" fn ignore_signal(_: libc::c_int) {}

/// The set holding only the alarm's signal.
fn alarm_set() -> libc::sigset_t {
    // SAFETY: sigset_t is plain data; sigemptyset/sigaddset only write it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, WaitAlarm::signal());
        set
    }
}

impl WaitAlarm {
    fn signal() -> libc::c_int {
        libc::SIGRTMAX() - 1
    }

    /// Sets up the alarm for this thread, disarmed, with its signal blocked.
    pub fn new() -> Result<WaitAlarm, TraceeError> {
        let sig = Self::signal();
        // SAFETY: installs a handler that does nothing, without SA_RESTART so
        // that a blocked waitpid returns EINTR; the sigaction struct is zeroed
        // plain data.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = ignore_signal as *const () as usize;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(sig, &action, std::ptr::null_mut()) == -1 {
                return Err(TraceeError::Wait(std::io::Error::last_os_error()));
            }
        }
        // SAFETY: sigevent is plain data; timer_create writes the timer id.
        let timer = unsafe {
            let mut event: libc::sigevent = std::mem::zeroed();
            event.sigev_notify = libc::SIGEV_THREAD_ID;
            event.sigev_signo = sig;
            event.sigev_notify_thread_id = libc::gettid();
            let mut timer: libc::timer_t = std::ptr::null_mut();
            if libc::timer_create(libc::CLOCK_MONOTONIC, &mut event, &mut timer) == -1 {
                return Err(TraceeError::Wait(std::io::Error::last_os_error()));
            }
            timer
        };
        let alarm = WaitAlarm {
            timer,
            armed: false,
            set: alarm_set(),
        };
        alarm.block();
        Ok(alarm)
    }

    fn block(&self) {
        // SAFETY: changes this thread's signal mask; `set` is a valid sigset.
        unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &self.set, std::ptr::null_mut()) };
    }

    fn unblock(&self) {
        // SAFETY: as in `block`.
        unsafe { libc::pthread_sigmask(libc::SIG_UNBLOCK, &self.set, std::ptr::null_mut()) };
    }

    /// Consumes a tick that fired while the signal was blocked.
    fn take_pending(&self) -> bool {
        let zero = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: sigtimedwait with a zero timeout only dequeues a pending
        // signal of `set`; no siginfo is asked for.
        unsafe { libc::sigtimedwait(&self.set, std::ptr::null_mut(), &zero) == Self::signal() }
    }

    /// Fires every `period` until disarmed (periodic, so that a tick lost
    /// just before waitpid blocks is followed by another).
    pub fn arm(&mut self, period: std::time::Duration) {
        if self.armed {
            return;
        }
        self.set(period);
        self.armed = true;
    }

    /// Stops the ticks.
    pub fn disarm(&mut self) {
        if self.armed {
            self.set(std::time::Duration::ZERO);
            self.armed = false;
        }
    }

    fn set(&self, period: std::time::Duration) {
        let ts = libc::timespec {
            tv_sec: period.as_secs() as libc::time_t,
            tv_nsec: period.subsec_nanos() as libc::c_long,
        };
        let spec = libc::itimerspec {
            it_interval: ts,
            it_value: ts,
        };
        // SAFETY: `spec` is a valid itimerspec and the timer exists until drop.
        unsafe { libc::timer_settime(self.timer, 0, &spec, std::ptr::null_mut()) };
    }
}

impl Drop for WaitAlarm {
    fn drop(&mut self) {
        // SAFETY: the timer was created by timer_create and is deleted once.
        unsafe { libc::timer_delete(self.timer) };
        // A tick still queued would otherwise interrupt a later syscall.
        while self.take_pending() {}
        self.unblock();
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

/// The stop `tid` has to report now, if any (waitpid with `WNOHANG`).
pub fn poll_tid(tid: i32) -> Result<Option<WaitResult>, TraceeError> {
    let mut status = 0;
    loop {
        // SAFETY: waitpid writes one int to `status`.
        let got = unsafe {
            libc::waitpid(
                tid,
                &mut status,
                libc::WNOHANG | libc::__WALL | libc::__WNOTHREAD,
            )
        };
        match got {
            -1 => {
                let err = std::io::Error::last_os_error();
                if err.raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                return Err(TraceeError::Wait(err));
            }
            0 => return Ok(None),
            tid => return Ok(Some(decode(tid, status))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The recorder's own syscalls (here a raw blocking pipe read, which does
    /// not retry EINTR, standing for its /proc reads and file copies) are
    /// never interrupted by the alarm: its ticks are held until the wait.
    #[test]
    fn alarm_ticks_never_interrupt_other_syscalls() {
        let mut alarm = WaitAlarm::new().unwrap();
        alarm.arm(Duration::from_micros(200));
        let mut fds = [0; 2];
        // SAFETY: pipe writes two descriptors into `fds`.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let writer = std::thread::spawn(move || {
            // Keeps the read blocked across ~100 ticks of the alarm.
            std::thread::sleep(Duration::from_millis(20));
            // SAFETY: writes one byte from a valid buffer to the pipe.
            unsafe { libc::write(fds[1], b"x".as_ptr().cast(), 1) }
        });
        let mut byte = 0u8;
        // SAFETY: reads at most one byte into `byte`.
        let n = unsafe { libc::read(fds[0], (&mut byte as *mut u8).cast(), 1) };
        let err = std::io::Error::last_os_error();
        assert_eq!(writer.join().unwrap(), 1);
        assert_eq!(n, 1, "the read was interrupted: {err}");
        assert!(
            alarm.take_pending(),
            "the held tick is still there for the wait"
        );
        alarm.disarm();
        // SAFETY: closes the two descriptors opened above.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
    }
}
