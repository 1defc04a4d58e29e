//! Which file an output syscall writes to: its identity (st_dev, st_ino).

/// Identity (st_dev, st_ino) of a file descriptor's open file.
pub(super) type FileId = (u64, u64);

/// The identity of the open file `path` names (a `/proc/PID/fd/N` link), if it can
/// be looked up.
pub(super) fn file_id(path: &str) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The recorder's own stdout/stderr, unless it is /dev/null: then the
/// program's writes to /dev/null are not output to re-emit.
pub(super) fn output_id(path: &str) -> Option<FileId> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let m = std::fs::metadata(path).ok()?;
    let dev_null = m.file_type().is_char_device() && m.rdev() == libc::makedev(1, 3);
    (!dev_null).then(|| (m.dev(), m.ino()))
}
