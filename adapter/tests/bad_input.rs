//! Bad input gets a clear error naming the cause: corrupt or truncated
//! traces, a wrong version, a missing file copy, missing or non-executable
//! programs, a recorder killed mid-run.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

mod support;

use rewind_test_support::{fixture, fixture_arg};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use support::{record, replay_check, rewind, LIMIT};

fn recorded_hello(tmp: &Path) -> PathBuf {
    let (rec, trace) = record(tmp, &[&fixture_arg("hello")], b"");
    assert_eq!(rec.code, Some(0), "{}", rec.stderr_text());
    trace
}

fn assert_fails_naming(out: &support::Outcome, needles: &[&str]) {
    assert_ne!(
        out.code,
        Some(0),
        "expected failure; stderr:\n{}",
        out.stderr_text()
    );
    let err = out.stderr_text();
    for n in needles {
        assert!(err.contains(n), "stderr should mention {n:?}:\n{err}");
    }
    assert!(!err.contains("panicked"), "rewind panicked:\n{err}");
}

#[test]
fn truncated_events_file() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = recorded_hello(tmp.path());
    let events = trace.join("events");
    let len = fs::metadata(&events).unwrap().len();
    let cut_copy = |cut: u64| {
        let copy = tmp.path().join(format!("cut-{cut}"));
        copy_dir(&trace, &copy);
        let f = fs::OpenOptions::new()
            .write(true)
            .open(copy.join("events"))
            .unwrap();
        f.set_len(cut).unwrap();
        copy
    };
    // Inside the file's magic: not a trace at all.
    let copy = cut_copy(4);
    assert_fails_naming(&replay_check(&copy), &["events", "truncated"]);
    let dump = rewind(&["dump", copy.to_str().unwrap()], b"", LIMIT);
    assert_fails_naming(&dump, &["events", "truncated"]);
    // Inside a frame: the same as a recorder killed between frames (see
    // recorder_killed_leaves_replayable_prefix): an incomplete recording
    // whose intact prefix replays, saying where the file stops. Before the
    // first whole frame, that prefix is empty, which replay refuses.
    for cut in [14, len / 2, len - 1] {
        let copy = cut_copy(cut);
        let out = replay_check(&copy);
        let stops = format!("the events file stops at byte {cut}");
        if out.stderr_text().contains("holds no events") {
            assert_fails_naming(&out, &["holds no events"]);
        } else {
            assert_eq!(out.code, Some(0), "{}", out.stderr_text());
            assert!(
                out.stderr_text().contains("is incomplete"),
                "{}",
                out.stderr_text()
            );
            assert!(out.stderr_text().contains(&stops), "{}", out.stderr_text());
        }
        let dump = rewind(&["dump", copy.to_str().unwrap()], b"", LIMIT);
        assert_eq!(dump.code, Some(0), "{}", dump.stderr_text());
        assert!(
            dump.stdout_text().contains("incomplete"),
            "{}",
            dump.stdout_text()
        );
        assert!(
            dump.stdout_text().contains(&stops),
            "{}",
            dump.stdout_text()
        );
    }
    // The end frame cut: every event is there, the end is not.
    let out = replay_check(&cut_copy(len - 1));
    assert_eq!(out.code, Some(0), "{}", out.stderr_text());
    assert!(
        out.stderr_text().contains("is incomplete"),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn flipped_byte_in_events() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = recorded_hello(tmp.path());
    let events = trace.join("events");
    let mut bytes = fs::read(&events).unwrap();
    let at = bytes.len() - 10;
    bytes[at] ^= 0x40;
    fs::write(&events, bytes).unwrap();
    let out = replay_check(&trace);
    assert_fails_naming(&out, &["events", "checksum"]);
}

