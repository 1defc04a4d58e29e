//! Checkpoints: `fork()`-based frozen copies of a stopped tracee (docs/architecture.md,
//! "Positions and checkpoints in software mode").
//!
//! A checkpoint is made by *injecting* a fork into the stopped process: one of
//! its threads is pointed at a `syscall` instruction with `rax = SYS_clone`
//! and resumed under `PTRACE_SYSCALL` for exactly that syscall, then put back
//! into the very stop it was in. The kernel's copy-on-write gives the copy the
//! process's memory at that instant for the price of its page tables. The copy
//! (the *frozen copy*) sits in a ptrace-stop forever and never runs user code:
//! it is only ever resumed to execute an injected `clone` at the `syscall`
//! instruction, so it survives any number of restores. Restoring forks the
//! frozen copy again (again by injection) and makes the new process look
//! exactly like the original did: registers, FPU/SSE/AVX state, signal masks,
//! threads (re-created with an injected thread `clone`), and the kind of
//! ptrace-stop each thread was in.
//!
//! # The stops a thread may be in
//!
//! Every thread handed to [`Checkpoint::create`] must be in one of these
//! ptrace-stops ([`StopKind`]); each restored thread is left in the same kind:
//!
//! - **SYSEMU syscall-entry stop** (`PTRACE_GET_SYSCALL_INFO` says entry): rip
//!   is after the `syscall` instruction and, as the thread was resumed with
//!   `PTRACE_SYSEMU`, the kernel skips the syscall. The restored thread is made
//!   to re-enter a syscall under `PTRACE_SYSEMU` (at `syscall_insn`, with the
//!   original `orig_rax` and arguments) and then gets the exact registers: it
//!   *is* in a SYSEMU entry stop, so resuming it with `PTRACE_SYSEMU` returns to
//!   user code with whatever rax the tracer set, and executing the syscall for
//!   real as the replayer does (rip -= 2, `PTRACE_SYSCALL`, which first reports
//!   the skipped syscall's exit) works too. An entry stop reached under
//!   `PTRACE_SYSCALL` (where the kernel would run the syscall on resume) cannot
//!   be told apart from outside and is treated as a SYSEMU one: not supported.
//! - **syscall-exit stop** of an executed syscall: restored threads are left at
//!   the exit stop of an injected syscall (`getpid`, or the last `clone`) with
//!   the original's registers.
//! - **signal-delivery-stop**: restored threads are left in a signal-delivery
//!   stop (for the injected thread a `SIGSTOP` sent by us) whose siginfo is set
//!   to the original's, so resuming with the original's signal delivers it with
//!   the same siginfo, and resuming with 0 suppresses it.
//!
//! Group-stops, `PTRACE_EVENT_*` stops and seccomp stops are refused
//! ([`CheckpointError::UnsupportedStop`]).
//!
//! `syscall_insn` must not carry a software breakpoint (its bytes are checked)
//! nor be watched by a hardware execution breakpoint of any thread: every
//! thread of the original runs that one instruction (`PR_GET_TID_ADDRESS`).
//!
//! # What is and is not copied
//!
//! Copied: all memory (copy-on-write), registers (general, including fs_base
//! and gs_base, and the whole XSAVE area where `PTRACE_GETREGSET` provides it,
//! else FXSAVE), per-thread signal masks (`PTRACE_GETSIGMASK`/`SETSIGMASK`
//! rather than /proc + injected `rt_sigprocmask`: no memory needs writing),
//! signal handlers, file descriptors, cwd, rlimits (all inherited by fork), and
//! each thread's `clear_child_tid` (`set_tid_address`, read with an injected
//! `prctl(PR_GET_TID_ADDRESS)`, needs CONFIG_CHECKPOINT_RESTORE; glibc's
//! `pthread_join` relies on it) re-established with `CLONE_CHILD_CLEARTID`.
//!
//! Not copied (fork does not copy them): pending signals (a restored process
//! starts with none), interval and POSIX timers, and for re-created threads
//! their rseq registration, sigaltstack and hardware debug registers (the
//! first thread, which is forked, keeps its rseq registration and sigaltstack).
//! Per-thread attributes set with prctl (PR_SET_TSC, ...) of re-created
//! threads are those of the first thread. File descriptors *share* their open
//! file descriptions (offsets) with the original, and `MAP_SHARED` mappings
//! stay shared between the original, the frozen copy and restored processes.
//! A thread stopped between an interrupted `sigsuspend`-like syscall and the
//! delivery of its signal loses its saved temporary mask. Thread ids differ
//! from the original's (the replayer maps them). The first thread given
//! becomes the thread-group leader of restored processes. If `create` fails
//! half-way, the original gets its registers and signal mask back but may be
//! left in another kind of stop.
//!
//! Forks use `CLONE_PARENT`: the frozen copy and every restored process are
//! children of the original's *parent* (the engine, for the root tracee), not
//! of the original. So the program never sees a SIGCHLD or a zombie from a
//! checkpoint, a restored process's `getppid()` equals the original's, and the
//! engine reaps frozen copies as both parent and tracer. While a thread is
//! being injected into, all its signals are blocked (`PTRACE_SETSIGMASK`), so
//! pending or arriving signals stay pending instead of being consumed; the
//! frozen copy inherits that full mask and keeps it forever.

