//! The trace's `files/` directory: copies of files the recorded program mapped.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Seek, SeekFrom};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::error::TraceError;
use super::file_sums::{digest, SumsWriter};

/// Mode of every copy: readable and executable (executables, loaders and
/// libraries need the execute bit for replay to exec or map them).
const COPY_MODE: u32 = 0o755;
/// Longest base name given to a copy.
const MAX_NAME_LEN: usize = 120;
const CHUNK: usize = 1 << 20;

/// Identity of an opened file: same identity, same contents (as far as a
/// recorder can tell without reading it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct FileIdentity {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: i64,
    mtime_nsec: i64,
}

/// Copies files into `files/`, at most once per distinct content.
pub(crate) struct FileStore {
    dir: PathBuf,
    by_identity: HashMap<FileIdentity, String>,
    /// (length, crc32) -> names of copies with that digest; a hit is
    /// confirmed by comparing bytes.
    by_digest: HashMap<(u64, u32), Vec<String>>,
    names: HashSet<String>,
    /// The length and CRC of each copy, for the reader to check.
    sums: SumsWriter,
}

impl FileStore {
    /// A store copying into `dir` (the trace's `files/`), listing each copy
    /// in `sums`.
    pub fn new(dir: PathBuf, sums: SumsWriter) -> FileStore {
        FileStore {
            dir,
            by_identity: HashMap::new(),
            by_digest: HashMap::new(),
            names: HashSet::new(),
            sums,
        }
    }

    /// Copies the file opened from `src` (a `/proc/PID/fd/N` or
    /// `/proc/PID/map_files/..` path works: only the opened file counts, not
    /// the name) and returns the copy's name inside `files/`. A file already
    /// copied, by identity (device, inode, size, mtime) or by content, is
    /// not copied again. Tries a reflink first, then an ordinary copy.
    pub fn copy_file(&mut self, src: &Path, display_name: &str) -> Result<String, TraceError> {
        let mut file = File::open(src).map_err(|e| TraceError::io(src, e))?;
        let meta = file.metadata().map_err(|e| TraceError::io(src, e))?;
        if !meta.is_file() {
            return Err(TraceError::NotAFile {
                path: src.to_path_buf(),
            });
        }
        let identity = FileIdentity {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: meta.mtime(),
            mtime_nsec: meta.mtime_nsec(),
        };
        if let Some(name) = self.by_identity.get(&identity) {
            tracing::trace!(src = %src.display(), name, "file already in trace (same inode)");
            return Ok(name.clone());
        }

        let digest = digest(&mut file).map_err(|e| TraceError::io(src, e))?;
        if let Some(name) = self.find_same_content(&mut file, src, digest)? {
            tracing::trace!(src = %src.display(), name, "file already in trace (same content)");
            self.by_identity.insert(identity, name.clone());
            return Ok(name);
        }

        let name = self.unique_name(display_name);
        let dst_path = self.dir.join(&name);
        file.seek(SeekFrom::Start(0))
            .map_err(|e| TraceError::io(src, e))?;
        if let Err(e) = copy_into(&mut file, src, &dst_path, digest.0) {
            // Best effort: do not leave a partial copy behind.
            let _ = fs::remove_file(&dst_path);
            return Err(e);
        }
        tracing::debug!(src = %src.display(), display_name, name, "copied file into trace");
        self.sums.append(&name, digest.0, digest.1)?;
        self.names.insert(name.clone());
        self.by_identity.insert(identity, name.clone());
        self.by_digest.entry(digest).or_default().push(name.clone());
        Ok(name)
    }

    fn find_same_content(
        &self,
        file: &mut File,
        src: &Path,
        digest: (u64, u32),
    ) -> Result<Option<String>, TraceError> {
        let Some(candidates) = self.by_digest.get(&digest) else {
            return Ok(None);
        };
        for name in candidates {
            let path = self.dir.join(name);
            let mut copy = File::open(&path).map_err(|e| TraceError::io(&path, e))?;
            file.seek(SeekFrom::Start(0))
                .map_err(|e| TraceError::io(src, e))?;
            match same_contents(file, &mut copy) {
                Ok(true) => return Ok(Some(name.clone())),
                Ok(false) => {}
                Err(e) => return Err(TraceError::io(&path, e)),
            }
        }
        Ok(None)
    }