#[test]
fn flipped_byte_in_header() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = recorded_hello(tmp.path());
    let header = trace.join("header");
    let mut bytes = fs::read(&header).unwrap();
    let at = bytes.len() - 20;
    bytes[at] ^= 0x01;
    fs::write(&header, bytes).unwrap();
    let out = replay_check(&trace);
    assert_fails_naming(&out, &["header"]);
}

#[test]
fn truncated_header_file() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = recorded_hello(tmp.path());
    let header = trace.join("header");
    let len = fs::metadata(&header).unwrap().len();
    for cut in [3, 10, len / 2] {
        let copy = tmp.path().join(format!("hcut-{cut}"));
        copy_dir(&trace, &copy);
        let f = fs::OpenOptions::new()
            .write(true)
            .open(copy.join("header"))
            .unwrap();
        f.set_len(cut).unwrap();
        let out = replay_check(&copy);
        assert_fails_naming(&out, &["header"]);
    }
}

#[test]
fn wrong_format_version() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = recorded_hello(tmp.path());
    for name in ["header", "events"] {
        let copy = tmp.path().join(format!("ver-{name}"));
        copy_dir(&trace, &copy);
        let path = copy.join(name);
        let mut bytes = fs::read(&path).unwrap();
        bytes[8..12].copy_from_slice(&99u32.to_le_bytes());
        fs::write(&path, bytes).unwrap();
        let out = replay_check(&copy);
        assert_fails_naming(&out, &[name, "version"]);
    }
}

#[test]
fn missing_mapped_file_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = recorded_hello(tmp.path());
    let libc_copy = libc_copy(&trace);
    fs::remove_file(&libc_copy).unwrap();
    let out = replay_check(&trace);
    let name = libc_copy
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_fails_naming(&out, &[&name]);
}

/// The libc copy in `files/` of a recording of hello.
fn libc_copy(trace: &Path) -> PathBuf {
    fs::read_dir(trace.join("files"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("libc.so")
        })
        .expect("the trace holds a copy of libc")
}

/// A copy in `files/` changed after recording (one byte flipped deep inside
/// libc; its ELF header zeroed) is refused, naming the file, by replay and
/// by the debugger alike: it never replays as "matched".
#[test]
fn modified_mapped_file_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = recorded_hello(tmp.path());
    type Edit = fn(&mut Vec<u8>);
    let edits: [(&str, Edit); 2] = [
        ("flipped", |b| {
            let at = b.len() / 2;
            b[at] ^= 0x40;
        }),
        ("header", |b| b[..64].fill(0)),
    ];
    for (what, edit) in edits {
        let copy = tmp.path().join(format!("modified-{what}"));
        copy_dir(&trace, &copy);
        let libc = libc_copy(&copy);
        let mut bytes = fs::read(&libc).unwrap();
        edit(&mut bytes);
        fs::write(&libc, bytes).unwrap();
        let out = replay_check(&copy);
        let name = libc.file_name().unwrap().to_string_lossy().into_owned();
        assert_fails_naming(
            &out,
            &[&name, "is not the file that was recorded", "CRC-32"],
        );
        assert!(
            !out.stderr_text().contains("matched"),
            "{what}: {}",
            out.stderr_text()
        );
    }
}

#[test]
fn not_a_trace_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out = replay_check(tmp.path());
    assert_fails_naming(&out, &["header"]);
    assert!(
        out.stderr_text().contains("is not a recording"),
        "{}",
        out.stderr_text()
    );
    let missing = tmp.path().join("nothing-here");
    let out = replay_check(&missing);
    assert_fails_naming(&out, &["there is no recording at", "nothing-here"]);
}

