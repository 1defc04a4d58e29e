//! Turning a completed syscall into its event: result, memory written, and
//! how replay must re-enact it.

use super::file_id::file_id;
use super::threads::Entry;
use super::{RecordError, Recorder};
use crate::syscalls::{self, Disposition};
use crate::trace::{
    Event, EventKind, MemWrite, OutputBytes, OutputStream, RecordedOutput, Regs, SyscallReplay,
};
use crate::tracee::ProcMem;

fn is_error(result: i64) -> bool {
    (-4095..0).contains(&result)
}

impl Recorder {
    pub(super) fn complete_syscall(
        &mut self,
        tid: i32,
        entry: &Entry,
        exit_regs: &Regs,
    ) -> Result<Event, RecordError> {
        let result = exit_regs.rax() as i64;
        let tgid = self.threads[&tid].tgid;
        let desc = syscalls::describe(entry.nr);
        let mut writes = Vec::new();
        let mut output = None;
        let replay = match desc.disposition {
            Disposition::Execute => SyscallReplay::Execute,
            Disposition::ExecutePatchResult => SyscallReplay::ExecutePatchResult,
            Disposition::Mmap => self.mmap_replay(tgid, entry, result)?,
            Disposition::Clone if !is_error(result) => self.clone_replay(tid, entry, result)?,
            Disposition::Exec if self.threads[&tid].exec_succeeded => {
                self.thread_mut(tid)?.exec_succeeded = false;
                let image = {
                    self.mems.remove(&tgid);
                    let mem = ProcMem::open(tgid)?;
                    super::exec_image::capture(tid, tgid, &mem, &mut self.writer)?
                };
                self.exec_seen = true;
                SyscallReplay::Exec(Box::new(image))
            }
            Disposition::Exec if !self.exec_seen && tid == self.root_pid => {
                return Err(RecordError::ExecFailed {
                    path: self.root_exe.clone(),
                    source: std::io::Error::from_raw_os_error(-result as i32),
                });
            }
            _ => {
                // Failed calls may write too (nanosleep's remaining time on EINTR).
                // restart_syscall writes what the call it continues writes.
                let (nr, args) = match (entry.nr as i64, self.threads[&tid].restart_block) {
                    (libc::SYS_restart_syscall, Some(interrupted)) => interrupted,
                    _ => (entry.nr, entry.args),
                };
                let stream = self.output_stream(tgid, entry, result);
                let mem = self.mem(tgid)?;
                let regions = syscalls::output_regions(nr, &args, result, mem)?;
                for r in regions {
                    let bytes = mem.read(r.addr, r.len)?;
                    writes.push(MemWrite {
                        addr: r.addr,
                        bytes,
                    });
                }
                if let Some(stream) = stream {
                    let bytes = if syscalls::writes_from_memory(entry.nr) {
                        let bytes = syscalls::written_bytes(entry.nr, &entry.args, result, mem)?;
                        OutputBytes::InMemory {
                            crc32: crc32fast::hash(&bytes),
                        }
                    } else {
                        super::copied_output::copied_bytes(tgid, entry.nr, &entry.args, result, mem)
                    };
                    output = Some(RecordedOutput { stream, bytes });
                }
                self.mem(tgid)?;
                let mem = &self.mems[&tgid];
                match self.tracked.change(tgid, nr, &args, result, mem)? {
                    Some(change) => SyscallReplay::EmulateFileChange(Box::new(change)),
                    None => SyscallReplay::Emulate,
                }
            }
        };
        let t = self.thread_mut(tid)?;
        if result == -syscalls::ERESTART_RESTARTBLOCK {
            t.restart_block = Some((entry.nr, entry.args));
        } else if entry.nr as i64 == libc::SYS_restart_syscall {
            t.restart_block = None;
        }
        Ok(Event {
            tid,
            regs: entry.regs,
            kind: EventKind::Syscall {
                nr: entry.nr,
                args: entry.args,
                result,
                writes,
                replay,
                output,
            },
        })
    }

    /// For a successful write or in-kernel copy: whether the fd written is
    /// the recorder's own stdout/stderr.
    fn output_stream(&self, tgid: i32, entry: &Entry, result: i64) -> Option<OutputStream> {
        if result <= 0 {
            return None;
        }
        let fd = if syscalls::writes_from_memory(entry.nr) {
            entry.args[0]
        } else {
            super::copied_output::destination_fd(entry.nr, &entry.args)?
        };
        self.output_fd_stream(tgid, fd)
    }

