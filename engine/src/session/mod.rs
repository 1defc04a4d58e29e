//! A replay you can move through in both directions (docs/architecture.md, "Positions
//! and checkpoints in software mode"):
//! breakpoints, watchpoints, stepping, and reverse execution, all landing on
//! exact positions.
//!
//! Without a hardware counter a position is an event boundary plus a path of
//! breadcrumbs (`Position`); going backwards re-runs deterministically from
//! an earlier boundary and finds the target on the way.

mod checkpointing;
mod forward;
mod position;
mod reverse;
mod snapshots;
mod traps;
mod walk;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use thiserror::Error;

pub use position::{Position, Segment, WatchKind, WatchSpec};
pub use snapshots::{CheckpointBudget, CheckpointStats};

use crate::finder::Condition;
use crate::replay::{NextRun, ReplayError, Replayer};
use crate::trace::{Event, EventKind, OutputStream, Regs};
use crate::tracee::{self, TraceeError};

/// The x86 debug-register watchpoints a thread can have.
pub const MAX_WATCHPOINTS: usize = 4;

/// Why a session could not open, move or answer.
#[derive(Debug, Error)]
pub enum SessionError {
    /// The replay underneath failed.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// A ptrace, wait or memory operation on the replayed program failed.
    #[error(transparent)]
    Tracee(#[from] TraceeError),
    /// Every debug register already holds a watchpoint.
    #[error("all {max} hardware watchpoints are in use; remove one first")]
    TooManyWatchpoints {
        /// How many watchpoints there can be ([`MAX_WATCHPOINTS`]).
        max: usize,
    },
    /// A watchpoint the debug registers cannot hold.
    #[error(
        "a watchpoint covers 1, 2, 4 or 8 bytes aligned to its size, not {len} bytes at {addr:#x}"
    )]
    BadWatchpoint {
        /// The first byte asked for.
        addr: u64,
        /// The length asked for.
        len: u8,
    },
    /// The thread asked about is not alive at the current position.
    #[error("no live thread {tid} at this point of the recording")]
    NoThread {
        /// Its recorded id.
        tid: i32,
    },
    /// A position the recording does not lead to.
    #[error("position {position} cannot be reached: {detail}")]
    BadPosition {
        /// The position, as text.
        position: String,
        /// Why it cannot be reached.
        detail: String,
    },
    /// A pause request stopped the movement (the session stands at a valid
    /// position); public movements turn it into a `Paused` stop.
    #[error("paused")]
    Paused,
}

/// Why a movement stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// At the start of the recording.
    Start,
    /// At the end of the recording; the recorded exit status when complete.
    End {
        /// The recorded exit status, when the recording is complete.
        exit_code: Option<i32>,
    },
    /// A single step finished.
    Step,
    /// A breakpoint was reached.
    Breakpoint {
        /// Its address.
        addr: u64,
    },
    /// A watched location changed (or was accessed); `syscall` names the
    /// emulated syscall that wrote it, when it was one.
    Watchpoint {
        /// The watchpoint.
        watch: WatchSpec,
        /// The number of the emulated syscall that wrote it, when one did.
        syscall: Option<u64>,
    },
    /// A signal is being delivered to the thread.
    Signal {
        /// The signal number.
        signo: i32,
    },
    /// Arrived at the requested event or position.
    Arrived,
    /// Stopped on request.
    Paused,
    /// A file was mapped or a program executed (only with
    /// [`Session::set_stop_at_loads`]): code that breakpoints may name is
    /// now in memory.
    Loaded,
}

/// Where a movement stopped and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stop {
    /// Why the movement stopped.
    pub reason: StopReason,
    /// Recorded tid of the thread the stop is about.
    pub tid: i32,
    /// Where the session stands now.
    pub position: Position,
}

/// A thread of the replayed program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadInfo {
    /// Thread id as recorded.
    pub tid: i32,
    /// Process id as recorded.
    pub process: i32,
    /// Thread id in this replay (replayed ids differ from recorded ones).
    pub replayed_tid: i32,
}

