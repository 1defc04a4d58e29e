//! Output the kernel copied from one file to the recorder's stdout/stderr
//! without it passing through the program's memory (sendfile,
//! copy_file_range, splice, tee): the recorder reads those bytes back from
//! the source file, so that replay can re-emit them.

use std::os::unix::fs::FileExt;

use crate::trace::OutputBytes;
use crate::tracee::ProcMem;

/// The descriptors of an in-kernel copy, for the syscalls this module knows.
struct Copy {
    destination_fd: u64,
    source_fd: u64,
    /// Address of the source offset the kernel advances; 0: the file position.
    source_offset_ptr: u64,
}

fn copy_of(nr: u64, args: &[u64; 6]) -> Option<Copy> {
    let (destination_fd, source_fd, source_offset_ptr) = match nr as i64 {
        libc::SYS_sendfile => (args[0], args[1], args[2]),
        libc::SYS_copy_file_range | libc::SYS_splice => (args[2], args[0], args[1]),
        // tee copies between two pipes: its source is never a regular file.
        libc::SYS_tee => (args[1], args[0], 0),
        _ => return None,
    };
    Some(Copy {
        destination_fd,
        source_fd,
        source_offset_ptr,
    })
}

/// The descriptor an in-kernel copy writes to.
pub(super) fn destination_fd(nr: u64, args: &[u64; 6]) -> Option<u64> {
    copy_of(nr, args).map(|c| c.destination_fd)
}

/// The `result` bytes a successful in-kernel copy took from its source, read
/// back from the source file at the offset they came from; `Lost` when the
/// source is not a regular file (a pipe's bytes are consumed) or cannot be read.
pub(super) fn copied_bytes(
    tgid: i32,
    nr: u64,
    args: &[u64; 6],
    result: i64,
    mem: &ProcMem,
) -> OutputBytes {
    let Some(Copy {
        source_fd,
        source_offset_ptr: offset_ptr,
        ..
    }) = copy_of(nr, args)
    else {
        return OutputBytes::Lost;
    };
    let path = format!("/proc/{tgid}/fd/{source_fd}");
    let Ok(file) = std::fs::File::open(&path) else {
        return OutputBytes::Lost;
    };
    if !file.metadata().map(|m| m.is_file()).unwrap_or(false) {
        return OutputBytes::Lost;
    }
    // After the call, the offset (given, or the file position) is past the copied bytes.
    let end = if offset_ptr != 0 {
        mem.read_u64(offset_ptr).ok()
    } else {
        file_position(tgid, source_fd)
    };
    let Some(start) = end.and_then(|end| end.checked_sub(result as u64)) else {
        return OutputBytes::Lost;
    };
    let mut bytes = vec![0u8; result as usize];
    match file.read_exact_at(&mut bytes, start) {
        Ok(()) => OutputBytes::Copied(bytes),
        Err(_) => OutputBytes::Lost,
    }
}

/// The file position of `fd` in `tgid`, from `/proc/PID/fdinfo/FD`.
fn file_position(tgid: i32, fd: u64) -> Option<u64> {
    let info = std::fs::read_to_string(format!("/proc/{tgid}/fdinfo/{fd}")).ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix("pos:"))
        .and_then(|v| v.trim().parse().ok())
}
