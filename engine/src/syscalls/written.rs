//! The bytes a write-like syscall took from the program's memory: what the
//! recorder digests and replay re-emits for output to stdout/stderr.

use super::error::SyscallError;
use super::memory::TraceeMemory;
use super::regions::source_regions;

/// The syscalls that write a buffer or an iovec array from memory to a file
/// descriptor (their data can be re-read from the program's memory).
/// vmsplice into a pipe (stdout may be one) takes its bytes from an iovec
/// array too.
const FROM_MEMORY: [(i64, &str); 6] = [
    (libc::SYS_write, "write"),
    (libc::SYS_pwrite64, "pwrite64"),
    (libc::SYS_writev, "writev"),
    (libc::SYS_pwritev, "pwritev"),
    (libc::SYS_pwritev2, "pwritev2"),
    (libc::SYS_vmsplice, "vmsplice"),
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
    let iovecs = nr != libc::SYS_write && nr != libc::SYS_pwrite64;
    let mut out = Vec::with_capacity(result as usize);
    for r in source_regions(syscall, iovecs, args, result, mem)? {
        let bytes = mem
            .read_bytes(r.addr, r.len)
            .map_err(|source| SyscallError::Memory { syscall, source })?;
        out.extend(bytes);
    }
    Ok(out)
}