mod account;
mod error;
mod sys;
mod trap_mask;

pub use error::CheckpointError;
pub use sys::set_fpregs;
pub(crate) use trap_mask::{block_sigtrap_again, sigtrap_blocked};
#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};
use tracing::{debug, warn};

use crate::trace::Regs;
use crate::tracee::{self, ProcMem, Resume, Stop, SyscallInfoOp, TraceeError};

/// Waits for the next stop of one thread; the replayer implements it over a stash of
/// stops that arrive for other threads (engine/src/replay/threads.rs `Stash::wait_for`).
pub trait StopWaiter {
    /// Waits until thread `tid` stops, and returns how.
    fn wait_for(&mut self, tid: i32) -> Result<Stop, TraceeError>;

    /// Says that `tid` names a task created just now (its number came from a
    /// fork or clone event): whatever the waiter kept for an earlier task
    /// with that number, which the kernel has since handed out again, is not
    /// about this one.
    fn born(&mut self, _tid: i32) {}
}

/// A `StopWaiter` that waits on the thread itself with waitpid (for callers
/// that do not keep stops of other threads, such as tests and tools).
#[derive(Clone, Copy, Debug, Default)]
pub struct DirectWaiter;

impl StopWaiter for DirectWaiter {
    fn wait_for(&mut self, tid: i32) -> Result<Stop, TraceeError> {
        Ok(tracee::wait_tid(tid)?.stop)
    }
}

/// The kind of ptrace-stop a thread was in (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopKind {
    /// A syscall-entry stop reached under `PTRACE_SYSEMU` (the syscall is skipped).
    SysemuEntry,
    /// The syscall-exit stop of an executed syscall.
    SyscallExit,
    /// A signal-delivery-stop, with the raw 128-byte siginfo of the signal.
    Signal {
        /// The signal's siginfo, as `PTRACE_GETSIGINFO` returns it.
        siginfo: Box<[u8; 128]>,
    },
}

impl StopKind {
    /// The signal of a signal-delivery-stop.
    pub fn signal(&self) -> Option<i32> {
        match self {
            StopKind::Signal { siginfo } => Some(siginfo_signo(siginfo)),
            _ => None,
        }
    }
}

/// What a checkpoint keeps of one thread.
#[derive(Clone, Debug)]
pub struct ThreadState {
    /// The original thread id at creation.
    pub tid: i32,
    /// The general registers.
    pub regs: Regs,
    /// The 512-byte FXSAVE area.
    pub fxsave: Vec<u8>,
    /// The whole XSAVE area, when the kernel provides it.
    pub xstate: Option<Vec<u8>>,
    /// Blocked signals (bit n-1 for signal n).
    pub sigmask: u64,
    /// The `set_tid_address` pointer (0: none or unknown).
    pub clear_child_tid: u64,
    /// The kind of ptrace-stop the thread was in, which a restored thread is left in.
    pub kind: StopKind,
}

/// A frozen copy of a process: a fork of it, stopped under ptrace, never run.
pub struct Checkpoint {
    /// The frozen copy (one thread: the fork of the first thread).
    pid: i32,
    /// The original's threads at creation, in the order given.
    threads: Vec<ThreadState>,
    syscall_insn: u64,
}