/// `rewind record NAME` looks NAME up on PATH, as a shell does, and says
/// how to record the file of that name in the current directory.
#[test]
fn name_without_slash_is_looked_up_on_path() {
    let tmp = tempfile::tempdir().unwrap();
    fs::copy(fixture("hello"), tmp.path().join("hello-here")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rewind"))
        .args(["record", "-o", "trace", "--", "hello-here"])
        .current_dir(tmp.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(127), "{stderr}");
    assert!(stderr.contains("looked up on PATH"), "{stderr}");
    assert!(stderr.contains("'./hello-here'"), "{stderr}");
}

/// A script whose `#!` interpreter is missing is not reported as missing
/// itself, and is a "cannot execute" (126), as in a shell.
#[test]
fn script_whose_interpreter_is_missing() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("script.sh");
    fs::write(&script, "#!/no/such/interpreter -x\necho hi\n").unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let (out, trace) = record(tmp.path(), &[script.to_str().unwrap()], b"");
    assert_eq!(out.code, Some(126), "{}", out.stderr_text());
    assert!(
        out.stderr_text()
            .contains("its interpreter '/no/such/interpreter'"),
        "{}",
        out.stderr_text()
    );
    assert!(!trace.exists(), "no recording is left behind");
}

/// An executable whose ELF dynamic loader is missing: exec fails with
/// ENOENT although the file exists; the message says what is missing.
#[test]
fn program_whose_dynamic_loader_is_missing() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let elf = fs::read(fixture("hello")).unwrap();
    let loader: &[u8] = b"/lib64/ld-linux-x86-64.so.2";
    let at = elf
        .windows(loader.len())
        .position(|w| w == loader)
        .expect("the fixture names the x86-64 dynamic loader");
    let mut patched = elf.clone();
    patched[at + loader.len() - 1] = b'9';
    let exe = tmp.path().join("no-loader");
    fs::write(&exe, patched).unwrap();
    fs::set_permissions(&exe, fs::Permissions::from_mode(0o755)).unwrap();
    let (out, _) = record(tmp.path(), &[exe.to_str().unwrap()], b"");
    assert_eq!(out.code, Some(126), "{}", out.stderr_text());
    assert!(
        out.stderr_text().contains("dynamic loader"),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn program_that_does_not_exist() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, _) = record(tmp.path(), &["/no/such/program"], b"");
    assert_eq!(out.code, Some(127));
    assert!(
        out.stderr_text()
            .contains("cannot find program '/no/such/program'"),
        "{}",
        out.stderr_text()
    );
    let (out, _) = record(tmp.path(), &["no-such-program-on-path"], b"");
    assert_eq!(out.code, Some(127));
    assert!(
        out.stderr_text().contains("not found on PATH"),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn non_executable_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("plain.txt");
    fs::write(&file, "not a program").unwrap();
    let (out, _) = record(tmp.path(), &[file.to_str().unwrap()], b"");
    assert_eq!(out.code, Some(126));
    assert!(
        out.stderr_text().contains("no execute permission"),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn executable_that_is_not_a_program() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("garbage");
    fs::write(&file, [0u8; 64]).unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o755)).unwrap();
    let (out, _) = record(tmp.path(), &[file.to_str().unwrap()], b"");
    assert_ne!(out.code, Some(0));
    assert_eq!(out.code, Some(126), "every 'cannot execute' is 126");
    assert!(
        out.stderr_text().contains("cannot execute"),
        "{}",
        out.stderr_text()
    );
    assert!(
        out.stderr_text().contains("Exec format error"),
        "{}",
        out.stderr_text()
    );
}

