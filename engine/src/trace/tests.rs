//! Round trips and corruption handling of the whole container.

use std::fs;
use std::path::{Path, PathBuf};

use super::format::{FrameHeader, FRAME_HEADER_LEN};
use super::*;

fn header() -> Header {
    Header {
        format_version: FORMAT_VERSION,
        cpu: current_cpu_info(),
        progress_mode: ProgressMode::Software,
        argv: vec!["/bin/true".into(), "--flag".into()],
        env: vec!["PATH=/usr/bin".into(), "LANG=C.UTF-8".into()],
        cwd: "/tmp".into(),
        executable: "/usr/bin/true".into(),
        recorded_at: 1_700_000_000,
        initial_signals: InitialSignals {
            blocked: 1 << (libc::SIGUSR1 - 1),
            ignored: 1 << (libc::SIGINT - 1) | 1 << (libc::SIGQUIT - 1),
        },
    }
}

/// Deterministic pseudo-random events of every kind.
fn events(n: usize) -> Vec<Event> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..n)
        .map(|i| {
            let mut regs = Regs::default();
            for r in regs.0.iter_mut() {
                *r = if rnd() % 3 == 0 { rnd() } else { rnd() % 4096 };
            }
            let kind = match i % 9 {
                0 => EventKind::SyscallEntered {
                    nr: rnd() % 450,
                    vfork_child: (rnd() % 2 == 0).then(|| rnd() as i32),
                },
                1 => EventKind::Signal {
                    signo: (rnd() % 64) as i32,
                    siginfo: (0..128).map(|_| rnd() as u8).collect(),
                    synchronous: rnd() % 2 == 0,
                },
                2 => EventKind::Rdtsc {
                    tsc: rnd(),
                    aux: (rnd() % 2 == 0).then(|| rnd() as u32),
                },
                3 => EventKind::Signal {
                    signo: 11,
                    siginfo: vec![0; 128],
                    synchronous: true,
                },
                4 => EventKind::Syscall {
                    nr: 9,
                    args: [rnd(), 4096, 5, 0x12, 3, 0],
                    result: rnd() as i64,
                    writes: vec![],
                    replay: SyscallReplay::MapFile {
                        file: format!("lib{}.so", rnd() % 10),
                        offset: rnd() % 65536,
                        tracked: (rnd() % 2 == 0).then_some(rnd() as u32 % 4),
                    },
                    output: None,
                },
                5 => EventKind::Syscall {
                    nr: 56,
                    args: [rnd(); 6],
                    result: 1234,
                    writes: vec![],
                    replay: SyscallReplay::Clone {
                        flags: rnd(),
                        parent_tid_addr: Some(rnd()),
                        child_tid_addr: None,
                    },
                    output: None,
                },
                6 => EventKind::Syscall {
                    nr: 59,
                    args: [0; 6],
                    result: 0,
                    writes: vec![],
                    replay: SyscallReplay::Exec(Box::new(ExecImage {
                        path: "/bin/ls".into(),
                        exe_file: "ls".into(),
                        mapped_files: vec![ExecMapping {
                            start: 0x40_0000,
                            end: 0x40_1000,
                            offset: 0,
                            file: "ls".into(),
                        }],
                        stack: MemWrite {
                            addr: 0x7ffd_0000,
                            bytes: (0..(rnd() % 512)).map(|_| rnd() as u8).collect(),
                        },
                        regs,
                    })),
                    output: None,
                },
                _ => EventKind::Syscall {
                    nr: rnd() % 450,
                    args: [rnd(), rnd(), rnd(), 0, 0, 0],
                    result: -((rnd() % 133) as i64),
                    writes: (0..rnd() % 3)
                        .map(|_| MemWrite {
                            addr: rnd(),
                            bytes: (0..rnd() % 300).map(|_| (rnd() % 7) as u8).collect(),
                        })
                        .collect(),
                    replay: match rnd() % 3 {
                        0 => SyscallReplay::Emulate,
                        1 => SyscallReplay::Execute,
                        _ => SyscallReplay::ExecutePatchResult,
                    },
                    output: match rnd() % 4 {
                        0 => Some(RecordedOutput {
                            stream: OutputStream::Stdout,
                            bytes: OutputBytes::InMemory {
                                crc32: rnd() as u32,
                            },
                        }),
                        1 => Some(RecordedOutput {
                            stream: OutputStream::Stderr,
                            bytes: OutputBytes::Copied(rnd().to_le_bytes().to_vec()),
                        }),
                        2 => Some(RecordedOutput {
                            stream: OutputStream::Stdout,
                            bytes: OutputBytes::Lost,
                        }),
                        _ => None,
                    },
                },
            };
            Event {
                tid: 1000 + (i % 4) as i32,
                regs,
                kind,
            }
        })
        .collect()
}

