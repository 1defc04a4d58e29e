//! Replay: re-run a recorded program tree under ptrace, one thread at a
//! time in the recorded order, emulating what the recording captured and
//! checking registers at every event (docs/architecture.md, "Recording and replay").

mod apply;
mod checkpointing;
mod control;
mod error;
mod images;
mod next_run;
mod point;
mod scratch;
mod snapshot;
mod threads;

use std::collections::{BTreeMap, HashMap};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use tracing::debug;

use crate::signals;
use crate::spawn::{self, SpawnSpec};
use crate::syscalls;
use crate::trace::{cpu, Event, EventKind, EventStream, OutputStream, Regs, TraceReader};
use crate::tracee::{self, RegDiff, Resume, Stop};
pub use error::{Divergence, ReplayError};
pub use next_run::{NextRun, RunEnd};
pub use scratch::ScratchContents;
pub use snapshot::ReplaySnapshot;
use threads::{RThread, Stash};

/// How far [`Replayer::next_event_of_thread`] looks: beyond any run of other
/// threads' events between two of one thread's (a slice is 20 ms of CPU).
const SAME_THREAD_LOOKAHEAD: usize = 1 << 20;

/// How a replay to the end went.
#[derive(Debug, Clone)]
pub struct ReplaySummary {
    /// How many events were replayed.
    pub events: u64,
    /// The recorded exit status; `None` for an incomplete recording.
    pub recorded_exit: Option<i32>,
    /// For an incomplete recording whose events file stops inside a frame:
    /// where (`None`: complete, or cut between frames).
    pub cut_tail: Option<crate::trace::CutTail>,
    /// The exit status the replayed program ended with, when seen.
    pub replayed_exit: Option<i32>,
    /// Output the recording could not hold, so replay did not re-emit it
    /// (nor check it): a replay with any is not an exact one.
    pub unrecorded_output: Vec<UnrecordedOutput>,
    /// How interruption points were found: in-process finders installed,
    /// and runs that stopped at every arrival instead.
    pub finders: crate::finder::FinderStats,
}

/// Output the program wrote that the trace does not hold: bytes the kernel
/// copied from a pipe or socket to stdout/stderr (splice, tee, sendfile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnrecordedOutput {
    /// Index of the syscall event that wrote it.
    pub event: u64,
    /// Where it went.
    pub stream: OutputStream,
    /// How many bytes it was.
    pub bytes: u64,
}

/// Human-readable name of an event kind, for messages.
pub fn describe(kind: &EventKind) -> String {
    match kind {
        EventKind::SyscallEntered { nr, .. } => format!("entry of syscall {}", syscalls::name(*nr)),
        EventKind::Syscall { nr, .. } => format!("syscall {}", syscalls::name(*nr)),
        EventKind::Signal { signo, .. } => format!("signal {}", signals::name(*signo)),
        EventKind::Rdtsc { aux: None, .. } => "rdtsc".into(),
        EventKind::Rdtsc { aux: Some(_), .. } => "rdtscp".into(),
        EventKind::Interrupt { .. } => "interruption in user code".into(),
        EventKind::MemoryCheck { nr, .. } => {
            format!(
                "memory check at the entry of syscall {}",
                syscalls::name(*nr)
            )
        }
    }
}

/// Where replayed output goes.
pub type OutputSink<'a> = dyn FnMut(OutputStream, &[u8]) + 'a;

/// A replay in progress, driven one event at a time.
pub struct Replayer {
    reader: TraceReader,
    stream: EventStream,
    /// The next event, when it was looked at before its turn.
    peeked: Option<Event>,
    /// Recorded tid -> replayed thread.
    threads: HashMap<i32, RThread>,
    stash: Stash,
    root_real: i32,
    replayed_exit: Option<i32>,
    /// Output replay met but could not re-emit, in event order.
    unrecorded_output: Vec<UnrecordedOutput>,
    /// How interruption points were found.
    finder_stats: crate::finder::FinderStats,
    /// Sites where a branch entered a finder's displaced instructions:
    /// not patched again.
    entered_sites: std::collections::HashSet<u64>,
    index: u64,
    trace_dir: PathBuf,
    /// Address of a `syscall` instruction in the live process (for
    /// injecting syscalls into it).
    last_syscall_insn: Option<u64>,
    /// Scratch copies of the files the recording maps shared.
    scratch: scratch::ScratchFiles,
}

