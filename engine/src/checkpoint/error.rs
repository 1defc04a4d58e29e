//! What can go wrong while taking or restoring a checkpoint.

use thiserror::Error;

use crate::tracee::{Stop, TraceeError};

#[derive(Debug, Error)]
pub enum CheckpointError {
    #[error(transparent)]
    Tracee(#[from] TraceeError),
    #[error("a checkpoint needs at least one thread")]
    NoThreads,
    #[error("threads {given:?} are not the threads of process {tgid} ({actual:?})")]
    ThreadSet {
        tgid: i32,
        given: Vec<i32>,
        actual: Vec<i32>,
    },
    #[error("thread {tid} is in a {what}, where no checkpoint can be taken")]
    UnsupportedStop { tid: i32, what: &'static str },
    #[error("no `syscall` instruction (0f 05) at {addr:#x} in process {pid}")]
    NoSyscallInsn { pid: i32, addr: u64 },
    #[error("thread {tid} stopped with {stop:?} while {doing}")]
    UnexpectedStop {
        tid: i32,
        stop: Stop,
        doing: &'static str,
    },
    #[error("injected {what} in thread {tid} failed with errno {errno}")]
    SyscallFailed {
        tid: i32,
        what: &'static str,
        errno: i64,
    },
    #[error("injected {what} in thread {tid} reported no new child")]
    NoChild { tid: i32, what: &'static str },
    #[error("reading {path}: {source}")]
    Proc {
        path: String,
        source: std::io::Error,
    },
}