/// Memory use of a frozen copy (see [`Checkpoint::memory_usage`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryUsage {
    /// Resident pages mapped by the copy, shared or not (statm).
    pub rss_bytes: u64,
    /// Resident pages mapped by the copy alone (smaps_rollup Private_Clean +
    /// Private_Dirty): those that exist only because the checkpoint does.
    pub private_bytes: u64,
    /// The copy's proportional share of its resident pages (smaps_rollup
    /// Pss): a page mapped by n processes counts 1/n.
    pub pss_bytes: u64,
    /// The copy's page tables (status VmPTE).
    pub page_table_bytes: u64,
}

const CLONE_FORK: u64 = libc::CLONE_PARENT as u64 | libc::SIGCHLD as u64;
const CLONE_THREAD_FLAGS: u64 = (libc::CLONE_VM
    | libc::CLONE_FS
    | libc::CLONE_FILES
    | libc::CLONE_SIGHAND
    | libc::CLONE_THREAD
    | libc::CLONE_SYSVSEM) as u64;
const CLONE_CHILD_CLEARTID: u64 = libc::CLONE_CHILD_CLEARTID as u64;
const PR_GET_TID_ADDRESS: u64 = 40;
const ALL_SIGNALS: u64 = u64::MAX;
/// How long Drop waits for a killed frozen copy to be reaped.
const REAP_TIMEOUT: Duration = Duration::from_secs(2);

impl Checkpoint {
    /// Forks the stopped process whose threads are `threads` (the first is the one to inject
    /// into; all are stopped in a ptrace-stop where registers are readable) by injecting
    /// a fork (clone with CLONE_PARENT|SIGCHLD); `syscall_insn` is the address of a `syscall`
    /// instruction (0f 05) mapped executable in the process. The original process is left
    /// exactly as it was: registers, FPU state, signal masks, stop kinds, and memory (the only
    /// bytes written, 8 scratch bytes on each thread's stack for `PR_GET_TID_ADDRESS`, are
    /// restored). `threads` must be all the threads of the process.
    pub fn create(
        threads: &[i32],
        syscall_insn: u64,
        waiter: &mut dyn StopWaiter,
    ) -> Result<Checkpoint, CheckpointError> {
        let started = Instant::now();
        let first = *threads.first().ok_or(CheckpointError::NoThreads)?;
        let tgid = proc_tgid(first)?;
        check_thread_set(tgid, threads)?;
        let mem = ProcMem::open(tgid)?;
        if mem.read(syscall_insn, 2).ok().as_deref() != Some(&[0x0f, 0x05][..]) {
            return Err(CheckpointError::NoSyscallInsn {
                pid: tgid,
                addr: syscall_insn,
            });
        }
        let mut states = threads
            .iter()
            .map(|&tid| capture(tid))
            .collect::<Result<Vec<_>, _>>()?;
        let mut frozen = None;
        for (i, state) in states.iter_mut().enumerate() {
            let fork = i == 0;
            let done = with_signals_blocked(state, |state| {
                let ctid = query_tid_address(state, &mem, syscall_insn, waiter)?;
                state.clear_child_tid = ctid;
                let child = if fork {
                    let inj = inject(
                        state.tid,
                        &state.regs,
                        syscall_insn,
                        libc::SYS_clone,
                        [CLONE_FORK, 0, 0, 0, 0, 0],
                        waiter,
                        "fork",
                    )?;
                    let child = inj.child.ok_or(CheckpointError::NoChild {
                        tid: state.tid,
                        what: "fork",
                    })?;
                    expect_sigstop(child, waiter, "starting the frozen copy")?;
                    Some(child)
                } else {
                    None
                };
                settle(tgid, state, At::SyscallExit, syscall_insn, waiter)?;
                Ok(child)
            });
            match done {
                Ok(Some(child)) => frozen = Some(child),
                Ok(None) => {}
                Err(e) => {
                    if let Some(pid) = frozen {
                        kill_and_reap(&[pid]);
                    }
                    return Err(e);
                }
            }
        }
        let pid = frozen.ok_or(CheckpointError::NoChild {
            tid: first,
            what: "fork",
        })?;
        debug!(
            original = tgid,
            frozen = pid,
            threads = states.len(),
            elapsed_us = started.elapsed().as_micros() as u64,
            "checkpoint created"
        );
        Ok(Checkpoint {
            pid,
            threads: states,
            syscall_insn,
        })
    }