    /// A readable name derived from the last component of `display_name`,
    /// with `-2`, `-3`, ... appended when taken.
    fn unique_name(&self, display_name: &str) -> String {
        let base = sanitize(display_name);
        let taken = |n: &str| self.names.contains(n) || self.dir.join(n).exists();
        if !taken(&base) {
            return base;
        }
        let mut i = 2u64;
        loop {
            let candidate = format!("{base}-{i}");
            if !taken(&candidate) {
                return candidate;
            }
            i += 1;
        }
    }
}

/// Whether `name` may name a file directly inside `files/` (no path
/// separators, no `.`/`..`, nothing hidden).
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && !name.contains('/')
        && !name.contains('\0')
}

fn sanitize(display_name: &str) -> String {
    let last = display_name
        .rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let mut out: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_NAME_LEN)
        .collect();
    while out.starts_with('.') {
        out.remove(0);
    }
    if out.is_empty() {
        out.push_str("file");
    }
    out
}

fn same_contents(a: &mut File, b: &mut File) -> io::Result<bool> {
    let mut ba = vec![0u8; CHUNK];
    let mut bb = vec![0u8; CHUNK];
    loop {
        let na = super::format::read_full(a, &mut ba)?;
        let nb = super::format::read_full(b, &mut bb)?;
        if na != nb || ba[..na] != bb[..nb] {
            return Ok(false);
        }
        if na == 0 {
            return Ok(true);
        }
    }
}

/// Creates `dst` and fills it from `src`: a reflink when the filesystem
/// supports one, else a copy (`std::io::copy` uses `copy_file_range` where
/// it can).
fn copy_into(src: &mut File, src_path: &Path, dst: &Path, expected: u64) -> Result<(), TraceError> {
    let mut out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(COPY_MODE)
        .open(dst)
        .map_err(|e| TraceError::io(dst, e))?;
    match ficlone(&out, src) {
        Ok(()) => tracing::trace!(dst = %dst.display(), "reflinked"),
        Err(e) => {
            tracing::trace!(dst = %dst.display(), error = %e, "no reflink, copying");
            let copied = io::copy(src, &mut out).map_err(|e| TraceError::io(src_path, e))?;
            if copied != expected {
                tracing::warn!(
                    src = %src_path.display(),
                    expected,
                    copied,
                    "file changed size while being copied into the trace"
                );
            }
        }
    }
    // The umask may have cleared bits of COPY_MODE.
    out.set_permissions(Permissions::from_mode(COPY_MODE))
        .map_err(|e| TraceError::io(dst, e))
}

