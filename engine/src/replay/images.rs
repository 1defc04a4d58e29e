//! Address-space images in replay: file mappings filled from the trace's
//! copies, and execve with the recorded initial stack restored.

use std::os::unix::fs::FileExt;

use super::apply::{SyscallCall, UntilVfork};
use super::error::ReplayError;
use super::Replayer;
use crate::procmaps;
use crate::trace::{Event, ExecImage, MemWrite, Regs};
use crate::tracee;

impl Replayer {
    /// A file-backed mmap: anonymous memory at the recorded address, filled
    /// from the trace's copy of the file.
    pub(super) fn map_file(
        &mut self,
        event: &Event,
        regs: Regs,
        call: &SyscallCall,
        file: &str,
        offset: u64,
    ) -> Result<(), ReplayError> {
        self.map_anonymous_at(event, regs, call, file, true)?;
        let tgid = self.thread(event)?.real_tgid;
        let len = call.args[1];
        let path = self.reader.file_path(file)?;
        fill_from_file(
            self.stash.mem(tgid)?,
            &path,
            call.result as u64,
            offset,
            len,
        )
        .map_err(|e| {
            self.divergence(
                event,
                format!("cannot fill the mapping of {}: {e}", path.display()),
                vec![],
            )
        })
    }

    /// Maps anonymous memory at the recorded address of an mmap, shared or
    /// private as recorded (a read-only shared one private when `to_fill`);
    /// `what` names the mapping in a divergence.
    pub(super) fn map_anonymous_at(
        &mut self,
        event: &Event,
        regs: Regs,
        call: &SyscallCall,
        what: &str,
        to_fill: bool,
    ) -> Result<(), ReplayError> {
        let t = self.thread(event)?;
        let real = t.real;
        let [_, len, prot, flags, _, _] = *call.args;
        // A read-only shared mapping is filled as a private one: nothing can
        // write through it, and ptrace cannot write into a read-only shared page.
        let mut keep = flags & (libc::MAP_SHARED | libc::MAP_PRIVATE | libc::MAP_NORESERVE) as u64;
        if to_fill && prot & libc::PROT_WRITE as u64 == 0 && keep & libc::MAP_SHARED as u64 != 0 {
            keep = (keep & !(libc::MAP_SHARED as u64)) | libc::MAP_PRIVATE as u64;
        }
        let fixed = if flags & libc::MAP_FIXED as u64 != 0 {
            libc::MAP_FIXED
        } else {
            libc::MAP_FIXED_NOREPLACE
        };
        let mut anon = regs;
        anon.set_syscall_args(&[
            call.result as u64,
            len,
            prot,
            keep | (libc::MAP_ANONYMOUS | fixed) as u64,
            u64::MAX,
            0,
        ]);
        let done = self.execute(event, real, &anon, UntilVfork::No)?;
        let mut exit = done
            .exit_regs
            .ok_or_else(|| self.divergence(event, "the thread ended in mmap", vec![]))?;
        if exit.rax() as i64 != call.result {
            return Err(self.divergence(
                event,
                format!(
                    "mmap of {what} landed at {:#x}, recorded at {:#x}",
                    exit.rax(),
                    call.result
                ),
                vec![],
            ));
        }
        exit.set_syscall_args(call.args);
        tracee::set_regs(real, &exit)?;
        Ok(())
    }

    pub(super) fn exec(
        &mut self,
        event: &Event,
        regs: Regs,
        image: &ExecImage,
    ) -> Result<(), ReplayError> {
        let t = self.thread(event)?;
        let (real, tgid) = (t.real, t.real_tgid);
        let exe = self.reader.file_path(&image.exe_file)?;
        let mut path = exe.to_string_lossy().into_owned().into_bytes();
        path.push(0);
        // Below the red zone: the old image is about to be replaced.
        let at = (regs.rsp() - 4096 - path.len() as u64) & !15;
        self.stash.mem(tgid)?.write(at, &path)?;
        let mut call = regs;
        let args = regs.syscall_args();
        let (argv, envp) = if regs.orig_rax() == libc::SYS_execveat as u64 {
            (args[2], args[3])
        } else {
            (args[1], args[2])
        };
        call.0[Regs::ORIG_RAX] = libc::SYS_execve as u64;
        call.set_syscall_args(&[at, argv, envp, 0, 0, 0]);
        let done = self.execute(event, real, &call, UntilVfork::No)?;
        if done.exit_regs.is_none() {
            return Err(self.divergence(event, "the process ended in execve", vec![]));
        }
        self.stash.forget_mem(tgid);
        self.restore_exec_image(event.tid, image)
    }

    /// Right after an exec: the recorded initial stack and registers, and
    /// the recorded contents of mapped files that are not the trace's copy.
    pub(super) fn restore_exec_image(
        &mut self,
        rec_tid: i32,
        image: &ExecImage,
    ) -> Result<(), ReplayError> {
        let t = &self.threads[&rec_tid];
        let (real, tgid) = (t.real, t.real_tgid);
        self.stash.forget_mem(tgid);
        let maps = procmaps::read_maps(tgid).map_err(|e| ReplayError::BadTrace {
            index: self.index,
            detail: format!("cannot read the replayed process's maps: {e}"),
        })?;
        let exe_copy = self.reader.file_path(&image.exe_file)?;
        for m in &image.mapped_files {
            let here = maps.iter().find(|h| h.start == m.start);
            let Some(here) = here.filter(|h| h.end == m.end) else {
                return Err(ReplayError::BadTrace {
                    index: self.index,
                    detail: format!(
                        "the replayed program's mapping at {:#x}-{:#x} ({}) does not match the recording: \
                         the executable's interpreter on this machine differs from the recorded one",
                        m.start, m.end, m.file
                    ),
                });
            };
            if std::path::Path::new(&here.name) == exe_copy {
                continue;
            }
            // The kernel mapped this machine's file (the interpreter): it must be
            // the recorded one. (Filling pages from the copy instead would be
            // wrong where a segment ends mid-page: the kernel zeroes the rest.)
            let recorded = self.reader.file_path(&m.file)?;
            let replayed = procmaps::map_file_path(tgid, here);
            if !same_contents(&recorded, &replayed) {
                return Err(ReplayError::BadTrace {
                    index: self.index,
                    detail: format!(
                        "{} on this machine differs from the recorded copy {}: \
                         the recording was made with another version of it",
                        here.name,
                        recorded.display()
                    ),
                });
            }
        }
        let MemWrite { addr, bytes } = &image.stack;
        self.stash.mem(tgid)?.write(*addr, bytes)?;
        tracee::set_regs(real, &image.regs)?;
        Ok(())
    }
}

/// Whether two files have the same bytes.
fn same_contents(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::read(a), std::fs::read(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Copies `len` bytes of `path` from `offset` into memory at `addr`, as far
/// as the file reaches.
fn fill_from_file(
    mem: &crate::tracee::ProcMem,
    path: &std::path::Path,
    addr: u64,
    offset: u64,
    len: u64,
) -> std::io::Result<()> {
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if offset >= size {
        return Ok(());
    }
    let n = len.min(size - offset) as usize;
    let mut buf = vec![0u8; n];
    file.read_exact_at(&mut buf, offset)?;
    mem.write(addr, &buf).map_err(std::io::Error::other)
}