    /// Makes a live process from the checkpoint by forking the frozen copy again (the checkpoint
    /// itself is never run, so it survives any number of restores). Returns the new process's
    /// thread ids, in the same order as `threads` at creation, each stopped with the registers
    /// the original had at creation, in the same kind of stop. The new process belongs to the
    /// caller (a child of the original's parent, traced by us).
    pub fn restore(&self, waiter: &mut dyn StopWaiter) -> Result<Vec<i32>, CheckpointError> {
        let started = Instant::now();
        let main = &self.threads[0];
        let mut flags = CLONE_FORK;
        if main.clear_child_tid != 0 {
            flags |= CLONE_CHILD_CLEARTID;
        }
        let inj = inject(
            self.pid,
            &main.regs,
            self.syscall_insn,
            libc::SYS_clone,
            [flags, 0, 0, main.clear_child_tid, 0, 0],
            waiter,
            "fork of the frozen copy",
        )?;
        let pid = inj.child.ok_or(CheckpointError::NoChild {
            tid: self.pid,
            what: "fork of the frozen copy",
        })?;
        let mut tids = vec![pid];
        let built = expect_sigstop(pid, waiter, "starting a restored process")
            .and_then(|()| self.populate(&mut tids, waiter));
        match built {
            Ok(()) => {
                debug!(
                    frozen = self.pid,
                    restored = pid,
                    elapsed_us = started.elapsed().as_micros() as u64,
                    "checkpoint restored"
                );
                Ok(tids)
            }
            Err(e) => {
                kill_and_reap(&tids);
                Err(e)
            }
        }
    }

    /// Re-creates the other threads in the new process `tids[0]` (stopped in
    /// its first SIGSTOP), appending them to `tids`, and puts every thread
    /// into its saved state.
    fn populate(
        &self,
        tids: &mut Vec<i32>,
        waiter: &mut dyn StopWaiter,
    ) -> Result<(), CheckpointError> {
        let main = &self.threads[0];
        let pid = tids[0];
        let mut main_at = At::SignalStop;
        for state in &self.threads[1..] {
            let mut flags = CLONE_THREAD_FLAGS;
            if state.clear_child_tid != 0 {
                flags |= CLONE_CHILD_CLEARTID;
            }
            let inj = inject(
                pid,
                &main.regs,
                self.syscall_insn,
                libc::SYS_clone,
                [flags, 0, 0, state.clear_child_tid, 0, 0],
                waiter,
                "clone of a thread",
            )?;
            main_at = At::SyscallExit;
            let tid = inj.child.ok_or(CheckpointError::NoChild {
                tid: pid,
                what: "clone of a thread",
            })?;
            tids.push(tid);
            expect_sigstop(tid, waiter, "starting a re-created thread")?;
            load_fpu(tid, state)?;
            settle_as(pid, tid, state, At::SignalStop, self.syscall_insn, waiter)?;
            sys::set_sigmask(tid, state.sigmask)?;
        }
        load_fpu(pid, main)?;
        settle_as(pid, pid, main, main_at, self.syscall_insn, waiter)?;
        sys::set_sigmask(pid, main.sigmask)?;
        Ok(())
    }

    /// The frozen copy's pid.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The address of the `syscall` instruction used for injections.
    pub fn syscall_insn(&self) -> u64 {
        self.syscall_insn
    }

    /// The saved state of the original's threads, in the order given at creation.
    pub fn threads(&self) -> &[ThreadState] {
        &self.threads
    }

    /// Approximate memory held: the resident pages only the frozen copy maps
    /// (smaps_rollup `Private_Clean + Private_Dirty`: pages the original or a
    /// restored process has since written, so that the copy-on-write gave them
    /// their own copy, and pages they unmapped) plus the copy's page tables
    /// (`VmPTE`). Pages still shared with any process count nothing, also
    /// those shared only among several checkpoints (a page the original wrote
    /// after checkpoints A and B were taken is held by A and B together and
    /// private to neither): this is what dropping this one checkpoint frees
    /// for sure, a lower bound of its cost; [`MemoryUsage::pss_bytes`] gives
    /// the proportional view. Falls back to the copy's whole RSS when
    /// smaps_rollup is unreadable. It changes as the other processes run.
    pub fn memory_bytes(&self) -> u64 {
        match self.memory_usage() {
            Ok(u) => u.private_bytes + u.page_table_bytes,
            Err(e) => {
                warn!(pid = self.pid, error = %e, "cannot read a checkpoint's memory use");
                0
            }
        }
    }