/// Makes `dst` share `src`'s extents (FICLONE). Fails on filesystems
/// without reflinks and across filesystems.
fn ficlone(dst: &File, src: &File) -> io::Result<()> {
    // SAFETY: FICLONE takes the source descriptor as its argument and touches
    // no user memory; both descriptors are open for the duration of the call.
    let rc = unsafe { libc::ioctl(dst.as_raw_fd(), libc::FICLONE, src.as_raw_fd()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write_file(path: &Path, bytes: &[u8]) {
        let mut f = File::create(path).unwrap();
        f.write_all(bytes).unwrap();
    }

    #[test]
    fn trace_sanitize_names() {
        assert_eq!(sanitize("/usr/lib/libc.so.6"), "libc.so.6");
        assert_eq!(sanitize("/a/b/"), "b");
        assert_eq!(sanitize("/lib/x (deleted)"), "x__deleted_");
        assert_eq!(sanitize(".."), "file");
        assert_eq!(sanitize(""), "file");
        assert_eq!(sanitize("/.hidden"), "hidden");
        assert!(is_valid_name(&sanitize(&"x".repeat(1000))));
        assert!(!is_valid_name("../x"));
        assert!(!is_valid_name(".."));
        assert!(!is_valid_name(""));
    }

    #[test]
    fn trace_copy_file_dedupes_and_keeps_distinct() {
        let tmp = tempfile::tempdir().unwrap();
        let files = tmp.path().join("files");
        fs::create_dir(&files).unwrap();
        let srcdir = tmp.path().join("src");
        fs::create_dir(&srcdir).unwrap();
        let a = srcdir.join("liba.so");
        let a_copy = srcdir.join("liba-copy.so");
        let b = srcdir.join("sub-liba.so");
        let c = srcdir.join("other");
        write_file(&a, b"contents of a\n");
        write_file(&a_copy, b"contents of a\n");
        write_file(&b, b"contents of b\n");
        write_file(&c, b"contents of c, same length!");
        fs::create_dir(srcdir.join("d")).unwrap();
        let c2 = srcdir.join("d").join("liba.so");
        write_file(&c2, b"different contents, same name");

        let mut store = FileStore::new(files.clone(), SumsWriter::create(tmp.path()).unwrap());
        let n1 = store.copy_file(&a, "/usr/lib/liba.so").unwrap();
        assert_eq!(n1, "liba.so");
        // Same file again, through another path naming the same open file.
        let f = File::open(&a).unwrap();
        let fd_path = PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd()));
        assert_eq!(store.copy_file(&fd_path, "whatever").unwrap(), n1);
        assert_eq!(store.copy_file(&a, "/usr/lib/liba.so").unwrap(), n1);
        // Same content, different inode.
        assert_eq!(store.copy_file(&a_copy, "/other/liba.so").unwrap(), n1);
        // Distinct contents stay distinct, even under the same display name.
        let n2 = store.copy_file(&c2, "/usr/lib/liba.so").unwrap();
        assert_eq!(n2, "liba.so-2");
        let n3 = store.copy_file(&b, "/x/liba.so").unwrap();
        assert_eq!(n3, "liba.so-3");
        let n4 = store.copy_file(&c, "/bin/other").unwrap();
        assert_eq!(n4, "other");

        assert_eq!(fs::read(files.join(&n1)).unwrap(), b"contents of a\n");
        assert_eq!(
            fs::read(files.join(&n2)).unwrap(),
            b"different contents, same name"
        );
        assert_eq!(fs::read(files.join(&n3)).unwrap(), b"contents of b\n");
        let mode = fs::metadata(files.join(&n1)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, COPY_MODE);
        assert_eq!(fs::read_dir(&files).unwrap().count(), 4);

        let err = store.copy_file(&srcdir, "dir").unwrap_err();
        assert!(matches!(err, TraceError::NotAFile { .. }), "{err}");
        let missing = srcdir.join("nope");
        let err = store.copy_file(&missing, "nope").unwrap_err();
        assert!(
            err.to_string().contains(&*missing.to_string_lossy()),
            "{err}"
        );
    }

    #[test]
    fn trace_copy_file_digest_collision_is_checked() {
        // Two different contents forced under one digest entry: the byte
        // comparison must keep them apart.
        let tmp = tempfile::tempdir().unwrap();
        let files = tmp.path().join("files");
        fs::create_dir(&files).unwrap();
        let a = tmp.path().join("a");
        let b = tmp.path().join("b");
        write_file(&a, b"aaaa");
        write_file(&b, b"bbbb");
        let mut store = FileStore::new(files, SumsWriter::create(tmp.path()).unwrap());
        let na = store.copy_file(&a, "a").unwrap();
        let mut fb = File::open(&b).unwrap();
        let db = digest(&mut fb).unwrap();
        store.by_digest.insert(db, vec![na.clone()]);
        let nb = store.copy_file(&b, "b").unwrap();
        assert_ne!(na, nb);
    }
}
