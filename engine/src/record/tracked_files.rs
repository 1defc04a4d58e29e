//! Tracked files: those the program maps `MAP_SHARED`. Each gets a number in
//! the trace, and every syscall that changes one (write, pwrite, ftruncate,
//! open with O_TRUNC, ...) records the bytes and length it left, so that
//! replay's scratch copy of the file, which its mappings map, stays equal to
//! the file (docs/architecture.md, `replay/images.rs`).

use std::collections::HashMap;
use std::os::unix::fs::FileExt;

use super::file_id::{file_id, FileId};
use crate::syscalls;
use crate::trace::{FileBytes, FileChange};
use crate::tracee::ProcMem;

/// Why the change of a tracked file could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum TrackedFileError {
    /// The file could not be read back after the syscall changed it.
    #[error(
        "cannot read back {path} after syscall {syscall} changed it: {source}. The program \
         maps this file shared, so the recording must hold what the call wrote to it; \
         record as a user who may read the file"
    )]
    ReadBack {
        /// The file (its `/proc/PID/fd/N` link, or the path the program gave).
        path: String,
        /// The syscall that changed it.
        syscall: String,
        /// Why reading failed.
        source: std::io::Error,
    },
}

/// Which bytes of the file a syscall changed.
enum Changed {
    /// `n` bytes (the result) at the fd's position before the call.
    AtPosition,
    /// `n` bytes (the result) at this offset.
    At(u64),
    /// Only the length (a truncation).
    Length,
    /// Somewhere: the call does not say (fallocate, in-kernel copies).
    Anywhere,
}

/// The tracked files of a recording, by identity.
#[derive(Default)]
pub(super) struct TrackedFiles {
    numbers: HashMap<FileId, u32>,
}

impl TrackedFiles {
    /// The number replay knows the file of a new mapping by (`fd_link`:
    /// the `/proc/PID/fd/N` the program mapped): a shared mapping makes
    /// its file tracked, a private one of a tracked file maps it too.
    pub(super) fn for_mapping(&mut self, fd_link: &str, shared: bool) -> Option<u32> {
        let id = file_id(fd_link)?;
        let next = self.numbers.len() as u32;
        if shared {
            Some(*self.numbers.entry(id).or_insert(next))
        } else {
            self.numbers.get(&id).copied()
        }
    }

    /// How the completed syscall `nr` of process `tgid` changed a tracked
    /// file, if it changed one.
    pub(super) fn change(
        &self,
        tgid: i32,
        nr: u64,
        args: &[u64; 6],
        result: i64,
        mem: &ProcMem,
    ) -> Result<Option<FileChange>, TrackedFileError> {
        if self.numbers.is_empty() || syscalls::is_error_result(result) {
            return Ok(None);
        }
        let fd = |n: u64| format!("/proc/{tgid}/fd/{}", n as i32);
        let truncates = |flags: u64| flags & libc::O_TRUNC as u64 != 0;
        let (path, changed) = match nr as i64 {
            libc::SYS_write | libc::SYS_writev => (fd(args[0]), Changed::AtPosition),
            libc::SYS_pwrite64 | libc::SYS_pwritev => (fd(args[0]), Changed::At(args[3])),
            libc::SYS_pwritev2 if args[3] as i64 == -1 => (fd(args[0]), Changed::AtPosition),
            libc::SYS_pwritev2 => (fd(args[0]), Changed::At(args[3])),
            libc::SYS_ftruncate => (fd(args[0]), Changed::Length),
            libc::SYS_fallocate | libc::SYS_sendfile => (fd(args[0]), Changed::Anywhere),
            libc::SYS_copy_file_range | libc::SYS_splice => (fd(args[2]), Changed::Anywhere),
            libc::SYS_open if truncates(args[1]) => (fd(result as u64), Changed::Length),
            libc::SYS_openat if truncates(args[2]) => (fd(result as u64), Changed::Length),
            libc::SYS_creat => (fd(result as u64), Changed::Length),
            // struct open_how starts with the u64 flags.
            libc::SYS_openat2 if mem.read_u64(args[2]).is_ok_and(truncates) => {
                (fd(result as u64), Changed::Length)
            }
            libc::SYS_truncate => {
                let Ok(name) = mem.read_cstring(args[0], libc::PATH_MAX as usize) else {
                    return Ok(None);
                };
                let name = String::from_utf8_lossy(&name).into_owned();
                if name.starts_with('/') {
                    (name, Changed::Length)
                } else {
                    (format!("/proc/{tgid}/cwd/{name}"), Changed::Length)
                }
            }
            _ => return Ok(None),
        };
        let Some(tracked) = file_id(&path).and_then(|id| self.numbers.get(&id).copied()) else {
            return Ok(None);
        };
        let read_back = |source| TrackedFileError::ReadBack {
            path: std::fs::read_link(&path)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| path.clone()),
            syscall: syscalls::name(nr),
            source,
        };
        let file = std::fs::File::open(&path).map_err(read_back)?;
        let len = file.metadata().map_err(read_back)?.len();
        let (offset, count) = match changed {
            Changed::Length => {
                return Ok(Some(FileChange {
                    tracked,
                    writes: vec![],
                    len,
                }))
            }
            Changed::Anywhere => (0, len),
            Changed::At(_) | Changed::AtPosition if fd_appends(&path) => {
                (len.saturating_sub(result as u64), result as u64)
            }
            Changed::At(offset) => (offset, result as u64),
            Changed::AtPosition => {
                let after = fd_position(&path).ok_or_else(|| {
                    read_back(std::io::Error::other("its fdinfo gives no position"))
                })?;
                (after.saturating_sub(result as u64), result as u64)
            }
        };
        let count = count.min(len.saturating_sub(offset));
        let mut bytes = vec![0u8; count as usize];
        file.read_exact_at(&mut bytes, offset).map_err(read_back)?;
        Ok(Some(FileChange {
            tracked,
            writes: vec![FileBytes { offset, bytes }],
            len,
        }))
    }
}

/// The field `name` of `/proc/PID/fdinfo/N` for the fd link `/proc/PID/fd/N`.
fn fdinfo_field(fd_link: &str, name: &str) -> Option<String> {
    let info = std::fs::read_to_string(fd_link.replacen("/fd/", "/fdinfo/", 1)).ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(|v| v.trim().to_owned())
}

/// The file position of an fd, after the call.
fn fd_position(fd_link: &str) -> Option<u64> {
    fdinfo_field(fd_link, "pos")?.parse().ok()
}

/// Whether an fd was opened with O_APPEND (every write then lands at the end,
/// pwrite's too on Linux).
fn fd_appends(fd_link: &str) -> bool {
    fdinfo_field(fd_link, "flags")
        .and_then(|f| u64::from_str_radix(&f, 8).ok())
        .is_some_and(|f| f & libc::O_APPEND as u64 != 0)
}
