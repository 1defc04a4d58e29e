//! Capturing a process right after a successful execve: the copies of the
//! mapped executable and interpreter, the initial stack (with the vDSO hidden
//! from libc) and the registers.

use super::RecordError;
use crate::procmaps::{self, Mapping};
use crate::trace::{ExecImage, ExecMapping, MemWrite, TraceWriter};
use crate::tracee::{self, ProcMem};

const AT_NULL: u64 = 0;
const AT_IGNORE: u64 = 1;
const AT_SYSINFO_EHDR: u64 = 33;
/// Bound on argv+envp+auxv words we walk; real initial stacks are far smaller.
const MAX_STACK_WORDS: u64 = 1 << 20;

/// Rewrites the auxv entry that points libc at the vDSO into AT_IGNORE, so
/// that time functions become real syscalls, which are recorded.
fn hide_vdso(mem: &ProcMem, rsp: u64) -> Result<(), RecordError> {
    let argc = mem.read_u64(rsp)?;
    let mut at = rsp + 8 * (argc + 2); // skip argc, argv[], NULL
    let mut words = 0;
    while mem.read_u64(at)? != 0 {
        at += 8;
        words += 1;
        if words > MAX_STACK_WORDS {
            return Err(RecordError::Internal(
                "environment on the initial stack has no end".into(),
            ));
        }
    }
    at += 8;
    loop {
        let key = mem.read_u64(at)?;
        if key == AT_NULL {
            return Ok(());
        }
        if key == AT_SYSINFO_EHDR {
            mem.write(at, &AT_IGNORE.to_le_bytes())?;
        }
        at += 16;
        words += 2;
        if words > MAX_STACK_WORDS {
            return Err(RecordError::Internal(
                "auxv on the initial stack has no end".into(),
            ));
        }
    }
}

/// Captures the freshly exec'd process `tid` (stopped at its exec exit stop).
pub fn capture(
    tid: i32,
    tgid: i32,
    mem: &ProcMem,
    writer: &mut TraceWriter,
) -> Result<ExecImage, RecordError> {
    let regs = tracee::get_regs(tid)?;
    hide_vdso(mem, regs.rsp())?;
    let maps = procmaps::read_maps(tgid)
        .map_err(|e| RecordError::Internal(format!("cannot read /proc/{tgid}/maps: {e}")))?;
    let stack = maps
        .iter()
        .find(|m| m.start <= regs.rsp() && regs.rsp() < m.end)
        .ok_or_else(|| {
            RecordError::Internal("initial stack pointer is not in any mapping".into())
        })?;
    let stack_bytes = mem.read(regs.rsp(), (stack.end - regs.rsp()) as usize)?;

    let exe_link = format!("/proc/{tgid}/exe");
    let path = std::fs::read_link(&exe_link)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let exe_file = writer.copy_file(std::path::Path::new(&exe_link), &path)?;
    let mut mapped_files = Vec::new();
    for m in maps.iter().filter(|m| m.is_file()) {
        let file = copy_mapping(tgid, m, writer)?;
        mapped_files.push(ExecMapping {
            start: m.start,
            end: m.end,
            offset: m.offset,
            file,
        });
    }
    Ok(ExecImage {
        path,
        exe_file,
        mapped_files,
        stack: MemWrite {
            addr: regs.rsp(),
            bytes: stack_bytes,
        },
        regs,
    })
}

fn copy_mapping(tgid: i32, m: &Mapping, writer: &mut TraceWriter) -> Result<String, RecordError> {
    let via_proc = procmaps::map_file_path(tgid, m);
    let name = writer
        .copy_file(&via_proc, &m.name)
        .or_else(|_| writer.copy_file(std::path::Path::new(&m.name), &m.name))?;
    Ok(name)
}