/// Asks a running movement to stop, from any thread: within the current
/// trap when the run is trap-heavy, and by stopping the running thread with
/// SIGSTOP when it runs freely.
#[derive(Clone, Debug, Default)]
pub struct PauseHandle(Arc<PauseShared>);

#[derive(Debug, Default)]
struct PauseShared {
    requested: AtomicBool,
    /// (tgid, tid) in this replay of the thread running freely; 0 for none.
    running_tgid: AtomicI32,
    running_tid: AtomicI32,
}

impl PauseHandle {
    /// Asks the movement in progress to stop. A request no movement has honoured yet
    /// stays until [`Session::clear_pause`].
    pub fn request(&self) {
        self.0.requested.store(true, Ordering::SeqCst);
        let tid = self.0.running_tid.load(Ordering::SeqCst);
        let tgid = self.0.running_tgid.load(Ordering::SeqCst);
        if tid != 0 {
            // A stray stop is told apart (and passed over) by the walker.
            let _ = tracee::tgkill(tgid, tid, libc::SIGSTOP);
        }
    }
    fn requested(&self) -> bool {
        self.0.requested.load(Ordering::SeqCst)
    }
    fn take(&self) -> bool {
        self.0.requested.swap(false, Ordering::SeqCst)
    }
    fn running(&self, tgid: i32, tid: i32) {
        self.0.running_tgid.store(tgid, Ordering::SeqCst);
        self.0.running_tid.store(tid, Ordering::SeqCst);
    }
}

/// A replay session over one recording.
pub struct Session {
    trace_dir: PathBuf,
    replayer: Replayer,
    position: Position,
    /// Recorded tid of the thread that executed last.
    current_tid: i32,
    root_tid: i32,
    /// The event at which the (normalized) start of the recording stands.
    start_event: u64,
    /// Whether the interval's thread has been resumed since its boundary.
    interval_started: bool,
    breakpoints: BTreeMap<u64, u64>,
    /// Conditions of breakpoints (`set_breakpoint_condition`).
    conditions: HashMap<u64, Condition>,
    watchpoints: Vec<WatchSpec>,
    /// Whether `cont` stops after file mappings and execs.
    stop_at_loads: bool,
    pause: PauseHandle,
    /// Output the program wrote, for events past the furthest point reached.
    output: Vec<(OutputStream, Vec<u8>)>,
    furthest_event: u64,
    total_events: Option<u64>,
    /// How the recorded program ended; `None` for an incomplete recording.
    recorded_exit: Option<i32>,
    snapshots: snapshots::Snapshots,
}

/// An event the session replayed while moving.
pub(crate) struct Applied {
    pub event: Event,
}

impl Session {
    /// Opens a recording, stopped at the start (right after the exec).
    pub fn open(dir: &Path) -> Result<Session, SessionError> {
        Session::open_with(dir, CheckpointBudget::default())
    }

    /// Like `open`, with a checkpoint budget (`max_snapshots: 0` and
    /// `max_anchors: 0` turn checkpoints off: every backwards move then
    /// re-runs from the start).
    pub fn open_with(dir: &Path, budget: CheckpointBudget) -> Result<Session, SessionError> {
        let disabled = budget.max_snapshots == 0 && budget.max_anchors == 0;
        let replayer = Replayer::start(dir)?;
        let (total_events, recorded_exit) = read_through(dir);
        let root_tid = replayer.live_threads().first().map(|t| t.0).unwrap_or(0);
        let mut s = Session {
            trace_dir: dir.to_path_buf(),
            replayer,
            position: Position::boundary(1),
            current_tid: root_tid,
            root_tid,
            start_event: 1,
            interval_started: false,
            breakpoints: BTreeMap::new(),
            conditions: HashMap::new(),
            watchpoints: Vec::new(),
            stop_at_loads: false,
            pause: PauseHandle::default(),
            output: Vec::new(),
            furthest_event: 0,
            total_events,
            recorded_exit,
            snapshots: snapshots::Snapshots::new(budget),
        };
        s.snapshots.disabled = disabled;
        s.normalize()?;
        s.start_event = s.position.event;
        Ok(s)
    }

