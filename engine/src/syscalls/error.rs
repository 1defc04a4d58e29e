//! Why the output of a syscall could not be described ([`SyscallError`]).

use super::memory::MemoryError;
use super::names::name;

/// Why [`output_regions`](super::output_regions) could not describe a syscall's output.
#[derive(Debug, thiserror::Error)]
pub enum SyscallError {
    /// The number is not in the table, or the syscall is [`Disposition::Unsupported`](super::Disposition::Unsupported).
    #[error("unsupported syscall {name} (number {nr})")]
    UnsupportedSyscall { nr: u64, name: String },
    /// A sub-operation (ioctl request, fcntl command, prctl option, futex op, ...)
    /// whose output this module does not know.
    #[error("unsupported {what} {value:#x} in syscall {syscall}")]
    UnsupportedOperation {
        syscall: &'static str,
        what: &'static str,
        value: u64,
    },
    /// `restart_syscall` continues an interrupted syscall; its output depends on
    /// that syscall.
    #[error(
        "restart_syscall: output depends on the interrupted syscall; \
         call output_regions with that syscall's number and arguments"
    )]
    RestartSyscall,
    /// A region larger than [`MAX_REGION_LEN`](super::MAX_REGION_LEN).
    #[error(
        "{syscall}: output region of {len} bytes at {addr:#x} exceeds the limit of {max} bytes"
    )]
    RegionTooLarge {
        syscall: &'static str,
        addr: u64,
        len: u64,
        max: usize,
    },
    /// A region that wraps around the end of the address space.
    #[error("{syscall}: output region of {len} bytes at {addr:#x} wraps around the address space")]
    RegionWraps {
        syscall: &'static str,
        addr: u64,
        len: u64,
    },
    /// An element count larger than [`MAX_IOV_COUNT`](super::MAX_IOV_COUNT).
    #[error("{syscall}: {what} {count} exceeds the limit of {max}")]
    CountTooLarge {
        syscall: &'static str,
        what: &'static str,
        count: u64,
        max: usize,
    },
    /// The result does not fit the arguments (e.g. more bytes read than the
    /// iovecs hold).
    #[error("{syscall}: result {result} is inconsistent with its arguments: {detail}")]
    InconsistentResult {
        syscall: &'static str,
        result: i64,
        detail: String,
    },
    /// Reading tracee memory (an iovec array, a length field, ...) failed.
    #[error("{syscall}: {source}")]
    Memory {
        syscall: &'static str,
        #[source]
        source: MemoryError,
    },
}

impl SyscallError {
    /// The error for a syscall that cannot be recorded: unknown to the table, or
    /// marked [`Disposition::Unsupported`](super::Disposition::Unsupported).
    pub fn unsupported_syscall(nr: u64) -> Self {
        SyscallError::UnsupportedSyscall { nr, name: name(nr) }
    }
}
