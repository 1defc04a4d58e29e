//! The error type of every ptrace, wait and memory operation on a tracee.

use thiserror::Error;

/// Errors from a ptrace operation on a tracee.
#[derive(Debug, Error)]
pub enum TraceeError {
    /// A ptrace request failed.
    #[error("ptrace {op} on thread {tid} failed: {source}")]
    Ptrace {
        /// The request, without its `PTRACE_` prefix.
        op: &'static str,
        /// The thread.
        tid: i32,
        /// The error the kernel returned.
        source: std::io::Error,
    },
    /// waitpid failed (other than with EINTR, which is retried), or the wait
    /// alarm could not be set up.
    #[error("waitpid failed: {0}")]
    Wait(std::io::Error),
    /// Reading or writing `/proc/PID/mem` failed.
    #[error("memory access in process {pid} at {addr:#x} ({len} bytes) failed: {source}")]
    Memory {
        /// The process.
        pid: i32,
        /// The first byte accessed (0 when the file could not be opened).
        addr: u64,
        /// How many bytes.
        len: usize,
        /// The error of the access.
        source: std::io::Error,
    },
}
