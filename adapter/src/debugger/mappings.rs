//! The file mappings of a replayed process, rebuilt from the trace.
//!
//! The replayer maps the trace's copies of shared libraries, or scratch copies of
//! files mapped shared (engine `replay::images`), so /proc/PID/maps of the replay
//! names those copies, not the recorded files. The trace does: the exec image lists the files the kernel mapped at
//! exec (executable, interpreter), and every later file-backed mmap is an event
//! with `SyscallReplay::MapFile { file, offset, .. }`. Replaying the address-space
//! effects of the events (mmap, munmap, mremap, exec, clone) in order gives the
//! mappings at any event index, named by the trace's copies of the files.

use std::collections::{BTreeMap, HashMap};

use rewind_debuginfo::Mapping;
use rewind_engine::trace::{Event, EventKind, EventStream, SyscallReplay, TraceError, TraceReader};

const PAGE: u64 = 4096;

/// A file-backed range of one address space.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Region {
    /// One past the last address.
    end: u64,
    /// File offset of the region's first address.
    offset: u64,
    /// Name of the file's copy in the trace's `files/` directory.
    file: String,
}

/// File-backed regions by start address; they never overlap.
type Space = BTreeMap<u64, Region>;

/// The file mappings of every process of a recording, as the events seen so far
/// left them. Feed it the events in order with [`AddressSpaces::apply`].
#[derive(Debug, Default)]
pub struct AddressSpaces {
    spaces: Vec<Space>,
    /// Recorded tid -> index into `spaces`.
    space_of: HashMap<i32, usize>,
    /// Recorded tid -> recorded id of its thread group (process).
    group_of: HashMap<i32, i32>,
    applied: u64,
}

impl AddressSpaces {
    /// No process yet (the first event of a recording is its exec).
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of events applied so far.
    pub fn events_applied(&self) -> u64 {
        self.applied
    }

    /// Applies the address-space effect of the next event of the recording.
    pub fn apply(&mut self, event: &Event) {
        self.applied += 1;
        let EventKind::Syscall {
            nr,
            args,
            result,
            replay,
            ..
        } = &event.kind
        else {
            return;
        };
        if (-4095..0).contains(result) {
            return; // failed: nothing changed
        }
        let (nr, result) = (*nr as i64, *result as u64);
        let tid = event.tid;
        match replay {
            SyscallReplay::Exec(image) => {
                let mut space = Space::new();
                for m in &image.mapped_files {
                    map(
                        &mut space,
                        m.start,
                        m.end,
                        Some((m.offset, m.file.as_str())),
                    );
                }
                self.exec(tid, space);
                return;
            }
            SyscallReplay::Clone { flags, .. } => {
                self.clone_thread(tid, result as i32, *flags);
                return;
            }
            _ => {}
        }
        let Some(space) = self
            .space_of
            .get(&tid)
            .and_then(|&i| self.spaces.get_mut(i))
        else {
            return;
        };
        match (nr, replay) {
            (libc::SYS_mmap, SyscallReplay::MapFile { file, offset, .. }) => {
                let end = result.saturating_add(page_up(args[1]));
                map(space, result, end, Some((*offset, file.as_str())));
            }
            (libc::SYS_mmap, _) => {
                let end = result.saturating_add(page_up(args[1]));
                map(space, result, end, None);
            }
            (libc::SYS_munmap, _) => {
                let end = args[0].saturating_add(page_up(args[1]));
                map(space, args[0], end, None);
            }
            (libc::SYS_mremap, _) => remap(space, args, result),
            _ => {}
        }
    }

    /// `tid`'s process gets a fresh address space (its other threads end at exec).
    fn exec(&mut self, tid: i32, space: Space) {
        let group = self.group_of.get(&tid).copied().unwrap_or(tid);
        let index = self.spaces.len();
        self.spaces.push(space);
        let members: Vec<i32> = self
            .group_of
            .iter()
            .filter(|(_, g)| **g == group)
            .map(|(t, _)| *t)
            .collect();
        for t in members {
            self.space_of.insert(t, index);
        }
        self.space_of.insert(tid, index);
        self.group_of.insert(tid, group);
    }

    /// A new thread or process `child` created by `parent` with clone `flags`.
    fn clone_thread(&mut self, parent: i32, child: i32, flags: u64) {
        let parent_space = match self.space_of.get(&parent) {
            Some(&i) => i,
            None => {
                self.spaces.push(Space::new());
                self.spaces.len() - 1
            }
        };
        let child_space = if flags & libc::CLONE_VM as u64 != 0 {
            parent_space
        } else {
            let copy = self.spaces.get(parent_space).cloned().unwrap_or_default();
            self.spaces.push(copy);
            self.spaces.len() - 1
        };
        let group = if flags & libc::CLONE_THREAD as u64 != 0 {
            self.group_of.get(&parent).copied().unwrap_or(parent)
        } else {
            child
        };
        self.space_of.insert(child, child_space);
        self.group_of.insert(child, group);
    }

