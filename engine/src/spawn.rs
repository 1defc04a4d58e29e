//! Starting a program under ptrace: fork, PTRACE_TRACEME, SIGSTOP handshake,
//! then in the child the settings both recording and replay need before exec.

use std::ffi::CString;
use thiserror::Error;

use crate::trace::InitialSignals;
use crate::tracee::{self, Stop, TraceeError};

/// Why a program could not be started under ptrace.
#[derive(Debug, Error)]
pub enum SpawnError {
    /// A string to pass to exec holds a NUL byte, which C strings cannot.
    #[error("a program path, argument or environment entry contains a NUL byte")]
    NulByte,
    /// fork() failed.
    #[error("fork failed: {0}")]
    Fork(std::io::Error),
    /// The child did not stop with the SIGSTOP it sends itself after `PTRACE_TRACEME`.
    #[error("the new tracee {pid} did not stop as expected (got {stop:?})")]
    Handshake {
        /// The child.
        pid: i32,
        /// How it stopped instead.
        stop: Stop,
    },
    /// A ptrace or wait operation on the child failed.
    #[error(transparent)]
    Tracee(#[from] TraceeError),
}

/// What to run and how.
pub struct SpawnSpec {
    /// Path of the executable.
    pub exe: String,
    /// The program's arguments, `argv[0]` first.
    pub argv: Vec<String>,
    /// Its environment, as `KEY=VALUE` strings.
    pub env: Vec<String>,
    /// The directory it starts in; `None`: ours.
    pub cwd: Option<String>,
    /// Install the all-syscalls-trace seccomp filter (recording).
    pub seccomp: bool,
    /// CPU the tracee is pinned to.
    pub cpu: usize,
    /// Descriptors to become the program's stdin, stdout and stderr (the
    /// caller keeps them open until the spawn returns); `None`: inherit ours.
    pub stdio: Option<[std::os::fd::RawFd; 3]>,
    /// The signal mask and ignored signals the program starts with, set
    /// explicitly in the child so they never depend on the tracer's own.
    pub signals: InitialSignals,
    /// A `cgroup.procs` the child joins before anything else (the
    /// recording's [`TreeGuard`](crate::tree_guard::TreeGuard)).
    pub cgroup_procs: Option<CString>,
}

/// The kernel's `struct sigaction` for `rt_sigaction` (x86-64 layout).
#[repr(C)]
#[derive(Default)]
struct KernelSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

/// Signals the kernel lets a disposition be set for (not SIGKILL/SIGSTOP).
fn settable_signals() -> impl Iterator<Item = i32> {
    (1..=64).filter(|&s| s != libc::SIGKILL && s != libc::SIGSTOP)
}

/// The signal state a program started by the calling thread would inherit:
/// this thread's mask and the process's ignored signals, except SIGPIPE,
/// which Rust's runtime ignores for itself and gives back to child
/// programs as default (as `std::process::Command` does).
pub fn inheritable_signals() -> InitialSignals {
    let mut blocked = 0u64;
    // SAFETY: rt_sigprocmask with a null new set only writes 8 bytes to `blocked`.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_BLOCK,
            std::ptr::null::<u64>(),
            &mut blocked as *mut u64,
            8usize,
        );
    }
    let mut ignored = 0u64;
    for sig in settable_signals().filter(|&s| s != libc::SIGPIPE) {
        let mut old = KernelSigaction::default();
        // SAFETY: a null new action only reads the disposition into `old`.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_rt_sigaction,
                sig,
                std::ptr::null::<KernelSigaction>(),
                &mut old as *mut KernelSigaction,
                8usize,
            )
        };
        if rc == 0 && old.handler == libc::SIG_IGN {
            ignored |= 1 << (sig - 1);
        }
    }
    InitialSignals { blocked, ignored }
}

/// In the forked child: makes `signals` the state exec passes on.
///
/// # Safety
/// Only raw syscalls on plain data: safe to call between fork and exec.
unsafe fn apply_signals(signals: &InitialSignals) {
    for sig in settable_signals() {
        let action = KernelSigaction {
            handler: if signals.ignored & (1 << (sig - 1)) != 0 {
                libc::SIG_IGN
            } else {
                libc::SIG_DFL
            },
            ..KernelSigaction::default()
        };
        // SAFETY: rt_sigaction reads the kernel sigaction `action`, which lives until
        // the call returns; the old action is not asked for (NULL).
        unsafe {
            libc::syscall(
                libc::SYS_rt_sigaction,
                sig,
                &action as *const KernelSigaction,
                std::ptr::null_mut::<KernelSigaction>(),
                8usize,
            )
        };
    }
    // SAFETY: rt_sigprocmask reads the 8-byte mask `signals.blocked`, borrowed for the
    // call; the old mask is not asked for (NULL).
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &signals.blocked as *const u64,
            std::ptr::null_mut::<u64>(),
            8usize,
        )
    };
}

