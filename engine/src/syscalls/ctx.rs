//! The context the per-syscall output rules of `regions.rs` and `ops.rs` share
//! ([`Ctx`]): the call, tracee memory, the regions found so far, and the checked
//! ways to add to them.

use super::error::SyscallError;
use super::memory::{MemoryError, Region, TraceeMemory, MAX_IOV_COUNT, MAX_REGION_LEN};

const IOVEC_SIZE: u64 = 16;

/// State shared by the per-syscall rules: the call, tracee memory, and the
/// regions found so far.
pub(super) struct Ctx<'a> {
    pub(super) name: &'static str,
    pub(super) args: &'a [u64; 6],
    pub(super) result: i64,
    mem: &'a dyn TraceeMemory,
    out: Vec<Region>,
}

impl<'a> Ctx<'a> {
    /// A context for syscall `name` called with `args`, which returned `result`.
    pub(super) fn new(
        name: &'static str,
        args: &'a [u64; 6],
        result: i64,
        mem: &'a dyn TraceeMemory,
    ) -> Ctx<'a> {
        Ctx {
            name,
            args,
            result,
            mem,
            out: Vec::new(),
        }
    }

    /// The regions found.
    pub(super) fn into_regions(self) -> Vec<Region> {
        self.out
    }

    pub(super) fn arg(&self, index: usize) -> u64 {
        self.args.get(index).copied().unwrap_or(0)
    }

    /// The result as a byte or element count. Successful results are never in
    /// the error range; a negative one outside it is rejected by the size checks.
    pub(super) fn count(&self) -> u64 {
        self.result as u64
    }

    /// Records `len` bytes at `addr`; NULL pointers and empty ranges are skipped.
    pub(super) fn push(&mut self, addr: u64, len: u64) -> Result<(), SyscallError> {
        if addr == 0 || len == 0 {
            return Ok(());
        }
        let Some(len_usize) = usize::try_from(len).ok().filter(|l| *l <= MAX_REGION_LEN) else {
            return Err(SyscallError::RegionTooLarge {
                syscall: self.name,
                addr,
                len,
                max: MAX_REGION_LEN,
            });
        };
        if addr.checked_add(len).is_none() {
            return Err(SyscallError::RegionWraps {
                syscall: self.name,
                addr,
                len,
            });
        }
        self.out.push(Region {
            addr,
            len: len_usize,
        });
        Ok(())
    }

    /// `count * size` bytes at `addr`, overflow-checked.
    pub(super) fn push_array(
        &mut self,
        addr: u64,
        count: u64,
        size: u64,
    ) -> Result<(), SyscallError> {
        match count.checked_mul(size) {
            Some(len) => self.push(addr, len),
            None if addr == 0 => Ok(()),
            None => Err(SyscallError::RegionTooLarge {
                syscall: self.name,
                addr,
                len: u64::MAX,
                max: MAX_REGION_LEN,
            }),
        }
    }

    /// `result` bytes at `addr`.
    pub(super) fn push_result(&mut self, addr: u64) -> Result<(), SyscallError> {
        self.push(addr, self.count())
    }

    pub(super) fn read(&self, addr: u64, len: usize) -> Result<Vec<u8>, SyscallError> {
        let bytes = self
            .mem
            .read_bytes(addr, len)
            .map_err(|source| SyscallError::Memory {
                syscall: self.name,
                source,
            })?;
        if bytes.len() < len {
            return Err(SyscallError::Memory {
                syscall: self.name,
                source: MemoryError::Short {
                    addr,
                    len,
                    got: bytes.len(),
                },
            });
        }
        Ok(bytes)
    }

    pub(super) fn read_u32(&self, addr: u64) -> Result<u32, SyscallError> {
        let bytes = self.read(addr, 4)?;
        Ok(le_u32(&bytes, 0))
    }

    pub(super) fn read_u64(&self, addr: u64) -> Result<u64, SyscallError> {
        let bytes = self.read(addr, 8)?;
        Ok(le_u64(&bytes, 0))
    }

    pub(super) fn check_count(
        &self,
        what: &'static str,
        count: u64,
    ) -> Result<usize, SyscallError> {
        match usize::try_from(count) {
            Ok(n) if n <= MAX_IOV_COUNT => Ok(n),
            _ => Err(SyscallError::CountTooLarge {
                syscall: self.name,
                what,
                count,
                max: MAX_IOV_COUNT,
            }),
        }
    }

    /// Spreads `total` bytes over the iovec array at `iov_addr`, in order. With
    /// `may_truncate` (MSG_TRUNC), `total` may exceed the iovecs' capacity.
    pub(super) fn spread_iov(
        &mut self,
        iov_addr: u64,
        iov_count: u64,
        total: u64,
        may_truncate: bool,
    ) -> Result<(), SyscallError> {
        if total == 0 {
            return Ok(());
        }
        let count = self.check_count("iovec count", iov_count)?;
        if iov_addr == 0 || count == 0 {
            return self.inconsistent(format!("{total} bytes but no iovecs"), may_truncate);
        }
        let bytes = self.read(iov_addr, count * IOVEC_SIZE as usize)?;
        let mut left = total;
        for entry in bytes.chunks_exact(IOVEC_SIZE as usize) {
            if left == 0 {
                break;
            }
            let base = le_u64(entry, 0);
            let len = le_u64(entry, 8);
            let take = len.min(left);
            self.push(base, take)?;
            left -= take;
        }
        if left > 0 {
            return self.inconsistent(
                format!("{left} of {total} bytes do not fit the {count} iovecs"),
                may_truncate,
            );
        }
        Ok(())
    }

    pub(super) fn inconsistent(&self, detail: String, tolerated: bool) -> Result<(), SyscallError> {
        if tolerated {
            Ok(())
        } else {
            Err(SyscallError::InconsistentResult {
                syscall: self.name,
                result: self.result,
                detail,
            })
        }
    }
}

pub(super) fn le_u32(bytes: &[u8], offset: usize) -> u32 {
    let mut word = [0u8; 4];
    if let Some(src) = bytes.get(offset..offset + 4) {
        word.copy_from_slice(src);
    }
    u32::from_le_bytes(word)
}

pub(super) fn le_u64(bytes: &[u8], offset: usize) -> u64 {
    let mut word = [0u8; 8];
    if let Some(src) = bytes.get(offset..offset + 8) {
        word.copy_from_slice(src);
    }
    u64::from_le_bytes(word)
}
