//! A digest of a process's writable memory: tells apart loop iterations
//! whose registers are identical (docs/architecture.md, "Positions and checkpoints in
//! software mode").

use crate::procmaps;
use crate::tracee::ProcMem;

const CHUNK: usize = 1 << 20;
const PAGE: usize = 4096;
/// Below the stack pointer only the x86-64 red zone is live.
const RED_ZONE: u64 = 128;

/// CRC-32 over every writable page of `pid` (address and contents) in
/// address order, independent of how the kernel splits or merges mappings
/// (replay maps copies of the files, which may merge differently). On the
/// stack holding `rsp`, only live memory — from the red zone up — counts:
/// what lies below is dead and may differ (the kernel's exec left it there).
/// Pages that cannot be read are skipped on both sides alike.
pub fn writable_memory_digest(pid: i32, mem: &ProcMem, rsp: u64) -> std::io::Result<u32> {
    writable_memory_digest_except(pid, mem, rsp, None)
}

/// [`writable_memory_digest`] leaving out the pages of `except` (a
/// finder's stub page, which the recorded program never had).
pub fn writable_memory_digest_except(
    pid: i32,
    mem: &ProcMem,
    rsp: u64,
    except: Option<std::ops::Range<u64>>,
) -> std::io::Result<u32> {
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = vec![0u8; CHUNK];
    for m in procmaps::read_maps(pid)? {
        if m.perms.as_bytes().get(1) != Some(&b'w') || m.name == "[vvar]" || m.name == "[vsyscall]"
        {
            continue;
        }
        let mut at = m.start;
        if m.start <= rsp && rsp < m.end {
            at = rsp.saturating_sub(RED_ZONE).max(m.start);
        }
        while at < m.end {
            let n = ((m.end - at) as usize).min(CHUNK);
            if mem.read_into(at, &mut buf[..n]).is_ok() {
                // Hash page by page, each with its address, so that chunk and
                // mapping boundaries do not matter.
                let mut off = 0;
                while off < n {
                    let addr = at + off as u64;
                    let len = (PAGE - addr as usize % PAGE).min(n - off);
                    if except.as_ref().is_some_and(|x| x.contains(&addr)) {
                        off += len;
                        continue;
                    }
                    hasher.update(&addr.to_le_bytes());
                    hasher.update(&buf[off..off + len]);
                    off += len;
                }
            }
            at += n as u64;
        }
    }
    Ok(hasher.finalize())
}

/// The [`StackSum`](crate::trace::StackSum) of `pid`'s stack at `rsp`: up to
/// `StackSum::MAX_LEN` bytes from `rsp` up, within the mapping holding it.
/// `None` when that memory cannot be read.
pub fn stack_sum(pid: i32, mem: &ProcMem, rsp: u64) -> Option<crate::trace::StackSum> {
    let maps = procmaps::read_maps(pid).ok()?;
    let stack = maps.iter().find(|m| m.start <= rsp && rsp < m.end)?;
    let len = (stack.end - rsp).min(u64::from(crate::trace::StackSum::MAX_LEN)) & !7;
    let bytes = mem.read(rsp, len as usize).ok()?;
    Some(crate::trace::StackSum::of(&bytes))
}