fn write_trace(dir: &Path, evs: &[Event], finish: bool) {
    let mut w = TraceWriter::create(dir, &header()).unwrap();
    for e in evs {
        w.append(e).unwrap();
    }
    assert_eq!(w.event_count(), evs.len() as u64);
    if finish {
        w.finish(&RecordingEnd {
            exit_code: 3,
            event_count: evs.len() as u64,
        })
        .unwrap();
    }
}

/// Reads every event; returns them and the error that stopped the stream.
fn read_all(dir: &Path) -> (Vec<Event>, Option<TraceError>, Option<RecordingEnd>) {
    let r = TraceReader::open(dir).unwrap();
    let mut s = r.events().unwrap();
    let mut out = Vec::new();
    loop {
        match s.next_event() {
            Ok(Some(e)) => {
                out.push(e);
                assert_eq!(s.position(), out.len() as u64);
            }
            Ok(None) => return (out, None, s.end().cloned()),
            Err(e) => {
                // The stream is over after an error.
                assert!(matches!(s.next_event(), Ok(None)));
                return (out, Some(e), None);
            }
        }
    }
}

/// (offset, length) of every frame of an events file.
fn frames(path: &Path) -> Vec<(usize, usize)> {
    let bytes = fs::read(path).unwrap();
    let mut out = Vec::new();
    let mut off = 12;
    while off < bytes.len() {
        let raw: [u8; FRAME_HEADER_LEN] = bytes[off..off + FRAME_HEADER_LEN].try_into().unwrap();
        let fh = FrameHeader::decode(&raw);
        let len = FRAME_HEADER_LEN + fh.compressed_len as usize;
        out.push((off, len));
        off += len;
    }
    assert_eq!(off, bytes.len());
    out
}

fn mutate(path: &Path, f: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = fs::read(path).unwrap();
    f(&mut bytes);
    fs::write(path, bytes).unwrap();
}

fn assert_names(err: &TraceError, path: &Path) {
    let msg = err.to_string();
    assert!(
        msg.contains(&*path.to_string_lossy()),
        "message does not name {}: {msg}",
        path.display()
    );
}

fn open_err(dir: &Path) -> TraceError {
    TraceReader::open(dir).unwrap_err()
}

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    evs: Vec<Event>,
}

impl Fixture {
    fn new(n: usize, finish: bool) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("trace");
        let evs = events(n);
        write_trace(&dir, &evs, finish);
        Fixture {
            _tmp: tmp,
            dir,
            evs,
        }
    }
    fn header_path(&self) -> PathBuf {
        self.dir.join("header")
    }
    fn events_path(&self) -> PathBuf {
        self.dir.join("events")
    }
}

#[test]
fn trace_round_trip_complete() {
    let fx = Fixture::new(10_000, true);
    let r = TraceReader::open(&fx.dir).unwrap();
    assert_eq!(r.header(), &header());
    assert_eq!(r.dir(), fx.dir);
    let (got, err, end) = read_all(&fx.dir);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(got.len(), fx.evs.len());
    assert!(got == fx.evs);
    assert_eq!(
        end,
        Some(RecordingEnd {
            exit_code: 3,
            event_count: 10_000
        })
    );
    // Several frames, each within the limits, the last one the end frame.
    let fr = frames(&fx.events_path());
    assert!(fr.len() > 10, "{} frames", fr.len());

    // The iterator gives the same events.
    let it: Vec<Event> = r.events().unwrap().map(|e| e.unwrap()).collect();
    assert!(it == fx.evs);
}

#[test]
fn trace_round_trip_incomplete() {
    // Dropped without finish: buffered events are flushed, no end frame.
    let fx = Fixture::new(10_000, false);
    let (got, err, end) = read_all(&fx.dir);
    assert!(err.is_none(), "{err:?}");
    assert!(got == fx.evs);
    assert_eq!(end, None);
}

