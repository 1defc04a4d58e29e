//! Tracee memory through /proc/PID/mem: fast bulk access that, like ptrace
//! itself, may write to read-only pages.

use super::error::TraceeError;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;

/// An open handle on one process's address space. Reopen it after execve.
pub struct ProcMem {
    pid: i32,
    file: File,
}

impl ProcMem {
    /// Opens the memory of process `pid` for reading and writing.
    pub fn open(pid: i32) -> Result<ProcMem, TraceeError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(format!("/proc/{pid}/mem"))
            .map_err(|source| TraceeError::Memory {
                pid,
                addr: 0,
                len: 0,
                source,
            })?;
        Ok(ProcMem { pid, file })
    }

    /// The process this handle reads.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Exactly `len` bytes at `addr`.
    pub fn read(&self, addr: u64, len: usize) -> Result<Vec<u8>, TraceeError> {
        let mut buf = vec![0u8; len];
        self.read_into(addr, &mut buf)?;
        Ok(buf)
    }

    /// Fills `buf` with the bytes at `addr`.
    pub fn read_into(&self, addr: u64, buf: &mut [u8]) -> Result<(), TraceeError> {
        self.file
            .read_exact_at(buf, addr)
            .map_err(|source| TraceeError::Memory {
                pid: self.pid,
                addr,
                len: buf.len(),
                source,
            })
    }

    /// The little-endian 64-bit word at `addr`.
    pub fn read_u64(&self, addr: u64) -> Result<u64, TraceeError> {
        let mut b = [0u8; 8];
        self.read_into(addr, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Writes all of `bytes` at `addr`, read-only pages included.
    pub fn write(&self, addr: u64, bytes: &[u8]) -> Result<(), TraceeError> {
        self.file
            .write_all_at(bytes, addr)
            .map_err(|source| TraceeError::Memory {
                pid: self.pid,
                addr,
                len: bytes.len(),
                source,
            })
    }

    /// Reads a NUL-terminated string of at most `max` bytes.
    pub fn read_cstring(&self, addr: u64, max: usize) -> Result<Vec<u8>, TraceeError> {
        let mut out = Vec::new();
        let mut chunk = [0u8; 256];
        let mut at = addr;
        while out.len() < max {
            // Never read across a page boundary in one go: the next page may be unmapped.
            let page_left = 4096 - (at % 4096) as usize;
            let n = page_left.min(chunk.len());
            self.read_into(at, &mut chunk[..n])?;
            if let Some(end) = chunk[..n].iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..end]);
                return Ok(out);
            }
            out.extend_from_slice(&chunk[..n]);
            at += n as u64;
        }
        out.truncate(max);
        Ok(out)
    }
}

/// The syscall rules read tracee memory through this.
impl crate::syscalls::TraceeMemory for ProcMem {
    fn read_bytes(&self, addr: u64, len: usize) -> Result<Vec<u8>, crate::syscalls::MemoryError> {
        let mut buf = vec![0u8; len];
        self.file
            .read_exact_at(&mut buf, addr)
            .map_err(|source| crate::syscalls::MemoryError::Io { addr, len, source })?;
        Ok(buf)
    }
}