    /// The file mappings of the process of recorded thread `tid`, in address order,
    /// as `(start, end, file offset, name of the trace's copy)`.
    pub fn regions(&self, tid: i32) -> Vec<(u64, u64, u64, &str)> {
        self.space_of
            .get(&tid)
            .and_then(|&i| self.spaces.get(i))
            .map(|space| {
                space
                    .iter()
                    .map(|(&start, r)| (start, r.end, r.offset, r.file.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The file mappings of the process of recorded thread `tid`, named by the
    /// trace's copies of the files (for `Program::set_mappings`). Copies missing
    /// from the trace are left out (and logged).
    pub fn mappings(&self, tid: i32, reader: &TraceReader) -> Vec<Mapping> {
        let mut paths: HashMap<&str, Option<std::path::PathBuf>> = HashMap::new();
        let mut out = Vec::new();
        for (start, end, offset, file) in self.regions(tid) {
            let path = paths
                .entry(file)
                .or_insert_with(|| match reader.file_path(file) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        tracing::warn!(file, error = %e, "mapped file missing from the trace");
                        None
                    }
                })
                .clone();
            if let Some(path) = path {
                out.push(Mapping {
                    start,
                    end,
                    offset,
                    path: Some(path),
                });
            }
        }
        out
    }
}

/// The file mappings of each process of a recording at a point of it, named
/// by the trace's copies of the files. Keeps the address spaces built so far
/// and only rebuilds when asked for an earlier event (a debugger asks at
/// every stop; most stops move forwards a little).
pub struct MappingsCursor {
    spaces: AddressSpaces,
    events: EventStream,
}

impl MappingsCursor {
    pub fn new(reader: &TraceReader) -> Result<Self, TraceError> {
        Ok(MappingsCursor {
            spaces: AddressSpaces::new(),
            events: reader.events()?,
        })
    }

    /// The mappings of the process of recorded thread `tid` after the first
    /// `upto` events (`Session::event_index()` for the replay's position).
    pub fn mappings_at(
        &mut self,
        reader: &TraceReader,
        upto: u64,
        tid: i32,
    ) -> Result<Vec<Mapping>, TraceError> {
        if self.spaces.events_applied() > upto {
            *self = MappingsCursor::new(reader)?;
        }
        while self.spaces.events_applied() < upto {
            match self.events.next_event()? {
                Some(event) => self.spaces.apply(&event),
                None => break,
            }
        }
        Ok(self.spaces.mappings(tid, reader))
    }
}

fn page_up(len: u64) -> u64 {
    len.saturating_add(PAGE - 1) & !(PAGE - 1)
}

/// Replaces whatever `space` holds in `[start, end)` with `file` (offset, copy name),
/// or with nothing (anonymous memory, unmapped).
fn map(space: &mut Space, start: u64, end: u64, file: Option<(u64, &str)>) {
    if end <= start {
        return;
    }
    let overlapping: Vec<u64> = space
        .range(..end)
        .filter(|(_, r)| r.end > start)
        .map(|(&s, _)| s)
        .collect();
    for s in overlapping {
        let Some(r) = space.remove(&s) else { continue };
        if s < start {
            space.insert(
                s,
                Region {
                    end: start,
                    ..r.clone()
                },
            );
        }
        if r.end > end {
            space.insert(
                end,
                Region {
                    end: r.end,
                    offset: r.offset.wrapping_add(end - s),
                    file: r.file,
                },
            );
        }
    }
    if let Some((offset, file)) = file {
        space.insert(
            start,
            Region {
                end,
                offset,
                file: file.to_string(),
            },
        );
    }
}

/// mremap(old, old_size, new_size, flags, new_address) that returned `new`: the
/// file-backed parts of the old range move (and a file mapping that ends at the old
/// range's end grows with it).
fn remap(space: &mut Space, args: &[u64; 6], new: u64) {
    let old = args[0];
    let old_end = old.saturating_add(page_up(args[1]));
    let new_size = page_up(args[2]);
    let new_end = new.saturating_add(new_size);
    let pieces: Vec<(u64, Region)> = space
        .range(..old_end)
        .filter(|(_, r)| r.end > old)
        .map(|(&s, r)| {
            let from = s.max(old);
            let region = Region {
                end: r.end.min(old_end),
                offset: r.offset.wrapping_add(from - s),
                file: r.file.clone(),
            };
            (from, region)
        })
        .collect();
    const MREMAP_DONTUNMAP: u64 = 4;
    if args[3] & MREMAP_DONTUNMAP == 0 {
        map(space, old, old_end, None);
    }
    map(space, new, new_end, None);
    for (from, r) in pieces {
        let start = new.wrapping_add(from - old);
        let mut end = new.wrapping_add(r.end - old);
        if r.end == old_end {
            end = new_end;
        }
        let end = end.min(new_end);
        map(space, start, end, Some((r.offset, &r.file)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rewind_engine::trace::{ExecImage, ExecMapping, MemWrite, Regs};

    fn syscall(tid: i32, nr: i64, args: [u64; 6], result: i64, replay: SyscallReplay) -> Event {
        Event {
            tid,
            regs: Regs::default(),
            kind: EventKind::Syscall {
                nr: nr as u64,
                args,
                result,
                writes: Vec::new(),
                replay,
                output: None,
            },
        }
    }

    fn exec(tid: i32) -> Event {
        let image = ExecImage {
            path: "/bin/x".into(),
            exe_file: "x".into(),
            mapped_files: vec![ExecMapping {
                start: 0x1000,
                end: 0x3000,
                offset: 0,
                file: "x".into(),
            }],
            stack: MemWrite {
                addr: 0,
                bytes: Vec::new(),
            },
            regs: Regs::default(),
        };
        syscall(
            tid,
            libc::SYS_execve,
            [0; 6],
            0,
            SyscallReplay::Exec(Box::new(image)),
        )
    }

    fn mmap_file(tid: i32, addr: u64, len: u64, file: &str, offset: u64) -> Event {
        syscall(
            tid,
            libc::SYS_mmap,
            [0, len, 0, 0, 3, offset],
            addr as i64,
            SyscallReplay::MapFile {
                file: file.into(),
                offset,
                tracked: None,
            },
        )
    }

    #[test]
    fn later_maps_split_and_replace_earlier_ones() {
        let mut s = AddressSpaces::new();
        s.apply(&exec(10));
        // ld.so style: the whole file, then fixed segments over it, then bss.
        s.apply(&mmap_file(10, 0x10000, 0x5000, "libc", 0));
        s.apply(&mmap_file(10, 0x11000, 0x2000, "libc", 0x1000));
        s.apply(&syscall(
            10,
            libc::SYS_mmap,
            [0x14000, 0x800, 0, 0, u64::MAX, 0],
            0x14000,
            SyscallReplay::Execute,
        ));
        assert_eq!(
            s.regions(10),
            vec![
                (0x1000, 0x3000, 0, "x"),
                (0x10000, 0x11000, 0, "libc"),
                (0x11000, 0x13000, 0x1000, "libc"),
                (0x13000, 0x14000, 0x3000, "libc"),
            ]
        );
        s.apply(&syscall(
            10,
            libc::SYS_munmap,
            [0x10000, 0x5000, 0, 0, 0, 0],
            0,
            SyscallReplay::Execute,
        ));
        assert_eq!(s.regions(10), vec![(0x1000, 0x3000, 0, "x")]);
        assert_eq!(s.events_applied(), 5);
    }

    #[test]
    fn failed_calls_change_nothing_and_processes_are_separate() {
        let mut s = AddressSpaces::new();
        s.apply(&exec(10));
        s.apply(&mmap_file(10, (-12i64) as u64, 0x1000, "y", 0));
        assert_eq!(s.regions(10).len(), 1);
        // fork: a copy; a thread: shared.
        let fork = SyscallReplay::Clone {
            flags: libc::SIGCHLD as u64,
            parent_tid_addr: None,
            child_tid_addr: None,
        };
        s.apply(&syscall(10, libc::SYS_clone, [0; 6], 11, fork));
        let thread = SyscallReplay::Clone {
            flags: (libc::CLONE_VM | libc::CLONE_THREAD) as u64,
            parent_tid_addr: None,
            child_tid_addr: None,
        };
        s.apply(&syscall(10, libc::SYS_clone, [0; 6], 12, thread));
        s.apply(&mmap_file(12, 0x20000, 0x1000, "y", 0));
        assert_eq!(s.regions(10).len(), 2);
        assert_eq!(s.regions(11).len(), 1);
        s.apply(&mmap_file(11, 0x40000, 0x1000, "z", 0x2000));
        s.apply(&exec(11));
        assert_eq!(s.regions(11), vec![(0x1000, 0x3000, 0, "x")]);
        assert_eq!(s.regions(12).len(), 2);
        assert!(s.regions(99).is_empty());
    }

    #[test]
    fn mremap_moves_file_pieces() {
        let mut s = AddressSpaces::new();
        s.apply(&exec(10));
        s.apply(&mmap_file(10, 0x10000, 0x2000, "f", 0x4000));
        s.apply(&syscall(
            10,
            libc::SYS_mremap,
            [0x10000, 0x2000, 0x3000, 1, 0, 0],
            0x50000,
            SyscallReplay::Execute,
        ));
        assert_eq!(
            s.regions(10),
            vec![(0x1000, 0x3000, 0, "x"), (0x50000, 0x53000, 0x4000, "f")]
        );
    }
}