    /// Memory held because of this checkpoint while the program lives on in
    /// process `live` (the original or a restored process): every resident
    /// page of the frozen copy that `live` does not map at the same address,
    /// divided by the number of mappings of the page, so that pages several
    /// checkpoints share are split among them and the sum over all
    /// checkpoints is what they hold together; plus the copy's page tables.
    /// Exact where [`Checkpoint::memory_bytes`] is a lower bound, but reads
    /// page frame numbers (/proc/PID/pagemap, /proc/kpagecount): needs
    /// CAP_SYS_ADMIN and costs a few milliseconds per 100 MB of the copy.
    pub fn memory_held(&self, live: i32) -> Result<u64, CheckpointError> {
        let pages = account::held_versus(self.pid, live)?;
        let status = read_proc(&format!("/proc/{}/status", self.pid))?;
        Ok(pages + kb_field(&status, "VmPTE:"))
    }

    /// The frozen copy's memory use in detail.
    pub fn memory_usage(&self) -> Result<MemoryUsage, CheckpointError> {
        let page = 4096u64;
        let statm = read_proc(&format!("/proc/{}/statm", self.pid))?;
        let rss_pages: u64 = statm
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let rss_bytes = rss_pages * page;
        let (private_bytes, pss_bytes) =
            match read_proc(&format!("/proc/{}/smaps_rollup", self.pid)) {
                Ok(text) => (
                    kb_field(&text, "Private_Clean:") + kb_field(&text, "Private_Dirty:"),
                    kb_field(&text, "Pss:"),
                ),
                Err(_) => (rss_bytes, rss_bytes),
            };
        let status = read_proc(&format!("/proc/{}/status", self.pid))?;
        Ok(MemoryUsage {
            rss_bytes,
            private_bytes,
            pss_bytes,
            page_table_bytes: kb_field(&status, "VmPTE:"),
        })
    }
}

impl Drop for Checkpoint {
    fn drop(&mut self) {
        kill_and_reap(&[self.pid]);
    }
}

/// Where a thread is before `settle` puts it into its saved kind of stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    /// A signal-delivery-stop (a new thread's first SIGSTOP).
    SignalStop,
    /// The exit stop of an injected syscall.
    SyscallExit,
}

fn siginfo_signo(info: &[u8; 128]) -> i32 {
    i32::from_le_bytes([info[0], info[1], info[2], info[3]])
}

fn siginfo_code(info: &[u8; 128]) -> i32 {
    i32::from_le_bytes([info[8], info[9], info[10], info[11]])
}

fn classify(tid: i32) -> Result<StopKind, CheckpointError> {
    let unsupported = |what| Err(CheckpointError::UnsupportedStop { tid, what });
    match tracee::get_syscall_info_op(tid)? {
        SyscallInfoOp::Entry => Ok(StopKind::SysemuEntry),
        SyscallInfoOp::Exit => Ok(StopKind::SyscallExit),
        SyscallInfoOp::Seccomp => unsupported("seccomp stop"),
        SyscallInfoOp::Other => match tracee::get_siginfo(tid)? {
            None => unsupported("group-stop"),
            Some(info) => {
                let info = Box::new(info);
                if siginfo_signo(&info) == libc::SIGTRAP && siginfo_code(&info) >> 8 != 0 {
                    unsupported("ptrace event stop")
                } else {
                    Ok(StopKind::Signal { siginfo: info })
                }
            }
        },
    }
}

fn capture(tid: i32) -> Result<ThreadState, CheckpointError> {
    let kind = classify(tid)?;
    let xstate = match sys::get_xstate(tid) {
        Ok(x) => Some(x),
        Err(e) => {
            debug!(tid, error = %e, "no XSAVE regset; keeping FXSAVE only");
            None
        }
    };
    Ok(ThreadState {
        tid,
        regs: tracee::get_regs(tid)?,
        fxsave: tracee::get_fpregs(tid)?,
        xstate,
        sigmask: sys::get_sigmask(tid)?,
        clear_child_tid: 0,
        kind,
    })
}

