//! The error type of every ptrace, wait and memory operation on a tracee.

use thiserror::Error;

/// Errors from a ptrace operation on a tracee.
#[derive(Debug, Error)]
pub enum TraceeError {
    #[error("ptrace {op} on thread {tid} failed: {source}")]
    Ptrace {
        op: &'static str,
        tid: i32,
        source: std::io::Error,
    },
    #[error("waitpid failed: {0}")]
    Wait(std::io::Error),
    #[error("memory access in process {pid} at {addr:#x} ({len} bytes) failed: {source}")]
    Memory {
        pid: i32,
        addr: u64,
        len: usize,
        source: std::io::Error,
    },
}
