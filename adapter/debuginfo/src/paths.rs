//! Lexical path handling: absolute paths from DWARF directory entries, and matching a
//! user's (possibly partial) source path against them.

use std::path::{Component, Path, PathBuf};

/// Joins `rel` onto `base` unless it is absolute, then removes `.` and `..` lexically.
pub fn join_normalized(base: Option<&Path>, rel: &Path) -> PathBuf {
    let joined = match base {
        Some(b) if !rel.is_absolute() => b.join(rel),
        _ => rel.to_path_buf(),
    };
    normalize(&joined)
}

/// Removes `.` and `..` components without touching the file system.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether `query` names `candidate`: equal, or a suffix of whole components
/// (`loop.c` and `src/loop.c` both match `/x/fixtures/src/loop.c`).
pub fn path_matches(candidate: &Path, query: &Path) -> bool {
    let query = normalize(query);
    if query.is_absolute() {
        return candidate == query;
    }
    candidate.ends_with(&query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_matches() {
        let p = join_normalized(Some(Path::new("/a/b")), Path::new("./c/../d.c"));
        assert_eq!(p, Path::new("/a/b/d.c"));
        assert!(path_matches(&p, Path::new("d.c")));
        assert!(path_matches(&p, Path::new("b/d.c")));
        assert!(!path_matches(&p, Path::new("x/d.c")));
        assert!(!path_matches(&p, Path::new("/b/d.c")));
        assert!(!path_matches(Path::new("/a/bd.c"), Path::new("d.c")));
    }
}