impl Replayer {
    /// Opens a trace and starts its program, stopped right after its first
    /// exec with the recorded initial state restored.
    pub fn start(dir: &Path) -> Result<Replayer, ReplayError> {
        let reader = TraceReader::open(dir)?;
        cpu::compare_cpus(&reader.header().cpu, &cpu::current_cpu_info())?;
        let mut stream = reader.events()?;
        let first = stream.next_event()?.ok_or_else(|| ReplayError::BadTrace {
            index: 0,
            detail:
                "the recording holds no events (the recorder stopped before the program started)"
                    .into(),
        })?;
        let EventKind::Syscall {
            replay: crate::trace::SyscallReplay::Exec(image),
            ..
        } = &first.kind
        else {
            return Err(ReplayError::BadTrace {
                index: 0,
                detail: "the first event is not the program's exec".into(),
            });
        };
        let cpu_index = spawn::current_cpu();
        spawn::pin_current_thread(cpu_index);
        let header = reader.header();
        let exe = reader.file_path(&image.exe_file)?;
        let cwd = Path::new(&header.cwd).is_dir().then(|| header.cwd.clone());
        let devnull = std::fs::File::open("/dev/null").map_err(ReplayError::DevNull)?;
        let pid = spawn::spawn(&SpawnSpec {
            exe: exe.to_string_lossy().into_owned(),
            argv: header.argv.clone(),
            env: header.env.clone(),
            cwd,
            seccomp: false,
            cpu: cpu_index,
            // Every syscall of a replay is emulated; the replayed program's
            // own descriptors must never be the adapter's (DAP on stdio).
            stdio: Some([devnull.as_raw_fd(); 3]),
            signals: header.initial_signals,
            cgroup_procs: None,
        })?;
        let mut rep = Replayer {
            trace_dir: dir.to_path_buf(),
            reader,
            stream,
            peeked: None,
            threads: HashMap::new(),
            stash: Stash::default(),
            root_real: pid,
            replayed_exit: None,
            unrecorded_output: Vec::new(),
            finder_stats: Default::default(),
            entered_sites: Default::default(),
            index: 0,
            last_syscall_insn: None,
            scratch: scratch::ScratchFiles::default(),
        };
        rep.threads.insert(first.tid, RThread::new(pid, pid));
        tracee::resume(pid, Resume::Cont, 0)?;
        loop {
            let w = rep.wait_for(pid)?;
            match w {
                Stop::Event(libc::PTRACE_EVENT_EXEC) => tracee::resume(pid, Resume::Syscall, 0)?,
                Stop::Syscall => break,
                Stop::Exited(_) | Stop::Killed(_) => {
                    return Err(ReplayError::BadTrace {
                        index: 0,
                        detail: format!(
                            "the trace's copy of the executable ({}) did not start",
                            exe.display()
                        ),
                    })
                }
                _ => tracee::resume(pid, Resume::Cont, 0)?,
            }
        }
        rep.restore_exec_image(first.tid, image)?;
        rep.index = 1;
        Ok(rep)
    }

    /// The directory of the trace being replayed.
    pub fn trace_dir(&self) -> &Path {
        &self.trace_dir
    }

    /// Index of the next event to replay.
    pub fn event_index(&self) -> u64 {
        self.index
    }

    /// Replays the next event. Returns false at the end of the recording.
    pub fn step_event(&mut self, sink: &mut OutputSink) -> Result<bool, ReplayError> {
        let next = match self.peeked.take() {
            Some(e) => Some(e),
            None => self.stream.next_event()?,
        };
        let Some(event) = next else {
            return Ok(false);
        };
        tracing::trace!(index = self.index, tid = event.tid, what = %describe(&event.kind), "replaying event");
        self.apply_event(&event, sink)?;
        self.index += 1;
        Ok(true)
    }

    /// Replays to the end of the recording and lets the program finish.
    pub fn run_to_end(self, sink: &mut OutputSink) -> Result<ReplaySummary, ReplayError> {
        self.run_to_end_counting(sink, None)
    }

    /// [`Replayer::run_to_end`], keeping `replayed` equal to the number of
    /// events replayed so far (for progress shown from another thread).
    pub fn run_to_end_counting(
        mut self,
        sink: &mut OutputSink,
        replayed: Option<&std::sync::atomic::AtomicU64>,
    ) -> Result<ReplaySummary, ReplayError> {
        while self.step_event(sink)? {
            if let Some(count) = replayed {
                count.store(self.index, std::sync::atomic::Ordering::Relaxed);
            }
        }
        let recorded_exit = self.stream.end().map(|e| e.exit_code);
        if recorded_exit.is_some() {
            self.finish_threads()?;
        }
        self.kill_all();
        Ok(ReplaySummary {
            events: self.index,
            recorded_exit,
            cut_tail: self.stream.cut_tail().cloned(),
            replayed_exit: self.replayed_exit,
            unrecorded_output: std::mem::take(&mut self.unrecorded_output),
            finders: std::mem::take(&mut self.finder_stats),
        })
    }

    /// The event after the one being replayed.
    fn peek_event(&mut self) -> Result<Option<&Event>, ReplayError> {
        if self.peeked.is_none() {
            self.peeked = self.stream.next_event()?;
        }
        Ok(self.peeked.as_ref())
    }

    /// The next event of thread `tid` after the one being replayed, looked up
    /// without consuming anything: other threads' events recorded at their
    /// own stops may come between (a blocking syscall's exit is recorded when
    /// it happens, the signal that interrupted it when the thread runs again).
    /// Looks at most `SAME_THREAD_LOOKAHEAD` events ahead.
    fn next_event_of_thread(&mut self, tid: i32) -> Result<Option<Event>, ReplayError> {
        match self.peek_event()? {
            None => return Ok(None),
            Some(e) if e.tid == tid => return Ok(Some(e.clone())),
            Some(_) => {}
        }
        let mark = self.stream.mark();
        let mut found = None;
        for _ in 0..SAME_THREAD_LOOKAHEAD {
            match self.stream.next_event()? {
                Some(e) if e.tid == tid => {
                    found = Some(e);
                    break;
                }
                Some(_) => {}
                None => break,
            }
        }
        self.stream.seek(&mark)?;
        Ok(found)
    }