    /// Where the session stands.
    pub fn position(&self) -> &Position {
        &self.position
    }

    /// Events replayed so far.
    pub fn event_index(&self) -> u64 {
        self.position.event
    }

    /// Events in the recording (None when it cannot be read to its end).
    pub fn total_events(&self) -> Option<u64> {
        self.total_events
    }

    /// The recorded exit status (as a shell reports it: 128+N for death by
    /// signal N), known from the start; `None` when the recording stops
    /// before the program ended.
    pub fn recorded_exit(&self) -> Option<i32> {
        self.recorded_exit
    }

    /// The thread that executed last (the one a debugger shows).
    pub fn current_tid(&self) -> i32 {
        self.current_tid
    }

    /// How often in-process finders replaced a ptrace stop per arrival, and
    /// why they could not.
    pub fn finder_stats(&self) -> &crate::finder::FinderStats {
        self.replayer.finder_stats()
    }

    /// Live threads, with the (recorded) process each belongs to.
    pub fn threads(&self) -> Vec<ThreadInfo> {
        let live = self.replayer.live_threads();
        live.iter()
            .map(|&(tid, real, tgid)| ThreadInfo {
                tid,
                // A process's id is the recorded id of its leader thread.
                process: live.iter().find(|t| t.1 == tgid).map_or(tid, |t| t.0),
                replayed_tid: real,
            })
            .collect()
    }

    /// Recorded ids of the live processes.
    pub fn processes(&self) -> Vec<i32> {
        let mut p: Vec<i32> = self.threads().into_iter().map(|t| t.process).collect();
        p.sort_unstable();
        p.dedup();
        p
    }

    fn real_thread(&self, tid: i32) -> Result<(i32, i32), SessionError> {
        self.replayer
            .live_threads()
            .into_iter()
            .find(|t| t.0 == tid)
            .map(|t| (t.1, t.2))
            .ok_or(SessionError::NoThread { tid })
    }

    /// The general registers of thread `tid` (a recorded id) here.
    pub fn regs(&self, tid: i32) -> Result<Regs, SessionError> {
        let (real, _) = self.real_thread(tid)?;
        Ok(tracee::get_regs(real)?)
    }

    /// Sets the general registers of thread `tid` (a recorded id) in the replayed
    /// process.
    pub fn set_regs(&mut self, tid: i32, regs: &Regs) -> Result<(), SessionError> {
        let (real, _) = self.real_thread(tid)?;
        Ok(tracee::set_regs(real, regs)?)
    }

    /// The 512-byte FXSAVE area (x87, SSE, MXCSR).
    pub fn fpregs(&self, tid: i32) -> Result<Vec<u8>, SessionError> {
        let (real, _) = self.real_thread(tid)?;
        Ok(tracee::get_fpregs(real)?)
    }

    /// Writes the 512-byte FXSAVE area (x87, SSE, MXCSR).
    pub fn set_fpregs(&mut self, tid: i32, fxsave: &[u8]) -> Result<(), SessionError> {
        let (real, _) = self.real_thread(tid)?;
        Ok(crate::checkpoint::set_fpregs(real, fxsave)?)
    }

    /// `len` bytes at `addr` in the memory of thread `tid`'s process.
    pub fn read_memory(
        &mut self,
        tid: i32,
        addr: u64,
        len: usize,
    ) -> Result<Vec<u8>, SessionError> {
        let (_, tgid) = self.real_thread(tid)?;
        Ok(self.replayer.memory(tgid)?.read(addr, len)?)
    }

    /// Writes `bytes` at `addr` in the memory of thread `tid`'s process.
    pub fn write_memory(&mut self, tid: i32, addr: u64, bytes: &[u8]) -> Result<(), SessionError> {
        let (_, tgid) = self.real_thread(tid)?;
        Ok(self.replayer.memory(tgid)?.write(addr, bytes)?)
    }

