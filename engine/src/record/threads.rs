//! The recorder's view of each tracee thread: its state, the SIGSTOP the recorder
//! sent it to end a slice ([`StopRequest`]), and the modes the program set
//! ([`ProgramModes`]).

use std::collections::VecDeque;

use super::file_id::FileId;
use crate::trace::{Event, Regs};

/// A syscall as seen at its entry stop.
#[derive(Clone, Debug)]
pub struct Entry {
    pub nr: u64,
    pub args: [u64; 6],
    pub regs: Regs,
}

pub enum TState {
    /// Created by fork/clone; not yet allowed to run.
    Fresh,
    /// Stopped at an event boundary; resumable with this signal (0: none).
    Ready { signal: i32 },
    /// Running user code: the current thread.
    Running,
    /// Inside a syscall; `blocking` when other threads may run meanwhile.
    InSyscall { entry: Box<Entry>, blocking: bool },
    /// At the entry of an output syscall (recorded as entered) to a file
    /// another thread's write to is in flight: enters it when that one's
    /// event is recorded (see `write_order`).
    WaitingToWrite { entry: Box<Entry>, file: FileId },
    /// A blocking syscall completed while other threads ran: its event is
    /// recorded at once (its output is in memory already, before the next
    /// interruption's digest: `in_flight.rs`), and the thread goes on
    /// (deferred signals first) when it is next scheduled.
    SyscallRecorded,
    /// A vfork completed: its event is recorded when the parent is next
    /// scheduled, after the child's exec or exit that released it (replay
    /// runs the child to that point first).
    VforkDone(Box<Event>),
    /// Exiting or killed: never scheduled again.
    Dying,
}

pub struct Thread {
    pub tid: i32,
    pub tgid: i32,
    pub state: TState,
    pub initial_stop_seen: bool,
    /// The parent's fork/clone completed: the thread may be scheduled.
    pub born: bool,
    pub exec_succeeded: bool,
    /// Registers at the last syscall-exit stop, to tell a signal delivered
    /// right there (before any user instruction) from one arriving later.
    pub last_stop_regs: Option<Regs>,
    /// Raw siginfo of asynchronous signals held back until the next event.
    pub deferred_signals: VecDeque<[u8; 128]>,
    /// The siginfo of a deferred signal the recorder re-sent just now.
    pub reinjecting: Option<[u8; 128]>,
    /// The syscall (number, arguments) that returned -ERESTART_RESTARTBLOCK:
    /// a later restart_syscall continues it.
    pub restart_block: Option<(u64, [u64; 6])>,
    /// The recorder's SIGSTOP that ends a slice, sent and not yet arrived.
    pub stop_request: Option<StopRequest>,
    /// Entry registers of a syscall skipped and rewound so that the pending
    /// SIGSTOP lands before it; the thread then enters it again.
    pub consuming_stop: Option<Regs>,
    /// The file this thread's output syscall in flight holds (`write_order`).
    pub write_file: Option<FileId>,
    /// The TSC and seccomp modes as the program set them (`hidden_modes`).
    pub modes: ProgramModes,
    /// The result the recorder gives the syscall in flight that it skipped
    /// to answer itself (`hidden_modes`).
    pub hidden_mode_result: Option<i64>,
    /// The syscall in flight is a vmsplice the recorder made a writev
    /// (`spliced_output`).
    pub spliced_as_writev: bool,
}

impl Thread {
    pub fn new(tid: i32, tgid: i32) -> Thread {
        Thread {
            tid,
            tgid,
            state: TState::Fresh,
            initial_stop_seen: false,
            born: false,
            exec_succeeded: false,
            last_stop_regs: None,
            deferred_signals: VecDeque::new(),
            reinjecting: None,
            restart_block: None,
            stop_request: None,
            consuming_stop: None,
            write_file: None,
            modes: ProgramModes::default(),
            hidden_mode_result: None,
            spliced_as_writev: false,
        }
    }

    /// The parent's clone is recorded: the child may be scheduled from now on.
    pub fn set_born(&mut self) {
        self.born = true;
        if matches!(self.state, TState::Fresh) {
            self.state = TState::Ready { signal: 0 };
        }
    }
}

/// A SIGSTOP the recorder sent to end a slice, not yet seen arriving.
#[derive(Clone, Copy, Debug, Default)]
pub struct StopRequest {
    /// An event of the thread was recorded after the SIGSTOP was sent: the
    /// SIGSTOP was pending at that event's stop, so the kernel delivers it on
    /// the way back to user code, before any instruction runs.
    pub after_event: bool,
}

/// What the program set, per thread, inherited by the threads and
/// processes it creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramModes {
    /// `PR_TSC_ENABLE` or `PR_TSC_SIGSEGV`.
    pub tsc: i32,
    /// 0 (none), `SECCOMP_MODE_STRICT` or `SECCOMP_MODE_FILTER`.
    pub seccomp: i32,
}

impl Default for ProgramModes {
    fn default() -> Self {
        ProgramModes {
            tsc: libc::PR_TSC_ENABLE,
            seccomp: 0,
        }
    }
}

impl ProgramModes {
    /// Whether an rdtsc trap belongs to the program (it asked for it).
    pub fn program_traps_rdtsc(&self) -> bool {
        self.tsc == libc::PR_TSC_SIGSEGV
    }
}