/// Runs `f` with every signal of `state.tid` blocked, then restores its mask
/// (and, on failure, its registers, as well as can be done).
fn with_signals_blocked<T>(
    state: &mut ThreadState,
    f: impl FnOnce(&mut ThreadState) -> Result<T, CheckpointError>,
) -> Result<T, CheckpointError> {
    sys::set_sigmask(state.tid, ALL_SIGNALS)?;
    let result = f(state);
    let unmasked = sys::set_sigmask(state.tid, state.sigmask);
    if result.is_err() {
        if let Err(e) = tracee::set_regs(state.tid, &state.regs) {
            warn!(tid = state.tid, error = %e, "cannot restore registers after a failed injection");
        }
    }
    let value = result?;
    unmasked?;
    Ok(value)
}

/// Runs syscall `nr` with `args` in thread `tid` (in a signal-delivery or
/// syscall-exit stop) at the `syscall` instruction at `syscall_insn`, with
/// every signal blocked meanwhile, then puts its registers and signal mask
/// back; the thread is left in the syscall's exit stop. Returns the result
/// (a failure is an error).
pub(crate) fn inject_syscall(
    tid: i32,
    syscall_insn: u64,
    nr: i64,
    args: [u64; 6],
    waiter: &mut dyn StopWaiter,
    what: &'static str,
) -> Result<i64, CheckpointError> {
    let regs = tracee::get_regs(tid)?;
    let sigmask = sys::get_sigmask(tid)?;
    sys::set_sigmask(tid, ALL_SIGNALS)?;
    let injected = inject(tid, &regs, syscall_insn, nr, args, waiter, what);
    let restored = tracee::set_regs(tid, &regs);
    let unmasked = sys::set_sigmask(tid, sigmask);
    let injected = injected?;
    restored?;
    unmasked?;
    Ok(injected.ret)
}

/// Reads `clear_child_tid` of a thread of the original with an injected
/// `prctl(PR_GET_TID_ADDRESS)` into 8 scratch bytes on its stack, restored
/// afterwards. Leaves the thread at the prctl's exit stop. 0 when unknown.
fn query_tid_address(
    state: &ThreadState,
    mem: &ProcMem,
    syscall_insn: u64,
    waiter: &mut dyn StopWaiter,
) -> Result<u64, CheckpointError> {
    let aligned = state.regs.rsp() & !7;
    let scratch = [aligned.wrapping_sub(8), aligned]
        .into_iter()
        .find_map(|addr| mem.read(addr, 8).ok().map(|saved| (addr, saved)));
    let Some((addr, saved)) = scratch else {
        warn!(
            tid = state.tid,
            "no readable stack for PR_GET_TID_ADDRESS; clear_child_tid unknown"
        );
        return Ok(0);
    };
    let inj = inject(
        state.tid,
        &state.regs,
        syscall_insn,
        libc::SYS_prctl,
        [PR_GET_TID_ADDRESS, addr, 0, 0, 0, 0],
        waiter,
        "prctl(PR_GET_TID_ADDRESS)",
    )?;
    let value = mem.read_u64(addr);
    mem.write(addr, &saved)?;
    if inj.ret != 0 {
        warn!(
            tid = state.tid,
            errno = -inj.ret,
            "PR_GET_TID_ADDRESS failed; clear_child_tid unknown"
        );
        return Ok(0);
    }
    Ok(value?)
}

/// The outcome of an injected syscall.
struct Injected {
    /// rax at the exit stop.
    ret: i64,
    /// The child a fork/clone reported through its ptrace event.
    child: Option<i32>,
}

