//! The x86-64 syscall table that drives recording and replay.
//!
//! For every syscall number this module says
//!
//! * what replay does with it ([`Disposition`]): emulate it from the trace, execute
//!   it again, or hand it to a special case of the recorder;
//! * whether it may block waiting for another thread or process
//!   ([`SyscallDesc::may_block`]);
//! * which bytes of tracee memory the kernel wrote during a completed call
//!   ([`output_regions`]), so the recorder can save them and replay can write them
//!   back instead of running the syscall.
//!
//! Nothing here trusts the tracee: arguments and memory contents come from an
//! arbitrary program, so every size is checked ([`MAX_REGION_LEN`],
//! [`MAX_IOV_COUNT`]) and every unknown case is a typed [`SyscallError`], never a
//! panic and never a silent skip.

mod names;
mod ops;
mod regions;
mod table;
mod written;

#[cfg(test)]
mod tests;

pub use names::{describe, lookup, lookup_by_name, name};
pub(crate) use regions::ERESTART_RESTARTBLOCK;
pub use regions::{is_restart_code, output_regions};
pub use table::nr;
pub use written::{writes_from_memory, written_bytes};

/// The largest single output region [`output_regions`] reports (256 MiB).
pub const MAX_REGION_LEN: usize = 256 << 20;

/// The largest element count (iovecs, mmsghdrs) [`output_regions`] accepts
/// (the kernel's `UIO_MAXIOV`/`IOV_MAX`).
pub const MAX_IOV_COUNT: usize = 1024;

/// Reads tracee memory (implemented by the recorder over `/proc/PID/mem`).
pub trait TraceeMemory {
    /// Reads exactly `len` bytes at `addr`. A shorter result is treated as an
    /// error by the callers in this module.
    fn read_bytes(&self, addr: u64, len: usize) -> Result<Vec<u8>, MemoryError>;
}

/// A failure to read tracee memory.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    /// The read itself failed (unmapped address, process gone, ...).
    #[error("cannot read {len} bytes of tracee memory at {addr:#x}: {source}")]
    Io {
        addr: u64,
        len: usize,
        #[source]
        source: std::io::Error,
    },
    /// Fewer bytes than asked for could be read.
    #[error("short read of tracee memory at {addr:#x}: wanted {len} bytes, got {got}")]
    Short { addr: u64, len: usize, got: usize },
}

/// What record and replay do with a syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// Not executed in replay; the recorded result and output memory are written
    /// instead.
    Emulate,
    /// Executed in replay too (address space, signal handling state, thread exit,
    /// ...); the result must match the recording.
    Execute,
    /// Executed in replay, but the result differs by nature (`set_tid_address`
    /// returns the tid) and is patched to the recorded one.
    ExecutePatchResult,
    /// `mmap`: special-cased by the recorder (file-backed vs anonymous).
    Mmap,
    /// `clone`, `clone3`, `fork`, `vfork`: special-cased.
    Clone,
    /// `execve`, `execveat`: special-cased.
    Exec,
    /// `rseq`, and numbers the kernel has no syscall for: the recorder makes
    /// it fail with ENOSYS without running it (glibc then works without rseq).
    ForceEnosys,
    /// Cannot be recorded correctly; recording stops with an error naming it.
    Unsupported,
}

/// One row of the syscall table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyscallDesc {
    /// The x86-64 syscall number.
    pub nr: u64,
    /// The kernel's name for it (`"newfstatat"`, `"pread64"`, ...).
    pub name: &'static str,
    /// What record and replay do with it.
    pub disposition: Disposition,
    /// Whether it can block waiting for another thread or process (pipes,
    /// sockets, futexes, waits, sleeps, ...).
    pub may_block: bool,
}

/// A range of tracee memory the kernel wrote during a syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    pub addr: u64,
    pub len: usize,
}

/// Why [`output_regions`] could not describe a syscall's output.
#[derive(Debug, thiserror::Error)]
pub enum SyscallError {
    /// The number is not in the table, or the syscall is [`Disposition::Unsupported`].
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
    /// A region larger than [`MAX_REGION_LEN`].
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
    /// An element count larger than [`MAX_IOV_COUNT`].
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
    /// marked [`Disposition::Unsupported`].
    pub fn unsupported_syscall(nr: u64) -> Self {
        SyscallError::UnsupportedSyscall { nr, name: name(nr) }
    }
}

/// Whether a raw syscall return value is an error (`-4095..=-1`), including the
/// kernel-internal restart codes (`-512..=-516`) a tracer sees at syscall exit.
pub fn is_error_result(result: i64) -> bool {
    (-4095..=-1).contains(&result)
}