#[test]
fn trace_killed_writer_leaves_whole_frames() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("t");
    let evs = events(300);
    let mut w = TraceWriter::create(&dir, &header()).unwrap();
    for e in &evs {
        w.append(e).unwrap();
    }
    // As if killed: the buffered 44 events never reach the file.
    std::mem::forget(w);
    let (got, err, end) = read_all(&dir);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(got.len(), 256);
    assert!(got[..] == evs[..256]);
    assert_eq!(end, None);
}

#[test]
fn trace_flush_and_empty_recording() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("t");
    let evs = events(10);
    let mut w = TraceWriter::create(&dir, &header()).unwrap();
    w.flush().unwrap(); // nothing buffered: no frame
    for e in &evs {
        w.append(e).unwrap();
    }
    w.flush().unwrap();
    assert_eq!(frames(&dir.join("events")).len(), 1);
    std::mem::forget(w);
    let (got, _, _) = read_all(&dir);
    assert!(got == evs);

    let dir2 = tmp.path().join("empty");
    let w = TraceWriter::create(&dir2, &header()).unwrap();
    w.finish(&RecordingEnd {
        exit_code: 0,
        event_count: 0,
    })
    .unwrap();
    let (got, err, end) = read_all(&dir2);
    assert!(got.is_empty() && err.is_none());
    assert_eq!(end.map(|e| e.event_count), Some(0));
}

#[test]
fn trace_huge_event_gets_its_own_frame() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("t");
    let mut evs = events(5);
    evs.insert(
        2,
        Event {
            tid: 1,
            regs: Regs::default(),
            kind: EventKind::Syscall {
                nr: 0,
                args: [0; 6],
                result: 3 << 20,
                writes: vec![MemWrite {
                    addr: 0x1000,
                    bytes: (0..3u32 << 20).map(|i| (i % 251) as u8).collect(),
                }],
                replay: SyscallReplay::Emulate,
                output: None,
            },
        },
    );
    write_trace(&dir, &evs, true);
    let (got, err, end) = read_all(&dir);
    assert!(err.is_none(), "{err:?}");
    assert!(got == evs);
    assert!(end.is_some());
}

#[test]
fn trace_create_refuses_non_empty_dir() {
    let tmp = tempfile::tempdir().unwrap();
    // An existing empty directory is fine.
    TraceWriter::create(tmp.path(), &header()).unwrap();
    let err = TraceWriter::create(tmp.path(), &header()).err().unwrap();
    assert!(matches!(err, TraceError::DirectoryNotEmpty { .. }), "{err}");
    assert_names(&err, tmp.path());
}

#[test]
fn trace_bad_header_magic() {
    let fx = Fixture::new(10, true);
    mutate(&fx.header_path(), |b| b[0] = b'X');
    let err = open_err(&fx.dir);
    assert!(matches!(err, TraceError::NotATrace { .. }), "{err}");
    assert_names(&err, &fx.header_path());
    assert!(err.to_string().contains("not a rewind trace"));

    // A file that is not a trace at all, shorter than a preamble.
    fs::write(fx.header_path(), b"hi").unwrap();
    assert!(matches!(open_err(&fx.dir), TraceError::NotATrace { .. }));
    fs::write(fx.header_path(), b"").unwrap();
    let err = open_err(&fx.dir);
    assert!(matches!(err, TraceError::Truncated { .. }), "{err}");
}

#[test]
fn trace_wrong_versions() {
    let fx = Fixture::new(10, true);
    mutate(&fx.header_path(), |b| b[8] = 99);
    let err = open_err(&fx.dir);
    assert!(
        matches!(
            err,
            TraceError::UnsupportedVersion {
                found: 99,
                supported: FORMAT_VERSION,
                ..
            }
        ),
        "{err}"
    );
    assert_names(&err, &fx.header_path());

    let fx = Fixture::new(10, true);
    mutate(&fx.events_path(), |b| {
        b[8..12].copy_from_slice(&7u32.to_le_bytes())
    });
    let err = open_err(&fx.dir);
    assert!(
        matches!(err, TraceError::UnsupportedVersion { found: 7, .. }),
        "{err}"
    );
    assert_names(&err, &fx.events_path());

    let fx = Fixture::new(10, true);
    mutate(&fx.events_path(), |b| b[3] ^= 0x40);
    let err = open_err(&fx.dir);
    assert!(matches!(err, TraceError::NotATrace { .. }), "{err}");
    assert_names(&err, &fx.events_path());
}