    /// A digest of the writable memory of the thread's process.
    pub fn memory_digest(&mut self, tid: i32) -> Result<u32, SessionError> {
        let (real, tgid) = self.real_thread(tid)?;
        self.process_digest(real, tgid)
    }

    /// Digest of the writable memory of `tgid`, live from `real`'s stack pointer.
    fn process_digest(&mut self, real: i32, tgid: i32) -> Result<u32, SessionError> {
        let rsp = tracee::get_regs(real)?.rsp();
        let mem = self.replayer.memory(tgid)?;
        crate::digest::writable_memory_digest(tgid, mem, rsp).map_err(|e| {
            SessionError::Tracee(TraceeError::Memory {
                pid: tgid,
                addr: 0,
                len: 0,
                source: e,
            })
        })
    }

    /// Makes movements stop when a thread is about to execute the instruction at `addr`.
    pub fn add_breakpoint(&mut self, addr: u64) {
        self.breakpoints.entry(addr).or_insert(0);
    }

    /// Removes the breakpoint at `addr`, if there is one, and its condition.
    pub fn remove_breakpoint(&mut self, addr: u64) {
        self.breakpoints.remove(&addr);
        self.conditions.remove(&addr);
    }

    /// Makes the breakpoint at `addr` stop movements only where `condition`
    /// holds (`None`: always). Tested in the process by an in-process finder
    /// where a movement can use one, else at each arrival.
    pub fn set_breakpoint_condition(&mut self, addr: u64, condition: Option<Condition>) {
        match condition {
            Some(c) if self.breakpoints.contains_key(&addr) => {
                self.conditions.insert(addr, c);
            }
            _ => {
                self.conditions.remove(&addr);
            }
        }
    }

    /// How many times movements stopped at the breakpoint.
    pub fn breakpoint_hits(&self, addr: u64) -> Option<u64> {
        self.breakpoints.get(&addr).copied()
    }

    /// Makes movements stop when the watched bytes are accessed as `watch` says.
    /// At most [`MAX_WATCHPOINTS`], each 1, 2, 4 or 8 bytes aligned to its size.
    pub fn add_watchpoint(&mut self, watch: WatchSpec) -> Result<(), SessionError> {
        if ![1, 2, 4, 8].contains(&watch.len) || !watch.addr.is_multiple_of(watch.len as u64) {
            return Err(SessionError::BadWatchpoint {
                addr: watch.addr,
                len: watch.len,
            });
        }
        if self.watchpoints.contains(&watch) {
            return Ok(());
        }
        if self.watchpoints.len() >= MAX_WATCHPOINTS {
            return Err(SessionError::TooManyWatchpoints {
                max: MAX_WATCHPOINTS,
            });
        }
        self.watchpoints.push(watch);
        Ok(())
    }

    /// Whether any watchpoint is set.
    pub fn has_watchpoints(&self) -> bool {
        !self.watchpoints.is_empty()
    }

    /// Removes a watchpoint, if it is set.
    pub fn remove_watchpoint(&mut self, watch: &WatchSpec) {
        self.watchpoints.retain(|w| w != watch);
    }

    /// Makes `cont` also stop (reason [`StopReason::Loaded`]) right after a
    /// file is mapped or a program executed, e.g. for a debugger to place
    /// breakpoints in a library that just appeared.
    pub fn set_stop_at_loads(&mut self, stop: bool) {
        self.stop_at_loads = stop;
    }

    /// Forgets a pause request that no movement has honoured (one that
    /// arrived as a movement was ending must not stop the next one).
    pub fn clear_pause(&mut self) {
        self.pause.take();
    }

    /// A handle another thread can ask the movement in progress to stop with.
    pub fn pause_handle(&self) -> PauseHandle {
        self.pause.clone()
    }

    /// Output the program wrote to stdout/stderr since the last call, for
    /// parts of the recording replayed for the first time.
    pub fn take_output(&mut self) -> Vec<(OutputStream, Vec<u8>)> {
        std::mem::take(&mut self.output)
    }