const PTRACE_OPTIONS: libc::c_int = libc::PTRACE_O_TRACESYSGOOD
    | libc::PTRACE_O_TRACEFORK
    | libc::PTRACE_O_TRACEVFORK
    | libc::PTRACE_O_TRACECLONE
    | libc::PTRACE_O_TRACEEXEC
    | libc::PTRACE_O_TRACEEXIT
    | libc::PTRACE_O_TRACESECCOMP
    | libc::PTRACE_O_EXITKILL;

fn cstrings(items: &[String]) -> Result<Vec<CString>, SpawnError> {
    items
        .iter()
        .map(|s| CString::new(s.as_bytes()).map_err(|_| SpawnError::NulByte))
        .collect()
}

/// Pins the calling thread to `cpu`: a ptrace stop costs ~7.5 µs when tracer
/// and tracee share a CPU and ~45 µs when they do not.
pub fn pin_current_thread(cpu: usize) {
    // SAFETY: cpu_set_t is plain data; CPU_SET and sched_setaffinity only touch it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

/// The CPU the calling thread runs on now; tracer and tracees are pinned to it.
pub fn current_cpu() -> usize {
    // SAFETY: sched_getcpu takes no arguments.
    let cpu = unsafe { libc::sched_getcpu() };
    cpu.max(0) as usize
}

/// Forks a tracee that stops before exec; returns its pid with ptrace options
/// set. Resuming it runs the child's setup and then execve.
pub fn spawn(spec: &SpawnSpec) -> Result<i32, SpawnError> {
    let exe = CString::new(spec.exe.as_bytes()).map_err(|_| SpawnError::NulByte)?;
    let argv = cstrings(&spec.argv)?;
    let env = cstrings(&spec.env)?;
    let cwd = match &spec.cwd {
        Some(c) => Some(CString::new(c.as_bytes()).map_err(|_| SpawnError::NulByte)?),
        None => None,
    };
    let mut argv_ptrs: Vec<*const libc::c_char> = argv.iter().map(|s| s.as_ptr()).collect();
    argv_ptrs.push(std::ptr::null());
    let mut env_ptrs: Vec<*const libc::c_char> = env.iter().map(|s| s.as_ptr()).collect();
    env_ptrs.push(std::ptr::null());
    // One BPF instruction: every syscall stops in the tracer.
    let filter = [libc::sock_filter {
        code: (libc::BPF_RET | libc::BPF_K) as u16,
        jt: 0,
        jf: 0,
        k: libc::SECCOMP_RET_TRACE,
    }];
    let prog = libc::sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: cpu_set_t is plain data.
    let mut cpus: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: CPU_SET writes inside `cpus`.
    unsafe { libc::CPU_SET(spec.cpu, &mut cpus) };

    // SAFETY: the child only makes async-signal-safe raw syscalls on data
    // prepared above, then execs or _exits; it never returns into Rust code.
    let pid = unsafe { libc::fork() };
    if pid == -1 {
        return Err(SpawnError::Fork(std::io::Error::last_os_error()));
    }
    if pid == 0 {
        // SAFETY: see above; every call here is a raw syscall wrapper.
        unsafe {
            if let Some(procs) = &spec.cgroup_procs {
                let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd >= 0 {
                    libc::write(fd, b"0".as_ptr().cast(), 1);
                    libc::close(fd);
                }
            }
            libc::ptrace(libc::PTRACE_TRACEME, 0, 0usize, 0usize);
            libc::kill(libc::getpid(), libc::SIGSTOP);
            apply_signals(&spec.signals);
            let persona = libc::personality(0xffff_ffff);
            libc::personality(
                (persona as libc::c_ulong) | libc::ADDR_NO_RANDOMIZE as libc::c_ulong,
            );
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &cpus);
            libc::prctl(libc::PR_SET_TSC, libc::PR_TSC_SIGSEGV, 0, 0, 0);
            if let Some(cwd) = &cwd {
                libc::chdir(cwd.as_ptr());
            }
            if let Some(fds) = spec.stdio {
                for (target, fd) in fds.into_iter().enumerate() {
                    if fd != target as libc::c_int {
                        libc::dup2(fd, target as libc::c_int);
                    }
                }
            }
            if spec.seccomp {
                libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &prog as *const libc::sock_fprog,
                );
            }
            libc::execve(exe.as_ptr(), argv_ptrs.as_ptr(), env_ptrs.as_ptr());
            libc::_exit(127);
        }
    }
    let first = tracee::wait_tid(pid)?;
    if first.stop != Stop::Signal(libc::SIGSTOP) {
        return Err(SpawnError::Handshake {
            pid,
            stop: first.stop,
        });
    }
    tracee::set_options(pid, PTRACE_OPTIONS)?;
    Ok(pid)
}