    /// Whether fd `fd` of process `tgid` is the recorder's own stdout or
    /// stderr, and which.
    pub(super) fn output_fd_stream(&self, tgid: i32, fd: u64) -> Option<OutputStream> {
        let id = file_id(&format!("/proc/{tgid}/fd/{fd}"))?;
        let is_out = self.stdout_id == Some(id);
        let is_err = self.stderr_id == Some(id);
        match (is_out, is_err) {
            (true, true) if fd == 2 => Some(OutputStream::Stderr),
            (true, _) => Some(OutputStream::Stdout),
            (false, true) => Some(OutputStream::Stderr),
            (false, false) => None,
        }
    }

    fn mmap_replay(
        &mut self,
        tgid: i32,
        entry: &Entry,
        result: i64,
    ) -> Result<SyscallReplay, RecordError> {
        let flags = entry.args[3];
        if is_error(result) {
            return Ok(SyscallReplay::Emulate);
        }
        if flags & libc::MAP_ANONYMOUS as u64 != 0 {
            return Ok(SyscallReplay::Execute);
        }
        let fd = entry.args[4] as i32;
        let via_proc = format!("/proc/{tgid}/fd/{fd}");
        if is_dev_zero(&via_proc) {
            return Ok(SyscallReplay::MapZero);
        }
        if let Some(kind) = not_regular(&via_proc) {
            return Err(RecordError::UnrecordableMapping {
                path: std::fs::read_link(&via_proc)
                    .map(|p| p.display().to_string())
                    .unwrap_or(via_proc),
                kind,
            });
        }
        let display = std::fs::read_link(&via_proc)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| format!("fd{fd}"));
        let file = self
            .writer
            .copy_file(std::path::Path::new(&via_proc), &display)?;
        // MAP_SHARED or MAP_SHARED_VALIDATE.
        let shared = flags & libc::MAP_SHARED as u64 != 0;
        Ok(SyscallReplay::MapFile {
            file,
            offset: entry.args[5],
            tracked: self.tracked.for_mapping(&via_proc, shared),
        })
    }

    fn clone_replay(
        &mut self,
        tid: i32,
        entry: &Entry,
        child: i64,
    ) -> Result<SyscallReplay, RecordError> {
        let flags = self.clone_flags(tid, entry)?;
        let (parent_ptr, child_ptr) = match entry.nr as i64 {
            libc::SYS_clone => (entry.args[2], entry.args[3]),
            libc::SYS_clone3 => {
                let tgid = self.threads[&tid].tgid;
                let mem = self.mem(tgid)?;
                // struct clone_args: flags, pidfd, child_tid, parent_tid, ...
                (
                    mem.read_u64(entry.args[0] + 24)?,
                    mem.read_u64(entry.args[0] + 16)?,
                )
            }
            _ => (0, 0),
        };
        if flags & libc::CLONE_PIDFD as u64 != 0 {
            return Err(RecordError::UnsupportedSyscall {
                name: format!("{} with CLONE_PIDFD", syscalls::name(entry.nr)),
                nr: entry.nr,
            });
        }
        if let Some(t) = self.threads.get_mut(&(child as i32)) {
            t.set_born();
        }
        Ok(SyscallReplay::Clone {
            flags,
            parent_tid_addr: (flags & libc::CLONE_PARENT_SETTID as u64 != 0).then_some(parent_ptr),
            child_tid_addr: (flags & libc::CLONE_CHILD_SETTID as u64 != 0).then_some(child_ptr),
        })
    }
}

/// What `path` opens when it is not a regular file (a device, a socket, ...),
/// whose mapping cannot be rebuilt from a copy.
fn not_regular(path: &str) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = std::fs::metadata(path).ok()?.file_type();
    let kind = if t.is_file() {
        return None;
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    };
    Some(kind)
}

/// Whether `path` opens the zero device (character device 1:5, whatever its
/// name): a mapping of it is anonymous memory.
fn is_dev_zero(path: &str) -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    std::fs::metadata(path).is_ok_and(|m| {
        m.file_type().is_char_device() && libc::major(m.rdev()) == 1 && libc::minor(m.rdev()) == 5
    })
}