#[test]
fn trace_header_corruption() {
    // A flipped byte in the JSON: the crc catches it.
    let fx = Fixture::new(10, true);
    mutate(&fx.header_path(), |b| {
        let i = b.len() - 10;
        b[i] ^= 0x01;
    });
    let err = open_err(&fx.dir);
    assert!(matches!(err, TraceError::ChecksumMismatch { .. }), "{err}");
    assert_names(&err, &fx.header_path());

    // Truncated payload.
    let fx = Fixture::new(10, true);
    mutate(&fx.header_path(), |b| b.truncate(b.len() - 1));
    let err = open_err(&fx.dir);
    assert!(matches!(err, TraceError::Truncated { .. }), "{err}");
    assert_names(&err, &fx.header_path());

    // Trailing junk.
    let fx = Fixture::new(10, true);
    mutate(&fx.header_path(), |b| b.push(b'\n'));
    assert!(matches!(open_err(&fx.dir), TraceError::Corrupt { .. }));

    // Absurd declared length.
    let fx = Fixture::new(10, true);
    mutate(&fx.header_path(), |b| {
        b[12..16].copy_from_slice(&u32::MAX.to_le_bytes())
    });
    let err = open_err(&fx.dir);
    assert!(matches!(err, TraceError::Corrupt { .. }), "{err}");

    // Valid checksum over JSON that is not a header.
    let fx = Fixture::new(10, true);
    mutate(&fx.header_path(), |b| {
        let json = b"{\"hello\": 1}";
        b.truncate(12);
        b.extend_from_slice(&(json.len() as u32).to_le_bytes());
        b.extend_from_slice(&crc32fast::hash(json).to_le_bytes());
        b.extend_from_slice(json);
    });
    let err = open_err(&fx.dir);
    assert!(matches!(err, TraceError::Corrupt { .. }), "{err}");
    assert_names(&err, &fx.header_path());

    // Missing header.
    fs::remove_file(fx.header_path()).unwrap();
    let err = open_err(&fx.dir);
    assert!(matches!(err, TraceError::Io { .. }), "{err}");
    assert_names(&err, &fx.header_path());
}

#[test]
fn trace_truncated_events() {
    let fx = Fixture::new(1000, true);
    let path = fx.events_path();
    let original = fs::read(&path).unwrap();
    let fr = frames(&path);
    assert_eq!(fr.len(), 5, "4 event frames + end frame");
    let (f1_off, f1_len) = fr[1];
    let (end_off, _) = fr[4];

    // Inside the magic: no events at all.
    fs::write(&path, &original[..5]).unwrap();
    let err = open_err(&fx.dir);
    assert!(
        matches!(
            err,
            TraceError::Truncated {
                offset: 5,
                events: 0,
                ..
            }
        ),
        "{err}"
    );
    assert_names(&err, &path);

    // (cut, events intact before it): a file that stops inside a frame is
    // an incomplete recording, like one cut between frames, and says where.
    let cases = [
        (12 + 5, 0),                // inside the first frame header
        (f1_off + 1, 256),          // inside the second frame header
        (f1_off + 20, 256),         // inside the second frame payload
        (f1_off + f1_len - 1, 256), // last byte of the second frame missing
        (end_off + 3, 1000),        // inside the end frame
        (original.len() - 1, 1000), // end frame payload cut short
    ];
    for (cut, intact) in cases {
        fs::write(&path, &original[..cut]).unwrap();
        let reader = TraceReader::open(&fx.dir).unwrap();
        let mut stream = reader.events().unwrap();
        let mut got = Vec::new();
        while let Some(e) = stream
            .next_event()
            .unwrap_or_else(|e| panic!("cut at {cut}: {e}"))
        {
            got.push(e);
        }
        assert_eq!(got.len(), intact, "cut at {cut}");
        assert!(got[..] == fx.evs[..intact]);
        assert!(stream.end().is_none());
        let tail = stream
            .cut_tail()
            .unwrap_or_else(|| panic!("cut at {cut}: no cut tail"));
        assert_eq!(tail.offset, cut as u64);
        assert!(
            tail.to_string().contains(&format!("stops at byte {cut}")),
            "{tail}"
        );
    }

    // Cut at a frame boundary: a clean, incomplete recording.
    fs::write(&path, &original[..end_off]).unwrap();
    let (got, err, end) = read_all(&fx.dir);
    assert!(err.is_none());
    assert!(got == fx.evs);
    assert!(end.is_none());
}

