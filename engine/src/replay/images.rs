//! Address-space images in replay: file mappings of the trace's copies (or,
//! for files mapped shared, of the replay's scratch copies), and execve with
//! the recorded initial stack restored.

use std::os::unix::ffi::OsStringExt;

use super::apply::{SyscallCall, UntilVfork};
use super::error::ReplayError;
use super::Replayer;
use crate::procmaps;
use crate::trace::{Event, ExecImage, MemWrite, Regs};
use crate::tracee;

const PAGE: u64 = 4096;

impl Replayer {
    /// A file-backed mmap, at the recorded address with the recorded
    /// protection and flags: of the trace's copy of the file, or for a
    /// tracked file (one the recording maps shared) of its scratch copy, so
    /// that all its mappings share pages, later writes to the file reach
    /// them, pages past its end fault (SIGBUS) and mremap finds the file's
    /// pages, as when recorded.
    ///
    /// The replayed process has no fd of the file (its open was emulated),
    /// so one is made for it: the range is first reserved with anonymous
    /// memory, which holds the file's path for an injected `openat`, and the
    /// file's mapping then replaces it. The fd stays open (no syscall replay
    /// executes makes an fd, so it is in nobody's way) and later mappings of
    /// the path in the process, or in its forks, use it: mappings of one
    /// open file merge where the kernel merged the recorded ones (the kernel
    /// merges neighbours only if they map the same open file), which mremap
    /// over them depends on.
    pub(super) fn map_file(
        &mut self,
        event: &Event,
        regs: Regs,
        call: &SyscallCall,
        file: &str,
        offset: u64,
        tracked: Option<u32>,
    ) -> Result<(), ReplayError> {
        let t = self.thread(event)?;
        let (real, tgid) = (t.real, t.real_tgid);
        let copy = self.reader.file_path(file)?;
        let path = match tracked {
            Some(n) => self.scratch.prepare(n, &copy)?,
            None => copy,
        };
        let path = std::path::absolute(&path).map_err(|source| ReplayError::ScratchFile {
            path: path.clone(),
            source,
        })?;
        let mut name = path.clone().into_os_string().into_vec();
        name.push(0);
        let [_, len, prot, flags, _, _] = *call.args;
        let addr = call.result as u64;
        let page_len = len.div_ceil(PAGE) * PAGE;
        if name.len() as u64 > page_len {
            return Err(self.divergence(
                event,
                format!(
                    "cannot map {}: its path is longer than the mapping",
                    path.display()
                ),
                vec![],
            ));
        }
        let fixed = if flags & libc::MAP_FIXED as u64 != 0 {
            libc::MAP_FIXED
        } else {
            libc::MAP_FIXED_NOREPLACE
        };
        let plain_flags = flags & !((libc::MAP_FIXED | libc::MAP_FIXED_NOREPLACE) as u64);
        if let Some(fd) = open_fd_of(tgid, &path) {
            let map = [addr, len, prot, plain_flags | fixed as u64, fd, offset];
            let mut exit = self.inject(event, real, &regs, libc::SYS_mmap, map)?;
            return self.mapped_at(event, real, &regs, call, &path, &mut exit);
        }
        let reserve = [
            addr,
            len,
            (libc::PROT_READ | libc::PROT_WRITE) as u64,
            (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | fixed) as u64,
            u64::MAX,
            0,
        ];
        let exit = self.inject(event, real, &regs, libc::SYS_mmap, reserve)?;
        if exit.rax() != addr {
            return Err(self.divergence(
                event,
                format!(
                    "mmap of {} landed at {:#x}, recorded at {addr:#x}",
                    path.display(),
                    exit.rax()
                ),
                vec![],
            ));
        }
        self.stash.mem(tgid)?.write(addr, &name)?;
        let shared = flags & libc::MAP_SHARED as u64 != 0;
        let access = if shared { libc::O_RDWR } else { libc::O_RDONLY };
        let open = [
            libc::AT_FDCWD as u64,
            addr,
            (access | libc::O_CLOEXEC) as u64,
            0,
            0,
            0,
        ];
        let exit = self.inject(event, real, &exit, libc::SYS_openat, open)?;
        let fd = exit.rax() as i64;
        if crate::syscalls::is_error_result(fd) {
            return Err(self.divergence(
                event,
                format!(
                    "the replayed process cannot open {}: {}",
                    path.display(),
                    std::io::Error::from_raw_os_error(-fd as i32)
                ),
                vec![],
            ));
        }
        let map = [
            addr,
            len,
            prot,
            plain_flags | libc::MAP_FIXED as u64,
            fd as u64,
            offset,
        ];
        let mut exit = self.inject(event, real, &exit, libc::SYS_mmap, map)?;
        self.mapped_at(event, real, &regs, call, &path, &mut exit)
    }

    /// After the file's mmap was injected (`exit`, its exit registers): checks
    /// it landed at the recorded address and leaves the thread as the
    /// recorded mmap left it.
    fn mapped_at(
        &mut self,
        event: &Event,
        real: i32,
        regs: &Regs,
        call: &SyscallCall,
        path: &std::path::Path,
        exit: &mut Regs,
    ) -> Result<(), ReplayError> {
        let addr = call.result as u64;
        if exit.rax() != addr {
            return Err(self.divergence(
                event,
                format!(
                    "mmap of {} returned {:#x}, recorded {addr:#x}",
                    path.display(),
                    exit.rax()
                ),
                vec![],
            ));
        }
        exit.0[Regs::ORIG_RAX] = regs.orig_rax();
        exit.set_syscall_args(call.args);
        tracee::set_regs(real, exit)?;
        Ok(())
    }

    /// Runs syscall `nr` with `args` in thread `real`, stopped at a syscall
    /// with registers `at`; returns the registers at its exit.
    fn inject(
        &mut self,
        event: &Event,
        real: i32,
        at: &Regs,
        nr: i64,
        args: [u64; 6],
    ) -> Result<Regs, ReplayError> {
        let mut call = *at;
        call.0[Regs::ORIG_RAX] = nr as u64;
        call.set_syscall_args(&args);
        let done = self.execute(event, real, &call, UntilVfork::No)?;
        done.exit_regs.ok_or_else(|| {
            self.divergence(
                event,
                format!(
                    "the thread ended in an injected {}",
                    crate::syscalls::name(nr as u64)
                ),
                vec![],
            )
        })
    }

    /// Maps anonymous memory at the recorded address of an mmap, shared or
    /// private as recorded; `what` names the mapping in a divergence.
    pub(super) fn map_anonymous_at(
        &mut self,
        event: &Event,
        regs: Regs,
        call: &SyscallCall,
        what: &str,
    ) -> Result<(), ReplayError> {
        let t = self.thread(event)?;
        let real = t.real;
        let [_, len, prot, flags, _, _] = *call.args;
        let keep = flags & (libc::MAP_SHARED | libc::MAP_PRIVATE | libc::MAP_NORESERVE) as u64;
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

/// An fd of process `tgid` open on `path` (one an earlier mapping opened).
fn open_fd_of(tgid: i32, path: &std::path::Path) -> Option<u64> {
    let dir = std::fs::read_dir(format!("/proc/{tgid}/fd")).ok()?;
    dir.flatten().find_map(|e| {
        let target = std::fs::read_link(e.path()).ok()?;
        (target == path).then(|| e.file_name().to_str()?.parse().ok())?
    })
}

/// Whether two files have the same bytes.
fn same_contents(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::read(a), std::fs::read(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
