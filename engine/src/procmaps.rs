//! Parsing /proc/PID/maps.

use std::path::PathBuf;

/// One line of /proc/PID/maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// The permissions as the kernel prints them (`r-xp`).
    pub perms: String,
    /// Offset of the mapping in its file.
    pub offset: u64,
    /// Inode of the file; 0 for memory that is not a file's.
    pub inode: u64,
    /// Path, `[stack]`, `[vdso]`, ... or empty for anonymous memory.
    pub name: String,
}

impl Mapping {
    /// A mapping of a regular file (as opposed to `[heap]` or anonymous memory).
    pub fn is_file(&self) -> bool {
        self.inode != 0 && self.name.starts_with('/')
    }
}

/// The mappings listed in the text of a `/proc/PID/maps` file; lines that do not
/// parse are left out.
pub fn parse_maps(text: &str) -> Vec<Mapping> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Mapping> {
    let mut fields = line.splitn(6, ' ');
    let range = fields.next()?;
    let perms = fields.next()?.to_string();
    let offset = u64::from_str_radix(fields.next()?, 16).ok()?;
    let _dev = fields.next()?;
    let inode = fields.next()?.parse().ok()?;
    let name = fields.next().unwrap_or("").trim_start().to_string();
    let (start, end) = range.split_once('-')?;
    Some(Mapping {
        start: u64::from_str_radix(start, 16).ok()?,
        end: u64::from_str_radix(end, 16).ok()?,
        perms,
        offset,
        inode,
        name,
    })
}

/// The mappings of process `pid`, read from `/proc/PID/maps`.
pub fn read_maps(pid: i32) -> std::io::Result<Vec<Mapping>> {
    Ok(parse_maps(&std::fs::read_to_string(format!(
        "/proc/{pid}/maps"
    ))?))
}

/// A path through which a mapping's file can be opened even if it was deleted.
pub fn map_file_path(pid: i32, m: &Mapping) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}/map_files/{:x}-{:x}", m.start, m.end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_file_anonymous_and_special_lines() {
        let text = "555555554000-555555556000 r--p 00000000 fe:01 1234   /usr/bin/true\n\
                    7ffff7fc3000-7ffff7fc7000 r--p 00000000 00:00 0   [vvar]\n\
                    7ffff7ff0000-7ffff7ff1000 rw-p 00000000 00:00 0 \n\
                    7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0    [stack]\n";
        let maps = parse_maps(text);
        assert_eq!(maps.len(), 4);
        assert_eq!(maps[0].name, "/usr/bin/true");
        assert!(maps[0].is_file());
        assert_eq!(maps[1].name, "[vvar]");
        assert!(!maps[2].is_file());
        assert_eq!(maps[3].end, 0x7ffffffff000);
    }
}