#[test]
fn trace_flipped_payload_byte_is_checksum_mismatch() {
    let fx = Fixture::new(1000, true);
    let path = fx.events_path();
    let (off, len) = frames(&path)[1];
    mutate(&path, |b| b[off + FRAME_HEADER_LEN + len / 2 - 6] ^= 0x10);
    let (got, err, _) = read_all(&fx.dir);
    let err = err.unwrap();
    assert!(
        matches!(err, TraceError::ChecksumMismatch { frame_index: 1, offset, .. } if offset == off as u64),
        "{err}"
    );
    assert_names(&err, &path);
    assert_eq!(got.len(), 256);
}

#[test]
fn trace_garbage_frame_kind_and_lengths() {
    let set_u32 =
        |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());

    let fx = Fixture::new(1000, true);
    let path = fx.events_path();
    let (off, _) = frames(&path)[2];
    mutate(&path, |b| b[off] = 0x77);
    let (got, err, _) = read_all(&fx.dir);
    let err = err.unwrap();
    assert!(matches!(err, TraceError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("unknown kind 119"), "{err}");
    assert_names(&err, &path);
    assert_eq!(got.len(), 512);

    // Absurd uncompressed length: refused before allocating.
    let fx = Fixture::new(1000, true);
    let path = fx.events_path();
    mutate(&path, |b| set_u32(b, 12 + 5, u32::MAX));
    let (_, err, _) = read_all(&fx.dir);
    let err = err.unwrap();
    assert!(
        matches!(err, TraceError::Corrupt { offset: 12, .. }),
        "{err}"
    );
    assert_names(&err, &path);

    // Absurd compressed length.
    let fx = Fixture::new(1000, true);
    let path = fx.events_path();
    mutate(&path, |b| set_u32(b, 12 + 1, u32::MAX - 1));
    let (_, err, _) = read_all(&fx.dir);
    assert!(matches!(err, Some(TraceError::Corrupt { .. })), "{err:?}");

    // A plausible but wrong uncompressed length (the crc does not cover it).
    let fx = Fixture::new(1000, true);
    let path = fx.events_path();
    mutate(&path, |b| set_u32(b, 12 + 5, 1000));
    let (_, err, _) = read_all(&fx.dir);
    assert!(matches!(err, Some(TraceError::Corrupt { .. })), "{err:?}");

    // A compressed length larger than the file: the file stops inside that
    // frame (an incomplete recording), and the cut says how much was declared.
    let fx = Fixture::new(1000, true);
    let path = fx.events_path();
    mutate(&path, |b| set_u32(b, 12 + 1, 100 << 20));
    let reader = TraceReader::open(&fx.dir).unwrap();
    let mut stream = reader.events().unwrap();
    assert!(stream.next_event().unwrap().is_none());
    let tail = stream.cut_tail().expect("a cut tail");
    assert!(tail.detail.contains("declares 104857600 bytes"), "{tail}");
}

/// Appends a frame with a valid checksum around `compressed`.
fn push_frame(path: &Path, kind: u8, compressed: &[u8], uncompressed_len: u32) {
    mutate(path, |b| {
        let fh = FrameHeader {
            kind,
            compressed_len: compressed.len() as u32,
            uncompressed_len,
            crc: crc32fast::hash(compressed),
        };
        b.extend_from_slice(&fh.encode());
        b.extend_from_slice(compressed);
    });
}

#[test]
fn trace_undecodable_frames() {
    // Not zstd, with a valid crc.
    let fx = Fixture::new(10, false);
    let path = fx.events_path();
    push_frame(&path, 1, b"definitely not zstd", 19);
    let (got, err, _) = read_all(&fx.dir);
    assert!(matches!(err, Some(TraceError::Corrupt { .. })), "{err:?}");
    assert_eq!(got.len(), 10);

    // zstd of bytes that are not events.
    let fx = Fixture::new(10, false);
    let path = fx.events_path();
    let junk = [0xffu8; 64];
    push_frame(&path, 1, &zstd::bulk::compress(&junk, 1).unwrap(), 64);
    let (got, err, _) = read_all(&fx.dir);
    let err = err.unwrap();
    assert!(matches!(err, TraceError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("event 10"), "{err}");
    assert_names(&err, &path);
    assert_eq!(got.len(), 10);

    // An end frame whose count disagrees with the stream.
    let fx = Fixture::new(10, false);
    let path = fx.events_path();
    let end = postcard::to_allocvec(&RecordingEnd {
        exit_code: 0,
        event_count: 11,
    })
    .unwrap();
    push_frame(
        &path,
        2,
        &zstd::bulk::compress(&end, 1).unwrap(),
        end.len() as u32,
    );
    let (_, err, _) = read_all(&fx.dir);
    assert!(matches!(err, Some(TraceError::Corrupt { .. })), "{err:?}");
}

#[test]
fn trace_never_panics_on_mangled_events() {
    let fx = Fixture::new(600, true);
    let path = fx.events_path();
    let original = fs::read(&path).unwrap();
    let mut seed = 12345u64;
    for i in 0..300 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut b = original.clone();
        let at = (seed >> 33) as usize % b.len();
        match i % 3 {
            0 => b[at] ^= (seed >> 8) as u8 | 1,
            1 => b.truncate(at),
            _ => {
                let n = ((seed >> 20) % 16) as usize;
                for k in 0..n.min(b.len() - at) {
                    b[at + k] = (seed >> (k % 8 * 8)) as u8;
                }
            }
        }
        fs::write(&path, &b).unwrap();
        if let Ok(r) = TraceReader::open(&fx.dir) {
            for e in r.events().unwrap() {
                if let Err(err) = e {
                    assert_names(&err, &path);
                }
            }
        }
    }
}

