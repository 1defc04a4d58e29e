//! What can go wrong while taking or restoring a checkpoint.

use thiserror::Error;

use crate::tracee::{Stop, TraceeError};

/// Why a checkpoint could not be taken or restored.
#[derive(Debug, Error)]
pub enum CheckpointError {
    /// A ptrace, wait or memory operation on a thread failed.
    #[error(transparent)]
    Tracee(#[from] TraceeError),
    /// [`Checkpoint::create`](super::Checkpoint::create) was given no thread.
    #[error("a checkpoint needs at least one thread")]
    NoThreads,
    #[error("threads {given:?} are not the threads of process {tgid} ({actual:?})")]
    /// The threads given are not exactly the threads of their process.
    ThreadSet {
        /// The process of the first thread given.
        tgid: i32,
        /// The thread ids given.
        given: Vec<i32>,
        /// The thread ids `/proc` lists for the process.
        actual: Vec<i32>,
    },
    #[error("thread {tid} is in a {what}, where no checkpoint can be taken")]
    /// A thread is in a kind of ptrace-stop a checkpoint cannot reproduce (a
    /// group-stop, a `PTRACE_EVENT_*` stop, a seccomp stop).
    UnsupportedStop {
        /// The thread.
        tid: i32,
        /// The kind of stop, for the message.
        what: &'static str,
    },
    #[error("no `syscall` instruction (0f 05) at {addr:#x} in process {pid}")]
    /// The address given for injecting syscalls does not hold a `syscall` instruction.
    NoSyscallInsn {
        /// The process.
        pid: i32,
        /// The address checked.
        addr: u64,
    },
    #[error("thread {tid} stopped with {stop:?} while {doing}")]
    /// A thread stopped in a way the injection did not expect.
    UnexpectedStop {
        /// The thread.
        tid: i32,
        /// The stop it reported.
        stop: Stop,
        /// What the injection was doing, for the message.
        doing: &'static str,
    },
    #[error("injected {what} in thread {tid} failed with errno {errno}")]
    /// A syscall injected into a thread returned an error.
    SyscallFailed {
        /// The thread.
        tid: i32,
        /// The syscall, for the message.
        what: &'static str,
        /// The errno it failed with.
        errno: i64,
    },
    #[error("injected {what} in thread {tid} reported no new child")]
    /// An injected fork or clone returned without reporting the new child.
    NoChild {
        /// The thread it was injected into.
        tid: i32,
        /// The syscall, for the message.
        what: &'static str,
    },
    #[error("reading {path}: {source}")]
    /// A file under `/proc` could not be read.
    Proc {
        /// The file.
        path: String,
        /// Why it could not be read.
        source: std::io::Error,
    },
}
