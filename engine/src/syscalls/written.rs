//! The bytes a write-like syscall took from the program's memory: what the
//! recorder digests and replay re-emits for output to stdout/stderr.

use super::{SyscallError, TraceeMemory, MAX_IOV_COUNT};

/// The syscalls that write a buffer or an iovec array from memory to a file
/// descriptor (their data can be re-read from the program's memory).
const FROM_MEMORY: [(i64, &str); 5] = [
    (libc::SYS_write, "write"),
    (libc::SYS_pwrite64, "pwrite64"),
    (libc::SYS_writev, "writev"),
    (libc::SYS_pwritev, "pwritev"),
    (libc::SYS_pwritev2, "pwritev2"),
];

/// Whether `nr` is one of the syscalls whose written data is in memory.
pub fn writes_from_memory(nr: u64) -> bool {
    FROM_MEMORY.iter().any(|&(n, _)| n == nr as i64)
}

/// The `result` bytes a successful write-like syscall (see
/// [`writes_from_memory`]) took from memory, in order; empty otherwise.
pub fn written_bytes(
    nr: u64,
    args: &[u64; 6],
    result: i64,
    mem: &dyn TraceeMemory,
) -> Result<Vec<u8>, SyscallError> {
    let Some(&(nr, syscall)) = FROM_MEMORY.iter().find(|&&(n, _)| n == nr as i64) else {
        return Ok(Vec::new());
    };
    if result <= 0 {
        return Ok(Vec::new());
    }
    let read = |addr: u64, len: usize| {
        mem.read_bytes(addr, len)
            .map_err(|source| SyscallError::Memory { syscall, source })
    };
    let total = result as usize;
    if nr == libc::SYS_write || nr == libc::SYS_pwrite64 {
        return read(args[1], total);
    }
    let mut out = Vec::with_capacity(total);
    let count = args[2].min(MAX_IOV_COUNT as u64);
    for i in 0..count {
        if out.len() >= total {
            break;
        }
        let iov = read(args[1] + i * 16, 16)?;
        let base = u64::from_le_bytes(iov[..8].try_into().unwrap());
        let len = u64::from_le_bytes(iov[8..].try_into().unwrap()) as usize;
        let take = len.min(total - out.len());
        out.extend(read(base, take)?);
    }
    Ok(out)
}
