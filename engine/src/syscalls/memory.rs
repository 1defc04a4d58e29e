//! Tracee memory as the output rules see it: the [`TraceeMemory`] they read through,
//! its [`MemoryError`], the [`Region`]s they report, and the limits on their sizes.

/// The largest single output region [`output_regions`](super::output_regions) reports (256 MiB).
pub const MAX_REGION_LEN: usize = 256 << 20;

/// The largest element count (iovecs, mmsghdrs) [`output_regions`](super::output_regions) accepts
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
        /// The address read.
        addr: u64,
        /// How many bytes were asked for.
        len: usize,
        /// Why the read failed.
        #[source]
        source: std::io::Error,
    },
    /// Fewer bytes than asked for could be read.
    #[error("short read of tracee memory at {addr:#x}: wanted {len} bytes, got {got}")]
    Short {
        /// The address read.
        addr: u64,
        /// How many bytes were asked for.
        len: usize,
        /// How many bytes were read.
        got: usize,
    },
}

/// A range of tracee memory the kernel wrote during a syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    /// The first byte.
    pub addr: u64,
    /// How many bytes.
    pub len: usize,
}
