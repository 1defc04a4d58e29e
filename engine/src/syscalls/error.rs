//! Why the output of a syscall could not be described ([`SyscallError`]).

use super::memory::MemoryError;
use super::names::name;

/// Why [`output_regions`](super::output_regions) could not describe a syscall's output.
#[derive(Debug, thiserror::Error)]
pub enum SyscallError {
    /// The number is not in the table, or the syscall is [`Disposition::Unsupported`](super::Disposition::Unsupported).
    #[error("unsupported syscall {name} (number {nr})")]
    UnsupportedSyscall {
        /// The syscall number.
        nr: u64,
        /// Its name, or `syscall_N` when the table does not know it.
        name: String,
    },
    /// A sub-operation (ioctl request, fcntl command, prctl option, futex op, ...)
    /// whose output this module does not know.
    #[error("unsupported {what} {value:#x} in syscall {syscall}")]
    UnsupportedOperation {
        /// The syscall's name.
        syscall: &'static str,
        /// What was counted or looked up, for the message.
        what: &'static str,
        /// The request, command or option.
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
        /// The syscall's name.
        syscall: &'static str,
        /// The region's start.
        addr: u64,
        /// The region's length.
        len: u64,
        /// The limit.
        max: usize,
    },
    /// A region that wraps around the end of the address space.
    #[error("{syscall}: output region of {len} bytes at {addr:#x} wraps around the address space")]
    RegionWraps {
        /// The syscall's name.
        syscall: &'static str,
        /// The region's start.
        addr: u64,
        /// The region's length.
        len: u64,
    },
    /// An element count larger than [`MAX_IOV_COUNT`](super::MAX_IOV_COUNT).
    #[error("{syscall}: {what} {count} exceeds the limit of {max}")]
    CountTooLarge {
        /// The syscall's name.
        syscall: &'static str,
        /// What was counted or looked up, for the message.
        what: &'static str,
        /// The count the syscall was given.
        count: u64,
        /// The limit.
        max: usize,
    },
    /// The result does not fit the arguments (e.g. more bytes read than the
    /// iovecs hold).
    #[error("{syscall}: result {result} is inconsistent with its arguments: {detail}")]
    InconsistentResult {
        /// The syscall's name.
        syscall: &'static str,
        /// The syscall's result.
        result: i64,
        /// What does not fit.
        detail: String,
    },
    /// Reading tracee memory (an iovec array, a length field, ...) failed.
    #[error("{syscall}: {source}")]
    Memory {
        /// The syscall's name.
        syscall: &'static str,
        /// Why the read failed.
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
