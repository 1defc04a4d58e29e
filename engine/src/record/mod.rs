//! Recording: run a program tree under ptrace and seccomp, one thread at a
//! time, and write every nondeterministic effect to a trace (docs/architecture.md,
//! "Threads" and "Recording and replay").

mod copied_output;
mod exec_image;
mod exit_check;
mod file_id;
mod hidden_modes;
mod in_flight;
mod patchable_point;
mod signals;
mod slice;
mod spliced_output;
mod syscall_exit;
mod threads;
mod tracked_files;
mod vanished;
mod write_order;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use thiserror::Error;
use tracing::{debug, trace};

use crate::spawn::{self, SpawnError, SpawnSpec};
use crate::syscalls::{self, Disposition, SyscallError};
use crate::trace::{
    cpu, Event, EventKind, Header, ProgressMode, RecordingEnd, Regs, TraceError, TraceWriter,
    FORMAT_VERSION,
};
use crate::tracee::{self, ProcMem, Resume, Stop, TraceeError, WaitAlarm, WaitResult};
use file_id::{output_id, FileId};
use threads::{Entry, TState, Thread};
pub use tracked_files::TrackedFileError;
use tracked_files::TrackedFiles;

/// Why a recording could not start or go on.
#[derive(Debug, Error)]
pub enum RecordError {
    /// The program could not be started under ptrace.
    #[error("cannot start the program: {0}")]
    Spawn(#[from] SpawnError),
    /// The program's executable could not be executed.
    #[error("cannot execute {path}: {source}")]
    ExecFailed {
        /// The executable.
        path: String,
        /// Why exec failed.
        source: std::io::Error,
    },
    /// A ptrace, wait or memory operation on the program failed.
    #[error(transparent)]
    Tracee(#[from] TraceeError),
    /// The trace could not be written.
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// The output of a syscall could not be described, so it cannot be recorded.
    #[error("recording stopped: {0}")]
    Syscall(#[from] SyscallError),
    /// How a syscall changed a file the program maps shared could not be recorded.
    #[error("recording stopped: {0}")]
    TrackedFile(#[from] TrackedFileError),
    /// The program made a syscall rewind cannot record.
    #[error("recording stopped: the program made syscall {name} (number {nr}), which rewind cannot record")]
    UnsupportedSyscall {
        /// The syscall's name.
        name: String,
        /// Its number.
        nr: u64,
    },
    /// The program mapped a file that is not a regular one (other than
    /// /dev/zero, which is anonymous memory).
    #[error(
        "recording stopped: the program mapped {path} ({kind}) with mmap; rewind records a \
         file mapping as a copy of the file, which this is not, so it cannot record this \
         program. Make it map a regular file or anonymous memory instead"
    )]
    UnrecordableMapping {
        /// The file mapped.
        path: String,
        /// What it is.
        kind: &'static str,
    },
    /// The recorder met a state it cannot handle (a bug, or /proc not answering).
    #[error("recording stopped: {0}")]
    Internal(String),
    /// [`RecordOptions::cancel`] was set.
    #[error("the recording was cancelled (the program was killed)")]
    Cancelled,
}

/// What to record.
pub struct RecordOptions {
    /// Path of the executable to run (resolved by the caller).
    pub exe: String,
    /// The program's arguments, `argv[0]` first.
    pub argv: Vec<String>,
    /// Its environment, as `KEY=VALUE` strings.
    pub env: Vec<String>,
    /// The directory it starts in.
    pub cwd: String,
    /// The directory the trace is written to (created; it must not exist or be empty).
    pub trace_dir: PathBuf,
    /// The program's stdin, stdout and stderr; `None`: the recorder's own.
    pub stdio: Option<[std::os::fd::RawFd; 3]>,
    /// The signal state the program starts with (usually
    /// [`spawn::inheritable_signals`]: what a shell would pass on).
    pub signals: crate::trace::InitialSignals,
    /// Set from another thread to kill the program and stop recording
    /// (checked at every stop and at least every time slice).
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// Kept equal to the number of events written so far, for a caller that
    /// shows progress from another thread.
    pub events_recorded: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

/// The result of a finished recording.
#[derive(Debug, Clone)]
pub struct RecordSummary {
    /// Exit status as a shell reports it (128+N for death by signal N).
    pub exit_code: i32,
    /// The signal that killed the program, when one did (an exit status of
    /// 128+N alone does not say: a program may also exit with it).
    pub killed_by: Option<i32>,
    /// How many events the trace holds.
    pub event_count: u64,
    /// Where the trace was written.
    pub trace_dir: PathBuf,
}

impl RecordSummary {
    /// How the program ended, said plainly: "the program exited with status
    /// 0", "the program was killed by SIGSEGV (segmentation fault)".
    pub fn ending(&self) -> String {
        match self.killed_by {
            Some(sig) => format!(
                "the program was killed by {} ({})",
                crate::signals::name(sig),
                crate::signals::description(sig)
            ),
            None => format!("the program exited with status {}", self.exit_code),
        }
    }
}

/// After this many consecutive events of one thread, another ready thread
/// gets its turn (fairness; switching only happens at events).
const TIME_SLICE_EVENTS: u32 = 64;

/// Buffered events are written out at least this often.
const FLUSH_INTERVAL: Duration = Duration::from_millis(250);

/// How often the recorder looks at the current thread (and flushes the trace).
const TICK: Duration = Duration::from_millis(5);

/// The error for a thread id the recorder has no state for: a bug of the recorder,
/// reported instead of a panic.
fn unknown_thread(tid: i32) -> RecordError {
    RecordError::Internal(format!("thread {tid} is not one the recorder knows"))
}

/// Records `opts.exe` into `opts.trace_dir`.
pub fn record(opts: &RecordOptions) -> Result<RecordSummary, RecordError> {
    let cpu_index = spawn::current_cpu();
    spawn::pin_current_thread(cpu_index);
    let header = Header {
        format_version: FORMAT_VERSION,
        cpu: cpu::current_cpu_info(),
        progress_mode: ProgressMode::Software,
        argv: opts.argv.clone(),
        env: opts.env.clone(),
        cwd: opts.cwd.clone(),
        executable: opts.exe.clone(),
        recorded_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        initial_signals: opts.signals,
    };
    let writer = TraceWriter::create(&opts.trace_dir, &header)?;
    // Every task of the program, traced or not, ends with the recording.
    let tree = crate::tree_guard::TreeGuard::new();
    let pid = spawn::spawn(&SpawnSpec {
        exe: opts.exe.clone(),
        argv: opts.argv.clone(),
        env: opts.env.clone(),
        cwd: Some(opts.cwd.clone()),
        seccomp: true,
        cpu: cpu_index,
        stdio: opts.stdio,
        signals: opts.signals,
        cgroup_procs: tree.as_ref().map(|t| t.procs().clone()),
    })?;
    let alarm = WaitAlarm::new()?;
    let mut rec = Recorder::new(writer, pid, opts.exe.clone(), alarm);
    rec.cancel = opts.cancel.clone();
    rec.events_recorded = opts.events_recorded.clone();
    let result = rec.run();
    if result.is_err() {
        rec.kill_all();
    }
    let exit_code = result?;
    let event_count = rec.writer.event_count();
    let trace_dir = rec.writer.dir().to_path_buf();
    rec.writer.finish(&RecordingEnd {
        exit_code,
        event_count,
    })?;
    drop(tree);
    Ok(RecordSummary {
        exit_code,
        killed_by: rec.root_killed_by,
        event_count,
        trace_dir,
    })
}

pub(crate) struct Recorder {
    pub(crate) writer: TraceWriter,
    threads: HashMap<i32, Thread>,
    /// Order in which ready threads get scheduled (round robin).
    run_order: Vec<i32>,
    mems: HashMap<i32, ProcMem>,
    root_pid: i32,
    root_exe: String,
    root_exit: Option<i32>,
    /// The signal that killed the first process, when one did.
    root_killed_by: Option<i32>,
    /// The one thread that may run user code now.
    current: Option<i32>,
    /// Events recorded for the current thread since it was scheduled.
    slice_events: u32,
    pub(crate) stdout_id: Option<FileId>,
    pub(crate) stderr_id: Option<FileId>,
    exec_seen: bool,
    /// A thread that made exit/exit_group: nothing else runs until it is
    /// gone, so that the kernel's last writes (the CLONE_CHILD_CLEARTID word)
    /// land at the same point in the event order as in replay.
    exiting: Option<i32>,
    /// Wakes the recorder while the current thread runs (every `TICK`).
    alarm: WaitAlarm,
    /// The current thread's CPU time at the first tick since it last stopped.
    slice_cpu_start: Option<u64>,
    /// Files with an output syscall in flight, and the thread making it.
    writes_in_flight: HashMap<FileId, i32>,
    /// Stops collected out of turn (`in_flight.rs`), handled before the next wait.
    held_stops: VecDeque<WaitResult>,
    /// Files the program maps shared, whose changes are recorded.
    tracked: TrackedFiles,
    last_flush: Instant,
    cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    events_recorded: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

impl Recorder {
    /// The state of thread `tid`, which the recorder is handling a stop or an event of.
    fn thread_mut(&mut self, tid: i32) -> Result<&mut Thread, RecordError> {
        self.threads
            .get_mut(&tid)
            .ok_or_else(|| unknown_thread(tid))
    }

    fn new(writer: TraceWriter, pid: i32, root_exe: String, alarm: WaitAlarm) -> Recorder {
        let mut threads = HashMap::new();
        let mut root = Thread::new(pid, pid);
        root.born = true;
        root.initial_stop_seen = true;
        root.state = TState::Running;
        threads.insert(pid, root);
        Recorder {
            writer,
            threads,
            run_order: vec![pid],
            mems: HashMap::new(),
            root_pid: pid,
            root_exe,
            root_exit: None,
            root_killed_by: None,
            current: Some(pid),
            slice_events: 0,
            stdout_id: output_id("/proc/self/fd/1"),
            stderr_id: output_id("/proc/self/fd/2"),
            exec_seen: false,
            exiting: None,
            alarm,
            slice_cpu_start: None,
            writes_in_flight: HashMap::new(),
            held_stops: VecDeque::new(),
            tracked: TrackedFiles::default(),
            last_flush: Instant::now(),
            cancel: None,
            events_recorded: None,
        }
    }

    fn kill_all(&mut self) {
        for tid in self.threads.keys() {
            // SAFETY: sending SIGKILL to our own tracees, then letting one that
            // is stopped (at its exit event, after a failed exec) go on dying;
            // PTRACE_CONT fails harmlessly on one that is not stopped.
            unsafe {
                libc::kill(*tid, libc::SIGKILL);
                libc::ptrace(libc::PTRACE_CONT, *tid, 0usize, 0usize);
            }
        }
        let _ = self.writer.flush();
    }

    pub(crate) fn mem(&mut self, tgid: i32) -> Result<&ProcMem, RecordError> {
        match self.mems.entry(tgid) {
            std::collections::hash_map::Entry::Occupied(e) => Ok(e.into_mut()),
            std::collections::hash_map::Entry::Vacant(v) => Ok(v.insert(ProcMem::open(tgid)?)),
        }
    }

    fn emit(&mut self, event: Event) -> Result<(), RecordError> {
        trace!(index = self.writer.event_count(), ?event.tid, kind = ?event.kind, "event");
        if let Some(request) = self
            .threads
            .get_mut(&event.tid)
            .and_then(|t| t.stop_request.as_mut())
        {
            request.after_event = true;
        }
        self.writer.append(&event)?;
        if let Some(count) = &self.events_recorded {
            count.store(
                self.writer.event_count(),
                std::sync::atomic::Ordering::Relaxed,
            );
        }
        if matches!(event.kind, EventKind::Syscall { .. }) {
            self.release_write(event.tid)?;
        }
        Ok(())
    }

    fn run(&mut self) -> Result<i32, RecordError> {
        tracee::resume(self.root_pid, Resume::Cont, 0)?;
        let mut cancelled = false;
        while !self.threads.is_empty() {
            if !cancelled
                && self
                    .cancel
                    .as_ref()
                    .is_some_and(|c| c.load(std::sync::atomic::Ordering::SeqCst))
            {
                // Killed tasks still report their exits: reap them below.
                cancelled = true;
                self.kill_all();
            }
            if self.current.is_none() && self.exiting.is_none() {
                let scheduled = self.schedule();
                self.unless_killed(scheduled)?;
            }
            // Always ticking: besides interrupting long runs, the ticks write
            // out buffered events while the program waits, so a recorder
            // killed then leaves them behind.
            self.alarm.arm(TICK);
            let stop = match self.held_stops.pop_front() {
                Some(w) => Some(w),
                None => tracee::wait_any_until_alarm(&self.alarm)?,
            };
            match stop {
                Some(w) => {
                    if Some(w.tid) == self.current {
                        self.slice_cpu_start = None;
                    }
                    let handled = self.handle(w);
                    self.unless_killed(handled)?;
                }
                None => {
                    let checked = self.check_slice();
                    self.unless_killed(checked)?;
                }
            }
            if self.last_flush.elapsed() >= FLUSH_INTERVAL {
                self.writer.flush()?;
                self.last_flush = Instant::now();
            }
        }
        self.alarm.disarm();
        if cancelled {
            return Err(RecordError::Cancelled);
        }
        self.root_exit
            .ok_or_else(|| RecordError::Internal("the program's exit status was never seen".into()))
    }

    /// Picks the next thread to run user code, round robin, and resumes it.
    fn schedule(&mut self) -> Result<(), RecordError> {
        let n = self.run_order.len();
        for _ in 0..n {
            let tid = self.run_order.remove(0);
            self.run_order.push(tid);
            let Some(t) = self.threads.get(&tid) else {
                continue;
            };
            if !t.born || !t.initial_stop_seen {
                continue;
            }
            match &t.state {
                TState::Ready { .. } | TState::SyscallRecorded | TState::VforkDone(_) => {}
                _ => continue,
            }
            self.current = Some(tid);
            self.slice_events = 0;
            if matches!(t.state, TState::SyscallRecorded | TState::VforkDone(_)) {
                let state = std::mem::replace(
                    &mut self.thread_mut(tid)?.state,
                    TState::Ready { signal: 0 },
                );
                if let TState::VforkDone(event) = state {
                    self.emit(*event)?;
                }
                self.after_syscall_event(tid)?;
                return Ok(());
            }
            self.resume_ready(tid)?;
            return Ok(());
        }
        Ok(())
    }

    /// Resumes a Ready thread into user code.
    fn resume_ready(&mut self, tid: i32) -> Result<(), RecordError> {
        let t = self.thread_mut(tid)?;
        let TState::Ready { signal } = t.state else {
            return Err(RecordError::Internal(format!(
                "thread {tid} resumed while not ready"
            )));
        };
        t.state = TState::Running;
        tracee::resume(tid, Resume::Cont, signal)?;
        Ok(())
    }

    /// Whether a thread other than `tid` could run if `tid` blocked.
    fn others_runnable(&self, tid: i32) -> bool {
        self.threads.values().any(|t| {
            t.tid != tid
                && t.born
                && matches!(
                    t.state,
                    TState::Ready { .. }
                        | TState::SyscallRecorded
                        | TState::VforkDone(_)
                        | TState::InSyscall { .. }
                        | TState::WaitingToWrite { .. }
                        | TState::Fresh
                )
        })
    }

    fn handle(&mut self, w: WaitResult) -> Result<(), RecordError> {
        let tid = w.tid;
        if !self.threads.contains_key(&tid) {
            return self.handle_unknown(w);
        }
        match w.stop {
            Stop::Exited(code) => self.thread_gone(tid, code),
            Stop::Killed(sig) => {
                if tid == self.root_pid {
                    self.root_killed_by = Some(sig);
                }
                self.thread_gone(tid, 128 + sig)
            }
            Stop::Event(libc::PTRACE_EVENT_SECCOMP) => self.syscall_entry(tid),
            Stop::Syscall => self.syscall_exit(tid),
            Stop::Event(
                e @ (libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE),
            ) => self.new_child(tid, e),
            Stop::Event(libc::PTRACE_EVENT_EXEC) => {
                let former = tracee::get_event_msg(tid)? as i32;
                let t = self.thread_mut(tid)?;
                t.exec_succeeded = true;
                if former != tid {
                    debug!(former, tid, "exec by a non-leader thread");
                }
                let tgid = t.tgid;
                self.mems.remove(&tgid);
                tracee::resume(tid, Resume::Syscall, 0)?;
                Ok(())
            }
            Stop::Event(libc::PTRACE_EVENT_EXIT) => {
                let t = self.thread_mut(tid)?;
                t.state = TState::Dying;
                if self.current == Some(tid) {
                    self.current = None;
                }
                tracee::resume(tid, Resume::Cont, 0)?;
                Ok(())
            }
            Stop::Event(other) => {
                debug!(tid, event = other, "ignoring ptrace event");
                tracee::resume(tid, Resume::Cont, 0)?;
                Ok(())
            }
            Stop::Signal(sig) => self.signal_stop(tid, sig),
        }
    }

    /// A stop from a thread we have not met: a new child whose initial
    /// SIGSTOP arrived before its parent's fork/clone event.
    fn handle_unknown(&mut self, w: WaitResult) -> Result<(), RecordError> {
        match w.stop {
            Stop::Signal(libc::SIGSTOP) => {
                let mut t = Thread::new(w.tid, w.tid);
                t.initial_stop_seen = true;
                self.threads.insert(w.tid, t);
                self.run_order.push(w.tid);
                Ok(())
            }
            Stop::Exited(_) | Stop::Killed(_) => Ok(()),
            other => {
                debug!(tid = w.tid, ?other, "stop of an unknown thread");
                tracee::resume(w.tid, Resume::Cont, 0)?;
                Ok(())
            }
        }
    }

    fn thread_gone(&mut self, tid: i32, code: i32) -> Result<(), RecordError> {
        self.release_write(tid)?;
        let t = self
            .threads
            .remove(&tid)
            .ok_or_else(|| unknown_thread(tid))?;
        self.run_order.retain(|&x| x != tid);
        if self.current == Some(tid) {
            self.current = None;
        }
        if tid == self.root_pid {
            self.root_exit = Some(code);
        }
        if self.exiting == Some(tid) {
            self.exiting = None;
        }
        if t.tid == t.tgid {
            self.mems.remove(&t.tgid);
        }
        debug!(tid, code, "thread gone");
        Ok(())
    }

    fn new_child(&mut self, parent: i32, event: i32) -> Result<(), RecordError> {
        let child = tracee::get_event_msg(parent)? as i32;
        let entry = match &self.threads[&parent].state {
            TState::InSyscall { entry, .. } => Some(entry.clone()),
            _ => None,
        };
        let (flags, entry_nr) = match entry {
            Some(entry) => (self.clone_flags(parent, &entry)?, entry.nr),
            None => (0, 0),
        };
        let tgid = if flags & libc::CLONE_THREAD as u64 != 0 {
            self.threads[&parent].tgid
        } else {
            child
        };
        let modes = self.threads[&parent].modes;
        let t = self
            .threads
            .entry(child)
            .or_insert_with(|| Thread::new(child, tgid));
        t.tgid = tgid;
        t.modes = modes;
        if !self.run_order.contains(&child) {
            self.run_order.push(child);
        }
        if event == libc::PTRACE_EVENT_VFORK {
            // The parent stays in the kernel until the child execs or exits:
            // let the child run now, and record where the parent waits.
            let regs = tracee::get_regs(parent)?;
            self.thread_mut(child)?.set_born();
            if let TState::InSyscall { blocking, .. } = &mut self.thread_mut(parent)?.state {
                *blocking = true;
            }
            self.emit(Event {
                tid: parent,
                regs,
                kind: EventKind::SyscallEntered {
                    nr: entry_nr,
                    vfork_child: Some(child),
                },
            })?;
            self.current = None;
        }
        tracee::resume(parent, Resume::Syscall, 0)?;
        Ok(())
    }

    /// Clone flags of a fork/vfork/clone/clone3 entry.
    pub(crate) fn clone_flags(&mut self, tid: i32, entry: &Entry) -> Result<u64, RecordError> {
        Ok(match entry.nr as i64 {
            libc::SYS_fork => libc::SIGCHLD as u64,
            libc::SYS_vfork => (libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD) as u64,
            libc::SYS_clone3 => {
                let tgid = self.threads[&tid].tgid;
                self.mem(tgid)?.read_u64(entry.args[0])?
            }
            _ => entry.args[0],
        })
    }

    fn syscall_entry(&mut self, tid: i32) -> Result<(), RecordError> {
        let regs = tracee::get_regs(tid)?;
        if self.consume_stop_request(tid, &regs)? {
            return Ok(());
        }
        let nr = regs.orig_rax();
        let entry = Entry {
            nr,
            args: regs.syscall_args(),
            regs,
        };
        let desc = syscalls::describe(nr);
        trace!(tid, name = desc.name, "syscall entry");
        if self.answer_hidden_mode(tid, &entry)? {
            self.thread_mut(tid)?.state = TState::InSyscall {
                entry: Box::new(entry),
                blocking: false,
            };
            tracee::resume(tid, Resume::Syscall, 0)?;
            return Ok(());
        }
        match desc.disposition {
            Disposition::Unsupported => {
                return Err(RecordError::UnsupportedSyscall {
                    name: desc.name.to_string(),
                    nr,
                })
            }
            Disposition::ForceEnosys => {
                let mut skipped = regs;
                skipped.0[Regs::ORIG_RAX] = u64::MAX;
                skipped.0[Regs::RAX] = (-libc::ENOSYS) as i64 as u64;
                tracee::set_regs(tid, &skipped)?;
            }
            _ => {}
        }
        self.copy_instead_of_splicing(tid, &entry)?;
        if nr as i64 == libc::SYS_exit || nr as i64 == libc::SYS_exit_group {
            return self.exit_entry(tid, entry);
        }
        let blocking =
            desc.may_block && desc.disposition != Disposition::Clone && self.others_runnable(tid);
        let file = if blocking {
            self.output_file(tid, &entry)
        } else {
            None
        };
        let must_wait = match file {
            Some(f) => self.must_wait_to_write(tid, f)?,
            None => false,
        };
        if blocking {
            self.emit(Event {
                tid,
                regs,
                kind: EventKind::SyscallEntered {
                    nr,
                    vfork_child: None,
                },
            })?;
            self.current = None;
        }
        if let (true, Some(file)) = (must_wait, file) {
            self.thread_mut(tid)?.state = TState::WaitingToWrite {
                entry: Box::new(entry),
                file,
            };
            return Ok(());
        }
        self.thread_mut(tid)?.state = TState::InSyscall {
            entry: Box::new(entry),
            blocking,
        };
        tracee::resume(tid, Resume::Syscall, 0)?;
        Ok(())
    }

    /// exit and exit_group never return: record them at entry.
    fn exit_entry(&mut self, tid: i32, entry: Entry) -> Result<(), RecordError> {
        let tgid = self.threads[&tid].tgid;
        let group = entry.nr as i64 == libc::SYS_exit_group;
        if group {
            self.check_memory_at_exit(tid, &entry)?;
            // A vfork of another thread that completed before this one is part
            // of the recording even though that thread never runs again.
            let done: Vec<i32> = self
                .threads
                .values()
                .filter(|t| {
                    t.tgid == tgid && t.tid != tid && matches!(t.state, TState::VforkDone(_))
                })
                .map(|t| t.tid)
                .collect();
            for other in done {
                self.thread_killed(other)?;
            }
        }
        self.emit(Event {
            tid,
            regs: entry.regs,
            kind: EventKind::Syscall {
                nr: entry.nr,
                args: entry.args,
                result: 0,
                writes: Vec::new(),
                replay: crate::trace::SyscallReplay::Execute,
                output: None,
            },
        })?;
        for t in self.threads.values_mut() {
            if t.tid == tid || (group && t.tgid == tgid) {
                t.state = TState::Dying;
            }
        }
        self.current = None;
        // A group leader leaving alone stays a zombie until its threads end.
        let lone_leader = !group
            && tid == tgid
            && self
                .threads
                .values()
                .any(|t| t.tgid == tgid && t.tid != tid);
        if !lone_leader {
            self.exiting = Some(tid);
        }
        tracee::resume(tid, Resume::Cont, 0)?;
        Ok(())
    }

    fn syscall_exit(&mut self, tid: i32) -> Result<(), RecordError> {
        let state = std::mem::replace(&mut self.thread_mut(tid)?.state, TState::Running);
        let TState::InSyscall { entry, blocking } = state else {
            return Err(RecordError::Internal(format!(
                "thread {tid} stopped at a syscall exit it never entered"
            )));
        };
        let mut exit_regs = tracee::get_regs(tid)?;
        self.restore_spliced_call(tid, &entry, &mut exit_regs)?;
        if syscalls::describe(entry.nr).disposition == Disposition::ForceEnosys {
            exit_regs.0[Regs::RAX] = (-libc::ENOSYS) as i64 as u64;
            tracee::set_regs(tid, &exit_regs)?;
        }
        if let Some(result) = self.thread_mut(tid)?.hidden_mode_result.take() {
            exit_regs.0[Regs::RAX] = result as u64;
            tracee::set_regs(tid, &exit_regs)?;
        }
        self.note_seccomp_mode(tid, &entry, exit_regs.rax() as i64);
        let event = self.complete_syscall(tid, &entry, &exit_regs)?;
        self.thread_mut(tid)?.last_stop_regs = Some(exit_regs);
        if blocking && self.clone_flags(tid, &entry)? & libc::CLONE_VFORK as u64 != 0 {
            self.thread_mut(tid)?.state = TState::VforkDone(Box::new(event));
            return Ok(());
        }
        self.emit(event)?;
        if blocking {
            self.thread_mut(tid)?.state = TState::SyscallRecorded;
            return Ok(());
        }
        self.thread_mut(tid)?.state = TState::Ready { signal: 0 };
        self.after_syscall_event(tid)
    }

    /// The thread `tid` (current) just had its syscall event recorded: deliver
    /// a deferred signal now, or give way to another thread, or go on.
    fn after_syscall_event(&mut self, tid: i32) -> Result<(), RecordError> {
        if !self.send_deferred_signal(tid)? {
            self.slice_events += 1;
            if self.slice_events >= TIME_SLICE_EVENTS && self.others_ready(tid) {
                self.current = None;
                return Ok(());
            }
        }
        self.resume_ready(tid)
    }

    fn others_ready(&self, tid: i32) -> bool {
        self.threads.values().any(|t| {
            t.tid != tid
                && t.born
                && t.initial_stop_seen
                && matches!(
                    t.state,
                    TState::Ready { .. } | TState::SyscallRecorded | TState::VforkDone(_)
                )
        })
    }
}
