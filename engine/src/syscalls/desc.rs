//! One row of the syscall table ([`SyscallDesc`]) and what record and replay do
//! with the syscall ([`Disposition`]).

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