    fn divergence(
        &self,
        event: &Event,
        detail: impl Into<String>,
        regs: Vec<RegDiff>,
    ) -> ReplayError {
        ReplayError::Divergence(Box::new(Divergence {
            index: self.index,
            tid: event.tid,
            what: describe(&event.kind),
            detail: detail.into(),
            regs,
        }))
    }

    fn thread(&self, event: &Event) -> Result<&RThread, ReplayError> {
        self.threads
            .get(&event.tid)
            .ok_or_else(|| ReplayError::BadTrace {
                index: self.index,
                detail: format!(
                    "event for thread {} which does not exist at this point",
                    event.tid
                ),
            })
    }

    /// Waits for the next stop of `real`, keeping other threads' stops.
    fn wait_for(&mut self, real: i32) -> Result<Stop, ReplayError> {
        let stop = self.stash.wait_for(real)?;
        if real == self.root_real {
            if let Stop::Exited(c) = stop {
                self.replayed_exit = Some(c);
            } else if let Stop::Killed(s) = stop {
                self.replayed_exit = Some(128 + s);
            }
        }
        Ok(stop)
    }

    /// After the last event of a complete recording: let every thread carry
    /// out what is pending (a fatal signal, an exit) and collect the exit.
    fn finish_threads(&mut self) -> Result<(), ReplayError> {
        let tids: Vec<i32> = self.threads.keys().copied().collect();
        for rec in tids {
            let t = &self.threads[&rec];
            if t.gone {
                continue;
            }
            let (real, sig) = (t.real, t.pending_signal);
            if sig == 0 {
                continue;
            }
            tracee::resume(real, Resume::Cont, sig)?;
            loop {
                match self.wait_for(real)? {
                    Stop::Exited(_) | Stop::Killed(_) => break,
                    _ => tracee::resume(real, Resume::Cont, 0)?,
                }
            }
        }
        if self.replayed_exit.is_none() {
            // The root may have ended already, its status still queued.
            for stop in self.stash.take_all(self.root_real) {
                match stop {
                    Stop::Exited(c) => self.replayed_exit = Some(c),
                    Stop::Killed(s) => self.replayed_exit = Some(128 + s),
                    _ => {}
                }
            }
        }
        let root_dying = self
            .threads
            .values()
            .find(|t| t.real == self.root_real)
            .is_none_or(|t| t.gone);
        if self.replayed_exit.is_none() && root_dying {
            // Another thread's exit_group ended the root, which nobody waited
            // for: it stops at its exit event and reports its status only
            // when resumed, after the last of its threads is gone.
            loop {
                match self.wait_for(self.root_real)? {
                    Stop::Exited(_) | Stop::Killed(_) => break,
                    _ => tracee::resume(self.root_real, Resume::Cont, 0)?,
                }
            }
        }
        Ok(())
    }

    /// Kills every live process of the replay and reaps all their threads
    /// before returning. Left unreaped, their last statuses would be picked
    /// up by the next `waitpid(-1)` (of this replay's stash, or of another
    /// replay's in this process) and kept under pids the kernel then hands
    /// out again, to a new checkpoint or thread, whose first stop would then
    /// read as that old death.
    fn kill_all(&mut self) {
        let mut processes: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        for t in self.threads.values() {
            // A thread whose end the stash holds is reaped: its number is
            // no longer ours to signal or wait for.
            if !t.gone && !self.stash.has_ended(t.real) {
                processes.entry(t.real_tgid).or_default().push(t.real);
            }
        }
        for (tgid, mut tids) in processes {
            // The leader first (it is reported last), even when it is gone,
            // unless its end is queued too (then the whole process is).
            tids.retain(|&t| t != tgid);
            if !self.stash.has_ended(tgid) {
                tids.insert(0, tgid);
                crate::checkpoint::kill_and_reap(&tids);
            }
            for tid in &tids {
                // Statuses of these threads the stash collected meanwhile.
                self.stash.take_all(*tid);
            }
            self.stash.forget_mem(tgid);
        }
        self.threads.clear();
    }

    /// Compares registers at an event with the recorded ones.
    fn check_regs(&self, event: &Event, replayed: &Regs) -> Result<(), ReplayError> {
        let diffs = tracee::regs_diff(&event.regs, replayed);
        if diffs.is_empty() {
            Ok(())
        } else {
            debug!(?diffs, "register mismatch");
            Err(self.divergence(event, "registers differ", diffs))
        }
    }
}

impl Drop for Replayer {
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// Replays a whole trace, sending the program's output to `sink`.
pub fn replay_to_end(dir: &Path, sink: &mut OutputSink) -> Result<ReplaySummary, ReplayError> {
    Replayer::start(dir)?.run_to_end(sink)
}