/// Runs syscall `nr` with `args` in `tid` (in any ptrace-stop): rip at
/// `syscall_insn`, resumed under PTRACE_SYSCALL. Leaves the thread at the
/// syscall's exit stop with its registers clobbered; `base` provides the
/// registers that are not set (segment selectors, rsp, fs_base, ...).
fn inject(
    tid: i32,
    base: &Regs,
    syscall_insn: u64,
    nr: i64,
    args: [u64; 6],
    waiter: &mut dyn StopWaiter,
    what: &'static str,
) -> Result<Injected, CheckpointError> {
    let mut regs = *base;
    regs.0[Regs::RIP] = syscall_insn;
    regs.0[Regs::RAX] = nr as u64;
    // No syscall restart when leaving a signal-delivery-stop.
    regs.0[Regs::ORIG_RAX] = u64::MAX;
    regs.set_syscall_args(&args);
    tracee::set_regs(tid, &regs)?;
    tracee::resume(tid, Resume::Syscall, 0)?;
    let mut entered = false;
    let mut child = None;
    loop {
        match waiter.wait_for(tid)? {
            Stop::Syscall => match tracee::get_syscall_info_op(tid)? {
                SyscallInfoOp::Entry => {
                    entered = true;
                    tracee::resume(tid, Resume::Syscall, 0)?;
                }
                SyscallInfoOp::Exit if entered => {
                    let ret = tracee::get_regs(tid)?.rax() as i64;
                    if ret < 0 && ret > -4096 && nr != libc::SYS_prctl {
                        return Err(CheckpointError::SyscallFailed {
                            tid,
                            what,
                            errno: -ret,
                        });
                    }
                    return Ok(Injected { ret, child });
                }
                // The exit of a syscall skipped at a SYSEMU entry stop,
                // reported because the thread now runs under PTRACE_SYSCALL.
                _ => tracee::resume(tid, Resume::Syscall, 0)?,
            },
            Stop::Event(
                libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE,
            ) => {
                let new = tracee::get_event_msg(tid)? as i32;
                waiter.born(new);
                child = Some(new);
                tracee::resume(tid, Resume::Syscall, 0)?;
            }
            // Under the recorder's seccomp filter (SECCOMP_RET_TRACE) the
            // injected syscall also stops at the filter: let it through.
            Stop::Event(libc::PTRACE_EVENT_SECCOMP) => tracee::resume(tid, Resume::Syscall, 0)?,
            // A pause request stops the running thread with SIGSTOP; one
            // that lands while we work on the thread is dropped (the pause
            // itself is honoured by the movement, between stops).
            Stop::Signal(libc::SIGSTOP) => tracee::resume(tid, Resume::Syscall, 0)?,
            stop => {
                return Err(CheckpointError::UnexpectedStop {
                    tid,
                    stop,
                    doing: what,
                })
            }
        }
    }
}

/// Waits for a new process's or thread's first stop, its auto-attach SIGSTOP.
fn expect_sigstop(
    tid: i32,
    waiter: &mut dyn StopWaiter,
    doing: &'static str,
) -> Result<(), CheckpointError> {
    match waiter.wait_for(tid)? {
        Stop::Signal(libc::SIGSTOP) => Ok(()),
        stop => Err(CheckpointError::UnexpectedStop { tid, stop, doing }),
    }
}

fn load_fpu(tid: i32, state: &ThreadState) -> Result<(), CheckpointError> {
    if let Some(x) = &state.xstate {
        match sys::set_xstate(tid, x) {
            Ok(()) => return Ok(()),
            Err(e) => debug!(tid, error = %e, "SETREGSET(XSTATE) refused; writing FXSAVE"),
        }
    }
    sys::set_fpregs(tid, &state.fxsave)?;
    Ok(())
}

/// Puts the original thread back into its saved kind of stop.
fn settle(
    tgid: i32,
    state: &ThreadState,
    at: At,
    syscall_insn: u64,
    waiter: &mut dyn StopWaiter,
) -> Result<(), CheckpointError> {
    settle_as(tgid, state.tid, state, at, syscall_insn, waiter)
}