    fn stop(&self, reason: StopReason, tid: i32) -> Stop {
        Stop {
            reason,
            tid,
            position: self.position.clone(),
        }
    }

    /// Every movement ends here: the stop is remembered as a snapshot, so
    /// that going back to it or near it later is cheap.
    fn settle(&mut self, stop: Result<Stop, SessionError>) -> Result<Stop, SessionError> {
        let stop = match stop {
            Err(SessionError::Paused) => {
                self.pause.take();
                self.stop(StopReason::Paused, self.current_tid)
            }
            other => other?,
        };
        self.remember_here()?;
        Ok(stop)
    }

    /// Hash of a thread's registers (flags bits that vary between runs
    /// masked) and extended state: names a paused point.
    fn state_hash(real: i32) -> Result<u64, SessionError> {
        let mut regs = tracee::get_regs(real)?;
        regs.0[Regs::EFLAGS] &= !((1 << 8) | (1 << 16));
        regs.0[Regs::R11] &= !((1 << 8) | (1 << 16));
        let mut h = crc32fast::Hasher::new();
        for v in regs.0 {
            h.update(&v.to_le_bytes());
        }
        let mut g = crc32fast::Hasher::new();
        g.update(&tracee::get_fpregs(real)?);
        Ok(((h.finalize() as u64) << 32) | g.finalize() as u64)
    }

    /// Replays the next event (the interval's thread, if any ran, is
    /// already at its stop) and returns it.
    fn apply_next(&mut self) -> Result<Option<Applied>, SessionError> {
        let ran = matches!(self.replayer.next_run()?, NextRun::UserCode { .. });
        let Some(event) = self.replayer.next_event()? else {
            return Ok(None);
        };
        let index = self.replayer.event_index();
        let emit = index >= self.furthest_event;
        let output = &mut self.output;
        let mut sink = |stream: OutputStream, bytes: &[u8]| {
            if emit {
                output.push((stream, bytes.to_vec()));
            }
        };
        self.replayer.step_event(&mut sink)?;
        self.furthest_event = self.furthest_event.max(index + 1);
        if ran {
            self.current_tid = event.tid;
        }
        self.position = Position::boundary(self.replayer.event_index());
        self.interval_started = false;
        Ok(Some(Applied { event }))
    }

    /// Replays the events that apply without running code, so that a
    /// boundary position always stands before a thread's run (or at the end).
    fn normalize(&mut self) -> Result<Vec<Applied>, SessionError> {
        let mut applied = Vec::new();
        while matches!(self.replayer.next_run()?, NextRun::Boundary) {
            match self.apply_next()? {
                Some(a) => applied.push(a),
                None => break,
            }
        }
        Ok(applied)
    }

    fn end_stop(&mut self) -> Stop {
        let exit_code = self.replayer.recorded_exit();
        self.stop(StopReason::End { exit_code }, self.current_tid)
    }
}

/// Reads a recording through: its number of events (from its end frame, or
/// counted) and its recorded exit status (from the end frame).
fn read_through(dir: &Path) -> (Option<u64>, Option<i32>) {
    let Ok(reader) = crate::trace::TraceReader::open(dir) else {
        return (None, None);
    };
    let Ok(mut stream) = reader.events() else {
        return (None, None);
    };
    let mut n = 0;
    while let Ok(Some(_)) = stream.next_event() {
        n += 1;
    }
    let end = stream.end();
    (
        Some(end.map(|e| e.event_count).unwrap_or(n)),
        end.map(|e| e.exit_code),
    )
}

/// The signal a replayed event delivers, if it is one.
/// Whether an event mapped a file or replaced the program.
fn loads_code(event: &Event) -> bool {
    matches!(
        &event.kind,
        EventKind::Syscall {
            replay: crate::trace::SyscallReplay::MapFile { .. }
                | crate::trace::SyscallReplay::Exec(_),
            ..
        }
    )
}

fn delivered_signal(event: &Event) -> Option<i32> {
    match event.kind {
        EventKind::Signal { signo, .. } => Some(signo),
        _ => None,
    }
}