#[test]
fn trace_files_round_trip_and_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("t");
    let src = tmp.path().join("prog");
    fs::write(&src, b"\x7fELF not really").unwrap();
    let mut w = TraceWriter::create(&dir, &header()).unwrap();
    let name = w.copy_file(&src, "/usr/bin/prog").unwrap();
    assert_eq!(name, "prog");
    assert_eq!(w.copy_file(&src, "/usr/bin/prog").unwrap(), "prog");
    assert_eq!(w.dir(), dir);
    w.finish(&RecordingEnd {
        exit_code: 0,
        event_count: 0,
    })
    .unwrap();

    let r = TraceReader::open(&dir).unwrap();
    let p = r.file_path(&name).unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"\x7fELF not really");

    let err = r.file_path("libgone.so").unwrap_err();
    assert!(matches!(err, TraceError::MissingFile { .. }), "{err}");
    assert_names(&err, &dir.join("files").join("libgone.so"));

    for bad in ["../header", "", "..", "a/b"] {
        let err = r.file_path(bad).unwrap_err();
        assert!(
            matches!(err, TraceError::BadFileName { .. }),
            "{bad}: {err}"
        );
        assert_names(&err, &dir.join("files"));
    }
}

#[test]
fn trace_writer_fixes_end_count_and_version() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("t");
    let mut h = header();
    h.format_version = 0;
    let mut w = TraceWriter::create(&dir, &h).unwrap();
    for e in events(3) {
        w.append(&e).unwrap();
    }
    w.finish(&RecordingEnd {
        exit_code: 0,
        event_count: 99,
    })
    .unwrap();
    let r = TraceReader::open(&dir).unwrap();
    assert_eq!(r.header().format_version, FORMAT_VERSION);
    let (got, err, end) = read_all(&dir);
    assert!(err.is_none());
    assert_eq!(got.len(), 3);
    assert_eq!(end.unwrap().event_count, 3);
}

#[test]
fn trace_stream_seeks_back_and_forth_to_marks() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t");
    let evs = events(3000);
    write_trace(&trace, &evs, true);
    let reader = TraceReader::open(&trace).unwrap();
    let mut stream = reader.events().unwrap();
    // Marks before the first event, inside frames, and at frame edges.
    let mut marks = vec![(0usize, stream.mark())];
    for (i, ev) in evs.iter().enumerate() {
        assert_eq!(stream.next_event().unwrap().as_ref(), Some(ev));
        if i % 97 == 0 || i % 256 == 255 {
            marks.push((i + 1, stream.mark()));
        }
    }
    assert!(stream.next_event().unwrap().is_none());
    for (at, mark) in marks.iter().rev() {
        stream.seek(mark).unwrap();
        assert_eq!(stream.position(), *at as u64);
        for ev in evs.iter().skip(*at).take(300) {
            assert_eq!(stream.next_event().unwrap().as_ref(), Some(ev));
        }
    }
    // A seek to the last mark then reading to the end finds the end frame.
    let (at, last) = marks.last().unwrap();
    stream.seek(last).unwrap();
    for ev in evs.iter().skip(*at) {
        assert_eq!(stream.next_event().unwrap().as_ref(), Some(ev));
    }
    assert!(stream.next_event().unwrap().is_none());
    assert!(stream.end().is_some());
}