/// A recorder killed with SIGKILL leaves whole frames: the prefix replays,
/// and replay says where the recording ends.
#[test]
fn recorder_killed_leaves_replayable_prefix() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = tmp.path().join("killed");
    let script = format!("{} 3000; read line", fixture_arg("syscalls"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_rewind"))
        .args([
            "record",
            "-o",
            trace.to_str().unwrap(),
            "--",
            "sh",
            "-c",
            &script,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut recorded_stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut recorded_stdout, &mut v);
        v
    });
    // 3000 syscalls make several frames; wait until some are on disk.
    support::wait_until(
        "the recorder writes frames",
        Duration::from_secs(30),
        || fs::metadata(trace.join("events")).map_or(0, |m| m.len()) > 1_000,
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let recorded = reader.join().unwrap();
    let out = replay_check(&trace);
    assert_eq!(
        out.code,
        Some(0),
        "prefix replay failed:\n{}",
        out.stderr_text()
    );
    assert!(
        out.stderr_text().contains("incomplete"),
        "{}",
        out.stderr_text()
    );
    assert!(
        recorded.starts_with(&out.stdout),
        "replayed output {:?} is not a prefix of the recorded {:?}",
        out.stdout_text(),
        String::from_utf8_lossy(&recorded)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to.join("files")).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
    for entry in fs::read_dir(from.join("files")).unwrap() {
        let p = entry.unwrap().path();
        fs::copy(&p, to.join("files").join(p.file_name().unwrap())).unwrap();
    }
}

#[test]
fn unsupported_syscall_stops_recording_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, trace) = record(tmp.path(), &[&fixture_arg("unsupported"), "ptrace"], b"");
    assert_fails_naming(&out, &["ptrace", "number 101", "cannot record"]);
    assert!(out.stdout_text().contains("before the syscall"));
    assert!(
        !out.stdout_text().contains("after the syscall"),
        "the program must not go on"
    );
    // What was recorded up to there is a replayable (incomplete) trace.
    let rep = replay_check(&trace);
    assert_eq!(rep.code, Some(0), "{}", rep.stderr_text());
    assert_eq!(rep.stdout_text(), "before the syscall\n");

    // A number the kernel has no syscall for is not refused: it fails with
    // ENOSYS, as it does natively.
    let (out, trace) = record(tmp.path(), &[&fixture_arg("unsupported"), "unknown"], b"");
    assert_eq!(out.code, Some(0), "{}", out.stderr_text());
    let expected =
        "before the syscall\nsyscall 999: -1, Function not implemented\nafter the syscall\n";
    assert_eq!(out.stdout_text(), expected);
    let rep = replay_check(&trace);
    assert_eq!(rep.code, Some(0), "{}", rep.stderr_text());
    assert_eq!(rep.stdout_text(), expected);
}

/// A trace holds copies of what the program mapped: it replays after the
/// program is deleted.
#[test]
fn replays_after_the_program_is_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = tmp.path().join("hello-copy");
    fs::copy(fixture_arg("hello"), &exe).unwrap();
    let (rec, trace) = record(tmp.path(), &[exe.to_str().unwrap(), "x"], b"");
    assert_eq!(rec.code, Some(0), "{}", rec.stderr_text());
    fs::remove_file(&exe).unwrap();
    let rep = replay_check(&trace);
    assert_eq!(rep.code, Some(0), "{}", rep.stderr_text());
    assert_eq!(rep.stdout_text(), rec.stdout_text());
}

/// A trace recorded on another CPU (different CPUID) is refused with a
/// message naming both CPUs.
#[test]
fn trace_from_another_cpu_is_refused() {
    use rewind_engine::trace::{TraceReader, TraceWriter};
    let tmp = tempfile::tempdir().unwrap();
    let trace = recorded_hello(tmp.path());
    let mut header = TraceReader::open(&trace).unwrap().header().clone();
    header.cpu.model ^= 0x7;
    if let Some(leaf) = header.cpu.leaves.iter_mut().find(|l| l.leaf == 1) {
        leaf.ecx ^= 1 << 9;
    }
    let other = tmp.path().join("other-cpu");
    drop(TraceWriter::create(&other, &header).unwrap());
    fs::copy(trace.join("events"), other.join("events")).unwrap();
    for entry in fs::read_dir(trace.join("files")).unwrap() {
        let p = entry.unwrap().path();
        fs::copy(&p, other.join("files").join(p.file_name().unwrap())).unwrap();
    }
    let out = replay_check(&other);
    assert_fails_naming(&out, &["different CPU", "recorded on", "CPUID"]);
}