/// Puts `tid` of process `tgid`, now `at` a stop of ours, into the kind of
/// stop `state` was in, with exactly its registers.
fn settle_as(
    tgid: i32,
    tid: i32,
    state: &ThreadState,
    at: At,
    syscall_insn: u64,
    waiter: &mut dyn StopWaiter,
) -> Result<(), CheckpointError> {
    match &state.kind {
        StopKind::SysemuEntry => {
            let mut regs = state.regs;
            regs.0[Regs::RIP] = syscall_insn;
            regs.0[Regs::RAX] = state.regs.orig_rax();
            regs.0[Regs::ORIG_RAX] = u64::MAX;
            tracee::set_regs(tid, &regs)?;
            tracee::resume(tid, Resume::Sysemu, 0)?;
            let doing = "re-entering a syscall under SYSEMU";
            loop {
                match waiter.wait_for(tid)? {
                    Stop::Syscall if tracee::get_syscall_info_op(tid)? == SyscallInfoOp::Entry => {
                        break
                    }
                    // A stray pause signal (see `inject`).
                    Stop::Signal(libc::SIGSTOP) => tracee::resume(tid, Resume::Sysemu, 0)?,
                    stop => return Err(CheckpointError::UnexpectedStop { tid, stop, doing }),
                }
            }
        }
        StopKind::SyscallExit => {
            if at != At::SyscallExit {
                inject(
                    tid,
                    &state.regs,
                    syscall_insn,
                    libc::SYS_getpid,
                    [0; 6],
                    waiter,
                    "getpid",
                )?;
            }
        }
        StopKind::Signal { siginfo } => {
            if at != At::SignalStop {
                tracee::tgkill(tgid, tid, libc::SIGSTOP)?;
                tracee::resume(tid, Resume::Cont, 0)?;
                expect_sigstop(tid, waiter, "stopping for a signal-delivery-stop")?;
            }
            tracee::set_siginfo(tid, &siginfo[..])?;
        }
    }
    tracee::set_regs(tid, &state.regs)?;
    Ok(())
}

/// SIGKILLs a process of ours whose threads `tids` (the leader first) are
/// in ptrace-stops and reaps every one of them (a traced thread's exit is
/// reported to us one by one), waiting at most `REAP_TIMEOUT` in all.
/// Reaping here, not leaving it to a later `waitpid(-1)`, matters: a status
/// someone else's wait picks up is kept under a pid the kernel hands out again.
pub(crate) fn kill_and_reap(tids: &[i32]) {
    let Some(&pid) = tids.first() else {
        return;
    };
    if let Err(e) = sys::kill_process(pid) {
        debug!(pid, error = %e, "cannot kill a checkpoint process");
        return;
    }
    let deadline = Instant::now() + REAP_TIMEOUT;
    // Non-leaders first: the leader is reported last.
    for &tid in tids.iter().skip(1).chain(std::iter::once(&pid)) {
        loop {
            match sys::poll_tid(tid) {
                Ok(sys::Polled::Gone(_) | sys::Polled::NoChild) => break,
                Ok(sys::Polled::Stopped(_)) => {
                    // PTRACE_EVENT_EXIT or a stop that raced with the kill.
                    let _ = tracee::resume(tid, Resume::Cont, 0);
                }
                Ok(sys::Polled::Nothing) => std::thread::sleep(Duration::from_micros(50)),
                Err(e) => {
                    warn!(tid, error = %e, "cannot reap a checkpoint thread");
                    break;
                }
            }
            if Instant::now() > deadline {
                warn!(tid, "a killed checkpoint thread was not reaped in time");
                return;
            }
        }
    }
}

fn read_proc(path: &str) -> Result<String, CheckpointError> {
    std::fs::read_to_string(path).map_err(|source| CheckpointError::Proc {
        path: path.to_string(),
        source,
    })
}

/// The value of a `Name:   123 kB` line, in bytes (0 when absent).
fn kb_field(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn proc_tgid(tid: i32) -> Result<i32, CheckpointError> {
    let path = format!("/proc/{tid}/status");
    let status = read_proc(&path)?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Tgid:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| CheckpointError::Proc {
            path,
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "no Tgid line"),
        })
}

/// Checks that `threads` are exactly the threads of `tgid`, each once.
fn check_thread_set(tgid: i32, threads: &[i32]) -> Result<(), CheckpointError> {
    let path = format!("/proc/{tgid}/task");
    let entries = std::fs::read_dir(&path).map_err(|source| CheckpointError::Proc {
        path: path.clone(),
        source,
    })?;
    let mut actual: Vec<i32> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    actual.sort_unstable();
    let mut given = threads.to_vec();
    given.sort_unstable();
    if given != actual {
        return Err(CheckpointError::ThreadSet {
            tgid,
            given: threads.to_vec(),
            actual,
        });
    }
    Ok(())
}
