//! `files.crc`: the length and CRC-32 of every copy in `files/`, one line per
//! copy (`LEN CRC NAME`), appended as each copy is made (so a recorder that is
//! killed leaves the lines of the copies it finished). Before a copy is used,
//! the reader checks it against its line: a copy changed after recording (a
//! byte flipped in libc) is an error that names the file, never a replay that
//! silently runs other code. Traces written before this file existed have no
//! `files.crc`; their copies are used unchecked.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::error::TraceError;

/// The file's name in the trace directory.
pub const FILE_SUMS: &str = "files.crc";

/// Appends the lines of new copies.
pub(crate) struct SumsWriter {
    path: PathBuf,
    file: File,
}

impl SumsWriter {
    /// Creates `files.crc` in `trace_dir` (it must not exist).
    pub fn create(trace_dir: &Path) -> Result<SumsWriter, TraceError> {
        let path = trace_dir.join(FILE_SUMS);
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| TraceError::io(&path, e))?;
        Ok(SumsWriter { path, file })
    }

    /// Records copy `name`: `len` bytes with CRC-32 `crc`.
    pub fn append(&mut self, name: &str, len: u64, crc: u32) -> Result<(), TraceError> {
        // One write per line: a killed recorder leaves whole lines.
        let line = format!("{len} {crc:08x} {name}\n");
        self.file
            .write_all(line.as_bytes())
            .map_err(|e| TraceError::io(&self.path, e))
    }
}

/// Checks copies against `files.crc`, each once.
#[derive(Debug)]
pub(crate) struct SumsChecker {
    path: PathBuf,
    /// `None`: the trace has no `files.crc` (written before it existed).
    sums: Option<HashMap<String, (u64, u32)>>,
    checked: Mutex<HashSet<String>>,
}

impl SumsChecker {
    /// Reads `files.crc` of `trace_dir`, if there is one.
    pub fn load(trace_dir: &Path) -> Result<SumsChecker, TraceError> {
        let path = trace_dir.join(FILE_SUMS);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(SumsChecker {
                    path,
                    sums: None,
                    checked: Mutex::new(HashSet::new()),
                })
            }
            Err(e) => return Err(TraceError::io(&path, e)),
        };
        let mut sums = HashMap::new();
        let mut offset = 0u64;
        for line in text.split_inclusive('\n') {
            let corrupt = |detail: &str| TraceError::Corrupt {
                path: path.clone(),
                offset,
                detail: format!("{detail} in line {line:?}"),
            };
            let Some(body) = line.strip_suffix('\n') else {
                // An unfinished last line: the recorder died while writing it;
                // its copy is then unchecked and will be reported if used.
                break;
            };
            let mut parts = body.splitn(3, ' ');
            let (Some(len), Some(crc), Some(name)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(corrupt("not `LEN CRC NAME`"));
            };
            let len: u64 = len.parse().map_err(|_| corrupt("a bad length"))?;
            let crc = u32::from_str_radix(crc, 16).map_err(|_| corrupt("a bad CRC"))?;
            sums.insert(name.to_owned(), (len, crc));
            offset += line.len() as u64;
        }
        Ok(SumsChecker {
            path,
            sums: Some(sums),
            checked: Mutex::new(HashSet::new()),
        })
    }

    /// Checks copy `name` at `copy` (once per reader).
    pub fn check(&self, name: &str, copy: &Path) -> Result<(), TraceError> {
        let Some(sums) = &self.sums else {
            return Ok(());
        };
        let mut checked = self
            .checked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if checked.contains(name) {
            return Ok(());
        }
        let Some(&(len, crc)) = sums.get(name) else {
            return Err(TraceError::ModifiedCopy {
                path: copy.to_path_buf(),
                detail: format!("{} does not list it", self.path.display()),
            });
        };
        let (found_len, found_crc) = File::open(copy)
            .and_then(|mut f| digest(&mut f))
            .map_err(|e| TraceError::io(copy, e))?;
        if found_len != len {
            return Err(TraceError::ModifiedCopy {
                path: copy.to_path_buf(),
                detail: format!("it has {found_len} bytes, the recorded file had {len}"),
            });
        }
        if found_crc != crc {
            return Err(TraceError::ModifiedCopy {
                path: copy.to_path_buf(),
                detail: format!("its CRC-32 is {found_crc:08x}, the recorded file's was {crc:08x}"),
            });
        }
        checked.insert(name.to_owned());
        Ok(())
    }
}

/// (length, CRC-32) of everything readable from `file`'s start.
pub(crate) fn digest(file: &mut File) -> io::Result<(u64, u32)> {
    file.seek(SeekFrom::Start(0))?;
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((len, hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write a copy");
        path
    }

    #[test]
    fn listed_copies_are_checked_and_changed_ones_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = copy(dir.path(), "a", b"recorded bytes");
        let b = copy(dir.path(), "b", b"other bytes");
        let mut w = SumsWriter::create(dir.path()).expect("create");
        for (name, path) in [("a", &a), ("b", &b)] {
            let (len, crc) = digest(&mut File::open(path).expect("open")).expect("digest");
            w.append(name, len, crc).expect("append");
        }
        let sums = SumsChecker::load(dir.path()).expect("load");
        sums.check("a", &a).expect("an unchanged copy passes");
        std::fs::write(&b, b"Other bytes").expect("change b");
        let err = sums
            .check("b", &b)
            .expect_err("a changed copy fails")
            .to_string();
        assert!(
            err.contains("CRC-32") && err.contains("b is not the file"),
            "{err}"
        );
        std::fs::write(&b, b"other").expect("shorten b");
        let err = sums
            .check("b", &b)
            .expect_err("a shorter copy fails")
            .to_string();
        assert!(err.contains("5 bytes"), "{err}");
        let c = copy(dir.path(), "c", b"never listed");
        let err = sums
            .check("c", &c)
            .expect_err("an unlisted copy fails")
            .to_string();
        assert!(err.contains("does not list it"), "{err}");
    }

    #[test]
    fn a_trace_without_the_list_is_unchecked_and_a_bad_line_is_corrupt() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = copy(dir.path(), "a", b"bytes");
        SumsChecker::load(dir.path())
            .expect("no list")
            .check("a", &a)
            .expect("traces from before the list are used unchecked");
        std::fs::write(dir.path().join(FILE_SUMS), "5 zz a\n").expect("write list");
        let err = SumsChecker::load(dir.path())
            .expect_err("bad CRC")
            .to_string();
        assert!(err.contains("files.crc is corrupt"), "{err}");
        // A last line cut short (a killed recorder) leaves that copy unlisted.
        std::fs::write(dir.path().join(FILE_SUMS), "5 1234").expect("write list");
        let sums = SumsChecker::load(dir.path()).expect("a cut line is not corruption");
        assert!(sums.check("a", &a).is_err());
    }
}
